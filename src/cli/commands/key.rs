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
    Show,
}

#[derive(Serialize)]
struct Shown {
    path: String,
    fingerprint: String,
    public_key: String,
    signers_file: String,
    signers_line: String,
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
    })
}

fn render(ctx: &Ctx, headline: &str, key: &Key) -> Result<Output> {
    let shown = shown(ctx, key)?;
    if ctx.json {
        return Ok(Output::json(&shown));
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
            let key = keys.create(&s.actor, replace)?;
            render(ctx, "Made your signing key.", &key)
        }
        KeyCommand::Show => match keys.existing()? {
            Some(key) => render(ctx, "Your signing key.", &key),
            None => Err(Error::refused("you have no signing key yet").with_hint(
                "Your first recording command makes one; or run `escalate key new` now.",
            )),
        },
    }
}
