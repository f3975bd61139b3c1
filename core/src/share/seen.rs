//! What a revocation's admin had seen: the lines a revoked key signed that are in
//! the partnership's history at the revocation's `seen_head` commit. Those stay
//! valid; any other line the key signed is damage, whatever time it claims (a
//! thief cannot backdate past a history already shared). Reads git only; judges
//! nothing (`integrity::signing::Signers::revoked_line` does).
//!
//! A commit never changes, so what is found in it holds for ever: it is looked up
//! once per command (one `git ls-tree` and one `git cat-file --batch` for the
//! whole history, not one per line), and only when a revocation names a seen head.

use std::collections::HashSet;
use std::path::Path;

use super::git::Git;
use crate::store::journal::MAX_JOURNAL_BYTES;

/// Whether `commit` can be read in `data_dir`'s repository.
pub(crate) fn has_commit(data_dir: &Path, commit: &str) -> bool {
    Git::new(data_dir).rev(commit).ok().flatten().is_some()
}

/// The signatures (`sig`) of every journal line signed by `fingerprint` in
/// `commit`'s tree; `None` when the commit or its journals cannot be read (then
/// the revocation's `as_of` decides).
pub(crate) fn signed_by(
    data_dir: &Path,
    commit: &str,
    fingerprint: &str,
) -> Option<HashSet<String>> {
    let g = Git::new(data_dir);
    let commit = g.rev(commit).ok().flatten()?;
    let listed = g
        .run(&[
            "ls-tree",
            "-r",
            "-z",
            &commit,
            "--",
            crate::store::layout::JOURNALS_PATHSPEC,
        ])
        .ok()
        .filter(|r| r.ok)?;
    let mut reader = g.blob_reader().ok()?;
    let needle = format!("\"signer\":\"{fingerprint}\"");
    let mut found = HashSet::new();
    for entry in listed.stdout.split(|&b| b == 0).filter(|e| !e.is_empty()) {
        // `<mode> blob <id>\t<path>`
        let entry = String::from_utf8_lossy(entry);
        let Some((meta, _path)) = entry.split_once('\t') else {
            continue;
        };
        let mut parts = meta.split(' ');
        let (Some(_), Some("blob"), Some(id)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        let bytes = reader.read(id, MAX_JOURNAL_BYTES).ok()??;
        for line in bytes.split(|&b| b == b'\n') {
            if !contains(line, needle.as_bytes()) {
                continue;
            }
            if let Ok(r) = serde_json::from_slice::<crate::domain::event::Record>(line) {
                if r.signer.as_deref() == Some(fingerprint) {
                    found.extend(r.sig);
                }
            }
        }
    }
    Some(found)
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}
