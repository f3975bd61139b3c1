//! One file per subcommand: its arguments (the doc comments are its help) and a
//! `run` that parses, calls the library and renders. Rules live in the library.

pub mod agency;
pub mod agree;
pub mod amend;
pub mod calendar;
pub mod config;
pub mod discuss;
pub mod escalate;
pub mod export;
pub mod key;
pub mod notify;
pub mod open;
pub mod policy;
pub mod reopen;
pub mod report;
pub mod resolve;
pub mod share;
pub mod show;
pub mod status;
pub mod sync;
pub mod verify;

/// The one warning every view gives for a dispute with lines that do not count
/// (`show`, `status`, `report`, `export`): which lines, why, and where to look.
pub fn warn_uncounted(
    ui: &crate::cli::Ui,
    id: &escalate_core::domain::id::DisputeId,
    uncounted: &[escalate_core::domain::dispute::Uncounted],
) {
    if uncounted.is_empty() {
        return;
    }
    let lines: Vec<String> = uncounted
        .iter()
        .map(|u| format!("line {} ({})", u.line, u.why.words()))
        .collect();
    ui.warn(&format!(
        "dispute {id}: not counted: {}; what it shows and every figure leave them out. Run `escalate verify {id}` to see why, and ask whoever keeps the signers file",
        lines.join(", ")
    ));
}
