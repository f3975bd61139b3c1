//! Convergence of a shared record (#26): lines fold in the order their events
//! happened, whatever order they arrived in; a line the policy would not have
//! allowed then is shown and does not count; every pointer from one line to
//! another names the line it means.

use crate::support::sharing::{lines_of, partnership, school_case, share};
use crate::support::Env;
use escalate_core::domain::event::{Event, Record};
use escalate_core::store::journal::line;

/// Whether the line of `id` carrying `marker` did not count, as `show --json`
/// says (`inert`).
pub(crate) fn inert(env: &Env, id: &str, marker: &str) -> bool {
    let shown = env.json(&["show", id]);
    let events = shown["events"].as_array().unwrap();
    let hits: Vec<&serde_json::Value> = events
        .iter()
        .filter(|e| e.to_string().contains(marker))
        .collect();
    assert_eq!(hits.len(), 1, "{marker}: {shown:#}");
    hits[0]["inert"] == true
}

#[test]
fn a_correction_merged_late_names_its_line_by_the_new_number() {
    let (_tmp, remote, mut school, mut csc) = partnership();
    let remote = remote.to_str().unwrap();
    for e in [&mut school, &mut csc] {
        e.now("2026-11-09T09:00:00Z");
    }
    let id = school_case(&school, "LCS-7");
    school.ok(&["discuss", &id, "--note", "first talk"]);
    share(&school, &csc, remote);

    // Both escalate stage 1 offline; the school corrects when its escalation
    // happened, to before social care's.
    for e in [&mut school, &mut csc] {
        e.now("2026-11-11T09:00:00Z");
    }
    csc.ok(&["escalate", &id, "--reason", "csc-escalation"]);
    school.ok(&["escalate", &id, "--reason", "school-escalation"]);
    school.now("2026-11-11T10:00:00Z");
    school.ok(&[
        "amend",
        &id,
        "--event",
        "3",
        "--happened",
        "2026-11-11 08:30",
        "--note",
        "school-correction",
    ]);
    csc.ok(&["sync"]);
    school.ok(&["sync"]);

    // Nothing is superseded: the fold decides. The correction names the school's
    // escalation by its nonce, which re-chaining keeps, and every view by the
    // number sync gave it.
    let lines = lines_of(&school, &id);
    assert!(
        lines.iter().all(|l| l["kind"] != "superseded"),
        "{lines:#?}"
    );
    let escalation = lines
        .iter()
        .find(|l| l["reason"] == "school-escalation")
        .unwrap();
    let correction = lines
        .iter()
        .find(|l| l["note"] == "school-correction")
        .unwrap();
    assert_eq!(escalation["seq"], 4);
    assert_eq!(correction["target"], escalation["nonce"], "{lines:#?}");
    // On disk it names its target by nonce only (`show` adds the number).
    let stored = crate::support::sharing::raw_lines(&school, &id);
    let stored = stored
        .iter()
        .find(|l| l["nonce"] == correction["nonce"])
        .unwrap();
    assert!(stored.get("event").is_none(), "{stored:#?}");
    let shown = school.json(&["show", &id]);
    let events = shown["events"].as_array().unwrap();
    let amended = events.iter().find(|e| e["kind"] == "amended").unwrap();
    assert_eq!(amended["event"], 4, "{shown:#}");
    // Corrected to 08:30, the school's escalation came first.
    assert!(!inert(&school, &id, "school-escalation"));
    assert!(inert(&school, &id, "csc-escalation"));
    csc.ok(&["sync"]);
    assert_eq!(csc.json(&["show", &id]), school.json(&["show", &id]));
}

/// Line `last.seq + 1` after `last`, by `by`, recorded at `at` and saying it
/// happened at `happened`, signed with `key` and chained as sync would append it.
fn append(
    last: &str,
    by: &str,
    (at, happened): (&str, Option<&str>),
    event: Event,
    key: &escalate_core::integrity::signing::Key,
) -> String {
    let prev: Record = serde_json::from_str(last).unwrap();
    let time = |t: &str| escalate_core::domain::clock::parse_instant(t).unwrap();
    let mut r = Record::new(prev.seq + 1, (time(at), happened.map(time)), by, event);
    r.v = prev.v;
    r.dispute = prev.dispute.clone();
    r.prev = line::sha256_hex(last.as_bytes());
    line::encode_signed(&mut r, key).unwrap()
}

