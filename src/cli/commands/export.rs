//! `escalate export`: every dispute's current state for records and retention
//! (JSON lines or CSV), or open deadlines as an iCalendar file to subscribe to.
//! These read no keys: a sealed dispute's text is blank, and it says it is
//! sealed. `export --subject` (`subject`) is the one export that opens text.

mod subject;

use std::io::Write;

use clap::{Args, ValueEnum};

use crate::cli::{Ctx, Output};
use escalate_core::domain::deadline::Due;
use escalate_core::domain::summary::Summary;
use escalate_core::error::Result;

#[derive(Clone, Copy, Debug, ValueEnum)]
pub(crate) enum Format {
    /// One JSON object per dispute per line
    Jsonl,
    /// A header row and one row per dispute
    Csv,
    /// Every due item (stage deadlines and outstanding obligations) as iCalendar events
    Ics,
    /// With --subject: a letter-ready copy of each dispute, in Markdown
    Md,
}

#[derive(Debug, Args)]
pub(crate) struct ExportArgs {
    /// What to write
    #[arg(long, value_enum)]
    pub format: Format,
    /// Include resolved disputes (jsonl and csv; one with a duty outstanding is always included)
    #[arg(long)]
    pub all: bool,
    /// Also export another agency's data directory, read only (repeatable): each
    /// dispute then says which directory it came from (`directory`), once
    #[arg(long = "include-dir", value_name = "PATH")]
    pub include_dir: Vec<std::path::PathBuf>,
    /// Every dispute about this child or adult reference that you may read, in
    /// full, for a subject-access request (--format jsonl or md): resolved ones
    /// too. Opens each sealed dispute you hold a key for
    #[arg(long, value_name = "REF")]
    pub subject: Option<String>,
}

const CSV_COLUMNS: [&str; 24] = [
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
    "sealed",
    "erased",
];

pub(crate) fn run(args: ExportArgs, ctx: &Ctx) -> Result<Output> {
    if let Some(reference) = &args.subject {
        return subject::run(&args, reference, ctx);
    }
    if let Format::Md = args.format {
        return Err(escalate_core::error::Error::usage(
            "--format md is for a subject-access copy (--subject REF)",
        )
        .with_hint(
            "Add --subject REF for one person's disputes in full, or use --format jsonl or csv.",
        ));
    }
    let s = ctx.session()?;
    let wanted = |l: &escalate_core::ops::Loaded| {
        l.dispute.is_pending() || (args.all && !matches!(args.format, Format::Ics))
    };
    let others = args
        .include_dir
        .iter()
        .map(|d| crate::cli::commands::report::included(d, ctx))
        .collect::<Result<Vec<_>>>()?;
    if let Format::Ics = args.format {
        let mut rows: Vec<Summary> = Vec::new();
        s.each_state(
            |_, loaded| {
                loaded.map(|l| wanted(&l).then(|| l.summary(&s.calendar_for(&l.policy), &s.now)))
            },
            |id, row| match row {
                Ok(row) => {
                    if let Some(r) = &row {
                        crate::cli::commands::warn_uncounted(&ctx.ui, &id, &r.not_counted);
                    }
                    rows.extend(row)
                }
                Err(e) => ctx
                    .ui
                    .warn(&format!("dispute {id} is left out of the export: {e}")),
            },
        )?;
        each_other(ctx, s, &others, |o, l| {
            if wanted(l) {
                rows.push(l.summary(&o.calendar_for(&l.policy), &o.now));
            }
        })?;
        return Ok(Output::Text(crate::render::ics::calendar(&rows, &s.now)));
    }
    let here = s.store.root().display().to_string();
    let tagged = !others.is_empty();
    // With --include-dir each line says where it came from: a `directory` field,
    // or a last CSV column (the usual columns stay as they are).
    let render_raw = |r: &Summary, dir: &str| match args.format {
        Format::Csv if tagged => {
            let mut line = csv_row(r);
            line.truncate(line.len() - 2);
            line.push(',');
            line.push_str(&crate::render::csv::cell(dir));
            line.push_str("\r\n");
            line
        }
        Format::Csv => csv_row(r),
        _ if tagged => {
            let mut v = serde_json::to_value(r).unwrap_or_default();
            if let Some(o) = v.as_object_mut() {
                o.insert("directory".into(), dir.into());
            }
            serde_json::to_string(&v).unwrap_or_default() + "\n"
        }
        _ => serde_json::to_string(r).unwrap_or_default() + "\n",
    };
    // Invisible characters are shown escaped, as in every output.
    let render = |r: &Summary, dir: &str| {
        let line = render_raw(r, dir);
        match args.format {
            Format::Csv => escalate_core::domain::text::visible(&line).into_owned(),
            _ => escalate_core::domain::text::visible_json(&line).into_owned(),
        }
    };
    // JSON lines and CSV are in ID order, the order disputes are visited in: each
    // line is rendered on the thread that read the dispute and written as it comes,
    // so exporting a partnership's whole archive holds one batch in memory.
    let mut out = crate::cli::sink::stdout();
    let mut written = match args.format {
        Format::Csv if tagged => {
            let mut header = CSV_COLUMNS.to_vec();
            header.push("directory");
            out.write_all(crate::render::csv::row(&header).as_bytes())
        }
        Format::Csv => out.write_all(crate::render::csv::row(&CSV_COLUMNS).as_bytes()),
        _ => Ok(()),
    };
    s.each_state(
        |_, loaded| {
            loaded.map(|l| {
                let row = wanted(&l)
                    .then(|| render(&l.summary(&s.calendar_for(&l.policy), &s.now), &here));
                (row, l.dispute.uncounted)
            })
        },
        |id, row| match row {
            Ok((row, uncounted)) => {
                crate::cli::commands::warn_uncounted(&ctx.ui, &id, &uncounted);
                if let (Some(line), true) = (row, written.is_ok()) {
                    written = out.write_all(line.as_bytes());
                }
            }
            Err(e) => ctx
                .ui
                .warn(&format!("dispute {id} is left out of the export: {e}")),
        },
    )?;
    each_other(ctx, s, &others, |o, l| {
        if wanted(l) && written.is_ok() {
            let line = render(
                &l.summary(&o.calendar_for(&l.policy), &o.now),
                &o.store.root().display().to_string(),
            );
            written = out.write_all(line.as_bytes());
        }
    })?;
    crate::cli::sink::finish(&mut out, written)?;
    Ok(Output::Text(String::new()))
}

