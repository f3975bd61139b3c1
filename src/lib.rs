//! escalate: library behind the `escalate` command.
pub mod calendar;
