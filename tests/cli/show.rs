//! `escalate show`: the deadline and obligations above the timeline, the timeline
//! exactly as the journal says (corrections, multi-line text, IDs by any unique
//! prefix, working days overdue), read twice and never held whole, damage stopping
//! it before it prints, and long lines broken between words on a terminal.

use crate::support::snapshot::redact;
use crate::support::Env;
use serde_json::Value;
use std::path::Path;

#[test]
fn ids_are_found_by_any_unique_prefix() {
    let env = Env::new();
    let id = env.open_gscb(&[]);
    let v = env.json(&["show", &id[..4].to_lowercase()]);
    assert_eq!(v["id"], id.as_str());
    let mut ids = vec![id];
    // With enough disputes some share a first character: that prefix is ambiguous.
    loop {
        let next = env.open_gscb(&[]);
        if let Some(twin) = ids.iter().find(|i| i[..1] == next[..1]) {
            let err = env.fails(1, &["show", &twin[..1]]);
            assert!(
                err.contains("matches 2 disputes") || err.contains("matches"),
                "{err}"
            );
            break;
        }
        ids.push(next);
    }
}

#[test]
fn overdue_text_counts_working_days() {
    let mut env = Env::new();
    env.now("2026-11-02T09:00:00Z");
    let id = env.open_gscb(&[]); // due Mon 9 Nov
    env.now("2026-11-12T09:00:00Z");
    let v = env.json(&["show", &id]);
    assert_eq!(v["days_overdue"], 3);
    assert_eq!(v["working_days_overdue"], 3);
    env.now("2026-11-16T09:00:00Z");
    let v = env.json(&["show", &id]);
    assert_eq!(v["days_overdue"], 7);
    assert_eq!(v["working_days_overdue"], 5);
    assert!(env.ok(&["show", &id]).contains("overdue by 5 working days"));
}

#[test]
fn multi_line_text_keeps_the_layout_of_show() {
    let env = Env::new();
    let mut args = crate::support::open_args("gscb", &["--json"]);
    args[10] = "First line\nSecond line";
    let id = env.ok(&args);
    let id: Value = serde_json::from_str(&id).unwrap();
    let id = id["id"].as_str().unwrap().to_owned();
    env.ok(&["discuss", &id, "--note", "Called\nNo answer"]);
    // Piped, each event is one line (README): a line break is shown as ↵. (On a
    // terminal, text runs on indented under itself: render::timeline's tests.)
    let show = env.ok(&["show", &id]);
    assert!(
        show.contains("Summary:  First line \u{21B5} Second line\n"),
        "{show}"
    );
    assert!(show.contains("Called \u{21B5} No answer\n"), "{show}");
}

#[cfg(unix)]
mod show_on_a_terminal {
    use crate::support::{terminal_command as command, Env};
    use rexpect::session::spawn_command;

    #[test]
    fn show_breaks_long_lines_between_words_at_60_columns() {
        let env = Env::new();
        let id = env.open_gscb(&["--cp-plan"]);
        env.ok(&[
            "discuss",
            &id,
            "--note",
            "Spoke to the duty social worker about the referral",
        ]);
        env.ok(&["escalate", &id, "--reason", "No agreement at stage one"]);
        let mut cmd = command(&env, &["show", &id]);
        cmd.env("COLUMNS", "60").env("NO_COLOR", "1");
        let mut p = spawn_command(cmd, Some(20_000)).unwrap();
        // The terminal's bytes come back one character each: decoded as UTF-8
        // again, "—" is one column, as on a screen.
        let raw = p.exp_eof().unwrap();
        let text = String::from_utf8(raw.chars().map(|c| c as u8).collect()).unwrap_or(raw);
        let lines: Vec<&str> = text.lines().map(|l| l.trim_end_matches('\r')).collect();
        // Only a word longer than a line (the journal head's hash) may run over.
        assert!(
            lines
                .iter()
                .all(|l| l.chars().count() <= 60 || l.split_whitespace().count() == 1),
            "{text}"
        );
        for word in [
            "Independent",
            "Reviewing",
            "Officer",
            "referral",
            "Escalate",
        ] {
            assert!(text.contains(word), "{word} is never broken: {text}");
        }
        // Piped, the same lines are whole (scripts read one line an event).
        let piped = env.ok(&["show", &id]);
        assert!(piped.lines().any(|l| l.chars().count() > 60), "{piped}");
    }
}

