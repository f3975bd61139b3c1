//! `escalate key`: your signing key is made once, shown with the line others add
//! to their signers file, never replaced by accident, and retired beside the new
//! one when replaced on purpose.

use crate::support::Env;

fn key_files(env: &Env) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(env.config())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("signing-key"))
        })
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&p).unwrap())
        })
        .collect();
    files.sort();
    files
}

#[test]
fn key_show_before_there_is_a_key_says_how_to_make_one() {
    let env = Env::new();
    let err = env.fails(1, &["key", "show"]);
    assert!(err.contains("you have no signing key yet"), "{err}");
    assert!(err.contains("`escalate key new`"), "{err}");
}

#[test]
fn key_new_makes_one_that_key_show_prints_with_its_signers_line() {
    let env = Env::new();
    let made = env.ok(&["key", "new"]);
    assert!(made.contains("Made your signing key."), "{made}");
    let shown = env.json(&["key", "show"]);
    let fingerprint = shown["fingerprint"].as_str().unwrap();
    assert!(fingerprint.starts_with("SHA256:"), "{shown}");
    assert!(made.contains(fingerprint), "{made}");
    let line = shown["signers_line"].as_str().unwrap();
    assert!(line.contains(" ssh-ed25519 AAAA"), "{line}");
    assert!(made.contains(line), "{made}");
    // Private: the key is the person's signature.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(shown["path"].as_str().unwrap())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "{mode:o}");
    }
}

#[test]
fn a_second_key_new_is_refused_and_replace_retires_the_old_key_beside_the_new() {
    let env = Env::new();
    env.ok(&["key", "new"]);
    let first = env.json(&["key", "show"])["fingerprint"].clone();
    let before = key_files(&env);

    let err = env.fails(1, &["key", "new"]);
    assert!(err.contains("you already have a signing key"), "{err}");
    assert!(err.contains("--replace"), "{err}");
    assert_eq!(
        before,
        key_files(&env),
        "a refused key new changed a key file"
    );

    env.ok(&["key", "new", "--replace"]);
    let second = env.json(&["key", "show"])["fingerprint"].clone();
    assert_ne!(first, second);
    let after = key_files(&env);
    // The old key and its public half are kept, renamed, byte for byte.
    for (name, bytes) in &before {
        let retired = after
            .iter()
            .find(|(n, _)| n.starts_with(&format!("{name}.retired-")))
            .unwrap_or_else(|| panic!("{name} was not kept: {after:?}"));
        assert_eq!(&retired.1, bytes, "{name}");
    }
}
