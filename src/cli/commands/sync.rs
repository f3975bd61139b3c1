//! `escalate sync`, and, when the `sync` setting is `auto`, the receive before
//! each recording command and the quiet sync after it.

use clap::Args;

use crate::cli::{Ctx, Output};
use escalate_core::error::{Error, Result};
use escalate_core::share::git::Identity;
use escalate_core::share::sync::Outcome;

#[derive(Debug, Args)]
pub(crate) struct SyncArgs {}

/// Who commits: the configured name and organisation (the agency).
pub(crate) fn identity(ctx: &Ctx) -> Result<Identity> {
    let organisation = ctx.config()?.organisation.clone().ok_or_else(|| {
        Error::refused("sharing needs to know your agency, and no organisation is set")
            .with_hint("Set it once: `escalate config set organisation \"Your agency\"`.")
    })?;
    Ok(Identity {
        name: ctx.session()?.actor.clone(),
        organisation,
        when: ctx.session()?.now.timestamp(),
    })
}

/// What a sync did, for people.
pub(crate) fn render(o: &Outcome) -> String {
    let mut text = String::new();
    for n in &o.not_counted {
        text.push_str(&format!(
            "Not counted: dispute {} line {}{}{}: {} ({}); it is kept and shown marked, and counts nowhere. `escalate verify {}` names it too.\n",
            n.dispute,
            n.line,
            n.commit
                .as_deref()
                .map(|c| format!(", from commit {}", &c[..c.len().min(12)]))
                .unwrap_or_default(),
            n.key
                .as_deref()
                .map(|k| format!(", key {k}"))
                .unwrap_or_default(),
            n.why.words(),
            n.detail,
            n.dispute
        ));
    }
    if !o.calendar_moved.is_empty() {
        text.push_str(&format!(
            "The partnership's calendar changed: {} deadline(s) move:\n",
            o.calendar_moved.len()
        ));
        for m in &o.calendar_moved {
            text.push_str(&format!(
                "  {} stage {}{}: from {} to {}\n",
                m.id,
                m.stage,
                m.duty
                    .as_deref()
                    .map(|d| format!(" ({d})"))
                    .unwrap_or_default(),
                escalate_core::domain::clock::human_date(m.from.date),
                escalate_core::domain::clock::human_date(m.to.date)
            ));
        }
    }
    if let Some(h) = &o.hand_git {
        text.push_str(&format!(
            "This data directory had been changed with git by hand ({}); this sync took it in and put git back as escalate keeps it. Use `escalate sync`, never git by hand, in a data directory.\n",
            crate::cli::command_error::hand_git_what(h)
        ));
    }
    if o.taken_from_hand_pull > 0 {
        text.push_str(&format!(
            "{} dispute(s) held the partnership's lines from a hand `git pull`: taken in, with nothing written into the shared record.\n",
            o.taken_from_hand_pull
        ));
    }
    for r in &o.restored_from_stash {
        text.push_str(&format!(
            "Restored from git's stash ({}): {} line(s) of dispute {}, recorded here and now sent{}.\n",
            r.stash,
            r.lines,
            r.dispute,
            if r.dropped {
                "; the stash entry held nothing else and was dropped"
            } else {
                "; the stash entry is kept, as it holds other changes too"
            }
        ));
    }
    for d in &o.did_not_count {
        text.push_str(&format!("{}\n", did_not_count_words(d)));
    }
    if !o.keys_erased.is_empty() {
        text.push_str(&format!(
            "Erased here as the partnership recorded: the key of dispute(s) {} is destroyed in this clone.\n",
            o.keys_erased.join(", ")
        ));
    }
    for (id, why) in &o.keys_refused {
        text.push_str(&format!(
            "The partnership's wrapped key for dispute {id} was not taken ({why}); the one kept here, if any, stays. Tell whoever keeps the partnership's repository.\n"
        ));
    }
    if o.merged_late > 0 {
        text.push_str(&format!(
            "{} line(s) recorded here while another agency recorded on the same dispute were moved after theirs (merged late), each still signed by whoever recorded it.\n",
            o.merged_late
        ));
    }
    match &o.not_admitted {
        Some(n) if n.ended.is_none() => text.push_str(&format!(
            "Nothing was sent: your key {} is not in the partnership's member list yet. What you record stays here, safe; once an admin has added you (send them the line `escalate key show` prints), the next sync sends it.\n",
            n.key
        )),
        Some(n) => text.push_str(&format!(
            "Nothing was sent: your key {} no longer counts in the partnership's member list ({}). What you record stays here; `escalate member list` shows your keys, and your partnership's admin can add a new one.\n",
            n.key,
            n.ended.as_deref().unwrap_or_default()
        )),
        None => {}
    }
    text.push_str(&format!(
        "Synced: sent {} file(s), received {} line(s){}.\n",
        o.sent,
        o.received,
        if o.pushed { "" } else { "; not yet sent" }
    ));
    text
}

