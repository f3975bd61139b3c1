//! `escalate completions` and dynamic completion: the committed scripts match the
//! binary, and completion honours `--dir` and offers the real IDs, policies and
//! canonical agency names a command takes.

use crate::support::programs::{repo, stdout_of, which};
use crate::support::terminal::REGENERATE;
use crate::support::Env;

#[test]
fn completion_offers_the_canonical_agency_names() {
    let env = Env::new();
    env.ok(&["agency", "add", "Children's Social Care"]);
    env.ok(&["agency", "alias", "CSC", "Children's Social Care"]);
    env.ok(&["agency", "add", "Police"]);
    for (typed, want) in [
        ("Chi", "Children's Social Care"),
        ("cs", "Children's Social Care"),
        ("Po", "Police"),
    ] {
        let out = env
            .cmd(&["--", "escalate", "open", "--with", typed])
            .env("COMPLETE", "fish")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(text.lines().collect::<Vec<_>>(), [want], "{typed}: {text}");
    }
}

// Completion in real shells: --dir on the command line, and only the disputes
// a command takes.

/// Ask `shell` (a real bash, zsh or fish, running the registration script escalate
/// prints) to complete `line`, whose last word is empty; returns the candidates.
/// `None` when that shell is not installed.
fn complete_in(env: &Env, shell: &str, line: &[&str]) -> Option<Vec<String>> {
    which(shell)?;
    let bin = assert_cmd::cargo::cargo_bin("escalate");
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let quoted: Vec<String> = line.iter().map(|w| format!("'{w}'")).collect();
    let script = match shell {
        "bash" => format!(
            "source <(escalate completions bash)\n\
             COMP_WORDS=({words} '')\nCOMP_CWORD={n}\nCOMP_LINE=\"${{COMP_WORDS[*]}}\"\n\
             COMP_POINT=${{#COMP_LINE}}\nCOMP_TYPE=9\n\
             _clap_complete_escalate escalate '' \"${{COMP_WORDS[COMP_CWORD-1]}}\"\n\
             printf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
            words = quoted.join(" "),
            n = line.len()
        ),
        // Outside the line editor, _describe and compdef are stood in for by
        // functions that print what zsh would offer.
        "zsh" => format!(
            "compdef() {{ : }}\n_describe() {{ print -l -- \"${{(@P)${{@[-1]}}}}\" }}\n\
             source <(escalate completions zsh)\n\
             words=({words} '')\nCURRENT={n}\n_clap_dynamic_completer_escalate\n",
            words = quoted.join(" "),
            n = line.len() + 1
        ),
        "fish" => format!(
            "escalate completions fish | source\ncomplete -C \"{} \"\n",
            line.join(" ")
        ),
        _ => unreachable!(),
    };
    let out = std::process::Command::new(shell)
        .arg("-c")
        .arg(&script)
        .env_clear()
        .envs(env.vars())
        .env("PATH", path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{shell}: {out:?}");
    Some(
        stdout_of(&out)
            .lines()
            .map(|l| l.split(['\t', ':']).next().unwrap_or("").to_owned())
            // The flags are offered too; the IDs are what is tested.
            .filter(|l| !l.is_empty() && !l.starts_with('-'))
            .collect(),
    )
}

#[test]
fn completion_honours_dir_and_offers_only_the_disputes_a_command_takes() {
    let env = Env::new();
    let elsewhere = env.open_gscb(&[]);
    let other = Env::new();
    let open = other.open_gscb(&[]);
    let resolved = other.open_gscb(&[]);
    other.ok(&["resolve", &resolved, "--outcome", "Agreed"]);
    // Resolved at stage 4 under lscb: the Board Manager must still be told.
    let to_tell = other.open(
        "lscb",
        &["--immediate-harm", "--stage", "4", "--reason", "Urgent"],
    )["id"]
        .as_str()
        .unwrap()
        .to_owned();
    other.ok(&["resolve", &to_tell, "--outcome", "Agreed at stage 4"]);
    let dir = other.data();
    let dir = dir.to_str().unwrap();
    let mut ran = Vec::new();
    for shell in ["bash", "zsh", "fish"] {
        let Some(discuss) = complete_in(&env, shell, &["escalate", "--dir", dir, "discuss"]) else {
            continue;
        };
        ran.push(shell);
        assert_eq!(discuss, vec![open.clone()], "{shell}: discuss");
        let sorted = |mut v: Vec<String>| {
            v.sort();
            v
        };
        let reopen = complete_in(&env, shell, &["escalate", "--dir", dir, "reopen"]).unwrap();
        assert_eq!(
            sorted(reopen),
            sorted(vec![resolved.clone(), to_tell.clone()]),
            "{shell}: reopen"
        );
        let notify = complete_in(&env, shell, &["escalate", "--dir", dir, "notify"]).unwrap();
        assert_eq!(
            sorted(notify),
            sorted(vec![open.clone(), to_tell.clone()]),
            "{shell}: notify"
        );
        let show = complete_in(&env, shell, &["escalate", "--dir", dir, "show"]);
        assert_eq!(
            sorted(show.unwrap()),
            sorted(vec![open.clone(), resolved.clone(), to_tell.clone()]),
            "{shell}: show"
        );
        // Without --dir, ESCALATE_DIR's disputes.
        let here = complete_in(&env, shell, &["escalate", "resolve"]).unwrap();
        assert_eq!(here, vec![elsewhere.clone()], "{shell}: resolve");
    }
    assert!(ran.contains(&"bash"), "bash must be installed");
    // On CI every shell is installed (.ci/run), so none is skipped there.
    if std::env::var_os("CI").is_some() {
        assert_eq!(ran, ["bash", "zsh", "fish"]);
    }
}

#[test]
fn committed_completions_match_the_binary() {
    let env = Env::new();
    for (shell, file) in [
        ("bash", "completions/escalate.bash"),
        ("zsh", "completions/_escalate"),
        ("fish", "completions/escalate.fish"),
        ("elvish", "completions/escalate.elv"),
        ("powershell", "completions/_escalate.ps1"),
    ] {
        let fresh = env.ok(&["completions", shell]);
        let committed = std::fs::read_to_string(repo(file)).unwrap_or_default();
        assert!(fresh == committed, "{file} is out of date: {REGENERATE}");
    }
    let err = env.fails(2, &["completions", "tcsh"]);
    assert!(err.contains("bash"), "{err}");
}

#[test]
fn dynamic_completion_offers_real_ids_and_policies() {
    let env = Env::new();
    let id = env.open_gscb(&[]);
    let out = env
        .cmd(&["--", "escalate", "show", ""])
        .env("COMPLETE", "fish")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(&id), "{text}");
    let out = env
        .cmd(&["--", "escalate", "open", "--policy", "gs"])
        .env("COMPLETE", "fish")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("gscb"));
}
