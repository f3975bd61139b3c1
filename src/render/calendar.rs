//! The calendar commands' words: what an import or a closure changed, which
//! deadlines moved, and which days a count of working days skipped.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::Serialize;

use escalate_core::calendar::{Difference, Division};
use escalate_core::domain::clock::human_date;

/// An open dispute whose deadline a calendar change moved.
#[derive(Debug, Serialize)]
pub(crate) struct Moved {
    pub id: String,
    pub policy: String,
    pub stage: u32,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

#[derive(Serialize)]
pub(crate) struct ImportedDivision {
    pub division: Division,
    pub years: Vec<i32>,
    pub holidays: usize,
    pub calendar: String,
}

#[derive(Serialize)]
pub(crate) struct ImportReport<'a> {
    pub file: &'a Path,
    pub stored: PathBuf,
    pub changed: bool,
    pub backup: Option<PathBuf>,
    pub divisions: Vec<ImportedDivision>,
    pub differences: Vec<Difference>,
    pub moved: Vec<Moved>,
}

#[derive(Serialize)]
pub(crate) struct Skipped {
    pub date: NaiveDate,
    pub reason: String,
}

/// What `calendar import` did, in words.
pub(crate) fn import(report: &ImportReport) -> String {
    let mut out = format!(
        "Imported GOV.UK bank holidays from {}.\n",
        report.file.display()
    );
    out.push_str("For the years it covers the import, not the rules, decides:\n");
    for d in &report.divisions {
        out.push_str(&format!(
            "  {}: {} bank holidays, {}\n",
            d.division.title(),
            d.holidays,
            years(&d.years)
        ));
    }
    if report.differences.is_empty() {
        out.push_str("It agrees with the rules for every year it covers.\n");
    } else {
        out.push_str(&format!(
            "It differs from the rules on {} day{}:\n",
            report.differences.len(),
            if report.differences.len() == 1 {
                ""
            } else {
                "s"
            }
        ));
        for d in &report.differences {
            out.push_str(&format!("  {d}\n"));
        }
        out.push_str(
            "Where they differ the import decides. If the file is older than an announced change, import a newer copy.\n",
        );
    }
    out.push_str(&moved(&report.moved));
    match (&report.backup, report.changed) {
        (_, false) => out.push_str(&format!(
            "{} already held exactly this import.\n",
            report.stored.display()
        )),
        (Some(bak), true) => out.push_str(&format!(
            "Stored in {}; the previous import is kept as {}.\n",
            report.stored.display(),
            bak.display()
        )),
        (None, true) => out.push_str(&format!("Stored in {}.\n", report.stored.display())),
    }
    out
}

pub(crate) fn moved(moved: &[Moved]) -> String {
    if moved.is_empty() {
        return "No open dispute's deadline moved.\n".to_owned();
    }
    let mut out = format!(
        "Deadlines moved ({} open dispute{}):\n",
        moved.len(),
        if moved.len() == 1 { "" } else { "s" }
    );
    for m in moved {
        out.push_str(&format!(
            "  {} ({} stage {}): {} -> {}\n",
            m.id,
            m.policy,
            m.stage,
            human_date(m.from),
            human_date(m.to)
        ));
    }
    out
}

/// "2012 to 2027 except 2016": GOV.UK files cover runs of years, and a gap
/// matters because the rules decide the missing year.
pub(crate) fn years(years: &[i32]) -> String {
    let (Some(&first), Some(&last)) = (years.first(), years.last()) else {
        return String::new();
    };
    if first == last {
        return first.to_string();
    }
    let missing: Vec<String> = (first..=last)
        .filter(|y| !years.contains(y))
        .map(|y| y.to_string())
        .collect();
    if missing.is_empty() {
        format!("{first} to {last}")
    } else {
        format!("{first} to {last} except {}", missing.join(", "))
    }
}

pub(crate) fn span(from: NaiveDate, to: NaiveDate) -> String {
    if from == to {
        human_date(from)
    } else {
        format!("{} to {}", human_date(from), human_date(to))
    }
}

pub(crate) fn dates(list: &[NaiveDate]) -> String {
    list.iter()
        .map(|d| human_date(*d))
        .collect::<Vec<_>>()
        .join(", ")
}

pub(crate) fn skipped(list: &[Skipped], weekends: usize) -> String {
    let mut parts: Vec<String> = list
        .iter()
        .map(|s| format!("{} ({})", human_date(s.date), s.reason))
        .collect();
    if weekends > 0 {
        parts.push(format!(
            "{weekends} weekend day{}",
            if weekends == 1 { "" } else { "s" }
        ));
    }
    if parts.is_empty() {
        return String::new();
    }
    format!("Not counted: {}.\n", parts.join("; "))
}
