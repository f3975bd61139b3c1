//! `escalate discuss`: record a discussion (the action most stages require).

use clap::Args;

use super::{after_change, parse_instant_arg, Ctx, Output};
use crate::clock::Instant;
use crate::error::Result;
use crate::journal::Event;
use crate::text::{optional, required, MAX_LONG, MAX_SHORT};

#[derive(Debug, Args)]
pub struct DiscussArgs {
    /// Dispute ID (any unique start of it)
    #[arg(add = clap_complete::engine::ArgValueCompleter::new(super::complete::dispute_ids))]
    pub id: String,
    /// What was discussed and agreed
    #[arg(long, value_name = "TEXT")]
    pub note: Option<String>,
    /// Who took part
    #[arg(long, value_name = "PERSON")]
    pub with: Option<String>,
    /// When it happened, if earlier than now
    #[arg(long, value_name = "DATETIME", value_parser = parse_instant_arg)]
    pub at: Option<Instant>,
}

pub fn run(args: DiscussArgs, ctx: &Ctx) -> Result<Output> {
    ctx.prompter.require(
        "discuss",
        if args.note.is_none() {
            &["--note"]
        } else {
            &[]
        },
    )?;
    let note = match args.note {
        Some(n) => n,
        None => ctx.prompter.long_text("What was discussed and agreed?")?,
    };
    let note = required("--note", &note, MAX_LONG)?;
    let with = optional("--with", args.with.as_deref(), MAX_SHORT)?;
    let loaded = ctx.session.record(&args.id, args.at, |l, _, _| {
        l.dispute.require_open("record a discussion")?;
        Ok(Event::Discussed {
            stage: l.dispute.stage,
            note,
            with,
        })
    })?;
    let headline = format!(
        "Recorded a discussion on dispute {} at stage {}.",
        loaded.dispute.id, loaded.dispute.stage
    );
    Ok(after_change(ctx, &loaded, headline))
}
