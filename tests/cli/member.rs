//! The partnership's member list (`members.jsonl`, issue #27): `share init`
//! makes the first admin; joiners wait to be admitted; `member` commands and
//! `key rotate` are the only way it changes, each refusing bad input with
//! nothing written; every member's sync refuses a hand-edited list.

use crate::support::sharing::{agency, bare, git, journals, open, sync_refused};
use crate::support::Env;

/// A partnership: the school shares first (its DSL is the first admin), social
/// care joins. Returns (tmp, remote, school, csc).
fn started() -> (tempfile::TempDir, String, Env, Env) {
    let tmp = tempfile::tempdir().unwrap();
    let remote = bare(&tmp).to_str().unwrap().to_owned();
    let school = agency("Sam (DSL)", "Hollyfield Primary");
    let csc = agency("Chris (team manager)", "Children's Social Care");
    school.ok(&["share", "init", &remote]);
    csc.ok(&["share", "join", &remote]);
    (tmp, remote, school, csc)
}

/// The `escalate member add ...` command `share join` printed, as arguments.
fn member_add_args(join_output: &str) -> Vec<String> {
    let line = join_output
        .lines()
        .find(|l| l.starts_with("escalate member add "))
        .unwrap_or_else(|| panic!("no member add command in: {join_output}"));
    shell_words(line.strip_prefix("escalate ").unwrap())
}

/// Split a line of single-quoted shell words (what escalate prints).
fn shell_words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut any = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' if !quoted => cur.extend(chars.next()),
            '\'' => {
                quoted = !quoted;
                any = true;
            }
            ' ' if !quoted => {
                if any || !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
                any = false;
            }
            c => cur.push(c),
        }
    }
    if any || !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Admit `who` (run by the admin `admin`) from the command `key show` prints.
fn admit(admin: &Env, who: &Env) {
    let shown = who.ok(&["key", "show"]);
    let args = member_add_args(&shown);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    admin.ok(&args);
    admin.ok(&["sync"]);
}

fn members_file(env: &Env) -> std::path::PathBuf {
    env.data().join("members.jsonl")
}

#[test]
fn share_init_makes_the_runner_the_first_admin() {
    let (_tmp, _remote, school, csc) = started();
    let list = school.json(&["member", "list"]);
    let people = list["people"].as_array().unwrap();
    assert_eq!(people.len(), 1, "{list}");
    assert_eq!(people[0]["name"], "Sam (DSL)");
    assert_eq!(people[0]["agency"], "Hollyfield Primary");
    assert_eq!(people[0]["role"], "admin");
    // The list is shared: the joiner has it too, and it names the same key.
    let theirs = csc.json(&["member", "list"]);
    assert_eq!(theirs, list);
    let text = school.ok(&["member", "list"]);
    assert!(
        text.contains("Sam (DSL) (Hollyfield Primary), admin"),
        "{text}"
    );
}

#[test]
fn share_join_names_the_first_admin_and_checks_the_fingerprint_when_given() {
    let tmp = tempfile::tempdir().unwrap();
    let remote = bare(&tmp).to_str().unwrap().to_owned();
    let school = agency("Sam (DSL)", "Hollyfield Primary");
    school.ok(&["share", "init", &remote]);
    let fingerprint = school.json(&["key", "show"])["fingerprint"]
        .as_str()
        .unwrap()
        .to_owned();

    let csc = agency("Chris (team manager)", "Children's Social Care");
    let out = csc.ok(&["share", "join", &remote]);
    assert!(
        out.contains(&format!(
            "first admin is Sam (DSL) (Hollyfield Primary), key {fingerprint}"
        )),
        "{out}"
    );
    assert!(out.contains("escalate member add --name 'Chris (team manager)' --agency 'Children'\\''s Social Care' --key 'valid-after="), "{out}");

    let police = agency("Alex (DS)", "Police");
    let out = police.fails(
        1,
        &["share", "join", &remote, "--expect-admin", "SHA256:not-it"],
    );
    assert!(out.contains("not SHA256:not-it"), "{out}");
    assert!(
        std::fs::read_dir(police.data()).unwrap().next().is_none(),
        "a refused join kept something"
    );
    police.ok(&["share", "join", &remote, "--expect-admin", &fingerprint]);
}

