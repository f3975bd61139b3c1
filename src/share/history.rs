//! `escalate verify --history`: walk the shared repository's history and prove
//! that every commit only ever appended lines to journals — no pushed line edited,
//! removed or reordered, no journal deleted — naming the first commit that did
//! otherwise. This is what makes the pushed history evidence.

use std::path::Path;

use super::git::{self, Git};
use super::SYNCED_REF;
use crate::error::{Error, Result};

/// A commit that did something other than append.
#[derive(Debug, serde::Serialize)]
pub struct Breach {
    pub commit: String,
    pub author: String,
    pub file: String,
    pub what: String,
}

/// What the walk found.
#[derive(Debug, serde::Serialize)]
pub struct History {
    pub commits: usize,
    /// Journal changes checked (one per journal per commit).
    pub changes: usize,
    pub breaches: Vec<Breach>,
    /// The commit this clone synced, if the partnership's branch as last fetched
    /// no longer contains it (a forced push rewrote history).
    pub rewritten: Option<String>,
}

/// One journal change in one commit: old and new blob names.
struct Change {
    commit: usize,
    old: Option<String>,
    new: Option<String>,
    file: String,
}

/// Walk the history this clone has synced (or its branch, before any sync).
pub fn check(root: &Path) -> Result<History> {
    if !super::is_shared(root) {
        return Err(Error::refused(format!(
            "{} is not shared with a partnership, so it has no history to check",
            root.display()
        ))
        .with_hint("`escalate verify` checks the journals themselves."));
    }
    let g = Git::new(root);
    let tip = match g.rev(SYNCED_REF)? {
        Some(t) => t,
        None => match g.rev("HEAD")? {
            Some(t) => t,
            None => {
                return Ok(History {
                    commits: 0,
                    changes: 0,
                    breaches: Vec::new(),
                    rewritten: None,
                })
            }
        },
    };
    let ran = g.run(&[
        "log",
        "--reverse",
        "--first-parent",
        "-m",
        "--raw",
        "--no-renames",
        "--no-abbrev",
        "-z",
        "--format=%x01%H %an <%ae>",
        &tip,
        "--",
        "disputes/",
    ])?;
    if !ran.ok {
        return Err(Error::refused(format!(
            "git could not read the history: {}",
            git::first_lines(&ran.stderr)
        )));
    }
    let (commits, changes) = parse_log(&ran.stdout);
    let mut names = Vec::new();
    for c in &changes {
        names.extend(c.old.clone());
        names.extend(c.new.clone());
    }
    let mut blobs = g.blobs(&names)?.into_iter();
    let mut breaches = Vec::new();
    for c in &changes {
        let old = c
            .old
            .as_ref()
            .map(|_| blobs.next().flatten().unwrap_or_default());
        let new = c
            .new
            .as_ref()
            .map(|_| blobs.next().flatten().unwrap_or_default());
        if let Some(what) = judge(old.as_deref(), new.as_deref()) {
            let (commit, author) = &commits[c.commit];
            breaches.push(Breach {
                commit: commit.clone(),
                author: author.clone(),
                file: c.file.clone(),
                what,
            });
        }
    }
    let rewritten = match (g.rev(SYNCED_REF)?, g.rev(super::FETCHED_REF)?) {
        (Some(s), Some(f)) if !g.is_ancestor(&s, &f)? => Some(s),
        _ => None,
    };
    Ok(History {
        commits: commits.len(),
        changes: changes.len(),
        breaches,
        rewritten,
    })
}

/// Why a change is not an append, if it is not.
fn judge(old: Option<&[u8]>, new: Option<&[u8]>) -> Option<String> {
    match (old, new) {
        (_, None) => Some("the journal was deleted".into()),
        (None, Some(_)) => None,
        (Some(o), Some(n)) if n.starts_with(o) && o.last().is_none_or(|&b| b == b'\n') => None,
        (Some(o), Some(n)) => {
            let line = o
                .split_inclusive(|&b| b == b'\n')
                .zip(n.split_inclusive(|&b| b == b'\n'))
                .take_while(|(a, b)| a == b)
                .count()
                + 1;
            let old_lines = o.split_inclusive(|&b| b == b'\n').count();
            Some(if line > old_lines {
                format!("line {line} was appended to an incomplete line")
            } else {
                format!("line {line}, already shared, was changed, removed or moved")
            })
        }
    }
}

/// Parse `git log --raw -z` output: commits (hash, author) and journal changes.
fn parse_log(out: &[u8]) -> (Vec<(String, String)>, Vec<Change>) {
    let mut commits = Vec::new();
    let mut changes = Vec::new();
    let fields: Vec<String> = out
        .split(|&b| b == 0)
        .map(|f| String::from_utf8_lossy(f).into_owned())
        .collect();
    let mut i = 0;
    while i < fields.len() {
        let f = fields[i].trim_start_matches('\n');
        if let Some(header) = f.strip_prefix('\u{1}') {
            let (hash, author) = header.split_once(' ').unwrap_or((header, ""));
            commits.push((hash.trim().to_owned(), author.trim().to_owned()));
            i += 1;
            continue;
        }
        if let Some(raw) = f.strip_prefix(':') {
            let parts: Vec<&str> = raw.split_whitespace().collect();
            let file = fields.get(i + 1).cloned().unwrap_or_default();
            if parts.len() >= 4 && file.ends_with(".jsonl") && !commits.is_empty() {
                let blob = |s: &str| (!s.chars().all(|c| c == '0')).then(|| s.to_owned());
                changes.push(Change {
                    commit: commits.len() - 1,
                    old: blob(parts[2]),
                    new: blob(parts[3]),
                    file,
                });
            }
            i += 2;
            continue;
        }
        i += 1;
    }
    (commits, changes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_appends_pass() {
        assert_eq!(judge(Some(b"a\n"), Some(b"a\nb\n")), None);
        assert_eq!(judge(None, Some(b"a\n")), None);
        assert!(judge(Some(b"a\nb\n"), Some(b"a\nc\n"))
            .unwrap()
            .contains("line 2"));
        assert!(judge(Some(b"a\nb\n"), Some(b"a\n")).is_some());
        assert!(judge(Some(b"a\n"), None).unwrap().contains("deleted"));
    }
}
