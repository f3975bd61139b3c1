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
use crate::domain::clock::{self, Instant};
use crate::domain::dispute::Dispute;
use crate::domain::event::{Event, Record};
use crate::policy::Policy;

mod measure;
mod tally;

pub use measure::{Contribution, Measurer, Need, Plan};
pub use tally::{Builder, Counting, SeriesBuilder};

/// How a figure is read from `Figures`.
#[derive(Clone, Copy)]
pub enum Get {
    /// A count.
    Count(fn(&Figures) -> u64),
    /// A count per stage number (`NAME_N` in CSV).
    ByStage(fn(&Figures) -> &ByStage<u64>),
    /// A number of days, absent when nothing was there to measure.
    Days(fn(&Figures) -> Option<f64>),
}

/// Where a figure is shown besides JSON and the long CSV (which carry every
/// figure), and in what words: `None` where it is not shown.
#[derive(Clone, Copy)]
pub struct Shown {
    /// A row of `report`'s table; for a figure by stage, the words before each
    /// stage's name.
    pub table: Option<&'static str>,
    /// A row of the board pack's table of figures.
    pub pack: Option<&'static str>,
    /// A column of the table with one row per period (`report --per`).
    pub series: Option<&'static str>,
    /// A column of the tables per agency, category and field.
    pub breakdown: Option<&'static str>,
    /// A column of the wide CSV, whose columns are frozen: never add one.
    pub wide_csv: bool,
}

/// One figure of a report: its name in JSON and CSV, how it is documented, how it
/// is read, and where it is shown. `FIGURE_TABLE` lists them all.
#[derive(Clone, Copy)]
pub struct Figure {
    pub name: &'static str,
    /// The names as the README and the manual page list them, and the
    /// definition; `None` for a figure defined with an earlier one.
    pub doc: Option<(&'static str, &'static str)>,
    pub get: Get,
    pub shown: Shown,
}

const NOWHERE: Shown = Shown {
    table: None,
    pack: None,
    series: None,
    breakdown: None,
    wide_csv: false,
};

/// Every figure a report counts, in the order JSON writes them and every table
/// shows them: the one place a figure is added. The JSON and CSV of `report`, its
/// tables, the board pack, the README's table and the manual page all read it.
pub const FIGURE_TABLE: &[Figure] = &[
    Figure {
        name: "opened",
        doc: Some((
            "opened",
            "disputes raised (opened) in the period, each counted once: the unit a board publishes",
        )),
        get: Get::Count(|f| f.opened),
        shown: Shown {
            table: Some("Disputes raised"),
            pack: Some("Disputes raised"),
            series: Some("Raised"),
            breakdown: Some("Raised"),
            wide_csv: true,
        },
    },
    Figure {
        name: "highest_stage",
        doc: Some((
            "highest_stage",
            "keyed by stage number: of the disputes raised in the period, how many reached that stage as their highest by the period's end (they add up to `opened`)",
        )),
        get: Get::ByStage(|f| &f.highest_stage),
        shown: Shown {
            table: Some("  highest stage reached: "),
            ..NOWHERE
        },
    },
    Figure {
        name: "escalations",
        doc: Some(("escalations", "stage moves in the period")),
        get: Get::Count(|f| f.escalations),
        shown: Shown {
            table: Some("Stage moves"),
            pack: Some("Stage moves (a dispute moved on to its next stage)"),
            series: None,
            breakdown: Some("Moves"),
            wide_csv: true,
        },
    },
    Figure {
        name: "entered_stage",
        doc: Some((
            "entered_stage",
            "keyed by stage number: disputes that entered that stage in the period; opening a dispute counts as entering its first stage (an urgent open at stage 3 counts under \"3\")",
        )),
        get: Get::ByStage(|f| &f.entered_stage),
        shown: Shown {
            table: Some("Entered stage "),
            wide_csv: true,
            ..NOWHERE
        },
    },
    Figure {
        name: "escalations_from_stage_1",
        doc: Some((
            "escalations_from_stage_1",
            "Gloucestershire's \"number of escalations that take place from Stage 1 onwards\": the sum of `entered_stage`, every dispute counted once for each stage it reached in the period, from Stage 1",
        )),
        get: Get::Count(|f| f.escalations_from_stage_1),
        shown: Shown {
            table: None,
            pack: Some(
                "Stage entries from stage 1 onwards (a dispute counts once for each stage it entered)",
            ),
            series: Some("Entries"),
            breakdown: Some("Stage entries"),
            wide_csv: false,
        },
    },
    Figure {
        name: "resolved",
        doc: Some((
            "resolved, resolved_at_stage",
            "disputes resolved in the period, and at which stage",
        )),
        get: Get::Count(|f| f.resolved),
        shown: Shown {
            table: Some("Resolved"),
            pack: Some("Disputes resolved"),
            series: Some("Resolved"),
            breakdown: Some("Resolved"),
            wide_csv: true,
        },
    },
    Figure {
        name: "resolved_at_stage",
        doc: None,
        get: Get::ByStage(|f| &f.resolved_at_stage),
        shown: Shown {
            table: Some("Resolved at stage "),
            wide_csv: true,
            ..NOWHERE
        },
    },
    Figure {
        name: "reopened",
        doc: Some(("reopened", "resolved disputes reopened in the period")),
        get: Get::Count(|f| f.reopened),
        shown: Shown {
            table: Some("Reopened"),
            pack: Some("Disputes reopened"),
            wide_csv: true,
            ..NOWHERE
        },
    },
    Figure {
        name: "open_at_end",
        doc: Some((
            "open_at_end, overdue_at_end",
            "disputes open at the end of the period's last day; disputes with a due item past its deadline then, open or not (the stage's, or an outstanding obligation's, a resolved dispute's too, so it may exceed `open_at_end`; see \"What each view counts\")",
        )),
        get: Get::Count(|f| f.open_at_end),
        shown: Shown {
            table: Some("Open at end"),
            pack: Some("Disputes open at the end"),
            series: Some("Open"),
            breakdown: None,
            wide_csv: true,
        },
    },
    Figure {
        name: "open_overdue_at_end",
        doc: Some((
            "open_overdue_at_end",
            "disputes open at the end of the period's last day and past a deadline then: never more than `open_at_end`",
        )),
        get: Get::Count(|f| f.open_overdue_at_end),
        shown: Shown {
            table: Some("Open and past a deadline at end"),
            pack: Some("Of those, past a deadline"),
            series: Some("Open late"),
            breakdown: None,
            wide_csv: false,
        },
    },
    Figure {
        name: "overdue_at_end",
        doc: None,
        get: Get::Count(|f| f.overdue_at_end),
        shown: Shown {
            table: Some("Anything overdue at end"),
            pack: Some(
                "Disputes with anything overdue at the end (a resolved one owing a duty too)",
            ),
            series: Some("Overdue"),
            breakdown: Some("Overdue"),
            wide_csv: true,
        },
    },
    Figure {
        name: "median_working_days_to_resolve",
        doc: Some((
            "median_working_days_to_resolve",
            "over disputes resolved in the period, working days from opening to resolution (null when none)",
        )),
        get: Get::Days(|f| f.median_working_days_to_resolve),
        shown: Shown {
            table: Some("Median working days to resolve"),
            pack: Some("Median working days from raising to resolution"),
            series: Some("Median"),
            breakdown: None,
            wide_csv: true,
        },
    },
];

