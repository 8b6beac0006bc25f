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

mod lazy;
mod outcome;
mod read;
mod request;
mod roots;
mod visit;

pub use lazy::{LazyFile, LazyOutcome};
pub use outcome::{ReadProblem, ScanError, ScanOutcome, ScannedFile};
pub use request::ScanRequest;

// The store interface a request carries (`ScanRequest::cache`), re-exported so that a caller
// supplying or inspecting a store needs only this module.
#[doc(no_inline)]
pub use crate::state::{ScanState, StateKey, StateStore};

use crate::state::{ResultSettings, STATE_FORMAT, system_time_ns};
use crate::version::VERSION;
use crate::walk::WalkOptions;
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
    Ok(scan_lazy(request)?.into_outcome())
}

/// [`scan`], with the result left in the compact form of the scan states: its files are
/// decoded one at a time, in path order, when [`LazyOutcome::files`] are rendered. What the
/// text and JSON reports stream from.
///
/// ```
/// use codetags_cli::{config::ProjectConfig, scan::{scan_lazy, ScanRequest}};
/// let dir = tempfile::tempdir().unwrap();
/// std::fs::write(dir.path().join("a.py"), "# TODO: one <p:2>\n# FIXME: two <p:1>\n").unwrap();
/// let request = ScanRequest::new(vec![dir.path().into()], ProjectConfig::defaults(dir.path()));
/// let outcome = scan_lazy(&request).unwrap();
/// let files = outcome.files();
/// let mut names = Vec::new();
/// files[0].for_each_tag(|tag| { names.push(tag.code_tag.clone()); Ok::<_, ()>(()) }).unwrap();
/// assert_eq!(names, ["TODO", "FIXME"]);
/// ```
pub fn scan_lazy(request: &ScanRequest) -> Result<LazyOutcome, ScanError> {
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
    let mut collected = ScanOutcome::default();
    let mut lazy = LazyOutcome::default();
    for root in &roots {
        let key = StateKey {
            format: STATE_FORMAT,
            root: root.canonical.to_string_lossy().into_owned(),
            settings: settings.clone(),
            tool_version: VERSION.to_owned(),
        };
        let old = request.cache.as_ref().and_then(|c| c.load(&key));
        if old.is_some() {
            collected.stats.states_loaded += 1;
        }
        log_phase(started, "state loaded");
        let (state, changed) =
            visit::scan_root(request, root, &options, old, started_ns, &mut collected);
        log_phase(started, "walked and parsed");
        if changed && let Some(cache) = &request.cache {
            cache.store(&key, &state);
            collected.stats.states_written += 1;
            log_phase(started, "state stored");
        }
        lazy.roots.push(lazy::LazyRoot {
            display: root.display.clone(),
            table: state.files,
        });
    }
    collected.problems.sort_by(|a, b| a.path.cmp(&b.path));
    lazy.extra = collected.files;
    lazy.problems = collected.problems;
    lazy.stats = collected.stats;
    lazy.elapsed = started.elapsed();
    log_phase(started, "scan done");
    Ok(lazy)
}

/// Logs, at debug level (`-vv`), that a phase of a scan ended and how long since `started`.
fn log_phase(started: Instant, phase: &str) {
    tracing::debug!(
        elapsed_ms = started.elapsed().as_secs_f64() * 1e3,
        "{phase}"
    );
}
