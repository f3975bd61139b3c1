//! The member list's rules, one at a time, on lists built in memory: each rule
//! refuses a command and makes a line read from disk damage alike.

use super::*;
use crate::domain::clock::parse_instant;

fn key(n: u8) -> Key {
    Key::from_seed(&[n; 32], "test")
}

fn t(s: &str) -> Instant {
    parse_instant(s).unwrap()
}

fn public(k: &Key) -> String {
    parse_key_line(&k.public_openssh()).unwrap().public
}

fn added(name: &str, role: Role, k: &Key) -> Change {
    Change::MemberAdded {
        name: name.into(),
        agency: "Agency".into(),
        role,
        key: public(k),
        valid_from: t("2026-11-01T09:00:00Z"),
        reason: "test".into(),
    }
}

/// A list whose first admin is "Admin" (key 1), as bytes and folded.
fn started() -> (Members, Vec<u8>) {
    let mut m = Members::default();
    let mut bytes = Vec::new();
    push(
        &mut m,
        &mut bytes,
        added("Admin", Role::Admin, &key(1)),
        &key(1),
        "Admin",
        t("2026-11-02T09:00:00Z"),
    )
    .unwrap();
    (m, bytes)
}

fn add(m: &mut Members, bytes: &mut Vec<u8>, change: Change, signer: &Key, by: &str) -> Result<()> {
    push(m, bytes, change, signer, by, t("2026-11-03T09:00:00Z"))
}

#[test]
fn the_first_line_must_be_an_admin_adding_their_own_key() {
    let mut m = Members::default();
    let mut bytes = Vec::new();
    let e = push(
        &mut m,
        &mut bytes,
        added("Admin", Role::Admin, &key(2)),
        &key(1),
        "Admin",
        t("2026-11-02T09:00:00Z"),
    )
    .unwrap_err();
    assert!(e.to_string().contains("first admin"), "{e}");
    let e = push(
        &mut m,
        &mut bytes,
        added("Admin", Role::Member, &key(1)),
        &key(1),
        "Admin",
        t("2026-11-02T09:00:00Z"),
    )
    .unwrap_err();
    assert!(e.to_string().contains("first admin"), "{e}");
    assert!(bytes.is_empty());
}

#[test]
fn a_list_built_by_the_rules_folds_back_to_the_same_members() {
    let (mut m, mut bytes) = started();
    add(
        &mut m,
        &mut bytes,
        added("Jo", Role::Member, &key(2)),
        &key(1),
        "Admin",
    )
    .unwrap();
    let folded = fold(&bytes).unwrap();
    assert_eq!(folded.people, m.people);
    assert_eq!(folded.head, m.head);
    let signers = folded.signers();
    assert_eq!(signers.entries.len(), 2);
    assert_eq!(signers.entries[1].name, "Jo");
}

#[test]
fn only_an_admin_may_admit_and_a_key_belongs_to_one_person() {
    let (mut m, mut bytes) = started();
    add(
        &mut m,
        &mut bytes,
        added("Jo", Role::Member, &key(2)),
        &key(1),
        "Admin",
    )
    .unwrap();
    let e = add(
        &mut m,
        &mut bytes,
        added("Pat", Role::Member, &key(3)),
        &key(2),
        "Jo",
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("only a partnership admin may admit someone"),
        "{e}"
    );
    let e = add(
        &mut m,
        &mut bytes,
        added("Pat", Role::Member, &key(2)),
        &key(1),
        "Admin",
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("already Jo's"), "{e}");
    // A stranger's key never signs anything.
    let e = add(
        &mut m,
        &mut bytes,
        added("Pat", Role::Member, &key(3)),
        &key(9),
        "Admin",
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("not a current admin's"), "{e}");
    assert_eq!(fold(&bytes).unwrap().lines, 2);
}

