//! Asking for what was left off the command line, on an interactive terminal only.
//! When stdin or stdout is not a terminal, or with --no-input, nothing ever waits
//! for input: the missing flags are a usage error that names them all. Cancelling
//! a prompt (Esc, Ctrl-C) writes nothing and leaves the terminal as it was.
//!
//! Text written in `$VISUAL`/`$EDITOR` is never thrown away: the editor works on a
//! private file that is removed only once the text is recorded; whenever it is not
//! (cancelled, refused, an error), the message names the file to use again with
//! `--note-file` and its kin.

use std::io::Write;
use std::path::PathBuf;

use dialoguer::theme::ColorfulTheme;
use dialoguer::{Confirm, Input, Select};

use escalate_core::error::{Error, Result};

/// Shows the terminal's cursor again: the list and yes/no prompts hide it while
/// they draw.
const SHOW_CURSOR: &str = "\x1b[?25h";

pub(crate) struct Prompter {
    interactive: bool,
    ui: super::Ui,
    theme: ColorfulTheme,
}

/// The text last written in the editor, kept in a file until it is recorded.
/// Not the prompter's own: Ctrl-C is handled on another thread, which must keep
/// the text too.
static EDITED: std::sync::Mutex<Option<Edited>> = std::sync::Mutex::new(None);

fn edited() -> std::sync::MutexGuard<'static, Option<Edited>> {
    EDITED.lock().unwrap_or_else(|e| e.into_inner())
}

struct Edited {
    /// The flag the text stands for (`--note`).
    flag: String,
    path: PathBuf,
    /// What was written, without the hint lines.
    text: String,
}

/// A prompt that ended without an answer. Ctrl-C (the terminal's read reports
/// it as interrupted, and raises SIGINT as well) ends the command as an
/// interrupted one, whichever kind of prompt it was.
fn cancelled(e: dialoguer::Error) -> Error {
    let dialoguer::Error::IO(io) = &e;
    if io.kind() == std::io::ErrorKind::Interrupted {
        interrupted();
    }
    restore_cursor();
    Error::refused("cancelled; nothing was written")
}

/// End at Ctrl-C: the cursor shown again, the text from the editor kept (and
/// where it is said), and exit 130 as an interrupted command does. Once, from
/// whichever of the prompt and the signal watcher sees it first.
fn interrupted() -> ! {
    static ENDING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if ENDING.swap(true, std::sync::atomic::Ordering::SeqCst) {
        // The other one is ending the process.
        loop {
            std::thread::park();
        }
    }
    restore_cursor();
    let mut text = String::from("\ncancelled; nothing was written\n");
    if let Some(e) = edited().take() {
        text.push_str(&keep(&e));
    }
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
    std::process::exit(130);
}

/// Keep text that was not recorded in its file, as it can be given back with
/// `--note-file` and its kin; returns what to tell the user.
fn keep(e: &Edited) -> String {
    let _ = std::fs::write(&e.path, format!("{}\n", e.text.trim_end()));
    format!(
        "Your text was not recorded; it is kept in {}\n  Use it again with {}-file {}\n",
        e.path.display(),
        e.flag,
        e.path.display()
    )
}

fn restore_cursor() {
    let mut err = std::io::stderr();
    let _ = err.write_all(SHOW_CURSOR.as_bytes());
    let _ = err.flush();
}

/// Ctrl-C at a list or yes/no prompt raises SIGINT while the cursor is hidden;
/// the default action would end the process with it still hidden. Restore it,
/// say that nothing was written, and exit as an interrupted command does (130).
fn restore_cursor_on_interrupt() {
    // Once, and only when a prompt is shown: other commands keep the default.
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(watch_interrupt);
}

fn watch_interrupt() {
    use signal_hook::consts::SIGINT;
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT]) else {
        return;
    };
    std::thread::spawn(move || {
        if signals.forever().next().is_some() {
            interrupted();
        }
    });
}

