//! A dispute's stages as its fold went through them, and the one place a
//! deadline is worked out. Each visit to a stage (`Visit`) keeps when it was
//! entered, when and how it was left, and what its deadline was counted from: the
//! clock start and the arising in force then, a user's earlier (protective) date,
//! a later date the parties agreed. `Visit::due` turns that into the deadline in
//! force and says which kind it is; `obligation_due` does the same for a duty.
//! `Summary` (status, show, `--overdue`), report measuring and its snapshots,
//! timeliness and the board pack read deadlines only through here, so a stage
//! left before an agreed date is on time in the report as it was on screen.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::calendar::Calendar;
use crate::domain::clock::Instant;
use crate::domain::deadline::{self, Due};
use crate::domain::dispute::{Dispute, Learned, ObligationState};
use crate::policy::{Anchor, Condition, Facts, Flag, LimitScope, Policy};

/// What set the deadline in force for a stage.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DueKind {
    /// The policy's own timescale for the stage (or a limit over stages).
    Policy,
    /// The policy's shorter timescale for a child at risk of immediate harm.
    Urgent,
    /// An earlier date a user set with `--due` to protect the child, earlier than
    /// the policy's.
    Protective,
    /// A later date the parties agreed, where the policy lets them.
    Agreed,
}

/// A stage's deadline and what set it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StageDue {
    pub due: Due,
    pub kind: DueKind,
}

/// How a visit to a stage ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Leaving {
    /// When it happened (its corrected time, if corrected).
    #[serde(with = "crate::domain::clock::compact")]
    pub at: Instant,
    /// The journal line that left it.
    pub line: u64,
    /// The stage escalated to; `None` when the dispute was resolved there.
    pub to: Option<u32>,
}

/// One visit to a stage: from entering it (opening, an escalation or a
/// reopening) to leaving it (an escalation or a resolution), or still there.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Visit {
    pub stage: u32,
    #[serde(with = "crate::domain::clock::compact")]
    pub entered: Instant,
    /// The journal line that entered it (the opening, an escalation, a
    /// reopening); 0 for a visit not yet recorded (a preview).
    pub entered_line: u64,
    /// When the policy's clocks started, as it stood during the visit: the
    /// opening, or the reopening before it (`Dispute::clock_start`).
    #[serde(with = "crate::domain::clock::compact")]
    pub clock_start: Instant,
    /// When the disagreement arose, as it stood during the visit.
    #[serde(with = "crate::domain::clock::compact")]
    pub arose: Instant,
    /// A user's earlier date for the stage (`--due`): the earlier of it and the
    /// policy's stands.
    pub protective: Option<NaiveDate>,
    /// A later date the parties agreed: it replaces the policy's.
    pub agreed: Option<NaiveDate>,
    /// `None` while the dispute is still at the stage.
    pub left: Option<Leaving>,
}

impl Visit {
    /// The deadline in force for this visit under `calendar`: the date the parties
    /// agreed; else the earlier of the user's protective date and the policy's.
    /// `facts` and when some were learned are the dispute's. `None` when the
    /// stage has no timescale.
    pub fn due(
        &self,
        policy: &Policy,
        facts: (&Facts, &[Learned]),
        calendar: &Calendar,
    ) -> Option<StageDue> {
        if let Some(agreed) = self.agreed {
            return Some(StageDue {
                due: Due::end_of(agreed),
                kind: DueKind::Agreed,
            });
        }
        // The user's date was accepted as no later than the policy's; if the
        // calendar has since changed (an import, a closure), the earlier of the
        // two still protects the child.
        let from_policy = self.policy_due(policy, facts, calendar);
        let protective = self.protective.map(|date| StageDue {
            due: Due::end_of(date),
            kind: DueKind::Protective,
        });
        // On a tie the user's date is named: it is the one they see.
        [protective, from_policy]
            .into_iter()
            .flatten()
            .min_by(|a, b| a.due.by.cmp(&b.due.by))
    }

