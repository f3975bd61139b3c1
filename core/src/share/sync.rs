//! `escalate sync`: send the lines recorded here since the last sync, receive the
//! partnership's, and push. git fetches and pushes; escalate writes every journal
//! itself, under that journal's lock, so git never writes a journal under a running
//! command. The partnership's branch is fetched to a ref of escalate's own, so a
//! forced push that rewrote history is seen (the commit this clone last synced is
//! no longer in it) before anything here changes.
//!
//! Invariants between syncs: `refs/escalate/synced`, the branch and the index all
//! name the last partnership commit this clone integrated (pushed history); the
//! working files are that plus the lines recorded here since.

use std::collections::BTreeSet;
use std::path::Path;

use super::git::{self, Git, Identity};
use super::integrate;
use super::{BRANCH, FETCHED_REF, REMOTE, REPOSITORY_FILE, SYNCED_REF};
use crate::domain::id::DisputeId;
use crate::error::{Error, GitOperation, Hint, Result};
use crate::ops::Session;

/// How many times a push that lost a race is retried (fetch, integrate, push).
const PUSH_ATTEMPTS: usize = 5;

/// What a sync did.
#[derive(Debug, Default, serde::Serialize)]
pub struct Outcome {
    /// The partnership's repository now has everything recorded here.
    pub pushed: bool,
    /// Files (journals and others) sent with this sync.
    pub sent: usize,
    /// Journal lines received from the partnership.
    pub received: usize,
    /// Local lines appended again after the partnership's.
    pub merged_late: usize,
    /// Lines recorded here that, moved after the partnership's, do not count
    /// (the fold's inert lines: someone had already moved the dispute on).
    pub did_not_count: Vec<DidNotCount>,
    /// The commit now shared, if any.
    pub commit: Option<String>,
    /// Received lines whose signature fails or whose key is not allowed: kept,
    /// shown marked, never counted.
    pub not_counted: Vec<NotCounted>,
    /// Deadlines of disputes still to be dealt with that the partnership's
    /// calendar (bank holidays, partnership closure days) moved.
    pub calendar_moved: Vec<crate::ops::Moved>,
    /// What git run by hand had done here, found before this sync took it in.
    pub hand_git: Option<super::handgit::HandGit>,
    /// Journals whose lines from a hand `git pull` this sync took in (their
    /// receipts brought up to date; nothing written into the shared record).
    pub taken_from_hand_pull: usize,
    /// Journal lines found only in `git stash` entries, appended again as
    /// lines recorded here and not yet sent.
    pub restored_from_stash: Vec<super::handgit::Restored>,
    /// This clone's key (fingerprint) is not a member's yet: nothing was sent,
    /// and what was recorded here waits for an admin's `member add`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_admitted: Option<crate::members::check::NotAdmitted>,
    /// Sealed disputes whose wrapped keys this sync destroyed here (erased).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub keys_erased: Vec<String>,
    /// The partnership's wrapped keys this sync did not take, by dispute, and
    /// why (damaged, or not opening to the dispute's own key): never used.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub keys_refused: Vec<(String, String)>,
}

/// A line recorded here that sync moved after the partnership's and that the
/// fold leaves without effect, with the line that had moved the dispute on.
#[derive(Debug, serde::Serialize)]
pub struct DidNotCount {
    pub dispute: String,
    #[serde(flatten)]
    pub inert: crate::domain::dispute::Inert,
}

/// A received line that does not count, and where it came from.
#[derive(Debug, serde::Serialize)]
pub struct NotCounted {
    pub dispute: String,
    pub line: u64,
    /// The key it names, if any.
    pub key: Option<String>,
    pub why: crate::integrity::verify::Doubt,
    pub detail: String,
    /// The newest commit that changed that journal in what was received.
    pub commit: Option<String>,
}

/// The state of one shared file: at the last sync, in the partnership's copy, here.
struct Three {
    path: String,
    base: Option<Vec<u8>>,
    remote: Option<Vec<u8>>,
}

/// Sync a shared data directory with the partnership's repository. `unattended`:
/// nobody is waiting to answer ssh (the sync after a recording command).
pub fn sync(session: &Session, identity: &Identity, unattended: bool) -> Result<Outcome> {
    run(session, identity, unattended, Owned::Checked)
}

/// Receive the partnership's lines and send nothing (`sync = auto`, before a
/// recording command decides): the same fetch, checks and integration as `sync`,
/// stopping where a sync whose push failed stops, so the next sync sends what is
/// recorded here. Never waits for a person.
pub fn receive(session: &Session, identity: &Identity) -> Result<Outcome> {
    run(session, identity, true, Owned::Received)
}

/// `escalate share repair`: a sync that puts escalate's own versions of its
/// repository files (`.gitignore`, `.gitattributes`, the repository file) back
/// where the partnership's copy holds others, and sends them.
pub fn repair(session: &Session, identity: &Identity) -> Result<Outcome> {
    run(session, identity, false, Owned::Repaired)
}

/// Whether a fetched version of an escalate-owned file that escalate did not
/// write stops the sync (always, but for `share repair`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Owned {
    Checked,
    Repaired,
    /// As `Checked`, and nothing is sent (`receive`).
    Received,
}

