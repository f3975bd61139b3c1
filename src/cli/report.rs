//! `escalate report`: the month-end figures, as a table, JSON or CSV.

use chrono::NaiveDate;
use clap::{Args, ValueEnum};

use super::{parse_date_arg, warn, Ctx, Output};
use crate::error::{Error, Result};
use crate::report::{Builder, Filter, Period, Report};

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Format {
    Table,
    Json,
    Csv,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The calendar month to report (YYYY-MM)
    #[arg(long, value_name = "YYYY-MM", conflicts_with_all = ["from", "to"], required_unless_present_all = ["from", "to"])]
    pub month: Option<String>,
    /// First day of the period (inclusive)
    #[arg(long, value_name = "DATE", value_parser = parse_date_arg, requires = "to")]
    pub from: Option<NaiveDate>,
    /// Last day of the period (inclusive)
    #[arg(long, value_name = "DATE", value_parser = parse_date_arg, requires = "from")]
    pub to: Option<NaiveDate>,
    /// Only disputes under this policy
    #[arg(long, value_name = "ID")]
    pub policy: Option<String>,
    /// Only disputes raised by or with this agency
    #[arg(long, value_name = "AGENCY")]
    pub agency: Option<String>,
    /// Output format (--json is the same as --format json)
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
}

/// How far back a period may start and still be counted from cached states.
const RECENT_DAYS: i64 = 92;

