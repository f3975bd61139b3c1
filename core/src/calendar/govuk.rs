//! Import and export of GOV.UK's bank-holidays.json, and the comparison of
//! an import with the rules.
//!
//! The import is authoritative for the years it covers, so parsing is
//! strict: a file that is wrong in any way is refused with a message saying
//! where, rather than half-read into a calendar that silently miscounts.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use chrono::{Datelike, NaiveDate};
use serde_json::{Map, Value};

use super::rules::{rule_holidays, substitute_name};
use super::{CalendarError, Division, Holiday, Origin};

/// One event as GOV.UK publishes it; notes and bunting are kept so that
/// a stored import can be written back out unchanged.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Event {
    title: String,
    notes: String,
    bunting: bool,
}

/// Bank holidays read from a GOV.UK bank-holidays.json file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportedHolidays {
    divisions: BTreeMap<Division, BTreeMap<NaiveDate, Event>>,
}

/// A date on which an import and the rules disagree.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Difference {
    pub division: Division,
    pub date: NaiveDate,
    pub name: String,
    pub kind: DifferenceKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DifferenceKind {
    OnlyInImport,
    OnlyInRules,
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let place = match self.kind {
            DifferenceKind::OnlyInImport => "is in the import but not in the rules",
            DifferenceKind::OnlyInRules => "is in the rules but not in the import",
        };
        write!(
            f,
            "{}: {} \"{}\" {}",
            self.division,
            self.date.format("%a %-d %b %Y"),
            self.name,
            place
        )
    }
}

