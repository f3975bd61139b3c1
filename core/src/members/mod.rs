//! The partnership's member list (`members.jsonl`): who is in a shared data
//! directory, with which keys, from when to when, and who said so. It is a
//! journal like a dispute's (numbered, chained, sealed, each line signed), and
//! the only way it changes is by a command: this module owns its changes, the
//! rules every change must pass, the fold of its lines into [`Members`], and the
//! [`Signers`] the rest of escalate judges lines against. It does not decide
//! whether a dispute's line counts (that is `integrity`), nor print anything.
//!
//! The rules are checked in one place ([`Members::apply`]) for a command before
//! it writes and for every line read, so a line a command would refuse can never
//! be read as valid either.

pub mod check;
pub mod commands;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use ssh_key::{HashAlg, PublicKey};

use crate::domain::clock::Instant;
use crate::error::{Error, Hint, Result};
use crate::integrity::signing::{Key, Revocation, Signer, Signers};
use crate::store::journal::line;

/// The SSHSIG namespace of a member-list line: a dispute line's signature (or a
/// witness's) can never pass as a change to who is in the partnership.
pub(crate) const NAMESPACE: &str = "escalate-members";

/// A member list larger than this is not one escalate wrote (each line is under
/// a kilobyte; a partnership of thousands changes it a few thousand times).
const MAX_BYTES: u64 = 16 * 1024 * 1024;

/// `admin` may change the list (the partnership office); `member` may record
/// and manage only their own keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Member,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Member => "member",
        }
    }
}

/// One change to the member list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Change {
    /// An admin admits a person (the first line: the first admin admits
    /// themselves, signed by the key it adds).
    MemberAdded {
        name: String,
        agency: String,
        role: Role,
        /// `ssh-ed25519 AAAA...` (no comment).
        key: String,
        #[serde(with = "crate::domain::clock::rfc3339")]
        valid_from: Instant,
        reason: String,
    },
    /// An admin says a person leaves at `as_of` (possibly in the future): every
    /// key of theirs ends then.
    MemberRemoved {
        name: String,
        #[serde(with = "crate::domain::clock::rfc3339")]
        as_of: Instant,
        reason: String,
    },
    /// A member adds a second key (another computer), signed by a key of theirs.
    KeyAdded {
        name: String,
        key: String,
        #[serde(with = "crate::domain::clock::rfc3339")]
        valid_from: Instant,
    },
    /// A member replaces a key, signed by the old one, which ends at `as_of`
    /// (when the new one was made; never after the line); the new one starts
    /// then. Its own time, because a line sync adds again after the
    /// partnership's is dated no earlier than theirs.
    KeyRotated {
        name: String,
        /// The old key's fingerprint.
        old: String,
        new: String,
        #[serde(with = "crate::domain::clock::rfc3339")]
        as_of: Instant,
    },
    /// An admin ends a key at `as_of` (a lost or stolen laptop). `seen_head`:
    /// the partnership's newest commit the admin's clone had, so that lines the
    /// key signed that were not in that history can be told apart, whatever
    /// time they claim.
    KeyRevoked {
        /// The key's fingerprint.
        key: String,
        #[serde(with = "crate::domain::clock::rfc3339")]
        as_of: Instant,
        reason: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        seen_head: Option<String>,
    },
    /// An admin makes a member an admin or an admin a member.
    RoleChanged {
        name: String,
        role: Role,
        reason: String,
    },
}

impl line::Signable for Entry {
    fn unsigned(&mut self, format: u32, signer: &str) {
        self.v = format;
        self.signer = Some(signer.to_owned());
        self.sig = None;
        self.hash = String::new();
    }
    fn signed(&mut self, sig: String, hash: String) {
        self.sig = Some(sig);
        self.hash = hash;
    }
}

/// One line of the member list.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Entry {
    pub v: u32,
    pub seq: u64,
    /// When the line was recorded.
    #[serde(with = "crate::domain::clock::rfc3339")]
    pub at: Instant,
    /// The member (by name) whose key signed it.
    pub by: String,
    #[serde(flatten)]
    pub change: Change,
    /// SHA-256 of the previous line's bytes; empty on line 1.
    pub prev: String,
    /// Line 1: random bytes (hex), so no two partnerships' lists share a head.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sig: Option<String>,
    #[serde(default)]
    pub hash: String,
}

