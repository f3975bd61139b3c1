//! The status table: one row per dispute, fitted to the terminal by comfy-table; in
//! a terminal narrower than `NARROW` columns, a few lines per dispute wrapped at
//! spaces (a table that narrow would break IDs and words mid-way); and plain padded
//! columns (one line per dispute) when piped, which scripts and `grep` read easily
//! and which stays fast for thousands of rows.

use comfy_table::{presets, Cell, ContentArrangement, Table};

use super::{due_phrase, obligation_phrase};
use escalate_core::domain::summary::Summary;
use escalate_core::domain::text::{RED, RESET, YELLOW};

const HEADER: [&str; 7] = [
    "ID",
    "Child",
    "From → With",
    "Policy",
    "Stage",
    "Due",
    "Outstanding",
];

/// The Child cell of a dispute whose text is sealed: `status` reads no keys, so
/// it is never the reference, whoever runs it.
pub(crate) const SEALED_CELL: &str = "[sealed]";

/// The Child cell of a dispute whose text was erased.
pub(crate) const ERASED_CELL: &str = "[erased]";

/// How urgent a row's deadline is, for colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Tone {
    Overdue,
    Soon,
    Calm,
}

/// One dispute's row, rendered as soon as its summary is made so that thousands
/// of summaries need not be held at once. Obligations are one per line in the
/// cell; piped output joins them with "; ". The cells are kept end to end in one
/// string (one allocation a row, not seven: a partnership's archive lists tens of
/// thousands).
pub(crate) struct Row {
    text: String,
    /// Where each cell ends in `text`.
    ends: [u32; 7],
    tone: Tone,
}

impl Row {
    pub(crate) fn of(s: &Summary) -> Row {
        use std::fmt::Write as _;
        let mut text = String::with_capacity(160);
        let mut ends = [0u32; 7];
        // A row is far below 4 GiB; a cell end that did not fit would only
        // shorten what is shown, never misplace another row.
        let mut end =
            |i: usize, text: &String| ends[i] = u32::try_from(text.len()).unwrap_or(u32::MAX);
        // Every cell made visible and one line here, before it is measured or
        // coloured: a journal's escape sequence or line break can neither move the
        // cursor nor start a row of its own, and the only colours in the output
        // are the due column's (`text::visible_coloured`).
        let shown = escalate_core::domain::text::one_line;
        text.push_str(&s.id);
        end(0, &text);
        // A sealed dispute's reference is not at hand (`status` reads no keys):
        // the cell says so rather than looking like a dispute with no child.
        match (&s.erased, s.sealed) {
            (Some(_), _) => text.push_str(ERASED_CELL),
            (None, true) => text.push_str(SEALED_CELL),
            (None, false) => text.push_str(&shown(&s.child)),
        }
        // The column is headed "Child"; a dispute about an adult says so.
        if s.subject_kind == "adult" {
            text.push_str(" (adult)");
        }
        end(1, &text);
        let _ = write!(text, "{} → {}", shown(&s.from), shown(&s.with));
        end(2, &text);
        text.push_str(&shown(&s.policy));
        end(3, &text);
        let _ = write!(text, "{} {}", shown(&s.stage_label), shown(&s.stage_name));
        end(4, &text);
        text.push_str(&shown(&due_cell(s)));
        end(5, &text);
        for (i, o) in s.obligations.iter().enumerate() {
            if i > 0 {
                text.push('\n');
            }
            text.push_str(&shown(&obligation_phrase(o)));
        }
        end(6, &text);
        Row {
            text,
            ends,
            tone: tone(s),
        }
    }

    fn cell(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        self.text
            .get(start..self.ends[i] as usize)
            .unwrap_or_default()
    }

    fn cells(&self) -> [&str; 7] {
        std::array::from_fn(|i| self.cell(i))
    }
}

