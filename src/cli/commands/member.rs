//! `escalate member`: the partnership's member list (who may record, with which
//! keys, from when to when), changed only by these commands. The rules and the
//! signed list are `escalate_core::members`; this parses and prints.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};

use crate::cli::{parse_instant_arg, Ctx, Output};
use escalate_core::domain::clock::{self, Instant};
use escalate_core::error::{Error, Result};
use escalate_core::members::{commands, Members, Role};

#[derive(Debug, Args)]
pub(crate) struct MemberArgs {
    #[command(subcommand)]
    pub command: MemberCommand,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub(crate) enum RoleArg {
    Member,
    Admin,
}

/// The key: as `escalate key show` prints it, or a file holding it.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub(crate) struct KeyGiven {
    /// The key line, as `escalate key show` prints it (or `ssh-ed25519 AAAA...`)
    #[arg(long, value_name = "KEYLINE")]
    key: Option<String>,
    /// A file holding that line (such as the `signing-key.pub` they sent)
    #[arg(long, value_name = "FILE")]
    key_file: Option<PathBuf>,
}

impl KeyGiven {
    fn text(&self) -> Result<String> {
        if let Some(k) = &self.key {
            return Ok(k.clone());
        }
        let path = self.key_file.as_ref().expect("clap requires one");
        let bytes = escalate_core::store::fsutil::read_user_file(path, 64 * 1024)
            .map_err(|e| Error::io(format!("could not read {}", path.display()), e))?;
        Ok(String::from_utf8_lossy(&bytes).trim().to_owned())
    }
}

#[derive(Debug, Subcommand)]
pub(crate) enum MemberCommand {
    /// Admit a person with their key (partnership admins only)
    Add {
        /// Their name, exactly as they record with (`escalate config set name`)
        #[arg(long)]
        name: String,
        /// Their agency
        #[arg(long)]
        agency: String,
        #[command(flatten)]
        key: KeyGiven,
        /// `admin` to let them change the member list too
        #[arg(long, value_enum, default_value = "member")]
        role: RoleArg,
    },
    /// Say a person leaves at a time, which may be in the future (admins only)
    Remove {
        /// The member's name, as `escalate member list` shows it
        name: String,
        /// When they leave: their keys stop counting from then
        #[arg(long, value_name = "DATETIME", value_parser = parse_instant_arg)]
        as_of: Instant,
        /// Why, for the record
        #[arg(long)]
        reason: String,
    },
    /// Add a second key of your own (another computer), signed with this one
    AddKey {
        #[command(flatten)]
        key: KeyGiven,
    },
    /// End a key at a time: a lost or stolen laptop (admins only)
    RevokeKey {
        /// The key line, or its fingerprint (SHA256:...) as `member list` shows it
        #[arg(long, value_name = "KEYLINE|FINGERPRINT")]
        key: String,
        /// From when the key no longer counts
        #[arg(long, value_name = "DATETIME", value_parser = parse_instant_arg)]
        as_of: Instant,
        /// Why, for the record
        #[arg(long)]
        reason: String,
    },
    /// Who is in the partnership, with each key and the dates it counts
    List,
    /// Write the keys as an OpenSSH allowed_signers file, for `ssh-keygen -Y verify`
    Export {
        /// Write the allowed_signers format (the only one there is, for now)
        #[arg(long, required = true)]
        allowed_signers: bool,
        /// Where to write it [default: print it]
        file: Option<PathBuf>,
    },
    /// Move this shared directory's `signers` file into a member list (you become
    /// its first admin if it has none)
    Import,
}

