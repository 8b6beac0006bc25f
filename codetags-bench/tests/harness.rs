//! The harness's logic with synthetic timings: thresholds, spread, history, the environment
//! switch, the JSON schema round trip, missing and corrupt results files, and the timing loop
//! driven by a synthetic clock.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use codetags_bench::compare::{
    Comparison, Policy, Verdict, compare, fail_on_regression, has_regression, parse_threshold,
    render_table,
};
use codetags_bench::harness::{Event, SuiteOutcome, make_run, policy_for, run_benchmarks};
use codetags_bench::history::{
    self, BenchResult, History, Loaded, Machine, Mode, Run, SCHEMA_VERSION, Unit,
};
use codetags_bench::measure::{
    BenchError, Clock, MeasureConfig, Workload, measure, time_iterations,
};
use codetags_bench::suite::{Inputs, suite};

fn machine() -> Machine {
    Machine {
        hostname: "bench-test".into(),
        cpus: 2,
        os: "linux".into(),
        arch: "x86_64".into(),
        cpu_model: None,
    }
}

fn result(name: &str, samples: &[f64]) -> BenchResult {
    BenchResult::from_samples(name, Unit::Milliseconds, samples.to_vec(), 1, None).unwrap()
}

fn run_of(results: Vec<BenchResult>) -> Run {
    Run {
        timestamp: "2026-11-26T09:00:00Z".into(),
        git_revision: Some("0123abcd".into()),
        machine: machine(),
        tool_version: "0.1.0".into(),
        mode: Mode::Full,
        results,
        skipped: vec![],
    }
}

/// A history of runs whose `name` benchmark had these (noise-free) medians.
fn history_of(name: &str, medians: &[f64]) -> History {
    History {
        schema_version: SCHEMA_VERSION,
        runs: medians
            .iter()
            .map(|m| run_of(vec![result(name, &[*m; 5])]))
            .collect(),
    }
}

fn verdict(current: &[f64], history: &History, policy: &Policy) -> Comparison {
    let mut c = compare(&run_of(vec![result("b", current)]), history, policy);
    assert_eq!(c.len(), 1);
    c.remove(0)
}

// ---------------------------------------------------------------- thresholds

#[test]
fn exactly_at_and_just_over_the_threshold_without_noise() {
    let h = history_of("b", &[100.0, 100.0, 100.0]);
    let p = Policy::default();
    assert_eq!(verdict(&[120.0; 5], &h, &p).verdict, Verdict::Unchanged);
    assert_eq!(verdict(&[120.5; 5], &h, &p).verdict, Verdict::Regression);
    assert_eq!(verdict(&[119.0; 5], &h, &p).verdict, Verdict::Unchanged);
    assert_eq!(verdict(&[70.0; 5], &h, &p).verdict, Verdict::Faster);
}

/// A policy that judges even a one-run history, for tests of other rules.
fn any_history() -> Policy {
    Policy {
        min_history: 1,
        ..Policy::default()
    }
}

#[test]
fn per_benchmark_threshold_overrides_default() {
    let h = history_of("b", &[100.0]);
    let mut p = any_history();
    p.thresholds.insert("b".into(), 0.5);
    assert_eq!(verdict(&[140.0; 5], &h, &p).verdict, Verdict::Unchanged);
    assert_eq!(verdict(&[160.0; 5], &h, &p).verdict, Verdict::Regression);
    p.thresholds.insert("b".into(), 0.05);
    assert_eq!(verdict(&[110.0; 5], &h, &p).verdict, Verdict::Regression);
    assert_eq!(p.threshold_for("other"), 0.20);
}

#[test]
fn suite_thresholds_then_command_line_overrides() {
    let defs = suite();
    let p = policy_for(&defs, [("cache/hit".to_owned(), 0.9)], Policy::default());
    assert_eq!(p.threshold_for("cache/put"), 0.40);
    assert_eq!(p.threshold_for("cache/hit"), 0.9);
    assert_eq!(p.threshold_for("inspect_repo/cold"), 0.20);
    // The default applies to every benchmark without a threshold of its own.
    let base = Policy {
        default_threshold: 0.5,
        ..Policy::default()
    };
    let p = policy_for(&defs, [], base);
    assert_eq!(p.threshold_for("inspect_repo/cold"), 0.5);
    assert_eq!(p.threshold_for("prune/day_folders"), 0.30);
}

