//! escalate: a case tracker for child-safeguarding professional disagreements.
//!
//! The library holds the domain (policies, the working-day calendar, deadlines,
//! dispute state) and its storage (journals in a data directory); the `escalate`
//! binary's `cli` module is a thin layer over it that parses arguments and renders.
#![forbid(unsafe_code)]

pub mod calendar;
pub mod cli;
pub mod domain;
pub mod error;
#[cfg(feature = "generate")]
pub mod generate;
pub mod integrity;
pub mod ops;
pub mod policy;
pub mod render;
pub mod share;
pub mod store;

pub use error::{Error, Result};
