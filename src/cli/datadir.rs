//! The data directory before a command runs: a mistyped `--dir`/`ESCALATE_DIR`
//! is an error rather than an empty list, a fresh install says how to begin, and
//! a directory the system will not let escalate write is named with what to check.

use super::{Command, Ctx, Output};
use escalate_core::error::{Error, Result};

/// Commands that need disputes to exist already: they refuse a data directory that
/// is not there rather than report an empty one.
fn needs_existing_data(command: &Command) -> bool {
    let reads = matches!(
        command,
        Command::Status(_)
            | Command::Show(_)
            | Command::Report(_)
            | Command::Export(_)
            | Command::Verify(_)
    );
    // Every recording command but `open` works on a dispute that must exist.
    reads || (command.records() && !matches!(command, Command::Open(_)))
}

/// Before a command runs: an explicitly given data directory that is missing is an
/// error naming it; the default one missing is a fresh install, and `status` says
/// how to begin.
pub(super) fn before(command: &Command, ctx: &Ctx, explicit_dir: bool) -> Result<Option<Output>> {
    let store = escalate_core::store::Store::new(ctx.root.clone());
    if !needs_existing_data(command) || store.root().exists() {
        return Ok(None);
    }
    if explicit_dir {
        return store.require_existing().map(|()| None);
    }
    if matches!(command, Command::Status(_)) && ctx.json {
        return Ok(Some(Output::JsonArray(Vec::new())));
    }
    if matches!(command, Command::Status(_)) && !ctx.quiet {
        return Ok(Some(Output::Text(format!(
            "No disputes yet.\nStart one with `escalate open`: on a terminal it asks for\n\
             what it needs (`escalate open --help` lists its flags).\n\
             Journals will be kept in {}\n",
            store.root().display()
        ))));
    }
    Ok(None)
}

/// Whether `open` is about to create the data directory itself, to be said
/// once it has (a mistyped `--dir` or `ESCALATE_DIR` would otherwise start a
/// second, empty set of journals without a word).
pub(super) fn creating(command: &Command, ctx: &Ctx) -> bool {
    matches!(command, Command::Open(_)) && !ctx.root.exists()
}

/// After `open` created the data directory: say where, and where the disputes
/// already kept on this machine are, if the default directory holds some.
pub(super) fn created(ctx: &Ctx) {
    let here = ctx.root.display();
    let default = super::project_dirs().map(|d| d.data_dir().to_owned());
    let elsewhere = default.filter(|d| {
        *d != ctx.root
            && std::fs::read_dir(escalate_core::store::layout::disputes(d))
                .is_ok_and(|mut entries| entries.next().is_some())
    });
    match elsewhere {
        // Said even with --quiet: disputes kept apart by a typing mistake.
        Some(d) => ctx.ui.warn(&format!(
            "created a new data directory at {here}; your other disputes are in {} (if {here} is a typing mistake, give --dir or ESCALATE_DIR again: nothing else was written there)",
            d.display()
        )),
        None if !ctx.quiet => ctx.ui.note(&format!(
            "created a new data directory at {here}; give the same --dir or ESCALATE_DIR to work with its disputes"
        )),
        None => {}
    }
}

/// Commands that record something in the data directory.
pub(super) fn writes_data(command: &Command) -> bool {
    match command {
        Command::Calendar(args) => args.writes(),
        other => other.records(),
    }
}

/// A write refused by the system ("Read-only file system (os error 30)") names
/// the data directory and what to check, when the directory itself cannot be
/// written: the low-level message names a file the command never got to create.
pub(super) fn unwritable_data_dir(e: &Error, root: &std::path::Path) -> Option<Error> {
    let source = e.io_error()?;
    use std::io::ErrorKind::{PermissionDenied, ReadOnlyFilesystem};
    if !matches!(source.kind(), PermissionDenied | ReadOnlyFilesystem) {
        return None;
    }
    let dir = [
        escalate_core::store::layout::disputes(root),
        escalate_core::store::layout::calendar(root),
        root.to_owned(),
    ]
    .into_iter()
    .find(|d| d.is_dir())?;
    // Try the directory itself: only if it refuses is the directory the problem.
    let probe = escalate_core::store::layout::write_probe(&dir);
    let refused = match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
    {
        Ok(_) => {
            let _ = std::fs::remove_file(&probe);
            return None;
        }
        Err(p) => p,
    };
    let why = if refused.kind() == ReadOnlyFilesystem {
        "it is on a read-only file system"
    } else {
        "you do not have permission to write there"
    };
    Some(
        Error::refused(format!(
            "cannot write in the data directory {}: {why}; nothing was recorded",
            dir.display()
        ))
        .with_hint(format!(
            "Check the disk is mounted for writing and you may write there (ls -ld {}), or give a data directory you can write with --dir or ESCALATE_DIR. (The system said: {refused}.)",
            dir.display()
        )),
    )
}
