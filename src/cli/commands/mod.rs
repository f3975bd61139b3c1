//! One file per subcommand: its arguments (the doc comments are its help) and a
//! `run` that parses, calls the library and renders. Rules live in the library.

pub(super) mod agency;
pub(super) mod agree;
pub(super) mod amend;
pub(super) mod calendar;
pub(super) mod config;
pub(super) mod discuss;
pub(super) mod erase;
pub(super) mod escalate;
pub(super) mod export;
pub(super) mod key;
pub(super) mod member;
pub(super) mod notify;
pub(super) mod open;
pub(super) mod policy;
pub(super) mod reopen;
pub(super) mod report;
pub(super) mod resolve;
pub(super) mod share;
pub(super) mod show;
pub(super) mod status;
pub(super) mod sync;
pub(super) mod verify;

/// The one warning every view gives for a dispute with lines that do not count
/// (`show`, `status`, `report`, `export`): which lines, why, and where to look.
pub(super) fn warn_uncounted(
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
