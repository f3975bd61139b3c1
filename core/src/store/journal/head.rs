//! The head receipt: a side file `<ID>.head` beside each journal holding the `seq`
//! and SHA-256 of the journal's last line. The seal on each line and the `prev`
//! chain catch any change to a line, but not the removal of whole lines from the
//! end; the receipt does. It is written after each append (under the journal's lock),
//! so a crash between the two writes leaves it behind the journal, which is reported
//! and repaired by the next append, never fatal. It is not fsynced, so an append costs
//! one fsync: a power cut may lose its updates (behind again) or its bytes (an empty
//! file), and both are warnings the next append repairs. This module owns the file's
//! format and comparing it with a journal; it does not decide what to print.

use std::fs;
use std::path::{Path, PathBuf};

use crate::domain::event::Record;
use crate::error::{Error, Result};
use crate::store::fsutil::{self, Durability, Links};

/// A receipt is one short line; anything bigger is not one escalate wrote.
const MAX_RECEIPT_BYTES: u64 = 1024;

/// What a journal's receipt says about its last line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Receipt {
    pub seq: u64,
    pub hash: String,
}

/// How a journal's complete lines compare with its receipt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Standing {
    /// The receipt names the last complete line.
    Matches,
    /// There is no receipt (a journal from before receipts, or a crash between
    /// creating the journal and writing its first receipt).
    Missing,
    /// The receipt names an earlier line, and it is there as it was: an append was
    /// interrupted after its line was written and before its receipt was (one line),
    /// or a power cut lost updates to the receipt (any number: its renames are not
    /// made durable). Lines after it are chained and sealed like any other; the
    /// receipt is about lines removed from the end, and none were.
    Behind(u64),
    /// The receipt file is there but empty (or zeros): a power cut lost the bytes
    /// of its last update, which are not fsynced.
    Lost,
}

/// What is on disk beside a journal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stored {
    Absent,
    /// A file whose bytes were lost (empty or all zeros).
    Lost,
    Present(Receipt),
}

pub(crate) fn path_for(journal: &Path) -> PathBuf {
    crate::store::layout::receipt(journal)
}

fn temp_path_for(journal: &Path) -> PathBuf {
    crate::store::layout::receipt_in_progress(journal)
}

pub(crate) fn render(r: &Receipt) -> String {
    format!("{} {}\n", r.seq, r.hash)
}

fn parse(text: &str) -> Option<Receipt> {
    let line = text.strip_suffix('\n')?;
    let (seq, hash) = line.split_once(' ')?;
    let seq: u64 = seq.parse().ok().filter(|&n| n > 0)?;
    let ok = hash.len() == 64
        && hash
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    ok.then(|| Receipt {
        seq,
        hash: hash.to_owned(),
    })
}

/// Read a journal's receipt.
pub(crate) fn read(journal: &Path) -> Result<Stored> {
    let path = path_for(journal);
    let not_one = || {
        Error::damaged_journal(
            journal,
            format!(
                "its head receipt {} is not a small regular file",
                path.display()
            ),
        )
    };
    let bytes = match fsutil::read_limited(&path, MAX_RECEIPT_BYTES, Links::Refuse) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Stored::Absent),
        Err(e)
            if fsutil::is_link_error(&e)
                || matches!(
                    e.kind(),
                    std::io::ErrorKind::InvalidInput
                        | std::io::ErrorKind::IsADirectory
                        | std::io::ErrorKind::FileTooLarge
                ) =>
        {
            return Err(not_one())
        }
        Err(e) => return Err(Error::io(format!("could not read {}", path.display()), e)),
    };
    if bytes.iter().all(|&b| b == 0) {
        return Ok(Stored::Lost);
    }
    std::str::from_utf8(&bytes)
        .ok()
        .and_then(parse)
        .map(Stored::Present)
        .ok_or_else(|| {
            Error::damaged_journal(
                journal,
                format!("its head receipt {} is not readable as one", path.display()),
            )
        })
}

/// The SHA-256 of line `seq` (1-based) among `records`, whose last line hashes to
/// `head`: each line's `prev` is the hash of the one before it.
pub(crate) fn line_hash<'a>(records: &'a [Record], head: &'a str, seq: u64) -> Option<&'a str> {
    let n = records.len() as u64;
    if seq == 0 || seq > n {
        None
    } else if seq == n {
        Some(head)
    } else {
        records.get(seq as usize).map(|r| r.prev.as_str())
    }
}

