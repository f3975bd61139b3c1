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
        let mut value = serde_json::to_value(&summary).unwrap_or_default();
        if let Some(map) = value.as_object_mut() {
            // Each line as written, with the time a later correction gives it.
            let d = &loaded.dispute;
            let events: Vec<serde_json::Value> = d
                .records
                .iter()
                .map(|r| {
                    let mut v = serde_json::to_value(r).unwrap_or_default();
                    if let (Some(obj), true) = (v.as_object_mut(), d.when_of(r) != r.when()) {
                        obj.insert(
                            "corrected_happened".into(),
                            crate::clock::rfc3339::format(&d.when_of(r)).into(),
                        );
                    }
                    v
                })
                .collect();
            map.insert("events".into(), events.into());
        }
        return Ok(Output::json(&value));
    }
    Ok(Output::Text(crate::render::timeline::show(
        &summary,
        &loaded.dispute,
        &loaded.policy.policy,
    )))
}
