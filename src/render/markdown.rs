//! The board pack as Markdown, for pasting into a board paper: the same sections
//! as the HTML page (tables and their sentences), without the charts. Everything
//! printed is escaped, so an agency named `<b>CSC</b>` or `*Police*` reads as
//! typed and no HTML passes through; the commentary stays Markdown, with its
//! HTML made text.

use crate::render::pack::{Pack, Section};

/// Text as Markdown shows it literally: each punctuation mark that Markdown or
/// HTML gives a meaning mid-line is backslash-escaped (brackets escaped, so
/// parentheses cannot make a link); on one line, control characters shown
/// (`text::one_line`).
pub(crate) fn escape(text: &str) -> String {
    let flat = escalate_core::domain::text::one_line(text);
    let mut out = String::with_capacity(flat.len());
    for c in flat.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|' | '~' | '&' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

fn table(s: &Section) -> String {
    let line = |cells: &[String]| {
        format!(
            "| {} |\n",
            cells
                .iter()
                .map(|c| escape(c))
                .collect::<Vec<_>>()
                .join(" | ")
        )
    };
    let mut out = line(&s.header);
    out.push_str(&format!("|{}\n", "---|".repeat(s.header.len())));
    for row in &s.rows {
        out.push_str(&line(row));
    }
    out
}

pub(crate) fn render(pack: &Pack) -> String {
    let mut out = format!(
        "# {}\n\nGenerated {} (Europe/London).\n",
        escape(&pack.title()),
        escalate_core::domain::clock::human_instant(&pack.series.total.generated_at)
    );
    for note in pack.notes() {
        out.push_str(&format!("\n{}\n", escape(&note)));
    }
    if let Some(words) = &pack.commentary {
        // The business unit's own Markdown, kept; only HTML is made text.
        out.push_str(&format!(
            "\n## Commentary\n\n{}\n",
            words.trim().replace('<', "\\<")
        ));
    }
    for s in pack.sections() {
        out.push_str(&format!(
            "\n## {}\n\n{}\n{}\n",
            escape(&s.title),
            table(&s),
            escape(&s.summary)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_and_markdown_in_names_read_as_typed() {
        assert_eq!(escape("<b>CSC</b>"), "\\<b\\>CSC\\</b\\>");
        assert_eq!(escape("a|b *c*"), "a\\|b \\*c\\*");
        assert_eq!(escape("Children's Social Care"), "Children's Social Care");
    }
}
