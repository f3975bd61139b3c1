//! The partnership's retention period (`escalate retention set`), kept in the
//! data directory's `retention.toml` (shared with the partnership when the
//! directory is shared, like `agencies.toml`): how long after a dispute is
//! resolved its text is kept before `retention apply` erases it.
//! Only "N years/months/weeks/days after resolution" is understood: that is how
//! retention schedules for safeguarding records are written, and a period that
//! could be read two ways must never erase a record.

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::domain::clock::Instant;
use crate::error::{Error, Result};

/// A retention period, as the user wrote it and as understood.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Period {
    pub amount: u32,
    pub unit: Unit,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    Days,
    Weeks,
    Months,
    Years,
}

impl Period {
    /// Read "6 years after resolution" (or "6 years"; "year", "month",
    /// "week", "day" too; any case). Refused in words otherwise.
    pub fn parse(text: &str) -> std::result::Result<Period, String> {
        let lower = text.trim().to_lowercase();
        let words: Vec<&str> = lower.split_whitespace().collect();
        let (amount, unit, rest) = match words.as_slice() {
            [n, u, rest @ ..] => (n, u, rest),
            _ => return Err(unreadable(text)),
        };
        if !(rest.is_empty() || rest == ["after", "resolution"]) {
            return Err(unreadable(text));
        }
        let amount: u32 = amount
            .parse()
            .ok()
            .filter(|n| (1..=100).contains(n))
            .ok_or_else(|| unreadable(text))?;
        let unit = match unit.trim_end_matches('s') {
            "day" => Unit::Days,
            "week" => Unit::Weeks,
            "month" => Unit::Months,
            "year" => Unit::Years,
            _ => return Err(unreadable(text)),
        };
        Ok(Period { amount, unit })
    }

    /// The period in words, as it is kept: "6 years after resolution".
    pub fn words(&self) -> String {
        let unit = match (self.unit, self.amount) {
            (Unit::Days, 1) => "day",
            (Unit::Days, _) => "days",
            (Unit::Weeks, 1) => "week",
            (Unit::Weeks, _) => "weeks",
            (Unit::Months, 1) => "month",
            (Unit::Months, _) => "months",
            (Unit::Years, 1) => "year",
            (Unit::Years, _) => "years",
        };
        format!("{} {unit} after resolution", self.amount)
    }

    /// The day before which a dispute must have been resolved for its text
    /// to be past this period on `today` (London date): `today` less the
    /// period. A month end carries back to the month's last day.
    pub fn resolved_before(&self, today: NaiveDate) -> NaiveDate {
        let n = self.amount;
        let back = match self.unit {
            Unit::Days => today.checked_sub_days(chrono::Days::new(n.into())),
            Unit::Weeks => today.checked_sub_days(chrono::Days::new(u64::from(n) * 7)),
            Unit::Months => today.checked_sub_months(Months::new(n)),
            Unit::Years => today.checked_sub_months(Months::new(n * 12)),
        };
        back.unwrap_or(NaiveDate::MIN)
    }
}

fn unreadable(text: &str) -> String {
    format!(
        "{:?} is not a retention period escalate understands; write it as a number and a unit, like \"6 years after resolution\" or \"18 months after resolution\"",
        text.chars().take(80).collect::<String>()
    )
}

/// `retention.toml` as written.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    period: String,
    set_by: String,
    #[serde(with = "crate::domain::clock::rfc3339")]
    set_at: Instant,
}

/// The retention period in force and who set it when.
#[derive(Clone, Debug)]
pub struct Setting {
    pub period: Period,
    pub set_by: String,
    pub set_at: Instant,
}

/// The data directory's retention setting; `None` when none was set.
pub fn read(store: &crate::store::Store) -> Result<Option<Setting>> {
    let path = crate::store::layout::RETENTION;
    let Some(bytes) = store.journals().read_shared(path) else {
        return Ok(None);
    };
    let damaged = |what: String| {
        Error::damaged(
            &crate::store::layout::shared_file(store.root(), path),
            1,
            what,
        )
    };
    let text = String::from_utf8(bytes).map_err(|_| damaged("it is not UTF-8 text".into()))?;
    let file: File = toml::from_str(&text)
        .map_err(|_| damaged("it is not a retention setting escalate writes".into()))?;
    let period = Period::parse(&file.period).map_err(damaged)?;
    Ok(Some(Setting {
        period,
        set_by: file.set_by,
        set_at: file.set_at,
    }))
}

/// Set the retention period (the caller has checked the user may).
pub(crate) fn write(store: &crate::store::Store, setting: &Setting) -> Result<()> {
    let file = File {
        period: setting.period.words(),
        set_by: setting.set_by.clone(),
        set_at: setting.set_at,
    };
    let text = toml::to_string(&file)
        .map_err(|e| Error::internal(format!("internal error: {e}; nothing was written")))?;
    store
        .journals()
        .write_shared(crate::store::layout::RETENTION, text.as_bytes())
}

impl crate::ops::Session {
    /// `retention set`: only an admin of a shared directory (or the user of
    /// an unshared one) may.
    pub fn set_retention(&self, period: Period) -> Result<Setting> {
        self.may_erase()?;
        let setting = Setting {
            period,
            set_by: self.actor.clone(),
            set_at: self.now,
        };
        write(&self.store, &setting)?;
        Ok(setting)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_as_schedules_write_them() {
        let p = Period::parse("6 years after resolution").unwrap();
        assert_eq!(
            p,
            Period {
                amount: 6,
                unit: Unit::Years
            }
        );
        assert_eq!(p.words(), "6 years after resolution");
        assert_eq!(
            Period::parse(" 18 Months ").unwrap().words(),
            "18 months after resolution"
        );
        assert_eq!(
            Period::parse("1 day").unwrap().words(),
            "1 day after resolution"
        );
        for bad in [
            "",
            "six years",
            "6",
            "6 fortnights",
            "0 years",
            "6 years after opening",
            "-1 days",
        ] {
            assert!(Period::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_cutoff_is_today_less_the_period() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let p = Period::parse("6 years").unwrap();
        assert_eq!(p.resolved_before(d("2026-12-07")), d("2020-12-07"));
        assert_eq!(
            Period::parse("1 month")
                .unwrap()
                .resolved_before(d("2026-03-31")),
            d("2026-02-28")
        );
        assert_eq!(
            Period::parse("2 weeks")
                .unwrap()
                .resolved_before(d("2026-12-07")),
            d("2026-11-23")
        );
    }
}
