//! `escalate status`: overdue disputes first, filters, JSON like every other
//! document, other data directories, a resolved dispute kept in view until its
//! duty is recorded, a fresh install's first words, and the table on narrow and
//! wide terminals.

use crate::support::duties::{ids, obligation, with_duty_policy};
use crate::support::programs::stdout_of;
use crate::support::quarter::{open_dated, quarter};
use crate::support::reports::november;
use crate::support::snapshot::redact;
use crate::support::Env;
use serde_json::Value;

#[test]
fn status_lists_other_directories_and_says_where_each_dispute_came_from() {
    let a = quarter();
    let mut b = Env::new();
    b.now("2027-01-15T12:00:00Z");
    let own = open_dated(&b, "Health visiting", "CSC", None, "2026-12-16T10:00:00Z");
    let before = b.snapshot();
    let dir_b = b.data().display().to_string();
    let mine = a.json(&["status"]);
    let all = a.json(&["status", "--include-dir", &dir_b]);
    let (mine, all) = (mine.as_array().unwrap(), all.as_array().unwrap());
    assert_eq!(all.len(), mine.len() + 1, "{all:?}");
    let theirs: Vec<&Value> = all
        .iter()
        .filter(|r| r["directory"] == dir_b.as_str())
        .collect();
    assert_eq!(theirs.len(), 1);
    assert_eq!(theirs[0]["id"], own.as_str());
    assert!(all.iter().all(|r| r["directory"].is_string()));
    let table = a.ok(&["status", "--include-dir", &dir_b]);
    assert!(table.contains(&format!("From {dir_b}: {own}")), "{table}");
    assert_eq!(before, b.snapshot());
}

#[test]
fn status_lists_overdue_disputes_first() {
    let mut env = Env::new();
    env.now("2026-11-02T09:00:00Z");
    let late = env.open_gscb(&[]); // due Mon 9 Nov
    env.now("2026-11-20T09:00:00Z");
    let fresh = env.open_gscb(&["--immediate-harm"]); // due Fri 27 Nov
    env.now("2026-11-23T09:00:00Z");
    let rows = env.json(&["status"]);
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["id"], late.as_str());
    assert_eq!(rows[0]["overdue"], true);
    assert_eq!(rows[0]["days_overdue"], 14);
    assert_eq!(rows[1]["id"], fresh.as_str());
    // Its stage is not late, but a duty is: the dispute is overdue (deadlines.rs).
    assert_eq!(rows[1]["overdue"], true);
    assert_eq!(rows[1]["stage_overdue"], false);
    assert_eq!(rows[1]["working_days_left"], 4);
    let dsl = &rows[1]["obligations"][0];
    assert_eq!(dsl["id"], "dsl");
    assert_eq!(dsl["immediately"], true);
    assert_eq!(
        dsl["overdue"], true,
        "'immediately' is overdue after the working day it arose"
    );
    for key in [
        "id",
        "policy",
        "stage",
        "state",
        "due",
        "overdue",
        "obligations",
    ] {
        assert!(rows[0].get(key).is_some(), "status rows carry {key}");
    }
    // --as-of looks at another day without writing anything.
    let rows = env.json(&["status", "--as-of", "2026-11-05"]);
    assert_eq!(rows[0]["overdue"], false);
    assert_eq!(rows[0]["working_days_left"], 2);
    // The table: the late one first, "overdue by 10 working days".
    let text = env.ok(&["status"]);
    insta::assert_snapshot!(redact(&text, &[&late, &fresh]));
}

