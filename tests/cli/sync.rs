//! `escalate sync`: a bare repository on the local file system and one clone
//! (data directory) per agency, each with its own pinned clock, config and git
//! identity, recording offline and syncing in both orders; races, crashes,
//! conflicts, forced pushes and unreachable remotes.

use crate::converge::inert;
use crate::support::pty::plain_git;
use crate::support::sharing::{
    admit, agency, bare, count, git, install_hook, journals, lines_of, open, partnership,
    school_case, share, sync_refused,
};
use crate::support::Env;
use std::path::Path;
use std::process::Command;

fn set_now(envs: &mut [&mut Env], now: &str) {
    for e in envs.iter_mut() {
        e.now(now);
    }
}

#[test]
fn three_agencies_record_offline_and_converge_in_either_order() {
    let tmp = tempfile::tempdir().unwrap();
    let remote = bare(&tmp);
    let remote = remote.to_str().unwrap();
    let mut school = agency("Sam (DSL)", "Hollyfield Primary");
    let mut csc = agency("Chris (team manager)", "Children's Social Care");
    let mut bm = agency("Pat (business manager)", "Partnership office");
    set_now(
        &mut [&mut school, &mut csc, &mut bm],
        "2026-11-02T09:00:00Z",
    );

    // The school recorded before the partnership shared anything.
    let d1 = school_case(&school, "LCS-1");
    let out = school.ok(&["share", "init", remote]);
    assert!(out.contains("now shared"), "{out}");
    csc.ok(&["share", "join", remote]);
    bm.ok(&["share", "join", remote]);
    admit(&school, &csc);
    admit(&school, &bm);
    assert_eq!(journals(&csc), journals(&school));

    // Each agency opens a dispute offline.
    set_now(
        &mut [&mut school, &mut csc, &mut bm],
        "2026-11-03T09:00:00Z",
    );
    let d2 = open(&csc, "Children's Social Care", "Police", "LCS-2");
    let d3 = open(&bm, "Health", "Police", "LCS-3");
    let d4 = open(
        &school,
        "Hollyfield Primary",
        "Children's Social Care",
        "LCS-4",
    );

    // Both discuss the same dispute; the school syncs first.
    set_now(
        &mut [&mut school, &mut csc, &mut bm],
        "2026-11-03T10:00:00Z",
    );
    school.ok(&["discuss", &d1, "--note", "school-discussion-1"]);
    csc.ok(&["discuss", &d1, "--note", "csc-discussion-1"]);
    for e in [&school, &csc, &bm, &school] {
        e.ok(&["sync"]);
    }
    assert_eq!(count(&school, &d1, "school-discussion-1"), (1, false));
    assert_eq!(count(&school, &d1, "csc-discussion-1"), (1, false));
    // Sync writes nothing of its own into the shared record (clarification 17).
    assert!(lines_of(&school, &d1)
        .iter()
        .all(|l| l["kind"] != "merged" && l["kind"] != "superseded"));

    // Both escalate from stage 1 in the same second; social care syncs first, so
    // the school's escalation, appended after it, is kept and does not count.
    set_now(
        &mut [&mut school, &mut csc, &mut bm],
        "2026-11-04T09:00:00Z",
    );
    school.ok(&["escalate", &d1, "--reason", "school-escalation-1"]);
    csc.ok(&["escalate", &d1, "--reason", "csc-escalation-1"]);
    csc.ok(&["sync"]);
    let out = school.ok(&["sync"]);
    assert!(out.contains("merged late"), "{out}");
    assert_eq!(count(&school, &d1, "csc-escalation-1"), (1, false));
    assert_eq!(count(&school, &d1, "school-escalation-1"), (1, false));
    // Recorded in the same second, they fold in the order of their signers'
    // keys, not of arrival: the first counts, the same in every clone.
    let fingerprint = |e: &Env| e.json(&["key", "show"])["fingerprint"].clone();
    let school_first = fingerprint(&school).as_str() < fingerprint(&csc).as_str();
    assert_eq!(inert(&school, &d1, "csc-escalation-1"), school_first);
    assert_eq!(inert(&school, &d1, "school-escalation-1"), !school_first);

    // One resolves while the other escalates, in both orders, on two disputes.
    // d1: the school syncs first, so its resolution stands.
    csc.ok(&["sync"]);
    set_now(
        &mut [&mut school, &mut csc, &mut bm],
        "2026-11-05T09:00:00Z",
    );
    school.ok(&["resolve", &d1, "--outcome", "school-resolution-1"]);
    // Half an hour later: lines of the same second would fold by signer.
    csc.now("2026-11-05T09:30:00Z");
    csc.ok(&["discuss", &d1, "--note", "csc-discussion-2"]);
    csc.ok(&["escalate", &d1, "--reason", "csc-escalation-2"]);
    set_now(
        &mut [&mut school, &mut csc, &mut bm],
        "2026-11-05T10:00:00Z",
    );
    school.ok(&["sync"]);
    csc.ok(&["sync"]);
    // d4: social care syncs first, so its escalation stands.
    school.ok(&["sync"]);
    set_now(
        &mut [&mut school, &mut csc, &mut bm],
        "2026-11-06T09:00:00Z",
    );
    school.now("2026-11-06T09:30:00Z");
    school.ok(&["resolve", &d4, "--outcome", "school-resolution-4"]);
    csc.ok(&["discuss", &d4, "--note", "csc-discussion-4"]);
    csc.ok(&["escalate", &d4, "--reason", "csc-escalation-4"]);
    set_now(
        &mut [&mut school, &mut csc, &mut bm],
        "2026-11-06T10:00:00Z",
    );
    csc.ok(&["sync"]);
    school.ok(&["sync"]);
    for e in [&bm, &csc, &school, &bm] {
        e.ok(&["sync"]);
    }
    // Nothing is superseded any more: each line is kept as written and the fold
    // decides which count (#26), the same in every clone.
    assert!(!inert(&school, &d1, "school-resolution-1"));
    assert!(inert(&school, &d1, "csc-discussion-2"));
    assert!(inert(&school, &d1, "csc-escalation-2"));
    assert!(!inert(&school, &d4, "csc-discussion-4"));
    assert!(!inert(&school, &d4, "csc-escalation-4"));
    assert!(inert(&school, &d4, "school-resolution-4"));

    // Everyone holds the same bytes, every journal verifies, history only appended.
    let all = journals(&school);
    assert_eq!(all.len(), 4);
    for id in [&d1, &d2, &d3, &d4] {
        assert!(all.contains_key(&format!("{id}.jsonl")));
    }
    for e in [&csc, &bm] {
        assert_eq!(journals(e), all);
    }
    for e in [&school, &csc, &bm] {
        let out = e.ok(&["verify"]);
        assert_eq!(out.matches(" ok: ").count(), 4, "{out}");
        let cmd = e.cmd(&["verify"]).output().unwrap();
        assert!(
            !String::from_utf8_lossy(&cmd.stderr).contains("receipt"),
            "a clone's receipts are its own and complete"
        );
        let out = e.ok(&["verify", "--history"]);
        assert!(out.contains("history ok"), "{out}");
    }
    let reports: Vec<serde_json::Value> = [&school, &csc, &bm]
        .iter()
        .map(|e| e.json(&["report", "--month", "2026-11"]))
        .collect();
    assert_eq!(reports[0], reports[1]);
    assert_eq!(reports[0], reports[2]);

    // Need to know: each agency's status lists its own disputes by default.
    let out = csc.cmd(&["status", "--all"]).output().unwrap();
    let note = String::from_utf8_lossy(&out.stderr);
    assert!(
        note.contains("1 dispute(s) not involving") && note.contains("--all-agencies"),
        "{note}"
    );
    let mine = csc.json(&["status", "--all"]);
    let ids: Vec<&str> = mine
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&d2.as_str()) && ids.contains(&d1.as_str()));
    assert!(!ids.contains(&d3.as_str()), "{ids:?}");
    let every = bm.json(&["status", "--all", "--all-agencies"]);
    assert_eq!(every.as_array().unwrap().len(), 4);
}

