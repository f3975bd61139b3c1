//! What each `escalate member` command (and `key rotate`, and `share init`'s
//! first admin) does to the member list: who the runner is in it, the change
//! they may make, signed with their key. The rules themselves are
//! `Members::apply`; the command line only parses and prints.

use std::path::Path;

use super::{append, load, parse_key_line, Change, Members, Refusal, Role};
use crate::domain::clock::Instant;
use crate::error::{Error, Hint, Result};
use crate::ops::Session;

/// The member list of the session's directory, or why there is none.
pub fn list(session: &Session) -> Result<Members> {
    let root = session.store.root();
    load(root)?.ok_or_else(|| no_list(root))
}

fn no_list(root: &Path) -> Error {
    let shared = crate::share::is_shared(root);
    Error::refused(format!("{} has no member list", root.display()))
        .with_hint(Hint::NoMemberList { shared })
}

/// The runner's name in the list (the person their key is valid for now).
fn me(session: &Session, members: &Members) -> Result<String> {
    let key = session.keys.signer(&session.actor)?;
    members
        .valid_owner(key.fingerprint(), &session.now)
        .map(|p| p.name.clone())
        .ok_or_else(|| {
            Error::refused(format!(
                "your key {} is not a current member's in the partnership's member list; the member list was not changed",
                key.fingerprint()
            ))
            .with_hint(Hint::NotAMember)
        })
}

/// Sign and append `change` as the runner.
fn make(session: &Session, change: Change) -> Result<Members> {
    let members = list(session)?;
    let by = me(session, &members)?;
    let key = session.keys.signer(&session.actor)?;
    append(session.store.root(), change, key, &by, session.now)
}

fn key_line(text: &str) -> Result<super::KeyLine> {
    parse_key_line(text).map_err(|why| {
        Error::refused(format!(
            "the key given is not usable: {why}; the member list was not changed"
        ))
        .with_hint(Hint::CheckKeyLine)
    })
}

/// Start the member list with the runner as its first admin (`share init` of a
/// new partnership, `member import`). Their key is valid from when it was made,
/// so what they recorded before sharing counts.
pub fn start(session: &Session, agency: &str) -> Result<Members> {
    let root = session.store.root();
    if load(root)?.is_some() {
        return Err(
            Error::refused(format!("{} already has a member list", root.display()))
                .with_hint(Hint::MemberListExists),
        );
    }
    let key = session.keys.signer(&session.actor)?;
    let from = session
        .keys
        .created()
        .map_or(session.now, |t| t.min(session.now));
    append(
        root,
        Change::MemberAdded {
            name: session.actor.clone(),
            agency: agency.to_owned(),
            role: Role::Admin,
            key: key_line(&key.public_openssh())?.public,
            valid_from: from,
            reason: "first admin: shared the data directory".into(),
        },
        key,
        &session.actor,
        session.now,
    )
}

/// `member add`: an admin admits a person with a key. The key is valid from
/// the `valid-after` date its line carries (when it was made: what a joiner
/// recorded while waiting counts), or from now.
pub fn add(
    session: &Session,
    name: &str,
    agency: &str,
    role: Role,
    key: &str,
    reason: Option<&str>,
) -> Result<Members> {
    let k = key_line(key)?;
    make(
        session,
        Change::MemberAdded {
            name: name.trim().to_owned(),
            agency: agency.trim().to_owned(),
            role,
            key: k.public,
            valid_from: k.valid_after.map_or(session.now, |t| t.min(session.now)),
            reason: reason.unwrap_or("admitted").to_owned(),
        },
    )
}

/// `member remove`: an admin says a person leaves at `as_of`.
pub fn remove(session: &Session, name: &str, as_of: Instant, reason: &str) -> Result<Members> {
    make(
        session,
        Change::MemberRemoved {
            name: name.to_owned(),
            as_of,
            reason: reason.to_owned(),
        },
    )
}

/// `member add-key`: the runner adds a second key of their own (another
/// computer), valid from now, signed with the key they have here.
pub fn add_key(session: &Session, key: &str) -> Result<Members> {
    let k = key_line(key)?;
    let members = list(session)?;
    let name = me(session, &members)?;
    make(
        session,
        Change::KeyAdded {
            name,
            key: k.public,
            valid_from: session.now,
        },
    )
}

