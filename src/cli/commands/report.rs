//! `escalate report`: the month-end figures, as a table, JSON or CSV.

use chrono::NaiveDate;
use clap::{Args, ValueEnum};

use crate::cli::{parse_past_date_arg, Ctx, Output};
use escalate_core::domain::report::{
    Brief, Builder, Contribution, Counting, Fact, Filter, Measurer, Need, Period, Report, Series,
    SeriesBuilder,
};
use escalate_core::error::{Error, Result};

#[derive(Clone, Copy, Debug, ValueEnum)]
pub(crate) enum Format {
    Table,
    Json,
    Csv,
    /// One row per count: period, dimension, value, figure, count
    CsvLong,
    /// The board pack: one self-contained HTML page with charts (by month
    /// unless --per says otherwise)
    Html,
    /// The board pack's tables and sentences in Markdown
    Md,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum PerArg {
    Month,
    Quarter,
    Year,
}

impl From<PerArg> for escalate_core::domain::report::Per {
    fn from(p: PerArg) -> Self {
        match p {
            PerArg::Month => escalate_core::domain::report::Per::Month,
            PerArg::Quarter => escalate_core::domain::report::Per::Quarter,
            PerArg::Year => escalate_core::domain::report::Per::Year,
        }
    }
}

#[derive(Debug, Args)]
pub(crate) struct ReportArgs {
    /// The calendar month to report: YYYY-MM, MM/YYYY, `this month` or `last month`
    #[arg(long, value_name = "YYYY-MM", conflicts_with_all = ["from", "to"], required_unless_present_any = ["from", "to"])]
    pub month: Option<String>,
    /// First day of the period (inclusive)
    #[arg(long, value_name = "DATE", value_parser = parse_past_date_arg, requires = "to")]
    pub from: Option<NaiveDate>,
    /// Last day of the period (inclusive)
    #[arg(long, value_name = "DATE", value_parser = parse_past_date_arg, requires = "from")]
    pub to: Option<NaiveDate>,
    /// Only disputes under this policy
    #[arg(long, value_name = "ID")]
    pub policy: Option<String>,
    /// Only disputes raised by or with this agency
    #[arg(long, value_name = "AGENCY")]
    pub agency: Option<String>,
    /// Output format (--json is the same as --format json). The CSV columns are
    /// stable: new figures never add, remove or reorder them
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// A series: one row per month, quarter or year from --from to --to, and a
    /// total. Quarters and years follow the financial year (April) unless the
    /// data directory's report.toml says `year = "calendar"`
    #[arg(long, value_enum, value_name = "PERIOD", requires = "from")]
    pub per: Option<PerArg>,
    /// Also count the disputes of another agency's data directory, read only
    /// (repeatable); a dispute found in two directories counts once
    #[arg(long = "include-dir", value_name = "PATH")]
    pub include_dir: Vec<std::path::PathBuf>,
    /// With --format csv: leave out the header row, to append months to one file
    #[arg(long)]
    pub no_header: bool,
    /// Add the period before, to compare: the previous month, quarter or year
    /// when the period is one, else as many days just before
    #[arg(long, value_enum, value_name = "WHICH")]
    pub compare: Option<CompareArg>,
    /// The business unit's commentary (a Markdown file), printed in the board
    /// pack under its own heading
    #[arg(long, value_name = "FILE")]
    pub commentary: Option<std::path::PathBuf>,
    /// Count only lines recorded by this time, to reproduce the figures a board
    /// was given (a line recorded offline before it and shared later counts too)
    #[arg(long, value_name = "DATETIME", value_parser = crate::cli::parse_instant_arg)]
    pub as_recorded_at: Option<escalate_core::domain::clock::Instant>,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub(crate) enum CompareArg {
    /// The period just before
    Previous,
}

pub(crate) fn run(args: ReportArgs, ctx: &Ctx) -> Result<Output> {
    let s = ctx.session()?;
    let period = match (&args.month, args.from, args.to) {
        (Some(m), _, _) => month(
            m,
            escalate_core::domain::clock::london_date(&s.now),
            (&ctx.ui, ctx.quiet),
        )?,
        (None, Some(from), Some(to)) if from <= to => Period { from, to },
        (None, Some(_), Some(_)) => {
            return Err(Error::usage("--from is after --to")
                .with_hint("Give the first day of the period, then the last."))
        }
        _ => {
            return Err(Error::usage(
                "give --month YYYY-MM, or --from DATE --to DATE",
            ))
        }
    };
    let format = if ctx.json { Format::Json } else { args.format };
    if args.no_header && !matches!(format, Format::Csv | Format::CsvLong) {
        return Err(Error::usage("--no-header is for --format csv or csv-long")
            .with_hint("Add --format csv, or leave out --no-header."));
    }
    if args.commentary.is_some() && !matches!(format, Format::Html | Format::Md) {
        return Err(
            Error::usage("--commentary is for the board pack (--format html or md)")
                .with_hint("Add --format html (or md), or leave out --commentary."),
        );
    }
    if matches!(format, Format::Csv) && args.compare.is_some() {
        return Err(Error::usage(
            "--compare adds figures the wide CSV has no columns for (its columns are frozen)",
        )
        .with_hint("Use --format csv-long or --json, which carry the previous period as well."));
    }
    if let Some(t) = &args.as_recorded_at {
        if t > &s.now {
            return Err(Error::usage(format!(
                "--as-recorded-at {} is in the future",
                escalate_core::domain::clock::human_instant(t)
            ))
            .with_hint(
                "Give the time the figures were first given (the board pack's \"Generated\" time).",
            ));
        }
    }
    // Read before counting, so a wrong path costs nothing.
    let commentary = match &args.commentary {
        Some(path) => {
            crate::cli::input::long_text(&ctx.ui, "--commentary", None, Some(path.clone()))?
        }
        None => None,
    };
    // Policy ids ignore case, as everywhere else.
    let policy = match &args.policy {
        Some(p) => Some(s.catalogue.get(p)?.policy.id.clone()),
        None => None,
    };
    let today = escalate_core::domain::clock::london_date(&s.now);
    if period.from > today {
        ctx.ui.warn(&format!(
            "the period starts on {}, after today ({}): nothing in it has happened yet",
            escalate_core::domain::clock::human_date(period.from),
            escalate_core::domain::clock::human_date(today)
        ));
    }
    // Clarification 13: names are counted under the canonical names in force now.
    let names = escalate_core::store::agencies::Agencies::read(s.store.root())?;
    let agencies = AgenciesSeen::new(args.agency.as_deref().map(|a| names.matcher(a)));
    let filter = Filter {
        policy,
        agency: args.agency.as_deref().map(|a| names.matcher(a)),
    };
    let previous = args
        .compare
        .map(|_| escalate_core::domain::report::previous(period));
    let listed: Vec<&str> = names.agencies.iter().map(|a| a.name.as_str()).collect();
    let cut = args.as_recorded_at;
    // The board pack is a series: by month unless --per says otherwise.
    let per = match format {
        Format::Html | Format::Md => Some(args.per.unwrap_or(PerArg::Month)),
        _ => args.per,
    };
    let settings = s.store.report_settings()?;
    let report = if let Some(per) = per {
        let mut series =
            SeriesBuilder::new(period, per.into(), settings.year, (filter, previous), s.now);
        tally(
            ctx,
            &args.include_dir,
            (&names, &agencies),
            cut,
            &mut series,
        )?;
        agencies.warn_if_unknown(&ctx.ui);
        let mut series = series.finish();
        settle(&mut series.total, &listed, cut);
        for p in &mut series.periods {
            p.report.as_recorded_at = cut;
        }
        warn_if_recorded_after(ctx, &series.total, cut);
        let pack = || crate::render::pack::Pack {
            series: &series,
            partnership: partnership(s, &settings, &series.total),
            commentary: commentary.clone(),
            year: settings.year,
        };
        return Ok(match format {
            Format::Json => Output::json(&series),
            Format::Csv => Output::Text(series_csv(
                &series,
                max_stage(ctx.session()?),
                !args.no_header,
            )),
            Format::CsvLong => Output::Text(long_csv(
                series
                    .periods
                    .iter()
                    .map(|p| (p.label.clone(), &p.report))
                    .chain([(series.total.range_label(), &series.total)])
                    .chain(
                        series
                            .total
                            .previous
                            .as_deref()
                            .map(|r| (r.range_label(), r)),
                    ),
                !args.no_header,
            )),
            Format::Html => Output::Text(crate::render::html::render(&pack())),
            Format::Md => Output::Text(crate::render::markdown::render(&pack())),
            Format::Table => Output::Text(
                series_table(&series)
                    + &breakdown_tables(&series.total)
                    + &timeliness_table(&series.total),
            ),
        });
    } else {
        let mut builder = Builder::new(period, previous, filter, s.now);
        tally(
            ctx,
            &args.include_dir,
            (&names, &agencies),
            cut,
            &mut builder,
        )?;
        let mut report = builder.finish();
        settle(&mut report, &listed, cut);
        report
    };
    agencies.warn_if_unknown(&ctx.ui);
    warn_if_recorded_after(ctx, &report, cut);
    Ok(match format {
        Format::Json => Output::json(&report),
        Format::Csv => Output::Text(csv(&report, max_stage(ctx.session()?), !args.no_header)),
        Format::CsvLong => Output::Text(long_csv(
            [(report.range_label(), &report)]
                .into_iter()
                .chain(report.previous.as_deref().map(|r| (r.range_label(), r))),
            !args.no_header,
        )),
        // The board pack's formats are a series, answered above.
        Format::Html | Format::Md | Format::Table => {
            Output::Text(table(&report) + &breakdown_tables(&report) + &timeliness_table(&report))
        }
    })
}

/// What is the same for a report and its comparison: the cut-off it was
/// counted at, and every agency (and category) either period names, or the
/// agency list does, listed in both (with zeros where it has none).
fn settle(r: &mut Report, listed: &[&str], cut: Option<escalate_core::domain::clock::Instant>) {
    r.as_recorded_at = cut;
    let Some(p) = r.previous.as_deref_mut() else {
        r.breakdown.list_agencies(listed.iter().copied());
        return;
    };
    p.as_recorded_at = cut;
    let (now, before) = (&mut r.breakdown, &mut p.breakdown);
    for (a, b) in [
        (&mut now.raising_agency, &mut before.raising_agency),
        (&mut now.challenged_agency, &mut before.challenged_agency),
        (&mut now.category, &mut before.category),
    ] {
        for k in a.keys() {
            b.entry(k.clone()).or_default();
        }
        for k in b.keys() {
            a.entry(k.clone()).or_default();
        }
    }
    now.list_agencies(listed.iter().copied());
    before.list_agencies(listed.iter().copied());
}

/// Without `--as-recorded-at`, a period that has ended whose figures were
/// changed by lines recorded after it ended says so, and how to get the
/// figures as they were.
fn warn_if_recorded_after(
    ctx: &Ctx,
    r: &Report,
    cut: Option<escalate_core::domain::clock::Instant>,
) {
    if cut.is_some() || r.in_progress || r.recorded_after_end == 0 {
        return;
    }
    let n = r.recorded_after_end;
    ctx.ui.warn(&format!(
        "{n} {} recorded after the period ended ({}), so these figures may differ from any given before then. To reproduce figures as they were given, add --as-recorded-at with the time they were made (the pack's \"Generated\" time)",
        if n == 1 { "line that happened in or before the period was" } else { "lines that happened in or before the period were" },
        escalate_core::domain::clock::human_date(r.to)
    ));
}

/// The partnership the board pack names: the data directory's `partnership`
/// setting, else the one policy's the disputes are under.
fn partnership(
    s: &escalate_core::ops::Session,
    settings: &escalate_core::domain::report::Settings,
    r: &Report,
) -> Option<String> {
    if let Some(p) = settings
        .partnership
        .as_ref()
        .filter(|p| !p.trim().is_empty())
    {
        return Some(p.trim().to_owned());
    }
    let mut named: Vec<String> = r
        .by_policy
        .keys()
        .filter_map(|id| s.catalogue.get(id).ok())
        .map(|p| p.policy.partnership.clone())
        .collect();
    named.sort();
    named.dedup();
    match named.as_slice() {
        [one] => Some(one.clone()),
        _ => None,
    }
}

/// Another agency's data directory, to read only (`--include-dir`): its disputes
/// are loaded from their journals with the policy texts they pinned there.
pub(crate) fn included(dir: &std::path::Path, ctx: &Ctx) -> Result<escalate_core::ops::Session> {
    if !escalate_core::store::layout::disputes(dir).is_dir() {
        return Err(Error::usage(format!(
            "--include-dir {} is not a data directory (it has no disputes folder)",
            dir.display()
        ))
        .with_hint("Give the path of another agency's escalate data directory (the folder that holds disputes/)."));
    }
    Ok(escalate_core::ops::Session {
        store: escalate_core::store::Store::new(dir),
        catalogue: escalate_core::policy::Catalogue::builtin(),
        now: ctx.session()?.now,
        actor: ctx.session()?.actor.clone(),
        calendars: escalate_core::store::calendar::Calendars::load(dir)?,
        // Read only: nothing is ever signed in another agency's directory.
        keys: escalate_core::integrity::signing::Keyring::new(None, dir.to_owned()),
        division_setting: ctx.config()?.division,
    })
}

/// Warn that dispute `id` was found in two directories with different journals
/// (in `first`, counted, and in `second`, left out).
pub(crate) fn warn_if_differ(
    ui: &crate::cli::Ui,
    id: &escalate_core::domain::id::DisputeId,
    first: &escalate_core::store::Store,
    second: &escalate_core::store::Store,
) {
    if first.journal_bytes(id) != second.journal_bytes(id) {
        let (first, second) = (first.journal_path(id), second.journal_path(id));
        ui.warn(&format!(
            "dispute {id} is in {} and in {}, and the two journals differ; it is counted once, from {}",
            first.display(),
            second.display(),
            first.display()
        ));
    }
}

/// Count the disputes of another agency's data directory `dir`, read only: from
/// their journals (its cache is neither used nor written), under its own aliases
/// and calendar. A dispute already counted from another directory (`seen`) is
/// left out, with a warning if the two journals differ.
fn count_other(
    dir: &std::path::Path,
    (ctx, cut): (&Ctx, Option<escalate_core::domain::clock::Instant>),
    measurer: &Measurer,
    agencies: &AgenciesSeen,
    seen: &mut std::collections::HashMap<String, escalate_core::store::Store>,
    absorb: &mut impl FnMut(Contribution),
    skip: &mut impl FnMut(String),
) -> Result<()> {
    let other = included(dir, ctx)?;
    let names = escalate_core::store::agencies::Agencies::read(dir)?;
    let canonical = Canonical::new(&names);
    let label = dir.display().to_string();
    let before: std::collections::HashSet<String> = seen.keys().cloned().collect();
    let measure = |id: &escalate_core::domain::id::DisputeId,
                   loaded: Result<escalate_core::ops::Loaded>| {
        if before.contains(id.as_str()) {
            return Ok(None);
        }
        let l = loaded?;
        let d = &l.dispute;
        let calendar = other.calendar_for(&l.policy);
        if let Some(t) = &cut {
            let mut part =
                cut_and_measure(d, t, measurer, &canonical, agencies, (&l.policy, &calendar))?;
            if let Some(c) = &mut part {
                c.set_directory(&label);
            }
            return Ok(Some(part));
        }
        let brief = canonical.brief(Brief::of(d));
        let facts: Vec<Fact> = d.records.iter().map(|r| Fact::of(d, r)).collect();
        agencies.see(&brief.from, &brief.with);
        let plan = measurer.plan(&brief, &facts, &l.policy.policy);
        let mut part = measurer.measure(&plan, brief, &facts, Some(d), None, &l.policy, &calendar);
        if let Some(c) = &mut part {
            c.set_directory(&label);
        }
        Ok(Some(part))
    };
    other.each_mapped(
        measure,
        |id, part: Result<Option<Option<Contribution>>>| match part {
            Ok(Some(part)) => {
                seen.insert(id.as_str().to_owned(), other.store.clone());
                part.into_iter().for_each(&mut *absorb);
            }
            Ok(None) => warn_if_differ(&ctx.ui, &id, &seen[id.as_str()], &other.store),
            Err(e) => {
                ctx.ui.warn(&format!(
                    "dispute {id} in {label} is left out of the report: {e}"
                ));
                skip(id.as_str().to_owned());
            }
        },
    )
}

/// Measure `d` (with its lines) as its lines recorded by `t` give it
/// (`--as-recorded-at`); `None` if it had not been opened by then.
fn cut_and_measure(
    d: &escalate_core::domain::dispute::Dispute,
    t: &escalate_core::domain::clock::Instant,
    measurer: &Measurer,
    canonical: &Canonical,
    agencies: &AgenciesSeen,
    (policy, calendar): (
        &std::sync::Arc<escalate_core::policy::LoadedPolicy>,
        &escalate_core::calendar::Calendar,
    ),
) -> Result<Option<Contribution>> {
    let Some(d) = escalate_core::domain::report::as_recorded_at(d, &policy.policy, t)
        .map_err(|what| Error::refused(format!("dispute {}: {what}", d.id)))?
    else {
        return Ok(None);
    };
    let brief = canonical.brief(Brief::of(&d));
    let facts: Vec<Fact> = d.records.iter().map(|r| Fact::of(&d, r)).collect();
    agencies.see(&brief.from, &brief.with);
    let plan = measurer.plan(&brief, &facts, &policy.policy);
    Ok(measurer.measure(&plan, brief, &facts, Some(&d), None, policy, calendar))
}

/// Agency names as a report counts them (clarification 13: the canonical names
/// in force now), each looked up in the list once: a look-up costs more than
/// the rest of measuring a dispute, and a few dozen names recur in every one.
struct Canonical<'a> {
    list: &'a escalate_core::store::agencies::Agencies,
    known: std::sync::RwLock<std::collections::HashMap<String, String>>,
}

impl<'a> Canonical<'a> {
    fn new(list: &'a escalate_core::store::agencies::Agencies) -> Self {
        Canonical {
            list,
            known: Default::default(),
        }
    }

