//! File-system steps that must be all-or-nothing: private directories, and new files
//! that appear whole or not at all. Records about children are private, so on Unix
//! directories are created 0700 and files 0600.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::Path;

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

fn private_options() -> OpenOptions {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
}

/// Write `bytes` to a new file at `path`: written and synced under a temporary name,
/// then linked into place, which fails rather than replace a file that exists.
pub fn write_new_file(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let written = private_options()
        .open(&tmp)
        .and_then(|mut f| f.write_all(bytes).and_then(|()| f.sync_all()));
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp);
        return Err(Error::io(format!("could not write {}", path.display()), e));
    }
    let linked = fs::hard_link(&tmp, path);
    let _ = fs::remove_file(&tmp);
    linked.map_err(|e| Error::io(format!("could not create {}", path.display()), e))?;
    sync_dir(dir);
    Ok(())
}

/// Make a new directory entry durable. Best effort: not every platform can open a
/// directory, and the file's own data is already synced.
pub fn sync_dir(dir: &Path) {
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Open a file that must be a regular one, without following a link in its last
/// component and without blocking: a FIFO or device planted in the data directory
/// would otherwise hang the open or the read. The check is on the open file
/// (fstat), so nothing can be swapped in between looking and opening.
pub fn open_regular(options: &mut OpenOptions, path: &Path) -> std::io::Result<fs::File> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
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

/// Read a small text file that must be a regular file no larger than `limit`.
pub fn read_regular(path: &Path, limit: u64) -> Result<String> {
    use std::io::Read;
    let file = open_regular(OpenOptions::new().read(true), path)
        .map_err(|e| Error::io(format!("could not read {}", path.display()), e))?;
    let mut bytes = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(format!("could not read {}", path.display()), e))?;
    if bytes.len() as u64 > limit {
        return Err(Error::io(
            format!("could not read {}", path.display()),
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("it is larger than {limit} bytes"),
            ),
        ));
    }
    String::from_utf8(bytes).map_err(|_| {
        Error::io(
            format!("could not read {}", path.display()),
            std::io::Error::new(std::io::ErrorKind::InvalidData, "it is not UTF-8 text"),
        )
    })
}

/// Permission bits that let anyone but the owner in, if any (Unix only).
pub fn loose_mode(meta: &fs::Metadata) -> Option<u32> {
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
pub fn tighten(path: &Path, dir: bool) {
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

/// Open for reading without blocking on a FIFO (links are followed as by
/// `File::open`); the caller checks the file type on the open file.
pub fn open_read_nonblocking(path: &Path) -> std::io::Result<fs::File> {
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    options.open(path)
}

/// `std::fs::read` for a file that must be a regular one: a FIFO, device or
/// directory put in its place is an error, never a hang.
pub fn read_file(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut file = open_read_nonblocking(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "it is not a regular file",
        ));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// `std::fs::read_to_string` with the same protection as `read_file`.
pub fn read_file_to_string(path: &Path) -> std::io::Result<String> {
    String::from_utf8(read_file(path)?)
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "it is not UTF-8 text"))
}
