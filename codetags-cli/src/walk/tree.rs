//! The scanner's parallel folder walk: one job per folder, shared by the worker threads; each
//! folder is opened relative to its parent (`openat`), listed without an allocation per entry,
//! and handed to the visitor with its selected files — names the visitor stats and opens
//! relative to the open folder, so no file costs a path lookup from the root.
//!
//! **Reusing the previous listing.** Given the folder records of the previous scan
//! ([`Previous`]), a folder whose stat data (mtime, inode) match its record, outside the
//! racy-timestamp window, and whose ignore files are unchanged, is not listed again: its entries
//! cannot have changed (creating, removing or renaming an entry changes the folder's mtime), so
//! the recorded files and sub-folders are used — git's untracked-cache idea. Every other folder
//! is listed and its entries selected afresh; when its ignore files changed, no folder below it
//! reuses its record either. Whether a record still holds is the [`Previous`] implementation's
//! decision (the scan state applies the racy rule); the walker only asks.
//!
//! Selection is that of [`crate::walk::walk`]: ignore files (see [`super::rules`]), hidden
//! entries, the cache folder, `exclude` patterns, the configured extensions; symbolic links are
//! skipped unless followed (then loops are refused, as the `ignore` crate refuses them).

use super::fsys::{Dir, Kind, Listing, Stat};
use super::rules::{IgnoreFiles, Rules};
use super::types::{WalkError, WalkOptions};
use crate::config::ProjectConfig;
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};

/// What the walker may ask about the previous scan's folder records. Ids are the
/// implementation's own (indices into its table).
pub trait Previous: Sync {
    /// The scan root's record.
    fn root(&self) -> Option<u32>;
    /// Whether folder `id`'s recorded entries still hold for the folder open as `dir`, whose
    /// stat data are `stat`: same stat data, trusted (outside the racy window), and unchanged
    /// ignore files.
    fn still_valid(&self, id: u32, stat: &Stat, dir: &Dir) -> bool;
    /// Whether folder `id`, listed again and found to hold the ignore files `found`, has the
    /// same ignore rules as recorded (same files, unchanged and trusted): then the records of
    /// the folders below it may be reused.
    fn same_rules(&self, id: u32, found: IgnoreFiles, dir: &Dir) -> bool;
    /// The ignore files folder `id` held.
    fn ignore_files(&self, id: u32) -> IgnoreFiles;
    /// The recorded selected files of folder `id`, sorted by name: `(file id, name)`.
    fn files(&self, id: u32) -> Vec<(u32, &str)>;
    /// The recorded sub-folders of folder `id`: `(folder id, name)`.
    fn subdirs(&self, id: u32) -> Vec<(u32, &str)>;
    /// The record of the file `name` in folder `id`.
    fn file(&self, id: u32, name: &OsStr) -> Option<u32>;
    /// The record of the sub-folder `name` of folder `id`.
    fn subdir(&self, id: u32, name: &OsStr) -> Option<u32>;
}

/// A selected file of a folder.
#[derive(Debug, Clone, Copy)]
pub struct FileRef<'a> {
    /// Its name in the folder.
    pub name: &'a OsStr,
    /// Its previous record, when there is one.
    pub known: Option<u32>,
}

/// A folder the walk entered, as handed to the visitor.
#[derive(Debug)]
pub struct DirVisit<'a> {
    /// Its path from the scan root, `/`-separated, empty for the root; lossy when a name is not
    /// UTF-8 (see `rel_exact`).
    pub rel: &'a str,
    /// Whether `rel` spells the path exactly.
    pub rel_exact: bool,
    /// Its path as the walk built it (the root as given, joined with the names).
    pub path: &'a Path,
    /// The open folder: stat and open the files by name through it.
    pub dir: &'a Dir,
    /// Its stat data.
    pub stat: Stat,
    /// Its previous record, when there is one (reused or not).
    pub known: Option<u32>,
    /// Whether its entries came from the previous record instead of a listing.
    pub reused: bool,
    /// The ignore files it holds.
    pub ignore_files: IgnoreFiles,
    /// Its selected files, sorted by name.
    pub files: Vec<FileRef<'a>>,
    /// The names of the sub-folders the walk enters, sorted.
    pub subdirs: Vec<&'a OsStr>,
    /// Whether links are followed (open the files with `follow` then).
    pub follow: bool,
}

/// A problem met while walking, with the folder it was met in (`parent_rel`: the path from
/// the root of the folder whose entry could not be read, or of the folder itself for an
/// ignore file of its own).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeError {
    /// The folder concerned, from the root.
    pub dir_rel: String,
    /// The problem.
    pub error: WalkError,
}

