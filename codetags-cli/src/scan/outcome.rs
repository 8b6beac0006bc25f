//! What a scan returns ([`ScanOutcome`]: files with findings, unreadable paths, counters) and
//! why it may not start ([`ScanError`]).

use crate::display::display_path;
use crate::extract::{Diagnostic, Tag};
use crate::state::ScanStats;
use std::path::PathBuf;
use std::time::Duration;

/// One scanned file in the outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct ScannedFile {
    /// The path to show: the scan root as given, joined with the file's relative path.
    pub path: PathBuf,
    /// Its tags, sorted by position, `file_path` set to `path`.
    pub tags: Vec<Tag>,
    /// Parse problems (decode, tokenize, malformed tags), sorted by position.
    pub diagnostics: Vec<Diagnostic>,
}

/// A file or folder that could not be read: reported as a diagnostic, never cached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadProblem {
    /// The path concerned.
    pub path: PathBuf,
    /// The reason.
    pub message: String,
}

/// What a scan found, sorted by path.
#[derive(Debug, Clone, Default)]
pub struct ScanOutcome {
    /// Every scanned file that has tags or diagnostics, sorted by path (the others are only
    /// counted, in `stats.files`).
    pub files: Vec<ScannedFile>,
    /// Files and folders that could not be read, sorted by path.
    pub problems: Vec<ReadProblem>,
    /// Counters.
    pub stats: ScanStats,
    /// Wall time of the scan.
    pub elapsed: Duration,
}

impl ScanOutcome {
    /// The number of tags found.
    pub fn tag_count(&self) -> usize {
        self.files.iter().map(|f| f.tags.len()).sum()
    }

    /// The number of diagnostics: parse problems plus unreadable paths.
    pub fn diagnostic_count(&self) -> usize {
        self.files
            .iter()
            .map(|f| f.diagnostics.len())
            .sum::<usize>()
            + self.problems.len()
    }
}

/// Why a scan could not start.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    /// A path to scan does not exist.
    #[error("{}: no such file or directory", display_path(path))]
    MissingPath {
        /// The path as given.
        path: PathBuf,
    },
}
