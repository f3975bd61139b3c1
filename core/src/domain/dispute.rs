//! A dispute's state, folded from its journal under its pinned policy, and the rules
//! for what may happen next: the stage order, the action a stage requires before
//! the dispute may leave it, each visit to a stage (its deadline is worked out in
//! `stages`), and the obligations each step creates. Pure: no files, no terminal.
//! Refusals say what to do instead.

use serde::{Deserialize, Serialize};

use crate::calendar::Calendar;
use crate::domain::clock::{self, Instant};
use crate::domain::deadline::Due;
use crate::domain::event::{Event, Opened, Record};
use crate::domain::id::DisputeId;
use crate::domain::stages::{self, Leaving, StageDue, Visit};
use crate::error::{Error, Hint, Result};
use crate::policy::{Condition, Deadline, Facts, Flag, Obligation, Policy, Step, Trigger};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Open,
    Resolved,
}

impl State {
    /// The word for the state, as JSON, CSV and messages write it.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Open => "open",
            State::Resolved => "resolved",
        }
    }
}

impl std::fmt::Display for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An obligation the policy created for this dispute, and whether it was met.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ObligationState {
    pub id: String,
    pub who: String,
    pub action: String,
    /// The stage the dispute was at when the obligation arose.
    pub stage: u32,
    #[serde(with = "crate::domain::clock::rfc3339")]
    pub arose: Instant,
    /// The `seq` of the line it arose on: with the obligation's id, what names this
    /// duty for as long as it exists (a calendar's UID), whatever times are
    /// corrected later.
    #[serde(default)]
    pub arose_line: u64,
    pub due: Option<Deadline>,
    /// The `seq` of the `notified` line that met it.
    pub met_by: Option<u64>,
    /// When it was met, so a step chained after it can be timed from then.
    #[serde(default, with = "crate::domain::clock::rfc3339::option")]
    pub met_at: Option<Instant>,
    /// A step inside a stage (`[[stage.step]]`) rather than a policy obligation.
    #[serde(default)]
    pub step: bool,
    /// The step whose being met starts this step's clock.
    #[serde(default)]
    pub after: Option<String>,
    /// The line that ended a step unmet: the dispute left the stage (escalated or
    /// resolved), so the step is no longer owed.
    #[serde(default)]
    pub lapsed: Option<u64>,
}

impl ObligationState {
    /// The duty an obligation creates when it arises at `stage`.
    pub(crate) fn duty(
        o: &Obligation,
        stage: u32,
        (arose, line): (Instant, u64),
    ) -> ObligationState {
        ObligationState {
            id: o.id.clone(),
            who: o.who.clone(),
            action: o.action.clone(),
            stage,
            arose,
            arose_line: line,
            due: o.due.clone(),
            met_by: None,
            met_at: None,
            step: false,
            after: None,
            lapsed: None,
        }
    }

    /// The duty a step creates on entering its stage.
    fn of_step(s: &Step, stage: u32, (arose, line): (Instant, u64)) -> ObligationState {
        ObligationState {
            id: s.id.clone(),
            who: s.who.clone(),
            action: s.action.clone(),
            stage,
            arose,
            arose_line: line,
            due: Some(s.due.clone()),
            met_by: None,
            met_at: None,
            step: true,
            after: s.after.clone(),
            lapsed: None,
        }
    }
}

/// A corrected time (`amend --happened`): line `line` really happened at
/// `happened`, as line `by` records.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Correction {
    pub line: u64,
    #[serde(with = "crate::domain::clock::rfc3339")]
    pub happened: Instant,
    pub by: u64,
}

/// A condition (`cp-plan`, ...) learned true after opening (`amend --fact`), and
/// when: deadlines that depend on it count from then, not from before it was known.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Learned {
    pub condition: Flag,
    #[serde(with = "crate::domain::clock::rfc3339")]
    pub at: Instant,
}

/// Who erased a sealed dispute's text, when and why (`Event::Erased`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Erasure {
    pub line: u64,
    pub by: String,
    #[serde(with = "crate::domain::clock::rfc3339")]
    pub at: Instant,
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub under: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Resolution {
    #[serde(with = "crate::domain::clock::rfc3339")]
    pub when: Instant,
    pub stage: u32,
    pub outcome: String,
}

/// Serialisable so the status cache can keep it (without its records).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Dispute {
    pub id: DisputeId,
    pub opened: Opened,
    #[serde(with = "crate::domain::clock::rfc3339")]
    pub opened_at: Instant,
    pub facts: Facts,
    pub state: State,
    /// The stage it is at (or was resolved at): the last visit's.
    pub stage: u32,
    /// Every visit to a stage, in order: the last is the one it is at (or was
    /// resolved at). What every deadline is worked out from (`stages`).
    #[serde(default)]
    pub visits: Vec<Visit>,
    /// The current stage's required action has been recorded since entering it.
    pub action_recorded: bool,
    pub resolution: Option<Resolution>,
    pub obligations: Vec<ObligationState>,
    /// The latest time any event happened (corrected times included); a new event
    /// may not be dated before it.
    #[serde(with = "crate::domain::clock::rfc3339")]
    pub latest: Instant,
    /// The line that happened at `latest`, to name it when the clock is behind it.
    #[serde(default)]
    pub latest_line: u64,
    /// Corrected times, one per corrected line (the latest correction wins), in
    /// line order.
    #[serde(default)]
    pub corrections: Vec<Correction>,
    /// Conditions learned true after opening, with when.
    #[serde(default)]
    pub learned: Vec<Learned>,
    /// The first discussion recorded at the current stage, for steps timed from it.
    #[serde(default, with = "crate::domain::clock::rfc3339::option")]
    pub discussed_at: Option<Instant>,
    /// The values of the policy's fields: as given at opening, as corrected by
    /// `field_set` lines since.
    #[serde(default)]
    pub fields: std::collections::BTreeMap<String, String>,
    /// How many journal lines there are (also when `records` was not kept).
    pub events: usize,
    /// Lines that do not count (see `Doubt`): left out of everything above and
    /// of `records`, kept here so every view can say so.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub uncounted: Vec<Uncounted>,
    /// Lines that count but that the policy would not have allowed where the
    /// dispute stood when they happened (see `Inert`), in line order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inert: Vec<Inert>,
    /// Lines that say they happened before another recorder's line that moved
    /// the dispute and had already been recorded (see `Backdated`), in line order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub backdated: Vec<Backdated>,
    /// A sealed dispute's text made unreadable for everyone (`Event::Erased`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub erased: Option<Erasure>,
    /// The line that last decided where the dispute stands (escalated, resolved
    /// or reopened it), to name it when a later line could not count.
    #[serde(skip)]
    decided: Option<Decided>,
    /// The journal's lines that count; empty when the state came from the status
    /// cache.
    #[serde(skip)]
    pub records: Vec<Record>,
}

/// Why a journal line does not count. The line stays in the journal (nothing is
/// ever rewritten) and is shown, marked; the dispute is folded without it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Doubt {
    /// Its signature does not verify (the line was changed after it was signed,
    /// or the signature is not one).
    SignatureFails,
    /// It is signed correctly, by a key the signers file does not allow for that
    /// name at that time.
    KeyNotAllowed,
    /// It is signed correctly, by a key that was revoked (a lost or stolen
    /// laptop), and is not in the history the revoking admin had seen.
    KeyRevoked,
    /// It should be signed (it follows a signed line, or is in the signed format)
    /// and is not.
    NotSigned,
}

impl Doubt {
    /// The words after "not counted: ".
    pub fn words(self) -> &'static str {
        match self {
            Doubt::SignatureFails => "signature does not verify",
            Doubt::KeyNotAllowed => "key not allowed",
            Doubt::KeyRevoked => "signed by a revoked key",
            Doubt::NotSigned => "not signed",
        }
    }
}

/// What the fold sees in place of a line that does not count: the same line
/// (number, chain, seal, who and when it says) recording nothing that happened,
/// as a journal's own bookkeeping lines do. No figure, deadline or state comes
/// from it, and a later fold of the same lines (a report's replay up to a
/// period's end) leaves it out again. Never written anywhere.
pub(crate) fn stand_in(mut r: Record) -> Record {
    const NOT_COUNTED: &str = "not counted";
    r.event = Event::ReceiptRepaired {
        found: NOT_COUNTED.into(),
        named: None,
        lines: 0,
        evidence: NOT_COUNTED.into(),
    };
    r
}