    fn of(&self, name: String) -> String {
        if let Some(c) = self.known.read().ok().and_then(|k| k.get(&name).cloned()) {
            return c;
        }
        let c = self.list.canonical(&name).into_owned();
        if let Ok(mut known) = self.known.write() {
            known.insert(name, c.clone());
        }
        c
    }

    /// `b` with its agencies under the names a report counts them by.
    fn brief(&self, b: Brief) -> Brief {
        Brief {
            from: self.of(b.from),
            with: self.of(b.with),
            ..b
        }
    }
}

/// Count every dispute into `into` (one period's report or a series); the
/// disputes left out are named to it after the others are counted.
fn tally(
    ctx: &Ctx,
    include: &[std::path::PathBuf],
    names: (&escalate_core::store::agencies::Agencies, &AgenciesSeen),
    cut: Option<escalate_core::domain::clock::Instant>,
    into: &mut impl Counting,
) -> Result<()> {
    let measurer = into.measurer();
    let mut skipped = Vec::new();
    count(
        ctx,
        (include, cut),
        &measurer,
        names,
        |c| into.absorb(c),
        |id| skipped.push(id),
    )?;
    skipped.iter().for_each(|id| into.skip(id));
    Ok(())
}

/// Measure every dispute once for every period of `measurer`: each dispute is
/// measured on the thread that read it, its part handed to `absorb` here in ID
/// order; `skip` gets the IDs whose journal failed.
fn count(
    ctx: &Ctx,
    (include, cut): (
        &[std::path::PathBuf],
        Option<escalate_core::domain::clock::Instant>,
    ),
    measurer: &Measurer,
    (names, agencies): (&escalate_core::store::agencies::Agencies, &AgenciesSeen),
    mut absorb: impl FnMut(Contribution),
    mut skip: impl FnMut(String),
) -> Result<()> {
    let s = ctx.session()?;
    let here = s.store.root().display().to_string();
    let canonical = Canonical::new(names);
    // From the cache, a dispute costs its facts, and its snapshots if it was
    // still to be dealt with when a period ended; its state is decoded only if it
    // left a stage or met an obligation in a period, or the cache keeps no
    // snapshots of it under the current calendar, and its journal read (once)
    // only if then something happened to it after a period's end (to replay it
    // up to then).
    let measure = |id: &escalate_core::domain::id::DisputeId,
                   view: Result<escalate_core::ops::View>| {
        let mut v = view?;
        let uncounted = v.uncounted().to_vec();
        let policy = std::sync::Arc::clone(&v.policy);
        let calendar = s.calendar_for(&policy);
        if let Some(t) = &cut {
            // As recorded by then: from the journal's lines, whatever the cache says.
            let l = v.with_lines(s, id)?;
            let part = cut_and_measure(
                &l.dispute,
                t,
                measurer,
                &canonical,
                agencies,
                (&l.policy, &calendar),
            )?;
            let part = part.map(|mut c| {
                if !include.is_empty() {
                    c.set_directory(&here);
                }
                c
            });
            return Ok((part, uncounted));
        }
        let brief = Brief {
            from: std::mem::take(&mut v.brief.from),
            with: std::mem::take(&mut v.brief.with),
            category: v.brief.category.take(),
            fields: std::mem::take(&mut v.brief.fields),
            ..v.brief
        };
        let brief = canonical.brief(brief);
        let facts = std::mem::take(&mut v.facts);
        let plan = measurer.plan(&brief, &facts, &policy.policy);
        let snapshots = if plan.wants_snapshots() {
            v.snapshots()
        } else {
            None
        };
        let dispute = match measurer.need(&plan, snapshots.as_ref(), &calendar) {
            Need::Lines => Some(v.with_lines(s, id)?.dispute),
            Need::State => Some(v.loaded(s, id)?.dispute),
            Need::Nothing => None,
        };
        agencies.see(&brief.from, &brief.with);
        let mut part = measurer.measure(
            &plan,
            brief,
            &facts,
            dispute.as_ref(),
            snapshots.as_ref(),
            &policy,
            &calendar,
        );
        if let (Some(c), false) = (&mut part, include.is_empty()) {
            c.set_directory(&here);
        }
        Ok((part, uncounted))
    };
    let mut progress = crate::cli::progress::Progress::new(
        ctx,
        if crate::cli::progress::Progress::wanted(ctx) {
            s.store.ids()?.len()
        } else {
            0
        },
        "Counting",
    );
    let visit = |id: escalate_core::domain::id::DisputeId,
                 part: Result<(
        Option<Contribution>,
        Vec<escalate_core::domain::dispute::Uncounted>,
    )>| {
        progress.inc();
        match part {
            Ok((part, uncounted)) => {
                if !uncounted.is_empty() {
                    progress
                        .suspend(|| crate::cli::commands::warn_uncounted(&ctx.ui, &id, &uncounted));
                }
                part.into_iter().for_each(&mut absorb)
            }
            Err(e) => {
                progress.suspend(|| {
                    ctx.ui
                        .warn(&format!("dispute {id} is left out of the report: {e}"))
                });
                skip(id.as_str().to_owned());
            }
        }
    };
    s.each_view(true, measure, visit)?;
    drop(progress);
    // Only with --include-dir: listing this directory again would cost every
    // report a second directory read and a path per dispute.
    if include.is_empty() {
        agencies.warn_look_alikes(names, &ctx.ui);
        return Ok(());
    }
    let mut seen = crate::cli::commands::export::journals_by_id(s)?;
    for dir in include {
        count_other(
            dir,
            (ctx, cut),
            measurer,
            agencies,
            &mut seen,
            &mut absorb,
            &mut skip,
        )?;
    }
    agencies.warn_look_alikes(names, &ctx.ui);
    Ok(())
}

/// The highest stage number any known policy has: CSV columns stay the same from
/// month to month whatever happened.
fn max_stage(s: &escalate_core::ops::Session) -> u32 {
    s.catalogue
        .policies()
        .into_iter()
        .map(|p| p.policy.last_stage())
        .max()
        .unwrap_or(1)
}

/// The period of a month as people write it: `2026-11`, `11/2026`, `this month`,
/// `last month` (the one a month-end job wants, without `date` arithmetic). A
/// month named in words is read back on stderr, as other dates are.
fn month(typed: &str, today: NaiveDate, (ui, quiet): (&crate::cli::Ui, bool)) -> Result<Period> {
    use chrono::Datelike;
    let text = typed.trim().to_lowercase();
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let this = NaiveDate::from_ymd_opt(today.year(), today.month(), 1).unwrap_or(today);
    let ym = match text.as_str() {
        "this month" | "this" => Some(this),
        "last month" | "last" => this.checked_sub_months(chrono::Months::new(1)),
        _ => match text.split_once('/') {
            Some((m, y)) if y.len() == 4 => m
                .parse()
                .ok()
                .zip(y.parse().ok())
                .and_then(|(m, y)| NaiveDate::from_ymd_opt(y, m, 1)),
            _ => None,
        },
    };
    let iso = ym.map_or(text.clone(), |d| d.format("%Y-%m").to_string());
    let period = Period::month(&iso).ok_or_else(|| {
        Error::usage(format!("--month {typed:?} is not a month")).with_hint(
            "Write the month as YYYY-MM (2026-11) or MM/YYYY (11/2026), or say `last month`.",
        )
    })?;
    if ym.is_some() && !quiet {
        ui.stderr(&format!(
            "Reading {:?} as {}.\n",
            typed.trim(),
            period.from.format("%B %Y")
        ));
    }
    Ok(period)
}

/// The agencies named in the disputes a report went through, so that an `--agency`
/// that matches none (a typing mistake) is not silently a report of zeros.
struct AgenciesSeen {
    /// `--agency`, by its name or any alias.
    wanted: Option<escalate_core::store::agencies::Matcher>,
    matched: std::sync::atomic::AtomicBool,
    names: std::sync::Mutex<std::collections::BTreeSet<String>>,
    /// Every name counted, to find those that look alike but are not aliased.
    all: std::sync::Mutex<std::collections::BTreeSet<String>>,
}

impl AgenciesSeen {
    fn new(wanted: Option<escalate_core::store::agencies::Matcher>) -> Self {
        AgenciesSeen {
            wanted,
            matched: false.into(),
            names: Default::default(),
            all: Default::default(),
        }
    }

