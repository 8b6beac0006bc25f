//! The scan: walk each root in parallel, validate every file against the scan-state cache by its
//! stat data, read and parse only what changed, and return every file's tags sorted by path and
//! position, whatever the thread timing.
//!
//! [`scan`]`(&`[`ScanRequest`]`) -> `[`ScanOutcome`] is the entry point. It sits on
//! [`crate::state`] (keys, records, the store a request carries), [`crate::extract`] (the
//! per-file parse) and [`crate::walk`]; the pieces are submodules: `roots` (which roots, shown
//! how), `read` (the reused, non-blocking read buffer), `visit` (the per-file decision and the
//! new state), `request` ([`ScanRequest`] and
//! [`ResultSettings::of`](crate::state::ResultSettings::of)) and `outcome`.
//!
//! # When a record is trusted
//! A record is trusted only when size, mtime and mode all match **and** the file's mtime is
//! older than the start of the scan that wrote the record by more than
//! [`RACY_GRANULARITY_NS`](crate::state::RACY_GRANULARITY_NS): a file changed in the same timestamp tick as that scan (git's
//! "racily clean" problem) is re-read. A file whose stat changed is read and hashed; it is
//! re-parsed only when the hash differs from the record's, or when the record has none.
//!
//! # When files are hashed
//! Parsing a file costs about what hashing it costs, so a scan hashes only where a hash pays:
//! a file with tags (their `source_bytes_digest` is the hash anyway), and a file read again
//! because its stat data changed (to compare with the record, or to store for next time). A
//! file seen for the first time without tags gets no hash: if its stat data changes later, it
//! is simply re-parsed once and its hash stored then.

mod outcome;
mod read;
mod request;
mod roots;
mod visit;

pub use outcome::{ReadProblem, ScanError, ScanOutcome, ScannedFile};
pub use request::ScanRequest;

// The store interface a request carries (`ScanRequest::cache`), re-exported so that a caller
// supplying or inspecting a store needs only this module.
#[doc(no_inline)]
pub use crate::state::{ScanState, StateKey, StateStore};

use crate::state::{FileRecord, ResultSettings, STATE_FORMAT, system_time_ns};
use crate::version::VERSION;
use crate::walk::WalkOptions;
use roots::join_display;
use std::time::{Instant, SystemTime};
/// Scans the request's paths. Bad files never abort the scan: they become diagnostics.
///
/// ```
/// use codetags_cli::{config::ProjectConfig, scan::{scan, ScanRequest}};
/// let dir = tempfile::tempdir().unwrap();
/// std::fs::write(dir.path().join("b.py"), "# FIXME: two <p:1>\n").unwrap();
/// std::fs::write(dir.path().join("a.py"), "# TODO: one <p:2>\n").unwrap();
/// let outcome = scan(&ScanRequest::new(vec![dir.path().into()], ProjectConfig::defaults(dir.path()))).unwrap();
/// let names: Vec<_> = outcome.files.iter().map(|f| f.path.file_name().unwrap().to_owned()).collect();
/// assert_eq!(names, ["a.py", "b.py"]);
/// ```
pub fn scan(request: &ScanRequest) -> Result<ScanOutcome, ScanError> {
    let started = Instant::now();
    let started_ns = system_time_ns(SystemTime::now());
    let roots = roots::resolve_roots(request)?;
    let settings = ResultSettings::of(request);
    let options = WalkOptions {
        threads: request.threads,
        follow_symlinks: request.follow_symlinks,
        skip_dir: request
            .skip_dir
            .as_ref()
            .and_then(|d| std::path::absolute(d).ok()),
    };
    let mut outcome = ScanOutcome::default();
    for root in &roots {
        let key = StateKey {
            format: STATE_FORMAT,
            root: root.canonical.to_string_lossy().into_owned(),
            settings: settings.clone(),
            tool_version: VERSION.to_owned(),
        };
        let old = request.cache.as_ref().and_then(|c| c.load(&key));
        if old.is_some() {
            outcome.stats.states_loaded += 1;
        }
        let (state, changed) =
            visit::scan_root(request, root, &options, old, started_ns, &mut outcome);
        log_phase(started, "walked and parsed");
        if changed && let Some(cache) = &request.cache {
            cache.store(&key, &state);
            outcome.stats.states_written += 1;
            log_phase(started, "state stored");
        }
        for record in state.files.into_iter().filter(FileRecord::has_findings) {
            let path = join_display(&root.display, &record.rel);
            outcome.files.push(visit::finish_file(path, record));
        }
    }
    log_phase(started, "outcome built");
    outcome.files.sort_by(|a, b| a.path.cmp(&b.path));
    outcome.problems.sort_by(|a, b| a.path.cmp(&b.path));
    outcome.elapsed = started.elapsed();
    log_phase(started, "outcome sorted");
    Ok(outcome)
}

/// Logs, at debug level (`-vv`), that a phase of a scan ended and how long since `started`.
fn log_phase(started: Instant, phase: &str) {
    tracing::debug!(
        elapsed_ms = started.elapsed().as_secs_f64() * 1e3,
        "{phase}"
    );
}
