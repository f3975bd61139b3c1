//! Reading a journal a line at a time, for a command that shows every line of a
//! long journal (`show`) without holding them all. The first read makes every
//! check `read` makes, in the same order and with the same errors, and keeps a few
//! bytes per line; later reads (`Stream::replay`) give the lines again, each
//! checked to be the very line the first read checked. The shared lock is held
//! from the first read to the last, so no escalate command can append between them.

use std::fs::File;
use std::hash::{BuildHasher, Hasher};
use std::io::{BufRead, BufReader, Read, Seek};
use std::path::{Path, PathBuf};

use super::{check_end, check_file, head, open_existing, recovered, surroundings, wait_for_lock};
use super::{Chain, Contents, MAX_JOURNAL_BYTES};
use crate::domain::event::{Event, Record};
use crate::error::{Error, Hint, Result};

/// How much of the file is read at a time.
const READ_BUFFER: usize = 1 << 16;

/// A journal read and checked once, still open and locked.
pub struct Stream {
    path: PathBuf,
    source: Source,
    /// What the first read found, without the records (see `lines`).
    contents: Contents,
    /// How many complete lines there are.
    lines: usize,
    /// The bytes before the torn tail, if any: what `replay` reads.
    complete: u64,
    /// Each complete line's fingerprint, under a key chosen afresh by each process
    /// (so no one can write a different line with the same one).
    prints: Vec<u64>,
    /// Where each complete line starts in the file, to read one again (`line`).
    starts: Vec<u64>,
    /// Each correction that names its target by nonce (format 3), with the
    /// target's line number as the first read resolved it: (line, target).
    targets: Vec<(u64, u64)>,
    key: std::hash::RandomState,
}

/// Where the lines are read again from: the journal's file, or (a repository
/// that keeps no files: only the tests' memory store so far) its bytes.
enum Source {
    File(File),
    #[cfg(test)]
    Bytes(Vec<u8>),
}

/// What the first read of the lines found.
struct Scan {
    chain_lines: usize,
    head: String,
    named_hash: Option<String>,
    prints: Vec<u64>,
    starts: Vec<u64>,
    targets: Vec<(u64, u64)>,
    recorded: Vec<String>,
    read: u64,
    torn: Vec<u8>,
    key: std::hash::RandomState,
}

impl Scan {
    /// Read and check every line from `reader`, as `read` checks them; `named`
    /// is the line the head receipt names, whose hash is kept.
    fn of(
        path: &Path,
        mut reader: impl BufRead,
        named: Option<u64>,
        visit: &mut dyn FnMut(&Record, &[u8]),
    ) -> Result<Scan> {
        let key = std::hash::RandomState::new();
        let mut chain = Chain::new(path);
        let (mut first, mut named_hash) = (None, None);
        let (mut prints, mut starts, mut recorded) = (Vec::new(), Vec::new(), Vec::new());
        let mut targets = Vec::new();
        let mut read = 0u64;
        let mut line = Vec::new();
        let torn = loop {
            line.clear();
            let start = read;
            let n = reader
                .read_until(b'\n', &mut line)
                .map_err(|e| unreadable(path, e))?;
            read += n as u64;
            if n == 0 || line.last() != Some(&b'\n') {
                break std::mem::take(&mut line);
            }
            line.pop();
            let record = match chain.check(&line) {
                Ok(record) => record,
                // Reading the whole file first, `read` finds a file grown past the
                // limit before any line: so does this.
                Err(e) => return Err(too_long(path, &mut reader, read).unwrap_or(e)),
            };
            prints.push(fingerprint(&key, &line));
            if let Event::Amended {
                event,
                target: Some(_),
                ..
            } = &record.event
            {
                targets.push((record.seq, *event));
            }
            starts.push(start);
            if named == Some(chain.lines as u64) {
                named_hash = Some(chain.prev.clone());
            }
            recorded.extend(recovered(&record).map(str::to_owned));
            visit(&record, &line);
            if chain.lines == 1 {
                first = Some(record);
            }
        };
        if read > MAX_JOURNAL_BYTES {
            return Err(too_large(path, None));
        }
        check_end(&chain, first.as_ref(), &torn)?;
        Ok(Scan {
            chain_lines: chain.lines,
            head: chain.prev,
            named_hash,
            prints,
            starts,
            targets,
            recorded,
            read,
            torn,
            key,
        })
    }

