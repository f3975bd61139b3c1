//! The append-only journal of one dispute: a file of JSON lines that escalate only
//! ever appends to. This module owns reading it back strictly (every line sealed,
//! chained and numbered), appending under an exclusive lock with one write and an
//! fsync, and creating a new journal atomically. It knows nothing of policies.

pub mod event;
pub mod head;
pub mod line;

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
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
#[derive(Clone, Debug)]
pub struct Contents {
    pub records: Vec<Record>,
    /// SHA-256 of the last complete line (the "head": a receipt for the journal).
    pub head: String,
    /// Bytes after the last newline: a torn write from a crash, if any.
    pub torn_tail: Option<Vec<u8>>,
    /// How the complete lines compare with the head receipt beside the journal.
    pub standing: head::Standing,
    /// Quarantine files beside the journal that no `recovered` line names yet (a
    /// crash came between moving torn bytes aside and recording it).
    pub unrecorded: Vec<String>,
}

impl Contents {
    /// Things a person should know that do not stop the dispute being used: each is
    /// the aftermath of an interrupted command, and the next change repairs it.
    pub fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(torn) = &self.torn_tail {
            out.push(format!(
                "line {} is incomplete ({} bytes without a line end): a write was interrupted before it was acknowledged; the next change to this dispute moves those bytes to a quarantine file and records that it did",
                self.records.len() + 1,
                torn.len()
            ));
        }
        match self.standing {
            head::Standing::Matches => {}
            head::Standing::Missing => out.push(
                "there is no head receipt beside the journal, so removal of its last line cannot be detected; the next change to this dispute writes one".into(),
            ),
            head::Standing::Lost => out.push(
                "its head receipt is empty (a power cut can lose the last update to it), so removal of its last line cannot be detected; the next change to this dispute writes it again".into(),
            ),
            head::Standing::Behind(behind) => {
                let n = self.records.len() as u64;
                let named = n.saturating_sub(behind);
                let after = if behind == 1 {
                    format!("line {n} was")
                } else {
                    format!("lines {} to {n} were", named + 1)
                };
                out.push(format!(
                    "the head receipt names line {named} but {after} written after it (an append was interrupted before its receipt was written, or a power cut lost an update to it); the next change to this dispute brings it up to date"
                ));
            }
        }
        for name in &self.unrecorded {
            out.push(format!(
                "the quarantine file {name} is not yet recorded in the journal; the next change to this dispute records it"
            ));
        }
        out
    }

    /// How many torn writes this journal records having moved aside.
    pub fn recovered(&self) -> usize {
        self.records
            .iter()
            .filter(|r| matches!(r.event, Event::Recovered { .. }))
            .count()
    }
}

/// What an append repaired on the way, in words: the `recovered` lines among
/// `appended`.
pub fn repairs(appended: &[Record]) -> Vec<String> {
    appended
        .iter()
        .filter_map(|r| match &r.event {
            Event::Recovered {
                quarantine, bytes, ..
            } => Some(format!(
                "an incomplete line ({bytes} bytes) left by an interrupted command was moved to {quarantine} and recorded as line {}",
                r.seq
            )),
            _ => None,
        })
        .collect()
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
        let (record, whole) = line::decode(raw).map_err(|what| Error::damaged(path, n, what))?;
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
        prev = whole;
        records.push(record);
    }
    if records.is_empty() && torn.is_empty() {
        return Err(Error::damaged(path, 1, "the journal is empty"));
    }
    Ok(Contents {
        records,
        head: prev,
        torn_tail: (!torn.is_empty()).then(|| torn.to_vec()),
        standing: head::Standing::Matches,
        unrecorded: Vec::new(),
    })
}

fn read_checked(path: &Path, file: &mut File) -> Result<Vec<u8>> {
    let meta = file
        .metadata()
        .map_err(|e| Error::io(format!("could not read {}", path.display()), e))?;
    if meta.is_dir() {
        return Err(Error::damaged(
            path,
            0,
            "it is a directory, not a journal file",
        ));
    }
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
    // append to a file outside the data directory. O_NOFOLLOW makes the refusal part
    // of the open itself (no separate lstat to race with, and one system call fewer
    // per journal when `status` reads thousands).
    open_no_follow(OpenOptions::new().read(true).append(write), path).map_err(|e| {
        if is_link_error(&e) {
            Error::damaged(path, 0, "it is a symbolic link, not a journal file")
        } else if e.kind() == std::io::ErrorKind::IsADirectory {
            Error::damaged(path, 0, "it is a directory, not a journal file")
        } else {
            Error::io(format!("could not open {}", path.display()), e)
        }
    })
}

