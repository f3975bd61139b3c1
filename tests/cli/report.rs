//! `escalate report` and the board pack: month figures in JSON, CSV and tables
//! (London days across BST, empty months, CSV months under one header, 80
//! columns), series of periods, breakdowns, the long CSV, Markdown and HTML charts,
//! several data directories, and figures checked against hand counts.

use crate::support::policies::id_of;
use crate::support::quarter::{act, open_dated, quarter};
use crate::support::reports::{november, open_under_policy};
use crate::support::snapshot::redact;
use crate::support::{open_between, Env};
use serde_json::{json, Value};

fn series(env: &Env, extra: &[&str]) -> Value {
    let mut args = vec!["report", "--from", "2026-10-01", "--to", "2026-12-31"];
    args.extend_from_slice(extra);
    env.json(&args)
}

/// The figures a hand count gives, in the order of `FIELDS`.
const FIELDS: [&str; 8] = [
    "opened",
    "escalations",
    "escalations_from_stage_1",
    "resolved",
    "reopened",
    "open_at_end",
    "overdue_at_end",
    "median_working_days_to_resolve",
];

fn figures(v: &Value) -> Vec<Value> {
    FIELDS.iter().map(|f| v[f].clone()).collect()
}

#[test]
fn quarter_by_month_matches_a_hand_count() {
    let env = quarter();
    let s = series(&env, &["--per", "month"]);
    let rows = s["periods"].as_array().unwrap();
    let labels: Vec<&str> = rows.iter().map(|r| r["label"].as_str().unwrap()).collect();
    assert_eq!(labels, ["2026-10", "2026-11", "2026-12"]);
    assert!(rows.iter().all(|r| r["partial"] == false));
    let n = |x: u64| Value::from(x);
    // October: A opened (stage 1); D and A entered stage 2; A and D open and past
    // their stage 2 deadlines (8 and 27 October) at the end.
    assert_eq!(
        figures(&rows[0]),
        [n(1), n(2), n(3), n(0), n(0), n(2), n(2), Value::Null]
    );
    assert_eq!(
        rows[0]["entered_stage"],
        serde_json::json!({"1": 1, "2": 2})
    );
    // November: B opened and entered stage 2; A resolved at stage 2 after 26
    // working days (Mon 5 Oct to Tue 10 Nov); B and D open and overdue.
    assert_eq!(
        figures(&rows[1]),
        [n(1), n(1), n(2), n(1), n(0), n(2), n(2), Value::from(26.0)]
    );
    assert_eq!(rows[1]["resolved_at_stage"], serde_json::json!({"2": 1}));
    // December: C opened and resolved at stage 1 in one working day; B entered
    // stage 3 (due 8 December); B and D open and overdue.
    assert_eq!(
        figures(&rows[2]),
        [n(1), n(1), n(2), n(1), n(0), n(2), n(2), Value::from(1.0)]
    );
    assert_eq!(
        rows[2]["entered_stage"],
        serde_json::json!({"1": 1, "3": 1})
    );
    // The quarter: the months added up; the median over A and C.
    assert_eq!(
        figures(&s["total"]),
        [n(3), n(4), n(7), n(2), n(0), n(2), n(2), Value::from(13.5)]
    );
}

#[test]
fn each_period_of_a_series_is_the_report_of_that_period() {
    let env = quarter();
    let s = series(&env, &["--per", "month"]);
    for (row, month) in s["periods"]
        .as_array()
        .unwrap()
        .iter()
        .zip(["2026-10", "2026-11", "2026-12"])
    {
        let mut alone = env.json(&["report", "--month", month]);
        let mut row = row.clone();
        for v in [&mut alone, &mut row] {
            let o = v.as_object_mut().unwrap();
            o.remove("label");
            o.remove("partial");
        }
        assert_eq!(row, alone, "{month}");
    }
    let whole = env.json(&["report", "--from", "2026-10-01", "--to", "2026-12-31"]);
    assert_eq!(s["total"], whole);
}

#[test]
fn quarters_follow_the_financial_year_unless_the_directory_says_calendar() {
    let env = quarter();
    let q = series(&env, &["--per", "quarter"]);
    assert_eq!(q["year"], "financial");
    assert_eq!(q["periods"][0]["label"], "2026-27 Q3");
    assert_eq!(q["periods"][0]["partial"], false);
    assert_eq!(q["periods"][0]["opened"], 3);
    let y = series(&env, &["--per", "year"]);
    assert_eq!(y["periods"][0]["label"], "2026-27");
    assert_eq!(y["periods"][0]["from"], "2026-10-01");
    assert_eq!(y["periods"][0]["partial"], true);

    std::fs::write(env.data().join("report.toml"), "year = \"calendar\"\n").unwrap();
    let q = series(&env, &["--per", "quarter"]);
    assert_eq!(q["year"], "calendar");
    assert_eq!(q["periods"][0]["label"], "2026 Q4");
    let y = series(&env, &["--per", "year"]);
    assert_eq!(y["periods"][0]["label"], "2026");
    assert_eq!(y["periods"][0]["partial"], true);

    std::fs::write(env.data().join("report.toml"), "year = \"lunar\"\n").unwrap();
    let err = env.fails(
        2,
        &[
            "report",
            "--from",
            "2026-10-01",
            "--to",
            "2026-12-31",
            "--per",
            "year",
        ],
    );
    assert!(err.contains("calendar"), "{err}");
}

#[test]
fn a_period_cut_by_the_range_is_labelled_partial() {
    let env = quarter();
    let s = env.json(&[
        "report",
        "--from",
        "2026-10-15",
        "--to",
        "2026-12-31",
        "--per",
        "month",
    ]);
    let rows = s["periods"].as_array().unwrap();
    assert_eq!(rows[0]["partial"], true);
    assert_eq!(rows[0]["from"], "2026-10-15");
    assert_eq!(rows[0]["to"], "2026-10-31");
    // Only A's escalation on the 20th is left of October.
    assert_eq!(rows[0]["escalations"], 1);
    assert_eq!(rows[1]["partial"], false);
    let table = env.ok(&[
        "report",
        "--from",
        "2026-10-15",
        "--to",
        "2026-12-31",
        "--per",
        "month",
    ]);
    assert!(
        table.contains("2026-10*") && table.contains("2026-10 is partial (Thu 15 Oct 2026"),
        "{table}"
    );
    assert!(table.lines().all(|l| l.chars().count() <= 80), "{table}");
    assert!(table.contains("| Total"), "{table}");
}

