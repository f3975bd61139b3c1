//! Erasure (`escalate erase`, `escalate retention apply`): a sealed dispute's
//! text made unreadable for everyone by destroying its key (crypto-shredding).
//! A signed `erased` line records who, when and why; the journal's other lines,
//! chain and signatures stay exactly as they were, so the dispute still verifies
//! and still counts in every report. Here the key store's entry is removed; in
//! a shared directory the next sync removes every other copy (`merge`,
//! `share::keyref`). Only an admin of a shared directory may erase; in an
//! unshared one, its user.

use crate::domain::clock::Instant;
use crate::domain::dispute::State;
use crate::domain::event::Event;
use crate::domain::id::DisputeId;
use crate::error::{Error, Hint, Result};
use crate::ops::{Loaded, Session};

/// Why a dispute's text is erased.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Why {
    /// Asked for on its own (a person's request), with the reason given.
    Asked(String),
    /// The partnership's retention period ended it: the period as set, and
    /// the reason recorded.
    Retention { period: String, reason: String },
}

impl Session {
    /// Refuse unless the user may erase: an admin in a shared directory.
    pub(crate) fn may_erase(&self) -> Result<()> {
        let Some(members) =
            crate::members::load(self.store.root())?.filter(|m| !m.people.is_empty())
        else {
            return Ok(());
        };
        let key = self.keys.signer(&self.actor)?;
        match members.valid_owner(key.fingerprint(), &self.now) {
            Some(p) if p.role == crate::members::Role::Admin => Ok(()),
            Some(p) => Err(Error::refused(format!(
                "only the partnership's admins may erase a dispute's text, and {} is a member; nothing was written",
                p.name
            ))
            .with_hint(Hint::AskPartnershipAdmin)),
            None => Err(Error::refused(
                "only the partnership's admins may erase a dispute's text, and your key is not on the member list; nothing was written",
            )
            .with_hint(Hint::AskPartnershipAdmin)),
        }
    }

    /// Erase dispute `typed_id`'s text: append the signed `erased` line, then
    /// destroy the key store's wrapped key. Refused (nothing written) for a
    /// user who may not, a dispute already erased, or one whose text was never
    /// sealed (its text is in its journal's lines, which are never changed).
    pub fn erase(&self, typed_id: &str, why: Why) -> Result<Loaded> {
        self.may_erase()?;
        let id = self.store.resolve(typed_id)?;
        self.erase_id(&id, why)
    }

    fn erase_id(&self, id: &DisputeId, why: Why) -> Result<Loaded> {
        let path = self.store.journal_path(id);
        let mut writer = self.store.journals().lock(id)?;
        crate::share::handgit::refuse_pulled_lines(self.store.root(), id, &*writer)?;
        let now = self.now_under_lock();
        let lines = writer.lines(writer.contents().records.len());
        let loaded = self.load_from(id.clone(), writer.contents().clone(), &lines)?;
        erasable(&loaded)?;
        let event = match why {
            Why::Asked(reason) => Event::Erased {
                reason,
                under: None,
                period: None,
            },
            Why::Retention { period, reason } => Event::Erased {
                reason,
                under: Some("retention".to_owned()),
                period: Some(period),
            },
        };
        let before = writer.contents().records.len();
        writer.append(now, None, self.author()?, event)?;
        // The line is written: from here the key must go, whatever else fails.
        crate::privacy::KeyStore::of(self.store.root()).remove(id.as_str())?;
        crate::ops::appended(loaded, &*writer, before, &path)
    }

    /// Erase every sealed dispute resolved before `before` (and owing nothing)
    /// whose text is not erased yet, under the retention `period`. Returns the
    /// disputes erased and those it could not erase (recorded before sealing),
    /// in ID order.
    pub fn apply_retention(
        &self,
        before: &Instant,
        period: &str,
        reason: &str,
    ) -> Result<Retained> {
        self.may_erase()?;
        let mut due: Vec<DisputeId> = Vec::new();
        let mut unsealed: Vec<DisputeId> = Vec::new();
        let mut unreadable: Vec<(DisputeId, Error)> = Vec::new();
        self.each_state(
            |_, loaded| loaded.map(|l| retention_due(&l, before)),
            |id, due_now| match due_now {
                Ok(Some(true)) => due.push(id),
                Ok(Some(false)) => unsealed.push(id),
                Ok(None) => {}
                Err(e) => unreadable.push((id, e)),
            },
        )?;
        let mut erased = Vec::new();
        for id in due {
            self.erase_id(
                &id,
                Why::Retention {
                    period: period.to_owned(),
                    reason: reason.to_owned(),
                },
            )?;
            erased.push(id);
        }
        Ok(Retained {
            erased,
            unsealed,
            unreadable,
        })
    }
}

/// Whether an `erased` line may destroy keys: in a shared directory only an
/// admin may erase, so a line signed by any other key (made by hand, since the
/// command refuses) destroys nothing; in an unshared one, any.
pub(crate) fn erasure_counts(
    members: &crate::members::Members,
    r: &crate::domain::event::Record,
) -> bool {
    if members.people.is_empty() {
        return true;
    }
    r.signer
        .as_deref()
        .and_then(|fp| members.valid_owner(fp, &r.at))
        .is_some_and(|p| p.role == crate::members::Role::Admin)
}

/// What `retention apply` did.
#[derive(Debug)]
pub struct Retained {
    pub erased: Vec<DisputeId>,
    /// Past the period, but recorded before sealing: their text is in their
    /// journals' lines, which escalate never changes.
    pub unsealed: Vec<DisputeId>,
    /// Could not be read (damaged): every view names them.
    pub unreadable: Vec<(DisputeId, Error)>,
}

/// Whether a dispute is past `before` under retention: `Some(true)` erasable,
/// `Some(false)` past it but never sealed, `None` not due (open, owing a duty,
/// resolved since, or already erased).
fn retention_due(l: &Loaded, before: &Instant) -> Option<bool> {
    let d = &l.dispute;
    let resolved = d.resolution.as_ref()?;
    if d.state != State::Resolved || resolved.when >= *before || d.erased.is_some() {
        return None;
    }
    if d.obligations
        .iter()
        .any(|o| o.met_by.is_none() && o.lapsed.is_none() && !o.step)
    {
        return None;
    }
    Some(d.opened.seal_to.is_some())
}

/// Refuse to erase what cannot be erased, naming why.
fn erasable(l: &Loaded) -> Result<()> {
    let d = &l.dispute;
    if let Some(e) = &d.erased {
        return Err(Error::refused(format!(
            "dispute {}'s text was already erased (line {}, by {}); nothing was written",
            d.id, e.line, e.by
        )));
    }
    if d.opened.seal_to.is_none() {
        return Err(Error::refused(format!(
            "dispute {} was recorded before escalate sealed disputes' text: its text is in its journal's lines, which escalate never changes, so it cannot be erased by destroying a key; nothing was written",
            d.id
        )));
    }
    Ok(())
}
