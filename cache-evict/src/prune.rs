//! The evictions: TTL pruning, old versions, everything.

use std::path::Path;

use cache_layout::{CACHEDIR_TAG, GITIGNORE, Layout, PathKind, README};
use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, TimeDelta, Utc};

use crate::walk::{Child, Walker};
use crate::{EvictError, EvictOptions, EvictReport};

/// Temp files of interrupted writes older than this are removed by [`evict_old_caches`] (a live
/// writer renames its temp file within milliseconds).
pub const TEMP_MAX_AGE: TimeDelta = TimeDelta::hours(1);

/// The root files [`evict_all_caches`] keeps.
const KEPT_BY_EVICT_ALL: [&str; 3] = [CACHEDIR_TAG, GITIGNORE, README];

/// Removes what is older than `ttl`, in every version namespace and every layout. Only what is
/// ours goes (see `cache_layout`'s "Ownership"); everything else is kept and listed in
/// [`EvictReport::kept`].
///
/// * Day, month and year folders whose whole span ends at or before `now - ttl` are emptied of
///   our files without a `stat` per file (one `readdir` per folder, one unlink per file) and
///   removed once empty; one holding anything foreign stays, with the foreign things in it.
/// * In the boundary day whose span contains `now - ttl`, and in undated (flat) folders, each
///   entry is removed if its modification time is at or before `now - ttl`.
/// * Folders inside the TTL are only listed (for temp files), never stat'ed file by file; their
///   entries stay whatever their modification time.
/// * Temp files older than [`TEMP_MAX_AGE`] go wherever they are.
/// * Day, month and year folders left empty are removed once their span lies wholly before
///   today (the current ones may be written into at any moment), as are emptied version folders
///   other than the current one. Foreign files and folders, links and special files are left
///   alone.
///
/// A negative `ttl` counts as zero.
///
/// # Errors
/// [`EvictError::NotACache`] when the root lacks a codetags `CACHEDIR.TAG` and `force` is off. A
/// missing root is an empty report; I/O errors on the way are in [`EvictReport::errors`].
///
/// ```
/// use cache_evict::{evict_old_caches, EvictOptions};
/// use cache_layout::{Layout, LayoutOptions};
/// use chrono::{TimeDelta, Utc};
/// let dir = tempfile::tempdir()?;
/// let layout = Layout::new(dir.path(), LayoutOptions::default());
/// std::fs::write(dir.path().join("thesis.tex"), "years of work")?;
/// // An untagged folder is refused unless forced; even forced, only our files would go.
/// assert!(evict_old_caches(&layout, TimeDelta::days(7), &EvictOptions::new(Utc::now())).is_err());
/// let forced = EvictOptions { force: true, ..EvictOptions::new(Utc::now()) };
/// assert_eq!(evict_old_caches(&layout, TimeDelta::days(7), &forced)?.files_removed(), 0);
/// assert!(dir.path().join("thesis.tex").exists());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn evict_old_caches(
    layout: &Layout,
    ttl: TimeDelta,
    opts: &EvictOptions,
) -> Result<EvictReport, EvictError> {
    prune_old(layout, Some(ttl), opts)
}

/// [`evict_old_caches`] with an optional TTL: `None` removes only stale temp files.
pub(crate) fn prune_old(
    layout: &Layout,
    ttl: Option<TimeDelta>,
    opts: &EvictOptions,
) -> Result<EvictReport, EvictError> {
    Ok(match Walker::start(layout, opts)? {
        Some(walker) => prune_with(walker, ttl),
        None => empty_report(opts),
    })
}

fn prune_with(walker: Walker<'_>, ttl: Option<TimeDelta>) -> EvictReport {
    let root = walker.layout.root();
    let mut pruner = Pruner::new(walker, ttl);
    pruner.prune_dir(root);
    pruner.walker.report
}

/// Removes every version namespace but the layout's current one (all of them when the layout has
/// no version namespace): the real first-level folders named as `cache_layout::cache_version`
/// names them, emptied of our files and removed once empty. Anything else in the root — a
/// `userdir/`, links and files with namespace names — and anything foreign inside an old
/// namespace is kept and listed in [`EvictReport::kept`].
///
/// # Errors
/// [`EvictError::NotACache`] as for [`evict_old_caches`].
///
/// ```
/// use cache_evict::{clear_old_versions, EvictOptions};
/// use cache_layout::{Layout, LayoutOptions, CACHEDIR_TAG, CACHEDIR_TAG_CONTENT};
/// let dir = tempfile::tempdir()?;
/// std::fs::write(dir.path().join(CACHEDIR_TAG), CACHEDIR_TAG_CONTENT)?;
/// std::fs::create_dir_all(dir.path().join("0.1.0-f1/2025/01/01"))?;
/// std::fs::create_dir_all(dir.path().join("0.2.0-f1"))?;
/// std::fs::create_dir_all(dir.path().join("userdir"))?;
/// let layout = Layout::new(dir.path(), LayoutOptions { version: Some("0.2.0-f1".into()), ..Default::default() });
/// let report = clear_old_versions(&layout, &EvictOptions::new(chrono::Utc::now()))?;
/// assert_eq!(report.folders_removed, 4);
/// assert!(!dir.path().join("0.1.0-f1").exists() && dir.path().join("0.2.0-f1").exists());
/// assert_eq!(report.kept, [dir.path().join("userdir")]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn clear_old_versions(layout: &Layout, opts: &EvictOptions) -> Result<EvictReport, EvictError> {
    Ok(match Walker::start(layout, opts)? {
        Some(walker) => clear_old_versions_with(walker),
        None => empty_report(opts),
    })
}

