//! Reading a dispute's journal, head receipt and notes, and running the binary
//! without the harness's checks, for tests that damage journals.

use crate::support::Env;
use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command as StdCommand, Stdio};

/// The same hermetic command as `Env::cmd`, as a `std::process::Command` so it can
/// be spawned, killed and run from several threads.
pub(crate) fn std_cmd(env: &Env, args: &[&str]) -> StdCommand {
    let mut cmd = StdCommand::new(assert_cmd::cargo::cargo_bin("escalate"));
    cmd.env_clear()
        .envs(env.vars())
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    cmd
}

pub(crate) fn head_path(env: &Env, id: &str) -> PathBuf {
    env.data().join("disputes").join(format!("{id}.head"))
}

/// Run and return (exit code, stderr) without any assertion.
pub(crate) fn run(env: &Env, args: &[&str]) -> (Option<i32>, String) {
    let out = env.cmd(args).output().expect("run escalate");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

pub(crate) fn notes(env: &Env, id: &str) -> Vec<String> {
    env.json(&["show", id])["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["note"].as_str().map(str::to_owned))
        .collect()
}

pub(crate) fn verify_json(env: &Env, args: &[&str]) -> (Option<i32>, Value) {
    let mut all = vec!["verify", "--json"];
    all.extend_from_slice(args);
    let out = env.cmd(&all).output().expect("run escalate");
    let v = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "verify --json printed no JSON ({e}): {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code(), v)
}