/// A line that was recorded in good faith (often offline, before the lines that
/// overtook it were shared) and that the policy would not have allowed given
/// everything that happened before it: an escalation of a stage already left, an
/// escalation after a resolution. It is kept and shown, and no state, deadline
/// or figure comes from it. Nothing is written for it: every clone decides the
/// same from the same set of lines.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inert {
    pub line: u64,
    /// Why it did not count: the line that had already moved the dispute on
    /// (the command line words it: "Social care had already escalated stage 1
    /// at Wed 11 Nov 2026 09:00").
    pub because: Decided,
}

/// A line that moved the dispute on: who recorded it, what it did and when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decided {
    pub line: u64,
    pub by: String,
    pub did: Move,
    pub when: Instant,
}

/// What a line that moved a dispute on did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Move {
    /// Escalated from the stage with this label.
    Escalated {
        from: String,
    },
    Resolved,
    Reopened,
    /// Set the date of the stage with this label (`agree`).
    Agreed {
        stage: String,
    },
}

/// A line that says it happened before a line of someone else's that moves the
/// dispute (escalated, resolved, reopened, set a stage's date) and that had been
/// recorded, and had arrived in this journal, before it: it comes first in the
/// fold, where it can win a conflict only by the earlier time it claims. Shown,
/// never hidden, so no one wins a conflict silently by writing an earlier time.
/// A line recorded offline before the other, and synced after it, is not
/// backdated: it was recorded first. A correction that moves a line's time to
/// before such a line makes it backdated as of the correction. Decided by the
/// fold; never written.
///
/// "Someone else" is another `by`: a line names who recorded it, not their
/// agency, so two colleagues' lines count as two recorders'.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Backdated {
    pub line: u64,
    /// When the claim was recorded: the line's `at`, or its correction's.
    pub recorded: Instant,
    /// The correction (`amend --happened`) that gave the line the time it
    /// claims, if one did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corrected_by: Option<u64>,
    /// When it says it happened (its corrected time, if corrected).
    pub claims: Instant,
    /// The line it came before.
    pub overtook: u64,
    /// Who recorded that line, and what it did.
    pub by: String,
    pub did: Move,
    /// When that line was recorded (`at`).
    pub when: Instant,
}

/// What `r` does that moves a dispute (for `Backdated`), if anything.
fn moves(r: &Record, policy: &Policy) -> Option<Move> {
    match &r.event {
        Event::Escalated { from_stage, .. } => Some(Move::Escalated {
            from: policy.label(*from_stage),
        }),
        Event::Resolved { .. } => Some(Move::Resolved),
        Event::Reopened { .. } => Some(Move::Reopened),
        Event::DueAgreed { stage, .. } => Some(Move::Agreed {
            stage: policy.label(*stage),
        }),
        _ => None,
    }
}

/// The backdated lines among `sorted` (every line but the opening, in the order
/// events are folded). A line that only notes something (a notification, a fact,
/// a correction) is never marked: only one that moves the dispute or is bound to
/// its stage (a discussion), which an earlier time can make count where it would
/// not have. The line overtaken may be inert: often because of the backdated
/// line itself.
fn backdated(sorted: &[&Record], corrections: &[Correction], policy: &Policy) -> Vec<Backdated> {
    let movers: Vec<(usize, &Record, Move)> = sorted
        .iter()
        .enumerate()
        .filter_map(|(i, r)| Some((i, *r, moves(r, policy)?)))
        .collect();
    let by_seq: std::collections::HashMap<u64, &Record> =
        sorted.iter().map(|r| (r.seq, *r)).collect();
    let mut out = Vec::new();
    for (i, t) in sorted.iter().enumerate() {
        if moves(t, policy).is_none() && !matches!(t.event, Event::Discussed { .. }) {
            continue;
        }
        // A correction (`amend --happened`) that gave `t` its time.
        let correction = corrections
            .binary_search_by_key(&t.seq, |c| c.line)
            .ok()
            .and_then(|c| by_seq.get(&corrections[c].by).copied());
        // Later in the fold, but earlier in the journal and recorded before the
        // claim that put `t` first, by someone else: `t`'s own time, if that
        // alone puts it first, else its correction's.
        let claimed_before =
            |o: &Record, claim: &Record| o.seq < claim.seq && o.at < claim.at && o.by != claim.by;
        let overtaken = movers
            .iter()
            .filter(|(j, ..)| *j > i)
            .find_map(|(_, o, did)| {
                let own_time_first =
                    correction.is_none() || order_key(t, &[]) < order_key(o, corrections);
                let claim = if own_time_first { *t } else { correction? };
                claimed_before(o, claim).then_some((o, did, claim))
            });
        if let Some((o, did, claim)) = overtaken {
            out.push(Backdated {
                line: t.seq,
                recorded: claim.at,
                corrected_by: (claim.seq != t.seq).then_some(claim.seq),
                claims: order_key(t, corrections).0,
                overtook: o.seq,
                by: o.by.clone(),
                did: did.clone(),
                when: o.at,
            });
        }
    }
    out.sort_by_key(|b| b.line);
    out
}

/// The order events are folded in: when they happened (corrected times
/// included), then when they were recorded, then who signed them, then their
/// line number. Times are to the second: two people's lines of the same second
/// fold in the order of their signers, the same in every clone whichever sync
/// came first; one person's lines of the same second keep the order they were
/// appended in (the later was decided knowing the earlier), because re-chaining
/// keeps a person's lines in their order.
pub(crate) fn order_key(r: &Record, corrections: &[Correction]) -> (Instant, Instant, String, u64) {
    let when = corrections
        .binary_search_by_key(&r.seq, |c| c.line)
        .map_or(r.when(), |i| corrections[i].happened);
    let signer = r.signer.clone().unwrap_or_else(|| r.by.clone());
    (when, r.at, signer, r.seq)
}

impl Dispute {
    /// Whether the fold's refusal of `event` is a conflict between lines that
    /// each made sense where they were recorded (the line is inert): it acts on a
    /// stage the dispute has been at, or a duty that arose, and something moved
    /// the dispute on before it. Anything else is a line escalate's rules never
    /// write (damage).
    fn may_be_inert(&self, event: &Event, policy: &Policy) -> bool {
        let visited = |s: &u32| self.visits.iter().any(|v| v.stage == *s);
        self.decided.is_some()
            && match event {
                Event::Discussed { stage, .. }
                | Event::Resolved { stage, .. }
                | Event::DueAgreed { stage, .. } => visited(stage),
                Event::Escalated {
                    from_stage,
                    to_stage,
                    ..
                } => {
                    visited(from_stage)
                        && to_stage > from_stage
                        && policy.stage(*to_stage).is_some()
                }
                Event::Notified {
                    obligation: Some(id),
                    ..
                } => self.obligations.iter().any(|o| &o.id == id),
                Event::Reopened { .. } => true,
                _ => false,
            }
    }
}

/// A line left out of the fold, and why.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Uncounted {
    pub line: u64,
    pub why: Doubt,
}

impl Opened {
    pub(crate) fn facts(&self) -> Facts {
        Facts {
            cp_plan: self.cp_plan,
            looked_after: self.looked_after,
            immediate_harm: self.immediate_harm,
            category: self.category.clone(),
        }
    }
}

fn trigger(
    policy: &Policy,
    facts: &Facts,
    on: Trigger,
    stage: u32,
    (when, line): (Instant, u64),
    out: &mut Vec<ObligationState>,
) {
    for o in &policy.obligations {
        let fires = o.on == on
            && match on {
                Trigger::Open => true,
                Trigger::Enter => o.stage == Some(stage),
                Trigger::Resolve => o.stage.is_none_or(|s| stage >= s),
                Trigger::ResolveAt => o.stage == Some(stage),
            }
            && facts.any(&o.when);
        if fires {
            out.push(ObligationState::duty(o, stage, (when, line)));
        }
    }
}

/// The steps of `stage` arise on entering it.
fn enter_steps(policy: &Policy, stage: u32, at: (Instant, u64), out: &mut Vec<ObligationState>) {
    for s in policy.stage(stage).into_iter().flat_map(|s| &s.steps) {
        out.push(ObligationState::of_step(s, stage, at));
    }
}

/// Steps not met when the dispute leaves their stage are no longer owed.
fn lapse_steps(out: &mut [ObligationState], line: u64) {
    for o in out
        .iter_mut()
        .filter(|o| o.step && o.met_by.is_none() && o.lapsed.is_none())
    {
        o.lapsed = Some(line);
    }
}

