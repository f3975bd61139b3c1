//! The local key store: a directory holding one wrapped key (`Entry`) per
//! sealed dispute, `<id>.json`. In an unshared data directory it is `keys/`; in a
//! shared one it is in the repository's own state (`.git/escalate/keys`), never in
//! the work tree, so no wrapped key ever enters `main`'s history: sync carries
//! them on a ref of their own (`share::keyref`). Erasing a dispute removes its
//! file here (and sync removes it everywhere else). Only wrapped keys are kept:
//! a dispute's key is never written unwrapped.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::store::fsutil;

/// Before a new dispute has its ID, its wrapped key is kept under this prefix
/// and the first characters of the dispute's public key, so that a crash
/// between writing the key and creating the journal loses no key: `adopt`
/// files it under the dispute's ID when it is first looked for.
const PENDING: &str = ".pending-";

pub struct KeyStore {
    dir: PathBuf,
}

impl KeyStore {
    pub fn at(dir: PathBuf) -> KeyStore {
        KeyStore { dir }
    }

    /// The key store of data directory `root`.
    pub fn of(root: &Path) -> KeyStore {
        KeyStore::at(crate::store::layout::key_store(root))
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.json"))
    }

    fn pending_path(&self, seal_to: &str) -> PathBuf {
        let tag: String = seal_to.chars().skip(4).take(24).collect();
        self.dir.join(format!("{PENDING}{tag}.json"))
    }

    /// Dispute `id`'s wrapped key as stored, if there is one.
    pub fn get(&self, id: &str) -> Result<Option<Vec<u8>>> {
        read(&self.path(id))
    }

    /// Dispute `id`'s wrapped key, taking in one kept while the dispute was
    /// being created (`seal_to` is the dispute's public key).
    pub fn get_or_adopt(&self, id: &str, seal_to: &str) -> Result<Option<Vec<u8>>> {
        if let Some(bytes) = self.get(id)? {
            return Ok(Some(bytes));
        }
        let pending = self.pending_path(seal_to);
        let Some(bytes) = read(&pending)? else {
            return Ok(None);
        };
        // A pending entry names no dispute yet: it is filed under `id` now.
        let Ok(mut entry) = super::Entry::parse("", &bytes) else {
            return Ok(None);
        };
        entry.dispute = id.to_owned();
        let bytes = entry.to_bytes();
        self.put(id, &bytes)?;
        let _ = std::fs::remove_file(&pending);
        Ok(Some(bytes))
    }

    /// Keep a new dispute's wrapped key before the dispute has its ID.
    pub(crate) fn put_pending(&self, seal_to: &str, bytes: &[u8]) -> Result<PathBuf> {
        let path = self.pending_path(seal_to);
        self.write(&path, bytes)?;
        Ok(path)
    }

    /// Replace (or add) dispute `id`'s wrapped key, whole or not at all.
    pub fn put(&self, id: &str, bytes: &[u8]) -> Result<()> {
        self.write(&self.path(id), bytes)
    }

    fn write(&self, path: &Path, bytes: &[u8]) -> Result<()> {
        fsutil::private_dir(&self.dir)?;
        fsutil::replace_file(path, bytes)?;
        fsutil::tighten(path, false);
        Ok(())
    }

    /// Destroy dispute `id`'s wrapped key here. Returns whether there was one.
    pub fn remove(&self, id: &str) -> Result<bool> {
        match std::fs::remove_file(self.path(id)) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(Error::io(
                format!("could not remove {}", self.path(id).display()),
                e,
            )),
        }
    }

    /// Every wrapped key here, by dispute ID (pending ones left out).
    pub fn list(&self) -> Result<BTreeMap<String, Vec<u8>>> {
        let mut out = BTreeMap::new();
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
            Err(e) => {
                return Err(Error::io(
                    format!("could not read {}", self.dir.display()),
                    e,
                ))
            }
        };
        for e in entries.flatten() {
            let name = e.file_name();
            let Some(id) = name.to_str().and_then(|n| n.strip_suffix(".json")) else {
                continue;
            };
            if id.starts_with('.') {
                continue;
            }
            if let Some(bytes) = read(&e.path())? {
                out.insert(id.to_owned(), bytes);
            }
        }
        Ok(out)
    }
}

/// What `verify` finds wrong with a key store's entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Damage {
    pub path: PathBuf,
    pub id: String,
    pub what: String,
    /// A sound key whose dispute is not here, or not sealed: not damage in
    /// itself (a journal removed is shown by a checkpoint; a first line
    /// changed, by the journal's own checks), so said as a warning.
    pub orphan: bool,
}

impl KeyStore {
    /// Check every entry as far as can be done without a key: each is a
    /// wrapped key escalate writes, for the dispute it is filed under, and
    /// that dispute is sealed. `dispute(id)` says whether the data directory
    /// has such a dispute and whether it is sealed (`Some(sealed)`).
    pub fn check(&self, dispute: &dyn Fn(&str) -> Option<bool>) -> Vec<Damage> {
        let mut out = Vec::new();
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return out;
        };
        let mut names: Vec<_> = entries.flatten().map(|e| e.file_name()).collect();
        names.sort();
        for name in names {
            let path = self.dir.join(&name);
            let name = name.to_str();
            if name.is_some_and(|n| n.starts_with(PENDING) || n.starts_with('.')) {
                continue;
            }
            let Some(id) = name.and_then(|n| n.strip_suffix(".json")) else {
                out.push(Damage {
                    path,
                    id: String::new(),
                    what: "its name is not a dispute's key file".into(),
                    orphan: false,
                });
                continue;
            };
            let damage = |what: String| Damage {
                path: path.clone(),
                id: id.to_owned(),
                what,
                orphan: false,
            };
            let bytes = match read(&path) {
                Ok(Some(b)) => b,
                Ok(None) => continue,
                Err(e) => {
                    out.push(damage(e.to_string()));
                    continue;
                }
            };
            if let Err(why) = super::Entry::parse(id, &bytes) {
                out.push(damage(why));
                continue;
            }
            match dispute(id) {
                None => out.push(Damage {
                    orphan: true,
                    ..damage("there is no journal for its dispute here".into())
                }),
                Some(false) => out.push(Damage {
                    orphan: true,
                    ..damage("its dispute is not sealed".into())
                }),
                Some(true) => {}
            }
        }
        out
    }
}

/// A stored entry's bytes; `None` if absent. A link or an oversized file is
/// refused by the limited read, as any file in a data directory is input.
fn read(path: &Path) -> Result<Option<Vec<u8>>> {
    match fsutil::read_limited(
        path,
        super::entry::MAX_BYTES as u64 + 1,
        fsutil::Links::Refuse,
    ) {
        Ok(b) => Ok(Some(b)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(format!("could not read {}", path.display()), e)),
    }
}
