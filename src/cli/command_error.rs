//! Every hint in words (jj's `command_error.rs` is the model): the core says
//! what the user can do next as a typed `Hint`, and this is the one place that
//! turns each into the sentence they read, naming the commands and flags to
//! use. A new hint is a new `Hint` variant and one arm here.

use escalate_core::domain::clock;
use escalate_core::error::{GitOperation, Hint, RemoteProblem, Retype};
use escalate_core::integrity::signing::KeyNotice;

/// The note after a command for something about keys, with what to do about it.
pub(crate) fn key_notice_words(notice: &KeyNotice) -> String {
    match notice {
        KeyNotice::Created { path, fingerprint } => format!(
            "created your signing key {} ({fingerprint}); every line you record is signed with it. Run `escalate key show` for what to send to whoever says who may sign (the signers file, or in a shared directory the partnership's admin).",
            path.display()
        ),
        KeyNotice::SignersUnreadable { why } => format!(
            "the signers file could not be read ({why}), so lines were checked against their signatures only; run `escalate verify`"
        ),
        KeyNotice::SignersDamaged { path, line, what }
            if path.file_name().is_some_and(|n| n == "members.jsonl") =>
        {
            format!(
                "the member list {} is damaged at line {line} ({what}), so lines were checked against their signatures only, not who may sign for whom; ask your partnership's admin to put back the list as last shared, and run `escalate sync`",
                path.display()
            )
        }
        KeyNotice::SignersDamaged { path, line, what } => format!(
            "the signers file {} is damaged at line {line} ({what}), so lines were checked against their signatures only, not who may sign for whom; run `escalate verify`",
            path.display()
        ),
    }
}

/// The warning after recording with a key the signers file does not allow
/// (`why`), and what to do about it.
pub(crate) fn key_not_allowed_words(why: &str) -> String {
    format!(
        "the line was recorded but does not count, and nor will any you record, until the signers file allows your key ({why}): send the line `escalate key show` prints to whoever keeps the signers file"
    )
}

