//! The command line: global options, the list of subcommands, and the one place
//! where results are printed and errors become exit codes. Each subcommand lives in
//! its own module as an `Args` struct (whose doc comments are its help) and a `run`
//! function that calls the library and returns what to print.

mod command_error;
mod commands;
mod complete;
mod datadir;
mod input;
mod man;
mod pager;
mod progress;
mod prompt;
mod sink;
mod spill;
mod suggest;
mod ui;

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
pub(crate) use ui::Ui;

use commands::{
    agency, agree, amend, calendar, config, discuss, erase, escalate, export, key, member, notify,
    open, policy, reopen, report, resolve, share, show, status, sync, verify,
};

use escalate_core::domain::clock::{self, Instant};
use escalate_core::domain::text;
use escalate_core::error::{Error, Result, EXIT_OK};
use escalate_core::ops::Session;
use escalate_core::policy::Catalogue;
use escalate_core::store::config::Config;
use escalate_core::store::Store;

/// Track child-safeguarding professional disagreements under your area's
/// escalation policy: stages, working-day deadlines and obligations, in an
/// append-only journal per dispute.
#[derive(Debug, Parser)]
#[command(name = "escalate", version, max_term_width = 100)]
#[command(
    after_help = "Exit codes: 0 success; 1 refused or failed (nothing written); 2 bad usage; 3 a journal or stored calendar file is damaged.\n\nThe manual: `escalate man`, or `escalate man open` for one command."
)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes: listed apart from each command's own in `--help`.
#[derive(Debug, Args)]
#[command(next_help_heading = "Global options")]
pub(crate) struct Global {
    // The environment variables are read in `Ctx::new`, not by clap: clap counts a
    // value from the environment as typed, and then prints `--dir <PATH>` in every
    // usage line as though it were required.
    /// Data directory holding the journals [env: ESCALATE_DIR] [default: your
    /// platform's data directory]
    #[arg(long, global = true, value_name = "PATH")]
    pub dir: Option<PathBuf>,
    /// Who is recording (your name or role) [env: ESCALATE_USER] [default: your login name]
    #[arg(long, global = true, value_name = "NAME")]
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
pub(crate) enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
// Parsed once per run; the size of the largest arguments costs nothing.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Command {
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
    /// Set the current stage's date, with the reason: earlier, to protect the child, or later as the parties agreed (where the policy allows it)
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
    /// Your signing key: make one, or show it and its line for the signers file
    Key(key::KeyArgs),
    /// Show, list and check escalation policies
    Policy(policy::PolicyArgs),
    /// The working-day calendar: import bank holidays, closure days, date sums
    Calendar(calendar::CalendarArgs),
    /// Read or change your settings (name, default policy, organisation, division)
    Config(config::ConfigArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell)
    Completions(complete::CompletionsArgs),
    /// Show the manual: a page for each command, and the policy file format
    Man(man::ManArgs),
    /// Share this data directory with a partnership through git (init, join)
    Share(share::ShareArgs),
    /// The partnership's member list: who may record, with which keys (shared directories)
    Member(member::MemberArgs),
    /// Send the lines recorded here and receive the partnership's (shared directories)
    Sync(sync::SyncArgs),
    /// Agency names and their aliases (CSC for Children's Social Care), for reports
    Agency(agency::AgencyArgs),
    /// Erase a sealed dispute's text for everyone by destroying its key (admins)
    Erase(erase::EraseArgs),
    /// The partnership's retention period, and erasing what is past it (admins)
    Retention(erase::RetentionArgs),
}

impl Command {
    /// Commands that append to a journal: refused in a shared directory that needs
    /// a newer escalate, and preceded by a receive and followed by a sync when
    /// `sync = auto`.
    /// (Also what `datadir` counts as writing data.)
    fn records(&self) -> bool {
        matches!(
            self,
            Command::Open(_)
                | Command::Discuss(_)
                | Command::Escalate(_)
                | Command::Agree(_)
                | Command::Notify(_)
                | Command::Resolve(_)
                | Command::Amend(_)
                | Command::Reopen(_)
                | Command::Erase(_)
        ) || matches!(self, Command::Retention(r) if r.action.records())
    }
}

