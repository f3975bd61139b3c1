//! The one integration-test binary: every test drives the real `escalate` executable
//! in a temporary data directory with a pinned clock (see `support`).

mod support;

mod agency;
mod agree;
mod amend;
mod architecture;
mod attacks;
mod calendar;
mod completions;
mod config;
mod converge;
mod crash;
mod data_dir;
mod dates;
mod deadlines;
mod demo;
mod discuss;
mod errors;
mod escalate;
mod export;
mod fidelity;
mod help;
mod history;
mod hostile;
mod hostile_text;
mod journal;
mod lifecycle;
mod man;
mod notify;
mod open;
mod policies;
mod policy;
mod policy_format;
mod readme;
mod report;
mod resolve;
mod scale;
mod share;
mod show;
mod status;
mod sync;
mod terminal;
mod unverified;
mod verify;