/// The parts of a report besides its figures, with their definitions.
const PARTS: &[(&str, &str)] = &[
    ("by_policy", "the same figures for each policy"),
    (
        "in_progress",
        "true when the period had not ended when the report was made: its end-of-period figures are as things stand, not final",
    ),
    (
        "recorded_after_end",
        "lines that happened by the period's end but were recorded after it (they changed its figures since it ended; `--as-recorded-at` reproduces the figures as they were)",
    ),
    (
        "previous",
        "with `--compare previous`: the same report for the period before (the previous calendar month, quarter or year when the period is one, else as many days just before)",
    ),
    (
        "by_agency",
        "disputes opened in the period per agency raising (`raising`) and per agency challenged (`challenged`)",
    ),
    (
        "breakdown",
        "the same figures per agency raising (`raising_agency`), agency challenged (`challenged_agency`), `category` and each field the policy defines (`field`, by field ID: its `label` and `values`), over disputes with anything counted in the period; agency names are reported under their canonical names (`escalate agency`), and an agency with none in the period is listed with zeros when it is in the comparison period or the agency list",
    ),
    (
        "timeliness",
        "stages left (escalated from or resolved at) in the period: `on_time` (at or before the deadline in force while it was at the stage, as `show` gave it: the policy's, a date set with `--due` or agreed with `agree`, under the current calendar), `late`, and `no_timescale` (the policy sets none), in all, `by_stage` (with `median_working_days` and `p90_working_days` spent in the stage), `by_challenged_agency` and `by_raising_agency`; `obligations_met`: duties recorded with `notify` in the period, the same three ways",
    ),
];

const fn documented() -> usize {
    let mut n = PARTS.len();
    let mut i = 0;
    while i < FIGURE_TABLE.len() {
        if FIGURE_TABLE[i].doc.is_some() {
            n += 1;
        }
        i += 1;
    }
    n
}

/// Every figure and part of a report, as named in JSON and CSV, with its
/// definition: the source of the README's table (a test compares them) and the
/// report's manual page. Made from `FIGURE_TABLE` and the other parts.
pub const FIGURES: &[(&str, &str)] = &{
    let mut out = [("", ""); documented()];
    let mut n = 0;
    let mut i = 0;
    while i < FIGURE_TABLE.len() {
        if let Some(doc) = FIGURE_TABLE[i].doc {
            out[n] = doc;
            n += 1;
        }
        i += 1;
    }
    let mut j = 0;
    while j < PARTS.len() {
        out[n] = PARTS[j];
        n += 1;
        j += 1;
    }
    out
};

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

    pub(crate) fn start(&self) -> Instant {
        clock::start_of_day(self.from)
    }

    pub(crate) fn end(&self) -> Instant {
        clock::end_of_day(self.to)
    }
}

/// Counts (or labels) keyed by stage number, so stage 10 comes after stage 9. JSON
/// writes the keys as strings (`{"1": 3, "2": 1}`), as it always has.
pub type ByStage<T> = BTreeMap<u32, T>;

