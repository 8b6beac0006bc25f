//! What the reports for people (markdown, changelog, html) are made from: the outcome, the
//! tags the filter kept, the date that decides what is overdue, and the source root links are
//! relative to.

use super::fields::TagFields;
use super::srcroot::{SourceRoot, percent_encode_path};
use crate::display::display_path;
use crate::extract::Tag;
use crate::scan::ScanOutcome;
use chrono::NaiveDate;
use std::path::{Path, PathBuf};

/// One tag with the file it is in.
#[derive(Debug, Clone, Copy)]
pub struct Located<'a> {
    /// The file, as the scan reports it.
    pub path: &'a Path,
    /// The tag.
    pub tag: &'a Tag,
}

impl<'a> Located<'a> {
    /// The tag's planning fields.
    pub fn fields(&self) -> TagFields<'a> {
        TagFields(self.tag)
    }

    /// 1-based line.
    pub fn line(&self) -> usize {
        self.tag.offsets.start_line + 1
    }

    /// 1-based column.
    pub fn column(&self) -> usize {
        self.tag.offsets.start_column + 1
    }
}

/// The input of a report for people.
#[derive(Debug)]
pub struct ReportContext<'a> {
    /// The whole outcome (counters, diagnostics).
    pub outcome: &'a ScanOutcome,
    /// The tags kept, in output order (by path, then position).
    pub tags: Vec<Located<'a>>,
    /// Tags due before this date are overdue.
    pub today: NaiveDate,
    /// Links and shown paths are relative to this.
    pub root: SourceRoot,
}

impl<'a> ReportContext<'a> {
    /// The tags of `outcome` that `keep` keeps.
    pub fn new(
        outcome: &'a ScanOutcome,
        keep: impl Fn(&Tag) -> bool,
        today: NaiveDate,
        root: SourceRoot,
    ) -> ReportContext<'a> {
        let tags = outcome
            .files
            .iter()
            .flat_map(|f| f.tags.iter().map(move |tag| Located { path: &f.path, tag }))
            .filter(|l| keep(l.tag))
            .collect();
        ReportContext {
            outcome,
            tags,
            today,
            root,
        }
    }

    /// `path` for people: relative to the root when inside it, escaped as in text output.
    pub fn shown_path(&self, path: &Path) -> String {
        display_path(&self.root.locate(path)).into_owned()
    }

    /// The folder `path` is in, for people (`.` for the root itself).
    pub fn shown_folder(&self, path: &Path) -> String {
        let located = self.root.locate(path);
        match located.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => display_path(parent).into_owned(),
            _ => ".".to_owned(),
        }
    }

    /// A relative link to the tag's line, GitHub style: `app/x.py#L12` (percent-encoded).
    pub fn link(&self, located: &Located<'_>) -> String {
        let target: PathBuf = self.root.locate(located.path);
        format!("{}#L{}", percent_encode_path(&target), located.line())
    }

    /// How many kept tags are overdue.
    pub fn overdue_count(&self) -> usize {
        self.tags
            .iter()
            .filter(|l| l.fields().is_overdue(self.today))
            .count()
    }

    /// How many files hold a kept tag.
    pub fn files_with_tags(&self) -> usize {
        let mut count = 0;
        let mut last: Option<&Path> = None;
        for located in &self.tags {
            if last != Some(located.path) {
                count += 1;
                last = Some(located.path);
            }
        }
        count
    }
}
