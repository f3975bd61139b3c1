//! The table of announced one-off changes to the standing bank-holiday
//! rules (jubilees, royal occasions, moved holidays), each with the
//! announcement or published list it was checked against.
//!
//! Kept apart from `rules` so that a new proclamation is a one-line data
//! change with its source next to it, reviewable without reading code.
//!
//! Checked and deliberately NOT in the table:
//! - Scotland and Northern Ireland 2002 (Golden Jubilee): the England and
//!   Wales change is well attested, but no source found during this work
//!   says whether Scotland and Northern Ireland moved their spring holiday
//!   the same way, so those years stay on the rules until confirmed (a
//!   GOV.UK import cannot help: it starts in 2012).
//! - 1995 (Early May moved to 8 May for VE Day 50): outside the 2000–2100
//!   range this crate is checked for.
//! - Anything after 2026: GOV.UK lists seen up to 2028 (copies checked
//!   September 2026) show no further one-off; if one is proclaimed, add it
//!   here or import the GOV.UK file, which overrides the rules.

use chrono::NaiveDate;

use super::rules::{self, ymd};
use super::{Division, Holiday, Origin};

const ALL: &[Division] = &Division::ALL;
const EW_NI: &[Division] = &[Division::EnglandAndWales, Division::NorthernIreland];
const SCOTLAND: &[Division] = &[Division::Scotland];

/// What a one-off does to the rule holidays of its year.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OneOffAction {
    /// An extra bank holiday on (month, day).
    Add { month: u32, day: u32 },
    /// The rule holiday on `from` is held on `to` instead.
    Move { from: (u32, u32), to: (u32, u32) },
    /// The rule holiday on (month, day) was not held.
    Remove { month: u32, day: u32 },
}

/// One announced change, for some divisions, in one year.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OneOff {
    pub divisions: &'static [Division],
    pub year: i32,
    pub action: OneOffAction,
    /// The holiday's name after the change (for Remove: what was dropped).
    pub name: &'static str,
    /// Where the change was confirmed.
    pub source: &'static str,
}

const GOVUK_2012: &str = "GOV.UK bank-holidays.json (2012–2015 snapshot, copy in github.com/plawtr/week-9-test); Scottish Government announcement 'Queen's Diamond Jubilee' (2010, via wired-gov.net) confirms Scotland also moved its spring holiday to 4 June";
const GOVUK_2019_2027: &str = "GOV.UK bank-holidays.json (2019–2027 snapshot of July 2025, copy in github.com/dmossop/bank-holidays-data commit 0b1a577)";

