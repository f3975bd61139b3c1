//! Checkpoints that cannot be edited quietly (issue #25 item 10): everything in
//! one is under its root, the taker signs it, `verify --against FILE --root HASH`
//! checks the file against a root kept elsewhere, old checkpoints still read, and
//! a retroactive calendar change since the checkpoint is named.

use std::path::PathBuf;

use crate::support::Env;

/// A dispute with a couple of lines and a checkpoint kept outside the data
/// directory. Returns (checkpoint path, its root).
fn taken(env: &Env) -> (PathBuf, String) {
    let id = env.open_gscb(&[]);
    env.ok(&["discuss", &id, "--note", "Phoned the duty manager"]);
    let dir = env.tmp.path().join("elsewhere");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("2026-11.txt");
    let out = env
        .cmd(&["verify", "--checkpoint", path.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = std::fs::read_to_string(&path).unwrap();
    let root = text
        .lines()
        .find_map(|l| l.strip_prefix("root "))
        .unwrap()
        .to_owned();
    // The note on stderr gives the same root to write down.
    assert!(String::from_utf8_lossy(&out.stderr).contains(&root));
    (path, root)
}

fn against(env: &Env, path: &std::path::Path, root: Option<&str>) -> (Option<i32>, String, String) {
    let mut args = vec!["verify", "--against", path.to_str().unwrap()];
    if let Some(r) = root {
        args.extend(["--root", r]);
    }
    let out = env.cmd(&args).output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_checkpoint_is_signed_and_checks_against_the_root_kept_elsewhere() {
    let env = Env::new();
    let (path, root) = taken(&env);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("escalate-checkpoint 2\ntaken "), "{text}");
    assert!(
        text.contains("\nby \"Jo Bloggs (DSL)\"\nkey ssh-ed25519 "),
        "{text}"
    );
    assert!(text.contains("\ncalendar working-days "), "{text}");
    assert!(text.lines().last().unwrap().starts_with("sig "), "{text}");
    let (code, out, err) = against(&env, &path, Some(&root.to_uppercase()));
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("the root you gave"), "{out}");
}

#[test]
fn an_edited_checkpoint_fails_with_exit_3_whichever_byte_was_changed() {
    let env = Env::new();
    let (path, root) = taken(&env);
    let text = std::fs::read_to_string(&path).unwrap();
    // The time it was taken, a comment, a count, the root, the signature.
    let edits = [
        text.replacen("taken 2026-11-23", "taken 2026-10-23", 1),
        text.replacen("\nby \"Jo", "\nby \"Al", 1),
        text.replacen("\nroot ", "\n# note\nroot ", 1),
        text.replacen(" 2 ", " 1 ", 1),
        text.replacen(&root, &"0".repeat(64), 1),
        text.replacen("\nsig U", "\nsig V", 1),
    ];
    for (i, edited) in edits.iter().enumerate() {
        assert_ne!(edited, &text, "edit {i} changed nothing");
        let bad = env.tmp.path().join(format!("edited-{i}.txt"));
        std::fs::write(&bad, edited).unwrap();
        let (code, out, err) = against(&env, &bad, Some(&root));
        assert_eq!(code, Some(3), "edit {i}: {out}{err}");
        assert!(err.contains(&format!("edited-{i}.txt")), "edit {i}: {err}");
    }
}

#[test]
fn a_checkpoint_remade_by_someone_else_is_caught_by_the_root_kept_elsewhere() {
    let env = Env::new();
    let (path, root) = taken(&env);
    // An insider rewrites the checkpoint whole: new counts, a new root, and a
    // valid signature by a key of their own. It is consistent in itself.
    let text = std::fs::read_to_string(&path).unwrap();
    let mut entries = Vec::new();
    for line in text.lines() {
        let parts: Vec<&str> = line.split(' ').collect();
        if let [id, n, head] = parts.as_slice() {
            if head.len() == 64 && *n != "left" {
                entries.push(escalate_core::integrity::checkpoint::Entry {
                    id: (*id).to_owned(),
                    lines: 1,
                    head: (*head).to_owned(),
                });
            }
        }
    }
    let intruder = escalate_core::integrity::signing::Key::from_seed(&[9; 32], "intruder");
    let (forged, forged_root) = escalate_core::integrity::checkpoint::render(
        &escalate_core::integrity::checkpoint::Taker {
            taken: "2026-11-23T09:00:00+00:00",
            by: "Jo Bloggs (DSL)",
            key: &intruder,
        },
        entries,
        None,
        &[],
        &[],
    )
    .unwrap();
    std::fs::write(&path, forged).unwrap();
    let (code, out, err) = against(&env, &path, Some(&root));
    assert_eq!(code, Some(3), "{out}{err}");
    assert!(err.contains(&forged_root) && err.contains(&root), "{err}");
    assert!(err.contains("the root you gave"), "{err}");
}

#[test]
fn a_bad_root_is_a_usage_error_and_needs_against() {
    let env = Env::new();
    let (path, _) = taken(&env);
    let err = env.fails(
        2,
        &[
            "verify",
            "--against",
            path.to_str().unwrap(),
            "--root",
            "abc",
        ],
    );
    assert!(err.contains("64 hex digits"), "{err}");
    env.fails(2, &["verify", "--root", &"a".repeat(64)]);
}

#[test]
fn a_format_1_checkpoint_still_reads_and_says_what_it_cannot_prove() {
    let env = Env::new();
    let (path, _) = taken(&env);
    // The same disputes as a format-1 checkpoint (what escalate wrote before).
    let text = std::fs::read_to_string(&path).unwrap();
    let entries: Vec<&str> = text
        .lines()
        .filter(|l| {
            let parts: Vec<&str> = l.split(' ').collect();
            parts.len() == 3 && parts[0].len() == 10 && parts[2].len() == 64
        })
        .collect();
    let mut body = String::new();
    for e in &entries {
        body.push_str(e);
        body.push('\n');
    }
    let root = escalate_core::store::journal::line::sha256_hex(body.as_bytes());
    let old = env.tmp.path().join("old.txt");
    std::fs::write(
        &old,
        format!("escalate-checkpoint 1\ntaken 2026-11-01T09:00:00+00:00\n{body}root {root}\n"),
    )
    .unwrap();
    let (code, out, err) = against(&env, &old, Some(&root));
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(
        err.contains("format 1") && err.contains("not signed"),
        "{err}"
    );
    // Its taken line is outside its root: that is what it cannot prove.
    std::fs::write(
        &old,
        format!("escalate-checkpoint 1\ntaken 2020-01-01T09:00:00+00:00\n{body}root {root}\n"),
    )
    .unwrap();
    let (code, _, _) = against(&env, &old, Some(&root));
    assert_eq!(code, Some(0));
}

#[test]
fn a_retroactive_calendar_change_is_named_and_a_later_one_is_not_evidence() {
    let env = Env::new();
    let (path, _) = taken(&env);
    let (code, _, err) = against(&env, &path, None);
    assert_eq!(code, Some(0));
    assert!(!err.contains("calendar changed"), "{err}");

    // A closure after the checkpoint's day: the file changed, no past day did.
    env.ok(&[
        "calendar",
        "close",
        "2026-12-01",
        "--reason",
        "Training day",
    ]);
    let (code, _, err) = against(&env, &path, None);
    assert_eq!(code, Some(0));
    assert!(
        err.contains("calendar changed since the checkpoint") && err.contains("only after it"),
        "{err}"
    );

    // A closure before it: days already counted change.
    env.ok(&["calendar", "close", "2026-11-16", "--reason", "Flood"]);
    let (code, _, err) = against(&env, &path, None);
    assert_eq!(code, Some(0));
    assert!(
        err.contains("calendar changed since the checkpoint"),
        "{err}"
    );
    assert!(err.contains("deadlines that had already passed"), "{err}");
    assert!(err.contains("calendar/closures.json"), "{err}");
}
