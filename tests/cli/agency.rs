//! `escalate agency`: the partnership's canonical agency names and their aliases,
//! kept in the data directory, and every agency filter (`status`, `report`, a
//! member's default) counting a dispute recorded under an alias as its agency's.

use crate::support::programs::stderr_of;
use crate::support::pty::plain_git;
use crate::support::Env;

#[test]
fn the_agency_list_is_shared_with_the_directory() {
    // It is in the data directory, and the shared directory's .gitignore keeps
    // out only what is this computer's own.
    let env = Env::new();
    env.ok(&["agency", "add", "Police"]);
    assert!(env.data().join("agencies.toml").is_file());
    let repo = tempfile::tempdir().unwrap();
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .args(args)
            .current_dir(repo.path())
            .output()
            .unwrap()
    };
    git(&["init", "--quiet"]);
    std::fs::write(
        repo.path().join(".gitignore"),
        escalate_core::share::GITIGNORE,
    )
    .unwrap();
    for file in ["agencies.toml", "report.toml"] {
        std::fs::write(repo.path().join(file), "").unwrap();
        let ignored = git(&["check-ignore", "--quiet", file]);
        assert_eq!(ignored.status.code(), Some(1), "{file} would not be shared");
    }
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

// One alias-aware matcher for every agency filter.

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

#[test]
fn a_members_default_status_counts_a_dispute_recorded_under_an_alias() {
    let tmp = tempfile::tempdir().unwrap();
    let remote = tmp.path().join("partnership.git");
    std::fs::create_dir_all(&remote).unwrap();
    plain_git(
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
