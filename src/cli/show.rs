//! `escalate show`: one dispute, its deadline, what is outstanding, and its timeline.

use clap::Args;

use super::{warn, Ctx, Output};
use crate::error::Result;

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Dispute ID (any unique start of it)
    #[arg(add = clap_complete::engine::ArgValueCompleter::new(super::complete::dispute_ids))]
    pub id: String,
}

pub fn run(args: ShowArgs, ctx: &Ctx) -> Result<Output> {
    let s = &ctx.session;
    let id = s.store.resolve(&args.id)?;
    let loaded = s.load(&id)?;
    for w in &loaded.warnings {
        warn(&format!("dispute {id}: {w}"));
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
            events: &loaded.dispute.records,
        }));
    }
    Ok(Output::Text(crate::render::timeline::show(
        &summary,
        &loaded.dispute.records,
        &loaded.policy.policy.name,
        &loaded.dispute.obligations,
    )))
}

/// The summary's fields with `events` (a count there) holding the lines
/// themselves, written straight from the records: a `serde_json::Value` of every
/// line of a long journal would be several times the size of the journal.
struct WithEvents<'a> {
    head: serde_json::Map<String, serde_json::Value>,
    events: &'a [crate::journal::Record],
}

impl serde::Serialize for WithEvents<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(self.head.len()))?;
        for (k, v) in &self.head {
            if k == "events" {
                map.serialize_entry(k, self.events)?;
            } else {
                map.serialize_entry(k, v)?;
            }
        }
        map.end()
    }
}
