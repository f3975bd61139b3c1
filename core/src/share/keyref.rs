//! Where a shared partnership keeps the sealed disputes' wrapped keys: a git ref of
//! their own, `refs/escalate/keys`, never the history of `main`.
//!
//! Erasure destroys every copy of a dispute's wrapped key (clarification 16). A key
//! committed on `main` would stay in its append-only history for ever, so the keys
//! travel on a ref that holds ONE parentless commit whose tree is flat
//! (`<dispute-id>.json` blobs only) and is replaced whole on every change, pushed
//! with `--force-with-lease` (the one sanctioned non-append ref, outside the
//! witness check). An old keys commit is then reachable from nothing: no parent, no
//! ref and, because each clone fetches it to `refs/escalate/keys-fetched` (outside
//! the refs git keeps reflogs for, and with reflogs switched off for every update
//! escalate makes), no reflog. `purge` then removes its objects from the clone.
//!
//! This module owns that ref: fetching and checking it (the remote is a stranger's,
//! as in `inbound`), publishing a new one, purging dropped entries, and the step
//! of `sync` that ties them together. What an entry holds, the local key store
//! and how it merges with the partnership's are `privacy`'s.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;

use super::git::{self, Git};
use super::REMOTE;
use crate::domain::id::DisputeId;
use crate::error::{Error, Hint, Result};
use crate::store::fsutil;

/// The partnership's keys ref.
pub const KEYS_REF: &str = "refs/escalate/keys";
/// Where each clone fetches it: outside `refs/heads`, `refs/remotes` and
/// `refs/notes`, so git keeps no reflog of it.
pub const KEYS_FETCHED_REF: &str = "refs/escalate/keys-fetched";
/// The commit `publish` builds, until it is pushed (then deleted).
const KEYS_STAGED_REF: &str = "refs/escalate/keys-staged";
/// Added to the fetch sync and `share join` already make. A glob, so that a
/// partnership without the ref (every one before sealing) fetches as before
/// rather than failing with "couldn't find remote ref"; the `*` matches the empty
/// rest of `refs/escalate/keys`, and anything else it brings is deleted at once
/// (`drop_strays`).
pub(crate) const FETCH_REFSPEC: &str = "+refs/escalate/keys*:refs/escalate/keys-fetched*";
/// Given before every git command that moves a keys ref: a user's
/// `core.logAllRefUpdates = always` would otherwise keep a reflog of it.
pub(crate) const NO_REFLOG: [&str; 2] = ["-c", "core.logAllRefUpdates=false"];

/// The largest wrapped-key entry escalate writes or reads.
pub const MAX_ENTRY_BYTES: u64 = 64 * 1024;
/// The most entries a keys tree may hold (one per sealed dispute).
pub const MAX_ENTRIES: usize = 200_000;
/// A tree entry is a mode, a name and an object ID: this per entry bounds what
/// is read of a keys tree before it is parsed.
const TREE_BYTES_PER_ENTRY: u64 = 96;
/// How often a push that lost its lease is tried again (fetch, merge, push).
const LEASE_ATTEMPTS: usize = 3;

/// The partnership's keys as fetched and checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fetched {
    /// The keys commit: the lease of the next push.
    pub oid: String,
    /// Each entry's bytes, by dispute ID.
    pub entries: BTreeMap<String, Vec<u8>>,
    /// Each entry's blob, by dispute ID: `publish` names an unchanged entry by
    /// it rather than sending its bytes through git again.
    pub objects: BTreeMap<String, String>,
}

/// What `publish` did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Published {
    /// The partnership's ref is now this commit.
    Pushed(String),
    /// Someone else moved the ref since it was fetched: fetch, merge, try again.
    LeaseLost,
    /// The partnership already holds exactly these entries.
    Unchanged,
}