#[test]
fn a_joiners_lines_stay_local_until_an_admin_adds_them_then_the_next_sync_sends_them() {
    let (_tmp, _remote, school, csc) = started();
    let shown = csc.ok(&["key", "show"]);
    assert!(
        shown.contains("send this line to your partnership's admin")
            && shown.contains("escalate member add --name 'Chris (team manager)'"),
        "{shown}"
    );
    let id = open(&csc, "Children's Social Care", "Police", "LCS-9");
    let out = csc.ok(&["sync"]);
    assert!(out.contains("Nothing was sent"), "{out}");
    assert!(
        out.contains("not in the partnership's member list"),
        "{out}"
    );
    school.ok(&["sync"]);
    assert!(!school.journal(&id).exists());

    admit(&school, &csc);
    let out = csc.ok(&["sync"]);
    assert!(!out.contains("Nothing was sent"), "{out}");
    school.ok(&["sync"]);
    assert_eq!(journals(&school), journals(&csc));
    // `show` names the person and agency behind the line from the member list.
    let shown = school.ok(&["show", &id]);
    assert!(
        shown.contains("Chris (team manager), Children's Social Care: "),
        "{shown}"
    );
    // The waiting lines count: the key was valid from when it was made.
    let v = school.cmd(&["verify", &id]).output().unwrap();
    assert_eq!(
        v.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&v.stdout)
    );
}

#[test]
fn a_member_who_is_not_an_admin_cannot_admit_anyone() {
    let (_tmp, _remote, school, csc) = started();
    admit(&school, &csc);
    csc.ok(&["sync"]);
    let police = agency("Alex (DS)", "Police");
    police.ok(&["key", "new"]);
    let line = police.json(&["key", "show"])["public_key"]
        .as_str()
        .unwrap()
        .to_owned();
    let before = std::fs::read(members_file(&csc)).unwrap();
    let err = csc.fails(
        1,
        &[
            "member",
            "add",
            "--name",
            "Alex (DS)",
            "--agency",
            "Police",
            "--key",
            &line,
        ],
    );
    assert!(
        err.contains("only a partnership admin may admit someone"),
        "{err}"
    );
    assert!(err.contains("Chris (team manager) is not one"), "{err}");
    assert_eq!(std::fs::read(members_file(&csc)).unwrap(), before);
}

#[test]
fn every_refusal_writes_nothing_and_exits_1() {
    let (_tmp, _remote, school, csc) = started();
    admit(&school, &csc);
    let other = agency("Alex (DS)", "Police");
    other.ok(&["key", "new"]);
    let other_key = other.json(&["key", "show"])["public_key"]
        .as_str()
        .unwrap()
        .to_owned();
    let csc_key = csc.json(&["key", "show"])["public_key"]
        .as_str()
        .unwrap()
        .to_owned();
    let before = std::fs::read(members_file(&school)).unwrap();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec![
                "member",
                "add",
                "--name",
                "A",
                "--agency",
                "B",
                "--key",
                "ssh-ed25519 not-a-key",
            ],
            "not a key line",
        ),
        (
            vec![
                "member", "add", "--name", "Pat", "--agency", "Health", "--key", &csc_key,
            ],
            "already Chris (team manager)'s",
        ),
        (
            vec![
                "member",
                "remove",
                "Nobody",
                "--as-of",
                "2026-12-01",
                "--reason",
                "left",
            ],
            "\"Nobody\" is not in the member list",
        ),
        (
            vec![
                "member",
                "remove",
                "Chris (team manager)",
                "--as-of",
                "2020-01-01",
                "--reason",
                "left",
            ],
            "after the date given",
        ),
        (
            vec![
                "member",
                "remove",
                "Sam (DSL)",
                "--as-of",
                "2026-12-01",
                "--reason",
                "left",
            ],
            "last admin",
        ),
        (
            vec![
                "member",
                "revoke-key",
                "--key",
                &other_key,
                "--as-of",
                "2026-12-01",
                "--reason",
                "x",
            ],
            "is not in the member list",
        ),
    ];
    for (args, said) in cases {
        let err = school.fails(1, &args);
        assert!(err.contains(said), "{args:?}: {err}");
        assert_eq!(
            std::fs::read(members_file(&school)).unwrap(),
            before,
            "{args:?} wrote"
        );
    }
    // A non-admin's admin commands.
    csc.ok(&["sync"]);
    let before = std::fs::read(members_file(&csc)).unwrap();
    for args in [
        vec![
            "member",
            "remove",
            "Sam (DSL)",
            "--as-of",
            "2026-12-01",
            "--reason",
            "x",
        ],
        vec![
            "member",
            "revoke-key",
            "--key",
            &csc_key,
            "--as-of",
            "2026-12-01",
            "--reason",
            "x",
        ],
    ] {
        let err = csc.fails(1, &args);
        assert!(err.contains("only a partnership admin"), "{args:?}: {err}");
        assert_eq!(std::fs::read(members_file(&csc)).unwrap(), before);
    }
    // A second admin may then remove the first.
    school.ok(&[
        "member",
        "add",
        "--name",
        "Alex (DS)",
        "--agency",
        "Police",
        "--key",
        &other_key,
        "--role",
        "admin",
    ]);
    school.ok(&[
        "member",
        "remove",
        "Sam (DSL)",
        "--as-of",
        "2026-12-01",
        "--reason",
        "retired",
    ]);
}

