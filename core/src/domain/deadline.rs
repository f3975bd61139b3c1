//! Turning a policy's timescale into a date: working days, clock hours, "the same
//! working day", "immediately", or no fixed timescale. Pure arithmetic over a
//! calendar; it knows nothing of journals.

use chrono::NaiveDate;
use serde::Serialize;

use crate::calendar::Calendar;
use crate::domain::clock::{self, Instant};
use crate::policy::Deadline;

/// A computed deadline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Due {
    /// The London date it falls on.
    pub date: NaiveDate,
    /// The last instant that is still in time.
    #[serde(skip)]
    pub by: Instant,
    /// Set for deadlines in clock hours, whose time of day matters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
    /// The policy says "immediately" (or "without delay").
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub immediately: bool,
    /// For "immediately": the day it arose when that was not a working day (the
    /// office shut), so the words can say why it is due on a later date.
    #[serde(skip)]
    pub shut_on: Option<NaiveDate>,
}

impl Due {
    pub fn end_of(date: NaiveDate) -> Due {
        Due {
            date,
            by: clock::end_of_day(date),
            time: None,
            immediately: false,
            shut_on: None,
        }
    }

    pub fn is_overdue(&self, now: &Instant) -> bool {
        now > &self.by
    }

    /// The deadline as an exact instant, RFC 3339 with the London offset in force
    /// then: `23:59:59` for the end of a working day, the exact time for deadlines in
    /// clock hours.
    pub fn due_at(&self) -> String {
        clock::rfc3339::format(&clock::to_london(self.by))
    }

    /// How it stands at `now`, counted in `calendar`'s working days.
    pub fn standing(&self, now: &Instant, calendar: &Calendar) -> Standing {
        let today = clock::london_date(now);
        let overdue = self.is_overdue(now);
        Standing {
            overdue,
            due_today: !overdue && self.date == today,
            working_days_left: (!overdue)
                .then(|| calendar.working_days_between(today, self.date).max(0)),
            days_overdue: overdue.then(|| (today - self.date).num_days().max(0)),
            working_days_overdue: overdue
                .then(|| calendar.working_days_between(self.date, today).max(0)),
        }
    }
}

/// How one deadline stands at a moment. "Due today" only when the deadline's own
/// date is today: 48 hours from a Friday morning falls on Sunday, and on the Friday
/// no working day is left but it is not due that day.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Standing {
    pub overdue: bool,
    #[serde(skip)]
    pub due_today: bool,
    /// Working days after today up to and including the due date (0: none left).
    pub working_days_left: Option<i64>,
    /// Calendar days since the due date, when overdue.
    pub days_overdue: Option<i64>,
    /// Working days since the due date, when overdue (as "days left" counts them).
    pub working_days_overdue: Option<i64>,
}

/// The deadline one timescale gives when counted from `anchor`. `None` for a
/// timescale of `none = true`. Where one table gives several, the earliest applies.
pub(crate) fn compute(spec: &Deadline, anchor: Instant, calendar: &Calendar) -> Option<Due> {
    let day = clock::london_date(&anchor);
    let mut candidates: Vec<Due> = Vec::new();
    if let Some(n) = spec.working_days {
        candidates.push(Due::end_of(calendar.add_working_days(day, n)));
    }
    if spec.same_working_day {
        candidates.push(Due::end_of(calendar.same_working_day(day)));
    }
    if let Some(n) = spec.calendar_days {
        candidates.push(Due::end_of(day + chrono::Duration::days(i64::from(n))));
    }
    // "Without delay" is read as "immediately" (policies/README.md), in its own words
    // on screen.
    if spec.immediately || spec.without_delay {
        let due = calendar.same_working_day(day);
        candidates.push(Due {
            immediately: true,
            shut_on: (due != day).then_some(day),
            ..Due::end_of(due)
        });
    }
    if let Some(h) = spec.hours {
        let by = anchor + chrono::Duration::hours(i64::from(h));
        let local = by.with_timezone(&clock::ZONE);
        candidates.push(Due {
            date: local.date_naive(),
            by,
            time: Some(local.format("%H:%M").to_string()),
            immediately: false,
            shut_on: None,
        });
    }
    earliest(candidates)
}