impl Prompter {
    pub(crate) fn new(no_input: bool, ui: &super::Ui) -> Prompter {
        Prompter {
            interactive: !no_input && ui.can_ask(),
            ui: ui.clone(),
            theme: ColorfulTheme::default(),
        }
    }

    pub(crate) fn interactive(&self) -> bool {
        self.interactive
    }

    /// Refuse, naming every missing flag, unless prompts are possible.
    pub(crate) fn require(&self, command: &str, flags: &[&str]) -> Result<()> {
        if flags.is_empty() || self.interactive {
            return Ok(());
        }
        Err(Error::usage(format!("escalate {command} needs {}", flags.join(", "))).with_hint(format!(
            "Give {} on the command line (prompts only appear on an interactive terminal without --no-input).",
            if flags.len() == 1 { "it" } else { "them" }
        )))
    }

    /// One line of text, required.
    pub(crate) fn line(&self, question: &str) -> Result<String> {
        restore_cursor_on_interrupt();
        Input::<String>::with_theme(&self.theme)
            .with_prompt(self.prompt(question, "Answer"))
            .validate_with(|s: &String| {
                if s.trim().is_empty() {
                    Err("please type something")
                } else {
                    Ok(())
                }
            })
            .interact_text()
            .map_err(cancelled)
    }

    /// Longer text for `flag`: in $VISUAL/$EDITOR if set, else one line.
    pub(crate) fn long_text(&self, question: &str, flag: &str) -> Result<String> {
        match editor_command() {
            None => self.line(question),
            Some(editor) => self.edit(question, flag, &editor),
        }
    }

    /// Tell the person something between questions (on standard error).
    pub(crate) fn tell(&self, text: &str) {
        self.ui.stderr(text);
    }

    /// `tell`, each line broken between words to the terminal's width, its
    /// continuation indented under it: a duty's name or a note is never split
    /// mid-word by the terminal.
    pub(crate) fn tell_wrapped(&self, text: &str) {
        match self.ui.stderr_width() {
            Some(width) => self.ui.stderr(&crate::render::wrap::hanging(text, width)),
            None => self.ui.stderr(text),
        }
    }

    /// `question` as the prompt when it fits on one line with the theme's marks
    /// and room to answer; otherwise printed above, wrapped between words, with
    /// `short` as the prompt. dialoguer clears a redrawn prompt by lines, and
    /// one the terminal wrapped leaves half-lines behind.
    fn prompt(&self, question: &str, short: &str) -> String {
        // "? " before, " › " or " (y/n)" after, and room to type.
        const MARKS: usize = 16;
        let width = self.ui.stderr_width().unwrap_or(80);
        if crate::render::wrap::columns(question) + MARKS <= width {
            return question.to_owned();
        }
        self.ui
            .stderr(&crate::render::wrap::wrap(question, "", Some(width)));
        short.to_owned()
    }

    /// How to name a field in a message: the flag, or the editor when the text
    /// came from there (the user typed no `--note`).
    pub(crate) fn field(&self, flag: &str) -> String {
        match &*edited() {
            Some(e) if e.flag == flag => format!("the text from your editor (for {flag})"),
            _ => flag.to_owned(),
        }
    }

