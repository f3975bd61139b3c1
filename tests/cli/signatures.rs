//! Signatures that survive the journey (#26 item 3): a line is signed over its
//! content, not its place, so sync re-chains a colleague's unsent line without
//! signing it again, and a team clone (several people, one data directory, each
//! with their own key) verifies everywhere after either person syncs.

use crate::converge::inert;
use crate::support::sharing::{admit, agency, bare, lines_of, school_case, share};
use crate::support::Env;
use escalate_core::domain::event::Event;
use escalate_core::store::journal::line;

/// A person's signing key made now: its fingerprint.
fn new_key(env: &Env) -> String {
    env.ok(&["key", "new"]);
    env.json(&["key", "show"])["fingerprint"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The line of `id` in `env`'s journal carrying `marker`.
fn line_with(env: &Env, id: &str, marker: &str) -> serde_json::Value {
    lines_of(env, id)
        .into_iter()
        .find(|l| l.to_string().contains(marker))
        .unwrap_or_else(|| panic!("no line with {marker}"))
}

/// The school's team clone, shared by Sam and Alex (each with their own key in
/// their own account), with social care's clone; the member list names all
/// three. Both people at the school record offline while social care records
/// and syncs; then `first` ("Sam" or "Alex") syncs the team clone. Every clone
/// verifies, and each line is signed by the key of the person who made it.
fn team_clone_synced_by(first: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let remote = bare(&tmp);
    let remote = remote.to_str().unwrap();
    let mut sam = agency("Sam (DSL)", "Hollyfield Primary");
    let mut alex = agency("Alex (deputy DSL)", "Hollyfield Primary");
    let mut csc = agency("Chris (team manager)", "Children's Social Care");
    for e in [&mut sam, &mut alex, &mut csc] {
        e.now("2026-11-09T09:00:00Z");
    }
    let sam_key = new_key(&sam);
    let alex_key = new_key(&alex);
    let team = sam.data();
    let id = school_case(&sam, "LCS-9");
    share(&sam, &csc, remote);
    // Alex works in Sam's clone with a key of their own, which the partnership's
    // admin (Sam, who started it) adds to the member list.
    admit(&sam, &alex);

    // Offline at the school, both people record; social care records and
    // syncs, so the partnership has moved on.
    for e in [&mut sam, &mut alex, &mut csc] {
        e.now("2026-11-10T09:00:00Z");
    }
    sam.ok(&["discuss", &id, "--note", "sam-talk"]);
    alex.ok_in(&team, &["discuss", &id, "--note", "alex-talk"]);
    csc.ok(&["discuss", &id, "--note", "csc-talk"]);
    csc.ok(&["sync"]);
    let alex_before = line_with(&sam, &id, "alex-talk");

    match first {
        "Alex" => alex.ok_in(&team, &["sync"]),
        _ => sam.ok(&["sync"]),
    };

    // Alex's line moved after social care's with its signature as Alex made it.
    let alex_after = line_with(&sam, &id, "alex-talk");
    assert_eq!(alex_after["signer"], alex_key.as_str());
    assert_eq!(alex_after["sig"], alex_before["sig"]);
    assert_ne!(alex_after["seq"], alex_before["seq"]);
    assert_eq!(line_with(&sam, &id, "sam-talk")["signer"], sam_key.as_str());
    assert!(lines_of(&sam, &id)
        .iter()
        .all(|l| l["kind"] != "merged" && l["kind"] != "superseded"));

    // The team clone, whoever asks; social care after its sync; a fresh clone.
    sam.ok(&["verify"]);
    alex.ok_in(&team, &["verify"]);
    csc.ok(&["sync"]);
    csc.ok(&["verify"]);
    let fresh = agency("Pat (business manager)", "Partnership office");
    fresh.ok(&["share", "join", remote]);
    fresh.ok(&["verify"]);
    fresh.ok(&["verify", "--history"]);
    for note in ["sam-talk", "alex-talk", "csc-talk"] {
        assert!(!inert(&csc, &id, note), "{note}");
    }
}

#[test]
fn a_team_clone_verifies_everywhere_when_the_first_person_syncs() {
    team_clone_synced_by("Sam");
}

#[test]
fn a_team_clone_verifies_everywhere_when_a_colleague_syncs() {
    team_clone_synced_by("Alex");
}

/// A journal's lines as text.
fn text_lines(env: &Env, id: &str) -> Vec<String> {
    std::fs::read_to_string(env.journal(id))
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Write `lines` as `id`'s journal, with the receipt for its last line.
fn put(env: &Env, id: &str, lines: &[String]) {
    std::fs::write(env.journal(id), lines.join("\n") + "\n").unwrap();
    std::fs::write(
        env.data().join("disputes").join(format!("{id}.head")),
        format!(
            "{} {}\n",
            lines.len(),
            line::sha256_hex(lines.last().unwrap().as_bytes())
        ),
    )
    .unwrap();
}

/// A signed line (`from`, of any journal) replayed at the end of `lines`: its
/// signed part byte for byte, with the next `seq`, a `prev` chaining it and a
/// sound seal, as anyone who can write the file could do without any key.
fn replayed(lines: &[String], from: &str) -> String {
    let signed = &from[..from.find(",\"seq\":").unwrap()];
    let open = format!(
        "{signed},\"seq\":{},\"prev\":\"{}\"",
        lines.len() + 1,
        line::sha256_hex(lines.last().unwrap().as_bytes())
    );
    format!(
        "{open},\"hash\":\"{}\"}}",
        line::sha256_hex(open.as_bytes())
    )
}

#[test]
fn a_line_replayed_from_another_dispute_or_replayed_again_is_damage_named_by_line() {
    let mut env = Env::new();
    env.now("2026-11-09T09:00:00Z");
    let id = env.open_gscb(&[]);
    env.ok(&["discuss", &id, "--note", "first talk"]);
    let other = env.open_gscb(&[]);
    env.ok(&["discuss", &other, "--note", "other talk"]);

    // The other dispute's discussion, its signature intact, chained onto this one.
    let mut lines = text_lines(&env, &id);
    lines.push(replayed(&lines, &text_lines(&env, &other)[1]));
    put(&env, &id, &lines);
    let err = env.fails(3, &["show", &id]);
    assert!(err.contains("line 3"), "{err}");
    assert!(err.contains("copied in from another journal"), "{err}");

    // This dispute's own discussion again.
    let mut lines = text_lines(&env, &other);
    lines.push(replayed(&lines, &lines[1].clone()));
    put(&env, &other, &lines);
    let err = env.fails(3, &["show", &other]);
    assert!(err.contains("line 3: this line repeats line 2"), "{err}");
    let out = env.cmd(&["verify"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    let said = String::from_utf8_lossy(&out.stdout) + String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("repeats line 2"), "{said}");
}

#[test]
fn a_correction_names_its_target_by_nonce_and_views_by_number() {
    let mut env = Env::new();
    env.now("2026-11-09T09:00:00Z");
    let id = env.open_gscb(&[]);
    env.ok(&["discuss", &id, "--note", "first talk"]);
    env.now("2026-11-09T10:00:00Z");
    env.ok(&["amend", &id, "--event", "2", "--note", "who attended"]);
    let lines = lines_of(&env, &id);
    assert_eq!(lines[2]["target"], lines[1]["nonce"], "{lines:#?}");
    // On disk it names its target by nonce only (`show` adds the number).
    let stored = crate::support::sharing::raw_lines(&env, &id);
    assert!(stored[2].get("event").is_none(), "{stored:#?}");
    let shown = env.json(&["show", &id]);
    let amended = &shown["events"].as_array().unwrap()[2];
    assert_eq!(amended["event"], 2, "{shown:#}");
    assert!(matches!(
        serde_json::from_value::<Event>(lines[2].clone()),
        Ok(Event::Amended { .. })
    ));
    env.ok(&["verify"]);
}

/// `prefix` (a line's bytes before `,"sig":"`) signed with the key at `key` by
/// ssh-keygen itself, as escalate signs: the signature's base64 body.
fn ssh_sign(prefix: &str, key: &str, dir: &std::path::Path) -> String {
    let msg = dir.join("msg");
    std::fs::write(&msg, prefix).unwrap();
    let out = std::process::Command::new("ssh-keygen")
        .args(["-q", "-Y", "sign", "-n", "escalate-journal", "-f", key])
        .arg(&msg)
        .output()
        .expect("ssh-keygen (openssh-client) is installed");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let armoured = std::fs::read_to_string(dir.join("msg.sig")).unwrap();
    armoured
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect::<String>()
}

/// A colleague's unsent line written by an earlier escalate (format 2, whose
/// signature covers its place) cannot move without being signed again: the
/// other person's sync refuses and names them, changing nothing; their own sync
/// signs it again and every clone verifies.
#[test]
fn a_colleagues_unsent_line_of_the_old_format_is_moved_only_by_their_own_sync() {
    let tmp = tempfile::tempdir().unwrap();
    let remote = bare(&tmp);
    let remote = remote.to_str().unwrap();
    let mut sam = agency("Sam (DSL)", "Hollyfield Primary");
    let mut alex = agency("Alex (deputy DSL)", "Hollyfield Primary");
    let mut csc = agency("Chris (team manager)", "Children's Social Care");
    for e in [&mut sam, &mut alex, &mut csc] {
        e.now("2026-11-09T09:00:00Z");
    }
    let alex_key = new_key(&alex);
    let team = sam.data();
    let id = school_case(&sam, "LCS-10");
    share(&sam, &csc, remote);
    // Alex works in Sam's clone with a key of their own, which the partnership's
    // admin (Sam, who started it) adds to the member list.
    admit(&sam, &alex);
    for e in [&mut sam, &mut alex, &mut csc] {
        e.now("2026-11-10T09:00:00Z");
    }
    alex.ok_in(&team, &["discuss", &id, "--note", "alex-old-talk"]);
    csc.ok(&["discuss", &id, "--note", "csc-talk"]);
    csc.ok(&["sync"]);

    // Alex's line as an earlier escalate wrote it: format 2, signed by Alex.
    let mut lines = text_lines(&sam, &id);
    let mut r: escalate_core::domain::event::Record =
        serde_json::from_str(lines.last().unwrap()).unwrap();
    (r.v, r.dispute, r.nonce, r.sig) = (Some(2), None, None, None);
    // Format 2 predates sealing: its text was in clear.
    r.sealed = None;
    if let escalate_core::domain::event::Event::Discussed { note, .. } = &mut r.event {
        *note = "alex-old-talk".into();
    }
    let unsigned = line::encode(&r).unwrap();
    let prefix = &unsigned[..unsigned.rfind(",\"hash\":\"").unwrap()];
    let key_path = alex.json(&["key", "show"])["path"]
        .as_str()
        .unwrap()
        .to_owned();
    let sig = ssh_sign(prefix, &key_path, tmp.path());
    let open = format!("{prefix},\"sig\":\"{sig}\"");
    let old = format!(
        "{open},\"hash\":\"{}\"}}",
        line::sha256_hex(open.as_bytes())
    );
    *lines.last_mut().unwrap() = old;
    put(&sam, &id, &lines);
    alex.ok_in(&team, &["verify"]);
    let before = std::fs::read(sam.journal(&id)).unwrap();

    // (Sync's own state under .git may change: it fetched.)
    let out = sam.cmd(&["sync"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("Alex (deputy DSL)"), "{err}");
    assert!(
        err.contains("Ask Alex (deputy DSL) to run `escalate sync`"),
        "{err}"
    );
    assert_eq!(std::fs::read(sam.journal(&id)).unwrap(), before);

    alex.ok_in(&team, &["sync"]);
    let moved = line_with(&sam, &id, "alex-old-talk");
    assert_eq!(moved["v"], 4);
    assert_eq!(moved["signer"], alex_key.as_str());
    sam.ok(&["verify"]);
    csc.ok(&["sync"]);
    csc.ok(&["verify"]);
}

/// A format-3 line whose signature was stripped does not count (issue 25's
/// rule for every line), rather than making the whole dispute unreadable.
#[test]
fn a_format_3_line_without_its_signature_does_not_count() {
    let mut env = Env::new();
    env.now("2026-11-09T09:00:00Z");
    let id = env.open_gscb(&[]);
    env.ok(&["discuss", &id, "--note", "first talk"]);
    env.ok(&["resolve", &id, "--outcome", "stripped-resolution"]);
    let mut lines = text_lines(&env, &id);
    let last = lines.pop().unwrap();
    let from = last.find(",\"sig\":\"").unwrap();
    let to = last.find(",\"seq\":").unwrap();
    let open = format!(
        "{}{}",
        &last[..from],
        &last[to..last.rfind(",\"hash\":\"").unwrap()]
    );
    lines.push(format!(
        "{open},\"hash\":\"{}\"}}",
        line::sha256_hex(open.as_bytes())
    ));
    put(&env, &id, &lines);
    let shown = env.json(&["show", &id]);
    assert_eq!(shown["state"], "open", "{shown:#}");
    let out = env.cmd(&["verify"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    let said = String::from_utf8_lossy(&out.stdout) + String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("line 3: the line is not signed"), "{said}");
}
