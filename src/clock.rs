//! "Now", and turning what people type as a date or time into an instant in
//! Europe/London. Everything that depends on the date asks this module, so tests and
//! demonstrations can pin the clock with `ESCALATE_NOW`.

use chrono::{
    DateTime, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, SubsecRound as _,
    TimeZone, Utc,
};
use chrono_tz::Europe::London;
use chrono_tz::Tz;

use crate::error::{Error, Result};

/// The time zone every deadline and report period is reckoned in.
pub const ZONE: Tz = London;

/// Environment variable that pins "now".
pub const NOW_ENV: &str = "ESCALATE_NOW";

pub type Instant = DateTime<FixedOffset>;

/// The current instant: `ESCALATE_NOW` if set, else the system clock, as a London time.
pub fn now_from_env() -> Result<Instant> {
    match std::env::var_os(NOW_ENV) {
        // Whole seconds: what a journal line keeps, so comparisons agree with it.
        None => Ok(to_london(Utc::now().trunc_subsecs(0))),
        Some(raw) => {
            let text = raw
                .to_str()
                .ok_or_else(|| Error::usage(format!("{NOW_ENV} is not valid UTF-8")))?;
            parse_instant(text).map_err(|e| {
                Error::usage(format!("{NOW_ENV}={text:?} is not a date or time: {e}"))
                    .with_hint("Use RFC 3339 (2026-12-01T09:30:00Z) or a date (2026-12-01).")
            })
        }
    }
}

pub fn to_london<Z: TimeZone>(t: DateTime<Z>) -> Instant {
    t.with_timezone(&ZONE).fixed_offset()
}

/// The London calendar date of an instant.
pub fn london_date(t: &Instant) -> NaiveDate {
    t.with_timezone(&ZONE).date_naive()
}

/// Start of a London calendar day.
pub fn start_of_day(d: NaiveDate) -> Instant {
    london_local(d.and_time(NaiveTime::MIN)).unwrap_or_else(|| {
        // Midnight never falls in a UK clock change (they happen at 01:00 UTC), but
        // be total anyway: one hour later always exists.
        to_london(Utc.from_utc_datetime(&d.and_time(NaiveTime::MIN)))
    })
}

/// End of a London calendar day: the last instant that still belongs to it.
pub fn end_of_day(d: NaiveDate) -> Instant {
    match d.succ_opt() {
        Some(next) => start_of_day(next) - chrono::Duration::nanoseconds(1),
        None => start_of_day(d),
    }
}

fn london_local(naive: NaiveDateTime) -> Option<Instant> {
    match ZONE.from_local_datetime(&naive) {
        LocalResult::Single(t) => Some(t.fixed_offset()),
        // In the autumn hour that happens twice, take the first: the earlier reading
        // of a deadline or event time is the one that protects the child.
        LocalResult::Ambiguous(a, _) => Some(a.fixed_offset()),
        LocalResult::None => None,
    }
}

/// Parse what a user or a test types: RFC 3339 with an offset, a London local
/// `YYYY-MM-DD HH:MM[:SS]` (or with `T`), or a bare date meaning the start of that
/// London day.
pub fn parse_instant(text: &str) -> std::result::Result<Instant, String> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(to_london(t));
    }
    for fmt in [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(text, fmt) {
            return london_local(naive).ok_or_else(|| {
                format!("{text} does not exist in London (the clocks go forward then)")
            });
        }
    }
    if let Ok(d) = parse_date(text) {
        return Ok(start_of_day(d));
    }
    Err("expected YYYY-MM-DD, YYYY-MM-DD HH:MM, or RFC 3339 such as 2026-12-01T09:30:00Z".into())
}

/// Parse a calendar date written YYYY-MM-DD.
pub fn parse_date(text: &str) -> std::result::Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| format!("{:?} is not a date written YYYY-MM-DD", text.trim()))
}

/// A date the way people write it in a letter: "Tue 1 Dec 2026".
pub fn human_date(d: NaiveDate) -> String {
    d.format("%a %-d %b %Y").to_string()
}

/// An instant as people read it: "Tue 1 Dec 2026 14:05".
pub fn human_instant(t: &Instant) -> String {
    t.with_timezone(&ZONE)
        .format("%a %-d %b %Y %H:%M")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_date_is_the_start_of_the_london_day() {
        let t = parse_instant("2026-07-01").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-07-01T00:00:00+01:00");
        let t = parse_instant("2026-12-01").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-12-01T00:00:00+00:00");
    }

    #[test]
    fn local_times_follow_british_summer_time() {
        assert_eq!(
            parse_instant("2026-03-29 12:00").unwrap().to_rfc3339(),
            "2026-03-29T12:00:00+01:00"
        );
        assert!(parse_instant("2026-03-29 01:30").is_err());
        assert_eq!(
            parse_instant("2026-10-25 01:30").unwrap().to_rfc3339(),
            "2026-10-25T01:30:00+01:00"
        );
    }

    #[test]
    fn rfc3339_is_shown_in_london() {
        let t = parse_instant("2026-06-30T23:30:00Z").unwrap();
        assert_eq!(
            london_date(&t),
            NaiveDate::from_ymd_opt(2026, 7, 1).unwrap()
        );
    }

    #[test]
    fn garbage_is_refused() {
        assert!(parse_instant("next tuesday").is_err());
        assert!(parse_instant("2026-02-30").is_err());
    }

    #[test]
    fn human_dates() {
        assert_eq!(
            human_date(NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()),
            "Tue 1 Dec 2026"
        );
    }
}

/// Serde for instants as RFC 3339 with an explicit offset ("+00:00", never "Z") and
/// whole seconds, as journal lines and JSON output carry them.
pub mod rfc3339 {
    use super::Instant;
    use chrono::{DateTime, SecondsFormat};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn format(t: &Instant) -> String {
        t.to_rfc3339_opts(SecondsFormat::Secs, false)
    }

    pub fn serialize<S: Serializer>(t: &Instant, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format(t))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Instant, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        DateTime::parse_from_rfc3339(&text).map_err(serde::de::Error::custom)
    }

    pub mod option {
        use super::Instant;
        use serde::{Deserialize, Deserializer, Serializer};

        pub fn serialize<S: Serializer>(t: &Option<Instant>, s: S) -> Result<S::Ok, S::Error> {
            match t {
                Some(t) => s.serialize_str(&super::format(t)),
                None => s.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Instant>, D::Error> {
            let text = <Option<std::borrow::Cow<'de, str>>>::deserialize(d)?;
            text.map(|t| chrono::DateTime::parse_from_rfc3339(&t).map_err(serde::de::Error::custom))
                .transpose()
        }
    }
}