pub(crate) fn run(args: MemberArgs, ctx: &Ctx) -> Result<Output> {
    let s = ctx.session()?;
    match args.command {
        MemberCommand::Add {
            name,
            agency,
            key,
            role,
        } => {
            let role = match role {
                RoleArg::Admin => Role::Admin,
                RoleArg::Member => Role::Member,
            };
            let m = commands::add(s, &name, &agency, role, &key.text()?, None)?;
            changed(
                ctx,
                &m,
                format!(
                    "Added {} ({agency}) as {} {}.",
                    name.trim(),
                    if role == Role::Admin { "an" } else { "a" },
                    role.as_str()
                ),
            )
        }
        MemberCommand::Remove {
            name,
            as_of,
            reason,
        } => {
            let m = commands::remove(s, &name, as_of, &reason)?;
            changed(
                ctx,
                &m,
                format!(
                    "{name} leaves the partnership on {}: their keys stop counting then.",
                    clock::human_instant(&as_of)
                ),
            )
        }
        MemberCommand::AddKey { key } => {
            let m = commands::add_key(s, &key.text()?)?;
            changed(
                ctx,
                &m,
                "Added your second key: lines it signs count from now.".into(),
            )
        }
        MemberCommand::RevokeKey { key, as_of, reason } => {
            let m = commands::revoke_key(s, &key, as_of, &reason)?;
            changed(
                ctx,
                &m,
                format!(
                    "Revoked the key from {}: lines it signs after then, or that this clone had not seen, do not count.",
                    clock::human_instant(&as_of)
                ),
            )
        }
        MemberCommand::List => {
            let m = commands::list(s)?;
            if ctx.json {
                return Ok(Output::json(&m));
            }
            Ok(Output::Text(table(&m)))
        }
        MemberCommand::Export { file, .. } => {
            let m = commands::list(s)?;
            let text = m.allowed_signers();
            match file {
                None => Ok(Output::Text(text)),
                Some(path) => {
                    std::fs::write(&path, text)
                        .map_err(|e| Error::io(format!("could not write {}", path.display()), e))?;
                    Ok(Output::Text(format!(
                        "Wrote {} (check a line with `ssh-keygen -Y verify -f {} -n {} -I NAME -s SIG`).\n",
                        path.display(),
                        path.display(),
                        escalate_core::integrity::signing::NAMESPACE
                    )))
                }
            }
        }
        MemberCommand::Import => {
            let org = ctx.config()?.organisation.clone().unwrap_or_default();
            let done = commands::import(s, &org)?;
            if ctx.json {
                return Ok(Output::json(&done));
            }
            let mut text = String::new();
            if done.started {
                text.push_str(&format!(
                    "Started the member list with you ({}) as its first admin.\n",
                    s.actor
                ));
            }
            text.push_str(&format!(
                "Imported {} member(s) from the signers file{}.\n",
                done.added.len(),
                if done.added.is_empty() {
                    String::new()
                } else {
                    format!(": {}", done.added.join(", "))
                }
            ));
            for skipped in &done.skipped {
                text.push_str(&format!("Not imported: {skipped}\n"));
            }
            if !done.skipped.is_empty() {
                text.push_str("A person's second key is added by them, with `escalate member add-key` on the computer that has their first.\n");
            }
            text.push_str("The signers file is no longer read here; run `escalate sync` to share the member list.\n");
            Ok(Output::Text(text))
        }
    }
}

/// After a change: what it did, and that the next sync shares it.
fn changed(ctx: &Ctx, m: &Members, said: String) -> Result<Output> {
    if ctx.json {
        return Ok(Output::json(m));
    }
    Ok(Output::Text(format!(
        "{said}\nThe member list is changed here; `escalate sync` shares it with the partnership.\n"
    )))
}

fn when(t: &Instant) -> String {
    clock::human_instant(t)
}

/// One row per key: who, agency, role, the key, and the dates it counts.
fn table(m: &Members) -> String {
    let mut out = String::new();
    for p in &m.people {
        out.push_str(&format!(
            "{} ({}), {}{}\n",
            p.name,
            p.agency,
            p.role.as_str(),
            p.leaves
                .map(|l| format!(", leaves {}", when(&l)))
                .unwrap_or_default()
        ));
        for k in &p.keys {
            // The fingerprint alone on its line: with the dates beside it, a
            // row is wider than an 80-column terminal.
            out.push_str(&format!(
                "  {}\n    from {}{}{}\n",
                k.fingerprint,
                when(&k.valid_from),
                k.valid_until
                    .map(|u| format!(" until {}", when(&u)))
                    .unwrap_or_else(|| ", still valid".into()),
                k.ended
                    .as_deref()
                    .map(|e| format!(" ({e})"))
                    .unwrap_or_default()
            ));
        }
    }
    out
}
