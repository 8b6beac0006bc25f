//! The per-file visit, on the walker threads: trust a record on its stat data (the racy
//! timestamp rule), else read, hash where it pays, parse only what changed; then the new state
//! of the root from the visits, in path order.

use super::outcome::{ReadProblem, ScanOutcome, ScannedFile};
use super::read::ReadBuffer;
use super::request::ScanRequest;
use super::roots::{Root, display_of, strip_curdir};
use crate::display::json_file_path;
use crate::extract;
use crate::state::{FileRecord, FileStat, RACY_GRANULARITY_NS, ScanState};
use crate::walk::{self, WalkOptions, WalkedFile};
use cache_core::fsread::ReadError;
use std::path::PathBuf;
use std::sync::atomic::Ordering;

/// Sets `file_path` on every tag and sorts tags and diagnostics by position.
pub(super) fn finish_file(path: PathBuf, record: FileRecord) -> ScannedFile {
    let FileRecord {
        mut tags,
        mut diagnostics,
        ..
    } = record;
    // Not `to_string_lossy`: two names differing only in undecodable bytes would be one.
    let shown = json_file_path(&path);
    for tag in &mut tags {
        extract::set_file_path(tag, &shown);
    }
    tags.sort_by_key(extract::tag_position);
    diagnostics.sort_by_key(|d| (d.line, d.column));
    ScannedFile {
        path,
        tags,
        diagnostics,
    }
}

/// What the per-file visitor decided.
enum Visit {
    /// The old record at this index is valid on its stat data: the file was not read.
    Keep(usize),
    /// The file was read and its content hash matches the old record at this index.
    Revalidated(usize, FileStat),
    /// A new record, replacing the old record at this index if there is one (the file was
    /// edited).
    Fresh(Option<usize>, FileRecord),
    /// Unreadable; its old record, if any, is at this index (dropped, but not because the
    /// file is gone).
    Problem(Option<usize>, ReadProblem),
    /// A file whose name is not UTF-8: scanned, never cached.
    Uncached(PathBuf, FileRecord),
}

