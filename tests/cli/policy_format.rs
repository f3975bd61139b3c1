//! Policy format 2 (issue 14): each of the eight concepts walked through a fixture
//! policy in `fixtures/format2/` with pinned dates worked out by hand (December 2026
//! is GMT, so London time is UTC), and every documented key checked and behaving
//! as documented.

use crate::support::policies::{id_of, obligation_ids, open, step};
use crate::support::policy_fixtures::install;
use crate::support::{duty, duty_ids as ids, open_args, Env};
use serde_json::Value;

/// `policy show` wide enough that no phrase is wrapped.
fn shown(env: &Env, id: &str) -> String {
    let out = env
        .cmd(&["policy", "show", id])
        .env("COLUMNS", "400")
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn steps_inside_a_stage_are_timed_from_what_was_recorded_and_chained() {
    let mut env = Env::new();
    install(&env, "steps");
    // Arose Fri 4 Dec 09:00, opened 16:00: the report is due by the end of Mon 7.
    env.now("2026-12-04T16:00:00Z");
    let v = env.open("steps-cscp", &["--arose", "2026-12-04T09:00:00Z"]);
    let id = id_of(&v);
    assert_eq!(ids(&v), ["report", "contact", "feedback"]);
    assert_eq!(duty(&v, "report")["due_at"], "2026-12-07T23:59:59+00:00");
    assert_eq!(duty(&v, "contact")["due"], Value::Null);
    assert_eq!(duty(&v, "contact")["after"], "report");
    assert_eq!(
        duty(&v, "feedback")["due"],
        Value::Null,
        "no discussion yet"
    );
    let text = env.ok(&["show", &id]);
    assert!(text.contains("Due:      by its steps (below)"), "{text}");
    assert!(
        text.contains("timed from step report, once it is recorded"),
        "{text}"
    );

    // The discussion (Mon 10:00) starts the feedback's "immediately".
    env.now("2026-12-07T10:00:00Z");
    let v = env.json(&["discuss", &id, "--note", "Talked; no agreement"]);
    assert_eq!(duty(&v, "feedback")["due"], "2026-12-07");
    assert_eq!(duty(&v, "feedback")["immediately"], true);

    // The report at Mon 17:30 starts the line managers' twenty-four hours.
    env.now("2026-12-07T17:30:00Z");
    let v = env.json(&["notify", &id, "--who", "report"]);
    assert_eq!(duty(&v, "contact")["due_at"], "2026-12-08T17:30:00+00:00");
    env.now("2026-12-07T17:31:00Z");
    env.ok(&["notify", &id, "--who", "feedback"]);
    for (now, overdue) in [
        ("2026-12-08T17:30:00Z", false),
        ("2026-12-08T17:30:01Z", true),
    ] {
        env.now(now);
        assert_eq!(env.json(&["show", &id])["overdue"], overdue, "at {now}");
    }
    // Leaving the stage ends its unmet steps: they are not owed at stage 2.
    env.now("2026-12-08T18:00:00Z");
    let v = env.json(&["escalate", &id, "--reason", "Line managers could not agree"]);
    assert_eq!(v["stage"], 2);
    assert_eq!(ids(&v), Vec::<String>::new());
    assert_eq!(v["overdue"], false);
    let text = shown(&env, "steps-cscp");
    assert!(text.contains("Steps inside stages"), "{text}");
    assert!(
        text.contains("counted from step report being recorded"),
        "{text}"
    );
    let chart = env.ok(&["policy", "show", "steps-cscp", "--format", "dot"]);
    assert!(
        chart.contains("step contact: 24 hours, counted from step report being recorded"),
        "{chart}"
    );
}

#[test]
fn duties_follow_the_stage_the_dispute_was_resolved_at() {
    let mut env = Env::new();
    install(&env, "outcome");
    env.now("2026-11-23T09:00:00Z");
    let a = id_of(&env.open("outcome-example", &[]));
    let b = id_of(&env.open("outcome-example", &[]));
    let c = id_of(&env.open("outcome-example", &[]));
    step(&env, &a);
    for _ in 0..2 {
        step(&env, &b);
    }
    for _ in 0..3 {
        step(&env, &c);
    }
    // Wed 25 Nov: form A's five working days run to Wed 2 Dec.
    env.now("2026-11-25T10:00:00Z");
    let v = env.json(&["resolve", &a, "--outcome", "Agreed at stage 2"]);
    assert_eq!(ids(&v), ["statement", "form-a"]);
    assert_eq!(duty(&v, "form-a")["due"], "2026-12-02");
    let v = env.json(&["resolve", &b, "--outcome", "Agreed at stage 3"]);
    assert_eq!(ids(&v), ["statement", "form-b"]);
    let v = env.json(&["resolve", &c, "--outcome", "Agreed at stage 4"]);
    assert_eq!(ids(&v), ["statement", "board-manager"]);
    let text = shown(&env, "outcome-example");
    assert!(text.contains("on resolving at stage 2 exactly"), "{text}");
    assert!(text.contains("on resolving at stage 4 or later"), "{text}");
    let chart = env.ok(&["policy", "show", "outcome-example", "--format", "mermaid"]);
    assert!(chart.contains("On resolving:"), "{chart}");
}

#[test]
fn stages_carry_the_documents_own_labels() {
    let mut env = Env::new();
    install(&env, "labels");
    env.now("2026-11-23T09:00:00Z");
    let v = env.open("labels-bscb", &[]);
    let id = id_of(&v);
    assert_eq!(v["stage_label"], "1");
    step(&env, &id);
    step(&env, &id);
    env.ok(&["discuss", &id, "--note", "n"]);
    let err = env.fails(
        1,
        &["escalate", &id, "--reason", "r", "--to", "4-mediation"],
    );
    assert!(err.contains("moves one stage at a time"), "{err}");
    let err = env.fails(1, &["escalate", &id, "--reason", "r", "--to", "9z"]);
    assert!(err.contains("has no stage 9z"), "{err}");
    let v = env.json(&["escalate", &id, "--reason", "r", "--to", "4"]);
    assert_eq!(
        (v["stage"].as_u64(), v["stage_label"].as_str()),
        (Some(4), Some("4"))
    );
    env.ok(&["discuss", &id, "--note", "n"]);
    let v = env.json(&["escalate", &id, "--reason", "r", "--to", "4-mediation"]);
    assert_eq!(v["stage"], 5, "the stored stage stays the position");
    assert_eq!(v["stage_label"], "4-mediation");
    let text = env.ok(&["show", &id]);
    assert!(text.contains("Stage:    4-mediation Mediation"), "{text}");
    assert!(
        text.contains("escalated from stage 4 to 4-mediation"),
        "{text}"
    );
    let text = env.ok(&["status"]);
    assert!(text.contains("4-mediation"), "{text}");
    let v = env.json(&["status", "--stage", "4-mediation"]);
    assert_eq!(v.as_array().map(Vec::len), Some(1), "{v}");
    let v = env.json(&["status", "--stage", "5"]);
    assert_eq!(
        v.as_array().map(Vec::len),
        Some(1),
        "the position still works: {v}"
    );
    let text = env.ok(&["report", "--from", "2026-11-01", "--to", "2026-11-30"]);
    assert!(text.contains("Entered stage 5 (4-mediation)"), "{text}");
}

#[test]
fn a_branch_is_chosen_by_label_or_by_urgency_decided_at_a_late_stage() {
    let mut env = Env::new();
    install(&env, "branches");
    env.now("2026-11-23T09:00:00Z");
    let v = env.open("branches-example", &[]);
    assert_eq!(v["stage_label"], "0");
    assert_eq!(v["due"], "2026-11-25");
    let plain = id_of(&v);
    let urgent = id_of(&env.open("branches-example", &[]));
    let chosen = id_of(&env.open("branches-example", &[]));
    for id in [&plain, &urgent, &chosen] {
        step(&env, id);
        let v = step(&env, id);
        assert_eq!(v["stage_label"], "2");
    }
    // Without urgency the branch with no condition is taken: 4b, ten working days.
    let v = step(&env, &plain);
    assert_eq!(v["stage_label"], "4b");
    assert_eq!(v["due"], "2026-12-07");
    // Urgency judged at the last stage (Tue 24 Nov 10:00): 4a, within 24 hours.
    env.now("2026-11-24T10:00:00Z");
    // Refused before anything is written: the stage's discussion is missing.
    let err = env.fails(1, &["escalate", &urgent, "--urgent", "--reason", "r"]);
    assert!(err.contains("nothing recorded yet"), "{err}");
    assert_eq!(env.json(&["show", &urgent])["immediate_harm"], false);
    env.ok(&["discuss", &urgent, "--note", "n"]);
    let v = env.json(&[
        "escalate",
        &urgent,
        "--urgent",
        "--reason",
        "The child is now at risk",
    ]);
    assert_eq!(v["stage_label"], "4a");
    assert_eq!(v["immediate_harm"], true);
    assert_eq!(v["due_at"], "2026-11-25T10:00:00+00:00");
    let text = env.ok(&["show", &urgent]);
    assert!(
        text.contains("learned that the child is thought to be at risk of immediate harm"),
        "{text}"
    );
    // A branch may also be named.
    env.ok(&["discuss", &chosen, "--note", "n"]);
    let v = env.json(&["escalate", &chosen, "--reason", "r", "--to", "4a"]);
    assert_eq!(v["stage_label"], "4a");
    let chart = env.ok(&["policy", "show", "branches-example", "--format", "mermaid"]);
    assert!(
        chart.contains("not resolved, if the child is at risk of immediate harm"),
        "{chart}"
    );
    assert!(
        chart.contains("not resolved, otherwise (--to 4b)"),
        "{chart}"
    );
}

#[test]
fn units_are_counted_as_the_document_writes_them() {
    let mut env = Env::new();
    install(&env, "units");
    // Arose Fri 4 Dec 09:00, opened 15:00: the same working day is Fri 4 Dec.
    env.now("2026-12-04T15:00:00Z");
    let v = env.open("units-example", &["--arose", "2026-12-04T09:00:00Z"]);
    let id = id_of(&v);
    assert_eq!(v["due"], "2026-12-04");
    assert_eq!(duty(&v, "dsl")["due"], "2026-12-04");
    assert_eq!(duty(&v, "dsl")["immediately"], true);
    // "Within 1 day" from Fri 16:00: Saturday, a calendar day.
    env.now("2026-12-04T16:00:00Z");
    assert_eq!(step(&env, &id)["due"], "2026-12-05");
    // "48 hours (two working days)" from Fri 17:00: Tue 8 Dec, never Sunday.
    env.now("2026-12-04T17:00:00Z");
    let v = step(&env, &id);
    assert_eq!(v["due"], "2026-12-08");
    assert_eq!(v["due_time"], Value::Null);
    // Twenty-four clock hours from Mon 10:00.
    env.now("2026-12-07T10:00:00Z");
    let v = step(&env, &id);
    assert_eq!(v["due_at"], "2026-12-08T10:00:00+00:00");
    // "Without delay" on entering stage 5 (Tue 09:00): by the end of Tuesday.
    env.now("2026-12-08T09:00:00Z");
    let v = step(&env, &id);
    assert_eq!(v["due"], Value::Null);
    assert_eq!(duty(&v, "second-tier")["due"], "2026-12-08");
    assert_eq!(duty(&v, "second-tier")["immediately"], true);
    let text = shown(&env, "units-example");
    for words in [
        "48 hours, which the document equates to 2 working days",
        "1 calendar day",
        "without delay",
        "the same working day",
    ] {
        assert!(text.contains(words), "{words:?} missing:\n{text}");
    }
}

#[test]
fn a_named_role_bypasses_from_any_stage_and_may_open_later() {
    let mut env = Env::new();
    install(&env, "bypass");
    env.now("2026-11-23T09:00:00Z");
    let id = id_of(&env.open("bypass-example", &[]));
    let iro = "Independent Reviewing Officer";
    let err = env.fails(
        1,
        &[
            "escalate",
            &id,
            "--reason",
            "r",
            "--to",
            "4",
            "--as",
            "Team manager",
        ],
    );
    assert!(err.contains("nothing recorded yet"), "{err}");
    // No discussion needed for the named role; ten working days from Mon 23 Nov.
    let v = env.json(&[
        "escalate",
        &id,
        "--reason",
        "IRO takes it to the panel",
        "--to",
        "4",
        "--as",
        iro,
    ]);
    assert_eq!(v["stage"], 4);
    assert_eq!(v["due"], "2026-12-07");

    let err = env.fails(
        1,
        &open_args("bypass-example", &["--stage", "3", "--reason", "r"]),
    );
    assert!(
        err.contains("only \"Independent Reviewing Officer\" may open a dispute at stage 3"),
        "{err}"
    );
    let v = env.open(
        "bypass-example",
        &[
            "--stage",
            "3",
            "--as",
            iro,
            "--reason",
            "The IRO raises it with heads of service",
        ],
    );
    assert_eq!(v["stage"], 3);
    let text = shown(&env, "bypass-example");
    assert!(
        text.contains("with or without the current stage's discussion"),
        "{text}"
    );
}

#[test]
fn a_policy_for_adults_too_words_the_subject_by_its_kind() {
    let mut env = Env::new();
    install(&env, "adults");
    env.now("2026-11-23T09:00:00Z");
    let v = env.json(&[
        "open",
        "--policy",
        "adults-example",
        "--subject",
        "ASC-1234",
        "--subject-kind",
        "adult",
        "--from",
        "A",
        "--with",
        "B",
        "--summary",
        "s",
    ]);
    assert_eq!(v["child"], "ASC-1234", "the stored field stays `child`");
    assert_eq!(v["subject_kind"], "adult");
    let text = env.ok(&["show", &id_of(&v)]);
    assert!(text.contains("Adult:    ASC-1234"), "{text}");
    // Status reads no keys: the sealed reference is not there, its kind is.
    let text = env.ok(&["status"]);
    assert!(text.contains("[sealed] (adult)"), "{text}");
    let v = env.open("adults-example", &[]);
    assert_eq!(v["subject_kind"], "child");
    let text = shown(&env, "adults-example");
    assert!(
        text.contains("Covers disagreements about children and adults"),
        "{text}"
    );
    let err = env.fails(
        1,
        &[
            "open",
            "--policy",
            "gscb",
            "--subject",
            "A-1",
            "--subject-kind",
            "adult",
            "--from",
            "A",
            "--with",
            "B",
            "--summary",
            "s",
        ],
    );
    assert!(
        err.contains("does not cover disputes about an adult"),
        "{err}"
    );
}

const EVERY_KEY: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/cli/fixtures/every-key.toml"
);

