//! `escalate man`: the manual. Pages are built from the same definitions as
//! `--help` (so flags can never drift from the commands), with the prose a manual
//! needs around them: a description, the global options, exit status, environment,
//! files and examples, the report's figures, and escalate-policy(5), the policy file
//! format, from policies/README.md. On a terminal a page is shown as `man` shows
//! it; piped, as the text `man` would print (`--roff` gives the source);
//! `--output DIR` writes `man1/` and `man5/`.

use std::path::{Path, PathBuf};

use clap::{Args, CommandFactory};

use super::{Ctx, Output};
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

/// One manual page.
pub(super) struct Page {
    /// `escalate-open`.
    pub name: String,
    pub section: u8,
    pub roff: String,
}

impl Page {
    /// `escalate-open.1`.
    pub(super) fn file_name(&self) -> String {
        format!("{}.{}", self.name, self.section)
    }
}

/// Every page: escalate(1), one per command, and escalate-policy(5).
pub(super) fn pages() -> Vec<Page> {
    let root = super::Cli::command();
    let mut out = Vec::new();
    collect(&root, &root, &[], &mut out);
    out.push(policy_format_page());
    out
}

fn collect(root: &clap::Command, cmd: &clap::Command, path: &[String], out: &mut Vec<Page>) {
    out.push(command_page(root, cmd, path));
    for sub in cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
    {
        let mut path = path.to_vec();
        path.push(sub.get_name().to_owned());
        collect(root, sub, &path, out);
    }
}

pub(super) fn run(args: ManArgs, ctx: &Ctx) -> Result<Output> {
    let pages = pages();
    if let Some(dir) = args.output {
        return write_all(&pages, &dir);
    }
    let page = find(&pages, &args.page)?;
    if args.roff {
        return Ok(Output::Text(page.roff.clone()));
    }
    if ctx.ui.stdout_is_terminal() {
        show_on_terminal(page)?;
        return Ok(Output::Text(String::new()));
    }
    // Piped (`escalate man open | less`, `> open.txt`): the text `man` would
    // print, never the roff a reader cannot read.
    Ok(Output::Text(
        formatted_by_groff(&page.roff).unwrap_or_else(|| plain(&page.roff)),
    ))
}

