//! A quarter of hand-made disputes for the report and board-pack tests.

use crate::support::Env;

pub(crate) fn open_dated(
    env: &Env,
    from: &str,
    with: &str,
    category: Option<&str>,
    at: &str,
) -> String {
    let mut args = crate::support::open_between("gscb", (from, with), &["--at", at]);
    if let Some(c) = category {
        args.extend(["--category", c]);
    }
    env.json(&args)["id"].as_str().unwrap().to_owned()
}

pub(crate) fn act(env: &Env, verb: &str, id: &str, at: &str) {
    let (flag, text) = match verb {
        "discuss" => ("--note", "n"),
        "escalate" => ("--reason", "r"),
        _ => ("--outcome", "o"),
    };
    env.ok(&[verb, id, flag, text, "--at", at]);
}

/// Q3 of 2026-27 (October to December 2026, all GMT after 25 October) and one
/// dispute opened in September. The hand count is in `quarter_by_month_*`.
pub(crate) fn quarter() -> Env {
    let mut env = Env::new();
    env.now("2027-01-15T12:00:00Z");
    // D: opened in September, escalated on 1 October, then nothing.
    let d = open_dated(&env, "School", "CSC", None, "2026-09-28T10:00:00Z");
    act(&env, "discuss", &d, "2026-09-29T10:00:00Z");
    act(&env, "escalate", &d, "2026-10-01T10:00:00Z");
    // A: opened and escalated in October, resolved at stage 2 in November.
    let a = open_dated(
        &env,
        "School",
        "CSC",
        Some("levels-of-need"),
        "2026-10-05T10:00:00Z",
    );
    act(&env, "discuss", &a, "2026-10-06T10:00:00Z");
    act(&env, "escalate", &a, "2026-10-20T10:00:00Z");
    act(&env, "resolve", &a, "2026-11-10T10:00:00Z");
    // B: opened and escalated in November, escalated again on 1 December.
    let b = open_dated(
        &env,
        "GP",
        "Children's Social Care",
        Some("levels-of-need"),
        "2026-11-02T10:00:00Z",
    );
    act(&env, "discuss", &b, "2026-11-03T10:00:00Z");
    act(&env, "escalate", &b, "2026-11-04T10:00:00Z");
    act(&env, "discuss", &b, "2026-11-05T10:00:00Z");
    act(&env, "escalate", &b, "2026-12-01T10:00:00Z");
    // C: opened and resolved at stage 1 in December.
    let c = open_dated(
        &env,
        "Police",
        "CSC",
        Some("need-for-action"),
        "2026-12-07T10:00:00Z",
    );
    act(&env, "resolve", &c, "2026-12-08T10:00:00Z");
    env
}