    fn edit(&self, question: &str, flag: &str, editor: &str) -> Result<String> {
        let path = recovery_path(flag)?;
        let hint = format!(
            "\n# {question}\n# Write above or below these lines; lines starting with # are left out.\n\
             # Up to {} characters. Save and close the editor to go on; leave it empty to cancel.\n",
            thousands(escalate_core::domain::text::MAX_LONG)
        );
        escalate_core::store::fsutil::write_new_file(&path, hint.as_bytes())?;
        // Wrapped between words, as every other message is, never mid-word.
        let _ = write!(
            std::io::stderr(),
            "{}",
            crate::render::wrap::wrap(
                &format!("{question} (opening your editor; save and close it to continue)"),
                "",
                self.ui.stderr_width()
            )
        );
        let status = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("{editor} \"$1\""))
            .arg("escalate-editor")
            .arg(&path)
            .status();
        let discard = |e: Error| -> Error {
            let _ = std::fs::remove_file(&path);
            e
        };
        match status {
            Err(e) => return Err(discard(Error::io("could not start a shell to run your editor", e))),
            Ok(s) if s.code() == Some(127) => {
                return Err(discard(
                    Error::refused(format!(
                        "your editor {editor:?} (from ${}) was not found",
                        editor_variable()
                    ))
                    .with_hint(format!(
                        "Install it, set {} to an editor you have (e.g. export EDITOR=nano), or give the text with {flag} or {flag}-file.",
                        editor_variable()
                    )),
                ))
            }
            Ok(_) => {}
        }
        // Read to a bound, as `--note-file` is (`cli::input`): an editor that
        // left a huge file behind is refused, the file kept for the user.
        let limit = (escalate_core::domain::text::MAX_LONG_BYTES + hint.len()) as u64;
        let raw = escalate_core::store::fsutil::read_limited_text(
            &path,
            limit,
            escalate_core::store::fsutil::Links::Follow,
        )
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::FileTooLarge => Error::refused(format!(
                "the text in your editor is longer than {flag} may be (up to {} characters); nothing was recorded",
                thousands(escalate_core::domain::text::MAX_LONG)
            ))
            .with_hint(format!(
                "Your text is kept in {}: shorten it, then give it with {flag}-file.",
                path.display()
            )),
            _ => Error::io(format!("could not read back {}", path.display()), e),
        })?;
        let text: String = raw
            .lines()
            .filter(|l| !l.trim_start().starts_with('#'))
            .collect::<Vec<_>>()
            .join("\n")
            .trim()
            .to_owned();
        if text.trim().is_empty() {
            return Err(discard(Error::refused(
                "nothing was typed; cancelled, nothing was written",
            )));
        }
        *edited() = Some(Edited {
            flag: flag.to_owned(),
            path,
            text: text.clone(),
        });
        // An editor that fails (vim's `:cq`) means "abandon", as it does for git;
        // what was written is kept all the same.
        if let Some(s) = status.ok().filter(|s| !s.success()) {
            return Err(Error::refused(format!(
                "your editor exited with an error ({s}); nothing was recorded"
            )));
        }
        Ok(text)
    }

    /// Show on stderr the text about to be recorded, before a confirmation.
    pub(crate) fn show_text(&self, label: &str, text: &str) {
        const MAX_LINES: usize = 20;
        let lines: Vec<&str> = text.trim().lines().collect();
        let mut out = format!("{label}:\n");
        for l in lines.iter().take(MAX_LINES) {
            out.push_str(&format!("  {l}\n"));
        }
        if lines.len() > MAX_LINES {
            out.push_str(&format!("  ... ({} more lines)\n", lines.len() - MAX_LINES));
        }
        self.tell_wrapped(&out);
    }

    /// At the end of a command: text from the editor that was recorded needs no
    /// keeping; text that was not is in its file, and the user is told where.
    pub(crate) fn finish(&self, recorded: bool) {
        let Some(e) = edited().take() else {
            return;
        };
        if recorded {
            let _ = std::fs::remove_file(&e.path);
            return;
        }
        self.ui.stderr(&keep(&e));
    }

    /// Choose one of `items`; returns its index. Items are cut to the terminal's
    /// width: a list item that wraps breaks words and leaves the redrawn list
    /// garbled when the selection moves.
    pub(crate) fn select(&self, question: &str, items: &[String]) -> Result<usize> {
        let width = self.ui.stderr_width().unwrap_or(80);
        // Earlier answers come from journals and the shared agency list: shown as
        // every output shows text, never as terminal controls.
        let shown: Vec<String> = items
            .iter()
            .map(|i| {
                fit(
                    &escalate_core::domain::text::one_line(i),
                    width.saturating_sub(3),
                )
            })
            .collect();
        restore_cursor_on_interrupt();
        let chosen = Select::with_theme(&self.theme)
            .with_prompt(self.prompt(question, "Choose one"))
            .items(&shown)
            .default(0)
            // The answer is repeated below, wrapped between words: dialoguer's own
            // line would break the item mid-word at the terminal's edge.
            .report(false)
            .interact_opt()
            .map_err(cancelled)?
            .ok_or_else(|| Error::refused("cancelled; nothing was written"))?;
        self.ui.stderr(&crate::render::wrap::wrap(
            &format!("\u{2714} {question} \u{b7} {}", items[chosen]),
            "",
            Some(width),
        ));
        Ok(chosen)
    }

    /// Choose from earlier answers, or type a new one.
    pub(crate) fn choose_or_type(&self, question: &str, earlier: &[String]) -> Result<String> {
        if earlier.is_empty() {
            return self.line(question);
        }
        let mut items = earlier.to_vec();
        items.push("Another (type it)".to_owned());
        let i = self.select(question, &items)?;
        if i == earlier.len() {
            self.line(question)
        } else {
            Ok(earlier[i].clone())
        }
    }

    /// A yes/no question that defaults to no; Esc cancels and writes nothing. A
    /// question too long for one line is printed above a short prompt, as for
    /// every other prompt.
    pub(crate) fn yes_no(&self, question: &str) -> Result<bool> {
        restore_cursor_on_interrupt();
        Confirm::with_theme(&self.theme)
            .with_prompt(self.prompt(question, "Yes or no?"))
            .default(false)
            .wait_for_newline(true)
            .interact_opt()
            .map_err(cancelled)?
            .ok_or_else(|| Error::refused("cancelled; nothing was written"))
    }

    /// Ask yes/no, defaulting to no; "no" cancels.
    pub(crate) fn confirm(&self, question: &str) -> Result<()> {
        restore_cursor_on_interrupt();
        let yes = Confirm::with_theme(&self.theme)
            .with_prompt(self.prompt(question, "Go ahead?"))
            .default(false)
            .wait_for_newline(true)
            .interact_opt()
            .map_err(cancelled)?;
        match yes {
            Some(true) => Ok(()),
            _ => Err(Error::refused("cancelled; nothing was written")),
        }
    }
}

