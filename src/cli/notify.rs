//! `escalate notify`: record that someone was told, meeting an obligation.

use clap::Args;

use super::{after_change, parse_instant_arg, Ctx, Output};
use crate::clock::Instant;
use crate::error::Result;
use crate::journal::Event;
use crate::text::{optional, required, MAX_LONG, MAX_SHORT};

#[derive(Debug, Args)]
pub struct NotifyArgs {
    /// Dispute ID (any unique start of it)
    pub id: String,
    /// Who was notified: the obligation's id or role (e.g. iro, "Independent Reviewing Officer")
    #[arg(long, value_name = "ROLE")]
    pub who: String,
    /// How and what they were told
    #[arg(long, value_name = "TEXT")]
    pub note: Option<String>,
    /// When it happened, if earlier than now
    #[arg(long, value_name = "DATETIME", value_parser = parse_instant_arg)]
    pub at: Option<Instant>,
}

pub fn run(args: NotifyArgs, ctx: &Ctx) -> Result<Output> {
    let who = required("--who", &args.who, MAX_SHORT)?;
    let note = optional("--note", args.note.as_deref(), MAX_LONG)?;
    let mut met: Option<String> = None;
    let loaded = ctx.session.record(&args.id, args.at, |l, _, _| {
        let obligation = l.dispute.find_obligation(&who).map(|o| o.id.clone());
        met = obligation
            .as_ref()
            .and_then(|id| l.dispute.obligations.iter().find(|o| &o.id == id))
            .map(|o| o.action.clone());
        Ok(Event::Notified {
            who: who.clone(),
            obligation,
            note,
        })
    })?;
    let headline = match met {
        Some(action) => format!("Recorded on dispute {}: {action} — done.", loaded.dispute.id),
        None => format!(
            "Recorded on dispute {} that {who} was notified. This meets none of the outstanding obligations.",
            loaded.dispute.id
        ),
    };
    Ok(after_change(ctx, &loaded, headline))
}
