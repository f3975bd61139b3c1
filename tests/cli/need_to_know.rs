//! Need to know between agencies (#28's "done when"): a partnership of a
//! school, social care, health and the partnership office. A dispute between
//! the school and social care is read in full by those two and the office;
//! health sees it sealed, and its text is nowhere in health's files or git
//! objects, nor in the repository. Every member's report is the same. After the
//! office applies retention (a member may not) and everyone syncs, the dispute
//! says it was erased, still verifies and still counts, and no object in the
//! repository or in a party's clone holds a key that opens its text.

use std::path::Path;

use crate::support::sharing::{admit, agency, bare, git, open};
use crate::support::Env;

const MARKERS: [&str; 3] = ["LCS-NTK-1", "NOTE-NTK", "OUTCOME-NTK"];

/// Every object git holds in `dir` (a clone's `.git` or a bare repository),
/// decompressed, as one text: what anyone with the directory could read.
fn every_object(dir: &Path) -> String {
    let out = std::process::Command::new("git")
        .current_dir(dir)
        .args(["cat-file", "--batch-all-objects", "--batch", "--unordered"])
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .output()
        .expect("git cat-file");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Every file under `dir` as text (git's objects are compressed: see
/// `every_object` for those).
fn every_file(dir: &Path, out: &mut String) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            every_file(&p, out);
        } else if let Ok(bytes) = std::fs::read(&p) {
            out.push_str(&String::from_utf8_lossy(&bytes));
        }
    }
}

fn holds_markers(text: &str) -> Vec<&'static str> {
    MARKERS.into_iter().filter(|m| text.contains(m)).collect()
}

fn shown(env: &Env, id: &str) -> String {
    env.ok(&["show", id])
}

