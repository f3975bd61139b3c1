//! The second newcomer trial (issue 30, items 1-18): aliases in every agency
//! filter, honest exit codes, quiet meaning quiet, times as people say them,
//! prompts that behave and wrapping by display width. Each test failed before
//! its fix.

use std::path::Path;

use crate::support::Env;

fn stderr_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn open_with(env: &Env, with: &str) -> String {
    let v = env.json(&crate::support::open_between(
        "gscb",
        ("Hollyfield Primary", with),
        &[],
    ));
    v["id"].as_str().expect("id").to_owned()
}

fn ids(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .expect("an array")
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect()
}

// 1. One alias-aware matcher for every agency filter.

#[test]
fn status_and_report_find_a_dispute_by_its_agency_alias() {
    let env = Env::new();
    env.ok(&["agency", "add", "Children's Social Care"]);
    env.ok(&["agency", "alias", "CSC", "Children's Social Care"]);
    let id = open_with(&env, "CSC");
    open_with(&env, "Police");
    for wanted in ["Children's Social Care", "csc"] {
        let listed = env.json(&["status", "--agency", wanted]);
        assert_eq!(ids(&listed), vec![id.clone()], "--agency {wanted}");
    }
    let out = env
        .cmd(&["report", "--month", "2026-11", "--agency", "CSC", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let err = stderr_of(&out);
    assert!(!err.contains("no dispute names"), "{err}");
}

/// Run git with a fixed identity and no user or system config.
fn git(dir: &Path, args: &[&str]) {
    let out = std::process::Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .output()
        .expect("run git");
    assert!(out.status.success(), "git {args:?}: {out:?}");
}

#[test]
fn a_members_default_status_counts_a_dispute_recorded_under_an_alias() {
    let tmp = tempfile::tempdir().unwrap();
    let remote = tmp.path().join("partnership.git");
    std::fs::create_dir_all(&remote).unwrap();
    git(
        &remote,
        &["init", "--quiet", "--bare", "--initial-branch", "main"],
    );
    let mut env = Env::new();
    env.user = "Chris (team manager)".into();
    env.ok(&["config", "set", "organisation", "Children's Social Care"]);
    env.ok(&["share", "init", remote.to_str().unwrap()]);
    env.ok(&["agency", "add", "Children's Social Care"]);
    env.ok(&["agency", "alias", "CSC", "Children's Social Care"]);
    let id = open_with(&env, "CSC");
    open_with(&env, "Police");
    let listed = env.json(&["status"]);
    assert_eq!(ids(&listed), vec![id], "{listed}");
}

// 2. A write error on standard output other than a closed pipe is a failure.

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

// 3. The manual piped is text; long policy text is paged on a terminal.

#[test]
fn the_manual_piped_is_the_text_man_prints_and_roff_on_request() {
    let env = Env::new();
    let page = env.ok(&["man", "open"]);
    assert!(!page.contains(".TH") && !page.contains("\\-"), "{page}");
    assert!(
        page.contains("escalate-open - open a new dispute"),
        "{page}"
    );
    let roff = env.ok(&["man", "open", "--roff"]);
    assert!(roff.starts_with(".TH"), "{roff}");
}

// 4. Quiet means the ID and errors only.

#[test]
fn quiet_does_not_echo_how_a_date_was_read() {
    let env = Env::new();
    let mut args = crate::support::open_args("gscb", &["--at", "yesterday", "--quiet"]);
    let out = env.cmd(&args).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(stderr_of(&out), "", "quiet printed more than the ID");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim().len(), 10);
    // Without --quiet the reading is echoed.
    args.pop();
    let out = env.cmd(&args).output().unwrap();
    assert!(stderr_of(&out).contains("Reading \"yesterday\" as Sun 22 Nov 2026"));
    let out = env
        .cmd(&["report", "--month", "last month", "--quiet"])
        .output()
        .unwrap();
    assert!(out.status.success() && out.stderr.is_empty(), "{out:?}");
}

// 6. Times as people say them, always echoed; a bad time is a bad time.

#[test]
fn times_and_weekdays_as_people_say_them_are_read_and_echoed() {
    let env = Env::new(); // Monday 23 November 2026, 09:00
    let out = env
        .cmd(&crate::support::open_args(
            "gscb",
            &["--at", "yesterday 4pm"],
        ))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(
        stderr_of(&out).contains("Reading \"yesterday 4pm\" as Sun 22 Nov 2026 16:00."),
        "{}",
        stderr_of(&out)
    );
    let id = env.open_gscb(&["--at", "today 9am"]);
    env.ok(&["discuss", &id, "--note", "n"]);
    for (typed, shown, date) in [
        ("friday", "Fri 27 Nov 2026", "2026-11-27"),
        ("next friday", "Fri 27 Nov 2026", "2026-11-27"),
    ] {
        let out = env
            .cmd(&["escalate", &id, "--reason", "r", "--due", typed, "--json"])
            .output()
            .unwrap();
        // The first escalates; the second is refused by the policy (stage 2
        // has no discussion yet), after the date was read.
        assert!(
            stderr_of(&out).contains(&format!("Reading {typed:?} as {shown}.")),
            "{typed}: {out:?}"
        );
        if out.status.success() {
            let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            assert_eq!(v["due"], date, "{v}");
        }
    }
    let err = env.fails(
        2,
        &["discuss", &id, "--note", "n", "--at", "yesterday 25:00"],
    );
    assert!(err.contains("\"25:00\" is not a time of day"), "{err}");
    assert!(!err.contains("is not a date"), "{err}");
}

// 7. A near miss of an outstanding duty is named, never silently recorded.

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

// 8. A mistyped setting is answered with the one meant.

#[test]
fn config_suggests_the_setting_meant() {
    let env = Env::new();
    let err = env.fails(1, &["config", "set", "nmae", "Jo"]);
    assert!(err.contains("did you mean name?"), "{err}");
    let err = env.fails(1, &["config", "get", "organsation"]);
    assert!(err.contains("did you mean organisation?"), "{err}");
    let err = env.fails(1, &["config", "set", "colour", "x"]);
    assert!(err.contains("there is no setting called"), "{err}");
}

// 9. `open` in a data directory that did not exist says it made one.

#[test]
fn open_in_a_new_data_directory_says_so_and_where_the_others_are() {
    let env = Env::new();
    let default = env.tmp.path().join("xdg-data").join("escalate");
    let out = env
        .cmd(&crate::support::open_args("gscb", &[]))
        .env_remove("ESCALATE_DIR")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(
        stderr_of(&out).contains(&format!(
            "created a new data directory at {}",
            default.display()
        )),
        "{}",
        stderr_of(&out)
    );
    let typo = env.tmp.path().join("dta");
    let mut args = crate::support::open_args("gscb", &[]);
    args.push("--quiet");
    let out = env.cmd(&args).env("ESCALATE_DIR", &typo).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let err = stderr_of(&out);
    assert!(
        err.contains(&format!(
            "created a new data directory at {}",
            typo.display()
        )) && err.contains(&format!("your other disputes are in {}", default.display())),
        "{err}"
    );
    // The next one in the same directory says nothing.
    let out = env.cmd(&args).env("ESCALATE_DIR", &typo).output().unwrap();
    assert_eq!(stderr_of(&out), "");
}

// 10. A line dated after this computer's clock is flagged.

#[test]
fn show_and_verify_flag_a_line_dated_after_the_clock() {
    let mut env = Env::new();
    let id = env.open_gscb(&[]);
    env.now("2026-11-20T09:00:00Z");
    for args in [vec!["show", &id], vec!["verify"], vec!["verify", &id]] {
        let out = env.cmd(&args).output().unwrap();
        assert!(out.status.success(), "{args:?}: {out:?}");
        let err = stderr_of(&out);
        assert!(
            err.contains("line 1 is dated Mon 23 Nov 2026 09:00, after this computer's clock (Fri 20 Nov 2026 09:00)"),
            "{args:?}: {err}"
        );
    }
    // A clock a minute or two apart is not worth a word.
    env.now("2026-11-23T08:58:00Z");
    let out = env.cmd(&["show", &id]).output().unwrap();
    assert!(!stderr_of(&out).contains("after this computer's clock"));
}

// 16. share join with a wrong address; the commit author's email.

#[test]
fn share_join_with_a_wrong_address_says_what_to_check() {
    let env = Env::new();
    let wrong = env.tmp.path().join("no-such-partnership.git");
    let dest = env.tmp.path().join("joined");
    let err = env.fails(
        1,
        &[
            "share",
            "join",
            wrong.to_str().unwrap(),
            dest.to_str().unwrap(),
        ],
    );
    assert!(!err.contains("DIR"), "{err}");
    assert!(
        err.contains("escalate share join") && err.contains("typing mistake"),
        "{err}"
    );
}

#[test]
fn commits_carry_a_placeholder_email_not_the_agency_name() {
    let tmp = tempfile::tempdir().unwrap();
    let remote = tmp.path().join("partnership.git");
    std::fs::create_dir_all(&remote).unwrap();
    git(
        &remote,
        &["init", "--quiet", "--bare", "--initial-branch", "main"],
    );
    let mut env = Env::new();
    env.user = "Sam (DSL)".into();
    env.ok(&["config", "set", "organisation", "Hollyfield Primary"]);
    env.ok(&["share", "init", remote.to_str().unwrap()]);
    env.open_gscb(&[]);
    env.ok(&["sync"]);
    let out = std::process::Command::new("git")
        .args(["log", "-1", "--format=%an <%ae>"])
        .current_dir(&remote)
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "Sam (DSL) <sam-dsl@hollyfield-primary.invalid>"
    );
}

