//! `escalate agree`: record a later date the parties agreed for the current stage,
//! where the policy allows one ("within a timescale acceptable to both"), with the
//! reason. The rule lives in `ops::check_agreed`; this only parses and reports.

use chrono::NaiveDate;
use clap::Args;

use crate::cli::{after_change, parse_date_arg, parse_instant_arg, Ctx, Output};
use crate::domain::clock::{self, Instant};
use crate::domain::plan::Action;
use crate::domain::text::{required, MAX_LONG};
use crate::error::Result;

#[derive(Debug, Args)]
pub struct AgreeArgs {
    /// Dispute ID (any unique start of it)
    #[arg(add = clap_complete::engine::ArgValueCompleter::new(crate::cli::complete::dispute_ids))]
    pub id: String,
    /// The date the parties agreed the current stage is due by
    #[arg(long, value_name = "DATE", value_parser = parse_date_arg)]
    pub due: NaiveDate,
    /// Why, and who agreed it
    #[arg(long, value_name = "TEXT")]
    pub note: String,
    /// When it was agreed, if earlier than now
    #[arg(long, value_name = "DATETIME", value_parser = parse_instant_arg)]
    pub at: Option<Instant>,
}

pub fn run(args: AgreeArgs, ctx: &Ctx) -> Result<Output> {
    let note = required("--note", &args.note, MAX_LONG)?;
    let due = args.due;
    let loaded = ctx
        .session()?
        .act(&args.id, args.at, Action::Agree { due, note }, None)?;
    let headline = format!(
        "Recorded the agreed date for stage {} of dispute {}: due {}.",
        loaded.policy.policy.label(loaded.dispute.stage),
        loaded.dispute.id,
        clock::human_date(due)
    );
    after_change(ctx, &loaded, headline)
}
