//! The append-only journal of one dispute: a file of JSON lines that escalate only
//! ever appends to. This module owns reading it back strictly (every line sealed,
//! chained and numbered), appending under an exclusive lock with one write and an
//! fsync, and creating a new journal atomically. It knows nothing of policies.

pub mod head;
pub mod line;
pub mod stream;

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use crate::domain::event::{Event, Opened, Record};

use crate::domain::clock::Instant;
use crate::error::{Error, Hint, Result};
use crate::store::fsutil::{is_link_error, LockKind};

/// A journal larger than this is not one escalate wrote (a dispute with a thousand
/// events is a few hundred kilobytes); refusing it keeps a hostile file from
/// exhausting memory.
pub const MAX_JOURNAL_BYTES: u64 = 64 * 1024 * 1024;

/// Room kept below the limit that only `notify`, `resolve` and escalate's own
/// repair lines may use, so a dispute near its limit can always be closed: other
/// appends are refused once they would leave less than this. A maximum-length
/// notification is under 100 KB, so this holds at least ten.
pub const RESERVED_BYTES: u64 = 1024 * 1024;

/// Who is writing a line: the name recorded as `by`, and the key that signs it
/// (`None` writes an unsigned line of the old format; only tests do that).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Author<'a> {
    pub by: &'a str,
    pub key: Option<&'a crate::integrity::signing::Key>,
}

/// Encode a record as a line, signed when the author has a key.
fn encode_as(record: &mut Record, key: Option<&crate::integrity::signing::Key>) -> Result<String> {
    match key {
        Some(k) => line::encode_signed(record, k),
        None => {
            let text = line::encode(record)?;
            record.hash = line::seal_of(&text).to_owned();
            Ok(text)
        }
    }
}

/// What a read found that shows a crash happened, if anything.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Evidence {
    /// A line without its line end.
    TornWrite,
    /// The temporary receipt an append writes before its line is still there.
    InterruptedWrite,
}

impl Evidence {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Evidence::TornWrite => "torn write",
            Evidence::InterruptedWrite => "interrupted write",
        }
    }
}

/// How long a command waits for another process's lock before giving up.
pub(crate) const LOCK_WAIT: Duration = Duration::from_secs(5);

/// A journal read back and checked.
#[derive(Clone, Debug)]
pub(crate) struct Contents {
    pub records: Vec<Record>,
    /// The dispute ID the journal is stored under (its file name): what every
    /// format-3 line appended to it names as its `dispute`.
    pub dispute: String,
    /// SHA-256 of the last complete line (the "head": a receipt for the journal).
    pub head: String,
    /// Bytes after the last newline: a torn write from a crash, if any.
    pub torn_tail: Option<Vec<u8>>,
    /// How the complete lines compare with the head receipt beside the journal.
    pub standing: head::Standing,
    /// Quarantine files beside the journal that no `recovered` line names yet (a
    /// crash came between moving torn bytes aside and recording it).
    pub unrecorded: Vec<String>,
    /// What shows a crash, when the receipt does not name the last line.
    pub evidence: Option<Evidence>,
}

impl Contents {
    /// Things a person should know that do not stop the dispute being used: each is
    /// the aftermath of an interrupted command, and the next change repairs it.
    pub(crate) fn warnings(&self) -> Vec<String> {
        self.warnings_for(self.records.len())
    }

    /// `warnings` for a journal of `lines` complete lines (not all held here).
    fn warnings_for(&self, lines: usize) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(torn) = &self.torn_tail {
            out.push(format!(
                "line {} is incomplete ({} bytes without a line end): a write was interrupted before it was acknowledged; the next change to this dispute moves those bytes to a quarantine file and records that it did",
                lines + 1,
                torn.len()
            ));
        }
        match self.standing {
            head::Standing::Matches => {}
            _ => {
                if let Some(w) = self.receipt_finding_for(lines) {
                    out.push(w);
                }
            }
        }
        for name in &self.unrecorded {
            out.push(format!(
                "the quarantine file {name} is not yet recorded in the journal; the next change to this dispute records it"
            ));
        }
        out
    }

    /// What the receipt's disagreement with the journal means, in words, or `None`
    /// when it names the last line.
    pub(crate) fn receipt_finding(&self) -> Option<String> {
        self.receipt_finding_for(self.records.len())
    }

    fn receipt_finding_for(&self, lines: usize) -> Option<String> {
        let n = lines as u64;
        let found = match self.standing {
            head::Standing::Matches => return None,
            head::Standing::Missing => "there is no head receipt beside the journal".to_owned(),
            head::Standing::Lost => "its head receipt is empty".to_owned(),
            head::Standing::Behind(behind) => format!(
                "the head receipt names line {} but the journal has {n} lines",
                n.saturating_sub(behind)
            ),
        };
        Some(match self.evidence {
            Some(e) => format!(
                "{found}; a crash explains it ({}: an append was interrupted before its receipt was written); the next change to this dispute records this and writes the receipt",
                e.as_str()
            ),
            None => format!(
                "{found}, and nothing shows a crash (no torn line, no leftover temporary receipt): lines may have been removed from or added to the end of the journal by hand; the next change to this dispute records this finding in the journal"
            ),
        })
    }

    /// The receipt disagrees with the journal and no crash explains it: a possible
    /// removal or addition of lines, which `verify` treats as a finding (exit 3).
    pub(crate) fn suspect_receipt(&self) -> Option<String> {
        if self.evidence.is_some() {
            return None;
        }
        self.receipt_finding()
    }
}