#[test]
fn a_resolved_dispute_stays_in_view_until_its_duty_is_recorded() {
    let mut env = Env::new();
    with_duty_policy(&env);
    env.now("2026-11-23T09:00:00Z");
    let id = env.open("duty", &[])["id"].as_str().unwrap().to_owned();
    env.ok(&["notify", &id, "--who", "strategy"]);
    env.now("2026-11-23T10:00:00Z");
    let said = env.ok(&["resolve", &id, "--outcome", "Agreed"]);
    assert!(said.contains("stays in `escalate status`"), "{said}");
    // The written outcome is due by the end of Wed 25 Nov.
    let text = env.ok(&["status"]);
    assert!(
        text.contains(&id) && text.contains("resolved — 1 outstanding"),
        "{text}"
    );
    let row = &env.json(&["status"])[0];
    assert_eq!(row["state"], "resolved");
    assert_eq!(row["pending"], true);
    assert_eq!(
        obligation(row, "outcome")["due_at"],
        "2026-11-25T23:59:59+00:00"
    );
    env.now("2026-11-26T09:00:00Z");
    assert_eq!(ids(&env.json(&["status", "--overdue"])), vec![id.clone()]);
    assert_eq!(
        ids(&env.json(&["status", "--all", "--overdue"])),
        vec![id.clone()]
    );
    let ics = env.ok(&["export", "--format", "ics", "--all"]);
    assert!(
        ics.contains(&format!("UID:{id}-outcome-line3@escalate")),
        "{ics}"
    );
    let ics = env.ok(&["export", "--format", "ics"]);
    assert!(ics.contains("Send the written outcome"), "{ics}");
    // Recorded: now it is done.
    env.ok(&["notify", &id, "--who", "outcome"]);
    assert!(env.ok(&["status"]).contains("No disputes are open"));
    assert!(!env.ok(&["export", "--format", "ics"]).contains("VEVENT"));
}

#[test]
fn a_fresh_install_says_there_are_no_disputes_yet_and_how_to_start() {
    let env = Env::new();
    let out = env
        .cmd(&["status"])
        .env_remove("ESCALATE_DIR")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let text = stdout_of(&out);
    assert!(
        text.contains("No disputes yet") && text.contains("escalate open"),
        "{text}"
    );
    let json = env
        .cmd(&["status", "--json"])
        .env_remove("ESCALATE_DIR")
        .output()
        .unwrap();
    assert_eq!(stdout_of(&json), "[]\n");
    assert!(!env.tmp.path().join("xdg-data").exists());
}

#[test]
fn the_table_has_a_line_for_each_dispute_with_its_stage_and_what_is_due() {
    let mut env = Env::new();
    let ids = november(&mut env);
    env.now("2026-11-20T09:00:00Z");
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    insta::assert_snapshot!(redact(&env.ok(&["status", "--all"]), &ids));
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

// One JSON convention: every --json document is pretty-printed.

#[test]
fn status_json_is_pretty_like_every_other_json_document() {
    let env = Env::new();
    let id = env.open_gscb(&[]);
    env.open_gscb(&[]);
    for args in [
        vec!["status", "--json"],
        vec!["status", "--json", "--no-cache"],
        vec!["show", &id, "--json"],
        vec!["report", "--month", "2026-11", "--json"],
    ] {
        let out = env.ok(&args);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(
            out,
            serde_json::to_string_pretty(&v).unwrap() + "\n",
            "{args:?}"
        );
    }
}

mod pty {
    use crate::support::pty::at_80;
    use crate::support::{terminal_command as command, Env};
    use rexpect::session::spawn_command;

    #[test]
    fn status_fits_a_narrow_terminal() {
        let env = Env::new();
        let a = env.open_gscb(&["--cp-plan"]);
        env.ok(&["discuss", &a, "--note", "n"]);
        env.ok(&["escalate", &a, "--reason", "r"]);
        env.open_gscb(&["--immediate-harm"]);
        let mut cmd = command(&env, &["status"]);
        cmd.env("COLUMNS", "80").env("NO_COLOR", "1");
        let mut p = spawn_command(cmd, Some(20_000)).unwrap();
        let text = p.exp_eof().unwrap();
        let lines: Vec<&str> = text.lines().map(|l| l.trim_end_matches('\r')).collect();
        assert!(lines.iter().all(|l| l.chars().count() <= 80), "{text}");
        assert!(text.contains(&a), "the ID is never broken: {text}");
        for word in [
            "Independent",
            "Reviewing",
            "Officer",
            "Children's",
            "safeguarding",
        ] {
            assert!(text.contains(word), "{word} is never broken: {text}");
        }
    }

    #[test]
    fn status_at_130_columns_leaves_out_an_empty_outstanding_column() {
        let env = Env::new();
        env.open_gscb(&[]);
        let mut cmd = at_80(&env, &["status"]);
        cmd.env("COLUMNS", "130").env("NO_COLOR", "1");
        let mut p = spawn_command(cmd, Some(20_000)).unwrap();
        let text = p.exp_eof().unwrap();
        assert!(
            text.contains("Due") && !text.contains("Outstanding"),
            "{text}"
        );
        // The due phrase is on one line.
        assert!(text.contains("5 working days left"), "{text}");
    }
}
