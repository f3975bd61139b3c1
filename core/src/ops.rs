//! The operations behind each command, on a data directory: open a dispute, record
//! what happened, and load disputes for viewing. Each takes a validated request and
//! returns the new state; the journal is locked, checked against the policy, and
//! appended to only when everything has been accepted, so a refused command leaves
//! every byte as it was.

use crate::calendar::{Calendar, Division};
use crate::domain::clock::{self, Instant};
use crate::domain::dispute::{Dispute, Uncounted};
use crate::domain::event::{Event, Opened};
use crate::domain::id::DisputeId;
use crate::domain::plan::{self, Action, Effects, Situation};
use crate::error::{Error, Hint, Result};
use crate::policy::{Catalogue, LoadedPolicy};
use crate::store::cache;
use crate::store::journal;
use crate::store::Store;
use std::sync::Arc;

/// How many disputes are in memory at once when visiting them all: the
/// results of a batch are handed on in order before the next is read.
const BATCH: usize = 1024;

/// Fewer disputes than this are visited on the calling thread.
const SMALL: usize = 16;

/// Run `work` over `ids` on every core (rayon's pool), a batch at a time, and
/// hand each result to `visit` in the order of `ids`. The batch bounds memory;
/// a panic in a worker is passed on, not swallowed.
pub fn in_parallel<I: Sync, T: Send>(
    ids: &[I],
    work: impl Fn(&I) -> T + Sync,
    mut visit: impl FnMut(&I, T),
) {
    use rayon::prelude::*;
    for batch in ids.chunks(BATCH) {
        // A handful is not worth starting the pool's threads for (a directory
        // of a few disputes, or a last batch as small).
        let results: Vec<T> = if batch.len() < SMALL {
            batch.iter().map(&work).collect()
        } else {
            batch.par_iter().map(&work).collect()
        };
        for (id, r) in batch.iter().zip(results) {
            visit(id, r);
        }
    }
}

/// Everything a command needs to know about where and when it runs.
pub struct Session {
    pub store: Store,
    pub catalogue: Catalogue,
    pub now: Instant,
    pub actor: String,
    /// The stored calendar (import and closure days), read once per process.
    pub calendars: crate::store::calendar::Calendars,
    /// The user's signing key, loaded (or created) by the first line recorded.
    pub keys: crate::integrity::signing::Keyring,
    /// The `division` setting: the calendar of a policy that names none.
    pub division_setting: Option<Division>,
}

/// A dispute with the policy it pinned.
pub struct Loaded {
    pub dispute: Dispute,
    pub policy: Arc<LoadedPolicy>,
    /// SHA-256 of the journal's last line.
    pub head: String,
    /// The aftermath of an interrupted command (see `journal::Contents::warnings`),
    /// or what this command repaired; never a reason to refuse.
    pub warnings: Vec<String>,
    /// Why the signers file does not allow the key this command just recorded
    /// with (`None`: it does, or nothing was recorded): the lines are kept but
    /// count nowhere until it does.
    pub key_not_allowed: Option<String>,
    /// Whether its personal text is here: clear (an older, unsealed dispute),
    /// opened with the user's key, or sealed.
    pub text: crate::privacy::Text,
}

impl Loaded {
    /// The dispute as an action finds it at `when` (the command's time `now`).
    pub fn situation<'a>(
        &'a self,
        calendar: &'a Calendar,
        when: Instant,
        now: Instant,
    ) -> Situation<'a> {
        Situation {
            dispute: &self.dispute,
            policy: &self.policy.policy,
            calendar,
            when,
            now,
        }
    }

    pub fn summary(&self, calendar: &Calendar, now: &Instant) -> crate::domain::summary::Summary {
        crate::domain::summary::Summary::of(
            &self.dispute,
            &self.policy.policy,
            &self.head,
            calendar,
            now,
        )
    }
}

/// A dispute as `Session::each_view` found it: what a report needs (its brief and
/// the facts of each line), and the way to its state or its lines.
pub struct View {
    pub brief: crate::domain::report::Brief,
    pub facts: Vec<crate::domain::report::Fact>,
    pub policy: Arc<LoadedPolicy>,
    source: Source,
}

enum Source {
    Cached(Box<cache::Entry>),
    Read(Box<Loaded>),
}

impl View {
    /// The dispute's current state; from the cache it has no lines.
    pub fn loaded(self, s: &Session, id: &DisputeId) -> Result<Loaded> {
        match self.source {
            Source::Read(l) => Ok(*l),
            Source::Cached(e) => match e.dispute().filter(|d| d.id == *id) {
                Some(dispute) => Ok(Loaded {
                    text: crate::privacy::Text::unopened(&dispute),
                    dispute,
                    policy: self.policy,
                    head: e.head,
                    warnings: e.warnings,
                    key_not_allowed: None,
                }),
                // Damaged past its checksum, or another dispute's: the journal says.
                None => s.load(id),
            },
        }
    }

    /// What the reading found to warn about (the aftermath of an interrupted
    /// command), without decoding the state.
    pub fn warnings(&self) -> &[String] {
        match &self.source {
            Source::Read(l) => &l.warnings,
            Source::Cached(e) => &e.warnings,
        }
    }

    /// The journal's lines that do not count (`Dispute::uncounted`), without
    /// decoding the state.
    pub fn uncounted(&self) -> &[Uncounted] {
        match &self.source {
            Source::Read(l) => &l.dispute.uncounted,
            Source::Cached(e) => &e.uncounted,
        }
    }

    /// From the cache: the dispute as it stood at any instant, as a report
    /// needs it (read from the journal, it has its lines instead).
    pub fn snapshots(&self) -> Option<crate::domain::report::Snapshots> {
        match &self.source {
            Source::Cached(e) => Some(e.snapshots()),
            Source::Read(_) => None,
        }
    }

    /// The dispute with its lines: from the cache, its journal is read.
    pub fn with_lines(self, s: &Session, id: &DisputeId) -> Result<Loaded> {
        match self.source {
            Source::Read(l) => Ok(*l),
            Source::Cached(_) => s.load(id),
        }
    }
}

/// What `walk` does with each dispute.
enum Work<'a, T> {
    /// Hand it on as a `View`: from the cache where its journal is unchanged.
    View(&'a (dyn Fn(&DisputeId, Result<View>) -> T + Sync)),
    /// Let the caller read the batch's journals (all at once, so it can share
    /// work between them), and make each entry from what it loaded.
    Read(&'a ReadBatch<'a, T>),
}

/// A caller's reading of a batch of journals: a result for each ID, in order,
/// with the dispute loaded on the way (`Session::rebuild_cache_with`).
type ReadBatch<'a, T> = dyn Fn(&[DisputeId]) -> Vec<(T, Option<Loaded>)> + Sync + 'a;

impl<T> Clone for Work<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Work<'_, T> {}

/// `loaded` with the lines `writer` appended after its first `before`: their
/// repairs as warnings, the dispute extended by them, the new head.
pub(crate) fn appended(
    mut loaded: Loaded,
    writer: &dyn crate::store::repository::Locked,
    before: usize,
    path: &std::path::Path,
) -> Result<Loaded> {
    let added = &writer.contents().records[before..];
    loaded.warnings = journal::repairs(added);
    loaded
        .dispute
        .extend(added, &loaded.policy.policy)
        .map_err(|(line, what)| Error::damaged(path, line, what))?;
    loaded.head = writer.contents().head.clone();
    Ok(loaded)
}

