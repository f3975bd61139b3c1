//! Journal integrity through the real binary: torn writes from crashes, a removed
//! last line, damage in the middle, every single-byte change, concurrent appends,
//! the lock timeout, corrections without rewriting, hostile IDs, text and files,
//! private file modes, and errors that never name a child.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command as StdCommand, Stdio};
use std::time::{Duration, Instant};

use proptest::prelude::*;
use serde_json::Value;

use crate::support::{copy_dir, Env};

const CHILD: &str = "LCS-40213";
const SUMMARY: &str = "Referral judged below threshold";

/// The same hermetic command as `Env::cmd`, as a `std::process::Command` so it can
/// be spawned, killed and run from several threads.
fn std_cmd(env: &Env, args: &[&str]) -> StdCommand {
    let mut cmd = StdCommand::new(assert_cmd::cargo::cargo_bin("escalate"));
    cmd.env_clear()
        .envs(env.vars())
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    cmd
}

fn head_path(env: &Env, id: &str) -> PathBuf {
    env.data().join("disputes").join(format!("{id}.head"))
}

/// Run and return (exit code, stderr) without any assertion.
fn run(env: &Env, args: &[&str]) -> (Option<i32>, String) {
    let out = env.cmd(args).output().expect("run escalate");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn notes(env: &Env, id: &str) -> Vec<String> {
    env.json(&["show", id])["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["note"].as_str().map(str::to_owned))
        .collect()
}

fn verify_json(env: &Env, args: &[&str]) -> (Option<i32>, Value) {
    let mut all = vec!["verify", "--json"];
    all.extend_from_slice(args);
    let out = env.cmd(&all).output().expect("run escalate");
    let v = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "verify --json printed no JSON ({e}): {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code(), v)
}

#[test]
fn verify_prints_the_head_hash_as_a_receipt() {
    let env = Env::new();
    let id = env.open_gscb(&[]);
    env.ok(&["discuss", &id, "--note", "Phoned", "--with", "A. Smith"]);
    let out = env.ok(&["verify"]);
    let head = env.json(&["show", &id])["head"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(out, format!("{id} ok: 2 lines, head {head}\n"));
    let (code, v) = verify_json(&env, &[&id[..5]]);
    assert_eq!(code, Some(0));
    assert_eq!(v[0]["id"], id.as_str());
    assert_eq!(v[0]["ok"], true);
    assert_eq!(v[0]["lines"], 2);
    assert_eq!(v[0]["head"], head.as_str());
    assert_eq!(v[0]["problem"], Value::Null);
    assert_eq!(v[0]["recovered"], 0);
    // The receipt file holds the same hash.
    let receipt = std::fs::read_to_string(head_path(&env, &id)).unwrap();
    assert_eq!(receipt, format!("2 {head}\n"));
    let err = env.fails(1, &["verify", "ZZZZZZ"]);
    assert!(
        err.contains("no dispute has an ID starting ZZZZZZ"),
        "{err}"
    );
}

/// The state a crash in the middle of writing line 3 leaves: the receipt still
/// names line 2 and line 3 is only partly there.
#[test]
fn a_torn_write_is_reported_then_quarantined_by_the_next_append() {
    let env = Env::new();
    let id = env.open_gscb(&[]);
    env.ok(&["discuss", &id, "--note", "first"]);
    let journal = env.journal(&id);
    let before = std::fs::read(&journal).unwrap();
    let receipt_before = std::fs::read(head_path(&env, &id)).unwrap();
    env.ok(&["discuss", &id, "--note", "never acknowledged"]);
    let full = std::fs::read(&journal).unwrap();
    let torn = &full[before.len()..before.len() + 40];
    let mut crashed = before.clone();
    crashed.extend_from_slice(torn);
    std::fs::write(&journal, &crashed).unwrap();
    std::fs::write(head_path(&env, &id), &receipt_before).unwrap();

    // Reads work and warn; verify passes with the warning; nothing is touched.
    let snapshot = env.snapshot();
    for args in [
        vec!["show", id.as_str()],
        vec!["status"],
        vec!["verify"],
        vec!["verify", id.as_str()],
    ] {
        let (code, err) = run(&env, &args);
        assert_eq!(code, Some(0), "{args:?}: {err}");
        assert!(
            err.contains(&format!("dispute {id}: line 3 is incomplete (40 bytes")),
            "{args:?}: {err}"
        );
    }
    let (_, v) = verify_json(&env, &[]);
    assert_eq!(v[0]["ok"], true);
    assert!(v[0]["warnings"][0].as_str().unwrap().contains("incomplete"));
    // A refused command repairs nothing: every byte stays as it was.
    env.fails(1, &["reopen", &id, "--reason", "not resolved"]);
    assert_eq!(snapshot, env.snapshot());

    // The next append moves the torn bytes aside and records that it did.
    let (code, err) = run(&env, &["discuss", &id, "--note", "second"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("was moved to"), "{err}");
    let sha = {
        use sha2::{Digest, Sha256};
        Sha256::digest(torn)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    let name = format!("{id}.jsonl.torn-3-{}", &sha[..8]);
    let quarantine = env.data().join("disputes").join("quarantine").join(&name);
    assert_eq!(std::fs::read(&quarantine).unwrap(), torn);
    assert_private_file(&quarantine);
    let after = std::fs::read(&journal).unwrap();
    assert!(after.starts_with(&before), "earlier lines were changed");
    let show = env.json(&["show", &id]);
    let events = show["events"].as_array().unwrap();
    assert_eq!(events.len(), 4);
    assert_eq!(events[2]["kind"], "recovered");
    assert_eq!(events[2]["quarantine"], name.as_str());
    assert_eq!(events[2]["sha256"], sha.as_str());
    assert_eq!(events[2]["bytes"], 40);
    assert_eq!(events[3]["note"], "second");
    let (code, v) = verify_json(&env, &[]);
    assert_eq!(code, Some(0));
    assert_eq!(v[0]["recovered"], 1);
    assert_eq!(v[0]["warnings"], serde_json::json!([]));
    assert!(env
        .ok(&["verify"])
        .contains("1 interrupted write recovered"));
}

#[test]
fn cutting_an_acknowledged_line_short_is_damage() {
    let env = Env::new();
    let id = env.open_gscb(&[]);
    env.ok(&["discuss", &id, "--note", "first"]);
    let journal = env.journal(&id);
    let bytes = std::fs::read(&journal).unwrap();
    std::fs::write(&journal, &bytes[..bytes.len() - 30]).unwrap();
    let err = env.fails(3, &["verify"]);
    assert!(err.contains("damaged at line 2"), "{err}");
    assert!(err.contains("cut short"), "{err}");
    env.fails(3, &["discuss", &id, "--note", "x"]);
    env.fails(3, &["show", &id]);
}

#[test]
fn a_removed_last_line_is_detected_by_the_head_receipt() {
    let env = Env::new();
    let id = env.open_gscb(&[]);
    env.ok(&["discuss", &id, "--note", "first"]);
    let journal = env.journal(&id);
    let one_line = std::fs::read(&journal).unwrap();
    let receipt_one = std::fs::read(head_path(&env, &id)).unwrap();
    env.ok(&["discuss", &id, "--note", "second"]);
    let two_lines = std::fs::read(&journal).unwrap();
    let receipt_two = std::fs::read(head_path(&env, &id)).unwrap();

    // The whole last line removed: every line that is left is intact.
    std::fs::write(&journal, &one_line).unwrap();
    let err = env.fails(3, &["verify", &id]);
    assert!(err.contains("damaged at line 3"), "{err}");
    assert!(err.contains("end of the journal was removed"), "{err}");
    env.fails(3, &["discuss", &id, "--note", "would hide it"]);
    env.fails(3, &["show", &id]);

    // A crash between writing line 3 and its receipt leaves the temporary receipt
    // naming line 3: reported, not fatal, and repaired by the next append.
    std::fs::write(&journal, &two_lines).unwrap();
    std::fs::write(head_path(&env, &id), &receipt_one).unwrap();
    let tmp = env.data().join("disputes").join(format!(".{id}.head.tmp"));
    std::fs::write(&tmp, &receipt_two).unwrap();
    let (code, err) = run(&env, &["verify"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        err.contains("head receipt names line 2 but the journal has 3 lines; a crash explains it (interrupted write"),
        "{err}"
    );
    env.ok(&["discuss", &id, "--note", "third"]);
    assert!(!tmp.exists(), "the leftover temporary receipt is removed");
    let (code, err) = run(&env, &["verify"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(!err.contains(&format!("dispute {id}")), "{err}");
    let kinds: Vec<String> = env.json(&["show", &id])["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(kinds[3], "receipt_repaired", "{kinds:?}");
    assert_ne!(
        std::fs::read(head_path(&env, &id)).unwrap(),
        receipt_two,
        "the receipt moved on"
    );

    // No receipt and no sign of a crash: lines may have been removed, so verify
    // reports it (exit 3) while reads only warn, and the next append records the
    // finding in the journal before writing a receipt, so it is never erased.
    std::fs::remove_file(head_path(&env, &id)).unwrap();
    let (code, err) = run(&env, &["show", &id]);
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("no head receipt"), "{err}");
    let err = env.fails(3, &["verify", &id]);
    assert!(err.contains("nothing shows a crash"), "{err}");
    env.ok(&["discuss", &id, "--note", "fourth"]);
    assert!(head_path(&env, &id).is_file());
    let (code, err) = run(&env, &["verify", &id]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        err.contains(
            "line 6 records: there was no head receipt (5 lines), with no sign of a crash"
        ),
        "{err}"
    );

    // A receipt put back to an old line: the same (a power cut can do it too, but
    // nothing shows one, so a person must look).
    std::fs::write(head_path(&env, &id), &receipt_one).unwrap();
    let err = env.fails(3, &["verify", &id]);
    assert!(
        err.contains(
            "the head receipt names line 2 but the journal has 7 lines, and nothing shows a crash"
        ),
        "{err}"
    );
    for lost in [&b""[..], &[0u8; 67][..]] {
        std::fs::write(head_path(&env, &id), lost).unwrap();
        let (code, err) = run(&env, &["show", &id]);
        assert_eq!(code, Some(0), "{err}");
        assert!(err.contains("head receipt is empty"), "{err}");
    }
    env.ok(&["discuss", &id, "--note", "fifth"]);
    let (code, err) = run(&env, &["verify", &id]);
    assert_eq!(code, Some(0), "{err}");
    // Nothing about a dispute is written anywhere but the data directory: the
    // config directory holds only the user's own signing key.
    let mut config: Vec<String> = std::fs::read_dir(env.config())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    config.sort();
    // Besides the signing key, the key that authenticates the status cache.
    config.retain(|name| name != "cache-key");
    assert_eq!(config, ["signing-key", "signing-key.pub"]);
    assert!(!env.tmp.path().join("xdg-data").exists());
}

#[test]
fn damage_in_the_middle_stops_that_dispute_only() {
    let env = Env::new();
    let good = env.open_gscb(&[]);
    let bad = env.open_gscb(&[]);
    for id in [&good, &bad] {
        env.ok(&["discuss", id, "--note", "first"]);
        env.ok(&["discuss", id, "--note", "second"]);
    }
    let journal = env.journal(&bad);
    let text = std::fs::read_to_string(&journal).unwrap();
    std::fs::write(&journal, text.replacen("\"first\"", "\"FIRST\"", 1)).unwrap();

    for args in [
        vec!["show", bad.as_str()],
        vec!["discuss", bad.as_str(), "--note", "x"],
        vec!["escalate", bad.as_str(), "--reason", "x"],
        vec!["amend", bad.as_str(), "--event", "1", "--note", "x"],
        vec!["verify", bad.as_str()],
        vec!["status", "--strict"],
    ] {
        let err = env.fails(3, &args);
        assert!(
            err.contains(&format!("{bad}.jsonl is damaged at line 2")),
            "{args:?}: {err}"
        );
        assert!(err.contains("do not match its hash"), "{args:?}: {err}");
    }
    // status lists the sound one and warns about the other.
    let out = env.cmd(&["status", "--json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let rows: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 1);
    assert_eq!(rows[0]["id"], good.as_str());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("dispute {bad} is left out")), "{err}");
    // verify with no IDs still reports the sound one.
    let (code, v) = verify_json(&env, &[]);
    assert_eq!(code, Some(3));
    let by_id = |id: &str| {
        v.as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(by_id(&good)["ok"], true);
    assert_eq!(by_id(&bad)["ok"], false);
    assert_eq!(by_id(&bad)["problem"]["line"], 2);
    let out = env.cmd(&["verify"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(&format!("{good} ok: 3 lines")), "{text}");
    assert!(text.contains(&format!("{bad} DAMAGED at line 2")), "{text}");
}

#[test]
fn verify_checks_the_stage_rules_and_the_pinned_policy() {
    let env = Env::new();
    let id = env.open_gscb(&[]);
    let pinned: Vec<PathBuf> = std::fs::read_dir(env.data().join("policies"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(pinned.len(), 1);
    let original = std::fs::read(&pinned[0]).unwrap();
    let mut changed = original.clone();
    changed.extend_from_slice(b"\n# edited\n");
    std::fs::write(&pinned[0], &changed).unwrap();
    let err = env.fails(3, &["verify"]);
    assert!(err.contains("no longer hashes to its name"), "{err}");
    std::fs::remove_file(&pinned[0]).unwrap();
    let (code, err) = run(&env, &["verify"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("pinned copy of its policy"), "{err}");
    std::fs::write(&pinned[0], &original).unwrap();
    // An event the stage rules forbid, correctly sealed and chained, is caught by
    // replaying the journal under the pinned policy: resolve it, then forge a
    // second resolution by copying that line with the next seq and a fresh seal.
    env.ok(&["resolve", &id, "--outcome", "Agreed"]);
    // Signed afresh (any key may sign while the signers file is absent): a
    // copied signature would make the line not count, and the rules never see it.
    let journal = env.journal(&id);
    let text = std::fs::read_to_string(&journal).unwrap();
    let last = text.lines().last().unwrap();
    let mut r: escalate_core::domain::event::Record = serde_json::from_str(last).unwrap();
    r.seq += 1;
    r.prev = escalate_core::store::journal::line::sha256_hex(last.as_bytes());
    let key = escalate_core::integrity::signing::Key::from_seed(&[3; 32], "k");
    let line = escalate_core::store::journal::line::encode_signed(&mut r, &key).unwrap();
    std::fs::write(&journal, format!("{text}{line}\n")).unwrap();
    std::fs::remove_file(head_path(&env, &id)).unwrap();
    let err = env.fails(3, &["verify"]);
    assert!(err.contains("damaged at line 3"), "{err}");
    assert!(err.contains("does not allow"), "{err}");
}

/// Append a copy of the last line, changed by `edit`, as the next line with a
/// valid seal and chain, as someone re-sealing by hand would.
fn append_resealed(journal: &Path, edit: impl Fn(&mut serde_json::Map<String, Value>)) {
    use sha2::{Digest, Sha256};
    let hex = |b: &[u8]| {
        Sha256::digest(b)
            .iter()
            .map(|x| format!("{x:02x}"))
            .collect::<String>()
    };
    let text = std::fs::read_to_string(journal).unwrap();
    let last = text.lines().last().unwrap();
    let mut v: serde_json::Map<String, Value> = serde_json::from_str(last).unwrap();
    let seq = v["seq"].as_u64().unwrap();
    v.insert("seq".into(), (seq + 1).into());
    v.insert("prev".into(), hex(last.as_bytes()).into());
    v.remove("hash");
    edit(&mut v);
    let body = Value::Object(v).to_string();
    let open = &body[..body.len() - 1];
    let line = format!("{open},\"hash\":\"{}\"}}\n", hex(open.as_bytes()));
    let mut all = text.into_bytes();
    all.extend_from_slice(line.as_bytes());
    std::fs::write(journal, all).unwrap();
}

#[test]
fn every_single_byte_change_fails_verification() {
    let env = Env::new();
    let id = env.open_gscb(&[]);
    env.ok(&["discuss", &id, "--note", "ok"]);
    let journal = env.journal(&id);
    let original = std::fs::read(&journal).unwrap();
    let receipt = head_path(&env, &id);
    let original_receipt = std::fs::read(&receipt).unwrap();
    let started = Instant::now();
    // Two threads share the positions; each flip is checked by the real binary.
    let every = flip_every();
    let positions: Vec<(PathBuf, Vec<u8>, usize)> = (0..original.len())
        .map(|i| (journal.clone(), original.clone(), i))
        .chain((0..original_receipt.len()).map(|i| (receipt.clone(), original_receipt.clone(), i)))
        .step_by(every)
        .collect();
    // Flips must not overlap in time on one data directory, so each thread gets
    // its own copy of it.
    let copies: Vec<Env> = (0..2).map(|_| Env::new()).collect();
    for copy in &copies {
        copy_dir(&env.data(), &copy.data());
    }
    std::thread::scope(|s| {
        for (t, copy) in copies.iter().enumerate() {
            let positions = &positions;
            let id = &id;
            let env = &env;
            s.spawn(move || {
                for (path, bytes, i) in positions.iter().skip(t).step_by(2) {
                    let rel = path.strip_prefix(env.data()).unwrap();
                    let target = copy.data().join(rel);
                    let mut flipped = bytes.clone();
                    flipped[*i] ^= 0x01;
                    std::fs::write(&target, &flipped).unwrap();
                    let status = std_cmd(copy, &["verify", id]).output().unwrap();
                    assert_eq!(
                        status.status.code(),
                        Some(3),
                        "flipping byte {i} of {} went unnoticed",
                        rel.display()
                    );
                    std::fs::write(&target, bytes).unwrap();
                }
            });
        }
    });
    eprintln!(
        "{} single-byte flips checked in {:?}",
        positions.len(),
        started.elapsed()
    );
    env.ok(&["verify"]);
}

/// A tiny deterministic generator (xorshift), so the kill points repeat run to run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn killing_appends_at_random_points_loses_nothing_acknowledged() {
    let env = Env::new();
    let id = env.open_gscb(&[]);
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let mut acknowledged = BTreeSet::new();
    let mut attempted = BTreeSet::new();
    let mut killed = 0;
    let started = Instant::now();
    for i in 0..200 {
        let note = format!("append {i}");
        attempted.insert(note.clone());
        let mut child = std_cmd(&env, &["discuss", &id, "--note", &note])
            .spawn()
            .unwrap();
        // Half run to completion; the rest are killed somewhere in their first
        // 25 ms, which spans start-up, reading, locking and writing.
        if rng.next().is_multiple_of(2) {
            std::thread::sleep(Duration::from_micros(rng.next() % 25_000));
            let _ = child.kill();
        }
        let out = child.wait_with_output().unwrap();
        let status = out.status;
        if status.success() {
            acknowledged.insert(note);
        } else {
            assert_eq!(
                status.code(),
                None,
                "append {i} failed rather than died: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            killed += 1;
        }
    }
    // One more append repairs whatever the last kill left.
    env.ok(&["discuss", &id, "--note", "after"]);
    let (code, err) = run(&env, &["verify"]);
    assert_eq!(code, Some(0), "{err}");
    let present = notes(&env, &id);
    let unique: BTreeSet<String> = present.iter().cloned().collect();
    assert_eq!(unique.len(), present.len(), "an append was recorded twice");
    for note in &acknowledged {
        assert!(unique.contains(note), "acknowledged {note:?} was lost");
    }
    for note in &unique {
        assert!(
            attempted.contains(note) || note == "after",
            "{note:?} appeared from nowhere"
        );
    }
    // Every quarantine file is recorded by a `recovered` line.
    let show = env.json(&["show", &id]);
    let recorded: BTreeSet<&str> = show["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["quarantine"].as_str())
        .collect();
    for entry in std::fs::read_dir(env.data().join("disputes").join("quarantine"))
        .into_iter()
        .flatten()
    {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if name.contains(".torn-") && !name.starts_with('.') {
            assert!(recorded.contains(name.as_str()), "{name} is not recorded");
        }
    }
    eprintln!(
        "200 appends, {killed} killed, {} acknowledged, {} recorded, {} recovered, in {:?}",
        acknowledged.len(),
        unique.len(),
        recorded.len(),
        started.elapsed()
    );
}

/// Every byte is flipped (1), unless ESCALATE_TEST_FLIP_EVERY=N asks for every Nth
/// only, for a quick local run; CI flips them all.
fn flip_every() -> usize {
    std::env::var("ESCALATE_TEST_FLIP_EVERY")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(1)
}

/// How many `discuss` runs each of the two concurrent writers makes: 500, as the
/// issue asks (2 x 500 takes about 25 s in a debug build on two cores; each append
/// re-reads the whole journal, so the cost grows with the square). Set
/// ESCALATE_TEST_CONCURRENT_APPENDS lower for a quick local run.
fn concurrent_appends() -> usize {
    std::env::var("ESCALATE_TEST_CONCURRENT_APPENDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(500)
}

#[test]
fn two_writers_at_once_both_succeed_with_a_valid_chain() {
    let env = Env::new();
    let id = env.open_gscb(&[]);
    let n = concurrent_appends();
    let started = Instant::now();
    std::thread::scope(|s| {
        for writer in ["A", "B"] {
            let env = &env;
            let id = &id;
            s.spawn(move || {
                for i in 0..n {
                    let note = format!("{writer}{i}");
                    let out = std_cmd(env, &["discuss", id, "--note", &note])
                        .output()
                        .unwrap();
                    assert!(
                        out.status.success(),
                        "{note}: {}",
                        String::from_utf8_lossy(&out.stderr)
                    );
                }
            });
        }
    });
    let elapsed = started.elapsed();
    let (code, v) = verify_json(&env, &[]);
    assert_eq!(code, Some(0), "{v}");
    assert_eq!(v[0]["lines"], 2 * n + 1);
    let present = notes(&env, &id);
    for writer in ["A", "B"] {
        // Each writer's own appends appear in the order it made them.
        let mine: Vec<&String> = present.iter().filter(|n| n.starts_with(writer)).collect();
        let expected: Vec<String> = (0..n).map(|i| format!("{writer}{i}")).collect();
        assert_eq!(mine, expected.iter().collect::<Vec<_>>());
    }
    eprintln!("{} concurrent appends in {elapsed:?}", 2 * n);
}

#[test]
fn a_command_that_cannot_get_the_lock_says_so_and_writes_nothing() {
    let env = Env::new();
    let id = env.open_gscb(&[]);
    let holder = std::fs::OpenOptions::new()
        .read(true)
        .append(true)
        .open(env.journal(&id))
        .unwrap();
    holder.lock().unwrap();
    let started = Instant::now();
    let err = env.fails(1, &["discuss", &id, "--note", "blocked"]);
    assert!(
        err.contains("is in use by another escalate command; nothing was written"),
        "{err}"
    );
    assert!(started.elapsed() >= Duration::from_secs(4));
    drop(holder);
    env.ok(&["discuss", &id, "--note", "now"]);
}

#[test]
fn amend_and_reopen_add_lines_and_never_edit() {
    let env = Env::new();
    let id = env.open_gscb(&[]);
    env.ok(&["discuss", &id, "--note", "Spoke to A. Smyth"]);
    let before = std::fs::read(env.journal(&id)).unwrap();
    let err = env.fails(1, &["amend", &id, "--event", "9", "--note", "x"]);
    assert!(
        err.contains(&format!("dispute {id} has no line 9")),
        "{err}"
    );
    env.fails(1, &["amend", &id, "--event", "0", "--note", "x"]);
    env.fails(2, &["amend", &id, "--event", "two", "--note", "x"]);
    let err = env.fails(1, &["reopen", &id, "--reason", "x"]);
    assert!(
        err.contains("only a resolved dispute can be reopened"),
        "{err}"
    );

    let out = env.ok(&["amend", &id, "--event", "2", "--note", "Name is A. Smith"]);
    assert!(out.contains("Recorded a correction to line 2"), "{out}");
    let show = env.ok(&["show", &id]);
    assert!(
        show.contains("discussed at stage 1: Spoke to A. Smyth"),
        "{show}"
    );
    assert!(
        show.contains("correction (line 3, Jo Bloggs (DSL)): Name is A. Smith"),
        "{show}"
    );
    env.ok(&["resolve", &id, "--outcome", "Agreed"]);
    env.fails(1, &["discuss", &id, "--note", "late"]);
    let v = env.json(&["reopen", &id, "--reason", "Concerns returned"]);
    assert_eq!(v["state"], "open");
    assert_eq!(v["stage"], 1);
    env.ok(&["discuss", &id, "--note", "again"]);
    env.ok(&["amend", &id, "--event", "4", "--note", "Resolved by phone"]);
    let after = std::fs::read(env.journal(&id)).unwrap();
    assert!(after.starts_with(&before), "an earlier line was rewritten");
    let kinds: Vec<String> = env.json(&["show", &id])["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        kinds,
        [
            "opened",
            "discussed",
            "amended",
            "resolved",
            "reopened",
            "discussed",
            "amended"
        ]
    );
    env.ok(&["verify"]);
}

#[test]
fn hostile_ids_never_reach_the_file_system() {
    let env = Env::new();
    let id = env.open_gscb(&[]);
    // Something a traversal would find if an ID ever became a path.
    std::fs::write(env.tmp.path().join("secret.jsonl"), "x").unwrap();
    for bad in [
        "../secret",
        "..",
        "../../etc/passwd",
        "A/B",
        "/etc/passwd",
        "AB\u{1}CD",
        "AB\u{1b}[2J",
        "%2e%2e",
        "ÄBC",
        "12345678901",
        "",
    ] {
        for cmd in [
            vec!["show", bad],
            vec!["verify", bad],
            vec!["discuss", bad, "--note", "x"],
            vec!["amend", bad, "--event", "1", "--note", "x"],
            vec!["reopen", bad, "--reason", "x"],
        ] {
            let err = env.fails(2, &cmd);
            assert!(err.contains("is not a dispute ID"), "{cmd:?}: {err}");
            assert!(
                !err.contains('\u{1b}'),
                "{cmd:?}: control characters echoed"
            );
        }
    }
    env.ok(&["show", &id]);
}

#[test]
fn hostile_text_is_refused_with_the_limit() {
    let env = Env::new();
    let id = env.open_gscb(&[]);
    let long = "é".repeat(20_001);
    let err = env.fails(1, &["discuss", &id, "--note", &long]);
    assert!(
        err.contains("--note is 20001 characters long; the limit is 20000"),
        "{err}"
    );
    let err = env.fails(1, &["amend", &id, "--event", "1", "--note", &long]);
    assert!(err.contains("the limit is 20000"), "{err}");
    let err = env.fails(1, &["discuss", &id, "--note", "a\u{1b}[2Jb"]);
    assert!(
        err.contains("--note contains a control character (U+001B)"),
        "{err}"
    );
    let name = "x".repeat(201);
    let err = env.fails(1, &["discuss", &id, "--note", "n", "--with", &name]);
    assert!(
        err.contains("--with is 201 characters long; the limit is 200"),
        "{err}"
    );
    // NUL cannot be passed in an argument at all (the OS refuses it); the text
    // check refusing it is unit-tested in text.rs. Any other Unicode is kept.
    let note = "Zoë «non» 😟 صباح";
    env.ok(&["discuss", &id, "--note", note]);
    assert!(notes(&env, &id).contains(&note.to_owned()));
}

#[test]
fn arguments_that_are_not_utf8_are_a_usage_error() {
    use std::os::unix::ffi::OsStrExt;
    let env = Env::new();
    let id = env.open_gscb(&[]);
    let bad = std::ffi::OsStr::from_bytes(b"caf\xe9");
    let before = env.snapshot();
    for args in [
        vec![std::ffi::OsStr::new("show"), bad],
        vec![
            std::ffi::OsStr::new("discuss"),
            std::ffi::OsStr::new(&id),
            std::ffi::OsStr::new("--note"),
            bad,
        ],
    ] {
        let out = env.cmd(&[]).args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("invalid UTF-8"), "{err}");
    }
    assert_eq!(before, env.snapshot());
}

fn assert_private_file(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "{} is {mode:o}", path.display());
}

/// Plant a file that is not a journal escalate wrote, and check every command that
/// meets it names the dispute and the problem, and changes nothing.
fn check_hostile_journal(env: &Env, id: &str, problem: &str, show_code: i32) {
    let err = env.fails(show_code, &["show", id]);
    assert!(err.contains(&format!("{id}.jsonl")), "show {id}: {err}");
    assert!(err.contains(problem), "show {id}: {err}");
    let err = env.fails(show_code, &["discuss", id, "--note", "x"]);
    assert!(err.contains(problem), "discuss {id}: {err}");
    let err = env.fails(3, &["verify", id]);
    assert!(err.contains(problem), "verify {id}: {err}");
    // status leaves it out, says why, and lists the others.
    let before = env.snapshot();
    let out = env.cmd(&["status", "--json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("dispute {id} is left out")), "{err}");
    assert!(err.contains(problem), "{err}");
    let rows: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(!rows.as_array().unwrap().is_empty());
    assert_eq!(before, env.snapshot());
}

#[test]
fn hostile_journal_files_give_a_clear_error_and_change_nothing() {
    let env = Env::new();
    let sound = env.open_gscb(&[]);
    let dir = env.data().join("disputes");

    let huge = "AAAAAAAAA1";
    let f = std::fs::File::create(dir.join(format!("{huge}.jsonl"))).unwrap();
    f.set_len(64 * 1024 * 1024 + 1).unwrap();
    drop(f);
    check_hostile_journal(&env, huge, "more than the 67108864-byte limit", 3);
    std::fs::remove_file(dir.join(format!("{huge}.jsonl"))).unwrap();

    let empty = "AAAAAAAAA2";
    std::fs::write(dir.join(format!("{empty}.jsonl")), b"").unwrap();
    check_hostile_journal(&env, empty, "the journal is empty", 3);

    let binary = "AAAAAAAAA3";
    std::fs::write(
        dir.join(format!("{binary}.jsonl")),
        b"\x7fELF\x02\x01\x01\x00\xff\xfe\n\x00\x00",
    )
    .unwrap();
    check_hostile_journal(&env, binary, "not UTF-8", 3);

    let directory = "AAAAAAAAA4";
    std::fs::create_dir(dir.join(format!("{directory}.jsonl"))).unwrap();
    check_hostile_journal(&env, directory, "it is a directory, not a journal file", 3);

    let link = "AAAAAAAAA5";
    let outside = env.tmp.path().join("outside.jsonl");
    std::fs::copy(env.journal(&sound), &outside).unwrap();
    std::os::unix::fs::symlink(&outside, dir.join(format!("{link}.jsonl"))).unwrap();
    check_hostile_journal(&env, link, "it is a symbolic link", 3);
    assert_eq!(
        std::fs::read(&outside).unwrap(),
        std::fs::read(env.journal(&sound)).unwrap()
    );

    let locked = "AAAAAAAAA6";
    let path = dir.join(format!("{locked}.jsonl"));
    std::fs::copy(env.journal(&sound), &path).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&path).is_err() {
        // Not as root, where permissions do not bite.
        check_hostile_journal(&env, locked, "Permission denied", 1);
    }
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    env.ok(&["show", &sound]);
    let (code, _) = run(&env, &["verify", &sound]);
    assert_eq!(code, Some(0));
}

#[test]
fn files_and_directories_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let env = Env::new();
    let id = env.open_gscb(&[]);
    env.ok(&["discuss", &id, "--note", "x"]);
    for dir in [
        env.data(),
        env.data().join("disputes"),
        env.data().join("policies"),
    ] {
        let mode = std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700, "{} is {mode:o}", dir.display());
    }
    for entry in std::fs::read_dir(env.data().join("disputes"))
        .unwrap()
        .chain(std::fs::read_dir(env.data().join("policies")).unwrap())
    {
        assert_private_file(&entry.unwrap().path());
    }
    assert!(head_path(&env, &id).is_file());
    // Nothing about a dispute is written anywhere but the data directory; the
    // config directory holds only the user's own signing key, private too.
    for entry in std::fs::read_dir(env.config()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        assert!(name.starts_with("signing-key"), "{name}");
        assert_private_file(&path);
    }
    assert!(!env.tmp.path().join("xdg-data").exists());
}

#[test]
fn errors_and_warnings_name_disputes_by_id_only() {
    let env = Env::new();
    let id = env.open_gscb(&[]);
    let other = env.open_gscb(&[]);
    let mut all = String::new();
    let mut collect = |args: &[&str]| {
        let (_, err) = run(&env, args);
        all.push_str(&err);
    };
    collect(&["escalate", &id, "--reason", "r"]);
    collect(&["amend", &id, "--event", "7", "--note", "n"]);
    collect(&["reopen", &id, "--reason", "r"]);
    collect(&["discuss", &id, "--note", "a\u{7}"]);
    // A torn write, then damage whose sealed line holds the child's reference where
    // a number belongs (so a parser's own message would quote it).
    let journal = env.journal(&other);
    let mut bytes = std::fs::read(&journal).unwrap();
    bytes.extend_from_slice(format!("{{\"seq\":2,\"child\":\"{CHILD}\"").as_bytes());
    std::fs::write(&journal, &bytes).unwrap();
    collect(&["show", &other]);
    collect(&["status"]);
    collect(&["verify"]);
    env.ok(&["discuss", &other, "--note", "recover"]);
    append_resealed(&journal, |v| {
        v.insert("stage".into(), format!("{CHILD} {SUMMARY}").into());
    });
    collect(&["show", &other]);
    collect(&["status"]);
    collect(&["verify"]);
    collect(&["verify", "--json"]);
    assert!(all.contains(&other), "{all}");
    assert!(!all.contains(CHILD), "{all}");
    assert!(!all.contains(SUMMARY), "{all}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn arbitrary_arguments_never_panic(
        sub in prop::sample::select(vec![
            "open", "discuss", "escalate", "notify", "resolve", "status", "show",
            "verify", "amend", "reopen",
        ]),
        args in prop::collection::vec("[^\u{0}]{0,30}", 0..5),
        flags in prop::collection::vec(prop::sample::select(vec![
            "--note", "--event", "--reason", "--at", "--due", "--with", "--policy",
            "--child", "--summary", "--outcome", "--who", "--json", "--as-of", "--to",
        ]), 0..4),
    ) {
        let env = Env::new();
        let id = env.open_gscb(&[]);
        let mut argv: Vec<String> = vec![sub.to_owned()];
        if !args.is_empty() && args[0].len().is_multiple_of(2) {
            argv.push(id.clone());
        }
        for (i, a) in args.iter().enumerate() {
            if let Some(f) = flags.get(i) {
                argv.push((*f).to_owned());
            }
            argv.push(a.clone());
        }
        let refs: Vec<&str> = argv.iter().map(String::as_str).collect();
        let out = env.cmd(&refs).output().unwrap();
        let code = out.status.code();
        let err = String::from_utf8_lossy(&out.stderr);
        prop_assert!(matches!(code, Some(0..=3)), "{argv:?}: {code:?} {err}");
        prop_assert!(!err.contains("panicked"), "{argv:?}: {err}");
        prop_assert!(env.cmd(&["verify"]).output().unwrap().status.code() == Some(0));
    }
}
