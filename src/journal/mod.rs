//! The append-only journal of one dispute: a file of JSON lines that escalate only
//! ever appends to. This module owns reading it back strictly (every line sealed,
//! chained and numbered), appending under an exclusive lock with one write and an
//! fsync, and creating a new journal atomically. It knows nothing of policies.

pub mod event;
pub mod line;

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant as StdInstant};

pub use event::{Event, Opened, Record};

use crate::clock::Instant;
use crate::error::{Error, Result};

/// A journal larger than this is not one escalate wrote (a dispute with a thousand
/// events is a few hundred kilobytes); refusing it keeps a hostile file from
/// exhausting memory.
pub const MAX_JOURNAL_BYTES: u64 = 64 * 1024 * 1024;

/// How long a command waits for another process's lock before giving up.
pub const LOCK_WAIT: Duration = Duration::from_secs(5);

/// A journal read back and checked.
#[derive(Debug)]
pub struct Contents {
    pub records: Vec<Record>,
    /// SHA-256 of the last complete line (the "head": a receipt for the journal).
    pub head: String,
    /// Bytes after the last newline: a torn write from a crash, if any.
    pub torn_tail: Option<Vec<u8>>,
}

/// Parse journal bytes. Any damage is an error naming the line; a torn last line
/// (no newline) is reported in `torn_tail`, never parsed or dropped.
pub fn parse(path: &Path, bytes: &[u8]) -> Result<Contents> {
    let mut records: Vec<Record> = Vec::new();
    let mut prev = String::new();
    let (complete, torn) = match bytes.iter().rposition(|&b| b == b'\n') {
        Some(i) => (&bytes[..i + 1], &bytes[i + 1..]),
        None => (&bytes[..0], bytes),
    };
    let body = complete.strip_suffix(b"\n").unwrap_or(complete);
    let lines = if body.is_empty() && complete.is_empty() {
        None
    } else {
        Some(body.split(|&b| b == b'\n'))
    };
    for (i, raw) in lines.into_iter().flatten().enumerate() {
        let n = i + 1;
        if raw.is_empty() {
            return Err(Error::damaged(path, n, "the line is empty"));
        }
        let record = line::decode(raw).map_err(|what| Error::damaged(path, n, what))?;
        if record.seq != n as u64 {
            return Err(Error::damaged(
                path,
                n,
                format!("seq is {} but this is line {n}", record.seq),
            ));
        }
        if record.prev != prev {
            return Err(Error::damaged(
                path,
                n,
                "prev does not match the hash of the line before (a line was changed, removed or inserted)",
            ));
        }
        match (&record.event, n) {
            (Event::Opened(_), 1) => {}
            (_, 1) => {
                return Err(Error::damaged(
                    path,
                    1,
                    "the first line must be the `opened` event",
                ))
            }
            (Event::Opened(_), _) => {
                return Err(Error::damaged(
                    path,
                    n,
                    "only the first line may be `opened`",
                ))
            }
            _ => {}
        }
        prev = line::sha256_hex(raw);
        records.push(record);
    }
    if records.is_empty() && torn.is_empty() {
        return Err(Error::damaged(path, 1, "the journal is empty"));
    }
    Ok(Contents {
        records,
        head: prev,
        torn_tail: (!torn.is_empty()).then(|| torn.to_vec()),
    })
}