/// What the walk selects besides ignore files: the configuration's extensions and `exclude`
/// patterns (matched against `match_prefix` joined with the path from the root) and the
/// folder never entered.
#[derive(Debug)]
pub struct Selection<'a> {
    /// The configuration.
    pub config: &'a ProjectConfig,
    /// The root's path from the configuration folder.
    pub match_prefix: &'a str,
    /// The walk options (threads, links, the skipped folder, absolute).
    pub options: &'a WalkOptions,
}

impl Selection<'_> {
    fn excluded(&self, rel: &str) -> bool {
        !self.config.exclude.is_empty()
            && self
                .config
                .is_excluded(&super::types::join_posix(self.match_prefix, rel))
    }

    fn has_extension(&self, name: &OsStr) -> bool {
        Path::new(name)
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| self.config.extensions.iter().any(|x| x == e))
    }

    fn is_skip_dir(&self, name: &OsStr, path: &Path) -> bool {
        self.options.skip_dir.as_ref().is_some_and(|skip| {
            skip.file_name() == Some(name) && std::path::absolute(path).is_ok_and(|p| &p == skip)
        })
    }
}

/// The chain of folders above a job, for loop detection when links are followed.
#[derive(Debug)]
struct Ancestry {
    dev: u64,
    ino: u64,
    path: PathBuf,
    parent: Option<Arc<Ancestry>>,
}

#[derive(Debug)]
struct Job {
    parent: Option<Arc<Dir>>,
    name: OsString,
    path: PathBuf,
    rel: String,
    rel_exact: bool,
    rules: Rules,
    known: Option<u32>,
    reuse: bool,
    ancestry: Option<Arc<Ancestry>>,
}

