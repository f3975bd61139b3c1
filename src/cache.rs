//! The status cache: each dispute's folded state, so `status` and `export` need not
//! read and re-check every journal every time. It is derived data and never the
//! source of truth (like git's index):
//!
//! - an entry is used only while its journal's length and modification time are
//!   exactly what they were when the entry was made, and the cache was written by
//!   this version of escalate;
//! - anything stale, missing or unreadable is rebuilt from the journal, silently;
//! - deleting `<dir>/cache/` changes no output, only the time it takes;
//! - `verify`, `show` and every command that records an event always read the
//!   journals themselves, and so does `report` for any dispute with an event on or
//!   after the start of its period.
//!
//! The file is JSON lines sorted by dispute ID, after a header line, so it is read
//! in step with the sorted journal list a batch at a time (memory stays bounded
//! however many disputes there are) and rewritten only when something changed.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use serde::{Deserialize, Serialize};

use crate::dispute::Dispute;

// 5: a dispute opened past a stage owes that stage's duties, and states carry
// due items; states folded by an earlier build are stale even where the journal is not.
const FORMAT: u32 = 6;

/// What identifies one version of a journal file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Key {
    pub len: u64,
    pub modified_ns: u128,
}

impl Key {
    /// The key of a journal as it is now; `None` if it cannot be read (then the
    /// journal itself is read, and its error reported).
    pub fn of(journal: &Path) -> Option<Key> {
        let meta = std::fs::symlink_metadata(journal).ok()?;
        if !meta.is_file() {
            return None;
        }
        let modified_ns = meta
            .modified()
            .ok()?
            .duration_since(UNIX_EPOCH)
            .ok()?
            .as_nanos();
        Some(Key {
            len: meta.len(),
            modified_ns,
        })
    }
}

/// One dispute's cached state. `id` comes first so a line's ID can be compared
/// without parsing the rest.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Entry {
    pub id: String,
    pub key: Key,
    pub policy_hash: String,
    pub head: String,
    pub warnings: Vec<String>,
    pub dispute: Dispute,
}

impl Entry {
    pub fn new(
        id: String,
        key: Key,
        policy_hash: String,
        head: String,
        warnings: Vec<String>,
        mut dispute: Dispute,
    ) -> Entry {
        dispute.records = Vec::new();
        // The quoted policy text is for people reading the policy; deadlines need
        // only the numbers, and the quotes would be most of the file.
        for o in &mut dispute.obligations {
            if let Some(due) = &mut o.due {
                due.source = None;
                due.reading = None;
            }
        }
        Entry {
            id,
            key,
            policy_hash,
            head,
            warnings,
            dispute,
        }
    }

    pub fn parse(line: &[u8]) -> Option<Entry> {
        serde_json::from_slice(line).ok()
    }
}

fn header() -> String {
    format!(
        "{{\"format\":{FORMAT},\"version\":\"{}\"}}\n",
        env!("CARGO_PKG_VERSION")
    )
}

/// The ID of an entry line, read from its fixed start `{"id":"…"`.
fn line_id(line: &[u8]) -> Option<&str> {
    let rest = line.strip_prefix(b"{\"id\":\"")?;
    let end = rest.iter().position(|&b| b == b'"')?;
    std::str::from_utf8(&rest[..end]).ok()
}

pub fn path_in(root: &Path) -> PathBuf {
    root.join("cache").join("status.jsonl")
}

/// Reads the cache in ID order alongside the journal list.
pub struct Reader {
    lines: Option<BufReader<File>>,
    /// The next entry line, already read.
    pending: Option<Vec<u8>>,
    /// Bytes of the file before `pending`.
    offset: u64,
    /// Entries passed over because no journal has their ID any more.
    pub skipped: bool,
}

impl Reader {
    pub fn open(path: &Path) -> Reader {
        let mut reader = Reader {
            lines: None,
            pending: None,
            offset: 0,
            skipped: false,
        };
        let Ok(file) = File::open(path) else {
            return reader;
        };
        let mut lines = BufReader::with_capacity(1 << 16, file);
        let mut first = String::new();
        if lines.read_line(&mut first).is_ok() && first == header() {
            reader.offset = first.len() as u64;
            reader.lines = Some(lines);
            reader.advance();
        }
        reader
    }

    fn advance(&mut self) {
        if let Some(p) = &self.pending {
            self.offset += p.len() as u64;
        }
        self.pending = None;
        let Some(lines) = &mut self.lines else { return };
        let mut line = Vec::new();
        match lines.read_until(b'\n', &mut line) {
            Ok(n) if n > 0 && line.ends_with(b"\n") => self.pending = Some(line),
            _ => self.lines = None,
        }
    }

    /// Bytes of the file before the next unread entry.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The entry line for `id`, passing over any for IDs before it.
    pub fn take(&mut self, id: &str) -> Option<Vec<u8>> {
        loop {
            let here = self.pending.as_deref().and_then(line_id)?.to_owned();
            match here.as_str().cmp(id) {
                std::cmp::Ordering::Less => {
                    self.skipped = true;
                    self.advance();
                }
                std::cmp::Ordering::Equal => {
                    let line = self.pending.take();
                    if let Some(l) = &line {
                        self.offset += l.len() as u64;
                    }
                    self.advance();
                    return line;
                }
                std::cmp::Ordering::Greater => return None,
            }
        }
    }

    /// Whether entries remain that no journal matched.
    pub fn has_rest(&self) -> bool {
        self.pending.is_some()
    }
}

/// Writes a new cache beside the old one, starting with a copy of the old one's
/// first bytes (the entries that were still good before the first change), then
/// renames it into place. Every failure is silent: the cache only saves time.
pub struct Writer {
    path: PathBuf,
    tmp: PathBuf,
    out: Option<BufWriter<File>>,
}

impl Writer {
    pub fn start(path: &Path, copy_old_upto: u64) -> Writer {
        let tmp = path.with_extension(format!("jsonl.{}.tmp", std::process::id()));
        let mut w = Writer {
            path: path.to_owned(),
            tmp: tmp.clone(),
            out: None,
        };
        let Some(dir) = path.parent() else { return w };
        if crate::fsutil::private_dir(dir).is_err() {
            return w;
        }
        let _ = std::fs::remove_file(&tmp);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let Ok(file) = options.open(&tmp) else {
            return w;
        };
        let mut out = BufWriter::with_capacity(1 << 16, file);
        let copied = (|| -> std::io::Result<()> {
            let head = header();
            out.write_all(head.as_bytes())?;
            let start = head.len() as u64;
            if copy_old_upto > start {
                let mut old = File::open(path)?;
                old.seek(SeekFrom::Start(start))?;
                std::io::copy(&mut old.take(copy_old_upto - start), &mut out)?;
            }
            Ok(())
        })();
        if copied.is_ok() {
            w.out = Some(out);
        }
        w
    }

    pub fn line(&mut self, bytes: &[u8]) {
        if let Some(out) = &mut self.out {
            if out.write_all(bytes).is_err() {
                self.out = None;
            }
        }
    }

    pub fn entry(&mut self, e: &Entry) {
        if let Ok(mut bytes) = serde_json::to_vec(e) {
            bytes.push(b'\n');
            self.line(&bytes);
        }
    }

    pub fn finish(self) {
        let done = self
            .out
            .map(|out| {
                out.into_inner()
                    .map_err(|e| e.into_error())
                    .and_then(|f| f.sync_all())
            })
            .is_some_and(|r| r.is_ok());
        if !(done && std::fs::rename(&self.tmp, &self.path).is_ok()) {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}
