//! The command line: global options, the list of subcommands, and the one place
//! where results are printed and errors become exit codes. Each subcommand lives in
//! its own module as an `Args` struct (whose doc comments are its help) and a `run`
//! function that calls the library and returns what to print.

mod agree;
mod amend;
mod calendar;
mod complete;
mod config;
mod discuss;
mod escalate;
mod export;
mod man;
mod notify;
mod open;
mod policy;
mod prompt;
mod reopen;
mod report;
mod resolve;
mod show;
mod spill;
mod status;
mod verify;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::clock::{self, Instant};
use crate::config::Config;
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
    after_help = "Exit codes: 0 success; 1 refused or failed (nothing written); 2 bad usage; 3 a journal or stored calendar file is damaged."
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
    /// When to colour output: auto (a terminal, and NO_COLOR unset), always, never
    #[arg(
        long,
        global = true,
        value_enum,
        default_value = "auto",
        value_name = "WHEN"
    )]
    pub color: ColorChoice,
    /// Never prompt; a missing flag is an error (prompts only appear on a terminal anyway)
    #[arg(long, global = true)]
    pub no_input: bool,
    /// Print nothing on success but the ID a new dispute gets (for scripts)
    #[arg(long, short, global = true)]
    pub quiet: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
// Parsed once per run; the size of the largest arguments costs nothing.
#[allow(clippy::large_enum_variant)]
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
    /// Attach a correction to an earlier event (the original is kept)
    Amend(amend::AmendArgs),
    /// Reopen a resolved dispute
    Reopen(reopen::ReopenArgs),
    /// Record a later date the parties agreed for the current stage (where the policy allows it)
    Agree(agree::AgreeArgs),
    /// List open disputes by due date
    Status(status::StatusArgs),
    /// Show one dispute's timeline
    Show(show::ShowArgs),
    /// Count escalations in a period (month-end figures)
    Report(report::ReportArgs),
    /// Export disputes (JSON lines, CSV) or deadlines (iCalendar)
    Export(export::ExportArgs),
    /// Check journals are intact and print each one's head hash
    Verify(verify::VerifyArgs),
    /// Show, list and check escalation policies
    Policy(policy::PolicyArgs),
    /// The working-day calendar: import bank holidays, closure days, date sums
    Calendar(calendar::CalendarArgs),
    /// Read or change your settings (name, default policy, organisation, division)
    Config(config::ConfigArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell)
    Completions(complete::CompletionsArgs),
    /// Print the manual page
    Man(man::ManArgs),
}

/// What a command produces: JSON for scripts, or text for people.
pub enum Output {
    /// One pretty-printed JSON document (without its final newline).
    Json(String),
    /// A JSON array written one element per line, without ever joining the
    /// elements into one string (status over tens of thousands of disputes).
    JsonArray(Vec<String>),
    /// A JSON array kept in a scratch file until it is written.
    JsonSpilled(std::cell::RefCell<spill::Spill>),
    Text(String),
}

impl Output {
    /// Render straight from the typed value: no intermediate `serde_json::Value`.
    pub fn json(value: impl serde::Serialize) -> Output {
        Output::Json(serde_json::to_string_pretty(&value).unwrap_or_else(|_| "null".to_owned()))
    }

    pub fn write_to(&self, out: &mut impl Write) -> std::io::Result<()> {
        match self {
            Output::Json(text) => {
                out.write_all(text.as_bytes())?;
                out.write_all(b"\n")
            }
            Output::JsonArray(items) if items.is_empty() => out.write_all(b"[]\n"),
            Output::JsonArray(items) => {
                out.write_all(b"[\n")?;
                for (i, item) in items.iter().enumerate() {
                    out.write_all(item.as_bytes())?;
                    out.write_all(if i + 1 < items.len() { b",\n" } else { b"\n" })?;
                }
                out.write_all(b"]\n")
            }
            Output::JsonSpilled(spill) => spill.borrow_mut().write_array(out),
            Output::Text(text) => out.write_all(text.as_bytes()),
        }
    }
}

/// What every command knows about where and how it runs.
pub struct Ctx {
    pub session: Session,
    pub config: Config,
    pub config_path: PathBuf,
    pub prompter: prompt::Prompter,
    pub json: bool,
    pub quiet: bool,
    /// Colour is wanted on stdout.
    pub color: bool,
}

