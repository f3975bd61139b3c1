//! The data directory: where journals, pinned policy texts and calendar files live,
//! and how a typed ID prefix becomes one dispute. Layout:
//!
//! ```text
//! <dir>/disputes/<ID>.jsonl         one journal per dispute
//! <dir>/policies/<sha256>.toml      the exact policy text each dispute pinned
//! ```
//!
//! Every path inside the data directory (these, and the calendar, cache,
//! quarantine, signers and sharing files) is named by `layout` below.

pub mod agencies;
pub mod cache;
pub mod calendar;
pub mod config;
pub mod fsutil;
pub mod journal;
#[cfg(test)]
pub(crate) mod memory;
pub(crate) mod repository;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::domain::id::{self, DisputeId};
use crate::error::{Error, Hint, Result};

use crate::policy::{Catalogue, LoadedPolicy, Origin};
use repository::Repository;

#[derive(Clone, Debug)]
pub struct Store {
    root: PathBuf,
    /// Pinned policy texts already read, by hash (`None`: not found or invalid).
    pinned: Arc<Mutex<HashMap<String, Option<Arc<LoadedPolicy>>>>>,
    /// Where the journals and shared files are kept: the data directory's
    /// files, or (in tests) memory.
    journals: Arc<dyn Repository>,
}

