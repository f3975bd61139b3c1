//! `escalate amend`: attach a correction to an earlier event. The original line is
//! never changed; `show` prints the correction beside it.

use clap::Args;

use super::{after_change, Ctx, Output};
use crate::error::Result;
use crate::text::{required, MAX_LONG};

#[derive(Debug, Args)]
pub struct AmendArgs {
    /// Dispute ID (any unique start of it)
    #[arg(add = clap_complete::engine::ArgValueCompleter::new(super::complete::dispute_ids))]
    pub id: String,
    /// Line number of the event being corrected (as `show` numbers them)
    #[arg(long, value_name = "SEQ")]
    pub event: u64,
    /// The correction, in full
    #[arg(long, value_name = "TEXT")]
    pub note: String,
}

pub fn run(args: AmendArgs, ctx: &Ctx) -> Result<Output> {
    let note = required("--note", &args.note, MAX_LONG)?;
    let seq = args.event;
    let loaded = ctx.session.record(&args.id, None, |l, _, _| {
        l.dispute.plan_amendment(seq, note)
    })?;
    let headline = format!(
        "Recorded a correction to line {seq} of dispute {}.",
        loaded.dispute.id
    );
    Ok(after_change(ctx, &loaded, headline))
}
