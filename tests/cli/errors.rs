//! Errors and output as the two crates divide them: the core returns typed
//! errors and typed hints and never names a command, a flag to type or prints;
//! the command line turns each hint into the words a user reads, and every
//! command's output goes through the one sink (a write error other than a
//! closed pipe is exit 1).

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use crate::support::Env;

// 1. The core holds no command-line advice and prints nothing.

/// Every `.rs` file under `dir`.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read core/src").flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// A Rust file's code with comments removed, and its string literals (with
/// the line each starts on). Enough of Rust's lexing for escalate's own
/// source: line and block comments, strings with escapes, raw strings, and
/// character literals (so `'"'` does not open a string).
fn lex(source: &str) -> (String, Vec<(usize, String)>) {
    let s: Vec<char> = source.chars().collect();
    let (mut code, mut strings) = (String::new(), Vec::new());
    let (mut i, mut line) = (0, 1);
    while i < s.len() {
        let c = s[i];
        let next = s.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < s.len() && s[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            while i + 1 < s.len() && !(s[i] == '*' && s[i + 1] == '/') {
                line += usize::from(s[i] == '\n');
                i += 1;
            }
            i += 2;
        } else if c == 'r' && (next == Some('"') || next == Some('#')) && {
            let hashes = s[i + 1..].iter().take_while(|&&h| h == '#').count();
            s.get(i + 1 + hashes) == Some(&'"')
        } {
            let hashes = s[i + 1..].iter().take_while(|&&h| h == '#').count();
            let start = line;
            i += hashes + 2;
            let mut text = String::new();
            while i < s.len() {
                let closes = s[i] == '"'
                    && s[i + 1..]
                        .iter()
                        .take(hashes)
                        .filter(|&&h| h == '#')
                        .count()
                        == hashes;
                if closes {
                    i += 1 + hashes;
                    break;
                }
                line += usize::from(s[i] == '\n');
                text.push(s[i]);
                i += 1;
            }
            code.push_str("\"\"");
            strings.push((start, text));
        } else if c == '"' {
            let start = line;
            i += 1;
            let mut text = String::new();
            while i < s.len() && s[i] != '"' {
                if s[i] == '\\' {
                    i += 1;
                    // A line continuation: the next line's indent is not text.
                    if s.get(i) == Some(&'\n') {
                        line += 1;
                        i += 1;
                        while s.get(i).is_some_and(|c| c.is_whitespace()) {
                            line += usize::from(s[i] == '\n');
                            i += 1;
                        }
                        continue;
                    }
                }
                if let Some(&ch) = s.get(i) {
                    line += usize::from(ch == '\n');
                    text.push(ch);
                }
                i += 1;
            }
            i += 1;
            code.push_str("\"\"");
            strings.push((start, text));
        } else if c == '\'' && next == Some('\\') {
            // An escaped character literal: '\n', '\'', '\u{1B}'.
            i += 2;
            while i < s.len() && s[i] != '\'' {
                i += 1;
            }
            i += 1;
        } else if c == '\'' && s.get(i + 2) == Some(&'\'') {
            i += 3;
        } else {
            line += usize::from(c == '\n');
            code.push(c);
            i += 1;
        }
    }
    (code, strings)
}

/// Literals in the core that name a command but are not advice: text written
/// into files escalate keeps (their first line says what wrote them), and the
/// report figures' own documentation, which names the command that keeps the
/// agency list as a reference, as the manual does.
fn not_advice(text: &str) -> bool {
    text.starts_with("# ") || text.starts_with("the same figures per agency raising")
}

