//! Checking journals end to end for `escalate verify`: every line's seal, the `prev`
//! chain and `seq` numbering, the head receipt, the events against the stage rules
//! of the policy the dispute pinned, and that the pinned policy text is known and
//! unchanged. Produces one report per dispute, so one damaged journal never hides
//! the state of the others. Reads only; repairs are left to the next append.

use std::path::Path;

use serde::Serialize;

use crate::domain::event::{Event, Record};
use crate::domain::id::DisputeId;
use crate::error::{Error, ErrorKind};
use crate::integrity::checkpoint::{self, Checkpoint};
use crate::integrity::signing::{self, Signers, Verdict};
use crate::ops::Session;
use crate::store::fsutil;
use crate::store::journal::line;

/// Where a journal failed verification and why.
#[derive(Clone, Debug, Serialize)]
pub struct Problem {
    /// The line number, or `None` when the problem is the file as a whole.
    pub line: Option<usize>,
    pub message: String,
    /// The journal file the problem is in (for a dispute a checkpoint lists
    /// but that is gone, where it should be).
    pub file: String,
}

/// The result of verifying one dispute's journal.
#[derive(Debug, Serialize)]
pub struct Report {
    pub id: String,
    pub ok: bool,
    /// Complete lines read (0 when the journal could not be read).
    pub lines: usize,
    /// SHA-256 of the last complete line: the receipt a manager can note elsewhere.
    pub head: Option<String>,
    pub problem: Option<Problem>,
    /// How many `recovered` lines the journal holds (torn writes moved aside).
    pub recovered: usize,
    /// The aftermath of interrupted commands, which the next append repairs.
    pub warnings: Vec<String>,
    /// How the journal stands against the checkpoint given with `--against`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checkpoint: Option<String>,
    /// Whether any line is signed.
    pub signed: bool,
    /// The failure as an error, for the exit code and the message on stderr.
    #[serde(skip)]
    pub error: Option<Error>,
}

/// Check that the pinned copy of a policy, if there is one, still hashes to its
/// name. A missing copy is a warning when the catalogue still has the text.
fn check_pinned_copy(root: &Path, hash: &str) -> Result<Option<String>, String> {
    let path = crate::store::layout::pinned_policy(root, hash);
    let meta = match std::fs::symlink_metadata(&path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(Some(format!(
                "the pinned copy of its policy (policies/{hash}.toml) is missing; the built-in or user copy with the same hash was used"
            )))
        }
        Err(e) => return Err(format!("the pinned copy of its policy could not be read: {e}")),
    };
    if !meta.file_type().is_file() || meta.len() > crate::store::journal::MAX_JOURNAL_BYTES {
        return Err(format!(
            "the pinned copy of its policy (policies/{hash}.toml) is not a regular file"
        ));
    }
    match fsutil::read_file(&path).map(String::from_utf8) {
        Ok(Ok(text)) if crate::policy::hash_text(&text) == hash => Ok(None),
        Ok(_) => Err(format!(
            "the pinned copy of its policy (policies/{hash}.toml) was changed: its text no longer hashes to its name"
        )),
        Err(e) => Err(format!("the pinned copy of its policy could not be read: {e}")),
    }
}

/// What `verify` checks each journal against besides the journal itself.
#[derive(Debug, Default)]
pub struct Checks {
    /// The signers file (`None`: signers not pinned).
    pub signers: Option<Signers>,
    /// A checkpoint taken earlier (`--against`).
    pub against: Option<Checkpoint>,
}

impl Checks {
    fn entry(&self, id: &DisputeId) -> Option<&checkpoint::Entry> {
        let entries = &self.against.as_ref()?.entries;
        entries
            .binary_search_by(|e| e.id.as_str().cmp(id.as_str()))
            .ok()
            .map(|i| &entries[i])
    }
}

/// Why a line does not count: the words views print after "not counted: ".
pub use crate::domain::dispute::Doubt;

/// A line whose signature fails, whose key is not allowed, or that should be
/// signed and is not. Such a line is kept in the journal and shown, marked, but
/// never counts: no view, figure or deadline is worked out from it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct BadLine {
    /// The line's number (`seq`).
    pub line: u64,
    /// The fingerprint the line names, if it names one.
    pub key: Option<String>,
    pub why: Doubt,
    /// What is wrong, in words (as `verify` prints it).
    pub detail: String,
}

