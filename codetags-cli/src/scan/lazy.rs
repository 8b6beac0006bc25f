//! [`LazyOutcome`]: a scan's result kept in the compact form of its scan states, decoded one
//! file (and one tag) at a time in report order. [`crate::scan::scan_lazy`] returns it;
//! [`crate::scan::scan`] decodes it whole into a [`ScanOutcome`].

use super::outcome::{ReadProblem, ScanOutcome, ScannedFile};
use super::roots::join_display;
use super::visit::hex;
use crate::display::json_file_path;
use crate::extract::{Diagnostic, Tag};
use crate::state::ScanStats;
use crate::state::table::{FileTable, NONE, TagReader};
use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// One root's table and the files in it that have findings.
#[derive(Debug)]
pub(super) struct LazyRoot {
    pub(super) display: PathBuf,
    pub(super) table: FileTable,
}

/// What a scan found, held compactly: the files with findings are decoded on demand, in path
/// order ([`LazyOutcome::files`]), so a report streams without holding every tag.
#[derive(Debug, Default)]
pub struct LazyOutcome {
    pub(super) roots: Vec<LazyRoot>,
    /// Files scanned but not cached (names that are not UTF-8), decoded already.
    pub(super) extra: Vec<ScannedFile>,
    /// Files and folders that could not be read, sorted by path.
    pub problems: Vec<ReadProblem>,
    /// Counters.
    pub stats: ScanStats,
    /// Wall time of the scan.
    pub elapsed: Duration,
    /// The files with findings in path order, computed once: `(path, root, file)`, with root
    /// `usize::MAX` for an index into `extra`.
    pub(super) order: std::sync::OnceLock<Vec<(PathBuf, usize, u32)>>,
}

/// A file with findings in a [`LazyOutcome`].
#[derive(Debug)]
pub struct LazyFile<'a> {
    path: &'a Path,
    source: Source<'a>,
}

#[derive(Debug)]
enum Source<'a> {
    Table { table: &'a FileTable, file: u32 },
    Ready(&'a ScannedFile),
}

impl LazyFile<'_> {
    /// The path to show.
    pub fn path(&self) -> &Path {
        self.path
    }

    /// How many tags it has.
    pub fn tag_count(&self) -> usize {
        match &self.source {
            Source::Table { table, file } => table.file(*file).tags as usize,
            Source::Ready(scanned) => scanned.tags.len(),
        }
    }

    /// Its diagnostics, sorted by position.
    pub fn diagnostics(&self) -> Cow<'_, [Diagnostic]> {
        match &self.source {
            Source::Table { table, file } => {
                let row = table.file(*file);
                match TagReader::new(table.findings_of(&row), 0, row.diagnostics_at) {
                    Some(mut reader) => Cow::Owned(reader.take_diagnostics()),
                    None => Cow::Owned(Vec::new()),
                }
            }
            Source::Ready(scanned) => Cow::Borrowed(&scanned.diagnostics),
        }
    }

    /// Calls `each` with every tag, in position order, `file_path` and digests set: decoded one
    /// at a time, so a file of a million tags never holds more than one.
    ///
    /// # Errors
    /// The first error `each` returns.
    pub fn for_each_tag<E>(&self, mut each: impl FnMut(Tag) -> Result<(), E>) -> Result<(), E> {
        match &self.source {
            Source::Ready(scanned) => scanned.tags.iter().cloned().try_for_each(each),
            Source::Table { table, file } => {
                let row = table.file(*file);
                let Some(reader) =
                    TagReader::new(table.findings_of(&row), row.tags, row.diagnostics_at)
                else {
                    tracing::warn!(path = %self.path.display(), "undecodable cached findings skipped");
                    return Ok(());
                };
                let bytes_digest = table.hash(row.hash).map(|h| hex(&h)).unwrap_or_default();
                let text_digest = if row.text_hash == NONE {
                    bytes_digest.clone()
                } else {
                    table
                        .hash(row.text_hash)
                        .map(|h| hex(&h))
                        .unwrap_or_default()
                };
                let shown = json_file_path(self.path);
                for tag in reader {
                    let Ok(mut tag) = tag else {
                        tracing::warn!(path = %self.path.display(), "undecodable cached tag skipped");
                        break;
                    };
                    shown.as_ref().clone_into(&mut tag.file_path);
                    tag.source_digest.clone_from(&text_digest);
                    tag.source_bytes_digest.clone_from(&bytes_digest);
                    each(tag)?;
                }
                Ok(())
            }
        }
    }

    /// The file decoded whole.
    pub fn to_scanned(&self) -> ScannedFile {
        let mut tags = Vec::with_capacity(self.tag_count());
        let _ = self.for_each_tag(|tag| {
            tags.push(tag);
            Ok::<(), ()>(())
        });
        ScannedFile {
            path: self.path.to_path_buf(),
            tags,
            diagnostics: self.diagnostics().into_owned(),
        }
    }
}

impl LazyOutcome {
    /// Every scanned file that has tags or diagnostics, sorted by path.
    pub fn files(&self) -> Vec<LazyFile<'_>> {
        let order = self.order.get_or_init(|| {
            let mut order = Vec::new();
            for (r, root) in self.roots.iter().enumerate() {
                for (rel, file) in root.table.files_with_findings() {
                    order.push((join_display(&root.display, &rel), r, file));
                }
            }
            for (i, scanned) in self.extra.iter().enumerate() {
                order.push((scanned.path.clone(), usize::MAX, i as u32));
            }
            order.sort_by(|a, b| a.0.cmp(&b.0));
            order
        });
        order
            .iter()
            .map(|(path, root, file)| LazyFile {
                path,
                source: match self.roots.get(*root) {
                    Some(root) => Source::Table {
                        table: &root.table,
                        file: *file,
                    },
                    None => Source::Ready(&self.extra[*file as usize]),
                },
            })
            .collect()
    }

    /// The number of tags found.
    pub fn tag_count(&self) -> usize {
        let in_tables: usize = self
            .roots
            .iter()
            .map(|root| {
                (0..root.table.file_count())
                    .map(|i| root.table.file(i).tags as usize)
                    .sum::<usize>()
            })
            .sum();
        in_tables + self.extra.iter().map(|f| f.tags.len()).sum::<usize>()
    }

    /// Everything decoded, the outcome kept.
    pub fn to_outcome(&self) -> ScanOutcome {
        ScanOutcome {
            files: self.files().iter().map(LazyFile::to_scanned).collect(),
            problems: self.problems.clone(),
            stats: self.stats,
            elapsed: self.elapsed,
        }
    }

    /// The number of diagnostics: parse problems plus unreadable paths.
    pub fn diagnostic_count(&self) -> usize {
        self.files()
            .iter()
            .map(|f| f.diagnostics().len())
            .sum::<usize>()
            + self.problems.len()
    }

    /// Files with diagnostics, plus unreadable paths.
    pub fn files_with_diagnostics(&self) -> usize {
        self.files()
            .iter()
            .filter(|f| !f.diagnostics().is_empty())
            .count()
            + self.problems.len()
    }

    /// Everything decoded: the [`ScanOutcome`] [`crate::scan::scan`] returns.
    pub fn into_outcome(self) -> ScanOutcome {
        let files = self.files().iter().map(LazyFile::to_scanned).collect();
        ScanOutcome {
            files,
            problems: self.problems,
            stats: self.stats,
            elapsed: self.elapsed,
        }
    }
}
