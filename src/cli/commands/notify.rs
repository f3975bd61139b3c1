//! `escalate notify`: record that someone was told, meeting an obligation.

use std::path::PathBuf;

use clap::Args;

use crate::cli::{after_change, parse_instant_arg, Ctx, Output};
use escalate_core::domain::clock::Instant;
use escalate_core::domain::event::Event;
use escalate_core::domain::plan::Action;
use escalate_core::domain::text::{optional, required, MAX_LONG, MAX_SHORT};
use escalate_core::error::Result;

#[derive(Debug, Args)]
pub(crate) struct NotifyArgs {
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

pub(crate) fn run(args: NotifyArgs, ctx: &Ctx) -> Result<Output> {
    ctx.prompter
        .require("notify", if args.who.is_none() { &["--who"] } else { &[] })?;
    let who = match &args.who {
        Some(w) => near_miss(w, &args.id, ctx)?,
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

/// `--who` as given, unless it meets no outstanding duty and is a letter or two
/// from one that it would (`dls` for `dsl`): on a terminal the user is asked
/// which they meant; otherwise nothing is written and the message names it.
fn near_miss(who: &str, typed_id: &str, ctx: &Ctx) -> Result<String> {
    let s = ctx.session()?;
    let loaded = s.load(&s.store.resolve(typed_id)?)?;
    let d = &loaded.dispute;
    if d.find_obligation(who).is_some() {
        return Ok(who.to_owned());
    }
    let outstanding: Vec<_> = d.outstanding().collect();
    let names = outstanding
        .iter()
        .flat_map(|o| [o.id.as_str(), o.who.as_str()]);
    let Some(near) = crate::cli::suggest::closest(who, names) else {
        return Ok(who.to_owned());
    };
    let Some(duty) = outstanding.iter().find(|o| o.id == near || o.who == near) else {
        return Ok(who.to_owned());
    };
    if ctx.prompter.interactive() {
        let items = [
            format!("{} ({}) — {}", duty.id, duty.who, duty.action),
            format!("{who}, as typed: it meets none of the outstanding duties"),
        ];
        let i = ctx.prompter.select(
            &format!(
                "--who {who} meets no outstanding duty. Did you mean {}?",
                duty.id
            ),
            &items,
        )?;
        return Ok(if i == 0 {
            duty.id.clone()
        } else {
            who.to_owned()
        });
    }
    Err(escalate_core::error::Error::refused(format!(
        "--who {who:?} meets none of the outstanding duties of dispute {}; did you mean --who {}? ({}: {}); nothing was written",
        d.id, duty.id, duty.who, duty.action
    ))
    .with_hint(format!(
        "Give --who {} to record that duty as met; if someone else was told, give their role in full.",
        duty.id
    )))
}