// 5. One JSON convention: every --json document is pretty-printed.

#[test]
fn status_json_is_pretty_like_every_other_json_document() {
    let env = Env::new();
    let id = env.open_gscb(&[]);
    env.open_gscb(&[]);
    for args in [
        vec!["status", "--json"],
        vec!["status", "--json", "--no-cache"],
        vec!["show", &id, "--json"],
        vec!["report", "--month", "2026-11", "--json"],
    ] {
        let out = env.ok(&args);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(
            out,
            serde_json::to_string_pretty(&v).unwrap() + "\n",
            "{args:?}"
        );
    }
}

// 14. Wrapping by display width, between words.

#[test]
fn policy_show_at_80_columns_keeps_every_word_whole() {
    let env = Env::new();
    for id in ["gscb", "bscb", "lscb", "cscp", "cumbria"] {
        let text = env
            .cmd(&["policy", "show", id])
            .env("COLUMNS", "80")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&text.stdout).into_owned();
        for line in text.lines() {
            assert!(
                unicode_width::UnicodeWidthStr::width(line) <= 80,
                "{id}: too wide: {line}"
            );
        }
        let v = env.json(&["policy", "show", id]);
        for stage in v["stage"].as_array().unwrap() {
            for field in ["name", "who", "action"] {
                for word in stage[field].as_str().unwrap_or("").split_whitespace() {
                    let word = word.trim_matches(|c: char| !c.is_alphanumeric());
                    if word.chars().count() >= 4 {
                        assert!(text.contains(word), "{id}: {word:?} is split:\n{text}");
                    }
                }
            }
        }
    }
}