impl Store {
    /// The report settings everyone reporting on this directory shares
    /// (`report.toml`); the defaults if it has none.
    pub fn report_settings(&self) -> Result<crate::domain::report::Settings> {
        let path = layout::report_settings(&self.root);
        let text = match fsutil::read_limited_text(&path, 64 * 1024, fsutil::Links::Follow) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Default::default()),
            Err(e) => return Err(Error::usage(format!("cannot read {}: {e}", path.display()))),
        };
        toml::from_str(&text).map_err(|e| {
            Error::usage(format!("{} is not valid: {e}", path.display()))
                .with_hint(Hint::WriteYearSetting)
        })
    }

    pub fn new(root: impl Into<PathBuf>) -> Self {
        let root = root.into();
        Store {
            journals: Arc::new(repository::Files::new(&root)),
            root,
            pinned: Arc::default(),
        }
    }

    /// A store whose journals `journals` keeps; its other files (pinned
    /// policies, settings, the cache) are still under `root`.
    #[cfg(test)]
    pub(crate) fn with_journals(root: impl Into<PathBuf>, journals: Arc<dyn Repository>) -> Self {
        Store {
            root: root.into(),
            pinned: Arc::default(),
            journals,
        }
    }

    /// Where the journals and shared files are kept.
    pub(crate) fn journals(&self) -> &dyn Repository {
        &*self.journals
    }

    /// Dispute `id`'s journal as kept, torn tail and all (`None`: it has none):
    /// for telling whether two directories hold the same journal.
    pub fn journal_bytes(&self, id: &DisputeId) -> Option<Vec<u8>> {
        self.journals.bytes(id)
    }

    /// Put right what a killed replace of journals left (see
    /// `Repository::finish_replacements`).
    pub(crate) fn finish_replacements(&self) -> Result<()> {
        self.journals.finish_replacements()
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Refuse a data directory that is not there: a mistyped `--dir` or
    /// `ESCALATE_DIR` must not read as "no disputes" (a month of zeros filed to the
    /// board). Only commands that create data create the directory.
    pub fn require_existing(&self) -> Result<()> {
        if self.root.is_dir() {
            return Ok(());
        }
        Err(Error::refused(format!(
            "the data directory {} does not exist",
            self.root.display()
        ))
        .with_hint(Hint::CheckDataDir))
    }

    #[cfg(test)]
    fn disputes_dir(&self) -> PathBuf {
        layout::disputes(&self.root)
    }

    fn policies_dir(&self) -> PathBuf {
        layout::pinned_policies(&self.root)
    }

    /// How messages name dispute `id`'s journal: its path, for files.
    pub fn journal_path(&self, id: &DisputeId) -> PathBuf {
        self.journals.name(id)
    }

    /// Every dispute ID with a journal, sorted. A missing directory means none yet.
    pub fn ids(&self) -> Result<Vec<DisputeId>> {
        let mut ids = Vec::new();
        self.each_id(|id| ids.push(id))?;
        ids.sort_unstable_by_key(DisputeId::order_key);
        Ok(ids)
    }

    /// Hand each dispute ID with a journal to `each` as the listing reads it (in
    /// the directory's order, not sorted), so work on the first can start while
    /// the rest are being listed. A missing directory means none yet.
    pub(crate) fn each_id(&self, mut each: impl FnMut(DisputeId)) -> Result<()> {
        self.journals.each_id(&mut each)
    }

    /// The one dispute whose ID starts with what the user typed.
    pub fn resolve(&self, typed: &str) -> Result<DisputeId> {
        let prefix = id::normalise_prefix(typed)?;
        // A whole ID needs no directory listing (which grows with every dispute).
        if let Some(whole) = DisputeId::from_file_stem(&prefix) {
            if self.journals.contains(&whole) {
                return Ok(whole);
            }
        }
        let mut matches: Vec<DisputeId> = self
            .ids()?
            .into_iter()
            .filter(|id| id.as_str().starts_with(&prefix))
            .collect();
        if matches.len() == 1 {
            return Ok(matches.remove(0));
        }
        match matches.len() {
            0 => Err(
                Error::refused(format!("no dispute has an ID starting {prefix}")).with_hint(
                    Hint::CheckIdOrList {
                        root: self.root.clone(),
                    },
                ),
            ),
            n => {
                let shown: Vec<&str> = matches.iter().take(5).map(|id| id.as_str()).collect();
                Err(Error::refused(format!(
                    "{prefix} matches {n} disputes: {}{}",
                    shown.join(", "),
                    if n > 5 { ", ..." } else { "" }
                ))
                .with_hint(Hint::TypeMoreOfId))
            }
        }
    }

    /// A fresh ID and its journal path, creating the directories first: for the
    /// generator, which writes journals as files itself.
    #[cfg(feature = "generate")]
    pub(crate) fn prepare_new(&self) -> Result<(DisputeId, PathBuf)> {
        repository::prepare_new(&self.root)
    }

    /// Keep the exact policy text a dispute is opened under, so the dispute keeps
    /// its rules even if the policy file is later edited or removed.
    pub(crate) fn pin_policy(&self, loaded: &LoadedPolicy) -> Result<()> {
        let dir = self.policies_dir();
        let path = layout::pinned_policy(&self.root, &loaded.hash);
        if path.is_file() {
            return Ok(());
        }
        fsutil::private_dir(&dir)?;
        match fsutil::write_new_file(&path, loaded.text.as_bytes()) {
            Err(_) if path.is_file() => Ok(()),
            other => other,
        }
    }

    /// The policy a dispute pinned: the catalogue's copy if unchanged, else the
    /// pinned text from the data directory (read and checked once per process).
    pub(crate) fn pinned_policy(
        &self,
        catalogue: &Catalogue,
        hash: &str,
    ) -> Option<Arc<LoadedPolicy>> {
        if let Some(p) = catalogue.by_hash(hash) {
            return Some(Arc::clone(p));
        }
        if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let mut cache = self
            .pinned
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(p) = cache.get(hash) {
            return p.clone();
        }
        let found = fsutil::read_file_to_string(&layout::pinned_policy(&self.root, hash))
            .ok()
            .filter(|text| crate::policy::hash_text(text) == hash)
            .and_then(|text| LoadedPolicy::from_text(text, Origin::Snapshot).ok())
            .map(Arc::new);
        cache.insert(hash.to_owned(), found.clone());
        found
    }
}

/// Where each thing lives inside a data directory. Every path into it is built
/// here, so the layout has one owner (and a second storage backend one seam).
pub mod layout {
    use std::fmt::Display;
    use std::path::{Path, PathBuf};

    /// The user's own configuration folder, which is not the data directory (that
    /// may be shared; this never is).
    pub mod config {
        use std::path::{Path, PathBuf};

        /// The settings `escalate config` reads and writes.
        pub fn settings(config_dir: &Path) -> PathBuf {
            config_dir.join("config.toml")
        }

        /// The user's own policy files, beside the built-in ones.
        pub fn policies(config_dir: &Path) -> PathBuf {
            config_dir.join("policies")
        }

