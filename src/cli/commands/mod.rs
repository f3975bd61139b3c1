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
