//! What a journal line says: the envelope every line carries (`seq`, `at`, `by`,
//! `prev`, `hash`) and the kinds of event with their own fields. The line format is
//! specified in docs/journal-format.md; changing a field name here breaks every
//! journal already written, so fields are only ever added, as optional.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::domain::clock::Instant;

/// One journal line as read back.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// The line format: absent on lines written before signing (format 1), 2 on
    /// lines signed over their bytes up to the signature, place included, 3 on
    /// lines signed over their content only (docs/journal-format.md). A reader
    /// refuses a version newer than it knows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub v: Option<u32>,
    pub seq: u64,
    /// When the line was recorded.
    #[serde(with = "crate::domain::clock::rfc3339")]
    pub at: Instant,
    /// When the event happened, if the user said it was earlier (`--at`).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::domain::clock::rfc3339::option"
    )]
    pub happened: Option<Instant>,
    pub by: String,
    #[serde(flatten)]
    pub event: Event,
    /// Format 4, a sealed dispute's line: its personal text (the members
    /// `privacy::TEXT_FIELDS` names for its kind), as the base64 of an age file
    /// encrypted to the dispute's own key (`Opened::seal_to`). Those members are
    /// then absent from the line. It sits inside the signed part, so the chain and
    /// signatures cover what is stored and `verify` needs no keys.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealed: Option<String>,
    /// SHA-256 of the previous line's bytes; empty on line 1.
    pub prev: String,
    /// Line 1 of a journal created since format 2, and every format-3 line: the
    /// dispute ID it belongs to, so a journal copied or moved under another ID's
    /// file name, or a line copied from another journal, is detected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dispute: Option<String>,
    /// Line 1 since format 2, and every format-3 line: random bytes (hex), so two
    /// lines with the same content never sign alike, a line copied again within
    /// a journal is detected, and a correction can name its target by it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    /// The OpenSSH fingerprint (`SHA256:...`) of the key that signed the line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signer: Option<String>,
    /// The signature over the line's bytes before `,"sig":"`: the base64 body of
    /// an OpenSSH `SSH SIGNATURE` (namespace `escalate-journal`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sig: Option<String>,
    /// SHA-256 of this line's bytes before `,"hash":`.
    #[serde(default)]
    pub hash: String,
}

/// The `opened` event every journal starts with, or why the lines are not a
/// journal: `(line, what)`, for the caller to name the file.
pub(crate) fn opening(records: &[Record]) -> Result<&Opened, (usize, String)> {
    match records.first().map(|r| &r.event) {
        None => Err((1, "the journal has no lines".to_owned())),
        Some(Event::Opened(opened)) => Ok(opened),
        Some(_) => Err((1, "the first line is not `opened`".to_owned())),
    }
}

impl Record {
    /// Line `seq` before it is chained, signed and sealed: the writer fills in
    /// `prev`, the first line's `dispute` and `nonce`, the signature and the seal.
    pub fn new(
        seq: u64,
        (at, happened): (Instant, Option<Instant>),
        by: impl Into<String>,
        event: Event,
    ) -> Record {
        Record {
            v: None,
            seq,
            at,
            happened,
            by: by.into(),
            event,
            sealed: None,
            prev: String::new(),
            dispute: None,
            nonce: None,
            signer: None,
            sig: None,
            hash: String::new(),
        }
    }

    /// When the event happened: `happened` if given, else when it was recorded.
    pub fn when(&self) -> Instant {
        self.happened.unwrap_or(self.at)
    }
}

/// The first line of every journal.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Opened {
    pub policy: String,
    /// SHA-256 of the exact policy text in force when the dispute was opened.
    pub policy_hash: String,
    /// The child's reference in the user's own system (never a name). Empty on
    /// a sealed line until it is opened.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub child: String,
    /// The agency raising the disagreement.
    pub from: String,
    /// The agency whose decision is challenged.
    pub with: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub summary: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    #[serde(default)]
    pub cp_plan: bool,
    #[serde(default)]
    pub looked_after: bool,
    #[serde(default)]
    pub immediate_harm: bool,
    /// Stage the dispute starts at (1 unless the policy lets urgent cases start later).
    pub stage: u32,
    /// A user's earlier deadline for the first stage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<NaiveDate>,
    /// When the disagreement arose, if earlier than the dispute was opened.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::domain::clock::rfc3339::option"
    )]
    pub arose: Option<Instant>,
    /// Why an urgent dispute starts past stage 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_reason: Option<String>,
    /// Why `due` is a date the parties agreed, later than the policy's own
    /// (`open --due-reason`); `due` is then that agreed date, not an earlier one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_reason: Option<String>,
    /// Whom `child` refers to when the policy covers adults too: "child" or
    /// "adult". Left out, a child.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject_kind: Option<String>,
    /// The named role that opened the dispute past stage 1 (a policy bypass).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opened_as: Option<String>,
    /// Format 4: the dispute's own public key (an age X25519 recipient,
    /// `age1...`). Every later line's personal text is sealed to it, by whoever
    /// records it; only holders of its wrapped private key can read them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seal_to: Option<String>,
    /// Values of the fields the policy defines (`open --field ID=VALUE`), by
    /// field ID. Left out when none were given, so older journals read as before.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub fields: std::collections::BTreeMap<String, String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
