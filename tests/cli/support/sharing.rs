//! A partnership sharing a data directory through git: a bare repository, one
//! clone per agency with its own identity, and git driven as the tests need it.

use crate::support::Env;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// One agency: its own data directory, config (organisation) and user.
pub(crate) fn agency(user: &str, org: &str) -> Env {
    let mut env = Env::new();
    env.user = user.into();
    env.ok(&["config", "set", "organisation", org]);
    env
}

/// Git as a person runs it: an identity from the environment, no user or
/// system config, whatever it exits with.
pub(crate) fn git_output(dir: &Path, args: &[&str]) -> std::process::Output {
    let home = dir.parent().unwrap_or(dir).join("git-home");
    Command::new("git")
        .current_dir(dir)
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", &home)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Someone")
        .env("GIT_AUTHOR_EMAIL", "someone@example.org")
        .env("GIT_COMMITTER_NAME", "Someone")
        .env("GIT_COMMITTER_EMAIL", "someone@example.org")
        .output()
        .expect("run git")
}

/// Run git with an identity from the environment and no user or system config.
pub(crate) fn git(dir: &Path, args: &[&str]) -> String {
    let out = git_output(dir, args);
    assert!(
        out.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// An empty bare repository: the partnership's.
pub(crate) fn bare(tmp: &tempfile::TempDir) -> PathBuf {
    let path = tmp.path().join("partnership.git");
    std::fs::create_dir_all(&path).unwrap();
    git(
        &path,
        &["init", "--quiet", "--bare", "--initial-branch", "main"],
    );
    path
}

/// A partnership's bare repository (in `tmp`) and two agencies that will share
/// it: a school's designated safeguarding lead and a social care team manager.
pub(crate) fn partnership() -> (tempfile::TempDir, PathBuf, Env, Env) {
    let tmp = tempfile::tempdir().unwrap();
    let remote = bare(&tmp);
    let school = agency("Sam (DSL)", "Hollyfield Primary");
    let csc = agency("Chris (team manager)", "Children's Social Care");
    (tmp, remote, school, csc)
}

/// The school opens a dispute with social care about `child`.
pub(crate) fn school_case(school: &Env, child: &str) -> String {
    open(
        school,
        "Hollyfield Primary",
        "Children's Social Care",
        child,
    )
}

/// The school starts sharing through `remote` (its DSL is the first admin);
/// social care joins it and is admitted.
pub(crate) fn share(school: &Env, csc: &Env, remote: &str) {
    school.ok(&["share", "init", remote]);
    csc.ok(&["share", "join", remote]);
    admit(school, csc);
    // The admin's sync wrapped the school's disputes' keys for social care
    // too; social care's sync takes them.
    csc.ok(&["sync"]);
}

/// The admin `admin` adds `joiner` (by the key `joiner` has) to the member list
/// and syncs, as the README says an admin does.
pub(crate) fn admit(admin: &Env, joiner: &Env) {
    let key = joiner.json(&["key", "show"])["public_key"]
        .as_str()
        .expect("a key")
        .to_owned();
    let org = std::fs::read_to_string(joiner.config().join("config.toml")).unwrap_or_default();
    let agency = org
        .lines()
        .find_map(|l| l.strip_prefix("organisation = "))
        .map(|v| v.trim().trim_matches('"').replace("\\'", "'"))
        .unwrap_or_else(|| "Somewhere".into());
    admin.ok(&[
        "member",
        "add",
        "--name",
        &joiner.user,
        "--agency",
        &agency,
        "--key",
        &format!("valid-after=\"20000101\" {key}"),
    ]);
    admin.ok(&["sync"]);
}

pub(crate) fn open(env: &Env, from: &str, with: &str, child: &str) -> String {
    let out = env.json(&[
        "open",
        "--policy",
        "gscb",
        "--child",
        child,
        "--from",
        from,
        "--with",
        with,
        "--summary",
        "Referral judged below threshold",
    ]);
    out["id"].as_str().expect("id").to_owned()
}

/// Every journal in a data directory, by file name.
pub(crate) fn journals(env: &Env) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for e in std::fs::read_dir(env.data().join("disputes"))
        .unwrap()
        .flatten()
    {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.ends_with(".jsonl") {
            out.insert(name, std::fs::read(e.path()).unwrap());
        }
    }
    out
}

pub(crate) fn lines_of(env: &Env, id: &str) -> Vec<serde_json::Value> {
    // As `show --json` gives them: a sealed line's text is there only opened,
    // with the key this clone holds. A journal `show` refuses is read raw.
    let out = env.cmd(&["show", id, "--json"]).output().unwrap();
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(&out.stdout) {
        if let Some(events) = v["events"].as_array() {
            return events.clone();
        }
    }
    std::fs::read_to_string(env.journal(id))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// A journal's lines as stored (sealed text and all), as JSON.
pub(crate) fn raw_lines(env: &Env, id: &str) -> Vec<serde_json::Value> {
    std::fs::read_to_string(env.journal(id))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// How many lines of a journal carry `marker`, directly or inside a superseded
/// line, and whether it was superseded.
pub(crate) fn count(env: &Env, id: &str, marker: &str) -> (usize, bool) {
    let lines = lines_of(env, id);
    let hits: Vec<&serde_json::Value> = lines
        .iter()
        .filter(|l| l.to_string().contains(marker))
        .collect();
    let superseded = hits.iter().any(|l| l["kind"] == "superseded");
    (hits.len(), superseded)
}

/// Run `sync` expecting it to be refused (exit 1) with every journal as it was;
/// returns stderr. (git's own bookkeeping under .git may change: a fetch.)
pub(crate) fn sync_refused(env: &Env) -> String {
    let before = journals(env);
    let out = env.cmd(&["sync"]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(journals(env), before, "a refused sync changed a journal");
    assert!(!err.contains("panicked"), "{err}");
    err
}

pub(crate) fn install_hook(path: &Path, script: &str) {
    let path = path.to_owned();
    std::fs::write(&path, format!("#!/bin/sh\n{script}\n")).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}
