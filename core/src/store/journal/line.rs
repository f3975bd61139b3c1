//! Turning records into journal lines and back, with the two hashes that make any
//! change detectable: `prev` chains each line to the one before, and `hash` seals
//! the line itself, so a change to the last line (which no later `prev` covers) is
//! caught too. The hashes are over the exact bytes on disk, not a re-serialisation,
//! so verification never depends on how a JSON library orders or escapes fields.

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::domain::event::Record;
use crate::error::{Error, Result};
use crate::policy::hex;

const HASH_KEY: &str = ",\"hash\":\"";
const SIG_KEY: &str = ",\"sig\":\"";

/// The newest line format this version reads and writes (see `Record::v`):
/// 4 is format 3 that may hold sealed text (`Record::sealed`, `Opened::seal_to`).
pub(crate) const FORMAT: u32 = 4;
/// The first format whose signature covers only the line's content: `seq` and
/// `prev` come after `sig`, so a line can be re-chained without being re-signed.
pub(crate) const CONTENT_SIGNED: u32 = 3;
/// `,"hash":"` + 64 hex digits + `"}`
const SEAL_LEN: usize = HASH_KEY.len() + 64 + 2;

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Serialise a record (its `hash` is ignored) into a sealed line, without newline.
/// A signed format-3 record comes out as `encode_signed` wrote it.
pub fn encode(record: &Record) -> Result<String> {
    if let (Some(v), Some(sig)) = (record.v, record.sig.as_deref()) {
        if v >= CONTENT_SIGNED {
            let signed = format!("{}{SIG_KEY}{sig}\"", content_body(record)?);
            return place(&signed, record.seq, &record.prev);
        }
    }
    let mut unsealed = record.clone();
    unsealed.hash = String::new();
    let open = open_body(&unsealed)?;
    Ok(format!(
        "{open}{HASH_KEY}{}\"}}",
        sha256_hex(open.as_bytes())
    ))
}

/// The record as a JSON object without `hash` and without its closing brace, ready
/// for the signature and seal to be added. A value that does not serialise as an
/// object is refused here: sealing `null` (or half of one) would append a line no
/// reader accepts.
fn open_body(record: &impl Serialize) -> Result<String> {
    let mut value = serde_json::to_value(record).map_err(|e| unserialisable(&e.to_string()))?;
    let Some(map) = value.as_object_mut() else {
        return Err(unserialisable("it is not a JSON object"));
    };
    map.remove("hash");
    // serde_json::Value renders a map in insertion order (preserve_order), so the
    // fields appear as the struct declares them.
    let mut body = value.to_string();
    body.pop();
    Ok(body)
}

/// A record that cannot be written as JSON is a bug in escalate, not the user's
/// doing: nothing is appended, and the message says so.
fn unserialisable(why: &str) -> Error {
    Error::internal(format!(
        "internal error: the event could not be written as a journal line ({why}); nothing was written"
    ))
}

/// Serialise a record as a signed line of the current format (3): `v`, the
/// signer's fingerprint and the signature are filled in on `record` (so the
/// record matches the line), and the seal covers everything. The caller has set
/// `dispute`, which every format-3 line carries; a fresh `nonce` is given to a
/// record without one.
///
/// The members come in the order the signature needs: the content (`v`,
/// `dispute`, `nonce`, `at`, `happened`, `by`, the event's fields, `signer`),
/// then `sig` over the bytes before it, then the line's place in the journal
/// (`seq`, `prev`), then the seal. The place is chained and sealed but not
/// signed, so sync can move an unsent line after the partnership's without
/// signing it again (clarification 15).
pub fn encode_signed(record: &mut Record, key: &crate::integrity::signing::Key) -> Result<String> {
    record.v = Some(FORMAT);
    record.signer = Some(key.fingerprint().to_owned());
    record.sig = None;
    record.hash = String::new();
    if record.dispute.is_none() {
        return Err(unserialisable("a format-3 line must name its dispute"));
    }
    if record.nonce.is_none() {
        record.nonce = Some(fresh_nonce()?);
    }
    let content = content_body(record)?;
    let sig = key.sign_in(crate::integrity::signing::NAMESPACE, content.as_bytes())?;
    let signed = format!("{content}{SIG_KEY}{sig}\"");
    let line = place(&signed, record.seq, &record.prev)?;
    record.sig = Some(sig);
    record.hash = seal_of(&line).to_owned();
    Ok(line)
}

