//! What a revocation's admin had seen: the lines a revoked key signed that are in
//! the partnership's history at the revocation's `seen_head` commit. Those stay
//! valid; any other line the key signed is damage, whatever time it claims (a
//! thief cannot backdate past a history already shared). Reads git only; judges
//! nothing (`integrity::signing::Signers::revoked_line` does).
//!
//! A commit never changes, so what is found in it holds for ever: it is looked up
//! only when a line signed by a revoked key is judged, and then at most once per
//! command and journal: the journal's own version at the seen head (one `git
//! cat-file`) for the first few disputes a command meets, and past those the
//! whole history at once (one `git ls-tree` and one `git cat-file --batch`), so a
//! `show` reads one journal and a `verify` of thousands reads each once.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::{Mutex, OnceLock};

use super::git::Git;
use crate::store::journal::MAX_JOURNAL_BYTES;

/// How many disputes a command looks up one by one before it reads the whole
/// seen history instead (each costs a git process; the whole history costs one
/// read of every journal).
const ONE_BY_ONE: usize = 16;

/// Signature digests of the lines a revoked key signed in a seen head, per
/// journal or for the whole history, as far as this command has needed them.
#[derive(Debug, Default)]
pub(crate) struct Seen {
    whole: OnceLock<Option<HashSet<[u8; 32]>>>,
    journals: Mutex<HashMap<String, Option<HashSet<[u8; 32]>>>>,
}

impl Seen {
    /// Whether the line with signature `sig` (of dispute `dispute`, when line 1
    /// said which) signed by `fingerprint` is in `commit`'s tree; `None` when the
    /// commit cannot be read here.
    pub(crate) fn holds(
        &self,
        data_dir: &Path,
        commit: &str,
        fingerprint: &str,
        dispute: Option<&str>,
        sig: &str,
    ) -> Option<bool> {
        let d = digest(sig);
        let id = dispute.and_then(crate::domain::id::DisputeId::from_file_stem);
        if let Some(id) = id.filter(|_| self.whole.get().is_none()) {
            let mut journals = self.journals.lock().unwrap_or_else(|p| p.into_inner());
            if !journals.contains_key(id.as_str()) && journals.len() < ONE_BY_ONE {
                let found = signed_in(data_dir, commit, fingerprint, &id);
                journals.insert(id.to_string(), found);
            }
            if let Some(found) = journals.get(id.as_str()) {
                return found.as_ref().map(|s| s.contains(&d));
            }
        }
        self.whole
            .get_or_init(|| signed_by(data_dir, commit, fingerprint))
            .as_ref()
            .map(|s| s.contains(&d))
    }
}

/// [`signed_by`] for one journal: its version in `commit` (none: the dispute
/// was not shared then, so none of its lines was seen).
fn signed_in(
    data_dir: &Path,
    commit: &str,
    fingerprint: &str,
    id: &crate::domain::id::DisputeId,
) -> Option<HashSet<[u8; 32]>> {
    let g = Git::new(data_dir);
    let commit = g.rev(commit).ok().flatten()?;
    let path = crate::store::layout::shared_journal(id);
    let bytes = g.blobs(&[format!("{commit}:{path}")]).ok()?.pop()?;
    let mut found = HashSet::new();
    if let Some(bytes) = bytes {
        collect(&bytes, fingerprint, &mut found);
    }
    Some(found)
}

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
) -> Option<HashSet<[u8; 32]>> {
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
    let mut found: HashSet<[u8; 32]> = HashSet::new();
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
        collect(&bytes, fingerprint, &mut found);
    }
    Some(found)
}

/// Every line of a journal's bytes signed by `fingerprint`, by its signature.
fn collect(bytes: &[u8], fingerprint: &str, found: &mut HashSet<[u8; 32]>) {
    let needle = format!("\"signer\":\"{fingerprint}\"");
    for line in bytes.split(|&b| b == b'\n') {
        // Only the line's own `signer` key can hold this text unescaped, and
        // its signature is found where every reader finds it (`signed_part`),
        // so no line is parsed whole.
        if !contains(line, needle.as_bytes()) {
            continue;
        }
        if let Some((_, sig)) = crate::store::journal::line::signed_part(line) {
            found.insert(digest(sig));
        }
    }
}

/// A signature as the seen set keeps it: its SHA-256 (32 bytes, not the ~100
/// of its base64, for a history of a million lines by one key).
pub(crate) fn digest(sig: &str) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(sig.as_bytes()).into()
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::event::{Event, Record};
    use crate::integrity::signing::Key;

    fn line(seq: u64, note: &str, key: &Key) -> String {
        let mut r = Record {
            v: None,
            seq,
            at: crate::domain::clock::parse_instant("2026-11-03T09:00:00Z").unwrap(),
            happened: None,
            by: "Chris".into(),
            event: Event::Discussed {
                stage: 1,
                note: note.into(),
                with: None,
            },
            sealed: None,
            prev: String::new(),
            dispute: Some("ABCDEFGHJK".into()),
            nonce: None,
            signer: None,
            sig: None,
            hash: String::new(),
        };
        crate::store::journal::line::encode_signed(&mut r, key).unwrap()
    }

    fn git(dir: &Path, args: &[&str]) -> String {
        let out = std::process::Command::new("git")
            .current_dir(dir)
            .args(args)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("HOME", dir)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    }

    fn sig_of(line: &str) -> String {
        crate::store::journal::line::signed_part(line.as_bytes())
            .unwrap()
            .1
            .to_owned()
    }

    #[test]
    fn a_line_is_held_only_if_the_seen_head_has_it_by_journal_and_whole() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let key = Key::from_seed(&[1; 32], "k");
        let other = Key::from_seed(&[2; 32], "o");
        git(dir, &["init", "-q", "-b", "main"]);
        std::fs::create_dir(dir.join("disputes")).unwrap();
        let seen = line(1, "seen", &key);
        let by_other = line(2, "someone else's", &other);
        std::fs::write(
            dir.join("disputes/7K3M9QXA2B.jsonl"),
            format!("{seen}\n{by_other}\n"),
        )
        .unwrap();
        git(dir, &["add", "disputes"]);
        git(
            dir,
            &[
                "-c",
                "user.name=x",
                "-c",
                "user.email=x@y",
                "commit",
                "-qm",
                "c",
            ],
        );
        let head = git(dir, &["rev-parse", "HEAD"]);
        let later = line(3, "later", &key);
        let fp = key.fingerprint();
        for dispute in [Some("7K3M9QXA2B"), None] {
            let s = Seen::default();
            let holds = |l: &str| s.holds(dir, &head, fp, dispute, &sig_of(l));
            assert_eq!(holds(&seen), Some(true), "{dispute:?}");
            assert_eq!(holds(&later), Some(false), "{dispute:?}");
            // Another key's line is not this key's seen line.
            assert_eq!(holds(&by_other), Some(false), "{dispute:?}");
        }
        // A dispute that was not in the seen head: none of its lines was seen.
        let s = Seen::default();
        assert_eq!(
            s.holds(dir, &head, fp, Some("ZZZZZZZZZZ"), &sig_of(&seen)),
            Some(false)
        );
        // A seen head that cannot be read decides nothing.
        let s = Seen::default();
        assert_eq!(
            s.holds(dir, &"0".repeat(40), fp, None, &sig_of(&seen)),
            None
        );
    }
}
