//! What a clone's key store becomes after a sync: its own wrapped keys and the
//! partnership's (fetched from the keys ref) taken together, minus every erased
//! dispute's, each re-wrapped where the user can and who may read the dispute
//! has changed (a member joined a party agency, or left). The same rule in
//! every clone, whatever order they sync in: an erasure (a signed `erased` line
//! in the journal, which every clone has by then) always wins, so a clone that
//! has not heard of it cannot bring a key back.

use std::collections::{BTreeMap, BTreeSet};

use super::{Entry, Readers, Recipient};
use crate::error::Result;

/// What a dispute's key should be, from its journal and the member list.
pub struct Wanted {
    /// The dispute's public key (its `opened` line's `seal_to`).
    pub seal_to: String,
    /// Everyone who should be able to unwrap it now.
    pub recipients: Vec<Recipient>,
    /// Its text has been erased: no key may remain anywhere.
    pub erased: bool,
}

/// The merged key store.
#[derive(Debug, Default)]
pub struct Merged {
    /// Every wrapped key kept, by dispute ID: what the key store and the keys
    /// ref should both hold.
    pub entries: BTreeMap<String, Vec<u8>>,
    /// Disputes whose keys were destroyed here (erased).
    pub dropped: Vec<String>,
    /// Disputes whose keys were wrapped again for who may read them now.
    pub rewrapped: Vec<String>,
    /// Entries from the partnership that were not taken, and why (damage, or a
    /// key that is not the dispute's): named, never used.
    pub refused: Vec<(String, String)>,
}

/// Merge the key store's `local` entries with the partnership's `fetched`;
/// `wanted` says what each dispute needs (`None`: no such dispute here yet;
/// its key is kept as it is).
pub fn merge(
    local: &BTreeMap<String, Vec<u8>>,
    fetched: &BTreeMap<String, Vec<u8>>,
    readers: &Readers,
    wanted: &dyn Fn(&str) -> Option<Wanted>,
) -> Result<Merged> {
    let mut out = Merged::default();
    let ids: BTreeSet<&String> = local.keys().chain(fetched.keys()).collect();
    for id in ids {
        let want = wanted(id);
        if want.as_ref().is_some_and(|w| w.erased) {
            out.dropped.push(id.clone());
            continue;
        }
        let parse = |bytes: Option<&Vec<u8>>, from_partnership: bool, out: &mut Merged| {
            let bytes = bytes?;
            match Entry::parse(id, bytes) {
                Ok(e) => Some((e, bytes.clone())),
                Err(why) => {
                    if from_partnership {
                        out.refused.push((id.clone(), why));
                    }
                    None
                }
            }
        };
        let mine = parse(local.get(id), false, &mut out);
        let theirs = parse(fetched.get(id), true, &mut out);
        // An entry that opens to the dispute's own key beats one that does not
        // (or that the user cannot judge); the user's own copy beats an equal.
        let opens = |e: &Entry| {
            let key = e.unwrap(readers)?;
            match &want {
                Some(w) if key.recipient() != w.seal_to => None,
                _ => Some(key),
            }
        };
        let mut chosen = None;
        for candidate in [mine.clone(), theirs.clone()].into_iter().flatten() {
            if let Some(key) = opens(&candidate.0) {
                chosen = Some((candidate, Some(key)));
                break;
            }
        }
        if chosen.is_none() {
            if let (Some((e, _)), Some(w)) = (&theirs, &want) {
                if !readers.is_empty()
                    && e.to.iter().any(|f| readers.holds(f))
                    && opens(e).is_none()
                {
                    let _ = w;
                    out.refused.push((
                        id.clone(),
                        "it is wrapped for your key but does not open to the dispute's key".into(),
                    ));
                }
            }
            chosen = mine.or(theirs).map(|c| (c, None));
        }
        let Some(((entry, bytes), key)) = chosen else {
            continue;
        };
        let bytes = match (key, &want) {
            (Some(key), Some(w))
                if !w.recipients.is_empty() && !entry.wrapped_for(&w.recipients) =>
            {
                out.rewrapped.push(id.clone());
                Entry::wrap(id, &key, &w.recipients)?.to_bytes()
            }
            _ => bytes,
        };
        out.entries.insert(id.clone(), bytes);
    }
    Ok(out)
}
