//! `escalate open`: a dispute is between two agencies, `open` asks on a terminal
//! for what is missing (category, every condition, the partnership's agency names),
//! and setting up is plain.

use crate::support::duties::obligation;
use crate::support::programs::repo;
use crate::support::Env;

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

// Setting up.

#[test]
fn setting_up_is_plain() {
    let readme = std::fs::read_to_string(repo("README.md")).unwrap();
    assert!(readme.contains("`cargo install --locked --path .`"));
    let cargo = std::fs::read_to_string(repo("Cargo.toml")).unwrap();
    let msrv = cargo
        .lines()
        .find_map(|l| l.strip_prefix("rust-version = "))
        .unwrap()
        .trim_matches('"');
    assert!(
        readme.contains(&format!("Rust {msrv} or newer")),
        "README must state {msrv}"
    );
    // open's own flags come first; the global ones are listed apart.
    let env = Env::new();
    let help = env.ok(&["open", "--help"]);
    let global = help.find("Global options:").expect("a global heading");
    let own = help.find("--policy <ID>").unwrap();
    assert!(
        own < global && help[global..].contains("--dir <PATH>"),
        "{help}"
    );
    assert!(!help[..global].contains("--dir <PATH>"), "{help}");
}

mod pty {
    use super::*;
    use crate::support::programs::editor_command;
    use crate::support::{key, terminal_command as command};
    use rexpect::session::spawn_command;

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
    fn ctrl_c_at_a_list_prompt_shows_the_cursor_again() {
        let env = Env::new();
        let mut p = spawn_command(editor_command(&env, None, &["open"]), Some(20_000)).unwrap();
        p.exp_string("Which escalation policy applies?").unwrap();
        p.exp_string("gscb").unwrap();
        key(&mut p, "\x03");
        let rest = p.exp_eof().unwrap();
        assert!(rest.contains("\x1b[?25h"), "{rest:?}");
        assert!(rest.contains("nothing was written"), "{rest:?}");
        assert!(env.snapshot().is_empty());
    }

    /// gscb's category (the first) and its three conditions, each "no" (the
    /// default); `open_asks_for_the_category_and_every_condition` answers them.
    fn answer_facts_no(p: &mut rexpect::session::PtySession) {
        p.exp_string("What kind of disagreement").unwrap();
        key(p, "\r");
        for q in ["child protection plan", "looked after", "immediate harm"] {
            p.exp_string(q).unwrap();
            key(p, "\r");
        }
    }

    #[test]
    fn open_asks_for_what_is_missing() {
        let env = Env::new();
        let mut p = spawn_command(command(&env, &["open"]), Some(20_000)).unwrap();
        p.exp_string("Which escalation policy applies?").unwrap();
        p.exp_string("gscb").unwrap();
        key(&mut p, "\r"); // the first policy in the list
        p.exp_string("Child's reference").unwrap();
        p.send_line("LCS-777").unwrap();
        p.exp_string("Your agency").unwrap();
        p.send_line("Hollyfield Primary").unwrap();
        p.exp_string("The agency whose decision").unwrap();
        p.send_line("Children's Social Care").unwrap();
        p.exp_string("What is the disagreement about?").unwrap();
        p.send_line("Referral judged below threshold").unwrap();
        answer_facts_no(&mut p);
        p.exp_string("Opened dispute").unwrap();
        p.exp_eof().unwrap();
        let rows = env.json(&["status"]);
        // Sealed: `status` reads no keys; `show` opens it with the author's.
        let shown = env.json(&["show", rows[0]["id"].as_str().unwrap()]);
        assert_eq!(shown["child"], "LCS-777");
        assert_eq!(rows[0]["with"], "Children's Social Care");

        // The second time, earlier agencies are offered to choose from.
        let mut p = spawn_command(
            command(&env, &["open", "--policy", "gscb", "--child", "C2"]),
            Some(20_000),
        )
        .unwrap();
        p.exp_string("Your agency").unwrap();
        p.exp_string("Another (type it)").unwrap();
        key(&mut p, "\r");
        p.exp_string("The agency whose decision").unwrap();
        p.exp_string("Another (type it)").unwrap();
        key(&mut p, "\r");
        p.exp_string("What is the disagreement about?").unwrap();
        p.send_line("Second").unwrap();
        answer_facts_no(&mut p);
        p.exp_eof().unwrap();
        assert_eq!(env.json(&["status"]).as_array().unwrap().len(), 2);
    }

    #[test]
    fn the_agency_prompt_offers_the_partnership_s_names() {
        let env = Env::new();
        env.ok(&["agency", "add", "Children's Social Care"]);
        env.ok(&["agency", "alias", "CSC", "Children's Social Care"]);
        env.ok(&["agency", "add", "Hollyfield Primary"]);
        // Recorded earlier under the alias: offered under the agency's name (first,
        // as "Children's Social Care" sorts before "Hollyfield Primary", where the
        // alias "CSC" would not).
        env.ok(&[
            "open",
            "--policy",
            "gscb",
            "--child",
            "C1",
            "--from",
            "Hollyfield Primary",
            "--with",
            "CSC",
            "--summary",
            "s",
        ]);
        let mut p = spawn_command(
            command(
                &env,
                &[
                    "open",
                    "--policy",
                    "gscb",
                    "--child",
                    "C2",
                    "--from",
                    "Hollyfield Primary",
                ],
            ),
            Some(20_000),
        )
        .unwrap();
        p.exp_string("The agency whose decision").unwrap();
        // Offered under its name; the raising agency itself is not offered.
        p.exp_string("Children's Social Care").unwrap();
        p.exp_string("Another (type it)").unwrap();
        key(&mut p, "\r");
        p.exp_string("What is the disagreement about?").unwrap();
        p.send_line("Second").unwrap();
        answer_facts_no(&mut p);
        p.exp_eof().unwrap();
        // The child is sealed (`status` reads no keys): `show` opens it.
        let rows = env.json(&["status"]);
        assert!(
            rows.as_array().unwrap().iter().any(|r| {
                r["with"] == "Children's Social Care"
                    && env.json(&["show", r["id"].as_str().unwrap()])["child"] == "C2"
            }),
            "{rows}"
        );
    }
}
