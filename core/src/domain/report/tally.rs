//! Adding disputes' contributions up into the reports of a period or a series,
//! one dispute at a time and in ID order. A dispute's names (policy, agencies,
//! category) are looked up once, not once per period, and a policy's stage labels
//! are merged into each figure once: a period where a dispute has nothing to
//! count costs next to nothing.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use crate::domain::clock::Instant;
use crate::policy::LoadedPolicy;

use super::measure::{Contribution, Counts, Measurer, Part};
use super::{
    merge_labels, slots, Breakdown, ByAgency, ByStage, Figures, Filter, Per, Period, Report,
    Series, SeriesRow, Slot, StageTimeliness, Timeliness, TimelinessPart, TimelyCounts, YearKind,
};

/// Names given a number in the order first met, so each period's tally keeps
/// them in vectors.
#[derive(Default)]
struct Names {
    index: HashMap<String, usize>,
    names: Vec<String>,
}

impl Names {
    fn of(&mut self, name: String) -> usize {
        if let Some(&i) = self.index.get(&name) {
            return i;
        }
        let i = self.names.len();
        self.names.push(name.clone());
        self.index.insert(name, i);
        i
    }
}

/// A policy text met in the disputes: its ID's number and the stage labels it
/// adds to every figure it is counted in.
struct Seen {
    policy: Arc<LoadedPolicy>,
    id: usize,
    labels: ByStage<String>,
    /// Merging these labels a second time changes nothing (none holds a `/`),
    /// so each figure merges them once.
    once: bool,
}

impl Seen {
    fn new(policy: &Arc<LoadedPolicy>, id: usize, labels: ByStage<String>) -> Seen {
        Seen {
            policy: Arc::clone(policy),
            id,
            once: !labels.values().any(|l| l.contains('/')),
            labels,
        }
    }
}

/// The element `i` of `v`, made if it is not there yet.
fn slot<T: Default>(v: &mut Vec<Option<T>>, i: usize) -> &mut T {
    if v.len() <= i {
        v.resize_with(i + 1, || None);
    }
    v[i].get_or_insert_with(T::default)
}

/// One figure being added up, with the policies whose labels it has.
#[derive(Default)]
struct Acc {
    figures: Figures,
    merged: Vec<usize>,
}

impl Acc {
    fn add(&mut self, counts: Option<&Counts>, seen: &Seen, s: usize) {
        if let Some(c) = counts {
            let f = &mut self.figures;
            f.opened += c.opened;
            if let Some(n) = c.highest {
                *f.highest_stage.entry(n).or_default() += 1;
            }
            f.escalations += c.escalations;
            for n in &c.entered {
                *f.entered_stage.entry(*n).or_default() += 1;
            }
            f.resolved += c.resolved;
            for n in &c.resolved_at {
                *f.resolved_at_stage.entry(*n).or_default() += 1;
            }
            f.reopened += c.reopened;
            f.open_at_end += u64::from(c.open_at_end);
            f.open_overdue_at_end += u64::from(c.open_overdue_at_end);
            f.overdue_at_end += u64::from(c.overdue_at_end);
            f.days_to_resolve.extend_from_slice(&c.days_to_resolve);
        }
        if seen.labels.is_empty() || (seen.once && self.merged.contains(&s)) {
            return;
        }
        merge_labels(&mut self.figures.stage_labels, &seen.labels);
        if seen.once {
            self.merged.push(s);
        }
    }
}

/// One period's report being added up; figures by the number of their name.
#[derive(Default)]
struct Tally {
    by_policy: Vec<Option<Acc>>,
    /// Agency raising, agency challenged, category, data directory.
    breakdown: [Vec<Option<Acc>>; 4],
    /// By the numbers of a field's ID and its value's name.
    fields: BTreeMap<(usize, usize), Acc>,
    recorded_after_end: u64,
    raising: Vec<Option<u64>>,
    challenged: Vec<Option<u64>>,
    stages_left: TimelyCounts,
    by_stage: ByStage<StageTimeliness>,
    by_challenged: Vec<Option<TimelyCounts>>,
    by_raising: Vec<Option<TimelyCounts>>,
    obligations_met: TimelyCounts,
}

