//! escalate: a case tracker for child-safeguarding professional disagreements.
//!
//! The library holds the domain (policies, the working-day calendar, deadlines,
//! dispute state) and its storage (journals in a data directory); the `escalate`
//! binary's `cli` module is a thin layer over it that parses arguments and renders.
#![forbid(unsafe_code)]

pub mod agency;
pub mod cache;
pub mod calendar;
pub mod calendar_store;
pub mod checkpoint;
pub mod cli;
pub mod clock;
pub mod config;
pub mod correct;
pub mod deadline;
pub mod dispute;
pub mod error;
pub mod fsutil;
pub mod generate;
pub mod id;
pub mod journal;
pub mod ops;
pub mod policy;
pub mod render;
pub mod report;
pub mod share;
pub mod signing;
pub mod store;
pub mod summary;
pub mod text;
pub mod verify;

pub use error::{Error, Result};
