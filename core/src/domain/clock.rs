//! "Now", and turning what people type as a date or time into an instant in
//! Europe/London. Everything that depends on the date asks this module, so tests and
//! demonstrations can pin the clock with `ESCALATE_NOW`.

use chrono::{
    DateTime, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, SubsecRound as _,
    TimeZone, Utc,
};
use chrono_tz::Europe::London;
use chrono_tz::Tz;

use crate::error::{Error, Hint, Result};

/// The time zone every deadline and report period is reckoned in.
pub(crate) const ZONE: Tz = London;

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
                    .with_hint(Hint::TimeFormat)
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
pub(crate) fn end_of_day(d: NaiveDate) -> Instant {
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
/// `YYYY-MM-DD HH:MM[:SS]` (or with `T`, or the date written `DD/MM/YYYY`), or a
/// bare date meaning the start of that London day.
pub fn parse_instant(text: &str) -> std::result::Result<Instant, String> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(to_london(t));
    }
    if let Some((day, time)) = split_time(text)? {
        let date = parse_date(day)?;
        return at_local(date, time, text);
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(text, fmt) {
            return london_local(naive).ok_or_else(|| clocks_forward(text));
        }
    }
    match parse_date(text) {
        Ok(d) => Ok(start_of_day(d)),
        Err(e) if looks_like_date(text) => Err(e),
        Err(_) => Err(INSTANT_FORMS.into()),
    }
}

const INSTANT_FORMS: &str =
    "expected a date (2026-11-30 or 30/11/2026, today, yesterday, a weekday \
     such as friday), optionally with a time (16:30, 4pm, 9:30am), or RFC 3339 such as 2026-12-01T09:30:00Z";

fn clocks_forward(text: &str) -> String {
    format!("{text} does not exist in London (the clocks go forward then)")
}

/// "DAY TIME": the day part and the time, when the text ends in a time
/// ([`parse_time`]; "4 pm" too). Ending in something meant as a time that is not
/// one ("yesterday 25:00", "today 4.75pm") is an error about the time, not the day.
fn split_time(text: &str) -> std::result::Result<Option<(&str, NaiveTime)>, String> {
    let Some((mut day, last)) = text.rsplit_once(' ') else {
        return Ok(None);
    };
    let mut time = last.to_owned();
    if matches!(last.to_lowercase().as_str(), "am" | "pm") {
        let Some((before, hour)) = day.rsplit_once(' ') else {
            return Ok(None);
        };
        day = before;
        time = format!("{hour}{last}");
    }
    match parse_time(&time) {
        Some(t) => Ok(Some((day.trim(), t))),
        None if looks_like_time(&time) => Err(bad_time(&time)),
        None => Ok(None),
    }
}

/// A time of day as people say it: 16:30, 16:30:15, 4pm, 4:30pm, 9.30am, noon,
/// midnight. An hour alone needs am or pm ("16" is not a time).
pub(crate) fn parse_time(text: &str) -> Option<NaiveTime> {
    let t = text.trim().to_lowercase();
    match t.as_str() {
        "noon" | "midday" => return NaiveTime::from_hms_opt(12, 0, 0),
        "midnight" => return Some(NaiveTime::MIN),
        _ => {}
    }
    let (clock, pm) = match (t.strip_suffix("am"), t.strip_suffix("pm")) {
        (Some(c), _) => (c.trim(), Some(false)),
        (_, Some(c)) => (c.trim(), Some(true)),
        _ => (t.as_str(), None),
    };
    let parts: Vec<&str> = clock.split([':', '.']).collect();
    let digits = |p: &&str| !p.is_empty() && p.len() <= 2 && p.bytes().all(|b| b.is_ascii_digit());
    if parts.len() > 3 || !parts.iter().all(digits) || parts[1..].iter().any(|p| p.len() != 2) {
        return None;
    }
    if parts.len() == 1 && pm.is_none() {
        return None;
    }
    let n: Vec<u32> = parts.iter().filter_map(|p| p.parse().ok()).collect();
    let hour = match pm {
        Some(_) if !(1..=12).contains(&n[0]) => return None,
        Some(pm) => n[0] % 12 + if pm { 12 } else { 0 },
        None => n[0],
    };
    NaiveTime::from_hms_opt(
        hour,
        n.get(1).copied().unwrap_or(0),
        n.get(2).copied().unwrap_or(0),
    )
}