impl Dispute {
    /// Replay a journal. An event the policy does not allow where it stands is an
    /// error `(line, what)`: the file was not written by escalate's rules.
    pub(crate) fn fold(
        id: DisputeId,
        records: Vec<Record>,
        policy: &Policy,
    ) -> std::result::Result<Dispute, (usize, String)> {
        let opened = crate::domain::event::opening(&records)?;
        Dispute::check_start(opened, policy)?;
        let corrections = crate::domain::correct::corrections(&records)?;
        let mut d = Dispute::start(id, &records[0], opened, corrections, policy);
        let mut rest: Vec<&Record> = records[1..].iter().collect();
        rest.sort_by_cached_key(|r| order_key(r, &d.corrections));
        for r in &rest {
            d.step(r, policy)?;
        }
        d.inert.sort_by_key(|i| i.line);
        // Only a line folded before one that came before it in the journal can
        // be backdated; a journal in the order its events happened has none.
        if rest.windows(2).any(|w| w[0].seq > w[1].seq) {
            d.backdated = backdated(&rest, &d.corrections, policy);
        }
        d.events = records.len();
        d.records = records;
        Ok(d)
    }

    /// `fold` over the lines that count: each line in `uncounted` (in line order)
    /// is folded as a stand-in that changes nothing (`stand_in`), so every line
    /// keeps its place and number, and the dispute remembers which they were.
    pub(crate) fn fold_counted(
        id: DisputeId,
        records: Vec<Record>,
        policy: &Policy,
        uncounted: Vec<Uncounted>,
    ) -> std::result::Result<Dispute, (usize, String)> {
        if uncounted.is_empty() {
            return Dispute::fold(id, records, policy);
        }
        let counted = records
            .into_iter()
            .map(
                |r| match uncounted.binary_search_by_key(&r.seq, |u| u.line) {
                    Ok(_) => stand_in(r),
                    Err(_) => r,
                },
            )
            .collect();
        let mut d = Dispute::fold(id, counted, policy)?;
        d.uncounted = uncounted;
        Ok(d)
    }

    /// The opening's stage must be one of the policy's.
    fn check_start(opened: &Opened, policy: &Policy) -> std::result::Result<(), (usize, String)> {
        match policy.stage(opened.stage) {
            Some(_) => Ok(()),
            None => Err((
                1,
                format!("policy {} has no stage {}", policy.id, opened.stage),
            )),
        }
    }

    /// The state after line 1 (`first`, which opened the dispute), given the
    /// journal's corrected times.
    fn start(
        id: DisputeId,
        first: &Record,
        opened: &Opened,
        corrections: Vec<Correction>,
        policy: &Policy,
    ) -> Dispute {
        let when = corrections
            .iter()
            .find(|c| c.line == first.seq)
            .map_or(first.when(), |c| c.happened);
        let facts = opened.facts();
        let mut obligations = Vec::new();
        trigger(
            policy,
            &facts,
            Trigger::Open,
            opened.stage,
            (when, first.seq),
            &mut obligations,
        );
        // A dispute opened past the first stage has passed the earlier ones, as a
        // bypass does: their duties arise too (lscb: the Board Manager's register of
        // on-going disagreements must include the urgent ones opened at stage 4).
        for s in policy.stages.iter().filter(|s| s.number <= opened.stage) {
            trigger(
                policy,
                &facts,
                Trigger::Enter,
                s.number,
                (when, first.seq),
                &mut obligations,
            );
        }
        enter_steps(policy, opened.stage, (when, first.seq), &mut obligations);
        // A date with a reason replaces the policy's only where the stage lets the
        // parties agree one; anywhere else it was accepted as an earlier date that
        // protects the child, and the earlier of it and the policy's stands.
        let agreed = opened.due_reason.is_some()
            && policy
                .stage(opened.stage)
                .is_some_and(|s| s.agree.is_some());
        Dispute {
            id,
            opened: opened.clone(),
            opened_at: when,
            facts,
            state: State::Open,
            stage: opened.stage,
            visits: vec![Visit {
                stage: opened.stage,
                entered: when,
                entered_line: first.seq,
                clock_start: when,
                arose: opened.arose.unwrap_or(when),
                protective: opened.due.filter(|_| !agreed),
                agreed: opened.due.filter(|_| agreed),
                left: None,
            }],
            discussed_at: None,
            action_recorded: false,
            resolution: None,
            obligations,
            latest: when,
            latest_line: first.seq,
            corrections,
            learned: Vec::new(),
            fields: opened.fields.clone(),
            events: 0,
            uncounted: Vec::new(),
            inert: Vec::new(),
            backdated: Vec::new(),
            erased: None,
            decided: None,
            records: Vec::new(),
        }
    }

    /// Carry the state forward over lines just appended, instead of replaying the
    /// whole journal again.
    pub(crate) fn extend(
        &mut self,
        records: &[Record],
        policy: &Policy,
    ) -> std::result::Result<(), (usize, String)> {
        if records.iter().any(|r| {
            matches!(
                r.event,
                Event::Amended {
                    event_happened: Some(_),
                    ..
                }
            )
        }) || self.overtaken_by(records)
        {
            // A corrected time can move anything after the line it corrects, and
            // a line that happened before lines already folded (merged late by
            // sync) changes what they meant: replay the whole journal.
            let mut all = std::mem::take(&mut self.records);
            all.extend_from_slice(records);
            *self = Dispute::fold(self.id.clone(), all, policy)?;
            return Ok(());
        }
        for r in records {
            self.step(r, policy)?;
            self.records.push(r.clone());
            self.events += 1;
        }
        Ok(())
    }

    /// Whether any of `records` comes before a line already folded, in the order
    /// events are folded (`order_key`).
    fn overtaken_by(&self, records: &[Record]) -> bool {
        let last = self
            .records
            .iter()
            .map(|r| order_key(r, &self.corrections))
            .max();
        records.iter().any(|r| {
            last.as_ref()
                .is_some_and(|l| order_key(r, &self.corrections) < *l)
        })
    }

    /// Fold line `r`: a conflict with what happened before it makes it inert,
    /// anything else escalate's rules never write is the error `(line, what)`.
    fn step(&mut self, r: &Record, policy: &Policy) -> std::result::Result<(), (usize, String)> {
        let Err(what) = self.apply(r, policy) else {
            return Ok(());
        };
        match &self.decided {
            Some(d) if self.may_be_inert(&r.event, policy) => {
                self.inert.push(Inert {
                    line: r.seq,
                    because: d.clone(),
                });
                Ok(())
            }
            _ => Err((r.seq as usize, what)),
        }
    }

    /// When line `r` happened: its corrected time if it has one, else its own.
    /// (`corrections` is in line order, one per line: `correct::Corrections`.)
    pub(crate) fn when_of(&self, r: &Record) -> Instant {
        self.corrections
            .binary_search_by_key(&r.seq, |c| c.line)
            .map_or(r.when(), |i| self.corrections[i].happened)
    }

