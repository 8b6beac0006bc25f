//! `--output FILE`: written atomically (a temporary file beside it, then a rename), so a reader
//! never sees half a report and a failed run leaves the old file intact.

use cache_core::fswrite::{AtomicWrite, write_atomic};
use codetags_cli::display::display_path;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

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
/// # Errors
/// Every error names `path`, never the temporary file (whose random name means nothing to the
/// user), and keeps the underlying error's kind.
pub fn write_atomically<F>(path: &Path, fill: F) -> io::Result<()>
where
    F: FnOnce(&mut dyn Write) -> io::Result<()>,
{
    let named =
        |err: io::Error| io::Error::new(err.kind(), format!("{}: {err}", display_path(path)));
    // A device or FIFO (possibly behind a link) is written in place: renaming over it would
    // replace the device.
    if let Ok(meta) = std::fs::metadata(path)
        && !meta.is_file()
    {
        let file = File::options().write(true).open(path).map_err(named)?;
        let mut out = BufWriter::new(file);
        fill(&mut out).map_err(named)?;
        return out.flush().map_err(named);
    }
    let how = AtomicWrite {
        temp_prefix: ".codetags-out-",
        follow_links: true,
    };
    write_atomic(path, how, fill).map_err(named)
}

/// Writes a report to `--output` (atomically, [`write_atomically`]) or to stdout (buffered). A
/// stdout closed early (`codetags scan | head`) is not an error: the reader has what it wanted.
///
/// # Errors
/// A file that cannot be written (named), or stdout failing otherwise.
pub fn write_report(
    output: Option<&Path>,
    write: impl Fn(&mut dyn Write) -> io::Result<()>,
) -> anyhow::Result<()> {
    use anyhow::Context;
    let written = match output {
        // The error already names the target (never the temp file beside it).
        Some(path) => write_atomically(path, |w| write(w)).map_err(anyhow::Error::from),
        None => {
            let stdout = io::stdout();
            let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
            write(&mut out)
                .and_then(|()| out.flush())
                .context("cannot write to stdout")
        }
    };
    match written {
        Err(err) if !super::exit::is_broken_pipe(&err) => Err(err),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::write_atomically;

    /// Was the function's doctest; the binary's items have no doctests, so it is a unit test.
    #[test]
    fn a_report_is_written_to_the_named_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.txt");
        write_atomically(&path, |w| w.write_all(b"hello\n")).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "hello\n");
    }

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
