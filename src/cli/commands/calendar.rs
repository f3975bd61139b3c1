//! `escalate calendar`: the working-day calendar every deadline is counted in.
//! Import GOV.UK's bank holidays, close and reopen local closure days, list a
//! year's non-working days, and do the working-day sums by hand. Changes are
//! stored by `calendar_store`; this module only turns arguments into calls and
//! results into text or JSON, and says which open deadlines a change moved.

use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate, Weekday};
use clap::{Args, Subcommand};
use serde::Serialize;

use crate::cli::{parse_date_arg, Ctx, Output};
use crate::render::calendar as render;
use escalate_core::calendar::{
    one_offs, Calendar, Division, Holiday, ImportedHolidays, OneOffAction, Origin,
};
use escalate_core::domain::clock::{self, human_date};
use escalate_core::domain::text::{required, MAX_SHORT};
use escalate_core::error::{Error, Result};
use escalate_core::store::calendar::{CalendarFiles, Calendars, LocalCalendar, MAX_FILE_BYTES};

/// Longest span `add` and `between` will work over: a century is far beyond
/// any escalation deadline, and listing what was skipped stays quick.
const MAX_SPAN_DAYS: i64 = 36_525;
const MAX_WORKING_DAYS: u32 = 25_000;

#[derive(Debug, Args)]
pub(crate) struct CalendarArgs {
    #[command(subcommand)]
    pub command: CalendarCommand,
}

impl CalendarArgs {
    /// Whether the command changes the stored calendar.
    pub(crate) fn writes(&self) -> bool {
        matches!(
            self.command,
            CalendarCommand::Import(_) | CalendarCommand::Close(_) | CalendarCommand::Reopen(_)
        )
    }
}

#[derive(Debug, Subcommand)]
pub(crate) enum CalendarCommand {
    /// Import GOV.UK's bank-holidays.json; for the years it covers it replaces the rules
    Import(ImportArgs),
    /// Mark local closure days (e.g. offices closed between Christmas and New Year)
    Close(CloseArgs),
    /// Make closure days working days again
    Reopen(ReopenArgs),
    /// List a year's non-working days other than weekends, and where each comes from
    Show(ShowArgs),
    /// The date N working days after a date
    Add(AddArgs),
    /// Count the working days after one date up to and including another
    Between(BetweenArgs),
}

#[derive(Debug, Args)]
pub(crate) struct ImportArgs {
    /// A bank-holidays.json file in GOV.UK's format (https://www.gov.uk/bank-holidays.json)
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
}

#[derive(Debug, Args)]
pub(crate) struct CloseArgs {
    /// First day closed
    #[arg(value_name = "DATE", value_parser = parse_date_arg)]
    pub date: NaiveDate,
    /// Last day closed, inclusive [default: DATE]
    #[arg(long, value_name = "DATE", value_parser = parse_date_arg)]
    pub to: Option<NaiveDate>,
    /// Why the office is closed (shown wherever the day is listed as not a working day)
    #[arg(long, value_name = "TEXT")]
    pub reason: String,
    /// Close it for the whole partnership (shared by `escalate sync`), not only your agency
    #[arg(long)]
    pub partnership: bool,
}

#[derive(Debug, Args)]
pub(crate) struct ReopenArgs {
    /// Closure day to remove
    #[arg(value_name = "DATE", value_parser = parse_date_arg)]
    pub date: NaiveDate,
    /// Remove every closure day from DATE to this one, inclusive
    #[arg(long, value_name = "DATE", value_parser = parse_date_arg)]
    pub to: Option<NaiveDate>,
    /// Reopen a day closed with `close --partnership`
    #[arg(long)]
    pub partnership: bool,
}

#[derive(Debug, Args)]
pub(crate) struct ShowArgs {
    /// Year to list [default: this year]
    #[arg(long, value_name = "YYYY", value_parser = clap::value_parser!(i32).range(1000..=9999))]
    pub year: Option<i32>,
    /// Bank-holiday division: england-and-wales, scotland or northern-ireland [default: the `division` setting, else england-and-wales]
    #[arg(long, value_name = "DIVISION", value_parser = parse_division_arg)]
    pub division: Option<Division>,
}

