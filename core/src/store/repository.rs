//! The one interface to where journals and shared files are kept: list the
//! disputes, key each journal (for the status cache), read one, append to one
//! under its lock, create one, replace journals whole (sync taking the
//! partnership's copy), and read, write and remove the other files a shared
//! directory holds, by the path git gives them. `Files` is the data directory
//! on disk; `memory::Memory` (tests only) keeps the same bytes in memory, and
//! the same tests run against both (`tests` below), which is what keeps the seam
//! honest. The rules about what a journal's bytes must be (seals, chain,
//! numbering, what a torn line means) are not here: both implementations hand
//! the same bytes to `journal::parse` and append what `journal::next_line` makes.
//!
//! Not behind it: the generator writes files directly; pinned policy texts,
//! settings, calendars and the status cache's own file stay files under the data
//! directory (`layout`), whatever keeps the journals.

use std::path::{Path, PathBuf};

use crate::domain::clock::Instant;
use crate::domain::event::{Event, Opened, Record};
use crate::domain::id::DisputeId;
use crate::error::{Error, Result};
use crate::store::cache::Key;
use crate::store::journal::{self, Author, Contents};
use crate::store::{fsutil, layout};

/// Where journals and the shared files beside them are kept.
pub(crate) trait Repository: std::fmt::Debug + Send + Sync {
    /// How messages name dispute `id`'s journal (its path, for files).
    fn name(&self, id: &DisputeId) -> PathBuf;

    /// Hand each dispute with a journal to `each`, in no particular order (work
    /// on the first may start while the rest are listed). None yet is no error.
    fn each_id(&self, each: &mut dyn FnMut(DisputeId)) -> Result<()>;

    /// Whether dispute `id` has a journal.
    fn contains(&self, id: &DisputeId) -> bool;

    /// What keys journals for the status cache: a key changes whenever its
    /// journal's bytes do. Shared by the threads that key a whole listing.
    fn keys(&self) -> Box<dyn Keys + '_>;

    /// Dispute `id`'s journal read whole under a shared lock and checked, with
    /// each complete line's exact bytes (without line ends).
    fn read(&self, id: &DisputeId) -> Result<(Contents, Vec<Vec<u8>>)>;

    /// Dispute `id`'s journal read a line at a time, with every check `read`
    /// makes; `visit` sees each line as it passes its own. The journal stays
    /// locked for reading (`Stream::replay`) until the stream is dropped.
    fn stream(
        &self,
        id: &DisputeId,
        visit: &mut dyn FnMut(&Record, &[u8]),
    ) -> Result<journal::stream::Stream>;

    /// The journal's bytes as kept, torn tail and all; `None` if there is none.
    fn bytes(&self, id: &DisputeId) -> Option<Vec<u8>>;

    /// Dispute `id`'s journal, locked for appending until the result is dropped.
    fn lock(&self, id: &DisputeId) -> Result<Box<dyn Locked + '_>>;

    /// A new dispute's journal, holding its first line (`opened`) and nothing
    /// else, under a fresh ID; never an existing journal. Returns the ID, the
    /// first record and the journal's head.
    fn create(
        &self,
        at: Instant,
        happened: Option<Instant>,
        author: Author,
        opened: Opened,
    ) -> Result<(DisputeId, Record, String)>;

    /// Put each `bytes` (complete lines) in place as dispute `id`'s journal,
    /// whether or not it has one, each journal whole or not at all. The caller
    /// holds the lock of any that exists.
    fn replace_all(&self, items: &[(DisputeId, Vec<u8>)]) -> Result<()>;

    /// A journal apart from the disputes (a sync's scratch copy, for rebasing
    /// lines onto the partnership's), holding `bytes` with their receipt, and
    /// locked for appending; gone when the result is dropped.
    fn scratch(&self, id: &DisputeId, bytes: &[u8]) -> Result<Box<dyn Locked + '_>>;

    /// A shared file's bytes by the path git gives it (`agencies.toml`,
    /// `calendar/bank-holidays.json`); `None` if absent, a link or unreadable.
    fn read_shared(&self, path: &str) -> Option<Vec<u8>>;

    /// Replace a shared file whole (never following a link out of the data).
    fn write_shared(&self, path: &str, bytes: &[u8]) -> Result<()>;

    /// Remove a shared file, if it is there.
    fn remove_shared(&self, path: &str);

    /// Put right what a killed replace left: a journal replaced but for its
    /// receipt gets its receipt; the rest of it never happened.
    fn finish_replacements(&self) -> Result<()>;
}