    /// The deadline the policy alone gives this visit, before any date a user or
    /// the parties set: the earliest of the stage's own deadlines and the
    /// policy's limits that apply. A deadline that applies only because of a fact
    /// learned later counts from when it was recorded, never from before anyone
    /// knew.
    pub fn policy_due(
        &self,
        policy: &Policy,
        (facts, learned): (&Facts, &[Learned]),
        calendar: &Calendar,
    ) -> Option<StageDue> {
        let anchor = |from: Anchor, default: Instant| match from {
            Anchor::Entered | Anchor::Discussed => default,
            Anchor::Opened => self.clock_start,
            Anchor::Arose => self.arose,
        };
        let stage_specs = policy
            .stage(self.stage)
            .into_iter()
            .flat_map(|s| s.deadlines.iter())
            .map(|d| (d, anchor(d.from, self.entered)));
        let limit_specs = policy.limits.iter().map(|l| {
            let default = match l.scope {
                LimitScope::EachStage => self.entered,
                LimitScope::WholeDispute => self.clock_start,
            };
            (&l.deadline, anchor(l.deadline.from, default))
        });
        let urgent = Condition::Flag(Flag::ImmediateHarm);
        stage_specs
            .chain(limit_specs)
            .filter(|(d, _)| facts.any(&d.when))
            .filter_map(|(d, at)| {
                let at = at.max(known_since(facts, learned, &d.when).unwrap_or(at));
                let kind = if d.when.contains(&urgent) {
                    DueKind::Urgent
                } else {
                    DueKind::Policy
                };
                deadline::compute(d, at, calendar).map(|due| StageDue { due, kind })
            })
            .min_by(|a, b| a.due.by.cmp(&b.due.by))
    }
}

/// The deadline of duty `o` of dispute `d` under `calendar`, `None` while it has
/// none (no time limit, a condition that does not hold, a chained step whose step
/// before is not met yet).
pub(crate) fn obligation_due(d: &Dispute, o: &ObligationState, calendar: &Calendar) -> Option<Due> {
    // A `when` on the due itself makes the time limit conditional while the
    // duty stands regardless (cumbria: the urgency assessment always, within 24
    // hours only for child protection).
    let spec = o.due.as_ref().filter(|s| d.facts.any(&s.when))?;
    // A chained step has no date until the step before it is met.
    let anchor = match (&o.after, spec.from) {
        (Some(before), _) => {
            d.obligations
                .iter()
                .find(|p| p.step && p.arose_line == o.arose_line && &p.id == before)?
                .met_at?
        }
        (None, Anchor::Entered) => o.arose,
        (None, Anchor::Opened) => d.clock_start(),
        (None, Anchor::Arose) => d.arose(),
        (None, Anchor::Discussed) => d.discussed_at.filter(|_| o.stage == d.stage)?,
    };
    // A time limit that applies only because of a fact recorded after the duty
    // arose counts from when the fact was recorded, as a stage's deadline does
    // (cumbria: "child protection" learned after the formal process began would
    // otherwise be overdue the moment it was recorded).
    let anchor = anchor.max(known_since(&d.facts, &d.learned, &spec.when).unwrap_or(anchor));
    deadline::compute(spec, anchor, calendar)
}

