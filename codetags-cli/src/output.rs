//! `--output FILE`: written atomically (a temporary file beside it, then a rename), so a reader
//! never sees half a report and a failed run leaves the old file intact.

use crate::render::display_path;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// How many symbolic links a target may go through before it is refused (Linux's `ELOOP`
/// limit).
const MAX_LINK_HOPS: usize = 40;

/// Writes what `fill` produces to `path` atomically.
///
/// * A symbolic link at `path` (or a chain of them) is followed: the file it names is replaced,
///   the link stays, as a shell's `>` would leave it. A dangling link's file is created.
/// * A file that is replaced keeps its permission bits (a report that was 0644 stays 0644); a
///   new file gets 0666 minus the umask, like any file the user creates. Owner, group, ACLs and
///   extended attributes are those of a new file.
/// * A path that is not a regular file (`/dev/null`, a FIFO, a terminal) is written in place:
///   renaming over it would replace the device.
///
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("report.txt");
/// codetags_cli::output::write_atomically(&path, |w| w.write_all(b"hello\n")).unwrap();
/// assert_eq!(std::fs::read_to_string(&path).unwrap(), "hello\n");
/// ```
///
/// # Errors
/// Every error names `path`, never the temporary file (whose random name means nothing to the
/// user), and keeps the underlying error's kind.
pub fn write_atomically<F>(path: &Path, fill: F) -> io::Result<()>
where
    F: FnOnce(&mut dyn Write) -> io::Result<()>,
{
    let named = |doing: &str, err: io::Error| {
        io::Error::new(err.kind(), format!("{}: {doing}{err}", display_path(path)))
    };
    let target = follow_links(path).map_err(|e| named("", e))?;
    let permissions = match std::fs::metadata(&target) {
        Ok(meta) if !meta.is_file() => {
            let file = File::options()
                .write(true)
                .open(&target)
                .map_err(|e| named("", e))?;
            let mut out = BufWriter::new(file);
            fill(&mut out).map_err(|e| named("", e))?;
            return out.flush().map_err(|e| named("", e));
        }
        Ok(meta) => Some(meta.permissions()),
        // Missing (a new report), or not stat-able: the rename below reports what matters.
        Err(_) => None,
    };
    let parent = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".codetags-out-");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // 0o666 minus the umask, like any file the user creates, not tempfile's 0o600.
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut temp = builder
        .tempfile_in(parent)
        .map_err(|e| named("cannot create a temporary file beside it: ", strip_path(e)))?;
    // Written through the plain `File`: `NamedTempFile`'s own `Write` adds the temporary
    // file's name to every error.
    let mut out = BufWriter::new(temp.as_file_mut());
    fill(&mut out).map_err(|e| named("", e))?;
    out.flush().map_err(|e| named("", e))?;
    drop(out);
    if let Some(permissions) = permissions {
        temp.as_file()
            .set_permissions(permissions)
            .map_err(|e| named("cannot keep its permissions: ", e))?;
    }
    temp.persist(&target)
        .map_err(|e| named("cannot replace it: ", e.error))?;
    Ok(())
}

/// The file `path` names once every symbolic link at its end is followed (each relative link
/// resolved against its own folder); `path` itself when it is not a link. A dangling link
/// gives the missing file it names, so that it is created.
fn follow_links(path: &Path) -> io::Result<PathBuf> {
    let mut current = path.to_path_buf();
    for _ in 0..MAX_LINK_HOPS {
        match std::fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let target = std::fs::read_link(&current)?;
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
fn strip_path(err: io::Error) -> io::Error {
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
    use super::write_atomically;

    #[test]
    fn a_failed_fill_names_the_target_and_leaves_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("report.json");
        std::fs::write(&target, "old\n").unwrap();
        let err = write_atomically(&target, |w| {
            w.write_all(&[b'x'; 100_000])?;
            Err(std::io::Error::new(
                std::io::ErrorKind::StorageFull,
                "disk full",
            ))
        })
        .unwrap_err();
        let text = err.to_string();
        assert_eq!(err.kind(), std::io::ErrorKind::StorageFull);
        assert!(
            text.contains("report.json") && text.contains("disk full"),
            "{text}"
        );
        assert!(!text.contains(".codetags-out"), "{text}");
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "old\n");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
