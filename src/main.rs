//! escalate: the command line of a case tracker for child-safeguarding professional
//! disagreements.
//!
//! The domain (policies, calendar, deadlines, dispute state, the store, integrity,
//! sharing and report figures) is the `escalate-core` crate; this crate owns every
//! word the user sees: arguments, prompts, hints and rendering, and the one sink
//! that writes to standard output. `main` parses the command line, runs it, and
//! turns the outcome into an exit code.
#![forbid(unsafe_code)]

mod cli;
mod render;

use clap::{CommandFactory, Parser};

fn main() {
    // Answers the shell's Tab requests (COMPLETE=<shell>) and exits; otherwise a no-op.
    clap_complete::CompleteEnv::with_factory(cli::Cli::command).complete();
    let code = match cli::Cli::try_parse() {
        Ok(cli) => cli::main(cli),
        Err(e) => cli::not_parsed(&e),
    };
    std::process::exit(code);
}
