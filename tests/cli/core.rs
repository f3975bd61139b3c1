//! The core tracker, end to end under the Gloucestershire policy: a full dispute,
//! every refusal, the working-day deadline examples and the overdue listing.

use crate::support::{open_args, Env};

#[test]
fn a_gscb_dispute_from_open_to_resolve() {
    let mut env = Env::new();
    env.now("2026-11-23T09:00:00Z");
    let opened = env.open("gscb", &["--category", "levels-of-need"]);
    let id = opened["id"].as_str().unwrap().to_owned();
    assert_eq!(id.len(), 10);
    assert_eq!(opened["policy"], "gscb");
    assert_eq!(opened["stage"], 1);
    assert_eq!(opened["stage_name"], "Discuss with the other worker");
    assert_eq!(opened["state"], "open");
    // Mon 23 Nov 2026 + 5 working days.
    assert_eq!(opened["due"], "2026-11-30");
    assert_eq!(opened["obligations"], serde_json::json!([]));

    env.now("2026-11-24T10:00:00Z");
    env.ok(&[
        "discuss",
        &id,
        "--note",
        "Phoned the social worker; no change",
        "--with",
        "A. Smith (CSC)",
    ]);
    let s2 = env.json(&[
        "escalate",
        &id,
        "--reason",
        "Still below threshold in CSC's view",
    ]);
    assert_eq!(s2["stage"], 2);
    assert_eq!(s2["stage_name"], "Escalate to Line Manager");
    assert_eq!(s2["due"], "2026-12-01");

    env.now("2026-11-30T10:00:00Z");
    env.ok(&[
        "discuss",
        &id,
        "--note",
        "Managers met",
        "--with",
        "Team managers",
    ]);
    let s3 = env.json(&["escalate", &id, "--reason", "Managers disagree"]);
    assert_eq!(s3["stage"], 3);
    assert_eq!(s3["due"], "2026-12-07");

    env.now("2026-12-04T10:00:00Z");
    env.ok(&[
        "discuss",
        &id,
        "--note",
        "Senior managers agreed a plan but it failed",
    ]);
    let s4 = env.json(&["escalate", &id, "--reason", "Plan not followed"]);
    assert_eq!(s4["stage"], 4);
    assert_eq!(s4["stage_name"], "Resolution by GSCB Chair");
    // Fri 4 Dec + 10 working days = Fri 18 Dec.
    assert_eq!(s4["due"], "2026-12-18");
    let obligations = s4["obligations"].as_array().unwrap();
    assert_eq!(obligations.len(), 1);
    assert_eq!(obligations[0]["id"], "gscb-chair");

    env.ok(&[
        "notify",
        &id,
        "--who",
        "gscb-chair",
        "--note",
        "E-mailed mail@GSCB.org.uk",
    ]);
    env.now("2026-12-10T15:00:00Z");
    let done = env.json(&[
        "resolve",
        &id,
        "--outcome",
        "Panel agreed a child and family assessment",
    ]);
    assert_eq!(done["state"], "resolved");
    assert_eq!(done["obligations"], serde_json::json!([]));
    assert_eq!(done["due"], serde_json::Value::Null);

    let show = env.json(&["show", &id]);
    let kinds: Vec<&str> = show["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "opened",
            "discussed",
            "escalated",
            "discussed",
            "escalated",
            "discussed",
            "escalated",
            "notified",
            "resolved"
        ]
    );
    assert_eq!(env.json(&["status"]), serde_json::json!([]));
    assert_eq!(env.json(&["status", "--all"]).as_array().unwrap().len(), 1);

    // The journal is one sealed, chained JSON object per line.
    let text = std::fs::read_to_string(env.journal(&id)).unwrap();
    assert!(text.ends_with('\n'));
    for (i, line) in text.lines().enumerate() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["seq"], i as u64 + 1);
        for key in ["at", "by", "kind", "prev", "hash"] {
            assert!(v.get(key).is_some(), "line {} lacks {key}", i + 1);
        }
    }
}