#[test]
fn the_last_admin_can_be_neither_removed_nor_made_a_member() {
    let (mut m, mut bytes) = started();
    let remove = Change::MemberRemoved {
        name: "Admin".into(),
        as_of: t("2026-12-01T00:00:00Z"),
        reason: "leaving".into(),
    };
    let e = add(&mut m, &mut bytes, remove.clone(), &key(1), "Admin").unwrap_err();
    assert!(e.to_string().contains("last admin"), "{e}");
    let demote = Change::RoleChanged {
        name: "Admin".into(),
        role: Role::Member,
        reason: "x".into(),
    };
    let e = add(&mut m, &mut bytes, demote, &key(1), "Admin").unwrap_err();
    assert!(e.to_string().contains("last admin"), "{e}");
    add(
        &mut m,
        &mut bytes,
        added("Two", Role::Admin, &key(2)),
        &key(1),
        "Admin",
    )
    .unwrap();
    add(&mut m, &mut bytes, remove, &key(2), "Two").unwrap();
}

#[test]
fn a_removal_before_joining_is_refused_and_a_removal_ends_every_key() {
    let (mut m, mut bytes) = started();
    add(
        &mut m,
        &mut bytes,
        added("Jo", Role::Member, &key(2)),
        &key(1),
        "Admin",
    )
    .unwrap();
    let early = Change::MemberRemoved {
        name: "Jo".into(),
        as_of: t("2026-10-01T00:00:00Z"),
        reason: "x".into(),
    };
    let e = add(&mut m, &mut bytes, early, &key(1), "Admin").unwrap_err();
    assert!(e.to_string().contains("after the date given"), "{e}");
    let leaves = t("2026-12-01T00:00:00Z");
    let gone = Change::MemberRemoved {
        name: "Jo".into(),
        as_of: leaves,
        reason: "moved on".into(),
    };
    add(&mut m, &mut bytes, gone, &key(1), "Admin").unwrap();
    let jo = key(2);
    assert!(m
        .valid_owner(jo.fingerprint(), &t("2026-11-30T00:00:00Z"))
        .is_some());
    assert!(m.valid_owner(jo.fingerprint(), &leaves).is_none());
}

#[test]
fn a_key_is_rotated_only_by_a_line_the_old_key_signed_and_added_only_by_its_owner() {
    let (mut m, mut bytes) = started();
    add(
        &mut m,
        &mut bytes,
        added("Jo", Role::Member, &key(2)),
        &key(1),
        "Admin",
    )
    .unwrap();
    let rotate = Change::KeyRotated {
        name: "Jo".into(),
        old: key(2).fingerprint().into(),
        new: public(&key(3)),
        as_of: t("2026-11-04T09:00:00Z"),
    };
    // An admin cannot rotate someone else's key.
    let e = add(&mut m, &mut bytes, rotate.clone(), &key(1), "Admin").unwrap_err();
    assert!(
        e.to_string()
            .contains("only with a line signed by that key"),
        "{e}"
    );
    let second = Change::KeyAdded {
        name: "Jo".into(),
        key: public(&key(4)),
        valid_from: t("2026-11-03T09:00:00Z"),
    };
    let e = add(&mut m, &mut bytes, second.clone(), &key(1), "Admin").unwrap_err();
    assert!(e.to_string().contains("only by Jo"), "{e}");
    add(&mut m, &mut bytes, second, &key(2), "Jo").unwrap();
    push(
        &mut m,
        &mut bytes,
        rotate,
        &key(2),
        "Jo",
        t("2026-11-04T09:00:00Z"),
    )
    .unwrap();
    let after = t("2026-11-05T09:00:00Z");
    assert!(m.valid_owner(key(2).fingerprint(), &after).is_none());
    assert!(m.valid_owner(key(3).fingerprint(), &after).is_some());
    assert!(m.valid_owner(key(4).fingerprint(), &after).is_some());
    assert!(fold(&bytes).is_ok());
}