fn run(session: &Session, identity: &Identity, unattended: bool, owned: Owned) -> Result<Outcome> {
    let (mut outcome, g) = run_journals(session, identity, unattended, owned)?;
    // --- keys (issue #28 item 3): the sealed disputes' wrapped keys, on their own
    // ref (`keyref`), once the journals are integrated and `main` is pushed. A
    // joiner not yet admitted, and `receive`, send nothing. ---
    if owned != Owned::Received && outcome.pushed && outcome.not_admitted.is_none() {
        // What the merge reads besides the keys: the journals and member list
        // as synced, and the day (a member's key starts or stops on a date).
        let token = format!(
            "{} {}",
            g.rev(SYNCED_REF)?.unwrap_or_default(),
            identity.when.div_euclid(86_400)
        );
        let exchanged = super::keyref::exchange_with(&g, &token, identity.when, &mut |fetched| {
            session.merge_keys(fetched)
        })?;
        outcome.keys_erased = exchanged.dropped;
        outcome.keys_refused = exchanged.refused;
    }
    // --- end keys ---
    Ok(outcome)
}

fn run_journals(
    session: &Session,
    identity: &Identity,
    unattended: bool,
    owned: Owned,
) -> Result<(Outcome, Git)> {
    let root = session.store.root();
    let g = Git::new(root);
    // The user's own ssh command, if any, is theirs to keep.
    let g = if unattended && !git::has_own_ssh_command() {
        g.unattended()
    } else {
        g
    };
    preflight(root)?;
    super::check_writable(root)?;
    let _one_at_a_time = lock_sync(root)?;
    // Holding the sync lock, nothing of escalate's is writing here: whatever an
    // earlier, killed sync left part-way is put right or removed now.
    recover(&session.store)?;
    refuse_git_in_progress(root)?;
    g.check_local_settings()?;
    let mut outcome = Outcome {
        hand_git: super::handgit::detect(root)?,
        ..Outcome::default()
    };
    if outcome
        .hand_git
        .as_ref()
        .is_some_and(|h| !h.stashed.is_empty())
    {
        outcome.restored_from_stash = super::handgit::restore_stashes(session, &g)?;
    }
    for _ in 0..PUSH_ATTEMPTS {
        let fetched = fetch(&g)?;
        if let Some(f) = &fetched {
            if let Some(Some(text)) = g.blobs(&[format!("{f}:{REPOSITORY_FILE}")])?.pop() {
                super::check_repository_text(
                    &String::from_utf8_lossy(&text),
                    &crate::store::layout::repository_file(root),
                )?;
            }
        }
        let synced = g.rev(SYNCED_REF)?;
        check_not_rewritten(&g, synced.as_deref(), fetched.as_deref())?;
        if let Some(f) = fetched.as_deref().filter(|f| Some(*f) != synced.as_deref()) {
            super::inbound::check_commits(&g, synced.as_deref(), f)?;
            super::inbound::check_tip(&g, f, synced.as_deref(), owned == Owned::Repaired)?;
        }
        reset_index(&g, synced.as_deref())?;
        let recorded_here = session.store.ids()?;
        let paths = changed_paths(&g, synced.as_deref(), fetched.as_deref(), owned)?;
        let threes = read_threes(&g, &paths, synced.as_deref(), fetched.as_deref())?;
        let mut results = integrate_all(session, &g, &threes, &mut outcome)?;
        if owned == Owned::Received {
            if let Some(f) = fetched.as_ref().filter(|f| Some(*f) != synced.as_ref()) {
                set_base(&g, f)?;
            }
            outcome.commit = fetched;
            return Ok((outcome, g));
        }
        // The signers as the partnership's copy now has them (a removal or a
        // revocation may just have arrived).
        let signers_now = crate::integrity::signing::Signers::load(root)
            .ok()
            .flatten();
        let own = session
            .keys
            .signer(&session.actor)?
            .fingerprint()
            .to_owned();
        let still_member = signers_now.as_ref().is_none_or(|s| {
            s.verdict(&session.actor, &own, &session.now)
                == crate::integrity::signing::Verdict::Allowed
        });
        // A joiner not yet admitted (members::check) receives but sends nothing.
        if let Some(key) = crate::members::check::waiting(
            root,
            session.keys.signer(&session.actor)?,
            &session.now,
        )? {
            if let Some(f) = fetched.as_ref().filter(|f| Some(*f) != synced.as_ref()) {
                set_base(&g, f)?;
            }
            // A member who left, with lines recorded after leaving, is refused
            // by name (exit 1); a joiner never admitted is only waiting.
            if let Some(s) = signers_now
                .as_ref()
                .filter(|s| s.entries.iter().any(|e| e.fingerprint == own))
            {
                refuse_lines_after_leaving(s, &own, &threes, &results)?;
            }
            outcome.not_admitted = Some(key);
            outcome.commit = fetched;
            return Ok((outcome, g));
        }
        // --- witness (issue #25 item 9): this member's signed line saying it saw
        // the partnership's head; it goes into this sync's commit. ---
        if !still_member {
            // A key that is no longer a member's witnesses nothing: its line
            // would not count, and every member's `verify --history` would name it.
        } else if let Some(w) = super::witness::record(
            root,
            &g,
            fetched.as_deref(),
            session.keys.signer(&session.actor)?,
            &session.actor,
            &identity.organisation,
            &session.now,
        )? {
            super::witness::include(&mut results, w);
        }
        // --- end witness ---
        if let Some(f) = fetched.as_ref().filter(|f| Some(*f) != synced.as_ref()) {
            set_base(&g, f)?;
        }
        // What was received is integrated (as after a failed push); lines this
        // member recorded after their key stopped being a member's stay here.
        if let Some(s) = &signers_now {
            refuse_lines_after_leaving(s, &own, &threes, &results)?;
        }
        // Only what differs from the partnership's copy goes into the commit: a
        // sync that only received writes nothing for git to hash again.
        let theirs: std::collections::HashMap<&str, Option<&[u8]>> = threes
            .iter()
            .map(|t| (t.path.as_str(), t.remote.as_deref()))
            .collect();
        let to_send: Vec<&(String, Option<Vec<u8>>)> = results
            .iter()
            .filter(|(p, bytes)| {
                theirs
                    .get(p.as_str())
                    .is_none_or(|r| *r != bytes.as_deref())
            })
            .collect();
        let Some(commit) = build_commit(&g, &to_send, fetched.as_deref(), identity)? else {
            let _ = g.run(&["update-index", "-q", "--refresh"]);
            if let Some(f) = &fetched {
                check_all_shared(&g, f, &recorded_here)?;
            }
            outcome.pushed = true;
            outcome.commit = fetched;
            back_on_branch(&g)?;
            return Ok((outcome, g));
        };
        outcome.sent = to_send.len();
        let pushed = g.run(&[
            "push",
            "--quiet",
            REMOTE,
            &format!("{commit}:refs/heads/{BRANCH}"),
        ])?;
        if pushed.ok {
            // The partnership's branch is now this commit: what was fetched is
            // behind it, not rewritten.
            g.ok(&["update-ref", FETCHED_REF, &commit])?;
            set_base(&g, &commit)?;
            check_all_shared(&g, &commit, &recorded_here)?;
            let _ = g.run(&["update-index", "-q", "--refresh"]);
            outcome.pushed = true;
            outcome.commit = Some(commit);
            back_on_branch(&g)?;
            return Ok((outcome, g));
        }
        let lower = pushed.stderr.to_lowercase();
        // "[rejected]" is a lost race; "[remote rejected]" is the host refusing
        // (a hook, a protected branch), which trying again will not change.
        if !(lower.contains("[rejected]")
            || lower.contains("non-fast-forward")
            || lower.contains("fetch first")
            || lower.contains("cannot lock ref"))
        {
            return Err(git::remote_failure(
                "send to",
                &remote_url(&g),
                &pushed.stderr,
            ));
        }
        // Someone pushed between our fetch and our push: integrate theirs too.
    }
    Err(Error::refused(format!(
        "other agencies kept pushing while this sync ran ({PUSH_ATTEMPTS} attempts)"
    ))
    .with_hint(Hint::SyncAgainInAMinute))
}

