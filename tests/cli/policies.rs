//! The five built-in policies end to end (every stage's deadline, every obligation
//! arising and met, every refusal the documents imply), the `policy` command, the
//! every-key fixture, malformed policy files with their line numbers, and user
//! policies in the config directory.

use serde_json::Value;

use crate::support::{open_args, Env};

const EVERY_KEY: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/cli/fixtures/every-key.toml"
);

/// Open a dispute under `policy` with the usual details plus `extra`.
fn open(env: &Env, policy: &str, extra: &[&str]) -> Value {
    env.open(policy, extra)
}

fn id_of(v: &Value) -> String {
    v["id"].as_str().expect("id").to_owned()
}

/// Record the stage's discussion, then escalate; returns the new state.
fn step(env: &Env, id: &str) -> Value {
    env.ok(&["discuss", id, "--note", "Discussed; no agreement"]);
    env.json(&["escalate", id, "--reason", "Not resolved at this stage"])
}

fn obligation_ids(v: &Value) -> Vec<String> {
    v["obligations"]
        .as_array()
        .expect("obligations")
        .iter()
        .map(|o| o["id"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[test]
fn every_built_in_policy_opens_by_id() {
    let env = Env::new();
    for id in ["gscb", "bscb", "lscb", "cscp", "cumbria"] {
        let v = open(&env, id, &[]);
        assert_eq!(v["policy"], id);
        assert_eq!(v["stage"], 1);
    }
    let list = env.json(&["policy", "list"]);
    let ids: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["gscb", "bscb", "lscb", "cscp", "cumbria"]);
    for p in list.as_array().unwrap() {
        for key in ["name", "partnership", "stages", "year", "origin", "hash"] {
            assert!(p.get(key).is_some(), "policy list rows carry {key}");
        }
    }
    assert_eq!(list[1]["stages"], 5);
    assert_eq!(list[1]["year"], 2020);
    assert_eq!(list[2]["year"], Value::Null, "the lscb text is undated");
    let text = env.ok(&["policy", "list"]);
    assert!(
        text.contains("cumbria") && text.contains("undated") && text.contains("2024"),
        "{text}"
    );
}

#[test]
fn bscb_walks_five_stages_within_one_working_week() {
    let mut env = Env::new();
    // Arose Tue 24 Nov 2026 08:30; recorded at 10:00.
    env.now("2026-11-24T10:00:00Z");
    let v = open(
        &env,
        "bscb",
        &[
            "--arose",
            "2026-11-24T08:30:00Z",
            "--category",
            "severity-of-risk",
        ],
    );
    let id = id_of(&v);
    assert_eq!(v["stage_name"], "Consult your line manager");
    assert_eq!(v["due"], "2026-11-24", "the same working day it arose");
    let err = env.fails(1, &["escalate", &id, "--reason", "r"]);
    assert!(
        err.contains("nothing recorded yet") && err.contains("escalate discuss"),
        "{err}"
    );

    // Stages 2 to 4 have no timescale of their own: one working week from when it
    // arose (Tue 24 Nov + 5 working days) bounds them all.
    env.now("2026-11-24T16:00:00Z");
    let v = step(&env, &id);
    assert_eq!(v["stage"], 2);
    assert_eq!(v["due"], "2026-12-01");
    env.now("2026-11-25T10:00:00Z");
    let v = step(&env, &id);
    assert_eq!(v["stage"], 3);
    assert_eq!(v["due"], "2026-12-01");
    env.now("2026-11-26T10:00:00Z");
    let v = step(&env, &id);
    assert_eq!(v["stage"], 4);
    assert_eq!(v["due"], "2026-12-01");
    assert_eq!(obligation_ids(&v), Vec::<String>::new());

    // The document's second "Stage Four" is stage 5.
    env.now("2026-11-27T10:00:00Z");
    let v = step(&env, &id);
    assert_eq!(v["stage"], 5);
    assert_eq!(v["stage_name"], "Mediation by a third party agency");
    assert_eq!(v["due"], "2026-12-01");
    assert_eq!(obligation_ids(&v), ["business-coordinator", "board-chair"]);
    let err = env.fails(1, &["escalate", &id, "--reason", "r"]);
    assert!(
        err.contains("already at stage 5") && err.contains("escalate resolve"),
        "{err}"
    );

    // After the week the dispute is overdue whatever stage it has reached.
    env.now("2026-12-02T09:00:00Z");
    let rows = env.json(&["status"]);
    assert_eq!(rows[0]["overdue"], true);
    assert_eq!(rows[0]["days_overdue"], 1);

    env.ok(&["notify", &id, "--who", "business-coordinator"]);
    let v = env.json(&["notify", &id, "--who", "Chair of the Board"]);
    assert_eq!(obligation_ids(&v), Vec::<String>::new());
    let v = env.json(&["resolve", &id, "--outcome", "Meeting agreed an assessment"]);
    assert_eq!(obligation_ids(&v), ["report-back"]);
    let v = env.json(&["notify", &id, "--who", "report-back"]);
    assert_eq!(obligation_ids(&v), Vec::<String>::new());

    // Two months later the concern comes back: the week runs from the reopening
    // (Mon 1 Feb 2027 + 5 working days), not from when it first arose.
    env.now("2027-02-01T10:00:00Z");
    let v = env.json(&[
        "reopen",
        &id,
        "--reason",
        "The agreed assessment did not happen",
    ]);
    assert_eq!(
        (v["stage"].as_u64(), v["due"].as_str()),
        (Some(5), Some("2027-02-08"))
    );
    assert_eq!(v["overdue"], false);
    env.now("2027-02-09T09:00:00Z");
    assert_eq!(env.json(&["status"])[0]["days_overdue"], 1);
}

#[test]
fn bscb_counts_from_when_the_disagreement_arose() {
    let mut env = Env::new();
    // Arose on Saturday 28 Nov, opened Monday 30 Nov.
    env.now("2026-11-30T09:00:00Z");
    let v = open(&env, "bscb", &["--arose", "2026-11-28T10:00:00Z"]);
    assert_eq!(
        v["due"], "2026-11-30",
        "a weekend moves to the next working day"
    );
    let v = step(&env, &id_of(&v));
    assert_eq!(
        v["due"], "2026-12-04",
        "one working week from Sat 28 Nov, not from opening on Mon 30"
    );
}

#[test]
fn bscb_immediate_harm_is_escalated_the_same_working_day() {
    let mut env = Env::new();
    env.now("2026-11-23T09:00:00Z");
    let urgent = id_of(&open(&env, "bscb", &["--immediate-harm"]));
    let usual = id_of(&open(&env, "bscb", &[]));
    env.now("2026-11-24T11:00:00Z");
    let v = step(&env, &urgent);
    assert_eq!(v["stage"], 2);
    assert_eq!(
        v["due"], "2026-11-24",
        "each stage on the day it is entered"
    );
    let v = step(&env, &usual);
    assert_eq!(v["due"], "2026-11-30", "otherwise one working week");
    // Entered on a Saturday: the next working day.
    env.now("2026-11-28T10:00:00Z");
    let v = step(&env, &urgent);
    assert_eq!(v["stage"], 3);
    assert_eq!(v["due"], "2026-11-30");
    // The discussion is still required: bscb has no [urgent] relaxation.
    let err = env.fails(1, &["escalate", &urgent, "--reason", "r"]);
    assert!(err.contains("nothing recorded yet"), "{err}");
}

/// Issue 30 item 19: "escalated on the same working day" is about escalating, and
/// stage 5, the final meeting, has nowhere to escalate to.
#[test]
fn bscb_immediate_harm_same_day_rule_stops_before_the_final_meeting() {
    let mut env = Env::new();
    // Opened Thu 24 Dec 2026 (a working day) for a child at immediate risk.
    env.now("2026-12-24T10:00:00Z");
    let v = open(&env, "bscb", &["--immediate-harm"]);
    let id = id_of(&v);
    assert_eq!(v["due"], "2026-12-24");
    // Escalated through on Tue 29 Dec (Fri 25 Dec and Mon 28 Dec, the Boxing Day
    // substitute, are bank holidays): stages 2 to 4 are each due that day.
    env.now("2026-12-29T09:00:00Z");
    for stage in 2..=4 {
        let v = step(&env, &id);
        assert_eq!(
            (v["stage"].as_u64(), v["due"].as_str()),
            (Some(stage), Some("2026-12-29"))
        );
    }
    // Stage 5: only the one working week from Thu 24 Dec bounds it: Tue 29,
    // Wed 30, Thu 31 Dec, (Fri 1 Jan a bank holiday) Mon 4, Tue 5 Jan.
    let v = step(&env, &id);
    assert_eq!(v["stage"], 5);
    assert_eq!(v["due"], "2027-01-05", "not due the day it was entered");
    env.now("2026-12-30T09:00:00Z");
    let rows = env.json(&["status"]);
    assert_eq!(rows[0]["overdue"], false, "{rows}");
}

#[test]
fn lscb_has_no_fixed_timescales_and_tells_the_board_manager() {
    let mut env = Env::new();
    env.now("2026-11-23T09:00:00Z");
    let v = open(&env, "lscb", &["--category", "levels-of-need"]);
    let id = id_of(&v);
    assert_eq!(v["due"], Value::Null);
    env.now("2026-11-26T09:00:00Z");
    let v = env.json(&["show", &id]);
    assert_eq!(v["working_days_in_stage"], 3);
    let text = env.ok(&["status"]);
    assert!(
        text.contains("no fixed timescale; 3 working days"),
        "{text}"
    );

    let v = step(&env, &id);
    assert_eq!(
        (v["stage"].as_u64(), v["due"].clone()),
        (Some(2), Value::Null)
    );
    let v = step(&env, &id);
    assert_eq!(v["stage"], 3);
    assert_eq!(obligation_ids(&v), ["board-manager"]);
    let v = env.json(&[
        "notify",
        &id,
        "--who",
        "Safeguarding Children's Board Manager",
    ]);
    assert_eq!(obligation_ids(&v), Vec::<String>::new());
    let v = step(&env, &id);
    assert_eq!(v["stage"], 4);
    assert_eq!(obligation_ids(&v), Vec::<String>::new());
    let v = env.json(&["resolve", &id, "--outcome", "Agreed"]);
    assert_eq!(obligation_ids(&v), ["board-manager-outcome"]);
    let v = env.json(&["notify", &id, "--who", "board-manager-outcome"]);
    assert_eq!(obligation_ids(&v), Vec::<String>::new());

    // To stage 5: the LSCB Chair; resolving there also advises the Board Manager.
    let id = id_of(&open(&env, "lscb", &[]));
    for _ in 0..4 {
        step(&env, &id);
    }
    let v = env.json(&["show", &id]);
    assert_eq!(v["stage"], 5);
    assert_eq!(obligation_ids(&v), ["board-manager", "lscb-chair"]);
    let err = env.fails(1, &["escalate", &id, "--reason", "r"]);
    assert!(err.contains("already at stage 5"), "{err}");
    let v = env.json(&["resolve", &id, "--outcome", "Panel decided"]);
    assert_eq!(
        obligation_ids(&v),
        ["board-manager", "lscb-chair", "board-manager-outcome"]
    );

    // Resolved at stage 3: no outcome notice (the document asks for it from stage 4).
    let id = id_of(&open(&env, "lscb", &[]));
    step(&env, &id);
    step(&env, &id);
    env.ok(&["notify", &id, "--who", "board-manager"]);
    let v = env.json(&["resolve", &id, "--outcome", "Managers agreed"]);
    assert_eq!(obligation_ids(&v), Vec::<String>::new());
}

#[test]
fn lscb_starts_at_a_later_stage_only_for_immediate_harm_with_a_reason() {
    let env = Env::new();
    let base = [
        "open",
        "--policy",
        "lscb",
        "--child",
        "C1",
        "--from",
        "Playgroup",
        "--with",
        "CSC",
        "--summary",
        "s",
        "--stage",
        "3",
    ];
    let err = env.fails(1, &base);
    assert!(
        err.contains("starts every dispute at stage 1") && err.contains("--immediate-harm"),
        "{err}"
    );
    let mut urgent = base.to_vec();
    urgent.push("--immediate-harm");
    let err = env.fails(1, &urgent);
    assert!(err.contains("needs a recorded reason"), "{err}");
    urgent.extend(["--reason", "Child seen with injuries; manager unavailable"]);
    let v = env.json(&urgent);
    assert_eq!(v["stage"], 3);
    assert_eq!(obligation_ids(&v), ["board-manager"]);
    let mut nowhere = base.to_vec();
    nowhere[12] = "6";
    nowhere.extend(["--immediate-harm", "--reason", "r"]);
    let err = env.fails(1, &nowhere);
    assert!(err.contains("has no stage 6"), "{err}");
}

#[test]
fn cscp_walks_its_four_stages_with_their_timescales_in_sequence() {
    let mut env = Env::new();
    // Arose Mon 23 Nov 08:30; opened at 09:00.
    env.now("2026-11-23T09:00:00Z");
    let v = open(
        &env,
        "cscp",
        &[
            "--category",
            "threshold-for-assessment",
            "--arose",
            "2026-11-23T08:30:00Z",
        ],
    );
    let id = id_of(&v);
    assert_eq!(v["stage"], 1);
    // Re-encoded with steps (format 2): the report to the line managers is due by
    // the end of the working day after the disagreement arose; the stage has no
    // date of its own.
    assert_eq!(v["due"], Value::Null);
    assert_eq!(v["obligations"][0]["id"], "report");
    assert_eq!(v["obligations"][0]["due"], "2026-11-24");
    let err = env.fails(1, &["escalate", &id, "--reason", "r"]);
    assert!(err.contains("nothing recorded yet"), "{err}");
    env.now("2026-11-24T08:31:00Z");
    assert_eq!(
        env.json(&["show", &id])["overdue"],
        false,
        "not twenty-four clock hours from when it arose"
    );

    env.now("2026-11-24T10:00:00Z");
    let v = step(&env, &id);
    assert_eq!(v["stage"], 2);
    assert_eq!(
        v["due"],
        Value::Null,
        "'referred without delay' is the escalation itself; the stage sets no timescale"
    );
    assert_eq!(obligation_ids(&v), ["tac-officer"]);
    let v = env.json(&["notify", &id, "--who", "tac-officer", "--note", "Invited"]);
    assert_eq!(obligation_ids(&v), Vec::<String>::new());

    env.now("2026-11-25T10:00:00Z");
    let v = step(&env, &id);
    assert_eq!(v["stage"], 3);
    assert_eq!(v["due"], Value::Null);
    env.now("2026-11-26T10:00:00Z");
    let v = step(&env, &id);
    assert_eq!(v["stage"], 4);
    assert_eq!(v["due"], Value::Null);
    assert_eq!(obligation_ids(&v), ["board-chair"]);
    let err = env.fails(1, &["escalate", &id, "--reason", "r"]);
    assert!(err.contains("already at stage 4"), "{err}");
    env.ok(&["notify", &id, "--who", "board-chair"]);
    let v = env.json(&["resolve", &id, "--outcome", "CSEL decided"]);
    assert_eq!(obligation_ids(&v), ["case-review"]);
    let v = env.json(&[
        "notify",
        &id,
        "--who",
        "case-review",
        "--note",
        "Not needed",
    ]);
    assert_eq!(obligation_ids(&v), Vec::<String>::new());

    // Opened on a Friday afternoon: Monday for the discussion, Tuesday for the
    // line managers, never the Saturday.
    env.now("2026-11-27T15:00:00Z");
    let v = open(&env, "cscp", &["--category", "invoking-child-protection"]);
    assert_eq!(v["obligations"][0]["due"], "2026-11-30");
    assert_eq!(v["obligations"][0]["due_time"], Value::Null);
    // Not a threshold dispute: no TAC officer.
    let id = id_of(&v);
    let v = step(&env, &id);
    assert_eq!(v["stage"], 2);
    assert_eq!(obligation_ids(&v), Vec::<String>::new());
}

#[test]
fn cscp_and_cumbria_refuse_the_disagreements_they_do_not_cover() {
    let env = Env::new();
    for policy in ["cscp", "cumbria"] {
        for (category, words) in [
            (
                "convening-icpc",
                "convening an initial child protection conference",
            ),
            (
                "implementing-cp-plan",
                "implementing the child protection plan",
            ),
        ] {
            let err = env.fails(1, &open_args(policy, &["--category", category]));
            assert!(
                err.contains(&format!(
                    "{policy} does not cover disagreements about {words}"
                )) && err.contains("It does not include procedures"),
                "{err}"
            );
        }
    }
    let text = env.ok(&["policy", "show", "cumbria"]);
    assert!(text.contains("EXCLUDED"), "{text}");
}

#[test]
fn cscp_urgent_cases_may_move_on_before_the_discussion_but_not_start_later() {
    let env = Env::new();
    let id = id_of(&open(&env, "cscp", &["--immediate-harm"]));
    let v = env.json(&["escalate", &id, "--reason", "Child at immediate risk"]);
    assert_eq!(v["stage"], 2);
    let v = env.json(&["escalate", &id, "--reason", "Child at immediate risk"]);
    assert_eq!(v["stage"], 3);
    let err = env.fails(
        1,
        &open_args(
            "cscp",
            &["--immediate-harm", "--stage", "3", "--reason", "r"],
        ),
    );
    assert!(err.contains("starts every dispute at stage 1"), "{err}");
}

#[test]
fn cumbria_formal_process_is_seven_working_days_after_an_urgency_assessment() {
    let mut env = Env::new();
    env.now("2026-11-23T09:00:00Z");
    let plain = id_of(&open(
        &env,
        "cumbria",
        &["--category", "assessment-outcome"],
    ));
    let cp = id_of(&open(&env, "cumbria", &["--cp-plan"]));
    let enquiry = id_of(&open(
        &env,
        "cumbria",
        &["--category", "child-protection-enquiry"],
    ));
    for id in [&plain, &cp, &enquiry] {
        env.now("2026-11-23T09:00:00Z");
        let v = env.json(&["show", id]);
        assert_eq!(v["due"], Value::Null, "levels 1 and 2 set no timescale");
        let v = step(&env, id);
        assert_eq!(
            (v["stage"].as_u64(), v["due"].clone()),
            (Some(2), Value::Null)
        );
        env.now("2026-11-24T10:00:00Z");
        let v = step(&env, id);
        assert_eq!(v["stage"], 3);
        assert_eq!(
            v["due"],
            Value::Null,
            "'referred without delay' is the escalation itself"
        );
        let v = step(&env, id);
        assert_eq!(v["stage"], 4);
        assert_eq!(v["due"], Value::Null);
        env.now("2026-11-26T14:15:00Z");
        let v = step(&env, id);
        assert_eq!(v["stage"], 5);
        assert_eq!(
            obligation_ids(&v),
            [
                "urgency-assessment",
                "scp-chair",
                "scp-business-manager",
                "independent-member",
                "partnership-report"
            ]
        );
    }
    let urgency = |v: &Value| {
        v["obligations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["id"] == "urgency-assessment")
            .cloned()
            .expect("the urgency assessment is outstanding")
    };
    let v = env.json(&["show", &plain]);
    assert_eq!(v["due"], "2026-12-07", "Thu 26 Nov + 7 working days");
    assert_eq!(v["due_time"], Value::Null);
    assert_eq!(
        urgency(&v)["due"],
        Value::Null,
        "no time limit of its own outside child protection"
    );
    for id in [&cp, &enquiry] {
        let v = env.json(&["show", id]);
        assert_eq!(v["due"], "2026-12-07", "the decision: 7 working days");
        assert_eq!(v["due_time"], Value::Null);
        assert_eq!(
            urgency(&v)["due"],
            "2026-11-27",
            "child protection: the urgency assessed within 24 hours"
        );
        assert_eq!(urgency(&v)["overdue"], false);
    }
    env.now("2026-11-27T14:16:00Z");
    assert_eq!(urgency(&env.json(&["show", &cp]))["overdue"], true);
    assert_eq!(urgency(&env.json(&["show", &plain]))["overdue"], false);
    let err = env.fails(1, &["escalate", &plain, "--reason", "r"]);
    assert!(err.contains("already at stage 5"), "{err}");
    for who in [
        "urgency-assessment",
        "SCP Chair",
        "scp-business-manager",
        "independent-member",
        "partnership-report",
    ] {
        env.ok(&["notify", &plain, "--who", who]);
    }
    let v = env.json(&["resolve", &plain, "--outcome", "SCP member decided"]);
    assert_eq!(obligation_ids(&v), Vec::<String>::new());
}

/// Issue 30 item 21: "informed immediately" on Christmas Day is said plainly: the
/// office is shut, so it is due by the end of the next working day.
#[test]
fn gscb_immediately_on_a_day_the_office_is_shut_is_said_plainly() {
    let mut env = Env::new();
    // Fri 25 Dec 2026; Mon 28 Dec is the Boxing Day substitute: Tue 29 Dec opens.
    env.now("2026-12-25T10:00:00Z");
    let id = id_of(&open(&env, "gscb", &["--immediate-harm"]));
    let text = env.ok(&["show", &id]);
    assert!(
        text.contains("It arose on Fri 25 Dec 2026, a day the office is shut")
            && text.contains("as soon as it opens, by the end of Tue 29 Dec 2026"),
        "{text}"
    );
    let v = env.json(&["show", &id]);
    assert_eq!(crate::support::duty(&v, "dsl")["due"], "2026-12-29");
    env.now("2026-12-29T23:59:00Z");
    let v = env.json(&["show", &id]);
    assert_eq!(crate::support::duty(&v, "dsl")["overdue"], false);
    env.now("2026-12-30T00:00:01Z");
    let v = env.json(&["show", &id]);
    assert_eq!(crate::support::duty(&v, "dsl")["overdue"], true);
    // A working day needs no such words.
    env.now("2026-12-29T10:00:00Z");
    let id = id_of(&open(&env, "gscb", &["--immediate-harm"]));
    assert!(!env.ok(&["show", &id]).contains("office is shut"));
    let reading = env.ok(&["policy", "show", "gscb"]);
    assert!(reading.contains("On a day the office is shut"), "{reading}");
}

/// Issue 30 item 22: child protection recorded after the formal process began
/// starts the urgency assessment's 24 hours then, not at the stage's entry.
#[test]
fn cumbria_child_protection_learned_later_counts_24_hours_from_then() {
    let mut env = Env::new();
    env.now("2026-11-23T09:00:00Z");
    let id = id_of(&open(&env, "cumbria", &[]));
    for _ in 0..4 {
        step(&env, &id);
    }
    // Stage 5 entered Mon 23 Nov 09:00; child protection recorded Wed 25 Nov 11:30.
    env.now("2026-11-25T11:30:00Z");
    let v = env.json(&[
        "amend",
        &id,
        "--fact",
        "cp-plan=yes",
        "--note",
        "A child protection plan was made yesterday",
    ]);
    let duty = crate::support::duty(&v, "urgency-assessment");
    assert_eq!(duty["due"], "2026-11-26", "24 hours from Wed 11:30: {duty}");
    assert_eq!(duty["overdue"], false, "not overdue the moment it arises");
    env.now("2026-11-26T11:30:00Z");
    let v = env.json(&["show", &id]);
    assert_eq!(
        crate::support::duty(&v, "urgency-assessment")["overdue"],
        false
    );
    env.now("2026-11-26T11:31:00Z");
    let v = env.json(&["show", &id]);
    assert_eq!(
        crate::support::duty(&v, "urgency-assessment")["overdue"],
        true
    );
}

/// Issue 30 item 23 (clarification 5): an earlier date that protects the child,
/// with its reason, at opening or at any point of a stage, under any policy; a
/// later one still only where the policy lets the parties agree one.
#[test]
fn an_earlier_date_with_a_reason_is_accepted_under_every_policy() {
    let mut env = Env::new();
    // Mon 30 Nov 2026: gscb stage 1 is due Mon 7 Dec.
    env.now("2026-11-30T09:00:00Z");
    let v = open(
        &env,
        "gscb",
        &[
            "--due",
            "2026-12-03",
            "--due-reason",
            "child goes home Thursday",
        ],
    );
    let id = id_of(&v);
    assert_eq!(
        (v["due"].as_str(), v["due_set_by"].as_str()),
        (Some("2026-12-03"), Some("user"))
    );
    let text = env.ok(&["show", &id]);
    assert!(
        text.contains("Thu 3 Dec 2026") && text.contains("(a date set to protect the child)"),
        "{text}"
    );
    assert!(
        text.contains("due set to 2026-12-03 (child goes home Thursday)"),
        "{text}"
    );
    let err = env.fails(
        1,
        &open_args("gscb", &["--due", "2026-12-08", "--due-reason", "agreed"]),
    );
    assert!(
        err.contains("later than the policy allows")
            && err.contains("does not let the parties agree"),
        "{err}"
    );

    // cumbria: the Executive Manager/Lead sets a shorter timescale after the formal
    // process began (entered Mon 30 Nov: 7 working days is Wed 9 Dec).
    let id = id_of(&open(&env, "cumbria", &[]));
    for _ in 0..4 {
        step(&env, &id);
    }
    env.now("2026-12-01T15:00:00Z");
    assert_eq!(env.json(&["show", &id])["due"], "2026-12-09");
    let err = env.fails(1, &["agree", &id, "--due", "2026-12-10", "--note", "n"]);
    assert!(err.contains("does not let the parties agree"), "{err}");
    let err = env.fails(1, &["agree", &id, "--due", "2026-11-30", "--note", "n"]);
    assert!(err.contains("has already passed"), "{err}");
    let out = env.ok(&[
        "agree",
        &id,
        "--due",
        "2026-12-03",
        "--note",
        "Executive Lead: the child protection conference is on Friday",
    ]);
    assert!(
        out.contains("Recorded a date to protect the child for stage 5"),
        "{out}"
    );
    let v = env.json(&["show", &id]);
    assert_eq!(
        (v["due"].as_str(), v["due_set_by"].as_str()),
        (Some("2026-12-03"), Some("user"))
    );
    let text = env.ok(&["show", &id]);
    assert!(
        text.contains("set a date for stage 5 to protect the child: due 2026-12-03"),
        "{text}"
    );
    env.now("2026-12-04T00:00:01Z");
    assert_eq!(env.json(&["show", &id])["overdue"], true);
}

#[test]
fn cumbria_executive_lead_sets_a_shorter_timescale() {
    let mut env = Env::new();
    env.now("2026-11-23T09:00:00Z");
    let id = id_of(&open(&env, "cumbria", &[]));
    for _ in 0..3 {
        step(&env, &id);
    }
    env.ok(&["discuss", &id, "--note", "Executive leads could not agree"]);
    let err = env.fails(
        1,
        &["escalate", &id, "--reason", "r", "--due", "2026-12-03"],
    );
    assert!(err.contains("later than the policy allows"), "{err}");
    let v = env.json(&["escalate", &id, "--reason", "r", "--due", "2026-11-26"]);
    assert_eq!(v["due"], "2026-11-26");
    assert_eq!(v["due_set_by"], "user");
}

#[test]
fn policy_show_describes_every_part_and_draws_flowcharts() {
    let env = Env::new();
    let v = env.json(&["policy", "show", "bscb"]);
    assert_eq!(v["id"], "bscb");
    assert_eq!(v["stage"].as_array().unwrap().len(), 5);
    assert_eq!(v["hash"].as_str().unwrap().len(), 64);
    assert_eq!(v["limit"][0]["scope"], "whole-dispute");
    assert_eq!(v["stage"][0]["deadline"][0]["from"], "arose");

    let text = env.ok(&["policy", "show", "bscb"]);
    for needle in [
        "Birmingham Safeguarding Children Board (2020)",
        "Consult your",
        "The whole dispute: 5 working days",
        "board-chair",
        "Readings",
        "renumbered",
        "gaps or weaknesses",
    ] {
        assert!(text.contains(needle), "missing {needle:?}:\n{text}");
    }
    let text = env.ok(&["policy", "show", "lscb"]);
    assert!(text.contains("may start at any stage"), "{text}");

    let mermaid = env.ok(&["policy", "show", "lscb", "--format", "mermaid"]);
    assert!(mermaid.starts_with("flowchart TD\n"), "{mermaid}");
    assert!(
        mermaid.contains("urgent -.->|\"may start here\"| s3"),
        "{mermaid}"
    );
    assert!(mermaid.contains("s4 -->|\"not resolved\"| s5"), "{mermaid}");
    // A quote or markup in a label is an entity, never the end of the label.
    let dir = env.config().join("policies");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("quoted.toml"),
        MINI.replace("\"mini\"", "\"quoted\"").replace(
            "name = \"One\"",
            "name = 'Talk to the \"other\" <b>worker</b> | #1'",
        ),
    )
    .unwrap();
    let mermaid = env.ok(&["policy", "show", "quoted", "--format", "mermaid"]);
    assert!(
        mermaid.contains(
            "s1[\"1. Talk to the #quot;other#quot; #lt;b#gt;worker#lt;/b#gt; #124; #35;1<br/>"
        ),
        "{mermaid}"
    );
    let dot = env.ok(&["policy", "show", "quoted", "--format", "dot"]);
    assert!(
        dot.contains("s1 [label=\"1. Talk to the \\\"other\\\" <b>worker</b> | #1\\n"),
        "{dot}"
    );
    let dot = env.ok(&["policy", "show", "cumbria", "--format", "dot"]);
    assert!(
        dot.starts_with("digraph \"cumbria\" {\n") && dot.ends_with("}\n"),
        "{dot}"
    );
    assert!(dot.contains("s4 -> s5 [label=\"not resolved\"];"), "{dot}");

    let err = env.fails(2, &["policy", "show", "bscb", "--format", "dot", "--json"]);
    assert!(err.contains("--json"), "{err}");
    let err = env.fails(1, &["policy", "show", "nowhere"]);
    assert!(err.contains("there is no policy called"), "{err}");
}

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

/// A small valid policy; tests break one thing at a time.
const MINI: &str = r#"format = 1
id = "mini"
name = "Mini"
partnership = "Mini Partnership"
year = 2025
document = "Mini document"

[[stage]]
number = 1
name = "One"
who = "W"
action = "A"
source = "S"

[[stage.deadline]]
working_days = 5
source = "S"

[[stage]]
number = 2
name = "Two"
who = "W"
action = "A"
source = "S"

[[stage.deadline]]
none = true
source = "S"
"#;

/// Write `text` as a policy file and run `policy check` on it, expecting failure;
/// returns stderr.
fn check_fails(env: &Env, name: &str, text: &str) -> (String, String) {
    let path = env.tmp.path().join(name);
    std::fs::write(&path, text).unwrap();
    let p = path.display().to_string();
    (env.fails(1, &["policy", "check", &p]), p)
}

#[test]
fn malformed_policies_fail_with_the_line_and_what_to_change() {
    let env = Env::new();
    let ok = env.tmp.path().join("mini.toml");
    std::fs::write(&ok, MINI).unwrap();
    env.ok(&["policy", "check", &ok.display().to_string()]);

    let cases: Vec<(&str, String, Vec<&str>)> = vec![
        (
            "unknown-key.toml",
            MINI.replace("who = \"W\"\naction = \"A\"\nsource = \"S\"\n\n[[stage.deadline]]\nnone", "who = \"W\"\naction = \"A\"\nsource = \"S\"\ncolour = \"red\"\n\n[[stage.deadline]]\nnone"),
            vec!["line 25: [[stage]] table 2: unknown field `colour`"],
        ),
        (
            "gap.toml",
            MINI.replace("number = 2", "number = 3"),
            vec!["line 19: stage 2 is missing"],
        ),
        (
            "order.toml",
            MINI.replace("number = 1", "number = 2").replacen("number = 2\nname = \"Two\"", "number = 1\nname = \"Two\"", 1),
            vec!["line 8: stage 1 is missing", "line 19: stage numbers must increase: stage 1 comes after stage 2"],
        ),
        (
            "empty-deadline.toml",
            MINI.replace("working_days = 5\n", ""),
            vec!["line 15: stage 1: a deadline needs one of working_days"],
        ),
        (
            "none-and-days.toml",
            MINI.replace("none = true\n", "none = true\nworking_days = 3\n"),
            vec!["line 26: stage 2: `none = true` cannot be combined with a timescale"],
        ),
        (
            "unknown-when.toml",
            MINI.replace("working_days = 5\n", "working_days = 5\nwhen = [\"child-in-need\"]\n")
                .replace("[[stage]]\nnumber = 2", "[[stage.deadline]]\nnone = true\nsource = \"S\"\n\n[[stage]]\nnumber = 2"),
            vec!["line 15: stage 1: unknown condition \"child-in-need\" in `when`; known: cp-plan, looked-after, immediate-harm"],
        ),
        (
            "missing-stage.toml",
            format!("{MINI}\n[[obligation]]\nid = \"chair\"\nwho = \"Chair\"\naction = \"Tell the Chair\"\non = \"enter\"\nstage = 7\nsource = \"S\"\n"),
            vec!["line 30: obligation \"chair\": there is no stage 7"],
        ),
        (
            "only-conditional.toml",
            MINI.replace("working_days = 5\n", "working_days = 5\nwhen = [\"cp-plan\"]\n"),
            vec!["line 8: stage 1: every deadline has a `when` condition"],
        ),
        (
            "excluded-when.toml",
            format!("{MINI}\n[[category]]\nid = \"icpc\"\nname = \"ICPC\"\nexcluded = true\nsource = \"S\"\n\n[[obligation]]\nid = \"x\"\nwho = \"X\"\naction = \"Tell X\"\non = \"open\"\nwhen = [\"category:icpc\"]\nsource = \"S\"\n"),
            vec!["line 36: obligation \"x\": unknown condition \"category:icpc\"", "excluded categories cannot be used"],
        ),
        (
            "bad-bypass.toml",
            format!("{MINI}\n[[bypass]]\nrole = \"Chair\"\nto_stage = 2\nsource = \"S\"\n"),
            vec!["line 30: bypass for \"Chair\": to_stage = 2 skips no stage"],
        ),
        (
            "duplicate-obligation.toml",
            format!("{MINI}\n[[obligation]]\nid = \"a\"\nwho = \"A\"\naction = \"Tell A\"\non = \"open\"\nsource = \"S\"\n\n[[obligation]]\nid = \"a\"\nwho = \"B\"\naction = \"Tell B\"\non = \"open\"\nsource = \"S\"\n"),
            vec!["line 37: obligation \"a\": the id is used twice"],
        ),
        (
            "empty-urgent.toml",
            format!("{MINI}\n[urgent]\nsource = \"S\"\n"),
            vec!["[urgent] changes nothing"],
        ),
        (
            "builtin-id.toml",
            MINI.replace("id = \"mini\"", "id = \"gscb\""),
            vec!["line 2: id \"gscb\" is the id of a built-in policy"],
        ),
    ];
    for (name, text, expected) in cases {
        let (err, path) = check_fails(&env, name, &text);
        for e in expected {
            assert!(
                err.contains(&format!("{path}: {e}"))
                    || (!e.starts_with("line") && err.contains(e)),
                "{name}: expected {e:?} in:\n{err}"
            );
        }
    }
    // Every problem is listed, not only the first.
    let (err, _) = check_fails(
        &env,
        "two.toml",
        &MINI
            .replace("number = 2", "number = 3")
            .replace("working_days = 5\n", ""),
    );
    assert!(err.contains("has 2 problems"), "{err}");
    // A file that is not there, or not a policy at all.
    let err = env.fails(1, &["policy", "check", "/nonexistent/policy.toml"]);
    assert!(err.contains("could not read policy file"), "{err}");
}

#[test]
fn user_policies_are_used_by_id_but_may_not_reuse_a_built_in_id() {
    let env = Env::new();
    let dir = env.config().join("policies");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("ours.toml"),
        MINI.replace("\"mini\"", "\"our-area\""),
    )
    .unwrap();
    let v = open(&env, "our-area", &[]);
    assert_eq!(v["policy"], "our-area");
    assert_eq!(v["due"], "2026-11-30");
    let list = env.json(&["policy", "list"]);
    let ours = &list.as_array().unwrap()[5];
    assert_eq!(ours["id"], "our-area");
    assert!(
        ours["origin"].as_str().unwrap().ends_with("ours.toml"),
        "{ours}"
    );

    std::fs::write(
        dir.join("theirs.toml"),
        MINI.replace("\"mini\"", "\"gscb\""),
    )
    .unwrap();
    // The clashing file is reported on every command and never used; the rest
    // of the catalogue keeps working.
    let out = env.cmd(&["policy", "list", "--json"]).output().unwrap();
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("uses id \"gscb\", which is already a built-in policy"),
        "{err}"
    );
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    let gscb = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["id"] == "gscb")
        .count();
    assert_eq!(gscb, 1);
    let v = open(&env, "gscb", &[]);
    assert_eq!(v["due"], "2026-11-30");
    // A broken file named like the policy explains itself.
    std::fs::write(
        dir.join("broken.toml"),
        "format = 1\nid = \"broken\"\nnonsense = 1\n",
    )
    .unwrap();
    let err = env.fails(1, &open_args("broken", &[]));
    assert!(
        err.contains("policy \"broken\" cannot be used") && err.contains("nonsense"),
        "{err}"
    );
    // --policy-file may not pass off another text under a built-in id.
    let err = env.fails(
        1,
        &[
            "open",
            "--policy-file",
            dir.join("theirs.toml").to_str().unwrap(),
            "--child",
            "C",
            "--from",
            "A",
            "--with",
            "B",
            "--summary",
            "s",
        ],
    );
    assert!(err.contains("already a built-in policy"), "{err}");
}

