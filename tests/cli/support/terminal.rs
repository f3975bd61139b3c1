//! What the tests of generated files (completions, manual pages) tell a
//! developer to run when the committed ones are out of date.

pub(crate) const REGENERATE: &str = "run ./scripts/regenerate and commit the result";
