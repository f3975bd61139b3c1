//! `escalate agency`: the partnership's agency names and their aliases, kept in
//! the data directory by `escalate_core::store::agencies`; this module parses and renders.

use clap::{Args, Subcommand};

use crate::cli::{Ctx, Output};
use escalate_core::error::Result;
use escalate_core::store::agencies::Agencies;

#[derive(Debug, Args)]
pub(crate) struct AgencyArgs {
    #[command(subcommand)]
    pub command: AgencyCommand,
}

#[derive(Debug, Subcommand)]
pub(crate) enum AgencyCommand {
    /// Add an agency's canonical name (the one reports use)
    Add {
        /// The name, as reports should print it
        name: String,
    },
    /// Count another name for an agency (e.g. CSC) under its canonical name
    Alias {
        /// The other name, as people type it
        alias: String,
        /// The agency's canonical name (add it first)
        name: String,
    },
    /// List the agencies and their aliases
    List,
}

pub(crate) fn run(args: AgencyArgs, ctx: &Ctx) -> Result<Output> {
    let root = ctx.root.as_path();
    let mut list = Agencies::read(root)?;
    let said = match &args.command {
        AgencyCommand::List => return Ok(render(&list, ctx.json)),
        AgencyCommand::Add { name } => {
            list.add(name)?;
            format!("Added \"{}\".", name.trim())
        }
        AgencyCommand::Alias { alias, name } => {
            list.alias(alias, name)?;
            format!(
                "Reports now count \"{}\" as \"{}\"; journals keep the name as typed.",
                alias.trim(),
                escalate_core::domain::text::one_line(&list.canonical(name))
            )
        }
    };
    escalate_core::store::fsutil::private_dir(root)?;
    list.write(root)?;
    Ok(if ctx.json {
        render(&list, true)
    } else {
        Output::Text(format!("{said}\n"))
    })
}

fn render(list: &Agencies, json: bool) -> Output {
    if json {
        return Output::json(&list.agencies);
    }
    if list.agencies.is_empty() {
        return Output::Text(
            "No agencies listed yet. Add one with: escalate agency add \"Children's Social Care\"\n"
                .to_owned(),
        );
    }
    // One line an agency, whatever a shared file holds (`text::one_line`).
    let shown = escalate_core::domain::text::one_line;
    let mut out = String::new();
    for a in &list.agencies {
        out.push_str(&shown(&a.name));
        if !a.aliases.is_empty() {
            let aliases: Vec<_> = a.aliases.iter().map(|x| shown(x)).collect();
            out.push_str(&format!(" (also: {})", aliases.join(", ")));
        }
        out.push('\n');
    }
    Output::Text(out)
}
