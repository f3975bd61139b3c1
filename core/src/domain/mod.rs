//! The domain: what a dispute is and what may happen to it, free of files and
//! terminals. Events and their fold into a dispute, the rules for each action,
//! deadlines, the summaries `status` and `show` print, report figures, IDs and the
//! clock.

pub mod clock;
pub mod correct;
pub mod deadline;
pub mod dispute;
pub mod event;
pub mod id;
pub mod plan;
pub mod report;
pub mod stages;
pub mod summary;
#[cfg(test)]
pub mod testing;
pub mod text;
