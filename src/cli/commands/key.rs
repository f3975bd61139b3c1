//! `escalate key`: make and show the user's signing key, and print the line that
//! adds it to the data directory's signers file. The key itself is handled by
//! `escalate_core::integrity::signing`; this module only parses and prints.

use clap::{Args, Subcommand};
use serde::Serialize;

use crate::cli::{Ctx, Output};
use escalate_core::error::{Error, Result};
use escalate_core::integrity::signing::{self, Key};

#[derive(Debug, Args)]
pub(crate) struct KeyArgs {
    #[command(subcommand)]
    pub command: KeyCommand,
}

#[derive(Debug, Subcommand)]
pub(crate) enum KeyCommand {
    /// Make your signing key (your first recording command does this if you have none)
    New {
        /// Retire your current key (kept beside it, renamed) and make a new one
        #[arg(long)]
        replace: bool,
    },
    /// Show your key's fingerprint and the line that adds it to the signers file
    /// (in a shared directory: the line to send to your partnership's admin)
    Show,
    /// Replace your key in a shared directory: a new key, announced in the
    /// member list by a line signed with the old one, which stops counting then
    Rotate,
}

#[derive(Serialize)]
struct Shown {
    path: String,
    fingerprint: String,
    public_key: String,
    signers_file: String,
    signers_line: String,
    /// In a directory with a member list: the command an admin runs to add you.
    #[serde(skip_serializing_if = "Option::is_none")]
    member_add: Option<String>,
}

fn shown(ctx: &Ctx, key: &Key) -> Result<Shown> {
    let s = ctx.session()?;
    Ok(Shown {
        path: s.keys.key_path()?.display().to_string(),
        fingerprint: key.fingerprint().to_owned(),
        public_key: key.public_openssh(),
        signers_file: signing::Signers::path_in(s.store.root())
            .display()
            .to_string(),
        signers_line: signing::signers_line(
            &s.actor,
            key,
            &s.keys.created().map_or(s.now, |t| t.min(s.now)),
            ctx.config()?.organisation.as_deref(),
        ),
        member_add: has_members(ctx)?
            .then(|| member_add_command(ctx, key))
            .transpose()?,
    })
}

/// Whether the data directory is shared with a member list.
fn has_members(ctx: &Ctx) -> Result<bool> {
    Ok(escalate_core::members::load(ctx.root.as_path())?.is_some())
}

/// Quote `s` for a POSIX shell, so the command can be pasted as it is.
fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// The exact `escalate member add` an admin runs for this key: valid from when
/// the key was made, so what its owner recorded while waiting counts.
pub(crate) fn member_add_command(ctx: &Ctx, key: &Key) -> Result<String> {
    let s = ctx.session()?;
    let from = s.keys.created().map_or(s.now, |t| t.min(s.now));
    let line = format!(
        "valid-after=\"{}\" {}",
        from.with_timezone(&chrono::Utc).format("%Y%m%d"),
        key.public_openssh()
            .split_whitespace()
            .take(2)
            .collect::<Vec<_>>()
            .join(" ")
    );
    Ok(format!(
        "escalate member add --name {} --agency {} --key {}",
        sh_quote(&s.actor),
        sh_quote(
            ctx.config()?
                .organisation
                .as_deref()
                .unwrap_or("YOUR AGENCY")
        ),
        sh_quote(&line)
    ))
}

fn render(ctx: &Ctx, headline: &str, key: &Key) -> Result<Output> {
    let shown = shown(ctx, key)?;
    if ctx.json {
        return Ok(Output::json(&shown));
    }
    if let Some(command) = &shown.member_add {
        return Ok(Output::Text(format!(
            "{headline}\nKey file: {}\nFingerprint: {}\n\nThis directory is shared: send this line to your partnership's admin, who adds you to the member list with:\n{command}\nUntil then what you record stays here, safe, and sync sends nothing.\n",
            shown.path, shown.fingerprint
        )));
    }
    Ok(Output::Text(format!(
        "{headline}\nKey file: {}\nFingerprint: {}\n\nTo let others check that lines signed with it are yours, add this line to {}\n(one line per person; keep the file under your partnership's control):\n{}\n",
        shown.path, shown.fingerprint, shown.signers_file, shown.signers_line
    )))
}

pub(crate) fn run(args: KeyArgs, ctx: &Ctx) -> Result<Output> {
    let s = ctx.session()?;
    let keys = &s.keys;
    match args.command {
        KeyCommand::New { replace } => {
            if replace && has_members(ctx)? {
                return Err(Error::refused(
                    "in a shared directory a key is not replaced by `key new --replace`, which would leave the partnership's member list naming the old one; nothing was changed",
                )
                .with_hint(escalate_core::error::Hint::UseKeyRotate));
            }
            let key = keys.create(&s.actor, replace)?;
            render(ctx, "Made your signing key.", &key)
        }
        KeyCommand::Rotate => {
            let (_, key) = escalate_core::members::commands::rotate(s)?;
            if ctx.json {
                return Ok(Output::json(serde_json::json!({
                    "fingerprint": key.fingerprint(),
                    "public_key": key.public_openssh(),
                })));
            }
            Ok(Output::Text(format!(
                "Made your new key {} and announced it in the member list with a line signed by your old key, which stops counting now (it is kept beside the new one, renamed).\nRun `escalate sync` to share it.\n",
                key.fingerprint()
            )))
        }
        KeyCommand::Show => match keys.existing()? {
            Some(key) => render(ctx, "Your signing key.", &key),
            None => Err(Error::refused("you have no signing key yet").with_hint(
                "Your first recording command makes one; or run `escalate key new` now.",
            )),
        },
    }
}
