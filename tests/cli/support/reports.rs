//! A month of disputes under two policies for the report, status, show and export
//! tests.

use crate::support::Env;

/// A second policy, to see figures split by policy: GSCB's text under another id.
pub(crate) fn install_second_policy(env: &Env) {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/policies/gscb.toml"))
        .unwrap()
        .replace("id = \"gscb\"", "id = \"gscb-copy\"");
    let dir = env.config().join("policies");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("gscb-copy.toml"), text).unwrap();
}

pub(crate) fn open_under_policy(
    env: &Env,
    policy: &str,
    from: &str,
    with: &str,
    at: &str,
) -> String {
    env.json(&crate::support::open_between(
        policy,
        (from, with),
        &["--at", at],
    ))["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// November 2026 (all GMT) with events either side of both month boundaries.
pub(crate) fn november(env: &mut Env) -> Vec<String> {
    install_second_policy(env);
    env.now("2026-12-15T12:00:00Z");
    // Opened in October, escalated in November, still open at the end: overdue?
    let a = open_under_policy(env, "gscb", "School", "CSC", "2026-10-28T10:00:00Z");
    env.ok(&["discuss", &a, "--note", "n", "--at", "2026-10-29T10:00:00Z"]);
    env.ok(&[
        "escalate",
        &a,
        "--reason",
        "r",
        "--at",
        "2026-11-02T10:00:00Z",
    ]); // stage 2 due Mon 9 Nov
        // Opened and resolved in November: 2 stage moves.
    let b = open_under_policy(env, "gscb", "GP", "CSC", "2026-11-03T09:00:00Z");
    env.ok(&["discuss", &b, "--note", "n", "--at", "2026-11-03T10:00:00Z"]);
    env.ok(&[
        "escalate",
        &b,
        "--reason",
        "r",
        "--at",
        "2026-11-04T10:00:00Z",
    ]);
    env.ok(&["discuss", &b, "--note", "n", "--at", "2026-11-05T10:00:00Z"]);
    env.ok(&[
        "escalate",
        &b,
        "--reason",
        "r",
        "--at",
        "2026-11-06T10:00:00Z",
    ]);
    env.ok(&[
        "resolve",
        &b,
        "--outcome",
        "o",
        "--at",
        "2026-11-10T10:00:00Z",
    ]); // 5 working days after 3 Nov
        // Second policy, opened the last evening of November, resolved in December.
    let c = open_under_policy(env, "gscb-copy", "Police", "Health", "2026-11-30T23:59:00Z");
    env.ok(&[
        "resolve",
        &c,
        "--outcome",
        "o",
        "--at",
        "2026-12-01T00:01:00Z",
    ]);
    // Opened in December: outside the month entirely.
    open_under_policy(env, "gscb", "School", "CSC", "2026-12-01T00:00:00Z");
    // Opened and resolved in November (3 working days), under the second policy.
    let e = open_under_policy(env, "gscb-copy", "School", "Police", "2026-11-16T09:00:00Z");
    env.ok(&[
        "resolve",
        &e,
        "--outcome",
        "o",
        "--at",
        "2026-11-19T09:00:00Z",
    ]);
    vec![a, b, c, e]
}
