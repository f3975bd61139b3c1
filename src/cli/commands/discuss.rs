//! `escalate discuss`: record a discussion (the action most stages require).

use std::path::PathBuf;

use clap::Args;

use crate::cli::{after_change, parse_instant_arg, Ctx, Output};
use escalate_core::domain::clock::Instant;
use escalate_core::domain::plan::Action;
use escalate_core::domain::text::{optional, required, MAX_LONG, MAX_SHORT};
use escalate_core::error::Result;

#[derive(Debug, Args)]
pub(crate) struct DiscussArgs {
    /// Dispute ID (any unique start of it)
    #[arg(add = clap_complete::engine::ArgValueCompleter::new(crate::cli::complete::open_dispute_ids))]
    pub id: String,
    /// What was discussed and agreed (up to 20,000 characters; `-` reads standard input)
    #[arg(long, value_name = "TEXT", conflicts_with = "note_file")]
    pub note: Option<String>,
    /// Read the note from a file (`-`: standard input)
    #[arg(long, value_name = "PATH")]
    pub note_file: Option<PathBuf>,
    /// Who took part
    #[arg(long, value_name = "PERSON")]
    pub with: Option<String>,
    /// When it happened, if earlier than now
    #[arg(long, value_name = "DATETIME", value_parser = parse_instant_arg)]
    pub at: Option<Instant>,
}

pub(crate) fn run(args: DiscussArgs, ctx: &Ctx) -> Result<Output> {
    let note = crate::cli::input::long_text(&ctx.ui, "--note", args.note, args.note_file)?;
    ctx.prompter
        .require("discuss", if note.is_none() { &["--note"] } else { &[] })?;
    let note = match note {
        Some(n) => n,
        None => ctx
            .prompter
            .long_text("What was discussed and agreed?", "--note")?,
    };
    let note = required(&ctx.prompter.field("--note"), &note, MAX_LONG)?;
    let with = optional("--with", args.with.as_deref(), MAX_SHORT)?;
    let loaded = ctx
        .session()?
        .act(&args.id, args.at, Action::Discuss { note, with }, None)?;
    let headline = format!(
        "Recorded a discussion on dispute {} at stage {}.",
        loaded.dispute.id, loaded.dispute.stage
    );
    after_change(ctx, &loaded, headline)
}
