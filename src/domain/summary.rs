//! The view of a dispute at a moment: its due items (the stage deadline and each
//! outstanding obligation, each with its own deadline instant), how long is left or
//! how overdue each is, and whether the dispute as a whole is overdue (any due item
//! is). This one notion of "what is due" is what `status`, `show`, `export`,
//! `--json` and the report's `overdue_at_end` present; its field names are a
//! documented interface for scripts.

use serde::Serialize;

use crate::calendar::Calendar;
use crate::domain::clock::{self, Instant};
use crate::domain::deadline::{Due, Standing};
use crate::domain::dispute::{Dispute, State};
use crate::policy::Policy;

#[derive(Clone, Debug, Serialize)]
pub struct ObligationView {
    pub id: String,
    pub who: String,
    pub action: String,
    pub stage: u32,
    #[serde(with = "crate::domain::clock::rfc3339")]
    pub arose: Instant,
    /// YYYY-MM-DD, absent when the policy gives no time limit.
    pub due: Option<String>,
    /// HH:MM for deadlines in clock hours.
    pub due_time: Option<String>,
    /// The deadline instant (RFC 3339): 23:59:59 London time for the end of a
    /// working day, the exact time for deadlines in hours.
    pub due_at: Option<String>,
    pub immediately: bool,
    #[serde(flatten)]
    pub standing: Standing,
    /// The journal line it arose on.
    pub arose_line: u64,
    /// A step inside the stage (`[[stage.step]]`) rather than a policy obligation.
    pub step: bool,
    /// The step this one follows: until that is recorded, this has no date.
    pub after: Option<String>,
    #[serde(skip)]
    pub due_detail: Option<Due>,
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
    /// YYYY-MM-DD in Europe/London, or null when the stage has no fixed timescale.
    pub due: Option<String>,
    /// HH:MM for deadlines in clock hours.
    pub due_time: Option<String>,
    /// The stage deadline as an instant (RFC 3339 with the London offset).
    pub due_at: Option<String>,
    /// The policy says "immediately"/"without delay": due by the end of `due`.
    pub due_immediately: bool,
    /// "policy", "user" (an earlier date set with --due) or "agreed" (a later
    /// date the parties agreed, where the policy allows it).
    pub due_set_by: Option<&'static str>,
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
    /// The earliest due item: its date and instant.
    pub next_due: Option<String>,
    pub next_due_at: Option<String>,
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
    pub events: usize,
    /// SHA-256 of the journal's last line: a receipt a manager can note elsewhere.
    pub head: String,
    #[serde(skip)]
    pub due_detail: Option<Due>,
    #[serde(skip)]
    pub stage_standing: Standing,
    /// The earliest due item's deadline, for sorting.
    #[serde(skip)]
    pub next_detail: Option<Due>,
}

impl Summary {
    /// Whether anything is due within `n` working days (or already overdue).
    pub fn due_within(&self, n: i64) -> bool {
        let within = |st: &Standing| st.overdue || st.working_days_left.is_some_and(|l| l <= n);
        (self.due_detail.is_some() && within(&self.stage_standing))
            || self
                .obligations
                .iter()
                .any(|o| o.due_detail.is_some() && within(&o.standing))
    }

    pub fn of(
        d: &Dispute,
        policy: &Policy,
        head: &str,
        calendar: &Calendar,
        now: &Instant,
    ) -> Summary {
        let today = clock::london_date(now);
        let due = d.due(policy, calendar);
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
                    due: due.as_ref().map(|x| x.date.to_string()),
                    due_time: due.as_ref().and_then(|x| x.time.clone()),
                    due_at: due.as_ref().map(Due::due_at),
                    immediately: due.as_ref().is_some_and(|x| x.immediately),
                    standing: due
                        .as_ref()
                        .map(|x| x.standing(now, calendar))
                        .unwrap_or_default(),
                    arose_line: o.arose_line,
                    step: o.step,
                    after: o.after.clone(),
                    due_detail: due,
                }
            })
            .collect();
        let next = crate::domain::deadline::earliest(
            due.iter()
                .cloned()
                .chain(obligations.iter().filter_map(|o| o.due_detail.clone())),
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
            stage_entered: d.stage_entered,
            due: due.as_ref().map(|x| x.date.to_string()),
            due_time: due.as_ref().and_then(|x| x.time.clone()),
            due_at: due.as_ref().map(Due::due_at),
            due_immediately: due.as_ref().is_some_and(|x| x.immediately),
            due_set_by: due.as_ref().map(|x| {
                if d.agreed_due.is_some() {
                    "agreed"
                } else if d.due_override.is_some_and(|u| u == x.date) && x.time.is_none() {
                    "user"
                } else {
                    "policy"
                }
            }),
            overdue,
            stage_overdue: stage_standing.overdue,
            working_days_left: stage_standing.working_days_left,
            days_overdue: stage_standing.days_overdue,
            working_days_overdue: stage_standing.working_days_overdue,
            next_due: next.as_ref().map(|x| x.date.to_string()),
            next_due_at: next.as_ref().map(Due::due_at),
            pending: d.is_pending(),
            working_days_in_stage: calendar
                .working_days_between(clock::london_date(&d.stage_entered), today)
                .max(0),
            obligations,
            resolved: d.resolution.as_ref().map(|r| r.when),
            outcome: d.resolution.as_ref().map(|r| r.outcome.clone()),
            calendar: calendar.describe(),
            events: d.events,
            head: head.to_owned(),
            due_detail: due,
            stage_standing,
            next_detail: next,
        }
    }
}