#[test]
fn policy_list_piped_is_plain_columns_not_a_box() {
    let env = Env::new();
    let text = env.ok(&["policy", "list"]);
    assert!(!text.contains('─') && !text.contains('═'), "{text}");
    assert!(
        text.lines().any(|l| l.trim_start().starts_with("gscb")),
        "{text}"
    );
}

// 17. The demo leaves nothing behind, its signing key included.

#[test]
fn the_demo_leaves_no_key_or_settings_behind() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let out = std::process::Command::new("bash")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/demo"))
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", &home)
        .env("TMPDIR", tmp.path())
        .env(
            "ESCALATE_DEMO_BIN",
            assert_cmd::cargo::cargo_bin("escalate"),
        )
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let left: Vec<_> = walk(tmp.path());
    assert_eq!(left, vec![home.clone()], "the demo left files behind");
    let script = include_str!("../../scripts/demo");
    assert!(
        !script.contains("a minute or two"),
        "the first build takes longer"
    );
}

/// Every path under `dir`.
fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        out.push(e.path());
        if e.path().is_dir() {
            out.extend(walk(&e.path()));
        }
    }
    out
}

// 18. The README's install instructions for the manual are true.

#[test]
fn installed_pages_are_found_by_man_as_the_output_says() {
    let env = Env::new();
    let dir = env.tmp.path().join("share").join("man");
    let said = env.ok(&["man", "--output", dir.to_str().unwrap()]);
    let line = format!("export MANPATH=\"{}:$MANPATH\"", dir.display());
    assert!(said.contains(&line), "{said}");
    let readme = include_str!("../../README.md");
    assert!(
        readme.contains("escalate man --output ~/.local/share/man")
            && readme.contains("export MANPATH=\"$HOME/.local/share/man:$MANPATH\""),
        "README's install lines"
    );
    if which_man() {
        // As the startup line leaves it when MANPATH was unset.
        let out = std::process::Command::new("man")
            .args(["-w", "escalate"])
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", env.tmp.path())
            .env("MANPATH", format!("{}:", dir.display()))
            .output()
            .unwrap();
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("man1/escalate.1"),
            "{out:?}"
        );
    }
}