/// A line of the member list: the fields its encoder fills in.
pub(crate) trait Signable: Serialize {
    /// Before signing: the format, the signer, no signature, no seal.
    fn unsigned(&mut self, format: u32, signer: &str);
    /// After: the signature and the seal, so `encode` gives the same bytes.
    fn signed(&mut self, sig: String, hash: String);
}

/// The member list's line format: format 2's layout, whose signature covers the
/// line's place too. Only commands write the member list, each line in order
/// after the one before (a member's own unsent lines are signed again by them
/// when the partnership's list moved on), so nothing needs to move a line
/// without its author: the re-chaining that format 3 exists for never happens.
pub(crate) const MEMBERS_FORMAT: u32 = 2;

/// A line of the member list (format 2 layout), its signature made in `namespace`.
pub(crate) fn encode_signed_in(
    namespace: &str,
    record: &mut impl Signable,
    key: &crate::integrity::signing::Key,
) -> Result<String> {
    record.unsigned(MEMBERS_FORMAT, key.fingerprint());
    let open = open_body(&*record)?;
    let sig = key.sign_in(namespace, open.as_bytes())?;
    let signed = format!("{open}{SIG_KEY}{sig}\"");
    let line = format!("{signed}{HASH_KEY}{}\"}}", sha256_hex(signed.as_bytes()));
    let hash = seal_of(&line).to_owned();
    record.signed(sig, hash);
    Ok(line)
}

/// The first line (from 1) at which journal bytes `new` stop repeating `old`:
/// where a copy that should only have grown changed or lost a line.
pub(crate) fn first_difference(old: &[u8], new: &[u8]) -> usize {
    old.split_inclusive(|&b| b == b'\n')
        .zip(new.split_inclusive(|&b| b == b'\n'))
        .take_while(|(a, b)| a == b)
        .count()
        + 1
}

/// 16 random bytes in hex: a line's nonce.
pub(crate) fn fresh_nonce() -> Result<String> {
    let mut nonce = [0u8; 16];
    getrandom::fill(&mut nonce).map_err(|e| {
        Error::io(
            "could not get random bytes for a new line",
            std::io::Error::other(e.to_string()),
        )
    })?;
    Ok(crate::policy::hex(&nonce))
}

/// A format-3 line's signed part (up to and including `sig`) put at line `seq`
/// after a line whose hash is `prev`, and sealed. Re-chaining a line is this over
/// the signed part it already had, byte for byte.
pub(crate) fn place(signed: &str, seq: u64, prev: &str) -> Result<String> {
    let open = format!("{signed}{}", place_members(seq, prev)?);
    Ok(format!(
        "{open}{HASH_KEY}{}\"}}",
        sha256_hex(open.as_bytes())
    ))
}

/// `,"seq":N,"prev":"..."`: what follows the signature in a format-3 line.
fn place_members(seq: u64, prev: &str) -> Result<String> {
    let prev = serde_json::to_string(prev).map_err(|e| unserialisable(&e.to_string()))?;
    Ok(format!(",\"seq\":{seq},\"prev\":{prev}"))
}