/// One key's life in the list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KeyLife {
    pub fingerprint: String,
    /// `ssh-ed25519 AAAA...`.
    pub public: String,
    #[serde(with = "crate::domain::clock::rfc3339")]
    pub valid_from: Instant,
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "crate::domain::clock::rfc3339::option"
    )]
    pub valid_until: Option<Instant>,
    /// Why it ended (rotated, revoked: the reason, the member left).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ended: Option<String>,
    /// The member-list line that added it.
    pub line: u64,
}

impl KeyLife {
    pub(crate) fn valid_at(&self, at: &Instant) -> bool {
        *at >= self.valid_from && self.valid_until.is_none_or(|u| *at < u)
    }

    fn end(&mut self, at: Instant, why: &str) {
        if self.valid_until.is_none_or(|u| at < u) {
            self.valid_until = Some(at);
            self.ended = Some(why.to_owned());
        }
    }
}

/// A person in the list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Person {
    pub name: String,
    pub agency: String,
    pub role: Role,
    #[serde(with = "crate::domain::clock::rfc3339")]
    pub joined: Instant,
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "crate::domain::clock::rfc3339::option"
    )]
    pub leaves: Option<Instant>,
    pub keys: Vec<KeyLife>,
}

impl Person {
    pub(crate) fn current(&self, at: &Instant) -> bool {
        self.leaves.is_none_or(|l| *at < l)
    }
}

/// The member list folded: everyone ever admitted, and every revocation.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Members {
    pub people: Vec<Person>,
    pub revocations: Vec<Revocation>,
    /// SHA-256 of the last line (empty before any).
    #[serde(skip)]
    pub head: String,
    #[serde(skip)]
    pub lines: u64,
    /// The last line's time: no line may be recorded before the one before it,
    /// so a stolen key cannot slip a backdated change in after its revocation.
    #[serde(skip)]
    pub last_at: Option<Instant>,
}

/// Why a change is not allowed, in words (a command refuses with it; a line read
/// with it is damage).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The key signing it may not make this change.
    NotAllowed(String),
    NotAdmin(String),
    UnknownMember(String),
    KeyTaken(String),
    BeforeJoining(String),
    LastAdmin(String),
    Other(String),
}

impl Refusal {
    pub fn words(&self) -> &str {
        match self {
            Refusal::NotAllowed(s)
            | Refusal::NotAdmin(s)
            | Refusal::UnknownMember(s)
            | Refusal::KeyTaken(s)
            | Refusal::BeforeJoining(s)
            | Refusal::LastAdmin(s)
            | Refusal::Other(s) => s,
        }
    }

    /// The refusal as a command's error: nothing was written.
    pub fn into_error(self) -> Error {
        let e = Error::refused(format!("{}; the member list was not changed", self.words()));
        match self {
            Refusal::NotAdmin(_) | Refusal::NotAllowed(_) => e.with_hint(Hint::AskPartnershipAdmin),
            Refusal::LastAdmin(_) => e.with_hint(Hint::AddAnotherAdminFirst),
            _ => e.with_hint(Hint::ListMembers),
        }
    }
}

/// A public key given by a user: the key, its fingerprint, and the
/// `valid-after` time when it came as a signers line (`escalate key show`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyLine {
    pub public: String,
    pub fingerprint: String,
    pub valid_after: Option<Instant>,
}

