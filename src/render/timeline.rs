//! `show`: a dispute's header (stage, deadline, what is outstanding) and its whole
//! timeline, each event with when it happened, when it was recorded if different,
//! who recorded it and what it says.

use std::collections::HashMap;
use std::fmt::Write;

use super::{due_phrase, obligation_phrase};
use escalate_core::domain::clock::human_instant;
use escalate_core::domain::dispute::{Dispute, ObligationState};
use escalate_core::domain::event::{Event, Record};
use escalate_core::domain::summary::Summary;
use escalate_core::domain::text::{one_line, visible};

/// Text that may run over several lines, made visible (`text::visible`): on a
/// terminal its continuation lines indented by `indent` spaces so they stay under
/// the first; `flat` (piped), on one line, each line break written ` ↵ `, so
/// that every event is one line (`text::one_line`).
fn indented(text: &str, indent: usize, flat: bool) -> String {
    if flat {
        return one_line(text.trim_end()).into_owned();
    }
    let pad = format!("\n{}", " ".repeat(indent));
    visible(text.trim_end())
        .lines()
        .collect::<Vec<_>>()
        .join(&pad)
}

/// What `show` prints before the timeline's first line; `flat` (piped), the
/// summary on one line as every event is. A name or an agency is one line
/// wherever it is shown, so a line break a journal holds cannot start a line
/// that looks like escalate's own.
///
/// `sealed`: the words for a dispute whose text is sealed and not at hand
/// (`sealed_words`), shown in place of the child and the summary.
pub(crate) fn header(
    s: &Summary,
    policy: &escalate_core::policy::Policy,
    flat: bool,
    sealed: Option<&str>,
) -> String {
    let policy_name = one_line(policy.name.as_str());
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Dispute {}  ({} — {policy_name})",
        s.id,
        one_line(&s.policy)
    );
    let who = if s.subject_kind == "adult" {
        "Adult:   "
    } else {
        "Child:   "
    };
    match sealed {
        Some(words) => {
            let label = if s.erased.is_some() {
                "Erased:"
            } else {
                "Sealed:"
            };
            let _ = writeln!(out, "{label:<9} {}", indented(words, 10, flat));
        }
        None => {
            let _ = writeln!(out, "{who} {}", one_line(&s.child));
        }
    }
    let _ = writeln!(
        out,
        "Between:  {} (raising) and {} (challenged)",
        one_line(&s.from),
        one_line(&s.with)
    );
    if let Some(c) = &s.category {
        let _ = writeln!(out, "Category: {}", one_line(c));
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
    if sealed.is_none() {
        let _ = writeln!(out, "Summary:  {}", indented(&s.summary, 10, flat));
    }
    match s.state {
        escalate_core::domain::dispute::State::Open => {
            let _ = writeln!(
                out,
                "Stage:    {} {} (open)",
                one_line(&s.stage_label),
                one_line(&s.stage_name)
            );
            // A date a user set says so: the policy did not give it.
            let set_by = match s.due_set_by {
                Some(escalate_core::domain::summary::DueSetBy::User) => {
                    " (a date set to protect the child)"
                }
                Some(escalate_core::domain::summary::DueSetBy::Agreed) => {
                    " (a date the parties agreed)"
                }
                _ => "",
            };
            let _ = writeln!(out, "Due:      {}{set_by}", due_phrase(s));
            // Which working days the date was counted in, so a surprising date can
            // be traced to an import or a closure day.
            let _ = writeln!(out, "Calendar: {}", s.calendar);
        }
        escalate_core::domain::dispute::State::Resolved => {
            let _ = writeln!(
                out,
                "Stage:    {} {} (resolved)",
                one_line(&s.stage_label),
                one_line(&s.stage_name)
            );
        }
    }
    if !s.not_counted.is_empty() {
        let lines: Vec<String> = s
            .not_counted
            .iter()
            .map(|u| format!("line {} ({})", u.line, u.why.words()))
            .collect();
        let _ = writeln!(
            out,
            "Not counted: {}: left out of this dispute's state and every figure; `escalate verify {}` says why",
            indented(&lines.join(", "), 13, flat),
            s.id
        );
    }
    if s.obligations.is_empty() {
        let _ = writeln!(out, "Outstanding: nothing");
    } else {
        let _ = writeln!(out, "Outstanding:");
        for o in &s.obligations {
            let _ = writeln!(out, "  - {}", one_line(&obligation_phrase(o)));
            // "Immediately" on a weekend or bank holiday: say what it means then.
            if let Some((shut, due)) = o
                .due
                .as_ref()
                .filter(|d| d.immediately && !o.standing.overdue)
                .and_then(|d| d.shut_on.map(|s| (s, d.date)))
            {
                let _ = writeln!(
                    out,
                    "    It arose on {}, a day the office is shut: \"immediately\" means as soon as it opens, by the end of {} at the latest. If your agency has out-of-hours safeguarding cover, use it now.",
                    escalate_core::domain::clock::human_date(shut),
                    escalate_core::domain::clock::human_date(due)
                );
            }
        }
    }
    let _ = writeln!(out, "\nTimeline:");
    out
}