/// Each dispute of a directory by ID, with the store that holds it: what a
/// reading of several directories has seen so far.
pub(crate) fn journals_by_id(
    s: &escalate_core::ops::Session,
) -> Result<std::collections::HashMap<String, escalate_core::store::Store>> {
    Ok(s.store
        .ids()?
        .into_iter()
        .map(|id| (id.as_str().to_owned(), s.store.clone()))
        .collect())
}

/// Visit the disputes of each included directory (read only, from their
/// journals) that no directory before it had; a dispute found twice is visited
/// once, with a warning if the journals differ.
pub(crate) fn each_other(
    ctx: &Ctx,
    s: &escalate_core::ops::Session,
    others: &[escalate_core::ops::Session],
    mut visit: impl FnMut(&escalate_core::ops::Session, &escalate_core::ops::Loaded),
) -> Result<()> {
    // Without other directories there is nothing to compare: listing this one
    // again would cost `status` a second directory read and a path per dispute.
    if others.is_empty() {
        return Ok(());
    }
    let mut seen = journals_by_id(s)?;
    for o in others {
        let before: std::collections::HashSet<String> = seen.keys().cloned().collect();
        o.each_mapped(
            |id, loaded| (!before.contains(id.as_str())).then_some(loaded),
            |id, loaded| match loaded {
                None => crate::cli::commands::report::warn_if_differ(
                    &ctx.ui,
                    &id,
                    &seen[id.as_str()],
                    &o.store,
                ),
                Some(Ok(l)) => {
                    seen.insert(id.as_str().to_owned(), o.store.clone());
                    visit(o, &l);
                }
                Some(Err(e)) => ctx.ui.warn(&format!(
                    "dispute {id} in {} is left out: {e}",
                    o.store.root().display()
                )),
            },
        )?;
    }
    Ok(())
}

fn csv_row(r: &Summary) -> String {
    let t = |i: &Option<escalate_core::domain::clock::Instant>| {
        i.as_ref()
            .map(escalate_core::domain::clock::rfc3339::format)
            .unwrap_or_default()
    };
    let outstanding: Vec<String> = r
        .obligations
        .iter()
        .map(|o| match o.due.as_ref().map(Due::due_at) {
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
        r.state.as_str().to_owned(),
        r.stage.to_string(),
        r.stage_name.clone(),
        r.child.clone(),
        r.from.clone(),
        r.with.clone(),
        r.category.clone().unwrap_or_default(),
        escalate_core::domain::clock::rfc3339::format(&r.opened),
        escalate_core::domain::clock::rfc3339::format(&r.stage_entered),
        r.due
            .as_ref()
            .map(|d| d.date.to_string())
            .unwrap_or_default(),
        r.overdue.to_string(),
        outstanding.join("; "),
        t(&r.resolved),
        r.outcome.clone().unwrap_or_default(),
        r.head.clone(),
        r.due.as_ref().map(Due::due_at).unwrap_or_default(),
        r.stage_overdue.to_string(),
        r.next_detail.as_ref().map(Due::due_at).unwrap_or_default(),
        r.pending.to_string(),
        r.working_days_overdue
            .map(|n| n.to_string())
            .unwrap_or_default(),
        r.sealed.to_string(),
        r.erased
            .as_ref()
            .map(|e| escalate_core::domain::clock::rfc3339::format(&e.at))
            .unwrap_or_default(),
    ])
}
