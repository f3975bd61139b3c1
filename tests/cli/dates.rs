//! Dates and times as people write and say them: read, echoed back in words (and
//! not echoed under `--quiet`).

use crate::support::programs::stderr_of;
use crate::support::Env;

// Dates as people write them, read back in words.

#[test]
fn dates_as_people_write_them_are_read_back_in_words() {
    let mut env = Env::new();
    env.now("2026-11-30T12:00:00Z"); // a Monday
    let out = env
        .cmd(&crate::support::open_args(
            "gscb",
            &["--at", "friday 14:00", "--due", "04/12/2026", "--json"],
        ))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let err = stderr_of(&out);
    assert!(
        err.contains("Reading \"friday 14:00\" as Fri 27 Nov 2026 14:00.")
            && err.contains("Reading \"04/12/2026\" as Fri 4 Dec 2026."),
        "{err}"
    );
    let opened: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(opened["opened"], "2026-11-27T14:00:00+00:00");
    assert_eq!(opened["due"], "2026-12-04");
    let id = opened["id"].as_str().unwrap().to_owned();
    let d = env.json(&["discuss", &id, "--note", "n", "--at", "yesterday 10:15"]);
    assert_eq!(d["events"], 2);
    let events = env.json(&["show", &id])["events"].clone();
    assert_eq!(events[1]["happened"], "2026-11-29T10:15:00+00:00");
    let r = env.json(&["report", "--from", "last monday", "--to", "today"]);
    assert_eq!(r["from"], "2026-11-23");
    assert_eq!(r["to"], "2026-11-30");
    // Months too, so a month-end job needs no `date` arithmetic.
    let out = env
        .cmd(&["report", "--month", "last month", "--json"])
        .output()
        .unwrap();
    assert!(stderr_of(&out).contains("Reading \"last month\" as October 2026."));
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (r["from"].as_str(), r["to"].as_str()),
        (Some("2026-10-01"), Some("2026-10-31"))
    );
    assert_eq!(
        env.json(&["report", "--month", "11/2026"])["to"],
        "2026-11-30"
    );
    let err = env.fails(2, &["report", "--month", "13/2026"]);
    assert!(err.contains("MM/YYYY"), "{err}");
    // Plain ISO dates are not echoed; a weekday as a deadline is the coming one
    // (issue 30 item 6).
    let out = env
        .cmd(&["report", "--from", "2026-11-01", "--to", "2026-11-30"])
        .output()
        .unwrap();
    assert!(stderr_of(&out).is_empty(), "{}", stderr_of(&out));
    let out = env
        .cmd(&["escalate", &id, "--reason", "r", "--due", "friday"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(stderr_of(&out).contains("Reading \"friday\" as Fri 4 Dec 2026."));
}

// Quiet means the ID and errors only.

#[test]
fn quiet_does_not_echo_how_a_date_was_read() {
    let env = Env::new();
    let mut args = crate::support::open_args("gscb", &["--at", "yesterday", "--quiet"]);
    let out = env.cmd(&args).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(stderr_of(&out), "", "quiet printed more than the ID");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim().len(), 10);
    // Without --quiet the reading is echoed.
    args.pop();
    let out = env.cmd(&args).output().unwrap();
    assert!(stderr_of(&out).contains("Reading \"yesterday\" as Sun 22 Nov 2026"));
    let out = env
        .cmd(&["report", "--month", "last month", "--quiet"])
        .output()
        .unwrap();
    assert!(out.status.success() && out.stderr.is_empty(), "{out:?}");
}

// Times as people say them, always echoed; a bad time is a bad time.

#[test]
fn times_and_weekdays_as_people_say_them_are_read_and_echoed() {
    let env = Env::new(); // Monday 23 November 2026, 09:00
    let out = env
        .cmd(&crate::support::open_args(
            "gscb",
            &["--at", "yesterday 4pm"],
        ))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(
        stderr_of(&out).contains("Reading \"yesterday 4pm\" as Sun 22 Nov 2026 16:00."),
        "{}",
        stderr_of(&out)
    );
    let id = env.open_gscb(&["--at", "today 9am"]);
    env.ok(&["discuss", &id, "--note", "n"]);
    for (typed, shown, date) in [
        ("friday", "Fri 27 Nov 2026", "2026-11-27"),
        ("next friday", "Fri 27 Nov 2026", "2026-11-27"),
    ] {
        let out = env
            .cmd(&["escalate", &id, "--reason", "r", "--due", typed, "--json"])
            .output()
            .unwrap();
        // The first escalates; the second is refused by the policy (stage 2
        // has no discussion yet), after the date was read.
        assert!(
            stderr_of(&out).contains(&format!("Reading {typed:?} as {shown}.")),
            "{typed}: {out:?}"
        );
        if out.status.success() {
            let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            assert_eq!(v["due"], date, "{v}");
        }
    }
    let err = env.fails(
        2,
        &["discuss", &id, "--note", "n", "--at", "yesterday 25:00"],
    );
    assert!(err.contains("\"25:00\" is not a time of day"), "{err}");
    assert!(!err.contains("is not a date"), "{err}");
}
