//! The status table: one row per dispute, fitted to the terminal by comfy-table, and
//! plain padded columns (one line per dispute) when piped, which scripts and `grep`
//! read easily and which stays fast for thousands of rows.

use comfy_table::{presets, Cell, ContentArrangement, Table};

use super::{due_phrase, obligation_phrase};
use crate::summary::Summary;

const HEADER: [&str; 7] = [
    "ID",
    "Child",
    "From → With",
    "Policy",
    "Stage",
    "Due",
    "Outstanding",
];

/// The cells of one row; `sep` joins several obligations.
fn cells(s: &Summary, sep: &str) -> [String; 7] {
    let outstanding: Vec<String> = s.obligations.iter().map(obligation_phrase).collect();
    [
        s.id.clone(),
        s.child.clone(),
        format!("{} → {}", s.from, s.with),
        s.policy.clone(),
        format!("{} {}", s.stage, s.stage_name),
        due_phrase(s),
        outstanding.join(sep),
    ]
}

/// ANSI colour for the due column: red overdue, yellow due today or tomorrow.
/// Written here rather than through comfy-table's styling, which defers to
/// NO_COLOR and the terminal check: `--color always` must win.
fn paint(s: &Summary, text: &str, color: bool) -> String {
    match (color, s.overdue, s.working_days_left) {
        (true, true, _) => format!("\x1b[31m{text}\x1b[0m"),
        (true, false, Some(0 | 1)) => format!("\x1b[33m{text}\x1b[0m"),
        _ => text.to_owned(),
    }
}

pub fn status(rows: &[Summary], color: bool, terminal: bool) -> String {
    if !terminal {
        return plain(rows, color);
    }
    let mut table = Table::new();
    table
        .load_style(presets::UTF8_HORIZONTAL_ONLY)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(HEADER.to_vec());
    for s in rows {
        let [id, child, agencies, policy, stage, due, outstanding] = cells(s, "\n");
        table.add_row(vec![
            Cell::new(id),
            Cell::new(child),
            Cell::new(agencies),
            Cell::new(policy),
            Cell::new(stage),
            Cell::new(paint(s, &due, color)),
            Cell::new(outstanding),
        ]);
    }
    format!("{table}\n")
}

fn plain(rows: &[Summary], color: bool) -> String {
    let body: Vec<[String; 7]> = rows.iter().map(|s| cells(s, "; ")).collect();
    let mut widths = HEADER.map(|h| h.chars().count());
    for row in &body {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::with_capacity(rows.len() * 160);
    let mut line = |cells: [&str; 7], due_painted: Option<String>| {
        let mut text = String::new();
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            let shown = match (i, &due_painted) {
                (5, Some(p)) => p.as_str(),
                _ => cell,
            };
            text.push_str(shown);
            if i < 6 {
                text.extend(std::iter::repeat_n(' ', w - cell.chars().count() + 2));
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    };
    line(HEADER, None);
    for (s, row) in rows.iter().zip(&body) {
        let painted = color.then(|| paint(s, &row[5], true));
        line(std::array::from_fn(|i| row[i].as_str()), painted);
    }
    out
}