#[derive(Debug, Args)]
pub(crate) struct AddArgs {
    /// The day counting starts from (not itself counted)
    #[arg(value_name = "DATE", value_parser = parse_date_arg)]
    pub date: NaiveDate,
    /// How many working days to add (0 = DATE, or the next working day)
    #[arg(value_name = "N", value_parser = clap::value_parser!(u32).range(0..=i64::from(MAX_WORKING_DAYS)))]
    pub n: u32,
    /// Bank-holiday division: england-and-wales, scotland or northern-ireland [default: the `division` setting, else england-and-wales]
    #[arg(long, value_name = "DIVISION", value_parser = parse_division_arg)]
    pub division: Option<Division>,
}

#[derive(Debug, Args)]
pub(crate) struct BetweenArgs {
    /// Start (not counted)
    #[arg(value_name = "FROM", value_parser = parse_date_arg)]
    pub from: NaiveDate,
    /// End (counted if it is a working day)
    #[arg(value_name = "TO", value_parser = parse_date_arg)]
    pub to: NaiveDate,
    /// Bank-holiday division: england-and-wales, scotland or northern-ireland [default: the `division` setting, else england-and-wales]
    #[arg(long, value_name = "DIVISION", value_parser = parse_division_arg)]
    pub division: Option<Division>,
}

/// `--division` if given, else the `division` setting, else England and Wales (the
/// division of every built-in policy).
fn division(arg: Option<Division>, ctx: &Ctx) -> Result<Division> {
    Ok(match arg {
        Some(d) => d,
        None => ctx.config()?.division.unwrap_or(Division::EnglandAndWales),
    })
}

fn parse_division_arg(s: &str) -> std::result::Result<Division, String> {
    s.parse::<Division>().map_err(|e| e.to_string())
}

pub(crate) fn run(args: CalendarArgs, ctx: &Ctx) -> Result<Output> {
    match args.command {
        CalendarCommand::Import(a) => import(a, ctx),
        CalendarCommand::Close(a) => close(a, ctx),
        CalendarCommand::Reopen(a) => reopen(a, ctx),
        CalendarCommand::Show(a) => show(a, ctx),
        CalendarCommand::Add(a) => add(a, ctx),
        CalendarCommand::Between(a) => between(a, ctx),
    }
}

/// Compare every open dispute's deadline under the calendar this process
/// started with and under `after`, so the person making the change sees
/// what it did. A journal that cannot be read is left out with a warning:
/// the change itself is already stored.
fn moved_deadlines(ctx: &Ctx, after: &LocalCalendar) -> Result<Vec<render::Moved>> {
    let s = ctx.session()?;
    let new = Calendars::from_local(after.clone());
    let mut out = Vec::new();
    let mut progress = crate::cli::progress::Progress::new(
        ctx,
        if crate::cli::progress::Progress::wanted(ctx) {
            s.store.ids()?.len()
        } else {
            0
        },
        "Rechecking deadlines",
    );
    // Each dispute's current state is all a deadline needs: the status cache
    // serves the unchanged ones, as for `status`.
    s.each_state(
        |_, loaded| loaded,
        |id, loaded| {
            progress.inc();
            let l = match loaded {
                Ok(l) => l,
                Err(e) => {
                    progress.suspend(|| ctx.ui.warn(&format!("dispute {id} was not checked: {e}")));
                    return;
                }
            };
            let p = &l.policy.policy;
            let division = s.division_of(p);
            let before = l.dispute.due(p, &s.calendar(division));
            let now = l.dispute.due(p, &new.get(division));
            if let (Some(b), Some(a)) = (before, now) {
                if b.date != a.date {
                    out.push(render::Moved {
                        id: id.to_string(),
                        policy: p.id.clone(),
                        stage: l.dispute.stage,
                        from: b.date,
                        to: a.date,
                    });
                }
            }
        },
    )?;
    Ok(out)
}