/// A new dispute's wrapped key, kept until the dispute has its ID.
struct Sealing {
    keys: crate::privacy::KeyStore,
    seal_to: String,
    key: crate::privacy::DisputeKey,
}

impl Sealing {
    /// File the wrapped key under the new dispute's ID; the key, to read the
    /// first line back with.
    fn file_under(self, id: &DisputeId) -> Result<crate::privacy::DisputeKey> {
        self.keys.get_or_adopt(id.as_str(), &self.seal_to)?;
        Ok(self.key)
    }
}

pub struct OpenRequest {
    pub policy: Arc<LoadedPolicy>,
    pub opened: Opened,
    pub at: Option<Instant>,
}

impl Session {
    /// What the status cache keeps of a dispute just read, for a report over a
    /// period that ended before its last event (under the current calendar).
    fn snapshots(&self, l: &Loaded) -> crate::domain::report::Snapshots {
        crate::domain::report::Snapshots::of(
            &l.dispute,
            &l.policy.policy,
            &self.calendar_for(&l.policy),
        )
    }

    /// The current calendar of a division: every deadline is computed with it.
    pub fn calendar(&self, division: Division) -> Calendar {
        self.calendars.get(division)
    }

    pub fn calendar_for(&self, loaded: &LoadedPolicy) -> Calendar {
        self.calendar(self.division_of(&loaded.policy))
    }

    /// The division whose working days a policy's deadlines count.
    pub fn division_of(&self, policy: &crate::policy::Policy) -> Division {
        policy.division_or(self.division_setting)
    }

    /// When an event happened: `--at` if given (never in the future), else now.
    pub fn happened(&self, at: Option<Instant>) -> Result<Option<Instant>> {
        Self::happened_by(at, &self.now)
    }

    fn happened_by(at: Option<Instant>, now: &Instant) -> Result<Option<Instant>> {
        match at {
            Some(t) if &t > now => Err(Error::refused(format!(
                "--at {} is in the future (it is now {})",
                clock::human_instant(&t),
                clock::human_instant(now)
            ))
            .with_hint(Hint::AtIsForThePast)),
            other => Ok(other),
        }
    }

    /// What authenticates derived data (the status cache, a long journal's
    /// judgement): `None` without a cache key, or before the signers file is read.
    fn seal(&self) -> Option<cache::Seal> {
        self.keys.signers().ok()?;
        Some(cache::Seal::new(
            &self.keys.cache_key()?,
            self.keys.signers_hash(),
        ))
    }

    /// The lines of a journal that do not count (signature, key or missing
    /// signature: `integrity::verify::LineCheck`), judged against the signers file.
    /// A long journal's lines judged before (`cache::judged`) are not judged
    /// again. Line 1 opens the dispute: without it there is nothing to count, so
    /// a journal whose first line does not count is damaged.
    fn uncounted<L: AsRef<[u8]>>(
        &self,
        id: &DisputeId,
        contents: &journal::Contents,
        lines: &[L],
    ) -> Result<Vec<Uncounted>> {
        use cache::judged::{Judged, MIN_LINES};
        let path = self.store.journal_path(id);
        let records = &contents.records;
        let signers = self.keys.signers()?;
        let seal = (records.len() >= MIN_LINES && lines.len() == records.len())
            .then(|| self.seal())
            .flatten();
        // The hash of line n: the next line's `prev`, or the head for the last.
        let hash_of = |n: usize| match n.cmp(&records.len()) {
            std::cmp::Ordering::Less => Some(records[n].prev.as_str()),
            std::cmp::Ordering::Equal => Some(contents.head.as_str()),
            std::cmp::Ordering::Greater => None,
        };
        let prior = seal
            .as_ref()
            .and_then(|seal| Judged::read(self.store.root(), id.as_str(), seal))
            .filter(|j| j.lines >= 1 && hash_of(j.lines as usize) == Some(j.head.as_str()));
        let (start, state, mut uncounted) = match &prior {
            Some(j) => (
                j.lines as usize,
                (j.first_signed, j.unsigned),
                j.uncounted.clone(),
            ),
            None => (0, (None, 0), Vec::new()),
        };
        let mut check = crate::integrity::verify::LineCheck::resume(signers, state);
        let mut bad = check.check_all(&records[start..], lines.get(start..).unwrap_or_default());
        // A line whose bytes could not be read again cannot be checked.
        bad.extend(crate::integrity::verify::check_line_signatures::<&[u8]>(
            &records[lines.len().max(start)..],
            &[],
            None,
        ));
        if let Some(first) = bad.first().filter(|b| b.line == 1) {
            return Err(first_line_uncounted(&path, first));
        }
        uncounted.extend(bad.iter().map(|b| Uncounted {
            line: b.line,
            why: b.why,
        }));
        if let Some(seal) = seal.filter(|_| start < records.len()) {
            let (first_signed, unsigned) = check.state();
            Judged {
                id: id.to_string(),
                lines: records.len() as u64,
                head: contents.head.clone(),
                first_signed,
                unsigned,
                uncounted: uncounted.clone(),
            }
            .write(self.store.root(), &seal);
        }
        Ok(uncounted)
    }

    /// Fold a journal read whole (`contents`, with each line's exact bytes,
    /// `lines`): lines that do not count are folded as stand-ins that change
    /// nothing (`Dispute::fold_counted`).
    pub(crate) fn load_from<L: AsRef<[u8]>>(
        &self,
        id: DisputeId,
        contents: journal::Contents,
        lines: &[L],
    ) -> Result<Loaded> {
        let path = self.store.journal_path(&id);
        let opened = crate::domain::event::opening(&contents.records)
            .map_err(|(line, what)| Error::damaged(&path, line, what))?;
        let policy = self
            .store
            .pinned_policy(&self.catalogue, &opened.policy_hash)
            .ok_or_else(|| policy_missing(&path, opened))?;
        let uncounted = self.uncounted(&id, &contents, lines)?;
        self.fold_judged(id, contents, policy, uncounted)
    }

    /// `load`, reading the journal a line at a time and judging every line
    /// afresh (no judgement kept from before is used or written): what the fold
    /// and a view need of each line is all that is held.
    fn load_streamed(&self, id: &DisputeId) -> Result<Loaded> {
        let (contents, bad) =
            crate::integrity::verify::read_judged(self.store.journals(), id, self.keys.signers()?)?;
        self.load_judged(id.clone(), contents, &bad)
    }

    /// `load_from` with the lines already judged (`verify` checks each signature
    /// once, against the signers file it read, and folds with the same verdicts):
    /// `bad` is every line that does not count, in line order.
    pub(crate) fn load_judged(
        &self,
        id: DisputeId,
        contents: journal::Contents,
        bad: &[crate::integrity::verify::BadLine],
    ) -> Result<Loaded> {
        let path = self.store.journal_path(&id);
        let opened = crate::domain::event::opening(&contents.records)
            .map_err(|(line, what)| Error::damaged(&path, line, what))?;
        let policy = self
            .store
            .pinned_policy(&self.catalogue, &opened.policy_hash)
            .ok_or_else(|| policy_missing(&path, opened))?;
        if let Some(first) = bad.first().filter(|b| b.line == 1) {
            return Err(first_line_uncounted(&path, first));
        }
        let uncounted = bad
            .iter()
            .map(|b| Uncounted {
                line: b.line,
                why: b.why,
            })
            .collect();
        self.fold_judged(id, contents, policy, uncounted)
    }

