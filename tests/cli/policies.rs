//! The built-in policies and other partnerships' published procedures end to
//! end: every stage's deadline, every obligation arising and met, every refusal
//! the documents imply, walked through with pinned clocks and due dates worked out
//! by hand (fixtures in `fixtures/partnerships/`; December 2026 is GMT, so London
//! time is UTC; Fri 25 and Mon 28 Dec 2026 and Fri 1 Jan 2027 are bank holidays).

use crate::support::policies::{id_of, obligation_ids, open, step};
use crate::support::{duty, duty_ids as ids, open_args, Env};
use serde_json::Value;

const FIXTURES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/cli/fixtures/partnerships"
);

/// Every fixture in the folder, by file stem.
const ALL: [&str; 8] = [
    "sefton",
    "lincolnshire",
    "london",
    "wirral",
    "cheshire-west-adults",
    "liverpool",
    "west-yorkshire",
    "west-midlands",
];

fn path(name: &str) -> String {
    format!("{FIXTURES}/{name}.toml")
}

/// `policy check` passes the fixture as it stands, then it is installed as a user
/// policy in the configuration folder.
fn checked_and_installed(env: &Env, name: &str) {
    let out = env.ok(&["policy", "check", &path(name)]);
    assert!(out.contains("is a valid policy"), "{name}: {out}");
    let dir = env.config().join("policies");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(path(name), dir.join(format!("{name}.toml"))).unwrap();
}

fn discuss_and_escalate(env: &Env, id: &str) -> Value {
    env.ok(&["discuss", id, "--note", "Discussed; no agreement"]);
    env.json(&["escalate", id, "--reason", "Not resolved at this stage"])
}

fn overdue_at(env: &mut Env, id: &str, now: &str) -> bool {
    env.now(now);
    env.json(&["show", id])["overdue"]
        .as_bool()
        .expect("overdue")
}

