//! The `Calendar`: which days are working days for one division (rules,
//! one-offs, a GOV.UK import and local closures combined) and the
//! working-day arithmetic deadlines are computed with.
//!
//! Status screens ask about tens of thousands of dates, so the years
//! 1990–2110 are precomputed into a running count of working days: a
//! lookup or a count between two dates in that range is two array reads,
//! and "the Nth working day after" is a binary search. Dates outside the
//! range are still answered correctly, by computing their year on demand.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use chrono::{Datelike, Days, NaiveDate, Weekday};

use super::govuk::ImportedHolidays;
use super::rules::rule_holidays;
use super::{Division, Holiday, Origin};

const FIRST_YEAR: i32 = 1990;
const LAST_YEAR: i32 = 2110;

/// Working days for one division.
#[derive(Clone, Debug)]
pub struct Calendar {
    // Shared because a calendar is cloned into every computation that needs
    // one and the precomputed table is a few hundred kilobytes.
    inner: Arc<Inner>,
}

struct Inner {
    division: Division,
    /// Years the import covers for this division, with its holidays.
    imported: BTreeMap<i32, Vec<Holiday>>,
    closures: BTreeMap<NaiveDate, String>,
    first: NaiveDate,
    last: NaiveDate,
    /// `cum[i]` = working days among the first `i` days of the range.
    cum: Vec<u32>,
    /// Why each non-weekend day off in the range is off.
    reasons: HashMap<NaiveDate, String>,
    /// See `Calendar::fingerprint`.
    fingerprint: u64,
}

// By hand, because the derived form would print the whole day table.
impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Calendar")
            .field("division", &self.division)
            .field("imported_years", &self.imported.keys().collect::<Vec<_>>())
            .field("closures", &self.closures)
            .finish_non_exhaustive()
    }
}

fn jan1(year: i32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, 1, 1)
}

fn dec31(year: i32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, 12, 31)
}

fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

fn weekend_name(date: NaiveDate) -> Option<&'static str> {
    match date.weekday() {
        Weekday::Sat => Some("Saturday"),
        Weekday::Sun => Some("Sunday"),
        _ => None,
    }
}

/// Monday-to-Friday days in [a, b], without walking the range.
fn weekdays_between_inclusive(a: NaiveDate, b: NaiveDate) -> i64 {
    if b < a {
        return 0;
    }
    let days = (b - a).num_days() + 1;
    let mut count = (days / 7) * 5;
    let start = i64::from(a.weekday().num_days_from_monday());
    for k in 0..(days % 7) {
        if (start + k) % 7 < 5 {
            count += 1;
        }
    }
    count
}

fn closure_reason(reason: &str) -> String {
    format!("Local closure: {reason}")
}

/// Years as a short list with runs collapsed: "2012–2015, 2017–2027".
fn year_ranges(years: &BTreeSet<i32>) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut iter = years.iter().copied().peekable();
    while let Some(start) = iter.next() {
        let mut end = start;
        while let Some(&next) = iter.peek() {
            if Some(next) == end.checked_add(1) {
                end = next;
                iter.next();
            } else {
                break;
            }
        }
        parts.push(if start == end {
            start.to_string()
        } else {
            format!("{start}–{end}")
        });
    }
    parts.join(", ")
}

impl Inner {
    fn build(
        division: Division,
        imported: BTreeMap<i32, Vec<Holiday>>,
        closures: BTreeMap<NaiveDate, String>,
    ) -> Inner {
        let first = jan1(FIRST_YEAR).unwrap_or(NaiveDate::MIN);
        let last = dec31(LAST_YEAR).unwrap_or(NaiveDate::MIN);
        let mut inner = Inner {
            division,
            imported,
            closures,
            first,
            last,
            cum: Vec::new(),
            reasons: HashMap::new(),
            fingerprint: 0,
        };
        let mut reasons = HashMap::new();
        for year in FIRST_YEAR..=LAST_YEAR {
            for h in inner.holidays_in_year(year) {
                let reason = match h.origin {
                    Origin::Closure => closure_reason(&h.name),
                    _ => h.name,
                };
                reasons.insert(h.date, reason);
            }
        }
        let len = usize::try_from((last - first).num_days() + 1).unwrap_or(0);
        // Days off by position: looking each of the 44,000 days up in `reasons`
        // was a third of the start-up of every command.
        let mut off = vec![false; len];
        for date in reasons.keys() {
            if let Some(i) = inner.index(*date) {
                off[i] = true;
            }
        }
        let mut cum = Vec::with_capacity(len + 1);
        let mut running = 0u32;
        cum.push(running);
        for (date, off) in first.iter_days().zip(off) {
            if !off && !is_weekend(date) {
                running += 1;
            }
            cum.push(running);
        }
        inner.cum = cum;
        inner.reasons = reasons;
        inner.fingerprint = inner.fingerprint();
        inner
    }