/// Why a fetched keys ref is not used. Each names what is wrong with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refused {
    /// The ref names a tag, tree or blob.
    NotACommit { kind: String },
    /// escalate only ever writes a keys commit without parents.
    HasParents { parents: usize },
    /// A folder in the tree (it is flat).
    Folder { name: String },
    /// A symbolic link in the tree.
    Link { name: String },
    /// A submodule, an executable, or an entry whose mode and type disagree.
    NotPlainFile { name: String, mode: String },
    /// Not `<valid dispute ID>.json`.
    BadName { name: String },
    /// Over `MAX_ENTRY_BYTES`.
    TooLarge { name: String, bytes: u64 },
    /// Over `MAX_ENTRIES` (or a tree too large to hold that many).
    TooMany { count: Option<usize> },
    /// The same name twice.
    Duplicate { name: String },
    /// Not one line of JSON naming the dispute its file is named for.
    NotAnEntry { name: String },
    /// The commit or tree could not be read as git writes them.
    Unreadable,
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = |n: &str| n.escape_debug().to_string();
        match self {
            Refused::NotACommit { kind } => write!(f, "it names a {kind}, not a commit"),
            Refused::HasParents { parents } => write!(
                f,
                "its commit has {parents} parent(s), and escalate only ever writes one with none"
            ),
            Refused::Folder { name } => write!(
                f,
                "it holds a folder \"{}\", and escalate keeps only files there",
                shown(name)
            ),
            Refused::Link { name } => write!(f, "it holds a symbolic link \"{}\"", shown(name)),
            Refused::NotPlainFile { name, mode } => write!(
                f,
                "\"{}\" is an entry of mode {mode}, not a plain file",
                shown(name)
            ),
            Refused::BadName { name } => write!(
                f,
                "\"{}\" is not named as a dispute's key (<dispute ID>.json)",
                shown(name)
            ),
            Refused::TooLarge { name, bytes } => write!(
                f,
                "\"{}\" is {bytes} bytes, more than the {MAX_ENTRY_BYTES} a dispute's key takes",
                shown(name)
            ),
            Refused::TooMany { count: Some(n) } => write!(
                f,
                "it holds {n} entries, more than the {MAX_ENTRIES} escalate reads"
            ),
            Refused::TooMany { count: None } => write!(
                f,
                "its list of files is larger than {MAX_ENTRIES} entries would make"
            ),
            Refused::Duplicate { name } => {
                write!(f, "it holds \"{}\" twice", shown(name))
            }
            Refused::NotAnEntry { name } => write!(
                f,
                "\"{}\" is not a key entry for the dispute it is named for",
                shown(name)
            ),
            Refused::Unreadable => write!(f, "git could not read it as git writes it"),
        }
    }
}

/// The error a refused keys ref stops a sync (or a join) with: the journals are
/// already synced by then; nothing of the keys was used.
fn refusal(oid: &str, why: &Refused) -> Error {
    let short = &oid[..oid.len().min(12)];
    Error::refused(format!(
        "the partnership's copy of the sealed disputes' keys ({KEYS_REF}, commit {short}) was not taken: {why}; none of it was used"
    ))
    .with_hint(Hint::TellKeeperNotOurs)
}

/// The dispute an entry's file name is for: exactly `<valid dispute ID>.json`.
fn entry_id(name: &str) -> Option<&str> {
    let stem = name.strip_suffix(".json")?;
    DisputeId::from_file_stem(stem).map(|_| stem)
}

/// Whether `bytes` reads as an entry for `id`: one line of JSON, an object whose
/// `dispute` is `id`. (What the key inside is, is the privacy module's to judge.)
fn is_entry_for(id: &str, bytes: &[u8]) -> bool {
    #[derive(serde::Deserialize)]
    struct Named<'a> {
        #[serde(borrow)]
        dispute: std::borrow::Cow<'a, str>,
    }
    let line = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    !line.contains(&b'\n') && serde_json::from_slice::<Named>(line).is_ok_and(|n| n.dispute == id)
}

/// Fetch the partnership's keys ref alone (after a lost lease), then check it as
/// `fetched` does. A partnership without the ref is `None`.
pub fn fetch(root: &Path) -> Result<Option<Fetched>> {
    fetch_with(&Git::new(root))
}

