//! `escalate escalate`: who may escalate and when, the user's shorter `--due`
//! (a longer one refused), the plan shown and confirmed before writing (wrapped at
//! 80 columns, refused if it changed under the lock, a cancelled `--urgent` writing
//! nothing), and a race lost to a colleague named.

use crate::support::{open_args, Env};

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
fn a_due_date_before_the_stage_starts_says_what_to_give() {
    let env = Env::new();
    let id = env.open_gscb(&[]);
    env.ok(&["discuss", &id, "--note", "n"]);
    let err = env.fails(
        1,
        &["escalate", &id, "--reason", "r", "--due", "2025-11-24"],
    );
    assert!(
        err.contains("before the stage starts") && err.contains("give Mon 23 Nov 2026 or later"),
        "{err}"
    );
}

mod pty {
    use crate::support::programs::editor_command;
    use crate::support::pty::at_80;
    use crate::support::{key, open_args, terminal_command as command, Env};
    use rexpect::session::spawn_command;

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
    fn a_due_date_that_will_be_refused_is_refused_before_the_question() {
        let env = Env::new();
        let id = env.open_gscb(&[]);
        env.ok(&["discuss", &id, "--note", "n"]);
        let args = ["escalate", &id, "--reason", "r", "--due", "24/11/2025"];
        let mut p = spawn_command(editor_command(&env, None, &args), Some(20_000)).unwrap();
        let rest = p.exp_eof().unwrap();
        assert!(rest.contains("before the stage starts"), "{rest}");
        assert!(!rest.contains("Escalate dispute"), "asked first: {rest}");
    }

    #[test]
    fn escalate_and_resolve_confirm_on_a_terminal() {
        let env = Env::new();
        let id = env.open_gscb(&["--cp-plan"]);
        env.ok(&["discuss", &id, "--note", "n"]);
        let mut p = spawn_command(command(&env, &["escalate", &id]), Some(20_000)).unwrap();
        p.exp_string("Due:  Mon 30 Nov 2026").unwrap();
        p.exp_string("Then: Independent Reviewing Officer").unwrap();
        p.exp_string("Why was the disagreement not resolved")
            .unwrap();
        p.send_line("Managers disagree").unwrap();
        p.exp_string("Escalate dispute").unwrap();
        key(&mut p, "n\r");
        p.exp_string("cancelled; nothing was written").unwrap();
        p.exp_eof().unwrap();
        assert_eq!(env.json(&["show", &id])["stage"], 1);

        let mut p = spawn_command(
            command(&env, &["escalate", &id, "--reason", "r"]),
            Some(20_000),
        )
        .unwrap();
        p.exp_string("Escalate dispute").unwrap();
        key(&mut p, "y\r");
        p.exp_string("Escalated dispute").unwrap();
        p.exp_eof().unwrap();
        assert_eq!(env.json(&["show", &id])["stage"], 2);

        let mut p = spawn_command(command(&env, &["resolve", &id]), Some(20_000)).unwrap();
        p.exp_string("The agreed outcome").unwrap();
        p.send_line("Assessment agreed").unwrap();
        p.exp_string("Resolve dispute").unwrap();
        key(&mut p, "y\r");
        p.exp_string("Resolved dispute").unwrap();
        p.exp_eof().unwrap();
        assert_eq!(env.json(&["show", &id])["outcome"], "Assessment agreed");
    }

    // 11. `escalate --urgent` answered "no" writes nothing.

