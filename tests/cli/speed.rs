//! Speed-ups that must not change a verdict (issue 32): signatures checked in
//! batches still name the exact line that fails, and the generator's data is the
//! user's own.

use escalate_core::domain::event::{Event, Record};
use escalate_core::store::journal::line;

use crate::support::Env;

/// Line `n` (from 1) of a journal changed by hand after it was signed, then
/// sealed and chained again as a careful forger would, so that only its
/// signature (and those after it, whose `prev` moved) can tell.
fn rewrite_line(path: &std::path::Path, n: usize) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    for i in n - 1..lines.len() {
        let mut r: Record = serde_json::from_str(&lines[i]).unwrap();
        if i == n - 1 {
            r.event = Event::Discussed {
                stage: 1,
                note: "Agreed, no further action".into(),
                with: None,
            };
        }
        if i > 0 {
            r.prev = line::sha256_hex(lines[i - 1].as_bytes());
        }
        lines[i] = line::encode(&r).unwrap();
    }
    std::fs::write(path, lines.join("\n") + "\n").unwrap();
    let head = path.with_extension("head");
    let last = lines.last().unwrap();
    std::fs::write(
        head,
        format!("{} {}\n", lines.len(), line::sha256_hex(last.as_bytes())),
    )
    .unwrap();
}

#[test]
fn a_line_whose_signature_fails_deep_in_a_batch_is_named_exactly() {
    // 300 signed lines: several batches, checked on more than one thread. The
    // changed line sits inside a batch, not at its start, so a batch that failed
    // and was blamed on its first line would name another line.
    let env = Env::new();
    let id = escalate_core::generate::long_journal(&env.data(), 300, 11).unwrap();
    env.ok(&["verify"]);
    rewrite_line(&env.journal(id.as_str()), 203);
    for args in [vec!["verify"], vec!["verify", id.as_str()]] {
        let out = env.cmd(&args).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(3), "{text}");
        assert!(
            text.contains(&format!(
                "{id} DAMAGED at line 203: its signature does not match"
            )),
            "{text}"
        );
    }
}

#[test]
fn generated_data_is_signed_as_the_users_own_work() {
    let env = Env::new();
    // The user's key, as `escalate` makes it, and a signers line allowing it
    // for as long as the generated data goes back.
    env.ok(&["key", "new"]);
    let keys = escalate_core::integrity::signing::Keyring::new(Some(env.config()), env.data());
    let key = keys.existing().unwrap().expect("the user's key");
    let since = escalate_core::domain::clock::parse_instant("2020-01-01T00:00:00Z").unwrap();
    let allowed = escalate_core::integrity::signing::signers_line(&env.user, &key, &since, None);
    let author = escalate_core::generate::Author {
        key: &key,
        name: &env.user,
    };
    escalate_core::generate::generate_by(&env.data(), 5, 3, Some(&author)).unwrap();
    escalate_core::generate::long_journal_by(&env.data(), 40, 3, Some(&author)).unwrap();
    std::fs::write(env.data().join("signers"), format!("{allowed}\n")).unwrap();
    let text = env.ok(&["verify"]);
    assert_eq!(text.matches(" ok").count(), 6, "{text}");
    // The seed's own key is not the user's: a signers file naming only the user
    // refuses its lines.
    let other = Env::new();
    escalate_core::generate::generate(&other.data(), 1, 3).unwrap();
    std::fs::write(other.data().join("signers"), format!("{allowed}\n")).unwrap();
    let out = other.cmd(&["verify"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
}
