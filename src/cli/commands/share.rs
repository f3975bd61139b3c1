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
        /// The first admin's key fingerprint (SHA256:...), as they told you by
        /// phone or email: a copy whose member list starts with another key is
        /// refused and removed
        #[arg(long, value_name = "FINGERPRINT")]
        expect_admin: Option<String>,
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
            if outcome.not_admitted.is_some() {
                // Joined a partnership that already shares: like `share join`.
                let s = ctx.session()?;
                let add =
                    crate::cli::commands::key::member_add_command(ctx, s.keys.signer(&s.actor)?)?;
                text.push_str(&format!(
                    "Send your partnership's admin this command to run:\n{add}\n"
                ));
                return Ok(Output::Text(text));
            }
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
        ShareCommand::Join {
            remote,
            path,
            expect_admin,
        } => {
            let given = path.is_some();
            let path = path.unwrap_or_else(|| ctx.root.as_path().to_owned());
            let joined = escalate_core::share::join(&remote, &path, expect_admin.as_deref())?;
            let count = joined.disputes;
            // The joiner's own key (made now if they have none), for the admin.
            let s = ctx.session()?;
            let key = s.keys.signer(&s.actor)?;
            let add = crate::cli::commands::key::member_add_command(ctx, key)?;
            if ctx.json {
                return Ok(Output::json(serde_json::json!({
                    "dir": path.display().to_string(),
                    "disputes": count,
                    "fingerprint": key.fingerprint(),
                    "member_add": joined.first_admin.as_ref().map(|_| &add),
                    "first_admin": joined.first_admin.as_ref().map(|(n, a, f)| serde_json::json!({
                        "name": n, "agency": a, "fingerprint": f,
                    })),
                })));
            }
            let mut text = format!(
                "Joined {remote}: {count} dispute(s) in {}.\n",
                path.display()
            );
            if let Some((name, agency, fingerprint)) = &joined.first_admin {
                text.push_str(&format!(
                    "The partnership's first admin is {name} ({agency}), key {fingerprint}.{}\n\
                     Until an admin adds you to the member list, what you record stays here and sync sends nothing. Send your partnership's admin this command to run:\n{add}\n",
                    if expect_admin.is_some() {
                        " That is the key you were given."
                    } else {
                        " Confirm that fingerprint with them by phone or email (or join with --expect-admin FINGERPRINT)."
                    }
                ));
            }
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
