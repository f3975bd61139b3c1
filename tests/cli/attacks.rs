//! An insider with write access to the data directory attacks journals, each way
//! issue 16 found: delete, append, swap, copy, rewrite with recomputed hashes,
//! plant FIFOs, fill a journal to its limit, disguise text, follow links. Each
//! attack must be refused, or reported by `verify` with exit 3 naming the file and
//! the line, with the signers file in place and against a checkpoint taken before.
//! Hostile IDs, arguments and journal files never reach the file system or panic.

use crate::support::journals::run;
use crate::support::Env;
use escalate_core::domain::event::{Event, Record};
use escalate_core::store::journal::line;
use proptest::prelude::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command as StdCommand, Stdio};
use std::time::{Duration, Instant};

/// A dispute with a few signed lines, the user's key in the signers file, and a
/// checkpoint kept outside the data directory. Returns (ID, checkpoint path).
fn setup(env: &Env) -> (String, PathBuf) {
    let id = env.open_gscb(&[]);
    env.ok(&["discuss", &id, "--note", "Phoned the duty manager"]);
    env.ok(&["escalate", &id, "--reason", "No agreement at stage 1"]);
    pin_signers(env);
    let checkpoint = checkpoint(env, "before.txt");
    (id, checkpoint)
}

fn pin_signers(env: &Env) {
    let shown = env.json(&["key", "show"]);
    let line = shown["signers_line"].as_str().unwrap();
    std::fs::write(env.data().join("signers"), format!("{line}\n")).unwrap();
}

/// Take a checkpoint into a file outside the data directory.
fn checkpoint(env: &Env, name: &str) -> PathBuf {
    let dir = env.tmp.path().join("elsewhere");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    let out = env
        .cmd(&["verify", "--checkpoint", path.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    path
}

/// Run `verify` with `args`; returns (exit code, stdout + stderr).
fn verify(env: &Env, args: &[&str]) -> (Option<i32>, String) {
    let mut all = vec!["verify"];
    all.extend_from_slice(args);
    let out = env.cmd(&all).output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!text.contains("panicked"), "{text}");
    (out.status.code(), text)
}

/// verify (signers pinned) and verify --against the checkpoint both exit 3,
/// naming the journal file and the line.
fn assert_caught(env: &Env, cp: &Path, id: &str, plain_line: Option<usize>, against_line: usize) {
    let file = format!("{id}.jsonl is damaged");
    if let Some(n) = plain_line {
        let (code, text) = verify(env, &[]);
        assert_eq!(code, Some(3), "{text}");
        assert!(text.contains(&format!("{file} at line {n}")), "{text}");
    }
    let (code, text) = verify(env, &["--against", cp.to_str().unwrap()]);
    assert_eq!(code, Some(3), "{text}");
    assert!(
        text.contains(&format!("{file} at line {against_line}")),
        "{text}"
    );
}

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

fn head_path(env: &Env, id: &str) -> PathBuf {
    env.data().join("disputes").join(format!("{id}.head"))
}

/// The line after `last`, sealed and chained like escalate's own.
fn forge(
    last: &str,
    event: Event,
    key: Option<&escalate_core::integrity::signing::Key>,
    by: &str,
) -> String {
    let prev: Record = serde_json::from_str(last).unwrap();
    let mut r = Record {
        v: None,
        seq: prev.seq + 1,
        at: prev.at,
        happened: None,
        by: by.into(),
        event,
        sealed: None,
        prev: line::sha256_hex(last.as_bytes()),
        dispute: prev.dispute.clone(),
        nonce: None,
        signer: None,
        sig: None,
        hash: String::new(),
    };
    match key {
        Some(k) => line::encode_signed(&mut r, k).unwrap(),
        None => line::encode(&r).unwrap(),
    }
}

fn write_receipt(env: &Env, id: &str, text: &[String]) {
    let last = text.last().unwrap();
    std::fs::write(
        head_path(env, id),
        format!("{} {}\n", text.len(), line::sha256_hex(last.as_bytes())),
    )
    .unwrap();
}

fn write_lines(path: &Path, text: &[String]) {
    std::fs::write(path, text.join("\n") + "\n").unwrap();
}

#[test]
fn deleting_the_last_line_and_its_receipt_is_caught_and_never_erased() {
    let env = Env::new();
    let (id, cp) = setup(&env);
    let journal = env.journal(&id);
    let mut text = lines(&journal);
    assert!(text[2].contains("\"kind\":\"escalated\""));
    text.pop();
    write_lines(&journal, &text);
    std::fs::remove_file(head_path(&env, &id)).unwrap();
    let (code, out) = verify(&env, &[]);
    assert_eq!(code, Some(3), "{out}");
    assert!(out.contains("nothing shows a crash"), "{out}");
    assert!(!out.contains("interrupted"), "{out}");
    assert_caught(&env, &cp, &id, Some(2), 3);
    // The next ordinary append records the finding in the journal itself; the
    // checkpoint still shows the removal.
    env.ok(&["discuss", &id, "--note", "Carrying on"]);
    let show = env.json(&["show", &id]);
    assert_eq!(show["events"][2]["kind"], "receipt_repaired");
    assert_eq!(show["events"][2]["evidence"], "none");
    let (code, out) = verify(&env, &[]);
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains("line 3 records: there was no head receipt"),
        "{out}"
    );
    assert_caught(&env, &cp, &id, None, 3);
}

