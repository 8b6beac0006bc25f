//! The harness binary end to end: listing, the CI gate and its environment variable, saving to a
//! missing or corrupt results file, skipping without a stdlib, and refusing bad input.
//! Only the quick, input-free `parse_codetags/folk` benchmark is measured, to stay fast.

use std::path::Path;
use std::process::{Command, Output};

use codetags_bench::history::{self, Loaded};
use codetags_bench::suite::suite;

const BENCH: &str = "parse_codetags/folk";

fn harness(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_codetags-bench"));
    cmd.current_dir(dir)
        .args(args)
        .env_remove("CODETAGS_BENCH_FAIL_ON_REGRESSION")
        .env_remove("CODETAGS_BENCH_STDLIB");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A history in which `BENCH` once took a nanosecond: any real run is far slower.
fn impossibly_fast_history(path: &Path) {
    let json = format!(
        r#"{{"schema_version": 1, "runs": [{{
            "timestamp": "2026-01-01T00:00:00Z", "git_revision": null,
            "machine": {{"hostname": "h", "cpus": 2, "os": "linux", "arch": "x86_64", "cpu_model": null}},
            "tool_version": "0.1.0", "mode": "full",
            "results": [{{"name": "{BENCH}", "unit": "ms", "median": 0.000001, "mean": 0.000001,
                          "min": 0.000001, "max": 0.000001,
                          "samples": [0.000001, 0.000001, 0.000001], "iterations_per_sample": 1,
                          "bytes": null}}],
            "skipped": []}}]}}"#
    );
    std::fs::write(path, json).unwrap();
}

#[test]
fn list_names_every_benchmark() {
    let dir = tempfile::tempdir().unwrap();
    let out = harness(dir.path(), &["--list"], &[]);
    assert!(out.status.success());
    let stdout = text(&out.stdout);
    for def in suite() {
        assert!(
            stdout.contains(def.name),
            "{} missing from:\n{stdout}",
            def.name
        );
    }
    assert_eq!(stdout.lines().count(), suite().len());
}

#[test]
fn a_regression_fails_only_when_the_environment_asks() {
    let dir = tempfile::tempdir().unwrap();
    let results = dir.path().join("history.json");
    impossibly_fast_history(&results);
    let before = std::fs::read(&results).unwrap();
    let args = [
        "--quick",
        "--filter",
        BENCH,
        "--results",
        "history.json",
        "--min-history",
        "1",
    ];

    let gated = harness(
        dir.path(),
        &args,
        &[("CODETAGS_BENCH_FAIL_ON_REGRESSION", "1")],
    );
    assert_eq!(gated.status.code(), Some(1), "{}", text(&gated.stderr));
    assert!(text(&gated.stdout).contains("REGRESSION"));

    let advisory = harness(dir.path(), &args, &[]);
    assert_eq!(
        advisory.status.code(),
        Some(0),
        "{}",
        text(&advisory.stderr)
    );
    assert!(text(&advisory.stdout).contains("REGRESSION"));
    assert!(text(&advisory.stderr).contains("CODETAGS_BENCH_FAIL_ON_REGRESSION=1"));

    let off = harness(
        dir.path(),
        &args,
        &[("CODETAGS_BENCH_FAIL_ON_REGRESSION", "0")],
    );
    assert_eq!(off.status.code(), Some(0));

    // With the default, one past run is too short a history for the ordinary rule, but a
    // slowdown far beyond it (here a millionfold) still fails.
    let short = harness(
        dir.path(),
        &args[..5],
        &[("CODETAGS_BENCH_FAIL_ON_REGRESSION", "1")],
    );
    assert_eq!(short.status.code(), Some(1), "{}", text(&short.stdout));
    assert!(text(&short.stdout).contains("REGRESSION (far)"));
    // With the far rule off, it is only reported.
    let lenient = [&args[..5], &["--far-factor", "inf"][..]].concat();
    let off = harness(
        dir.path(),
        &lenient,
        &[("CODETAGS_BENCH_FAIL_ON_REGRESSION", "1")],
    );
    assert_eq!(off.status.code(), Some(0), "{}", text(&off.stdout));
    assert!(text(&off.stdout).contains("slower (few runs)"));

    let bogus = harness(
        dir.path(),
        &args,
        &[("CODETAGS_BENCH_FAIL_ON_REGRESSION", "sometimes")],
    );
    assert_eq!(bogus.status.code(), Some(2));
    assert!(text(&bogus.stderr).contains("not understood"));

    // Without --baseline the history is only read.
    assert_eq!(std::fs::read(&results).unwrap(), before);
}