static ONE_OFFS: &[OneOff] = &[
    OneOff {
        divisions: ALL,
        year: 1999,
        action: OneOffAction::Add { month: 12, day: 31 },
        name: "Millennium bank holiday",
        source: "Royal Proclamation for the Millennium, UK-wide; listed as 'Millennium Celebrations' for every UK subdivision by python-holidays (vacanza/holidays, holidays/countries/united_kingdom.py)",
    },
    OneOff {
        divisions: EW_NI,
        year: 2002,
        action: OneOffAction::Move {
            from: (5, 27),
            to: (6, 4),
        },
        name: rules::SPRING,
        source: "Wikipedia 'Public holidays in the United Kingdom' (England, Northern Ireland and Wales table), as cited by azuyalabs/yasumi PR #160; also org.jfin UnitedKingdom settlement calendar",
    },
    OneOff {
        divisions: EW_NI,
        year: 2002,
        action: OneOffAction::Add { month: 6, day: 3 },
        name: "Golden Jubilee bank holiday",
        source: "Wikipedia 'Public holidays in the United Kingdom' (England, Northern Ireland and Wales table); python-holidays special_holidays 2002",
    },
    OneOff {
        divisions: ALL,
        year: 2011,
        action: OneOffAction::Add { month: 4, day: 29 },
        name: "Royal wedding bank holiday",
        source: "Royal Proclamation for the wedding of Prince William and Catherine Middleton, UK-wide; python-holidays special_holidays 2011 (all UK subdivisions); KDE kholidays holiday_gb-sct 'Royal Wedding 29.4.2011'",
    },
    OneOff {
        divisions: ALL,
        year: 2012,
        action: OneOffAction::Move {
            from: (5, 28),
            to: (6, 4),
        },
        name: rules::SPRING,
        source: GOVUK_2012,
    },
    OneOff {
        divisions: ALL,
        year: 2012,
        action: OneOffAction::Add { month: 6, day: 5 },
        name: "Queen’s Diamond Jubilee",
        source: GOVUK_2012,
    },
    OneOff {
        divisions: ALL,
        year: 2020,
        action: OneOffAction::Move {
            from: (5, 4),
            to: (5, 8),
        },
        name: "Early May bank holiday (VE day)",
        source: GOVUK_2019_2027,
    },
    OneOff {
        divisions: ALL,
        year: 2022,
        action: OneOffAction::Move {
            from: (5, 30),
            to: (6, 2),
        },
        name: rules::SPRING,
        source: GOVUK_2019_2027,
    },
    OneOff {
        divisions: ALL,
        year: 2022,
        action: OneOffAction::Add { month: 6, day: 3 },
        name: "Platinum Jubilee bank holiday",
        source: GOVUK_2019_2027,
    },
    OneOff {
        divisions: ALL,
        year: 2022,
        action: OneOffAction::Add { month: 9, day: 19 },
        name: "Bank Holiday for the State Funeral of Queen Elizabeth II",
        source: GOVUK_2019_2027,
    },
    OneOff {
        divisions: ALL,
        year: 2023,
        action: OneOffAction::Add { month: 5, day: 8 },
        name: "Bank holiday for the coronation of King Charles III",
        source: GOVUK_2019_2027,
    },
    OneOff {
        divisions: SCOTLAND,
        year: 2026,
        action: OneOffAction::Add { month: 6, day: 15 },
        name: "World Cup bank holiday",
        source: "Royal Proclamation of 4 February 2026 under s.1(3) Banking and Financial Dealings Act 1971, Scotland only (Scottish Government 'World Cup bank holiday confirmed', 5 Feb 2026, via wired-gov.net; PA report in Shropshire Star, 4 Feb 2026); listed by GOV.UK bank-holidays.json per third-party copies checked 2026-09-27",
    },
    // The Act substitutes 3 January only for a Sunday; a Saturday holiday
    // needs a proclamation, and none was made for these two years.
    OneOff {
        divisions: SCOTLAND,
        year: 2010,
        action: OneOffAction::Remove { month: 1, day: 4 },
        name: "2nd January (substitute day)",
        source: "dracos.co.uk 'Bad Bank Holidays' (update 21 Jan 2014): Scottish Government, via the Privy Council, Crown Office and Edinburgh Gazette, confirmed no Royal Proclamation was made, so 4 January 2010 was not a bank holiday",
    },
    OneOff {
        divisions: SCOTLAND,
        year: 2011,
        action: OneOffAction::Remove { month: 1, day: 4 },
        name: "2nd January (substitute day)",
        source: "dracos.co.uk 'Bad Bank Holidays' (update 21 Jan 2014): Scottish Government, via the Privy Council, Crown Office and Edinburgh Gazette, confirmed no Royal Proclamation was made, so 4 January 2011 was not a bank holiday",
    },
];

/// Every known one-off, for display and auditing.
pub fn one_offs() -> &'static [OneOff] {
    ONE_OFFS
}

fn date_of(year: i32, (month, day): (u32, u32)) -> Option<NaiveDate> {
    ymd(year, month, day)
}

