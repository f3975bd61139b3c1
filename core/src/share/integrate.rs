//! Integrating one journal with the partnership's copy of it. Pushed lines are
//! never rewritten; lines only this clone holds (never pushed) are re-chained
//! after the partnership's, as git users rebase unpushed commits: each keeps its
//! signed content byte for byte and gets a new `seq`, `prev` and seal, so a line
//! stays signed by the person who made it, whoever syncs (clarification 15). A
//! line of an older format signed its place too: it is signed again, and only by
//! its own signer. Sync writes nothing of its own into the shared record
//! (clarification 17): whether a moved line counts is the fold's to decide, by
//! when it happened (`dispute::Inert`), the same in every clone. This module
//! decides; `sync` holds the locks and writes the result in place.

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
    /// The lines recorded here, moved after the partnership's, that the fold
    /// then left without effect (an escalation of a stage someone had already
    /// left): the person who recorded them must be told at once.
    pub inert: Vec<crate::domain::dispute::Inert>,
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
    check_remote_into(session, id, remote, (received_after, signers), None)
}

/// How many journals' signatures [`check_remotes`] holds to check together.
const REMOTES_AT_ONCE: usize = 1024;

/// [`check_remote`] for each of many journals (the dispute, the partnership's
/// copy, how many of its lines were received before), on every core, each
/// verdict as `check_remote` gives it. A journal's new ed25519 signatures are
/// counted as holding and then checked with the other journals' in full
/// batches (`signing::Later`): most received journals are a few lines, whose
/// own batches would be a handful. A journal any of whose signatures fails is
/// checked again alone, so the line named is exactly the one.
pub(crate) fn check_remotes(
    session: &Session,
    remotes: &[(&DisputeId, &[u8], usize)],
    signers: Option<&crate::integrity::signing::Signers>,
) -> Vec<Result<Vec<crate::integrity::verify::BadLine>>> {
    use crate::integrity::signing::Later;
    use rayon::prelude::*;
    let mut out = Vec::with_capacity(remotes.len());
    for chunk in remotes.chunks(REMOTES_AT_ONCE) {
        let mut checked: Vec<(Result<Vec<_>>, Later)> = chunk
            .par_iter()
            .map(|(id, remote, after)| {
                let mut later = Later::default();
                let bad =
                    check_remote_into(session, id, remote, (*after, signers), Some(&mut later));
                (bad, later)
            })
            .collect();
        let holds = Later::hold(&checked.iter().map(|(_, l)| l).collect::<Vec<_>>());
        checked
            .par_iter_mut()
            .zip(chunk)
            .zip(holds)
            .filter(|(_, holds)| !holds)
            .for_each(|(((bad, _), (id, remote, after)), _)| {
                *bad = check_remote(session, id, remote, (*after, signers));
            });
        out.extend(checked.into_iter().map(|(bad, _)| bad));
    }
    out
}

