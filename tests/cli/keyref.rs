//! The sealed disputes' wrapped keys on their own ref (`refs/escalate/keys`, issue
//! #28 item 3), with real git and real sealed disputes: entries travel between
//! clones through `sync`, an erased dispute's entry is gone from every clone's
//! object store and the partnership's after its host's `git gc`, no reflog keeps
//! a keys commit, a hostile keys ref is refused with nothing of it used, and a
//! push that lost its lease to another clone is merged and tried again.

use crate::support::sharing::{git, git_output, partnership, school_case, share};
use crate::support::Env;
use escalate_core::privacy::KeyStore;
use escalate_core::share::keyref::{self, Published, PurgeBy};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const WHEN: i64 = 1_795_000_000;

fn store(env: &Env) -> PathBuf {
    escalate_core::store::layout::key_store(&env.data())
}

/// An entry's shape with `marker` where the age file would be (for hostile
/// trees and the measurement, where what is wrapped does not matter).
fn entry(id: &str, marker: &str) -> Vec<u8> {
    format!("{{\"v\":1,\"dispute\":\"{id}\",\"to\":[\"SHA256:abc\"],\"key\":\"{marker}\"}}\n")
        .into_bytes()
}

fn files(env: &Env) -> BTreeMap<String, Vec<u8>> {
    KeyStore::of(&env.data()).list().unwrap()
}

/// A piece of dispute `id`'s wrapped key as `env` stores it: found in an object
/// store, that entry's bytes are there.
fn marker(env: &Env, id: &str) -> String {
    let bytes = files(env).remove(id).expect("the dispute's key is kept");
    let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    let key = v["key"].as_str().unwrap();
    key[key.len() / 2..key.len() / 2 + 48].to_owned()
}

/// Whether any object in the repository at `dir` (a clone or a bare
/// repository), loose or packed, reachable or not, holds `marker`.
fn objects_hold(dir: &Path, marker: &str) -> bool {
    let out = git_output(
        dir,
        &["cat-file", "--batch-all-objects", "--batch", "--unordered"],
    );
    assert!(out.status.success());
    out.stdout
        .windows(marker.len())
        .any(|w| w == marker.as_bytes())
}

/// Every reflog file under a repository's `logs/refs/escalate`.
fn escalate_reflogs(git_dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![git_dir.join("logs/refs/escalate")];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            if e.file_type().unwrap().is_dir() {
                stack.push(e.path());
            } else {
                found.push(e.path());
            }
        }
    }
    found
}

/// A partnership of a school (its DSL the first admin) and social care, each
/// clone synced after the school opened two sealed disputes with social care.
fn two_clones() -> (tempfile::TempDir, PathBuf, Env, Env, String, String) {
    let (tmp, remote, school, csc) = partnership();
    share(&school, &csc, remote.to_str().unwrap());
    let a = school_case(&school, "LCS-1");
    let b = school_case(&school, "LCS-2");
    school.ok(&["sync"]);
    csc.ok(&["sync"]);
    (tmp, remote, school, csc, a, b)
}