/// The members a format-3 signature covers, in their order, as an open JSON
/// object. A correction that names its target by nonce (`target`) leaves the
/// target's line number out: numbers change when a line is re-chained.
fn content_body(record: &Record) -> Result<String> {
    let value = serde_json::to_value(record).map_err(|e| unserialisable(&e.to_string()))?;
    let serde_json::Value::Object(mut map) = value else {
        return Err(unserialisable("it is not a JSON object"));
    };
    // `shift_remove` keeps the others in the order the types declare them.
    for key in ["seq", "prev", "sig", "hash"] {
        map.shift_remove(key);
    }
    // A sealed line read back and opened holds its plain text in memory only:
    // it must never be written again with it.
    if map.contains_key("sealed") {
        let kind = map.get("kind").and_then(|k| k.as_str()).unwrap_or_default();
        if crate::privacy::text_fields(kind)
            .iter()
            .any(|f| map.contains_key(*f))
        {
            return Err(unserialisable(
                "a sealed line would be written with its text in clear",
            ));
        }
    }
    if map.get("kind").and_then(|k| k.as_str()) == Some("amended") && map.contains_key("target") {
        map.shift_remove("event");
    }
    let mut ordered = serde_json::Map::new();
    for key in ["v", "dispute", "nonce", "at", "happened", "by"] {
        if let Some(v) = map.shift_remove(key) {
            ordered.insert(key.to_owned(), v);
        }
    }
    let signer = map.shift_remove("signer");
    ordered.extend(map);
    if let Some(v) = signer {
        ordered.insert("signer".to_owned(), v);
    }
    let mut body = serde_json::Value::Object(ordered).to_string();
    body.pop();
    Ok(body)
}

/// A format-3 line's signed part up to and including the signature's closing
/// quote: what re-chaining keeps byte for byte.
pub(crate) fn signed_through_sig(line: &[u8]) -> Option<&str> {
    let (msg, sig) = signed_part(line)?;
    let end = msg.len() + SIG_KEY.len() + sig.len() + 1;
    std::str::from_utf8(line.get(..end)?).ok()
}

/// The bytes a line's signature covers and the signature itself, when it has one:
/// everything before `,"sig":"`, which can only be the member escalate wrote,
/// because a `"` inside a JSON string is always escaped. The signature runs to
/// the next `"`: the end of the line's content in format 2, the line's place
/// (`seq`, `prev`) in format 3.
pub(crate) fn signed_part(line: &[u8]) -> Option<(&[u8], &str)> {
    let text = std::str::from_utf8(line).ok()?;
    let sealed = text.get(..text.len().checked_sub(SEAL_LEN)?)?;
    let at = sealed.rfind(SIG_KEY)?;
    let rest = &sealed[at + SIG_KEY.len()..];
    let sig = &rest[..rest.find('"')?];
    let after = &rest[sig.len() + 1..];
    if !(after.is_empty() || after.starts_with(",\"seq\":")) {
        return None;
    }
    Some((&line[..at], sig))
}

/// What a format-3 line must hold beyond what its kind needs, checked once the
/// line has parsed: its dispute and a nonce in the signed part, and after the
/// signature exactly its `seq` and `prev`, so nothing that changes its meaning
/// sits outside what was signed.
fn check_content_signed(text: &str, record: &Record) -> std::result::Result<(), String> {
    if record.dispute.is_none() || record.nonce.is_none() {
        return Err("a format-3 line must name its dispute and carry a nonce".into());
    }
    // A line without its signature is judged where every line's signature is
    // (`LineCheck`): it does not count, as a stripped format-2 signature does.
    let Some(sig) = record.sig.as_deref() else {
        return Ok(());
    };
    let tail = place_members(record.seq, &record.prev).map_err(|e| e.to_string())?;
    let expected = format!("{SIG_KEY}{sig}\"{tail}");
    let open = &text[..text.len() - SEAL_LEN];
    if !open.ends_with(&expected) || open.matches(SIG_KEY).count() != 1 {
        return Err(
            "the line's members are not in the order of its format (only seq and prev may follow the signature)"
                .into(),
        );
    }
    Ok(())
}