#[test]
fn a_generous_threshold_accepts_the_same_slowdown() {
    let dir = tempfile::tempdir().unwrap();
    impossibly_fast_history(&dir.path().join("h.json"));
    let threshold = format!("{BENCH}=1000000000000");
    let out = harness(
        dir.path(),
        &[
            "--quick",
            "--filter",
            BENCH,
            "--results",
            "h.json",
            "--threshold",
            &threshold,
            "--min-history",
            "1",
        ],
        &[("CODETAGS_BENCH_FAIL_ON_REGRESSION", "1")],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    assert!(!text(&out.stdout).contains("REGRESSION"));

    let out = harness(
        dir.path(),
        &[
            "--quick",
            "--filter",
            BENCH,
            "--results",
            "h.json",
            "--default-threshold",
            "1000000000000",
            "--min-history",
            "1",
        ],
        &[("CODETAGS_BENCH_FAIL_ON_REGRESSION", "1")],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
}

#[test]
fn baseline_creates_then_appends_and_moves_a_corrupt_file_aside() {
    let dir = tempfile::tempdir().unwrap();
    let args = ["--quick", "--baseline", "--filter", BENCH];

    let first = harness(dir.path(), &args, &[]);
    assert!(first.status.success(), "{}", text(&first.stderr));
    assert!(text(&first.stderr).contains("no history"));
    let path = dir.path().join("benchmark_results.json");
    let Loaded::Found(h) = history::load(&path).unwrap() else {
        panic!("no history written")
    };
    assert_eq!(h.runs.len(), 1);
    let r = &h.runs[0].results[0];
    assert_eq!(r.name, BENCH);
    assert!(r.median > 0.0 && r.min <= r.median && r.median <= r.max);
    assert!(r.samples.len() >= 3);
    assert!(r.bytes.is_some());
    assert!(h.runs[0].machine.cpus >= 1);

    let second = harness(dir.path(), &args, &[]);
    assert!(second.status.success());
    let Loaded::Found(h) = history::load(&path).unwrap() else {
        panic!()
    };
    assert_eq!(h.runs.len(), 2);
    assert!(
        text(&second.stdout).contains("(1)"),
        "{}",
        text(&second.stdout)
    );

    std::fs::write(&path, b"not json at all").unwrap();
    let third = harness(dir.path(), &args, &[]);
    assert!(third.status.success(), "{}", text(&third.stderr));
    assert!(
        text(&third.stderr).contains("moved to"),
        "{}",
        text(&third.stderr)
    );
    let aside: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains(".corrupt-"))
        .collect();
    assert_eq!(aside.len(), 1);
    assert_eq!(std::fs::read(&aside[0]).unwrap(), b"not json at all");
    let Loaded::Found(h) = history::load(&path).unwrap() else {
        panic!()
    };
    assert_eq!(h.runs.len(), 1);
}

#[test]
fn a_newer_results_file_is_refused_before_measuring() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("benchmark_results.json");
    std::fs::write(&path, r#"{"schema_version": 7, "runs": []}"#).unwrap();
    let out = harness(
        dir.path(),
        &["--quick", "--baseline", "--filter", BENCH],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("schema_version 7"));
    assert!(!text(&out.stderr).contains(BENCH), "measured anyway");
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        r#"{"schema_version": 7, "runs": []}"#
    );
}

#[test]
fn without_a_stdlib_its_benchmarks_are_skipped_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let out = harness(
        dir.path(),
        &["--quick", "--filter", "comment_finder"],
        &[("CODETAGS_BENCH_STDLIB", "")],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("skipped comment_finder/largest_files: no Python stdlib"),
        "{stdout}"
    );
    assert!(
        stdout.contains("CODETAGS_BENCH_STDLIB is set but empty"),
        "{stdout}"
    );
}

#[test]
fn bad_arguments_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        &["--threshold", "nonsense"][..],
        &["--filter", "no-such-benchmark"][..],
        &["--noise-factor", "-1"][..],
    ] {
        let out = harness(dir.path(), args, &[]);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
}
