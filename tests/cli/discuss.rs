//! `escalate discuss` (and the other commands that take a note): long text comes
//! from files, standard input or the editor, is never thrown away, and a missing
//! editor program is named.

use crate::support::Env;
use std::path::Path;

// Long text from files and standard input, with its limit stated.

#[test]
fn long_text_comes_from_files_and_standard_input() {
    let env = Env::new();
    let id = env.open_gscb(&[]);
    let out = env
        .cmd(&["discuss", &id, "--note", "-", "--json"])
        .write_stdin("Phoned the duty social worker.\nDecision stands.\n")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let shown = env.json(&["show", &id]);
    assert_eq!(
        shown["events"][1]["note"],
        "Phoned the duty social worker.\nDecision stands."
    );
    let file = env.tmp.path().join("note.txt");
    let long = "word ".repeat(3_000); // 15,000 characters: too long for a shell line
    std::fs::write(&file, &long).unwrap();
    env.ok(&[
        "notify",
        &id,
        "--who",
        "dsl",
        "--note-file",
        file.to_str().unwrap(),
    ]);
    assert_eq!(env.json(&["show", &id])["events"][2]["note"], long.trim());
    let out = env
        .cmd(&["resolve", &id, "--outcome-file", "-"])
        .write_stdin("Assessment agreed")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(env.json(&["show", &id])["outcome"], "Assessment agreed");
    let out = env
        .cmd(&crate::support::open_args("gscb", &["--json"]))
        .output()
        .unwrap();
    assert!(out.status.success());
    let summary = env.tmp.path().join("summary.txt");
    std::fs::write(&summary, "From a file").unwrap();
    let mut args = vec!["open", "--policy", "gscb", "--child", "C", "--from", "A"];
    args.extend(["--with", "B", "--summary-file", summary.to_str().unwrap()]);
    let opened = env.json(&args);
    assert_eq!(opened["summary"], "From a file");
    // A megabyte is refused whole, saying the limit; a missing file is named.
    let big = env.tmp.path().join("big.txt");
    std::fs::write(&big, "x".repeat(1 << 20)).unwrap();
    let id2 = opened["id"].as_str().unwrap();
    let err = env.fails(1, &["discuss", id2, "--note-file", big.to_str().unwrap()]);
    assert!(err.contains("the limit is 20000"), "{err}");
    let err = env.fails(1, &["discuss", id2, "--note-file", "/no/such/note.txt"]);
    assert!(
        err.contains("/no/such/note.txt") && err.contains("does not exist"),
        "{err}"
    );
    env.fails(2, &["discuss", id2, "--note", "n", "--note-file", "-"]);
    for command in ["discuss", "notify", "resolve", "open", "escalate"] {
        let help = env.ok(&[command, "--help"]);
        let help = help.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(help.contains("20,000 characters"), "{command}: {help}");
        assert!(help.contains("-file <PATH>"), "{command}: {help}");
    }
}

mod pty {
    use super::*;
    use crate::support::key;
    use crate::support::programs::{editor, editor_command};
    use rexpect::session::spawn_command;

    fn kept_file(output: &str) -> std::path::PathBuf {
        let at = output
            .find("it is kept in ")
            .expect("names the recovery file")
            + 14;
        let rest = &output[at..];
        std::path::PathBuf::from(rest[..rest.find(['\r', '\n']).unwrap()].trim())
    }

    #[test]
    fn text_from_the_editor_is_never_thrown_away() {
        let env = Env::new();
        let id = env.open_gscb(&[]);
        let fake = editor(&env, "CSC agreed an assessment");
        // Answered "no": the text is shown first, then kept and named.
        let mut p = spawn_command(
            editor_command(&env, Some(&fake), &["resolve", &id]),
            Some(20_000),
        )
        .unwrap();
        p.exp_string("Outcome to record:").unwrap();
        p.exp_string("CSC agreed an assessment").unwrap();
        p.exp_string("Resolve dispute").unwrap();
        key(&mut p, "n\r");
        let rest = p.exp_eof().unwrap();
        let kept = kept_file(&rest);
        assert!(rest.contains("--outcome-file"), "{rest}");
        assert_eq!(
            std::fs::read_to_string(&kept).unwrap(),
            "CSC agreed an assessment\n"
        );
        // The editor opened on a hint, whose lines are not recorded.
        let saw = std::fs::read_to_string(env.tmp.path().join("editor-saw.txt")).unwrap();
        assert!(
            saw.contains("# The agreed outcome") && saw.contains("20,000"),
            "{saw}"
        );
        env.ok(&["resolve", &id, "--outcome-file", kept.to_str().unwrap()]);
        assert_eq!(
            env.json(&["show", &id])["outcome"],
            "CSC agreed an assessment"
        );

        // Too long: the error names the editor, not --note, and the text is kept.
        let id = env.open_gscb(&[]);
        let fake = editor(&env, &"x".repeat(20_001));
        let mut p = spawn_command(
            editor_command(&env, Some(&fake), &["discuss", &id]),
            Some(20_000),
        )
        .unwrap();
        let rest = p.exp_eof().unwrap();
        assert!(
            rest.contains("the text from your editor (for --note) is 20001 characters long"),
            "{rest}"
        );
        assert_eq!(
            std::fs::read_to_string(kept_file(&rest)).unwrap().len(),
            20_002
        );

        // An editor that exits with an error (vim's :cq) abandons; the text is kept.
        let failing = env.tmp.path().join("failing-editor");
        std::fs::write(
            &failing,
            "#!/bin/sh\necho 'Half a note' >> \"$1\"\nexit 1\n",
        )
        .unwrap();
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&failing, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        let mut p = spawn_command(
            editor_command(&env, Some(&failing), &["discuss", &id]),
            Some(20_000),
        )
        .unwrap();
        let rest = p.exp_eof().unwrap();
        assert!(rest.contains("your editor exited with an error"), "{rest}");
        assert_eq!(
            std::fs::read_to_string(kept_file(&rest)).unwrap(),
            "Half a note\n"
        );
        assert_eq!(
            env.json(&["show", &id])["events"].as_array().unwrap().len(),
            1
        );

        // Recorded: nothing is left behind.
        let fake = editor(&env, "Phoned the social worker");
        let mut p = spawn_command(
            editor_command(&env, Some(&fake), &["discuss", &id]),
            Some(20_000),
        )
        .unwrap();
        p.exp_string("Recorded a discussion").unwrap();
        p.exp_eof().unwrap();
        assert_eq!(
            env.json(&["show", &id])["events"][1]["note"],
            "Phoned the social worker"
        );
        let unsent = env.tmp.path().join("state/escalate/unsent");
        assert_eq!(std::fs::read_dir(unsent).unwrap().count(), 3);
    }

    #[test]
    fn a_missing_editor_program_is_named() {
        let env = Env::new();
        let id = env.open_gscb(&[]);
        let mut p = spawn_command(
            editor_command(
                &env,
                Some(Path::new("no-such-editor-xyz")),
                &["discuss", &id],
            ),
            Some(20_000),
        )
        .unwrap();
        let rest = p.exp_eof().unwrap();
        assert!(
            rest.contains("your editor \"no-such-editor-xyz\" (from $EDITOR) was not found")
                && rest.contains("--note-file"),
            "{rest}"
        );
    }
}
