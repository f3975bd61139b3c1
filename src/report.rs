//! Figures for a period: how many disputes were opened, escalated, entered each
//! stage and were resolved, and how many were open and overdue when it ended. An
//! event belongs to the period in which it happened (`happened` if given, else when
//! recorded), reckoned in Europe/London. Definitions are in the README; the field
//! names are an interface that month-end scripts rely on.

use std::borrow::Cow;
use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::calendar::Calendar;
use crate::clock::{self, Instant};
use crate::dispute::Dispute;
use crate::journal::{Event, Record};
use crate::policy::Policy;

/// An inclusive range of London dates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Period {
    /// The calendar month `YYYY-MM`.
    pub fn month(text: &str) -> Option<Period> {
        let from = NaiveDate::parse_from_str(&format!("{}-01", text.trim()), "%Y-%m-%d").ok()?;
        let next = from.checked_add_months(chrono::Months::new(1))?;
        Some(Period {
            from,
            to: next.pred_opt()?,
        })
    }

    pub fn start(&self) -> Instant {
        clock::start_of_day(self.from)
    }

    pub fn end(&self) -> Instant {
        clock::end_of_day(self.to)
    }

    pub fn contains(&self, t: &Instant) -> bool {
        let d = clock::london_date(t);
        d >= self.from && d <= self.to
    }
}

/// The figures, for all disputes or one policy.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Figures {
    pub opened: u64,
    pub escalations: u64,
    /// Keyed by stage number: how many disputes entered that stage in the period
    /// (opening at a stage counts as entering it).
    pub entered_stage: BTreeMap<String, u64>,
    pub resolved: u64,
    pub resolved_at_stage: BTreeMap<String, u64>,
    pub reopened: u64,
    pub open_at_end: u64,
    pub overdue_at_end: u64,
    /// Median working days from opening to resolution, over disputes resolved in
    /// the period; null when none were.
    pub median_working_days_to_resolve: Option<f64>,
    /// What the policies call the stages counted above, where that is not the
    /// number ("4" → "4-mediation"); two policies naming one position differently
    /// are shown together ("4a/4").
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub stage_labels: BTreeMap<String, String>,
    #[serde(skip)]
    days_to_resolve: Vec<i64>,
}

impl Figures {
    fn finish(&mut self) {
        let v = &mut self.days_to_resolve;
        v.sort_unstable();
        self.median_working_days_to_resolve = match v.len() {
            0 => None,
            n if n % 2 == 1 => Some(v[n / 2] as f64),
            n => Some((v[n / 2 - 1] + v[n / 2]) as f64 / 2.0),
        };
    }