/// What an append repaired on the way, in words: the `recovered` lines among
/// `appended`.
pub(crate) fn repairs(appended: &[Record]) -> Vec<String> {
    appended
        .iter()
        .filter_map(|r| match &r.event {
            Event::Recovered {
                quarantine, bytes, ..
            } => Some(format!(
                "an incomplete line ({bytes} bytes) left by an interrupted command was moved to {quarantine} and recorded as line {}",
                r.seq
            )),
            Event::ReceiptRepaired { .. } => Some(format!(
                "line {}: {}",
                r.seq,
                receipt_phrase(&r.event)
            )),
            _ => None,
        })
        .collect()
}

/// A `receipt_repaired` line in words, for `show` and for the warning after the
/// append that wrote it.
pub fn receipt_phrase(event: &Event) -> String {
    let Event::ReceiptRepaired {
        found,
        named,
        lines,
        evidence,
    } = event
    else {
        return String::new();
    };
    let what = match (found.as_str(), named) {
        ("behind", Some(k)) => format!("the head receipt named line {k} of {lines}"),
        ("empty", _) => format!("the head receipt was empty ({lines} lines)"),
        _ => format!("there was no head receipt ({lines} lines)"),
    };
    if evidence == "none" {
        format!("{what}, with no sign of a crash: lines may have been removed or added by hand before this; the receipt was rewritten")
    } else {
        format!("{what} after an {evidence}; the receipt was rewritten")
    }
}

/// Parse journal bytes. Any damage is an error naming the line; a torn last line
/// (no newline) is reported in `torn_tail`, never parsed or dropped.
pub(crate) fn parse(path: &Path, bytes: &[u8]) -> Result<Contents> {
    let mut records: Vec<Record> = Vec::new();
    let mut chain = Chain::new(path);
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
    for raw in lines.into_iter().flatten() {
        records.push(chain.check(raw)?);
    }
    check_end(&chain, records.first(), torn)?;
    Ok(Contents {
        records,
        dispute: journal_id(path),
        head: chain.prev,
        torn_tail: (!torn.is_empty()).then(|| torn.to_vec()),
        standing: head::Standing::Matches,
        unrecorded: Vec::new(),
        evidence: None,
    })
}

/// The dispute ID a journal at `path` belongs to: its file name without `.jsonl`.
pub(crate) fn journal_id(path: &Path) -> String {
    path.file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default()
        .to_owned()
}

/// The checks each complete line gets as it is read, in order: not empty, not from
/// a newer format, sealed, numbered, chained to the line before, and only the
/// first an `opened`; a format-3 line names this journal's dispute and a nonce no
/// other line has; a correction naming its target by nonce names an earlier line.
/// One place for them, whether a journal is read whole or a line at a time
/// (`stream`).
struct Chain<'p> {
    path: &'p Path,
    /// How many lines have been checked.
    lines: usize,
    /// SHA-256 of the last line checked: what the next line's `prev` must be.
    prev: String,
    /// Each nonce seen so far and the line that carried it.
    nonces: HashMap<String, u64>,
    /// The dispute line 1 names, if it names one.
    dispute: Option<String>,
}

