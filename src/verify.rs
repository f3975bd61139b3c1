//! Checking journals end to end for `escalate verify`: every line's seal, the `prev`
//! chain and `seq` numbering, the head receipt, the events against the stage rules
//! of the policy the dispute pinned, and that the pinned policy text is known and
//! unchanged. Produces one report per dispute, so one damaged journal never hides
//! the state of the others. Reads only; repairs are left to the next append.

use std::path::Path;

use serde::Serialize;

use crate::error::Error;
use crate::id::DisputeId;
use crate::journal::Event;
use crate::ops::Session;

/// Where a journal failed verification and why.
#[derive(Clone, Debug, Serialize)]
pub struct Problem {
    /// The line number, or `None` when the problem is the file as a whole.
    pub line: Option<usize>,
    pub message: String,
}

/// The result of verifying one dispute's journal.
#[derive(Debug, Serialize)]
pub struct Report {
    pub id: String,
    pub ok: bool,
    /// Complete lines read (0 when the journal could not be read).
    pub lines: usize,
    /// SHA-256 of the last complete line: the receipt a manager can note elsewhere.
    pub head: Option<String>,
    pub problem: Option<Problem>,
    /// How many `recovered` lines the journal holds (torn writes moved aside).
    pub recovered: usize,
    /// The aftermath of interrupted commands, which the next append repairs.
    pub warnings: Vec<String>,
    /// The failure as an error, for the exit code and the message on stderr.
    #[serde(skip)]
    pub error: Option<Error>,
}

/// Check that the pinned copy of a policy, if there is one, still hashes to its
/// name. A missing copy is a warning when the catalogue still has the text.
fn check_pinned_copy(root: &Path, hash: &str) -> Result<Option<String>, String> {
    let path = root.join("policies").join(format!("{hash}.toml"));
    let meta = match std::fs::symlink_metadata(&path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(Some(format!(
                "the pinned copy of its policy (policies/{hash}.toml) is missing; the built-in or user copy with the same hash was used"
            )))
        }
        Err(e) => return Err(format!("the pinned copy of its policy could not be read: {e}")),
    };
    if !meta.file_type().is_file() || meta.len() > crate::journal::MAX_JOURNAL_BYTES {
        return Err(format!(
            "the pinned copy of its policy (policies/{hash}.toml) is not a regular file"
        ));
    }
    match std::fs::read(&path).map(String::from_utf8) {
        Ok(Ok(text)) if crate::policy::hash_text(&text) == hash => Ok(None),
        Ok(_) => Err(format!(
            "the pinned copy of its policy (policies/{hash}.toml) was changed: its text no longer hashes to its name"
        )),
        Err(e) => Err(format!("the pinned copy of its policy could not be read: {e}")),
    }
}

/// Verify one dispute's journal.
pub fn verify(session: &Session, id: &DisputeId) -> Report {
    verify_loaded(session, id, session.load(id))
}

/// Verify one dispute's journal as `Session::load` read it (with its lines), so
/// a pass that also rebuilds the status cache reads each journal once.
pub fn verify_loaded(
    session: &Session,
    id: &DisputeId,
    loaded: crate::error::Result<crate::ops::Loaded>,
) -> Report {
    let path = session.store.journal_path(id);
    let mut report = Report {
        id: id.to_string(),
        ok: false,
        lines: 0,
        head: None,
        problem: None,
        recovered: 0,
        warnings: Vec::new(),
        error: None,
    };
    let fail = |report: &mut Report, e: Error| {
        let e = match e {
            Error::Damaged { .. } => e,
            // Whatever stops a journal being read stops it being verified.
            other => Error::damaged(&path, 0, format!("it could not be checked: {other}")),
        };
        if let Error::Damaged { line, what, .. } = &e {
            report.problem = Some(Problem {
                line: (*line > 0).then_some(*line),
                message: what.clone(),
            });
        }
        report.ok = false;
        report.error = Some(e);
    };
    let loaded = match loaded {
        Ok(l) => l,
        Err(e) => {
            fail(&mut report, e);
            return report;
        }
    };
    let records = &loaded.dispute.records;
    report.lines = records.len();
    report.head = Some(loaded.head.clone());
    report.recovered = records
        .iter()
        .filter(|r| matches!(r.event, Event::Recovered { .. }))
        .count();
    report.warnings = loaded.warnings;
    match check_pinned_copy(session.store.root(), &loaded.dispute.opened.policy_hash) {
        Ok(warning) => {
            report.warnings.extend(warning);
            report.ok = true;
        }
        Err(what) => fail(&mut report, Error::damaged(&path, 1, what)),
    }
    report
}
