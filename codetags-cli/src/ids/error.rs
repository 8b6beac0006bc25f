//! Why ids cannot be assigned: [`IdError`], in pycodetags 0.8.1's words where it has them.

use super::rewrite::RewriteError;
use crate::display::display_path;
use crate::scan::ScanError;
use codetags_parse::dumps::python_repr;
use std::io;
use std::path::PathBuf;

/// Why ids cannot be assigned. Messages are pycodetags 0.8.1's where it has one.
#[derive(Debug, thiserror::Error)]
pub enum IdError {
    /// `.pycodetags_ids` exists but is not a valid counter.
    #[error("{0}")]
    Counter(String),
    /// An id in the source or the counter is not a positive decimal without leading zeros.
    #[error("{0}")]
    InvalidLocalId(String),
    /// Two tags carry the same id.
    #[error("{0}")]
    DuplicateId(Box<DuplicateId>),
    /// A path to scan does not exist.
    #[error(transparent)]
    Scan(#[from] ScanError),
    /// Some files could not be read completely, so the ids they hold are unknown.
    #[error(
        "cannot assign ids: {} problem{} in the files to scan, which may hide ids; no file was changed:\n  {}",
        .0.len(), if .0.len() == 1 { "" } else { "s" }, .0.join("\n  ")
    )]
    Unreadable(Vec<String>),
    /// A file cannot be rewritten.
    #[error("{}: {error}", display_path(.path))]
    Rewrite {
        /// The file.
        path: PathBuf,
        /// Why.
        error: RewriteError,
    },
    /// A file is a symbolic link or has several names.
    #[error("{}: Mutation requires a regular source file with a single link.", display_path(.0))]
    NotASingleLink(PathBuf),
    /// A file changed between the moment it was prepared and its replacement.
    #[error(
        "{}: Tag mismatch: source changed while preparing mutations; reparse and retry.",
        display_path(.0)
    )]
    ChangedWhileWriting(PathBuf),
    /// Reading or writing a file failed.
    #[error("{}: {error}", display_path(.path))]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        error: io::Error,
    },
}

/// Two tags with one id: pycodetags' message names both, with their offsets.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "Duplicate local id {}: {}:{} and {}:{}. No files were changed.",
    python_repr(.id), .first.0, py_offsets(&.first.1), .second.0, py_offsets(&.second.1)
)]
pub struct DuplicateId {
    /// The id.
    pub id: String,
    /// The first tag's `file_path` and offsets.
    pub first: (String, [usize; 4]),
    /// The second tag's.
    pub second: (String, [usize; 4]),
}

/// Offsets as Python prints a tuple: `(3, 4, 3, 50)`.
fn py_offsets(offsets: &[usize; 4]) -> String {
    format!(
        "({}, {}, {}, {})",
        offsets[0], offsets[1], offsets[2], offsets[3]
    )
}
