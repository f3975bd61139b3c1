//! Whom a dispute is about, for `export --subject`: its first line's subject
//! reference, opened with the user's key when it is sealed. Only the first
//! line is opened (one key unwrapped, one line decrypted), so a search over
//! every dispute does not open every line of each; what is then exported is
//! loaded and checked in full. Nothing opened is written anywhere.

use crate::domain::event::{Event, Record};
use crate::domain::id::DisputeId;
use crate::error::Result;
use crate::ops::Session;

impl Session {
    /// Dispute `id`'s subject reference as its first line gives it: in clear on
    /// a dispute written before sealing, opened with the user's key on a sealed
    /// one; `None` when it is sealed and no key of the user's opens it, or its
    /// text was erased. The journal's own checks are made as it is read; its
    /// signatures are not (a search only chooses what to load, and loading
    /// checks them).
    pub fn subject_reference(&self, id: &DisputeId) -> Result<Option<String>> {
        let mut first: Option<Record> = None;
        let mut erased = false;
        drop(self.store.journals().stream(id, &mut |r, _| {
            if r.seq == 1 && first.is_none() {
                first = Some(r.clone());
            }
            erased |= matches!(r.event, Event::Erased { .. });
        })?);
        let Some(mut first) = first else {
            return Ok(None);
        };
        let seal_to = match &first.event {
            Event::Opened(o) => o.seal_to.clone(),
            _ => return Ok(None),
        };
        let Some(seal_to) = seal_to else {
            return Ok(match first.event {
                Event::Opened(o) => Some(o.child),
                _ => None,
            });
        };
        if erased {
            return Ok(None);
        }
        let Some(key) = self.dispute_key(id, &seal_to) else {
            return Ok(None);
        };
        if super::open(&mut first, &key).is_err() {
            return Ok(None);
        }
        Ok(match first.event {
            Event::Opened(o) => Some(o.child),
            _ => None,
        })
    }
}