/// Read a key as `escalate key show` prints it (a signers line), or as an
/// OpenSSH public key line (`ssh-ed25519 AAAA... comment`).
pub fn parse_key_line(text: &str) -> std::result::Result<KeyLine, String> {
    let text = text.trim();
    let bad = || {
        "it is not a key line: expected an OpenSSH public key (ssh-ed25519 AAAA...), as the key command shows it"
            .to_string()
    };
    if text.contains('\n') {
        return Err("it holds more than one line; give one key".into());
    }
    let words: Vec<&str> = text.split_whitespace().collect();
    let at = words
        .iter()
        .position(|w| w.starts_with("ssh-") || w.starts_with("ecdsa-"))
        .ok_or_else(bad)?;
    let blob = words.get(at + 1).ok_or_else(bad)?;
    let public = PublicKey::from_openssh(&format!("{} {blob}", words[at])).map_err(|_| bad())?;
    if !matches!(public.key_data(), ssh_key::public::KeyData::Ed25519(_)) {
        return Err("it is not an ed25519 key, the only kind escalate signs with".into());
    }
    let valid_after = match text.find("valid-after=\"") {
        Some(i) if i < text.find(words[at]).unwrap_or(0) => {
            let rest = &text[i + "valid-after=\"".len()..];
            let v = rest.split('"').next().unwrap_or_default();
            Some(crate::integrity::signing::parse_time(v)?)
        }
        _ => None,
    };
    Ok(KeyLine {
        public: format!("{} {blob}", words[at]),
        fingerprint: public.fingerprint(HashAlg::Sha256).to_string(),
        valid_after,
    })
}

/// The fingerprint of a stored `ssh-ed25519 AAAA...` key.
fn fingerprint_of(public: &str) -> std::result::Result<String, String> {
    PublicKey::from_openssh(public)
        .map(|k| k.fingerprint(HashAlg::Sha256).to_string())
        .map_err(|_| format!("{public:?} is not an OpenSSH public key"))
}

impl Members {
    pub fn person(&self, name: &str) -> Option<&Person> {
        self.people.iter().find(|p| p.name == name)
    }

    fn person_mut(&mut self, name: &str) -> Option<&mut Person> {
        self.people.iter_mut().find(|p| p.name == name)
    }

    /// The person a key belongs to (ever), and the key.
    pub fn owner(&self, fingerprint: &str) -> Option<(&Person, &KeyLife)> {
        self.people.iter().find_map(|p| {
            p.keys
                .iter()
                .find(|k| k.fingerprint == fingerprint)
                .map(|k| (p, k))
        })
    }

    /// The person whose key `fingerprint` is valid at `at`. A key's dates lie
    /// within a stint of membership (leaving ends every key), so a person who
    /// left and was admitted again keeps their earlier keys' lines.
    pub fn valid_owner(&self, fingerprint: &str, at: &Instant) -> Option<&Person> {
        self.owner(fingerprint)
            .filter(|(_, k)| k.valid_at(at))
            .map(|(p, _)| p)
    }

    /// The first admin (line 1): whom a joiner confirms by phone.
    pub fn first_admin(&self) -> Option<(&Person, &KeyLife)> {
        let p = self.people.first()?;
        Some((p, p.keys.first()?))
    }

    fn admins_after(&self, at: &Instant) -> usize {
        self.people
            .iter()
            .filter(|p| p.role == Role::Admin && p.current(at))
            .count()
    }

    fn key_is_free(&self, fingerprint: &str) -> std::result::Result<(), Refusal> {
        match self.owner(fingerprint) {
            Some((p, _)) => Err(Refusal::KeyTaken(format!(
                "key {fingerprint} is already {}'s in the member list (a key belongs to one person)",
                p.name
            ))),
            None => Ok(()),
        }
    }

    fn require_admin(
        &self,
        signer: &str,
        at: &Instant,
        what: &str,
    ) -> std::result::Result<(), Refusal> {
        match self.valid_owner(signer, at) {
            Some(p) if p.role == Role::Admin => Ok(()),
            Some(p) => Err(Refusal::NotAdmin(format!(
                "only a partnership admin may {what}, and {} is not one",
                p.name
            ))),
            None => Err(Refusal::NotAdmin(format!(
                "only a partnership admin may {what}, and key {signer} is not a current admin's"
            ))),
        }
    }

    fn known(&self, name: &str) -> std::result::Result<&Person, Refusal> {
        self.person(name)
            .ok_or_else(|| Refusal::UnknownMember(format!("{name:?} is not in the member list")))
    }