/// The status cache's key of each journal.
pub(crate) trait Keys: Sync {
    fn key(&self, id: &DisputeId) -> Option<Key>;
}

/// A journal held under its exclusive lock.
pub(crate) trait Locked {
    /// What it held when locked, with every line appended since.
    fn contents(&self) -> &Contents;

    /// Its first `n` complete lines' exact bytes (fewer if they cannot be read).
    fn lines(&self, n: usize) -> Vec<Vec<u8>>;

    /// Its bytes as they are now, torn tail and all.
    fn bytes(&self) -> Result<Vec<u8>>;

    /// Append one event as the next line (repairing first what a crash left,
    /// as `journal::Writer::append` says). Returns the record written.
    fn append(
        &mut self,
        at: Instant,
        happened: Option<Instant>,
        author: Author,
        event: Event,
    ) -> Result<Record>;

    /// Append an unsent format-3 line (its exact bytes) again as the next line:
    /// its signed part unchanged, with a new `seq`, `prev` and seal
    /// (`journal::rechained_line`). Returns the record written.
    fn rechain(&mut self, raw: &[u8]) -> Result<Record>;

    /// Replace it whole with `bytes` (complete lines), still holding the lock.
    fn replace(&mut self, bytes: &[u8]) -> Result<()>;
}

/// The data directory on disk: `layout` names every path.
#[derive(Clone, Debug)]
pub(crate) struct Files {
    root: PathBuf,
}

impl Files {
    pub(crate) fn new(root: &Path) -> Files {
        Files {
            root: root.to_owned(),
        }
    }
}

impl Keys for super::cache::Dir {
    fn key(&self, id: &DisputeId) -> Option<Key> {
        self.journal_key(id)
    }
}

impl Repository for Files {
    fn name(&self, id: &DisputeId) -> PathBuf {
        layout::journal(&self.root, id)
    }

    fn each_id(&self, each: &mut dyn FnMut(DisputeId)) -> Result<()> {
        let dir = layout::disputes(&self.root);
        match fsutil::each_journal_stem(&dir, DisputeId::from_file_stem, each) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                Err(Error::io(format!("could not list {}", dir.display()), e))
            }
            _ => Ok(()),
        }
    }

    fn contains(&self, id: &DisputeId) -> bool {
        std::fs::symlink_metadata(self.name(id)).is_ok()
    }

    fn keys(&self) -> Box<dyn Keys + '_> {
        Box::new(super::cache::Dir::open(&layout::disputes(&self.root)))
    }

    fn read(&self, id: &DisputeId) -> Result<(Contents, Vec<Vec<u8>>)> {
        journal::read_with_lines(&self.name(id))
    }

    fn stream(
        &self,
        id: &DisputeId,
        visit: &mut dyn FnMut(&Record, &[u8]),
    ) -> Result<journal::stream::Stream> {
        journal::stream::Stream::open(&self.name(id), visit)
    }

    fn bytes(&self, id: &DisputeId) -> Option<Vec<u8>> {
        fsutil::read_file(&self.name(id)).ok()
    }

    fn lock(&self, id: &DisputeId) -> Result<Box<dyn Locked + '_>> {
        let path = self.name(id);
        let writer = journal::Writer::open(&path)?;
        Ok(Box::new(FileLocked {
            path,
            writer,
            scratch: false,
        }))
    }

    fn create(
        &self,
        at: Instant,
        happened: Option<Instant>,
        author: Author,
        opened: Opened,
    ) -> Result<(DisputeId, Record, String)> {
        let (id, path) = prepare_new(&self.root)?;
        let (record, head) = journal::create(&path, at, happened, author, opened)?;
        Ok((id, record, head))
    }

    fn replace_all(&self, items: &[(DisputeId, Vec<u8>)]) -> Result<()> {
        if items.is_empty() {
            return Ok(());
        }
        fsutil::private_dir(&layout::disputes(&self.root))?;
        let paths: Vec<(PathBuf, &[u8])> = items
            .iter()
            .map(|(id, bytes)| (self.name(id), bytes.as_slice()))
            .collect();
        journal::replace_all(&paths)
    }

    fn scratch(&self, id: &DisputeId, bytes: &[u8]) -> Result<Box<dyn Locked + '_>> {
        let path = layout::sync_scratch_journal(&self.root, id);
        fsutil::private_dir(path.parent().unwrap_or(Path::new(".")))?;
        remove_scratch(&path);
        let made = fsutil::write_new_file(&path, bytes)
            // The lines given are the evidence: a receipt for them, so appending
            // does not record a missing receipt into them.
            .and_then(|()| journal::rebuild_receipt(&path))
            .and_then(|()| journal::Writer::open(&path));
        match made {
            Ok(writer) => Ok(Box::new(FileLocked {
                path,
                writer,
                scratch: true,
            })),
            Err(e) => {
                remove_scratch(&path);
                Err(e)
            }
        }
    }

    fn read_shared(&self, path: &str) -> Option<Vec<u8>> {
        // A link is not a file escalate shares; a FIFO must not hang a sync.
        fsutil::read_limited(
            &layout::shared_file(&self.root, path),
            u64::MAX,
            fsutil::Links::Refuse,
        )
        .ok()
    }

    fn write_shared(&self, path: &str, bytes: &[u8]) -> Result<()> {
        fsutil::replace_beneath(&self.root, path, bytes)
    }

    fn remove_shared(&self, path: &str) {
        fsutil::remove_beneath(&self.root, path)
    }

    fn finish_replacements(&self) -> Result<()> {
        journal::finish_replacements(&self.root)
    }
}