pub(crate) fn earliest(dues: impl IntoIterator<Item = Due>) -> Option<Due> {
    dues.into_iter().min_by(|a, b| a.by.cmp(&b.by))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::Division;

    fn at(s: &str) -> Instant {
        clock::parse_instant(s).unwrap()
    }

    fn date(s: &str) -> NaiveDate {
        clock::parse_date(s).unwrap()
    }

    #[test]
    fn working_days_skip_christmas() {
        let cal = Calendar::new(Division::EnglandAndWales);
        let spec = Deadline {
            working_days: Some(5),
            ..Deadline::default()
        };
        let due = compute(&spec, at("2026-12-18 10:00"), &cal).unwrap();
        assert_eq!(due.date, date("2026-12-29"));
        assert!(!due.is_overdue(&at("2026-12-29 23:59")));
        assert!(due.is_overdue(&at("2026-12-30")));
    }

    #[test]
    fn hours_are_clock_hours_across_a_clock_change() {
        let cal = Calendar::new(Division::EnglandAndWales);
        let spec = Deadline {
            hours: Some(24),
            ..Deadline::default()
        };
        let due = compute(&spec, at("2026-10-24 12:00"), &cal).unwrap();
        assert_eq!(due.time.as_deref(), Some("11:00"));
        assert_eq!(due.date, date("2026-10-25"));
    }

    #[test]
    fn the_earliest_alternative_wins() {
        let cal = Calendar::new(Division::EnglandAndWales);
        // "48 hours (two working days)" opened on a Friday: 48 hours is Sunday.
        let spec = Deadline {
            hours: Some(48),
            working_days: Some(2),
            ..Deadline::default()
        };
        let due = compute(&spec, at("2026-11-20 09:00"), &cal).unwrap();
        assert_eq!(due.date, date("2026-11-22"));
    }

    #[test]
    fn forty_eight_hours_from_friday_is_not_due_on_friday() {
        let cal = Calendar::new(Division::EnglandAndWales);
        let spec = Deadline {
            hours: Some(48),
            ..Deadline::default()
        };
        let due = compute(&spec, at("2026-11-20 09:00"), &cal).unwrap();
        assert_eq!(due.due_at(), "2026-11-22T09:00:00+00:00");
        let friday = due.standing(&at("2026-11-20 10:00"), &cal);
        assert!(!friday.due_today && !friday.overdue);
        assert_eq!(friday.working_days_left, Some(0));
        assert!(due.standing(&at("2026-11-22 08:00"), &cal).due_today);
        let monday = due.standing(&at("2026-11-23 10:00"), &cal);
        assert!(monday.overdue);
        assert_eq!(monday.working_days_overdue, Some(1));
        assert_eq!(monday.days_overdue, Some(1));
        // The end of a working day is 23:59:59 London time, in summer too.
        assert_eq!(
            Due::end_of(date("2026-07-01")).due_at(),
            "2026-07-01T23:59:59+01:00"
        );
    }

    #[test]
    fn same_working_day_on_a_weekend_is_monday() {
        let cal = Calendar::new(Division::EnglandAndWales);
        let spec = Deadline {
            same_working_day: true,
            ..Deadline::default()
        };
        assert_eq!(
            compute(&spec, at("2026-12-19 10:00"), &cal).unwrap().date,
            date("2026-12-21")
        );
        let none = Deadline {
            none: true,
            ..Deadline::default()
        };
        assert_eq!(compute(&none, at("2026-12-19 10:00"), &cal), None);
    }

    #[test]
    fn calendar_days_count_weekends_and_stated_hours_are_working_days() {
        let cal = Calendar::new(Division::EnglandAndWales);
        // "Within 1 day" from Thursday 24 Dec 2026: Christmas Day, a calendar day.
        let day = Deadline {
            calendar_days: Some(1),
            ..Deadline::default()
        };
        assert_eq!(
            compute(&day, at("2026-12-24 16:00"), &cal).unwrap().date,
            date("2026-12-25")
        );
        // "48 hours (two working days)" from Friday 20 Nov: Tuesday, never Sunday.
        let stated = Deadline {
            working_days: Some(2),
            stated_hours: Some(48),
            ..Deadline::default()
        };
        let due = compute(&stated, at("2026-11-20 09:00"), &cal).unwrap();
        assert_eq!((due.date, due.time), (date("2026-11-24"), None));
        // "Without delay" on a Saturday: by the end of Monday, as "immediately".
        let delay = Deadline {
            without_delay: true,
            ..Deadline::default()
        };
        let due = compute(&delay, at("2026-11-21 09:00"), &cal).unwrap();
        assert!(due.immediately);
        assert_eq!(due.date, date("2026-11-23"));
        assert_eq!(due.shut_on, Some(date("2026-11-21")), "the office was shut");
        let monday = compute(&delay, at("2026-11-23 09:00"), &cal).unwrap();
        assert_eq!(monday.shut_on, None);
    }
}
