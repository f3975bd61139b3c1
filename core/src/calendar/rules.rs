//! The standing bank-holiday rules of each division (fixed dates, Easter,
//! "first/last Monday" days and weekend substitutes), with the one-off
//! table applied on top.
//!
//! Names follow the GOV.UK titles so that a rule holiday and an imported one
//! for the same day read the same to the user.

use chrono::{Datelike, Days, NaiveDate, Weekday};

use super::one_offs;
use super::{Division, Holiday, Origin};

pub(crate) const NEW_YEAR: &str = "New Year’s Day";
pub(crate) const SECOND_JANUARY: &str = "2nd January";
pub(crate) const GOOD_FRIDAY: &str = "Good Friday";
pub(crate) const EASTER_MONDAY: &str = "Easter Monday";
pub(crate) const EARLY_MAY: &str = "Early May bank holiday";
pub(crate) const SPRING: &str = "Spring bank holiday";
pub(crate) const SUMMER: &str = "Summer bank holiday";
pub(crate) const ST_ANDREW: &str = "St Andrew’s Day";
pub(crate) const ST_PATRICK: &str = "St Patrick’s Day";
pub(crate) const BOYNE: &str = "Battle of the Boyne (Orangemen’s Day)";
pub(crate) const CHRISTMAS: &str = "Christmas Day";
pub(crate) const BOXING: &str = "Boxing Day";

/// St Andrew's Day became a Scottish bank holiday under the St Andrew's Day
/// Bank Holiday (Scotland) Act 2007; earlier years must not get it.
const ST_ANDREW_FROM: i32 = 2007;

/// Easter Sunday by the Anonymous Gregorian (Meeus/Jones/Butcher) algorithm.
/// None only for years chrono cannot represent.
pub(super) fn easter_sunday(year: i32) -> Option<NaiveDate> {
    let y = i64::from(year);
    let a = y.rem_euclid(19);
    let b = y.div_euclid(100);
    let c = y.rem_euclid(100);
    let d = b.div_euclid(4);
    let e = b.rem_euclid(4);
    let f = (b + 8).div_euclid(25);
    let g = (b - f + 1).div_euclid(3);
    let h = (19 * a + b - d - g + 15).rem_euclid(30);
    let i = c.div_euclid(4);
    let k = c.rem_euclid(4);
    let l = (32 + 2 * e + 2 * i - h - k).rem_euclid(7);
    let m = (a + 11 * h + 22 * l).div_euclid(451);
    let month = (h + l - 7 * m + 114).div_euclid(31);
    let day = (h + l - 7 * m + 114).rem_euclid(31) + 1;
    NaiveDate::from_ymd_opt(year, u32::try_from(month).ok()?, u32::try_from(day).ok()?)
}

/// Bank holidays of a division in a year from the rules plus the one-off
/// table. Sorted by date.
pub(super) fn rule_holidays(division: Division, year: i32) -> Vec<Holiday> {
    let mut days = standing_rules(division, year);
    one_offs::apply(division, year, &mut days);
    days.sort_by(|a, b| a.date.cmp(&b.date).then_with(|| a.name.cmp(&b.name)));
    days
}

/// The rules alone, before any one-off change.
pub(crate) fn standing_rules(division: Division, year: i32) -> Vec<Holiday> {
    let mut out = Vec::with_capacity(12);
    let mut push = |date: Option<NaiveDate>, name: &str| {
        if let Some(date) = date {
            out.push(Holiday {
                date,
                name: name.to_string(),
                origin: Origin::Rule,
            });
        }
    };

    match division {
        Division::Scotland => {
            for (date, name) in pair_with_substitutes(year, 1, 1, NEW_YEAR, SECOND_JANUARY, true) {
                push(Some(date), &name);
            }
        }
        _ => {
            let (date, name) = monday_if_weekend(ymd(year, 1, 1), NEW_YEAR);
            push(date, &name);
        }
    }

    if division == Division::NorthernIreland {
        let (date, name) = monday_if_weekend(ymd(year, 3, 17), ST_PATRICK);
        push(date, &name);
    }

    let easter = easter_sunday(year);
    push(
        easter.and_then(|e| e.checked_sub_days(Days::new(2))),
        GOOD_FRIDAY,
    );
    if division != Division::Scotland {
        push(
            easter.and_then(|e| e.checked_add_days(Days::new(1))),
            EASTER_MONDAY,
        );
    }

    push(first_monday(year, 5), EARLY_MAY);
    push(last_monday(year, 5), SPRING);

    if division == Division::NorthernIreland {
        let (date, name) = monday_if_weekend(ymd(year, 7, 12), BOYNE);
        push(date, &name);
    }

    if division == Division::Scotland {
        push(first_monday(year, 8), SUMMER);
        if year >= ST_ANDREW_FROM {
            let (date, name) = monday_if_weekend(ymd(year, 11, 30), ST_ANDREW);
            push(date, &name);
        }
    } else {
        push(last_monday(year, 8), SUMMER);
    }

    for (date, name) in pair_with_substitutes(year, 12, 25, CHRISTMAS, BOXING, false) {
        push(Some(date), &name);
    }
    out
}