pub(crate) fn fetch_with(g: &Git) -> Result<Option<Fetched>> {
    let mut args = NO_REFLOG.to_vec();
    let refspec = format!("+{KEYS_REF}:{KEYS_FETCHED_REF}");
    args.extend(["fetch", "--quiet", "--no-tags", REMOTE, refspec.as_str()]);
    let ran = g.run(&args)?;
    if !ran.ok {
        if ran.stderr.contains("couldn't find remote ref") {
            let mut del = NO_REFLOG.to_vec();
            del.extend(["update-ref", "-d", KEYS_FETCHED_REF]);
            let _ = g.run(&del);
            return Ok(None);
        }
        let url = g
            .ok(&["remote", "get-url", REMOTE])
            .unwrap_or_else(|_| "the partnership's repository".into());
        return Err(git::remote_failure("fetch keys from", &url, &ran.stderr));
    }
    fetched_with(g)
}

/// Delete every ref the glob `FETCH_REFSPEC` brought but `refs/escalate/keys`'s
/// own: another ref the partnership's repository holds under that name could
/// keep an erased entry's old commit reachable here.
pub(crate) fn drop_strays(g: &Git) -> Result<()> {
    let pattern = format!("{KEYS_FETCHED_REF}?*");
    let listed = g.run(&["for-each-ref", "--format=%(refname)", &pattern])?;
    let strays: String = listed
        .text()
        .lines()
        .filter(|r| !r.is_empty() && *r != KEYS_FETCHED_REF)
        .map(|r| format!("delete {r}\n"))
        .collect();
    if !strays.is_empty() {
        let mut args = NO_REFLOG.to_vec();
        args.extend(["update-ref", "--stdin"]);
        g.ok_with(&args, strays.as_bytes(), None)?;
    }
    Ok(())
}

/// The keys this clone last fetched (`refs/escalate/keys-fetched`), checked
/// before any of it is used. `None` when there is none.
pub fn fetched(root: &Path) -> Result<Option<Fetched>> {
    fetched_with(&Git::new(root))
}

pub(crate) fn fetched_with(g: &Git) -> Result<Option<Fetched>> {
    let ran = g.run(&["rev-parse", "--verify", "--quiet", KEYS_FETCHED_REF])?;
    let oid = ran.text();
    if !ran.ok || oid.is_empty() {
        return Ok(None);
    }
    match check(g, &oid)? {
        Ok((entries, objects)) => Ok(Some(Fetched {
            oid,
            entries,
            objects,
        })),
        Err(why) => Err(refusal(&oid, &why)),
    }
}

/// A checked keys tree: each entry's bytes and its blob, by dispute ID.
type Checked = (BTreeMap<String, Vec<u8>>, BTreeMap<String, String>);

