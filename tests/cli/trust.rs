//! Who a line counts for (issue 27 item 4): a line counts only if its key was a
//! member's when it was recorded. A stranger's line pushed with plain git, a
//! removed member's lines after leaving, and a revoked key's lines outside the
//! history the revoking admin had seen are named by sync, make `verify` exit 3,
//! are marked by `show` and count in no figure; a removed member's own escalate
//! never sends them. Also the insider table in docs/journal-format.md: each row
//! names the test that shows it true.
//!
//! Membership is set up with the member commands (`admit`, `remove` and
//! `revoke` below); an unshared directory's `signers` file where there is no git.

use escalate_core::domain::event::{Event, Record};
use escalate_core::integrity::signing::Key;
use escalate_core::store::journal::line;

use crate::support::sharing::{agency, git, partnership, school_case, share};
use crate::support::Env;
use std::path::Path;

/// The signers line that makes `env`'s user (with their key) a member.
fn member_line(env: &Env) -> String {
    if !env.cmd(&["key", "show"]).output().unwrap().status.success() {
        env.ok(&["key", "new"]);
    }
    env.json(&["key", "show"])["signers_line"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn fingerprint(env: &Env) -> String {
    env.json(&["key", "show"])["fingerprint"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The admin (`admin`) admits every one of `members` not yet on the member
/// list, and shares the list with a sync.
fn admit(admin: &Env, members: &[&Env]) {
    for m in members {
        let listed = admin.json(&["member", "list"]);
        let known = listed["people"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == m.user.as_str());
        if !known {
            member_line(m);
            crate::support::sharing::admit(admin, m);
        }
    }
    admin.ok(&["sync"]);
}

/// `YYYYMMDDHHMM` (UTC) as the member commands take a time.
fn when(t: &str) -> String {
    format!(
        "{}-{}-{}T{}:{}:00Z",
        &t[..4],
        &t[4..6],
        &t[6..8],
        &t[8..10],
        &t[10..12]
    )
}

/// The admin removes `member` as of `as_of` (`YYYYMMDDHHMM`, UTC); not yet synced.
fn remove(admin: &Env, member: &Env, as_of: &str) {
    admin.ok(&[
        "member",
        "remove",
        &member.user,
        "--as-of",
        &when(as_of),
        "--reason",
        "left the service",
    ]);
}

/// The admin revokes `key` (a fingerprint) as of `as_of` (`YYYYMMDDHHMM`, UTC);
/// the member list records the partnership's history as the admin last saw it
/// and the admin's own clock as when. Not yet synced.
fn revoke(admin: &Env, key: &str, as_of: &str, reason: &str) {
    admin.ok(&[
        "member",
        "revoke-key",
        "--key",
        key,
        "--as-of",
        &when(as_of),
        "--reason",
        reason,
    ]);
}

/// A line appended to journal `path` that resolves the dispute at stage 1,
/// chained and sealed as escalate would, signed by `key` as `by` at `at`.
fn forged_resolution(path: &Path, key: &Key, by: &str, at: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    let last = text.lines().last().unwrap();
    let mut r: Record = serde_json::from_str(last).unwrap();
    // A forged line's text is written in clear, as any line's may be.
    r.sealed = None;
    r.seq += 1;
    r.prev = line::sha256_hex(last.as_bytes());
    r.by = by.into();
    r.at = escalate_core::domain::clock::parse_instant(at).unwrap();
    r.event = Event::Resolved {
        stage: 1,
        outcome: "Agreed: no further action".into(),
    };
    // A fresh nonce; the dispute stays the one every line of the journal names.
    r.nonce = None;
    r.happened = None;
    let signed = line::encode_signed(&mut r, key).unwrap();
    std::fs::write(path, format!("{text}{signed}\n")).unwrap();
}

/// Push a forged resolution of `id` with plain git from a clone of `remote`.
fn push_forged(tmp: &Path, remote: &Path, id: &str, key: &Key, by: &str, at: &str) {
    let dir = tmp.join("vandal");
    git(
        tmp,
        &[
            "clone",
            "--quiet",
            remote.to_str().unwrap(),
            dir.to_str().unwrap(),
        ],
    );
    let journal = dir.join(format!("disputes/{id}.jsonl"));
    forged_resolution(&journal, key, by, at);
    git(&dir, &["commit", "--quiet", "-am", "close it"]);
    git(&dir, &["push", "--quiet", "origin", "main"]);
}

fn report(env: &Env) -> serde_json::Value {
    env.json(&["report", "--month", "2026-11"])
}

fn shared_lines(remote: &Path, id: &str) -> String {
    git(remote, &["show", &format!("main:disputes/{id}.jsonl")])
}

/// The nonce of `env`'s line of `id` with this note (its text is sealed on
/// disk, so a line is found in the shared copy by its nonce).
fn nonce_of(env: &Env, id: &str, note: &str) -> String {
    crate::support::sharing::lines_of(env, id)
        .iter()
        .find(|l| l["note"] == note)
        .and_then(|l| l["nonce"].as_str())
        .unwrap_or_else(|| panic!("no line noting {note}"))
        .to_owned()
}

#[test]
fn a_strangers_line_pushed_with_plain_git_is_named_by_sync_and_counts_nowhere() {
    let (tmp, remote, mut school, mut csc) = partnership();
    school.now("2026-11-02T09:00:00Z");
    csc.now("2026-11-02T09:00:00Z");
    let d1 = school_case(&school, "LCS-1");
    share(&school, &csc, remote.to_str().unwrap());
    admit(&school, &[&school, &csc]);
    csc.ok(&["sync"]);
    let before = report(&csc);
    assert_eq!(before["resolved"], 0, "{before}");

    let stranger = Key::from_seed(&[77; 32], "stranger");
    push_forged(
        tmp.path(),
        &remote,
        &d1,
        &stranger,
        "Chris (team manager)",
        "2026-11-02T10:00:00+00:00",
    );

    // Social care's sync takes it (a vandal must not stop the partnership's
    // sync) and names commit, dispute, line and key.
    let out = csc.ok(&["sync"]);
    assert!(
        out.contains(&format!("Not counted: dispute {d1} line 2, from commit"))
            && out.contains(&format!("key {}", stranger.fingerprint())),
        "{out}"
    );
    // It counts nowhere: the dispute is open, the figures are as they were.
    assert_eq!(csc.json(&["show", &d1])["state"], "open");
    assert_eq!(report(&csc), before);
    let err = csc.fails(3, &["verify", &d1]);
    assert!(err.contains("line 2"), "{err}");
    // show marks it as a stranger's.
    let text = csc.ok(&["show", &d1]);
    assert!(
        text.contains(&format!(
            "signed by a key that is not a member's: {}",
            stranger.fingerprint()
        )),
        "{text}"
    );
    let shown = csc.json(&["show", &d1]);
    assert_eq!(shown["events"][1]["not_counted"], "key_not_allowed");
    assert!(shown["events"][1]["key_mark"]
        .as_str()
        .unwrap()
        .contains(stranger.fingerprint()));
    // The school, the same.
    school.ok(&["sync"]);
    school.fails(3, &["verify", &d1]);
    assert_eq!(report(&school), before);
}

#[test]
fn a_removed_members_later_lines_never_enter_the_shared_record() {
    let (_tmp, remote, mut school, mut csc) = partnership();
    school.now("2026-11-02T09:00:00Z");
    csc.now("2026-11-02T09:00:00Z");
    let d1 = school_case(&school, "LCS-1");
    share(&school, &csc, remote.to_str().unwrap());
    admit(&school, &[&school, &csc]);
    csc.ok(&["sync"]);
    csc.now("2026-11-03T09:00:00Z");
    csc.ok(&["discuss", &d1, "--note", "while-a-member"]);
    csc.ok(&["sync"]);

    // Social care's manager leaves on the 4th; the school removes them.
    school.now("2026-11-04T09:00:00Z");
    remove(&school, &csc, "202611041200");
    school.ok(&["sync"]);

    // Recorded after leaving: it stays on their computer.
    csc.now("2026-11-05T09:00:00Z");
    csc.ok(&["discuss", &d1, "--note", "after-leaving"]);
    let out = csc.cmd(&["sync"]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!("dispute {d1} line 3")) && err.contains("not sent"),
        "{err}"
    );
    let shared = shared_lines(&remote, &d1);
    let after = nonce_of(&csc, &d1, "after-leaving");
    assert!(!shared.contains(&after), "{shared}");
    assert!(
        shared.contains(&nonce_of(&csc, &d1, "while-a-member")),
        "{shared}"
    );
    // Still here, and still refused the next time.
    assert!(crate::support::sharing::lines_of(&csc, &d1)
        .iter()
        .any(|l| l["note"] == "after-leaving"));
    assert_eq!(csc.cmd(&["sync"]).output().unwrap().status.code(), Some(1));
    assert!(!shared_lines(&remote, &d1).contains(&after));
    // The line from before leaving still verifies everywhere.
    school.ok(&["sync"]);
    school.ok(&["verify", &d1]);
}

#[test]
fn a_revoked_keys_line_outside_the_admins_seen_history_is_damage_in_every_clone() {
    let (tmp, remote, mut school, mut csc) = partnership();
    let mut office = agency("Pat (business manager)", "Partnership office");
    for e in [&mut school, &mut csc, &mut office] {
        e.now("2026-11-02T09:00:00Z");
    }
    let d1 = school_case(&school, "LCS-1");
    let d2 = school_case(&school, "LCS-2");
    share(&school, &csc, remote.to_str().unwrap());
    office.ok(&["share", "join", remote.to_str().unwrap()]);
    admit(&school, &[&school, &csc, &office]);
    csc.ok(&["sync"]);
    office.ok(&["sync"]);

    // Social care records (line 3) and shares it; the admin syncs and so has seen it.
    csc.now("2026-11-03T09:00:00Z");
    csc.ok(&["discuss", &d1, "--note", "before-theft"]);
    csc.ok(&["sync"]);
    school.ok(&["sync"]);

    // The laptop is stolen (a copy of social care's clone, with their key). The
    // thief resolves the dispute, dating the line before the revocation will
    // be (backdated), and syncs; the office integrates it before any
    // revocation arrives.
    let thief = tmp.path().join("stolen-laptop");
    crate::support::copy_dir(&csc.data(), &thief);
    let out = csc
        .cmd_in(
            &thief,
            &["resolve", &d1, "--outcome", "closed by a thief", "--yes"],
        )
        .env("ESCALATE_NOW", "2026-11-03T10:00:00Z")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    csc.ok_in(&thief, &["sync"]);
    office.ok(&["sync"]);
    assert_eq!(office.json(&["show", &d1])["state"], "resolved");
    // The office's status cache now holds the dispute as resolved and every
    // line counted.
    office.ok(&["status", "--all", "--all-agencies"]);

    // The admin revokes the key, as of a time after the thief's claimed time
    // and before social care's honest line: the seen history decides, not times.
    school.now("2026-11-06T09:00:00Z");
    revoke(&school, &fingerprint(&csc), "202611040900", "laptop stolen");
    school.ok(&["sync"]);
    office.ok(&["sync"]);
    csc.ok(&["sync"]);

    // The cached verdicts were judged before the revocation: not believed now.
    let listed = office.json(&["status", "--all", "--all-agencies"]);
    let row = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == d1.as_str())
        .unwrap_or_else(|| panic!("the dispute is open again in status: {listed}"));
    assert_eq!(
        row["not_counted"],
        serde_json::json!([{"line": 3, "why": "key_revoked"}])
    );
    for env in [&school, &office, &csc] {
        let err = env.fails(3, &["verify", &d1]);
        assert!(err.contains("line 3") && err.contains("revoked"), "{err}");
        let shown = env.json(&["show", &d1]);
        assert_eq!(shown["state"], "open", "{shown}");
        assert_eq!(shown["events"][2]["not_counted"], "key_revoked");
        // The honest line the admin had seen still counts.
        assert!(shown["events"][1].get("not_counted").is_none(), "{shown}");
        let text = env.ok(&["show", &d1]);
        assert!(
            text.contains("signed by a revoked key")
                && text.contains("(laptop stolen, revoked by Sam (DSL) on"),
            "{text}"
        );
    }

    // The thief, still backdating, adds to another dispute after the
    // revocation: the office's sync takes it as damage and names it.
    let out = csc
        .cmd_in(&thief, &["discuss", &d2, "--note", "thief again"])
        .env("ESCALATE_NOW", "2026-11-03T11:00:00Z")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    csc.ok_in(&thief, &["sync"]);
    let out = office.ok(&["sync"]);
    assert!(
        out.contains(&format!("Not counted: dispute {d2} line 2"))
            && out.contains("signed by a revoked key (key SHA256:"),
        "{out}"
    );
    office.fails(3, &["verify", &d2]);
}

#[test]
fn without_git_a_revocation_counts_from_its_as_of_time() {
    let mut env = Env::new();
    env.now("2026-11-02T09:00:00Z");
    let early = env.open_gscb(&[]);
    let line = member_line(&env);
    std::fs::write(
        env.data().join("signers"),
        format!(
            "{line}\n@revoked {} as-of=\"202611030000\",on=\"202611030900\",by=\"Pat\",reason=\"laptop stolen\"\n",
            fingerprint(&env)
        ),
    )
    .unwrap();
    env.ok(&["verify", &early]);
    env.now("2026-11-04T09:00:00Z");
    env.ok(&["discuss", &early, "--note", "after"]);
    let err = env.fails(3, &["verify", &early]);
    assert!(err.contains("revoked"), "{err}");
    assert_eq!(
        env.json(&["show", &early])["events"][1]["not_counted"],
        "key_revoked"
    );
}

/// `env`'s own private key, as a partner holds her own.
fn own_key(env: &Env) -> Key {
    let path = env.json(&["key", "show"])["path"]
        .as_str()
        .unwrap()
        .to_owned();
    let dir = Path::new(&path).parent().unwrap().to_owned();
    escalate_core::integrity::signing::Keyring::new(Some(dir), env.data())
        .existing()
        .unwrap()
        .unwrap()
}

/// `records` re-chained, re-sealed and re-signed by `key`, each now `by`.
fn resigned(records: Vec<Record>, key: &Key, by: &str) -> Vec<String> {
    let mut text: Vec<String> = Vec::new();
    for mut r in records {
        r.seq = text.len() as u64 + 1;
        r.by = by.into();
        r.prev = text
            .last()
            .map(|l| line::sha256_hex(l.as_bytes()))
            .unwrap_or_default();
        r.signer = None;
        r.sig = None;
        // Read back opened: the forger writes its text in clear.
        r.sealed = None;
        text.push(line::encode_signed(&mut r, key).unwrap());
    }
    text
}

/// A partner whose key is listed (the school) changes a shared journal in her
/// own clone with `attack` (from its records to new ones, all re-signed as
/// herself, the head receipt rewritten to match). Every line verifies, so plain
/// `verify` exits 0 (the signature cannot tell); a checkpoint kept elsewhere
/// catches it, and pushed with plain git, social care's sync refuses it and
/// `verify --history` names it.
fn a_listed_partner_resigns_as_herself(attack: fn(Vec<Record>) -> Vec<Record>) {
    let (tmp, remote, mut school, mut csc) = partnership();
    school.now("2026-11-02T09:00:00Z");
    csc.now("2026-11-03T09:00:00Z");
    let d1 = school_case(&school, "LCS-1");
    share(&school, &csc, remote.to_str().unwrap());
    admit(&school, &[&school, &csc]);
    csc.ok(&["sync"]);
    csc.ok(&["discuss", &d1, "--note", "social care's view"]);
    csc.ok(&["sync"]);
    school.ok(&["sync"]);
    let elsewhere = tmp.path().join("elsewhere.txt");
    school.ok(&["verify", "--checkpoint", elsewhere.to_str().unwrap()]);

    let journal = school.journal(&d1);
    let records: Vec<Record> = std::fs::read_to_string(&journal)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let text = resigned(attack(records), &own_key(&school), &school.user);
    std::fs::write(&journal, text.join("\n") + "\n").unwrap();
    std::fs::write(
        journal.with_extension("head"),
        format!(
            "{} {}\n",
            text.len(),
            line::sha256_hex(text.last().unwrap().as_bytes())
        ),
    )
    .unwrap();
    assert!(!std::fs::read_to_string(&journal)
        .unwrap()
        .contains("Chris (team manager)"));

    // Signature: no. Checkpoint kept elsewhere: yes.
    school.ok(&["verify", &d1]);
    let out = school
        .cmd(&["verify", "--against", elsewhere.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));

    // Git history, once shared: sync refuses it, verify --history names it.
    let dir = tmp.path().join("her-push");
    git(
        tmp.path(),
        &[
            "clone",
            "--quiet",
            remote.to_str().unwrap(),
            dir.to_str().unwrap(),
        ],
    );
    std::fs::copy(&journal, dir.join(format!("disputes/{d1}.jsonl"))).unwrap();
    git(&dir, &["commit", "--quiet", "-am", "tidy"]);
    git(&dir, &["push", "--quiet", "origin", "main"]);
    let err = crate::support::sharing::sync_refused(&csc);
    assert!(err.contains(&d1), "{err}");
    let out = csc.cmd(&["verify", "--history"]).output().unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{text}");
    assert!(text.contains(&format!("disputes/{d1}.jsonl")), "{text}");
}

#[test]
fn a_listed_partner_rewriting_a_whole_journal_as_herself_is_caught_by_checkpoint_and_history() {
    a_listed_partner_resigns_as_herself(|records| records);
}

#[test]
fn a_listed_partner_dropping_others_last_lines_and_appending_her_own_is_caught_likewise() {
    a_listed_partner_resigns_as_herself(|mut records| {
        // Social care's last line goes; hers, saying otherwise, takes its place.
        let mut hers = records.pop().unwrap();
        if let Event::Discussed { note, .. } = &mut hers.event {
            *note = "agreed, no concerns".into();
        }
        records.push(hers);
        records
    });
}

#[test]
fn a_backdated_line_verifies() {
    // The writer's clock sets `at`: a member who appends a line signed with
    // her own listed key, dated before the line it follows (her clock set
    // back), writes a line that reads as any other (the insider table's
    // "backdate a line": nothing in the data directory can tell).
    let mut env = Env::new();
    env.now("2026-11-05T09:00:00Z");
    let id = env.open_gscb(&[]);
    let line = member_line(&env);
    std::fs::write(env.data().join("signers"), format!("{line}\n")).unwrap();
    env.ok(&["discuss", &id, "--note", "on time"]);
    let journal = env.journal(&id);
    forged_resolution(
        &journal,
        &own_key(&env),
        &env.user,
        "2026-11-05T08:30:00+00:00",
    );
    let text = std::fs::read_to_string(&journal).unwrap();
    let last = text.lines().last().unwrap();
    std::fs::write(
        journal.with_extension("head"),
        format!("3 {}\n", line::sha256_hex(last.as_bytes())),
    )
    .unwrap();
    env.ok(&["verify", &id]);
    let shown = env.json(&["show", &id]);
    assert!(shown["events"][2].get("not_counted").is_none(), "{shown}");
}

#[test]
fn every_row_of_the_insider_table_names_a_test_that_exists() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let doc = std::fs::read_to_string(root.join("docs/journal-format.md")).unwrap();
    let start = doc
        .find("## What an insider can and cannot do")
        .expect("the insider table's heading");
    let section = &doc[start..];
    let section = &section[..section.find("Limits, stated plainly").unwrap()];
    let rows: Vec<&str> = section
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| what they do"))
        .collect();
    assert!(rows.len() >= 20, "{} rows", rows.len());
    for row in rows {
        let cell = row.trim_end_matches('|').rsplit('|').next().unwrap().trim();
        let name = cell.trim_matches('`');
        let (module, test) = name
            .split_once("::")
            .unwrap_or_else(|| panic!("the row names no test: {row}"));
        let source = std::fs::read_to_string(root.join(format!("tests/cli/{module}.rs")))
            .unwrap_or_else(|e| panic!("{module}: {e} (row: {row})"));
        let at = source
            .find(&format!("fn {test}()"))
            .unwrap_or_else(|| panic!("no test {name} (row: {row})"));
        assert!(
            source[..at].trim_end().ends_with("#[test]"),
            "{name} is not a test"
        );
    }
}
