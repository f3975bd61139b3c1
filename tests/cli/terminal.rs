//! Being a good terminal citizen: committed completions and manual pages match what
//! the binary generates, prompts work in a real pseudo-terminal (and cancelling
//! writes nothing), nothing waits for input when stdin is not a terminal, the
//! config file sits under flags and environment, and closed pipes are not errors.

use std::time::Duration;

use crate::support::{open_args, Env};

const REGENERATE: &str = "run ./scripts/regenerate and commit the result";

fn repo(path: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

#[test]
fn committed_completions_match_the_binary() {
    let env = Env::new();
    for (shell, file) in [
        ("bash", "completions/escalate.bash"),
        ("zsh", "completions/_escalate"),
        ("fish", "completions/escalate.fish"),
        ("elvish", "completions/escalate.elv"),
        ("powershell", "completions/_escalate.ps1"),
    ] {
        let fresh = env.ok(&["completions", shell]);
        let committed = std::fs::read_to_string(repo(file)).unwrap_or_default();
        assert!(fresh == committed, "{file} is out of date: {REGENERATE}");
    }
    let err = env.fails(2, &["completions", "tcsh"]);
    assert!(err.contains("bash"), "{err}");
}

#[test]
fn committed_manual_pages_match_the_binary() {
    let env = Env::new();
    let out = env.tmp.path().join("man");
    env.ok(&["man", "--output", out.to_str().unwrap()]);
    // `man --output` writes man1/ and man5/; man/ keeps them side by side.
    let section = |name: &str| out.join(format!("man{}", &name[name.len() - 1..]));
    let mut fresh: Vec<String> = ["man1", "man5"]
        .iter()
        .flat_map(|s| std::fs::read_dir(out.join(s)).unwrap())
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    fresh.sort();
    let mut committed: Vec<String> = std::fs::read_dir(repo("man"))
        .map(|d| {
            d.map(|e| e.unwrap().file_name().into_string().unwrap())
                .collect()
        })
        .unwrap_or_default();
    committed.sort();
    assert_eq!(
        fresh, committed,
        "the set of manual pages changed: {REGENERATE}"
    );
    for name in &fresh {
        let a = std::fs::read_to_string(section(name).join(name)).unwrap();
        let b = std::fs::read_to_string(repo("man").join(name)).unwrap();
        assert!(a == b, "man/{name} is out of date: {REGENERATE}");
    }
    let main = env.ok(&["man", "--roff"]);
    assert!(
        main.contains(".TH ESCALATE 1 ") && main.contains("EXIT STATUS"),
        "{main}"
    );
}

#[test]
fn dynamic_completion_offers_real_ids_and_policies() {
    let env = Env::new();
    let id = env.open_gscb(&[]);
    let out = env
        .cmd(&["--", "escalate", "show", ""])
        .env("COMPLETE", "fish")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(&id), "{text}");
    let out = env
        .cmd(&["--", "escalate", "open", "--policy", "gs"])
        .env("COMPLETE", "fish")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("gscb"));
}

#[test]
fn nothing_waits_for_input_without_a_terminal() {
    let env = Env::new();
    let id = env.open_gscb(&[]);
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["open"], "--policy, --child, --from, --with, --summary"),
        (
            vec!["open", "--policy", "gscb", "--child", "C"],
            "--from, --with, --summary",
        ),
        (vec!["discuss", &id], "--note"),
        (vec!["escalate", &id], "--reason"),
        (vec!["notify", &id], "--who"),
        (vec!["resolve", &id], "--outcome"),
    ];
    for (args, flags) in cases {
        let before = env.snapshot();
        let out = env
            .cmd(&args)
            .timeout(Duration::from_secs(20))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {out:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(flags), "{args:?}: {err}");
        assert_eq!(before, env.snapshot());
    }
    // Every other command completes without input too.
    for args in [
        vec!["status"],
        vec!["show", &id],
        vec!["report", "--month", "2026-11"],
        vec!["export", "--format", "csv"],
        vec!["config", "list"],
        vec!["man"],
        vec!["completions", "zsh"],
        vec!["--help"],
    ] {
        env.cmd(&args)
            .timeout(Duration::from_secs(20))
            .assert()
            .success();
    }
}

