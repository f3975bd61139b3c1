//! Checkpoints: a small text file listing every dispute with its number of lines
//! and head hash, the signers file's and the calendar's hashes, when it was taken
//! and by whom, one root hash over all of that, and the taker's signature, written
//! by `verify --checkpoint` and checked by `verify --against [--root HASH]`. Kept
//! somewhere an insider with access to the data directory cannot reach (another
//! machine, a manager's mailbox), or its root noted there (a board paper), it
//! proves later that every dispute it lists still exists and extends exactly what
//! it held: the defence against someone who rewrites journals and their receipts
//! together, which no file inside the data directory can give. This module owns
//! the format and the comparison; it reads the checkpoint file and, to record them,
//! the calendar files, and writes nothing but the checkpoint file.

use std::path::Path;

use chrono::{Datelike, NaiveDate};

use crate::domain::event::Record;
use crate::error::{Error, Hint, Result};
use crate::integrity::signing::{self, Key};
use crate::store::journal::head;
use crate::store::journal::line::sha256_hex;

/// Format 1 (before issue #25): the root covers the entries and the signers line
/// only; nothing is signed.
const MAGIC_V1: &str = "escalate-checkpoint 1";
/// Format 2: the root covers every byte before the `root` line, and the taker
/// signs every byte up to and including it.
const MAGIC: &str = "escalate-checkpoint 2";
/// The SSHSIG namespace of a checkpoint's signature.
pub(crate) const NAMESPACE: &str = "escalate-checkpoint";

/// One dispute as a checkpoint saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub id: String,
    pub lines: u64,
    pub head: String,
}

/// A checkpoint read back (its root, and in format 2 its signature, checked).
#[derive(Clone, Debug)]
pub struct Checkpoint {
    /// 1 or 2: what the file can prove (see `limits`).
    pub version: u32,
    /// When it was taken, as its file says (under the root from format 2).
    pub taken: String,
    /// Who took it (format 2).
    pub by: Option<String>,
    /// The taker's public key, one OpenSSH line (format 2).
    pub key: Option<String>,
    pub entries: Vec<Entry>,
    /// SHA-256 of the signers file when the checkpoint was taken, if there was one.
    pub signers: Option<String>,
    /// The calendar when it was taken (format 2): each file's SHA-256 (`none`
    /// when absent) and `working-days`, the digest of every day that was not a
    /// working day up to the day it was taken.
    pub calendar: Vec<(String, String)>,
    pub root: String,
}

impl Checkpoint {
    /// What this checkpoint cannot prove, in words, if anything (an old format).
    pub fn limits(&self) -> Option<String> {
        (self.version < 2).then(|| format!(
            "the checkpoint {} was written by an older escalate (format 1): its root covers the disputes it lists and the signers file, but not the time it says it was taken, and it is not signed, so it cannot prove when it was taken or who took it, nor anything about the calendar",
            self.taken
        ))
    }

    /// The taker's key fingerprint, as `ssh-keygen -l` prints it.
    pub fn fingerprint(&self) -> Option<String> {
        let key = ssh_key::PublicKey::from_openssh(self.key.as_deref()?).ok()?;
        Some(key.fingerprint(ssh_key::HashAlg::Sha256).to_string())
    }
}

/// The format-1 root: SHA-256 of the entry lines, in ID order, each `ID LINES
/// HEAD\n`, then `signers HASH\n` when the checkpoint records the signers file.
fn root_v1(entries: &[Entry], signers: Option<&str>) -> String {
    let mut text = String::with_capacity(entries.len() * 80);
    for e in entries {
        text.push_str(&entry_line(e));
    }
    if let Some(h) = signers {
        text.push_str(&format!("signers {h}\n"));
    }
    sha256_hex(text.as_bytes())
}

fn entry_line(e: &Entry) -> String {
    format!("{} {} {}\n", e.id, e.lines, e.head)
}

/// Who takes a checkpoint, and when.
pub struct Taker<'a> {
    /// RFC 3339.
    pub taken: &'a str,
    pub by: &'a str,
    pub key: &'a Key,
}

