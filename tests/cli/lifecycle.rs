//! A dispute from `open` to `resolve` under the Gloucestershire policy, every
//! refusal saying what to do and writing nothing, plain words and codes, and no
//! error naming the child.

use crate::support::programs::stderr_of;
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
fn errors_never_name_the_child() {
    let env = Env::new();
    let id = env.open_gscb(&[]);
    let err = env.fails(1, &["escalate", &id, "--reason", "r"]);
    assert!(!err.contains("LCS-40213"), "{err}");
}

// Words and codes that confused.

#[test]
fn confusing_words_and_codes_are_plain() {
    let env = Env::new();
    let id = env.open_gscb(&[]);
    let err = env.fails(
        2,
        &["escalate", &id, "--reason", "r", "--due", "2026-11-31"],
    );
    assert!(err.contains("November 2026 has 30 days"), "{err}");
    let err = env.fails(2, &["report", "--from", "2026-11-01"]);
    assert!(
        err.contains("--to <DATE>") && !err.contains("--month"),
        "{err}"
    );
    // ESCALATE_DIR is set here: it is not shown as a required --dir.
    assert!(!err.contains("--dir <PATH>"), "{err}");
    let upper = env.open("GSCB", &[]);
    assert_eq!(upper["policy"], "gscb");
    env.ok(&["config", "set", "policy", "GSCB"]);
    assert_eq!(env.ok(&["config", "get", "policy"]), "gscb\n");
    let rows = env.json(&["report", "--month", "2026-11", "--policy", "GSCB"]);
    assert_eq!(rows["opened"], 2);
    let err = env.fails(2, &["discuss", &id, "--note", ""]);
    assert!(err.contains("--note is empty"), "{err}");
    let out = env
        .cmd(&["report", "--month", "2027-01", "--format", "csv"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(
        stderr_of(&out).contains("after today"),
        "{}",
        stderr_of(&out)
    );
    let out = env
        .cmd(&["report", "--month", "2026-11", "--agency", "CSC"])
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert!(
        err.contains("no dispute names the agency \"CSC\"")
            && err.contains("Children's Social Care"),
        "{err}"
    );
    let out = env
        .cmd(&[
            "report",
            "--month",
            "2026-11",
            "--agency",
            "children's social care",
        ])
        .output()
        .unwrap();
    assert!(stderr_of(&out).is_empty(), "{}", stderr_of(&out));
}