/// What the signers judge of a line about to be sent (the rest of it is skipped,
/// not parsed: a first sync sends every journal).
#[derive(serde::Deserialize)]
struct Whose {
    seq: u64,
    #[serde(with = "crate::domain::clock::rfc3339")]
    at: crate::domain::clock::Instant,
    by: String,
    signer: Option<String>,
}

/// Refuse to send lines this clone's own key signed that the signers do not allow
/// at the time each was recorded (a removed member's lines after leaving, a
/// revoked key's): they would be damage in every member's record. Nothing is
/// sent; the lines stay here, and the message says which and why.
fn refuse_lines_after_leaving(
    signers: &crate::integrity::signing::Signers,
    own: &str,
    threes: &[Three],
    results: &[(String, Option<Vec<u8>>)],
) -> Result<()> {
    let mut refused = Vec::new();
    for (path, bytes) in results {
        let (Some(id), Some(bytes)) = (journal_id(path), bytes) else {
            continue;
        };
        let theirs = threes
            .iter()
            .find(|t| &t.path == path)
            .and_then(|t| t.remote.as_deref())
            .unwrap_or_default();
        let local = bytes.strip_prefix(theirs).unwrap_or(bytes);
        // Only a line whose own `signer` is this key holds this text unescaped:
        // the others (a first sync sends every journal) are not parsed.
        let needle = format!("\"signer\":\"{own}\"");
        for raw in local
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty() && l.windows(needle.len()).any(|w| w == needle.as_bytes()))
        {
            let Ok(r) = serde_json::from_slice::<Whose>(raw) else {
                continue;
            };
            if r.signer.as_deref() != Some(own) {
                continue;
            }
            if let crate::integrity::signing::Verdict::Refused(why) =
                signers.verdict(&r.by, own, &r.at)
            {
                refused.push(format!("dispute {id} line {} ({why})", r.seq));
            }
        }
    }
    if refused.is_empty() {
        return Ok(());
    }
    Err(Error::refused(format!(
        "{} line(s) recorded here were not sent, because the partnership's signers do not accept your key for them (a key not yet admitted, or no longer a member's): {}. They stay on this computer; nothing was sent",
        refused.len(),
        refused.join("; ")
    ))
    .with_hint(Hint::AskAdminAboutYourKey))
}

