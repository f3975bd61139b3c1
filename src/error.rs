//! The one error type every domain and storage operation returns, and how it maps to
//! an exit code. Messages are written for the person at the keyboard: what went wrong
//! in their words, then (as a hint) what to do next. They name disputes by ID only,
//! never a child, because error text ends up in logs and e-mails.

use std::path::PathBuf;

/// Exit code for success.
pub const EXIT_OK: i32 = 0;
/// Exit code when a command is refused or fails; nothing was written.
pub const EXIT_REFUSED: i32 = 1;
/// Exit code for bad usage (unknown flag, missing argument).
pub const EXIT_USAGE: i32 = 2;
/// Exit code when a journal (or other stored state, such as the calendar files) is
/// damaged and needs a person to look at it.
pub const EXIT_DAMAGED: i32 = 3;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The request was understood but the rules or the data say no.
    #[error("{message}")]
    Refused {
        message: String,
        hint: Option<String>,
    },
    /// The request itself is malformed in a way clap could not catch.
    #[error("{message}")]
    Usage {
        message: String,
        hint: Option<String>,
    },
    /// A journal does not read back as what escalate wrote.
    #[error("journal {} is damaged{}: {what}", path.display(), at_line(*line))]
    Damaged {
        path: PathBuf,
        line: usize,
        what: String,
    },
    /// A state file in the data directory other than a journal (such as the stored
    /// calendar) does not read back as what escalate wrote.
    #[error("{} is damaged: {what}", path.display())]
    DamagedFile {
        path: PathBuf,
        what: String,
        hint: String,
    },
    /// The operating system refused a read or write.
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

/// Line 0 means the file as a whole (a directory, a link, too big), not one line.
fn at_line(line: usize) -> String {
    if line == 0 {
        String::new()
    } else {
        format!(" at line {line}")
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn refused(message: impl Into<String>) -> Self {
        Error::Refused {
            message: message.into(),
            hint: None,
        }
    }

    pub fn usage(message: impl Into<String>) -> Self {
        Error::Usage {
            message: message.into(),
            hint: None,
        }
    }

    /// Attach the next step the user should take.
    pub fn with_hint(self, text: impl Into<String>) -> Self {
        match self {
            Error::Refused { message, .. } => Error::Refused {
                message,
                hint: Some(text.into()),
            },
            Error::Usage { message, .. } => Error::Usage {
                message,
                hint: Some(text.into()),
            },
            other => other,
        }
    }

    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }

    pub fn damaged(path: impl Into<PathBuf>, line: usize, what: impl Into<String>) -> Self {
        Error::Damaged {
            path: path.into(),
            line,
            what: what.into(),
        }
    }

    pub fn hint(&self) -> Option<&str> {
        match self {
            Error::Refused { hint, .. } | Error::Usage { hint, .. } => hint.as_deref(),
            Error::Damaged { .. } => Some(
                "Nothing was changed. Run `escalate verify` for details; keep a copy of the file before anyone edits it.",
            ),
            Error::DamagedFile { hint, .. } => Some(hint),
            Error::Io { .. } => None,
        }
    }

    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Refused { .. } | Error::Io { .. } => EXIT_REFUSED,
            Error::Usage { .. } => EXIT_USAGE,
            Error::Damaged { .. } | Error::DamagedFile { .. } => EXIT_DAMAGED,
        }
    }
}