/// Install the every-key fixture as a user policy.
fn install_every_key(env: &Env) {
    let dir = env.config().join("policies");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(EVERY_KEY, dir.join("every-key.toml")).unwrap();
}

#[test]
fn every_documented_key_checks_and_behaves_as_documented() {
    let mut env = Env::new();
    let out = env.ok(&["policy", "check", EVERY_KEY]);
    assert!(
        out.contains("is a valid policy: every-key") && out.contains("Scotland"),
        "{out}"
    );
    let v = env.json(&["policy", "check", EVERY_KEY]);
    assert_eq!(v["valid"], true);
    assert_eq!(v["excluded_categories"], 1);
    install_every_key(&env);

    // Fri 27 Nov 09:00: "48 hours (two working days)", earliest wins: Sun 29 09:00.
    env.now("2026-11-27T09:00:00Z");
    let v = open(&env, "every-key", &["--category", "threshold"]);
    let id = id_of(&v);
    assert_eq!(v["due"], "2026-11-29");
    assert_eq!(v["due_time"], "09:00");
    // Stage 2: one working day in Scotland skips St Andrew's Day (Mon 30 Nov), but a
    // threshold dispute goes "immediately".
    let v = step(&env, &id);
    assert_eq!(v["due"], "2026-11-27");
    let plain = id_of(&open(&env, "every-key", &["--looked-after"]));
    let v = step(&env, &plain);
    assert_eq!(
        v["due"], "2026-12-01",
        "Scotland: Mon 30 Nov is St Andrew's Day"
    );
    assert_eq!(obligation_ids(&v), ["iro"]);
    assert_eq!(v["obligations"][0]["due"], "2026-12-01");

    // A named role takes the dispute straight to stage 4; nobody else may.
    env.ok(&["discuss", &plain, "--note", "n"]);
    let err = env.fails(
        1,
        &[
            "escalate", &plain, "--reason", "r", "--to", "4", "--as", "Someone",
        ],
    );
    assert!(
        err.contains("moves one stage at a time") && err.contains("Partnership Chair"),
        "{err}"
    );
    let v = env.json(&[
        "escalate",
        &plain,
        "--reason",
        "Chair took it",
        "--to",
        "4",
        "--as",
        "Partnership Chair",
    ]);
    assert_eq!(v["stage"], 4);
    // Ten working days from opening (Fri 27 Nov), in Scotland.
    assert_eq!(v["due"], "2026-12-14");
    let v = env.json(&["resolve", &plain, "--outcome", "Chair decided"]);
    assert_eq!(obligation_ids(&v), ["iro", "chair-report"]);

    // Urgent: the DSL immediately, any stage with a reason, the same working day
    // from when it arose, and the whole-dispute limit counted from then too.
    let v = open(
        &env,
        "every-key",
        &["--immediate-harm", "--arose", "2026-11-26T16:00:00Z"],
    );
    assert_eq!(v["due"], "2026-11-26", "the same working day it arose");
    assert_eq!(obligation_ids(&v), ["dsl"]);
    assert_eq!(v["obligations"][0]["immediately"], true);
    let v = env.json(&["escalate", &id_of(&v), "--reason", "No time to wait"]);
    assert_eq!(v["stage"], 2, "no discussion needed first");
    let v = open(
        &env,
        "every-key",
        &["--immediate-harm", "--stage", "3", "--reason", "r"],
    );
    assert_eq!(v["stage"], 3);
    assert_eq!(
        v["due"], "2026-12-30",
        "stage 3 has no timescale of its own, so the whole-dispute limit applies: 20 Scottish working days"
    );
    // Opened past stage 2, a looked-after child's IRO duty arises on opening.
    let v = open(
        &env,
        "every-key",
        &[
            "--immediate-harm",
            "--looked-after",
            "--stage",
            "3",
            "--reason",
            "r",
        ],
    );
    assert_eq!(obligation_ids(&v), ["dsl", "iro"]);
    let v = open(&env, "every-key", &["--cp-plan"]);
    assert_eq!(v["due_time"], "13:00", "each stage within four hours");

    let err = env.fails(
        1,
        &open_args("every-key", &["--category", "convening-icpc"]),
    );
    assert!(err.contains("does not cover"), "{err}");
}
