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

/// How urgent a row's deadline is, for colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    Overdue,
    Soon,
    Calm,
}

/// One dispute's row, rendered as soon as its summary is made so that thousands
/// of summaries need not be held at once. Obligations are one per line in the
/// cell; piped output joins them with "; ".
pub struct Row {
    cells: [String; 7],
    tone: Tone,
}

impl Row {
    pub fn of(s: &Summary) -> Row {
        let outstanding: Vec<String> = s.obligations.iter().map(obligation_phrase).collect();
        Row {
            cells: [
                s.id.clone(),
                s.child.clone(),
                format!("{} → {}", s.from, s.with),
                s.policy.clone(),
                format!("{} {}", s.stage, s.stage_name),
                due_phrase(s),
                outstanding.join("\n"),
            ],
            tone: match (s.overdue, s.working_days_left) {
                (true, _) => Tone::Overdue,
                (false, Some(0 | 1)) => Tone::Soon,
                _ => Tone::Calm,
            },
        }
    }
}

/// ANSI colour for the due column: red overdue, yellow due today or tomorrow.
/// Written here rather than through comfy-table's styling, which defers to
/// NO_COLOR and the terminal check: `--color always` must win.
fn paint(tone: Tone, text: &str, color: bool) -> String {
    match (color, tone) {
        (true, Tone::Overdue) => format!("\x1b[31m{text}\x1b[0m"),
        (true, Tone::Soon) => format!("\x1b[33m{text}\x1b[0m"),
        _ => text.to_owned(),
    }
}

pub fn status(rows: &[Row], color: bool, terminal: bool) -> String {
    if !terminal {
        return plain(rows, color);
    }
    let mut table = Table::new();
    table
        .load_style(presets::UTF8_HORIZONTAL_ONLY)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(HEADER.to_vec());
    for row in rows {
        table.add_row(
            row.cells
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    Cell::new(if i == 5 {
                        paint(row.tone, c, color)
                    } else {
                        c.clone()
                    })
                })
                .collect::<Vec<_>>(),
        );
    }
    format!("{table}\n")
}

fn plain(rows: &[Row], color: bool) -> String {
    let flat = |c: &str| c.replace('\n', "; ");
    let mut widths = HEADER.map(|h| h.chars().count());
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(&row.cells) {
            *w = (*w).max(flat(cell).chars().count());
        }
    }
    let mut out = String::with_capacity(rows.len() * 160);
    let mut line = |cells: [String; 7], tone: Option<Tone>| {
        let mut text = String::new();
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            match (i, tone) {
                (5, Some(t)) => text.push_str(&paint(t, cell, color)),
                _ => text.push_str(cell),
            }
            if i < 6 {
                text.extend(std::iter::repeat_n(' ', w - cell.chars().count() + 2));
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    };
    line(HEADER.map(str::to_owned), None);
    for row in rows {
        line(row.cells.clone().map(|c| flat(&c)), Some(row.tone));
    }
    out
}
