//! The rules for every action on a dispute, in one place: the vocabulary of
//! actions, and `decide`, the one pure function that turns an action on a dispute
//! (under its policy, calendar and clock) into the event to append, or a refusal
//! that says what to do next. Opening, which has no dispute yet, is `open`.
//!
//! `effects` says what an event will do (the stage it leaves the dispute at, that
//! stage's deadline, the duties that arise) by folding it into a copy of the
//! dispute, so a confirmation shows exactly what the append will do: the preview
//! and the command cannot drift apart.

use chrono::NaiveDate;

use crate::calendar::Calendar;
use crate::domain::clock::{self, Instant};
use crate::domain::correct::Amendment;
use crate::domain::deadline::Due;
use crate::domain::dispute::Dispute;
use crate::domain::event::{Event, Opened, Record};
use crate::domain::stages::Visit;
use crate::error::{Error, Hint, Result};
use crate::policy::{Policy, SubjectScope};

/// Something a user asks to record on a dispute.
#[derive(Clone, Debug)]
pub enum Action {
    Discuss {
        note: String,
        with: Option<String>,
    },
    /// An obligation met (or someone told who is not on the policy's list).
    Notify {
        who: String,
        note: Option<String>,
    },
    Escalate(Escalation),
    /// A later date the parties agreed for the current stage.
    Agree {
        due: NaiveDate,
        note: String,
    },
    Resolve {
        outcome: String,
        /// The stage a confirmation named: refused if the dispute moved since.
        confirmed_stage: Option<u32>,
    },
    Amend(Amendment),
    Reopen {
        reason: String,
    },
}

#[derive(Clone, Debug)]
pub struct Escalation {
    pub reason: String,
    /// The user's earlier date for the stage it moves to.
    pub due: Option<NaiveDate>,
    /// The stage chosen with `--to` (a branch, or a bypass with `role`).
    pub to: Option<u32>,
    /// The named role escalating (`--as`).
    pub role: Option<String>,
    /// The stage the user escalates from, as they saw it before the journal was
    /// locked: if someone else moved the dispute on meanwhile, the refusal says
    /// who and when (not what the new stage lacks). `None`: whatever stage it is at.
    pub from: Option<u32>,
}

impl Action {
    /// Whether the event takes its place in the dispute's order of events, so it
    /// may not be dated before the latest one. A correction of the record (a note
    /// or a corrected time) is about the record, not an event of the dispute; a
    /// fact learned later applies from when it is recorded, so it is ordered.
    pub(crate) fn is_ordered(&self) -> bool {
        !matches!(
            self,
            Action::Amend(
                Amendment::Note { .. } | Amendment::Happened { .. } | Amendment::Field { .. }
            )
        )
    }
}

impl Action {
    /// The action a recorded event was, so that a line recorded elsewhere can be
    /// decided again where the dispute now stands (`sync` rebasing a local line).
    /// `None` for lines no user action makes (the opening, recovery notes, sync's
    /// own notes): only the fold judges those. Sync no longer re-decides lines
    /// (the fold decides conflicts, clarification 17); kept for `sync = auto`
    /// deciding under the fresh state before recording (#26 item 5).
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) fn from_event(event: &Event) -> Option<Action> {
        Some(match event.clone() {
            Event::Discussed { note, with, .. } => Action::Discuss { note, with },
            Event::Notified { who, note, .. } => Action::Notify { who, note },
            Event::Escalated {
                to_stage,
                reason,
                due,
                bypass_role,
                ..
            } => Action::Escalate(Escalation {
                reason,
                due,
                to: Some(to_stage),
                role: bypass_role,
                from: None,
            }),
            Event::DueAgreed { due, note, .. } => Action::Agree { due, note },
            Event::Resolved { outcome, .. } => Action::Resolve {
                outcome,
                confirmed_stage: None,
            },
            Event::Reopened { reason } => Action::Reopen { reason },
            Event::Amended {
                event,
                note,
                event_happened: Some(happened),
                ..
            } => Action::Amend(Amendment::Happened {
                seq: event,
                happened,
                note,
            }),
            Event::Amended { event, note, .. } => {
                Action::Amend(Amendment::Note { seq: event, note })
            }
            Event::FieldSet { field, value, note } => {
                Action::Amend(Amendment::Field { field, value, note })
            }
            Event::FactLearned { fact, value, note } => Action::Amend(Amendment::Fact {
                fact: crate::policy::Flag::parse(&fact)?,
                value,
                note,
            }),
            _ => return None,
        })
    }
}