/// The figures, for all disputes or one policy. Written as `FIGURE_TABLE`
/// lists them, then `stage_labels`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Figures {
    /// Disputes raised in the period, each once: the unit boards publish.
    pub opened: u64,
    /// Of the disputes raised in the period, how many had reached each stage as
    /// their highest by its end: each counted once, so they add up to `opened`.
    pub highest_stage: ByStage<u64>,
    pub escalations: u64,
    /// Keyed by stage number: how many disputes entered that stage in the period
    /// (opening at a stage counts as entering it).
    pub entered_stage: ByStage<u64>,
    /// The GSCB figure, "escalations from Stage 1 onwards": the sum of
    /// `entered_stage`, named so nobody sums columns by hand.
    pub escalations_from_stage_1: u64,
    pub resolved: u64,
    pub resolved_at_stage: ByStage<u64>,
    pub reopened: u64,
    pub open_at_end: u64,
    /// Open at the end and past a deadline then: never more than `open_at_end`.
    pub open_overdue_at_end: u64,
    /// Any dispute with a due item past at the end, a resolved one owing a duty
    /// too (so it may be more than `open_at_end`).
    pub overdue_at_end: u64,
    /// Median working days from opening to resolution, over disputes resolved in
    /// the period; null when none were.
    pub median_working_days_to_resolve: Option<f64>,
    /// What the policies call the stages counted above, where that is not the
    /// number ("4" → "4-mediation"); two policies naming one position differently
    /// are shown together ("4a/4").
    pub stage_labels: ByStage<String>,
    days_to_resolve: Vec<i64>,
}

impl Serialize for Figures {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(None)?;
        for f in FIGURE_TABLE {
            match f.get {
                Get::Count(get) => map.serialize_entry(f.name, &get(self))?,
                Get::ByStage(get) => map.serialize_entry(f.name, get(self))?,
                Get::Days(get) => map.serialize_entry(f.name, &get(self))?,
            }
        }
        if !self.stage_labels.is_empty() {
            map.serialize_entry("stage_labels", &self.stage_labels)?;
        }
        map.end()
    }
}

impl Figures {
    fn finish(&mut self) {
        self.escalations_from_stage_1 = self.entered_stage.values().sum();
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
        for (k, v) in &other.highest_stage {
            *self.highest_stage.entry(*k).or_default() += v;
        }
        self.escalations += other.escalations;
        for (k, v) in &other.entered_stage {
            *self.entered_stage.entry(*k).or_default() += v;
        }
        self.resolved += other.resolved;
        for (k, v) in &other.resolved_at_stage {
            *self.resolved_at_stage.entry(*k).or_default() += v;
        }
        self.reopened += other.reopened;
        self.open_at_end += other.open_at_end;
        self.open_overdue_at_end += other.open_overdue_at_end;
        self.overdue_at_end += other.overdue_at_end;
        self.days_to_resolve
            .extend_from_slice(&other.days_to_resolve);
        merge_labels(&mut self.stage_labels, &other.stage_labels);
    }
}

/// Add `other`'s stage labels to `labels`: two policies naming one position
/// differently are shown together ("4a/4"). A label already there, whole, is not
/// added again, even if it has a slash of its own or is itself a merge (a
/// period's figures merged into a total): otherwise each merge repeated it.
fn merge_labels(labels: &mut ByStage<String>, other: &ByStage<String>) {
    for (k, v) in other {
        let label = labels.entry(*k).or_insert_with(|| v.clone());
        if !holds(label, v) {
            label.push('/');
            label.push_str(v);
        }
    }
}

/// Whether `v` is in the merged `label` as a whole, between slashes or its ends.
fn holds(label: &str, v: &str) -> bool {
    label.match_indices(v).any(|(i, _)| {
        let end = i + v.len();
        (i == 0 || label[..i].ends_with('/'))
            && (end == label.len() || label[end..].starts_with('/'))
    })
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
    #[serde(with = "crate::domain::clock::rfc3339")]
    pub generated_at: Instant,
    /// The period had not ended when the report was made: its end-of-period
    /// figures are as things stood then (`partial` is a series period cut short
    /// by `--from`/`--to`, another thing).
    pub in_progress: bool,
    /// `--as-recorded-at`: only lines recorded by then were counted.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::domain::clock::rfc3339::option"
    )]
    pub as_recorded_at: Option<Instant>,
    /// Lines that happened by the period's end but were recorded after it: each
    /// changed the figures after the period ended.
    pub recorded_after_end: u64,
    #[serde(flatten)]
    pub total: Figures,
    pub by_policy: BTreeMap<String, Figures>,
    pub by_agency: ByAgency,
    /// The same figures per agency raising, agency challenged and category, for
    /// disputes with anything to count in the period.
    pub breakdown: Breakdown,
    /// Stages left in the period against their deadlines, and obligations met.
    pub timeliness: Timeliness,
    /// Journals that could not be read, by dispute ID (their figures are missing).
    pub skipped: Vec<String>,
    /// `--compare previous`: the same report for the period before.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous: Option<Box<Report>>,
}

/// Figures per value of each dimension a board asks about.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Breakdown {
    pub raising_agency: BTreeMap<String, Figures>,
    pub challenged_agency: BTreeMap<String, Figures>,
    pub category: BTreeMap<String, Figures>,
    /// What the policies call each category, by its ID (for people reading).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub category_names: BTreeMap<String, String>,
    /// Per field a policy defines (`[[field]]`), by its ID.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub field: BTreeMap<String, FieldBreakdown>,
    /// Per data directory, when a report reads several (`--include-dir`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub directory: BTreeMap<String, Figures>,
}

/// One policy-defined field's breakdown: its label and figures per value.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct FieldBreakdown {
    pub label: String,
    pub values: BTreeMap<String, Figures>,
}

