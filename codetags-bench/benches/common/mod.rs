//! Registers one PEP benchmark's entries of the shared suite with criterion.
//!
//! Every bench target (`collect_stdlib`, `inspect_repo`, `comment_finder`, `parse_codetags`) calls
//! [`bench_pep`]; the workloads and their untimed per-iteration preparation are the harness's
//! own (`codetags_bench::suite`), timed through `measure::time_iterations` inside `iter_custom`.

use std::time::Duration;

use codetags_bench::measure::{BenchError, RealClock, time_iterations};
use codetags_bench::suite::{Inputs, PepBench, pep_group};
use criterion::{Criterion, SamplingMode, Throughput};

/// Add the benchmarks of `pep` to `c`, skipping (with a message) those whose inputs are missing.
pub fn bench_pep(c: &mut Criterion, pep: PepBench) {
    let inputs = Inputs::discover();
    let mut group = c.benchmark_group(pep.group());
    if pep.is_heavy() {
        // One iteration scans a whole tree: criterion's minimum sample count is plenty, and
        // flat sampling (the same iteration count in every sample) keeps the run short.
        group.sample_size(10);
        group.sampling_mode(SamplingMode::Flat);
        group.warm_up_time(Duration::from_secs(1));
        group.measurement_time(Duration::from_secs(10));
    }
    for def in pep_group(pep) {
        let mut workload = match def.setup(&inputs) {
            Ok(w) => w,
            Err(BenchError::Unavailable(reason)) => {
                eprintln!("skipping {}: {reason}", def.name);
                continue;
            }
            Err(e) => panic!("cannot prepare benchmark {}: {e}", def.name),
        };
        if let Some(bytes) = workload.bytes() {
            group.throughput(Throughput::Bytes(bytes));
        }
        let clock = RealClock::default();
        group.bench_function(def.function(), |b| {
            b.iter_custom(|iters| {
                time_iterations(workload.as_mut(), iters, &clock)
                    .unwrap_or_else(|e| panic!("benchmark {} failed: {e}", def.name))
            })
        });
    }
    group.finish();
}
