//! Appending to a journal through the real binary: torn writes from crashes are
//! reported then quarantined, damage in the middle stops that dispute only,
//! concurrent appends and the lock timeout, private file modes, and errors that
//! name disputes by ID only, never a child.

use crate::support::journals::{head_path, notes, run, std_cmd, verify_json};
use crate::support::Env;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};

const CHILD: &str = "LCS-40213";

const SUMMARY: &str = "Referral judged below threshold";

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
    // Line 2 changed where it is in clear (its note is sealed).
    std::fs::write(
        &journal,
        text.replacen(
            "\"kind\":\"discussed\",\"stage\":1",
            "\"kind\":\"discussed\",\"stage\":2",
            1,
        ),
    )
    .unwrap();

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

fn assert_private_file(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "{} is {mode:o}", path.display());
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