/// The dispute an action applies to, and when.
pub struct Situation<'a> {
    pub dispute: &'a Dispute,
    pub policy: &'a Policy,
    pub calendar: &'a Calendar,
    /// When the action happened (`--at`, else `now`).
    pub when: Instant,
    /// The time of the command, read under the journal's lock.
    pub now: Instant,
}

/// The event that records `action`, or why it may not be recorded now.
pub(crate) fn decide(action: Action, s: &Situation) -> Result<Event> {
    let d = s.dispute;
    match action {
        Action::Discuss { note, with } => {
            d.require_open("record a discussion")?;
            Ok(Event::Discussed {
                stage: d.stage,
                note,
                with,
            })
        }
        Action::Notify { who, note } => Ok(Event::Notified {
            obligation: d.find_obligation(&who).map(|o| o.id.clone()),
            who,
            note,
        }),
        Action::Escalate(e) => escalate(e, s),
        Action::Agree { due, note } => {
            d.require_open("set a date for it")?;
            let pdue = d
                .visit()
                .and_then(|v| v.policy_due(s.policy, (&d.facts, &d.learned), s.calendar))
                .map(|x| x.due);
            check_stage_date(
                s.policy,
                d.stage,
                due,
                pdue.as_ref(),
                s.when,
                DateFrom::Agree,
            )?;
            Ok(Event::DueAgreed {
                stage: d.stage,
                due,
                note,
            })
        }
        Action::Resolve {
            outcome,
            confirmed_stage,
        } => {
            d.require_open("resolve it again")?;
            if let Some(stage) = confirmed_stage.filter(|st| *st != d.stage) {
                return Err(Error::refused(format!(
                    "dispute {} moved from stage {stage} to stage {} since you confirmed; nothing was written",
                    d.id, d.stage
                ))
                .with_hint(Hint::ResolveAtCurrentStage));
            }
            Ok(Event::Resolved {
                stage: d.stage,
                outcome,
            })
        }
        Action::Amend(Amendment::Field { field, value, note }) => {
            let (field, value) = field_value(s.policy, &field, &value)?;
            if d.fields.get(&field) == Some(&value) {
                return Err(Error::refused(format!(
                    "dispute {} already records {field} as {value:?}",
                    d.id
                ))
                .with_hint(Hint::NothingToRecord));
            }
            Ok(Event::FieldSet { field, value, note })
        }
        Action::Amend(amendment) => d.plan_amendment(amendment, &s.now),
        Action::Reopen { reason } => d.plan_reopen(reason),
    }
}

fn escalate(e: Escalation, s: &Situation) -> Result<Event> {
    let (d, p) = (s.dispute, s.policy);
    if let Some(from) = e.from.filter(|from| *from != d.stage) {
        return Err(moved_on(d, p, from));
    }
    let target = d.plan_escalation(p, e.to, e.role.as_deref())?;
    // The visit the escalation would begin, as the fold will record it.
    let entering = Visit {
        stage: target,
        entered: s.when,
        entered_line: 0,
        clock_start: d.clock_start(),
        arose: d.arose(),
        protective: None,
        agreed: None,
        left: None,
    };
    let pdue = entering
        .policy_due(p, (&d.facts, &d.learned), s.calendar)
        .map(|x| x.due);
    if let Some(due) = e.due {
        check_stage_date(p, target, due, pdue.as_ref(), s.when, DateFrom::Due)?;
    }
    // The role is recorded only where it did something: a bypass of a stage, or of
    // the current stage's discussion.
    let bypass_role = e.role.filter(|_| {
        !p.next_choices(d.stage).iter().any(|st| st.number == target) || !d.action_recorded
    });
    Ok(Event::Escalated {
        from_stage: d.stage,
        to_stage: target,
        reason: e.reason,
        due: e.due,
        bypass_role,
    })
}

/// What recording an event will do, as a confirmation shows it. Two are the same
/// when a person would read them the same (the deadline's date, not the second
/// it was computed at).
#[derive(Clone, Debug)]
pub struct Effects {
    /// The stage the dispute is at afterwards.
    pub stage: u32,
    pub due: Option<Due>,
    /// `(who, action)` of each duty that arises.
    pub duties: Vec<(String, String)>,
}

impl PartialEq for Effects {
    fn eq(&self, other: &Self) -> bool {
        let key = |e: &Effects| {
            (
                e.stage,
                e.due.as_ref().map(|d| (d.date, d.immediately)),
                e.duties.clone(),
            )
        };
        key(self) == key(other)
    }
}

