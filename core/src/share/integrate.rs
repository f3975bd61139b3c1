//! Integrating one journal with the partnership's copy of it. Pushed lines are
//! never rewritten; lines only this clone holds (never pushed) may be rebased, as
//! git users rebase unpushed commits: they are re-planned after the partnership's
//! lines under the dispute's own policy and appended again through the journal's
//! normal writer (new seq, prev and seal, and whatever else the writer adds), and
//! marked as merged late. Whether such a line counts is the fold's to decide, by
//! when it happened (`dispute::Inert`), the same in every clone; only a line the
//! fold cannot take at all (or a corrected time of a line that could not stand)
//! becomes a `superseded` line naming what it was, who recorded it and what
//! superseded it. This module decides; `sync` holds the locks and writes the
//! result in place.

use crate::domain::dispute::Dispute;
use crate::domain::event::{Event, Record};
use crate::domain::id::DisputeId;
use crate::error::{Error, Hint, Result};
use crate::ops::Session;
use crate::store::journal;

/// What integrating one journal produced.
#[derive(Debug, Default)]
pub(crate) struct Merge {
    /// The journal's new complete contents, when they differ from the local file.
    pub bytes: Option<Vec<u8>>,
    /// Lines received from the partnership.
    pub received: usize,
    /// Local lines appended again after the partnership's (merged late).
    pub merged_late: usize,
    /// What could not stand, in words, one per superseded line.
    pub superseded: Vec<String>,
}

/// Each line with its `\n`.
fn lines(bytes: &[u8]) -> Vec<&[u8]> {
    bytes.split_inclusive(|&b| b == b'\n').collect()
}

/// Integrate `local` (the complete lines of this clone's journal, read under its
/// lock) with `remote` (the partnership's copy). `pushed` is how many of the local
/// lines are known to be in pushed history; none of them may differ.
pub(crate) fn merge(
    session: &Session,
    id: &DisputeId,
    local: &[u8],
    local_records: &[Record],
    remote: &[u8],
    pushed: usize,
) -> Result<Merge> {
    let path = session.store.journal_path(id);
    let ours = lines(local);
    let theirs = lines(remote);
    let common = ours.iter().zip(&theirs).take_while(|(a, b)| a == b).count();
    if common == theirs.len() {
        return Ok(Merge::default());
    }
    if common == ours.len() {
        return Ok(Merge {
            received: theirs.len() - common,
            bytes: Some(remote.to_vec()),
            ..Merge::default()
        });
    }
    if common < pushed {
        return Err(Error::damaged(
            &path,
            common + 1,
            "this line differs from the copy already shared with the partnership: a pushed line was changed here",
        ));
    }
    let extra: Vec<(&Record, &[u8])> = local_records[common..]
        .iter()
        .zip(&ours[common..])
        .map(|(r, raw)| (r, raw.strip_suffix(b"\n").unwrap_or(raw)))
        .collect();
    rebase(session, id, remote, &extra, theirs.len() - common)
}