#[test]
fn threshold_specs_parse_and_reject() {
    assert_eq!(
        parse_threshold("inspect_repo/cold=30").unwrap(),
        ("inspect_repo/cold".into(), 0.30)
    );
    assert_eq!(parse_threshold("a=12.5%").unwrap(), ("a".into(), 0.125));
    for bad in ["a", "=5", "a=", "a=-1", "a=x", "a=inf", "a=NaN"] {
        assert!(parse_threshold(bad).is_err(), "{bad}");
    }
}

// ---------------------------------------------------------------- spread

#[test]
fn a_noisy_current_run_is_not_a_regression() {
    let h = history_of("b", &[100.0, 100.0, 100.0]);
    let p = Policy::default();
    // Median 130 (+30 %), but the samples spread widely: within the noise.
    let noisy = [80.0, 100.0, 130.0, 160.0, 190.0];
    let c = verdict(&noisy, &h, &p);
    assert!(c.change.unwrap() > 0.2);
    assert!(c.noise > 0.2, "noise {}", c.noise);
    assert_eq!(c.verdict, Verdict::SlowerWithinNoise);
    // The same median with tight samples is a regression.
    assert_eq!(
        verdict(&[129.0, 130.0, 130.0, 130.0, 131.0], &h, &p).verdict,
        Verdict::Regression
    );
}

#[test]
fn a_noisy_history_widens_the_margin() {
    let p = Policy::default();
    let steady = history_of("b", &[100.0, 100.0, 100.0, 100.0]);
    let drifting = history_of("b", &[70.0, 130.0, 75.0, 125.0]);
    let current = [126.0, 127.0, 127.0, 127.0, 128.0];
    assert_eq!(verdict(&current, &steady, &p).verdict, Verdict::Regression);
    let c = verdict(&current, &drifting, &p);
    assert_eq!(c.baseline, Some(100.0));
    assert_eq!(c.verdict, Verdict::SlowerWithinNoise);
}

#[test]
fn noise_factor_zero_means_threshold_only() {
    let h = history_of("b", &[100.0]);
    let noisy = [80.0, 100.0, 130.0, 160.0, 190.0];
    let p = Policy {
        noise_factor: 0.0,
        ..any_history()
    };
    assert_eq!(verdict(&noisy, &h, &p).verdict, Verdict::Regression);
}

#[test]
fn the_noise_combines_current_and_history_in_quadrature() {
    // Current: deviations 0,1,1,2,2 around 10 → MAD 1; relative 1.4826 / 10.
    let current = [8.0, 9.0, 10.0, 11.0, 12.0];
    let h = history_of("b", &[10.0, 10.0]);
    let c = verdict(&current, &h, &Policy::default());
    assert!((c.noise - 0.14826).abs() < 1e-9, "{}", c.noise);
}

// ---------------------------------------------------------------- history

#[test]
fn a_short_history_fails_only_a_slowdown_far_beyond_every_run() {
    // +200 %: beyond three margins (3 × 20 % without noise: +60 %) and beyond each earlier run.
    let far = [300.0; 5];
    for runs in 1..3 {
        let h = history_of("b", &vec![100.0; runs]);
        let c = verdict(&far, &h, &Policy::default());
        assert_eq!(c.verdict, Verdict::FarRegression, "{runs} runs");
        assert!(has_regression(&[c]));
    }
    // A thousandfold slowdown against one run fails.
    let h = history_of("b", &[1.0]);
    assert_eq!(
        verdict(&[1000.0; 5], &h, &Policy::default()).verdict,
        Verdict::FarRegression
    );
    // Not beyond every earlier run: one run was nearly as slow, so the machine may just drift
    // (no noise allowance here, so that only that condition stands in the way).
    let h = history_of("b", &[50.0, 290.0]);
    let exact = Policy {
        noise_factor: 0.0,
        ..Policy::default()
    };
    let c = verdict(&far, &h, &exact);
    assert_eq!(c.baseline, Some(170.0));
    assert_eq!(c.verdict, Verdict::SlowerFewRuns);
    // Noisy samples widen the margin: +200 % with ±50 % samples is not far beyond.
    let h = history_of("b", &[100.0]);
    let noisy = [150.0, 200.0, 300.0, 400.0, 450.0];
    assert_eq!(
        verdict(&noisy, &h, &Policy::default()).verdict,
        Verdict::SlowerFewRuns
    );
    // An infinite far factor turns the rule off.
    let off = Policy {
        far_factor: f64::INFINITY,
        ..Policy::default()
    };
    assert_eq!(
        verdict(&[1000.0; 5], &h, &off).verdict,
        Verdict::SlowerFewRuns
    );
}