/// Text that is plainly meant as a time of day, so a failure to read it is about
/// the time.
fn looks_like_time(text: &str) -> bool {
    let t = text.trim().to_lowercase();
    t.chars().next().is_some_and(|c| c.is_ascii_digit())
        && (t.contains(':') || t.contains('.') || t.ends_with("am") || t.ends_with("pm"))
}

fn bad_time(text: &str) -> String {
    format!(
        "{:?} is not a time of day: write it 16:30, or with am or pm (4pm, 9:30am)",
        text.trim()
    )
}

fn at_local(date: NaiveDate, time: NaiveTime, text: &str) -> std::result::Result<Instant, String> {
    london_local(date.and_time(time)).ok_or_else(|| clocks_forward(text))
}

/// Text that is plainly meant as a numeric date, so a failure to read it is about
/// the day (30 February), not the form.
fn looks_like_date(text: &str) -> bool {
    text.chars().next().is_some_and(|c| c.is_ascii_digit())
        && text
            .chars()
            .all(|c| c.is_ascii_digit() || c == '-' || c == '/')
}

/// Parse a calendar date written YYYY-MM-DD or DD/MM/YYYY (the British order). A
/// well-formed date that is not in the calendar (31 November) is named as such.
pub(crate) fn parse_date(text: &str) -> std::result::Result<NaiveDate, String> {
    let text = text.trim();
    let parts: Option<(i32, u32, u32)> = if let Some((y, rest)) = text.split_once('-') {
        rest.split_once('-')
            .and_then(|(m, d)| Some((y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)))
            .filter(|_| y.len() == 4)
    } else {
        let mut it = text.split('/');
        match (it.next(), it.next(), it.next(), it.next()) {
            (Some(d), Some(m), Some(y), None) if y.len() == 4 => {
                (|| Some((y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)))()
            }
            _ => None,
        }
    };
    let Some((y, m, d)) = parts else {
        return Err(format!(
            "{text:?} is not a date: write it YYYY-MM-DD or DD/MM/YYYY (e.g. 2026-11-30 or 30/11/2026)"
        ));
    };
    if let Some(date) = NaiveDate::from_ymd_opt(y, m, d) {
        return Ok(date);
    }
    let Some(first) = NaiveDate::from_ymd_opt(y, m, 1) else {
        return Err(format!("{text:?} is not a date: there is no month {m}"));
    };
    let days = first
        .checked_add_months(chrono::Months::new(1))
        .and_then(|next| next.pred_opt())
        .map_or(31, |last| chrono::Datelike::day(&last));
    Err(format!(
        "{text:?} is not a day in the calendar: {} has {days} days",
        first.format("%B %Y")
    ))
}

/// Which way a bare weekday name points from today. Either way `today`,
/// `yesterday`, `tomorrow`, `last friday` (the Friday before today) and `next
/// friday` (the first Friday after today) are read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Words {
    /// A date ahead (`--due`, as taskwarrior's `due:friday`): `friday` is the
    /// coming Friday, today if today is one.
    Days,
    /// A time in the past (`--at`, `report --from`): `friday` is the most recent
    /// Friday, today if today is one.
    Past,
}

/// A date as people write it: the forms of [`parse_date`], or `today`,
/// `yesterday`, `tomorrow` (and weekday names with [`Words::Past`]), relative to
/// `today` in London.
pub fn read_date(
    text: &str,
    today: NaiveDate,
    words: Words,
) -> std::result::Result<NaiveDate, String> {
    let lower = text.trim().to_lowercase();
    let lower = lower.split_whitespace().collect::<Vec<_>>().join(" ");
    match lower.as_str() {
        "today" => return Ok(today),
        "yesterday" => return today.pred_opt().ok_or_else(|| "no such day".into()),
        "tomorrow" => return today.succ_opt().ok_or_else(|| "no such day".into()),
        _ => {}
    }
    // Which way to step from today, and whether today itself may be the day.
    let (back, from_today, name) = match (lower.strip_prefix("last "), lower.strip_prefix("next "))
    {
        (Some(rest), _) => (true, false, rest),
        (_, Some(rest)) => (false, false, rest),
        _ => (words == Words::Past, true, lower.as_str()),
    };
    if let Some(day) = weekday(name) {
        let step = |d: NaiveDate| if back { d.pred_opt() } else { d.succ_opt() };
        let mut d = if from_today {
            today
        } else {
            step(today).ok_or("no such day")?
        };
        while chrono::Datelike::weekday(&d) != day {
            d = step(d).ok_or("no such day")?;
        }
        return Ok(d);
    }
    parse_date(text).map_err(|e| {
        if looks_like_date(text.trim()) {
            e
        } else {
            format!(
                "{:?} is not a date: write it YYYY-MM-DD or DD/MM/YYYY, or today, {}, or a weekday such as friday or next friday",
                text.trim(),
                if words == Words::Past {
                    "yesterday"
                } else {
                    "tomorrow"
                }
            )
        }
    })
}