#[test]
fn a_revocation_ends_the_key_and_is_kept_for_judging_lines() {
    let (mut m, mut bytes) = started();
    add(
        &mut m,
        &mut bytes,
        added("Jo", Role::Member, &key(2)),
        &key(1),
        "Admin",
    )
    .unwrap();
    let revoke = Change::KeyRevoked {
        key: key(2).fingerprint().into(),
        as_of: t("2026-11-10T00:00:00Z"),
        reason: "laptop stolen".into(),
        seen_head: Some("abc123".into()),
    };
    let e = add(&mut m, &mut bytes, revoke.clone(), &key(2), "Jo").unwrap_err();
    assert!(
        e.to_string()
            .contains("only a partnership admin may revoke a key"),
        "{e}"
    );
    add(&mut m, &mut bytes, revoke, &key(1), "Admin").unwrap();
    let s = fold(&bytes).unwrap().signers();
    assert_eq!(s.revoked.len(), 1);
    assert_eq!(s.revoked[0].seen_head.as_deref(), Some("abc123"));
    assert_eq!(s.revoked[0].by, "Admin");
    assert!(s.entries[1].valid_before.is_some());
}

#[test]
fn any_change_to_a_written_line_is_damage_naming_the_line() {
    let (mut m, mut bytes) = started();
    add(
        &mut m,
        &mut bytes,
        added("Jo", Role::Member, &key(2)),
        &key(1),
        "Admin",
    )
    .unwrap();
    let text = String::from_utf8(bytes.clone()).unwrap();
    // Another key under Jo's name, by hand.
    let edited = text.replace(&public(&key(2)), &public(&key(7)));
    let (line, what) = fold(edited.as_bytes()).unwrap_err();
    assert_eq!(line, 2, "{what}");
    // A line dropped.
    let first_only: String = text.lines().take(1).map(|l| format!("{l}\n")).collect();
    assert!(fold(first_only.as_bytes()).is_ok());
    let second_only: String = text.lines().skip(1).map(|l| format!("{l}\n")).collect();
    assert_eq!(fold(second_only.as_bytes()).unwrap_err().0, 1);
    // A torn last line.
    assert!(fold(&bytes[..bytes.len() - 1]).is_err());
}

