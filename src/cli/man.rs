//! `escalate man`: the manual pages, generated from the same definitions as --help,
//! so they can never drift from the commands. `--output DIR` writes one page per command.

use std::path::PathBuf;

use clap::{Args, CommandFactory};

use super::{Ctx, Output};
use crate::error::{Error, Result};

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Show this page instead of escalate(1): a command (`open`), or `policy.5` for the policy file format
    pub page: Option<String>,
    /// Write escalate.1 and one page per subcommand into this directory instead
    #[arg(long, value_name = "DIR")]
    pub output: Option<PathBuf>,
}

/// Every page as (file name, roff text): escalate.1, escalate-open.1, ...
pub fn pages() -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    let cmd = super::Cli::command();
    collect(&cmd, "escalate", &mut out)?;
    // Section 5: the policy file format, from policies/README.md.
    out.push((
        "escalate-policy.5".to_owned(),
        crate::policy::manual::page(),
    ));
    Ok(out)
}

fn collect(cmd: &clap::Command, name: &str, out: &mut Vec<(String, String)>) -> Result<()> {
    let mut buf = Vec::new();
    let page = clap_mangen::Man::new(cmd.clone().name(name.to_owned()));
    page.render(&mut buf)
        .map_err(|e| Error::io("could not render the manual page", e))?;
    out.push((
        format!("{name}.1"),
        String::from_utf8_lossy(&buf).into_owned(),
    ));
    for sub in cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
    {
        collect(sub, &format!("{name}-{}", sub.get_name()), out)?;
    }
    Ok(())
}

pub fn run(args: ManArgs, _ctx: &Ctx) -> Result<Output> {
    let pages = pages()?;
    if let Some(name) = &args.page {
        // `escalate-policy` is both the `policy` command (1) and the file format
        // (5); the name alone means the format, `escalate-policy.1` the command.
        // `policy.5` names the format too.
        let (stem, section) = match name.rsplit_once('.') {
            Some((stem, n)) if n == "1" || n == "5" => (stem, Some(n)),
            _ => (name.as_str(), None),
        };
        let stem = if stem.starts_with("escalate") {
            stem.to_owned()
        } else {
            format!("escalate-{stem}")
        };
        let found = pages
            .iter()
            .filter(|(file, _)| {
                file.rsplit_once('.')
                    .is_some_and(|(s, n)| s == stem && section.is_none_or(|want| want == n))
            })
            .max_by_key(|(file, _)| file.ends_with(".5"));
        return match found {
            Some((_, text)) => Ok(Output::Text(text.clone())),
            None => Err(
                Error::usage(format!("there is no manual page {name:?}")).with_hint(
                    "Try `escalate man policy.5` (the policy file format) or `escalate man open`.",
                ),
            ),
        };
    }
    match args.output {
        None => Ok(Output::Text(
            pages
                .into_iter()
                .next()
                .map(|(_, text)| text)
                .unwrap_or_default(),
        )),
        Some(dir) => {
            std::fs::create_dir_all(&dir)
                .map_err(|e| Error::io(format!("could not create {}", dir.display()), e))?;
            for (name, text) in &pages {
                let path = dir.join(name);
                std::fs::write(&path, text)
                    .map_err(|e| Error::io(format!("could not write {}", path.display()), e))?;
            }
            Ok(Output::Text(format!(
                "Wrote {} manual pages to {}.\n",
                pages.len(),
                dir.display()
            )))
        }
    }
}