/// How long a sync waits for another sync in the same directory (with `sync =
/// auto`, two recording commands finishing together both sync).
const SYNC_WAIT: std::time::Duration = std::time::Duration::from_secs(60);

/// One sync at a time per clone: two interleaved would each take the other's
/// integrated lines for local ones.
fn lock_sync(root: &Path) -> Result<std::fs::File> {
    crate::store::fsutil::private_dir(&crate::store::layout::sync_state(root))?;
    crate::store::fsutil::lock_file(&crate::store::layout::sync_lock(root), SYNC_WAIT, || {
        Error::refused("another sync of this directory is still running")
            .with_hint(Hint::SyncWhenOtherFinishes)
    })
}

fn remote_url(g: &Git) -> String {
    g.ok(&["remote", "get-url", REMOTE])
        .unwrap_or_else(|_| "the partnership's repository".into())
}

/// Refuse to start in a directory that is not shared, or whose folders are not
/// folders (a link there could send a journal written here elsewhere).
fn preflight(root: &Path) -> Result<()> {
    if !crate::store::layout::git_dir(root).exists()
        || !crate::store::layout::repository_file(root).exists()
    {
        return Err(Error::refused(format!(
            "{} is not shared with a partnership",
            root.display()
        ))
        .with_hint(Hint::ShareInitOrJoin));
    }
    for path in crate::store::layout::folders_sync_writes(root) {
        if let Ok(meta) = std::fs::symlink_metadata(&path) {
            if !meta.is_dir() {
                return Err(Error::refused(format!(
                    "{} is a link or a file, not a folder, so sync will not write there; nothing was changed",
                    path.display()
                ))
                .with_hint(Hint::MoveAsideThenSync));
            }
        }
    }
    Ok(())
}

/// Refuse to go on in a repository git left part-way through an operation of
/// its own (a rebase, a merge) that a person started.
fn refuse_git_in_progress(root: &Path) -> Result<()> {
    let busy = [
        ("rebase-merge", GitOperation::Rebase),
        ("rebase-apply", GitOperation::Rebase),
        ("MERGE_HEAD", GitOperation::Merge),
        ("CHERRY_PICK_HEAD", GitOperation::CherryPick),
        ("REVERT_HEAD", GitOperation::Revert),
    ];
    for (name, operation) in busy {
        if crate::store::layout::git_file(root, name).exists() {
            return Err(Error::refused(format!(
                "the repository in {} is part-way through a git operation ({name}), perhaps left by a crash or a manual command",
                root.display()
            ))
            .with_hint(Hint::FinishGitOperation {
                root: root.to_owned(),
                operation,
            }));
        }
    }
    Ok(())
}

/// What a sync killed part-way can leave, put right: a journal replaced but for
/// its receipt gets its receipt; scratch files, the commit being built and git's
/// lock files are removed (escalate holds the sync lock, so no sync of this
/// directory is running, and a git lock file here is one a killed sync's git
/// left); journals backed up by an older escalate's sync are restored.
fn recover(store: &crate::store::Store) -> Result<()> {
    use crate::store::layout;
    let root = store.root();
    let _ = std::fs::remove_dir_all(layout::sync_stage(root));
    let _ = std::fs::remove_dir_all(layout::sync_scratch(root));
    let _ = std::fs::remove_file(layout::sync_index(root));
    remove_git_locks(&layout::git_dir(root), &layout::sync_lock(root));
    store.finish_replacements()
}

/// Remove every `*.lock` file git keeps under `.git` (not in its object store),
/// but `keep`, escalate's own sync lock.
fn remove_git_locks(git_dir: &Path, keep: &Path) {
    let mut stack = vec![git_dir.to_owned()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                if entry.file_name() != "objects" {
                    stack.push(path);
                }
            } else if kind.is_file()
                && path != keep
                && entry.file_name().to_string_lossy().ends_with(".lock")
            {
                let _ = std::fs::remove_file(&path);
            }
        }
    }
}

/// After a push: every journal that was here when the sync began must be in the
/// commit now shared, or the sync did not do its job, whatever git said.
fn check_all_shared(g: &Git, commit: &str, recorded_here: &[DisputeId]) -> Result<()> {
    let journals = crate::store::layout::JOURNALS_PATHSPEC;
    let ran = g.run(&["ls-tree", "-r", "--name-only", "-z", commit, journals])?;
    if !ran.ok {
        return Err(Error::refused(format!(
            "git could not list what was shared: {}",
            git::first_lines(&ran.stderr)
        )));
    }
    let shared: BTreeSet<String> = nul_list(&ran.stdout).into_iter().collect();
    let missing: Vec<String> = recorded_here
        .iter()
        .filter(|id| !shared.contains(&crate::store::layout::shared_journal(id)))
        .map(ToString::to_string)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(Error::refused(format!(
        "{} dispute(s) recorded here are not in what the partnership's repository now holds: {}",
        missing.len(),
        missing.join(", ")
    ))
    .with_hint(Hint::SyncAgainThenTellKeeper))
}