/// What a command produces: JSON for scripts, or text for people.
pub(crate) enum Output {
    /// One pretty-printed JSON document (without its final newline).
    Json(String),
    /// A JSON array written one element per line, without ever joining the
    /// elements into one string (status over tens of thousands of disputes).
    JsonArray(Vec<String>),
    /// Written piece by piece as it is made (`show` of a long journal); the
    /// function makes every byte visible itself (see `show::Visible`).
    Streamed(std::cell::RefCell<Option<Streamer>>),
    /// A JSON array kept in a scratch file until it is written.
    JsonSpilled(std::cell::RefCell<spill::Spill>),
    Text(String),
    /// Text whose renderer made its data visible and then coloured it: escalate's
    /// own colours pass, nothing else (the status table on a terminal).
    Coloured(String),
    /// Text written a line at a time as it is made (a long status list).
    Lines(Box<dyn crate::render::Lines>),
}

/// What writes an `Output::Streamed`.
pub(crate) type Streamer = Box<dyn FnOnce(&mut dyn Write) -> std::io::Result<()>>;

impl Output {
    /// Render straight from the typed value: no intermediate `serde_json::Value`.
    pub(crate) fn json(value: impl serde::Serialize) -> Output {
        Output::Json(serde_json::to_string_pretty(&value).unwrap_or_else(|_| "null".to_owned()))
    }

    pub(crate) fn write_to(&self, out: &mut impl Write) -> std::io::Result<()> {
        // Every control and invisible character is shown escaped, whatever a
        // journal holds (`text::visible`).
        match self {
            Output::Json(text) => {
                out.write_all(text::visible_json(text).as_bytes())?;
                out.write_all(b"\n")
            }
            Output::Streamed(write) => match write.borrow_mut().take() {
                Some(write) => write(out),
                None => Ok(()),
            },
            Output::JsonArray(items) if items.is_empty() => out.write_all(b"[]\n"),
            Output::JsonArray(items) => {
                out.write_all(b"[\n")?;
                for (i, item) in items.iter().enumerate() {
                    out.write_all(text::visible_json(item).as_bytes())?;
                    out.write_all(if i + 1 < items.len() { b",\n" } else { b"\n" })?;
                }
                out.write_all(b"]\n")
            }
            Output::JsonSpilled(spill) => spill.borrow_mut().write_array(out),
            Output::Text(text) => out.write_all(text::visible(text).as_bytes()),
            Output::Coloured(text) => out.write_all(text::visible_coloured(text).as_bytes()),
            Output::Lines(lines) if lines.coloured() => {
                lines.each_line(&mut |line| out.write_all(text::visible_coloured(line).as_bytes()))
            }
            Output::Lines(lines) => {
                lines.each_line(&mut |line| out.write_all(text::visible(line).as_bytes()))
            }
        }
    }
}

/// What every command knows about where and how it runs. The settings file, the
/// user's policies and the stored calendar are read only when a command first asks
/// for them, so `man`, `completions` and `policy check` work beside a damaged one.
pub(crate) struct Ctx {
    pub config_path: PathBuf,
    pub prompter: prompt::Prompter,
    pub json: bool,
    pub quiet: bool,
    /// The terminal: colour, width, and messages on standard error.
    pub ui: Ui,
    /// The data directory (it may not exist yet).
    pub root: PathBuf,
    user_policies: PathBuf,
    key_dir: Option<PathBuf>,
    by: Option<String>,
    now: Instant,
    config: std::cell::OnceCell<Config>,
    session: std::cell::OnceCell<Session>,
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
    fn new(global: Global, ui: Ui) -> Result<Ctx> {
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
            .unwrap_or_else(|| escalate_core::store::layout::config::fallback_dir(&root));
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
        Ok(Ctx {
            config_path: escalate_core::store::layout::config::settings(&config_dir),
            user_policies: escalate_core::store::layout::config::policies(&config_dir),
            key_dir: std::env::var_os("ESCALATE_KEY_DIR")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
                .or_else(|| dirs.as_ref().map(|d| d.config_dir().to_owned())),
            root,
            by: global.by,
            now,
            config: std::cell::OnceCell::new(),
            session: std::cell::OnceCell::new(),
            prompter: prompt::Prompter::new(global.no_input, &ui),
            json: global.json,
            quiet: global.quiet,
            ui,
        })
    }

