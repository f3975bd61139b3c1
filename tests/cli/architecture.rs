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

/// A copy of the built-in gscb policy, as a user policy with its own id and no
/// `division` line.
fn install_policy_without_division(env: &Env) {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/policies/gscb.toml"))
        .unwrap()
        .replacen("id = \"gscb\"", "id = \"gscb-local\"", 1);
    assert!(text.contains("division = \"england-and-wales\"\n"));
    let text = text.replacen("division = \"england-and-wales\"\n", "", 1);
    let dir = env.config().join("policies");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("gscb-local.toml"), text).unwrap();
}

#[test]
fn a_user_policy_without_a_division_follows_the_division_setting() {
    let env = Env::new();
    install_policy_without_division(&env);
    let local = env.open("gscb-local", &[])["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let builtin = env.open("gscb", &[])["id"].as_str().unwrap().to_owned();
    let calendar = |id: &str| env.json(&["show", id])["calendar"].clone();
    let england = "England and Wales bank holidays (rules)";

    // No setting: England and Wales, as such a file always meant.
    assert_eq!(calendar(&local), england);
    assert_eq!(
        env.json(&["policy", "show", "gscb-local"])["division"],
        "england-and-wales"
    );

    env.ok(&["config", "set", "division", "scotland"]);
    assert_eq!(calendar(&local), "Scotland bank holidays (rules)");
    assert_eq!(
        env.json(&["policy", "show", "gscb-local"])["division"],
        "scotland"
    );
    // A built-in states its division, and the setting does not change it.
    assert_eq!(calendar(&builtin), england);
    assert_eq!(
        env.json(&["policy", "show", "gscb"])["division"],
        "england-and-wales"
    );
    // `policy check` reads no settings, so it says where the division comes from.
    let file = env.config().join("policies/gscb-local.toml");
    let out = env.ok(&["policy", "check", file.to_str().unwrap()]);
    assert!(out.contains("your `division` setting"), "{out}");
}

/// The top of the repository, where docs/ and both crates are.
fn top() -> &'static std::path::Path {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every file and folder docs/architecture.md's tree names exists: a line at the
/// left margin names a path from the top; an indented one names entries of the
/// folder above it (several on a line, before the description's run of spaces).
#[test]
fn the_architecture_tree_names_only_what_is_there() {
    let doc = std::fs::read_to_string(top().join("docs/architecture.md")).unwrap();
    let tree = doc
        .split("```text\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("docs/architecture.md has a ```text tree");
    let mut folder = std::path::PathBuf::new();
    let mut named = 0;
    for line in tree.lines() {
        let indented = line.starts_with("  ");
        let head = line.trim_start().split("  ").next().unwrap_or("");
        // A continuation line of a description is indented past the names.
        if line.starts_with("    ") || head.is_empty() {
            continue;
        }
        for name in head
            .split(' ')
            .filter(|n| n.contains('.') || n.ends_with('/'))
        {
            let path = if indented {
                folder.join(name)
            } else {
                top().join(name)
            };
            assert!(
                path.exists(),
                "docs/architecture.md names {} but it is not there",
                path.display()
            );
            named += 1;
            if !indented && name.ends_with('/') {
                folder = path;
            }
        }
    }
    assert!(named > 40, "only {named} paths read from the tree");
}

/// escalate-core is the domain: no printing, prompting, tables or terminal
/// crates (tests/cli/errors.rs checks it names no command and prints nothing).
#[test]
fn the_core_crate_depends_on_no_terminal_crate() {
    let manifest = std::fs::read_to_string(top().join("core/Cargo.toml")).unwrap();
    let manifest: toml::Table = manifest.parse().unwrap();
    let deps = manifest["dependencies"].as_table().unwrap();
    for terminal in [
        "clap",
        "clap_complete",
        "clap_mangen",
        "dialoguer",
        "comfy-table",
        "indicatif",
        "terminal_size",
        "console",
        "textwrap",
        "unicode-width",
        "plotters",
        "roff",
    ] {
        assert!(
            !deps.contains_key(terminal),
            "escalate-core depends on {terminal}"
        );
    }
    let top_manifest = std::fs::read_to_string(top().join("Cargo.toml")).unwrap();
    assert!(top_manifest.contains("escalate-core = { path = \"core\""));
}
