//! `escalate verify`: check journals end to end (seals, chain, numbering, head
//! receipt, stage rules, pinned policy) and print each one's head hash as a receipt.
//! Exit 0 when every journal checked is sound (warnings about interrupted commands
//! go to stderr), 3 when any is not; the others are still reported.

use std::io::Write;

use clap::Args;

use super::{warn, Ctx, Output};
use crate::error::Result;
use crate::id::DisputeId;
use crate::verify::{verify, verify_loaded, Report};

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Dispute IDs (any unique start of each) [default: every dispute]
    #[arg(add = clap_complete::engine::ArgValueCompleter::new(super::complete::dispute_ids))]
    pub ids: Vec<String>,
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
            format!(
                "{} ok{warned}: {} lines, head {head}{recovered}\n",
                r.id, r.lines
            )
        }
        (Some(p), _) => match p.line {
            Some(n) => format!("{} DAMAGED at line {n}: {}\n", r.id, p.message),
            None => format!("{} DAMAGED: {}\n", r.id, p.message),
        },
        (None, None) => format!("{} not checked\n", r.id),
    }
}

pub fn run(args: VerifyArgs, ctx: &Ctx) -> Result<Output> {
    let s = &ctx.session;
    // Every dispute is listed by the pass that rebuilds the cache (below).
    let ids: Vec<DisputeId> = if args.ids.is_empty() {
        Vec::new()
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
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut first: Option<crate::error::Error> = None;
    let mut count = 0usize;
    let mut written = if ctx.json {
        out.write_all(b"[")
    } else {
        Ok(())
    };
    let mut visit = |mut r: Report| {
        for w in &r.warnings {
            warn(&format!("dispute {}: {w}", r.id));
        }
        if written.is_ok() {
            written = if ctx.json {
                let sep: &[u8] = if count == 0 { b"\n" } else { b",\n" };
                out.write_all(sep).and_then(|()| {
                    out.write_all(serde_json::to_string(&r).unwrap_or_default().as_bytes())
                })
            } else {
                out.write_all(line_for(&r).as_bytes())
            };
        }
        count += 1;
        if first.is_none() {
            first = r.error.take();
        }
    };
    if args.ids.is_empty() {
        // Every journal: the same pass rebuilds the status cache from the journals
        // it checks, so nothing status, export or report shows afterwards differs
        // from them; an entry that was in use and disagreed is named.
        let disagreed = s.rebuild_cache_with(
            |id, view| verify_loaded(s, id, view.and_then(|v| v.with_lines(s, id))),
            |_, r| visit(r),
        )?;
        for id in disagreed {
            warn(&format!(
                "dispute {id}: the status cache said something other than its journal (it was changed outside escalate); it was rebuilt from the journal"
            ));
        }
    } else {
        crate::ops::in_parallel(&ids, |id| verify(s, id), |_, r| visit(r));
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
    // A closed pipe is the reader's choice; the exit code still says what was found.
    let _ = written.and_then(|()| out.flush());

    match first {
        Some(e) => Err(e),
        None => Ok(Output::Text(String::new())),
    }
}
