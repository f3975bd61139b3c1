//! Running the user's own `git` program on the data directory: their credentials,
//! proxies, config and hooks apply, and escalate speaks no network protocol of its
//! own. This module owns starting git, feeding it input, and turning its failures
//! into messages that say what to do next.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::error::{Error, Hint, RemoteProblem, Result};

/// Who a commit is by: the configured name and organisation (the agency).
#[derive(Clone, Debug)]
pub struct Identity {
    pub name: String,
    pub organisation: String,
    /// The commit date, seconds since the epoch (escalate's clock, so a pinned
    /// clock gives reproducible commits).
    pub when: i64,
}

impl Identity {
    /// The commit's email: git wants one where escalate knows only a name and
    /// an agency, so a placeholder that says both and can never be mailed
    /// (`.invalid` is reserved, RFC 2606): "Sam (DSL)" of "Hollyfield Primary"
    /// is `sam-dsl@hollyfield-primary.invalid`.
    pub(crate) fn email(&self) -> String {
        fn slug(text: &str) -> String {
            let words: Vec<String> = text
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
                .map(str::to_lowercase)
                .collect();
            match words.join("-") {
                w if w.is_empty() => "unknown".to_owned(),
                w => w,
            }
        }
        format!("{}@{}.invalid", slug(&self.name), slug(&self.organisation))
    }
}

/// A git working tree (the data directory).
#[derive(Clone, Debug)]
pub(crate) struct Git {
    pub root: PathBuf,
    /// An index other than the working tree's, for building a commit without
    /// touching what the user sees.
    index: Option<PathBuf>,
    /// Never wait for a person: no ssh passphrase or host-key question (the sync
    /// after a recording command must not hang it).
    unattended: bool,
}

/// Settings given to every git command escalate runs. Hooks, the file-system
/// monitor, pagers, external diff and merge programs and submodules are all ways
/// for a repository's settings to run a program; escalate needs none of them.
const HARDENING: &[&str] = &[
    "core.hooksPath=/dev/null",
    "core.fsmonitor=false",
    "core.pager=cat",
    "core.editor=false",
    "core.askPass=",
    "core.alternateRefsCommand=",
    "diff.external=",
    "sequence.editor=false",
    "submodule.recurse=false",
    "fetch.recurseSubmodules=false",
    "protocol.ext.allow=never",
    "uploadpack.packObjectsHook=",
    "gc.auto=0",
    "maintenance.auto=false",
];

/// Environment variables that redirect git to other files than the data
/// directory's own repository.
const FOREIGN_ENVIRONMENT: &[&str] = &[
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_COMMON_DIR",
    "GIT_NAMESPACE",
    "GIT_EXTERNAL_DIFF",
    "GIT_CONFIG",
    "GIT_PAGER",
    "GIT_EDITOR",
    "GIT_ASKPASS",
];

/// The ssh command from the user's own (global) git settings, read once: a
/// repository's own `core.sshCommand` is never run, the user's is kept, and
/// `GIT_SSH_COMMAND` in the environment still outranks both.
fn user_ssh_command() -> &'static str {
    static ONCE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    ONCE.get_or_init(|| {
        Command::new("git")
            .args(["config", "--global", "--get", "core.sshCommand"])
            .env_remove("GIT_DIR")
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "ssh".to_owned())
    })
}

/// Whether the user chose an ssh command of their own (in their git settings or
/// the environment), which then applies as it is, even to an unattended sync.
pub(crate) fn has_own_ssh_command() -> bool {
    user_ssh_command() != "ssh"
        || std::env::var_os("GIT_SSH_COMMAND").is_some()
        || std::env::var_os("GIT_SSH").is_some()
}

