//! `escalate agree`: the parties agree a later date only where the policy allows
//! it, with the reason recorded, and the agreed date is the deadline every view uses.

use crate::support::policies::{id_of, step};
use crate::support::policy_fixtures::install;
use crate::support::{open_args, Env};

#[test]
fn the_parties_may_agree_a_later_date_where_the_policy_allows_it() {
    let mut env = Env::new();
    install(&env, "agreed");
    // Mon 23 Nov 09:00: a working week is Mon 30 Nov.
    env.now("2026-11-23T09:00:00Z");
    let v = env.open("agreed-example", &[]);
    let id = id_of(&v);
    assert_eq!(v["due"], "2026-11-30");
    let err = env.fails(1, &open_args("agreed-example", &["--due", "2026-12-02"]));
    assert!(err.contains("later than the policy allows"), "{err}");

    let v = env.json(&[
        "agree",
        &id,
        "--due",
        "2026-12-04",
        "--note",
        "Both agreed: the assessment ends on 3 Dec",
    ]);
    assert_eq!(v["due"], "2026-12-04");
    assert_eq!(v["due_set_by"], "agreed");
    for (now, overdue) in [
        ("2026-12-04T23:00:00Z", false),
        ("2026-12-05T00:00:01Z", true),
    ] {
        env.now(now);
        assert_eq!(env.json(&["show", &id])["overdue"], overdue, "at {now}");
    }
    let text = env.ok(&["show", &id]);
    assert!(text.contains("agreed a later date for stage 1"), "{text}");

    // At opening: --due with --due-reason.
    env.now("2026-11-23T09:00:00Z");
    let v = env.open(
        "agreed-example",
        &[
            "--due",
            "2026-12-02",
            "--due-reason",
            "Agreed with the health visitor",
        ],
    );
    let id = id_of(&v);
    assert_eq!(v["due"], "2026-12-02");
    assert_eq!(v["due_set_by"], "agreed");
    // Stage 2 allows no agreement; its ten working days run to Mon 7 Dec.
    let v = step(&env, &id);
    assert_eq!(v["due"], "2026-12-07");
    let err = env.fails(1, &["agree", &id, "--due", "2026-12-20", "--note", "n"]);
    assert!(err.contains("does not let the parties agree"), "{err}");
    let err = env.fails(
        1,
        &open_args("gscb", &["--due", "2026-12-20", "--due-reason", "agreed"]),
    );
    assert!(err.contains("does not let the parties agree"), "{err}");
    // A built-in policy allows none either.
    let gscb = env.open_gscb(&[]);
    let err = env.fails(1, &["agree", &gscb, "--due", "2026-12-20", "--note", "n"]);
    assert!(err.contains("does not let the parties agree"), "{err}");
}