/// What `show` prints after the timeline's last line.
pub(crate) fn footer(s: &Summary) -> String {
    format!("\nJournal head: {}\n", s.head)
}

/// The line an `amended` line amends, which the timeline shows it under.
pub(crate) fn amends(r: &Record) -> Option<u64> {
    match &r.event {
        Event::Amended { event, .. } => Some(*event),
        _ => None,
    }
}

/// The timeline shows each line of a dispute at the time it happened, corrected
/// where a correction says so, with the time the line itself gave beside it, and
/// under it the notes later lines attach to it. A `notified` line is shown with
/// the obligation it met, in the policy's words.
pub(crate) struct Timeline<'a> {
    policy: &'a escalate_core::policy::Policy,
    /// The lines that do not count, marked where they are shown.
    uncounted: &'a [escalate_core::domain::dispute::Uncounted],
    /// The lines the policy would not have allowed when they happened, with why.
    inert: &'a [escalate_core::domain::dispute::Inert],
    /// The lines that claim a time before another's line recorded before them.
    backdated: &'a [escalate_core::domain::dispute::Backdated],
    met: HashMap<u64, &'a ObligationState>,
    corrected: CorrectedTimes,
    /// Each event on one line (piped output), not continued under itself.
    flat: bool,
    /// Who each key (fingerprint) is in the member list: "name, agency".
    who: HashMap<String, (String, String)>,
}

/// When each line happened, its corrected time if it has one: `Dispute::when_of`
/// looked up once per line, not searched for (a journal that corrects thousands of
/// times was shown in time proportional to lines times corrections).
pub(crate) struct CorrectedTimes(HashMap<u64, escalate_core::domain::clock::Instant>);

impl CorrectedTimes {
    pub(crate) fn of(d: &Dispute) -> CorrectedTimes {
        // One correction a line: the latest of several is the one kept.
        CorrectedTimes(d.corrections.iter().map(|c| (c.line, c.happened)).collect())
    }

    pub(crate) fn when_of(&self, r: &Record) -> escalate_core::domain::clock::Instant {
        self.0.get(&r.seq).copied().unwrap_or_else(|| r.when())
    }
}

