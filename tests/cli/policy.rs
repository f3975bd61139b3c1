//! `escalate policy`: list, show (flowcharts, previews of a file, paged on a
//! terminal, whole words at 80 columns) and check (every problem once at its own
//! line, in the author's words), user policies in the config directory, the
//! format reference as a manual page and the skeleton.

use crate::support::policies::open;
use crate::support::programs::{stdout_of, which};
use crate::support::{open_args, Env};
use serde_json::Value;

#[test]
fn policy_check_speaks_the_authors_words_and_keeps_format_one_as_it_was() {
    let env = Env::new();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ours.toml");
    let head = "id = \"ours\"\nname = \"n\"\npartnership = \"p\"\ndocument = \"d\"\n";
    let stage = |number: &str, extra: &str, days: &str| {
        format!("\n[[stage]]\nnumber = {number}\n{extra}name = \"n\"\nwho = \"w\"\naction = \"a\"\nsource = \"s\"\n[[stage.deadline]]\nworking_days = {days}\nsource = \"s\"\n")
    };
    let write = |text: String| std::fs::write(&path, text).unwrap();
    let file = path.to_str().unwrap();

    write(format!(
        "format = 1\n{head}{}",
        stage("1", "label = \"0\"\n", "5")
    ));
    let err = env.fails(1, &["policy", "check", file]);
    assert!(err.contains("label needs format = 2"), "{err}");

    write(format!(
        "format = 2\n{head}{}{}",
        stage("0", "", "5"),
        stage("0", "", "5")
    ));
    let err = env.fails(1, &["policy", "check", file]);
    assert!(
        err.contains("label = \\\"0\\\"") || err.contains("label = \"0\""),
        "{err}"
    );
    assert!(!err.contains("comes after stage 0"), "{err}");

    write(format!("format = 2\n{head}{}", stage("1", "", "\"five\"")));
    let err = env.fails(1, &["policy", "check", file]);
    assert!(
        err.contains("line 14") && err.contains("a whole number such as 5"),
        "{err}"
    );
    assert!(!err.contains("expected u32"), "{err}");

    write(format!(
        "format = 2\n{head}{}",
        stage("1", "", "5").replace("working_days = 5", "working_days = 5\nfrom = \"discussed\"")
    ));
    let err = env.fails(1, &["policy", "check", file]);
    assert!(err.contains("times a step inside a stage"), "{err}");

    write(format!(
        "format = 2\n{head}{}",
        stage("1", "label = \"0\"\n", "5")
    ));
    env.ok(&["policy", "check", file]);
}

#[test]
fn the_format_reference_ships_as_a_manual_page_and_a_skeleton_starts_a_file() {
    let env = Env::new();
    let page = env.ok(&["man", "policy.5", "--roff"]);
    assert!(page.starts_with(".TH ESCALATE\\-POLICY 5 "), "{page}");
    assert!(
        page.contains("stage.step") && page.contains("stated_hours"),
        "{page}"
    );
    let command = env.ok(&["man", "escalate-policy.1", "--roff"]);
    assert!(command.contains(".TH ESCALATE\\-POLICY 1 "), "{command}");
    let out = env.tmp.path().join("pages");
    env.ok(&["man", "--output", out.to_str().unwrap()]);
    // Side by side with the other pages, or under man5/ where `man --output`
    // sorts pages by section.
    assert!(
        out.join("escalate-policy.5").is_file() || out.join("man5/escalate-policy.5").is_file()
    );
    let help = env.ok(&["policy", "--help"]);
    assert!(help.contains("escalate-policy(5)"), "{help}");

    let file = env.tmp.path().join("ours.toml");
    let file = file.to_str().unwrap();
    env.ok(&["policy", "new", file]);
    let text = std::fs::read_to_string(file).unwrap();
    assert!(text.starts_with("# A new escalation policy"), "{text}");
    env.ok(&["policy", "check", file]);
    let err = env.fails(1, &["policy", "new", file]);
    assert!(err.contains("already exists"), "{err}");
}

