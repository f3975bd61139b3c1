//! `escalate resolve`: close a dispute with its written outcome.

use std::path::PathBuf;

use clap::Args;

use crate::cli::{after_change, parse_instant_arg, Ctx, Output};
use escalate_core::domain::clock::Instant;
use escalate_core::domain::plan::Action;
use escalate_core::domain::text::{required, MAX_LONG};
use escalate_core::error::Result;

#[derive(Debug, Args)]
pub(crate) struct ResolveArgs {
    /// Dispute ID (any unique start of it)
    #[arg(add = clap_complete::engine::ArgValueCompleter::new(crate::cli::complete::open_dispute_ids))]
    pub id: String,
    /// The agreed outcome, in writing, and how outstanding issues will be pursued
    /// (up to 20,000 characters; `-` reads standard input)
    #[arg(long, value_name = "TEXT", conflicts_with = "outcome_file")]
    pub outcome: Option<String>,
    /// Read the outcome from a file (`-`: standard input)
    #[arg(long, value_name = "PATH")]
    pub outcome_file: Option<PathBuf>,
    /// When it was resolved, if earlier than now
    #[arg(long, value_name = "DATETIME", value_parser = parse_instant_arg)]
    pub at: Option<Instant>,
    /// Do not ask for confirmation on a terminal
    #[arg(long, short)]
    pub yes: bool,
}

pub(crate) fn run(args: ResolveArgs, ctx: &Ctx) -> Result<Output> {
    let p = &ctx.prompter;
    let given =
        crate::cli::input::long_text(&ctx.ui, "--outcome", args.outcome, args.outcome_file)?;
    p.require(
        "resolve",
        if given.is_none() { &["--outcome"] } else { &[] },
    )?;
    // On a terminal, closing a dispute is confirmed as escalating one is, with
    // the outcome given or typed; the stage the confirmation named is checked
    // again under the journal's lock.
    let mut confirmed_stage = None;
    let outcome = if p.interactive() && !args.yes {
        let id = ctx.session()?.store.resolve(&args.id)?;
        let loaded = ctx.session()?.load(&id)?;
        loaded.dispute.require_open("resolve it again")?;
        let o = match given {
            Some(o) => o,
            None => p.long_text(
                "The agreed outcome, and how outstanding issues will be pursued",
                "--outcome",
            )?,
        };
        p.show_text("Outcome to record", &o);
        p.confirm(&format!(
            "Resolve dispute {id} at stage {} with this outcome?",
            loaded.dispute.stage
        ))?;
        confirmed_stage = Some(loaded.dispute.stage);
        o
    } else {
        // `require` above: without a terminal the outcome was given.
        given.unwrap_or_default()
    };
    let outcome = required(&p.field("--outcome"), &outcome, MAX_LONG)?;
    let action = Action::Resolve {
        outcome,
        confirmed_stage,
    };
    let loaded = ctx.session()?.act(&args.id, args.at, action, None)?;
    let headline = format!(
        "Resolved dispute {} at stage {}.",
        loaded.dispute.id, loaded.dispute.stage
    );
    after_change(ctx, &loaded, headline)
}