/// Open without following a symbolic link in the last path component.
pub(crate) fn open_no_follow(options: &mut OpenOptions, path: &Path) -> std::io::Result<File> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW);
    }
    options.open(path)
}

/// Whether an open failed because the path is a symbolic link (O_NOFOLLOW).
pub(crate) fn is_link_error(e: &std::io::Error) -> bool {
    #[cfg(unix)]
    {
        e.raw_os_error() == Some(libc::ELOOP)
    }
    #[cfg(not(unix))]
    {
        let _ = e;
        false
    }
}

/// Check the parsed journal against its head receipt and the quarantine files
/// beside it. Damage is an error; the aftermath of a crash is recorded in
/// `contents` for `warnings`.
fn check_surroundings(path: &Path, contents: &mut Contents) -> Result<()> {
    let receipt = head::read(path)?;
    if let (head::Stored::Present(r), Some(_)) = (&receipt, &contents.torn_tail) {
        if r.seq == contents.records.len() as u64 + 1 {
            return Err(Error::damaged(
                path,
                r.seq as usize,
                "the line is incomplete, but the head receipt shows it was written in full: it was cut short or changed afterwards",
            ));
        }
    }
    contents.standing = head::compare(path, &contents.records, &contents.head, &receipt)?;
    let recorded: Vec<&str> = contents
        .records
        .iter()
        .filter_map(|r| match &r.event {
            Event::Recovered { quarantine, .. } => Some(quarantine.as_str()),
            _ => None,
        })
        .collect();
    contents.unrecorded = quarantine_files(path)
        .into_iter()
        .filter(|name| !recorded.contains(&name.as_str()))
        .collect();
    Ok(())
}

/// Where torn writes are set aside: a `quarantine` directory beside the journals.
/// Its own directory, so checking for leftovers costs one failed lookup in the
/// usual case where nothing was ever torn, not a scan of every journal's name.
fn quarantine_dir(path: &Path) -> PathBuf {
    path.parent().unwrap_or(Path::new(".")).join("quarantine")
}

/// Whether a quarantine directory exists, asked once per directory per process:
/// it almost never does, and asking for every journal doubled the cost of reading
/// thousands of them. Creating one (in `Writer::quarantine`) records it here.
fn quarantine_exists(dir: &Path, created: bool) -> bool {
    static SEEN: OnceLock<Mutex<HashMap<PathBuf, bool>>> = OnceLock::new();
    let mut seen = SEEN
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    if created {
        seen.insert(dir.to_owned(), true);
        return true;
    }
    *seen.entry(dir.to_owned()).or_insert_with(|| dir.is_dir())
}

/// The names of a journal's quarantine files, sorted.
fn quarantine_files(path: &Path) -> Vec<String> {
    if !quarantine_exists(&quarantine_dir(path), false) {
        return Vec::new();
    }
    let Some(prefix) = path
        .file_name()
        .and_then(|n| n.to_str())
        .map(|n| format!("{n}.torn-"))
    else {
        return Vec::new();
    };
    let Ok(entries) = std::fs::read_dir(quarantine_dir(path)) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str().map(str::to_owned))
        .filter(|n| n.starts_with(&prefix))
        .collect();
    names.sort();
    names
}

/// Open, lock (shared to read, exclusive to append) and read a journal with
/// everything beside it checked. Returns the open file, its length and contents.
fn open_locked(path: &Path, write: bool) -> Result<(File, u64, Contents)> {
    let mut file = open_existing(path, write)?;
    wait_for_lock(path, &file, write)?;
    let bytes = read_checked(path, &mut file)?;
    let mut contents = parse(path, &bytes)?;
    check_surroundings(path, &mut contents)?;
    Ok((file, bytes.len() as u64, contents))
}