/// [`check_remote`], with a journal's new ed25519 signatures left in `later`
/// when there are few enough of them to hold (see [`check_remotes`]).
fn check_remote_into(
    session: &Session,
    id: &DisputeId,
    remote: &[u8],
    (received_after, signers): (usize, Option<&crate::integrity::signing::Signers>),
    later: Option<&mut crate::integrity::signing::Later>,
) -> Result<Vec<crate::integrity::verify::BadLine>> {
    use crate::integrity::signing::Later;
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
    // A long run of new lines makes batches of its own.
    let later = later.filter(|_| contents.records.len() - from < Later::FEWER_THAN);
    let mut bad = check.check_all_into(
        &contents.records[from..],
        lines.get(from..).unwrap_or_default(),
        later,
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

/// An event kind as a person would say it.
fn noun(kind: &str) -> &str {
    match kind {
        "discussed" => "discussion",
        "escalated" => "escalation",
        "notified" => "notification",
        "resolved" => "resolution",
        "amended" => "correction",
        "reopened" => "reopening",
        "fact_learned" => "fact learned",
        "field_set" => "field correction",
        "due_agreed" => "agreed date",
        other => other,
    }
}

/// Whether a local line can move after the partnership's with its signed part
/// unchanged: a format-3 line, unless it is a correction naming by number a
/// line that moves too (its target was an unsent line of an older format).
fn movable(r: &Record, renumbered: &[(u64, u64)]) -> bool {
    if r.v
        .is_none_or(|v| v < crate::store::journal::line::CONTENT_SIGNED)
    {
        return false;
    }
    match &r.event {
        Event::Amended {
            event,
            target: None,
            ..
        } => !renumbered.iter().any(|(old, _)| old == event),
        _ => true,
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
    let mut dispute = Dispute::fold(id.clone(), records, p)
        .map_err(|(line, what)| Error::damaged(tmp, line, what))?;
    // Local lines moved so far: (old seq, new seq), for corrections that name
    // an unsent line of an older format by its number.
    let mut renumbered: Vec<(u64, u64)> = Vec::new();
    let mut merge = Merge {
        received,
        ..Merge::default()
    };
    for &(r, raw) in local_extra {
        // A `merged` line from an earlier version's sync whose push failed was
        // sync's own note about lines never pushed. Sync writes no such notes
        // now (clarification 17): the fold orders lines by when they happened.
        if let Event::Merged { .. } = &r.event {
            continue;
        }
        let written = if movable(r, &renumbered) {
            // Re-chained, never re-signed (clarification 15): whoever signed
            // it, this user or a colleague sharing the clone, it stays theirs.
            writer.rechain(raw)?
        } else {
            // A line of an older format signed its place in the journal too, so
            // moving it means signing it again, which only its own signer may do.
            let key = session.keys.signer(&session.actor)?;
            if r.signer.as_deref().is_some_and(|s| s != key.fingerprint()) {
                return Err(Error::refused(format!(
                    "dispute {id}: the {} {} recorded on {} was written by an earlier version of escalate and signed with another person's key ({}); sync cannot move it after the partnership's lines without signing it again, and only they may sign it; nothing was changed",
                    noun(r.event.kind()),
                    r.by,
                    crate::domain::clock::human_instant(&r.at),
                    r.signer.as_deref().unwrap_or_default()
                ))
                .with_hint(Hint::SignerMustSync { by: r.by.clone() }));
            }
            let mut event = r.event.clone();
            if let Event::Amended { event: target, .. } = &mut event {
                if let Some((_, new)) = renumbered.iter().find(|(old, _)| old == target) {
                    *target = *new;
                }
            }
            let author = crate::store::journal::Author {
                by: &r.by,
                key: Some(key),
            };
            writer.append(r.at, r.happened, author, event)?
        };
        renumbered.push((r.seq, written.seq));
        merge.merged_late += 1;
        // Whether the line counts is the fold's to decide, the same in every
        // clone (`dispute::Inert`); a line it cannot take at all would make the
        // shared journal unreadable everywhere, so nothing is sent.
        dispute.extend(std::slice::from_ref(&written), p).map_err(|(_, why)| {
            Error::refused(format!(
                "dispute {id}: the {} {} recorded on {} cannot follow the partnership's lines ({why}); nothing was changed",
                noun(r.event.kind()),
                r.by,
                crate::domain::clock::human_instant(&r.at),
            ))
            .with_hint(Hint::TellKeeperVerifyHistory)
        })?;
    }
    merge.inert = dispute
        .inert
        .iter()
        .filter(|i| renumbered.iter().any(|&(_, new)| new == i.line))
        .cloned()
        .collect();
    Ok(merge)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(v: Option<u32>, event: Event) -> Record {
        let at = crate::domain::clock::parse_instant("2026-11-23T09:00:00Z").unwrap();
        Record {
            v,
            ..Record::new(5, (at, None), "Alex", event)
        }
    }

    fn correction(event: u64, target: Option<&str>) -> Event {
        Event::Amended {
            event,
            target: target.map(str::to_owned),
            note: "n".into(),
            event_happened: None,
        }
    }

    /// Only a format-3 line moves unchanged; a correction naming by number an
    /// unsent line that moves too must be signed again (by its own signer).
    #[test]
    fn which_local_lines_move_without_being_signed_again() {
        let discussed = Event::Discussed {
            stage: 1,
            note: "n".into(),
            with: None,
        };
        assert!(movable(&record(Some(3), discussed.clone()), &[]));
        assert!(!movable(&record(Some(2), discussed.clone()), &[]));
        assert!(!movable(&record(None, discussed), &[]));
        let moved = [(4, 7)];
        assert!(movable(&record(Some(3), correction(4, Some("ab"))), &moved));
        assert!(movable(&record(Some(3), correction(2, None)), &moved));
        assert!(!movable(&record(Some(3), correction(4, None)), &moved));
    }
}
