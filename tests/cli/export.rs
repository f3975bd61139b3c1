//! `escalate export`: CSV rows and an iCalendar file that parses, including other
//! data directories with where each dispute came from.

use crate::support::quarter::{open_dated, quarter};
use crate::support::reports::november;
use crate::support::Env;
use serde_json::Value;

#[test]
fn export_includes_other_directories_and_says_where_each_dispute_came_from() {
    let a = quarter();
    let mut b = Env::new();
    b.now("2027-01-15T12:00:00Z");
    let own = open_dated(&b, "Health visiting", "CSC", None, "2026-11-16T10:00:00Z");
    let copied = std::fs::read_dir(a.data().join("disputes"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .unwrap();
    std::fs::copy(
        &copied,
        b.data().join("disputes").join(copied.file_name().unwrap()),
    )
    .unwrap();
    let before = b.snapshot();
    let dir_b = b.data().display().to_string();
    let plain = a.ok(&["export", "--format", "jsonl", "--all"]);
    let lines = a.ok(&[
        "export",
        "--format",
        "jsonl",
        "--all",
        "--include-dir",
        &dir_b,
    ]);
    let rows: Vec<Value> = lines
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // A's four, and B's own once (the copy is A's).
    assert_eq!(rows.len(), 5, "{lines}");
    assert_eq!(plain.lines().count(), 4);
    let from_b: Vec<&str> = rows
        .iter()
        .filter(|r| r["directory"] == dir_b.as_str())
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(from_b, [own.as_str()]);
    assert!(!plain.contains("\"directory\""));
    let csv = a.ok(&[
        "export",
        "--format",
        "csv",
        "--all",
        "--include-dir",
        &dir_b,
    ]);
    assert!(csv
        .lines()
        .next()
        .unwrap()
        .ends_with(",working_days_overdue,sealed,erased,directory"));
    assert_eq!(
        csv.lines().filter(|l| l.ends_with(&dir_b)).count(),
        1,
        "{csv}"
    );
    assert_eq!(before, b.snapshot());
}

#[test]
fn export_rows_and_a_calendar_that_parses() {
    use icalendar::{Calendar, CalendarComponent, Component};
    let mut env = Env::new();
    let ids = november(&mut env);
    env.now("2026-12-15T12:00:00Z");
    let jsonl = env.ok(&["export", "--format", "jsonl"]);
    let open: Vec<Value> = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(open.len(), 2);
    let all = env.ok(&["export", "--format", "jsonl", "--all"]);
    assert_eq!(all.lines().count(), 5);
    let csv = env.ok(&["export", "--format", "csv", "--all"]);
    assert_eq!(csv.lines().count(), 6);
    assert!(csv.starts_with("id,policy,state,stage,"), "{csv}");

    let ics = env.ok(&["export", "--format", "ics"]);
    let parsed: Calendar = ics.parse().unwrap_or_else(|e| panic!("{e}\n{ics}"));
    let events: Vec<_> = parsed
        .components
        .iter()
        .filter_map(|c| match c {
            CalendarComponent::Event(e) => Some(e),
            _ => None,
        })
        .collect();
    assert_eq!(events.len(), 2, "{ics}");
    let a = events
        .iter()
        .find(|e| e.get_uid().is_some_and(|u| u.starts_with(&ids[0])))
        .expect("event for a");
    assert_eq!(
        a.get_uid(),
        Some(format!("{}-stage-2@escalate", ids[0]).as_str())
    );
    assert!(a.get_summary().unwrap().contains("Stage 2 due"));
    assert!(!ics.contains("LCS-"), "no child references in calendars");
    // Exporting again after a change keeps the UID.
    env.ok(&["discuss", &ids[0], "--note", "n"]);
    let again = env.ok(&["export", "--format", "ics"]);
    assert!(again.contains(&format!("UID:{}-stage-2@escalate", ids[0])));
}