/// Read and check the keys commit `oid`: the outer `Result` is git failing, the
/// inner one the commit being refused.
fn check(g: &Git, oid: &str) -> Result<Result<Checked, Refused>> {
    let mut reader = g.blob_reader()?;
    let Some((kind, commit)) = reader.read_object(oid, MAX_ENTRY_BYTES)? else {
        return Ok(Err(Refused::Unreadable));
    };
    if kind != "commit" {
        return Ok(Err(Refused::NotACommit { kind }));
    }
    let head = commit
        .split(|&b| b == b'\n')
        .take_while(|l| !l.is_empty())
        .map(|l| String::from_utf8_lossy(l).into_owned())
        .collect::<Vec<_>>();
    let parents = head.iter().filter(|l| l.starts_with("parent ")).count();
    if parents > 0 {
        return Ok(Err(Refused::HasParents { parents }));
    }
    let Some(tree) = head.iter().find_map(|l| l.strip_prefix("tree ")) else {
        return Ok(Err(Refused::Unreadable));
    };
    let tree_limit = MAX_ENTRIES as u64 * TREE_BYTES_PER_ENTRY;
    let raw = match reader.read_object(tree, tree_limit) {
        Ok(Some((kind, raw))) if kind == "tree" => raw,
        Ok(_) => return Ok(Err(Refused::Unreadable)),
        Err(_) => return Ok(Err(Refused::TooMany { count: None })),
    };
    let listed = match parse_tree(&raw, tree.len() / 2) {
        Ok(l) => l,
        Err(why) => return Ok(Err(why)),
    };
    if listed.len() > MAX_ENTRIES {
        return Ok(Err(Refused::TooMany {
            count: Some(listed.len()),
        }));
    }
    // Type and size of every blob with one process, before any is read.
    let input: String = listed.iter().map(|(_, o)| format!("{o}\n")).collect();
    let sizes = g.run_with(&["cat-file", "--batch-check"], input.as_bytes(), None)?;
    if !sizes.ok {
        return Ok(Err(Refused::Unreadable));
    }
    let sizes = sizes.text();
    let mut sizes = sizes.lines();
    for (name, _) in &listed {
        let line = sizes.next().unwrap_or_default();
        let mut fields = line.split(' ');
        let (kind, size) = (
            fields.nth(1).unwrap_or_default(),
            fields.next().and_then(|s| s.parse::<u64>().ok()),
        );
        match (kind, size) {
            ("blob", Some(bytes)) if bytes > MAX_ENTRY_BYTES => {
                return Ok(Err(Refused::TooLarge {
                    name: name.clone(),
                    bytes,
                }))
            }
            ("blob", Some(_)) => {}
            _ => {
                return Ok(Err(Refused::NotPlainFile {
                    name: name.clone(),
                    mode: "100644".into(),
                }))
            }
        }
    }
    let mut entries = BTreeMap::new();
    let mut objects = BTreeMap::new();
    for (name, object) in &listed {
        let id = entry_id(name).unwrap_or_default().to_owned();
        let bytes = reader
            .read(object, MAX_ENTRY_BYTES)?
            .ok_or_else(|| Error::refused("git lost a stored key while reading it"))?;
        if !is_entry_for(&id, &bytes) {
            return Ok(Err(Refused::NotAnEntry { name: name.clone() }));
        }
        objects.insert(id.clone(), object.clone());
        entries.insert(id, bytes);
    }
    Ok(Ok((entries, objects)))
}

/// A tree object's entries as `(name, object ID)`, refusing anything but plain
/// files named `<dispute ID>.json`, each once. `hash_len`: bytes per object ID
/// (20 for SHA-1, 32 for SHA-256 repositories).
fn parse_tree(raw: &[u8], hash_len: usize) -> Result<Vec<(String, String)>, Refused> {
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    let mut rest = raw;
    while !rest.is_empty() {
        let sp = rest
            .iter()
            .position(|&b| b == b' ')
            .ok_or(Refused::Unreadable)?;
        let mode = String::from_utf8_lossy(&rest[..sp]).into_owned();
        rest = &rest[sp + 1..];
        let nul = rest
            .iter()
            .position(|&b| b == 0)
            .ok_or(Refused::Unreadable)?;
        let name = String::from_utf8_lossy(&rest[..nul]).into_owned();
        rest = &rest[nul + 1..];
        let object = rest.get(..hash_len).ok_or(Refused::Unreadable)?;
        rest = &rest[hash_len..];
        match mode.as_str() {
            "100644" => {}
            "40000" | "040000" => return Err(Refused::Folder { name }),
            "120000" => return Err(Refused::Link { name }),
            _ => return Err(Refused::NotPlainFile { name, mode }),
        }
        if entry_id(&name).is_none() {
            return Err(Refused::BadName { name });
        }
        if !seen.insert(name.clone()) {
            return Err(Refused::Duplicate { name });
        }
        out.push((name, object.iter().map(|b| format!("{b:02x}")).collect()));
        if out.len() > MAX_ENTRIES {
            return Err(Refused::TooMany {
                count: Some(out.len()),
            });
        }
    }
    Ok(out)
}

