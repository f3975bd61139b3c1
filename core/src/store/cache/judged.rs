//! What a long journal's lines were judged (`integrity::verify::LineCheck`) the
//! last time it was read, so the next read checks only the lines added since: one
//! small file per journal of at least `MIN_LINES` lines, `cache/lines/<ID>.bin`.
//! A judgement covers lines 1 to `lines` and names the SHA-256 of line `lines`;
//! the hash chain, which every read checks, makes that one hash stand for every
//! line before it, so a journal rewritten since is judged afresh. Each file is
//! authenticated like the status cache (`Seal`: the user's cache key and the
//! signers file's hash), so it cannot be forged from inside the data directory.
//! Derived data: missing, stale or damaged, it only costs a full check.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::Seal;
use crate::domain::dispute::Uncounted;

/// Shorter journals are judged whole each time they are read (under 10 ms).
pub(crate) const MIN_LINES: usize = 256;

const JUDGED: u8 = b'J';

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Judged {
    /// The dispute, so a file copied under another's name is not believed.
    pub id: String,
    /// How many lines were judged, from line 1.
    pub lines: u64,
    /// SHA-256 (hex) of line `lines`.
    pub head: String,
    /// `LineCheck::state` after line `lines`.
    pub first_signed: Option<u64>,
    pub unsigned: usize,
    /// Those of the lines that do not count, in line order.
    pub uncounted: Vec<Uncounted>,
}

fn path(root: &Path, id: &str) -> PathBuf {
    super::path_in(root)
        .with_file_name("lines")
        .join(format!("{id}.bin"))
}

impl Judged {
    /// The judgement kept for `id`, if there is one this user's key made.
    pub(crate) fn read(root: &Path, id: &str, seal: &Seal) -> Option<Judged> {
        let bytes = crate::store::fsutil::read_limited(
            &path(root, id),
            1 << 20,
            crate::store::fsutil::Links::Refuse,
        )
        .ok()?;
        let (tag, payload) = bytes.split_at_checked(super::TAG)?;
        if !seal.checks(JUDGED, &[0; 16], payload, tag) {
            return None;
        }
        postcard::from_bytes::<Judged>(payload)
            .ok()
            .filter(|j| j.id == id)
    }

    /// Keep this judgement (silently not, if it cannot be written).
    pub(crate) fn write(&self, root: &Path, seal: &Seal) {
        let Ok(payload) = postcard::to_allocvec(self) else {
            return;
        };
        let mut bytes = seal.tag(JUDGED, &[0; 16], &payload).to_vec();
        bytes.extend_from_slice(&payload);
        let path = path(root, &self.id);
        if let Some(dir) = path.parent() {
            if crate::store::fsutil::private_dir(dir).is_ok() {
                let _ = crate::store::fsutil::replace_file(&path, &bytes);
            }
        }
    }
}