/// Checks a journal's lines in order, one at a time, so a streamed reading (`show`)
/// and a whole one (`verify`, the status cache, `sync`) judge each line alike.
/// The order matters only for unsigned lines: those before the first signed line
/// were written before escalate signed lines and count; one after it does not.
pub(crate) struct LineCheck<'s> {
    signers: Option<&'s Signers>,
    first_signed: Option<u64>,
    unsigned: usize,
    /// The dispute line 1 names (format 2), so a revoked key's line is looked up
    /// in that journal's seen version alone.
    dispute: Option<String>,
}

impl<'s> LineCheck<'s> {
    pub(crate) fn new(signers: Option<&'s Signers>) -> LineCheck<'s> {
        LineCheck {
            signers,
            first_signed: None,
            unsigned: 0,
            dispute: None,
        }
    }

    /// A check that carries on after lines already judged: `state` is what
    /// `state()` gave after them.
    pub(crate) fn resume(
        signers: Option<&'s Signers>,
        state: (Option<u64>, usize),
    ) -> LineCheck<'s> {
        LineCheck {
            signers,
            first_signed: state.0,
            unsigned: state.1,
            dispute: None,
        }
    }

    /// What the judging of later lines depends on: the first signed line, and
    /// how many unsigned lines came before it.
    pub(crate) fn state(&self) -> (Option<u64>, usize) {
        (self.first_signed, self.unsigned)
    }

    /// The next line, its record and its exact bytes (no line end): `None` if it
    /// counts.
    pub(crate) fn check(&mut self, r: &Record, raw: &[u8]) -> Option<BadLine> {
        self.judge(r, raw, |msg, body, signer| {
            signing::check(msg, body, signer).map(drop)
        })
    }

    /// [`check`](Self::check) for the next lines in order, with the same
    /// verdicts, their signatures checked in batches (`signing::check_many`).
    /// `records` and `lines` pair up from their starts.
    pub(crate) fn check_all<L: AsRef<[u8]>>(
        &mut self,
        records: &[Record],
        lines: &[L],
    ) -> Vec<BadLine> {
        self.check_all_into(records, lines, None)
    }

    /// [`check_all`](Self::check_all), with the ed25519 signatures that can be
    /// checked later counted as holding and added to `later`
    /// (`signing::check_many_later`): the verdicts are final only once `later`
    /// holds.
    pub(crate) fn check_all_into<L: AsRef<[u8]>>(
        &mut self,
        records: &[Record],
        lines: &[L],
        later: Option<&mut signing::Later>,
    ) -> Vec<BadLine> {
        let pairs = || records.iter().zip(lines.iter().map(AsRef::as_ref));
        // The lines whose signature `judge` would check, as it would find them.
        let mut items = Vec::new();
        let mut at = Vec::new();
        for (i, (r, raw)) in pairs().enumerate() {
            if let (Some(sig), Some((msg, body))) = (r.sig.as_deref(), line::signed_part(raw)) {
                if body == sig {
                    items.push(signing::ToCheck {
                        msg,
                        body,
                        signer: r.signer.as_deref().unwrap_or_default(),
                    });
                    at.push(i);
                }
            }
        }
        let mut verdicts: Vec<Option<Result<(), String>>> = vec![None; records.len()];
        let checked = match later {
            Some(later) => signing::check_many_later(&items, later),
            None => signing::check_many(&items),
        };
        for (i, v) in at.into_iter().zip(checked) {
            verdicts[i] = Some(v);
        }
        pairs()
            .enumerate()
            .filter_map(|(i, (r, raw))| {
                self.judge(r, raw, |msg, body, signer| match verdicts[i].take() {
                    Some(v) => v,
                    None => signing::check(msg, body, signer).map(drop),
                })
            })
            .collect()
    }

    /// Lines judged before (a journal's lines already received from the
    /// partnership): only what they mean for the verdicts on later lines is taken
    /// (the first signed line, and the unsigned ones before it), and no signature
    /// is checked again.
    pub(crate) fn skip(&mut self, records: &[Record]) {
        for r in records {
            self.judge(r, b"", |_, _, _| Ok(()));
        }
    }