impl Tally {
    /// Add a dispute's part (`None`: it has nothing in this period). Policies
    /// with nothing in the period still appear (with zeros) if they match the
    /// filter, so a script sees the same keys every month.
    fn absorb(
        &mut self,
        part: Option<&Part>,
        (seen, s): (&Seen, usize),
        names: [usize; 3],
        fields: &[(usize, usize)],
        directory: Option<usize>,
    ) {
        if let Some(p) = part {
            self.add_timeliness(&p.timeliness, names);
            self.recorded_after_end += p.recorded_after_end;
        }
        let counts = part.map(|p| &p.counts).filter(|c| !c.is_zero());
        // A dispute with nothing in the period would list every agency ever
        // seen; one under a policy with stage labels has always been listed.
        if counts.is_some() || !seen.labels.is_empty() {
            for (map, n) in self.breakdown.iter_mut().zip(names) {
                slot(map, n).add(counts, seen, s);
            }
            if let Some(d) = directory {
                slot(&mut self.breakdown[3], d).add(counts, seen, s);
            }
            for key in fields {
                self.fields.entry(*key).or_default().add(counts, seen, s);
            }
        }
        if counts.is_some() || !seen.labels.is_empty() {
            slot(&mut self.by_policy, seen.id).add(counts, seen, s);
        }
        if counts.is_some_and(|c| c.opened > 0) {
            *slot(&mut self.raising, names[0]) += 1;
            *slot(&mut self.challenged, names[1]) += 1;
        }
    }

    fn add_timeliness(&mut self, part: &TimelinessPart, [raising, challenged, _]: [usize; 3]) {
        for l in &part.left {
            self.stages_left.count(l.timely);
            let s = self.by_stage.entry(l.stage).or_default();
            s.counts.count(l.timely);
            s.days.push(l.working_days);
            slot(&mut self.by_challenged, challenged).count(l.timely);
            slot(&mut self.by_raising, raising).count(l.timely);
        }
        for &t in &part.obligations {
            self.obligations_met.count(t);
        }
    }

    fn finish(self, period: Period, generated_at: Instant, r: &Reports) -> Report {
        let named = |v: Vec<Option<Acc>>, names: &[String]| -> BTreeMap<String, Figures> {
            v.into_iter()
                .enumerate()
                .filter_map(|(i, a)| Some((names[i].clone(), a?.figures)))
                .collect()
        };
        let counted = |v: Vec<Option<u64>>| -> BTreeMap<String, u64> {
            v.into_iter()
                .enumerate()
                .filter_map(|(i, n)| Some((r.names.names[i].clone(), n?)))
                .collect()
        };
        let timely = |v: Vec<Option<TimelyCounts>>| -> BTreeMap<String, TimelyCounts> {
            v.into_iter()
                .enumerate()
                .filter_map(|(i, n)| Some((r.names.names[i].clone(), n?)))
                .collect()
        };
        let mut by_policy = named(self.by_policy, &r.policy_ids.names);
        let mut total = Figures::default();
        for f in by_policy.values_mut() {
            total.add(f);
            f.finish();
        }
        total.finish();
        let [raising_agency, challenged_agency, category, directory] =
            self.breakdown.map(|v| named(v, &r.names.names));
        let mut breakdown = Breakdown {
            raising_agency,
            challenged_agency,
            category,
            category_names: r.category_names(),
            field: r.field_breakdowns(),
            directory,
        };
        for ((field, value), acc) in self.fields {
            if let Some(b) = breakdown.field.get_mut(&r.names.names[field]) {
                b.values.insert(r.names.names[value].clone(), acc.figures);
            }
        }
        breakdown.finish();
        let mut timeliness = Timeliness {
            stages_left: self.stages_left,
            by_stage: self.by_stage,
            by_challenged_agency: timely(self.by_challenged),
            by_raising_agency: timely(self.by_raising),
            obligations_met: self.obligations_met,
        };
        timeliness.finish();
        Report {
            from: period.from,
            to: period.to,
            generated_at,
            in_progress: period.end() > generated_at,
            as_recorded_at: None,
            recorded_after_end: self.recorded_after_end,
            previous: None,
            total,
            by_policy,
            by_agency: ByAgency {
                raising: counted(self.raising),
                challenged: counted(self.challenged),
            },
            breakdown,
            timeliness,
            skipped: r.skipped.clone(),
        }
    }
}

