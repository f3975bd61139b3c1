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
            map.insert(
                "events".into(),
                serde_json::to_value(&loaded.dispute.records).unwrap_or_default(),
            );
        }
        return Ok(Output::json(&value));
    }
    Ok(Output::Text(crate::render::timeline::show(
        &summary,
        &loaded.dispute,
        &loaded.policy.policy.name,
    )))
}
