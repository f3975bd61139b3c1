//! escalate: the command line of a case tracker for child-safeguarding professional
//! disagreements.
//!
//! The domain (policies, calendar, deadlines, dispute state, the store, integrity,
//! sharing and report figures) is the `escalate-core` crate; this crate owns every
//! word the user sees: arguments, prompts, hints and rendering, and the one sink
//! that writes to standard output.
#![forbid(unsafe_code)]

pub mod cli;
pub mod render;
