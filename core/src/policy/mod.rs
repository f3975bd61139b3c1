//! Escalation policies: the model (`model`), strict loading (`check`), and where
//! policies come from: built into the binary, the user's config directory, a file
//! named on the command line, or the snapshot a dispute pinned when it was opened.

pub mod check;
pub mod condition;
pub mod model;

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use sha2::{Digest, Sha256};

pub use check::Problem;
pub use model::*;

use crate::error::{Error, Hint, Result};

/// The policies shipped with escalate, one per seed document.
const BUILTIN: &[(&str, &str)] = &[
    ("gscb", include_str!("../../../policies/gscb.toml")),
    ("bscb", include_str!("../../../policies/bscb.toml")),
    ("lscb", include_str!("../../../policies/lscb.toml")),
    ("cscp", include_str!("../../../policies/cscp.toml")),
    ("cumbria", include_str!("../../../policies/cumbria.toml")),
];

/// Where a loaded policy came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    Builtin,
    File(PathBuf),
    /// The copy a dispute pinned when it was opened.
    Snapshot,
}

#[derive(Clone, Debug)]
pub struct LoadedPolicy {
    pub policy: Policy,
    /// The exact text, kept so a dispute can pin it.
    pub text: String,
    /// Lower-case hex SHA-256 of `text`.
    pub hash: String,
    pub origin: Origin,
}

pub(crate) fn hash_text(text: &str) -> String {
    hex(&Sha256::digest(text.as_bytes()))
}

/// Lower-case hex. A table rather than `format!`: every journal line is hashed
/// twice when read, and formatting per byte was a tenth of `status`'s time.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 15)] as char);
    }
    s
}

impl LoadedPolicy {
    pub(crate) fn from_text(text: String, origin: Origin) -> Result<Self, Vec<Problem>> {
        let policy = check::parse(&text)?;
        Ok(LoadedPolicy {
            hash: hash_text(&text),
            policy,
            text,
            origin,
        })
    }

    /// Read and check a policy file; every problem is listed in the error.
    pub fn from_file(path: &Path) -> Result<Self> {
        let bytes = crate::store::fsutil::read_file(path)
            .map_err(|e| Error::io(format!("could not read policy file {}", path.display()), e))?;
        let text = String::from_utf8(bytes).map_err(|_| {
            Error::refused(format!("policy file {} is not UTF-8 text", path.display()))
        })?;
        Self::from_text(text, Origin::File(path.to_owned()))
            .map_err(|problems| problems_error(path, &problems))
    }
}

/// One error listing every problem in a policy file.
pub fn problems_error(path: &Path, problems: &[Problem]) -> Error {
    let list: Vec<String> = problems
        .iter()
        .map(|p| format!("  {}: {p}", path.display()))
        .collect();
    Error::refused(format!(
        "policy file {} has {} problem{}:\n{}",
        path.display(),
        problems.len(),
        if problems.len() == 1 { "" } else { "s" },
        list.join("\n")
    ))
    .with_hint(Hint::PolicyManual)
}

/// A built-in policy, hashed and parsed only when something asks for it: every
/// command starts by making the catalogue, and parsing and hashing all five was
/// over half the start-up of `show ID` or one append (callgrind).
#[derive(Debug)]
struct Builtin {
    id: &'static str,
    text: &'static str,
    hash: OnceLock<String>,
    /// The problems if the text does not check, which the test suite rules
    /// out; `Catalogue::get` reports them as a fault in escalate.
    loaded: OnceLock<Result<Arc<LoadedPolicy>, String>>,
}

impl Builtin {
    fn hash(&self) -> &str {
        self.hash.get_or_init(|| hash_text(self.text))
    }

    fn load(&self) -> &Result<Arc<LoadedPolicy>, String> {
        self.loaded.get_or_init(|| {
            LoadedPolicy::from_text(self.text.to_owned(), Origin::Builtin)
                .map(Arc::new)
                .map_err(|problems| format!("{problems:?}"))
        })
    }

