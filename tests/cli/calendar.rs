//! The working-day calendar end to end: a GOV.UK import and local closure days
//! move the deadlines of disputes already open (and closure days reach the
//! partnership only when closed for it), a policy's division picks its calendar,
//! the `add`/`between` sums, and every bad input or damaged calendar file is
//! refused without writing anything.

use crate::support::calendars::{govuk, write_file, EW_2026};
use crate::support::sharing::{open, partnership, share};
use crate::support::{open_args, Env};
use std::path::PathBuf;

const BOXING_2026: &str =
    r#"{"title":"Boxing Day","date":"2026-12-28","notes":"Substitute day","bunting":true}"#;

fn due(env: &Env, id: &str) -> String {
    env.json(&["show", id])["due"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn an_import_moves_the_deadlines_of_open_disputes() {
    let mut env = Env::new();
    env.now("2026-12-18T11:00:00Z");
    let id = env.open_gscb(&[]);
    assert_eq!(due(&env, &id), "2026-12-29");

    // GOV.UK announces an extra holiday inside the five working days.
    let extra = write_file(
        &env,
        "extra.json",
        &govuk(&format!(
            r#"{EW_2026},{BOXING_2026},
            {{"title":"Extra bank holiday","date":"2026-12-22","notes":"","bunting":true}}"#
        )),
    );
    let out = env.ok(&["calendar", "import", extra.to_str().unwrap()]);
    assert!(
        out.contains(
            "england-and-wales: Tue 22 Dec 2026 \"Extra bank holiday\" is in the import but not in the rules"
        ),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "{id} (gscb stage 1): Tue 29 Dec 2026 -> Wed 30 Dec 2026"
        )),
        "{out}"
    );
    let v = env.json(&["show", &id]);
    assert_eq!(v["due"], "2026-12-30");
    assert_eq!(
        v["calendar"],
        "England and Wales bank holidays (rules; GOV.UK import for 2026)"
    );
    let stored = env.data().join("calendar").join("bank-holidays.json");
    assert!(stored.is_file());

    // A later import that leaves out a rule holiday: the import decides.
    let fewer = write_file(&env, "fewer.json", &govuk(EW_2026));
    let v = env.json(&["calendar", "import", fewer.to_str().unwrap()]);
    assert_eq!(v["changed"], true);
    assert_eq!(v["differences"][0]["date"], "2026-12-28");
    assert_eq!(v["differences"][0]["kind"], "only-in-rules");
    assert_eq!(v["moved"][0]["id"], id.as_str());
    assert_eq!(v["moved"][0]["from"], "2026-12-30");
    assert_eq!(v["moved"][0]["to"], "2026-12-28");
    assert_eq!(due(&env, &id), "2026-12-28");
    let bak = std::fs::read_to_string(stored.with_file_name("bank-holidays.json.bak")).unwrap();
    assert!(
        bak.contains("Extra bank holiday"),
        "the previous import is kept"
    );
    // Years the import does not cover still come from the rules.
    let v = env.json(&["calendar", "add", "2027-12-24", "1"]);
    assert_eq!(v["date"], "2027-12-29");
}

