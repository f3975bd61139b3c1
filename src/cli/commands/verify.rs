//! `escalate verify`: check journals end to end (seals, chain, numbering, head
//! receipt, stage rules, pinned policy) and print each one's head hash as a receipt.
//! Exit 0 when every journal checked is sound (warnings about interrupted commands
//! go to stderr), 3 when any is not; the others are still reported.

use std::io::Write;

use clap::Args;

use crate::cli::{Ctx, Output};
use std::path::PathBuf;

use escalate_core::domain::id::DisputeId;
// Written straight to standard output, not through `Output`: shown the same way.
use escalate_core::domain::text::visible;
use escalate_core::error::{ErrorKind, Result};
use escalate_core::integrity::checkpoint;
use escalate_core::integrity::signing::Signers;
use escalate_core::integrity::verify::{missing, verify_many, Checks, Report};

#[derive(Debug, Args)]
pub(crate) struct VerifyArgs {
    /// Dispute IDs (any unique start of each) [default: every dispute]
    #[arg(add = clap_complete::engine::ArgValueCompleter::new(crate::cli::complete::dispute_ids))]
    pub ids: Vec<String>,
    /// Also write a checkpoint to FILE (a new file): each dispute's number of lines and head hash, and one root hash over them. Keep it somewhere else.
    #[arg(long, value_name = "FILE")]
    pub checkpoint: Option<PathBuf>,
    /// Check that every dispute in the checkpoint FILE still exists and extends exactly what it recorded, and list what is new
    #[arg(long, value_name = "FILE")]
    pub against: Option<PathBuf>,
    /// With --against: the checkpoint's root as kept elsewhere (a board paper, an e-mail), all 64 hex digits; a checkpoint file whose root differs is refused (exit 3)
    #[arg(long, value_name = "HASH", requires = "against")]
    pub root: Option<String>,
    /// In a shared directory: check the repository's history instead, proving every
    /// commit only appended lines to journals
    #[arg(long, conflicts_with_all = ["ids", "checkpoint", "against", "root"])]
    pub history: bool,
}

/// `verify --history`: one line per breach and per witness the history does not
/// honour, each naming the commit and the file; exit 3 if any.
fn history(ctx: &Ctx) -> Result<Output> {
    use escalate_core::error::Error;
    use escalate_core::store::layout;
    let h = escalate_core::share::history::check(ctx.root.as_path())?;
    let short = |c: &str| c[..c.len().min(12)].to_owned();
    let rewritten = h.rewritten.as_ref().map(|c| {
        Error::damaged_file(
            layout::git_dir(&ctx.root),
            format!(
                "the partnership's repository no longer contains commit {c}, which this computer synced: its history was rewritten by a forced push"
            ),
            "Tell whoever looks after the repository; `escalate sync` says how to restore it.",
        )
    });
    let against = |b: &escalate_core::share::history::Breach| match &b.parent {
        Some(p) => format!(" (compared with its parent {})", short(p)),
        None => String::new(),
    };
    let first = h.breaches.first().map(|b| {
        Error::damaged_journal(
            layout::shared_file(&ctx.root, &b.file),
            format!(
                "commit {} by {}{} did not only append to it: {}",
                b.commit,
                b.author,
                against(b),
                b.what
            ),
        )
    });
    let witnessed = h.witnesses.first().map(|w| w.to_error(&ctx.root));
    let out = if ctx.json {
        Output::json(&h)
    } else {
        let mut text = String::new();
        for b in &h.breaches {
            text.push_str(&format!(
                "commit {} ({}) changed {} other than by appending{}: {}\n",
                b.commit,
                b.author,
                b.file,
                against(b),
                b.what
            ));
        }
        for w in &h.witnesses {
            text.push_str(&format!("witness {} line {}: {}\n", w.file, w.line, w.what));
            for j in &w.journals {
                text.push_str(&format!("  {}: {}\n", j.file, j.what));
            }
        }
        if h.breaches.is_empty() && h.rewritten.is_none() && h.witnesses.is_empty() {
            text.push_str(&format!(
                "history ok: {} commit(s), {} file change(s), every one only appended lines; every witnessed head is in it\n",
                h.commits, h.changes
            ));
        }
        Output::Text(text)
    };
    match first.or(witnessed).or(rewritten) {
        Some(e) => {
            let mut stdout = crate::cli::sink::stdout();
            let written = out.write_to(&mut stdout);
            let _ = crate::cli::sink::finish(&mut stdout, written);
            Err(e)
        }
        None => Ok(out),
    }
}

