//! `escalate show`: one dispute, its deadline, what is outstanding, and its timeline.

use clap::Args;

use crate::cli::{Ctx, Output};
use crate::error::Result;

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Dispute ID (any unique start of it)
    #[arg(add = clap_complete::engine::ArgValueCompleter::new(crate::cli::complete::dispute_ids))]
    pub id: String,
}

pub fn run(args: ShowArgs, ctx: &Ctx) -> Result<Output> {
    let s = ctx.session()?;
    let id = s.store.resolve(&args.id)?;
    let loaded = s.load(&id)?;
    for w in &loaded.warnings {
        ctx.ui.warn(&format!("dispute {id}: {w}"));
    }
    let calendar = s.calendar_for(&loaded.policy);
    let summary = loaded.summary(&calendar, &s.now);
    if ctx.json {
        let head = match serde_json::to_value(&summary) {
            Ok(serde_json::Value::Object(map)) => map,
            _ => serde_json::Map::new(),
        };
        return Ok(Output::json(WithEvents {
            head,
            dispute: &loaded.dispute,
        }));
    }
    Ok(Output::Text(crate::render::timeline::show(
        &summary,
        &loaded.dispute,
        &loaded.policy.policy,
    )))
}

/// The summary's fields with `events` (a count there) holding the lines
/// themselves, written straight from the records: a `serde_json::Value` of every
/// line of a long journal would be several times the size of the journal.
struct WithEvents<'a> {
    head: serde_json::Map<String, serde_json::Value>,
    dispute: &'a crate::domain::dispute::Dispute,
}

impl serde::Serialize for WithEvents<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(self.head.len()))?;
        for (k, v) in &self.head {
            if k == "events" {
                map.serialize_entry(k, &Lines(self.dispute))?;
            } else {
                map.serialize_entry(k, v)?;
            }
        }
        map.end()
    }
}

/// Each line as written, with `corrected_happened` where a later correction gives
/// it another time.
struct Lines<'a>(&'a crate::domain::dispute::Dispute);

impl serde::Serialize for Lines<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::{Error as _, SerializeSeq};
        let d = self.0;
        let mut seq = s.serialize_seq(Some(d.records.len()))?;
        for r in &d.records {
            let corrected = d.when_of(r);
            if corrected == r.when() {
                seq.serialize_element(r)?;
                continue;
            }
            let mut v = serde_json::to_value(r).map_err(S::Error::custom)?;
            if let Some(obj) = v.as_object_mut() {
                obj.insert(
                    "corrected_happened".into(),
                    crate::domain::clock::rfc3339::format(&corrected).into(),
                );
            }
            seq.serialize_element(&v)?;
        }
        seq.end()
    }
}
