//! The `escalate` binary: parse the command line, run it, and turn the outcome into
//! an exit code. Everything else lives in the library.
#![forbid(unsafe_code)]

use clap::{CommandFactory, Parser};

fn main() {
    // Answers the shell's Tab requests (COMPLETE=<shell>) and exits; otherwise a no-op.
    clap_complete::CompleteEnv::with_factory(escalate::cli::Cli::command).complete();
    let cli = escalate::cli::Cli::parse();
    let code = escalate::cli::main(cli);
    std::process::exit(code);
}
