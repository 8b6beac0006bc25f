//! Listing and removal primitives shared by the evictions: never follow links, count what goes,
//! and turn every I/O error into a report line.

use std::fs::{self, FileType, Metadata};
use std::io;
use std::path::{Path, PathBuf};

use cache_layout::{Layout, PathKind};

use crate::{EvictError, EvictOptions, EvictReport, is_our_cache};

/// A folder's child as `readdir` reports it (the type does not follow links).
pub(crate) struct Child {
    pub path: PathBuf,
    pub file_type: FileType,
}

/// The contents of a folder tree about to be removed.
#[derive(Default)]
struct TreeCount {
    entries: u64,
    temp_files: u64,
    other_files: u64,
    folders: u64,
    bytes: u64,
    unsized_files: u64,
}

impl TreeCount {
    fn saturating_sub(&self, other: &TreeCount) -> TreeCount {
        TreeCount {
            entries: self.entries.saturating_sub(other.entries),
            temp_files: self.temp_files.saturating_sub(other.temp_files),
            other_files: self.other_files.saturating_sub(other.other_files),
            folders: self.folders.saturating_sub(other.folders),
            bytes: self.bytes.saturating_sub(other.bytes),
            unsized_files: self.unsized_files.saturating_sub(other.unsized_files),
        }
    }
}

/// Test hook: called with each folder right after it was listed, so a test can make children
/// vanish between the listing and their removal, deterministically.
#[cfg(test)]
pub(crate) type ListHook<'h> = Option<&'h mut dyn FnMut(&Path)>;

pub(crate) struct Walker<'a> {
    pub layout: &'a Layout,
    pub opts: &'a EvictOptions,
    pub report: EvictReport,
    #[cfg(test)]
    pub hook: ListHook<'a>,
}

