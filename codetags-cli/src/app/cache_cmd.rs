//! `codetags cache stats|prune|clear|clean-old-versions|dir` over cache-evict, and opening the
//! scan-state store for `codetags scan` (the cache root from `--cache-dir` or the settings,
//! refused where it would own the project, `--clean-old-caches`).

use super::cli::{CacheCommand, GlobalArgs};
use super::exit::{Exit, UsageError};
use super::project::load_config;
use cache_core::CacheSettings;
use cache_layout::Layout;
use chrono::Utc;
use codetags_cli::config::ProjectConfig;
use codetags_cli::display::display_path;
use codetags_cli::state::{CoreStateStore, read_last_scan};
use codetags_cli::version::VERSION;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

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
        let report = cache_evict::clear_old_versions(store.layout(), &evict_options(false, false));
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
    let config = load_config(global, None)?;
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
            writeln!(out, "{}", display_path(&root))?;
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
                display_path(root)
            );
            return Exit::Usage;
        }
    };
    if !style.quiet {
        let _ = writeln!(out, "{what}: {}", summarize(report));
        let dry = report.dry_run;
        if dry {
            for path in &report.would_remove {
                let _ = writeln!(out, "  would remove {}", display_path(path));
            }
        } else if style.list_paths {
            for path in &report.removed {
                let _ = writeln!(out, "  removed {}", display_path(path));
            }
        }
        if style.list_paths || dry {
            for path in &report.kept {
                let _ = writeln!(out, "  kept {} (not codetags')", display_path(path));
            }
        }
    }
    for (path, error) in &report.errors {
        tracing::warn!("{what}: cannot remove {}: {error}", display_path(path));
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
        display_path(layout.root()),
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
        tracing::warn!("{}: {error}", display_path(path));
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
            if let Some(r) = last.remote {
                writeln!(
                    out,
                    "last scan, remote cache: {} hits, {} misses, {} refused, {} errors, {} skipped{}",
                    r.hits,
                    r.misses,
                    r.rejected,
                    r.errors,
                    r.skipped,
                    if r.tripped {
                        " (unavailable: skipped for the rest of that run)"
                    } else {
                        ""
                    }
                )?;
            }
        }
        None => writeln!(out, "last scan: none recorded")?,
    }
    Ok(())
}