/// Issue 30 item 24: `policy check` lists every problem in one run, each once, at
/// its own line.
#[test]
fn policy_check_lists_every_problem_once_at_its_own_line() {
    let env = Env::new();
    let problems = |err: &str| -> Vec<String> {
        err.lines()
            .filter(|l| l.starts_with("  ") && l.contains(".toml: "))
            .map(|l| l.split_once(".toml: ").unwrap().1.to_owned())
            .collect()
    };
    // A bad division no longer hides a built-in id clash, nor a bad subject both.
    let text = MINI
        .replace("\"mini\"", "\"gscb\"")
        .replace("format = 1", "format = 2")
        .replace(
            "document = \"Mini document\"",
            "document = \"Mini document\"\ndivision = \"wales\"\nsubject = \"kids\"",
        );
    let (err, _) = check_fails(&env, "header.toml", &text);
    let found = problems(&err);
    assert_eq!(found.len(), 3, "{err}");
    assert!(
        found[0].starts_with("line 2: id \"gscb\" is the id of a built-in policy"),
        "{err}"
    );
    assert!(found[1].starts_with("line 7: division: `wales`"), "{err}");
    assert!(found[2].starts_with("line 8: subject: `kids`"), "{err}");
    assert!(err.contains("has 3 problems"), "{err}");

    // A step before any stage: said at the step, not "duplicate key" at the stage.
    let text = MINI.replace(
        "format = 1",
        "format = 2",
    ).replace(
        "document = \"Mini document\"\n",
        "document = \"Mini document\"\n\n[[stage.step]]\nid = \"x\"\nwho = \"W\"\naction = \"A\"\ndue = { working_days = 1 }\nsource = \"S\"\n",
    );
    let (err, _) = check_fails(&env, "early-step.toml", &text);
    let found = problems(&err);
    assert_eq!(found.len(), 1, "{err}");
    assert!(
        found[0].starts_with("line 8: [[stage.step]] comes before any [[stage]]"),
        "{err}"
    );
    assert!(!err.contains("duplicate key"), "{err}");

    // One typo is one problem, at its own line.
    let text = MINI.replace("working_days = 5\n", "working_days = 5\nsorce = \"S\"\n");
    let (err, _) = check_fails(&env, "typo.toml", &text);
    let found = problems(&err);
    assert_eq!(found.len(), 1, "{err}");
    assert!(
        found[0].starts_with("line 17: [[stage]] table 1, a deadline: unknown field `sorce`"),
        "{err}"
    );
    assert!(err.contains("has 1 problem:"), "{err}");

    // Format 2 keys in a format 1 file, each at its line.
    let text = MINI
        .replace(
            "document = \"Mini document\"",
            "document = \"Mini document\"\nsubject = \"adults\"",
        )
        .replace("name = \"Two\"", "name = \"Two\"\nlabel = \"2a\"");
    let (err, _) = check_fails(&env, "format1.toml", &text);
    let found = problems(&err);
    assert_eq!(
        found,
        [
            "line 7: subject needs format = 2 (format 1 files keep their old meaning); change the first line to `format = 2`",
            "line 23: label needs format = 2 (format 1 files keep their old meaning); change the first line to `format = 2`",
        ],
        "{err}"
    );

    // A step's problem is at the step, not at its stage.
    let text = format!(
        "{}\n[[stage.step]]\nid = \"x\"\nwho = \"W\"\naction = \"A\"\nafter = \"nothing\"\ndue = {{ working_days = 1 }}\nsource = \"S\"\n",
        MINI.replace("format = 1", "format = 2")
    );
    let (err, _) = check_fails(&env, "step.toml", &text);
    let found = problems(&err);
    assert_eq!(found.len(), 1, "{err}");
    assert!(
        found[0].starts_with("line 30: stage 2 step \"x\": after = \"nothing\""),
        "{err}"
    );
}