fn read_import_file(path: &Path) -> Result<String> {
    let bytes = escalate_core::store::fsutil::read_user_file(path, MAX_FILE_BYTES).map_err(|e| {
        if e.kind() == std::io::ErrorKind::FileTooLarge {
            Error::refused(format!(
                "{} is larger than {MAX_FILE_BYTES} bytes; GOV.UK's bank-holidays.json is about 20 KB",
                path.display()
            ))
        } else {
            Error::io(format!("could not read {}", path.display()), e)
        }
    })?;
    String::from_utf8(bytes)
        .map_err(|_| Error::refused(format!("{} is not UTF-8 text", path.display())))
}

fn import(args: ImportArgs, ctx: &Ctx) -> Result<Output> {
    let s = ctx.session()?;
    let text = read_import_file(&args.file)?;
    let imported = ImportedHolidays::parse_govuk_json(&text).map_err(|e| {
        Error::refused(format!("{}: {e}", args.file.display())).with_hint(
            "Nothing was changed. Import GOV.UK's file as published: download https://www.gov.uk/bank-holidays.json and import it unedited.",
        )
    })?;
    let after = LocalCalendar {
        imported: Some(imported.clone()),
        closures: s.calendars.local().closures.clone(),
    };
    let stored = CalendarFiles::new(s.store.root()).store_import(&imported)?;
    let divisions: Vec<render::ImportedDivision> = Division::ALL
        .into_iter()
        .filter_map(|d| {
            let years: Vec<i32> = imported.years(d).into_iter().collect();
            (!years.is_empty()).then(|| render::ImportedDivision {
                division: d,
                holidays: imported.holidays(d).len(),
                calendar: after.calendar(d).describe(),
                years,
            })
        })
        .collect();
    let report = render::ImportReport {
        file: &args.file,
        moved: moved_deadlines(ctx, &after)?,
        stored: stored.path,
        changed: stored.changed,
        backup: stored.backup,
        divisions,
        differences: imported.differences_from_rules(),
    };
    if ctx.json {
        return Ok(Output::json(&report));
    }
    Ok(Output::Text(render::import(&report)))
}

#[derive(Serialize)]
struct CloseReport {
    reason: String,
    closed: Vec<NaiveDate>,
    updated: Vec<NaiveDate>,
    unchanged: Vec<NaiveDate>,
    weekends_not_stored: Vec<NaiveDate>,
    closure_days: usize,
    moved: Vec<render::Moved>,
}

/// This agency's closure days, or (`--partnership`) the partnership's shared ones.
fn closure_files(root: &std::path::Path, partnership: bool) -> CalendarFiles {
    if partnership {
        CalendarFiles::partnership(root)
    } else {
        CalendarFiles::new(root)
    }
}

fn close(args: CloseArgs, ctx: &Ctx) -> Result<Output> {
    let s = ctx.session()?;
    let reason = required("--reason", &args.reason, MAX_SHORT)?;
    let to = args.to.unwrap_or(args.date);
    let outcome = closure_files(s.store.root(), args.partnership)
        .close(args.date, to, &reason, s.now, &s.actor)?;
    let report = CloseReport {
        moved: moved_deadlines(ctx, &outcome.closures)?,
        reason,
        closure_days: outcome.closures.closures.len(),
        closed: outcome.added,
        updated: outcome.updated,
        unchanged: outcome.unchanged,
        weekends_not_stored: outcome.weekends,
    };
    if ctx.json {
        return Ok(Output::json(&report));
    }
    let mut out = String::new();
    if !report.closed.is_empty() {
        out.push_str(&format!(
            "Closed {} ({} day{}): {}.\n",
            render::span(args.date, to),
            report.closed.len(),
            if report.closed.len() == 1 { "" } else { "s" },
            report.reason
        ));
    }
    if !report.updated.is_empty() {
        out.push_str(&format!(
            "Already closed, reason now \"{}\": {}.\n",
            report.reason,
            render::dates(&report.updated)
        ));
    }
    if !report.unchanged.is_empty() {
        out.push_str(&format!(
            "Already closed for that reason: {}.\n",
            render::dates(&report.unchanged)
        ));
    }
    if !report.weekends_not_stored.is_empty() {
        out.push_str(&format!(
            "Not stored (weekends are never working days): {}.\n",
            render::dates(&report.weekends_not_stored)
        ));
    }
    out.push_str(&render::moved(&report.moved));
    Ok(Output::Text(out))
}