/// Compare a journal's complete lines with its receipt. A receipt that names a line
/// the journal no longer has, or a different line, means lines were removed or
/// changed after they were acknowledged: that is damage, reported at the first line
/// the receipt vouches for that is not there as it was.
/// `line_hash` gives the hash of any of the journal's `n` lines (`line_hash` above,
/// for a journal held whole).
pub(crate) fn compare(
    journal: &Path,
    n: u64,
    line_hash: impl FnOnce(u64) -> Option<String>,
    stored: &Stored,
) -> Result<Standing> {
    let r = match stored {
        Stored::Absent => return Ok(Standing::Missing),
        Stored::Lost => return Ok(Standing::Lost),
        Stored::Present(r) => r,
    };
    if r.seq > n {
        return Err(Error::damaged(
            journal,
            n as usize + 1,
            format!(
                "the head receipt says the journal has {} lines but only {n} complete lines are there: the end of the journal was removed or damaged",
                r.seq
            ),
        ));
    }
    if line_hash(r.seq).as_deref() != Some(r.hash.as_str()) {
        return Err(Error::damaged(
            journal,
            r.seq as usize,
            "the line does not match the hash the head receipt holds for it",
        ));
    }
    Ok(match n - r.seq {
        0 => Standing::Matches,
        behind => Standing::Behind(behind),
    })
}

/// Whether the temporary receipt an append writes before its line is still there
/// and vouches for the journal's last line (or lost its bytes in a power cut): the
/// proof that an append was interrupted between its line and its receipt.
pub(crate) fn leftover(journal: &Path, lines: u64, head: &str) -> bool {
    let tmp = temp_path_for(journal);
    let Ok(bytes) = fsutil::read_limited(&tmp, MAX_RECEIPT_BYTES, Links::Refuse) else {
        return false;
    };
    if bytes.iter().all(|&b| b == 0) {
        return true;
    }
    std::str::from_utf8(&bytes)
        .ok()
        .and_then(parse)
        .is_some_and(|r| r.seq == lines && r.hash == head)
}

/// Write the receipt a journal will have after its next line, under a temporary name.
/// Done before the line is written, so a full disk or a permission problem refuses
/// the append instead of leaving a line without its receipt. Not synced: see the
/// module comment.
/// Whether a replace left the receipt of exactly `lines` lines ending in `head`
/// beside the journal (see `journal::replace`).
pub(crate) fn replacement_names(journal: &Path, lines: u64, head: &str) -> bool {
    let tmp = crate::store::layout::receipt_of_replacement(journal);
    fsutil::read_limited(&tmp, MAX_RECEIPT_BYTES, Links::Refuse)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|t| parse(&t))
        .is_some_and(|r| r.seq == lines && r.hash == head)
}

pub(crate) fn prepare(journal: &Path, receipt: &Receipt) -> Result<PathBuf> {
    let tmp = temp_path_for(journal);
    // A leftover (or planted) link at the temporary name is removed, never followed.
    fsutil::write_temporary(&tmp, render(receipt).as_bytes(), Durability::Unsynced).map_err(
        |e| {
            Error::io(
                format!(
                    "could not write the head receipt for {}; nothing was recorded",
                    journal.display()
                ),
                e,
            )
        },
    )?;
    Ok(tmp)
}

/// Move a prepared receipt into place. The directory is not synced: if a power cut
/// loses the rename, the old receipt is behind, which the next read reports and the
/// next append repairs.
pub(crate) fn commit(journal: &Path, tmp: &Path) -> std::io::Result<()> {
    fs::rename(tmp, path_for(journal))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn receipts_round_trip_and_junk_is_refused() {
        let r = Receipt {
            seq: 3,
            hash: "a".repeat(64),
        };
        assert_eq!(parse(&render(&r)), Some(r));
        for bad in ["", "3\n", "0 x\n", &format!("3 {}", "a".repeat(64))] {
            assert_eq!(parse(bad), None, "{bad:?}");
        }
        assert_eq!(parse(&format!("3 {}\n", "A".repeat(64))), None);
    }

    #[test]
    fn temp_name_is_hidden_and_not_a_journal() {
        let t = temp_path_for(Path::new("/d/ABCDEFGHJK.jsonl"));
        assert_eq!(t, Path::new("/d/.ABCDEFGHJK.head.tmp"));
    }
}
