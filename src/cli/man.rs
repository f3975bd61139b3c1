//! `escalate man`: the manual. Each command's options are laid out by clap_mangen
//! from the same definitions as `--help` (so flags can never drift from the
//! commands); the roff crate writes what a manual adds around them: synopsis,
//! description, exit status, environment, files and examples (their prose is in
//! man.toml), the report's figures from `FIGURES`, and escalate-policy(5), the
//! policy file format, from policies/README.md. On a terminal a page is shown as
//! `man` shows it; piped, as the text `man` would print (`--roff` gives the
//! source); `--output DIR` writes `man1/` and `man5/`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clap::{Args, CommandFactory};
use roff::{bold, italic, roman, Inline, Roff};

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
struct Page {
    /// `escalate-open`.
    pub name: String,
    pub section: u8,
    pub roff: String,
}

impl Page {
    /// `escalate-open.1`.
    fn file_name(&self) -> String {
        format!("{}.{}", self.name, self.section)
    }
}

/// The prose of the pages (man.toml): kept apart from the code that lays it out.
#[derive(serde::Deserialize)]
struct Prose {
    exit_status: Vec<(String, String)>,
    environment: Vec<(String, String)>,
    files: Vec<(String, String)>,
    csv_columns: String,
    page: BTreeMap<String, PageProse>,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct PageProse {
    description: String,
    examples: Vec<(String, String)>,
}

/// Every page: escalate(1), one per command, and escalate-policy(5).
fn pages() -> Result<Vec<Page>> {
    let prose: Prose = toml::from_str(include_str!("man.toml"))
        .map_err(|e| Error::usage(format!("the manual's text (man.toml) is damaged: {e}")))?;
    // Built once here, so that every command has its name as typed and the
    // global options, as `--help` shows them; `help` is no page of its own.
    let mut root = without_help(super::Cli::command());
    root.build();
    let mut out = Vec::new();
    collect(&root, "escalate", &prose, &mut out);
    out.push(policy_format_page());
    Ok(out)
}

fn without_help(cmd: clap::Command) -> clap::Command {
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_owned())
        .collect();
    names
        .iter()
        .fold(cmd.disable_help_subcommand(true), |cmd, name| {
            cmd.mut_subcommand(name, without_help)
        })
}

fn collect(cmd: &clap::Command, name: &str, prose: &Prose, out: &mut Vec<Page>) {
    out.push(command_page(cmd, name, prose));
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        collect(sub, &format!("{name}-{}", sub.get_name()), prose, out);
    }
}