    fn fold_judged(
        &self,
        id: DisputeId,
        contents: journal::Contents,
        policy: Arc<LoadedPolicy>,
        uncounted: Vec<Uncounted>,
    ) -> Result<Loaded> {
        let path = self.store.journal_path(&id);
        let warnings = contents.warnings();
        let dispute =
            Dispute::fold_counted(id, contents.records, &policy.policy, uncounted.clone())
                .map_err(|found| not_allowed(&path, &policy.policy, &uncounted, found))?;
        Ok(Loaded {
            text: crate::privacy::Text::unopened(&dispute),
            dispute,
            policy,
            head: contents.head,
            warnings,
            key_not_allowed: None,
        })
    }

    pub fn load(&self, id: &DisputeId) -> Result<Loaded> {
        let (contents, lines) = self.store.journals().read(id)?;
        self.load_from(id.clone(), contents, &lines)
    }

    /// `load`, with a sealed dispute's text opened when the user holds its key
    /// (`show`, `export`). Opened text is held in memory only: nothing that
    /// holds it is written anywhere (not the cache, not a journal).
    pub fn load_readable(&self, id: &DisputeId) -> Result<Loaded> {
        let (mut contents, lines) = self.store.journals().read(id)?;
        let opened = self.open_text(id, &mut contents.records);
        let mut loaded = self.load_from(id.clone(), contents, &lines)?;
        if opened {
            loaded.text = crate::privacy::Text::Opened;
        }
        Ok(loaded)
    }

    /// Open a sealed journal's lines in place; whether they were.
    fn open_text(&self, id: &DisputeId, records: &mut [crate::domain::event::Record]) -> bool {
        if records
            .iter()
            .any(|r| matches!(r.event, Event::Erased { .. }))
        {
            // Erased: not opened, even while this clone still holds a key.
            return false;
        }
        let Some(seal_to) = crate::privacy::seal_to(records).map(str::to_owned) else {
            return false;
        };
        let Some(key) = self.dispute_key(id, &seal_to) else {
            return false;
        };
        crate::privacy::open_all(records, &key);
        true
    }

    /// Dispute `id`'s key, when the key store holds it wrapped for one of the
    /// user's keys and it is the key the dispute's first line names.
    pub fn dispute_key(&self, id: &DisputeId, seal_to: &str) -> Option<crate::privacy::DisputeKey> {
        let keys = crate::privacy::KeyStore::of(self.store.root());
        let bytes = keys.get_or_adopt(id.as_str(), seal_to).ok()??;
        let entry = crate::privacy::Entry::parse(id.as_str(), &bytes).ok()?;
        let key = entry.unwrap(self.readers())?;
        (key.recipient() == seal_to).then_some(key)
    }

    /// Take the partnership's wrapped keys (`fetched`, from the keys ref) into
    /// this clone's key store (`privacy::merge`): erased disputes' keys are
    /// destroyed, keys re-wrapped for who may read them now. The key store is
    /// written; the result says what the keys ref should hold.
    pub fn merge_keys(
        &self,
        fetched: &std::collections::BTreeMap<String, Vec<u8>>,
    ) -> Result<crate::privacy::merge::Merged> {
        let store = crate::privacy::KeyStore::of(self.store.root());
        let local = store.list()?;
        let members = crate::members::load(self.store.root())?.unwrap_or_default();
        let agencies =
            crate::store::agencies::Agencies::read(self.store.root()).unwrap_or_default();
        let own = self
            .keys
            .existing()
            .ok()
            .flatten()
            .map(|k| crate::privacy::Recipient::own(&k, &self.actor));
        let shared = !members.people.is_empty();
        let wanted = |id: &str| {
            let id = DisputeId::from_file_stem(id)?;
            let (contents, _) = self.store.journals().read(&id).ok()?;
            let o = crate::domain::event::opening(&contents.records).ok()?;
            let seal_to = o.seal_to.clone()?;
            let erased = contents.records.iter().any(|r| {
                matches!(r.event, Event::Erased { .. })
                    && crate::privacy::erase::erasure_counts(&members, r)
            });
            // In an unshared directory the user's own key reads everything; in
            // a shared one the member list says who may.
            let recipients = match shared {
                true => crate::privacy::recipients::for_dispute(
                    &members,
                    &agencies,
                    (&o.from, &o.with),
                    &self.now,
                    None,
                ),
                false => own.clone().into_iter().collect(),
            };
            Some(crate::privacy::merge::Wanted {
                seal_to,
                recipients,
                erased,
            })
        };
        // A key that may still read: a member's, valid now; in an unshared
        // directory, the user's own.
        let current = |fingerprint: &str| -> Option<crate::privacy::Recipient> {
            if !shared {
                return own.clone().filter(|o| o.fingerprint == fingerprint);
            }
            let p = members.valid_owner(fingerprint, &self.now)?;
            let k = p.keys.iter().find(|k| k.fingerprint == fingerprint)?;
            Some(crate::privacy::Recipient::member(p, k))
        };
        let merged =
            crate::privacy::merge::merge(&local, fetched, self.readers(), &wanted, &current)?;
        for (id, bytes) in &merged.entries {
            if local.get(id) != Some(bytes) {
                store.put(id, bytes)?;
            }
        }
        for id in &merged.dropped {
            store.remove(id)?;
        }
        Ok(merged)
    }

    /// The user's keys as readers of wrapped keys, read once.
    pub fn readers(&self) -> &crate::privacy::Readers {
        self.keys.readers()
    }

    /// Visit every dispute in ID order, each loaded or with the error that stopped
    /// it, so one damaged journal does not hide the others. One dispute is in memory
    /// at a time, so reports over years of data stay small.
    pub fn each(&self, visit: impl FnMut(DisputeId, Result<Loaded>)) -> Result<()> {
        self.each_mapped(|_, loaded| loaded, visit)
    }

    /// Like `each`, but `map` runs on the worker threads that read the journals, so
    /// per-dispute work (a summary, a figure) is parallel too and only its small
    /// result reaches `visit`, in ID order.
    pub fn each_mapped<T: Send>(
        &self,
        map: impl Fn(&DisputeId, Result<Loaded>) -> T + Sync,
        mut visit: impl FnMut(DisputeId, T),
    ) -> Result<()> {
        let ids = self.store.ids()?;
        in_parallel(
            &ids,
            |id| map(id, self.load(id)),
            |id, t| visit(id.clone(), t),
        );
        Ok(())
    }

    /// Like `each_mapped`, for commands that mostly need each dispute's current
    /// state, not its lines (`status`, `export`): a dispute whose journal is
    /// unchanged since the status cache saw it comes from the cache (`records` left
    /// empty); the rest are read and checked, and the cache is brought up to date.
    pub fn each_state<T: Send>(
        &self,
        map: impl Fn(&DisputeId, Result<Loaded>) -> T + Sync,
        visit: impl FnMut(DisputeId, T),
    ) -> Result<()> {
        self.each_view(
            true,
            |id, view| map(id, view.and_then(|v| v.loaded(self, id))),
            visit,
        )
    }

    /// Visit every dispute in ID order as a `View`: from the status cache where
    /// its journal is unchanged (and `use_cache`), else read from the journal.
    /// Either way the cache is brought up to date, so `use_cache: false` rebuilds
    /// it from the journals. Entries are checked and `map` runs on worker threads,
    /// a batch at a time.
    pub fn each_view<T: Send>(
        &self,
        use_cache: bool,
        map: impl Fn(&DisputeId, Result<View>) -> T + Sync,
        visit: impl FnMut(DisputeId, T),
    ) -> Result<()> {
        self.walk(use_cache, Work::View(&map), visit).map(|_| ())
    }

