//! `escalate reopen`: a resolved dispute comes back at the stage it was resolved
//! at with a fresh deadline; an open or unknown one is refused and nothing is
//! written.

use crate::support::Env;

#[test]
fn a_resolved_dispute_reopens_at_its_stage_with_a_fresh_deadline() {
    let mut env = Env::new();
    env.now("2026-11-02T09:00:00Z");
    let id = env.open_gscb(&[]);
    env.ok(&["discuss", &id, "--note", "n"]);
    env.ok(&["escalate", &id, "--reason", "r"]);
    env.ok(&["resolve", &id, "--outcome", "Assessment agreed"]);
    assert_eq!(env.json(&["show", &id])["state"], "resolved");

    env.now("2026-11-16T09:00:00Z");
    let out = env.ok(&["reopen", &id, "--reason", "The plan stalled again"]);
    assert!(
        out.contains(&format!("Reopened dispute {id} at stage 2.")),
        "{out}"
    );
    let shown = env.json(&["show", &id]);
    assert_eq!(shown["state"], "open", "{shown}");
    assert_eq!(shown["stage"], 2, "{shown}");
    // The deadline runs from the reopening, not from the first escalation.
    let due = shown["due"].as_str().unwrap();
    assert!(due > "2026-11-16", "{shown}");
    let timeline = env.ok(&["show", &id]);
    assert!(timeline.contains("The plan stalled again"), "{timeline}");
}

#[test]
fn reopening_an_open_or_unknown_dispute_is_refused_and_writes_nothing() {
    let env = Env::new();
    let id = env.open_gscb(&[]);
    let before = env.snapshot();
    let err = env.fails(1, &["reopen", &id, "--reason", "r"]);
    assert!(err.contains(&id[..4]), "{err}");
    assert_eq!(before, env.snapshot());
    let err = env.fails(1, &["reopen", "ZZZZZZZZZZ", "--reason", "r"]);
    assert!(err.contains("ZZZZZZZZZZ"), "{err}");
    assert_eq!(before, env.snapshot());
    // A reason is required: an empty one is a usage error (exit 2).
    let err = env.fails(2, &["reopen", &id, "--reason", "  "]);
    assert!(err.contains("--reason is empty"), "{err}");
    assert_eq!(before, env.snapshot());
}