    /// Apply one change signed by `signer` at `at` (line `seq`), checking every
    /// rule; on refusal nothing changes.
    pub fn apply(
        &mut self,
        change: &Change,
        signer: &str,
        at: &Instant,
        seq: u64,
    ) -> std::result::Result<(), Refusal> {
        match change {
            Change::MemberAdded {
                name,
                agency,
                role,
                key,
                valid_from,
                ..
            } => {
                let fp = fingerprint_of(key).map_err(Refusal::Other)?;
                if self.people.is_empty() {
                    // The first line: the first admin admits themselves.
                    if *role != Role::Admin || fp != signer {
                        return Err(Refusal::NotAllowed(
                            "the member list's first line must be its first admin adding their own key, signed by it".into(),
                        ));
                    }
                } else {
                    self.require_admin(signer, at, "admit someone")?;
                }
                if name.trim().is_empty() || agency.trim().is_empty() {
                    return Err(Refusal::Other("a member needs a name and an agency".into()));
                }
                if let Some(p) = self.person(name).filter(|p| p.current(at)) {
                    return Err(Refusal::Other(format!(
                        "{} is already a member ({})",
                        p.name, p.agency
                    )));
                }
                self.key_is_free(&fp)?;
                let life = KeyLife {
                    fingerprint: fp,
                    public: key.clone(),
                    valid_from: *valid_from,
                    valid_until: None,
                    ended: None,
                    line: seq,
                };
                // A leaver admitted again is the same person with a new stint.
                if let Some(p) = self.person_mut(name) {
                    p.agency = agency.clone();
                    p.role = *role;
                    p.joined = *valid_from;
                    p.leaves = None;
                    p.keys.push(life);
                } else {
                    self.people.push(Person {
                        name: name.clone(),
                        agency: agency.clone(),
                        role: *role,
                        joined: *valid_from,
                        leaves: None,
                        keys: vec![life],
                    });
                }
            }
            Change::MemberRemoved { name, as_of, .. } => {
                self.require_admin(signer, at, "remove a member")?;
                let p = self.known(name)?;
                if !p.current(at) {
                    return Err(Refusal::UnknownMember(format!("{name} has already left")));
                }
                if *as_of < p.joined {
                    return Err(Refusal::BeforeJoining(format!(
                        "{name} joined on {}, after the date given ({})",
                        crate::domain::clock::human_instant(&p.joined),
                        crate::domain::clock::human_instant(as_of)
                    )));
                }
                if p.role == Role::Admin && self.admins_after(at) <= 1 {
                    return Err(Refusal::LastAdmin(format!(
                        "{name} is the partnership's last admin, and there must always be one"
                    )));
                }
                let p = self.person_mut(name).expect("known above");
                p.leaves = Some(*as_of);
                for k in &mut p.keys {
                    k.end(*as_of, "the member left");
                }
            }
            Change::KeyAdded {
                name,
                key,
                valid_from,
            } => {
                let fp = fingerprint_of(key).map_err(Refusal::Other)?;
                let p = self.known(name)?;
                if self.valid_owner(signer, at).map(|o| &o.name) != Some(&p.name) {
                    return Err(Refusal::NotAllowed(format!(
                        "a key can be added for {name} only by {name}, signed with a key of theirs that is valid now"
                    )));
                }
                self.key_is_free(&fp)?;
                let p = self.person_mut(name).expect("known above");
                p.keys.push(KeyLife {
                    fingerprint: fp,
                    public: key.clone(),
                    valid_from: *valid_from,
                    valid_until: p.leaves,
                    ended: None,
                    line: seq,
                });
            }
            Change::KeyRotated {
                name,
                old,
                new,
                as_of,
            } => {
                let fp = fingerprint_of(new).map_err(Refusal::Other)?;
                let p = self.known(name)?;
                if old != signer || self.valid_owner(signer, at).map(|o| &o.name) != Some(&p.name) {
                    return Err(Refusal::NotAllowed(format!(
                        "a key of {name}'s can be rotated only with a line signed by that key while it is valid"
                    )));
                }
                if *as_of > *at || self.valid_owner(signer, as_of).map(|o| &o.name) != Some(&p.name)
                {
                    return Err(Refusal::NotAllowed(format!(
                        "a key of {name}'s can be rotated only from a time it was valid, not after the line"
                    )));
                }
                self.key_is_free(&fp)?;
                let p = self.person_mut(name).expect("known above");
                if let Some(k) = p.keys.iter_mut().find(|k| k.fingerprint == *old) {
                    k.end(*as_of, "rotated");
                }
                p.keys.push(KeyLife {
                    fingerprint: fp,
                    public: new.clone(),
                    valid_from: *as_of,
                    valid_until: p.leaves,
                    ended: None,
                    line: seq,
                });
            }
            Change::KeyRevoked {
                key,
                as_of,
                reason,
                seen_head,
            } => {
                self.require_admin(signer, at, "revoke a key")?;
                let Some((p, _)) = self.owner(key) else {
                    return Err(Refusal::UnknownMember(format!(
                        "key {key} is not in the member list"
                    )));
                };
                let name = p.name.clone();
                if *as_of < p.joined {
                    return Err(Refusal::BeforeJoining(format!(
                        "{name} joined on {}, after the date given ({})",
                        crate::domain::clock::human_instant(&p.joined),
                        crate::domain::clock::human_instant(as_of)
                    )));
                }
                let by = self
                    .valid_owner(signer, at)
                    .map(|p| p.name.clone())
                    .unwrap_or_default();
                let p = self.person_mut(&name).expect("owner above");
                if let Some(k) = p.keys.iter_mut().find(|k| k.fingerprint == *key) {
                    k.end(*as_of, &format!("revoked: {reason}"));
                }
                let mut r = Revocation::new(
                    key.clone(),
                    *as_of,
                    reason.clone(),
                    by,
                    *at,
                    seen_head.clone(),
                );
                r.line = Some(seq);
                self.revocations.push(r);
            }
            Change::RoleChanged { name, role, .. } => {
                self.require_admin(signer, at, "change a member's role")?;
                let p = self.known(name)?;
                if !p.current(at) {
                    return Err(Refusal::UnknownMember(format!("{name} has left")));
                }
                if p.role == Role::Admin && *role != Role::Admin && self.admins_after(at) <= 1 {
                    return Err(Refusal::LastAdmin(format!(
                        "{name} is the partnership's last admin, and there must always be one"
                    )));
                }
                self.person_mut(name).expect("known above").role = *role;
            }
        }
        Ok(())
    }