/// Read a journal under a shared lock (so a half-finished append is never seen).
pub fn read(path: &Path) -> Result<Contents> {
    open_locked(path, false).map(|(_, _, contents)| contents)
}

/// A journal open for appending, holding its exclusive lock until dropped.
pub struct Writer {
    path: PathBuf,
    file: File,
    /// The file's length when read, torn tail included.
    len: u64,
    pub contents: Contents,
}

impl Writer {
    /// Lock and read a journal for appending. A torn tail or a stale receipt is left
    /// as it is until something is actually appended, so a refused command writes
    /// nothing at all.
    pub fn open(path: &Path) -> Result<Writer> {
        let (file, len, contents) = open_locked(path, true)?;
        Ok(Writer {
            path: path.to_owned(),
            file,
            len,
            contents,
        })
    }

    /// Append one event as the next line, first repairing what a crash left behind:
    /// a torn tail is moved to a quarantine file and recorded, and any quarantine
    /// file not yet recorded is recorded. Each line is one write and an fsync, then
    /// the head receipt is replaced.
    pub fn append(
        &mut self,
        at: Instant,
        happened: Option<Instant>,
        by: &str,
        event: Event,
    ) -> Result<Record> {
        if matches!(self.contents.standing, head::Standing::Behind(_)) {
            self.catch_up_receipt()?;
        }
        if let Some(torn) = self.contents.torn_tail.clone() {
            let recovered = self.quarantine(&torn)?;
            self.write_line(at, None, by, recovered)?;
        }
        for name in std::mem::take(&mut self.contents.unrecorded) {
            if let Some(recovered) = self.adopt(&name) {
                self.write_line(at, None, by, recovered)?;
            }
        }
        self.write_line(at, happened, by, event)
    }

    /// Bring a receipt left behind (by a crash between a line and its receipt) up to
    /// the last line before appending, so that it stays as close behind as one
    /// interrupted append can leave it, whatever happens to this one.
    fn catch_up_receipt(&mut self) -> Result<()> {
        let receipt = head::Receipt {
            seq: self.contents.records.len() as u64,
            hash: self.contents.head.clone(),
        };
        let tmp = head::prepare(&self.path, &receipt)?;
        head::commit(&self.path, &tmp).map_err(|e| {
            Error::io(
                format!(
                    "could not bring the head receipt of {} up to date; nothing was recorded",
                    self.path.display()
                ),
                e,
            )
        })?;
        self.contents.standing = head::Standing::Matches;
        Ok(())
    }

    /// Copy torn bytes to `quarantine/<journal>.torn-<seq>-<sha8>` (0600, appearing whole or
    /// not at all), then cut them from the journal. The name is a function of the
    /// bytes, so a crash part-way through repeats the same steps harmlessly.
    fn quarantine(&mut self, torn: &[u8]) -> Result<Event> {
        let sha = line::sha256_hex(torn);
        let name = format!(
            "{}.torn-{}-{}",
            self.path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("journal"),
            self.contents.records.len() + 1,
            &sha[..8]
        );
        let qdir = quarantine_dir(&self.path);
        crate::fsutil::private_dir(&qdir)?;
        quarantine_exists(&qdir, true);
        let qpath = qdir.join(&name);
        if let Err(e) = crate::fsutil::write_new_file(&qpath, torn) {
            if std::fs::read(&qpath).ok().as_deref() != Some(torn) {
                return Err(e);
            }
        }
        let keep = self.len - torn.len() as u64;
        self.file
            .set_len(keep)
            .and_then(|()| self.file.sync_all())
            .map_err(|e| {
                Error::io(
                    format!(
                        "could not set aside the incomplete last line of {}",
                        self.path.display()
                    ),
                    e,
                )
            })?;
        self.len = keep;
        self.contents.torn_tail = None;
        // A crash between writing this file and cutting the tail left it unrecorded
        // as well as the tail torn: the line this returns records it, once.
        self.contents.unrecorded.retain(|n| *n != name);
        Ok(Event::Recovered {
            quarantine: name,
            sha256: sha,
            bytes: torn.len() as u64,
        })
    }

