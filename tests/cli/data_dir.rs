//! The data directory: a missing, unwritable or file-shaped one is named with what
//! to check, and a new one says so and where the others are.

use crate::support::programs::{stderr_of, stdout_of};
use crate::support::Env;

#[test]
fn a_data_directory_that_is_a_file_is_refused_clearly() {
    let env = Env::new();
    let file = env.tmp.path().join("not-a-dir");
    std::fs::write(&file, "x").unwrap();
    let out = env
        .cmd(&["--dir", file.to_str().unwrap(), "status"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("is not a directory") && err.contains("--dir"),
        "{err}"
    );
    assert_eq!(std::fs::read(&file).unwrap(), b"x");
}

// A mistyped data directory is an error, never an empty report.

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

// System errors that say what to do next.

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
        // As root the test runs escalate as "nobody", who cannot reach a binary
        // built in root's home directory (mode 700). CI must check this message,
        // so there the build directory has to be somewhere "nobody" can reach.
        assert!(
            std::env::var_os("CI").is_none(),
            "under CI escalate must run without write access: as root, build outside root's \
             home directory (set CARGO_TARGET_DIR) so that the user nobody can run the binary"
        );
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

// `open` in a data directory that did not exist says it made one.

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

// Where journals are kept, as a user sees it when one dispute is in two data
// directories (a copy sent to a colleague, a restored backup): reading both
// with `--include-dir` counts it once, from the first, and names the two
// journals when they differ, and only then. The journals are compared through
// the store (`Store::journal_bytes`), not read by the command itself.

/// What each command that reads other directories says on standard error.
fn warnings(env: &Env, other: &str) -> Vec<String> {
    [
        vec!["report", "--month", "2026-11"],
        vec!["status"],
        vec!["export", "--format", "jsonl", "--all"],
    ]
    .into_iter()
    .map(|mut args| {
        args.extend(["--include-dir", other]);
        let out = env.cmd(&args).output().unwrap();
        assert!(out.status.success(), "{args:?}: {out:?}");
        String::from_utf8(out.stderr).unwrap()
    })
    .collect()
}

#[test]
fn a_dispute_in_two_directories_is_counted_once_and_a_difference_is_named() {
    let a = Env::new();
    let id = a.open_gscb(&[]);
    let b = a.clone_data();
    let other = b.data().display().to_string();
    for said in warnings(&a, &other) {
        assert!(!said.contains("differ"), "{said}");
    }
    let exported = a.ok(&[
        "export",
        "--format",
        "jsonl",
        "--all",
        "--include-dir",
        &other,
    ]);
    assert_eq!(exported.lines().count(), 1, "{exported}");
    b.ok(&["discuss", &id, "--note", "Spoke to the team manager"]);
    let ours = a.journal(&id).display().to_string();
    let theirs = b.journal(&id).display().to_string();
    for said in warnings(&a, &other) {
        assert!(
            said.contains(&format!(
                "dispute {id} is in {ours} and in {theirs}, and the two journals differ; it is counted once, from {ours}"
            )),
            "{said}"
        );
    }
    let exported = a.ok(&[
        "export",
        "--format",
        "jsonl",
        "--all",
        "--include-dir",
        &other,
    ]);
    assert_eq!(exported.lines().count(), 1, "{exported}");
}