#[test]
fn every_fixture_says_where_it_was_published_and_what_was_not_seen() {
    let env = Env::new();
    let listed: Vec<String> = {
        let mut names: Vec<String> = std::fs::read_dir(FIXTURES)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    let mut all: Vec<String> = ALL.iter().map(|s| s.to_string()).collect();
    all.sort();
    assert_eq!(listed, all, "every fixture is walked by a test below");
    for name in ALL {
        let text = std::fs::read_to_string(path(name)).unwrap();
        for words in ["Published", "SEEN:", "NOT SEEN", "http"] {
            assert!(text.contains(words), "{name} lacks {words:?}");
        }
        assert!(
            !text.contains("illustrative"),
            "{name} must quote, not invent"
        );
        let out = env.ok(&["policy", "check", &path(name)]);
        assert!(out.contains("is a valid policy"), "{name}: {out}");
    }
}

/// Sefton LSCB (2017): chained steps in stages 1 and 2, outcome letters that
/// depend on the stage the dispute is resolved at, and the Business Manager told.
#[test]
fn sefton_chains_its_steps_and_writes_the_outcome_by_the_stage_resolved_at() {
    let mut env = Env::new();
    checked_and_installed(&env, "sefton");
    // Arose Wed 2 Dec 10:00, opened Thu 3 Dec: "within 2 working days of the
    // disagreement" → Thu 3, Fri 4 → Fri 4 Dec. "Speak" waits for the raising.
    env.now("2026-12-03T09:00:00Z");
    let v = env.open("sefton-2017", &["--arose", "2026-12-02T10:00:00Z"]);
    let id = id_of(&v);
    assert_eq!(ids(&v), ["raise", "speak"]);
    assert_eq!(duty(&v, "raise")["due"], "2026-12-04");
    assert_eq!(duty(&v, "speak")["due"], Value::Null);
    assert_eq!(v["due"], Value::Null, "the stage has no date of its own");

    // Raised Fri 4 Dec 11:00: "speak to the agency within 3 working days" →
    // Mon 7, Tue 8, Wed 9 → Wed 9 Dec; overdue from Thu 10 Dec.
    env.now("2026-12-04T11:00:00Z");
    let v = env.json(&["notify", &id, "--who", "raise"]);
    assert_eq!(duty(&v, "speak")["due"], "2026-12-09");
    assert!(!overdue_at(&mut env, &id, "2026-12-09T23:00:00Z"));
    assert!(overdue_at(&mut env, &id, "2026-12-10T00:00:01Z"));
    env.now("2026-12-10T09:00:00Z");
    env.ok(&["notify", &id, "--who", "speak"]);

    // Stage order is the document's: no jump from Stage 1 to Stage 3.
    env.now("2026-12-18T09:00:00Z");
    env.ok(&["discuss", &id, "--note", "Spoke; no way forward agreed"]);
    let err = env.fails(1, &["escalate", &id, "--reason", "r", "--to", "3"]);
    assert!(err.contains("moves one stage at a time"), "{err}");

    // Stage 2 entered Fri 18 Dec 10:00: the service managers' agreement "within 2
    // working days" → Mon 21, Tue 22 → Tue 22 Dec; the Business Manager is told.
    env.now("2026-12-18T10:00:00Z");
    let v = env.json(&["escalate", &id, "--reason", "Team managers could not agree"]);
    assert_eq!(v["stage"], 2);
    assert_eq!(ids(&v), ["lscb-notification", "agreement", "meeting"]);
    assert_eq!(duty(&v, "agreement")["due"], "2026-12-22");
    assert_eq!(duty(&v, "lscb-notification")["due"], Value::Null);

    // First discussions Tue 22 Dec 15:00: the meeting "within a further 5 working
    // days" → Wed 23, Thu 24, (Fri 25, Mon 28 bank holidays) Tue 29, Wed 30,
    // Thu 31 → Thu 31 Dec.
    env.now("2026-12-22T15:00:00Z");
    let v = env.json(&["notify", &id, "--who", "agreement"]);
    assert_eq!(duty(&v, "meeting")["due"], "2026-12-31");

    // Resolved at the meeting, Thu 31 Dec 14:00: the letter "within 48 hours" →
    // Sat 2 Jan 2027 14:00, clock hours; the copy to the Business Manager is owed
    // too, and the unmet meeting step lapses.
    env.now("2026-12-31T14:00:00Z");
    let v = env.json(&["resolve", &id, "--outcome", "Agreed at the meeting"]);
    assert_eq!(
        ids(&v),
        ["lscb-notification", "outcome-letter-2", "lscb-copy"]
    );
    assert_eq!(
        duty(&v, "outcome-letter-2")["due_at"],
        "2027-01-02T14:00:00+00:00"
    );

    // Resolved at Stage 1 on Thu 24 Dec 16:00: the team manager's letter "within a
    // further 2 working days" → (Fri 25, Mon 28) Tue 29, Wed 30 → Wed 30 Dec; no
    // Stage 2 duty arises.
    env.now("2026-12-21T09:00:00Z");
    let early = id_of(&env.open("sefton-2017", &[]));
    env.now("2026-12-24T16:00:00Z");
    let v = env.json(&[
        "resolve",
        &early,
        "--outcome",
        "Agreed with the team manager",
    ]);
    assert_eq!(ids(&v), ["outcome-letter-1"]);
    assert_eq!(duty(&v, "outcome-letter-1")["due"], "2026-12-30");
}

/// Lincolnshire LSAB and LSCP (joint protocol for adults and children): "48 hours
/// (two working days)" counted as working days, a stage timed from step 1, an
/// immediate duty, and urgency judged at Step 3 leading to Step 4 a).
#[test]
fn lincolnshire_counts_its_48_hours_as_two_working_days_for_an_adult() {
    let mut env = Env::new();
    checked_and_installed(&env, "lincolnshire");
    // Opened Fri 4 Dec 16:00 about an adult: the acknowledgement is due
    // "immediately" (Fri 4 Dec); the action plan waits for the discussion.
    env.now("2026-12-04T16:00:00Z");
    let v = env.json(&open_args(
        "lincolnshire-joint",
        &["--subject-kind", "adult"],
    ));
    let id = id_of(&v);
    assert_eq!(v["subject_kind"], "adult");
    assert_eq!(duty(&v, "acknowledge")["due"], "2026-12-04");
    assert_eq!(duty(&v, "acknowledge")["immediately"], true);
    assert_eq!(duty(&v, "action-plan")["due"], Value::Null);
    let text = env.ok(&["show", &id]);
    assert!(text.contains("Adult:    C"), "{text}");

    // Initial discussion Mon 7 Dec 10:00: "within 48 hours (two working days)" →
    // Tue 8, Wed 9 → Wed 9 Dec (48 clock hours would be Wed 10:00; never a Sunday
    // from a Friday either).
    env.now("2026-12-07T10:00:00Z");
    let v = env.json(&[
        "discuss",
        &id,
        "--note",
        "Discussed; no shared understanding",
    ]);
    assert_eq!(duty(&v, "action-plan")["due"], "2026-12-09");
    assert_eq!(duty(&v, "action-plan")["due_time"], Value::Null);

    // Step 2 entered Wed 9 Dec: "within five working days of step 1", counted from
    // opening on Fri 4 Dec → Mon 7 … Fri 11 → Fri 11 Dec (not Wed 16 Dec, which
    // counting from entering Step 2 would give).
    env.now("2026-12-09T12:00:00Z");
    let v = env.json(&["escalate", &id, "--reason", "Step 1 did not resolve it"]);
    assert_eq!(v["due"], "2026-12-11");
    assert_eq!(ids(&v), Vec::<String>::new(), "step 1's steps lapse");
    env.ok(&["discuss", &id, "--note", "Managers liaised"]);
    let err = env.fails(1, &["escalate", &id, "--reason", "r", "--to", "4a"]);
    assert!(err.contains("moves one stage at a time"), "{err}");

    // Step 3 entered Fri 11 Dec 15:00: the SLOE contacted immediately (Fri 11 Dec);
    // the action plan "within 48 hours (two working days)" → Mon 14, Tue 15 →
    // Tue 15 Dec.
    env.now("2026-12-11T15:00:00Z");
    let v = env.json(&["escalate", &id, "--reason", "Managers could not agree"]);
    assert_eq!(v["stage"], 3);
    assert_eq!(v["due"], "2026-12-15");
    assert_eq!(duty(&v, "sloe")["due"], "2026-12-11");
    assert_eq!(duty(&v, "sloe")["immediately"], true);
    assert!(!overdue_at(&mut env, &id, "2026-12-11T23:00:00Z"));

    // The SLOEs judge that urgent resolution is required: Step 4 a).
    env.now("2026-12-15T09:00:00Z");
    env.ok(&["notify", &id, "--who", "sloe"]);
    env.ok(&[
        "discuss",
        &id,
        "--note",
        "SLOEs: urgent resolution required",
    ]);
    env.now("2026-12-15T10:00:00Z");
    let v = env.json(&[
        "escalate",
        &id,
        "--urgent",
        "--reason",
        "The adult is now at risk",
    ]);
    assert_eq!(v["stage_label"], "4a");
    assert_eq!(v["immediate_harm"], true);
}

/// London (PA4, 2021): "within a working week or a timescale that protects the
/// child from harm (whichever is less)" across Christmas, its three kinds of
/// disagreement, and the first line managers' duty to seek advice.
#[test]
fn london_gives_a_working_week_that_christmas_lengthens_and_no_more() {
    let mut env = Env::new();
    checked_and_installed(&env, "london");
    // Opened Mon 21 Dec 10:00: five working days → Tue 22, Wed 23, Thu 24,
    // (Fri 25, Mon 28 bank holidays) Tue 29, Wed 30 → Wed 30 Dec.
    env.now("2026-12-21T10:00:00Z");
    let v = env.open("london-pa4", &["--category", "assessment"]);
    assert_eq!(v["due"], "2026-12-30");
    assert_eq!(v["category"], "assessment");
    // "Whichever is less": an earlier date is kept, a later one refused.
    let err = env.fails(1, &open_args("london-pa4", &["--due", "2026-12-31"]));
    assert!(err.contains("later than the policy allows"), "{err}");
    assert!(err.contains("Wed 30 Dec 2026"), "{err}");
    let v = env.open("london-pa4", &["--due", "2026-12-24"]);
    let id = id_of(&v);
    assert_eq!(v["due"], "2026-12-24");
    assert_eq!(v["due_set_by"], "user");
    let err = env.fails(1, &open_args("london-pa4", &["--category", "threshold"]));
    assert!(err.contains("referral"), "{err}");
    assert!(err.contains("enquiry"), "{err}");
    for (now, overdue) in [
        ("2026-12-24T23:59:00Z", false),
        ("2026-12-25T00:00:01Z", true),
    ] {
        assert_eq!(overdue_at(&mut env, &id, now), overdue, "at {now}");
    }

    // The first line managers: no timescale seen, but advice is owed.
    env.now("2026-12-29T09:00:00Z");
    let v = discuss_and_escalate(&env, &id);
    assert_eq!(v["stage"], 2);
    assert_eq!(v["due"], Value::Null);
    assert_eq!(ids(&v), ["designated-advice"]);
}

/// Wirral SCB (2015): the manager contacted within one working day of the first
/// discussion, and a proforma owed for a conflict resolved at exactly stage 2 or 3.
#[test]
fn wirral_reports_a_conflict_on_the_proforma_of_the_stage_it_was_resolved_at() {
    let mut env = Env::new();
    checked_and_installed(&env, "wirral");
    // Opened Mon 30 Nov 09:00: a working week → Mon 7 Dec.
    env.now("2026-11-30T09:00:00Z");
    let v = env.open("wirral-2015", &[]);
    let id = id_of(&v);
    assert_eq!(v["due"], "2026-12-07");
    assert_eq!(duty(&v, "manager")["due"], Value::Null);
    // No stage may be left before its discussion is recorded.
    let err = env.fails(1, &["escalate", &id, "--reason", "r"]);
    assert!(err.contains("nothing recorded yet"), "{err}");
    // The Lead Professional contacted Tue 1 Dec: the manager "within one working
    // day" → Wed 2 Dec; overdue from Thu 3 Dec.
    env.now("2026-12-01T14:00:00Z");
    let v = env.json(&["discuss", &id, "--note", "Lead Professional: not resolved"]);
    assert_eq!(duty(&v, "manager")["due"], "2026-12-02");
    assert!(!overdue_at(&mut env, &id, "2026-12-02T23:59:00Z"));
    assert!(overdue_at(&mut env, &id, "2026-12-03T00:00:01Z"));

    env.now("2026-12-03T09:00:00Z");
    let at_two = id.clone();
    let at_three = id_of(&env.open("wirral-2015", &[]));
    let at_four = id_of(&env.open("wirral-2015", &[]));
    discuss_and_escalate(&env, &at_two);
    for _ in 0..2 {
        discuss_and_escalate(&env, &at_three);
    }
    for _ in 0..3 {
        discuss_and_escalate(&env, &at_four);
    }
    let v = env.json(&["resolve", &at_two, "--outcome", "Safeguarding leads agreed"]);
    assert_eq!(ids(&v), ["proforma-stage-2"]);
    let v = env.json(&["resolve", &at_three, "--outcome", "WSCB members agreed"]);
    assert_eq!(ids(&v), ["proforma-stage-3"]);
    let v = env.json(&["resolve", &at_four, "--outcome", "The WSCB Chair decided"]);
    assert_eq!(ids(&v), Vec::<String>::new());
}

/// Cheshire West and Chester LSAB: a procedure for adults only, one working week
/// across Christmas and New Year, and the designated safeguarding lead told
/// immediately.
#[test]
fn cheshire_west_covers_adults_only_and_its_week_spans_the_new_year() {
    let mut env = Env::new();
    checked_and_installed(&env, "cheshire-west-adults");
    // Opened Thu 24 Dec 11:00 with immediate harm: one working week →
    // (Fri 25, Mon 28) Tue 29, Wed 30, Thu 31, (Fri 1 Jan) Mon 4, Tue 5 →
    // Tue 5 Jan 2027; the designated safeguarding lead immediately → Thu 24 Dec.
    env.now("2026-12-24T11:00:00Z");
    let v = env.open("cheshire-west-adults", &["--immediate-harm"]);
    let id = id_of(&v);
    assert_eq!(v["subject_kind"], "adult", "an adults-only policy");
    assert_eq!(v["due"], "2027-01-05");
    assert_eq!(duty(&v, "dsl")["due"], "2026-12-24");
    assert_eq!(duty(&v, "dsl")["immediately"], true);
    assert!(overdue_at(&mut env, &id, "2026-12-25T00:00:01Z"));
    // The procedure is for work with adults: a dispute about a child is refused.
    let err = env.fails(
        1,
        &open_args("cheshire-west-adults", &["--subject-kind", "child"]),
    );
    assert!(err.contains("does not cover disputes about"), "{err}");
    assert!(err.contains("--subject-kind adult"), "{err}");
    // Without immediate harm there is no duty to the lead.
    let v = env.open("cheshire-west-adults", &["--category", "need-for-action"]);
    assert_eq!(ids(&v), Vec::<String>::new());
    assert_eq!(v["due"], "2027-01-05");
}

/// Liverpool SCP (2019): no fixed timescale, but "escalated on the same working
/// day" once a child is thought to be at immediate risk, decided at opening or
/// later.
#[test]
fn liverpool_escalates_on_the_same_working_day_once_the_risk_is_immediate() {
    let mut env = Env::new();
    checked_and_installed(&env, "liverpool");
    // Opened Fri 4 Dec 17:00 without urgency: "as soon as possible" has no date.
    env.now("2026-12-04T17:00:00Z");
    let plain = id_of(&env.open("liverpool-2019", &[]));
    let v = env.json(&["show", &plain]);
    assert_eq!(v["due"], Value::Null);
    // With immediate risk the same working day → Fri 4 Dec, even at 17:00.
    let v = env.open("liverpool-2019", &["--immediate-harm"]);
    assert_eq!(v["due"], "2026-12-04");
    // Opened on Sat 26 Dec: the same working day is the next one, past the bank
    // holiday on Mon 28 → Tue 29 Dec.
    env.now("2026-12-26T10:00:00Z");
    let v = env.open("liverpool-2019", &["--immediate-harm"]);
    assert_eq!(v["due"], "2026-12-29");

    // Urgency learned on Mon 7 Dec: worker to worker must still be recorded first.
    env.now("2026-12-07T09:00:00Z");
    let err = env.fails(1, &["escalate", &plain, "--urgent", "--reason", "r"]);
    assert!(err.contains("nothing recorded yet"), "{err}");
    env.ok(&[
        "discuss",
        &plain,
        "--note",
        "Worker to worker: not resolved",
    ]);
    env.now("2026-12-07T10:00:00Z");
    let v = env.json(&[
        "escalate",
        &plain,
        "--urgent",
        "--reason",
        "The child is now at immediate risk",
    ]);
    assert_eq!(v["stage"], 2);
    assert_eq!(v["immediate_harm"], true);
    assert_eq!(v["due"], "2026-12-07");
    assert!(!overdue_at(&mut env, &plain, "2026-12-07T23:59:00Z"));
    assert!(overdue_at(&mut env, &plain, "2026-12-08T00:00:01Z"));
}

/// West Yorkshire (2.9): the professionals' "time scale which is acceptable to both
/// of them" is agreed and recorded; the managers' stage allows no agreement.
#[test]
fn west_yorkshire_lets_the_professionals_agree_their_own_time_scale() {
    let mut env = Env::new();
    checked_and_installed(&env, "west-yorkshire");
    env.now("2026-12-07T09:00:00Z");
    let v = env.open(
        "west-yorkshire-2-9",
        &["--category", "invoking-child-protection"],
    );
    let id = id_of(&v);
    assert_eq!(v["due"], Value::Null, "no number until they agree one");
    env.now("2026-12-08T09:00:00Z");
    let err = env.fails(1, &["agree", &id, "--due", "2026-12-07", "--note", "n"]);
    assert!(err.contains("has already passed"), "{err}");
    let v = env.json(&[
        "agree",
        &id,
        "--due",
        "2026-12-11",
        "--note",
        "Both accept Friday 11 December",
    ]);
    assert_eq!(v["due"], "2026-12-11");
    assert_eq!(v["due_set_by"], "agreed");
    assert!(!overdue_at(&mut env, &id, "2026-12-11T23:00:00Z"));
    assert!(overdue_at(&mut env, &id, "2026-12-12T00:00:01Z"));

    // Agreed at opening instead: Thu 24 Dec, with the reason recorded.
    env.now("2026-12-07T09:00:00Z");
    let v = env.open(
        "west-yorkshire-2-9",
        &[
            "--due",
            "2026-12-24",
            "--due-reason",
            "Both accept the 24th",
        ],
    );
    assert_eq!(v["due"], "2026-12-24");
    assert_eq!(v["due_set_by"], "agreed");

    // The first line managers: the text gives them no date and lets no one agree
    // one, but a date that protects the child may be set, with its reason
    // (clarification 5; issue 30 item 23).
    env.now("2026-12-14T10:00:00Z");
    let v = discuss_and_escalate(&env, &id);
    assert_eq!(v["stage"], 2);
    assert_eq!(v["due"], Value::Null);
    let v = env.json(&[
        "agree",
        &id,
        "--due",
        "2026-12-18",
        "--note",
        "Decide before the child's review on the 21st",
    ]);
    assert_eq!(
        (v["due"].as_str(), v["due_set_by"].as_str()),
        (Some("2026-12-18"), Some("user"))
    );
}

/// West Midlands (13.13, 2024): managers, then senior managers, one at a time,
/// and immediate action on a concern that the child is at risk.
#[test]
fn west_midlands_acts_immediately_on_risk_even_over_christmas() {
    let mut env = Env::new();
    checked_and_installed(&env, "west-midlands");
    // Opened on Fri 25 Dec (a bank holiday): "immediate action" is due by the end
    // of the next working day, past Mon 28 → Tue 29 Dec.
    env.now("2026-12-25T10:00:00Z");
    let v = env.open("west-midlands-13-13", &["--immediate-harm"]);
    assert_eq!(duty(&v, "immediate-action")["due"], "2026-12-29");
    // Opened Thu 24 Dec 18:00, a working day: due that day.
    env.now("2026-12-24T18:00:00Z");
    let v = env.open("west-midlands-13-13", &["--immediate-harm"]);
    let id = id_of(&v);
    assert_eq!(duty(&v, "immediate-action")["due"], "2026-12-24");
    assert_eq!(
        v["due"],
        Value::Null,
        "a timeframe 'consistent with the degree of concern'"
    );
    assert!(overdue_at(&mut env, &id, "2026-12-25T00:00:01Z"));
    // Managers first: the senior managers only after them.
    env.now("2026-12-29T09:00:00Z");
    env.ok(&["discuss", &id, "--note", "Agencies met; no agreement"]);
    let err = env.fails(1, &["escalate", &id, "--reason", "r", "--to", "3"]);
    assert!(err.contains("moves one stage at a time"), "{err}");
    let v = env.json(&["escalate", &id, "--reason", "Brought to the managers"]);
    assert_eq!(v["stage"], 2);
    assert_eq!(v["stage_name"], "Managers");
    // Without immediate risk there is no duty to act immediately.
    let v = env.open("west-midlands-13-13", &[]);
    assert_eq!(ids(&v), Vec::<String>::new());
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