/// A fresh ID and its journal's path, the directory made first.
pub(crate) fn prepare_new(root: &Path) -> Result<(DisputeId, PathBuf)> {
    fsutil::private_dir(&layout::disputes(root))?;
    for _ in 0..16 {
        let id = DisputeId::random()?;
        let path = layout::journal(root, &id);
        if !path.exists() {
            return Ok((id, path));
        }
    }
    Err(Error::refused(
        "could not find an unused dispute ID after 16 tries",
    ))
}

fn remove_scratch(path: &Path) {
    let _ = std::fs::remove_file(path);
    let _ = std::fs::remove_file(journal::head::path_for(path));
}

/// A journal file under its lock (`journal::Writer`).
struct FileLocked {
    path: PathBuf,
    writer: journal::Writer,
    /// A scratch copy: removed when unlocked.
    scratch: bool,
}

impl Drop for FileLocked {
    fn drop(&mut self) {
        if self.scratch {
            remove_scratch(&self.path);
        }
    }
}

impl Locked for FileLocked {
    fn contents(&self) -> &Contents {
        &self.writer.contents
    }

    fn lines(&self, n: usize) -> Vec<Vec<u8>> {
        fsutil::read_file(&self.path)
            .map(|bytes| {
                bytes
                    .split(|&b| b == b'\n')
                    .take(n)
                    .map(<[u8]>::to_vec)
                    .collect()
            })
            .unwrap_or_default()
    }

    fn bytes(&self) -> Result<Vec<u8>> {
        fsutil::read_file(&self.path)
            .map_err(|e| Error::io(format!("could not read {}", self.path.display()), e))
    }

    fn append(
        &mut self,
        at: Instant,
        happened: Option<Instant>,
        author: Author,
        event: Event,
    ) -> Result<Record> {
        self.writer.append(at, happened, author, event)
    }

    fn rechain(&mut self, raw: &[u8]) -> Result<Record> {
        self.writer.rechain(raw)
    }

    fn replace(&mut self, bytes: &[u8]) -> Result<()> {
        journal::replace(&self.path, bytes)
    }
}