fn read_checked(path: &Path, file: &mut File) -> Result<Vec<u8>> {
    let meta = file
        .metadata()
        .map_err(|e| Error::io(format!("could not read {}", path.display()), e))?;
    if !meta.is_file() {
        return Err(Error::damaged(path, 0, "it is not a regular file"));
    }
    if meta.len() > MAX_JOURNAL_BYTES {
        return Err(Error::damaged(
            path,
            0,
            format!(
                "it is {} bytes, more than the {MAX_JOURNAL_BYTES}-byte limit for a journal",
                meta.len()
            ),
        ));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.read_to_end(&mut bytes)
        .map_err(|e| Error::io(format!("could not read {}", path.display()), e))?;
    Ok(bytes)
}

fn wait_for_lock(path: &Path, file: &File, exclusive: bool) -> Result<()> {
    let started = StdInstant::now();
    loop {
        let attempt = if exclusive {
            file.try_lock()
        } else {
            file.try_lock_shared()
        };
        match attempt {
            Ok(()) => return Ok(()),
            Err(std::fs::TryLockError::WouldBlock) if started.elapsed() < LOCK_WAIT => {
                std::thread::sleep(Duration::from_millis(10));
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(Error::refused(format!(
                    "{} is in use by another escalate command; nothing was written",
                    path.display()
                ))
                .with_hint("Wait for the other command to finish, then run this one again."));
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(Error::io(format!("could not lock {}", path.display()), e));
            }
        }
    }
}

fn open_existing(path: &Path, write: bool) -> Result<File> {
    // Refuse links: a journal that points elsewhere could make escalate read or
    // append to a file outside the data directory.
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => {
            return Err(Error::damaged(
                path,
                0,
                "it is a symbolic link, not a journal file",
            ))
        }
        Ok(m) if m.is_dir() => {
            return Err(Error::damaged(
                path,
                0,
                "it is a directory, not a journal file",
            ))
        }
        _ => {}
    }
    OpenOptions::new()
        .read(true)
        .append(write)
        .open(path)
        .map_err(|e| Error::io(format!("could not open {}", path.display()), e))
}

/// Read a journal under a shared lock (so a half-finished append is never seen).
pub fn read(path: &Path) -> Result<Contents> {
    let mut file = open_existing(path, false)?;
    wait_for_lock(path, &file, false)?;
    let bytes = read_checked(path, &mut file)?;
    parse(path, &bytes)
}

/// A journal open for appending, holding its exclusive lock until dropped.
pub struct Writer {
    path: PathBuf,
    file: File,
    pub contents: Contents,
}

impl Writer {
    pub fn open(path: &Path) -> Result<Writer> {
        let mut file = open_existing(path, true)?;
        wait_for_lock(path, &file, true)?;
        let bytes = read_checked(path, &mut file)?;
        let contents = parse(path, &bytes)?;
        if contents.torn_tail.is_some() {
            return Err(Error::damaged(
                path,
                contents.records.len() + 1,
                "the last line is incomplete (a write was interrupted)",
            ));
        }
        Ok(Writer {
            path: path.to_owned(),
            file,
            contents,
        })
    }

    /// Append one event as the next line: one write, then fsync, before returning.
    pub fn append(
        &mut self,
        at: Instant,
        happened: Option<Instant>,
        by: &str,
        event: Event,
    ) -> Result<Record> {
        let mut record = Record {
            seq: self.contents.records.len() as u64 + 1,
            at,
            happened,
            by: by.to_owned(),
            event,
            prev: self.contents.head.clone(),
            hash: String::new(),
        };
        let line = line::encode(&record);
        record.hash = line::seal_of(&line).to_owned();
        let mut bytes = line.into_bytes();
        let head = line::sha256_hex(&bytes);
        bytes.push(b'\n');
        self.file
            .write_all(&bytes)
            .and_then(|()| self.file.sync_data())
            .map_err(|e| Error::io(format!("could not write to {}", self.path.display()), e))?;
        self.contents.head = head;
        self.contents.records.push(record.clone());
        Ok(record)
    }
}

/// Create a new journal holding its first line, atomically: the file appears whole
/// or not at all, and an existing journal is never overwritten. Returns the first
/// record and the journal's head hash.
pub fn create(
    path: &Path,
    at: Instant,
    happened: Option<Instant>,
    by: &str,
    opened: Opened,
) -> Result<(Record, String)> {
    let record = Record {
        seq: 1,
        at,
        happened,
        by: by.to_owned(),
        event: Event::Opened(opened),
        prev: String::new(),
        hash: String::new(),
    };
    let mut bytes = line::encode(&record).into_bytes();
    bytes.push(b'\n');
    crate::fsutil::write_new_file(path, &bytes)?;
    let contents = parse(path, &bytes)?;
    let head = contents.head;
    let record = contents
        .records
        .into_iter()
        .next()
        .ok_or_else(|| Error::damaged(path, 1, "the new journal did not read back"))?;
    Ok((record, head))
}