#[test]
fn a_short_history_makes_no_ordinary_regression() {
    let current = [150.0; 5];
    for runs in 1..3 {
        let h = history_of("b", &vec![100.0; runs]);
        let c = verdict(&current, &h, &Policy::default());
        assert_eq!(c.verdict, Verdict::SlowerFewRuns, "{runs} runs");
        assert!(!has_regression(&[c]));
    }
    let h = history_of("b", &[100.0; 3]);
    assert_eq!(
        verdict(&current, &h, &Policy::default()).verdict,
        Verdict::Regression
    );
    // Within the threshold a short history is simply ok.
    let h = history_of("b", &[100.0]);
    assert_eq!(
        verdict(&[105.0; 5], &h, &Policy::default()).verdict,
        Verdict::Unchanged
    );
}

#[test]
fn baseline_is_the_average_of_the_last_window_runs() {
    let h = history_of("b", &[1000.0, 50.0, 100.0, 150.0]);
    let p = Policy {
        window: 3,
        ..Policy::default()
    };
    let c = verdict(&[100.0; 5], &h, &p);
    assert_eq!(c.baseline, Some(100.0));
    assert_eq!(c.history_runs, 3);
    assert_eq!(c.change, Some(0.0));
}

#[test]
fn no_history_is_new_and_other_benchmarks_do_not_count() {
    let h = history_of("other", &[1.0, 1.0]);
    let c = verdict(&[100.0; 5], &h, &Policy::default());
    assert_eq!(
        (c.verdict, c.baseline, c.history_runs),
        (Verdict::New, None, 0)
    );
}

#[test]
fn runs_that_skipped_a_benchmark_are_passed_over() {
    let mut h = history_of("b", &[100.0]);
    h.runs.push(run_of(vec![result("other", &[5.0])]));
    h.runs.push(run_of(vec![]));
    let c = verdict(&[100.0; 5], &h, &Policy::default());
    assert_eq!((c.baseline, c.history_runs), (Some(100.0), 1));
}

#[test]
fn history_in_another_unit_is_converted() {
    let mut h = History::default();
    let mut r = result("b", &[0.1; 3]);
    r.unit = Unit::Seconds;
    h.runs.push(run_of(vec![r]));
    let c = verdict(&[100.0; 5], &h, &Policy::default());
    assert!((c.baseline.unwrap() - 100.0).abs() < 1e-9);
    assert_eq!(c.verdict, Verdict::Unchanged);
}

#[test]
fn table_lists_every_benchmark_with_its_verdict() {
    let h = history_of("b", &[100.0]);
    let run = run_of(vec![result("b", &[150.0; 5]), result("fresh", &[1.0; 3])]);
    let comparisons = compare(&run, &h, &any_history());
    assert!(has_regression(&comparisons));
    let table = render_table(&comparisons);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 4, "{table}");
    assert!(lines[0].starts_with("benchmark"));
    assert!(
        lines[2].starts_with("b ") && lines[2].ends_with("REGRESSION"),
        "{table}"
    );
    assert!(lines[2].contains("+50.0%"), "{table}");
    assert!(
        lines[3].starts_with("fresh") && lines[3].ends_with("new"),
        "{table}"
    );
}

#[test]
fn throughput_column_for_byte_benchmarks() {
    let mut r = result("bytes", &[1000.0; 3]); // 1 s per iteration
    r.bytes = Some(10 * 1024 * 1024);
    assert_eq!(r.bytes_per_second(), Some(10.0 * 1024.0 * 1024.0));
    let table = render_table(&compare(
        &run_of(vec![r]),
        &History::default(),
        &Policy::default(),
    ));
    assert!(table.contains("10.0 MiB/s"), "{table}");
}

// ---------------------------------------------------------------- environment

