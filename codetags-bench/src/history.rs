//! The results file (`benchmark_results.json`): its schema, loading it safely, appending a run
//! atomically, and putting a corrupt file aside instead of overwriting it.
//!
//! # Schema (version 1)
//!
//! ```json
//! {
//!   "schema_version": 1,
//!   "runs": [
//!     {
//!       "timestamp": "2026-11-26T09:12:03Z",
//!       "git_revision": "b4e88b1…" ,
//!       "machine": { "hostname": "ci-7", "cpus": 2, "os": "linux", "arch": "x86_64",
//!                    "cpu_model": "AMD EPYC 7B13" },
//!       "tool_version": "0.1.0",
//!       "mode": "full",
//!       "results": [
//!         { "name": "comment_finder", "unit": "ms", "median": 4.1, "mean": 4.2, "min": 4.0,
//!           "max": 4.9, "samples": [4.1, 4.0, 4.9], "iterations_per_sample": 3,
//!           "bytes": 9437184 }
//!       ],
//!       "skipped": [ { "name": "inspect_repo/cold", "reason": "python3 not found" } ]
//!     }
//!   ]
//! }
//! ```
//!
//! `git_revision` and `cpu_model` are `null` when unknown; `bytes` is `null` for benchmarks
//! without a byte throughput. Every figure of a result is in its `unit` and is the time of **one**
//! iteration; `samples` lists every sample (each the mean of `iterations_per_sample` iterations).
//! Unknown fields are ignored when reading; a file with a higher `schema_version` is refused (we
//! would drop what we do not understand when rewriting it).

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::stats::Summary;

/// The schema version this crate reads and writes.
pub const SCHEMA_VERSION: u32 = 1;

/// The default results file name, looked up in the current directory.
pub const DEFAULT_RESULTS_FILE: &str = "benchmark_results.json";

/// Errors of reading or writing the results file.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    /// The file could not be read or written.
    #[error("{action} {path}: {source}")]
    Io {
        /// What we were doing ("cannot read", "cannot write", …).
        action: &'static str,
        /// The file concerned.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// The file was written by a newer harness; rewriting it would lose data.
    #[error(
        "{path} has schema_version {found}, this harness understands up to {SCHEMA_VERSION}; \
         refusing to rewrite it (use a newer codetags-bench or --results OTHER_FILE)"
    )]
    NewerSchema {
        /// The file concerned.
        path: PathBuf,
        /// The version found in it.
        found: u32,
    },
    /// The history could not be serialised (should not happen with finite figures).
    #[error("cannot encode the results as JSON: {0}")]
    Encode(#[from] serde_json::Error),
}

/// The unit of every figure of one result. All units are times per iteration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Unit {
    /// Nanoseconds.
    #[serde(rename = "ns")]
    Nanoseconds,
    /// Microseconds.
    #[serde(rename = "us")]
    Microseconds,
    /// Milliseconds.
    #[serde(rename = "ms")]
    Milliseconds,
    /// Seconds.
    #[serde(rename = "s")]
    Seconds,
}

impl Unit {
    /// How many of this unit make one second.
    pub fn per_second(self) -> f64 {
        match self {
            Unit::Nanoseconds => 1e9,
            Unit::Microseconds => 1e6,
            Unit::Milliseconds => 1e3,
            Unit::Seconds => 1.0,
        }
    }

    /// Convert `value` from this unit into `to`.
    ///
    /// ```
    /// use codetags_bench::history::Unit;
    /// assert_eq!(Unit::Milliseconds.convert(1.5, Unit::Microseconds), 1500.0);
    /// ```
    pub fn convert(self, value: f64, to: Unit) -> f64 {
        value / self.per_second() * to.per_second()
    }

    /// The short label used in the JSON file and the table.
    pub fn label(self) -> &'static str {
        match self {
            Unit::Nanoseconds => "ns",
            Unit::Microseconds => "us",
            Unit::Milliseconds => "ms",
            Unit::Seconds => "s",
        }
    }
}

/// The machine a run was measured on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Machine {
    /// Host name, or "unknown".
    pub hostname: String,
    /// Logical CPUs available to the process.
    pub cpus: usize,
    /// `std::env::consts::OS`.
    pub os: String,
    /// `std::env::consts::ARCH`.
    pub arch: String,
    /// The CPU model name where the OS tells it.
    #[serde(default)]
    pub cpu_model: Option<String>,
}

