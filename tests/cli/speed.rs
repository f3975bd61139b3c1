//! Speed-ups that must not change a verdict (issue 32): signatures checked in
//! batches still name the exact line that fails.

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
