//! The status cache: each dispute's folded state and the few facts a report needs
//! from each of its lines, so `status`, `export` and `report` (for any period) need
//! not read and re-check every journal every time. It is derived data and never
//! the source of truth (like git's index):
//!
//! - an entry is used only while its journal's length, modification time, change
//!   time and inode are exactly what they were when the entry was made, its
//!   authentication tag matches, and the file was written by this very build of
//!   escalate;
//! - anything stale, missing or unreadable is rebuilt from the journal, silently;
//! - deleting `<dir>/cache/` changes no output, only the time it takes;
//!   `status --no-cache` reads every journal, and `verify` rebuilds the cache from
//!   the journals it has checked;
//! - `show`, `verify` and every command that records an event read the journals.
//!
//! Each entry keeps which of its journal's lines do not count (a signature that
//! fails, a key the signers file does not allow), worked out when the journal was
//! read, so views are honest about them without checking a signature of an
//! unchanged journal. That is only safe if the cache cannot be forged: every
//! entry and the table carry an HMAC-SHA256 tag (the first 16 bytes) under a key
//! kept in the user's key directory, outside the data directory
//! (`Keyring::cache_key`), over the signers file's hash, the table's lineage and
//! the bytes. Someone who can write to the data directory but not to that key
//! directory can delete or damage the cache, never make an entry escalate
//! believes: an entry moved to another dispute, edited, or kept from before the
//! signers file changed fails its tag and is rebuilt from the journal.
//!
//! The file is binary: a header, then one entry per dispute sorted by ID, each
//! `length | tag | Head | moments | state`, where the head and the folded
//! `Dispute` are postcard through `codec` (the state as JSON if the codec cannot
//! keep it exactly) and the moments (`Snapshots`) plain postcard after their
//! length; then the table of strings the entries share (`length | CRC-32 |
//! postcard(strings)`), and a footer: where the table starts, and `TAIL`. It is
//! read in step with the sorted journal list a batch at a time, so memory stays
//! bounded however many disputes there are, and rewritten (to a temporary file,
//! then renamed) only when something changed. The table only grows, so the
//! entries still good before the first change are copied as they are. (The table
//! is `length | tag | postcard(lineage, strings)`.)

mod codec;
pub mod judged;

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::UNIX_EPOCH;

use serde::{Deserialize, Serialize};

use crate::domain::dispute::{Dispute, Uncounted};
use crate::domain::report::{Brief, Fact, Snapshots};

const MAGIC: &[u8; 8] = b"escache\n";
/// The last bytes of the file, after where its table starts.
const TAIL: &[u8; 8] = b"estable\n";
/// No table escalate writes comes near this; a larger one means damage.
const MAX_TABLE: u64 = 4 << 20;
/// Changes whenever the layout below changes; a file of another format is rebuilt.
/// (Formats up to 5 were JSON lines in `status.jsonl`, 6 had no table; a change
/// to what the folded state holds needs no new number, the build stamp in the
/// header sees to it; 8 added the snapshots; 9 the recorded time of each fact and
/// the policy fields of each brief; 10 replaced each CRC-32 with an
/// authentication tag and added the lines that do not count; 11 a sealed
/// dispute's erasure.)
const FORMAT: u32 = 11;
/// Bytes of an HMAC-SHA256 tag kept (RFC 2104 allows half or more of the hash).
const TAG: usize = 16;
/// Bytes before an entry's payload: its length and its tag.
const FRAME: usize = 4 + TAG;

type Hmac = hmac::Hmac<sha2::Sha256>;

/// What authenticates the cache: the key (from outside the data directory) and
/// the signers file every cached verdict was judged against.
#[derive(Clone)]
pub(crate) struct Seal {
    mac: Hmac,
}

impl std::fmt::Debug for Seal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Seal")
    }
}

impl Seal {
    /// `signers`: the SHA-256 of the signers file the verdicts were made under.
    pub(crate) fn new(key: &[u8; 32], signers: &str) -> Seal {
        use hmac::Mac;
        let mut mac = <Hmac as Mac>::new_from_slice(key).expect("HMAC takes a key of any length");
        mac.update(b"escalate status cache\0");
        mac.update(&FORMAT.to_le_bytes());
        mac.update(signers.as_bytes());
        mac.update(b"\0");
        Seal { mac }
    }