/// Applies the one-offs of (division, year) to the standing rule holidays.
/// A table entry that does not match its rule holiday is ignored here
/// rather than panicking; the tests below make sure none exists.
pub(crate) fn apply(division: Division, year: i32, days: &mut Vec<Holiday>) {
    for entry in ONE_OFFS
        .iter()
        .filter(|o| o.year == year && o.divisions.contains(&division))
    {
        match entry.action {
            OneOffAction::Add { month, day } => {
                if let Some(date) = ymd(year, month, day) {
                    days.push(Holiday {
                        date,
                        name: entry.name.to_string(),
                        origin: Origin::OneOff,
                    });
                }
            }
            OneOffAction::Move { from, to } => {
                let (Some(from), Some(to)) = (date_of(year, from), date_of(year, to)) else {
                    continue;
                };
                if let Some(h) = days.iter_mut().find(|h| h.date == from) {
                    h.date = to;
                    h.name = entry.name.to_string();
                    h.origin = Origin::OneOff;
                }
            }
            OneOffAction::Remove { month, day } => {
                if let Some(date) = ymd(year, month, day) {
                    days.retain(|h| h.date != date);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::rules::{rule_holidays, standing_rules};
    use chrono::Datelike;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
    }

    #[test]
    fn every_move_and_remove_hits_a_rule_holiday() {
        for entry in one_offs() {
            for &division in entry.divisions {
                let standing = standing_rules(division, entry.year);
                let target = match entry.action {
                    OneOffAction::Add { month, day } => {
                        let d = date(entry.year, month, day);
                        assert!(
                            standing.iter().all(|h| h.date != d),
                            "{entry:?} adds a day the rules already have"
                        );
                        continue;
                    }
                    OneOffAction::Move { from, .. } => date(entry.year, from.0, from.1),
                    OneOffAction::Remove { month, day } => date(entry.year, month, day),
                };
                assert!(
                    standing.iter().any(|h| h.date == target),
                    "{division}: {entry:?} matches no rule holiday"
                );
            }
        }
    }

    #[test]
    fn every_entry_names_a_source() {
        for entry in one_offs() {
            assert!(entry.source.len() > 20, "{entry:?}");
            assert!(!entry.name.is_empty());
            assert!(!entry.divisions.is_empty());
        }
    }

    #[test]
    fn known_one_offs_land() {
        let ew = Division::EnglandAndWales;
        let has = |division: Division, d: NaiveDate| {
            rule_holidays(division, d.year())
                .iter()
                .any(|h| h.date == d)
        };
        assert!(has(ew, date(2002, 6, 3)) && has(ew, date(2002, 6, 4)));
        assert!(!has(ew, date(2002, 5, 27)));
        assert!(has(Division::Scotland, date(2002, 5, 27)));
        for division in Division::ALL {
            assert!(has(division, date(2011, 4, 29)));
            assert!(has(division, date(2012, 6, 4)) && has(division, date(2012, 6, 5)));
            assert!(!has(division, date(2012, 5, 28)));
            assert!(has(division, date(2020, 5, 8)) && !has(division, date(2020, 5, 4)));
            assert!(has(division, date(2022, 6, 2)) && has(division, date(2022, 6, 3)));
            assert!(!has(division, date(2022, 5, 30)));
            assert!(has(division, date(2022, 9, 19)));
            assert!(has(division, date(2023, 5, 8)));
            assert!(has(division, date(1999, 12, 31)));
        }
        assert!(has(Division::Scotland, date(2026, 6, 15)));
        assert!(!has(ew, date(2026, 6, 15)));
        assert!(!has(Division::NorthernIreland, date(2026, 6, 15)));
        assert!(!has(Division::Scotland, date(2011, 1, 4)));
        assert!(has(Division::Scotland, date(2011, 1, 3)));
    }

    #[test]
    fn one_off_holidays_say_so() {
        let hs = rule_holidays(Division::Scotland, 2026);
        let wc = hs.iter().find(|h| h.date == date(2026, 6, 15));
        assert_eq!(wc.map(|h| &h.origin), Some(&Origin::OneOff));
        assert_eq!(wc.map(|h| h.name.as_str()), Some("World Cup bank holiday"));
    }
}