/// Settings a data directory's own repository may hold: what `git init`,
/// `git clone` and escalate write, a person's name and address, and the
/// network settings a proxy needs. Anything else (an include, a credential
/// helper, a filter, an alias) could run a program or read another file, so
/// sync refuses until it is removed.
fn allowed_local_setting(key: &str) -> bool {
    const EXACT: &[&str] = &[
        "core.repositoryformatversion",
        "core.filemode",
        "core.bare",
        "core.logallrefupdates",
        "core.ignorecase",
        "core.precomposeunicode",
        "core.symlinks",
        "core.quotepath",
        "remote.origin.url",
        "remote.origin.pushurl",
        "remote.origin.fetch",
        "remote.origin.prune",
        "remote.origin.tagopt",
        "branch.main.remote",
        "branch.main.merge",
        "user.name",
        "user.email",
        "fetch.prune",
        "push.default",
        "init.defaultbranch",
    ];
    const PREFIXES: &[&str] = &["extensions.", "http.", "gc.", "pack.", "index."];
    let key = key.to_ascii_lowercase();
    EXACT.contains(&key.as_str()) || PREFIXES.iter().any(|p| key.starts_with(p))
}

/// What a git command printed.
pub(crate) struct Ran {
    pub ok: bool,
    pub stdout: Vec<u8>,
    pub stderr: String,
}

impl Ran {
    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).trim().to_owned()
    }
}

impl Git {
    pub(crate) fn new(root: &Path) -> Git {
        Git {
            // Absolute, so paths handed to git (scratch files) mean the same to it.
            root: std::fs::canonicalize(root).unwrap_or_else(|_| root.to_owned()),
            index: None,
            unattended: false,
        }
    }

    /// The same tree, never waiting for a person to answer ssh.
    pub(crate) fn unattended(mut self) -> Git {
        self.unattended = true;
        self
    }

    /// The same tree, with git's index kept in `index` instead.
    pub(crate) fn with_index(&self, index: PathBuf) -> Git {
        Git {
            root: self.root.clone(),
            index: Some(index),
            unattended: self.unattended,
        }
    }

    fn command(&self, args: &[&str], identity: Option<&Identity>) -> Command {
        let mut cmd = Command::new("git");
        cmd.arg("-C").arg(&self.root);
        // What a repository's own config (or a file a partner managed to plant)
        // could turn into a program run on this computer is switched off on the
        // command line, which outranks every config file (docs/sharing.md).
        for setting in HARDENING {
            cmd.arg("-c").arg(setting);
        }
        cmd.arg("-c")
            .arg(format!("core.sshCommand={}", user_ssh_command()));
        cmd.args(args);
        // Variables that would point git at another repository, index or object
        // store, or run an external diff, are the caller's environment, not ours.
        for var in FOREIGN_ENVIRONMENT {
            cmd.env_remove(var);
        }
        // A pushed `refs/replace/*` must not change what an object reads as.
        cmd.env("GIT_NO_REPLACE_OBJECTS", "1");
        // Only the transports a partnership repository is reached by: never
        // `ext::` (runs a command) or `fd::`. A user's own list stands.
        if std::env::var_os("GIT_ALLOW_PROTOCOL").is_none() {
            cmd.env("GIT_ALLOW_PROTOCOL", "file:git:http:https:ssh");
        }
        // A credential prompt would hang a command run from a script or by
        // `sync = auto`; an authentication failure is reported instead.
        cmd.env("GIT_TERMINAL_PROMPT", "0");
        if let Some(index) = &self.index {
            cmd.env("GIT_INDEX_FILE", index);
        }
        // Only when the user has not chosen an ssh command of their own, which
        // then applies as it is.
        if self.unattended
            && std::env::var_os("GIT_SSH_COMMAND").is_none()
            && std::env::var_os("GIT_SSH").is_none()
        {
            cmd.env(
                "GIT_SSH_COMMAND",
                "ssh -o BatchMode=yes -o ConnectTimeout=10",
            );
        }
        if let Some(id) = identity {
            let date = format!("{} +0000", id.when);
            let email = id.email();
            cmd.env("GIT_AUTHOR_NAME", &id.name)
                .env("GIT_AUTHOR_EMAIL", &email)
                .env("GIT_AUTHOR_DATE", &date)
                .env("GIT_COMMITTER_NAME", &id.name)
                .env("GIT_COMMITTER_EMAIL", &email)
                .env("GIT_COMMITTER_DATE", &date);
        }
        cmd
    }

