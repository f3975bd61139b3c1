//! Speed-ups of issue #32 that must not change a verdict: the signatures of
//! many short journals are checked together (across journals), and still the
//! one journal whose line fails is named, at that line, and no other.

use crate::support::Env;
use crate::verify::rewrite_line;

#[test]
fn a_failing_line_among_many_short_journals_is_named_in_its_own_journal() {
    let env = Env::new();
    // Enough short journals that their signatures make batches together.
    escalate_core::generate::generate(&env.data(), 60, 5).unwrap();
    env.ok(&["verify"]);
    let mut ids: Vec<String> = std::fs::read_dir(env.data().join("disputes"))
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().into_string().unwrap();
            name.strip_suffix(".jsonl").map(str::to_owned)
        })
        .collect();
    ids.sort();
    // One in the middle with a second line to change.
    let damaged = ids[ids.len() / 2..]
        .iter()
        .find(|id| {
            std::fs::read_to_string(env.journal(id))
                .unwrap()
                .lines()
                .count()
                >= 2
        })
        .unwrap()
        .clone();
    rewrite_line(&env.journal(&damaged), 2);
    let some: Vec<&str> = ["verify"]
        .into_iter()
        .chain(ids[..3].iter().map(String::as_str))
        .chain([damaged.as_str()])
        .collect();
    for args in [vec!["verify"], some] {
        let out = env.cmd(&args).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(3), "{text}");
        assert!(
            text.contains(&format!(
                "{damaged} DAMAGED at line 2: its signature does not match"
            )),
            "{text}"
        );
        // Every other journal named is sound: none is blamed for the batch it shared.
        let sound = text.lines().filter(|l| l.contains(" ok")).count();
        let named = if args.len() == 1 {
            ids.len()
        } else {
            args.len() - 1
        };
        assert_eq!(sound, named - 1, "{text}");
    }
}
