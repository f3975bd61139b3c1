//! The status table: one row per dispute, fitted to the terminal, plain when piped.

use comfy_table::{presets, Cell, ContentArrangement, Table};

use super::{due_phrase, obligation_phrase};
use crate::summary::Summary;

pub fn status(rows: &[Summary], color: bool, terminal: bool) -> String {
    let mut table = Table::new();
    if terminal {
        table
            .load_style(presets::UTF8_HORIZONTAL_ONLY)
            .set_content_arrangement(ContentArrangement::Dynamic);
    } else {
        table.load_style(presets::NOTHING);
    }
    table.set_header(vec![
        "ID",
        "Child",
        "From → With",
        "Policy",
        "Stage",
        "Due",
        "Outstanding",
    ]);
    for s in rows {
        // ANSI codes are written here rather than through comfy-table's styling,
        // which defers to NO_COLOR and the terminal check: `--color always` must win.
        let due = match (color, s.overdue, s.working_days_left) {
            (true, true, _) => Cell::new(format!("\x1b[31m{}\x1b[0m", due_phrase(s))),
            (true, false, Some(0 | 1)) => Cell::new(format!("\x1b[33m{}\x1b[0m", due_phrase(s))),
            _ => Cell::new(due_phrase(s)),
        };
        let outstanding: Vec<String> = s.obligations.iter().map(obligation_phrase).collect();
        table.add_row(vec![
            Cell::new(&s.id),
            Cell::new(&s.child),
            Cell::new(format!("{} → {}", s.from, s.with)),
            Cell::new(&s.policy),
            Cell::new(format!("{} {}", s.stage, s.stage_name)),
            due,
            Cell::new(outstanding.join("\n")),
        ]);
    }
    let mut out = table.to_string();
    if !terminal {
        out = out
            .lines()
            .map(str::trim_end)
            .collect::<Vec<_>>()
            .join("\n");
    }
    out.push('\n');
    out
}