    /// Run git, giving it `input` on stdin; a failure to start is an error, a
    /// failing exit is returned for the caller to judge.
    pub(crate) fn run_with(
        &self,
        args: &[&str],
        input: &[u8],
        identity: Option<&Identity>,
    ) -> Result<Ran> {
        let mut cmd = self.command(args, identity);
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().map_err(not_installed)?;
        let mut stdin = child.stdin.take();
        let input = input.to_vec();
        // Written on its own thread so a large input never deadlocks against a
        // full output pipe.
        let feeder = std::thread::spawn(move || {
            if let Some(s) = stdin.as_mut() {
                let _ = s.write_all(&input);
            }
        });
        let out = child
            .wait_with_output()
            .map_err(|e| Error::io("could not run git", e))?;
        let _ = feeder.join();
        Ok(Ran {
            ok: out.status.success(),
            stdout: out.stdout,
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
        })
    }

    /// Start git with its input and output piped, for answers too large to hold at
    /// once (`cat-file --batch` over every version of a journal is read a blob at a
    /// time). Its messages are dropped: the caller judges by what it reads.
    pub(crate) fn spawn(&self, args: &[&str]) -> Result<std::process::Child> {
        let mut cmd = self.command(args, None);
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        cmd.spawn().map_err(not_installed)
    }

    pub(crate) fn run(&self, args: &[&str]) -> Result<Ran> {
        self.run_with(args, b"", None)
    }

    /// Run git and require success; its own message becomes the error.
    pub(crate) fn ok(&self, args: &[&str]) -> Result<String> {
        self.ok_with(args, b"", None)
    }

    pub(crate) fn ok_with(
        &self,
        args: &[&str],
        input: &[u8],
        identity: Option<&Identity>,
    ) -> Result<String> {
        let ran = self.run_with(args, input, identity)?;
        if !ran.ok {
            return Err(Error::refused(format!(
                "git {} failed in {}: {}",
                args.first().copied().unwrap_or(""),
                self.root.display(),
                first_lines(&ran.stderr)
            ))
            .with_hint(Hint::CheckRepositoryThenSync {
                root: self.root.clone(),
            }));
        }
        Ok(ran.text())
    }

    /// Refuse to run git in a repository whose own settings hold anything escalate
    /// did not put there and a user would not (see `allowed_local_setting`).
    pub(crate) fn check_local_settings(&self) -> Result<()> {
        let ran = self.run(&["config", "--local", "--no-includes", "--list", "-z"])?;
        if !ran.ok {
            return Err(Error::refused(format!(
                "git could not read the settings of the repository in {}: {}",
                self.root.display(),
                first_lines(&ran.stderr)
            )));
        }
        let foreign: Vec<String> = ran
            .stdout
            .split(|&b| b == 0)
            .filter(|e| !e.is_empty())
            .map(|e| {
                let key = e.split(|&b| b == b'\n').next().unwrap_or(e);
                String::from_utf8_lossy(key).into_owned()
            })
            .filter(|k| !allowed_local_setting(k))
            .collect();
        let Some(first) = foreign.first() else {
            return Ok(());
        };
        Err(Error::refused(format!(
            "the repository in {} has settings escalate does not use and will not run git with: {}; nothing was changed",
            self.root.display(),
            foreign.iter().map(|k| k.escape_debug().to_string()).collect::<Vec<_>>().join(", ")
        ))
        .with_hint(Hint::RemoveGitSetting {
            root: self.root.clone(),
            key: first.clone(),
        }))
    }

    /// A commit (or other object) name, if it resolves.
    pub(crate) fn rev(&self, name: &str) -> Result<Option<String>> {
        let ran = self.run(&[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{name}^{{commit}}"),
        ])?;
        Ok(ran.ok.then(|| ran.text()).filter(|s| !s.is_empty()))
    }

    /// Whether `older` is an ancestor of (or equal to) `newer`.
    pub(crate) fn is_ancestor(&self, older: &str, newer: &str) -> Result<bool> {
        Ok(self.run(&["merge-base", "--is-ancestor", older, newer])?.ok)
    }

    /// The contents of many objects (`rev:path` names) with one git process;
    /// `None` for each that does not exist.
    pub(crate) fn blobs(&self, names: &[String]) -> Result<Vec<Option<Vec<u8>>>> {
        if names.is_empty() {
            return Ok(Vec::new());
        }
        let mut input = Vec::new();
        for n in names {
            input.extend_from_slice(n.as_bytes());
            input.push(b'\n');
        }
        let ran = self.run_with(&["cat-file", "--batch"], &input, None)?;
        if !ran.ok {
            return Err(Error::refused(format!(
                "git could not read stored files: {}",
                first_lines(&ran.stderr)
            )));
        }
        parse_batch(&ran.stdout, names.len())
    }
}