impl Breakdown {
    /// Each dimension by its name in JSON and the long CSV (a field's is
    /// `field:ID`).
    pub fn dimensions(&self) -> Vec<(Cow<'static, str>, &BTreeMap<String, Figures>)> {
        let mut v: Vec<(Cow<'static, str>, &BTreeMap<String, Figures>)> = vec![
            ("raising_agency".into(), &self.raising_agency),
            ("challenged_agency".into(), &self.challenged_agency),
            ("category".into(), &self.category),
        ];
        for (id, f) in &self.field {
            v.push((format!("field:{id}").into(), &f.values));
        }
        if !self.directory.is_empty() {
            v.push(("directory".into(), &self.directory));
        }
        v
    }

    fn finish(&mut self) {
        for m in [
            &mut self.raising_agency,
            &mut self.challenged_agency,
            &mut self.category,
            &mut self.directory,
        ] {
            m.values_mut().for_each(Figures::finish);
        }
        for f in self.field.values_mut() {
            f.values.values_mut().for_each(Figures::finish);
        }
    }

    /// List every agency `other` has (with zeros here), so a board sees the
    /// agencies with none this period beside last period's.
    pub fn list_agencies<'a>(&mut self, names: impl IntoIterator<Item = &'a str> + Clone) {
        for m in [&mut self.raising_agency, &mut self.challenged_agency] {
            for n in names.clone() {
                m.entry(n.to_owned()).or_default();
            }
        }
    }
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

    pub(crate) fn instant(&self) -> Option<Instant> {
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
    /// When the line was recorded (its `at`), so a report can say which lines
    /// were recorded after its period ended.
    pub recorded: Stamp,
    /// A notification that met one of the policy's obligations.
    pub met_obligation: bool,
}

impl Fact {
    /// The fact of line `r` of dispute `d` (which knows each line's time, as
    /// corrected if it was).
    pub fn of(d: &Dispute, r: &Record) -> Fact {
        // A line the policy would not have allowed when it happened counts in
        // no figure (`dispute::Inert`).
        let inert = d.inert.binary_search_by_key(&r.seq, |i| i.line).is_ok();
        let (kind, stage, met) = match &r.event {
            _ if inert => (Kind::Other, 0, false),
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
            recorded: Stamp::of(&r.at),
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
    /// The values of the fields the policy defines (`open --field`, as
    /// corrected by `amend --field`), by field ID.
    pub fields: BTreeMap<String, String>,
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
            fields: d.fields.clone(),
        }
    }
}

/// Which disputes count.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub policy: Option<String>,
    /// The agency raising or the agency challenged, by its name or any alias:
    /// the one matcher every agency filter uses (`Agencies::matcher`).
    pub agency: Option<crate::store::agencies::Matcher>,
}

impl Filter {
    pub(crate) fn admits(&self, b: &Brief, policy: &Policy) -> bool {
        self.policy.as_ref().is_none_or(|p| p == &policy.id)
            && self
                .agency
                .as_ref()
                .is_none_or(|a| a.involves(&b.from, &b.with))
    }
}

/// What measuring a dispute needs of its state when the period ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AtEnd {
    /// Not opened yet, or neither open nor owing anything with nothing after
    /// the end: it was not open, nor overdue.
    NotOpen,
    /// Everything had happened by the end: its current state, still pending
    /// (its last snapshot says the same, for less to decode).
    Current,
    /// Something happened after the end: its snapshots (`Snapshots::at`) or,
    /// without them, its lines, to replay up to the end.
    Replay,
}

/// All a report takes from a dispute as it stood when a period ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct EndState {
    pub open: bool,
    pub overdue: bool,
}

impl EndState {
    /// `state` is the dispute as it stood at `end` (see `state_at`).
    pub(crate) fn of(
        state: &Dispute,
        policy: &Policy,
        calendar: &Calendar,
        end: &Instant,
    ) -> EndState {
        EndState {
            open: state.is_open(),
            overdue: overdue_at(state, policy, calendar, end),
        }
    }
}

/// Whether a dispute, as it stood at `end`, was overdue then. The one place a
/// report decides it; `at_end` asks for a state only where `Brief::pending`.
pub(crate) fn overdue_at(
    state: &Dispute,
    policy: &Policy,
    calendar: &Calendar,
    end: &Instant,
) -> bool {
    overdue_by(overdue_after(state, policy, calendar), end)
}

/// Whether a dispute in time until `by` (see `overdue_after`) was overdue at
/// `end`.
fn overdue_by(by: Option<Instant>, end: &Instant) -> bool {
    by.is_some_and(|by| end > &by)
}

/// The last instant a dispute, as it stands, is in time: overdue at any later
/// one. The one notion of overdue (see `summary`): the stage deadline or any
/// obligation still outstanding, on a resolved dispute too.
fn overdue_after(state: &Dispute, policy: &Policy, calendar: &Calendar) -> Option<Instant> {
    if !state.is_pending() {
        return None;
    }
    state.dues(policy, calendar).map(|d| d.by).min()
}

/// What `state_at` gives from one instant on (until the next moment's), reduced
/// to what a report takes from it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Moment {
    pub from: Stamp,
    /// Opened by then.
    pub opened: bool,
    pub open: bool,
    /// See `overdue_after`.
    pub overdue_after: Option<Stamp>,
}

/// A dispute's state at any instant, as a report needs it, kept in the status
/// cache so a period that ended before the dispute's last event needs no
/// replay of its journal. Made by `state_at` itself at each instant where its
/// answer can change, so the figures are the same with or without the cache.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshots {
    /// `Calendar::fingerprint` of the calendar the deadlines were computed with.
    pub calendar: u64,
    /// In time order; `None` for a dispute too long to keep them for (each
    /// moment folds a prefix of its lines, so a long journal would cost the
    /// square of its length).
    pub moments: Option<Vec<Moment>>,
}

