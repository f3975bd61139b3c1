//! `escalate verify --history`: walk the shared repository's history and prove
//! that every commit only ever appended lines to journals and witness files — no
//! pushed line edited, removed or reordered, no file deleted — naming each commit,
//! the parent it was compared with and the file that did otherwise; and check that
//! today's history still holds every head a member witnessed (`share::witness`).
//! This is what makes the pushed history evidence.
//!
//! Every parent of every merge is followed: a merge is judged against each history
//! it claims to continue, so a merge whose first parent is a rewritten history is
//! caught by its comparison with the history it replaced. Memory is linear in the
//! size of the largest journal, not in the number of versions: versions are read
//! one at a time from `git cat-file --batch`, and each is kept only as its length
//! and SHA-256, so "the old version is a prefix of the new one" is a comparison of
//! the new version's first bytes with a digest. This module reads git; it writes
//! nothing and prints nothing.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;

use sha2::{Digest, Sha256};

use super::git::{self, Git};
use super::witness;
use super::SYNCED_REF;
use crate::error::{Error, Hint, Result};
use crate::store::journal::MAX_JOURNAL_BYTES;

/// The remote-tracking branch a hand `git fetch` or `git pull` moves.
const TRACKING_REF: &str = "refs/remotes/origin/main";

/// A commit that did something other than append.
#[derive(Debug, serde::Serialize)]
pub struct Breach {
    pub commit: String,
    /// The parent the commit was compared with (`None` for a first commit). For a
    /// merge, the history the change departs from.
    pub parent: Option<String>,
    pub author: String,
    pub file: String,
    pub what: String,
}

/// What the walk found.
#[derive(Debug, serde::Serialize)]
pub struct History {
    pub commits: usize,
    /// File changes checked (one per journal or witness file per commit and parent).
    pub changes: usize,
    pub breaches: Vec<Breach>,
    /// The commit this clone synced, if the partnership's branch as last fetched
    /// no longer contains it (a forced push rewrote history).
    pub rewritten: Option<String>,
    /// Witness lines the history does not honour, or that are not validly signed.
    pub witnesses: Vec<witness::Finding>,
}

/// What the walk over some tips found (without the witnesses).
#[derive(Debug, Default)]
pub(crate) struct Walk {
    pub commits: usize,
    pub changes: usize,
    pub breaches: Vec<Breach>,
}

/// One file change between a commit and one of its parents.
struct Change {
    pair: usize,
    old: Option<String>,
    new: Option<String>,
    file: String,
}

/// Whether a shared path is append-only: a journal or a member's witness file.
pub(crate) fn is_append_only(path: &str) -> bool {
    let journal = crate::store::layout::journal_of_shared(path).is_some();
    journal || crate::store::layout::witness_key_of(path).is_some()
}

/// Walk the history this clone has synced (or its branch, before any sync) and
/// the partnership's branch as last fetched, so a commit `sync` refused is named
/// here too.
pub fn check(root: &Path) -> Result<History> {
    if !super::is_shared(root) {
        return Err(Error::refused(format!(
            "{} is not shared with a partnership, so it has no history to check",
            root.display()
        ))
        .with_hint(Hint::VerifyChecksJournals));
    }
    let g = Git::new(root);
    let main = match g.rev(SYNCED_REF)? {
        Some(t) => t,
        None => match g.rev("HEAD")? {
            Some(t) => t,
            None => {
                return Ok(History {
                    commits: 0,
                    changes: 0,
                    breaches: Vec::new(),
                    rewritten: None,
                    witnesses: Vec::new(),
                })
            }
        },
    };
    let fetched = g.rev(super::FETCHED_REF)?.filter(|f| *f != main);
    // git's own remote-tracking branch, moved by a `git fetch` or `git pull` run
    // by hand: what it brought is walked too, taken in or not.
    let tracking = g
        .rev(TRACKING_REF)?
        .filter(|t| *t != main && Some(t) != fetched.as_ref());
    let mut tips = vec![main.as_str()];
    tips.extend(fetched.as_deref());
    tips.extend(tracking.as_deref());
    let walked = walk(&g, &tips)?;
    let rewritten = match (g.rev(SYNCED_REF)?, fetched.as_deref()) {
        (Some(s), Some(f)) if !g.is_ancestor(&s, f)? => Some(s),
        _ => None,
    };
    let signers = crate::integrity::signing::Signers::load(root)?;
    let mut witnesses = Vec::new();
    for tip in tips {
        for f in witness::check(&g, tip, signers.as_ref())? {
            if !witnesses
                .iter()
                .any(|w: &witness::Finding| w.file == f.file && w.line == f.line)
            {
                witnesses.push(f);
            }
        }
    }
    Ok(History {
        commits: walked.commits,
        changes: walked.changes,
        breaches: walked.breaches,
        rewritten,
        witnesses,
    })
}