/// Scans one root against its old state; the new state, and whether it differs from the old.
pub(super) fn scan_root(
    request: &ScanRequest,
    root: &Root,
    options: &WalkOptions,
    old: Option<ScanState>,
    started_ns: i64,
    outcome: &mut ScanOutcome,
) -> (ScanState, bool) {
    let old = old.unwrap_or_default();
    let config = &request.config;
    let trusted_before = old.started_ns.saturating_sub(RACY_GRANULARITY_NS);
    let visit = |buffer: &mut ReadBuffer, file: WalkedFile<'_>| -> Option<(String, Visit)> {
        if let Some(progress) = &request.progress {
            progress.fetch_add(1, Ordering::Relaxed);
        }
        let previous = if file.rel_exact {
            old.files
                .binary_search_by(|r| r.rel.as_str().cmp(&file.rel))
                .ok()
        } else {
            None
        };
        let problem = |file: &WalkedFile<'_>, message: String| {
            let path = display_of(root, file.path);
            Some((
                file.rel.clone(),
                Visit::Problem(previous, ReadProblem { path, message }),
            ))
        };
        // What the walk saw as a regular file may have been replaced since by a FIFO or a
        // device (the open never blocks on one): skipped as the walk would have skipped it,
        // unless it was named on the command line.
        let read_problem = |file: &WalkedFile<'_>, err: ReadError| match err {
            ReadError::NotRegular { .. } if !file.rel.is_empty() => None,
            ReadError::NotRegular { .. } => problem(file, err.to_string()),
            err => problem(file, format!("cannot read: {err}")),
        };
        // A link is followed only where the user asked for it: with `-L`, or when the link
        // itself was named on the command line (its `rel` is empty).
        let follow = request.follow_symlinks || file.rel.is_empty();
        let (stat, bytes) = match previous {
            // A known file: its stat data alone may settle it, without opening it.
            Some(i) => {
                let metadata = match file.metadata() {
                    Ok(metadata) if metadata.is_file() => metadata,
                    Ok(_) => return None,
                    Err(err) => return problem(&file, err.to_string()),
                };
                let stat = FileStat::of(&metadata);
                if old.files[i].stat == stat && stat.mtime_ns < trusted_before {
                    return Some((file.rel, Visit::Keep(i)));
                }
                match buffer.open_and_read(file.path, follow) {
                    Ok(read) => read,
                    Err(err) => return read_problem(&file, err),
                }
            }
            // A new file: open it and stat the open file (no second path lookup).
            None => match buffer.open_and_read(file.path, follow) {
                Ok(read) => read,
                Err(err) => return read_problem(&file, err),
            },
        };
        let known = match previous {
            Some(i) => {
                let content = extract::content_hash(bytes);
                if old.files[i].content == Some(content) {
                    return Some((file.rel, Visit::Revalidated(i, stat)));
                }
                Some(content)
            }
            None => None,
        };
        let match_rel = walk::join_posix(&root.match_prefix, &file.rel);
        let extracted = extract::extract_file(
            bytes,
            known.as_ref(),
            *config.schema_for(&match_rel),
            request.tokenize,
        );
        let record = FileRecord {
            rel: file.rel.clone(),
            stat,
            content: extracted.bytes_sha256,
            tags: extracted.tags,
            diagnostics: extracted.diagnostics,
        };
        if file.rel_exact {
            Some((file.rel, Visit::Fresh(previous, record)))
        } else {
            let display = display_of(root, file.path);
            Some((file.rel, Visit::Uncached(display, record)))
        }
    };
    let (mut visits, walk_errors) =
        walk::walk(&root.given, &root.match_prefix, config, options, visit);
    visits.sort_by(|a, b| a.0.cmp(&b.0));

    let stats = &mut outcome.stats;
    stats.unreadable += walk_errors.len();
    for err in walk_errors {
        outcome.problems.push(ReadProblem {
            path: err
                .path
                .map(|p| strip_curdir(&p))
                .unwrap_or_else(|| root.display.clone()),
            message: err.message,
        });
    }
    let mut old_files: Vec<Option<FileRecord>> = old.files.into_iter().map(Some).collect();
    let old_len = old_files.len();
    let mut files = Vec::with_capacity(visits.len());
    let mut changed = false;
    // Old records carried into the new state, and old records whose file the walk met again
    // (carried, re-parsed or unreadable): the others' files are gone.
    let mut kept = 0usize;
    let mut met = 0usize;
    for (_, visit) in visits {
        match visit {
            Visit::Keep(i) => {
                if let Some(record) = old_files.get_mut(i).and_then(Option::take) {
                    stats.files += 1;
                    stats.hits += 1;
                    kept += 1;
                    met += 1;
                    files.push(record);
                }
            }
            Visit::Revalidated(i, stat) => {
                if let Some(mut record) = old_files.get_mut(i).and_then(Option::take) {
                    stats.files += 1;
                    stats.misses += 1;
                    stats.revalidated += 1;
                    kept += 1;
                    met += 1;
                    // Rewritten when the stat data moved, or when only the scan time did but
                    // that makes a racily-clean record trusted from now on (a file dated in
                    // the future stays untrusted and is not rewritten on every scan).
                    let now_trusted =
                        stat.mtime_ns < started_ns.saturating_sub(RACY_GRANULARITY_NS);
                    changed |= record.stat != stat || now_trusted;
                    record.stat = stat;
                    files.push(record);
                }
            }
            Visit::Fresh(previous, record) => {
                met += usize::from(drop_old(&mut old_files, previous));
                stats.files += 1;
                stats.misses += 1;
                stats.parsed += 1;
                changed = true;
                files.push(record);
            }
            Visit::Uncached(path, record) => {
                stats.files += 1;
                stats.misses += 1;
                stats.parsed += 1;
                if record.has_findings() {
                    outcome.files.push(finish_file(path, record));
                }
            }
            Visit::Problem(previous, problem) => {
                met += usize::from(drop_old(&mut old_files, previous));
                stats.unreadable += 1;
                outcome.problems.push(problem);
            }
        }
    }
    stats.removed += old_len - met;
    // Any old record not carried over (gone, edited, unreadable) changes the state.
    changed |= kept < old_len;
    let state = ScanState { started_ns, files };
    (state, changed)
}

/// Drops the old record at `index`, if any; whether there was one.
fn drop_old(old_files: &mut [Option<FileRecord>], index: Option<usize>) -> bool {
    index
        .and_then(|i| old_files.get_mut(i))
        .and_then(Option::take)
        .is_some()
}