/// Journals longer than this keep no snapshots: a report replays them.
pub(crate) const MAX_SNAPSHOT_LINES: usize = 200;

impl Snapshots {
    /// The snapshots of `d` (with its lines) under `policy` and `calendar`.
    pub fn of(d: &Dispute, policy: &Policy, calendar: &Calendar) -> Snapshots {
        let moments = (!d.records.is_empty() && d.records.len() <= MAX_SNAPSHOT_LINES).then(|| {
            // `state_at` changes its answer only where one of the times it
            // compares with is passed: the opening, the latest event and each
            // event that happened.
            let mut times: Vec<Instant> = d
                .records
                .iter()
                .filter(|r| r.event.is_happening())
                .map(|r| d.when_of(r))
                .chain([d.opened_at, d.latest])
                .collect();
            times.sort();
            times.dedup();
            times
                .iter()
                .map(|t| {
                    let state = state_at(d, policy, t);
                    Moment {
                        from: Stamp::of(t),
                        opened: state.is_some(),
                        open: state.as_ref().is_some_and(|s| s.is_open()),
                        overdue_after: state
                            .and_then(|s| overdue_after(&s, policy, calendar))
                            .map(|by| Stamp::of(&by)),
                    }
                })
                .collect()
        });
        Snapshots {
            calendar: calendar.fingerprint(),
            moments,
        }
    }

    /// The dispute as it stood at `end`, as `EndState::of(state_at(..))` gives
    /// it (`Some(None)`: not opened yet); `None` if these snapshots cannot say
    /// (none kept, or made under another calendar): then replay the journal.
    pub(crate) fn at(&self, calendar: &Calendar, end: &Instant) -> Option<Option<EndState>> {
        let moments = self
            .moments
            .as_ref()
            .filter(|_| self.calendar == calendar.fingerprint())?;
        let t = Stamp::of(end).order();
        let n = moments.partition_point(|m| m.from.order() <= t);
        // Before the first moment (which is no later than the opening): not
        // opened yet.
        let Some(m) = n.checked_sub(1).map(|i| &moments[i]) else {
            return Some(None);
        };
        Some(m.opened.then_some(EndState {
            open: m.open,
            overdue: m.overdue_after.is_some_and(|by| t > by.order()),
        }))
    }
}

/// The breakdown's value for a dispute opened without a category.
pub const NO_CATEGORY: &str = "(none)";

/// The dispute as it stood at `t`: its events up to then (they are recorded in the
/// order they happened). `None` if it had not been opened yet. `d` must carry its
/// lines if anything happened after `t`.
pub(crate) fn state_at<'a>(
    d: &'a Dispute,
    policy: &Policy,
    t: &Instant,
) -> Option<Cow<'a, Dispute>> {
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

/// The dispute as its lines recorded by `t` (their `at`) give it: what a
/// report made at `t` counted, whenever the lines are read (a line recorded
/// offline before `t` and shared later counts too). `Ok(None)`: not opened by
/// then. `d` must carry its lines. An error says why those lines do not fold.
pub fn as_recorded_at<'a>(
    d: &'a Dispute,
    policy: &Policy,
    t: &Instant,
) -> std::result::Result<Option<Cow<'a, Dispute>>, String> {
    if d.records.iter().all(|r| &r.at <= t) {
        return Ok(Some(Cow::Borrowed(d)));
    }
    if d.records.first().is_none_or(|r| &r.at > t) {
        return Ok(None);
    }
    let kept: Vec<Record> = d.records.iter().filter(|r| &r.at <= t).cloned().collect();
    Dispute::fold(d.id.clone(), kept, policy)
        .map(|d| Some(Cow::Owned(d)))
        .map_err(|(line, what)| {
            format!("its lines recorded by then do not agree (line {line}: {what})")
        })
}

/// The period before `p` a board compares it with: when `p` is whole months
/// (a calendar month, a quarter, a financial or calendar year), as many months
/// just before; otherwise as many days ending the day before it starts.
pub fn previous(p: Period) -> Period {
    use chrono::{Datelike, Months};
    let months =
        (p.to.year() - p.from.year()) * 12 + p.to.month() as i32 - p.from.month() as i32 + 1;
    let whole = p.from.day() == 1 && p.to.succ_opt().is_some_and(|d| d.day() == 1);
    if whole && months > 0 {
        let back = Months::new(months as u32);
        if let (Some(from), Some(to)) = (p.from.checked_sub_months(back), p.from.pred_opt()) {
            return Period { from, to };
        }
    }
    let days = (p.to - p.from).num_days();
    let to = p.from.pred_opt().unwrap_or(p.from);
    Period {
        from: to - chrono::Duration::days(days),
        to,
    }
}

/// The name a board paper gives `p`, if it is a whole month, quarter or year
/// (`2026-11`, `2026-27 Q3`, `2026-27`); else its dates.
pub fn period_name(p: Period, year: YearKind) -> String {
    for per in [Per::Month, Per::Quarter, Per::Year] {
        let s = slots(p, per, year);
        if let [only] = s.as_slice() {
            if !only.partial && only.period == p {
                return only.label.clone();
            }
        }
    }
    format!(
        "{} to {}",
        clock::human_date(p.from),
        clock::human_date(p.to)
    )
}

/// How long each period of a series is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Per {
    Month,
    Quarter,
    Year,
}

