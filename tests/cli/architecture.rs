//! How the program is put together, as a user sees it: commands read only the files
//! they use, so a damaged settings, policy or calendar file stops only the commands
//! that need it, and those name the file and say how to fix it.

use crate::support::Env;

/// `calendar/closures.json`, `config.toml` and a user policy all garbage.
fn damaged() -> Env {
    let env = Env::new();
    let calendar = env.data().join("calendar");
    std::fs::create_dir_all(&calendar).unwrap();
    std::fs::write(calendar.join("closures.json"), "{ not json").unwrap();
    std::fs::create_dir_all(env.config().join("policies")).unwrap();
    std::fs::write(env.config().join("config.toml"), "name = [oops").unwrap();
    std::fs::write(env.config().join("policies/mine.toml"), "stages = ???").unwrap();
    env
}

#[test]
fn man_completions_and_policy_check_work_beside_damaged_files() {
    let env = damaged();
    assert!(env.ok(&["man"]).contains("escalate"));
    assert!(env.ok(&["completions", "bash"]).contains("escalate"));
    let policy = concat!(env!("CARGO_MANIFEST_DIR"), "/policies/gscb.toml");
    let out = env.cmd(&["policy", "check", policy]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Nothing it does not use is read, so nothing is warned about.
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

#[test]
fn a_command_that_needs_a_damaged_file_names_it() {
    let env = damaged();
    // The settings file: refused (exit 1), naming the file and the way out.
    let err = env.fails(1, &["status"]);
    assert!(err.contains("config.toml"), "{err}");
    assert!(err.contains("Fix or delete the file"), "{err}");

    // With the settings repaired, the damaged calendar file stops the command
    // with exit 3 and is named.
    std::fs::remove_file(env.config().join("config.toml")).unwrap();
    let err = env.fails(3, &["status"]);
    assert!(err.contains("closures.json"), "{err}");
    // The broken user policy is a warning, not a stop (as the README says).
    assert!(err.contains("mine.toml"), "{err}");
}
