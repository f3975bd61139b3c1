//! Need to know (#28, docs/privacy.md): each dispute's personal text sealed so
//! that only its parties and the partnership office can read it, and erased for
//! everyone by destroying its key.
//!
//! A dispute has a key of its own, an age X25519 identity made at `open`
//! (`DisputeKey`). Its public half is on the `opened` line (`seal_to`), so
//! anyone may seal text to it; its private half exists only *wrapped*: encrypted
//! to the ssh-ed25519 keys of the people who may read it (`entry`), kept in the
//! key store (`keystore`), never in a journal and never in `main`'s history.
//! What the partnership counts (agencies, stages, times, categories, the policy's
//! fields) stays in clear. This module does no cryptography of its own: age does
//! it. It prints nothing and never writes plain text anywhere.

pub mod entry;
pub mod erase;
pub mod keystore;
pub mod merge;
pub mod readers;
pub mod recipients;
pub mod retention;
pub mod subject;

use std::str::FromStr;

use age::secrecy::ExposeSecret;
use base64ct::{Base64, Encoding};

use crate::domain::event::{Event, Record};
use crate::error::{Error, Result};

pub use entry::Entry;
pub use keystore::KeyStore;
pub use readers::Readers;
pub use recipients::Recipient;

/// The members of each kind of line that are personal text, sealed on a sealed
/// dispute's lines. Everything else (stages, times, agencies, categories, the
/// policy's fields, which are chosen from the policy's own list) stays in
/// clear, because the partnership counts it.
pub fn text_fields(kind: &str) -> &'static [&'static str] {
    match kind {
        "opened" => &["child", "summary", "start_reason", "due_reason"],
        "discussed" => &["note", "with"],
        "escalated" => &["reason"],
        "notified" => &["who", "note"],
        "resolved" => &["outcome"],
        "amended" | "fact_learned" | "field_set" | "due_agreed" => &["note"],
        "reopened" => &["reason"],
        _ => &[],
    }
}

/// A dispute's own key: whoever holds it can read the dispute's sealed text.
pub struct DisputeKey(age::x25519::Identity);

impl std::fmt::Debug for DisputeKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DisputeKey({})", self.recipient())
    }
}

impl DisputeKey {
    /// A fresh random key (age takes its randomness from the operating system).
    pub(crate) fn generate() -> DisputeKey {
        DisputeKey(age::x25519::Identity::generate())
    }

    /// The public half, `age1...`: what a dispute's `opened` line names.
    pub fn recipient(&self) -> String {
        self.0.to_public().to_string()
    }

    /// The private half as age writes it (`AGE-SECRET-KEY-1...`): only ever
    /// handed to age to be wrapped.
    fn secret(&self) -> String {
        self.0.to_string().expose_secret().to_owned()
    }

    fn parse(secret: &str) -> Option<DisputeKey> {
        age::x25519::Identity::from_str(secret.trim())
            .ok()
            .map(DisputeKey)
    }
}

/// What cannot be done with a sealed line, in words for the caller to place.
fn sealing_failed(why: impl std::fmt::Display) -> Error {
    Error::internal(format!(
        "internal error: the line's text could not be sealed ({why}); nothing was written"
    ))
}

/// Seal `record`'s personal text to `seal_to` (a dispute's `age1...` key): the
/// kind's text members move into `sealed` (an age file, base64) and are blank
/// on the record, so the line written holds no plain text.
pub(crate) fn seal(record: &mut Record, seal_to: &str) -> Result<()> {
    let fields = text_fields(record.event.kind());
    if fields.is_empty() {
        return Ok(());
    }
    let recipient = age::x25519::Recipient::from_str(seal_to)
        .map_err(|_| sealing_failed("the dispute's key on its first line is not an age key"))?;
    let serde_json::Value::Object(mut event) =
        serde_json::to_value(&record.event).map_err(sealing_failed)?
    else {
        return Err(sealing_failed("the event is not an object"));
    };
    let mut text = serde_json::Map::new();
    for name in fields {
        if let Some(value) = event.shift_remove(*name).filter(|v| !v.is_null()) {
            text.insert((*name).to_owned(), value);
        }
    }
    let plain = serde_json::Value::Object(text).to_string();
    let sealed = age::encrypt(&recipient, plain.as_bytes()).map_err(sealing_failed)?;
    record.event =
        serde_json::from_value(serde_json::Value::Object(event)).map_err(sealing_failed)?;
    record.sealed = Some(Base64::encode_string(&sealed));
    Ok(())
}

