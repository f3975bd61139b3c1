//! Dispute identifiers. Ten characters of Crockford base32 (no I, L, O or U), drawn at
//! random: short enough to read out on the phone, with no letters that look like
//! digits, and unique without any counter two offices would both increment (50 random
//! bits: a collision among a million disputes is about one in two thousand million,
//! and creating a journal never overwrites one that exists).

use std::fmt;

use crate::error::{Error, Hint, Result};

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
pub(crate) const LEN: usize = 10;

#[derive(
    Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct DisputeId(String);

impl DisputeId {
    pub(crate) fn random() -> Result<Self> {
        let mut bytes = [0u8; LEN];
        getrandom::fill(&mut bytes).map_err(|e| {
            Error::io(
                "could not get random bytes for a new dispute ID",
                std::io::Error::other(e.to_string()),
            )
        })?;
        Ok(DisputeId(
            bytes
                .iter()
                .map(|b| ALPHABET[(b & 31) as usize] as char)
                .collect(),
        ))
    }

    /// An ID read back from a file name; `None` if it is not one escalate would make.
    pub(crate) fn from_file_stem(stem: &str) -> Option<Self> {
        (stem.len() == LEN && stem.bytes().all(|b| ALPHABET.contains(&b)))
            .then(|| DisputeId(stem.to_owned()))
    }

    /// A number that sorts as the ID does: each byte of the alphabet, from '0'
    /// (0x30) to 'Z' (0x5A), less 0x30 fits six bits, and ten of them a u64. Exact
    /// for the IDs `from_file_stem` takes; sorting a hundred thousand by it costs
    /// no string comparison.
    pub(crate) fn order_key(&self) -> u64 {
        self.0.bytes().fold(0u64, |n, b| {
            (n << 6) | u64::from(b.wrapping_sub(b'0') & 0x3F)
        })
    }

    /// The ID whose `order_key` this is (for the IDs `from_file_stem` takes), so
    /// a long list of IDs can be kept as numbers.
    pub(crate) fn from_order_key(key: u64) -> DisputeId {
        DisputeId(
            (0..LEN)
                .rev()
                .map(|i| char::from(b'0' + ((key >> (6 * i)) & 0x3F) as u8))
                .collect(),
        )
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DisputeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Normalise what a person typed (or read over the phone) into the canonical
/// alphabet: upper case, spaces and hyphens dropped, and the Crockford look-alikes
/// O→0, I/L→1. Anything else is refused before it can get near the file system.
pub(crate) fn normalise_prefix(typed: &str) -> Result<String> {
    let mut out = String::new();
    for c in typed.chars() {
        let c = match c.to_ascii_uppercase() {
            ' ' | '-' => continue,
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        };
        if !c.is_ascii() || !ALPHABET.contains(&(c as u8)) {
            return Err(bad_id(typed));
        }
        out.push(c);
    }
    if out.is_empty() || out.len() > LEN {
        return Err(bad_id(typed));
    }
    Ok(out)
}

fn bad_id(typed: &str) -> Error {
    let shown: String = typed.chars().filter(|c| !c.is_control()).take(40).collect();
    Error::usage(format!("{shown:?} is not a dispute ID")).with_hint(Hint::IdShape)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_order_key_sorts_as_the_ids_do() {
        let mut ids: Vec<DisputeId> = (0..2000).map(|_| DisputeId::random().unwrap()).collect();
        for edge in [
            "0000000000",
            "ZZZZZZZZZZ",
            "9ZZZZZZZZZ",
            "A000000000",
            "0000000001",
        ] {
            ids.push(DisputeId::from_file_stem(edge).unwrap());
        }
        let mut by_key = ids.clone();
        by_key.sort_by_key(DisputeId::order_key);
        ids.sort();
        assert_eq!(by_key, ids);
        for id in &ids {
            assert_eq!(&DisputeId::from_order_key(id.order_key()), id);
        }
    }

    #[test]
    fn random_ids_use_the_alphabet() {
        for _ in 0..100 {
            let id = DisputeId::random().unwrap();
            assert_eq!(DisputeId::from_file_stem(id.as_str()), Some(id));
        }
    }

    #[test]
    fn typed_ids_are_normalised() {
        assert_eq!(normalise_prefix("7k3m-9qxo").unwrap(), "7K3M9QX0");
        assert_eq!(normalise_prefix("il").unwrap(), "11");
    }

    #[test]
    fn hostile_ids_are_refused() {
        for bad in ["../etc", "A/B", "a\0b", "", "U", "ÄB", "12345678901"] {
            assert!(normalise_prefix(bad).is_err(), "{bad:?}");
        }
    }
}
