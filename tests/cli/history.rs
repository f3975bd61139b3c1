//! The shared history as evidence (issue #25 item 9): `verify --history` follows
//! every parent of every merge, names the commit and the journal that removed or
//! changed a shared line, and tells a member who joined after a forced push that
//! the history was cut, from the signed witnesses each member's sync records.
//! A bare repository and clones, as in `share`, plus a "rogue" clone driven with
//! plain git by someone who can push.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::Env;

fn agency(user: &str, org: &str) -> Env {
    let mut env = Env::new();
    env.user = user.into();
    env.ok(&["config", "set", "organisation", org]);
    env
}

/// Run git with a fixed identity and no user or system config; returns stdout.
fn git_in(dir: &Path, args: &[&str], input: Option<&[u8]>) -> String {
    let home = dir.parent().unwrap_or(dir).join("git-home");
    let mut cmd = Command::new("git");
    cmd.current_dir(dir)
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", &home)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Rogue")
        .env("GIT_AUTHOR_EMAIL", "rogue@example.org")
        .env("GIT_COMMITTER_NAME", "Rogue")
        .env("GIT_COMMITTER_EMAIL", "rogue@example.org")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().expect("run git");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(input.unwrap_or_default()).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

fn git(dir: &Path, args: &[&str]) -> String {
    git_in(dir, args, None)
}

/// A bare repository (the partnership's), a school that shares its first dispute
/// and social care, joined. Returns (tmp, remote, school, csc, dispute).
fn partnership() -> (tempfile::TempDir, String, Env, Env, String) {
    let tmp = tempfile::tempdir().unwrap();
    let remote = tmp.path().join("partnership.git");
    std::fs::create_dir_all(&remote).unwrap();
    git(
        &remote,
        &["init", "--quiet", "--bare", "--initial-branch", "main"],
    );
    let remote = remote.to_str().unwrap().to_owned();
    let school = agency("Sam (DSL)", "Hollyfield Primary");
    let csc = agency("Chris (team manager)", "Children's Social Care");
    let id = school.open_gscb(&[]);
    school.ok(&["share", "init", &remote]);
    csc.ok(&["share", "join", &remote]);
    crate::support::sharing::admit(&school, &csc);
    (tmp, remote, school, csc, id)
}

/// A clone of the partnership's repository with plain git.
fn rogue(tmp: &tempfile::TempDir, remote: &str) -> PathBuf {
    let path = tmp.path().join("rogue");
    git(
        tmp.path(),
        &["clone", "--quiet", remote, path.to_str().unwrap()],
    );
    path
}

fn journal_in(dir: &Path, id: &str) -> PathBuf {
    dir.join("disputes").join(format!("{id}.jsonl"))
}

/// Remove a journal's last line in a working tree.
fn cut_last_line(path: &Path) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines.pop();
    std::fs::write(path, lines.join("\n") + "\n").unwrap();
}

/// `verify --history` expected to exit 3; returns (stdout, stderr).
fn history_fails(env: &Env) -> (String, String) {
    let out = env.cmd(&["verify", "--history"]).output().unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    );
    assert_eq!(out.status.code(), Some(3), "{stdout}\n{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    (stdout, stderr)
}

#[test]
fn a_member_who_joins_after_a_forced_push_that_cut_lines_is_told_which_journal() {
    let (tmp, remote, school, csc, id) = partnership();
    school.ok(&["discuss", &id, "--note", "the line someone wants gone"]);
    school.ok(&["sync"]);
    // Social care's sync witnesses the head with the discussion (signed).
    csc.ok(&["sync"]);
    let witnesses: Vec<_> = std::fs::read_dir(csc.data().join("witnesses"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        witnesses.iter().any(|n| n.len() == 64 + 6
            && n.ends_with(".jsonl")
            && n[..64]
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))),
        "{witnesses:?}"
    );
    csc.ok(&["verify", "--history"]);

    // Someone with push access rebuilds the history without the discussion but
    // keeps every other file (witnesses included), and forces the push.
    let r = rogue(&tmp, &remote);
    let added = git(&r, &["rev-list", "-1", "HEAD", "--", "disputes/"]);
    git(&r, &["reset", "--quiet", "--soft", &format!("{added}~1")]);
    cut_last_line(&journal_in(&r, &id));
    git(&r, &["commit", "--quiet", "-am", "tidy"]);
    git(&r, &["push", "--quiet", "--force", "origin", "main"]);

    // A member who joins now has nothing of the old history but the witness:
    // the join itself says so, naming the journal, and keeps the copy.
    let bm = agency("Pat (business manager)", "Partnership office");
    let out = bm.cmd(&["share", "join", &remote]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.contains(&format!("{id}.jsonl")), "{err}");
    assert!(err.contains("verify --history"), "{err}");
    let (stdout, stderr) = history_fails(&bm);
    assert!(stderr.contains(&format!("{id}.jsonl")), "{stderr}");
    assert!(stderr.contains("cut"), "{stderr}");
    assert!(stdout.contains("Chris (team manager)"), "{stdout}");
    assert!(stdout.contains(&added), "{stdout}");
    assert!(stdout.contains("witnesses/"), "{stdout}");
    // The plain check of the journals cannot see it: the history is the evidence.
    bm.ok(&["verify"]);
}

