//! The README, run as written: every `$ escalate ...` line in the "Five minutes
//! with a real dispute" section succeeds and prints what the README shows (bar the
//! prompts, which need a terminal, and with the README's example ID standing for
//! the real one); the cron recipe and the exit-code table are true.

use crate::support::programs::repo;
use crate::support::Env;
use std::path::Path;

// The README's cron recipe and exit-code table, as written.

#[test]
fn the_readme_cron_recipe_appends_months_under_one_header() {
    let readme = std::fs::read_to_string(repo("README.md")).unwrap();
    let cron = readme
        .lines()
        .find(|l| l.starts_with("5 7 1 * * "))
        .expect("the cron line");
    let once = readme
        .lines()
        .find_map(|l| l.strip_prefix("# once: "))
        .expect("the first run");
    let env = Env::new();
    env.open_gscb(&[]);
    let csv = env.tmp.path().join("escalations.csv");
    // What cron would run: the command after the five time fields, with cron's
    // `\%` unescaped, and the README's paths standing for this test's.
    let as_shell = |line: &str, data: &Path| {
        line.replace("\\%", "%")
            .replace("/srv/safeguarding/data", data.to_str().unwrap())
            .replace("/srv/safeguarding/escalations.csv", csv.to_str().unwrap())
    };
    let command = as_shell(cron.splitn(6, ' ').nth(5).unwrap(), &env.data());
    let bin_dir = assert_cmd::cargo::cargo_bin("escalate")
        .parent()
        .unwrap()
        .to_owned();
    let sh = |line: &str| {
        std::process::Command::new("sh")
            .arg("-c")
            .arg(line)
            .env_clear()
            .envs(env.vars())
            .env(
                "PATH",
                format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap()),
            )
            .output()
            .unwrap()
    };
    let first = sh(&as_shell(once, &env.data()));
    assert!(first.status.success(), "{first:?}");
    for _ in 0..2 {
        let out = sh(&command);
        assert!(out.status.success(), "{command}: {out:?}");
    }
    let text = std::fs::read_to_string(&csv).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines.iter().filter(|l| l.starts_with("from,")).count(),
        1,
        "{text}"
    );
    assert_eq!(lines.len(), 1 + 3 * 2, "{text}");
    // A mistyped directory fails the job (cron mails it) and adds nothing.
    let typo = as_shell(
        cron.splitn(6, ' ').nth(5).unwrap(),
        &env.tmp.path().join("dat"),
    );
    let out = sh(&typo);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert_eq!(std::fs::read_to_string(&csv).unwrap(), text);
}

#[test]
fn the_readme_exit_code_table_is_true() {
    let readme = std::fs::read_to_string(repo("README.md")).unwrap();
    let start = readme.find("## Exit codes").unwrap();
    let table = &readme[start..start + readme[start..].find("\n## JSON").unwrap()];
    let codes: Vec<&str> = table
        .lines()
        .filter_map(|l| l.strip_prefix("| "))
        .filter_map(|l| l.split(' ').next())
        .filter(|c| c.parse::<i32>().is_ok())
        .collect();
    assert_eq!(codes, ["0", "1", "2", "3"]);
    let env = Env::new();
    let id = env.open_gscb(&[]);
    env.ok(&["show", &id]);
    // 1: refused, nothing written, and the message says what to do next.
    let err = env.fails(1, &["show", "ZZZZ"]);
    assert!(err.contains("escalate status --all"), "{err}");
    // 2: an unknown flag, a missing argument, a malformed one, an empty text.
    env.fails(2, &["status", "--nonsense"]);
    env.fails(2, &["discuss", &id]);
    env.fails(
        2,
        &["escalate", &id, "--reason", "r", "--due", "31/11/2026"],
    );
    env.fails(2, &["discuss", &id, "--note", "  "]);
    // 3: a damaged journal stops commands on that dispute, and status warns.
    let path = env.journal(&id);
    let mut bytes = std::fs::read(&path).unwrap();
    let at = bytes.iter().position(|&b| b == b'"').unwrap();
    bytes[at + 1] ^= 1;
    std::fs::write(&path, bytes).unwrap();
    env.fails(3, &["show", &id]);
    env.fails(3, &["verify"]);
    env.fails(3, &["status", "--strict"]);
    let help = env.ok(&["--help"]);
    assert!(help.contains("0 success; 1 refused") && help.contains("2 bad usage; 3"));
}

const README: &str = include_str!("../../README.md");

const EXAMPLE_ID: &str = "7K3M9QXA2B";

const EXAMPLE_PREFIX: &str = "7K3M";

/// Split a command line as a POSIX shell would for the simple quoting the README
/// uses: double quotes, and `#` starting a comment outside quotes.
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word: Option<String> = None;
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                word.get_or_insert_with(String::new);
            }
            '#' if !quoted && word.is_none() => break,
            c if c.is_whitespace() && !quoted => out.extend(word.take()),
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    out.extend(word);
    out
}

/// The walk-through's shell blocks: each a list of (command words, expected lines).
fn blocks() -> Vec<Vec<(Vec<String>, Vec<String>)>> {
    let start = README
        .find("## Five minutes")
        .expect("walk-through section");
    let end = start + README[start..].find("\n## Commands").expect("next section");
    let mut blocks = Vec::new();
    for (i, chunk) in README[start..end].split("```").enumerate() {
        if i % 2 == 0 {
            continue;
        }
        let mut steps: Vec<(Vec<String>, Vec<String>)> = Vec::new();
        let mut lines = chunk.lines().skip(1).peekable();
        while let Some(line) = lines.next() {
            if let Some(cmd) = line.strip_prefix("$ ") {
                let mut cmd = cmd.to_owned();
                while cmd.ends_with('\\') {
                    cmd.pop();
                    cmd.push_str(lines.next().unwrap_or_default());
                }
                steps.push((words(&cmd), Vec::new()));
            } else if !line.trim().is_empty() {
                steps
                    .last_mut()
                    .expect("output follows a command")
                    .1
                    .push(line.to_owned());
            }
        }
        blocks.push(steps);
    }
    blocks
}

#[test]
fn the_readme_walk_through_runs_as_written() {
    let mut env = Env::new();
    let blocks = blocks();
    assert_eq!(blocks.len(), 2, "the walk-through has two shell blocks");
    let mut id = String::new();
    for (block, now) in blocks
        .iter()
        .zip(["2026-11-23T09:30:00Z", "2026-11-24T10:00:00Z"])
    {
        env.now(now);
        for (command, expected) in block {
            assert_eq!(command[0], "escalate");
            let args: Vec<String> = command[1..]
                .iter()
                .map(|w| w.replace(EXAMPLE_PREFIX, &id[..id.len().min(4)]))
                .collect();
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let out = env.ok(&args);
            if args[0] == "open" {
                id = out
                    .split_whitespace()
                    .nth(2)
                    .expect("the new ID")
                    .to_owned();
            }
            for line in expected {
                // Prompts and their preview only appear on a terminal.
                if ["Next:", "Due:", "Then:", "Reason to record:", "  ", "?"]
                    .iter()
                    .any(|p| line.starts_with(p))
                {
                    continue;
                }
                let want = line.replace(EXAMPLE_ID, &id);
                assert!(
                    out.lines().any(|l| l == want),
                    "`escalate {}` printed\n{out}\nnot the README's line\n{want}",
                    args.join(" ")
                );
            }
        }
    }
    let v = env.json(&["show", &id]);
    assert_eq!(v["state"], "resolved");
    assert_eq!(
        v["from"], "Hollyfield Primary",
        "from the config the walk-through sets"
    );
}
