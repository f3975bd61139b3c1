//! `escalate share init|join`: make this data directory a clone of the
//! partnership's git repository, or copy an existing one. The library's `share`
//! module does the work; this parses and prints.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use crate::cli::commands::sync::{identity, render};
use crate::cli::{Ctx, Output};
use escalate_core::error::Result;

#[derive(Debug, Args)]
pub(crate) struct ShareArgs {
    #[command(subcommand)]
    pub command: ShareCommand,
}

#[derive(Debug, Subcommand)]
pub(crate) enum ShareCommand {
    /// Share this data directory through a partnership repository (an empty bare
    /// repository, or one the partnership already uses): commits what is here and
    /// pushes it
    Init {
        /// The repository's address (a path on a shared drive, or an ssh/https URL)
        remote: String,
    },
    /// Put escalate's own versions of the repository's settings files
    /// (.gitignore, .gitattributes, escalate-repository.toml) back where the
    /// partnership's copy holds others, then sync
    Repair,
    /// Copy a partnership repository into a new data directory
    Join {
        /// The repository's address (a path on a shared drive, or an ssh/https URL)
        remote: String,
        /// Where to put it [default: the data directory, --dir]
        path: Option<PathBuf>,
    },
}

pub(crate) fn run(args: ShareArgs, ctx: &Ctx) -> Result<Output> {
    match args.command {
        ShareCommand::Init { remote } => {
            let outcome = escalate_core::share::init(ctx.session()?, &remote, &identity(ctx)?)?;
            if ctx.json {
                return Ok(Output::json(&outcome));
            }
            let mut text = format!(
                "{} is now shared with {remote}.\n",
                ctx.root.as_path().display()
            );
            text.push_str(&render(&outcome));
            text.push_str("Other agencies join with `escalate share join REMOTE PATH`; run `escalate sync` to send and receive, or `escalate config set sync auto`.\n");
            Ok(Output::Text(text))
        }
        ShareCommand::Repair => {
            let outcome = escalate_core::share::sync::repair(ctx.session()?, &identity(ctx)?)?;
            if ctx.json {
                return Ok(Output::json(&outcome));
            }
            let mut text = String::from(
                "escalate's own .gitignore, .gitattributes and repository file are in place.\n",
            );
            text.push_str(&render(&outcome));
            Ok(Output::Text(text))
        }
        ShareCommand::Join { remote, path } => {
            let given = path.is_some();
            let path = path.unwrap_or_else(|| ctx.root.as_path().to_owned());
            let count = escalate_core::share::join(&remote, &path)?;
            if ctx.json {
                return Ok(Output::json(serde_json::json!({
                    "dir": path.display().to_string(),
                    "disputes": count,
                })));
            }
            let mut text = format!(
                "Joined {remote}: {count} dispute(s) in {}.\n",
                path.display()
            );
            if given {
                text.push_str(&format!(
                    "Use it with --dir {} (or set ESCALATE_DIR).\n",
                    path.display()
                ));
            }
            Ok(Output::Text(text))
        }
    }
}