#[test]
fn show_puts_the_deadline_and_obligations_above_the_timeline() {
    let mut env = Env::new();
    env.now("2026-11-23T16:00:00Z");
    let id = env.open_gscb(&["--cp-plan", "--at", "2026-11-23T09:00:00Z"]);
    env.ok(&[
        "discuss",
        &id,
        "--note",
        "Rang the SW",
        "--with",
        "A. Smith",
    ]);
    env.ok(&["escalate", &id, "--reason", "No agreement"]);
    // The whole page: the deadline and the Independent Reviewing Officer owed
    // above the timeline, a backdated line with both its times.
    let text = env.ok(&["show", &id]);
    insta::assert_snapshot!(redact(&text, &[&id]));
}

/// A dispute with a corrected time corrected again, notes under lines, a fact
/// learned, a notification that meets a duty, a resolution and a reopening.
fn corrected_dispute() -> (Env, String) {
    let mut env = Env::new();
    env.now("2026-11-02T09:00:00Z");
    let id = env
        .ok(&[
            "open",
            "--quiet",
            "--policy",
            "gscb",
            "--child",
            "LCS-40213",
            "--from",
            "Hollyfield Primary",
            "--with",
            "Children's Social Care",
            "--summary",
            "Referral judged\nbelow threshold",
        ])
        .trim()
        .to_owned();
    env.now("2026-11-03T10:00:00Z");
    env.ok(&[
        "discuss",
        &id,
        "--note",
        "Phoned the team\nsecond line",
        "--with",
        "Sam",
    ]);
    env.now("2026-11-04T10:00:00Z");
    env.ok(&[
        "discuss",
        &id,
        "--note",
        "Met again",
        "--at",
        "2026-11-04 08:00",
    ]);
    let amend = |event: &str, extra: &[&str]| {
        let mut args = vec!["amend", id.as_str(), "--event", event];
        args.extend_from_slice(extra);
        env.ok(&args);
    };
    amend(
        "2",
        &[
            "--happened",
            "2026-11-03 08:30",
            "--note",
            "Earlier\nsee diary",
        ],
    );
    amend("2", &["--note", "Sam is the deputy"]);
    amend("3", &["--note", "Before the\u{200B}meeting"]);
    amend(
        "2",
        &["--happened", "2026-11-03 08:45", "--note", "No, 08:45"],
    );
    env.now("2026-11-05T10:00:00Z");
    env.ok(&[
        "amend",
        &id,
        "--fact",
        "cp-plan=yes",
        "--note",
        "Plan made on the 4th",
    ]);
    env.ok(&["escalate", &id, "--reason", "No agreement"]);
    env.ok(&["notify", &id, "--who", "iro", "--note", "Told them"]);
    env.now("2026-11-06T10:00:00Z");
    env.ok(&["resolve", &id, "--outcome", "Agreed a plan"]);
    env.now("2026-11-09T10:00:00Z");
    env.ok(&["reopen", &id, "--reason", "Came back"]);
    env.now("2026-11-23T09:00:00Z");
    (env, id)
}

fn head(env: &Env, id: &str) -> String {
    env.json(&["show", id])["head"].as_str().unwrap().to_owned()
}

