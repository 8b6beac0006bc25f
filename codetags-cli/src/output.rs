//! `--output FILE`: written atomically (a temporary file beside it, then a rename), so a reader
//! never sees half a report and a failed run leaves the old file intact.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

/// Writes what `fill` produces to `path` atomically. A path that exists and is not a regular
/// file (`/dev/null`, a FIFO, a terminal) is written in place: renaming over it would replace
/// the device.
///
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("report.txt");
/// codetags_cli::output::write_atomically(&path, |w| w.write_all(b"hello\n")).unwrap();
/// assert_eq!(std::fs::read_to_string(&path).unwrap(), "hello\n");
/// ```
pub fn write_atomically<F>(path: &Path, fill: F) -> io::Result<()>
where
    F: FnOnce(&mut dyn Write) -> io::Result<()>,
{
    if let Ok(meta) = std::fs::metadata(path)
        && !meta.is_file()
    {
        let mut out = BufWriter::new(File::options().write(true).open(path)?);
        fill(&mut out)?;
        return out.flush();
    }
    let parent = match path.parent() {
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
    let temp = builder.tempfile_in(parent)?;
    let mut out = BufWriter::new(temp);
    fill(&mut out)?;
    let temp = out.into_inner().map_err(|e| e.into_error())?;
    temp.persist(path).map_err(|e| e.error)?;
    Ok(())
}
