//! Who may read a dispute: in a shared data directory, every current member of
//! the agencies party to it (the raising and the challenged agency, aliases
//! applied) and the partnership's admins (the partnership office); in an
//! unshared one, the user's own key. The person recording is always among them,
//! so nobody seals text they cannot read back.

use std::str::FromStr;

use crate::domain::clock::Instant;
use crate::members::{Members, Role};
use crate::store::agencies::Agencies;

/// A key a dispute's key is wrapped for, and whose it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recipient {
    pub fingerprint: String,
    /// `ssh-ed25519 AAAA...`
    pub public: String,
    /// The member's name, or empty for the user's own key in an unshared directory.
    pub name: String,
    pub agency: String,
}

impl Recipient {
    /// The recorder's own key (`agency` left empty: it is not the member list's).
    pub(crate) fn own(key: &crate::integrity::signing::Key, name: &str) -> Recipient {
        Recipient {
            fingerprint: key.fingerprint().to_owned(),
            public: key.public_openssh(),
            name: name.to_owned(),
            agency: String::new(),
        }
    }

    /// A member's key.
    pub(crate) fn member(p: &crate::members::Person, k: &crate::members::KeyLife) -> Recipient {
        Recipient {
            fingerprint: k.fingerprint.clone(),
            public: k.public.clone(),
            name: p.name.clone(),
            agency: p.agency.clone(),
        }
    }

    pub(crate) fn age(&self) -> std::result::Result<age::ssh::Recipient, String> {
        age::ssh::Recipient::from_str(self.public.trim())
            .map_err(|_| format!("{} is not an ssh-ed25519 key", self.fingerprint))
    }
}

/// The agencies that may read a dispute between `from` and `with`, by the
/// names the member list gives them: the parties, then the partnership office
/// (whatever agency the admins belong to). For "sealed: shared with ...".
pub fn readers_agencies(
    members: &Members,
    agencies: &Agencies,
    (from, with): (&str, &str),
    at: &Instant,
) -> Vec<String> {
    let mut out: Vec<String> = vec![
        agencies.canonical(from).into_owned(),
        agencies.canonical(with).into_owned(),
    ];
    for p in &members.people {
        if p.role == Role::Admin && p.current(at) {
            let name = agencies.canonical(&p.agency).into_owned();
            if !out.iter().any(|o| agencies.matcher(o).matches(&name)) {
                out.push(name);
            }
        }
    }
    out.dedup();
    out
}

/// Everyone in `members` who may read a dispute between `from` and `with` at
/// `at`, with each of their keys valid then, plus `own` (the recorder's key).
pub fn for_dispute(
    members: &Members,
    agencies: &Agencies,
    (from, with): (&str, &str),
    at: &Instant,
    own: Option<Recipient>,
) -> Vec<Recipient> {
    let (from, with) = (agencies.matcher(from), agencies.matcher(with));
    let mut out: Vec<Recipient> = Vec::new();
    for p in &members.people {
        // The matchers hold every alias of the two agencies.
        let party = from.matches(&p.agency) || with.matches(&p.agency);
        if !p.current(at) || p.joined > *at || !(party || p.role == Role::Admin) {
            continue;
        }
        out.extend(
            p.keys
                .iter()
                .filter(|k| k.valid_at(at))
                .map(|k| Recipient::member(p, k)),
        );
    }
    out.extend(own);
    out.sort_by(|a, b| a.fingerprint.cmp(&b.fingerprint));
    out.dedup_by(|a, b| a.fingerprint == b.fingerprint);
    out
}
