//! Working-day calendars for the three UK bank-holiday divisions.
//!
//! Escalation deadlines are counted in working days, so this module owns
//! everything that decides whether a date is one: the statutory and customary
//! bank-holiday rules (`rules`), the announced one-off changes to them
//! (`one_offs`), an authoritative GOV.UK import that overrides both
//! (`govuk`), local closure days, and the working-day arithmetic itself
//! (`working_days`).

mod govuk;
mod one_offs;
mod rules;
mod working_days;

use std::fmt;
use std::str::FromStr;

pub use govuk::{Difference, ImportedHolidays};
pub use one_offs::{one_offs, OneOffAction};
pub use working_days::Calendar;

/// A UK bank-holiday jurisdiction, named as GOV.UK names it.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Division {
    EnglandAndWales,
    Scotland,
    NorthernIreland,
}

impl Division {
    pub const ALL: [Division; 3] = [
        Division::EnglandAndWales,
        Division::Scotland,
        Division::NorthernIreland,
    ];

    /// The GOV.UK key for the division, also used in configuration.
    pub fn as_str(self) -> &'static str {
        match self {
            Division::EnglandAndWales => "england-and-wales",
            Division::Scotland => "scotland",
            Division::NorthernIreland => "northern-ireland",
        }
    }

    /// The name a person reads.
    pub fn title(self) -> &'static str {
        match self {
            Division::EnglandAndWales => "England and Wales",
            Division::Scotland => "Scotland",
            Division::NorthernIreland => "Northern Ireland",
        }
    }
}

impl FromStr for Division {
    type Err = CalendarError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim();
        Division::ALL
            .into_iter()
            .find(|d| d.as_str().eq_ignore_ascii_case(wanted))
            .ok_or_else(|| CalendarError::UnknownDivision(s.to_string()))
    }
}

impl fmt::Display for Division {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A day that is not a working day for a reason other than being a weekend.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Holiday {
    pub date: chrono::NaiveDate,
    pub name: String,
    pub origin: Origin,
}

/// Where a holiday came from, so a user can be told why a deadline moved.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Origin {
    /// Computed from the standing rules for the division.
    Rule,
    /// From the table of announced one-off changes.
    OneOff,
    /// From a GOV.UK bank-holidays.json import.
    Imported,
    /// A local closure day configured by the user.
    Closure,
}

#[derive(Debug)]
pub enum CalendarError {
    UnknownDivision(String),
    Import(String),
}

impl std::fmt::Display for CalendarError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CalendarError::UnknownDivision(name) => write!(
                f,
                "unknown division \"{name}\": expected one of england-and-wales, scotland, northern-ireland"
            ),
            CalendarError::Import(why) => write!(f, "cannot import GOV.UK bank holidays: {why}"),
        }
    }
}

impl std::error::Error for CalendarError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn division_names_round_trip() {
        for d in Division::ALL {
            assert_eq!(d.as_str().parse::<Division>().ok(), Some(d));
            assert_eq!(d.to_string(), d.as_str());
            let json = serde_json::to_string(&d).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", d.as_str()));
        }
        assert_eq!(
            "Scotland".parse::<Division>().ok(),
            Some(Division::Scotland)
        );
    }

    #[test]
    fn unknown_division_lists_the_valid_names() {
        let err = "wales".parse::<Division>().err().map(|e| e.to_string());
        let msg = err.unwrap_or_default();
        assert!(msg.contains("\"wales\""), "{msg}");
        for d in Division::ALL {
            assert!(msg.contains(d.as_str()), "{msg}");
        }
    }
}
