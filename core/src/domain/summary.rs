//! The view of a dispute at a moment: its due items (the stage deadline and each
//! outstanding obligation, each with its own deadline instant), how long is left or
//! how overdue each is, and whether the dispute as a whole is overdue (any due item
//! is). This one notion of "what is due" is what `status`, `show`, `export`,
//! `--json` and the report's `overdue_at_end` present; its field names are a
//! documented interface for scripts.

use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;

use crate::calendar::Calendar;
use crate::domain::clock::{self, Instant};
use crate::domain::deadline::{Due, Standing};
use crate::domain::dispute::{Dispute, State};
use crate::domain::stages::DueKind;
use crate::policy::Policy;

#[derive(Clone, Debug, Serialize)]
pub struct ObligationView {
    pub id: String,
    pub who: String,
    pub action: String,
    pub stage: u32,
    #[serde(with = "crate::domain::clock::rfc3339")]
    pub arose: Instant,
    /// The deadline, absent when the policy gives no time limit. Written as
    /// `due` (YYYY-MM-DD), `due_time` (HH:MM for deadlines in clock hours),
    /// `due_at` (the instant, RFC 3339: 23:59:59 London time for the end of a
    /// working day, the exact time for deadlines in hours) and `immediately`.
    #[serde(flatten, serialize_with = "obligation_due_fields")]
    pub due: Option<Due>,
    #[serde(flatten)]
    pub standing: Standing,
    /// The journal line it arose on.
    pub arose_line: u64,
    /// A step inside the stage (`[[stage.step]]`) rather than a policy obligation.
    pub step: bool,
    /// The step this one follows: until that is recorded, this has no date.
    pub after: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    pub id: String,
    pub policy: String,
    pub policy_hash: String,
    pub stage: u32,
    pub stage_name: String,
    /// What the policy calls the stage ("4a", "0"): its label, else its number.
    pub stage_label: String,
    pub state: State,
    pub child: String,
    /// Whom `child` refers to: "child" or "adult".
    pub subject_kind: String,
    pub from: String,
    pub with: String,
    pub category: Option<String>,
    pub summary: String,
    pub cp_plan: bool,
    pub looked_after: bool,
    pub immediate_harm: bool,
    #[serde(with = "crate::domain::clock::rfc3339")]
    pub opened: Instant,
    #[serde(with = "crate::domain::clock::rfc3339")]
    pub stage_entered: Instant,
    /// The stage deadline, `None` when the stage has no fixed timescale. Written as
    /// `due` (YYYY-MM-DD in Europe/London, or null), `due_time` (HH:MM for
    /// deadlines in clock hours), `due_at` (the instant, RFC 3339 with the London
    /// offset) and `due_immediately` (the policy says "immediately"/"without
    /// delay": due by the end of `due`).
    #[serde(flatten, serialize_with = "stage_due_fields")]
    pub due: Option<Due>,
    pub due_set_by: Option<DueSetBy>,
    /// Any due item (the stage deadline or an outstanding obligation) is past.
    pub overdue: bool,
    /// The stage deadline is past.
    pub stage_overdue: bool,
    /// Working days after today up to and including the stage's due date (0: none
    /// left).
    pub working_days_left: Option<i64>,
    /// Calendar days since the stage's due date, when it is past.
    pub days_overdue: Option<i64>,
    /// Working days since the stage's due date, when it is past.
    pub working_days_overdue: Option<i64>,
    /// The earliest due item (stage deadline or obligation), for sorting. Written
    /// as `next_due` (its date) and `next_due_at` (its instant).
    #[serde(flatten, serialize_with = "next_due_fields")]
    pub next_detail: Option<Due>,
    /// Open, or resolved with an obligation still outstanding: what `status` lists
    /// without `--all`.
    pub pending: bool,
    /// Working days since the current stage was entered: the age shown when the
    /// policy sets no timescale.
    pub working_days_in_stage: i64,
    pub obligations: Vec<ObligationView>,
    #[serde(with = "crate::domain::clock::rfc3339::option")]
    pub resolved: Option<Instant>,
    pub outcome: Option<String>,
    pub calendar: String,
    /// Journal lines that do not count (signature fails, key not allowed, not
    /// signed), in line order: nothing above comes from them. Absent when every
    /// line counts.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_counted: Vec<crate::domain::dispute::Uncounted>,
    /// Its personal text (child, summary, notes, outcome) is sealed and not at
    /// hand: those members are empty. Absent when the text is here.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub sealed: bool,
    /// Who erased its text, when and why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub erased: Option<crate::domain::dispute::Erasure>,
    pub events: usize,
    /// SHA-256 of the journal's last line: a receipt a manager can note elsewhere.
    pub head: String,
    #[serde(skip)]
    pub stage_standing: Standing,
}

