//! `escalate escalate`: move a dispute on to the next stage.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::Args;

use crate::cli::{after_change, parse_date_arg, parse_instant_arg, Ctx, Output};
use escalate_core::domain::clock::Instant;
use escalate_core::domain::correct::Amendment;
use escalate_core::domain::plan::{Action, Escalation};
use escalate_core::domain::text::{optional, required, MAX_LONG, MAX_SHORT};
use escalate_core::error::Result;

#[derive(Debug, Args)]
pub(crate) struct EscalateArgs {
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
    /// The stage the dispute was at here before `sync = auto` received the
    /// partnership's lines: the stage the user means to escalate.
    #[arg(skip)]
    pub seen_stage: Option<u32>,
}

/// Before the partnership's lines are received (`sync = auto`): the stage the
/// user sees, and so escalates from. A dispute not here yet, or that cannot be
/// read, is left to the command to judge after receiving.
pub(crate) fn seen_before_receiving(args: &mut EscalateArgs, ctx: &Ctx) {
    let seen = ctx
        .session()
        .and_then(|s| s.load(&s.store.resolve(&args.id)?));
    args.seen_stage = seen.ok().map(|l| l.dispute.stage);
}

pub(crate) fn run(args: EscalateArgs, ctx: &Ctx) -> Result<Output> {
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
    // The dispute as the user escalates it: the stage it is at now is the one
    // escalated from, so that losing a race to a colleague is said as such.
    let s = ctx.session()?;
    let seen = s.load(&s.store.resolve(&args.id)?)?;
    let to = match &args.to {
        Some(name) => Some(crate::cli::stage_arg(&seen.policy.policy, name)?),
        None => None,
    };
    let role = optional("--as", args.role.as_deref(), MAX_SHORT)?;
    let escalation = |reason: String| {
        Action::Escalate(Escalation {
            reason,
            due: args.due,
            to,
            role: role.clone(),
            from: Some(args.seen_stage.unwrap_or(seen.dispute.stage)),
        })
    };
    // --urgent: the immediate-harm fact, then the escalation planned under it;
    // both are decided before anything is written, and written together.
    let urgency = |reason: &str| -> Result<Vec<Action>> {
        if !args.urgent {
            return Ok(Vec::new());
        }
        let note = match reason.trim() {
            "" => "judged urgent on escalating",
            r => r,
        };
        Ok(vec![Action::Amend(Amendment::Fact {
            fact: escalate_core::policy::Flag::ImmediateHarm,
            value: true,
            note: required("--reason", note, MAX_LONG)?,
        })])
    };
    if args.urgent {
        let calendar = s.calendar_for(&seen.policy);
        let when = s.happened(args.at)?.unwrap_or(s.now);
        escalate_core::domain::plan::check_urgent_escalation(
            &seen.situation(&calendar, when, s.now),
            to,
            role.as_deref(),
        )?;
    }
    let mut previewed = None;
    if p.interactive() && !args.yes {
        // Show what will happen before anything is written (a --due that will be
        // refused is refused before the question is asked); the escalation below
        // works it out again under the journal's lock and refuses if it is no
        // longer what was shown. The reason changes nothing in the plan.
        let mut actions = urgency("")?;
        actions.push(escalation(String::new()));
        let (loaded, effects) = ctx.session()?.preview_all(&args.id, args.at, actions)?;
        ctx.prompter.tell_wrapped(&crate::render::preview::effects(
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
    let mut actions = urgency(&reason)?;
    actions.push(escalation(reason));
    let loaded = ctx
        .session()?
        .act_all(&args.id, args.at, actions, previewed.as_ref())?;
    let headline = format!(
        "Escalated dispute {} to stage {}.",
        loaded.dispute.id,
        loaded.policy.policy.label(loaded.dispute.stage)
    );
    after_change(ctx, &loaded, headline)
}