    fn into_stream(self, path: &Path, source: Source, found: Found) -> Stream {
        let (standing, evidence, unrecorded) = found;
        let complete = self.read - self.torn.len() as u64;
        Stream {
            path: path.to_owned(),
            source,
            lines: self.chain_lines,
            complete,
            prints: self.prints,
            starts: self.starts,
            targets: self.targets,
            key: self.key,
            contents: Contents {
                records: Vec::new(),
                dispute: super::journal_id(path),
                head: self.head,
                torn_tail: (!self.torn.is_empty()).then_some(self.torn),
                standing,
                unrecorded,
                evidence,
            },
        }
    }
}

/// What a journal's surroundings (receipt, quarantine) say.
type Found = (head::Standing, Option<super::Evidence>, Vec<String>);

impl Stream {
    /// Open, lock and read the journal at `path`, making every check `read` makes;
    /// `visit` sees each line's record once that line has passed its own checks
    /// (a later line may still find the journal damaged).
    pub(crate) fn open(path: &Path, visit: &mut dyn FnMut(&Record, &[u8])) -> Result<Stream> {
        let file = open_existing(path, false)?;
        wait_for_lock(path, &file, false)?;
        let len = check_file(path, &file)?.len();
        if len > MAX_JOURNAL_BYTES {
            return Err(too_large(path, Some(len)));
        }
        // Read now, under the lock, so this line's hash can be kept when it passes;
        // an unreadable receipt is reported where `read` reports it, after the lines.
        let receipt = head::read(path);
        let named = match &receipt {
            Ok(head::Stored::Present(r)) => Some(r.seq),
            _ => None,
        };
        let reader = BufReader::with_capacity(READ_BUFFER, (&file).take(MAX_JOURNAL_BYTES + 1));
        let scan = Scan::of(path, reader, named, visit)?;
        let receipt = receipt?;
        let recorded: Vec<&str> = scan.recorded.iter().map(String::as_str).collect();
        let found = surroundings(
            path,
            &receipt,
            (scan.chain_lines, &scan.head, |_| scan.named_hash.clone()),
            !scan.torn.is_empty(),
            &recorded,
        )?;
        Ok(scan.into_stream(path, Source::File(file), found))
    }

    /// A journal's `bytes` read as `open` reads its file (named `path` in
    /// messages), for a repository that keeps no files: it has no receipt or
    /// quarantine beside it to check.
    #[cfg(test)]
    pub(crate) fn of_bytes(
        path: &Path,
        bytes: Vec<u8>,
        visit: &mut dyn FnMut(&Record, &[u8]),
    ) -> Result<Stream> {
        if bytes.len() as u64 > MAX_JOURNAL_BYTES {
            return Err(too_large(path, Some(bytes.len() as u64)));
        }
        let scan = Scan::of(path, &bytes[..], None, visit)?;
        let found = (head::Standing::Matches, None, Vec::new());
        Ok(scan.into_stream(path, Source::Bytes(bytes), found))
    }

    /// What the first read found, holding `records`: the lines as a caller that
    /// visited them kept them (`verify` keeps what the fold needs, not each
    /// line's signature). The lock is released.
    pub(crate) fn into_contents(self, records: Vec<Record>) -> Contents {
        Contents {
            records,
            ..self.contents
        }
    }

    /// How many complete lines the journal has.
    pub fn lines(&self) -> usize {
        self.lines
    }

    /// SHA-256 of the last complete line.
    pub(crate) fn head(&self) -> &str {
        &self.contents.head
    }

    /// What `Contents::warnings` says of this journal.
    pub fn warnings(&self) -> Vec<String> {
        self.contents.warnings_for(self.lines)
    }

    /// Line `seq` again, read where it lies, checked as `replay` checks each line.
    pub fn line(&self, seq: usize) -> Result<Record> {
        let i = seq
            .checked_sub(1)
            .filter(|&i| i < self.lines)
            .ok_or_else(|| changed(&self.path, seq))?;
        let start = self.starts[i];
        let end = self.starts.get(i + 1).copied().unwrap_or(self.complete);
        let mut bytes = vec![0; usize::try_from(end - start).unwrap_or(0)];
        self.read_at(&mut bytes, start)
            .map_err(|e| unreadable(&self.path, e))?;
        if bytes.pop() != Some(b'\n') {
            return Err(changed(&self.path, seq));
        }
        self.record(seq, &bytes)
    }

