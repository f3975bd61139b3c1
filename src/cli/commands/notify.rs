//! `escalate notify`: record that someone was told, meeting an obligation.

use std::path::PathBuf;

use clap::Args;

use crate::cli::{after_change, parse_instant_arg, Ctx, Output};
use crate::domain::clock::Instant;
use crate::domain::event::Event;
use crate::domain::plan::Action;
use crate::domain::text::{optional, required, MAX_LONG, MAX_SHORT};
use crate::error::Result;

#[derive(Debug, Args)]
pub struct NotifyArgs {
    /// Dispute ID (any unique start of it)
    #[arg(add = clap_complete::engine::ArgValueCompleter::new(crate::cli::complete::notifiable_dispute_ids))]
    pub id: String,
    /// Who was notified: the obligation's id or role (e.g. iro, "Independent Reviewing Officer")
    #[arg(long, value_name = "ROLE")]
    pub who: Option<String>,
    /// How and what they were told (up to 20,000 characters; `-` reads standard input)
    #[arg(long, value_name = "TEXT", conflicts_with = "note_file")]
    pub note: Option<String>,
    /// Read the note from a file (`-`: standard input)
    #[arg(long, value_name = "PATH")]
    pub note_file: Option<PathBuf>,
    /// When it happened, if earlier than now
    #[arg(long, value_name = "DATETIME", value_parser = parse_instant_arg)]
    pub at: Option<Instant>,
}

pub fn run(args: NotifyArgs, ctx: &Ctx) -> Result<Output> {
    ctx.prompter
        .require("notify", if args.who.is_none() { &["--who"] } else { &[] })?;
    let who = match &args.who {
        Some(w) => w.clone(),
        None => {
            let id = ctx.session()?.store.resolve(&args.id)?;
            let loaded = ctx.session()?.load(&id)?;
            let outstanding: Vec<(String, String)> = loaded
                .dispute
                .outstanding()
                .map(|o| (o.id.clone(), format!("{} — {}", o.who, o.action)))
                .collect();
            if outstanding.is_empty() {
                ctx.prompter.line("Who was notified?")?
            } else {
                let labels: Vec<String> = outstanding.iter().map(|(_, l)| l.clone()).collect();
                let i = ctx.prompter.select("Which obligation was met?", &labels)?;
                outstanding[i].0.clone()
            }
        }
    };
    let who = required("--who", &who, MAX_SHORT)?;
    let note =
        crate::cli::input::long_text(&ctx.ui, "--note", args.note.clone(), args.note_file.clone())?;
    let note = optional("--note", note.as_deref(), MAX_LONG)?;
    let action = Action::Notify {
        who: who.clone(),
        note,
    };
    let loaded = ctx.session()?.act(&args.id, args.at, action, None)?;
    // The duty the new line met, if it met one.
    let met = match loaded.dispute.records.last().map(|r| &r.event) {
        Some(Event::Notified {
            obligation: Some(id),
            ..
        }) => loaded
            .dispute
            .obligations
            .iter()
            .find(|o| &o.id == id)
            .map(|o| o.action.clone()),
        _ => None,
    };
    let headline = match met {
        Some(action) => format!("Recorded on dispute {}: {action} — done.", loaded.dispute.id),
        None => format!(
            "Recorded on dispute {} that {who} was notified. This meets none of the outstanding obligations.",
            loaded.dispute.id
        ),
    };
    after_change(ctx, &loaded, headline)
}
