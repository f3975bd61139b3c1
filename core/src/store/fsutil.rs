//! The file-system steps every part of the store shares, each written once:
//! private directories and files (records about children are private, so on Unix
//! directories are created 0700 and files 0600), an atomic replace (a file
//! appears whole or not at all), a lock that waits a while and then says who is
//! in the way, and a size-limited read that refuses what escalate never writes (a
//! FIFO, a device, a link where none belongs). Paths are the caller's: where each
//! file lives is `store::layout`'s business.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};

/// Create a directory (and its parents) readable only by the user.
pub fn private_dir(path: &Path) -> Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(path).map_err(|e| {
        Error::io(
            format!("could not create the directory {}", path.display()),
            e,
        )
    })
}

/// Create a new file only the user can read (0600 on Unix), open for reading and
/// writing. It must not exist yet: a file or link already there is an error, so a
/// planted link is never followed.
pub fn create_private(path: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true).write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

/// The temporary name beside `path` that this process writes before moving the
/// file into place: hidden, and ending `.tmp` so a shared directory ignores it.
fn temporary_beside(path: &Path) -> PathBuf {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    path.with_file_name(format!(".{name}.{}.tmp", std::process::id()))
}

/// Whether a temporary file's bytes must be on disk before it is moved into place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Durability {
    /// Written and synced: after a power cut the file is the old one or the new one.
    Synced,
    /// Written only, for a file whose loss a later step detects and repairs (the
    /// head receipt): one fsync fewer per append.
    Unsynced,
}

/// Write `bytes` to a new private file at `tmp`. A leftover there (from a crashed
/// run, or planted) is removed first, never followed. On failure nothing is left.
pub(crate) fn write_temporary(
    tmp: &Path,
    bytes: &[u8],
    durability: Durability,
) -> std::io::Result<()> {
    // A leftover from a killed run is removed only when there is one: a sync
    // writes thousands of these, and a failed unlink costs a directory lookup.
    let created = match create_private(tmp) {
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let _ = fs::remove_file(tmp);
            create_private(tmp)
        }
        other => other,
    };
    let written = created.and_then(|mut f| {
        f.write_all(bytes)?;
        match durability {
            Durability::Synced => f.sync_all(),
            Durability::Unsynced => Ok(()),
        }
    });
    if written.is_err() {
        let _ = fs::remove_file(tmp);
    }
    written
}

/// Replace `path` with `bytes` all at once: a private temporary file in the same
/// directory is written and synced, renamed over the old file, and the directory
/// synced. A reader sees the old file or the new one, never half of one; if
/// anything fails the old file is untouched. The directory must exist.
pub(crate) fn replace_file(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = temporary_beside(path);
    let renamed =
        write_temporary(&tmp, bytes, Durability::Synced).and_then(|()| fs::rename(&tmp, path));
    if let Err(e) = renamed {
        let _ = fs::remove_file(&tmp);
        return Err(Error::io(format!("could not write {}", path.display()), e));
    }
    sync_dir(path.parent().unwrap_or(Path::new(".")));
    Ok(())
}

