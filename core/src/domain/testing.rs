//! Disputes for the domain's unit tests: journal lines and openings built in
//! one place.

use crate::domain::clock;
use crate::domain::event::{Event, Opened, Record};

/// Line `seq`, recorded at `when` (London time, "YYYY-MM-DD HH:MM"), unsealed.
pub(crate) fn line(seq: u64, when: &str, event: Event) -> Record {
    Record::new(seq, (clock::parse_instant(when).unwrap(), None), "t", event)
}

/// A gscb dispute's opening at `stage`, between a school and social care.
pub(crate) fn opened(stage: u32) -> Opened {
    Opened {
        fields: Default::default(),
        policy: "gscb".into(),
        policy_hash: String::new(),
        child: "C1".into(),
        from: "School".into(),
        with: "Social care".into(),
        summary: "s".into(),
        category: None,
        cp_plan: false,
        looked_after: false,
        immediate_harm: false,
        stage,
        due: None,
        arose: None,
        start_reason: None,
        due_reason: None,
        subject_kind: None,
        opened_as: None,
        seal_to: None,
    }
}