/// The words for `hint`, as the user reads them under the error.
pub(crate) fn hint_words(hint: &Hint) -> String {
    match hint {
        Hint::Said(words) => words.clone(),
        Hint::ReportFault => "This is a fault in escalate, not in what you typed; nothing was written. Please report it with the command you ran.".into(),
        Hint::VerifyThenKeepCopy => "Nothing was changed. Run `escalate verify` for details; keep a copy of the file before anyone edits it.".into(),
        Hint::RunAgainThenVerify => "Something other than escalate changed the file. Run the command again; if it says the journal is damaged, see `escalate verify`.".into(),
        Hint::InstallNewerToRead => "Nothing is wrong with the journal: install the newer escalate to read it.".into(),
        Hint::UpdateEscalate => "Update escalate to read it.".into(),
        Hint::WaitForOtherCommand => "Wait for the other command to finish, then run this one again.".into(),
        Hint::FixSignersLine => "Fix the line (the format is in docs/journal-format.md); `escalate key show` prints a correct line for your own key.".into(),
        Hint::FixAgencyFile => "Fix the file by hand (or restore it from git), then run the command again.".into(),
        Hint::RestoreCalendarFile { name, bank_holidays } => format!(
            "Every deadline depends on this file, so nothing was computed or changed. \
             If {name}.bak is beside it, rename that over it to go back one change; \
             or move the file aside and {}. docs/calendar.md describes the format.",
            if *bank_holidays {
                "run `escalate calendar import FILE` again (until then the rules decide)"
            } else {
                "add the closure days again with `escalate calendar close`"
            }
        ),
        Hint::UseCheckpointAsWritten => "Use a checkpoint file exactly as `escalate verify --checkpoint` wrote it.".into(),
        Hint::NewCheckpointName => "Give a new file name for each checkpoint (for example one per month); an old checkpoint is evidence, so escalate never replaces one.".into(),
        Hint::FixOrDeleteConfig { keys } => format!("Fix or delete the file; keys are {}.", keys.join(", ")),

        Hint::CheckDataDir => "Check the path given with --dir or ESCALATE_DIR (a typing mistake?). \
             It is created when you open your first dispute with `escalate open`.".into(),
        Hint::CheckIdOrList { root } => format!(
            "Check the ID, or run `escalate status --all` to list disputes (data directory: {}).",
            root.display()
        ),
        Hint::TypeMoreOfId => "Type more of the ID.".into(),
        Hint::IdShape => "Dispute IDs are 10 letters and digits, e.g. 7K3M9QXA2B. Run `escalate status --all` to list them.".into(),
        Hint::WriteYearSetting => "Write `year = \"financial\"` (April to March) or `year = \"calendar\"` in it.".into(),
        Hint::SyncSettingValues => "`escalate config set sync auto` receives the partnership's lines before, and syncs after, every recording command; `manual` only when you run `escalate sync`.".into(),
        Hint::KnownSettings { settings } => format!(
            "Settings: {}.",
            settings
                .iter()
                .map(|(k, what)| format!("{k} ({what})"))
                .collect::<Vec<_>>()
                .join("; ")
        ),

        Hint::AgencyAddExample => "For example: escalate agency add \"Children's Social Care\"".into(),
        Hint::AgencyList => "See the list with: escalate agency list".into(),
        Hint::AddAgencyFirst { name } => format!("Add it first: escalate agency add {name:?}"),

        Hint::SendKeyToSignersKeeper => "Send the line `escalate key show` prints to whoever keeps the signers file; once it lists your key, run the command again.".into(),
        Hint::MoveKeyAsideMakeNew => "Move it aside and run `escalate key new` to make a new one.".into(),
        Hint::ReplaceKeyNotEd25519 => "escalate signs with ed25519 keys; run `escalate key new --replace`.".into(),
        Hint::ReplaceKeyWithPassphrase => "escalate's key is protected by its file permissions (0600); run `escalate key new --replace`.".into(),
        Hint::SetPrivateKeyDir => "Set ESCALATE_KEY_DIR to a private directory of your own.".into(),
        Hint::SetKeyDirOutsideData => "Set ESCALATE_KEY_DIR to a private directory outside the data directory.".into(),
        Hint::AskPartnershipAdmin => "Ask one of your partnership's admins to do it (`escalate member list` shows who they are).".into(),
        Hint::ListMembers => "`escalate member list` shows who is in the partnership, with each key and its dates.".into(),
        Hint::AddAnotherAdminFirst => "Make someone else an admin first (`escalate member add ... --role admin`), then try again.".into(),
        Hint::RepairMemberList => "The member list changes only by `escalate member` commands. Ask your partnership's admin to put back the list as it was last shared (for example `git checkout` of the last good version in the partnership's repository, then push), then sync again; nothing here was changed.".into(),
        Hint::MemberListChangedTwice => "Another admin changed the member list at the same time. Keep the partnership's version (`git checkout refs/escalate/fetched -- members.jsonl` in the data directory), sync, then run your `escalate member` command again.".into(),
        Hint::UseKeyRotate => "In a shared directory, run `escalate key rotate`: it makes a new key and announces it in the member list with a line signed by the old one.".into(),
        Hint::AdminKeyMismatch => "Nothing was copied. Check the repository's address, and confirm the first admin's key fingerprint with them by phone or email before trying again.".into(),
        Hint::MemberListExists => "`escalate member list` shows it; change it with `escalate member add`, `remove`, `add-key` or `revoke-key`.".into(),
        Hint::NoMemberList { shared: true } => "This shared directory still uses a `signers` file: a partnership admin runs `escalate member import` to move it into a member list.".into(),
        Hint::NoMemberList { shared: false } => "Member lists belong to shared directories (`escalate share init`); an unshared directory keeps its `signers` file.".into(),
        Hint::CheckKeyLine => "Give the whole line `escalate key show` printed on their computer, in quotes (it starts `valid-after=` or `ssh-ed25519`), or their `signing-key.pub` with `--key-file FILE`.".into(),
        Hint::NotAMember => "Send the line `escalate key show` prints to your partnership's admin, who adds you with `escalate member add`.".into(),
        Hint::ShowOrReplaceKey => "Run `escalate key show` to see it, or `escalate key new --replace` to retire it and make another.".into(),

        Hint::PolicyManual => "Every key is described, with examples, in `escalate man policy.5` (policies/README.md in escalate's source); `escalate policy show gscb` shows a complete policy.".into(),
        Hint::GivePolicyOwnId => "Give your policy its own id (e.g. add your area's name) and use that with --policy.".into(),
        Hint::FixPolicyFile => "Fix the file (`escalate policy check FILE` lists every problem), then try again.".into(),
        Hint::KnownPolicies { ids } => format!(
            "Known policies: {}. `escalate policy list` describes them.",
            ids.join(", ")
        ),
        Hint::PolicyFields { policy, fields } => {
            if fields.is_empty() {
                format!("Policy {policy} defines no fields; leave out --field.")
            } else {
                format!("Its fields are: {}.", pairs(fields))
            }
        }
        Hint::FieldValues { field, values } => format!(
            "Give one of: {} (as --field {field}=VALUE).",
            values.join(", ")
        ),
        Hint::PolicyCategories { policy, categories } => {
            if categories.is_empty() {
                format!("Policy {policy} lists no categories; leave out --category.")
            } else {
                format!("Use one of: {}.", pairs(categories))
            }
        }
        Hint::FollowOtherProcedure => "Follow the procedure that covers it (ask your designated safeguarding lead); this tool records disputes the policy covers.".into(),

        Hint::GiveText { flag } => format!("Give {flag} some text: it is part of the written record."),
        Hint::RetypeText(why) => match why {
            Retype::Bidi => "Retype the text without it; right-to-left scripts display correctly without it.",
            Retype::LineBreak => "Give it on one line; only notes, summaries, reasons and outcomes may run over several.",
            Retype::CarriageReturn => "Retype the text without it (line breaks from Windows, CR LF, are kept as line breaks).",
            Retype::Escape => "Retype the text without it: a terminal escape could move the cursor or erase lines when the record is shown.",
            Retype::Control => "Retype the text without it.",
        }
        .into(),
        Hint::ShortenText => "Shorten it, or keep the full document in your case system and refer to it here.".into(),
        Hint::KeepLongNotesElsewhere { closing: true } => "Shorten the text; keep long documents in your case system and refer to them here.".into(),
        Hint::KeepLongNotesElsewhere { closing: false } => "Keep long notes in your case system and refer to them here; `escalate notify` and `escalate resolve` still have room.".into(),
        Hint::TimeFormat => "Use RFC 3339 (2026-12-01T09:30:00Z) or a date (2026-12-01).".into(),
        Hint::AtIsForThePast => "--at records when something already happened; leave it out to use the current time.".into(),
        Hint::GiveLaterTime => "Events are recorded in the order they happened; give a time on or after that one.".into(),
        Hint::AmendWrongClock { id, line } => format!(
            "If that line was recorded with a wrong clock, correct when it happened (the line itself is kept): `escalate amend {id} --event {line} --happened \"YYYY-MM-DD HH:MM\" --note \"the computer's clock was wrong\"`. If the clock now is wrong, set it right and try again."
        ),

        Hint::ConfirmNewPlan => "Run the command again to confirm the new plan.".into(),
        Hint::ReopenFirst { id } => format!("If it has come back, reopen it first: `escalate reopen {id} --reason \"...\"`."),
        Hint::ResolveFirst { id } => format!("Record the decision with `escalate resolve {id} --outcome \"...\"`."),
        Hint::DiscussFirst { id } => format!("Record it with `escalate discuss {id} --note \"...\" --with \"...\"`, then escalate."),
        Hint::EscalateWithoutTo { id } => format!("Run `escalate escalate {id} --reason \"...\"` without --to."),
        Hint::OnlyRolesMayJump { roles, stage } => format!(
            "Only {} may take a dispute straight to stage {stage} (--as ROLE).",
            roles
                .iter()
                .map(|r| format!("{r:?}"))
                .collect::<Vec<_>>()
                .join(" or ")
        ),
        Hint::ChooseBranch { choices } => format!(
            "Run the command again with {}.",
            choices
                .iter()
                .map(|(label, name)| format!("--to {label} ({name})"))
                .collect::<Vec<_>>()
                .join(" or ")
        ),
        Hint::ResolveAtCurrentStage => "Run the command again to resolve it at the stage it is at now.".into(),
        Hint::NothingToRecord => "Nothing needs recording.".into(),
        Hint::ShowWhereItStands { id } => format!(
            "See where it stands with `escalate show {id}`; escalate it again only if it must go further."
        ),
        Hint::DueOnOrAfter { first, agree } => format!(
            "The date is the last day for this stage: give {} or later (a typing mistake in the year or month?){}.",
            clock::human_date(*first),
            if *agree { "" } else { ", or leave out --due to use the policy's date" }
        ),
        Hint::AgreeLaterDate { policy, stage } => format!(
            "Policy {policy} lets the parties agree a later date for stage {stage}, with the reason: `open ... --due DATE --due-reason \"...\"`, or `escalate agree ID --due DATE --note \"...\"` at that stage."
        ),
        Hint::EarlierDateOnly { date } => format!(
            "An earlier date that protects the child can be set at any point of a stage, with a reason; a later one only where the policy lets the parties agree one. Give {} or earlier, or leave the date out to keep the policy's.",
            clock::human_date(*date)
        ),
        Hint::AroseOnOrBeforeOpening => "--arose is when the disagreement first arose, on or before the time it is opened.".into(),
        Hint::WithIsOtherAgency => "--with is the other agency, whose decision you disagree with; a disagreement inside one agency follows that agency's own procedure.".into(),
        Hint::OpenAtFirstStageOrAs { first, role } => format!(
            "Open it at stage {first} (leave out --stage), or, if you act as that role, say so: --as {role:?}."
        ),
        Hint::OnlyImmediateHarmStartsLater => "Only a child thought to be at risk of immediate harm (--immediate-harm) may start at a later stage.".into(),
        Hint::LeaveOutStage => "Leave out --stage.".into(),
        Hint::GiveStartReason => "Add --reason \"...\" saying why this stage is the right place to start.".into(),
        Hint::SubjectKind { adults: true } => "This policy is about adults: use --subject-kind adult.".into(),
        Hint::SubjectKind { adults: false } => "This policy is about children: leave out --subject-kind.".into(),
        Hint::LeaveOutUrgent => "Leave out --urgent.".into(),
        Hint::ShowLineNumbers { id } => format!("Run `escalate show {id}` to see each event's line number."),
        Hint::HappenedIsPast => "--happened says when the event really happened, which has passed.".into(),
        Hint::CorrectThatFirst => "Events keep the order they were recorded in; if that line's time is wrong too, correct it first.".into(),
        Hint::RecordDiscussOrEscalate => "Record what happened with `escalate discuss` or `escalate escalate`.".into(),

        Hint::ClosureFromThenTo => "Give the first closure day, then --to the last one (inclusive).".into(),
        Hint::CheckClosureDates => "Check the dates; close a longer period in several steps if it is really meant.".into(),
        Hint::ClosureDaysThatYear { days } => {
            if days.is_empty() {
                "There are no closure days that year; `escalate calendar show` lists the non-working days.".into()
            } else {
                format!("Closure days that year: {}.", days.join(", "))
            }
        }

        Hint::InstallGit => "Install git (https://git-scm.com/downloads), then run the command again. Recording on this computer works without it.".into(),
        Hint::CheckRepositoryThenSync { root } => format!(
            "Nothing recorded was lost. Check the repository with `git -C {} status`, then run `escalate sync` again.",
            root.display()
        ),
        Hint::RemoveGitSetting { root, key } => format!(
            "A setting such as this can make git run a program. If you did not add it, tell your IT security contact. Remove it with `git -C {} config --local --unset-all {}`, then run `escalate sync`. Recording here still works.",
            root.display(),
            key.escape_debug()
        ),
        Hint::Remote { problem, remote, joining } => if *joining {
            format!(
                "Check the address {remote} for a typing mistake, or ask whoever runs the partnership's repository for it; then run `escalate share join` again with it."
            )
        } else {
            format!("Everything recorded here is kept. {}", remote_next(*problem))
        },
        Hint::TellKeeperNotOurs => "Tell whoever looks after the repository: escalate never writes such a file.".into(),
        Hint::TellKeeperClonesHoldHistory => "Tell whoever looks after the repository. Any member's clone that synced before the rewrite still holds the history as it was.".into(),
        Hint::TellKeeperVerifyHistory => "Tell whoever looks after the partnership's repository; `escalate verify --history` in a clone names the commit that changed it. Recording here still works.".into(),
        Hint::TellKeeperCommitChangedLines { short } => format!(
            "Tell whoever looks after the partnership's repository; `escalate verify --history` in any clone shows it too. Recording here still works. ({short})"
        ),
        Hint::SharedLinesNeverChange => "Shared lines are never changed. Tell whoever looks after the repository: `escalate verify --history` names the commit that did it (it checks the partnership's copy as fetched, too). Recording here still works.".into(),
        Hint::VerifyChecksJournals => "`escalate verify` checks the journals themselves.".into(),
        Hint::SyncWhenPolicyArrives => "Run `escalate sync` again once its pinned policy copy has arrived; nothing was changed.".into(),
        Hint::AskAdminAboutYourKey => "Ask your partnership's admin to check your entry and key (`escalate key show` prints it); lines recorded while your key was a member's are shared as usual.".into(),
        Hint::SyncAgainInAMinute => "Everything recorded here is kept. Run `escalate sync` again in a minute.".into(),
        Hint::SyncWhenOtherFinishes => "Everything recorded here is kept; run `escalate sync` again when it has finished.".into(),
        Hint::ShareInitOrJoin => "To share it: `escalate share init REMOTE` (a new partnership repository) or `escalate share join REMOTE PATH` (an existing one).".into(),
        Hint::MoveAsideThenSync => "If you did not make it, tell your IT security contact. Move it aside and run `escalate sync` again: the partnership's copy puts back what belongs there.".into(),
        Hint::FinishGitOperation { root, operation } => format!(
            "Recording here still works and nothing is lost. Finish or undo it with `git -C {} {} --abort`, then run `escalate sync`.",
            root.display(),
            match operation {
                GitOperation::Rebase => "rebase",
                GitOperation::Merge => "merge",
                GitOperation::CherryPick => "cherry-pick",
                GitOperation::Revert => "revert",
            }
        ),
        Hint::HandGit(found) => hand_git_words(found),
        Hint::SyncAgainThenTellKeeper => "Nothing recorded here was lost. Run `escalate sync` again; if this stays, tell whoever looks after the partnership's repository.".into(),
        Hint::RestoreRewrittenHistory { short, branch } => format!(
            "Tell whoever looks after the repository. This computer still holds the history as it was (commit {short}); it can be restored with `git push --force origin {short}:{branch}` once the partnership agrees. Recording here still works."
        ),
        Hint::KeepPartnershipVersion { root, fetched, file } => format!(
            "Recording here still works. Keep the partnership's version with `git -C {} checkout {fetched} -- {file}` (make your change again afterwards if it is still needed), then run `escalate sync`.",
            root.display()
        ),
        Hint::RecordNextEventThenSync { id } => format!(
            "Record the next event on dispute {id} as usual (that sets the incomplete line aside in a quarantine file and records it), then run `escalate sync`. Nothing is lost meanwhile."
        ),
        Hint::SignerMustSync { by } => format!(
            "Ask {by} to run `escalate sync` in this data directory from their own account: their key signs their own line again as it moves. Then run it again here. Nothing was changed."
        ),
        Hint::InstallPartnershipVersion => "It may have been written by a newer escalate: install the version your partnership uses. Nothing was written.".into(),
        Hint::InstallNewerEscalate => "Install the newer escalate (ask whoever looks after it in your partnership), then run the command again. Reading with `show`, `status` and `report` still works.".into(),
        Hint::AlreadySharedSync => "If it is already shared, run `escalate sync`; to share another directory, give it with --dir.".into(),
        Hint::JoinIntoNewDirectory => "Join into a new directory (give a PATH that does not exist yet), or, to share the disputes already there, run `escalate share init REMOTE` in it.".into(),
        Hint::JoinedButHistoryCut { path } => format!(
            "The partnership's record was copied into {}, but its history no longer holds lines a member saw shared: tell whoever looks after the repository; `escalate verify --history` there names every one.",
            path.display()
        ),
        Hint::FirstAgencyInits => "The first agency starts it with `escalate share init REMOTE`; join after that.".into(),
        Hint::CheckAddressOrInit => "Check the address; a new partnership starts with `escalate share init REMOTE` on an empty repository.".into(),
        Hint::ShareRepair => "Anyone in the partnership can put escalate's own version back with `escalate share repair` (or whoever looks after the repository can undo that commit). Until then nothing is taken from the repository or sent to it; recording here still works.".into(),
        Hint::RevertCommit { commit } => format!(
            "Tell whoever looks after the partnership's repository: that commit needs undoing (`git revert {commit}`, then a push). Recording here still works, and the first `escalate sync` after the fix sends everything that waited."
        ),
    }
}