pub(crate) fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("", "", "escalate")
}

fn actor(by: Option<String>, config: &Config) -> Result<String> {
    let name = by
        .or_else(|| config.name.clone())
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
        let config_dir = dirs
            .as_ref()
            .map(|d| d.config_dir().to_owned())
            .unwrap_or_else(|| root.join("config"));
        let config_path = config_dir.join("config.toml");
        let config = Config::load(&config_path)?;
        let user_policies = config_dir.join("policies");
        let now: Instant = clock::now_from_env()?;
        if root.exists() && !root.is_dir() {
            return Err(Error::refused(format!(
                "the data directory {} is not a directory",
                root.display()
            ))
            .with_hint(
                "Give a directory with --dir or ESCALATE_DIR (it is created on first use).",
            ));
        }
        let store = Store::new(root);
        let catalogue = Catalogue::load(Some(&user_policies))?;
        for (path, e) in &catalogue.broken {
            warn(&format!(
                "the policy file {} is not used: {e}",
                path.display()
            ));
        }
        Ok(Ctx {
            session: Session {
                calendars: crate::calendar_store::Calendars::load(store.root())?,
                store,
                catalogue,
                now,
                actor: actor(global.by, &config)?,
            },
            config,
            config_path,
            prompter: prompt::Prompter::new(global.no_input),
            json: global.json,
            quiet: global.quiet,
            color: match global.color {
                ColorChoice::Always => true,
                ColorChoice::Never => false,
                ColorChoice::Auto => {
                    std::io::stdout().is_terminal()
                        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                }
            },
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
        Command::Report(args) => report::run(args, ctx),
        Command::Export(args) => export::run(args, ctx),
        Command::Config(args) => config::run(args, ctx),
        Command::Completions(args) => complete::run(args, ctx),
        Command::Man(args) => man::run(args, ctx),
        Command::Calendar(args) => calendar::run(args, ctx),
        Command::Verify(args) => verify::run(args, ctx),
        Command::Amend(args) => amend::run(args, ctx),
        Command::Reopen(args) => reopen::run(args, ctx),
        Command::Agree(args) => agree::run(args, ctx),
        Command::Policy(args) => policy::run(args, ctx),
    }
}

/// Run a parsed command line; returns the process exit code.
pub fn main(cli: Cli) -> i32 {
    let result = Ctx::new(cli.global).and_then(|ctx| dispatch(cli.command, &ctx));
    match result {
        Ok(output) => {
            let mut stdout = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
            match output.write_to(&mut stdout).and_then(|()| stdout.flush()) {
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
    for w in &loaded.warnings {
        warn(&format!("dispute {}: {w}", loaded.dispute.id));
    }
    let calendar = ctx.session.calendar_for(&loaded.policy);
    let summary = loaded.summary(&calendar, &ctx.session.now);
    if ctx.json {
        return Output::json(&summary);
    }
    if ctx.quiet {
        return Output::Text(String::new());
    }
    let mut out = format!("{headline}\n");
    match summary.state {
        crate::dispute::State::Open => {
            out.push_str(&format!(
                "Stage {} ({}): due {}.\n",
                summary.stage_label,
                summary.stage_name,
                crate::render::due_phrase(&summary)
            ));
        }
        crate::dispute::State::Resolved if !summary.obligations.is_empty() => out.push_str(&format!(
            "The dispute is resolved; it stays in `escalate status` until each duty below is recorded with `escalate notify {} --who ...`.\n",
            summary.id
        )),
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

/// A stage the user named by its number or by the policy's own label ("0", "4a").
pub fn stage_arg(policy: &crate::policy::Policy, name: &str) -> Result<u32> {
    policy.stage_named(name).ok_or_else(|| {
        let known: Vec<String> = policy
            .stages
            .iter()
            .map(|s| policy.label(s.number))
            .collect();
        let shown: String = name.chars().filter(|c| !c.is_control()).take(20).collect();
        crate::error::Error::refused(format!("policy {} has no stage {shown}", policy.id))
            .with_hint(format!("Its stages are: {}.", known.join(", ")))
    })
}
