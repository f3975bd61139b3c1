//! What the partnership's repository sends is checked before any of it is used.
//! Anyone who can push to that repository is a stranger to this computer, so the
//! commit a sync would take (and, for `share join`, the one it would copy) must
//! hold only the files escalate shares (`store::layout::shared`), each a plain,
//! non-executable file of a size escalate reads, with escalate's own repository
//! files as escalate writes them; and every commit on the way to it may only have
//! appended lines to journals. Anything else is refused with the commit that did
//! it, who made it and the path, before a byte is written here.

use std::collections::HashSet;

use super::git::{self, Git};
use crate::error::{Error, Hint, Result};
use crate::store::journal::MAX_JOURNAL_BYTES;
use crate::store::layout::{self, Shared};

/// One file of a fetched commit's tree.
#[derive(Clone, Debug)]
pub(crate) struct Entry {
    pub path: String,
    pub kind: Shared,
    /// The blob's object name.
    pub object: String,
}

/// Why a tree entry cannot be taken.
fn problem(mode: &str, kind: &str, size: Option<u64>, path: Option<&str>) -> Option<String> {
    let Some(path) = path else {
        return Some("a file name that is not text".into());
    };
    if layout::shared(path).is_none() {
        return Some(match mode {
            "120000" => "a symbolic link where escalate keeps nothing".into(),
            "160000" => "a submodule (a link to another repository)".into(),
            _ => "a file escalate does not share".into(),
        });
    }
    match (mode, kind) {
        ("100644", "blob") => {}
        ("100755", _) => return Some("an executable file".into()),
        ("120000", _) => return Some("a symbolic link".into()),
        ("160000", _) => return Some("a submodule (a link to another repository)".into()),
        _ => return Some(format!("an entry of mode {mode}, not a plain file")),
    }
    match size {
        Some(n) if n <= MAX_JOURNAL_BYTES => None,
        Some(n) => Some(format!(
            "a file of {n} bytes, more than the {MAX_JOURNAL_BYTES} escalate reads"
        )),
        None => Some("a file whose size git did not give".into()),
    }
}

/// A path as it may be shown: printable, whatever bytes a pusher chose.
fn shown(path: &[u8]) -> String {
    String::from_utf8_lossy(path).escape_debug().to_string()
}

/// Check the tree of `tip` (the commit a sync or join would take) and return its
/// files. `base` is the commit this clone last took, whose versions of
/// escalate's own files stand; `repair` lets those files differ (sync then
/// writes escalate's versions back).
pub(crate) fn check_tip(
    g: &Git,
    tip: &str,
    base: Option<&str>,
    repair: bool,
) -> Result<Vec<Entry>> {
    // Sizes (`-l`) make git read every blob's header: for a directory of 10,000
    // journals that was most of an incremental sync. With a base, only the blobs
    // that changed since are sized; the rest were checked when it was taken.
    let ran = match base {
        Some(_) => g.run(&["ls-tree", "-r", "-z", "--full-tree", tip])?,
        None => g.run(&["ls-tree", "-r", "-l", "-z", "--full-tree", tip])?,
    };
    let changed = match base {
        Some(b) => Some(changed_sizes(g, b, tip)?),
        None => None,
    };
    if !ran.ok {
        return Err(Error::refused(format!(
            "git could not list the partnership's files: {}",
            git::first_lines(&ran.stderr)
        )));
    }
    let mut entries = Vec::new();
    let mut seen = HashSet::new();
    for raw in ran.stdout.split(|&b| b == 0).filter(|r| !r.is_empty()) {
        let Some(tab) = raw.iter().position(|&b| b == b'\t') else {
            return Err(Error::refused(
                "git's list of the partnership's files could not be read",
            ));
        };
        let (meta, path) = (&raw[..tab], &raw[tab + 1..]);
        let meta = String::from_utf8_lossy(meta);
        let mut fields = meta.split_whitespace();
        let (mode, kind, object) = (
            fields.next().unwrap_or_default(),
            fields.next().unwrap_or_default(),
            fields.next().unwrap_or_default().to_owned(),
        );
        let size = match &changed {
            None => fields.next().and_then(|s| s.parse::<u64>().ok()),
            Some(sizes) => match sizes.get(&object) {
                Some(size) => *size,
                // Unchanged since the base, whose files were all checked: within
                // the size escalate reads then, and the same bytes now.
                None => Some(0),
            },
        };
        let text = std::str::from_utf8(path).ok();
        // Two names one file system may take for the same file (a case-folding
        // one) must not both arrive.
        let folded = String::from_utf8_lossy(path).to_lowercase();
        let what = problem(mode, kind, size, text).or_else(|| {
            (!seen.insert(folded)).then(|| {
                "a second file whose name differs from another only in capitals".to_owned()
            })
        });
        if let Some(what) = what {
            return Err(refusal(g, tip, base, path, &what));
        }
        let path = text.unwrap_or_default().to_owned();
        let kind = layout::shared(&path).unwrap_or(Shared::Setting);
        entries.push(Entry { path, kind, object });
    }
    if !repair {
        check_owned(g, tip, base, &entries)?;
    }
    Ok(entries)
}