/// The stage deadline, and, when the stage is in time but a duty is late, a word
/// saying so: the row is red for it and this says why.
fn due_cell(s: &Summary) -> String {
    let late = s.obligations.iter().filter(|o| o.standing.overdue).count();
    match (s.state, late) {
        (escalate_core::domain::dispute::State::Open, n) if n > 0 && !s.stage_overdue => {
            format!(
                "{}; {n} dut{} overdue",
                due_phrase(s),
                if n == 1 { "y" } else { "ies" }
            )
        }
        _ => due_phrase(s),
    }
}

/// Red when any due item is past, yellow when one falls today or on the next
/// working day.
fn tone(s: &Summary) -> Tone {
    let soon = |st: &escalate_core::domain::deadline::Standing| {
        st.due_today || st.working_days_left.is_some_and(|n| n <= 1)
    };
    if s.overdue {
        Tone::Overdue
    } else if (s.due.is_some() && soon(&s.stage_standing))
        || s.obligations
            .iter()
            .any(|o| o.due.is_some() && soon(&o.standing))
    {
        Tone::Soon
    } else {
        Tone::Calm
    }
}

/// ANSI colour for the due column: red overdue, yellow due today or tomorrow.
/// Written here rather than through comfy-table's styling, which defers to
/// NO_COLOR and the terminal check: `--color always` must win.
fn paint(tone: Tone, text: &str, color: bool) -> String {
    match (color, tone) {
        (true, Tone::Overdue) => format!("{RED}{text}{RESET}"),
        (true, Tone::Soon) => format!("{YELLOW}{text}{RESET}"),
        _ => text.to_owned(),
    }
}

/// Below this many columns the table gives way to the narrow layout.
pub(crate) const NARROW: usize = 100;

/// The status table for a terminal `width` columns wide (as far as is known), or
/// plain lines when standard output is not a terminal (written a line at a time:
/// tens of thousands of rows are never one string).
pub(crate) fn status(rows: Vec<Row>, color: bool, terminal: bool, width: Option<usize>) -> Layout {
    if !terminal {
        return Layout::Plain(Plain::new(rows, color));
    }
    if let Some(width) = width.filter(|w| *w < NARROW) {
        return Layout::Text(narrow(&rows, color, width));
    }
    // With nothing outstanding anywhere, the column is left out rather than
    // keeping room the Due column then wraps for want of.
    let columns = if rows.iter().any(|r| !r.cell(6).is_empty()) {
        7
    } else {
        6
    };
    let mut table = Table::new();
    table
        .load_style(presets::UTF8_HORIZONTAL_ONLY)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(HEADER[..columns].to_vec());
    // The width the caller found (COLUMNS, or the terminal's): comfy-table's own
    // look at the terminal does not know COLUMNS.
    if let Some(width) = width.and_then(|w| u16::try_from(w).ok()) {
        table.set_width(width);
    }
    // The ID is typed back, and the due phrase is what the list is read for:
    // other columns wrap first.
    for i in [0, 5] {
        if let Some(c) = table.column_mut(i) {
            c.set_constraint(comfy_table::ColumnConstraint::ContentWidth);
        }
    }
    for row in &rows {
        table.add_row(
            row.cells()[..columns]
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    Cell::new(if i == 5 {
                        paint(row.tone, c, color)
                    } else {
                        (*c).to_owned()
                    })
                })
                .collect::<Vec<_>>(),
        );
    }
    Layout::Text(format!("{table}\n"))
}

/// The status list as it is to be written.
pub(crate) enum Layout {
    /// For a terminal: one string.
    Text(String),
    /// For a pipe or a file: padded columns, a line at a time.
    Plain(Plain),
}

/// Padded columns, one line a dispute; obligations joined with "; ".
pub(crate) struct Plain {
    rows: Vec<Row>,
    widths: [usize; 7],
    color: bool,
    /// Text written after the rows.
    pub trailer: String,
}

