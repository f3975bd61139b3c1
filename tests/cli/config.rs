//! `escalate config` and where settings come from: the config file sits under
//! flags and the environment (the user and the clock too), and a mistyped setting
//! is answered with the one meant.

use crate::support::Env;

#[test]
fn the_user_and_clock_come_from_flags_then_environment() {
    let env = Env::new();
    let id = env.open_gscb(&["--by", "Sam Patel"]);
    let v = env.json(&["show", &id]);
    assert_eq!(v["events"][0]["by"], "Sam Patel");
    assert_eq!(v["events"][0]["at"], "2026-11-23T09:00:00+00:00");
    let err = env.fails(2, &["status", "--as-of", "someday"]);
    assert!(err.contains("YYYY-MM-DD"), "{err}");
    let mut bad = env.cmd(&["status"]);
    bad.env("ESCALATE_NOW", "yesterday");
    bad.assert().code(2);
}

#[test]
fn settings_sit_under_flags_and_environment() {
    let env = Env::new();
    let path = env.ok(&["config", "path"]);
    assert_eq!(
        path.trim(),
        env.config().join("config.toml").to_str().unwrap()
    );
    env.ok(&["config", "set", "name", "Config Name"]);
    env.ok(&["config", "set", "policy", "gscb"]);
    env.ok(&["config", "set", "organisation", "Hollyfield Primary"]);
    env.ok(&["config", "set", "division", "scotland"]);
    assert_eq!(
        env.ok(&["config", "get", "organisation"]),
        "Hollyfield Primary\n"
    );
    env.fails(1, &["config", "set", "division", "wales"]);
    env.fails(1, &["config", "set", "policy", "nope"]);
    env.fails(1, &["config", "set", "colour", "red"]);

    // No --policy and no --from: the config supplies both.
    let open = |extra: &[&str]| -> serde_json::Value {
        let mut cmd = env.cmd(
            &[
                &[
                    "open",
                    "--child",
                    "C",
                    "--with",
                    "CSC",
                    "--summary",
                    "s",
                    "--json",
                ],
                extra,
            ]
            .concat(),
        );
        cmd.env_remove("ESCALATE_USER");
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let v = open(&[]);
    assert_eq!(v["policy"], "gscb");
    assert_eq!(v["from"], "Hollyfield Primary");
    let by = |v: &serde_json::Value| {
        env.json(&["show", v["id"].as_str().unwrap()])["events"][0]["by"].clone()
    };
    assert_eq!(by(&v), "Config Name");
    let v = open(&["--by", "Flag Name"]);
    assert_eq!(by(&v), "Flag Name");
    // The harness sets ESCALATE_USER: environment beats config.
    let id = env.json(&["open", "--child", "C", "--with", "CSC", "--summary", "s"])["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        env.json(&["show", &id])["events"][0]["by"],
        env.user.as_str()
    );

    std::fs::write(env.config().join("config.toml"), "nmae = 'typo'\n").unwrap();
    let err = env.fails(1, &["status"]);
    assert!(
        err.contains("not a valid escalate config") && err.contains("nmae"),
        "{err}"
    );
}

// A mistyped setting is answered with the one meant.

#[test]
fn config_suggests_the_setting_meant() {
    let env = Env::new();
    let err = env.fails(1, &["config", "set", "nmae", "Jo"]);
    assert!(err.contains("did you mean name?"), "{err}");
    let err = env.fails(1, &["config", "get", "organsation"]);
    assert!(err.contains("did you mean organisation?"), "{err}");
    let err = env.fails(1, &["config", "set", "colour", "x"]);
    assert!(err.contains("there is no setting called"), "{err}");
}