pub(crate) fn ymd(year: i32, month: u32, day: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, month, day)
}

pub(crate) fn substitute_name(name: &str) -> String {
    format!("{name} (substitute day)")
}

fn first_monday(year: i32, month: u32) -> Option<NaiveDate> {
    let first = ymd(year, month, 1)?;
    let offset = (7 - first.weekday().num_days_from_monday()) % 7;
    first.checked_add_days(Days::new(u64::from(offset)))
}

fn last_monday(year: i32, month: u32) -> Option<NaiveDate> {
    let next_month = if month == 12 {
        ymd(year.checked_add(1)?, 1, 1)?
    } else {
        ymd(year, month + 1, 1)?
    };
    let last = next_month.pred_opt()?;
    let back = last.weekday().num_days_from_monday();
    last.checked_sub_days(Days::new(u64::from(back)))
}

/// A single holiday that moves to the following Monday when it falls at a
/// weekend (New Year's Day outside Scotland, St Patrick's, the Boyne,
/// St Andrew's).
fn monday_if_weekend(date: Option<NaiveDate>, name: &str) -> (Option<NaiveDate>, String) {
    let Some(date) = date else {
        return (None, name.to_string());
    };
    match date.weekday() {
        Weekday::Sat => (date.checked_add_days(Days::new(2)), substitute_name(name)),
        Weekday::Sun => (date.checked_add_days(Days::new(1)), substitute_name(name)),
        _ => (Some(date), name.to_string()),
    }
}

