//! Sharing one data directory across a partnership through git: turning a data
//! directory into a clone of the partnership's repository (`share init`, `share
//! join`), what is shared and what stays on one computer (the committed
//! `.gitignore`), the repository file that says which escalate may write to it,
//! and (in submodules) syncing with the rebase of unpushed lines, and checking the
//! repository's history only ever appended to journals.

pub mod git;
pub mod handgit;
pub mod history;
pub mod inbound;
pub mod integrate;
pub mod keyref;
pub(crate) mod seen;
pub mod sync;
pub mod witness;

use std::path::{Path, PathBuf};

use crate::error::{Error, Hint, Result};
use crate::store::fsutil;
use git::Git;

/// The branch every clone shares.
pub(crate) const BRANCH: &str = "main";
/// The remote every clone talks to.
pub(crate) const REMOTE: &str = "origin";
/// The file recording which escalate may write to the repository.
pub(crate) const REPOSITORY_FILE: &str = crate::store::layout::REPOSITORY;
/// The last partnership commit this clone integrated: pushed history, and the
/// base that says which local lines were never pushed.
pub(crate) const SYNCED_REF: &str = "refs/escalate/synced";
/// Where `sync` fetches the partnership's branch to, so a forced push can be
/// compared with what this clone had before git's own refs move.
pub(crate) const FETCHED_REF: &str = "refs/escalate/fetched";

