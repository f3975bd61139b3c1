//! `escalate share`: joining, or sharing an agency's existing records into, a
//! partnership's repository, and the refusals that say what to check (a wrong
//! address, a repository left mid-rebase, one that needs a newer escalate).

use crate::support::sharing::{
    admit, agency, bare, journals, open, partnership, school_case, sync_refused,
};
use crate::support::Env;

#[test]
fn an_older_escalate_refuses_to_write_to_a_repository_that_needs_a_newer_one() {
    let tmp = tempfile::tempdir().unwrap();
    let remote = bare(&tmp);
    let r = remote.to_str().unwrap();
    let school = agency("Sam (DSL)", "Hollyfield Primary");
    let d1 = school_case(&school, "LCS-1");
    school.ok(&["share", "init", r]);
    let file = school.data().join("escalate-repository.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    let (head, _) = text.split_once("minimum_version").unwrap();
    std::fs::write(&file, format!("{head}minimum_version = \"99.0.0\"\n")).unwrap();
    let err = school.fails(1, &["discuss", &d1, "--note", "n"]);
    assert!(err.contains("needs escalate 99.0.0"), "{err}");
    let err = sync_refused(&school);
    assert!(err.contains("needs escalate 99.0.0"), "{err}");
    // Reading still works.
    school.ok(&["show", &d1]);
}

#[test]
fn a_repository_left_mid_rebase_is_refused_with_the_next_step() {
    let tmp = tempfile::tempdir().unwrap();
    let remote = bare(&tmp);
    let school = agency("Sam (DSL)", "Hollyfield Primary");
    let d1 = school_case(&school, "LCS-1");
    school.ok(&["share", "init", remote.to_str().unwrap()]);
    std::fs::create_dir_all(school.data().join(".git").join("rebase-merge")).unwrap();
    school.ok(&["discuss", &d1, "--note", "still works"]);
    let err = sync_refused(&school);
    assert!(err.contains("rebase --abort"), "{err}");
}

#[test]
fn a_second_agency_with_its_own_records_can_share_into_an_existing_repository() {
    let (_tmp, remote, school, csc) = partnership();
    let r = remote.to_str().unwrap();
    let d1 = school_case(&school, "LCS-1");
    let d2 = open(&csc, "Children's Social Care", "Police", "LCS-2");
    school.ok(&["share", "init", r]);
    let out = csc.ok(&["share", "init", r]);
    assert!(out.contains("escalate member add --name"), "{out}");
    // The second agency's records wait until the first admin admits it.
    admit(&school, &csc);
    csc.ok(&["sync"]);
    school.ok(&["sync"]);
    assert_eq!(journals(&csc), journals(&school));
    assert!(school.journal(&d2).exists() && csc.journal(&d1).exists());
    let err = school.fails(1, &["share", "init", r]);
    assert!(err.contains("escalate sync"), "{err}");
    // Byte for byte whatever the user's git settings say about line endings.
    let attributes = std::fs::read_to_string(school.data().join(".gitattributes")).unwrap();
    assert!(attributes.contains("* -text"));
}

// share join with a wrong address; the commit author's email.

#[test]
fn share_join_with_a_wrong_address_says_what_to_check() {
    let env = Env::new();
    let wrong = env.tmp.path().join("no-such-partnership.git");
    let dest = env.tmp.path().join("joined");
    let err = env.fails(
        1,
        &[
            "share",
            "join",
            wrong.to_str().unwrap(),
            dest.to_str().unwrap(),
        ],
    );
    assert!(!err.contains("DIR"), "{err}");
    assert!(
        err.contains("escalate share join") && err.contains("typing mistake"),
        "{err}"
    );
}