/// The reports of a measurer's periods, added up one dispute at a time.
struct Reports {
    measurer: Measurer,
    generated_at: Instant,
    tallies: Vec<Tally>,
    seen: Vec<Seen>,
    policy_ids: Names,
    names: Names,
    skipped: Vec<String>,
}

impl Reports {
    fn new(periods: Vec<Period>, filter: Filter, generated_at: Instant) -> Reports {
        Reports {
            tallies: periods.iter().map(|_| Tally::default()).collect(),
            measurer: Measurer::new(periods, filter),
            generated_at,
            seen: Vec::new(),
            policy_ids: Names::default(),
            names: Names::default(),
            skipped: Vec::new(),
        }
    }

    /// Every category name the policies met give, by category ID.
    fn category_names(&self) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        for s in &self.seen {
            for c in &s.policy.policy.categories {
                out.entry(c.id.clone()).or_insert_with(|| c.name.clone());
            }
        }
        out
    }

    /// An empty breakdown for each field the policies met define, every value
    /// they allow listed with zeros (a board reads the levels with none too).
    fn field_breakdowns(&self) -> BTreeMap<String, super::FieldBreakdown> {
        let mut out: BTreeMap<String, super::FieldBreakdown> = BTreeMap::new();
        for s in &self.seen {
            for f in &s.policy.policy.fields {
                let b = out
                    .entry(f.id.clone())
                    .or_insert_with(|| super::FieldBreakdown {
                        label: f.label.clone(),
                        values: BTreeMap::new(),
                    });
                for v in &f.values {
                    b.values.entry(v.clone()).or_default();
                }
            }
        }
        out
    }

    /// The number of a policy text, met for the first time or again.
    fn seen(&mut self, policy: &Arc<LoadedPolicy>) -> usize {
        if let Some(s) = self
            .seen
            .iter()
            .position(|s| Arc::ptr_eq(&s.policy, policy))
        {
            return s;
        }
        let mut labels = ByStage::new();
        for s in &policy.policy.stages {
            if let Some(label) = s.label.as_ref().filter(|l| **l != s.number.to_string()) {
                labels.insert(s.number, label.clone());
            }
        }
        let id = self.policy_ids.of(policy.policy.id.clone());
        // Every period lists the policy of any dispute counted, with zeros if it
        // has nothing in it: made here once, so such a period costs nothing.
        for t in &mut self.tallies {
            slot(&mut t.by_policy, id);
        }
        self.seen.push(Seen::new(policy, id, labels));
        self.seen.len() - 1
    }

    fn absorb(&mut self, c: Contribution) {
        let s = self.seen(&c.policy);
        let labelled = !self.seen[s].labels.is_empty();
        if c.parts.is_empty() && !labelled {
            return;
        }
        let [raising, challenged, category] = c.names;
        let names = [
            self.names.of(raising),
            self.names.of(challenged),
            self.names.of(category),
        ];
        let directory = c.directory.map(|d| self.names.of(d));
        let fields: Vec<(usize, usize)> = c
            .fields
            .into_iter()
            .map(|(f, v)| (self.names.of(f), self.names.of(v)))
            .collect();
        let seen = (&self.seen[s], s);
        if !labelled {
            // A period the dispute has nothing in adds nothing.
            for (i, part) in &c.parts {
                self.tallies[*i].absorb(Some(part), seen, names, &fields, directory);
            }
            return;
        }
        let mut parts = c.parts.into_iter().peekable();
        for (i, tally) in self.tallies.iter_mut().enumerate() {
            let part = parts.next_if(|(at, _)| *at == i).map(|(_, p)| p);
            tally.absorb(part.as_ref(), seen, names, &fields, directory);
        }
    }

    fn finish(mut self) -> Vec<Report> {
        let tallies = std::mem::take(&mut self.tallies);
        let periods: Vec<Period> = self.measurer.windows.iter().map(|w| w.period).collect();
        tallies
            .into_iter()
            .zip(periods)
            .map(|(t, p)| t.finish(p, self.generated_at, &self))
            .collect()
    }
}

