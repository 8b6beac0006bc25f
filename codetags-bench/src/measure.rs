//! The harness's own timing loop: warm-up, then repeated samples of a [`Workload`], timed with
//! [`std::time::Instant`] (through the [`Clock`] trait, so tests can feed synthetic timings).
//!
//! Criterion benches time the same workloads through [`time_iterations`] inside
//! `Bencher::iter_custom`, so both measure exactly the same code, with the same untimed
//! per-iteration preparation.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Why a benchmark could not be prepared or run.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// An input is missing (no python3, no stdlib, …): the benchmark is skipped, not failed.
    #[error("skipped: {0}")]
    Unavailable(String),
    /// A file operation failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder concerned.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The code under test reported an error.
    #[error("{0}")]
    Failed(String),
}

impl BenchError {
    /// Wrap an I/O error with its path.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> BenchError {
        BenchError::Io {
            path: path.into(),
            source,
        }
    }
}

/// Something to measure. [`Workload::prepare`] runs before every measured iteration and is not
/// timed (e.g. emptying the cache for a cold scan); [`Workload::run`] is the timed work.
pub trait Workload {
    /// Untimed preparation of the next iteration.
    fn prepare(&mut self) -> Result<(), BenchError> {
        Ok(())
    }

    /// Whether [`Workload::prepare`] does anything; when not, a batch of iterations is timed as
    /// a whole, which keeps the clock's own cost out of fast benchmarks.
    fn has_preparation(&self) -> bool {
        false
    }

    /// The measured work. Returns a value derived from the result (a count, a length) so the
    /// optimiser cannot discard the work.
    fn run(&mut self) -> Result<u64, BenchError>;

    /// Bytes processed by one iteration, for a throughput figure.
    fn bytes(&self) -> Option<u64> {
        None
    }
}

/// A monotonic clock. [`RealClock`] in production; tests supply synthetic time.
pub trait Clock {
    /// Time since an arbitrary fixed origin.
    fn now(&self) -> Duration;
}

/// The real monotonic clock, [`Instant`] based.
#[derive(Debug, Clone, Copy)]
pub struct RealClock {
    origin: Instant,
}

impl Default for RealClock {
    fn default() -> Self {
        RealClock {
            origin: Instant::now(),
        }
    }
}

impl Clock for RealClock {
    fn now(&self) -> Duration {
        self.origin.elapsed()
    }
}

/// How long and how often to measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MeasureConfig {
    /// Run (untimed for the figures) until this much time has passed, at least one iteration.
    pub warm_up: Duration,
    /// Samples to take.
    pub samples: usize,
    /// Samples always taken, even past `max_time`.
    pub min_samples: usize,
    /// Batch enough iterations into one sample to last about this long.
    pub target_sample_time: Duration,
    /// Stop sampling (once `min_samples` are in) when sampling has lasted this long.
    pub max_time: Duration,
}

impl MeasureConfig {
    /// The default settings of `--baseline` runs.
    pub fn full() -> MeasureConfig {
        MeasureConfig {
            warm_up: Duration::from_millis(1000),
            samples: 20,
            min_samples: 5,
            target_sample_time: Duration::from_millis(50),
            max_time: Duration::from_secs(8),
        }
    }

    /// `--quick`: enough to smoke-test every benchmark within a minute on 2 cores.
    pub fn quick() -> MeasureConfig {
        MeasureConfig {
            warm_up: Duration::from_millis(100),
            samples: 5,
            min_samples: 3,
            target_sample_time: Duration::from_millis(10),
            max_time: Duration::from_millis(1500),
        }
    }
}

/// The raw outcome of [`measure`].
#[derive(Debug, Clone, PartialEq)]
pub struct Measurement {
    /// Seconds per iteration, one value per sample.
    pub samples: Vec<f64>,
    /// Iterations timed in each sample.
    pub iterations_per_sample: u64,
    /// Warm-up iterations run.
    pub warm_up_iterations: u64,
}

/// Time `iterations` iterations of `workload`, preparation excluded; the sum of the timed parts.
///
/// This is what criterion's `iter_custom` calls, and what [`measure`] calls per sample.
pub fn time_iterations(
    workload: &mut dyn Workload,
    iterations: u64,
    clock: &dyn Clock,
) -> Result<Duration, BenchError> {
    if !workload.has_preparation() {
        let start = clock.now();
        for _ in 0..iterations {
            black_box(workload.run()?);
        }
        return Ok(clock.now().saturating_sub(start));
    }
    let mut total = Duration::ZERO;
    for _ in 0..iterations {
        workload.prepare()?;
        let start = clock.now();
        black_box(workload.run()?);
        total += clock.now().saturating_sub(start);
    }
    Ok(total)
}

/// Warm up, pick a batch size, and take samples of `workload`.
///
/// ```
/// use codetags_bench::measure::{measure, MeasureConfig, RealClock, Workload, BenchError};
///
/// struct Sum(Vec<u64>);
/// impl Workload for Sum {
///     fn run(&mut self) -> Result<u64, BenchError> { Ok(self.0.iter().sum()) }
/// }
/// let config = MeasureConfig { warm_up: std::time::Duration::from_millis(1), samples: 3,
///     min_samples: 3, target_sample_time: std::time::Duration::from_micros(100),
///     max_time: std::time::Duration::from_millis(50) };
/// let m = measure(&mut Sum((0..1000).collect()), &config, &RealClock::default()).unwrap();
/// assert_eq!(m.samples.len(), 3);
/// ```
pub fn measure(
    workload: &mut dyn Workload,
    config: &MeasureConfig,
    clock: &dyn Clock,
) -> Result<Measurement, BenchError> {
    let warm_start = clock.now();
    let mut warm_iterations = 0u64;
    let mut warm_time = Duration::ZERO;
    loop {
        warm_time += time_iterations(workload, 1, clock)?;
        warm_iterations += 1;
        if clock.now().saturating_sub(warm_start) >= config.warm_up || warm_iterations >= MAX_BATCH
        {
            break;
        }
    }
    let per_iteration = warm_time.as_secs_f64() / warm_iterations as f64;
    let iterations_per_sample = if per_iteration > 0.0 {
        let wanted = (config.target_sample_time.as_secs_f64() / per_iteration).ceil();
        wanted.clamp(1.0, MAX_BATCH as f64) as u64
    } else {
        MAX_BATCH
    };
    let wanted_samples = config.samples.max(1);
    let min_samples = config.min_samples.clamp(1, wanted_samples);
    let mut samples = Vec::with_capacity(wanted_samples);
    let sampling_start = clock.now();
    while samples.len() < wanted_samples {
        let total = time_iterations(workload, iterations_per_sample, clock)?;
        samples.push(total.as_secs_f64() / iterations_per_sample as f64);
        if samples.len() >= min_samples
            && clock.now().saturating_sub(sampling_start) >= config.max_time
        {
            break;
        }
    }
    Ok(Measurement {
        samples,
        iterations_per_sample,
        warm_up_iterations: warm_iterations,
    })
}

/// The largest batch of iterations in one sample (guards against a workload timed as zero).
const MAX_BATCH: u64 = 1_000_000;
