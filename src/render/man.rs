//! The manual's pages, for `escalate man`. Each command's options are laid out
//! by clap_mangen from the same definitions as `--help` (so flags can never drift
//! from the commands); the roff crate writes what a manual adds around them:
//! synopsis, description, exit status, environment, files and examples (their
//! prose is in man.toml), the report's figures from `FIGURES`, and
//! escalate-policy(5), the policy file format, from policies/README.md. The roff
//! is plain ASCII, so that groff reads it without guessing an encoding.

use std::collections::BTreeMap;

use roff::{bold, italic, roman, Inline, Roff};

use escalate_core::error::{Error, Result};

/// One manual page.
pub(crate) struct Page {
    /// `escalate-open`.
    pub name: String,
    pub section: u8,
    pub roff: String,
}

impl Page {
    /// `escalate-open.1`.
    pub(crate) fn file_name(&self) -> String {
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

/// Every page: escalate(1) from the command line's definition, one per
/// command, and escalate-policy(5).
pub(crate) fn pages(cli: clap::Command) -> Result<Vec<Page>> {
    let prose: Prose = toml::from_str(include_str!("man.toml"))
        .map_err(|e| Error::internal(format!("the manual's text (man.toml) is damaged: {e}")))?;
    // Built once here, so that every command has its name as typed and the
    // global options, as `--help` shows them; `help` is no page of its own.
    let mut root = without_help(cli);
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
    let cmd = cmd.disable_help_subcommand(true);
    names
        .iter()
        .fold(cmd, |cmd, name| cmd.mut_subcommand(name, without_help))
}

fn collect(cmd: &clap::Command, name: &str, prose: &Prose, out: &mut Vec<Page>) {
    out.push(command_page(cmd, name, prose));
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        collect(sub, &format!("{name}-{}", sub.get_name()), prose, out);
    }
}

// ---- roff writing -------------------------------------------------------------

/// The page's roff as `man` reads it everywhere. The roff crate leaves apostrophes
/// to a string it defines in a preamble and characters beyond ASCII as they are;
/// groff reads neither reliably without an input-encoding guess, so apostrophes
/// become `\(aq`, a no-break space roff's unbreakable space, and other characters
/// groff's `\[uXXXX]`. With `backquotes`, clap's help text (written for `--help`,
/// which shows them) has its `code` in bold, as the rest of the page has it.
fn tidy(roff: &str, backquotes: bool) -> String {
    const PREAMBLE: &str = ".ie \\n(.g .ds Aq \\(aq\n.el .ds Aq '\n";
    let roff = roff.replace(PREAMBLE, "").replace("\\*(Aq", "'");
    let mut out = String::with_capacity(roff.len());
    for line in roff.lines() {
        let code = backquotes && !line.starts_with('.') && line.matches('`').count() % 2 == 0;
        let mut open = false;
        for c in line.chars() {
            match c {
                '`' if code => {
                    open = !open;
                    out.push_str(if open { "\\fB" } else { "\\fR" });
                }
                '\'' => out.push_str("\\(aq"),
                '\u{a0}' => out.push_str("\\ "),
                c if c.is_ascii() => out.push(c),
                c => out.push_str(&format!("\\[u{:04X}]", c as u32)),
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
    // "escalate-open - open a new dispute": the summary is a sentence in --help.
    let lower = about.get(..1).map(str::to_lowercase).unwrap_or_default();
    let about_lower = lower + about.get(1..).unwrap_or_default();
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
        roff: tidy(&String::from_utf8_lossy(&page), true),
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
        roff: tidy(&roff.to_roff(), false),
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
    use clap::CommandFactory;

    #[test]
    fn text_is_escaped_for_roff() {
        let mut roff = Roff::new();
        roff.text(inline("`--note` it's a — b"));
        roff.text([roman(".hidden")]);
        assert_eq!(
            tidy(&roff.to_roff(), false),
            "\\fB\\-\\-note\\fR it\\(aqs a \\[u2014] b\n\\&.hidden\n"
        );
        assert_eq!(
            links("see [x](https://a.b) and [y](y.md)"),
            "see x <https://a.b> and y"
        );
    }

    /// Every page named in man.toml is a page escalate has: a renamed command
    /// would otherwise lose its description and examples without a word.
    #[test]
    fn the_prose_names_only_real_pages() {
        let prose: Prose = toml::from_str(include_str!("man.toml")).unwrap();
        let names: Vec<String> = pages(crate::cli::Cli::command())
            .unwrap()
            .into_iter()
            .map(|p| p.name)
            .collect();
        for name in prose.page.keys() {
            assert!(
                names.contains(name),
                "man.toml names {name}, which is no page"
            );
        }
    }
}
