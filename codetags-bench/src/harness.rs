//! Running a list of benchmarks with the harness's timing loop, and turning the outcome into a
//! [`Run`] for the results file.

use crate::compare::Policy;
use crate::history::{BenchResult, Machine, Mode, Run, Skipped, Unit};
use crate::measure::{BenchError, Clock, MeasureConfig, measure};
use crate::suite::{BenchmarkDef, Inputs};

/// Progress reported while the suite runs (the binary prints it on stderr).
#[derive(Debug)]
pub enum Event<'a> {
    /// A benchmark is being prepared and measured.
    Started(&'a str),
    /// A benchmark finished.
    Measured(&'a BenchResult),
    /// A benchmark was skipped because an input is missing.
    Skipped(&'a Skipped),
    /// A benchmark failed.
    Failed(&'a Skipped),
}

/// What a suite run produced.
#[derive(Debug, Default)]
pub struct SuiteOutcome {
    /// Figures of every benchmark that ran.
    pub results: Vec<BenchResult>,
    /// Benchmarks skipped for a missing input, with the reason.
    pub skipped: Vec<Skipped>,
    /// Benchmarks that failed, with the error.
    pub failed: Vec<Skipped>,
}

/// Measure each benchmark of `defs` in turn.
///
/// A missing input skips the benchmark; any other error marks it failed; neither stops the
/// others.
pub fn run_benchmarks(
    defs: &[BenchmarkDef],
    inputs: &Inputs,
    config: &MeasureConfig,
    clock: &dyn Clock,
    mut report: impl FnMut(Event<'_>),
) -> SuiteOutcome {
    let mut outcome = SuiteOutcome::default();
    for def in defs {
        report(Event::Started(def.name));
        match measure_one(def, inputs, config, clock) {
            Ok(result) => {
                report(Event::Measured(&result));
                outcome.results.push(result);
            }
            Err(BenchError::Unavailable(reason)) => {
                let skipped = Skipped {
                    name: def.name.to_owned(),
                    reason,
                };
                report(Event::Skipped(&skipped));
                outcome.skipped.push(skipped);
            }
            Err(e) => {
                let failed = Skipped {
                    name: def.name.to_owned(),
                    reason: e.to_string(),
                };
                report(Event::Failed(&failed));
                outcome.failed.push(failed);
            }
        }
    }
    outcome
}

fn measure_one(
    def: &BenchmarkDef,
    inputs: &Inputs,
    config: &MeasureConfig,
    clock: &dyn Clock,
) -> Result<BenchResult, BenchError> {
    let mut workload = def.setup(inputs)?;
    let m = measure(workload.as_mut(), config, clock)?;
    let samples = m
        .samples
        .iter()
        .map(|s| Unit::Seconds.convert(*s, def.unit))
        .collect();
    BenchResult::from_samples(
        def.name,
        def.unit,
        samples,
        m.iterations_per_sample,
        workload.bytes(),
    )
    .ok_or_else(|| BenchError::Failed("no finite timing sample".to_owned()))
}

/// The policy for `defs`: `base` (its default threshold for every benchmark), each benchmark's
/// own threshold where it has one, then `overrides` (from the command line) on top.
pub fn policy_for(
    defs: &[BenchmarkDef],
    overrides: impl IntoIterator<Item = (String, f64)>,
    base: Policy,
) -> Policy {
    let mut policy = base;
    for def in defs {
        if let Some(threshold) = def.threshold {
            policy.thresholds.insert(def.name.to_owned(), threshold);
        }
    }
    policy.thresholds.extend(overrides);
    policy
}

/// Assemble the [`Run`] record of an outcome.
pub fn make_run(
    outcome: &SuiteOutcome,
    timestamp: String,
    git_revision: Option<String>,
    machine: Machine,
    mode: Mode,
) -> Run {
    let mut skipped = outcome.skipped.clone();
    skipped.extend(outcome.failed.iter().map(|f| Skipped {
        name: f.name.clone(),
        reason: format!("failed: {}", f.reason),
    }));
    Run {
        timestamp,
        git_revision,
        machine,
        tool_version: env!("CARGO_PKG_VERSION").to_owned(),
        mode,
        results: outcome.results.clone(),
        skipped,
    }
}
