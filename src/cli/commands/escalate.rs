//! `escalate escalate`: move a dispute on to the next stage.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::Args;

use crate::cli::{after_change, parse_date_arg, parse_instant_arg, Ctx, Output};
use crate::domain::clock::Instant;
use crate::domain::correct::Amendment;
use crate::domain::plan::{Action, Escalation};
use crate::domain::text::{optional, required, MAX_LONG, MAX_SHORT};
use crate::error::Result;

#[derive(Debug, Args)]
pub struct EscalateArgs {
    /// Dispute ID (any unique start of it)
    #[arg(add = clap_complete::engine::ArgValueCompleter::new(crate::cli::complete::open_dispute_ids))]
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
    /// Go to this stage, by number or label: a branch the policy offers, or a later
    /// stage for a role the policy names (--as)
    #[arg(long, value_name = "STAGE")]
    pub to: Option<String>,
    /// Record that the child is at risk of immediate harm, then escalate: the
    /// policy's urgent path and timescales apply from now
    #[arg(long)]
    pub urgent: bool,
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
    let given = crate::cli::input::long_text(
        &ctx.ui,
        "--reason",
        args.reason.clone(),
        args.reason_file.clone(),
    )?;
    p.require(
        "escalate",
        if given.is_none() { &["--reason"] } else { &[] },
    )?;
    let to = match &args.to {
        Some(name) => {
            let s = ctx.session()?;
            let loaded = s.load(&s.store.resolve(&args.id)?)?;
            Some(crate::cli::stage_arg(&loaded.policy.policy, name)?)
        }
        None => None,
    };
    let role = optional("--as", args.role.as_deref(), MAX_SHORT)?;
    let escalation = |reason: String| {
        Action::Escalate(Escalation {
            reason,
            due: args.due,
            to,
            role: role.clone(),
        })
    };
    if args.urgent {
        record_urgency(&args, to, role.as_deref(), ctx)?;
    }
    let mut previewed = None;
    if p.interactive() && !args.yes {
        // Show what will happen before anything is written (a --due that will be
        // refused is refused before the question is asked); the escalation below
        // works it out again under the journal's lock and refuses if it is no
        // longer what was shown. The reason changes nothing in the plan.
        let (loaded, _, effects) =
            ctx.session()?
                .preview(&args.id, args.at, escalation(String::new()))?;
        ctx.ui.stderr(&crate::render::preview::effects(
            &loaded.policy.policy,
            &effects,
        ));
        previewed = Some(effects);
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
    let loaded = ctx
        .session()?
        .act(&args.id, args.at, escalation(reason), previewed.as_ref())?;
    let headline = format!(
        "Escalated dispute {} to stage {}.",
        loaded.dispute.id,
        loaded.policy.policy.label(loaded.dispute.stage)
    );
    after_change(ctx, &loaded, headline)
}

/// `--urgent`: the fact is recorded first (as `amend --fact immediate-harm=yes`
/// would), so the escalation that follows is planned under it; the escalation is
/// tried under the fact before anything is written.
fn record_urgency(
    args: &EscalateArgs,
    to: Option<u32>,
    role: Option<&str>,
    ctx: &Ctx,
) -> Result<()> {
    let s = ctx.session()?;
    let loaded = s.load(&s.store.resolve(&args.id)?)?;
    let calendar = s.calendar_for(&loaded.policy);
    let when = s.happened(args.at)?.unwrap_or(s.now);
    crate::domain::plan::check_urgent_escalation(
        &loaded.situation(&calendar, when, s.now),
        to,
        role,
    )?;
    let note = args
        .reason
        .clone()
        .unwrap_or_else(|| "judged urgent on escalating".to_owned());
    let amendment = Amendment::Fact {
        fact: crate::policy::Flag::ImmediateHarm,
        value: true,
        note: required("--reason", &note, MAX_LONG)?,
    };
    s.act(&args.id, args.at, Action::Amend(amendment), None)?;
    Ok(())
}
