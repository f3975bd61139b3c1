//! Month-end figures, richer status filters, show, export and iCalendar output,
//! built from a month of disputes with pinned clocks and backdated events.

use serde_json::{json, Value};

use crate::support::Env;

/// A second policy, to see figures split by policy: GSCB's text under another id.
fn install_second_policy(env: &Env) {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/policies/gscb.toml"))
        .unwrap()
        .replace("id = \"gscb\"", "id = \"gscb-copy\"");
    let dir = env.config().join("policies");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("gscb-copy.toml"), text).unwrap();
}

fn open(env: &Env, policy: &str, from: &str, with: &str, at: &str) -> String {
    env.json(&crate::support::open_between(
        policy,
        (from, with),
        &["--at", at],
    ))["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// November 2026 (all GMT) with events either side of both month boundaries.
fn november(env: &mut Env) -> Vec<String> {
    install_second_policy(env);
    env.now("2026-12-15T12:00:00Z");
    // Opened in October, escalated in November, still open at the end: overdue?
    let a = open(env, "gscb", "School", "CSC", "2026-10-28T10:00:00Z");
    env.ok(&["discuss", &a, "--note", "n", "--at", "2026-10-29T10:00:00Z"]);
    env.ok(&[
        "escalate",
        &a,
        "--reason",
        "r",
        "--at",
        "2026-11-02T10:00:00Z",
    ]); // stage 2 due Mon 9 Nov
        // Opened and resolved in November: 2 stage moves.
    let b = open(env, "gscb", "GP", "CSC", "2026-11-03T09:00:00Z");
    env.ok(&["discuss", &b, "--note", "n", "--at", "2026-11-03T10:00:00Z"]);
    env.ok(&[
        "escalate",
        &b,
        "--reason",
        "r",
        "--at",
        "2026-11-04T10:00:00Z",
    ]);
    env.ok(&["discuss", &b, "--note", "n", "--at", "2026-11-05T10:00:00Z"]);
    env.ok(&[
        "escalate",
        &b,
        "--reason",
        "r",
        "--at",
        "2026-11-06T10:00:00Z",
    ]);
    env.ok(&[
        "resolve",
        &b,
        "--outcome",
        "o",
        "--at",
        "2026-11-10T10:00:00Z",
    ]); // 5 working days after 3 Nov
        // Second policy, opened the last evening of November, resolved in December.
    let c = open(env, "gscb-copy", "Police", "Health", "2026-11-30T23:59:00Z");
    env.ok(&[
        "resolve",
        &c,
        "--outcome",
        "o",
        "--at",
        "2026-12-01T00:01:00Z",
    ]);
    // Opened in December: outside the month entirely.
    open(env, "gscb", "School", "CSC", "2026-12-01T00:00:00Z");
    // Opened and resolved in November (3 working days), under the second policy.
    let e = open(env, "gscb-copy", "School", "Police", "2026-11-16T09:00:00Z");
    env.ok(&[
        "resolve",
        &e,
        "--outcome",
        "o",
        "--at",
        "2026-11-19T09:00:00Z",
    ]);
    vec![a, b, c, e]
}

#[test]
fn month_figures_in_json() {
    let mut env = Env::new();
    november(&mut env);
    let r = env.json(&["report", "--month", "2026-11"]);
    assert_eq!(r["from"], "2026-11-01");
    assert_eq!(r["to"], "2026-11-30");
    assert_eq!(r["generated_at"], "2026-12-15T12:00:00+00:00");
    assert_eq!(r["opened"], 3);
    assert_eq!(r["escalations"], 3);
    assert_eq!(r["entered_stage"], json!({"1": 3, "2": 2, "3": 1}));
    assert_eq!(r["resolved"], 2);
    assert_eq!(r["resolved_at_stage"], json!({"1": 1, "3": 1}));
    // a (overdue since 9 Nov) and c (resolved a minute into December) were open.
    assert_eq!(r["open_at_end"], 2);
    assert_eq!(r["overdue_at_end"], 1);
    assert_eq!(r["median_working_days_to_resolve"], 4.0);
    assert_eq!(r["by_policy"]["gscb"]["opened"], 1);
    assert_eq!(r["by_policy"]["gscb"]["escalations"], 3);
    assert_eq!(
        r["by_policy"]["gscb"]["median_working_days_to_resolve"],
        5.0
    );
    assert_eq!(r["by_policy"]["gscb-copy"]["opened"], 2);
    assert_eq!(r["by_policy"]["gscb-copy"]["open_at_end"], 1);
    assert_eq!(
        r["by_agency"]["raising"],
        json!({"GP": 1, "Police": 1, "School": 1})
    );
    assert_eq!(
        r["by_agency"]["challenged"],
        json!({"CSC": 1, "Health": 1, "Police": 1})
    );

    let f = env.json(&["report", "--month", "2026-11", "--policy", "gscb-copy"]);
    assert_eq!(f["opened"], 2);
    assert!(f["by_policy"].get("gscb").is_none());
    let f = env.json(&["report", "--month", "2026-11", "--agency", "police"]);
    assert_eq!(f["opened"], 2);
    let f = env.json(&["report", "--from", "2026-11-30", "--to", "2026-12-01"]);
    assert_eq!(f["opened"], 2);
    assert_eq!(f["resolved"], 1);
}

#[test]
fn month_figures_in_csv_sum_to_the_total() {
    let mut env = Env::new();
    november(&mut env);
    let csv = env.ok(&["report", "--month", "2026-11", "--format", "csv"]);
    let rows: Vec<Vec<&str>> = csv
        .lines()
        .map(|l| l.trim_end_matches('\r').split(',').collect())
        .collect();
    let header = &rows[0];
    assert_eq!(
        &header[..5],
        ["from", "to", "policy", "opened", "escalations"]
    );
    let col = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .unwrap_or_else(|| panic!("no column {name}"))
    };
    assert_eq!(rows.len(), 4, "gscb, gscb-copy, total:\n{csv}");
    assert_eq!(rows[3][col("policy")], "total");
    for name in [
        "opened",
        "escalations",
        "entered_stage_1",
        "entered_stage_2",
        "resolved",
        "open_at_end",
        "overdue_at_end",
    ] {
        let sum: u64 = rows[1..3]
            .iter()
            .map(|r| r[col(name)].parse::<u64>().unwrap())
            .sum();
        assert_eq!(sum.to_string(), rows[3][col(name)], "{name}");
    }
    assert_eq!(rows[3][col("entered_stage_2")], "2");
    assert_eq!(rows[3][col("median_working_days_to_resolve")], "4");
}

#[test]
fn an_empty_month_is_zeros_not_an_error() {
    let env = Env::new();
    let r = env.json(&["report", "--month", "2026-02"]);
    assert_eq!(r["opened"], 0);
    assert_eq!(r["entered_stage"], json!({}));
    assert_eq!(r["median_working_days_to_resolve"], Value::Null);
    assert_eq!(r["by_policy"], json!({}));
    let csv = env.ok(&["report", "--month", "2026-02", "--format", "csv"]);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 2);
    assert!(
        lines[1].starts_with("2026-02-01,2026-02-28,total,0,0,"),
        "{csv}"
    );
    env.ok(&["report", "--month", "2026-02"]);
    env.fails(2, &["report", "--month", "2026-13"]);
    env.fails(2, &["report", "--from", "2026-03-02", "--to", "2026-03-01"]);
    env.fails(2, &["report"]);
    env.fails(1, &["report", "--month", "2026-02", "--policy", "nope"]);
}

