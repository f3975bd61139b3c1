//! The terminal, owned in one place (jj's `ui.rs` is the model): whether each
//! standard stream is a terminal, colour, the width text is laid out to, and the
//! messages (errors, warnings, notes) written to standard error. Detected once
//! per run, so every command decides the same way.

use std::io::{IsTerminal, Write};

use super::ColorChoice;
use crate::render::wrap;
use escalate_core::error::Error;

#[derive(Clone, Debug)]
pub(crate) struct Ui {
    color: bool,
    stdin_terminal: bool,
    stdout_terminal: bool,
    stderr_terminal: bool,
}

impl Ui {
    pub(crate) fn detect(color: ColorChoice) -> Ui {
        let stdout_terminal = std::io::stdout().is_terminal();
        Ui {
            color: match color {
                ColorChoice::Always => true,
                ColorChoice::Never => false,
                ColorChoice::Auto => {
                    stdout_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                }
            },
            stdin_terminal: std::io::stdin().is_terminal(),
            stdout_terminal,
            stderr_terminal: std::io::stderr().is_terminal(),
        }
    }

    /// Colour is wanted on standard output.
    pub(crate) fn color(&self) -> bool {
        self.color
    }

    pub(crate) fn stdin_is_terminal(&self) -> bool {
        self.stdin_terminal
    }

    pub(crate) fn stdout_is_terminal(&self) -> bool {
        self.stdout_terminal
    }

    /// Both ends of a conversation are a person: questions may be asked.
    pub(crate) fn can_ask(&self) -> bool {
        self.stdin_terminal && self.stdout_terminal
    }

    /// A progress bar would be seen, and would not mix into piped output.
    pub(crate) fn can_show_progress(&self) -> bool {
        self.stderr_terminal && self.stdout_terminal
    }

    /// The width standard output is laid out to: `COLUMNS` if set (so a user or a
    /// test can choose), else the terminal's when standard output is one.
    pub(crate) fn stdout_width(&self) -> Option<usize> {
        std::env::var("COLUMNS")
            .ok()
            .and_then(|c| c.trim().parse::<usize>().ok())
            .filter(|w| *w > 0)
            .or_else(|| {
                self.stdout_terminal
                    .then(|| terminal_size::terminal_size_of(std::io::stdout()))
                    .flatten()
                    .map(|(w, _)| usize::from(w.0))
            })
    }

    /// The width of the terminal standard error goes to, if it goes to one:
    /// `COLUMNS` if set, as for standard output, else the terminal's.
    pub(crate) fn stderr_width(&self) -> Option<usize> {
        if !self.stderr_terminal {
            return None;
        }
        std::env::var("COLUMNS")
            .ok()
            .and_then(|c| c.trim().parse::<usize>().ok())
            .filter(|w| *w > 0)
            .or_else(|| {
                terminal_size::terminal_size_of(std::io::stderr()).map(|(w, _)| usize::from(w.0))
            })
    }

    /// Print an error and its next steps (each hint in the words
    /// `command_error` gives it), wrapped at word boundaries to the
    /// terminal's width (a terminal would otherwise break words, and paths,
    /// mid-way).
    pub(crate) fn error(&self, e: &Error) {
        let width = self.stderr_width();
        let mut text = wrap::wrap(&format!("error: {e}"), "", width);
        if let Some(escalate_core::error::Detail::PlanChanged(plan)) = e.detail() {
            text.push_str(&crate::render::preview::effects(&plan.0, &plan.1));
        }
        for hint in e.hints() {
            let words = super::command_error::hint_words(hint);
            text.push_str(&wrap::wrap(&words, "  ", width));
        }
        self.stderr(&text);
    }

    /// Something went wrong that did not stop the command (a journal left out).
    pub(crate) fn warn(&self, message: &str) {
        self.stderr(&wrap::wrap(
            &format!("warning: {message}"),
            "",
            self.stderr_width(),
        ));
    }

    /// Something the user should know once (a key was made, a file written).
    pub(crate) fn note(&self, message: &str) {
        self.stderr(&wrap::wrap(
            &format!("note: {message}"),
            "",
            self.stderr_width(),
        ));
    }

    /// Text for the person, not the output: on standard error, so `--json` and
    /// `--quiet` output stay clean. (Never `eprint!`, which panics when standard
    /// error cannot be written, as on a full disk.)
    /// Shown as every output is (`text::visible`): a warning or error may quote a
    /// journal's or a shared file's text.
    pub(crate) fn stderr(&self, text: &str) {
        let text = escalate_core::domain::text::visible(text);
        let _ = std::io::stderr().lock().write_all(text.as_bytes());
    }
}