    /// The rules of `check`, with the signature itself checked by `verified`
    /// (the bytes it signs, its `sig`, the fingerprint the line names).
    fn judge(
        &mut self,
        r: &Record,
        raw: &[u8],
        verified: impl FnOnce(&[u8], &str, &str) -> Result<(), String>,
    ) -> Option<BadLine> {
        let bad = |why, detail: String| {
            Some(BadLine {
                line: r.seq,
                key: r.signer.clone(),
                why,
                detail,
            })
        };
        if r.seq == 1 {
            self.dispute.clone_from(&r.dispute);
        }
        let Some(sig) = r.sig.as_deref() else {
            if let Some(m) = self.first_signed {
                return bad(Doubt::NotSigned, format!(
                    "the line is not signed, although line {m} before it is: it was added by hand or by an older escalate"
                ));
            }
            // Format 2 (and line 1's nonce, which only a signing escalate writes)
            // promises a signature: stripping it does not make a journal "old".
            if r.v.is_some() || r.signer.is_some() || r.nonce.is_some() {
                return bad(
                    Doubt::NotSigned,
                    "the line is in the signed format but has no signature".into(),
                );
            }
            self.unsigned += 1;
            return None;
        };
        self.first_signed.get_or_insert(r.seq);
        let signer = r.signer.as_deref().unwrap_or_default();
        let checked = match line::signed_part(raw) {
            Some((msg, body)) if body == sig => verified(msg, body, signer),
            _ => Err("its signature is not where the format puts it".into()),
        };
        if let Err(what) = checked {
            return bad(Doubt::SignatureFails, what);
        }
        if let Some(s) = self.signers {
            if let Some(why) = s.revoked_line(signer, &r.at, Some(sig), self.dispute.as_deref()) {
                return bad(Doubt::KeyRevoked, why);
            }
            if let Verdict::Refused(why) = s.listed(&r.by, signer, &r.at) {
                return bad(Doubt::KeyNotAllowed, why);
            }
        }
        None
    }

    /// What cannot be proven about the lines that counted (unsigned ones).
    pub(crate) fn warnings(&self) -> Vec<String> {
        match (self.unsigned, self.first_signed) {
            (0, _) => Vec::new(),
            (_, None) => vec![
                "unsigned: its lines were written before escalate signed lines, so who wrote them cannot be proven (a checkpoint kept elsewhere can still prove they were not changed since)".into(),
            ],
            (u, Some(_)) => vec![format!(
                "lines 1 to {u} are unsigned (written before escalate signed lines); the lines after them are signed"
            )],
        }
    }
}

/// Every line of a journal that does not count, in line order: `records` and
/// their exact bytes (`lines`, without line ends) from line 1, and the signers
/// file if there is one (without it, any key that signed a line correctly is
/// allowed). `sync` calls this on a fetched journal as it integrates it and names
/// each line it returns; `verify` fails (exit 3) on the first.
pub(crate) fn check_line_signatures<L: AsRef<[u8]>>(
    records: &[Record],
    lines: &[L],
    signers: Option<&Signers>,
) -> Vec<BadLine> {
    let mut bad = LineCheck::new(signers).check_all(records, lines);
    // A line whose bytes were not given cannot be checked, so it does not count.
    bad.extend(records.iter().skip(lines.len()).map(|r| BadLine {
        line: r.seq,
        key: r.signer.clone(),
        why: Doubt::SignatureFails,
        detail: "its bytes were not given to be checked".into(),
    }));
    bad
}

/// A journal read a line at a time and judged as `verify` judges it (each
/// signature checked once, in batches), holding only what the fold needs of each
/// line: its contents and every line that does not count, in line order.
/// `status --no-cache` reads through this, so a long journal is never held whole.
pub(crate) fn read_judged(
    journals: &dyn crate::store::repository::Repository,
    id: &DisputeId,
    signers: Option<&Signers>,
) -> crate::error::Result<(crate::store::journal::Contents, Vec<BadLine>)> {
    let (contents, lines) = stream_judged(journals, id, signers, None, false)?;
    Ok((contents, lines.bad))
}

/// Dispute `id`'s journal streamed through `Streamed` (each signature checked
/// once, in batches, only what the fold needs of each line kept): the contents,
/// and the judgement of every line. `read_judged` and `verify` both read this way.
/// With `later`, a short journal's ed25519 signatures are left in
/// `Streamed::later` to be checked with other journals' (see `verify_many`).
fn stream_judged<'s>(
    journals: &dyn crate::store::repository::Repository,
    id: &DisputeId,
    signers: Option<&'s Signers>,
    checkpoint_lines: Option<u64>,
    later: bool,
) -> crate::error::Result<(crate::store::journal::Contents, Streamed<'s>)> {
    let mut lines = Streamed::new(signers, checkpoint_lines);
    lines.later = later.then(signing::Later::default);
    let stream = journals.stream(id, &mut |r, raw| lines.line(r, raw))?;
    lines.flush();
    let kept = std::mem::take(&mut lines.kept);
    Ok((stream.into_contents(kept), lines))
}