/// The size of each blob that `tip` holds and `base` does not hold at the same
/// path (`None`: git gave none): one `diff-tree` and one `cat-file
/// --batch-check`, whatever the size of the tree.
fn changed_sizes(
    g: &Git,
    base: &str,
    tip: &str,
) -> Result<std::collections::HashMap<String, Option<u64>>> {
    let ran = g.run(&["diff-tree", "-r", "-z", "--no-renames", base, tip])?;
    if !ran.ok {
        return Err(Error::refused(format!(
            "git could not list the partnership's changes: {}",
            git::first_lines(&ran.stderr)
        )));
    }
    // `:modes objects status`, then the path, each ended by a NUL.
    let objects: Vec<String> = ran
        .stdout
        .split(|&b| b == 0)
        .filter(|f| f.first() == Some(&b':'))
        .filter_map(|f| {
            let meta = String::from_utf8_lossy(&f[1..]).into_owned();
            meta.split(' ').nth(3).map(str::to_owned)
        })
        .filter(|o| o.bytes().any(|b| b != b'0'))
        .collect();
    let mut sizes: std::collections::HashMap<String, Option<u64>> =
        objects.iter().map(|o| (o.clone(), None)).collect();
    if objects.is_empty() {
        return Ok(sizes);
    }
    let input = objects.join("\n") + "\n";
    let ran = g.run_with(&["cat-file", "--batch-check"], input.as_bytes(), None)?;
    for line in String::from_utf8_lossy(&ran.stdout).lines() {
        let mut f = line.split(' ');
        if let (Some(object), Some(_), Some(size)) = (f.next(), f.next(), f.next()) {
            if let Some(slot) = sizes.get_mut(object) {
                *slot = size.parse().ok();
            }
        }
    }
    Ok(sizes)
}

/// escalate's own repository files in `tip` must be as escalate writes them, or
/// as they were at `base` (written by an earlier escalate).
fn check_owned(g: &Git, tip: &str, base: Option<&str>, entries: &[Entry]) -> Result<()> {
    let owned: Vec<&Entry> = entries.iter().filter(|e| e.kind == Shared::Owned).collect();
    if owned.is_empty() {
        return Ok(());
    }
    let names: Vec<String> = owned.iter().map(|e| e.object.clone()).collect();
    let at_base: Vec<String> = match base {
        Some(b) => owned.iter().map(|e| format!("{b}:{}", e.path)).collect(),
        None => Vec::new(),
    };
    let contents = g.blobs(&names)?;
    let base_contents = g.blobs(&at_base)?;
    for (i, (entry, bytes)) in owned.iter().zip(contents).enumerate() {
        let bytes = bytes.unwrap_or_default();
        let unchanged = base_contents
            .get(i)
            .is_some_and(|b| b.as_deref() == Some(&bytes[..]));
        if unchanged || super::is_owned_text(&entry.path, &bytes) {
            continue;
        }
        let (commit, author) = culprit(g, tip, base, entry.path.as_bytes());
        return Err(refused(
            entry.path.as_bytes(),
            "a version of a file only escalate writes that escalate did not write",
            &commit,
            &author,
        )
        .with_hint(Hint::ShareRepair));
    }
    Ok(())
}

/// The refusal for `path` in `tip`, naming the commit that brought it.
fn refusal(g: &Git, tip: &str, base: Option<&str>, path: &[u8], what: &str) -> Error {
    let (commit, author) = culprit(g, tip, base, path);
    refused(path, what, &commit, &author).with_hint(Hint::RevertCommit {
        commit: commit[..commit.len().min(12)].to_owned(),
    })
}

