//! Witnesses: each member's signed record of the heads it has seen in the
//! partnership's repository, so that a member who joins after a forced push still
//! learns that the history was cut (Certificate Transparency's gossip, kept in the
//! repository itself). Each member appends to one file of its own,
//! `witnesses/<hex>.jsonl` (`<hex>`: the SHA-256 of the member's public key), one
//! line per head it saw, with how many lines each journal changed since its last
//! witness held and the hash of the last of them, signed with the member's key in
//! the SSHSIG namespace [`NAMESPACE`]. `verify --history` checks that today's
//! branch still contains every witnessed head and, where it does not, names the
//! journals that lost lines the witness saw.
//!
//! This module owns the witness file's format, `record` (the line `sync` adds) and
//! `check`. It reads git and writes only the member's own witness file.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use ssh_key::{HashAlg, PublicKey};

use super::git::Git;
use super::history::{for_each_blob, is_append_only};
use crate::domain::clock::Instant;
use crate::error::{Error, Hint, Result};
use crate::integrity::signing::{self, Key, Signers, Verdict};
use crate::store::journal::line::sha256_hex;
use crate::store::layout;

/// The SSHSIG namespace of a witness line: no journal line, checkpoint or git
/// signature can pass as one.
pub(crate) const NAMESPACE: &str = "escalate-witness";
/// The witness line format this escalate writes and checks.
pub(crate) const FORMAT: u32 = 1;
/// A witness lists at most this many journals' states; more (a member's first
/// witness of a large partnership) and it records the head alone, which still
/// proves a cut, without naming the journals.
pub(crate) const MAX_JOURNALS: usize = 1000;

const SIG_KEY: &str = ",\"sig\":\"";

/// One witness line. Fields in this order; `sig` last, over the bytes before it.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub(crate) struct Line {
    pub v: u32,
    /// The newest commit of the partnership's branch that changed anything but
    /// witnesses, as this member fetched it.
    pub head: String,
    /// When the member saw it (RFC 3339).
    pub at: String,
    pub by: String,
    pub agency: String,
    /// The member's public key, one OpenSSH line without comment.
    pub key: String,
    /// Journals changed since this member's previous witness: path to (complete
    /// lines, SHA-256 of the last of them) at `head`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub journals: BTreeMap<String, (u64, String)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sig: Option<String>,
}

/// A witness line that today's history does not honour, or that does not count.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Finding {
    /// The witness file, as git names it.
    pub file: String,
    pub line: usize,
    pub by: String,
    pub agency: String,
    pub head: Option<String>,
    pub what: String,
    /// Journals that no longer hold what the witness saw.
    pub journals: Vec<Lost>,
}

impl Finding {
    /// The finding as an error (exit 3) for a data directory at `root`: naming
    /// the first journal that lost lines the witness saw, else the witness file.
    /// `verify --history` returns it; a `share join` that checks the clone's
    /// history can too.
    pub fn to_error(&self, root: &Path) -> Error {
        let what = format!("{} line {}: {}", self.file, self.line, self.what);
        match self.journals.first() {
            Some(j) => Error::damaged_journal(
                layout::shared_file(root, &j.file),
                format!("{}; witness {what}", j.what),
            ),
            None => Error::damaged_file(
                layout::shared_file(root, &self.file),
                what,
                Hint::TellKeeperClonesHoldHistory,
            ),
        }
    }
}

/// A journal that lost lines a witness saw.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Lost {
    pub file: String,
    pub what: String,
}

/// The hex digest that names a member's witness file.
pub(crate) fn key_hex(public: &PublicKey) -> String {
    crate::policy::hex(public.fingerprint(HashAlg::Sha256).as_bytes())
}

/// Sign a line: its JSON without `sig`, then `,"sig":"<base64>"}`.
fn sign(mut line: Line, key: &Key) -> Result<String> {
    line.sig = None;
    let mut open = serde_json::to_string(&line)
        .map_err(|e| Error::internal(format!("internal error: a witness line: {e}")))?;
    open.pop();
    let sig = key.sign_in(NAMESPACE, open.as_bytes())?;
    Ok(format!("{open}{SIG_KEY}{sig}\"}}"))
}

