//! Being a good terminal citizen: prompts work in a real pseudo-terminal (Ctrl-C
//! writes nothing and exits 130, questions wider than the terminal), nothing waits
//! for input when stdin is not a terminal, colour and progress only on a terminal,
//! `--quiet` prints only the new ID, closed pipes are not errors and every other
//! failed write is.

use crate::support::programs::stderr_of;
use crate::support::{open_args, Env};
use std::time::Duration;

// A progress bar on a terminal only.

#[test]
fn long_commands_show_progress_on_a_terminal_only() {
    let env = Env::new();
    escalate_core::generate::generate(&env.data(), 200, 7).unwrap();
    let run_in_pty = |args: &[&str]| {
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("escalate"));
        cmd.env_clear()
            .envs(env.vars())
            .env("TERM", "xterm")
            // Shown at once, rather than after a second, so 200 disputes show it.
            .env("ESCALATE_PROGRESS_DELAY_MS", "0")
            .args(args);
        let mut p = rexpect::session::spawn_command(cmd, Some(60_000)).unwrap();
        p.exp_eof().unwrap()
    };
    let shown = run_in_pty(&["verify"]);
    assert!(
        shown.contains("Checking") && shown.contains("/200 disputes"),
        "{shown}"
    );
    assert_eq!(shown.matches(" ok: ").count(), 200);
    let shown = run_in_pty(&["report", "--month", "2026-10"]);
    assert!(shown.contains("Counting"), "{shown}");
    let shown = run_in_pty(&["calendar", "close", "2026-12-29", "--reason", "Closed"]);
    assert!(shown.contains("Rechecking deadlines"), "{shown}");
    let json = run_in_pty(&["verify", "--json"]);
    assert!(!json.contains("Checking"), "{json}");
    let out = env
        .cmd(&["verify"])
        .env("ESCALATE_PROGRESS_DELAY_MS", "0")
        .output()
        .unwrap();
    assert!(!stderr_of(&out).contains("Checking"), "{}", stderr_of(&out));
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let mut env = Env::new();
    env.now("2026-11-02T09:00:00Z");
    env.open_gscb(&[]);
    env.now("2026-11-23T09:00:00Z");
    let plain = env.ok(&["status"]);
    assert!(!plain.contains('\u{1b}'), "{plain}");
    let coloured = env.ok(&["status", "--color", "always"]);
    assert!(coloured.contains("\u{1b}["), "{coloured}");
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

// A write error on standard output other than a closed pipe is a failure.

/// Run with standard output going to /dev/full (every write fails: no space).
fn to_full_disk(env: &Env, args: &[&str]) -> std::process::Output {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full");
    std::process::Command::new(assert_cmd::cargo::cargo_bin("escalate"))
        .env_clear()
        .envs(env.vars())
        .args(args)
        .stdout(full)
        .output()
        .unwrap()
}

#[test]
fn every_command_fails_when_its_output_cannot_be_written() {
    let env = Env::new();
    env.open_gscb(&[]);
    for args in [
        &["export", "--format", "jsonl"][..],
        &["export", "--format", "csv"],
        &["export", "--format", "ics"],
        &["verify"],
        &["verify", "--json"],
        &["status"],
        &["policy", "show", "gscb"],
        &["man", "open"],
    ] {
        let out = to_full_disk(&env, args);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {out:?}");
        let err = stderr_of(&out);
        assert!(
            err.contains("could not write the output"),
            "{args:?}: {err}"
        );
    }
    // A closed pipe is still the reader's choice.
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("escalate"))
        .env_clear()
        .envs(env.vars())
        .args(["export", "--format", "csv"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    assert!(child.wait().unwrap().success());
}

mod pty {
    use crate::support::pty::{at_80, exit_code};
    use crate::support::{terminal_command as command, Env};
    use rexpect::session::spawn_command;

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

    // 14. A yes/no question wider than the terminal (`open`'s facts, with what
    // the policy says follows from them) is printed above a short prompt, so
    // the redrawn prompt leaves no half-line behind.

    #[test]
    fn a_long_yes_no_question_at_80_columns_leaves_no_half_line() {
        let env = Env::new();
        let mut p = spawn_command(
            at_80(
                &env,
                &[
                    "open",
                    "--policy",
                    "gscb",
                    "--child",
                    "LCS-13",
                    "--from",
                    "Hollyfield Primary",
                    "--with",
                    "Children's Social Care",
                    "--category",
                    "levels-of-need",
                ],
            ),
            Some(20_000),
        )
        .unwrap();
        p.exp_string("What is the disagreement about?").unwrap();
        crate::support::key(&mut p, "Below threshold\r");
        // Three facts gscb asks about, each answered "no".
        let mut rest = String::new();
        for _ in 0..3 {
            rest.push_str(&p.exp_string("Yes or no?").unwrap());
            crate::support::key(&mut p, "\r");
        }
        rest.push_str(&p.exp_eof().unwrap());
        // Colour codes stand between a prompt's mark and its text.
        let mut plain = String::new();
        let mut chars = rest.chars();
        while let Some(c) = chars.next() {
            if c == '\u{1b}' {
                chars.by_ref().find(|c| c.is_ascii_alphabetic());
            } else {
                plain.push(c);
            }
        }
        let rest = plain;
        assert!(
            !rest.contains("? Does the child") && !rest.contains("? Is the child"),
            "a question was drawn as the prompt and left behind: {rest}"
        );
    }

    // 13. Ctrl-C at any prompt exits 130, and keeps text from the editor.

    #[test]
    fn ctrl_c_exits_130_at_a_list_prompt_as_at_a_text_prompt() {
        let env = Env::new();
        // The prompt's own error and the interrupt raced: a few tries show it.
        for _ in 0..5 {
            let mut p = spawn_command(at_80(&env, &["open"]), Some(20_000)).unwrap();
            p.exp_string("Which escalation policy applies?").unwrap();
            crate::support::key(&mut p, "\x03");
            let rest = p.exp_eof().unwrap();
            assert_eq!(exit_code(&p), Some(130), "list prompt: {rest}");
            assert!(!rest.contains("error:"), "{rest}");
        }

        let mut p =
            spawn_command(at_80(&env, &["open", "--policy", "gscb"]), Some(20_000)).unwrap();
        p.exp_string("Child's reference").unwrap();
        crate::support::key(&mut p, "\x03");
        p.exp_eof().unwrap();
        assert_eq!(exit_code(&p), Some(130), "text prompt");
    }

    #[test]
    fn a_question_wider_than_the_terminal_is_asked_above_a_short_prompt() {
        let env = Env::new();
        let id = env.open_gscb(&[]);
        let mut cmd = at_80(&env, &["resolve", &id, "--outcome", "Agreed"]);
        cmd.env("COLUMNS", "60");
        let mut p = spawn_command(cmd, Some(20_000)).unwrap();
        p.exp_string("with this outcome?").unwrap();
        p.exp_string("Go ahead?").unwrap();
        crate::support::key(&mut p, "n\r");
        p.exp_eof().unwrap();
    }
}
