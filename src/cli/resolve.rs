//! `escalate resolve`: close a dispute with its written outcome.

use clap::Args;

use super::{after_change, parse_instant_arg, Ctx, Output};
use crate::clock::Instant;
use crate::error::Result;
use crate::journal::Event;
use crate::text::{required, MAX_LONG};

#[derive(Debug, Args)]
pub struct ResolveArgs {
    /// Dispute ID (any unique start of it)
    pub id: String,
    /// The agreed outcome, in writing, and how outstanding issues will be pursued
    #[arg(long, value_name = "TEXT")]
    pub outcome: String,
    /// When it was resolved, if earlier than now
    #[arg(long, value_name = "DATETIME", value_parser = parse_instant_arg)]
    pub at: Option<Instant>,
}

pub fn run(args: ResolveArgs, ctx: &Ctx) -> Result<Output> {
    let outcome = required("--outcome", &args.outcome, MAX_LONG)?;
    let loaded = ctx.session.record(&args.id, args.at, |l, _, _| {
        l.dispute.require_open("resolve it again")?;
        Ok(Event::Resolved {
            stage: l.dispute.stage,
            outcome,
        })
    })?;
    let headline = format!(
        "Resolved dispute {} at stage {}.",
        loaded.dispute.id, loaded.dispute.stage
    );
    Ok(after_change(ctx, &loaded, headline))
}