impl<'p> Chain<'p> {
    fn new(path: &'p Path) -> Chain<'p> {
        Chain {
            path,
            lines: 0,
            prev: String::new(),
            nonces: HashMap::new(),
            dispute: None,
        }
    }

    /// The format-3 rules that tie a line to its journal, and the correction's
    /// target resolved from its nonce to its line number (so every view, which
    /// prints line numbers, reads it as it reads older corrections).
    fn check_content(&mut self, record: &mut Record, n: usize) -> Result<()> {
        let path = self.path;
        // Line 1 names the journal's dispute, which must be its file's (checked
        // at the end: a swapped journal is named as one); each later line must
        // name the same dispute as line 1, or the file's when line 1 is older.
        if n == 1 {
            self.dispute = record.dispute.clone();
        } else if record.v.is_some_and(|v| v >= line::CONTENT_SIGNED) {
            let id = self.dispute.clone().unwrap_or_else(|| journal_id(path));
            if record.dispute.as_deref() != Some(id.as_str()) {
                return Err(Error::damaged(
                    path,
                    n,
                    format!(
                        "this line belongs to dispute {:?}, not to dispute {id}: it was copied in from another journal",
                        record.dispute.as_deref().unwrap_or_default()
                    ),
                ));
            }
        }
        if let Some(nonce) = &record.nonce {
            if let Some(first) = self.nonces.insert(nonce.clone(), n as u64) {
                return Err(Error::damaged(
                    path,
                    n,
                    format!("this line repeats line {first} (the same nonce): a line was copied again into the journal"),
                ));
            }
        }
        if let Event::Amended { event, target, .. } = &mut record.event {
            match target {
                Some(t) => match self.nonces.get(t.as_str()) {
                    Some(&seq) if seq < n as u64 && (*event == 0 || *event == seq) => *event = seq,
                    _ => {
                        return Err(Error::damaged(
                            path,
                            n,
                            "the correction names a line that is not earlier in this journal",
                        ))
                    }
                },
                None if *event == 0 => {
                    return Err(Error::damaged(
                        path,
                        n,
                        "the correction does not name the line it corrects",
                    ))
                }
                None => {}
            }
        }
        Ok(())
    }

    /// Check the next complete line (without its line end); returns its record.
    fn check(&mut self, raw: &[u8]) -> Result<Record> {
        let path = self.path;
        let n = self.lines + 1;
        if raw.is_empty() {
            return Err(Error::damaged(path, n, "the line is empty"));
        }
        // Every format keeps the seal, so a sound seal on a line that declares a
        // newer format means a newer escalate wrote it; a flipped digit does not.
        if let Some(v) = line::version(raw).filter(|&v| v > u64::from(line::FORMAT)) {
            if line::seal_ok(raw) {
                return Err(Error::refused(format!(
                    "journal {} line {n} is in format {v}, written by a newer version of escalate than this one (which reads up to format {})",
                    path.display(),
                    line::FORMAT
                ))
                .with_hint(Hint::InstallNewerToRead));
            }
        }
        let (mut record, whole) =
            line::decode(raw).map_err(|what| Error::damaged(path, n, what))?;
        if record.seq != n as u64 {
            return Err(Error::damaged(
                path,
                n,
                format!("seq is {} but this is line {n}", record.seq),
            ));
        }
        if record.prev != self.prev {
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
        self.check_content(&mut record, n)?;
        self.prev = whole;
        self.lines = n;
        Ok(record)
    }
}

/// The checks once every complete line has been read: there is a line, the journal
/// is the one its name says (`first` is line 1), and bytes after the last line end
/// are a torn write, not a whole line whose line end was removed.
fn check_end(chain: &Chain, first: Option<&Record>, torn: &[u8]) -> Result<()> {
    let path = chain.path;
    if chain.lines == 0 && torn.is_empty() {
        return Err(Error::damaged(path, 1, "the journal is empty"));
    }
    check_bound(path, first)?;
    if !torn.is_empty() {
        if let Ok((r, _)) = line::decode(torn) {
            if r.seq == chain.lines as u64 + 1 && r.prev == chain.prev {
                return Err(Error::damaged(
                    path,
                    chain.lines + 1,
                    "the line is complete and sealed but its line end was removed: a crash cannot do that (a line is written with its line end in one piece), so the file was edited",
                ));
            }
        }
    }
    Ok(())
}

/// A journal whose first line names its dispute must be stored under that ID: a
/// journal copied or moved over another dispute's file is not that dispute's.
fn check_bound(path: &Path, first: Option<&Record>) -> Result<()> {
    let Some(named) = first.and_then(|r| r.dispute.as_deref()) else {
        return Ok(());
    };
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    if named != stem {
        return Err(Error::damaged(
            path,
            1,
            format!(
                "this is the journal of dispute {named:?}, stored under the name of dispute {stem}: journals were swapped, copied or renamed"
            ),
        ));
    }
    Ok(())
}

fn read_checked(path: &Path, file: &File) -> Result<Vec<u8>> {
    check_file(path, file)?;
    crate::store::fsutil::read_open_limited(file, MAX_JOURNAL_BYTES).map_err(|e| {
        if e.kind() == std::io::ErrorKind::FileTooLarge {
            Error::damaged_journal(path, format!("{e} for a journal"))
        } else {
            Error::io(format!("could not read {}", path.display()), e)
        }
    })
}

/// An open journal is a regular file (not a directory or a device).
fn check_file(path: &Path, file: &File) -> Result<std::fs::Metadata> {
    let meta = file
        .metadata()
        .map_err(|e| Error::io(format!("could not read {}", path.display()), e))?;
    if meta.is_dir() {
        return Err(Error::damaged_journal(
            path,
            "it is a directory, not a journal file",
        ));
    }
    if !meta.is_file() {
        return Err(Error::damaged_journal(path, "it is not a regular file"));
    }
    Ok(meta)
}

fn wait_for_lock(path: &Path, file: &File, exclusive: bool) -> Result<()> {
    let kind = if exclusive {
        LockKind::Exclusive
    } else {
        LockKind::Shared
    };
    crate::store::fsutil::wait_for_lock(file, path, kind, LOCK_WAIT, || {
        Error::refused(format!(
            "{} is in use by another escalate command; nothing was written",
            path.display()
        ))
        .with_hint(Hint::WaitForOtherCommand)
    })
}

fn open_existing(path: &Path, write: bool) -> Result<File> {
    // Refuse links: a journal that points elsewhere could make escalate read or
    // append to a file outside the data directory. O_NOFOLLOW makes the refusal part
    // of the open itself (no separate lstat to race with, and one system call fewer
    // per journal when `status` reads thousands).
    crate::store::fsutil::open_regular(OpenOptions::new().read(true).append(write), path).map_err(
        |e| {
            if is_link_error(&e) {
                Error::damaged_journal(path, "it is a symbolic link, not a journal file")
            } else if e.kind() == std::io::ErrorKind::IsADirectory {
                Error::damaged_journal(path, "it is a directory, not a journal file")
            } else if e.kind() == std::io::ErrorKind::InvalidInput {
                Error::damaged_journal(path, format!("{e}, so it is not a journal"))
            } else {
                Error::io(format!("could not open {}", path.display()), e)
            }
        },
    )
}

/// Check the parsed journal against its head receipt and the quarantine files
/// beside it. Damage is an error; the aftermath of a crash is recorded in
/// `contents` for `warnings`.
fn check_surroundings(path: &Path, contents: &mut Contents) -> Result<()> {
    let receipt = head::read(path)?;
    let records = &contents.records;
    let recorded: Vec<&str> = records.iter().filter_map(recovered).collect();
    let line_hash = |seq| head::line_hash(records, &contents.head, seq).map(str::to_owned);
    let found = surroundings(
        path,
        &receipt,
        (records.len(), &contents.head, line_hash),
        contents.torn_tail.is_some(),
        &recorded,
    )?;
    (contents.standing, contents.evidence, contents.unrecorded) = found;
    Ok(())
}

/// The quarantine file a `recovered` line records.
fn recovered(r: &Record) -> Option<&str> {
    match &r.event {
        Event::Recovered { quarantine, .. } => Some(quarantine.as_str()),
        _ => None,
    }
}

/// `check_surroundings` for a journal of `lines` complete lines ending in `head`,
/// `line_hash` giving any line's hash, `torn` when bytes follow the last line, and
/// `recorded` the quarantine files its `recovered` lines name.
fn surroundings(
    path: &Path,
    receipt: &head::Stored,
    (lines, head, line_hash): (usize, &str, impl FnOnce(u64) -> Option<String>),
    torn: bool,
    recorded: &[&str],
) -> Result<(head::Standing, Option<Evidence>, Vec<String>)> {
    if let (head::Stored::Present(r), true) = (receipt, torn) {
        if r.seq == lines as u64 + 1 {
            return Err(Error::damaged(
                path,
                r.seq as usize,
                "the line is incomplete, but the head receipt shows it was written in full: it was cut short or changed afterwards",
            ));
        }
    }
    let standing = match head::compare(path, lines as u64, line_hash, receipt) {
        Ok(head::Standing::Matches) => head::Standing::Matches,
        // A replace (`replace`) interrupted between moving the journal and its
        // receipt into place left the receipt of exactly these lines beside them.
        _ if !torn && head::replacement_names(path, lines as u64, head) => head::Standing::Matches,
        other => other?,
    };
    let mut evidence = None;
    if standing != head::Standing::Matches {
        evidence = if torn {
            Some(Evidence::TornWrite)
        } else if head::leftover(path, lines as u64, head) {
            Some(Evidence::InterruptedWrite)
        } else {
            None
        };
    }
    let unrecorded = quarantine_files(path)
        .into_iter()
        .filter(|name| !recorded.contains(&name.as_str()))
        .collect();
    Ok((standing, evidence, unrecorded))
}

/// Where torn writes are set aside: a `quarantine` directory beside the journals.
/// Its own directory, so checking for leftovers costs one failed lookup in the
/// usual case where nothing was ever torn, not a scan of every journal's name.
fn quarantine_dir(path: &Path) -> PathBuf {
    crate::store::layout::quarantine_beside(path)
}

/// A quarantine file's bytes, if it is one escalate could have written: a regular
/// file (not a link) within the journal limit.
fn read_quarantined(path: &Path) -> Option<Vec<u8>> {
    crate::store::fsutil::read_limited(path, MAX_JOURNAL_BYTES, crate::store::fsutil::Links::Refuse)
        .ok()
}

/// Whether `dir` is a directory itself, not a link to one elsewhere.
fn real_dir(dir: &Path) -> bool {
    std::fs::symlink_metadata(dir).is_ok_and(|m| m.file_type().is_dir())
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
    if !quarantine_exists(&quarantine_dir(path), false) || !real_dir(&quarantine_dir(path)) {
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
    let file = open_existing(path, write)?;
    wait_for_lock(path, &file, write)?;
    let bytes = read_checked(path, &file)?;
    let mut contents = parse(path, &bytes)?;
    check_surroundings(path, &mut contents)?;
    Ok((file, bytes.len() as u64, contents))
}

/// Whether `file` is still the file at `path` (not replaced since it was opened).
fn still_at(path: &Path, file: &File) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (file.metadata(), std::fs::symlink_metadata(path)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => true,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (path, file);
        true
    }
}

/// Read a journal under a shared lock (so a half-finished append is never seen).
pub(crate) fn read(path: &Path) -> Result<Contents> {
    open_locked(path, false).map(|(_, _, contents)| contents)
}

/// Read a journal like `read`, also returning its complete lines' bytes (without
/// line ends), for checks that need the exact bytes, such as signatures.
pub(crate) fn read_with_lines(path: &Path) -> Result<(Contents, Vec<Vec<u8>>)> {
    let file = open_existing(path, false)?;
    wait_for_lock(path, &file, false)?;
    let bytes = read_checked(path, &file)?;
    let mut contents = parse(path, &bytes)?;
    check_surroundings(path, &mut contents)?;
    let lines = bytes
        .split(|&b| b == b'\n')
        .take(contents.records.len())
        .map(<[u8]>::to_vec)
        .collect();
    Ok((contents, lines))
}

/// Put `bytes` (complete lines) in place as the journal at `path`, with their
/// receipt, whether or not a journal is there: sync's way of taking a journal
/// from the partnership or replacing one whose unpushed lines it rebased. The
/// caller holds the journal's lock (`Writer`) if there is one. The new contents
/// and their receipt are written first, then renamed into place one after the
/// other, so a crash at any point leaves the old journal with its receipt, or
/// the new one with its receipt beside it under the name `read` accepts.
/// Commands that wait for the lock notice that the file was replaced (`Writer::open`).
pub(crate) fn replace(path: &Path, bytes: &[u8]) -> Result<()> {
    replace_all(&[(path, bytes)])
}

/// `replace` for many journals of one directory at once (a sync receiving a
/// partnership's new disputes): every new file and receipt is written, then made
/// durable, then each is renamed into place, then the directory is made durable.
/// Each journal goes through the same states as with `replace`. On Linux, more
/// than one journal is made durable with one flush of the file system before the
/// renames and one fsync of the directory after (every rename is in it), instead
/// of three fsyncs each. A flush of the file system also writes every other
/// program's pending data on that disk, so it is done once, where one fsync a
/// file would be thousands.
pub(crate) fn replace_all<P: AsRef<Path>, B: AsRef<[u8]>>(items: &[(P, B)]) -> Result<()> {
    use crate::store::fsutil::{write_temporary, Durability};
    let Some(first) = items.first() else {
        return Ok(());
    };
    let dir = first.0.as_ref().parent().unwrap_or(Path::new("."));
    let batch = cfg!(target_os = "linux") && items.len() > 1;
    let durability = if batch {
        Durability::Unsynced
    } else {
        Durability::Synced
    };
    let flush = || -> Result<()> {
        let d = match File::open(dir) {
            Ok(d) => d,
            Err(e) if batch => {
                return Err(Error::io(format!("could not open {}", dir.display()), e))
            }
            // Best effort, as for every new directory entry.
            Err(_) => return Ok(()),
        };
        #[cfg(target_os = "linux")]
        if batch {
            return rustix::fs::syncfs(&d)
                .map_err(|e| Error::io(format!("could not flush {}", dir.display()), e.into()));
        }
        // Best effort, as for every new directory entry.
        let _ = d.sync_all();
        Ok(())
    };
    for (path, bytes) in items {
        let (path, bytes) = (path.as_ref(), bytes.as_ref());
        let io = |e| Error::io(format!("could not write {}", path.display()), e);
        write_temporary(
            &crate::store::layout::journal_replacement(path),
            bytes,
            durability,
        )
        .map_err(io)?;
        if let Some(r) = receipt_of(bytes) {
            write_temporary(
                &crate::store::layout::receipt_of_replacement(path),
                head::render(&r).as_bytes(),
                durability,
            )
            .map_err(io)?;
        }
    }
    if batch {
        flush()?;
    }
    let renamed = || -> Result<()> {
        let d = File::open(dir)
            .map_err(|e| Error::io(format!("could not open {}", dir.display()), e))?;
        d.sync_all()
            .map_err(|e| Error::io(format!("could not flush {}", dir.display()), e))
    };
    for (path, bytes) in items {
        let path = path.as_ref();
        let io = |e| Error::io(format!("could not write {}", path.display()), e);
        std::fs::rename(crate::store::layout::journal_replacement(path), path).map_err(io)?;
        if !bytes.as_ref().is_empty() {
            std::fs::rename(
                crate::store::layout::receipt_of_replacement(path),
                head::path_for(path),
            )
            .map_err(io)?;
        }
    }
    if batch {
        renamed()
    } else {
        flush()
    }
}

/// Replaces of journals (`journal::replace`) that a kill interrupted: one that
/// got as far as the journal is finished (its receipt moved into place); the
/// rest never happened, and their files are removed. Then `recover_backups`.
pub(crate) fn finish_replacements(root: &Path) -> Result<()> {
    finish_interrupted(root)?;
    recover_backups(root)
}

fn finish_interrupted(root: &Path) -> Result<()> {
    let dir = crate::store::layout::disputes(root);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if !(name.starts_with('.') && name.ends_with(".replace.tmp")) {
            continue;
        }
        let leftover = entry.path();
        if let Some(stem) = name
            .strip_prefix('.')
            .and_then(|n| n.strip_suffix(".head.replace.tmp"))
            .and_then(crate::domain::id::DisputeId::from_file_stem)
        {
            let journal = crate::store::layout::journal(root, &stem);
            // Reading under the lock accepts this receipt only if it names the
            // journal's lines exactly; then it becomes the receipt.
            if let Ok(writer) = Writer::open(&journal) {
                if head::replacement_names(
                    &journal,
                    writer.contents.records.len() as u64,
                    &writer.contents.head,
                ) {
                    std::fs::rename(&leftover, head::path_for(&journal)).map_err(|e| {
                        Error::io(format!("could not write {}", journal.display()), e)
                    })?;
                    continue;
                }
            }
        }
        let _ = std::fs::remove_file(&leftover);
    }
    Ok(())
}

/// A journal whose rewrite by an older escalate's sync (which rewrote journals
/// in place, keeping the old contents in a backup) a crash interrupted is put
/// back as it was before that sync began, unless the rewrite finished. Anything
/// else in that folder (a temporary file of a killed copy) is removed.
fn recover_backups(root: &Path) -> Result<()> {
    let Ok(entries) = std::fs::read_dir(crate::store::layout::sync_backups(root)) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let backup = entry.path();
        let is_journal = name
            .to_str()
            .and_then(|n| n.strip_suffix(".jsonl"))
            .and_then(crate::domain::id::DisputeId::from_file_stem)
            .is_some();
        let path = crate::store::layout::journal_of_backup(root, &name);
        if is_journal && read(&path).is_err() {
            let old = crate::store::fsutil::read_file(&backup)
                .map_err(|e| Error::io(format!("could not read {}", backup.display()), e))?;
            let writer = Writer::open(&path).ok();
            replace(&path, &old)?;
            drop(writer);
        }
        let _ = std::fs::remove_file(&backup);
    }
    Ok(())
}