/// What appending `event` would do to the dispute: it is folded into a copy, by
/// the same code that folds the journal afterwards.
pub(crate) fn effects(event: &Event, s: &Situation) -> Result<Effects> {
    let mut after = s.dispute.clone();
    let happened = (s.when != s.now).then_some(s.when);
    let seq = s.dispute.events as u64 + 1;
    let record = Record::new(seq, (s.now, happened), "", event.clone());
    after
        .extend(std::slice::from_ref(&record), s.policy)
        .map_err(|(_, what)| Error::refused(what))?;
    let duties = after
        .obligations
        .iter()
        .filter(|o| o.arose_line == record.seq && o.met_by.is_none() && o.lapsed.is_none())
        .map(|o| (o.who.clone(), o.action.clone()))
        .collect();
    Ok(Effects {
        stage: after.stage,
        due: after.due(s.policy, s.calendar),
        duties,
    })
}

/// The refusal of an escalation from stage `from` when the dispute is no longer
/// there: who moved it on, and when (two people escalating at once, or another
/// agency's line received just before recording), naming the line that left
/// the stage as the fold decided it (an inert escalation later in the journal
/// moved nothing).
fn moved_on(d: &Dispute, p: &Policy, from: u32) -> Error {
    let what = match d.left_by(from) {
        Some((r, left)) => format!(
            "dispute {} was already {} by {} at {} (line {})",
            d.id,
            match left.to {
                Some(to) => format!("escalated to stage {}", p.label(to)),
                None => format!("resolved at stage {}", p.label(from)),
            },
            r.by,
            clock::human_instant(&left.at),
            left.line
        ),
        None => format!(
            "dispute {} moved from stage {} to stage {}",
            d.id,
            p.label(from),
            p.label(d.stage)
        ),
    };
    Error::refused(format!("{what}; nothing was written")).with_hint(Hint::ShowWhereItStands {
        id: d.id.to_string(),
    })
}

/// Where a date for a stage came from, for the words of a refusal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DateFrom {
    /// `--due` on `open` or `escalate`, without a reason.
    Due,
    /// `open --due DATE --due-reason TEXT`.
    DueWithReason,
    /// `escalate agree ID --due DATE --note TEXT`.
    Agree,
}

/// A date a user sets for a stage (clarification 5): never before the stage (or
/// the moment it is set) starts; an *earlier* date than the policy's, one that
/// protects the child, at any point of a stage under any policy; a *later* one
/// only where the stage has `[stage.agree]`, and then only with the reason.
pub(crate) fn check_stage_date(
    policy: &Policy,
    stage: u32,
    date: NaiveDate,
    policy_due: Option<&Due>,
    start: Instant,
    from: DateFrom,
) -> Result<()> {
    let first = clock::london_date(&start);
    if date < first {
        let what = if from == DateFrom::Agree {
            format!(
                "the date {} has already passed (today is {})",
                clock::human_date(date),
                clock::human_date(first)
            )
        } else {
            format!(
                "--due {} is before the stage starts ({})",
                clock::human_date(date),
                clock::human_date(first)
            )
        };
        return Err(Error::refused(what).with_hint(Hint::DueOnOrAfter {
            first,
            agree: from == DateFrom::Agree,
        }));
    }
    let Some(p) = policy_due.filter(|p| date > p.date) else {
        return Ok(());
    };
    let label = policy.label(stage);
    let agree = policy.stage(stage).is_some_and(|s| s.agree.is_some());
    if agree && from != DateFrom::Due {
        return Ok(());
    }
    let flag = if from == DateFrom::Agree {
        "the date"
    } else {
        "--due"
    };
    let later = format!(
        "{flag} {} is later than the policy allows: stage {label} is due by {}",
        clock::human_date(date),
        clock::human_date(p.date)
    );
    Err(if agree {
        Error::refused(later).with_hint(Hint::AgreeLaterDate {
            policy: policy.id.clone(),
            stage: label.to_string(),
        })
    } else {
        Error::refused(format!(
            "{later}, and policy {} does not let the parties agree a later date for it",
            policy.id
        ))
        .with_hint(Hint::EarlierDateOnly { date: p.date })
    })
}

