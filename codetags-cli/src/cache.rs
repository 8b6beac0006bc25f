//! The scan state stored through cache-core, the last-scan statistics file, and
//! `codetags cache stats|prune|clear|clean-old-versions|dir` over cache-evict.
//!
//! One cache entry per scan root (see [`crate::scan`]): the key is cache-core's SHA-256 over
//! [`crate::scan::STATE_FUNCTION`] and the postcard bytes of a [`StateKey`]. The counts of the
//! last scan go to `last-scan.json` in the cache root, so `codetags cache stats` can show them.

use crate::cli::{CacheCommand, GlobalArgs};
use crate::config::ProjectConfig;
use crate::scan::{STATE_FUNCTION, ScanOutcome, ScanState, ScanStats, StateKey, StateStore};
use crate::{Exit, UsageError, VERSION};
use cache_core::{Cache, CacheSettings, Key};
use cache_layout::Layout;
use chrono::Utc;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The file in the cache root holding the last scan's counts.
pub const LAST_SCAN_FILE: &str = "last-scan.json";

/// Scan states kept in a cache-core [`Cache`].
#[derive(Debug)]
pub struct CoreStateStore {
    cache: Cache,
    settings: CacheSettings,
    layout: Layout,
}

impl CoreStateStore {
    /// A store over the filesystem cache at `root` described by `settings`.
    ///
    /// ```
    /// use codetags_cli::cache::CoreStateStore;
    /// use codetags_cli::scan::{ScanState, StateKey, StateStore};
    /// let dir = tempfile::tempdir().unwrap();
    /// let store = CoreStateStore::open(dir.path(), &cache_core::CacheSettings::default());
    /// let key = StateKey { format: 1, root: "/src".into(), config: "{}".into(), tool_version: "0".into() };
    /// assert!(store.load(&key).is_none());
    /// store.store(&key, &ScanState { started_ns: 7, files: vec![] });
    /// assert_eq!(store.load(&key).unwrap().started_ns, 7);
    /// ```
    pub fn open(root: &Path, settings: &CacheSettings) -> Self {
        let cache = Cache::open(settings, Some(root), VERSION);
        let layout = Layout::new(root.to_path_buf(), settings.layout_options(VERSION));
        Self {
            cache,
            settings: settings.clone(),
            layout,
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

    /// Writes `last-scan.json` (atomically; failures are logged and ignored).
    pub fn record_last_scan(&self, outcome: &ScanOutcome) {
        let cache = self.cache.stats();
        let record = LastScan {
            finished: Utc::now().to_rfc3339(),
            tool_version: VERSION.to_owned(),
            elapsed_ms: u64::try_from(outcome.elapsed.as_millis()).unwrap_or(u64::MAX),
            stats: outcome.stats,
            entry_bytes_read: cache.bytes_read,
            entry_bytes_written: cache.bytes_written,
        };
        if let Err(err) = write_last_scan(self.root(), &record) {
            tracing::debug!(%err, "could not record the last scan's statistics");
        }
    }

    /// The once-a-day cleanup (TTL and old versions, as configured).
    pub fn auto_cleanup(&self) {
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

impl StateStore for CoreStateStore {
    fn load(&self, key: &StateKey) -> Option<ScanState> {
        let key = Key::new(STATE_FUNCTION, key).ok()?;
        self.cache.get::<ScanState>(&key)
    }

    fn store(&self, key: &StateKey, state: &ScanState) {
        match Key::new(STATE_FUNCTION, key) {
            Ok(key) => {
                // Failures are counted and logged by cache-core; the scan result stands.
                let _ = self.cache.put(&key, state);
            }
            Err(err) => tracing::warn!(%err, "cannot derive the scan-state cache key"),
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
}

fn write_last_scan(root: &Path, record: &LastScan) -> std::io::Result<()> {
    std::fs::create_dir_all(root)?;
    let mut builder = tempfile::Builder::new();
    builder.prefix(cache_layout::TEMP_PREFIX);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut temp = builder.tempfile_in(root)?;
    serde_json::to_writer_pretty(&mut temp, record).map_err(std::io::Error::other)?;
    temp.write_all(b"\n")?;
    temp.persist(root.join(LAST_SCAN_FILE))
        .map_err(|e| e.error)?;
    Ok(())
}

/// Reads `last-scan.json`, if present and valid.
pub fn read_last_scan(root: &Path) -> Option<LastScan> {
    let text = std::fs::read_to_string(root.join(LAST_SCAN_FILE)).ok()?;
    serde_json::from_str(&text).ok()
}

/// `[tool.pycodetags.cache]` settings for the project `config` came from.
pub fn load_settings(config: &ProjectConfig) -> Result<CacheSettings, UsageError> {
    let settings = match &config.file {
        Some(file) => CacheSettings::load(file),
        None => CacheSettings::discover(&config.base_dir),
    };
    settings.map_err(|e| UsageError(e.to_string()))
}

/// The cache root: `--cache-dir` / `PYCODETAGS_CACHE_DIR`, else the configured `dir`, else
/// `.pycodetags_cache` beside the `pyproject.toml`; `None` without any of them.
pub fn resolve_root(global: &GlobalArgs, settings: &CacheSettings) -> Option<PathBuf> {
    settings.root(global.cache_dir().as_deref())
}

/// Opens the scan-state store for `codetags scan`, or `None` when caching is off (disabled in
/// the settings, or no root). `clean_old` removes other versions' folders first.
pub fn open_for_scan(
    global: &GlobalArgs,
    config: &ProjectConfig,
    clean_old: bool,
) -> anyhow::Result<Option<Arc<CoreStateStore>>> {
    let settings = load_settings(config)?;
    if !settings.enabled {
        tracing::info!("caching disabled by [tool.pycodetags.cache] enabled = false");
        return Ok(None);
    }
    let Some(root) = resolve_root(global, &settings) else {
        tracing::info!(
            "caching is off: no pyproject.toml found, and neither --cache-dir nor PYCODETAGS_CACHE_DIR given"
        );
        return Ok(None);
    };
    let store = CoreStateStore::open(&root, &settings);
    if clean_old && root.exists() {
        let report = cache_evict::clear_old_versions(&store.layout, &evict_options(false, false));
        report_evict("clean-old-caches", &report, &mut std::io::stderr(), true);
    }
    Ok(Some(Arc::new(store)))
}

fn evict_options(dry_run: bool, force: bool) -> cache_evict::EvictOptions {
    cache_evict::EvictOptions {
        dry_run,
        force,
        measure_bytes: true,
        now: Utc::now(),
    }
}

/// Runs `codetags cache …`.
pub fn run_cache_command(global: &GlobalArgs, command: CacheCommand) -> anyhow::Result<Exit> {
    let config = crate::load_config(global, None)?;
    let settings = load_settings(&config)?;
    let Some(root) = resolve_root(global, &settings) else {
        return Err(UsageError(
            "no cache folder: no pyproject.toml found; give --cache-dir or PYCODETAGS_CACHE_DIR"
                .to_owned(),
        )
        .into());
    };
    let layout = Layout::new(root.clone(), settings.layout_options(VERSION));
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match command {
        CacheCommand::Dir => writeln!(out, "{}", root.display())?,
        CacheCommand::Stats => write_stats(&layout, &mut out)?,
        CacheCommand::Prune(args) => {
            let report = cache_evict::evict_old_caches(
                &layout,
                settings.ttl(),
                &evict_options(args.dry_run, args.force),
            );
            return finish_evict("prune", &report, &mut out);
        }
        CacheCommand::Clear(args) => {
            let report =
                cache_evict::evict_all_caches(&layout, &evict_options(args.dry_run, args.force));
            return finish_evict("clear", &report, &mut out);
        }
        CacheCommand::CleanOldVersions(args) => {
            let report =
                cache_evict::clear_old_versions(&layout, &evict_options(args.dry_run, args.force));
            return finish_evict("clean-old-versions", &report, &mut out);
        }
    }
    Ok(Exit::Success)
}

fn finish_evict(
    what: &str,
    report: &Result<cache_evict::EvictReport, cache_evict::EvictError>,
    out: &mut dyn Write,
) -> anyhow::Result<Exit> {
    if report_evict(what, report, out, false) {
        Ok(Exit::Success)
    } else {
        Ok(Exit::Usage)
    }
}

/// Prints an eviction report; returns false when the operation was refused.
fn report_evict(
    what: &str,
    report: &Result<cache_evict::EvictReport, cache_evict::EvictError>,
    out: &mut dyn Write,
    quiet_when_empty: bool,
) -> bool {
    match report {
        Ok(report) => {
            if !(quiet_when_empty && report.entries_removed == 0 && report.folders_removed == 0) {
                let _ = writeln!(
                    out,
                    "{what}{}: {} entries ({} bytes), {} folders, {} temp files removed",
                    if report.dry_run { " (dry run)" } else { "" },
                    report.entries_removed,
                    report.bytes_removed,
                    report.folders_removed,
                    report.temp_files_removed,
                );
            }
            for (path, error) in &report.errors {
                tracing::warn!("{what}: {}: {error}", path.display());
            }
            true
        }
        Err(err) => {
            eprintln!("codetags: error: {what}: {err}");
            false
        }
    }
}

fn write_stats(layout: &Layout, out: &mut dyn Write) -> anyhow::Result<()> {
    let stats = cache_evict::stats(layout);
    writeln!(
        out,
        "cache root: {}{}",
        layout.root().display(),
        if stats.tagged {
            ""
        } else {
            " (no codetags CACHEDIR.TAG)"
        }
    )?;
    writeln!(
        out,
        "entries: {} ({} bytes); temp files: {}; foreign files: {}",
        stats.entries.files, stats.entries.bytes, stats.temp_files.files, stats.foreign.files
    )?;
    for (version, v) in &stats.versions {
        let name = version.as_deref().unwrap_or("(no version folder)");
        let current = if *version == stats.current_version {
            " (current)"
        } else {
            ""
        };
        writeln!(
            out,
            "version {name}{current}: {} entries, {} bytes",
            v.total.files, v.total.bytes
        )?;
        for (day, bucket) in &v.days {
            writeln!(
                out,
                "  {day}  {:>8} entries  {:>12} bytes",
                bucket.files, bucket.bytes
            )?;
        }
        if v.undated.files > 0 {
            writeln!(
                out,
                "  undated     {:>8} entries  {:>12} bytes",
                v.undated.files, v.undated.bytes
            )?;
        }
    }
    for (path, error) in &stats.errors {
        tracing::warn!("{}: {error}", path.display());
    }
    match read_last_scan(layout.root()) {
        Some(last) => {
            let s = last.stats;
            writeln!(
                out,
                "last scan: {} (codetags {}, {} ms): {} files, {} hits, {} misses ({} re-validated by hash, {} parsed), {} unreadable, {} removed",
                last.finished,
                last.tool_version,
                last.elapsed_ms,
                s.files,
                s.hits,
                s.misses,
                s.revalidated,
                s.parsed,
                s.unreadable,
                s.removed
            )?;
        }
        None => writeln!(out, "last scan: none recorded")?,
    }
    Ok(())
}