/// Write a journal's head receipt for the contents it now has. Receipts are not
/// shared: each clone writes its own for what it received.
pub(crate) fn rebuild_receipt(path: &Path) -> Result<()> {
    let bytes = crate::store::fsutil::read_file(path)
        .map_err(|e| Error::io(format!("could not read {}", path.display()), e))?;
    rebuild_receipt_from(path, &bytes)
}

fn rebuild_receipt_from(path: &Path, bytes: &[u8]) -> Result<()> {
    let complete = match bytes.iter().rposition(|&b| b == b'\n') {
        Some(i) => &bytes[..i],
        None => return Ok(()),
    };
    let last = complete.rsplit(|&b| b == b'\n').next().unwrap_or(complete);
    let receipt = head::Receipt {
        seq: complete.split(|&b| b == b'\n').count() as u64,
        hash: line::sha256_hex(last),
    };
    let tmp = head::prepare(path, &receipt)?;
    head::commit(path, &tmp).map_err(|e| {
        Error::io(
            format!("could not write the receipt of {}", path.display()),
            e,
        )
    })
}

/// The receipt of a journal holding exactly `bytes` (complete lines).
fn receipt_of(bytes: &[u8]) -> Option<head::Receipt> {
    let complete = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    (!bytes.is_empty()).then(|| head::Receipt {
        seq: complete.split(|&b| b == b'\n').count() as u64,
        hash: line::sha256_hex(complete.rsplit(|&b| b == b'\n').next().unwrap_or(complete)),
    })
}

