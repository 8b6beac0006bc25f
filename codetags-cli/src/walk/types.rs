//! The walk's shared types: its options and the problems it reports.

use std::path::{Path, PathBuf};

/// What the walker needs to know besides the configuration.
#[derive(Debug, Clone)]
pub struct WalkOptions {
    /// Worker threads; 0 picks the number of CPUs.
    pub threads: usize,
    /// Follow symbolic links to files and folders.
    pub follow_symlinks: bool,
    /// A folder never entered (the cache root), compared after making it absolute.
    pub skip_dir: Option<PathBuf>,
}

/// A problem met while walking (an unreadable folder, a broken link): the walk goes on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalkError {
    /// The path concerned, when known.
    pub path: Option<PathBuf>,
    /// What went wrong.
    pub message: String,
}

/// The reason given for a path that is not a regular file: `not a regular file (FIFO)`, the
/// wording of [`cache_core::fsread::ReadError::NotRegular`].
pub fn not_regular(metadata: &std::fs::Metadata) -> String {
    cache_core::fsread::ReadError::NotRegular {
        kind: cache_core::fsread::describe_file_type(metadata),
    }
    .to_string()
}

pub fn walk_error(err: ignore::Error) -> WalkError {
    fn path_of(err: &ignore::Error) -> Option<PathBuf> {
        match err {
            ignore::Error::WithPath { path, .. } => Some(path.clone()),
            ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
                path_of(err)
            }
            ignore::Error::Loop { child, .. } => Some(child.clone()),
            ignore::Error::Partial(errs) => errs.first().and_then(path_of),
            _ => None,
        }
    }
    fn message_of(err: &ignore::Error) -> String {
        match err {
            ignore::Error::WithPath { err, .. }
            | ignore::Error::WithDepth { err, .. }
            | ignore::Error::WithLineNumber { err, .. } => message_of(err),
            // ignore's own message prints both paths raw; the line already starts with `child`.
            ignore::Error::Loop { ancestor, .. } => format!(
                "file system loop: points to an ancestor, {}",
                crate::display::display_path(ancestor)
            ),
            other => other.to_string(),
        }
    }
    WalkError {
        path: path_of(&err),
        message: message_of(&err),
    }
}

/// `path` relative to `root`, with `/` separators; empty when they are equal.
pub fn relative_posix(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    // What the walker builds (names joined with `/`) is already in this form on Unix.
    #[cfg(unix)]
    if let Some(text) = rel.to_str()
        && is_plain_posix(text)
    {
        return text.to_owned();
    }
    let mut out = String::new();
    for component in rel.components() {
        if !out.is_empty() {
            out.push('/');
        }
        out.push_str(&component.as_os_str().to_string_lossy());
    }
    out
}

/// A relative path with no empty or `.` component: `Path::components` would give it back as is.
#[cfg(unix)]
fn is_plain_posix(text: &str) -> bool {
    !text.starts_with('/') && text.split('/').all(|c| !c.is_empty() && c != ".")
}

/// Joins two POSIX relative paths, either of which may be empty.
pub fn join_posix(prefix: &str, rel: &str) -> String {
    match (prefix.is_empty(), rel.is_empty()) {
        (true, _) => rel.to_owned(),
        (false, true) => prefix.to_owned(),
        (false, false) => format!("{prefix}/{rel}"),
    }
}
