//! `escalate policy`: list the policies a user can name, show one in words or as a
//! flowchart, and check a policy file before it is installed. Read-only: it never
//! touches the data directory.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};
use serde::Serialize;

use crate::cli::{Ctx, Output};
use crate::render::policy as render;
use escalate_core::error::{Error, Result};
use escalate_core::policy::{LoadedPolicy, Origin};

#[derive(Debug, Args)]
#[command(
    after_help = "The policy file format, key by key: `escalate man policy.5` (escalate-policy(5)). Start a new file with `escalate policy new FILE`."
)]
pub(crate) struct PolicyArgs {
    #[command(subcommand)]
    pub command: PolicyCommand,
}

#[derive(Debug, Subcommand)]
pub(crate) enum PolicyCommand {
    /// List the policies you can use with `open --policy ID`
    List,
    /// Show a policy: stages, deadlines, obligations, categories and every reading
    Show(ShowArgs),
    /// Check a policy file; lists every problem with its line number
    Check(CheckArgs),
    /// Write a commented skeleton policy file to start from
    New(NewArgs),
}

#[derive(Debug, Args)]
pub(crate) struct NewArgs {
    /// Where to write it (never over an existing file); without it, print it
    pub file: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct ShowArgs {
    /// Policy ID (see `escalate policy list`), or a policy file (a path with a `/`, or ending in .toml) to read before installing it
    pub id: String,
    /// How to show it: text for people, or a flowchart (mermaid for GitHub, dot for Graphviz)
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    Text,
    Mermaid,
    Dot,
}

#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    /// The policy file (TOML) to check
    pub file: PathBuf,
}

pub(crate) fn run(args: PolicyArgs, ctx: &Ctx) -> Result<Output> {
    match args.command {
        PolicyCommand::List => list(ctx),
        PolicyCommand::Show(a) => show(a, ctx),
        PolicyCommand::Check(a) => check(a, ctx),
        PolicyCommand::New(a) => new(a),
    }
}

/// The skeleton every new policy starts from; a test keeps it valid.
pub(crate) const SKELETON: &str = include_str!("policy-skeleton.toml");

fn new(args: NewArgs) -> Result<Output> {
    let Some(path) = args.file else {
        return Ok(Output::Text(SKELETON.to_owned()));
    };
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                Error::refused(format!(
                    "{} already exists; nothing was written",
                    path.display()
                ))
                .with_hint("Give a new file name, or remove the old file first.")
            } else {
                Error::io(format!("could not create {}", path.display()), e)
            }
        })?;
    std::io::Write::write_all(&mut file, SKELETON.as_bytes())
        .map_err(|e| Error::io(format!("could not write {}", path.display()), e))?;
    Ok(Output::Text(format!(
        "Wrote a skeleton policy to {}. Replace each quoted sentence with your document's words, then run `escalate policy check {}`.\n",
        path.display(),
        path.display()
    )))
}

fn origin_words(p: &LoadedPolicy) -> String {
    match &p.origin {
        Origin::Builtin => "built in".to_owned(),
        Origin::File(path) => path.display().to_string(),
        Origin::Snapshot => "pinned copy".to_owned(),
    }
}

/// Table width: the one standard output is laid out to, else the renderer's default.
fn width(ctx: &Ctx) -> Option<u16> {
    ctx.ui.stdout_width().and_then(|w| u16::try_from(w).ok())
}

fn list(ctx: &Ctx) -> Result<Output> {
    let rows: Vec<render::ListRow<'_>> = ctx
        .session()?
        .catalogue
        .policies()
        .into_iter()
        .map(|p| render::ListRow {
            id: &p.policy.id,
            name: &p.policy.name,
            partnership: &p.policy.partnership,
            stages: p.policy.stages.len(),
            year: p.policy.year,
            origin: origin_words(p),
            hash: &p.hash,
        })
        .collect();
    if ctx.json {
        return Ok(Output::json(rows));
    }
    let mut out = render::list(&rows, width(ctx));
    out.push_str(
        "\n`escalate policy show ID` describes one; `escalate open --policy ID ...` uses it.\n",
    );
    Ok(Output::Text(out))
}