#[test]
fn deadlines_count_working_days_and_bank_holidays() {
    let mut env = Env::new();
    env.now("2026-12-18T11:00:00Z");
    let v = env.json(&[
        "open",
        "--policy",
        "gscb",
        "--child",
        "C1",
        "--from",
        "School",
        "--with",
        "CSC",
        "--summary",
        "s",
    ]);
    assert_eq!(
        v["due"], "2026-12-29",
        "Christmas Day, Boxing Day (substitute Mon 28) and the weekend"
    );
    env.now("2027-03-24T11:00:00Z");
    let v = env.json(&[
        "open",
        "--policy",
        "gscb",
        "--child",
        "C2",
        "--from",
        "School",
        "--with",
        "CSC",
        "--summary",
        "s",
    ]);
    assert_eq!(
        v["due"], "2027-04-02",
        "Good Friday 26 Mar and Easter Monday 29 Mar 2027"
    );
}

#[test]
fn backdated_events_count_from_when_they_happened() {
    let mut env = Env::new();
    env.now("2026-11-27T16:00:00Z");
    let id = env.open_gscb(&["--at", "2026-11-20T09:30:00Z"]);
    let v = env.json(&["show", &id]);
    assert_eq!(v["due"], "2026-11-27");
    assert_eq!(v["events"][0]["happened"], "2026-11-20T09:30:00+00:00");
    assert_eq!(v["events"][0]["at"], "2026-11-27T16:00:00+00:00");
    // --at may not be in the future, nor before the last event.
    let err = env.fails(
        1,
        &[
            "discuss",
            &id,
            "--note",
            "n",
            "--at",
            "2026-11-28T09:00:00Z",
        ],
    );
    assert!(err.contains("in the future"), "{err}");
    let err = env.fails(1, &["discuss", &id, "--note", "n", "--at", "2026-11-19"]);
    assert!(err.contains("before the last event"), "{err}");
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
    // Its stage is not late, but a duty is: the dispute is overdue (tests/cli/due.rs).
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
    let text = env.ok(&["status"]);
    assert!(
        text.contains(&late) && text.contains("overdue by 10 working days"),
        "{text}"
    );
}

#[test]
fn obligations_follow_the_child_s_circumstances() {
    let env = Env::new();
    let id = env.open_gscb(&["--looked-after"]);
    env.ok(&["discuss", &id, "--note", "n"]);
    let v = env.json(&["escalate", &id, "--reason", "r"]);
    assert_eq!(v["obligations"][0]["id"], "iro");
    assert_eq!(v["obligations"][0]["due"], serde_json::Value::Null);
    let v = env.json(&["notify", &id, "--who", "Independent Reviewing Officer"]);
    assert_eq!(v["obligations"], serde_json::json!([]));
    // A child with neither flag creates no IRO obligation.
    let id = env.open_gscb(&[]);
    env.ok(&["discuss", &id, "--note", "n"]);
    let v = env.json(&["escalate", &id, "--reason", "r"]);
    assert_eq!(v["obligations"], serde_json::json!([]));
}

#[test]
fn a_shorter_due_date_is_allowed_and_a_longer_one_refused() {
    let env = Env::new(); // Mon 23 Nov 2026: policy date Mon 30 Nov
    let id = env.open_gscb(&["--due", "2026-11-25"]);
    let v = env.json(&["show", &id]);
    assert_eq!(v["due"], "2026-11-25");
    assert_eq!(v["due_set_by"], "user");
    let err = env.fails(1, &open_args("gscb", &["--due", "2026-12-01"]));
    assert!(
        err.contains("later than the policy allows") && err.contains("Mon 30 Nov 2026"),
        "{err}"
    );
    env.ok(&["discuss", &id, "--note", "n"]);
    let err = env.fails(
        1,
        &["escalate", &id, "--reason", "r", "--due", "2026-12-01"],
    );
    assert!(err.contains("due by Mon 30 Nov 2026"), "{err}");
    let v = env.json(&["escalate", &id, "--reason", "r", "--due", "2026-11-26"]);
    assert_eq!(v["due"], "2026-11-26");
}