    /// The tag of `payload`, which is an entry (`b'E'`) or the table (`b'T'`) of
    /// the table with `lineage`.
    fn tag(&self, what: u8, lineage: &[u8; 16], payload: &[u8]) -> [u8; TAG] {
        use hmac::Mac;
        let mut mac = self.mac.clone();
        mac.update(&[what]);
        mac.update(lineage);
        mac.update(payload);
        let full = mac.finalize().into_bytes();
        let mut tag = [0u8; TAG];
        tag.copy_from_slice(&full[..TAG]);
        tag
    }

    /// Whether `tag` is `payload`'s, compared in constant time.
    fn checks(&self, what: u8, lineage: &[u8; 16], payload: &[u8], tag: &[u8]) -> bool {
        use hmac::Mac;
        let mut mac = self.mac.clone();
        mac.update(&[what]);
        mac.update(lineage);
        mac.update(payload);
        mac.verify_truncated_left(tag).is_ok()
    }
}

const ENTRY: u8 = b'E';
const TABLE: u8 = b'T';
/// No entry escalate writes comes near this; a larger length means damage.
const MAX_ENTRY: u32 = 16 << 20;

/// What identifies one version of a journal file. A rewrite that keeps the length
/// and restores the modification time still changes the change time (which no
/// ordinary call can set) or, written as a new file, the inode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Key {
    pub len: u64,
    pub modified_ns: i128,
    pub changed_ns: i128,
    pub inode: u64,
}

fn ns(secs: i64, nanos: u32) -> i128 {
    i128::from(secs) * 1_000_000_000 + i128::from(nanos)
}

impl Key {
    /// The key of a journal as it is now (one `statx`); `None` if it cannot be
    /// read or is not a regular file (then the journal itself is read, and its
    /// error reported).
    pub(crate) fn of(journal: &Path) -> Option<Key> {
        let meta = std::fs::symlink_metadata(journal).ok()?;
        if !meta.is_file() {
            return None;
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            Some(Key {
                len: meta.len(),
                modified_ns: ns(meta.mtime(), meta.mtime_nsec() as u32),
                changed_ns: ns(meta.ctime(), meta.ctime_nsec() as u32),
                inode: meta.ino(),
            })
        }
        #[cfg(not(unix))]
        {
            let modified = meta.modified().ok()?.duration_since(UNIX_EPOCH).ok()?;
            Some(Key {
                len: meta.len(),
                modified_ns: ns(modified.as_secs() as i64, modified.subsec_nanos()),
                changed_ns: 0,
                inode: 0,
            })
        }
    }
}

/// The journal directory, open: each key is one `statx` of a name relative to
/// it, not a walk of the whole path (most of the time it takes to check a
/// hundred thousand entries).
pub(crate) struct Dir {
    path: PathBuf,
    #[cfg(target_os = "linux")]
    fd: Option<File>,
}

impl Dir {
    pub(crate) fn open(path: &Path) -> Dir {
        Dir {
            path: path.to_owned(),
            // Only a directory: anything else in its place is not waited on.
            #[cfg(target_os = "linux")]
            fd: {
                use std::os::unix::fs::OpenOptionsExt;
                std::fs::OpenOptions::new()
                    .read(true)
                    .custom_flags(
                        (rustix::fs::OFlags::DIRECTORY | rustix::fs::OFlags::NONBLOCK).bits()
                            as i32,
                    )
                    .open(path)
                    .ok()
            },
        }
    }

    /// The key of dispute `id`'s journal (named on the stack: this runs for
    /// every dispute on every listing).
    pub(crate) fn journal_key(&self, id: &crate::domain::id::DisputeId) -> Option<Key> {
        const SUFFIX: &str = ".jsonl";
        let mut name = [0u8; crate::domain::id::LEN + SUFFIX.len()];
        let id = id.as_str().as_bytes();
        match name.get_mut(..id.len()) {
            Some(head) if id.len() == crate::domain::id::LEN => {
                head.copy_from_slice(id);
                name[id.len()..].copy_from_slice(SUFFIX.as_bytes());
                self.key(std::str::from_utf8(&name).ok()?)
            }
            _ => self.key(&format!("{}{SUFFIX}", String::from_utf8_lossy(id))),
        }
    }

    /// The key of the file `name` in this directory, as `Key::of` gives it.
    pub(crate) fn key(&self, name: &str) -> Option<Key> {
        #[cfg(target_os = "linux")]
        if let Some(fd) = &self.fd {
            use rustix::fs::{statx, AtFlags, FileType, StatxFlags};
            let st = statx(fd, name, AtFlags::SYMLINK_NOFOLLOW, StatxFlags::BASIC_STATS).ok()?;
            if FileType::from_raw_mode(st.stx_mode.into()) != FileType::RegularFile {
                return None;
            }
            return Some(Key {
                len: st.stx_size,
                modified_ns: ns(st.stx_mtime.tv_sec, st.stx_mtime.tv_nsec),
                changed_ns: ns(st.stx_ctime.tv_sec, st.stx_ctime.tv_nsec),
                inode: st.stx_ino,
            });
        }
        Key::of(&self.path.join(name))
    }
}