    /// Rebuild the status cache from the journals, in ID order; this is `verify`'s
    /// pass. `read` reads and checks a batch of journals (a result for each ID,
    /// in order), and hands back the disputes it loaded on the way, from which
    /// the entries are made: each journal is read once.
    /// Returns the IDs whose entry was current by its key (so commands were using
    /// it) but said something other than the journal does.
    pub fn rebuild_cache_with<T: Send>(
        &self,
        read: impl Fn(&[DisputeId]) -> Vec<(T, Option<Loaded>)> + Sync,
        visit: impl FnMut(DisputeId, T),
    ) -> Result<Vec<DisputeId>> {
        self.walk(false, Work::Read(&read), visit)
    }

    /// Every journal's ID with its cache key, sorted by ID. The keys (one `statx`
    /// each) are taken by rayon's pool, a chunk at a time, while the directory is
    /// still being listed: at a hundred thousand disputes the
    /// listing alone is a tenth of a second. A key is taken before its journal
    /// is read, so a journal changed after it has an entry that no longer matches
    /// and is read again next time (as when each key was taken just before).
    /// Each ID is kept as its `DisputeId::order_key`: sorted by it, no string is
    /// compared, and the list holds no string (at a hundred thousand, a list of
    /// IDs and keys is the largest thing `status` keeps from start to end).
    fn listed_with_keys(
        &self,
        dir: &dyn crate::store::repository::Keys,
    ) -> Result<Vec<(u64, Option<cache::Key>)>> {
        const CHUNK: usize = 1024;
        let keyed = std::sync::Mutex::new(Vec::new());
        let key_all = |chunk: Vec<DisputeId>| {
            let part: Vec<(u64, Option<cache::Key>)> = chunk
                .into_iter()
                .map(|id| (id.order_key(), dir.key(&id)))
                .collect();
            keyed.lock().unwrap_or_else(|p| p.into_inner()).extend(part);
        };
        let listing = rayon::in_place_scope(|scope| {
            let mut chunk = Vec::with_capacity(CHUNK);
            let listing = self.store.each_id(|id| {
                chunk.push(id);
                if chunk.len() == CHUNK {
                    let full = std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK));
                    scope.spawn(move |_| key_all(full));
                }
            });
            // Whatever was left over, here while the pool finishes the rest.
            key_all(chunk);
            listing
        });
        listing?;
        let mut all = keyed.into_inner().unwrap_or_else(|p| p.into_inner());
        all.sort_unstable_by_key(|(order, _)| *order);
        Ok(all)
    }

    fn walk<T: Send>(
        &self,
        use_cache: bool,
        work: Work<'_, T>,
        mut visit: impl FnMut(DisputeId, T),
    ) -> Result<Vec<DisputeId>> {
        enum Cached {
            /// The old entry was good: its bytes are copied as they were (from
            /// the batch, where they still are).
            Kept,
            /// Read from the journal: a new entry.
            Fresh(Box<cache::Entry>),
            /// The journal could not be read: no entry.
            Absent,
        }
        // Every verdict the cache keeps is judged against this signers file.
        self.keys.signers()?;
        // Without the key that authenticates the cache, no entry is believed and
        // none is written: every journal is read (a key chosen now only makes
        // every entry fail).
        let (seal, keep) = match self.keys.cache_key() {
            Some(key) => (cache::Seal::new(&key, self.keys.signers_hash()), true),
            None => (cache::Seal::new(&[0; 32], "no key"), false),
        };
        let use_cache = use_cache && keep;
        let listed = self.listed_with_keys(&*self.store.journals().keys())?;
        let path = cache::path_in(self.store.root());
        // Without the cache, its entries are still read, to be compared with what
        // the journals say; the new file is written from the start.
        let mut reader = cache::Reader::open(&path, &seal);
        let old = Arc::clone(reader.table());
        // New entries add to the old file's strings, unless none of its entries
        // is kept: then the strings no entry uses any more are left behind.
        let table = if use_cache {
            Arc::clone(&old)
        } else {
            Arc::default()
        };
        let mut writer: Option<cache::Writer> = None;
        if !use_cache && keep {
            writer = Some(cache::Writer::start(&path, 0, &table, &reader, &seal));
        }
        let mut disagreed = Vec::new();
        // The entry a journal read now gives (none if it could not be read).
        let fresh = |loaded: Option<&Loaded>, key: Option<cache::Key>| match (loaded, key) {
            (Some(l), Some(key)) => Cached::Fresh(Box::new(cache::Entry::new(
                l.dispute.id.to_string(),
                key,
                l.policy.hash.clone(),
                l.head.clone(),
                l.warnings.clone(),
                &l.dispute,
                self.snapshots(l),
                &table,
            ))),
            _ => Cached::Absent,
        };
        // Whether the old entry (kept aside by `verify`) said something else.
        let disagrees = |current: &Option<cache::Entry>, fresh: &Cached| match (current, fresh) {
            (Some(old), Cached::Fresh(new)) => !old.same_as(new),
            (Some(_), _) => true,
            _ => false,
        };
        /// A journal's ID, its key as listed, and its old cache entry (framed).
        type Item<'a> = (&'a DisputeId, Option<cache::Key>, Option<Vec<u8>>);
        let entry = |(id, key, framed): &Item<'_>| {
            framed
                .as_deref()
                .and_then(|f| cache::Entry::parse(f, &old, &seal))
                // An entry is for this journal as it is now, and about this dispute.
                .filter(|e| Some(e.key) == *key && e.id == id.as_str())
        };
        let one = |item: &Item<'_>, map: &(dyn Fn(&DisputeId, Result<View>) -> T + Sync)| {
            let (id, key, _) = *item;
            let hit = entry(item);
            let (hit, current) = if use_cache { (hit, None) } else { (None, hit) };
            // Snapshots made under another calendar (since an import or a
            // closure) are made again, once, from the journal.
            let current_calendar = |e: &cache::Entry, policy: &LoadedPolicy| {
                e.snapshot_calendar
                    .is_none_or(|c| c == self.calendar_for(policy).fingerprint())
            };
            if let Some(mut e) = hit {
                if let Some(policy) = self
                    .store
                    .pinned_policy(&self.catalogue, &e.policy_hash)
                    .filter(|p| current_calendar(&e, p))
                {
                    // The entry's brief is not looked at again: moved, not copied.
                    let b = &mut e.brief;
                    let brief = crate::domain::report::Brief {
                        from: std::mem::take(&mut b.from),
                        with: std::mem::take(&mut b.with),
                        category: b.category.take(),
                        fields: std::mem::take(&mut b.fields),
                        ..*b
                    };
                    let view = View {
                        brief,
                        facts: std::mem::take(&mut e.facts),
                        policy,
                        source: Source::Cached(Box::new(e)),
                    };
                    return (map(id, Ok(view)), Cached::Kept, false);
                }
            }
            // Without the cache (`status --no-cache`) every line is judged afresh,
            // as `verify` judges it, and a long journal is read a line at a time.
            let loaded = if use_cache {
                self.load(id)
            } else {
                self.load_streamed(id)
            };
            let fresh = fresh(loaded.as_ref().ok(), key);
            let wrong = disagrees(&current, &fresh);
            let view = loaded.map(|l| View {
                brief: crate::domain::report::Brief::of(&l.dispute),
                facts: match &fresh {
                    Cached::Fresh(e) => e.facts.clone(),
                    _ => l
                        .dispute
                        .records
                        .iter()
                        .map(|r| crate::domain::report::Fact::of(&l.dispute, r))
                        .collect(),
                },
                policy: Arc::clone(&l.policy),
                source: Source::Read(Box::new(l)),
            });
            (map(id, view), fresh, wrong)
        };
        for batch in listed.chunks(BATCH) {
            let start = reader.offset();
            let ids: Vec<DisputeId> = batch
                .iter()
                .map(|(order, _)| DisputeId::from_order_key(*order))
                .collect();
            let items: Vec<Item<'_>> = ids
                .iter()
                .zip(batch)
                .map(|(id, (_, key))| (id, *key, reader.take(id.as_str())))
                .collect();
            let mut results = Vec::with_capacity(items.len());
            match work {
                Work::View(map) => in_parallel(&items, |i| one(i, map), |_, r| results.push(r)),
                Work::Read(read) => {
                    use rayon::prelude::*;
                    let read = read(&ids);
                    read.into_par_iter()
                        .zip(&items)
                        .map(|((t, loaded), item)| {
                            let fresh = fresh(loaded.as_ref(), item.1);
                            let current = if use_cache { None } else { entry(item) };
                            let wrong = disagrees(&current, &fresh);
                            (t, fresh, wrong)
                        })
                        .collect_into_vec(&mut results);
                }
            }
            let changed =
                reader.skipped || results.iter().any(|(_, c, _)| !matches!(c, Cached::Kept));
            if changed && writer.is_none() && keep {
                writer = Some(cache::Writer::start(&path, start, &table, &reader, &seal));
            }
            for ((id, _, framed), (t, cached, wrong)) in items.iter().zip(results) {
                if wrong {
                    disagreed.push((*id).clone());
                }
                match (&mut writer, cached) {
                    (Some(w), Cached::Kept) => w.framed(framed.as_deref().unwrap_or_default()),
                    (Some(w), Cached::Fresh(e)) => w.entry(&e),
                    _ => {}
                }
                visit((*id).clone(), t);
            }
        }
        if reader.has_rest() && writer.is_none() && keep {
            writer = Some(cache::Writer::start(
                &path,
                reader.offset(),
                &table,
                &reader,
                &seal,
            ));
        }
        if let Some(w) = writer {
            w.finish();
        }
        Ok(disagreed)
    }

    /// Why the signers file does not allow this user's key for their name now:
    /// said after recording (`Loaded::key_not_allowed`), since a new colleague
    /// should hear at once, not at month end, that their lines count nowhere.
    fn own_key_refused(&self) -> Option<String> {
        let signers = self.keys.signers().ok().flatten()?;
        let key = self.keys.signer(&self.actor).ok()?;
        match signers.verdict(&self.actor, key.fingerprint(), &self.now) {
            crate::integrity::signing::Verdict::Allowed => None,
            crate::integrity::signing::Verdict::Refused(why) => Some(why),
        }
    }

    /// Give a new dispute its own key (`privacy`): its public half on the
    /// `opened` line, its private half wrapped for everyone who may read the
    /// dispute and kept in the key store before the journal exists (so no crash
    /// leaves a dispute whose key was never kept).
    fn seal_new(
        &self,
        opened: &mut Opened,
        author: journal::Author<'_>,
        agencies: &crate::store::agencies::Agencies,
    ) -> Result<Sealing> {
        let key = crate::privacy::DisputeKey::generate();
        let seal_to = key.recipient();
        let recipients = self.recipients_for(opened, author, agencies)?;
        let entry = crate::privacy::Entry::wrap("", &key, &recipients)?;
        let keys = crate::privacy::KeyStore::of(self.store.root());
        keys.put_pending(&seal_to, &entry.to_bytes())?;
        opened.seal_to = Some(seal_to.clone());
        Ok(Sealing { keys, seal_to, key })
    }

    /// Everyone a dispute's key is wrapped for when it is opened: in a shared
    /// directory the members of its two agencies and the partnership's admins,
    /// and always the person opening it.
    fn recipients_for(
        &self,
        opened: &Opened,
        author: journal::Author<'_>,
        agencies: &crate::store::agencies::Agencies,
    ) -> Result<Vec<crate::privacy::Recipient>> {
        let own = author
            .key
            .map(|k| crate::privacy::Recipient::own(k, author.by));
        let members = crate::members::load(self.store.root())?.unwrap_or_default();
        Ok(crate::privacy::recipients::for_dispute(
            &members,
            agencies,
            (&opened.from, &opened.with),
            &self.now,
            own,
        ))
    }

    pub(crate) fn author(&self) -> Result<journal::Author<'_>> {
        Ok(journal::Author {
            by: &self.actor,
            key: Some(self.keys.signer(&self.actor)?),
        })
    }

    pub fn open(&self, req: OpenRequest) -> Result<Loaded> {
        let OpenRequest { policy, opened, at } = req;
        let happened = self.happened(at)?;
        let when = happened.unwrap_or(self.now);
        let p = &policy.policy;
        let agencies =
            crate::store::agencies::Agencies::read(self.store.root()).unwrap_or_default();
        plan::open(&opened, p, &self.calendar_for(&policy), when, |name| {
            agencies.canonical(name).into_owned()
        })?;
        // A journal whose first line does not count is damaged for everyone:
        // better to refuse than to write one.
        if let Some(why) = self.own_key_refused() {
            return Err(Error::refused(format!(
                "the signers file does not allow your key ({why}), so a dispute opened with it would not count; nothing was written"
            ))
            .with_hint(Hint::SendKeyToSignersKeeper));
        }
        self.store.pin_policy(&policy)?;
        let author = self.author()?;
        let mut opened = opened;
        let sealing = self.seal_new(&mut opened, author, &agencies)?;
        let (id, record, head) = self
            .store
            .journals()
            .create(self.now, happened, author, opened)?;
        let key = sealing.file_under(&id)?;
        let path = self.store.journal_path(&id);
        let mut record = record;
        let text = match crate::privacy::open(&mut record, &key) {
            Ok(()) => crate::privacy::Text::Opened,
            Err(_) => crate::privacy::Text::Sealed,
        };
        let dispute = Dispute::fold(id, vec![record], p)
            .map_err(|(line, what)| Error::damaged(&path, line, what))?;
        Ok(Loaded {
            dispute,
            policy,
            head,
            warnings: Vec::new(),
            key_not_allowed: None,
            text,
        })
    }

    /// The time of a command that records something, read once its journal is
    /// locked: a command that waited for the lock must not date its event before
    /// the one it waited for.
    pub(crate) fn now_under_lock(&self) -> Instant {
        clock::now_from_env().unwrap_or(self.now)
    }

    /// Lock a dispute's journal, decide the action on the dispute as it is now (the
    /// rules in `domain::plan`), then append the event. Nothing is written unless
    /// the action is accepted. `previewed` is what the user was shown and
    /// confirmed, if anything: it is worked out again under the lock, and if it is
    /// no longer the same (someone else recorded something, or the day turned),
    /// nothing is written and the error shows what it would do now.
    pub fn act(
        &self,
        typed_id: &str,
        at: Option<Instant>,
        action: Action,
        previewed: Option<&Effects>,
    ) -> Result<Loaded> {
        self.act_all(typed_id, at, vec![action], previewed)
    }

    /// `act` for several actions that stand or fall together (`escalate
    /// --urgent`: the immediate-harm fact, then the escalation planned under it):
    /// each is decided on the dispute as the ones before it leave it, all under
    /// one lock, and nothing is written unless every one is accepted and the
    /// last one's effects are still `previewed`.
    pub fn act_all(
        &self,
        typed_id: &str,
        at: Option<Instant>,
        actions: Vec<Action>,
        previewed: Option<&Effects>,
    ) -> Result<Loaded> {
        let id = self.store.resolve(typed_id)?;
        let path = self.store.journal_path(&id);
        let mut writer = self.store.journals().lock(&id)?;
        crate::share::handgit::refuse_pulled_lines(self.store.root(), &id, &*writer)?;
        let now = self.now_under_lock();
        // The lines' exact bytes, for their signatures: read again under the
        // writer's lock, so they are the lines just read.
        let lines = writer.lines(writer.contents().records.len());
        let mut loaded = self.load_from(id, writer.contents().clone(), &lines)?;
        if let Some(e) = &loaded.dispute.erased {
            return Err(Error::refused(format!(
                "dispute {}'s text was erased (line {}, by {}): nothing more can be recorded on it; nothing was written",
                loaded.dispute.id, e.line, e.by
            )));
        }
        let calendar = self.calendar_for(&loaded.policy);
        let (events, effects) =
            plan_all(&loaded, &calendar, at, now, actions, previewed.is_some())?;
        if let (Some(shown), Some(effects)) = (previewed, effects) {
            if &effects != shown {
                return Err(Error::refused(format!(
                    "dispute {} changed since the plan was shown; nothing was written. The plan now:",
                    loaded.dispute.id,
                ))
                .with_detail(crate::error::Detail::PlanChanged(Box::new((
                    loaded.policy.policy.clone(),
                    effects,
                ))))
                .with_hint(Hint::ConfirmNewPlan));
            }
        }
        let before = writer.contents().records.len();
        for (event, happened) in events {
            writer.append(now, happened, self.author()?, event)?;
        }
        loaded.key_not_allowed = self.own_key_refused();
        appended(loaded, &*writer, before, &path)
    }

    /// What several actions taken together (`act_all`) would do, without writing
    /// anything: the dispute as it stands, and the effects of the last action after the ones before it.
    pub fn preview_all(
        &self,
        typed_id: &str,
        at: Option<Instant>,
        actions: Vec<Action>,
    ) -> Result<(Loaded, Effects)> {
        let loaded = self.load(&self.store.resolve(typed_id)?)?;
        let calendar = self.calendar_for(&loaded.policy);
        let (_, effects) = plan_all(&loaded, &calendar, at, self.now, actions, true)?;
        let effects = effects.ok_or_else(|| Error::internal("nothing to preview"))?;
        Ok((loaded, effects))
    }

    /// `load`, holding one line at a time: the dispute without its lines, and its
    /// journal still open and locked to read them again (`Stream::replay`). The
    /// same checks and the same error as `load`, all made before this returns.
    /// `visit` sees each line as it passes its own checks.
    pub fn load_streaming(
        &self,
        id: &DisputeId,
        visit: impl FnMut(&crate::domain::event::Record),
    ) -> Result<(Loaded, journal::stream::Stream)> {
        self.load_streaming_as(id, visit, false)
            .map(|(loaded, stream, _)| (loaded, stream))
    }

    /// `load_streaming` with a sealed dispute's text opened, line by line in
    /// memory, when the user holds its key (`show`). With the key, to open
    /// the lines again as the stream replays them: one key is unwrapped.
    pub fn load_streaming_readable(
        &self,
        id: &DisputeId,
        visit: impl FnMut(&crate::domain::event::Record),
    ) -> Result<(
        Loaded,
        journal::stream::Stream,
        Option<crate::privacy::DisputeKey>,
    )> {
        self.load_streaming_as(id, visit, true)
    }

    #[allow(clippy::type_complexity)]
    fn load_streaming_as(
        &self,
        id: &DisputeId,
        mut visit: impl FnMut(&crate::domain::event::Record),
        open: bool,
    ) -> Result<(
        Loaded,
        journal::stream::Stream,
        Option<crate::privacy::DisputeKey>,
    )> {
        match self.load_streaming_judged(id, &mut visit, true, open)? {
            Some(done) => Ok(done),
            // The judgement kept was for lines no longer there: read again, and
            // judge every line (the lines are the same: `visit` has seen them).
            None => self
                .load_streaming_judged(id, &mut |_| {}, false, open)?
                .ok_or_else(|| Error::internal("a journal was judged twice")),
        }
    }

    /// `load_streaming`, taking the judgement of a long journal's first lines from
    /// `cache::judged` when `reuse`; `None` if that judgement turned out to be for
    /// other lines (then nothing is returned, and the caller reads again). With
    /// `open`, each sealed line is opened (a copy, in memory) before it is
    /// folded and visited; its signature is checked on the line as stored.
    fn load_streaming_judged(
        &self,
        id: &DisputeId,
        visit: &mut dyn FnMut(&crate::domain::event::Record),
        reuse: bool,
        open: bool,
    ) -> Result<
        Option<(
            Loaded,
            journal::stream::Stream,
            Option<crate::privacy::DisputeKey>,
        )>,
    > {
        use crate::domain::dispute::{Folded, Folding};
        use cache::judged::{Judged, MIN_LINES};
        let path = self.store.journal_path(id);
        // Line 1 is always `opened` (the journal's own checks say so).
        let mut opened: Option<(Opened, Option<Arc<LoadedPolicy>>)> = None;
        let mut folding = Folding::new(id.clone());
        let signers = self.keys.signers()?;
        let seal = self.seal();
        let prior = seal
            .as_ref()
            .filter(|_| reuse)
            .and_then(|seal| Judged::read(self.store.root(), id.as_str(), seal))
            .filter(|j| j.lines >= 1);
        let (known, state, mut uncounted) = match &prior {
            Some(j) => (j.lines, (j.first_signed, j.unsigned), j.uncounted.clone()),
            None => (0, (None, 0), Vec::new()),
        };
        let mut check = crate::integrity::verify::LineCheck::resume(signers, state);
        let mut bad: Vec<crate::integrity::verify::BadLine> = Vec::new();
        // Whether the line after the judged ones chains to the line judged last.
        let mut prefix_holds: Option<bool> = None;
        let mut key: Option<crate::privacy::DisputeKey> = None;
        let stream = self.store.journals().stream(id, &mut |r, raw| {
            if let (None, Event::Opened(o)) = (&opened, &r.event) {
                let policy = self.store.pinned_policy(&self.catalogue, &o.policy_hash);
                if let (true, Some(seal_to)) = (open, &o.seal_to) {
                    key = self.dispute_key(id, seal_to);
                }
                opened = Some((o.clone(), policy));
            }
            let unsealed;
            let r = match &key {
                Some(k) if r.sealed.is_some() => {
                    let mut copy = r.clone();
                    let _ = crate::privacy::open(&mut copy, k);
                    unsealed = copy;
                    &unsealed
                }
                _ => r,
            };
            let counts = if r.seq <= known {
                uncounted.binary_search_by_key(&r.seq, |u| u.line).is_err()
            } else {
                if r.seq == known + 1 {
                    prefix_holds = prior.as_ref().map(|j| j.head == r.prev);
                }
                match check.check(r, raw) {
                    Some(b) => {
                        bad.push(b);
                        false
                    }
                    None => true,
                }
            };
            if let Some((_, Some(p))) = &opened {
                match counts {
                    true => folding.push(r, &p.policy),
                    false => folding.push(&crate::domain::dispute::stand_in(r.clone()), &p.policy),
                }
            }
            visit(r);
        })?;
        if let Some(j) = &prior {
            let holds = match (j.lines as usize).cmp(&stream.lines()) {
                std::cmp::Ordering::Less => prefix_holds == Some(true),
                std::cmp::Ordering::Equal => j.head == stream.head(),
                std::cmp::Ordering::Greater => false,
            };
            if !holds {
                return Ok(None);
            }
        }
        if let Some(first) = bad.first().filter(|b| b.line == 1) {
            return Err(first_line_uncounted(&path, first));
        }
        uncounted.extend(bad.iter().map(|b| Uncounted {
            line: b.line,
            why: b.why,
        }));
        if let Some(seal) =
            seal.filter(|_| stream.lines() >= MIN_LINES && (known as usize) < stream.lines())
        {
            let (first_signed, unsigned) = check.state();
            Judged {
                id: id.to_string(),
                lines: stream.lines() as u64,
                head: stream.head().to_owned(),
                first_signed,
                unsigned,
                uncounted: uncounted.clone(),
            }
            .write(self.store.root(), &seal);
        }
        let policy = match opened {
            None => return Err(Error::damaged(&path, 1, "the journal has no lines")),
            Some((opened, None)) => return Err(policy_missing(&path, &opened)),
            Some((_, Some(policy))) => policy,
        };
        let damaged = |found| not_allowed(&path, &policy.policy, &uncounted, found);
        // A line folded again is read again: opened again, as it was first.
        let counted = |mut r: crate::domain::event::Record| {
            if let Some(k) = &key {
                let _ = crate::privacy::open(&mut r, k);
            }
            match uncounted.binary_search_by_key(&r.seq, |u| u.line) {
                Ok(_) => crate::domain::dispute::stand_in(r),
                Err(_) => r,
            }
        };
        let folded = match folding.finish().map_err(damaged)? {
            Folded::Again(corrections) => {
                let mut again = Folding::again(id.clone(), corrections);
                for r in stream.replay()? {
                    again.push(&counted(r?), &policy.policy);
                }
                again.finish_again().map_err(damaged)?
            }
            folded => folded,
        };
        let mut dispute = match folded {
            Folded::Done(d) => d,
            // Lines sync merged late: the order events happened in needs every
            // line at once, which only such journals pay for.
            Folded::Again(_) | Folded::Unordered => {
                let mut all = Vec::new();
                for r in stream.replay()? {
                    all.push(counted(r?));
                }
                let mut d = Dispute::fold(id.clone(), all, &policy.policy).map_err(damaged)?;
                d.records = Vec::new();
                d
            }
        };
        dispute.uncounted = uncounted;
        let text = match (&key, crate::privacy::Text::unopened(&dispute)) {
            (Some(_), crate::privacy::Text::Sealed) => crate::privacy::Text::Opened,
            (_, text) => text,
        };
        let loaded = Loaded {
            dispute,
            policy,
            head: stream.head().to_owned(),
            warnings: stream.warnings(),
            key_not_allowed: None,
            text,
        };
        Ok(Some((loaded, stream, key)))
    }
}