/// Publish `entries` as the partnership's keys: one parentless commit, built
/// with one `git fast-import`, pushed with a lease on what was fetched (`lease`,
/// `None`: the ref must not exist yet). On success `refs/escalate/keys-fetched`
/// names it too. `when`: the commit's date (escalate's clock).
pub fn publish(
    root: &Path,
    entries: &BTreeMap<String, Vec<u8>>,
    lease: Option<&Fetched>,
    when: i64,
) -> Result<Published> {
    publish_with(&Git::new(root), entries, lease, when)
}

pub(crate) fn publish_with(
    g: &Git,
    entries: &BTreeMap<String, Vec<u8>>,
    lease: Option<&Fetched>,
    when: i64,
) -> Result<Published> {
    match lease {
        Some(f) if &f.entries == entries => return Ok(Published::Unchanged),
        None if entries.is_empty() => return Ok(Published::Unchanged),
        _ => {}
    }
    let commit = build(g, entries, lease, when)?;
    let expect = format!(
        "--force-with-lease={KEYS_REF}:{}",
        lease.map_or("", |f| f.oid.as_str())
    );
    let target = format!("{commit}:{KEYS_REF}");
    let pushed = g.run(&["push", "--quiet", &expect, REMOTE, &target]);
    let mut del = NO_REFLOG.to_vec();
    del.extend(["update-ref", "-d", KEYS_STAGED_REF]);
    let _ = g.run(&del);
    let pushed = pushed?;
    if pushed.ok {
        let mut set = NO_REFLOG.to_vec();
        set.extend(["update-ref", KEYS_FETCHED_REF, commit.as_str()]);
        g.ok(&set)?;
        return Ok(Published::Pushed(commit));
    }
    if pushed.stderr.contains("stale info") {
        return Ok(Published::LeaseLost);
    }
    let url = g
        .ok(&["remote", "get-url", REMOTE])
        .unwrap_or_else(|_| "the partnership's repository".into());
    Err(git::remote_failure(
        "send the sealed disputes' keys to",
        &url,
        &pushed.stderr,
    ))
}

/// The parentless keys commit holding `entries`: blobs, tree and commit from one
/// `git fast-import` (a `hash-object` per entry would be a process per dispute).
/// Without a `from`, fast-import gives the commit no parent even though the ref
/// it writes exists.
fn build(
    g: &Git,
    entries: &BTreeMap<String, Vec<u8>>,
    lease: Option<&Fetched>,
    when: i64,
) -> Result<String> {
    let mut stream = Vec::with_capacity(entries.values().map(|b| b.len() + 64).sum());
    let message = "escalate: the sealed disputes' wrapped keys, replaced whole on every change\n";
    stream.extend_from_slice(
        format!(
            "commit {KEYS_STAGED_REF}\ncommitter escalate <escalate@escalate.invalid> {when} +0000\ndata {}\n{message}\n",
            message.len()
        )
        .as_bytes(),
    );
    for (id, bytes) in entries {
        // Only names `publish`'s callers took from a checked tree or the store
        // folder; anything else would be refused by every other clone.
        if DisputeId::from_file_stem(id).is_none() {
            return Err(Error::refused(format!(
                "\"{}\" is not a dispute ID, so its key was not sent",
                id.escape_debug()
            )));
        }
        // An entry the partnership already holds is named by its blob.
        if let Some(object) = lease
            .filter(|f| f.entries.get(id) == Some(bytes))
            .and_then(|f| f.objects.get(id))
        {
            stream.extend_from_slice(format!("M 100644 {object} {id}.json\n").as_bytes());
            continue;
        }
        stream.extend_from_slice(
            format!("M 100644 inline {id}.json\ndata {}\n", bytes.len()).as_bytes(),
        );
        stream.extend_from_slice(bytes);
        stream.push(b'\n');
    }
    stream.extend_from_slice(b"done\n");
    let mut args = NO_REFLOG.to_vec();
    args.extend(["fast-import", "--quiet", "--force", "--done"]);
    g.ok_with(&args, &stream, None)?;
    g.ok(&["rev-parse", "--verify", KEYS_STAGED_REF])
}