/// The format version a line declares (`{"v":N,...`), read before anything else so
/// that a line from a newer escalate is never mistaken for damage.
pub(crate) fn version(line: &[u8]) -> Option<u64> {
    let rest = line.strip_prefix(b"{\"v\":")?;
    let end = rest.iter().position(|b| !b.is_ascii_digit())?;
    std::str::from_utf8(&rest[..end]).ok()?.parse().ok()
}

/// Whether a line's seal matches its bytes, whatever else is in it. The seal is
/// the one rule every format keeps, so this is how a line from a newer format is
/// told apart from damage.
pub(crate) fn seal_ok(line: &[u8]) -> bool {
    let Some(text) = std::str::from_utf8(line).ok() else {
        return false;
    };
    let Some(open) = text
        .len()
        .checked_sub(SEAL_LEN)
        .and_then(|at| text.get(..at))
    else {
        return false;
    };
    let seal = &text[open.len()..];
    seal.strip_prefix(HASH_KEY)
        .and_then(|s| s.strip_suffix("\"}"))
        .is_some_and(|d| d == sha256_hex(open.as_bytes()))
}

/// The hash digits of a line `encode` produced.
pub(crate) fn seal_of(line: &str) -> &str {
    &line[line.len() - 66..line.len() - 2]
}

