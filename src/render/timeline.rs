//! `show`: a dispute's header (stage, deadline, what is outstanding) and its whole
//! timeline, each event with when it happened, when it was recorded if different,
//! who recorded it and what it says.

use std::fmt::Write;

use super::{due_phrase, obligation_phrase};
use crate::clock::human_instant;
use crate::dispute::ObligationState;
use crate::journal::{Event, Record};
use crate::summary::Summary;

/// `obligations` are the dispute's obligations, met or not: a `notified` line is
/// shown with the obligation it met, in the policy's words.
pub fn show(
    s: &Summary,
    records: &[Record],
    policy_name: &str,
    obligations: &[ObligationState],
) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Dispute {}  ({} — {})", s.id, s.policy, policy_name);
    let _ = writeln!(out, "Child:    {}", s.child);
    let _ = writeln!(
        out,
        "Between:  {} (raising) and {} (challenged)",
        s.from, s.with
    );
    if let Some(c) = &s.category {
        let _ = writeln!(out, "Category: {c}");
    }
    let flags: Vec<&str> = [
        (s.cp_plan, "child protection plan"),
        (s.looked_after, "looked after"),
        (s.immediate_harm, "immediate harm"),
    ]
    .iter()
    .filter(|(on, _)| *on)
    .map(|(_, name)| *name)
    .collect();
    if !flags.is_empty() {
        let _ = writeln!(out, "Flags:    {}", flags.join(", "));
    }
    let _ = writeln!(out, "Summary:  {}", s.summary);
    match s.state {
        crate::dispute::State::Open => {
            let _ = writeln!(out, "Stage:    {} {} (open)", s.stage, s.stage_name);
            let _ = writeln!(out, "Due:      {}", due_phrase(s));
            // Which working days the date was counted in, so a surprising date can
            // be traced to an import or a closure day.
            let _ = writeln!(out, "Calendar: {}", s.calendar);
        }
        crate::dispute::State::Resolved => {
            let _ = writeln!(out, "Stage:    {} {} (resolved)", s.stage, s.stage_name);
        }
    }
    if s.obligations.is_empty() {
        let _ = writeln!(out, "Outstanding: nothing");
    } else {
        let _ = writeln!(out, "Outstanding:");
        for o in &s.obligations {
            let _ = writeln!(out, "  - {}", obligation_phrase(o));
        }
    }
    let _ = writeln!(out, "\nTimeline:");
    for r in records {
        let when = human_instant(&r.when());
        let recorded = match r.happened {
            Some(_) => format!(" (recorded {})", human_instant(&r.at)),
            None => String::new(),
        };
        let _ = writeln!(
            out,
            "{:>3}. {when}{recorded}, {}: {}",
            r.seq,
            r.by,
            describe(
                &r.event,
                obligations.iter().find(|o| o.met_by == Some(r.seq))
            )
        );
        for a in records
            .iter()
            .filter(|a| matches!(&a.event, Event::Amended { event, .. } if *event == r.seq))
        {
            if let Event::Amended { note, .. } = &a.event {
                let _ = writeln!(out, "     correction (line {}, {}): {note}", a.seq, a.by);
            }
        }
    }
    let _ = writeln!(out, "\nJournal head: {}", s.head);
    out
}

fn describe(e: &Event, met: Option<&ObligationState>) -> String {
    match e {
        Event::Opened(o) => {
            let mut s = format!("opened at stage {}", o.stage);
            if let Some(d) = o.due {
                let _ = write!(s, ", due set to {d}");
            }
            if let Some(r) = &o.start_reason {
                let _ = write!(s, " because: {r}");
            }
            s
        }
        Event::Discussed { stage, note, with } => match with {
            Some(w) => format!("discussed at stage {stage} with {w}: {note}"),
            None => format!("discussed at stage {stage}: {note}"),
        },
        Event::Escalated {
            from_stage,
            to_stage,
            reason,
            due,
            bypass_role,
        } => {
            let mut s = format!("escalated from stage {from_stage} to {to_stage}: {reason}");
            if let Some(d) = due {
                let _ = write!(s, " (due set to {d})");
            }
            if let Some(r) = bypass_role {
                let _ = write!(s, " (by {r})");
            }
            s
        }
        Event::Notified { who, note, .. } => {
            let mut s = match met {
                Some(o) => format!("notified {} (meets obligation {})", o.who, o.id),
                None => format!("notified {who}"),
            };
            if let Some(n) = note {
                let _ = write!(s, ": {n}");
            }
            s
        }
        Event::Resolved { stage, outcome } => format!("resolved at stage {stage}: {outcome}"),
        Event::Amended { event, note } => format!("correction to line {event}: {note}"),
        Event::Reopened { reason } => format!("reopened: {reason}"),
        Event::Recovered {
            quarantine, bytes, ..
        } => {
            format!("recovered an interrupted write ({bytes} bytes kept in {quarantine})")
        }
        Event::ReceiptRepaired { .. } => crate::journal::receipt_phrase(e),
    }
}