/// The rules for opening a dispute at `when` under `policy`: the first line, or
/// why it may not be written. `canonical` maps an agency name (or alias) to its
/// agency's name, so one agency under two names is seen as one.
pub(crate) fn open(
    opened: &Opened,
    policy: &Policy,
    calendar: &Calendar,
    when: Instant,
    canonical: impl Fn(&str) -> String,
) -> Result<()> {
    let p = policy;
    if opened.arose.is_some_and(|arose| arose > when) {
        return Err(Error::refused("--arose is after the dispute was opened")
            .with_hint(Hint::AroseOnOrBeforeOpening));
    }
    // Every policy is about another agency's decision; within one agency its own
    // procedure applies (gscb 1.10).
    if canonical(opened.from.trim())
        .trim()
        .eq_ignore_ascii_case(canonical(opened.with.trim()).trim())
    {
        return Err(Error::refused(format!(
            "the agency raising the disagreement and the one challenged are the same ({})",
            opened.with
        ))
        .with_hint(Hint::WithIsOtherAgency));
    }
    if let Some(c) = &opened.category {
        check_category(p, c)?;
    }
    for (id, value) in &opened.fields {
        field_value(p, id, value)?;
    }
    if opened.stage != p.first_stage() {
        check_late_start(p, opened)?;
    }
    let facts = opened.facts();
    let arose = opened.arose.unwrap_or(when);
    let first = Visit {
        stage: opened.stage,
        entered: when,
        entered_line: 0,
        clock_start: when,
        arose,
        protective: None,
        agreed: None,
        left: None,
    };
    let pdue = first.policy_due(p, (&facts, &[]), calendar).map(|x| x.due);
    if let Some(due) = opened.due {
        let from = if opened.due_reason.is_some() {
            DateFrom::DueWithReason
        } else {
            DateFrom::Due
        };
        check_stage_date(p, opened.stage, due, pdue.as_ref(), when, from)?;
    }
    if let Some(kind) = opened.subject_kind.as_deref() {
        check_subject(p, kind)?;
    }
    Ok(())
}

/// A field's ID and value as `--field ID=VALUE` gives them, checked against the
/// policy's `[[field]]` list: the ID and value as the policy spells them, or
/// why not, naming what is allowed.
pub fn field_value(p: &Policy, id: &str, value: &str) -> Result<(String, String)> {
    let Some(f) = p.field(id) else {
        let fields = p
            .fields
            .iter()
            .map(|f| (f.id.clone(), f.label.clone()))
            .collect();
        return Err(
            Error::refused(format!("policy {} has no field {:?}", p.id, id.trim())).with_hint(
                Hint::PolicyFields {
                    policy: p.id.clone(),
                    fields,
                },
            ),
        );
    };
    match f.value(value) {
        Some(v) => Ok((f.id.clone(), v.to_owned())),
        None => Err(Error::refused(format!(
            "{:?} is not a value {} allows for {}",
            value.trim(),
            p.id,
            f.label.to_lowercase()
        ))
        .with_hint(Hint::FieldValues {
            field: f.id.clone(),
            values: f.values.clone(),
        })),
    }
}

fn check_category(p: &Policy, c: &str) -> Result<()> {
    match p.category(c) {
        None => {
            let categories = p
                .categories
                .iter()
                .filter(|c| !c.excluded)
                .map(|c| (c.id.clone(), c.name.clone()))
                .collect();
            Err(
                Error::refused(format!("policy {} has no category {c:?}", p.id)).with_hint(
                    Hint::PolicyCategories {
                        policy: p.id.clone(),
                        categories,
                    },
                ),
            )
        }
        Some(cat) if cat.excluded => Err(Error::refused(format!(
            "policy {} does not cover disagreements about {}: {:?}",
            p.id,
            cat.name.to_lowercase(),
            cat.source
        ))
        .with_hint(Hint::FollowOtherProcedure)),
        Some(_) => Ok(()),
    }
}