    #[test]
    fn an_urgent_escalation_answered_no_writes_nothing() {
        let env = Env::new();
        let id = env.open_gscb(&[]);
        env.ok(&["discuss", &id, "--note", "n"]);
        let before = env.snapshot();
        let mut p = spawn_command(
            at_80(
                &env,
                &["escalate", &id, "--urgent", "--reason", "Bruising seen"],
            ),
            Some(20_000),
        )
        .unwrap();
        p.exp_string("Escalate dispute").unwrap();
        crate::support::key(&mut p, "n\r");
        p.exp_string("cancelled; nothing was written").unwrap();
        p.exp_eof().unwrap();
        assert_eq!(before, env.snapshot(), "a line was written");
        // Answered yes: both lines, the fact first.
        let mut p = spawn_command(
            at_80(
                &env,
                &["escalate", &id, "--urgent", "--reason", "Bruising seen"],
            ),
            Some(20_000),
        )
        .unwrap();
        p.exp_string("Escalate dispute").unwrap();
        crate::support::key(&mut p, "y\r");
        p.exp_string("Escalated dispute").unwrap();
        p.exp_eof().unwrap();
        let v = env.json(&["show", &id]);
        assert_eq!(v["stage"], 2);
        assert_eq!(v["immediate_harm"], true);
    }

    #[test]
    fn the_plan_before_escalating_is_wrapped_between_words_at_80_columns() {
        let env = Env::new();
        let id = env.open_gscb(&["--cp-plan"]);
        env.ok(&["discuss", &id, "--note", "n"]);
        let mut p = spawn_command(
            at_80(&env, &["escalate", &id, "--reason", "r"]),
            Some(20_000),
        )
        .unwrap();
        let shown = p.exp_string("Escalate dispute").unwrap();
        crate::support::key(&mut p, "n\r");
        p.exp_eof().unwrap();
        assert!(shown.contains("Then: Independent Reviewing"), "{shown}");
        for line in shown.lines() {
            assert!(
                unicode_width::UnicodeWidthStr::width(line.trim_end()) <= 80,
                "too wide: {line:?}\n{shown}"
            );
        }
    }

    // 15. The loser of two escalations is told who won.

    #[test]
    fn an_escalation_that_loses_a_race_says_who_escalated_first() {
        let env = Env::new();
        let id = env.open_gscb(&[]);
        env.ok(&["discuss", &id, "--note", "n"]);
        let mut p = spawn_command(
            at_80(&env, &["escalate", &id, "--reason", "r"]),
            Some(20_000),
        )
        .unwrap();
        p.exp_string("Escalate dispute").unwrap();
        env.cmd(&["escalate", &id, "--reason", "colleague"])
            .env("ESCALATE_USER", "Chris (team manager)")
            .assert()
            .success();
        let before = env.snapshot();
        crate::support::key(&mut p, "y\r");
        let rest = p.exp_eof().unwrap();
        // The message is wrapped to the terminal's 80 columns.
        let rest = rest.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            rest.contains(
                "already escalated to stage 2 by Chris (team manager) at Mon 23 Nov 2026"
            ),
            "{rest}"
        );
        assert!(!rest.contains("nothing recorded yet"), "{rest}");
        assert_eq!(before, env.snapshot());
    }

    /// Answering no, or pressing Ctrl-C, at the question leaves every file as it
    /// was: neither the urgency nor the escalation is written.
    #[test]
    fn a_cancelled_urgent_escalation_writes_nothing() {
        let env = Env::new();
        let v = env.json(&open_args("cscp", &[]));
        let id = v["id"].as_str().unwrap().to_owned();
        env.ok(&["discuss", &id, "--note", "n"]);
        let before = env.snapshot();
        let mut p = spawn_command(
            command(&env, &["escalate", &id, "--urgent", "--reason", "r"]),
            Some(20_000),
        )
        .unwrap();
        p.exp_string("Escalate dispute").unwrap();
        key(&mut p, "n\r");
        p.exp_string("nothing was written").unwrap();
        p.exp_eof().unwrap();
        assert_eq!(before, env.snapshot(), "answering no wrote something");

        let mut p =
            spawn_command(command(&env, &["escalate", &id, "--urgent"]), Some(20_000)).unwrap();
        p.exp_string("Why was the disagreement not resolved")
            .unwrap();
        p.send_control('c').unwrap();
        p.exp_eof().unwrap();
        assert_eq!(before, env.snapshot(), "Ctrl-C wrote something");
        let shown = env.json(&["show", &id]);
        assert_eq!(shown["immediate_harm"], false, "{shown}");
        assert_eq!(shown["stage"], 1, "{shown}");
    }
}