/// A deadline of an open dispute that a change of calendar moves (a bank-holiday
/// import or a closure day fetched from the partnership): `sync` lists these
/// ("bank holidays changed by X: 4 deadlines move: ID from ... to ...").
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Moved {
    pub id: String,
    /// The stage the dispute is at.
    pub stage: u32,
    /// `None` for the stage's deadline; else the duty or step whose deadline moves.
    pub duty: Option<String>,
    pub from: crate::domain::deadline::Due,
    pub to: crate::domain::deadline::Due,
}

/// The deadlines of `d` (open, or still owing a duty) that fall otherwise under
/// `new` than under `old`: the stage's and each outstanding duty's. Pure.
pub(crate) fn deadline_moves(
    d: &Dispute,
    policy: &crate::policy::Policy,
    old: &Calendar,
    new: &Calendar,
) -> Vec<Moved> {
    let moved =
        |duty: Option<String>, from: Option<crate::domain::deadline::Due>, to| match (from, to) {
            (Some(from), Some(to)) if from != to => Some(Moved {
                id: d.id.to_string(),
                stage: d.stage,
                duty,
                from,
                to,
            }),
            _ => None,
        };
    let mut out = Vec::new();
    if d.is_open() {
        out.extend(moved(None, d.due(policy, old), d.due(policy, new)));
    }
    for o in d.outstanding() {
        out.extend(moved(
            Some(o.id.clone()),
            d.obligation_due(o, old),
            d.obligation_due(o, new),
        ));
    }
    out
}

