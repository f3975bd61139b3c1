//! Shell completion: `escalate completions SHELL` prints a registration script, and
//! the shell then calls back into escalate (with `COMPLETE=<shell>` set) on each Tab,
//! so dispute IDs and policy ids complete to the real ones in the data directory.

use std::ffi::{OsStr, OsString};
use std::path::PathBuf;

use clap::Args;
use clap_complete::engine::CompletionCandidate;
use clap_complete::env::Shells;

use escalate_core::domain::dispute::State;

use super::{project_dirs, Ctx, Output};
use escalate_core::error::{Error, Result};

/// The environment variable the registration scripts set to ask for completions.
pub(super) const VAR: &str = "COMPLETE";

#[derive(Debug, Args)]
pub(crate) struct CompletionsArgs {
    /// bash, zsh, fish, elvish or powershell
    #[arg(value_name = "SHELL")]
    pub shell: String,
}

/// The registration script for one shell.
pub(super) fn script(shell: &str) -> Result<String> {
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

pub(super) fn run(args: CompletionsArgs, _ctx: &Ctx) -> Result<Output> {
    Ok(Output::Text(script(&args.shell)?))
}

/// The data directory the command being completed will use: `--dir` typed on the
/// command line so far, else `ESCALATE_DIR`, else the platform's.
fn data_dir() -> Option<PathBuf> {
    dir_on_command_line(std::env::args_os())
        .or_else(|| {
            std::env::var_os("ESCALATE_DIR")
                .filter(|d| !d.is_empty())
                .map(Into::into)
        })
        .or_else(|| project_dirs().map(|d| d.data_dir().to_owned()))
}

/// The last `--dir PATH` or `--dir=PATH` among the words the shell passed after
/// `--` (the words of the command line being completed). A leading `~/` is the
/// home directory: the shell has not expanded it yet.
fn dir_on_command_line(args: impl Iterator<Item = OsString>) -> Option<PathBuf> {
    let mut words = args.skip_while(|a| a != "--").skip(1);
    let mut found: Option<OsString> = None;
    while let Some(word) = words.next() {
        if word == "--dir" {
            found = words.next().or(found);
        } else if let Some(v) = word.to_str().and_then(|w| w.strip_prefix("--dir=")) {
            found = Some(v.into());
        }
    }
    let found = found.filter(|f| !f.is_empty())?;
    match (
        found.to_str().and_then(|f| f.strip_prefix("~/")),
        std::env::var_os("HOME"),
    ) {
        (Some(rest), Some(home)) => Some(PathBuf::from(home).join(rest)),
        _ => Some(found.into()),
    }
}

/// Which disputes a command takes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Wanted {
    Any,
    Open,
    Resolved,
    /// Open, or resolved with obligations still outstanding (some arise only on
    /// resolving, such as telling the chair the outcome).
    Notifiable,
}

fn ids(current: &OsStr, wanted: Wanted) -> Vec<CompletionCandidate> {
    let typed = current.to_string_lossy().to_uppercase();
    let Some(dir) = data_dir() else {
        return Vec::new();
    };
    let store = escalate_core::store::Store::new(dir);
    if wanted == Wanted::Any {
        return store
            .ids()
            .unwrap_or_default()
            .into_iter()
            .filter(|id| id.as_str().starts_with(&typed))
            .map(|id| CompletionCandidate::new(id.as_str()))
            .collect();
    }
    let Some(session) = session(store) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let _ = session.each_state(
        |id, loaded| {
            if !id.as_str().starts_with(&typed) {
                return None;
            }
            let l = loaded.ok()?;
            let open = l.dispute.state == State::Open;
            let offered = match wanted {
                Wanted::Open => open,
                Wanted::Resolved => !open,
                Wanted::Notifiable => open || l.dispute.outstanding().next().is_some(),
                Wanted::Any => true,
            };
            offered.then(|| format!("stage {}, with {}", l.dispute.stage, l.dispute.opened.with))
        },
        |id, help| {
            if let Some(help) = help {
                out.push(CompletionCandidate::new(id.as_str()).help(Some(help.into())));
            }
        },
    );
    out
}

