//! The benchmark dashboard: one self-contained HTML page (no script, no external file) drawn
//! from the history in `benchmark_results.json` — `codetags-bench --dashboard FILE`.
//!
//! Per benchmark, an inline SVG trend chart: each run's median (a dot) with its robust spread
//! (a bar, median × (1 ± relative spread)), the threshold band (from the historical average of
//! the runs before it up to that average plus the benchmark's threshold), and each run the
//! regression rule judged a regression against the runs before it ringed in red. Below, the
//! runs: when, which commit, which machine, which mode. Every run's verdict is recomputed with
//! [`crate::compare::compare`] and the same [`Policy`] the gate uses, so the page and the gate
//! cannot disagree.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use crate::compare::{Policy, Verdict, compare};
use crate::history::{History, Run, Unit};

/// Width and height of one chart, in CSS pixels.
const WIDTH: f64 = 460.0;
const HEIGHT: f64 = 180.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = 34.0;

/// Escapes text for HTML and SVG content and attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// One run's point on a chart.
#[derive(Debug, Clone)]
struct Point {
    run: usize,
    median: f64,
    spread: f64,
    baseline: Option<f64>,
    verdict: Verdict,
}

/// Every benchmark name in the history, in first-seen order.
fn benchmark_names(history: &History) -> Vec<String> {
    let mut seen = BTreeSet::new();
    let mut names = Vec::new();
    for run in &history.runs {
        for result in &run.results {
            if seen.insert(result.name.clone()) {
                names.push(result.name.clone());
            }
        }
    }
    names
}

/// The points of benchmark `name`, in `unit`, each judged against the runs before it.
fn points(history: &History, name: &str, unit: Unit, policy: &Policy) -> Vec<Point> {
    let mut out = Vec::new();
    for (i, run) in history.runs.iter().enumerate() {
        let Some(result) = run.results.iter().find(|r| r.name == name) else {
            continue;
        };
        let before = History {
            schema_version: history.schema_version,
            runs: history.runs[..i].to_vec(),
        };
        let only = Run {
            results: vec![result.clone()],
            ..run.clone()
        };
        let comparison = compare(&only, &before, policy).remove(0);
        out.push(Point {
            run: i,
            median: result.unit.convert(result.median, unit),
            spread: result.relative_spread(),
            baseline: comparison.baseline.map(|b| result.unit.convert(b, unit)),
            verdict: comparison.verdict,
        });
    }
    out
}

/// A figure with three significant digits.
fn figure(v: f64) -> String {
    let a = v.abs();
    if a == 0.0 {
        "0".to_owned()
    } else if a >= 100.0 {
        format!("{v:.0}")
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else if a >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    }
}

fn short_revision(run: &Run) -> String {
    run.git_revision
        .as_deref()
        .map_or_else(|| "unknown".to_owned(), |r| r.chars().take(10).collect())
}