    /// Read the data directory's calendar and signers file again: a receive may
    /// have brought new ones. (The settings and the user's policies are the
    /// user's, not the partnership's, and are kept, so that a warning about a
    /// broken policy file is said once.) Notices about keys are said first.
    fn refresh_session(&mut self) -> Result<()> {
        let Some(session) = self.session.get_mut() else {
            return Ok(());
        };
        for notice in session.keys.take_notices() {
            if !self.quiet {
                self.ui.note(&command_error::key_notice_words(&notice));
            }
        }
        session.calendars = escalate_core::store::calendar::Calendars::load(session.store.root())?;
        session.keys = escalate_core::integrity::signing::Keyring::new(
            self.key_dir.clone(),
            self.root.clone(),
        );
        Ok(())
    }

    /// The user's own policies folder (in the config directory).
    pub(crate) fn user_policies(&self) -> &std::path::Path {
        &self.user_policies
    }

    /// The settings file, read on first use.
    pub(crate) fn config(&self) -> Result<&Config> {
        if let Some(config) = self.config.get() {
            return Ok(config);
        }
        let config = Config::load(&self.config_path)?;
        Ok(self.config.get_or_init(|| config))
    }

    /// The data directory with the policies and calendar, read on first use.
    pub(crate) fn session(&self) -> Result<&Session> {
        if let Some(session) = self.session.get() {
            return Ok(session);
        }
        let config = self.config()?;
        let actor = actor(self.by.clone(), config)?;
        let store = Store::new(self.root.clone());
        let catalogue = Catalogue::load(Some(&self.user_policies))?;
        for (path, e) in &catalogue.broken {
            self.ui.warn(&format!(
                "the policy file {} is not used: {e}",
                path.display()
            ));
        }
        let session = Session {
            calendars: escalate_core::store::calendar::Calendars::load(store.root())?,
            keys: escalate_core::integrity::signing::Keyring::new(
                self.key_dir.clone(),
                self.root.clone(),
            ),
            store,
            catalogue,
            now: self.now,
            actor,
            division_setting: config.division,
        };
        Ok(self.session.get_or_init(|| session))
    }
}

/// Run a command; in a shared directory, a recording command is refused when the
/// repository needs a newer escalate, and with `sync = auto` it first receives
/// the partnership's lines (deciding under them) and is followed by a sync.
fn dispatch(mut command: Command, ctx: &mut Ctx) -> Result<Output> {
    let records = command.records();
    if records {
        escalate_core::share::check_writable(&ctx.root)?;
        escalate_core::share::handgit::refuse_recording(&ctx.root)?;
    }
    let mut received = true;
    if records && sync::is_auto(ctx) {
        // What the user saw before the partnership's lines arrived: an
        // escalation of a stage another agency has since left is refused, never
        // carried on to the next stage.
        if let Command::Escalate(args) = &mut command {
            escalate::seen_before_receiving(args, ctx);
        }
        received = sync::before_recording(ctx);
        ctx.refresh_session()?;
    }
    let ctx = &*ctx;
    let output = run_command(command, ctx)?;
    if records && received {
        sync::after_recording(ctx);
    }
    Ok(output)
}

fn run_command(command: Command, ctx: &Ctx) -> Result<Output> {
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
        Command::Key(args) => key::run(args, ctx),
        Command::Amend(args) => amend::run(args, ctx),
        Command::Reopen(args) => reopen::run(args, ctx),
        Command::Agree(args) => agree::run(args, ctx),
        Command::Policy(args) => policy::run(args, ctx),
        Command::Share(args) => share::run(args, ctx),
        Command::Member(args) => member::run(args, ctx),
        Command::Sync(args) => sync::run(args, ctx),
        Command::Agency(args) => agency::run(args, ctx),
        Command::Erase(args) => erase::run(args, ctx),
        Command::Retention(args) => erase::retention(args, ctx),
    }
}

