//! `scripts/demo`: it says what it does, shows the whole first dispute and leaves
//! no key or settings behind.

use crate::support::programs::{repo, stdout_of};
use std::path::Path;

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

// The demo leaves nothing behind, its signing key included.

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