fn clear_old_versions_with(mut walker: Walker<'_>) -> EvictReport {
    let layout = walker.layout;
    let Ok(children) = walker.list(layout.root()) else {
        return walker.report;
    };
    for child in children {
        if let Some(PathKind::VersionDir(version)) = walker.ours(&child)
            && layout.version() != Some(version.as_str())
        {
            walker.remove_tree(&child.path);
        }
    }
    walker.report
}

/// Empties the cache of everything of ours: entries, temp files, namespace and date folders,
/// `.last-gc` and `last-scan.json`. It keeps `CACHEDIR.TAG`, `.gitignore` and `README.md`, and
/// everything that is not ours (listed in [`EvictReport::kept`]); links are neither followed nor
/// removed.
///
/// # Errors
/// [`EvictError::NotACache`] as for [`evict_old_caches`].
///
/// ```
/// use cache_evict::{evict_all_caches, EvictOptions};
/// use cache_layout::{Layout, LayoutOptions, CACHEDIR_TAG, CACHEDIR_TAG_CONTENT};
/// let dir = tempfile::tempdir()?;
/// std::fs::write(dir.path().join(CACHEDIR_TAG), CACHEDIR_TAG_CONTENT)?;
/// std::fs::write(dir.path().join(format!("{}.bin", "00".repeat(32))), b"x")?;
/// let layout = Layout::new(dir.path(), LayoutOptions::default());
/// let dry = evict_all_caches(&layout, &EvictOptions::new(chrono::Utc::now()).dry_run())?;
/// assert_eq!((dry.entries_removed, dry.would_remove.len()), (1, 1));
/// let report = evict_all_caches(&layout, &EvictOptions::new(chrono::Utc::now()))?;
/// assert_eq!((report.entries_removed, report.bytes_removed), (1, 1));
/// assert_eq!(std::fs::read_dir(dir.path())?.count(), 1); // CACHEDIR.TAG
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn evict_all_caches(layout: &Layout, opts: &EvictOptions) -> Result<EvictReport, EvictError> {
    Ok(match Walker::start(layout, opts)? {
        Some(walker) => evict_all_with(walker),
        None => empty_report(opts),
    })
}

fn evict_all_with(mut walker: Walker<'_>) -> EvictReport {
    let root = walker.layout.root();
    let Ok(children) = walker.list(root) else {
        return walker.report;
    };
    for child in children {
        let Some(kind) = walker.ours(&child) else {
            continue;
        };
        if kind.is_folder() {
            walker.remove_tree(&child.path);
        } else if !(kind == PathKind::Marker && is_kept_by_evict_all(&child.path)) {
            walker.unlink_measured(&child.path, &kind);
        }
    }
    walker.report
}

fn is_kept_by_evict_all(path: &Path) -> bool {
    path.file_name()
        .and_then(|name| name.to_str())
        .is_some_and(|name| KEPT_BY_EVICT_ALL.contains(&name))
}

/// The PEP's other name for [`evict_all_caches`].
///
/// # Errors
/// As [`evict_all_caches`].
pub fn clear_cache(layout: &Layout, opts: &EvictOptions) -> Result<EvictReport, EvictError> {
    evict_all_caches(layout, opts)
}

fn empty_report(opts: &EvictOptions) -> EvictReport {
    EvictReport {
        dry_run: opts.dry_run,
        ..EvictReport::default()
    }
}

/// Midnight UTC at the start of `date`.
fn start_of(date: NaiveDate) -> DateTime<Utc> {
    date.and_time(NaiveTime::MIN).and_utc()
}

fn first_of_next_month(year: i32, month: u32) -> Option<NaiveDate> {
    if month >= 12 {
        NaiveDate::from_ymd_opt(year.checked_add(1)?, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)
    }
}

/// How a day folder is treated, from where its span lies relative to the cut-off.
#[derive(Clone, Copy, PartialEq, Eq)]
enum DayFate {
    /// Wholly past the TTL: emptied of our files without a `stat` each, then removed.
    Stale,
    /// Contains the cut-off: entries pruned by modification time.
    Boundary,
    /// Wholly inside the TTL: only temp files are looked at.
    Fresh,
}

struct Pruner<'a> {
    walker: Walker<'a>,
    cutoff: Option<DateTime<Utc>>,
    temp_cutoff: DateTime<Utc>,
    today: NaiveDate,
}