#[derive(Serialize)]
struct Reopened {
    date: NaiveDate,
    reason: String,
}

#[derive(Serialize)]
struct ReopenReport {
    reopened: Vec<Reopened>,
    closure_days: usize,
    moved: Vec<render::Moved>,
}

fn reopen(args: ReopenArgs, ctx: &Ctx) -> Result<Output> {
    let s = ctx.session()?;
    let to = args.to.unwrap_or(args.date);
    let outcome = closure_files(s.store.root(), args.partnership).reopen(args.date, to)?;
    let report = ReopenReport {
        moved: moved_deadlines(ctx, &outcome.closures)?,
        closure_days: outcome.closures.closures.len(),
        reopened: outcome
            .removed
            .into_iter()
            .map(|c| Reopened {
                date: c.date,
                reason: c.reason,
            })
            .collect(),
    };
    if ctx.json {
        return Ok(Output::json(&report));
    }
    let mut out = String::new();
    for r in &report.reopened {
        out.push_str(&format!(
            "Reopened {} (was closed: {}).\n",
            human_date(r.date),
            r.reason
        ));
    }
    out.push_str(&render::moved(&report.moved));
    Ok(Output::Text(out))
}

#[derive(Serialize)]
struct Day {
    date: NaiveDate,
    weekday: String,
    name: String,
    origin: Origin,
    /// Where a one-off change was confirmed.
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<&'static str>,
    /// The local closure reason, when a bank holiday is also a closure day.
    #[serde(skip_serializing_if = "Option::is_none")]
    also_closed: Option<String>,
}

#[derive(Serialize)]
struct YearReport {
    division: Division,
    year: i32,
    calendar: String,
    days: Vec<Day>,
}

fn one_off_source(division: Division, h: &Holiday) -> Option<&'static str> {
    one_offs()
        .iter()
        .filter(|o| o.year == h.date.year() && o.divisions.contains(&division))
        .find(|o| {
            let (month, day) = match o.action {
                OneOffAction::Add { month, day } => (month, day),
                OneOffAction::Move { to, .. } => to,
                OneOffAction::Remove { .. } => return false,
            };
            h.date.month() == month && h.date.day() == day
        })
        .map(|o| o.source)
}

fn origin_label(o: &Origin) -> &'static str {
    match o {
        Origin::Rule => "rules",
        Origin::OneOff => "one-off",
        Origin::Imported => "GOV.UK import",
        Origin::Closure => "local closure",
    }
}

fn show(args: ShowArgs, ctx: &Ctx) -> Result<Output> {
    let s = ctx.session()?;
    let division = division(args.division, ctx)?;
    let year = args
        .year
        .unwrap_or_else(|| clock::london_date(&s.now).year());
    let cal = s.calendar(division);
    let closures = &s.calendars.local().closures;
    let days: Vec<Day> = cal
        .holidays_in_year(year)
        .into_iter()
        .filter(|h| !matches!(h.date.weekday(), Weekday::Sat | Weekday::Sun))
        .map(|h| Day {
            weekday: h.date.format("%A").to_string(),
            source: if h.origin == Origin::OneOff {
                one_off_source(division, &h)
            } else {
                None
            },
            also_closed: if h.origin == Origin::Closure {
                None
            } else {
                closures.get(&h.date).map(|c| c.reason.clone())
            },
            date: h.date,
            name: h.name,
            origin: h.origin,
        })
        .collect();
    let report = YearReport {
        division,
        year,
        calendar: cal.describe(),
        days,
    };
    if ctx.json {
        return Ok(Output::json(&report));
    }
    let mut out = format!(
        "{} {}: non-working days other than weekends\nCalendar: {}\n\n",
        division.title(),
        year,
        report.calendar
    );
    if report.days.is_empty() {
        out.push_str("None.\n");
    }
    for d in &report.days {
        let mut origin = origin_label(&d.origin).to_owned();
        if let Some(reason) = &d.also_closed {
            origin.push_str(&format!("; also a local closure: {reason}"));
        }
        out.push_str(&format!(
            "{:<16}  {:<45}  {}\n",
            human_date(d.date),
            d.name,
            origin
        ));
    }
    let sourced: Vec<&Day> = report.days.iter().filter(|d| d.source.is_some()).collect();
    if !sourced.is_empty() {
        out.push_str("\nSources of the one-off changes:\n");
        for d in sourced {
            out.push_str(&format!(
                "  {}: {}\n",
                human_date(d.date),
                d.source.unwrap_or_default()
            ));
        }
    }
    Ok(Output::Text(out))
}