#[test]
fn the_core_names_no_command_and_gives_no_advice() {
    let core = Path::new(env!("CARGO_MANIFEST_DIR")).join("core/src");
    let mut files = Vec::new();
    rust_files(&core, &mut files);
    assert!(
        files.len() > 20,
        "{} files under {}",
        files.len(),
        core.display()
    );
    let mut found = Vec::new();
    for path in &files {
        let source = std::fs::read_to_string(path).unwrap();
        // A file's unit tests may quote what users see.
        let source = source
            .split("#[cfg(test)]\nmod tests")
            .next()
            .unwrap_or_default();
        let (code, strings) = lex(source);
        let at = |line: usize| format!("{}:{line}", path.display());
        for (line, text) in &strings {
            let advice = text.contains("`escalate ")
                || text.contains("Run `")
                || text.contains("run `")
                || text.contains("escalate agency add")
                || text.contains("escalate agency list");
            if advice && !not_advice(text) {
                found.push(format!("{}: advice in a literal: {text:?}", at(*line)));
            }
        }
        let flat: String = code.split_whitespace().collect();
        for piece in flat.split("with_hint(").skip(1) {
            // The argument, up to its closing parenthesis (literals are `""`).
            let mut depth = 1;
            let argument: String = piece
                .chars()
                .take_while(|&c| {
                    depth += i32::from(c == '(') - i32::from(c == ')');
                    depth > 0
                })
                .collect();
            // error.rs defines `with_hint` and passes on what it was given.
            let own = path.ends_with("error.rs")
                && (argument.starts_with("mutself") || argument == "hint.into()");
            // A typed hint (or a choice of them), carrying values, never words.
            let typed = (argument.starts_with("Hint::") || argument.starts_with("if"))
                && !argument.contains("\"\"")
                && !argument.contains("format!");
            if !own && !typed {
                found.push(format!(
                    "{}: a hint that is not a typed `Hint`: with_hint({argument})",
                    path.display()
                ));
            }
        }
        if flat.contains("Hint::Said") && !path.ends_with("error.rs") {
            found.push(format!(
                "{}: Hint::Said, the command line's own words",
                path.display()
            ));
        }
        for printing in ["println!", "eprintln!", "print!(", "eprint!(", "dbg!("] {
            if flat.contains(printing) {
                found.push(format!(
                    "{}: {printing} (the core prints nothing)",
                    path.display()
                ));
            }
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}

#[test]
fn the_scan_finds_advice_where_there_is_some() {
    // The scan above must be able to fail: the lexer finds advice in a
    // string, not in a comment, and a continuation line is read as text.
    let (code, strings) = lex(concat!(
        "// Run `escalate verify` in a comment is fine\n",
        "let c = '\"'; let e = '\\'';\n",
        "Error::refused(\"x\").with_hint(\"Run \\\n    `escalate verify`.\");\n",
        "let r = r#\"a \"quoted\" run `escalate sync`\"#;\n",
    ));
    assert!(!code.contains("comment"), "{code}");
    let texts: Vec<&str> = strings.iter().map(|(_, t)| t.as_str()).collect();
    assert_eq!(
        texts,
        [
            "x",
            "Run `escalate verify`.",
            "a \"quoted\" run `escalate sync`"
        ],
        "{code}"
    );
    assert_eq!(strings[1].0, 3);
}

// 2. The command line says every hint in the words users have always read.

#[test]
fn a_damaged_journal_says_to_verify_and_keep_a_copy() {
    let env = Env::new();
    let id = env.open_gscb(&[]);
    let journal = env.journal(&id);
    let mut text = std::fs::read_to_string(&journal).unwrap();
    text.push_str("{not a line}\n");
    std::fs::write(&journal, text).unwrap();
    let err = env.fails(3, &["show", &id]);
    assert!(err.contains("is damaged at line 2"), "{err}");
    assert!(
        err.contains("Nothing was changed. Run `escalate verify` for details; keep a copy of the file before anyone edits it."),
        "{err}"
    );
}

#[test]
fn hints_carry_the_dispute_and_the_values_they_name() {
    let env = Env::new();
    let id = env.open_gscb(&[]);
    env.ok(&["resolve", &id, "--outcome", "Agreed", "--yes"]);
    let err = env.fails(1, &["discuss", &id, "--note", "n", "--with", "x"]);
    let flat = err.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains(&format!(
            "If it has come back, reopen it first: `escalate reopen {id} --reason \"...\"`."
        )),
        "{err}"
    );
    let mut open = crate::support::open_args("gscb", &[]);
    open[2] = "nosuch";
    let err = env.fails(1, &open);
    let flat = err.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains("Known policies: gscb"), "{err}");
    assert!(
        flat.contains("`escalate policy list` describes them."),
        "{err}"
    );
    let err = env.fails(2, &["show", "no!"]);
    assert!(
        err.contains("Dispute IDs are 10 letters and digits, e.g. 7K3M9QXA2B. Run `escalate status --all` to list them."),
        "{err}"
    );
    let err = env.fails(1, &["show", "ZZZZZZZZZZ"]);
    let flat = err.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains(&format!(
            "Check the ID, or run `escalate status --all` to list disputes (data directory: {}).",
            env.data().display()
        )),
        "{err}"
    );
}

