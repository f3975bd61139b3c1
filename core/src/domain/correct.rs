//! Corrections without rewriting: the rules for `amend` (a note attached to an
//! earlier line, a corrected time for when something happened, or a fact about the
//! child learned later) and `reopen` (a resolved dispute that has come back). All
//! become new journal lines; nothing here ever changes a line already written. Pure:
//! no files, no terminal.

use crate::domain::clock::{self, Instant};
use crate::domain::dispute::{Correction, Dispute, Learned, ObligationState};
use crate::domain::event::{Event, Record};
use crate::error::{Error, Hint, Result};
use crate::policy::{Flag, Policy, Trigger};

/// What `amend` is asked to record.
#[derive(Clone, Debug)]
pub enum Amendment {
    /// A note about line `seq`.
    Note { seq: u64, note: String },
    /// Line `seq` really happened at `happened`.
    Happened {
        seq: u64,
        happened: Instant,
        note: String,
    },
    /// A condition (`cp-plan`, `looked-after`, `immediate-harm`) learned later.
    Fact {
        fact: Flag,
        value: bool,
        note: String,
    },
    /// A policy-defined field's value corrected (`amend --field ID=VALUE`);
    /// `plan::decide` checks it against the policy.
    Field {
        field: String,
        value: String,
        note: String,
    },
}

/// The corrected times a journal records, checked: every correction refers to an
/// earlier line that records something that happened (not a note, a recovered
/// write or a fact), and the latest correction of a line wins. An error is
/// `(line, what)`, as for any line escalate's rules would not have written.
pub(crate) fn corrections(
    records: &[Record],
) -> std::result::Result<Vec<Correction>, (usize, String)> {
    let mut seen = Corrections::default();
    for r in records {
        seen.see(r);
    }
    seen.finish()
}

/// `corrections` for lines seen one at a time (a journal too long to hold): of each
/// line it keeps only whether its time may be corrected.
#[derive(Default)]
pub(crate) struct Corrections {
    /// For each line seen: 0 if its time may be corrected, else 1 + the index in
    /// `kinds` of its kind (for the error naming it).
    lines: Vec<u8>,
    kinds: Vec<&'static str>,
    /// By the line corrected: the latest correction of a line replaces the one
    /// before, and the result comes out in line order (`Dispute::when_of`
    /// searches it by halves; a journal may correct thousands of lines).
    out: std::collections::BTreeMap<u64, Correction>,
    error: Option<(usize, String)>,
}

impl Corrections {
    /// The next line (lines come in order from line 1).
    pub(crate) fn see(&mut self, r: &Record) {
        if self.error.is_some() {
            return;
        }
        if let Event::Amended {
            event,
            event_happened: Some(happened),
            ..
        } = &r.event
        {
            self.corrects(r.seq, *event, *happened);
        }
        let class = match correctable(&r.event) {
            true => 0,
            false => self.kind_class(r.event.kind()),
        };
        self.lines.push(class);
    }

    fn kind_class(&mut self, kind: &'static str) -> u8 {
        let at = match self.kinds.iter().position(|k| *k == kind) {
            Some(at) => at,
            None => {
                self.kinds.push(kind);
                self.kinds.len() - 1
            }
        };
        u8::try_from(at + 1).unwrap_or(u8::MAX)
    }

    fn corrects(&mut self, seq: u64, event: u64, happened: Instant) {
        let target = (event >= 1 && event < seq)
            .then(|| self.lines.get(event as usize - 1))
            .flatten();
        match target {
            Some(0) => {}
            Some(&class) => {
                let kind = self.kinds.get(usize::from(class) - 1).unwrap_or(&"");
                self.error = Some((
                    seq as usize,
                    format!("a corrected time for line {event}, a `{kind}` line, which records no event"),
                ));
                return;
            }
            None => {
                self.error = Some((
                    seq as usize,
                    format!("a corrected time for line {event}, which is not an earlier line"),
                ));
                return;
            }
        }
        self.out.insert(
            event,
            Correction {
                line: event,
                happened,
                by: seq,
            },
        );
    }

    /// The corrected times, or the first line that corrects what it cannot.
    pub(crate) fn finish(self) -> std::result::Result<Vec<Correction>, (usize, String)> {
        match self.error {
            Some(e) => Err(e),
            None => Ok(self.out.into_values().collect()),
        }
    }
}

/// Lines whose time may be corrected: the events of the dispute. A fact applies
/// from when it was recorded, so its time is what it says.
fn correctable(e: &Event) -> bool {
    e.is_happening() && !matches!(e, Event::FactLearned { .. })
}

/// Parse `cp-plan=yes` (or `no`, `true`, `false`) as `amend --fact` takes it.
pub fn parse_fact(text: &str) -> std::result::Result<(Flag, bool), String> {
    let (name, value) = text
        .split_once('=')
        .ok_or_else(|| format!("{text:?} is not NAME=yes or NAME=no"))?;
    let name = name.trim().to_lowercase();
    let Some(flag) = Flag::parse(&name) else {
        return Err(format!(
            "{name:?} is not a fact escalate records; use one of {}",
            Flag::names()
        ));
    };
    let value = match value.trim().to_lowercase().as_str() {
        "yes" | "y" | "true" => true,
        "no" | "n" | "false" => false,
        other => return Err(format!("{other:?} is not yes or no")),
    };
    Ok((flag, value))
}

