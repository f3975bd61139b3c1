//! `escalate man` and the manual pages: committed pages match the binary, render
//! with groff without a warning, read as a real manual, print roff on request and
//! plain text when piped, are found by man where the output says, and define each
//! report figure as the README does.

use crate::support::programs::{repo, stderr_of, stdout_of, which};
use crate::support::terminal::REGENERATE;
use crate::support::Env;

/// The README's table of figures, as `escalate_core::domain::report::FIGURES` renders it.
fn figures_table() -> String {
    let mut out = String::from("| figure | definition |\n|---|---|\n");
    for (names, meaning) in escalate_core::domain::report::FIGURES {
        let names: Vec<String> = names.split(", ").map(|n| format!("`{n}`")).collect();
        out.push_str(&format!("| {} | {meaning} |\n", names.join(", ")));
    }
    out
}

#[test]
fn the_readme_defines_each_figure_as_the_manual_page_does() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let table = figures_table();
    assert!(
        readme.contains(&table),
        "README.md's table of figures is not the one src/domain/report.rs FIGURES gives; replace it with:\n{table}"
    );
    let page = crate::support::Env::new().ok(&["man", "report"]);
    for (names, _) in escalate_core::domain::report::FIGURES {
        assert!(page.contains(names.split(", ").next().unwrap()), "{names}");
    }
}

fn committed_pages() -> Vec<std::path::PathBuf> {
    let mut pages: Vec<_> = std::fs::read_dir(repo("man"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    pages.sort();
    pages
}

#[test]
fn every_manual_page_renders_with_groff_without_a_warning() {
    if which("groff").is_none() {
        assert!(std::env::var_os("CI").is_none(), "CI installs groff");
        eprintln!("skipped: groff is not installed");
        return;
    }
    let pages = committed_pages();
    assert!(pages.len() > 30);
    for page in &pages {
        let out = std::process::Command::new("groff")
            .args(["-ww", "-man", "-Tutf8"])
            .arg(page)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}: {out:?}", page.display());
        assert!(
            out.stderr.is_empty(),
            "{}: {}",
            page.display(),
            stderr_of(&out)
        );
    }
    if which("man").is_some() {
        let out = std::process::Command::new("man")
            .args(["-l", repo("man/escalate.1").to_str().unwrap()])
            .env("MANPAGER", "cat")
            .env("MANWIDTH", "80")
            .output()
            .unwrap();
        assert!(out.status.success() && out.stderr.is_empty(), "{out:?}");
        let text = stdout_of(&out);
        assert!(
            text.contains("ESCALATE(1)") && !text.contains(".TP"),
            "{text}"
        );
    }
}

#[test]
fn manual_pages_are_a_real_manual() {
    let read = |name: &str| std::fs::read_to_string(repo("man").join(name)).unwrap();
    for page in committed_pages() {
        let name = page.file_name().unwrap().to_str().unwrap().to_owned();
        let text = read(&name);
        let mut wanted = vec!["NAME", "SYNOPSIS", "DESCRIPTION", "SEE ALSO"];
        if name.ends_with(".1") {
            wanted.extend([
                "GLOBAL OPTIONS",
                "EXIT STATUS",
                "ENVIRONMENT",
                "FILES",
                "EXAMPLES",
            ]);
        }
        for heading in wanted {
            // roff quotes a heading only where it has a space.
            assert!(
                text.lines()
                    .any(|l| l.strip_prefix(".SH ").map(|h| h.trim_matches('"')) == Some(heading)),
                "{name} has no {heading}"
            );
        }
    }
    let main = read("escalate.1");
    // The description is prose, not the NAME line again.
    assert!(
        main.contains("append\\-only journal per child\\-safeguarding"),
        "{main}"
    );
    assert!(main.contains(".SH EXAMPLES") && main.contains("ESCALATE_NOW"));
    let open = read("escalate-open.1");
    // Synopsis and options with value placeholders.
    assert!(
        open.contains("[\\fB\\-\\-policy\\fR\\ \\fIID\\fR]"),
        "{open}"
    );
    // The options as clap_mangen lays them out, `--due <DATE>` as in `--help`.
    assert!(open.contains("\\fB\\-\\-due\\fR \\fI<DATE>\\fR"), "{open}");
    assert!(open.contains("20,000 characters"), "{open}");
    let report = read("escalate-report.1");
    for figure in [
        "opened",
        "escalations",
        "entered_stage",
        "resolved, resolved_at_stage",
        "reopened",
        "open_at_end, overdue_at_end",
        "median_working_days_to_resolve",
        "by_policy",
        "by_agency",
    ] {
        assert!(
            report.contains(&format!("\\fB{figure}\\fR")),
            "escalate-report(1) does not define {figure}"
        );
    }
    assert!(report.contains(".SH FIGURES") && report.contains("\\-\\-no\\-header"));
    let format = read("escalate-policy.5");
    assert!(format.contains("working_days = N"), "{format}");
}

#[test]
fn man_writes_sections_and_prints_roff_on_request() {
    let env = Env::new();
    let dir = env.tmp.path().join("share-man");
    env.ok(&["man", "--output", dir.to_str().unwrap()]);
    assert!(dir.join("man1/escalate-open.1").is_file());
    assert!(dir.join("man5/escalate-policy.5").is_file());
    let open = env.ok(&["man", "open", "--roff"]);
    assert!(open.starts_with(".TH ESCALATE\\-OPEN 1 "), "{open}");
    assert_eq!(
        env.ok(&["man", "calendar", "import"]),
        env.ok(&["man", "escalate-calendar-import"])
    );
    assert!(env
        .ok(&["man", "policy.5", "--roff"])
        .contains(".TH ESCALATE\\-POLICY 5 "));
    let err = env.fails(2, &["man", "opne"]);
    assert!(err.contains("no manual page \"opne\""), "{err}");
}

#[test]
fn man_on_a_terminal_shows_the_page_as_man_does() {
    if which("man").is_none() {
        assert!(std::env::var_os("CI").is_none(), "CI installs man-db");
        eprintln!("skipped: man is not installed");
        return;
    }
    let env = Env::new();
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("escalate"));
    cmd.env_clear()
        .envs(env.vars())
        .env("TERM", "xterm")
        .env("MANPAGER", "cat")
        .env("PAGER", "cat")
        .args(["man", "report"]);
    let mut p = rexpect::session::spawn_command(cmd, Some(20_000)).unwrap();
    p.exp_string("ESCALATE-REPORT(1)").unwrap();
    let rest = p.exp_eof().unwrap();
    // Headings are emboldened by overstriking for the pager; body text is plain.
    assert!(rest.contains("Stage moves in the period."), "{rest}");
    assert!(!rest.contains(".TP") && !rest.contains("\\fB"), "{rest}");

    // With neither man nor groff to be found, the page as plain text.
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("escalate"));
    cmd.env_clear()
        .envs(env.vars())
        .env("PATH", env.tmp.path().join("nothing-here"))
        .env("TERM", "xterm")
        .args(["man", "report"]);
    let mut p = rexpect::session::spawn_command(cmd, Some(20_000)).unwrap();
    let plain = p.exp_eof().unwrap();
    assert!(
        plain.contains("FIGURES") && plain.contains("Stage moves in the period."),
        "{plain}"
    );
    assert!(
        plain.contains("--no-header") && !plain.contains(".TP") && !plain.contains("\\f"),
        "{plain}"
    );
}