/// An entry's fixed part, decoded whenever the entry is looked at.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Head {
    /// First, so an entry's ID is read without decoding the rest.
    id: String,
    key: Key,
    policy_hash: String,
    head: String,
    warnings: Vec<String>,
    brief: Brief,
    facts: Vec<Fact>,
    /// The calendar the snapshots were made under; `None`: none kept.
    snapshot_calendar: Option<u64>,
    /// The state after this part is JSON, not postcard.
    state_is_json: bool,
    /// The journal's lines that do not count, in line order.
    uncounted: Vec<Uncounted>,
}

pub use codec::Shared as Table;

/// One dispute's cached state. The folded `Dispute` stays encoded until asked
/// for: a report passes over most disputes knowing only their brief and facts.
#[derive(Clone, Debug)]
pub(crate) struct Entry {
    pub id: String,
    pub key: Key,
    pub policy_hash: String,
    pub head: String,
    pub warnings: Vec<String>,
    pub brief: Brief,
    pub facts: Vec<Fact>,
    /// What a report needs of the dispute as it stood at any instant (see
    /// `snapshots`): only the calendar decoded, the moments when asked for.
    pub snapshot_calendar: Option<u64>,
    /// The journal's lines that do not count (also in the state), readable
    /// without decoding it.
    pub uncounted: Vec<Uncounted>,
    moments: Vec<u8>,
    state_is_json: bool,
    state: Vec<u8>,
    /// The file's strings, which `state` refers to.
    table: Arc<Table>,
}

impl Entry {
    /// The entry for a dispute just read from its journal (with its lines);
    /// `snapshots` are made from it too (`Snapshots::of`).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        id: String,
        key: Key,
        policy_hash: String,
        head: String,
        warnings: Vec<String>,
        dispute: &Dispute,
        snapshots: Snapshots,
        table: &Arc<Table>,
    ) -> Entry {
        let facts = dispute
            .records
            .iter()
            .map(|r| Fact::of(dispute, r))
            .collect();
        let brief = Brief::of(dispute);
        let mut state = dispute.clone_state();
        // The quoted policy text is for people reading the policy; deadlines need
        // only the numbers, and the quotes would be most of the file.
        for o in &mut state.obligations {
            if let Some(due) = &mut o.due {
                due.source = None;
                due.reading = None;
            }
        }
        let (state_is_json, state) = match codec::encode_checked(&state, table) {
            Some(bytes) => (false, bytes),
            None => (true, serde_json::to_vec(&state).unwrap_or_default()),
        };
        let moments = snapshots
            .moments
            .as_ref()
            .and_then(|m| postcard::to_allocvec(m).ok());
        Entry {
            id,
            key,
            policy_hash,
            head,
            warnings,
            brief,
            facts,
            snapshot_calendar: moments.as_ref().map(|_| snapshots.calendar),
            uncounted: dispute.uncounted.clone(),
            moments: moments.unwrap_or_default(),
            state_is_json,
            state,
            table: Arc::clone(table),
        }
    }

    /// The folded state (without its lines); `None` if it does not decode.
    pub(crate) fn dispute(&self) -> Option<Dispute> {
        if self.state_is_json {
            serde_json::from_slice(&self.state).ok()
        } else {
            codec::decode(&self.state, &self.table)
        }
    }

    /// The snapshots kept (`moments: None` if none were, or they do not decode).
    pub(crate) fn snapshots(&self) -> Snapshots {
        match self.snapshot_calendar {
            Some(calendar) => Snapshots {
                calendar,
                moments: postcard::from_bytes(&self.moments).ok(),
            },
            None => Snapshots::default(),
        }
    }

    /// Whether two entries say the same (each read with its own file's strings).
    pub(crate) fn same_as(&self, other: &Entry) -> bool {
        let state = |e: &Entry| e.dispute().and_then(|d| serde_json::to_vec(&d).ok());
        self.id == other.id
            && self.key == other.key
            && self.policy_hash == other.policy_hash
            && self.head == other.head
            && self.warnings == other.warnings
            && self.brief == other.brief
            && self.facts == other.facts
            && self.uncounted == other.uncounted
            && self.snapshots_agree(other)
            && state(self).is_some_and(|mine| Some(mine) == state(other))
    }

    /// Snapshots made under another calendar are never used (`Session::walk`
    /// makes them again), so they are no disagreement with the journal.
    fn snapshots_agree(&self, other: &Entry) -> bool {
        match (self.snapshot_calendar, other.snapshot_calendar) {
            (Some(a), Some(b)) if a != b => true,
            (a, b) => a == b && self.moments == other.moments,
        }
    }

    /// Decode a framed entry, checking its tag; `table` is the file's.
    pub(crate) fn parse(framed: &[u8], table: &Arc<Table>, seal: &Seal) -> Option<Entry> {
        let payload = payload(framed, seal, ENTRY, table.lineage())?;
        let (h, rest): (Head, &[u8]) = codec::decode_prefix(payload, table)?;
        let len = u32::from_le_bytes(rest.get(..4)?.try_into().ok()?) as usize;
        let moments = rest.get(4..4 + len)?;
        let state = rest.get(4 + len..)?;
        Some(Entry {
            id: h.id,
            key: h.key,
            policy_hash: h.policy_hash,
            head: h.head,
            warnings: h.warnings,
            brief: h.brief,
            facts: h.facts,
            snapshot_calendar: h.snapshot_calendar,
            uncounted: h.uncounted,
            moments: moments.to_vec(),
            state_is_json: h.state_is_json,
            state: state.to_vec(),
            table: Arc::clone(table),
        })
    }

    /// The entry as it is stored: length, tag, payload.
    fn framed(&self, seal: &Seal) -> Option<Vec<u8>> {
        let head = Head {
            id: self.id.clone(),
            key: self.key,
            policy_hash: self.policy_hash.clone(),
            head: self.head.clone(),
            warnings: self.warnings.clone(),
            brief: self.brief.clone(),
            facts: self.facts.clone(),
            snapshot_calendar: self.snapshot_calendar,
            state_is_json: self.state_is_json,
            uncounted: self.uncounted.clone(),
        };
        let mut payload = codec::encode(&head, &self.table)?;
        // The moments in plain postcard, after the head, so a command that does
        // not need them (all but a report over past periods) skips them.
        payload.extend_from_slice(&u32::try_from(self.moments.len()).ok()?.to_le_bytes());
        payload.extend_from_slice(&self.moments);
        payload.extend_from_slice(&self.state);
        if payload.len() > MAX_ENTRY as usize {
            return None;
        }
        frame(&payload, seal, ENTRY, self.table.lineage())
    }
}