#[test]
fn two_files_in_the_policies_folder_with_one_id_are_reported() {
    let env = Env::new();
    let dir = env.config().join("policies");
    std::fs::create_dir_all(&dir).unwrap();
    let a = dir.join("a.toml");
    let b = dir.join("b.toml");
    env.ok(&["policy", "new", a.to_str().unwrap()]);
    let text = std::fs::read_to_string(&a)
        .unwrap()
        .replace("year = 2025", "year = 2024");
    std::fs::write(&b, text).unwrap();
    let err = env.fails(1, &["policy", "check", b.to_str().unwrap()]);
    assert!(
        err.contains("is also the id of") && err.contains("a.toml"),
        "{err}"
    );
}

#[test]
fn every_mistyped_value_is_reported_in_one_run_at_its_line() {
    let env = Env::new();
    let path = env.tmp.path().join("typos.toml");
    std::fs::write(
        &path,
        "format = 2\nid = \"t\"\nname = \"n\"\npartnership = \"p\"\ndocument = \"d\"\ncolour = \"red\"\n\n\
         [[stage]]\nnumber = 1\nname = \"n\"\nwho = \"w\"\naction = \"a\"\nsource = \"s\"\n\
         [[stage.deadline]]\nworking_days = \"five\"\nsource = \"s\"\n\n\
         [[stage]]\nnumber = \"2\"\nname = \"n\"\nwho = \"w\"\naction = \"a\"\nsource = \"s\"\n\
         [[stage.deadline]]\nworking_days = 5\nwhen = \"cp-plan\"\nsource = \"s\"\n\n\
         [[obligation]]\nid = \"x\"\nwho = \"w\"\naction = \"a\"\non = \"resolved\"\nsource = \"s\"\n",
    )
    .unwrap();
    let err = env.fails(1, &["policy", "check", path.to_str().unwrap()]);
    for words in [
        "has 5 problems",
        "line 6: unknown field `colour`",
        "line 14: [[stage]] table 1, a deadline: \"five\" is text in quotes, but a whole number",
        "line 18: [[stage]] table 2: \"2\" is text in quotes",
        "line 24: [[stage]] table 2, a deadline: \"cp-plan\" is text in quotes, but a list in square brackets",
        "line 29: an obligation: `resolved` is not one of the values allowed here",
    ] {
        assert!(err.contains(words), "{words:?} missing:\n{err}");
    }
    for jargon in ["expected u32", "expected a sequence", "invalid type"] {
        assert!(!err.contains(jargon), "{jargon:?} in:\n{err}");
    }
}

// Rough edges found at 80 columns in tmux.

/// A tmux session 80 columns wide running escalate in `env`; `None` when tmux
/// is not installed.
struct Tmux {
    name: String,
}

impl Tmux {
    fn start(env: &Env, args: &[&str]) -> Option<Tmux> {
        which("tmux")?;
        let name = format!("escalate-test-{}-{}", std::process::id(), args.join("-"));
        let bin = assert_cmd::cargo::cargo_bin("escalate");
        let mut command = vec!["env".to_owned(), "-i".to_owned()];
        for (k, v) in env.vars() {
            command.push(format!("{k}={}", v.to_string_lossy()));
        }
        command.push("TERM=xterm".into());
        command.push(bin.to_string_lossy().into_owned());
        command.extend(args.iter().map(|a| a.to_string()));
        let ok = std::process::Command::new("tmux")
            .args(["new-session", "-d", "-x", "80", "-y", "30", "-s", &name])
            .args(&command)
            .status()
            .ok()?
            .success();
        ok.then_some(Tmux { name })
    }

    fn screen(&self) -> String {
        let out = std::process::Command::new("tmux")
            .args(["capture-pane", "-p", "-t", &self.name])
            .output()
            .unwrap();
        stdout_of(&out)
    }

