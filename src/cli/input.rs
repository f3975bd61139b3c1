//! Long text from the command line: `--note TEXT`, `--note -` (standard input) and
//! `--note-file PATH` (`-` again meaning standard input), so a long note or one
//! written elsewhere needs no quoting and no argument-length limit.
//!
//! Both are read to a bound: `text::MAX_LONG_BYTES` (the most `MAX_LONG`
//! characters can take) and one byte more, so `--note - < /dev/zero` is refused
//! after reading 80 KB rather than filling memory. `--note-file` takes a regular
//! file only: a FIFO, device or directory is refused at once, without opening it
//! for a read that could wait for ever, with the advice to use `-`. What the text
//! may hold (tabs kept, CRLF made LF, control characters refused) is
//! `domain::text`'s.

use std::io::Read;
use std::path::{Path, PathBuf};

use escalate_core::domain::text::{MAX_LONG, MAX_LONG_BYTES};
use escalate_core::error::{Error, Result};

/// The text of a long field: the flag's own value (`-` reads standard input), or the
/// file given with its `-file` twin. `None` when neither was given.
pub(super) fn long_text(
    ui: &super::Ui,
    flag: &str,
    value: Option<String>,
    file: Option<PathBuf>,
) -> Result<Option<String>> {
    match (value, file) {
        (Some(v), _) if v == "-" => read_stdin(ui, flag).map(Some),
        (Some(v), _) => Ok(Some(v)),
        (None, Some(path)) if path.as_os_str() == "-" => read_stdin(ui, flag).map(Some),
        (None, Some(path)) => read_file(flag, &path).map(Some),
        (None, None) => Ok(None),
    }
}

fn too_long(what: &str) -> Error {
    Error::refused(format!(
        "{what} is more than {MAX_LONG_BYTES} bytes, too long to be recorded: the limit is {MAX_LONG} characters"
    ))
    .with_hint(escalate_core::error::Hint::ShortenText)
}

fn read_stdin(ui: &super::Ui, flag: &str) -> Result<String> {
    if ui.stdin_is_terminal() {
        // Otherwise it looks as though escalate hung.
        ui.stderr(&format!(
            "Type the text for {flag}, then press Ctrl-D at the start of a line.\n"
        ));
    }
    let what = format!("the text for {flag} on standard input");
    let bytes = read_bounded(std::io::stdin().lock())
        .map_err(|e| Error::io(format!("could not read {flag} from standard input"), e))?
        .ok_or_else(|| too_long(&what))?;
    utf8(bytes, &what)
}

/// At most `MAX_LONG_BYTES` bytes of `from`; `None` if it holds more (one byte
/// more is read to know, never the rest).
fn read_bounded(from: impl Read) -> std::io::Result<Option<Vec<u8>>> {
    let mut bytes = Vec::new();
    from.take(MAX_LONG_BYTES as u64 + 1)
        .read_to_end(&mut bytes)?;
    Ok((bytes.len() <= MAX_LONG_BYTES).then_some(bytes))
}

fn read_file(flag: &str, path: &Path) -> Result<String> {
    let shown = path.display();
    let bytes = escalate_core::store::fsutil::read_limited(
        path,
        MAX_LONG_BYTES as u64,
        escalate_core::store::fsutil::Links::Follow,
    )
    .map_err(|e| {
        let reason = match e.kind() {
            std::io::ErrorKind::NotFound => "it does not exist".to_owned(),
            std::io::ErrorKind::PermissionDenied => "you may not read it".to_owned(),
            std::io::ErrorKind::FileTooLarge => {
                return too_long(&format!("{shown} (for {flag}-file)"));
            }
            std::io::ErrorKind::IsADirectory => "it is a folder, not a file".to_owned(),
            // A FIFO, device or socket: refused before any read could wait.
            std::io::ErrorKind::InvalidInput => {
                return Error::refused(format!(
                    "{shown} (for {flag}-file) is not an ordinary file (it is a pipe, device or socket)"
                ))
                .with_hint(format!(
                    "To read text from a pipe or another program, use {flag} - and send it to standard input: {flag} - < FILE, or PROGRAM | escalate ... {flag} -"
                ));
            }
            _ => e.to_string(),
        };
        Error::refused(format!("could not read {shown} for {flag}-file: {reason}"))
            .with_hint("Check the path; `-` reads the text from standard input.")
    })?;
    utf8(bytes, &shown.to_string())
}

fn utf8(bytes: Vec<u8>, what: &str) -> Result<String> {
    String::from_utf8(bytes).map_err(|_| {
        Error::refused(format!("{what} is not UTF-8 text"))
            .with_hint("Save it as plain text (UTF-8), not a word-processor document.")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_input_is_read_to_the_bound_and_no_further() {
        let exact = vec![b'a'; MAX_LONG_BYTES];
        assert_eq!(
            read_bounded(&exact[..]).unwrap().unwrap().len(),
            MAX_LONG_BYTES
        );
        // An endless source: refused after one byte over the bound.
        let endless = std::io::repeat(0);
        assert!(read_bounded(endless).unwrap().is_none());
    }
}
