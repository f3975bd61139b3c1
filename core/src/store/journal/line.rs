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

/// The newest line format this version reads and writes (see `Record::v`).
pub(crate) const FORMAT: u32 = 2;
/// `,"hash":"` + 64 hex digits + `"}`
const SEAL_LEN: usize = HASH_KEY.len() + 64 + 2;

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Serialise a record (its `hash` is ignored) into a sealed line, without newline.
pub fn encode(record: &Record) -> Result<String> {
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

/// Serialise a record as a signed line of the current format: `v`, the signer's
/// fingerprint and the signature are filled in on `record` (so `encode` of it
/// gives the same bytes again), and the seal covers the signature.
pub fn encode_signed(record: &mut Record, key: &crate::integrity::signing::Key) -> Result<String> {
    encode_signed_in(crate::integrity::signing::NAMESPACE, record, key)
}

/// A line of any journal escalate signs (a dispute's, the member list): the
/// fields the encoder fills in. One encoder for all, so every journal gets the
/// same line format.
pub(crate) trait Signable: Serialize {
    /// Before signing: the format, the signer, no signature, no seal.
    fn unsigned(&mut self, format: u32, signer: &str);
    /// After: the signature and the seal, so `encode` gives the same bytes.
    fn signed(&mut self, sig: String, hash: String);
}

impl Signable for Record {
    fn unsigned(&mut self, format: u32, signer: &str) {
        self.v = Some(format);
        self.signer = Some(signer.to_owned());
        self.sig = None;
        self.hash = String::new();
    }
    fn signed(&mut self, sig: String, hash: String) {
        self.sig = Some(sig);
        self.hash = hash;
    }
}

/// [`encode_signed`] for any signed journal, its signature made in `namespace`.
pub(crate) fn encode_signed_in(
    namespace: &str,
    record: &mut impl Signable,
    key: &crate::integrity::signing::Key,
) -> Result<String> {
    record.unsigned(FORMAT, key.fingerprint());
    let open = open_body(&*record)?;
    let sig = key.sign_in(namespace, open.as_bytes())?;
    let signed = format!("{open}{SIG_KEY}{sig}\"");
    let line = format!("{signed}{HASH_KEY}{}\"}}", sha256_hex(signed.as_bytes()));
    let hash = seal_of(&line).to_owned();
    record.signed(sig, hash);
    Ok(line)
}

/// The bytes a line's signature covers and the signature itself, when it has one:
/// everything before `,"sig":"`, which can only be the member escalate wrote,
/// because a `"` inside a JSON string is always escaped.
pub(crate) fn signed_part(line: &[u8]) -> Option<(&[u8], &str)> {
    let text = std::str::from_utf8(line).ok()?;
    let sealed = text.get(..text.len().checked_sub(SEAL_LEN)?)?;
    let at = sealed.rfind(SIG_KEY)?;
    let sig = sealed[at + SIG_KEY.len()..].strip_suffix('"')?;
    Some((&line[..at], sig))
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

    #[test]
    fn a_record_seals_as_before_and_reads_back() {
        let open = r#"{"seq":2,"at":"2026-11-02T09:00:00+00:00","by":"sam","kind":"discussed","stage":1,"note":"n","prev":"""#;
        let line = format!("{open}{HASH_KEY}{}\"}}", sha256_hex(open.as_bytes()));
        let (record, _) = decode(line.as_bytes()).unwrap();
        assert_eq!(encode(&record).unwrap(), line);
    }
}