    /// The `recovered` event for a quarantine file a crash left unrecorded, if it is
    /// one escalate could have written (a regular file within the journal limit).
    fn adopt(&self, name: &str) -> Option<Event> {
        let qpath = quarantine_dir(&self.path).join(name);
        let meta = std::fs::symlink_metadata(&qpath).ok()?;
        if !meta.file_type().is_file() || meta.len() > MAX_JOURNAL_BYTES {
            return None;
        }
        let bytes = std::fs::read(&qpath).ok()?;
        Some(Event::Recovered {
            quarantine: name.to_owned(),
            sha256: line::sha256_hex(&bytes),
            bytes: bytes.len() as u64,
        })
    }

    fn write_line(
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
        let receipt = head::prepare(
            &self.path,
            &head::Receipt {
                seq: record.seq,
                hash: head.clone(),
            },
        )?;
        self.file
            .write_all(&bytes)
            .and_then(|()| self.file.sync_data())
            .map_err(|e| Error::io(format!("could not write to {}", self.path.display()), e))?;
        self.len += bytes.len() as u64;
        self.contents.head = head;
        self.contents.records.push(record.clone());
        head::commit(&self.path, &receipt).map_err(|e| {
            Error::io(
                format!(
                    "line {} was recorded in {}, but its head receipt could not be updated (the next change will retry)",
                    record.seq,
                    self.path.display()
                ),
                e,
            )
        })?;
        self.contents.standing = head::Standing::Matches;
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
    let contents = parse(path, &bytes)?;
    let receipt = head::prepare(
        path,
        &head::Receipt {
            seq: 1,
            hash: contents.head.clone(),
        },
    )?;
    if let Err(e) = crate::fsutil::write_new_file(path, &bytes) {
        let _ = std::fs::remove_file(&receipt);
        return Err(e);
    }
    // The journal exists now; a receipt that fails to land is reported by the next
    // read and written by the next append, which is better than failing a command
    // whose dispute was in fact created.
    let _ = head::commit(path, &receipt);
    let head = contents.head;
    let record = contents
        .records
        .into_iter()
        .next()
        .ok_or_else(|| Error::damaged(path, 1, "the new journal did not read back"))?;
    Ok((record, head))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A two-line journal: `opened`, then a discussion.
    fn sample() -> Vec<u8> {
        let at = crate::clock::parse_instant("2026-11-23T09:00:00Z").unwrap();
        let mut record = Record {
            seq: 1,
            at,
            happened: None,
            by: "t".into(),
            event: Event::Opened(Opened {
                policy: "p".into(),
                policy_hash: "0".repeat(64),
                child: "c".into(),
                from: "a".into(),
                with: "b".into(),
                summary: "s".into(),
                category: None,
                cp_plan: false,
                looked_after: false,
                immediate_harm: false,
                stage: 1,
                due: None,
                arose: None,
                start_reason: None,
                due_reason: None,
                subject_kind: None,
                opened_as: None,
            }),
            prev: String::new(),
            hash: String::new(),
        };
        let first = line::encode(&record);
        record.seq = 2;
        record.prev = line::sha256_hex(first.as_bytes());
        record.event = Event::Discussed {
            stage: 1,
            note: "n".into(),
            with: None,
        };
        format!("{first}\n{}\n", line::encode(&record)).into_bytes()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            let _ = parse(Path::new("x.jsonl"), &bytes);
        }

        #[test]
        fn a_changed_byte_is_always_noticed(pos in 0usize..10_000, bit in 0u8..8) {
            let mut bytes = sample();
            let n = bytes.len();
            bytes[pos % n] ^= 1 << bit;
            // Either an error, or (the newline itself changed) a torn tail.
            match parse(Path::new("x.jsonl"), &bytes) {
                Err(_) => {}
                Ok(c) => prop_assert!(c.torn_tail.is_some()),
            }
        }
    }

    #[test]
    fn a_torn_tail_is_kept_not_dropped() {
        let mut bytes = sample();
        assert_eq!(parse(Path::new("x"), &bytes).unwrap().records.len(), 2);
        bytes.extend_from_slice(b"{\"seq\":3");
        let c = parse(Path::new("x"), &bytes).unwrap();
        assert_eq!(c.records.len(), 2);
        assert_eq!(c.torn_tail.as_deref(), Some(&b"{\"seq\":3"[..]));
    }
}
