//! `escalate amend`: a correction adds a line and never edits one; a corrected time
//! moves deadlines and past reports, a fact learned later creates its duties from
//! then, and a change is wrapped between words on a terminal.

use crate::support::duties::{ids, obligation, with_duty_policy};
use crate::support::Env;

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
fn amend_and_reopen_add_lines_and_never_edit() {
    let env = Env::new();
    let id = env.open_gscb(&[]);
    env.ok(&["discuss", &id, "--note", "Spoke to A. Smyth"]);
    let before = std::fs::read(env.journal(&id)).unwrap();
    let err = env.fails(1, &["amend", &id, "--event", "9", "--note", "x"]);
    assert!(
        err.contains(&format!("dispute {id} has no line 9")),
        "{err}"
    );
    env.fails(1, &["amend", &id, "--event", "0", "--note", "x"]);
    env.fails(2, &["amend", &id, "--event", "two", "--note", "x"]);
    let err = env.fails(1, &["reopen", &id, "--reason", "x"]);
    assert!(
        err.contains("only a resolved dispute can be reopened"),
        "{err}"
    );

    let out = env.ok(&["amend", &id, "--event", "2", "--note", "Name is A. Smith"]);
    assert!(out.contains("Recorded a correction to line 2"), "{out}");
    let show = env.ok(&["show", &id]);
    assert!(
        show.contains("discussed at stage 1: Spoke to A. Smyth"),
        "{show}"
    );
    assert!(
        show.contains("correction (line 3, Jo Bloggs (DSL)): Name is A. Smith"),
        "{show}"
    );
    env.ok(&["resolve", &id, "--outcome", "Agreed"]);
    env.fails(1, &["discuss", &id, "--note", "late"]);
    let v = env.json(&["reopen", &id, "--reason", "Concerns returned"]);
    assert_eq!(v["state"], "open");
    assert_eq!(v["stage"], 1);
    env.ok(&["discuss", &id, "--note", "again"]);
    env.ok(&["amend", &id, "--event", "4", "--note", "Resolved by phone"]);
    let after = std::fs::read(env.journal(&id)).unwrap();
    assert!(after.starts_with(&before), "an earlier line was rewritten");
    let kinds: Vec<String> = env.json(&["show", &id])["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        kinds,
        [
            "opened",
            "discussed",
            "amended",
            "resolved",
            "reopened",
            "discussed",
            "amended"
        ]
    );
    env.ok(&["verify"]);
}

mod pty {
    use super::*;
    use crate::support::terminal_command as command;
    use rexpect::session::spawn_command;

    /// What a recording command prints is wrapped between words to the terminal's
    /// width: at 80 columns a duty's name is never broken mid-word.
    #[test]
    fn a_change_is_wrapped_between_words_at_80_columns() {
        let env = Env::new();
        let id = env.open_gscb(&["--cp-plan"]);
        env.ok(&["discuss", &id, "--note", "spoke"]);
        env.ok(&["escalate", &id, "--reason", "stuck", "--yes"]);
        let mut cmd = command(&env, &["discuss", &id, "--note", "spoke again"]);
        cmd.env("COLUMNS", "80");
        let mut p = spawn_command(cmd, Some(20_000)).unwrap();
        let out = p.exp_eof().unwrap();
        assert!(out.contains("Independent Reviewing"), "{out}");
        for line in out.lines() {
            assert!(
                line.trim_end().chars().count() <= 80,
                "too wide: {line:?}\n{out}"
            );
        }
        assert!(!out.contains("Of\r\nficer"), "{out}");
    }
}