/// Whether a run used the short `--quick` settings (fewer samples, shorter warm-up).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// The default sample counts.
    Full,
    /// `--quick`: a smoke test; its figures are noisier.
    Quick,
}

/// One benchmark's figures in one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchResult {
    /// The benchmark's name in the suite, e.g. `collect_stdlib/warm`.
    pub name: String,
    /// The unit of every figure below.
    pub unit: Unit,
    /// Median of the samples.
    pub median: f64,
    /// Mean of the samples.
    pub mean: f64,
    /// Fastest sample.
    pub min: f64,
    /// Slowest sample.
    pub max: f64,
    /// Every sample: the mean time of one iteration within that sample.
    pub samples: Vec<f64>,
    /// Iterations timed per sample.
    #[serde(default = "one")]
    pub iterations_per_sample: u64,
    /// Bytes processed per iteration, for a throughput figure.
    #[serde(default)]
    pub bytes: Option<u64>,
}

fn one() -> u64 {
    1
}

impl BenchResult {
    /// Build a result from raw samples; `None` when there is no finite sample.
    pub fn from_samples(
        name: impl Into<String>,
        unit: Unit,
        samples: Vec<f64>,
        iterations_per_sample: u64,
        bytes: Option<u64>,
    ) -> Option<BenchResult> {
        let s = Summary::of(&samples)?;
        Some(BenchResult {
            name: name.into(),
            unit,
            median: s.median,
            mean: s.mean,
            min: s.min,
            max: s.max,
            samples,
            iterations_per_sample,
            bytes,
        })
    }

    /// The relative robust spread of the samples (see [`Summary::relative_spread`]); 0 when the
    /// result lists no samples.
    pub fn relative_spread(&self) -> f64 {
        Summary::of(&self.samples).map_or(0.0, |s| s.relative_spread())
    }

    /// Median throughput in bytes per second, for benchmarks with a byte count.
    pub fn bytes_per_second(&self) -> Option<f64> {
        let bytes = self.bytes? as f64;
        let seconds = self.unit.convert(self.median, Unit::Seconds);
        (seconds > 0.0).then(|| bytes / seconds)
    }
}

/// A benchmark that did not run, and why (missing python3, missing stdlib, …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    /// The benchmark's name.
    pub name: String,
    /// Why it was skipped.
    pub reason: String,
}

/// One invocation of the harness.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Run {
    /// UTC time the run started, RFC 3339.
    pub timestamp: String,
    /// `git rev-parse HEAD` where available.
    pub git_revision: Option<String>,
    /// Where it ran.
    pub machine: Machine,
    /// The codetags version measured.
    pub tool_version: String,
    /// Full or quick settings.
    #[serde(default = "full")]
    pub mode: Mode,
    /// The figures.
    pub results: Vec<BenchResult>,
    /// Benchmarks that could not run.
    #[serde(default)]
    pub skipped: Vec<Skipped>,
}

fn full() -> Mode {
    Mode::Full
}

/// The whole results file: every run so far, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct History {
    /// [`SCHEMA_VERSION`] when written by this crate.
    pub schema_version: u32,
    /// Every run, oldest first.
    pub runs: Vec<Run>,
}

impl Default for History {
    fn default() -> Self {
        History {
            schema_version: SCHEMA_VERSION,
            runs: Vec::new(),
        }
    }
}

impl History {
    /// The most recent `window` results of benchmark `name` (oldest first), in whatever unit
    /// each was stored.
    pub fn recent_results(&self, name: &str, window: usize) -> Vec<&BenchResult> {
        let mut found: Vec<&BenchResult> = self
            .runs
            .iter()
            .rev()
            .filter_map(|run| run.results.iter().find(|r| r.name == name))
            .take(window)
            .collect();
        found.reverse();
        found
    }
}

/// What [`load`] found at the results path.
#[derive(Debug)]
pub enum Loaded {
    /// No file yet: the history starts empty.
    Missing,
    /// A valid history.
    Found(History),
    /// The file exists but is not a history we can read. It must not be overwritten: see
    /// [`quarantine`].
    Corrupt {
        /// Why it could not be read.
        reason: String,
    },
}