/// One period's report or a series, filled a dispute at a time: `report` drives
/// both alike.
pub trait Counting {
    /// What measures one dispute for every period at once: the periods and
    /// filter, without the totals, so disputes can be measured on several threads
    /// while the totals grow here.
    fn measurer(&self) -> Measurer;
    /// Add one dispute's part of every period to the totals.
    fn absorb(&mut self, c: Contribution);
    /// A dispute left out (its journal could not be read).
    fn skip(&mut self, id: &str);
}

/// Both builders keep their totals in `reports`.
macro_rules! tally_in_reports {
    ($($builder:ty),*) => {$(
        impl Counting for $builder {
            fn measurer(&self) -> Measurer {
                self.reports.measurer.clone()
            }
            fn absorb(&mut self, c: Contribution) {
                self.reports.absorb(c);
            }
            fn skip(&mut self, id: &str) {
                self.reports.skipped.push(id.to_owned());
            }
        }
    )*};
}
tally_in_reports!(Builder, SeriesBuilder);

/// Builds a report one dispute at a time (and the previous period's, to
/// compare, in the same pass).
pub struct Builder {
    reports: Reports,
}

impl Builder {
    pub fn new(
        period: Period,
        previous: Option<Period>,
        filter: Filter,
        generated_at: Instant,
    ) -> Builder {
        Builder {
            reports: Reports::new(
                std::iter::once(period).chain(previous).collect(),
                filter,
                generated_at,
            ),
        }
    }

    pub fn finish(self) -> Report {
        let mut reports = self.reports.finish().into_iter();
        let mut report = reports.next().expect("a report has its period");
        report.previous = reports.next().map(Box::new);
        report
    }
}

/// Builds a series: the whole range and each period, measured in one pass.
pub struct SeriesBuilder {
    per: Per,
    year: YearKind,
    slots: Vec<Slot>,
    /// The whole range first, then each period.
    reports: Reports,
}

impl SeriesBuilder {
    pub fn new(
        range: Period,
        per: Per,
        year: YearKind,
        (filter, previous): (Filter, Option<Period>),
        generated_at: Instant,
    ) -> SeriesBuilder {
        let slots = slots(range, per, year);
        let periods = std::iter::once(range)
            .chain(slots.iter().map(|s| s.period))
            .chain(previous)
            .collect();
        SeriesBuilder {
            per,
            year,
            slots,
            reports: Reports::new(periods, filter, generated_at),
        }
    }

