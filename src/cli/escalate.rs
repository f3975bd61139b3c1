//! `escalate escalate`: move a dispute on to the next stage.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::Args;

use super::{after_change, parse_date_arg, parse_instant_arg, Ctx, Output};
use crate::clock::Instant;
use crate::error::Result;
use crate::text::{optional, required, MAX_LONG, MAX_SHORT};

#[derive(Debug, Args)]
pub struct EscalateArgs {
    /// Dispute ID (any unique start of it)
    #[arg(add = clap_complete::engine::ArgValueCompleter::new(super::complete::open_dispute_ids))]
    pub id: String,
    /// Why the disagreement was not resolved at this stage (up to 20,000 characters; `-` reads standard input)
    #[arg(long, value_name = "TEXT", conflicts_with = "reason_file")]
    pub reason: Option<String>,
    /// Read the reason from a file (`-`: standard input)
    #[arg(long, value_name = "PATH")]
    pub reason_file: Option<PathBuf>,
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
    /// Do not ask for confirmation on a terminal
    #[arg(long, short)]
    pub yes: bool,
}

pub fn run(args: EscalateArgs, ctx: &Ctx) -> Result<Output> {
    let p = &ctx.prompter;
    let given = super::input::long_text("--reason", args.reason.clone(), args.reason_file.clone())?;
    p.require(
        "escalate",
        if given.is_none() { &["--reason"] } else { &[] },
    )?;
    if p.interactive() && !args.yes {
        // Show what will happen before anything is written; the real escalation
        // below checks everything again under the journal's lock.
        let s = &ctx.session;
        let loaded = s.load(&s.store.resolve(&args.id)?)?;
        let d = &loaded.dispute;
        let policy = &loaded.policy.policy;
        let target = d.plan_escalation(policy, args.to, args.role.as_deref())?;
        let when = args.at.unwrap_or(s.now);
        let calendar = s.calendar_for(&loaded.policy);
        let policy_due = crate::dispute::policy_due(
            policy,
            target,
            &d.facts,
            when,
            d.clock_start(),
            d.arose(),
            &calendar,
        );
        // A --due that will be refused is refused before the question is asked.
        s.check_user_due(args.due, policy_due.as_ref(), when, target)?;
        let due = args.due.map(crate::deadline::Due::end_of).or(policy_due);
        let stage = policy.stage(target).map_or(String::new(), |st| {
            format!("{} ({}): {}", target, st.name, st.who)
        });
        eprintln!("Next: stage {stage}");
        eprintln!(
            "Due:  {}",
            due.map_or("no fixed timescale".to_owned(), |d| {
                crate::clock::human_date(d.date)
            })
        );
        for o in policy.obligations.iter().filter(|o| {
            o.on == crate::policy::Trigger::Enter && o.stage == Some(target) && d.facts.any(&o.when)
        }) {
            eprintln!("Then: {} — {}", o.who, o.action);
        }
    }
    let reason = match given {
        Some(r) => r,
        None => p.long_text(
            "Why was the disagreement not resolved at this stage?",
            "--reason",
        )?,
    };
    if p.interactive() && !args.yes {
        p.show_text("Reason to record", &reason);
        p.confirm(&format!("Escalate dispute {}?", args.id))?;
    }
    let reason = required(&p.field("--reason"), &reason, MAX_LONG)?;
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