#[test]
fn environment_switch_values() {
    for v in [
        None,
        Some(""),
        Some("0"),
        Some("false"),
        Some("No"),
        Some("off"),
    ] {
        assert_eq!(fail_on_regression(v), Ok(false), "{v:?}");
    }
    for v in ["1", "true", "TRUE", "yes", "on", " 1 "] {
        assert_eq!(fail_on_regression(Some(v)), Ok(true), "{v:?}");
    }
    let err = fail_on_regression(Some("2")).unwrap_err().to_string();
    assert!(err.contains("CODETAGS_BENCH_FAIL_ON_REGRESSION"), "{err}");
}

// ---------------------------------------------------------------- JSON schema

#[test]
fn json_round_trip_keeps_every_field() {
    let mut r = result("comment_finder/largest_files", &[4.0, 4.5, 5.0]);
    r.bytes = Some(123_456);
    r.iterations_per_sample = 7;
    let mut run = run_of(vec![r]);
    run.git_revision = None;
    run.machine.cpu_model = Some("Some CPU".into());
    run.mode = Mode::Quick;
    run.skipped.push(history::Skipped {
        name: "inspect_repo/cold".into(),
        reason: "no python3".into(),
    });
    let h = History {
        schema_version: SCHEMA_VERSION,
        runs: vec![run],
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("results.json");
    history::save(&path, &h).unwrap();
    let Loaded::Found(back) = history::load(&path).unwrap() else {
        panic!("not found")
    };
    assert_eq!(back, h);
}

#[test]
fn json_uses_the_documented_field_names() {
    let h = history_of("b", &[1.5]);
    let v = serde_json::to_value(&h).unwrap();
    assert_eq!(v["schema_version"], 1);
    let run = &v["runs"][0];
    for key in [
        "timestamp",
        "git_revision",
        "machine",
        "tool_version",
        "mode",
        "results",
    ] {
        assert!(run.get(key).is_some(), "run lacks {key}: {run}");
    }
    for key in ["hostname", "cpus", "os", "arch", "cpu_model"] {
        assert!(run["machine"].get(key).is_some(), "machine lacks {key}");
    }
    let r = &run["results"][0];
    for key in ["name", "unit", "median", "mean", "min", "max", "samples"] {
        assert!(r.get(key).is_some(), "result lacks {key}: {r}");
    }
    assert_eq!(r["unit"], "ms");
    assert_eq!(run["mode"], "full");
}

#[test]
fn reads_a_hand_written_minimal_file() {
    // Optional fields may be absent; unknown fields are ignored.
    let text = r#"{"schema_version": 1, "future": true, "runs": [{
        "timestamp": "2026-01-01T00:00:00Z", "git_revision": null,
        "machine": {"hostname": "h", "cpus": 4, "os": "linux", "arch": "aarch64"},
        "tool_version": "0.0.9",
        "results": [{"name": "x", "unit": "us", "median": 2, "mean": 2, "min": 1, "max": 3,
                     "samples": [1, 2, 3]}]}]}"#;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.json");
    std::fs::write(&path, text).unwrap();
    let Loaded::Found(h) = history::load(&path).unwrap() else {
        panic!("not found")
    };
    let r = &h.runs[0].results[0];
    assert_eq!(
        (r.unit, r.median, r.iterations_per_sample, r.bytes),
        (Unit::Microseconds, 2.0, 1, None)
    );
    assert_eq!(h.runs[0].mode, Mode::Full);
}

// ---------------------------------------------------------------- missing / corrupt files