/// The checkpoint file's text and its root. Entries are sorted by ID.
pub fn render(
    taker: &Taker,
    mut entries: Vec<Entry>,
    signers: Option<&str>,
    calendar: &[(String, String)],
    left_out: &[String],
) -> Result<(String, String)> {
    entries.sort_by(|a, b| a.id.cmp(&b.id));
    let public = ssh_key::PublicKey::new(taker.key.public().key_data().clone(), "");
    let mut out = format!(
        "{MAGIC}\ntaken {}\nby {}\nkey {}\n",
        taker.taken,
        serde_json::to_string(taker.by).unwrap_or_default(),
        public.to_openssh().unwrap_or_default()
    );
    for id in left_out {
        out.push_str(&format!(
            "# {id} left out: it did not verify when this checkpoint was taken\n"
        ));
    }
    for e in &entries {
        out.push_str(&entry_line(e));
    }
    if let Some(h) = signers {
        out.push_str(&format!("signers {h}\n"));
    }
    for (name, hash) in calendar {
        out.push_str(&format!("calendar {name} {hash}\n"));
    }
    let root = sha256_hex(out.as_bytes());
    out.push_str(&format!("root {root}\n"));
    let sig = taker.key.sign_in(NAMESPACE, out.as_bytes())?;
    out.push_str(&format!("sig {sig}\n"));
    Ok((out, root))
}

