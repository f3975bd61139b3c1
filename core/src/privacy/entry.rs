//! A wrapped key: one dispute's key encrypted (by age) to the ssh-ed25519 keys
//! of the people who may read it. One line of JSON per dispute, the same bytes
//! in the local key store and on the partnership's keys ref:
//! `{"v":1,"dispute":ID,"to":["SHA256:...",...],"key":"<base64 age file>"}`.
//! `to` lists the recipients' fingerprints in clear, so whoever can unwrap it
//! can tell, without unwrapping, whether someone who should read it is missing.
//! An entry is input from others: `parse` checks everything a reader relies on.

use std::io::Write;

use base64ct::{Base64, Encoding};
use serde::{Deserialize, Serialize};

use super::{DisputeKey, Readers, Recipient};
use crate::error::{Error, Result};

/// The entry format this version writes and reads.
const VERSION: u32 = 1;
/// No entry escalate writes comes near this (a few hundred bytes a recipient).
pub const MAX_BYTES: usize = 64 * 1024;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub v: u32,
    pub dispute: String,
    /// The fingerprints (`SHA256:...`) it is wrapped for, sorted.
    pub to: Vec<String>,
    /// The base64 of an age file holding the dispute's private key.
    pub key: String,
}

impl Entry {
    /// Wrap `key` for `recipients` (at least one).
    pub(crate) fn wrap(dispute: &str, key: &DisputeKey, recipients: &[Recipient]) -> Result<Entry> {
        let failed = |why: String| {
            Error::internal(format!(
                "internal error: the dispute's key could not be wrapped ({why}); nothing was written"
            ))
        };
        let parsed = recipients
            .iter()
            .map(|r| r.age().map_err(failed))
            .collect::<Result<Vec<_>>>()?;
        let encryptor =
            age::Encryptor::with_recipients(parsed.iter().map(|r| r as &dyn age::Recipient))
                .map_err(|e| failed(e.to_string()))?;
        let mut out = Vec::new();
        let mut writer = encryptor
            .wrap_output(&mut out)
            .map_err(|e| failed(e.to_string()))?;
        writer
            .write_all(key.secret().as_bytes())
            .and_then(|()| writer.finish().map(drop))
            .map_err(|e| failed(e.to_string()))?;
        let mut to: Vec<String> = recipients.iter().map(|r| r.fingerprint.clone()).collect();
        to.sort();
        to.dedup();
        Ok(Entry {
            v: VERSION,
            dispute: dispute.to_owned(),
            to,
            key: Base64::encode_string(&out),
        })
    }

    /// The bytes stored: one line of JSON.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = serde_json::to_vec(self).unwrap_or_default();
        bytes.push(b'\n');
        bytes
    }

    /// Read an entry stored as dispute `id`'s, or say what is wrong with it in
    /// words (the caller names the file). Checks its size, its JSON, that it is
    /// the dispute it is filed as, and that its key is an age file (its header
    /// parses: what can be told without a key).
    pub fn parse(id: &str, bytes: &[u8]) -> std::result::Result<Entry, String> {
        if bytes.len() > MAX_BYTES {
            return Err(format!(
                "it is {} bytes, more than a wrapped key can be",
                bytes.len()
            ));
        }
        let entry: Entry = serde_json::from_slice(bytes)
            .map_err(|_| "it is not a wrapped key escalate writes".to_owned())?;
        if entry.v != VERSION {
            return Err(format!("it is of format {}, not {VERSION}", entry.v));
        }
        if entry.dispute != id {
            return Err("it names another dispute".to_owned());
        }
        if entry.to.is_empty() {
            return Err("it is wrapped for no one".to_owned());
        }
        let age = entry.age_file()?;
        age::Decryptor::new_buffered(age.as_slice())
            .map_err(|_| "its wrapped key is not an age file".to_owned())?;
        Ok(entry)
    }

    fn age_file(&self) -> std::result::Result<Vec<u8>, String> {
        Base64::decode_vec(&self.key).map_err(|_| "its wrapped key is not base64".to_owned())
    }

    /// The dispute's key, if one of `readers` can unwrap it.
    pub fn unwrap(&self, readers: &Readers) -> Option<DisputeKey> {
        if readers.is_empty() {
            return None;
        }
        let age = self.age_file().ok()?;
        let decryptor = age::Decryptor::new_buffered(age.as_slice()).ok()?;
        let mut reader = decryptor.decrypt(readers.identities()).ok()?;
        let mut secret = String::new();
        std::io::Read::read_to_string(&mut reader, &mut secret).ok()?;
        DisputeKey::parse(&secret)
    }

    /// Whether it is wrapped for exactly `recipients`.
    pub fn wrapped_for(&self, recipients: &[Recipient]) -> bool {
        let mut want: Vec<&str> = recipients.iter().map(|r| r.fingerprint.as_str()).collect();
        want.sort_unstable();
        want.dedup();
        self.to.iter().map(String::as_str).eq(want)
    }
}
