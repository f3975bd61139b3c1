//! `escalate escalate`: move a dispute on to the next stage.

use chrono::NaiveDate;
use clap::Args;

use super::{after_change, parse_date_arg, parse_instant_arg, Ctx, Output};
use crate::clock::Instant;
use crate::error::Result;
use crate::text::{optional, required, MAX_LONG, MAX_SHORT};

#[derive(Debug, Args)]
pub struct EscalateArgs {
    /// Dispute ID (any unique start of it)
    pub id: String,
    /// Why the disagreement was not resolved at this stage
    #[arg(long, value_name = "TEXT")]
    pub reason: String,
    /// An earlier deadline for the new stage (never later than the policy's)
    #[arg(long, value_name = "DATE", value_parser = parse_date_arg)]
    pub due: Option<NaiveDate>,
    /// Go straight to this stage (only for a role the policy names)
    #[arg(long, value_name = "N", requires = "role")]
    pub to: Option<u32>,
    /// The role taking the dispute past intermediate stages
    #[arg(long = "as", value_name = "ROLE")]
    pub role: Option<String>,
    /// When it happened, if earlier than now
    #[arg(long, value_name = "DATETIME", value_parser = parse_instant_arg)]
    pub at: Option<Instant>,
}

pub fn run(args: EscalateArgs, ctx: &Ctx) -> Result<Output> {
    let reason = required("--reason", &args.reason, MAX_LONG)?;
    let role = optional("--as", args.role.as_deref(), MAX_SHORT)?;
    let loaded = ctx
        .session
        .escalate(&args.id, args.at, reason, args.due, args.to, role)?;
    let headline = format!(
        "Escalated dispute {} to stage {}.",
        loaded.dispute.id, loaded.dispute.stage
    );
    Ok(after_change(ctx, &loaded, headline))
}
