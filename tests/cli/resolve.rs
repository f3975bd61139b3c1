//! `escalate resolve`: the outcome is asked for on a terminal, a resolution
//! confirmed at one stage is never recorded at another, and Ctrl-C at the
//! confirmation keeps the text from the editor.

mod pty {
    use crate::support::pty::{at_80, exit_code};
    use crate::support::{key, terminal_command as command, Env};
    use rexpect::session::spawn_command;

    #[test]
    fn a_resolution_confirmed_at_one_stage_is_not_recorded_at_another() {
        let env = Env::new();
        let id = env.open_gscb(&[]);
        env.ok(&["discuss", &id, "--note", "n"]);
        let mut p = spawn_command(command(&env, &["resolve", &id]), Some(20_000)).unwrap();
        p.exp_string("The agreed outcome").unwrap();
        p.send_line("Assessment agreed").unwrap();
        p.exp_string("at stage 1 with this outcome?").unwrap();
        env.ok(&["escalate", &id, "--reason", "colleague"]);
        let before = env.snapshot();
        key(&mut p, "y\r");
        p.exp_string("moved from stage 1 to stage 2").unwrap();
        p.exp_eof().unwrap();
        assert_eq!(before, env.snapshot());
    }

    // 12. `resolve` asks on a terminal, as `escalate` does; --yes does not.

    #[test]
    fn resolve_with_an_outcome_asks_on_a_terminal() {
        let env = Env::new();
        let id = env.open_gscb(&[]);
        let before = env.snapshot();
        let mut p = spawn_command(
            at_80(&env, &["resolve", &id, "--outcome", "Assessment agreed"]),
            Some(20_000),
        )
        .unwrap();
        p.exp_string("Outcome to record:").unwrap();
        p.exp_string("Resolve dispute").unwrap();
        crate::support::key(&mut p, "n\r");
        p.exp_string("cancelled; nothing was written").unwrap();
        p.exp_eof().unwrap();
        assert_eq!(before, env.snapshot());
        let mut p = spawn_command(
            at_80(
                &env,
                &["resolve", &id, "--outcome", "Assessment agreed", "--yes"],
            ),
            Some(20_000),
        )
        .unwrap();
        p.exp_string("Resolved dispute").unwrap();
        p.exp_eof().unwrap();
        assert_eq!(env.json(&["show", &id])["state"], "resolved");
    }

    #[test]
    fn ctrl_c_at_a_confirmation_keeps_the_text_from_the_editor() {
        use std::os::unix::fs::PermissionsExt;
        let env = Env::new();
        let id = env.open_gscb(&[]);
        let editor = env.tmp.path().join("fake-editor");
        std::fs::write(
            &editor,
            "#!/bin/sh\nprintf '%s\\n' 'CSC agreed' >> \"$1\"\n",
        )
        .unwrap();
        std::fs::set_permissions(&editor, std::fs::Permissions::from_mode(0o755)).unwrap();
        let mut cmd = at_80(&env, &["resolve", &id]);
        cmd.env("EDITOR", &editor);
        let mut p = spawn_command(cmd, Some(20_000)).unwrap();
        p.exp_string("Resolve dispute").unwrap();
        crate::support::key(&mut p, "\x03");
        let rest = p.exp_eof().unwrap();
        assert_eq!(exit_code(&p), Some(130));
        let at = rest.find("it is kept in ").expect("names the file") + 14;
        let path = rest[at..].lines().next().unwrap().trim();
        assert_eq!(std::fs::read_to_string(path).unwrap(), "CSC agreed\n");
        assert!(rest.contains("--outcome-file"), "{rest}");
    }
}