/// Check a line's seal; returns the record or what is wrong, in words.
/// Check a line's seal and parse it. Returns the record and the SHA-256 of the
/// whole line (what the next line's `prev` must be), computed in the same pass as
/// the seal: the line is the sealed prefix plus the seal itself.
pub(crate) fn decode(line: &[u8]) -> std::result::Result<(Record, String), String> {
    let text = std::str::from_utf8(line).map_err(|_| "the line is not UTF-8 text".to_string())?;
    if text.len() < SEAL_LEN || !text.is_char_boundary(text.len() - SEAL_LEN) {
        return Err("the line is too short to be a journal line".into());
    }
    let (open, seal) = text.split_at(text.len() - SEAL_LEN);
    let digest = seal
        .strip_prefix(HASH_KEY)
        .and_then(|s| s.strip_suffix("\"}"))
        .filter(|d| {
            d.len() == 64
                && d.bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        })
        .ok_or_else(|| "the line does not end with its hash seal".to_string())?;
    let mut hasher = Sha256::new();
    hasher.update(open.as_bytes());
    let sealed = hex(&hasher.clone().finalize());
    hasher.update(seal.as_bytes());
    let whole = hex(&hasher.finalize());
    if sealed != digest {
        return Err(
            "the line's contents do not match its hash (it was changed after it was written)"
                .into(),
        );
    }
    // serde's message can quote the offending value, which may be about a child;
    // say only what kind of problem it is and where.
    let record: Record = serde_json::from_str(text).map_err(|e| {
        let what = match e.classify() {
            serde_json::error::Category::Data => "it does not have the fields its kind needs",
            _ => "it is not well-formed JSON",
        };
        format!(
            "the line is not a valid event: {what} (column {})",
            e.column()
        )
    })?;
    if record.v.is_some_and(|v| v >= CONTENT_SIGNED) {
        check_content_signed(text, &record)?;
    }
    Ok((record, whole))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_that_does_not_serialise_is_an_error_not_a_null_line() {
        // JSON object keys must be strings; serde_json refuses a map keyed by pairs.
        let unserialisable: std::collections::BTreeMap<(u8, u8), u8> = [((1, 2), 3)].into();
        let err = open_body(&unserialisable).unwrap_err();
        assert!(err.to_string().starts_with("internal error:"), "{err}");
        assert!(open_body(&serde_json::Value::Null).is_err());
        assert!(open_body(&[1, 2]).is_err());
    }

    /// A format-3 discussion on line `seq` of dispute `AAAAAAAAAA`, signed.
    fn signed(seq: u64, prev: &str) -> (Record, String) {
        let key = crate::integrity::signing::Key::from_seed(&[3; 32], "t");
        let at = crate::domain::clock::parse_instant("2026-11-23T09:00:00Z").unwrap();
        let mut r = Record::new(
            seq,
            (at, None),
            "Sam",
            crate::domain::event::Event::Discussed {
                stage: 1,
                note: "n".into(),
                with: None,
            },
        );
        r.prev = prev.into();
        r.dispute = Some("AAAAAAAAAA".into());
        let line = encode_signed(&mut r, &key).unwrap();
        (r, line)
    }

    #[test]
    fn a_format_3_signature_covers_the_content_and_not_the_place() {
        let (record, line) = signed(4, &"a".repeat(64));
        assert!(
            line.starts_with(r#"{"v":4,"dispute":"AAAAAAAAAA","nonce":""#),
            "{line}"
        );
        let (msg, sig) = signed_part(line.as_bytes()).unwrap();
        let msg = std::str::from_utf8(msg).unwrap();
        assert!(msg.ends_with(r#","signer":"SHA256:"#) || msg.contains(r#","signer":"SHA256:"#));
        assert!(
            !msg.contains("\"seq\"") && !msg.contains("\"prev\""),
            "{msg}"
        );
        assert_eq!(Some(sig), record.sig.as_deref());
        crate::integrity::signing::check(msg.as_bytes(), sig, record.signer.as_deref().unwrap())
            .unwrap();
        // Moved to line 9: the signed part is the same bytes, the line reads back.
        let moved = place(
            signed_through_sig(line.as_bytes()).unwrap(),
            9,
            &"b".repeat(64),
        )
        .unwrap();
        assert_eq!(signed_part(moved.as_bytes()), signed_part(line.as_bytes()));
        let (back, _) = decode(moved.as_bytes()).unwrap();
        assert_eq!((back.seq, back.prev.as_str()), (9, "b".repeat(64).as_str()));
        // Re-encoding a read record gives its bytes (the generator relies on it).
        assert_eq!(encode(&back).unwrap(), moved);
        assert_eq!(encode(&record).unwrap(), line);
    }

    #[test]
    fn a_format_3_line_with_anything_unsigned_but_its_place_is_refused() {
        let (_, line) = signed(4, "");
        let reseal = |open: &str| format!("{open}{HASH_KEY}{}\"}}", sha256_hex(open.as_bytes()));
        let open = &line[..line.len() - SEAL_LEN];
        // A member slipped in after the signature, where it is not signed.
        let extra = reseal(&format!(
            "{open},\"happened\":\"2026-11-01T09:00:00+00:00\""
        ));
        assert!(
            decode(extra.as_bytes()).unwrap_err().contains("order"),
            "{extra}"
        );
        // The place moved in front of the signature.
        let sig_at = open.find(SIG_KEY).unwrap();
        let swapped = reseal(&format!(
            "{}{}{}",
            &open[..sig_at],
            ",\"seq\":4,\"prev\":\"\"",
            &open[sig_at..open.find(",\"seq\"").unwrap()]
        ));
        assert!(decode(swapped.as_bytes()).is_err(), "{swapped}");
        // No dispute: refused when written, and when read.
        let key = crate::integrity::signing::Key::from_seed(&[3; 32], "t");
        let mut r = signed(2, "").0;
        r.dispute = None;
        assert!(encode_signed(&mut r, &key).is_err());
        let undisputed = reseal(&open.replace(r#","dispute":"AAAAAAAAAA""#, ""));
        assert!(decode(undisputed.as_bytes())
            .unwrap_err()
            .contains("dispute"));
    }

    #[test]
    fn a_record_seals_as_before_and_reads_back() {
        let open = r#"{"seq":2,"at":"2026-11-02T09:00:00+00:00","by":"sam","kind":"discussed","stage":1,"note":"n","prev":"""#;
        let line = format!("{open}{HASH_KEY}{}\"}}", sha256_hex(open.as_bytes()));
        let (record, _) = decode(line.as_bytes()).unwrap();
        assert_eq!(encode(&record).unwrap(), line);
    }
}