/// When quarters and years begin: the financial year (April), as partnership
/// boards report, or the calendar year (January).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum YearKind {
    #[default]
    Financial,
    Calendar,
}

impl YearKind {
    fn first_month(self) -> u32 {
        match self {
            YearKind::Financial => 4,
            YearKind::Calendar => 1,
        }
    }
}

/// The report settings everyone reporting on one data directory shares: kept in
/// the directory (`report.toml`), so a shared directory gives one set of periods.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    /// `financial` (April to March, the default) or `calendar`.
    #[serde(default)]
    pub year: YearKind,
    /// The partnership the board pack names, when its disputes are under
    /// several policies (one policy's own `partnership` names it otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partnership: Option<String>,
}

/// One period of a series: its dates, as cut by the range asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Slot {
    pub label: String,
    pub period: Period,
    /// Cut short by the range's first or last day.
    pub partial: bool,
}

/// The periods of `per` that meet `range`, in order, each cut to the range.
pub(crate) fn slots(range: Period, per: Per, year: YearKind) -> Vec<Slot> {
    use chrono::Datelike;
    let len = match per {
        Per::Month => 1,
        Per::Quarter => 3,
        Per::Year => 12,
    };
    let first = year.first_month() as i32;
    // Months since the year's start, so a period starts where this is a multiple.
    let offset = (range.from.month() as i32 - first).rem_euclid(len);
    let Some(mut start) = NaiveDate::from_ymd_opt(range.from.year(), range.from.month(), 1)
        .and_then(|d| d.checked_sub_months(chrono::Months::new(offset as u32)))
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    while start <= range.to {
        let Some(next) = start.checked_add_months(chrono::Months::new(len as u32)) else {
            break;
        };
        let Some(last) = next.pred_opt() else { break };
        let period = Period {
            from: start.max(range.from),
            to: last.min(range.to),
        };
        out.push(Slot {
            label: label(start, per, year),
            partial: period.from != start || period.to != last,
            period,
        });
        start = next;
    }
    out
}

/// A period's name as a board paper writes it: `2026-11`, `2026-27 Q3` (financial)
/// or `2026 Q4` (calendar), `2026-27` or `2026`.
fn label(start: NaiveDate, per: Per, year: YearKind) -> String {
    use chrono::Datelike;
    let fy = |d: NaiveDate| match year {
        YearKind::Calendar => d.year().to_string(),
        YearKind::Financial => {
            let y = if d.month() >= 4 {
                d.year()
            } else {
                d.year() - 1
            };
            format!("{y}-{:02}", (y + 1).rem_euclid(100))
        }
    };
    match per {
        Per::Month => start.format("%Y-%m").to_string(),
        Per::Year => fy(start),
        Per::Quarter => {
            let months_in = (start.month() as i32 - year.first_month() as i32).rem_euclid(12);
            format!("{} Q{}", fy(start), months_in / 3 + 1)
        }
    }
}

/// One row of a series: a period's report with its label.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SeriesRow {
    pub label: String,
    pub partial: bool,
    #[serde(flatten)]
    pub report: Report,
}

/// Several periods measured in one pass over the disputes, and the whole range.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Series {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub per: Per,
    pub year: YearKind,
    pub periods: Vec<SeriesRow>,
    pub total: Report,
}

/// One row of the long, tidy CSV: a count for one figure of one value of one
/// dimension in one period.
#[derive(Clone, Debug, PartialEq)]
pub struct LongRow {
    pub period: String,
    pub dimension: String,
    pub value: String,
    pub figure: String,
    pub count: String,
}

impl Figures {
    /// Each figure by name, stage figures as `entered_stage_N`; the median only
    /// when there is one.
    pub(crate) fn named(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for f in FIGURE_TABLE {
            match f.get {
                Get::Count(get) => out.push((f.name.to_owned(), get(self).to_string())),
                Get::ByStage(get) => out.extend(
                    get(self)
                        .iter()
                        .map(|(k, v)| (format!("{}_{k}", f.name), v.to_string())),
                ),
                Get::Days(get) => {
                    out.extend(get(self).map(|m| (f.name.to_owned(), m.to_string())));
                }
            }
        }
        out
    }
}

impl Report {
    /// The report as long rows under `period`: the total, each policy, each
    /// breakdown, and each stage (entered and resolved at).
    pub fn long_rows(&self, period: &str) -> Vec<LongRow> {
        let mut out = Vec::new();
        let mut group = |dimension: &str, value: &str, f: &Figures| {
            out.extend(f.named().into_iter().map(|(figure, count)| LongRow {
                period: period.to_owned(),
                dimension: dimension.to_owned(),
                value: value.to_owned(),
                figure,
                count,
            }));
        };
        group("total", "", &self.total);
        for (p, f) in &self.by_policy {
            group("policy", p, f);
        }
        for (dimension, map) in self.breakdown.dimensions() {
            for (v, f) in map {
                group(&dimension, v, f);
            }
        }
        let stages: std::collections::BTreeSet<u32> = self
            .total
            .entered_stage
            .keys()
            .chain(self.total.resolved_at_stage.keys())
            .copied()
            .collect();
        for n in stages {
            for (figure, m) in [
                ("entered", &self.total.entered_stage),
                ("resolved_at", &self.total.resolved_at_stage),
            ] {
                out.push(LongRow {
                    period: period.to_owned(),
                    dimension: "stage".to_owned(),
                    value: n.to_string(),
                    figure: figure.to_owned(),
                    count: m.get(&n).copied().unwrap_or(0).to_string(),
                });
            }
        }
        out
    }