/// One `git cat-file --batch` process answering one object at a time, so a walk
/// over many versions of large journals holds only the pair it compares.
pub(crate) struct BlobReader {
    child: std::process::Child,
    stdin: std::process::ChildStdin,
    stdout: std::io::BufReader<std::process::ChildStdout>,
}

impl BlobReader {
    /// The contents of `name` (an object id or `rev:path`), `None` if there is no
    /// such object; anything over `limit` bytes is refused unread.
    pub(crate) fn read(&mut self, name: &str, limit: u64) -> Result<Option<Vec<u8>>> {
        Ok(self.read_object(name, limit)?.map(|(_, body)| body))
    }

    /// As `read`, with the object's type (`blob`, `tree`, `commit`, `tag`), for
    /// a caller that must not take one for another.
    pub(crate) fn read_object(
        &mut self,
        name: &str,
        limit: u64,
    ) -> Result<Option<(String, Vec<u8>)>> {
        use std::io::{BufRead, Read};
        let broken = |e: std::io::Error| Error::io("could not read stored files with git", e);
        writeln!(self.stdin, "{name}").map_err(broken)?;
        self.stdin.flush().map_err(broken)?;
        let mut header = String::new();
        self.stdout.read_line(&mut header).map_err(broken)?;
        let header = header.trim_end();
        if header.is_empty() {
            return Err(Error::refused("git stopped answering about stored files"));
        }
        if header.ends_with(" missing") || header.ends_with(" ambiguous") {
            return Ok(None);
        }
        let size: u64 = header
            .rsplit(' ')
            .next()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| Error::refused("git's answer about stored files could not be read"))?;
        let kind = header.split(' ').nth(1).unwrap_or_default().to_owned();
        if size > limit {
            return Err(Error::refused(format!(
                "a stored file is {size} bytes, more than the {limit} bytes escalate reads"
            )));
        }
        let mut body = vec![0; size as usize + 1];
        self.stdout.read_exact(&mut body).map_err(broken)?;
        body.pop();
        Ok(Some((kind, body)))
    }
}

impl Drop for BlobReader {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Git {
    /// A `BlobReader` on this repository.
    pub(crate) fn blob_reader(&self) -> Result<BlobReader> {
        let mut cmd = self.command(&["cat-file", "--batch"], None);
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        let mut child = cmd.spawn().map_err(not_installed)?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            return Err(Error::refused("could not talk to git"));
        };
        Ok(BlobReader {
            child,
            stdin,
            stdout: std::io::BufReader::with_capacity(1 << 16, stdout),
        })
    }
}

/// Split `git cat-file --batch` output: a header `<sha> <type> <size>` then the
/// bytes, or `<name> missing`.
fn parse_batch(out: &[u8], n: usize) -> Result<Vec<Option<Vec<u8>>>> {
    let bad = || Error::refused("git's answer about stored files could not be read");
    let mut result = Vec::with_capacity(n);
    let mut pos = 0;
    for _ in 0..n {
        let end = out[pos..]
            .iter()
            .position(|&b| b == b'\n')
            .ok_or_else(bad)?
            + pos;
        let header = String::from_utf8_lossy(&out[pos..end]).into_owned();
        pos = end + 1;
        if header.ends_with(" missing") || header.ends_with(" ambiguous") {
            result.push(None);
            continue;
        }
        let size: usize = header
            .rsplit(' ')
            .next()
            .and_then(|s| s.parse().ok())
            .ok_or_else(bad)?;
        let body = out.get(pos..pos + size).ok_or_else(bad)?;
        result.push(Some(body.to_vec()));
        pos += size + 1;
    }
    Ok(result)
}

fn not_installed(e: std::io::Error) -> Error {
    if e.kind() == std::io::ErrorKind::NotFound {
        Error::refused("sharing needs the git program, and it is not installed")
            .with_hint(Hint::InstallGit)
    } else {
        Error::io("could not run git", e)
    }
}