/// Enough of a session to fold disputes (from the status cache where it can).
fn session(store: escalate_core::store::Store) -> Option<escalate_core::ops::Session> {
    let root = store.root().to_owned();
    let user =
        project_dirs().map(|d| escalate_core::store::layout::config::policies(d.config_dir()));
    Some(escalate_core::ops::Session {
        calendars: escalate_core::store::calendar::Calendars::load(store.root()).ok()?,
        catalogue: escalate_core::policy::Catalogue::load(user.as_deref()).ok()?,
        store,
        now: escalate_core::domain::clock::now_from_env().ok()?,
        actor: String::new(),
        // Completion only reads; it never signs.
        keys: escalate_core::integrity::signing::Keyring::new(None, root),
        // Completion never stops for a damaged settings file.
        division_setting: project_dirs()
            .and_then(|d| {
                escalate_core::store::config::Config::load(
                    &escalate_core::store::layout::config::settings(d.config_dir()),
                )
                .ok()
            })
            .and_then(|c| c.division),
    })
}

/// Completes any dispute ID from the journals in the data directory.
pub(super) fn dispute_ids(current: &OsStr) -> Vec<CompletionCandidate> {
    ids(current, Wanted::Any)
}

/// Completes the IDs of open disputes (for discuss, escalate, resolve).
pub(super) fn open_dispute_ids(current: &OsStr) -> Vec<CompletionCandidate> {
    ids(current, Wanted::Open)
}

/// Completes the IDs of disputes someone may still need notifying on.
pub(super) fn notifiable_dispute_ids(current: &OsStr) -> Vec<CompletionCandidate> {
    ids(current, Wanted::Notifiable)
}

/// Completes the IDs of resolved disputes (for reopen).
pub(super) fn resolved_dispute_ids(current: &OsStr) -> Vec<CompletionCandidate> {
    ids(current, Wanted::Resolved)
}

/// Completes a policy id from the built-in and user policies.
pub(super) fn policy_ids(current: &OsStr) -> Vec<CompletionCandidate> {
    let typed = current.to_string_lossy();
    let user =
        project_dirs().map(|d| escalate_core::store::layout::config::policies(d.config_dir()));
    let catalogue = escalate_core::policy::Catalogue::load(user.as_deref()).unwrap_or_default();
    catalogue
        .policies()
        .into_iter()
        .filter(|p| p.policy.id.starts_with(typed.as_ref()))
        .map(|p| {
            CompletionCandidate::new(&p.policy.id).help(Some(p.policy.partnership.clone().into()))
        })
        .collect()
}

/// Completes an agency from the data directory's list (`escalate agency`): the
/// canonical names, and an alias typed so far offers its agency's name.
pub(super) fn agency_names(current: &OsStr) -> Vec<CompletionCandidate> {
    let typed = current.to_string_lossy().to_lowercase();
    let Some(list) =
        data_dir().and_then(|d| escalate_core::store::agencies::Agencies::read(&d).ok())
    else {
        return Vec::new();
    };
    list.agencies
        .iter()
        .filter(|a| {
            std::iter::once(&a.name)
                .chain(&a.aliases)
                .any(|n| n.to_lowercase().starts_with(&typed))
        })
        .map(|a| CompletionCandidate::new(&a.name))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dir_is_read_from_the_words_being_completed() {
        let words = |w: &[&str]| w.iter().map(OsString::from).collect::<Vec<_>>().into_iter();
        assert_eq!(
            dir_on_command_line(words(&[
                "escalate", "--", "escalate", "--dir", "/d", "show", ""
            ])),
            Some(PathBuf::from("/d"))
        );
        assert_eq!(
            dir_on_command_line(words(&[
                "escalate", "--", "escalate", "show", "--dir=/e", ""
            ])),
            Some(PathBuf::from("/e"))
        );
        assert_eq!(
            dir_on_command_line(words(&[
                "escalate", "--dir", "/x", "--", "escalate", "show"
            ])),
            None
        );
    }
}
