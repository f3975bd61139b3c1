//! Wrapping text for the terminal: at word boundaries, to its width, so an
//! error's hint never breaks a word or a path mid-way at 80 columns. Widths are
//! the columns text takes on a terminal (`unicode-width`), not its characters.
//! Every word-wrapper in the command line (messages, prompts, the timeline, the
//! narrow status list, policy tables) goes through `fill`, on textwrap.

use std::borrow::Cow;

use unicode_width::UnicodeWidthStr;

/// The columns `text` takes on a terminal.
pub(crate) fn columns(text: &str) -> usize {
    text.width()
}

/// One line of `text` broken at spaces into lines of at most `width` columns,
/// the first starting with `first` and the rest with `rest`. Runs of spaces inside
/// a line are kept (they align a header's values); a word longer than a line (a
/// path, a hash) runs over rather than being split, since it is typed or
/// searched for whole.
pub(crate) fn fill<'a>(
    text: &'a str,
    first: &'a str,
    rest: &'a str,
    width: usize,
) -> Vec<Cow<'a, str>> {
    let options = textwrap::Options::new(width)
        .initial_indent(first)
        .subsequent_indent(rest)
        .break_words(false)
        .word_separator(textwrap::WordSeparator::AsciiSpace)
        // Each line as full as it can be, as people wrap by hand; textwrap's
        // optimal fit would move words back to even out the lines.
        .wrap_algorithm(textwrap::WrapAlgorithm::FirstFit);
    textwrap::wrap(text, options)
}

/// `text`'s words with one space between each: tabs, line breaks and runs of
/// spaces count as one.
pub(crate) fn words(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `text` as lines of fewer than `width` columns (when known), each starting with
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
        let words = words(para);
        if words.is_empty() {
            out.push_str(lead.trim_end());
            out.push('\n');
            continue;
        }
        // One column short of the width: a line that fills the terminal exactly
        // leaves some terminals' cursor on the next line, showing a blank one.
        for line in fill(&words, &lead, &lead, width - 1) {
            out.push_str(line.trim_end());
            out.push('\n');
        }
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
        // The line's own indentation is no place to break: it leads the first
        // line, and the continuation lines hang four further in.
        let text = body.trim_start();
        let lead = &body[..body.len() - text.len()];
        let hang = format!("{lead}    ");
        let lines = fill(text, lead, &hang, width);
        out.push_str(&lines.join("\n"));
        out.push_str(end);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{columns, fill, hanging, wrap};

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

    /// A CJK character and an emoji take two columns each: counted as one (by
    /// `chars()`), these lines would run 20 to 40 columns past the terminal.
    #[test]
    fn wide_characters_wrap_by_the_columns_they_take() {
        let text = "児童相談所 と 学校 の 意見 が 合わない 😟😟 ".repeat(12);
        for width in [80, 41] {
            let filled = fill(text.trim(), "  ", "      ", width);
            assert!(filled.len() > 2, "{filled:?}");
            assert!(filled.iter().all(|l| columns(l) <= width), "{filled:?}");
            // Full lines: the next word would not have fitted.
            let wrapped = wrap(&text, "", Some(width));
            assert!(wrapped.lines().all(|l| columns(l) < width), "{wrapped}");
            let hung = hanging(&text, width);
            assert!(hung.lines().all(|l| columns(l) <= width), "{hung}");
            assert!(hung.lines().any(|l| columns(l) > width - 12), "{hung}");
            let words = |t: &str| t.split_whitespace().map(str::to_owned).collect::<Vec<_>>();
            assert_eq!(words(&hung), words(&text));
        }
    }
}