/// The non-working days in (from, to] other than weekends, and how many
/// weekend days there were.
fn skipped(cal: &Calendar, from: NaiveDate, to: NaiveDate) -> (Vec<render::Skipped>, usize) {
    let mut list = Vec::new();
    let mut weekends = 0;
    for date in from.iter_days().skip(1).take_while(|d| *d <= to) {
        if matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
            weekends += 1;
        } else if let Some(reason) = cal.non_working_reason(date) {
            list.push(render::Skipped { date, reason });
        }
    }
    (list, weekends)
}

#[derive(Serialize)]
struct AddReport {
    from: NaiveDate,
    working_days: u32,
    date: NaiveDate,
    calendar: String,
    skipped: Vec<render::Skipped>,
    weekend_days: usize,
}

fn add(args: AddArgs, ctx: &Ctx) -> Result<Output> {
    let cal = ctx.session()?.calendar(division(args.division, ctx)?);
    let date = cal.add_working_days(args.date, args.n);
    if (date - args.date).num_days() > MAX_SPAN_DAYS {
        return Err(Error::refused(format!(
            "{} working days after {} is more than a century away",
            args.n,
            human_date(args.date)
        )));
    }
    let (skipped, weekend_days) = skipped(&cal, args.date, date);
    let report = AddReport {
        from: args.date,
        working_days: args.n,
        date,
        calendar: cal.describe(),
        skipped,
        weekend_days,
    };
    if ctx.json {
        return Ok(Output::json(&report));
    }
    let how = if args.n == 0 {
        format!(
            "the first working day on or after {}",
            human_date(args.date)
        )
    } else {
        format!(
            "{} working day{} after {}",
            args.n,
            if args.n == 1 { "" } else { "s" },
            human_date(args.date)
        )
    };
    Ok(Output::Text(format!(
        "{} ({how}, {})\n{}",
        human_date(date),
        report.calendar,
        render::skipped(&report.skipped, report.weekend_days)
    )))
}

#[derive(Serialize)]
struct BetweenReport {
    from: NaiveDate,
    to: NaiveDate,
    working_days: i64,
    calendar: String,
    skipped: Vec<render::Skipped>,
    weekend_days: usize,
}

fn between(args: BetweenArgs, ctx: &Ctx) -> Result<Output> {
    if args.to < args.from {
        return Err(Error::usage(format!(
            "{} is before {}",
            human_date(args.to),
            human_date(args.from)
        ))
        .with_hint("Give the earlier date first: `escalate calendar between FROM TO`."));
    }
    if (args.to - args.from).num_days() > MAX_SPAN_DAYS {
        return Err(Error::refused(format!(
            "{} to {} is more than a century",
            human_date(args.from),
            human_date(args.to)
        )));
    }
    let cal = ctx.session()?.calendar(division(args.division, ctx)?);
    let n = cal.working_days_between(args.from, args.to);
    let (skipped, weekend_days) = skipped(&cal, args.from, args.to);
    let report = BetweenReport {
        from: args.from,
        to: args.to,
        working_days: n,
        calendar: cal.describe(),
        skipped,
        weekend_days,
    };
    if ctx.json {
        return Ok(Output::json(&report));
    }
    Ok(Output::Text(format!(
        "{n} working day{} after {} up to and including {} ({})\n{}",
        if n == 1 { "" } else { "s" },
        human_date(args.from),
        human_date(args.to),
        report.calendar,
        render::skipped(&report.skipped, report.weekend_days)
    )))
}
