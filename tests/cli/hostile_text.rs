//! Text is inert everywhere (issue 25, items 7 and 8). A partner who can write the
//! shared journals or agency list plants terminal escapes, lone carriage returns,
//! bidi controls and line breaks: every output (show piped and JSON, status,
//! report CSV, Markdown and HTML, export CSV and iCalendar, verify) shows them
//! escaped, piped `show` keeps one line an event, and `verify` names each such
//! line. Every input field refuses them, past a limit too. Long text from standard
//! input or a file is read to a bound, and `--*-file` takes a regular file only.

use crate::support::journals::notes;
use crate::support::Env;
use escalate_core::domain::event::{Event, Record};
use escalate_core::store::journal::line;
use serde_json::Value;
use std::io::Write as _;
use std::process::{Command as StdCommand, Stdio};
use std::time::{Duration, Instant};

/// What a hostile partner writes: cursor up, erase line, a lone CR that returns
/// to overwrite, an OSC title change ended by BEL, a C1 CSI, and a line break.
const NOTE: &str =
    "All agreed\r\x1b[1A\x1b[2KNothing was agreed\x1b]0;owned\x07\u{9b}2J\nsecond line";

const CHILD: &str = "LCS\x1b[31m-1\r";

const AGENCY: &str = "Pol\x1b[2Kice \u{202E}CSC";

fn user_key(env: &Env) -> escalate_core::integrity::signing::Key {
    escalate_core::integrity::signing::Keyring::new(Some(env.config()), env.data())
        .existing()
        .unwrap()
        .unwrap()
}

/// A dispute whose opening line (child reference, agency) and a discussion (note,
/// person) hold escape sequences, every line validly signed with the user's own
/// key, which the signers file lists: nothing but the text is wrong.
fn hostile_dispute(env: &Env) -> String {
    let id = env.open_gscb(&[]);
    let key = user_key(env);
    let journal = env.journal(&id);
    let first = std::fs::read_to_string(&journal).unwrap();
    let mut r: Record = serde_json::from_str(first.lines().next().unwrap()).unwrap();
    if let Event::Opened(o) = &mut r.event {
        o.child = CHILD.into();
        o.with = "CSC\nforged".into();
    }
    let one = line::encode_signed(&mut r, &key).unwrap();
    let mut two = Record {
        v: None,
        seq: 2,
        at: r.at,
        happened: None,
        by: r.by.clone(),
        event: Event::Discussed {
            stage: 1,
            note: NOTE.into(),
            with: Some("Sam\x1b[8m".into()),
        },
        sealed: None,
        prev: line::sha256_hex(one.as_bytes()),
        dispute: r.dispute.clone(),
        nonce: None,
        signer: None,
        sig: None,
        hash: String::new(),
    };
    let two = line::encode_signed(&mut two, &key).unwrap();
    std::fs::write(&journal, format!("{one}\n{two}\n")).unwrap();
    std::fs::write(
        env.data().join("disputes").join(format!("{id}.head")),
        format!("2 {}\n", line::sha256_hex(two.as_bytes())),
    )
    .unwrap();
    let shown = env.json(&["key", "show"]);
    std::fs::write(
        env.data().join("signers"),
        format!("{}\n", shown["signers_line"].as_str().unwrap()),
    )
    .unwrap();
    // The shared agency list: the challenged agency's canonical name holds an
    // escape and a bidi override.
    std::fs::write(
        env.data().join("agencies.toml"),
        "version = 1\n[[agency]]\nname = \"Pol\\u001B[2Kice \\u202ECSC\"\naliases = [\"Hollyfield Primary\", \"CSC forged\"]\n",
    )
    .unwrap();
    id
}

/// No control character reaches the output but line breaks, tabs and a CR that
/// ends a line (CSV, iCalendar).
fn assert_inert(what: &str, out: &str) {
    for (i, c) in out.char_indices() {
        let ends_line = c == '\r' && out[i + 1..].starts_with('\n');
        assert!(
            !(c.is_control() && c != '\n' && c != '\t' && !ends_line),
            "{what}: raw U+{:04X} at byte {i}:\n{out}",
            c as u32
        );
        assert!(
            !matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'),
            "{what}: raw bidi control:\n{out}"
        );
    }
}

