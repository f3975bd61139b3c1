//! `escalate amend`: attach a correction to an earlier event, correct when it
//! happened, or record a fact about the child learned later. The original line is
//! never changed; `show` prints the correction beside it, and every view and
//! deadline uses a corrected time.

use clap::Args;

use crate::cli::{after_change, parse_instant_arg, Ctx, Output};
use escalate_core::domain::clock::{self, Instant};
use escalate_core::domain::correct::Amendment;
use escalate_core::domain::plan::Action;
use escalate_core::domain::text::{required, MAX_LONG};
use escalate_core::error::{Error, Result};

#[derive(Debug, Args)]
pub(crate) struct AmendArgs {
    /// Dispute ID (any unique start of it)
    #[arg(add = clap_complete::engine::ArgValueCompleter::new(crate::cli::complete::dispute_ids))]
    pub id: String,
    /// Line number of the event being corrected (as `show` numbers them)
    #[arg(long, value_name = "SEQ", required_unless_present_any = ["fact", "field"])]
    pub event: Option<u64>,
    /// When that event really happened (every view and deadline then uses this time)
    #[arg(long, value_name = "DATETIME", value_parser = parse_instant_arg, requires = "event")]
    pub happened: Option<Instant>,
    /// A fact learned since opening: cp-plan, looked-after or immediate-harm, =yes or =no
    #[arg(long, value_name = "NAME=yes|no", value_parser = escalate_core::domain::correct::parse_fact, conflicts_with = "event")]
    pub fact: Option<(escalate_core::policy::Flag, bool)>,
    /// A field the policy reports by, corrected: ID=VALUE (as `open --field`)
    #[arg(long, value_name = "ID=VALUE", value_parser = crate::cli::commands::open::parse_field, conflicts_with_all = ["event", "fact"])]
    pub field: Option<(String, String)>,
    /// The correction, or the reason for it, in full
    #[arg(long, value_name = "TEXT")]
    pub note: String,
}

pub(crate) fn run(args: AmendArgs, ctx: &Ctx) -> Result<Output> {
    let note = required("--note", &args.note, MAX_LONG)?;
    if let Some((field, value)) = args.field {
        let done = format!("Recorded that {field} is {value}");
        let loaded = ctx.session()?.act(
            &args.id,
            None,
            Action::Amend(Amendment::Field { field, value, note }),
            None,
        )?;
        let headline = format!("{done} on dispute {}.", loaded.dispute.id);
        return after_change(ctx, &loaded, headline);
    }
    let (amendment, done) = match (args.event, args.happened, args.fact) {
        (_, _, Some((fact, value))) => (
            Amendment::Fact { fact, value, note },
            format!(
                "Recorded that {fact} is {}",
                if value { "yes" } else { "no" }
            ),
        ),
        (Some(seq), Some(happened), None) => (
            Amendment::Happened {
                seq,
                happened,
                note,
            },
            format!(
                "Recorded that line {seq} happened at {}",
                clock::human_instant(&happened)
            ),
        ),
        (Some(seq), None, None) => (
            Amendment::Note { seq, note },
            format!("Recorded a correction to line {seq}"),
        ),
        (None, _, None) => {
            return Err(Error::usage(
                "escalate amend needs --event SEQ, --fact NAME=yes|no or --field ID=VALUE",
            ))
        }
    };
    let loaded = ctx
        .session()?
        .act(&args.id, None, Action::Amend(amendment), None)?;
    let headline = format!("{done} on dispute {}.", loaded.dispute.id);
    after_change(ctx, &loaded, headline)
}