/// Who set the stage deadline in force.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DueSetBy {
    /// The policy's own timescale.
    Policy,
    /// An earlier date set with `--due`.
    User,
    /// A later date the parties agreed, where the policy allows it.
    Agreed,
}

impl DueSetBy {
    /// As `--json` has always named it: the urgent path's timescale is the
    /// policy's.
    fn of(kind: DueKind) -> DueSetBy {
        match kind {
            DueKind::Policy | DueKind::Urgent => DueSetBy::Policy,
            DueKind::Protective => DueSetBy::User,
            DueKind::Agreed => DueSetBy::Agreed,
        }
    }
}

/// `due`, `due_time`, `due_at` and then the flag saying "immediately" under
/// `immediately_key`: the keys scripts have read since the first `--json`.
fn due_fields<S: Serializer>(
    due: &Option<Due>,
    s: S,
    immediately_key: &'static str,
) -> Result<S::Ok, S::Error> {
    let mut map = s.serialize_map(Some(4))?;
    map.serialize_entry("due", &due.as_ref().map(|d| d.date))?;
    map.serialize_entry("due_time", &due.as_ref().and_then(|d| d.time.as_deref()))?;
    map.serialize_entry("due_at", &due.as_ref().map(Due::due_at))?;
    map.serialize_entry(
        immediately_key,
        &due.as_ref().is_some_and(|d| d.immediately),
    )?;
    map.end()
}

fn stage_due_fields<S: Serializer>(due: &Option<Due>, s: S) -> Result<S::Ok, S::Error> {
    due_fields(due, s, "due_immediately")
}

fn obligation_due_fields<S: Serializer>(due: &Option<Due>, s: S) -> Result<S::Ok, S::Error> {
    due_fields(due, s, "immediately")
}

fn next_due_fields<S: Serializer>(next: &Option<Due>, s: S) -> Result<S::Ok, S::Error> {
    let mut map = s.serialize_map(Some(2))?;
    map.serialize_entry("next_due", &next.as_ref().map(|d| d.date))?;
    map.serialize_entry("next_due_at", &next.as_ref().map(Due::due_at))?;
    map.end()
}

impl Summary {
    /// Whether anything is due within `n` working days (or already overdue).
    pub fn due_within(&self, n: i64) -> bool {
        let within = |st: &Standing| st.overdue || st.working_days_left.is_some_and(|l| l <= n);
        (self.due.is_some() && within(&self.stage_standing))
            || self
                .obligations
                .iter()
                .any(|o| o.due.is_some() && within(&o.standing))
    }

