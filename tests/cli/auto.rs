//! `sync = auto` receives the partnership's lines before a recording command
//! decides (#26 item 5), and `show` marks a line that claims to have happened
//! before another agency's line that was already recorded (#26 item 4).

use crate::converge::inert;
use crate::support::sharing::{git, journals, lines_of, partnership, school_case, share};
use crate::support::Env;

/// A school and social care sharing one dispute (opened Mon 9 Nov, discussed),
/// both with `sync = auto`: the partnership's temporary folder, its bare
/// repository, both clones and the dispute.
fn auto_partnership() -> (tempfile::TempDir, std::path::PathBuf, Env, Env, String) {
    let (tmp, remote, mut school, mut csc) = partnership();
    for e in [&mut school, &mut csc] {
        e.now("2026-11-09T09:00:00Z");
    }
    let id = school_case(&school, "LCS-9");
    school.ok(&["discuss", &id, "--note", "first talk"]);
    share(&school, &csc, remote.to_str().unwrap());
    for e in [&school, &csc] {
        e.ok(&["config", "set", "sync", "auto"]);
    }
    (tmp, remote, school, csc, id)
}

#[test]
fn escalating_a_stage_another_agency_already_left_is_refused_naming_who_and_when() {
    let (_tmp, _remote, mut school, mut csc, id) = auto_partnership();
    csc.now("2026-11-12T09:00:00Z");
    csc.ok(&["escalate", &id, "--reason", "csc-escalation"]);

    // The school still sees stage 1 here; the receive before recording brings
    // social care's escalation, and the school's escalation of stage 1 is
    // refused rather than carried on to stage 3.
    school.now("2026-11-13T16:00:00Z");
    let out = school
        .cmd(&["escalate", &id, "--reason", "school-escalation"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    let err = err.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        err.contains(
            "already escalated to stage 2 by Chris (team manager) at Thu 12 Nov 2026 09:00 (line 3); nothing was written"
        ),
        "{err}"
    );
    // Nothing of the school's was written: its journal is the partnership's.
    assert_eq!(journals(&school), journals(&csc));
    assert!(lines_of(&school, &id)
        .iter()
        .all(|l| l["reason"] != "school-escalation"));
    let shown = school.json(&["show", &id]);
    assert_eq!(shown["stage"], 2, "{shown:#}");
}

#[test]
fn a_line_recorded_online_is_decided_under_the_partnerships_lines_and_never_inert() {
    let (_tmp, _remote, mut school, mut csc, id) = auto_partnership();
    csc.now("2026-11-12T09:00:00Z");
    csc.ok(&["escalate", &id, "--reason", "csc-escalation"]);
    // The school's discussion, typed while it still saw stage 1, is recorded
    // at stage 2, where the dispute now is: counted, not inert.
    school.now("2026-11-13T09:00:00Z");
    let out = school.ok(&["discuss", &id, "--note", "school-talk"]);
    assert!(out.contains("stage 2"), "{out}");
    csc.now("2026-11-13T10:00:00Z");
    csc.ok(&["resolve", &id, "--outcome", "csc-outcome", "--yes"]);
    // Resolving again under the fresh state is refused with resolve's own words.
    school.now("2026-11-13T11:00:00Z");
    let out = school
        .cmd(&["resolve", &id, "--outcome", "school-outcome", "--yes"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("resolved"), "{err}");
    assert_eq!(journals(&school), journals(&csc));
    for e in [&school, &csc] {
        e.ok(&["sync"]);
        assert!(!inert(e, &id, "school-talk"));
        let shown = e.json(&["show", &id]);
        let events = shown["events"].as_array().unwrap();
        assert!(events.iter().all(|e| e.get("inert").is_none()), "{shown:#}");
        assert_eq!(shown["state"], "resolved", "{shown:#}");
    }
}

#[test]
fn a_recording_command_that_receives_first_says_its_warnings_once() {
    let (_tmp, _remote, mut school, _csc, id) = auto_partnership();
    let policies = school.config().join("policies");
    std::fs::create_dir_all(&policies).unwrap();
    std::fs::write(policies.join("broken.toml"), "not a policy [").unwrap();
    school.now("2026-11-10T09:00:00Z");
    let out = school
        .cmd(&["discuss", &id, "--note", "n"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert_eq!(err.matches("is not used").count(), 1, "{err}");
}

#[test]
fn offline_the_command_records_here_and_says_it_could_not_reach_the_partnership() {
    let (tmp, remote, mut school, _csc, id) = auto_partnership();
    let away = tmp.path().join("away.git");
    std::fs::rename(&remote, &away).unwrap();
    school.now("2026-11-10T09:00:00Z");
    let before = lines_of(&school, &id).len();
    let out = school
        .cmd(&["escalate", &id, "--reason", "recorded offline"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    let said = err.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        said.contains("not synced: could not reach the partnership's repository"),
        "{said}"
    );
    // Said once: no second wait for the unreachable repository after recording.
    assert_eq!(said.matches("not synced").count(), 1, "{said}");
    assert_eq!(lines_of(&school, &id).len(), before + 1);
    assert_eq!(school.json(&["show", &id])["stage"], 2);
}

#[test]
fn a_receive_refused_for_what_the_partnership_holds_is_said_and_the_command_records_here() {
    let (tmp, remote, mut school, _csc, id) = auto_partnership();
    // A partner pushes, with plain git, a file escalate never shares.
    let rogue = tmp.path().join("rogue");
    git(
        tmp.path(),
        &[
            "clone",
            "--quiet",
            remote.to_str().unwrap(),
            rogue.to_str().unwrap(),
        ],
    );
    std::fs::write(rogue.join("evil.txt"), "not escalate's\n").unwrap();
    git(&rogue, &["add", "evil.txt"]);
    git(&rogue, &["commit", "--quiet", "-m", "tidy up"]);
    git(&rogue, &["push", "--quiet", "origin", "HEAD:main"]);

    school.now("2026-11-10T09:00:00Z");
    let before = lines_of(&school, &id).len();
    let out = school
        .cmd(&["discuss", &id, "--note", "recorded anyway"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    let said = err.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        said.contains("not synced: the partnership's latest lines were not received")
            && said.contains("evil.txt")
            && said.contains("recorded here only"),
        "{said}"
    );
    // Said once: no second attempt to sync after recording.
    assert_eq!(said.matches("evil.txt").count(), 1, "{said}");
    assert!(!said.contains("could not reach"), "{said}");
    assert_eq!(lines_of(&school, &id).len(), before + 1);
    assert!(!school.data().join("evil.txt").exists());
}

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