        /// Where the settings live on a system with no standard config directory:
        /// inside the data directory.
        pub fn fallback_dir(data_dir: &Path) -> PathBuf {
            data_dir.join("config")
        }
    }

    /// The agency names and aliases.
    pub(crate) const AGENCIES: &str = "agencies.toml";
    /// The retention period (`privacy::retention`).
    pub(crate) const RETENTION: &str = "retention.toml";
    /// The data directory's report settings.
    pub(crate) const REPORT_SETTINGS: &str = "report.toml";
    /// Marks a directory shared through git.
    pub(crate) const REPOSITORY: &str = "escalate-repository.toml";
    /// The partnership's signers file.
    pub const SIGNERS: &str = "signers";
    /// The partnership's member list (shared directories; `members`).
    pub const MEMBERS: &str = "members.jsonl";

    /// The folder of journals, one `<id>.jsonl` each.
    const DISPUTES: &str = "disputes";
    /// The calendar's folder.
    const CALENDAR: &str = "calendar";
    /// The pinned policy texts' folder.
    const POLICIES: &str = "policies";

    /// The journals, one `<id>.jsonl` each.
    pub fn disputes(root: &Path) -> PathBuf {
        root.join(DISPUTES)
    }

    /// The journals as git names them: what `git ls-tree` or `git diff` is
    /// limited to when only journals matter.
    pub(crate) const JOURNALS_PATHSPEC: &str = "disputes/";

    /// Dispute `id`'s journal as git names it: `disputes/<ID>.jsonl`.
    pub(crate) fn shared_journal(id: impl Display) -> String {
        format!("{DISPUTES}/{id}.jsonl")
    }

    /// The dispute a shared path is the journal of, if it is one.
    pub(crate) fn journal_of_shared(path: &str) -> Option<crate::domain::id::DisputeId> {
        match shared(path) {
            Some(Shared::Journal(id)) => Some(id),
            _ => None,
        }
    }

    /// Whether a shared path is in the calendar's folder.
    pub(crate) fn is_calendar(path: &str) -> bool {
        path.split_once('/')
            .is_some_and(|(folder, _)| folder == CALENDAR)
    }

    /// The folders a sync writes into, which must be folders, not links: the
    /// journals, pinned policies, calendar, witnesses and the git repository.
    pub(crate) fn folders_sync_writes(root: &Path) -> [PathBuf; 5] {
        [
            disputes(root),
            pinned_policies(root),
            calendar(root),
            root.join(WITNESSES),
            git_dir(root),
        ]
    }

    pub(crate) fn journal(root: &Path, id: impl Display) -> PathBuf {
        disputes(root).join(format!("{id}.jsonl"))
    }

    /// A journal's head receipt, `<ID>.head` beside it.
    pub(crate) fn receipt(journal: &Path) -> PathBuf {
        journal.with_extension("head")
    }

    /// The receipt an append writes before its line (`.<ID>.head.tmp`): still
    /// there afterwards, it proves the append was interrupted.
    pub(crate) fn receipt_in_progress(journal: &Path) -> PathBuf {
        let receipt = receipt(journal);
        let name = receipt
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("journal.head");
        journal.with_file_name(format!(".{name}.tmp"))
    }

    /// A journal's whole new contents, written before it replaces the journal
    /// (`journal::replace`, which sync uses): `.<ID>.jsonl.replace.tmp`.
    pub(crate) fn journal_replacement(journal: &Path) -> PathBuf {
        hidden_beside(journal, "replace.tmp")
    }

    /// The receipt of a journal's new contents, moved into place just after the
    /// journal is replaced: `.<ID>.head.replace.tmp`. Found naming the journal
    /// exactly, it proves a replace finished all but its last step.
    pub(crate) fn receipt_of_replacement(journal: &Path) -> PathBuf {
        hidden_beside(&receipt(journal), "replace.tmp")
    }

    fn hidden_beside(path: &Path, suffix: &str) -> PathBuf {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
        path.with_file_name(format!(".{name}.{suffix}"))
    }

    /// Where torn writes are set aside: beside the journals.
    pub(crate) fn quarantine_beside(journal: &Path) -> PathBuf {
        journal
            .parent()
            .unwrap_or(Path::new("."))
            .join("quarantine")
    }