/// Two consecutive holidays (Christmas and Boxing Day; Scotland's 1 and 2
/// January) whose substitutes must not collide: both move past the weekend
/// and keep their order. `sunday_shifts_both` chooses GOV.UK's naming when
/// the first day is a Sunday: for New Year it renames Monday as the New
/// Year substitute, for Christmas Monday stays Boxing Day.
fn pair_with_substitutes(
    year: i32,
    month: u32,
    day: u32,
    first: &str,
    second: &str,
    sunday_shifts_both: bool,
) -> Vec<(NaiveDate, String)> {
    let Some(d1) = ymd(year, month, day) else {
        return Vec::new();
    };
    let plus = |n: u64| d1.checked_add_days(Days::new(n));
    let pairs: [(Option<NaiveDate>, String); 2] = match d1.weekday() {
        Weekday::Fri => [(Some(d1), first.into()), (plus(3), substitute_name(second))],
        Weekday::Sat => [
            (plus(2), substitute_name(first)),
            (plus(3), substitute_name(second)),
        ],
        Weekday::Sun if sunday_shifts_both => [
            (plus(1), substitute_name(first)),
            (plus(2), substitute_name(second)),
        ],
        Weekday::Sun => [(plus(1), second.into()), (plus(2), substitute_name(first))],
        _ => [(Some(d1), first.into()), (plus(1), second.into())],
    };
    pairs
        .into_iter()
        .filter_map(|(d, n)| d.map(|d| (d, n)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
    }

    fn dates(division: Division, year: i32) -> Vec<NaiveDate> {
        rule_holidays(division, year)
            .into_iter()
            .map(|h| h.date)
            .collect()
    }

    fn has(division: Division, d: NaiveDate) -> bool {
        dates(division, d.year()).contains(&d)
    }

    #[test]
    fn easter_known_dates() {
        for (y, m, d) in [
            (2026, 4, 5),
            (2027, 3, 28),
            (2024, 3, 31),
            (2019, 4, 21),
            (2038, 4, 25),
            (2000, 4, 23),
            (2285, 3, 22),
            (1943, 4, 25),
        ] {
            assert_eq!(easter_sunday(y), Some(date(y, m, d)), "Easter {y}");
        }
    }

    #[test]
    fn rule_holidays_are_sorted_weekdays_without_duplicates() {
        for division in Division::ALL {
            for year in 1990..=2110 {
                let hs = rule_holidays(division, year);
                for w in hs.windows(2) {
                    assert!(w[0].date < w[1].date, "{division} {year}: {:?}", w);
                }
                for h in &hs {
                    assert!(
                        !matches!(h.date.weekday(), Weekday::Sat | Weekday::Sun),
                        "{division} {year}: {h:?} at a weekend"
                    );
                    assert_eq!(h.date.year(), year, "{division}: {h:?}");
                }
            }
        }
    }

    #[test]
    fn christmas_on_saturday_gives_monday_and_tuesday() {
        for year in [2021, 2027] {
            for division in Division::ALL {
                let ds = dates(division, year);
                assert!(ds.contains(&date(year, 12, 27)), "{division} {year}");
                assert!(ds.contains(&date(year, 12, 28)), "{division} {year}");
                assert!(!ds.contains(&date(year, 12, 25)));
                assert!(!ds.contains(&date(year, 12, 26)));
            }
        }
    }

    #[test]
    fn christmas_on_sunday_gives_boxing_monday_and_tuesday_substitute() {
        let hs = rule_holidays(Division::EnglandAndWales, 2022);
        let boxing = hs.iter().find(|h| h.date == date(2022, 12, 26));
        let sub = hs.iter().find(|h| h.date == date(2022, 12, 27));
        assert_eq!(boxing.map(|h| h.name.as_str()), Some(BOXING));
        assert_eq!(
            sub.map(|h| h.name.as_str()),
            Some("Christmas Day (substitute day)")
        );
    }

    #[test]
    fn boxing_day_on_saturday_moves_to_monday() {
        for division in Division::ALL {
            assert!(has(division, date(2026, 12, 25)));
            assert!(has(division, date(2026, 12, 28)));
            assert!(!has(division, date(2026, 12, 29)));
        }
    }

    #[test]
    fn scotland_new_year_at_weekend() {
        // 2022: 1 Jan Saturday -> Mon 3 and Tue 4.
        let s = Division::Scotland;
        assert!(has(s, date(2022, 1, 3)) && has(s, date(2022, 1, 4)));
        // 2028: 1 Jan Saturday again.
        assert!(has(s, date(2028, 1, 3)) && has(s, date(2028, 1, 4)));
        // 2023: 1 Jan Sunday -> Mon 2 and Tue 3.
        assert!(has(s, date(2023, 1, 2)) && has(s, date(2023, 1, 3)));
        // 2027: 2 Jan Saturday -> Mon 4.
        assert!(has(s, date(2027, 1, 1)) && has(s, date(2027, 1, 4)));
        assert!(!has(Division::EnglandAndWales, date(2022, 1, 4)));
    }

    #[test]
    fn st_andrews_day_at_weekend_moves_to_monday() {
        assert!(has(Division::Scotland, date(2025, 12, 1)));
        assert!(!has(Division::Scotland, date(2025, 11, 30)));
        assert!(has(Division::Scotland, date(2026, 11, 30)));
        assert!(!has(Division::EnglandAndWales, date(2026, 11, 30)));
        assert!(!has(Division::Scotland, date(2006, 11, 30)));
    }

    #[test]
    fn northern_ireland_days_at_weekend_move_to_monday() {
        let ni = Division::NorthernIreland;
        assert!(has(ni, date(2020, 7, 13)));
        assert!(has(ni, date(2025, 7, 14)));
        assert!(has(ni, date(2024, 3, 18)));
        assert!(has(ni, date(2029, 3, 19)));
        assert!(has(ni, date(2026, 3, 17)));
        assert!(!has(Division::Scotland, date(2026, 3, 17)));
    }

    #[test]
    fn scotland_has_first_monday_of_august_and_no_easter_monday() {
        assert!(has(Division::Scotland, date(2026, 8, 3)));
        assert!(!has(Division::Scotland, date(2026, 8, 31)));
        assert!(!has(Division::Scotland, date(2026, 4, 6)));
        assert!(has(Division::EnglandAndWales, date(2026, 8, 31)));
        assert!(has(Division::EnglandAndWales, date(2026, 4, 6)));
    }

    #[test]
    fn counts_in_an_ordinary_year() {
        assert_eq!(rule_holidays(Division::EnglandAndWales, 2025).len(), 8);
        assert_eq!(rule_holidays(Division::Scotland, 2025).len(), 9);
        assert_eq!(rule_holidays(Division::NorthernIreland, 2025).len(), 10);
    }

    /// 2028 dates from a third-party copy of GOV.UK bank-holidays.json
    /// covering 2019–2028 (found with the code search; the GOV.UK snapshots
    /// in testdata stop at 2027).
    #[test]
    fn year_2028_matches_published_list() {
        let expected: [(Division, &[(u32, u32)]); 3] = [
            (
                Division::EnglandAndWales,
                &[
                    (1, 3),
                    (4, 14),
                    (4, 17),
                    (5, 1),
                    (5, 29),
                    (8, 28),
                    (12, 25),
                    (12, 26),
                ],
            ),
            (
                Division::Scotland,
                &[
                    (1, 3),
                    (1, 4),
                    (4, 14),
                    (5, 1),
                    (5, 29),
                    (8, 7),
                    (11, 30),
                    (12, 25),
                    (12, 26),
                ],
            ),
            (
                Division::NorthernIreland,
                &[
                    (1, 3),
                    (3, 17),
                    (4, 14),
                    (4, 17),
                    (5, 1),
                    (5, 29),
                    (7, 12),
                    (8, 28),
                    (12, 25),
                    (12, 26),
                ],
            ),
        ];
        for (division, md) in expected {
            let want: Vec<NaiveDate> = md.iter().map(|&(m, d)| date(2028, m, d)).collect();
            assert_eq!(dates(division, 2028), want, "{division}");
        }
    }

    #[test]
    fn far_years_do_not_panic() {
        for year in [-262_000, -1, 0, 1, 9999, 262_000] {
            for division in Division::ALL {
                let _ = rule_holidays(division, year);
            }
        }
    }
}
