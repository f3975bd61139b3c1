//! `escalate status`: what is open, sorted by due date, overdue first, with filters
//! for the questions people ask every morning.

use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::NaiveDate;
use clap::Args;

use crate::cli::{parse_date_arg, Ctx, Output};
use escalate_core::domain::clock;
use escalate_core::domain::summary::Summary;
use escalate_core::error::{Error, Result};
use escalate_core::store::agencies::Matcher;

#[derive(Debug, Args)]
pub(crate) struct StatusArgs {
    /// Show the position at the start of this date instead of now
    #[arg(long, value_name = "DATE", value_parser = parse_date_arg)]
    pub as_of: Option<NaiveDate>,
    /// Include resolved disputes (one with a duty outstanding is listed anyway)
    #[arg(long)]
    pub all: bool,
    /// Only disputes with a deadline past: the stage's or an outstanding obligation's
    #[arg(long)]
    pub overdue: bool,
    /// Only disputes with something due within N working days (overdue ones included)
    #[arg(long, value_name = "N")]
    pub due_within: Option<u32>,
    /// Only disputes under this policy
    #[arg(long, value_name = "ID")]
    pub policy: Option<String>,
    /// Only disputes raised by or with this agency
    #[arg(long, value_name = "AGENCY")]
    pub agency: Option<String>,
    /// Only disputes at this stage: its number, or the policy's label for it ("4a")
    #[arg(long, value_name = "N")]
    pub stage: Option<String>,
    /// Only disputes about this child reference (a sealed dispute's is not read
    /// here: `export --subject REF` finds those you may read)
    #[arg(long, value_name = "REF")]
    pub child: Option<String>,
    /// Exit 3 if any journal is damaged (default: warn and list the rest)
    #[arg(long)]
    pub strict: bool,
    /// In a shared directory, every agency's disputes (default: those involving your organisation)
    #[arg(long)]
    pub all_agencies: bool,
    /// Read every journal instead of the status cache (and rebuild the cache)
    #[arg(long)]
    pub no_cache: bool,
    /// Also list another agency's data directory, read only (repeatable); says
    /// which directory each dispute came from
    #[arg(long = "include-dir", value_name = "PATH")]
    pub include_dir: Vec<std::path::PathBuf>,
}

/// In a shared directory, the agency whose disputes `status` shows by default (need
/// to know): the configured organisation, unless --all-agencies or --agency says
/// otherwise.
fn own_agency(args: &StatusArgs, ctx: &Ctx) -> Result<Option<String>> {
    if args.all_agencies
        || args.agency.is_some()
        || !escalate_core::share::is_shared(ctx.root.as_path())
    {
        return Ok(None);
    }
    Ok(ctx.config()?.organisation.clone())
}

/// Whether a dispute involves `agency` (any, when `None`), by its name or an
/// alias; counts those it hides.
fn involves(agency: Option<&Matcher>, s: &Summary, hidden: &AtomicUsize) -> bool {
    let shown = agency.is_none_or(|a| a.involves(&s.from, &s.with));
    if !shown {
        hidden.fetch_add(1, Ordering::Relaxed);
    }
    shown
}

/// Say once that `--child` could not look at sealed disputes (their reference
/// is sealed and `status` reads no keys), and what finds them.
fn note_sealed(ui: &crate::cli::Ui, unmatched: &AtomicUsize) {
    let n = unmatched.load(Ordering::Relaxed);
    if n > 0 {
        ui.note(&format!(
            "--child cannot match {n} sealed dispute(s): their child reference is sealed and `status` reads no keys. `escalate export --subject REF --format md` finds every dispute about REF that you may read"
        ));
    }
}

/// Say that other agencies' disputes were left out, and how to see them.
fn note_hidden(ui: &crate::cli::Ui, hidden: &AtomicUsize, agency: Option<&Matcher>) {
    let n = hidden.load(Ordering::Relaxed);
    if let (Some(a), true) = (agency.map(Matcher::wanted), n > 0) {
        ui.note(&format!(
            "{n} dispute(s) not involving {a} are not shown; `escalate status --all-agencies` lists every agency's"
        ));
    }
}

impl StatusArgs {
    /// `agency` is `--agency` as a matcher over the directory's aliases.
    fn admits(&self, s: &Summary, agency: Option<&Matcher>) -> bool {
        self.admits_but_child(s, agency)
            && self
                .child
                .as_deref()
                .is_none_or(|c| c.trim().eq_ignore_ascii_case(s.child.trim()))
    }

    /// Every filter but `--child`: a sealed dispute that passes them is one
    /// `--child` could not look at.
    fn admits_but_child(&self, s: &Summary, agency: Option<&Matcher>) -> bool {
        let eq = |a: &str, b: &str| a.trim().eq_ignore_ascii_case(b.trim());
        (!self.overdue || s.overdue)
            && self.due_within.is_none_or(|n| s.due_within(i64::from(n)))
            && self.policy.as_deref().is_none_or(|p| eq(p, &s.policy))
            && agency.is_none_or(|a| a.involves(&s.from, &s.with))
            && self.stage.as_deref().is_none_or(|n| {
                n.trim().parse::<u32>().ok() == Some(s.stage) || eq(n, &s.stage_label)
            })
    }

