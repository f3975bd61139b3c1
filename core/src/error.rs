//! The one error type every operation returns (jj's `CommandError` is the model):
//! a kind, which picks the exit code, a message that says what is wrong, and
//! typed hints for what to do next. The message describes; the advice ("run
//! `escalate verify`") is the command line's, which turns each `Hint` into words
//! where the error is shown, so the core never names a command or a flag.
//! Messages name disputes by ID only, never a child, because error text ends up
//! in logs and e-mails.

use std::fmt;
use std::path::PathBuf;

use chrono::NaiveDate;

/// Exit code for success.
pub const EXIT_OK: i32 = 0;
/// Exit code when a command is refused or fails; nothing was written.
pub(crate) const EXIT_REFUSED: i32 = 1;
/// Exit code for bad usage (unknown flag, missing argument).
pub(crate) const EXIT_USAGE: i32 = 2;
/// Exit code when a journal (or other stored state, such as the calendar files) is
/// damaged and needs a person to look at it.
pub(crate) const EXIT_DAMAGED: i32 = 3;

/// What kind of failure it is: this, and only this, picks the exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The request was understood but the rules or the data say no (exit 1).
    Refused,
    /// The operating system refused a read or write (exit 1).
    Io,
    /// The request itself is malformed in a way clap could not catch (exit 2).
    Usage,
    /// Stored data does not read back as what escalate wrote (exit 3).
    Damaged,
    /// escalate itself went wrong; nothing was written (exit 1).
    Internal,
}

/// Where stored data is damaged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Damage {
    pub path: PathBuf,
    /// The line, or `None` for the file as a whole (a directory, a link, too big).
    pub line: Option<usize>,
    pub what: String,
}

/// Boxed, so that a `Result` stays the size of its success value on the happy path.
#[derive(Debug)]
pub struct Error(Box<Inner>);

#[derive(Debug)]
struct Inner {
    kind: ErrorKind,
    message: String,
    hints: Vec<Hint>,
    damage: Option<Damage>,
    detail: Option<Detail>,
    source: Option<std::io::Error>,
}

/// Values an error carries for the command line to show in its own words.
#[derive(Debug)]
pub enum Detail {
    /// What a confirmed action would now do, when the dispute changed between the
    /// preview and the confirmation: the policy it is judged under and the effects.
    PlanChanged(Box<(crate::policy::Policy, crate::domain::plan::Effects)>),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What the user can do next, as a value: the command line turns each into words
/// (`src/cli/command_error.rs`), so the core never writes command-line advice.
/// Named by what the user should do; each carries the values its words need.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Hint {
    /// Words the command line wrote itself. The core never uses this
    /// (tests/cli/errors.rs checks).
    Said(String),

    // Faults and damage.
    /// A fault in escalate: report it with the command that was run.
    ReportFault,
    /// A journal is damaged: see `verify`, keep a copy before anyone edits it.
    VerifyThenKeepCopy,
    /// Something other than escalate changed a journal while it was read.
    RunAgainThenVerify,
    /// The journal is newer than this escalate: install the newer one.
    InstallNewerToRead,
    /// A file escalate keeps is newer than this escalate.
    UpdateEscalate,
    /// Another command holds the lock.
    WaitForOtherCommand,
    /// The signers file has a bad line.
    FixSignersLine,
    /// The agencies file does not parse.
    FixAgencyFile,
    /// A stored calendar file is damaged; `bank_holidays` says which one.
    RestoreCalendarFile { name: String, bank_holidays: bool },
    /// A checkpoint file was not written by escalate as it is.
    UseCheckpointAsWritten,
    /// Checkpoints are never replaced.
    NewCheckpointName,
    /// The config file does not parse; these are its keys.
    FixOrDeleteConfig { keys: Vec<String> },

    // The data directory, IDs, settings.
    /// The data directory does not exist.
    CheckDataDir,
    /// No dispute has this ID (in the data directory `root`).
    CheckIdOrList { root: PathBuf },
    /// More than one dispute starts with what was typed.
    TypeMoreOfId,
    /// What was typed is not shaped like an ID.
    IdShape,
    /// The year setting is not valid.
    WriteYearSetting,
    /// The sync setting takes `auto` or `manual`.
    SyncSettingValues,
    /// There is no such setting: these are (name, what it is).
    KnownSettings { settings: Vec<(String, String)> },

    // Agencies.
    /// `agency add` needs a name.
    AgencyAddExample,
    /// See the agency list.
    AgencyList,
    /// Add the agency before giving it an alias.
    AddAgencyFirst { name: String },

