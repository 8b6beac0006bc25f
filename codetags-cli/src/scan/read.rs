//! Reading one source file: opened without blocking or following links it should not, stat'ed
//! through the open handle, read into a buffer each walker thread reuses.

use crate::state::FileStat;
use cache_core::fsread::{ReadError, open_regular};
use std::path::Path;

/// A walker thread's read buffer, reused from file to file: it only grows (zero-filled once, as
/// safe code must initialise what `read` writes into); one grown beyond
/// [`ReadBuffer::KEEP_LIMIT`] is freed before the next file.
#[derive(Debug, Default)]
pub(super) struct ReadBuffer {
    bytes: Vec<u8>,
}

impl ReadBuffer {
    /// A buffer grown beyond this many bytes (by a very large file) is not reused.
    const KEEP_LIMIT: usize = 16 << 20;

    /// Opens `path` without blocking (a FIFO put in a file's place cannot hang the scan), stats
    /// the open file and reads it. A symbolic link is followed only when `follow` is set: the
    /// walk hands over a link only then, so one met otherwise was swapped in since.
    pub(super) fn open_and_read(
        &mut self,
        path: &Path,
        follow: bool,
    ) -> Result<(FileStat, &[u8]), ReadError> {
        let (mut file, metadata) = open_source(path, follow)?;
        let stat = FileStat::of(&metadata);
        let bytes = self.fill(&mut file, stat.size)?;
        Ok((stat, bytes))
    }

    /// Stats a file the walk opened (relative to its folder, without blocking) through its
    /// handle, refuses anything but a regular file, and reads it.
    pub(super) fn read_opened(
        &mut self,
        mut file: std::fs::File,
    ) -> Result<(FileStat, &[u8]), ReadError> {
        let metadata = file.metadata()?;
        if !metadata.is_file() {
            return Err(ReadError::NotRegular {
                kind: cache_core::fsread::describe_file_type(&metadata),
            });
        }
        let stat = FileStat::of(&metadata);
        let bytes = self.fill(&mut file, stat.size)?;
        Ok((stat, bytes))
    }

    /// Reads the file from the start with plain `read` calls into the reused buffer.
    /// `File::read_to_end` would `fstat` and `lseek` first to size its buffer, two system calls
    /// per file that the stat data already answers. Reading stops at EOF, or once `size` bytes
    /// (the stat'ed size, when non-zero) are in: bytes appended after the stat change the
    /// file's size and mtime, so the next scan reads it again anyway.
    fn fill(&mut self, file: &mut std::fs::File, size: u64) -> std::io::Result<&[u8]> {
        use std::io::Read;
        let size = usize::try_from(size).unwrap_or(usize::MAX);
        if self.bytes.len() > Self::KEEP_LIMIT {
            // Grown by a very large file: not kept for the files that follow.
            self.bytes = Vec::new();
        }
        // The stat'ed size sizes the buffer only up to a bound, beyond which it grows as bytes
        // actually arrive (a size is not a promise).
        let want = size.clamp(8192, Self::KEEP_LIMIT);
        if self.bytes.len() < want {
            self.bytes.resize(want, 0);
        }
        let mut filled = 0;
        while size == 0 || filled < size {
            if filled == self.bytes.len() {
                let grown = self.bytes.len().saturating_mul(2);
                self.bytes.resize(grown, 0);
            }
            let end = if size == 0 {
                self.bytes.len()
            } else {
                size.min(self.bytes.len())
            };
            match file.read(&mut self.bytes[filled..end]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(err) if err.kind() == std::io::ErrorKind::Interrupted => {}
                Err(err) => return Err(err),
            }
        }
        Ok(&self.bytes[..filled])
    }
}

/// Opens a source file with [`cache_core::fsread::open_regular`] (`O_NONBLOCK | O_NOFOLLOW`,
/// then an `fstat` that must show a regular file), resolving a symbolic link first when
/// `follow` is set. `open_regular`'s `Ok(None)` (nothing there) becomes `NotFound`: the walk
/// saw a file, so its vanishing is a read error like any other.
fn open_source(path: &Path, follow: bool) -> Result<(std::fs::File, std::fs::Metadata), ReadError> {
    let not_found = || {
        ReadError::Io(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "no such file or directory",
        ))
    };
    match open_regular(path) {
        Ok(Some(opened)) => Ok(opened),
        Ok(None) => Err(not_found()),
        // The link's final target, every component resolved, is opened with the same
        // no-follow, no-block flags: swapped for a FIFO or a link meanwhile, it is refused.
        Err(ReadError::NotRegular {
            kind: "symbolic link",
        }) if follow => {
            let target = std::fs::canonicalize(path)?;
            open_regular(&target)?.ok_or_else(not_found)
        }
        Err(err) => Err(err),
    }
}