pub(crate) fn run(_args: SyncArgs, ctx: &Ctx) -> Result<Output> {
    let outcome = escalate_core::share::sync::sync(ctx.session()?, &identity(ctx)?, false)?;
    if ctx.json {
        return Ok(Output::json(&outcome));
    }
    Ok(Output::Text(render(&outcome)))
}

/// Whether recording commands here sync by themselves: `sync = auto` in a
/// shared directory.
pub(crate) fn is_auto(ctx: &Ctx) -> bool {
    ctx.config()
        .is_ok_and(|c| c.sync.as_deref() == Some("auto"))
        && escalate_core::share::is_shared(ctx.root.as_path())
}

/// Before a recording command with `sync = auto`: receive the partnership's
/// lines (and send nothing yet), so that the command decides under what the
/// partnership has already recorded. When that is not possible the command goes
/// on here, and says so in one warning: offline, or the partnership's repository
/// could not be reached (`ssh` gives up after 10 seconds); or what was received
/// was refused (a rewritten history, a damaged copy), which `escalate sync` then
/// names in full. Returns whether the receive worked: when it did not, the sync
/// after recording is not tried (it would fail the same way, and wait again).
pub(crate) fn before_recording(ctx: &Ctx) -> bool {
    let done =
        identity(ctx).and_then(|id| escalate_core::share::sync::receive(ctx.session()?, &id));
    match done {
        Ok(o) => {
            for d in &o.did_not_count {
                ctx.ui.warn(&did_not_count_words(d));
            }
            for n in &o.not_counted {
                ctx.ui.warn(&format!(
                    "received a line that does not count: dispute {} line {} ({}); `escalate verify {}` names it",
                    n.dispute,
                    n.line,
                    n.why.words(),
                    n.dispute
                ));
            }
            true
        }
        Err(e) if offline(&e) => {
            ctx.ui.warn(&format!(
                "not synced: could not reach the partnership's repository, so this is decided and recorded here only, without the partnership's latest lines; the next `escalate sync` that reaches it sends it ({e})"
            ));
            false
        }
        Err(e) => {
            ctx.ui.warn(&format!(
                "not synced: the partnership's latest lines were not received ({e}), so this is decided and recorded here only, without them; `escalate sync` says why in full and what to do"
            ));
            false
        }
    }
}

/// Whether a failed receive is the partnership's repository out of reach (no
/// network, a server down, a repository moved or refusing these credentials),
/// rather than something wrong in what it holds.
fn offline(e: &Error) -> bool {
    e.hints()
        .iter()
        .any(|h| matches!(h, escalate_core::error::Hint::Remote { .. }))
}

/// After a recording command with `sync = auto`: sync, and when that is not
/// possible say so in one line on stderr; the recorded event is safe either way.
pub(crate) fn after_recording(ctx: &Ctx) {
    if !is_auto(ctx) {
        return;
    }
    let done =
        identity(ctx).and_then(|id| escalate_core::share::sync::sync(ctx.session()?, &id, true));
    match done {
        Ok(o) => {
            for d in &o.did_not_count {
                ctx.ui.warn(&did_not_count_words(d));
            }
            if o.not_admitted.is_some() {
                ctx.ui.stderr("not sent (recorded here, safe): your key is not in the partnership's member list yet; send the line `escalate key show` prints to your partnership's admin\n");
            }
        }
        Err(e) => ctx.ui.stderr(&format!(
            "not synced (recorded here; run `escalate sync` later): {e}\n"
        )),
    }
}

/// A line recorded here that sync moved after the partnership's and that does
/// not count, in words: which, and who had already moved the dispute on.
fn did_not_count_words(d: &escalate_core::share::sync::DidNotCount) -> String {
    format!(
        "line {} of dispute {}, recorded here, does not count: {}. It is kept; `escalate show {}` shows it.",
        d.inert.line,
        d.dispute,
        crate::render::timeline::inert_reason(&d.inert),
        d.dispute
    )
}