    /// One set-aside torn write of `journal`, by the name its recovery line records.
    pub(crate) fn quarantined(journal: &Path, name: &str) -> PathBuf {
        quarantine_beside(journal).join(name)
    }

    /// The policy texts disputes pinned, each named by its hash.
    pub(crate) fn pinned_policies(root: &Path) -> PathBuf {
        root.join(POLICIES)
    }

    pub(crate) fn pinned_policy(root: &Path, hash: &str) -> PathBuf {
        pinned_policies(root).join(format!("{hash}.toml"))
    }

    /// The stored calendar: import and closure days.
    pub fn calendar(root: &Path) -> PathBuf {
        root.join(CALENDAR)
    }

    /// The name of the stored GOV.UK import.
    pub(crate) const BANK_HOLIDAYS: &str = "bank-holidays.json";

    /// The last GOV.UK import, re-serialised (the one before it beside it as
    /// `.bak`, as for each calendar file).
    pub(crate) fn bank_holidays(root: &Path) -> PathBuf {
        calendar(root).join(BANK_HOLIDAYS)
    }

    /// This agency's own closure days, with reasons (never shared).
    pub(crate) fn closures(root: &Path) -> PathBuf {
        calendar(root).join("closures.json")
    }

    /// Closure days closed with `--partnership`: shared with the partnership when
    /// the data directory is shared.
    pub(crate) fn partnership_closures(root: &Path) -> PathBuf {
        calendar(root).join("partnership-closures.json")
    }

    /// Held while a calendar file is rewritten.
    pub(crate) fn calendar_lock(root: &Path) -> PathBuf {
        calendar(root).join(".lock")
    }

    /// Derived data and scratch files: deleting it loses nothing.
    pub(crate) fn cache(root: &Path) -> PathBuf {
        root.join("cache")
    }

    pub(crate) fn status_cache(root: &Path) -> PathBuf {
        cache(root).join("status.bin")
    }

    /// This process's scratch file for `status --json` output too large to sort
    /// in memory (it holds case details, so it stays in the private data
    /// directory, never a shared temporary directory).
    pub fn status_spill(root: &Path) -> PathBuf {
        cache(root).join(format!(".status-{}.spill", std::process::id()))
    }

    /// The wrapped keys of sealed disputes (`privacy::KeyStore`): in a shared
    /// directory inside the repository's own state, so that git never sees them
    /// on `main` (they travel on their own ref, `share::keyref`); in an unshared
    /// one, `keys/`.
    pub fn key_store(root: &Path) -> PathBuf {
        if git_dir(root).is_dir() {
            sync_state(root).join("keys")
        } else {
            root.join(KEYS)
        }
    }

    /// An unshared directory's key store (see `key_store`).
    pub(crate) const KEYS: &str = "keys";

    pub(crate) fn signers(root: &Path) -> PathBuf {
        root.join(SIGNERS)
    }

    pub(crate) fn members(root: &Path) -> PathBuf {
        root.join(MEMBERS)
    }

    /// Held while a command appends to the member list (in sync's own state,
    /// never shared).
    pub(crate) fn members_lock(root: &Path) -> PathBuf {
        sync_state(root).join("members.lock")
    }

    pub(crate) fn agencies(root: &Path) -> PathBuf {
        root.join(AGENCIES)
    }

    pub(crate) fn report_settings(root: &Path) -> PathBuf {
        root.join(REPORT_SETTINGS)
    }

    pub(crate) fn repository_file(root: &Path) -> PathBuf {
        root.join(REPOSITORY)
    }

    /// A shared directory's git repository.
    pub fn git_dir(root: &Path) -> PathBuf {
        root.join(".git")
    }

    /// One of git's own files in the repository (`index.lock`, `MERGE_HEAD`, ...),
    /// looked at to tell whether git is part-way through something.
    pub(crate) fn git_file(root: &Path, name: &str) -> PathBuf {
        git_dir(root).join(name)
    }

