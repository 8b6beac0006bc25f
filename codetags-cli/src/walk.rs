//! The parallel directory walk (the `ignore` crate, as ripgrep uses it).
//!
//! Honours `.gitignore` (also outside a git repository), `.ignore` and `.git/info/exclude`,
//! skips hidden files and folders, the cache folder and `exclude` patterns; symlinks are not
//! followed unless asked. Only regular files are handed over: a FIFO, socket or device named as
//! the root is a [`WalkError`] (`not a regular file (FIFO)`), one met inside the tree is
//! skipped. Each selected file is handed to a visitor running on the walker's
//! threads, together with a per-thread scratch value (the scanner's reusable read buffer); the
//! results are collected per thread and returned unsorted.
//!
//! A plain regular file (the directory listing's `d_type` says so) is handed over without being
//! stat'ed: the visitor stats it by path ([`WalkedFile::metadata`]) when it needs only the stat
//! data, or opens it and stats the open file, which saves a path lookup per file.

use crate::config::ProjectConfig;
use ignore::{WalkBuilder, WalkState};
use std::path::Path;
use std::sync::Mutex;

pub mod fsys;
pub mod rules;
pub mod tree;
mod types;

pub use types::{WalkError, WalkOptions, join_posix, not_regular, relative_posix, walk_error};

/// A file the walk selected.
#[derive(Debug)]
pub struct WalkedFile<'a> {
    /// The path as the walker built it (scan root joined with the relative path).
    pub path: &'a Path,
    /// The path relative to the scan root, `/`-separated (empty when the root is the file);
    /// lossy when the name is not UTF-8 (see `rel_exact`).
    pub rel: String,
    /// Whether `rel` spells the path exactly (false for non-UTF-8 names, which are then never
    /// served from the cache).
    pub rel_exact: bool,
    /// The metadata the walker already had to fetch (a root given as a file, followed links);
    /// `None` for a plain regular file, left for the visitor to stat.
    pub known_metadata: Option<std::fs::Metadata>,
}

impl WalkedFile<'_> {
    /// The file's metadata: what the walker fetched, else an `lstat` of the path (the walker
    /// hands over unfetched only entries that are not symbolic links).
    ///
    /// ```
    /// use codetags_cli::walk::WalkedFile;
    /// let dir = tempfile::tempdir().unwrap();
    /// let path = dir.path().join("a.py");
    /// std::fs::write(&path, "x = 1\n").unwrap();
    /// let file = WalkedFile {
    ///     path: &path,
    ///     rel: "a.py".into(),
    ///     rel_exact: true,
    ///     known_metadata: None,
    /// };
    /// assert_eq!(file.metadata().unwrap().len(), 6);
    /// ```
    ///
    /// # Errors
    /// The `lstat` error, when the file vanished or cannot be reached.
    pub fn metadata(&self) -> std::io::Result<std::fs::Metadata> {
        match &self.known_metadata {
            Some(metadata) => Ok(metadata.clone()),
            None => std::fs::symlink_metadata(self.path),
        }
    }
}

