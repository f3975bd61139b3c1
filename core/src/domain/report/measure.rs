//! Measuring one dispute for every period of a report or a series in one go: what
//! it needs decoded or read first (`Plan`), and its part of each period's figures
//! (`Contribution`). What is the same in every period (whether the filter admits
//! it, its state's deadlines, how each stage it left stood against its deadline)
//! is worked out once per dispute, not once per period, so a series of twelve
//! months costs little more than one report.

use std::sync::Arc;

use crate::calendar::Calendar;
use crate::domain::clock::{self, Instant};
use crate::domain::dispute::Dispute;
use crate::policy::{LoadedPolicy, Policy};

use super::{
    overdue_after, overdue_by, state_at, AtEnd, Brief, EndState, Fact, Filter, Kind, Left, Period,
    Snapshots, Stamp, TimelinessPart, Timely,
};

/// One period measured, with the instants it is compared with worked out once
/// rather than for every dispute.
#[derive(Clone, Debug)]
pub(super) struct Window {
    pub(super) period: Period,
    /// The period as ordered numbers: [start, next day's start).
    bounds: ((i64, u32), (i64, u32)),
    /// `Period::end`: the instant a dispute's state is taken at.
    end: Instant,
}

impl Window {
    pub(super) fn new(period: Period) -> Window {
        let after = period
            .to
            .succ_opt()
            .map_or(period.end(), clock::start_of_day);
        Window {
            period,
            bounds: (
                Stamp::of(&period.start()).order(),
                Stamp::of(&after).order(),
            ),
            end: period.end(),
        }
    }

    /// A line that happened by the period's end but was recorded after it.
    fn recorded_after_end(&self, f: &Fact) -> bool {
        f.when.order() < self.bounds.1 && f.recorded.order() >= self.bounds.1
    }

    fn covers(&self, when: &Stamp) -> bool {
        let t = when.order();
        t >= self.bounds.0 && t < self.bounds.1
    }

    /// Which state of an admitted dispute this period needs. Cost follows from
    /// this: most disputes need none, only one active across the end its lines.
    fn at_end(&self, b: &Brief) -> AtEnd {
        let end = self.bounds.1;
        if b.opened_at.order() >= end {
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
}

/// What one period needs of a dispute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Each {
    end: AtEnd,
    /// Something of the dispute happened in the period.
    facts: bool,
    /// Its timeliness needs the dispute's state: it left a stage or met an
    /// obligation in the period.
    timely: bool,
}

/// Measures disputes for the periods of a report (one) or a series (the whole
/// range, then each period), under one filter.
#[derive(Clone, Debug)]
pub struct Measurer {
    filter: Filter,
    pub(super) windows: Vec<Window>,
}

/// What more than its brief and facts a dispute must be decoded or read for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    /// Nothing: its brief and facts say all.
    Nothing,
    /// Its current state (from the cache, without its lines).
    State,
    /// Its lines, to replay it up to a period's end that its snapshots (if any)
    /// cannot answer for.
    Lines,
}

/// What measuring one dispute takes, worked out from its brief and facts before
/// anything more of it is decoded.
#[derive(Clone, Debug)]
pub struct Plan {
    admitted: bool,
    /// Per period.
    each: Vec<Each>,
}

impl Plan {
    /// Whether a period needs the dispute's state at its end: its snapshots
    /// may answer for it (they are cheaper to decode than the state, and save
    /// reading the journal where something happened after the end).
    pub fn wants_snapshots(&self) -> bool {
        self.each
            .iter()
            .any(|e| matches!(e.end, AtEnd::Replay | AtEnd::Current))
    }

    fn timely(&self) -> bool {
        self.each.iter().any(|e| e.timely)
    }
}

impl Measurer {
    pub(super) fn new(periods: impl IntoIterator<Item = Period>, filter: Filter) -> Measurer {
        Measurer {
            filter,
            windows: periods.into_iter().map(Window::new).collect(),
        }
    }