pub(super) fn run(args: ManArgs, ctx: &Ctx) -> Result<Output> {
    let pages = pages()?;
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

// ---- roff writing -------------------------------------------------------------

/// The page's roff as `man` reads it everywhere. The roff crate leaves apostrophes
/// to a string it defines in a preamble and characters beyond ASCII as they are;
/// groff reads neither reliably without an input-encoding guess, so apostrophes
/// become `\(aq`, a no-break space roff's unbreakable space, and other characters
/// groff's `\[uXXXX]`.
fn tidy(roff: &str) -> String {
    const PREAMBLE: &str = ".ie \\n(.g .ds Aq \\(aq\n.el .ds Aq '\n";
    let mut out = String::with_capacity(roff.len());
    for c in roff.replace(PREAMBLE, "").replace("\\*(Aq", "'").chars() {
        match c {
            '\'' => out.push_str("\\(aq"),
            '\u{a0}' => out.push_str("\\ "),
            c if c.is_ascii() => out.push(c),
            c => out.push_str(&format!("\\[u{:04X}]", c as u32)),
        }
    }
    out
}

/// clap_mangen's text lines with `code` in bold, as the rest of the page has it
/// (the help text is written for `--help`, which shows the backquotes).
fn code_in_bold(roff: &str) -> String {
    let mut out = String::with_capacity(roff.len());
    for line in roff.lines() {
        let spans: Vec<&str> = line.split('`').collect();
        if line.starts_with('.') || spans.len().is_multiple_of(2) {
            out.push_str(line);
        } else {
            for (i, span) in spans.iter().enumerate() {
                // The odd spans were between backquotes.
                out.push_str(match i {
                    0 => "",
                    i if i % 2 == 1 => "\\fB",
                    _ => "\\fR",
                });
                out.push_str(span);
            }
        }
        out.push('\n');
    }
    out
}

/// Text with `code` set in bold, **bold** and *italic* as marked (a star that
/// pairs with no other is kept as it is).
fn inline(text: &str) -> Vec<Inline> {
    let mut parts = Vec::new();
    let mut push = |font: fn(String) -> Inline, text: &str| {
        if !text.is_empty() {
            parts.push(font(text.to_owned()));
        }
    };
    for (i, span) in text.split('`').enumerate() {
        if i % 2 == 1 {
            push(bold, span);
            continue;
        }
        for (j, span) in span.split("**").enumerate() {
            if j % 2 == 1 || span.matches('*').count() % 2 == 1 {
                push(if j % 2 == 1 { bold } else { roman }, span);
                continue;
            }
            for (k, span) in span.split('*').enumerate() {
                push(if k % 2 == 1 { italic } else { roman }, span);
            }
        }
    }
    parts
}

/// Text for a control line's argument, which the roff crate writes as it is
/// given: a hyphen is set as a minus, as a flag is typed.
fn arg(text: &str) -> String {
    text.replace('\\', "\\e").replace('-', "\\-")
}

/// Paragraphs separated by blank lines.
fn paragraphs(roff: &mut Roff, text: &str) {
    for (i, para) in text.split("\n\n").enumerate() {
        if i > 0 {
            roff.control("PP", []);
        }
        for line in para.lines().filter(|l| !l.trim().is_empty()) {
            roff.text(inline(line.trim()));
        }
    }
}

fn tagged(roff: &mut Roff, tag: Vec<Inline>, body: &str) {
    roff.control("TP", []);
    roff.text(tag);
    paragraphs(roff, body);
}

fn title(roff: &mut Roff, name: &str, section: &str) {
    let version = format!("escalate {}", env!("CARGO_PKG_VERSION"));
    // Control lines are not escaped by the roff crate: the hyphen is set as a
    // minus, as `man` shows a command's name, and the empty date kept as "".
    let title = arg(&name.to_uppercase());
    roff.control(
        "TH",
        [title.as_str(), section, "\"\"", &version, "escalate manual"],
    );
}

// ---- command pages --------------------------------------------------------------

fn command_page(cmd: &clap::Command, name: &str, prose: &Prose) -> Page {
    let text = prose.page.get(name);
    let about = cmd.get_about().map(|a| a.to_string()).unwrap_or_default();
    // clap_mangen lays out the options under their headings and the commands
    // below this one; the roff crate writes the rest.
    let man = clap_mangen::Man::new(cmd.clone());
    let mut roff = Roff::new();
    title(&mut roff, name, "1");
    let mut first = about.chars();
    let about_lower: String = first
        .next()
        .into_iter()
        .flat_map(char::to_lowercase)
        .chain(first)
        .collect();
    roff.control("SH", ["NAME"])
        .text([roman(format!("{name} - {about_lower}"))]);
    synopsis(&mut roff, cmd);
    let mut page = roff.to_roff().into_bytes();
    let mut roff = Roff::new();
    roff.control("SH", ["DESCRIPTION"]);
    match text.filter(|t| !t.description.is_empty()) {
        Some(t) => paragraphs(&mut roff, &t.description),
        None => paragraphs(&mut roff, &format!("{about}.")),
    }
    page.extend(roff.to_roff().into_bytes());
    let _ = man.render_options_section(&mut page);
    if cmd.has_subcommands() {
        let _ = man.render_subcommands_section(&mut page);
    }
    let mut roff = Roff::new();
    if name == "escalate-report" {
        report_sections(&mut roff, &prose.csv_columns);
    }
    for (heading, entries, font) in [
        (
            "EXIT STATUS",
            &prose.exit_status,
            roman as fn(String) -> Inline,
        ),
        ("ENVIRONMENT", &prose.environment, bold),
        ("FILES", &prose.files, italic),
    ] {
        roff.control("SH", [heading]);
        for (tag, body) in entries {
            tagged(&mut roff, vec![font(tag.clone())], body);
        }
    }
    let examples = text.map(|t| t.examples.as_slice()).unwrap_or_default();
    if !examples.is_empty() {
        roff.control("SH", ["EXAMPLES"]);
    }
    for (what, command) in examples {
        roff.text(inline(what));
        roff.control("PP", [])
            .control("RS", ["4"])
            .control("nf", []);
        for line in command.lines() {
            roff.text([roman(line)]);
        }
        roff.control("fi", []).control("RE", []).control("PP", []);
    }
    let parent = name
        .rsplit_once('-')
        .map(|(p, _)| p)
        .filter(|p| *p != "escalate");
    let see: Vec<String> = ["escalate(1)", "escalate-policy(5)"]
        .into_iter()
        .filter(|s| !s.starts_with(&format!("{name}(")))
        .map(str::to_owned)
        .chain(parent.map(|p| format!("{p}(1)")))
        .collect();
    see_also(&mut roff, &see);
    page.extend(roff.to_roff().into_bytes());
    Page {
        name: name.to_owned(),
        section: 1,
        roff: tidy(&code_in_bold(&String::from_utf8_lossy(&page))),
    }
}

/// The help heading of the options every command takes (`GlobalArgs`).
const GLOBAL: &str = "Global options";

/// `escalate open [--policy ID] ... [global options]`: each option with its
/// value, never apart (a no-break space, see `tidy`); no flag is hyphenated.
/// clap_mangen's synopsis names every option bare, the global ones among them.
fn synopsis(roff: &mut Roff, cmd: &clap::Command) {
    let mut line = vec![bold(cmd.get_bin_name().unwrap_or(cmd.get_name()))];
    if cmd.has_subcommands() {
        line.extend([roman(" "), italic("COMMAND")]);
    }
    let own = |a: &&clap::Arg| {
        !a.is_hide_set()
            && a.get_help_heading() != Some(GLOBAL)
            && !["help", "version"].contains(&a.get_id().as_str())
    };
    for arg in cmd.get_arguments().filter(own) {
        let value = arg.get_value_names().and_then(|v| v.first());
        let value = value.map_or_else(|| arg.get_id().as_str().to_uppercase(), |v| v.to_string());
        line.push(roman(if arg.is_required_set() { " " } else { " [" }));
        match arg.get_long() {
            Some(long) if arg.get_action().takes_values() => {
                line.extend([bold(format!("--{long}")), roman("\u{a0}"), italic(value)]);
            }
            Some(long) => line.push(bold(format!("--{long}"))),
            None if arg.get_num_args().is_some_and(|n| n.max_values() > 1) => {
                line.push(italic(value + "..."))
            }
            None => line.push(italic(value)),
        }
        line.push(roman(if arg.is_required_set() { "" } else { "]" }));
    }
    line.extend([roman(" ["), italic("global options"), roman("]")]);
    roff.control("SH", ["SYNOPSIS"])
        .control("PP", [])
        .control("nh", [])
        .control("ad", ["l"]);
    roff.text(line).control("ad", []).control("hy", []);
}

fn see_also(roff: &mut Roff, pages: &[String]) {
    roff.control("SH", ["SEE ALSO"]);
    let mut line = Vec::new();
    for (i, page) in pages.iter().enumerate() {
        let (name, section) = page.split_once('(').unwrap_or((page, "1)"));
        if i > 0 {
            line.push(roman(", "));
        }
        line.extend([bold(name), roman(format!("({section}"))]);
    }
    roff.text(line);
}

/// The report's FIGURES, from the one table that defines them, and its CSV columns.
fn report_sections(roff: &mut Roff, csv_columns: &str) {
    roff.control("SH", ["FIGURES"]);
    paragraphs(roff, "Each figure, as named in JSON and CSV:");
    for (figure, meaning) in escalate_core::domain::report::FIGURES {
        // The one definition is written as a table cell; the page gives sentences.
        let mut chars = meaning.chars();
        let sentence = chars
            .next()
            .map(|c| format!("{}{}.", c.to_uppercase(), chars.as_str()))
            .unwrap_or_default();
        tagged(roff, vec![bold(figure.to_string())], &sentence);
    }
    roff.control("SH", ["CSV COLUMNS"]);
    paragraphs(roff, csv_columns);
}

// ---- escalate-policy(5) -----------------------------------------------------------

const POLICY_README: &str = include_str!("../../policies/README.md");

/// The policy file format, from policies/README.md (the one text both are kept in).
fn policy_format_page() -> Page {
    let mut roff = Roff::new();
    title(&mut roff, "escalate-policy", "5");
    roff.control("SH", ["NAME"]);
    roff.text([roman(
        "escalate-policy - escalation policy files for escalate",
    )]);
    roff.control("SH", ["SYNOPSIS"]).control("PP", []);
    roff.text([
        italic("~/.config/escalate/policies/ID.toml"),
        roman(", or "),
        bold("escalate open --policy-file"),
        roman(" "),
        italic("PATH"),
    ]);
    roff.control("SH", ["DESCRIPTION"]);
    markdown(&mut roff, POLICY_README);
    let see = [
        "escalate(1)",
        "escalate-policy(1)",
        "escalate-policy-check(1)",
        "escalate-open(1)",
    ];
    see_also(&mut roff, &see.map(str::to_owned));
    Page {
        name: "escalate-policy".into(),
        section: 5,
        roff: tidy(&roff.to_roff()),
    }
}

/// The markdown of policies/README.md as roff: headings, paragraphs, lists, code
/// blocks and tables (as tagged paragraphs), with links as their text and address.
fn markdown(roff: &mut Roff, md: &str) {
    // The text of the paragraph, list item or table row being read: written out
    // whole, so that a *phrase* may run from one line to the next.
    let mut words = String::new();
    let mut open = false;
    let mut code = false;
    for line in md.lines().chain([""]) {
        let t = line.trim();
        if code && !line.starts_with("```") {
            roff.text([roman(line)]);
            continue;
        }
        let continues = !t.is_empty() && !t.starts_with(['#', '|']) && !t.starts_with("- ");
        if !continues || line.starts_with("```") {
            if !words.is_empty() {
                roff.text(inline(&links(&std::mem::take(&mut words))));
            }
            open &= !t.is_empty() && t.starts_with('|');
        }
        if line.starts_with("```") {
            code = !code;
            match code {
                true => roff
                    .control("PP", [])
                    .control("RS", ["4"])
                    .control("nf", []),
                false => roff.control("fi", []).control("RE", []),
            };
        } else if let Some(h) = t.strip_prefix("## ") {
            roff.control(
                "SS",
                [arg(&links(h).replace('`', "").to_uppercase()).as_str()],
            );
        } else if let Some(h) = t.strip_prefix("### ").or_else(|| t.strip_prefix("#### ")) {
            roff.control("PP", [])
                .text([bold(links(h).replace('`', ""))]);
        } else if t.starts_with('|') {
            let cells: Vec<&str> = t.trim_matches('|').split('|').map(str::trim).collect();
            // The header row names the columns (skipped, with the rule under it);
            // each later row is one entry.
            let rule = cells
                .iter()
                .all(|c| c.chars().all(|ch| ch == '-' || ch == ':'));
            if open && !rule {
                roff.control("TP", []).text(inline(&links(cells[0])));
                words = cells[1..].join(" \u{2014} ");
            }
            open = true;
        } else if let Some(item) = t.strip_prefix("- ") {
            roff.control("IP", ["\\(bu", "2"]);
            (words, open) = (item.to_owned(), true);
        } else if continues {
            if !open {
                roff.control("PP", []);
            }
            words.push_str(if words.is_empty() { "" } else { " " });
            words.push_str(t);
            open = true;
        }
    }
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
        let address = &rest[mid + 2..close];
        out.push_str(&rest[open + 1..mid]);
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

    #[test]
    fn text_is_escaped_for_roff() {
        let mut roff = Roff::new();
        roff.text(inline("`--note` it's a — b"));
        roff.text([roman(".hidden")]);
        assert_eq!(
            tidy(&roff.to_roff()),
            "\\fB\\-\\-note\\fR it\\(aqs a \\[u2014] b\n\\&.hidden\n"
        );
        assert_eq!(
            unescape("\\fB\\-\\-note\\fR it\\(aqs a \\[u2014] b"),
            "--note it's a — b"
        );
        assert_eq!(
            links("see [x](https://a.b) and [y](y.md)"),
            "see x <https://a.b> and y"
        );
    }

    #[test]
    fn pages_are_found_by_what_people_type() {
        let pages = pages().unwrap();
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

    /// Every page named in man.toml is a page escalate has: a renamed command
    /// would otherwise lose its description and examples without a word.
    #[test]
    fn the_prose_names_only_real_pages() {
        let prose: Prose = toml::from_str(include_str!("man.toml")).unwrap();
        let names: Vec<String> = pages().unwrap().into_iter().map(|p| p.name).collect();
        for name in prose.page.keys() {
            assert!(
                names.contains(name),
                "man.toml names {name}, which is no page"
            );
        }
    }
}
