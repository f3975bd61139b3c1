//! Where journals are kept, as a user sees it when one dispute is in two data
//! directories (a copy sent to a colleague, a restored backup): reading both
//! with `--include-dir` counts it once, from the first, and names the two
//! journals when they differ, and only then. The journals are compared through
//! the store (`Store::journal_bytes`), not read by the command itself.

use crate::support::Env;

/// What each command that reads other directories says on standard error.
fn warnings(env: &Env, other: &str) -> Vec<String> {
    [
        vec!["report", "--month", "2026-11"],
        vec!["status"],
        vec!["export", "--format", "jsonl", "--all"],
    ]
    .into_iter()
    .map(|mut args| {
        args.extend(["--include-dir", other]);
        let out = env.cmd(&args).output().unwrap();
        assert!(out.status.success(), "{args:?}: {out:?}");
        String::from_utf8(out.stderr).unwrap()
    })
    .collect()
}

#[test]
fn a_dispute_in_two_directories_is_counted_once_and_a_difference_is_named() {
    let a = Env::new();
    let id = a.open_gscb(&[]);
    let b = a.clone_data();
    let other = b.data().display().to_string();
    for said in warnings(&a, &other) {
        assert!(!said.contains("differ"), "{said}");
    }
    let exported = a.ok(&[
        "export",
        "--format",
        "jsonl",
        "--all",
        "--include-dir",
        &other,
    ]);
    assert_eq!(exported.lines().count(), 1, "{exported}");
    b.ok(&["discuss", &id, "--note", "Spoke to the team manager"]);
    let ours = a.journal(&id).display().to_string();
    let theirs = b.journal(&id).display().to_string();
    for said in warnings(&a, &other) {
        assert!(
            said.contains(&format!(
                "dispute {id} is in {ours} and in {theirs}, and the two journals differ; it is counted once, from {ours}"
            )),
            "{said}"
        );
    }
    let exported = a.ok(&[
        "export",
        "--format",
        "jsonl",
        "--all",
        "--include-dir",
        &other,
    ]);
    assert_eq!(exported.lines().count(), 1, "{exported}");
}