#[test]
fn a_forged_line_is_caught_by_its_signature() {
    let env = Env::new();
    let (id, cp) = setup(&env);
    let journal = env.journal(&id);
    let clean = std::fs::read(&journal).unwrap();
    let clean_receipt = std::fs::read(head_path(&env, &id)).unwrap();
    let resolved = Event::Resolved {
        stage: 2,
        outcome: "Agreed".into(),
    };
    let victim = env.user.clone();
    let intruder = escalate_core::integrity::signing::Key::from_seed(&[9; 32], "intruder");
    // Unsigned, signed by a key the signers file does not list, and a signature
    // copied from another line: each with a receipt written to match.
    let last = lines(&journal).pop().unwrap();
    let copied_sig = {
        let genuine: Record = serde_json::from_str(&last).unwrap();
        genuine.sig.unwrap()
    };
    let forgeries = [
        (forge(&last, resolved.clone(), None, &victim), "not signed"),
        (
            forge(&last, resolved.clone(), Some(&intruder), &victim),
            "which the signers file does not list",
        ),
        (
            {
                let signed = forge(&last, resolved.clone(), Some(&intruder), &victim);
                let mut r: Record = serde_json::from_str(&signed).unwrap();
                r.sig = Some(copied_sig.clone());
                r.signer = serde_json::from_str::<Record>(&last).unwrap().signer;
                line::encode(&r).unwrap()
            },
            "signature does not match",
        ),
    ];
    for (forged, why) in forgeries {
        std::fs::write(&journal, &clean).unwrap();
        let mut text = lines(&journal);
        text.push(forged);
        write_lines(&journal, &text);
        write_receipt(&env, &id, &text);
        // The forgery would read as resolved, which is what makes it an attack;
        // a line that does not verify never counts (issue 25), so it reads open.
        assert_eq!(env.json(&["show", &id])["state"], "open");
        let (code, out) = verify(&env, &[]);
        assert_eq!(code, Some(3), "{why}: {out}");
        assert!(out.contains(why), "{why}: {out}");
        assert!(
            out.contains(&format!("{id}.jsonl is damaged at line 4")),
            "{out}"
        );
        // A forged line appends: the checkpoint alone cannot see it.
        let (code, out) = verify(&env, &["--against", cp.to_str().unwrap()]);
        assert_eq!(code, Some(3), "{out}");
    }
    // Recording is never blocked by the signers file: a colleague not yet listed
    // can still record; verify names the line until the file lists them.
    std::fs::write(&journal, &clean).unwrap();
    std::fs::write(head_path(&env, &id), &clean_receipt).unwrap();
    let mut colleague = env_with_user(&env, "Sam Newcolleague");
    // A minute on: two people's lines of the same second fold by signer.
    colleague.now("2026-11-23T09:01:00Z");
    colleague.ok(&["discuss", &id, "--note", "New colleague"]);
    let (code, out) = verify(&env, &[]);
    assert_eq!(code, Some(3), "{out}");
    assert!(out.contains("at line 4"), "{out}");
    assert!(out.contains("does not list"), "{out}");
}

