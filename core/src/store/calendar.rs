//! The calendar state kept in the data directory, and the per-process cache of
//! the calendars built from it. Layout:
//!
//! ```text
//! <dir>/calendar/bank-holidays.json      the last GOV.UK import, re-serialised
//! <dir>/calendar/bank-holidays.json.bak  the import it replaced
//! <dir>/calendar/closures.json           local closure days with reasons
//! <dir>/calendar/closures.json.bak       the closure list before the last change
//! <dir>/calendar/partnership-closures.json  closure days shared partnership-wide
//! <dir>/calendar/.lock                   held while either file is rewritten
//! ```
//!
//! These are replaceable state, not journals: each change writes the whole file
//! under a temporary name and renames it into place, so a reader sees the old file
//! or the new one, never half of one. The previous version is kept as `.bak` so a
//! mistaken import or reopen can be undone by renaming one file.
//!
//! A stored file that does not read back is an `Error::DamagedFile` (exit 3) for
//! every command: each deadline depends on it, and computing deadlines without it
//! would show dates that look right and are not. Nothing here prints; the
//! `calendar` command renders what these functions return.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use crate::calendar::{Calendar, CalendarError, Division, ImportedHolidays};
use crate::domain::clock::{self, Instant};
use crate::error::{Error, Hint, Result};
use crate::store::{fsutil, layout};

const CLOSURES_FORMAT: u32 = 1;

/// GOV.UK's file is about 20 KB; anything this large is not one.
pub const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;

/// Longest closure range accepted in one command, in calendar days (inclusive).
/// A year and a day covers any real office closure; a longer one is a typo.
pub(crate) const MAX_CLOSURE_DAYS: i64 = 366;

const LOCK_WAIT: Duration = Duration::from_secs(10);

/// One local closure day: not a working day in any division.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClosureDay {
    pub date: NaiveDate,
    pub reason: String,
    /// When it was recorded and by whom, so a colleague can ask why.
    #[serde(with = "crate::domain::clock::rfc3339")]
    pub added: Instant,
    pub by: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClosuresFile {
    format: u32,
    closures: Vec<ClosureDay>,
}

/// What the data directory says about working days, as read from its files.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LocalCalendar {
    pub imported: Option<ImportedHolidays>,
    pub closures: BTreeMap<NaiveDate, ClosureDay>,
}

impl LocalCalendar {
    /// The current calendar of a division: rules and one-offs, overridden by the
    /// import for the years it covers, less the closure days.
    pub fn calendar(&self, division: Division) -> Calendar {
        let mut cal = Calendar::new(division);
        if let Some(imported) = &self.imported {
            cal = cal.with_imported(imported);
        }
        if !self.closures.is_empty() {
            cal = cal.with_closures(self.closures.values().map(|c| (c.date, c.reason.clone())));
        }
        cal
    }
}

/// The calendars of one process: the stored state read once, and each
/// division's calendar built the first time it is asked for, because `status`
/// asks once per dispute and building one precomputes a century of days.
#[derive(Debug, Default)]
pub struct Calendars {
    local: LocalCalendar,
    built: [OnceLock<Calendar>; 3],
}

impl Calendars {
    /// Read the calendar files of a data directory (none yet is fine).
    pub fn load(root: &Path) -> Result<Calendars> {
        Ok(Calendars::from_local(CalendarFiles::new(root).read()?))
    }

    pub fn from_local(local: LocalCalendar) -> Calendars {
        Calendars {
            local,
            built: Default::default(),
        }
    }

    pub fn local(&self) -> &LocalCalendar {
        &self.local
    }

    pub fn get(&self, division: Division) -> Calendar {
        let slot = match division {
            Division::EnglandAndWales => &self.built[0],
            Division::Scotland => &self.built[1],
            Division::NorthernIreland => &self.built[2],
        };
        slot.get_or_init(|| self.local.calendar(division)).clone()
    }
}

/// The calendar files of one data directory.
#[derive(Clone, Debug)]
pub struct CalendarFiles {
    root: PathBuf,
    /// `close` and `reopen` change the partnership-wide closure days, not this
    /// agency's own.
    partnership: bool,
}