#[test]
fn a_forced_push_that_rewrote_history_is_detected_by_the_other_clones() {
    let (tmp, remote, school, csc) = partnership();
    let r = remote.to_str().unwrap();
    let d1 = school_case(&school, "LCS-1");
    share(&school, &csc, r);
    school.ok(&["discuss", &d1, "--note", "will be removed"]);
    school.ok(&["sync"]);
    csc.ok(&["sync"]);

    // Someone with plain git removes the commit that added the line (and the
    // witness commits after it) and forces the push.
    let rogue = tmp.path().join("rogue");
    git(
        tmp.path(),
        &["clone", "--quiet", r, rogue.to_str().unwrap()],
    );
    let added = git(&rogue, &["rev-list", "-1", "HEAD", "--", "disputes/"]);
    git(
        &rogue,
        &["reset", "--quiet", "--hard", &format!("{}~1", added.trim())],
    );
    git(&rogue, &["push", "--quiet", "--force", "origin", "main"]);

    for e in [&csc, &school] {
        let err = sync_refused(e);
        assert!(err.contains("history was rewritten"), "{err}");
        // Recording still works here.
        e.ok(&["discuss", &d1, "--note", "still recording"]);
        let out = e.cmd(&["verify", "--history"]).output().unwrap();
        assert_eq!(out.status.code(), Some(3));
        assert!(String::from_utf8_lossy(&out.stderr).contains("forced push"));
    }
}