impl<'a> Walker<'a> {
    /// A walker over `layout`'s root, or `None` when the root does not exist (nothing to do).
    ///
    /// # Errors
    /// [`EvictError::NotACache`] when the root lacks our tag and `force` is off.
    pub fn start(
        layout: &'a Layout,
        opts: &'a EvictOptions,
    ) -> Result<Option<Walker<'a>>, EvictError> {
        let root = layout.root();
        if let Err(e) = fs::symlink_metadata(root)
            && e.kind() == io::ErrorKind::NotFound
        {
            return Ok(None);
        }
        if !opts.force && !is_our_cache(root) {
            return Err(EvictError::NotACache {
                root: root.to_owned(),
            });
        }
        Ok(Some(Walker {
            layout,
            opts,
            report: EvictReport {
                dry_run: opts.dry_run,
                ..EvictReport::default()
            },
            #[cfg(test)]
            hook: None,
        }))
    }

    /// Records an I/O error met at `path`: a vanished path is counted, anything else reported.
    /// Returns whether the path is gone (it vanished).
    pub fn note(&mut self, path: &Path, err: &io::Error) -> bool {
        if err.kind() == io::ErrorKind::NotFound {
            self.report.vanished += 1;
            true
        } else {
            tracing::debug!(path = %path.display(), error = %err, "eviction skipped a path");
            self.report.errors.push((path.to_owned(), err.to_string()));
            false
        }
    }

    /// The children of `dir`, or `None` (with the error noted) when it cannot be listed.
    pub fn list(&mut self, dir: &Path) -> Option<Vec<Child>> {
        let entries = match fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(e) => {
                let _vanished = self.note(dir, &e);
                return None;
            }
        };
        let mut children = Vec::new();
        for entry in entries {
            match entry.and_then(|e| Ok((e.path(), e.file_type()?))) {
                Ok((path, file_type)) => children.push(Child { path, file_type }),
                Err(e) => {
                    let _vanished = self.note(dir, &e);
                }
            }
        }
        #[cfg(test)]
        if let Some(hook) = self.hook.as_mut() {
            hook(dir);
        }
        Some(children)
    }

    /// The `lstat` of a listed child; on error, the error noted and whether the path is gone.
    pub fn metadata(&mut self, path: &Path) -> Result<Metadata, bool> {
        fs::symlink_metadata(path).map_err(|e| self.note(path, &e))
    }

    /// Removes one file or link (never a folder), whose size is known. Returns whether it is gone
    /// (or would be, in a dry run).
    pub fn remove_file(&mut self, path: &Path, size: u64) -> bool {
        if !self.opts.dry_run {
            if let Err(e) = fs::remove_file(path) {
                return self.note(path, &e);
            }
        } else {
            self.report.would_remove.push(path.to_owned());
        }
        match self.layout.classify(path) {
            PathKind::Entry(_) => self.report.entries_removed += 1,
            PathKind::TempFile => self.report.temp_files_removed += 1,
            _ => self.report.other_files_removed += 1,
        }
        self.report.bytes_removed += size;
        true
    }

    /// Removes a child whatever it is: a folder with everything in it (without following links),
    /// a file or a link. Returns whether it is gone (or would be).
    pub fn remove_child(&mut self, child: &Child) -> bool {
        if !child.file_type.is_dir() {
            let size = match self.metadata(&child.path) {
                Ok(meta) => meta.len(),
                Err(gone) => return gone,
            };
            return self.remove_file(&child.path, size);
        }
        let (count, errors) = count_tree(self.layout, &child.path, self.opts.measure_bytes);
        for (path, err) in &errors {
            let _vanished = self.note(path, err);
        }
        if self.opts.dry_run {
            self.report.would_remove.push(child.path.clone());
            self.add(&count);
            return errors.is_empty();
        }
        match fs::remove_dir_all(&child.path) {
            Ok(()) => {
                self.add(&count);
                true
            }
            Err(e) => {
                let _vanished = self.note(&child.path, &e);
                // Count only what is really gone: whatever is left stays for the next run.
                let left = match fs::symlink_metadata(&child.path) {
                    Ok(_) => count_tree(self.layout, &child.path, self.opts.measure_bytes).0,
                    Err(_) => TreeCount::default(),
                };
                let gone = count.saturating_sub(&left);
                self.add(&gone);
                left.folders == 0
            }
        }
    }

    /// Removes `dir` if it is empty (or would be, in a dry run, as `emptied` says). A folder that
    /// filled up meanwhile is kept silently. Returns whether it is gone.
    pub fn remove_empty_dir(&mut self, dir: &Path) -> bool {
        if self.opts.dry_run {
            self.report.would_remove.push(dir.to_owned());
            self.report.folders_removed += 1;
            return true;
        }
        match fs::remove_dir(dir) {
            Ok(()) => {
                self.report.folders_removed += 1;
                true
            }
            Err(e) if e.kind() == io::ErrorKind::DirectoryNotEmpty => false,
            Err(e) => self.note(dir, &e),
        }
    }

    fn add(&mut self, count: &TreeCount) {
        let r = &mut self.report;
        r.entries_removed += count.entries;
        r.temp_files_removed += count.temp_files;
        r.other_files_removed += count.other_files;
        r.folders_removed += count.folders;
        r.bytes_removed += count.bytes;
        r.unsized_files += count.unsized_files;
    }
}

/// Counts a folder tree without following links; sizes are read only when `measure` is set.
fn count_tree(
    layout: &Layout,
    dir: &Path,
    measure: bool,
) -> (TreeCount, Vec<(PathBuf, io::Error)>) {
    let mut count = TreeCount::default();
    let mut errors = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(dir) = stack.pop() {
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) => {
                errors.push((dir, e));
                continue;
            }
        };
        count.folders += 1;
        for entry in entries {
            let entry = match entry {
                Ok(entry) => entry,
                Err(e) => {
                    errors.push((dir.clone(), e));
                    continue;
                }
            };
            let path = entry.path();
            let file_type = match entry.file_type() {
                Ok(file_type) => file_type,
                Err(e) => {
                    errors.push((path, e));
                    continue;
                }
            };
            if file_type.is_dir() {
                stack.push(path);
                continue;
            }
            match layout.classify(&path) {
                PathKind::Entry(_) => count.entries += 1,
                PathKind::TempFile => count.temp_files += 1,
                _ => count.other_files += 1,
            }
            if measure {
                match entry.metadata() {
                    Ok(meta) => count.bytes += meta.len(),
                    Err(e) => errors.push((path, e)),
                }
            } else {
                count.unsized_files += 1;
            }
        }
    }
    (count, errors)
}
