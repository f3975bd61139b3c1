//! Other programs tests drive: the repository's own files, `which`, output as
//! text, and an editor that writes what a test says.

use crate::support::Env;
use std::path::Path;

pub(crate) fn stderr_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub(crate) fn stdout_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// As a terminal user runs it, with a `PATH` (for the editor), a state
/// directory (for recovered text) and the given `EDITOR`.
pub(crate) fn editor_command(
    env: &Env,
    editor: Option<&Path>,
    args: &[&str],
) -> std::process::Command {
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
pub(crate) fn editor(env: &Env, text: &str) -> std::path::PathBuf {
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

pub(crate) fn which(program: &str) -> Option<()> {
    std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {program}"))
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|_| ())
}

// 6 and 12. The manual: real pages, shown as man shows them, warning-free.

pub(crate) fn repo(path: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}