    /// Who may sign dispute lines, from when to when: one entry per key, with
    /// the revocations for `integrity` to judge lines by.
    pub fn signers(&self) -> Signers {
        let mut entries = Vec::new();
        for p in &self.people {
            for k in &p.keys {
                entries.push(Signer {
                    name: p.name.clone(),
                    agency: Some(p.agency.clone()),
                    valid_after: Some(k.valid_from),
                    valid_before: k.valid_until,
                    fingerprint: k.fingerprint.clone(),
                    public: k.public.clone(),
                    line: usize::try_from(k.line).unwrap_or(usize::MAX),
                });
            }
        }
        Signers {
            entries,
            revoked: self.revocations.clone(),
            history: None,
        }
    }

    /// An OpenSSH `allowed_signers` file: one line per key, with its validity,
    /// for `ssh-keygen -Y verify -n escalate-journal`.
    pub fn allowed_signers(&self) -> String {
        let mut out = String::from(
            "# Written by `escalate member export --allowed-signers` from the member list.\n",
        );
        let stamp = |t: &Instant| {
            t.with_timezone(&chrono::Utc)
                .format("%Y%m%d%H%M%S")
                .to_string()
        };
        for p in &self.people {
            for k in &p.keys {
                let escaped = p.name.replace('\\', "\\\\").replace('"', "\\\"");
                let mut options = format!(
                    "namespaces=\"{}\",valid-after=\"{}Z\"",
                    crate::integrity::signing::NAMESPACE,
                    stamp(&k.valid_from)
                );
                if let Some(u) = &k.valid_until {
                    options.push_str(&format!(",valid-before=\"{}Z\"", stamp(u)));
                }
                out.push_str(&format!(
                    "\"{escaped}\" {options} {} {}\n",
                    k.public, p.agency
                ));
            }
        }
        out
    }
}

