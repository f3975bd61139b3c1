//! Long text from the command line: `--note TEXT`, `--note -` (standard input) and
//! `--note-file PATH` (`-` again meaning standard input), so a long note or one
//! written elsewhere needs no quoting and no argument-length limit.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The text of a long field: the flag's own value (`-` reads standard input), or the
/// file given with its `-file` twin. `None` when neither was given.
pub fn long_text(
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

fn read_stdin(ui: &super::Ui, flag: &str) -> Result<String> {
    if ui.stdin_is_terminal() {
        // Otherwise it looks as though escalate hung.
        ui.stderr(&format!(
            "Type the text for {flag}, then press Ctrl-D at the start of a line.\n"
        ));
    }
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(format!("could not read {flag} from standard input"), e))?;
    utf8(bytes, &format!("the text for {flag} on standard input"))
}

fn read_file(flag: &str, path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| {
        let reason = match e.kind() {
            std::io::ErrorKind::NotFound => "it does not exist".to_owned(),
            std::io::ErrorKind::PermissionDenied => "you may not read it".to_owned(),
            _ => e.to_string(),
        };
        Error::refused(format!(
            "could not read {} for {flag}-file: {reason}",
            path.display()
        ))
        .with_hint("Check the path; `-` reads the text from standard input.")
    })?;
    utf8(bytes, &path.display().to_string())
}

fn utf8(bytes: Vec<u8>, what: &str) -> Result<String> {
    String::from_utf8(bytes).map_err(|_| {
        Error::refused(format!("{what} is not UTF-8 text"))
            .with_hint("Save it as plain text (UTF-8), not a word-processor document.")
    })
}