/// The same data directory, recorded into by another person with their own key.
fn env_with_user(env: &Env, user: &str) -> Env {
    let mut other = Env::new();
    other.user = user.into();
    // `Env::new` makes an empty data directory; this one is the other's.
    std::fs::remove_dir(other.data()).unwrap();
    std::os::unix::fs::symlink(env.data(), other.data()).unwrap();
    other
}

#[test]
fn a_removed_line_end_is_damage_not_a_torn_write() {
    let env = Env::new();
    let (id, cp) = setup(&env);
    let journal = env.journal(&id);
    let bytes = std::fs::read(&journal).unwrap();
    std::fs::write(&journal, &bytes[..bytes.len() - 1]).unwrap();
    std::fs::remove_file(head_path(&env, &id)).unwrap();
    let err = env.fails(3, &["discuss", &id, "--note", "x"]);
    assert!(err.contains("line end was removed"), "{err}");
    assert!(!env.data().join("disputes").join("quarantine").exists());
    assert_caught(&env, &cp, &id, Some(3), 3);
}

#[test]
fn swapped_copied_and_deleted_journals_are_caught() {
    let env = Env::new();
    let (a, _) = setup(&env);
    let b = env.open_gscb(&[]);
    env.ok(&["discuss", &b, "--note", "Other dispute"]);
    let cp = checkpoint(&env, "both.txt");
    let disputes = env.data().join("disputes");
    let swap = |x: &str, y: &str| {
        for ext in ["jsonl", "head"] {
            let p = |id: &str| disputes.join(format!("{id}.{ext}"));
            std::fs::rename(p(x), disputes.join("tmp")).unwrap();
            std::fs::rename(p(y), p(x)).unwrap();
            std::fs::rename(disputes.join("tmp"), p(y)).unwrap();
        }
    };
    swap(&a, &b);
    let (code, out) = verify(&env, &[]);
    assert_eq!(code, Some(3), "{out}");
    for id in [&a, &b] {
        assert!(out.contains(&format!("{id} DAMAGED at line 1")), "{out}");
    }
    assert!(out.contains(".jsonl is damaged at line 1"), "{out}");
    assert!(out.contains("swapped, copied or renamed"), "{out}");
    env.fails(3, &["show", &a]);
    swap(&a, &b);
    verify(&env, &[]);

    // One copied over another, with its receipt.
    let saved: Vec<Vec<u8>> = ["jsonl", "head"]
        .iter()
        .map(|e| std::fs::read(disputes.join(format!("{b}.{e}"))).unwrap())
        .collect();
    for ext in ["jsonl", "head"] {
        std::fs::copy(
            disputes.join(format!("{a}.{ext}")),
            disputes.join(format!("{b}.{ext}")),
        )
        .unwrap();
    }
    assert_caught(&env, &cp, &b, Some(1), 1);
    for (ext, bytes) in ["jsonl", "head"].iter().zip(&saved) {
        std::fs::write(disputes.join(format!("{b}.{ext}")), bytes).unwrap();
    }

    // One deleted with its receipt: only the checkpoint knows it existed.
    for ext in ["jsonl", "head"] {
        std::fs::remove_file(disputes.join(format!("{b}.{ext}"))).unwrap();
    }
    let (code, out) = verify(&env, &[]);
    assert_eq!(code, Some(0), "{out}");
    let (code, out) = verify(&env, &["--against", cp.to_str().unwrap()]);
    assert_eq!(code, Some(3), "{out}");
    assert!(out.contains(&format!("{b} MISSING")), "{out}");
    let json = env
        .cmd(&["verify", "--json", "--against", cp.to_str().unwrap()])
        .output()
        .unwrap();
    let reports: Value = serde_json::from_slice(&json.stdout).unwrap();
    let gone = reports
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == b.as_str())
        .unwrap();
    assert_eq!(gone["checkpoint"], "missing");
    assert!(gone["problem"]["file"]
        .as_str()
        .unwrap()
        .ends_with(&format!("disputes/{b}.jsonl")));
    assert!(out.contains(&format!("{b}.jsonl is damaged")), "{out}");
    assert!(out.contains("its journal is gone"), "{out}");

    // A dispute opened since the checkpoint is listed as new.
    let c = env.open_gscb(&[]);
    let (_, out) = verify(&env, &["--against", cp.to_str().unwrap()]);
    assert!(out.contains(&format!("{c} ok")), "{out}");
    assert!(out.contains("new since the checkpoint"), "{out}");
}

