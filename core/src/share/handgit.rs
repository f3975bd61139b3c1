//! Recognising a data directory changed with git by hand (#26 item 6): a `git
//! pull`, a hand commit or merge, a checkout of another branch, a `git stash`
//! holding journal lines. Between syncs escalate keeps the branch at the commit
//! its last sync took (`refs/escalate/synced`), on `main`, with an empty stash;
//! anything else was a person running git. This module finds what, as values
//! (`HandGit`), and says whether a journal's lines beyond its head receipt are
//! exactly a version the partnership's history holds (what a hand pull leaves).
//! It writes nothing; sync (`share::sync`) takes the changes in, and the command
//! line words what it found.

use std::path::Path;

use super::git::Git;
use super::{BRANCH, FETCHED_REF, SYNCED_REF};
use crate::domain::id::DisputeId;
use crate::error::{Error, Hint, Result};

/// What git run by hand did to the branch escalate keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Moved {
    /// The branch moved to a commit the partnership's repository holds (a pull).
    Pull,
    /// The branch holds a merge commit escalate did not make.
    Merge,
    /// The branch holds a commit made here by hand (or was reset).
    Commit,
    /// Another branch is checked out.
    Checkout,
}

/// How a data directory was changed with git by hand.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct HandGit {
    /// What moved the branch away from escalate's last sync, if it moved.
    pub moved: Option<Moved>,
    /// `git stash` entries (`stash@{n}`) holding changes to journals.
    pub stashed: Vec<String>,
}

impl HandGit {
    pub fn is_empty(&self) -> bool {
        self.moved.is_none() && self.stashed.is_empty()
    }
}

/// Look for hand git in a shared data directory. `None` when there is none, or
/// the directory is not shared (or never synced: nothing to compare with).
/// When all is as escalate left it this costs two small git commands.
pub fn detect(root: &Path) -> Result<Option<HandGit>> {
    if !super::is_shared(root) {
        return Ok(None);
    }
    let g = Git::new(root);
    let refs = g.run(&[
        "for-each-ref",
        "--format=%(refname) %(objectname)",
        &format!("refs/heads/{BRANCH}"),
        SYNCED_REF,
        "refs/stash",
    ])?;
    if !refs.ok {
        return Ok(None);
    }
    let listed = String::from_utf8_lossy(&refs.stdout).into_owned();
    let named = |name: &str| {
        listed
            .lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ').map(str::to_owned))
    };
    let Some(synced) = named(SYNCED_REF) else {
        return Ok(None);
    };
    let branch = named(&format!("refs/heads/{BRANCH}"));
    let head_ref = g.run(&["symbolic-ref", "-q", "HEAD"])?.text();
    let mut found = HandGit::default();
    if head_ref != format!("refs/heads/{BRANCH}") {
        found.moved = Some(Moved::Checkout);
    } else if let Some(b) = branch.filter(|b| *b != synced) {
        found.moved = Some(classify(&g, &synced, &b)?);
    }
    if named("refs/stash").is_some() {
        found.stashed = stashes_with_journals(&g)?;
    }
    Ok((!found.is_empty()).then_some(found))
}

/// Refuse a recording command in a data directory changed with git by hand:
/// recording first would take lines a hand pull brought in for lines added by
/// hand, and write a permanent `receipt_repaired` note into the shared record.
/// `escalate sync` takes the change in properly; then recording works again.
pub fn refuse_recording(root: &Path) -> Result<()> {
    match detect(root)? {
        None => Ok(()),
        Some(found) => Err(Error::refused(
            "this data directory was changed with git by hand since escalate last synced it, so nothing was recorded",
        )
        .with_hint(Hint::HandGit(found))),
    }
}

/// What moved the branch from `synced` to `branch`.
fn classify(g: &Git, synced: &str, branch: &str) -> Result<Moved> {
    let merges = g.run(&["rev-list", "--merges", "-n", "1", branch, &format!("^{synced}")])?;
    if merges.ok && !merges.text().is_empty() {
        return Ok(Moved::Merge);
    }
    for tracking in [FETCHED_REF, "refs/remotes/origin/main"] {
        if g.rev(tracking)?.is_some() && g.is_ancestor(branch, tracking)? && g.is_ancestor(synced, branch)? {
            return Ok(Moved::Pull);
        }
    }
    Ok(Moved::Commit)
}

/// The stash entries (`stash@{n}`) whose changes touch journals.
pub(crate) fn stashes_with_journals(g: &Git) -> Result<Vec<String>> {
    let listed = g.run(&["stash", "list", "--format=%gd"])?;
    if !listed.ok {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for entry in listed.text().lines().map(str::trim).filter(|l| !l.is_empty()) {
        if !journals_in_stash(g, entry)?.is_empty() {
            out.push(entry.to_owned());
        }
    }
    Ok(out)
}

/// The journals a stash entry changed, against the commit it was made on.
pub(crate) fn journals_in_stash(g: &Git, entry: &str) -> Result<Vec<DisputeId>> {
    let ran = g.run(&[
        "diff",
        "--name-only",
        "-z",
        "--no-renames",
        "--no-ext-diff",
        &format!("{entry}^1"),
        entry,
        "--",
        crate::store::layout::JOURNALS_PATHSPEC,
    ])?;
    if !ran.ok {
        return Ok(Vec::new());
    }
    Ok(ran
        .stdout
        .split(|&b| b == 0)
        .filter_map(|p| crate::store::layout::journal_of_shared(&String::from_utf8_lossy(p)))
        .collect())
}

/// `verify`'s warning for a journal whose lines past its receipt a hand pull
/// brought in.
pub const PULLED_BY_HAND: &str = "lines past its head receipt came from the partnership's repository with a `git pull` run by hand, not through escalate; `escalate sync` takes them in (never use git by hand in a data directory)";

/// Whether `bytes` (a journal's complete lines, longer than its head receipt
/// says) is exactly a version of that journal the partnership's history holds:
/// the tip last fetched, git's own remote-tracking branch, or the branch when a
/// pull moved it there. Then the lines past the receipt are the partnership's,
/// brought in by a hand pull, not lines added by hand.
pub fn explained_by_history(root: &Path, id: &DisputeId, bytes: &[u8]) -> bool {
    if !super::is_shared(root) {
        return false;
    }
    let g = Git::new(root);
    let path = crate::store::layout::shared_journal(id);
    let mut revs: Vec<String> = Vec::new();
    for tracking in [FETCHED_REF, "refs/remotes/origin/main"] {
        if let Ok(Some(t)) = g.rev(tracking) {
            revs.push(t);
        }
    }
    if let Ok(Some(head)) = g.rev("HEAD") {
        if revs
            .iter()
            .any(|t| g.is_ancestor(&head, t).unwrap_or(false))
        {
            revs.push(head);
        }
    }
    let names: Vec<String> = revs.iter().map(|r| format!("{r}:{path}")).collect();
    g.blobs(&names)
        .map(|got| got.iter().flatten().any(|b| b.as_slice() == bytes))
        .unwrap_or(false)
}

/// Journal lines a sync found only in a `git stash` entry and appended again.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Restored {
    /// The stash entry, as git named it when the sync found it (`stash@{0}`).
    pub stash: String,
    pub dispute: String,
    /// How many lines were appended again (as lines recorded here, not yet sent).
    pub lines: usize,
    /// Whether the entry was dropped afterwards (it held nothing else).
    pub dropped: bool,
}
