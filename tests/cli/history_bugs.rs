//! The three bugs issue #31 found where one rule had several homes: a report
//! judging timeliness without the date the parties agreed, `escalate --urgent`
//! cancelled at its question, and `status --agency` and `report --agency`
//! disagreeing about which disputes an agency (or its alias) is in.

use serde_json::Value;

use crate::support::{open_between, Env};

const AGREED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/cli/fixtures/format2/agreed.toml"
);

fn id_of(v: &Value) -> String {
    v["id"].as_str().expect("id").to_owned()
}

/// A stage left before the date the parties agreed is on time, as `status` and
/// `show` said it was when it was left: the report judges it against the
/// deadline in force, not the policy's working week.
#[test]
fn timeliness_honours_an_agreed_date() {
    let mut env = Env::new();
    let dir = env.config().join("policies");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(AGREED, dir.join("agreed.toml")).unwrap();
    // Opened Mon 2 Nov: the policy's working week ends Mon 9 Nov.
    env.now("2026-11-02T10:00:00Z");
    let id = id_of(&env.json(&open_between("agreed-example", ("School", "CSC"), &[])));
    env.now("2026-11-03T10:00:00Z");
    let v = env.json(&["agree", &id, "--due", "2026-11-20", "--note", "Both agreed"]);
    assert_eq!(v["due_set_by"], "agreed");
    env.now("2026-11-16T10:00:00Z");
    env.ok(&["discuss", &id, "--note", "Not resolved"]);
    // What the user saw before escalating: four working days left (17 to 20 Nov).
    let shown = env.json(&["show", &id]);
    assert_eq!(shown["due"], "2026-11-20", "{shown}");
    assert_eq!(shown["working_days_left"], 4, "{shown}");
    assert_eq!(shown["overdue"], false, "{shown}");
    env.ok(&["escalate", &id, "--reason", "Still stuck"]);

    env.now("2026-12-01T10:00:00Z");
    let r = env.json(&["report", "--month", "2026-11"]);
    let t = &r["timeliness"];
    assert_eq!(
        (t["on_time"].as_u64(), t["late"].as_u64()),
        (Some(1), Some(0)),
        "stage 1 was left before the agreed date: {t}"
    );
    assert_eq!(t["by_stage"]["1"]["on_time"], 1, "{t}");
}

/// A stage left after a protective (earlier) date the user set is late, though
/// the policy's own deadline was not yet past: the same deadline `show` gave.
#[test]
fn timeliness_honours_an_earlier_protective_date() {
    let mut env = Env::new();
    // Opened Mon 2 Nov with an earlier date than gscb's five working days.
    env.now("2026-11-02T10:00:00Z");
    let id = env.open_gscb(&["--due", "2026-11-04"]);
    assert_eq!(env.json(&["show", &id])["due_set_by"], "user");
    env.now("2026-11-05T10:00:00Z");
    env.ok(&["discuss", &id, "--note", "Not resolved"]);
    assert_eq!(env.json(&["show", &id])["overdue"], true);
    env.ok(&["escalate", &id, "--reason", "Still stuck"]);
    env.now("2026-12-01T10:00:00Z");
    let t = &env.json(&["report", "--month", "2026-11"])["timeliness"];
    assert_eq!(
        (t["on_time"].as_u64(), t["late"].as_u64()),
        (Some(0), Some(1)),
        "{t}"
    );
}

/// Every disputes' ids `status --agency` lists, and how many `report --agency`
/// counts as opened: the one agency matcher answers both.
fn both(env: &Env, agency: &str) -> (usize, u64) {
    let rows = env.json(&["status", "--agency", agency]);
    let listed = rows.as_array().expect("rows").len();
    let r = env.json(&["report", "--month", "2026-11", "--agency", agency]);
    let opened = r["opened"]
        .as_u64()
        .unwrap_or_else(|| panic!("no `opened` in {r}"));
    (listed, opened)
}

#[test]
fn status_and_report_agree_on_an_agency_and_its_alias() {
    let mut env = Env::new();
    env.ok(&["agency", "add", "Children's Social Care"]);
    env.ok(&["agency", "alias", "CSC", "Children's Social Care"]);
    env.now("2026-11-10T10:00:00Z");
    for (from, with) in [
        ("Hollyfield Primary", "CSC"),
        ("Health Visiting", "Children's Social Care"),
        ("Police", "Health Visiting"),
        ("École Saint-Jean", "Police"),
    ] {
        env.ok(&open_between("gscb", (from, with), &[]));
    }
    env.now("2026-11-30T10:00:00Z");
    for (agency, n) in [
        // The canonical name, an alias, and either in another case.
        ("Children's Social Care", 2),
        ("CSC", 2),
        ("csc", 2),
        ("children's social care", 2),
        // Names not on the list: matched as every filter matches a name, by
        // its letters whatever the case (not only ASCII) and spacing.
        ("hollyfield  primary", 1),
        ("ÉCOLE SAINT-JEAN", 1),
        ("Police", 2),
    ] {
        assert_eq!(both(&env, agency), (n, n as u64), "--agency {agency:?}");
    }
}

mod pty {
    //! `escalate --urgent` asked for confirmation in a real pseudo-terminal.
    use rexpect::session::spawn_command;

    use crate::support::{key, open_args, terminal_command as command, Env};

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
