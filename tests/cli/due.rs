//! Nothing due is ever invisible (issue 13): every view counts the same due items
//! (the stage deadline and each outstanding obligation), a resolved dispute with a
//! duty outstanding stays in view, deadlines are exact to the minute, interactive
//! `open` asks for every fact the policy's duties depend on, corrections change the
//! record's meaning without editing a line, and no clock can block a dispute.

use std::time::Duration;

use serde_json::Value;

use crate::support::Env;

/// A policy with a stage that has no timescale, duties in hours, on resolving and
/// on a condition: what the built-in policies spread over five files.
const DUTY: &str = r#"format = 1
id = "duty"
name = "Duty test policy"
partnership = "Test Partnership"
year = 2026
document = "Test document"

[[category]]
id = "threshold"
name = "Threshold for assessment"
source = "S"

[[stage]]
number = 1
name = "Talk"
who = "W"
action = "A"
source = "S"

[[stage.deadline]]
none = true
source = "S"

[[stage]]
number = 2
name = "Managers"
who = "M"
action = "A"
source = "S"

[[stage.deadline]]
working_days = 5
source = "S"

[[obligation]]
id = "strategy"
who = "Strategy lead"
action = "Hold a strategy discussion"
on = "enter"
stage = 1
due = { hours = 48 }
source = "S"

[[obligation]]
id = "iro"
who = "Independent Reviewing Officer"
action = "Notify the IRO"
on = "enter"
stage = 2
when = ["cp-plan"]
due = { working_days = 1 }
source = "S"

[[obligation]]
id = "outcome"
who = "Worker who raised the concern"
action = "Send the written outcome"
on = "resolve"
due = { working_days = 2 }
source = "S"
"#;

fn with_duty_policy(env: &Env) {
    let dir = env.config().join("policies");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("duty.toml"), DUTY).unwrap();
}

fn ids(rows: &Value) -> Vec<String> {
    rows.as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect()
}

