//! The sealing rules: what is sealed and what stays clear, who can open it,
//! and how two clones' key stores merge.

use std::collections::BTreeMap;

use super::merge::{merge, Wanted};
use super::*;
use crate::domain::event::{Event, Record};
use crate::integrity::signing::Key;

fn at() -> crate::domain::clock::Instant {
    crate::domain::clock::parse_instant("2026-11-23T09:00:00Z").unwrap()
}

fn discussed(note: &str) -> Record {
    Record::new(
        2,
        (at(), None),
        "Sam",
        Event::Discussed {
            stage: 1,
            note: note.into(),
            with: Some("Duty manager".into()),
        },
    )
}

fn recipient(key: &Key) -> Recipient {
    Recipient {
        fingerprint: key.fingerprint().to_owned(),
        public: key.public_openssh(),
        name: "x".into(),
        agency: "School".into(),
    }
}

fn readers(keys: &[&Key]) -> Readers {
    let mut r = Readers::default();
    for k in keys {
        r.push(k);
    }
    r
}

#[test]
fn a_sealed_line_keeps_its_counted_fields_in_clear_and_opens_with_the_key() {
    let key = DisputeKey::generate();
    let mut r = discussed("MARKER spoke to the duty manager");
    seal(&mut r, &key.recipient()).unwrap();
    let json = serde_json::to_string(&r).unwrap();
    assert!(
        !json.contains("MARKER") && !json.contains("Duty manager"),
        "{json}"
    );
    assert!(json.contains(r#""stage":1"#) && json.contains(r#""kind":"discussed""#));
    let mut opened = r.clone();
    open(&mut opened, &key).unwrap();
    assert_eq!(
        opened.event,
        discussed("MARKER spoke to the duty manager").event
    );
    // Another dispute's key opens nothing, and the line stays blank.
    let mut other = r.clone();
    assert!(open(&mut other, &DisputeKey::generate()).is_err());
    assert_eq!(other.event, r.event);
}

#[test]
fn sealed_text_cannot_change_what_is_counted() {
    let key = DisputeKey::generate();
    let mut r = discussed("n");
    // Sealed text claiming another stage: refused, not taken.
    let forged = age::encrypt(
        &age::x25519::Recipient::from_str(&key.recipient()).unwrap(),
        br#"{"note":"n","stage":4}"#,
    )
    .unwrap();
    r.sealed = Some(Base64::encode_string(&forged));
    assert!(open(&mut r, &key).is_err());
    assert!(matches!(r.event, Event::Discussed { stage: 1, .. }));
}

#[test]
fn a_line_with_its_text_opened_is_never_written_again() {
    let key = DisputeKey::generate();
    let signer = Key::from_seed(&[7; 32], "t");
    let mut r = discussed("secret");
    r.dispute = Some("AAAAAAAAAA".into());
    seal(&mut r, &key.recipient()).unwrap();
    assert!(crate::store::journal::line::encode_signed(&mut r.clone(), &signer).is_ok());
    open(&mut r, &key).unwrap();
    let err = crate::store::journal::line::encode_signed(&mut r, &signer).unwrap_err();
    assert!(err.to_string().contains("in clear"), "{err}");
}

#[test]
fn a_wrapped_key_opens_only_for_its_recipients() {
    let (a, b, c) = (
        Key::from_seed(&[1; 32], "a"),
        Key::from_seed(&[2; 32], "b"),
        Key::from_seed(&[3; 32], "c"),
    );
    let key = DisputeKey::generate();
    let entry = Entry::wrap("AAAAAAAAAA", &key, &[recipient(&a), recipient(&b)]).unwrap();
    let parsed = Entry::parse("AAAAAAAAAA", &entry.to_bytes()).unwrap();
    for (who, opens) in [(&a, true), (&b, true), (&c, false)] {
        let got = parsed.unwrap(&readers(&[who]));
        assert_eq!(got.map(|k| k.recipient()), opens.then(|| key.recipient()));
    }
    assert!(parsed.wrapped_for(&[recipient(&b), recipient(&a)]));
    assert!(!parsed.wrapped_for(&[recipient(&a)]));
    // Filed under another dispute, damaged, or oversized: named, not used.
    assert!(Entry::parse("BBBBBBBBBB", &entry.to_bytes()).is_err());
    let mut broken = entry.clone();
    broken.key = "bm90IGFnZQ==".into();
    assert!(Entry::parse("AAAAAAAAAA", &broken.to_bytes()).is_err());
    assert!(Entry::parse("AAAAAAAAAA", &vec![b' '; entry::MAX_BYTES + 1]).is_err());
}

#[test]
fn merging_key_stores_lets_an_erasure_win_and_rewraps_for_who_may_read_now() {
    let (a, b) = (Key::from_seed(&[1; 32], "a"), Key::from_seed(&[2; 32], "b"));
    let (k1, k2) = (DisputeKey::generate(), DisputeKey::generate());
    let e1 = Entry::wrap("AAAAAAAAAA", &k1, &[recipient(&a)])
        .unwrap()
        .to_bytes();
    let e2 = Entry::wrap("BBBBBBBBBB", &k2, &[recipient(&a)])
        .unwrap()
        .to_bytes();
    let local = BTreeMap::from([("AAAAAAAAAA".to_owned(), e1.clone())]);
    let fetched = BTreeMap::from([("BBBBBBBBBB".to_owned(), e2.clone())]);
    let (s1, s2) = (k1.recipient(), k2.recipient());
    let wanted = |id: &str| {
        Some(match id {
            // A member of a party agency joined: b should read it too.
            "AAAAAAAAAA" => Wanted {
                seal_to: s1.clone(),
                recipients: vec![recipient(&a), recipient(&b)],
                erased: false,
            },
            _ => Wanted {
                seal_to: s2.clone(),
                recipients: vec![recipient(&a)],
                erased: true,
            },
        })
    };
    let merged = merge(&local, &fetched, &readers(&[&a]), &wanted).unwrap();
    assert_eq!(merged.dropped, ["BBBBBBBBBB"]);
    assert_eq!(merged.rewrapped, ["AAAAAAAAAA"]);
    let kept = Entry::parse("AAAAAAAAAA", &merged.entries["AAAAAAAAAA"]).unwrap();
    assert_eq!(
        kept.unwrap(&readers(&[&b])).map(|k| k.recipient()),
        Some(s1.clone())
    );
    assert!(!merged.entries.contains_key("BBBBBBBBBB"));
    // Someone who cannot open it keeps it as it is, and a partner's entry
    // that does not open to the dispute's key loses to one that does.
    let merged = merge(&local, &BTreeMap::new(), &readers(&[&b]), &wanted).unwrap();
    assert_eq!(merged.entries["AAAAAAAAAA"], e1);
    let forged = Entry::wrap("AAAAAAAAAA", &DisputeKey::generate(), &[recipient(&a)])
        .unwrap()
        .to_bytes();
    let theirs = BTreeMap::from([("AAAAAAAAAA".to_owned(), forged)]);
    let merged = merge(&local, &theirs, &readers(&[&a]), &wanted).unwrap();
    let kept = Entry::parse("AAAAAAAAAA", &merged.entries["AAAAAAAAAA"]).unwrap();
    assert_eq!(
        kept.unwrap(&readers(&[&a])).map(|k| k.recipient()),
        Some(s1)
    );
}