#[test]
fn a_sealed_disputes_key_reaches_the_other_clone_through_sync() {
    let (tmp, remote, school, csc, a, b) = two_clones();
    assert_eq!(files(&csc), files(&school));
    assert_eq!(files(&csc).keys().collect::<Vec<_>>(), {
        let mut both = vec![&a, &b];
        both.sort();
        both
    });
    // Only inside .git: never in the work tree, never on `main`.
    assert!(store(&csc).starts_with(csc.data().join(".git")));
    let on_main = git(&remote, &["ls-tree", "-r", "--name-only", "main"]);
    assert!(!on_main.contains(&format!("{a}.json\n")), "{on_main}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&store(&csc)), 0o700);
        assert_eq!(mode(&store(&csc).join(format!("{a}.json"))), 0o600);
    }
    // One parentless commit, a flat tree of `<ID>.json` blobs.
    let head = git(&remote, &["cat-file", "-p", "refs/escalate/keys"]);
    assert!(!head.contains("\nparent "), "{head}");
    let tree = git(&remote, &["ls-tree", "refs/escalate/keys"]);
    assert_eq!(tree.lines().count(), 2, "{tree}");
    assert!(
        tree.lines().all(|l| l.starts_with("100644 blob ")),
        "{tree}"
    );
    // A sync with nothing new pushes nothing.
    let before = git(&remote, &["rev-parse", "refs/escalate/keys"]);
    school.ok(&["sync"]);
    assert_eq!(git(&remote, &["rev-parse", "refs/escalate/keys"]), before);
    // Once the key store has been still for a while, a sync with nothing new
    // reads none of it; a dispute opened after that is still seen and sent.
    std::thread::sleep(std::time::Duration::from_millis(2100));
    school.ok(&["sync"]);
    assert!(school.data().join(".git/escalate/keys-state").exists());
    school.ok(&["sync"]);
    let later = school_case(&school, "LCS-3");
    school.ok(&["sync"]);
    csc.ok(&["sync"]);
    assert!(files(&csc).contains_key(&later));
    // Social care reads it: its key was wrapped for social care's member.
    let shown = csc.ok(&["show", &later]);
    assert!(shown.contains("LCS-3"), "{shown}");
    drop(tmp);
}

#[test]
fn an_erased_disputes_key_is_gone_from_both_clones_and_the_partnership_after_gc() {
    let (_tmp, remote, mut school, mut csc, a, b) = two_clones();
    let (gone, kept) = (marker(&school, &a), marker(&school, &b));
    for env in [&school, &csc] {
        // The search finds what is there (so its "not found" below means something).
        assert!(objects_hold(&env.data(), &gone));
    }
    // Both clones' key stores settled: the erasure alone must start the step.
    std::thread::sleep(std::time::Duration::from_millis(2100));
    school.ok(&["sync"]);
    csc.ok(&["sync"]);
    assert!(csc.data().join(".git/escalate/keys-state").exists());
    for env in [&mut school, &mut csc] {
        env.now("2026-11-24T09:00:00Z");
    }
    school.ok(&["erase", &a, "--reason", "The family asked"]);
    school.ok(&["sync"]);
    csc.ok(&["sync"]);
    school.ok(&["sync"]);
    git(&remote, &["gc", "--prune=now", "--quiet"]);
    for env in [&school, &csc] {
        assert_eq!(files(env).keys().collect::<Vec<_>>(), [&b]);
        assert!(!objects_hold(&env.data(), &gone));
        assert!(objects_hold(&env.data(), &kept));
        assert_eq!(
            escalate_reflogs(&env.data().join(".git")),
            Vec::<PathBuf>::new()
        );
        // The journals' history is all still there.
        assert!(git(&env.data(), &["rev-list", "main"]).lines().count() > 1);
    }
    assert!(!objects_hold(&remote, &gone));
    assert!(objects_hold(&remote, &kept));
    csc.ok(&["verify"]);
}

#[test]
fn both_ways_of_purging_remove_the_old_bytes() {
    for by in [PurgeBy::Gc, PurgeBy::RepackPrune] {
        let (_tmp, _remote, school, _csc, a, b) = two_clones();
        let (gone, kept) = (marker(&school, &a), marker(&school, &b));
        let mut fewer = files(&school);
        fewer.remove(&a);
        let lease = keyref::fetched(&school.data()).unwrap();
        let pushed = keyref::publish(&school.data(), &fewer, lease.as_ref(), WHEN).unwrap();
        assert!(matches!(pushed, Published::Pushed(_)), "{pushed:?}");
        assert!(objects_hold(&school.data(), &gone));
        keyref::purge_by(&school.data(), by).unwrap();
        assert!(!objects_hold(&school.data(), &gone), "{by:?}");
        assert!(objects_hold(&school.data(), &kept), "{by:?}");
    }
}