/// What storing an import did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stored {
    pub path: PathBuf,
    /// Where the previous import was kept, if there was one and it differed.
    pub backup: Option<PathBuf>,
    /// False when the stored import already said exactly this.
    pub changed: bool,
}

/// What a `close` did, day by day.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CloseOutcome {
    /// Days newly closed.
    pub added: Vec<NaiveDate>,
    /// Days already closed whose reason was replaced.
    pub updated: Vec<NaiveDate>,
    /// Days already closed for this reason.
    pub unchanged: Vec<NaiveDate>,
    /// Saturdays and Sundays in the range, not stored: never working days.
    pub weekends: Vec<NaiveDate>,
    pub closures: LocalCalendar,
}

/// What a `reopen` did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReopenOutcome {
    pub removed: Vec<ClosureDay>,
    pub closures: LocalCalendar,
}

fn damaged(path: &Path, what: impl Into<String>) -> Error {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    Error::damaged_file(
        path,
        what,
        Hint::RestoreCalendarFile {
            name: name.to_owned(),
            bank_holidays: name == layout::BANK_HOLIDAYS,
        },
    )
}

/// A stored calendar file's text; `None` if there is none yet. FIFOs and devices
/// are refused, never waited on; links are followed, as they always have been.
fn read_stored(path: &Path) -> Result<Option<String>> {
    let bytes = match fsutil::read_limited(path, MAX_FILE_BYTES, fsutil::Links::Follow) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::IsADirectory | std::io::ErrorKind::InvalidInput
            ) =>
        {
            return Err(damaged(path, "it is not a regular file"))
        }
        Err(e) if e.kind() == std::io::ErrorKind::FileTooLarge => {
            return Err(damaged(path, e.to_string()))
        }
        Err(e) => return Err(Error::io(format!("could not read {}", path.display()), e)),
    };
    String::from_utf8(bytes)
        .map(Some)
        .map_err(|_| damaged(path, "it is not UTF-8 text"))
}

fn import_message(e: CalendarError) -> String {
    match e {
        CalendarError::Import(what) => what,
        other => other.to_string(),
    }
}

fn parse_closures(path: &Path, text: &str) -> Result<BTreeMap<NaiveDate, ClosureDay>> {
    let file: ClosuresFile =
        serde_json::from_str(text).map_err(|e| damaged(path, e.to_string()))?;
    if file.format != CLOSURES_FORMAT {
        return Err(damaged(
            path,
            format!(
                "it is format {}, and this version of escalate reads format {CLOSURES_FORMAT}",
                file.format
            ),
        ));
    }
    let mut out = BTreeMap::new();
    for (i, day) in file.closures.into_iter().enumerate() {
        if day.reason.trim().is_empty() {
            return Err(damaged(
                path,
                format!("closure {i} ({}) has no reason", day.date),
            ));
        }
        let date = day.date;
        if out.insert(date, day).is_some() {
            return Err(damaged(path, format!("{date} is listed twice")));
        }
    }
    Ok(out)
}

fn closures_json(closures: &BTreeMap<NaiveDate, ClosureDay>) -> String {
    let file = ClosuresFile {
        format: CLOSURES_FORMAT,
        closures: closures.values().cloned().collect(),
    };
    // Dates and strings always serialise; an empty string is only a fallback
    // to avoid a panic path, and is refused before it is written.
    let mut text = serde_json::to_string_pretty(&file).unwrap_or_default();
    text.push('\n');
    text
}

/// Keep the current contents of `path` as `<path>.bak`, then replace it.
/// Returns where the backup went, if there was anything to keep. An empty file
/// would read back as damaged, so none is ever written.
fn replace_keeping_backup(path: &Path, old: Option<&str>, new: &str) -> Result<Option<PathBuf>> {
    let empty =
        |path: &Path| Error::refused(format!("refusing to write an empty {}", path.display()));
    if old.is_some_and(str::is_empty) {
        return Err(empty(&fsutil::backup_path(path)));
    }
    if new.is_empty() {
        return Err(empty(path));
    }
    fsutil::replace_keeping_backup(path, old.map(str::as_bytes), new.as_bytes())
}

