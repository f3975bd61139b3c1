//! `escalate open`: start a dispute under a policy.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::Args;

use super::{after_change, parse_date_arg, parse_instant_arg, Ctx, Output};
use crate::clock::Instant;
use crate::error::Result;
use crate::journal::Opened;
use crate::ops::OpenRequest;
use crate::policy::LoadedPolicy;
use crate::text::{optional, required, MAX_LONG, MAX_SHORT};

#[derive(Debug, Args)]
pub struct OpenArgs {
    /// Policy to follow (see `escalate policy list`)
    #[arg(long, value_name = "ID", required_unless_present = "policy_file")]
    pub policy: Option<String>,
    /// Follow a policy from a file instead of a known one
    #[arg(long, value_name = "PATH", conflicts_with = "policy")]
    pub policy_file: Option<PathBuf>,
    /// The child's reference in your own records (not a name)
    #[arg(long, value_name = "REF")]
    pub child: String,
    /// Your agency: the one raising the disagreement
    #[arg(long, value_name = "AGENCY")]
    pub from: String,
    /// The agency whose decision you disagree with
    #[arg(long, value_name = "AGENCY")]
    pub with: String,
    /// What the disagreement is about
    #[arg(long, value_name = "TEXT")]
    pub summary: String,
    /// Kind of disagreement, from the policy's list (`escalate policy show ID`)
    #[arg(long, value_name = "ID")]
    pub category: Option<String>,
    /// The child has a child protection plan
    #[arg(long)]
    pub cp_plan: bool,
    /// The child is looked after
    #[arg(long)]
    pub looked_after: bool,
    /// The child is thought to be at risk of immediate harm
    #[arg(long)]
    pub immediate_harm: bool,
    /// An earlier deadline for the first stage (never later than the policy's)
    #[arg(long, value_name = "DATE", value_parser = parse_date_arg)]
    pub due: Option<NaiveDate>,
    /// When the dispute was really opened, if earlier than now
    #[arg(long, value_name = "DATETIME", value_parser = parse_instant_arg)]
    pub at: Option<Instant>,
    /// When the disagreement first arose, if earlier than it was opened
    #[arg(long, value_name = "DATETIME", value_parser = parse_instant_arg)]
    pub arose: Option<Instant>,
    /// Start at a later stage (only where the policy allows it for urgent cases)
    #[arg(long, value_name = "N")]
    pub stage: Option<u32>,
    /// Why the dispute starts at a later stage
    #[arg(long, value_name = "TEXT", requires = "stage")]
    pub reason: Option<String>,
}

pub fn run(args: OpenArgs, ctx: &Ctx) -> Result<Output> {
    let s = &ctx.session;
    let policy: LoadedPolicy = match (&args.policy, &args.policy_file) {
        (_, Some(path)) => LoadedPolicy::from_file(path)?,
        (Some(id), None) => s.catalogue.get(id)?.clone(),
        (None, None) => s.catalogue.get("")?.clone(),
    };
    let opened = Opened {
        policy: policy.policy.id.clone(),
        policy_hash: policy.hash.clone(),
        child: required("--child", &args.child, MAX_SHORT)?,
        from: required("--from", &args.from, MAX_SHORT)?,
        with: required("--with", &args.with, MAX_SHORT)?,
        summary: required("--summary", &args.summary, MAX_LONG)?,
        category: optional("--category", args.category.as_deref(), MAX_SHORT)?,
        cp_plan: args.cp_plan,
        looked_after: args.looked_after,
        immediate_harm: args.immediate_harm,
        stage: args.stage.unwrap_or(policy.policy.first_stage()),
        due: args.due,
        arose: args.arose,
        start_reason: optional("--reason", args.reason.as_deref(), MAX_LONG)?,
    };
    let loaded = s.open(OpenRequest {
        policy,
        opened,
        at: args.at,
    })?;
    let headline = format!(
        "Opened dispute {} under {} ({}).",
        loaded.dispute.id, loaded.policy.policy.id, loaded.policy.policy.partnership
    );
    Ok(after_change(ctx, &loaded, headline))
}