    fn apply(&mut self, r: &Record, policy: &Policy) -> std::result::Result<(), String> {
        let when = self.when_of(r);
        let line = r.seq;
        let open = self.state == State::Open;
        match &r.event {
            Event::Opened(_) => return Err("only the first line may be `opened`".into()),
            Event::Discussed { stage, .. } => {
                if !open || *stage != self.stage {
                    return Err(format!(
                        "a discussion at stage {stage} while the dispute is {} at stage {}",
                        self.state.as_str(),
                        self.stage
                    ));
                }
                self.action_recorded = true;
                self.discussed_at.get_or_insert(when);
            }
            Event::Escalated {
                from_stage,
                to_stage,
                due,
                ..
            } => {
                if !open
                    || *from_stage != self.stage
                    || policy.stage(*to_stage).is_none()
                    || to_stage <= from_stage
                {
                    return Err(format!("an escalation from stage {from_stage} to {to_stage} while the dispute is {} at stage {}", self.state.as_str(), self.stage));
                }
                for s in policy
                    .stages
                    .iter()
                    .filter(|s| s.number > *from_stage && s.number <= *to_stage)
                {
                    trigger(
                        policy,
                        &self.facts,
                        Trigger::Enter,
                        s.number,
                        (when, line),
                        &mut self.obligations,
                    );
                }
                lapse_steps(&mut self.obligations, line);
                enter_steps(policy, *to_stage, (when, line), &mut self.obligations);
                let (clock_start, arose) = (self.clock_start(), self.arose());
                self.leave(Leaving {
                    at: when,
                    line,
                    to: Some(*to_stage),
                });
                self.visits.push(Visit {
                    stage: *to_stage,
                    entered: when,
                    entered_line: line,
                    clock_start,
                    arose,
                    protective: *due,
                    agreed: None,
                    left: None,
                });
                self.stage = *to_stage;
                self.discussed_at = None;
                self.action_recorded = false;
            }
            Event::Notified { obligation, .. } => {
                if let Some(id) = obligation {
                    let met = self
                        .obligations
                        .iter()
                        .any(|o| &o.id == id && o.met_by.is_some());
                    let slot = self
                        .obligations
                        .iter_mut()
                        .find(|o| &o.id == id && o.met_by.is_none());
                    match slot {
                        Some(o) => {
                            o.met_by = Some(r.seq);
                            o.met_at = Some(when);
                        }
                        // Two people told the same person, each before the
                        // other's line arrived: the earlier met the duty and
                        // this one is a notification like any other.
                        None if met => {}
                        None => {
                            return Err(format!(
                                "it meets obligation {id:?}, which is not outstanding"
                            ))
                        }
                    }
                }
            }
            Event::Resolved { stage, .. } => {
                if !open || *stage != self.stage {
                    return Err(format!(
                        "a resolution at stage {stage} while the dispute is {} at stage {}",
                        self.state.as_str(),
                        self.stage
                    ));
                }
                self.state = State::Resolved;
                lapse_steps(&mut self.obligations, line);
                self.leave(Leaving {
                    at: when,
                    line,
                    to: None,
                });
                if let Event::Resolved { outcome, .. } = &r.event {
                    self.resolution = Some(Resolution {
                        when,
                        stage: *stage,
                        outcome: outcome.clone(),
                    });
                }
                for on in [Trigger::Resolve, Trigger::ResolveAt] {
                    trigger(
                        policy,
                        &self.facts,
                        on,
                        self.stage,
                        (when, line),
                        &mut self.obligations,
                    );
                }
            }
            Event::Reopened { .. } => {
                if open {
                    return Err("a reopening of a dispute that is open".into());
                }
                self.state = State::Open;
                self.resolution = None;
                // A disagreement that comes back starts the policy's clocks again,
                // and arises again (see `clock_start`).
                self.visits.push(Visit {
                    stage: self.stage,
                    entered: when,
                    entered_line: line,
                    clock_start: when,
                    arose: when,
                    protective: None,
                    agreed: None,
                    left: None,
                });
                self.discussed_at = None;
                enter_steps(policy, self.stage, (when, line), &mut self.obligations);
            }
            Event::DueAgreed { stage, due, .. } => {
                if !open || *stage != self.stage {
                    return Err(format!(
                        "a date for stage {stage} while the dispute is {} at stage {}",
                        self.state.as_str(),
                        self.stage
                    ));
                }
                // Where the parties may agree a later date, the date set replaces
                // the policy's. Anywhere else it was accepted as no later than the
                // policy's (an earlier date that protects the child), and the
                // earlier of the two stands, whatever the calendar does later.
                let agree = policy.stage(*stage).is_some_and(|s| s.agree.is_some());
                if let Some(v) = self.visits.last_mut() {
                    if agree {
                        v.agreed = Some(*due);
                    } else {
                        v.protective = Some(*due);
                    }
                }
            }
            Event::Amended { event, .. } => {
                if *event == 0 || *event >= r.seq {
                    return Err(format!(
                        "an amendment of line {event}, which does not come before it"
                    ));
                }
            }
            Event::FactLearned { fact, value, .. } => {
                let flag = Flag::parse(fact)
                    .ok_or_else(|| format!("a fact {fact:?}, which escalate does not know"))?;
                self.learn(policy, flag, *value, (when, line));
            }
            Event::FieldSet { field, value, .. } => {
                self.fields.insert(field.clone(), value.clone());
            }
            Event::Recovered { .. } | Event::ReceiptRepaired { .. } => {}
            Event::Erased {
                reason,
                under,
                period,
            } => {
                if self.opened.seal_to.is_none() {
                    return Err("an erasure of a dispute whose text was never sealed".into());
                }
                if let Some(first) = &self.erased {
                    return Err(format!("a second erasure (line {} erased it)", first.line));
                }
                self.erased = Some(Erasure {
                    line,
                    by: r.by.clone(),
                    at: r.at,
                    reason: reason.clone(),
                    under: under.clone(),
                    period: period.clone(),
                });
            }
            Event::Superseded { .. } | Event::Merged { .. } => {}
        }
        let did = match &r.event {
            Event::Escalated { from_stage, .. } => Some(Move::Escalated {
                from: policy.label(*from_stage),
            }),
            Event::Resolved { .. } => Some(Move::Resolved),
            Event::Reopened { .. } => Some(Move::Reopened),
            _ => None,
        };
        if let Some(did) = did {
            self.decided = Some(Decided {
                line: r.seq,
                by: r.by.clone(),
                did,
                when,
            });
        }
        if r.event.is_happening() && when >= self.latest {
            self.latest = when;
            self.latest_line = line;
        }
        Ok(())
    }

    /// The line that last left `stage` (escalated or resolved it, as the fold
    /// decided: never an inert line) and the stage it went to, from the
    /// journal's lines (`records`), to name who moved the dispute on.
    pub(crate) fn left_by(&self, stage: u32) -> Option<(&Record, &Leaving)> {
        let left = self
            .visits
            .iter()
            .rev()
            .filter(|v| v.stage == stage)
            .find_map(|v| v.left.as_ref())?;
        let r = self.records.iter().find(|r| r.seq == left.line)?;
        Some((r, left))
    }

    /// A copy of the state without the journal's lines (cheap to keep).
    pub(crate) fn clone_state(&self) -> Dispute {
        Dispute {
            id: self.id.clone(),
            opened: self.opened.clone(),
            opened_at: self.opened_at,
            facts: self.facts.clone(),
            state: self.state,
            stage: self.stage,
            visits: self.visits.clone(),
            action_recorded: self.action_recorded,
            resolution: self.resolution.clone(),
            obligations: self.obligations.clone(),
            latest: self.latest,
            latest_line: self.latest_line,
            corrections: self.corrections.clone(),
            learned: self.learned.clone(),
            discussed_at: self.discussed_at,
            fields: self.fields.clone(),
            events: self.events,
            uncounted: self.uncounted.clone(),
            inert: self.inert.clone(),
            backdated: self.backdated.clone(),
            erased: self.erased.clone(),
            decided: self.decided.clone(),
            records: Vec::new(),
        }
    }

    pub(crate) fn is_open(&self) -> bool {
        self.state == State::Open
    }

    /// Whom the dispute is about: what was recorded at opening, else what the
    /// policy covers ("adult" only for a policy about adults alone).
    pub(crate) fn subject_kind(&self, policy: &Policy) -> &str {
        match self.opened.subject_kind.as_deref() {
            Some(kind) => kind,
            None if policy.subject_scope() == crate::policy::SubjectScope::Adults => "adult",
            None => "child",
        }
    }

    /// Open, or resolved with a duty still outstanding: resolved is not done
    /// while something the policy requires is still owed.
    pub fn is_pending(&self) -> bool {
        self.is_open() || self.outstanding().next().is_some()
    }

    /// The visit to the stage the dispute is at (or was resolved at).
    pub fn visit(&self) -> Option<&Visit> {
        self.visits.last()
    }

    /// The visit the dispute is at ends (an escalation or a resolution).
    fn leave(&mut self, how: Leaving) {
        if let Some(v) = self.visits.last_mut() {
            v.left = Some(how);
        }
    }

    /// When the current stage was entered (or re-entered by a reopening).
    pub fn stage_entered(&self) -> Instant {
        self.visit().map_or(self.opened_at, |v| v.entered)
    }

    /// When the policy's clocks started: the opening (and when the disagreement
    /// arose), or the latest reopening, which counts as the disagreement arising
    /// again. Measuring a reopened dispute's whole-dispute limit from its first
    /// opening would make it overdue the moment it came back, by however long it
    /// had been resolved, and no action could meet that date.
    pub(crate) fn clock_start(&self) -> Instant {
        self.visit().map_or(self.opened_at, |v| v.clock_start)
    }

    /// When the disagreement arose, for deadlines counted from then (see
    /// `clock_start` for a reopened dispute).
    pub(crate) fn arose(&self) -> Instant {
        self.visit()
            .map_or(self.opened.arose.unwrap_or(self.opened_at), |v| v.arose)
    }

    /// The current stage's deadline and what set it (`Visit::due`). `None` when
    /// resolved or when the policy sets no timescale.
    pub fn stage_due(&self, policy: &Policy, calendar: &Calendar) -> Option<StageDue> {
        if !self.is_open() {
            return None;
        }
        self.visit()?
            .due(policy, (&self.facts, &self.learned), calendar)
    }