fn weekday(name: &str) -> Option<chrono::Weekday> {
    use chrono::Weekday::*;
    let all = [
        ("monday", Mon),
        ("tuesday", Tue),
        ("wednesday", Wed),
        ("thursday", Thu),
        ("friday", Fri),
        ("saturday", Sat),
        ("sunday", Sun),
    ];
    all.into_iter()
        .find(|(full, _)| name == *full || (name.len() >= 3 && full.starts_with(name)))
        .map(|(_, d)| d)
}

/// An instant as people write it: the forms of [`parse_instant`], or a day in words
/// ([`read_date`] with weekday names) optionally followed by a time HH:MM.
pub fn read_instant(text: &str, now: &Instant) -> std::result::Result<Instant, String> {
    let trimmed = text.trim();
    let today = london_date(now);
    // A time alone ("4pm", "9:30") is today's.
    let joined = trimmed.split_whitespace().collect::<String>();
    if let Some(time) = parse_time(&joined).filter(|_| !trimmed.contains(['-', '/'])) {
        return at_local(today, time, trimmed);
    }
    if trimmed.chars().next().is_some_and(|c| c.is_ascii_digit()) {
        return parse_instant(trimmed);
    }
    let (day, time) = match split_time(trimmed)? {
        Some((day, time)) => (day, Some(time)),
        None => (trimmed, None),
    };
    let date = read_date(day, today, Words::Past).map_err(|e| {
        let name = day.trim_start_matches("last ").trim_start_matches("next ");
        if weekday(name.trim()).is_none() && !day.contains(' ') {
            INSTANT_FORMS.to_owned()
        } else {
            e
        }
    })?;
    match time {
        Some(time) => at_local(date, time, trimmed),
        None => Ok(start_of_day(date)),
    }
}