#[test]
fn committed_manual_pages_match_the_binary() {
    let env = Env::new();
    let out = env.tmp.path().join("man");
    env.ok(&["man", "--output", out.to_str().unwrap()]);
    // `man --output` writes man1/ and man5/; man/ keeps them side by side.
    let section = |name: &str| out.join(format!("man{}", &name[name.len() - 1..]));
    let mut fresh: Vec<String> = ["man1", "man5"]
        .iter()
        .flat_map(|s| std::fs::read_dir(out.join(s)).unwrap())
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    fresh.sort();
    let mut committed: Vec<String> = std::fs::read_dir(repo("man"))
        .map(|d| {
            d.map(|e| e.unwrap().file_name().into_string().unwrap())
                .collect()
        })
        .unwrap_or_default();
    committed.sort();
    assert_eq!(
        fresh, committed,
        "the set of manual pages changed: {REGENERATE}"
    );
    for name in &fresh {
        let a = std::fs::read_to_string(section(name).join(name)).unwrap();
        let b = std::fs::read_to_string(repo("man").join(name)).unwrap();
        assert!(a == b, "man/{name} is out of date: {REGENERATE}");
    }
    let main = env.ok(&["man", "--roff"]);
    assert!(
        main.contains(".TH ESCALATE 1 ") && main.contains("EXIT STATUS"),
        "{main}"
    );
}

// The manual piped is text; long policy text is paged on a terminal.

#[test]
fn the_manual_piped_is_the_text_man_prints_and_roff_on_request() {
    let env = Env::new();
    let page = env.ok(&["man", "open"]);
    assert!(!page.contains(".TH") && !page.contains("\\-"), "{page}");
    assert!(
        page.contains("escalate-open - open a new dispute"),
        "{page}"
    );
    let roff = env.ok(&["man", "open", "--roff"]);
    assert!(roff.starts_with(".TH"), "{roff}");
}

// The README's install instructions for the manual are true.

#[test]
fn installed_pages_are_found_by_man_as_the_output_says() {
    let env = Env::new();
    let dir = env.tmp.path().join("share").join("man");
    let said = env.ok(&["man", "--output", dir.to_str().unwrap()]);
    let line = format!("export MANPATH=\"{}:$MANPATH\"", dir.display());
    assert!(said.contains(&line), "{said}");
    let readme = include_str!("../../README.md");
    assert!(
        readme.contains("escalate man --output ~/.local/share/man")
            && readme.contains("export MANPATH=\"$HOME/.local/share/man:$MANPATH\""),
        "README's install lines"
    );
    if which_man() {
        // As the startup line leaves it when MANPATH was unset.
        let out = std::process::Command::new("man")
            .args(["-w", "escalate"])
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", env.tmp.path())
            .env("MANPATH", format!("{}:", dir.display()))
            .output()
            .unwrap();
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("man1/escalate.1"),
            "{out:?}"
        );
    }
}

fn which_man() -> bool {
    std::process::Command::new("man")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// An *emphasised phrase* that runs from one line of policies/README.md to the
/// next is set in italic, not shown with its stars; help text's `code` is bold,
/// as the rest of the page has it.
#[test]
fn the_manual_sets_markup_in_fonts_not_stars_or_backquotes() {
    let env = Env::new();
    let format = env.ok(&["man", "policy.5", "--roff"]);
    assert!(
        format.contains("\\fIfurther information before a referral\\fR"),
        "{format}"
    );
    assert!(!format.contains("referral*"), "{format}");
    let open = env.ok(&["man", "open", "--roff"]);
    assert!(open.contains("\\fBescalate policy list\\fR"), "{open}");
    assert!(!open.contains('`'), "{open}");
}
