//! A partner who can push to the partnership's repository is a stranger to every
//! other member's computer. These tests push what such a partner could (trees
//! built with git's plumbing: `..` in a path, links, submodules, executables,
//! oversized files, escalate's own files edited, receipts, quarantine files and
//! caches) into a bare repository shared by clones, and check that sync and join
//! refuse it naming the commit, write nothing anywhere, run nothing, keep
//! recording working, and work again once the partnership undoes the commit; a
//! commit that edits a pushed line is named by `verify --history`.

use crate::support::sharing::{
    agency, count, git, install_hook, journals, partnership, school_case, share, sync_refused,
};
use crate::support::Env;
use std::path::{Path, PathBuf};

/// A school and social care sharing one dispute through a bare repository.
fn shared_case() -> (tempfile::TempDir, PathBuf, Env, Env, String) {
    let (tmp, remote, school, csc) = partnership();
    let d1 = school_case(&school, "LCS-1");
    share(&school, &csc, remote.to_str().unwrap());
    (tmp, remote, school, csc, d1)
}

/// A clone a rogue partner pushes from with plain git.
fn rogue(tmp: &Path, remote: &str) -> PathBuf {
    let dir = tmp.join("rogue");
    if !dir.exists() {
        git(tmp, &["clone", "--quiet", remote, dir.to_str().unwrap()]);
    } else {
        // Only plumbing is used here: a bad tree cannot be checked out anyway.
        git(&dir, &["fetch", "--quiet", "origin"]);
        git(&dir, &["update-ref", "HEAD", "origin/main"]);
    }
    dir
}

