//! Comparing a run with the history: historical averages, slowdown thresholds, the noise-aware
//! regression rule, the comparison table and the CI switch.
//!
//! # The regression rule
//!
//! For each benchmark of the current run:
//!
//! * **baseline** = the mean of the medians of the last `window` runs (default 5) that measured
//!   the same benchmark: the historical average;
//! * **change** = current median / baseline − 1 (+0.25 = 25 % slower);
//! * **noise** = √(current² + historical²), where *current* is the current samples' robust
//!   spread (1.4826 × median absolute deviation) relative to their median, and *historical* is
//!   the larger of the relative standard deviation of the historical medians and the mean
//!   relative spread of those runs' own samples;
//! * it is a **regression** when `change > threshold + noise_factor × noise` (threshold default
//!   20 %, per benchmark; noise factor default 2): slower than the threshold *beyond* the measured
//!   spread, **and** the baseline averages at least `min_history` runs (default 3). Slower than
//!   the threshold but within the noise is reported as `slower (noise)`; beyond the noise but
//!   with a shorter history, as `slower (few runs)` — one or two past runs say nothing about how
//!   much the machine drifts between runs. Neither fails. A change below
//!   `−(threshold + noise_factor × noise)` is `faster`.
//! * **far beyond, few runs**: a short history still fails a slowdown so large that no drift
//!   explains it: `change > far_factor × (threshold + noise_factor × noise)` (far factor default
//!   3) **and** slower than *every* earlier run by more than `threshold + noise_factor ×
//!   spread`, where *spread* combines this run's and that run's relative spreads. That is
//!   `REGRESSION (far)`: a 1000× slowdown fails against a single earlier run, a 2× one does not.
//!
//! The spread of individual samples is used, not the (smaller) standard error of the median, on
//! purpose: on a shared 2-core machine, drift between runs is as large as drift within one.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::history::{BenchResult, History, Run};
use crate::stats;

/// The default slowdown threshold: 20 %.
pub const DEFAULT_THRESHOLD: f64 = 0.20;
/// The default number of past runs averaged into the baseline.
pub const DEFAULT_WINDOW: usize = 5;
/// The default number of noise spreads a slowdown must exceed beyond its threshold.
pub const DEFAULT_NOISE_FACTOR: f64 = 2.0;
/// The default number of past runs needed before a slowdown can be a regression.
pub const DEFAULT_MIN_HISTORY: usize = 3;
/// How many regression margins beyond the baseline a slowdown must be to fail on a history
/// shorter than [`DEFAULT_MIN_HISTORY`] (see the module docs).
pub const DEFAULT_FAR_FACTOR: f64 = 3.0;
/// The environment variable that turns a regression into a non-zero exit.
pub const FAIL_ENV: &str = "CODETAGS_BENCH_FAIL_ON_REGRESSION";

/// How a run is judged.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// Threshold for benchmarks with no specific one.
    pub default_threshold: f64,
    /// Per-benchmark thresholds (fractions: 0.2 = 20 %); later sources override earlier ones.
    pub thresholds: BTreeMap<String, f64>,
    /// Past runs averaged into the baseline.
    pub window: usize,
    /// How many noise spreads beyond the threshold make a regression.
    pub noise_factor: f64,
    /// Past runs the baseline must average before a slowdown can be a regression.
    pub min_history: usize,
    /// With fewer past runs than `min_history`, a slowdown beyond this many regression margins
    /// (and beyond every past run) is still a regression; `f64::INFINITY` turns that off.
    pub far_factor: f64,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            default_threshold: DEFAULT_THRESHOLD,
            thresholds: BTreeMap::new(),
            window: DEFAULT_WINDOW,
            noise_factor: DEFAULT_NOISE_FACTOR,
            min_history: DEFAULT_MIN_HISTORY,
            far_factor: DEFAULT_FAR_FACTOR,
        }
    }
}

impl Policy {
    /// The slowdown threshold of benchmark `name`.
    pub fn threshold_for(&self, name: &str) -> f64 {
        self.thresholds
            .get(name)
            .copied()
            .unwrap_or(self.default_threshold)
    }
}

/// A bad `NAME=PERCENT` threshold or environment value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// Not of the form `NAME=PERCENT` with a non-negative finite percentage.
    #[error("invalid threshold {0:?}: expected NAME=PERCENT, e.g. inspect_repo/cold=30")]
    Threshold(String),
    /// The environment variable holds something that is neither true nor false.
    #[error(
        "{FAIL_ENV}={0:?} is not understood: use 1/true/yes/on to fail on a regression, \
         0/false/no/off (or leave it unset) not to"
    )]
    EnvValue(String),
}