/// The calendar as a checkpoint records it: each calendar file's SHA-256 (`none`
/// when there is none) and `working-days`, a digest of every weekday from 2000 to
/// `until` (inclusive) that is not a working day in each division, as the current
/// rules, import and closures say. A later change to a file shows; a change to
/// `working-days` means days before the checkpoint changed, which moves deadlines
/// that had already passed.
pub fn calendar_state(
    root: &Path,
    calendars: &crate::store::calendar::Calendars,
    until: NaiveDate,
) -> Vec<(String, String)> {
    use crate::store::layout;
    let mut out = Vec::new();
    for (name, path) in [
        (layout::BANK_HOLIDAYS, layout::bank_holidays(root)),
        ("closures.json", layout::closures(root)),
        (
            "partnership-closures.json",
            layout::partnership_closures(root),
        ),
    ] {
        let hash = match crate::store::fsutil::read_limited(
            &path,
            crate::store::calendar::MAX_FILE_BYTES,
            crate::store::fsutil::Links::Refuse,
        ) {
            Ok(bytes) => sha256_hex(&bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => "none".into(),
            Err(_) => "unreadable".into(),
        };
        out.push((name.to_owned(), hash));
    }
    let mut days = String::new();
    for division in crate::calendar::Division::ALL {
        let cal = calendars.get(division);
        let mut d = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or(NaiveDate::MIN);
        while d <= until {
            if d.weekday().number_from_monday() <= 5 && !cal.is_working_day(d) {
                days.push_str(&format!("{} {d}\n", division.as_str()));
            }
            match d.succ_opt() {
                Some(n) => d = n,
                None => break,
            }
        }
    }
    out.push(("working-days".into(), sha256_hex(days.as_bytes())));
    out
}

/// How the calendar now differs from a checkpoint's: the calendar files that are
/// not what they were, and whether the days up to the checkpoint changed (a
/// retroactive change: deadlines that had already passed are counted
/// differently). Nothing for an old checkpoint, which did not record it.
pub fn calendar_changes(
    then: &[(String, String)],
    now: &[(String, String)],
) -> (Vec<String>, bool) {
    let mut files = Vec::new();
    let mut retroactive = false;
    for (name, hash) in then {
        let current = now.iter().find(|(n, _)| n == name).map(|(_, h)| h.as_str());
        if current == Some(hash.as_str()) {
            continue;
        }
        if name == "working-days" {
            retroactive = true;
        } else {
            files.push(format!("calendar/{name}"));
        }
    }
    (files, retroactive)
}

/// Write a new checkpoint file; an existing file is never replaced.
pub fn write(path: &Path, text: &str) -> Result<()> {
    if std::fs::symlink_metadata(path).is_ok() {
        return Err(Error::refused(format!("{} already exists", path.display()))
            .with_hint(Hint::NewCheckpointName));
    }
    crate::store::fsutil::write_new_file(path, text.as_bytes())
}

fn is_hex64(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Read and check a checkpoint file: its root must match its entries.
pub fn read(path: &Path) -> Result<Checkpoint> {
    let text = crate::store::fsutil::read_regular(path, 256 * 1024 * 1024)?;
    parse(&text).map_err(|what| Error::damaged_file(path, what, Hint::UseCheckpointAsWritten))
}

pub(crate) fn parse(text: &str) -> std::result::Result<Checkpoint, String> {
    match text.split('\n').next() {
        Some(MAGIC) => parse_v2(text),
        Some(MAGIC_V1) => parse_v1(text),
        _ => Err(format!("it does not begin {MAGIC:?}")),
    }
}

/// Format 2: every byte before `root` is under the root; every byte up to and
/// including it under the signature, which must be the last line.
fn parse_v2(text: &str) -> std::result::Result<Checkpoint, String> {
    let mut c = Checkpoint {
        version: 2,
        taken: String::new(),
        by: None,
        key: None,
        entries: Vec::new(),
        signers: None,
        calendar: Vec::new(),
        root: String::new(),
    };
    let mut offset = 0;
    let mut root_at = None;
    let mut sig = None;
    for (i, raw) in text.split_inclusive('\n').enumerate() {
        let n = i + 1;
        let at = offset;
        offset += raw.len();
        let line = raw
            .strip_suffix('\n')
            .ok_or_else(|| format!("line {n} is cut short"))?;
        if n == 1 {
            continue;
        }
        if sig.is_some() {
            return Err(format!("line {n} comes after the signature"));
        }
        if let Some((_, sig_at)) = root_at {
            let body = line
                .strip_prefix("sig ")
                .ok_or_else(|| format!("line {n} comes after the root and is not its signature"))?;
            sig = Some((body.to_owned(), sig_at));
            continue;
        }
        if let Some(r) = line.strip_prefix("root ") {
            if !is_hex64(r) {
                return Err(format!("line {n} is not a root"));
            }
            c.root = r.to_owned();
            root_at = Some((at, offset));
            continue;
        }
        if line.starts_with('#') {
            continue;
        }
        if let Some(t) = line.strip_prefix("taken ") {
            c.taken = t.to_owned();
            continue;
        }
        if let Some(b) = line.strip_prefix("by ") {
            c.by = Some(serde_json::from_str(b).map_err(|_| format!("line {n} is not a name"))?);
            continue;
        }
        if let Some(k) = line.strip_prefix("key ") {
            c.key = Some(k.to_owned());
            continue;
        }
        let parts: Vec<&str> = line.split(' ').collect();
        match parts.as_slice() {
            ["signers", h] if is_hex64(h) && c.signers.is_none() => {
                c.signers = Some((*h).to_owned())
            }
            ["calendar", name, h] => c.calendar.push(((*name).to_owned(), (*h).to_owned())),
            [id, lines, head] if is_hex64(head) => c.entries.push(entry(n, id, lines, head)?),
            _ => return Err(format!("line {n} is not a checkpoint line")),
        }
    }
    let (root_at, sig_at) = root_at.ok_or("it has no root line (it was cut short)")?;
    let (sig, _) = sig.ok_or("it has no signature line (it was cut short)")?;
    if !c.entries.windows(2).all(|w| w[0].id < w[1].id) {
        return Err("its disputes are not in order, or one is listed twice".into());
    }
    if c.taken.is_empty() || c.by.is_none() {
        return Err("it does not say when it was taken and by whom".into());
    }
    if sha256_hex(&text.as_bytes()[..root_at]) != c.root {
        return Err("its root does not match what it lists: the file was changed".into());
    }
    let fingerprint = c.fingerprint().ok_or("its key line is not a public key")?;
    signing::check_in(NAMESPACE, &text.as_bytes()[..sig_at], &sig, &fingerprint).map_err(
        |why| {
            format!(
                "its signature does not match it ({why}): the file was changed after it was taken"
            )
        },
    )?;
    Ok(c)
}

fn entry(n: usize, id: &str, lines: &str, head: &str) -> std::result::Result<Entry, String> {
    let lines: u64 = lines
        .parse()
        .ok()
        .filter(|&n| n > 0)
        .ok_or_else(|| format!("line {n} has no number of lines"))?;
    if crate::domain::id::DisputeId::from_file_stem(id).is_none() {
        return Err(format!("line {n} does not start with a dispute ID"));
    }
    Ok(Entry {
        id: id.to_owned(),
        lines,
        head: head.to_owned(),
    })
}

/// Format 1, read as it always was (clarification 10).
fn parse_v1(text: &str) -> std::result::Result<Checkpoint, String> {
    let mut lines = text.lines();
    lines.next();
    let mut taken = String::new();
    let mut entries = Vec::new();
    let mut root_line = None;
    let mut signers = None;
    for (i, line) in lines.enumerate() {
        let n = i + 2;
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        if root_line.is_some() {
            return Err(format!("line {n} comes after the root"));
        }
        let parts: Vec<&str> = line.split(' ').collect();
        match parts.as_slice() {
            ["taken", t] => taken = (*t).to_owned(),
            ["root", r] if is_hex64(r) => root_line = Some((*r).to_owned()),
            ["signers", h] if is_hex64(h) && signers.is_none() => signers = Some((*h).to_owned()),
            [id, lines, head] if is_hex64(head) => entries.push(entry(n, id, lines, head)?),
            _ => return Err(format!("line {n} is not a checkpoint line")),
        }
    }
    let root_line = root_line.ok_or("it has no root line (it was cut short)")?;
    if !entries.windows(2).all(|w| w[0].id < w[1].id) {
        return Err("its disputes are not in order, or one is listed twice".into());
    }
    if root_v1(&entries, signers.as_deref()) != root_line {
        return Err("its root does not match the disputes it lists: the file was changed".into());
    }
    Ok(Checkpoint {
        version: 1,
        taken,
        by: None,
        key: None,
        entries,
        signers,
        calendar: Vec::new(),
        root: root_line,
    })
}

/// A root as typed (from a board paper, an e-mail): 64 hex digits, any case,
/// spaces ignored.
pub fn parse_root(typed: &str) -> Option<String> {
    let r: String = typed
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    is_hex64(&r).then_some(r)
}

/// How a journal stands against a checkpoint's entry: `Ok(added)` when it holds
/// every line the checkpoint saw, unchanged, and `added` more; otherwise the line
/// at which it departs and what is wrong.
pub(crate) fn compare(
    entry: &Entry,
    records: &[Record],
    head_hash: &str,
) -> std::result::Result<u64, (usize, String)> {
    let n = records.len() as u64;
    if n < entry.lines {
        return Err((
            n as usize + 1,
            format!(
                "the checkpoint saw {} lines but only {n} are there now: lines were removed",
                entry.lines
            ),
        ));
    }
    if head::line_hash(records, head_hash, entry.lines) != Some(entry.head.as_str()) {
        return Err((
            entry.lines as usize,
            format!(
                "line {} is not the line the checkpoint saw: the journal was rewritten since",
                entry.lines
            ),
        ));
    }
    Ok(n - entry.lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(id: &str, n: u64) -> Entry {
        Entry {
            id: id.into(),
            lines: n,
            head: "a".repeat(64),
        }
    }

    fn taken() -> (String, String) {
        let key = Key::from_seed(&[5; 32], "Jo");
        let signers = "b".repeat(64);
        render(
            &Taker {
                taken: "2026-11-23T09:00:00+00:00",
                by: "Jo Bloggs (DSL)",
                key: &key,
            },
            vec![e("BBBBBBBBBB", 3), e("AAAAAAAAAA", 2)],
            Some(&signers),
            &[("working-days".into(), "c".repeat(64))],
            &["CCCCCCCCCC".into()],
        )
        .unwrap()
    }

    #[test]
    fn a_checkpoint_round_trips_and_any_byte_changed_is_caught() {
        let (text, root) = taken();
        let c = parse(&text).unwrap();
        assert_eq!((c.version, c.root.as_str()), (2, root.as_str()));
        assert_eq!(c.entries[0].id, "AAAAAAAAAA");
        assert_eq!(c.by.as_deref(), Some("Jo Bloggs (DSL)"));
        assert_eq!(c.calendar, vec![("working-days".into(), "c".repeat(64))]);
        assert!(c.limits().is_none());
        // Every single byte, the taken line and the comments included.
        let bytes = text.as_bytes();
        for i in 0..bytes.len() {
            let mut edited = bytes.to_vec();
            edited[i] = if bytes[i] == b'1' { b'2' } else { b'1' };
            let edited = String::from_utf8_lossy(&edited);
            assert!(
                parse(&edited).is_err(),
                "byte {i} changed and still accepted"
            );
        }
        assert!(parse(&format!("{text}# more\n")).is_err());
        assert!(parse(text.strip_suffix('\n').unwrap()).is_err());
    }

    #[test]
    fn re_rooting_an_edited_checkpoint_breaks_its_signature() {
        let (text, root) = taken();
        let edited = text.replace("taken 2026-11-23", "taken 2026-10-23");
        let before_root = &edited[..edited.find("root ").unwrap()];
        let new_root = sha256_hex(before_root.as_bytes());
        let rerooted = edited.replace(&root, &new_root);
        let e = parse(&rerooted).unwrap_err();
        assert!(e.contains("signature"), "{e}");
    }

    #[test]
    fn a_format_1_checkpoint_still_reads_and_says_what_it_cannot_prove() {
        let entries = vec![e("AAAAAAAAAA", 2)];
        let root = root_v1(&entries, None);
        let text = format!(
            "{MAGIC_V1}\ntaken 2026-11-23\nAAAAAAAAAA 2 {}\nroot {root}\n",
            "a".repeat(64)
        );
        let c = parse(&text).unwrap();
        assert_eq!(c.version, 1);
        assert!(c.limits().unwrap().contains("not signed"));
        assert!(parse(&text.replace(" 2 ", " 3 ")).is_err());
    }

    #[test]
    fn roots_are_typed_in_any_case_with_spaces() {
        let r = "AB".repeat(32);
        assert_eq!(
            parse_root(&format!(" {} {} ", &r[..32], &r[32..])),
            Some("ab".repeat(32))
        );
        assert_eq!(parse_root("abc"), None);
    }
}