    /// The period as the long CSV names a whole range: `FROM/TO` (ISO 8601).
    pub fn range_label(&self) -> String {
        format!("{}/{}", self.from, self.to)
    }
}

/// How a stage was left, against its deadline under the current calendar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Timely {
    OnTime,
    Late,
    /// The policy sets the stage no timescale.
    NoTimescale,
}

/// One stage left (escalated from or resolved at) in the period.
#[derive(Clone, Debug)]
pub(crate) struct Left {
    pub stage: u32,
    pub timely: Timely,
    pub working_days: i64,
}

/// Counts of stages left, or obligations met, by timeliness.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct TimelyCounts {
    pub on_time: u64,
    pub late: u64,
    pub no_timescale: u64,
}

impl TimelyCounts {
    fn count(&mut self, t: Timely) {
        match t {
            Timely::OnTime => self.on_time += 1,
            Timely::Late => self.late += 1,
            Timely::NoTimescale => self.no_timescale += 1,
        }
    }
}

/// Timeliness of one stage: counts, and the working days spent in it.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct StageTimeliness {
    #[serde(flatten)]
    pub counts: TimelyCounts,
    pub median_working_days: Option<f64>,
    pub p90_working_days: Option<f64>,
    #[serde(skip)]
    days: Vec<i64>,
}

/// What a board asks first: were stages completed within the policy's timescale,
/// how long each took, and were the duties to tell people met on time.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Timeliness {
    /// Stages left in the period (escalated from or resolved at).
    #[serde(flatten)]
    pub stages_left: TimelyCounts,
    pub by_stage: ByStage<StageTimeliness>,
    /// By the agency challenged (the one the disagreement asks to act).
    pub by_challenged_agency: BTreeMap<String, TimelyCounts>,
    pub by_raising_agency: BTreeMap<String, TimelyCounts>,
    /// Obligations met (recorded with `notify`) in the period.
    pub obligations_met: TimelyCounts,
}

/// Median (mean of the middle two) and 90th percentile (nearest rank) of `v`.
fn median_p90(v: &mut [i64]) -> (Option<f64>, Option<f64>) {
    v.sort_unstable();
    let n = v.len();
    if n == 0 {
        return (None, None);
    }
    let median = if n % 2 == 1 {
        v[n / 2] as f64
    } else {
        (v[n / 2 - 1] + v[n / 2]) as f64 / 2.0
    };
    let rank = (n * 9).div_ceil(10).max(1);
    (Some(median), Some(v[rank - 1] as f64))
}

impl Timeliness {
    fn finish(&mut self) {
        for s in self.by_stage.values_mut() {
            (s.median_working_days, s.p90_working_days) = median_p90(&mut s.days);
        }
    }
}

/// One dispute's timeliness in a period.
#[derive(Clone, Debug, Default)]
pub(crate) struct TimelinessPart {
    pub left: Vec<Left>,
    pub obligations: Vec<Timely>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::testing::line;

    /// Each figure of the table is documented (alone or with the one before it),
    /// written in JSON under its name in the table's order, and in the long CSV.
    #[test]
    fn the_figure_table_feeds_the_documentation_json_and_csv() {
        let documented: Vec<&str> = FIGURES
            .iter()
            .flat_map(|(names, _)| names.split(", "))
            .collect();
        let mut f = Figures::default();
        f.entered_stage.insert(1, 2);
        f.highest_stage.insert(1, 1);
        f.resolved_at_stage.insert(2, 1);
        f.median_working_days_to_resolve = Some(1.5);
        let json = serde_json::to_string(&f).unwrap();
        let mut at = 0;
        let named = f.named();
        for figure in FIGURE_TABLE {
            assert!(
                documented.contains(&figure.name),
                "{} undocumented",
                figure.name
            );
            let key = format!("\"{}\":", figure.name);
            let found = json[at..]
                .find(&key)
                .unwrap_or_else(|| panic!("{} not in order in {json}", figure.name));
            at += found + key.len();
            assert!(
                named.iter().any(|(n, _)| n.starts_with(figure.name)),
                "{} not in the long CSV",
                figure.name
            );
        }
        assert_eq!(documented.len(), FIGURE_TABLE.len() + PARTS.len());
    }

    fn figures(stages: std::ops::RangeInclusive<u32>) -> Figures {
        let mut f = Figures::default();
        for n in stages {
            f.entered_stage.insert(n, u64::from(n));
            f.stage_labels.insert(n, format!("{n}x"));
        }
        f.resolved_at_stage.insert(10, 1);
        f.resolved_at_stage.insert(2, 1);
        f
    }

    #[test]
    fn stage_keys_are_written_as_strings_in_numeric_order() {
        let f = figures(1..=11);
        let json = serde_json::to_string(&f).unwrap();
        let entered: String = (1..=11).map(|n| format!("\"{n}\":{n},")).collect();
        assert!(
            json.contains(&format!(
                "\"entered_stage\":{{{}}}",
                entered.trim_end_matches(',')
            )),
            "{json}"
        );
        assert!(
            json.contains("\"resolved_at_stage\":{\"2\":1,\"10\":1}"),
            "{json}"
        );
        assert!(
            json.contains("\"stage_labels\":{\"1\":\"1x\",\"2\":\"2x\","),
            "{json}"
        );
    }

