//! Checks on the free text people type into a dispute: any language, any script,
//! but no NUL or terminal control characters (which could hide text or rewrite a
//! colleague's screen when the journal is printed) and no value too long to be a
//! note rather than a pasted file. Bidirectional overrides and isolates, which can
//! make text read differently from what it says (`Police \u{202E}SCIMED`), are
//! refused too; text recorded before that rule, and any other invisible character,
//! is shown escaped (`<U+202E>`) by [`visible`] at every output.

use std::borrow::Cow;

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

/// Bidirectional embeddings, overrides and isolates (U+202A to U+202E, U+2066 to
/// U+2069): they reorder the text around them on screen, so what is recorded can
/// read as something else.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Characters that change or hide text without showing themselves: bidi
/// controls and marks, zero-width spaces and joiners other than the zero-width
/// joiner and non-joiner (which names in several scripts need), the BOM, fillers,
/// line and paragraph separators. (Terminal control characters are refused at
/// input and in journals; output's own colour codes must pass through.)
pub fn is_invisible(c: char) -> bool {
    is_bidi_control(c)
        || matches!(
            c,
            '\u{200B}'
                | '\u{200E}'
                | '\u{200F}'
                | '\u{061C}'
                | '\u{00AD}'
                | '\u{034F}'
                | '\u{115F}'
                | '\u{1160}'
                | '\u{17B4}'
                | '\u{17B5}'
                | '\u{180E}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{2060}'..='\u{2064}'
                | '\u{206A}'..='\u{206F}'
                | '\u{3164}'
                | '\u{FEFF}'
                | '\u{FFA0}'
                | '\u{FFF9}'..='\u{FFFB}'
        )
}

/// Text for a person to read: every invisible character shown as `<U+XXXX>`.
/// Applied to all text output (terminal, CSV, iCalendar), so a journal written
/// before such characters were refused cannot disguise itself.
pub fn visible(s: &str) -> Cow<'_, str> {
    escape_with(s, |c| format!("<U+{:04X}>", c as u32))
}

/// The same for JSON text: each invisible character becomes its `\uXXXX` escape,
/// which decodes to the same string, so the data is unchanged but can be seen.
pub fn visible_json(s: &str) -> Cow<'_, str> {
    escape_with(s, |c| {
        let mut units = [0u16; 2];
        c.encode_utf16(&mut units)
            .iter()
            .map(|u| format!("\\u{u:04x}"))
            .collect()
    })
}

fn escape_with(s: &str, escape: impl Fn(char) -> String) -> Cow<'_, str> {
    // Every invisible character is above U+00AC: most text is passed over on one
    // comparison a character (all output goes through here).
    if !s.chars().any(|c| c > '\u{00AC}' && is_invisible(c)) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.chars()
            .map(|c| {
                if is_invisible(c) {
                    escape(c)
                } else {
                    c.to_string()
                }
            })
            .collect(),
    )
}

fn check(flag: &str, value: &str, max: usize) -> Result<()> {
    let multi_line = max > MAX_SHORT;
    if let Some(c) = value.chars().find(|&c| is_bidi_control(c)) {
        return Err(Error::refused(format!(
            "{flag} contains a bidirectional control character (U+{:04X}), which can make text read as something it is not, so it cannot be recorded",
            c as u32
        ))
        .with_hint("Retype the text without it; right-to-left scripts display correctly without it."));
    }
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
    fn no_invisible_character_is_below_the_fast_path_bound() {
        // `escape_with` looks no further at characters up to U+00AC.
        for c in '\0'..='\u{00AC}' {
            assert!(!is_invisible(c), "U+{:04X}", c as u32);
        }
        assert_eq!(visible("a\u{00AD}b"), "a<U+00AD>b");
    }

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

    #[test]
    fn bidi_controls_are_refused_and_invisible_text_shown() {
        assert!(required("--with", "Police \u{202E}SCIMED", MAX_SHORT).is_err());
        assert!(required("--with", "a\u{2067}b", MAX_SHORT).is_err());
        // Zero-width joiner and non-joiner stay allowed.
        assert!(required(
            "--by",
            "\u{0646}\u{200C}\u{0627} \u{1F469}\u{200D}\u{1F4BB}",
            MAX_SHORT
        )
        .is_ok());
        assert_eq!(visible("Police \u{202E}SCIMED"), "Police <U+202E>SCIMED");
        assert_eq!(visible("a\u{200B}b\u{200D}c"), "a<U+200B>b\u{200D}c");
        assert_eq!(visible_json("\"a\u{202E}b\""), "\"a\\u202eb\"");
        assert!(matches!(visible("plain\nline"), Cow::Borrowed(_)));
    }
}