impl<'a> Timeline<'a> {
    pub(crate) fn new(d: &'a Dispute, policy: &'a escalate_core::policy::Policy) -> Timeline<'a> {
        let met = d
            .obligations
            .iter()
            .filter_map(|o| o.met_by.map(|seq| (seq, o)))
            .collect();
        Timeline {
            policy,
            uncounted: &d.uncounted,
            inert: &d.inert,
            backdated: &d.backdated,
            met,
            corrected: CorrectedTimes::of(d),
            flat: false,
            who: HashMap::new(),
        }
    }

    /// Name the person and agency behind each line from the member list.
    pub(crate) fn members(
        mut self,
        members: Option<&escalate_core::members::Members>,
    ) -> Timeline<'a> {
        for p in members.iter().flat_map(|m| &m.people) {
            for k in &p.keys {
                self.who
                    .insert(k.fingerprint.clone(), (p.name.clone(), p.agency.clone()));
            }
        }
        self
    }

    /// Who recorded `r`: the person and agency its key is in the member list
    /// ("Jo Bloggs, Hollyfield Primary"), with the `by` text when it differs;
    /// the `by` text alone without a list.
    fn who(&self, r: &Record) -> String {
        match r.signer.as_ref().and_then(|s| self.who.get(s)) {
            Some((name, agency)) if *name == r.by => {
                one_line(&format!("{name}, {agency}")).into_owned()
            }
            Some((name, agency)) => {
                one_line(&format!("{} (signed by {name}, {agency})", r.by)).into_owned()
            }
            None => one_line(&r.by).into_owned(),
        }
    }

    /// Each event on exactly one line, a line break in its text written ` ↵ `
    /// (`text::one_line`): what `show` prints when piped, for scripts and `grep`.
    pub(crate) fn flat(mut self, flat: bool) -> Timeline<'a> {
        self.flat = flat;
        self
    }

    /// Line `r` of the timeline, with under it `corrections`: the `amended`
    /// lines that amend it, in order.
    pub(crate) fn line(&self, r: &Record, corrections: &[&Record]) -> String {
        let when_of = self.corrected.when_of(r);
        let label = |n: u32| self.policy.label(n);
        let mut out = String::new();
        let when = human_instant(&when_of);
        let mut recorded = Vec::new();
        if when_of != r.when() {
            recorded.push(format!(
                "corrected; the line says {}",
                human_instant(&r.when())
            ));
        }
        if r.happened.is_some() || when_of != r.when() {
            recorded.push(format!("recorded {}", human_instant(&r.at)));
        }
        let recorded = if recorded.is_empty() {
            String::new()
        } else {
            format!(" ({})", recorded.join("; "))
        };
        let _ = writeln!(
            out,
            "{:>3}. {when}{recorded}, {}: {}",
            r.seq,
            self.who(r),
            indented(
                &match &*escalate_core::privacy::shown(r, SEALED_TEXT) {
                    // Where the stage lets no one agree a later date, the date was
                    // accepted as an earlier one that protects the child.
                    Event::DueAgreed { stage, due, note }
                        if self.policy.stage(*stage).is_some_and(|s| s.agree.is_none()) =>
                    {
                        format!(
                            "set a date for stage {} to protect the child: due {due}: {note}",
                            label(*stage)
                        )
                    }
                    event => describe(event, self.met.get(&r.seq).copied(), &label),
                },
                5,
                self.flat
            )
        );
        if let Ok(i) = self.uncounted.binary_search_by_key(&r.seq, |u| u.line) {
            let _ = writeln!(
                out,
                "     NOT COUNTED: {}; nothing above or in any figure comes from this line",
                self.uncounted[i].why.words()
            );
        }
        if let Ok(i) = self.inert.binary_search_by_key(&r.seq, |i| i.line) {
            let _ = writeln!(
                out,
                "     DID NOT COUNT: {}; nothing above or in any figure comes from this line",
                one_line(&inert_reason(&self.inert[i]))
            );
        }
        if let Ok(i) = self.backdated.binary_search_by_key(&r.seq, |b| b.line) {
            let _ = writeln!(
                out,
                "     BACKDATED: {}",
                one_line(&backdated_reason(&self.backdated[i]))
            );
        }
        for a in corrections {
            if let Event::Amended {
                note,
                event_happened,
                ..
            } = &*escalate_core::privacy::shown(a, SEALED_TEXT)
            {
                let what = match event_happened {
                    Some(t) => format!("happened at {}: {note}", human_instant(t)),
                    None => note.clone(),
                };
                let _ = writeln!(
                    out,
                    "     correction (line {}, {}): {}",
                    a.seq,
                    one_line(&a.by),
                    indented(&what, 7, self.flat)
                );
            }
        }
        out
    }
}

