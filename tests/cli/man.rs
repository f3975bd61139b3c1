//! Issue 31 item 4 (branch `man`): text wrapped by the columns it takes on a
//! terminal, through textwrap, and the manual built with clap_mangen and roff.

use crate::support::Env;
use unicode_width::UnicodeWidthStr;

/// A note in another script (an agency's name in Japanese, an emoji) is wrapped
/// at 80 columns by the room it takes: a CJK character and an emoji take two.
#[test]
fn wide_characters_wrap_within_80_columns() {
    let env = Env::new();
    let bscb = concat!(env!("CARGO_MANIFEST_DIR"), "/policies/bscb.toml");
    let mut text = std::fs::read_to_string(bscb).unwrap();
    let note = "児童相談所 と 学校 の 意見 が 合わない 😟 ".repeat(10);
    text.push_str(&format!(
        "\n[[note]]\ntext = \"{}\"\nsource = \"A partner's own words.\"\n",
        note.trim()
    ));
    let file = env.tmp.path().join("wide.toml");
    std::fs::write(&file, text).unwrap();
    let out = env
        .cmd(&["policy", "show", file.to_str().unwrap()])
        .env("COLUMNS", "80")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let shown = String::from_utf8(out.stdout).unwrap();
    assert!(shown.contains("児童相談所"), "{shown}");
    for line in shown.lines() {
        assert!(line.width() <= 80, "{} columns: {line}", line.width());
    }
    // Wrapped, not cut: every word of the note is there, in order.
    let words: Vec<&str> = shown
        .split_whitespace()
        .skip_while(|w| *w != "児童相談所")
        .take(note.split_whitespace().count())
        .collect();
    assert_eq!(words, note.split_whitespace().collect::<Vec<_>>());
}

/// An *emphasised phrase* that runs from one line of policies/README.md to the
/// next is set in italic, not shown with its stars; help text's `code` is bold,
/// as the rest of the page has it.
#[test]
fn the_manual_sets_markup_in_fonts_not_stars_or_backquotes() {
    let env = Env::new();
    let format = env.ok(&["man", "policy.5", "--roff"]);
    assert!(
        format.contains("\\fIfurther information before a referral\\fR"),
        "{format}"
    );
    assert!(!format.contains("referral*"), "{format}");
    let open = env.ok(&["man", "open", "--roff"]);
    assert!(open.contains("\\fBescalate policy list\\fR"), "{open}");
    assert!(!open.contains('`'), "{open}");
}
