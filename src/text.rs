//! Checks on the free text people type into a dispute: any language, any script,
//! but no NUL or terminal control characters (which could hide text or rewrite a
//! colleague's screen when the journal is printed) and no value too long to be a
//! note rather than a pasted file.

use crate::error::{Error, Result};

/// Longest note, summary, reason or outcome, in characters.
pub const MAX_LONG: usize = 20_000;
/// Longest name, agency, role or child reference, in characters.
pub const MAX_SHORT: usize = 200;

/// Validate a required text field given as `--flag`. Multi-line text is allowed in
/// long fields; surrounding white space is trimmed.
pub fn required(flag: &str, value: &str, max: usize) -> Result<String> {
    let value = value.trim();
    if value.is_empty() {
        // An empty value is a missing argument: bad usage (exit 2), as the README's
        // exit-code table says.
        return Err(Error::usage(format!("{flag} is empty")).with_hint(format!(
            "Give {flag} some text: it is part of the written record."
        )));
    }
    check(flag, value, max)?;
    Ok(value.to_owned())
}

pub fn optional(flag: &str, value: Option<&str>, max: usize) -> Result<Option<String>> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => {
            check(flag, v, max)?;
            Ok(Some(v.to_owned()))
        }
    }
}

fn check(flag: &str, value: &str, max: usize) -> Result<()> {
    let multi_line = max > MAX_SHORT;
    if let Some(c) = value
        .chars()
        .find(|&c| c.is_control() && !(multi_line && (c == '\n' || c == '\t')))
    {
        return Err(Error::refused(format!(
            "{flag} contains a control character (U+{:04X}), which cannot be recorded",
            c as u32
        ))
        .with_hint("Retype the text without it."));
    }
    let n = value.chars().count();
    if n > max {
        return Err(
            Error::refused(format!("{flag} is {n} characters long; the limit is {max}")).with_hint(
                "Shorten it, or keep the full document in your case system and refer to it here.",
            ),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unicode_is_kept_and_control_characters_refused() {
        assert_eq!(
            required("--note", "  Zoë said «no» 😟 ", MAX_LONG).unwrap(),
            "Zoë said «no» 😟"
        );
        assert!(required("--note", "a\0b", MAX_LONG).is_err());
        assert!(required("--note", "a\x1b[2Jb", MAX_LONG).is_err());
        assert!(required("--note", "line one\nline two", MAX_LONG).is_ok());
        assert!(required("--by", "a\nb", MAX_SHORT).is_err());
        assert!(required("--note", "   ", MAX_LONG).is_err());
        assert!(required("--by", &"x".repeat(MAX_SHORT + 1), MAX_SHORT).is_err());
    }
}