    /// Everything working days are reckoned from: the division, its imported
    /// years, its closures and the day table they give.
    fn fingerprint(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::hash::DefaultHasher::new();
        format!(
            "{:?} {:?} {:?}",
            self.division, self.imported, self.closures
        )
        .hash(&mut h);
        self.cum.hash(&mut h);
        h.finish()
    }

    fn bank_holidays(&self, year: i32) -> Vec<Holiday> {
        match self.imported.get(&year) {
            Some(list) => list.clone(),
            None => rule_holidays(self.division, year),
        }
    }

    fn holidays_in_year(&self, year: i32) -> Vec<Holiday> {
        let mut out = self.bank_holidays(year);
        let taken: BTreeSet<NaiveDate> = out.iter().map(|h| h.date).collect();
        if let (Some(a), Some(b)) = (jan1(year), dec31(year)) {
            for (date, reason) in self.closures.range(a..=b) {
                // A closure on a bank holiday changes nothing; the bank
                // holiday is the better explanation.
                if !taken.contains(date) {
                    out.push(Holiday {
                        date: *date,
                        name: reason.clone(),
                        origin: Origin::Closure,
                    });
                }
            }
        }
        out.sort_by_key(|x| x.date);
        out
    }

    fn index(&self, date: NaiveDate) -> Option<usize> {
        if date < self.first || date > self.last {
            return None;
        }
        usize::try_from((date - self.first).num_days()).ok()
    }

    fn date_at(&self, index: usize) -> Option<NaiveDate> {
        self.first
            .checked_add_days(Days::new(u64::try_from(index).ok()?))
    }

    fn is_working_day(&self, date: NaiveDate) -> bool {
        match self.index(date) {
            Some(i) => self.cum[i + 1] > self.cum[i],
            None => {
                !is_weekend(date)
                    && self
                        .holidays_in_year(date.year())
                        .iter()
                        .all(|h| h.date != date)
            }
        }
    }

    /// Working days in [a, b] for dates outside the precomputed range, a
    /// year at a time so that far-off dates do not mean walking every day.
    fn count_outside(&self, a: NaiveDate, b: NaiveDate) -> i64 {
        let mut total = 0;
        for year in a.year()..=b.year() {
            let lo = jan1(year).map_or(a, |d| d.max(a));
            let hi = dec31(year).map_or(b, |d| d.min(b));
            if hi < lo {
                continue;
            }
            let off = self
                .holidays_in_year(year)
                .iter()
                .filter(|h| h.date >= lo && h.date <= hi && !is_weekend(h.date))
                .count();
            total += weekdays_between_inclusive(lo, hi) - i64::try_from(off).unwrap_or(0);
        }
        total
    }

    /// Working days in [a, b] (0 when b < a).
    fn count_inclusive(&self, a: NaiveDate, b: NaiveDate) -> i64 {
        if b < a {
            return 0;
        }
        let mut total = 0;
        let mut cur = a;
        if cur < self.first {
            let before = self.first.pred_opt().unwrap_or(self.first);
            let end = b.min(before);
            total += self.count_outside(cur, end);
            if b < self.first {
                return total;
            }
            cur = self.first;
        }
        if cur <= self.last {
            let end = b.min(self.last);
            if let (Some(i), Some(j)) = (self.index(cur), self.index(end)) {
                total += i64::from(self.cum[j + 1]) - i64::from(self.cum[i]);
            }
            if b <= self.last {
                return total;
            }
            cur = match self.last.succ_opt() {
                Some(d) => d,
                None => return total,
            };
        }
        total + self.count_outside(cur, b)
    }