    fn loaded(&self) -> Option<&Arc<LoadedPolicy>> {
        self.load().as_ref().ok()
    }
}

/// All policies a user can name: built-ins plus files in their policy directory.
#[derive(Debug, Default)]
pub struct Catalogue {
    builtins: Vec<Builtin>,
    /// Shared, because every loaded dispute refers to its policy.
    user: Vec<Arc<LoadedPolicy>>,
    /// User policy files that could not be used, with why. They are reported rather
    /// than fatal, so one bad file does not stop work under every other policy.
    pub broken: Vec<(PathBuf, Error)>,
}

fn clash(path: &Path, id: &str, other: &LoadedPolicy) -> Error {
    let whose = match &other.origin {
        Origin::File(p) => format!("the policy in {}", p.display()),
        _ => "a built-in policy".to_string(),
    };
    Error::refused(format!(
        "policy file {} uses id {id:?}, which is already {whose}",
        path.display()
    ))
    .with_hint(Hint::GivePolicyOwnId)
}

impl Catalogue {
    /// The policies shipped with escalate and nothing else.
    pub fn builtin() -> Self {
        Catalogue {
            builtins: BUILTIN
                .iter()
                .map(|&(id, text)| Builtin {
                    id,
                    text,
                    hash: OnceLock::new(),
                    loaded: OnceLock::new(),
                })
                .collect(),
            user: Vec::new(),
            broken: Vec::new(),
        }
    }

    /// Built-ins, then every `*.toml` in `user_dir` (if it exists). A user file may
    /// not reuse an id already taken: that would silently change the rules for
    /// everyone who types `--policy <id>`.
    pub fn load(user_dir: Option<&Path>) -> Result<Self> {
        let mut catalogue = Self::builtin();
        if let Some(dir) = user_dir.filter(|d| d.is_dir()) {
            let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
                .map_err(|e| Error::io(format!("could not list {}", dir.display()), e))?
                .filter_map(|entry| entry.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .collect();
            paths.sort();
            for path in paths {
                match LoadedPolicy::from_file(&path).and_then(|l| catalogue.admit(l)) {
                    Ok(loaded) => catalogue.user.push(Arc::new(loaded)),
                    Err(e) => catalogue.broken.push((path, e)),
                }
            }
        }
        Ok(catalogue)
    }

    /// Accept a policy read from a file unless its id is already taken by a
    /// different text (the same text under the same id is the same policy).
    pub fn admit(&self, loaded: LoadedPolicy) -> Result<LoadedPolicy> {
        match self.get_known(&loaded.policy.id) {
            Some(other) if other.hash != loaded.hash => {
                let path = match &loaded.origin {
                    Origin::File(p) => p.clone(),
                    _ => PathBuf::from(&loaded.policy.id),
                };
                Err(clash(&path, &loaded.policy.id, other))
            }
            _ => Ok(loaded),
        }
    }

    /// Every usable policy: the built-ins in their fixed order, then the user's.
    pub fn policies(&self) -> Vec<&Arc<LoadedPolicy>> {
        self.builtins
            .iter()
            .filter_map(Builtin::loaded)
            .chain(&self.user)
            .collect()
    }

    /// Policy ids ignore case (`--policy GSCB` is gscb), as dispute IDs do.
    fn get_known(&self, id: &str) -> Option<&Arc<LoadedPolicy>> {
        match self.builtins.iter().find(|b| b.id.eq_ignore_ascii_case(id)) {
            Some(b) => b.loaded(),
            None => self
                .user
                .iter()
                .find(|p| p.policy.id.eq_ignore_ascii_case(id)),
        }
    }

    pub fn get(&self, id: &str) -> Result<&Arc<LoadedPolicy>> {
        if let Some(p) = self.get_known(id) {
            return Ok(p);
        }
        if let Some(b) = self.builtins.iter().find(|b| b.id.eq_ignore_ascii_case(id)) {
            if let Err(problems) = b.load() {
                return Err(Error::internal(format!(
                    "built-in policy {} is invalid: {problems}",
                    b.id
                )));
            }
        }
        if let Some((_, e)) = self
            .broken
            .iter()
            .find(|(path, _)| path.file_stem().is_some_and(|s| s == id))
        {
            return Err(Error::refused(format!("policy {id:?} cannot be used: {e}"))
                .with_hint(Hint::FixPolicyFile));
        }
        let ids = self
            .builtins
            .iter()
            .map(|b| b.id.to_owned())
            .chain(self.user.iter().map(|p| p.policy.id.clone()))
            .collect();
        let shown: String = id.chars().filter(|c| !c.is_control()).take(40).collect();
        Err(
            Error::refused(format!("there is no policy called {shown:?}"))
                .with_hint(Hint::KnownPolicies { ids }),
        )
    }

    pub(crate) fn by_hash(&self, hash: &str) -> Option<&Arc<LoadedPolicy>> {
        match self.builtins.iter().find(|b| b.hash() == hash) {
            Some(b) => b.loaded(),
            None => self.user.iter().find(|p| p.hash == hash),
        }
    }
}

/// A policy file's id must be its own: a file that reuses a built-in's id could
/// not be installed (and used with --policy-file it would be mistaken for the
/// built-in; the built-in's own text is fine), and two files with one id in the
/// user's policies folder `user_dir` would leave one of them unused.
pub fn check_id_is_free(path: &Path, loaded: &LoadedPolicy, user_dir: &Path) -> Result<()> {
    let problems = id_problems(path, &loaded.text, &loaded.policy.id, user_dir);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems_error(path, &problems))
    }
}