#[test]
fn no_reflog_is_kept_for_the_keys_refs_even_when_git_is_told_to_log_every_ref() {
    let (tmp, remote, school, csc) = partnership();
    share(&school, &csc, remote.to_str().unwrap());
    for env in [&school, &csc] {
        git(&env.data(), &["config", "core.logAllRefUpdates", "always"]);
    }
    // The setting does log a ref under refs/escalate that escalate does not guard.
    git(&csc.data(), &["update-ref", "refs/escalate/probe", "main"]);
    assert!(csc.data().join(".git/logs/refs/escalate/probe").exists());
    git(&csc.data(), &["update-ref", "-d", "refs/escalate/probe"]);
    school_case(&school, "LCS-1");
    school.ok(&["sync"]);
    crate::support::sharing::open(
        &csc,
        "Children's Social Care",
        "Hollyfield Primary",
        "LCS-2",
    );
    csc.ok(&["sync"]);
    school.ok(&["sync"]);
    for env in [&school, &csc] {
        assert_eq!(files(env).len(), 2);
        let logs = env.data().join(".git/logs/refs/escalate");
        for r in ["keys-fetched", "keys-staged", "keys"] {
            assert!(!logs.join(r).exists(), "a reflog of {r}");
        }
    }
    drop(tmp);
}

