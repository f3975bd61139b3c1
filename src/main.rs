//! The `escalate` binary: parse the command line, run it, and turn the outcome into
//! an exit code. Everything else lives in the library.
#![forbid(unsafe_code)]

use clap::Parser;

fn main() {
    let cli = escalate::cli::Cli::parse();
    let code = escalate::cli::main(cli);
    std::process::exit(code);
}