/// Group- or world-accessible places a record about a child should not be.
fn permission_warnings(root: &Path, journal: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for (path, what) in [
        (root.to_owned(), "the data directory"),
        (
            crate::store::layout::disputes(root),
            "the disputes directory",
        ),
        (journal.to_owned(), "the journal"),
    ] {
        if let Some(mode) = std::fs::symlink_metadata(&path)
            .ok()
            .and_then(|m| fsutil::loose_mode(&m))
        {
            out.push(format!(
                "{what} {} can be read or changed by other users (mode {mode:o}); the next change to this dispute makes it private",
                path.display()
            ));
        }
    }
    out
}

/// Findings an earlier append recorded in the journal (a receipt that disagreed
/// with no crash to explain it): history a reader should know, not damage.
fn recorded_findings(records: &[Record]) -> Vec<String> {
    records
        .iter()
        .filter(
            |r| matches!(&r.event, Event::ReceiptRepaired { evidence, .. } if evidence == "none"),
        )
        .map(|r| {
            format!(
                "line {} records: {}",
                r.seq,
                crate::store::journal::receipt_phrase(&r.event)
            )
        })
        .collect()
}

/// How many lines `verify` holds before their signatures are checked together:
/// two batches (`signing::BATCH`, 256), so a long journal's batches go to
/// every core.
const CHUNK: usize = 512;

/// `verify`'s reading of one journal, a line at a time.
struct Streamed<'s> {
    check: LineCheck<'s>,
    /// Every line that does not count, in line order.
    bad: Vec<BadLine>,
    /// What the fold and the report need of each line checked so far: not its
    /// signature, seal or signer, which are checked and then dropped, nor its
    /// `prev`, except the one a checkpoint compares.
    kept: Vec<Record>,
    /// Lines read but not yet checked, with their exact bytes.
    pending: Vec<(Record, Vec<u8>)>,
    /// The checkpoint's line count, whose next line's `prev` is kept.
    checkpoint_lines: Option<u64>,
    text_warnings: Vec<String>,
    signed: bool,
    /// Signatures counted as holding, still to be checked (`stream_judged`):
    /// only for a short journal, so what waits stays small.
    later: Option<signing::Later>,
}