/// What `--against` says about the checkpoint itself, on standard error: what an
/// old one cannot prove, whether its taker's key is allowed, and whether the
/// calendar changed since (a retroactive change moves deadlines that had passed).
fn against_notes(
    ctx: &Ctx,
    s: &escalate_core::ops::Session,
    c: &checkpoint::Checkpoint,
    signers: &Option<Signers>,
) {
    if let Some(limits) = c.limits() {
        ctx.ui.warn(&limits);
    }
    if let (Some(list), Some(by), Some(fingerprint)) = (signers, &c.by, c.fingerprint()) {
        let at = chrono::DateTime::parse_from_rfc3339(&c.taken).ok();
        if let Some(at) = at {
            if let escalate_core::integrity::signing::Verdict::Refused(why) =
                list.verdict(by, &fingerprint, &at)
            {
                ctx.ui.warn(&format!(
                    "the checkpoint is validly signed, but not by a key the signers file allows: {why}; check who took it"
                ));
            }
        }
    }
    if c.version >= 2 {
        let until = chrono::DateTime::parse_from_rfc3339(&c.taken)
            .map(|t| escalate_core::domain::clock::london_date(&t))
            .unwrap_or_else(|_| escalate_core::domain::clock::london_date(&s.now));
        let now = checkpoint::calendar_state(s.store.root(), &s.calendars, until);
        let (files, retroactive) = checkpoint::calendar_changes(&c.calendar, &now);
        if retroactive {
            ctx.ui.warn(&format!(
                "calendar changed since the checkpoint taken {}: days on or before it are not the working days they were then ({}), so deadlines that had already passed are counted differently now. Check `escalate calendar` (and the partnership's repository, if shared) for who changed it and why",
                c.taken,
                if files.is_empty() { "calendar".to_owned() } else { files.join(", ") }
            ));
        } else if !files.is_empty() {
            ctx.ui.note(&format!(
                "calendar changed since the checkpoint taken {} ({}), but only after it: no day up to the checkpoint changed",
                c.taken,
                files.join(", ")
            ));
        }
    }
}

/// How far a line's time may run ahead of this computer's clock before it is
/// said: the clocks of the computers sharing a directory differ a little.
const CLOCK_SLACK_MINUTES: i64 = 5;

/// The line of a journal dated furthest after `now` (recorded, or said to have
/// happened), beyond the slack: a wrong clock here or where it was written,
/// or a line written by hand.
#[derive(Default)]
pub(crate) struct Ahead(Option<(u64, escalate_core::domain::clock::Instant)>);

impl Ahead {
    pub(crate) fn see(
        &mut self,
        r: &escalate_core::domain::event::Record,
        now: &escalate_core::domain::clock::Instant,
    ) {
        let when = r.happened.map_or(r.at, |h| h.max(r.at));
        let slack = chrono::Duration::minutes(CLOCK_SLACK_MINUTES);
        if when > *now + slack && self.0.is_none_or(|(_, t)| when > t) {
            self.0 = Some((r.seq, when));
        }
    }

    /// The warning to give, if any line was ahead.
    pub(crate) fn warning(&self, now: &escalate_core::domain::clock::Instant) -> Option<String> {
        use escalate_core::domain::clock::human_instant;
        self.0.map(|(seq, at)| {
            format!(
                "line {seq} is dated {}, after this computer's clock ({}): check the date and time here and on the computer that recorded it; deadlines and reports read it as written",
                human_instant(&at),
                human_instant(now)
            )
        })
    }
}