#[test]
fn appending_to_a_missing_file_creates_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("benchmark_results.json");
    let a = history::append_run(&path, run_of(vec![result("b", &[1.0])]), "s1").unwrap();
    assert!(a.previous.runs.is_empty());
    assert!(a.quarantined.is_none());
    let b = history::append_run(&path, run_of(vec![result("b", &[2.0])]), "s2").unwrap();
    assert_eq!(b.previous.runs.len(), 1);
    let Loaded::Found(h) = history::load(&path).unwrap() else {
        panic!()
    };
    assert_eq!(h.runs.len(), 2);
    assert_eq!(h.runs[1].results[0].median, 2.0);
    // Only the results file is left: the temporary file was renamed into place.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn a_corrupt_file_is_moved_aside_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("benchmark_results.json");
    let garbage = b"{\"schema_version\": 1, \"runs\": [ truncated";
    std::fs::write(&path, garbage).unwrap();
    let Loaded::Corrupt { reason } = history::load(&path).unwrap() else {
        panic!("expected corrupt")
    };
    assert!(!reason.is_empty());

    let a =
        history::append_run(&path, run_of(vec![result("b", &[1.0])]), "20261126T090000Z").unwrap();
    let (moved, _) = a.quarantined.expect("moved aside");
    assert_eq!(
        moved.file_name().unwrap(),
        "benchmark_results.json.corrupt-20261126T090000Z"
    );
    assert_eq!(std::fs::read(&moved).unwrap(), garbage);
    assert!(a.previous.runs.is_empty());
    let Loaded::Found(h) = history::load(&path).unwrap() else {
        panic!()
    };
    assert_eq!(h.runs.len(), 1);

    // A second corrupt file with the same stamp does not replace the first quarantined copy.
    std::fs::write(&path, b"also garbage").unwrap();
    let b = history::append_run(&path, run_of(vec![]), "20261126T090000Z").unwrap();
    let (moved2, _) = b.quarantined.expect("moved aside");
    assert_ne!(moved2, moved);
    assert_eq!(std::fs::read(&moved).unwrap(), garbage);
    assert_eq!(std::fs::read(&moved2).unwrap(), b"also garbage");
}

#[test]
fn valid_json_of_the_wrong_shape_is_corrupt() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.json");
    for text in [
        "[]",
        "{}",
        "{\"schema_version\": 1}",
        "{\"schema_version\": 1, \"runs\": [{}]}",
        "",
    ] {
        std::fs::write(&path, text).unwrap();
        assert!(
            matches!(history::load(&path).unwrap(), Loaded::Corrupt { .. }),
            "{text:?}"
        );
    }
}

#[test]
fn a_newer_schema_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.json");
    let text = "{\"schema_version\": 99, \"entries\": []}";
    std::fs::write(&path, text).unwrap();
    let err = history::load(&path).unwrap_err().to_string();
    assert!(err.contains("schema_version 99"), "{err}");
    assert!(history::append_run(&path, run_of(vec![]), "s").is_err());
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
}

#[test]
fn a_folder_in_place_of_the_file_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let err = history::load(dir.path()).unwrap_err().to_string();
    assert!(err.contains("cannot read"), "{err}");
}

// ---------------------------------------------------------------- the timing loop

/// A clock that only moves when the fake workload says so.
#[derive(Clone, Default)]
struct FakeClock(Rc<Cell<Duration>>);

impl Clock for FakeClock {
    fn now(&self) -> Duration {
        self.0.get()
    }
}

/// Each run advances the clock by the next of `costs` (cycling); preparation costs `prep`.
struct FakeWork {
    clock: FakeClock,
    costs: Vec<Duration>,
    prep: Option<Duration>,
    runs: usize,
    preps: usize,
}

impl Workload for FakeWork {
    fn prepare(&mut self) -> Result<(), BenchError> {
        self.preps += 1;
        if let Some(p) = self.prep {
            self.clock.0.set(self.clock.0.get() + p);
        }
        Ok(())
    }
    fn has_preparation(&self) -> bool {
        self.prep.is_some()
    }
    fn run(&mut self) -> Result<u64, BenchError> {
        let cost = self.costs[self.runs % self.costs.len()];
        self.runs += 1;
        self.clock.0.set(self.clock.0.get() + cost);
        Ok(self.runs as u64)
    }
}

fn fake(costs: &[u64], prep: Option<u64>) -> (FakeWork, FakeClock) {
    let clock = FakeClock::default();
    let w = FakeWork {
        clock: clock.clone(),
        costs: costs.iter().map(|c| Duration::from_micros(*c)).collect(),
        prep: prep.map(Duration::from_micros),
        runs: 0,
        preps: 0,
    };
    (w, clock)
}

