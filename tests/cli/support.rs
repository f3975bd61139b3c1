//! A hermetic environment for driving the real `escalate` binary: a temporary data
//! directory, a pinned clock, a fixed user, an isolated home and config directory,
//! and nothing else from the caller's environment.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

pub(crate) struct Env {
    pub tmp: tempfile::TempDir,
    pub now: String,
    pub user: String,
}

impl Env {
    pub(crate) fn new() -> Env {
        let env = Env {
            tmp: tempfile::tempdir().expect("temporary directory"),
            now: "2026-11-23T09:00:00Z".into(),
            user: "Jo Bloggs (DSL)".into(),
        };
        // Commands that only read refuse a data directory that does not exist
        // (a mistyped path); tests start from an empty one, as after `open`.
        private_dir(&env.data());
        env
    }

    /// Pin "now" for the commands that follow.
    pub(crate) fn now(&mut self, now: &str) -> &mut Env {
        self.now = now.into();
        self
    }

    pub(crate) fn data(&self) -> PathBuf {
        self.tmp.path().join("data")
    }

    pub(crate) fn config(&self) -> PathBuf {
        self.tmp.path().join("config").join("escalate")
    }

    /// The whole environment a command runs with (after clearing the caller's).
    pub(crate) fn vars(&self) -> Vec<(&'static str, OsString)> {
        vec![
            ("PATH", std::env::var_os("PATH").unwrap_or_default()),
            ("HOME", self.tmp.path().join("home").into()),
            ("XDG_CONFIG_HOME", self.tmp.path().join("config").into()),
            ("XDG_DATA_HOME", self.tmp.path().join("xdg-data").into()),
            ("ESCALATE_DIR", self.data().into()),
            ("ESCALATE_NOW", self.now.clone().into()),
            ("ESCALATE_USER", self.user.clone().into()),
            ("NO_COLOR", "1".into()),
        ]
    }

    pub(crate) fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = Command::cargo_bin("escalate").expect("the escalate binary");
        cmd.env_clear().envs(self.vars()).args(args).write_stdin("");
        cmd
    }

    /// A copy of this environment's data directory in a new environment.
    pub(crate) fn clone_data(&self) -> Env {
        let env = Env::new();
        copy_dir(&self.data(), &env.data());
        env
    }

    /// This person (their config, key and name) running escalate on another
    /// data directory: a colleague sharing it, or a clone of their own elsewhere.
    pub(crate) fn cmd_in(&self, dir: &std::path::Path, args: &[&str]) -> Command {
        let mut cmd = self.cmd(args);
        cmd.env("ESCALATE_DIR", dir);
        cmd
    }

    /// `cmd_in`, expecting success; returns stdout.
    pub(crate) fn ok_in(&self, dir: &std::path::Path, args: &[&str]) -> String {
        let out = self.cmd_in(dir, args).output().expect("run escalate");
        assert!(
            out.status.success(),
            "escalate {args:?} in {} failed with {:?}\nstderr:\n{}",
            dir.display(),
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("UTF-8 output")
    }

    /// Run and expect success; returns stdout.
    pub(crate) fn ok(&self, args: &[&str]) -> String {
        let out = self.cmd(args).output().expect("run escalate");
        assert!(
            out.status.success(),
            "escalate {args:?} failed with {:?}\nstdout:\n{}\nstderr:\n{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("UTF-8 output")
    }

    /// Run with --json and parse the one document it prints.
    pub(crate) fn json(&self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.push("--json");
        let out = self.ok(&all);
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("not one JSON document ({e}):\n{out}"))
    }

    /// Run and expect exit `code`; returns stderr. Checks that nothing in the data
    /// directory changed.
    pub(crate) fn fails(&self, code: i32, args: &[&str]) -> String {
        let before = self.snapshot();
        let out = self.cmd(args).output().expect("run escalate");
        assert_eq!(
            out.status.code(),
            Some(code),
            "escalate {args:?}: expected exit {code}\nstdout:\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            before,
            self.snapshot(),
            "escalate {args:?} changed the data directory although it failed"
        );
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(!stderr.contains("panicked"), "panic: {stderr}");
        stderr
    }

    /// Open a dispute under `policy` with the usual details plus `extra`; returns
    /// what `open --json` printed.
    pub(crate) fn open(&self, policy: &str, extra: &[&str]) -> Value {
        let mut args = vec![
            "open",
            "--policy",
            policy,
            "--child",
            "LCS-40213",
            "--from",
            "Hollyfield Primary",
            "--with",
            "Children's Social Care",
            "--summary",
            "Referral judged below threshold",
        ];
        args.extend_from_slice(extra);
        self.json(&args)
    }

    /// Open a GSCB dispute with the usual details plus `extra`; returns its ID.
    pub(crate) fn open_gscb(&self, extra: &[&str]) -> String {
        self.open("gscb", extra)["id"]
            .as_str()
            .expect("id")
            .to_owned()
    }

    /// Every file under the data directory with its bytes, except the status
    /// cache: it is derived data that any read may refresh, never a record.
    pub(crate) fn snapshot(&self) -> BTreeMap<PathBuf, Vec<u8>> {
        let mut files = BTreeMap::new();
        collect(&self.data(), &mut files);
        files
    }

    pub(crate) fn journal(&self, id: &str) -> PathBuf {
        self.data().join("disputes").join(format!("{id}.jsonl"))
    }
}