#[test]
fn a_dispute_is_read_by_its_parties_and_the_office_and_erased_everywhere_under_retention() {
    let tmp = tempfile::tempdir().unwrap();
    let remote = bare(&tmp);
    let r = remote.to_str().unwrap();
    let mut office = agency("Olu (business manager)", "Partnership Office");
    let mut school = agency("Sam (DSL)", "Hollyfield Primary");
    let mut csc = agency("Chris (team manager)", "Children's Social Care");
    let mut health = agency("Hana (named nurse)", "Health");
    for e in [&mut office, &mut school, &mut csc, &mut health] {
        e.now("2026-11-02T09:00:00Z");
    }
    office.ok(&["share", "init", r]);
    for joiner in [&school, &csc, &health] {
        joiner.ok(&["share", "join", r]);
        admit(&office, joiner);
    }
    for e in [&school, &csc, &health] {
        e.ok(&["sync"]);
    }

    // The school's dispute with social care, recorded and synced.
    let id = open(
        &school,
        "Hollyfield Primary",
        "Children's Social Care",
        "LCS-NTK-1",
    );
    school.ok(&[
        "discuss",
        &id,
        "--note",
        "NOTE-NTK spoke to the duty manager",
    ]);
    school.ok(&["sync"]);
    for e in [&csc, &office, &health] {
        e.ok(&["sync"]);
    }
    csc.ok(&["discuss", &id, "--note", "NOTE-NTK social care's view"]);
    csc.ok(&["sync"]);
    for e in [&school, &office, &health] {
        e.ok(&["sync"]);
    }

    // The parties and the office read it all; health sees it sealed.
    for (who, e) in [("school", &school), ("csc", &csc), ("office", &office)] {
        let text = shown(e, &id);
        assert!(
            text.contains("LCS-NTK-1") && text.contains("social care's view"),
            "{who}: {text}"
        );
    }
    let text = shown(&health, &id);
    assert!(
        text.contains(
            "Sealed:   shared with Hollyfield Primary, Children's Social Care and Partnership Office"
        ),
        "{text}"
    );
    assert_eq!(holds_markers(&text), Vec::<&str>::new(), "{text}");
    let mut files = String::new();
    every_file(&health.data(), &mut files);
    assert_eq!(holds_markers(&files), Vec::<&str>::new(), "health's files");
    assert_eq!(
        holds_markers(&every_object(&health.data())),
        Vec::<&str>::new()
    );
    assert_eq!(holds_markers(&every_object(&remote)), Vec::<&str>::new());

    // Every member's month report is the same, the sealed dispute counted.
    let report = school.ok(&["report", "--month", "2026-11", "--json"]);
    assert!(report.contains("\"opened\": 1"), "{report}");
    for e in [&csc, &office, &health] {
        assert_eq!(e.ok(&["report", "--month", "2026-11", "--json"]), report);
    }

    // Subject access: the child's disputes in full to a party, nothing to health.
    let copy = csc.ok(&["export", "--subject", "LCS-NTK-1", "--format", "jsonl"]);
    assert!(
        copy.contains("LCS-NTK-1") && copy.contains("social care's view"),
        "{copy}"
    );
    let none = health.ok(&["export", "--subject", "LCS-NTK-1", "--format", "jsonl"]);
    assert_eq!(holds_markers(&none), Vec::<&str>::new(), "{none}");
    assert!(!none.contains(&id), "{none}");

    // Resolved, then past retention: a member may not apply it; the office does.
    for e in [&mut office, &mut school, &mut csc, &mut health] {
        e.now("2026-11-04T09:00:00Z");
    }
    school.ok(&["resolve", &id, "--outcome", "OUTCOME-NTK assessment agreed"]);
    school.ok(&["sync"]);
    office.ok(&["sync"]);
    let before = csc.snapshot();
    let err = csc.fails(
        1,
        &["retention", "apply", "--resolved-before", "2026-11-05"],
    );
    assert!(err.contains("admins"), "{err}");
    assert_eq!(csc.snapshot(), before, "a refused erasure writes nothing");
    let out = office.ok(&["retention", "apply", "--resolved-before", "2026-11-05"]);
    assert!(out.contains(&id), "{out}");
    office.ok(&["sync"]);
    for e in [&school, &csc, &health, &office] {
        e.ok(&["sync"]);
    }

    for (who, e) in [
        ("school", &school),
        ("csc", &csc),
        ("health", &health),
        ("office", &office),
    ] {
        let text = shown(e, &id);
        assert!(
            text.contains("Erased:") && text.contains("Olu (business manager)"),
            "{who}: {text}"
        );
        assert_eq!(holds_markers(&text), Vec::<&str>::new(), "{who}: {text}");
        e.ok(&["verify"]);
        let report = e.ok(&["report", "--month", "2026-11", "--json"]);
        assert!(report.contains("\"opened\": 1"), "{who}: {report}");
        assert!(
            !escalate_core::store::layout::key_store(&e.data())
                .join(format!("{id}.json"))
                .exists(),
            "{who} keeps the key"
        );
    }
    // No wrapped key for it anywhere in the school's clone (objects, reflogs) or
    // in the repository once its host has collected its garbage.
    // A wrapped key, not a journal line (which names its dispute too).
    let entry = format!("\"dispute\":\"{id}\",\"to\":[");
    let objects = every_object(&school.data());
    assert!(
        !objects.contains(&entry),
        "the school's git objects hold its key"
    );
    let reflog = git(&school.data(), &["reflog", "--all"]);
    for line in reflog.lines() {
        let oid = line.split_whitespace().next().unwrap_or_default();
        let tree = git(&school.data(), &["ls-tree", "-r", oid]);
        let key_file = format!("\t{id}.json");
        assert!(
            !tree.lines().any(|l| l.ends_with(&key_file)),
            "a reflog entry reaches its key: {line}"
        );
    }
    git(&remote, &["gc", "--prune=now", "--quiet"]);
    assert!(
        !every_object(&remote).contains(&entry),
        "the repository holds its key"
    );
}
