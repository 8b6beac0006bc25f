//! `codetags-bench`: run the benchmark suite with the harness's own timing loop, compare with
//! the history in `benchmark_results.json`, and with `--baseline` append this run to it.
//!
//! Exit status: 0 normally (also on a regression, unless `CODETAGS_BENCH_FAIL_ON_REGRESSION=1`);
//! 1 on a regression when that variable asks for it; 2 when a benchmark failed or on a usage,
//! environment or results-file error.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Parser;

use codetags_bench::compare::{self, FAIL_ENV, Policy};
use codetags_bench::generated::Kind;
use codetags_bench::harness::{self, Event};
use codetags_bench::history::{self, DEFAULT_RESULTS_FILE, History, Loaded, Mode};
use codetags_bench::machine;
use codetags_bench::measure::{MeasureConfig, RealClock};
use codetags_bench::suite::{self, BenchmarkDef, Inputs};

/// Run the codetags benchmark suite (PEP 003) and compare it with earlier runs.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Append this run to the results file (without it, the run is only compared and printed).
    #[arg(long)]
    baseline: bool,

    /// Short warm-up and few samples: a smoke test that finishes within a minute.
    #[arg(long)]
    quick: bool,

    /// The results file.
    #[arg(long, value_name = "PATH", default_value = DEFAULT_RESULTS_FILE)]
    results: PathBuf,

    /// Run only benchmarks whose name contains this text (repeatable).
    #[arg(long, value_name = "TEXT")]
    filter: Vec<String>,

    /// Slowdown threshold for one benchmark, in percent (repeatable), e.g. cache/put=50.
    #[arg(long, value_name = "NAME=PERCENT")]
    threshold: Vec<String>,

    /// Slowdown threshold, in percent, for benchmarks the suite gives none.
    #[arg(long, value_name = "PERCENT", default_value_t = compare::DEFAULT_THRESHOLD * 100.0)]
    default_threshold: f64,

    /// How many past runs the historical average covers.
    #[arg(long, value_name = "N", default_value_t = compare::DEFAULT_WINDOW)]
    window: usize,

    /// How many noise spreads beyond its threshold a slowdown must be to count as a regression.
    #[arg(long, value_name = "K", default_value_t = compare::DEFAULT_NOISE_FACTOR)]
    noise_factor: f64,

    /// How many past runs the historical average needs before a slowdown counts as a regression.
    #[arg(long, value_name = "N", default_value_t = compare::DEFAULT_MIN_HISTORY)]
    min_history: usize,

    /// With a shorter history, how many regression margins a slowdown must exceed (and every
    /// earlier run) to fail anyway.
    #[arg(long, value_name = "K", default_value_t = compare::DEFAULT_FAR_FACTOR)]
    far_factor: f64,

    /// The Python stdlib folder to measure (default: $CODETAGS_BENCH_STDLIB, else python3's).
    #[arg(long, value_name = "DIR")]
    stdlib: Option<PathBuf>,

    /// List the benchmarks and their thresholds, and exit.
    #[arg(long)]
    list: bool,

    /// Write the history (--results) as a self-contained HTML dashboard to FILE, and exit
    /// (nothing is measured).
    #[arg(long, value_name = "FILE")]
    dashboard: Option<PathBuf>,

    /// Write a generated workload (tree-10k, tree-50k, tree-200k, tree-1m, tags-1m) into DIR
    /// for side-by-side runs, and exit.
    #[arg(long, num_args = 2, value_names = ["KIND", "DIR"])]
    generate: Vec<PathBuf>,
}

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("codetags-bench: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run(args: Args) -> anyhow::Result<ExitCode> {
    if let [kind, dir] = args.generate.as_slice() {
        return generate(kind, dir);
    }
    let fail_on_regression = compare::fail_on_regression(std::env::var(FAIL_ENV).ok().as_deref())?;
    let defs: Vec<BenchmarkDef> = suite::suite()
        .into_iter()
        .filter(|d| {
            args.filter.is_empty() || args.filter.iter().any(|f| d.name.contains(f.as_str()))
        })
        .collect();
    let overrides = args
        .threshold
        .iter()
        .map(|spec| compare::parse_threshold(spec))
        .collect::<Result<Vec<_>, _>>()?;
    if !(args.default_threshold.is_finite() && args.default_threshold >= 0.0) {
        bail!("--default-threshold must be a non-negative percentage");
    }
    if !(args.noise_factor.is_finite() && args.noise_factor >= 0.0) {
        bail!("--noise-factor must be a non-negative number");
    }
    if args.far_factor.is_nan() || args.far_factor < 1.0 {
        bail!("--far-factor must be at least 1 (inf turns the rule off)");
    }
    let policy = harness::policy_for(
        &defs,
        overrides,
        Policy {
            default_threshold: args.default_threshold / 100.0,
            window: args.window.max(1),
            noise_factor: args.noise_factor,
            min_history: args.min_history,
            far_factor: args.far_factor,
            ..Policy::default()
        },
    );
    if args.list {
        for d in &defs {
            println!(
                "{:<30} {:>3}  threshold {:>3.0}%  {}",
                d.name,
                d.unit.label(),
                policy.threshold_for(d.name) * 100.0,
                d.description
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(page) = &args.dashboard {
        let history = read_history(&args.results)?;
        let html = codetags_bench::dashboard::render_dashboard(&history, &policy);
        write_page(page, &html)?;
        println!(
            "wrote {} ({} runs from {})",
            page.display(),
            history.runs.len(),
            args.results.display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    if defs.is_empty() {
        bail!("no benchmark matches the --filter given (see --list)");
    }

    // Read the history before spending minutes measuring: a file we may not rewrite stops us now.
    let history = read_history(&args.results)?;

    let mut inputs = match &args.stdlib {
        Some(dir) => Inputs::with_stdlib(dir),
        None => Inputs::discover(),
    };
    if args.quick {
        inputs = inputs.quick();
    }
    let (config, mode) = if args.quick {
        (MeasureConfig::quick(), Mode::Quick)
    } else {
        (MeasureConfig::full(), Mode::Full)
    };
    let timestamp = machine::timestamp_now();
    let clock = RealClock::default();
    let outcome = harness::run_benchmarks(&defs, &inputs, &config, &clock, print_progress);
    // The revision of the sources this binary was built from (the working directory may be
    // anywhere, e.g. where the results file is kept).
    let git_revision = machine::git_revision(Path::new(env!("CARGO_MANIFEST_DIR")));
    let run = harness::make_run(
        &outcome,
        timestamp.clone(),
        git_revision,
        machine::current_machine(),
        mode,
    );

    let comparisons = compare::compare(&run, &history, &policy);
    println!(
        "\ncodetags {} on {} ({} CPUs, {}), revision {}, {} mode",
        run.tool_version,
        run.machine.hostname,
        run.machine.cpus,
        run.machine.os,
        run.git_revision.as_deref().unwrap_or("unknown"),
        if args.quick { "quick" } else { "full" }
    );
    if comparisons.is_empty() {
        println!("(no benchmark was measured)");
    } else {
        print!("{}", compare::render_table(&comparisons));
    }
    for s in &outcome.skipped {
        println!("skipped {}: {}", s.name, s.reason);
    }
    for f in &outcome.failed {
        println!("FAILED {}: {}", f.name, f.reason);
    }

    if args.baseline {
        let appended = history::append_run(&args.results, run, &machine::file_stamp(&timestamp))?;
        if let Some((moved, reason)) = &appended.quarantined {
            eprintln!(
                "codetags-bench: {} was not a readable history ({reason}); it was moved to {} \
                 and a new history started",
                args.results.display(),
                moved.display()
            );
        }
        println!(
            "appended run {} to {}",
            appended.previous.runs.len() + 1,
            args.results.display()
        );
    } else {
        println!(
            "(not saved: pass --baseline to append this run to {})",
            args.results.display()
        );
    }

    if !outcome.failed.is_empty() {
        return Ok(ExitCode::from(2));
    }
    if compare::has_regression(&comparisons) {
        if fail_on_regression {
            eprintln!(
                "codetags-bench: performance regression (see the table); failing because {FAIL_ENV} is set"
            );
            return Ok(ExitCode::from(1));
        }
        eprintln!(
            "codetags-bench: performance regression (see the table); set {FAIL_ENV}=1 to fail on it"
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes `html` to `path` atomically (a temporary file beside it, then a rename).
fn write_page(path: &Path, html: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut file = tempfile::NamedTempFile::new_in(folder)
        .with_context(|| format!("cannot write in {}", folder.display()))?;
    file.write_all(html.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))?;
    file.persist(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// `--generate KIND DIR`.
fn generate(kind: &Path, dir: &Path) -> anyhow::Result<ExitCode> {
    let name = kind.to_string_lossy();
    let Some(kind) = Kind::parse(&name) else {
        bail!(
            "--generate {name:?}: unknown workload (one of {})",
            Kind::NAMES.join(", ")
        );
    };
    if dir.exists() && std::fs::read_dir(dir)?.next().is_some() {
        bail!("--generate: {} is not empty", dir.display());
    }
    let made = kind.generate(dir)?;
    println!(
        "{}: {} files, {} folders, {} bytes, {} tags",
        dir.display(),
        made.files,
        made.dirs,
        made.bytes,
        made.tags
    );
    Ok(ExitCode::SUCCESS)
}

/// The history to compare with. A corrupt file is reported and treated as empty here; it is
/// moved aside (never overwritten) only when `--baseline` writes a new one.
fn read_history(path: &Path) -> anyhow::Result<History> {
    match history::load(path).with_context(|| "reading the benchmark history")? {
        Loaded::Found(h) => Ok(h),
        Loaded::Missing => {
            eprintln!(
                "codetags-bench: no history at {} yet: every benchmark is new",
                path.display()
            );
            Ok(History::default())
        }
        Loaded::Corrupt { reason } => {
            eprintln!(
                "codetags-bench: {} is not a readable history ({reason}); comparing with nothing. \
                 With --baseline it is moved aside, not overwritten",
                path.display()
            );
            Ok(History::default())
        }
    }
}

fn print_progress(event: Event<'_>) {
    match event {
        Event::Started(name) => eprint!("{name} … "),
        Event::Measured(r) => eprintln!(
            "{:.3} {} (median of {} samples)",
            r.median,
            r.unit.label(),
            r.samples.len()
        ),
        Event::Skipped(s) => eprintln!("skipped: {}", s.reason),
        Event::Failed(f) => eprintln!("FAILED: {}", f.reason),
    }
}
