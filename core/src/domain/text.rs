//! Checks on the free text people type into a dispute: any language, any script,
//! but no NUL or terminal control characters (which could hide text or rewrite a
//! colleague's screen when the journal is printed) and no value too long to be a
//! note rather than a pasted file. Bidirectional overrides and isolates, which can
//! make text read differently from what it says (`Police \u{202E}SCIMED`), are
//! refused too. Long text keeps its line breaks and tabs; CRLF becomes LF.
//!
//! Text that arrives anyway (a journal line, the agencies file or a policy written
//! by hand or by a hostile partner through a shared repository, text recorded
//! before a rule) is shown escaped (`<U+001B>`, `<U+202E>`) by [`visible`] at every
//! output, and [`one_line`] keeps a line break in it from starting a line of its
//! own where output promises one line per event.

use std::borrow::Cow;

use crate::error::{Error, Hint, Result, Retype};

/// Longest note, summary, reason or outcome, in characters.
pub const MAX_LONG: usize = 20_000;
/// Longest name, agency, role or child reference, in characters.
pub const MAX_SHORT: usize = 200;
/// The most bytes `MAX_LONG` characters can take in UTF-8: what is read from
/// standard input or a file before anything longer is refused unread.
pub const MAX_LONG_BYTES: usize = 4 * MAX_LONG;

/// Validate a required text field given as `--flag`. Multi-line text is allowed in
/// long fields; surrounding white space is trimmed.
pub fn required(flag: &str, value: &str, max: usize) -> Result<String> {
    let value = long_lines(value, max);
    let value = value.trim();
    if value.is_empty() {
        // An empty value is a missing argument: bad usage (exit 2), as the README's
        // exit-code table says.
        return Err(
            Error::usage(format!("{flag} is empty")).with_hint(Hint::GiveText {
                flag: flag.to_owned(),
            }),
        );
    }
    check(flag, value, max)?;
    Ok(value.to_owned())
}

pub fn optional(flag: &str, value: Option<&str>, max: usize) -> Result<Option<String>> {
    let value = value.map(|v| long_lines(v, max));
    match value.as_deref().map(str::trim) {
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
pub(crate) fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Characters that change or hide text without showing themselves: bidi
/// controls and marks, zero-width spaces and joiners other than the zero-width
/// joiner and non-joiner (which names in several scripts need), the BOM, fillers,
/// line and paragraph separators. (Control characters are [`is_hidden`] too.)
pub(crate) fn is_invisible(c: char) -> bool {
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

/// Characters that must never reach a terminal, a spreadsheet or a calendar as
/// they are: every control character (C0, DEL, C1: ESC starts the sequences that
/// move the cursor and erase lines, a lone CR returns to the start of the line
/// to overwrite it) except the line feed and the tab, which text may hold, and
/// every invisible character ([`is_invisible`]).
pub(crate) fn is_hidden(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t') || is_invisible(c)
}

/// The first character in `s` that input refuses in long text (a control
/// character other than the line feed and the tab, or a bidi control), if any:
/// what `verify` reports in a line that holds one.
pub(crate) fn first_refused(s: &str) -> Option<char> {
    s.chars()
        .find(|&c| (c.is_control() && c != '\n' && c != '\t') || is_bidi_control(c))
}

/// How a character is shown where it cannot be shown as itself.
fn escaped(c: char) -> String {
    format!("<U+{:04X}>", c as u32)
}

/// Text for a person to read: every control and invisible character ([`is_hidden`])
/// shown as `<U+XXXX>` (`ESC[2K` becomes `<U+001B>[2K`), so text from a journal
/// or a shared file can neither disguise itself nor move the cursor, erase or
/// recolour what the terminal shows. Line feeds and tabs stay, and so does a CR
/// directly before a line feed (CSV and iCalendar end their lines so; on a
/// terminal it does nothing a line feed does not). Applied to all text output
/// (terminal, CSV, Markdown, HTML, iCalendar), whatever a journal holds.
pub fn visible(s: &str) -> Cow<'_, str> {
    escape_with(s, &[], escaped)
}

/// The ANSI colours escalate itself writes in the status list (red, yellow, and
/// back to normal): the only escape sequences [`visible_coloured`] lets through.
pub const RED: &str = "\x1b[31m";
pub const YELLOW: &str = "\x1b[33m";
pub const RESET: &str = "\x1b[0m";

/// [`visible`] for output that escalate coloured itself: exactly its own three
/// colour sequences pass, every other escape is shown. The renderer must have
/// made its data visible before colouring it (as the status table does), so no
/// colour can come from a journal.
pub fn visible_coloured(s: &str) -> Cow<'_, str> {
    escape_with(s, &[RED, YELLOW, RESET], escaped)
}

/// Text as one line: [`visible`], with each line break written ` ↵ `, for output
/// that promises one line an event or a dispute (`show` and `status` piped, a
/// Markdown table cell) and for fields that are never more than one line (a
/// name, an agency, a child reference) wherever they are shown.
pub fn one_line(s: &str) -> Cow<'_, str> {
    let shown = visible(s);
    if !shown.contains('\n') {
        return shown;
    }
    Cow::Owned(shown.replace("\r\n", "\n").replace('\n', " \u{21B5} "))
}

/// The same for JSON text: each invisible character, DEL and each C1 control
/// becomes its `\uXXXX` escape, which decodes to the same string, so the data is
/// unchanged but can be seen. (serde_json already escapes C0 inside strings, and
/// outside strings JSON holds no control character but its own line breaks.)
pub fn visible_json(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| c >= '\u{7F}' && is_hidden(c)) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.chars()
            .map(|c| {
                if c >= '\u{7F}' && is_hidden(c) {
                    let mut units = [0u16; 2];
                    c.encode_utf16(&mut units)
                        .iter()
                        .map(|u| format!("\\u{u:04x}"))
                        .collect()
                } else {
                    c.to_string()
                }
            })
            .collect(),
    )
}

