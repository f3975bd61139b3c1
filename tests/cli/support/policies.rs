//! Opening and stepping disputes under the built-in policies.

use crate::support::Env;
use serde_json::Value;

/// Open a dispute under `policy` with the usual details plus `extra`.
pub(crate) fn open(env: &Env, policy: &str, extra: &[&str]) -> Value {
    env.open(policy, extra)
}

pub(crate) fn id_of(v: &Value) -> String {
    v["id"].as_str().expect("id").to_owned()
}

/// Record the stage's discussion, then escalate; returns the new state.
pub(crate) fn step(env: &Env, id: &str) -> Value {
    env.ok(&["discuss", id, "--note", "Discussed; no agreement"]);
    env.json(&["escalate", id, "--reason", "Not resolved at this stage"])
}

pub(crate) fn obligation_ids(v: &Value) -> Vec<String> {
    v["obligations"]
        .as_array()
        .expect("obligations")
        .iter()
        .map(|o| o["id"].as_str().unwrap_or_default().to_owned())
        .collect()
}