#[test]
fn show_prints_a_corrected_dispute_exactly() {
    let (env, id) = corrected_dispute();
    let text = env.ok(&["show", &id]);
    let head = head(&env, &id);
    let expected = format!(
        "Dispute {id}  (gscb — Escalation of Professional Concerns Guidance)
Child:    LCS-40213
Between:  Hollyfield Primary (raising) and Children's Social Care (challenged)
Flags:    child protection plan
Summary:  Referral judged ↵ below threshold
Stage:    2 Escalate to Line Manager (open)
Due:      Mon 16 Nov 2026, overdue by 5 working days
Calendar: England and Wales bank holidays (rules)
Outstanding: nothing

Timeline:
  1. Mon 2 Nov 2026 09:00, Jo Bloggs (DSL): opened at stage 1
  2. Tue 3 Nov 2026 08:45 (corrected; the line says Tue 3 Nov 2026 10:00; recorded Tue 3 Nov 2026 10:00), Jo Bloggs (DSL): discussed at stage 1 with Sam: Phoned the team ↵ second line
     correction (line 4, Jo Bloggs (DSL)): happened at Tue 3 Nov 2026 08:30: Earlier ↵ see diary
     correction (line 5, Jo Bloggs (DSL)): Sam is the deputy
     correction (line 7, Jo Bloggs (DSL)): happened at Tue 3 Nov 2026 08:45: No, 08:45
  3. Wed 4 Nov 2026 08:00 (recorded Wed 4 Nov 2026 10:00), Jo Bloggs (DSL): discussed at stage 1: Met again
     correction (line 6, Jo Bloggs (DSL)): Before the<U+200B>meeting
  4. Wed 4 Nov 2026 10:00, Jo Bloggs (DSL): correction: line 2 happened at Tue 3 Nov 2026 08:30: Earlier ↵ see diary
  5. Wed 4 Nov 2026 10:00, Jo Bloggs (DSL): correction to line 2: Sam is the deputy
  6. Wed 4 Nov 2026 10:00, Jo Bloggs (DSL): correction to line 3: Before the<U+200B>meeting
  7. Wed 4 Nov 2026 10:00, Jo Bloggs (DSL): correction: line 2 happened at Tue 3 Nov 2026 08:45: No, 08:45
  8. Thu 5 Nov 2026 10:00, Jo Bloggs (DSL): learned that the child has a child protection plan (cp-plan=yes): Plan made on the 4th
  9. Thu 5 Nov 2026 10:00, Jo Bloggs (DSL): escalated from stage 1 to 2: No agreement
 10. Thu 5 Nov 2026 10:00, Jo Bloggs (DSL): notified Independent Reviewing Officer (meets obligation iro): Told them
 11. Fri 6 Nov 2026 10:00, Jo Bloggs (DSL): resolved at stage 2: Agreed a plan
 12. Mon 9 Nov 2026 10:00, Jo Bloggs (DSL): reopened: Came back

Journal head: {head}
"
    );
    assert_eq!(text, expected);
}

/// Each line of the journal at `path`, as JSON.
fn journal_lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn show_json_holds_every_line_as_written_with_its_corrected_time() {
    let (env, id) = corrected_dispute();
    let out = env.ok(&["show", &id, "--json"]);
    let v: Value = serde_json::from_str(&out).unwrap();
    let mut expected = journal_lines(&env.journal(&id));
    // A correction names its line by nonce on disk (format 3); shown, also by number.
    let nonces: Vec<Value> = expected.iter().map(|l| l["nonce"].clone()).collect();
    for line in &mut expected {
        if let Some(at) = nonces.iter().position(|n| *n == line["target"]) {
            line["event"] = (at + 1).into();
        }
    }
    // Line 2's time was corrected twice: the later correction (line 7) stands.
    expected[1]["corrected_happened"] = "2026-11-03T08:45:00+00:00".into();
    // Each line's sealed text is shown opened, beside what is stored: the same
    // members in the line's own order, with its text where the line has none.
    let shown = v["events"].as_array().unwrap();
    assert_eq!(shown.len(), expected.len());
    for (line, want) in shown.iter().zip(&expected) {
        for (k, value) in want.as_object().unwrap() {
            assert_eq!(&line[k], value, "{k} of line {}", want["seq"]);
        }
        assert!(line["sealed"].is_string(), "{line}");
    }
    assert_eq!(shown[1]["note"], "Phoned the team\nsecond line");
    assert_eq!(shown[10]["outcome"], "Agreed a plan");
    assert_eq!(v["id"], id.as_str());
    assert_eq!(v["stage"], 2);
    // One pretty-printed document with its line end, every invisible character
    // escaped, as for any other JSON the tool prints.
    assert!(
        out.starts_with("{\n  \"") && out.ends_with("\n}\n"),
        "{out}"
    );
    assert!(out.contains(r"Before the\u200bmeeting"), "{out}");
    assert!(!out.contains('\u{200B}'));
}

