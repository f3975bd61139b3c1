//! `escalate export`: every dispute's current state for records and retention
//! (JSON lines or CSV), or open deadlines as an iCalendar file to subscribe to.

use std::io::Write;

use clap::{Args, ValueEnum};

use super::{warn, Ctx, Output};
use crate::error::Result;
use crate::summary::Summary;

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Format {
    /// One JSON object per dispute per line
    Jsonl,
    /// A header row and one row per dispute
    Csv,
    /// Every due item (stage deadlines and outstanding obligations) as iCalendar events
    Ics,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// What to write
    #[arg(long, value_enum)]
    pub format: Format,
    /// Include resolved disputes (jsonl and csv; one with a duty outstanding is always included)
    #[arg(long)]
    pub all: bool,
}

const CSV_COLUMNS: [&str; 22] = [
    "id",
    "policy",
    "state",
    "stage",
    "stage_name",
    "child",
    "from",
    "with",
    "category",
    "opened",
    "stage_entered",
    "due",
    "overdue",
    "outstanding",
    "resolved",
    "outcome",
    "head",
    "due_at",
    "stage_overdue",
    "next_due_at",
    "pending",
    "working_days_overdue",
];

pub fn run(args: ExportArgs, ctx: &Ctx) -> Result<Output> {
    let s = &ctx.session;
    let wanted = |l: &crate::ops::Loaded| {
        l.dispute.is_pending() || (args.all && !matches!(args.format, Format::Ics))
    };
    if let Format::Ics = args.format {
        let mut rows: Vec<Summary> = Vec::new();
        s.each_state(
            |_, loaded| {
                loaded.map(|l| wanted(&l).then(|| l.summary(&s.calendar_for(&l.policy), &s.now)))
            },
            |id, row| match row {
                Ok(row) => rows.extend(row),
                Err(e) => warn(&format!("dispute {id} is left out of the export: {e}")),
            },
        )?;
        return Ok(Output::Text(crate::render::ics::calendar(&rows, &s.now)));
    }
    // JSON lines and CSV are in ID order, the order disputes are visited in: each
    // line is rendered on the thread that read the dispute and written as it comes,
    // so exporting a partnership's whole archive holds one batch in memory.
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut written = match args.format {
        Format::Csv => out.write_all(crate::render::csv::row(&CSV_COLUMNS).as_bytes()),
        _ => Ok(()),
    };
    s.each_state(
        |_, loaded| {
            loaded.map(|l| {
                wanted(&l).then(|| {
                    let r = l.summary(&s.calendar_for(&l.policy), &s.now);
                    match args.format {
                        // Invisible characters are shown escaped, as in every output.
                        Format::Csv => crate::text::visible(&csv_row(&r)).into_owned(),
                        _ => {
                            crate::text::visible_json(
                                &serde_json::to_string(&r).unwrap_or_default(),
                            )
                            .into_owned()
                                + "\n"
                        }
                    }
                })
            })
        },
        |id, row| match row {
            Ok(Some(line)) if written.is_ok() => written = out.write_all(line.as_bytes()),
            Ok(_) => {}
            Err(e) => warn(&format!("dispute {id} is left out of the export: {e}")),
        },
    )?;
    // A closed pipe is the reader's choice, as for every other command.
    let _ = written.and_then(|()| out.flush());
    Ok(Output::Text(String::new()))
}

fn csv_row(r: &Summary) -> String {
    let t = |i: &Option<crate::clock::Instant>| {
        i.as_ref()
            .map(crate::clock::rfc3339::format)
            .unwrap_or_default()
    };
    let outstanding: Vec<String> = r
        .obligations
        .iter()
        .map(|o| match &o.due_at {
            Some(at) if o.standing.overdue => {
                format!("{}: {} (due {at}, overdue)", o.who, o.action)
            }
            Some(at) => format!("{}: {} (due {at})", o.who, o.action),
            None => format!("{}: {}", o.who, o.action),
        })
        .collect();
    crate::render::csv::row(&[
        r.id.clone(),
        r.policy.clone(),
        format!("{:?}", r.state).to_lowercase(),
        r.stage.to_string(),
        r.stage_name.clone(),
        r.child.clone(),
        r.from.clone(),
        r.with.clone(),
        r.category.clone().unwrap_or_default(),
        crate::clock::rfc3339::format(&r.opened),
        crate::clock::rfc3339::format(&r.stage_entered),
        r.due.clone().unwrap_or_default(),
        r.overdue.to_string(),
        outstanding.join("; "),
        t(&r.resolved),
        r.outcome.clone().unwrap_or_default(),
        r.head.clone(),
        r.due_at.clone().unwrap_or_default(),
        r.stage_overdue.to_string(),
        r.next_due_at.clone().unwrap_or_default(),
        r.pending.to_string(),
        r.working_days_overdue
            .map(|n| n.to_string())
            .unwrap_or_default(),
    ])
}
