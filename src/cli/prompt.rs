//! Asking for what was left off the command line, on an interactive terminal only.
//! When stdin or stdout is not a terminal, or with --no-input, nothing ever waits
//! for input: the missing flags are a usage error that names them all. Cancelling
//! a prompt (Esc, Ctrl-C) writes nothing.

use std::io::IsTerminal;

use dialoguer::theme::ColorfulTheme;
use dialoguer::{Confirm, Editor, Input, Select};

use crate::error::{Error, Result};

pub struct Prompter {
    interactive: bool,
    theme: ColorfulTheme,
}

fn cancelled(_: dialoguer::Error) -> Error {
    Error::refused("cancelled; nothing was written")
}

impl Prompter {
    pub fn new(no_input: bool) -> Prompter {
        Prompter {
            interactive: !no_input
                && std::io::stdin().is_terminal()
                && std::io::stdout().is_terminal(),
            theme: ColorfulTheme::default(),
        }
    }

    pub fn interactive(&self) -> bool {
        self.interactive
    }

    /// Refuse, naming every missing flag, unless prompts are possible.
    pub fn require(&self, command: &str, flags: &[&str]) -> Result<()> {
        if flags.is_empty() || self.interactive {
            return Ok(());
        }
        Err(Error::usage(format!("escalate {command} needs {}", flags.join(", "))).with_hint(format!(
            "Give {} on the command line (prompts only appear on an interactive terminal without --no-input).",
            if flags.len() == 1 { "it" } else { "them" }
        )))
    }

    /// One line of text, required.
    pub fn line(&self, question: &str) -> Result<String> {
        Input::<String>::with_theme(&self.theme)
            .with_prompt(question)
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

    /// Longer text: in $VISUAL/$EDITOR if set, else one line.
    pub fn long_text(&self, question: &str) -> Result<String> {
        let has_editor = ["VISUAL", "EDITOR"]
            .iter()
            .any(|v| std::env::var_os(v).is_some_and(|e| !e.is_empty()));
        if !has_editor {
            return self.line(question);
        }
        eprintln!("{question} (opening your editor; save and close it to continue)");
        match Editor::new()
            .edit("")
            .map_err(|e| Error::refused(format!("the editor failed: {e}")))?
        {
            Some(text) if !text.trim().is_empty() => Ok(text),
            _ => Err(Error::refused(
                "nothing was typed; cancelled, nothing was written",
            )),
        }
    }

    /// Choose one of `items`; returns its index.
    pub fn select(&self, question: &str, items: &[String]) -> Result<usize> {
        Select::with_theme(&self.theme)
            .with_prompt(question)
            .items(items)
            .default(0)
            .interact_opt()
            .map_err(cancelled)?
            .ok_or_else(|| Error::refused("cancelled; nothing was written"))
    }

    /// Choose from earlier answers, or type a new one.
    pub fn choose_or_type(&self, question: &str, earlier: &[String]) -> Result<String> {
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

    /// Ask yes/no, defaulting to no; "no" cancels.
    pub fn confirm(&self, question: &str) -> Result<()> {
        let yes = Confirm::with_theme(&self.theme)
            .with_prompt(question)
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