/// Replace the file at `rel` (a `/`-separated path the caller has already checked
/// names a file escalate keeps) under `root` with `bytes`, as `replace_file` does,
/// but walking every folder from the data directory down without following a
/// link: a folder that is a link, or a link where the file goes, can never make
/// this write land outside the data directory. Missing folders are made 0700.
#[cfg(unix)]
pub(crate) fn replace_beneath(root: &Path, rel: &str, bytes: &[u8]) -> Result<()> {
    use rustix::fs::{mkdirat, openat, renameat, Mode, OFlags};
    let full = root.join(rel);
    let io = |e: std::io::Error| Error::io(format!("could not write {}", full.display()), e);
    let folder = OFlags::DIRECTORY | OFlags::RDONLY | OFlags::CLOEXEC;
    // The data directory itself may be a link the user made on purpose.
    let mut dir = rustix::fs::open(root, folder, Mode::empty()).map_err(|e| io(e.into()))?;
    let mut parts: Vec<&str> = rel.split('/').collect();
    let name = parts.pop().unwrap_or_default();
    if name.is_empty()
        || parts
            .iter()
            .chain([&name])
            .any(|p| p.is_empty() || *p == "." || *p == "..")
    {
        return Err(io(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not a path inside the data directory",
        )));
    }
    for part in parts {
        let next = match openat(&dir, part, folder | OFlags::NOFOLLOW, Mode::empty()) {
            Err(rustix::io::Errno::NOENT) => {
                mkdirat(&dir, part, Mode::from_raw_mode(0o700)).map_err(|e| io(e.into()))?;
                openat(&dir, part, folder | OFlags::NOFOLLOW, Mode::empty())
            }
            other => other,
        };
        dir = next.map_err(|e| {
            io(
                if matches!(e, rustix::io::Errno::LOOP | rustix::io::Errno::NOTDIR) {
                    std::io::Error::new(
                        std::io::ErrorKind::InvalidInput,
                        format!("{part} is a link or a file, not a folder"),
                    )
                } else {
                    e.into()
                },
            )
        })?;
    }
    let tmp = format!(".{name}.{}.tmp", std::process::id());
    let _ = rustix::fs::unlinkat(&dir, tmp.as_str(), rustix::fs::AtFlags::empty());
    let created = openat(
        &dir,
        tmp.as_str(),
        OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        Mode::from_raw_mode(0o600),
    )
    .map_err(std::io::Error::from)
    .and_then(|fd| {
        let mut f = File::from(fd);
        f.write_all(bytes)?;
        f.sync_all()
    })
    .and_then(|()| renameat(&dir, tmp.as_str(), &dir, name).map_err(std::io::Error::from));
    if let Err(e) = created {
        let _ = rustix::fs::unlinkat(&dir, tmp.as_str(), rustix::fs::AtFlags::empty());
        return Err(io(e));
    }
    let _ = rustix::fs::fsync(&dir);
    Ok(())
}

/// Remove the file at `rel` under `root`, if it is there, following no link on
/// the way (a folder that is a link is left alone, and so is what it points to).
pub(crate) fn remove_beneath(root: &Path, rel: &str) {
    let full = root.join(rel);
    let mut at = root.to_owned();
    for part in rel.split('/') {
        at.push(part);
        if at != full && !fs::symlink_metadata(&at).is_ok_and(|m| m.is_dir()) {
            return;
        }
    }
    if fs::symlink_metadata(&full).is_ok_and(|m| m.is_file()) {
        let _ = fs::remove_file(&full);
    }
}

#[cfg(not(unix))]
pub fn replace_beneath(root: &Path, rel: &str, bytes: &[u8]) -> Result<()> {
    let full = root.join(rel);
    private_dir(full.parent().unwrap_or(root))?;
    replace_file(&full, bytes)
}

/// Where `replace_keeping_backup` keeps the version it replaced: `<path>.bak`.
pub(crate) fn backup_path(path: &Path) -> PathBuf {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    path.with_file_name(format!("{name}.bak"))
}

/// Keep `old` (the current contents of `path`, if it has any) as `<path>.bak`,
/// then replace `path` with `new`, so one mistaken change can be undone by
/// renaming one file. Returns where the backup went.
pub(crate) fn replace_keeping_backup(
    path: &Path,
    old: Option<&[u8]>,
    new: &[u8],
) -> Result<Option<PathBuf>> {
    let backup = match old {
        Some(old) => {
            let bak = backup_path(path);
            replace_file(&bak, old)?;
            Some(bak)
        }
        None => None,
    };
    replace_file(path, new)?;
    Ok(backup)
}

