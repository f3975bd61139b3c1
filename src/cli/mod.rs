//! The command line: global options, the list of subcommands, and the one place
//! where results are printed and errors become exit codes. Each subcommand lives in
//! its own module as an `Args` struct (whose doc comments are its help) and a `run`
//! function that calls the library and returns what to print.

mod discuss;
mod escalate;
mod notify;
mod open;
mod policy;
mod resolve;
mod show;
mod status;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::clock::{self, Instant};
use crate::error::{Error, Result, EXIT_OK};
use crate::ops::Session;
use crate::policy::Catalogue;
use crate::store::Store;
use crate::text;

/// Track child-safeguarding professional disagreements under your area's
/// escalation policy: stages, working-day deadlines and obligations, in an
/// append-only journal per dispute.
#[derive(Debug, Parser)]
#[command(name = "escalate", version, max_term_width = 100)]
#[command(
    after_help = "Exit codes: 0 success; 1 refused or failed (nothing written); 2 bad usage; 3 a journal is damaged."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct Global {
    /// Data directory holding the journals [default: your platform's data directory]
    #[arg(long, global = true, env = "ESCALATE_DIR", value_name = "PATH")]
    pub dir: Option<PathBuf>,
    /// Who is recording (your name or role) [default: your login name]
    #[arg(long, global = true, env = "ESCALATE_USER", value_name = "NAME")]
    pub by: Option<String>,
    /// Print one JSON document instead of text
    #[arg(long, global = true)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Open a new dispute under a policy
    Open(open::OpenArgs),
    /// Record a discussion at the dispute's current stage
    Discuss(discuss::DiscussArgs),
    /// Move a dispute to the next stage
    Escalate(escalate::EscalateArgs),
    /// Record that an obligation was met (someone was notified)
    Notify(notify::NotifyArgs),
    /// Close a dispute with its written outcome
    Resolve(resolve::ResolveArgs),
    /// List open disputes by due date
    Status(status::StatusArgs),
    /// Show one dispute's timeline
    Show(show::ShowArgs),
    /// Show, list and check escalation policies
    Policy(policy::PolicyArgs),
}

/// What a command produces: JSON for scripts, or text for people.
pub enum Output {
    Json(serde_json::Value),
    Text(String),
}

impl Output {
    pub fn json(value: impl serde::Serialize) -> Output {
        Output::Json(serde_json::to_value(value).unwrap_or(serde_json::Value::Null))
    }
}

/// What every command knows about where and how it runs.
pub struct Ctx {
    pub session: Session,
    pub json: bool,
    /// Colour is wanted on stdout.
    pub color: bool,
}

fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("", "", "escalate")
}

fn actor(by: Option<String>) -> Result<String> {
    let name = by
        .or_else(|| std::env::var("USER").ok())
        .or_else(|| std::env::var("USERNAME").ok())
        .unwrap_or_else(|| "unknown".to_owned());
    text::required("--by", &name, text::MAX_SHORT)
}

impl Ctx {
    fn new(global: Global) -> Result<Ctx> {
        let dirs = project_dirs();
        let root = match global
            .dir
            .or_else(|| dirs.as_ref().map(|d| d.data_dir().to_owned()))
        {
            Some(root) => root,
            None => {
                return Err(
                    Error::usage("cannot tell where to keep the journals on this system")
                        .with_hint("Give a data directory with --dir PATH or ESCALATE_DIR."),
                )
            }
        };
        let user_policies = dirs.as_ref().map(|d| d.config_dir().join("policies"));
        let now: Instant = clock::now_from_env()?;
        Ok(Ctx {
            session: Session {
                store: Store::new(root),
                catalogue: Catalogue::load(user_policies.as_deref())?,
                now,
                actor: actor(global.by)?,
            },
            json: global.json,
            color: std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        })
    }
}

fn dispatch(command: Command, ctx: &Ctx) -> Result<Output> {
    match command {
        Command::Open(args) => open::run(args, ctx),
        Command::Discuss(args) => discuss::run(args, ctx),
        Command::Escalate(args) => escalate::run(args, ctx),
        Command::Notify(args) => notify::run(args, ctx),
        Command::Resolve(args) => resolve::run(args, ctx),
        Command::Status(args) => status::run(args, ctx),
        Command::Show(args) => show::run(args, ctx),
        Command::Policy(args) => policy::run(args, ctx),
    }
}

/// Run a parsed command line; returns the process exit code.
pub fn main(cli: Cli) -> i32 {
    let result = Ctx::new(cli.global).and_then(|ctx| dispatch(cli.command, &ctx));
    match result {
        Ok(output) => {
            let mut stdout = std::io::stdout().lock();
            let written = match output {
                Output::Json(v) => serde_json::to_writer_pretty(&mut stdout, &v)
                    .map_err(std::io::Error::from)
                    .and_then(|()| writeln!(stdout)),
                Output::Text(t) => stdout.write_all(t.as_bytes()),
            };
            match written.and_then(|()| stdout.flush()) {
                // A closed pipe (`escalate status | head`) is the reader's choice, not a failure.
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                    eprintln!("escalate: could not write the output: {e}");
                    crate::error::EXIT_REFUSED
                }
                _ => EXIT_OK,
            }
        }
        Err(e) => {
            report(&e);
            e.exit_code()
        }
    }
}

/// Print an error and its next step to stderr.
pub fn report(e: &Error) {
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "error: {e}");
    if let Some(hint) = e.hint() {
        let _ = writeln!(stderr, "  {hint}");
    }
}

/// Parse `--at`/`--arose` values for clap.
pub fn parse_instant_arg(s: &str) -> std::result::Result<Instant, String> {
    clock::parse_instant(s)
}

/// Parse `--due`/`--as-of` values for clap.
pub fn parse_date_arg(s: &str) -> std::result::Result<chrono::NaiveDate, String> {
    clock::parse_date(s)
}

/// Reprint a warning on stderr (used when some journals could not be read).
pub fn warn(message: &str) {
    eprintln!("warning: {message}");
}

/// After a change: the dispute as it now stands, as JSON or as a few lines of text
/// beginning with `headline`.
pub fn after_change(ctx: &Ctx, loaded: &crate::ops::Loaded, headline: String) -> Output {
    let calendar = ctx.session.calendar_for(&loaded.policy);
    let summary = loaded.summary(&calendar, &ctx.session.now);
    if ctx.json {
        return Output::json(&summary);
    }
    let mut out = format!("{headline}\n");
    match summary.state {
        crate::dispute::State::Open => {
            out.push_str(&format!(
                "Stage {} ({}): due {}.\n",
                summary.stage,
                summary.stage_name,
                crate::render::due_phrase(&summary)
            ));
        }
        crate::dispute::State::Resolved => out.push_str("The dispute is closed.\n"),
    }
    for o in &summary.obligations {
        out.push_str(&format!(
            "Outstanding: {}\n",
            crate::render::obligation_phrase(o)
        ));
    }
    Output::Text(out)
}