/// A non-empty environment variable.
fn env_var(name: &str) -> Option<std::ffi::OsString> {
    std::env::var_os(name).filter(|v| !v.is_empty())
}

/// A command line clap did not run: bad usage, said on standard error as clap
/// says it; or `--help`, `--version` and `help`, whose text is output and goes
/// through the sink like every command's (so `escalate --help > /dev/full`
/// fails, where clap's own printing would report success).
pub(crate) fn not_parsed(e: &clap::Error) -> i32 {
    if e.use_stderr() {
        let _ = e.print();
        return e.exit_code();
    }
    let styled = e.render();
    // As clap decides for its own output: styled only for a person.
    let text = if std::io::IsTerminal::is_terminal(&std::io::stdout())
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
    {
        styled.ansi().to_string()
    } else {
        styled.to_string()
    };
    let mut stdout = sink::stdout();
    let written = stdout.write_all(text.as_bytes());
    match sink::finish(&mut stdout, written) {
        Ok(()) => e.exit_code(),
        Err(failed) => {
            drop(stdout);
            Ui::detect(ColorChoice::Never).error(&failed);
            failed.exit_code()
        }
    }
}

/// Run a parsed command line; returns the process exit code.
pub(crate) fn main(mut cli: Cli) -> i32 {
    escalate_core::store::fsutil::survive_file_size_limit();
    let g = &mut cli.global;
    g.dir = g
        .dir
        .take()
        .or_else(|| env_var("ESCALATE_DIR").map(PathBuf::from));
    g.by =
        g.by.take()
            .or_else(|| env_var("ESCALATE_USER").and_then(|v| v.into_string().ok()));
    let explicit_dir = cli.global.dir.is_some();
    let ui = Ui::detect(cli.global.color);
    say_readings(&ui, cli.global.quiet);
    let mut ctx = match Ctx::new(cli.global, ui.clone()) {
        Ok(ctx) => ctx,
        Err(e) => {
            ui.error(&e);
            return e.exit_code();
        }
    };
    let writes = datadir::writes_data(&cli.command);
    let records = cli.command.records();
    let creating = datadir::creating(&cli.command, &ctx);
    let result = match datadir::before(&cli.command, &ctx, explicit_dir) {
        Ok(Some(output)) => Ok(output),
        Ok(None) => dispatch(cli.command, &mut ctx),
        Err(e) => Err(e),
    };
    if creating && result.is_ok() && ctx.root.exists() {
        datadir::created(&ctx);
    }
    if let Some(session) = ctx.session.get() {
        // --quiet: the ID and errors only (`escalate key show` shows the key).
        for notice in session.keys.take_notices() {
            if !ctx.quiet {
                ctx.ui.note(&command_error::key_notice_words(&notice));
            }
        }
    }
    match result {
        Ok(output) => {
            ctx.prompter.finish(true);
            let mut stdout = sink::stdout();
            let written = output.write_to(&mut stdout);
            match sink::finish(&mut stdout, written) {
                Err(e) => {
                    // The line was appended before the output was written: a
                    // person who reads only "could not write" would record
                    // it twice (and after `open`, the new ID is what was lost).
                    let e = match records {
                        true => e.with_hint(
                            "What the command recorded was recorded before its output failed: look with `escalate status` or `escalate show ID` before running it again.",
                        ),
                        false => e,
                    };
                    ctx.ui.error(&e);
                    e.exit_code()
                }
                Ok(()) => EXIT_OK,
            }
        }
        Err(e) => {
            let e = match writes {
                true => datadir::unwritable_data_dir(&e, &ctx.root).unwrap_or(e),
                false => e,
            };
            ctx.ui.error(&e);
            ctx.prompter.finish(false);
            e.exit_code()
        }
    }
}

/// "Now" for reading dates typed relative to today. A bad `ESCALATE_NOW` is
/// reported when the command runs; here the system clock stands in.
fn now_for_parsing() -> Instant {
    clock::now_from_env().unwrap_or_else(|_| clock::to_london(chrono::Utc::now()))
}

