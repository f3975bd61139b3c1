//! Every point at which a crash can interrupt an append, found rather than sampled:
//! strace's fault injection kills the real binary just before its Nth call of each
//! system call that changes a file, for every N the command reaches, twice in a row
//! (a crash, then a crash of the command that would have repaired it). Every state
//! that leaves must be repaired by the next append, verify cleanly, and keep every
//! line that was acknowledged.
//!
//! A write torn part-way (a kill that lands while the kernel copies a line that
//! spans a page boundary) cannot be injected this way, so it is built by hand as a
//! second starting state.
//!
//! Linux only, and needs strace (`.ci/run` installs it). Without strace the test
//! fails and says so, unless ESCALATE_TEST_WITHOUT_STRACE=1 says to skip it.

#![cfg(target_os = "linux")]

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command as StdCommand, Stdio};

use crate::support::Env;

/// The system calls that create, change, rename or remove files. A kill before the
/// Nth of any of them leaves exactly the state after the one before it, so between
/// them they reach every state a kill can leave. `?` tolerates names an
/// architecture lacks (aarch64 has no `rename` or `unlink`).
const CHANGING: &[&str] = &[
    "openat",
    "write",
    "ftruncate",
    "?rename",
    "?renameat",
    "?renameat2",
    "?link",
    "?linkat",
    "?unlink",
    "?unlinkat",
    "?mkdir",
    "?mkdirat",
];