#[test]
fn a_hand_edited_member_list_is_refused_by_every_members_sync() {
    let (_tmp, remote, school, csc) = started();
    admit(&school, &csc);
    open(&school, "Hollyfield Primary", "Police", "LCS-7");
    school.ok(&["sync"]);
    csc.ok(&["sync"]);
    // A stranger's key put under the admin's name, by hand, pushed with git.
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path().join("work");
    git(
        tmp.path(),
        &["clone", "--quiet", &remote, work.to_str().unwrap()],
    );
    let text = std::fs::read_to_string(work.join("members.jsonl")).unwrap();
    let stranger = Env::new();
    stranger.ok(&["key", "new"]);
    let their = stranger.json(&["key", "show"])["public_key"]
        .as_str()
        .unwrap()
        .split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ");
    let first: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    let edited = text.replace(first["key"].as_str().unwrap(), &their);
    std::fs::write(work.join("members.jsonl"), edited).unwrap();
    git(&work, &["add", "members.jsonl"]);
    git(&work, &["commit", "--quiet", "-m", "fix"]);
    git(&work, &["push", "--quiet", "origin", "main"]);
    for env in [&school, &csc] {
        let before = std::fs::read(members_file(env)).unwrap();
        let err = sync_refused(env);
        assert!(err.contains("member list"), "{err}");
        assert!(err.contains("line 1"), "{err}");
        assert_eq!(std::fs::read(members_file(env)).unwrap(), before);
    }
}

