//! The README's walk-through, run as written: every `$ escalate ...` line in the
//! "Five minutes with a real dispute" section succeeds, and every line of output
//! the README shows (bar the prompts, which need a terminal) is what escalate
//! prints, with the README's example ID standing for the real one.

use crate::support::Env;

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