#[test]
fn identical_inputs_never_give_identical_heads() {
    let env = Env::new();
    let first = env.open("gscb", &[]);
    let second = env.open("gscb", &[]);
    assert_ne!(first["head"], second["head"]);
    let line1 = lines(&env.journal(first["id"].as_str().unwrap())).remove(0);
    let r: Record = serde_json::from_str(&line1).unwrap();
    assert_eq!(r.dispute.as_deref(), first["id"].as_str());
    assert_eq!(r.nonce.as_ref().map(String::len), Some(32));
}

#[test]
fn a_journal_rewritten_with_recomputed_hashes_is_caught() {
    let env = Env::new();
    let (id, cp) = setup(&env);
    let journal = env.journal(&id);
    let original = lines(&journal);
    let intruder = escalate_core::integrity::signing::Key::from_seed(&[5; 32], "intruder");
    // Re-sealed and re-chained, first unsigned (as if from before signing), then
    // re-signed with the intruder's key; the receipt rewritten to match each time.
    for key in [None, Some(&intruder)] {
        let mut text: Vec<String> = Vec::new();
        for raw in &original {
            let mut r: Record = serde_json::from_str(raw).unwrap();
            if let Event::Opened(o) = &mut r.event {
                o.summary = "Nothing of concern".into();
            }
            r.prev = text
                .last()
                .map(|l| line::sha256_hex(l.as_bytes()))
                .unwrap_or_default();
            r.v = None;
            r.signer = None;
            r.sig = None;
            if key.is_none() {
                r.nonce = None;
                r.dispute = None;
            }
            text.push(match key {
                Some(k) => line::encode_signed(&mut r, k).unwrap(),
                None => line::encode(&r).unwrap(),
            });
        }
        write_lines(&journal, &text);
        write_receipt(&env, &id, &text);
        match key {
            None => assert_eq!(
                env.json(&["show", &id])["summary"],
                "Nothing of concern",
                "the rewrite reads back"
            ),
            // Signed by a key the signers file does not list, its opening does
            // not count, so there is no dispute to show (issue 25).
            Some(_) => {
                let err = env.fails(3, &["show", &id]);
                assert!(err.contains("does not count"), "{err}");
            }
        }
        match key {
            // Looks like a journal from before signing: a warning only, but the
            // checkpoint sees line 3 is not what it was.
            None => {
                let (code, out) = verify(&env, &[]);
                assert_eq!(code, Some(0), "{out}");
                assert!(out.contains("unsigned"), "{out}");
                assert_caught(&env, &cp, &id, None, 3);
            }
            Some(_) => assert_caught(&env, &cp, &id, Some(1), 3),
        }
    }
}

