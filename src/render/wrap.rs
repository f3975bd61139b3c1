//! Wrapping messages for the terminal: at word boundaries, to its width, so an
//! error's hint never breaks a word or a path mid-way at 80 columns. Widths are
//! the columns text takes on a terminal (`unicode-width`), not its characters.

use unicode_width::UnicodeWidthStr;

/// The columns `text` takes on a terminal.
pub(crate) fn columns(text: &str) -> usize {
    text.width()
}

/// `text` as lines of at most `width` columns (when known), each starting with
/// `indent`; a word longer than a line (a long path) stands on its own line.
pub(crate) fn wrap(text: &str, indent: &str, width: Option<usize>) -> String {
    let mut out = String::new();
    for para in text.lines() {
        let Some(width) = width.filter(|w| *w > indent.len() + 20) else {
            out.push_str(&format!("{indent}{para}\n"));
            continue;
        };
        // A line of a list inside the message keeps its own indentation.
        let lead = format!("{indent}{}", &para[..para.len() - para.trim_start().len()]);
        let mut line = lead.clone();
        for word in para.split_whitespace() {
            let fits = line.trim().is_empty() || columns(&line) + 1 + columns(word) < width;
            if !fits {
                out.push_str(line.trim_end());
                out.push('\n');
                line = lead.clone();
            }
            if !line.trim().is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// Each line of `text` broken at spaces to at most `width` columns, its
/// continuation lines indented four more than it (a timeline line, a header
/// field): for a terminal, which would otherwise break words mid-way. A word
/// longer than a line runs over rather than being split.
pub(crate) fn hanging(text: &str, width: usize) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for line in text.split_inclusive('\n') {
        let (body, end) = match line.strip_suffix('\n') {
            Some(body) => (body, "\n"),
            None => (line, ""),
        };
        if columns(body) <= width {
            out.push_str(line);
            continue;
        }
        let lead = &body[..body.len() - body.trim_start().len()];
        let hang = format!("{lead}    ");
        // The text is cut only at the space before a word that would not fit;
        // everything else (the spaces that align a header's values) is kept.
        let mut rest = body;
        let mut prefix = "";
        loop {
            let room = width.saturating_sub(columns(prefix));
            match cut(rest, room, prefix.is_empty().then_some(lead.len())) {
                Some((head, tail)) => {
                    out.push_str(prefix);
                    out.push_str(head);
                    out.push('\n');
                    rest = tail;
                    prefix = &hang;
                }
                None => {
                    out.push_str(prefix);
                    out.push_str(rest);
                    break;
                }
            }
        }
        out.push_str(end);
    }
    out
}

/// Where to break `text` to fit `room` columns: the text before the last run of
/// spaces that leaves a fitting head, and the text after it; `None` if it all
/// fits or no space leaves anything (one long word runs over). Spaces in the
/// first `skip` bytes (a line's own indentation) are no place to break.
fn cut(text: &str, room: usize, skip: Option<usize>) -> Option<(&str, &str)> {
    if columns(text) <= room {
        return None;
    }
    let skip = skip.unwrap_or(0);
    let mut best = None;
    let mut first = None;
    for (i, c) in text.char_indices() {
        if c != ' ' || i <= skip || text[..i].ends_with(' ') {
            continue;
        }
        let head = text[..i].trim_end();
        let tail = text[i..].trim_start();
        if head.trim().is_empty() || tail.is_empty() {
            continue;
        }
        first.get_or_insert((head, tail));
        if columns(head) <= room {
            best = Some((head, tail));
        } else {
            break;
        }
    }
    best.or(first)
}

#[cfg(test)]
mod tests {
    use super::{hanging, wrap};

    #[test]
    fn long_lines_hang_under_themselves_and_words_stay_whole() {
        let text = "Timeline:\n  4. Mon 30 Nov 2026 11:00, Jo Bloggs: notified Independent Reviewing Officer (meets obligation iro): Emailed\nshort\n";
        let wrapped = hanging(text, 40);
        assert!(
            wrapped.lines().all(|l| l.chars().count() <= 40),
            "{wrapped}"
        );
        assert!(
            wrapped.starts_with(
                "Timeline:\n  4. Mon 30 Nov 2026 11:00, Jo Bloggs:\n      notified Independent"
            ),
            "{wrapped}"
        );
        // The spaces that align a header's values stay as they are.
        assert_eq!(
            hanging(
                "Between:  Hollyfield Primary (raising) and Children's Social Care",
                40
            ),
            "Between:  Hollyfield Primary (raising)\n    and Children's Social Care"
        );
        assert!(wrapped.ends_with("\nshort\n"), "{wrapped}");
        let words = |t: &str| t.split_whitespace().map(str::to_owned).collect::<Vec<_>>();
        assert_eq!(words(&wrapped), words(text));
        // A line that fits, or a word longer than the width, is left as it is.
        assert_eq!(hanging("a b\n", 40), "a b\n");
        assert_eq!(
            hanging("Journal head: 0123456789abcdef0123456789abcdef", 20),
            "Journal head:\n    0123456789abcdef0123456789abcdef"
        );
    }

    #[test]
    fn messages_wrap_between_words() {
        let text = "Check the ID, or run `escalate status --all` to list disputes (data directory: /tmp/x).";
        let wrapped = wrap(text, "  ", Some(40));
        assert!(wrapped.lines().all(|l| l.chars().count() < 40), "{wrapped}");
        assert!(wrapped.lines().all(|l| l.starts_with("  ")), "{wrapped}");
        assert_eq!(
            wrapped.split_whitespace().collect::<Vec<_>>(),
            text.split_whitespace().collect::<Vec<_>>()
        );
        assert_eq!(wrap(text, "", None), format!("{text}\n"));
        assert_eq!(
            wrap("two problems:\n  a: b", "", Some(40)),
            "two problems:\n  a: b\n"
        );
    }
}
