//! Turning summaries and timelines into what people read: dates as they are written
//! in letters, deadlines with what is left, tables that fit the terminal. Rendering
//! never decides anything; it only presents what the domain computed.

pub mod csv;
pub mod ics;
pub mod policy;
pub mod table;
pub mod timeline;

use crate::clock::{self, human_date};
use crate::summary::{ObligationView, Summary};

/// "Tue 29 Dec 2026, 3 working days left", "due today", "overdue by 2 days", or the
/// age in working days when the policy sets no timescale.
pub fn due_phrase(s: &Summary) -> String {
    let Some(due) = &s.due_detail else {
        return match s.state {
            crate::dispute::State::Resolved => "resolved".to_owned(),
            crate::dispute::State::Open => format!(
                "no fixed timescale; {} working day{} at this stage",
                s.working_days_in_stage,
                plural(s.working_days_in_stage)
            ),
        };
    };
    let mut date = human_date(due.date);
    if let Some(t) = &due.time {
        date = format!("{date} {t}");
    }
    if due.immediately {
        date = format!("immediately (by the end of {date})");
    }
    if s.overdue {
        match s.days_overdue {
            Some(0) | None => format!("{date}, overdue"),
            Some(n) => format!("{date}, overdue by {n} day{}", plural(n)),
        }
    } else {
        match s.working_days_left {
            Some(0) => format!("{date}, due today"),
            Some(n) => format!("{date}, {n} working day{} left", plural(n)),
            None => date,
        }
    }
}

pub fn obligation_phrase(o: &ObligationView) -> String {
    let when = match (&o.due, o.immediately) {
        (_, true) if o.overdue => " (immediately: overdue)".to_owned(),
        (_, true) => " (immediately)".to_owned(),
        (Some(d), false) => {
            let date = clock::parse_date(d)
                .map(human_date)
                .unwrap_or_else(|_| d.clone());
            if o.overdue {
                format!(" (due {date}: overdue)")
            } else {
                format!(" (due {date})")
            }
        }
        (None, false) => String::new(),
    };
    format!("{} — {}{when}", o.who, o.action)
}

pub fn plural(n: i64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