/// Issue 30 item 24: a policy whose urgency is an urgent branch is not said to
/// have "no [urgent] rules"; a stage only another role may open says who may.
#[test]
fn policy_check_names_an_urgent_branch_and_open_names_who_may_open_later() {
    let env = Env::new();
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/cli/fixtures/format2");
    let out = env.ok(&["policy", "check", &format!("{fixtures}/branches.toml")]);
    assert!(!out.contains("no [urgent] rules"), "{out}");
    assert!(
        out.contains("a child at risk of immediate harm takes the urgent branch: stage 4a"),
        "{out}"
    );

    let dir = env.config().join("policies");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(format!("{fixtures}/bypass.toml"), dir.join("bypass.toml")).unwrap();
    let err = env.fails(
        1,
        &open_args(
            "bypass-example",
            &["--stage", "3", "--as", "Team manager", "--reason", "r"],
        ),
    );
    assert!(
        err.contains("only \"Independent Reviewing Officer\" may open a dispute at stage 3, not \"Team manager\"")
            && !err.contains("starts every dispute"),
        "{err}"
    );
    env.json(&open_args(
        "bypass-example",
        &[
            "--stage",
            "3",
            "--as",
            "Independent Reviewing Officer",
            "--reason",
            "r",
        ],
    ));
}

