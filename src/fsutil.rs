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
