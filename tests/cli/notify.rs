//! `escalate notify`: obligations follow the child's circumstances, and a mistyped
//! who that nearly matches a duty is named (asked about on a terminal).

use crate::support::Env;

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

// A near miss of an outstanding duty is named, never silently recorded.

#[test]
fn notify_names_the_duty_a_mistyped_who_nearly_matches() {
    let env = Env::new();
    let id = env.open_gscb(&["--cp-plan"]);
    env.ok(&["discuss", &id, "--note", "n"]);
    env.ok(&["escalate", &id, "--reason", "r"]);
    let err = env.fails(1, &["notify", &id, "--who", "ior", "--note", "phoned"]);
    assert!(err.contains("did you mean --who iro?"), "{err}");
    // Someone else entirely is recorded as told, as before.
    let said = env.ok(&["notify", &id, "--who", "Police", "--note", "phoned"]);
    assert!(said.contains("meets none of the outstanding"), "{said}");
    let said = env.ok(&["notify", &id, "--who", "iro", "--note", "phoned"]);
    assert!(said.contains("done"), "{said}");
}

mod pty {
    use crate::support::pty::at_80;
    use crate::support::Env;
    use rexpect::session::spawn_command;

    #[test]
    fn notify_asks_about_a_near_miss_on_a_terminal() {
        let env = Env::new();
        let id = env.open_gscb(&["--cp-plan"]);
        env.ok(&["discuss", &id, "--note", "n"]);
        env.ok(&["escalate", &id, "--reason", "r"]);
        let mut p = spawn_command(
            at_80(&env, &["notify", &id, "--who", "ior", "--note", "phoned"]),
            Some(20_000),
        )
        .unwrap();
        p.exp_string("Did you mean iro?").unwrap();
        crate::support::key(&mut p, "\r");
        p.exp_string("done").unwrap();
        p.exp_eof().unwrap();
        let events = env.json(&["show", &id])["events"].clone();
        let last = events.as_array().unwrap().last().unwrap().clone();
        assert_eq!(
            (last["who"].as_str(), last["obligation"].as_str()),
            (Some("iro"), Some("iro"))
        );
    }
}
