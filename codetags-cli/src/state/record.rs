//! What is stored about one scan root ([`ScanState`]) and each of its files ([`FileRecord`],
//! validated by [`FileStat`]), and the counters a scan keeps ([`ScanStats`]).

use super::table::FileTable;
use serde::{Deserialize, Serialize};
use std::time::{SystemTime, UNIX_EPOCH};

/// A file whose mtime is within this many nanoseconds of (or after) the start of the scan that
/// recorded it is re-read next time, however its stat data looks. Two seconds covers the
/// coarsest common timestamp granularity (FAT, some network file systems).
pub const RACY_GRANULARITY_NS: i64 = 2_000_000_000;

/// The cached result of scanning one root.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ScanState {
    /// When the scan that produced this state started (ns since the Unix epoch).
    pub started_ns: i64,
    /// Its folders and files, in the compact form of [`super::table`].
    pub files: FileTable,
}

/// The stat data a record is validated with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileStat {
    /// Size in bytes.
    pub size: u64,
    /// Modification time, ns since the Unix epoch.
    pub mtime_ns: i64,
    /// Unix mode bits (0 elsewhere).
    pub mode: u32,
}

impl FileStat {
    /// The stat data of `metadata`.
    pub fn of(metadata: &std::fs::Metadata) -> Self {
        Self {
            size: metadata.len(),
            mtime_ns: mtime_ns(metadata),
            mode: mode_of(metadata),
        }
    }
}

#[cfg(unix)]
fn mtime_ns(metadata: &std::fs::Metadata) -> i64 {
    use std::os::unix::fs::MetadataExt;
    metadata
        .mtime()
        .saturating_mul(1_000_000_000)
        .saturating_add(metadata.mtime_nsec())
}

#[cfg(not(unix))]
fn mtime_ns(metadata: &std::fs::Metadata) -> i64 {
    metadata.modified().map(system_time_ns).unwrap_or(0)
}

#[cfg(unix)]
fn mode_of(metadata: &std::fs::Metadata) -> u32 {
    use std::os::unix::fs::MetadataExt;
    metadata.mode()
}

#[cfg(not(unix))]
fn mode_of(metadata: &std::fs::Metadata) -> u32 {
    u32::from(metadata.permissions().readonly())
}

/// `t` in ns since the Unix epoch (negative before it), saturating.
pub(crate) fn system_time_ns(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_nanos()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_nanos()).unwrap_or(i64::MAX),
    }
}

/// Counts of what a scan did: [`crate::scan::ScanOutcome::stats`], and what `last-scan.json`
/// ([`LastScan`](super::LastScan)) records. Defined here, with the other stored records, so the store can write
/// it without knowing the outcome type above it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanStats {
    /// Files selected by the walk.
    pub files: usize,
    /// Files served from the cache on stat data alone (not read).
    pub hits: usize,
    /// Files read (no record, changed stat data, or racy timestamps).
    pub misses: usize,
    /// Files read whose content hash matched the record, so were not re-parsed.
    pub revalidated: usize,
    /// Files parsed.
    pub parsed: usize,
    /// Files or folders that could not be read.
    pub unreadable: usize,
    /// Records dropped because their file is gone: the walk no longer met it (deleted, renamed
    /// away, newly ignored, or no longer a regular file). A file that was edited and re-parsed,
    /// or that could not be read, is not counted here.
    pub removed: usize,
    /// Scan roots whose state was found in the cache.
    pub states_loaded: usize,
    /// Scan roots whose state was written back.
    pub states_written: usize,
    /// Folders listed (read from the file system).
    #[serde(default)]
    pub folders_listed: usize,
    /// Folders not listed because their record still held (their files were stat'ed).
    #[serde(default)]
    pub folders_reused: usize,
}