impl Session {
    /// Every deadline of every pending dispute that moves from the calendars
    /// `old` to `new` (each policy counts in its own division's), in ID order.
    /// Reads disputes through the status cache; a dispute that cannot be read is
    /// left out here (every view names it).
    pub(crate) fn calendar_moves(
        &self,
        old: &crate::store::calendar::Calendars,
        new: &crate::store::calendar::Calendars,
    ) -> Result<Vec<Moved>> {
        let mut out = Vec::new();
        self.each_view(
            true,
            |id, view| -> Vec<Moved> {
                let Ok(view) = view else { return Vec::new() };
                if !view.brief.pending {
                    return Vec::new();
                }
                let Ok(l) = view.loaded(self, id) else {
                    return Vec::new();
                };
                let division = self.division_of(&l.policy.policy);
                deadline_moves(
                    &l.dispute,
                    &l.policy.policy,
                    &old.get(division),
                    &new.get(division),
                )
            },
            |_, moved| out.extend(moved),
        )?;
        Ok(out)
    }
}

/// A journal whose opening line does not count: there is no dispute to show.
fn first_line_uncounted(path: &std::path::Path, bad: &crate::integrity::verify::BadLine) -> Error {
    Error::damaged(
        path,
        1,
        format!(
            "line 1, which opened the dispute, does not count ({}): {}",
            bad.why.words(),
            bad.detail
        ),
    )
}