    fn wait_for(&self, text: &str) -> String {
        for _ in 0..100 {
            let screen = self.screen();
            if screen.contains(text) {
                return screen;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!("{text:?} never appeared:\n{}", self.screen());
    }

    fn keys(&self, keys: &str) {
        std::thread::sleep(std::time::Duration::from_millis(300));
        std::process::Command::new("tmux")
            .args(["send-keys", "-t", &self.name, keys])
            .status()
            .unwrap();
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = std::process::Command::new("tmux")
            .args(["kill-session", "-t", &self.name])
            .status();
    }
}

#[test]
fn the_policy_list_fits_an_80_column_terminal() {
    let env = Env::new();
    let Some(tmux) = Tmux::start(&env, &["open"]) else {
        assert!(std::env::var_os("CI").is_none(), "CI installs tmux");
        eprintln!("skipped: tmux is not installed");
        return;
    };
    tmux.wait_for("cumbria");
    tmux.keys("Down");
    let screen = tmux.wait_for("❯ bscb");
    // Every policy is one line, so moving the selection redraws cleanly.
    let items: Vec<&str> = screen.lines().filter(|l| l.contains(" — ")).collect();
    assert_eq!(items.len(), 5, "{screen}");
    for line in screen.lines() {
        assert!(
            line.is_empty()
                || line.starts_with("? ")
                || line.starts_with("  ")
                || line.starts_with("❯ "),
            "a wrapped line: {line:?}\n{screen}"
        );
    }
    tmux.keys("Escape");
}

#[test]
fn every_built_in_policy_opens_by_id() {
    let env = Env::new();
    for id in ["gscb", "bscb", "lscb", "cscp", "cumbria"] {
        let v = open(&env, id, &[]);
        assert_eq!(v["policy"], id);
        assert_eq!(v["stage"], 1);
    }
    let list = env.json(&["policy", "list"]);
    let ids: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["gscb", "bscb", "lscb", "cscp", "cumbria"]);
    for p in list.as_array().unwrap() {
        for key in ["name", "partnership", "stages", "year", "origin", "hash"] {
            assert!(p.get(key).is_some(), "policy list rows carry {key}");
        }
    }
    assert_eq!(list[1]["stages"], 5);
    assert_eq!(list[1]["year"], 2020);
    assert_eq!(list[2]["year"], Value::Null, "the lscb text is undated");
    let text = env.ok(&["policy", "list"]);
    assert!(
        text.contains("cumbria") && text.contains("undated") && text.contains("2024"),
        "{text}"
    );
}

#[test]
fn policy_show_describes_every_part_and_draws_flowcharts() {
    let env = Env::new();
    let v = env.json(&["policy", "show", "bscb"]);
    assert_eq!(v["id"], "bscb");
    assert_eq!(v["stage"].as_array().unwrap().len(), 5);
    assert_eq!(v["hash"].as_str().unwrap().len(), 64);
    assert_eq!(v["limit"][0]["scope"], "whole-dispute");
    assert_eq!(v["stage"][0]["deadline"][0]["from"], "arose");

    let text = env.ok(&["policy", "show", "bscb"]);
    for needle in [
        "Birmingham Safeguarding Children Board (2020)",
        "Consult your",
        "The whole dispute: 5 working days",
        "board-chair",
        "Readings",
        "renumbered",
        "gaps or weaknesses",
    ] {
        assert!(text.contains(needle), "missing {needle:?}:\n{text}");
    }
    let text = env.ok(&["policy", "show", "lscb"]);
    assert!(text.contains("may start at any stage"), "{text}");

    // The whole chart: urgent disputes "may start here" at stage 3, each stage
    // "not resolved" into the next.
    let mermaid = env.ok(&["policy", "show", "lscb", "--format", "mermaid"]);
    insta::assert_snapshot!("lscb_mermaid", mermaid);
    // A quote or markup in a label is an entity, never the end of the label.
    let dir = env.config().join("policies");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("quoted.toml"),
        MINI.replace("\"mini\"", "\"quoted\"").replace(
            "name = \"One\"",
            "name = 'Talk to the \"other\" <b>worker</b> | #1'",
        ),
    )
    .unwrap();
    let mermaid = env.ok(&["policy", "show", "quoted", "--format", "mermaid"]);
    assert!(
        mermaid.contains(
            "s1[\"1. Talk to the #quot;other#quot; #lt;b#gt;worker#lt;/b#gt; #124; #35;1<br/>"
        ),
        "{mermaid}"
    );
    let dot = env.ok(&["policy", "show", "quoted", "--format", "dot"]);
    assert!(
        dot.contains("s1 [label=\"1. Talk to the \\\"other\\\" <b>worker</b> | #1\\n"),
        "{dot}"
    );
    let dot = env.ok(&["policy", "show", "cumbria", "--format", "dot"]);
    // A snapshot ignores the last line end; Graphviz does not need one, but a
    // file written from it should end with one.
    assert!(dot.ends_with("}\n"), "{dot}");
    insta::assert_snapshot!("cumbria_dot", dot);

