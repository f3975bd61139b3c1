//! `escalate man`: the manual. The pages are written by `render::man`; this finds
//! the one asked for and shows it: on a terminal as `man` shows it, piped as the
//! text `man` would print (`--roff` gives the source), or with `--output DIR`
//! writes every page into `man1/` and `man5/`.

use std::path::{Path, PathBuf};

use clap::{Args, CommandFactory};

use super::{Ctx, Output};
use crate::render::man::{pages, Page};
use escalate_core::error::{Error, Result};

#[derive(Debug, Args)]
pub(crate) struct ManArgs {
    /// The page to show: a command (`open`, `calendar import`), `escalate-open`, or
    /// `policy.5` for the policy file format [default: escalate(1)]
    #[arg(value_name = "PAGE", num_args = 0..)]
    pub page: Vec<String>,
    /// Write every page into DIR/man1/ and DIR/man5/ instead of showing one
    #[arg(long, value_name = "DIR", conflicts_with = "page")]
    pub output: Option<PathBuf>,
    /// Print the page's roff source (what `man` reads) instead of formatted text
    #[arg(long, conflicts_with = "output")]
    pub roff: bool,
}

pub(super) fn run(args: ManArgs, ctx: &Ctx) -> Result<Output> {
    let pages = pages(super::Cli::command())?;
    if let Some(dir) = args.output {
        return write_all(&pages, &dir);
    }
    let page = find(&pages, &args.page)?;
    if args.roff {
        return Ok(Output::Text(page.roff.clone()));
    }
    // `man -l` and groff read the page from a file of its own.
    let dir = std::env::temp_dir().join(format!("escalate-man-{}", std::process::id()));
    escalate_core::store::fsutil::private_dir(&dir)?;
    let file = dir.join(page.file_name());
    let text = std::fs::write(&file, &page.roff).ok().and_then(|()| {
        if ctx.ui.stdout_is_terminal() {
            // As `man` shows it (its pager, its width), else groff into the pager.
            (sh(MAN, &file) || sh(GROFF, &file)).then(String::new)
        } else {
            // Piped (`escalate man open | less`, `> open.txt`): the text `man`
            // would print, never the roff a reader cannot read.
            formatted_by_groff(&file)
        }
    });
    let _ = std::fs::remove_dir_all(&dir);
    Ok(Output::Text(text.unwrap_or_else(|| plain(&page.roff))))
}

// ---- finding and showing a page ------------------------------------------------

/// A page as `man` shows it; groff into the pager. Without man or groff the
/// script fails quietly (and the next way is tried), rather than the shell
/// saying so or the pipeline showing nothing and still succeeding.
const MAN: &str = "command -v man >/dev/null || exit 127; man -l \"$1\"";
const GROFF: &str = "command -v groff >/dev/null || exit 127; groff -man -Tutf8 \"$1\" | ${MANPAGER:-${PAGER:-less -R}}";

fn sh(script: &str, file: &Path) -> bool {
    let status = std::process::Command::new("sh")
        .args(["-c", script, "escalate-man"])
        .arg(file)
        .status();
    status.is_ok_and(|s| s.success())
}

/// The page formatted as `man` formats it for a pipe: groff's text with no
/// bold or underlining by overstriking (which would print as stray characters),
/// and no hyphenation (piped text is searched for whole words).
fn formatted_by_groff(file: &Path) -> Option<String> {
    let out = std::process::Command::new("groff")
        .args(["-man", "-Tutf8", "-P-cbou", "-rHY=0"])
        .arg(file)
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    (out.status.success() && !text.trim().is_empty()).then_some(text)
}