    // Keys and signers.
    /// The signers file does not allow this user's key yet.
    SendKeyToSignersKeeper,
    /// The key file cannot be read: move it aside, make a new one.
    MoveKeyAsideMakeNew,
    /// The key is not ed25519.
    ReplaceKeyNotEd25519,
    /// The key has a passphrase.
    ReplaceKeyWithPassphrase,
    /// The key directory is not private.
    SetPrivateKeyDir,
    /// The key directory is inside the data directory.
    SetKeyDirOutsideData,
    /// A key exists already.
    ShowOrReplaceKey,

    // The member list.
    /// Only a partnership admin may do this.
    AskPartnershipAdmin,
    /// See who is in the member list, with which keys.
    ListMembers,
    /// Removing or demoting the last admin: make another admin first.
    AddAnotherAdminFirst,
    /// The member list is damaged or a partner's copy was refused.
    RepairMemberList,
    /// The member list changed here and in the partnership's copy.
    MemberListChangedTwice,
    /// In a shared directory a key is replaced by `key rotate`.
    UseKeyRotate,
    /// The first admin's key is not the one the joiner was told.
    AdminKeyMismatch,
    /// The directory already has a member list.
    MemberListExists,
    /// The directory has no member list (unshared, or still on `signers`).
    NoMemberList { shared: bool },
    /// This key is not in the member list (so it cannot sign a change).
    NotAMember,
    /// A key line given to a member command is not one.
    CheckKeyLine,

    // Policies.
    /// A policy file has problems: where the keys are described.
    PolicyManual,
    /// A policy file reuses another's id.
    GivePolicyOwnId,
    /// A user policy file is broken.
    FixPolicyFile,
    /// There is no such policy: these are the known ones.
    KnownPolicies { ids: Vec<String> },
    /// The policy defines no field of that id; these are its fields (id, label).
    PolicyFields {
        policy: String,
        fields: Vec<(String, String)>,
    },
    /// A field takes one of these values.
    FieldValues { field: String, values: Vec<String> },
    /// The policy has no category of that name; these are its categories (id, name).
    PolicyCategories {
        policy: String,
        categories: Vec<(String, String)>,
    },
    /// The policy does not cover this disagreement.
    FollowOtherProcedure,

    // Text and times.
    /// An empty text flag.
    GiveText { flag: String },
    /// A text flag holds a character that cannot be recorded.
    RetypeText(Retype),
    /// A text flag is too long.
    ShortenText,
    /// The journal's room for notes is used up; `closing` when the command
    /// closes the dispute.
    KeepLongNotesElsewhere { closing: bool },
    /// A time could not be read.
    TimeFormat,
    /// `--at` is in the future.
    AtIsForThePast,
    /// `--at` is before the last event.
    GiveLaterTime,
    /// The last line is dated after now: correct it with `amend`.
    AmendWrongClock { id: String, line: u64 },

    // Recording on a dispute.
    /// The dispute changed between the preview and the confirmation.
    ConfirmNewPlan,
    /// The dispute is closed.
    ReopenFirst { id: String },
    /// The dispute must be resolved first.
    ResolveFirst { id: String },
    /// The policy wants a discussion recorded before escalating.
    DiscussFirst { id: String },
    /// The policy moves one stage at a time.
    EscalateWithoutTo { id: String },
    /// Only these roles may jump to that stage.
    OnlyRolesMayJump { roles: Vec<String>, stage: String },
    /// The policy branches: choose a stage (label, name).
    ChooseBranch { choices: Vec<(String, String)> },
    /// The dispute moved on; resolve it where it is now.
    ResolveAtCurrentStage,
    /// What was asked is already so.
    NothingToRecord,
    /// The dispute is already past that stage.
    ShowWhereItStands { id: String },
    /// A `--due` date before the stage starts; `agree` when it came from `agree`.
    DueOnOrAfter { first: NaiveDate, agree: bool },
    /// A later date the policy lets the parties agree.
    AgreeLaterDate { policy: String, stage: String },
    /// A later date the policy does not allow.
    EarlierDateOnly { date: NaiveDate },
    /// `--arose` after the opening.
    AroseOnOrBeforeOpening,
    /// `--with` names the raising agency.
    WithIsOtherAgency,
    /// Opening at a later stage needs a role.
    OpenAtFirstStageOrAs { first: String, role: String },
    /// Opening at a later stage needs immediate harm.
    OnlyImmediateHarmStartsLater,
    /// Opening at a later stage is not allowed.
    LeaveOutStage,
    /// Starting past stage 1 needs a reason.
    GiveStartReason,
    /// The subject kind does not match the policy.
    SubjectKind { adults: bool },
    /// The dispute is already urgent.
    LeaveOutUrgent,
    /// See each event's line number.
    ShowLineNumbers { id: String },
    /// `--happened` is in the future.
    HappenedIsPast,
    /// A correction would put events out of order.
    CorrectThatFirst,
    /// `reopen` on an open dispute.
    RecordDiscussOrEscalate,

