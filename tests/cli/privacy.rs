//! Need to know in one data directory (#28): a dispute's personal text is sealed
//! on disk and opened only with a key it was wrapped for; erasure and retention
//! destroy that key and nothing else; a damaged wrapped key is named by
//! `verify`; an older, unsealed dispute works as it always did. (Between
//! agencies, through git: `share.rs` and `keyref.rs`.)

use std::path::{Path, PathBuf};

use crate::support::Env;
use escalate_core::domain::event::{Event, Opened, Record};
use escalate_core::store::journal::line;

const MARKERS: [&str; 4] = ["LCS-MARKER", "SUMMARYMARKER", "NOTEMARKER", "OUTCOMEMARKER"];

/// Every file under `dir` whose bytes hold any marker.
fn files_with_markers(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_with_markers(&p));
        } else if let Ok(bytes) = std::fs::read(&p) {
            let text = String::from_utf8_lossy(&bytes);
            if MARKERS.iter().any(|m| text.contains(m)) {
                out.push(p);
            }
        }
    }
    out
}

fn open_marked(env: &Env) -> String {
    let v = env.json(&[
        "open",
        "--policy",
        "gscb",
        "--child",
        "LCS-MARKER",
        "--from",
        "Hollyfield Primary",
        "--with",
        "Children's Social Care",
        "--summary",
        "SUMMARYMARKER referral judged below threshold",
    ]);
    let id = v["id"].as_str().unwrap().to_owned();
    env.ok(&[
        "discuss",
        &id,
        "--note",
        "NOTEMARKER spoke to the duty manager",
    ]);
    id
}

/// The same environment as another person: their own key, none wrapped for it.
fn someone_else(env: &Env, args: &[&str]) -> assert_cmd::assert::Assert {
    env.cmd(args)
        .env("ESCALATE_KEY_DIR", env.tmp.path().join("other-keys"))
        .assert()
}