fn weekdays(from: NaiveDate, to: NaiveDate) -> (Vec<NaiveDate>, Vec<NaiveDate>) {
    from.iter_days()
        .take_while(|d| *d <= to)
        .partition(|d| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun))
}

/// Check a closure range: not backwards, and not longer than
/// `MAX_CLOSURE_DAYS`. Returns its (weekdays, weekend days).
pub(crate) fn closure_range(
    from: NaiveDate,
    to: NaiveDate,
) -> Result<(Vec<NaiveDate>, Vec<NaiveDate>)> {
    if to < from {
        return Err(Error::refused(format!(
            "--to {} is before {}",
            clock::human_date(to),
            clock::human_date(from)
        ))
        .with_hint(Hint::ClosureFromThenTo));
    }
    let days = (to - from).num_days() + 1;
    if days > MAX_CLOSURE_DAYS {
        return Err(Error::refused(format!(
            "{} to {} is {days} days; a closure may cover at most {MAX_CLOSURE_DAYS} days",
            clock::human_date(from),
            clock::human_date(to)
        ))
        .with_hint(Hint::CheckClosureDates));
    }
    Ok(weekdays(from, to))
}

impl CalendarFiles {
    pub fn new(root: &Path) -> CalendarFiles {
        CalendarFiles {
            root: root.to_owned(),
            partnership: false,
        }
    }

    /// The same files, with `close` and `reopen` changing the partnership-wide
    /// closure days instead of this agency's own.
    pub fn partnership(root: &Path) -> CalendarFiles {
        CalendarFiles {
            root: root.to_owned(),
            partnership: true,
        }
    }

    /// The closure days of the other file (own or partnership-wide) added to
    /// `own`, which wins on a date both close: every deadline uses both.
    fn with_other_closures(
        &self,
        own: BTreeMap<NaiveDate, ClosureDay>,
    ) -> Result<BTreeMap<NaiveDate, ClosureDay>> {
        let other = CalendarFiles {
            root: self.root.clone(),
            partnership: !self.partnership,
        };
        let (_, mut all) = other.read_closures()?;
        all.extend(own);
        Ok(all)
    }

    pub(crate) fn import_path(&self) -> PathBuf {
        layout::bank_holidays(&self.root)
    }

    pub(crate) fn closures_path(&self) -> PathBuf {
        if self.partnership {
            layout::partnership_closures(&self.root)
        } else {
            layout::closures(&self.root)
        }
    }

    fn read_import(&self) -> Result<(Option<String>, Option<ImportedHolidays>)> {
        let path = self.import_path();
        let Some(text) = read_stored(&path)? else {
            return Ok((None, None));
        };
        let imported = ImportedHolidays::parse_govuk_json(&text)
            .map_err(|e| damaged(&path, import_message(e)))?;
        Ok((Some(text), Some(imported)))
    }

    fn read_closures(&self) -> Result<(Option<String>, BTreeMap<NaiveDate, ClosureDay>)> {
        let path = self.closures_path();
        match read_stored(&path)? {
            None => Ok((None, BTreeMap::new())),
            Some(text) => {
                let closures = parse_closures(&path, &text)?;
                Ok((Some(text), closures))
            }
        }
    }

    /// Everything stored, checked.
    pub(crate) fn read(&self) -> Result<LocalCalendar> {
        let (_, imported) = self.read_import()?;
        let (_, closures) = self.read_closures()?;
        let closures = self.with_other_closures(closures)?;
        Ok(LocalCalendar { imported, closures })
    }

    /// An exclusive lock on the calendar directory, released when dropped.
    fn lock(&self) -> Result<File> {
        let dir = layout::calendar(&self.root);
        fsutil::private_dir(&dir)?;
        fsutil::lock_file(&layout::calendar_lock(&self.root), LOCK_WAIT, || {
            Error::refused(format!(
                "the calendar in {} is being changed by another escalate command; nothing was written",
                dir.display()
            ))
            .with_hint(Hint::WaitForOtherCommand)
        })
    }