    fn read_at(&self, bytes: &mut [u8], at: u64) -> std::io::Result<()> {
        match &self.source {
            Source::File(file) => read_file_at(file, &self.path, bytes, at),
            #[cfg(test)]
            Source::Bytes(all) => {
                let start = usize::try_from(at).map_err(std::io::Error::other)?;
                let part = all
                    .get(start..start + bytes.len())
                    .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::UnexpectedEof))?;
                bytes.copy_from_slice(part);
                Ok(())
            }
        }
    }

    /// The record of line `seq`, whose bytes (without the line end) are `bytes`,
    /// if they are the bytes the first read checked.
    fn record(&self, seq: usize, bytes: &[u8]) -> Result<Record> {
        if fingerprint(&self.key, bytes) != self.prints[seq - 1] {
            return Err(changed(&self.path, seq));
        }
        // The same bytes passed every check a moment ago; only the record is needed.
        let text = std::str::from_utf8(bytes).map_err(|_| changed(&self.path, seq))?;
        let mut record: Record =
            serde_json::from_str(text).map_err(|_| changed(&self.path, seq))?;
        if let Event::Amended {
            event,
            target: Some(_),
            ..
        } = &mut record.event
        {
            let at = self.targets.binary_search_by_key(&record.seq, |t| t.0);
            *event = at.map_or(0, |i| self.targets[i].1);
        }
        Ok(record)
    }

    /// The complete lines again, from the first. A line that is not the one the
    /// first read checked (the file was changed in between, by something that
    /// ignores escalate's lock) is an error naming it, and ends the lines.
    pub fn replay(&self) -> Result<Replay<'_>> {
        let reader: Box<dyn BufRead + '_> = match &self.source {
            Source::File(file) => {
                let mut file = file;
                file.rewind().map_err(|e| unreadable(&self.path, e))?;
                Box::new(BufReader::with_capacity(
                    READ_BUFFER,
                    file.take(self.complete),
                ))
            }
            #[cfg(test)]
            Source::Bytes(all) => Box::new(all.get(..self.complete as usize).unwrap_or(all)),
        };
        Ok(Replay {
            stream: self,
            reader,
            line: Vec::new(),
            seen: 0,
            failed: false,
        })
    }
}

#[cfg(unix)]
fn read_file_at(file: &File, _path: &Path, bytes: &mut [u8], at: u64) -> std::io::Result<()> {
    use std::os::unix::fs::FileExt;
    // Leaves the file's position alone, so a `replay` under way reads on.
    file.read_exact_at(bytes, at)
}

#[cfg(not(unix))]
fn read_file_at(_file: &File, path: &Path, bytes: &mut [u8], at: u64) -> std::io::Result<()> {
    // Another handle, so a `replay` under way reads on; whatever file it
    // opens, its line is checked against the one the first read checked.
    let mut file = File::open(path)?;
    file.seek(std::io::SeekFrom::Start(at))?;
    file.read_exact(bytes)
}

/// The lines of a `Stream`, read again.
pub struct Replay<'s> {
    stream: &'s Stream,
    reader: Box<dyn BufRead + 's>,
    line: Vec<u8>,
    seen: usize,
    failed: bool,
}

impl Iterator for Replay<'_> {
    type Item = Result<Record>;

    fn next(&mut self) -> Option<Result<Record>> {
        if self.failed || self.seen == self.stream.lines {
            return None;
        }
        let n = self.seen + 1;
        let got = self.next_line(n);
        self.failed = got.is_err();
        self.seen = n;
        Some(got)
    }
}

impl Replay<'_> {
    fn next_line(&mut self, n: usize) -> Result<Record> {
        let s = self.stream;
        self.line.clear();
        self.reader
            .read_until(b'\n', &mut self.line)
            .map_err(|e| unreadable(&s.path, e))?;
        if self.line.pop() != Some(b'\n') {
            return Err(changed(&s.path, n));
        }
        s.record(n, &self.line)
    }
}

fn fingerprint(key: &std::hash::RandomState, line: &[u8]) -> u64 {
    let mut h = key.build_hasher();
    h.write(line);
    h.finish()
}

fn unreadable(path: &Path, e: std::io::Error) -> Error {
    Error::io(format!("could not read {}", path.display()), e)
}

/// The error `read` gives a journal over the limit (its length, when known).
fn too_large(path: &Path, len: Option<u64>) -> Error {
    let limit = MAX_JOURNAL_BYTES;
    Error::damaged_journal(
        path,
        match len {
            Some(len) => {
                format!("it is {len} bytes, more than the {limit}-byte limit for a journal")
            }
            None => format!("it is more than the {limit}-byte limit for a journal"),
        },
    )
}