/// How purge removed unreachable objects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PurgeBy {
    /// `git gc --prune=now --quiet`.
    Gc,
    /// `git repack -a -d --quiet` then `git prune --expire=now`.
    RepackPrune,
}

/// Make the old bytes of dropped entries unrecoverable from this clone's object
/// store: the old keys commits are already reachable from no ref; their reflog
/// entries (none, unless someone checked one out by hand) are expired and every
/// unreachable object removed now. Only after an entry was dropped: it rewrites
/// the clone's packs. `refs/stash` is left alone: a person's stash is theirs,
/// and never holds a keys commit.
pub fn purge(root: &Path) -> Result<()> {
    purge_with(&Git::new(root), PurgeBy::RepackPrune)
}

/// `purge` by the given method (tests measure both).
pub fn purge_by(root: &Path, by: PurgeBy) -> Result<()> {
    purge_with(&Git::new(root), by)
}

pub(crate) fn purge_with(g: &Git, by: PurgeBy) -> Result<()> {
    // escalate's own refs never keep a reflog; one found is expired whole.
    // HEAD's and the branches' keep what is on their own history, dropping only
    // entries (a keys commit checked out by hand) that are not.
    let logs = crate::store::layout::git_dir(&g.root).join("logs");
    let mut own = Vec::new();
    for r in [KEYS_FETCHED_REF, KEYS_STAGED_REF, KEYS_REF] {
        if logs.join(r).exists() {
            own.push(r);
        }
    }
    if !own.is_empty() {
        let mut args = vec![
            "reflog",
            "expire",
            "--expire=now",
            "--expire-unreachable=now",
        ];
        args.extend(own);
        g.ok(&args)?;
    }
    let mut heads = vec!["HEAD".to_owned()];
    if let Ok(listed) = g.run(&["for-each-ref", "--format=%(refname)", "refs/heads/"]) {
        heads.extend(listed.text().lines().map(str::to_owned));
    }
    let mut args = vec!["reflog", "expire", "--expire-unreachable=now"];
    args.extend(heads.iter().map(String::as_str));
    let _ = g.run(&args);
    // FETCH_HEAD names what the last fetch brought, the keys commit included.
    // git's prune does not count it as a root today; removed anyway (the next
    // fetch writes it again) so that no git that does can keep an old entry.
    let _ = std::fs::remove_file(crate::store::layout::git_file(&g.root, "FETCH_HEAD"));
    match by {
        PurgeBy::Gc => {
            g.ok(&["gc", "--prune=now", "--quiet"])?;
        }
        PurgeBy::RepackPrune => {
            g.ok(&["repack", "-a", "-d", "--quiet"])?;
            g.ok(&["prune", "--expire=now"])?;
        }
    }
    Ok(())
}

/// Move an unshared directory's key store (`keys/`) into the shared one
/// (inside `.git`), when `share init` has just made the directory a clone: the
/// disputes sealed before sharing keep their keys, and the next sync sends them
/// on the keys ref. A rename on the same file system: nothing is copied, no
/// key is left behind in the work tree.
pub(crate) fn adopt_unshared(root: &Path) -> Result<()> {
    let from = root.join(crate::store::layout::KEYS);
    let to = crate::store::layout::key_store(root);
    let Ok(entries) = std::fs::read_dir(&from) else {
        return Ok(());
    };
    if from == to {
        return Ok(());
    }
    fsutil::private_dir(&to)?;
    for entry in entries.flatten() {
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        let name = entry.file_name();
        if !kind.is_file() || !name.to_string_lossy().ends_with(".json") {
            continue;
        }
        let target = to.join(&name);
        if target.exists() {
            continue;
        }
        std::fs::rename(entry.path(), &target).map_err(|e| {
            Error::io(
                format!(
                    "could not move {} into {}",
                    entry.path().display(),
                    to.display()
                ),
                e,
            )
        })?;
    }
    // Only when nothing else was kept there.
    let _ = std::fs::remove_dir(&from);
    Ok(())
}