/// A journal whose pinned policy text cannot be found anywhere.
fn policy_missing(path: &std::path::Path, opened: &crate::domain::event::Opened) -> Error {
    Error::damaged(
        path,
        1,
        format!(
            "it was opened under policy {} with hash {}, and no copy of that policy text can be found",
            opened.policy, opened.policy_hash
        ),
    )
}

/// A fold's complaint about a line its policy does not allow, as damage.
fn not_allowed(
    path: &std::path::Path,
    policy: &crate::policy::Policy,
    uncounted: &[Uncounted],
    (line, what): (usize, String),
) -> Error {
    Error::damaged(
        path,
        line,
        format!(
            "{what}, which policy {} does not allow{}",
            policy.id,
            uncounted_before(uncounted, line)
        ),
    )
}

/// Words added to a fold's complaint about line `line` when lines before it did
/// not count: the journal may be consistent with them, and the reader should know.
fn uncounted_before(uncounted: &[Uncounted], line: usize) -> String {
    let before: Vec<String> = uncounted
        .iter()
        .filter(|u| (u.line as usize) < line)
        .map(|u| format!("line {} ({})", u.line, u.why.words()))
        .collect();
    match before.len() {
        0 => String::new(),
        _ => format!(
            "; it may follow from {} before it, which does not count",
            before.join(", ")
        ),
    }
}