/// Issue 30 item 25: `policy show FILE` reads a policy before it is installed
/// (it said "there is no policy called ..."), and lists a broken file's problems.
#[test]
fn policy_show_previews_a_file_before_it_is_installed() {
    let env = Env::new();
    let path = env.tmp.path().join("our-area.toml");
    std::fs::write(&path, MINI).unwrap();
    let file = path.display().to_string();
    let text = env.ok(&["policy", "show", &file]);
    assert!(
        text.contains("Mini Partnership") && text.contains(&file),
        "{text}"
    );
    let v = env.json(&["policy", "show", &file]);
    assert_eq!(
        (v["id"].as_str(), v["origin"].as_str()),
        (Some("mini"), Some(file.as_str()))
    );
    // Not installed: the id alone still means nothing.
    let err = env.fails(1, &["policy", "show", "mini"]);
    assert!(err.contains("there is no policy called \"mini\""), "{err}");
    std::fs::write(&path, MINI.replace("number = 2", "number = 3")).unwrap();
    let err = env.fails(1, &["policy", "show", &file]);
    assert!(err.contains("stage 2 is missing"), "{err}");
}

/// Issue 30 item 25: the manual names the status cache as it is, and the policy
/// page says what a broken file in the policies folder does (warns; escalate runs).
#[test]
fn the_manual_says_what_the_files_are_and_do() {
    let root = env!("CARGO_MANIFEST_DIR");
    let man = std::path::Path::new(root).join("man");
    for entry in std::fs::read_dir(&man).unwrap() {
        let path = entry.unwrap().path();
        let page = std::fs::read_to_string(&path).unwrap();
        assert!(
            !page.contains("status.jsonl"),
            "{} names status.jsonl",
            path.display()
        );
    }
    let top = std::fs::read_to_string(man.join("escalate.1")).unwrap();
    assert!(
        top.contains("cache/status.bin"),
        "escalate.1 does not name the cache"
    );
    let format = std::fs::read_to_string(format!("{root}/policies/README.md")).unwrap();
    assert!(
        !format.contains("escalate refuses to run"),
        "policies/README.md"
    );
    assert!(
        format.contains("does not stop\nescalate: every command warns"),
        "policies/README.md"
    );
}