    /// The `n`th working day strictly after `start` (n >= 1), saturating at
    /// the last date chrono can represent.
    fn nth_after(&self, start: NaiveDate, n: u32) -> NaiveDate {
        let mut remaining = i64::from(n);
        let mut cur = start;
        loop {
            let Some(next) = cur.succ_opt() else {
                return NaiveDate::MAX;
            };
            if let Some(i) = self.index(next) {
                let base = i64::from(self.cum[i]);
                let total = i64::from(self.cum[self.cum.len() - 1]);
                let target = base + remaining;
                if target <= total {
                    // Smallest k with cum[k] >= target: the day at index k-1
                    // is the one that brings the count to `target`.
                    let k = self.cum.partition_point(|&c| i64::from(c) < target);
                    return k
                        .checked_sub(1)
                        .and_then(|idx| self.date_at(idx))
                        .unwrap_or(NaiveDate::MAX);
                }
                remaining -= total - base;
                cur = self.last;
                continue;
            }
            // Outside the table: skip whole years (stopping at the table)
            // until the answer is inside the current one.
            let mut chunk_end = dec31(next.year()).unwrap_or(NaiveDate::MAX);
            if next < self.first {
                chunk_end = chunk_end.min(self.first.pred_opt().unwrap_or(self.first));
            }
            let in_chunk = self.count_outside(next, chunk_end);
            if in_chunk >= remaining {
                for day in next.iter_days() {
                    if self.is_working_day(day) {
                        remaining -= 1;
                        if remaining == 0 {
                            return day;
                        }
                    }
                    if day >= chunk_end {
                        break;
                    }
                }
                return chunk_end;
            }
            remaining -= in_chunk;
            if chunk_end == NaiveDate::MAX {
                return NaiveDate::MAX;
            }
            cur = chunk_end;
        }
    }
}

impl Calendar {
    pub fn new(division: Division) -> Calendar {
        Calendar {
            inner: Arc::new(Inner::build(division, BTreeMap::new(), BTreeMap::new())),
        }
    }

    /// For every year the import covers for this calendar's division, the
    /// imported list replaces the rules entirely (it is authoritative).
    pub fn with_imported(self, imported: &ImportedHolidays) -> Calendar {
        let division = self.inner.division;
        let mut years = self.inner.imported.clone();
        let mut fresh: BTreeMap<i32, Vec<Holiday>> = BTreeMap::new();
        for h in imported.holidays(division) {
            fresh.entry(h.date.year()).or_default().push(h);
        }
        // A later import replaces an earlier one year by year.
        years.extend(fresh);
        Calendar {
            inner: Arc::new(Inner::build(division, years, self.inner.closures.clone())),
        }
    }

    /// Local closure days (e.g. an office closed between Christmas and New
    /// Year); not working days.
    pub fn with_closures(
        self,
        closures: impl IntoIterator<Item = (NaiveDate, String)>,
    ) -> Calendar {
        let mut all = self.inner.closures.clone();
        all.extend(closures);
        Calendar {
            inner: Arc::new(Inner::build(
                self.inner.division,
                self.inner.imported.clone(),
                all,
            )),
        }
    }

    /// Differs between calendars that may count working days differently, so
    /// deadlines kept in the status cache are used only under the calendar they
    /// were computed with. Stable within one build (which is all the cache,
    /// stamped with its build, needs).
    pub fn fingerprint(&self) -> u64 {
        self.inner.fingerprint
    }

    /// Years for which the GOV.UK import, not the rules, decides.
    pub fn imported_years(&self) -> BTreeSet<i32> {
        self.inner.imported.keys().copied().collect()
    }