/// The member list's path in a data directory.
pub fn path_in(root: &Path) -> PathBuf {
    crate::store::layout::members(root)
}

/// Parse and check member-list bytes: every line sealed, numbered, chained,
/// signed by the key it names, and allowed by the rules at its time. Damage is
/// `(line, what)`.
pub fn fold(bytes: &[u8]) -> std::result::Result<Members, (u64, String)> {
    let mut members = Members::default();
    if bytes.is_empty() {
        return Err((1, "the member list is empty".into()));
    }
    if !bytes.ends_with(b"\n") {
        return Err((
            bytes.iter().filter(|&&b| b == b'\n').count() as u64 + 1,
            "its last line is not complete (no line end)".into(),
        ));
    }
    let mut prev = String::new();
    for (i, raw) in bytes[..bytes.len() - 1].split(|&b| b == b'\n').enumerate() {
        let n = i as u64 + 1;
        if raw.is_empty() {
            return Err((n, "the line is empty".into()));
        }
        let entry = read_line(raw, n, &prev)?;
        if members.last_at.is_some_and(|t| entry.at < t) {
            return Err((
                n,
                "it is dated before the line before it (a change is never backdated)".into(),
            ));
        }
        members.last_at = Some(entry.at);
        let signer = entry.signer.clone().unwrap_or_default();
        members
            .apply(&entry.change, &signer, &entry.at, n)
            .map_err(|r| (n, r.words().to_owned()))?;
        let by_ok = members
            .owner(&signer)
            .is_some_and(|(p, _)| p.name == entry.by);
        if !by_ok {
            return Err((
                n,
                format!("it says it is by {:?}, but its key is not theirs", entry.by),
            ));
        }
        prev = line::sha256_hex(raw);
        members.lines = n;
    }
    members.head = prev;
    Ok(members)
}

/// One line read and checked on its own and against the line before.
fn read_line(raw: &[u8], n: u64, prev: &str) -> std::result::Result<Entry, (u64, String)> {
    if line::version(raw).is_some_and(|v| v > u64::from(line::MEMBERS_FORMAT)) {
        return Err((
            n,
            "it was written by a newer escalate; install the partnership's version".into(),
        ));
    }
    if !line::seal_ok(raw) {
        return Err((n, "its seal does not match (it was changed by hand)".into()));
    }
    let entry: Entry = serde_json::from_slice(raw)
        .map_err(|e| (n, format!("it is not a member-list line ({e})")))?;
    if entry.seq != n {
        return Err((n, format!("it is numbered {} where {n} belongs", entry.seq)));
    }
    if entry.prev != prev {
        return Err((
            n,
            "it does not follow the line before (a line was changed, removed or put in)".into(),
        ));
    }
    let (msg, sig) = line::signed_part(raw).ok_or((n, "it is not signed".to_string()))?;
    let signer = entry.signer.as_deref().unwrap_or_default();
    crate::integrity::signing::check_in(NAMESPACE, msg, sig, signer).map_err(|w| (n, w))?;
    Ok(entry)
}

/// The member list of a shared data directory: `None` when there is none (an
/// unshared directory, or a shared one still on its `signers` file).
pub fn load(root: &Path) -> Result<Option<Members>> {
    Ok(match read_bytes(root)? {
        None => None,
        Some(bytes) => Some(fold(&bytes).map_err(|(n, what)| damaged(root, n, &what))?),
    })
}

/// The member list's bytes, if there is one in a shared directory.
pub(crate) fn read_bytes(root: &Path) -> Result<Option<Vec<u8>>> {
    if !crate::share::is_shared(root) {
        return Ok(None);
    }
    let path = path_in(root);
    match crate::store::fsutil::read_limited(&path, MAX_BYTES, crate::store::fsutil::Links::Refuse)
    {
        Ok(b) => Ok(Some(b)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(format!("could not read {}", path.display()), e)),
    }
}

pub(crate) fn damaged(root: &Path, line: u64, what: &str) -> Error {
    Error::damaged_file(
        path_in(root),
        format!("line {line}: {what}"),
        Hint::RepairMemberList,
    )
}