    /// Store an import, replacing the previous one (kept as `.bak`).
    pub fn store_import(&self, imported: &ImportedHolidays) -> Result<Stored> {
        let _lock = self.lock()?;
        let path = self.import_path();
        let old = read_stored(&path).ok().flatten();
        let mut new = imported.to_govuk_json();
        new.push('\n');
        if old.as_deref() == Some(new.as_str()) {
            return Ok(Stored {
                path,
                backup: None,
                changed: false,
            });
        }
        let backup = replace_keeping_backup(&path, old.as_deref(), &new)?;
        Ok(Stored {
            path,
            backup,
            changed: true,
        })
    }

    /// Close every weekday in [from, to] for `reason`. Refused (nothing written)
    /// for a backwards or over-long range or one with no weekday in it.
    pub fn close(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        reason: &str,
        now: Instant,
        by: &str,
    ) -> Result<CloseOutcome> {
        let (days, weekends) = closure_range(from, to)?;
        if days.is_empty() {
            return Err(Error::refused(format!(
                "{} has no weekday to close: Saturdays and Sundays are never working days",
                if from == to {
                    clock::human_date(from)
                } else {
                    format!("{} to {}", clock::human_date(from), clock::human_date(to))
                }
            )));
        }
        if reason.trim().is_empty() {
            return Err(Error::refused("--reason is empty"));
        }
        let _lock = self.lock()?;
        let (old, mut closures) = self.read_closures()?;
        let mut outcome = CloseOutcome {
            weekends,
            ..CloseOutcome::default()
        };
        for date in days {
            match closures.get_mut(&date) {
                Some(c) if c.reason == reason => outcome.unchanged.push(date),
                Some(c) => {
                    c.reason = reason.to_owned();
                    c.added = now;
                    c.by = by.to_owned();
                    outcome.updated.push(date);
                }
                None => {
                    closures.insert(
                        date,
                        ClosureDay {
                            date,
                            reason: reason.to_owned(),
                            added: now,
                            by: by.to_owned(),
                        },
                    );
                    outcome.added.push(date);
                }
            }
        }
        if !outcome.added.is_empty() || !outcome.updated.is_empty() {
            replace_keeping_backup(
                &self.closures_path(),
                old.as_deref(),
                &closures_json(&closures),
            )?;
        }
        let (_, imported) = self.read_import()?;
        let closures = self.with_other_closures(closures)?;
        outcome.closures = LocalCalendar { imported, closures };
        Ok(outcome)
    }

