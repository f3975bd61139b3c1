//! Long text on a terminal goes through a pager, as git and gh page long output:
//! `ESCALATE_PAGER`, else `PAGER`, else `less -FRX` (which quits at once if the
//! text fits the screen, and leaves it on the screen afterwards). Never when
//! standard output is not a terminal, and never for JSON; an empty pager, or
//! `cat`, means none.

use std::io::Write;

use super::{Ctx, Output};

/// `text` for standard output: when it is taller than the terminal and a pager
/// showed it, nothing is left to print; otherwise all of it.
pub(super) fn page(ctx: &Ctx, text: String) -> Output {
    if !ctx.ui.stdout_is_terminal() || ctx.json || fits(&text) {
        return Output::Text(text);
    }
    let Some(pager) = pager() else {
        return Output::Text(text);
    };
    let child = std::process::Command::new("sh")
        .arg("-c")
        .arg(&pager)
        // less: colour as escapes, quit if one screen, leave the text shown.
        .env(
            "LESS",
            std::env::var("LESS").unwrap_or_else(|_| "FRX".into()),
        )
        .stdin(std::process::Stdio::piped())
        .spawn();
    let Ok(mut child) = child else {
        return Output::Text(text);
    };
    if let Some(mut stdin) = child.stdin.take() {
        // The reader quitting the pager early closes the pipe: that is their choice.
        let _ = stdin.write_all(escalate_core::domain::text::visible(&text).as_bytes());
    }
    match child.wait() {
        Ok(status) if status.success() => Output::Text(String::new()),
        // A pager that could not run (127: not found) leaves the text unshown.
        _ => Output::Text(text),
    }
}

/// The pager command, if any.
fn pager() -> Option<String> {
    let chosen = ["ESCALATE_PAGER", "PAGER"]
        .iter()
        .find_map(|name| std::env::var(name).ok());
    match chosen {
        Some(p) if p.trim().is_empty() || p.trim() == "cat" => None,
        Some(p) => Some(p),
        None => Some("less -FRX".to_owned()),
    }
}

/// Whether `text` fits the terminal's height (so paging would only get in the way).
fn fits(text: &str) -> bool {
    let rows = std::env::var("LINES")
        .ok()
        .and_then(|l| l.trim().parse::<usize>().ok())
        .or_else(|| {
            terminal_size::terminal_size_of(std::io::stdout()).map(|(_, h)| usize::from(h.0))
        })
        .unwrap_or(100);
    text.lines().count() < rows
}
