//! A repository kept in memory, for tests: the second implementation of
//! `Repository`, proving that nothing above the store depends on files. It
//! keeps each journal's bytes exactly as the file store would (the same
//! `journal::parse` reads them, the same `journal::next_line` appends), so a
//! test may put damaged bytes in and see the same refusal. What only a file
//! can suffer (a stale head receipt, a link in place of a journal) has no
//! counterpart here; a torn last line does, and is set aside and recorded as on
//! disk.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant as Clock};

use super::cache::Key;
use super::journal::{self, line, Author, Contents};
use super::repository::{Keys, Locked, Repository};
use crate::domain::clock::Instant;
use crate::domain::event::{Event, Opened, Record};
use crate::domain::id::DisputeId;
use crate::error::{Error, Result};

#[derive(Debug, Default)]
pub(crate) struct Memory {
    /// Each journal's bytes, and the change that last wrote them.
    journals: Mutex<BTreeMap<String, (Vec<u8>, u64)>>,
    /// Torn lines set aside, by the name their `recovered` line records.
    quarantine: Mutex<BTreeMap<String, Vec<u8>>>,
    shared: Mutex<BTreeMap<String, Vec<u8>>>,
    /// The journals locked for appending.
    locked: Mutex<BTreeSet<String>>,
    /// Counts changes, so that every change gives a journal a new key.
    changes: AtomicU64,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Memory {
    /// Put `bytes` in as dispute `id`'s journal as they are, unchecked: how a
    /// test makes a damaged journal.
    pub(crate) fn put(&self, id: &DisputeId, bytes: &[u8]) {
        self.store(id.as_str(), bytes.to_vec());
    }

    fn store(&self, id: &str, bytes: Vec<u8>) {
        let change = self.changes.fetch_add(1, Ordering::Relaxed) + 1;
        lock(&self.journals).insert(id.to_owned(), (bytes, change));
    }

    fn parse(&self, id: &DisputeId, bytes: &[u8]) -> Result<Contents> {
        journal::parse(&self.name(id), bytes)
    }
}

impl Keys for Memory {
    fn key(&self, id: &DisputeId) -> Option<Key> {
        lock(&self.journals)
            .get(id.as_str())
            .map(|(bytes, change)| Key {
                len: bytes.len() as u64,
                modified_ns: *change as i128,
                changed_ns: *change as i128,
                inode: 0,
            })
    }
}

impl Repository for Memory {
    fn name(&self, id: &DisputeId) -> PathBuf {
        PathBuf::from(format!("memory/{id}.jsonl"))
    }

    fn each_id(&self, each: &mut dyn FnMut(DisputeId)) -> Result<()> {
        let ids: Vec<String> = lock(&self.journals).keys().cloned().collect();
        ids.iter()
            .filter_map(|s| DisputeId::from_file_stem(s))
            .for_each(each);
        Ok(())
    }

    fn contains(&self, id: &DisputeId) -> bool {
        lock(&self.journals).contains_key(id.as_str())
    }

    fn keys(&self) -> Box<dyn Keys + '_> {
        Box::new(Keyed(self))
    }

    fn read(&self, id: &DisputeId) -> Result<(Contents, Vec<Vec<u8>>)> {
        let bytes = self.bytes(id).ok_or_else(|| missing(id))?;
        let contents = self.parse(id, &bytes)?;
        let lines = bytes
            .split(|&b| b == b'\n')
            .take(contents.records.len())
            .map(<[u8]>::to_vec)
            .collect();
        Ok((contents, lines))
    }

    fn stream(
        &self,
        id: &DisputeId,
        visit: &mut dyn FnMut(&Record, &[u8]),
    ) -> Result<journal::stream::Stream> {
        let bytes = self.bytes(id).ok_or_else(|| missing(id))?;
        journal::stream::Stream::of_bytes(&self.name(id), bytes, visit)
    }

    fn bytes(&self, id: &DisputeId) -> Option<Vec<u8>> {
        lock(&self.journals)
            .get(id.as_str())
            .map(|(bytes, _)| bytes.clone())
    }