/// Fetch the partnership's branch; `None` when the repository has no branch yet.
fn fetch(g: &Git) -> Result<Option<String>> {
    // The partnership's keys ref comes with the branch (`keyref`), with no reflog.
    let mut args = super::keyref::NO_REFLOG.to_vec();
    let branch = format!("+refs/heads/{BRANCH}:{FETCHED_REF}");
    args.extend([
        "fetch",
        "--quiet",
        "--no-tags",
        REMOTE,
        &branch,
        super::keyref::FETCH_REFSPEC,
    ]);
    let ran = g.run(&args)?;
    if ran.ok {
        super::keyref::drop_strays(g)?;
        return g.rev(FETCHED_REF);
    }
    if ran.stderr.contains("couldn't find remote ref") {
        let _ = g.run(&["update-ref", "-d", FETCHED_REF]);
        return Ok(None);
    }
    Err(git::remote_failure(
        "fetch from",
        &remote_url(g),
        &ran.stderr,
    ))
}

/// A forced push rewrote the partnership's history if the commit this clone last
/// synced is no longer part of it.
fn check_not_rewritten(g: &Git, synced: Option<&str>, fetched: Option<&str>) -> Result<()> {
    let Some(s) = synced else { return Ok(()) };
    let kept = match fetched {
        Some(f) => g.is_ancestor(s, f)?,
        None => false,
    };
    if kept {
        return Ok(());
    }
    let short = &s[..s.len().min(12)];
    Err(Error::refused(format!(
        "the partnership's repository history was rewritten (a forced push): commit {short}, which this computer synced before, is no longer in it; shared lines may have been changed or removed, so nothing was changed here"
    ))
    .with_hint(Hint::RestoreRewrittenHistory {
        short: short.to_owned(),
        branch: BRANCH.to_owned(),
    }))
}

/// Keep git's index at the last synced tree, so that `git diff` lists exactly the
/// files changed here since, even after someone ran git by hand.
fn reset_index(g: &Git, synced: Option<&str>) -> Result<()> {
    let Some(s) = synced else { return Ok(()) };
    if !g.run(&["diff-index", "--cached", "--quiet", s])?.ok {
        g.ok(&["read-tree", "--reset", s])?;
    }
    Ok(())
}

fn nul_list(text: &[u8]) -> Vec<String> {
    text.split(|&b| b == 0)
        .filter(|s| !s.is_empty())
        .map(|s| String::from_utf8_lossy(s).into_owned())
        .collect()
}

/// Every path changed here or in the partnership's copy since the last sync.
fn changed_paths(
    g: &Git,
    synced: Option<&str>,
    fetched: Option<&str>,
    owned: Owned,
) -> Result<Vec<String>> {
    let mut paths = BTreeSet::new();
    let run = |args: &[&str]| -> Result<Vec<String>> {
        let ran = g.run(args)?;
        if !ran.ok {
            return Err(Error::refused(format!(
                "git could not list changed files: {}",
                git::first_lines(&ran.stderr)
            )));
        }
        Ok(nul_list(&ran.stdout))
    };
    match (synced, fetched) {
        (Some(s), Some(f)) if s != f => {
            paths.extend(run(&["diff", "--name-only", "-z", "--no-renames", s, f])?)
        }
        (None, Some(f)) => paths.extend(run(&["ls-tree", "-r", "--name-only", "-z", f])?),
        _ => {}
    }
    // The index's record of each file's stat first: in a clone whose files were
    // copied or restored (every stat changed), `git diff` alone reads every file
    // twice over (5 s for 10,000 journals, against 0.85 s for both commands).
    let _ = g.run(&["update-index", "-q", "--refresh"]);
    paths.extend(run(&[
        "diff",
        "--name-only",
        "-z",
        "--no-renames",
        "--no-ext-diff",
    ])?);
    // What is new here is found by escalate's own list of what it shares, never
    // by ignore rules, which a partner's `.gitignore` could have widened to hide
    // every new journal.
    paths.extend(run(&["ls-files", "--others", "-z"])?);
    if owned == Owned::Repaired {
        paths.extend([".gitignore", ".gitattributes", REPOSITORY_FILE].map(String::from));
    }
    Ok(paths
        .into_iter()
        .filter(|p| crate::store::layout::shared(p).is_some())
        .collect())
}

