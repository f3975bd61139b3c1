//! `escalate verify`: the head hash as a receipt, a removed last line, every
//! single-byte change, the stage rules and pinned policy, corrections that refer to
//! real events, lines dated after the clock, and checkpoints (`--against FILE
//! --root HASH`) that cannot be edited quietly.

use crate::support::journals::{head_path, run, std_cmd, verify_json};
use crate::support::programs::stderr_of;
use crate::support::{copy_dir, Env};
use escalate_core::domain::event::{Event, Record};
use escalate_core::store::journal::line;
use serde_json::Value;
use std::path::PathBuf;
use std::time::Instant;

/// A dispute with a couple of lines and a checkpoint kept outside the data
/// directory. Returns (checkpoint path, its root).
fn taken(env: &Env) -> (PathBuf, String) {
    let id = env.open_gscb(&[]);
    env.ok(&["discuss", &id, "--note", "Phoned the duty manager"]);
    let dir = env.tmp.path().join("elsewhere");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("2026-11.txt");
    let out = env
        .cmd(&["verify", "--checkpoint", path.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = std::fs::read_to_string(&path).unwrap();
    let root = text
        .lines()
        .find_map(|l| l.strip_prefix("root "))
        .unwrap()
        .to_owned();
    // The note on stderr gives the same root to write down.
    assert!(String::from_utf8_lossy(&out.stderr).contains(&root));
    (path, root)
}

fn against(env: &Env, path: &std::path::Path, root: Option<&str>) -> (Option<i32>, String, String) {
    let mut args = vec!["verify", "--against", path.to_str().unwrap()];
    if let Some(r) = root {
        args.extend(["--root", r]);
    }
    let out = env.cmd(&args).output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_checkpoint_is_signed_and_checks_against_the_root_kept_elsewhere() {
    let env = Env::new();
    let (path, root) = taken(&env);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("escalate-checkpoint 2\ntaken "), "{text}");
    assert!(
        text.contains("\nby \"Jo Bloggs (DSL)\"\nkey ssh-ed25519 "),
        "{text}"
    );
    assert!(text.contains("\ncalendar working-days "), "{text}");
    assert!(text.lines().last().unwrap().starts_with("sig "), "{text}");
    let (code, out, err) = against(&env, &path, Some(&root.to_uppercase()));
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("the root you gave"), "{out}");
}

#[test]
fn an_edited_checkpoint_fails_with_exit_3_whichever_byte_was_changed() {
    let env = Env::new();
    let (path, root) = taken(&env);
    let text = std::fs::read_to_string(&path).unwrap();
    // The time it was taken, a comment, a count, the root, the signature.
    let edits = [
        text.replacen("taken 2026-11-23", "taken 2026-10-23", 1),
        text.replacen("\nby \"Jo", "\nby \"Al", 1),
        text.replacen("\nroot ", "\n# note\nroot ", 1),
        text.replacen(" 2 ", " 1 ", 1),
        text.replacen(&root, &"0".repeat(64), 1),
        text.replacen("\nsig U", "\nsig V", 1),
    ];
    for (i, edited) in edits.iter().enumerate() {
        assert_ne!(edited, &text, "edit {i} changed nothing");
        let bad = env.tmp.path().join(format!("edited-{i}.txt"));
        std::fs::write(&bad, edited).unwrap();
        let (code, out, err) = against(&env, &bad, Some(&root));
        assert_eq!(code, Some(3), "edit {i}: {out}{err}");
        assert!(err.contains(&format!("edited-{i}.txt")), "edit {i}: {err}");
    }
}

#[test]
fn a_checkpoint_remade_by_someone_else_is_caught_by_the_root_kept_elsewhere() {
    let env = Env::new();
    let (path, root) = taken(&env);
    // An insider rewrites the checkpoint whole: new counts, a new root, and a
    // valid signature by a key of their own. It is consistent in itself.
    let text = std::fs::read_to_string(&path).unwrap();
    let mut entries = Vec::new();
    for line in text.lines() {
        let parts: Vec<&str> = line.split(' ').collect();
        if let [id, n, head] = parts.as_slice() {
            if head.len() == 64 && *n != "left" {
                entries.push(escalate_core::integrity::checkpoint::Entry {
                    id: (*id).to_owned(),
                    lines: 1,
                    head: (*head).to_owned(),
                });
            }
        }
    }
    let intruder = escalate_core::integrity::signing::Key::from_seed(&[9; 32], "intruder");
    let (forged, forged_root) = escalate_core::integrity::checkpoint::render(
        &escalate_core::integrity::checkpoint::Taker {
            taken: "2026-11-23T09:00:00+00:00",
            by: "Jo Bloggs (DSL)",
            key: &intruder,
        },
        entries,
        None,
        &[],
        &[],
    )
    .unwrap();
    std::fs::write(&path, forged).unwrap();
    let (code, out, err) = against(&env, &path, Some(&root));
    assert_eq!(code, Some(3), "{out}{err}");
    assert!(err.contains(&forged_root) && err.contains(&root), "{err}");
    assert!(err.contains("the root you gave"), "{err}");
}

#[test]
fn a_bad_root_is_a_usage_error_and_needs_against() {
    let env = Env::new();
    let (path, _) = taken(&env);
    let err = env.fails(
        2,
        &[
            "verify",
            "--against",
            path.to_str().unwrap(),
            "--root",
            "abc",
        ],
    );
    assert!(err.contains("64 hex digits"), "{err}");
    env.fails(2, &["verify", "--root", &"a".repeat(64)]);
}

#[test]
fn a_format_1_checkpoint_still_reads_and_says_what_it_cannot_prove() {
    let env = Env::new();
    let (path, _) = taken(&env);
    // The same disputes as a format-1 checkpoint (what escalate wrote before).
    let text = std::fs::read_to_string(&path).unwrap();
    let entries: Vec<&str> = text
        .lines()
        .filter(|l| {
            let parts: Vec<&str> = l.split(' ').collect();
            parts.len() == 3 && parts[0].len() == 10 && parts[2].len() == 64
        })
        .collect();
    let mut body = String::new();
    for e in &entries {
        body.push_str(e);
        body.push('\n');
    }
    let root = escalate_core::store::journal::line::sha256_hex(body.as_bytes());
    let old = env.tmp.path().join("old.txt");
    std::fs::write(
        &old,
        format!("escalate-checkpoint 1\ntaken 2026-11-01T09:00:00+00:00\n{body}root {root}\n"),
    )
    .unwrap();
    let (code, out, err) = against(&env, &old, Some(&root));
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(
        err.contains("format 1") && err.contains("not signed"),
        "{err}"
    );
    // Its taken line is outside its root: that is what it cannot prove.
    std::fs::write(
        &old,
        format!("escalate-checkpoint 1\ntaken 2020-01-01T09:00:00+00:00\n{body}root {root}\n"),
    )
    .unwrap();
    let (code, _, _) = against(&env, &old, Some(&root));
    assert_eq!(code, Some(0));
}

#[test]
fn a_retroactive_calendar_change_is_named_and_a_later_one_is_not_evidence() {
    let env = Env::new();
    let (path, _) = taken(&env);
    let (code, _, err) = against(&env, &path, None);
    assert_eq!(code, Some(0));
    assert!(!err.contains("calendar changed"), "{err}");

    // A closure after the checkpoint's day: the file changed, no past day did.
    env.ok(&[
        "calendar",
        "close",
        "2026-12-01",
        "--reason",
        "Training day",
    ]);
    let (code, _, err) = against(&env, &path, None);
    assert_eq!(code, Some(0));
    assert!(
        err.contains("calendar changed since the checkpoint") && err.contains("only after it"),
        "{err}"
    );

    // A closure before it: days already counted change.
    env.ok(&["calendar", "close", "2026-11-16", "--reason", "Flood"]);
    let (code, _, err) = against(&env, &path, None);
    assert_eq!(code, Some(0));
    assert!(
        err.contains("calendar changed since the checkpoint"),
        "{err}"
    );
    assert!(err.contains("deadlines that had already passed"), "{err}");
    assert!(err.contains("calendar/closures.json"), "{err}");
}

/// `verify` checks that every correction refers to a real event: a correction of
/// line 99, sealed and chained as escalate would, is damage.
#[test]
fn verify_checks_every_correction_refers_to_a_real_event() {
    use sha2::{Digest, Sha256};
    let env = Env::new();
    let id = env.open_gscb(&[]);
    env.ok(&[
        "amend",
        &id,
        "--event",
        "1",
        "--happened",
        "2026-11-23 08:30",
        "--note",
        "opened at half past eight",
    ]);
    assert!(env.ok(&["verify", &id]).contains("ok"));
    let journal = env.journal(&id);
    let hex = |b: &[u8]| {
        Sha256::digest(b)
            .iter()
            .map(|x| format!("{x:02x}"))
            .collect::<String>()
    };
    let text = std::fs::read_to_string(&journal).unwrap();
    let last = text.lines().last().unwrap();
    // Signed afresh (any key may sign while the signers file is absent): a line
    // whose signature fails does not count, and its correction is never looked at.
    let mut r: escalate_core::domain::event::Record = serde_json::from_str(last).unwrap();
    // A forged line's text is written in clear, as any line's may be.
    r.sealed = None;
    r.seq = 3;
    if let escalate_core::domain::event::Event::Amended { event, target, .. } = &mut r.event {
        // By number: the line it names does not exist.
        (*event, *target) = (99, None);
    }
    r.nonce = None;
    r.prev = hex(last.as_bytes());
    let key = escalate_core::integrity::signing::Key::from_seed(&[3; 32], "k");
    let line = escalate_core::store::journal::line::encode_signed(&mut r, &key).unwrap();
    std::fs::write(&journal, text + &line + "\n").unwrap();
    let _ = std::fs::remove_file(journal.with_extension("head"));
    let err = env.fails(3, &["verify", &id]);
    assert!(
        err.contains("line 3") && err.contains("corrected time for line 99"),
        "{err}"
    );
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
    // resolution at a stage it never reached by copying that line with the next
    // seq and a fresh seal. (A second resolution at stage 1 would be two
    // agencies' offline records in conflict: inert, not damage.)
    env.ok(&["resolve", &id, "--outcome", "Agreed"]);
    // Signed afresh (any key may sign while the signers file is absent): a
    // copied signature would make the line not count, and the rules never see it.
    let journal = env.journal(&id);
    let text = std::fs::read_to_string(&journal).unwrap();
    let last = text.lines().last().unwrap();
    let mut r: escalate_core::domain::event::Record = serde_json::from_str(last).unwrap();
    // A forged line's text is written in clear, as any line's may be.
    r.sealed = None;
    r.seq += 1;
    r.event = escalate_core::domain::event::Event::Resolved {
        stage: 3,
        outcome: "Agreed".into(),
    };
    r.nonce = None;
    r.prev = escalate_core::store::journal::line::sha256_hex(last.as_bytes());
    let key = escalate_core::integrity::signing::Key::from_seed(&[3; 32], "k");
    let line = escalate_core::store::journal::line::encode_signed(&mut r, &key).unwrap();
    std::fs::write(&journal, format!("{text}{line}\n")).unwrap();
    std::fs::remove_file(head_path(&env, &id)).unwrap();
    let err = env.fails(3, &["verify"]);
    assert!(err.contains("damaged at line 3"), "{err}");
    assert!(err.contains("does not allow"), "{err}");
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

/// Every byte is flipped (1), unless ESCALATE_TEST_FLIP_EVERY=N asks for every Nth
/// only, for a quick local run; CI flips them all.
fn flip_every() -> usize {
    std::env::var("ESCALATE_TEST_FLIP_EVERY")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(1)
}

// A line dated after this computer's clock is flagged.

#[test]
fn show_and_verify_flag_a_line_dated_after_the_clock() {
    let mut env = Env::new();
    let id = env.open_gscb(&[]);
    env.now("2026-11-20T09:00:00Z");
    for args in [vec!["show", &id], vec!["verify"], vec!["verify", &id]] {
        let out = env.cmd(&args).output().unwrap();
        assert!(out.status.success(), "{args:?}: {out:?}");
        let err = stderr_of(&out);
        assert!(
            err.contains("line 1 is dated Mon 23 Nov 2026 09:00, after this computer's clock (Fri 20 Nov 2026 09:00)"),
            "{args:?}: {err}"
        );
    }
    // A clock a minute or two apart is not worth a word.
    env.now("2026-11-23T08:58:00Z");
    let out = env.cmd(&["show", &id]).output().unwrap();
    assert!(!stderr_of(&out).contains("after this computer's clock"));
}

// Speed-ups that must not change a verdict (issue #32): signatures checked in
// batches still name the exact line that fails, and the generator's data is the
// user's own.

/// Line `n` (from 1) of a journal changed by hand after it was signed, then
/// sealed and chained again as a careful forger would, so that only its
/// signature (and those after it, whose `prev` moved) can tell.
pub(crate) fn rewrite_line(path: &std::path::Path, n: usize) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    for i in n - 1..lines.len() {
        let mut r: Record = serde_json::from_str(&lines[i]).unwrap();
        // A forged line's text is written in clear, as any line's may be.
        r.sealed = None;
        if i == n - 1 {
            r.event = Event::Discussed {
                stage: 1,
                note: "Agreed, no further action".into(),
                with: None,
            };
        }
        if i > 0 {
            r.prev = line::sha256_hex(lines[i - 1].as_bytes());
        }
        lines[i] = line::encode(&r).unwrap();
    }
    std::fs::write(path, lines.join("\n") + "\n").unwrap();
    let head = path.with_extension("head");
    let last = lines.last().unwrap();
    std::fs::write(
        head,
        format!("{} {}\n", lines.len(), line::sha256_hex(last.as_bytes())),
    )
    .unwrap();
}

#[test]
fn a_line_whose_signature_fails_deep_in_a_batch_is_named_exactly() {
    // 300 signed lines: several batches, checked on more than one thread. The
    // changed line sits inside a batch, not at its start, so a batch that failed
    // and was blamed on its first line would name another line.
    let env = Env::new();
    let id = escalate_core::generate::long_journal(&env.data(), 300, 11).unwrap();
    env.ok(&["verify"]);
    rewrite_line(&env.journal(id.as_str()), 203);
    for args in [vec!["verify"], vec!["verify", id.as_str()]] {
        let out = env.cmd(&args).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(3), "{text}");
        assert!(
            text.contains(&format!(
                "{id} DAMAGED at line 203: its signature does not match"
            )),
            "{text}"
        );
    }
}