/// Opening past the first stage: only for an urgent case where the policy allows
/// it, or a named role the policy lets open there, and always with a reason.
fn check_late_start(p: &Policy, opened: &Opened) -> Result<()> {
    let by_role = opened.opened_as.as_deref().is_some_and(|r| {
        p.bypasses
            .iter()
            .any(|b| b.may_open && b.to_stage == opened.stage && b.role.eq_ignore_ascii_case(r))
    });
    let urgent_may = p.urgent.as_ref().is_some_and(|u| u.start_at_any_stage);
    if p.stage(opened.stage).is_none() {
        return Err(Error::refused(format!(
            "policy {} has no stage {}",
            p.id, opened.stage
        )));
    }
    let openers: Vec<&str> = p
        .bypasses
        .iter()
        .filter(|b| b.may_open && b.to_stage == opened.stage)
        .map(|b| b.role.as_str())
        .collect();
    let allowed = by_role || opened.immediate_harm && urgent_may;
    if !allowed && !openers.is_empty() {
        let names: Vec<String> = openers.iter().map(|r| format!("{r:?}")).collect();
        return Err(Error::refused(format!(
            "under policy {}, only {} may open a dispute at stage {}{}",
            p.id,
            names.join(" or "),
            p.label(opened.stage),
            opened
                .opened_as
                .as_deref()
                .map_or_else(String::new, |r| format!(", not {r:?}"))
        ))
        .with_hint(Hint::OpenAtFirstStageOrAs {
            first: p.label(p.first_stage()).to_string(),
            role: openers[0].to_owned(),
        }));
    }
    if !allowed {
        return Err(Error::refused(format!(
            "policy {} starts every dispute at stage {}",
            p.id,
            p.first_stage()
        ))
        .with_hint(if urgent_may {
            Hint::OnlyImmediateHarmStartsLater
        } else {
            Hint::LeaveOutStage
        }));
    }
    if opened.start_reason.is_none() {
        return Err(
            Error::refused("starting past stage 1 needs a recorded reason")
                .with_hint(Hint::GiveStartReason),
        );
    }
    Ok(())
}

/// A dispute about an adult only under a policy that covers adults.
fn check_subject(policy: &Policy, kind: &str) -> Result<()> {
    let ok = match policy.subject_scope() {
        SubjectScope::Children => kind == "child",
        SubjectScope::Adults => kind == "adult",
        SubjectScope::ChildrenAndAdults => true,
    };
    if ok {
        return Ok(());
    }
    let article = if kind.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    Err(Error::refused(format!(
        "policy {} does not cover disputes about {article} {kind}",
        policy.id
    ))
    .with_hint(Hint::SubjectKind {
        adults: policy.subject_scope() == SubjectScope::Adults,
    }))
}