    /// The current deadline (`stage_due` without what set it).
    pub fn due(&self, policy: &Policy, calendar: &Calendar) -> Option<Due> {
        self.stage_due(policy, calendar).map(|s| s.due)
    }

    /// Every deadline the dispute is held to as it stands: its stage's, and each
    /// outstanding obligation's. The one list overdue is judged by, so the status
    /// cache can keep the earliest of them and judge any later instant the same.
    pub(crate) fn dues<'a>(
        &'a self,
        policy: &'a Policy,
        calendar: &'a Calendar,
    ) -> impl Iterator<Item = Due> + 'a {
        self.due(policy, calendar).into_iter().chain(
            self.outstanding()
                .filter_map(move |o| self.obligation_due(o, calendar)),
        )
    }

    pub fn outstanding(&self) -> impl Iterator<Item = &ObligationState> {
        self.obligations
            .iter()
            .filter(|o| o.met_by.is_none() && o.lapsed.is_none())
    }

    /// The deadline of one of its duties (`stages::obligation_due`).
    pub(crate) fn obligation_due(&self, o: &ObligationState, calendar: &Calendar) -> Option<Due> {
        stages::obligation_due(self, o, calendar)
    }

    /// A new event must not be dated before what the journal already records (by
    /// corrected times). `given` says the time came from `--at`; otherwise it is the
    /// clock, and an earlier event dated after it was recorded with a clock that was
    /// wrong: the error names it and the command that corrects it.
    pub(crate) fn check_when(&self, when: &Instant, given: bool) -> Result<()> {
        if when >= &self.latest {
            return Ok(());
        }
        if given {
            return Err(Error::refused(format!(
                "--at {} is before the last event on dispute {} (line {}, {})",
                clock::human_instant(when),
                self.id,
                self.latest_line,
                clock::human_instant(&self.latest)
            ))
            .with_hint(Hint::GiveLaterTime));
        }
        Err(Error::refused(format!(
            "line {} of dispute {} is dated {}, after the current time ({}); a new event cannot be recorded before it",
            self.latest_line,
            self.id,
            clock::human_instant(&self.latest),
            clock::human_instant(when)
        ))
        .with_hint(Hint::AmendWrongClock {
            id: self.id.to_string(),
            line: self.latest_line,
        }))
    }

    pub fn require_open(&self, doing: &str) -> Result<()> {
        match &self.resolution {
            Some(r) if !self.is_open() => Err(Error::refused(format!(
                "dispute {} was resolved on {}; you cannot {doing}",
                self.id,
                clock::human_date(clock::london_date(&r.when))
            ))
            .with_hint(Hint::ReopenFirst {
                id: self.id.to_string(),
            })),
            _ => Ok(()),
        }
    }

    /// The stage an escalation would move to, or why it may not happen now.
    pub(crate) fn plan_escalation(
        &self,
        policy: &Policy,
        to: Option<u32>,
        role: Option<&str>,
    ) -> Result<u32> {
        self.require_open("escalate it")?;
        let current = policy.stage(self.stage).map_or("", |s| s.name.as_str());
        let Some(next) = policy.next_stage(self.stage) else {
            return Err(Error::refused(format!(
                "dispute {} is already at stage {} ({current}), the last stage of {}",
                self.id, self.stage, policy.id
            ))
            .with_hint(Hint::ResolveFirst {
                id: self.id.to_string(),
            }));
        };
        let urgent_skip = self.facts.immediate_harm
            && policy
                .urgent
                .as_ref()
                .is_some_and(|u| u.skip_required_action);
        // A role the policy lets bypass "with or without" the stage's discussion.
        let role_skip = role.is_some_and(|r| {
            policy.bypasses.iter().any(|b| {
                b.without_discussion
                    && b.role.eq_ignore_ascii_case(r)
                    && to.is_none_or(|t| t == b.to_stage)
            })
        });
        if !self.action_recorded && !urgent_skip && !role_skip {
            let action = policy
                .stage(self.stage)
                .map_or("the discussion", |s| s.action.as_str());
            return Err(Error::refused(format!(
                "stage {} ({current}) has nothing recorded yet: {action}",
                policy.label(self.stage)
            ))
            .with_hint(Hint::DiscussFirst {
                id: self.id.to_string(),
            }));
        }
        let choices = policy.next_choices(self.stage);
        let target = match to {
            Some(t) => t,
            None => self.branch_choice(policy, &choices)?,
        };
        if choices.iter().any(|s| s.number == target) {
            return Ok(target);
        }
        let here = policy.label(self.stage);
        let next_label = policy.label(next.number);
        if target <= self.stage || policy.stage(target).is_none() {
            return Err(Error::refused(format!(
                "dispute {} is at stage {here}; it can move on to stage {next_label} ({}){}",
                self.id,
                next.name,
                if policy.stage(target).is_none() {
                    format!(", and {} has no stage {target}", policy.id)
                } else {
                    String::new()
                }
            )));
        }
        let allowed = policy.bypasses.iter().find(|b| {
            b.to_stage == target && role.is_some_and(|r| r.eq_ignore_ascii_case(&b.role))
        });
        match allowed {
            Some(_) => Ok(target),
            None => {
                let roles: Vec<String> = policy
                    .bypasses
                    .iter()
                    .filter(|b| b.to_stage == target)
                    .map(|b| b.role.clone())
                    .collect();
                Err(Error::refused(format!(
                    "{} moves one stage at a time: dispute {} is at stage {here} and goes to stage {next_label} next",
                    policy.id, self.id
                ))
                .with_hint(if roles.is_empty() {
                    Hint::EscalateWithoutTo { id: self.id.to_string() }
                } else {
                    Hint::OnlyRolesMayJump { roles, stage: policy.label(target).to_string() }
                }))
            }
        }
    }

    /// Which of the next stages a dispute enters when no `--to` is given: the only
    /// one; or, where the policy branches, the branch whose conditions hold (an
    /// urgent branch once urgency is recorded), else the one branch with none.
    fn branch_choice(&self, policy: &Policy, choices: &[&crate::policy::Stage]) -> Result<u32> {
        if let [only] = choices {
            return Ok(only.number);
        }
        let holding: Vec<u32> = choices
            .iter()
            .filter(|s| !s.when.is_empty() && self.facts.any(&s.when))
            .map(|s| s.number)
            .collect();
        let plain: Vec<u32> = choices
            .iter()
            .filter(|s| s.when.is_empty())
            .map(|s| s.number)
            .collect();
        match (holding.as_slice(), plain.as_slice()) {
            ([one], _) | ([], [one]) => Ok(*one),
            _ => {
                let choices: Vec<(String, String)> = choices
                    .iter()
                    .map(|s| (policy.label(s.number).to_string(), s.name.clone()))
                    .collect();
                Err(Error::refused(format!(
                    "policy {} branches after stage {}: choose where dispute {} goes",
                    policy.id,
                    policy.label(self.stage),
                    self.id
                ))
                .with_hint(Hint::ChooseBranch { choices }))
            }
        }
    }

    /// The outstanding obligation `who` names: its id, or its role (any case), or
    /// the start of either.
    pub fn find_obligation(&self, who: &str) -> Option<&ObligationState> {
        let w = who.trim().to_lowercase();
        if w.is_empty() {
            return None;
        }
        let outstanding: Vec<&ObligationState> = self.outstanding().collect();
        outstanding
            .iter()
            .find(|o| o.id.to_lowercase() == w || o.who.to_lowercase() == w)
            .or_else(|| {
                let starts: Vec<&&ObligationState> = outstanding
                    .iter()
                    .filter(|o| {
                        o.id.to_lowercase().starts_with(&w) || o.who.to_lowercase().starts_with(&w)
                    })
                    .collect();
                (starts.len() == 1).then(|| starts[0])
            })
            .copied()
    }
}

/// The facts (`cp-plan`, `looked-after`, `immediate-harm`) some rule of the
/// policy depends on, in that order: the facts worth asking about.
pub fn conditions_used(policy: &Policy) -> Vec<Flag> {
    Flag::ALL
        .into_iter()
        .filter(|f| !rules_for(policy, *f).is_empty())
        .collect()
}