    pub fn finish(self) -> Series {
        let compared = self.reports.measurer.windows.len() > self.slots.len() + 1;
        let mut all = self.reports.finish();
        let previous = if compared { all.pop() } else { None };
        let mut reports = all.into_iter();
        let mut total = reports.next().expect("the whole range has a report");
        total.previous = previous.map(Box::new);
        Series {
            from: total.from,
            to: total.to,
            per: self.per,
            year: self.year,
            periods: self
                .slots
                .into_iter()
                .zip(reports)
                .map(|(s, report)| SeriesRow {
                    label: s.label,
                    partial: s.partial,
                    report,
                })
                .collect(),
            total,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::{Calendar, Division};
    use crate::domain::event::Event;
    use crate::domain::report::{Brief, Fact};
    use crate::domain::testing::line;

    fn labelled(labels: &[(u32, &str)]) -> Seen {
        let catalogue = crate::policy::Catalogue::builtin();
        Seen::new(
            catalogue.get("gscb").expect("a built-in policy"),
            0,
            labels.iter().map(|(n, l)| (*n, (*l).to_owned())).collect(),
        )
    }

    #[test]
    fn labels_merged_once_per_figure_read_as_merged_for_every_dispute() {
        let sets = [
            labelled(&[(4, "4a"), (5, "4-mediation")]),
            labelled(&[(5, "4/mediation")]),
            labelled(&[(4, "4b"), (5, "mediation")]),
        ];
        // Dispute after dispute, as they come in ID order.
        let order = [0, 1, 0, 2, 1, 0, 2, 2, 1];
        let mut acc = Acc::default();
        let mut every = ByStage::new();
        for &s in &order {
            acc.add(None, &sets[s], s);
            merge_labels(&mut every, &sets[s].labels);
        }
        assert_eq!(acc.figures.stage_labels, every);
        // A label with a slash of its own is added once, like any other.
        assert_eq!(every[&5], "4-mediation/4/mediation");
        assert_eq!(every[&4], "4a/4b");
        // Merging a merge adds nothing it already has.
        let mut total = ByStage::new();
        merge_labels(&mut total, &every);
        merge_labels(&mut total, &every);
        assert_eq!(total, every);
    }

    /// A gscb dispute opened with a child protection plan (an IRO to notify at
    /// stage 2), escalated, notified, resolved and reopened across three months.
    fn dispute(policy: &crate::policy::Policy) -> crate::domain::dispute::Dispute {
        let opened = Event::Opened(crate::domain::event::Opened {
            cp_plan: true,
            ..crate::domain::testing::opened(1)
        });
        let escalated = Event::Escalated {
            from_stage: 1,
            to_stage: 2,
            reason: "r".into(),
            due: None,
            bypass_role: None,
        };
        let lines = vec![
            line(1, "2026-01-05 09:00", opened),
            line(2, "2026-01-28 10:00", escalated),
            line(
                3,
                "2026-02-20 10:00",
                Event::Resolved {
                    stage: 2,
                    outcome: "o".into(),
                },
            ),
            line(
                4,
                "2026-03-03 10:00",
                Event::Reopened { reason: "r".into() },
            ),
        ];
        crate::domain::dispute::Dispute::fold(
            crate::domain::id::DisputeId::random().unwrap(),
            lines,
            policy,
        )
        .unwrap()
    }

    #[test]
    fn each_period_of_a_series_is_what_it_measures_alone() {
        let catalogue = crate::policy::Catalogue::builtin();
        let policy = Arc::clone(catalogue.get("gscb").unwrap());
        let calendar = Calendar::new(Division::EnglandAndWales);
        let d = dispute(&policy.policy);
        let facts: Vec<Fact> = d.records.iter().map(|r| Fact::of(&d, r)).collect();
        let now = crate::domain::clock::parse_instant("2026-06-01T09:00:00Z").unwrap();
        let feed = |m: &Measurer| {
            let brief = Brief::of(&d);
            let plan = m.plan(&brief, &facts, &policy.policy);
            m.measure(&plan, brief, &facts, Some(&d), None, &policy, &calendar)
                .expect("admitted")
        };
        let range = Period {
            from: "2025-12-01".parse().unwrap(),
            to: "2026-04-30".parse().unwrap(),
        };
        let mut series = SeriesBuilder::new(
            range,
            Per::Month,
            YearKind::Calendar,
            (Filter::default(), None),
            now,
        );
        series.absorb(feed(&series.measurer()));
        let series = series.finish();
        assert_eq!(series.periods.len(), 5);
        let mut counted = 0;
        for row in series.periods.iter().chain([&SeriesRow {
            label: String::new(),
            partial: false,
            report: series.total.clone(),
        }]) {
            let period = Period {
                from: row.report.from,
                to: row.report.to,
            };
            let mut alone = Builder::new(period, None, Filter::default(), now);
            alone.absorb(feed(&alone.measurer()));
            let alone = alone.finish();
            assert_eq!(row.report, alone, "{}", row.label);
            counted += alone.total.opened
                + alone.total.escalations
                + alone.total.resolved
                + alone.total.reopened
                + alone.total.open_at_end;
        }
        // Something in each month but December, and in the whole range.
        assert!(counted >= 8, "{counted}");
        assert_eq!(series.total.total.opened, 1);
        assert_eq!(
            series.periods[0].report.by_policy["gscb"],
            Figures::default()
        );
    }
}
