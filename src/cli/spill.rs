//! A JSON array too large to hold in memory in its final order: elements are
//! appended to a private scratch file as they are made, and written out in sorted
//! order by reading each one back. The file lives in the data directory's cache
//! (it holds case details, so never in a shared temporary directory), is created
//! 0600, and is removed when the output is done.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

pub(crate) struct Spill {
    path: PathBuf,
    file: File,
    len: u64,
    /// (offset, length) of each element, in output order once `order` is applied.
    spans: Vec<(u64, usize)>,
}

impl Spill {
    /// A new scratch file under `root/cache`; `None` if it cannot be made (the
    /// caller then keeps the elements in memory).
    pub(crate) fn create(root: &Path) -> Option<Spill> {
        let path = escalate_core::store::layout::status_spill(root);
        escalate_core::store::fsutil::private_dir(path.parent()?).ok()?;
        let _ = std::fs::remove_file(&path);
        let file = escalate_core::store::fsutil::create_private(&path).ok()?;
        Some(Spill {
            path,
            file,
            len: 0,
            spans: Vec::new(),
        })
    }

    /// Append one element; returns its index.
    pub(crate) fn push(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.file.write_all(bytes)?;
        self.spans.push((self.len, bytes.len()));
        self.len += bytes.len() as u64;
        Ok(self.spans.len() - 1)
    }

    /// Read element `i` back.
    pub(crate) fn get(&mut self, i: usize) -> std::io::Result<Vec<u8>> {
        let (offset, len) = self
            .spans
            .get(i)
            .copied()
            .ok_or_else(|| std::io::Error::other("no such element"))?;
        let mut buf = vec![0; len];
        self.file.seek(SeekFrom::Start(offset))?;
        self.file.read_exact(&mut buf)?;
        Ok(buf)
    }

    /// Put the elements in this order (indices as `push` returned them).
    pub(crate) fn order(&mut self, indices: &[usize]) {
        self.spans = indices
            .iter()
            .filter_map(|&i| self.spans.get(i).copied())
            .collect();
    }

    pub(crate) fn write_array(&mut self, out: &mut impl Write) -> std::io::Result<()> {
        if self.spans.is_empty() {
            return out.write_all(b"[]\n");
        }
        out.write_all(b"[\n")?;
        let n = self.spans.len();
        for i in 0..n {
            // Made visible as every other JSON output is (`Output::write_to`).
            let item = self.get(i)?;
            match std::str::from_utf8(&item) {
                Ok(text) => {
                    out.write_all(escalate_core::domain::text::visible_json(text).as_bytes())?
                }
                Err(_) => out.write_all(&item)?,
            }
            out.write_all(if i + 1 < n { b",\n" } else { b"\n" })?;
        }
        out.write_all(b"]\n")
    }
}

impl Drop for Spill {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}