/// Refuse the partnership's copy of a journal unless it reads back as escalate
/// wrote it (seals, chain, the dispute's policy), before any of it is written
/// here. Returns the lines after the first `received_after` (the ones received)
/// whose signature fails or whose key `signers` does not allow: they are taken,
/// and count nowhere.
pub(crate) fn check_remote(
    session: &Session,
    id: &DisputeId,
    remote: &[u8],
    (received_after, signers): (usize, Option<&crate::integrity::signing::Signers>),
) -> Result<Vec<crate::integrity::verify::BadLine>> {
    let path = session.store.journal_path(id);
    let damaged = |line: usize, what: String| {
        Error::refused(format!(
            "the partnership's copy of dispute {id} is damaged at line {line}: {what}; no journal was changed here"
        ))
        .with_hint(Hint::TellKeeperVerifyHistory)
    };
    let contents = journal::parse(&path, remote).map_err(|e| match e.damage() {
        Some(d) => damaged(d.line.unwrap_or(1), d.what.clone()),
        None => e,
    })?;
    if contents.torn_tail.is_some() {
        return Err(damaged(
            contents.records.len() + 1,
            "its last line is incomplete".into(),
        ));
    }
    let opened = crate::domain::event::opening(&contents.records)
        .map_err(|(line, what)| damaged(line, what))?;
    let policy = session
        .store
        .pinned_policy(&session.catalogue, &opened.policy_hash)
        .ok_or_else(|| {
            damaged(
                1,
                "the policy it was opened under is not in the repository".into(),
            )
        })?;
    let lines: Vec<&[u8]> = remote
        .split(|&b| b == b'\n')
        .take(contents.records.len())
        .collect();
    // Lines received by an earlier sync were checked then: only the new ones'
    // signatures are checked (the earlier lines still decide how an unsigned
    // new line is judged).
    let from = received_after.min(contents.records.len());
    let mut check = crate::integrity::verify::LineCheck::new(signers);
    check.skip(&contents.records[..from]);
    let mut bad = check.check_all(
        &contents.records[from..],
        lines.get(from..).unwrap_or_default(),
    );
    bad.retain(|b| b.line as usize > received_after);
    Dispute::fold(id.clone(), contents.records, &policy.policy)
        .map(|_| bad)
        .map_err(|(line, what)| damaged(line, what))
}

/// Append the local lines after the partnership's, each re-checked against the
/// dispute as the partnership's lines left it.
fn rebase(
    session: &Session,
    id: &DisputeId,
    remote: &[u8],
    local_extra: &[(&Record, &[u8])],
    received: usize,
) -> Result<Merge> {
    // A scratch journal holding the partnership's lines, with their receipt (they
    // are the shared evidence), for the local lines to be appended after them.
    let mut scratch = session.store.journals().scratch(id, remote)?;
    let result = replan(session, id, &mut *scratch, local_extra, received);
    let bytes = scratch.bytes();
    drop(scratch);
    let mut merge = result?;
    merge.bytes = Some(bytes?);
    Ok(merge)
}

/// The line that decided where the dispute stands after `records`: the last
/// escalation, resolution or reopening, else the last line.
fn superseder(records: &[Record]) -> u64 {
    records
        .iter()
        .rev()
        .find(|r| {
            matches!(
                r.event,
                Event::Escalated { .. } | Event::Resolved { .. } | Event::Reopened { .. }
            )
        })
        .or(records.last())
        .map_or(0, |r| r.seq)
}

/// The superseded local line (old seq, kept as, superseded by) whose time `event`
/// corrects, if it corrects one (its target still carries the old number). A note
/// about such a line still stands: it is about what was recorded.
fn lost_target<'a>(event: &Event, lost: &'a [(u64, u64, u64)]) -> Option<&'a (u64, u64, u64)> {
    match event {
        Event::Amended {
            event: target,
            event_happened: Some(_),
            ..
        } => lost.iter().find(|(old, _, _)| old == target),
        _ => None,
    }
}

/// An event kind as a person would say it.
fn noun(kind: &str) -> &str {
    match kind {
        "discussed" => "discussion",
        "escalated" => "escalation",
        "notified" => "notification",
        "resolved" => "resolution",
        "amended" => "correction",
        "reopened" => "reopening",
        other => other,
    }
}

