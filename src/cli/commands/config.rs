//! `escalate config`: read and change the settings file.

use clap::{Args, Subcommand};

use crate::cli::{Ctx, Output};
use escalate_core::error::Result;
use escalate_core::store::config::KEYS;

#[derive(Debug, Args)]
pub(crate) struct ConfigArgs {
    #[command(subcommand)]
    pub action: Action,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Action {
    /// Print a setting (name, policy, organisation, division)
    Get { key: String },
    /// Change a setting; an empty value clears it
    Set { key: String, value: String },
    /// Print where the settings file is
    Path,
    /// Print every setting
    List,
}

/// A mistyped setting's name ("nmae") is answered with the one meant.
fn check_key(key: &str) -> Result<()> {
    let keys = escalate_core::store::config::KEYS.map(|(k, _)| k);
    if keys.contains(&key) {
        return Ok(());
    }
    match crate::cli::suggest::closest(key, keys) {
        Some(near) => {
            let shown: String = key.chars().filter(|c| !c.is_control()).take(40).collect();
            Err(escalate_core::error::Error::refused(format!(
                "there is no setting called {shown:?}; did you mean {near}?"
            ))
            .with_hint(format!(
                "escalate config set {near} VALUE (the settings: {}).",
                keys.join(", ")
            )))
        }
        // The full list, from the settings themselves.
        None => Ok(()),
    }
}

pub(crate) fn run(args: ConfigArgs, ctx: &Ctx) -> Result<Output> {
    let path = &ctx.config_path;
    match &args.action {
        Action::Get { key } | Action::Set { key, .. } => check_key(key)?,
        _ => {}
    }
    match args.action {
        Action::Path => Ok(if ctx.json {
            Output::json(serde_json::json!({ "path": path }))
        } else {
            Output::Text(format!("{}\n", path.display()))
        }),
        Action::Get { key } => {
            let value = ctx.config()?.get(&key)?;
            Ok(if ctx.json {
                Output::json(serde_json::json!({ "key": key, "value": value }))
            } else {
                Output::Text(value.map(|v| format!("{v}\n")).unwrap_or_default())
            })
        }
        Action::List => Ok(if ctx.json {
            Output::json(ctx.config()?)
        } else {
            let mut out = String::new();
            for (key, what) in KEYS {
                let value = ctx
                    .config()?
                    .get(key)?
                    .unwrap_or_else(|| "(not set)".into());
                out.push_str(&format!("{key} = {value}    # {what}\n"));
            }
            Output::Text(out)
        }),
        Action::Set { key, value } => {
            let mut config = ctx.config()?.clone();
            config.set(&key, &value)?;
            if let (Some(p), "policy") = (&config.policy, key.as_str()) {
                // Kept as the policy spells its id (GSCB is gscb).
                config.policy = Some(ctx.session()?.catalogue.get(p)?.policy.id.clone());
            }
            config.save(path)?;
            Ok(if ctx.json {
                Output::json(&config)
            } else if ctx.quiet {
                Output::Text(String::new())
            } else {
                Output::Text(format!("Set {key} in {}.\n", path.display()))
            })
        }
    }
}