    /// What measuring the dispute of `b` and `facts` takes.
    pub fn plan(&self, b: &Brief, facts: &[Fact], policy: &Policy) -> Plan {
        let admitted = self.filter.admits(b, policy);
        Plan {
            admitted,
            each: if admitted {
                self.each(b, facts)
            } else {
                Vec::new()
            },
        }
    }

    /// What each period needs of an admitted dispute: one pass over its facts
    /// for all periods.
    fn each(&self, b: &Brief, facts: &[Fact]) -> Vec<Each> {
        let mut each: Vec<Each> = self
            .windows
            .iter()
            .map(|w| Each {
                end: w.at_end(b),
                facts: false,
                timely: false,
            })
            .collect();
        for f in facts {
            let leaves = matches!(f.kind, Kind::Escalated | Kind::Resolved) || f.met_obligation;
            for (w, e) in self.windows.iter().zip(each.iter_mut()) {
                if w.covers(&f.when) {
                    e.facts = true;
                    e.timely |= leaves;
                }
            }
        }
        each
    }

    /// What to decode or read of the dispute for `plan`, given its snapshots
    /// (if `Plan::wants_snapshots` and the cache keeps them).
    pub fn need(&self, plan: &Plan, snapshots: Option<&Snapshots>, calendar: &Calendar) -> Need {
        let unknown = |at: AtEnd| {
            self.windows.iter().zip(&plan.each).any(|(w, e)| {
                e.end == at && snapshots.and_then(|s| s.at(calendar, &w.end)).is_none()
            })
        };
        if unknown(AtEnd::Replay) {
            Need::Lines
        } else if plan.timely() || unknown(AtEnd::Current) {
            Need::State
        } else {
            Need::Nothing
        }
    }

    /// One dispute's part of every period, or `None` if the filter leaves it
    /// out. `dispute` is what `need` asked for (its state, with its lines if
    /// `Need::Lines`); `brief`'s agency names are counted as they are given.
    #[allow(clippy::too_many_arguments)]
    pub fn measure(
        &self,
        plan: &Plan,
        brief: Brief,
        facts: &[Fact],
        dispute: Option<&Dispute>,
        snapshots: Option<&Snapshots>,
        policy: &Arc<LoadedPolicy>,
        calendar: &Calendar,
    ) -> Option<Contribution> {
        if !plan.admitted {
            return None;
        }
        let p = &policy.policy;
        let timeliness = match dispute {
            Some(d) if plan.timely() => {
                // Only the facts of periods that ask for timeliness are judged.
                let wanted = |f: &Fact| {
                    self.windows
                        .iter()
                        .zip(&plan.each)
                        .any(|(w, e)| e.timely && w.covers(&f.when))
                };
                Some(judged(d, facts, p, calendar, wanted))
            }
            _ => None,
        };
        // The deadlines of the dispute as it stands, the same at every end.
        let mut current: Option<Option<Instant>> = None;
        let mut parts = Vec::new();
        for (i, (w, &each)) in self.windows.iter().zip(&plan.each).enumerate() {
            let timely = each.timely;
            let state = match each.end {
                AtEnd::NotOpen => None,
                // The last snapshot is the state as it stands, made the same way.
                AtEnd::Current => match dispute {
                    Some(d) => {
                        let by = *current.get_or_insert_with(|| overdue_after(d, p, calendar));
                        Some(EndState {
                            open: d.is_open(),
                            overdue: overdue_by(by, &w.end),
                        })
                    }
                    None => snapshots.and_then(|s| s.at(calendar, &w.end)).flatten(),
                },
                AtEnd::Replay => match snapshots.and_then(|s| s.at(calendar, &w.end)) {
                    Some(known) => known,
                    None => dispute
                        .and_then(|d| state_at(d, p, &w.end))
                        .map(|s| EndState::of(&s, p, calendar, &w.end)),
                },
            };
            // Most periods of a series have nothing of a dispute: no fact, and it
            // was not open nor overdue at the end (nor changed since it ended).
            if !timely
                && !each.facts
                && !state.is_some_and(|s| s.open || s.overdue)
                && !facts.iter().any(|f| w.recorded_after_end(f))
            {
                continue;
            }
            let mut part = Part {
                counts: counts(w, &brief, facts, state, calendar),
                timeliness: TimelinessPart::default(),
                recorded_after_end: facts.iter().filter(|f| w.recorded_after_end(f)).count() as u64,
            };
            if let (true, Some(all)) = (timely, &timeliness) {
                part.timeliness = all.of(w, facts);
            }
            if !part.is_empty() {
                parts.push((i, part));
            }
        }
        let Brief {
            from,
            with,
            category,
            fields,
            ..
        } = brief;
        let fields = p
            .fields
            .iter()
            .map(|f| {
                let value = fields.get(&f.id).cloned();
                (
                    f.id.clone(),
                    value.unwrap_or_else(|| super::NO_CATEGORY.to_owned()),
                )
            })
            .collect();
        Some(Contribution {
            policy: Arc::clone(policy),
            names: [
                from,
                with,
                category.unwrap_or_else(|| super::NO_CATEGORY.to_owned()),
            ],
            fields,
            directory: None,
            parts,
        })
    }
}