/// The chart of one benchmark.
fn chart(history: &History, name: &str, policy: &Policy) -> String {
    let unit = history
        .runs
        .iter()
        .rev()
        .find_map(|run| run.results.iter().find(|r| r.name == name))
        .map_or(Unit::Milliseconds, |r| r.unit);
    let points = points(history, name, unit, policy);
    let threshold = policy.threshold_for(name);
    let runs = history.runs.len().max(1);
    let top = points
        .iter()
        .flat_map(|p| {
            [
                p.median * (1.0 + p.spread),
                p.baseline.map_or(0.0, |b| b * (1.0 + threshold)),
            ]
        })
        .fold(0.0_f64, f64::max)
        .max(f64::MIN_POSITIVE)
        * 1.1;
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let x = |run: usize| {
        if runs <= 1 {
            LEFT + plot_w / 2.0
        } else {
            LEFT + plot_w * run as f64 / (runs - 1) as f64
        }
    };
    let y = |v: f64| TOP + plot_h * (1.0 - (v / top).clamp(0.0, 1.0));

    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{}">"#,
        escape(&format!("{name}: median per run"))
    );
    // Axes and three gridlines with their values.
    for step in 0..=3 {
        let v = top / 1.1 * f64::from(step) / 3.0;
        let _ = write!(
            svg,
            r##"<line x1="{LEFT}" x2="{}" y1="{y:.1}" y2="{y:.1}" stroke="#ddd"/><text x="{}" y="{:.1}" text-anchor="end" font-size="11">{} {}</text>"##,
            WIDTH - RIGHT,
            LEFT - 6.0,
            y(v) + 4.0,
            figure(v),
            unit.label(),
            y = y(v),
        );
    }
    // The threshold band: baseline to baseline × (1 + threshold), over the runs that have one.
    let banded: Vec<&Point> = points.iter().filter(|p| p.baseline.is_some()).collect();
    if !banded.is_empty() {
        let mut polygon = String::new();
        for p in &banded {
            let b = p.baseline.unwrap_or(0.0);
            let _ = write!(polygon, "{:.1},{:.1} ", x(p.run), y(b * (1.0 + threshold)));
        }
        for p in banded.iter().rev() {
            let b = p.baseline.unwrap_or(0.0);
            let _ = write!(polygon, "{:.1},{:.1} ", x(p.run), y(b));
        }
        let _ = write!(
            svg,
            r##"<polygon class="band" points="{}" fill="#f4c542" fill-opacity="0.30" stroke="#d9a400" stroke-width="0.5"><title>threshold band: historical average to +{:.0} %</title></polygon>"##,
            polygon.trim_end(),
            threshold * 100.0
        );
    }
    // The median line.
    if points.len() > 1 {
        let path: Vec<String> = points
            .iter()
            .map(|p| format!("{:.1},{:.1}", x(p.run), y(p.median)))
            .collect();
        let _ = write!(
            svg,
            r##"<polyline points="{}" fill="none" stroke="#3465a4" stroke-width="1.5"/>"##,
            path.join(" ")
        );
    }
    for p in &points {
        let run = &history.runs[p.run];
        let (low, high) = (p.median * (1.0 - p.spread), p.median * (1.0 + p.spread));
        let failed = p.verdict.fails();
        let title = escape(&format!(
            "run {} · {} · {} · median {} {} ±{:.1} % · {}",
            p.run + 1,
            run.timestamp,
            short_revision(run),
            figure(p.median),
            unit.label(),
            p.spread * 100.0,
            p.verdict.label()
        ));
        let _ = write!(
            svg,
            r##"<g class="run{}"><title>{title}</title><line x1="{cx:.1}" x2="{cx:.1}" y1="{:.1}" y2="{:.1}" stroke="#3465a4" stroke-width="3" stroke-opacity="0.45"/><circle cx="{cx:.1}" cy="{:.1}" r="3.5" fill="#3465a4"/>"##,
            if failed { " regression" } else { "" },
            y(low),
            y(high),
            y(p.median),
            cx = x(p.run),
        );
        if failed {
            let _ = write!(
                svg,
                r##"<circle cx="{:.1}" cy="{:.1}" r="8" fill="none" stroke="#cc0000" stroke-width="2"/><text x="{:.1}" y="{:.1}" text-anchor="{}" font-size="10" style="fill:#cc0000">{}</text>"##,
                x(p.run),
                y(p.median),
                x(p.run),
                (y(p.median) - 11.0).max(10.0),
                if x(p.run) > WIDTH - 90.0 {
                    "end"
                } else if x(p.run) < LEFT + 50.0 {
                    "start"
                } else {
                    "middle"
                },
                escape(p.verdict.label())
            );
        }
        svg.push_str("</g>");
        let _ = write!(
            svg,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="10">{}</text>"#,
            x(p.run),
            HEIGHT - BOTTOM + 14.0,
            p.run + 1
        );
    }
    let _ = write!(
        svg,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="11">run</text></svg>"#,
        LEFT + plot_w / 2.0,
        HEIGHT - 4.0
    );
    svg
}