#[test]
fn key_rotate_and_member_add_key_lines_are_shared_and_accepted() {
    let (_tmp, remote, mut school, mut csc) = started();
    admit(&school, &csc);
    csc.ok(&["sync"]);

    // csc rotates; its next line is signed with the new key and counts.
    csc.now("2026-11-23T09:30:00Z");
    let old = csc.json(&["key", "show"])["fingerprint"]
        .as_str()
        .unwrap()
        .to_owned();
    let out = csc.ok(&["key", "rotate"]);
    assert!(out.contains("announced it in the member list"), "{out}");
    let new = csc.json(&["key", "show"])["fingerprint"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(old, new);
    let err = csc.fails(1, &["key", "new", "--replace"]);
    assert!(err.contains("key rotate"), "{err}");
    csc.now("2026-11-23T10:00:00Z");
    let id = open(&csc, "Children's Social Care", "Police", "LCS-3");
    csc.ok(&["sync"]);

    // The school's DSL works from a second computer: same data, another key dir.
    let laptop = agency("Sam (DSL)", "Hollyfield Primary");
    laptop.ok(&["key", "new"]);
    let laptop_key = laptop.json(&["key", "show"])["public_key"]
        .as_str()
        .unwrap()
        .to_owned();
    school.ok(&["member", "add-key", "--key", &laptop_key]);
    school.ok(&["sync"]);
    laptop.ok(&["share", "join", &remote]);
    let mut laptop = laptop;
    laptop.now("2026-11-23T11:00:00Z");
    let id2 = open(&laptop, "Hollyfield Primary", "Police", "LCS-4");
    let out = laptop.ok(&["sync"]);
    assert!(!out.contains("Nothing was sent"), "{out}");

    school.now("2026-11-23T12:00:00Z");
    school.ok(&["sync"]);
    for d in [&id, &id2] {
        let v = school.cmd(&["verify", d]).output().unwrap();
        assert_eq!(
            v.status.code(),
            Some(0),
            "{}{}",
            String::from_utf8_lossy(&v.stdout),
            String::from_utf8_lossy(&v.stderr)
        );
    }
    let list = school.json(&["member", "list"]);
    let keys = |name: &str| {
        list["people"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap()["keys"]
            .as_array()
            .unwrap()
            .len()
    };
    assert_eq!(keys("Sam (DSL)"), 2);
    assert_eq!(keys("Chris (team manager)"), 2);
}

#[test]
fn export_writes_an_allowed_signers_file_that_ssh_keygen_accepts() {
    if std::process::Command::new("ssh-keygen")
        .arg("-?")
        .output()
        .is_err()
    {
        eprintln!("ssh-keygen is not installed; skipped");
        return;
    }
    let (_tmp, _remote, school, _csc) = started();
    let id = open(&school, "Hollyfield Primary", "Police", "LCS-5");
    let file = school.tmp.path().join("allowed_signers");
    school.ok(&[
        "member",
        "export",
        "--allowed-signers",
        file.to_str().unwrap(),
    ]);
    let journal = std::fs::read_to_string(school.journal(&id)).unwrap();
    let line = journal.lines().next().unwrap();
    let at = line.rfind(",\"sig\":\"").unwrap();
    let msg = &line[..at];
    let body = line[at + 8..].split('"').next().unwrap();
    let mut pem = String::from("-----BEGIN SSH SIGNATURE-----\n");
    for chunk in body.as_bytes().chunks(70) {
        pem.push_str(std::str::from_utf8(chunk).unwrap());
        pem.push('\n');
    }
    pem.push_str("-----END SSH SIGNATURE-----\n");
    let sig = school.tmp.path().join("line.sig");
    std::fs::write(&sig, pem).unwrap();
    let mut child = std::process::Command::new("ssh-keygen")
        .args(["-Y", "verify", "-f"])
        .arg(&file)
        .args(["-I", "Sam (DSL)", "-n", "escalate-journal", "-s"])
        .arg(&sig)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(msg.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn member_import_moves_a_shared_directorys_signers_file_into_the_list() {
    let (_tmp, _remote, school, csc) = started();
    // An older partnership: no member list, a signers file instead.
    std::fs::remove_file(members_file(&school)).unwrap();
    let sam = school.json(&["key", "show"])["signers_line"]
        .as_str()
        .unwrap()
        .to_owned();
    let chris = csc.json(&["key", "show"])["signers_line"]
        .as_str()
        .unwrap()
        .to_owned();
    std::fs::write(school.data().join("signers"), format!("{sam}\n{chris}\n")).unwrap();
    let err = school.fails(1, &["member", "list"]);
    assert!(err.contains("member import"), "{err}");
    let out = school.ok(&["member", "import"]);
    assert!(out.contains("first admin"), "{out}");
    assert!(
        out.contains("Imported 1 member(s) from the signers file: Chris (team manager)"),
        "{out}"
    );
    assert!(!school.data().join("signers").exists());
    let list = school.json(&["member", "list"]);
    assert_eq!(list["people"].as_array().unwrap().len(), 2, "{list}");
}

#[test]
fn a_removed_members_later_lines_stay_with_them_and_their_earlier_lines_still_count() {
    let (_tmp, _remote, mut school, mut csc) = started();
    admit(&school, &csc);
    let id = open(&csc, "Children's Social Care", "Police", "LCS-8");
    csc.ok(&["sync"]);
    school.ok(&["sync"]);
    school.ok(&[
        "member",
        "remove",
        "Chris (team manager)",
        "--as-of",
        "2026-11-24T00:00:00Z",
        "--reason",
        "left the team",
    ]);
    school.ok(&["sync"]);

    csc.now("2026-11-25T09:00:00Z");
    csc.ok(&["sync"]);
    // Recorded here after leaving: sync refuses to send it, naming it, and it
    // stays on this computer.
    csc.ok(&["discuss", &id, "--note", "after leaving"]);
    // (What it received is still taken in, so the directory changes.)
    let out = csc.cmd(&["sync"]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("not sent") && err.contains("line 2"), "{err}");
    assert!(crate::support::sharing::lines_of(&csc, &id)
        .iter()
        .any(|l| l["note"] == "after leaving"));

    school.now("2026-11-25T10:00:00Z");
    school.ok(&["sync"]);
    let journal = std::fs::read_to_string(school.journal(&id)).unwrap();
    assert!(!journal.contains("after leaving"), "{journal}");
    let v = school.cmd(&["verify", &id]).output().unwrap();
    assert_eq!(
        v.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&v.stdout)
    );
    let list = school.ok(&["member", "list"]);
    assert!(list.contains("leaves Tue 24 Nov 2026"), "{list}");
}

#[test]
fn a_key_rotated_while_an_admin_changed_the_list_follows_the_admins_change() {
    let (_tmp, _remote, mut school, mut csc) = started();
    admit(&school, &csc);
    csc.ok(&["sync"]);
    csc.now("2026-11-23T09:30:00Z");
    school.now("2026-11-23T09:40:00Z");
    csc.ok(&["key", "rotate"]);
    let police = agency("Alex (DS)", "Police");
    police.ok(&["key", "new"]);
    let key = police.json(&["key", "show"])["public_key"]
        .as_str()
        .unwrap()
        .to_owned();
    school.ok(&[
        "member",
        "add",
        "--name",
        "Alex (DS)",
        "--agency",
        "Police",
        "--key",
        &key,
    ]);
    school.ok(&["sync"]);
    // csc's rotation (signed by the key it retired) goes after the admin's change.
    csc.ok(&["sync"]);
    school.ok(&["sync"]);
    let list = school.json(&["member", "list"]);
    assert_eq!(list.to_string(), csc.json(&["member", "list"]).to_string());
    assert_eq!(list["people"].as_array().unwrap().len(), 3, "{list}");
    let text = std::fs::read_to_string(members_file(&school)).unwrap();
    let events: Vec<String> = text
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["event"].to_string())
        .collect();
    assert_eq!(
        events,
        [
            "\"member_added\"",
            "\"member_added\"",
            "\"member_added\"",
            "\"key_rotated\""
        ]
    );
}