impl<'a> Pruner<'a> {
    fn new(walker: Walker<'a>, ttl: Option<TimeDelta>) -> Pruner<'a> {
        let now = walker.opts.now;
        let cutoff = ttl.map(|ttl| {
            now.checked_sub_signed(ttl.max(TimeDelta::zero()))
                .unwrap_or(DateTime::<Utc>::MIN_UTC)
        });
        Pruner {
            walker,
            cutoff,
            temp_cutoff: now
                .checked_sub_signed(TEMP_MAX_AGE)
                .unwrap_or(DateTime::<Utc>::MIN_UTC),
            today: now.date_naive(),
        }
    }

    /// Whether a span ending (exclusive) at the start of `end` lies wholly at or before the cut-off.
    fn ends_before_cutoff(&self, end: Option<NaiveDate>) -> bool {
        match (self.cutoff, end) {
            (Some(cutoff), Some(end)) => start_of(end) <= cutoff,
            _ => false,
        }
    }

    fn day_fate(&self, date: NaiveDate) -> DayFate {
        let Some(cutoff) = self.cutoff else {
            return DayFate::Fresh;
        };
        if self.ends_before_cutoff(date.succ_opt()) {
            DayFate::Stale
        } else if start_of(date) < cutoff {
            DayFate::Boundary
        } else {
            DayFate::Fresh
        }
    }

    /// Prunes the root, a version, a year or a month folder. Returns whether everything in it is
    /// gone (or would be, in a dry run).
    fn prune_dir(&mut self, dir: &Path) -> bool {
        let children = match self.walker.list(dir) {
            Ok(children) => children,
            Err(gone) => return gone,
        };
        let mut all_gone = true;
        for child in children {
            all_gone &= self.prune_child(&child);
        }
        all_gone
    }

    fn prune_child(&mut self, child: &Child) -> bool {
        let layout = self.walker.layout;
        let Some(kind) = self.walker.ours(child) else {
            return false;
        };
        match kind {
            PathKind::TempFile => self.prune_by_mtime(child, &kind, self.temp_cutoff),
            PathKind::Entry(_) => match self.cutoff {
                Some(cutoff) => self.prune_by_mtime(child, &kind, cutoff),
                None => false,
            },
            PathKind::VersionDir(version) => {
                let emptied = self.prune_dir(&child.path);
                emptied
                    && layout.version() != Some(version.as_str())
                    && self.walker.remove_empty_dir(&child.path)
            }
            PathKind::YearDir { year, .. } => {
                let next = year
                    .checked_add(1)
                    .and_then(|y| NaiveDate::from_ymd_opt(y, 1, 1));
                if self.ends_before_cutoff(next) {
                    self.walker.remove_tree(&child.path)
                } else {
                    let emptied = self.prune_dir(&child.path);
                    emptied && year < self.today.year() && self.walker.remove_empty_dir(&child.path)
                }
            }
            PathKind::MonthDir { year, month, .. } => {
                if self.ends_before_cutoff(first_of_next_month(year, month)) {
                    self.walker.remove_tree(&child.path)
                } else {
                    let emptied = self.prune_dir(&child.path);
                    let past = (year, month) < (self.today.year(), self.today.month());
                    emptied && past && self.walker.remove_empty_dir(&child.path)
                }
            }
            PathKind::DayDir { date, .. } => match self.day_fate(date) {
                DayFate::Stale => self.walker.remove_tree(&child.path),
                fate => {
                    let emptied = self.prune_day(&child.path, fate);
                    emptied && date < self.today && self.walker.remove_empty_dir(&child.path)
                }
            },
            PathKind::Marker | PathKind::Foreign => false,
        }
    }

    /// Prunes a boundary or fresh day folder. Returns whether everything in it is gone.
    fn prune_day(&mut self, dir: &Path, fate: DayFate) -> bool {
        let children = match self.walker.list(dir) {
            Ok(children) => children,
            Err(gone) => return gone,
        };
        let mut all_gone = true;
        for child in children {
            let gone = match self.walker.ours(&child) {
                Some(kind @ PathKind::TempFile) => {
                    self.prune_by_mtime(&child, &kind, self.temp_cutoff)
                }
                Some(kind @ PathKind::Entry(_)) => match (fate, self.cutoff) {
                    (DayFate::Boundary, Some(cutoff)) => self.prune_by_mtime(&child, &kind, cutoff),
                    _ => false,
                },
                _ => false,
            };
            all_gone &= gone;
        }
        all_gone
    }

    /// Removes one of our files, of `kind`, if modified at or before `cutoff`. Returns whether it
    /// is gone.
    fn prune_by_mtime(&mut self, child: &Child, kind: &PathKind, cutoff: DateTime<Utc>) -> bool {
        let meta = match self.walker.metadata(&child.path) {
            Ok(meta) => meta,
            Err(gone) => return gone,
        };
        let modified = match meta.modified() {
            Ok(modified) => DateTime::<Utc>::from(modified),
            Err(e) => return self.walker.note(&child.path, &e),
        };
        modified <= cutoff && self.walker.unlink(&child.path, kind, Some(meta.len()))
    }
}

#[cfg(test)]
mod tests;
