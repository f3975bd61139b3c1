//! Checkpoints: a small text file listing every dispute with its number of lines
//! and head hash, plus one root hash over them, written by `verify --checkpoint`
//! and checked by `verify --against`. Kept somewhere an insider with access to the
//! data directory cannot reach (another machine, a manager's mailbox), it proves
//! later that every dispute it lists still exists and extends exactly what it held:
//! the defence against someone who rewrites journals and their receipts together,
//! which no file inside the data directory can give. This module owns the format
//! and the comparison; it reads and writes nothing but the checkpoint file.

use std::path::Path;

use crate::domain::event::Record;
use crate::error::{Error, Result};
use crate::store::journal::head;

const MAGIC: &str = "escalate-checkpoint 1";

/// One dispute as a checkpoint saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub id: String,
    pub lines: u64,
    pub head: String,
}

/// A checkpoint read back.
#[derive(Clone, Debug)]
pub struct Checkpoint {
    /// When it was taken, as its file says (for messages only).
    pub taken: String,
    pub entries: Vec<Entry>,
    /// SHA-256 of the signers file when the checkpoint was taken, if there was one.
    pub signers: Option<String>,
    pub root: String,
}

/// The root hash: SHA-256 of the entry lines, in ID order, each `ID LINES HEAD\n`,
/// then `signers HASH\n` when the checkpoint records the signers file.
pub fn root(entries: &[Entry], signers: Option<&str>) -> String {
    let mut text = String::with_capacity(entries.len() * 80);
    for e in entries {
        text.push_str(&entry_line(e));
    }
    if let Some(h) = signers {
        text.push_str(&format!("signers {h}\n"));
    }
    crate::store::journal::line::sha256_hex(text.as_bytes())
}

fn entry_line(e: &Entry) -> String {
    format!("{} {} {}\n", e.id, e.lines, e.head)
}

/// The checkpoint file's text. Entries are sorted by ID.
pub fn render(
    taken: &str,
    mut entries: Vec<Entry>,
    signers: Option<&str>,
    left_out: &[String],
) -> (String, String) {
    entries.sort_by(|a, b| a.id.cmp(&b.id));
    let root = root(&entries, signers);
    let mut out = format!("{MAGIC}\ntaken {taken}\n");
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
    out.push_str(&format!("root {root}\n"));
    (out, root)
}

/// Write a new checkpoint file; an existing file is never replaced.
pub fn write(path: &Path, text: &str) -> Result<()> {
    if std::fs::symlink_metadata(path).is_ok() {
        return Err(Error::refused(format!("{} already exists", path.display()))
            .with_hint("Give a new file name for each checkpoint (for example one per month); an old checkpoint is evidence, so escalate never replaces one."));
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
    parse(&text).map_err(|what| {
        Error::damaged_file(
            path,
            what,
            "Use a checkpoint file exactly as `escalate verify --checkpoint` wrote it.",
        )
    })
}

pub fn parse(text: &str) -> std::result::Result<Checkpoint, String> {
    let mut lines = text.lines();
    if lines.next() != Some(MAGIC) {
        return Err(format!("it does not begin {MAGIC:?}"));
    }
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
            [id, lines, head] if is_hex64(head) => {
                let lines: u64 = lines
                    .parse()
                    .ok()
                    .filter(|&n| n > 0)
                    .ok_or_else(|| format!("line {n} has no number of lines"))?;
                if crate::domain::id::DisputeId::from_file_stem(id).is_none() {
                    return Err(format!("line {n} does not start with a dispute ID"));
                }
                entries.push(Entry {
                    id: (*id).to_owned(),
                    lines,
                    head: (*head).to_owned(),
                });
            }
            _ => return Err(format!("line {n} is not a checkpoint line")),
        }
    }
    let root_line = root_line.ok_or("it has no root line (it was cut short)")?;
    if !entries.windows(2).all(|w| w[0].id < w[1].id) {
        return Err("its disputes are not in order, or one is listed twice".into());
    }
    if root(&entries, signers.as_deref()) != root_line {
        return Err("its root does not match the disputes it lists: the file was changed".into());
    }
    Ok(Checkpoint {
        taken,
        entries,
        signers,
        root: root_line,
    })
}

/// How a journal stands against a checkpoint's entry: `Ok(added)` when it holds
/// every line the checkpoint saw, unchanged, and `added` more; otherwise the line
/// at which it departs and what is wrong.
pub fn compare(
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

    #[test]
    fn a_checkpoint_round_trips_and_any_change_is_caught() {
        let e = |id: &str, n| Entry {
            id: id.into(),
            lines: n,
            head: "a".repeat(64),
        };
        let signers = "b".repeat(64);
        let (text, root) = render(
            "2026-11-23",
            vec![e("BBBBBBBBBB", 3), e("AAAAAAAAAA", 2)],
            Some(&signers),
            &[],
        );
        let c = parse(&text).unwrap();
        assert_eq!(c.root, root);
        assert_eq!(c.entries[0].id, "AAAAAAAAAA");
        assert_eq!(c.signers.as_deref(), Some(signers.as_str()));
        assert!(parse(&text.replace(" 3 ", " 4 ")).is_err());
        assert!(parse(&text.replace(&signers, &"c".repeat(64))).is_err());
        assert!(parse(&text.replace("BBBBBBBBBB 3", "")).is_err());
        assert!(parse(text.lines().take(3).collect::<Vec<_>>().join("\n").as_str()).is_err());
    }
}
