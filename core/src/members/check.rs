//! What sync does with the member list: the partnership's copy is taken only
//! when it is an append-only, correctly chained extension of what was shared,
//! every line signed by a key allowed to make that change at its time; anything
//! else (a hand edit, a stranger's key under a member's name, a removed list)
//! stops the sync, naming what, with nothing changed here. And whether this
//! clone's key has been admitted, without which sync sends nothing.

use std::path::Path;

use crate::error::{Error, Hint, Result};

/// Check the partnership's copy (`remote`) against the last shared one (`base`).
pub(crate) fn check_fetched(root: &Path, base: Option<&[u8]>, remote: Option<&[u8]>) -> Result<()> {
    let path = super::path_in(root);
    let refuse = |what: String| {
        Error::refused(format!(
            "the partnership's copy of the member list ({}) {what}; sync changed nothing here",
            path.display()
        ))
        .with_hint(Hint::RepairMemberList)
    };
    let Some(remote) = remote else {
        return match base {
            Some(_) => Err(refuse("was removed".into())),
            None => Ok(()),
        };
    };
    if let Some(base) = base.filter(|b| !remote.starts_with(b)) {
        let line = crate::store::journal::line::first_difference(base, remote);
        return Err(refuse(format!(
            "changed or removed line {line}, which had already been shared (the member list only ever grows)"
        )));
    }
    super::fold(remote)
        .map(|_| ())
        .map_err(|(line, what)| refuse(format!("is refused at line {line}: {what}")))
}

/// The member list sync keeps: the partnership's (checked) when only it moved
/// on, this clone's when only it did, the longer when one extends the other.
/// When both added lines since the last sync (an admin and a member changing it
/// at once), this clone's lines are added again after the partnership's, each
/// checked against the list as it now is and signed again by the key that made
/// it (clarification 9: local lines are always the local user's): the current
/// key, or a key of theirs retired since (a `key rotate` line is signed by the
/// old key); a line signed by a key this user no longer has is refused.
pub(crate) fn integrate(
    root: &Path,
    (base, remote, local): Copies<'_>,
    keys: &crate::integrity::signing::Keyring,
    key: &crate::integrity::signing::Key,
) -> Result<Option<Vec<u8>>> {
    check_fetched(root, base, remote)?;
    Ok(match (local, remote) {
        (l, r) if l == r || l == base => r.map(<[u8]>::to_vec),
        (Some(l), r) if r == base || r.is_some_and(|r| l.starts_with(r)) => {
            // Lines made here by commands: checked as they were written, and
            // again here, since what is sent must pass every member's sync.
            super::fold(l).map_err(|(n, w)| super::damaged(root, n, &w))?;
            Some(l.to_vec())
        }
        (Some(l), Some(r)) if r.starts_with(l) => Some(r.to_vec()),
        (Some(l), Some(r)) => Some(rebase(root, base.unwrap_or_default(), r, l, keys, key)?),
        (Some(_), None) => return Err(changed_twice(root)),
        // Removed here by hand: the list is never removed, so the shared one
        // is put back.
        (None, r) => r.map(<[u8]>::to_vec),
    })
}

/// The list at the last sync, in the partnership's copy, and here.
pub(crate) type Copies<'a> = (Option<&'a [u8]>, Option<&'a [u8]>, Option<&'a [u8]>);

fn changed_twice(root: &Path) -> Error {
    Error::refused(format!(
        "the member list ({}) was changed here and in the partnership's copy since the last sync, and this clone's change cannot be added after the partnership's; nothing was changed",
        super::path_in(root).display()
    ))
    .with_hint(Hint::MemberListChangedTwice)
}

/// This clone's lines after `base` in `local`, added again after `remote`.
fn rebase(
    root: &Path,
    base: &[u8],
    remote: &[u8],
    local: &[u8],
    keys: &crate::integrity::signing::Keyring,
    key: &crate::integrity::signing::Key,
) -> Result<Vec<u8>> {
    let Some(ours) = local.strip_prefix(base) else {
        return Err(changed_twice(root));
    };
    super::fold(local).map_err(|(n, w)| super::damaged(root, n, &w))?;
    let mut members = super::fold(remote).map_err(|_| changed_twice(root))?;
    let mut bytes = remote.to_vec();
    for raw in ours.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        let entry: super::Entry = serde_json::from_slice(raw).map_err(|_| changed_twice(root))?;
        let signer = entry.signer.as_deref().unwrap_or_default();
        let retired;
        let signed_by = if signer == key.fingerprint() {
            key
        } else {
            retired = keys.retired(signer).ok_or_else(|| changed_twice(root))?;
            &retired
        };
        super::push(&mut members, &mut bytes, entry.change, signed_by, &entry.by, entry.at).map_err(
            |e| {
                Error::refused(format!(
                    "a change to the member list made here is no longer allowed after the partnership's: {e}"
                ))
                .with_hint(Hint::MemberListChangedTwice)
            },
        )?;
    }
    Ok(bytes)
}

/// Why this clone must not send yet: its key is not a member's now (a joiner
/// not yet admitted, or a key that ended: its owner left, rotated it, or an
/// admin revoked it). `None`: it may send, or the directory has no member list
/// (it still uses a `signers` file).
pub(crate) fn waiting(
    root: &Path,
    key: &crate::integrity::signing::Key,
    now: &crate::domain::clock::Instant,
) -> Result<Option<NotAdmitted>> {
    let Some(members) = super::load(root)? else {
        return Ok(None);
    };
    if members.valid_owner(key.fingerprint(), now).is_some() {
        return Ok(None);
    }
    Ok(Some(NotAdmitted {
        key: key.fingerprint().to_owned(),
        ended: members
            .owner(key.fingerprint())
            .and_then(|(_, k)| k.ended.clone().or_else(|| Some("not yet valid".into()))),
    }))
}

/// This clone's key is not a member's now, so sync sent nothing.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct NotAdmitted {
    /// The key's fingerprint.
    pub key: String,
    /// Why the key, which the list has, does not count now (`None`: the list
    /// does not have it: a joiner not yet admitted).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ended: Option<String>,
}
