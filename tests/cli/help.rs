//! `--help` as a user reads it, kept as snapshots in `snapshots/`: the main
//! command's list of commands and the options of the commands people use most.
//! A change to any of it shows as a diff to review (`cargo insta review`, or
//! `INSTA_UPDATE=always` then `git diff`); under CI a changed or new snapshot
//! fails rather than being accepted.

use crate::support::Env;

fn help(args: &[&str]) -> String {
    Env::new().ok(args)
}

#[test]
fn the_main_help_lists_every_command_and_the_global_options() {
    insta::assert_snapshot!(help(&["--help"]));
}

#[test]
fn open_help() {
    insta::assert_snapshot!(help(&["open", "--help"]));
}

#[test]
fn escalate_help() {
    insta::assert_snapshot!(help(&["escalate", "--help"]));
}

#[test]
fn status_help() {
    insta::assert_snapshot!(help(&["status", "--help"]));
}

#[test]
fn show_help() {
    insta::assert_snapshot!(help(&["show", "--help"]));
}

#[test]
fn report_help() {
    insta::assert_snapshot!(help(&["report", "--help"]));
}