/// Why a dispute's text is not shown, in words: "erased on ... by ...: why", or
/// "shared with A, B and the partnership office" (`agencies`: who may read it,
/// the partnership office last; empty in an unshared directory, where only the
/// key store's own key could open it).
pub(crate) fn sealed_words(s: &Summary, agencies: &[String]) -> String {
    if let Some(e) = &s.erased {
        let under = match (e.under.as_deref(), &e.period) {
            (Some("retention"), Some(p)) => format!(" under the retention period ({p})"),
            _ => String::new(),
        };
        return format!(
            "the text was erased{under} on {} by {}: {}",
            human_instant(&e.at),
            one_line(&e.by),
            one_line(&e.reason)
        );
    }
    match agencies {
        [] => "no key of yours opens it in this data directory".to_owned(),
        _ => format!("shared with {}", and_list(agencies)),
    }
}

/// "A", "A and B", "A, B and C".
fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one_line(one).into_owned(),
        [rest @ .., last] => format!(
            "{} and {}",
            rest.iter()
                .map(|s| one_line(s))
                .collect::<Vec<_>>()
                .join(", "),
            one_line(last)
        ),
    }
}

/// What a sealed line the reader holds no key for shows in place of its text.
pub(crate) const SEALED_TEXT: &str = "[sealed]";

