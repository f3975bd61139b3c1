//! The one error type every operation returns (jj's `CommandError` is the model):
//! a kind, which picks the exit code, a message, and the hints that say what to
//! do next. Messages are written for the person at the keyboard, in their words;
//! they name disputes by ID only, never a child, because error text ends up in
//! logs and e-mails.

use std::fmt;
use std::path::PathBuf;

/// Exit code for success.
pub const EXIT_OK: i32 = 0;
/// Exit code when a command is refused or fails; nothing was written.
pub(crate) const EXIT_REFUSED: i32 = 1;
/// Exit code for bad usage (unknown flag, missing argument).
pub(crate) const EXIT_USAGE: i32 = 2;
/// Exit code when a journal (or other stored state, such as the calendar files) is
/// damaged and needs a person to look at it.
pub(crate) const EXIT_DAMAGED: i32 = 3;

/// What kind of failure it is: this, and only this, picks the exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The request was understood but the rules or the data say no (exit 1).
    Refused,
    /// The operating system refused a read or write (exit 1).
    Io,
    /// The request itself is malformed in a way clap could not catch (exit 2).
    Usage,
    /// Stored data does not read back as what escalate wrote (exit 3).
    Damaged,
    /// escalate itself went wrong; nothing was written (exit 1).
    Internal,
}

/// Where stored data is damaged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Damage {
    pub path: PathBuf,
    /// The line, or `None` for the file as a whole (a directory, a link, too big).
    pub line: Option<usize>,
    pub what: String,
}

/// Boxed, so that a `Result` stays the size of its success value on the happy path.
#[derive(Debug)]
pub struct Error(Box<Inner>);

#[derive(Debug)]
struct Inner {
    kind: ErrorKind,
    message: String,
    hints: Vec<String>,
    damage: Option<Damage>,
    detail: Option<Detail>,
    source: Option<std::io::Error>,
}

/// Values an error carries for the command line to show in its own words.
#[derive(Debug)]
pub enum Detail {
    /// What a confirmed action would now do, when the dispute changed between the
    /// preview and the confirmation: the policy it is judged under and the effects.
    PlanChanged(Box<(crate::policy::Policy, crate::domain::plan::Effects)>),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

const JOURNAL_HINT: &str = "Nothing was changed. Run `escalate verify` for details; keep a copy of the file before anyone edits it.";

impl Error {
    fn new(kind: ErrorKind, message: String) -> Self {
        Error(Box::new(Inner {
            kind,
            message,
            hints: Vec::new(),
            damage: None,
            detail: None,
            source: None,
        }))
    }

    pub fn refused(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Refused, message.into())
    }

    pub fn usage(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Usage, message.into())
    }

    /// A bug in escalate rather than a problem with the request or the data.
    pub fn internal(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Internal, message.into()).with_hint(
            "This is a fault in escalate, not in what you typed; nothing was written. Please report it with the command you ran.",
        )
    }

    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        let mut e = Error::new(ErrorKind::Io, format!("{}: {source}", context.into()));
        e.0.source = Some(source);
        e
    }

    /// Line `line` (counted from 1) of the journal at `path` is damaged.
    pub fn damaged(path: impl Into<PathBuf>, line: usize, what: impl Into<String>) -> Self {
        Error::damaged_journal_at(path.into(), Some(line), what.into())
    }

    /// The journal at `path` is damaged as a whole (not a regular file, too big).
    pub fn damaged_journal(path: impl Into<PathBuf>, what: impl Into<String>) -> Self {
        Error::damaged_journal_at(path.into(), None, what.into())
    }

    fn damaged_journal_at(path: PathBuf, line: Option<usize>, what: String) -> Self {
        let at = line.map(|n| format!(" at line {n}")).unwrap_or_default();
        let message = format!("journal {} is damaged{at}: {what}", path.display());
        let mut e = Error::new(ErrorKind::Damaged, message).with_hint(JOURNAL_HINT);
        e.0.damage = Some(Damage { path, line, what });
        e
    }

    /// A state file in the data directory other than a journal (the stored
    /// calendar, the signers list, a checkpoint) does not read back as what
    /// escalate wrote; `hint` says how to recover it.
    pub fn damaged_file(
        path: impl Into<PathBuf>,
        what: impl Into<String>,
        hint: impl Into<String>,
    ) -> Self {
        let (path, what) = (path.into(), what.into());
        let message = format!("{} is damaged: {what}", path.display());
        let mut e = Error::new(ErrorKind::Damaged, message).with_hint(hint);
        e.0.damage = Some(Damage {
            path,
            line: None,
            what,
        });
        e
    }

    /// Add a next step the user can take. The first hint is the most specific;
    /// later ones add to it.
    pub fn with_hint(mut self, text: impl Into<String>) -> Self {
        self.0.hints.push(text.into());
        self
    }

    /// Attach values the command line shows beside the message.
    pub fn with_detail(mut self, detail: Detail) -> Self {
        self.0.detail = Some(detail);
        self
    }

    pub fn detail(&self) -> Option<&Detail> {
        self.0.detail.as_ref()
    }

    pub fn kind(&self) -> ErrorKind {
        self.0.kind
    }

    pub fn hints(&self) -> &[String] {
        &self.0.hints
    }

    /// Where stored data is damaged, for an error of kind `Damaged`.
    pub fn damage(&self) -> Option<&Damage> {
        self.0.damage.as_ref()
    }

    /// The operating system's error behind an `Io` error.
    pub fn io_error(&self) -> Option<&std::io::Error> {
        self.0.source.as_ref()
    }

    pub fn exit_code(&self) -> i32 {
        match self.0.kind {
            ErrorKind::Refused | ErrorKind::Io | ErrorKind::Internal => EXIT_REFUSED,
            ErrorKind::Usage => EXIT_USAGE,
            ErrorKind::Damaged => EXIT_DAMAGED,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.message)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0
            .source
            .as_ref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kind_picks_the_exit_code() {
        assert_eq!(Error::refused("no").exit_code(), EXIT_REFUSED);
        assert_eq!(Error::usage("no").exit_code(), EXIT_USAGE);
        assert_eq!(Error::damaged("j", 2, "bad").exit_code(), EXIT_DAMAGED);
        let io = std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        assert_eq!(Error::io("could not write x", io).exit_code(), EXIT_REFUSED);
        assert_eq!(Error::internal("bug").exit_code(), EXIT_REFUSED);
    }

    #[test]
    fn damage_names_the_file_and_the_line_only_when_there_is_one() {
        let e = Error::damaged("/d/A.jsonl", 3, "bad seal");
        assert_eq!(
            e.to_string(),
            "journal /d/A.jsonl is damaged at line 3: bad seal"
        );
        assert_eq!(e.damage().unwrap().line, Some(3));
        let whole = Error::damaged_journal("/d/A.jsonl", "it is a directory");
        assert_eq!(
            whole.to_string(),
            "journal /d/A.jsonl is damaged: it is a directory"
        );
        assert_eq!(whole.damage().unwrap().line, None);
        assert_eq!(whole.hints(), [JOURNAL_HINT]);
    }

    #[test]
    fn hints_accumulate() {
        let e = Error::refused("no").with_hint("first").with_hint("second");
        assert_eq!(e.hints(), ["first", "second"]);
    }
}