    /// One line naming what produced the working days, e.g. "England and
    /// Wales bank holidays (rules; GOV.UK import for 2025–2027) and 3 local
    /// closure days".
    pub fn describe(&self) -> String {
        let mut out = format!("{} bank holidays (rules", self.inner.division.title());
        let years = self.imported_years();
        if !years.is_empty() {
            out.push_str("; GOV.UK import for ");
            out.push_str(&year_ranges(&years));
        }
        out.push(')');
        match self.inner.closures.len() {
            0 => {}
            1 => out.push_str(" and 1 local closure day"),
            n => out.push_str(&format!(" and {n} local closure days")),
        }
        out
    }

    /// Effective non-working days other than weekends in that year (bank
    /// holidays from import or rules, plus closures), sorted.
    pub fn holidays_in_year(&self, year: i32) -> Vec<Holiday> {
        self.inner.holidays_in_year(year)
    }

    /// Why a day is not a working day: "Saturday", "Sunday", the holiday's
    /// name, or "Local closure: <reason>". None for a working day.
    pub fn non_working_reason(&self, date: NaiveDate) -> Option<String> {
        if let Some(day) = weekend_name(date) {
            return Some(day.to_string());
        }
        if self.inner.index(date).is_some() {
            return self.inner.reasons.get(&date).cloned();
        }
        self.inner
            .holidays_in_year(date.year())
            .into_iter()
            .find(|h| h.date == date)
            .map(|h| match h.origin {
                Origin::Closure => closure_reason(&h.name),
                _ => h.name,
            })
    }

    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        self.inner.is_working_day(date)
    }

    /// The Nth working day strictly after `start` (start itself is not
    /// counted). n == 0 means same_working_day(start). Saturates at
    /// `NaiveDate::MAX` rather than panicking for absurd inputs.
    pub fn add_working_days(&self, start: NaiveDate, n: u32) -> NaiveDate {
        if n == 0 {
            return self.same_working_day(start);
        }
        self.inner.nth_after(start, n)
    }

    /// `date` if it is a working day, else the next working day.
    pub fn same_working_day(&self, date: NaiveDate) -> NaiveDate {
        if self.is_working_day(date) {
            return date;
        }
        self.inner.nth_after(date, 1)
    }

    /// Number of working days in the half-open range (a, b]; if b < a,
    /// minus the number in (b, a].
    pub fn working_days_between(&self, a: NaiveDate, b: NaiveDate) -> i64 {
        if a <= b {
            match a.succ_opt() {
                Some(from) => self.inner.count_inclusive(from, b),
                None => 0,
            }
        } else {
            match b.succ_opt() {
                Some(from) => -self.inner.count_inclusive(from, a),
                None => 0,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::sync::OnceLock;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
    }

    fn calendars() -> &'static [Calendar; 3] {
        static CALS: OnceLock<[Calendar; 3]> = OnceLock::new();
        CALS.get_or_init(|| Division::ALL.map(Calendar::new))
    }

    fn ew() -> &'static Calendar {
        &calendars()[0]
    }

    /// The obvious day-by-day definition, to check the fast paths against.
    fn slow_count(cal: &Calendar, a: NaiveDate, b: NaiveDate) -> i64 {
        let (lo, hi, sign) = if a <= b { (a, b, 1) } else { (b, a, -1) };
        let mut n = 0;
        let mut d = lo;
        while d < hi {
            d = d.succ_opt().unwrap_or(hi);
            let off = is_weekend(d) || cal.holidays_in_year(d.year()).iter().any(|h| h.date == d);
            if !off {
                n += 1;
            }
        }
        sign * n
    }

    #[test]
    fn pinned_england_and_wales_examples() {
        let cal = ew();
        assert_eq!(
            cal.add_working_days(date(2026, 12, 18), 5),
            date(2026, 12, 29)
        );
        assert_eq!(cal.add_working_days(date(2027, 3, 24), 5), date(2027, 4, 2));
        assert_eq!(cal.same_working_day(date(2026, 12, 19)), date(2026, 12, 21));
        assert_eq!(
            cal.add_working_days(date(2026, 12, 19), 0),
            date(2026, 12, 21)
        );
        assert_eq!(
            cal.add_working_days(date(2026, 12, 21), 0),
            date(2026, 12, 21)
        );
    }

    #[test]
    fn reasons_name_the_day() {
        let cal = ew();
        assert_eq!(
            cal.non_working_reason(date(2026, 12, 19)).as_deref(),
            Some("Saturday")
        );
        assert_eq!(
            cal.non_working_reason(date(2026, 12, 20)).as_deref(),
            Some("Sunday")
        );
        assert_eq!(
            cal.non_working_reason(date(2026, 12, 28)).as_deref(),
            Some("Boxing Day (substitute day)")
        );
        assert_eq!(
            cal.non_working_reason(date(2027, 3, 26)).as_deref(),
            Some("Good Friday")
        );
        assert_eq!(cal.non_working_reason(date(2026, 12, 29)), None);
        // Outside the precomputed range the answer is computed the same way.
        assert_eq!(
            cal.non_working_reason(date(2200, 12, 25)).as_deref(),
            Some("Christmas Day")
        );
        assert!(!cal.is_working_day(date(2200, 12, 25)));
        assert!(!cal.is_working_day(date(1900, 12, 25)));
    }

    #[test]
    fn closures_are_not_working_days_and_say_why() {
        let cal = Calendar::new(Division::EnglandAndWales).with_closures([
            (date(2026, 12, 29), "Office closed".to_string()),
            (date(2026, 12, 30), "Office closed".to_string()),
            (date(2026, 12, 25), "Also Christmas".to_string()),
        ]);
        assert!(!cal.is_working_day(date(2026, 12, 29)));
        assert_eq!(
            cal.non_working_reason(date(2026, 12, 30)).as_deref(),
            Some("Local closure: Office closed")
        );
        assert_eq!(
            cal.non_working_reason(date(2026, 12, 25)).as_deref(),
            Some("Christmas Day")
        );
        assert_eq!(
            cal.add_working_days(date(2026, 12, 18), 5),
            date(2026, 12, 31)
        );
        let year = cal.holidays_in_year(2026);
        assert_eq!(year.len(), 10);
        assert!(year.windows(2).all(|w| w[0].date < w[1].date));
        assert!(cal.describe().ends_with("and 3 local closure days"));
    }

    #[test]
    fn debug_output_stays_short() {
        assert!(format!("{:?}", ew()).len() < 200);
    }

    #[test]
    fn describe_names_the_sources() {
        assert_eq!(ew().describe(), "England and Wales bank holidays (rules)");
        let one = Calendar::new(Division::Scotland)
            .with_closures([(date(2026, 12, 29), "x".to_string())]);
        assert_eq!(
            one.describe(),
            "Scotland bank holidays (rules) and 1 local closure day"
        );
        let years: BTreeSet<i32> = [2012, 2013, 2014, 2017, 2019, 2020].into();
        assert_eq!(year_ranges(&years), "2012–2014, 2017, 2019–2020");
    }

    #[test]
    fn counts_across_and_outside_the_table_match_walking() {
        let cal = ew();
        for (a, b) in [
            (date(1989, 12, 1), date(1990, 1, 10)),
            (date(2110, 12, 1), date(2111, 1, 10)),
            (date(1985, 3, 1), date(1992, 7, 9)),
            (date(2108, 3, 1), date(2115, 7, 9)),
            (date(2026, 1, 1), date(2026, 12, 31)),
            (date(2027, 4, 2), date(2026, 12, 18)),
        ] {
            assert_eq!(
                cal.working_days_between(a, b),
                slow_count(cal, a, b),
                "{a}..{b}"
            );
        }
        assert_eq!(
            cal.working_days_between(date(2026, 5, 1), date(2026, 5, 1)),
            0
        );
    }

    #[test]
    fn add_working_days_across_the_table_edges() {
        let cal = ew();
        for start in [
            date(1989, 12, 20),
            date(2110, 12, 20),
            date(1700, 6, 1),
            date(2500, 6, 1),
        ] {
            for n in [1u32, 5, 10, 40, 400] {
                let end = cal.add_working_days(start, n);
                assert!(cal.is_working_day(end), "{start} + {n} = {end}");
                assert_eq!(
                    cal.working_days_between(start, end),
                    i64::from(n),
                    "{start} + {n}"
                );
            }
        }
    }

    #[test]
    fn extreme_inputs_do_not_panic() {
        let cal = ew();
        let _ = cal.add_working_days(NaiveDate::MAX, 3);
        let _ = cal.add_working_days(date(262_000, 1, 1), u32::MAX);
        let _ = cal.same_working_day(NaiveDate::MAX);
        let _ = cal.working_days_between(NaiveDate::MIN, NaiveDate::MIN);
        let _ = cal.working_days_between(NaiveDate::MAX, NaiveDate::MAX);
        let _ = cal.working_days_between(date(-5000, 1, 1), date(-4000, 1, 1));
        let _ = cal.non_working_reason(NaiveDate::MIN);
        let _ = cal.is_working_day(NaiveDate::MAX);
    }

    #[test]
    fn huge_spans_are_counted_quickly() {
        let cal = ew();
        let n = cal.working_days_between(date(2000, 1, 1), date(102_000, 1, 1));
        assert!(n > 0);
        let far = cal.add_working_days(date(2000, 1, 1), 10_000_000);
        assert!(far.year() > 30_000);
    }

    fn any_date() -> impl Strategy<Value = NaiveDate> {
        let first = date(2000, 1, 1);
        let span = (date(2100, 12, 31) - first).num_days();
        (0..=span).prop_map(move |k| first + chrono::Duration::days(k))
    }

    proptest! {
        // Failures are not persisted to a file: the regression directory
        // would land outside this module, and a failing input is printed.
        #![proptest_config(ProptestConfig {
            cases: 512,
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        #[test]
        fn add_working_days_is_consistent(start in any_date(), n in 0u32..=40, which in 0usize..3) {
            let cal = &calendars()[which];
            let end = cal.add_working_days(start, n);
            prop_assert!(cal.is_working_day(end));
            prop_assert!(end >= start);
            if n >= 1 {
                prop_assert!(end > start);
                prop_assert_eq!(cal.working_days_between(start, end), i64::from(n));
                let before = end.pred_opt().unwrap_or(end);
                prop_assert_eq!(cal.working_days_between(start, before), i64::from(n) - 1);
                prop_assert_eq!(cal.working_days_between(end, start), -i64::from(n));
            } else {
                let expected = i64::from(!cal.is_working_day(start));
                prop_assert_eq!(cal.working_days_between(start, end), expected);
            }
            // Monotonic in n (strictly once n >= 1: day 0 of a weekend start
            // and day 1 are the same Monday) and in the start date.
            let next_n = cal.add_working_days(start, n + 1);
            let increases = if n >= 1 { next_n > end } else { next_n >= end };
            prop_assert!(increases, "n={} gives {}, n+1 gives {}", n, end, next_n);
            let next_start = start.succ_opt().unwrap_or(start);
            prop_assert!(cal.add_working_days(next_start, n) >= end);
        }

        #[test]
        fn counting_matches_walking(a in any_date(), len in -60i64..=60, which in 0usize..3) {
            let cal = &calendars()[which];
            let b = a + chrono::Duration::days(len);
            prop_assert_eq!(cal.working_days_between(a, b), slow_count(cal, a, b));
        }

        #[test]
        fn a_closure_pushes_the_deadline_by_exactly_one_day(start in any_date(), n in 1u32..=40, pick in 0u32..40, which in 0usize..3) {
            let cal = &calendars()[which];
            let end = cal.add_working_days(start, n);
            // Close one of the working days the deadline counted.
            let closed = cal.add_working_days(start, 1 + pick % n);
            let closed_cal = cal.clone().with_closures([(closed, "closed".to_string())]);
            prop_assert!(!closed_cal.is_working_day(closed));
            prop_assert_eq!(closed_cal.add_working_days(start, n), cal.add_working_days(start, n + 1));
            // A closure after the deadline changes nothing.
            let later = cal.add_working_days(end, 1);
            let later_cal = cal.clone().with_closures([(later, "closed".to_string())]);
            prop_assert_eq!(later_cal.add_working_days(start, n), end);
        }
    }
}
