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
use cache_core::{Cache, CacheSettings, Key, RootState};
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
    /// What the root was when the store was opened, before this run wrote anything.
    found: RootState,
}

impl CoreStateStore {
    /// A store over the filesystem cache at `root` described by `settings`.
    ///
    /// ```
    /// use codetags_cli::cache::CoreStateStore;
    /// use codetags_cli::config::ProjectConfig;
    /// use codetags_cli::scan::{ResultSettings, ScanRequest, ScanState, StateKey, StateStore};
    /// let dir = tempfile::tempdir().unwrap();
    /// let store = CoreStateStore::open(dir.path(), &cache_core::CacheSettings::default());
    /// let request = ScanRequest::new(vec![], ProjectConfig::defaults("."));
    /// let settings = ResultSettings::of(&request);
    /// let key = StateKey { format: 1, root: "/src".into(), settings, tool_version: "0".into() };
    /// assert!(store.load(&key).is_none());
    /// store.store(&key, &ScanState { started_ns: 7, files: vec![] });
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
        }
    }

    /// Why the root is not used, when it exists and is not ours: a sentence naming the folder
    /// and the fix.
    pub fn refusal(&self) -> Option<String> {
        let root = crate::render::display_path(self.root());
        match &self.found {
            RootState::Foreign { example } => Some(format!(
                "{root} is not a codetags cache (it holds {}, and no codetags CACHEDIR.TAG): \
                 nothing is read or written there. Empty it, or choose a new folder with \
                 --cache-dir or [tool.pycodetags.cache] dir",
                crate::render::display_path(example)
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
            tracing::warn!(
                "{}: {err}",
                crate::render::display_path(&root.join(LAST_SCAN_FILE))
            );
            return None;
        }
    };
    serde_json::from_slice(&bytes).ok()
}

/// `[tool.pycodetags.cache]` settings for the project `config` came from.
pub fn load_settings(config: &ProjectConfig) -> Result<CacheSettings, UsageError> {
    let settings = match &config.file {
        Some(file) => CacheSettings::load(file),
        None => CacheSettings::discover(&config.base_dir),
    };
    settings.map_err(|e| UsageError(e.to_string()))
}

/// The cache root: `--cache-dir`, else the configured `dir` (`PYCODETAGS_CACHE_DIR`, else the
/// file's), else `.pycodetags_cache` beside the `pyproject.toml`; `None` without any of them.
///
/// # Errors
/// A root equal to or above a folder the cache must never own — the project folder, the
/// working directory, any of `scanned`, `$HOME`, `/` — is a configuration error naming where
/// the root came from: the cache removes files in its root.
pub fn resolve_root(
    global: &GlobalArgs,
    settings: &CacheSettings,
    config: &ProjectConfig,
    scanned: &[PathBuf],
) -> Result<Option<PathBuf>, UsageError> {
    let cwd = std::env::current_dir().ok();
    let mut protected: Vec<&Path> = vec![config.base_dir.as_path()];
    protected.extend(cwd.as_deref());
    let scanned = if scanned.is_empty() {
        &config.src
    } else {
        scanned
    };
    protected.extend(scanned.iter().map(PathBuf::as_path));
    let explicit = global.cache_dir.as_deref().map(|dir| (dir, "--cache-dir"));
    settings
        .checked_root(explicit, &protected)
        .map_err(|e| UsageError(e.to_string()))
}

/// Opens the scan-state store for `codetags scan`, or `None` when caching is off (disabled in
/// the settings, or no root). `clean_old` removes other versions' folders first.
pub fn open_for_scan(
    global: &GlobalArgs,
    config: &ProjectConfig,
    scanned: &[PathBuf],
    clean_old: bool,
) -> anyhow::Result<Option<Arc<CoreStateStore>>> {
    let settings = load_settings(config)?;
    if !settings.enabled {
        tracing::info!("caching disabled by [tool.pycodetags.cache] enabled = false");
        return Ok(None);
    }
    let Some(root) = resolve_root(global, &settings, config, scanned)? else {
        // Scanning a folder outside any Python project is ordinary one-off use; a warning on
        // every such run would teach users to ignore warnings. `-v` says why.
        tracing::info!(
            "caching is off: no pyproject.toml found, and neither --cache-dir nor PYCODETAGS_CACHE_DIR given"
        );
        return Ok(None);
    };
    let store = CoreStateStore::open(&root, &settings);
    if let Some(refusal) = store.refusal() {
        tracing::warn!("caching is off for this run: {refusal}");
        return Ok(None);
    }
    if clean_old && root.exists() {
        let report = cache_evict::clear_old_versions(&store.layout, &evict_options(false, false));
        let quiet_when_empty = report
            .as_ref()
            .is_ok_and(|r| r.files_removed() == 0 && r.folders_removed == 0 && r.kept.is_empty());
        let style = ReportStyle {
            list_paths: global.verbose > 0,
            quiet: global.quiet > 0 || quiet_when_empty,
        };
        report_evict("clean-old-caches", &report, &mut std::io::stderr(), style);
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
    let Some(root) = resolve_root(global, &settings, &config, &[])? else {
        return Err(UsageError(
            "no cache folder: no pyproject.toml found; give --cache-dir or PYCODETAGS_CACHE_DIR"
                .to_owned(),
        )
        .into());
    };
    let layout = Layout::new(root.clone(), settings.layout_options(VERSION));
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let style = ReportStyle {
        list_paths: global.verbose > 0,
        quiet: global.quiet > 0,
    };
    let (what, report) = match command {
        CacheCommand::Dir => {
            writeln!(out, "{}", crate::render::display_path(&root))?;
            return Ok(Exit::Success);
        }
        CacheCommand::Stats => {
            write_stats(&layout, &mut out)?;
            return Ok(Exit::Success);
        }
        CacheCommand::Prune(args) => (
            "prune",
            cache_evict::evict_old_caches(
                &layout,
                settings.ttl(),
                &evict_options(args.dry_run, args.force),
            ),
        ),
        CacheCommand::Clear(args) => (
            "clear",
            cache_evict::evict_all_caches(&layout, &evict_options(args.dry_run, args.force)),
        ),
        CacheCommand::CleanOldVersions(args) => (
            "clean-old-versions",
            cache_evict::clear_old_versions(&layout, &evict_options(args.dry_run, args.force)),
        ),
    };
    Ok(report_evict(what, &report, &mut out, style))
}

/// What an eviction report shows.
#[derive(Debug, Clone, Copy)]
struct ReportStyle {
    /// List each removed (or, in a dry run, removable) path and each foreign path kept.
    list_paths: bool,
    /// Print nothing but errors and warnings.
    quiet: bool,
}

/// Prints an eviction report and says how the command ends: refused (2), some paths could not
/// be removed (1, the user must act: a read-only or foreign-owned cache), or done (0).
fn report_evict(
    what: &str,
    report: &Result<cache_evict::EvictReport, cache_evict::EvictError>,
    out: &mut dyn Write,
    style: ReportStyle,
) -> Exit {
    let report = match report {
        Ok(report) => report,
        Err(cache_evict::EvictError::NotACache { root }) => {
            eprintln!(
                "codetags: error: {what}: {} is not a codetags cache (no valid codetags \
                 CACHEDIR.TAG); nothing was removed. If it is one whose tag was lost, run \
                 again with --force: only codetags' own entries and folders go, anything \
                 else in it is kept.",
                crate::render::display_path(root)
            );
            return Exit::Usage;
        }
    };
    if !style.quiet {
        let _ = writeln!(out, "{what}: {}", summarize(report));
        let dry = report.dry_run;
        if dry {
            for path in &report.would_remove {
                let _ = writeln!(out, "  would remove {}", crate::render::display_path(path));
            }
        } else if style.list_paths {
            for path in &report.removed {
                let _ = writeln!(out, "  removed {}", crate::render::display_path(path));
            }
        }
        if style.list_paths || dry {
            for path in &report.kept {
                let _ = writeln!(
                    out,
                    "  kept {} (not codetags')",
                    crate::render::display_path(path)
                );
            }
        }
    }
    for (path, error) in &report.errors {
        tracing::warn!(
            "{what}: cannot remove {}: {error}",
            crate::render::display_path(path)
        );
    }
    if report.errors.is_empty() {
        Exit::Success
    } else {
        Exit::Diagnostics
    }
}

/// One line: what went (or would go), what was kept, what failed.
fn summarize(report: &cache_evict::EvictReport) -> String {
    let verb = if report.dry_run {
        "would remove"
    } else {
        "removed"
    };
    let mut line = format!(
        "{verb} {} entries ({} bytes), {} folders, {} temp files",
        report.entries_removed,
        report.bytes_removed,
        report.folders_removed,
        report.temp_files_removed,
    );
    if !report.kept.is_empty() {
        line.push_str(&format!(
            "; kept {} path{} that {} not codetags'",
            report.kept.len(),
            if report.kept.len() == 1 { "" } else { "s" },
            if report.kept.len() == 1 { "is" } else { "are" },
        ));
    }
    if !report.errors.is_empty() {
        line.push_str(&format!("; {} could not be removed", report.errors.len()));
    }
    line
}

fn write_stats(layout: &Layout, out: &mut dyn Write) -> anyhow::Result<()> {
    let stats = cache_evict::stats(layout);
    writeln!(
        out,
        "cache root: {}{}",
        crate::render::display_path(layout.root()),
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
        tracing::warn!("{}: {error}", crate::render::display_path(path));
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