fn escalation(reason: &str) -> Event {
    Event::Escalated {
        from_stage: 1,
        to_stage: 2,
        reason: reason.into(),
        due: None,
        bypass_role: None,
    }
}

/// A line to append: who, (recorded, happened), what, and the seed of their key.
type Appended<'a> = (&'a str, (&'a str, Option<&'a str>), Event, u8);

/// A dispute opened Mon 9 Nov and discussed, then `extra` lines appended by two
/// agencies (with the receipt a sync would leave): its `show --json`.
fn shown_with(extra: &[Appended]) -> (Env, String) {
    let mut env = Env::new();
    env.now("2026-11-09T09:00:00Z");
    let id = env.open_gscb(&[]);
    env.ok(&["discuss", &id, "--note", "first talk"]);
    let journal = env.journal(&id);
    let mut text: Vec<String> = std::fs::read_to_string(&journal)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    for (by, times, event, seed) in extra {
        let key = escalate_core::integrity::signing::Key::from_seed(&[*seed; 32], by);
        let next = append(text.last().unwrap(), by, *times, event.clone(), &key);
        text.push(next);
    }
    std::fs::write(&journal, text.join("\n") + "\n").unwrap();
    std::fs::write(
        env.data().join("disputes").join(format!("{id}.head")),
        format!(
            "{} {}\n",
            text.len(),
            line::sha256_hex(text.last().unwrap().as_bytes())
        ),
    )
    .unwrap();
    env.now("2026-11-16T09:00:00Z");
    (env, id)
}

#[test]
fn two_offline_escalations_count_from_the_first_whichever_arrived_first() {
    let school = (
        "School",
        ("2026-11-11T09:00:00Z", None),
        escalation("school-escalation"),
        1,
    );
    let csc = (
        "Social care",
        ("2026-11-12T09:00:00Z", None),
        escalation("csc-escalation"),
        2,
    );
    let mut shown = Vec::new();
    for lines in [[school.clone(), csc.clone()], [csc, school]] {
        let (env, id) = shown_with(&lines);
        let json = env.json(&["show", &id]);
        assert_eq!(json["stage"], 2, "{json:#}");
        // Stage 2 runs from Wednesday: due Wed 18 Nov.
        assert_eq!(json["due"], "2026-11-18", "{json:#}");
        let events = json["events"].as_array().unwrap();
        let inert: Vec<&serde_json::Value> = events.iter().filter(|e| e["inert"] == true).collect();
        assert_eq!(inert.len(), 1, "{json:#}");
        assert_eq!(inert[0]["reason"], "csc-escalation");
        // The reason names the line that overtook it, by its number in this
        // journal (which depends on arrival; what it says does not).
        let reason = inert[0]["inert_reason"].as_str().unwrap();
        let named = reason
            .strip_prefix("School had already escalated stage 1 at Wed 11 Nov 2026 09:00 (line ")
            .and_then(|rest| rest.strip_suffix(')'))
            .and_then(|n| n.parse::<u64>().ok())
            .unwrap_or_else(|| panic!("{reason}"));
        let line = events.iter().find(|e| e["seq"] == named).unwrap();
        assert_eq!(line["by"], "School", "{json:#}");
        assert_ne!(line["reason"], "csc-escalation", "{json:#}");
        let text = env.ok(&["show", &id]);
        assert!(text.contains("csc-escalation"), "{text}");
        assert!(
            text.contains("DID NOT COUNT: School had already escalated stage 1"),
            "{text}"
        );
        env.ok(&["verify"]);
        shown.push((json["due"].clone(), json["state"].clone()));
    }
    assert_eq!(shown[0], shown[1]);
}

#[test]
fn an_escalation_after_a_resolution_does_not_count_and_says_why() {
    let resolved = (
        "Social care",
        ("2026-11-11T10:00:00Z", None),
        Event::Resolved {
            stage: 1,
            outcome: "csc-resolution".into(),
        },
        2,
    );
    let escalated = (
        "School",
        ("2026-11-11T14:00:00Z", None),
        escalation("school-escalation"),
        1,
    );
    for lines in [[resolved.clone(), escalated.clone()], [escalated, resolved]] {
        let (env, id) = shown_with(&lines);
        let json = env.json(&["show", &id]);
        assert_eq!(json["state"], "resolved", "{json:#}");
        let text = env.ok(&["show", &id]);
        assert!(text.contains("school-escalation"), "{text}");
        assert!(
            text.contains("DID NOT COUNT: Social care had already resolved the dispute at Wed 11 Nov 2026 10:00"),
            "{text}"
        );
        let november = env.json(&["report", "--month", "2026-11"]);
        assert_eq!(november["escalations"], 0, "{november:#}");
    }
}

