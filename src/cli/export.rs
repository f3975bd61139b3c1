//! `escalate export`: every dispute's current state for records and retention
//! (JSON lines or CSV), or open deadlines as an iCalendar file to subscribe to.

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
    /// Open deadlines as iCalendar events
    Ics,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// What to write
    #[arg(long, value_enum)]
    pub format: Format,
    /// Include resolved disputes (jsonl and csv)
    #[arg(long)]
    pub all: bool,
}

const CSV_COLUMNS: [&str; 17] = [
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
];

pub fn run(args: ExportArgs, ctx: &Ctx) -> Result<Output> {
    let s = &ctx.session;
    let mut rows: Vec<Summary> = Vec::new();
    let wanted = |l: &crate::ops::Loaded| {
        l.dispute.is_open() || (args.all && !matches!(args.format, Format::Ics))
    };
    s.each_state(
        |_, loaded| {
            loaded.map(|l| wanted(&l).then(|| l.summary(&s.calendar_for(&l.policy), &s.now)))
        },
        |id, row| match row {
            Ok(row) => rows.extend(row),
            Err(e) => warn(&format!("dispute {id} is left out of the export: {e}")),
        },
    )?;
    Ok(Output::Text(match args.format {
        Format::Jsonl => rows
            .iter()
            .map(|r| {
                crate::text::visible_json(&serde_json::to_string(r).unwrap_or_default())
                    .into_owned()
                    + "\n"
            })
            .collect(),
        Format::Csv => {
            let mut out = crate::render::csv::row(&CSV_COLUMNS);
            for r in &rows {
                let t = |i: &Option<crate::clock::Instant>| {
                    i.as_ref()
                        .map(crate::clock::rfc3339::format)
                        .unwrap_or_default()
                };
                let outstanding: Vec<String> = r
                    .obligations
                    .iter()
                    .map(|o| format!("{}: {}", o.who, o.action))
                    .collect();
                out.push_str(&crate::render::csv::row(&[
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
                ]));
            }
            out
        }
        Format::Ics => crate::render::ics::calendar(&rows, &s.now),
    }))
}
