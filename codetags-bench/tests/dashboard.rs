//! The dashboard page: one chart per benchmark with every run's median, spread and the
//! threshold band, regressions marked where the gate would fail, the runs' machines and
//! commits, HTML escaping; `--dashboard` end to end; and, when `CODETAGS_TEST_CHROMIUM` names
//! a Chromium, the page rendered headless (its DOM holds the charts; a screenshot is taken).

use std::path::Path;
use std::process::Command;

use codetags_bench::compare::Policy;
use codetags_bench::dashboard::render_dashboard;
use codetags_bench::history::{
    self, BenchResult, History, Machine, Mode, Run, SCHEMA_VERSION, Unit,
};

fn run(i: usize, results: Vec<BenchResult>) -> Run {
    Run {
        timestamp: format!("2026-12-0{}T10:00:00Z", i + 1),
        git_revision: Some(format!("{i}abcdef0123456789")),
        machine: Machine {
            hostname: "ci<&>\"box\"".into(),
            cpus: 2,
            os: "linux".into(),
            arch: "x86_64".into(),
            cpu_model: Some("AMD EPYC".into()),
        },
        tool_version: "0.1.0".into(),
        mode: Mode::Full,
        results,
        skipped: vec![],
    }
}

fn result(name: &str, median: f64) -> BenchResult {
    let samples = vec![median * 0.98, median, median * 1.02, median, median * 1.01];
    BenchResult::from_samples(name, Unit::Milliseconds, samples, 1, None).unwrap()
}

/// Four runs of `scan/warm` (the last ten times slower: a regression) and three of `parse`.
fn history() -> History {
    let medians = [10.0, 10.5, 9.8, 100.0];
    History {
        schema_version: SCHEMA_VERSION,
        runs: medians
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let mut results = vec![result("scan/warm", *m)];
                if i > 0 {
                    results.push(result("parse", 2.0));
                }
                run(i, results)
            })
            .collect(),
    }
}

#[test]
fn one_chart_per_benchmark_with_spread_band_and_the_regression_marked() {
    let page = render_dashboard(&history(), &Policy::default());
    assert_eq!(page.matches("<svg class=\"chart\"").count(), 2);
    // Seven runs of benchmarks drawn, one ringed as a regression (the 10x run of scan/warm).
    assert_eq!(page.matches("<g class=\"run").count(), 7);
    assert_eq!(page.matches("<g class=\"run regression\"").count(), 1);
    assert!(page.contains("REGRESSION"));
    // A band where a run has earlier runs to average; none for the first run alone.
    assert_eq!(page.matches("class=\"band\"").count(), 2);
    // The runs table: commits, machines, the failing benchmark, escaped text.
    assert!(page.contains("<code>3abcdef012</code>"));
    assert!(page.contains("ci&lt;&amp;&gt;&quot;box&quot;"));
    assert!(!page.contains("ci<&>"));
    assert!(page.contains("<td class=\"failed\">scan/warm</td>"));
    // Self-contained: no script, no link to anything.
    assert!(!page.contains("<script") && !page.contains("href=") && !page.contains("src="));
}

#[test]
fn a_far_regression_on_a_short_history_is_marked_too() {
    let mut h = history();
    h.runs.drain(1..3);
    let page = render_dashboard(&h, &Policy::default());
    assert!(
        page.contains("REGRESSION (far)"),
        "one earlier run, a tenfold slowdown"
    );
}

fn harness(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_codetags-bench"))
        .current_dir(dir)
        .args(args)
        .env_remove("CODETAGS_BENCH_FAIL_ON_REGRESSION")
        .output()
        .unwrap()
}

#[test]
fn the_dashboard_option_writes_the_page_from_the_results_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = harness(
        dir.path(),
        &["--dashboard", "empty.html", "--results", "none.json"],
    );
    assert!(out.status.success(), "{out:?}");
    let empty = std::fs::read_to_string(dir.path().join("empty.html")).unwrap();
    assert!(empty.contains("No runs yet"));
    assert!(
        !dir.path().join("none.json").exists(),
        "the results file is never created"
    );

    let results = dir.path().join("h.json");
    std::fs::write(&results, serde_json::to_string(&history()).unwrap()).unwrap();
    let out = harness(
        dir.path(),
        &["--dashboard", "page.html", "--results", "h.json"],
    );
    assert!(out.status.success(), "{out:?}");
    let page = std::fs::read_to_string(dir.path().join("page.html")).unwrap();
    assert_eq!(page, render_dashboard(&history(), &Policy::default()));
    assert!(matches!(
        history::load(&results).unwrap(),
        history::Loaded::Found(_)
    ));
}

#[test]
fn the_page_renders_in_headless_chromium() {
    let Some(chromium) = std::env::var_os("CODETAGS_TEST_CHROMIUM").filter(|v| !v.is_empty())
    else {
        eprintln!("CODETAGS_TEST_CHROMIUM is not set: the dashboard is not rendered in Chromium");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("page.html");
    std::fs::write(&page, render_dashboard(&history(), &Policy::default())).unwrap();
    let url = format!("file://{}", page.display());
    let profile = tempfile::tempdir().unwrap();
    let chromium_args = |extra: &[String]| {
        let mut cmd = Command::new(&chromium);
        cmd.args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra);
        cmd
    };
    let dom = chromium_args(&["--dump-dom".into(), url.clone()])
        .output()
        .unwrap();
    assert!(
        dom.status.success(),
        "{}",
        String::from_utf8_lossy(&dom.stderr)
    );
    let dom = String::from_utf8_lossy(&dom.stdout);
    assert_eq!(dom.matches("<svg class=\"chart\"").count(), 2, "{dom}");
    assert!(dom.contains("circle") && dom.contains("polygon"));
    let shot = dir.path().join("page.png");
    let out = chromium_args(&[
        format!("--screenshot={}", shot.display()),
        "--window-size=900,1100".into(),
        url,
    ])
    .output()
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let png = std::fs::read(&shot).unwrap();
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 10_000,
        "{} bytes",
        png.len()
    );
}