    /// What a path in a partnership's repository is, when it is one escalate
    /// shares. Everything else in a fetched tree is refused (`share::inbound`).
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub(crate) enum Shared {
        /// `disputes/<ID>.jsonl`.
        Journal(crate::domain::id::DisputeId),
        /// `.gitignore`, `.gitattributes`, the repository file: written by
        /// escalate only.
        Owned,
        /// `policies/<sha256>.toml`, a pinned policy text.
        Policy,
        /// `witnesses/<fingerprint>.jsonl`, the heads one member's syncs saw.
        Witness,
        /// Agency names, report settings, signers, the partnership's calendar.
        Setting,
        /// `members.jsonl`, the member list: only ever an admin-signed extension
        /// of what was shared (`members::check`).
        Members,
    }

    /// Classify a repository path (`/`-separated, as git gives it).
    pub(crate) fn shared(path: &str) -> Option<Shared> {
        fn lower_hex(s: &str, min: usize, max: usize) -> bool {
            (min..=max).contains(&s.len())
                && s.bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        }
        match path {
            ".gitignore" | ".gitattributes" | REPOSITORY => return Some(Shared::Owned),
            MEMBERS => return Some(Shared::Members),
            AGENCIES
            | REPORT_SETTINGS
            | RETENTION
            | SIGNERS
            | "calendar/bank-holidays.json"
            | "calendar/partnership-closures.json" => return Some(Shared::Setting),
            _ => {}
        }
        let (folder, name) = path.split_once('/')?;
        match folder {
            DISPUTES => name
                .strip_suffix(".jsonl")
                .and_then(crate::domain::id::DisputeId::from_file_stem)
                .map(Shared::Journal),
            POLICIES => name
                .strip_suffix(".toml")
                .filter(|h| lower_hex(h, 64, 64))
                .map(|_| Shared::Policy),
            WITNESSES => witness_key_of(path).map(|_| Shared::Witness),
            _ => None,
        }
    }

    /// A file of the shared repository, by the path git gives it (relative to the
    /// data directory, `/`-separated: `disputes/<ID>.jsonl`, `agencies.toml`).
    pub fn shared_file(root: &Path, path: &str) -> PathBuf {
        root.join(path)
    }

    /// The shared folder of witnesses: one file per member, each line a signed
    /// record of a head that member saw in the partnership's repository.
    pub(crate) const WITNESSES: &str = "witnesses";

    /// A member's witness file as git names it: `witnesses/<hex>.jsonl`, `<hex>`
    /// the 64 lowercase hex digits of the SHA-256 of the member's public key (the
    /// digest `ssh-keygen -l` prints in base64).
    pub(crate) fn witness_path(key_hex: &str) -> String {
        format!("{WITNESSES}/{key_hex}.jsonl")
    }

