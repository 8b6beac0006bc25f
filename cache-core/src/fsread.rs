//! Reading the files a cache owns without ever blocking or ballooning.
//!
//! A plain `fs::read` trusts the path: a FIFO planted where an entry, a marker or a state file
//! should be blocks the reader forever (`open` waits for a writer), and a symlink to `/dev/zero`
//! fills memory until the process dies. Everything the cache reads goes through
//! [`read_regular`] instead:
//!
//! * the file is opened with `O_NONBLOCK` (an `open` of a FIFO returns at once) and `O_NOFOLLOW`
//!   (a symlink in place of the file is refused, not followed to a device);
//! * the open handle is `fstat`'ed and must be a regular file — FIFO, socket, device, directory
//!   and symlink are [`ReadError::NotRegular`];
//! * at most `max_len` bytes are read, whatever the file claims; a longer file is
//!   [`ReadError::TooLarge`], decided before its contents are read.

use std::fs::{File, Metadata};
use std::io::{self, Read};
use std::path::Path;

/// Why [`read_regular`] or [`open_regular`] gave no bytes (a missing file is `Ok(None)`).
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// Something other than a regular file sits at the path.
    #[error("not a regular file ({kind})")]
    NotRegular {
        /// What it is: "FIFO", "directory", "symbolic link", "socket", "device", …
        kind: &'static str,
    },
    /// The file is longer than the reader accepts.
    #[error("{len} bytes, more than the {max} accepted")]
    TooLarge {
        /// The file's length.
        len: u64,
        /// The limit.
        max: u64,
    },
    /// Any other I/O error.
    #[error(transparent)]
    Io(#[from] io::Error),
}

impl ReadError {
    /// Whether the path is occupied by something that is not a regular file (a folder, a FIFO, a
    /// link, …): the caller cannot use the path, and must not remove what is there.
    pub fn is_obstruction(&self) -> bool {
        matches!(self, ReadError::NotRegular { .. })
    }
}

/// A human name for what a (non-regular) file type is.
pub fn describe_file_type(meta: &Metadata) -> &'static str {
    let file_type = meta.file_type();
    if file_type.is_dir() {
        return "directory";
    }
    if file_type.is_symlink() {
        return "symbolic link";
    }
    if file_type.is_file() {
        return "regular file";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "FIFO";
        }
        if file_type.is_socket() {
            return "socket";
        }
        if file_type.is_block_device() || file_type.is_char_device() {
            return "device";
        }
    }
    "special file"
}

/// Opens `path` for reading without blocking and without following a symlink at its last
/// component, and checks that it is a regular file. `Ok(None)` when nothing is there (also when
/// a file sits where a folder of the path should be).
///
/// # Errors
/// [`ReadError::NotRegular`] for anything but a regular file; [`ReadError::Io`] otherwise.
///
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// assert!(cache_core::fsread::open_regular(&dir.path().join("missing")).unwrap().is_none());
/// let err = cache_core::fsread::open_regular(dir.path()).unwrap_err();
/// assert!(err.is_obstruction());
/// ```
pub fn open_regular(path: &Path) -> Result<Option<(File, Metadata)>, ReadError> {
    let file = match open_nonblocking(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) if e.kind() == io::ErrorKind::NotADirectory => return Ok(None),
        Err(e) if is_symlink_refusal(&e) => {
            return Err(ReadError::NotRegular {
                kind: "symbolic link",
            });
        }
        Err(e) => return Err(ReadError::Io(e)),
    };
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(ReadError::NotRegular {
            kind: describe_file_type(&meta),
        });
    }
    Ok(Some((file, meta)))
}

/// Reads a whole regular file of at most `max_len` bytes (see the module documentation).
/// `Ok(None)` when nothing is there.
///
/// # Errors
/// [`ReadError::NotRegular`], [`ReadError::TooLarge`] or [`ReadError::Io`].
///
/// ```
/// use cache_core::fsread::{read_regular, ReadError};
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("marker");
/// std::fs::write(&path, b"2025-07-01T00:00:00Z\n").unwrap();
/// assert_eq!(read_regular(&path, 64).unwrap().unwrap().len(), 21);
/// assert!(matches!(read_regular(&path, 8), Err(ReadError::TooLarge { len: 21, max: 8 })));
/// ```
pub fn read_regular(path: &Path, max_len: u64) -> Result<Option<Vec<u8>>, ReadError> {
    let Some((file, meta)) = open_regular(path)? else {
        return Ok(None);
    };
    if meta.len() > max_len {
        return Err(ReadError::TooLarge {
            len: meta.len(),
            max: max_len,
        });
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    // `take` bounds the read even if the file grows after the `fstat`; one byte more than the
    // limit tells a file that grew past it from one that is exactly at it.
    file.take(max_len.saturating_add(1))
        .read_to_end(&mut bytes)?;
    let len = bytes.len() as u64;
    if len > max_len {
        return Err(ReadError::TooLarge { len, max: max_len });
    }
    Ok(Some(bytes))
}

#[cfg(unix)]
fn open_nonblocking(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    File::options()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW)
        .open(path)
}

#[cfg(not(unix))]
fn open_nonblocking(path: &Path) -> io::Result<File> {
    File::open(path)
}

/// `O_NOFOLLOW` on a symlink fails with `ELOOP` (Linux, the BSDs) or `EMLINK` (FreeBSD's older
/// releases).
#[cfg(unix)]
fn is_symlink_refusal(error: &io::Error) -> bool {
    matches!(error.raw_os_error(), Some(code) if code == libc::ELOOP || code == libc::EMLINK)
}

#[cfg(not(unix))]
fn is_symlink_refusal(_error: &io::Error) -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("entry.bin");
        let status = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(status.success());
        let err = read_regular(&fifo, 1 << 20).unwrap_err();
        assert!(
            matches!(err, ReadError::NotRegular { kind: "FIFO" }),
            "{err}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_to_a_device_is_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("entry.bin");
        std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
        let err = read_regular(&link, 1 << 20).unwrap_err();
        assert!(
            matches!(
                err,
                ReadError::NotRegular {
                    kind: "symbolic link"
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn a_file_is_read_whole_up_to_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, vec![7u8; 100]).unwrap();
        assert_eq!(read_regular(&path, 100).unwrap().unwrap(), vec![7u8; 100]);
        assert!(matches!(
            read_regular(&path, 99),
            Err(ReadError::TooLarge { len: 100, max: 99 })
        ));
        let under_file = path.join("child");
        assert!(read_regular(&under_file, 10).unwrap().is_none());
    }
}