/// What is wrong with a policy file's id (`id`, as written in `text`), with its
/// line: a built-in's id, or another file's in the policies folder. Also asked of
/// a file with other problems, so that one run lists them all.
pub fn id_problems(path: &Path, text: &str, id: &str, user_dir: &Path) -> Vec<Problem> {
    let hash = hash_text(text);
    let problem = |message: String| Problem {
        line: check::line_of_key(text, "id"),
        message,
    };
    if Catalogue::builtin()
        .policies()
        .iter()
        .any(|b| b.policy.id == id && b.hash != hash)
    {
        return vec![problem(format!(
            "id {id:?} is the id of a built-in policy; give yours its own id (e.g. add your area's name)"
        ))];
    }
    match same_id_in(user_dir, path, id, &hash) {
        Some(other) => vec![problem(format!(
            "id {id:?} is also the id of {}, in your policies folder; only one of them can be used, so give one of them another id",
            other.display()
        ))],
        None => Vec::new(),
    }
}

/// The `id` a policy text gives, if it reads as TOML at all (for a file with
/// other problems).
pub fn written_id(text: &str) -> Option<String> {
    let top: toml::Table = toml::from_str(text).ok()?;
    top.get("id")?.as_str().map(str::to_owned)
}

/// Another file in the configuration folder's policies with the same id and a
/// different text: escalate would use only the first, so the two are a problem
/// to report here, before either is relied on.
fn same_id_in(dir: &Path, path: &Path, id: &str, hash: &str) -> Option<PathBuf> {
    let me = std::fs::canonicalize(path).ok();
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    paths.into_iter().find(|other| {
        std::fs::canonicalize(other).ok() != me
            && LoadedPolicy::from_file(other).is_ok_and(|o| o.policy.id == id && o.hash != hash)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_policy_is_valid() {
        for (id, text) in BUILTIN {
            let loaded = LoadedPolicy::from_text((*text).to_owned(), Origin::Builtin)
                .unwrap_or_else(|p| panic!("{id}: {p:?}"));
            assert_eq!(&loaded.policy.id, id);
        }
    }
}