/// The key store of a clone `share join` just made: the partnership's entries,
/// as they are (who may open which is the privacy module's to judge when they
/// are used, and the next sync's merge).
pub(crate) fn write_joined(root: &Path, entries: &BTreeMap<String, Vec<u8>>) -> Result<()> {
    let store = crate::privacy::KeyStore::of(root);
    for (id, bytes) in entries {
        store.put(id, bytes)?;
    }
    Ok(())
}

/// What the keys step of a sync did.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Exchanged {
    /// The commit pushed, when this clone changed the partnership's keys.
    pub pushed: Option<String>,
    /// Entries the key store and the partnership's ref now hold.
    pub written: usize,
    /// Disputes whose entries were dropped (erased) here, and purged.
    pub dropped: Vec<String>,
    /// The partnership's entries the merge did not take, and why.
    pub refused: Vec<(String, String)>,
}

/// The merge the keys step runs on what was fetched (`Session::merge_keys`).
pub(crate) type Merge<'a> =
    dyn FnMut(&BTreeMap<String, Vec<u8>>) -> Result<crate::privacy::merge::Merged> + 'a;

/// The keys step of a sync, after the journals are integrated and `main` is
/// pushed: take the fetched keys, `merge` them with this clone's (the merge
/// writes the key store: `Session::merge_keys`, which drops erased disputes'),
/// publish if that changed anything (fetching and merging again when another
/// clone won the race), and purge if anything was dropped. `token` names the
/// merge's other inputs (the synced commit, the day): while it, the fetched
/// keys commit and the key store folder are as the last time they all matched,
/// nothing is read.
pub(crate) fn exchange_with(
    g: &Git,
    token: &str,
    when: i64,
    merge: &mut Merge<'_>,
) -> Result<Exchanged> {
    let dir = crate::store::layout::key_store(&g.root);
    let state_file = crate::store::layout::sync_state(&g.root).join("keys-state");
    let fetched_oid = g
        .run(&["rev-parse", "--verify", "--quiet", KEYS_FETCHED_REF])?
        .text();
    let state = State::now(&fetched_oid, &dir, token);
    if state.is_some()
        && std::fs::read_to_string(&state_file).ok().as_deref()
            == state.as_ref().map(State::line).as_deref()
    {
        return Ok(Exchanged::default());
    }
    let _ = std::fs::remove_file(&state_file);
    let mut fetched = fetched_with(g)?;
    let mut out = Exchanged::default();
    let mut dropped = BTreeSet::new();
    let mut done = false;
    for attempt in 0..LEASE_ATTEMPTS {
        if attempt > 0 {
            fetched = fetch_with(g)?;
        }
        let theirs = fetched
            .as_ref()
            .map(|f| f.entries.clone())
            .unwrap_or_default();
        let merged = merge(&theirs)?;
        dropped.extend(merged.dropped.iter().cloned());
        match publish_with(g, &merged.entries, fetched.as_ref(), when)? {
            Published::Pushed(c) => out.pushed = Some(c),
            Published::Unchanged => {}
            Published::LeaseLost => continue,
        }
        out.written = merged.entries.len();
        out.refused = merged.refused;
        done = true;
        break;
    }
    if !done {
        return Err(Error::refused(format!(
            "other agencies kept changing the sealed disputes' keys while this sync ran ({LEASE_ATTEMPTS} attempts); the journals are synced, the keys were not"
        ))
        .with_hint(Hint::SyncAgainInAMinute));
    }
    out.dropped = dropped.into_iter().collect();
    if !out.dropped.is_empty() {
        purge_with(g, PurgeBy::RepackPrune)?;
    }
    let fetched_oid = g
        .run(&["rev-parse", "--verify", "--quiet", KEYS_FETCHED_REF])?
        .text();
    if let Some(state) = State::now(&fetched_oid, &dir, token).filter(State::settled) {
        if fsutil::private_dir(&crate::store::layout::sync_state(&g.root)).is_ok() {
            let _ = fsutil::replace_file(&state_file, state.line().as_bytes());
        }
    }
    Ok(out)
}