    fn add(&mut self, other: &Figures) {
        self.opened += other.opened;
        self.escalations += other.escalations;
        for (k, v) in &other.entered_stage {
            *self.entered_stage.entry(k.clone()).or_default() += v;
        }
        self.resolved += other.resolved;
        for (k, v) in &other.resolved_at_stage {
            *self.resolved_at_stage.entry(k.clone()).or_default() += v;
        }
        self.reopened += other.reopened;
        self.open_at_end += other.open_at_end;
        self.overdue_at_end += other.overdue_at_end;
        self.days_to_resolve
            .extend_from_slice(&other.days_to_resolve);
        for (k, v) in &other.stage_labels {
            let label = self
                .stage_labels
                .entry(k.clone())
                .or_insert_with(|| v.clone());
            if !label.split('/').any(|l| l == v) {
                label.push('/');
                label.push_str(v);
            }
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ByAgency {
    /// Disputes opened in the period, per agency raising them.
    pub raising: BTreeMap<String, u64>,
    /// Disputes opened in the period, per agency challenged.
    pub challenged: BTreeMap<String, u64>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    pub from: NaiveDate,
    pub to: NaiveDate,
    #[serde(with = "crate::clock::rfc3339")]
    pub generated_at: Instant,
    #[serde(flatten)]
    pub total: Figures,
    pub by_policy: BTreeMap<String, Figures>,
    pub by_agency: ByAgency,
    /// Journals that could not be read, by dispute ID (their figures are missing).
    pub skipped: Vec<String>,
}

/// An instant as numbers (seconds, nanoseconds, offset), so the cache keeps it
/// without formatting or parsing a date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    pub secs: i64,
    pub nanos: u32,
    pub offset: i32,
}

impl Stamp {
    pub fn of(t: &Instant) -> Stamp {
        Stamp {
            secs: t.timestamp(),
            nanos: t.timestamp_subsec_nanos(),
            offset: t.offset().local_minus_utc(),
        }
    }

    pub fn instant(&self) -> Option<Instant> {
        let offset = chrono::FixedOffset::east_opt(self.offset)?;
        chrono::DateTime::from_timestamp(self.secs, self.nanos).map(|t| t.with_timezone(&offset))
    }

    /// Ordered as the instants are.
    fn order(&self) -> (i64, u32) {
        (self.secs, self.nanos)
    }
}

/// What kind of event a fact is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Kind {
    Opened,
    Discussed,
    Escalated,
    Notified,
    Resolved,
    Amended,
    Reopened,
    Recovered,
    Other,
}

/// The few facts about one journal line that any report needs, kept in the
/// status cache so a report over any period reads no journal that is unchanged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fact {
    pub kind: Kind,
    /// The stage opened at, escalated to, discussed or resolved at; 0 for others.
    pub stage: u32,
    /// When it happened (`happened`, else when recorded).
    pub when: Stamp,
    /// A notification that met one of the policy's obligations.
    pub met_obligation: bool,
}

impl Fact {
    /// The fact of line `r` of dispute `d` (which knows each line's time, as
    /// corrected if it was).
    pub fn of(d: &Dispute, r: &Record) -> Fact {
        let (kind, stage, met) = match &r.event {
            Event::Opened(o) => (Kind::Opened, o.stage, false),
            Event::Discussed { stage, .. } => (Kind::Discussed, *stage, false),
            Event::Escalated { to_stage, .. } => (Kind::Escalated, *to_stage, false),
            Event::Notified { obligation, .. } => (Kind::Notified, 0, obligation.is_some()),
            Event::Resolved { stage, .. } => (Kind::Resolved, *stage, false),
            Event::Amended { .. } => (Kind::Amended, 0, false),
            Event::Reopened { .. } => (Kind::Reopened, 0, false),
            Event::Recovered { .. } => (Kind::Recovered, 0, false),
            // A kind added later counts in no figure until a report asks for it.
            #[allow(unreachable_patterns)]
            _ => (Kind::Other, 0, false),
        };
        Fact {
            kind,
            stage,
            when: Stamp::of(&when_of(d, r)),
            met_obligation: met,
        }
    }
}

/// When line `r` of `d` happened, in every figure a report gives.
fn when_of(d: &Dispute, r: &Record) -> Instant {
    d.when_of(r)
}

/// What a report needs of a dispute besides its facts, also kept in the cache: a
/// dispute that cannot matter to a period is passed over without decoding more.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Brief {
    pub open: bool,
    /// Open, or owing a duty the policy gives it: all a view that lists what is
    /// still to do, or a report of what was overdue, has to look at.
    pub pending: bool,
    pub opened_at: Stamp,
    /// The latest time any event happened.
    pub latest: Stamp,
    /// The agency raising the disagreement, and the one challenged.
    pub from: String,
    pub with: String,
    pub category: Option<String>,
}

impl Brief {
    pub fn of(d: &Dispute) -> Brief {
        Brief {
            open: d.is_open(),
            pending: d.is_open() || d.outstanding().next().is_some(),
            opened_at: Stamp::of(&d.opened_at),
            latest: Stamp::of(&d.latest),
            from: d.opened.from.clone(),
            with: d.opened.with.clone(),
            category: d.opened.category.clone(),
        }
    }
}

/// Which disputes count.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub policy: Option<String>,
    /// Matches the agency raising or the agency challenged, ignoring case.
    pub agency: Option<String>,
}

