//! The board pack as one self-contained HTML page: no scripts, no network, no
//! references to other files; charts are inline SVG, each followed by its table
//! and a sentence; prints on A4. Contains figures only, never a child.

use crate::render::pack::{Pack, Section};

const STYLE: &str = "@page { size: A4; margin: 15mm; }
body { font-family: sans-serif; font-size: 10pt; color: #000; max-width: 190mm; margin: auto; }
h1 { font-size: 16pt; } h2 { font-size: 12pt; margin-top: 1.5em; }
table { border-collapse: collapse; margin: 0.5em 0; }
th, td { border: 1px solid #888; padding: 2px 6px; text-align: right; }
th:first-child, td:first-child { text-align: left; white-space: nowrap; }
section { break-inside: avoid; page-break-inside: avoid; }
svg { max-width: 100%; height: auto; }
.summary { font-style: italic; }
.note { font-size: 10pt; }
figure.chart { margin: 0.5em 0; }
figure.chart svg { width: 170mm; max-width: 100%; }";

/// Text as HTML: control and invisible characters shown (`text::visible`) before
/// `&`, `<`, `>` and quotes are escaped, so `<U+001B>` reads as text, not a tag.
pub(crate) fn escape(text: &str) -> String {
    escalate_core::domain::text::visible(text)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn table(s: &Section) -> String {
    let mut out = String::from("<table>\n<thead><tr>");
    for h in &s.header {
        out.push_str(&format!("<th>{}</th>", escape(h)));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in &s.rows {
        out.push_str("<tr>");
        for c in row {
            out.push_str(&format!("<td>{}</td>", escape(c)));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
    out
}

/// The business unit's commentary, Markdown as HTML: paragraphs, headings
/// (`#`), bulleted lists (`-`, `*`) and `**bold**`/`*emphasis*`; every other
/// character is text (escaped first, so no raw HTML gets through).
pub(crate) fn commentary(markdown: &str) -> String {
    let mut out = String::new();
    let text = markdown.replace("\r\n", "\n");
    for block in text.split("\n\n").map(str::trim).filter(|b| !b.is_empty()) {
        let lines: Vec<&str> = block.lines().map(str::trim).collect();
        let bullet = |l: &str| {
            l.strip_prefix("- ")
                .or_else(|| l.strip_prefix("* "))
                .map(str::to_owned)
        };
        if lines.iter().all(|l| bullet(l).is_some()) {
            out.push_str("<ul>\n");
            for l in &lines {
                out.push_str(&format!(
                    "<li>{}</li>\n",
                    inline(&bullet(l).unwrap_or_default())
                ));
            }
            out.push_str("</ul>\n");
        } else if let Some(h) = block.strip_prefix('#') {
            out.push_str(&format!(
                "<h3>{}</h3>\n",
                inline(h.trim_start_matches('#').trim())
            ));
        } else {
            out.push_str(&format!("<p>{}</p>\n", inline(&lines.join(" "))));
        }
    }
    out
}

/// Escaped text with `**bold**` and `*emphasis*` (or `_emphasis_`) marked up.
fn inline(text: &str) -> String {
    let escaped = escape(text);
    let pairs = |s: &str, mark: &str, tag: &str| {
        let parts: Vec<&str> = s.split(mark).collect();
        if parts.len() < 3 {
            return s.to_owned();
        }
        let mut out = String::new();
        let pairs = (parts.len() - 1) / 2 * 2;
        for (i, p) in parts.iter().enumerate() {
            out.push_str(p);
            if i < pairs {
                out.push_str(&if i % 2 == 0 {
                    format!("<{tag}>")
                } else {
                    format!("</{tag}>")
                });
            } else if i + 1 < parts.len() {
                out.push_str(mark);
            }
        }
        out
    };
    let bold = pairs(&escaped, "**", "strong");
    let em = pairs(&bold, "*", "em");
    pairs(&em, "_", "em")
}

pub(crate) fn render(pack: &Pack) -> String {
    let title = pack.title();
    let mut body = format!(
        "<h1>{}</h1>\n<p>Generated {} (Europe/London).</p>\n",
        escape(&title),
        escape(&escalate_core::domain::clock::human_instant(
            &pack.series.total.generated_at
        ))
    );
    for note in pack.notes() {
        body.push_str(&format!("<p class=\"note\">{}</p>\n", escape(&note)));
    }
    if let Some(words) = &pack.commentary {
        body.push_str(&format!(
            "<section id=\"commentary\">\n<h2>Commentary</h2>\n{}</section>\n",
            commentary(words)
        ));
    }
    for s in pack.sections() {
        body.push_str(&format!(
            "<section id=\"{}\">\n<h2>{}</h2>\n",
            escape(&s.id),
            escape(&s.title)
        ));
        if let Some((categories, sets, y)) = &s.chart {
            body.push_str("<figure class=\"chart\">\n");
            body.push_str(&crate::render::chart::grouped_bars(categories, sets, y));
            body.push_str("\n</figure>\n");
        }
        body.push_str(&table(&s));
        body.push_str(&format!(
            "<p class=\"summary\">{}</p>\n</section>\n",
            escape(&s.summary)
        ));
    }
    format!(
        "<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>\n{STYLE}\n</style>\n</head>\n<body>\n{body}</body>\n</html>\n",
        escape(&title)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commentary_is_markdown_with_no_raw_html() {
        let html = commentary(
            "# Summary\n\nThe **board** noted <script>x</script> & more.\n\n- one\n- two",
        );
        assert_eq!(
            html,
            "<h3>Summary</h3>\n<p>The <strong>board</strong> noted &lt;script&gt;x&lt;/script&gt; &amp; more.</p>\n<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n"
        );
        assert_eq!(inline("snake_case and 2*3"), "snake_case and 2*3");
    }
}