#[test]
fn a_new_key_is_announced_with_the_command_to_show_it() {
    let env = Env::new();
    let out = env
        .cmd(&crate::support::open_args("gscb", &[]))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    let flat = err.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("note: created your signing key")
            && flat
                .contains("Run `escalate key show` for what to send to whoever says who may sign"),
        "{err}"
    );
}

#[test]
fn signers_warnings_say_what_to_run() {
    let env = Env::new();
    env.open_gscb(&[]);
    let out = env.cmd(&["verify"]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    let flat = err.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("warning: signers not pinned: there is no `signers` file in the data directory, so each signature was checked but not who may sign for whom (see `escalate key show`)"),
        "{err}"
    );
    std::fs::write(env.data().join("signers"), "not a signers line\n").unwrap();
    let out = env.cmd(&["status"]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    let flat = err.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("is damaged at line 1")
            && flat.contains("so lines were checked against their signatures only, not who may sign for whom; run `escalate verify`"),
        "{err}"
    );
}

// 3. Every command's output goes through the one sink.

/// Run with standard output going to /dev/full (every write fails: no space).
fn to_full_disk(env: &Env, args: &[&str]) -> Output {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full");
    Command::new(assert_cmd::cargo::cargo_bin("escalate"))
        .env_clear()
        .envs(env.vars())
        .args(args)
        .stdin(Stdio::null())
        .stdout(full)
        .output()
        .unwrap()
}

/// Run with standard output a pipe its reader closed before anything was
/// written (as `| head -1` does once it has its line).
fn to_closed_pipe(env: &Env, args: &[&str]) -> std::process::ExitStatus {
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("escalate"))
        .env_clear()
        .envs(env.vars())
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    child.wait().unwrap()
}

#[test]
fn output_that_cannot_be_written_fails_and_a_closed_pipe_does_not() {
    let env = Env::new();
    let id = env.open_gscb(&[]);
    env.ok(&["agency", "add", "Police"]);
    let commands: &[&[&str]] = &[
        &["export", "--format", "jsonl"],
        &["export", "--format", "csv"],
        &["export", "--format", "ics"],
        &["verify"],
        &["verify", "--json"],
        &["status"],
        &["status", "--json"],
        &["show", &id],
        &["show", &id, "--json"],
        &["report", "--month", "2026-11"],
        &["report", "--month", "2026-11", "--format", "csv"],
        &["policy", "list"],
        &["policy", "show", "gscb"],
        &["calendar", "show"],
        &["calendar", "between", "2026-11-02", "2026-11-20"],
        &["key", "show"],
        &["config", "list"],
        &["agency", "list"],
        &["man", "open"],
        &["completions", "bash"],
        &["--help"],
        &["--version"],
        &["help", "open"],
        &["open", "--help"],
    ];
    // A recording command has recorded when its output fails: it says so,
    // or the person would record it again.
    let before = std::fs::read_to_string(env.journal(&id))
        .unwrap()
        .lines()
        .count();
    let out = to_full_disk(&env, &["discuss", &id, "--note", "Spoke", "--with", "Sam"]);
    let err = String::from_utf8_lossy(&out.stderr);
    let flat = err.split_whitespace().collect::<Vec<_>>().join(" ");
    assert_eq!(out.status.code(), Some(1), "{err}");
    let after = std::fs::read_to_string(env.journal(&id))
        .unwrap()
        .lines()
        .count();
    assert_eq!(after, before + 1, "{err}");
    assert!(
        flat.contains("What the command recorded was recorded before its output failed: look with `escalate status` or `escalate show ID` before running it again."),
        "{err}"
    );
    let out = to_full_disk(&env, &["status"]);
    assert!(!String::from_utf8_lossy(&out.stderr).contains("was recorded"));
    for args in commands {
        let out = to_full_disk(&env, args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(
            err.contains("error: could not write the output"),
            "{args:?}: {err}"
        );
        assert!(
            err.contains("If the output goes to a file, check there is room on its disk"),
            "{args:?}: {err}"
        );
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        let piped = to_closed_pipe(&env, args);
        assert!(piped.success(), "{args:?} into a closed pipe: {piped:?}");
    }
}
