//! The binary on a pseudo-terminal at a fixed size, and its exit code.

use crate::support::{terminal_command, Env};
use std::path::Path;

/// Run git with a fixed identity and no user or system config.
pub(crate) fn plain_git(dir: &Path, args: &[&str]) {
    let out = std::process::Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .output()
        .expect("run git");
    assert!(out.status.success(), "git {args:?}: {out:?}");
}

/// The binary on an 80-column, 24-line terminal.
pub(crate) fn at_80(env: &Env, args: &[&str]) -> std::process::Command {
    let mut cmd = terminal_command(env, args);
    cmd.env("COLUMNS", "80").env("LINES", "24");
    cmd
}

/// The exit code of a finished session.
pub(crate) fn exit_code(p: &rexpect::session::PtySession) -> Option<i32> {
    match p.process().wait().unwrap() {
        rexpect::process::WaitStatus::Exited(_, code) => Some(code),
        other => panic!("not exited: {other:?}"),
    }
}