#[test]
fn refusals_say_what_to_do_and_write_nothing() {
    let env = Env::new();
    let id = env.open_gscb(&[]);

    let err = env.fails(1, &["escalate", &id, "--reason", "r"]);
    assert!(
        err.contains("nothing recorded yet") && err.contains("escalate discuss"),
        "{err}"
    );

    let err = env.fails(1, &["show", "ZZZZZZZZZZ"]);
    assert!(
        err.contains("no dispute has an ID starting ZZZZZZZZZZ"),
        "{err}"
    );
    let err = env.fails(2, &["show", "../../etc/passwd"]);
    assert!(err.contains("is not a dispute ID"), "{err}");

    let err = env.fails(1, &open_args("nowhere", &[]));
    assert!(
        err.contains("there is no policy called \"nowhere\"") && err.contains("gscb"),
        "{err}"
    );

    let err = env.fails(2, &["resolve", &id, "--outcome", "   "]);
    assert!(err.contains("--outcome is empty"), "{err}");
    env.fails(2, &["resolve", &id]);

    let err = env.fails(1, &open_args("gscb", &["--category", "nope"]));
    assert!(
        err.contains("no category \"nope\"") && err.contains("levels-of-need"),
        "{err}"
    );

    env.ok(&["discuss", &id, "--note", "n"]);
    for _ in 0..3 {
        env.ok(&["escalate", &id, "--reason", "r"]);
        env.ok(&["discuss", &id, "--note", "n"]);
    }
    let err = env.fails(1, &["escalate", &id, "--reason", "r"]);
    assert!(
        err.contains("already at stage 4") && err.contains("escalate resolve"),
        "{err}"
    );

    env.ok(&["resolve", &id, "--outcome", "Agreed"]);
    for args in [
        vec!["escalate", id.as_str(), "--reason", "r"],
        vec!["discuss", id.as_str(), "--note", "n"],
        vec!["resolve", id.as_str(), "--outcome", "again"],
    ] {
        let err = env.fails(1, &args);
        assert!(
            err.contains("was resolved on") && err.contains("escalate reopen"),
            "{err}"
        );
    }
}

#[test]
fn ids_are_found_by_any_unique_prefix() {
    let env = Env::new();
    let id = env.open_gscb(&[]);
    let v = env.json(&["show", &id[..4].to_lowercase()]);
    assert_eq!(v["id"], id.as_str());
    let mut ids = vec![id];
    // With enough disputes some share a first character: that prefix is ambiguous.
    loop {
        let next = env.open_gscb(&[]);
        if let Some(twin) = ids.iter().find(|i| i[..1] == next[..1]) {
            let err = env.fails(1, &["show", &twin[..1]]);
            assert!(
                err.contains("matches 2 disputes") || err.contains("matches"),
                "{err}"
            );
            break;
        }
        ids.push(next);
    }
}

#[test]
fn errors_never_name_the_child() {
    let env = Env::new();
    let id = env.open_gscb(&[]);
    let err = env.fails(1, &["escalate", &id, "--reason", "r"]);
    assert!(!err.contains("LCS-40213"), "{err}");
}

#[test]
fn the_user_and_clock_come_from_flags_then_environment() {
    let env = Env::new();
    let id = env.open_gscb(&["--by", "Sam Patel"]);
    let v = env.json(&["show", &id]);
    assert_eq!(v["events"][0]["by"], "Sam Patel");
    assert_eq!(v["events"][0]["at"], "2026-11-23T09:00:00+00:00");
    let err = env.fails(2, &["status", "--as-of", "someday"]);
    assert!(err.contains("YYYY-MM-DD"), "{err}");
    let mut bad = env.cmd(&["status"]);
    bad.env("ESCALATE_NOW", "yesterday");
    bad.assert().code(2);
}

#[test]
fn a_data_directory_that_is_a_file_is_refused_clearly() {
    let env = Env::new();
    let file = env.tmp.path().join("not-a-dir");
    std::fs::write(&file, "x").unwrap();
    let out = env
        .cmd(&["--dir", file.to_str().unwrap(), "status"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("is not a directory") && err.contains("--dir"),
        "{err}"
    );
    assert_eq!(std::fs::read(&file).unwrap(), b"x");
}

#[test]
fn a_dispute_is_between_two_agencies() {
    let env = Env::new();
    env.ok(&["agency", "add", "Children's Social Care"]);
    env.ok(&["agency", "alias", "CSC", "Children's Social Care"]);
    let before = env.snapshot();
    for (from, with) in [("School", "school "), ("CSC", "Children's Social Care")] {
        let err = env.fails(1, &crate::support::open_between("gscb", (from, with), &[]));
        assert!(err.contains("are the same"), "{err}");
        assert!(err.contains("--with is the other agency"), "{err}");
    }
    assert_eq!(before, env.snapshot(), "nothing was written");
    env.ok(&crate::support::open_args("gscb", &[]));
}