/// "The repository holds `what` at `path`, from `commit` by `author`".
fn refused(path: &[u8], what: &str, commit: &str, author: &str) -> Error {
    Error::refused(format!(
        "the partnership's repository holds {what} at \"{}\", from commit {} by {}; escalate takes nothing from the repository while it does, and nothing was changed here",
        shown(path),
        &commit[..commit.len().min(12)],
        author
    ))
}

/// The newest commit in `base..tip` that touched `path`, and its author; the tip
/// itself when the search finds none.
fn culprit(g: &Git, tip: &str, base: Option<&str>, path: &[u8]) -> (String, String) {
    let spec = format!(":(literal){}", String::from_utf8_lossy(path));
    let not_base = base.map(|b| format!("^{b}"));
    let mut args = vec!["log", "-1", "--format=%H%x00%an <%ae>", tip];
    if let Some(nb) = &not_base {
        args.push(nb);
    }
    args.extend(["--", spec.as_str()]);
    let found = g
        .run(&args)
        .ok()
        .filter(|r| r.ok)
        .map(|r| r.text())
        .filter(|t| !t.is_empty());
    let text = found.unwrap_or_else(|| {
        g.run(&["log", "-1", "--format=%H%x00%an <%ae>", tip])
            .map(|r| r.text())
            .unwrap_or_default()
    });
    let (commit, author) = text.split_once('\0').unwrap_or((tip, "an unknown author"));
    (commit.to_owned(), author.escape_debug().to_string())
}

/// One journal change of one commit (against one of its parents).
struct Change {
    commit: String,
    status: u8,
    old: String,
    new: String,
    path: String,
}

/// Check every commit in `base..tip` only appended lines to journals: none
/// removed, none changed in a way that cuts or alters a line already there, for
/// every parent of a merge. Memory stays at one pair of journal versions.
pub(crate) fn check_commits(g: &Git, base: Option<&str>, tip: &str) -> Result<()> {
    let not_base = base.map(|b| format!("^{b}"));
    let mut args = vec!["rev-list", "--reverse", "--topo-order", tip];
    if let Some(nb) = &not_base {
        args.push(nb);
    }
    let commits = g.ok(&args)?;
    if commits.is_empty() {
        return Ok(());
    }
    let ran = g.run_with(
        &[
            "diff-tree",
            "--stdin",
            "-r",
            "-z",
            "--no-renames",
            "--no-ext-diff",
            "--root",
            "-m",
            "--",
            crate::store::layout::JOURNALS_PATHSPEC,
        ],
        format!("{commits}\n").as_bytes(),
        None,
    )?;
    if !ran.ok {
        return Err(Error::refused(format!(
            "git could not list the partnership's changes: {}",
            git::first_lines(&ran.stderr)
        )));
    }
    let changes = parse_changes(&ran.stdout);
    let readable = readable_versions(g, &changes)?;
    let mut reader = None;
    let parted;
    for c in changes {
        // A version no escalate could have taken (larger than a journal may be)
        // was never shared lines: undoing it is how a partnership mends a push.
        if c.status != b'A' && !readable.contains(&c.old) {
            continue;
        }
        let Some(id) = crate::store::layout::journal_of_shared(&c.path) else {
            continue;
        };
        let what = match c.status {
            b'A' => continue,
            b'D' => "removed the journal of dispute",
            b'M' => {
                let r = match &mut reader {
                    Some(r) => r,
                    None => reader.insert(g.blob_reader()?),
                };
                let old = r.read(&c.old, MAX_JOURNAL_BYTES)?.unwrap_or_default();
                let new = r.read(&c.new, MAX_JOURNAL_BYTES)?.unwrap_or_default();
                if new.starts_with(&old) && (old.is_empty() || old.ends_with(b"\n")) {
                    continue;
                }
                let line = crate::store::journal::line::first_difference(&old, &new);
                parted = format!(
                    "changed or removed lines already shared (from line {line}) in the journal of dispute"
                );
                &parted
            }
            _ => "replaced the journal of dispute",
        };
        let author = g
            .run(&["log", "-1", "--format=%an <%ae>", &c.commit])
            .map(|r| r.text())
            .unwrap_or_default();
        let short = &c.commit[..c.commit.len().min(12)];
        return Err(Error::refused(format!(
            "commit {short} in the partnership's repository, by {}, {what} {id}; shared lines are never changed, so escalate takes nothing from the repository and nothing was changed here",
            author.escape_debug()
        ))
        .with_hint(Hint::TellKeeperCommitChangedLines {
            short: short.to_owned(),
        }));
    }
    Ok(())
}

