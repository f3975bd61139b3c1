//! `escalate show`: one dispute, its deadline, what is outstanding, and its timeline.
//! The journal is read twice and never held whole: once to check every line and
//! fold the dispute's state (so damage is found before anything is printed), and
//! again, line by line, as its timeline or its lines are written out.

use std::io::Write;

use clap::Args;

use crate::cli::{Ctx, Output};
use escalate_core::domain::dispute::Dispute;
use escalate_core::domain::event::Record;
use escalate_core::domain::text;
use escalate_core::error::Result;
use escalate_core::store::journal::stream::Stream;

#[derive(Debug, Args)]
pub(crate) struct ShowArgs {
    /// Dispute ID (any unique start of it)
    #[arg(add = clap_complete::engine::ArgValueCompleter::new(crate::cli::complete::dispute_ids))]
    pub id: String,
}

pub(crate) fn run(args: ShowArgs, ctx: &Ctx) -> Result<Output> {
    let s = ctx.session()?;
    let id = s.store.resolve(&args.id)?;
    // The text shows each `amended` line under the line it amends, which comes
    // before it: which lines those are is kept from the first read, and each is
    // read again where it lies when the line it amends is printed.
    let mut amendments: Vec<(u64, usize)> = Vec::new();
    let mut ahead = crate::cli::commands::verify::Ahead::default();
    let (loaded, journal, key) = s.load_streaming_readable(&id, |r| {
        if let Some(event) = crate::render::timeline::amends(r).filter(|_| !ctx.json) {
            amendments.push((event, r.seq as usize));
        }
        ahead.see(r, &s.now);
    })?;
    if let Some(w) = ahead.warning(&s.now) {
        ctx.ui.warn(&format!("dispute {id}: {w}"));
    }
    // In the order they are printed: by the line amended, then as written.
    amendments.sort_unstable();
    for w in &loaded.warnings {
        ctx.ui.warn(&format!("dispute {id}: {w}"));
    }
    crate::cli::commands::warn_uncounted(&ctx.ui, &id, &loaded.dispute.uncounted);
    let calendar = s.calendar_for(&loaded.policy);
    let summary = loaded.summary(&calendar, &s.now);
    let keys = KeyMarks::of(&loaded.dispute, s.store.root());
    // Each line replayed is opened again with the one key unwrapped above.
    let open = move |mut r: Record| {
        if let Some(k) = &key {
            let _ = escalate_core::privacy::open(&mut r, k);
        }
        r
    };
    if ctx.json {
        let head = match serde_json::to_value(&summary) {
            Ok(serde_json::Value::Object(map)) => map,
            _ => serde_json::Map::new(),
        };
        return Ok(streamed(move |out| {
            let lines = Lines {
                dispute: &loaded.dispute,
                journal: &journal,
                keys: &keys,
                open: &open,
            };
            let mut visible = std::io::BufWriter::new(Visible::json(out));
            serde_json::to_writer_pretty(&mut visible, &WithEvents { head, lines })?;
            visible.write_all(b"\n")?;
            visible.flush()
        }));
    }
    // On a terminal, long lines break between words, not where the terminal would.
    let terminal = ctx.ui.stdout_is_terminal();
    let width = ctx.ui.stdout_width().filter(|_| terminal);
    let fit = move |text: String| match width {
        Some(w) if w >= 40 => crate::render::wrap::hanging(&text, w),
        _ => text,
    };
    // A damaged member list is reported by sync and verify; `show` then names
    // lines by their `by` text alone.
    let members = escalate_core::members::load(ctx.root.as_path())
        .ok()
        .flatten();
    let sealed = summary.sealed.then(|| {
        crate::render::timeline::sealed_words(
            &summary,
            &sharers(ctx, &loaded, members.as_ref(), &s.now),
        )
    });
    Ok(streamed(move |out| {
        let policy = &loaded.policy.policy;
        // Piped, each event is one line; on a terminal, text runs on under itself.
        let flat = !terminal;
        let timeline = crate::render::timeline::Timeline::new(&loaded.dispute, policy)
            .flat(flat)
            .members(members.as_ref());
        let mut visible = Visible::text(out);
        visible.write_all(
            fit(crate::render::timeline::header(
                &summary,
                policy,
                flat,
                sealed.as_deref(),
            ))
            .as_bytes(),
        )?;
        for r in journal.replay().map_err(std::io::Error::other)? {
            let r = open(r.map_err(std::io::Error::other)?);
            let first = amendments.partition_point(|&(event, _)| event < r.seq);
            let notes = amendments[first..]
                .iter()
                .take_while(|&&(event, _)| event == r.seq)
                .map(|&(_, seq)| journal.line(seq).map(&open))
                .collect::<Result<Vec<Record>>>()
                .map_err(std::io::Error::other)?;
            let notes: Vec<&Record> = notes.iter().collect();
            visible.write_all(fit(timeline.line(&r, &notes)).as_bytes())?;
            if let Some(mark) = keys.mark(&loaded.dispute, &r) {
                visible.write_all(fit(format!("     {mark}\n")).as_bytes())?;
            }
        }
        visible.write_all(fit(crate::render::timeline::footer(&summary)).as_bytes())
    }))
}

