//! Benchmarks of codetags (PEP 003 "Benchmarking") and the baseline/regression harness.
//!
//! * [`suite`] lists every benchmark once; the criterion benches (`cargo bench -p
//!   codetags-bench`) and the harness binary (`cargo run --release -p codetags-bench --
//!   --baseline`) both run that list.
//! * [`measure`] is the harness's timing loop (warm-up, batched samples, [`std::time::Instant`]).
//! * [`history`] reads and appends `benchmark_results.json` (schema documented there), never
//!   overwriting a corrupt file.
//! * [`compare`] judges a run against the history: historical average, per-benchmark slowdown
//!   threshold, and a regression only beyond the measured noise; `CODETAGS_BENCH_FAIL_ON_REGRESSION=1`
//!   turns a regression into a failing exit.
//! * [`dashboard`] draws the history as one self-contained HTML page of SVG trend charts
//!   (`codetags-bench --dashboard FILE`).
//! * [`synthetic`] generates the deterministic tag blocks of `parse_codetags`; [`generated`]
//!   the trees of the scale benchmarks (200,000 files, one file of a million tags).
//!
//! See `docs/benchmarks.md` for how to run, read and gate.
//!
//! ```
//! use codetags_bench::compare::{compare, Policy, Verdict};
//! use codetags_bench::history::{BenchResult, History, Unit};
//! use codetags_bench::harness::make_run;
//! use codetags_bench::harness::SuiteOutcome;
//! use codetags_bench::machine::current_machine;
//! use codetags_bench::history::Mode;
//!
//! let outcome = SuiteOutcome {
//!     results: vec![BenchResult::from_samples("cache/hit", Unit::Microseconds,
//!                                             vec![10.0, 10.2, 9.9], 100, None).unwrap()],
//!     ..Default::default()
//! };
//! let run = make_run(&outcome, "2026-11-26T09:00:00Z".into(), None, current_machine(), Mode::Quick);
//! let table = compare(&run, &History::default(), &Policy::default());
//! assert_eq!(table[0].verdict, Verdict::New);
//! ```

pub mod compare;
pub mod dashboard;
pub mod generated;
pub mod harness;
pub mod history;
pub mod machine;
pub mod measure;
pub mod stats;
pub mod suite;
pub mod synthetic;