/// What the policy says follows from `condition`, in its own words: each duty
/// ("Notify the Independent Reviewing Officer, on entering stage 2") and each
/// deadline that depends on it.
pub fn rules_for(policy: &Policy, flag: Flag) -> Vec<String> {
    let has = |when: &[Condition]| when.contains(&Condition::Flag(flag));
    let mut out: Vec<String> = policy
        .obligations
        .iter()
        .filter(|o| has(&o.when))
        .map(|o| format!("{} — {}", o.who, o.action))
        .collect();
    // A deadline's quoted source can run to a paragraph: name what it changes.
    let stage_rules = policy
        .stages
        .iter()
        .filter(|s| s.deadlines.iter().any(|d| has(&d.when)))
        .map(|s| format!("a shorter deadline for stage {} ({})", s.number, s.name));
    let limits = policy
        .limits
        .iter()
        .filter(|l| has(&l.deadline.when))
        .map(|l| {
            match l.scope {
                crate::policy::LimitScope::EachStage => "a shorter deadline for every stage",
                crate::policy::LimitScope::WholeDispute => "a shorter limit for the whole dispute",
            }
            .to_owned()
        });
    out.extend(stage_rules.chain(limits));
    out
}

/// The duties that arise only because of `facts` (their conditions hold), with
/// when each arises: "Independent Reviewing Officer — Notify the Independent
/// Reviewing Officer (on entering stage 2)".
pub fn duties_from_facts(policy: &Policy, facts: &Facts) -> Vec<String> {
    policy
        .obligations
        .iter()
        .filter(|o| !o.when.is_empty() && facts.any(&o.when))
        .map(|o| {
            let when = match (o.on, o.stage) {
                (Trigger::Open, _) => "on opening".to_owned(),
                (Trigger::Enter, Some(s)) => format!("at stage {s}"),
                (Trigger::Enter, None) => "on entering a stage".to_owned(),
                (Trigger::Resolve, Some(s)) => format!("on resolving at stage {s} or later"),
                (Trigger::Resolve, None) => "on resolving".to_owned(),
                (Trigger::ResolveAt, s) => format!(
                    "on resolving at stage {}",
                    s.map_or_else(String::new, |s| policy.label(s))
                ),
            };
            format!("{} — {} ({when})", o.who, o.action)
        })
        .collect()
}

/// `Dispute::fold` fed one line at a time, for a journal too long to hold: the same
/// state and the same error from the same lines, without keeping them. A corrected
/// time moves the line it corrects, which came before it, so until the last line is
/// seen the lines are folded as though nothing were corrected; a journal that does
/// correct a time is folded again (`Folded::Again`) with its corrections known.
pub(crate) struct Folding {
    id: DisputeId,
    /// The corrected times, when known before the first line (folding again).
    known: Option<Vec<Correction>>,
    seen: crate::domain::correct::Corrections,
    /// The state so far, or the first error (`at_start`: at the opening itself).
    state: Option<std::result::Result<Dispute, (usize, String)>>,
    at_start: bool,
    lines: usize,
    /// The latest line so far in the order events are folded (`order_key`), and
    /// whether a line came before it: then only a fold of every line at once
    /// gives the state (`Folded::Unordered`).
    last: Option<(Instant, Instant, String, u64)>,
    unordered: bool,
}

/// What folding every line gave (made once per journal read; its size is no cost).
#[allow(clippy::large_enum_variant)]
pub(crate) enum Folded {
    Done(Dispute),
    /// Fold the lines again, with these corrected times (`Folding::again`).
    Again(Vec<Correction>),
    /// The lines are not in the order their events happened (sync merged some
    /// late): fold them all at once (`Dispute::fold`).
    Unordered,
}

impl Folding {
    pub(crate) fn new(id: DisputeId) -> Folding {
        Folding {
            id,
            known: None,
            seen: Default::default(),
            state: None,
            at_start: false,
            lines: 0,
            last: None,
            unordered: false,
        }
    }

    /// Folding again, with the corrected times the first folding found.
    pub(crate) fn again(id: DisputeId, corrections: Vec<Correction>) -> Folding {
        Folding {
            known: Some(corrections),
            ..Folding::new(id)
        }
    }

    /// The next line, in order from line 1.
    pub(crate) fn push(&mut self, r: &Record, policy: &Policy) {
        self.lines += 1;
        if self.known.is_none() {
            self.seen.see(r);
        }
        if self.lines > 1 {
            let key = order_key(r, self.known.as_deref().unwrap_or_default());
            if self.last.as_ref().is_some_and(|last| key < *last) {
                self.unordered = true;
            } else {
                self.last = Some(key);
            }
        }
        match &mut self.state {
            None => {
                let started =
                    crate::domain::event::opening(std::slice::from_ref(r)).and_then(|opened| {
                        Dispute::check_start(opened, policy)?;
                        let corrections = self.known.clone().unwrap_or_default();
                        Ok(Dispute::start(
                            self.id.clone(),
                            r,
                            opened,
                            corrections,
                            policy,
                        ))
                    });
                self.at_start = started.is_err();
                self.state = Some(started);
            }
            Some(Ok(d)) => {
                if let Err(found) = d.step(r, policy) {
                    self.state = Some(Err(found));
                }
            }
            Some(Err(_)) => {}
        }
    }

    /// The state after every line, or the error `fold` gives for these lines.
    pub(crate) fn finish(self) -> std::result::Result<Folded, (usize, String)> {
        let state = self
            .state
            .unwrap_or_else(|| Err((1, "the journal has no lines".to_owned())));
        if self.at_start {
            return state.map(Folded::Done);
        }
        if self.known.is_none() {
            let corrections = self.seen.finish()?;
            if !corrections.is_empty() {
                return Ok(Folded::Again(corrections));
            }
        }
        if self.unordered {
            return Ok(Folded::Unordered);
        }
        let mut d = state?;
        d.inert.sort_by_key(|i| i.line);
        d.events = self.lines;
        Ok(Folded::Done(d))
    }