#[test]
fn a_broken_import_is_refused_and_changes_nothing() {
    let mut env = Env::new();
    env.now("2026-12-18T11:00:00Z");
    let id = env.open_gscb(&[]);
    let good = write_file(
        &env,
        "good.json",
        &govuk(&format!("{EW_2026},{BOXING_2026}")),
    );
    env.ok(&["calendar", "import", good.to_str().unwrap()]);
    let cases = [
        (
            "not-json.json",
            "<html>Service unavailable</html>".to_owned(),
            "not valid JSON",
        ),
        (
            "bad-date.json",
            govuk(r#"{"title":"A","date":"2026-02-30","notes":"","bunting":true}"#),
            "\"2026-02-30\", which is not a real date",
        ),
        (
            "wales.json",
            r#"{"wales":{"division":"wales","events":[]}}"#.to_owned(),
            "unknown division \"wales\"",
        ),
        ("empty.json", String::new(), "not valid JSON"),
        ("no-divisions.json", "{}".to_owned(), "lists no divisions"),
        ("no-events.json", govuk(""), "\"events\" is empty"),
    ];
    for (name, text, needle) in cases {
        let path = write_file(&env, name, &text);
        let err = env.fails(1, &["calendar", "import", path.to_str().unwrap()]);
        assert!(err.contains(needle), "{name}: {err}");
        assert!(err.contains(name), "the message names the file: {err}");
        assert!(err.contains("Nothing was changed"), "{err}");
    }
    let missing = env.tmp.path().join("missing.json");
    let err = env.fails(1, &["calendar", "import", missing.to_str().unwrap()]);
    assert!(err.contains("could not read"), "{err}");
    assert_eq!(due(&env, &id), "2026-12-29");
}

#[test]
fn closure_days_move_deadlines_and_reopening_restores_them() {
    let mut env = Env::new();
    env.now("2026-12-18T11:00:00Z");
    let id = env.open_gscb(&[]);
    assert_eq!(due(&env, &id), "2026-12-29");

    let out = env.ok(&[
        "calendar",
        "close",
        "2026-12-29",
        "--to",
        "2026-12-31",
        "--reason",
        "Council closed",
    ]);
    assert!(
        out.contains("Closed Tue 29 Dec 2026 to Thu 31 Dec 2026 (3 days): Council closed."),
        "{out}"
    );
    assert!(out.contains("Tue 29 Dec 2026 -> Mon 4 Jan 2027"), "{out}");
    let v = env.json(&["show", &id]);
    assert_eq!(v["due"], "2027-01-04");
    assert_eq!(
        v["calendar"],
        "England and Wales bank holidays (rules) and 3 local closure days"
    );
    let text = env.ok(&["show", &id]);
    assert!(
        text.contains("Calendar: England and Wales bank holidays (rules) and 3 local closure days"),
        "{text}"
    );

    let year = env.json(&["calendar", "show", "--year", "2026"]);
    let closed: Vec<(&str, &str)> = year["days"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["origin"] == "closure")
        .map(|d| (d["date"].as_str().unwrap(), d["name"].as_str().unwrap()))
        .collect();
    assert_eq!(
        closed,
        [
            ("2026-12-29", "Council closed"),
            ("2026-12-30", "Council closed"),
            ("2026-12-31", "Council closed")
        ]
    );
    let text = env.ok(&["calendar", "show", "--year", "2026"]);
    assert!(
        text.contains("Wed 30 Dec 2026") && text.contains("local closure"),
        "{text}"
    );
    assert!(text.contains("Boxing Day (substitute day)"), "{text}");

    // Deadlines computed by hand see the closure too.
    let v = env.json(&["calendar", "add", "2026-12-18", "5"]);
    assert_eq!(v["date"], "2027-01-04");
    assert_eq!(v["skipped"][2]["reason"], "Local closure: Council closed");

    let out = env.ok(&["calendar", "reopen", "2026-12-30"]);
    assert!(
        out.contains("Reopened Wed 30 Dec 2026 (was closed: Council closed)."),
        "{out}"
    );
    assert_eq!(due(&env, &id), "2026-12-30");
    env.ok(&["calendar", "reopen", "2026-12-29", "--to", "2026-12-31"]);
    assert_eq!(due(&env, &id), "2026-12-29");
    let err = env.fails(1, &["calendar", "reopen", "2026-12-30"]);
    assert!(
        err.contains("Wed 30 Dec 2026 is not a closure day"),
        "{err}"
    );
    // Reopening every day leaves an empty list, which still reads back.
    let v = env.json(&["show", &id]);
    assert_eq!(v["calendar"], "England and Wales bank holidays (rules)");
}

#[test]
fn working_day_sums_by_hand() {
    let env = Env::new();
    let cases: [(&[&str], &str); 5] = [
        (&["2026-12-18", "5"], "2026-12-29"),
        (&["2027-03-24", "5"], "2027-04-02"),
        // Scotland's World Cup bank holiday, Mon 15 June 2026.
        (&["2026-06-12", "1", "--division", "scotland"], "2026-06-16"),
        // 12 July 2026 is a Sunday: Northern Ireland has Monday off instead.
        (
            &["2026-07-10", "1", "--division", "northern-ireland"],
            "2026-07-14",
        ),
        (&["2026-07-10", "1"], "2026-07-13"),
    ];
    for (args, want) in cases {
        let mut all = vec!["calendar", "add"];
        all.extend_from_slice(args);
        let v = env.json(&all);
        assert_eq!(v["date"], want, "{args:?}");
        // `between` agrees with `add`.
        let mut back = vec!["calendar", "between", args[0], want];
        back.extend_from_slice(&args[2..]);
        let b = env.json(&back);
        assert_eq!(b["working_days"].as_i64(), args[1].parse().ok(), "{back:?}");
    }
    let out = env.ok(&["calendar", "add", "2026-12-18", "5"]);
    assert!(
        out.starts_with(
            "Tue 29 Dec 2026 (5 working days after Fri 18 Dec 2026, England and Wales bank holidays (rules))"
        ),
        "{out}"
    );
    assert!(out.contains("Fri 25 Dec 2026 (Christmas Day)"), "{out}");
    let v = env.json(&["calendar", "add", "2026-12-19", "0"]);
    assert_eq!(v["date"], "2026-12-21", "0 means the next working day");
    let v = env.json(&["calendar", "between", "2026-12-24", "2026-12-28"]);
    assert_eq!(v["working_days"], 0);
    assert_eq!(v["weekend_days"], 2);
    let names: Vec<&str> = v["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["reason"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Christmas Day", "Boxing Day (substitute day)"]);
    // The default year is this year by the pinned clock; one-offs cite a source.
    let v = env.json(&["calendar", "show", "--division", "scotland"]);
    assert_eq!(v["year"], 2026);
    let wc = v["days"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["date"] == "2026-06-15")
        .cloned()
        .unwrap_or_default();
    assert_eq!(wc["origin"], "one-off");
    assert!(wc["source"].as_str().unwrap_or("").contains("Proclamation"));
}

