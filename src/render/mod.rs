//! Turning summaries and timelines into what people read: dates as they are written
//! in letters, deadlines with what is left, tables that fit the terminal. Rendering
//! never decides anything; it only presents what the domain computed.

pub(crate) mod calendar;
pub(crate) mod csv;
pub(crate) mod ics;
pub(crate) mod man;
pub(crate) mod policy;
pub(crate) mod preview;
pub(crate) mod table;
pub(crate) mod timeline;
pub(crate) mod wrap;

use escalate_core::domain::clock::human_date;
use escalate_core::domain::deadline::{Due, Standing};
use escalate_core::domain::summary::{ObligationView, Summary};

/// "Tue 29 Dec 2026, 3 working days left", "Sun 22 Nov 2026 09:00, no working day
/// left", "due today", "overdue by 2 working days", or the age in working days when
/// the policy sets no timescale; for a resolved dispute, how many duties are still
/// outstanding.
pub(crate) fn due_phrase(s: &Summary) -> String {
    let Some(due) = &s.due else {
        return match s.state {
            escalate_core::domain::dispute::State::Resolved => resolved_phrase(s),
            // A stage timed by its steps has their dates, not none.
            escalate_core::domain::dispute::State::Open
                if s.obligations.iter().any(|o| o.step && o.stage == s.stage) =>
            {
                format!(
                    "by its steps (below); {} working day{} at this stage",
                    s.working_days_in_stage,
                    plural(s.working_days_in_stage)
                )
            }
            escalate_core::domain::dispute::State::Open => format!(
                "no fixed timescale; {} working day{} at this stage",
                s.working_days_in_stage,
                plural(s.working_days_in_stage)
            ),
        };
    };
    deadline_phrase(due, &s.stage_standing)
}

/// "resolved", or "resolved — 1 outstanding" (", overdue" when one is late).
pub(crate) fn resolved_phrase(s: &Summary) -> String {
    match s.obligations.len() {
        0 => "resolved".to_owned(),
        n if s.overdue => format!("resolved — {n} outstanding, overdue"),
        n => format!("resolved — {n} outstanding"),
    }
}

/// The date (with the time when it is not the end of the day) and how it stands.
pub(crate) fn deadline_phrase(due: &Due, st: &Standing) -> String {
    let mut date = human_date(due.date);
    if let Some(t) = &due.time {
        date = format!("{date} {t}");
    }
    if due.immediately {
        date = match due.shut_on {
            Some(shut) => format!(
                "immediately (it arose on {}, when the office was shut: by the end of the next working day, {date})",
                human_date(shut)
            ),
            None => format!("immediately (by the end of {date})"),
        };
    }
    if st.overdue {
        match st.working_days_overdue {
            Some(0) | None => format!("{date}, overdue"),
            Some(n) => format!("{date}, overdue by {n} working day{}", plural(n)),
        }
    } else if st.due_today {
        format!("{date}, due today")
    } else {
        match st.working_days_left {
            Some(0) => format!("{date}, no working day left"),
            Some(n) => format!("{date}, {n} working day{} left", plural(n)),
            None => date,
        }
    }
}

pub(crate) fn obligation_phrase(o: &ObligationView) -> String {
    let when = match &o.due {
        Some(due) if due.immediately && o.standing.overdue => " (immediately: overdue)".to_owned(),
        Some(due) if due.immediately => " (immediately)".to_owned(),
        Some(due) => format!(" (due {})", deadline_phrase(due, &o.standing)),
        None => match &o.after {
            Some(before) => format!(" (timed from step {before}, once it is recorded)"),
            None => String::new(),
        },
    };
    format!("{} — {}{when}", o.who, o.action)
}

pub(crate) fn plural(n: i64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
/// Output too long to hold as one string, handed out a line at a time (each
/// with its line ending) for the output layer to sanitise and write.
pub(crate) trait Lines {
    fn each_line(&self, emit: &mut dyn FnMut(&str) -> std::io::Result<()>) -> std::io::Result<()>;
    /// Whether the lines carry escalate's own colours (`Output::Coloured`).
    fn coloured(&self) -> bool {
        false
    }
}

pub(crate) mod chart;
pub(crate) mod html;
pub(crate) mod markdown;
pub(crate) mod pack;
pub(crate) mod subject;

/// What a recording command prints: `headline`, then the dispute as it now stands
/// (its stage and deadline, or that it is closed) and each duty still owed.
pub(crate) fn change(headline: &str, summary: &escalate_core::domain::summary::Summary) -> String {
    let mut out = format!("{headline}\n");
    match summary.state {
        escalate_core::domain::dispute::State::Open => {
            out.push_str(&format!(
                "Stage {} ({}): due {}.\n",
                summary.stage_label,
                summary.stage_name,
                due_phrase(summary)
            ));
        }
        escalate_core::domain::dispute::State::Resolved if !summary.obligations.is_empty() => out.push_str(&format!(
            "The dispute is resolved; it stays in `escalate status` until each duty below is recorded with `escalate notify {} --who ...`.\n",
            summary.id
        )),
        escalate_core::domain::dispute::State::Resolved => out.push_str("The dispute is closed.\n"),
    }
    for o in &summary.obligations {
        out.push_str(&format!("Outstanding: {}\n", obligation_phrase(o)));
    }
    out
}