/// Run a command that must finish within a few seconds; returns its exit code.
fn finishes(env: &Env, args: &[&str]) -> Option<i32> {
    let mut child = StdCommand::new(assert_cmd::cargo::cargo_bin("escalate"))
        .env_clear()
        .envs(env.vars())
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status.code();
        }
        if started.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("escalate {args:?} hung");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn mkfifo(path: &Path) {
    let _ = std::fs::remove_file(path);
    let ok = StdCommand::new("mkfifo").arg(path).status().unwrap();
    assert!(ok.success());
}

#[test]
fn a_fifo_in_place_of_any_file_never_hangs() {
    let env = Env::new();
    let (id, _) = setup(&env);
    let sound = env.open_gscb(&[]);
    let disputes = env.data().join("disputes");
    let pinned = std::fs::read_dir(env.data().join("policies"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let config = env.config().join("config.toml");
    let planted = [
        (disputes.join(format!("{id}.jsonl")), 3),
        (disputes.join(format!("{id}.head")), 3),
        (env.data().join("signers"), 1),
        (pinned, 3),
        (config, 1),
        // Read by `report` (and `open`): once read with no check at all.
        (env.data().join("agencies.toml"), 0),
        // Read by `report`: once with std::fs::read_to_string, which waits on a FIFO.
        (env.data().join("report.toml"), 0),
    ];
    for (path, verify_code) in planted {
        let saved = std::fs::read(&path).ok();
        mkfifo(&path);
        for args in [
            vec!["verify"],
            vec!["show", id.as_str()],
            vec!["discuss", id.as_str(), "--note", "x"],
            vec!["status"],
            vec!["export", "--format", "csv"],
            vec!["report", "--month", "2026-11"],
        ] {
            let code = finishes(&env, &args);
            if args[0] == "verify" {
                assert_eq!(code, Some(verify_code), "{} {args:?}", path.display());
            }
        }
        std::fs::remove_file(&path).unwrap();
        if let Some(bytes) = saved {
            std::fs::write(&path, bytes).unwrap();
        }
    }
    env.ok(&["show", &sound]);
}

#[test]
fn an_append_past_the_limit_is_refused_up_front_and_closing_still_fits() {
    const MAX: u64 = escalate_core::store::journal::MAX_JOURNAL_BYTES;
    let env = Env::new();
    let id = env.open_gscb(&[]);
    let journal = env.journal(&id);
    // Fill the journal with maximum-length notes, signed with the user's own key,
    // until it is inside the last megabyte kept for closing.
    let keys = escalate_core::integrity::signing::Keyring::new(Some(env.config()), env.data());
    let key = keys.existing().unwrap().unwrap();
    let mut text = lines(&journal);
    let mut size: u64 = text.iter().map(|l| l.len() as u64 + 1).sum();
    let note: String = "😟".repeat(escalate_core::domain::text::MAX_LONG);
    while size < MAX - escalate_core::store::journal::RESERVED_BYTES + 200_000 {
        let last = text.last().unwrap();
        let next = forge(
            last,
            Event::Discussed {
                stage: 1,
                note: note.clone(),
                with: None,
            },
            Some(&key),
            &env.user,
        );
        size += next.len() as u64 + 1;
        text.push(next);
    }
    write_lines(&journal, &text);
    write_receipt(&env, &id, &text);
    let err = env.fails(1, &["discuss", &id, "--note", "One more"]);
    assert!(err.contains("past the"), "{err}");
    assert!(err.contains("escalate notify"), "{err}");
    env.ok(&["notify", &id, "--who", "dsl", "--note", &note]);
    env.ok(&["resolve", &id, "--outcome", &note]);
    let (code, out) = verify(&env, &[&id]);
    assert_eq!(code, Some(0), "{out}");
    assert!(std::fs::metadata(&journal).unwrap().len() <= MAX);
}

#[test]
fn disguised_text_is_refused_and_old_journals_show_it_escaped() {
    let env = Env::new();
    let rlo = "Police \u{202E}SCIMED";
    let err = env.fails(
        1,
        &crate::support::open_args("gscb", &[])
            .iter()
            .map(|a| if *a == "B" { rlo } else { a })
            .collect::<Vec<_>>(),
    );
    assert!(err.contains("U+202E"), "{err}");
    // Zero-width joiners stay allowed.
    env.ok(&crate::support::open_args(
        "gscb",
        &["--by", "Anjali\u{200D} Rao"],
    ));

    // A journal written before the rule, holding the override: every output shows
    // it escaped.
    let id = env.open_gscb(&[]);
    let journal = env.journal(&id);
    let mut r: Record = serde_json::from_str(&lines(&journal)[0]).unwrap();
    if let Event::Opened(o) = &mut r.event {
        o.with = rlo.into();
    }
    r.v = None;
    r.signer = None;
    r.sig = None;
    r.nonce = None;
    r.dispute = None;
    let old = vec![line::encode(&r).unwrap()];
    write_lines(&journal, &old);
    write_receipt(&env, &id, &old);
    for args in [
        vec!["show", id.as_str()],
        vec!["status"],
        vec!["export", "--format", "csv"],
        vec!["export", "--format", "ics"],
    ] {
        // iCalendar folds long lines (RFC 5545); a reader unfolds them.
        let out = env.ok(&args).replace("\r\n ", "");
        assert!(!out.contains('\u{202E}'), "{args:?}: {out}");
        assert!(out.contains("<U+202E>"), "{args:?}: {out}");
    }
    let json = env.ok(&["show", &id, "--json"]);
    assert!(json.contains("\\u202e"), "{json}");
    let v: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["with"], rlo, "JSON escapes it yet keeps the same string");
}

#[test]
fn the_quarantine_folder_is_never_followed_through_a_link() {
    let env = Env::new();
    let (id, _) = setup(&env);
    let journal = env.journal(&id);
    let mut bytes = std::fs::read(&journal).unwrap();
    bytes.extend_from_slice(b"{\"seq\":4,\"partial");
    std::fs::write(&journal, &bytes).unwrap();
    let outside = env.tmp.path().join("outside");
    std::fs::create_dir(&outside).unwrap();
    std::os::unix::fs::symlink(&outside, env.data().join("disputes").join("quarantine")).unwrap();
    let err = env.fails(3, &["discuss", &id, "--note", "x"]);
    assert!(err.contains("not a directory"), "{err}");
    assert_eq!(std::fs::read_dir(&outside).unwrap().count(), 0);
}

#[test]
fn loose_permissions_are_reported_then_tightened() {
    use std::os::unix::fs::PermissionsExt;
    let env = Env::new();
    let (id, _) = setup(&env);
    let set =
        |p: &Path, m: u32| std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    set(&env.data(), 0o777);
    set(&env.journal(&id), 0o644);
    let (code, out) = verify(&env, &[]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("mode 777"), "{out}");
    assert!(out.contains("mode 644"), "{out}");
    env.ok(&["discuss", &id, "--note", "x"]);
    assert_eq!(mode(&env.data()), 0o700);
    assert_eq!(mode(&env.journal(&id)), 0o600);
    let (_, out) = verify(&env, &[]);
    assert!(!out.contains("mode"), "{out}");
}

#[test]
fn malformed_ids_are_usage_errors() {
    let env = Env::new();
    env.open_gscb(&[]);
    for bad in ["../x", "UUUU", "A/B"] {
        let err = env.fails(2, &["show", bad]);
        assert!(err.contains("is not a dispute ID"), "{err}");
    }
}

#[test]
fn a_newer_format_asks_for_a_newer_escalate_never_damage() {
    let env = Env::new();
    let id = env.open_gscb(&[]);
    let journal = env.journal(&id);
    let text = lines(&journal);
    let newer = text[0].replacen("{\"v\":3,", "{\"v\":4,", 1);
    let open = &newer[..newer.len() - 66];
    let resealed = format!(
        "{open},\"hash\":\"{}\"}}",
        line::sha256_hex(open.as_bytes())
    );
    write_lines(&journal, &[resealed]);
    let (code, out) = verify(&env, &[]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("newer version of escalate"), "{out}");
    assert!(!out.contains("DAMAGED"), "{out}");
    let err = env.fails(1, &["show", &id]);
    assert!(err.contains("install the newer escalate"), "{err}");
}

/// An intruder who lists their own key in the signers file under a colleague's
/// name passes the signature check: only a person comparing the file with a copy
/// kept elsewhere can see it, and the checkpoint says the file changed.
#[test]
fn an_edited_signers_file_is_flagged_against_the_checkpoint() {
    let env = Env::new();
    let (id, cp) = setup(&env);
    let intruder = escalate_core::integrity::signing::Key::from_seed(&[3; 32], "intruder");
    let at = escalate_core::domain::clock::parse_instant("2026-01-01T00:00:00Z").unwrap();
    let extra = escalate_core::integrity::signing::signers_line(&env.user, &intruder, &at, None);
    let signers = env.data().join("signers");
    let mut text = std::fs::read_to_string(&signers).unwrap();
    text.push_str(&extra);
    text.push('\n');
    std::fs::write(&signers, text).unwrap();
    let journal = env.journal(&id);
    let mut lines = lines(&journal);
    let resolved = Event::Resolved {
        stage: 2,
        outcome: "Agreed".into(),
    };
    lines.push(forge(
        lines.last().unwrap(),
        resolved,
        Some(&intruder),
        &env.user,
    ));
    write_lines(&journal, &lines);
    write_receipt(&env, &id, &lines);
    let (code, out) = verify(&env, &[]);
    assert_eq!(code, Some(0), "{out}");
    let (code, out) = verify(&env, &["--against", cp.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("the signers file is not what it was"), "{out}");
}

/// The recipe in docs/journal-format.md: an auditor checks a line with
/// `ssh-keygen -Y verify` and the signers file, without escalate.
#[test]
fn an_auditor_can_check_a_line_with_ssh_keygen() {
    if StdCommand::new("ssh-keygen")
        .arg("-?")
        .stderr(Stdio::null())
        .status()
        .is_err()
    {
        // .ci/run installs openssh-client: a CI run that lacks it has not checked
        // what an auditor relies on, so it fails rather than passing quietly.
        assert!(
            std::env::var_os("CI").is_none(),
            "CI installs ssh-keygen (openssh-client): an auditor's check cannot be skipped there"
        );
        eprintln!("skipped: ssh-keygen is not installed");
        return;
    }
    let env = Env::new();
    let (id, _) = setup(&env);
    let script = r#"
        line=$(sed -n 3p "$1")
        printf '%s' "${line%%,\"sig\":*}" > "$2/line"
        sig=${line#*,\"sig\":\"}; sig=${sig%%\"*}
        { echo '-----BEGIN SSH SIGNATURE-----'; echo "$sig" | fold -w 70
          echo '-----END SSH SIGNATURE-----'; } > "$2/line.sig"
        ssh-keygen -Y verify -f "$3" -I "$4" -n escalate-journal -s "$2/line.sig" < "$2/line"
    "#;
    let run = |journal: &Path| {
        StdCommand::new("bash")
            .args(["-c", script, "audit"])
            .arg(journal)
            .arg(env.tmp.path())
            .arg(env.data().join("signers"))
            .arg(&env.user)
            .output()
            .unwrap()
    };
    let out = run(&env.journal(&id));
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Good \"escalate-journal\" signature"));
    // A changed line fails the same check.
    let journal = env.journal(&id);
    let text = std::fs::read_to_string(&journal).unwrap();
    let changed = env.tmp.path().join("changed.jsonl");
    std::fs::write(
        &changed,
        text.replace("No agreement at stage 1", "All agreed"),
    )
    .unwrap();
    assert!(!run(&changed).status.success());
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