#[test]
fn a_series_in_the_wide_csv_keeps_the_frozen_columns() {
    let env = quarter();
    let one = env.ok(&["report", "--month", "2026-11", "--format", "csv"]);
    let s = env.ok(&[
        "report",
        "--from",
        "2026-10-01",
        "--to",
        "2026-12-31",
        "--per",
        "month",
        "--format",
        "csv",
    ]);
    let header = one.lines().next().unwrap();
    assert_eq!(s.lines().next().unwrap(), header);
    assert_eq!(s.lines().filter(|l| l.starts_with("from,")).count(), 1);
    // November's rows are exactly `--month 2026-11`'s.
    for line in one.lines().skip(1) {
        assert!(s.lines().any(|l| l == line), "{line} missing from\n{s}");
    }
    assert!(
        s.lines()
            .any(|l| l.starts_with("2026-10-01,2026-12-31,total,3,4,")),
        "{s}"
    );
}

#[test]
fn breakdowns_by_agency_and_category_match_a_hand_count() {
    let env = quarter();
    let q = series(&env, &[]);
    let b = &q["breakdown"];
    let pick = |v: &Value| {
        [
            "opened",
            "escalations",
            "escalations_from_stage_1",
            "resolved",
            "open_at_end",
        ]
        .map(|f| v[f].as_u64().unwrap())
    };
    // School raised A (opened, escalated, resolved) and D (escalated, still open).
    assert_eq!(pick(&b["raising_agency"]["School"]), [1, 2, 3, 1, 1]);
    assert_eq!(pick(&b["raising_agency"]["GP"]), [1, 2, 3, 0, 1]);
    assert_eq!(pick(&b["raising_agency"]["Police"]), [1, 0, 1, 1, 0]);
    assert_eq!(pick(&b["challenged_agency"]["CSC"]), [2, 2, 4, 2, 1]);
    assert_eq!(
        pick(&b["challenged_agency"]["Children's Social Care"]),
        [1, 2, 3, 0, 1]
    );
    assert_eq!(pick(&b["category"]["levels-of-need"]), [2, 3, 5, 1, 1]);
    assert_eq!(pick(&b["category"]["need-for-action"]), [1, 0, 1, 1, 0]);
    assert_eq!(pick(&b["category"]["(none)"]), [0, 1, 1, 0, 1]);
    let table = env.ok(&["report", "--from", "2026-10-01", "--to", "2026-12-31"]);
    assert!(table.contains("| Agency challenged"), "{table}");
    assert!(table.contains("| levels-of-need"), "{table}");
}

#[test]
fn the_long_csv_has_one_count_a_row() {
    let env = quarter();
    let out = env.ok(&[
        "report",
        "--from",
        "2026-10-01",
        "--to",
        "2026-12-31",
        "--per",
        "month",
        "--format",
        "csv-long",
    ]);
    let mut lines = out.lines();
    assert_eq!(lines.next(), Some("period,dimension,value,figure,count"));
    let rows: Vec<&str> = lines.collect();
    for want in [
        "2026-10,total,,escalations_from_stage_1,3",
        "2026-11,total,,resolved_at_stage_2,1",
        "2026-12,stage,3,entered,1",
        "2026-11,raising_agency,GP,opened,1",
        "2026-12,category,need-for-action,resolved,1",
        "2026-10-01/2026-12-31,total,,opened,3",
        "2026-10-01/2026-12-31,policy,gscb,escalations,4",
        "2026-10-01/2026-12-31,total,,median_working_days_to_resolve,13.5",
    ] {
        assert!(rows.contains(&want), "{want} missing from\n{out}");
    }
    assert!(rows
        .iter()
        .all(|r| r.split(',').count() == 5 || r.contains('"')));
    let month = env.ok(&[
        "report",
        "--month",
        "2026-11",
        "--format",
        "csv-long",
        "--no-header",
    ]);
    assert!(
        month.starts_with("2026-11-01/2026-11-30,total,,opened,1\r\n"),
        "{month:?}"
    );
}

#[test]
fn an_alias_is_counted_under_its_agency_and_look_alikes_are_warned_about() {
    let env = quarter();
    let args = [
        "report",
        "--from",
        "2026-10-01",
        "--to",
        "2026-12-31",
        "--json",
    ];
    let out = env.cmd(&args).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("\"CSC\" and \"Children's Social Care\"")
            && stderr.contains("escalate agency alias \"CSC\" \"Children's Social Care\""),
        "{stderr}"
    );
    let journals = env.snapshot();

    assert!(env.ok(&["agency", "list"]).contains("No agencies"));
    env.ok(&["agency", "add", "Children's Social Care"]);
    env.ok(&["agency", "alias", "CSC", "children's social care"]);
    // A name the list already has, or an agency it does not: refused (exit 1),
    // as any request the data says no to; exit 2 is for a mistyped command line.
    let err = env.fails(1, &["agency", "alias", "csc", "Children's Social Care"]);
    assert!(err.contains("already stands for"), "{err}");
    let err = env.fails(1, &["agency", "alias", "Health", "NHS Trust"]);
    assert!(err.contains("escalate agency add \"NHS Trust\""), "{err}");
    assert_eq!(
        env.ok(&["agency", "list"]),
        "Children's Social Care (also: CSC)\n"
    );
    // The journals keep the names as typed.
    for (path, bytes) in &journals {
        if path.extension().is_some_and(|e| e == "jsonl") {
            assert_eq!(&std::fs::read(path).unwrap(), bytes, "{}", path.display());
        }
    }

    let out = env.cmd(&args).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("look alike"), "{stderr}");
    let q: Value = serde_json::from_slice(&out.stdout).unwrap();
    let challenged = q["breakdown"]["challenged_agency"].as_object().unwrap();
    assert_eq!(
        challenged.keys().collect::<Vec<_>>(),
        ["Children's Social Care"]
    );
    assert_eq!(challenged["Children's Social Care"]["opened"], 3);
    assert_eq!(
        challenged["Children's Social Care"]["escalations_from_stage_1"],
        7
    );
    assert_eq!(q["by_agency"]["challenged"]["Children's Social Care"], 3);
    // --agency by either name picks out all four disputes.
    for name in ["CSC", "children's social care"] {
        let only = env.json(&[
            "report",
            "--from",
            "2026-10-01",
            "--to",
            "2026-12-31",
            "--agency",
            name,
        ]);
        assert_eq!(only["escalations"], 4, "{name}");
    }
}