#[test]
fn a_torn_last_line_is_warned_about_and_every_complete_line_shown() {
    let (env, id) = corrected_dispute();
    let text = env.ok(&["show", &id]);
    let json = env.ok(&["show", &id, "--json"]);
    let path = env.journal(&id);
    let mut bytes = std::fs::read(&path).unwrap();
    bytes.extend_from_slice(b"{\"v\":2,\"seq\":13,\"at\"");
    std::fs::write(&path, &bytes).unwrap();
    for (args, before) in [
        (vec!["show", &id], &text),
        (vec!["show", &id, "--json"], &json),
    ] {
        let out = env.cmd(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(0));
        assert_eq!(&String::from_utf8(out.stdout).unwrap(), before);
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(
            stderr.contains(&format!(
                "dispute {id}: line 13 is incomplete (20 bytes without a line end)"
            )),
            "{stderr}"
        );
    }
}

/// A generated journal of `lines` lines (a correction every seventh line).
fn long(lines: usize) -> (Env, String) {
    let env = Env::new();
    let id = escalate_core::generate::long_journal(&env.data(), lines, 5).unwrap();
    (env, id.as_str().to_owned())
}

#[test]
fn damage_deep_in_a_long_journal_stops_show_before_it_prints_anything() {
    let (env, id) = long(3000);
    let path = env.journal(&id);
    let mut bytes = std::fs::read(&path).unwrap();
    // A flipped letter in the name of who recorded line 2,500.
    let start = bytes
        .split(|&b| b == b'\n')
        .take(2499)
        .map(|l| l.len() + 1)
        .sum::<usize>();
    let at = start
        + bytes[start..]
            .windows(9)
            .position(|w| w == b"Generator")
            .unwrap();
    bytes[at] = b'g';
    std::fs::write(&path, &bytes).unwrap();
    for json in [false, true] {
        let mut args = vec!["show", id.as_str()];
        if json {
            args.push("--json");
        }
        let out = env.cmd(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(3), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?} printed before the damage");
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(
            stderr.contains("is damaged at line 2500: the line's contents do not match its hash"),
            "{stderr}"
        );
    }
}

/// Run `show` with its data segment (the heap) limited to `kib` KiB.
fn show_within(env: &Env, kib: u64, args: &[&str]) -> std::process::Output {
    std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -d {kib} && exec \"$0\" \"$@\""))
        .arg(assert_cmd::cargo::cargo_bin("escalate"))
        .args(args)
        .env_clear()
        .envs(env.vars())
        .output()
        .unwrap()
}

#[test]
fn a_journal_larger_than_the_memory_show_may_use_is_still_shown() {
    let (env, id) = long(25_000);
    let size = std::fs::metadata(env.journal(&id)).unwrap().len();
    // Holding the file alone would not fit.
    let kib = 12 * 1024;
    assert!(size > kib * 1024, "the journal is {size} bytes");
    for args in [
        vec!["show", id.as_str()],
        vec!["show", id.as_str(), "--json"],
    ] {
        let limited = show_within(&env, kib, &args);
        assert_eq!(
            limited.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&limited.stderr)
        );
        assert_eq!(limited.stdout, env.ok(&args).into_bytes(), "{args:?}");
    }
    let text = env.ok(&["show", &id]);
    assert_eq!(text.matches("\n     correction (line ").count(), 25_000 / 7);
    assert!(text.contains(&format!("\n{:>3}. ", 25_000)));
}