#[test]
fn recording_continues_while_the_remote_is_unreachable_and_the_next_sync_delivers() {
    let (tmp, remote, school, csc) = partnership();
    let r = remote.to_str().unwrap();
    let d1 = school_case(&school, "LCS-1");
    share(&school, &csc, r);
    school.ok(&["config", "set", "sync", "auto"]);

    let away = tmp.path().join("away.git");
    std::fs::rename(&remote, &away).unwrap();
    let out = school
        .cmd(&["discuss", &d1, "--note", "recorded offline"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not synced"), "{err}");
    let d2 = open(&school, "Hollyfield Primary", "Police", "LCS-2");
    let err = sync_refused(&school);
    assert!(err.contains("escalate sync"), "{err}");

    std::fs::rename(&away, &remote).unwrap();
    school.ok(&["sync"]);
    csc.ok(&["sync"]);
    assert_eq!(journals(&csc), journals(&school));
    assert_eq!(count(&csc, &d1, "recorded offline"), (1, false));
    assert!(csc.journal(&d2).exists());

    // Connected again, `sync = auto` sends each change as it is recorded.
    let out = school
        .cmd(&["discuss", &d1, "--note", "sent at once"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    csc.ok(&["sync"]);
    assert_eq!(count(&csc, &d1, "sent at once"), (1, false));
}

#[test]
fn a_conflict_in_a_file_escalate_does_not_own_stops_sync_and_says_what_to_do() {
    let (_tmp, remote, school, csc) = partnership();
    let r = remote.to_str().unwrap();
    let d1 = school_case(&school, "LCS-1");
    share(&school, &csc, r);
    std::fs::write(school.data().join("signers"), "school version\n").unwrap();
    std::fs::write(csc.data().join("signers"), "social care version\n").unwrap();
    school.ok(&["sync"]);
    csc.ok(&["discuss", &d1, "--note", "kept"]);
    let err = sync_refused(&csc);
    assert!(err.contains("signers") && err.contains("checkout"), "{err}");
    git(
        &csc.data(),
        &["checkout", "refs/escalate/fetched", "--", "signers"],
    );
    csc.ok(&["sync"]);
    school.ok(&["sync"]);
    assert_eq!(count(&school, &d1, "kept"), (1, false));
    assert_eq!(
        std::fs::read_to_string(csc.data().join("signers")).unwrap(),
        "school version\n"
    );
}

/// Install a hook in the partnership's (bare) repository: the host's own rules.
fn bare_hook(remote: &Path, name: &str, script: &str) {
    install_hook(&remote.join("hooks").join(name), script);
}

/// A shell command line that runs escalate as `env` would.
fn as_shell(env: &Env, args: &str) -> String {
    let bin = assert_cmd::cargo::cargo_bin("escalate");
    let vars: Vec<String> = env
        .vars()
        .into_iter()
        .map(|(k, v)| format!("{k}='{}'", v.to_string_lossy()))
        .collect();
    format!("env -i {} '{}' {args}", vars.join(" "), bin.display())
}

#[test]
fn a_push_race_is_retried_and_a_failed_push_is_rebased_again_later() {
    let (tmp, remote, school, csc) = partnership();
    let r = remote.to_str().unwrap();
    let d1 = school_case(&school, "LCS-1");
    share(&school, &csc, r);

    // Social care pushes between the school's fetch and its push (from a `git`
    // on the school's PATH that, once, runs social care's sync before a push;
    // escalate runs no hook of the repository's): the school's push loses the
    // race, and sync integrates again and pushes.
    let mark = tmp.path().join("raced");
    school.ok(&["discuss", &d1, "--note", "school-1"]);
    csc.ok(&["discuss", &d1, "--note", "csc-1"]);
    let real_git = String::from_utf8(
        Command::new("sh")
            .args(["-c", "command -v git"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let wrapper = tmp.path().join("wrapped-git");
    std::fs::create_dir_all(&wrapper).unwrap();
    std::fs::write(
        wrapper.join("git"),
        format!(
            "#!/bin/sh\nfor a in \"$@\"; do\n  if [ \"$a\" = push ] && [ ! -e '{m}' ]; then\n    touch '{m}'\n    {} >/dev/null 2>&1\n  fi\ndone\nexec '{}' \"$@\"\n",
            as_shell(&csc, "sync"),
            real_git.trim(),
            m = mark.display()
        ),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(wrapper.join("git"), std::fs::Permissions::from_mode(0o755))
            .unwrap();
    }
    let path = format!(
        "{}:{}",
        wrapper.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let raced = school.cmd(&["sync"]).env("PATH", &path).output().unwrap();
    assert!(
        raced.status.success(),
        "{}",
        String::from_utf8_lossy(&raced.stderr)
    );
    let out = String::from_utf8_lossy(&raced.stdout).into_owned();
    assert!(mark.exists(), "the race happened");
    assert!(out.contains("merged late"), "{out}");
    csc.ok(&["sync"]);
    assert_eq!(journals(&csc), journals(&school));

    // The host refuses the school's next push after it integrated (the bare
    // repository's own hook): its rebased lines stay local, and are rebased
    // again after social care's next lines.
    bare_hook(
        &remote,
        "pre-receive",
        "while read old new ref; do git log -1 --format=%an \"$new\" | grep -q Sam && exit 1; done; exit 0",
    );
    school.ok(&["discuss", &d1, "--note", "school-2"]);
    csc.ok(&["discuss", &d1, "--note", "csc-2"]);
    csc.ok(&["sync"]);
    school.ok(&["discuss", &d1, "--note", "school-3"]);
    let signed = |env: &Env, note: &str| {
        let l = lines_of(env, &d1)
            .into_iter()
            .find(|l| l["note"] == note)
            .unwrap();
        (l["seq"].clone(), l["nonce"].clone(), l["sig"].clone())
    };
    let written = signed(&school, "school-3");
    let out = school.cmd(&["sync"]).output().unwrap();
    assert!(!out.status.success());
    csc.ok(&["discuss", &d1, "--note", "csc-3"]);
    csc.ok(&["sync"]);
    bare_hook(&remote, "pre-receive", "exit 0");
    school.ok(&["sync"]);
    csc.ok(&["sync"]);
    assert_eq!(journals(&csc), journals(&school));
    for note in [
        "school-1", "csc-1", "school-2", "csc-2", "school-3", "csc-3",
    ] {
        assert_eq!(count(&school, &d1, note), (1, false), "{note}");
    }
    // Moved twice, the school's line kept its nonce and its signature: only its
    // place changed. Sync wrote no line of its own.
    let moved = signed(&school, "school-3");
    assert_ne!(moved.0, written.0);
    assert_eq!((&moved.1, &moved.2), (&written.1, &written.2));
    assert!(lines_of(&school, &d1).iter().all(|l| l["kind"] != "merged"));
    school.ok(&["verify"]);
    school.ok(&["verify", "--history"]);
}

#[test]
fn a_damaged_journal_in_the_partnerships_copy_changes_no_journal_here() {
    let (tmp, remote, school, csc) = partnership();
    let r = remote.to_str().unwrap();
    let d1 = school_case(&school, "LCS-1");
    share(&school, &csc, r);

    // Plain git appends a line that escalate did not write (its seal is wrong).
    let rogue = tmp.path().join("rogue");
    git(
        tmp.path(),
        &["clone", "--quiet", r, rogue.to_str().unwrap()],
    );
    let path = rogue.join("disputes").join(format!("{d1}.jsonl"));
    let mut text = std::fs::read_to_string(&path).unwrap();
    let first = text.lines().next().unwrap().to_owned();
    text.push_str(&first.replace("\"seq\":1", "\"seq\":2"));
    text.push('\n');
    std::fs::write(&path, text).unwrap();
    git(&rogue, &["commit", "--quiet", "-am", "append by hand"]);
    git(&rogue, &["push", "--quiet", "origin", "main"]);

    let err = sync_refused(&csc);
    assert!(
        err.contains("partnership's copy of dispute") && err.contains("damaged"),
        "{err}"
    );
    csc.ok(&["verify"]);
}

#[test]
fn a_sync_that_crashed_while_rewriting_a_journal_is_put_right_by_the_next() {
    let (_tmp, remote, school, csc) = partnership();
    let r = remote.to_str().unwrap();
    let d1 = school_case(&school, "LCS-1");
    share(&school, &csc, r);
    school.ok(&["discuss", &d1, "--note", "school-1"]);
    school.ok(&["sync"]);
    csc.ok(&["discuss", &d1, "--note", "csc-1"]);

    // What a crash part-way through writing the rebased journal leaves: the old
    // journal in sync's backup, and a journal cut short against its receipt.
    let journal = csc.journal(&d1);
    let before = std::fs::read(&journal).unwrap();
    let backup = csc.data().join(".git").join("escalate").join("backup");
    std::fs::create_dir_all(&backup).unwrap();
    std::fs::write(backup.join(format!("{d1}.jsonl")), &before).unwrap();
    std::fs::write(&journal, &before[..before.len() - 20]).unwrap();
    assert!(csc.cmd(&["verify"]).output().unwrap().status.code() == Some(3));

    csc.ok(&["sync"]);
    school.ok(&["sync"]);
    assert_eq!(journals(&csc), journals(&school));
    assert_eq!(count(&school, &d1, "csc-1"), (1, false));
    assert_eq!(count(&school, &d1, "school-1"), (1, false));
    csc.ok(&["verify"]);
    assert!(!backup.join(format!("{d1}.jsonl")).exists());
}

#[test]
fn a_git_pull_run_by_hand_never_writes_conflict_markers_into_a_journal() {
    let (_tmp, remote, school, csc) = partnership();
    let r = remote.to_str().unwrap();
    let d1 = school_case(&school, "LCS-1");
    share(&school, &csc, r);
    school.ok(&["discuss", &d1, "--note", "school-1"]);
    school.ok(&["sync"]);
    csc.ok(&["discuss", &d1, "--note", "csc-1"]);
    let before = std::fs::read(csc.journal(&d1)).unwrap();

    // Someone commits and pulls with plain git: the journals conflict.
    git(&csc.data(), &["commit", "--quiet", "-am", "by hand"]);
    let pulled = crate::support::sharing::git_output(
        &csc.data(),
        &["pull", "--no-rebase", "--quiet", "origin", "main"],
    );
    assert!(!pulled.status.success(), "the pull conflicts");
    assert_eq!(std::fs::read(csc.journal(&d1)).unwrap(), before);
    let err = sync_refused(&csc);
    assert!(err.contains("merge --abort"), "{err}");
    git(&csc.data(), &["merge", "--abort"]);
    csc.ok(&["sync"]);
    school.ok(&["sync"]);
    assert_eq!(journals(&csc), journals(&school));
    assert_eq!(count(&school, &d1, "csc-1"), (1, false));
}

#[test]
fn commits_carry_a_placeholder_email_not_the_agency_name() {
    let tmp = tempfile::tempdir().unwrap();
    let remote = tmp.path().join("partnership.git");
    std::fs::create_dir_all(&remote).unwrap();
    plain_git(
        &remote,
        &["init", "--quiet", "--bare", "--initial-branch", "main"],
    );
    let mut env = Env::new();
    env.user = "Sam (DSL)".into();
    env.ok(&["config", "set", "organisation", "Hollyfield Primary"]);
    env.ok(&["share", "init", remote.to_str().unwrap()]);
    env.open_gscb(&[]);
    env.ok(&["sync"]);
    let out = std::process::Command::new("git")
        .args(["log", "-1", "--format=%an <%ae>"])
        .current_dir(&remote)
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "Sam (DSL) <sam-dsl@hollyfield-primary.invalid>"
    );
}

// `sync = auto` receives the partnership's lines before a recording command
// decides (#26 item 5).

/// A school and social care sharing one dispute (opened Mon 9 Nov, discussed),
/// both with `sync = auto`: the partnership's temporary folder, its bare
/// repository, both clones and the dispute.
fn auto_partnership() -> (tempfile::TempDir, std::path::PathBuf, Env, Env, String) {
    let (tmp, remote, mut school, mut csc) = partnership();
    for e in [&mut school, &mut csc] {
        e.now("2026-11-09T09:00:00Z");
    }
    let id = school_case(&school, "LCS-9");
    school.ok(&["discuss", &id, "--note", "first talk"]);
    share(&school, &csc, remote.to_str().unwrap());
    for e in [&school, &csc] {
        e.ok(&["config", "set", "sync", "auto"]);
    }
    (tmp, remote, school, csc, id)
}

#[test]
fn escalating_a_stage_another_agency_already_left_is_refused_naming_who_and_when() {
    let (_tmp, _remote, mut school, mut csc, id) = auto_partnership();
    csc.now("2026-11-12T09:00:00Z");
    csc.ok(&["escalate", &id, "--reason", "csc-escalation"]);

    // The school still sees stage 1 here; the receive before recording brings
    // social care's escalation, and the school's escalation of stage 1 is
    // refused rather than carried on to stage 3.
    school.now("2026-11-13T16:00:00Z");
    let out = school
        .cmd(&["escalate", &id, "--reason", "school-escalation"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    let err = err.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        err.contains(
            "already escalated to stage 2 by Chris (team manager) at Thu 12 Nov 2026 09:00 (line 3); nothing was written"
        ),
        "{err}"
    );
    // Nothing of the school's was written: its journal is the partnership's.
    assert_eq!(journals(&school), journals(&csc));
    assert!(lines_of(&school, &id)
        .iter()
        .all(|l| l["reason"] != "school-escalation"));
    let shown = school.json(&["show", &id]);
    assert_eq!(shown["stage"], 2, "{shown:#}");
}

#[test]
fn a_line_recorded_online_is_decided_under_the_partnerships_lines_and_never_inert() {
    let (_tmp, _remote, mut school, mut csc, id) = auto_partnership();
    csc.now("2026-11-12T09:00:00Z");
    csc.ok(&["escalate", &id, "--reason", "csc-escalation"]);
    // The school's discussion, typed while it still saw stage 1, is recorded
    // at stage 2, where the dispute now is: counted, not inert.
    school.now("2026-11-13T09:00:00Z");
    let out = school.ok(&["discuss", &id, "--note", "school-talk"]);
    assert!(out.contains("stage 2"), "{out}");
    csc.now("2026-11-13T10:00:00Z");
    csc.ok(&["resolve", &id, "--outcome", "csc-outcome", "--yes"]);
    // Resolving again under the fresh state is refused with resolve's own words.
    school.now("2026-11-13T11:00:00Z");
    let out = school
        .cmd(&["resolve", &id, "--outcome", "school-outcome", "--yes"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("resolved"), "{err}");
    assert_eq!(journals(&school), journals(&csc));
    for e in [&school, &csc] {
        e.ok(&["sync"]);
        assert!(!inert(e, &id, "school-talk"));
        let shown = e.json(&["show", &id]);
        let events = shown["events"].as_array().unwrap();
        assert!(events.iter().all(|e| e.get("inert").is_none()), "{shown:#}");
        assert_eq!(shown["state"], "resolved", "{shown:#}");
    }
}

#[test]
fn a_recording_command_that_receives_first_says_its_warnings_once() {
    let (_tmp, _remote, mut school, _csc, id) = auto_partnership();
    let policies = school.config().join("policies");
    std::fs::create_dir_all(&policies).unwrap();
    std::fs::write(policies.join("broken.toml"), "not a policy [").unwrap();
    school.now("2026-11-10T09:00:00Z");
    let out = school
        .cmd(&["discuss", &id, "--note", "n"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert_eq!(err.matches("is not used").count(), 1, "{err}");
}

#[test]
fn offline_the_command_records_here_and_says_it_could_not_reach_the_partnership() {
    let (tmp, remote, mut school, _csc, id) = auto_partnership();
    let away = tmp.path().join("away.git");
    std::fs::rename(&remote, &away).unwrap();
    school.now("2026-11-10T09:00:00Z");
    let before = lines_of(&school, &id).len();
    let out = school
        .cmd(&["escalate", &id, "--reason", "recorded offline"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    let said = err.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        said.contains("not synced: could not reach the partnership's repository"),
        "{said}"
    );
    // Said once: no second wait for the unreachable repository after recording.
    assert_eq!(said.matches("not synced").count(), 1, "{said}");
    assert_eq!(lines_of(&school, &id).len(), before + 1);
    assert_eq!(school.json(&["show", &id])["stage"], 2);
}

#[test]
fn a_receive_refused_for_what_the_partnership_holds_is_said_and_the_command_records_here() {
    let (tmp, remote, mut school, _csc, id) = auto_partnership();
    // A partner pushes, with plain git, a file escalate never shares.
    let rogue = tmp.path().join("rogue");
    git(
        tmp.path(),
        &[
            "clone",
            "--quiet",
            remote.to_str().unwrap(),
            rogue.to_str().unwrap(),
        ],
    );
    std::fs::write(rogue.join("evil.txt"), "not escalate's\n").unwrap();
    git(&rogue, &["add", "evil.txt"]);
    git(&rogue, &["commit", "--quiet", "-m", "tidy up"]);
    git(&rogue, &["push", "--quiet", "origin", "HEAD:main"]);

    school.now("2026-11-10T09:00:00Z");
    let before = lines_of(&school, &id).len();
    let out = school
        .cmd(&["discuss", &id, "--note", "recorded anyway"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    let said = err.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        said.contains("not synced: the partnership's latest lines were not received")
            && said.contains("evil.txt")
            && said.contains("recorded here only"),
        "{said}"
    );
    // Said once: no second attempt to sync after recording.
    assert_eq!(said.matches("evil.txt").count(), 1, "{said}");
    assert!(!said.contains("could not reach"), "{said}");
    assert_eq!(lines_of(&school, &id).len(), before + 1);
    assert!(!school.data().join("evil.txt").exists());
}