fn obligation<'a>(v: &'a Value, id: &str) -> &'a Value {
    v["obligations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["id"] == id)
        .unwrap_or_else(|| panic!("no obligation {id} in {v:#}"))
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
fn overdue_text_counts_working_days() {
    let mut env = Env::new();
    env.now("2026-11-02T09:00:00Z");
    let id = env.open_gscb(&[]); // due Mon 9 Nov
    env.now("2026-11-12T09:00:00Z");
    let v = env.json(&["show", &id]);
    assert_eq!(v["days_overdue"], 3);
    assert_eq!(v["working_days_overdue"], 3);
    env.now("2026-11-16T09:00:00Z");
    let v = env.json(&["show", &id]);
    assert_eq!(v["days_overdue"], 7);
    assert_eq!(v["working_days_overdue"], 5);
    assert!(env.ok(&["show", &id]).contains("overdue by 5 working days"));
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

#[test]
fn a_corrected_time_moves_deadlines_and_past_reports() {
    let mut env = Env::new();
    env.now("2026-10-26T09:00:00Z");
    let id = env.open_gscb(&[]);
    env.ok(&["discuss", &id, "--note", "n"]);
    // Escalated on 29 October but recorded on 2 November without --at.
    env.now("2026-11-02T09:00:00Z");
    env.ok(&["escalate", &id, "--reason", "r"]);
    assert_eq!(
        env.json(&["report", "--month", "2026-10"])["escalations"],
        0
    );
    assert_eq!(env.json(&["show", &id])["due"], "2026-11-09");
    env.ok(&[
        "amend",
        &id,
        "--event",
        "3",
        "--happened",
        "2026-10-29 15:00",
        "--note",
        "It was the Thursday",
    ]);
    assert_eq!(
        env.json(&["report", "--month", "2026-10"])["escalations"],
        1
    );
    assert_eq!(
        env.json(&["report", "--month", "2026-11"])["escalations"],
        0
    );
    assert_eq!(env.json(&["show", &id])["due"], "2026-11-05");
    // --at keeps its own message, naming the line it would come before.
    let err = env.fails(
        1,
        &["discuss", &id, "--note", "n", "--at", "2026-10-28 09:00"],
    );
    assert!(
        err.contains("--at") && err.contains("before the last event") && err.contains("line 3"),
        "{err}"
    );
}

#[test]
fn a_fact_learned_later_creates_its_duties_from_then() {
    let mut env = Env::new();
    with_duty_policy(&env);
    env.now("2026-11-23T09:00:00Z");
    let id = env.open("duty", &[])["id"].as_str().unwrap().to_owned();
    env.ok(&["notify", &id, "--who", "strategy"]);
    env.ok(&["discuss", &id, "--note", "n"]);
    env.ok(&["escalate", &id, "--reason", "r"]);
    let before_fact = env.json(&["report", "--from", "2026-11-23", "--to", "2026-11-24"]);
    // On Wednesday the school learns the child has a child protection plan: the
    // IRO duty of stage 2 (already entered) arises now, counted from now.
    env.now("2026-11-25T11:00:00Z");
    env.ok(&[
        "amend",
        &id,
        "--fact",
        "cp-plan=yes",
        "--note",
        "CP plan confirmed by CSC",
    ]);
    let v = env.json(&["show", &id]);
    assert_eq!(v["cp_plan"], true);
    let iro = obligation(&v, "iro");
    assert_eq!(iro["arose"], "2026-11-25T11:00:00+00:00");
    assert_eq!(iro["due_at"], "2026-11-26T23:59:59+00:00");
    assert_eq!(iro["overdue"], false);
    assert!(env
        .ok(&["show", &id])
        .contains("learned that the child has a child protection plan"));
    env.now("2026-11-27T09:00:00Z");
    assert_eq!(ids(&env.json(&["status", "--overdue"])), vec![id.clone()]);
    // The past is not rewritten.
    let after = env.json(&["report", "--from", "2026-11-23", "--to", "2026-11-24"]);
    assert_eq!(before_fact["overdue_at_end"], after["overdue_at_end"]);
    assert_eq!(before_fact["entered_stage"], after["entered_stage"]);
    let err = env.fails(
        1,
        &["amend", &id, "--fact", "cp-plan=yes", "--note", "again"],
    );
    assert!(err.contains("already records cp-plan as yes"), "{err}");
    let err = env.fails(2, &["amend", &id, "--fact", "adopted=yes", "--note", "n"]);
    assert!(err.contains("cp-plan"), "{err}");
}

#[test]
fn multi_line_text_keeps_the_layout_of_show() {
    let env = Env::new();
    let mut args = crate::support::open_args("gscb", &["--json"]);
    args[10] = "First line\nSecond line";
    let id = env.ok(&args);
    let id: Value = serde_json::from_str(&id).unwrap();
    let id = id["id"].as_str().unwrap().to_owned();
    env.ok(&["discuss", &id, "--note", "Called\nNo answer"]);
    // Piped, each event is one line (README): a line break is shown as ↵. (On a
    // terminal, text runs on indented under itself: render::timeline's tests.)
    let show = env.ok(&["show", &id]);
    assert!(
        show.contains("Summary:  First line \u{21B5} Second line\n"),
        "{show}"
    );
    assert!(show.contains("Called \u{21B5} No answer\n"), "{show}");
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

mod pty {
    //! The prompts of `open`, and the escalation plan, in a real pseudo-terminal.
    use super::*;
    use rexpect::session::spawn_command;

    use crate::support::{key, terminal_command as command};

    #[test]
    fn open_asks_for_the_category_and_every_condition() {
        let env = Env::new();
        let mut p = spawn_command(
            command(
                &env,
                &[
                    "open",
                    "--policy",
                    "gscb",
                    "--from",
                    "School",
                    "--with",
                    "CSC",
                    "--summary",
                    "s",
                    "--immediate-harm",
                ],
            ),
            Some(20_000),
        )
        .unwrap();
        p.exp_string("Child's reference").unwrap();
        p.send_line("LCS-9").unwrap();
        p.exp_string("What kind of disagreement is it?").unwrap();
        p.exp_string("Levels of need").unwrap();
        key(&mut p, "\r");
        p.exp_string("Does the child have a child protection plan?")
            .unwrap();
        p.exp_string("Notify the Independent Reviewing Officer")
            .unwrap();
        key(&mut p, "y\r");
        p.exp_string("Is the child looked after?").unwrap();
        key(&mut p, "\r");
        // --immediate-harm was given: not asked again.
        p.exp_string("Your answers create these duties:").unwrap();
        p.exp_string("Notify the Independent Reviewing Officer (at stage 2)")
            .unwrap();
        p.exp_string("Opened dispute").unwrap();
        p.exp_eof().unwrap();
        let row = &env.json(&["status"])[0];
        assert_eq!(row["cp_plan"], true);
        assert_eq!(row["looked_after"], false);
        assert_eq!(row["immediate_harm"], true);
        assert_eq!(row["category"], "levels-of-need");
        let id = row["id"].as_str().unwrap().to_owned();
        env.ok(&["discuss", &id, "--note", "n"]);
        env.ok(&["escalate", &id, "--reason", "r"]);
        assert_eq!(obligation(&env.json(&["show", &id]), "iro")["stage"], 2);
    }

    #[test]
    fn an_escalation_plan_that_changed_under_the_lock_is_refused() {
        let env = Env::new();
        let id = env.open_gscb(&["--immediate-harm"]);
        env.ok(&["discuss", &id, "--note", "n"]);
        let mut p = spawn_command(
            command(&env, &["escalate", &id, "--reason", "r"]),
            Some(20_000),
        )
        .unwrap();
        p.exp_string("Next: stage 2").unwrap();
        p.exp_string("Escalate dispute").unwrap();
        // Meanwhile a colleague escalates it (no terminal: no confirmation).
        env.ok(&["escalate", &id, "--reason", "colleague"]);
        env.ok(&["discuss", &id, "--note", "n"]);
        let before = env.snapshot();
        key(&mut p, "y\r");
        // Issue 30 item 15: the escalation confirmed was from stage 1.
        p.exp_string("already escalated to stage 2 by").unwrap();
        p.exp_eof().unwrap();
        assert_eq!(before, env.snapshot());
    }

    #[test]
    fn a_resolution_confirmed_at_one_stage_is_not_recorded_at_another() {
        let env = Env::new();
        let id = env.open_gscb(&[]);
        env.ok(&["discuss", &id, "--note", "n"]);
        let mut p = spawn_command(command(&env, &["resolve", &id]), Some(20_000)).unwrap();
        p.exp_string("The agreed outcome").unwrap();
        p.send_line("Assessment agreed").unwrap();
        p.exp_string("at stage 1 with this outcome?").unwrap();
        env.ok(&["escalate", &id, "--reason", "colleague"]);
        let before = env.snapshot();
        key(&mut p, "y\r");
        p.exp_string("moved from stage 1 to stage 2").unwrap();
        p.exp_eof().unwrap();
        assert_eq!(before, env.snapshot());
    }

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
}

#[cfg(unix)]
mod show_on_a_terminal {
    use crate::support::{terminal_command as command, Env};
    use rexpect::session::spawn_command;

    #[test]
    fn show_breaks_long_lines_between_words_at_60_columns() {
        let env = Env::new();
        let id = env.open_gscb(&["--cp-plan"]);
        env.ok(&[
            "discuss",
            &id,
            "--note",
            "Spoke to the duty social worker about the referral",
        ]);
        env.ok(&["escalate", &id, "--reason", "No agreement at stage one"]);
        let mut cmd = command(&env, &["show", &id]);
        cmd.env("COLUMNS", "60").env("NO_COLOR", "1");
        let mut p = spawn_command(cmd, Some(20_000)).unwrap();
        // The terminal's bytes come back one character each: decoded as UTF-8
        // again, "—" is one column, as on a screen.
        let raw = p.exp_eof().unwrap();
        let text = String::from_utf8(raw.chars().map(|c| c as u8).collect()).unwrap_or(raw);
        let lines: Vec<&str> = text.lines().map(|l| l.trim_end_matches('\r')).collect();
        // Only a word longer than a line (the journal head's hash) may run over.
        assert!(
            lines
                .iter()
                .all(|l| l.chars().count() <= 60 || l.split_whitespace().count() == 1),
            "{text}"
        );
        for word in [
            "Independent",
            "Reviewing",
            "Officer",
            "referral",
            "Escalate",
        ] {
            assert!(text.contains(word), "{word} is never broken: {text}");
        }
        // Piped, the same lines are whole (scripts read one line an event).
        let piped = env.ok(&["show", &id]);
        assert!(piped.lines().any(|l| l.chars().count() > 60), "{piped}");
    }
}

/// `verify` checks that every correction refers to a real event: a correction of
/// line 99, sealed and chained as escalate would, is damage.
#[test]
fn verify_checks_every_correction_refers_to_a_real_event() {
    use sha2::{Digest, Sha256};
    let env = Env::new();
    let id = env.open_gscb(&[]);
    env.ok(&[
        "amend",
        &id,
        "--event",
        "1",
        "--happened",
        "2026-11-23 08:30",
        "--note",
        "opened at half past eight",
    ]);
    assert!(env.ok(&["verify", &id]).contains("ok"));
    let journal = env.journal(&id);
    let hex = |b: &[u8]| {
        Sha256::digest(b)
            .iter()
            .map(|x| format!("{x:02x}"))
            .collect::<String>()
    };
    let text = std::fs::read_to_string(&journal).unwrap();
    let last = text.lines().last().unwrap();
    // Signed afresh (any key may sign while the signers file is absent): a line
    // whose signature fails does not count, and its correction is never looked at.
    let mut r: escalate_core::domain::event::Record = serde_json::from_str(last).unwrap();
    r.seq = 3;
    if let escalate_core::domain::event::Event::Amended { event, .. } = &mut r.event {
        *event = 99;
    }
    r.prev = hex(last.as_bytes());
    let key = escalate_core::integrity::signing::Key::from_seed(&[3; 32], "k");
    let line = escalate_core::store::journal::line::encode_signed(&mut r, &key).unwrap();
    std::fs::write(&journal, text + &line + "\n").unwrap();
    let _ = std::fs::remove_file(journal.with_extension("head"));
    let err = env.fails(3, &["verify", &id]);
    assert!(
        err.contains("line 3") && err.contains("corrected time for line 99"),
        "{err}"
    );
}
