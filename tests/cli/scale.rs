//! A generated partnership's worth of disputes: the generator's journals verify, and
//! status, export and report give the same answers with the status cache fresh,
//! reused, stale, damaged or deleted.

use crate::support::Env;

fn answers(env: &Env) -> Vec<String> {
    [
        vec!["status", "--json"],
        vec!["status", "--all", "--json"],
        vec!["status", "--overdue"],
        vec!["export", "--format", "csv", "--all"],
        vec!["report", "--month", "2026-10", "--json"],
        vec!["report", "--month", "2025-06", "--format", "csv"],
        vec![
            "report",
            "--from",
            "2024-11-01",
            "--to",
            "2026-11-23",
            "--json",
        ],
    ]
    .iter()
    .map(|args| env.ok(args))
    .collect()
}

#[test]
fn answers_are_the_same_with_and_without_the_cache() {
    let env = Env::new();
    let events = escalate::generate::generate(&env.data(), 300, 11).unwrap();
    assert!(events > 1500, "about ten events a dispute: {events}");
    env.ok(&["verify"]);
    let cache = env.data().join("cache");

    let first = answers(&env);
    assert!(
        cache.join("status.jsonl").is_file(),
        "status builds the cache"
    );
    let reused = answers(&env);
    assert_eq!(first, reused);
    std::fs::remove_dir_all(&cache).unwrap();
    assert_eq!(first, answers(&env), "deleting the cache changes no output");

    // A change to one journal makes its entry stale; the answer follows the journal.
    let open = env.json(&["status"]);
    let id = open[0]["id"].as_str().unwrap().to_owned();
    env.ok(&["discuss", &id, "--note", "Spoke again"]);
    let after = answers(&env);
    std::fs::remove_dir_all(&cache).unwrap();
    assert_eq!(after, answers(&env));
    assert_ne!(first, after);

    // An entry that names another dispute inside is not believed.
    answers(&env);
    let text = std::fs::read_to_string(cache.join("status.jsonl")).unwrap();
    let forged: Vec<String> = text
        .lines()
        .map(|l| {
            let field = "\"dispute\":{\"id\":\"";
            match l.find(field) {
                Some(at) => {
                    let start = at + field.len();
                    format!("{}ZZZZZZZZZZ{}", &l[..start], &l[start + 10..])
                }
                None => l.to_owned(),
            }
        })
        .collect();
    std::fs::write(cache.join("status.jsonl"), forged.join("\n") + "\n").unwrap();
    assert_eq!(after, answers(&env));

    // A damaged cache is ignored and rebuilt.
    std::fs::write(
        cache.join("status.jsonl"),
        b"{\"format\":2,\"version\":\"0.1.0\"}\n{\"id\":\"0\",junk\n",
    )
    .unwrap();
    assert_eq!(after, answers(&env));
    std::fs::write(cache.join("status.jsonl"), b"\xff\xfe not a cache").unwrap();
    assert_eq!(after, answers(&env));
}
