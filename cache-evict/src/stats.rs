//! What the cache holds, per version and per day.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use cache_layout::{Layout, PathKind};
use chrono::NaiveDate;

/// A number of files and their total size.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Bucket {
    /// Files counted.
    pub files: u64,
    /// Their total size in bytes.
    pub bytes: u64,
}

impl Bucket {
    fn add(&mut self, bytes: u64) {
        self.files += 1;
        self.bytes += bytes;
    }
}

/// The entries of one version namespace (or of the un-namespaced part of the cache).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VersionStats {
    /// All entries of this version.
    pub total: Bucket,
    /// Entries in day folders, per day.
    pub days: BTreeMap<NaiveDate, Bucket>,
    /// Entries outside day folders (flat layouts).
    pub undated: Bucket,
}

/// What a cache holds on disk — entries and bytes per version and per day — from one walk of its
/// tree. (Not to be confused with `cache_core::CacheStats`, a memoizer's hit and miss counters
/// in memory.) One walk: `readdir` plus one `lstat` per file; links are never followed, and no
/// file is opened, so a FIFO cannot block it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DiskUsage {
    /// The cache root.
    pub root: PathBuf,
    /// The layout's current version, if namespacing is on.
    pub current_version: Option<String>,
    /// Whether the root holds a codetags `CACHEDIR.TAG` (see [`crate::is_our_cache`]).
    pub tagged: bool,
    /// All entries, every version.
    pub entries: Bucket,
    /// Entries per version namespace; the key `None` holds entries outside any version folder.
    pub versions: BTreeMap<Option<String>, VersionStats>,
    /// Temp files of writes in progress or interrupted.
    pub temp_files: Bucket,
    /// The root's bookkeeping files.
    pub markers: Bucket,
    /// Files that are not ours: foreign names, and links, FIFOs, sockets and devices whatever
    /// their names (we create none of those).
    pub foreign: Bucket,
    /// Folders below the root.
    pub folders: u64,
    /// Paths that could not be read, with the error.
    pub errors: Vec<(PathBuf, String)>,
}

impl DiskUsage {
    /// The stats of the current version (the un-namespaced part when namespacing is off).
    pub fn current(&self) -> Option<&VersionStats> {
        self.versions.get(&self.current_version)
    }

    /// The oldest and newest day folder holding entries, over all versions.
    pub fn day_range(&self) -> Option<(NaiveDate, NaiveDate)> {
        let days = self.versions.values().flat_map(|v| v.days.keys().copied());
        days.fold(None, |range, day| match range {
            None => Some((day, day)),
            Some((lo, hi)) => Some((lo.min(day), hi.max(day))),
        })
    }
}

/// Walks the cache and counts entries and bytes per version and per day. A missing root gives
/// empty stats; unreadable paths are listed in [`DiskUsage::errors`].
///
/// ```
/// use cache_layout::{Layout, LayoutOptions};
/// use chrono::NaiveDate;
/// let dir = tempfile::tempdir()?;
/// let layout = Layout::new(dir.path(), LayoutOptions { version: Some("v1".into()), date_subfolders: true, gzip: false });
/// let day = NaiveDate::from_ymd_opt(2025, 7, 1).unwrap();
/// let path = layout.path_for(&[3; 32], day);
/// std::fs::create_dir_all(path.parent().unwrap())?;
/// std::fs::write(&path, b"12345")?;
/// let stats = cache_evict::stats(&layout);
/// assert_eq!((stats.entries.files, stats.entries.bytes), (1, 5));
/// assert_eq!(stats.current().unwrap().days[&day].files, 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn stats(layout: &Layout) -> DiskUsage {
    let root = layout.root();
    let mut stats = DiskUsage {
        root: root.to_owned(),
        current_version: layout.version().map(str::to_owned),
        tagged: cache_core::is_our_cache(root),
        ..DiskUsage::default()
    };
    if fs::symlink_metadata(root).is_err() {
        return stats;
    }
    let mut stack = vec![root.to_owned()];
    while let Some(dir) = stack.pop() {
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) => {
                stats.errors.push((dir, e.to_string()));
                continue;
            }
        };
        for entry in entries {
            let counted = entry.and_then(|entry| {
                let path = entry.path();
                let meta = entry.metadata()?;
                Ok((path, meta))
            });
            match counted {
                Ok((path, meta)) if meta.is_dir() => {
                    stats.folders += 1;
                    stack.push(path);
                }
                Ok((path, meta)) => count_file(layout, &mut stats, &path, &meta),
                Err(e) => stats.errors.push((dir.clone(), e.to_string())),
            }
        }
    }
    stats
}

fn count_file(layout: &Layout, stats: &mut DiskUsage, path: &Path, meta: &fs::Metadata) {
    let bytes = meta.len();
    if !meta.is_file() {
        stats.foreign.add(bytes);
        return;
    }
    match layout.classify(path) {
        PathKind::Entry(entry) => {
            stats.entries.add(bytes);
            let version = stats.versions.entry(entry.version).or_default();
            version.total.add(bytes);
            match entry.date {
                Some(date) => version.days.entry(date).or_default().add(bytes),
                None => version.undated.add(bytes),
            }
        }
        PathKind::TempFile => stats.temp_files.add(bytes),
        PathKind::Marker => stats.markers.add(bytes),
        _ => stats.foreign.add(bytes),
    }
}