fn strace_available() -> bool {
    StdCommand::new("strace")
        .args(["-o", "/dev/null", "true"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// `escalate ARGS` in `env` (and every process it starts), killed before the
/// `n`th `syscall` of any of them; what strace passed on.
fn killed_at(env: &Env, args: &[&str], syscall: &str, n: usize) -> std::process::Output {
    let exe = assert_cmd::cargo::cargo_bin("escalate");
    StdCommand::new("strace")
        .args(["-f", "-o", "/dev/null", "-e"])
        .arg(format!("inject={syscall}:signal=KILL:when={n}"))
        .arg(exe)
        .args(args)
        .env_clear()
        .envs(env.vars())
        .stdin(Stdio::null())
        .output()
        .expect("run strace")
}

/// `escalate discuss ID --note NOTE` in `env`, killed before the `n`th `syscall`.
/// Returns None when it was killed, Some(code) when it got to its end first.
fn discuss_killed_at(env: &Env, id: &str, note: &str, syscall: &str, n: usize) -> Option<i32> {
    let out = killed_at(env, &["discuss", id, "--note", note], syscall, n);
    // strace passes a tracee's death by signal on as its own.
    let code = out.status.code();
    assert!(
        matches!(code, None | Some(0) | Some(137)),
        "discuss killed before {syscall} #{n} exited {code:?} instead of dying: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    code.filter(|&c| c == 0)
}

/// Every file under `dir` with its bytes, as a key that tells states apart.
fn contents(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten() {
            let entry = entry.unwrap();
            let path = entry.path();
            if entry.file_type().unwrap().is_dir() {
                stack.push(path);
            } else {
                let rel = path.strip_prefix(dir).unwrap().display().to_string();
                out.push((rel, std::fs::read(&path).unwrap()));
            }
        }
    }
    out.sort();
    out
}

/// The distinct states that killing one append at each changing system call leaves,
/// each with a label saying where it was killed.
fn states_after_kills(start: &Env, id: &str, note: &str) -> Vec<(String, Env)> {
    let mut seen = BTreeSet::new();
    let mut states = Vec::new();
    for syscall in CHANGING {
        for n in 1.. {
            let env = start.clone_data();
            if discuss_killed_at(&env, id, note, syscall, n).is_some() {
                break;
            }
            if seen.insert(contents(&env.data())) {
                states.push((format!("{} #{n}", syscall.trim_start_matches('?')), env));
            }
        }
    }
    states
}

/// The next append must succeed, verify must pass, and every line acknowledged
/// before the kills must still be there, in place.
fn assert_repaired(env: &Env, id: &str, acknowledged: &[u8], label: &str) {
    let journal = env.data().join("disputes").join(format!("{id}.jsonl"));
    let out = env
        .cmd(&["discuss", id, "--note", "after"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "after a kill {label}, the next append failed ({:?}): {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    let out = env.cmd(&["verify", id]).output().unwrap();
    assert!(
        out.status.success(),
        "after a kill {label} and one append, verify failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bytes = std::fs::read(&journal).unwrap();
    assert!(
        bytes.starts_with(acknowledged),
        "after a kill {label}, an acknowledged line changed"
    );
    let show = env.json(&["show", id]);
    let recorded: Vec<&str> = show["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["quarantine"].as_str())
        .collect();
    let unique: BTreeSet<&str> = recorded.iter().copied().collect();
    assert_eq!(
        unique.len(),
        recorded.len(),
        "after a kill {label}, a quarantine file was recorded twice: {recorded:?}"
    );
}

fn check_from(start: &Env, id: &str) -> usize {
    let journal = start.data().join("disputes").join(format!("{id}.jsonl"));
    let bytes = std::fs::read(&journal).unwrap();
    let acknowledged = &bytes[..bytes.iter().rposition(|&b| b == b'\n').unwrap() + 1];
    let mut checked = 0;
    for (first, env) in states_after_kills(start, id, "first") {
        assert_repaired(
            &env.clone_data(),
            id,
            acknowledged,
            &format!("before {first}"),
        );
        checked += 1;
        for (second, env2) in states_after_kills(&env, id, "second") {
            let label = format!("before {first}, then before {second}");
            assert_repaired(&env2, id, acknowledged, &label);
            checked += 1;
        }
    }
    checked
}

#[test]
fn every_kill_point_of_two_appends_in_a_row_is_repaired_by_the_next() {
    if !strace_available() {
        assert!(
            std::env::var_os("ESCALATE_TEST_WITHOUT_STRACE").is_some(),
            "this test needs strace (apt-get install strace); set ESCALATE_TEST_WITHOUT_STRACE=1 to skip it"
        );
        eprintln!("skipped: strace is not installed");
        return;
    }
    // A journal with a few acknowledged lines.
    let clean = Env::new();
    let id = clean.open_gscb(&[]);
    for note in ["one", "two"] {
        clean.ok(&["discuss", &id, "--note", note]);
    }
    let from_clean = check_from(&clean, &id);

    // The same journal as a write torn part-way leaves it: the line cut short, the
    // receipt as it was before, and the receipt that was prepared for the line.
    let torn = clean.clone_data();
    let disputes = torn.data().join("disputes");
    let journal = disputes.join(format!("{id}.jsonl"));
    let head = disputes.join(format!("{id}.head"));
    let before = std::fs::read(&head).unwrap();
    torn.ok(&["discuss", &id, "--note", "torn"]);
    std::fs::rename(&head, disputes.join(format!(".{id}.head.tmp"))).unwrap();
    std::fs::write(&head, before).unwrap();
    let bytes = std::fs::read(&journal).unwrap();
    let last = bytes[..bytes.len() - 1]
        .iter()
        .rposition(|&b| b == b'\n')
        .unwrap();
    std::fs::write(&journal, &bytes[..last + 1 + 100]).unwrap();
    let from_torn = check_from(&torn, &id);
    eprintln!("{from_clean} states after kills from a clean journal, {from_torn} from a torn one");
}

/// Every file in the disputes directory whose name begins with `.`: temporary
/// files an append must never leave behind.
fn temporaries(env: &Env) -> Vec<String> {
    std::fs::read_dir(env.data().join("disputes"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect()
}

/// A full disk at each write an append makes: the command either succeeds or
/// fails with the journal, its receipt and the directory exactly as they were;
/// "nothing written" is always true when it is said.
#[test]
fn a_full_disk_at_any_write_leaves_nothing_partial() {
    if !strace_available() {
        assert!(
            std::env::var_os("ESCALATE_TEST_WITHOUT_STRACE").is_some(),
            "this test needs strace (apt-get install strace); set ESCALATE_TEST_WITHOUT_STRACE=1 to skip it"
        );
        return;
    }
    let start = Env::new();
    let id = start.open_gscb(&[]);
    start.ok(&["discuss", &id, "--note", "one"]);
    let exe = assert_cmd::cargo::cargo_bin("escalate");
    let mut failed = 0;
    for n in 1.. {
        let env = start.clone_data();
        let before = env.snapshot();
        let out = StdCommand::new("strace")
            .args(["-f", "-o", "/dev/null", "-e"])
            .arg(format!("inject=write:error=ENOSPC:when={n}"))
            .arg(&exe)
            .args(["discuss", &id, "--note", "a note the disk has no room for"])
            .env_clear()
            .envs(env.vars())
            .stdin(Stdio::null())
            .output()
            .expect("run strace");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("panicked"), "{err}");
        assert!(
            temporaries(&env).is_empty(),
            "write #{n}: {:?}",
            temporaries(&env)
        );
        let journal = std::fs::read(env.journal(&id)).unwrap();
        match out.status.code() {
            Some(0) if journal == before[&env.journal(&id)] => {
                panic!("write #{n}: exit 0 but nothing recorded")
            }
            Some(0) => break,
            Some(1) if journal == before[&env.journal(&id)] => {
                assert_eq!(env.snapshot(), before, "write #{n} failed: {err}");
                failed += 1;
            }
            // The line is recorded and only printing the result failed: the
            // error must not claim nothing was written.
            Some(1) => assert!(!err.contains("nothing was written"), "{err}"),
            other => panic!("write #{n}: exit {other:?}: {err}"),
        }
        let v = env.cmd(&["verify", &id]).output().unwrap();
        assert!(v.status.success(), "after write #{n} failed: {err}");
        assert!(n < 50, "the append never got past the full disk");
    }
    assert!(failed >= 2, "the receipt and the line writes were both hit");
}

/// A file-size limit (`ulimit -f`) that cuts a line part-way: SIGXFSZ is caught,
/// the partial line is cut back, no temporary file stays, and nothing
/// acknowledged is lost.
#[test]
fn a_file_size_limit_cuts_nothing_in_half() {
    let env = Env::new();
    let id = env.open_gscb(&[]);
    env.ok(&["discuss", &id, "--note", "one"]);
    let journal = env.journal(&id);
    let before = env.snapshot();
    let len = std::fs::metadata(&journal).unwrap().len();
    // bash counts the limit in 1024-byte blocks; the note makes the line longer
    // than one block, so the limit falls inside it.
    let blocks = len / 1024 + 1;
    let note = "n".repeat(3000);
    let exe = assert_cmd::cargo::cargo_bin("escalate");
    let out = StdCommand::new("bash")
        .arg("-c")
        .arg(format!("ulimit -f {blocks} && exec \"$0\" \"$@\""))
        .arg(&exe)
        .args(["discuss", &id, "--note", &note])
        .env_clear()
        .envs(env.vars())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "killed by SIGXFSZ? {err}");
    assert!(err.contains("nothing was written"), "{err}");
    assert_eq!(env.snapshot(), before);
    assert!(temporaries(&env).is_empty(), "{:?}", temporaries(&env));
    env.ok(&["verify", &id]);
    env.ok(&["discuss", &id, "--note", "after"]);
    let bytes = std::fs::read(&journal).unwrap();
    assert!(bytes.starts_with(&before[&journal]));
}

/// `escalate sync` in `env` (and every git it starts), killed before the `n`th
/// `syscall` of any of those processes. Returns whether it was killed: a git
/// child killed makes escalate report the failure and exit 1; escalate killed
/// itself dies by the signal.
fn sync_killed_at(env: &Env, syscall: &str, n: usize) -> bool {
    !killed_at(env, &["sync"], syscall, n).status.success()
}

/// A copy of a partnership: its bare repository and one clone (`clone`'s data
/// directory), the clone pointed at the copy.
fn copy_partnership(remote: &Path, clone: &Env, org: &str) -> (tempfile::TempDir, Env) {
    let tmp = tempfile::tempdir().unwrap();
    let bare = tmp.path().join("partnership.git");
    let copied = StdCommand::new("cp")
        .args(["-a"])
        .arg(remote)
        .arg(&bare)
        .status()
        .unwrap();
    assert!(copied.success());
    let mut env = clone.clone_data();
    // The same person: their key (a member's) and settings come along, or the
    // copy would be a joiner whose sync sends nothing.
    crate::support::copy_dir(&clone.config(), &env.config());
    env.user = clone.user.clone();
    env.now(&clone.now);
    env.ok(&["config", "set", "organisation", org]);
    crate::support::sharing::git(
        &env.data(),
        &["remote", "set-url", "origin", bare.to_str().unwrap()],
    );
    (tmp, env)
}

/// How many times `marker` is in the partnership's copy of `id`.
fn shared_count(bare: &Path, id: &str, marker: &str) -> usize {
    let out = StdCommand::new("git")
        .arg("--git-dir")
        .arg(bare)
        .args(["show", &format!("main:disputes/{id}.jsonl")])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).matches(marker).count()
}

/// Every point at which a kill can interrupt a sync that must rebase a local line
/// after the partnership's, receive two new disputes and send one: the next sync completes, and
/// every acknowledged line is in the partnership's repository exactly once. By
/// default every eighth kill point of each system call is tried, which keeps CI
/// to a minute or so; `ESCALATE_TEST_SYNC_STRIDE=1` tries them all (about 220).
#[test]
fn a_sync_killed_at_any_step_is_completed_by_the_next_and_shares_each_line_once() {
    if !strace_available() {
        assert!(
            std::env::var_os("ESCALATE_TEST_WITHOUT_STRACE").is_some(),
            "this test needs strace (apt-get install strace); set ESCALATE_TEST_WITHOUT_STRACE=1 to skip it"
        );
        eprintln!("skipped: strace is not installed");
        return;
    }
    let stride: usize = std::env::var("ESCALATE_TEST_SYNC_STRIDE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(8)
        .max(1);
    let (_tmp, remote, school, csc) = crate::support::sharing::partnership();
    let r = remote.to_str().unwrap();
    let d1 = crate::support::sharing::school_case(&school, "LCS-1");
    crate::support::sharing::share(&school, &csc, r);
    school.ok(&["discuss", &d1, "--note", "school-1"]);
    // Two disputes new to social care, written together when they arrive.
    let arriving = [
        crate::support::sharing::school_case(&school, "LCS-3"),
        crate::support::sharing::school_case(&school, "LCS-4"),
    ];
    school.ok(&["sync"]);
    // Social care recorded offline: a line to rebase after the school's, and a
    // new dispute.
    csc.ok(&["discuss", &d1, "--note", "csc-offline"]);
    let d2 = crate::support::sharing::open(&csc, "Children's Social Care", "Police", "LCS-2");
    // Notes are sealed on disk: each line is found in the partnership's copy by
    // its nonce (which no re-chaining changes), read here through `show`.
    let nonce = |env: &crate::support::Env, note: &str| {
        crate::support::sharing::lines_of(env, &d1)
            .iter()
            .find(|l| l["note"] == note)
            .and_then(|l| l["nonce"].as_str().map(str::to_owned))
            .unwrap_or_else(|| panic!("no line noting {note}"))
    };
    let (csc_offline, school_1) = (nonce(&csc, "csc-offline"), nonce(&school, "school-1"));
    let opened_d2 = crate::support::sharing::raw_lines(&csc, &d2)[0]["nonce"]
        .as_str()
        .unwrap()
        .to_owned();

    let mut tried = 0;
    for syscall in CHANGING {
        for n in (1..).step_by(stride) {
            let (tmp, env) = copy_partnership(&remote, &csc, "Children's Social Care");
            let bare = tmp.path().join("partnership.git");
            if !sync_killed_at(&env, syscall, n) {
                break;
            }
            tried += 1;
            let label = format!("{} #{n}", syscall.trim_start_matches('?'));
            let out = env.cmd(&["sync"]).output().unwrap();
            assert!(
                out.status.success(),
                "after a kill before {label}, the next sync failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert_eq!(shared_count(&bare, &d1, &csc_offline), 1, "{label}");
            assert_eq!(shared_count(&bare, &d1, &school_1), 1, "{label}");
            assert!(
                shared_count(&bare, &d2, &opened_d2) >= 1,
                "{label}: new dispute not shared"
            );
            let out = env.cmd(&["verify"]).output().unwrap();
            assert!(
                out.status.success(),
                "after a kill before {label} and a sync, verify failed: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            let local = std::fs::read_to_string(env.journal(&d1)).unwrap();
            assert_eq!(local.matches(csc_offline.as_str()).count(), 1, "{label}");
            for id in &arriving {
                env.ok(&["show", id]);
            }
        }
    }
    eprintln!("{tried} kill points of a sync tried (every {stride})");
    assert!(
        tried * stride > 100,
        "the sync was killed at only {tried} points"
    );
}