/// Check every commit reachable from `tips` against every one of its parents.
pub(crate) fn walk(g: &Git, tips: &[&str]) -> Result<Walk> {
    let mut args = vec!["rev-list", "--parents", "--topo-order", "--reverse"];
    args.extend(tips);
    args.push("--");
    let listed = g.run(&args)?;
    if !listed.ok {
        return Err(unreadable(&listed.stderr));
    }
    let commits: Vec<Vec<String>> = String::from_utf8_lossy(&listed.stdout)
        .lines()
        .map(|l| l.split_whitespace().map(str::to_owned).collect())
        .filter(|c: &Vec<String>| !c.is_empty())
        .collect();
    // One line per (commit, parent), so each diff below belongs to exactly one.
    let mut pairs: Vec<(&str, Option<&str>)> = Vec::new();
    for c in &commits {
        match c.split_first() {
            Some((commit, [])) => pairs.push((commit, None)),
            Some((commit, parents)) => {
                pairs.extend(parents.iter().map(|p| (commit.as_str(), Some(p.as_str()))))
            }
            None => {}
        }
    }
    let mut input = String::with_capacity(pairs.len() * 82);
    for (c, p) in &pairs {
        input.push_str(c);
        if let Some(p) = p {
            input.push(' ');
            input.push_str(p);
        }
        input.push('\n');
    }
    let diffed = g.run_with(
        &[
            "diff-tree",
            "--stdin",
            "--always",
            "-r",
            "--root",
            "--raw",
            "--no-renames",
            "--no-abbrev",
            "-z",
            "--",
            crate::store::layout::JOURNALS_PATHSPEC,
            crate::store::layout::WITNESSES,
        ],
        input.as_bytes(),
        None,
    )?;
    if !diffed.ok {
        return Err(unreadable(&diffed.stderr));
    }
    let changes = parse_diffs(&diffed.stdout, &pairs)?;
    let verdicts = judge_all(g, &changes)?;
    let mut breaches = Vec::new();
    for c in &changes {
        let what = match (&c.old, &c.new) {
            (_, None) => Some(Verdict::Deleted),
            (None, Some(_)) => None,
            (Some(o), Some(n)) => verdicts
                .get(&(o.clone(), n.clone()))
                .copied()
                .filter(|v| *v != Verdict::Appended),
        };
        if let Some(v) = what {
            let (commit, parent) = pairs[c.pair];
            breaches.push((c, commit, parent, v));
        }
    }
    // Details cost a read of both versions each; a history with thousands of
    // breaches is named by its first ones in full.
    const DETAILED: usize = 50;
    let breaches = breaches
        .into_iter()
        .enumerate()
        .map(|(i, (c, commit, parent, v))| {
            let detailed = i < DETAILED;
            Ok(Breach {
                commit: commit.to_owned(),
                parent: parent.map(str::to_owned),
                author: if detailed {
                    author(g, commit)?
                } else {
                    String::new()
                },
                file: c.file.clone(),
                what: describe(g, c, v, detailed)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Walk {
        commits: commits.len(),
        changes: changes.len(),
        breaches,
    })
}

fn unreadable(stderr: &str) -> Error {
    Error::refused(format!(
        "git could not read the history: {}",
        git::first_lines(stderr)
    ))
}

/// `git diff-tree --stdin --always -z` output: one header per input pair, then
/// that pair's changes (`:modes old new status`, then the path).
fn parse_diffs(out: &[u8], pairs: &[(&str, Option<&str>)]) -> Result<Vec<Change>> {
    let bad = || Error::refused("git's list of changes could not be read");
    let mut changes = Vec::new();
    let mut fields = out.split(|&b| b == 0).map(String::from_utf8_lossy);
    let mut pair: Option<usize> = None;
    while let Some(f) = fields.next() {
        let f = f.trim_start_matches('\n');
        if f.is_empty() {
            continue;
        }
        if let Some(raw) = f.strip_prefix(':') {
            let parts: Vec<&str> = raw.split_whitespace().collect();
            let file = fields.next().ok_or_else(bad)?.into_owned();
            let (Some(p), [_, _, old, new, ..]) = (pair, parts.as_slice()) else {
                return Err(bad());
            };
            if is_append_only(&file) {
                let blob = |s: &str| (!s.bytes().all(|c| c == b'0')).then(|| s.to_owned());
                changes.push(Change {
                    pair: p,
                    old: blob(old),
                    new: blob(new),
                    file,
                });
            }
            continue;
        }
        let next = pair.map_or(0, |p| p + 1);
        if pairs.get(next).map(|(c, _)| *c) != Some(f) {
            return Err(bad());
        }
        pair = Some(next);
    }
    Ok(changes)
}

/// How a change from one version of a file to the next stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Verdict {
    Appended,
    /// The old version is not where the new one begins.
    Changed,
    /// The new version extends an old last line that had no newline.
    Incomplete,
    Deleted,
    /// git does not hold one of the versions.
    Missing,
}

/// A version of a file as the walk keeps it: its length and SHA-256.
type Digest32 = (usize, [u8; 32]);

/// Judge every (old, new) pair of versions, reading each version once, in the
/// order the history made them, keeping only its length and digest.
fn judge_all(g: &Git, changes: &[Change]) -> Result<HashMap<(String, String), Verdict>> {
    // Each version is read where its digest is first needed and again only when
    // a later change compares it with a version made after that read (a merge
    // that brings back an old version of a journal).
    let mut prefetch: Vec<String> = Vec::new();
    let mut slots: Vec<(&str, Vec<&str>)> = Vec::new();
    let mut latest_slot: HashMap<&str, usize> = HashMap::new();
    // The slot after which a version's digest is known (`None`: before all).
    let mut known_at: HashMap<&str, Option<usize>> = HashMap::new();
    for c in changes {
        let Some(n) = c.new.as_deref() else { continue };
        let Some(o) = c.old.as_deref() else {
            if !latest_slot.contains_key(n) {
                slots.push((n, Vec::new()));
                latest_slot.insert(n, slots.len() - 1);
                known_at.entry(n).or_insert(Some(slots.len() - 1));
            }
            continue;
        };
        let ko = match known_at.get(o) {
            Some(k) => *k,
            None => {
                // First met as the old side (a shallow or partial history).
                prefetch.push(o.to_owned());
                known_at.insert(o, None);
                None
            }
        };
        let slot = match latest_slot.get(n) {
            Some(&s) if ko.is_none_or(|k| s > k) => s,
            _ => {
                slots.push((n, Vec::new()));
                let s = slots.len() - 1;
                latest_slot.insert(n, s);
                known_at.entry(n).or_insert(Some(s));
                s
            }
        };
        if !slots[slot].1.contains(&o) {
            slots[slot].1.push(o);
        }
    }
    let first_new = prefetch.len();
    let mut names = prefetch;
    names.extend(slots.iter().map(|(n, _)| (*n).to_owned()));
    let mut facts: HashMap<String, Digest32> = HashMap::new();
    let mut verdicts = HashMap::new();
    for_each_blob(g, &names, |i, bytes| {
        let name = &names[i];
        let wanted: &[&str] = match i.checked_sub(first_new) {
            Some(slot) => &slots[slot].1,
            None => &[],
        };
        let Some(bytes) = bytes else {
            for o in wanted {
                verdicts.insert((o.to_string(), name.clone()), Verdict::Missing);
            }
            return Ok(());
        };
        let mut olds: Vec<(&str, Option<Digest32>)> = wanted
            .iter()
            .map(|o| (*o, facts.get(*o).copied()))
            .collect();
        olds.sort_by_key(|(_, f)| f.map_or(0, |f| f.0));
        // One pass: the digest of each old version's length of prefix is taken on
        // the way to the digest of the whole.
        let mut hasher = Sha256::new();
        let mut pos = 0;
        for (o, fact) in olds {
            let verdict = match fact {
                None => Verdict::Missing,
                Some((len, _)) if len > bytes.len() => Verdict::Changed,
                Some((len, digest)) => {
                    hasher.update(&bytes[pos..len]);
                    pos = len;
                    if hasher.clone().finalize().as_slice() != digest {
                        Verdict::Changed
                    } else if len > 0 && bytes[len - 1] != b'\n' {
                        Verdict::Incomplete
                    } else {
                        Verdict::Appended
                    }
                }
            };
            verdicts.insert((o.to_owned(), name.clone()), verdict);
        }
        hasher.update(&bytes[pos..]);
        facts.insert(name.clone(), (bytes.len(), hasher.finalize().into()));
        Ok(())
    })?;
    Ok(verdicts)
}

/// The commit's author as `name <organisation>`.
fn author(g: &Git, commit: &str) -> Result<String> {
    let ran = g.run(&["log", "-1", "--format=%an <%ae>", commit, "--"])?;
    Ok(if ran.ok { ran.text() } else { String::new() })
}

/// What a breach did, in words, with the line where the versions part when
/// `detailed` (which reads both versions whole, once).
fn describe(g: &Git, c: &Change, v: Verdict, detailed: bool) -> Result<String> {
    Ok(match v {
        Verdict::Deleted => "the file was deleted".into(),
        Verdict::Missing => {
            "git does not hold one of its versions (the repository is damaged or incomplete)".into()
        }
        Verdict::Appended => String::new(),
        Verdict::Changed | Verdict::Incomplete if detailed => {
            let names: Vec<String> = c.old.iter().chain(&c.new).cloned().collect();
            let mut got = g.blobs(&names)?.into_iter();
            let (old, new) = (got.next().flatten(), got.next().flatten());
            judge(old.as_deref(), new.as_deref())
                .unwrap_or_else(|| "a line already shared was changed".into())
        }
        Verdict::Incomplete => "a line was appended to an incomplete line".into(),
        Verdict::Changed => "a line already shared was changed, removed or moved".into(),
    })
}

/// Read many objects with one `git cat-file --batch`, handing each to `each` in
/// turn (`None` for one git does not hold), so only one is in memory at a time.
/// A version larger than a journal may be is refused, never read.
pub(crate) fn for_each_blob(
    g: &Git,
    names: &[String],
    mut each: impl FnMut(usize, Option<&[u8]>) -> Result<()>,
) -> Result<()> {
    if names.is_empty() {
        return Ok(());
    }
    let mut child = g.spawn(&["cat-file", "--batch"])?;
    let mut stdin = child.stdin.take();
    let mut input = Vec::with_capacity(names.len() * 65);
    for n in names {
        input.extend_from_slice(n.as_bytes());
        input.push(b'\n');
    }
    // Fed from its own thread (closing stdin at the end) while this one reads, so
    // neither side waits for the other.
    let feeder = std::thread::spawn(move || {
        if let Some(s) = stdin.as_mut() {
            let _ = s.write_all(&input);
        }
    });
    let read = (|| -> Result<()> {
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| Error::refused("git gave no answer about stored files"))?;
        let mut reader = BufReader::with_capacity(1 << 16, stdout);
        let io = |e| Error::io("could not read git's answer about stored files", e);
        let bad = || Error::refused("git's answer about stored files could not be read");
        let mut header = Vec::new();
        let mut buf = Vec::new();
        for (i, name) in names.iter().enumerate() {
            header.clear();
            reader.read_until(b'\n', &mut header).map_err(io)?;
            let text = String::from_utf8_lossy(&header);
            let text = text.trim_end();
            if text.is_empty() {
                return Err(bad());
            }
            if text.ends_with(" missing") || text.ends_with(" ambiguous") {
                each(i, None)?;
                continue;
            }
            let size: u64 = text
                .rsplit(' ')
                .next()
                .and_then(|s| s.parse().ok())
                .ok_or_else(bad)?;
            if size > MAX_JOURNAL_BYTES {
                return Err(Error::refused(format!(
                    "the shared history holds a version of a file of {size} bytes ({name}), larger than any journal escalate writes"
                ))
                .with_hint(Hint::TellKeeperNotOurs));
            }
            buf.clear();
            (&mut reader)
                .take(size + 1)
                .read_to_end(&mut buf)
                .map_err(io)?;
            if buf.len() as u64 != size + 1 {
                return Err(bad());
            }
            buf.pop();
            each(i, Some(&buf))?;
        }
        Ok(())
    })();
    if read.is_err() {
        let _ = child.kill();
    }
    let _ = child.wait();
    let _ = feeder.join();
    read
}

/// Why a change is not an append, if it is not.
fn judge(old: Option<&[u8]>, new: Option<&[u8]>) -> Option<String> {
    match (old, new) {
        (_, None) => Some("the file was deleted".into()),
        (None, Some(_)) => None,
        (Some(o), Some(n)) if n.starts_with(o) && o.last().is_none_or(|&b| b == b'\n') => None,
        (Some(o), Some(n)) => {
            let line = crate::store::journal::line::first_difference(o, n);
            let old_lines = o.split_inclusive(|&b| b == b'\n').count();
            Some(if line > old_lines {
                format!("line {line} was appended to an incomplete line")
            } else {
                format!("line {line}, already shared, was changed, removed or moved")
            })
        }
    }
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

    #[test]
    fn only_journals_and_witness_files_are_append_only() {
        assert!(is_append_only("disputes/7K3M9QXA2B.jsonl"));
        assert!(is_append_only(&crate::store::layout::witness_path(
            &"a".repeat(64)
        )));
        assert!(!is_append_only("disputes/quarantine/X.jsonl"));
        assert!(!is_append_only("witnesses/ABC.jsonl"));
        assert!(!is_append_only("agencies.toml"));
    }

    /// A repository built with plain git: every change the walk can meet.
    fn repo() -> (tempfile::TempDir, Git) {
        let tmp = tempfile::tempdir().unwrap();
        let g = Git::new(tmp.path());
        g.ok(&["init", "--quiet", "--initial-branch", "main"])
            .unwrap();
        (tmp, g)
    }

    fn commit(g: &Git, files: &[(&str, &str)], parents: &[&str]) -> String {
        let index = g.root.join(".git").join("scratch-index");
        let ig = g.with_index(index.clone());
        let _ = std::fs::remove_file(&index);
        ig.ok(&["read-tree", "--empty"]).unwrap();
        for (path, text) in files {
            let sha = g
                .ok_with(&["hash-object", "-w", "--stdin"], text.as_bytes(), None)
                .unwrap();
            ig.ok(&[
                "update-index",
                "--add",
                "--cacheinfo",
                &format!("100644,{sha},{path}"),
            ])
            .unwrap();
        }
        let tree = ig.ok(&["write-tree"]).unwrap();
        let mut args = vec!["commit-tree", tree.as_str(), "-m", "x"];
        for p in parents {
            args.extend(["-p", p]);
        }
        let id = super::git::Identity {
            name: "N".into(),
            organisation: "O".into(),
            when: 1_700_000_000,
        };
        g.ok_with(&args, b"", Some(&id)).unwrap()
    }

    #[test]
    fn a_merge_is_judged_against_every_parent() {
        let (_tmp, g) = repo();
        let j = "disputes/AAAAAAAAAA.jsonl";
        let base = commit(&g, &[(j, "1\n")], &[]);
        let good = commit(&g, &[(j, "1\n2\n")], &[&base]);
        // A history that cut line 2, made to look new: it starts again.
        let cut = commit(&g, &[(j, "1\n"), ("agencies.toml", "x\n")], &[]);
        // The merge keeps the cut history's journal: a version the walk met
        // before the one it is now compared with.
        let merge = commit(&g, &[(j, "1\n"), ("agencies.toml", "x\n")], &[&cut, &good]);
        let w = walk(&g, &[&merge]).unwrap();
        assert_eq!(w.commits, 4);
        assert_eq!(w.breaches.len(), 1, "{:?}", w.breaches);
        let b = &w.breaches[0];
        assert_eq!(
            (b.commit.as_str(), b.parent.as_deref()),
            (merge.as_str(), Some(good.as_str()))
        );
        assert!(b.what.contains("line 2"), "{}", b.what);
        // Following first parents only, the same history looks clean.
        let only_first = walk(&g, &[&cut]).unwrap();
        assert!(only_first.breaches.is_empty());
    }

    #[test]
    fn deletions_and_incomplete_lines_are_breaches_and_appends_are_not() {
        let (_tmp, g) = repo();
        let j = "disputes/AAAAAAAAAA.jsonl";
        let w = &crate::store::layout::witness_path(&"b".repeat(64));
        let c1 = commit(&g, &[(j, "1\n"), (w, "x\n")], &[]);
        let c2 = commit(&g, &[(j, "1\n2"), (w, "x\ny\n")], &[&c1]);
        let c3 = commit(&g, &[(j, "1\n23\n")], &[&c2]);
        let got = walk(&g, &[&c3]).unwrap();
        assert_eq!(got.changes, 6);
        let whats: Vec<(&str, &str, &str)> = got
            .breaches
            .iter()
            .map(|b| (b.commit.as_str(), b.file.as_str(), b.what.as_str()))
            .collect();
        assert_eq!(whats.len(), 2, "{whats:?}");
        assert_eq!((whats[0].0, whats[0].1), (c3.as_str(), j));
        assert!(whats[0].2.contains("line 2"), "{whats:?}");
        assert_eq!(whats[1], (c3.as_str(), w.as_str(), "the file was deleted"));
    }
}
