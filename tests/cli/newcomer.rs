//! A newcomer's first hour (issue 15): the rough edges a new user hit, each pinned
//! by a test that failed before it was fixed. Mistyped data directories, appending
//! CSV months, long text from files and standard input, dates as people write them,
//! errors that say what to do next, completion, the manual and the demo.

use std::path::Path;

use crate::support::Env;

fn stderr_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

// 1. A mistyped data directory is an error, never an empty report.

#[test]
fn a_missing_data_directory_given_explicitly_is_an_error_naming_it() {
    let env = Env::new();
    let id = env.open_gscb(&[]);
    let typo = env.tmp.path().join("dta");
    let typo_s = typo.to_str().unwrap();
    let reads: Vec<Vec<&str>> = vec![
        vec!["status"],
        vec!["show", &id],
        vec!["report", "--month", "2026-11", "--format", "csv"],
        vec!["export", "--format", "csv"],
        vec!["verify"],
        vec!["discuss", &id, "--note", "n"],
        vec!["agree", &id, "--due", "2026-12-11", "--note", "n"],
    ];
    for args in &reads {
        // Through the environment, as in a cron job ...
        let out = env.cmd(args).env("ESCALATE_DIR", &typo).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}: {out:?}");
        let err = stderr_of(&out);
        assert!(
            err.contains(&format!("the data directory {typo_s} does not exist"))
                && err.contains("--dir or ESCALATE_DIR"),
            "{args:?}: {err}"
        );
        assert!(stdout_of(&out).is_empty(), "{args:?}");
        // ... and with --dir.
        let mut with_flag = vec!["--dir", typo_s];
        with_flag.extend(args.iter().copied());
        let err = env.fails(1, &with_flag);
        assert!(err.contains("does not exist"), "{args:?}: {err}");
        assert!(!typo.exists(), "{args:?} created the mistyped directory");
    }
    // Commands that create data create it.
    let out = env
        .cmd(&crate::support::open_args("gscb", &[]))
        .env("ESCALATE_DIR", &typo)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(typo.join("disputes").is_dir());
    let fresh = env.tmp.path().join("closures");
    let out = env
        .cmd(&["calendar", "close", "2026-12-29", "--reason", "Closed"])
        .env("ESCALATE_DIR", &fresh)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
}

#[test]
fn a_fresh_install_says_there_are_no_disputes_yet_and_how_to_start() {
    let env = Env::new();
    let out = env
        .cmd(&["status"])
        .env_remove("ESCALATE_DIR")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let text = stdout_of(&out);
    assert!(
        text.contains("No disputes yet") && text.contains("escalate open"),
        "{text}"
    );
    let json = env
        .cmd(&["status", "--json"])
        .env_remove("ESCALATE_DIR")
        .output()
        .unwrap();
    assert_eq!(stdout_of(&json), "[]\n");
    assert!(!env.tmp.path().join("xdg-data").exists());
}

// 2. Appending months to one CSV file.

#[test]
fn csv_months_append_under_one_header() {
    let mut env = Env::new();
    env.open_gscb(&[]);
    env.now("2026-12-02T09:00:00Z");
    env.open_gscb(&[]);
    let mut file = env.ok(&["report", "--month", "2026-11", "--format", "csv"]);
    let december = env.ok(&[
        "report",
        "--month",
        "2026-12",
        "--format",
        "csv",
        "--no-header",
    ]);
    assert!(!december.starts_with("from,"), "{december}");
    file.push_str(&december);
    let lines: Vec<&str> = file.lines().collect();
    assert_eq!(lines.iter().filter(|l| l.starts_with("from,")).count(), 1);
    let width = lines[0].split(',').count();
    assert!(
        lines.iter().all(|l| l.split(',').count() == width),
        "{file}"
    );
    assert!(file.contains("2026-12-01,2026-12-31,total,1,"), "{file}");
    let err = env.fails(2, &["report", "--month", "2026-11", "--no-header"]);
    assert!(err.contains("--format csv"), "{err}");
}

// 11. Words and codes that confused.

