//! A policy whose duties depend on the child's circumstances, and readers of the
//! obligations views report.

use crate::support::Env;
use serde_json::Value;

/// A policy with a stage that has no timescale, duties in hours, on resolving and
/// on a condition: what the built-in policies spread over five files.
pub(crate) const DUTY: &str = r#"format = 1
id = "duty"
name = "Duty test policy"
partnership = "Test Partnership"
year = 2026
document = "Test document"

[[category]]
id = "threshold"
name = "Threshold for assessment"
source = "S"

[[stage]]
number = 1
name = "Talk"
who = "W"
action = "A"
source = "S"

[[stage.deadline]]
none = true
source = "S"

[[stage]]
number = 2
name = "Managers"
who = "M"
action = "A"
source = "S"

[[stage.deadline]]
working_days = 5
source = "S"

[[obligation]]
id = "strategy"
who = "Strategy lead"
action = "Hold a strategy discussion"
on = "enter"
stage = 1
due = { hours = 48 }
source = "S"

[[obligation]]
id = "iro"
who = "Independent Reviewing Officer"
action = "Notify the IRO"
on = "enter"
stage = 2
when = ["cp-plan"]
due = { working_days = 1 }
source = "S"

[[obligation]]
id = "outcome"
who = "Worker who raised the concern"
action = "Send the written outcome"
on = "resolve"
due = { working_days = 2 }
source = "S"
"#;

pub(crate) fn with_duty_policy(env: &Env) {
    let dir = env.config().join("policies");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("duty.toml"), DUTY).unwrap();
}

pub(crate) fn ids(rows: &Value) -> Vec<String> {
    rows.as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect()
}

pub(crate) fn obligation<'a>(v: &'a Value, id: &str) -> &'a Value {
    v["obligations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["id"] == id)
        .unwrap_or_else(|| panic!("no obligation {id} in {v:#}"))
}