/// One line's event in words, each stage by what the policy calls it (`label`).
fn describe(e: &Event, met: Option<&ObligationState>, label: &dyn Fn(u32) -> String) -> String {
    match e {
        Event::Opened(o) => {
            let mut s = format!("opened at stage {}", label(o.stage));
            if let Some(d) = o.due {
                let _ = write!(s, ", due set to {d}");
                if let Some(why) = &o.due_reason {
                    let _ = write!(s, " ({why})");
                }
            }
            if let Some(r) = &o.start_reason {
                let _ = write!(s, " because: {r}");
            }
            s
        }
        Event::Discussed { stage, note, with } => match with {
            Some(w) => format!("discussed at stage {} with {w}: {note}", label(*stage)),
            None => format!("discussed at stage {}: {note}", label(*stage)),
        },
        Event::Escalated {
            from_stage,
            to_stage,
            reason,
            due,
            bypass_role,
        } => {
            let mut s = format!(
                "escalated from stage {} to {}: {reason}",
                label(*from_stage),
                label(*to_stage)
            );
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
        Event::Resolved { stage, outcome } => {
            format!("resolved at stage {}: {outcome}", label(*stage))
        }
        Event::Amended {
            event,
            note,
            event_happened: None,
            ..
        } => format!("correction to line {event}: {note}"),
        Event::Amended {
            event,
            note,
            event_happened: Some(t),
            ..
        } => format!(
            "correction: line {event} happened at {}: {note}",
            human_instant(t)
        ),
        Event::FactLearned { fact, value, note } => format!(
            "learned that {} ({fact}={}): {note}",
            fact_words(fact, *value),
            if *value { "yes" } else { "no" }
        ),
        Event::Reopened { reason } => format!("reopened: {reason}"),
        Event::FieldSet { field, value, note } => {
            format!("correction: {field} is {value}: {note}")
        }
        Event::Recovered {
            quarantine, bytes, ..
        } => {
            format!("recovered an interrupted write ({bytes} bytes kept in {quarantine})")
        }
        Event::Superseded {
            was,
            recorded_by,
            recorded_at,
            superseded_by,
            reason,
            ..
        } => format!(
            "superseded: {was} recorded by {recorded_by} on {} could not stand after line {superseded_by} ({reason})",
            escalate_core::domain::clock::human_instant(recorded_at)
        ),
        Event::Merged { lines, after } => format!(
            "merged late: line(s) {} were recorded offline and added after line {after}",
            lines.iter().map(u64::to_string).collect::<Vec<_>>().join(", ")
        ),
        Event::ReceiptRepaired { .. } => escalate_core::store::journal::receipt_phrase(e),
        Event::DueAgreed { stage, due, note } => {
            format!(
                "agreed a later date for stage {}: due {due}: {note}",
                label(*stage)
            )
        }
        Event::Erased {
            reason,
            under,
            period,
        } => match (under.as_deref(), period) {
            (Some("retention"), Some(p)) => format!(
                "erased the dispute's text under the retention period ({p}): {reason}"
            ),
            _ => format!("erased the dispute's text: {reason}"),
        },
    }
}

/// A fact in words: "the child has a child protection plan".
pub(crate) fn fact_words(fact: &str, value: bool) -> String {
    let (yes, no) = match fact {
        "cp-plan" => (
            "the child has a child protection plan",
            "the child has no child protection plan",
        ),
        "looked-after" => ("the child is looked after", "the child is not looked after"),
        "immediate-harm" => (
            "the child is thought to be at risk of immediate harm",
            "the child is not thought to be at risk of immediate harm",
        ),
        other => return format!("{other} is {}", if value { "yes" } else { "no" }),
    };
    (if value { yes } else { no }).to_owned()
}

/// Why an inert line did not count, in words: "School had already escalated
/// stage 1 at Wed 11 Nov 2026 09:00" (`show` and `show --json` both say this).
pub(crate) fn inert_reason(inert: &escalate_core::domain::dispute::Inert) -> String {
    use escalate_core::domain::dispute::Move;
    let b = &inert.because;
    let did = match &b.did {
        Move::Escalated { from } => format!("escalated stage {from}"),
        Move::Resolved => "resolved the dispute".to_owned(),
        Move::Reopened => "reopened the dispute".to_owned(),
        Move::Agreed { stage } => format!("set the date of stage {stage}"),
    };
    format!(
        "{} had already {did} at {} (line {})",
        b.by,
        human_instant(&b.when),
        b.line
    )
}

/// Why a line is marked backdated, in words: "recorded Fri 13 Nov 2026 16:00,
/// after Chris (team manager)'s escalation of stage 1 (line 3, recorded Thu 12
/// Nov 2026 09:00), but says it happened Wed 11 Nov 2026 09:00", or "corrected
/// ... (line 5), after ..., to say it happened ..." when a correction gave it
/// that time (`show` and `show --json` both say this).
pub(crate) fn backdated_reason(b: &escalate_core::domain::dispute::Backdated) -> String {
    use escalate_core::domain::dispute::Move;
    let what = match &b.did {
        Move::Escalated { from } => format!("escalation of stage {from}"),
        Move::Resolved => "resolution".to_owned(),
        Move::Reopened => "reopening".to_owned(),
        Move::Agreed { stage } => format!("date for stage {stage}"),
    };
    let after = format!(
        "after {}'s {what} (line {}, recorded {})",
        b.by,
        b.overtook,
        human_instant(&b.when)
    );
    match b.corrected_by {
        Some(c) => format!(
            "corrected {} (line {c}), {after}, to say it happened {}",
            human_instant(&b.recorded),
            human_instant(&b.claims)
        ),
        None => format!(
            "recorded {}, {after}, but says it happened {}",
            human_instant(&b.recorded),
            human_instant(&b.claims)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::indented;

    #[test]
    fn text_runs_on_under_itself_on_a_terminal_and_on_one_line_piped() {
        let text = "Called\nNo answer\r\x1b[2K\n";
        assert_eq!(
            indented(text, 5, false),
            "Called\n     No answer<U+000D><U+001B>[2K"
        );
        assert_eq!(
            indented(text, 5, true),
            "Called \u{21B5} No answer<U+000D><U+001B>[2K"
        );
    }
}