/// Read a line and check its signature against the key it carries; `Ok(None)`
/// for a line of a newer format, which this escalate cannot judge.
fn verify_line(bytes: &[u8]) -> std::result::Result<Option<(Line, PublicKey)>, String> {
    let line: Line = serde_json::from_slice(bytes).map_err(|_| "it is not a witness line")?;
    if line.v > FORMAT {
        return Ok(None);
    }
    // Names reach git as arguments and requests: only a commit name, only paths
    // escalate shares.
    if !is_commit_id(&line.head) {
        return Err("its head is not a commit name".into());
    }
    if !line.journals.keys().all(|p| is_append_only(p)) {
        return Err("it names a file that is not a journal".into());
    }
    let text = std::str::from_utf8(bytes).map_err(|_| "it is not text")?;
    let at = text.rfind(SIG_KEY).ok_or("it is not signed")?;
    let sig = text[at + SIG_KEY.len()..]
        .strip_suffix("\"}")
        .ok_or("its signature is not the last thing in it")?;
    if line.sig.as_deref() != Some(sig) {
        return Err("its signature is not the last thing in it".into());
    }
    let public = PublicKey::from_openssh(&line.key).map_err(|_| "its key is not a public key")?;
    let fingerprint = public.fingerprint(HashAlg::Sha256).to_string();
    signing::check_in(NAMESPACE, &bytes[..at], sig, &fingerprint)?;
    Ok(Some((line, public)))
}

/// A full commit name: 40 (SHA-1) or 64 (SHA-256) lowercase hex digits.
fn is_commit_id(s: &str) -> bool {
    matches!(s.len(), 40 | 64) && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Complete lines of a journal version and the hash of line `n` (1-based), as a
/// receipt or checkpoint names a line: the SHA-256 of its bytes without `\n`.
fn line_hash(bytes: &[u8], n: u64) -> Option<String> {
    let line = bytes
        .split_inclusive(|&b| b == b'\n')
        .nth(usize::try_from(n).ok()?.checked_sub(1)?)?;
    let line = line.strip_suffix(b"\n")?;
    Some(sha256_hex(line))
}

fn complete_lines(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| b == b'\n').count() as u64
}

fn nul_list(out: &[u8]) -> Vec<String> {
    out.split(|&b| b == 0)
        .filter(|s| !s.is_empty())
        .map(|s| String::from_utf8_lossy(s).into_owned())
        .collect()
}