/// `member revoke-key`: an admin ends a key at `as_of`, recording the
/// partnership commit this clone last integrated.
pub fn revoke_key(session: &Session, key: &str, as_of: Instant, reason: &str) -> Result<Members> {
    let key = key.trim();
    let fingerprint = if key.starts_with("SHA256:") && !key.contains(char::is_whitespace) {
        key.to_owned()
    } else {
        key_line(key)?.fingerprint
    };
    let root = session.store.root();
    let seen_head = crate::share::git::Git::new(root)
        .rev(crate::share::SYNCED_REF)
        .ok()
        .flatten();
    make(
        session,
        Change::KeyRevoked {
            key: fingerprint,
            as_of,
            reason: reason.to_owned(),
            seen_head,
        },
    )
}

/// `key rotate`: a new key, announced by a line signed with the old one (which
/// ends then), and only then put in place of the old (kept beside it).
pub fn rotate(session: &Session) -> Result<(Members, crate::integrity::signing::Key)> {
    let members = list(session)?;
    let name = me(session, &members)?;
    let old = session.keys.signer(&session.actor)?;
    let new = crate::integrity::signing::Key::generate(&session.actor)?;
    let members = make(
        session,
        Change::KeyRotated {
            name,
            old: old.fingerprint().to_owned(),
            new: key_line(&new.public_openssh())?.public,
            as_of: session.now,
        },
    )?;
    let new = session.keys.install(new, true)?;
    Ok((members, new))
}

/// What `member import` did with each line of the signers file.
#[derive(Debug, Default, serde::Serialize)]
pub struct Imported {
    /// Names admitted from it.
    pub added: Vec<String>,
    /// Lines not taken, with why (a second key for a name: that person adds it
    /// with `member add-key`).
    pub skipped: Vec<String>,
    /// Whether the runner became the first admin.
    pub started: bool,
}

/// `member import`: move a shared directory's `signers` file into the member
/// list. The runner becomes its first admin if it has none; each name's first
/// key is admitted as a member, valid from the date the file gave it; the
/// `signers` file is then removed (the list says who signs now).
pub fn import(session: &Session, agency: &str) -> Result<Imported> {
    let root = session.store.root();
    if !crate::share::is_shared(root) {
        return Err(no_list(root));
    }
    let path = crate::store::layout::signers(root);
    let text = match std::fs::symlink_metadata(&path) {
        Ok(_) => crate::store::fsutil::read_regular(&path, 4 * 1024 * 1024)?,
        Err(_) => String::new(),
    };
    let signers = crate::integrity::signing::Signers::parse(&text).map_err(|(line, what)| {
        Error::damaged_file(&path, format!("line {line}: {what}"), Hint::FixSignersLine)
    })?;
    let mut done = Imported::default();
    if load(root)?.is_none() {
        start(session, agency)?;
        done.started = true;
    }
    for s in &signers.entries {
        let members = list(session)?;
        if let Some((p, _)) = members.owner(&s.fingerprint) {
            done.skipped.push(format!(
                "line {}: key {} is already {}'s",
                s.line, s.fingerprint, p.name
            ));
            continue;
        }
        if members.person(&s.name).is_some() {
            done.skipped.push(format!(
                "line {}: a second key for {} ({}), which only they may add, signed by their first",
                s.line, s.name, s.fingerprint
            ));
            continue;
        }
        let change = Change::MemberAdded {
            name: s.name.clone(),
            agency: s
                .agency
                .clone()
                .unwrap_or_else(|| "(not given in the signers file)".into()),
            role: Role::Member,
            key: s.public.clone(),
            valid_from: s.valid_after.unwrap_or(members.people[0].joined),
            reason: format!("imported from the signers file, line {}", s.line),
        };
        match make(session, change) {
            Ok(_) => done.added.push(s.name.clone()),
            Err(e) => done.skipped.push(format!("line {}: {e}", s.line)),
        }
        if let Some(until) = s.valid_before {
            let _ = make(
                session,
                Change::MemberRemoved {
                    name: s.name.clone(),
                    as_of: until,
                    reason: "the signers file ended this key".into(),
                },
            );
        }
    }
    if !text.is_empty() {
        session
            .store
            .journals()
            .remove_shared(crate::store::layout::SIGNERS);
    }
    Ok(done)
}

impl From<Refusal> for Error {
    fn from(r: Refusal) -> Error {
        r.into_error()
    }
}
