//! `escalate status`: what is open, sorted by due date, overdue first.

use std::io::IsTerminal;

use chrono::NaiveDate;
use clap::Args;

use super::{parse_date_arg, warn, Ctx, Output};
use crate::clock;
use crate::error::{Error, Result};
use crate::summary::Summary;

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Show the position at the start of this date instead of now
    #[arg(long, value_name = "DATE", value_parser = parse_date_arg)]
    pub as_of: Option<NaiveDate>,
    /// Include resolved disputes
    #[arg(long)]
    pub all: bool,
    /// Exit 3 if any journal is damaged (default: warn and list the rest)
    #[arg(long)]
    pub strict: bool,
}

pub fn run(args: StatusArgs, ctx: &Ctx) -> Result<Output> {
    let s = &ctx.session;
    let now = args.as_of.map(clock::start_of_day).unwrap_or(s.now);
    let mut rows: Vec<Summary> = Vec::new();
    let mut damaged: Option<Error> = None;
    for (id, loaded) in s.load_all()? {
        match loaded {
            Ok(l) => {
                for w in &l.warnings {
                    warn(&format!("dispute {id}: {w}"));
                }
                if l.dispute.is_open() || args.all {
                    let calendar = s.calendar_for(&l.policy);
                    rows.push(l.summary(&calendar, &now));
                }
            }
            Err(e) => {
                warn(&format!("dispute {id} is left out: {e}"));
                damaged.get_or_insert(e);
            }
        }
    }
    if let (true, Some(e)) = (args.strict, damaged) {
        return Err(e);
    }
    rows.sort_by(|a, b| {
        let key = |s: &Summary| {
            (
                s.due_detail.is_none(),
                s.due_detail.as_ref().map(|d| d.by),
                s.opened,
            )
        };
        key(a).cmp(&key(b))
    });
    if ctx.json {
        return Ok(Output::json(&rows));
    }
    if rows.is_empty() {
        let what = if args.all {
            "No disputes recorded"
        } else {
            "No open disputes"
        };
        return Ok(Output::Text(format!(
            "{what} in {}.\n",
            s.store.root().display()
        )));
    }
    Ok(Output::Text(crate::render::table::status(
        &rows,
        ctx.color,
        std::io::stdout().is_terminal(),
    )))
}
