//! The scan state stored through cache-core, and the last-scan statistics file.
//!
//! One cache entry per scan root: the key is cache-core's SHA-256 over [`STATE_FUNCTION`] and
//! the postcard bytes of a [`StateKey`]. The counts of the last scan go to `last-scan.json` in
//! the cache root, so `codetags cache stats` can show them.

use super::key::{STATE_FUNCTION, StateKey};
use super::portable::Portable;
use super::record::{ScanState, ScanStats};
use crate::display::display_path;
use crate::version::VERSION;
use cache_core::{Cache, CacheSettings, Key, RemoteStats, RootState};
use cache_layout::Layout;
use chrono::Utc;
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::time::Duration;

/// The file in the cache root holding the last scan's counts.
pub const LAST_SCAN_FILE: &str = "last-scan.json";

/// Storage for scan states; [`CoreStateStore`] is the real one (cache-core). A
/// [`crate::scan::ScanRequest`] carries one as `Arc<dyn StateStore>`.
pub trait StateStore: std::fmt::Debug + Send + Sync {
    /// The state stored under `key`, if any and if it decodes.
    fn load(&self, key: &StateKey) -> Option<ScanState>;
    /// Stores `state` under `key`; failures are logged, never fatal.
    fn store(&self, key: &StateKey, state: &ScanState);
}

/// Scan states kept in a cache-core [`Cache`].
#[derive(Debug)]
pub struct CoreStateStore {
    cache: Cache,
    settings: CacheSettings,
    layout: Layout,
    /// What the root was when the store was opened, before this run wrote anything.
    found: RootState,
    /// With a remote cache: how keys are made the same for every checkout.
    portable: Option<Portable>,
}

impl CoreStateStore {
    /// A store over the filesystem cache at `root` described by `settings`.
    ///
    /// ```
    /// use codetags_cli::config::ProjectConfig;
    /// use codetags_cli::scan::ScanRequest;
    /// use codetags_cli::state::{CoreStateStore, ResultSettings, ScanState, StateKey, StateStore};
    /// let dir = tempfile::tempdir().unwrap();
    /// let store = CoreStateStore::open(dir.path(), &cache_core::CacheSettings::default());
    /// let request = ScanRequest::new(vec![], ProjectConfig::defaults("."));
    /// let settings = ResultSettings::of(&request);
    /// let key = StateKey { format: 1, root: "/src".into(), settings, tool_version: "0".into() };
    /// assert!(store.load(&key).is_none());
    /// store.store(&key, &ScanState { started_ns: 7, files: Default::default() });
    /// assert_eq!(store.load(&key).unwrap().started_ns, 7);
    /// ```
    ///
    /// A root that exists and is not a codetags cache is never used: the store is then
    /// disabled (every scan computes, nothing is written), and [`CoreStateStore::refusal`]
    /// says why.
    pub fn open(root: &Path, settings: &CacheSettings) -> Self {
        let layout = Layout::new(root.to_path_buf(), settings.layout_options(VERSION));
        let found = cache_core::inspect_root(root).unwrap_or_else(|err| {
            tracing::debug!(%err, root = %root.display(), "cannot inspect the cache root");
            RootState::NotAFolder
        });
        let cache = if adoptable(&found) {
            Cache::open(settings, Some(root), VERSION)
        } else {
            Cache::disabled()
        };
        Self {
            cache,
            settings: settings.clone(),
            layout,
            found,
            portable: Portable::of(settings),
        }
    }

    /// Why the root is not used, when it exists and is not ours: a sentence naming the folder
    /// and the fix.
    pub fn refusal(&self) -> Option<String> {
        let root = display_path(self.root());
        match &self.found {
            RootState::Foreign { example } => Some(format!(
                "{root} is not a codetags cache (it holds {}, and no codetags CACHEDIR.TAG): \
                 nothing is read or written there. Empty it, or choose a new folder with \
                 --cache-dir or [tool.pycodetags.cache] dir",
                display_path(example)
            )),
            RootState::NotAFolder => Some(format!(
                "{root} is not a folder (or cannot be read): choose another cache folder with \
                 --cache-dir or [tool.pycodetags.cache] dir"
            )),
            _ => None,
        }
    }

    /// The cache root.
    pub fn root(&self) -> &Path {
        self.layout.root()
    }

    /// The underlying cache (its counters: bytes read and written).
    pub fn cache(&self) -> &Cache {
        &self.cache
    }