/// `escalate --urgent` records the fact `immediate-harm` and then escalates under
/// it: two lines. The escalation is tried under the fact before either is
/// written, so a refused escalation never leaves the fact recorded behind it.
pub fn check_urgent_escalation(s: &Situation, to: Option<u32>, role: Option<&str>) -> Result<()> {
    let d = s.dispute;
    if d.facts.immediate_harm {
        return Err(Error::refused(format!(
            "dispute {} is already recorded as urgent (immediate-harm)",
            d.id
        ))
        .with_hint(Hint::LeaveOutUrgent));
    }
    let mut trial = d.clone_state();
    trial.learn(
        s.policy,
        crate::policy::Flag::ImmediateHarm,
        true,
        (s.when, 0),
    );
    trial.plan_escalation(s.policy, to, role).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::Division;
    use crate::domain::id::DisputeId;
    use crate::domain::testing::{line, opened};
    use crate::policy::Catalogue;

    fn at(text: &str) -> Instant {
        clock::parse_instant(text).unwrap()
    }

    /// A gscb dispute opened Mon 30 Nov 2026, with a discussion recorded if asked.
    fn dispute(policy: &Policy, discussed: bool) -> Dispute {
        let mut lines = vec![line(1, "2026-11-30 09:00", Event::Opened(opened(1)))];
        if discussed {
            let note = "talked".to_owned();
            let event = Event::Discussed {
                stage: 1,
                note,
                with: None,
            };
            lines.push(line(2, "2026-11-30 10:00", event));
        }
        Dispute::fold(DisputeId::random().unwrap(), lines, policy).unwrap()
    }

    fn situation<'a>(d: &'a Dispute, p: &'a Policy, c: &'a Calendar) -> Situation<'a> {
        let now = at("2026-12-01 09:00");
        Situation {
            dispute: d,
            policy: p,
            calendar: c,
            when: now,
            now,
        }
    }

    fn escalation(due: Option<NaiveDate>) -> Action {
        Action::Escalate(Escalation {
            reason: "stuck".into(),
            due,
            to: None,
            role: None,
            from: None,
        })
    }

    #[test]
    fn escalating_needs_the_stage_discussed_and_shows_what_it_will_do() {
        let catalogue = Catalogue::builtin();
        let p = &catalogue.get("gscb").unwrap().policy;
        let c = Calendar::new(Division::EnglandAndWales);

        let bare = dispute(p, false);
        let err = decide(escalation(None), &situation(&bare, p, &c)).unwrap_err();
        assert!(
            err.to_string().contains("has nothing recorded yet"),
            "{err}"
        );

        let d = dispute(p, true);
        let s = situation(&d, p, &c);
        let event = decide(escalation(None), &s).unwrap();
        assert!(matches!(
            event,
            Event::Escalated {
                from_stage: 1,
                to_stage: 2,
                ..
            }
        ));
        // Entered Tue 1 Dec; gscb stage 2 is 5 working days: Tue 8 Dec.
        let effects = effects(&event, &s).unwrap();
        assert_eq!(effects.stage, 2);
        assert_eq!(
            effects.due.map(|d| d.date),
            NaiveDate::from_ymd_opt(2026, 12, 8)
        );
    }

    #[test]
    fn a_users_date_may_be_earlier_than_the_policys_never_later() {
        let catalogue = Catalogue::builtin();
        let p = &catalogue.get("gscb").unwrap().policy;
        let c = Calendar::new(Division::EnglandAndWales);
        let d = dispute(p, true);
        let s = situation(&d, p, &c);
        let later = NaiveDate::from_ymd_opt(2026, 12, 9);
        let err = decide(escalation(later), &s).unwrap_err();
        assert!(
            err.to_string().contains("later than the policy allows"),
            "{err}"
        );
        let earlier = NaiveDate::from_ymd_opt(2026, 12, 3);
        let event = decide(escalation(earlier), &s).unwrap();
        assert_eq!(effects(&event, &s).unwrap().due.map(|d| d.date), earlier);
    }

    #[test]
    fn nothing_but_a_reopening_follows_a_resolution() {
        let catalogue = Catalogue::builtin();
        let p = &catalogue.get("gscb").unwrap().policy;
        let c = Calendar::new(Division::EnglandAndWales);
        let mut d = dispute(p, true);
        let resolved = Event::Resolved {
            stage: 1,
            outcome: "agreed".into(),
        };
        d.extend(&[line(3, "2026-11-30 11:00", resolved)], p)
            .unwrap();
        let s = situation(&d, p, &c);
        let discuss = Action::Discuss {
            note: "n".into(),
            with: None,
        };
        assert!(decide(discuss, &s).is_err());
        assert!(decide(escalation(None), &s).is_err());
        let reopen = Action::Reopen {
            reason: "back".into(),
        };
        assert!(matches!(decide(reopen, &s), Ok(Event::Reopened { .. })));
    }

    #[test]
    fn one_agency_under_two_names_cannot_dispute_with_itself() {
        let catalogue = Catalogue::builtin();
        let p = &catalogue.get("gscb").unwrap().policy;
        let c = Calendar::new(Division::EnglandAndWales);
        let mut o = opened(1);
        o.with = "Childrens Social Care".into();
        let when = at("2026-11-30 09:00");
        assert!(open(&o, p, &c, when, |n| n.to_owned()).is_ok());
        let alias = |n: &str| {
            if n == "Childrens Social Care" {
                "School"
            } else {
                n
            }
            .to_owned()
        };
        let err = open(&o, p, &c, when, alias).unwrap_err();
        assert!(err.to_string().contains("are the same"), "{err}");
        // Past stage 1 only with immediate harm (gscb allows it) and a reason.
        let late = opened(2);
        assert!(open(&late, p, &c, when, |n| n.to_owned()).is_err());
    }

    /// A line recorded elsewhere is decided again as the action it was: on the
    /// dispute it was recorded on, it gives the same line back.
    #[test]
    fn a_recorded_line_is_decided_again_as_the_action_it_was() {
        let catalogue = Catalogue::builtin();
        let p = &catalogue.get("gscb").unwrap().policy;
        let c = Calendar::new(Division::EnglandAndWales);
        let d = dispute(p, true);
        let s = situation(&d, p, &c);
        let escalated = decide(escalation(None), &s).unwrap();
        let again = Action::from_event(&escalated).expect("an escalation is an action");
        assert_eq!(decide(again, &s).unwrap(), escalated);
        let discussed = Event::Discussed {
            stage: 1,
            note: "n".into(),
            with: Some("SW".into()),
        };
        let again = Action::from_event(&discussed).unwrap();
        assert_eq!(decide(again, &s).unwrap(), discussed);
        // Lines no user action makes are left to the fold.
        assert!(Action::from_event(&Event::Opened(opened(1))).is_none());
    }
}