/// `report` with a warning if any line of its journal is dated after `now`.
fn with_ahead(
    (mut report, loaded): (Report, Option<escalate_core::ops::Loaded>),
    now: &escalate_core::domain::clock::Instant,
) -> (Report, Option<escalate_core::ops::Loaded>) {
    if let Some(l) = &loaded {
        let mut ahead = Ahead::default();
        l.dispute.records.iter().for_each(|r| ahead.see(r, now));
        report.warnings.extend(ahead.warning(now));
    }
    (report, loaded)
}

fn line_for(r: &Report) -> String {
    match (&r.problem, &r.head) {
        (None, Some(head)) => {
            let recovered = match r.recovered {
                0 => String::new(),
                1 => "; 1 interrupted write recovered".into(),
                n => format!("; {n} interrupted writes recovered"),
            };
            let warned = if r.warnings.is_empty() {
                ""
            } else {
                " (with warnings)"
            };
            let against = r
                .checkpoint
                .as_ref()
                .map(|c| format!("; {c}"))
                .unwrap_or_default();
            format!(
                "{} ok{warned}: {} lines, head {head}{recovered}{against}\n",
                r.id, r.lines
            )
        }
        (Some(p), _)
            if r.error
                .as_ref()
                .is_some_and(|e| e.kind() == ErrorKind::Refused) =>
        {
            format!("{} not checked: {}\n", r.id, p.message)
        }
        (Some(p), _) => match p.line {
            Some(n) => format!("{} DAMAGED at line {n}: {}\n", r.id, p.message),
            None => format!("{} DAMAGED: {}\n", r.id, p.message),
        },
        (None, None) => format!("{} not checked\n", r.id),
    }
}

/// Every damaged entry in the key store (`privacy::KeyStore::check`). Which
/// disputes are sealed comes from the status cache, just rebuilt.
fn wrapped_key_damage(
    s: &escalate_core::ops::Session,
) -> Vec<escalate_core::privacy::keystore::Damage> {
    let keys = escalate_core::privacy::KeyStore::of(s.store.root());
    if !keys.dir().is_dir() {
        return Vec::new();
    }
    let mut sealed = std::collections::HashMap::new();
    let _ = s.each_state(
        |_, l| l.ok().map(|l| l.dispute.opened.seal_to.is_some()),
        |id, v| {
            if let Some(v) = v {
                sealed.insert(id.as_str().to_owned(), v);
            }
        },
    );
    keys.check(&|id| sealed.get(id).copied())
}