/// Parse `NAME=PERCENT` (e.g. `cache/put=35`) into the name and a fraction (0.35).
///
/// ```
/// use codetags_bench::compare::parse_threshold;
/// assert_eq!(parse_threshold("cache/put=35").unwrap(), ("cache/put".to_string(), 0.35));
/// assert!(parse_threshold("cache/put").is_err());
/// ```
pub fn parse_threshold(spec: &str) -> Result<(String, f64), PolicyError> {
    let bad = || PolicyError::Threshold(spec.to_owned());
    let (name, pct) = spec.rsplit_once('=').ok_or_else(bad)?;
    let name = name.trim();
    let pct: f64 = pct
        .trim()
        .trim_end_matches('%')
        .parse()
        .map_err(|_| bad())?;
    if name.is_empty() || !pct.is_finite() || pct < 0.0 {
        return Err(bad());
    }
    Ok((name.to_owned(), pct / 100.0))
}

/// Read the value of [`FAIL_ENV`]: unset or empty → false.
///
/// Takes the value rather than reading the environment so callers and tests stay pure.
///
/// ```
/// use codetags_bench::compare::fail_on_regression;
/// assert!(!fail_on_regression(None).unwrap());
/// assert!(fail_on_regression(Some("1")).unwrap());
/// assert!(!fail_on_regression(Some("false")).unwrap());
/// assert!(fail_on_regression(Some("maybe")).is_err());
/// ```
pub fn fail_on_regression(value: Option<&str>) -> Result<bool, PolicyError> {
    let Some(raw) = value else { return Ok(false) };
    match raw.trim().to_ascii_lowercase().as_str() {
        "" | "0" | "false" | "no" | "off" => Ok(false),
        "1" | "true" | "yes" | "on" => Ok(true),
        _ => Err(PolicyError::EnvValue(raw.to_owned())),
    }
}

/// The judgement on one benchmark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// No history for this benchmark yet.
    New,
    /// Faster than the threshold beyond the noise.
    Faster,
    /// Within the threshold.
    Unchanged,
    /// Slower than the threshold, but not beyond the measured noise: advisory only.
    SlowerWithinNoise,
    /// Slower than the threshold beyond the noise, but the history is shorter than
    /// [`Policy::min_history`]: advisory only.
    SlowerFewRuns,
    /// Slower than the threshold beyond the noise.
    Regression,
    /// Slower than [`Policy::far_factor`] regression margins and beyond every past run, with a
    /// history shorter than [`Policy::min_history`]: fails like a [`Verdict::Regression`].
    FarRegression,
}

impl Verdict {
    /// The word printed in the table.
    pub fn label(self) -> &'static str {
        match self {
            Verdict::New => "new",
            Verdict::Faster => "faster",
            Verdict::Unchanged => "ok",
            Verdict::SlowerWithinNoise => "slower (noise)",
            Verdict::SlowerFewRuns => "slower (few runs)",
            Verdict::Regression => "REGRESSION",
            Verdict::FarRegression => "REGRESSION (far)",
        }
    }

    /// Whether this verdict fails a gated run.
    pub fn fails(self) -> bool {
        matches!(self, Verdict::Regression | Verdict::FarRegression)
    }
}

/// One benchmark compared with its history.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// The benchmark.
    pub name: String,
    /// The current result.
    pub current: BenchResult,
    /// The historical average, in the current result's unit.
    pub baseline: Option<f64>,
    /// How many past runs the baseline averages.
    pub history_runs: usize,
    /// current median / baseline − 1.
    pub change: Option<f64>,
    /// The combined relative noise (see the module docs).
    pub noise: f64,
    /// The slowdown threshold applied.
    pub threshold: f64,
    /// Whether this run is slower, faster or unchanged against the earlier runs, and whether
    /// that is decided or too few runs exist to tell.
    pub verdict: Verdict,
}

/// Compare every result of `current` with `history` under `policy`.
///
/// ```
/// use codetags_bench::compare::{compare, Policy, Verdict};
/// use codetags_bench::history::{BenchResult, History, Machine, Mode, Run, Unit};
///
/// let run = |median: f64| Run {
///     timestamp: "2026-01-01T00:00:00Z".into(),
///     git_revision: None,
///     machine: Machine { hostname: "h".into(), cpus: 2, os: "linux".into(),
///                        arch: "x86_64".into(), cpu_model: None },
///     tool_version: "0.1.0".into(),
///     mode: Mode::Full,
///     results: vec![BenchResult::from_samples("scan", Unit::Milliseconds,
///                   vec![median; 5], 1, None).unwrap()],
///     skipped: vec![],
/// };
/// let history = History { schema_version: 1, runs: vec![run(10.0), run(10.0), run(10.0)] };
/// let verdicts: Vec<_> = compare(&run(15.0), &history, &Policy::default())
///     .into_iter().map(|c| c.verdict).collect();
/// assert_eq!(verdicts, [Verdict::Regression]);
/// ```
pub fn compare(current: &Run, history: &History, policy: &Policy) -> Vec<Comparison> {
    current
        .results
        .iter()
        .map(|result| compare_one(result, history, policy))
        .collect()
}

