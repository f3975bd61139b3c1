//! `escalate agree`: set the current stage's date, with the reason. An earlier date
//! than the policy's, one that protects the child, may be set under any policy at
//! any point of a stage; a later one only where the policy lets the parties agree
//! one ("within a timescale acceptable to both"). The rule lives in
//! `domain::plan::check_stage_date`; this only parses and reports.

use chrono::NaiveDate;
use clap::Args;

use crate::cli::{after_change, parse_date_arg, parse_instant_arg, Ctx, Output};
use escalate_core::domain::clock::{self, Instant};
use escalate_core::domain::plan::Action;
use escalate_core::domain::text::{required, MAX_LONG};
use escalate_core::error::Result;

#[derive(Debug, Args)]
pub(crate) struct AgreeArgs {
    /// Dispute ID (any unique start of it)
    #[arg(add = clap_complete::engine::ArgValueCompleter::new(crate::cli::complete::dispute_ids))]
    pub id: String,
    /// The date the current stage is due by: earlier than the policy's, or later where the policy lets the parties agree one
    #[arg(long, value_name = "DATE", value_parser = parse_date_arg)]
    pub due: NaiveDate,
    /// Why, and who decided or agreed it
    #[arg(long, value_name = "TEXT")]
    pub note: String,
    /// When it was set, if earlier than now
    #[arg(long, value_name = "DATETIME", value_parser = parse_instant_arg)]
    pub at: Option<Instant>,
}

pub(crate) fn run(args: AgreeArgs, ctx: &Ctx) -> Result<Output> {
    let note = required("--note", &args.note, MAX_LONG)?;
    let due = args.due;
    let loaded = ctx
        .session()?
        .act(&args.id, args.at, Action::Agree { due, note }, None)?;
    let d = &loaded.dispute;
    // Where the stage lets the parties agree a date, it replaces the policy's;
    // anywhere else it was accepted as an earlier date that protects the child.
    let what = if d.visit().and_then(|v| v.agreed) == Some(due) {
        "the agreed date"
    } else {
        "a date to protect the child"
    };
    let headline = format!(
        "Recorded {what} for stage {} of dispute {}: due {}.",
        loaded.policy.policy.label(d.stage),
        d.id,
        clock::human_date(due)
    );
    after_change(ctx, &loaded, headline)
}