#[test]
fn generated_data_is_signed_as_the_users_own_work() {
    let env = Env::new();
    // The user's key, as `escalate` makes it, and a signers line allowing it
    // for as long as the generated data goes back.
    env.ok(&["key", "new"]);
    let keys = escalate_core::integrity::signing::Keyring::new(Some(env.config()), env.data());
    let key = keys.existing().unwrap().expect("the user's key");
    let since = escalate_core::domain::clock::parse_instant("2020-01-01T00:00:00Z").unwrap();
    let allowed = escalate_core::integrity::signing::signers_line(&env.user, &key, &since, None);
    let author = escalate_core::generate::Author {
        key: &key,
        name: &env.user,
    };
    escalate_core::generate::generate_by(&env.data(), 5, 3, Some(&author)).unwrap();
    escalate_core::generate::long_journal_by(&env.data(), 40, 3, Some(&author)).unwrap();
    std::fs::write(env.data().join("signers"), format!("{allowed}\n")).unwrap();
    let text = env.ok(&["verify"]);
    assert_eq!(text.matches(" ok").count(), 6, "{text}");
    // The seed's own key is not the user's: a signers file naming only the user
    // refuses its lines.
    let other = Env::new();
    escalate_core::generate::generate(&other.data(), 1, 3).unwrap();
    std::fs::write(other.data().join("signers"), format!("{allowed}\n")).unwrap();
    let out = other.cmd(&["verify"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
}