#[test]
fn two_offline_escalations_synced_in_either_order_agree_in_every_clone() {
    let mut seen = Vec::new();
    for school_first in [true, false] {
        let (_tmp, remote, mut school, mut csc) = partnership();
        let remote = remote.to_str().unwrap();
        for e in [&mut school, &mut csc] {
            e.now("2026-11-09T09:00:00Z");
        }
        let id = school_case(&school, "LCS-8");
        school.ok(&["discuss", &id, "--note", "first talk"]);
        share(&school, &csc, remote);
        // Offline: the school escalates on Wednesday, social care on Thursday.
        school.now("2026-11-11T09:00:00Z");
        school.ok(&["escalate", &id, "--reason", "school-escalation"]);
        csc.now("2026-11-12T09:00:00Z");
        csc.ok(&["escalate", &id, "--reason", "csc-escalation"]);
        for e in [&mut school, &mut csc] {
            e.now("2026-11-13T09:00:00Z");
        }
        let order = if school_first {
            [&school, &csc, &school]
        } else {
            [&csc, &school, &csc]
        };
        for (i, e) in order.into_iter().enumerate() {
            let said = e.ok(&["sync"]);
            // Social care's escalation, moved after the school's, is inert:
            // its sync says so at once, naming who had moved the dispute on.
            if school_first && i == 1 {
                let flat = said.split_whitespace().collect::<Vec<_>>().join(" ");
                assert!(
                    flat.contains(&format!("of dispute {id}, recorded here, does not count: Sam (DSL) had already escalated stage 1 at Wed 11 Nov 2026 09:00")),
                    "{said}"
                );
            }
        }
        for e in [&school, &csc] {
            let shown = e.json(&["show", &id]);
            // Stage 2 runs from Wednesday: due Wed 18 Nov.
            assert_eq!(
                (&shown["stage"], &shown["due"]),
                (&serde_json::json!(2), &serde_json::json!("2026-11-18")),
                "{shown:#}"
            );
            assert!(inert(e, &id, "csc-escalation"));
            assert!(!inert(e, &id, "school-escalation"));
            e.ok(&["verify"]);
            let november = e.json(&["report", "--month", "2026-11"]);
            seen.push((shown["due"].clone(), november["escalations"].clone()));
        }
    }
    assert!(seen.windows(2).all(|w| w[0] == w[1]), "{seen:?}");
    assert_eq!(seen[0].1, 1);
}

// A line that claims to have happened before another agency's line that was
// already recorded is marked backdated (#26 item 4).

/// A school and social care sharing one dispute (opened Mon 9 Nov, discussed),
/// syncing by hand: both clones and the dispute.
fn shared_case() -> (tempfile::TempDir, Env, Env, String) {
    let (tmp, remote, mut school, mut csc) = partnership();
    for e in [&mut school, &mut csc] {
        e.now("2026-11-09T09:00:00Z");
    }
    let id = school_case(&school, "LCS-10");
    school.ok(&["discuss", &id, "--note", "first talk"]);
    share(&school, &csc, remote.to_str().unwrap());
    (tmp, school, csc, id)
}

/// The event of `show --json` carrying `marker`.
fn event_with(shown: &serde_json::Value, marker: &str) -> serde_json::Value {
    let events = shown["events"].as_array().unwrap();
    let hits: Vec<&serde_json::Value> = events
        .iter()
        .filter(|e| e.to_string().contains(marker))
        .collect();
    assert_eq!(hits.len(), 1, "{marker}: {shown:#}");
    hits[0].clone()
}