    // The calendar.
    /// A closure ends before it starts.
    ClosureFromThenTo,
    /// A closure is very long.
    CheckClosureDates,
    /// Not a closure day: these are that year's.
    ClosureDaysThatYear { days: Vec<String> },

    // Sharing.
    /// git is not installed.
    InstallGit,
    /// A git command failed in the repository `root`.
    CheckRepositoryThenSync { root: PathBuf },
    /// The repository has git settings escalate will not run with.
    RemoveGitSetting { root: PathBuf, key: String },
    /// The remote at `remote` failed; `joining` when its address was just typed
    /// to join (check it and join again), else sync again once put right.
    Remote {
        problem: RemoteProblem,
        remote: String,
        joining: bool,
    },
    /// The repository holds a file escalate never writes.
    TellKeeperNotOurs,
    /// A witness file is damaged.
    TellKeeperClonesHoldHistory,
    /// The partnership's copy of a journal is damaged.
    TellKeeperVerifyHistory,
    /// A shared commit changed shared lines (`short` names it).
    TellKeeperCommitChangedLines { short: String },
    /// Shared lines were changed in the partnership's copy.
    SharedLinesNeverChange,
    /// `verify --history` on an unshared directory.
    VerifyChecksJournals,
    /// A pinned policy copy has not arrived yet.
    SyncWhenPolicyArrives,
    /// The sync lock is stale or busy.
    SyncAgainInAMinute,
    /// Sync kept lines here that the partnership's signers do not accept your
    /// key for (a key not yet admitted, or no longer a member's).
    AskAdminAboutYourKey,
    /// Another sync is running.
    SyncWhenOtherFinishes,
    /// The directory is not shared.
    ShareInitOrJoin,
    /// Something not escalate's sits in a shared folder.
    MoveAsideThenSync,
    /// The repository is part-way through a git operation.
    FinishGitOperation {
        root: PathBuf,
        operation: GitOperation,
    },
    /// A sync step failed.
    SyncAgainThenTellKeeper,
    /// The data directory was changed with git by hand (`share::handgit`).
    HandGit(crate::share::handgit::HandGit),
    /// The partnership's history was rewritten.
    RestoreRewrittenHistory { short: String, branch: String },
    /// A file escalate does not own changed on both sides.
    KeepPartnershipVersion {
        root: PathBuf,
        fetched: String,
        file: String,
    },
    /// The journal ends with an incomplete line.
    RecordNextEventThenSync { id: String },
    /// An unsent line of an older format, signed by someone else sharing this
    /// clone, must be signed again to move, and only they may sign it.
    SignerMustSync { by: String },
    /// The repository file is newer than this escalate.
    InstallPartnershipVersion,
    /// The repository needs a newer escalate to write.
    InstallNewerEscalate,
    /// `share init` on a shared directory.
    AlreadySharedSync,
    /// `share join` into a directory with disputes.
    JoinIntoNewDirectory,
    /// Joined, but the history lost lines a member saw shared.
    JoinedButHistoryCut { path: PathBuf },
    /// `share join` of an empty repository.
    FirstAgencyInits,
    /// The remote is not a partnership repository.
    CheckAddressOrInit,
    /// A file only escalate writes was changed: `share repair`.
    ShareRepair,
    /// A commit needs undoing.
    RevertCommit { commit: String },
}

/// Why a text cannot be recorded as typed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Retype {
    /// A bidirectional control character.
    Bidi,
    /// A line break or tab in a one-line field.
    LineBreak,
    /// A carriage return on its own.
    CarriageReturn,
    /// A terminal escape.
    Escape,
    /// Any other control character.
    Control,
}

/// A git operation a person (or a crash) left part-way in the repository.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GitOperation {
    Rebase,
    Merge,
    CherryPick,
    Revert,
}

/// How talking to the partnership's repository failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RemoteProblem {
    Credentials,
    NotFound,
    Rejected,
    Unreachable,
}

impl From<String> for Hint {
    fn from(words: String) -> Self {
        Hint::Said(words)
    }
}

impl From<&str> for Hint {
    fn from(words: &str) -> Self {
        Hint::Said(words.to_owned())
    }
}

impl Error {
    fn new(kind: ErrorKind, message: String) -> Self {
        Error(Box::new(Inner {
            kind,
            message,
            hints: Vec::new(),
            damage: None,
            detail: None,
            source: None,
        }))
    }