    /// Count `s` in `unmatched` when `--child` was given and `s` is a sealed
    /// dispute it would otherwise have had to look at (within `mine`).
    fn see_sealed(
        &self,
        s: &Summary,
        (agency, mine): (Option<&Matcher>, Option<&Matcher>),
        unmatched: &AtomicUsize,
    ) {
        if self.child.is_some()
            && s.sealed
            && self.admits_but_child(s, agency)
            && mine.is_none_or(|a| a.involves(&s.from, &s.with))
        {
            unmatched.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn filtered(&self) -> bool {
        self.overdue
            || self.due_within.is_some()
            || self.policy.is_some()
            || self.agency.is_some()
            || self.stage.is_some()
            || self.child.is_some()
    }
}

pub(crate) fn run(args: StatusArgs, ctx: &Ctx) -> Result<Output> {
    let s = ctx.session()?;
    // Hand git is said first: until `escalate sync` takes it in, what is listed
    // may not be what the partnership holds.
    if let Ok(Some(found)) = escalate_core::share::handgit::detect(s.store.root()) {
        ctx.ui
            .warn(&crate::cli::command_error::hand_git_words(&found));
    }
    let others = args
        .include_dir
        .iter()
        .map(|d| crate::cli::commands::report::included(d, ctx))
        .collect::<Result<Vec<_>>>()?;
    let now = args.as_of.map(clock::start_of_day).unwrap_or(s.now);
    // Clarification 13: an alias and its agency's name are one agency to every filter.
    let names = escalate_core::store::agencies::Agencies::read(s.store.root())?;
    let mine = own_agency(&args, ctx)?.map(|a| names.matcher(&a));
    let wanted = args.agency.as_deref().map(|a| names.matcher(a));
    let hidden = AtomicUsize::new(0);
    let unmatched = AtomicUsize::new(0);
    // Each row is rendered on the thread that read it (compact JSON, or table
    // cells) and kept with its sort key; whole summaries of every open dispute
    // would not fit the memory budget at partnership-archive scale.
    type Key = (
        bool,
        Option<escalate_core::domain::clock::Instant>,
        escalate_core::domain::clock::Instant,
    );
    enum Rendered {
        Json(String),
        Cells(crate::render::table::Row),
    }
    let json = ctx.json;
    let mut rows: Vec<(Key, Rendered)> = Vec::new();
    // JSON rows go to a scratch file as they come, so memory holds only their
    // keys; if it cannot be made, they stay in memory.
    let mut spill = if json {
        crate::cli::spill::Spill::create(s.store.root())
    } else {
        None
    };
    let mut spilled: Vec<(Key, usize)> = Vec::new();
    let mut damaged: Option<Error> = None;
    s.each_view(
        !args.no_cache,
        |id, view| {
            // A dispute neither open nor owing anything is not listed without
            // --all: its state need not be decoded (most of a partnership's archive).
            let view = match view {
                Ok(v) if !args.all && !v.brief.pending => {
                    return Ok((None, v.warnings().to_vec(), v.uncounted().to_vec()))
                }
                other => other,
            };
            view.and_then(|v| v.loaded(s, id)).map(|l| {
                let summary = (l.dispute.is_pending() || args.all)
                    .then(|| l.summary(&s.calendar_for(&l.policy), &now))
                    .filter(|summary| {
                        args.see_sealed(summary, (wanted.as_ref(), mine.as_ref()), &unmatched);
                        args.admits(summary, wanted.as_ref())
                            && involves(mine.as_ref(), summary, &hidden)
                    });
                let row = summary.map(|summary| {
                    let key: Key = (
                        summary.next_detail.is_none(),
                        summary.next_detail.as_ref().map(|d| d.by),
                        summary.opened,
                    );
                    let rendered = if json && !others.is_empty() {
                        Rendered::Json(with_directory(&summary, s.store.root()))
                    } else if json {
                        Rendered::Json(element(&summary))
                    } else {
                        Rendered::Cells(crate::render::table::Row::of(&summary))
                    };
                    (key, rendered)
                });
                let uncounted = l.dispute.uncounted.clone();
                (row, l.warnings, uncounted)
            })
        },
        |id, result| match result {
            Ok((row, warnings, uncounted)) => {
                for w in &warnings {
                    ctx.ui.warn(&format!("dispute {id}: {w}"));
                }
                crate::cli::commands::warn_uncounted(&ctx.ui, &id, &uncounted);
                match (row, &mut spill) {
                    (Some((key, Rendered::Json(text))), Some(file)) => {
                        match file.push(text.as_bytes()) {
                            Ok(i) => spilled.push((key, i)),
                            Err(_) => rows.push((key, Rendered::Json(text))),
                        }
                    }
                    (row, _) => rows.extend(row),
                }
            }
            Err(e) => {
                ctx.ui.warn(&format!("dispute {id} is left out: {e}"));
                damaged.get_or_insert(e);
            }
        },
    )?;
    // Other agencies' directories: read only, from their journals, each dispute
    // once; the table is followed by which of them each came from.
    let mut from_others: Vec<(String, Vec<String>)> = Vec::new();
    crate::cli::commands::export::each_other(ctx, s, &others, |o, l| {
        if !(l.dispute.is_pending() || args.all) {
            return;
        }
        let summary = l.summary(&o.calendar_for(&l.policy), &now);
        args.see_sealed(&summary, (wanted.as_ref(), mine.as_ref()), &unmatched);
        if !(args.admits(&summary, wanted.as_ref()) && involves(mine.as_ref(), &summary, &hidden)) {
            return;
        }
        let key: Key = (
            summary.next_detail.is_none(),
            summary.next_detail.as_ref().map(|d| d.by),
            summary.opened,
        );
        let dir = o.store.root().display().to_string();
        match from_others.last_mut() {
            Some((d, ids)) if *d == dir => ids.push(summary.id.clone()),
            _ => from_others.push((dir, vec![summary.id.clone()])),
        }
        let rendered = if json {
            Rendered::Json(with_directory(&summary, o.store.root()))
        } else {
            Rendered::Cells(crate::render::table::Row::of(&summary))
        };
        rows.push((key, rendered));
    })?;
    if !ctx.quiet {
        note_hidden(&ctx.ui, &hidden, mine.as_ref());
        note_sealed(&ctx.ui, &unmatched);
    }
    if let (true, Some(e)) = (args.strict, damaged) {
        return Err(e);
    }
    rows.sort_by_key(|(key, _)| *key);
    if let Some(mut file) = spill {
        if rows.is_empty() {
            spilled.sort_by_key(|(key, _)| *key);
            file.order(&spilled.iter().map(|(_, i)| *i).collect::<Vec<_>>());
            return Ok(Output::JsonSpilled(std::cell::RefCell::new(file)));
        }
        // The scratch file stopped taking rows part-way: gather everything here.
        for (key, i) in spilled {
            let text = file
                .get(i)
                .map_err(|e| Error::io("could not read back the status rows", e))?;
            rows.push((
                key,
                Rendered::Json(String::from_utf8_lossy(&text).into_owned()),
            ));
        }
        rows.sort_by_key(|(key, _)| *key);
    }
    if json {
        // One JSON array, pretty-printed like every other --json output.
        let items: Vec<String> = rows
            .into_iter()
            .filter_map(|(_, r)| match r {
                Rendered::Json(text) => Some(text),
                Rendered::Cells(_) => None,
            })
            .collect();
        return Ok(Output::JsonArray(items));
    }
    let mut rows: Vec<crate::render::table::Row> = rows
        .into_iter()
        .filter_map(|(_, r)| match r {
            Rendered::Cells(row) => Some(row),
            Rendered::Json(_) => None,
        })
        .collect();
    // Collected in place, the list keeps the room it grew to by doubling; laying
    // out the table needs room for its text too, so give the spare back first.
    rows.shrink_to_fit();
    if rows.is_empty() {
        let what = match (args.all, args.filtered()) {
            (_, true) => "No disputes match",
            (true, false) => "No disputes are recorded",
            (false, false) => "No disputes are open",
        };
        return Ok(Output::Text(format!(
            "{what} (data directory {}).\n",
            s.store.root().display()
        )));
    }
    let mut trailer = String::new();
    if !others.is_empty() {
        trailer.push_str(&format!(
            "\nFrom this directory ({}): every dispute not listed below.\n",
            s.store.root().display()
        ));
        for (dir, ids) in &from_others {
            trailer.push_str(&format!("From {dir}: {}\n", ids.join(", ")));
        }
    }
    use crate::render::table::Layout;
    Ok(
        match crate::render::table::status(
            rows,
            ctx.ui.color(),
            ctx.ui.stdout_is_terminal(),
            ctx.ui.stdout_width(),
        ) {
            Layout::Text(text) if ctx.ui.color() => Output::Coloured(text + &trailer),
            Layout::Text(text) => Output::Text(text + &trailer),
            Layout::Plain(mut plain) => {
                plain.trailer = trailer;
                Output::Lines(Box::new(plain))
            }
        },
    )
}

/// A status row as an element of the JSON array: pretty-printed and indented
/// as one `serde_json::to_string_pretty` of the whole array would be, as every
/// other `--json` output is, while each row is still made on its own thread.
fn element(value: &impl serde::Serialize) -> String {
    let text = serde_json::to_string_pretty(value).unwrap_or_default();
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for (i, line) in text.lines().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str("  ");
        out.push_str(line);
    }
    out
}

/// A status row as JSON with the data directory it came from (`--include-dir`).
fn with_directory(summary: &Summary, dir: &std::path::Path) -> String {
    let mut v = serde_json::to_value(summary).unwrap_or_default();
    if let Some(o) = v.as_object_mut() {
        o.insert("directory".into(), dir.display().to_string().into());
    }
    element(&v)
}