/// Open a file only if it is a regular one: opened without blocking and without
/// following a link, then checked, so a FIFO in the cache's place hangs nothing.
fn open_regular(path: &Path) -> std::io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(
            (rustix::fs::OFlags::NONBLOCK | rustix::fs::OFlags::NOFOLLOW).bits() as i32,
        );
    }
    let file = options.open(path)?;
    if !file.metadata()?.is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    Ok(file)
}

/// Which file an open cache file is: entries refer to their own file's table, so
/// the bytes copied from "the old file" must come from the very file read, not
/// from one another process renamed into its place meanwhile.
fn identity(file: &File) -> Option<(u64, u64, u64, i128, i128)> {
    let m = file.metadata().ok()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Some((
            m.dev(),
            m.ino(),
            m.len(),
            ns(m.mtime(), m.mtime_nsec() as u32),
            ns(m.ctime(), m.ctime_nsec() as u32),
        ))
    }
    #[cfg(not(unix))]
    {
        let t = m.modified().ok()?.duration_since(UNIX_EPOCH).ok()?;
        Some((0, 0, m.len(), ns(t.as_secs() as i64, t.subsec_nanos()), 0))
    }
}

/// The payload of a framed entry or table if its length and tag are right.
fn payload<'f>(framed: &'f [u8], seal: &Seal, what: u8, lineage: &[u8; 16]) -> Option<&'f [u8]> {
    let len = u32::from_le_bytes(framed.get(..4)?.try_into().ok()?) as usize;
    let tag = framed.get(4..FRAME)?;
    let payload = framed.get(FRAME..)?;
    (payload.len() == len && seal.checks(what, lineage, payload, tag)).then_some(payload)
}

/// The ID of a framed entry, read from the start of its payload (not yet
/// authenticated: only to find the entry a journal's ID matches).
fn entry_id(framed: &[u8]) -> Option<&str> {
    codec::first_inline(framed.get(FRAME..)?)
}

/// `payload` with its length and tag before it.
fn frame(payload: &[u8], seal: &Seal, what: u8, lineage: &[u8; 16]) -> Option<Vec<u8>> {
    let len = u32::try_from(payload.len()).ok()?;
    let mut out = Vec::with_capacity(payload.len() + FRAME);
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&seal.tag(what, lineage, payload));
    out.extend_from_slice(payload);
    Some(out)
}