/// `tree` with `entry` (mode, object) at `path` (components, any bytes), every
/// tree on the way made or rewritten with `git mktree`, which takes `..` as a
/// name like any other.
fn with_entry(dir: &Path, tree: Option<&str>, path: &[&str], mode: &str, object: &str) -> String {
    let (name, rest) = path.split_first().unwrap();
    let mut lines: Vec<String> = match tree {
        Some(t) => git(dir, &["ls-tree", "-z", t])
            .split('\0')
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect(),
        None => Vec::new(),
    };
    let existing = lines
        .iter()
        .position(|l| l.split_once('\t').map(|(_, n)| n) == Some(name));
    let entry = if rest.is_empty() {
        let kind = match mode {
            "160000" => "commit",
            "040000" => "tree",
            _ => "blob",
        };
        format!("{mode} {kind} {object}\t{name}")
    } else {
        let sub = existing.map(|i| lines[i].split_whitespace().nth(2).unwrap().to_owned());
        let sub = with_entry(dir, sub.as_deref(), rest, mode, object);
        format!("040000 tree {sub}\t{name}")
    };
    match existing {
        Some(i) => lines[i] = entry,
        None => lines.push(entry),
    }
    let input = lines.join("\0") + "\0";
    let out = std::process::Command::new("git")
        .current_dir(dir)
        .args(["mktree", "-z"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin.take().unwrap().write_all(input.as_bytes())?;
            c.wait_with_output()
        })
        .unwrap();
    assert!(out.status.success(), "mktree");
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// Push a commit on top of the partnership's branch with `entry` added (by a
/// partner called Mallory); returns the commit.
fn push_entry(tmp: &Path, remote: &str, path: &[&str], mode: &str, contents: &[u8]) -> String {
    let dir = rogue(tmp, remote);
    let blob_file = tmp.join("blob");
    std::fs::write(&blob_file, contents).unwrap();
    let object = match mode {
        "160000" => git(&dir, &["rev-parse", "HEAD"]).trim().to_owned(),
        _ => git(&dir, &["hash-object", "-w", blob_file.to_str().unwrap()])
            .trim()
            .to_owned(),
    };
    let head_tree = git(&dir, &["rev-parse", "HEAD^{tree}"]).trim().to_owned();
    let tree = with_entry(&dir, Some(&head_tree), path, mode, &object);
    let commit = git_as_mallory(&dir, &["commit-tree", &tree, "-p", "HEAD", "-m", "tidy up"]);
    git(
        &dir,
        &[
            "push",
            "--quiet",
            "origin",
            &format!("{commit}:refs/heads/main"),
        ],
    );
    commit
}

fn git_as_mallory(dir: &Path, args: &[&str]) -> String {
    let out = std::process::Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "Mallory")
        .env("GIT_AUTHOR_EMAIL", "mallory@example.org")
        .env("GIT_COMMITTER_NAME", "Mallory")
        .env("GIT_COMMITTER_EMAIL", "mallory@example.org")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// The partnership undoes the commit at its tip (a revert, pushed).
fn revert_tip(tmp: &Path, remote: &str) {
    let dir = rogue(tmp, remote);
    let parent_tree = git(&dir, &["rev-parse", "HEAD~1^{tree}"]).trim().to_owned();
    let commit = git(
        &dir,
        &["commit-tree", &parent_tree, "-p", "HEAD", "-m", "Revert"],
    );
    git(
        &dir,
        &[
            "push",
            "--quiet",
            "origin",
            &format!("{}:refs/heads/main", commit.trim()),
        ],
    );
}

/// Every file below `dir`, for "nothing was written".
fn files_below(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() && !p.is_symlink() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn a_path_that_climbs_out_of_the_data_directory_is_refused_named_and_runs_nothing() {
    let (tmp, remote, school, csc, d1) = shared_case();
    let r = remote.to_str().unwrap();

    // The partner aims at a git config beside social care's data directory,
    // one that would run a command the next time git looks at the repository.
    let marker = tmp.path().join("pwned");
    let planted = csc.data().parent().unwrap().join("planted");
    let config = format!("[core]\n\tfsmonitor = \"touch {}\"\n", marker.display());
    let bad = push_entry(
        tmp.path(),
        r,
        &["x", "..", "..", "planted", "config"],
        "100644",
        config.as_bytes(),
    );
    // Recording goes on on both sides while the partnership's copy is bad.
    school.ok(&["discuss", &d1, "--note", "school-waited"]);
    csc.ok(&["discuss", &d1, "--note", "csc-waited"]);
    let outside_before = files_below(tmp.path());

    for env in [&csc, &school] {
        let err = sync_refused(env);
        assert!(err.contains(&bad[..12]), "names the commit: {err}");
        assert!(err.contains("Mallory"), "names the author: {err}");
        assert!(
            err.contains("x/../../planted/config"),
            "names the path: {err}"
        );
        assert!(err.contains("does not share"), "{err}");
    }
    assert!(
        !planted.exists(),
        "nothing was written outside the data directory"
    );
    assert!(!marker.exists(), "no command from the push ran");
    let after: Vec<PathBuf> = files_below(tmp.path())
        .into_iter()
        .filter(|p| !p.starts_with(tmp.path().join("rogue")) && !p.starts_with(&remote))
        .filter(|p| !p.components().any(|c| c.as_os_str() == ".git"))
        .collect();
    let before: Vec<PathBuf> = outside_before
        .into_iter()
        .filter(|p| !p.starts_with(tmp.path().join("rogue")) && !p.starts_with(&remote))
        .filter(|p| !p.components().any(|c| c.as_os_str() == ".git"))
        .collect();
    assert_eq!(after, before, "a refused sync writes no file");
    csc.ok(&["discuss", &d1, "--note", "csc-still-records"]);

    // A newcomer's join is refused too, and leaves nothing behind.
    let health = agency("Hana (named nurse)", "Health");
    let err = health.fails(1, &["share", "join", r]);
    assert!(err.contains(&bad[..12]), "{err}");
    assert!(!health.data().join("disputes").exists(), "{err}");
    assert!(!planted.exists() && !marker.exists());

    // Once the partnership undoes the commit, the next syncs send what waited.
    revert_tip(tmp.path(), r);
    csc.ok(&["sync"]);
    school.ok(&["sync"]);
    csc.ok(&["sync"]);
    assert_eq!(journals(&csc), journals(&school));
    for note in ["school-waited", "csc-waited", "csc-still-records"] {
        assert_eq!(count(&school, &d1, note), (1, false), "{note}");
    }
    assert!(!planted.exists() && !marker.exists());
    csc.ok(&["verify"]);
    health.ok(&["share", "join", r]);
}

#[test]
fn links_submodules_executables_large_files_and_local_only_files_are_refused() {
    let (tmp, remote, school, csc, d1) = shared_case();
    let r = remote.to_str().unwrap();
    let journal = format!("{d1}.jsonl");
    let receipt = format!("{d1}.head");
    let big = vec![b'x'; 64 * 1024 * 1024 + 1];
    let cases: Vec<(Vec<&str>, &str, &[u8], &str)> = vec![
        (vec!["cache"], "120000", b"/etc", "symbolic link"),
        (
            vec!["disputes", "X"],
            "120000",
            b"../../outside",
            "symbolic link",
        ),
        (vec!["vendor"], "160000", b"", "submodule"),
        (vec!["disputes", &journal], "100755", b"", "executable"),
        (
            vec!["disputes", "ABCDEFGHJK.jsonl"],
            "100644",
            &big,
            "more than",
        ),
        (
            vec!["disputes", &receipt],
            "100644",
            b"1 abc\n",
            "does not share",
        ),
        (
            vec!["disputes", "quarantine", "x.torn-1-aaaaaaaa"],
            "100644",
            b"{",
            "does not share",
        ),
        (
            vec!["cache", "status.bin"],
            "100644",
            b"forged",
            "does not share",
        ),
        (vec!["Agencies.toml"], "100644", b"", "does not share"),
        (
            vec![".gitattributes"],
            "100644",
            b"* eol=crlf\n",
            "escalate did not write",
        ),
    ];
    for (path, mode, contents, said) in cases {
        // The journal made executable keeps the partnership's current lines.
        let current;
        let contents = if mode == "100755" {
            let dir = rogue(tmp.path(), r);
            current = git(&dir, &["show", &format!("origin/main:disputes/{journal}")]);
            current.as_bytes()
        } else {
            contents
        };
        let bad = push_entry(tmp.path(), r, &path, mode, contents);
        let err = sync_refused(&csc);
        assert!(
            err.contains(&bad[..12]) && err.contains(said),
            "{path:?}: {err}"
        );
        csc.ok(&[
            "discuss",
            &d1,
            "--note",
            &format!("during {}", path.join("/")),
        ]);
        revert_tip(tmp.path(), r);
        csc.ok(&["sync"]);
    }
    school.ok(&["sync"]);
    assert_eq!(journals(&csc), journals(&school));
    assert!(!csc.data().join("cache").is_symlink());
    csc.ok(&["verify"]);
}

#[test]
fn an_edited_gitignore_is_refused_until_share_repair_puts_escalates_back() {
    let (tmp, remote, school, csc) = partnership();
    let r = remote.to_str().unwrap();
    school_case(&school, "LCS-1");
    share(&school, &csc, r);

    // A .gitignore that would hide every other agency's new disputes.
    let bad = push_entry(
        tmp.path(),
        r,
        &[".gitignore"],
        "100644",
        b"/disputes/*.jsonl\n",
    );
    let d2 = school_case(&csc, "LCS-2");
    let err = sync_refused(&csc);
    assert!(
        err.contains(&bad[..12]) && err.contains("share repair"),
        "{err}"
    );

    let out = school.ok(&["share", "repair"]);
    assert!(out.contains("own .gitignore"), "{out}");
    csc.ok(&["sync"]);
    school.ok(&["sync"]);
    assert!(school.journal(&d2).exists(), "the hidden dispute arrived");
    let ignore = std::fs::read_to_string(csc.data().join(".gitignore")).unwrap();
    assert!(
        ignore.starts_with("# Written by `escalate share`"),
        "{ignore}"
    );
}

#[test]
fn settings_and_hooks_in_a_clone_never_run() {
    let (tmp, _remote, school, csc, d1) = shared_case();
    let marker = tmp.path().join("ran");
    let touch = format!("touch '{}'", marker.display());

    // A setting in the clone's own git config that would run a program.
    git(&csc.data(), &["config", "core.fsmonitor", &touch]);
    let err = sync_refused(&csc);
    assert!(
        err.contains("core.fsmonitor") && err.contains("--unset-all"),
        "{err}"
    );
    assert!(!marker.exists());
    git(&csc.data(), &["config", "--unset-all", "core.fsmonitor"]);
    git(
        &csc.data(),
        &["config", "credential.helper", &format!("!{touch}")],
    );
    let err = sync_refused(&csc);
    assert!(err.contains("credential.helper"), "{err}");
    git(&csc.data(), &["config", "--unset-all", "credential.helper"]);

    // Hooks are never run, whatever the clone holds.
    for name in [
        "pre-push",
        "reference-transaction",
        "post-checkout",
        "pre-commit",
    ] {
        hook(&csc, name, &touch);
    }
    csc.ok(&["discuss", &d1, "--note", "hooks-ignored"]);
    csc.ok(&["sync"]);
    assert!(!marker.exists(), "a hook ran");
    school.ok(&["sync"]);
    assert_eq!(count(&school, &d1, "hooks-ignored"), (1, false));
}

#[test]
fn a_folder_that_is_a_link_stops_sync_before_it_writes_through_it() {
    let (tmp, remote, school, csc) = partnership();
    let r = remote.to_str().unwrap();
    school_case(&school, "LCS-1");
    share(&school, &csc, r);
    let elsewhere = tmp.path().join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    let calendar = csc.data().join("calendar");
    let _ = std::fs::remove_dir_all(&calendar);
    #[cfg(unix)]
    std::os::unix::fs::symlink(&elsewhere, &calendar).unwrap();
    let err = sync_refused(&csc);
    assert!(err.contains("not a folder"), "{err}");
    assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 0);
}

#[test]
fn a_pushed_line_by_a_key_not_allowed_is_named_by_sync_and_counts_nowhere() {
    let (tmp, remote, school, csc, d1) = shared_case();
    let r = remote.to_str().unwrap();
    csc.ok(&["discuss", &d1, "--note", "csc-1"]);
    // The partnership pins who may sign: the school's and social care's keys.
    let line = |env: &crate::support::Env| {
        env.json(&["key", "show"])["signers_line"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let signers = format!("{}\n{}\n", line(&school), line(&csc));
    std::fs::write(school.data().join("signers"), signers).unwrap();
    school.ok(&["sync"]);
    csc.ok(&["sync"]);

    // Someone whose key is not on the list joins and resolves the dispute.
    let mallory = agency("Mallory", "Nobody's agency");
    let dir = tmp.path().join("mallory");
    mallory.ok(&["share", "join", r, dir.to_str().unwrap()]);
    mallory.ok_in(
        &dir,
        &["resolve", &d1, "--outcome", "closed by a stranger", "--yes"],
    );
    // escalate sends nothing for a key the member list does not have: the
    // stranger pushes with plain git.
    git(&dir, &["add", "-A"]);
    git(&dir, &["commit", "--quiet", "-m", "resolve"]);
    git(&dir, &["push", "--quiet", "origin", "HEAD:main"]);

    // Social care's sync takes it (a vandal's push must not stop anyone's sync),
    // names it, and it counts nowhere.
    let out = csc.ok(&["sync"]);
    assert!(
        out.contains(&format!("Not counted: dispute {d1} line")),
        "{out}"
    );
    assert!(
        out.contains("from commit") && out.contains("key SHA256:"),
        "{out}"
    );
    let shown = csc.json(&["show", &d1]);
    assert_ne!(shown["state"], "resolved", "{shown}");
    let status = csc.ok(&["status"]);
    assert!(status.contains(&d1), "the dispute is still open: {status}");
    csc.fails(3, &["verify"]);
}

#[test]
fn a_partnership_closure_day_that_moves_a_deadline_is_listed_by_sync() {
    let (_tmp, _remote, school, csc, d1) = shared_case();
    let due = csc.json(&["show", &d1])["due"].as_str().unwrap().to_owned();
    // A partnership training day on the day the stage is due moves it on.
    school.ok(&[
        "calendar",
        "close",
        &due,
        "--reason",
        "Partnership training day",
        "--partnership",
    ]);
    school.ok(&["sync"]);
    let out = csc.ok(&["sync"]);
    assert!(
        out.contains("calendar changed: 1 deadline(s) move") && out.contains(&d1),
        "{out}"
    );
    let moved = csc.json(&["show", &d1])["due"].as_str().unwrap().to_owned();
    assert_ne!(moved, due);
}

#[test]
fn a_commit_that_edits_a_pushed_line_is_named_by_verify_history() {
    let (tmp, remote, school, csc) = partnership();
    let r = remote.to_str().unwrap();
    let d1 = school_case(&school, "LCS-1");
    school.ok(&["discuss", &d1, "--note", "the original note"]);
    school.ok(&["share", "init", r]);

    let rogue = tmp.path().join("rogue");
    git(
        tmp.path(),
        &["clone", "--quiet", r, rogue.to_str().unwrap()],
    );
    let path = rogue.join("disputes").join(format!("{d1}.jsonl"));
    let text = std::fs::read_to_string(&path).unwrap();
    // The note is sealed: the rogue edits the line where it is in clear.
    std::fs::write(
        &path,
        text.replace(
            "\"kind\":\"discussed\",\"stage\":1",
            "\"kind\":\"discussed\",\"stage\":2",
        ),
    )
    .unwrap();
    git(&rogue, &["commit", "--quiet", "-am", "tidy"]);
    let bad = git(&rogue, &["rev-parse", "HEAD"]);
    git(&rogue, &["push", "--quiet", "origin", "main"]);

    // Nobody takes the edited history: a joiner is refused before anything is
    // written, and the school's sync refuses to take the edited line over what
    // it pushed, each naming the commit.
    let err = csc.fails(1, &["share", "join", r]);
    let short = &bad.trim()[..12];
    assert!(err.contains(short) && err.contains(&d1), "{err}");
    assert!(!csc.data().join("disputes").exists(), "nothing written");
    let err = sync_refused(&school);
    assert!(
        err.contains(short) && err.contains("changed or removed lines"),
        "{err}"
    );
    assert!(crate::support::sharing::lines_of(&school, &d1)
        .iter()
        .any(|l| l["note"] == "the original note"));
}

/// Install a git hook in a clone: escalate must never run it.
pub(crate) fn hook(env: &Env, name: &str, script: &str) {
    install_hook(&env.data().join(".git").join("hooks").join(name), script);
}
