//! Convergence of a shared record (#26): every pointer from one line to another
//! names the line it means, whatever sync had to do with offline lines.

use crate::support::sharing::{lines_of, partnership, school_case, share};

#[test]
fn a_superseded_correction_names_the_line_that_superseded_what_it_corrects() {
    let (_tmp, remote, mut school, mut csc) = partnership();
    let remote = remote.to_str().unwrap();
    for e in [&mut school, &mut csc] {
        e.now("2026-11-09T09:00:00Z");
    }
    let id = school_case(&school, "LCS-7");
    school.ok(&["discuss", &id, "--note", "first talk"]);
    share(&school, &csc, remote);

    // Both escalate stage 1 offline; the school also corrects its escalation.
    for e in [&mut school, &mut csc] {
        e.now("2026-11-11T09:00:00Z");
    }
    csc.ok(&["escalate", &id, "--reason", "csc-escalation"]);
    school.ok(&["escalate", &id, "--reason", "school-escalation"]);
    school.now("2026-11-11T10:00:00Z");
    school.ok(&[
        "amend",
        &id,
        "--event",
        "3",
        "--happened",
        "2026-11-11 08:30",
        "--note",
        "school-correction",
    ]);
    csc.ok(&["sync"]);
    school.ok(&["sync"]);

    let lines = lines_of(&school, &id);
    let superseded: Vec<&serde_json::Value> =
        lines.iter().filter(|l| l["kind"] == "superseded").collect();
    assert_eq!(superseded.len(), 2, "{lines:#?}");
    // The partnership's escalation (line 3) is what the school's escalation could
    // not stand after; the correction could not stand because what it corrected
    // was superseded by that same line.
    for s in &superseded {
        assert_eq!(s["superseded_by"], 3, "{s:#}");
    }
    let correction = superseded[1];
    assert_eq!(
        correction["reason"], "the line it corrects, kept as line 4, was superseded by line 3",
        "{correction:#}"
    );
    assert_eq!(superseded[0]["seq"], 4);
}
