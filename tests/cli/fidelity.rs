//! The built-in policies quote their documents verbatim: every `source` in the five
//! files occurs in its seed document (kept in `policies/sources/`), split only where
//! an ellipsis "…" marks words left out or a heading joined to its text.
//!
//! The comparison forgives only what is not the document's wording: runs of
//! whitespace and line breaks, curly versus straight quotes and apostrophes, and the
//! seed's markdown emphasis (`**`) and underline tags, which are typography.

use std::path::PathBuf;

/// Each built-in policy and the document it encodes.
const POLICIES: [(&str, &str); 5] = [
    ("gscb", "gscb-gloucestershire-2018.txt"),
    ("bscb", "bscb-birmingham-2020.txt"),
    ("lscb", "lscb-playgroup.txt"),
    ("cscp", "cscp-coventry-2019.txt"),
    ("cumbria", "cumbria-scp-2024.txt"),
];

fn policies_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("policies")
}

fn read(path: PathBuf) -> String {
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Whitespace collapsed to single spaces, quotes straightened, emphasis dropped.
fn normalise(text: &str) -> String {
    let plain = text
        .replace("**", "")
        .replace("<u>", "")
        .replace("</u>", "")
        .replace(['\u{2018}', '\u{2019}'], "'")
        .replace(['\u{201c}', '\u{201d}'], "\"");
    plain.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Every `source` string anywhere in a policy, with the path of tables leading to it.
fn sources(value: &toml::Value, at: &str, out: &mut Vec<(String, String)>) {
    match value {
        toml::Value::Table(table) => {
            for (key, v) in table {
                match (key.as_str(), v) {
                    ("source", toml::Value::String(s)) => out.push((at.to_owned(), s.clone())),
                    _ => sources(v, &format!("{at}.{key}"), out),
                }
            }
        }
        toml::Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                sources(v, &format!("{at}[{i}]"), out);
            }
        }
        _ => {}
    }
}

/// Why `quote` is not a faithful quotation of `document`, if it is not: each part
/// between ellipses must occur, in order, in the normalised document.
fn misquote(quote: &str, document: &str) -> Option<String> {
    if quote.contains("...") {
        return Some("uses \"...\"; mark words left out with \"…\"".into());
    }
    let mut from = 0;
    for part in quote.split('…').map(normalise) {
        if part.is_empty() {
            continue;
        }
        match document[from..].find(&part) {
            Some(i) => from += i + part.len(),
            None if document.contains(&part) => {
                return Some(format!(
                    "{part:?} is in the document, but not in this order"
                ))
            }
            None => return Some(format!("{part:?} is not in the document")),
        }
    }
    None
}

#[test]
fn every_source_is_quoted_verbatim_from_its_document() {
    let mut problems = Vec::new();
    let mut checked = 0;
    for (id, seed) in POLICIES {
        let document = normalise(&read(policies_dir().join("sources").join(seed)));
        let text = read(policies_dir().join(format!("{id}.toml")));
        let policy: toml::Value = toml::from_str(&text).expect("policy parses");
        let mut found = Vec::new();
        sources(&policy, id, &mut found);
        assert!(found.len() > 10, "{id}: only {} sources found", found.len());
        for (at, quote) in found {
            checked += 1;
            if let Some(why) = misquote(&quote, &document) {
                problems.push(format!("{at}: {why}\n    source = {quote:?}"));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} of {checked} sources are not verbatim:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn the_quote_check_refuses_what_the_documents_do_not_say() {
    let document = normalise("Stage One – consulting the line manager\n\nAny professional who feels that a decision is unsafe. It\u{2019}s **urgent**.");
    // A heading glued to its text with an invented full stop is refused...
    assert!(misquote(
        "Stage One – consulting the line manager. Any professional",
        &document
    )
    .is_some());
    // ... a marked join is accepted, as are straightened apostrophes and emphasis.
    assert_eq!(
        misquote(
            "Stage One – consulting the line manager … Any professional",
            &document
        ),
        None
    );
    assert_eq!(misquote("It's urgent.", &document), None);
    assert!(misquote("It's very urgent.", &document).is_some());
    assert!(misquote("Any professional … Stage One", &document).is_some());
    assert!(misquote("Stage One ... Any professional", &document).is_some());
}

#[test]
fn the_kept_documents_are_the_five_seed_documents() {
    // The quote test is only as good as the copies it reads: each is the seed text
    // itself, not an edited one (the first and last words of each, as received).
    for (seed, first, last) in [
        (
            "gscb-gloucestershire-2018.txt",
            "Gloucestershire Safeguarding Children Board",
            "either directly or through a Resolution Panel.",
        ),
        (
            "bscb-birmingham-2020.txt",
            "Learning Trust for Excellence",
            "Date approved by the Governing Board: 23.9.20",
        ),
        (
            "lscb-playgroup.txt",
            "Escalation Policy",
            "good working relationships.",
        ),
        (
            "cscp-coventry-2019.txt",
            "Escalation and Professional Disagreement Policy",
            "Quality Provision, Performance and Standards.",
        ),
        ("cumbria-scp-2024.txt", "Skip to content", "v9"),
    ] {
        let text = normalise(&read(policies_dir().join("sources").join(seed)));
        assert!(text.starts_with(first), "{seed} starts {:?}", &text[..40]);
        assert!(text.ends_with(last), "{seed}");
    }
}