/// `id (name)` pairs, as a policy's fields and categories are listed.
/// What hand git did to a data directory, and what to do, in the user's words.
pub(crate) fn hand_git_words(found: &escalate_core::share::handgit::HandGit) -> String {
    format!(
        "The data directory was changed with git by hand ({}). Run `escalate sync` to take it in properly; never use git by hand in a data directory.",
        hand_git_what(found)
    )
}

/// What hand git did, in a few words ("a pull", "a stash holding journal lines ...").
pub(crate) fn hand_git_what(found: &escalate_core::share::handgit::HandGit) -> String {
    use escalate_core::share::handgit::Moved;
    let mut what: Vec<String> = Vec::new();
    what.extend(found.moved.map(|m| {
        match m {
            Moved::Pull => "a pull",
            Moved::Merge => "a merge",
            Moved::Commit => "a commit",
            Moved::Checkout => "a checkout of another branch",
        }
        .to_owned()
    }));
    if !found.stashed.is_empty() {
        what.push(format!(
            "a stash holding journal lines: {}",
            found.stashed.join(", ")
        ));
    }
    what.join("; ")
}

fn pairs(list: &[(String, String)]) -> String {
    list.iter()
        .map(|(id, name)| format!("{id} ({name})"))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The next step for a shared directory after the remote failed.
fn remote_next(problem: RemoteProblem) -> &'static str {
    match problem {
        RemoteProblem::Credentials => "Check you can reach it with your own git login (ask whoever runs the repository for access), then run `escalate sync`.",
        RemoteProblem::NotFound => "Check the address (`git remote -v`, run in the data directory); ask whoever runs the repository if it moved. Then run `escalate sync`.",
        RemoteProblem::Rejected => "Ask whoever runs the repository why (git's message is above), then run `escalate sync`.",
        RemoteProblem::Unreachable => "Keep recording as usual: nothing is lost. Run `escalate sync` when you are connected.",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_remote_says_to_sync_or_to_join_again() {
        let hint = |problem, joining| {
            hint_words(&Hint::Remote {
                problem,
                remote: "https://example.org/p.git".into(),
                joining,
            })
        };
        assert_eq!(
            hint(RemoteProblem::Unreachable, false),
            "Everything recorded here is kept. Keep recording as usual: nothing is lost. Run `escalate sync` when you are connected."
        );
        assert_eq!(
            hint(RemoteProblem::Credentials, false),
            "Everything recorded here is kept. Check you can reach it with your own git login (ask whoever runs the repository for access), then run `escalate sync`."
        );
        assert_eq!(
            hint(RemoteProblem::NotFound, true),
            "Check the address https://example.org/p.git for a typing mistake, or ask whoever runs the partnership's repository for it; then run `escalate share join` again with it."
        );
    }

    #[test]
    fn key_notices_say_what_to_run() {
        let damaged = key_notice_words(&KeyNotice::SignersDamaged {
            path: "/d/signers".into(),
            line: 2,
            what: "no key".into(),
        });
        assert_eq!(
            damaged,
            "the signers file /d/signers is damaged at line 2 (no key), so lines were checked against their signatures only, not who may sign for whom; run `escalate verify`"
        );
        assert!(key_not_allowed_words("it is not listed").ends_with(
            "allows your key (it is not listed): send the line `escalate key show` prints to whoever keeps the signers file"
        ));
    }

    #[test]
    fn lists_are_worded_as_a_policy_names_them() {
        let fields = Hint::PolicyFields {
            policy: "gscb".into(),
            fields: vec![
                ("lead".into(), "Lead agency".into()),
                ("x".into(), "X".into()),
            ],
        };
        assert_eq!(
            hint_words(&fields),
            "Its fields are: lead (Lead agency); x (X)."
        );
        let none = Hint::PolicyFields {
            policy: "gscb".into(),
            fields: Vec::new(),
        };
        assert_eq!(
            hint_words(&none),
            "Policy gscb defines no fields; leave out --field."
        );
        let jump = Hint::OnlyRolesMayJump {
            roles: vec!["LADO".into(), "DSL".into()],
            stage: "3".into(),
        };
        assert_eq!(
            hint_words(&jump),
            "Only \"LADO\" or \"DSL\" may take a dispute straight to stage 3 (--as ROLE)."
        );
    }
}