/// The signers a list gives with the hash of its bytes, or where it is damaged:
/// (file, line, what).
pub(crate) type Derived = std::result::Result<(Signers, String), (PathBuf, u64, String)>;

/// The signers a shared directory's member list gives, with the SHA-256 of its
/// bytes: `None` when it has none. A damaged list is `Err((line, what))`.
pub(crate) fn signers_in(root: &Path) -> Option<Derived> {
    let bytes = match read_bytes(root) {
        Ok(Some(b)) => b,
        Ok(None) => return None,
        Err(e) => return Some(Err((path_in(root), 0, e.to_string()))),
    };
    let hash = format!("members {}", line::sha256_hex(&bytes));
    Some(
        fold(&bytes)
            .map(|m| (m.signers(), hash))
            .map_err(|(n, w)| (path_in(root), n, w)),
    )
}

/// Append `change`, signed by `key` as `by`, at `at`, after checking it against
/// the list as it is (again under the list's lock). Returns the list with it
/// applied. A refusal creates nothing, not even the lock file.
pub fn append(root: &Path, change: Change, key: &Key, by: &str, at: Instant) -> Result<Members> {
    let (members, _) = read_current(root)?;
    members
        .clone()
        .apply(&change, key.fingerprint(), &at, members.lines + 1)
        .map_err(Refusal::into_error)?;
    let path = path_in(root);
    crate::store::fsutil::private_dir(&crate::store::layout::sync_state(root))?;
    let _lock = crate::store::fsutil::lock_file(
        &crate::store::layout::members_lock(root),
        crate::store::journal::LOCK_WAIT,
        || {
            Error::refused(format!(
                "{} is in use by another escalate command; nothing was written",
                path.display()
            ))
            .with_hint(Hint::WaitForOtherCommand)
        },
    )?;
    let (mut members, mut bytes) = read_current(root)?;
    push(&mut members, &mut bytes, change, key, by, at)?;
    // The whole list is written beside it and renamed over it: every earlier
    // line is kept byte for byte, and a crash leaves the old list or the new.
    crate::store::fsutil::replace_file(&path, &bytes)?;
    Ok(members)
}

/// The list as it is on disk, folded, with its bytes (empty: none yet).
fn read_current(root: &Path) -> Result<(Members, Vec<u8>)> {
    let path = path_in(root);
    let bytes = match crate::store::fsutil::read_limited(
        &path,
        MAX_BYTES,
        crate::store::fsutil::Links::Refuse,
    ) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(Error::io(format!("could not read {}", path.display()), e)),
    };
    let members = if bytes.is_empty() {
        Members::default()
    } else {
        fold(&bytes).map_err(|(n, w)| damaged(root, n, &w))?
    };
    Ok((members, bytes))
}

/// Check `change` against `members`, then add it as a signed line to `bytes`
/// (the list `members` was folded from).
pub(crate) fn push(
    members: &mut Members,
    bytes: &mut Vec<u8>,
    change: Change,
    key: &Key,
    by: &str,
    at: Instant,
) -> Result<()> {
    let seq = members.lines + 1;
    // A clock behind the last change's (another computer's) dates this one with
    // it, never before it.
    let at = members.last_at.map_or(at, |t| t.max(at));
    members
        .apply(&change, key.fingerprint(), &at, seq)
        .map_err(Refusal::into_error)?;
    let mut entry = Entry {
        v: line::MEMBERS_FORMAT,
        seq,
        at,
        by: by.to_owned(),
        change,
        prev: members.head.clone(),
        nonce: (seq == 1).then(line::fresh_nonce).transpose()?,
        signer: Some(key.fingerprint().to_owned()),
        sig: None,
        hash: String::new(),
    };
    let text = line::encode_signed_in(NAMESPACE, &mut entry, key)?;
    bytes.extend_from_slice(text.as_bytes());
    bytes.push(b'\n');
    members.head = line::sha256_hex(text.as_bytes());
    members.lines = seq;
    members.last_at = Some(at);
    Ok(())
}

#[cfg(test)]
mod tests;
