//! The board pack as Markdown, for pasting into a board paper: the same sections
//! as the HTML page (tables and their sentences), without the charts.

use crate::domain::report::Series;
use crate::render::pack::{self, Section};

/// A table cell: pipes escaped, on one line, control characters shown
/// (`text::one_line`).
fn cell(text: &str) -> String {
    crate::domain::text::one_line(text).replace('|', "\\|")
}

fn table(s: &Section) -> String {
    let line = |cells: &[String]| {
        format!(
            "| {} |\n",
            cells
                .iter()
                .map(|c| cell(c))
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

pub fn render(series: &Series) -> String {
    let mut out = format!(
        "# {}\n\nGenerated {} (Europe/London).\n",
        pack::title(series),
        crate::domain::clock::human_instant(&series.total.generated_at)
    );
    for s in pack::sections(series) {
        out.push_str(&format!(
            "\n## {}\n\n{}\n{}\n",
            s.title,
            table(&s),
            s.summary
        ));
    }
    out
}
