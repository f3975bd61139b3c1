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
        // A sync moves its own ref before the branch: a branch behind it is one
        // killed between the two, which the next sync completes, not a person.
        if !g.is_ancestor(&b, &synced)? {
            found.moved = Some(classify(&g, &synced, &b)?);
        }
    }
    if named("refs/stash").is_some() {
        let mut pending = Vec::new();
        for entry in stashes_with_journals(&g)? {
            if holds_unrestored_lines(root, &g, &entry)? {
                pending.push(entry);
            }
        }
        found.stashed = pending;
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

/// Refuse to append to a journal whose lines past its head receipt a hand pull
/// brought in (the branch may have been put back since): the append would
/// write a `receipt_repaired` note, "lines may have been added by hand", into
/// the shared record for lines that are the partnership's own.
pub(crate) fn refuse_pulled_lines(
    root: &Path,
    id: &DisputeId,
    writer: &dyn crate::store::repository::Locked,
) -> Result<()> {
    let c = writer.contents();
    if !matches!(c.standing, crate::store::journal::head::Standing::Behind(_))
        || c.evidence.is_some()
        || !super::is_shared(root)
    {
        return Ok(());
    }
    let bytes = writer.bytes()?;
    if !explained_by_history(root, id, &bytes) {
        return Ok(());
    }
    Err(Error::refused(format!(
        "dispute {id} holds lines a `git pull` run by hand brought in, which escalate has not taken in yet, so nothing was recorded"
    ))
    .with_hint(Hint::HandGit(HandGit {
        moved: Some(Moved::Pull),
        stashed: Vec::new(),
    })))
}

/// What moved the branch from `synced` to `branch`.
fn classify(g: &Git, synced: &str, branch: &str) -> Result<Moved> {
    let merges = g.run(&[
        "rev-list",
        "--merges",
        "-n",
        "1",
        branch,
        &format!("^{synced}"),
    ])?;
    if merges.ok && !merges.text().is_empty() {
        return Ok(Moved::Merge);
    }
    for tracking in [FETCHED_REF, "refs/remotes/origin/main"] {
        if g.rev(tracking)?.is_some()
            && g.is_ancestor(branch, tracking)?
            && g.is_ancestor(synced, branch)?
        {
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
    for entry in listed
        .text()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
    {
        if !journals_in_stash(g, entry)?.is_empty() {
            out.push(entry.to_owned());
        }
    }
    Ok(out)
}

/// Whether a stash entry holds a journal line the journal here does not (once
/// sync restored them, an entry kept for its other changes is no longer news).
fn holds_unrestored_lines(root: &Path, g: &Git, entry: &str) -> Result<bool> {
    for id in journals_in_stash(g, entry)? {
        let path = crate::store::layout::shared_journal(&id);
        let got = g.blobs(&[format!("{entry}^1:{path}"), format!("{entry}:{path}")])?;
        let (base, Some(stashed)) = (got[0].clone().unwrap_or_default(), got[1].clone()) else {
            continue;
        };
        let file = crate::store::layout::journal(root, &id);
        let Ok(stashed) = crate::store::journal::parse(&file, &stashed) else {
            return Ok(true);
        };
        let pushed = base.iter().filter(|&&b| b == b'\n').count();
        let here = crate::store::fsutil::read_file(&file)
            .ok()
            .and_then(|b| crate::store::journal::parse(&file, &b).ok());
        let Some(here) = here else { return Ok(true) };
        let have: std::collections::HashSet<_> = here.records.iter().map(identity).collect();
        if stashed
            .records
            .iter()
            .skip(pushed)
            .any(|r| !have.contains(&identity(r)))
        {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The paths (as git gives them) a stash entry changed against the commit it
/// was made on, under `pathspec` if given; `None` if git could not say.
fn stash_changes(g: &Git, entry: &str, pathspec: Option<&str>) -> Result<Option<Vec<String>>> {
    let base = format!("{entry}^1");
    let mut args = vec![
        "diff",
        "--name-only",
        "-z",
        "--no-renames",
        "--no-ext-diff",
        &base,
        entry,
    ];
    if let Some(p) = pathspec {
        args.extend(["--", p]);
    }
    let ran = g.run(&args)?;
    Ok(ran.ok.then(|| {
        ran.stdout
            .split(|&b| b == 0)
            .filter(|p| !p.is_empty())
            .map(|p| String::from_utf8_lossy(p).into_owned())
            .collect()
    }))
}

/// The journals a stash entry changed, against the commit it was made on.
pub(crate) fn journals_in_stash(g: &Git, entry: &str) -> Result<Vec<DisputeId>> {
    let changed = stash_changes(g, entry, Some(crate::store::layout::JOURNALS_PATHSPEC))?;
    Ok(changed
        .unwrap_or_default()
        .iter()
        .filter_map(|p| crate::store::layout::journal_of_shared(p))
        .collect())
}

/// `verify`'s warning for a journal whose lines past its receipt a hand pull
/// brought in.
pub const PULLED_BY_HAND: &str = "lines past its head receipt came from the partnership's repository with a git pull run by hand, not through escalate; the next sync takes them in, writing nothing into the shared record";

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

/// Put back journal lines a person's `git stash` holds (a `stash`, `pull`,
/// `stash pop` that conflicted leaves a line recorded here only in the stash).
/// Called by sync under its lock, before it fetches: each stashed line not in the
/// journal now is appended again through the same path as any line recorded here
/// and not yet sent (`integrate::merge`), so this sync sends it. An entry is
/// dropped only after every journal in it was restored and only when it holds
/// nothing but journals: then nothing of it is lost; otherwise it is kept, and
/// sync says so.
pub(crate) fn restore_stashes(session: &crate::ops::Session, g: &Git) -> Result<Vec<Restored>> {
    let mut restored = Vec::new();
    // Oldest first: dropping `stash@{n}` leaves the names of newer entries as they are.
    for entry in stashes_with_journals(g)?.into_iter().rev() {
        let ids = journals_in_stash(g, &entry)?;
        let mut whole = true;
        let mut here = Vec::new();
        for id in &ids {
            match restore_journal(session, g, &entry, id)? {
                Some(lines) => here.push((id.to_string(), lines)),
                None => whole = false,
            }
        }
        let only_journals = whole && holds_only_journals(g, &entry)?;
        let dropped = only_journals && g.run(&["stash", "drop", "--quiet", &entry])?.ok;
        restored.extend(here.into_iter().filter(|(_, lines)| *lines > 0).map(
            |(dispute, lines)| Restored {
                stash: entry.clone(),
                dispute,
                lines,
                dropped,
            },
        ));
    }
    Ok(restored)
}

/// Whether a stash entry changed nothing but journals (and kept no untracked files).
fn holds_only_journals(g: &Git, entry: &str) -> Result<bool> {
    // `git stash -u` keeps untracked files as a third parent.
    let parents = g.run(&["rev-list", "--parents", "-n", "1", entry, "--"])?;
    if !parents.ok || parents.text().split_whitespace().count() != 3 {
        return Ok(false);
    }
    Ok(stash_changes(g, entry, None)?.is_some_and(|paths| {
        paths
            .iter()
            .all(|p| crate::store::layout::journal_of_shared(p).is_some())
    }))
}

/// What makes two lines the same event, wherever a sync put them: who, when,
/// what (not `seq`, `prev` or the signature, which re-chaining changes).
fn identity(r: &crate::domain::event::Record) -> (String, String, String, serde_json::Value) {
    (
        r.by.clone(),
        r.at.to_string(),
        format!("{:?}", r.happened),
        serde_json::to_value(&r.event).unwrap_or_default(),
    )
}

/// Restore one journal's stashed lines; `Some(n)` lines appended (0 when all are
/// here already), `None` when the stash holds something escalate will not take
/// (a journal changed other than by appending lines to what it was made on).
fn restore_journal(
    session: &crate::ops::Session,
    g: &Git,
    entry: &str,
    id: &DisputeId,
) -> Result<Option<usize>> {
    use crate::store::journal;
    let path = crate::store::layout::shared_journal(id);
    let got = g.blobs(&[format!("{entry}^1:{path}"), format!("{entry}:{path}")])?;
    let (base, Some(stashed)) = (got[0].clone().unwrap_or_default(), got[1].clone()) else {
        return Ok(None);
    };
    if !stashed.starts_with(&base) || stashed.last().is_some_and(|&b| b != b'\n') {
        return Ok(None);
    }
    let file = session.store.journal_path(id);
    let stashed_contents = journal::parse(&file, &stashed)?;
    let pushed = base.iter().filter(|&&b| b == b'\n').count();
    let current = crate::store::fsutil::read_file(&file)
        .map_err(|e| crate::error::Error::io(format!("could not read {}", file.display()), e))?;
    // The receipt was written for the stashed line, which the working file no
    // longer holds: that is explained by the stash, not damage, when the journal
    // still holds what the stash was made on and the receipt names exactly the
    // stash's last line. It is put to the journal as it is, then the lines go back.
    if let journal::head::Stored::Present(r) = journal::head::read(&file)? {
        let last = stashed
            .strip_suffix(b"\n")
            .and_then(|c| c.rsplit(|&b| b == b'\n').next())
            .map(journal::line::sha256_hex);
        if r.seq as usize == stashed_contents.records.len()
            && last.as_deref() == Some(r.hash.as_str())
            && current.starts_with(&base)
            && !current.starts_with(&stashed)
        {
            journal::rebuild_receipt(&file)?;
        }
    }
    let mut writer = session.store.journals().lock(id)?;
    let bytes = writer.bytes()?;
    if bytes.last().is_some_and(|&b| b != b'\n') {
        return Ok(None);
    }
    let have: std::collections::HashSet<_> =
        writer.contents().records.iter().map(identity).collect();
    let missing = stashed_contents.records[pushed..]
        .iter()
        .filter(|r| !have.contains(&identity(r)))
        .count();
    if missing == 0 {
        return Ok(Some(0));
    }
    let new = if stashed.starts_with(&bytes) {
        stashed
    } else {
        let merged = super::integrate::merge(
            session,
            id,
            &stashed,
            &stashed_contents.records,
            &bytes,
            pushed,
        )?;
        match merged.bytes {
            Some(new) => new,
            None => return Ok(Some(0)),
        }
    };
    writer.replace(&new)?;
    Ok(Some(missing))
}