#[test]
fn timeliness_at_a_deadlines_edge() {
    let mut env = Env::new();
    env.now("2026-12-15T12:00:00Z");
    // Opened Mon 2 Nov: stage 1 is due by the end of Mon 9 Nov (five working days).
    let escalated_at = |at: &str, extra: &[&str]| {
        let mut args = vec![
            "open",
            "--policy",
            "gscb",
            "--child",
            "C",
            "--from",
            "School",
            "--with",
            "CSC",
            "--summary",
            "s",
            "--at",
            "2026-11-02T10:00:00Z",
        ];
        args.extend_from_slice(extra);
        let id = env.json(&args)["id"].as_str().unwrap().to_owned();
        act(&env, "discuss", &id, "2026-11-03T10:00:00Z");
        act(&env, "escalate", &id, at);
        id
    };
    // Stage 1 left after three working days, on time.
    escalated_at("2026-11-05T10:00:00Z", &[]);
    // At the deadline's instant as `show` gives it (times are kept to the
    // second): on time. A minute after it: late.
    let edge = escalated_at("2026-11-09T23:59:59Z", &[]);
    let late = escalated_at("2026-11-10T00:00:59Z", &["--cp-plan"]);
    let shown = env.json(&["show", &edge]);
    let stage1 = shown.to_string();
    assert!(stage1.contains("2026-11-09T23:59:59+00:00"), "{stage1}");
    // The duty to tell the IRO on entering stage 2 has no time limit.
    env.ok(&[
        "notify",
        &late,
        "--who",
        "iro",
        "--at",
        "2026-11-11T10:00:00Z",
    ]);

    let r = env.json(&["report", "--month", "2026-11"]);
    let t = &r["timeliness"];
    assert_eq!(
        (t["on_time"].as_u64(), t["late"].as_u64()),
        (Some(2), Some(1)),
        "{t}"
    );
    let s1 = &t["by_stage"]["1"];
    assert_eq!(
        (s1["on_time"].as_u64(), s1["late"].as_u64()),
        (Some(2), Some(1)),
        "{t}"
    );
    // Working days in stage 1: 3 (Mon to Thu), 5 (to Mon 9), 6 (to Tue 10).
    assert_eq!(s1["median_working_days"], 5.0);
    assert_eq!(s1["p90_working_days"], 6.0);
    assert_eq!(t["by_challenged_agency"]["CSC"]["late"], 1);
    assert_eq!(t["obligations_met"]["no_timescale"], 1);
    assert_eq!(t["obligations_met"]["on_time"], 0);
    // December: nothing left a stage.
    let d = env.json(&["report", "--month", "2026-12"]);
    assert_eq!(d["timeliness"]["on_time"], 0);
    assert_eq!(d["timeliness"]["late"], 0);
}

/// The Chromium that renders the board pack in a test, if installed; under CI
/// it must be (`.ci/run` installs it), so a missing one fails there.
fn chromium() -> Option<std::path::PathBuf> {
    let found = ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|name| {
            std::env::var_os("PATH").and_then(|paths| {
                std::env::split_paths(&paths)
                    .map(|d| d.join(name))
                    .find(|p| p.is_file())
            })
        });
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "chromium is not installed; .ci/run installs it (apt-get install chromium)"
        );
        eprintln!("skipped: chromium is not installed");
    }
    found
}

/// Run headless Chromium on `page` with `args`, in a fresh profile, with no
/// network services; returns its stdout. Killed if it takes over a minute.
pub(crate) fn headless(browser: &std::path::Path, page: &std::path::Path, args: &[&str]) -> String {
    let profile = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start chromium");
    // Read the DOM as it comes: a page larger than the pipe's buffer would
    // otherwise leave Chromium blocked writing it, and never exiting.
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut stdout, &mut out).map(|_| out)
    });
    let started = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > std::time::Duration::from_secs(60) {
            let _ = child.kill();
            panic!("chromium took over a minute on {}", page.display());
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let out = reader.join().unwrap().unwrap();
    String::from_utf8_lossy(&out).into_owned()
}

/// The filled, coloured `rect`s (bars and legend keys) of one section of a DOM.
fn coloured_rects(dom: &str, section: &str) -> usize {
    let start = dom
        .find(&format!("<section id=\"{section}\""))
        .unwrap_or_else(|| panic!("no section {section} in\n{dom}"));
    let end = dom[start..].find("</section>").unwrap() + start;
    dom[start..end]
        .split("<rect")
        .skip(1)
        .filter(|r| !r.contains("fill=\"#FFFFFF\"") && !r.contains("fill=\"none\""))
        .count()
}

#[test]
fn the_board_pack_renders_its_charts_in_a_browser() {
    let env = quarter();
    let html = env.ok(&[
        "report",
        "--from",
        "2026-10-01",
        "--to",
        "2026-12-31",
        "--format",
        "html",
    ]);
    // Self-contained: nothing to fetch, nothing to run.
    // (An SVG names its XML namespace with a URL; nothing fetches it.)
    let without_namespace = html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
    for banned in [
        "<script", "src=", "href=", "http://", "https://", "@import", "url(",
    ] {
        assert!(!without_namespace.contains(banned), "{banned} in the page");
    }
    assert!(html.contains("@page { size: A4"));
    assert!(html.contains("3 of 6 stages left were within the policy&#39;s timescale (50%)."));
    let Some(browser) = chromium() else { return };
    let page = env.tmp.path().join("pack.html");
    std::fs::write(&page, &html).unwrap();
    let dom = headless(&browser, &page, &["--dump-dom"]);
    // Highest stage, agency raising, agency challenged, reason, stage entries
    // by period, time in stage, timeliness.
    assert_eq!(dom.matches("<svg").count(), 7, "{dom}");
    // By stage: two bars a month (Oct: stages 1 and 2; Nov: 1 and 2; Dec: 1 and
    // 3) and three legend keys.
    assert_eq!(coloured_rects(&dom, "by-stage"), 6 + 3);
    // By agency challenged (CSC, Children's Social Care): disputes raised, one
    // unit, so one bar each and no key.
    assert_eq!(coloured_rects(&dom, "by-agency"), 2);
    // The highest stage each of the three raised reached: 1, 2 and 3.
    assert_eq!(coloured_rects(&dom, "highest-stage"), 3);
    // Timeliness: each stage left has a bar for on time or late.
    assert!(coloured_rects(&dom, "timeliness") >= 3 + 2, "{dom}");
    assert!(dom.contains("Children&#39;s Social Care") || dom.contains("Children's Social Care"));

    let shot = env.tmp.path().join("pack.png");
    headless(
        &browser,
        &page,
        &[
            "--window-size=1000,1400",
            &format!("--screenshot={}", shot.display()),
        ],
    );
    let png = std::fs::read(&shot).expect("a screenshot");
    assert!(png.starts_with(b"\x89PNG"), "not a PNG");
    // A blank page compresses to a few kilobytes; charts and tables do not.
    assert!(
        png.len() > 30_000,
        "the screenshot looks blank ({} bytes)",
        png.len()
    );
}