    pub fn of(
        d: &Dispute,
        policy: &Policy,
        head: &str,
        calendar: &Calendar,
        now: &Instant,
    ) -> Summary {
        let today = clock::london_date(now);
        let stage_due = d.stage_due(policy, calendar);
        let due = stage_due.as_ref().map(|x| x.due.clone());
        let stage_standing = due
            .as_ref()
            .map(|x| x.standing(now, calendar))
            .unwrap_or_default();
        let obligations: Vec<ObligationView> = d
            .outstanding()
            .map(|o| {
                let due = d.obligation_due(o, calendar);
                ObligationView {
                    id: o.id.clone(),
                    who: o.who.clone(),
                    action: o.action.clone(),
                    stage: o.stage,
                    arose: o.arose,
                    standing: due
                        .as_ref()
                        .map(|x| x.standing(now, calendar))
                        .unwrap_or_default(),
                    arose_line: o.arose_line,
                    step: o.step,
                    after: o.after.clone(),
                    due,
                }
            })
            .collect();
        let next = crate::domain::deadline::earliest(
            due.iter()
                .cloned()
                .chain(obligations.iter().filter_map(|o| o.due.clone())),
        );
        let overdue = stage_standing.overdue || obligations.iter().any(|o| o.standing.overdue);
        let o = &d.opened;
        Summary {
            id: d.id.to_string(),
            policy: policy.id.clone(),
            policy_hash: o.policy_hash.clone(),
            stage: d.stage,
            stage_name: policy
                .stage(d.stage)
                .map(|s| s.name.clone())
                .unwrap_or_default(),
            stage_label: policy.label(d.stage),
            state: d.state,
            child: o.child.clone(),
            subject_kind: d.subject_kind(policy).to_owned(),
            from: o.from.clone(),
            with: o.with.clone(),
            category: o.category.clone(),
            summary: o.summary.clone(),
            cp_plan: d.facts.cp_plan,
            looked_after: d.facts.looked_after,
            immediate_harm: d.facts.immediate_harm,
            opened: d.opened_at,
            stage_entered: d.stage_entered(),
            due_set_by: stage_due.map(|x| DueSetBy::of(x.kind)),
            overdue,
            stage_overdue: stage_standing.overdue,
            working_days_left: stage_standing.working_days_left,
            days_overdue: stage_standing.days_overdue,
            working_days_overdue: stage_standing.working_days_overdue,
            next_detail: next,
            pending: d.is_pending(),
            working_days_in_stage: calendar
                .working_days_between(clock::london_date(&d.stage_entered()), today)
                .max(0),
            obligations,
            resolved: d.resolution.as_ref().map(|r| r.when),
            outcome: d
                .resolution
                .as_ref()
                .map(|r| r.outcome.clone())
                .filter(|o| !o.is_empty()),
            calendar: calendar.describe(),
            events: d.events,
            not_counted: d.uncounted.clone(),
            // A sealed dispute's summary is never empty once opened (`open`
            // requires one): empty, it was not opened.
            sealed: d.opened.seal_to.is_some() && d.opened.summary.is_empty(),
            erased: d.erased.clone(),
            head: head.to_owned(),
            due,
            stage_standing,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The keys around each typed field, to show they are written in place.
    #[derive(Serialize)]
    struct Stage {
        before: u8,
        #[serde(flatten, serialize_with = "stage_due_fields")]
        due: Option<Due>,
        set_by: Option<DueSetBy>,
        #[serde(flatten, serialize_with = "next_due_fields")]
        next: Option<Due>,
    }

    #[derive(Serialize)]
    struct Duty {
        #[serde(flatten, serialize_with = "obligation_due_fields")]
        due: Option<Due>,
        after: u8,
    }

    fn date(text: &str) -> chrono::NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn a_due_date_is_written_as_the_strings_it_was_before() {
        let summer = Due::end_of(date("2026-07-01"));
        let stage = Stage {
            before: 1,
            due: Some(summer.clone()),
            set_by: Some(DueSetBy::Policy),
            next: Some(summer),
        };
        assert_eq!(
            serde_json::to_string(&stage).unwrap(),
            r#"{"before":1,"due":"2026-07-01","due_time":null,"due_at":"2026-07-01T23:59:59+01:00","due_immediately":false,"set_by":"policy","next_due":"2026-07-01","next_due_at":"2026-07-01T23:59:59+01:00"}"#
        );
        let none = Stage {
            before: 1,
            due: None,
            set_by: None,
            next: None,
        };
        assert_eq!(
            serde_json::to_string(&none).unwrap(),
            r#"{"before":1,"due":null,"due_time":null,"due_at":null,"due_immediately":false,"set_by":null,"next_due":null,"next_due_at":null}"#
        );
    }

    #[test]
    fn a_deadline_in_hours_keeps_its_time_and_immediately_its_flag() {
        let by =
            clock::to_london(chrono::DateTime::parse_from_rfc3339("2026-11-22T09:00:00Z").unwrap());
        let hours = Due {
            date: date("2026-11-22"),
            by,
            time: Some("09:00".into()),
            immediately: false,
            shut_on: None,
        };
        assert_eq!(
            serde_json::to_string(&Duty {
                due: Some(hours),
                after: 2
            })
            .unwrap(),
            r#"{"due":"2026-11-22","due_time":"09:00","due_at":"2026-11-22T09:00:00+00:00","immediately":false,"after":2}"#
        );
        let now = Due {
            immediately: true,
            ..Due::end_of(date("2026-11-23"))
        };
        assert_eq!(
            serde_json::to_string(&Duty {
                due: Some(now),
                after: 2
            })
            .unwrap(),
            r#"{"due":"2026-11-23","due_time":null,"due_at":"2026-11-23T23:59:59+00:00","immediately":true,"after":2}"#
        );
    }

    #[test]
    fn who_set_a_deadline_is_written_in_the_words_scripts_read() {
        for (by, word) in [
            (DueSetBy::Policy, "\"policy\""),
            (DueSetBy::User, "\"user\""),
            (DueSetBy::Agreed, "\"agreed\""),
        ] {
            assert_eq!(serde_json::to_string(&by).unwrap(), word);
        }
    }
}