fn err(msg: impl Into<String>) -> CalendarError {
    CalendarError::Import(msg.into())
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Only the exact YYYY-MM-DD form: chrono alone would also take "2026-6-1"
/// or "+2026-06-01", which GOV.UK never writes and which suggest a file that
/// is not what it claims to be.
fn parse_date(text: &str) -> Option<NaiveDate> {
    let b = text.as_bytes();
    let shape_ok = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape_ok {
        return None;
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

fn parse_event(
    division: Division,
    index: usize,
    value: &Value,
) -> Result<(NaiveDate, Event), CalendarError> {
    let at = format!("{division}, event {index}");
    let obj = value.as_object().ok_or_else(|| {
        err(format!(
            "{at}: expected an object, found {}",
            type_name(value)
        ))
    })?;
    let title = match obj.get("title") {
        None => return Err(err(format!("{at}: missing \"title\""))),
        Some(Value::String(s)) if s.trim().is_empty() => {
            return Err(err(format!("{at}: \"title\" is empty")))
        }
        Some(Value::String(s)) => s.clone(),
        Some(other) => {
            return Err(err(format!(
                "{at}: \"title\" must be a string, found {}",
                type_name(other)
            )))
        }
    };
    let at = format!("{at} (\"{title}\")");
    let date = match obj.get("date") {
        None => return Err(err(format!("{at}: missing \"date\""))),
        Some(Value::String(s)) => parse_date(s).ok_or_else(|| {
            err(format!(
                "{at}: \"date\" is \"{s}\", which is not a real date in the form YYYY-MM-DD"
            ))
        })?,
        Some(other) => {
            return Err(err(format!(
                "{at}: \"date\" must be a string, found {}",
                type_name(other)
            )))
        }
    };
    let notes = match obj.get("notes") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => {
            return Err(err(format!(
                "{at}: \"notes\" must be a string, found {}",
                type_name(other)
            )))
        }
    };
    let bunting = match obj.get("bunting") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(other) => {
            return Err(err(format!(
                "{at}: \"bunting\" must be true or false, found {}",
                type_name(other)
            )))
        }
    };
    Ok((
        date,
        Event {
            title,
            notes,
            bunting,
        },
    ))
}

fn parse_division(
    division: Division,
    value: &Value,
) -> Result<BTreeMap<NaiveDate, Event>, CalendarError> {
    let obj = value.as_object().ok_or_else(|| {
        err(format!(
            "{division}: expected an object with \"events\", found {}",
            type_name(value)
        ))
    })?;
    match obj.get("division") {
        None => {}
        Some(Value::String(s)) if s == division.as_str() => {}
        Some(other) => {
            return Err(err(format!(
                "{division}: \"division\" is {other}, expected \"{division}\""
            )))
        }
    }
    let events = match obj.get("events") {
        None => return Err(err(format!("{division}: missing \"events\""))),
        Some(Value::Array(a)) => a,
        Some(other) => {
            return Err(err(format!(
                "{division}: \"events\" must be an array, found {}",
                type_name(other)
            )))
        }
    };
    if events.is_empty() {
        return Err(err(format!(
            "{division}: \"events\" is empty; leave the division out instead"
        )));
    }
    let mut out = BTreeMap::new();
    for (index, value) in events.iter().enumerate() {
        let (date, event) = parse_event(division, index, value)?;
        if let Some(previous) = out.insert(date, event) {
            return Err(err(format!(
                "{division}, event {index}: {date} is listed twice (first as \"{}\")",
                previous.title
            )));
        }
    }
    Ok(out)
}

impl ImportedHolidays {
    /// Strict parse of GOV.UK's bank-holidays.json. Any problem is an error
    /// saying where (division and event index) and what is wrong.
    pub fn parse_govuk_json(text: &str) -> Result<ImportedHolidays, CalendarError> {
        let value: Value =
            serde_json::from_str(text).map_err(|e| err(format!("not valid JSON: {e}")))?;
        let top: &Map<String, Value> = value.as_object().ok_or_else(|| {
            err(format!(
                "expected a JSON object keyed by division (england-and-wales, scotland, northern-ireland), found {}",
                type_name(&value)
            ))
        })?;
        if top.is_empty() {
            return Err(err("the file lists no divisions"));
        }
        let mut divisions = BTreeMap::new();
        for (key, value) in top {
            let division: Division = key.parse().map_err(|_| {
                err(format!(
                    "unknown division \"{key}\": expected england-and-wales, scotland or northern-ireland"
                ))
            })?;
            divisions.insert(division, parse_division(division, value)?);
        }
        Ok(ImportedHolidays { divisions })
    }

    /// Serialise back to the GOV.UK format, so an import can be stored and
    /// re-read losslessly.
    pub fn to_govuk_json(&self) -> String {
        let mut top = Map::new();
        for (division, events) in &self.divisions {
            let list: Vec<Value> = events
                .iter()
                .map(|(date, e)| {
                    let mut m = Map::new();
                    m.insert("title".into(), Value::String(e.title.clone()));
                    m.insert(
                        "date".into(),
                        Value::String(date.format("%Y-%m-%d").to_string()),
                    );
                    m.insert("notes".into(), Value::String(e.notes.clone()));
                    m.insert("bunting".into(), Value::Bool(e.bunting));
                    Value::Object(m)
                })
                .collect();
            let mut d = Map::new();
            d.insert("division".into(), Value::String(division.as_str().into()));
            d.insert("events".into(), Value::Array(list));
            top.insert(division.as_str().into(), Value::Object(d));
        }
        // Serialising a Value built from strings and booleans cannot fail;
        // an empty string is only a fallback to avoid a panic path.
        serde_json::to_string_pretty(&Value::Object(top)).unwrap_or_default()
    }

    /// Years with at least one imported event for the division.
    pub fn years(&self, division: Division) -> BTreeSet<i32> {
        self.divisions
            .get(&division)
            .map(|events| events.keys().map(|d| d.year()).collect())
            .unwrap_or_default()
    }

    /// Imported holidays of a division, sorted by date. A GOV.UK substitute
    /// day is named like a rule substitute so both read the same.
    pub fn holidays(&self, division: Division) -> Vec<Holiday> {
        self.divisions
            .get(&division)
            .map(|events| {
                events
                    .iter()
                    .map(|(date, e)| Holiday {
                        date: *date,
                        name: if e.notes.eq_ignore_ascii_case("substitute day") {
                            substitute_name(&e.title)
                        } else {
                            e.title.clone()
                        },
                        origin: Origin::Imported,
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Differences from the rules for every (division, year) the import
    /// covers, in division then date order.
    pub fn differences_from_rules(&self) -> Vec<Difference> {
        let mut out = Vec::new();
        for &division in self.divisions.keys() {
            let imported = self.holidays(division);
            for year in self.years(division) {
                let rules = rule_holidays(division, year);
                let in_year: Vec<&Holiday> =
                    imported.iter().filter(|h| h.date.year() == year).collect();
                for h in &in_year {
                    if !rules.iter().any(|r| r.date == h.date) {
                        out.push(Difference {
                            division,
                            date: h.date,
                            name: h.name.clone(),
                            kind: DifferenceKind::OnlyInImport,
                        });
                    }
                }
                for r in rules {
                    if !in_year.iter().any(|h| h.date == r.date) {
                        out.push(Difference {
                            division,
                            date: r.date,
                            name: r.name,
                            kind: DifferenceKind::OnlyInRules,
                        });
                    }
                }
            }
        }
        out.sort_by(|a, b| a.division.cmp(&b.division).then(a.date.cmp(&b.date)));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::Calendar;
    use proptest::prelude::*;

    /// GOV.UK bank-holidays.json events 2012–2027, merged from four
    /// snapshots found in public repositories (plawtr/week-9-test 2012–2015,
    /// Fishbowler/workingday-uk England and Wales 2012–2020,
    /// tillitinvest/interview-exercise-back-end 2017–2023,
    /// dmossop/bank-holidays-data 2019–2027 as of July 2025). They agree
    /// wherever they overlap (apart from one bunting flag). Scotland and
    /// Northern Ireland 2016 are missing from every snapshot found.
    const FIXTURE: &str = include_str!("testdata/govuk-2012-2027.json");

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
    }

    fn fixture() -> ImportedHolidays {
        match ImportedHolidays::parse_govuk_json(FIXTURE) {
            Ok(i) => i,
            Err(e) => panic!("fixture does not parse: {e}"),
        }
    }

    fn parse_err(text: &str) -> String {
        match ImportedHolidays::parse_govuk_json(text) {
            Ok(_) => panic!("accepted: {text}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn fixture_covers_the_years_claimed() {
        let imp = fixture();
        let ew: BTreeSet<i32> = (2012..=2027).collect();
        assert_eq!(imp.years(Division::EnglandAndWales), ew);
        for division in [Division::Scotland, Division::NorthernIreland] {
            let years: BTreeSet<i32> = (2012..=2027).filter(|&y| y != 2016).collect();
            assert_eq!(imp.years(division), years, "{division}");
        }
    }

    /// The strongest check on the rules: every date GOV.UK published for
    /// 2012–2027 in every division, compared date by date. The one known
    /// difference is Scotland's World Cup holiday, proclaimed in February
    /// 2026, after the newest snapshot was taken.
    #[test]
    fn rules_match_govuk_date_by_date() {
        let imp = fixture();
        for division in Division::ALL {
            for year in imp.years(division) {
                let want: Vec<NaiveDate> = imp
                    .holidays(division)
                    .into_iter()
                    .map(|h| h.date)
                    .filter(|d| d.year() == year)
                    .collect();
                let mut got: Vec<NaiveDate> = rule_holidays(division, year)
                    .into_iter()
                    .map(|h| h.date)
                    .collect();
                if division == Division::Scotland && year == 2026 {
                    got.retain(|&d| d != date(2026, 6, 15));
                }
                assert_eq!(got, want, "{division} {year}");
            }
        }
        let diffs = imp.differences_from_rules();
        assert_eq!(
            diffs,
            vec![Difference {
                division: Division::Scotland,
                date: date(2026, 6, 15),
                name: "World Cup bank holiday".into(),
                kind: DifferenceKind::OnlyInRules,
            }]
        );
        assert_eq!(
            diffs[0].to_string(),
            "scotland: Mon 15 Jun 2026 \"World Cup bank holiday\" is in the rules but not in the import"
        );
    }

    #[test]
    fn an_import_is_authoritative_for_its_years_only() {
        let imp = fixture();
        let cal = Calendar::new(Division::Scotland).with_imported(&imp);
        assert_eq!(
            cal.describe(),
            "Scotland bank holidays (rules; GOV.UK import for 2012–2015, 2017–2027)"
        );
        // The snapshot predates the World Cup proclamation, and the import
        // wins over the rules for 2026: that is what "authoritative" means,
        // and why differences_from_rules exists to flag it.
        assert!(cal.is_working_day(date(2026, 6, 15)));
        assert!(!Calendar::new(Division::Scotland).is_working_day(date(2026, 6, 15)));
        // 2016 is not in the import, so the rules still decide it.
        assert!(!cal.is_working_day(date(2016, 11, 30)));
        assert_eq!(
            cal.holidays_in_year(2016),
            rule_holidays(Division::Scotland, 2016)
        );
        assert!(cal
            .holidays_in_year(2025)
            .iter()
            .all(|h| h.origin == Origin::Imported));
    }

    #[test]
    fn round_trip_is_identical() {
        let imp = fixture();
        let again = ImportedHolidays::parse_govuk_json(&imp.to_govuk_json());
        assert_eq!(again.ok(), Some(imp));
    }

    #[test]
    fn imported_names_match_rule_names_for_substitutes() {
        let imp = fixture();
        let hs = imp.holidays(Division::EnglandAndWales);
        let boxing = hs.iter().find(|h| h.date == date(2026, 12, 28));
        assert_eq!(
            boxing.map(|h| h.name.as_str()),
            Some("Boxing Day (substitute day)")
        );
        assert!(hs.iter().all(|h| h.origin == Origin::Imported));
    }

    fn with_ew_2026(events: &str) -> String {
        format!(r#"{{"england-and-wales":{{"division":"england-and-wales","events":[{events}]}}}}"#)
    }

    const EW_2026: &str = r#"
        {"title":"New Year’s Day","date":"2026-01-01","notes":"","bunting":true},
        {"title":"Good Friday","date":"2026-04-03","notes":"","bunting":false},
        {"title":"Easter Monday","date":"2026-04-06","notes":"","bunting":true},
        {"title":"Early May bank holiday","date":"2026-05-04","notes":"","bunting":true},
        {"title":"Spring bank holiday","date":"2026-05-25","notes":"","bunting":true},
        {"title":"Summer bank holiday","date":"2026-08-31","notes":"","bunting":true},
        {"title":"Christmas Day","date":"2026-12-25","notes":"","bunting":true}"#;

    #[test]
    fn import_dropping_a_rule_holiday_changes_deadlines() {
        // Boxing Day (substitute, Mon 28 Dec) left out of the import.
        let imp = match ImportedHolidays::parse_govuk_json(&with_ew_2026(EW_2026)) {
            Ok(i) => i,
            Err(e) => panic!("{e}"),
        };
        let rules = Calendar::new(Division::EnglandAndWales);
        let cal = rules.clone().with_imported(&imp);
        let start = date(2026, 12, 18);
        assert_eq!(rules.add_working_days(start, 5), date(2026, 12, 29));
        assert_eq!(cal.add_working_days(start, 5), date(2026, 12, 28));
        assert!(cal.is_working_day(date(2026, 12, 28)));
        // Other years still come from the rules.
        assert!(!cal.is_working_day(date(2027, 12, 28)));
        assert_eq!(
            cal.describe(),
            "England and Wales bank holidays (rules; GOV.UK import for 2026)"
        );
        let diffs = imp.differences_from_rules();
        assert_eq!(diffs.len(), 1);
        assert_eq!(diffs[0].kind, DifferenceKind::OnlyInRules);
        assert_eq!(diffs[0].date, date(2026, 12, 28));
    }

    #[test]
    fn import_adding_a_holiday_changes_deadlines() {
        let events = format!(
            r#"{EW_2026},
            {{"title":"Boxing Day","date":"2026-12-28","notes":"Substitute day","bunting":true}},
            {{"title":"Extra bank holiday","date":"2026-12-22","notes":"","bunting":true}}"#
        );
        let imp = match ImportedHolidays::parse_govuk_json(&with_ew_2026(&events)) {
            Ok(i) => i,
            Err(e) => panic!("{e}"),
        };
        let cal = Calendar::new(Division::EnglandAndWales).with_imported(&imp);
        assert_eq!(
            cal.add_working_days(date(2026, 12, 18), 5),
            date(2026, 12, 30)
        );
        assert_eq!(
            cal.non_working_reason(date(2026, 12, 22)).as_deref(),
            Some("Extra bank holiday")
        );
        let diffs: Vec<String> = imp
            .differences_from_rules()
            .iter()
            .map(|d| d.to_string())
            .collect();
        assert_eq!(
            diffs,
            vec!["england-and-wales: Tue 22 Dec 2026 \"Extra bank holiday\" is in the import but not in the rules"]
        );
    }

    #[test]
    fn malformed_inputs_say_what_and_where() {
        let cases: Vec<(String, &[&str])> = vec![
            ("not json".into(), &["not valid JSON"]),
            ("[]".into(), &["expected a JSON object", "an array"]),
            ("{}".into(), &["no divisions"]),
            (
                r#"{"wales":{"events":[]}}"#.into(),
                &["unknown division \"wales\""],
            ),
            (
                r#"{"scotland":[]}"#.into(),
                &["scotland", "expected an object"],
            ),
            (
                r#"{"scotland":{}}"#.into(),
                &["scotland", "missing \"events\""],
            ),
            (
                r#"{"scotland":{"events":{}}}"#.into(),
                &["scotland", "\"events\" must be an array"],
            ),
            (
                r#"{"scotland":{"events":[]}}"#.into(),
                &["scotland", "\"events\" is empty"],
            ),
            (
                r#"{"scotland":{"division":"england-and-wales","events":[]}}"#.into(),
                &["scotland", "\"division\""],
            ),
            (
                with_ew_2026(r#"{"title":"A","date":"2026-02-30"}"#),
                &[
                    "england-and-wales, event 0",
                    "2026-02-30",
                    "not a real date",
                ],
            ),
            (
                with_ew_2026(r#"{"title":"A","date":"2026-2-3"}"#),
                &["event 0", "YYYY-MM-DD"],
            ),
            (
                with_ew_2026(r#"{"title":"A","date":"2026-01-01"},{"date":"2026-01-02"}"#),
                &["england-and-wales, event 1", "missing \"title\""],
            ),
            (
                with_ew_2026(r#"{"title":"  ","date":"2026-01-02"}"#),
                &["event 0", "\"title\" is empty"],
            ),
            (
                with_ew_2026(r#"{"title":7,"date":"2026-01-02"}"#),
                &["event 0", "\"title\" must be a string", "a number"],
            ),
            (
                with_ew_2026(r#"{"title":"A"}"#),
                &["event 0", "missing \"date\""],
            ),
            (
                with_ew_2026(r#"{"title":"A","date":20260101}"#),
                &["event 0", "\"date\" must be a string"],
            ),
            (
                with_ew_2026(r#"{"title":"A","date":"2026-01-01","bunting":"yes"}"#),
                &["event 0", "\"bunting\""],
            ),
            (
                with_ew_2026(r#"{"title":"A","date":"2026-01-01","notes":1}"#),
                &["event 0", "\"notes\""],
            ),
            (
                with_ew_2026(
                    r#"{"title":"A","date":"2026-01-01"},{"title":"B","date":"2026-01-01"}"#,
                ),
                &["event 1", "listed twice"],
            ),
            (with_ew_2026(r#""x""#), &["event 0", "expected an object"]),
        ];
        for (text, needles) in cases {
            let msg = parse_err(&text);
            assert!(
                msg.starts_with("cannot import GOV.UK bank holidays: "),
                "{msg}"
            );
            for needle in needles {
                assert!(msg.contains(needle), "{text}\n-> {msg}\n(missing {needle})");
            }
        }
    }

    #[test]
    fn optional_fields_may_be_absent() {
        let text =
            r#"{"northern-ireland":{"events":[{"title":"St Patrick’s Day","date":"2026-03-17"}]}}"#;
        let imp = ImportedHolidays::parse_govuk_json(text).ok();
        let years = imp.map(|i| i.years(Division::NorthernIreland));
        assert_eq!(years, Some([2026].into()));
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: 1024,
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        #[test]
        fn parse_never_panics(text in ".{0,200}") {
            let _ = ImportedHolidays::parse_govuk_json(&text);
        }

        #[test]
        fn parse_never_panics_on_near_miss_json(
            key in prop::sample::select(vec!["england-and-wales", "scotland", "northern-ireland", "x"]),
            title in ".{0,12}",
            date in "[0-9+-]{0,12}",
            bunting in prop::sample::select(vec!["true", "1", "null", "\"b\""]),
        ) {
            let text = format!(
                r#"{{"{key}":{{"events":[{{"title":{},"date":{},"bunting":{bunting}}}]}}}}"#,
                serde_json::to_string(&title).unwrap_or_default(),
                serde_json::to_string(&date).unwrap_or_default(),
            );
            let _ = ImportedHolidays::parse_govuk_json(&text);
        }
    }
}