/// Write `bytes` to a new file at `path`: written and synced under a temporary name,
/// then linked into place, which fails rather than replace a file that exists.
pub fn write_new_file(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = temporary_beside(path);
    write_temporary(&tmp, bytes, Durability::Synced)
        .map_err(|e| Error::io(format!("could not write {}", path.display()), e))?;
    let linked = fs::hard_link(&tmp, path);
    let _ = fs::remove_file(&tmp);
    linked.map_err(|e| Error::io(format!("could not create {}", path.display()), e))?;
    sync_dir(path.parent().unwrap_or(Path::new(".")));
    Ok(())
}

/// Make a new directory entry durable. Best effort: not every platform can open a
/// directory, and the file's own data is already synced.
fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Shared (many readers) or exclusive (one writer).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LockKind {
    Shared,
    Exclusive,
}

/// How often a waiting command tries the lock again.
const LOCK_POLL: Duration = Duration::from_millis(10);

/// Lock an open file, trying again for up to `wait` while another process holds
/// it, then giving up with `busy()`: the caller's words for who is in the way and
/// what to do. The lock is released when the file is closed.
pub(crate) fn wait_for_lock(
    file: &File,
    path: &Path,
    kind: LockKind,
    wait: Duration,
    busy: impl FnOnce() -> Error,
) -> Result<()> {
    let started = Instant::now();
    loop {
        let attempt = match kind {
            LockKind::Exclusive => file.try_lock(),
            LockKind::Shared => file.try_lock_shared(),
        };
        match attempt {
            Ok(()) => return Ok(()),
            Err(fs::TryLockError::WouldBlock) if started.elapsed() < wait => {
                std::thread::sleep(LOCK_POLL);
            }
            Err(fs::TryLockError::WouldBlock) => return Err(busy()),
            Err(fs::TryLockError::Error(e)) => {
                return Err(Error::io(format!("could not lock {}", path.display()), e))
            }
        }
    }
}

/// Take an exclusive lock on a lock file (created private if missing; its
/// contents are never read), waiting as `wait_for_lock` does. Held until the
/// returned file is dropped.
pub(crate) fn lock_file(path: &Path, wait: Duration, busy: impl FnOnce() -> Error) -> Result<File> {
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let file = options
        .open(path)
        .map_err(|e| Error::io(format!("could not open {}", path.display()), e))?;
    wait_for_lock(&file, path, LockKind::Exclusive, wait, busy)?;
    Ok(file)
}

/// Open a file that must be a regular one, without following a link in its last
/// component and without blocking: a FIFO or device planted in the data directory
/// would otherwise hang the open or the read. The check is on the open file
/// (fstat), so nothing can be swapped in between looking and opening.
pub(crate) fn open_regular(options: &mut OpenOptions, path: &Path) -> std::io::Result<File> {
    open_checked(options, path, Links::Refuse)
}

/// Whether a read may follow a symbolic link at the path itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Links {
    /// Follow it, as `File::open` does (a user's own file, linked in on purpose).
    Follow,
    /// Refuse it (the error `is_link_error` recognises): inside the data directory
    /// a link could make escalate read or write a file elsewhere.
    Refuse,
}

fn open_checked(options: &mut OpenOptions, path: &Path, links: Links) -> std::io::Result<File> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(match links {
            Links::Follow => rustix::fs::OFlags::NONBLOCK.bits() as i32,
            Links::Refuse => {
                (rustix::fs::OFlags::NOFOLLOW | rustix::fs::OFlags::NONBLOCK).bits() as i32
            }
        });
    }
    #[cfg(not(unix))]
    let _ = links;
    let file = options.open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(if meta.is_dir() {
            std::io::Error::new(std::io::ErrorKind::IsADirectory, "it is a directory")
        } else {
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "it is not a regular file (a pipe, device or socket)",
            )
        });
    }
    Ok(file)
}

/// Whether an open failed because the path is a symbolic link (`Links::Refuse`).
pub(crate) fn is_link_error(e: &std::io::Error) -> bool {
    #[cfg(unix)]
    {
        e.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error())
    }
    #[cfg(not(unix))]
    {
        let _ = e;
        false
    }
}

