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