#[test]
fn a_policy_s_division_picks_its_calendar() {
    let env = Env::new(); // Mon 23 Nov 2026
    let text = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("policies/gscb.toml"),
    )
    .unwrap()
    .replace("id = \"gscb\"", "id = \"gscb-scot\"")
    .replace(
        "division = \"england-and-wales\"",
        "division = \"scotland\"",
    );
    let dir = env.config().join("policies");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("gscb-scot.toml"), text).unwrap();
    let v = env.json(&open_args("gscb-scot", &[]));
    assert_eq!(v["policy"], "gscb-scot");
    // Mon 30 Nov 2026 is St Andrew's Day in Scotland only.
    assert_eq!(v["due"], "2026-12-01");
    assert_eq!(v["calendar"], "Scotland bank holidays (rules)");
    let ew = env.open_gscb(&[]);
    assert_eq!(due(&env, &ew), "2026-11-30");
    // A closure day applies to every division.
    env.ok(&[
        "calendar",
        "close",
        "2026-11-24",
        "--reason",
        "Training day",
    ]);
    let id = v["id"].as_str().unwrap();
    assert_eq!(due(&env, id), "2026-12-02");
    assert_eq!(due(&env, &ew), "2026-12-01");
}

#[test]
fn bad_input_is_refused_and_writes_nothing() {
    let env = Env::new();
    env.ok(&["calendar", "close", "2026-12-29", "--reason", "Closed"]);
    let err = env.fails(
        2,
        &["calendar", "add", "2026-12-18", "5", "--division", "wales"],
    );
    for name in [
        "\"wales\"",
        "england-and-wales",
        "scotland",
        "northern-ireland",
    ] {
        assert!(err.contains(name), "{err}");
    }
    env.fails(2, &["calendar", "show", "--division", "ulster"]);
    let err = env.fails(2, &["calendar", "add", "2026-02-30", "5"]);
    assert!(err.contains("February 2026 has 28 days"), "{err}");
    let err = env.fails(2, &["calendar", "add", "18.12.2026", "5"]);
    assert!(err.contains("YYYY-MM-DD or DD/MM/YYYY"), "{err}");
    env.fails(2, &["calendar", "add", "2026-12-18", "five"]);
    env.fails(2, &["calendar", "add", "2026-12-18", "-5"]);
    env.fails(2, &["calendar", "add", "2026-12-18", "99999999"]);
    env.fails(2, &["calendar", "show", "--year", "twenty"]);
    env.fails(2, &["calendar", "between", "2026-12-29"]);
    let err = env.fails(2, &["calendar", "between", "2026-12-29", "2026-12-18"]);
    assert!(err.contains("is before"), "{err}");
    env.fails(2, &["calendar", "close", "2026-12-30"]);
    env.fails(2, &["calendar", "close", "2026-13-01", "--reason", "x"]);
    let err = env.fails(2, &["calendar", "close", "2026-12-30", "--reason", "  "]);
    assert!(err.contains("--reason is empty"), "{err}");
    let err = env.fails(
        1,
        &[
            "calendar",
            "close",
            "2026-12-31",
            "--to",
            "2026-12-30",
            "--reason",
            "x",
        ],
    );
    assert!(err.contains("is before"), "{err}");
    let err = env.fails(
        1,
        &[
            "calendar",
            "close",
            "2026-01-01",
            "--to",
            "2027-06-30",
            "--reason",
            "x",
        ],
    );
    assert!(err.contains("at most 366 days"), "{err}");
    let err = env.fails(
        1,
        &[
            "calendar",
            "close",
            "2026-12-19",
            "--to",
            "2026-12-20",
            "--reason",
            "x",
        ],
    );
    assert!(err.contains("no weekday to close"), "{err}");
    let err = env.fails(1, &["calendar", "reopen", "2026-12-30"]);
    assert!(
        err.contains("not a closure day") && err.contains("Tue 29 Dec 2026"),
        "{err}"
    );
    env.fails(2, &["calendar"]);
    env.fails(2, &["calendar", "frobnicate"]);
}

