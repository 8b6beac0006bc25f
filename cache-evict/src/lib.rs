//! Eviction for the codetags cache: TTL pruning by whole day, month and year folders, removal of
//! old version namespaces, emptying the cache, a once-a-day automatic run, and statistics.
//!
//! The date and version folders of [`cache_layout`] exist so that eviction is cheap: a day folder
//! whose whole day lies past the TTL costs one `readdir` plus one unlink per file and an `rmdir`,
//! without a `stat` per file (the `readdir` types tell our files from anything else), and folders
//! inside the TTL are never stat'ed file by file at all. Only the one boundary day whose span
//! contains the cut-off, and the flat layouts, are pruned file by file by modification time.
//!
//! The public functions carry the names of PEP 003: [`evict_old_caches`], [`clear_old_versions`],
//! [`evict_all_caches`] (alias [`clear_cache`]); [`auto_cleanup`] is the once-a-day run and
//! [`stats`] lists what the cache holds.
//!
//! # Safety rules
//!
//! * A root without a codetags `CACHEDIR.TAG` (see [`is_our_cache`]) is refused with
//!   [`EvictError::NotACache`] unless [`EvictOptions::force`] is set, so a mistaken
//!   `--cache-dir ~` cannot wipe a home folder. A tag left empty or truncated (the disk filled up
//!   while the root was created) beside nothing but our own files is rewritten first
//!   (`cache_core::inspect_root`, `RootState::RepairableTag`), so such a cache is not locked out
//!   for good.
//! * Only what is ours is removed, even with `force`: the ownership rules of [`cache_layout`]
//!   (name, position, and the kind of node — a real folder for folders, a regular file for
//!   files). No folder goes in one piece: each is listed, our files in it are unlinked, our
//!   folders in it are treated the same way, and it is removed with `rmdir` once empty. Anything
//!   else (a stranger's file or folder, `2025/13/`, `2020/02/30/`, a link, a FIFO) is kept, as is
//!   every folder holding it, and listed in [`EvictReport::kept`].
//! * Symbolic links are never followed and never removed (we never create one).
//! * Every removed path is a descendant of the root; the root itself is never removed.
//! * Entries that vanish meanwhile (another process evicting) are counted in
//!   [`EvictReport::vanished`]; permission and other I/O errors go into [`EvictReport::errors`]. Both
//!   are skipped, never fatal.
//!
//! # Example
//!
//! ```
//! use cache_evict::{evict_old_caches, EvictOptions};
//! use cache_layout::{Layout, LayoutOptions, CACHEDIR_TAG, CACHEDIR_TAG_CONTENT};
//! use chrono::{NaiveDate, TimeDelta, TimeZone, Utc};
//!
//! let dir = tempfile::tempdir()?;
//! let layout = Layout::new(dir.path(), LayoutOptions {
//!     version: Some("0.1.0-f1".into()), date_subfolders: true, gzip: false,
//! });
//! std::fs::write(dir.path().join(CACHEDIR_TAG), CACHEDIR_TAG_CONTENT)?;
//! for (day, key) in [((2025, 1, 1), [1; 32]), ((2025, 7, 1), [2; 32])] {
//!     let date = NaiveDate::from_ymd_opt(day.0, day.1, day.2).unwrap();
//!     let path = layout.path_for(&key, date);
//!     std::fs::create_dir_all(path.parent().unwrap())?;
//!     std::fs::write(&path, b"entry")?;
//! }
//!
//! let now = Utc.with_ymd_and_hms(2025, 7, 1, 12, 0, 0).unwrap();
//! let report = evict_old_caches(&layout, TimeDelta::days(7), &EvictOptions::new(now))?;
//! assert_eq!(report.entries_removed, 1);
//! // January lies wholly past the TTL: its month folder went, day folder included.
//! assert_eq!(report.folders_removed, 2);
//! assert!(!dir.path().join("0.1.0-f1/2025/01").exists());
//! assert!(layout.path_for(&[2; 32], NaiveDate::from_ymd_opt(2025, 7, 1).unwrap()).exists());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::HashSet;
use std::path::PathBuf;

use chrono::{DateTime, Utc};

mod auto;
mod prune;
mod stats;
mod walk;

pub use auto::{auto_cleanup, gc_due, read_gc_marker};
/// Whether `root` holds a codetags cache (its `CACHEDIR.TAG` names codetags); re-exported from
/// `cache_core`, where the root's ownership is decided.
pub use cache_core::is_our_cache;
pub use prune::{
    TEMP_MAX_AGE, clear_cache, clear_old_versions, evict_all_caches, evict_old_caches,
};
pub use stats::{Bucket, DiskUsage, VersionStats, stats};

