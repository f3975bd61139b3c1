//! `escalate reopen`: a resolved dispute has come back. It reopens at the stage it
//! was resolved at, with a fresh deadline from when it reopened.

use clap::Args;

use crate::cli::{after_change, parse_instant_arg, Ctx, Output};
use escalate_core::domain::clock::Instant;
use escalate_core::domain::plan::Action;
use escalate_core::domain::text::{required, MAX_LONG};
use escalate_core::error::Result;

#[derive(Debug, Args)]
pub(crate) struct ReopenArgs {
    /// Dispute ID (any unique start of it)
    #[arg(add = clap_complete::engine::ArgValueCompleter::new(crate::cli::complete::resolved_dispute_ids))]
    pub id: String,
    /// Why the dispute has come back (up to 20,000 characters; `-` reads standard input)
    #[arg(long, value_name = "TEXT")]
    pub reason: String,
    /// When it was reopened, if earlier than now
    #[arg(long, value_name = "DATETIME", value_parser = parse_instant_arg)]
    pub at: Option<Instant>,
}

pub(crate) fn run(args: ReopenArgs, ctx: &Ctx) -> Result<Output> {
    let reason = crate::cli::input::long_text(&ctx.ui, "--reason", Some(args.reason), None)?
        .unwrap_or_default();
    let reason = required("--reason", &reason, MAX_LONG)?;
    let loaded = ctx
        .session()?
        .act(&args.id, args.at, Action::Reopen { reason }, None)?;
    let headline = format!(
        "Reopened dispute {} at stage {}.",
        loaded.dispute.id, loaded.dispute.stage
    );
    after_change(ctx, &loaded, headline)
}