/// The page formatted as `man` formats it for a pipe: groff's text with no
/// bold or underlining by overstriking (which would print as stray characters).
fn formatted_by_groff(roff: &str) -> Option<String> {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = std::process::Command::new("groff")
        // No hyphenation either: piped text is searched for whole words.
        .args(["-man", "-Tutf8", "-P-cbou", "-rHY=0"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let mut stdin = child.stdin.take()?;
    let roff = roff.to_owned();
    // Written from a thread: a page larger than the pipe's buffer would
    // otherwise wait for groff, which waits for us to read its output.
    let feeder = std::thread::spawn(move || stdin.write_all(roff.as_bytes()));
    let out = child.wait_with_output().ok()?;
    feeder.join().ok()?.ok()?;
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

/// Show a page as `man` would: through `man -l` (its pager, its width), else
/// groff into the pager, else the plain text of the page.
fn show_on_terminal(page: &Page) -> Result<()> {
    let dir = std::env::temp_dir().join(format!("escalate-man-{}", std::process::id()));
    escalate_core::store::fsutil::private_dir(&dir)?;
    let file = dir.join(page.file_name());
    let shown = std::fs::write(&file, &page.roff)
        .ok()
        .and_then(|()| shown_by_man(&file).or_else(|| shown_by_groff(&file)));
    let _ = std::fs::remove_dir_all(&dir);
    if shown.is_none() {
        use std::io::Write;
        let mut out = super::sink::stdout();
        let written = out.write_all(plain(&page.roff).as_bytes());
        super::sink::finish(&mut out, written)?;
    }
    Ok(())
}

fn shown_by_man(file: &Path) -> Option<()> {
    let status = std::process::Command::new("man")
        .arg("-l")
        .arg(file)
        .status()
        .ok()?;
    status.success().then_some(())
}

fn shown_by_groff(file: &Path) -> Option<()> {
    let pager = std::env::var("MANPAGER")
        .or_else(|_| std::env::var("PAGER"))
        .ok()
        .filter(|p| !p.trim().is_empty())
        .unwrap_or_else(|| "less -R".to_owned());
    let status = std::process::Command::new("sh")
        .arg("-c")
        // Without groff the pipeline would show nothing and still succeed.
        .arg(format!(
            "command -v groff >/dev/null || exit 127; groff -man -Tutf8 \"$1\" | {pager}"
        ))
        .arg("escalate-man")
        .arg(file)
        .status()
        .ok()?;
    status.success().then_some(())
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
            "" | "B" | "I" => out.push_str(&format!("       {text}\n")),
            "SH" => out.push_str(&format!("\n{}\n", text.trim_matches('"'))),
            "SS" => out.push_str(&format!("\n   {}\n", text.trim_matches('"'))),
            "TP" | "PP" | "IP" => out.push('\n'),
            _ => {}
        }
    }
    out
}

fn unescape(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('f') => {
                chars.next();
            }
            Some('-') => out.push('-'),
            Some('e') => out.push('\\'),
            Some('&') => {}
            Some('[') => {
                let code: String = chars.by_ref().take_while(|&c| c != ']').collect();
                let ch = code
                    .strip_prefix('u')
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                    .and_then(char::from_u32);
                match (code.as_str(), ch) {
                    ("bu", _) => out.push('*'),
                    (_, Some(ch)) => out.push(ch),
                    _ => {}
                }
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

// ---- roff writing -------------------------------------------------------------

/// Escape plain text for roff, turning `code` into bold and **bold** and *italic*
/// into their fonts. Characters beyond ASCII become groff's `\[uXXXX]`, which needs
/// no input-encoding guess.
fn inline(text: &str) -> String {
    let mut out = String::new();
    let mut code = false;
    let mut bold = false;
    let mut italic = false;
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        match c {
            '`' => {
                code = !code;
                out.push_str(if code { "\\fB" } else { "\\fR" });
            }
            '*' if !code && next == Some('*') => {
                bold = !bold;
                out.push_str(if bold { "\\fB" } else { "\\fR" });
                i += 1;
            }
            '*' if !code && (italic || next.is_some_and(|n| n.is_alphanumeric() || n == '"')) => {
                italic = !italic;
                out.push_str(if italic { "\\fI" } else { "\\fR" });
            }
            '\\' => out.push_str("\\e"),
            '-' => out.push_str("\\-"),
            '\'' => out.push_str("\\(aq"),
            c if !c.is_ascii() => out.push_str(&format!("\\[u{:04X}]", c as u32)),
            c => out.push(c),
        }
        i += 1;
    }
    if code || bold || italic {
        out.push_str("\\fR");
    }
    out
}

/// A line of running text: never starting with a control character.
fn text_line(text: &str) -> String {
    let t = inline(text.trim());
    if t.starts_with('.') || t.starts_with('\'') {
        format!("\\&{t}\n")
    } else {
        format!("{t}\n")
    }
}

/// Paragraphs separated by blank lines.
fn paragraphs(text: &str) -> String {
    let mut out = String::new();
    for (i, para) in text.split("\n\n").enumerate() {
        if i > 0 {
            out.push_str(".PP\n");
        }
        for line in para.lines().filter(|l| !l.trim().is_empty()) {
            out.push_str(&text_line(line));
        }
    }
    out
}

fn title(name: &str, section: u8) -> String {
    format!(
        ".TH \"{}\" \"{section}\" \"\" \"escalate {}\" \"escalate manual\"\n",
        name.to_uppercase().replace('-', "\\-"),
        env!("CARGO_PKG_VERSION")
    )
}

fn section(heading: &str) -> String {
    format!(".SH \"{heading}\"\n")
}

fn tagged(tag: &str, body: &str) -> String {
    format!(".TP\n{tag}\n{}", paragraphs(body))
}

// ---- command pages --------------------------------------------------------------

const GLOBAL_HEADING: &str = "Global options";

fn is_global(arg: &clap::Arg) -> bool {
    arg.get_help_heading() == Some(GLOBAL_HEADING)
}

/// `--policy ID`, `--cp-plan`, `ID`, `[IDS]...`, as typed.
fn arg_usage(arg: &clap::Arg, roff: bool) -> String {
    let value = arg
        .get_value_names()
        .and_then(|v| v.first())
        .map(|v| v.to_string())
        .unwrap_or_else(|| arg.get_id().as_str().to_uppercase());
    let (b, i, r, dash) = if roff {
        ("\\fB", "\\fI", "\\fR", "\\-")
    } else {
        ("", "", "", "-")
    };
    let many = matches!(arg.get_num_args(), Some(n) if n.max_values() > 1);
    match arg.get_long() {
        None => format!("{i}{value}{r}{}", if many { "..." } else { "" }),
        Some(long) => {
            let flag = format!("{b}{dash}{dash}{}{r}", long.replace('-', dash));
            let short = arg
                .get_short()
                .map(|s| format!("{b}{dash}{s}{r}, "))
                .unwrap_or_default();
            if arg.get_action().takes_values() {
                format!("{short}{flag} {i}{value}{r}")
            } else {
                format!("{short}{flag}")
            }
        }
    }
}

fn help_of(arg: &clap::Arg) -> String {
    let mut help = arg
        .get_long_help()
        .or_else(|| arg.get_help())
        .map(|h| h.to_string())
        .unwrap_or_default();
    let values: Vec<String> = arg
        .get_possible_values()
        .iter()
        .filter(|v| !v.is_hide_set())
        .map(|v| format!("`{}`", v.get_name()))
        .collect();
    if !values.is_empty() && arg.get_action().takes_values() {
        help.push_str(&format!(" (one of {})", values.join(", ")));
    }
    let defaults: Vec<String> = arg
        .get_default_values()
        .iter()
        .map(|v| v.to_string_lossy().into_owned())
        .collect();
    if !defaults.is_empty() && arg.get_action().takes_values() {
        help.push_str(&format!(" [default: {}]", defaults.join(", ")));
    }
    help
}

fn synopsis(cmd: &clap::Command, path: &[String]) -> String {
    let mut words = vec![format!(
        "\\fBescalate{}\\fR",
        path.iter()
            .map(|p| format!(" {}", p.replace('-', "\\-")))
            .collect::<String>()
    )];
    if cmd.has_subcommands() {
        words.push("\\fICOMMAND\\fR".into());
    }
    for arg in cmd
        .get_arguments()
        .filter(|a| !a.is_hide_set() && !is_global(a) && a.get_id() != "help")
    {
        // A flag and its value stay on one line.
        let usage = arg_usage(arg, true).replace(' ', "\\ ");
        words.push(if arg.is_required_set() {
            usage
        } else {
            format!("[{usage}]")
        });
    }
    words.push("[\\fIglobal options\\fR]".into());
    // Flags are never hyphenated across lines: they are typed as shown.
    format!(".PP\n.nh\n.ad l\n{}\n.ad\n.hy\n", words.join(" "))
}

fn options_section(heading: &str, args: &[&clap::Arg]) -> String {
    if args.is_empty() {
        return String::new();
    }
    let mut out = section(heading);
    for arg in args {
        out.push_str(&tagged(&arg_usage(arg, true), &help_of(arg)));
    }
    out
}

fn command_page(root: &clap::Command, cmd: &clap::Command, path: &[String]) -> Page {
    let name = std::iter::once("escalate".to_owned())
        .chain(path.iter().cloned())
        .collect::<Vec<_>>()
        .join("-");
    let about = cmd.get_about().map(|a| a.to_string()).unwrap_or_default();
    let mut roff = title(&name, 1);
    roff.push_str(&section("NAME"));
    roff.push_str(&format!(
        "{} \\- {}\n",
        name.replace('-', "\\-"),
        inline(&lowercase_first(&about))
    ));
    roff.push_str(&section("SYNOPSIS"));
    roff.push_str(&synopsis(cmd, path));
    roff.push_str(&section("DESCRIPTION"));
    roff.push_str(&paragraphs(&description(&name, &about)));
    let subs: Vec<&clap::Command> = cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
        .collect();
    if !subs.is_empty() {
        roff.push_str(&section("COMMANDS"));
        for sub in subs {
            let about = sub.get_about().map(|a| a.to_string()).unwrap_or_default();
            roff.push_str(&tagged(
                &format!("\\fB{}\\fR", sub.get_name().replace('-', "\\-")),
                &format!("{about}. See `{name}-{}`(1).", sub.get_name()),
            ));
        }
    }
    let own: Vec<&clap::Arg> = cmd
        .get_arguments()
        .filter(|a| !a.is_hide_set() && !is_global(a))
        .collect();
    roff.push_str(&options_section("OPTIONS", &own));
    let global: Vec<&clap::Arg> = root.get_arguments().filter(|a| is_global(a)).collect();
    roff.push_str(&options_section("GLOBAL OPTIONS", &global));
    for (heading, body) in extra_sections(&name) {
        roff.push_str(&section(heading));
        roff.push_str(&body);
    }
    roff.push_str(&section("EXIT STATUS"));
    for (code, meaning) in EXIT_CODES {
        roff.push_str(&tagged(code, meaning));
    }
    roff.push_str(&section("ENVIRONMENT"));
    for (var, meaning) in ENVIRONMENT {
        roff.push_str(&tagged(&format!("\\fB{var}\\fR"), meaning));
    }
    roff.push_str(&section("FILES"));
    for (file, meaning) in FILES {
        roff.push_str(&tagged(&format!("\\fI{}\\fR", inline(file)), meaning));
    }
    let examples = examples(&name);
    if !examples.is_empty() {
        roff.push_str(&section("EXAMPLES"));
        for (what, command) in examples {
            roff.push_str(&text_line(what));
            roff.push_str(&format!(
                ".PP\n.RS 4\n.nf\n{}.fi\n.RE\n.PP\n",
                text_line(command)
            ));
        }
    }
    roff.push_str(&section("SEE ALSO"));
    let mut see: Vec<String> = vec!["escalate(1)".into(), "escalate-policy(5)".into()];
    if name != "escalate" {
        see.retain(|s| !s.starts_with(&format!("{name}(")));
    } else {
        see.remove(0);
    }
    if let Some(parent) = name
        .rsplit_once('-')
        .map(|(p, _)| p)
        .filter(|p| *p != "escalate")
    {
        see.push(format!("{parent}(1)"));
    }
    let see: Vec<String> = see
        .into_iter()
        .map(|s| {
            let (page, sec) = s.split_once('(').unwrap_or((&s, "1)"));
            format!("\\fB{}\\fR({sec}", page.replace('-', "\\-"))
        })
        .collect();
    roff.push_str(&format!("{}\n", see.join(", ")));
    Page {
        name,
        section: 1,
        roff,
    }
}

fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

const EXIT_CODES: [(&str, &str); 4] = [
    ("0", "Success."),
    (
        "1",
        "Refused or failed: the message says what to do next, and nothing was written.",
    ),
    (
        "2",
        "Bad usage: an unknown flag, a missing or malformed argument (an empty text is a missing one).",
    ),
    (
        "3",
        "Damaged: a journal (or a stored calendar file) does not read back as escalate wrote it. Commands on that dispute stop and name the file and line; `status` and `report` leave it out with a warning (`status --strict` exits 3); `verify` reports every journal, then exits 3.",
    ),
];

const ENVIRONMENT: [(&str, &str); 7] = [
    (
        "ESCALATE_DIR",
        "The data directory (`--dir` wins). Given this way or with `--dir`, it must exist for commands that read disputes; `open` and the calendar commands that record create it.",
    ),
    (
        "ESCALATE_USER",
        "Who is recording (`--by` wins; then `name` in the config file; then your login name).",
    ),
    (
        "ESCALATE_NOW",
        "Pin \"now\": RFC 3339 (`2026-12-01T09:30:00Z`) or a date (the start of that day in London). For tests and demonstrations.",
    ),
    ("NO_COLOR", "Set and not empty: no colour."),
    (
        "VISUAL, EDITOR",
        "The editor for long text left off the command line on a terminal. Text that is not recorded is kept in a file the message names.",
    ),
    (
        "MANPAGER, PAGER",
        "The pager for `escalate man` when `man` itself is not installed.",
    ),
    (
        "COMPLETE",
        "Set by the completion scripts (`escalate completions SHELL`) when the shell asks for completions.",
    ),
];

const FILES: [(&str, &str); 8] = [
    (
        "~/.local/share/escalate/",
        "The default data directory on Linux (your platform's data directory elsewhere); `--dir` or `ESCALATE_DIR` choose another. Directories are created 0700 and files 0600.",
    ),
    (
        "DIR/disputes/ID.jsonl",
        "One journal per dispute: one JSON object per line, only ever appended to (see docs/journal-format.md).",
    ),
    (
        "DIR/disputes/ID.head",
        "The head receipt: the journal's last line number and hash.",
    ),
    (
        "DIR/policies/SHA256.toml",
        "The exact policy text each dispute was opened under.",
    ),
    (
        "DIR/calendar/",
        "An imported GOV.UK bank-holiday list and local closure days.",
    ),
    (
        "DIR/cache/status.bin",
        "Derived state that makes `status` fast; safe to delete at any time.",
    ),
    (
        "~/.config/escalate/config.toml",
        "Your settings (`escalate config path` prints where); user policies go in `policies/` beside it.",
    ),
    (
        "~/.local/state/escalate/unsent/",
        "Text written in your editor that was not recorded, one file each, to give back with `--note-file` and its kin.",
    ),
];

/// The DESCRIPTION of each page: what a person needs before the options.
fn description(name: &str, about: &str) -> String {
    let text = match name {
        "escalate" => "escalate keeps one append-only journal per child-safeguarding professional disagreement (a dispute) and follows the escalation policy of your local Safeguarding Partnership: its stages in order, each within so many working days, with the people to notify on the way and every decision recorded in writing.\n\nIt shows what is due and overdue (`status`), one dispute in full (`show`), and counts escalations for the month-end report (`report`). Deadlines count working days: Monday to Friday less the bank holidays of the policy's division and any closure days you record.\n\nDates may be written `2026-11-30` or `30/11/2026` (day first), or `today`, `yesterday`, `tomorrow`, or a weekday: for times in the past (`--at`, `--arose`, `report --from` and `--to`) `friday` is the most recent Friday, and for dates ahead (`--due`, `--as-of`) the coming one (today, either way, if it is a Friday); `last friday` is the one before today and `next friday` the first after it. A time follows the day as `14:30`, `4pm` or `9:30am` (`yesterday 4pm`; a time alone is today's). Anything but the ISO form is read back in words on standard error before it is recorded (not with `--quiet`).\n\nLong text (`--note`, `--summary`, `--outcome`, `--reason`) may be up to 20,000 characters; `-` reads it from standard input, and `--note-file PATH` (and its kin) from a file.\n\nLeave flags off on a terminal and escalate asks for them; without a terminal, or with `--no-input`, a missing flag is a usage error naming every one missing.",
        "escalate-open" => "Start a dispute under a policy: the child's reference in your records (never a name), the agency raising it (`--from`, or `organisation` in the config) and the agency whose decision is disputed (`--with`), and what it is about. The first stage's deadline runs from when the dispute was opened (`--at` if it was earlier than now).\n\nFacts about the child (`--cp-plan`, `--looked-after`, `--immediate-harm`) and the kind of disagreement (`--category`) decide which deadlines and obligations apply under the policy. `--due` sets an earlier deadline than the policy's (with `--due-reason` saying why, if you like); a later one only where the policy lets the parties agree one, and then with `--due-reason`.",
        "escalate-discuss" => "Record a discussion at the dispute's current stage: most stages require one before the dispute may be escalated.",
        "escalate-escalate" => "Move a dispute to the next stage, recording why it was not resolved at this one. On a terminal escalate first shows the next stage, its deadline and what it will require, then asks for confirmation (`--yes` skips it).",
        "escalate-notify" => "Record that someone was told, meeting an outstanding obligation (`--who` takes the obligation's id or its role).",
        "escalate-resolve" => "Close a dispute with its written outcome and how any outstanding issues will be pursued.",
        "escalate-amend" => "Attach a correction to an earlier line of the journal. Nothing is ever edited: `show` prints the correction beside the original.",
        "escalate-reopen" => "Reopen a resolved dispute at the stage it was resolved at. Its deadlines start again from the reopening.",
        "escalate-status" => "List open disputes, overdue first then by due date, with what is outstanding on each. A data directory given with `--dir` or `ESCALATE_DIR` must exist; on a fresh install (the default directory not yet created) it says how to start.",
        "escalate-show" => "Show one dispute: its deadline, outstanding obligations and whole timeline, corrections beside what they correct.",
        "escalate-report" => "Count escalations in a period for the month-end report: a calendar month (`--month`) or any period (`--from` and `--to`, both inclusive). An event belongs to the period in which it happened (its `--at` time if given, else when it was recorded), reckoned in Europe/London.\n\nAn empty period gives zeros, not an error; a period that starts after today, or an `--agency` that no dispute names, gives a warning as well.",
        "escalate-export" => "Write every dispute's current state for records (JSON lines or CSV; `--all` includes resolved ones), or the open deadlines as an iCalendar file to subscribe to. Calendar events carry the dispute ID, stage and agencies, never the child's reference.",
        "escalate-verify" => "Check every journal (or those named) end to end: each line's seal and hash chain, line numbering, the head receipt, the events against the pinned policy's stage rules, and the pinned policy text. One line per dispute with its head hash, a receipt worth noting in your case system.",
        "escalate-policy" => "The escalation policies: the five built in, and your own from the `policies/` folder of the config directory. The file format is in escalate-policy(5).",
        "escalate-calendar" => "The working-day calendar: bank holidays of the three UK divisions (computed from their rules, or an imported GOV.UK list), local closure days, and date sums. Deadlines always follow the current calendar.",
        "escalate-config" => "Read or change your settings: `name` (recorded on every event), `policy` (the default for `open`), `organisation` (the default `open --from`) and `division` (for the calendar commands).",
        "escalate-completions" => "Print a Tab-completion script for bash, zsh, fish, elvish or PowerShell. Completion offers your real dispute IDs (open ones where a command takes only those, resolved ones for `reopen`, from the `--dir` on the command line if given) and policy ids.",
        "escalate-agency" => "The partnership's agency names and their aliases, kept in the data directory (agencies.toml, shared with the directory when it is shared). A journal keeps a name exactly as typed; reports count an alias under its agency's canonical name, and warn about names that look alike (by case, punctuation or initials) but are not aliased.",
        "escalate-man" => "Show a manual page. On a terminal the page is shown as `man` shows it (through your pager); piped, it is printed as the formatted text `man` would print (`--roff` prints the page's roff source instead). `--output DIR` writes every page into DIR/man1/ and DIR/man5/; `man escalate` finds them once DIR is on MANPATH (`export MANPATH=\"DIR:$MANPATH\"`; when MANPATH was unset, the colon left at the end keeps the system's own pages).",
        _ => "",
    };
    if text.is_empty() {
        format!("{about}.")
    } else {
        text.to_owned()
    }
}

/// Sections particular to one page.
fn extra_sections(name: &str) -> Vec<(&'static str, String)> {
    match name {
        "escalate-report" => vec![
            ("FIGURES", report_figures()),
            ("CSV COLUMNS", paragraphs(CSV_COLUMNS)),
        ],
        _ => Vec::new(),
    }
}

fn report_figures() -> String {
    let mut out = paragraphs("Each figure, as named in JSON and CSV:");
    for (figure, meaning) in escalate_core::domain::report::FIGURES {
        // The one definition is written as a table cell; the page gives sentences.
        let mut chars = meaning.chars();
        let sentence = chars
            .next()
            .map(|c| format!("{}{}.", c.to_uppercase(), chars.as_str()))
            .unwrap_or_default();
        out.push_str(&tagged(&format!("\\fB{}\\fR", inline(figure)), &sentence));
    }
    out
}

const CSV_COLUMNS: &str = "One header row (left out with `--no-header`), one row per policy and a `total` row. The columns are stable and will not change: `from`, `to`, `policy`, `opened`, `escalations`, `entered_stage_1` to `entered_stage_N`, `resolved`, `resolved_at_stage_1` to `resolved_at_stage_N`, `reopened`, `open_at_end`, `overdue_at_end`, `median_working_days_to_resolve`, where N is the highest stage of any known policy. Months appended to one file therefore always line up.";

fn examples(name: &str) -> Vec<(&'static str, &'static str)> {
    match name {
        "escalate" => vec![
            ("Set your name once; it is recorded on every event:", "escalate config set name \"Jo Bloggs (DSL)\""),
            ("Open a dispute, then see everything that is due:", "escalate open --policy gscb --child LCS-40213 --from \"Hollyfield Primary\" --with \"Children's Social Care\" --summary \"Referral judged below threshold\"\nescalate status"),
            ("Read this manual's page for one command:", "escalate man open"),
        ],
        "escalate-open" => vec![
            ("A dispute under Gloucestershire's policy about a child with a child protection plan:", "escalate open --policy gscb --child LCS-40213 --from \"Hollyfield Primary\" --with \"Children's Social Care\" --summary \"Referral on 20 Nov judged below threshold\" --category levels-of-need --cp-plan"),
            ("Opened on Friday afternoon, recorded now, the summary written in a file:", "escalate open --policy gscb --child LCS-40213 --with CSC --summary-file summary.txt --at \"friday 15:30\""),
        ],
        "escalate-discuss" => vec![
            ("A telephone call this morning:", "escalate discuss 7K3M --note \"Phoned the duty social worker; decision stands\" --with \"A. Smith, CSC\" --at \"today 09:40\""),
            ("A long note from another program:", "pandoc minutes.docx -t plain | escalate discuss 7K3M --note -"),
        ],
        "escalate-escalate" => vec![
            ("Move to the next stage with an earlier deadline than the policy's:", "escalate escalate 7K3M --reason \"No agreement at worker level\" --due 27/11/2026"),
        ],
        "escalate-notify" => vec![
            ("The Independent Reviewing Officer was e-mailed:", "escalate notify 7K3M --who iro --note \"E-mailed the IRO\""),
        ],
        "escalate-resolve" => vec![
            ("Close with the agreed outcome:", "escalate resolve 7K3M --outcome \"CSC agreed a child and family assessment; review on 14 Dec\""),
        ],
        "escalate-amend" => vec![
            ("Correct the note on line 2:", "escalate amend 7K3M --event 2 --note \"The call was with the team manager, not the duty worker\""),
        ],
        "escalate-reopen" => vec![
            ("The agreed assessment did not happen:", "escalate reopen 7K3M --reason \"Assessment not started by the review date\""),
        ],
        "escalate-status" => vec![
            ("Everything overdue or due within two working days:", "escalate status --due-within 2"),
            ("As things stood at the start of a date:", "escalate status --as-of 2026-11-30"),
        ],
        "escalate-show" => vec![("One dispute by the start of its ID:", "escalate show 7K3M")],
        "escalate-report" => vec![
            ("Last month's figures as a table:", "escalate report --month 2026-11"),
            ("A month-end cron job appending to one CSV file (write the header once without --no-header):", "5 7 1 * * escalate report --month \"last month\" --format csv --no-header >> escalations.csv"),
            ("Since last Monday:", "escalate report --from \"last monday\" --to today"),
            ("The year's board pack against last year, with the business unit's commentary:", "escalate report --from 2026-04-01 --to 2027-03-31 --per quarter --compare previous --commentary notes.md --format html > pack.html"),
            ("March's figures as the board was given them on 2 April:", "escalate report --month 2026-03 --as-recorded-at 2026-04-02T09:00"),
        ],
        "escalate-export" => vec![
            ("Open deadlines for a shared calendar:", "escalate export --format ics > deadlines.ics"),
            ("Every dispute, resolved too, for a spreadsheet:", "escalate export --format csv --all > disputes.csv"),
        ],
        "escalate-verify" => vec![("Check every journal and note the receipts:", "escalate verify")],
        "escalate-policy" | "escalate-policy-list" => vec![("The policies you can use, with their sources:", "escalate policy list")],
        "escalate-agency" | "escalate-agency-alias" | "escalate-agency-add" => vec![("Count \"CSC\" under Children's Social Care in every report (journals keep what was typed):", "escalate agency add \"Children's Social Care\"\nescalate agency alias CSC \"Children's Social Care\"")],
        "escalate-agency-list" => vec![("The agencies and their aliases:", "escalate agency list")],
        "escalate-calendar" | "escalate-calendar-show" => vec![("Every non-working day of 2026 and where it comes from:", "escalate calendar show --year 2026")],
        "escalate-calendar-add" => vec![("Five working days after 18 December 2026:", "escalate calendar add 18/12/2026 5")],
        "escalate-calendar-between" => vec![("Working days from one date to another:", "escalate calendar between 2026-12-18 2027-01-08")],
        "escalate-calendar-reopen" => vec![("The office opens on 31 December after all:", "escalate calendar reopen 31/12/2026")],
        "escalate-config" | "escalate-config-set" => vec![
            ("Your name, recorded on every event:", "escalate config set name \"Jo Bloggs (DSL)\""),
            ("The policy `open` uses when --policy is left off:", "escalate config set policy gscb"),
        ],
        "escalate-config-get" => vec![("Which policy is the default:", "escalate config get policy")],
        "escalate-config-list" => vec![("Every setting:", "escalate config list")],
        "escalate-config-path" => vec![("Where the settings file is:", "escalate config path")],
        "escalate-policy-show" => vec![("Gloucestershire's policy as a flowchart for Graphviz:", "escalate policy show gscb --format dot | dot -Tsvg > gscb.svg")],
        "escalate-policy-check" => vec![("Check your own area's policy file:", "escalate policy check our-area.toml")],
        "escalate-calendar-import" => vec![("GOV.UK's list of bank holidays:", "curl -sO https://www.gov.uk/bank-holidays.json && escalate calendar import bank-holidays.json")],
        "escalate-calendar-close" => vec![("The office is closed between Christmas and New Year:", "escalate calendar close 29/12/2026 --to 31/12/2026 --reason \"Council closed\"")],
        "escalate-completions" => vec![
            ("bash, in ~/.bashrc:", "source <(escalate completions bash)"),
            ("fish:", "escalate completions fish | source"),
        ],
        "escalate-agree" => vec![
            ("The child goes home on Thursday: an earlier date, under any policy:", "escalate agree 7K3M --due 03/12/2026 --note \"Child goes home Thursday; the plan must be agreed before then\""),
            ("Both agencies agreed to take until Friday, where the policy lets them:", "escalate agree 7K3M --due 04/12/2026 --note \"Agreed with the CSC team manager by phone\""),
        ],
        "escalate-policy-new" => vec![
            ("Start your area's policy from a commented skeleton, then check it:", "escalate policy new our-area.toml\nescalate policy check our-area.toml"),
        ],
        "escalate-key" | "escalate-key-show" => vec![
            ("Your key's fingerprint, and the line to add to the data directory's signers file:", "escalate key show"),
        ],
        "escalate-key-new" => vec![
            ("Make your signing key before you first record anything:", "escalate key new"),
        ],
        "escalate-share" | "escalate-share-init" => vec![
            ("Turn this data directory into the partnership's shared record:", "escalate share init /shared/partnership/escalate.git"),
        ],
        "escalate-share-join" => vec![
            ("Join the partnership's record in a new data directory:", "escalate share join /shared/partnership/escalate.git ~/escalate-partnership"),
        ],
        "escalate-share-repair" => vec![
            ("Sync stopped because the partnership's copy of .gitignore was changed; put escalate's back:", "escalate share repair"),
        ],
        "escalate-sync" => vec![
            ("Send what you recorded and receive the other agencies' lines:", "escalate sync"),
            ("Sync after every recording command from now on:", "escalate config set sync auto"),
        ],
        "escalate-man" => vec![
            ("The page for one command:", "escalate man calendar import"),
            ("Install every page for man:", "escalate man --output ~/.local/share/man"),
        ],
        _ => Vec::new(),
    }
}

// ---- escalate-policy(5) -----------------------------------------------------------

const POLICY_README: &str = include_str!("../../policies/README.md");

/// The policy file format, from policies/README.md (the one text both are kept in).
fn policy_format_page() -> Page {
    let mut roff = title("escalate-policy", 5);
    roff.push_str(&section("NAME"));
    roff.push_str("escalate\\-policy \\- escalation policy files for escalate\n");
    roff.push_str(&section("SYNOPSIS"));
    roff.push_str(".PP\n\\fI~/.config/escalate/policies/ID.toml\\fR, or \\fBescalate open \\-\\-policy\\-file\\fR \\fIPATH\\fR\n");
    roff.push_str(&section("DESCRIPTION"));
    roff.push_str(&markdown(POLICY_README));
    roff.push_str(&section("SEE ALSO"));
    roff.push_str("\\fBescalate\\fR(1), \\fBescalate\\-policy\\fR(1), \\fBescalate\\-policy\\-check\\fR(1), \\fBescalate\\-open\\fR(1)\n");
    Page {
        name: "escalate-policy".into(),
        section: 5,
        roff,
    }
}

/// The markdown of policies/README.md as roff: headings, paragraphs, lists, code
/// blocks and tables (as tagged paragraphs), with links as their text and address.
fn markdown(md: &str) -> String {
    let mut out = String::new();
    let mut in_code = false;
    let mut para = false;
    for line in md.lines() {
        if line.starts_with("```") {
            if in_code {
                out.push_str(".fi\n.RE\n");
            } else {
                out.push_str(".PP\n.RS 4\n.nf\n");
            }
            in_code = !in_code;
            para = false;
            continue;
        }
        if in_code {
            let escaped = inline_code(line);
            out.push_str(&if escaped.starts_with('.') || escaped.starts_with('\'') {
                format!("\\&{escaped}\n")
            } else {
                format!("{escaped}\n")
            });
            continue;
        }
        let trimmed = line.trim();
        if trimmed.is_empty() {
            para = false;
            continue;
        }
        if let Some(h) = trimmed.strip_prefix("# ") {
            let _ = h; // the page's NAME says it
            continue;
        }
        if let Some(h) = trimmed.strip_prefix("## ") {
            out.push_str(&format!(".SS \"{}\"\n", inline(&links(h).to_uppercase())));
            para = false;
            continue;
        }
        if let Some(h) = trimmed
            .strip_prefix("### ")
            .or_else(|| trimmed.strip_prefix("#### "))
        {
            out.push_str(&format!(
                ".PP\n\\fB{}\\fR\n",
                inline(&links(h)).replace("\\fR", "\\fB")
            ));
            para = false;
            continue;
        }
        if trimmed.starts_with('|') {
            let cells: Vec<&str> = trimmed
                .trim_matches('|')
                .split('|')
                .map(str::trim)
                .collect();
            if cells
                .iter()
                .all(|c| c.chars().all(|ch| ch == '-' || ch == ':'))
            {
                continue;
            }
            // The header row names the columns; each later row is one entry.
            if !para {
                para = true;
                continue;
            }
            let body = cells[1..].join(" \u{2014} ");
            out.push_str(&format!(".TP\n{}{}", inline(&links(cells[0])), "\n"));
            out.push_str(&text_line(&links(&body)));
            continue;
        }
        if let Some(item) = trimmed.strip_prefix("- ") {
            out.push_str(".IP \\(bu 2\n");
            out.push_str(&text_line(&links(item)));
            para = true;
            continue;
        }
        if !para {
            out.push_str(".PP\n");
            para = true;
        }
        out.push_str(&text_line(&links(trimmed)));
    }
    out
}

/// Code shown as written: only escapes, no markup.
fn inline_code(line: &str) -> String {
    line.chars()
        .map(|c| match c {
            '\\' => "\\e".to_owned(),
            '-' => "\\-".to_owned(),
            '\'' => "\\(aq".to_owned(),
            c if !c.is_ascii() => format!("\\[u{:04X}]", c as u32),
            c => c.to_string(),
        })
        .collect()
}

/// `[text](address)` as "text <address>" (a relative address as text alone).
fn links(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        let Some(mid) = rest[open..].find("](").map(|m| open + m) else {
            break;
        };
        let Some(close) = rest[mid..].find(')').map(|c| mid + c) else {
            break;
        };
        out.push_str(&rest[..open]);
        let label = &rest[open + 1..mid];
        let address = &rest[mid + 2..close];
        out.push_str(label);
        if address.starts_with("http") {
            out.push_str(&format!(" <{address}>"));
        }
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A heading is upper-cased before it is escaped: upper-casing the escapes
    /// (`\(aq`, `\fB`) would make them escapes groff does not know.
    #[test]
    fn headings_keep_their_escapes_valid() {
        let roff = markdown("## What the author's `policy` says\n");
        assert!(
            roff.contains(".SS \"WHAT THE AUTHOR\\(aqS \\fBPOLICY\\fR SAYS\""),
            "{roff}"
        );
    }

    #[test]
    fn text_is_escaped_for_roff() {
        assert_eq!(inline("`--note` it's"), "\\fB\\-\\-note\\fR it\\(aqs");
        assert_eq!(inline("a — b"), "a \\[u2014] b");
        assert_eq!(text_line(".hidden"), "\\&.hidden\n");
        assert_eq!(
            links("see [x](https://a.b) and [y](y.md)"),
            "see x <https://a.b> and y"
        );
    }

    #[test]
    fn pages_are_found_by_what_people_type() {
        let pages = pages();
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