fn which_man() -> bool {
    std::process::Command::new("man")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

mod pty {
    //! Driven in a real pseudo-terminal at 80 columns.
    use rexpect::session::spawn_command;

    use crate::support::{terminal_command, Env};

    /// The binary on an 80-column, 24-line terminal.
    pub(super) fn at_80(env: &Env, args: &[&str]) -> std::process::Command {
        let mut cmd = terminal_command(env, args);
        cmd.env("COLUMNS", "80").env("LINES", "24");
        cmd
    }

    #[test]
    fn policy_show_is_paged_on_a_terminal_and_never_when_piped() {
        let env = Env::new();
        let paged = env.tmp.path().join("paged");
        let pager = format!("cat > '{}'", paged.display());
        let mut cmd = at_80(&env, &["policy", "show", "gscb"]);
        cmd.env("ESCALATE_PAGER", &pager);
        let mut p = spawn_command(cmd, Some(20_000)).unwrap();
        let shown = p.exp_eof().unwrap();
        let text = std::fs::read_to_string(&paged).expect("the pager ran");
        assert!(
            text.contains("Stage") && text.lines().count() > 24,
            "{text}"
        );
        assert!(
            !shown.contains("Stage"),
            "printed as well as paged: {shown}"
        );
        std::fs::remove_file(&paged).unwrap();
        // Piped: printed, no pager.
        let out = env
            .cmd(&["policy", "show", "gscb"])
            .env("ESCALATE_PAGER", &pager)
            .output()
            .unwrap();
        assert!(String::from_utf8_lossy(&out.stdout).contains("Stage"));
        assert!(!paged.exists());
    }

    /// The exit code of a finished session.
    fn exit_code(p: &rexpect::session::PtySession) -> Option<i32> {
        match p.process().wait().unwrap() {
            rexpect::process::WaitStatus::Exited(_, code) => Some(code),
            other => panic!("not exited: {other:?}"),
        }
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

    // 12. `resolve` asks on a terminal, as `escalate` does; --yes does not.

    #[test]
    fn resolve_with_an_outcome_asks_on_a_terminal() {
        let env = Env::new();
        let id = env.open_gscb(&[]);
        let before = env.snapshot();
        let mut p = spawn_command(
            at_80(&env, &["resolve", &id, "--outcome", "Assessment agreed"]),
            Some(20_000),
        )
        .unwrap();
        p.exp_string("Outcome to record:").unwrap();
        p.exp_string("Resolve dispute").unwrap();
        crate::support::key(&mut p, "n\r");
        p.exp_string("cancelled; nothing was written").unwrap();
        p.exp_eof().unwrap();
        assert_eq!(before, env.snapshot());
        let mut p = spawn_command(
            at_80(
                &env,
                &["resolve", &id, "--outcome", "Assessment agreed", "--yes"],
            ),
            Some(20_000),
        )
        .unwrap();
        p.exp_string("Resolved dispute").unwrap();
        p.exp_eof().unwrap();
        assert_eq!(env.json(&["show", &id])["state"], "resolved");
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
    fn ctrl_c_at_a_confirmation_keeps_the_text_from_the_editor() {
        use std::os::unix::fs::PermissionsExt;
        let env = Env::new();
        let id = env.open_gscb(&[]);
        let editor = env.tmp.path().join("fake-editor");
        std::fs::write(
            &editor,
            "#!/bin/sh\nprintf '%s\\n' 'CSC agreed' >> \"$1\"\n",
        )
        .unwrap();
        std::fs::set_permissions(&editor, std::fs::Permissions::from_mode(0o755)).unwrap();
        let mut cmd = at_80(&env, &["resolve", &id]);
        cmd.env("EDITOR", &editor);
        let mut p = spawn_command(cmd, Some(20_000)).unwrap();
        p.exp_string("Resolve dispute").unwrap();
        crate::support::key(&mut p, "\x03");
        let rest = p.exp_eof().unwrap();
        assert_eq!(exit_code(&p), Some(130));
        let at = rest.find("it is kept in ").expect("names the file") + 14;
        let path = rest[at..].lines().next().unwrap().trim();
        assert_eq!(std::fs::read_to_string(path).unwrap(), "CSC agreed\n");
        assert!(rest.contains("--outcome-file"), "{rest}");
    }

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

    #[test]
    fn status_at_130_columns_leaves_out_an_empty_outstanding_column() {
        let env = Env::new();
        env.open_gscb(&[]);
        let mut cmd = at_80(&env, &["status"]);
        cmd.env("COLUMNS", "130").env("NO_COLOR", "1");
        let mut p = spawn_command(cmd, Some(20_000)).unwrap();
        let text = p.exp_eof().unwrap();
        assert!(
            text.contains("Due") && !text.contains("Outstanding"),
            "{text}"
        );
        // The due phrase is on one line.
        assert!(text.contains("5 working days left"), "{text}");
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
}