#[test]
fn a_lease_lost_to_another_clone_is_merged_and_both_entries_survive() {
    let (tmp, remote, school, csc, _, _) = two_clones();
    let before = git(&remote, &["rev-parse", "refs/escalate/keys"])
        .trim()
        .to_owned();
    // The school's next keys commit, set aside, then the ref put back: social
    // care's sync fetches the old one, and the school's lands just before its push.
    let c = school_case(&school, "LCS-3");
    school.ok(&["sync"]);
    git(
        &remote,
        &["update-ref", "refs/test/next", "refs/escalate/keys"],
    );
    git(&remote, &["update-ref", "refs/escalate/keys", &before]);
    let d = crate::support::sharing::open(
        &csc,
        "Children's Social Care",
        "Hollyfield Primary",
        "LCS-4",
    );
    let fake = tmp.path().join("fakebin");
    std::fs::create_dir_all(&fake).unwrap();
    let real = String::from_utf8(
        std::process::Command::new("sh")
            .args(["-c", "command -v git"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let flag = tmp.path().join("raced");
    crate::support::sharing::install_hook(
        &fake.join("git"),
        &format!(
            "for a in \"$@\"; do case \"$a\" in --force-with-lease=refs/escalate/keys*) \
             if [ ! -e '{flag}' ]; then touch '{flag}'; '{real}' -C '{remote}' update-ref refs/escalate/keys refs/test/next; fi;; esac; done\n\
             exec '{real}' \"$@\"",
            flag = flag.display(),
            real = real.trim(),
            remote = remote.display()
        ),
    );
    let path = format!("{}:{}", fake.display(), std::env::var("PATH").unwrap());
    let out = csc.cmd(&["sync"]).env("PATH", path).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(flag.exists(), "the race was run");
    school.ok(&["sync"]);
    for env in [&school, &csc] {
        let held = files(env);
        assert!(
            held.contains_key(&c) && held.contains_key(&d),
            "{:?}",
            held.keys()
        );
    }
    assert_eq!(files(&school), files(&csc));
}

/// Raw tree entries: mode, name, object ID.
type Tree<'a> = Vec<(&'a str, &'a str, String)>;

/// Set the partnership's keys ref to a commit of `tree`, with `parent` if given.
fn plant(remote: &Path, tree: &[(&str, &str, String)], parent: Option<&str>) {
    let mut raw = Vec::new();
    for (mode, name, object) in tree {
        raw.extend_from_slice(format!("{mode} {name}\0").as_bytes());
        raw.extend(
            (0..object.len() / 2)
                .map(|i| u8::from_str_radix(&object[2 * i..2 * i + 2], 16).unwrap()),
        );
    }
    let scratch = remote.with_extension("tree");
    std::fs::write(&scratch, &raw).unwrap();
    let tree = git(
        remote,
        &[
            "hash-object",
            "-t",
            "tree",
            "-w",
            "--literally",
            scratch.to_str().unwrap(),
        ],
    );
    let mut args = vec!["commit-tree", tree.trim(), "-m", "planted"];
    if let Some(p) = parent {
        args.extend(["-p", p]);
    }
    let commit = git(remote, &args);
    git(remote, &["update-ref", "refs/escalate/keys", commit.trim()]);
}

fn blob(remote: &Path, bytes: &[u8]) -> String {
    let scratch = remote.with_extension("blob");
    std::fs::write(&scratch, bytes).unwrap();
    git(remote, &["hash-object", "-w", scratch.to_str().unwrap()])
        .trim()
        .to_owned()
}

#[test]
fn hostile_keys_refs_are_refused_with_nothing_used() {
    let (_tmp, remote, school, csc, a, b) = two_clones();
    let good_commit = git(&remote, &["rev-parse", "refs/escalate/keys"])
        .trim()
        .to_owned();
    let held = files(&csc);
    let good = blob(&remote, &entry(&a, "MARKER-HOSTILE"));
    let big = blob(&remote, &vec![b'x'; 70 * 1024]);
    let other = blob(&remote, &entry(&b, "MARKER-OTHER"));
    let inner = {
        let scratch = remote.with_extension("inner");
        let mut raw = format!("100644 {a}.json\0").into_bytes();
        raw.extend((0..20).map(|i| u8::from_str_radix(&good[2 * i..2 * i + 2], 16).unwrap()));
        std::fs::write(&scratch, raw).unwrap();
        git(
            &remote,
            &[
                "hash-object",
                "-t",
                "tree",
                "-w",
                "--literally",
                scratch.to_str().unwrap(),
            ],
        )
        .trim()
        .to_owned()
    };
    let main = git(&remote, &["rev-parse", "main"]).trim().to_owned();
    let named = format!("{a}.json");
    let cases: Vec<(Tree, Option<&str>, &str)> = vec![
        (vec![("40000", "sub", inner)], None, "a folder"),
        (
            vec![("120000", named.as_str(), good.clone())],
            None,
            "symbolic link",
        ),
        (
            vec![("100644", "../x.json", good.clone())],
            None,
            "not named as a dispute's key",
        ),
        (
            vec![("100644", "notanid.json", good.clone())],
            None,
            "not named as a dispute's key",
        ),
        (
            vec![("100755", named.as_str(), good.clone())],
            None,
            "mode 100755",
        ),
        (
            vec![("100644", named.as_str(), big)],
            None,
            "more than the 65536",
        ),
        (
            vec![("100644", named.as_str(), other)],
            None,
            "not a key entry for the dispute",
        ),
        (
            vec![("100644", named.as_str(), good)],
            Some(main.as_str()),
            "1 parent(s)",
        ),
    ];
    for (tree, parent, says) in cases {
        plant(&remote, &tree, parent);
        let out = csc.cmd(&["sync"]).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{says}: {err}");
        assert!(
            err.contains("refs/escalate/keys") && err.contains(says),
            "{says}: {err}"
        );
        assert!(err.contains("none of it was used"), "{err}");
        assert!(!err.contains("panicked"), "{err}");
        assert_eq!(files(&csc), held, "{says}");
    }
    // Once the partnership puts the good one back, syncs go on as before.
    git(&remote, &["update-ref", "refs/escalate/keys", &good_commit]);
    csc.ok(&["sync"]);
    school.ok(&["sync"]);
    assert_eq!(files(&csc), held);
}

#[test]
fn share_join_takes_the_partnership_keys() {
    let (_tmp, remote, school, _csc, _, _) = two_clones();
    let health = crate::support::sharing::agency("Alex (named nurse)", "Health");
    health.ok(&["share", "join", remote.to_str().unwrap()]);
    assert_eq!(files(&health), files(&school));
}

#[test]
fn a_host_that_refuses_to_rewrite_branches_still_lets_the_keys_ref_be_replaced() {
    // `git init --shared` sets this; it guards `refs/heads/*` only.
    let (_tmp, remote, school, csc, _, _) = two_clones();
    git(&remote, &["config", "receive.denyNonFastForwards", "true"]);
    let c = school_case(&school, "LCS-3");
    school.ok(&["sync"]);
    csc.ok(&["sync"]);
    assert!(files(&csc).contains_key(&c));
}

/// Times the keys step at scale (`cargo test --release --test cli
/// keyref::measure -- --ignored --nocapture`): publishing N entries, a sync's
/// keys step with nothing new, and both ways of purging a clone whose `main`
/// holds M journals' worth of objects.
#[test]
#[ignore]
fn measure_keys_at_scale() {
    use std::time::Instant;
    let n: usize = std::env::var("KEYS_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let m: usize = std::env::var("JOURNALS_M")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let tmp = tempfile::tempdir().unwrap();
    let remote = crate::support::sharing::bare(&tmp);
    let clone = tmp.path().join("clone");
    std::fs::create_dir_all(&clone).unwrap();
    git(&clone, &["init", "--quiet", "--initial-branch", "main"]);
    git(
        &clone,
        &["remote", "add", "origin", remote.to_str().unwrap()],
    );
    std::fs::write(clone.join("escalate-repository.toml"), "format = 1\n").unwrap();
    // `main` with m journals of 2 KB, as a partnership's history holds.
    let mut stream = Vec::new();
    stream.extend_from_slice(b"commit refs/heads/main\ncommitter x <x@x> 0 +0000\ndata 1\nx\n");
    for i in 0..m {
        let body = format!("{i:010}{}", noise(i as u64, 2000));
        stream.extend_from_slice(
            format!(
                "M 100644 inline disputes/{i:010}.jsonl\ndata {}\n{body}\n",
                body.len()
            )
            .as_bytes(),
        );
    }
    let mut child = std::process::Command::new("git")
        .current_dir(&clone)
        .args(["fast-import", "--quiet"])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), &stream).unwrap();
    drop(child.stdin.take());
    assert!(child.wait().unwrap().success());
    git(&clone, &["push", "--quiet", "origin", "main"]);
    let dir = escalate_core::store::layout::key_store(&clone);
    std::fs::create_dir_all(&dir).unwrap();
    let alphabet = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let id = |i: usize| -> String {
        (0..10)
            .rev()
            .map(|k| alphabet[(i >> (5 * k)) & 31] as char)
            .collect()
    };
    for i in 0..n {
        let marker = format!("{}{}", noise((1 << 40) + i as u64, 1500), i);
        std::fs::write(dir.join(format!("{}.json", id(i))), entry(&id(i), &marker)).unwrap();
    }
    let time = |what: &str, f: &mut dyn FnMut()| {
        let t = Instant::now();
        f();
        eprintln!("{what}: {:.2?}", t.elapsed());
    };
    let all = KeyStore::at(dir.clone()).list().unwrap();
    time(&format!("publish {n} entries"), &mut || {
        keyref::publish(&clone, &all, None, WHEN).unwrap();
    });
    time("fetch and check them", &mut || {
        keyref::fetch(&clone).unwrap().unwrap();
    });
    // One entry dropped and published; then each way of purging on its own
    // copy of the same clone.
    let mut fewer = all.clone();
    fewer.remove(&id(7));
    let lease = keyref::fetched(&clone).unwrap();
    time("publish with one entry dropped", &mut || {
        keyref::publish(&clone, &fewer, lease.as_ref(), WHEN).unwrap();
    });
    let marker = format!("{}7\"", noise((1 << 40) + 7, 1500));
    assert!(objects_hold(&clone, &marker));
    let copies: Vec<PathBuf> = (0..4)
        .map(|i| {
            let to = tmp.path().join(format!("copy{i}"));
            let out = std::process::Command::new("cp")
                .args(["-a", clone.to_str().unwrap(), to.to_str().unwrap()])
                .output()
                .unwrap();
            assert!(out.status.success());
            to
        })
        .collect();
    for (copy, by) in copies.iter().zip([
        PurgeBy::RepackPrune,
        PurgeBy::Gc,
        PurgeBy::Gc,
        PurgeBy::RepackPrune,
    ]) {
        time(&format!("purge by {by:?}"), &mut || {
            keyref::purge_by(copy, by).unwrap()
        });
        assert!(!objects_hold(copy, &marker));
    }
}

/// Text that does not compress, as journals and age files do not much.
fn noise(seed: u64, len: usize) -> String {
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..len)
        .map(|_| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            char::from(b"0123456789abcdef"[(x >> 60) as usize])
        })
        .collect()
}

