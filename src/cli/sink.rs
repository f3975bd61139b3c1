//! Standard output: the one place that decides what a failed write means, for
//! the output `main` prints and for the commands that write as they go (export,
//! verify, the manual). A closed pipe (`escalate status | head`) is the reader's
//! choice and success; any other failure (a full disk, `> /dev/full`) is exit 1,
//! whichever command wrote, since a report or export that never arrived is not
//! a success.

use std::io::{BufWriter, StdoutLock, Write};

use escalate_core::error::{Error, Result};

/// Standard output, buffered; pass what writing to it returned to `finish`.
pub(super) fn stdout() -> BufWriter<StdoutLock<'static>> {
    BufWriter::with_capacity(1 << 16, std::io::stdout().lock())
}

/// Flush `out` after `written`, and say what the outcome means.
pub(super) fn finish(out: &mut impl Write, written: std::io::Result<()>) -> Result<()> {
    outcome(written.and_then(|()| out.flush()))
}

/// What a write to standard output returning `written` means.
pub(super) fn outcome(written: std::io::Result<()>) -> Result<()> {
    match written {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Error::io("could not write the output", e).with_hint(
                "If the output goes to a file, check there is room on its disk, or write it somewhere else.",
            ))
        }
        _ => Ok(()),
    }
}