#[test]
fn damaged_calendar_files_stop_every_command() {
    let mut env = Env::new();
    env.now("2026-12-18T11:00:00Z");
    let id = env.open_gscb(&[]);
    env.ok(&["calendar", "close", "2026-12-29", "--reason", "Closed"]);
    let closures = env.data().join("calendar").join("closures.json");
    let good = std::fs::read_to_string(&closures).unwrap();
    std::fs::write(&closures, good.replace("2026-12-29", "2026-12-32")).unwrap();
    for args in [
        vec!["show", id.as_str()],
        vec!["status"],
        vec!["calendar", "add", "2026-12-18", "5"],
        vec!["calendar", "close", "2026-12-30", "--reason", "x"],
    ] {
        let err = env.fails(3, &args);
        assert!(err.contains("closures.json is damaged"), "{err}");
        assert!(err.contains("closures.json.bak"), "{err}");
    }
    std::fs::write(&closures, good).unwrap();
    assert_eq!(due(&env, &id), "2026-12-30");

    let import = env.data().join("calendar").join("bank-holidays.json");
    std::fs::write(&import, govuk(r#"{"title":"X","date":"2026-1-5"}"#)).unwrap();
    let err = env.fails(3, &["status"]);
    assert!(
        err.contains("bank-holidays.json is damaged") && err.contains("YYYY-MM-DD"),
        "{err}"
    );
    std::fs::remove_file(&import).unwrap();
    assert_eq!(due(&env, &id), "2026-12-30");
}

#[test]
fn the_division_setting_picks_the_calendar_for_calendar_commands() {
    let env = Env::new();
    assert_eq!(
        env.json(&["calendar", "add", "2026-06-12", "1"])["date"],
        "2026-06-15"
    );
    env.ok(&["config", "set", "division", "scotland"]);
    // Scotland's World Cup bank holiday, Mon 15 June 2026, now counts.
    let out = env.ok(&["calendar", "add", "2026-06-12", "1"]);
    assert!(out.starts_with("Tue 16 Jun 2026"), "{out}");
    let v = env.json(&["calendar", "between", "2026-06-12", "2026-06-16"]);
    assert_eq!(v["working_days"], 1);
    assert_eq!(env.json(&["calendar", "show"])["division"], "scotland");
    // The flag still beats the setting.
    let v = env.json(&[
        "calendar",
        "add",
        "2026-06-12",
        "1",
        "--division",
        "england-and-wales",
    ]);
    assert_eq!(v["date"], "2026-06-15");
}

#[test]
fn closure_days_are_shared_only_when_closed_for_the_partnership() {
    let (_tmp, remote, school, csc) = partnership();
    let r = remote.to_str().unwrap();
    open(
        &school,
        "Hollyfield Primary",
        "Children's Social Care",
        "LCS-1",
    );
    share(&school, &csc, r);
    school.ok(&[
        "calendar",
        "close",
        "2026-12-29",
        "--reason",
        "Partnership training day",
        "--partnership",
    ]);
    school.ok(&[
        "calendar",
        "close",
        "2026-12-30",
        "--reason",
        "School inset day",
    ]);
    school.ok(&["sync"]);
    csc.ok(&["sync"]);
    let shown = csc.ok(&["calendar", "show", "--year", "2026"]);
    assert!(shown.contains("Partnership training day"), "{shown}");
    assert!(!shown.contains("School inset day"), "{shown}");
    let own = school.ok(&["calendar", "show", "--year", "2026"]);
    assert!(own.contains("Partnership training day") && own.contains("School inset day"));
}