#[test]
fn a_merge_whose_first_parent_is_a_rewritten_history_is_named() {
    let (tmp, remote, school, csc, id) = partnership();
    school.ok(&["discuss", &id, "--note", "a shared line"]);
    school.ok(&["sync"]);
    csc.ok(&["sync"]);

    // A history that starts again without the line, merged over the real one so
    // the push is a fast-forward: its first parent is the rewritten history.
    let r = rogue(&tmp, &remote);
    git(&r, &["checkout", "--quiet", "--orphan", "cut"]);
    cut_last_line(&journal_in(&r, &id));
    git(&r, &["commit", "--quiet", "-am", "start again"]);
    git(
        &r,
        &[
            "merge",
            "--quiet",
            "-s",
            "ours",
            "--allow-unrelated-histories",
            "-m",
            "merge",
            "main",
        ],
    );
    let merge = git(&r, &["rev-parse", "HEAD"]);
    git(&r, &["push", "--quiet", "origin", "cut:main"]);

    // A member who would join afterwards is refused before anything is written,
    // with the commit and the dispute (every parent of the merge is checked).
    let bm = agency("Pat (business manager)", "Partnership office");
    let err = bm.fails(1, &["share", "join", &remote]);
    assert!(err.contains(&merge.trim()[..12]), "{err}");
    assert!(err.contains(&id), "{err}");
    assert!(!bm.data().join("disputes").exists(), "{err}");

    // An existing member's sync refuses it and points at `verify --history`,
    // which then names the commit the sync refused.
    let out = csc.cmd(&["sync"]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("verify --history"), "{err}");
    let (_, stderr) = history_fails(&csc);
    assert!(stderr.contains(&merge), "{stderr}");
}

#[test]
fn a_witness_line_that_is_not_validly_signed_does_not_count_and_is_named() {
    let (tmp, remote, school, csc, id) = partnership();
    school.ok(&["discuss", &id, "--note", "a shared line"]);
    school.ok(&["sync"]);
    csc.ok(&["sync"]);
    let r = rogue(&tmp, &remote);
    let dir = r.join("witnesses");
    let file = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .next()
        .unwrap()
        .path();
    // Appending a copy of a line with another head: the signature no longer fits.
    let text = std::fs::read_to_string(&file).unwrap();
    let last = text.lines().last().unwrap();
    let head = serde_json::from_str::<serde_json::Value>(last).unwrap()["head"]
        .as_str()
        .unwrap()
        .to_owned();
    let forged = last.replace(&head, &"0".repeat(40));
    std::fs::write(&file, format!("{text}{forged}\n")).unwrap();
    git(&r, &["commit", "--quiet", "-am", "witness"]);
    git(&r, &["push", "--quiet", "origin", "main"]);
    school.ok(&["sync"]);
    let (stdout, stderr) = history_fails(&school);
    assert!(stdout.contains("does not count as a witness"), "{stdout}");
    assert!(stderr.contains("witnesses/"), "{stderr}");
}

/// A repository of `commits` commits, each appending a line to one journal,
/// built with `git fast-import`; `edit` rewrites line 3 in that commit.
fn long_history(tmp: &Path, commits: usize, edit: Option<usize>) -> (String, Vec<String>) {
    let remote = tmp.join("long.git");
    std::fs::create_dir_all(&remote).unwrap();
    git(
        &remote,
        &["init", "--quiet", "--bare", "--initial-branch", "main"],
    );
    let repository = "format = 1\nminimum_version = \"0.0.1\"\n";
    let mut stream = Vec::new();
    let mut journal = String::new();
    for i in 1..=commits {
        journal.push_str(&format!("{{\"line\":{i}}}\n"));
        let mut text = journal.clone();
        if edit == Some(i) {
            text = text.replacen("{\"line\":3}", "{\"line\":33}", 1);
            journal = text.clone();
        }
        let msg = format!("commit {i}");
        stream.extend_from_slice(
            format!(
                "commit refs/heads/main\nmark :{i}\ncommitter Someone <s@example.org> {} +0000\ndata {}\n{msg}\n",
                1_700_000_000 + i,
                msg.len()
            )
            .as_bytes(),
        );
        if i > 1 {
            stream.extend_from_slice(format!("from :{}\n", i - 1).as_bytes());
        } else {
            stream.extend_from_slice(
                format!(
                    "M 100644 inline escalate-repository.toml\ndata {}\n{repository}\n",
                    repository.len()
                )
                .as_bytes(),
            );
        }
        stream.extend_from_slice(
            format!(
                "M 100644 inline disputes/AAAAAAAAAA.jsonl\ndata {}\n{text}\n",
                text.len()
            )
            .as_bytes(),
        );
    }
    git_in(&remote, &["fast-import", "--quiet"], Some(&stream));
    let log = git(&remote, &["rev-list", "--reverse", "main"]);
    (
        remote.to_str().unwrap().to_owned(),
        log.lines().map(str::to_owned).collect(),
    )
}

#[test]
fn a_hundred_commits_are_checked_and_the_one_that_edited_a_line_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let (remote, _) = long_history(&tmp.path().join("clean"), 100, None);
    let env = agency("Pat (business manager)", "Partnership office");
    env.ok(&["share", "join", &remote]);
    let out = env.ok(&["verify", "--history"]);
    assert!(
        out.contains("history ok: 100 commit(s), 100 file change(s)"),
        "{out}"
    );

    // The same walk a join makes before it writes anything names the one commit
    // of the hundred that edited a line.
    let (remote, commits) = long_history(&tmp.path().join("edited"), 100, Some(60));
    let env = agency("Pat (business manager)", "Partnership office");
    let err = env.fails(1, &["share", "join", &remote]);
    assert!(err.contains(&commits[59][..12]), "{err}");
    assert!(err.contains("AAAAAAAAAA"), "{err}");
    assert!(!env.data().join("disputes").exists(), "{err}");
}
