//! Shell completion: `escalate completions SHELL` prints a registration script, and
//! the shell then calls back into escalate (with `COMPLETE=<shell>` set) on each Tab,
//! so dispute IDs and policy ids complete to the real ones in the data directory.

use std::ffi::OsStr;

use clap::Args;
use clap_complete::engine::CompletionCandidate;
use clap_complete::env::Shells;

use super::{project_dirs, Ctx, Output};
use crate::error::{Error, Result};

/// The environment variable the registration scripts set to ask for completions.
pub const VAR: &str = "COMPLETE";

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// bash, zsh, fish, elvish or powershell
    #[arg(value_name = "SHELL")]
    pub shell: String,
}

/// The registration script for one shell.
pub fn script(shell: &str) -> Result<String> {
    let shells = Shells::builtins();
    let completer = shells.completer(shell).ok_or_else(|| {
        Error::usage(format!("escalate cannot complete for the shell {shell:?}")).with_hint(
            format!(
                "Use one of: {}.",
                shells.names().collect::<Vec<_>>().join(", ")
            ),
        )
    })?;
    let mut buf = Vec::new();
    completer
        .write_registration(VAR, "escalate", "escalate", "escalate", &mut buf)
        .map_err(|e| Error::io("could not write the completion script", e))?;
    String::from_utf8(buf).map_err(|_| Error::refused("the completion script is not UTF-8"))
}

pub fn run(args: CompletionsArgs, _ctx: &Ctx) -> Result<Output> {
    Ok(Output::Text(script(&args.shell)?))
}

fn data_dir() -> Option<std::path::PathBuf> {
    std::env::var_os("ESCALATE_DIR")
        .filter(|d| !d.is_empty())
        .map(Into::into)
        .or_else(|| project_dirs().map(|d| d.data_dir().to_owned()))
}

/// Completes a dispute ID from the journals in the data directory.
pub fn dispute_ids(current: &OsStr) -> Vec<CompletionCandidate> {
    let typed = current.to_string_lossy().to_uppercase();
    let Some(dir) = data_dir() else {
        return Vec::new();
    };
    crate::store::Store::new(dir)
        .ids()
        .unwrap_or_default()
        .into_iter()
        .filter(|id| id.as_str().starts_with(&typed))
        .map(|id| CompletionCandidate::new(id.as_str()))
        .collect()
}

/// Completes a policy id from the built-in and user policies.
pub fn policy_ids(current: &OsStr) -> Vec<CompletionCandidate> {
    let typed = current.to_string_lossy();
    let user = project_dirs().map(|d| d.config_dir().join("policies"));
    let catalogue = crate::policy::Catalogue::load(user.as_deref()).unwrap_or_default();
    catalogue
        .policies()
        .into_iter()
        .filter(|p| p.policy.id.starts_with(typed.as_ref()))
        .map(|p| {
            CompletionCandidate::new(&p.policy.id).help(Some(p.policy.partnership.clone().into()))
        })
        .collect()
}
