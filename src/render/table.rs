//! The status table: one row per dispute, fitted to the terminal, plain when piped.

use comfy_table::{presets, Cell, Color, ContentArrangement, Table};

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
        let mut due = Cell::new(due_phrase(s));
        if color {
            if s.overdue {
                due = due.fg(Color::Red);
            } else if s.working_days_left.is_some_and(|n| n <= 1) {
                due = due.fg(Color::Yellow);
            }
        }
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