/// What the keys step last saw when this clone's keys matched the
/// partnership's: the fetched keys commit, the key store folder's modification
/// time (every entry is written by renaming a file into it, which changes it)
/// and the merge's other inputs (`token`). Kept in `.git/escalate/keys-state`; any difference, or
/// no file, means the full step.
struct State {
    oid: String,
    modified: std::time::Duration,
    token: u64,
}

impl State {
    fn now(oid: &str, dir: &Path, token: &str) -> Option<State> {
        use std::hash::{Hash, Hasher};
        let modified = std::fs::metadata(dir)
            .and_then(|m| m.modified())
            .ok()?
            .duration_since(std::time::UNIX_EPOCH)
            .ok()?;
        let mut h = std::collections::hash_map::DefaultHasher::new();
        token.hash(&mut h);
        Some(State {
            oid: oid.to_owned(),
            modified,
            token: h.finish(),
        })
    }

    /// Whether the folder's time is old enough to be trusted: a file renamed
    /// into it within the same tick of the file system's clock could leave it
    /// unchanged (git's "racy" index entries), so a recent time is not recorded.
    fn settled(&self) -> bool {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .is_ok_and(|now| now.saturating_sub(self.modified) > std::time::Duration::from_secs(2))
    }

    fn line(&self) -> String {
        format!(
            "{} {}.{:09} {:016x}\n",
            if self.oid.is_empty() { "-" } else { &self.oid },
            self.modified.as_secs(),
            self.modified.subsec_nanos(),
            self.token
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw_entry(mode: &str, name: &str) -> Vec<u8> {
        let mut v = format!("{mode} {name}\0").into_bytes();
        v.extend([7u8; 20]);
        v
    }

    #[test]
    fn a_keys_tree_holds_only_plain_files_named_for_disputes() {
        let ok = raw_entry("100644", "ABCDEFGHJK.json");
        assert_eq!(parse_tree(&ok, 20).unwrap().len(), 1);
        let refused = |mode: &str, name: &str| parse_tree(&raw_entry(mode, name), 20).unwrap_err();
        assert!(matches!(
            refused("40000", "ABCDEFGHJK.json"),
            Refused::Folder { .. }
        ));
        assert!(matches!(
            refused("120000", "ABCDEFGHJK.json"),
            Refused::Link { .. }
        ));
        assert!(matches!(
            refused("100755", "ABCDEFGHJK.json"),
            Refused::NotPlainFile { .. }
        ));
        assert!(matches!(
            refused("160000", "ABCDEFGHJK.json"),
            Refused::NotPlainFile { .. }
        ));
        assert!(matches!(
            refused("100644", "../x.json"),
            Refused::BadName { .. }
        ));
        assert!(matches!(
            refused("100644", "ABCDEFGHJK.jsonl"),
            Refused::BadName { .. }
        ));
        let twice = [ok.clone(), ok].concat();
        assert!(matches!(
            parse_tree(&twice, 20).unwrap_err(),
            Refused::Duplicate { .. }
        ));
        assert_eq!(
            parse_tree(b"100644 x", 20).unwrap_err(),
            Refused::Unreadable
        );
    }

    #[test]
    fn an_entry_must_name_the_dispute_its_file_is_for() {
        assert!(is_entry_for(
            "ABCDEFGHJK",
            br#"{"v":1,"dispute":"ABCDEFGHJK"}"#
        ));
        assert!(!is_entry_for(
            "ABCDEFGHJK",
            br#"{"v":1,"dispute":"ZZZZZZZZZZ"}"#
        ));
        assert!(!is_entry_for(
            "ABCDEFGHJK",
            b"{\"dispute\":\"ABCDEFGHJK\"}\n{}"
        ));
        assert!(!is_entry_for("ABCDEFGHJK", b"not json"));
    }
}