/// The first few lines of git's message, without its hint lines.
pub(crate) fn first_lines(stderr: &str) -> String {
    let lines: Vec<&str> = stderr
        .lines()
        .filter(|l| !l.starts_with("hint:") && !l.trim().is_empty())
        .take(3)
        .collect();
    if lines.is_empty() {
        "no message".into()
    } else {
        lines.join("; ")
    }
}

/// Why talking to the remote failed, in the user's words, with the next step
/// for a data directory that is already shared (`escalate sync`).
pub(crate) fn remote_failure(doing: &str, remote: &str, stderr: &str) -> Error {
    remote_failure_then(doing, remote, stderr, false)
}

/// `remote_failure`, `joining` when the address was just typed to join (nothing
/// was shared yet, so the next step is to check that address and join again,
/// not to sync).
pub(crate) fn remote_failure_then(doing: &str, remote: &str, stderr: &str, joining: bool) -> Error {
    let lower = stderr.to_lowercase();
    let (what, problem) = if lower.contains("authentication")
        || lower.contains("permission denied")
        || lower.contains("could not read username")
        || lower.contains("403")
    {
        (
            "the partnership's repository refused your credentials",
            RemoteProblem::Credentials,
        )
    } else if lower.contains("does not appear to be a git repository")
        || lower.contains("not found")
        || lower.contains("no such file")
        || lower.contains("repository") && lower.contains("not exist")
    {
        (
            "the partnership's repository could not be found",
            RemoteProblem::NotFound,
        )
    } else if lower.contains("remote rejected") || lower.contains("hook declined") {
        (
            "the partnership's repository refused it",
            RemoteProblem::Rejected,
        )
    } else {
        (
            "the partnership's repository could not be reached (no network?)",
            RemoteProblem::Unreachable,
        )
    };
    Error::refused(format!(
        "could not {doing} {remote}: {what} ({})",
        first_lines(stderr)
    ))
    .with_hint(Hint::Remote {
        problem,
        remote: remote.to_owned(),
        joining,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_output_splits_into_contents_and_missing() {
        let out = b"aaa blob 3\nx\ny\nb:c missing\nbbb blob 0\n\n";
        let got = parse_batch(out, 3).unwrap();
        assert_eq!(got, vec![Some(b"x\ny".to_vec()), None, Some(Vec::new())]);
        assert!(parse_batch(b"aaa blob 9\nshort", 1).is_err());
    }

    #[test]
    fn an_unattended_sync_never_waits_for_ssh_questions() {
        let ssh = |g: &Git| {
            g.command(&["fetch"], None)
                .get_envs()
                .find(|(k, _)| *k == "GIT_SSH_COMMAND")
                .and_then(|(_, v)| v.map(|v| v.to_string_lossy().into_owned()))
        };
        let g = Git::new(Path::new("."));
        assert_eq!(ssh(&g), None);
        if std::env::var_os("GIT_SSH_COMMAND").is_none() && std::env::var_os("GIT_SSH").is_none() {
            assert!(ssh(&g.unattended()).unwrap().contains("BatchMode=yes"));
        }
    }

    #[test]
    fn the_commit_email_is_a_placeholder_naming_person_and_agency() {
        let id = Identity {
            name: "Sam (DSL)".into(),
            organisation: "Children's Social Care".into(),
            when: 0,
        };
        assert_eq!(id.email(), "sam-dsl@children-s-social-care.invalid");
    }

    #[test]
    fn failures_are_told_apart() {
        let problem = |e: &Error| match e.hints() {
            [Hint::Remote { problem, .. }] => *problem,
            other => panic!("{other:?}"),
        };
        let auth = remote_failure("fetch from", "r", "fatal: Authentication failed for 'x'");
        assert!(auth.to_string().contains("credentials"));
        assert_eq!(problem(&auth), RemoteProblem::Credentials);
        let gone = remote_failure(
            "fetch from",
            "r",
            "fatal: '/x' does not appear to be a git repository",
        );
        assert!(gone.to_string().contains("could not be found"));
        assert_eq!(problem(&gone), RemoteProblem::NotFound);
        let net = remote_failure(
            "fetch from",
            "r",
            "fatal: unable to access: Could not resolve host",
        );
        assert!(net.to_string().contains("no network"));
        assert_eq!(problem(&net), RemoteProblem::Unreachable);
    }
}