#[test]
fn the_board_pack_in_markdown_has_each_table_and_its_sentence() {
    let env = quarter();
    let md = env.ok(&[
        "report",
        "--from",
        "2026-10-01",
        "--to",
        "2026-12-31",
        "--format",
        "md",
    ]);
    assert!(
        md.starts_with("# Gloucestershire Safeguarding Children Board: professional disagreements, Thu 1 Oct 2026 to Thu 31 Dec 2026\n"),
        "{md}"
    );
    for want in [
        "| Stage entries from stage 1 onwards (a dispute counts once for each stage it entered) | 7 |",
        "| Disputes raised | 3 |",
        "| 2026-10 | 1 | 2 | 0 | 3 |",
        "| Total | 3 | 3 | 1 | 7 |",
        // Stages left: D's 1 (on time), A's 1 and 2 (late), B's 1 (on time) and
        // 2 (late), C's 1 (on time).
        "| Stage 1 | 3 | 1 | 0 |",
        "| Stage 2 | 0 | 2 | 0 |",
        "3 of 6 stages left were within the policy's timescale (50%).",
        "7 stage entries over 3 periods; the most in 2026-10 (3).",
        "| Children's Social Care | 1 | 3 | 0 |",
        // Three raised, one each: all three named, none hidden.
        "Most were raised by GP, Police and School: 1 each of the 3 disputes raised.",
    ] {
        assert!(md.contains(want), "{want} missing from\n{md}");
    }
}