/// Which of the versions the changes replace or remove are of a size escalate
/// reads (one `git cat-file --batch-check` for all of them).
fn readable_versions(g: &Git, changes: &[Change]) -> Result<HashSet<String>> {
    let olds: Vec<&str> = changes
        .iter()
        .filter(|c| c.status != b'A')
        .map(|c| c.old.as_str())
        .collect();
    if olds.is_empty() {
        return Ok(HashSet::new());
    }
    let input = olds.join("\n") + "\n";
    let ran = g.run_with(&["cat-file", "--batch-check"], input.as_bytes(), None)?;
    Ok(String::from_utf8_lossy(&ran.stdout)
        .lines()
        .filter_map(|l| {
            let mut f = l.split(' ');
            let (object, _, size) = (f.next()?, f.next()?, f.next()?.parse::<u64>().ok()?);
            (size <= MAX_JOURNAL_BYTES).then(|| object.to_owned())
        })
        .collect())
}

/// `git diff-tree --stdin -r -z` output: a commit name, then `:modes objects
/// status` and a path for each change, for each parent in turn.
fn parse_changes(out: &[u8]) -> Vec<Change> {
    let mut changes = Vec::new();
    let mut commit = String::new();
    let mut fields = out.split(|&b| b == 0).filter(|f| !f.is_empty());
    while let Some(field) = fields.next() {
        if field.first() != Some(&b':') {
            commit = String::from_utf8_lossy(field)
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_owned();
            continue;
        }
        let meta = String::from_utf8_lossy(&field[1..]).into_owned();
        let parts: Vec<&str> = meta.split(' ').collect();
        let Some(path) = fields.next() else { break };
        if let [_, _, old, new, status] = parts[..] {
            changes.push(Change {
                commit: commit.clone(),
                status: status.bytes().next().unwrap_or(b'?'),
                old: old.to_owned(),
                new: new.to_owned(),
                path: String::from_utf8_lossy(path).into_owned(),
            });
        }
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_that_are_not_plain_shared_files_are_named() {
        let journal = "disputes/ABCDEFGHJK.jsonl";
        assert_eq!(problem("100644", "blob", Some(10), Some(journal)), None);
        for (mode, kind, size, path, said) in [
            ("100755", "blob", Some(1), Some(journal), "executable"),
            ("120000", "blob", Some(1), Some(journal), "symbolic link"),
            ("160000", "commit", None, Some(journal), "submodule"),
            (
                "100644",
                "blob",
                Some(MAX_JOURNAL_BYTES + 1),
                Some(journal),
                "more than",
            ),
            (
                "100644",
                "blob",
                Some(1),
                Some("x/../../.config/git/config"),
                "does not share",
            ),
            ("120000", "blob", Some(1), Some("cache"), "symbolic link"),
            ("100644", "blob", Some(1), None, "not text"),
        ] {
            let got = problem(mode, kind, size, path).unwrap_or_default();
            assert!(got.contains(said), "{mode} {path:?}: {got}");
        }
    }

    #[test]
    fn changes_are_read_per_commit_and_parent() {
        let z = "0".repeat(40);
        let out = format!(
            "c1\0:000000 100644 {z} aaa A\0disputes/X.jsonl\0c2\0:100644 100644 aaa bbb M\0disputes/X.jsonl\0c2\0:100644 000000 ccc {z} D\0disputes/Y.jsonl\0"
        );
        let got = parse_changes(out.as_bytes());
        let seen: Vec<(String, u8, String)> = got
            .into_iter()
            .map(|c| (c.commit, c.status, c.path))
            .collect();
        assert_eq!(
            seen,
            vec![
                ("c1".into(), b'A', "disputes/X.jsonl".into()),
                ("c2".into(), b'M', "disputes/X.jsonl".into()),
                ("c2".into(), b'D', "disputes/Y.jsonl".into()),
            ]
        );
    }
}