impl Dispute {
    /// The `amended` (or `fact_learned`) event, or why it cannot be recorded.
    /// `now` is the time of the command, read under the journal's lock.
    pub(crate) fn plan_amendment(&self, amendment: Amendment, now: &Instant) -> Result<Event> {
        match amendment {
            Amendment::Note { seq, note } => {
                self.line(seq)?;
                Ok(Event::Amended {
                    event: seq,
                    target: None,
                    note,
                    event_happened: None,
                })
            }
            Amendment::Happened {
                seq,
                happened,
                note,
            } => {
                self.check_happened(seq, &happened, now)?;
                Ok(Event::Amended {
                    event: seq,
                    target: None,
                    note,
                    event_happened: Some(happened),
                })
            }
            Amendment::Fact { fact, value, note } => {
                let current = self.facts.flag(fact);
                if current == value {
                    return Err(Error::refused(format!(
                        "dispute {} already records {fact} as {}",
                        self.id,
                        if value { "yes" } else { "no" }
                    ))
                    .with_hint(Hint::NothingToRecord));
                }
                Ok(Event::FactLearned {
                    fact: fact.name().to_owned(),
                    value,
                    note,
                })
            }
            Amendment::Field { field, value, note } => Ok(Event::FieldSet { field, value, note }),
        }
    }

    fn line(&self, seq: u64) -> Result<&Record> {
        let last = self.records.len() as u64;
        self.records
            .iter()
            .find(|r| r.seq == seq)
            .filter(|_| seq >= 1)
            .ok_or_else(|| {
                Error::refused(format!(
                    "dispute {} has no line {seq}; its lines are numbered 1 to {last}",
                    self.id
                ))
                .with_hint(Hint::ShowLineNumbers {
                    id: self.id.to_string(),
                })
            })
    }

    /// A corrected time must be in the past and keep the events in the order they
    /// were recorded in: after the event before, before the event after (each by
    /// its own corrected time).
    fn check_happened(&self, seq: u64, happened: &Instant, now: &Instant) -> Result<()> {
        let target = self.line(seq)?;
        if !correctable(&target.event) {
            return Err(Error::refused(format!(
                "line {seq} of dispute {} is a `{}` line; only the time of an event can be corrected",
                self.id,
                target.event.kind()
            ))
            .with_hint(Hint::ShowLineNumbers {
                id: self.id.to_string(),
            }));
        }
        let t = clock::human_instant(happened);
        if happened > now {
            return Err(Error::refused(format!(
                "--happened {t} is in the future (it is now {})",
                clock::human_instant(now)
            ))
            .with_hint(Hint::HappenedIsPast));
        }
        let events = || self.records.iter().filter(|r| r.event.is_happening());
        if let Some(before) = events().rfind(|r| r.seq < seq) {
            let b = self.when_of(before);
            if happened < &b {
                return Err(Error::refused(format!(
                    "line {seq} cannot have happened at {t}, before line {} ({})",
                    before.seq,
                    clock::human_instant(&b)
                ))
                .with_hint(Hint::CorrectThatFirst));
            }
        }
        if let Some(after) = events().find(|r| r.seq > seq) {
            let a = self.when_of(after);
            if happened > &a {
                return Err(Error::refused(format!(
                    "line {seq} cannot have happened at {t}, after line {} ({})",
                    after.seq,
                    clock::human_instant(&a)
                ))
                .with_hint(Hint::CorrectThatFirst));
            }
        }
        if let (Event::Opened(o), Some(arose)) = (&target.event, self.opened.arose) {
            if happened < &arose && o.arose.is_some() {
                return Err(Error::refused(format!(
                    "the dispute cannot have been opened at {t}, before the disagreement arose ({})",
                    clock::human_instant(&arose)
                )));
            }
        }
        Ok(())
    }

    /// Apply a fact learned later (`fact_learned` at `when` on line `line`). Duties
    /// it creates arise now: for the current stage, and for a stage already passed
    /// (or an opening or resolution already recorded) as outstanding, their
    /// deadlines counted from now. Later stages create theirs when entered.
    pub(crate) fn learn(
        &mut self,
        policy: &Policy,
        fact: Flag,
        value: bool,
        (when, line): (Instant, u64),
    ) {
        let before = self.facts.clone();
        self.facts.set(fact, value);
        self.learned.retain(|l| l.condition != fact);
        if value && !before.flag(fact) {
            self.learned.push(Learned {
                condition: fact,
                at: when,
            });
        }
        for o in &policy.obligations {
            if !self.facts.any(&o.when) || before.any(&o.when) {
                continue;
            }
            let stage = match o.on {
                Trigger::Open => Some(self.stage),
                // Opening past a stage owes that stage's duties (as `fold` does).
                Trigger::Enter => o.stage.filter(|s| *s <= self.stage),
                Trigger::Resolve => (!self.is_open() && o.stage.is_none_or(|s| self.stage >= s))
                    .then_some(self.stage),
                Trigger::ResolveAt => {
                    (!self.is_open() && o.stage == Some(self.stage)).then_some(self.stage)
                }
            };
            if let Some(stage) = stage {
                self.obligations
                    .push(ObligationState::duty(o, stage, (when, line)));
            }
        }
    }

