//! Replacing a whole file atomically: a temp file beside it, then a rename, so a reader sees the
//! old content or the new, never half, and a failure (a full disk, a file-size limit, a crash)
//! leaves the old file as it was.
//!
//! This is the one helper for whole-file replacement in the workspace: the CLI's `--output`,
//! the cache's markers and `last-scan.json`, the benchmark history. Cache entries have their
//! own writer ([`crate::FsStore`]), which unlinks before renaming for a measured reason and must
//! never replace what is not a regular file.

use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// How many symbolic links a target may go through before it is refused (Linux's `ELOOP`
/// limit).
const MAX_LINK_HOPS: usize = 40;

/// How [`write_atomic`] treats the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AtomicWrite<'a> {
    /// The temp file's name prefix. Inside a cache root use [`cache_layout::TEMP_PREFIX`], so a
    /// temp file left by a crash is ours and is cleaned up.
    pub temp_prefix: &'a str,
    /// Follow a symbolic link (or a chain) at the target and replace the file it names, the
    /// link kept — what a shell's `>` does, right for a user's report. Off, a link at the target
    /// is replaced by the new file — right inside a cache, which must never write through a link
    /// to a file it does not own.
    pub follow_links: bool,
}

impl AtomicWrite<'_> {
    /// For files inside a cache root: our temp prefix, links not followed.
    pub const CACHE: AtomicWrite<'static> = AtomicWrite {
        temp_prefix: cache_layout::TEMP_PREFIX,
        follow_links: false,
    };
}

/// Writes what `fill` produces to `path` atomically (see the module documentation).
///
/// * A file that is replaced keeps its permission bits (a report that was 0644 stays 0644); a
///   new file gets 0666 minus the umask, like any file the user creates — not the 0600 of
///   temp files.
/// * With [`AtomicWrite::follow_links`], a dangling link's file is created.
///
/// ```
/// use cache_core::fswrite::{write_atomic, AtomicWrite};
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("report.txt");
/// std::fs::write(&path, "old\n").unwrap();
/// let failed = write_atomic(&path, AtomicWrite::CACHE, |w| {
///     w.write_all(b"half")?;
///     Err(std::io::Error::other("disk full"))
/// });
/// assert!(failed.is_err());
/// assert_eq!(std::fs::read_to_string(&path).unwrap(), "old\n"); // untouched, no temp left
/// assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
/// write_atomic(&path, AtomicWrite::CACHE, |w| w.write_all(b"new\n")).unwrap();
/// assert_eq!(std::fs::read_to_string(&path).unwrap(), "new\n");
/// ```
///
/// # Errors
/// The error of the step that failed, with the step in its message ("cannot create a temporary
/// file beside it: …", "cannot replace it: …") but not the path: the caller names the target
/// in its own words, and the temp file's random name means nothing to a user.
pub fn write_atomic<F>(path: &Path, how: AtomicWrite<'_>, fill: F) -> io::Result<()>
where
    F: FnOnce(&mut dyn Write) -> io::Result<()>,
{
    replace(path, how, false, fill)
}

/// [`write_atomic`], durable: the new content is flushed to disk before the rename, and the
/// folder after it, so that even a power loss leaves the old file or the new one, whole (a
/// rename can reach the disk before the data it names). For files that cannot be made again,
/// such as the user's sources that `codetags id` rewrites; each call costs a disk flush.
///
/// ```
/// use cache_core::fswrite::{write_atomic_durable, AtomicWrite};
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("m.py");
/// write_atomic_durable(&path, AtomicWrite::CACHE, |w| w.write_all(b"# TODO: x\n")).unwrap();
/// assert_eq!(std::fs::read(&path).unwrap(), b"# TODO: x\n");
/// ```
///
/// # Errors
/// As [`write_atomic`]; a failed flush is "cannot flush it to disk: …".
pub fn write_atomic_durable<F>(path: &Path, how: AtomicWrite<'_>, fill: F) -> io::Result<()>
where
    F: FnOnce(&mut dyn Write) -> io::Result<()>,
{
    replace(path, how, true, fill)
}

fn replace<F>(path: &Path, how: AtomicWrite<'_>, durable: bool, fill: F) -> io::Result<()>
where
    F: FnOnce(&mut dyn Write) -> io::Result<()>,
{
    let target = if how.follow_links {
        follow_links(path)?
    } else {
        path.to_path_buf()
    };
    let permissions = match fs::symlink_metadata(&target) {
        Ok(meta) if meta.is_file() => Some(meta.permissions()),
        // Missing (a new file), a link we replace, or not stat-able: the rename reports what
        // matters.
        _ => None,
    };
    let parent = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(how.temp_prefix);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(fs::Permissions::from_mode(0o666));
    }
    let mut temp = builder.tempfile_in(parent).map_err(|e| {
        step(
            "cannot create a temporary file beside it: ",
            strip_temp_path(e),
        )
    })?;
    // Written through the plain `File`: `NamedTempFile`'s own `Write` adds the temp file's name
    // to every error. On any error below the temp file is deleted when `temp` drops.
    let mut out = BufWriter::new(temp.as_file_mut());
    fill(&mut out)?;
    out.flush()?;
    drop(out);
    if let Some(permissions) = permissions {
        temp.as_file()
            .set_permissions(permissions)
            .map_err(|e| step("cannot keep its permissions: ", e))?;
    }
    if durable {
        temp.as_file()
            .sync_all()
            .map_err(|e| step("cannot flush it to disk: ", e))?;
    }
    temp.persist(&target)
        .map_err(|e| step("cannot replace it: ", e.error))?;
    #[cfg(unix)]
    if durable {
        fs::File::open(parent)
            .and_then(|folder| folder.sync_all())
            .map_err(|e| step("cannot flush its folder to disk: ", e))?;
    }
    Ok(())
}

fn step(doing: &str, err: io::Error) -> io::Error {
    io::Error::new(err.kind(), format!("{doing}{err}"))
}

/// The file `path` names once every symbolic link at its end is followed (each relative link
/// resolved against its own folder); `path` itself when it is not a link.
fn follow_links(path: &Path) -> io::Result<PathBuf> {
    let mut current = path.to_path_buf();
    for _ in 0..MAX_LINK_HOPS {
        match fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let target = fs::read_link(&current)?;
                current = match current.parent() {
                    Some(folder) => folder.join(target),
                    None => target,
                };
            }
            _ => return Ok(current),
        }
    }
    Err(io::Error::new(
        io::ErrorKind::InvalidInput,
        "too many levels of symbolic links",
    ))
}

