//! The automatic, at most once-a-day cleanup.

use std::fs;
use std::path::Path;

use cache_core::RootState;
use cache_core::fsread::{self, describe_file_type};
use cache_layout::Layout;
use chrono::{DateTime, TimeDelta, Utc};

use crate::prune::{clear_old_versions, prune_old};
use crate::{EvictOptions, EvictReport};

/// The longest `.last-gc` read; ours is one RFC 3339 line.
const MAX_MARKER_LEN: u64 = 4096;

/// When the last automatic cleanup of this cache ran, from its [`cache_layout::GC_MARKER`] file
/// (an RFC 3339 time stamp on the first line); `None` when missing or unreadable — also when
/// something other than a regular file is there (a FIFO never blocks this read: see
/// [`cache_core::fsread`]).
pub fn read_gc_marker(layout: &Layout) -> Option<DateTime<Utc>> {
    let bytes = fsread::read_regular(&layout.gc_marker_path(), MAX_MARKER_LEN).ok()??;
    let text = std::str::from_utf8(&bytes).ok()?;
    let line = text.lines().next()?.trim();
    DateTime::parse_from_rfc3339(line)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// Whether an automatic cleanup is due: the marker is missing or unreadable, or names another
/// UTC day than `now` (a marker from the future — a clock set back — counts as due too).
pub fn gc_due(layout: &Layout, now: DateTime<Utc>) -> bool {
    read_gc_marker(layout).is_none_or(|last| last.date_naive() != now.date_naive())
}

/// The once-a-day cleanup a program runs at start-up. Returns `None` when nothing was due (the
/// cheap path: one small file read) or the root is not a codetags cache (automatic runs never
/// force; a cache whose tag is merely truncated is repaired and cleaned, see
/// [`cache_core::RootState::RepairableTag`]); otherwise the report of what it did.
///
/// It first records `now` in the [`cache_layout::GC_MARKER`] file (so concurrent starts rarely
/// both run), then runs [`crate::evict_old_caches`] with `ttl_days` (0 = entries never expire by
/// age; stale temp files still go) and, with `clean_old_versions`, [`clear_old_versions`]. When
/// the marker cannot be written (a read-only cache) it removes nothing and reports why. When
/// something other than a regular file sits at the marker's path (a FIFO, a folder, a link) it is
/// not ours to replace: the cleanup is skipped, reported the same way — running it without a
/// marker would repeat a full walk at every start.
///
/// ```
/// use cache_evict::auto_cleanup;
/// use cache_layout::{Layout, LayoutOptions, CACHEDIR_TAG, CACHEDIR_TAG_CONTENT};
/// use chrono::{TimeDelta, TimeZone, Utc};
/// let dir = tempfile::tempdir()?;
/// std::fs::write(dir.path().join(CACHEDIR_TAG), CACHEDIR_TAG_CONTENT)?;
/// let layout = Layout::new(dir.path(), LayoutOptions::default());
/// let now = Utc.with_ymd_and_hms(2025, 7, 1, 9, 0, 0).unwrap();
/// assert!(auto_cleanup(&layout, 7, true, now).is_some());
/// assert!(auto_cleanup(&layout, 7, true, now + TimeDelta::hours(10)).is_none()); // same day
/// assert!(auto_cleanup(&layout, 7, true, now + TimeDelta::days(1)).is_some());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn auto_cleanup(
    layout: &Layout,
    ttl_days: u32,
    clean_old_versions: bool,
    now: DateTime<Utc>,
) -> Option<EvictReport> {
    if !gc_due(layout, now) {
        return None;
    }
    match cache_core::inspect_root(layout.root()) {
        Ok(RootState::Ours | RootState::RepairableTag) => {}
        state => {
            tracing::debug!(root = %layout.root().display(), ?state, "no codetags cache here: automatic cleanup skipped");
            return None;
        }
    }
    let mut report = EvictReport::default();
    let marker = layout.gc_marker_path();
    if let Some(obstruction) = marker_obstruction(&marker) {
        tracing::debug!(path = %marker.display(), %obstruction, "the cleanup marker's place is taken: automatic cleanup skipped");
        report
            .errors
            .push((marker, format!("{obstruction}: automatic cleanup skipped")));
        return Some(report);
    }
    if let Err(e) = write_marker(&marker, now) {
        tracing::debug!(path = %marker.display(), error = %e, "cannot record the cleanup: skipped");
        report.errors.push((marker, e.to_string()));
        return Some(report);
    }
    let opts = EvictOptions::new(now);
    let ttl = (ttl_days > 0).then(|| TimeDelta::days(i64::from(ttl_days)));
    let runs = [
        Some(prune_old(layout, ttl, &opts)),
        clean_old_versions.then(|| clear_old_versions(layout, &opts)),
    ];
    for run in runs.into_iter().flatten() {
        match run {
            Ok(part) => report.merge(part),
            Err(e) => report
                .errors
                .push((layout.root().to_owned(), e.to_string())),
        }
    }
    Some(report)
}

/// What occupies the marker's path when it is neither missing nor a regular file (ours to
/// replace), e.g. "not a regular file (FIFO)".
fn marker_obstruction(marker: &Path) -> Option<String> {
    match fs::symlink_metadata(marker) {
        Ok(meta) if meta.is_file() => None,
        Ok(meta) => Some(format!(
            "not a regular file ({})",
            describe_file_type(&meta)
        )),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => Some(e.to_string()),
    }
}

/// Writes the marker atomically (temp file + rename), so a concurrent reader never sees half.
fn write_marker(marker: &Path, now: DateTime<Utc>) -> std::io::Result<()> {
    cache_core::fswrite::write_atomic(marker, cache_core::fswrite::AtomicWrite::CACHE, |out| {
        writeln!(out, "{}", now.to_rfc3339())
    })
}
