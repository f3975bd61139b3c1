//! `export --subject REF --format md`: a letter-ready copy, in Markdown, of every
//! dispute about one person that the caller may read: a preface saying what it
//! holds and when it was made, then each dispute with its parties, dates, the
//! stages it went through and every line of its record in words (the timeline
//! `show` prints). It is given opened text and writes it only to the caller's
//! own output; everything printed is escaped, so a note cannot make Markdown or
//! HTML of its own.

use std::fmt::Write;

use super::markdown::escape;
use super::timeline::Timeline;
use escalate_core::domain::clock::{human_instant, Instant};
use escalate_core::domain::dispute::{Dispute, State};
use escalate_core::domain::event::Record;
use escalate_core::domain::summary::Summary;

/// What the copy opens with: whom it is about, who made it and when, what it
/// holds, and what it cannot hold (disputes sealed to agencies that did not
/// share their key with the maker).
pub(crate) fn preface(reference: &str, disputes: usize, by: &str, now: &Instant) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Subject-access copy: {}\n", escape(reference.trim()));
    let _ = writeln!(
        out,
        "Produced by {} on {} with escalate.\n",
        escape(by),
        human_instant(now)
    );
    // A paragraph in 80 columns, as a letter's source is read as well as rendered.
    let what = format!(
        "This copy holds every professional disagreement (dispute) recorded about \
         the reference {} that its maker may read, in full: who raised it and with \
         whom, when, the stages it went through, and every entry in its record as \
         written, with who made it and when. A dispute whose text is sealed to \
         agencies that did not share it with the maker cannot be searched and is \
         not here: a subject-access request goes to each agency party to a \
         dispute.",
        escape(reference.trim())
    );
    let _ = writeln!(out, "{}", super::wrap::wrap(&what, "", Some(81)));
    let _ = writeln!(
        out,
        "{} dispute{} found.",
        disputes,
        if disputes == 1 { "" } else { "s" }
    );
    out
}

/// One dispute: its particulars, its stage history and its record. `records`
/// are its lines, opened; `members` names who recorded each line.
pub(crate) fn dispute(
    s: &Summary,
    d: &Dispute,
    policy: &escalate_core::policy::Policy,
    records: &[Record],
    members: Option<&escalate_core::members::Members>,
) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "\n## Dispute {}\n", escape(&s.id));
    let who = if s.subject_kind == "adult" {
        "Adult"
    } else {
        "Child"
    };
    let mut item = |label: &str, value: &str| {
        let _ = writeln!(out, "- **{label}:** {value}");
    };
    item(who, &escape(&s.child));
    item("Raised by", &escape(&s.from));
    item("Raised with", &escape(&s.with));
    item(
        "Procedure",
        &format!("{} ({})", escape(&policy.name), escape(&s.policy)),
    );
    if let Some(c) = &s.category {
        item("Kind of disagreement", &escape(c));
    }
    item("Opened", &human_instant(&s.opened));
    let stage = format!("{} {}", escape(&s.stage_label), escape(&s.stage_name));
    match (s.state, &s.resolved) {
        (State::Resolved, Some(when)) => {
            item(
                "Resolved",
                &format!("{} at stage {stage}", human_instant(when)),
            );
            if let Some(o) = &s.outcome {
                item("Outcome", &escape(o));
            }
        }
        _ => item("Now", &format!("open, at stage {stage}")),
    }
    let _ = writeln!(out, "\n**Summary:** {}", escape(&s.summary));
    let _ = writeln!(out, "\n### Stages\n");
    let _ = writeln!(out, "| Stage | Entered | Left |");
    let _ = writeln!(out, "|---|---|---|");
    for v in &d.visits {
        let name = policy
            .stage(v.stage)
            .map(|st| st.name.clone())
            .unwrap_or_default();
        let left = match &v.left {
            None => "not yet".to_owned(),
            Some(l) => match l.to {
                Some(to) => format!(
                    "{} (escalated to stage {})",
                    human_instant(&l.at),
                    escape(&policy.label(to))
                ),
                None => format!("{} (resolved)", human_instant(&l.at)),
            },
        };
        let _ = writeln!(
            out,
            "| {} {} | {} | {left} |",
            escape(&policy.label(v.stage)),
            escape(&name),
            human_instant(&v.entered)
        );
    }
    let _ = writeln!(out, "\n### Record\n");
    let timeline = Timeline::new(d, policy).flat(true).members(members);
    for r in records {
        // Each correction is shown under the line it corrects too, as `show` does.
        let notes: Vec<&Record> = records
            .iter()
            .filter(|a| super::timeline::amends(a) == Some(r.seq))
            .collect();
        let text = timeline.line(r, &notes);
        let mut lines = text.lines();
        if let Some(first) = lines.next() {
            let _ = writeln!(out, "{}", escape(first.trim()));
        }
        for more in lines.filter(|l| !l.trim().is_empty()) {
            let _ = writeln!(out, "    - {}", escape(more.trim()));
        }
    }
    out
}