#[test]
fn settings_sit_under_flags_and_environment() {
    let env = Env::new();
    let path = env.ok(&["config", "path"]);
    assert_eq!(
        path.trim(),
        env.config().join("config.toml").to_str().unwrap()
    );
    env.ok(&["config", "set", "name", "Config Name"]);
    env.ok(&["config", "set", "policy", "gscb"]);
    env.ok(&["config", "set", "organisation", "Hollyfield Primary"]);
    env.ok(&["config", "set", "division", "scotland"]);
    assert_eq!(
        env.ok(&["config", "get", "organisation"]),
        "Hollyfield Primary\n"
    );
    env.fails(1, &["config", "set", "division", "wales"]);
    env.fails(1, &["config", "set", "policy", "nope"]);
    env.fails(1, &["config", "set", "colour", "red"]);

    // No --policy and no --from: the config supplies both.
    let open = |extra: &[&str]| -> serde_json::Value {
        let mut cmd = env.cmd(
            &[
                &[
                    "open",
                    "--child",
                    "C",
                    "--with",
                    "CSC",
                    "--summary",
                    "s",
                    "--json",
                ],
                extra,
            ]
            .concat(),
        );
        cmd.env_remove("ESCALATE_USER");
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let v = open(&[]);
    assert_eq!(v["policy"], "gscb");
    assert_eq!(v["from"], "Hollyfield Primary");
    let by = |v: &serde_json::Value| {
        env.json(&["show", v["id"].as_str().unwrap()])["events"][0]["by"].clone()
    };
    assert_eq!(by(&v), "Config Name");
    let v = open(&["--by", "Flag Name"]);
    assert_eq!(by(&v), "Flag Name");
    // The harness sets ESCALATE_USER: environment beats config.
    let id = env.json(&["open", "--child", "C", "--with", "CSC", "--summary", "s"])["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        env.json(&["show", &id])["events"][0]["by"],
        env.user.as_str()
    );

    std::fs::write(env.config().join("config.toml"), "nmae = 'typo'\n").unwrap();
    let err = env.fails(1, &["status"]);
    assert!(
        err.contains("not a valid escalate config") && err.contains("nmae"),
        "{err}"
    );
}

#[test]
fn quiet_prints_only_the_new_id() {
    let env = Env::new();
    let out = env.ok(&open_args("gscb", &["-q"]));
    assert_eq!(out.trim().len(), 10, "{out:?}");
    assert_eq!(
        env.ok(&["discuss", out.trim(), "--note", "n", "--quiet"]),
        ""
    );
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    let env = Env::new();
    for _ in 0..30 {
        env.open_gscb(&[]);
    }
    let bin = assert_cmd::cargo::cargo_bin("escalate");
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(
            "set -o pipefail; '{}' export --format jsonl --all | head -c 10 >/dev/null",
            bin.display()
        ))
        .env("ESCALATE_DIR", env.data())
        .env("ESCALATE_NOW", &env.now)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
}

mod pty {
    //! Prompts driven in a real pseudo-terminal.
    use super::*;
    use rexpect::session::spawn_command;

    use crate::support::{key, terminal_command as command};

    /// gscb's category (the first) and its three conditions, each "no" (the
    /// default); tests/cli/due.rs answers them.
    fn answer_facts_no(p: &mut rexpect::session::PtySession) {
        p.exp_string("What kind of disagreement").unwrap();
        key(p, "\r");
        for q in ["child protection plan", "looked after", "immediate harm"] {
            p.exp_string(q).unwrap();
            key(p, "\r");
        }
    }

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
        assert_eq!(rows[0]["child"], "LCS-777");
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
        let rows = env.json(&["status"]);
        assert!(
            rows.as_array()
                .unwrap()
                .iter()
                .any(|r| r["child"] == "C2" && r["with"] == "Children's Social Care"),
            "{rows}"
        );
    }

    #[test]
    fn ctrl_c_at_a_prompt_writes_nothing() {
        let env = Env::new();
        let id = env.open_gscb(&[]);
        env.ok(&["discuss", &id, "--note", "n"]);
        let before = env.snapshot();
        let mut p =
            spawn_command(command(&env, &["open", "--policy", "gscb"]), Some(20_000)).unwrap();
        p.exp_string("Child's reference").unwrap();
        p.send_control('c').unwrap();
        p.exp_eof().unwrap();
        assert_eq!(before, env.snapshot());

        let mut p = spawn_command(
            command(&env, &["escalate", &id, "--reason", "r"]),
            Some(20_000),
        )
        .unwrap();
        p.exp_string("Next: stage 2 (Escalate to Line Manager)")
            .unwrap();
        p.exp_string("Escalate dispute").unwrap();
        p.send_control('c').unwrap();
        p.exp_eof().unwrap();
        assert_eq!(before, env.snapshot());
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
}