    let err = env.fails(2, &["policy", "show", "bscb", "--format", "dot", "--json"]);
    assert!(err.contains("--json"), "{err}");
    let err = env.fails(1, &["policy", "show", "nowhere"]);
    assert!(err.contains("there is no policy called"), "{err}");
}

/// A small valid policy; tests break one thing at a time.
const MINI: &str = r#"format = 1
id = "mini"
name = "Mini"
partnership = "Mini Partnership"
year = 2025
document = "Mini document"

[[stage]]
number = 1
name = "One"
who = "W"
action = "A"
source = "S"

[[stage.deadline]]
working_days = 5
source = "S"

[[stage]]
number = 2
name = "Two"
who = "W"
action = "A"
source = "S"

[[stage.deadline]]
none = true
source = "S"
"#;

/// Write `text` as a policy file and run `policy check` on it, expecting failure;
/// returns stderr.
fn check_fails(env: &Env, name: &str, text: &str) -> (String, String) {
    let path = env.tmp.path().join(name);
    std::fs::write(&path, text).unwrap();
    let p = path.display().to_string();
    (env.fails(1, &["policy", "check", &p]), p)
}

#[test]
fn malformed_policies_fail_with_the_line_and_what_to_change() {
    let env = Env::new();
    let ok = env.tmp.path().join("mini.toml");
    std::fs::write(&ok, MINI).unwrap();
    env.ok(&["policy", "check", &ok.display().to_string()]);

    let cases: Vec<(&str, String, Vec<&str>)> = vec![
        (
            "unknown-key.toml",
            MINI.replace("who = \"W\"\naction = \"A\"\nsource = \"S\"\n\n[[stage.deadline]]\nnone", "who = \"W\"\naction = \"A\"\nsource = \"S\"\ncolour = \"red\"\n\n[[stage.deadline]]\nnone"),
            vec!["line 25: [[stage]] table 2: unknown field `colour`"],
        ),
        (
            "gap.toml",
            MINI.replace("number = 2", "number = 3"),
            vec!["line 19: stage 2 is missing"],
        ),
        (
            "order.toml",
            MINI.replace("number = 1", "number = 2").replacen("number = 2\nname = \"Two\"", "number = 1\nname = \"Two\"", 1),
            vec!["line 8: stage 1 is missing", "line 19: stage numbers must increase: stage 1 comes after stage 2"],
        ),
        (
            "empty-deadline.toml",
            MINI.replace("working_days = 5\n", ""),
            vec!["line 15: stage 1: a deadline needs one of working_days"],
        ),
        (
            "none-and-days.toml",
            MINI.replace("none = true\n", "none = true\nworking_days = 3\n"),
            vec!["line 26: stage 2: `none = true` cannot be combined with a timescale"],
        ),
        (
            "unknown-when.toml",
            MINI.replace("working_days = 5\n", "working_days = 5\nwhen = [\"child-in-need\"]\n")
                .replace("[[stage]]\nnumber = 2", "[[stage.deadline]]\nnone = true\nsource = \"S\"\n\n[[stage]]\nnumber = 2"),
            vec!["line 15: stage 1: unknown condition \"child-in-need\" in `when`; known: cp-plan, looked-after, immediate-harm"],
        ),
        (
            "missing-stage.toml",
            format!("{MINI}\n[[obligation]]\nid = \"chair\"\nwho = \"Chair\"\naction = \"Tell the Chair\"\non = \"enter\"\nstage = 7\nsource = \"S\"\n"),
            vec!["line 30: obligation \"chair\": there is no stage 7"],
        ),
        (
            "only-conditional.toml",
            MINI.replace("working_days = 5\n", "working_days = 5\nwhen = [\"cp-plan\"]\n"),
            vec!["line 8: stage 1: every deadline has a `when` condition"],
        ),
        (
            "excluded-when.toml",
            format!("{MINI}\n[[category]]\nid = \"icpc\"\nname = \"ICPC\"\nexcluded = true\nsource = \"S\"\n\n[[obligation]]\nid = \"x\"\nwho = \"X\"\naction = \"Tell X\"\non = \"open\"\nwhen = [\"category:icpc\"]\nsource = \"S\"\n"),
            vec!["line 36: obligation \"x\": unknown condition \"category:icpc\"", "excluded categories cannot be used"],
        ),
        (
            "bad-bypass.toml",
            format!("{MINI}\n[[bypass]]\nrole = \"Chair\"\nto_stage = 2\nsource = \"S\"\n"),
            vec!["line 30: bypass for \"Chair\": to_stage = 2 skips no stage"],
        ),
        (
            "duplicate-obligation.toml",
            format!("{MINI}\n[[obligation]]\nid = \"a\"\nwho = \"A\"\naction = \"Tell A\"\non = \"open\"\nsource = \"S\"\n\n[[obligation]]\nid = \"a\"\nwho = \"B\"\naction = \"Tell B\"\non = \"open\"\nsource = \"S\"\n"),
            vec!["line 37: obligation \"a\": the id is used twice"],
        ),
        (
            "empty-urgent.toml",
            format!("{MINI}\n[urgent]\nsource = \"S\"\n"),
            vec!["[urgent] changes nothing"],
        ),
        (
            "builtin-id.toml",
            MINI.replace("id = \"mini\"", "id = \"gscb\""),
            vec!["line 2: id \"gscb\" is the id of a built-in policy"],
        ),
    ];
    for (name, text, expected) in cases {
        let (err, path) = check_fails(&env, name, &text);
        for e in expected {
            assert!(
                err.contains(&format!("{path}: {e}"))
                    || (!e.starts_with("line") && err.contains(e)),
                "{name}: expected {e:?} in:\n{err}"
            );
        }
    }
    // Every problem is listed, not only the first.
    let (err, _) = check_fails(
        &env,
        "two.toml",
        &MINI
            .replace("number = 2", "number = 3")
            .replace("working_days = 5\n", ""),
    );
    assert!(err.contains("has 2 problems"), "{err}");
    // A file that is not there, or not a policy at all.
    let err = env.fails(1, &["policy", "check", "/nonexistent/policy.toml"]);
    assert!(err.contains("could not read policy file"), "{err}");
}