/// The agencies that may read a sealed dispute, by their canonical names, the
/// partnership office last; none in an unshared directory.
pub(crate) fn sharers(
    ctx: &Ctx,
    loaded: &escalate_core::ops::Loaded,
    members: Option<&escalate_core::members::Members>,
    now: &escalate_core::domain::clock::Instant,
) -> Vec<String> {
    let Some(members) = members else {
        return Vec::new();
    };
    let agencies =
        escalate_core::store::agencies::Agencies::read(ctx.root.as_path()).unwrap_or_default();
    let o = &loaded.dispute.opened;
    escalate_core::privacy::recipients::readers_agencies(
        members,
        &agencies,
        (&o.from, &o.with),
        now,
    )
}

/// Whose key a line that does not count for its key was signed by, in words:
/// "signed by a key that is not a member's: SHA256:..." or "signed by a revoked
/// key SHA256:... (laptop stolen, revoked by Pat on ...)". The signers are read
/// only for a dispute that has such a line.
pub(crate) struct KeyMarks {
    revoked: Vec<escalate_core::integrity::signing::Revocation>,
}

impl KeyMarks {
    pub(crate) fn of(d: &Dispute, root: &std::path::Path) -> KeyMarks {
        use escalate_core::domain::dispute::Doubt;
        let revoked = if d.uncounted.iter().any(|u| u.why == Doubt::KeyRevoked) {
            escalate_core::integrity::signing::Signers::load(root)
                .ok()
                .flatten()
                .map(|s| s.revoked)
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        KeyMarks { revoked }
    }

    fn mark(&self, d: &Dispute, r: &Record) -> Option<String> {
        use escalate_core::domain::dispute::Doubt;
        let why = d
            .uncounted
            .binary_search_by_key(&r.seq, |u| u.line)
            .ok()
            .map(|i| d.uncounted[i].why)?;
        let key = r.signer.as_deref()?;
        match why {
            Doubt::KeyNotAllowed => Some(format!("signed by a key that is not a member's: {key}")),
            Doubt::KeyRevoked => Some(match self.revoked.iter().find(|v| v.fingerprint == key) {
                Some(v) => format!("signed by a revoked key {key} ({})", v.words()),
                None => format!("signed by a revoked key {key}"),
            }),
            _ => None,
        }
    }
}

fn streamed(write: impl FnOnce(&mut dyn Write) -> std::io::Result<()> + 'static) -> Output {
    Output::Streamed(std::cell::RefCell::new(Some(Box::new(write))))
}

/// A writer that shows every invisible character escaped, as `Output` does for
/// text it holds whole (`text::visible`, or `text::visible_json` for JSON). Bytes
/// may arrive split inside a character; the split character waits for the rest.
struct Visible<'w> {
    out: &'w mut dyn Write,
    json: bool,
    pending: Vec<u8>,
}