#[cfg(test)]
mod tests {
    use super::ReadBuffer;
    use cache_core::fsread::ReadError;
    use std::io::Write;
    use std::path::Path;

    impl ReadBuffer {
        /// Reads `path` as if stat'ed at `size`, to exercise `fill`'s handling of wrong sizes.
        fn read(&mut self, path: &Path, size: u64) -> std::io::Result<&[u8]> {
            let mut file = std::fs::File::open(path)?;
            self.fill(&mut file, size)
        }
    }

    fn file_with(bytes: &[u8]) -> tempfile::NamedTempFile {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(bytes).unwrap();
        file
    }

    #[test]
    fn a_reused_buffer_returns_each_file_exactly() {
        let mut buffer = ReadBuffer::default();
        let big: Vec<u8> = (0..20_000u32).map(|i| (i % 251) as u8).collect();
        let big_file = file_with(&big);
        let small_file = file_with(b"# TODO: small\n");
        let empty_file = file_with(b"");
        assert_eq!(buffer.read(big_file.path(), 20_000).unwrap(), &big[..]);
        // The stale tail of the bigger file never shows through.
        assert_eq!(
            buffer.read(small_file.path(), 14).unwrap(),
            b"# TODO: small\n"
        );
        assert_eq!(buffer.read(empty_file.path(), 0).unwrap(), b"");
    }

    #[test]
    fn a_wrong_size_is_not_trusted_beyond_the_snapshot_rule() {
        let mut buffer = ReadBuffer::default();
        let bytes: Vec<u8> = (0..30_000u32).map(|i| (i % 7) as u8 + b'a').collect();
        let file = file_with(&bytes);
        // Size 0 (procfs-like): read to EOF, growing past the initial capacity.
        assert_eq!(buffer.read(file.path(), 0).unwrap(), &bytes[..]);
        // Larger than the file (it shrank since the stat): read to EOF.
        assert_eq!(buffer.read(file.path(), 1 << 40).unwrap(), &bytes[..]);
        // Smaller than the file (it grew since the stat): the stat'ed prefix, which the
        // recorded size describes; the changed size makes the next scan read it again.
        assert_eq!(buffer.read(file.path(), 100).unwrap(), &bytes[..100]);
    }

    #[test]
    fn a_new_file_is_stat_ed_through_its_open_handle() {
        let mut buffer = ReadBuffer::default();
        let file = file_with(b"x = 1\n");
        let (stat, bytes) = buffer.open_and_read(file.path(), false).unwrap();
        assert_eq!((stat.size, bytes), (6, &b"x = 1\n"[..]));
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            buffer.open_and_read(dir.path(), false),
            Err(ReadError::NotRegular { kind: "directory" })
        ));
        let gone = buffer.open_and_read(&dir.path().join("gone.py"), false);
        assert!(matches!(gone, Err(ReadError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound));
    }

    /// A file swapped for a FIFO between the walk and the open: refused at once, never a read
    /// that waits for a writer. Run on a thread, so a regression fails instead of hanging.
    #[cfg(unix)]
    #[test]
    fn a_fifo_in_a_files_place_is_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("swapped.py");
        let status = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(status.success());
        let link = dir.path().join("link.py");
        std::os::unix::fs::symlink("swapped.py", &link).unwrap();
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut buffer = ReadBuffer::default();
            let kinds: Vec<String> = [(&fifo, false), (&link, true), (&link, false)]
                .into_iter()
                .map(|(path, follow)| match buffer.open_and_read(path, follow) {
                    Err(ReadError::NotRegular { kind }) => kind.to_owned(),
                    other => format!("{:?}", other.map(|(stat, _)| stat)),
                })
                .collect();
            let _ = sender.send(kinds);
        });
        let kinds = receiver
            .recv_timeout(std::time::Duration::from_secs(30))
            .expect("opening a FIFO blocked");
        assert_eq!(kinds, ["FIFO", "FIFO", "symbolic link"]);
    }

    #[cfg(unix)]
    #[test]
    fn a_link_is_followed_only_when_asked() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("real.py"), "# TODO: x\n").unwrap();
        let link = dir.path().join("link.py");
        std::os::unix::fs::symlink("real.py", &link).unwrap();
        let mut buffer = ReadBuffer::default();
        assert_eq!(buffer.open_and_read(&link, true).unwrap().1, b"# TODO: x\n");
        assert!(matches!(
            buffer.open_and_read(&link, false),
            Err(ReadError::NotRegular {
                kind: "symbolic link"
            })
        ));
    }
}