#[test]
fn samples_batch_iterations_to_the_target_time() {
    let (mut w, clock) = fake(&[100], None);
    let config = MeasureConfig {
        warm_up: Duration::from_millis(1),
        samples: 4,
        min_samples: 2,
        target_sample_time: Duration::from_millis(2),
        max_time: Duration::from_secs(10),
    };
    let m = measure(&mut w, &config, &clock).unwrap();
    assert_eq!(m.warm_up_iterations, 10);
    assert_eq!(m.iterations_per_sample, 20);
    assert_eq!(m.samples.len(), 4);
    for s in &m.samples {
        assert!((s - 100e-6).abs() < 1e-12, "{s}");
    }
    assert_eq!(w.runs, 10 + 4 * 20);
}

#[test]
fn preparation_is_not_timed() {
    let (mut w, clock) = fake(&[1000], Some(50_000));
    let total = time_iterations(&mut w, 3, &clock).unwrap();
    assert_eq!(total, Duration::from_millis(3));
    assert_eq!(w.preps, 3);
    let config = MeasureConfig {
        warm_up: Duration::ZERO,
        samples: 3,
        min_samples: 3,
        target_sample_time: Duration::ZERO,
        max_time: Duration::ZERO,
    };
    let m = measure(&mut w, &config, &clock).unwrap();
    assert_eq!(m.samples, vec![1e-3; 3]);
}

#[test]
fn sampling_stops_at_max_time_after_min_samples() {
    let (mut w, clock) = fake(&[1_000_000], None); // one second per iteration
    let config = MeasureConfig {
        warm_up: Duration::ZERO,
        samples: 50,
        min_samples: 3,
        target_sample_time: Duration::from_millis(1),
        max_time: Duration::from_secs(2),
    };
    let m = measure(&mut w, &config, &clock).unwrap();
    assert_eq!(m.iterations_per_sample, 1);
    assert_eq!(m.samples.len(), 3);
}

#[test]
fn the_median_ignores_an_outlier_sample() {
    let (mut w, clock) = fake(&[100, 100, 100, 100, 5000], None);
    let config = MeasureConfig {
        warm_up: Duration::ZERO,
        samples: 5,
        min_samples: 5,
        target_sample_time: Duration::ZERO,
        max_time: Duration::ZERO,
    };
    let m = measure(&mut w, &config, &clock).unwrap();
    let r = BenchResult::from_samples(
        "o",
        Unit::Microseconds,
        m.samples.iter().map(|s| s * 1e6).collect(),
        1,
        None,
    )
    .unwrap();
    assert!((r.median - 100.0).abs() < 1e-6, "{r:?}");
    assert!((r.max - 5000.0).abs() < 1e-6);
}

// ---------------------------------------------------------------- suite runner

#[test]
fn missing_stdlib_skips_with_a_reason_and_others_still_run() {
    let defs: Vec<_> = suite()
        .into_iter()
        .filter(|d| d.name.starts_with("inspect_repo") || d.name.starts_with("comment_finder"))
        .collect();
    let inputs = Inputs::without_stdlib("python3 not installed");
    let mut events = Vec::new();
    let outcome = run_benchmarks(
        &defs,
        &inputs,
        &MeasureConfig::quick(),
        &FakeClock::default(),
        |e| {
            events.push(match e {
                Event::Started(n) => format!("start {n}"),
                Event::Measured(r) => format!("measured {}", r.name),
                Event::Skipped(s) => format!("skipped {}", s.name),
                Event::Failed(s) => format!("failed {}", s.name),
            })
        },
    );
    assert!(outcome.results.is_empty());
    assert!(outcome.failed.is_empty());
    assert_eq!(outcome.skipped.len(), defs.len());
    for s in &outcome.skipped {
        assert!(s.reason.contains("python3 not installed"), "{s:?}");
    }
    assert_eq!(events.len(), 2 * defs.len());
    let run = make_run(&outcome, "t".into(), None, machine(), Mode::Quick);
    assert_eq!(run.skipped.len(), defs.len());
}

#[test]
fn failures_are_recorded_as_failed_in_the_run() {
    let outcome = SuiteOutcome {
        results: vec![result("ok", &[1.0])],
        skipped: vec![],
        failed: vec![history::Skipped {
            name: "bad".into(),
            reason: "disk full".into(),
        }],
    };
    let run = make_run(&outcome, "t".into(), None, machine(), Mode::Full);
    assert_eq!(run.skipped[0].reason, "failed: disk full");
    assert_eq!(run.results.len(), 1);
}
