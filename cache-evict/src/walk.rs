//! Listing and removal primitives shared by the evictions: decide ownership once per path (see
//! `cache_layout`'s "Ownership"), remove only what is ours, keep and report the rest, never follow
//! links, count what goes, and turn every I/O error into a report line.

use std::fs::{self, FileType, Metadata};
use std::io;
use std::path::{Path, PathBuf};

use cache_core::RootState;
use cache_layout::{CACHEDIR_TAG, Layout, NodeType, PathKind};

use crate::{EvictError, EvictOptions, EvictReport};

/// A folder's child as `readdir` reports it (the type does not follow links).
pub(crate) struct Child {
    pub path: PathBuf,
    pub file_type: FileType,
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
    /// A root whose tag is merely empty or truncated, beside nothing but our own files, has its
    /// tag rewritten first (not in a dry run, which only treats it as ours).
    ///
    /// # Errors
    /// [`EvictError::NotACache`] when the root is not ours and `force` is off.
    pub fn start(
        layout: &'a Layout,
        opts: &'a EvictOptions,
    ) -> Result<Option<Walker<'a>>, EvictError> {
        let root = layout.root();
        let refused = || EvictError::NotACache {
            root: root.to_owned(),
        };
        let mut report = EvictReport {
            dry_run: opts.dry_run,
            ..EvictReport::default()
        };
        match cache_core::inspect_root(root) {
            // An empty folder holds nothing to remove: answering "nothing done" rather than
            // refusing it keeps a cleanup that races the creation of a new cache (folder made,
            // tag not yet written) from failing.
            Ok(RootState::Missing | RootState::Empty) => return Ok(None),
            Ok(RootState::Ours) => {}
            Ok(RootState::RepairableTag) if opts.dry_run => {}
            Ok(RootState::RepairableTag) => match cache_core::repair_tag(root) {
                Ok(true) => {
                    tracing::debug!(root = %root.display(), "rewrote a truncated CACHEDIR.TAG")
                }
                // Changed since the inspection: another process repaired it, or it is no
                // longer ours.
                Ok(false) if opts.force || cache_core::is_our_cache(root) => {}
                Ok(false) => return Err(refused()),
                // Everything in the tree was ours a moment ago, so going on is safe; and a full
                // disk, the likely reason, is just when the cleanup is most wanted.
                Err(e) => report
                    .errors
                    .push((root.join(CACHEDIR_TAG), format!("cannot repair: {e}"))),
            },
            Ok(_) | Err(_) if opts.force => {}
            Ok(_) | Err(_) => return Err(refused()),
        }
        Ok(Some(Walker {
            layout,
            opts,
            report,
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

    /// The children of `dir`; when it cannot be listed, the error noted and whether `dir` is
    /// gone (it vanished).
    pub fn list(&mut self, dir: &Path) -> Result<Vec<Child>, bool> {
        let entries = fs::read_dir(dir).map_err(|e| self.note(dir, &e))?;
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
        Ok(children)
    }

    /// What `child` is, when it is ours by name, position and kind of node; otherwise `None`,
    /// and the child is recorded in [`EvictReport::kept`] (and not descended into).
    pub fn ours(&mut self, child: &Child) -> Option<PathKind> {
        let kind = self.layout.classify(&child.path);
        if kind.is_ours_as(NodeType::of(child.file_type)) {
            Some(kind)
        } else {
            self.report.kept.push(child.path.clone());
            None
        }
    }

    /// The `lstat` of a listed child; on error, the error noted and whether the path is gone.
    pub fn metadata(&mut self, path: &Path) -> Result<Metadata, bool> {
        fs::symlink_metadata(path).map_err(|e| self.note(path, &e))
    }

    /// Unlinks one of our files (entry, temp file or marker, as `kind` says), of `size` bytes
    /// when known. Returns whether it is gone (or would be, in a dry run).
    pub fn unlink(&mut self, path: &Path, kind: &PathKind, size: Option<u64>) -> bool {
        if self.opts.dry_run {
            self.report.would_remove.push(path.to_owned());
        } else if let Err(e) = fs::remove_file(path) {
            return self.note(path, &e);
        } else {
            self.report.removed.push(path.to_owned());
        }
        let r = &mut self.report;
        match kind {
            PathKind::Entry(_) => r.entries_removed += 1,
            PathKind::TempFile => r.temp_files_removed += 1,
            _ => r.other_files_removed += 1,
        }
        match size {
            Some(size) => r.bytes_removed += size,
            None => r.unsized_files += 1,
        }
        true
    }

    /// Unlinks one of our files after reading its size (one `lstat`).
    pub fn unlink_measured(&mut self, path: &Path, kind: &PathKind) -> bool {
        match self.metadata(path) {
            Ok(meta) => self.unlink(path, kind, Some(meta.len())),
            Err(gone) => gone,
        }
    }

    /// Removes our folder `dir` with whatever of ours is in it: one `readdir` per folder (its
    /// types decide ownership, no `stat` per file unless [`EvictOptions::measure_bytes`]), an
    /// unlink per file of ours, and an `rmdir` per folder once it is empty. Anything foreign stays,
    /// with the folders holding it, and is recorded in [`EvictReport::kept`]. Returns whether
    /// `dir` is gone (or would be, in a dry run).
    pub fn remove_tree(&mut self, dir: &Path) -> bool {
        let children = match self.list(dir) {
            Ok(children) => children,
            Err(gone) => return gone,
        };
        let mut all_gone = true;
        for child in children {
            let gone = match self.ours(&child) {
                None => false,
                Some(kind) if kind.is_folder() => self.remove_tree(&child.path),
                Some(kind) if self.opts.measure_bytes => self.unlink_measured(&child.path, &kind),
                Some(kind) => self.unlink(&child.path, &kind, None),
            };
            all_gone &= gone;
        }
        all_gone && self.remove_empty_dir(dir)
    }

    /// Removes `dir` if it is empty (or would be, in a dry run, where the caller knows it would
    /// be emptied). A folder that filled up meanwhile is kept silently. Returns whether it is
    /// gone.
    pub fn remove_empty_dir(&mut self, dir: &Path) -> bool {
        if self.opts.dry_run {
            self.report.would_remove.push(dir.to_owned());
            self.report.folders_removed += 1;
            return true;
        }
        match fs::remove_dir(dir) {
            Ok(()) => {
                self.report.folders_removed += 1;
                self.report.removed.push(dir.to_owned());
                true
            }
            Err(e) if e.kind() == io::ErrorKind::DirectoryNotEmpty => false,
            Err(e) => self.note(dir, &e),
        }
    }
}