/// tempfile's creation error appends ` at path "<the temporary file>"`; the underlying error
/// alone is what the user needs.
fn strip_temp_path(err: io::Error) -> io::Error {
    let kind = err.kind();
    match err.into_inner() {
        Some(inner) => {
            let text = inner.to_string();
            let text = match text.rfind(" at path \"") {
                Some(at) => text[..at].to_owned(),
                None => text,
            };
            io::Error::new(kind, text)
        }
        None => kind.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn links_are_followed_only_when_asked() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.txt");
        let link = dir.path().join("link.txt");
        fs::write(&real, "old").unwrap();
        std::os::unix::fs::symlink("real.txt", &link).unwrap();
        let user = AtomicWrite {
            temp_prefix: ".out-",
            follow_links: true,
        };
        write_atomic(&link, user, |w| w.write_all(b"through")).unwrap();
        assert_eq!(fs::read_to_string(&real).unwrap(), "through");
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        write_atomic(&link, AtomicWrite::CACHE, |w| w.write_all(b"replaced")).unwrap();
        assert_eq!(
            fs::read_to_string(&real).unwrap(),
            "through",
            "wrote through a link"
        );
        assert!(fs::symlink_metadata(&link).unwrap().is_file());
    }

    #[cfg(unix)]
    #[test]
    fn permissions_are_kept_and_new_files_are_not_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        write_atomic(&path, AtomicWrite::CACHE, |w| w.write_all(b"a")).unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_ne!(mode, 0o600, "a new file got a temp file's mode");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        write_atomic(&path, AtomicWrite::CACHE, |w| w.write_all(b"b")).unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
    }

    #[test]
    fn errors_never_name_the_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let err = write_atomic(&dir.path().join("no/such/dir/f"), AtomicWrite::CACHE, |w| {
            w.write_all(b"x")
        })
        .unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("cannot create a temporary file"), "{text}");
        assert!(!text.contains(".tmp-"), "{text}");
    }
}