impl<'s> Streamed<'s> {
    fn new(signers: Option<&'s Signers>, checkpoint_lines: Option<u64>) -> Streamed<'s> {
        Streamed {
            check: LineCheck::new(signers),
            bad: Vec::new(),
            kept: Vec::new(),
            pending: Vec::with_capacity(CHUNK),
            checkpoint_lines,
            text_warnings: Vec::new(),
            signed: false,
            later: None,
        }
    }

    fn line(&mut self, r: &Record, raw: &[u8]) {
        self.signed |= r.sig.is_some();
        self.text_warnings.extend(text_warning(r.seq, raw));
        self.pending.push((r.clone(), raw.to_vec()));
        if self.pending.len() == signing::Later::FEWER_THAN {
            // A longer journal makes batches of its own, checked as it is read:
            // what waits for later stays small.
            self.later = None;
        }
        if self.pending.len() == CHUNK {
            self.flush();
        }
    }

    /// Check the pending lines' signatures together, and keep what is kept.
    fn flush(&mut self) {
        let (records, lines): (Vec<Record>, Vec<Vec<u8>>) = self.pending.drain(..).unzip();
        self.bad.extend(
            self.check
                .check_all_into(&records, &lines, self.later.as_mut()),
        );
        self.kept.extend(records.into_iter().map(|mut r| {
            r.sig = None;
            r.signer = None;
            r.hash = String::new();
            if Some(r.seq) != self.checkpoint_lines.map(|n| n + 1) {
                r.prev = String::new();
            }
            r
        }));
    }
}

/// A line whose text holds a character escalate refuses at input (a control
/// character other than a line break or tab, or a bidi control): a line written by
/// hand, by another program or by a partner's tampered escalate. Not damage (the
/// line reads back as it was written, and its signature may hold), but worth a
/// person's look: every output shows such text escaped, never as terminal
/// controls. A warning per line.
fn text_warning(seq: u64, raw: &[u8]) -> Option<String> {
    if !may_hold_refused_text(raw) {
        return None;
    }
    let value: serde_json::Value = serde_json::from_slice(raw).ok()?;
    let c = first_refused_in(&value)?;
    Some(format!(
        "line {seq} holds a control character (U+{:04X}) in its text, which escalate refuses when text is typed: the line was written by other means; it is shown escaped",
        c as u32
    ))
}

/// A cheap look at a line's bytes: false when no string in it can hold a refused
/// character, so the rare suspect line alone is parsed again. In JSON such a
/// character is an escape (`\u001b`, `\r`, `\b`, `\f`), DEL as it is, or a C1 or
/// bidi control in UTF-8.
fn may_hold_refused_text(raw: &[u8]) -> bool {
    raw.windows(2).any(|w| {
        matches!(
            w,
            [b'\\', b'u' | b'r' | b'b' | b'f'] | [0x7F, _] | [_, 0x7F] | [0xC2, 0x80..=0x9F]
        )
    }) || raw
        .windows(3)
        .any(|w| matches!(w, [0xE2, 0x80, 0xAA..=0xAE] | [0xE2, 0x81, 0xA6..=0xA9]))
}

fn first_refused_in(v: &serde_json::Value) -> Option<char> {
    match v {
        serde_json::Value::String(s) => crate::domain::text::first_refused(s),
        serde_json::Value::Array(items) => items.iter().find_map(first_refused_in),
        serde_json::Value::Object(map) => map.iter().find_map(|(k, v)| {
            crate::domain::text::first_refused(k).or_else(|| first_refused_in(v))
        }),
        _ => None,
    }
}

/// Verify one dispute's journal, also handing back the dispute as loaded from
/// it (if it could be), so one reading serves both the check and the cache.
pub fn verify_loaded(
    session: &Session,
    id: &DisputeId,
    checks: &Checks,
) -> (Report, Option<crate::ops::Loaded>) {
    let (report, loaded, _) = verify_judging(session, id, checks, false);
    (report, loaded)
}

/// [`verify_loaded`] for many disputes at once (a batch of a directory's), on
/// every core, each result as `verify_loaded` would give it, in the order of
/// `ids`. Most journals are a few lines: checked one journal at a time, their
/// signatures would make batches of a handful, where the batch check gains
/// little. Here each short journal is judged with its ed25519 signatures
/// counted as holding, then all of them are checked together in full batches;
/// a journal any of whose signatures fails is judged again alone, so its
/// damaged line is named exactly as `verify_loaded` names it.
pub fn verify_many(
    session: &Session,
    ids: &[DisputeId],
    checks: &Checks,
) -> Vec<(Report, Option<crate::ops::Loaded>)> {
    use rayon::prelude::*;
    let mut judged: Vec<_> = ids
        .par_iter()
        .map(|id| verify_judging(session, id, checks, true))
        .collect();
    let waiting: Vec<&signing::Later> = judged
        .iter()
        .map(|(_, _, later)| later.as_ref())
        .map(|later| later.unwrap_or(&NOTHING_LATER))
        .collect();
    let holds = signing::Later::hold(&waiting);
    judged
        .par_iter_mut()
        .zip(ids)
        .zip(holds)
        .filter(|(_, holds)| !holds)
        .for_each(|((judged, id), _)| *judged = verify_judging(session, id, checks, false));
    judged
        .into_iter()
        .map(|(report, loaded, _)| (report, loaded))
        .collect()
}

/// No signature waiting.
static NOTHING_LATER: signing::Later = signing::Later::NONE;

/// [`verify_loaded`], with a short journal's ed25519 signatures counted as
/// holding and handed back to be checked (`later`, see [`verify_many`]).
fn verify_judging(
    session: &Session,
    id: &DisputeId,
    checks: &Checks,
    later: bool,
) -> (Report, Option<crate::ops::Loaded>, Option<signing::Later>) {
    let path = session.store.journal_path(id);
    let mut report = Report {
        id: id.to_string(),
        ok: false,
        lines: 0,
        head: None,
        problem: None,
        recovered: 0,
        warnings: Vec::new(),
        checkpoint: None,
        signed: false,
        error: None,
    };
    // Streamed: a line at a time, its signature checked with the next few
    // hundred in batches, so a long journal is never held whole (only what the
    // fold needs of each line is kept).
    let read = stream_judged(
        session.store.journals(),
        id,
        checks.signers.as_ref(),
        checks.entry(id).map(|e| e.lines),
        later,
    );
    let (contents, lines) = match read {
        Ok(read) => read,
        Err(e) => {
            fail(&mut report, &path, e);
            return (report, None, None);
        }
    };
    let Streamed {
        check,
        bad,
        text_warnings,
        signed,
        later,
        ..
    } = lines;
    let mut suspect = contents.suspect_receipt();
    let mut pulled_by_hand = None;
    // Lines past the receipt that are exactly a version the partnership's
    // history holds came with a hand `git pull`: not damage, and sync takes them in.
    if suspect.is_some()
        && matches!(
            contents.standing,
            crate::store::journal::head::Standing::Behind(_)
        )
        && std::fs::read(&path).is_ok_and(|bytes| {
            crate::share::handgit::explained_by_history(session.store.root(), id, &bytes)
        })
    {
        pulled_by_hand = suspect.take();
    }
    // A journal rewritten since a checkpoint may also fail to load (its opening
    // re-signed by a key not allowed): the checkpoint's finding says more.
    let rewritten = checks
        .entry(id)
        .and_then(|e| checkpoint::compare(e, &contents.records, &contents.head).err());
    // Each signature is checked once: the same verdicts decide which lines the
    // fold counts and what this report says.
    let loaded = match session.load_judged(id.clone(), contents, &bad) {
        Ok(l) => l,
        Err(e) => {
            let e = match rewritten {
                Some((line, what)) => Error::damaged(&path, line, what),
                None => e,
            };
            fail(&mut report, &path, e);
            return (report, None, later);
        }
    };
    let records = &loaded.dispute.records;
    report.lines = records.len();
    report.head = Some(loaded.head.clone());
    report.recovered = records
        .iter()
        .filter(|r| matches!(r.event, Event::Recovered { .. }))
        .count();
    report.warnings = loaded.warnings.clone();
    if let Some(finding) = pulled_by_hand {
        report.warnings.retain(|w| *w != finding);
        report
            .warnings
            .push(crate::share::handgit::PULLED_BY_HAND.into());
    }
    report.warnings.extend(recorded_findings(records));
    report.warnings.extend(text_warnings);
    report
        .warnings
        .extend(permission_warnings(session.store.root(), &path));
    let signature_problem = bad.first().map(|b| (b.line as usize, b.detail.clone()));
    if signature_problem.is_none() {
        report.warnings.extend(check.warnings());
    }
    report.signed = signed;
    let checkpoint_problem = match checks.entry(id) {
        Some(entry) => match checkpoint::compare(entry, records, &loaded.head) {
            Ok(added) => {
                report.checkpoint = Some(format!(
                    "extends the checkpoint: {} lines then, {added} added since",
                    entry.lines
                ));
                None
            }
            Err(p) => Some(p),
        },
        None if checks.against.is_some() => {
            report.checkpoint = Some("new since the checkpoint".into());
            None
        }
        None => None,
    };
    let pinned = check_pinned_copy(session.store.root(), &loaded.dispute.opened.policy_hash);
    let problem = match pinned {
        Err(what) => Some((1, what)),
        Ok(warning) => {
            report.warnings.extend(warning);
            checkpoint_problem
                .or(signature_problem)
                .or_else(|| suspect.map(|what| (records.len(), what)))
        }
    };
    match problem {
        Some((line, what)) => fail(&mut report, &path, Error::damaged(&path, line, what)),
        None => report.ok = true,
    }
    (report, Some(loaded), later)
}

/// A dispute a checkpoint lists whose journal is gone.
pub fn missing(session: &Session, entry: &checkpoint::Entry) -> Report {
    let path = crate::store::layout::journal(session.store.root(), &entry.id);
    let what = format!(
        "the checkpoint lists it with {} lines (head {}), but its journal is gone: it was deleted or moved",
        entry.lines, entry.head
    );
    let mut report = Report {
        id: entry.id.clone(),
        ok: false,
        lines: 0,
        head: None,
        problem: None,
        recovered: 0,
        warnings: Vec::new(),
        checkpoint: Some("missing".into()),
        signed: false,
        error: None,
    };
    fail(&mut report, &path, Error::damaged_journal(&path, what));
    report
}

/// Record why a journal failed. A journal from a newer escalate is not damage:
/// it stays a refusal (exit 1) saying what to install.
fn fail(report: &mut Report, path: &Path, e: Error) {
    let e = match e {
        e if matches!(e.kind(), ErrorKind::Damaged | ErrorKind::Refused) => e,
        // Whatever stops a journal being read stops it being verified.
        other => Error::damaged_journal(path, format!("it could not be checked: {other}")),
    };
    report.problem = Some(match e.damage() {
        Some(d) => Problem {
            line: d.line,
            message: d.what.clone(),
            file: path.display().to_string(),
        },
        None => Problem {
            line: None,
            message: e.to_string(),
            file: path.display().to_string(),
        },
    });
    report.ok = false;
    report.error = Some(e);
}

/// What `verify` says about the data directory's agency list: each name or
/// alias holding a character input refuses (the list is shared and may be
/// written by hand).
pub fn agency_warnings(root: &Path) -> Vec<String> {
    match crate::store::agencies::Agencies::read(root) {
        Ok(list) => list.suspect_names(),
        // A list that cannot be read is reported by the commands that use it.
        Err(_) => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::testing::{line as record, opened};
    use crate::integrity::signing::{signers_line, Key};

    /// Signed lines 1 to `n` (an opening, then discussions), chained: each
    /// record with its exact bytes.
    fn journal(keys: &[&Key]) -> (Vec<Record>, Vec<String>) {
        let (mut records, mut lines) = (Vec::new(), Vec::<String>::new());
        for (i, key) in keys.iter().enumerate() {
            let event = match i {
                0 => Event::Opened(opened(1)),
                _ => Event::Discussed {
                    stage: 1,
                    note: format!("talk {i}"),
                    with: None,
                },
            };
            let mut r = record(i as u64 + 1, "2026-11-30 09:00", event);
            r.prev = lines
                .last()
                .map(|l| line::sha256_hex(l.as_bytes()))
                .unwrap_or_default();
            r.dispute = Some("AAAAAAAAAA".into());
            lines.push(line::encode_signed(&mut r, key).unwrap());
            records.push(r);
        }
        (records, lines)
    }

    #[test]
    fn fetched_lines_are_named_with_their_key_and_why() {
        let (own, other) = (Key::from_seed(&[1; 32], "o"), Key::from_seed(&[2; 32], "x"));
        let at = crate::domain::clock::parse_instant("2026-01-01T00:00:00Z").unwrap();
        let signers = Signers::parse(&signers_line("t", &own, &at, None)).unwrap();
        let (records, mut lines) = journal(&[&own, &own, &other, &own]);
        assert!(check_line_signatures(&records, &lines, None).is_empty());
        // Line 2 changed after it was signed.
        lines[1] = lines[1].replace("talk 1", "talk 9");
        let bad = check_line_signatures(&records, &lines, Some(&signers));
        let found: Vec<(u64, Doubt)> = bad.iter().map(|b| (b.line, b.why)).collect();
        assert_eq!(
            found,
            [(2, Doubt::SignatureFails), (3, Doubt::KeyNotAllowed)]
        );
        assert_eq!(bad[1].key.as_deref(), Some(other.fingerprint()));
        assert!(bad[1].detail.contains("does not list"), "{}", bad[1].detail);
        // Without a signers file any key that signed correctly is allowed.
        let found: Vec<u64> = check_line_signatures(&records, &lines, None)
            .iter()
            .map(|b| b.line)
            .collect();
        assert_eq!(found, [2]);
        // A line whose bytes were not given does not count.
        let bad = check_line_signatures(&records, &lines[..3], None);
        assert_eq!(
            bad.last().map(|b| (b.line, b.why)),
            Some((4, Doubt::SignatureFails))
        );
    }

    #[test]
    fn an_unsigned_line_after_a_signed_one_does_not_count() {
        let own = Key::from_seed(&[1; 32], "o");
        let (mut records, mut lines) = journal(&[&own, &own]);
        let mut r = record(3, "2026-11-30 10:00", Event::Opened(opened(1)));
        r.event = Event::Discussed {
            stage: 1,
            note: "n".into(),
            with: None,
        };
        r.prev = line::sha256_hex(lines[1].as_bytes());
        lines.push(line::encode(&r).unwrap());
        records.push(r);
        let bad = check_line_signatures(&records, &lines, None);
        assert_eq!(bad.len(), 1);
        assert_eq!((bad[0].line, bad[0].why), (3, Doubt::NotSigned));
    }
}