    /// The key digest a shared path is the witness file of, if it is one: exactly
    /// `witnesses/` + 64 characters of `[0-9a-f]` + `.jsonl`, nothing else.
    pub(crate) fn witness_key_of(path: &str) -> Option<&str> {
        let hex = path
            .strip_prefix(WITNESSES)?
            .strip_prefix('/')?
            .strip_suffix(".jsonl")?;
        (hex.len() == 64 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
            .then_some(hex)
    }

    /// A file created and removed at once to learn whether `dir` can be written.
    pub fn write_probe(dir: &Path) -> PathBuf {
        dir.join(format!(".write-test-{}", std::process::id()))
    }

    /// Sync's own state inside the repository (lock, scratch, backups): never
    /// committed, never shared.
    pub(crate) fn sync_state(root: &Path) -> PathBuf {
        git_dir(root).join("escalate")
    }

    /// Held by the one sync running in a clone.
    pub(crate) fn sync_lock(root: &Path) -> PathBuf {
        sync_state(root).join("sync.lock")
    }

    /// Where sync rebuilds a journal with the partnership's lines before it
    /// replaces the real one.
    pub(crate) fn sync_scratch_journal(root: &Path, id: impl Display) -> PathBuf {
        sync_scratch(root).join(format!("{id}.jsonl"))
    }

    /// The folder of those journals: what a killed sync left there is removed.
    pub(crate) fn sync_scratch(root: &Path) -> PathBuf {
        sync_state(root).join("scratch")
    }

    /// Where an older escalate's sync kept each journal it was rewriting in
    /// place; a sync now only restores and removes what a crash left there.
    pub(crate) fn sync_backups(root: &Path) -> PathBuf {
        sync_state(root).join("backup")
    }

    /// The journal a backup in `sync_backups` belongs to, by the backup's name.
    pub(crate) fn journal_of_backup(root: &Path, backup_name: &std::ffi::OsStr) -> PathBuf {
        disputes(root).join(backup_name)
    }

    /// The files a sync hands to `git hash-object`, numbered; removed after.
    pub(crate) fn sync_stage(root: &Path) -> PathBuf {
        sync_state(root).join("stage")
    }

    pub(crate) fn sync_stage_file(root: &Path, n: usize) -> PathBuf {
        sync_stage(root).join(n.to_string())
    }

    /// The git index sync builds its commit in, apart from the working tree's.
    pub(crate) fn sync_index(root: &Path) -> PathBuf {
        sync_state(root).join("index")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_paths_escalate_shares_are_shared() {
        use layout::{shared, Shared};
        let id = "ABCDEFGHJK";
        assert!(matches!(
            shared(&format!("disputes/{id}.jsonl")),
            Some(Shared::Journal(_))
        ));
        assert_eq!(shared(".gitignore"), Some(Shared::Owned));
        assert_eq!(shared("agencies.toml"), Some(Shared::Setting));
        assert_eq!(
            shared(&format!("policies/{}.toml", "a".repeat(64))),
            Some(Shared::Policy)
        );
        assert_eq!(
            shared(&format!("witnesses/{}.jsonl", "0f".repeat(32))),
            Some(Shared::Witness)
        );
        assert_eq!(shared(&format!("witnesses/{}.jsonl", "0f".repeat(8))), None);
        for bad in [
            "x/../../etc/passwd",
            "..",
            "/etc/passwd",
            "",
            "disputes/../agencies.toml",
            &format!("disputes/{id}.head"),
            &format!("disputes/quarantine/{id}.jsonl.torn-1-aaaaaaaa"),
            &format!("disputes/{}.jsonl", id.to_lowercase()),
            "cache/status.bin",
            "Agencies.toml",
            &format!("policies/{}.toml", "A".repeat(64)),
            "calendar/closures.json",
            "config/config.toml",
            "witnesses/../x.jsonl",
            "disputes/sub/ABCDEFGHJK.jsonl",
        ] {
            assert_eq!(shared(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_journal_has_one_name_in_the_directory_and_in_git() {
        let id = DisputeId::from_file_stem("ABCDEFGHJK").unwrap();
        let shared = layout::shared_journal(&id);
        assert_eq!(layout::journal_of_shared(&shared), Some(id.clone()));
        assert!(shared.starts_with(layout::JOURNALS_PATHSPEC));
        let root = Path::new("/data");
        assert_eq!(
            layout::shared_file(root, &shared),
            layout::journal(root, &id)
        );
        assert_eq!(
            layout::disputes(root),
            root.join(layout::JOURNALS_PATHSPEC.trim_end_matches('/'))
        );
        assert!(layout::is_calendar("calendar/bank-holidays.json"));
        assert!(!layout::is_calendar("calendars.toml"));
        assert_eq!(
            layout::journal_of_shared("disputes/quarantine/X.jsonl"),
            None
        );
    }

    #[test]
    fn ids_are_listed_in_string_order_and_only_journals_count() {
        // The status cache is read in step with this order.
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        std::fs::create_dir_all(store.disputes_dir()).unwrap();
        let names = [
            "ZZZZZZZZZZ",
            "0000000001",
            "A000000000",
            "9ZZZZZZZZZ",
            "0000000000",
        ];
        for n in names {
            std::fs::write(store.disputes_dir().join(format!("{n}.jsonl")), "").unwrap();
            std::fs::write(store.disputes_dir().join(format!("{n}.head")), "").unwrap();
        }
        std::fs::write(store.disputes_dir().join("lower00000.jsonl"), "").unwrap();
        let ids: Vec<String> = store.ids().unwrap().iter().map(|i| i.to_string()).collect();
        let mut sorted: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        sorted.sort();
        assert_eq!(ids, sorted);
        assert!(Store::new(dir.path().join("none"))
            .ids()
            .unwrap()
            .is_empty());
    }
}