fn find<'a>(pages: &'a [Page], words: &[String]) -> Result<&'a Page> {
    let typed = words.join("-").to_lowercase();
    let (stem, section) = match typed.rsplit_once('.') {
        Some((stem, "1")) => (stem.to_owned(), Some(1)),
        Some((stem, "5")) => (stem.to_owned(), Some(5)),
        _ => (typed.clone(), None),
    };
    let name = match stem.as_str() {
        "" | "escalate" => "escalate".to_owned(),
        s if s.starts_with("escalate-") => s.to_owned(),
        s => format!("escalate-{s}"),
    };
    pages
        .iter()
        .find(|p| p.name == name && section.is_none_or(|s| s == p.section))
        .ok_or_else(|| {
            Error::usage(format!("there is no manual page {:?}", words.join(" "))).with_hint(
                "Give a command (`escalate man open`, `escalate man calendar import`), or `policy.5` for the policy file format.",
            )
        })
}

fn write_all(pages: &[Page], dir: &Path) -> Result<Output> {
    for page in pages {
        let sub = dir.join(format!("man{}", page.section));
        std::fs::create_dir_all(&sub)
            .map_err(|e| Error::io(format!("could not create {}", sub.display()), e))?;
        let path = sub.join(page.file_name());
        std::fs::write(&path, &page.roff)
            .map_err(|e| Error::io(format!("could not write {}", path.display()), e))?;
    }
    // man-db looks beside the folders on PATH, and in MANPATH: a folder of its
    // own is found only once it is named there.
    let shown = dir.display().to_string();
    Ok(Output::Text(format!(
        "Wrote {} manual pages to {shown} (man1/ and man5/).\nTo read them with `man escalate`, put this line in your shell's startup file (~/.bashrc or ~/.zshrc), then open a new terminal:\n  export MANPATH=\"{shown}:$MANPATH\"\n",
        pages.len(),
    )))
}

/// The page as plain text, for a terminal with neither man nor groff: requests
/// dropped, headings kept, escapes undone.
fn plain(roff: &str) -> String {
    let mut out = String::new();
    for line in roff.lines() {
        let (request, rest) = match line.strip_prefix('.') {
            Some(r) => r.split_once(' ').unwrap_or((r, "")),
            None => ("", line),
        };
        let text = unescape(rest);
        match request {
            "" => out.push_str(&format!("       {text}\n")),
            "SH" | "SS" => out.push_str(&format!("\n{}\n", text.trim_matches('"'))),
            "TP" | "PP" | "IP" | "br" => out.push('\n'),
            _ => {}
        }
    }
    out
}

/// The escapes `tidy` and the roff crate write (fonts, `\-`, `\&`, `\(aq`,
/// `\(bu`, `\[uXXXX]`), undone.
fn unescape(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('f') => {
                chars.next();
            }
            Some('&') | None => {}
            Some('(') => out.push(if chars.by_ref().take(2).eq("aq".chars()) {
                '\''
            } else {
                '*'
            }),
            Some('[') => {
                let code: String = chars.by_ref().take_while(|&c| c != ']').collect();
                let ch = code
                    .strip_prefix('u')
                    .and_then(|h| u32::from_str_radix(h, 16).ok());
                out.extend(ch.and_then(char::from_u32));
            }
            Some(other) => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_undoes_the_escapes() {
        assert_eq!(
            unescape("\\fB\\-\\-note\\fR it\\(aqs a \\[u2014] b\\ c"),
            "--note it's a — b c"
        );
    }

    #[test]
    fn pages_are_found_by_what_people_type() {
        let pages = pages(crate::cli::Cli::command()).unwrap();
        let find = |w: &[&str]| {
            let words: Vec<String> = w.iter().map(|s| s.to_string()).collect();
            find(&pages, &words).map(|p| p.file_name())
        };
        assert_eq!(find(&[]).unwrap(), "escalate.1");
        assert_eq!(find(&["open"]).unwrap(), "escalate-open.1");
        assert_eq!(
            find(&["calendar", "import"]).unwrap(),
            "escalate-calendar-import.1"
        );
        assert_eq!(find(&["escalate-report"]).unwrap(), "escalate-report.1");
        assert_eq!(find(&["policy"]).unwrap(), "escalate-policy.1");
        assert_eq!(find(&["policy.5"]).unwrap(), "escalate-policy.5");
        assert!(find(&["nonsense"]).is_err());
    }
}