/// The dashboard page for `history`, judged with `policy`.
///
/// ```
/// use codetags_bench::compare::Policy;
/// use codetags_bench::dashboard::render_dashboard;
/// use codetags_bench::history::History;
/// let page = render_dashboard(&History::default(), &Policy::default());
/// assert!(page.starts_with("<!DOCTYPE html>") && page.contains("No runs yet"));
/// ```
pub fn render_dashboard(history: &History, policy: &Policy) -> String {
    let mut html = String::new();
    html.push_str(
        r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>codetags benchmarks</title>
<style>
body { font-family: system-ui, sans-serif; margin: 24px; color: #222; }
h1 { font-size: 20px; } h2 { font-size: 14px; margin: 14px 0 2px; font-family: monospace; }
.grid { display: flex; flex-wrap: wrap; gap: 4px 18px; }
table { border-collapse: collapse; font-size: 12px; margin-top: 8px; }
td, th { border: 1px solid #ccc; padding: 3px 8px; text-align: left; }
.legend { font-size: 12px; color: #555; }
.failed { color: #cc0000; font-weight: bold; }
svg text { font-family: system-ui, sans-serif; fill: #444; }
</style></head><body>
<h1>codetags benchmarks</h1>
"#,
    );
    if history.runs.is_empty() {
        html.push_str(
            "<p>No runs yet: run <code>codetags-bench --baseline</code>.</p></body></html>\n",
        );
        return html;
    }
    let _ = write!(
        html,
        r#"<p class="legend">{} runs, {} to {}. Dot: median of a run; bar: its robust spread; yellow: the threshold band (historical average of the last {} runs before it, up to +threshold); red ring: a run the regression rule fails (noise factor {}, at least {} runs, far factor {}).</p>"#,
        history.runs.len(),
        escape(&history.runs[0].timestamp),
        escape(&history.runs[history.runs.len() - 1].timestamp),
        policy.window,
        policy.noise_factor,
        policy.min_history,
        policy.far_factor
    );
    let last = &history.runs[history.runs.len() - 1];
    let before = History {
        schema_version: history.schema_version,
        runs: history.runs[..history.runs.len() - 1].to_vec(),
    };
    let _ = write!(
        html,
        "<h2>Latest run ({}, <code>{}</code>)</h2><table><tr><th>benchmark</th><th>median</th><th>baseline (runs)</th><th>change</th><th>threshold</th><th>verdict</th></tr>",
        escape(&last.timestamp),
        escape(&short_revision(last))
    );
    for c in compare(last, &before, policy) {
        let unit = c.current.unit.label();
        let _ = write!(
            html,
            r#"<tr><td><code>{}</code></td><td>{} {unit}</td><td>{}</td><td>{}</td><td>{:.0} %</td><td class="{}">{}</td></tr>"#,
            escape(&c.name),
            figure(c.current.median),
            c.baseline.map_or_else(
                || "-".to_owned(),
                |b| format!("{} {unit} ({})", figure(b), c.history_runs)
            ),
            c.change
                .map_or_else(|| "-".to_owned(), |ch| format!("{:+.1} %", ch * 100.0)),
            c.threshold * 100.0,
            if c.verdict.fails() { "failed" } else { "" },
            escape(c.verdict.label())
        );
    }
    html.push_str("</table>\n<div class=\"grid\">\n");
    for name in benchmark_names(history) {
        let _ = writeln!(
            html,
            r#"<section class="benchmark"><h2>{} <span class="legend">threshold {:.0} %</span></h2>{}</section>"#,
            escape(&name),
            policy.threshold_for(&name) * 100.0,
            chart(history, &name, policy)
        );
    }
    html.push_str("</div>\n");
    html.push_str(
        "<h2>Runs</h2><table><tr><th>run</th><th>time (UTC)</th><th>commit</th><th>machine</th><th>mode</th><th>regressions</th></tr>\n",
    );
    for (i, run) in history.runs.iter().enumerate() {
        let before = History {
            schema_version: history.schema_version,
            runs: history.runs[..i].to_vec(),
        };
        let failed: Vec<String> = compare(run, &before, policy)
            .into_iter()
            .filter(|c| c.verdict.fails())
            .map(|c| c.name)
            .collect();
        let machine = &run.machine;
        let _ = writeln!(
            html,
            r#"<tr><td>{}</td><td>{}</td><td><code>{}</code></td><td>{} · {} CPUs · {} · {}/{}</td><td>{}</td><td class="{}">{}</td></tr>"#,
            i + 1,
            escape(&run.timestamp),
            escape(&short_revision(run)),
            escape(&machine.hostname),
            machine.cpus,
            escape(machine.cpu_model.as_deref().unwrap_or("CPU unknown")),
            escape(&machine.os),
            escape(&machine.arch),
            match run.mode {
                crate::history::Mode::Full => "full",
                crate::history::Mode::Quick => "quick",
            },
            if failed.is_empty() { "" } else { "failed" },
            escape(&failed.join(", "))
        );
    }
    html.push_str("</table></body></html>\n");
    html
}