#[test]
fn an_escalation_dated_before_one_already_recorded_is_marked_backdated() {
    let (_tmp, mut school, mut csc, id) = shared_case();
    csc.now("2026-11-12T09:00:00Z");
    csc.ok(&["escalate", &id, "--reason", "csc-escalation"]);
    csc.ok(&["sync"]);
    // On Friday the school, which has not synced since Monday, says its
    // escalation happened on Wednesday: it wins at the fold, visibly.
    school.now("2026-11-13T16:00:00Z");
    school.ok(&[
        "escalate",
        &id,
        "--reason",
        "school-escalation",
        "--at",
        "2026-11-11 09:00",
    ]);
    school.ok(&["sync"]);
    csc.now("2026-11-13T16:00:00Z");
    csc.ok(&["sync"]);
    for e in [&school, &csc] {
        let shown = e.json(&["show", &id]);
        let csc_line = event_with(&shown, "csc-escalation");
        assert_eq!(csc_line["inert"], true, "{shown:#}");
        let words = format!(
            "recorded Fri 13 Nov 2026 16:00, after Chris (team manager)'s escalation of stage 1 (line {}, recorded Thu 12 Nov 2026 09:00), but says it happened Wed 11 Nov 2026 09:00",
            csc_line["seq"]
        );
        let school_line = event_with(&shown, "school-escalation");
        assert_eq!(school_line["backdated"], true, "{shown:#}");
        assert_eq!(school_line["backdated_overtook"], csc_line["seq"]);
        assert_eq!(school_line["backdated_reason"], words.as_str());
        assert!(csc_line.get("backdated").is_none(), "{shown:#}");
        let text = e.ok(&["show", &id]);
        assert!(text.contains(&format!("BACKDATED: {words}")), "{text}");
        assert_eq!(text.matches("BACKDATED").count(), 1, "{text}");
    }
    assert_eq!(school.json(&["show", &id]), csc.json(&["show", &id]));
}

#[test]
fn a_line_recorded_offline_before_the_other_and_synced_after_is_not_backdated() {
    let (_tmp, mut school, mut csc, id) = shared_case();
    // Offline on Wednesday the school escalates; social care escalates on
    // Thursday and syncs first; the school syncs on Friday.
    school.now("2026-11-11T09:00:00Z");
    school.ok(&["escalate", &id, "--reason", "school-escalation"]);
    csc.now("2026-11-12T09:00:00Z");
    csc.ok(&["escalate", &id, "--reason", "csc-escalation"]);
    csc.ok(&["sync"]);
    for e in [&mut school, &mut csc] {
        e.now("2026-11-13T16:00:00Z");
    }
    school.ok(&["sync"]);
    csc.ok(&["sync"]);
    for e in [&school, &csc] {
        let shown = e.json(&["show", &id]);
        // The school's line arrived after social care's, and counts first...
        assert_eq!(event_with(&shown, "csc-escalation")["inert"], true);
        assert!(
            shown["events"]
                .as_array()
                .unwrap()
                .iter()
                .all(|e| e.get("backdated").is_none()),
            "{shown:#}"
        );
        // ...but it was recorded first: nothing is marked.
        let text = e.ok(&["show", &id]);
        assert!(!text.contains("BACKDATED"), "{text}");
    }
}

#[test]
fn a_correction_that_puts_a_line_before_one_already_recorded_is_marked_backdated() {
    let (_tmp, mut school, mut csc, id) = shared_case();
    csc.now("2026-11-12T09:00:00Z");
    csc.ok(&["escalate", &id, "--reason", "csc-escalation"]);
    csc.ok(&["sync"]);
    // Offline, the school escalates after social care, then on Friday
    // corrects when its escalation happened, to before social care's; then it
    // syncs.
    school.now("2026-11-12T10:00:00Z");
    school.ok(&["escalate", &id, "--reason", "school-escalation"]);
    let shown = school.json(&["show", &id]);
    let line = event_with(&shown, "school-escalation")["seq"].clone();
    school.now("2026-11-13T16:00:00Z");
    school.ok(&[
        "amend",
        &id,
        "--event",
        &line.to_string(),
        "--happened",
        "2026-11-11 09:00",
        "--note",
        "school-correction",
    ]);
    school.ok(&["sync"]);
    let shown = school.json(&["show", &id]);
    let correction = event_with(&shown, "school-correction")["seq"].clone();
    let school_line = event_with(&shown, "school-escalation");
    assert!(school_line.get("inert").is_none(), "{shown:#}");
    assert_eq!(event_with(&shown, "csc-escalation")["inert"], true);
    let words = format!(
        "corrected Fri 13 Nov 2026 16:00 (line {correction}), after Chris (team manager)'s escalation of stage 1 (line 3, recorded Thu 12 Nov 2026 09:00), to say it happened Wed 11 Nov 2026 09:00"
    );
    assert_eq!(school_line["backdated_reason"], words.as_str(), "{shown:#}");
    let text = school.ok(&["show", &id]);
    assert!(text.contains(&format!("BACKDATED: {words}")), "{text}");
}