#[test]
fn user_policies_are_used_by_id_but_may_not_reuse_a_built_in_id() {
    let env = Env::new();
    let dir = env.config().join("policies");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("ours.toml"),
        MINI.replace("\"mini\"", "\"our-area\""),
    )
    .unwrap();
    let v = open(&env, "our-area", &[]);
    assert_eq!(v["policy"], "our-area");
    assert_eq!(v["due"], "2026-11-30");
    let list = env.json(&["policy", "list"]);
    let ours = &list.as_array().unwrap()[5];
    assert_eq!(ours["id"], "our-area");
    assert!(
        ours["origin"].as_str().unwrap().ends_with("ours.toml"),
        "{ours}"
    );

    std::fs::write(
        dir.join("theirs.toml"),
        MINI.replace("\"mini\"", "\"gscb\""),
    )
    .unwrap();
    // The clashing file is reported on every command and never used; the rest
    // of the catalogue keeps working.
    let out = env.cmd(&["policy", "list", "--json"]).output().unwrap();
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("uses id \"gscb\", which is already a built-in policy"),
        "{err}"
    );
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    let gscb = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["id"] == "gscb")
        .count();
    assert_eq!(gscb, 1);
    let v = open(&env, "gscb", &[]);
    assert_eq!(v["due"], "2026-11-30");
    // A broken file named like the policy explains itself.
    std::fs::write(
        dir.join("broken.toml"),
        "format = 1\nid = \"broken\"\nnonsense = 1\n",
    )
    .unwrap();
    let err = env.fails(1, &open_args("broken", &[]));
    assert!(
        err.contains("policy \"broken\" cannot be used") && err.contains("nonsense"),
        "{err}"
    );
    // --policy-file may not pass off another text under a built-in id.
    let err = env.fails(
        1,
        &[
            "open",
            "--policy-file",
            dir.join("theirs.toml").to_str().unwrap(),
            "--child",
            "C",
            "--from",
            "A",
            "--with",
            "B",
            "--summary",
            "s",
        ],
    );
    assert!(err.contains("already a built-in policy"), "{err}");
}