fn replan(
    session: &Session,
    id: &DisputeId,
    writer: &mut dyn crate::store::repository::Locked,
    local_extra: &[(&Record, &[u8])],
    received: usize,
) -> Result<Merge> {
    let tmp = &session.store.journal_path(id);
    let records = writer.contents().records.clone();
    let opened = crate::domain::event::opening(&records)
        .map_err(|(line, what)| Error::damaged(tmp, line, what))?;
    let policy = session
        .store
        .pinned_policy(&session.catalogue, &opened.policy_hash)
        .ok_or_else(|| {
            Error::refused(format!(
                "dispute {id} uses a policy this computer does not have (hash {})",
                opened.policy_hash
            ))
            .with_hint(Hint::SyncWhenPolicyArrives)
        })?;
    let p = &policy.policy;
    let last_remote = records.len() as u64;
    let mut dispute = Dispute::fold(id.clone(), records, p)
        .map_err(|(line, what)| Error::damaged(tmp, line, what))?;
    let mut renumbered: Vec<(u64, u64)> = Vec::new();
    // Local lines superseded so far: (old seq, new seq, the line that superseded it).
    let mut lost: Vec<(u64, u64, u64)> = Vec::new();
    let mut kept = Vec::new();
    let mut merge = Merge {
        received,
        ..Merge::default()
    };
    for &(r, raw) in local_extra {
        // A `merged` line from an earlier sync whose push failed is sync's own
        // note about lines never pushed: it is written again below, naming them by
        // their new numbers, rather than kept with numbers that no longer hold.
        if let Event::Merged { lines, .. } = &r.event {
            kept.extend(
                lines
                    .iter()
                    .filter_map(|l| renumbered.iter().find(|(old, _)| old == l))
                    .map(|(_, new)| *new),
            );
            kept.sort_unstable();
            kept.dedup();
            continue;
        }
        let mut event = r.event.clone();
        if let Event::Amended { event: target, .. } = &mut event {
            if let Some((_, new)) = renumbered.iter().find(|(old, _)| old == target) {
                *target = *new;
            }
        }
        let trial = Record {
            seq: writer.contents().records.len() as u64 + 1,
            event: event.clone(),
            ..r.clone()
        };
        // What makes a line impossible is where the dispute stands now, lines
        // merged late included, so it is named afresh for every line.
        let mut superseder = superseder(&writer.contents().records);
        let allowed = match lost_target(&r.event, &lost) {
            // A correction of a line that could not stand falls with it, for the
            // same reason and by the same line: not for whatever its corrected
            // time would now contradict.
            Some(&(_, kept, by)) => {
                superseder = by;
                Err(format!(
                    "the line it corrects, kept as line {kept}, was superseded by line {by}"
                ))
            }
            // The fold decides conflicts, the same in every clone (clarification
            // 17): a line that conflicts with what happened before it is kept and
            // is inert there. Only a line the fold cannot take at all is kept as
            // a `superseded` line.
            // With its lines: a corrected time folds the whole journal again,
            // which a copy without them judged as a journal of one line.
            None => dispute.clone().extend(&[trial], p).map_err(|(_, why)| why),
        };
        let was_lost = allowed.is_err();
        let written = match allowed {
            Ok(()) => {
                // A local line is re-signed with the local key (clarification 9):
                // it was this user's, and sync never signs for anyone else.
                let author = crate::store::journal::Author {
                    by: &r.by,
                    key: Some(session.keys.signer(&session.actor)?),
                };
                let w = writer.append(r.at, r.happened, author, event)?;
                kept.push(w.seq);
                merge.merged_late += 1;
                w
            }
            Err(why) => {
                let line = String::from_utf8_lossy(raw).into_owned();
                merge.superseded.push(format!(
                    "dispute {id}: the {} recorded by {} on {} was superseded by line {superseder} ({why}); it is kept as a `superseded` line",
                    noun(r.event.kind()),
                    r.by,
                    crate::domain::clock::human_instant(&r.at)
                ));
                writer.append(
                    session.now,
                    None,
                    session.author()?,
                    Event::Superseded {
                        was: r.event.kind().to_owned(),
                        recorded_by: r.by.clone(),
                        recorded_at: r.at,
                        superseded_by: superseder,
                        reason: why,
                        line,
                    },
                )?
            }
        };
        renumbered.push((r.seq, written.seq));
        if was_lost {
            lost.push((r.seq, written.seq, superseder));
        }
        dispute
            .extend(std::slice::from_ref(&written), p)
            .map_err(|(line, what)| Error::damaged(tmp, line, what))?;
    }
    if !kept.is_empty() {
        writer.append(
            session.now,
            None,
            session.author()?,
            Event::Merged {
                lines: kept,
                after: last_remote,
            },
        )?;
    }
    Ok(merge)
}