fn run(env: &Env, args: &[&str]) -> (Option<i32>, String, String) {
    let out = env.cmd(args).output().unwrap();
    (
        out.status.code(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn escapes_in_a_signed_journal_and_the_agency_list_are_shown_escaped_everywhere() {
    let mut env = Env::new();
    let id = hostile_dispute(&env);

    // Piped show: escaped, and one line an event (the note's line break is ↵).
    let show = env.ok(&["show", &id]);
    assert_inert("show", &show);
    assert!(show.contains("LCS<U+001B>[31m-1<U+000D>"), "{show}");
    assert!(
        show.contains("All agreed<U+000D><U+001B>[1A<U+001B>[2KNothing was agreed<U+001B>]0;owned<U+0007><U+009B>2J \u{21B5} second line"),
        "{show}"
    );
    assert!(show.contains("CSC \u{21B5} forged (challenged)"), "{show}");
    let events: Vec<&str> = show
        .lines()
        .skip_while(|l| *l != "Timeline:")
        .skip(1)
        .take_while(|l| !l.is_empty())
        .collect();
    assert_eq!(events.len(), 2, "one line an event: {events:#?}");
    assert!(events[1].starts_with("  2. "), "{events:#?}");

    // JSON: the same strings, every control character escaped by JSON itself.
    let (code, json, _) = run(&env, &["show", &id, "--json"]);
    assert_eq!(code, Some(0));
    assert_inert("show --json", &json);
    assert!(json.contains("\\u001b[1A"), "{json}");
    assert!(json.contains("\\u009b"), "{json}");
    let v: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["child"], CHILD);
    assert_eq!(v["events"][1]["note"], NOTE);

    // status piped; and coloured, where only escalate's own colour passes.
    env.now("2026-12-21T09:00:00Z");
    let status = env.ok(&["status"]);
    assert_inert("status", &status);
    assert!(status.contains("LCS<U+001B>[31m-1<U+000D>"), "{status}");
    assert_eq!(status.lines().count(), 2, "header and one row: {status}");
    let (code, coloured, _) = run(&env, &["status", "--color", "always"]);
    assert_eq!(code, Some(0));
    assert!(coloured.contains("LCS<U+001B>[31m-1"), "{coloured}");
    assert_eq!(
        coloured.matches('\x1b').count(),
        2,
        "only the overdue due column is coloured: {coloured:?}"
    );
    assert!(coloured.contains("\x1b[31mMon"), "{coloured:?}");

    // Exports and reports.
    let csv = env.ok(&["export", "--format", "csv"]);
    assert_inert("export csv", &csv);
    assert!(csv.contains("<U+001B>[31m"), "{csv}");
    let ics = env.ok(&["export", "--format", "ics"]);
    assert_inert("export ics", &ics);
    assert!(ics.replace("\r\n ", "").contains("CSC\\nforged"), "{ics}");
    for format in ["csv-long", "md", "html", "table"] {
        let (code, out, err) = run(&env, &["report", "--month", "2026-11", "--format", format]);
        assert_eq!(code, Some(0), "{format}: {err}");
        assert_inert(format, &out);
        let want = match format {
            "html" => "Pol&lt;U+001B&gt;[2Kice &lt;U+202E&gt;CSC",
            // Markdown's own escaping on top: it reads as the line above.
            "md" => "Pol\\<U+001B\\>\\[2Kice \\<U+202E\\>CSC",
            _ => "Pol<U+001B>[2Kice <U+202E>CSC",
        };
        assert!(out.contains(want), "{format}: {out}");
        assert_inert(format, &err);
    }
    let list = env.ok(&["agency", "list"]);
    assert_inert("agency list", &list);
    assert!(list.contains("Pol<U+001B>[2Kice"), "{list}");
    let (_, raw, _) = run(&env, &["agency", "list", "--json"]);
    assert_inert("agency list --json", &raw);
    let v: Value = serde_json::from_str(&raw).unwrap();
    assert_eq!(v[0]["name"], AGENCY, "JSON keeps the same string");

    // verify: sound (signed, chained), but each such line and name is named.
    let (code, out, err) = run(&env, &["verify"]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert_inert("verify", &(out.clone() + &err));
    assert!(
        err.contains(&format!(
            "dispute {id}: line 1 holds a control character (U+001B)"
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "dispute {id}: line 2 holds a control character (U+000D)"
        )),
        "{err}"
    );
    assert!(
        err.contains(
            "the agency name Pol<U+001B>[2Kice <U+202E>CSC holds a control character (U+001B)"
        ),
        "{err}"
    );
    assert!(out.contains(&format!("{id} ok (with warnings)")), "{out}");
}

/// Each field, given a terminal escape; `open` fields replace one of the usual
/// values.
#[test]
fn every_field_refuses_control_characters_at_input() {
    let env = Env::new();
    let id = env.open_gscb(&[]);
    let esc = "Before\x1b[2KAfter";
    let open = |flag: &str| -> Vec<String> {
        let mut args: Vec<String> = crate::support::open_args("gscb", &[])
            .iter()
            .map(|s| s.to_string())
            .collect();
        let i = args.iter().position(|a| a == flag).unwrap();
        args[i + 1] = esc.into();
        args
    };
    let mut cases: Vec<Vec<String>> = ["--child", "--from", "--with", "--summary"]
        .iter()
        .map(|f| open(f))
        .collect();
    let owned = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    cases.extend([
        owned(&["discuss", &id, "--note", esc]),
        owned(&["discuss", &id, "--note", "ok", "--with", esc]),
        owned(&["discuss", &id, "--note", "ok", "--by", esc]),
        owned(&["discuss", &id, "--note", "done\roverwritten"]),
        owned(&["escalate", &id, "--reason", esc]),
        owned(&["notify", &id, "--who", esc]),
        owned(&["resolve", &id, "--outcome", esc]),
        owned(&["amend", &id, "--event", "1", "--note", esc]),
        owned(&["reopen", &id, "--reason", esc]),
        owned(&["agency", "add", esc]),
        owned(&["agency", "add", "Police\u{85}CSC"]),
        owned(&["agency", "add", "Police\u{202E}CSC"]),
        owned(&["config", "set", "name", esc]),
        owned(&["config", "set", "organisation", esc]),
        owned(&["calendar", "close", "2026-12-01", "--reason", esc]),
    ]);
    for args in &cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let err = env.fails(1, &args);
        assert!(
            err.contains("U+001B")
                || err.contains("U+000D")
                || err.contains("U+0085")
                || err.contains("U+202E"),
            "{args:?}: {err}"
        );
        assert_inert("error", &err);
    }
    env.ok(&["agency", "add", "Police"]);
    let err = env.fails(1, &["agency", "alias", "Pol\x1b[1A", "Police"]);
    assert!(err.contains("U+001B"), "{err}");
    let err = env.fails(1, &["agency", "alias", "Pol\tice", "Police"]);
    assert!(err.contains("line break or tab"), "{err}");
}

/// Run `escalate` with `stdin` and the arguments, failing the test if it has not
/// finished within ten seconds (it must never wait on its input).
fn run_with_stdin(env: &Env, args: &[&str], stdin: Stdio) -> (Option<i32>, String, Duration) {
    let mut cmd = StdCommand::new(assert_cmd::cargo::cargo_bin("escalate"));
    cmd.env_clear()
        .envs(env.vars())
        .args(args)
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let start = Instant::now();
    let mut child = cmd.spawn().unwrap();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if start.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
            panic!("escalate {args:?} was still running after 10 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        start.elapsed(),
    )
}

#[test]
fn note_files_must_be_regular_files_and_are_read_to_a_bound() {
    let env = Env::new();
    let id = env.open_gscb(&[]);
    let fifo = env.tmp.path().join("fifo");
    assert!(StdCommand::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let folder = env.tmp.path().join("folder");
    std::fs::create_dir(&folder).unwrap();
    for path in [
        "/dev/zero".as_ref(),
        fifo.as_path(),
        std::path::Path::new("/dev/null"),
    ] {
        let path = path.to_str().unwrap();
        let (code, err, _) =
            run_with_stdin(&env, &["discuss", &id, "--note-file", path], Stdio::null());
        assert_eq!(code, Some(1), "{path}: {err}");
        assert!(err.contains("not an ordinary file"), "{path}: {err}");
        assert!(err.contains("--note -"), "{path}: {err}");
    }
    let err = env.fails(
        1,
        &["discuss", &id, "--note-file", folder.to_str().unwrap()],
    );
    assert!(err.contains("a folder"), "{err}");

    // A regular file one byte past the bound is refused unread; text at the
    // limit is recorded, CRLF as LF and tabs kept.
    let big = env.tmp.path().join("big.txt");
    std::fs::write(
        &big,
        "a".repeat(escalate_core::domain::text::MAX_LONG_BYTES + 1),
    )
    .unwrap();
    let err = env.fails(1, &["discuss", &id, "--note-file", big.to_str().unwrap()]);
    assert!(err.contains("the limit is 20000 characters"), "{err}");
    let windows = env.tmp.path().join("minutes.txt");
    std::fs::write(&windows, "Agenda:\r\n\tone\r\n\ttwo\r\n").unwrap();
    env.ok(&["discuss", &id, "--note-file", windows.to_str().unwrap()]);
    let show = env.json(&["show", &id]);
    assert_eq!(show["events"][1]["note"], "Agenda:\n\tone\n\ttwo");
}

#[test]
fn standard_input_is_read_to_a_bound() {
    let env = Env::new();
    let id = env.open_gscb(&[]);
    let zero = std::fs::File::open("/dev/zero").unwrap();
    let (code, err, took) = run_with_stdin(&env, &["discuss", &id, "--note", "-"], zero.into());
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("the limit is 20000 characters"), "{err}");
    assert!(took < Duration::from_secs(10), "{took:?}");

    // An endless pipe, as `yes | escalate ...`: refused, not read to its end.
    let mut cmd = StdCommand::new(assert_cmd::cargo::cargo_bin("escalate"));
    let mut child = cmd
        .env_clear()
        .envs(env.vars())
        .args(["discuss", &id, "--note-file", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let chunk = [b'y'; 4096];
        // Until escalate closes its end.
        while stdin.write_all(&chunk).is_ok() {}
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("the limit is 20000"));

    // Piped text with Windows line endings and a tab is recorded as LF; a lone CR
    // is refused.
    let out = env
        .cmd(&["discuss", &id, "--note", "-"])
        .write_stdin("Line one\r\n\tindented\r\n")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        env.json(&["show", &id])["events"][1]["note"],
        "Line one\n\tindented"
    );
    let out = env
        .cmd(&["discuss", &id, "--note", "-"])
        .write_stdin("Agreed\rNot agreed")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("carriage return"));
}

#[test]
fn hostile_text_is_refused_with_the_limit() {
    let env = Env::new();
    let id = env.open_gscb(&[]);
    let long = "é".repeat(20_001);
    let err = env.fails(1, &["discuss", &id, "--note", &long]);
    assert!(
        err.contains("--note is 20001 characters long; the limit is 20000"),
        "{err}"
    );
    let err = env.fails(1, &["amend", &id, "--event", "1", "--note", &long]);
    assert!(err.contains("the limit is 20000"), "{err}");
    let err = env.fails(1, &["discuss", &id, "--note", "a\u{1b}[2Jb"]);
    assert!(
        err.contains("--note contains a control character (U+001B)"),
        "{err}"
    );
    let name = "x".repeat(201);
    let err = env.fails(1, &["discuss", &id, "--note", "n", "--with", &name]);
    assert!(
        err.contains("--with is 201 characters long; the limit is 200"),
        "{err}"
    );
    // NUL cannot be passed in an argument at all (the OS refuses it); the text
    // check refusing it is unit-tested in text.rs. Any other Unicode is kept.
    let note = "Zoë «non» 😟 صباح";
    env.ok(&["discuss", &id, "--note", note]);
    assert!(notes(&env, &id).contains(&note.to_owned()));
}
