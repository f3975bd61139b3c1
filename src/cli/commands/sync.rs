//! `escalate sync`, and the quiet sync after each recording command when the
//! `sync` setting is `auto`.

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
    for s in &o.superseded {
        text.push_str(&format!("Superseded: {s}\n"));
    }
    if o.merged_late > 0 {
        text.push_str(&format!(
            "{} line(s) recorded here while another agency recorded on the same dispute were added after theirs (marked as merged late).\n",
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

/// After a recording command with `sync = auto`: sync, and when that is not
/// possible say so in one line on stderr; the recorded event is safe either way.
pub(crate) fn after_recording(ctx: &Ctx) {
    // The recording command has read the settings already.
    let auto = ctx
        .config()
        .is_ok_and(|c| c.sync.as_deref() == Some("auto"));
    if !auto || !escalate_core::share::is_shared(ctx.root.as_path()) {
        return;
    }
    let done =
        identity(ctx).and_then(|id| escalate_core::share::sync::sync(ctx.session()?, &id, true));
    match done {
        Ok(o) => {
            for s in &o.superseded {
                ctx.ui.stderr(&format!("superseded: {s}\n"));
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