    fn lock(&self, id: &DisputeId) -> Result<Box<dyn Locked + '_>> {
        let start = Clock::now();
        while !lock(&self.locked).insert(id.to_string()) {
            if start.elapsed() > journal::LOCK_WAIT {
                return Err(Error::refused(format!("dispute {id} is busy")));
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        // Unlocked again when dropped, whatever stops the reading below.
        let mut held = Held {
            repo: self,
            target: Some(id.to_string()),
            bytes: Vec::new(),
            contents: None,
        };
        held.bytes = self.bytes(id).ok_or_else(|| missing(id))?;
        held.contents = Some(self.parse(id, &held.bytes)?);
        Ok(Box::new(held))
    }

    fn create(
        &self,
        at: Instant,
        happened: Option<Instant>,
        author: Author,
        opened: Opened,
    ) -> Result<(DisputeId, Record, String)> {
        let id = loop {
            let id = DisputeId::random()?;
            if !self.contains(&id) {
                break id;
            }
        };
        let bytes = journal::first_line(id.as_str(), at, happened, author, opened)?;
        let contents = self.parse(&id, &bytes)?;
        self.store(id.as_str(), bytes);
        let record = contents.records.into_iter().next();
        let record = record.ok_or_else(|| Error::damaged(self.name(&id), 1, "no first line"))?;
        Ok((id, record, contents.head))
    }

    fn replace_all(&self, items: &[(DisputeId, Vec<u8>)]) -> Result<()> {
        for (id, bytes) in items {
            self.store(id.as_str(), bytes.clone());
        }
        Ok(())
    }

    fn scratch(&self, id: &DisputeId, bytes: &[u8]) -> Result<Box<dyn Locked + '_>> {
        Ok(Box::new(Held {
            repo: self,
            target: None,
            bytes: bytes.to_vec(),
            contents: Some(self.parse(id, bytes)?),
        }))
    }

    fn read_shared(&self, path: &str) -> Option<Vec<u8>> {
        lock(&self.shared).get(path).cloned()
    }

    fn write_shared(&self, path: &str, bytes: &[u8]) -> Result<()> {
        lock(&self.shared).insert(path.to_owned(), bytes.to_vec());
        Ok(())
    }

    fn remove_shared(&self, path: &str) {
        lock(&self.shared).remove(path);
    }

    fn finish_replacements(&self) -> Result<()> {
        // A replace in memory is one step: nothing is ever left half-done.
        Ok(())
    }
}

struct Keyed<'a>(&'a Memory);

impl Keys for Keyed<'_> {
    fn key(&self, id: &DisputeId) -> Option<Key> {
        self.0.key(id)
    }
}

fn missing(id: &DisputeId) -> Error {
    Error::refused(format!("no dispute has the ID {id}"))
}

/// A journal held for appending: one of the repository's (`target`), written
/// back with each change, or a scratch copy that is only here.
struct Held<'a> {
    repo: &'a Memory,
    target: Option<String>,
    bytes: Vec<u8>,
    contents: Option<Contents>,
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        if let Some(id) = &self.target {
            lock(&self.repo.locked).remove(id);
        }
    }
}

impl Held<'_> {
    fn contents_mut(&mut self) -> &mut Contents {
        self.contents.get_or_insert_with(|| Contents {
            records: Vec::new(),
            dispute: String::new(),
            head: String::new(),
            torn_tail: None,
            standing: journal::head::Standing::Matches,
            unrecorded: Vec::new(),
            evidence: None,
        })
    }

    fn write(
        &mut self,
        at: Instant,
        happened: Option<Instant>,
        a: Author,
        e: Event,
    ) -> Result<Record> {
        let prepared = journal::next_line(self.contents_mut(), at, happened, a, e)?;
        self.put(prepared)
    }

    fn put(&mut self, (record, line, head): (Record, Vec<u8>, String)) -> Result<Record> {
        self.bytes.extend_from_slice(&line);
        let contents = self.contents_mut();
        contents.head = head;
        contents.records.push(record.clone());
        if let Some(id) = &self.target {
            self.repo.store(id, self.bytes.clone());
        }
        Ok(record)
    }
}

impl Locked for Held<'_> {
    fn contents(&self) -> &Contents {
        self.contents.as_ref().expect("set when locked")
    }

    fn lines(&self, n: usize) -> Vec<Vec<u8>> {
        self.bytes
            .split(|&b| b == b'\n')
            .take(n)
            .map(<[u8]>::to_vec)
            .collect()
    }

    fn bytes(&self) -> Result<Vec<u8>> {
        Ok(self.bytes.clone())
    }

    fn append(
        &mut self,
        at: Instant,
        happened: Option<Instant>,
        author: Author,
        event: Event,
    ) -> Result<Record> {
        if let Some(torn) = self.contents_mut().torn_tail.take() {
            // Set aside and recorded as the file store does, never dropped.
            let sha = line::sha256_hex(&torn);
            let seq = self.contents().records.len() + 1;
            let target = self.target.as_deref().unwrap_or("scratch");
            let name = format!("{target}.jsonl.torn-{seq}-{}", &sha[..8]);
            lock(&self.repo.quarantine).insert(name.clone(), torn.clone());
            self.bytes.truncate(self.bytes.len() - torn.len());
            let recovered = Event::Recovered {
                quarantine: name,
                sha256: sha,
                bytes: torn.len() as u64,
            };
            self.write(at, None, author, recovered)?;
        }
        self.write(at, happened, author, event)
    }

    fn rechain(&mut self, raw: &[u8]) -> Result<Record> {
        let prepared = journal::rechained_line(self.contents(), raw)?;
        self.put(prepared)
    }

    fn replace(&mut self, bytes: &[u8]) -> Result<()> {
        self.bytes = bytes.to_vec();
        if let Some(id) = &self.target {
            self.repo.store(id, self.bytes.clone());
        }
        Ok(())
    }
}
