//! The board pack as one self-contained HTML page: no scripts, no network, no
//! references to other files; charts are inline SVG, each followed by its table
//! and a sentence; prints on A4. Contains figures only, never a child.

use crate::domain::report::Series;
use crate::render::pack::{self, Section};

const STYLE: &str = "@page { size: A4; margin: 15mm; }
body { font-family: sans-serif; font-size: 10pt; color: #000; max-width: 190mm; margin: auto; }
h1 { font-size: 16pt; } h2 { font-size: 12pt; margin-top: 1.5em; }
table { border-collapse: collapse; margin: 0.5em 0; }
th, td { border: 1px solid #888; padding: 2px 6px; text-align: right; }
th:first-child, td:first-child { text-align: left; white-space: nowrap; }
section { break-inside: avoid; page-break-inside: avoid; }
svg { max-width: 100%; height: auto; }
.summary { font-style: italic; }";

/// Text as HTML: control and invisible characters shown (`text::visible`) before
/// `&`, `<`, `>` and quotes are escaped, so `<U+001B>` reads as text, not a tag.
pub fn escape(text: &str) -> String {
    crate::domain::text::visible(text)
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

pub fn render(series: &Series) -> String {
    let title = pack::title(series);
    let mut body = format!(
        "<h1>{}</h1>\n<p>Generated {} (Europe/London).</p>\n",
        escape(&title),
        escape(&crate::domain::clock::human_instant(
            &series.total.generated_at
        ))
    );
    for s in pack::sections(series) {
        body.push_str(&format!(
            "<section id=\"{}\">\n<h2>{}</h2>\n",
            s.id,
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