/// The witness line `sync` adds for what it fetched, and the member's whole
/// witness file with it, written to the working tree: `Some((path, bytes))` to
/// include in the sync's commit, `None` when this member already witnessed the
/// newest change (a commit that changed only witnesses is never witnessed, so
/// members' syncs settle instead of witnessing each other's witnesses for ever).
pub(crate) fn record(
    root: &Path,
    g: &Git,
    fetched: Option<&str>,
    key: &Key,
    by: &str,
    agency: &str,
    now: &Instant,
) -> Result<Option<(String, Vec<u8>)>> {
    let Some(fetched) = fetched else {
        return Ok(None);
    };
    let exclude = format!(":(exclude){}", layout::WITNESSES);
    let newest = g.run(&["rev-list", "-1", fetched, "--", ".", &exclude])?;
    let head = newest.text();
    if !newest.ok || head.is_empty() {
        return Ok(None);
    }
    let hex = key_hex(&key.public());
    let path = layout::witness_path(&hex);
    let full = layout::shared_file(root, &path);
    let existing = match crate::store::fsutil::read_limited(
        &full,
        crate::store::journal::MAX_JOURNAL_BYTES,
        crate::store::fsutil::Links::Refuse,
    ) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(Error::io(format!("could not read {}", full.display()), e)),
    };
    // Never append to a line that is not whole: that would change a line already
    // shared. (escalate replaces this file whole, so only a hand edit does this.)
    if existing.last().is_some_and(|&b| b != b'\n') {
        return Ok(None);
    }
    let last: Option<Line> = existing
        .split(|&b| b == b'\n')
        .rfind(|l| !l.is_empty())
        .and_then(|l| serde_json::from_slice::<Line>(l).ok())
        .filter(|l| is_commit_id(&l.head));
    let since = match &last {
        Some(l) if l.head == head || g.is_ancestor(&head, &l.head)? => return Ok(None),
        Some(l) if g.rev(&l.head)?.is_some() => Some(l.head.clone()),
        _ => None,
    };
    let listed = match &since {
        Some(s) => g.run(&[
            "diff",
            "--name-only",
            "-z",
            "--no-renames",
            s,
            &head,
            "--",
            crate::store::layout::JOURNALS_PATHSPEC,
        ])?,
        None => g.run(&[
            "ls-tree",
            "-r",
            "--name-only",
            "-z",
            &head,
            "--",
            crate::store::layout::JOURNALS_PATHSPEC,
        ])?,
    };
    let paths: Vec<String> = nul_list(&listed.stdout)
        .into_iter()
        .filter(|p| is_append_only(p))
        .collect();
    let mut journals = BTreeMap::new();
    if listed.ok && paths.len() <= MAX_JOURNALS {
        let names: Vec<String> = paths.iter().map(|p| format!("{head}:{p}")).collect();
        for_each_blob(g, &names, |i, bytes| {
            if let Some(bytes) = bytes {
                let n = complete_lines(bytes);
                if let Some(h) = line_hash(bytes, n) {
                    journals.insert(paths[i].clone(), (n, h));
                }
            }
            Ok(())
        })?;
    }
    let public = key.public();
    let line = Line {
        v: FORMAT,
        head,
        at: crate::domain::clock::rfc3339::format(now),
        by: by.to_owned(),
        agency: agency.to_owned(),
        key: PublicKey::new(public.key_data().clone(), "")
            .to_openssh()
            .unwrap_or_default(),
        journals,
        sig: None,
    };
    let mut bytes = existing;
    bytes.extend_from_slice(sign(line, key)?.as_bytes());
    bytes.push(b'\n');
    crate::store::fsutil::replace_beneath(root, &path, &bytes)?;
    Ok(Some((path, bytes)))
}

/// Put a witness file's new contents among a sync's results, replacing what the
/// sync had for that path (the same file with fewer lines).
pub(crate) fn include(
    results: &mut Vec<(String, Option<Vec<u8>>)>,
    (path, bytes): (String, Vec<u8>),
) {
    match results.iter_mut().find(|(p, _)| *p == path) {
        Some(r) => r.1 = Some(bytes),
        None => results.push((path, Some(bytes))),
    }
}

/// A journal as today's history gives it: complete lines, and the hashes of the
/// lines a witness named.
type Today = Option<(u64, HashMap<u64, String>)>;

/// What a witness line said about itself, before it is judged.
struct Seen {
    file: String,
    line: usize,
    by: String,
    agency: String,
    head: String,
    at: String,
    journals: BTreeMap<String, (u64, String)>,
}

