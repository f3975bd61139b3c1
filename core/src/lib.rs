//! escalate-core: the domain of escalate, a case tracker for child-safeguarding
//! professional disagreements, as a library that returns typed values and errors.
//!
//! It holds the policies, the working-day calendar, deadlines and dispute state, the
//! store (journals in a data directory), integrity (signatures, verification,
//! checkpoints), sharing through git and the report figures. It prints nothing and
//! knows no terminal: the `escalate` crate turns what it returns into words.
#![forbid(unsafe_code)]

pub mod calendar;
pub mod domain;
pub mod error;
#[cfg(feature = "generate")]
pub mod generate;
pub mod integrity;
pub mod members;
pub mod ops;
pub mod policy;
pub mod privacy;
pub mod share;
pub mod store;

pub use error::{Error, Result};