fn read_threes(
    g: &Git,
    paths: &[String],
    synced: Option<&str>,
    fetched: Option<&str>,
) -> Result<Vec<Three>> {
    // Each file is asked for by its blob's ID from one listing of the tree: asked
    // for as `rev:path`, git reads the commit and its trees again for every path,
    // which for thousands of new journals in one folder was most of a sync's time.
    let contents = |rev: Option<&str>| -> Result<Vec<Option<Vec<u8>>>> {
        let Some(r) = rev else {
            return Ok(Vec::new());
        };
        let listed = tree_entries(g, r)?;
        let names: Vec<Option<String>> = paths
            .iter()
            .map(|p| match listed.get(p.as_str()) {
                Some((true, id)) => Some(id.clone()),
                // Not a file (a folder, a submodule): what git gives for it, as before.
                Some((false, _)) => Some(format!("{r}:{p}")),
                // Not in that tree at all.
                None => None,
            })
            .collect();
        let asked: Vec<String> = names.iter().flatten().cloned().collect();
        let mut got = g.blobs(&asked)?.into_iter();
        Ok(names
            .iter()
            .map(|n| n.as_ref().and_then(|_| got.next().flatten()))
            .collect())
    };
    let base = contents(synced)?;
    // Usually nobody else pushed: the partnership's copy is the base itself.
    let remote = if synced.is_some() && synced == fetched {
        base.clone()
    } else {
        contents(fetched)?
    };
    let (mut base, mut remote) = (base.into_iter(), remote.into_iter());
    Ok(paths
        .iter()
        .map(|p| Three {
            path: p.clone(),
            base: base.next().flatten(),
            remote: remote.next().flatten(),
        })
        .collect())
}

/// Every entry in the tree of `rev`, by path: whether it is a file (blob) and
/// its object ID. One `git ls-tree` for the whole tree.
fn tree_entries(g: &Git, rev: &str) -> Result<std::collections::HashMap<String, (bool, String)>> {
    // `-t`: folders too, so a path that is a folder in this tree is asked for
    // as before rather than taken for absent.
    let ran = g.run(&["ls-tree", "-r", "-t", "-z", "--full-tree", rev])?;
    if !ran.ok {
        return Err(Error::refused(format!(
            "git could not list stored files: {}",
            git::first_lines(&ran.stderr)
        )));
    }
    // `<mode> SP <type> SP <id> TAB <path>`, each ended by a NUL.
    Ok(ran
        .stdout
        .split(|&b| b == 0)
        .filter_map(|entry| {
            let tab = entry.iter().position(|&b| b == b'\t')?;
            let mut head = entry[..tab].split(|&b| b == b' ');
            let (_mode, kind, id) = (head.next()?, head.next()?, head.next()?);
            Some((
                String::from_utf8_lossy(&entry[tab + 1..]).into_owned(),
                (kind == b"blob", String::from_utf8_lossy(id).into_owned()),
            ))
        })
        .collect())
}

/// The dispute a shared path is the journal of, if it is one.
fn journal_id(path: &str) -> Option<DisputeId> {
    crate::store::layout::journal_of_shared(path)
}