/// Check every witness line in `tip`'s tree: validly signed by the key its file is
/// named after (and, with a signers file, a key it allows for that name), and its
/// head part of `tip`'s history. Where a head is not, the journals that no longer
/// hold what the witness saw are named.
pub(crate) fn check(g: &Git, tip: &str, signers: Option<&Signers>) -> Result<Vec<Finding>> {
    let listed = g.run(&["ls-tree", "-r", "-z", tip, "--", layout::WITNESSES])?;
    let mut files = Vec::new();
    for entry in nul_list(&listed.stdout) {
        let Some((meta, path)) = entry.split_once('\t') else {
            continue;
        };
        let id = meta.split_whitespace().nth(2).unwrap_or_default();
        if layout::witness_key_of(path).is_some() {
            files.push((path.to_owned(), id.to_owned()));
        }
    }
    if files.is_empty() {
        return Ok(Vec::new());
    }
    let reachable: HashSet<String> = {
        let ran = g.run(&["rev-list", tip, "--"])?;
        String::from_utf8_lossy(&ran.stdout)
            .lines()
            .map(str::to_owned)
            .collect()
    };
    let mut findings = Vec::new();
    let mut cut: Vec<Seen> = Vec::new();
    let ids: Vec<String> = files.iter().map(|(_, id)| id.clone()).collect();
    for_each_blob(g, &ids, |i, bytes| {
        let file = &files[i].0;
        let hex = layout::witness_key_of(file).unwrap_or_default();
        let finding = |line: usize, what: String| Finding {
            file: file.clone(),
            line,
            by: String::new(),
            agency: String::new(),
            head: None,
            what,
            journals: Vec::new(),
        };
        for (n, raw) in bytes.unwrap_or_default().split(|&b| b == b'\n').enumerate() {
            if raw.is_empty() {
                continue;
            }
            let (line, public) = match verify_line(raw) {
                Ok(Some(v)) => v,
                Ok(None) => continue,
                Err(why) => {
                    findings.push(finding(
                        n + 1,
                        format!("it does not count as a witness: {why}"),
                    ));
                    continue;
                }
            };
            let named = |what: String| {
                let mut f = finding(n + 1, what);
                f.by = line.by.clone();
                f.agency = line.agency.clone();
                f.head = Some(line.head.clone());
                f
            };
            if key_hex(&public) != hex {
                findings.push(named(
                    "it does not count as a witness: it is signed by another member's key than the one its file is named after".into(),
                ));
                continue;
            }
            let at = chrono::DateTime::parse_from_rfc3339(&line.at).ok();
            if let (Some(s), Some(at)) = (signers, at) {
                let fingerprint = public.fingerprint(HashAlg::Sha256).to_string();
                if let Verdict::Refused(why) = s.verdict(&line.by, &fingerprint, &at) {
                    findings.push(named(format!("it does not count as a witness: {why}")));
                    continue;
                }
            }
            if !reachable.contains(&line.head) {
                cut.push(Seen {
                    file: file.clone(),
                    line: n + 1,
                    by: line.by.clone(),
                    agency: line.agency.clone(),
                    head: line.head.clone(),
                    at: line.at.clone(),
                    journals: line.journals.clone(),
                });
            }
        }
        Ok(())
    })?;
    if cut.is_empty() {
        return Ok(findings);
    }
    // What each journal holds today, for every journal a cut witness saw.
    let mut wanted: Vec<String> = cut
        .iter()
        .flat_map(|s| s.journals.keys().cloned())
        .collect();
    wanted.sort();
    wanted.dedup();
    let mut needed: HashMap<&str, Vec<u64>> = HashMap::new();
    for s in &cut {
        for (p, (n, _)) in &s.journals {
            needed.entry(p.as_str()).or_default().push(*n);
        }
    }
    let names: Vec<String> = wanted.iter().map(|p| format!("{tip}:{p}")).collect();
    let mut today: HashMap<String, Today> = HashMap::new();
    for_each_blob(g, &names, |i, bytes| {
        let path = &wanted[i];
        let state = bytes.map(|b| {
            let hashes = needed
                .get(path.as_str())
                .map(|ns| {
                    ns.iter()
                        .filter_map(|&n| line_hash(b, n).map(|h| (n, h)))
                        .collect()
                })
                .unwrap_or_default();
            (complete_lines(b), hashes)
        });
        today.insert(path.clone(), state);
        Ok(())
    })?;
    for s in cut {
        let exists = g
            .run(&["cat-file", "-e", &format!("{}^{{commit}}", s.head)])?
            .ok;
        let who = format!("{} of {}", s.by, s.agency);
        let what = if exists {
            format!(
                "{who} saw commit {} in the partnership's repository at {}, and the branch's history no longer contains it: the history was rewritten",
                s.head, s.at
            )
        } else {
            format!(
                "{who} saw commit {} in the partnership's repository at {}, and the history no longer holds it at all: the history was cut by a forced push",
                s.head, s.at
            )
        };
        let mut journals = Vec::new();
        for (path, (n, hash)) in &s.journals {
            let lost = match today.get(path).cloned().flatten() {
                None => Some(format!(
                    "{who} saw it with {n} lines; it is no longer in the history"
                )),
                Some((now, _)) if now < *n => Some(format!(
                    "{who} saw it with {n} lines; the history now gives it {now}: shared lines were cut"
                )),
                Some((_, hashes)) if hashes.get(n) != Some(hash) => Some(format!(
                    "line {n} is not the line {who} saw: shared lines were changed"
                )),
                _ => None,
            };
            if let Some(what) = lost {
                journals.push(Lost {
                    file: path.clone(),
                    what,
                });
            }
        }
        findings.push(Finding {
            file: s.file,
            line: s.line,
            by: s.by,
            agency: s.agency,
            head: Some(s.head),
            what,
            journals,
        });
    }
    Ok(findings)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> Key {
        Key::from_seed(&[7; 32], "Chris")
    }

    fn line(head: &str) -> Line {
        Line {
            v: FORMAT,
            head: head.into(),
            at: "2026-11-23T09:00:00+00:00".into(),
            by: "Chris".into(),
            agency: "Children's Social Care".into(),
            key: key().public_openssh(),
            journals: BTreeMap::from([("disputes/AAAAAAAAAA.jsonl".into(), (3, "h".repeat(64)))]),
            sig: None,
        }
    }

    #[test]
    fn a_signed_line_verifies_and_any_change_to_it_does_not() {
        let text = sign(line(&"a".repeat(40)), &key()).unwrap();
        let (back, public) = verify_line(text.as_bytes()).unwrap().unwrap();
        assert_eq!(back.head, "a".repeat(40));
        assert_eq!(key_hex(&public), key_hex(&key().public()));
        assert_eq!(key_hex(&public).len(), 64);
        for (from, to) in [
            ("\"v\":1", "\"v\":0"),
            ("aaaa", "aaab"),
            ("[3,", "[4,"),
            ("Chris", "Chriz"),
        ] {
            let edited = text.replacen(from, to, 1);
            assert_ne!(edited, text);
            assert!(verify_line(edited.as_bytes()).is_err(), "{from}");
        }
        // A journal line's signature (another namespace) cannot pass as a witness.
        let journal_sig = key()
            .sign(&text.as_bytes()[..text.rfind(SIG_KEY).unwrap()])
            .unwrap();
        let sig_at = text.rfind(SIG_KEY).unwrap() + SIG_KEY.len();
        let swapped = format!("{}{journal_sig}\"}}", &text[..sig_at]);
        assert!(verify_line(swapped.as_bytes()).is_err());
    }

    #[test]
    fn a_validly_signed_line_naming_something_git_would_read_as_an_option_does_not_count() {
        let text = sign(line("--output=/tmp/x"), &key()).unwrap();
        assert!(verify_line(text.as_bytes())
            .unwrap_err()
            .contains("commit name"));
        let mut l = line(&"a".repeat(40));
        l.journals
            .insert("disputes/x\nHEAD:y.jsonl".into(), (1, "h".into()));
        let text = sign(l, &key()).unwrap();
        assert!(verify_line(text.as_bytes())
            .unwrap_err()
            .contains("not a journal"));
    }

    #[test]
    fn line_hashes_name_lines_as_receipts_do() {
        let text = b"one\ntwo\nthr";
        assert_eq!(complete_lines(text), 2);
        assert_eq!(line_hash(text, 2), Some(sha256_hex(b"two")));
        assert_eq!(line_hash(text, 3), None);
        assert_eq!(line_hash(text, 0), None);
    }
}