#[test]
fn a_key_line_is_read_as_key_show_prints_it_or_as_openssh_prints_it() {
    let k = key(5);
    let plain = parse_key_line(&k.public_openssh()).unwrap();
    assert_eq!(plain.fingerprint, k.fingerprint());
    assert_eq!(plain.valid_after, None);
    let signers = crate::integrity::signing::signers_line(
        "Jo \"the DSL\"",
        &k,
        &t("2026-11-01T10:00:00Z"),
        Some("Hollyfield"),
    );
    let read = parse_key_line(&signers).unwrap();
    assert_eq!(read.fingerprint, k.fingerprint());
    assert_eq!(read.valid_after, Some(t("2026-11-01T00:00:00Z")));
    for bad in [
        "",
        "ssh-ed25519",
        "ssh-ed25519 notbase64",
        "hello world",
        "a\nb",
    ] {
        assert!(parse_key_line(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn a_change_dated_before_the_one_before_it_is_damage() {
    let (mut m, mut bytes) = started();
    add(
        &mut m,
        &mut bytes,
        added("Jo", Role::Member, &key(2)),
        &key(1),
        "Admin",
    )
    .unwrap();
    // Written in order by the rules, a change with an earlier clock is dated
    // with the last one...
    push(
        &mut m,
        &mut bytes,
        added("Pat", Role::Member, &key(3)),
        &key(1),
        "Admin",
        t("2026-11-01T09:00:00Z"),
    )
    .unwrap();
    let folded = fold(&bytes).unwrap();
    assert_eq!(folded.last_at, Some(t("2026-11-03T09:00:00Z")));
    // ...and one read from disk with an earlier `at` is refused (a thief's
    // backdated change after a revocation).
    let mut m = Members::default();
    let mut early = Vec::new();
    push(
        &mut m,
        &mut early,
        added("Admin", Role::Admin, &key(1)),
        &key(1),
        "Admin",
        t("2026-11-05T09:00:00Z"),
    )
    .unwrap();
    m.last_at = None;
    push(
        &mut m,
        &mut early,
        added("Jo", Role::Member, &key(2)),
        &key(1),
        "Admin",
        t("2026-11-04T09:00:00Z"),
    )
    .unwrap();
    let (line, what) = fold(&early).unwrap_err();
    assert_eq!(line, 2);
    assert!(what.contains("before the line before it"), "{what}");
}

#[test]
fn a_leaver_admitted_again_keeps_their_earlier_keys_lines() {
    let (mut m, mut bytes) = started();
    add(
        &mut m,
        &mut bytes,
        added("Jo", Role::Member, &key(2)),
        &key(1),
        "Admin",
    )
    .unwrap();
    let gone = Change::MemberRemoved {
        name: "Jo".into(),
        as_of: t("2026-11-10T00:00:00Z"),
        reason: "moved on".into(),
    };
    push(
        &mut m,
        &mut bytes,
        gone,
        &key(1),
        "Admin",
        t("2026-11-10T00:00:00Z"),
    )
    .unwrap();
    let mut back = added("Jo", Role::Member, &key(3));
    if let Change::MemberAdded { valid_from, .. } = &mut back {
        *valid_from = t("2026-12-01T00:00:00Z");
    }
    push(
        &mut m,
        &mut bytes,
        back,
        &key(1),
        "Admin",
        t("2026-12-01T00:00:00Z"),
    )
    .unwrap();
    let m = fold(&bytes).unwrap();
    assert!(m
        .valid_owner(key(2).fingerprint(), &t("2026-11-05T00:00:00Z"))
        .is_some());
    assert!(m
        .valid_owner(key(2).fingerprint(), &t("2026-11-20T00:00:00Z"))
        .is_none());
    assert!(m
        .valid_owner(key(3).fingerprint(), &t("2026-11-20T00:00:00Z"))
        .is_none());
    assert!(m
        .valid_owner(key(3).fingerprint(), &t("2026-12-02T00:00:00Z"))
        .is_some());
}

#[test]
fn a_line_a_command_would_refuse_is_damage_when_read() {
    let (mut m, mut bytes) = started();
    add(
        &mut m,
        &mut bytes,
        added("Jo", Role::Member, &key(2)),
        &key(1),
        "Admin",
    )
    .unwrap();
    // Jo (a member, not an admin) writes an admission herself, past the
    // command's check: well formed, chained and signed, but not allowed.
    let mut entry = Entry {
        v: line::MEMBERS_FORMAT,
        seq: 3,
        at: t("2026-11-04T09:00:00Z"),
        by: "Jo".into(),
        change: added("Mallory", Role::Admin, &key(8)),
        prev: m.head.clone(),
        nonce: None,
        signer: None,
        sig: None,
        hash: String::new(),
    };
    let text = line::encode_signed_in(NAMESPACE, &mut entry, &key(2)).unwrap();
    bytes.extend_from_slice(text.as_bytes());
    bytes.push(b'\n');
    let (line, what) = fold(&bytes).unwrap_err();
    assert_eq!(line, 3);
    assert!(
        what.contains("only a partnership admin may admit someone"),
        "{what}"
    );
    // Signed in the dispute journals' namespace instead: not a member-list line.
    let mut bytes = bytes[..bytes.len() - text.len() - 1].to_vec();
    let mut entry = Entry {
        change: added("Mallory", Role::Member, &key(8)),
        by: "Admin".into(),
        ..entry
    };
    let text =
        line::encode_signed_in(crate::integrity::signing::NAMESPACE, &mut entry, &key(1)).unwrap();
    bytes.extend_from_slice(text.as_bytes());
    bytes.push(b'\n');
    assert_eq!(fold(&bytes).unwrap_err().0, 3);
}