/// The table of a cache file and where its entries end, if the footer, the
/// table's tag and its strings are all sound.
fn read_table(file: &mut BufReader<File>, start: u64, seal: &Seal) -> Option<(Table, u64)> {
    let len = file.get_ref().metadata().ok()?.len();
    let footer = len.checked_sub(16).filter(|&f| f >= start)?;
    let mut tail = [0u8; 16];
    file.seek(SeekFrom::Start(footer)).ok()?;
    file.read_exact(&mut tail).ok()?;
    if &tail[8..] != TAIL {
        return None;
    }
    let end = u64::from_le_bytes(tail[..8].try_into().ok()?);
    let size = footer
        .checked_sub(end)
        .filter(|&n| end >= start && (8..=MAX_TABLE).contains(&n))?;
    file.seek(SeekFrom::Start(end)).ok()?;
    let mut framed = vec![0u8; size as usize];
    file.read_exact(&mut framed).ok()?;
    // The lineage comes first, unauthenticated until the tag over it and the
    // strings is checked.
    let lineage: [u8; 16] = framed.get(FRAME..FRAME + 16)?.try_into().ok()?;
    let (read_lineage, strings): ([u8; 16], Vec<String>) =
        postcard::from_bytes(payload(&framed, seal, TABLE, &lineage)?).ok()?;
    if read_lineage != lineage {
        return None;
    }
    let table = codec::Table::from_strings(strings)?;
    file.seek(SeekFrom::Start(start)).ok()?;
    Some((Table::new(table, lineage), end))
}

/// This build of escalate: its version and the size and time of its executable.
/// The state is kept in the shape this build's types give it, so a cache written
/// by any other build (a newer version, or one with fields added) is rebuilt.
fn build() -> &'static [u8] {
    static BUILD: OnceLock<Vec<u8>> = OnceLock::new();
    BUILD.get_or_init(|| {
        let exe = std::env::current_exe()
            .and_then(std::fs::metadata)
            .ok()
            .map(|m| {
                let t = m
                    .modified()
                    .ok()
                    .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                    .map_or(0, |d| d.as_nanos());
                format!("{} {t}", m.len())
            })
            .unwrap_or_default();
        format!("{} {exe}\n", env!("CARGO_PKG_VERSION")).into_bytes()
    })
}

fn header() -> Vec<u8> {
    let mut h = MAGIC.to_vec();
    h.extend_from_slice(&FORMAT.to_le_bytes());
    h.extend_from_slice(build());
    h
}

pub(crate) fn path_in(root: &Path) -> PathBuf {
    crate::store::layout::status_cache(root)
}

/// Reads the cache in ID order alongside the journal list.
pub(crate) struct Reader {
    file: Option<BufReader<File>>,
    /// The next entry, already read (framed).
    pending: Option<Vec<u8>>,
    /// Bytes of the file before `pending`.
    offset: u64,
    /// Where the entries end (and the table starts).
    end: u64,
    /// The file's strings (empty if there is no usable file): new entries add
    /// to it, so the entries kept keep their meaning.
    table: Arc<Table>,
    /// Entries passed over because no journal has their ID any more.
    pub skipped: bool,
    /// Which file was read (see `identity`).
    source: Option<(u64, u64, u64, i128, i128)>,
}

impl Reader {
    /// The cache at `path`, read only as far as `seal` authenticates it.
    pub(crate) fn open(path: &Path, seal: &Seal) -> Reader {
        let mut reader = Reader {
            file: None,
            pending: None,
            offset: 0,
            end: 0,
            table: Arc::default(),
            skipped: false,
            source: None,
        };
        // Only a regular file: a FIFO or device in its place must not hang a
        // command (the cache is then simply not used).
        let Ok(file) = open_regular(path) else {
            return reader;
        };
        reader.source = identity(&file);
        let mut file = BufReader::with_capacity(1 << 16, file);
        let expected = header();
        let mut first = vec![0; expected.len()];
        if file.read_exact(&mut first).is_ok() && first == expected {
            reader.offset = first.len() as u64;
            if let Some((table, end)) = read_table(&mut file, reader.offset, seal) {
                reader.table = Arc::new(table);
                reader.end = end;
                reader.file = Some(file);
                reader.advance();
            }
        }
        reader
    }

    /// The strings the file's entries share.
    pub(crate) fn table(&self) -> &Arc<Table> {
        &self.table
    }