/// Integrate every changed path: other files first (a pinned policy must be in
/// place before a journal that uses it is re-planned), then each journal under its
/// lock. Returns each path's shared contents (`None`: removed).
fn integrate_all(
    session: &Session,
    g: &Git,
    threes: &[Three],
    outcome: &mut Outcome,
) -> Result<Vec<(String, Option<Vec<u8>>)>> {
    let root = session.store.root();
    let (journals, others): (Vec<&Three>, Vec<&Three>) =
        threes.iter().partition(|t| journal_id(&t.path).is_some());
    let mut decided = Vec::new();
    let mut conflicts = Vec::new();
    for t in &others {
        let local = session.store.journals().read_shared(&t.path);
        if crate::store::layout::shared(&t.path) == Some(crate::store::layout::Shared::Members) {
            let taken = crate::members::check::integrate(
                root,
                (t.base.as_deref(), t.remote.as_deref(), local.as_deref()),
                &session.keys,
                session.keys.signer(&session.actor)?,
            )?;
            let write = taken != local;
            decided.push((t, taken, write));
            continue;
        }
        if crate::store::layout::shared(&t.path) == Some(crate::store::layout::Shared::Owned) {
            // escalate's own files: the partnership's version when escalate wrote
            // it (`inbound` checked), otherwise escalate's own.
            let taken = t
                .remote
                .clone()
                .filter(|r| super::is_owned_text(&t.path, r))
                .or_else(|| super::owned_text(&t.path, t.remote.as_deref().or(local.as_deref())));
            let write = taken != local;
            decided.push((t, taken, write));
            continue;
        }
        if local == t.remote || local == t.base {
            decided.push((t, t.remote.clone(), local != t.remote));
        } else if t.remote == t.base {
            decided.push((t, local, false));
        } else {
            conflicts.push(t.path.clone());
        }
    }
    if let Some(first) = conflicts.first() {
        return Err(Error::refused(format!(
            "{} changed both here and in the partnership's copy since the last sync, and escalate does not merge files it does not own; nothing was changed",
            conflicts.join(", ")
        ))
        .with_hint(Hint::KeepPartnershipVersion {
            root: root.to_owned(),
            fetched: FETCHED_REF.to_owned(),
            file: first.clone(),
        }));
    }
    let calendar_changes = decided
        .iter()
        .any(|(t, _, write)| *write && crate::store::layout::is_calendar(&t.path));
    let old_calendars = calendar_changes
        .then(|| crate::store::calendar::Calendars::load(root).ok())
        .flatten();
    let mut results = Vec::new();
    for (t, contents, write) in decided {
        if write {
            match &contents {
                Some(bytes) => session.store.journals().write_shared(&t.path, bytes)?,
                None => session.store.journals().remove_shared(&t.path),
            }
        }
        results.push((t.path.clone(), contents));
    }
    // The signers file as it now is (it may just have arrived), for the lines
    // received.
    let signers = crate::integrity::signing::Signers::load(root)
        .ok()
        .flatten();
    // Every journal the partnership changed is checked before any is written, so
    // a damaged copy there changes no journal here. The checks run on every core;
    // the first refusal in path order is the one reported, as when they ran in turn.
    let changed: Vec<(&Three, &[u8], DisputeId)> = journals
        .iter()
        .filter(|t| t.remote != t.base)
        .filter_map(|t| Some((*t, t.remote.as_deref()?, journal_id(&t.path)?)))
        .collect();
    let received_after = |t: &Three| {
        t.base
            .as_ref()
            .map_or(0, |b| b.iter().filter(|&&c| c == b'\n').count())
    };
    let remotes: Vec<(&DisputeId, &[u8], usize)> = changed
        .iter()
        .map(|(t, remote, id)| (id, *remote, received_after(t)))
        .collect();
    let checked = integrate::check_remotes(session, &remotes, signers.as_ref());
    for ((t, remote, id), bad) in changed.iter().zip(checked) {
        if let Some(base) = t.base.as_deref().filter(|b| !remote.starts_with(b)) {
            let line = crate::store::journal::line::first_difference(base, remote);
            return Err(Error::refused(format!(
                "the partnership's copy of dispute {id} changed or removed line {line}, which had already been shared; no journal was changed here"
            ))
            .with_hint(Hint::SharedLinesNeverChange));
        }
        name_not_counted(g, id, bad?, outcome);
    }
    let mut arrived = Vec::new();
    for t in journals {
        let id = journal_id(&t.path).expect("partitioned on journal_id");
        let contents = integrate_journal(session, &id, t, outcome, &mut arrived)?;
        results.push((t.path.clone(), Some(contents)));
    }
    // Disputes new to this clone, written together: a partnership that joins
    // late, or an agency back after a week offline, receives thousands.
    session.store.journals().replace_all(&arrived)?;
    if let Some(old) = old_calendars {
        // Deadlines are worked out from the calendar as it now is (clarification
        // 5): a partner's import moves them, and this says which.
        if let Ok(new) = crate::store::calendar::Calendars::load(root) {
            outcome.calendar_moved = session.calendar_moves(&old, &new).unwrap_or_default();
        }
    }
    let _ = g;
    Ok(results)
}

/// Name each received line that does not count (`bad`: its signature fails, or
/// its key is not allowed), with the commit that brought it. It is kept (the
/// partnership's lines are never refused for this: a vandal's push must not stop
/// everyone's sync) and every view leaves it out.
fn name_not_counted(
    g: &Git,
    id: &DisputeId,
    bad: Vec<crate::integrity::verify::BadLine>,
    outcome: &mut Outcome,
) {
    if bad.is_empty() {
        return;
    }
    let journal = crate::store::layout::shared_journal(id);
    let commit = g
        .run(&["log", "-1", "--format=%H", FETCHED_REF, "--", &journal])
        .ok()
        .filter(|r| r.ok)
        .map(|r| r.text())
        .filter(|c| !c.is_empty());
    outcome
        .not_counted
        .extend(bad.into_iter().map(|b| NotCounted {
            dispute: id.to_string(),
            line: b.line,
            key: b.key,
            why: b.why,
            detail: b.detail,
            commit: commit.clone(),
        }));
}

/// Integrate one journal under its exclusive lock; returns its shared contents.
/// A journal new to this clone is added to `arrived`, to be written with the
/// others (`journal::replace_all`).
fn integrate_journal(
    session: &Session,
    id: &DisputeId,
    t: &Three,
    outcome: &mut Outcome,
    arrived: &mut Vec<(DisputeId, Vec<u8>)>,
) -> Result<Vec<u8>> {
    let journals = session.store.journals();
    if !journals.contains(id) {
        // New from the partnership (or removed here: a journal is never removed).
        let Some(bytes) = t.remote.clone().or_else(|| t.base.clone()) else {
            return Err(Error::refused(format!("dispute {id} vanished during sync")));
        };
        outcome.received += bytes.iter().filter(|&&b| b == b'\n').count();
        arrived.push((id.clone(), bytes.clone()));
        return Ok(bytes);
    }
    let mut writer = journals.lock(id)?;
    let bytes = writer.bytes()?;
    let complete = match bytes.iter().rposition(|&b| b == b'\n') {
        Some(i) => bytes[..=i].to_vec(),
        None => Vec::new(),
    };
    let Some(remote) = &t.remote else {
        return Ok(complete);
    };
    let pushed = t
        .base
        .as_ref()
        .map_or(0, |b| b.iter().filter(|&&c| c == b'\n').count());
    let merge = integrate::merge(
        session,
        id,
        &complete,
        &writer.contents().records,
        remote,
        pushed,
    )?;
    outcome.received += merge.received;
    outcome.merged_late += merge.merged_late;
    outcome
        .did_not_count
        .extend(merge.inert.into_iter().map(|inert| DidNotCount {
            dispute: id.to_string(),
            inert,
        }));
    let Some(new) = merge.bytes else {
        // A hand `git pull` left lines past the receipt that are exactly the
        // partnership's (checked on the way in like any fetched line): the
        // receipt is brought up to them, and nothing is written into the journal.
        let c = writer.contents();
        if matches!(c.standing, crate::store::journal::head::Standing::Behind(_))
            && c.evidence.is_none()
            && remote.starts_with(&complete)
            && complete.len() == bytes.len()
        {
            writer.replace(&complete)?;
            outcome.taken_from_hand_pull += 1;
        }
        return Ok(complete);
    };
    if complete.len() != bytes.len() {
        return Err(Error::refused(format!(
            "dispute {id} ends with an incomplete line left by an interrupted command, so sync cannot add the partnership's lines to it yet; nothing was changed"
        ))
        .with_hint(Hint::RecordNextEventThenSync { id: id.to_string() }));
    }
    writer.replace(&new)?;
    drop(writer);
    Ok(new)
}