/// Whether the text was already unambiguous (ISO 8601 or RFC 3339), so reading it
/// back in words would add nothing.
pub fn is_iso(text: &str) -> bool {
    let t = text.trim();
    t.len() >= 10
        && t.as_bytes()[4] == b'-'
        && t.as_bytes()[7] == b'-'
        && t[..4].bytes().all(|b| b.is_ascii_digit())
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
    fn dates_as_people_write_them() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(); // a Monday
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(parse_date("30/11/2026").unwrap(), d(2026, 11, 30));
        assert_eq!(parse_date("3/2/2026").unwrap(), d(2026, 2, 3));
        let e = parse_date("2026-11-31").unwrap_err();
        assert!(e.contains("November 2026 has 30 days"), "{e}");
        let e = parse_date("29/02/2026").unwrap_err();
        assert!(e.contains("February 2026 has 28 days"), "{e}");
        let past = |t| read_date(t, today, Words::Past);
        assert_eq!(past("today").unwrap(), today);
        assert_eq!(past(" Yesterday ").unwrap(), d(2026, 11, 29));
        assert_eq!(past("friday").unwrap(), d(2026, 11, 27));
        assert_eq!(past("monday").unwrap(), today);
        assert_eq!(past("last monday").unwrap(), d(2026, 11, 23));
        assert_eq!(past("Last Fri").unwrap(), d(2026, 11, 27));
        // Ahead (--due): the coming Friday; "next" and "last" step from today.
        let ahead = |t| read_date(t, today, Words::Days);
        assert_eq!(ahead("friday").unwrap(), d(2026, 12, 4));
        assert_eq!(ahead("monday").unwrap(), today);
        assert_eq!(ahead("next monday").unwrap(), d(2026, 12, 7));
        assert_eq!(ahead("next friday").unwrap(), d(2026, 12, 4));
        assert_eq!(ahead("last friday").unwrap(), d(2026, 11, 27));
        assert!(past("someday").is_err());
        let now = parse_instant("2026-11-30T12:00:00Z").unwrap();
        assert_eq!(
            read_instant("yesterday 14:05", &now).unwrap().to_rfc3339(),
            "2026-11-29T14:05:00+00:00"
        );
        assert_eq!(
            read_instant("30/11/2026 09:40", &now).unwrap().to_rfc3339(),
            "2026-11-30T09:40:00+00:00"
        );
        assert!(is_iso("2026-11-30 09:00") && !is_iso("30/11/2026"));
    }

    #[test]
    fn times_as_people_say_them() {
        let now = parse_instant("2026-11-30T12:00:00Z").unwrap(); // a Monday
        let read = |t| read_instant(t, &now).map(|i| i.to_rfc3339());
        assert_eq!(read("yesterday 4pm").unwrap(), "2026-11-29T16:00:00+00:00");
        assert_eq!(read("yesterday 4 pm").unwrap(), "2026-11-29T16:00:00+00:00");
        assert_eq!(read("today 9am").unwrap(), "2026-11-30T09:00:00+00:00");
        assert_eq!(read("Friday 9.30AM").unwrap(), "2026-11-27T09:30:00+00:00");
        assert_eq!(read("friday 12pm").unwrap(), "2026-11-27T12:00:00+00:00");
        assert_eq!(read("friday 12am").unwrap(), "2026-11-27T00:00:00+00:00");
        assert_eq!(read("10am").unwrap(), "2026-11-30T10:00:00+00:00");
        assert_eq!(read("monday noon").unwrap(), "2026-11-30T12:00:00+00:00");
        assert_eq!(
            read("30/11/2026 4:15pm").unwrap(),
            "2026-11-30T16:15:00+00:00"
        );
        // A bad time is named as a time, not as a date.
        for bad in [
            "yesterday 25:00",
            "today 13pm",
            "today 9:7",
            "yesterday 4.75pm",
        ] {
            let e = read(bad).unwrap_err();
            assert!(e.contains("is not a time of day"), "{bad}: {e}");
        }
        let e = parse_instant("2026-11-30 24:30").unwrap_err();
        assert!(e.contains("not a time of day"), "{e}");
        assert!(read("yesterday evening").is_err());
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

    pub(crate) fn serialize<S: Serializer>(t: &Instant, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format(t))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Instant, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        DateTime::parse_from_rfc3339(&text).map_err(serde::de::Error::custom)
    }

    pub mod option {
        use super::Instant;
        use serde::{Deserialize, Deserializer, Serializer};

        pub(crate) fn serialize<S: Serializer>(
            t: &Option<Instant>,
            s: S,
        ) -> Result<S::Ok, S::Error> {
            // `serialize_some`, not a bare string: the same JSON, and a binary
            // format (the status cache) can tell `Some` from `None` when reading.
            match t {
                Some(t) => s.serialize_some(&super::format(t)),
                None => s.serialize_none(),
            }
        }

        pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> Result<Option<Instant>, D::Error> {
            let text = <Option<std::borrow::Cow<'de, str>>>::deserialize(d)?;
            text.map(|t| chrono::DateTime::parse_from_rfc3339(&t).map_err(serde::de::Error::custom))
                .transpose()
        }
    }
}

/// Serde for instants that only the status cache keeps (a stage visit's), as
/// whole seconds since the epoch and the offset: the same instant `rfc3339`
/// writes, without a string to parse for each of a dispute's visits on every
/// cached read.
pub(crate) mod compact {
    use super::Instant;
    use chrono::{DateTime, FixedOffset};
    use serde::{de::Error, Deserialize, Deserializer, Serialize, Serializer};

    pub(crate) fn serialize<S: Serializer>(t: &Instant, s: S) -> Result<S::Ok, S::Error> {
        (t.timestamp(), t.offset().local_minus_utc()).serialize(s)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Instant, D::Error> {
        let (secs, offset) = <(i64, i32)>::deserialize(d)?;
        let offset = FixedOffset::east_opt(offset)
            .ok_or_else(|| D::Error::custom(format!("an offset of {offset} seconds")))?;
        DateTime::from_timestamp(secs, 0)
            .map(|t| t.with_timezone(&offset))
            .ok_or_else(|| D::Error::custom(format!("{secs} seconds is out of range")))
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn an_instant_reads_back_as_rfc3339_gives_it() {
            #[derive(serde::Serialize, serde::Deserialize)]
            struct T(#[serde(with = "super")] super::Instant);
            for text in ["2026-07-01T23:59:59+01:00", "2026-12-01T09:00:00+00:00"] {
                let t = super::super::parse_instant(text).unwrap();
                let json = serde_json::to_string(&T(t)).unwrap();
                let back: T = serde_json::from_str(&json).unwrap();
                assert_eq!(super::super::rfc3339::format(&back.0), text);
            }
        }
    }
}