pub fn run(args: ReportArgs, ctx: &Ctx) -> Result<Output> {
    let s = &ctx.session;
    let period = match (&args.month, args.from, args.to) {
        (Some(m), _, _) => Period::month(m).ok_or_else(|| {
            Error::usage(format!("--month {m:?} is not a month"))
                .with_hint("Write the month as YYYY-MM, e.g. 2026-11.")
        })?,
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
    if let Some(p) = &args.policy {
        s.catalogue.get(p)?;
    }
    let mut builder = Builder::new(
        period,
        Filter {
            policy: args.policy.clone(),
            agency: args.agency.clone(),
        },
        s.now,
    );
    // Each dispute is measured on the thread that read it; totals are kept here.
    let measurer = builder.measurer();
    let measure = |id: &crate::id::DisputeId, loaded: Result<crate::ops::Loaded>| {
        let l = match loaded {
            Ok(l) if l.dispute.records.is_empty() && measurer.needs_lines(&l.dispute) => {
                s.load(id)?
            }
            other => other?,
        };
        Ok(measurer.measure(&l.dispute, &l.policy.policy, &s.calendar_for(&l.policy)))
    };
    let mut absorb =
        |id: crate::id::DisputeId, part: Result<Option<crate::report::Contribution>>| match part {
            Ok(Some(c)) => builder.absorb(c),
            Ok(None) => {}
            Err(e) => {
                warn(&format!("dispute {id} is left out of the report: {e}"));
                builder.skip(id.as_str());
            }
        };
    // A recent period needs the lines of only the few disputes active since it
    // began, so cached states serve the rest; an old one needs nearly every
    // journal's lines, and reading them straight is quicker than consulting the
    // cache first. Either way the figures are the same (tested).
    if s.now - period.start() <= chrono::Duration::days(RECENT_DAYS) {
        s.each_state(measure, &mut absorb)?;
    } else {
        s.each_mapped(measure, &mut absorb)?;
    }
    let report = builder.finish();
    let format = if ctx.json { Format::Json } else { args.format };
    Ok(match format {
        Format::Json => Output::json(&report),
        Format::Csv => Output::Text(csv(&report, max_stage(ctx))),
        Format::Table => Output::Text(table(&report)),
    })
}

/// The highest stage number any known policy has: CSV columns stay the same from
/// month to month whatever happened.
fn max_stage(ctx: &Ctx) -> u32 {
    ctx.session
        .catalogue
        .policies()
        .into_iter()
        .map(|p| p.policy.last_stage())
        .max()
        .unwrap_or(1)
}

fn csv(r: &Report, stages: u32) -> String {
    use crate::render::csv::row;
    let mut header: Vec<String> = ["from", "to", "policy", "opened", "escalations"]
        .map(String::from)
        .to_vec();
    header.extend((1..=stages).map(|n| format!("entered_stage_{n}")));
    header.push("resolved".into());
    header.extend((1..=stages).map(|n| format!("resolved_at_stage_{n}")));
    header.extend(
        [
            "reopened",
            "open_at_end",
            "overdue_at_end",
            "median_working_days_to_resolve",
        ]
        .map(String::from),
    );
    let mut out = row(&header);
    let line = |name: &str, f: &crate::report::Figures| {
        let stage = |m: &std::collections::BTreeMap<String, u64>, n: u32| {
            m.get(&n.to_string()).copied().unwrap_or(0).to_string()
        };
        let mut cells = vec![
            r.from.to_string(),
            r.to.to_string(),
            name.to_owned(),
            f.opened.to_string(),
            f.escalations.to_string(),
        ];
        cells.extend((1..=stages).map(|n| stage(&f.entered_stage, n)));
        cells.push(f.resolved.to_string());
        cells.extend((1..=stages).map(|n| stage(&f.resolved_at_stage, n)));
        cells.push(f.reopened.to_string());
        cells.push(f.open_at_end.to_string());
        cells.push(f.overdue_at_end.to_string());
        cells.push(
            f.median_working_days_to_resolve
                .map(|m| m.to_string())
                .unwrap_or_default(),
        );
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
    let mut header = vec!["".to_owned(), "total".to_owned()];
    header.extend(r.by_policy.keys().cloned());
    t.set_header(header);
    let stages: std::collections::BTreeSet<u32> = r
        .total
        .entered_stage
        .keys()
        .chain(r.total.resolved_at_stage.keys())
        .filter_map(|k| k.parse().ok())
        .collect();
    let figures: Vec<&crate::report::Figures> = std::iter::once(&r.total)
        .chain(r.by_policy.values())
        .collect();
    let mut add = |label: String, get: &dyn Fn(&crate::report::Figures) -> String| {
        let mut cells = vec![label];
        cells.extend(figures.iter().map(|f| get(f)));
        t.add_row(cells);
    };
    add("Opened".into(), &|f| f.opened.to_string());
    add("Escalations (stage moves)".into(), &|f| {
        f.escalations.to_string()
    });
    let named = |n: &u32| match r.total.stage_labels.get(&n.to_string()) {
        Some(label) => format!("{n} ({label})"),
        None => n.to_string(),
    };
    for n in &stages {
        let key = n.to_string();
        add(format!("Entered stage {}", named(n)), &|f| {
            f.entered_stage.get(&key).copied().unwrap_or(0).to_string()
        });
    }
    add("Resolved".into(), &|f| f.resolved.to_string());
    for n in &stages {
        let key = n.to_string();
        add(format!("Resolved at stage {}", named(n)), &|f| {
            f.resolved_at_stage
                .get(&key)
                .copied()
                .unwrap_or(0)
                .to_string()
        });
    }
    add("Reopened".into(), &|f| f.reopened.to_string());
    add("Open at end".into(), &|f| f.open_at_end.to_string());
    add("Overdue at end".into(), &|f| f.overdue_at_end.to_string());
    add("Median working days to resolve".into(), &|f| {
        f.median_working_days_to_resolve
            .map(|m| m.to_string())
            .unwrap_or_else(|| "-".into())
    });
    let entered: u64 = r.total.entered_stage.values().sum();
    format!(
        "Escalations {} to {} (Europe/London), generated {}\n\n{t}\n\nEscalations from stage 1 onwards (disputes entering any stage): {entered}\n",
        crate::clock::human_date(r.from),
        crate::clock::human_date(r.to),
        crate::clock::human_instant(&r.generated_at),
    )
}