/// Whether the character at `i` in `s` is shown escaped: a hidden one that is
/// neither a CR ending a line nor the start of one of the sequences `keep`.
fn hides(s: &str, i: usize, c: char, keep: &[&str]) -> bool {
    // Every invisible character is above U+00AC, and C1 ends at U+009F: most
    // text is passed over on a comparison or two a character (all output goes
    // through here).
    let suspect = c < ' ' || c == '\u{7F}' || (c > '\u{7F}' && c <= '\u{9F}') || c > '\u{AC}';
    if !suspect || !is_hidden(c) {
        return false;
    }
    let rest = &s[i..];
    !((c == '\r' && rest[1..].starts_with('\n')) || keep.iter().any(|k| rest.starts_with(k)))
}

fn escape_with<'s>(s: &'s str, keep: &[&str], escape: impl Fn(char) -> String) -> Cow<'s, str> {
    if !s.char_indices().any(|(i, c)| hides(s, i, c, keep)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for (i, c) in s.char_indices() {
        if hides(s, i, c, keep) {
            out.push_str(&escape(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Long text with its line endings made one: CRLF (a file saved on Windows, a
/// paste) becomes LF. A CR on its own stays, for `check` to refuse: on a terminal
/// it returns to the start of the line, to overwrite what was written. Short
/// fields are one line, so a CRLF in one is refused as it is.
fn long_lines(value: &str, max: usize) -> Cow<'_, str> {
    match max > MAX_SHORT && value.contains("\r\n") {
        true => Cow::Owned(value.replace("\r\n", "\n")),
        false => Cow::Borrowed(value),
    }
}

fn check(flag: &str, value: &str, max: usize) -> Result<()> {
    let multi_line = max > MAX_SHORT;
    if let Some(c) = value.chars().find(|&c| is_bidi_control(c)) {
        return Err(Error::refused(format!(
            "{flag} contains a bidirectional control character (U+{:04X}), which can make text read as something it is not, so it cannot be recorded",
            c as u32
        ))
        .with_hint(Hint::RetypeText(Retype::Bidi)));
    }
    if let Some(c) = value
        .chars()
        .find(|&c| c.is_control() && !(multi_line && (c == '\n' || c == '\t')))
    {
        let (what, retype) = match c {
            '\n' | '\t' => ("a line break or tab", Retype::LineBreak),
            '\r' => ("a carriage return on its own", Retype::CarriageReturn),
            '\u{1B}' => ("a control character", Retype::Escape),
            _ => ("a control character", Retype::Control),
        };
        return Err(Error::refused(format!(
            "{flag} contains {what} (U+{:04X}), which cannot be recorded",
            c as u32
        ))
        .with_hint(Hint::RetypeText(retype)));
    }
    let n = value.chars().count();
    if n > max {
        return Err(
            Error::refused(format!("{flag} is {n} characters long; the limit is {max}"))
                .with_hint(Hint::ShortenText),
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

    #[test]
    fn control_characters_are_shown_escaped_but_line_ends_and_own_colours_kept() {
        assert_eq!(
            visible("ok\r\x1b[1A\x1b[2Kforged\u{9b}2J\u{7f}"),
            "ok<U+000D><U+001B>[1A<U+001B>[2Kforged<U+009B>2J<U+007F>"
        );
        assert_eq!(visible("a,b\r\nc\td\n"), "a,b\r\nc\td\n");
        assert_eq!(visible("end\r"), "end<U+000D>");
        assert_eq!(visible("\x1b[31mred\x1b[0m"), "<U+001B>[31mred<U+001B>[0m");
        assert_eq!(
            visible_coloured("\x1b[31mdue\x1b[0m \x1b[8mhidden"),
            "\x1b[31mdue\x1b[0m <U+001B>[8mhidden"
        );
        assert_eq!(
            one_line("one\r\ntwo\nthree"),
            "one \u{21B5} two \u{21B5} three"
        );
        assert_eq!(one_line("a\x1bb"), "a<U+001B>b");
        // JSON keeps serde's own escapes and line breaks; DEL and C1 are escaped.
        assert_eq!(
            visible_json("{\n  \"a\": \"\\u001b[2K\u{9b}\u{7f}\"\n}"),
            "{\n  \"a\": \"\\u001b[2K\\u009b\\u007f\"\n}"
        );
    }

    #[test]
    fn long_text_keeps_tabs_and_turns_crlf_into_lf_but_refuses_a_lone_cr() {
        assert_eq!(
            required("--note", "a\tb\r\nc\r\n", MAX_LONG).unwrap(),
            "a\tb\nc"
        );
        assert_eq!(
            optional("--note", Some("x\r\ny"), MAX_LONG).unwrap(),
            Some("x\ny".to_owned())
        );
        let err = required("--note", "done\roverwritten", MAX_LONG).unwrap_err();
        assert!(err.to_string().contains("U+000D"), "{err}");
        assert!(required("--by", "a\r\nb", MAX_SHORT).is_err());
        assert!(required("--by", "a\tb", MAX_SHORT).is_err());
        assert!(required("--who", "a\u{85}b", MAX_SHORT).is_err());
        assert!(required("--note", "a\u{7f}b", MAX_LONG).is_err());
        assert_eq!(first_refused("fine\n\tok"), None);
        assert_eq!(first_refused("x\u{202E}y"), Some('\u{202E}'));
        assert_eq!(first_refused("x\x1by"), Some('\x1b'));
    }
}