/// Issue 30 item 24: `policy check` lists every problem in one run, each once, at
/// its own line.
#[test]
fn policy_check_lists_every_problem_once_at_its_own_line() {
    let env = Env::new();
    let problems = |err: &str| -> Vec<String> {
        err.lines()
            .filter(|l| l.starts_with("  ") && l.contains(".toml: "))
            .map(|l| l.split_once(".toml: ").unwrap().1.to_owned())
            .collect()
    };
    // A bad division no longer hides a built-in id clash, nor a bad subject both.
    let text = MINI
        .replace("\"mini\"", "\"gscb\"")
        .replace("format = 1", "format = 2")
        .replace(
            "document = \"Mini document\"",
            "document = \"Mini document\"\ndivision = \"wales\"\nsubject = \"kids\"",
        );
    let (err, _) = check_fails(&env, "header.toml", &text);
    let found = problems(&err);
    assert_eq!(found.len(), 3, "{err}");
    assert!(
        found[0].starts_with("line 2: id \"gscb\" is the id of a built-in policy"),
        "{err}"
    );
    assert!(found[1].starts_with("line 7: division: `wales`"), "{err}");
    assert!(found[2].starts_with("line 8: subject: `kids`"), "{err}");
    assert!(err.contains("has 3 problems"), "{err}");

    // A step before any stage: said at the step, not "duplicate key" at the stage.
    let text = MINI.replace(
        "format = 1",
        "format = 2",
    ).replace(
        "document = \"Mini document\"\n",
        "document = \"Mini document\"\n\n[[stage.step]]\nid = \"x\"\nwho = \"W\"\naction = \"A\"\ndue = { working_days = 1 }\nsource = \"S\"\n",
    );
    let (err, _) = check_fails(&env, "early-step.toml", &text);
    let found = problems(&err);
    assert_eq!(found.len(), 1, "{err}");
    assert!(
        found[0].starts_with("line 8: [[stage.step]] comes before any [[stage]]"),
        "{err}"
    );
    assert!(!err.contains("duplicate key"), "{err}");

    // One typo is one problem, at its own line.
    let text = MINI.replace("working_days = 5\n", "working_days = 5\nsorce = \"S\"\n");
    let (err, _) = check_fails(&env, "typo.toml", &text);
    let found = problems(&err);
    assert_eq!(found.len(), 1, "{err}");
    assert!(
        found[0].starts_with("line 17: [[stage]] table 1, a deadline: unknown field `sorce`"),
        "{err}"
    );
    assert!(err.contains("has 1 problem:"), "{err}");

    // Format 2 keys in a format 1 file, each at its line.
    let text = MINI
        .replace(
            "document = \"Mini document\"",
            "document = \"Mini document\"\nsubject = \"adults\"",
        )
        .replace("name = \"Two\"", "name = \"Two\"\nlabel = \"2a\"");
    let (err, _) = check_fails(&env, "format1.toml", &text);
    let found = problems(&err);
    assert_eq!(
        found,
        [
            "line 7: subject needs format = 2 (format 1 files keep their old meaning); change the first line to `format = 2`",
            "line 23: label needs format = 2 (format 1 files keep their old meaning); change the first line to `format = 2`",
        ],
        "{err}"
    );

    // A step's problem is at the step, not at its stage.
    let text = format!(
        "{}\n[[stage.step]]\nid = \"x\"\nwho = \"W\"\naction = \"A\"\nafter = \"nothing\"\ndue = {{ working_days = 1 }}\nsource = \"S\"\n",
        MINI.replace("format = 1", "format = 2")
    );
    let (err, _) = check_fails(&env, "step.toml", &text);
    let found = problems(&err);
    assert_eq!(found.len(), 1, "{err}");
    assert!(
        found[0].starts_with("line 30: stage 2 step \"x\": after = \"nothing\""),
        "{err}"
    );
}

