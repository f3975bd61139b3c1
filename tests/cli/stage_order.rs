//! Stage numbers are numbers: a policy with more than nine stages has its report
//! figures (JSON, long CSV, table) in stage order, stage 10 after stage 9, where
//! string keys once put "10" before "2".

use crate::support::Env;

const STAGES: u32 = 11;

/// A user policy of `STAGES` stages, each of five working days.
fn install_long_policy(env: &Env) {
    let mut text = String::from(
        "format = 1\nid = \"long\"\nname = \"Long\"\npartnership = \"Long Partnership\"\nyear = 2025\ndocument = \"Long document\"\n",
    );
    for n in 1..=STAGES {
        text.push_str(&format!(
            "\n[[stage]]\nnumber = {n}\nname = \"Stage {n}\"\nwho = \"W\"\naction = \"A\"\nsource = \"S\"\n\n[[stage.deadline]]\nworking_days = 5\nsource = \"S\"\n"
        ));
    }
    let dir = env.config().join("policies");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("long.toml"), text).unwrap();
}

/// One dispute taken through every stage and resolved at the last, in November.
fn through_every_stage() -> Env {
    let mut env = Env::new();
    install_long_policy(&env);
    env.now("2026-11-02T09:00:00Z");
    let id = env.open("long", &[])["id"].as_str().unwrap().to_owned();
    for n in 1..STAGES {
        env.now(&format!("2026-11-03T09:{:02}:00Z", 2 * n));
        env.ok(&["discuss", &id, "--note", "n", "--with", "W"]);
        env.now(&format!("2026-11-03T09:{:02}:30Z", 2 * n));
        env.ok(&["escalate", &id, "--reason", "r"]);
    }
    env.now("2026-11-04T09:00:00Z");
    env.ok(&["resolve", &id, "--outcome", "agreed"]);
    env.now("2026-12-01T09:00:00Z");
    env
}

#[test]
fn report_figures_list_stage_ten_after_stage_nine() {
    let env = through_every_stage();
    let period = ["report", "--from", "2026-11-01", "--to", "2026-11-30"];

    let json = env.ok(&[&period[..], &["--json"]].concat());
    let entered: Vec<String> = (1..=STAGES).map(|n| format!("\"{n}\": 1")).collect();
    let compact: String = json.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        compact.contains(&format!("\"entered_stage\": {{ {} }}", entered.join(", "))),
        "{json}"
    );
    assert!(
        compact.contains("\"resolved_at_stage\": { \"11\": 1 }"),
        "{json}"
    );

    let long = env.ok(&[&period[..], &["--format", "csv-long"]].concat());
    let stages: Vec<&str> = long
        .lines()
        .filter(|l| l.contains(",stage,") && l.ends_with(",1") && l.contains(",entered,"))
        .map(|l| l.split(',').nth(2).unwrap())
        .collect();
    let expected: Vec<String> = (1..=STAGES).map(|n| n.to_string()).collect();
    assert_eq!(stages, expected, "{long}");

    let table = env.ok(&period);
    let row = |n: u32| {
        table
            .find(&format!("Entered stage {n} "))
            .unwrap_or_else(|| panic!("no row for stage {n}:\n{table}"))
    };
    assert!(
        row(2) < row(9) && row(9) < row(10) && row(10) < row(11),
        "{table}"
    );
}