/// Whether the file, `read` bytes of which are read, runs past the limit.
fn too_long(path: &Path, rest: &mut impl Read, read: u64) -> Option<Error> {
    let more = std::io::copy(rest, &mut std::io::sink()).ok()?;
    (read + more > MAX_JOURNAL_BYTES).then(|| too_large(path, None))
}

fn changed(path: &Path, n: usize) -> Error {
    Error::refused(format!(
        "journal {} changed while it was being shown: line {n} is no longer the line that was checked a moment ago, so nothing from it on was shown",
        path.display()
    ))
    .with_hint(Hint::RunAgainThenVerify)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::event::Event;
    use crate::domain::testing;
    use crate::store::journal::line;

    /// A journal of `n` lines, chained and sealed: `opened`, then discussions
    /// noted `{tag} {seq}`.
    fn journal(n: u64, tag: &str) -> Vec<u8> {
        let mut out = Vec::new();
        let mut prev = String::new();
        for seq in 1..=n {
            let event = match seq {
                1 => Event::Opened(testing::opened(1)),
                _ => Event::Discussed {
                    stage: 1,
                    note: format!("{tag} {seq}"),
                    with: None,
                },
            };
            let mut r = testing::line(seq, "2026-11-23 09:00", event);
            r.prev = prev;
            let text = line::encode(&r).unwrap();
            prev = line::sha256_hex(text.as_bytes());
            out.extend_from_slice(text.as_bytes());
            out.push(b'\n');
        }
        out
    }

    fn write(dir: &Path, bytes: &[u8]) -> PathBuf {
        let path = dir.join("T.jsonl");
        std::fs::write(&path, bytes).unwrap();
        path
    }

    /// What a whole read and a streamed one make of the same file: the lines and
    /// warnings, or the error in words.
    fn both(path: &Path) -> (String, String) {
        let whole = match super::super::read(path) {
            Ok(c) => format!("{:?} {} {:?}", c.records, c.head, c.warnings()),
            Err(e) => e.to_string(),
        };
        let mut seen = Vec::new();
        let streamed = match Stream::open(path, &mut |r, _| seen.push(r.clone())) {
            Ok(s) => {
                let again: Vec<Record> = s.replay().unwrap().map(|r| r.unwrap()).collect();
                assert_eq!(again, seen, "the second read gives the lines the first did");
                format!("{seen:?} {} {:?}", s.head(), s.warnings())
            }
            Err(e) => e.to_string(),
        };
        (whole, streamed)
    }

    #[test]
    fn a_streamed_read_finds_what_a_whole_read_finds() {
        let dir = tempfile::tempdir().unwrap();
        let good = journal(3, "note");
        let mut cases = vec![good.clone(), Vec::new(), b"\n".to_vec()];
        for at in (0..good.len()).step_by(7) {
            let mut flipped = good.clone();
            flipped[at] ^= 0x20;
            cases.push(flipped);
            cases.push(good[..at].to_vec());
        }
        cases.push([&good[..], b"{\"v\":2,\"seq\""].concat());
        for bytes in cases {
            let path = write(dir.path(), &bytes);
            let (whole, streamed) = both(&path);
            assert_eq!(whole, streamed, "{}", String::from_utf8_lossy(&bytes));
        }
    }

    #[test]
    fn a_line_changed_between_the_reads_ends_the_lines_with_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), &journal(3, "note"));
        let stream = Stream::open(&path, &mut |_, _| {}).unwrap();
        assert_eq!(stream.line(2).unwrap().seq, 2);
        assert_eq!(stream.line(3).unwrap().seq, 3);
        assert!(stream.line(4).is_err() && stream.line(0).is_err());
        // Every line sealed and chained as escalate would write it, the same
        // length, but not the lines that were checked.
        std::fs::write(&path, journal(3, "text")).unwrap();
        let mut lines = stream.replay().unwrap();
        assert_eq!(lines.next().unwrap().unwrap().seq, 1, "line 1 is unchanged");
        let e = lines.next().unwrap().unwrap_err().to_string();
        assert!(
            e.contains("changed while it was being shown: line 2 is no longer"),
            "{e}"
        );
        assert!(lines.next().is_none(), "nothing after the changed line");
        assert_eq!(stream.line(1).unwrap().seq, 1);
        let e = stream.line(3).unwrap_err().to_string();
        assert!(e.contains("line 3 is no longer"), "{e}");
    }
}