fn compare_one(current: &BenchResult, history: &History, policy: &Policy) -> Comparison {
    let threshold = policy.threshold_for(&current.name);
    let past = history.recent_results(&current.name, policy.window.max(1));
    let medians: Vec<f64> = past
        .iter()
        .map(|r| r.unit.convert(r.median, current.unit))
        .filter(|m| m.is_finite() && *m > 0.0)
        .collect();
    let current_noise = current.relative_spread();
    if medians.is_empty() {
        return Comparison {
            name: current.name.clone(),
            current: current.clone(),
            baseline: None,
            history_runs: 0,
            change: None,
            noise: current_noise,
            threshold,
            verdict: Verdict::New,
        };
    }
    let baseline = medians.iter().sum::<f64>() / medians.len() as f64;
    let between_runs = stats::relative(stats::std_dev(&medians), baseline);
    let within_runs =
        past.iter().map(|r| r.relative_spread()).sum::<f64>() / past.len().max(1) as f64;
    let historical_noise = between_runs.max(within_runs);
    let noise = current_noise.hypot(historical_noise);
    let change = current.median / baseline - 1.0;
    let margin = threshold + policy.noise_factor * noise;
    let beyond_every_run = past.iter().all(|run| {
        let median = run.unit.convert(run.median, current.unit);
        let spread = current_noise.hypot(run.relative_spread());
        current.median / median - 1.0 > threshold + policy.noise_factor * spread
    });
    let verdict = if change > margin && medians.len() >= policy.min_history {
        Verdict::Regression
    } else if change > policy.far_factor * margin && beyond_every_run {
        Verdict::FarRegression
    } else if change > margin {
        Verdict::SlowerFewRuns
    } else if change > threshold {
        Verdict::SlowerWithinNoise
    } else if -change > margin {
        Verdict::Faster
    } else {
        Verdict::Unchanged
    };
    Comparison {
        name: current.name.clone(),
        current: current.clone(),
        baseline: Some(baseline),
        history_runs: medians.len(),
        change: Some(change),
        noise,
        threshold,
        verdict,
    }
}

/// True when any comparison fails a gated run ([`Verdict::fails`]).
pub fn has_regression(comparisons: &[Comparison]) -> bool {
    comparisons.iter().any(|c| c.verdict.fails())
}

/// Render the comparison table (plain text, aligned columns).
pub fn render_table(comparisons: &[Comparison]) -> String {
    let header = [
        "benchmark",
        "median",
        "spread",
        "throughput",
        "baseline (runs)",
        "change",
        "threshold",
        "verdict",
    ];
    let rows: Vec<[String; 8]> = comparisons
        .iter()
        .map(|c| {
            let unit = c.current.unit.label();
            [
                c.name.clone(),
                format!("{} {unit}", fmt_figure(c.current.median)),
                format!("±{:.1}%", c.current.relative_spread() * 100.0),
                c.current
                    .bytes_per_second()
                    .map_or_else(|| "-".to_owned(), |b| format!("{:.1} MiB/s", b / MIB)),
                c.baseline.map_or_else(
                    || "-".to_owned(),
                    |b| format!("{} {unit} ({})", fmt_figure(b), c.history_runs),
                ),
                c.change
                    .map_or_else(|| "-".to_owned(), |ch| format!("{:+.1}%", ch * 100.0)),
                format!("{:.0}%", c.threshold * 100.0),
                c.verdict.label().to_owned(),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: &[&str]| {
        let mut text = String::new();
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            // Left-align names and verdicts, right-align figures.
            let _ = if i == 0 || i == cells.len() - 1 {
                write!(text, "{cell:<w$}  ")
            } else {
                write!(text, "{cell:>w$}  ")
            };
        }
        out.push_str(text.trim_end());
        out.push('\n');
    };
    line(&header);
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    line(&rule.iter().map(String::as_str).collect::<Vec<_>>());
    for row in &rows {
        line(&row.iter().map(String::as_str).collect::<Vec<_>>());
    }
    out
}

const MIB: f64 = 1024.0 * 1024.0;

/// Three significant digits, without an exponent for the usual ranges.
fn fmt_figure(v: f64) -> String {
    let a = v.abs();
    if a >= 100.0 {
        format!("{v:.0}")
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else if a >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    }
}