    fn advance(&mut self) {
        if let Some(p) = &self.pending {
            self.offset += p.len() as u64;
        }
        self.pending = None;
        let Some(file) = &mut self.file else { return };
        let mut frame = vec![0u8; FRAME];
        if self.offset + FRAME as u64 > self.end || file.read_exact(&mut frame).is_err() {
            self.file = None;
            return;
        }
        let len = u32::from_le_bytes([frame[0], frame[1], frame[2], frame[3]]);
        if len > MAX_ENTRY || self.offset + FRAME as u64 + u64::from(len) > self.end {
            self.file = None;
            return;
        }
        frame.resize(FRAME + len as usize, 0);
        match file.read_exact(&mut frame[FRAME..]) {
            Ok(()) => self.pending = Some(frame),
            Err(_) => self.file = None,
        }
    }

    /// Bytes of the file before the next unread entry.
    pub(crate) fn offset(&self) -> u64 {
        self.offset
    }

    /// The framed entry for `id`, passing over any for IDs before it. An entry
    /// whose ID cannot be read ends the reading: what follows is not trusted.
    pub(crate) fn take(&mut self, id: &str) -> Option<Vec<u8>> {
        loop {
            let here = self.pending.as_deref().map(entry_id)?;
            let Some(here) = here.map(str::to_owned) else {
                self.pending = None;
                self.file = None;
                return None;
            };
            match here.as_str().cmp(id) {
                std::cmp::Ordering::Less => {
                    self.skipped = true;
                    self.advance();
                }
                std::cmp::Ordering::Equal => {
                    let framed = self.pending.take();
                    if let Some(f) = &framed {
                        self.offset += f.len() as u64;
                    }
                    self.advance();
                    return framed;
                }
                std::cmp::Ordering::Greater => return None,
            }
        }
    }

    /// Whether entries remain that no journal matched, or the file could not be
    /// read to its end.
    pub(crate) fn has_rest(&self) -> bool {
        self.pending.is_some()
    }
}

/// Writes a new cache beside the old one, starting with a copy of the old one's
/// first bytes (the entries that were still good before the first change), then
/// renames it into place. Every failure is silent: the cache only saves time.
pub(crate) struct Writer {
    path: PathBuf,
    tmp: PathBuf,
    out: Option<BufWriter<File>>,
    /// Bytes written so far.
    written: u64,
    table: Arc<Table>,
    seal: Seal,
}

impl Writer {
    /// `table` is the old file's (the one `old` read its entries with), or a new
    /// one when nothing is copied.
    pub(crate) fn start(
        path: &Path,
        copy_old_upto: u64,
        table: &Arc<Table>,
        old: &Reader,
        seal: &Seal,
    ) -> Writer {
        let tmp = path.with_extension(format!("bin.{}.tmp", std::process::id()));
        let mut w = Writer {
            path: path.to_owned(),
            tmp: tmp.clone(),
            out: None,
            written: 0,
            table: Arc::clone(table),
            seal: seal.clone(),
        };
        let Some(dir) = path.parent() else { return w };
        if crate::store::fsutil::private_dir(dir).is_err() {
            return w;
        }
        // The JSON cache of earlier versions is dead weight once this one exists.
        let _ = std::fs::remove_file(dir.join("status.jsonl"));
        let _ = std::fs::remove_file(&tmp);
        // Private, and never through a link planted in its place.
        let Ok(file) = crate::store::fsutil::create_private(&tmp) else {
            return w;
        };
        let mut out = BufWriter::with_capacity(1 << 16, file);
        let copied = (|| -> std::io::Result<u64> {
            let head = header();
            out.write_all(&head)?;
            let start = head.len() as u64;
            if copy_old_upto > start {
                let mut file = open_regular(path)?;
                if old.source.is_none() || identity(&file) != old.source {
                    return Err(std::io::Error::other(
                        "the old cache was replaced meanwhile",
                    ));
                }
                file.seek(SeekFrom::Start(start))?;
                let want = copy_old_upto - start;
                if std::io::copy(&mut file.take(want), &mut out)? != want {
                    return Err(std::io::Error::other("the old cache was cut short"));
                }
            }
            Ok(copy_old_upto.max(start))
        })();
        if let Ok(written) = copied {
            w.out = Some(out);
            w.written = written;
        }
        w
    }

    /// An entry kept as it was read (framed).
    pub(crate) fn framed(&mut self, bytes: &[u8]) {
        if let Some(out) = &mut self.out {
            if out.write_all(bytes).is_err() {
                self.out = None;
            }
            self.written += bytes.len() as u64;
        }
    }

