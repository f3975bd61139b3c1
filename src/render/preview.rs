//! What an action will do, in words, as a confirmation shows it before anything
//! is written.

use escalate_core::domain::clock;
use escalate_core::domain::plan::Effects;
use escalate_core::policy::Policy;

/// The stage a dispute will be at, its deadline and the duties that arise.
pub(crate) fn effects(policy: &Policy, effects: &Effects) -> String {
    let stage = policy
        .stage(effects.stage)
        .map_or(effects.stage.to_string(), |st| {
            format!("{} ({}): {}", policy.label(effects.stage), st.name, st.who)
        });
    let mut out = format!("Next: stage {stage}\n");
    let due = effects
        .due
        .as_ref()
        .map_or("no fixed timescale".to_owned(), |d| match &d.time {
            Some(t) => format!("{} {t}", clock::human_date(d.date)),
            None => clock::human_date(d.date),
        });
    out.push_str(&format!("Due:  {due}\n"));
    for (who, action) in &effects.duties {
        out.push_str(&format!("Then: {who} — {action}\n"));
    }
    out
}