#[test]
fn confusing_words_and_codes_are_plain() {
    let env = Env::new();
    let id = env.open_gscb(&[]);
    let err = env.fails(
        2,
        &["escalate", &id, "--reason", "r", "--due", "2026-11-31"],
    );
    assert!(err.contains("November 2026 has 30 days"), "{err}");
    let err = env.fails(2, &["report", "--from", "2026-11-01"]);
    assert!(
        err.contains("--to <DATE>") && !err.contains("--month"),
        "{err}"
    );
    // ESCALATE_DIR is set here: it is not shown as a required --dir.
    assert!(!err.contains("--dir <PATH>"), "{err}");
    let upper = env.open("GSCB", &[]);
    assert_eq!(upper["policy"], "gscb");
    env.ok(&["config", "set", "policy", "GSCB"]);
    assert_eq!(env.ok(&["config", "get", "policy"]), "gscb\n");
    let rows = env.json(&["report", "--month", "2026-11", "--policy", "GSCB"]);
    assert_eq!(rows["opened"], 2);
    let err = env.fails(2, &["discuss", &id, "--note", ""]);
    assert!(err.contains("--note is empty"), "{err}");
    let out = env
        .cmd(&["report", "--month", "2027-01", "--format", "csv"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(
        stderr_of(&out).contains("after today"),
        "{}",
        stderr_of(&out)
    );
    let out = env
        .cmd(&["report", "--month", "2026-11", "--agency", "CSC"])
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert!(
        err.contains("no dispute names the agency \"CSC\"")
            && err.contains("Children's Social Care"),
        "{err}"
    );
    let out = env
        .cmd(&[
            "report",
            "--month",
            "2026-11",
            "--agency",
            "children's social care",
        ])
        .output()
        .unwrap();
    assert!(stderr_of(&out).is_empty(), "{}", stderr_of(&out));
}

// 14. Dates as people write them, read back in words.

#[test]
fn dates_as_people_write_them_are_read_back_in_words() {
    let mut env = Env::new();
    env.now("2026-11-30T12:00:00Z"); // a Monday
    let out = env
        .cmd(&crate::support::open_args(
            "gscb",
            &["--at", "friday 14:00", "--due", "04/12/2026", "--json"],
        ))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let err = stderr_of(&out);
    assert!(
        err.contains("Reading \"friday 14:00\" as Fri 27 Nov 2026 14:00.")
            && err.contains("Reading \"04/12/2026\" as Fri 4 Dec 2026."),
        "{err}"
    );
    let opened: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(opened["opened"], "2026-11-27T14:00:00+00:00");
    assert_eq!(opened["due"], "2026-12-04");
    let id = opened["id"].as_str().unwrap().to_owned();
    let d = env.json(&["discuss", &id, "--note", "n", "--at", "yesterday 10:15"]);
    assert_eq!(d["events"], 2);
    let events = env.json(&["show", &id])["events"].clone();
    assert_eq!(events[1]["happened"], "2026-11-29T10:15:00+00:00");
    let r = env.json(&["report", "--from", "last monday", "--to", "today"]);
    assert_eq!(r["from"], "2026-11-23");
    assert_eq!(r["to"], "2026-11-30");
    // Months too, so a month-end job needs no `date` arithmetic.
    let out = env
        .cmd(&["report", "--month", "last month", "--json"])
        .output()
        .unwrap();
    assert!(stderr_of(&out).contains("Reading \"last month\" as October 2026."));
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (r["from"].as_str(), r["to"].as_str()),
        (Some("2026-10-01"), Some("2026-10-31"))
    );
    assert_eq!(
        env.json(&["report", "--month", "11/2026"])["to"],
        "2026-11-30"
    );
    let err = env.fails(2, &["report", "--month", "13/2026"]);
    assert!(err.contains("MM/YYYY"), "{err}");
    // Plain ISO dates are not echoed; a weekday as a deadline is the coming one
    // (issue 30 item 6).
    let out = env
        .cmd(&["report", "--from", "2026-11-01", "--to", "2026-11-30"])
        .output()
        .unwrap();
    assert!(stderr_of(&out).is_empty(), "{}", stderr_of(&out));
    let out = env
        .cmd(&["escalate", &id, "--reason", "r", "--due", "friday"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(stderr_of(&out).contains("Reading \"friday\" as Fri 4 Dec 2026."));
}

// 8. Long text from files and standard input, with its limit stated.

#[test]
fn long_text_comes_from_files_and_standard_input() {
    let env = Env::new();
    let id = env.open_gscb(&[]);
    let out = env
        .cmd(&["discuss", &id, "--note", "-", "--json"])
        .write_stdin("Phoned the duty social worker.\nDecision stands.\n")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let shown = env.json(&["show", &id]);
    assert_eq!(
        shown["events"][1]["note"],
        "Phoned the duty social worker.\nDecision stands."
    );
    let file = env.tmp.path().join("note.txt");
    let long = "word ".repeat(3_000); // 15,000 characters: too long for a shell line
    std::fs::write(&file, &long).unwrap();
    env.ok(&[
        "notify",
        &id,
        "--who",
        "dsl",
        "--note-file",
        file.to_str().unwrap(),
    ]);
    assert_eq!(env.json(&["show", &id])["events"][2]["note"], long.trim());
    let out = env
        .cmd(&["resolve", &id, "--outcome-file", "-"])
        .write_stdin("Assessment agreed")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(env.json(&["show", &id])["outcome"], "Assessment agreed");
    let out = env
        .cmd(&crate::support::open_args("gscb", &["--json"]))
        .output()
        .unwrap();
    assert!(out.status.success());
    let summary = env.tmp.path().join("summary.txt");
    std::fs::write(&summary, "From a file").unwrap();
    let mut args = vec!["open", "--policy", "gscb", "--child", "C", "--from", "A"];
    args.extend(["--with", "B", "--summary-file", summary.to_str().unwrap()]);
    let opened = env.json(&args);
    assert_eq!(opened["summary"], "From a file");
    // A megabyte is refused whole, saying the limit; a missing file is named.
    let big = env.tmp.path().join("big.txt");
    std::fs::write(&big, "x".repeat(1 << 20)).unwrap();
    let id2 = opened["id"].as_str().unwrap();
    let err = env.fails(1, &["discuss", id2, "--note-file", big.to_str().unwrap()]);
    assert!(err.contains("the limit is 20000"), "{err}");
    let err = env.fails(1, &["discuss", id2, "--note-file", "/no/such/note.txt"]);
    assert!(
        err.contains("/no/such/note.txt") && err.contains("does not exist"),
        "{err}"
    );
    env.fails(2, &["discuss", id2, "--note", "n", "--note-file", "-"]);
    for command in ["discuss", "notify", "resolve", "open", "escalate"] {
        let help = env.ok(&[command, "--help"]);
        let help = help.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(help.contains("20,000 characters"), "{command}: {help}");
        assert!(help.contains("-file <PATH>"), "{command}: {help}");
    }
}

mod pty {
    //! The editor, the cursor and the confirmation, in a real pseudo-terminal.
    use super::*;
    use rexpect::session::spawn_command;

    use crate::support::key;

    /// As a terminal user runs it, with a `PATH` (for the editor), a state
    /// directory (for recovered text) and the given `EDITOR`.
    fn command(env: &Env, editor: Option<&Path>, args: &[&str]) -> std::process::Command {
        let mut cmd = crate::support::terminal_command(env, args);
        cmd.env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("XDG_STATE_HOME", env.tmp.path().join("state"));
        if let Some(editor) = editor {
            cmd.env("EDITOR", editor);
        }
        cmd
    }

    /// An "editor" that keeps a copy of the file it was given (to see the hint),
    /// then appends `text` to it.
    fn editor(env: &Env, text: &str) -> std::path::PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let path = env.tmp.path().join("fake-editor");
        let seen = env.tmp.path().join("editor-saw.txt");
        std::fs::write(
            &path,
            format!(
                "#!/bin/sh\ncp \"$1\" '{}'\nprintf '%s\\n' '{text}' >> \"$1\"\n",
                seen.display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    fn kept_file(output: &str) -> std::path::PathBuf {
        let at = output
            .find("it is kept in ")
            .expect("names the recovery file")
            + 14;
        let rest = &output[at..];
        std::path::PathBuf::from(rest[..rest.find(['\r', '\n']).unwrap()].trim())
    }

    #[test]
    fn ctrl_c_at_a_list_prompt_shows_the_cursor_again() {
        let env = Env::new();
        let mut p = spawn_command(command(&env, None, &["open"]), Some(20_000)).unwrap();
        p.exp_string("Which escalation policy applies?").unwrap();
        p.exp_string("gscb").unwrap();
        key(&mut p, "\x03");
        let rest = p.exp_eof().unwrap();
        assert!(rest.contains("\x1b[?25h"), "{rest:?}");
        assert!(rest.contains("nothing was written"), "{rest:?}");
        assert!(env.snapshot().is_empty());
    }

    #[test]
    fn text_from_the_editor_is_never_thrown_away() {
        let env = Env::new();
        let id = env.open_gscb(&[]);
        let fake = editor(&env, "CSC agreed an assessment");
        // Answered "no": the text is shown first, then kept and named.
        let mut p =
            spawn_command(command(&env, Some(&fake), &["resolve", &id]), Some(20_000)).unwrap();
        p.exp_string("Outcome to record:").unwrap();
        p.exp_string("CSC agreed an assessment").unwrap();
        p.exp_string("Resolve dispute").unwrap();
        key(&mut p, "n\r");
        let rest = p.exp_eof().unwrap();
        let kept = kept_file(&rest);
        assert!(rest.contains("--outcome-file"), "{rest}");
        assert_eq!(
            std::fs::read_to_string(&kept).unwrap(),
            "CSC agreed an assessment\n"
        );
        // The editor opened on a hint, whose lines are not recorded.
        let saw = std::fs::read_to_string(env.tmp.path().join("editor-saw.txt")).unwrap();
        assert!(
            saw.contains("# The agreed outcome") && saw.contains("20,000"),
            "{saw}"
        );
        env.ok(&["resolve", &id, "--outcome-file", kept.to_str().unwrap()]);
        assert_eq!(
            env.json(&["show", &id])["outcome"],
            "CSC agreed an assessment"
        );

        // Too long: the error names the editor, not --note, and the text is kept.
        let id = env.open_gscb(&[]);
        let fake = editor(&env, &"x".repeat(20_001));
        let mut p =
            spawn_command(command(&env, Some(&fake), &["discuss", &id]), Some(20_000)).unwrap();
        let rest = p.exp_eof().unwrap();
        assert!(
            rest.contains("the text from your editor (for --note) is 20001 characters long"),
            "{rest}"
        );
        assert_eq!(
            std::fs::read_to_string(kept_file(&rest)).unwrap().len(),
            20_002
        );

        // An editor that exits with an error (vim's :cq) abandons; the text is kept.
        let failing = env.tmp.path().join("failing-editor");
        std::fs::write(
            &failing,
            "#!/bin/sh\necho 'Half a note' >> \"$1\"\nexit 1\n",
        )
        .unwrap();
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&failing, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        let mut p = spawn_command(
            command(&env, Some(&failing), &["discuss", &id]),
            Some(20_000),
        )
        .unwrap();
        let rest = p.exp_eof().unwrap();
        assert!(rest.contains("your editor exited with an error"), "{rest}");
        assert_eq!(
            std::fs::read_to_string(kept_file(&rest)).unwrap(),
            "Half a note\n"
        );
        assert_eq!(
            env.json(&["show", &id])["events"].as_array().unwrap().len(),
            1
        );

        // Recorded: nothing is left behind.
        let fake = editor(&env, "Phoned the social worker");
        let mut p =
            spawn_command(command(&env, Some(&fake), &["discuss", &id]), Some(20_000)).unwrap();
        p.exp_string("Recorded a discussion").unwrap();
        p.exp_eof().unwrap();
        assert_eq!(
            env.json(&["show", &id])["events"][1]["note"],
            "Phoned the social worker"
        );
        let unsent = env.tmp.path().join("state/escalate/unsent");
        assert_eq!(std::fs::read_dir(unsent).unwrap().count(), 3);
    }

    #[test]
    fn a_due_date_that_will_be_refused_is_refused_before_the_question() {
        let env = Env::new();
        let id = env.open_gscb(&[]);
        env.ok(&["discuss", &id, "--note", "n"]);
        let args = ["escalate", &id, "--reason", "r", "--due", "24/11/2025"];
        let mut p = spawn_command(command(&env, None, &args), Some(20_000)).unwrap();
        let rest = p.exp_eof().unwrap();
        assert!(rest.contains("before the stage starts"), "{rest}");
        assert!(!rest.contains("Escalate dispute"), "asked first: {rest}");
    }

    #[test]
    fn a_missing_editor_program_is_named() {
        let env = Env::new();
        let id = env.open_gscb(&[]);
        let mut p = spawn_command(
            command(
                &env,
                Some(Path::new("no-such-editor-xyz")),
                &["discuss", &id],
            ),
            Some(20_000),
        )
        .unwrap();
        let rest = p.exp_eof().unwrap();
        assert!(
            rest.contains("your editor \"no-such-editor-xyz\" (from $EDITOR) was not found")
                && rest.contains("--note-file"),
            "{rest}"
        );
    }
}

// 10. System errors that say what to do next.

/// Run escalate as someone who may read the data directory but not write it: the
/// user "nobody" when the tests run as root (where permissions do not bite), else
/// this user after taking away the write bits. `None` where neither is possible.
fn run_without_write_access(env: &Env, args: &[&str]) -> Option<std::process::Output> {
    use std::os::unix::fs::PermissionsExt;
    let bin = assert_cmd::cargo::cargo_bin("escalate");
    let is_root = std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"));
    let mut cmd = if is_root {
        let mut c = std::process::Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"]);
        c.arg(&bin);
        for dir in [
            env.tmp.path().to_owned(),
            env.data(),
            env.data().join("disputes"),
        ] {
            let mode = if dir == env.tmp.path() { 0o711 } else { 0o755 };
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(mode)).unwrap();
        }
        // "nobody" has a config directory of its own, where its signing key is made.
        let config = env.tmp.path().join("nobody-config");
        std::fs::create_dir_all(&config).unwrap();
        std::os::unix::fs::chown(&config, Some(65534), Some(65534)).unwrap();
        c.env("XDG_CONFIG_HOME", &config);
        c
    } else {
        for dir in [env.data(), env.data().join("disputes")] {
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o500)).unwrap();
        }
        std::process::Command::new(&bin)
    };
    let own_config = cmd
        .get_envs()
        .find(|(k, _)| *k == "XDG_CONFIG_HOME")
        .and_then(|(_, v)| v.map(|v| v.to_owned()));
    cmd.env_clear()
        .envs(env.vars())
        .env("HOME", "/nonexistent")
        .args(args);
    if let Some(config) = own_config {
        cmd.env("XDG_CONFIG_HOME", config);
    }
    let out = cmd.output().ok()?;
    // The binary may sit where "nobody" cannot reach it: nothing to learn then.
    (!matches!(out.status.code(), Some(126) | Some(127))
        && !String::from_utf8_lossy(&out.stderr).contains("setpriv:"))
    .then_some(out)
}

#[test]
fn a_data_directory_that_cannot_be_written_is_named_with_what_to_check() {
    let env = Env::new();
    let id = env.open_gscb(&[]);
    let before = env.snapshot();
    let Some(out) = run_without_write_access(&env, &crate::support::open_args("gscb", &[])) else {
        eprintln!("skipped: cannot run escalate without write access here");
        return;
    };
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let err = stderr_of(&out);
    assert!(
        err.contains("cannot write in the data directory")
            && err.contains("nothing was recorded")
            && err.contains("--dir"),
        "{err}"
    );
    // It never names a receipt for a dispute that was never created.
    assert!(!err.contains("head receipt"), "{err}");
    let out = run_without_write_access(&env, &["discuss", &id, "--note", "n"]).unwrap();
    assert!(stderr_of(&out).contains("cannot write in the data directory"));
    assert_eq!(before, env.snapshot());
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

// 9. Completion in real shells: --dir on the command line, and only the disputes
// a command takes.

/// Ask `shell` (a real bash, zsh or fish, running the registration script escalate
/// prints) to complete `line`, whose last word is empty; returns the candidates.
/// `None` when that shell is not installed.
fn complete_in(env: &Env, shell: &str, line: &[&str]) -> Option<Vec<String>> {
    which(shell)?;
    let bin = assert_cmd::cargo::cargo_bin("escalate");
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let quoted: Vec<String> = line.iter().map(|w| format!("'{w}'")).collect();
    let script = match shell {
        "bash" => format!(
            "source <(escalate completions bash)\n\
             COMP_WORDS=({words} '')\nCOMP_CWORD={n}\nCOMP_LINE=\"${{COMP_WORDS[*]}}\"\n\
             COMP_POINT=${{#COMP_LINE}}\nCOMP_TYPE=9\n\
             _clap_complete_escalate escalate '' \"${{COMP_WORDS[COMP_CWORD-1]}}\"\n\
             printf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
            words = quoted.join(" "),
            n = line.len()
        ),
        // Outside the line editor, _describe and compdef are stood in for by
        // functions that print what zsh would offer.
        "zsh" => format!(
            "compdef() {{ : }}\n_describe() {{ print -l -- \"${{(@P)${{@[-1]}}}}\" }}\n\
             source <(escalate completions zsh)\n\
             words=({words} '')\nCURRENT={n}\n_clap_dynamic_completer_escalate\n",
            words = quoted.join(" "),
            n = line.len() + 1
        ),
        "fish" => format!(
            "escalate completions fish | source\ncomplete -C \"{} \"\n",
            line.join(" ")
        ),
        _ => unreachable!(),
    };
    let out = std::process::Command::new(shell)
        .arg("-c")
        .arg(&script)
        .env_clear()
        .envs(env.vars())
        .env("PATH", path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{shell}: {out:?}");
    Some(
        stdout_of(&out)
            .lines()
            .map(|l| l.split(['\t', ':']).next().unwrap_or("").to_owned())
            // The flags are offered too; the IDs are what is tested.
            .filter(|l| !l.is_empty() && !l.starts_with('-'))
            .collect(),
    )
}

fn which(program: &str) -> Option<()> {
    std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {program}"))
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|_| ())
}

#[test]
fn completion_honours_dir_and_offers_only_the_disputes_a_command_takes() {
    let env = Env::new();
    let elsewhere = env.open_gscb(&[]);
    let other = Env::new();
    let open = other.open_gscb(&[]);
    let resolved = other.open_gscb(&[]);
    other.ok(&["resolve", &resolved, "--outcome", "Agreed"]);
    // Resolved at stage 4 under lscb: the Board Manager must still be told.
    let to_tell = other.open(
        "lscb",
        &["--immediate-harm", "--stage", "4", "--reason", "Urgent"],
    )["id"]
        .as_str()
        .unwrap()
        .to_owned();
    other.ok(&["resolve", &to_tell, "--outcome", "Agreed at stage 4"]);
    let dir = other.data();
    let dir = dir.to_str().unwrap();
    let mut ran = Vec::new();
    for shell in ["bash", "zsh", "fish"] {
        let Some(discuss) = complete_in(&env, shell, &["escalate", "--dir", dir, "discuss"]) else {
            continue;
        };
        ran.push(shell);
        assert_eq!(discuss, vec![open.clone()], "{shell}: discuss");
        let sorted = |mut v: Vec<String>| {
            v.sort();
            v
        };
        let reopen = complete_in(&env, shell, &["escalate", "--dir", dir, "reopen"]).unwrap();
        assert_eq!(
            sorted(reopen),
            sorted(vec![resolved.clone(), to_tell.clone()]),
            "{shell}: reopen"
        );
        let notify = complete_in(&env, shell, &["escalate", "--dir", dir, "notify"]).unwrap();
        assert_eq!(
            sorted(notify),
            sorted(vec![open.clone(), to_tell.clone()]),
            "{shell}: notify"
        );
        let show = complete_in(&env, shell, &["escalate", "--dir", dir, "show"]);
        assert_eq!(
            sorted(show.unwrap()),
            sorted(vec![open.clone(), resolved.clone(), to_tell.clone()]),
            "{shell}: show"
        );
        // Without --dir, ESCALATE_DIR's disputes.
        let here = complete_in(&env, shell, &["escalate", "resolve"]).unwrap();
        assert_eq!(here, vec![elsewhere.clone()], "{shell}: resolve");
    }
    assert!(ran.contains(&"bash"), "bash must be installed");
    // On CI every shell is installed (.ci/run), so none is skipped there.
    if std::env::var_os("CI").is_some() {
        assert_eq!(ran, ["bash", "zsh", "fish"]);
    }
}

// 6 and 12. The manual: real pages, shown as man shows them, warning-free.

fn repo(path: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn committed_pages() -> Vec<std::path::PathBuf> {
    let mut pages: Vec<_> = std::fs::read_dir(repo("man"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    pages.sort();
    pages
}

#[test]
fn every_manual_page_renders_with_groff_without_a_warning() {
    if which("groff").is_none() {
        assert!(std::env::var_os("CI").is_none(), "CI installs groff");
        eprintln!("skipped: groff is not installed");
        return;
    }
    let pages = committed_pages();
    assert!(pages.len() > 30);
    for page in &pages {
        let out = std::process::Command::new("groff")
            .args(["-ww", "-man", "-Tutf8"])
            .arg(page)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}: {out:?}", page.display());
        assert!(
            out.stderr.is_empty(),
            "{}: {}",
            page.display(),
            stderr_of(&out)
        );
    }
    if which("man").is_some() {
        let out = std::process::Command::new("man")
            .args(["-l", repo("man/escalate.1").to_str().unwrap()])
            .env("MANPAGER", "cat")
            .env("MANWIDTH", "80")
            .output()
            .unwrap();
        assert!(out.status.success() && out.stderr.is_empty(), "{out:?}");
        let text = stdout_of(&out);
        assert!(
            text.contains("ESCALATE(1)") && !text.contains(".TP"),
            "{text}"
        );
    }
}

#[test]
fn manual_pages_are_a_real_manual() {
    let read = |name: &str| std::fs::read_to_string(repo("man").join(name)).unwrap();
    for page in committed_pages() {
        let name = page.file_name().unwrap().to_str().unwrap().to_owned();
        let text = read(&name);
        let mut wanted = vec!["NAME", "SYNOPSIS", "DESCRIPTION", "SEE ALSO"];
        if name.ends_with(".1") {
            wanted.extend([
                "GLOBAL OPTIONS",
                "EXIT STATUS",
                "ENVIRONMENT",
                "FILES",
                "EXAMPLES",
            ]);
        }
        for heading in wanted {
            // roff quotes a heading only where it has a space.
            assert!(
                text.lines()
                    .any(|l| l.strip_prefix(".SH ").map(|h| h.trim_matches('"')) == Some(heading)),
                "{name} has no {heading}"
            );
        }
    }
    let main = read("escalate.1");
    // The description is prose, not the NAME line again.
    assert!(
        main.contains("append\\-only journal per child\\-safeguarding"),
        "{main}"
    );
    assert!(main.contains(".SH EXAMPLES") && main.contains("ESCALATE_NOW"));
    let open = read("escalate-open.1");
    // Synopsis and options with value placeholders.
    assert!(
        open.contains("[\\fB\\-\\-policy\\fR\\ \\fIID\\fR]"),
        "{open}"
    );
    // The options as clap_mangen lays them out, `--due <DATE>` as in `--help`.
    assert!(open.contains("\\fB\\-\\-due\\fR \\fI<DATE>\\fR"), "{open}");
    assert!(open.contains("20,000 characters"), "{open}");
    let report = read("escalate-report.1");
    for figure in [
        "opened",
        "escalations",
        "entered_stage",
        "resolved, resolved_at_stage",
        "reopened",
        "open_at_end, overdue_at_end",
        "median_working_days_to_resolve",
        "by_policy",
        "by_agency",
    ] {
        assert!(
            report.contains(&format!("\\fB{figure}\\fR")),
            "escalate-report(1) does not define {figure}"
        );
    }
    assert!(report.contains(".SH FIGURES") && report.contains("\\-\\-no\\-header"));
    let format = read("escalate-policy.5");
    assert!(format.contains("working_days = N"), "{format}");
}

#[test]
fn man_writes_sections_and_prints_roff_on_request() {
    let env = Env::new();
    let dir = env.tmp.path().join("share-man");
    env.ok(&["man", "--output", dir.to_str().unwrap()]);
    assert!(dir.join("man1/escalate-open.1").is_file());
    assert!(dir.join("man5/escalate-policy.5").is_file());
    let open = env.ok(&["man", "open", "--roff"]);
    assert!(open.starts_with(".TH ESCALATE\\-OPEN 1 "), "{open}");
    assert_eq!(
        env.ok(&["man", "calendar", "import"]),
        env.ok(&["man", "escalate-calendar-import"])
    );
    assert!(env
        .ok(&["man", "policy.5", "--roff"])
        .contains(".TH ESCALATE\\-POLICY 5 "));
    let err = env.fails(2, &["man", "opne"]);
    assert!(err.contains("no manual page \"opne\""), "{err}");
}

#[test]
fn man_on_a_terminal_shows_the_page_as_man_does() {
    if which("man").is_none() {
        assert!(std::env::var_os("CI").is_none(), "CI installs man-db");
        eprintln!("skipped: man is not installed");
        return;
    }
    let env = Env::new();
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("escalate"));
    cmd.env_clear()
        .envs(env.vars())
        .env("TERM", "xterm")
        .env("MANPAGER", "cat")
        .env("PAGER", "cat")
        .args(["man", "report"]);
    let mut p = rexpect::session::spawn_command(cmd, Some(20_000)).unwrap();
    p.exp_string("ESCALATE-REPORT(1)").unwrap();
    let rest = p.exp_eof().unwrap();
    // Headings are emboldened by overstriking for the pager; body text is plain.
    assert!(rest.contains("Stage moves in the period."), "{rest}");
    assert!(!rest.contains(".TP") && !rest.contains("\\fB"), "{rest}");

    // With neither man nor groff to be found, the page as plain text.
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("escalate"));
    cmd.env_clear()
        .envs(env.vars())
        .env("PATH", env.tmp.path().join("nothing-here"))
        .env("TERM", "xterm")
        .args(["man", "report"]);
    let mut p = rexpect::session::spawn_command(cmd, Some(20_000)).unwrap();
    let plain = p.exp_eof().unwrap();
    assert!(
        plain.contains("FIGURES") && plain.contains("Stage moves in the period."),
        "{plain}"
    );
    assert!(
        plain.contains("--no-header") && !plain.contains(".TP") && !plain.contains("\\f"),
        "{plain}"
    );
}

// 13. Setting up.

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

#[test]
fn the_demo_says_what_it_does_and_shows_the_whole_first_dispute() {
    let script = std::fs::read_to_string(repo("scripts/demo")).unwrap();
    let build = script.find("cargo build --release").unwrap();
    assert!(
        script[..build].contains("echo \"Building escalate"),
        "silent while it builds"
    );
    assert!(!script[build..].contains("--quiet"));
    let out = std::process::Command::new("bash")
        .arg(repo("scripts/demo"))
        .env(
            "ESCALATE_DEMO_BIN",
            assert_cmd::cargo::cargo_bin("escalate"),
        )
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let text = stdout_of(&out);
    let timeline = text.find("Timeline:").unwrap();
    assert!(
        text[timeline..].contains("opened at stage 1"),
        "the first show is cut: {text}"
    );
    assert!(!text.contains('\u{1b}'), "escape codes in a pipe: {text}");
}

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

// The README's cron recipe and exit-code table, as written.

#[test]
fn the_readme_cron_recipe_appends_months_under_one_header() {
    let readme = std::fs::read_to_string(repo("README.md")).unwrap();
    let cron = readme
        .lines()
        .find(|l| l.starts_with("5 7 1 * * "))
        .expect("the cron line");
    let once = readme
        .lines()
        .find_map(|l| l.strip_prefix("# once: "))
        .expect("the first run");
    let env = Env::new();
    env.open_gscb(&[]);
    let csv = env.tmp.path().join("escalations.csv");
    // What cron would run: the command after the five time fields, with cron's
    // `\%` unescaped, and the README's paths standing for this test's.
    let as_shell = |line: &str, data: &Path| {
        line.replace("\\%", "%")
            .replace("/srv/safeguarding/data", data.to_str().unwrap())
            .replace("/srv/safeguarding/escalations.csv", csv.to_str().unwrap())
    };
    let command = as_shell(cron.splitn(6, ' ').nth(5).unwrap(), &env.data());
    let bin_dir = assert_cmd::cargo::cargo_bin("escalate")
        .parent()
        .unwrap()
        .to_owned();
    let sh = |line: &str| {
        std::process::Command::new("sh")
            .arg("-c")
            .arg(line)
            .env_clear()
            .envs(env.vars())
            .env(
                "PATH",
                format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap()),
            )
            .output()
            .unwrap()
    };
    let first = sh(&as_shell(once, &env.data()));
    assert!(first.status.success(), "{first:?}");
    for _ in 0..2 {
        let out = sh(&command);
        assert!(out.status.success(), "{command}: {out:?}");
    }
    let text = std::fs::read_to_string(&csv).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines.iter().filter(|l| l.starts_with("from,")).count(),
        1,
        "{text}"
    );
    assert_eq!(lines.len(), 1 + 3 * 2, "{text}");
    // A mistyped directory fails the job (cron mails it) and adds nothing.
    let typo = as_shell(
        cron.splitn(6, ' ').nth(5).unwrap(),
        &env.tmp.path().join("dat"),
    );
    let out = sh(&typo);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert_eq!(std::fs::read_to_string(&csv).unwrap(), text);
}

#[test]
fn the_readme_exit_code_table_is_true() {
    let readme = std::fs::read_to_string(repo("README.md")).unwrap();
    let start = readme.find("## Exit codes").unwrap();
    let table = &readme[start..start + readme[start..].find("\n## JSON").unwrap()];
    let codes: Vec<&str> = table
        .lines()
        .filter_map(|l| l.strip_prefix("| "))
        .filter_map(|l| l.split(' ').next())
        .filter(|c| c.parse::<i32>().is_ok())
        .collect();
    assert_eq!(codes, ["0", "1", "2", "3"]);
    let env = Env::new();
    let id = env.open_gscb(&[]);
    env.ok(&["show", &id]);
    // 1: refused, nothing written, and the message says what to do next.
    let err = env.fails(1, &["show", "ZZZZ"]);
    assert!(err.contains("escalate status --all"), "{err}");
    // 2: an unknown flag, a missing argument, a malformed one, an empty text.
    env.fails(2, &["status", "--nonsense"]);
    env.fails(2, &["discuss", &id]);
    env.fails(
        2,
        &["escalate", &id, "--reason", "r", "--due", "31/11/2026"],
    );
    env.fails(2, &["discuss", &id, "--note", "  "]);
    // 3: a damaged journal stops commands on that dispute, and status warns.
    let path = env.journal(&id);
    let mut bytes = std::fs::read(&path).unwrap();
    let at = bytes.iter().position(|&b| b == b'"').unwrap();
    bytes[at + 1] ^= 1;
    std::fs::write(&path, bytes).unwrap();
    env.fails(3, &["show", &id]);
    env.fails(3, &["verify"]);
    env.fails(3, &["status", "--strict"]);
    let help = env.ok(&["--help"]);
    assert!(help.contains("0 success; 1 refused") && help.contains("2 bad usage; 3"));
}

// Rough edges found at 80 columns in tmux.

/// A tmux session 80 columns wide running escalate in `env`; `None` when tmux
/// is not installed.
struct Tmux {
    name: String,
}

impl Tmux {
    fn start(env: &Env, args: &[&str]) -> Option<Tmux> {
        which("tmux")?;
        let name = format!("escalate-test-{}-{}", std::process::id(), args.join("-"));
        let bin = assert_cmd::cargo::cargo_bin("escalate");
        let mut command = vec!["env".to_owned(), "-i".to_owned()];
        for (k, v) in env.vars() {
            command.push(format!("{k}={}", v.to_string_lossy()));
        }
        command.push("TERM=xterm".into());
        command.push(bin.to_string_lossy().into_owned());
        command.extend(args.iter().map(|a| a.to_string()));
        let ok = std::process::Command::new("tmux")
            .args(["new-session", "-d", "-x", "80", "-y", "30", "-s", &name])
            .args(&command)
            .status()
            .ok()?
            .success();
        ok.then_some(Tmux { name })
    }

    fn screen(&self) -> String {
        let out = std::process::Command::new("tmux")
            .args(["capture-pane", "-p", "-t", &self.name])
            .output()
            .unwrap();
        stdout_of(&out)
    }

    fn wait_for(&self, text: &str) -> String {
        for _ in 0..100 {
            let screen = self.screen();
            if screen.contains(text) {
                return screen;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!("{text:?} never appeared:\n{}", self.screen());
    }

    fn keys(&self, keys: &str) {
        std::thread::sleep(std::time::Duration::from_millis(300));
        std::process::Command::new("tmux")
            .args(["send-keys", "-t", &self.name, keys])
            .status()
            .unwrap();
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = std::process::Command::new("tmux")
            .args(["kill-session", "-t", &self.name])
            .status();
    }
}

#[test]
fn the_report_table_fits_80_columns() {
    let env = Env::new();
    env.open_gscb(&[]);
    let table = env.ok(&["report", "--month", "2026-11"]);
    for line in table.lines() {
        assert!(line.chars().count() <= 80, "{line:?}\n{table}");
    }
}

#[test]
fn the_policy_list_fits_an_80_column_terminal() {
    let env = Env::new();
    let Some(tmux) = Tmux::start(&env, &["open"]) else {
        assert!(std::env::var_os("CI").is_none(), "CI installs tmux");
        eprintln!("skipped: tmux is not installed");
        return;
    };
    tmux.wait_for("cumbria");
    tmux.keys("Down");
    let screen = tmux.wait_for("❯ bscb");
    // Every policy is one line, so moving the selection redraws cleanly.
    let items: Vec<&str> = screen.lines().filter(|l| l.contains(" — ")).collect();
    assert_eq!(items.len(), 5, "{screen}");
    for line in screen.lines() {
        assert!(
            line.is_empty()
                || line.starts_with("? ")
                || line.starts_with("  ")
                || line.starts_with("❯ "),
            "a wrapped line: {line:?}\n{screen}"
        );
    }
    tmux.keys("Escape");
}