#[test]
fn events_belong_to_the_london_day_they_happened_across_bst() {
    let mut env = Env::new();
    env.now("2026-04-10T12:00:00Z");
    // 23:30 UTC on 31 March is 00:30 on 1 April in London (BST).
    open(&env, "gscb", "School", "CSC", "2026-03-31T23:30:00Z");
    // 23:30 UTC on 29 March is 00:30 BST on 30 March: still March.
    open(&env, "gscb", "School", "CSC", "2026-03-29T23:30:00Z");
    assert_eq!(env.json(&["report", "--month", "2026-03"])["opened"], 1);
    assert_eq!(env.json(&["report", "--month", "2026-04"])["opened"], 1);
    env.now("2026-11-10T12:00:00Z");
    // After the clocks go back (25 Oct 2026) London is UTC again.
    open(&env, "gscb", "School", "CSC", "2026-10-31T23:30:00Z");
    assert_eq!(env.json(&["report", "--month", "2026-10"])["opened"], 1);
}

#[test]
fn status_filters() {
    let mut env = Env::new();
    let ids = november(&mut env);
    env.now("2026-11-20T09:00:00Z");
    let ids_of = |v: Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_owned())
            .collect()
    };
    // On 20 Nov: a (overdue), c not yet opened... status shows the present state of
    // every journal, so c and the December dispute appear too.
    let all_open = ids_of(env.json(&["status"]));
    assert!(all_open.contains(&ids[0]));
    assert_eq!(
        ids_of(env.json(&["status", "--overdue"])),
        vec![ids[0].clone()]
    );
    assert_eq!(
        ids_of(env.json(&["status", "--policy", "gscb-copy"])).len(),
        0
    );
    assert_eq!(
        ids_of(env.json(&["status", "--all", "--policy", "gscb-copy"])).len(),
        2
    );
    assert_eq!(
        ids_of(env.json(&["status", "--all", "--agency", "health"])),
        vec![ids[2].clone()]
    );
    assert_eq!(
        ids_of(env.json(&["status", "--stage", "2"])),
        vec![ids[0].clone()]
    );
    assert!(ids_of(env.json(&["status", "--all"])).contains(&ids[1]));
    let text = env.ok(&["status", "--child", "nobody"]);
    assert!(text.starts_with("No disputes match"), "{text}");
    env.now("2026-12-14T09:00:00Z");
    let soon = ids_of(env.json(&["status", "--due-within", "1"]));
    assert!(
        soon.contains(&ids[0]),
        "overdue ones are due within any window"
    );
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let mut env = Env::new();
    env.now("2026-11-02T09:00:00Z");
    env.open_gscb(&[]);
    env.now("2026-11-23T09:00:00Z");
    let plain = env.ok(&["status"]);
    assert!(!plain.contains('\u{1b}'), "{plain}");
    let coloured = env.ok(&["status", "--color", "always"]);
    assert!(coloured.contains("\u{1b}["), "{coloured}");
}

#[test]
fn show_puts_the_deadline_and_obligations_above_the_timeline() {
    let mut env = Env::new();
    env.now("2026-11-23T16:00:00Z");
    let id = env.open_gscb(&["--cp-plan", "--at", "2026-11-23T09:00:00Z"]);
    env.ok(&[
        "discuss",
        &id,
        "--note",
        "Rang the SW",
        "--with",
        "A. Smith",
    ]);
    env.ok(&["escalate", &id, "--reason", "No agreement"]);
    let text = env.ok(&["show", &id]);
    let due = text.find("Due:").unwrap();
    let outstanding = text.find("Independent Reviewing Officer").unwrap();
    let timeline = text.find("Timeline:").unwrap();
    assert!(due < timeline && outstanding < timeline, "{text}");
    assert!(
        text.contains("Mon 23 Nov 2026 09:00 (recorded Mon 23 Nov 2026 16:00)"),
        "{text}"
    );
    assert!(
        text.contains("discussed at stage 1 with A. Smith: Rang the SW"),
        "{text}"
    );
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