    /// The cache's folder layout (for cache-evict's cleanups).
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// Writes `last-scan.json` (atomically; failures are logged and ignored) for a scan that
    /// counted `stats` in `elapsed` (a [`crate::scan::ScanOutcome`]'s `stats` and `elapsed`).
    pub fn record_last_scan(&self, stats: ScanStats, elapsed: Duration) {
        let cache = self.cache.stats();
        let record = LastScan {
            finished: Utc::now().to_rfc3339(),
            tool_version: VERSION.to_owned(),
            elapsed_ms: u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
            stats,
            entry_bytes_read: cache.bytes_read,
            entry_bytes_written: cache.bytes_written,
            remote: cache.remote,
        };
        if !self.cache.is_enabled() {
            return;
        }
        if let Err(err) = write_last_scan(self.root(), &record) {
            tracing::debug!(%err, "could not record the last scan's statistics");
        }
    }

    /// The once-a-day cleanup (TTL and old versions, as configured), only on a root that was
    /// a codetags cache before this run started: a folder this run created holds nothing old,
    /// and one it refused is not ours to clean.
    pub fn auto_cleanup(&self) {
        if !matches!(self.found, RootState::Ours | RootState::RepairableTag) {
            return;
        }
        let report = cache_evict::auto_cleanup(
            &self.layout,
            self.settings.ttl_days,
            self.settings.clean_old_versions,
            Utc::now(),
        );
        if let Some(report) = report {
            tracing::debug!(?report, "automatic cache cleanup");
        }
    }
}

/// Whether a root in this state may be used: missing or empty (created on the first write), or
/// a codetags cache (a damaged tag is repaired on the first write).
fn adoptable(state: &RootState) -> bool {
    matches!(
        state,
        RootState::Missing | RootState::Empty | RootState::Ours | RootState::RepairableTag
    )
}

impl CoreStateStore {
    /// The cache key of a state: portable with a remote cache, else the local one.
    fn cache_key(&self, key: &StateKey) -> Option<Key> {
        match &self.portable {
            Some(portable) => portable.key(key),
            None => Key::new(STATE_FUNCTION, key).ok(),
        }
    }
}

impl StateStore for CoreStateStore {
    fn load(&self, key: &StateKey) -> Option<ScanState> {
        let key = self.cache_key(key)?;
        self.cache.get::<ScanState>(&key)
    }

    fn store(&self, key: &StateKey, state: &ScanState) {
        match self.cache_key(key) {
            Some(key) => {
                // Failures are counted and logged by cache-core; the scan result stands.
                let _ = self.cache.put(&key, state);
            }
            None => tracing::warn!("cannot derive the scan-state cache key"),
        }
    }
}

/// The statistics of the last scan, as stored in `last-scan.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LastScan {
    /// When the scan finished (RFC 3339, UTC).
    pub finished: String,
    /// The codetags version that ran it.
    pub tool_version: String,
    /// Its wall time.
    pub elapsed_ms: u64,
    /// Its counters (hits = files served on stat data alone).
    pub stats: ScanStats,
    /// Bytes of cache entries read.
    pub entry_bytes_read: u64,
    /// Bytes of cache entries written.
    pub entry_bytes_written: u64,
    /// The remote cache's counters, when one was configured (absent in older records).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote: Option<RemoteStats>,
}

fn write_last_scan(root: &Path, record: &LastScan) -> std::io::Result<()> {
    // Only into a root that is a codetags cache by now: creating the folder here, without its
    // tag, would make the next run refuse it as foreign.
    if !cache_core::is_our_cache(root) {
        return Ok(());
    }
    let path = root.join(LAST_SCAN_FILE);
    // Never replace what is not ours: a link, FIFO or folder in its place is left alone (and
    // the record skipped), as the cleanup does for `.last-gc`.
    if let Ok(meta) = std::fs::symlink_metadata(&path)
        && !meta.is_file()
    {
        tracing::debug!(path = %path.display(), "not a regular file: last-scan record skipped");
        return Ok(());
    }
    cache_core::fswrite::write_atomic(&path, cache_core::fswrite::AtomicWrite::CACHE, |out| {
        serde_json::to_writer_pretty(&mut *out, record).map_err(std::io::Error::other)?;
        out.write_all(b"\n")
    })
}

/// Reads `last-scan.json`, if present and valid.
pub fn read_last_scan(root: &Path) -> Option<LastScan> {
    // Bounded and non-blocking: a FIFO or a link to a device in its place is no record.
    let bytes = match cache_core::fsread::read_regular(&root.join(LAST_SCAN_FILE), 1 << 20) {
        Ok(bytes) => bytes?,
        Err(err) => {
            tracing::warn!("{}: {err}", display_path(&root.join(LAST_SCAN_FILE)));
            return None;
        }
    };
    serde_json::from_slice(&bytes).ok()
}
