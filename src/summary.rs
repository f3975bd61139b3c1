//! The view of a dispute at a moment: its deadline, how long is left or how overdue
//! it is, and the obligations still outstanding. This is what `status`, `show` and
//! `--json` present; its field names are a documented interface for scripts.

use serde::Serialize;

use crate::calendar::Calendar;
use crate::clock::{self, Instant};
use crate::deadline::Due;
use crate::dispute::{Dispute, State};
use crate::policy::Policy;

#[derive(Clone, Debug, Serialize)]
pub struct ObligationView {
    pub id: String,
    pub who: String,
    pub action: String,
    pub stage: u32,
    #[serde(with = "crate::clock::rfc3339")]
    pub arose: Instant,
    /// YYYY-MM-DD, absent when the policy gives no time limit.
    pub due: Option<String>,
    pub immediately: bool,
    pub overdue: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    pub id: String,
    pub policy: String,
    pub policy_hash: String,
    pub stage: u32,
    pub stage_name: String,
    pub state: State,
    pub child: String,
    pub from: String,
    pub with: String,
    pub category: Option<String>,
    pub summary: String,
    pub cp_plan: bool,
    pub looked_after: bool,
    pub immediate_harm: bool,
    #[serde(with = "crate::clock::rfc3339")]
    pub opened: Instant,
    #[serde(with = "crate::clock::rfc3339")]
    pub stage_entered: Instant,
    /// YYYY-MM-DD in Europe/London, or null when the stage has no fixed timescale.
    pub due: Option<String>,
    /// HH:MM for deadlines in clock hours.
    pub due_time: Option<String>,
    /// The policy says "immediately"/"without delay": due by the end of `due`.
    pub due_immediately: bool,
    /// "policy" or "user" (an earlier date set with --due).
    pub due_set_by: Option<&'static str>,
    pub overdue: bool,
    /// Working days after today up to and including the due date (0 = due today).
    pub working_days_left: Option<i64>,
    /// Calendar days since the due date, when overdue.
    pub days_overdue: Option<i64>,
    /// Working days since the current stage was entered: the age shown when the
    /// policy sets no timescale.
    pub working_days_in_stage: i64,
    pub obligations: Vec<ObligationView>,
    #[serde(with = "crate::clock::rfc3339::option")]
    pub resolved: Option<Instant>,
    pub outcome: Option<String>,
    pub calendar: String,
    pub events: usize,
    /// SHA-256 of the journal's last line: a receipt a manager can note elsewhere.
    pub head: String,
    #[serde(skip)]
    pub due_detail: Option<Due>,
}

impl Summary {
    pub fn of(
        d: &Dispute,
        policy: &Policy,
        head: &str,
        calendar: &Calendar,
        now: &Instant,
    ) -> Summary {
        let today = clock::london_date(now);
        let due = d.due(policy, calendar);
        let overdue = due.as_ref().is_some_and(|x| x.is_overdue(now));
        let obligations = d
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
                    immediately: due.as_ref().is_some_and(|x| x.immediately),
                    overdue: due.as_ref().is_some_and(|x| x.is_overdue(now)),
                }
            })
            .collect();
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
            state: d.state,
            child: o.child.clone(),
            from: o.from.clone(),
            with: o.with.clone(),
            category: o.category.clone(),
            summary: o.summary.clone(),
            cp_plan: o.cp_plan,
            looked_after: o.looked_after,
            immediate_harm: o.immediate_harm,
            opened: d.opened_at,
            stage_entered: d.stage_entered,
            due: due.as_ref().map(|x| x.date.to_string()),
            due_time: due.as_ref().and_then(|x| x.time.clone()),
            due_immediately: due.as_ref().is_some_and(|x| x.immediately),
            due_set_by: due.as_ref().map(|x| {
                if d.due_override.is_some_and(|u| u == x.date) && x.time.is_none() {
                    "user"
                } else {
                    "policy"
                }
            }),
            overdue,
            working_days_left: due
                .as_ref()
                .filter(|_| !overdue)
                .map(|x| calendar.working_days_between(today, x.date).max(0)),
            days_overdue: due
                .as_ref()
                .filter(|_| overdue)
                .map(|x| (today - x.date).num_days().max(0)),
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
        }
    }
}