    fn see(&self, from: &str, with: &str) {
        if let Ok(mut all) = self.all.lock() {
            for n in [from, with] {
                if !all.contains(n) {
                    all.insert(n.to_owned());
                }
            }
        }
        let Some(wanted) = &self.wanted else { return };
        let names = [from, with];
        if wanted.involves(from, with) {
            self.matched
                .store(true, std::sync::atomic::Ordering::Relaxed);
        } else if let Ok(mut seen) = self.names.lock() {
            seen.extend(names.into_iter().map(str::to_owned));
        }
    }

    /// Names counted apart that probably mean one agency: the fix is an alias.
    fn warn_look_alikes(
        &self,
        list: &escalate_core::store::agencies::Agencies,
        ui: &crate::cli::Ui,
    ) {
        let all = self.all.lock().map(|n| n.clone()).unwrap_or_default();
        let pairs = list.unaliased_look_alikes(&all);
        if pairs.is_empty() {
            return;
        }
        let shown: Vec<String> = pairs
            .iter()
            .map(|(a, b)| format!("{a:?} and {b:?}"))
            .collect();
        let (a, b) = &pairs[0];
        let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
        let add = if list.find(long).is_some() {
            String::new()
        } else {
            format!("escalate agency add {long:?}; ")
        };
        ui.warn(&format!(
            "these agency names look alike but are counted apart: {}. If they are one agency, say so once for everyone: {add}escalate agency alias {short:?} {long:?}",
            shown.join("; ")
        ));
    }

