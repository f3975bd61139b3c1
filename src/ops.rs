//! The operations behind each command, on a data directory: open a dispute, record
//! what happened, and load disputes for viewing. Each takes a validated request and
//! returns the new state; the journal is locked, checked against the policy, and
//! appended to only when everything has been accepted, so a refused command leaves
//! every byte as it was.

use chrono::NaiveDate;

use crate::cache;
use crate::calendar::{Calendar, Division};
use crate::clock::{self, Instant};
use crate::deadline::Due;
use crate::dispute::{self, Dispute};
use crate::error::{Error, Result};
use crate::id::DisputeId;
use crate::journal::{self, Event, Opened};
use crate::policy::{Catalogue, LoadedPolicy};
use crate::store::Store;
use std::sync::Arc;

/// How many disputes are in memory at once when visiting them all.
const BATCH: usize = 512;

/// Run `work` over `ids` on every core, a batch at a time, and hand each result to
/// `visit` in the order of `ids`. The batch bounds memory; a panic in a worker is
/// passed on, not swallowed.
pub fn in_parallel<I: Sync, T: Send>(
    ids: &[I],
    work: impl Fn(&I) -> T + Sync,
    mut visit: impl FnMut(&I, T),
) {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8);
    let run = |part: &[I]| -> Vec<T> { part.iter().map(&work).collect() };
    for batch in ids.chunks(BATCH) {
        let results: Vec<T> = if threads == 1 || batch.len() < 2 * threads {
            run(batch)
        } else {
            let per = batch.len().div_ceil(threads);
            std::thread::scope(|scope| {
                let workers: Vec<_> = batch
                    .chunks(per)
                    .map(|part| scope.spawn(|| run(part)))
                    .collect();
                workers
                    .into_iter()
                    .flat_map(|w| {
                        w.join()
                            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
                    })
                    .collect()
            })
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
    pub calendars: crate::calendar_store::Calendars,
    /// The user's signing key, loaded (or created) by the first line recorded.
    pub keys: crate::signing::Keyring,
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
}

impl Loaded {
    pub fn summary(&self, calendar: &Calendar, now: &Instant) -> crate::summary::Summary {
        crate::summary::Summary::of(
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
    pub brief: crate::report::Brief,
    pub facts: Vec<crate::report::Fact>,
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
                    dispute,
                    policy: self.policy,
                    head: e.head,
                    warnings: e.warnings,
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
    /// Let the caller read its journal, and make the entry from what it loaded.
    Read(&'a (dyn Fn(&DisputeId) -> (T, Option<Loaded>) + Sync)),
}

impl<T> Clone for Work<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Work<'_, T> {}

pub struct OpenRequest {
    pub policy: Arc<LoadedPolicy>,
    pub opened: Opened,
    pub at: Option<Instant>,
}

impl Session {
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
            .with_hint("--at records when something already happened; leave it out to use the current time.")),
            other => Ok(other),
        }
    }

    pub fn load_from(&self, id: DisputeId, contents: journal::Contents) -> Result<Loaded> {
        let path = self.store.journal_path(&id);
        let Some(Event::Opened(opened)) = contents.records.first().map(|r| &r.event) else {
            return Err(Error::damaged(path, 1, "the first line is not `opened`"));
        };
        let policy = self.store.pinned_policy(&self.catalogue, &opened.policy_hash).ok_or_else(|| {
            Error::damaged(
                &path,
                1,
                format!(
                    "it was opened under policy {} with hash {}, and no copy of that policy text can be found",
                    opened.policy, opened.policy_hash
                ),
            )
        })?;
        let warnings = contents.warnings();
        let dispute =
            Dispute::fold(id, contents.records, &policy.policy).map_err(|(line, what)| {
                Error::damaged(
                    &path,
                    line,
                    format!("{what}, which policy {} does not allow", policy.policy.id),
                )
            })?;
        Ok(Loaded {
            dispute,
            policy,
            head: contents.head,
            warnings,
        })
    }

    pub fn load(&self, id: &DisputeId) -> Result<Loaded> {
        let contents = self.store.read_journal(id)?;
        self.load_from(id.clone(), contents)
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
    /// pass. `read` reads and checks one journal, and hands back the dispute it
    /// loaded on the way, from which the entry is made: each journal is read once.
    /// Returns the IDs whose entry was current by its key (so commands were using
    /// it) but said something other than the journal does.
    pub fn rebuild_cache_with<T: Send>(
        &self,
        read: impl Fn(&DisputeId) -> (T, Option<Loaded>) + Sync,
        visit: impl FnMut(DisputeId, T),
    ) -> Result<Vec<DisputeId>> {
        self.walk(false, Work::Read(&read), visit)
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
        let ids = self.store.ids()?;
        let dir = cache::Dir::open(&self.store.disputes_dir());
        let path = cache::path_in(self.store.root());
        // Without the cache, its entries are still read, to be compared with what
        // the journals say; the new file is written from the start.
        let mut reader = cache::Reader::open(&path);
        let old = Arc::clone(reader.table());
        // New entries add to the old file's strings, unless none of its entries
        // is kept: then the strings no entry uses any more are left behind.
        let table = if use_cache {
            Arc::clone(&old)
        } else {
            Arc::default()
        };
        let mut writer: Option<cache::Writer> = None;
        if !use_cache {
            writer = Some(cache::Writer::start(&path, 0, &table, &reader));
        }
        let mut disagreed = Vec::new();
        let one = |(id, framed): &(&DisputeId, Option<Vec<u8>>)| {
            let key = dir.key(&format!("{id}.jsonl"));
            let hit = framed
                .as_deref()
                .and_then(|f| cache::Entry::parse(f, &old))
                // An entry is for this journal as it is now, and about this dispute.
                .filter(|e| Some(e.key) == key && e.id == id.as_str());
            let (hit, current) = if use_cache { (hit, None) } else { (None, hit) };
            let map = match work {
                Work::View(map) => map,
                Work::Read(read) => {
                    let (t, loaded) = read(id);
                    let fresh = match (loaded, key) {
                        (Some(l), Some(key)) => Cached::Fresh(Box::new(cache::Entry::new(
                            id.to_string(),
                            key,
                            l.policy.hash.clone(),
                            l.head,
                            l.warnings,
                            &l.dispute,
                            &table,
                        ))),
                        _ => Cached::Absent,
                    };
                    let wrong = match (&current, &fresh) {
                        (Some(old), Cached::Fresh(new)) => !old.same_as(new),
                        (Some(_), _) => true,
                        _ => false,
                    };
                    return (t, fresh, wrong);
                }
            };
            if let Some(mut e) = hit {
                if let Some(policy) = self.store.pinned_policy(&self.catalogue, &e.policy_hash) {
                    let view = View {
                        brief: e.brief.clone(),
                        facts: std::mem::take(&mut e.facts),
                        policy,
                        source: Source::Cached(Box::new(e)),
                    };
                    return (map(id, Ok(view)), Cached::Kept, false);
                }
            }
            let loaded = self.load(id);
            let fresh = match (&loaded, key) {
                (Ok(l), Some(key)) => Cached::Fresh(Box::new(cache::Entry::new(
                    id.to_string(),
                    key,
                    l.policy.hash.clone(),
                    l.head.clone(),
                    l.warnings.clone(),
                    &l.dispute,
                    &table,
                ))),
                _ => Cached::Absent,
            };
            let wrong = match (&current, &fresh) {
                (Some(old), Cached::Fresh(new)) => !old.same_as(new),
                (Some(_), _) => true,
                _ => false,
            };
            let view = loaded.map(|l| View {
                brief: crate::report::Brief::of(&l.dispute),
                facts: match &fresh {
                    Cached::Fresh(e) => e.facts.clone(),
                    _ => l
                        .dispute
                        .records
                        .iter()
                        .map(|r| crate::report::Fact::of(&l.dispute, r))
                        .collect(),
                },
                policy: Arc::clone(&l.policy),
                source: Source::Read(Box::new(l)),
            });
            (map(id, view), fresh, wrong)
        };
        for batch in ids.chunks(BATCH) {
            let start = reader.offset();
            let items: Vec<(&DisputeId, Option<Vec<u8>>)> = batch
                .iter()
                .map(|id| (id, reader.take(id.as_str())))
                .collect();
            let mut results = Vec::with_capacity(items.len());
            in_parallel(&items, one, |_, r| results.push(r));
            let changed =
                reader.skipped || results.iter().any(|(_, c, _)| !matches!(c, Cached::Kept));
            if changed && writer.is_none() {
                writer = Some(cache::Writer::start(&path, start, &table, &reader));
            }
            for ((id, framed), (t, cached, wrong)) in items.iter().zip(results) {
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
        if reader.has_rest() && writer.is_none() {
            writer = Some(cache::Writer::start(
                &path,
                reader.offset(),
                &table,
                &reader,
            ));
        }
        if let Some(w) = writer {
            w.finish();
        }
        Ok(disagreed)
    }

    /// Who records: the actor, signing with their key (created on first use).
    pub fn author(&self) -> Result<journal::Author<'_>> {
        Ok(journal::Author {
            by: &self.actor,
            key: Some(self.keys.signer(&self.actor)?),
        })
    }

    /// A user's `--due` must be no later than the policy's deadline.
    pub fn check_user_due(
        &self,
        due: Option<NaiveDate>,
        policy_due: Option<&Due>,
        start: Instant,
        stage: u32,
    ) -> Result<()> {
        let Some(date) = due else { return Ok(()) };
        if date < clock::london_date(&start) {
            return Err(Error::refused(format!(
                "--due {} is before the stage starts ({})",
                clock::human_date(date),
                clock::human_date(clock::london_date(&start))
            ))
            .with_hint(format!(
                "--due is the last day for this stage: give {} or later (a typing mistake in the year or month?), or leave it out to use the policy's date.",
                clock::human_date(clock::london_date(&start))
            )));
        }
        if let Some(p) = policy_due.filter(|p| date > p.date) {
            return Err(Error::refused(format!(
                "--due {} is later than the policy allows: stage {stage} is due by {}",
                clock::human_date(date),
                clock::human_date(p.date)
            ))
            .with_hint("A shorter timescale that protects the child is allowed; a longer one is not. Leave out --due to use the policy's date."));
        }
        Ok(())
    }

    pub fn open(&self, req: OpenRequest) -> Result<Loaded> {
        let OpenRequest { policy, opened, at } = req;
        let happened = self.happened(at)?;
        let when = happened.unwrap_or(self.now);
        let p = &policy.policy;
        if let Some(arose) = opened.arose {
            if arose > when {
                return Err(Error::refused("--arose is after the dispute was opened")
                    .with_hint("--arose is when the disagreement first arose, on or before the time it is opened."));
            }
        }
        // Every policy is about another agency's decision; within one agency its own
        // procedure applies (gscb 1.10). The agency list says which names are one.
        let agencies = crate::agency::Agencies::read(self.store.root()).unwrap_or_default();
        if agencies
            .canonical(opened.from.trim())
            .eq_ignore_ascii_case(agencies.canonical(opened.with.trim()).trim())
        {
            return Err(Error::refused(format!(
                "the agency raising the disagreement and the one challenged are the same ({})",
                opened.with
            ))
            .with_hint(
                "--with is the other agency, whose decision you disagree with; a disagreement inside one agency follows that agency's own procedure.",
            ));
        }
        let facts = opened.facts();
        if let Some(c) = &opened.category {
            match p.category(c) {
                None => {
                    let list: Vec<String> = p
                        .categories
                        .iter()
                        .filter(|c| !c.excluded)
                        .map(|c| format!("{} ({})", c.id, c.name))
                        .collect();
                    return Err(
                        Error::refused(format!("policy {} has no category {c:?}", p.id)).with_hint(
                            if list.is_empty() {
                                format!(
                                    "Policy {} lists no categories; leave out --category.",
                                    p.id
                                )
                            } else {
                                format!("Use one of: {}.", list.join("; "))
                            },
                        ),
                    );
                }
                Some(cat) if cat.excluded => {
                    return Err(Error::refused(format!(
                        "policy {} does not cover disagreements about {}: {:?}",
                        p.id,
                        cat.name.to_lowercase(),
                        cat.source
                    ))
                    .with_hint("Follow the procedure that covers it (ask your designated safeguarding lead); this tool records disputes the policy covers."));
                }
                Some(_) => {}
            }
        }
        if opened.stage != p.first_stage() {
            let by_role = opened.opened_as.as_deref().is_some_and(|r| {
                p.bypasses.iter().any(|b| {
                    b.may_open && b.to_stage == opened.stage && b.role.eq_ignore_ascii_case(r)
                })
            });
            let allowed = by_role
                || opened.immediate_harm && p.urgent.as_ref().is_some_and(|u| u.start_at_any_stage);
            if p.stage(opened.stage).is_none() {
                return Err(Error::refused(format!(
                    "policy {} has no stage {}",
                    p.id, opened.stage
                )));
            }
            if !allowed {
                return Err(Error::refused(format!(
                    "policy {} starts every dispute at stage {}",
                    p.id,
                    p.first_stage()
                ))
                .with_hint(if p.urgent.as_ref().is_some_and(|u| u.start_at_any_stage) {
                    "Only a child thought to be at risk of immediate harm (--immediate-harm) may start at a later stage."
                } else {
                    "Leave out --stage."
                }));
            }
            if opened.start_reason.is_none() {
                return Err(
                    Error::refused("starting past stage 1 needs a recorded reason").with_hint(
                        "Add --reason \"...\" saying why this stage is the right place to start.",
                    ),
                );
            }
        }
        let calendar = self.calendar_for(&policy);
        let arose = opened.arose.unwrap_or(when);
        let pdue = dispute::policy_due(p, opened.stage, &facts, when, when, arose, &calendar);
        if opened.due_reason.is_some() {
            check_agreed(p, opened.stage, opened.due, when)?;
        } else {
            self.check_user_due(opened.due, pdue.as_ref(), when, opened.stage)?;
        }
        if let Some(kind) = opened.subject_kind.as_deref() {
            check_subject(p, kind)?;
        }
        self.store.pin_policy(&policy)?;
        let author = self.author()?;
        let (id, path) = self.store.prepare_new()?;
        let (record, head) = journal::create(&path, self.now, happened, author, opened)?;
        let dispute = Dispute::fold(id, vec![record], p)
            .map_err(|(line, what)| Error::damaged(&path, line, what))?;
        Ok(Loaded {
            dispute,
            policy,
            head,
            warnings: Vec::new(),
        })
    }

    /// The time of a command that records something, read once its journal is
    /// locked: a command that waited for the lock must not date its event before
    /// the one it waited for.
    fn now_under_lock(&self) -> Instant {
        clock::now_from_env().unwrap_or(self.now)
    }

    /// Lock a dispute's journal, let `decide` turn its state into the next event (or
    /// refuse), then append it. Nothing is written unless `decide` accepts.
    pub fn record(
        &self,
        typed_id: &str,
        at: Option<Instant>,
        decide: impl FnOnce(&Loaded, &Calendar, Instant) -> Result<Event>,
    ) -> Result<Loaded> {
        self.record_line(typed_id, at, true, decide)
    }

    /// Record a note about the record (a correction): it is not an event of the
    /// dispute, so it has no place in their order and is never refused for it.
    pub fn record_note(
        &self,
        typed_id: &str,
        decide: impl FnOnce(&Loaded, &Calendar, Instant) -> Result<Event>,
    ) -> Result<Loaded> {
        self.record_line(typed_id, None, false, decide)
    }

    fn record_line(
        &self,
        typed_id: &str,
        at: Option<Instant>,
        ordered: bool,
        decide: impl FnOnce(&Loaded, &Calendar, Instant) -> Result<Event>,
    ) -> Result<Loaded> {
        let id = self.store.resolve(typed_id)?;
        let path = self.store.journal_path(&id);
        let mut writer = journal::Writer::open(&path)?;
        let now = self.now_under_lock();
        let happened = Self::happened_by(at, &now)?;
        let when = happened.unwrap_or(now);
        let mut loaded = self.load_from(id, writer.contents.clone())?;
        if ordered {
            loaded.dispute.check_when(&when, happened.is_some())?;
        }
        let calendar = self.calendar_for(&loaded.policy);
        let event = decide(&loaded, &calendar, when)?;
        let before = writer.contents.records.len();
        writer.append(now, happened, self.author()?, event)?;
        let added = &writer.contents.records[before..];
        loaded.warnings = journal::repairs(added);
        loaded
            .dispute
            .extend(added, &loaded.policy.policy)
            .map_err(|(line, what)| Error::damaged(&path, line, what))?;
        loaded.head = writer.contents.head.clone();
        Ok(loaded)
    }

    /// Escalate. `previewed` is the plan the user was shown and confirmed, if any:
    /// it is worked out again under the journal's lock, and if it is no longer the
    /// same (someone else recorded something, or the day turned), nothing is
    /// written and the error shows the new plan.
    #[allow(clippy::too_many_arguments)]
    pub fn escalate(
        &self,
        typed_id: &str,
        at: Option<Instant>,
        reason: String,
        due: Option<NaiveDate>,
        to: Option<u32>,
        role: Option<String>,
        previewed: Option<&dispute::EscalationPlan>,
    ) -> Result<Loaded> {
        self.record(typed_id, at, |l, calendar, when| {
            let d = &l.dispute;
            let p = &l.policy.policy;
            if let Some(shown) = previewed {
                let now =
                    d.escalation_plan(p, (to, role.as_deref()), due, when, calendar)?;
                if &now != shown {
                    return Err(Error::refused(format!(
                        "dispute {} changed since the plan was shown; nothing was written. The plan now:\n{}",
                        d.id,
                        describe_plan(p, &now)
                    ))
                    .with_hint("Run the command again to confirm the new plan."));
                }
            }
            let target = d.plan_escalation(p, to, role.as_deref())?;
            let pdue = dispute::policy_due_learned(
                p,
                target,
                (&d.facts, &d.learned),
                when,
                d.clock_start(),
                d.arose(),
                calendar,
            );
            self.check_user_due(due, pdue.as_ref(), when, target)?;
            let bypass_role = role.filter(|_| {
                !p.next_choices(d.stage).iter().any(|s| s.number == target)
                    || !d.action_recorded
            });
            Ok(Event::Escalated {
                from_stage: d.stage,
                to_stage: target,
                reason,
                due,
                bypass_role,
            })
        })
    }
}

/// An escalation plan in words, as the confirmation shows it.
pub fn describe_plan(policy: &crate::policy::Policy, plan: &dispute::EscalationPlan) -> String {
    let stage = policy.stage(plan.to).map_or(plan.to.to_string(), |st| {
        format!("{} ({}): {}", policy.label(plan.to), st.name, st.who)
    });
    let mut out = format!("Next: stage {stage}\n");
    out.push_str(&format!(
        "Due:  {}\n",
        plan.due
            .as_ref()
            .map_or("no fixed timescale".to_owned(), |d| {
                match &d.time {
                    Some(t) => format!("{} {t}", clock::human_date(d.date)),
                    None => clock::human_date(d.date),
                }
            })
    ));
    for (who, action) in &plan.duties {
        out.push_str(&format!("Then: {who} — {action}\n"));
    }
    out
}

/// A later date agreed by the parties: only where the policy's stage allows it,
/// and never before the moment it is agreed.
pub fn check_agreed(
    policy: &crate::policy::Policy,
    stage: u32,
    due: Option<NaiveDate>,
    when: Instant,
) -> Result<()> {
    let label = policy.label(stage);
    if policy.stage(stage).is_none_or(|s| s.agree.is_none()) {
        return Err(Error::refused(format!(
            "policy {} does not let the parties agree a later date for stage {label}",
            policy.id
        ))
        .with_hint("The policy's deadline stands. An earlier date can always be set: --due without --due-reason (on open or escalate)."));
    }
    if let Some(date) = due.filter(|d| *d < clock::london_date(&when)) {
        return Err(Error::refused(format!(
            "the agreed date {} has already passed",
            clock::human_date(date)
        ))
        .with_hint("Give the date the parties agreed, today or later."));
    }
    Ok(())
}

/// A dispute about an adult only under a policy that covers adults.
fn check_subject(policy: &crate::policy::Policy, kind: &str) -> Result<()> {
    use crate::policy::SubjectScope;
    let ok = match policy.subject_scope() {
        SubjectScope::Children => kind == "child",
        SubjectScope::Adults => kind == "adult",
        SubjectScope::ChildrenAndAdults => true,
    };
    if ok {
        return Ok(());
    }
    Err(Error::refused(format!(
        "policy {} does not cover disputes about an {kind}",
        policy.id
    ))
    .with_hint(match policy.subject_scope() {
        SubjectScope::Adults => "This policy is about adults: use --subject-kind adult.",
        _ => "This policy is about children: leave out --subject-kind.",
    }))
}