/// When a rule with conditions `when` (which hold) first applied: `None` if it held
/// from the start, else the earliest time one of its conditions was learned.
fn known_since(facts: &Facts, learned: &[Learned], when: &[Condition]) -> Option<Instant> {
    let mut since: Option<Instant> = None;
    for c in when.iter().filter(|c| facts.holds(c)) {
        match learned.iter().find(|l| Condition::Flag(l.condition) == *c) {
            None => return None,
            Some(l) => since = Some(since.map_or(l.at, |s| s.min(l.at))),
        }
    }
    since
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::Division;
    use crate::domain::clock;
    use crate::domain::event::Event;
    use crate::domain::id::DisputeId;
    use crate::domain::testing::{line, opened};
    use crate::policy::Catalogue;

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn discussed(stage: u32) -> Event {
        Event::Discussed {
            stage,
            note: "n".into(),
            with: None,
        }
    }

    fn escalated(from_stage: u32, due: Option<&str>) -> Event {
        Event::Escalated {
            from_stage,
            to_stage: from_stage + 1,
            reason: "r".into(),
            due: due.map(date),
            bypass_role: None,
        }
    }

    /// Each visit keeps its own entry, leaving and dates, and is judged by the
    /// deadline in force while it lasted, whatever came after.
    #[test]
    fn every_visit_keeps_the_deadline_in_force_while_it_lasted() {
        let catalogue = Catalogue::builtin();
        let gscb = &catalogue.get("gscb").unwrap().policy;
        let calendar = Calendar::new(Division::EnglandAndWales);
        let mut first = opened(1);
        first.due = Some(date("2026-11-04"));
        let lines = vec![
            line(1, "2026-11-02 10:00", Event::Opened(first)),
            line(2, "2026-11-03 10:00", discussed(1)),
            line(3, "2026-11-05 10:00", escalated(1, None)),
            line(
                4,
                "2026-11-10 10:00",
                Event::Resolved {
                    stage: 2,
                    outcome: "o".into(),
                },
            ),
            line(
                5,
                "2026-11-12 10:00",
                Event::Reopened { reason: "r".into() },
            ),
        ];
        let d = Dispute::fold(DisputeId::random().unwrap(), lines, gscb).unwrap();
        type Shape = (u32, u64, Option<(u64, Option<u32>)>);
        let shape: Vec<Shape> = d
            .visits
            .iter()
            .map(|v| (v.stage, v.entered_line, v.left.map(|l| (l.line, l.to))))
            .collect();
        assert_eq!(
            shape,
            [
                (1, 1, Some((3, Some(2)))),
                (2, 3, Some((4, None))),
                (2, 5, None)
            ]
        );
        let facts = (&d.facts, d.learned.as_slice());
        // Stage 1: the user's earlier date, not gscb's five working days.
        let one = d.visits[0].due(gscb, facts, &calendar).unwrap();
        assert_eq!(
            (one.due.date, one.kind),
            (date("2026-11-04"), DueKind::Protective)
        );
        // Stage 2 before the reopening: the policy's, counted from its entry.
        let two = d.visits[1].due(gscb, facts, &calendar).unwrap();
        assert_eq!(two.kind, DueKind::Policy);
        // Reopened: the clocks start again, and the current deadline is this visit's.
        let again = &d.visits[2];
        assert_eq!(again.clock_start, again.entered);
        assert!(d.visits[1].clock_start < again.clock_start);
        let now = d.stage_due(gscb, &calendar).unwrap();
        assert_eq!(Some(now.clone()), again.due(gscb, facts, &calendar));
        assert!(now.due.by > two.due.by);
        assert_eq!(d.stage_entered(), again.entered);
    }

    /// A date the parties agreed replaces the policy's; a later escalation starts
    /// a visit with no date but the policy's.
    #[test]
    fn an_agreed_date_holds_for_its_visit_only() {
        let catalogue = Catalogue::builtin();
        let gscb = &catalogue.get("gscb").unwrap().policy;
        let calendar = Calendar::new(Division::EnglandAndWales);
        let mut v = Visit {
            stage: 1,
            entered: clock::parse_instant("2026-11-02 10:00").unwrap(),
            entered_line: 1,
            clock_start: clock::parse_instant("2026-11-02 10:00").unwrap(),
            arose: clock::parse_instant("2026-11-02 10:00").unwrap(),
            protective: Some(date("2026-11-03")),
            agreed: Some(date("2026-11-20")),
            left: None,
        };
        let facts = Facts::default();
        let due = v.due(gscb, (&facts, &[]), &calendar).unwrap();
        assert_eq!(
            (due.due.date, due.kind),
            (date("2026-11-20"), DueKind::Agreed)
        );
        v.agreed = None;
        let due = v.due(gscb, (&facts, &[]), &calendar).unwrap();
        assert_eq!(due.kind, DueKind::Protective);
        // A protective date no earlier than the policy's is not what sets it.
        v.protective = Some(date("2026-12-31"));
        let due = v.due(gscb, (&facts, &[]), &calendar).unwrap();
        assert_eq!(due.kind, DueKind::Policy);
    }

    /// The urgent path's shorter timescale is named as such: bscb's stage 2 has
    /// none of its own but the same working day for a child at immediate risk.
    #[test]
    fn the_urgent_path_s_deadline_is_named_urgent() {
        let catalogue = Catalogue::builtin();
        let bscb = &catalogue.get("bscb").unwrap().policy;
        let calendar = Calendar::new(Division::EnglandAndWales);
        let mut first = opened(1);
        first.policy = "bscb".into();
        first.immediate_harm = true;
        let lines = vec![
            line(1, "2026-11-02 10:00", Event::Opened(first)),
            line(2, "2026-11-02 11:00", discussed(1)),
            line(3, "2026-11-02 12:00", escalated(1, None)),
        ];
        let d = Dispute::fold(DisputeId::random().unwrap(), lines, bscb).unwrap();
        let due = d.stage_due(bscb, &calendar).unwrap();
        assert_eq!(
            (due.due.date, due.kind),
            (date("2026-11-02"), DueKind::Urgent)
        );
    }
}