/// After a sync, leave git as escalate keeps it between syncs, whatever a
/// person did by hand: `main` checked out, at the commit this sync took, with
/// the index at its tree (the working files are escalate's own, already).
fn back_on_branch(g: &Git) -> Result<()> {
    let main = format!("refs/heads/{BRANCH}");
    if g.run(&["symbolic-ref", "-q", "HEAD"])?.text() != main {
        g.ok(&["symbolic-ref", "HEAD", &main])?;
    }
    if let Some(synced) = g.rev(SYNCED_REF)? {
        if g.rev(&main)?.as_deref() != Some(synced.as_str()) {
            set_base(g, &synced)?;
        }
    }
    Ok(())
}

/// Move the branch, the synced ref and the index to a partnership commit.
fn set_base(g: &Git, commit: &str) -> Result<()> {
    g.ok(&["update-ref", SYNCED_REF, commit])?;
    g.ok(&["update-ref", &format!("refs/heads/{BRANCH}"), commit])?;
    // `--reset` keeps the stat data of entries whose contents did not change, so the
    // next `git diff` reads only files that changed, not every journal.
    g.ok(&["read-tree", "--reset", commit])?;
    Ok(())
}

/// A commit on top of the partnership's with every integrated path, or `None`
/// when it would change nothing.
fn build_commit(
    g: &Git,
    results: &[&(String, Option<Vec<u8>>)],
    fetched: Option<&str>,
    identity: &Identity,
) -> Result<Option<String>> {
    let stage = crate::store::layout::sync_stage(&g.root);
    let _ = std::fs::remove_dir_all(&stage);
    crate::store::fsutil::private_dir(&stage)?;
    let mut files = Vec::new();
    for (i, (_, contents)) in results.iter().enumerate() {
        if let Some(bytes) = contents {
            let f = crate::store::layout::sync_stage_file(&g.root, i);
            crate::store::fsutil::write_temporary(
                &f,
                bytes,
                crate::store::fsutil::Durability::Unsynced,
            )
            .map_err(|e| Error::io(format!("could not write {}", f.display()), e))?;
            files.push(f.to_string_lossy().into_owned());
        }
    }
    let hashed = if files.is_empty() {
        String::new()
    } else {
        g.ok_with(
            &["hash-object", "-w", "--no-filters", "--stdin-paths"],
            (files.join("\n") + "\n").as_bytes(),
            None,
        )?
    };
    let _ = std::fs::remove_dir_all(&stage);
    let mut shas = hashed.lines();
    let mut info = String::new();
    for (path, contents) in results {
        match contents {
            Some(_) => {
                let sha = shas.next().unwrap_or_default();
                info.push_str(&format!("100644 {sha}\t{path}\n"));
            }
            None => info.push_str(&format!("0 {}\t{path}\n", "0".repeat(40))),
        }
    }
    let ig = g.with_index(crate::store::layout::sync_index(&g.root));
    match fetched {
        Some(f) => ig.ok(&["read-tree", f])?,
        None => ig.ok(&["read-tree", "--empty"])?,
    };
    ig.ok_with(&["update-index", "--index-info"], info.as_bytes(), None)?;
    let tree = ig.ok(&["write-tree"])?;
    if let Some(f) = fetched {
        if g.ok(&["rev-parse", &format!("{f}^{{tree}}")])? == tree {
            return Ok(None);
        }
    }
    let message = format!(
        "escalate sync from {} ({})\n\nLines recorded by {} since the last sync.",
        identity.organisation, identity.name, identity.organisation
    );
    let mut args = vec!["commit-tree", tree.as_str(), "-m", message.as_str()];
    if let Some(f) = fetched {
        args.extend(["-p", f]);
    }
    Ok(Some(g.ok_with(&args, b"", Some(identity))?))
}