#[test]
fn a_disputes_text_is_sealed_on_disk_and_opened_only_with_a_key_it_was_wrapped_for() {
    let env = Env::new();
    let id = open_marked(&env);
    env.ok(&[
        "resolve",
        &id,
        "--outcome",
        "OUTCOMEMARKER assessment agreed",
    ]);
    env.ok(&["status", "--all"]);
    env.ok(&["report", "--month", "2026-11"]);
    // Nowhere on disk: journals, receipts, key store, cache.
    assert_eq!(files_with_markers(&env.data()), Vec::<PathBuf>::new());
    let journal = std::fs::read_to_string(env.journal(&id)).unwrap();
    assert!(journal.contains(r#""seal_to":"age1"#) && journal.contains(r#""sealed":""#));
    assert!(
        journal.contains(r#""from":"Hollyfield Primary""#),
        "counted fields stay clear"
    );
    // The author reads it all.
    let shown = env.ok(&["show", &id]);
    for m in MARKERS {
        assert!(shown.contains(m), "{m} in {shown}");
    }
    // Someone else sees the dispute, sealed, and none of its text: never an error.
    let out = someone_else(&env, &["show", &id]).success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(
        text.contains("Sealed:") && text.contains("[sealed]"),
        "{text}"
    );
    assert!(text.contains("Hollyfield Primary"), "{text}");
    assert!(!MARKERS.iter().any(|m| text.contains(m)), "{text}");
    let json = someone_else(&env, &["show", &id, "--json"]).success();
    let json = String::from_utf8_lossy(&json.get_output().stdout).into_owned();
    assert!(!MARKERS.iter().any(|m| json.contains(m)), "{json}");
    assert!(json.contains(r#""sealed": true"#), "{json}");
    // Their figures are the author's.
    let mine = env.ok(&["report", "--month", "2026-11"]);
    let theirs = someone_else(&env, &["report", "--month", "2026-11"]).success();
    assert_eq!(String::from_utf8_lossy(&theirs.get_output().stdout), mine);
    assert_eq!(files_with_markers(&env.data()), Vec::<PathBuf>::new());
}

#[test]
fn erasing_destroys_the_key_and_nothing_else_and_is_refused_where_it_cannot_be_done() {
    let mut env = Env::new();
    let id = open_marked(&env);
    // Unknown dispute: refused, nothing written.
    let before = env.snapshot();
    env.fails(1, &["erase", "ZZZZZZZZZZ", "--reason", "asked"]);
    assert_eq!(env.snapshot(), before);
    env.now("2026-11-24T09:00:00Z");
    let out = env.ok(&[
        "erase",
        &id,
        "--reason",
        "Erasure request agreed by the DPO",
    ]);
    assert!(out.contains("Erased dispute"), "{out}");
    assert!(!env.data().join("keys").join(format!("{id}.json")).exists());
    // Still verifies, still counts; shown as erased, by whom and when.
    env.ok(&["verify"]);
    let shown = env.ok(&["show", &id]);
    assert!(
        shown.contains("Erased:") && shown.contains("the text was erased on Tue 24 Nov 2026"),
        "{shown}"
    );
    assert!(
        shown.contains("Jo Bloggs (DSL)") && shown.contains("Erasure request agreed by the DPO"),
        "{shown}"
    );
    assert!(!MARKERS.iter().any(|m| shown.contains(m)), "{shown}");
    let report = env.json(&["report", "--month", "2026-11"]);
    assert!(report.to_string().contains("\"opened\":1"), "{report}");
    // Again: refused, nothing written; nothing more can be recorded on it.
    let before = env.snapshot();
    let err = env.fails(1, &["erase", &id, "--reason", "again"]);
    assert!(err.contains("already erased"), "{err}");
    let err = env.fails(1, &["discuss", &id, "--note", "more"]);
    assert!(err.contains("erased"), "{err}");
    assert_eq!(env.snapshot(), before);
}

#[test]
fn retention_erases_the_disputes_resolved_before_the_period_and_owing_nothing() {
    let mut env = Env::new();
    env.now("2019-03-04T09:00:00Z");
    let old = open_marked(&env);
    env.ok(&["resolve", &old, "--outcome", "OUTCOMEMARKER agreed"]);
    env.now("2026-11-02T09:00:00Z");
    let recent = open_marked(&env);
    env.ok(&["resolve", &recent, "--outcome", "OUTCOMEMARKER agreed"]);
    let open = open_marked(&env);
    let err = env.fails(2, &["retention", "set", "six years"]);
    assert!(err.contains("6 years after resolution"), "{err}");
    env.fails(2, &["retention", "apply"]);
    let out = env.ok(&["retention", "set", "6 years after resolution"]);
    assert!(out.contains("resolved before Mon 2 Nov 2020"), "{out}");
    let out = env.ok(&["retention", "apply"]);
    assert!(
        out.contains("Erased the text of 1 dispute") && out.contains(&old),
        "{out}"
    );
    assert!(!out.contains(&recent) && !out.contains(&open), "{out}");
    assert!(env
        .ok(&["show", &old])
        .contains("under the retention period (6 years after resolution)"));
    assert!(env.ok(&["show", &recent]).contains("OUTCOMEMARKER"));
    // Nothing further is past the period.
    assert!(env
        .ok(&["retention", "apply"])
        .contains("Erased the text of 0 disputes"));
    env.ok(&["verify"]);
}

#[test]
fn verify_names_a_damaged_wrapped_key_and_exits_3() {
    let env = Env::new();
    let id = open_marked(&env);
    let entry = env.data().join("keys").join(format!("{id}.json"));
    let text = std::fs::read_to_string(&entry).unwrap();
    std::fs::write(&entry, text.replacen("\"key\":\"", "\"key\":\"!!", 1)).unwrap();
    let err = env.fails(3, &["verify"]);
    assert!(
        err.contains(&format!("{id}.json")) && err.contains("not base64"),
        "{err}"
    );
    // Reading it is never an error: the dispute is shown sealed.
    let shown = env.ok(&["show", &id]);
    assert!(shown.contains("Sealed:"), "{shown}");
}

/// A dispute opened before sealing, as an earlier escalate wrote it (format 3,
/// no `seal_to`), signed with some key.
fn unsealed_journal(env: &Env, id: &str) {
    let key = escalate_core::integrity::signing::Key::from_seed(&[9; 32], "earlier");
    let policy = std::fs::read_dir(env.data().join("policies"))
        .unwrap()
        .flatten()
        .next()
        .unwrap()
        .path();
    let hash = policy.file_stem().unwrap().to_str().unwrap().to_owned();
    let mut r = Record::new(
        1,
        (
            escalate_core::domain::clock::parse_instant("2026-11-20T09:00:00Z").unwrap(),
            None,
        ),
        "Jo Bloggs (DSL)",
        Event::Opened(Opened {
            policy: "gscb".into(),
            policy_hash: hash,
            child: "LCS-OLD".into(),
            from: "Hollyfield Primary".into(),
            with: "Children's Social Care".into(),
            summary: "written before sealing".into(),
            category: None,
            cp_plan: false,
            looked_after: false,
            immediate_harm: false,
            stage: 1,
            due: None,
            arose: None,
            start_reason: None,
            due_reason: None,
            subject_kind: None,
            opened_as: None,
            seal_to: None,
            fields: Default::default(),
        }),
    );
    r.dispute = Some(id.into());
    let text = line::encode_signed(&mut r, &key).unwrap();
    let path = env.journal(id);
    std::fs::write(&path, format!("{text}\n")).unwrap();
    std::fs::write(
        path.with_extension("head"),
        format!("1 {}\n", line::sha256_hex(text.as_bytes())),
    )
    .unwrap();
}

#[test]
fn a_dispute_opened_before_sealing_keeps_working_in_clear_and_cannot_be_erased() {
    let env = Env::new();
    open_marked(&env);
    let id = "ABCDEFGHJK";
    unsealed_journal(&env, id);
    env.ok(&["discuss", id, "--note", "still in clear"]);
    let journal = std::fs::read_to_string(env.journal(id)).unwrap();
    assert!(
        journal.contains("still in clear") && !journal.contains("\"sealed\""),
        "{journal}"
    );
    let shown = env.ok(&["show", id]);
    assert!(
        shown.contains("LCS-OLD") && shown.contains("still in clear"),
        "{shown}"
    );
    let before = env.snapshot();
    let err = env.fails(1, &["erase", id, "--reason", "asked"]);
    assert!(err.contains("before escalate sealed"), "{err}");
    assert_eq!(env.snapshot(), before);
    env.ok(&["verify"]);
}