/// A journal open for appending, holding its exclusive lock until dropped.
pub(crate) struct Writer {
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
    pub(crate) fn open(path: &Path) -> Result<Writer> {
        // A sync may have replaced the journal (`replace`) while this waited for
        // the lock on the file that was there before: append only to the one at
        // `path` now, or the line would go to a file no longer in the directory.
        let (file, len, contents) = loop {
            let opened = open_locked(path, true)?;
            if still_at(path, &opened.0) {
                break opened;
            }
        };
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
    ///
    /// A receipt that did not name the last line is recorded first, as a
    /// `receipt_repaired` line, so that rewriting it never erases the finding.
    pub(crate) fn append(
        &mut self,
        at: Instant,
        happened: Option<Instant>,
        author: Author,
        event: Event,
    ) -> Result<Record> {
        self.check_room(&event)?;
        let finding = self.receipt_event();
        if self.contents.evidence.is_some()
            && matches!(self.contents.standing, head::Standing::Behind(_))
        {
            self.catch_up_receipt()?;
        }
        if let Some(torn) = self.contents.torn_tail.clone() {
            let recovered = self.quarantine(&torn)?;
            self.write_line(at, None, author, recovered)?;
        }
        for name in std::mem::take(&mut self.contents.unrecorded) {
            if let Some(recovered) = self.adopt(&name) {
                self.write_line(at, None, author, recovered)?;
            }
        }
        if let Some(finding) = finding {
            self.write_line(at, None, author, finding)?;
        }
        self.write_line(at, happened, author, event)
    }

    /// The `receipt_repaired` event for a receipt that does not name the last line.
    fn receipt_event(&self) -> Option<Event> {
        let lines = self.contents.records.len() as u64;
        let (found, named) = match self.contents.standing {
            head::Standing::Matches => return None,
            head::Standing::Missing => ("missing", None),
            head::Standing::Lost => ("empty", None),
            head::Standing::Behind(b) => ("behind", Some(lines - b)),
        };
        Some(Event::ReceiptRepaired {
            found: found.into(),
            named,
            lines,
            evidence: self
                .contents
                .evidence
                .map_or("none", Evidence::as_str)
                .into(),
        })
    }

    /// Refuse up front an append that would take the journal past its limit, so
    /// it never becomes too big to read; `notify` and `resolve` may use the room
    /// kept below the limit, so a dispute can always be closed.
    fn check_room(&self, event: &Event) -> Result<()> {
        let closing = matches!(event, Event::Notified { .. } | Event::Resolved { .. });
        let limit = if closing {
            MAX_JOURNAL_BYTES
        } else {
            MAX_JOURNAL_BYTES - RESERVED_BYTES
        };
        // The envelope, signature and any repair lines are under 4 KiB.
        let needed = serde_json::to_string(event).map_or(0, |t| t.len() as u64) + 4096;
        if self.len + needed <= limit {
            return Ok(());
        }
        Err(Error::refused(format!(
            "dispute journal {} is {} bytes; this would take it past the {} bytes a journal may hold{}",
            self.path.display(),
            self.len,
            limit,
            if closing { "" } else { " (the last megabyte is kept for notifications and the resolution)" }
        ))
        .with_hint(Hint::KeepLongNotesElsewhere { closing }))
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
        if std::fs::symlink_metadata(&qdir).is_ok_and(|m| !m.file_type().is_dir()) {
            return Err(Error::damaged(
                &self.path,
                self.contents.records.len() + 1,
                format!(
                    "the line is incomplete and must be set aside, but {} is not a directory (a link is never followed out of the data directory); nothing was written",
                    qdir.display()
                ),
            ));
        }
        crate::store::fsutil::private_dir(&qdir)?;
        quarantine_exists(&qdir, true);
        let qpath = crate::store::layout::quarantined(&self.path, &name);
        if let Err(e) = crate::store::fsutil::write_new_file(&qpath, torn) {
            // A crash part-way through an earlier try already set these bytes aside.
            if read_quarantined(&qpath).as_deref() != Some(torn) {
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
        let bytes = read_quarantined(&crate::store::layout::quarantined(&self.path, name))?;
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
        author: Author,
        event: Event,
    ) -> Result<Record> {
        let prepared = next_line(&self.contents, at, happened, author, event)?;
        self.write_prepared(prepared)
    }

    /// Append an unsent format-3 line again after the lines this journal holds,
    /// its signed part unchanged (`rechained_line`). Only a sync's scratch copy
    /// is given such lines, so there is nothing a crash left to repair first.
    pub(crate) fn rechain(&mut self, raw: &[u8]) -> Result<Record> {
        let prepared = rechained_line(&self.contents, raw)?;
        self.write_prepared(prepared)
    }

    /// Write a prepared line (record, bytes with line end, new head) and its receipt.
    fn write_prepared(
        &mut self,
        (record, bytes, head): (Record, Vec<u8>, String),
    ) -> Result<Record> {
        let receipt = head::prepare(
            &self.path,
            &head::Receipt {
                seq: record.seq,
                hash: head.clone(),
            },
        )?;
        if let Err(e) = self
            .file
            .write_all(&bytes)
            .and_then(|()| self.file.sync_data())
        {
            return Err(self.undo_write(&receipt, e));
        }
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
        self.contents.evidence = None;
        // A journal or directory others can read was loosened by hand (verify
        // reports it); writing to it is the moment to make it private again.
        crate::store::fsutil::tighten(&self.path, false);
        if let Some(disputes) = self.path.parent() {
            crate::store::fsutil::tighten(disputes, true);
            if let Some(root) = disputes.parent() {
                crate::store::fsutil::tighten(root, true);
            }
        }
        Ok(record)
    }

    /// A line's write failed (a full disk, a file-size limit, an I/O error): cut
    /// whatever part of it reached the file, so the error's promise that nothing
    /// was written is true, and remove its prepared receipt.
    fn undo_write(&mut self, receipt: &Path, e: std::io::Error) -> Error {
        let _ = std::fs::remove_file(receipt);
        let cut = self
            .file
            .set_len(self.len)
            .and_then(|()| self.file.sync_all());
        match cut {
            Ok(()) => Error::io(
                format!(
                    "could not write to {}; nothing was written (the journal is as it was)",
                    self.path.display()
                ),
                e,
            ),
            Err(cut) => Error::io(
                format!(
                    "could not write to {} ({e}), and could not cut the partial line back ({cut}); the next change moves it to quarantine",
                    self.path.display()
                ),
                cut,
            ),
        }
    }
}

/// The line that follows `contents`: numbered, chained to its last line, sealed
/// and signed. Returns the record, the line with its line end, and its hash (the
/// journal's new head). Every storage backend appends exactly these bytes.
pub(crate) fn next_line(
    contents: &Contents,
    at: Instant,
    happened: Option<Instant>,
    author: Author,
    event: Event,
) -> Result<(Record, Vec<u8>, String)> {
    let seq = contents.records.len() as u64 + 1;
    let mut record = Record {
        prev: contents.head.clone(),
        ..Record::new(seq, (at, happened), author.by, event)
    };
    if author.key.is_some() {
        // Format 3: every line names its dispute and carries its own nonce, and
        // a correction names its target by the target's nonce where it has one.
        record.dispute = Some(contents.dispute.clone());
        record.nonce = Some(line::fresh_nonce()?);
        if let Event::Amended { event, target, .. } = &mut record.event {
            *target = event
                .checked_sub(1)
                .and_then(|i| contents.records.get(i as usize))
                .and_then(|r| r.nonce.clone());
        }
    }
    if let Some(seal_to) = crate::privacy::seal_to(&contents.records) {
        crate::privacy::seal(&mut record, seal_to)?;
    }
    let line = encode_as(&mut record, author.key)?;
    let mut bytes = line.into_bytes();
    let head = line::sha256_hex(&bytes);
    bytes.push(b'\n');
    Ok((record, bytes, head))
}

/// A format-3 line moved to follow `contents` (sync re-chaining an unsent line
/// after the partnership's): its signed part byte for byte, with a new `seq`,
/// `prev` and seal. Returns what `next_line` returns. A line of an older format,
/// or one whose nonce the journal already holds, is refused: the caller only
/// re-chains lines that can move unchanged.
pub(crate) fn rechained_line(contents: &Contents, raw: &[u8]) -> Result<(Record, Vec<u8>, String)> {
    let seq = contents.records.len() as u64 + 1;
    let not_movable = |what: &str| {
        Error::internal(format!(
            "internal error: a line could not be moved after the partnership's ({what}); nothing was written"
        ))
    };
    let signed = line::version(raw)
        .filter(|&v| v >= u64::from(line::CONTENT_SIGNED))
        .and_then(|_| line::signed_through_sig(raw))
        .ok_or_else(|| not_movable("it is not signed over its content"))?;
    let text = line::place(signed, seq, &contents.head)?;
    let (mut record, head) = line::decode(text.as_bytes()).map_err(|what| not_movable(&what))?;
    if record.dispute.as_deref() != Some(contents.dispute.as_str()) {
        return Err(not_movable("it belongs to another dispute"));
    }
    let nonce = record.nonce.as_deref().unwrap_or_default();
    if contents
        .records
        .iter()
        .any(|r| r.nonce.as_deref() == Some(nonce))
    {
        return Err(not_movable("the journal already holds it"));
    }
    if let Event::Amended {
        event,
        target: Some(t),
        ..
    } = &mut record.event
    {
        *event = contents
            .records
            .iter()
            .find(|r| r.nonce.as_deref() == Some(t.as_str()))
            .map(|r| r.seq)
            .ok_or_else(|| not_movable("the line it corrects is not before it"))?;
    }
    let mut bytes = text.into_bytes();
    bytes.push(b'\n');
    Ok((record, bytes, head))
}

/// The first line of dispute `id`'s journal, with its line end: `opened`, naming
/// the dispute and carrying a fresh nonce, so no two journals begin alike.
pub(crate) fn first_line(
    id: &str,
    at: Instant,
    happened: Option<Instant>,
    author: Author,
    opened: Opened,
) -> Result<Vec<u8>> {
    let mut record = Record {
        dispute: (!id.is_empty()).then(|| id.to_owned()),
        nonce: Some(line::fresh_nonce()?),
        ..Record::new(1, (at, happened), author.by, Event::Opened(opened))
    };
    if let Some(seal_to) = crate::privacy::seal_to(std::slice::from_ref(&record)) {
        let seal_to = seal_to.to_owned();
        crate::privacy::seal(&mut record, &seal_to)?;
    }
    let mut bytes = encode_as(&mut record, author.key)?.into_bytes();
    bytes.push(b'\n');
    Ok(bytes)
}

/// Create a new journal holding its first line, atomically: the file appears whole
/// or not at all, and an existing journal is never overwritten. Returns the first
/// record and the journal's head hash.
pub(crate) fn create(
    path: &Path,
    at: Instant,
    happened: Option<Instant>,
    author: Author,
    opened: Opened,
) -> Result<(Record, String)> {
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    let bytes = first_line(stem, at, happened, author, opened)?;
    let contents = parse(path, &bytes)?;
    let receipt = head::prepare(
        path,
        &head::Receipt {
            seq: 1,
            hash: contents.head.clone(),
        },
    )?;
    if let Err(e) = crate::store::fsutil::write_new_file(path, &bytes) {
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
        sample_noting("n")
    }

    fn sample_noting(note: &str) -> Vec<u8> {
        let at = crate::domain::clock::parse_instant("2026-11-23T09:00:00Z").unwrap();
        let opened = Opened {
            fields: Default::default(),
            policy: "p".into(),
            policy_hash: "0".repeat(64),
            child: "c".into(),
            from: "a".into(),
            with: "b".into(),
            ..crate::domain::testing::opened(1)
        };
        let mut record = Record::new(1, (at, None), "t", Event::Opened(opened));
        let first = line::encode(&record).unwrap();
        record.seq = 2;
        record.prev = line::sha256_hex(first.as_bytes());
        record.event = Event::Discussed {
            stage: 1,
            note: note.into(),
            with: None,
        };
        format!("{first}\n{}\n", line::encode(&record).unwrap()).into_bytes()
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
    fn a_replace_killed_before_its_receipt_moved_reads_as_sound_and_only_then() {
        let d = tempfile::tempdir().unwrap();
        let path = d.path().join("ABCDEFGHJK.jsonl");
        replace(&path, &sample()).unwrap();
        assert_eq!(read(&path).unwrap().standing, head::Standing::Matches);
        // The kill came after the new contents were renamed into place, before
        // their receipt was: the old receipt contradicts the journal.
        let new = sample_noting("rebased");
        let receipt_tmp = crate::store::layout::receipt_of_replacement(&path);
        let contents = parse(&path, &new).unwrap();
        let receipt = head::Receipt {
            seq: 2,
            hash: contents.head.clone(),
        };
        std::fs::write(&receipt_tmp, head::render(&receipt)).unwrap();
        std::fs::write(&path, &new).unwrap();
        assert_eq!(read(&path).unwrap().standing, head::Standing::Matches);
        // Without that receipt beside it, the same journal is damaged.
        std::fs::remove_file(&receipt_tmp).unwrap();
        assert!(read(&path).is_err());
        // And one that names other lines proves nothing.
        let other = head::Receipt {
            seq: 1,
            hash: contents.head,
        };
        std::fs::write(&receipt_tmp, head::render(&other)).unwrap();
        assert!(read(&path).is_err());
    }

    /// Re-chaining keeps a line's signed part and its correction's target: a
    /// discussion and its correction, moved after another line, still verify and
    /// the correction names the discussion's new number.
    #[test]
    fn a_rechained_line_keeps_its_signature_and_its_correction_follows_it() {
        let path = Path::new("AAAAAAAAAA.jsonl");
        let key = crate::integrity::signing::Key::from_seed(&[5; 32], "t");
        let author = Author {
            by: "Sam",
            key: Some(&key),
        };
        let at = crate::domain::clock::parse_instant("2026-11-23T09:00:00Z").unwrap();
        let opened = crate::domain::testing::opened(1);
        let first = first_line("AAAAAAAAAA", at, None, author, opened).unwrap();
        let discussed = |note: &str| Event::Discussed {
            stage: 1,
            note: note.into(),
            with: None,
        };
        let append = |bytes: &mut Vec<u8>, event: Event| {
            let contents = parse(path, bytes).unwrap();
            let (_, line, _) = next_line(&contents, at, None, author, event).unwrap();
            bytes.extend_from_slice(&line);
        };
        let mut local = first.clone();
        append(&mut local, discussed("local"));
        append(
            &mut local,
            Event::Amended {
                event: 2,
                target: None,
                note: "who attended".into(),
                event_happened: None,
            },
        );
        let mut shared = first;
        append(&mut shared, discussed("shared"));
        let raw: Vec<&[u8]> = local.split(|&b| b == b'\n').collect();
        for moving in &raw[1..3] {
            let contents = parse(path, &shared).unwrap();
            let (_, line, _) = rechained_line(&contents, moving).unwrap();
            assert_eq!(
                line::signed_part(&line[..line.len() - 1]),
                line::signed_part(moving)
            );
            shared.extend_from_slice(&line);
        }
        let contents = parse(path, &shared).unwrap();
        let lines: Vec<&[u8]> = shared.split(|&b| b == b'\n').take(4).collect();
        assert!(
            crate::integrity::verify::check_line_signatures(&contents.records, &lines, None)
                .is_empty()
        );
        match &contents.records[3].event {
            Event::Amended { event, .. } => assert_eq!(*event, 3),
            other => panic!("{other:?}"),
        }
        // The same line twice is refused before it is written, and damage if it is.
        assert!(rechained_line(&contents, raw[1]).is_err());
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