/// How dates typed in words were read, kept from parsing (before the `Ui` and
/// `--quiet` are known) until `main` says them.
static READINGS: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

/// Say in words how a date typed in any form but ISO was read, on stderr (so
/// `--json` output stays clean), before anything is recorded; never with
/// `--quiet`, which prints the ID and errors only.
fn echo_reading(typed: &str, words: &str) {
    if !clock::is_iso(typed) {
        if let Ok(mut said) = READINGS.lock() {
            said.push(format!("Reading {:?} as {words}.\n", typed.trim()));
        }
    }
}

/// Print the readings kept by `echo_reading` (unless `quiet`), and forget them.
pub(crate) fn say_readings(ui: &Ui, quiet: bool) {
    let said = READINGS
        .lock()
        .map(|mut r| std::mem::take(&mut *r))
        .unwrap_or_default();
    if !quiet {
        said.iter().for_each(|line| ui.stderr(line));
    }
}

/// Parse `--at`/`--arose` values for clap: times in the past, so weekday names too.
pub(crate) fn parse_instant_arg(s: &str) -> std::result::Result<Instant, String> {
    let t = clock::read_instant(s, &now_for_parsing())?;
    echo_reading(s, &clock::human_instant(&t));
    Ok(t)
}

/// Parse `--due`/`--as-of` and calendar dates for clap (today, tomorrow, ...).
pub(crate) fn parse_date_arg(s: &str) -> std::result::Result<chrono::NaiveDate, String> {
    read_date_arg(s, clock::Words::Days)
}

/// Parse a date that is in the past (`report --from/--to`): weekday names too.
pub(crate) fn parse_past_date_arg(s: &str) -> std::result::Result<chrono::NaiveDate, String> {
    read_date_arg(s, clock::Words::Past)
}

fn read_date_arg(s: &str, words: clock::Words) -> std::result::Result<chrono::NaiveDate, String> {
    let d = clock::read_date(s, clock::london_date(&now_for_parsing()), words)?;
    echo_reading(s, &clock::human_date(d));
    Ok(d)
}

/// After a change: the dispute as it now stands, as JSON or as a few lines of text
/// beginning with `headline`.
pub(crate) fn after_change(
    ctx: &Ctx,
    loaded: &escalate_core::ops::Loaded,
    headline: String,
) -> Result<Output> {
    for w in &loaded.warnings {
        ctx.ui.warn(&format!("dispute {}: {w}", loaded.dispute.id));
    }
    if let Some(why) = &loaded.key_not_allowed {
        ctx.ui.warn(&format!(
            "dispute {}: {}",
            loaded.dispute.id,
            command_error::key_not_allowed_words(why)
        ));
    }
    let session = ctx.session()?;
    let calendar = session.calendar_for(&loaded.policy);
    let summary = loaded.summary(&calendar, &session.now);
    if ctx.json {
        return Ok(Output::json(&summary));
    }
    if ctx.quiet {
        return Ok(Output::Text(String::new()));
    }
    let text = crate::render::change(&headline, &summary);
    // On a terminal, wrapped between words: a duty's name broken mid-word at 80
    // columns is hard to read.
    let width = ctx
        .ui
        .stdout_width()
        .filter(|_| ctx.ui.stdout_is_terminal());
    Ok(Output::Text(crate::render::wrap::wrap(&text, "", width)))
}

/// A stage the user named by its number or by the policy's own label ("0", "4a").
pub(crate) fn stage_arg(policy: &escalate_core::policy::Policy, name: &str) -> Result<u32> {
    policy.stage_named(name).ok_or_else(|| {
        let known: Vec<String> = policy
            .stages
            .iter()
            .map(|s| policy.label(s.number))
            .collect();
        let shown: String = name.chars().filter(|c| !c.is_control()).take(20).collect();
        escalate_core::error::Error::refused(format!("policy {} has no stage {shown}", policy.id))
            .with_hint(format!("Its stages are: {}.", known.join(", ")))
    })
}