// One `opened` per journal: boxing it would buy nothing but indirection everywhere.
#[allow(clippy::large_enum_variant)]
pub enum Event {
    Opened(Opened),
    Discussed {
        stage: u32,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        note: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        with: Option<String>,
    },
    Escalated {
        from_stage: u32,
        to_stage: u32,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        reason: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        due: Option<NaiveDate>,
        /// The named role that took the dispute past intermediate stages.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        bypass_role: Option<String>,
    },
    Notified {
        #[serde(default, skip_serializing_if = "String::is_empty")]
        who: String,
        /// The policy obligation this meets, if it meets one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        obligation: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    Resolved {
        stage: u32,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        outcome: String,
    },
    Amended {
        /// The line corrected, by number. A format-3 line that names its target
        /// by `target` leaves it out on disk; reading fills it in from `target`.
        #[serde(default)]
        event: u64,
        /// Format 3: the nonce of the line corrected, which stays the same when
        /// sync re-chains lines (their numbers do not). Absent when the target
        /// has no nonce (a line of an older format).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        target: Option<String>,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        note: String,
        /// When the amended event really happened (`amend --happened`). The line
        /// it corrects is never changed; every view, deadline and report uses this
        /// time instead of the line's own.
        #[serde(
            default,
            skip_serializing_if = "Option::is_none",
            with = "crate::domain::clock::rfc3339::option"
        )]
        event_happened: Option<Instant>,
    },
    /// A fact about the child learned after opening (`amend --fact`): one of the
    /// policy conditions `cp-plan`, `looked-after`, `immediate-harm`. It applies
    /// from this line on; earlier lines keep the facts they were recorded under.
    FactLearned {
        fact: String,
        value: bool,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        note: String,
    },
    Reopened {
        #[serde(default, skip_serializing_if = "String::is_empty")]
        reason: String,
    },
    /// A policy-defined field's value corrected (`amend --field ID=VALUE`): it
    /// replaces the value given at opening (or by an earlier correction) from
    /// this line on, in every view and report. A note about the record, not
    /// something that happened in the dispute.
    FieldSet {
        field: String,
        value: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        note: String,
    },
    /// A torn last line (a crash mid-write) was moved aside before this append.
    Recovered {
        quarantine: String,
        sha256: String,
        bytes: u64,
    },
    /// A line recorded offline in a shared directory that the partnership's lines,
    /// synced first, made impossible (a second escalation from the same stage, an
    /// event after the dispute was resolved). It is kept, not dropped: this names
    /// what it was, who recorded it and which line superseded it.
    Superseded {
        /// The kind of the event that could not stand.
        was: String,
        recorded_by: String,
        #[serde(with = "crate::domain::clock::rfc3339")]
        recorded_at: Instant,
        /// The `seq` of the partnership's line that made it impossible.
        superseded_by: u64,
        /// Why the dispute's policy no longer allows it.
        reason: String,
        /// The original line, exactly as it was written locally.
        line: String,
    },
    /// Lines recorded offline in a shared directory, still valid, appended after
    /// the partnership's lines that were synced first ("merged late").
    Merged {
        /// The `seq` of each line merged late.
        lines: Vec<u64>,
        /// The last of the partnership's lines they were merged after.
        after: u64,
    },
    /// Before this append the head receipt did not name the last line: it was
    /// `missing`, `empty` or `behind`. Recorded so that rewriting the receipt never
    /// erases the evidence that it disagreed with the journal.
    ReceiptRepaired {
        found: String,
        /// The line the receipt named, when it named one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        named: Option<u64>,
        /// How many complete lines the journal had.
        lines: u64,
        /// What showed a crash: `interrupted write` (the temporary receipt was
        /// left behind), `torn write`, or `none` (lines may have been removed).
        evidence: String,
    },
    /// A sealed dispute's text made unreadable for everyone (`escalate erase`,
    /// `retention apply`): every wrapped copy of its key is destroyed, in this
    /// clone now and in every other at its next sync. The line itself says only
    /// why, in clear: it is about the record, not the child.
    Erased {
        reason: String,
        /// `retention` when the partnership's retention period ended it (then
        /// `period` is that setting as written); absent for an erasure asked for
        /// on its own (a person's request).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        under: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        period: Option<String>,
    },
    /// The parties agreed a later date for the current stage, as the policy
    /// allows (`escalate agree`).
    DueAgreed {
        stage: u32,
        due: NaiveDate,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        note: String,
    },
}

impl Event {
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Event::Opened(_) => "opened",
            Event::Discussed { .. } => "discussed",
            Event::Escalated { .. } => "escalated",
            Event::Notified { .. } => "notified",
            Event::Resolved { .. } => "resolved",
            Event::Amended { .. } => "amended",
            Event::FactLearned { .. } => "fact_learned",
            Event::Reopened { .. } => "reopened",
            Event::FieldSet { .. } => "field_set",
            Event::Recovered { .. } => "recovered",
            Event::Superseded { .. } => "superseded",
            Event::Merged { .. } => "merged",
            Event::ReceiptRepaired { .. } => "receipt_repaired",
            Event::DueAgreed { .. } => "due_agreed",
            Event::Erased { .. } => "erased",
        }
    }

    /// Whether the line records something that happened in the dispute (and so
    /// has a place in its order of events), rather than a note about the record
    /// itself (a correction, a recovered write).
    pub(crate) fn is_happening(&self) -> bool {
        !matches!(
            self,
            Event::Amended { .. }
                | Event::Recovered { .. }
                | Event::ReceiptRepaired { .. }
                | Event::FieldSet { .. }
                | Event::Erased { .. }
        )
    }
}