/// `text` in at most `width` columns, ending "…" where it was cut.
fn fit(text: &str, width: usize) -> String {
    if crate::render::wrap::columns(text) <= width {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(width.saturating_sub(1)).collect();
    cut.truncate(cut.trim_end().len());
    cut.push('…');
    cut
}

fn editor_variable() -> &'static str {
    if std::env::var_os("VISUAL").is_some_and(|e| !e.is_empty()) {
        "VISUAL"
    } else {
        "EDITOR"
    }
}

/// The editor command line, as the shell would run it (it may carry arguments,
/// such as `code --wait`).
fn editor_command() -> Option<String> {
    ["VISUAL", "EDITOR"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .find(|e| !e.trim().is_empty())
}

/// A new private file for text written in the editor, in the user's own state
/// directory (not the data directory, which may be shared).
fn recovery_path(flag: &str) -> Result<PathBuf> {
    let dir = super::project_dirs()
        .and_then(|d| d.state_dir().map(|s| s.to_owned()))
        .unwrap_or_else(|| std::env::temp_dir().join("escalate"))
        .join("unsent");
    escalate_core::store::fsutil::private_dir(&dir)?;
    let stamp = chrono::Utc::now().format("%Y%m%d-%H%M%S");
    let name = flag.trim_start_matches('-');
    Ok(dir.join(format!("{name}-{stamp}-{}.txt", std::process::id())))
}

fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