impl Filter {
    pub fn admits(&self, b: &Brief, policy: &Policy) -> bool {
        self.policy.as_ref().is_none_or(|p| p == &policy.id)
            && self
                .agency
                .as_ref()
                .is_none_or(|a| b.from.eq_ignore_ascii_case(a) || b.with.eq_ignore_ascii_case(a))
    }
}

/// What measuring a dispute needs of its state when the period ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AtEnd {
    /// Not opened yet, or neither open nor owing anything with nothing after
    /// the end: it was not open, nor overdue.
    NotOpen,
    /// Everything had happened by the end: its current state, still pending.
    Current,
    /// Something happened after the end: its lines, to replay up to the end.
    Replay,
}

/// Measures one dispute's part of a report for a period and filter.
#[derive(Clone, Debug)]
pub struct Measurer {
    period: Period,
    filter: Filter,
    /// The period as ordered numbers: [start, next day's start).
    bounds: ((i64, u32), (i64, u32)),
}

impl Measurer {
    fn new(period: Period, filter: Filter) -> Measurer {
        let after = period
            .to
            .succ_opt()
            .map_or(period.end(), clock::start_of_day);
        Measurer {
            period,
            filter,
            bounds: (
                Stamp::of(&period.start()).order(),
                Stamp::of(&after).order(),
            ),
        }
    }

    fn covers(&self, when: &Stamp) -> bool {
        let t = when.order();
        t >= self.bounds.0 && t < self.bounds.1
    }

    /// Whether `measure` needs a state, and which. Cost follows from this: most
    /// disputes need none, only a dispute active across the end needs its lines.
    pub fn at_end(&self, b: &Brief, policy: &Policy) -> AtEnd {
        let end = (self.bounds.1 .0, self.bounds.1 .1);
        if !self.filter.admits(b, policy) || b.opened_at.order() >= end {
            AtEnd::NotOpen
        } else if b.latest.order() < end {
            if b.pending {
                AtEnd::Current
            } else {
                AtEnd::NotOpen
            }
        } else {
            AtEnd::Replay
        }
    }

    /// One dispute's part of the figures, from its facts and, when `at_end` asks
    /// for one, the dispute as it stood when the period ended (`None`: not opened
    /// yet then).
    pub fn measure(
        &self,
        b: &Brief,
        facts: &[Fact],
        at_end: Option<&Dispute>,
        policy: &Policy,
        calendar: &Calendar,
    ) -> Option<Contribution> {
        if !self.filter.admits(b, policy) {
            return None;
        }
        let mut c = Contribution {
            policy: policy.id.clone(),
            figures: Figures::default(),
            raising: None,
            challenged: None,
        };
        let f = &mut c.figures;
        for s in &policy.stages {
            if let Some(label) = s.label.as_ref().filter(|l| **l != s.number.to_string()) {
                f.stage_labels.insert(s.number.to_string(), label.clone());
            }
        }
        for fact in facts.iter().filter(|x| self.covers(&x.when)) {
            match fact.kind {
                Kind::Opened => {
                    f.opened += 1;
                    *f.entered_stage.entry(fact.stage.to_string()).or_default() += 1;
                    c.raising = Some(b.from.clone());
                    c.challenged = Some(b.with.clone());
                }
                Kind::Escalated => {
                    f.escalations += 1;
                    *f.entered_stage.entry(fact.stage.to_string()).or_default() += 1;
                }
                Kind::Resolved => {
                    f.resolved += 1;
                    *f.resolved_at_stage
                        .entry(fact.stage.to_string())
                        .or_default() += 1;
                    let (Some(opened), Some(when)) = (b.opened_at.instant(), fact.when.instant())
                    else {
                        continue;
                    };
                    f.days_to_resolve.push(
                        calendar
                            .working_days_between(
                                clock::london_date(&opened),
                                clock::london_date(&when),
                            )
                            .max(0),
                    );
                }
                Kind::Reopened => f.reopened += 1,
                _ => {}
            }
        }
        if let Some(state) = at_end {
            if state.is_open() {
                f.open_at_end += 1;
            }
            if overdue_at(state, policy, calendar, &self.period.end()) {
                f.overdue_at_end += 1;
            }
        }
        Some(c)
    }
}