    /// `finish` for a folding `again`: the corrected times were known throughout.
    pub(crate) fn finish_again(self) -> std::result::Result<Folded, (usize, String)> {
        let lines = self.lines;
        let mut d = self
            .state
            .unwrap_or_else(|| Err((1, "the journal has no lines".to_owned())))?;
        if self.unordered {
            return Ok(Folded::Unordered);
        }
        d.inert.sort_by_key(|i| i.line);
        d.events = lines;
        Ok(Folded::Done(d))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::testing::{line, opened};
    use crate::policy::Catalogue;

    fn opened_with_plan() -> Event {
        Event::Opened(Opened {
            cp_plan: true,
            ..opened(1)
        })
    }

    #[test]
    fn the_fold_follows_the_stages_and_their_duties() {
        let catalogue = Catalogue::builtin();
        let gscb = &catalogue.get("gscb").unwrap().policy;
        let lines = vec![
            line(1, "2026-11-30 09:00", opened_with_plan()),
            line(
                2,
                "2026-11-30 10:00",
                Event::Discussed {
                    stage: 1,
                    note: "n".into(),
                    with: None,
                },
            ),
            line(
                3,
                "2026-12-01 09:00",
                Event::Escalated {
                    from_stage: 1,
                    to_stage: 2,
                    reason: "r".into(),
                    due: None,
                    bypass_role: None,
                },
            ),
        ];
        let d = Dispute::fold(DisputeId::random().unwrap(), lines, gscb).unwrap();
        assert_eq!((d.stage, d.is_open(), d.action_recorded), (2, true, false));
        assert_eq!(d.events, 3);
        // A child protection plan: entering stage 2 owes the IRO a notification.
        let owed: Vec<&str> = d.outstanding().map(|o| o.who.as_str()).collect();
        assert_eq!(owed, ["Independent Reviewing Officer"]);
        // Entered Tue 1 Dec; five working days: Tue 8 Dec.
        let calendar = Calendar::new(crate::calendar::Division::EnglandAndWales);
        assert_eq!(
            d.due(gscb, &calendar).map(|due| due.date),
            chrono::NaiveDate::from_ymd_opt(2026, 12, 8)
        );
    }

    #[test]
    fn a_journal_must_begin_with_its_opening() {
        let catalogue = Catalogue::builtin();
        let gscb = &catalogue.get("gscb").unwrap().policy;
        let resolved = Event::Resolved {
            stage: 1,
            outcome: "o".into(),
        };
        let id = || DisputeId::random().unwrap();
        let err = Dispute::fold(id(), vec![line(1, "2026-11-30 09:00", resolved)], gscb);
        assert_eq!(
            err.unwrap_err(),
            (1, "the first line is not `opened`".to_owned())
        );
        assert_eq!(Dispute::fold(id(), vec![], gscb).unwrap_err().0, 1);
    }

    /// What `Folding` makes of `records`, folding again when it asks to.
    fn folded_a_line_at_a_time(
        records: &[Record],
        policy: &Policy,
    ) -> std::result::Result<Dispute, (usize, String)> {
        let id = DisputeId::from_file_stem("AAAAAAAAAA").unwrap();
        let mut folding = Folding::new(id.clone());
        for r in records {
            folding.push(r, policy);
        }
        match folding.finish()? {
            Folded::Done(d) => Ok(d),
            Folded::Again(corrections) => {
                let mut again = Folding::again(id.clone(), corrections);
                for r in records {
                    again.push(r, policy);
                }
                match again.finish_again()? {
                    Folded::Done(d) => Ok(d),
                    _ => Dispute::fold(id, records.to_vec(), policy),
                }
            }
            Folded::Unordered => Dispute::fold(id, records.to_vec(), policy),
        }
    }

    #[test]
    fn folding_a_line_at_a_time_gives_the_fold_and_its_first_error() {
        let catalogue = Catalogue::builtin();
        let gscb = &catalogue.get("gscb").unwrap().policy;
        let discussed = |stage| Event::Discussed {
            stage,
            note: "n".into(),
            with: None,
        };
        let amended = |event, happened: Option<&str>| Event::Amended {
            event,
            target: None,
            note: "n".into(),
            event_happened: happened.map(|t| crate::domain::clock::parse_instant(t).unwrap()),
        };
        let journals: Vec<Vec<Event>> = vec![
            vec![opened_with_plan(), discussed(1)],
            // A corrected time moves the opening, so the duties arise earlier.
            vec![
                opened_with_plan(),
                discussed(1),
                amended(1, Some("2026-11-29 09:00")),
                amended(2, None),
            ],
            // A line the policy does not allow, and later a correction no line may
            // make: the correction is reported, as `fold` checks corrections first.
            vec![
                Event::Opened(opened(1)),
                discussed(3),
                amended(2, None),
                amended(3, Some("2026-11-29 09:00")),
            ],
            vec![Event::Opened(opened(1)), discussed(3)],
            vec![Event::Opened(opened(9)), discussed(1)],
        ];
        for events in journals {
            let records: Vec<Record> = events
                .into_iter()
                .enumerate()
                .map(|(i, e)| line(i as u64 + 1, "2026-11-30 09:00", e))
                .collect();
            let id = DisputeId::from_file_stem("AAAAAAAAAA").unwrap();
            let whole = Dispute::fold(id, records.clone(), gscb).map(|mut d| {
                d.records.clear();
                serde_json::to_value(d).unwrap()
            });
            let streamed =
                folded_a_line_at_a_time(&records, gscb).map(|d| serde_json::to_value(d).unwrap());
            assert_eq!(whole, streamed, "{records:?}");
        }
    }

    /// Line `seq` of an agency's, happened at `when` (London time).
    fn by(seq: u64, who: &str, when: &str, event: Event) -> Record {
        Record {
            by: who.into(),
            ..line(seq, when, event)
        }
    }

    fn escalated(from_stage: u32) -> Event {
        Event::Escalated {
            from_stage,
            to_stage: from_stage + 1,
            reason: "r".into(),
            due: None,
            bypass_role: None,
        }
    }

    /// `state` with every line number (`line`, `*_line`, `met_by`, an error's
    /// line) read through `identity` (line number to the event's own number).
    fn renumbered(mut state: serde_json::Value, identity: &[u64]) -> serde_json::Value {
        fn walk(v: &mut serde_json::Value, identity: &[u64], key: &str) {
            match v {
                serde_json::Value::Object(map) => {
                    for (k, v) in map.iter_mut() {
                        walk(v, identity, k);
                    }
                }
                serde_json::Value::Array(items) => {
                    for (i, item) in items.iter_mut().enumerate() {
                        // `{"error": [line, what]}`
                        let k = if key == "error" && i == 0 {
                            "line"
                        } else {
                            key
                        };
                        walk(item, identity, k);
                    }
                }
                serde_json::Value::Number(n)
                    if key == "line"
                        || key.ends_with("_line")
                        || key == "met_by"
                        || key == "lapsed" =>
                {
                    if let Some(seq) = n.as_u64() {
                        *v = identity.get(seq as usize).copied().unwrap_or(seq).into();
                    }
                }
                _ => {}
            }
        }
        walk(&mut state, identity, "");
        // Kept in line order, which is arrival order.
        if let Some(inert) = state.get_mut("inert").and_then(|i| i.as_array_mut()) {
            inert.sort_by_key(|i| i["line"].as_u64());
        }
        state
    }

    /// The state a fold gives, without the lines (which keep their own order).
    fn state_of(records: Vec<Record>, policy: &Policy) -> serde_json::Value {
        let id = DisputeId::from_file_stem("AAAAAAAAAA").unwrap();
        match Dispute::fold(id, records, policy) {
            Ok(d) => serde_json::to_value(d.clone_state()).unwrap(),
            Err(e) => serde_json::json!({ "error": e }),
        }
    }

    #[test]
    fn two_escalations_of_one_stage_fold_the_same_in_either_order() {
        let catalogue = Catalogue::builtin();
        let gscb = &catalogue.get("gscb").unwrap().policy;
        let opening = line(1, "2026-11-09 09:00", Event::Opened(opened(1)));
        // The school escalated on Wednesday, social care (offline) on Thursday;
        // either may reach the journal first.
        let school = |seq| by(seq, "School", "2026-11-11 09:00", escalated(1));
        let csc = |seq| by(seq, "Social care", "2026-11-12 09:00", escalated(1));
        let calendar = Calendar::new(crate::calendar::Division::EnglandAndWales);
        let mut states = Vec::new();
        for lines in [
            vec![opening.clone(), school(2), csc(3)],
            vec![opening.clone(), csc(2), school(3)],
        ] {
            let d = Dispute::fold(DisputeId::random().unwrap(), lines, gscb).unwrap();
            assert_eq!(d.stage, 2);
            // Stage 2 runs from Wednesday: due Wed 18 Nov.
            assert_eq!(
                d.due(gscb, &calendar).map(|due| due.date),
                chrono::NaiveDate::from_ymd_opt(2026, 11, 18)
            );
            assert_eq!(d.inert.len(), 1);
            let school_line = d.visits[1].entered_line;
            let because = &d.inert[0].because;
            assert_eq!((because.line, because.by.as_str()), (school_line, "School"));
            assert_eq!(because.did, Move::Escalated { from: "1".into() });
            assert_eq!(clock::human_instant(&because.when), "Wed 11 Nov 2026 09:00");
            let csc_line = if school_line == 2 { 3 } else { 2 };
            assert_eq!(d.inert[0].line, csc_line);
            states.push(d.visits.last().unwrap().entered);
        }
        assert_eq!(states[0], states[1]);
    }

    #[test]
    fn an_escalation_after_a_resolution_is_inert_in_either_order() {
        let catalogue = Catalogue::builtin();
        let gscb = &catalogue.get("gscb").unwrap().policy;
        let opening = line(1, "2026-11-09 09:00", Event::Opened(opened(1)));
        let resolved = |seq| {
            by(
                seq,
                "Social care",
                "2026-11-11 10:00",
                Event::Resolved {
                    stage: 1,
                    outcome: "o".into(),
                },
            )
        };
        let school = |seq| by(seq, "School", "2026-11-11 14:00", escalated(1));
        for lines in [
            vec![opening.clone(), resolved(2), school(3)],
            vec![opening.clone(), school(2), resolved(3)],
        ] {
            let d = Dispute::fold(DisputeId::random().unwrap(), lines, gscb).unwrap();
            assert_eq!((d.state, d.stage), (State::Resolved, 1));
            assert_eq!(d.inert.len(), 1);
            let because = &d.inert[0].because;
            assert_eq!(
                (because.by.as_str(), &because.did),
                ("Social care", &Move::Resolved)
            );
            assert_eq!(clock::human_instant(&because.when), "Wed 11 Nov 2026 10:00");
        }
    }

    #[test]
    fn a_line_that_claims_a_time_before_a_line_recorded_before_it_is_backdated() {
        let catalogue = Catalogue::builtin();
        let gscb = &catalogue.get("gscb").unwrap().policy;
        let opening = line(1, "2026-11-09 09:00", Event::Opened(opened(1)));
        let csc = by(2, "Social care", "2026-11-12 09:00", escalated(1));
        // Recorded Friday, saying Wednesday.
        let claimed = clock::parse_instant("2026-11-11 09:00").unwrap();
        let backdated = Record {
            happened: Some(claimed),
            ..by(3, "School", "2026-11-13 16:00", escalated(1))
        };
        let d = Dispute::fold(
            DisputeId::random().unwrap(),
            vec![opening.clone(), csc.clone(), backdated],
            gscb,
        )
        .unwrap();
        assert_eq!(d.backdated.len(), 1, "{:?}", d.backdated);
        let b = &d.backdated[0];
        assert_eq!((b.line, b.overtook, b.by.as_str()), (3, 2, "Social care"));
        assert_eq!(b.claims, claimed);
        assert_eq!(clock::human_instant(&b.recorded), "Fri 13 Nov 2026 16:00");
        assert_eq!(b.did, Move::Escalated { from: "1".into() });
        // Not backdated: a line of the same recorder's, a notification (and,
        // below, one recorded Wednesday offline and arriving after).
        let own = Record {
            happened: Some(claimed),
            ..by(3, "Social care", "2026-11-13 16:00", escalated(1))
        };
        let note = Record {
            happened: Some(claimed),
            ..by(
                3,
                "School",
                "2026-11-13 16:00",
                Event::Notified {
                    who: "w".into(),
                    obligation: None,
                    note: None,
                },
            )
        };
        // A correction that moves an honest line before social care's, made
        // after social care's line was recorded: backdated as of the correction.
        let correcting = |line: u64, at: &str, happened: &str| {
            by(
                4,
                "School",
                at,
                Event::Amended {
                    event: line,
                    target: None,
                    note: "n".into(),
                    event_happened: Some(clock::parse_instant(happened).unwrap()),
                },
            )
        };
        let late = by(3, "School", "2026-11-12 10:00", escalated(1));
        let d = Dispute::fold(
            DisputeId::random().unwrap(),
            vec![
                opening.clone(),
                csc.clone(),
                late,
                correcting(3, "2026-11-13 16:00", "2026-11-11 09:00"),
            ],
            gscb,
        );
        let d = d.unwrap();
        assert_eq!(d.backdated.len(), 1, "{:?}", d.backdated);
        assert_eq!(
            (d.backdated[0].line, d.backdated[0].corrected_by),
            (3, Some(4))
        );
        // Already first by its own honest time, a correction moving it earlier
        // still is not what put it first.
        let honest = by(3, "School", "2026-11-11 09:00", escalated(1));
        let d = Dispute::fold(
            DisputeId::random().unwrap(),
            vec![
                opening.clone(),
                csc.clone(),
                honest.clone(),
                correcting(3, "2026-11-13 16:00", "2026-11-10 09:00"),
            ],
            gscb,
        )
        .unwrap();
        assert!(d.backdated.is_empty(), "{:?}", d.backdated);
        for third in [honest, own, note] {
            let d = Dispute::fold(
                DisputeId::random().unwrap(),
                vec![opening.clone(), csc.clone(), third],
                gscb,
            )
            .unwrap();
            assert!(d.backdated.is_empty(), "{:?}", d.backdated);
        }
    }

    #[test]
    fn folding_a_line_at_a_time_asks_for_every_line_when_they_are_out_of_order() {
        let catalogue = Catalogue::builtin();
        let gscb = &catalogue.get("gscb").unwrap().policy;
        let lines = vec![
            line(1, "2026-11-09 09:00", Event::Opened(opened(1))),
            by(2, "Social care", "2026-11-12 09:00", escalated(1)),
            by(3, "School", "2026-11-11 09:00", escalated(1)),
        ];
        let id = DisputeId::from_file_stem("AAAAAAAAAA").unwrap();
        let mut folding = Folding::new(id.clone());
        for r in &lines {
            folding.push(r, gscb);
        }
        assert!(matches!(folding.finish(), Ok(Folded::Unordered)));
        // In order, a line at a time gives the state at once.
        let mut folding = Folding::new(id);
        for r in [&lines[0], &lines[2]] {
            folding.push(r, gscb);
        }
        assert!(matches!(folding.finish(), Ok(Folded::Done(_))));
    }

    #[test]
    fn a_line_no_conflict_explains_is_still_an_error() {
        let catalogue = Catalogue::builtin();
        let gscb = &catalogue.get("gscb").unwrap().policy;
        let lines = vec![
            line(1, "2026-11-09 09:00", Event::Opened(opened(1))),
            by(2, "School", "2026-11-10 09:00", escalated(2)),
        ];
        let err = Dispute::fold(DisputeId::random().unwrap(), lines, gscb).unwrap_err();
        assert_eq!(err.0, 2);
    }

    mod converge {
        use super::*;
        use proptest::prelude::*;

        /// One agency's event: (agency, hour, kind, stage).
        fn event() -> impl Strategy<Value = (usize, u32, u8, u32)> {
            (0usize..3, 9u32..13, 0u8..4, 1u32..4)
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(64))]

            /// Random interleavings of one set of events from three agencies
            /// fold to one state (or one error), whatever order the lines
            /// arrived in. Arrival numbers the lines (sync re-chains them), so
            /// each line's number differs from one interleaving to the next;
            /// only each agency's own lines keep their relative order, as a
            /// re-chain keeps them. The states are compared with each line
            /// number read back as the event it names.
            #[test]
            fn any_order_of_the_same_lines_folds_to_one_state(
                events in proptest::collection::vec(event(), 1..8),
                shuffles in proptest::collection::vec(
                    proptest::collection::vec(any::<prop::sample::Index>(), 8), 3),
            ) {
                let catalogue = Catalogue::builtin();
                let gscb = &catalogue.get("gscb").unwrap().policy;
                let agencies = ["School", "Social care", "Health"];
                let opening = line(1, "2026-11-09 08:00", Event::Opened(opened(1)));
                // Each event's own identity is its place in `events`, from 2.
                let lines: Vec<Record> = events
                    .iter()
                    .enumerate()
                    .map(|(i, &(who, hour, kind, stage))| {
                        let event = match kind {
                            0 => Event::Discussed { stage, note: "n".into(), with: None },
                            1 => escalated(stage),
                            2 => Event::Resolved { stage, outcome: "o".into() },
                            _ => Event::Reopened { reason: "r".into() },
                        };
                        by(i as u64 + 2, agencies[who], &format!("2026-11-10 {hour:02}:00"), event)
                    })
                    .collect();
                let mut first = vec![opening.clone()];
                first.extend(lines.iter().cloned());
                let expected = state_of(first, gscb);
                for shuffle in shuffles {
                    // Which agency's next line arrives next: a Fisher-Yates
                    // shuffle of the agencies' turns, driven by the indices.
                    let mut turns: Vec<usize> = events.iter().map(|e| e.0).collect();
                    for i in (1..turns.len()).rev() {
                        let j = shuffle[i % shuffle.len()].index(i + 1);
                        turns.swap(i, j);
                    }
                    let mut queues: Vec<std::collections::VecDeque<&Record>> =
                        vec![Default::default(); 3];
                    for (r, e) in lines.iter().zip(&events) {
                        queues[e.0].push_back(r);
                    }
                    let mut all = vec![opening.clone()];
                    let mut identity = vec![0, 1];
                    for who in turns {
                        let r = queues[who].pop_front().unwrap();
                        identity.push(r.seq);
                        all.push(Record { seq: all.len() as u64 + 1, ..r.clone() });
                    }
                    let state = renumbered(state_of(all, gscb), &identity);
                    prop_assert_eq!(&state, &expected);
                }
            }
        }
    }

    #[test]
    fn a_state_is_written_as_its_serde_name() {
        for state in [State::Open, State::Resolved] {
            let json = serde_json::to_string(&state).unwrap();
            assert_eq!(json, format!("\"{}\"", state.as_str()));
            assert_eq!(state.to_string(), state.as_str());
        }
        assert_eq!(State::Resolved.as_str(), "resolved");
    }

    #[test]
    fn the_facts_worth_asking_are_those_a_rule_depends_on() {
        let catalogue = Catalogue::builtin();
        let gscb = &catalogue.get("gscb").unwrap().policy;
        assert_eq!(conditions_used(gscb), Flag::ALL);
        let lscb = &catalogue.get("lscb").unwrap().policy;
        assert!(!conditions_used(lscb).contains(&Flag::CpPlan));
        let facts = Facts {
            cp_plan: true,
            ..Facts::default()
        };
        assert_eq!(
            duties_from_facts(gscb, &facts),
            vec!["Independent Reviewing Officer — Notify the Independent Reviewing Officer (at stage 2)"]
        );
        assert!(duties_from_facts(gscb, &Facts::default()).is_empty());
    }
}