/// Walks the folder `root` (as given: a link there is followed), handing every folder entered
/// to `visit` on the worker threads, each with its own `S::default()` scratch value. Returns
/// the visitor's results (unordered) and the problems met.
///
/// ```
/// use codetags_cli::{config::ProjectConfig, walk::WalkOptions};
/// use codetags_cli::walk::tree::{walk_tree, Selection};
/// let dir = tempfile::tempdir().unwrap();
/// std::fs::create_dir(dir.path().join("pkg")).unwrap();
/// std::fs::write(dir.path().join("pkg/a.py"), "# TODO: x\n").unwrap();
/// std::fs::write(dir.path().join("notes.txt"), "\n").unwrap();
/// let config = ProjectConfig::defaults(dir.path());
/// let options = WalkOptions { threads: 2, follow_symlinks: false, skip_dir: None };
/// let selection = Selection { config: &config, match_prefix: "", options: &options };
/// let (mut found, errors) = walk_tree(dir.path(), &selection, None, |_: &mut (), folder| {
///     (folder.rel.to_owned(), folder.files.iter().map(|f| f.name.to_owned()).collect::<Vec<_>>())
/// });
/// found.sort();
/// assert_eq!(found, [("".to_owned(), vec![]), ("pkg".to_owned(), vec!["a.py".into()])]);
/// assert!(errors.is_empty());
/// ```
pub fn walk_tree<T, S, F>(
    root: &Path,
    selection: &Selection<'_>,
    previous: Option<&dyn Previous>,
    visit: F,
) -> (Vec<T>, Vec<TreeError>)
where
    T: Send,
    S: Default + Send,
    F: Fn(&mut S, &DirVisit<'_>) -> T + Sync,
{
    let follow = selection.options.follow_symlinks;
    let previous = if follow { None } else { previous };
    let mut root_errors = Vec::new();
    let rules = Rules::for_ancestors_of(root, &mut root_errors);
    let first = Job {
        parent: None,
        name: OsString::new(),
        path: root.to_path_buf(),
        rel: String::new(),
        rel_exact: true,
        rules,
        known: previous.and_then(Previous::root),
        reuse: previous.is_some(),
        ancestry: None,
    };
    let threads = match selection.options.threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    let queue = Queue {
        state: Mutex::new((vec![first], 0)),
        ready: Condvar::new(),
    };
    let work = |scratch: &mut Worker<S, T>| {
        while let Some(job) = queue.pop() {
            let children = run_job(job, selection, previous, &visit, scratch);
            queue.finish(children);
        }
    };
    let mut workers: Vec<Worker<S, T>> = if threads <= 1 {
        let mut worker = Worker::default();
        work(&mut worker);
        vec![worker]
    } else {
        std::thread::scope(|scope| {
            let handles: Vec<_> = (0..threads)
                .map(|_| {
                    scope.spawn(|| {
                        let mut worker = Worker::default();
                        work(&mut worker);
                        worker
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                .collect()
        })
    };
    let mut results = Vec::new();
    let mut errors: Vec<TreeError> = root_errors
        .into_iter()
        .map(|error| TreeError {
            dir_rel: String::new(),
            error,
        })
        .collect();
    for worker in &mut workers {
        results.append(&mut worker.results);
        errors.append(&mut worker.errors);
    }
    (results, errors)
}

struct Worker<S, T> {
    scratch: S,
    listing: Listing,
    results: Vec<T>,
    errors: Vec<TreeError>,
}

impl<S: Default, T> Default for Worker<S, T> {
    fn default() -> Self {
        Worker {
            scratch: S::default(),
            listing: Listing::default(),
            results: Vec::new(),
            errors: Vec::new(),
        }
    }
}

/// The shared stack of folder jobs and the number of jobs being worked on: the walk ends when
/// both are empty.
struct Queue {
    state: Mutex<(Vec<Job>, usize)>,
    ready: Condvar,
}

impl Queue {
    fn pop(&self) -> Option<Job> {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if let Some(job) = state.0.pop() {
                state.1 += 1;
                return Some(job);
            }
            if state.1 == 0 {
                self.ready.notify_all();
                return None;
            }
            state = self.ready.wait(state).unwrap_or_else(|p| p.into_inner());
        }
    }

    fn finish(&self, children: Vec<Job>) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let woken = children.len();
        state.0.extend(children);
        state.1 -= 1;
        if state.1 == 0 || woken > 1 {
            self.ready.notify_all();
        } else if woken == 1 {
            self.ready.notify_one();
        }
    }
}

fn error_at(path: &Path, err: &std::io::Error) -> WalkError {
    WalkError {
        path: Some(path.to_path_buf()),
        message: err.to_string(),
    }
}

fn join_rel(rel: &str, name: &str) -> String {
    if rel.is_empty() {
        name.to_owned()
    } else {
        let mut out = String::with_capacity(rel.len() + 1 + name.len());
        out.push_str(rel);
        out.push('/');
        out.push_str(name);
        out
    }
}

/// One folder: open, reuse or list, select, visit; returns the jobs of its sub-folders.
fn run_job<S, T, F>(
    job: Job,
    selection: &Selection<'_>,
    previous: Option<&dyn Previous>,
    visit: &F,
    worker: &mut Worker<S, T>,
) -> Vec<Job>
where
    F: Fn(&mut S, &DirVisit<'_>) -> T,
{
    let follow = selection.options.follow_symlinks;
    let parent_rel = || match job.rel.rfind('/') {
        Some(i) => job.rel[..i].to_owned(),
        None => String::new(),
    };
    let opened = match &job.parent {
        Some(parent) => parent.open_dir(&job.name, follow),
        None => Dir::open(&job.path),
    };
    let dir = match opened.and_then(|dir| dir.stat().map(|stat| (dir, stat))) {
        Ok(pair) => pair,
        Err(err) => {
            worker.errors.push(TreeError {
                dir_rel: parent_rel(),
                error: error_at(&job.path, &err),
            });
            return Vec::new();
        }
    };
    let (dir, stat) = dir;
    if follow {
        let mut up = job.ancestry.as_deref();
        while let Some(ancestor) = up {
            if (ancestor.dev, ancestor.ino) == (stat.dev, stat.ino) {
                worker.errors.push(TreeError {
                    dir_rel: parent_rel(),
                    error: WalkError {
                        path: Some(job.path.clone()),
                        message: format!(
                            "file system loop: points to an ancestor, {}",
                            crate::display::display_path(&ancestor.path)
                        ),
                    },
                });
                return Vec::new();
            }
            up = ancestor.parent.as_deref();
        }
    }
    let dir = Arc::new(dir);
    let mut rule_errors = Vec::new();
    let reused = match (previous, job.known) {
        (Some(previous), Some(id)) if job.reuse && previous.still_valid(id, &stat, &dir) => {
            Some((previous, id))
        }
        _ => None,
    };

    // What this folder holds: from its record, or from a listing.
    let ignore_files;
    let rules;
    let mut files: Vec<FileRef<'_>> = Vec::new();
    let mut subdirs: Vec<(&OsStr, Option<u32>)> = Vec::new();
    let child_reuse;
    let listing = &mut worker.listing;
    if let Some((previous, id)) = reused {
        ignore_files = previous.ignore_files(id);
        rules = job.rules.child(&job.path, ignore_files, &mut rule_errors);
        files = previous
            .files(id)
            .into_iter()
            .map(|(file, name)| FileRef {
                name: OsStr::new(name),
                known: Some(file),
            })
            .collect();
        subdirs = previous
            .subdirs(id)
            .into_iter()
            .map(|(sub, name)| (OsStr::new(name), Some(sub)))
            .collect();
        child_reuse = true;
    } else {
        if let Err(err) = dir.list(listing) {
            worker.errors.push(TreeError {
                dir_rel: parent_rel(),
                error: error_at(&job.path, &err),
            });
            return Vec::new();
        }
        let mut found = IgnoreFiles::default();
        for entry in &listing.entries {
            found |= IgnoreFiles::of_name(listing.name(entry));
        }
        ignore_files = found;
        rules = job.rules.child(&job.path, found, &mut rule_errors);
        child_reuse = job.reuse
            && match (previous, job.known) {
                (Some(previous), Some(id)) => previous.same_rules(id, found, &dir),
                _ => false,
            };
        let needs_path = !rules.is_empty() || selection.options.skip_dir.is_some();
        for entry in &listing.entries {
            let name = listing.name(entry);
            let mut kind = entry.kind;
            if kind.is_none() || (follow && kind == Some(Kind::Symlink)) {
                match dir.stat_at(name, follow) {
                    Ok(stat) => kind = Some(stat.kind),
                    Err(err) => {
                        // A broken link, or an entry gone since the listing: reported unless
                        // the rules skip it anyway.
                        let path = job.path.join(name);
                        let rel = join_rel(&job.rel, &name.to_string_lossy());
                        if !rules.skips(&path, &rel, name, false) {
                            worker.errors.push(TreeError {
                                dir_rel: job.rel.clone(),
                                error: error_at(&path, &err),
                            });
                        }
                        continue;
                    }
                }
            }
            let is_dir = match kind {
                Some(Kind::Dir) => true,
                Some(Kind::File) => false,
                _ => continue,
            };
            if !is_dir && !selection.has_extension(name) {
                continue;
            }
            let name_text = name.to_string_lossy();
            let rel = join_rel(&job.rel, &name_text);
            if needs_path {
                let path = job.path.join(name);
                if rules.skips(&path, &rel, name, is_dir)
                    || (is_dir && selection.is_skip_dir(name, &path))
                {
                    continue;
                }
            } else if super::fsys::is_hidden(name) {
                continue;
            }
            if selection.excluded(&rel) {
                continue;
            }
            let known = job.known.zip(previous);
            if is_dir {
                subdirs.push((name, known.and_then(|(id, p)| p.subdir(id, name))));
            } else {
                files.push(FileRef {
                    name,
                    known: known.and_then(|(id, p)| p.file(id, name)),
                });
            }
        }
        files.sort_unstable_by(|a, b| a.name.as_encoded_bytes().cmp(b.name.as_encoded_bytes()));
        subdirs.sort_unstable_by(|a, b| a.0.as_encoded_bytes().cmp(b.0.as_encoded_bytes()));
    }
    for error in rule_errors {
        worker.errors.push(TreeError {
            dir_rel: job.rel.clone(),
            error,
        });
    }

    let subdir_names: Vec<&OsStr> = subdirs.iter().map(|(name, _)| *name).collect();
    let result = visit(
        &mut worker.scratch,
        &DirVisit {
            rel: &job.rel,
            rel_exact: job.rel_exact,
            path: &job.path,
            dir: &dir,
            stat,
            known: job.known,
            reused: reused.is_some(),
            ignore_files,
            files,
            subdirs: subdir_names,
            follow,
        },
    );
    worker.results.push(result);

    let ancestry = follow.then(|| {
        Arc::new(Ancestry {
            dev: stat.dev,
            ino: stat.ino,
            path: job.path.clone(),
            parent: job.ancestry.clone(),
        })
    });
    // Pushed in reverse, so the stack hands them out in name order.
    subdirs
        .into_iter()
        .rev()
        .map(|(name, known)| {
            let text = name.to_string_lossy();
            Job {
                parent: Some(dir.clone()),
                name: name.to_owned(),
                path: job.path.join(name),
                rel: join_rel(&job.rel, &text),
                rel_exact: job.rel_exact && name.to_str().is_some(),
                rules: rules.clone(),
                known,
                reuse: child_reuse,
                ancestry: ancestry.clone(),
            }
        })
        .collect()
}