#[test]
fn disputes_sealed_before_sharing_keep_their_keys_and_share_them() {
    let (_tmp, remote, school, csc) = partnership();
    let a = school_case(&school, "LCS-1");
    assert!(school
        .data()
        .join("keys")
        .join(format!("{a}.json"))
        .exists());
    share(&school, &csc, remote.to_str().unwrap());
    csc.ok(&["sync"]);
    assert!(
        files(&school).contains_key(&a),
        "{:?}",
        files(&school).keys()
    );
    assert!(files(&csc).contains_key(&a));
    let shown = school.ok(&["show", &a]);
    assert!(shown.contains("LCS-1"), "{shown}");
}

/// A wrapped key the partnership's copy holds damaged (it passes the tree's
/// checks but is no age file) is named by the next sync and not taken: the
/// clone keeps its own, reads the dispute, and sends its sound copy back.
#[test]
fn a_damaged_wrapped_key_from_the_partnership_is_named_and_not_taken() {
    let (tmp, remote, school, csc) = partnership();
    let r = remote.to_str().unwrap();
    let id = school_case(&school, "LCS-K");
    share(&school, &csc, r);
    school.ok(&["discuss", &id, "--note", "key-marker"]);
    school.ok(&["sync"]);
    csc.ok(&["sync"]);

    let vandal = tmp.path().join("vandal");
    git(
        tmp.path(),
        &["clone", "--quiet", r, vandal.to_str().unwrap()],
    );
    let damaged = format!(
        "{{\"v\":1,\"dispute\":\"{id}\",\"to\":[\"SHA256:x\"],\"key\":\"bm90IGFnZQ==\"}}\n"
    );
    std::fs::write(vandal.join("entry"), &damaged).unwrap();
    let blob = git(&vandal, &["hash-object", "-w", "entry"]);
    let listing = vandal.join("listing");
    std::fs::write(
        &listing,
        format!("100644 blob {}\t{id}.json\n", blob.trim()),
    )
    .unwrap();
    let out = std::process::Command::new("git")
        .current_dir(&vandal)
        .args(["mktree"])
        .stdin(std::fs::File::open(&listing).unwrap())
        .output()
        .unwrap();
    let tree = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    let commit = git(&vandal, &["commit-tree", &tree, "-m", "vandal"]);
    git(
        &vandal,
        &[
            "push",
            "--quiet",
            "--force",
            "origin",
            &format!("{}:refs/escalate/keys", commit.trim()),
        ],
    );

    school.ok(&["discuss", &id, "--note", "after the vandal"]);
    let out = school.ok(&["sync"]);
    assert!(
        out.contains(&format!("wrapped key for dispute {id} was not taken")),
        "{out}"
    );
    // The school sent its sound copy back: social care reads on.
    csc.ok(&["sync"]);
    let shown = csc.ok(&["show", &id]);
    assert!(
        shown.contains("key-marker") && shown.contains("after the vandal"),
        "{shown}"
    );
}