pub(crate) fn run(args: VerifyArgs, ctx: &Ctx) -> Result<Output> {
    if args.history {
        return history(ctx);
    }
    let kept_root = match args.root.as_deref() {
        Some(typed) => Some(checkpoint::parse_root(typed).ok_or_else(|| {
            escalate_core::error::Error::usage(format!("--root {typed:?} is not a checkpoint root"))
                .with_hint(
                    "Give all 64 hex digits of the root, as `verify --checkpoint` printed it.",
                )
        })?),
        None => None,
    };
    let s = ctx.session()?;
    let checks = Checks {
        signers: Signers::load(s.store.root())?,
        against: args.against.as_deref().map(checkpoint::read).transpose()?,
    };
    if let (Some(c), Some(kept), Some(file)) = (&checks.against, &kept_root, &args.against) {
        // Before anything is compared with it: a checkpoint that is not the one
        // whose root was kept elsewhere proves nothing.
        if c.root != *kept {
            return Err(escalate_core::error::Error::damaged_file(
                file,
                format!(
                    "its root is {}, not {kept}, the root you gave: the checkpoint was changed since that root was noted, or it is another checkpoint",
                    c.root
                ),
                "Find the checkpoint file whose root is the one kept elsewhere; nothing was compared with this one.",
            ));
        }
    }
    if let Some(c) = &checks.against {
        against_notes(ctx, s, c, &checks.signers);
    }
    let all = args.ids.is_empty();
    let ids: Vec<DisputeId> = if all {
        s.store.ids()?
    } else {
        let mut ids = Vec::new();
        for typed in &args.ids {
            let id = s.store.resolve(typed)?;
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        ids
    };
    // Journals are checked on every core and each result is printed as it comes
    // (in ID order), so checking a hundred thousand holds only one batch in memory.
    // The sound journals are all reported before a failure becomes exit 3.
    let mut out = crate::cli::sink::stdout();
    let mut first: Option<escalate_core::error::Error> = None;
    let mut count = 0usize;
    let mut taken: Vec<checkpoint::Entry> = Vec::new();
    let mut any_signed = false;
    let mut left_out: Vec<String> = Vec::new();
    let mut written = if ctx.json {
        out.write_all(b"[")
    } else {
        Ok(())
    };
    let mut progress = crate::cli::progress::Progress::new(ctx, ids.len(), "Checking");
    let mut visit = |mut r: Report| {
        progress.inc();
        for w in &r.warnings {
            progress.suspend(|| ctx.ui.warn(&format!("dispute {}: {w}", r.id)));
        }
        if written.is_ok() && progress.active() && !ctx.json {
            // Each line goes out whole, with the bar moved out of its way.
            written = progress.suspend(|| {
                out.write_all(visible(&line_for(&r)).as_bytes())
                    .and_then(|()| out.flush())
            });
        } else if written.is_ok() {
            written = if ctx.json {
                let sep: &[u8] = if count == 0 { b"\n" } else { b",\n" };
                out.write_all(sep).and_then(|()| {
                    out.write_all(
                        escalate_core::domain::text::visible_json(
                            &serde_json::to_string(&r).unwrap_or_default(),
                        )
                        .as_bytes(),
                    )
                })
            } else {
                out.write_all(visible(&line_for(&r)).as_bytes())
            };
        }
        count += 1;
        any_signed |= r.signed;
        match (&r.head, r.ok) {
            (Some(head), true) => taken.push(checkpoint::Entry {
                id: r.id.clone(),
                lines: r.lines as u64,
                head: head.clone(),
            }),
            _ => left_out.push(r.id.clone()),
        }
        if first.is_none() {
            first = r.error.take();
        }
    };
    let disagreed = if all {
        // Every journal: the same pass rebuilds the status cache from the journals,
        // so nothing status, export or report shows afterwards differs from them; an
        // entry that was in use and disagreed is named. Each journal is checked
        // from its own bytes (signatures need the lines as written).
        // A batch at a time, so short journals' signatures are checked together.
        let read = |ids: &[DisputeId]| {
            let read = verify_many(s, ids, &checks);
            read.into_iter().map(|r| with_ahead(r, &s.now)).collect()
        };
        s.rebuild_cache_with(read, |_, r| visit(r))?
    } else {
        for batch in ids.chunks(1024) {
            for r in verify_many(s, batch, &checks) {
                visit(with_ahead(r, &s.now).0);
            }
        }
        Vec::new()
    };
    drop(progress);
    // The wrapped keys: damage is named like a journal's (no key is needed).
    if all {
        for d in wrapped_key_damage(s) {
            if d.orphan {
                ctx.ui.warn(&format!(
                    "{}: {}; if a journal was removed, `verify --against` a checkpoint names it",
                    d.path.display(),
                    d.what
                ));
                continue;
            }
            if written.is_ok() && !ctx.json {
                written = out.write_all(
                    visible(&format!("key {} DAMAGED: {}\n", d.path.display(), d.what)).as_bytes(),
                );
            }
            if first.is_none() {
                first = Some(escalate_core::error::Error::damaged_file(
                    &d.path,
                    format!("this wrapped key is damaged: {}", d.what),
                    "Nothing was changed. Someone with the dispute's key can have it wrapped again by syncing; otherwise keep the file for whoever investigates.",
                ));
            }
        }
    }
    for id in disagreed {
        ctx.ui.warn(&format!(
            "dispute {id}: the status cache said something other than its journal (it was changed outside escalate); it was rebuilt from the journal"
        ));
    }
    // Disputes the checkpoint lists that are gone: only when every journal was
    // checked, since naming some IDs says nothing about the others.
    if let Some(c) = checks.against.as_ref().filter(|_| all) {
        for entry in c.entries.iter().filter(|e| {
            ids.binary_search_by(|id| id.as_str().cmp(e.id.as_str()))
                .is_err()
        }) {
            let mut r = missing(s, entry);
            if written.is_ok() {
                written = if ctx.json {
                    let sep: &[u8] = if count == 0 { b"\n" } else { b",\n" };
                    out.write_all(sep).and_then(|()| {
                        out.write_all(
                            escalate_core::domain::text::visible_json(
                                &serde_json::to_string(&r).unwrap_or_default(),
                            )
                            .as_bytes(),
                        )
                    })
                } else {
                    out.write_all(
                        format!(
                            "{} MISSING: {}\n",
                            r.id,
                            r.problem
                                .as_ref()
                                .map(|p| p.message.as_str())
                                .unwrap_or_default()
                        )
                        .as_bytes(),
                    )
                };
            }
            count += 1;
            if first.is_none() {
                first = r.error.take();
            }
        }
        if c.signers != Signers::file_hash(s.store.root()) {
            ctx.ui.warn(&format!(
                "the signers file is not what it was when the checkpoint was taken ({}): check every name and key added or removed since against the copy your partnership keeps",
                c.taken
            ));
        }
        if !ctx.json {
            let advice = if kept_root.is_some() {
                "the root you gave".to_owned()
            } else {
                "compare that root with the one you noted or sent".to_owned()
            };
            written = written.and_then(|()| {
                out.write_all(
                    format!(
                        "Compared with the checkpoint taken {} (root {}): {advice}.\n",
                        c.taken, c.root
                    )
                    .as_bytes(),
                )
            });
        }
    }
    if written.is_ok() {
        written = match (ctx.json, count) {
            (true, 0) => out.write_all(b"]\n"),
            (true, _) => out.write_all(b"\n]\n"),
            (false, 0) => {
                out.write_all(format!("No disputes in {}.\n", s.store.root().display()).as_bytes())
            }
            (false, _) => Ok(()),
        };
    }
    // A damaged journal's exit 3 wins over a failed write: it is what was found.
    let unwritten = crate::cli::sink::finish(&mut out, written).err();
    drop(out);
    for w in escalate_core::integrity::verify::agency_warnings(s.store.root()) {
        ctx.ui.warn(&w);
    }
    if any_signed && checks.signers.is_none() {
        // Signatures prove a line is unchanged since its key signed it, but
        // not whose key that is: said once for the whole run.
        ctx.ui.warn(&format!(
            "signers not pinned: there is no `{}` file in the data directory, so each signature was checked but not who may sign for whom (see `escalate key show`)",
            escalate_core::store::layout::SIGNERS
        ));
    }
    if let Some(file) = &args.checkpoint {
        let when = escalate_core::domain::clock::rfc3339::format(&s.now);
        let (text, root) = checkpoint::render(
            &checkpoint::Taker {
                taken: &when,
                by: &s.actor,
                key: s.keys.signer(&s.actor)?,
            },
            taken,
            Signers::file_hash(s.store.root()).as_deref(),
            &checkpoint::calendar_state(
                s.store.root(),
                &s.calendars,
                escalate_core::domain::clock::london_date(&s.now),
            ),
            &left_out,
        )?;
        checkpoint::write(file, &text)?;
        ctx.ui.note(&format!(
            "checkpoint written to {}: root {root}. Keep the file (or at least the root) somewhere others with access to the data directory cannot change it.",
            file.display()
        ));
    }
    match first.or(unwritten) {
        Some(e) => Err(e),
        None => Ok(Output::Text(String::new())),
    }
}