    pub(crate) fn entry(&mut self, e: &Entry) {
        // An entry that cannot be written leaves a gap, which is only a journal
        // read next time.
        if let Some(bytes) = e.framed(&self.seal) {
            self.framed(&bytes);
        }
    }

    pub(crate) fn finish(self) {
        let lineage = *self.table.lineage();
        let strings = postcard::to_allocvec(&(lineage, self.table.read().strings()))
            .ok()
            .and_then(|p| frame(&p, &self.seal, TABLE, &lineage));
        let end = self.written;
        let done = match (self.out, strings) {
            (Some(mut out), Some(table)) => out
                .write_all(&table)
                .and_then(|()| out.write_all(&end.to_le_bytes()))
                .and_then(|()| out.write_all(TAIL))
                .and_then(|()| out.into_inner().map_err(|e| e.into_error()))
                .and_then(|f| f.sync_all())
                .is_ok(),
            _ => false,
        };
        if !(done && std::fs::rename(&self.tmp, &self.path).is_ok()) {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// Rewrite a cache file's entries and table with `edit` applied to each payload,
/// every tag made again with the user's own cache key from `key_dir`: what only
/// someone holding that key can do. For the tests that prove a command read the
/// cache (by changing what it says); not in the shipped binary.
#[cfg(feature = "generate")]
pub fn reseal_for_tests(root: &Path, key_dir: &Path, edit: impl Fn(&mut Vec<u8>)) -> Option<()> {
    let key: [u8; 32] = std::fs::read(key_dir.join(crate::integrity::signing::CACHE_KEY_FILE))
        .ok()?
        .try_into()
        .ok()?;
    let signers =
        crate::integrity::signing::Signers::file_hash(root).unwrap_or_else(|| "none".to_owned());
    let seal = Seal::new(&key, &signers);
    let path = path_in(root);
    let bytes = std::fs::read(&path).ok()?;
    let header_end = 12 + bytes.get(12..)?.iter().position(|&b| b == b'\n')? + 1;
    let footer = bytes.len().checked_sub(16)?;
    let end = u64::from_le_bytes(bytes.get(footer..footer + 8)?.try_into().ok()?) as usize;
    let lineage: [u8; 16] = bytes.get(end + FRAME..end + FRAME + 16)?.try_into().ok()?;
    let mut out = bytes[..header_end].to_vec();
    let mut at = header_end;
    let mut entries_end = 0;
    while at < footer {
        let what = if at == end {
            entries_end = out.len() as u64;
            TABLE
        } else {
            ENTRY
        };
        let len = u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?) as usize;
        let mut payload = bytes.get(at + FRAME..at + FRAME + len)?.to_vec();
        edit(&mut payload);
        out.extend_from_slice(&frame(&payload, &seal, what, &lineage)?);
        at += FRAME + len;
    }
    out.extend_from_slice(&entries_end.to_le_bytes());
    out.extend_from_slice(TAIL);
    std::fs::write(&path, out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A state as folded from a generated journal: optional times set, an
    /// obligation owed.
    const STATE: &str = r#"{"id":"00VQN7KGB7","opened":{"policy":"lscb","policy_hash":"84d29430b4ebea187b97a0ecc61975356e5bdfbb670a87150f91a96f6256eace","child":"LCS-61928","from":"Health Visiting","with":"Police","summary":"Referral outcome disputed","category":"need-for-action","cp_plan":false,"looked_after":false,"immediate_harm":false,"stage":1},"opened_at":"2025-03-17T23:12:04+00:00","facts":{"cp_plan":false,"looked_after":false,"immediate_harm":false,"category":"need-for-action"},"state":"open","stage":4,"stage_entered":"2025-04-03T23:22:04+00:00","due_override":null,"action_recorded":true,"resolution":null,"reopened":"2025-04-02T10:00:00+01:00","obligations":[{"id":"board-manager","who":"Board Manager","action":"The Manager notifies the Board Manager","stage":3,"arose":"2025-03-29T13:28:04+00:00","arose_line":6,"due":null,"met_by":null,"met_at":"2025-03-30T13:28:04+00:00","step":false,"after":null,"lapsed":null}],"latest":"2025-04-04T11:22:04+00:00","latest_line":10,"corrections":[],"learned":[],"discussed_at":"2025-04-04T11:22:04+00:00","agreed_due":null,"events":10}"#;

    fn seal() -> Seal {
        Seal::new(&[9; 32], "none")
    }

    #[test]
    fn a_changed_byte_fails_the_tag() {
        let lineage = [1u8; 16];
        let framed = frame(b"\x01\x02abrest", &seal(), ENTRY, &lineage).unwrap();
        assert!(payload(&framed, &seal(), ENTRY, &lineage).is_some());
        assert_eq!(entry_id(&framed), Some("ab"));
        for i in 4..framed.len() {
            let mut bad = framed.clone();
            bad[i] ^= 0x10;
            assert!(
                payload(&bad, &seal(), ENTRY, &lineage).is_none(),
                "byte {i}"
            );
        }
    }

    #[test]
    fn a_tag_holds_only_under_its_key_signers_lineage_and_kind() {
        // Recomputing a checksum was all a forger needed before; a tag needs the
        // key, and an entry is bound to the signers file its verdicts were made
        // under and to its own file's strings.
        let lineage = [1u8; 16];
        let framed = frame(b"\x01\x02abrest", &seal(), ENTRY, &lineage).unwrap();
        let other_key = Seal::new(&[8; 32], "none");
        let other_signers = Seal::new(&[9; 32], "f00d");
        assert!(payload(&framed, &other_key, ENTRY, &lineage).is_none());
        assert!(payload(&framed, &other_signers, ENTRY, &lineage).is_none());
        assert!(payload(&framed, &seal(), ENTRY, &[2; 16]).is_none());
        assert!(payload(&framed, &seal(), TABLE, &lineage).is_none());
    }

    #[test]
    fn a_folded_state_with_optional_times_is_kept_in_binary() {
        // JSON in the cache would cost a parse on every read.
        let d: Dispute = serde_json::from_str(STATE).unwrap();
        let t = Table::default();
        let bytes = codec::encode_checked(&d, &t).expect("kept in binary, not JSON");
        let back: Dispute = codec::decode(&bytes, &t).unwrap();
        // The names that repeat are in the table; the dispute's own ID is not.
        let table = t.read();
        for shared in [
            "Police",
            "need-for-action",
            "board-manager",
            "Board Manager",
        ] {
            assert!(table.strings().iter().any(|s| s == shared), "{shared}");
        }
        assert!(!table.strings().iter().any(|s| s == "00VQN7KGB7"));
        assert_eq!(
            serde_json::to_string(&back).unwrap(),
            serde_json::to_string(&d).unwrap()
        );
    }

    fn entry(table: &Arc<Table>, id: &str, inode: u64) -> Entry {
        let d: Dispute = serde_json::from_str(&STATE.replace("00VQN7KGB7", id)).unwrap();
        let key = Key {
            len: 1,
            modified_ns: 2,
            changed_ns: 3,
            inode,
        };
        Entry::new(
            id.into(),
            key,
            "h".repeat(64),
            "0".repeat(64),
            vec![],
            &d,
            Snapshots::default(),
            table,
        )
    }

    #[test]
    fn entries_are_copied_only_from_the_file_that_was_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache").join("status.bin");
        let write = |ids: &[&str], inode: u64| {
            let table = Arc::default();
            let mut w = Writer::start(&path, 0, &table, &Reader::open(&path, &seal()), &seal());
            for id in ids {
                w.entry(&entry(&table, id, inode));
            }
            w.finish();
        };
        write(&["00000000A0", "00000000B0"], 1);
        let mut reader = Reader::open(&path, &seal());
        let first = reader.take("00000000A0").unwrap();
        assert!(Entry::parse(&first, reader.table(), &seal()).is_some());
        // Another process replaces the file meanwhile, its strings numbered
        // otherwise; this one's writer must not copy the new file's entries
        // under its own table.
        write(&["00000000A0"], 2);
        let replaced = std::fs::read(&path).unwrap();
        let table = Arc::clone(reader.table());
        let mut w = Writer::start(&path, reader.offset(), &table, &reader, &seal());
        w.entry(&entry(&table, "00000000C0", 1));
        w.finish();
        assert_eq!(std::fs::read(&path).unwrap(), replaced);
        // Unreplaced, the same copy goes ahead.
        let mut reader = Reader::open(&path, &seal());
        reader.take("00000000A0").unwrap();
        let table = Arc::clone(reader.table());
        let mut w = Writer::start(&path, reader.offset(), &table, &reader, &seal());
        w.entry(&entry(&table, "00000000C0", 1));
        w.finish();
        let mut reader = Reader::open(&path, &seal());
        for id in ["00000000A0", "00000000C0"] {
            let e = Entry::parse(&reader.take(id).unwrap(), reader.table(), &seal()).unwrap();
            assert_eq!(e.dispute().unwrap().opened.with, "Police");
            assert_eq!(e.id, id);
        }
    }
}