    pub fn refused(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Refused, message.into())
    }

    pub fn usage(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Usage, message.into())
    }

    /// A bug in escalate rather than a problem with the request or the data.
    pub fn internal(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Internal, message.into()).with_hint(Hint::ReportFault)
    }

    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        let mut e = Error::new(ErrorKind::Io, format!("{}: {source}", context.into()));
        e.0.source = Some(source);
        e
    }

    /// Line `line` (counted from 1) of the journal at `path` is damaged.
    pub fn damaged(path: impl Into<PathBuf>, line: usize, what: impl Into<String>) -> Self {
        Error::damaged_journal_at(path.into(), Some(line), what.into())
    }

    /// The journal at `path` is damaged as a whole (not a regular file, too big).
    pub fn damaged_journal(path: impl Into<PathBuf>, what: impl Into<String>) -> Self {
        Error::damaged_journal_at(path.into(), None, what.into())
    }

    fn damaged_journal_at(path: PathBuf, line: Option<usize>, what: String) -> Self {
        let at = line.map(|n| format!(" at line {n}")).unwrap_or_default();
        let message = format!("journal {} is damaged{at}: {what}", path.display());
        let mut e = Error::new(ErrorKind::Damaged, message).with_hint(Hint::VerifyThenKeepCopy);
        e.0.damage = Some(Damage { path, line, what });
        e
    }

    /// A state file in the data directory other than a journal (the stored
    /// calendar, the signers list, a checkpoint) does not read back as what
    /// escalate wrote; `hint` says how to recover it.
    pub fn damaged_file(
        path: impl Into<PathBuf>,
        what: impl Into<String>,
        hint: impl Into<Hint>,
    ) -> Self {
        let (path, what) = (path.into(), what.into());
        let message = format!("{} is damaged: {what}", path.display());
        let mut e = Error::new(ErrorKind::Damaged, message).with_hint(hint.into());
        e.0.damage = Some(Damage {
            path,
            line: None,
            what,
        });
        e
    }

    /// Add a next step the user can take. The first hint is the most specific;
    /// later ones add to it. The core gives a typed `Hint`; the command line
    /// may give its own words (a `String`, which becomes `Hint::Said`).
    pub fn with_hint(mut self, hint: impl Into<Hint>) -> Self {
        self.0.hints.push(hint.into());
        self
    }

    /// Attach values the command line shows beside the message.
    pub fn with_detail(mut self, detail: Detail) -> Self {
        self.0.detail = Some(detail);
        self
    }

    pub fn detail(&self) -> Option<&Detail> {
        self.0.detail.as_ref()
    }

    pub fn kind(&self) -> ErrorKind {
        self.0.kind
    }

    pub fn hints(&self) -> &[Hint] {
        &self.0.hints
    }

    /// Where stored data is damaged, for an error of kind `Damaged`.
    pub fn damage(&self) -> Option<&Damage> {
        self.0.damage.as_ref()
    }

    /// The operating system's error behind an `Io` error.
    pub fn io_error(&self) -> Option<&std::io::Error> {
        self.0.source.as_ref()
    }

    pub fn exit_code(&self) -> i32 {
        match self.0.kind {
            ErrorKind::Refused | ErrorKind::Io | ErrorKind::Internal => EXIT_REFUSED,
            ErrorKind::Usage => EXIT_USAGE,
            ErrorKind::Damaged => EXIT_DAMAGED,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.message)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0
            .source
            .as_ref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kind_picks_the_exit_code() {
        assert_eq!(Error::refused("no").exit_code(), EXIT_REFUSED);
        assert_eq!(Error::usage("no").exit_code(), EXIT_USAGE);
        assert_eq!(Error::damaged("j", 2, "bad").exit_code(), EXIT_DAMAGED);
        let io = std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        assert_eq!(Error::io("could not write x", io).exit_code(), EXIT_REFUSED);
        assert_eq!(Error::internal("bug").exit_code(), EXIT_REFUSED);
    }

    #[test]
    fn damage_names_the_file_and_the_line_only_when_there_is_one() {
        let e = Error::damaged("/d/A.jsonl", 3, "bad seal");
        assert_eq!(
            e.to_string(),
            "journal /d/A.jsonl is damaged at line 3: bad seal"
        );
        assert_eq!(e.damage().unwrap().line, Some(3));
        let whole = Error::damaged_journal("/d/A.jsonl", "it is a directory");
        assert_eq!(
            whole.to_string(),
            "journal /d/A.jsonl is damaged: it is a directory"
        );
        assert_eq!(whole.damage().unwrap().line, None);
        assert_eq!(whole.hints(), [Hint::VerifyThenKeepCopy]);
    }

    #[test]
    fn hints_accumulate() {
        let e = Error::refused("no").with_hint("first").with_hint("second");
        assert_eq!(
            e.hints(),
            [Hint::Said("first".into()), Hint::Said("second".into())]
        );
    }
}