/// Why a sealed line could not be opened with a key that should open it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unopened(pub String);

/// Put a sealed line's text back on `record` (in memory only), with the
/// dispute's key. Only the kind's text members are taken from the sealed part:
/// nothing sealed can change what the partnership counts.
pub fn open(record: &mut Record, key: &DisputeKey) -> std::result::Result<(), Unopened> {
    let Some(sealed) = record.sealed.as_deref() else {
        return Ok(());
    };
    let bad = |why: &str| Unopened(why.to_owned());
    let bytes = Base64::decode_vec(sealed).map_err(|_| bad("its sealed text is not base64"))?;
    let plain = age::decrypt(&key.0, &bytes)
        .map_err(|_| bad("its sealed text does not open with the dispute's key"))?;
    let serde_json::Value::Object(text) = serde_json::from_slice(&plain)
        .map_err(|_| bad("its sealed text is not what escalate seals"))?
    else {
        return Err(bad("its sealed text is not what escalate seals"));
    };
    let fields = text_fields(record.event.kind());
    let Ok(serde_json::Value::Object(mut event)) = serde_json::to_value(&record.event) else {
        return Err(bad("its event could not be read"));
    };
    for (name, value) in text {
        if !fields.contains(&name.as_str()) {
            return Err(bad("its sealed text holds more than its kind's text"));
        }
        event.insert(name, value);
    }
    record.event = serde_json::from_value(serde_json::Value::Object(event))
        .map_err(|_| bad("its sealed text does not fit its kind"))?;
    Ok(())
}

/// Open every sealed line of a dispute's records with its key; the lines that
/// would not open are returned by number (they stay blank, shown as sealed).
pub fn open_all(records: &mut [Record], key: &DisputeKey) -> Vec<(u64, Unopened)> {
    records
        .iter_mut()
        .filter_map(|r| open(r, key).err().map(|e| (r.seq, e)))
        .collect()
}

/// Whether a dispute's personal text is at hand.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Text {
    /// An older dispute whose text was never sealed.
    Clear,
    /// Sealed, and opened with the user's key (in memory only).
    Opened,
    /// Sealed, and not opened: the user holds no key for it, or it was erased.
    Sealed,
}

impl Text {
    /// A dispute folded from its lines as stored.
    pub fn unopened(d: &crate::domain::dispute::Dispute) -> Text {
        match d.opened.seal_to {
            Some(_) => Text::Sealed,
            None => Text::Clear,
        }
    }
}

/// A line as a view shows it: a sealed line that was not opened has each of its
/// blank text members read `placeholder` (the words are the caller's), so a
/// view never shows an empty note as if one had been written.
pub fn shown<'r>(record: &'r Record, placeholder: &str) -> std::borrow::Cow<'r, Event> {
    let fields = text_fields(record.event.kind());
    if record.sealed.is_none() || fields.is_empty() {
        return std::borrow::Cow::Borrowed(&record.event);
    }
    let Ok(serde_json::Value::Object(mut event)) = serde_json::to_value(&record.event) else {
        return std::borrow::Cow::Borrowed(&record.event);
    };
    let mut changed = false;
    for name in fields {
        let blank = match event.get(*name) {
            None | Some(serde_json::Value::Null) => true,
            Some(serde_json::Value::String(s)) => s.is_empty(),
            Some(_) => false,
        };
        // Optional members (`with`, a notification's `note`) stay absent.
        let required = matches!(
            (record.event.kind(), *name),
            ("opened", "child" | "summary")
                | ("discussed", "note")
                | ("escalated" | "reopened", "reason")
                | ("notified", "who")
                | ("resolved", "outcome")
                | (
                    "amended" | "fact_learned" | "field_set" | "due_agreed",
                    "note"
                )
        );
        if blank && required {
            event.insert((*name).to_owned(), placeholder.into());
            changed = true;
        }
    }
    match (
        changed,
        serde_json::from_value(serde_json::Value::Object(event)),
    ) {
        (true, Ok(e)) => std::borrow::Cow::Owned(e),
        _ => std::borrow::Cow::Borrowed(&record.event),
    }
}

/// The dispute key named by a journal's first line, if it is sealed.
pub fn seal_to(records: &[Record]) -> Option<&str> {
    match &records.first()?.event {
        Event::Opened(o) => o.seal_to.as_deref(),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