/// Read a whole file of at most `limit` bytes. Refused, each with its own error
/// kind so callers can word it: a missing file (`NotFound`), a link under
/// `Links::Refuse` (`is_link_error`), a directory (`IsADirectory`), a FIFO, device
/// or socket (`InvalidInput`, and never a hang), and a larger file
/// (`FileTooLarge`, checked before reading and again while reading, so a file
/// that grows or lies about its size cannot exhaust memory).
pub fn read_limited(path: &Path, limit: u64, links: Links) -> std::io::Result<Vec<u8>> {
    let file = open_checked(OpenOptions::new().read(true), path, links)?;
    read_open_limited(&file, limit)
}

/// Read the rest of an open file (one opened and locked by the caller) if it is
/// at most `limit` bytes; `FileTooLarge` as `read_limited` says otherwise.
pub(crate) fn read_open_limited(file: &File, limit: u64) -> std::io::Result<Vec<u8>> {
    let len = file.metadata()?.len();
    let too_big = |len: Option<u64>| {
        std::io::Error::new(
            std::io::ErrorKind::FileTooLarge,
            match len {
                Some(len) => format!("it is {len} bytes, more than the {limit}-byte limit"),
                None => format!("it is more than the {limit}-byte limit"),
            },
        )
    };
    if len > limit {
        return Err(too_big(Some(len)));
    }
    let mut bytes = Vec::with_capacity(len as usize);
    file.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(too_big(None));
    }
    Ok(bytes)
}

/// Read a file the user named on the command line, of at most `limit` bytes.
/// Unlike a file in the data directory it may be a link or a pipe (`import
/// <(curl ...)`): it is the user's own, and waiting for a pipe's writer is what
/// they asked for. Too large is `FileTooLarge`, as for `read_limited`.
pub fn read_user_file(path: &Path, limit: u64) -> std::io::Result<Vec<u8>> {
    read_open_limited(&File::open(path)?, limit)
}

/// Read a small text file that must be a regular file (not a link) no larger than
/// `limit`.
pub(crate) fn read_regular(path: &Path, limit: u64) -> Result<String> {
    let error = |e| Error::io(format!("could not read {}", path.display()), e);
    let bytes = read_limited(path, limit, Links::Refuse).map_err(|e| {
        if e.kind() == std::io::ErrorKind::FileTooLarge {
            error(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("it is larger than {limit} bytes"),
            ))
        } else {
            error(e)
        }
    })?;
    String::from_utf8(bytes).map_err(|_| {
        error(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "it is not UTF-8 text",
        ))
    })
}

/// `read_limited` as UTF-8 text (`InvalidData` if it is not).
pub fn read_limited_text(path: &Path, limit: u64, links: Links) -> std::io::Result<String> {
    String::from_utf8(read_limited(path, limit, links)?)
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "it is not UTF-8 text"))
}

/// `std::fs::read` for a file that must be a regular one: a FIFO, device or
/// directory put in its place is an error, never a hang. Links are followed.
pub fn read_file(path: &Path) -> std::io::Result<Vec<u8>> {
    read_limited(path, u64::MAX, Links::Follow).map_err(|e| match e.kind() {
        std::io::ErrorKind::IsADirectory | std::io::ErrorKind::InvalidInput => {
            std::io::Error::new(std::io::ErrorKind::InvalidInput, "it is not a regular file")
        }
        _ => e,
    })
}

/// `std::fs::read_to_string` with the same protection as `read_file`.
pub(crate) fn read_file_to_string(path: &Path) -> std::io::Result<String> {
    String::from_utf8(read_file(path)?)
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "it is not UTF-8 text"))
}