/// One dispute's counts in one period, from its facts and, where the period
/// needs one, its state when the period ended (`None`: not opened yet then).
fn counts(
    w: &Window,
    b: &Brief,
    facts: &[Fact],
    at_end: Option<EndState>,
    calendar: &Calendar,
) -> Counts {
    let mut c = Counts::default();
    for fact in facts.iter().filter(|x| w.covers(&x.when)) {
        match fact.kind {
            Kind::Opened => {
                c.opened += 1;
                c.entered.push(fact.stage);
                // The highest stage it reached by the period's end, once.
                c.highest = facts
                    .iter()
                    .filter(|f| matches!(f.kind, Kind::Opened | Kind::Escalated))
                    .filter(|f| f.when.order() < w.bounds.1)
                    .map(|f| f.stage)
                    .max();
            }
            Kind::Escalated => {
                c.escalations += 1;
                c.entered.push(fact.stage);
            }
            Kind::Resolved => {
                c.resolved += 1;
                c.resolved_at.push(fact.stage);
                let (Some(opened), Some(when)) = (b.opened_at.instant(), fact.when.instant())
                else {
                    continue;
                };
                c.days_to_resolve.push(
                    calendar
                        .working_days_between(
                            clock::london_date(&opened),
                            clock::london_date(&when),
                        )
                        .max(0),
                );
            }
            Kind::Reopened => c.reopened += 1,
            _ => {}
        }
    }
    if let Some(state) = at_end {
        c.open_at_end = state.open;
        c.open_overdue_at_end = state.open && state.overdue;
        c.overdue_at_end = state.overdue;
    }
    c
}

/// One dispute's counts in one period: what `Figures` adds up.
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct Counts {
    pub(super) opened: u64,
    /// Opened in the period: the highest stage reached by its end.
    pub(super) highest: Option<u32>,
    pub(super) escalations: u64,
    /// The stage of each opening and escalation.
    pub(super) entered: Vec<u32>,
    pub(super) resolved: u64,
    /// The stage of each resolution.
    pub(super) resolved_at: Vec<u32>,
    pub(super) reopened: u64,
    pub(super) open_at_end: bool,
    pub(super) open_overdue_at_end: bool,
    pub(super) overdue_at_end: bool,
    pub(super) days_to_resolve: Vec<i64>,
}

impl Counts {
    /// Counts nothing: the dispute adds only its policy's stage labels.
    pub(super) fn is_zero(&self) -> bool {
        *self == Counts::default()
    }
}

/// One dispute's part of one period.
#[derive(Clone, Debug, Default)]
pub(super) struct Part {
    pub(super) counts: Counts,
    pub(super) timeliness: TimelinessPart,
    /// Its lines that happened by the period's end but were recorded after it.
    pub(super) recorded_after_end: u64,
}

