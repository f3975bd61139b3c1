//! Wrapping messages for the terminal: at word boundaries, to its width, so an
//! error's hint never breaks a word or a path mid-way at 80 columns.

/// `text` as lines of at most `width` columns (when known), each starting with
/// `indent`; a word longer than a line (a long path) stands on its own line.
pub fn wrap(text: &str, indent: &str, width: Option<usize>) -> String {
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
            let fits =
                line.trim().is_empty() || line.chars().count() + 1 + word.chars().count() < width;
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

#[cfg(test)]
mod tests {
    use super::wrap;

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