/// Permission bits that let anyone but the owner in, if any (Unix only).
pub(crate) fn loose_mode(meta: &fs::Metadata) -> Option<u32> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o777;
        (mode & 0o077 != 0).then_some(mode)
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        None
    }
}

/// Take group and world access away from a file or directory we own. Best effort:
/// a file someone else owns is reported by `verify`, not fought over here.
pub(crate) fn tighten(path: &Path, dir: bool) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = fs::symlink_metadata(path) {
            if loose_mode(&meta).is_some() && !meta.file_type().is_symlink() {
                let mode = if dir { 0o700 } else { 0o600 };
                let _ = fs::set_permissions(path, fs::Permissions::from_mode(mode));
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (path, dir);
    }
}

/// Let a write past the file-size limit (`ulimit -f`) fail with an error the
/// caller can clean up after, instead of the SIGXFSZ that would kill the process
/// with a partial line on disk and a temporary file left behind.
pub fn survive_file_size_limit() {
    #[cfg(unix)]
    {
        let flag = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let _ = signal_hook::flag::register(signal_hook::consts::SIGXFSZ, flag);
    }
}

/// Hand `each` the names in directory `dir` that end in `.jsonl` and whose stem
/// `parse` accepts, in directory order, as they are read. On Linux the names are
/// read in place from large `getdents64` buffers (a partnership's archive lists
/// hundreds of thousands of names; a string for each costs more than the
/// listing). An error part-way is an error, never a silently shorter list.
pub(crate) fn each_journal_stem<T>(
    dir: &Path,
    parse: impl Fn(&str) -> Option<T>,
    mut each: impl FnMut(T),
) -> std::io::Result<()> {
    let stem = |name: &str| name.strip_suffix(".jsonl").and_then(&parse);
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::OpenOptionsExt;
        let fd = OpenOptions::new()
            .read(true)
            .custom_flags(
                (rustix::fs::OFlags::DIRECTORY | rustix::fs::OFlags::NONBLOCK).bits() as i32,
            )
            .open(dir)?;
        let mut buf = Vec::with_capacity(256 << 10);
        let mut names = rustix::fs::RawDir::new(&fd, buf.spare_capacity_mut());
        while let Some(entry) = names.next() {
            let entry = entry.map_err(std::io::Error::from)?;
            if let Some(t) = entry.file_name().to_str().ok().and_then(stem) {
                each(t);
            }
        }
        Ok(())
    }
    #[cfg(not(target_os = "linux"))]
    {
        for entry in fs::read_dir(dir)? {
            if let Some(t) = entry?.file_name().to_str().and_then(stem) {
                each(t);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir() -> tempfile::TempDir {
        tempfile::tempdir().expect("tempdir")
    }

    #[cfg(unix)]
    #[test]
    fn a_write_beneath_the_data_directory_never_goes_through_a_link() {
        let d = dir();
        let root = d.path().join("data");
        let outside = d.path().join("outside");
        fs::create_dir_all(&root).unwrap();
        fs::create_dir_all(&outside).unwrap();
        replace_beneath(&root, "calendar/bank-holidays.json", b"{}").unwrap();
        assert_eq!(
            fs::read(root.join("calendar/bank-holidays.json")).unwrap(),
            b"{}"
        );
        // A folder that is a link is refused, and nothing lands where it points.
        std::os::unix::fs::symlink(&outside, root.join("policies")).unwrap();
        let e = replace_beneath(&root, "policies/x.toml", b"x").unwrap_err();
        assert!(e.to_string().contains("link"), "{e}");
        assert_eq!(fs::read_dir(&outside).unwrap().count(), 0);
        // A link where the file goes is replaced, not followed.
        std::os::unix::fs::symlink(outside.join("target"), root.join("agencies.toml")).unwrap();
        replace_beneath(&root, "agencies.toml", b"names").unwrap();
        assert!(!outside.join("target").exists());
        assert!(fs::symlink_metadata(root.join("agencies.toml"))
            .unwrap()
            .is_file());
        for bad in ["../x", "a/../b", "", "a//b", "."] {
            assert!(replace_beneath(&root, bad, b"x").is_err(), "{bad}");
        }
        remove_beneath(&root, "policies/x.toml");
        assert!(root.join("policies").is_symlink());
    }

    fn leftovers(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .expect("list")
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|n| n.ends_with(".tmp"))
            .collect();
        names.sort();
        names
    }

    #[test]
    fn replace_puts_the_new_file_in_place_and_leaves_no_temporary() {
        let tmp = dir();
        let path = tmp.path().join("settings.toml");
        replace_file(&path, b"one").expect("first");
        replace_file(&path, b"two").expect("second");
        assert_eq!(fs::read(&path).expect("read"), b"two");
        assert_eq!(leftovers(tmp.path()), Vec::<String>::new());
        // An empty file is a valid replacement (a config with nothing set).
        replace_file(&path, b"").expect("empty");
        assert_eq!(fs::read(&path).expect("read"), b"");
    }

    #[test]
    fn a_failed_replace_leaves_the_old_file() {
        let tmp = dir();
        let path = tmp.path().join("closures.json");
        fs::write(&path, "old").expect("write");
        // Something that is not a file where the temporary must go: the write fails.
        let blocker = temporary_beside(&path);
        fs::create_dir(&blocker).expect("mkdir");
        fs::write(blocker.join("x"), "x").expect("fill");
        let err = replace_file(&path, b"new").expect_err("refused");
        assert!(
            err.to_string()
                .starts_with(&format!("could not write {}", path.display())),
            "{err}"
        );
        assert_eq!(fs::read_to_string(&path).expect("read"), "old");
        // Nor does a failed rename (a directory in the way) lose anything.
        fs::remove_dir_all(&blocker).expect("rmdir");
        let taken = tmp.path().join("taken");
        fs::create_dir(&taken).expect("mkdir");
        fs::write(taken.join("x"), "x").expect("fill");
        assert!(replace_file(&taken, b"new").is_err());
        assert_eq!(leftovers(tmp.path()), Vec::<String>::new());
    }

    #[test]
    fn the_backup_keeps_the_replaced_version() {
        let tmp = dir();
        let path = tmp.path().join("closures.json");
        assert_eq!(
            replace_keeping_backup(&path, None, b"one").expect("first"),
            None
        );
        let bak = replace_keeping_backup(&path, Some(b"one"), b"two").expect("second");
        assert_eq!(bak, Some(tmp.path().join("closures.json.bak")));
        assert_eq!(
            fs::read(tmp.path().join("closures.json.bak")).expect("bak"),
            b"one"
        );
        assert_eq!(fs::read(&path).expect("read"), b"two");
    }

    #[test]
    fn a_new_file_never_replaces_one() {
        let tmp = dir();
        let path = tmp.path().join("a.jsonl");
        write_new_file(&path, b"first").expect("new");
        let err = write_new_file(&path, b"second").expect_err("exists");
        assert!(err.to_string().contains("could not create"), "{err}");
        assert_eq!(fs::read(&path).expect("read"), b"first");
        assert_eq!(leftovers(tmp.path()), Vec::<String>::new());
    }

    #[cfg(unix)]
    #[test]
    fn everything_created_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = dir();
        let mode = |p: &Path| fs::metadata(p).expect("stat").permissions().mode() & 0o777;
        let sub = tmp.path().join("a/b");
        private_dir(&sub).expect("dir");
        assert_eq!(mode(&sub), 0o700);
        assert_eq!(mode(&tmp.path().join("a")), 0o700);
        create_private(&sub.join("scratch")).expect("create");
        assert_eq!(mode(&sub.join("scratch")), 0o600);
        replace_file(&sub.join("replaced"), b"x").expect("replace");
        assert_eq!(mode(&sub.join("replaced")), 0o600);
        write_new_file(&sub.join("new"), b"x").expect("new");
        assert_eq!(mode(&sub.join("new")), 0o600);
        let lock = lock_file(&sub.join(".lock"), Duration::ZERO, || {
            Error::refused("busy")
        })
        .expect("lock");
        assert_eq!(mode(&sub.join(".lock")), 0o600);
        drop(lock);
        // A link planted at a new file's name is not followed.
        std::os::unix::fs::symlink(tmp.path().join("elsewhere"), sub.join("link")).expect("ln");
        assert!(create_private(&sub.join("link")).is_err());
        assert!(!tmp.path().join("elsewhere").exists());
    }

    #[test]
    fn the_size_limit_refuses_a_larger_file() {
        let tmp = dir();
        let path = tmp.path().join("f");
        fs::write(&path, [b'x'; 11]).expect("write");
        let err = read_limited(&path, 10, Links::Refuse).expect_err("too big");
        assert_eq!(err.kind(), std::io::ErrorKind::FileTooLarge);
        assert_eq!(
            err.to_string(),
            "it is 11 bytes, more than the 10-byte limit"
        );
        assert_eq!(
            read_limited(&path, 11, Links::Refuse).expect("fits").len(),
            11
        );
        let err = read_regular(&path, 10).expect_err("too big");
        assert!(
            err.to_string().contains("it is larger than 10 bytes"),
            "{err}"
        );
        let missing = read_limited(&tmp.path().join("none"), 10, Links::Refuse);
        assert_eq!(
            missing.map_err(|e| e.kind()).err(),
            Some(std::io::ErrorKind::NotFound)
        );
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_fifo_is_refused_without_waiting_for_a_writer() {
        use rustix::fs::{mknodat, FileType, Mode, CWD};
        let tmp = dir();
        let fifo = tmp.path().join("fifo");
        mknodat(CWD, &fifo, FileType::Fifo, Mode::from_raw_mode(0o600), 0).expect("mkfifo");
        for links in [Links::Refuse, Links::Follow] {
            let err = read_limited(&fifo, 1024, links).expect_err("a fifo");
            assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput, "{err}");
        }
        let err = read_file(&fifo).expect_err("a fifo");
        assert_eq!(err.to_string(), "it is not a regular file");
        let err = read_limited(tmp.path(), 1024, Links::Refuse).expect_err("a dir");
        assert_eq!(err.kind(), std::io::ErrorKind::IsADirectory);
    }

    #[cfg(unix)]
    #[test]
    fn a_link_is_followed_only_when_asked() {
        let tmp = dir();
        let target = tmp.path().join("target");
        fs::write(&target, "text").expect("write");
        let link = tmp.path().join("link");
        std::os::unix::fs::symlink(&target, &link).expect("ln");
        let err = read_limited(&link, 1024, Links::Refuse).expect_err("a link");
        assert!(is_link_error(&err), "{err}");
        assert_eq!(
            read_limited(&link, 1024, Links::Follow).expect("followed"),
            b"text"
        );
    }

    #[test]
    fn a_held_lock_times_out_with_the_callers_words() {
        let tmp = dir();
        let path = tmp.path().join("sync.lock");
        let busy = || Error::refused("another sync of this directory is still running");
        let held = lock_file(&path, Duration::ZERO, busy).expect("first");
        let started = Instant::now();
        let err = lock_file(&path, Duration::from_millis(100), busy).expect_err("held");
        assert!(started.elapsed() >= Duration::from_millis(100));
        assert_eq!(
            err.to_string(),
            "another sync of this directory is still running"
        );
        // A shared lock waits for an exclusive one too, and gets in once it is gone.
        let file = File::open(&path).expect("open");
        assert!(wait_for_lock(&file, &path, LockKind::Shared, Duration::ZERO, busy).is_err());
        drop(held);
        wait_for_lock(&file, &path, LockKind::Shared, Duration::ZERO, busy).expect("free");
    }
}