    fn warn_if_unknown(&self, ui: &crate::cli::Ui) {
        let Some(wanted) = self.wanted.as_ref().map(|m| m.wanted()) else {
            return;
        };
        if self.matched.load(std::sync::atomic::Ordering::Relaxed) {
            return;
        }
        let names = self.names.lock().map(|n| n.clone()).unwrap_or_default();
        let shown: Vec<String> = names.iter().take(12).map(|n| format!("{n:?}")).collect();
        ui.warn(&format!(
            "no dispute names the agency {wanted:?}, so its figures are all zero{}",
            if shown.is_empty() {
                String::new()
            } else {
                format!(
                    "; agencies that occur: {}{}",
                    shown.join(", "),
                    if names.len() > shown.len() {
                        ", ..."
                    } else {
                        ""
                    }
                )
            }
        ));
    }
}

/// The wide CSV: its frozen columns are the figures `FIGURE_TABLE` marks for it,
/// a figure by stage as one column per stage up to `stages`.
fn csv(r: &Report, stages: u32, header_row: bool) -> String {
    use crate::render::csv::row;
    use escalate_core::domain::report::{Get, FIGURE_TABLE};
    let columns = || FIGURE_TABLE.iter().filter(|f| f.shown.wide_csv);
    let mut header: Vec<String> = ["from", "to", "policy"].map(String::from).to_vec();
    for f in columns() {
        match f.get {
            Get::ByStage(_) => header.extend((1..=stages).map(|n| format!("{}_{n}", f.name))),
            Get::Count(_) | Get::Days(_) => header.push(f.name.to_owned()),
        }
    }
    let mut out = if header_row {
        row(&header)
    } else {
        String::new()
    };
    let line = |name: &str, figures: &escalate_core::domain::report::Figures| {
        let mut cells = vec![r.from.to_string(), r.to.to_string(), name.to_owned()];
        for f in columns() {
            match f.get {
                Get::Count(get) => cells.push(get(figures).to_string()),
                Get::ByStage(get) => cells.extend(
                    (1..=stages).map(|n| get(figures).get(&n).copied().unwrap_or(0).to_string()),
                ),
                Get::Days(get) => {
                    cells.push(get(figures).map(|m| m.to_string()).unwrap_or_default())
                }
            }
        }
        row(&cells)
    };
    for (policy, f) in &r.by_policy {
        out.push_str(&line(policy, f));
    }
    out.push_str(&line("total", &r.total));
    out
}

fn table(r: &Report) -> String {
    use comfy_table::{presets, Table};
    let mut t = Table::new();
    t.load_style(presets::ASCII_MARKDOWN);
    let prev = r.previous.as_deref();
    let mut header = vec!["".to_owned(), "total".to_owned()];
    if prev.is_some() {
        header.extend(["previous period".to_owned(), "change".to_owned()]);
    }
    header.extend(r.by_policy.keys().cloned());
    t.set_header(header);
    let stages: std::collections::BTreeSet<u32> = r
        .total
        .entered_stage
        .keys()
        .chain(r.total.resolved_at_stage.keys())
        .chain(r.total.highest_stage.keys())
        .chain(prev.into_iter().flat_map(|p| p.total.highest_stage.keys()))
        .copied()
        .collect();
    let figures: Vec<&escalate_core::domain::report::Figures> = r.by_policy.values().collect();
    let mut add =
        |label: String, get: &dyn Fn(&escalate_core::domain::report::Figures) -> String| {
            let mut cells = vec![label, get(&r.total)];
            if let Some(p) = prev {
                let (now, before) = (get(&r.total), get(&p.total));
                let change = match (now.parse::<i64>(), before.parse::<i64>()) {
                    (Ok(a), Ok(b)) if a >= b => format!("+{}", a - b),
                    (Ok(a), Ok(b)) => (a - b).to_string(),
                    _ => String::new(),
                };
                cells.extend([before, change]);
            }
            cells.extend(figures.iter().map(|f| get(f)));
            t.add_row(cells);
        };
    let named = |n: &u32| match r.total.stage_labels.get(n) {
        Some(label) => format!("{n} ({label})"),
        None => n.to_string(),
    };
    for f in escalate_core::domain::report::FIGURE_TABLE {
        use escalate_core::domain::report::Get;
        let Some(label) = f.shown.table else { continue };
        match f.get {
            Get::Count(get) => add(label.into(), &|x| get(x).to_string()),
            Get::ByStage(get) => {
                for n in &stages {
                    add(format!("{label}{}", named(n)), &|x| {
                        get(x).get(n).copied().unwrap_or(0).to_string()
                    });
                }
            }
            Get::Days(get) => add(label.into(), &|x| {
                get(x).map_or_else(|| "-".into(), |m| m.to_string())
            }),
        }
    }
    let entered: u64 = r.total.entered_stage.values().sum();
    let mut notes = String::new();
    if let Some(p) = prev {
        notes.push_str(&format!(
            "Previous period: {} to {}.\n",
            escalate_core::domain::clock::human_date(p.from),
            escalate_core::domain::clock::human_date(p.to)
        ));
    }
    notes.push_str(&recorded_notes(r));
    format!(
        "Escalations {} to {}{} (Europe/London)\nGenerated {}\n\n{t}\n\nEscalations from stage 1 onwards (stage entries): {entered}\n\
Anything overdue at end counts a resolved dispute that still owes a duty too.\n{notes}",
        escalate_core::domain::clock::human_date(r.from),
        escalate_core::domain::clock::human_date(r.to),
        if r.in_progress { " (to date)" } else { "" },
        escalate_core::domain::clock::human_instant(&r.generated_at),
    )
}

/// What a table says about when its lines were recorded: the cut-off it was
/// counted at, or how many lines came in after the period ended.
fn recorded_notes(r: &Report) -> String {
    if let Some(t) = &r.as_recorded_at {
        return format!(
            "Counted as recorded by {}.\n",
            escalate_core::domain::clock::human_instant(t)
        );
    }
    if r.in_progress {
        return "The period has not ended: figures are to date.\n".to_owned();
    }
    match r.recorded_after_end {
        0 => String::new(),
        n => format!(
            "{n} {} recorded after the period ended; --as-recorded-at TIME gives\nthe figures as recorded by then.\n",
            if n == 1 { "line was" } else { "lines were" }
        ),
    }
}

/// A series in the wide CSV: each period's rows as `--month` gives them (the
/// frozen columns, `from` and `to` being the period's days as cut), then the
/// whole range's.
fn series_csv(series: &Series, stages: u32, header_row: bool) -> String {
    let mut out = String::new();
    for (i, r) in series
        .periods
        .iter()
        .map(|p| &p.report)
        .chain(std::iter::once(&series.total))
        .enumerate()
    {
        out.push_str(&csv(r, stages, header_row && i == 0));
    }
    out
}

/// One row per period and a total, with the figures a board reads first.
fn series_table(series: &Series) -> String {
    use comfy_table::{presets, Table};
    let mut t = Table::new();
    t.load_style(presets::ASCII_MARKDOWN);
    t.set_content_arrangement(comfy_table::ContentArrangement::Dynamic);
    t.set_width(80);
    let columns = || {
        escalate_core::domain::report::FIGURE_TABLE
            .iter()
            .filter_map(|f| Some((f.shown.series?, f.get)))
    };
    let mut header = vec!["Period"];
    header.extend(columns().map(|(heading, _)| heading));
    t.set_header(header);
    let row = |label: String, r: &Report| {
        let mut cells = vec![label];
        cells.extend(columns().map(|(_, get)| figure_cell(get, &r.total)));
        cells
    };
    let mut partial = Vec::new();
    for p in &series.periods {
        let label = if p.report.in_progress {
            partial.push(format!("{} is not over: its figures are to date", p.label));
            format!("{}*", p.label)
        } else if p.partial {
            partial.push(format!(
                "{} is partial ({} to {})",
                p.label,
                escalate_core::domain::clock::human_date(p.report.from),
                escalate_core::domain::clock::human_date(p.report.to)
            ));
            format!("{}*", p.label)
        } else {
            p.label.clone()
        };
        t.add_row(row(label, &p.report));
    }
    t.add_row(row("Total".to_owned(), &series.total));
    if let Some(p) = series.total.previous.as_deref() {
        t.add_row(row(
            escalate_core::domain::report::period_name(
                Period {
                    from: p.from,
                    to: p.to,
                },
                series.year,
            ),
            p,
        ));
    }
    let per = match series.per {
        escalate_core::domain::report::Per::Month => "month",
        escalate_core::domain::report::Per::Quarter => "quarter",
        escalate_core::domain::report::Per::Year => "year",
    };
    let year = match (series.per, series.year) {
        (escalate_core::domain::report::Per::Month, _) => "",
        (_, escalate_core::domain::report::YearKind::Financial) => {
            "Financial years, April to March.\n"
        }
        (_, escalate_core::domain::report::YearKind::Calendar) => "Calendar years.\n",
    };
    let notes = if partial.is_empty() {
        String::new()
    } else {
        partial.iter().map(|p| format!("* {p}.\n")).collect()
    };
    format!(
        "Escalations by {per}, {} to {} (Europe/London)\n{year}Generated {}\n\n{t}\n\n{notes}{}Raised: disputes raised. Entries: stage entries from stage 1 onwards, each\ndispute once for each stage it entered. Open, Open late (open and past a\ndeadline), Overdue (anything overdue, a resolved dispute's duty too): at the\nperiod's end. Median: working days to resolve.\n",
        escalate_core::domain::clock::human_date(series.from),
        escalate_core::domain::clock::human_date(series.to),
        escalate_core::domain::clock::human_instant(&series.total.generated_at),
        recorded_notes(&series.total),
    )
}

/// The long, tidy CSV: `period,dimension,value,figure,count`, one count a row, so
/// a spreadsheet's pivot table (or R, or pandas) reads it as it is.
fn long_csv<'a>(
    reports: impl IntoIterator<Item = (String, &'a Report)>,
    header_row: bool,
) -> String {
    use crate::render::csv::row;
    let mut out = if header_row {
        row(&["period", "dimension", "value", "figure", "count"].map(String::from))
    } else {
        String::new()
    };
    for (label, r) in reports {
        for l in r.long_rows(&label) {
            out.push_str(&row(&[
                l.period,
                l.dimension.to_owned(),
                l.value,
                l.figure,
                l.count,
            ]));
        }
    }
    out
}

/// The breakdowns under the figures: per agency raising, agency challenged and
/// category, the figures a board compares across them.
fn breakdown_tables(r: &Report) -> String {
    use comfy_table::{presets, Table};
    let mut out = String::new();
    for (dimension, map) in r.breakdown.dimensions() {
        if map.is_empty() {
            continue;
        }
        let mut t = Table::new();
        t.load_style(presets::ASCII_MARKDOWN);
        t.set_header(
            [match dimension.as_ref() {
                "raising_agency" => "Agency raising".to_owned(),
                "challenged_agency" => "Agency challenged".to_owned(),
                "directory" => "Data directory".to_owned(),
                "category" => "Category".to_owned(),
                d => r
                    .breakdown
                    .field
                    .get(d.trim_start_matches("field:"))
                    .map_or_else(|| d.to_owned(), |f| f.label.clone()),
            }]
            .into_iter()
            .chain(breakdown_columns().map(|(heading, _)| heading.to_owned()))
            .collect::<Vec<String>>(),
        );
        // Long agency names wrap, so the table still fits an 80-column terminal.
        t.set_content_arrangement(comfy_table::ContentArrangement::Dynamic);
        t.set_width(80);
        for (value, f) in map {
            let mut cells = vec![value.clone()];
            cells.extend(breakdown_columns().map(|(_, get)| figure_cell(get, f)));
            t.add_row(cells);
        }
        out.push_str(&format!("\n{t}\n"));
    }
    if !out.is_empty() {
        out.push_str(
            "\nRaised: disputes raised. Moves: stage moves. Stage entries: from stage 1\nonwards.\n",
        );
    }
    out
}

/// The figures the tables per agency, category and field show, with their headings.
fn breakdown_columns() -> impl Iterator<Item = (&'static str, escalate_core::domain::report::Get)> {
    escalate_core::domain::report::FIGURE_TABLE
        .iter()
        .filter_map(|f| Some((f.shown.breakdown?, f.get)))
}

/// One figure as a table cell: a count, the total of a count by stage, or days
/// (`-` when there were none to measure).
fn figure_cell(
    get: escalate_core::domain::report::Get,
    f: &escalate_core::domain::report::Figures,
) -> String {
    use escalate_core::domain::report::Get;
    match get {
        Get::Count(get) => get(f).to_string(),
        Get::ByStage(get) => get(f).values().sum::<u64>().to_string(),
        Get::Days(get) => get(f).map_or_else(|| "-".to_owned(), |m| m.to_string()),
    }
}

/// Stages left in the period against their deadlines, by stage, with the working
/// days spent in each; then obligations met.
fn timeliness_table(r: &Report) -> String {
    use comfy_table::{presets, Table};
    let t = &r.timeliness;
    if t.by_stage.is_empty() && t.obligations_met == Default::default() {
        return String::new();
    }
    let mut table = Table::new();
    table.load_style(presets::ASCII_MARKDOWN);
    table.set_header(vec![
        "Stage left",
        "On time",
        "Late",
        "No timescale",
        "Median days",
        "90th pct days",
    ]);
    let days = |d: Option<f64>| d.map_or_else(|| "-".to_owned(), |d| d.to_string());
    for (stage, s) in &t.by_stage {
        table.add_row(vec![
            stage.to_string(),
            s.counts.on_time.to_string(),
            s.counts.late.to_string(),
            s.counts.no_timescale.to_string(),
            days(s.median_working_days),
            days(s.p90_working_days),
        ]);
    }
    let o = &t.obligations_met;
    format!(
        "\nTimeliness: stages left (escalated or resolved) in the period, against their\ndeadlines under the current calendar; days are working days in the stage.\n{table}\nObligations met in the period: {} on time, {} late, {} with no time limit.\n",
        o.on_time, o.late, o.no_timescale
    )
}