impl Part {
    fn is_empty(&self) -> bool {
        self.counts.is_zero()
            && self.recorded_after_end == 0
            && self.timeliness.left.is_empty()
            && self.timeliness.obligations.is_empty()
    }
}

/// One dispute's part of every period it has anything in; in every other
/// period it counts only under its policy, with nothing to add.
pub struct Contribution {
    pub(super) policy: Arc<LoadedPolicy>,
    /// Agency raising, agency challenged, category: where the breakdown puts it.
    pub(super) names: [String; 3],
    /// The value of each field its policy defines, by field ID (`(none)` when
    /// not given), in the policy's order.
    pub(super) fields: Vec<(String, String)>,
    /// The data directory it came from, when a report reads several.
    pub(super) directory: Option<String>,
    /// By the period's place in the measurer, in order.
    pub(super) parts: Vec<(usize, Part)>,
}

impl Contribution {
    /// Say which data directory the dispute came from.
    pub fn set_directory(&mut self, label: &str) {
        self.directory = Some(label.to_owned());
    }
}

/// Each stage a dispute left and each obligation it met (in the facts a caller
/// wants), judged against their deadlines under the current calendar, with the
/// place of the fact it happened on.
struct Judged {
    left: Vec<(usize, Left)>,
    obligations: Vec<(usize, Timely)>,
}

impl Judged {
    /// The part of these in `w`.
    fn of(&self, w: &Window, facts: &[Fact]) -> TimelinessPart {
        let within = |i: &usize| w.covers(&facts[*i].when);
        TimelinessPart {
            left: self
                .left
                .iter()
                .filter(|(i, _)| within(i))
                .map(|(_, l)| l.clone())
                .collect(),
            obligations: self
                .obligations
                .iter()
                .filter(|(i, _)| within(i))
                .map(|(_, t)| *t)
                .collect(),
        }
    }
}

/// The stages `d` left and the obligations it met on the facts `wanted` takes,
/// against their deadlines under the current calendar. `facts` are its lines'.
fn judged(
    d: &Dispute,
    facts: &[Fact],
    policy: &Policy,
    calendar: &Calendar,
    wanted: impl Fn(&Fact) -> bool,
) -> Judged {
    let mut out = Judged {
        left: Vec::new(),
        obligations: Vec::new(),
    };
    // The stages it left, each against the deadline in force while it was
    // there: the policy's, a protective date, or a date the parties agreed.
    for v in &d.visits {
        let Some(left) = v.left else { continue };
        let Some(i) = (left.line as usize).checked_sub(1) else {
            continue;
        };
        if !facts.get(i).is_some_and(&wanted) {
            continue;
        }
        let due = v.due(policy, (&d.facts, &d.learned), calendar);
        out.left.push((
            i,
            Left {
                stage: v.stage,
                timely: judge(due.map(|s| s.due).as_ref(), &left.at),
                working_days: calendar
                    .working_days_between(
                        clock::london_date(&v.entered),
                        clock::london_date(&left.at),
                    )
                    .max(0),
            },
        ));
    }
    for o in &d.obligations {
        let Some((i, met)) = o
            .met_by
            .and_then(|seq| {
                let i = (seq as usize).checked_sub(1)?;
                Some((i, facts.get(i)?))
            })
            .filter(|(_, f)| wanted(f))
            .and_then(|(i, f)| Some((i, f.when.instant()?)))
        else {
            continue;
        };
        out.obligations
            .push((i, judge(d.obligation_due(o, calendar).as_ref(), &met)));
    }
    out
}

fn judge(due: Option<&crate::domain::deadline::Due>, when: &Instant) -> Timely {
    match due {
        None => Timely::NoTimescale,
        Some(d) if d.is_overdue(when) => Timely::Late,
        Some(_) => Timely::OnTime,
    }
}
