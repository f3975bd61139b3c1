//! Who is reading: the running user's own keys (the current signing key and any
//! retired by `key rotate` or `key new --replace`), as age identities that
//! unwrap the dispute keys wrapped for them. Read from the key directory, which
//! is never the data directory.

use crate::integrity::signing::Keyring;

/// The user's keys that can unwrap a wrapped key: none when they have no key
/// (they then read every sealed dispute as sealed, never an error).
#[derive(Default)]
pub struct Readers {
    identities: Vec<age::ssh::Identity>,
    /// The fingerprints of those keys.
    fingerprints: Vec<String>,
}

impl Readers {
    /// The user's current and retired keys from `keyring`'s key directory.
    pub fn of(keyring: &Keyring) -> Readers {
        let mut readers = Readers::default();
        for key in keyring.own_keys() {
            readers.push(&key);
        }
        readers
    }

    /// Add one of the user's keys.
    pub(crate) fn push(&mut self, key: &crate::integrity::signing::Key) {
        let Some(text) = key.openssh_private() else {
            return;
        };
        if let Ok(identity) = age::ssh::Identity::from_buffer(text.as_bytes(), None) {
            if matches!(identity, age::ssh::Identity::Unencrypted(_)) {
                self.fingerprints.push(key.fingerprint().to_owned());
                self.identities.push(identity);
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.identities.is_empty()
    }

    /// Whether a key with this fingerprint is one of the user's own.
    pub fn holds(&self, fingerprint: &str) -> bool {
        self.fingerprints.iter().any(|f| f == fingerprint)
    }

    pub(crate) fn identities(&self) -> impl Iterator<Item = &dyn age::Identity> {
        self.identities.iter().map(|i| i as &dyn age::Identity)
    }
}

impl std::fmt::Debug for Readers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Readers({:?})", self.fingerprints)
    }
}