/// An event decided and not yet written, with when it happened (`--at`).
type Planned = (Event, Option<Instant>);

/// Decide `actions` in turn on `loaded`'s dispute, each on the dispute as the
/// ones before it would leave it (folded into a copy, as `plan::effects` does),
/// without writing: the events with when each happened, and (if `with_effects`)
/// the last one's effects, what a confirmation shows. A single action is decided
/// on the dispute itself, uncopied.
fn plan_all(
    loaded: &Loaded,
    calendar: &Calendar,
    at: Option<Instant>,
    now: Instant,
    actions: Vec<Action>,
    with_effects: bool,
) -> Result<(Vec<Planned>, Option<Effects>)> {
    let mut dispute = std::borrow::Cow::Borrowed(&loaded.dispute);
    let policy = &loaded.policy.policy;
    let mut events = Vec::new();
    let mut effects = None;
    let count = actions.len();
    for (i, action) in actions.into_iter().enumerate() {
        let ordered = action.is_ordered();
        let happened = if ordered {
            Session::happened_by(at, &now)?
        } else {
            None
        };
        let when = happened.unwrap_or(now);
        if ordered {
            dispute.check_when(&when, happened.is_some())?;
        }
        let situation = plan::Situation {
            dispute: &dispute,
            policy,
            calendar,
            when,
            now,
        };
        let event = plan::decide(action, &situation)?;
        if i + 1 < count {
            let seq = dispute.events as u64 + 1;
            let record = crate::domain::event::Record::new(seq, (now, happened), "", event.clone());
            dispute
                .to_mut()
                .extend(std::slice::from_ref(&record), policy)
                .map_err(|(_, what)| Error::refused(what))?;
        } else if with_effects {
            effects = Some(plan::effects(&event, &situation)?);
        }
        events.push((event, happened));
    }
    Ok((events, effects))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::Division;
    use crate::domain::testing::{line, opened};
    use chrono::NaiveDate;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, d).unwrap()
    }

    #[test]
    fn a_calendar_change_lists_each_deadline_it_moves() {
        let catalogue = crate::policy::Catalogue::builtin();
        let gscb = &catalogue.get("gscb").unwrap().policy;
        let lines = vec![line(1, "2026-11-30 09:00", Event::Opened(opened(1)))];
        let d = Dispute::fold(
            DisputeId::from_file_stem("0000000001").unwrap(),
            lines,
            gscb,
        )
        .unwrap();
        let old = Calendar::new(Division::EnglandAndWales);
        assert!(deadline_moves(&d, gscb, &old, &old).is_empty());
        // The first week of December closed: the stage's deadline moves later.
        let new = old
            .clone()
            .with_closures((1..=4).map(|n| (day(n), "closed".to_owned())));
        let moved = deadline_moves(&d, gscb, &old, &new);
        let stage = moved
            .iter()
            .find(|m| m.duty.is_none())
            .expect("the stage's");
        assert_eq!((stage.id.as_str(), stage.stage), ("0000000001", 1));
        assert!(stage.from.date < stage.to.date, "{moved:?}");
        assert_eq!(Some(&stage.from), d.due(gscb, &old).as_ref());
        assert_eq!(Some(&stage.to), d.due(gscb, &new).as_ref());
        // A day closed after every deadline moves none.
        let later = old.clone().with_closures([(
            NaiveDate::from_ymd_opt(2027, 6, 1).unwrap(),
            "closed".to_owned(),
        )]);
        assert!(deadline_moves(&d, gscb, &old, &later).is_empty());
    }

    /// A session whose journals are kept in memory (`store::memory`), with its
    /// other files (keys, cache) in `dir`.
    fn in_memory(dir: &std::path::Path) -> (Session, Arc<crate::store::memory::Memory>) {
        let memory = Arc::new(crate::store::memory::Memory::default());
        let journals: Arc<dyn crate::store::repository::Repository> = memory.clone();
        let session = Session {
            store: Store::with_journals(dir.join("data"), journals),
            catalogue: Catalogue::builtin(),
            now: clock::parse_instant("2026-11-30T09:00:00Z").unwrap(),
            actor: "Tester".into(),
            calendars: crate::store::calendar::Calendars::load(&dir.join("data")).unwrap(),
            keys: crate::integrity::signing::Keyring::new(Some(dir.join("keys")), dir.join("data")),
            division_setting: None,
        };
        (session, memory)
    }

    #[test]
    fn a_session_opens_records_and_walks_over_the_memory_store() {
        let dir = tempfile::tempdir().unwrap();
        let (s, memory) = in_memory(dir.path());
        let policy = Arc::clone(s.catalogue.get("gscb").unwrap());
        let open = |child: &str| {
            let opened = Opened {
                policy: policy.policy.id.clone(),
                policy_hash: policy.hash.clone(),
                child: child.into(),
                ..crate::domain::testing::opened(1)
            };
            s.open(OpenRequest {
                policy: Arc::clone(&policy),
                opened,
                at: None,
            })
            .unwrap()
            .dispute
            .id
        };
        let (a, b) = (open("C1"), open("C2"));
        let discuss = Action::Discuss {
            note: "spoke".into(),
            with: None,
        };
        let after = s.act(a.as_str(), None, discuss, None).unwrap();
        assert_eq!(after.dispute.events, 2);
        assert_eq!(s.load(&a).unwrap().head, after.head);
        // `show`'s reading, a line at a time.
        let mut kinds = Vec::new();
        let (streamed, stream) = s
            .load_streaming(&a, |r| kinds.push(r.event.kind()))
            .unwrap();
        assert_eq!(kinds, ["opened", "discussed"]);
        assert_eq!((streamed.head, stream.lines()), (after.head.clone(), 2));
        // No journal reached the disk: the store's files are only its keys and cache.
        assert!(!crate::store::layout::disputes(s.store.root()).exists());
        // The walk `status` makes, twice: the second from the cache.
        for _ in 0..2 {
            let mut seen = Vec::new();
            s.each_state(
                |id, l| (id.clone(), l.map(|l| l.dispute.events)),
                |_, r| seen.push(r),
            )
            .unwrap();
            let mut want = vec![(a.clone(), 2), (b.clone(), 1)];
            want.sort_by_key(|(id, _)| id.order_key());
            let got: Vec<(DisputeId, usize)> =
                seen.into_iter().map(|(id, n)| (id, n.unwrap())).collect();
            assert_eq!(got, want);
        }
        // A damaged journal stops only itself. (The child is sealed: the
        // agency names on line 1 are in clear.)
        let bytes = memory_bytes(&memory, &b).replacen("School", "Schoal", 1);
        memory.put(&b, bytes.as_bytes());
        let mut results = Vec::new();
        s.each_state(
            |_, l| l.map(|l| l.dispute.events),
            |id, r| results.push((id, r)),
        )
        .unwrap();
        for (id, r) in results {
            match r {
                Ok(n) => assert_eq!((id, n), (a.clone(), 2)),
                Err(e) => assert_eq!((id, e.damage().and_then(|d| d.line)), (b.clone(), Some(1))),
            }
        }
    }

    fn memory_bytes(memory: &crate::store::memory::Memory, id: &DisputeId) -> String {
        use crate::store::repository::Repository;
        String::from_utf8(memory.bytes(id).unwrap()).unwrap()
    }
}