/// Issue 30 item 24: a policy whose urgency is an urgent branch is not said to
/// have "no [urgent] rules"; a stage only another role may open says who may.
#[test]
fn policy_check_names_an_urgent_branch_and_open_names_who_may_open_later() {
    let env = Env::new();
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/cli/fixtures/format2");
    let out = env.ok(&["policy", "check", &format!("{fixtures}/branches.toml")]);
    assert!(!out.contains("no [urgent] rules"), "{out}");
    assert!(
        out.contains("a child at risk of immediate harm takes the urgent branch: stage 4a"),
        "{out}"
    );

    let dir = env.config().join("policies");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(format!("{fixtures}/bypass.toml"), dir.join("bypass.toml")).unwrap();
    let err = env.fails(
        1,
        &open_args(
            "bypass-example",
            &["--stage", "3", "--as", "Team manager", "--reason", "r"],
        ),
    );
    assert!(
        err.contains("only \"Independent Reviewing Officer\" may open a dispute at stage 3, not \"Team manager\"")
            && !err.contains("starts every dispute"),
        "{err}"
    );
    env.json(&open_args(
        "bypass-example",
        &[
            "--stage",
            "3",
            "--as",
            "Independent Reviewing Officer",
            "--reason",
            "r",
        ],
    ));
}

/// Issue 30 item 25: `policy show FILE` reads a policy before it is installed
/// (it said "there is no policy called ..."), and lists a broken file's problems.
#[test]
fn policy_show_previews_a_file_before_it_is_installed() {
    let env = Env::new();
    let path = env.tmp.path().join("our-area.toml");
    std::fs::write(&path, MINI).unwrap();
    let file = path.display().to_string();
    let text = env.ok(&["policy", "show", &file]);
    assert!(
        text.contains("Mini Partnership") && text.contains(&file),
        "{text}"
    );
    let v = env.json(&["policy", "show", &file]);
    assert_eq!(
        (v["id"].as_str(), v["origin"].as_str()),
        (Some("mini"), Some(file.as_str()))
    );
    // Not installed: the id alone still means nothing.
    let err = env.fails(1, &["policy", "show", "mini"]);
    assert!(err.contains("there is no policy called \"mini\""), "{err}");
    std::fs::write(&path, MINI.replace("number = 2", "number = 3")).unwrap();
    let err = env.fails(1, &["policy", "show", &file]);
    assert!(err.contains("stage 2 is missing"), "{err}");
}

/// Issue 30 item 25: the manual names the status cache as it is, and the policy
/// page says what a broken file in the policies folder does (warns; escalate runs).
#[test]
fn the_manual_says_what_the_files_are_and_do() {
    let root = env!("CARGO_MANIFEST_DIR");
    let man = std::path::Path::new(root).join("man");
    for entry in std::fs::read_dir(&man).unwrap() {
        let path = entry.unwrap().path();
        let page = std::fs::read_to_string(&path).unwrap();
        assert!(
            !page.contains("status.jsonl"),
            "{} names status.jsonl",
            path.display()
        );
    }
    let top = std::fs::read_to_string(man.join("escalate.1")).unwrap();
    assert!(
        top.contains("cache/status.bin"),
        "escalate.1 does not name the cache"
    );
    let format = std::fs::read_to_string(format!("{root}/policies/README.md")).unwrap();
    assert!(
        !format.contains("escalate refuses to run"),
        "policies/README.md"
    );
    assert!(
        format.contains("does not stop\nescalate: every command warns"),
        "policies/README.md"
    );
}

// Wrapping by display width, between words.