/// Whether `policy show` was given a file rather than an id: a path, a `.toml`
/// name, or a name no policy has that is a file here.
fn names_a_file(arg: &str, known: bool) -> bool {
    arg.contains(std::path::MAIN_SEPARATOR)
        || arg.contains('/')
        || arg.ends_with(".toml")
        || (!known && std::path::Path::new(arg).is_file())
}

fn show(args: ShowArgs, ctx: &Ctx) -> Result<Output> {
    let s = ctx.session()?;
    let known = s.catalogue.get(&args.id).is_ok();
    // A file is read as `policy check` reads it, so a file with problems lists
    // them all rather than being shown in part.
    let file;
    let loaded = if names_a_file(&args.id, known) {
        file = LoadedPolicy::from_file(std::path::Path::new(&args.id))?;
        &file
    } else {
        s.catalogue.get(&args.id)?.as_ref()
    };
    let p = &loaded.policy;
    let division = s.division_of(p);
    match (args.format, ctx.json) {
        (Format::Text, true) => {
            let mut value = serde_json::to_value(p).unwrap_or_default();
            if let Some(map) = value.as_object_mut() {
                // The division in use, whether the file or the setting gave it.
                map.insert("division".into(), division.as_str().into());
                map.insert("hash".into(), loaded.hash.clone().into());
                map.insert("origin".into(), origin_words(loaded).into());
            }
            Ok(Output::json(&value))
        }
        (_, true) => Err(
            Error::usage("--json shows the policy as data, not as a flowchart")
                .with_hint("Leave out --json for --format mermaid or --format dot."),
        ),
        (Format::Text, false) => Ok(crate::cli::pager::page(
            ctx,
            render::show(p, division, &loaded.hash, &origin_words(loaded), width(ctx)),
        )),
        (Format::Mermaid, false) => Ok(Output::Text(render::mermaid(p))),
        (Format::Dot, false) => Ok(Output::Text(render::dot(p))),
    }
}

#[derive(Serialize)]
struct CheckReport<'a> {
    file: String,
    valid: bool,
    id: &'a str,
    name: &'a str,
    partnership: &'a str,
    year: Option<u16>,
    stages: usize,
    categories: usize,
    excluded_categories: usize,
    limits: usize,
    obligations: usize,
    bypasses: usize,
    notes: usize,
    readings: usize,
    hash: &'a str,
}

/// A file with problems may also have an id that is taken: one run lists both.
fn every_problem(path: &std::path::Path, e: Error, ctx: &Ctx) -> Error {
    let Some(text) = escalate_core::store::fsutil::read_file(path)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
    else {
        return e;
    };
    let Err(mut problems) = escalate_core::policy::check::parse(&text) else {
        return e;
    };
    if let Some(id) = escalate_core::policy::written_id(&text) {
        problems.extend(escalate_core::policy::id_problems(
            path,
            &text,
            &id,
            ctx.user_policies(),
        ));
    }
    problems.sort_by_key(|p| p.line.unwrap_or(0));
    escalate_core::policy::problems_error(path, &problems)
}

fn check(args: CheckArgs, ctx: &Ctx) -> Result<Output> {
    let path = &args.file;
    let loaded = match LoadedPolicy::from_file(path) {
        Ok(loaded) => loaded,
        Err(e) => return Err(every_problem(path, e, ctx)),
    };
    escalate_core::policy::check_id_is_free(path, &loaded, ctx.user_policies())?;
    let p = &loaded.policy;
    let excluded = p.categories.iter().filter(|c| c.excluded).count();
    let readings = render::readings(p).len();
    if ctx.json {
        return Ok(Output::json(CheckReport {
            file: path.display().to_string(),
            valid: true,
            id: &p.id,
            name: &p.name,
            partnership: &p.partnership,
            year: p.year,
            stages: p.stages.len(),
            categories: p.categories.len(),
            excluded_categories: excluded,
            limits: p.limits.len(),
            obligations: p.obligations.len(),
            bypasses: p.bypasses.len(),
            notes: p.notes.len(),
            readings,
            hash: &loaded.hash,
        }));
    }
    let install_dir = ctx.user_policies().display().to_string();
    let paragraph = render::check_summary(path, &loaded, &install_dir);
    Ok(Output::Text(format!("{paragraph}\n")))
}