    #[test]
    fn named_figures_list_stage_ten_after_stage_nine() {
        let names: Vec<String> = figures(1..=11)
            .named()
            .into_iter()
            .map(|(name, _)| name)
            .filter(|name| name.starts_with("entered_stage_"))
            .collect();
        let expected: Vec<String> = (1..=11).map(|n| format!("entered_stage_{n}")).collect();
        assert_eq!(names, expected);
    }

    #[test]
    fn long_rows_and_timeliness_list_stages_in_numeric_order() {
        let mut timeliness = Timeliness::default();
        for stage in [10, 2, 1] {
            let s = timeliness.by_stage.entry(stage).or_default();
            s.counts.count(Timely::OnTime);
            s.days.push(1);
        }
        let report = Report {
            from: "2026-11-01".parse().unwrap(),
            to: "2026-11-30".parse().unwrap(),
            generated_at: crate::domain::clock::parse_instant("2026-12-01T09:00:00Z").unwrap(),
            in_progress: false,
            as_recorded_at: None,
            recorded_after_end: 0,
            previous: None,
            total: figures(1..=11),
            by_policy: BTreeMap::new(),
            by_agency: ByAgency::default(),
            breakdown: Breakdown::default(),
            timeliness,
            skipped: Vec::new(),
        };
        let stages: Vec<String> = report
            .long_rows("2026-11")
            .into_iter()
            .filter(|r| r.dimension == "stage" && r.figure == "entered")
            .map(|r| r.value)
            .collect();
        let expected: Vec<String> = (1..=11).map(|n| n.to_string()).collect();
        assert_eq!(stages, expected);
        let json = serde_json::to_string(&report.timeliness).unwrap();
        let at = |key: &str| json.find(&format!("\"{key}\":{{\"on_time\"")).unwrap();
        assert!(at("1") < at("2") && at("2") < at("10"), "{json}");
    }

    /// Opened with a child protection plan (the IRO is owed a notification at
    /// stage 2), escalated, resolved: open, overdue and pending all change.
    fn dispute(policy: &Policy) -> Dispute {
        let opened = Event::Opened(crate::domain::event::Opened {
            cp_plan: true,
            ..crate::domain::testing::opened(1)
        });
        let lines = vec![
            line(1, "2026-01-05 09:00", opened),
            line(
                2,
                "2026-01-20 10:00",
                Event::Escalated {
                    from_stage: 1,
                    to_stage: 2,
                    reason: "r".into(),
                    due: None,
                    bypass_role: None,
                },
            ),
            line(
                3,
                "2026-03-02 09:00",
                Event::Resolved {
                    stage: 2,
                    outcome: "o".into(),
                },
            ),
        ];
        Dispute::fold(
            crate::domain::id::DisputeId::random().unwrap(),
            lines,
            policy,
        )
        .unwrap()
    }

    #[test]
    fn snapshots_answer_as_a_replay_does_at_any_instant() {
        let catalogue = crate::policy::Catalogue::builtin();
        let gscb = &catalogue.get("gscb").unwrap().policy;
        let calendar = Calendar::new(crate::calendar::Division::EnglandAndWales);
        let d = dispute(gscb);
        let snaps = Snapshots::of(&d, gscb, &calendar);
        let replay =
            |t: &Instant| state_at(&d, gscb, t).map(|s| EndState::of(&s, gscb, &calendar, t));
        let at = |s: &str| clock::parse_instant(s).unwrap();
        let ns = chrono::Duration::nanoseconds(1);
        let mut times = vec![
            at("2025-12-31 23:59"),
            at("2026-01-10 12:00"),
            at("2026-01-31 23:59"),
            at("2026-02-28 23:59"),
            at("2026-06-30 23:59"),
        ];
        for r in &d.records {
            let t = d.when_of(r);
            times.extend([t - ns, t, t + ns]);
        }
        let mut seen = std::collections::BTreeSet::new();
        for t in &times {
            let kept = snaps.at(&calendar, t).expect("snapshots kept");
            assert_eq!(kept, replay(t), "at {t}");
            seen.insert(format!("{kept:?}"));
        }
        // Not opened, open in time, open and overdue, resolved owing the IRO.
        assert_eq!(snaps.at(&calendar, &at("2026-01-05 08:59")), Some(None));
        assert_eq!(
            snaps.at(&calendar, &at("2026-01-05 09:00")),
            Some(Some(EndState {
                open: true,
                overdue: false
            }))
        );
        assert!(seen.len() >= 4, "{seen:?}");
        // Deadlines under another calendar are not these: the journal is replayed.
        let closed = calendar.clone().with_closures([(
            chrono::NaiveDate::from_ymd_opt(2026, 1, 6).unwrap(),
            "Office move".to_owned(),
        )]);
        assert_eq!(snaps.at(&closed, &at("2026-02-28 23:59")), None);
        // A journal too long to keep them for keeps none.
        let mut long = dispute(gscb);
        let first = long.records[0].clone();
        long.records = vec![first; MAX_SNAPSHOT_LINES + 1];
        let none = Snapshots::of(&long, gscb, &calendar);
        assert_eq!(none.moments, None);
        assert_eq!(none.at(&calendar, &at("2026-02-28 23:59")), None);
    }

    #[test]
    fn adding_figures_sums_each_stage() {
        let mut total = figures(1..=3);
        total.add(&figures(2..=10));
        assert_eq!(total.entered_stage.get(&2), Some(&4));
        assert_eq!(total.entered_stage.get(&10), Some(&10));
        assert_eq!(total.resolved_at_stage.get(&10), Some(&2));
        assert_eq!(total.stage_labels.get(&10).map(String::as_str), Some("10x"));
    }
}