/// A cell's width once its line breaks are written as "; " (one character more each).
fn flat_width(cell: &str) -> usize {
    super::wrap::columns(cell) + cell.bytes().filter(|b| *b == b'\n').count()
}

impl Plain {
    fn new(rows: Vec<Row>, color: bool) -> Plain {
        let mut widths = HEADER.map(super::wrap::columns);
        for row in &rows {
            for (w, cell) in widths.iter_mut().zip(row.cells()) {
                *w = (*w).max(flat_width(cell));
            }
        }
        Plain {
            rows,
            widths,
            color,
            trailer: String::new(),
        }
    }
}

impl super::Lines for Plain {
    fn coloured(&self) -> bool {
        self.color
    }

    fn each_line(&self, emit: &mut dyn FnMut(&str) -> std::io::Result<()>) -> std::io::Result<()> {
        let mut line = String::new();
        let mut write = |cells: [&str; 7], tone: Option<Tone>| {
            line.clear();
            for (i, (cell, w)) in cells.iter().zip(self.widths).enumerate() {
                let start = line.len();
                match (i, tone) {
                    (5, Some(t)) => line.push_str(&paint(t, cell, self.color)),
                    _ => line.push_str(cell),
                }
                if cell.contains('\n') {
                    let flat = line[start..].replace('\n', "; ");
                    line.truncate(start);
                    line.push_str(&flat);
                }
                if i < 6 {
                    line.extend(std::iter::repeat_n(' ', w - flat_width(cell) + 2));
                }
            }
            line.truncate(line.trim_end().len());
            line.push('\n');
            emit(&line)
        };
        write(HEADER, None)?;
        for row in &self.rows {
            write(row.cells(), Some(row.tone))?;
        }
        emit(&self.trailer)
    }
}

/// Each dispute on a few lines: ID, child, policy and stage; then, indented, when
/// it is due, the agencies and each outstanding duty. Lines wrap at spaces, so an
/// ID or a word is never split (a word longer than the line runs over instead).
fn narrow(rows: &[Row], color: bool, width: usize) -> String {
    let mut out = String::new();
    for (i, row) in rows.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let [id, child, agencies, policy, stage, due, outstanding] = row.cells();
        let head = format!("{id}  {child}  {policy} stage {stage}");
        for line in wrap(&head, width, 4) {
            out.push_str(&line);
            out.push('\n');
        }
        for line in wrap(&format!("    Due: {due}"), width, 9) {
            out.push_str(&paint(row.tone, &line, color));
            out.push('\n');
        }
        for line in wrap(&format!("    {agencies}"), width, 6) {
            out.push_str(&line);
            out.push('\n');
        }
        for o in outstanding.lines().filter(|o| !o.is_empty()) {
            for line in wrap(&format!("    Outstanding: {o}"), width, 8) {
                out.push_str(&line);
                out.push('\n');
            }
        }
    }
    out
}

/// Break `text` at spaces into lines of at most `width` columns, continuation
/// lines indented by `indent` spaces.
fn wrap(text: &str, width: usize, indent: usize) -> Vec<String> {
    let body = text.trim_start();
    let lead = &text[..text.len() - body.len()];
    let rest = " ".repeat(indent);
    let words = super::wrap::words(body);
    super::wrap::fill(&words, lead, &rest, width)
        .into_iter()
        .map(std::borrow::Cow::into_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_never_splits_a_word() {
        let lines = wrap("    Due: Tue 1 Dec 2026, overdue by 3 working days", 20, 9);
        assert!(lines.iter().all(|l| l.chars().count() <= 20), "{lines:?}");
        let words: Vec<&str> = lines.iter().flat_map(|l| l.split_whitespace()).collect();
        assert_eq!(
            words.join(" "),
            "Due: Tue 1 Dec 2026, overdue by 3 working days"
        );
        assert_eq!(wrap("ABCDEFGHIJKL x", 5, 2), vec!["ABCDEFGHIJKL", "  x"]);
    }
}