/// How an eviction runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvictOptions {
    /// Only report what would be removed ([`EvictReport::would_remove`]); remove nothing.
    pub dry_run: bool,
    /// Work on a root without a codetags `CACHEDIR.TAG` (still removing only what is ours by the
    /// layout rules). Never set this from a default.
    pub force: bool,
    /// Also read the size of files removed with their whole (stale) folder (one `stat` each).
    /// Off by default: those files are then counted in [`EvictReport::unsized_files`] instead of
    /// [`EvictReport::bytes_removed`].
    pub measure_bytes: bool,
    /// The current time (injected, so tests need no sleeps).
    pub now: DateTime<Utc>,
}

impl EvictOptions {
    /// Real removal, refusing untagged roots, without measuring mass-removed files.
    pub fn new(now: DateTime<Utc>) -> EvictOptions {
        EvictOptions {
            dry_run: false,
            force: false,
            measure_bytes: false,
            now,
        }
    }

    /// The same options as a dry run.
    pub fn dry_run(mut self) -> EvictOptions {
        self.dry_run = true;
        self
    }
}

/// What an eviction removed (or, in a dry run, would remove).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EvictReport {
    /// Whether this was a dry run (then nothing was removed and the counts are predictions).
    pub dry_run: bool,
    /// Cache entries removed.
    pub entries_removed: u64,
    /// Bytes of the removed files whose size was read (see [`EvictReport::unsized_files`]).
    pub bytes_removed: u64,
    /// Files removed with a stale folder (or an old namespace, or the whole cache) without
    /// reading their size (see [`EvictOptions::measure_bytes`]).
    pub unsized_files: u64,
    /// Folders removed (a removed year folder counts with all the month and day folders in it).
    pub folders_removed: u64,
    /// Stray temp files of interrupted writes removed.
    pub temp_files_removed: u64,
    /// Marker files removed (`.last-gc` and `last-scan.json`, when emptying the cache). Nothing
    /// foreign is ever removed.
    pub other_files_removed: u64,
    /// Paths that disappeared while we worked on them (another process evicting): skipped.
    pub vanished: u64,
    /// Errors met, each with its path; the path was skipped.
    pub errors: Vec<(PathBuf, String)>,
    /// In a dry run: every path that would be removed, one by one, each folder after its
    /// contents — exactly what the real run then removes (barring concurrent changes).
    pub would_remove: Vec<PathBuf>,
    /// In a real run: every path removed, in the same order (what `-v` lists).
    pub removed: Vec<PathBuf>,
    /// The paths met that are not ours and were kept (in dry runs and real runs alike): the
    /// top-most ones only, as nothing foreign is descended into. The folders of ours holding
    /// them are kept too, and not listed.
    pub kept: Vec<PathBuf>,
}

impl EvictReport {
    /// Files of every kind removed: entries, temp files and others.
    pub fn files_removed(&self) -> u64 {
        self.entries_removed + self.temp_files_removed + self.other_files_removed
    }

    /// Adds `other`'s counts, errors and paths to this report; a kept path both met is listed
    /// once.
    pub fn merge(&mut self, other: EvictReport) {
        self.dry_run |= other.dry_run;
        self.entries_removed += other.entries_removed;
        self.bytes_removed += other.bytes_removed;
        self.unsized_files += other.unsized_files;
        self.folders_removed += other.folders_removed;
        self.temp_files_removed += other.temp_files_removed;
        self.other_files_removed += other.other_files_removed;
        self.vanished += other.vanished;
        self.errors.extend(other.errors);
        self.would_remove.extend(other.would_remove);
        self.removed.extend(other.removed);
        let known: HashSet<PathBuf> = self.kept.iter().cloned().collect();
        self.kept
            .extend(other.kept.into_iter().filter(|path| !known.contains(path)));
    }
}

/// Why an eviction did not run at all.
#[derive(Debug, thiserror::Error)]
pub enum EvictError {
    /// The root has no codetags `CACHEDIR.TAG` (and is not a cache with a merely truncated one),
    /// and [`EvictOptions::force`] was not set.
    #[error(
        "{root} does not look like a codetags cache (no codetags CACHEDIR.TAG); refusing to \
         remove anything there (force it if you are sure)"
    )]
    NotACache {
        /// The refused root.
        root: PathBuf,
    },
}