    /// The `reopened` event for a resolved dispute, or why it cannot be recorded.
    pub(crate) fn plan_reopen(&self, reason: String) -> Result<Event> {
        if self.is_open() {
            return Err(Error::refused(format!(
                "dispute {} is open at stage {}; only a resolved dispute can be reopened",
                self.id, self.stage
            ))
            .with_hint(Hint::RecordDiscussOrEscalate));
        }
        Ok(Event::Reopened { reason })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(seq: u64, event: Event) -> Record {
        crate::domain::testing::line(seq, "2026-11-23 09:00", event)
    }

    fn discussed() -> Event {
        Event::Discussed {
            stage: 1,
            note: "n".into(),
            with: None,
        }
    }

    fn retime(event: u64, at: &str) -> Event {
        Event::Amended {
            event,
            target: None,
            note: "n".into(),
            event_happened: Some(clock::parse_instant(at).unwrap()),
        }
    }

    #[test]
    fn a_correction_must_refer_to_an_earlier_event() {
        let ok = vec![
            record(1, discussed()),
            record(2, retime(1, "2026-11-23 08:00")),
            record(3, retime(1, "2026-11-23 08:30")),
        ];
        let c = corrections(&ok).unwrap();
        assert_eq!(c.len(), 1, "the latest correction of a line wins");
        assert_eq!(c[0].by, 3);

        let ahead = vec![
            record(1, discussed()),
            record(2, retime(5, "2026-11-23 08:00")),
        ];
        let (line, what) = corrections(&ahead).unwrap_err();
        assert_eq!(line, 2);
        assert!(what.contains("line 5"), "{what}");

        let of_a_note = vec![
            record(1, discussed()),
            record(
                2,
                Event::Amended {
                    event: 1,
                    target: None,
                    note: "n".into(),
                    event_happened: None,
                },
            ),
            record(3, retime(2, "2026-11-23 08:00")),
        ];
        let (line, what) = corrections(&of_a_note).unwrap_err();
        assert_eq!(line, 3);
        assert!(what.contains("`amended`"), "{what}");
    }

    #[test]
    fn corrections_come_out_in_line_order_and_each_line_is_found() {
        // Corrected out of order, one line twice: `Dispute::when_of` searches by
        // halves, so the order is what it relies on.
        let lines = vec![
            record(1, discussed()),
            record(2, discussed()),
            record(3, discussed()),
            record(4, retime(3, "2026-11-23 08:03")),
            record(5, retime(1, "2026-11-23 08:01")),
            record(6, retime(3, "2026-11-23 08:33")),
            record(7, retime(2, "2026-11-23 08:02")),
        ];
        let c = corrections(&lines).unwrap();
        let order: Vec<(u64, u64)> = c.iter().map(|c| (c.line, c.by)).collect();
        assert_eq!(order, vec![(1, 5), (2, 7), (3, 6)]);
        let catalogue = crate::policy::Catalogue::builtin();
        let opening = vec![crate::domain::testing::line(
            1,
            "2026-11-23 07:00",
            Event::Opened(crate::domain::testing::opened(1)),
        )];
        let id = crate::domain::id::DisputeId::from_file_stem("0000000001").unwrap();
        let mut d = crate::domain::dispute::Dispute::fold(
            id,
            opening,
            &catalogue.get("gscb").unwrap().policy,
        )
        .unwrap();
        d.corrections = c;
        let at = |l: &Record| clock::human_instant(&d.when_of(l));
        assert!(at(&lines[0]).contains("08:01"), "{}", at(&lines[0]));
        assert!(at(&lines[1]).contains("08:02"), "{}", at(&lines[1]));
        assert!(at(&lines[2]).contains("08:33"), "{}", at(&lines[2]));
        assert!(at(&lines[3]).contains("09:00"), "{}", at(&lines[3]));
    }

    #[test]
    fn facts_parse_as_the_policy_names_them() {
        assert_eq!(parse_fact("cp-plan=yes"), Ok((Flag::CpPlan, true)));
        assert_eq!(
            parse_fact("Looked-After=no"),
            Ok((Flag::LookedAfter, false))
        );
        assert!(parse_fact("cp-plan").is_err());
        assert_eq!(
            parse_fact("adopted=yes"),
            Err("\"adopted\" is not a fact escalate records; use one of cp-plan, looked-after, immediate-harm".into())
        );
        assert!(parse_fact("cp-plan=maybe").is_err());
    }
}