/// Read the results file at `path`.
///
/// A missing file is [`Loaded::Missing`]; unparsable JSON or a wrong shape is
/// [`Loaded::Corrupt`]; a file from a newer schema is an error; so is an I/O failure other than
/// "not found".
///
/// ```
/// use codetags_bench::history::{load, Loaded};
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("benchmark_results.json");
/// assert!(matches!(load(&path).unwrap(), Loaded::Missing));
/// std::fs::write(&path, "{ not json").unwrap();
/// assert!(matches!(load(&path).unwrap(), Loaded::Corrupt { .. }));
/// ```
pub fn load(path: &Path) -> Result<Loaded, HistoryError> {
    let text = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Loaded::Missing),
        Err(source) => {
            return Err(HistoryError::Io {
                action: "cannot read",
                path: path.to_owned(),
                source,
            });
        }
    };
    // Look at the version first, so a newer file with a different shape is refused rather than
    // called corrupt.
    #[derive(Deserialize)]
    struct VersionOnly {
        schema_version: u32,
    }
    if let Ok(v) = serde_json::from_slice::<VersionOnly>(&text)
        && v.schema_version > SCHEMA_VERSION
    {
        return Err(HistoryError::NewerSchema {
            path: path.to_owned(),
            found: v.schema_version,
        });
    }
    match serde_json::from_slice::<History>(&text) {
        Ok(history) => Ok(Loaded::Found(history)),
        Err(e) => Ok(Loaded::Corrupt {
            reason: e.to_string(),
        }),
    }
}

/// Move a corrupt results file aside to `<name>.corrupt-<stamp>` (never replacing an existing
/// file) and return the new path, so the next [`save`] starts a fresh history without
/// destroying the old one.
pub fn quarantine(path: &Path, stamp: &str) -> Result<PathBuf, HistoryError> {
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| DEFAULT_RESULTS_FILE.to_owned());
    let io_err = |source| HistoryError::Io {
        action: "cannot move aside",
        path: path.to_owned(),
        source,
    };
    for attempt in 0..MAX_QUARANTINE_ATTEMPTS {
        let suffix = if attempt == 0 {
            String::new()
        } else {
            format!("-{attempt}")
        };
        let target = path.with_file_name(format!("{file_name}.corrupt-{stamp}{suffix}"));
        // A hard link fails if the target exists, so an older quarantined file is never replaced;
        // only then is the original name released.
        match fs::hard_link(path, &target) {
            Ok(()) => {
                fs::remove_file(path).map_err(io_err)?;
                return Ok(target);
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(_) => {
                // Filesystems without hard links: rename after checking, accepting the tiny race.
                if target.exists() {
                    continue;
                }
                fs::rename(path, &target).map_err(io_err)?;
                return Ok(target);
            }
        }
    }
    Err(io_err(io::Error::new(
        io::ErrorKind::AlreadyExists,
        format!("{MAX_QUARANTINE_ATTEMPTS} quarantined copies already exist"),
    )))
}

const MAX_QUARANTINE_ATTEMPTS: u32 = 1000;

/// Write `history` to `path` atomically: a temporary file in the same folder, then a rename, so
/// an interrupted write never leaves a truncated history.
pub fn save(path: &Path, history: &History) -> Result<(), HistoryError> {
    let json = serde_json::to_vec_pretty(history)?;
    // A history is the user's file, like a report: a link at its path is followed, and its
    // permission bits are kept (a new one is 0666 minus the umask, not a temp file's 0600).
    let how = cache_core::fswrite::AtomicWrite {
        temp_prefix: ".benchmark_results-",
        follow_links: true,
    };
    cache_core::fswrite::write_atomic(path, how, |out| {
        out.write_all(&json)?;
        out.write_all(b"\n")
    })
    .map_err(|source| HistoryError::Io {
        action: "cannot write",
        path: path.to_owned(),
        source,
    })
}

/// Load, append `run`, save: the `--baseline` step.
///
/// Returns the history as it was **before** the run was added (what the run is compared with)
/// and, when the old file was corrupt, where it was moved.
pub fn append_run(path: &Path, run: Run, stamp: &str) -> Result<Appended, HistoryError> {
    let (previous, quarantined) = match load(path)? {
        Loaded::Missing => (History::default(), None),
        Loaded::Found(h) => (h, None),
        Loaded::Corrupt { reason } => {
            let moved = quarantine(path, stamp)?;
            (History::default(), Some((moved, reason)))
        }
    };
    let mut updated = previous.clone();
    updated.schema_version = SCHEMA_VERSION;
    updated.runs.push(run);
    save(path, &updated)?;
    Ok(Appended {
        previous,
        quarantined,
    })
}

/// What [`append_run`] did.
#[derive(Debug)]
pub struct Appended {
    /// The history before the new run.
    pub previous: History,
    /// Where a corrupt file was moved, and why it was unreadable.
    pub quarantined: Option<(PathBuf, String)>,
}