    /// Remove the closure days in [from, to]. Refused (nothing written) when
    /// none of those days is a closure day.
    pub fn reopen(&self, from: NaiveDate, to: NaiveDate) -> Result<ReopenOutcome> {
        closure_range(from, to)?;
        let nothing_closed = |closures: &BTreeMap<NaiveDate, ClosureDay>| {
            let what = if from == to {
                format!("{} is not a closure day", clock::human_date(from))
            } else {
                format!(
                    "no day from {} to {} is a closure day",
                    clock::human_date(from),
                    clock::human_date(to)
                )
            };
            let nearby: Vec<String> = closures
                .keys()
                .filter(|d| d.year() == from.year() || d.year() == to.year())
                .take(10)
                .map(|d| clock::human_date(*d))
                .collect();
            Error::refused(what).with_hint(Hint::ClosureDaysThatYear { days: nearby })
        };
        // Checked before taking the lock so that a refusal creates no lock file.
        let (_, current) = self.read_closures()?;
        if current.range(from..=to).next().is_none() {
            return Err(nothing_closed(&current));
        }
        let _lock = self.lock()?;
        let (old, mut closures) = self.read_closures()?;
        let dates: Vec<NaiveDate> = closures.range(from..=to).map(|(d, _)| *d).collect();
        if dates.is_empty() {
            return Err(nothing_closed(&closures));
        }
        let removed: Vec<ClosureDay> = dates.iter().filter_map(|d| closures.remove(d)).collect();
        let path = self.closures_path();
        replace_keeping_backup(&path, old.as_deref(), &closures_json(&closures))?;
        let (_, imported) = self.read_import()?;
        Ok(ReopenOutcome {
            removed,
            closures: LocalCalendar {
                imported,
                closures: self.with_other_closures(closures)?,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
    }

    fn now() -> Instant {
        clock::start_of_day(date(2026, 11, 23))
    }

    #[test]
    fn nothing_stored_means_the_rules() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let cals = Calendars::load(tmp.path()).expect("load");
        let cal = cals.get(Division::EnglandAndWales);
        assert_eq!(cal.describe(), "England and Wales bank holidays (rules)");
        assert_eq!(
            cal.add_working_days(date(2026, 12, 18), 5),
            date(2026, 12, 29)
        );
    }

    #[test]
    fn closures_round_trip_and_move_deadlines() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let files = CalendarFiles::new(tmp.path());
        let out = files
            .close(
                date(2026, 12, 29),
                date(2027, 1, 3),
                "Council closed",
                now(),
                "Jo",
            )
            .expect("close");
        assert_eq!(out.weekends, vec![date(2027, 1, 2), date(2027, 1, 3)]);
        // 1 January is a bank holiday but is stored as closed too: if an import
        // ever drops it, the office is still closed.
        assert_eq!(out.added.len(), 4);
        assert!(out.closures.closures.contains_key(&date(2027, 1, 1)));
        let cals = Calendars::load(tmp.path()).expect("load");
        let cal = cals.get(Division::EnglandAndWales);
        assert_eq!(
            cal.add_working_days(date(2026, 12, 18), 5),
            date(2027, 1, 4)
        );
        assert!(
            cal.describe().ends_with("and 4 local closure days"),
            "{}",
            cal.describe()
        );

        let again = files
            .close(
                date(2026, 12, 29),
                date(2026, 12, 29),
                "Council closed",
                now(),
                "Jo",
            )
            .expect("close again");
        assert_eq!(again.unchanged, vec![date(2026, 12, 29)]);
        assert!(!files
            .closures_path()
            .with_file_name("closures.json.bak")
            .exists());

        let re = files
            .reopen(date(2026, 12, 30), date(2026, 12, 30))
            .expect("reopen");
        assert_eq!(re.removed.len(), 1);
        assert!(files
            .closures_path()
            .with_file_name("closures.json.bak")
            .exists());
        let err = files.reopen(date(2026, 12, 30), date(2026, 12, 30)).err();
        assert!(err.is_some_and(|e| e.to_string().contains("is not a closure day")));
    }

    #[test]
    fn bad_ranges_are_refused() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let files = CalendarFiles::new(tmp.path());
        for (a, b, needle) in [
            (date(2026, 12, 31), date(2026, 12, 29), "before"),
            (date(2026, 1, 1), date(2027, 1, 2), "at most 366"),
            (date(2026, 12, 19), date(2026, 12, 20), "no weekday"),
        ] {
            let err = files
                .close(a, b, "r", now(), "Jo")
                .err()
                .map(|e| e.to_string());
            assert!(
                err.as_deref().is_some_and(|e| e.contains(needle)),
                "{err:?}"
            );
        }
        assert!(!crate::store::layout::calendar(tmp.path()).exists());
    }

    #[test]
    fn damaged_files_are_named() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let files = CalendarFiles::new(tmp.path());
        fs::create_dir_all(crate::store::layout::calendar(tmp.path())).expect("mkdir");
        for (path, text, needle) in [
            (files.closures_path(), "{", "EOF"),
            (
                files.closures_path(),
                r#"{"format":2,"closures":[]}"#,
                "format 2",
            ),
            (
                files.closures_path(),
                r#"{"format":1,"closures":[{"date":"2026-13-01","reason":"x","added":"2026-01-01T00:00:00Z","by":"a"}]}"#,
                "line 1",
            ),
            (files.import_path(), "[]", "expected a JSON object"),
        ] {
            let _ = fs::remove_file(files.closures_path());
            let _ = fs::remove_file(files.import_path());
            fs::write(&path, text).expect("write");
            let err = Calendars::load(tmp.path()).err();
            let Some(err) = err else {
                panic!("accepted {text}")
            };
            assert_eq!(err.exit_code(), crate::error::EXIT_DAMAGED);
            let msg = err.to_string();
            assert!(msg.contains(&path.display().to_string()), "{msg}");
            assert!(msg.contains(needle), "{msg}");
        }
    }
}
