//! Hand git in a data directory (#26 item 6): a `git pull`, `git stash` or hand
//! merge run by a person is recognised by `status` and recording commands, taken
//! in (or refused, named) by the next `escalate sync` without any note written
//! into the shared record, and found by `verify --history` in every clone.

use crate::support::sharing::{git, journals, lines_of, partnership, school_case, share};
use crate::support::Env;

/// Plain git as a person runs it in a data directory (their own identity, no
/// hardening), which may fail: returns (success, stderr).
fn by_hand(dir: &std::path::Path, args: &[&str]) -> (bool, String) {
    let out = crate::support::sharing::git_output(dir, args);
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Exit code and stderr of a command.
fn run(env: &Env, args: &[&str]) -> (Option<i32>, String, String) {
    let out = env.cmd(args).output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A school and social care sharing one dispute; the school then records a line
/// and sends it, so social care's clone is one commit behind.
fn behind() -> (tempfile::TempDir, Env, Env, String) {
    let (tmp, remote, school, csc) = partnership();
    let r = remote.to_str().unwrap();
    let id = school_case(&school, "LCS-1");
    share(&school, &csc, r);
    school.ok(&["discuss", &id, "--note", "school-1"]);
    school.ok(&["sync"]);
    (tmp, school, csc, id)
}

fn kinds(env: &Env, id: &str) -> Vec<String> {
    lines_of(env, id)
        .iter()
        .map(|l| l["kind"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[test]
fn a_hand_pull_is_taken_in_by_sync_with_no_note_in_the_shared_record() {
    let (_tmp, school, csc, id) = behind();
    let (pulled, err) = by_hand(
        &csc.data(),
        &["pull", "--quiet", "--no-rebase", "origin", "main"],
    );
    assert!(pulled, "{err}");
    assert!(lines_of(&csc, &id).iter().any(|l| l["note"] == "school-1"));

    // Before escalate's sync, verify does not call it damage, and status says what happened.
    let (code, out, err) = run(&csc, &["verify"]);
    assert_eq!(code, Some(0), "{out}{err}");
    let (code, _, err) = run(&csc, &["status"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("changed with git by hand"), "{err}");
    assert!(err.contains("escalate sync"), "{err}");

    // A recording command refuses and writes nothing: the receipt is not "repaired"
    // into the shared record.
    let err = csc.fails(1, &["discuss", &id, "--note", "csc-1"]);
    assert!(err.contains("escalate sync"), "{err}");

    csc.ok(&["sync"]);
    let (code, out, err) = run(&csc, &["verify"]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(!kinds(&csc, &id).iter().any(|k| k == "receipt_repaired"));
    csc.ok(&["discuss", &id, "--note", "csc-1"]);
    csc.ok(&["sync"]);
    school.ok(&["sync"]);
    assert_eq!(journals(&csc), journals(&school));
    assert!(!kinds(&school, &id).iter().any(|k| k == "receipt_repaired"));
    let (code, out, err) = run(&csc, &["status"]);
    assert_eq!(code, Some(0));
    assert!(!err.contains("by hand"), "{out}{err}");
}

/// Social care records a line and, with plain git, commits it, pulls the
/// school's line, resolves the conflict keeping its own journal ("ours") and
/// pushes: the partnership's copy lost the school's shared line.
fn hand_merge_keeping_ours(csc: &Env, id: &str) {
    csc.ok(&["discuss", id, "--note", "csc-1"]);
    let d = csc.data();
    let journal = format!("disputes/{id}.jsonl");
    git(&d, &["add", &journal]);
    git(&d, &["commit", "--quiet", "-m", "by hand"]);
    let (pulled, _) = by_hand(&d, &["pull", "--quiet", "--no-rebase", "origin", "main"]);
    assert!(!pulled, "the journals conflict");
    git(&d, &["checkout", "--ours", "--", &journal]);
    git(&d, &["add", &journal]);
    git(&d, &["commit", "--quiet", "--no-edit"]);
    git(&d, &["push", "--quiet", "origin", "HEAD:main"]);
}

#[test]
fn a_hand_merge_that_dropped_a_shared_line_is_refused_and_named_everywhere() {
    let (tmp, school, csc, id) = behind();
    hand_merge_keeping_ours(&csc, &id);
    let merge = git(&csc.data(), &["rev-parse", "HEAD"]).trim().to_owned();
    let short = &merge[..12];

    // The clone that merged by hand is told so.
    let (code, _, err) = run(&csc, &["status"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("by hand (a merge)"), "{err}");

    // The school (an old clone) refuses it, naming the commit, dispute and line,
    // and changes no journal.
    let before = journals(&school);
    let (code, _, err) = run(&school, &["sync"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains(short) && err.contains(&id), "{err}");
    assert!(err.contains("line 2"), "{err}");
    assert_eq!(journals(&school), before);
    // Its `verify --history` names it (exit 3), from what the refused sync fetched.
    let (code, out, err) = run(&school, &["verify", "--history"]);
    assert_eq!(code, Some(3), "{out}{err}");
    assert!(out.contains(&merge) && out.contains(&id), "{out}");
    assert!(out.contains("line 2, already shared"), "{out}");

    // A newcomer is refused the same way before anything is written.
    let newcomer = crate::support::sharing::agency("Pat (nurse)", "Health");
    let remote = tmp.path().join("partnership.git");
    let err = newcomer.fails(1, &["share", "join", remote.to_str().unwrap()]);
    assert!(err.contains(short) && err.contains("line 2"), "{err}");

    // A clone that joined before the merge and never synced since names it in
    // `verify --history` once a hand `git fetch` brought it, without any sync.
    let late = crate::support::sharing::agency("Pat (nurse)", "Health");
    std::fs::remove_dir_all(late.data()).unwrap();
    crate::support::copy_dir(&school.data(), &late.data());
    for r in ["refs/escalate/fetched", "refs/remotes/origin/main"] {
        git(&late.data(), &["update-ref", "-d", r]);
    }
    let (code, out, _) = run(&late, &["verify", "--history"]);
    assert_eq!(code, Some(0), "{out}");
    let (ok, err) = by_hand(&late.data(), &["fetch", "--quiet", "origin"]);
    assert!(ok, "{err}");
    let (code, out, err) = run(&late, &["verify", "--history"]);
    assert_eq!(code, Some(3), "{out}{err}");
    assert!(out.contains(&merge), "{out}");
}

#[test]
fn a_line_left_only_in_gits_stash_is_restored_by_sync() {
    let (_tmp, school, csc, id) = behind();
    csc.ok(&["discuss", &id, "--note", "csc-unsent"]);
    let d = csc.data();
    let (ok, err) = by_hand(&d, &["stash"]);
    assert!(ok, "{err}");
    let (ok, err) = by_hand(&d, &["pull", "--quiet", "--no-rebase", "origin", "main"]);
    assert!(ok, "{err}");
    // The pop conflicts (journals are never text-merged): the line is only in the stash.
    let (popped, _) = by_hand(&d, &["stash", "pop"]);
    assert!(!popped);
    assert!(!std::fs::read_to_string(csc.journal(&id))
        .unwrap()
        .contains("csc-unsent"));
    let err = csc.fails(1, &["discuss", &id, "--note", "csc-2"]);
    assert!(err.contains("stash@{0}"), "{err}");
    let (code, _, err) = run(&csc, &["status"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("stash"), "{err}");
    let (code, out, err) = run(&csc, &["sync"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.contains("stash entry held nothing else and was dropped"),
        "{out}"
    );
    assert_eq!(git(&d, &["stash", "list"]), "");
    assert!(out.contains("Restored from git's stash"), "{out}");
    let (code, out, err) = run(&csc, &["verify"]);
    assert_eq!(code, Some(0), "{out}{err}");
    school.ok(&["sync"]);
    assert_eq!(journals(&csc), journals(&school));
    let notes: Vec<String> = lines_of(&school, &id)
        .iter()
        .filter_map(|l| l["note"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(notes, ["school-1", "csc-unsent"], "{notes:?}");
    assert!(!kinds(&school, &id).iter().any(|k| k == "receipt_repaired"));
    let (_, _, err) = run(&csc, &["status"]);
    assert!(!err.contains("by hand"), "{err}");
}

#[test]
fn a_journal_checked_out_by_hand_from_the_partnerships_copy_is_never_noted_as_added_by_hand() {
    let (_tmp, school, csc, id) = behind();
    let d = csc.data();
    let journal = format!("disputes/{id}.jsonl");
    let (ok, err) = by_hand(&d, &["fetch", "--quiet", "origin"]);
    assert!(ok, "{err}");
    let (ok, err) = by_hand(&d, &["checkout", "origin/main", "--", &journal]);
    assert!(ok, "{err}");
    // The branch did not move, but the journal's extra lines are the
    // partnership's: refused, nothing written, and told to sync.
    let err = csc.fails(1, &["discuss", &id, "--note", "csc-1"]);
    assert!(
        err.contains("by hand") && err.contains("escalate sync"),
        "{err}"
    );
    let (code, out, err) = run(&csc, &["verify"]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(
        (out.clone() + &err).contains("git pull run by hand"),
        "{out}{err}"
    );
    csc.ok(&["sync"]);
    csc.ok(&["discuss", &id, "--note", "csc-1"]);
    csc.ok(&["sync"]);
    school.ok(&["sync"]);
    assert_eq!(journals(&csc), journals(&school));
    assert!(!kinds(&school, &id).iter().any(|k| k == "receipt_repaired"));
    let (code, out, err) = run(&school, &["verify"]);
    assert_eq!(code, Some(0), "{out}{err}");
}

/// One agency's command in the property test: (agency, verb, text, happened).
type Step = (usize, &'static str, &'static str, &'static str);

/// The set of events: three agencies, each in its own order. Every event says
/// when it happened (`--at`), each at a different time, so the fold's order is
/// decided by what happened, never by the same-second tie-break (signer, then
/// line); when each is recorded, and what its clone knew then, is what the
/// interleaving varies.
const EVENTS: [Step; 7] = [
    (0, "discuss", "s1", "2026-11-10T09:00:00Z"),
    (0, "escalate", "school-esc", "2026-11-11T09:00:00Z"),
    (1, "discuss", "c1", "2026-11-10T10:00:00Z"),
    (1, "escalate", "csc-esc", "2026-11-12T09:00:00Z"),
    (
        1,
        "resolve",
        "agreed at the meeting",
        "2026-11-13T09:00:00Z",
    ),
    (2, "discuss", "h1", "2026-11-10T11:00:00Z"),
    (2, "discuss", "h2", "2026-11-12T10:00:00Z"),
];

/// Run one agency's event; a refusal (exit 1: the clone's state did not allow
/// it then) is an outcome like any other, anything else is a failure.
fn record(env: &Env, id: &str, (_, verb, text, at): Step) {
    let flag = match verb {
        "discuss" => "--note",
        "escalate" => "--reason",
        _ => "--outcome",
    };
    let mut args = vec![verb, id, flag, text, "--at", at];
    if verb == "resolve" {
        args.push("--yes");
    }
    let out = env.cmd(&args).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        matches!(out.status.code(), Some(0 | 1)) && !err.contains("panicked"),
        "{args:?}: {:?} {err}",
        out.status.code()
    );
}

/// Three agencies, three clones of one bare repository, one dispute the school
/// opened; every clone has it. The clock starts on Mon 16 Nov.
fn three_clones() -> (tempfile::TempDir, [Env; 3], String) {
    let (tmp, remote, mut school, mut csc) = partnership();
    let mut health = crate::support::sharing::agency("Pat (nurse)", "Community Health");
    for e in [&mut school, &mut csc, &mut health] {
        e.now("2026-11-09T09:00:00Z");
    }
    let id = school_case(&school, "LCS-P");
    let r = remote.to_str().unwrap();
    share(&school, &csc, r);
    health.ok(&["share", "join", r]);
    crate::support::sharing::admit(&school, &health);
    health.ok(&["sync"]);
    (tmp, [school, csc, health], id)
}

/// What must be the same in every clone: the dispute as `show --json` gives it
/// (stage, deadlines, every event with whether it counted and why not) and
/// November's figures.
/// The personal text is left out: health, not a party, sees it sealed (#28).
fn meaning(env: &Env, id: &str) -> (serde_json::Value, serde_json::Value) {
    let mut shown = env.json(&["show", id]);
    if let Some(top) = shown.as_object_mut() {
        for k in ["child", "summary", "outcome", "sealed"] {
            top.remove(k);
        }
        if let Some(events) = top.get_mut("events").and_then(|e| e.as_array_mut()) {
            for e in events.iter_mut().filter_map(|e| e.as_object_mut()) {
                for k in [
                    "child", "summary", "note", "reason", "outcome", "who", "with",
                ] {
                    e.remove(k);
                }
            }
        }
    }
    (shown, env.json(&["report", "--month", "2026-11"]))
}

use proptest::strategy::Strategy as _;

proptest::proptest! {
    // Each case runs about thirty commands of the real binary (about 1 s of
    // CPU); 12 cases by default keep CI near half a minute on an idle machine.
    // ESCALATE_PROPTEST_CASES=256 searches longer.
    #![proptest_config(proptest::prelude::ProptestConfig {
        cases: std::env::var("ESCALATE_PROPTEST_CASES")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(12),
        ..proptest::prelude::ProptestConfig::default()
    })]

    #[test]
    fn events_from_three_agencies_synced_in_any_order_converge(
        order in proptest::sample::subsequence((0..7usize).collect::<Vec<_>>(), 7).prop_shuffle(),
        syncs in proptest::collection::vec(proptest::collection::vec(0..3usize, 0..2), 7),
        last in proptest::sample::subsequence(vec![0usize, 1, 2], 3).prop_shuffle(),
    ) {
        let (_tmp, mut clones, id) = three_clones();
        // Each agency's own events stay in its order: the k-th time an agency is
        // drawn, it records its k-th event.
        let mut next = [0usize; 3];
        let mut minute = 0;
        let mut tick = |clones: &mut [Env; 3]| {
            minute += 1;
            let now = format!("2026-11-16T{:02}:{:02}:00Z", 9 + minute / 60, minute % 60);
            for e in clones.iter_mut() {
                e.now(&now);
            }
        };
        for (k, &slot) in order.iter().enumerate() {
            let agency = EVENTS[slot].0;
            let own: Vec<Step> = EVENTS.iter().copied().filter(|e| e.0 == agency).collect();
            let event = own[next[agency]];
            next[agency] += 1;
            tick(&mut clones);
            record(&clones[agency], &id, event);
            for &a in &syncs[k] {
                tick(&mut clones);
                clones[a].ok(&["sync"]);
            }
        }
        // Everyone sends, then everyone receives.
        for _ in 0..2 {
            for &a in &last {
                tick(&mut clones);
                clones[a].ok(&["sync"]);
            }
        }
        let first = meaning(&clones[0], &id);
        for e in &clones[1..] {
            proptest::prop_assert_eq!(&meaning(e, &id), &first);
        }
    }
}

#[test]
fn a_stash_with_nothing_else_is_put_back_by_sync_and_sent() {
    let (_tmp, school, csc, id) = behind();
    csc.ok(&["sync"]);
    csc.ok(&["discuss", &id, "--note", "csc-unsent"]);
    let (ok, err) = by_hand(&csc.data(), &["stash"]);
    assert!(ok, "{err}");
    let (_, _, err) = run(&csc, &["status"]);
    assert!(
        err.contains("a stash holding journal lines: stash@{0}"),
        "{err}"
    );
    let (code, out, err) = run(&csc, &["sync"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("1 line(s) of dispute"), "{out}");
    assert_eq!(git(&csc.data(), &["stash", "list"]), "");
    let (code, out, err) = run(&csc, &["verify"]);
    assert_eq!(code, Some(0), "{out}{err}");
    school.ok(&["sync"]);
    assert_eq!(journals(&csc), journals(&school));
    assert!(lines_of(&school, &id)
        .iter()
        .any(|l| l["note"] == "csc-unsent"));
    // A second sync finds nothing more to restore.
    let out = csc.ok(&["sync"]);
    assert!(!out.contains("Restored"), "{out}");
}

#[test]
fn a_branch_behind_escalates_own_ref_is_a_killed_sync_not_hand_git() {
    let (_tmp, school, csc, id) = behind();
    csc.ok(&["sync"]);
    // A sync moves refs/escalate/synced first, then the branch: killed between
    // the two, the branch is left one commit behind.
    let d = csc.data();
    let before = git(&d, &["rev-parse", "refs/escalate/synced~1"]);
    git(&d, &["update-ref", "refs/heads/main", before.trim()]);
    let (code, _, err) = run(&csc, &["status"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(!err.contains("by hand"), "{err}");
    csc.ok(&["discuss", &id, "--note", "csc-1"]);
    let out = csc.ok(&["sync"]);
    assert!(!out.contains("by hand"), "{out}");
    assert_eq!(
        git(&d, &["rev-parse", "refs/heads/main"]),
        git(&d, &["rev-parse", "refs/escalate/synced"])
    );
    school.ok(&["sync"]);
    assert_eq!(journals(&csc), journals(&school));
}