/// Whether a dispute, as it stood at `end`, was overdue then. The one place a
/// report decides it; `at_end` asks for a state only where `Brief::pending`.
pub fn overdue_at(state: &Dispute, policy: &Policy, calendar: &Calendar, end: &Instant) -> bool {
    // The one notion of overdue (see `summary`): the stage deadline or any
    // obligation still outstanding then, on a resolved dispute too.
    state.is_pending() && state.is_overdue(policy, calendar, end)
}

/// One dispute's part of a report.
pub struct Contribution {
    policy: String,
    figures: Figures,
    raising: Option<String>,
    challenged: Option<String>,
}

/// Builds a report one dispute at a time.
pub struct Builder {
    period: Period,
    filter: Filter,
    report: Report,
}

impl Builder {
    pub fn new(period: Period, filter: Filter, generated_at: Instant) -> Builder {
        Builder {
            period,
            filter,
            report: Report {
                from: period.from,
                to: period.to,
                generated_at,
                total: Figures::default(),
                by_policy: BTreeMap::new(),
                by_agency: ByAgency::default(),
                skipped: Vec::new(),
            },
        }
    }

    pub fn skip(&mut self, id: &str) {
        self.report.skipped.push(id.to_owned());
    }

    /// What measures one dispute: the period and filter, without the totals, so
    /// disputes can be measured on several threads while the totals grow here.
    pub fn measurer(&self) -> Measurer {
        Measurer::new(self.period, self.filter.clone())
    }

    /// Add one dispute's part to the totals. Policies with no events in the period
    /// still appear (with zeros) if they match the filter, so a script sees the
    /// same keys every month.
    pub fn absorb(&mut self, c: Contribution) {
        self.report
            .by_policy
            .entry(c.policy)
            .or_default()
            .add(&c.figures);
        if let Some(a) = c.raising {
            *self.report.by_agency.raising.entry(a).or_default() += 1;
        }
        if let Some(a) = c.challenged {
            *self.report.by_agency.challenged.entry(a).or_default() += 1;
        }
    }

    pub fn finish(mut self) -> Report {
        let mut total = Figures::default();
        for f in self.report.by_policy.values_mut() {
            total.add(f);
            f.finish();
        }
        total.finish();
        self.report.total = total;
        self.report
    }
}

/// The dispute as it stood at `t`: its events up to then (they are recorded in the
/// order they happened). `None` if it had not been opened yet. `d` must carry its
/// lines if anything happened after `t`.
pub fn state_at<'a>(d: &'a Dispute, policy: &Policy, t: &Instant) -> Option<Cow<'a, Dispute>> {
    if &d.opened_at > t {
        return None;
    }
    if &d.latest <= t {
        // Everything had happened by then: the current state is the answer, and it
        // needs no lines (so it works on a state from the status cache).
        return Some(Cow::Borrowed(d));
    }
    // Events are in the order they happened (by corrected times); a correction of
    // a time is kept whenever it was recorded, so past periods use corrected times.
    let n = d
        .records
        .iter()
        .take_while(|r| !r.event.is_happening() || d.when_of(r) <= *t)
        .count();
    let mut prefix: Vec<Record> = d.records[..n].to_vec();
    prefix.extend(
        d.records[n..]
            .iter()
            .filter(|r| matches!(r.event, Event::Amended { event_happened: Some(_), event, .. } if (event as usize) <= n))
            .cloned(),
    );
    match prefix.len() {
        0 => None,
        len if len == d.records.len() => Some(Cow::Borrowed(d)),
        _ => Dispute::fold(d.id.clone(), prefix, policy)
            .ok()
            .map(Cow::Owned),
    }
}