/// The same operations against the file store and the memory store: each test
/// runs once per implementation, and both must give the same answers.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::memory::Memory;

    /// Puts bytes in as a journal, as they are.
    type Put = Box<dyn Fn(&DisputeId, &[u8])>;

    /// A repository under test, with a way to put raw bytes in as a journal.
    struct Subject {
        repo: std::sync::Arc<dyn Repository>,
        put: Put,
        _dir: Option<tempfile::TempDir>,
    }

    fn both() -> Vec<(&'static str, Subject)> {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_owned();
        let files = Subject {
            repo: std::sync::Arc::new(Files::new(&root)),
            put: Box::new(move |id, bytes| {
                std::fs::create_dir_all(layout::disputes(&root)).unwrap();
                std::fs::write(layout::journal(&root, id), bytes).unwrap();
            }),
            _dir: Some(dir),
        };
        let memory = std::sync::Arc::new(Memory::default());
        let put = std::sync::Arc::clone(&memory);
        let memory = Subject {
            repo: memory,
            put: Box::new(move |id, bytes| put.put(id, bytes)),
            _dir: None,
        };
        vec![("files", files), ("memory", memory)]
    }

    fn at(day: u32) -> Instant {
        crate::domain::clock::parse_instant(&format!("2026-11-{day:02}T09:00:00Z")).unwrap()
    }

    const AUTHOR: Author = Author { by: "t", key: None };

    fn discussed(note: &str) -> Event {
        Event::Discussed {
            stage: 1,
            note: note.into(),
            with: None,
        }
    }

    fn open(repo: &dyn Repository) -> DisputeId {
        let opened = crate::domain::testing::opened(1);
        let (id, record, head) = repo.create(at(23), None, AUTHOR, opened).unwrap();
        assert_eq!(
            (record.seq, record.dispute.as_deref()),
            (1, Some(id.as_str()))
        );
        assert_eq!(head.len(), 64);
        id
    }

    fn kinds(contents: &Contents) -> Vec<&str> {
        contents.records.iter().map(|r| r.event.kind()).collect()
    }

    #[test]
    fn open_append_read_and_list_alike() {
        for (name, s) in both() {
            let repo = &*s.repo;
            let mut ids: Vec<DisputeId> = (0..3).map(|_| open(repo)).collect();
            ids.sort_unstable_by_key(DisputeId::order_key);
            let mut listed = Vec::new();
            repo.each_id(&mut |id| listed.push(id)).unwrap();
            listed.sort_unstable_by_key(DisputeId::order_key);
            assert_eq!(listed, ids, "{name}");
            let id = &ids[0];
            assert!(repo.contains(id), "{name}");
            let key = repo.keys().key(id);
            assert!(key.is_some(), "{name}");
            let mut locked = repo.lock(id).unwrap();
            let before = locked.contents().head.clone();
            let record = locked.append(at(24), None, AUTHOR, discussed("n")).unwrap();
            assert_eq!((record.seq, &record.prev), (2, &before), "{name}");
            let under_lock = locked.lines(2);
            drop(locked);
            let (contents, lines) = repo.read(id).unwrap();
            assert_eq!(kinds(&contents), ["opened", "discussed"], "{name}");
            assert_eq!(
                contents.head,
                crate::store::journal::line::sha256_hex(&lines[1])
            );
            assert_eq!(lines, under_lock, "{name}");
            let bytes = repo.bytes(id).unwrap();
            assert_eq!(bytes, [&lines[0][..], b"\n", &lines[1], b"\n"].concat());
            assert_ne!(
                repo.keys().key(id),
                key,
                "{name}: an append changes the key"
            );
            // The others are untouched.
            assert_eq!(repo.read(&ids[1]).unwrap().0.records.len(), 1, "{name}");
        }
    }

    #[test]
    fn a_journal_streamed_gives_what_a_whole_read_gives() {
        for (name, s) in both() {
            let repo = &*s.repo;
            let id = open(repo);
            for note in ["a", "b"] {
                repo.lock(&id)
                    .unwrap()
                    .append(at(24), None, AUTHOR, discussed(note))
                    .unwrap();
            }
            let (whole, lines) = repo.read(&id).unwrap();
            let mut visited = Vec::new();
            let stream = repo
                .stream(&id, &mut |r, raw| visited.push((r.clone(), raw.to_vec())))
                .unwrap();
            let (records, raws): (Vec<Record>, Vec<Vec<u8>>) = visited.into_iter().unzip();
            assert_eq!((records, raws), (whole.records.clone(), lines), "{name}");
            assert_eq!(stream.lines(), 3, "{name}");
            let again: Vec<Record> = stream.replay().unwrap().map(|r| r.unwrap()).collect();
            assert_eq!(again, whole.records, "{name}");
            assert_eq!(stream.line(2).unwrap(), whole.records[1], "{name}");
            assert!(stream.warnings().is_empty(), "{name}");
            drop(stream);
            // Damage is found as a whole read finds it.
            let text = String::from_utf8(repo.bytes(&id).unwrap()).unwrap();
            (s.put)(&id, text.replacen("\"a\"", "\"A\"", 1).as_bytes());
            let Err(e) = repo.stream(&id, &mut |_, _| {}) else {
                panic!("{name}: a damaged journal streamed");
            };
            let read = repo.read(&id).unwrap_err();
            assert_eq!(
                e.damage().map(|d| d.line),
                read.damage().map(|d| d.line),
                "{name}"
            );
            assert_eq!(e.damage().and_then(|d| d.line), Some(2), "{name}");
        }
    }

    #[test]
    fn a_journal_is_replaced_whole_and_a_new_one_arrives() {
        for (name, s) in both() {
            let repo = &*s.repo;
            let (a, b) = (open(repo), open(repo));
            {
                let mut locked = repo.lock(&b).unwrap();
                locked.append(at(24), None, AUTHOR, discussed("b")).unwrap();
            }
            // Under its lock, `a` takes a copy with a line added.
            let mut longer = repo.bytes(&a).unwrap();
            {
                let mut scratch = repo.scratch(&a, &longer).unwrap();
                scratch
                    .append(at(25), None, AUTHOR, discussed("x"))
                    .unwrap();
                longer = scratch.bytes().unwrap();
            }
            assert_eq!(
                repo.read(&a).unwrap().0.records.len(),
                1,
                "{name}: scratch is apart"
            );
            let mut locked = repo.lock(&a).unwrap();
            locked.replace(&longer).unwrap();
            drop(locked);
            assert_eq!(repo.bytes(&a).unwrap(), longer, "{name}");
            assert_eq!(kinds(&repo.read(&a).unwrap().0), ["opened", "discussed"]);
            // A dispute new here, from the partnership.
            let c = DisputeId::from_file_stem("0000000001").unwrap();
            let opened = crate::domain::testing::opened(1);
            let c_bytes = journal::first_line(c.as_str(), at(23), None, AUTHOR, opened).unwrap();
            repo.replace_all(&[(c.clone(), c_bytes.clone())]).unwrap();
            assert!(repo.contains(&c), "{name}");
            assert_eq!(repo.bytes(&c).unwrap(), c_bytes, "{name}");
            assert_eq!(repo.read(&c).unwrap().0.records.len(), 1, "{name}");
            repo.finish_replacements().unwrap();
            assert_eq!(repo.bytes(&c).unwrap(), c_bytes, "{name}");
            // A journal under another dispute's name is refused by both.
            let b_bytes = repo.bytes(&b).unwrap();
            repo.replace_all(&[(c.clone(), b_bytes)]).unwrap();
            let e = repo.read(&c).unwrap_err();
            assert_eq!(e.damage().and_then(|d| d.line), Some(1), "{name}");
        }
    }

    #[test]
    fn a_damaged_line_is_refused_alike_naming_it() {
        for (name, s) in both() {
            let repo = &*s.repo;
            let id = open(repo);
            repo.lock(&id)
                .unwrap()
                .append(at(24), None, AUTHOR, discussed("kept"))
                .unwrap();
            let bytes = repo.bytes(&id).unwrap();
            let text = String::from_utf8(bytes).unwrap();
            assert!(text.contains("kept"));
            (s.put)(&id, text.replace("kept", "KEPT").as_bytes());
            let e = repo.read(&id).unwrap_err();
            let damage = e.damage().expect("damage");
            assert_eq!(
                (damage.line, damage.path.clone()),
                (Some(2), repo.name(&id)),
                "{name}"
            );
            assert!(repo.lock(&id).is_err(), "{name}: nothing is appended to it");
        }
    }

    #[test]
    fn a_torn_last_line_is_set_aside_and_recorded_never_dropped() {
        for (name, s) in both() {
            let repo = &*s.repo;
            let id = open(repo);
            let whole = repo.bytes(&id).unwrap();
            // As a crash leaves it: the receipt names the last whole line.
            repo.replace_all(&[(id.clone(), whole.clone())]).unwrap();
            (s.put)(&id, &[&whole[..], b"{\"seq\":2,"].concat());
            let (contents, _) = repo.read(&id).unwrap();
            assert_eq!(
                contents.torn_tail.as_deref(),
                Some(&b"{\"seq\":2,"[..]),
                "{name}"
            );
            assert_eq!(contents.records.len(), 1, "{name}");
            let mut locked = repo.lock(&id).unwrap();
            locked.append(at(24), None, AUTHOR, discussed("n")).unwrap();
            drop(locked);
            let (contents, _) = repo.read(&id).unwrap();
            assert_eq!(
                kinds(&contents),
                ["opened", "recovered", "discussed"],
                "{name}"
            );
            assert!(contents.torn_tail.is_none(), "{name}");
        }
    }

    #[test]
    fn shared_files_round_trip() {
        for (name, s) in both() {
            let repo = &*s.repo;
            assert_eq!(repo.read_shared("agencies.toml"), None, "{name}");
            repo.write_shared("agencies.toml", b"a").unwrap();
            repo.write_shared("calendar/bank-holidays.json", b"{}")
                .unwrap();
            assert_eq!(
                repo.read_shared("agencies.toml").as_deref(),
                Some(&b"a"[..])
            );
            assert_eq!(
                repo.read_shared("calendar/bank-holidays.json").as_deref(),
                Some(&b"{}"[..]),
                "{name}"
            );
            repo.remove_shared("agencies.toml");
            assert_eq!(repo.read_shared("agencies.toml"), None, "{name}");
        }
    }
}
