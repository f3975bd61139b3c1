//! `escalate verify`: check journals end to end (seals, chain, numbering, head
//! receipt, stage rules, pinned policy) and print each one's head hash as a receipt.
//! Exit 0 when every journal checked is sound (warnings about interrupted commands
//! go to stderr), 3 when any is not; the others are still reported.

use std::io::Write;

use clap::Args;

use super::{warn, Ctx, Output};
use crate::error::Result;
use crate::id::DisputeId;
use crate::verify::{verify, Report};

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
    let ids: Vec<DisputeId> = if args.ids.is_empty() {
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
    let mut reports: Vec<Report> = ids.iter().map(|id| verify(s, id)).collect();
    for r in &reports {
        for w in &r.warnings {
            warn(&format!("dispute {}: {w}", r.id));
        }
    }
    let output = if ctx.json {
        Output::json(&reports)
    } else if reports.is_empty() {
        Output::Text(format!("No disputes in {}.\n", s.store.root().display()))
    } else {
        Output::Text(reports.iter().map(line_for).collect())
    };
    let Some(first) = reports.iter_mut().find_map(|r| r.error.take()) else {
        return Ok(output);
    };
    // The sound journals are still reported before the failure becomes exit 3.
    let mut stdout = std::io::stdout().lock();
    let _ = output.write_to(&mut stdout);
    let _ = stdout.flush();
    Err(first)
}
