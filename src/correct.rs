//! Corrections without rewriting: the rules for `amend` (a note attached to an
//! earlier line) and `reopen` (a resolved dispute that has come back). Both become
//! new journal lines; nothing here ever changes a line already written. Pure: no
//! files, no terminal.

use crate::dispute::Dispute;
use crate::error::{Error, Result};
use crate::journal::Event;

impl Dispute {
    /// The `amended` event correcting line `seq`, or why it cannot be recorded.
    pub fn plan_amendment(&self, seq: u64, note: String) -> Result<Event> {
        let last = self.records.len() as u64;
        if seq == 0 || seq > last {
            return Err(Error::refused(format!(
                "dispute {} has no line {seq}; its lines are numbered 1 to {last}",
                self.id
            ))
            .with_hint(format!(
                "Run `escalate show {}` to see each event's line number.",
                self.id
            )));
        }
        Ok(Event::Amended { event: seq, note })
    }

    /// The `reopened` event for a resolved dispute, or why it cannot be recorded.
    pub fn plan_reopen(&self, reason: String) -> Result<Event> {
        if self.is_open() {
            return Err(Error::refused(format!(
                "dispute {} is open at stage {}; only a resolved dispute can be reopened",
                self.id, self.stage
            ))
            .with_hint("Record what happened with `escalate discuss` or `escalate escalate`."));
        }
        Ok(Event::Reopened { reason })
    }
}
