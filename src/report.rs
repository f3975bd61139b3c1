//! Figures for a period: how many disputes were opened, escalated, entered each
//! stage and were resolved, and how many were open and overdue when it ended. An
//! event belongs to the period in which it happened (`happened` if given, else when
//! recorded), reckoned in Europe/London. Definitions are in the README; the field
//! names are an interface that month-end scripts rely on.

use std::borrow::Cow;
use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;

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

/// Which disputes count.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub policy: Option<String>,
    /// Matches the agency raising or the agency challenged, ignoring case.
    pub agency: Option<String>,
}

impl Filter {
    pub fn admits(&self, d: &Dispute, policy: &Policy) -> bool {
        self.policy.as_ref().is_none_or(|p| p == &policy.id)
            && self.agency.as_ref().is_none_or(|a| {
                d.opened.from.eq_ignore_ascii_case(a) || d.opened.with.eq_ignore_ascii_case(a)
            })
    }
}

/// Measures one dispute's part of a report for a period and filter.
#[derive(Clone, Debug)]
pub struct Measurer {
    period: Period,
    filter: Filter,
}

impl Measurer {
    /// Whether measuring `d` needs its journal's lines: only if something happened
    /// on or after the period's first day. Otherwise its current state (which the
    /// status cache keeps) says everything, and most disputes in years of records
    /// need no reading at all.
    pub fn needs_lines(&self, d: &Dispute) -> bool {
        d.latest >= self.period.start()
    }

    /// One dispute's part of the figures. `d` must carry its lines when
    /// `needs_lines` says so.
    pub fn measure(
        &self,
        d: &Dispute,
        policy: &Policy,
        calendar: &Calendar,
    ) -> Option<Contribution> {
        if !self.filter.admits(d, policy) {
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
        let p = self.period;
        for r in d.records.iter().filter(|r| p.contains(&d.when_of(r))) {
            match &r.event {
                Event::Opened(o) => {
                    f.opened += 1;
                    *f.entered_stage.entry(o.stage.to_string()).or_default() += 1;
                    c.raising = Some(o.from.clone());
                    c.challenged = Some(o.with.clone());
                }
                Event::Escalated { to_stage, .. } => {
                    f.escalations += 1;
                    *f.entered_stage.entry(to_stage.to_string()).or_default() += 1;
                }
                Event::Resolved { stage, .. } => {
                    f.resolved += 1;
                    *f.resolved_at_stage.entry(stage.to_string()).or_default() += 1;
                    f.days_to_resolve.push(
                        calendar
                            .working_days_between(
                                clock::london_date(&d.opened_at),
                                clock::london_date(&d.when_of(r)),
                            )
                            .max(0),
                    );
                }
                Event::Reopened { .. } => f.reopened += 1,
                _ => {}
            }
        }
        let end = p.end();
        if let Some(state) = state_at(d, policy, &end) {
            if state.is_open() {
                f.open_at_end += 1;
            }
            // The one notion of overdue (see `summary`): the stage deadline or any
            // obligation still outstanding then, on a resolved dispute too.
            if state.is_pending() && state.is_overdue(policy, calendar, &end) {
                f.overdue_at_end += 1;
            }
        }
        Some(c)
    }
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
        Measurer {
            period: self.period,
            filter: self.filter.clone(),
        }
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
/// order they happened). `None` if it had not been opened yet.
fn state_at<'a>(d: &'a Dispute, policy: &Policy, t: &Instant) -> Option<Cow<'a, Dispute>> {
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