/// Walks `root` and calls `visit` for every selected file, in parallel. `match_prefix` is the
/// root's path relative to the config directory (POSIX form, empty for the directory itself),
/// used to match `exclude` patterns. Each walker thread starts with its own `S::default()` and
/// passes it to every `visit` call it makes (scratch space reused across files).
///
/// ```
/// use codetags_cli::{config::ProjectConfig, walk::{walk, WalkOptions}};
/// let dir = tempfile::tempdir().unwrap();
/// std::fs::write(dir.path().join("a.py"), "# TODO: x\n").unwrap();
/// std::fs::write(dir.path().join("notes.txt"), "not python\n").unwrap();
/// let options = WalkOptions { threads: 1, follow_symlinks: false, skip_dir: None };
/// let config = ProjectConfig::defaults(dir.path());
/// let (found, errors) = walk(dir.path(), "", &config, &options, |calls: &mut usize, file| {
///     *calls += 1;
///     Some((file.rel, *calls))
/// });
/// assert_eq!(found, [("a.py".to_owned(), 1)]);
/// assert!(errors.is_empty());
/// ```
pub fn walk<T, S, F>(
    root: &Path,
    match_prefix: &str,
    config: &ProjectConfig,
    options: &WalkOptions,
    visit: F,
) -> (Vec<T>, Vec<WalkError>)
where
    T: Send,
    S: Default + Send,
    F: Fn(&mut S, WalkedFile<'_>) -> Option<T> + Sync,
{
    let mut builder = WalkBuilder::new(root);
    builder
        .hidden(true)
        .git_ignore(true)
        .git_exclude(true)
        .git_global(false)
        .ignore(true)
        .parents(true)
        .require_git(false)
        .follow_links(options.follow_symlinks)
        .threads(options.threads);
    let skip_dir = options.skip_dir.clone();
    let exclude_config = config.clone();
    let root_owned = root.to_path_buf();
    let prefix = match_prefix.to_owned();
    builder.filter_entry(move |entry| {
        if entry.depth() == 0 {
            return true;
        }
        // The name is compared first: making the path absolute costs an allocation per folder.
        if let Some(skip) = &skip_dir
            && entry.file_type().is_some_and(|t| t.is_dir())
            && skip.file_name() == Some(entry.file_name())
            && std::path::absolute(entry.path()).is_ok_and(|p| &p == skip)
        {
            return false;
        }
        if exclude_config.exclude.is_empty() {
            return true;
        }
        let rel = relative_posix(&root_owned, entry.path());
        !exclude_config.is_excluded(&join_posix(&prefix, &rel))
    });

    let results: Mutex<Vec<T>> = Mutex::new(Vec::new());
    let errors: Mutex<Vec<WalkError>> = Mutex::new(Vec::new());
    let extensions = &config.extensions;
    builder.build_parallel().run(|| {
        let mut sink = Sink {
            local: Vec::new(),
            local_errors: Vec::new(),
            results: &results,
            errors: &errors,
        };
        let mut scratch = S::default();
        let visit = &visit;
        Box::new(move |entry| {
            let entry = match entry {
                Ok(entry) => entry,
                Err(err) => {
                    sink.local_errors.push(walk_error(err));
                    return WalkState::Continue;
                }
            };
            let Some(file_type) = entry.file_type() else {
                return WalkState::Continue;
            };
            let explicit = entry.depth() == 0;
            if file_type.is_dir() || (file_type.is_symlink() && !options.follow_symlinks) {
                return WalkState::Continue;
            }
            if !explicit && !has_extension(entry.path(), extensions) {
                return WalkState::Continue;
            }
            let rel_exact = entry.path().to_str().is_some();
            if !explicit && !options.follow_symlinks && file_type.is_file() {
                // A regular file by its directory entry: its stat is left to the visitor.
                let file = WalkedFile {
                    path: entry.path(),
                    rel: relative_posix(root, entry.path()),
                    rel_exact,
                    known_metadata: None,
                };
                if let Some(item) = visit(&mut scratch, file) {
                    sink.local.push(item);
                }
                return WalkState::Continue;
            }
            let metadata = if explicit || options.follow_symlinks {
                std::fs::metadata(entry.path())
            } else {
                entry
                    .metadata()
                    .map_err(|e| std::io::Error::other(e.to_string()))
            };
            match metadata {
                Ok(metadata) if metadata.is_file() => {
                    let file = WalkedFile {
                        path: entry.path(),
                        rel: relative_posix(root, entry.path()),
                        rel_exact,
                        known_metadata: Some(metadata),
                    };
                    if let Some(item) = visit(&mut scratch, file) {
                        sink.local.push(item);
                    }
                }
                // Named on the command line, a FIFO, socket or device is reported: silence
                // would hide the mistake, and reading it could block forever. Met inside a
                // tree, it is skipped like any file that is not a source file.
                Ok(metadata) if explicit && !metadata.is_dir() => {
                    sink.local_errors.push(WalkError {
                        path: Some(entry.path().to_path_buf()),
                        message: not_regular(&metadata),
                    });
                }
                Ok(_) => {}
                Err(err) => sink.local_errors.push(WalkError {
                    path: Some(entry.path().to_path_buf()),
                    message: err.to_string(),
                }),
            }
            WalkState::Continue
        })
    });
    (
        results.into_inner().unwrap_or_else(|p| p.into_inner()),
        errors.into_inner().unwrap_or_else(|p| p.into_inner()),
    )
}

/// Per-thread buffers, flushed into the shared vectors once when the walker drops its visitor,
/// so threads do not contend on a lock per file.
struct Sink<'s, T> {
    local: Vec<T>,
    local_errors: Vec<WalkError>,
    results: &'s Mutex<Vec<T>>,
    errors: &'s Mutex<Vec<WalkError>>,
}

impl<T> Drop for Sink<'_, T> {
    fn drop(&mut self) {
        let mut results = self.results.lock().unwrap_or_else(|p| p.into_inner());
        results.append(&mut self.local);
        let mut errors = self.errors.lock().unwrap_or_else(|p| p.into_inner());
        errors.append(&mut self.local_errors);
    }
}

fn has_extension(path: &Path, extensions: &[String]) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| extensions.iter().any(|x| x == e))
}