impl<'w> Visible<'w> {
    fn text(out: &'w mut dyn Write) -> Visible<'w> {
        Visible {
            out,
            json: false,
            pending: Vec::new(),
        }
    }

    fn json(out: &'w mut dyn Write) -> Visible<'w> {
        Visible {
            json: true,
            ..Visible::text(out)
        }
    }

    fn write_str(&mut self, s: &str) -> std::io::Result<()> {
        let shown = match self.json {
            true => text::visible_json(s),
            false => text::visible(s),
        };
        self.out.write_all(shown.as_bytes())
    }
}

impl Write for Visible<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.pending.is_empty() {
            if let Ok(s) = std::str::from_utf8(buf) {
                self.write_str(s)?;
                return Ok(buf.len());
            }
        }
        self.pending.extend_from_slice(buf);
        let whole = match std::str::from_utf8(&self.pending) {
            Ok(s) => s.len(),
            Err(e) if e.error_len().is_none() => e.valid_up_to(),
            Err(_) => {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    "the output is not UTF-8 text",
                ))
            }
        };
        let pending = std::mem::take(&mut self.pending);
        let (done, rest) = pending.split_at(whole);
        self.write_str(std::str::from_utf8(done).unwrap_or_default())?;
        self.pending = rest.to_vec();
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if !self.pending.is_empty() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "the output ends inside a character",
            ));
        }
        self.out.flush()
    }
}

/// The summary's fields with `events` (a count there) holding the lines
/// themselves, written straight from the records as they are read again.
pub(crate) struct WithEvents<'a> {
    pub(crate) head: serde_json::Map<String, serde_json::Value>,
    pub(crate) lines: Lines<'a>,
}

impl serde::Serialize for WithEvents<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(self.head.len()))?;
        for (k, v) in &self.head {
            if k == "events" {
                map.serialize_entry(k, &self.lines)?;
            } else {
                map.serialize_entry(k, v)?;
            }
        }
        map.end()
    }
}

/// Each line as written, with `corrected_happened` where a later correction gives
/// it another time.
pub(crate) struct Lines<'a> {
    pub(crate) dispute: &'a Dispute,
    pub(crate) journal: &'a Stream,
    pub(crate) keys: &'a KeyMarks,
    /// Opens a sealed line with the dispute's key, when the user holds it.
    pub(crate) open: &'a dyn Fn(Record) -> Record,
}

impl serde::Serialize for Lines<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::{Error as _, SerializeSeq};
        let times = crate::render::timeline::CorrectedTimes::of(self.dispute);
        let mut seq = s.serialize_seq(Some(self.journal.lines()))?;
        for r in self.journal.replay().map_err(S::Error::custom)? {
            let r = (self.open)(r.map_err(S::Error::custom)?);
            let corrected = times.when_of(&r);
            let uncounted = self
                .dispute
                .uncounted
                .binary_search_by_key(&r.seq, |u| u.line)
                .ok()
                .map(|i| self.dispute.uncounted[i].why);
            let inert = self
                .dispute
                .inert
                .binary_search_by_key(&r.seq, |i| i.line)
                .ok()
                .map(|i| crate::render::timeline::inert_reason(&self.dispute.inert[i]));
            let backdated = self
                .dispute
                .backdated
                .binary_search_by_key(&r.seq, |b| b.line)
                .ok()
                .map(|i| &self.dispute.backdated[i]);
            if corrected == r.when()
                && uncounted.is_none()
                && inert.is_none()
                && backdated.is_none()
            {
                seq.serialize_element(&r)?;
                continue;
            }
            let mut v = serde_json::to_value(&r).map_err(S::Error::custom)?;
            if let Some(obj) = v.as_object_mut() {
                if corrected != r.when() {
                    obj.insert(
                        "corrected_happened".into(),
                        escalate_core::domain::clock::rfc3339::format(&corrected).into(),
                    );
                }
                // Why the line does not count (`Doubt`, snake case).
                if let Some(why) = uncounted {
                    obj.insert(
                        "not_counted".into(),
                        serde_json::to_value(why).map_err(S::Error::custom)?,
                    );
                }
                if let Some(mark) = self.keys.mark(self.dispute, &r) {
                    obj.insert("key_mark".into(), mark.into());
                }
                // Counted, but the policy would not have allowed it when it
                // happened (`Inert`).
                if let Some(reason) = inert {
                    obj.insert("inert".into(), true.into());
                    obj.insert("inert_reason".into(), reason.into());
                }
                // It claims a time before a line of someone else's that was
                // recorded before it (`Backdated`): which line, and why.
                if let Some(b) = backdated {
                    obj.insert("backdated".into(), true.into());
                    obj.insert("backdated_overtook".into(), b.overtook.into());
                    obj.insert(
                        "backdated_reason".into(),
                        crate::render::timeline::backdated_reason(b).into(),
                    );
                }
            }
            seq.serialize_element(&v)?;
        }
        seq.end()
    }
}