/// What is kept on one computer only. Journals, pinned policies, the
/// partnership's own policy files, the bank-holiday import, agency names and the
/// `signers` file are shared by not being listed here.
pub const GITIGNORE: &str = "\
# Written by `escalate share`: what stays on this computer and is never shared.
# Each clone keeps its own cache and scratch files.
/cache/
*.tmp
*.spill
# Torn writes set aside after a crash belong to the computer that crashed.
/disputes/quarantine/
# Head receipts: each clone keeps its own; the pushed history is the shared evidence.
/disputes/*.head
# Closure days are one agency's own, unless closed with `--partnership`.
/calendar/closures.json
/calendar/*.bak
/calendar/.lock
# Settings and keys are personal.
/config/
/keys/
*.key
";

/// The `.gitignore` the first escalate that shared wrote, before closure days
/// could be closed for the partnership: a repository may still hold it.
const GITIGNORE_BEFORE_PARTNERSHIP_CLOSURES: &str = "\
# Written by `escalate share`: what stays on this computer and is never shared.
# Each clone keeps its own cache and scratch files.
/cache/
*.tmp
*.spill
# Torn writes set aside after a crash belong to the computer that crashed.
/disputes/quarantine/
# Head receipts: each clone keeps its own; the pushed history is the shared evidence.
/disputes/*.head
# Closure days are one agency's own.
/calendar/closures.json
/calendar/.lock
# Settings and keys are personal.
/config/
/keys/
*.key
";

/// The `.gitattributes` escalate wrote before it told git never to text-merge.
const GITATTRIBUTES_BEFORE_NO_MERGE: &str =
    "# Written by `escalate share`: store every file byte for byte.\n* -text\n";

/// Whether `bytes` is a version of the escalate-owned file at `path` that some
/// escalate wrote: the only versions sync takes from the partnership.
pub(crate) fn is_owned_text(path: &str, bytes: &[u8]) -> bool {
    match path {
        ".gitignore" => {
            bytes == GITIGNORE.as_bytes()
                || bytes == GITIGNORE_BEFORE_PARTNERSHIP_CLOSURES.as_bytes()
        }
        ".gitattributes" => {
            bytes == GITATTRIBUTES.as_bytes() || bytes == GITATTRIBUTES_BEFORE_NO_MERGE.as_bytes()
        }
        // Only its two settings are ever read: any file holding exactly those,
        // well formed, is one escalate could have written.
        REPOSITORY_FILE => std::str::from_utf8(bytes)
            .ok()
            .and_then(|t| toml::from_str::<toml::Table>(t).ok())
            .is_some_and(|t| {
                t.len() == 2
                    && t.get("format").and_then(toml::Value::as_integer) == Some(1)
                    && t.get("minimum_version")
                        .and_then(toml::Value::as_str)
                        .is_some_and(|v| version_tuple(v).is_some())
            }),
        _ => false,
    }
}

/// escalate's own version of an owned file, for `share repair` and sync: the
/// repository file keeps the partnership's minimum version.
pub(crate) fn owned_text(path: &str, current: Option<&[u8]>) -> Option<Vec<u8>> {
    match path {
        ".gitignore" => Some(GITIGNORE.into()),
        ".gitattributes" => Some(GITATTRIBUTES.into()),
        REPOSITORY_FILE => {
            let kept = current
                .and_then(|b| std::str::from_utf8(b).ok())
                .and_then(|t| toml::from_str::<RepositoryFile>(t).ok())
                .filter(|f| f.format == 1 && version_tuple(&f.minimum_version).is_some());
            Some(match kept {
                Some(f) => repository_file_text_for(f.format, &f.minimum_version).into(),
                None => repository_file_text().into(),
            })
        }
        _ => None,
    }
}

/// Journals are hashed byte for byte: git must never convert line endings in
/// them (a user's `core.autocrlf`), nor write conflict markers into one if
/// someone runs `git pull` by hand (`-merge` keeps this clone's file and marks the
/// conflict, which `sync` then reports).
pub(crate) const GITATTRIBUTES: &str =
    "# Written by `escalate share`: store every file byte for byte, never text-merge.\n* -text -merge\n";

/// The version of escalate this is.
pub(crate) const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The repository file as read.
#[derive(Debug, serde::Deserialize, serde::Serialize)]
struct RepositoryFile {
    format: u32,
    /// The oldest escalate that may write to this repository.
    minimum_version: String,
}

fn repository_file_text() -> String {
    repository_file_text_for(1, VERSION)
}

fn repository_file_text_for(format: u32, minimum: &str) -> String {
    format!(
        "# An escalate partnership repository: shared journals of professional disagreements.\n\
         # The oldest escalate that may write to it (an older one refuses and writes nothing).\n\
         format = {format}\nminimum_version = \"{minimum}\"\n"
    )
}

/// A version as three numbers, for comparing.
fn version_tuple(v: &str) -> Option<(u64, u64, u64)> {
    let core = v.trim().split(['-', '+']).next()?;
    let mut parts = core.split('.').map(|p| p.parse::<u64>().ok());
    Some((
        parts.next()??,
        parts.next()??,
        parts.next().flatten().unwrap_or(0),
    ))
}

fn unreadable(whence: &Path) -> Error {
    Error::refused(format!(
        "{} is not a repository file this escalate can read",
        whence.display()
    ))
    .with_hint(Hint::InstallPartnershipVersion)
}

/// The repository file is a few lines; anything this large is not one.
const MAX_REPOSITORY_FILE_BYTES: u64 = 64 * 1024;

/// The repository file's text, read with the size limit.
fn read_repository_file(path: &Path) -> std::io::Result<String> {
    fsutil::read_limited_text(path, MAX_REPOSITORY_FILE_BYTES, fsutil::Links::Follow)
}

/// Refuse if a repository file's text asks for a newer escalate than this one.
pub(crate) fn check_repository_text(text: &str, whence: &Path) -> Result<()> {
    let parsed: RepositoryFile = toml::from_str(text).map_err(|_| unreadable(whence))?;
    let needed = version_tuple(&parsed.minimum_version);
    let ours = version_tuple(VERSION);
    if parsed.format > 1 || needed.is_none() || needed > ours {
        return Err(Error::refused(format!(
            "this shared directory needs escalate {} or newer to write to it; this is escalate {VERSION}, so nothing was written",
            parsed.minimum_version
        ))
        .with_hint(Hint::InstallNewerEscalate));
    }
    Ok(())
}

/// Whether a data directory is a shared one (a git working tree made by `share`).
pub fn is_shared(root: &Path) -> bool {
    crate::store::layout::git_dir(root).exists()
        && crate::store::layout::repository_file(root).exists()
}

/// In a shared directory, refuse to write when the repository needs a newer
/// escalate. Outside one, nothing to check.
pub fn check_writable(root: &Path) -> Result<()> {
    let path = crate::store::layout::repository_file(root);
    match read_repository_file(&path) {
        Ok(text) if crate::store::layout::git_dir(root).exists() => {
            check_repository_text(&text, &path)
        }
        Err(e)
            if e.kind() == std::io::ErrorKind::FileTooLarge
                && crate::store::layout::git_dir(root).exists() =>
        {
            Err(unreadable(&path))
        }
        _ => Ok(()),
    }
}

/// `escalate share init REMOTE`: make `root` a clone of the partnership's
/// repository and share what it holds. Returns what `sync` then did.
pub fn init(
    session: &crate::ops::Session,
    remote: &str,
    identity: &git::Identity,
) -> Result<sync::Outcome> {
    let root = session.store.root().to_owned();
    if crate::store::layout::git_dir(&root).exists() {
        return Err(
            Error::refused(format!("{} is already a git working tree", root.display()))
                .with_hint(Hint::AlreadySharedSync),
        );
    }
    fsutil::private_dir(&root)?;
    let remote = &absolute_remote(remote);
    let g = Git::new(&root);
    g.ok(&["init", "--quiet", "--initial-branch", BRANCH])?;
    g.ok(&["remote", "add", REMOTE, remote])?;
    let listed = g.run(&["ls-remote", "--heads", REMOTE, BRANCH])?;
    if !listed.ok {
        let e = git::remote_failure("reach", remote, &listed.stderr);
        // Leave the directory as it was: a plain data directory.
        let _ = std::fs::remove_dir_all(crate::store::layout::git_dir(&root));
        return Err(e);
    }
    // Disputes sealed before sharing: their keys move into the shared store.
    keyref::adopt_unshared(&root)?;
    if listed.text().is_empty() {
        for (name, text) in [
            (".gitignore", GITIGNORE.to_owned()),
            (".gitattributes", GITATTRIBUTES.to_owned()),
            (REPOSITORY_FILE, repository_file_text()),
        ] {
            session
                .store
                .journals()
                .write_shared(name, text.as_bytes())?;
        }
        // A new partnership: whoever shares first is its first admin, and any
        // signers file here moves into the member list.
        crate::members::commands::import(session, &identity.organisation)?;
    } else {
        // The partnership already shares: take its settings files as they are, then
        // add what this directory holds on the next sync.
        g.ok(&[
            "fetch",
            "--quiet",
            REMOTE,
            &format!("+refs/heads/{BRANCH}:{FETCHED_REF}"),
        ])?;
        // Checked as a join checks it before anything of it is taken.
        if let Some(tip) = g.rev(FETCHED_REF)? {
            inbound::check_commits(&g, None, &tip)?;
            inbound::check_tip(&g, &tip, None, false)?;
        }
        for name in [".gitignore", ".gitattributes", REPOSITORY_FILE] {
            if let Some(Some(bytes)) = g.blobs(&[format!("{FETCHED_REF}:{name}")])?.pop() {
                let path = crate::store::layout::shared_file(&root, name);
                if name == REPOSITORY_FILE {
                    check_repository_text(&String::from_utf8_lossy(&bytes), &path)?;
                }
                session.store.journals().write_shared(name, &bytes)?;
            }
        }
    }
    sync::sync(session, identity, false)
}

/// `escalate share join REMOTE [PATH]`: copy the partnership's repository into a
/// new data directory. Nothing of it is written until its newest commit and every
/// commit before it have passed the checks sync makes (`inbound`): git fetches
/// into the repository, and escalate writes each file itself. Returns how many
/// disputes it holds and who its first admin is. `expect_admin`: the first
/// admin's key fingerprint as they gave it (by phone, by email); a copy whose
/// member list starts with another key is removed again.
pub fn join(remote: &str, path: &Path, expect_admin: Option<&str>) -> Result<Joined> {
    if path.exists()
        && std::fs::read_dir(path)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        return Err(Error::refused(format!(
            "{} already exists and is not empty",
            path.display()
        ))
        .with_hint(Hint::JoinIntoNewDirectory));
    }
    let remote = &absolute_remote(remote);
    let path = &absolute(path);
    let existed = path.exists();
    fsutil::private_dir(path)?;
    let cleanup = |e: Error| {
        if existed {
            if let Ok(entries) = std::fs::read_dir(path) {
                for entry in entries.flatten() {
                    let _ = std::fs::remove_dir_all(entry.path());
                    let _ = std::fs::remove_file(entry.path());
                }
            }
        } else {
            let _ = std::fs::remove_dir_all(path);
        }
        e
    };
    let disputes = copy_partnership(remote, path).map_err(cleanup)?;
    let first_admin = crate::members::load(path).map_err(cleanup)?.and_then(|m| {
        m.first_admin()
            .map(|(p, k)| (p.name.clone(), p.agency.clone(), k.fingerprint.clone()))
    });
    if let Some(expected) = expect_admin.map(str::trim) {
        let found = first_admin.as_ref().map(|(_, _, f)| f.as_str());
        if found != Some(expected) {
            return Err(cleanup(
                Error::refused(format!(
                    "{remote}'s first admin key is {}, not {expected} as you were told; nothing was kept",
                    found.unwrap_or("missing (it has no member list)")
                ))
                .with_hint(Hint::AdminKeyMismatch),
            ));
        }
    }
    // A newcomer has none of the history that was there before a forced push:
    // the members' witnesses are what can tell them lines were cut. The copy
    // is kept (it reads as it is), and the join says so (exit 3).
    let g = Git::new(path);
    let signers = crate::integrity::signing::Signers::load(path)
        .ok()
        .flatten();
    if let Some(first) =
        witness::check(&g, &format!("refs/heads/{BRANCH}"), signers.as_ref())?.first()
    {
        return Err(first.to_error(path).with_hint(Hint::JoinedButHistoryCut {
            path: path.to_owned(),
        }));
    }
    Ok(Joined {
        disputes,
        first_admin,
    })
}

/// What `share join` copied.
#[derive(Debug, serde::Serialize)]
pub struct Joined {
    pub disputes: usize,
    /// The member list's first admin: name, agency and key fingerprint, for the
    /// joiner to confirm with them (`None`: the partnership has no member list).
    pub first_admin: Option<(String, String, String)>,
}

fn copy_partnership(remote: &str, path: &Path) -> Result<usize> {
    let g = Git::new(path);
    g.ok(&["init", "--quiet", "--initial-branch", BRANCH])?;
    g.ok(&["remote", "add", REMOTE, remote])?;
    // The partnership's keys ref comes with the branch (`keyref`), with no reflog.
    let mut args = keyref::NO_REFLOG.to_vec();
    let branch = format!("+refs/heads/{BRANCH}:{FETCHED_REF}");
    args.extend([
        "fetch",
        "--quiet",
        "--no-tags",
        REMOTE,
        &branch,
        keyref::FETCH_REFSPEC,
    ]);
    let ran = g.run(&args)?;
    if !ran.ok {
        if ran.stderr.contains("couldn't find remote ref") {
            return Err(
                Error::refused(format!("{remote} holds no partnership record yet"))
                    .with_hint(Hint::FirstAgencyInits),
            );
        }
        return Err(git::remote_failure_then("copy", remote, &ran.stderr, true));
    }
    let Some(tip) = g.rev(FETCHED_REF)? else {
        return Err(Error::refused(format!(
            "{remote} holds no partnership record yet"
        )));
    };
    inbound::check_commits(&g, None, &tip)?;
    let entries = inbound::check_tip(&g, &tip, None, false)?;
    keyref::drop_strays(&g)?;
    // Checked with everything else, before anything is written.
    let keys = keyref::fetched_with(&g)?;
    if !entries.iter().any(|e| e.path == REPOSITORY_FILE) {
        return Err(Error::refused(format!(
            "{remote} is not an escalate partnership repository"
        ))
        .with_hint(Hint::CheckAddressOrInit));
    }
    let store = crate::store::Store::new(path);
    let mut reader = g.blob_reader()?;
    let mut journals = Vec::new();
    for entry in &entries {
        let bytes = reader
            .read(&entry.object, crate::store::journal::MAX_JOURNAL_BYTES)?
            .unwrap_or_default();
        if entry.path == REPOSITORY_FILE {
            check_repository_text(
                &String::from_utf8_lossy(&bytes),
                &crate::store::layout::repository_file(path),
            )?;
        }
        match &entry.kind {
            crate::store::layout::Shared::Journal(id) => {
                journals.push((id.clone(), bytes));
            }
            _ => store.journals().write_shared(&entry.path, &bytes)?,
        }
    }
    drop(reader);
    let disputes = journals.len();
    store.journals().replace_all(&journals)?;
    if let Some(keys) = keys {
        keyref::write_joined(path, &keys.entries)?;
    }
    g.ok(&["update-ref", &format!("refs/heads/{BRANCH}"), &tip])?;
    g.ok(&["update-ref", SYNCED_REF, &tip])?;
    g.ok(&["read-tree", "--reset", &tip])?;
    let _ = g.run(&["update-index", "-q", "--refresh"]);
    Ok(disputes)
}

/// A path made absolute against the current directory (git runs elsewhere).
fn absolute(path: &Path) -> PathBuf {
    if path.is_absolute() {
        return path.to_owned();
    }
    std::env::current_dir()
        .map(|d| d.join(path))
        .unwrap_or_else(|_| path.to_owned())
}

/// A remote that is a directory on this computer (a shared drive), made absolute
/// so that it means the same from inside the data directory; URLs as given.
fn absolute_remote(remote: &str) -> String {
    let p = Path::new(remote);
    if !remote.contains("://") && p.exists() {
        std::fs::canonicalize(p)
            .map(|c| c.to_string_lossy().into_owned())
            .unwrap_or_else(|_| remote.to_owned())
    } else {
        remote.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_newer_minimum_is_refused_and_ours_accepted() {
        let p = Path::new("x");
        assert!(check_repository_text(&repository_file_text(), p).is_ok());
        let newer = "format = 1\nminimum_version = \"99.0.0\"\n";
        let e = check_repository_text(newer, p).unwrap_err().to_string();
        assert!(e.contains("needs escalate 99.0.0"), "{e}");
        assert!(check_repository_text("format = 2\nminimum_version = \"0.0.1\"\n", p).is_err());
    }

    #[test]
    fn every_version_of_its_own_files_escalate_wrote_is_taken_and_no_other() {
        assert!(is_owned_text(".gitignore", GITIGNORE.as_bytes()));
        assert!(is_owned_text(
            ".gitignore",
            GITIGNORE_BEFORE_PARTNERSHIP_CLOSURES.as_bytes()
        ));
        assert!(is_owned_text(
            ".gitattributes",
            GITATTRIBUTES_BEFORE_NO_MERGE.as_bytes()
        ));
        assert!(is_owned_text(
            REPOSITORY_FILE,
            repository_file_text().as_bytes()
        ));
        assert!(is_owned_text(
            REPOSITORY_FILE,
            repository_file_text_for(1, "0.2.0").as_bytes()
        ));
        assert!(!is_owned_text(".gitignore", b"/disputes/*.jsonl\n"));
        assert!(!is_owned_text(".gitattributes", b"* eol=crlf\n"));
        assert!(is_owned_text(
            REPOSITORY_FILE,
            b"format = 1\nminimum_version = \"0.0.1\"\n"
        ));
        let odd = repository_file_text().replace("format = 1", "format = 1\nhooks = \"x\"");
        assert!(!is_owned_text(REPOSITORY_FILE, odd.as_bytes()));
        assert!(!is_owned_text(
            REPOSITORY_FILE,
            b"format = 1\nminimum_version = \"x\"\n"
        ));
        assert!(!is_owned_text("agencies.toml", b""));
    }

    #[test]
    fn versions_compare_as_numbers() {
        assert!(version_tuple("0.10.0") > version_tuple("0.9.9"));
        assert_eq!(version_tuple("1.2"), Some((1, 2, 0)));
        assert_eq!(version_tuple("x"), None);
    }
}
