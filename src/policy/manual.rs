//! The policy format reference as a manual page, `escalate-policy(5)`, generated
//! from `policies/README.md` so the installed tool and the source tree can never
//! say different things. A small Markdown-to-roff conversion of exactly what that
//! file uses: headings, paragraphs, bullets, tables and fenced code.

const GUIDE: &str = include_str!("../../policies/README.md");

/// The sections of the guide that describe the format (not the built-ins' readings
/// or the test fixtures).
fn reference() -> &'static str {
    let start = GUIDE.find("## Checking and installing").unwrap_or(0);
    let end = GUIDE
        .find("## Fixture policies")
        .or_else(|| GUIDE.find("## Readings chosen"))
        .unwrap_or(GUIDE.len());
    &GUIDE[start..end.max(start)]
}

/// The page's roff text.
pub fn page() -> String {
    let mut out = String::from(
        ".TH escalate-policy 5 \"\" \"escalate\" \"File formats\"\n.SH NAME\nescalate\\-policy \\- the escalation policy file format of escalate\n.SH SYNOPSIS\n\\fIID\\fR.toml in the \\fBpolicies\\fR folder of escalate's configuration directory, or any file given to \\fBescalate open \\-\\-policy\\-file\\fR. Check one with \\fBescalate policy check\\fR \\fIFILE\\fR; start one with \\fBescalate policy new\\fR.\n.SH DESCRIPTION\nAn escalation policy tells escalate what a Safeguarding Partnership's document says: the stages in order, who acts at each, how long each may take, who must be told and when. Every rule quotes, in \\fBsource\\fR, the exact sentence of the document it encodes, and records any interpretation in \\fBreading\\fR.\n",
    );
    let mut in_code = false;
    for line in reference().lines() {
        if line.starts_with("```") {
            out.push_str(if in_code {
                ".fi\n.RE\n"
            } else {
                ".RS 4\n.nf\n"
            });
            in_code = !in_code;
            continue;
        }
        if in_code {
            out.push_str(&escape(line));
            out.push('\n');
            continue;
        }
        if let Some(h) = line.strip_prefix("## ") {
            out.push_str(&format!(".SH {}\n", escape(&plain(h)).to_uppercase()));
        } else if let Some(h) = line
            .strip_prefix("### ")
            .or_else(|| line.strip_prefix("#### "))
        {
            out.push_str(&format!(".SS {}\n", escape(&plain(h))));
        } else if line.starts_with('|') {
            table_row(line, &mut out);
        } else if let Some(item) = line.strip_prefix("- ") {
            out.push_str(&format!(".IP \\(bu 2\n{}\n", escape(&plain(item))));
        } else if line.trim().is_empty() {
            out.push_str(".PP\n");
        } else {
            out.push_str(&escape(&plain(line.trim_start())));
            out.push('\n');
        }
    }
    out.push_str(".SH SEE ALSO\n\\fBescalate\\fR(1), \\fBescalate\\-policy\\-check\\fR(1), \\fBescalate\\-policy\\-show\\fR(1)\n");
    out
}

/// A Markdown table row as a tagged paragraph: the first cell, then the rest.
fn table_row(line: &str, out: &mut String) {
    let cells: Vec<&str> = line
        .trim()
        .trim_matches('|')
        .split(" | ")
        .map(str::trim)
        .collect();
    if cells
        .iter()
        .all(|c| c.chars().all(|ch| ch == '-' || ch == ':'))
    {
        return;
    }
    let (first, rest) = cells.split_first().unwrap_or((&"", &[]));
    out.push_str(&format!(
        ".TP\n\\fB{}\\fR\n{}\n",
        escape(&plain(first)),
        escape(&plain(&rest.join(" \u{2014} ")))
    ));
}

/// Markdown emphasis and code marks removed: roff shows the words.
fn plain(text: &str) -> String {
    text.replace("**", "").replace('`', "")
}

/// Backslashes and hyphens as roff wants them, and no line that starts with a
/// control character.
fn escape(text: &str) -> String {
    let mut s = text.replace('\\', "\\e").replace('-', "\\-");
    if s.starts_with('.') || s.starts_with('\'') {
        s.insert_str(0, "\\&");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_covers_every_format_two_key_and_leaves_out_the_readings() {
        let page = page();
        for key in [
            "stage.step",
            "stage.agree",
            "calendar_days",
            "stated_hours",
            "without_delay",
            "resolve\\-at",
            "may_open",
            "subject",
        ] {
            assert!(page.contains(key), "{key} missing");
        }
        assert!(!page.contains("Readings chosen"));
        assert!(page.starts_with(".TH escalate-policy 5"));
    }
}