#[test]
fn policy_show_at_80_columns_keeps_every_word_whole() {
    let env = Env::new();
    for id in ["gscb", "bscb", "lscb", "cscp", "cumbria"] {
        let text = env
            .cmd(&["policy", "show", id])
            .env("COLUMNS", "80")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&text.stdout).into_owned();
        for line in text.lines() {
            assert!(
                unicode_width::UnicodeWidthStr::width(line) <= 80,
                "{id}: too wide: {line}"
            );
        }
        let v = env.json(&["policy", "show", id]);
        for stage in v["stage"].as_array().unwrap() {
            for field in ["name", "who", "action"] {
                for word in stage[field].as_str().unwrap_or("").split_whitespace() {
                    let word = word.trim_matches(|c: char| !c.is_alphanumeric());
                    if word.chars().count() >= 4 {
                        assert!(text.contains(word), "{id}: {word:?} is split:\n{text}");
                    }
                }
            }
        }
    }
}

#[test]
fn policy_list_piped_is_plain_columns_not_a_box() {
    let env = Env::new();
    let text = env.ok(&["policy", "list"]);
    assert!(!text.contains('─') && !text.contains('═'), "{text}");
    assert!(
        text.lines().any(|l| l.trim_start().starts_with("gscb")),
        "{text}"
    );
}

mod pty {
    use crate::support::pty::at_80;
    use crate::support::Env;
    use rexpect::session::spawn_command;

    #[test]
    fn policy_show_is_paged_on_a_terminal_and_never_when_piped() {
        let env = Env::new();
        let paged = env.tmp.path().join("paged");
        let pager = format!("cat > '{}'", paged.display());
        let mut cmd = at_80(&env, &["policy", "show", "gscb"]);
        cmd.env("ESCALATE_PAGER", &pager);
        let mut p = spawn_command(cmd, Some(20_000)).unwrap();
        let shown = p.exp_eof().unwrap();
        let text = std::fs::read_to_string(&paged).expect("the pager ran");
        assert!(
            text.contains("Stage") && text.lines().count() > 24,
            "{text}"
        );
        assert!(
            !shown.contains("Stage"),
            "printed as well as paged: {shown}"
        );
        std::fs::remove_file(&paged).unwrap();
        // Piped: printed, no pager.
        let out = env
            .cmd(&["policy", "show", "gscb"])
            .env("ESCALATE_PAGER", &pager)
            .output()
            .unwrap();
        assert!(String::from_utf8_lossy(&out.stdout).contains("Stage"));
        assert!(!paged.exists());
    }
}

/// A note in another script (an agency's name in Japanese, an emoji) is wrapped
/// at 80 columns by the room it takes: a CJK character and an emoji take two.
#[test]
fn wide_characters_wrap_within_80_columns() {
    let env = Env::new();
    let bscb = concat!(env!("CARGO_MANIFEST_DIR"), "/policies/bscb.toml");
    let mut text = std::fs::read_to_string(bscb).unwrap();
    let note = "児童相談所 と 学校 の 意見 が 合わない 😟 ".repeat(10);
    text.push_str(&format!(
        "\n[[note]]\ntext = \"{}\"\nsource = \"A partner's own words.\"\n",
        note.trim()
    ));
    let file = env.tmp.path().join("wide.toml");
    std::fs::write(&file, text).unwrap();
    let out = env
        .cmd(&["policy", "show", file.to_str().unwrap()])
        .env("COLUMNS", "80")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let shown = String::from_utf8(out.stdout).unwrap();
    assert!(shown.contains("児童相談所"), "{shown}");
    for line in shown.lines() {
        assert!(
            unicode_width::UnicodeWidthStr::width(line) <= 80,
            "{} columns: {line}",
            unicode_width::UnicodeWidthStr::width(line)
        );
    }
    // Wrapped, not cut: every word of the note is there, in order.
    let words: Vec<&str> = shown
        .split_whitespace()
        .skip_while(|w| *w != "児童相談所")
        .take(note.split_whitespace().count())
        .collect();
    assert_eq!(words, note.split_whitespace().collect::<Vec<_>>());
}