#[test]
fn a_report_over_several_directories_counts_each_dispute_once() {
    let a = quarter();
    let mut b = Env::new();
    b.now("2027-01-15T12:00:00Z");
    // B's own dispute, challenging "Soc Care", which B's list aliases.
    let own = open_dated(
        &b,
        "Health visiting",
        "Soc Care",
        None,
        "2026-11-16T10:00:00Z",
    );
    act(&b, "resolve", &own, "2026-11-17T10:00:00Z");
    b.ok(&["agency", "add", "Children's Social Care"]);
    b.ok(&["agency", "alias", "Soc Care", "Children's Social Care"]);
    // Two of A's journals copied into B: one as it is, one with a line more.
    let mut journals: Vec<std::path::PathBuf> = std::fs::read_dir(a.data().join("disputes"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    journals.sort();
    for j in &journals[..2] {
        std::fs::copy(j, b.data().join("disputes").join(j.file_name().unwrap())).unwrap();
    }
    let changed = journals[1]
        .file_stem()
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    b.ok(&["amend", &changed, "--event", "1", "--note", "n"]);
    let before = b.snapshot();

    let dir_b = b.data().display().to_string();
    let out = a
        .cmd(&[
            "report",
            "--from",
            "2026-10-01",
            "--to",
            "2026-12-31",
            "--include-dir",
            &dir_b,
            "--json",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let q: Value = serde_json::from_slice(&out.stdout).unwrap();
    // A's four disputes and B's own: the copies count once.
    assert_eq!(q["opened"], 4, "{q}");
    assert_eq!(q["resolved"], 3);
    let dirs = q["breakdown"]["directory"].as_object().unwrap();
    assert_eq!(dirs[&a.data().display().to_string()]["opened"], 3);
    assert_eq!(dirs[&dir_b]["opened"], 1);
    // Each directory's aliases for its own disputes: B's "Soc Care" is
    // Children's Social Care (beside A's dispute B, typed so); A's "CSC" stays,
    // as A has no list.
    let challenged = q["breakdown"]["challenged_agency"].as_object().unwrap();
    assert_eq!(challenged["Children's Social Care"]["opened"], 2);
    assert!(!challenged.contains_key("Soc Care"));
    assert_eq!(challenged["CSC"]["opened"], 2);
    // Only the journal that differs is named, and read-only means read-only.
    assert!(
        stderr.contains(&format!("dispute {changed} is in")) && stderr.contains("differ"),
        "{stderr}"
    );
    let same = journals[0].file_stem().unwrap().to_str().unwrap();
    assert!(!stderr.contains(&format!("dispute {same} ")), "{stderr}");
    assert_eq!(before, b.snapshot(), "the included directory was changed");
    assert!(!b.data().join("cache").exists(), "a cache was written in B");

    let err = a.fails(
        2,
        &[
            "report",
            "--month",
            "2026-11",
            "--include-dir",
            "/nonexistent/escalate",
        ],
    );
    assert!(err.contains("is not a data directory"), "{err}");
}

/// A damaged agency list stops what reads it, as any damaged state file in the
/// data directory does (exit 3), naming the file and what to do; journals are
/// untouched.
#[test]
fn a_damaged_agency_list_is_named_and_stops_the_report() {
    let env = Env::new();
    env.open_gscb(&[]);
    std::fs::write(env.data().join("agencies.toml"), "agencies = [oops").unwrap();
    let journals = env.snapshot();
    let err = env.fails(3, &["report", "--month", "2026-11"]);
    assert!(err.contains("agencies.toml is damaged"), "{err}");
    assert!(err.contains("Fix the file by hand"), "{err}");
    assert_eq!(env.snapshot(), journals);
}

// Issue 29: what a partnership board publishes.

/// Raise a gscb dispute at `at` and take it to `highest` (discussing before
/// each escalation); resolve it a day later if `resolve`.
fn raise(env: &Env, (from, with): (&str, &str), at: &str, highest: u32, extra: &[&str]) -> String {
    let mut args = crate::support::open_between("gscb", (from, with), &["--at", at]);
    args.extend_from_slice(extra);
    let id = env.json(&args)["id"].as_str().unwrap().to_owned();
    let day: chrono::DateTime<chrono::FixedOffset> =
        chrono::DateTime::parse_from_rfc3339(at).unwrap();
    for stage in 1..highest {
        let h = |n: i64| (day + chrono::Duration::hours(n)).to_rfc3339();
        act(env, "discuss", &id, &h(2 * i64::from(stage)));
        act(env, "escalate", &id, &h(2 * i64::from(stage) + 1));
    }
    id
}

/// Four disputes raised in 2025-26 (highest stages 1, 2, 3, 3) and two in
/// 2024-25; one of this year's resolved owing the designated safeguarding
/// lead's immediate duty, so it is overdue but not open.
fn two_years() -> Env {
    let mut env = Env::new();
    env.now("2026-06-01T09:00:00Z");
    raise(&env, ("School", "CSC"), "2024-06-03T10:00:00+01:00", 1, &[]);
    raise(&env, ("GP", "CSC"), "2024-09-02T10:00:00+01:00", 2, &[]);
    let owing = raise(
        &env,
        ("School", "CSC"),
        "2025-05-05T10:00:00+01:00",
        1,
        &["--immediate-harm"],
    );
    act(&env, "resolve", &owing, "2025-05-06T10:00:00+01:00");
    raise(&env, ("GP", "Police"), "2025-07-07T10:00:00+01:00", 2, &[]);
    raise(
        &env,
        ("School", "Police"),
        "2025-10-06T10:00:00+01:00",
        3,
        &[],
    );
    raise(&env, ("GP", "CSC"), "2026-01-05T10:00:00Z", 3, &[]);
    env
}

const YEAR: [&str; 5] = ["report", "--from", "2025-04-01", "--to", "2026-03-31"];

#[test]
fn a_year_counts_each_dispute_raised_once_with_the_highest_stage_it_reached() {
    let env = two_years();
    let y = env.json(&YEAR);
    assert_eq!(y["opened"], 4);
    assert_eq!(
        y["highest_stage"],
        serde_json::json!({"1": 1, "2": 1, "3": 2})
    );
    // Stage entries are another unit: 1 + 2 + 3 + 3.
    assert_eq!(y["escalations_from_stage_1"], 9);
    assert_eq!(y["in_progress"], false);
    assert!(y.get("previous").is_none(), "{y}");
    // Open at the end: the five unresolved (two from last year), all past
    // their deadlines; the resolved one still owes its duty, so "anything
    // overdue" is one more than are open.
    assert_eq!(y["open_at_end"], 5);
    assert_eq!(y["open_overdue_at_end"], 5);
    assert_eq!(y["overdue_at_end"], 6);
    let mut args = YEAR.to_vec();
    args.extend(["--compare", "previous"]);
    let c = env.json(&args);
    assert_eq!(c["opened"], 4);
    assert_eq!(c["previous"]["opened"], 2);
    assert_eq!(c["previous"]["from"], "2024-04-01");
    assert_eq!(c["previous"]["to"], "2025-03-31");
    assert_eq!(
        c["previous"]["highest_stage"],
        serde_json::json!({"1": 1, "2": 1})
    );
    // Police were challenged this year only: listed last year with zeros.
    assert_eq!(
        c["previous"]["breakdown"]["challenged_agency"]["Police"]["opened"],
        0
    );
    for r in [&c, &c["previous"]] {
        assert!(
            r["open_overdue_at_end"].as_u64() <= r["open_at_end"].as_u64(),
            "{r}"
        );
        for f in r["breakdown"]["raising_agency"]
            .as_object()
            .unwrap()
            .values()
        {
            assert!(f["open_overdue_at_end"].as_u64() <= f["open_at_end"].as_u64());
        }
    }
    // A month compares with the month before; other periods with as many days.
    let m = env.json(&["report", "--month", "2025-10", "--compare", "previous"]);
    assert_eq!(
        (&m["previous"]["from"], &m["previous"]["to"]),
        (&"2025-09-01".into(), &"2025-09-30".into())
    );
    let d = env.json(&[
        "report",
        "--from",
        "2025-10-06",
        "--to",
        "2025-10-12",
        "--compare",
        "previous",
    ]);
    assert_eq!(
        (&d["previous"]["from"], &d["previous"]["to"]),
        (&"2025-09-29".into(), &"2025-10-05".into())
    );
    // The long CSV carries the new figures and the previous period; the wide
    // CSV keeps its frozen columns and refuses what it cannot hold.
    let mut long = args.clone();
    long.extend(["--format", "csv-long"]);
    let long = env.ok(&long);
    assert!(
        long.contains("2025-04-01/2026-03-31,total,,highest_stage_3,2\r\n"),
        "{long}"
    );
    assert!(
        long.contains("2024-04-01/2025-03-31,total,,opened,2\r\n"),
        "{long}"
    );
    let mut wide = YEAR.to_vec();
    wide.extend(["--format", "csv"]);
    assert!(!env.ok(&wide).contains("highest"));
    wide.extend(["--compare", "previous"]);
    env.fails(2, &wide);
    // The table labels both units and the comparison.
    let mut table = args.clone();
    table.truncate(5);
    table.extend(["--compare", "previous"]);
    let t = env.ok(&table);
    for want in [
        "| Disputes raised",
        "highest stage reached: 3",
        "| previous period",
        "+2",
        "Open and past a deadline at end",
    ] {
        assert!(t.contains(want), "{want} missing from\n{t}");
    }
}

#[test]
fn the_pack_names_the_partnership_the_raisers_the_highest_stage_the_comparison_and_the_commentary()
{
    let env = two_years();
    let notes = env.tmp.path().join("commentary.md");
    std::fs::write(
        &notes,
        "# From the business unit\n\nEscalations **doubled** this year.\n\n<script>alert(1)</script>\n",
    )
    .unwrap();
    let mut args = YEAR.to_vec();
    let path = notes.display().to_string();
    args.extend([
        "--per",
        "quarter",
        "--compare",
        "previous",
        "--format",
        "html",
        "--commentary",
        &path,
    ]);
    let html = env.ok(&args);
    for want in [
        "<h1>Gloucestershire Safeguarding Children Board: professional disagreements, Tue 1 Apr 2025 to Tue 31 Mar 2026</h1>",
        "Disputes raised, by agency raising",
        "<td>School</td>",
        "Disputes raised, by the highest stage reached",
        "Of the 4 disputes raised, 1 went no further than stage 1, 1 went no further than stage 2 and 2 went no further than stage 3.",
        "<th>Disputes raised, 2024-25</th>",
        "Escalations <strong>doubled</strong> this year.",
        "&lt;script&gt;alert(1)&lt;/script&gt;",
        // GP and School raised two each; CSC and Police were challenged twice each.
        "Most were raised by GP and School: 2 each of the 4 disputes raised.",
        "Disagreements were most often with CSC and Police: 2 each of the 4 disputes raised.",
        "(against 2 in 2024-25)",
    ] {
        assert!(html.contains(want), "{want} missing from\n{html}");
    }
    assert!(!html.contains("<script"), "raw HTML passed through");
    for internal in [
        "escalations_from_stage_1",
        "open_at_end",
        "overdue_at_end",
        "entered_stage",
        "highest_stage",
        "(none)",
    ] {
        assert!(!html.contains(internal), "{internal} in the pack");
    }
    // Every chart counts one thing: its axis says which.
    assert!(
        html.contains(">\ndisputes raised\n</text>") && html.contains(">\nstage entries\n</text>")
    );
    // A several-policy directory names its partnership in report.toml.
    std::fs::write(
        env.data().join("report.toml"),
        "partnership = \"Anyshire Safeguarding Partnership\"\n",
    )
    .unwrap();
    let md = env.ok(&[
        "report",
        "--from",
        "2025-04-01",
        "--to",
        "2026-03-31",
        "--format",
        "md",
    ]);
    assert!(
        md.starts_with("# Anyshire Safeguarding Partnership: professional disagreements"),
        "{md}"
    );
    // --commentary is for the pack only.
    env.fails(
        2,
        &[
            "report",
            "--from",
            "2025-04-01",
            "--to",
            "2026-03-31",
            "--commentary",
            &path,
        ],
    );
}

#[test]
fn markdown_escapes_what_it_prints() {
    let mut env = Env::new();
    env.now("2026-12-01T09:00:00Z");
    raise(
        &env,
        ("<b>School</b>", "CSC *central*"),
        "2026-11-02T10:00:00Z",
        1,
        &[],
    );
    let md = env.ok(&[
        "report",
        "--from",
        "2026-11-01",
        "--to",
        "2026-11-30",
        "--format",
        "md",
    ]);
    assert!(md.contains("| \\<b\\>School\\</b\\> | 1 |"), "{md}");
    assert!(md.contains("CSC \\*central\\*"), "{md}");
    assert!(!md.contains("<b>"), "{md}");
}

#[test]
fn a_period_not_ended_is_in_progress_and_a_late_backdated_line_is_reproducible() {
    let mut env = Env::new();
    env.now("2026-03-25T12:00:00Z");
    raise(&env, ("School", "CSC"), "2026-03-24T10:00:00Z", 1, &[]);
    let march = ["report", "--month", "2026-03"];
    let now = env.json(&march);
    assert_eq!(
        (now["in_progress"].clone(), now["opened"].clone()),
        (true.into(), 1.into())
    );
    assert!(env.ok(&march).contains("(to date)"));
    let mut pack = march.to_vec();
    pack.extend(["--format", "html"]);
    assert!(env.ok(&pack).contains("(to date)</h1>"));
    // Recorded on 10 April, dated in March: March's figures change, with a warning.
    env.now("2026-04-10T12:00:00+01:00");
    raise(&env, ("GP", "CSC"), "2026-03-20T10:00:00Z", 1, &[]);
    let out = env.cmd(&march).arg("--json").output().unwrap();
    let later: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (later["in_progress"].clone(), later["opened"].clone()),
        (false.into(), 2.into())
    );
    assert_eq!(later["recorded_after_end"], 1);
    let warning = String::from_utf8_lossy(&out.stderr);
    assert!(
        warning.contains(
            "1 line that happened in or before the period was recorded after the period ended"
        ) && warning.contains("--as-recorded-at"),
        "{warning}"
    );
    // As recorded by 1 April: the figure the board was given.
    let mut given = march.to_vec();
    given.extend(["--as-recorded-at", "2026-04-01T09:00:00+01:00"]);
    let out = env.cmd(&given).arg("--json").output().unwrap();
    let given: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(given["opened"], 1);
    assert_eq!(given["as_recorded_at"], "2026-04-01T09:00:00+01:00");
    assert!(!String::from_utf8_lossy(&out.stderr).contains("--as-recorded-at"));
    env.fails(
        2,
        &[
            "report",
            "--month",
            "2026-03",
            "--as-recorded-at",
            "2027-01-01T00:00:00Z",
        ],
    );
}

/// gscb's text as a user policy with a level-of-need field.
fn install_levels(env: &Env) {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/policies/gscb.toml"))
        .unwrap()
        .replacen("format = 1", "format = 2", 1)
        .replacen("id = \"gscb\"", "id = \"gscb-levels\"", 1)
        + "\n[[field]]\nid = \"level-of-need\"\nlabel = \"Level of need\"\nvalues = [\"Level 1\", \"Level 2\", \"Level 3\", \"Level 4\"]\nask = true\nsource = \"Escalations are reported by level of need.\"\n";
    let dir = env.config().join("policies");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("gscb-levels.toml"), text).unwrap();
}

#[test]
fn a_policy_field_is_checked_given_at_open_corrected_and_reported() {
    let mut env = Env::new();
    env.now("2026-12-01T09:00:00Z");
    install_levels(&env);
    let path = env.config().join("policies/gscb-levels.toml");
    let check = env.ok(&["policy", "check", path.to_str().unwrap()]);
    assert!(check.contains("is a valid policy: gscb-levels"), "{check}");
    let show = env.ok(&["policy", "show", "gscb-levels"]);
    assert!(
        show.contains("level-of-need") && show.contains("Level 1, Level 2"),
        "{show}"
    );
    let open = |from: &str, field: &str| {
        crate::support::open_between(
            "gscb-levels",
            (from, "CSC"),
            &["--at", "2026-11-02T10:00:00Z", "--field"],
        )
        .into_iter()
        .map(str::to_owned)
        .chain([field.to_owned()])
        .collect::<Vec<String>>()
    };
    let refused = env.fails(
        1,
        &open("School", "level-of-need=5")
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    assert!(
        refused.contains("Level 1, Level 2, Level 3, Level 4"),
        "{refused}"
    );
    let a = env.json(
        &open("School", "Level-Of-Need=level 3")
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    let a = a["id"].as_str().unwrap().to_owned();
    env.json(
        &open("GP", "level-of-need=Level 3")
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    let month = ["report", "--month", "2026-11"];
    let levels = |r: &Value| r["breakdown"]["field"]["level-of-need"].clone();
    let r = env.json(&month);
    assert_eq!(levels(&r)["label"], "Level of need");
    assert_eq!(levels(&r)["values"]["Level 3"]["opened"], 2);
    assert_eq!(levels(&r)["values"]["Level 1"]["opened"], 0);
    // Corrected: the opening line stays as it was, the report follows the correction.
    let journal = std::fs::read(env.journal(&a)).unwrap();
    env.ok(&[
        "amend",
        &a,
        "--field",
        "level-of-need=Level 2",
        "--note",
        "Agreed level 2 at the strategy meeting",
    ]);
    assert!(std::fs::read(env.journal(&a))
        .unwrap()
        .starts_with(&journal));
    env.fails(
        1,
        &[
            "amend",
            &a,
            "--field",
            "level-of-need=Level 9",
            "--note",
            "n",
        ],
    );
    let r = env.json(&month);
    assert_eq!(levels(&r)["values"]["Level 2"]["opened"], 1);
    assert_eq!(levels(&r)["values"]["Level 3"]["opened"], 1);
    let mut long = month.to_vec();
    long.extend(["--format", "csv-long"]);
    assert!(env
        .ok(&long)
        .contains(",field:level-of-need,Level 2,opened,1\r\n"));
    let mut md = month.to_vec();
    md.extend(["--format", "md"]);
    let md = env.ok(&md);
    assert!(
        md.contains("## Disputes raised, by level of need") && md.contains("| Level 3 | 1 |"),
        "{md}"
    );
    // The built-in gscb defines no field: --field is refused with why.
    let err = env.fails(
        1,
        &crate::support::open_args("gscb", &["--field", "level-of-need=Level 1"]),
    );
    assert!(err.contains("defines no fields"), "{err}");
    // A field in a format 1 file is refused by policy check.
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replacen("format = 2", "format = 1", 1);
    let old = env.tmp.path().join("old.toml");
    std::fs::write(&old, text).unwrap();
    let err = env.fails(1, &["policy", "check", old.to_str().unwrap()]);
    assert!(err.contains("[[field]]"), "{err}");
}

// Appending months to one CSV file.

#[test]
fn csv_months_append_under_one_header() {
    let mut env = Env::new();
    env.open_gscb(&[]);
    env.now("2026-12-02T09:00:00Z");
    env.open_gscb(&[]);
    let mut file = env.ok(&["report", "--month", "2026-11", "--format", "csv"]);
    let december = env.ok(&[
        "report",
        "--month",
        "2026-12",
        "--format",
        "csv",
        "--no-header",
    ]);
    assert!(!december.starts_with("from,"), "{december}");
    file.push_str(&december);
    let lines: Vec<&str> = file.lines().collect();
    assert_eq!(lines.iter().filter(|l| l.starts_with("from,")).count(), 1);
    let width = lines[0].split(',').count();
    assert!(
        lines.iter().all(|l| l.split(',').count() == width),
        "{file}"
    );
    assert!(file.contains("2026-12-01,2026-12-31,total,1,"), "{file}");
    let err = env.fails(2, &["report", "--month", "2026-11", "--no-header"]);
    assert!(err.contains("--format csv"), "{err}");
}

#[test]
fn the_report_table_fits_80_columns() {
    let env = Env::new();
    env.open_gscb(&[]);
    let table = env.ok(&["report", "--month", "2026-11"]);
    for line in table.lines() {
        assert!(line.chars().count() <= 80, "{line:?}\n{table}");
    }
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
    insta::assert_snapshot!(env.ok(&["report", "--month", "2026-02"]));
    env.fails(2, &["report", "--month", "2026-13"]);
    env.fails(2, &["report", "--from", "2026-03-02", "--to", "2026-03-01"]);
    env.fails(2, &["report"]);
    env.fails(1, &["report", "--month", "2026-02", "--policy", "nope"]);
}

#[test]
fn the_month_table_is_what_a_board_reads() {
    let mut env = Env::new();
    let ids = november(&mut env);
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    let table = env.ok(&["report", "--month", "2026-11"]);
    insta::assert_snapshot!(redact(&table, &ids));
}

#[test]
fn events_belong_to_the_london_day_they_happened_across_bst() {
    let mut env = Env::new();
    env.now("2026-04-10T12:00:00Z");
    // 23:30 UTC on 31 March is 00:30 on 1 April in London (BST).
    open_under_policy(&env, "gscb", "School", "CSC", "2026-03-31T23:30:00Z");
    // 23:30 UTC on 29 March is 00:30 BST on 30 March: still March.
    open_under_policy(&env, "gscb", "School", "CSC", "2026-03-29T23:30:00Z");
    assert_eq!(env.json(&["report", "--month", "2026-03"])["opened"], 1);
    assert_eq!(env.json(&["report", "--month", "2026-04"])["opened"], 1);
    env.now("2026-11-10T12:00:00Z");
    // After the clocks go back (25 Oct 2026) London is UTC again.
    open_under_policy(&env, "gscb", "School", "CSC", "2026-10-31T23:30:00Z");
    assert_eq!(env.json(&["report", "--month", "2026-10"])["opened"], 1);
}

const STAGES: u32 = 11;

/// A user policy of `STAGES` stages, each of five working days.
fn install_long_policy(env: &Env) {
    let mut text = String::from(
        "format = 1\nid = \"long\"\nname = \"Long\"\npartnership = \"Long Partnership\"\nyear = 2025\ndocument = \"Long document\"\n",
    );
    for n in 1..=STAGES {
        text.push_str(&format!(
            "\n[[stage]]\nnumber = {n}\nname = \"Stage {n}\"\nwho = \"W\"\naction = \"A\"\nsource = \"S\"\n\n[[stage.deadline]]\nworking_days = 5\nsource = \"S\"\n"
        ));
    }
    let dir = env.config().join("policies");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("long.toml"), text).unwrap();
}

/// One dispute taken through every stage and resolved at the last, in November.
fn through_every_stage() -> Env {
    let mut env = Env::new();
    install_long_policy(&env);
    env.now("2026-11-02T09:00:00Z");
    let id = env.open("long", &[])["id"].as_str().unwrap().to_owned();
    for n in 1..STAGES {
        env.now(&format!("2026-11-03T09:{:02}:00Z", 2 * n));
        env.ok(&["discuss", &id, "--note", "n", "--with", "W"]);
        env.now(&format!("2026-11-03T09:{:02}:30Z", 2 * n));
        env.ok(&["escalate", &id, "--reason", "r"]);
    }
    env.now("2026-11-04T09:00:00Z");
    env.ok(&["resolve", &id, "--outcome", "agreed"]);
    env.now("2026-12-01T09:00:00Z");
    env
}

#[test]
fn report_figures_list_stage_ten_after_stage_nine() {
    let env = through_every_stage();
    let period = ["report", "--from", "2026-11-01", "--to", "2026-11-30"];

    let json = env.ok(&[&period[..], &["--json"]].concat());
    let entered: Vec<String> = (1..=STAGES).map(|n| format!("\"{n}\": 1")).collect();
    let compact: String = json.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        compact.contains(&format!("\"entered_stage\": {{ {} }}", entered.join(", "))),
        "{json}"
    );
    assert!(
        compact.contains("\"resolved_at_stage\": { \"11\": 1 }"),
        "{json}"
    );

    let long = env.ok(&[&period[..], &["--format", "csv-long"]].concat());
    let stages: Vec<&str> = long
        .lines()
        .filter(|l| l.contains(",stage,") && l.ends_with(",1") && l.contains(",entered,"))
        .map(|l| l.split(',').nth(2).unwrap())
        .collect();
    let expected: Vec<String> = (1..=STAGES).map(|n| n.to_string()).collect();
    assert_eq!(stages, expected, "{long}");

    let table = env.ok(&period);
    let row = |n: u32| {
        table
            .find(&format!("Entered stage {n} "))
            .unwrap_or_else(|| panic!("no row for stage {n}:\n{table}"))
    };
    assert!(
        row(2) < row(9) && row(9) < row(10) && row(10) < row(11),
        "{table}"
    );
}

// Timeliness against the deadline in force, and one agency matcher for status
// and report (issue #31: one rule, one home).

const AGREED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/cli/fixtures/format2/agreed.toml"
);

/// A stage left before the date the parties agreed is on time, as `status` and
/// `show` said it was when it was left: the report judges it against the
/// deadline in force, not the policy's working week.
#[test]
fn timeliness_honours_an_agreed_date() {
    let mut env = Env::new();
    let dir = env.config().join("policies");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(AGREED, dir.join("agreed.toml")).unwrap();
    // Opened Mon 2 Nov: the policy's working week ends Mon 9 Nov.
    env.now("2026-11-02T10:00:00Z");
    let id = id_of(&env.json(&open_between("agreed-example", ("School", "CSC"), &[])));
    env.now("2026-11-03T10:00:00Z");
    let v = env.json(&["agree", &id, "--due", "2026-11-20", "--note", "Both agreed"]);
    assert_eq!(v["due_set_by"], "agreed");
    env.now("2026-11-16T10:00:00Z");
    env.ok(&["discuss", &id, "--note", "Not resolved"]);
    // What the user saw before escalating: four working days left (17 to 20 Nov).
    let shown = env.json(&["show", &id]);
    assert_eq!(shown["due"], "2026-11-20", "{shown}");
    assert_eq!(shown["working_days_left"], 4, "{shown}");
    assert_eq!(shown["overdue"], false, "{shown}");
    env.ok(&["escalate", &id, "--reason", "Still stuck"]);

    env.now("2026-12-01T10:00:00Z");
    let r = env.json(&["report", "--month", "2026-11"]);
    let t = &r["timeliness"];
    assert_eq!(
        (t["on_time"].as_u64(), t["late"].as_u64()),
        (Some(1), Some(0)),
        "stage 1 was left before the agreed date: {t}"
    );
    assert_eq!(t["by_stage"]["1"]["on_time"], 1, "{t}");
}

/// A stage left after a protective (earlier) date the user set is late, though
/// the policy's own deadline was not yet past: the same deadline `show` gave.
#[test]
fn timeliness_honours_an_earlier_protective_date() {
    let mut env = Env::new();
    // Opened Mon 2 Nov with an earlier date than gscb's five working days.
    env.now("2026-11-02T10:00:00Z");
    let id = env.open_gscb(&["--due", "2026-11-04"]);
    assert_eq!(env.json(&["show", &id])["due_set_by"], "user");
    env.now("2026-11-05T10:00:00Z");
    env.ok(&["discuss", &id, "--note", "Not resolved"]);
    assert_eq!(env.json(&["show", &id])["overdue"], true);
    env.ok(&["escalate", &id, "--reason", "Still stuck"]);
    env.now("2026-12-01T10:00:00Z");
    let t = &env.json(&["report", "--month", "2026-11"])["timeliness"];
    assert_eq!(
        (t["on_time"].as_u64(), t["late"].as_u64()),
        (Some(0), Some(1)),
        "{t}"
    );
}

/// Every disputes' ids `status --agency` lists, and how many `report --agency`
/// counts as opened: the one agency matcher answers both.
fn both(env: &Env, agency: &str) -> (usize, u64) {
    let rows = env.json(&["status", "--agency", agency]);
    let listed = rows.as_array().expect("rows").len();
    let r = env.json(&["report", "--month", "2026-11", "--agency", agency]);
    let opened = r["opened"]
        .as_u64()
        .unwrap_or_else(|| panic!("no `opened` in {r}"));
    (listed, opened)
}

#[test]
fn status_and_report_agree_on_an_agency_and_its_alias() {
    let mut env = Env::new();
    env.ok(&["agency", "add", "Children's Social Care"]);
    env.ok(&["agency", "alias", "CSC", "Children's Social Care"]);
    env.now("2026-11-10T10:00:00Z");
    for (from, with) in [
        ("Hollyfield Primary", "CSC"),
        ("Health Visiting", "Children's Social Care"),
        ("Police", "Health Visiting"),
        ("École Saint-Jean", "Police"),
    ] {
        env.ok(&open_between("gscb", (from, with), &[]));
    }
    env.now("2026-11-30T10:00:00Z");
    for (agency, n) in [
        // The canonical name, an alias, and either in another case.
        ("Children's Social Care", 2),
        ("CSC", 2),
        ("csc", 2),
        ("children's social care", 2),
        // Names not on the list: matched as every filter matches a name, by
        // its letters whatever the case (not only ASCII) and spacing.
        ("hollyfield  primary", 1),
        ("ÉCOLE SAINT-JEAN", 1),
        ("Police", 2),
    ] {
        assert_eq!(both(&env, agency), (n, n as u64), "--agency {agency:?}");
    }
}