fn collect(dir: &Path, files: &mut BTreeMap<PathBuf, Vec<u8>>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.file_name().is_some_and(|n| n == "cache") {
            continue;
        }
        if path.is_dir() {
            collect(&path, files);
        } else {
            files.insert(path.clone(), std::fs::read(&path).unwrap_or_default());
        }
    }
}

/// The arguments of `open` under `policy` with placeholder details, then `extra`.
pub(crate) fn open_args<'a>(policy: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    open_between(policy, ("A", "B"), extra)
}

/// The arguments of `open` under `policy` between the agencies `from` and
/// `with`, with placeholder details, then `extra`.
pub(crate) fn open_between<'a>(
    policy: &'a str,
    (from, with): (&'a str, &'a str),
    extra: &[&'a str],
) -> Vec<&'a str> {
    let mut args = vec![
        "open",
        "--policy",
        policy,
        "--child",
        "C",
        "--from",
        from,
        "--with",
        with,
        "--summary",
        "s",
    ];
    args.extend_from_slice(extra);
    args
}

/// Create a directory readable only by its owner, as escalate does.
pub(crate) fn private_dir(path: &Path) {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(path)
        .expect("create a private directory");
}

pub(crate) fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// The binary in this environment as a terminal user runs it, for driving in a
/// pseudo-terminal (rexpect): a terminal type, and neither `PATH` nor `NO_COLOR`.
pub(crate) fn terminal_command(env: &Env, args: &[&str]) -> std::process::Command {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("escalate"));
    cmd.env_clear()
        .env("TERM", "xterm")
        .env("HOME", env.tmp.path().join("home"))
        .env("XDG_CONFIG_HOME", env.tmp.path().join("config"))
        .env("ESCALATE_DIR", env.data())
        .env("ESCALATE_NOW", &env.now)
        .env("ESCALATE_USER", &env.user)
        .args(args);
    cmd
}

/// Send keys to a menu or yes/no question. They switch the terminal to raw mode
/// after drawing, flushing anything typed before: give them a moment first.
pub(crate) fn key(p: &mut rexpect::session::PtySession, keys: &str) {
    std::thread::sleep(std::time::Duration::from_millis(400));
    p.send(keys).unwrap();
    p.flush().unwrap();
}

/// The ids of a dispute's duties in its `--json` view.
pub(crate) fn duty_ids(v: &Value) -> Vec<String> {
    v["obligations"]
        .as_array()
        .expect("obligations")
        .iter()
        .map(|o| o["id"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// One duty of a dispute's `--json` view, by id.
pub(crate) fn duty<'a>(v: &'a Value, id: &str) -> &'a Value {
    v["obligations"]
        .as_array()
        .expect("obligations")
        .iter()
        .find(|o| o["id"] == id)
        .unwrap_or_else(|| panic!("no duty {id} in {v}"))
}

pub(crate) mod calendars;
pub(crate) mod duties;
pub(crate) mod journals;
pub(crate) mod policies;
pub(crate) mod policy_fixtures;
pub(crate) mod programs;
pub(crate) mod pty;
pub(crate) mod quarter;
pub(crate) mod reports;
pub(crate) mod sharing;
pub(crate) mod snapshot;
pub(crate) mod terminal;
