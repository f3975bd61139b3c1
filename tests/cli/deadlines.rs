//! Deadlines across every view: working days and bank holidays, exact to the
//! minute, counted from when things happened, overdue obligations counted alike
//! in `status`, `show`, `report` and `export`, a user's own `--due` winning, and
//! no clock (wrong or shared by commands started together) blocking a dispute.

use crate::support::calendars::{govuk, write_file, EW_2026};
use crate::support::duties::{ids, obligation, with_duty_policy, DUTY};
use crate::support::Env;
use serde_json::Value;
use std::time::Duration;

#[test]
fn a_user_s_own_due_date_still_wins() {
    let mut env = Env::new();
    env.now("2026-12-18T11:00:00Z");
    let id = env.open_gscb(&["--due", "2026-12-22"]);
    env.ok(&[
        "calendar",
        "close",
        "2026-12-21",
        "--to",
        "2026-12-23",
        "--reason",
        "Office move",
    ]);
    let fewer = write_file(&env, "fewer.json", &govuk(EW_2026));
    env.ok(&["calendar", "import", fewer.to_str().unwrap()]);
    let v = env.json(&["show", &id]);
    assert_eq!(v["due"], "2026-12-22");
    assert_eq!(v["due_set_by"], "user");
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
fn overdue_obligations_count_in_every_view() {
    let mut env = Env::new();
    env.now("2026-11-23T09:00:00Z"); // Monday
    let id = env.open_gscb(&["--immediate-harm"]);
    env.now("2026-11-24T09:00:00Z");
    let text = env.ok(&["status"]);
    assert!(text.contains("(immediately: overdue)"), "{text}");
    // The stage is not late, the duty to tell the DSL is: the dispute is overdue.
    assert_eq!(ids(&env.json(&["status", "--overdue"])), vec![id.clone()]);
    assert_eq!(
        ids(&env.json(&["status", "--due-within", "0"])),
        vec![id.clone()]
    );
    let row = &env.json(&["status"])[0];
    assert_eq!(row["overdue"], true);
    assert_eq!(row["stage_overdue"], false);
    assert_eq!(obligation(row, "dsl")["overdue"], true);
    // The month's figures count it too.
    let r = env.json(&["report", "--month", "2026-11"]);
    assert_eq!(r["overdue_at_end"], 1, "{r:#}");
    let csv = env.ok(&["export", "--format", "csv"]);
    assert!(csv.contains("overdue)"), "{csv}");

    // A stage with no fixed timescale: its duties are still due items.
    with_duty_policy(&env);
    env.now("2026-11-23T09:00:00Z");
    let quiet = env.open("duty", &[])["id"].as_str().unwrap().to_owned();
    env.now("2026-11-25T09:01:00Z"); // 48 hours and a minute later
    let overdue = ids(&env.json(&["status", "--overdue"]));
    assert!(overdue.contains(&quiet), "{overdue:?}");
    let text = env.ok(&["status", "--overdue"]);
    assert!(
        text.contains(&quiet) && text.contains("Hold a strategy discussion"),
        "{text}"
    );
}

#[test]
fn deadlines_are_exact_to_the_minute() {
    let mut env = Env::new();
    with_duty_policy(&env);
    env.now("2026-11-20T09:00:00Z"); // Friday
    let id = env.open("duty", &[])["id"].as_str().unwrap().to_owned();
    let gscb = env.open_gscb(&[]);
    env.now("2026-11-20T10:00:00Z");
    let show = env.json(&["show", &id]);
    let o = obligation(&show, "strategy");
    assert_eq!(o["due"], "2026-11-22");
    assert_eq!(o["due_at"], "2026-11-22T09:00:00+00:00");
    assert_eq!(o["overdue"], false);
    let g = env.json(&["show", &gscb]);
    assert_eq!(g["due"], "2026-11-27");
    assert_eq!(g["due_at"], "2026-11-27T23:59:59+00:00");
    assert_eq!(g["overdue"], false);
    // 48 hours from Friday morning is Sunday morning: shown with its time, and not
    // "due today" on the Friday.
    let text = env.ok(&["show", &id]);
    assert!(text.contains("Sun 22 Nov 2026 09:00"), "{text}");
    assert!(!text.contains("due today"), "{text}");
    let ics = env.ok(&["export", "--format", "ics"]);
    assert!(ics.contains("DTSTART:20261122T090000Z"), "{ics}");
}

#[test]
fn a_deadline_on_a_later_non_working_day_is_not_due_today() {
    let mut env = Env::new();
    // A stage due in 24 clock hours (as cscp's 2019 text reads to some): opened on
    // Friday at 10:00, due Saturday at 10:00.
    let dir = env.config().join("policies");
    std::fs::create_dir_all(&dir).unwrap();
    let hours = DUTY
        .replace("id = \"duty\"", "id = \"hours\"")
        .replace("none = true", "hours = 24");
    std::fs::write(dir.join("hours.toml"), hours).unwrap();
    env.now("2026-11-20T10:00:00Z"); // Friday
    let id = env.open("hours", &[])["id"].as_str().unwrap().to_owned();
    env.ok(&["notify", &id, "--who", "strategy"]);
    env.now("2026-11-20T11:00:00Z");
    let text = env.ok(&["status"]);
    assert!(text.contains("Sat 21 Nov 2026 10:00"), "{text}");
    assert!(!text.contains("due today"), "{text}");
    env.now("2026-11-21T08:00:00Z");
    assert!(env.ok(&["show", &id]).contains("due today"));
    env.now("2026-11-21T10:01:00Z");
    assert_eq!(env.json(&["show", &id])["overdue"], true);
    let ics = env.ok(&["export", "--format", "ics"]);
    assert!(ics.contains("DTSTART:20261121T100000Z"), "{ics}");
}

#[test]
fn a_wrong_clock_never_blocks_a_dispute() {
    let mut env = Env::new();
    env.now("2026-11-23T09:00:00Z");
    let id = env.open_gscb(&[]);
    // A PC with its date wrong records a discussion on 5 December.
    env.now("2026-12-05T09:00:00Z");
    env.ok(&["discuss", &id, "--note", "Phoned"]);
    env.now("2026-11-24T09:00:00Z");
    let err = env.fails(1, &["escalate", &id, "--reason", "r"]);
    assert!(!err.contains("--at"), "no --at was given: {err}");
    assert!(
        err.contains("line 2")
            && err.contains(&format!("escalate amend {id} --event 2 --happened")),
        "{err}"
    );
    // The correction cannot be in the future, nor before the line before.
    let err = env.fails(
        1,
        &[
            "amend",
            &id,
            "--event",
            "2",
            "--happened",
            "2026-11-25 10:00",
            "--note",
            "n",
        ],
    );
    assert!(err.contains("in the future"), "{err}");
    let err = env.fails(
        1,
        &[
            "amend",
            &id,
            "--event",
            "2",
            "--happened",
            "2026-11-22 10:00",
            "--note",
            "n",
        ],
    );
    assert!(err.contains("before line 1"), "{err}");
    env.ok(&[
        "amend",
        &id,
        "--event",
        "2",
        "--happened",
        "2026-11-23 10:00",
        "--note",
        "The PC's clock was wrong",
    ]);
    // Recording works again, and the corrected time is the one every view uses.
    env.ok(&["escalate", &id, "--reason", "r"]);
    let show = env.ok(&["show", &id]);
    assert!(
        show.contains("Mon 23 Nov 2026 10:00 (corrected; the line says Sat 5 Dec 2026 09:00"),
        "{show}"
    );
    assert!(
        show.contains("happened at Mon 23 Nov 2026 10:00: The PC's clock was wrong"),
        "{show}"
    );
    let v = env.json(&["show", &id]);
    assert_eq!(v["stage"], 2);
    assert_eq!(v["due"], "2026-12-01");
    assert_eq!(v["events"][1]["at"], "2026-12-05T09:00:00+00:00");
    assert_eq!(
        v["events"][1]["corrected_happened"],
        "2026-11-23T10:00:00+00:00"
    );
    assert_eq!(env.ok(&["verify", &id]).lines().count(), 1);
}

/// Twenty `discuss` commands started together across a second boundary: each reads
/// the time once it holds the journal, so none is refused for coming "before" the
/// one it waited for. Uses the real clock (the point is its ticking).
#[test]
fn commands_started_together_are_never_refused_by_the_clock() {
    let env = Env::new();
    let mut open = env.cmd(&crate::support::open_args("gscb", &["--json"]));
    open.env_remove("ESCALATE_NOW");
    let out = open.output().unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let id = v["id"].as_str().unwrap().to_owned();
    // Start them just before a second turns, a few times with different leads, as
    // how long a process takes to start varies.
    for lead in [100, 50, 20, 150] {
        let ms = chrono::Utc::now().timestamp_subsec_millis();
        std::thread::sleep(Duration::from_millis(u64::from((2000 - lead - ms) % 1000)));
        let children: Vec<_> = (0..20)
            .map(|i| {
                let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin("escalate"));
                c.env_clear()
                    .envs(env.vars())
                    .env_remove("ESCALATE_NOW")
                    .args(["discuss", &id, "--note", &format!("call {i}")])
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for c in children {
            let out = c.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
    assert_eq!(
        env.json(&["show", &id])["events"].as_array().unwrap().len(),
        81
    );
}
