//! The `codetags` command: scan Python source trees for code tags (`# TODO: … <…>`), in
//! parallel, with a persistent scan-state cache, and report them as text, pycodetags JSON or a
//! summary.
//!
//! `main.rs` only calls [`main`]. The pieces are public so other crates (the benchmarks) can
//! scan in-process:
//!
//! * [`config`] — `[tool.pycodetags]` from `pyproject.toml` (figment);
//! * [`walk`] — the parallel, `.gitignore`-aware walk;
//! * [`scan`] — [`scan::scan`]`(&`[`scan::ScanRequest`]`) -> `[`scan::ScanOutcome`], the per-file
//!   pipeline and the scan-state cache;
//! * [`cache`] — the scan state stored through cache-core, the last-scan statistics and
//!   `codetags cache …`;
//! * [`render`] — text, JSON and summary output.
//!
//! ```
//! use codetags_cli::{config::ProjectConfig, scan::{scan, ScanRequest}};
//! let dir = tempfile::tempdir().unwrap();
//! std::fs::write(dir.path().join("m.py"), "# FIXME: leaks <owner=ann>\nx = 1\n").unwrap();
//! let outcome = scan(&ScanRequest::new(vec![dir.path().into()], ProjectConfig::defaults(dir.path()))).unwrap();
//! assert_eq!(outcome.files[0].tags[0].code_tag, "FIXME");
//! ```

pub mod cache;
pub mod cli;
pub mod config;
pub mod engine;
pub mod fnmatch;
pub mod output;
pub mod render;
pub mod scan;
pub mod walk;

use crate::cli::{Cli, ColorChoice, Command, GlobalArgs, ScanArgs};
use crate::config::{ProjectConfig, parse_schema};
use crate::render::{Format, RenderOptions};
use crate::scan::{ScanError, ScanOutcome, ScanRequest};
use anyhow::Context;
use clap::Parser;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// This tool's version (the crate version), part of every cache key and cache namespace.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: success, also when nothing was found.
    Success,
    /// 1: `--strict` and at least one diagnostic.
    Diagnostics,
    /// 2: usage, configuration or missing-path error.
    Usage,
}

impl Exit {
    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            Exit::Success => 0,
            Exit::Diagnostics => 1,
            Exit::Usage => 2,
        }
    }
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        ExitCode::from(exit.code())
    }
}

/// An error that is the user's to fix (bad config, missing path): exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// The whole program: parses the arguments, runs, prints errors, returns the exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            // --help and --version print to stdout and succeed; usage errors exit 2.
            let code = if err.use_stderr() {
                Exit::Usage
            } else {
                Exit::Success
            };
            let _ = err.print();
            return code.into();
        }
    };
    init_logging(&cli.global);
    survive_file_size_limit();
    match run(cli) {
        Ok(exit) => exit.into(),
        Err(err) => {
            if is_broken_pipe(&err) {
                return Exit::Success.into();
            }
            eprintln!("codetags: error: {err:#}");
            Exit::Usage.into()
        }
    }
}

/// Runs parsed arguments. Errors are configuration, usage or I/O failures (exit code 2).
pub fn run(cli: Cli) -> anyhow::Result<Exit> {
    match cli.command {
        Command::Scan(args) => run_scan(&cli.global, args),
        Command::Cache(command) => cache::run_cache_command(&cli.global, command),
    }
}

/// Makes a file-size limit (`ulimit -f`, RLIMIT_FSIZE) an `EFBIG` error instead of a fatal
/// signal. By default the kernel kills a process with SIGXFSZ the moment a write crosses the
/// limit: exit 153, no output, a temp file left behind. With a handler installed the write
/// fails with `EFBIG`, which the cache treats like a full disk (a warning, the entry not
/// written) and the report like any other write error. A handler, unlike `SIG_IGN`, is reset by
/// `exec`, so programs we start (git) see the default disposition.
fn survive_file_size_limit() {
    #[cfg(unix)]
    {
        let flag = Arc::new(std::sync::atomic::AtomicBool::new(false));
        if let Err(err) = signal_hook::flag::register(signal_hook::consts::SIGXFSZ, flag) {
            tracing::debug!(%err, "cannot handle SIGXFSZ; a file-size limit will stop the run");
        }
    }
}

fn init_logging(global: &GlobalArgs) {
    use tracing_subscriber::EnvFilter;
    // `-q` silences only the closing summary lines; warnings go only with `-qq`.
    let level = match (global.verbose, global.quiet) {
        (0, 0 | 1) => "warn",
        (0, 2) => "error",
        (0, _) => "off",
        (1, _) => "info",
        (2, _) => "debug",
        _ => "trace",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(level));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .without_time()
        .try_init();
}

/// Loads `[tool.pycodetags]` from `--config`, else the nearest `pyproject.toml` at or above
/// the working directory, else the nearest one at or above `fallback` (the first path to
/// scan), else defaults.
pub fn load_config(global: &GlobalArgs, fallback: Option<&Path>) -> anyhow::Result<ProjectConfig> {
    let cwd = std::env::current_dir().context("cannot determine the working directory")?;
    let config = match &global.config {
        Some(file) => ProjectConfig::load(file),
        None => match config::find_pyproject(&cwd)
            .or_else(|| fallback.and_then(config::find_pyproject))
        {
            Some(file) => ProjectConfig::load(&file),
            None => ProjectConfig::discover(&cwd),
        },
    }
    .map_err(|e| UsageError(e.to_string()))?;
    for warning in &config.warnings {
        tracing::warn!("{warning}");
    }
    Ok(config)
}

fn run_scan(global: &GlobalArgs, args: ScanArgs) -> anyhow::Result<Exit> {
    let run_started = std::time::Instant::now();
    let mut config = load_config(global, args.paths.first().map(PathBuf::as_path))?;
    if let Some(name) = &args.schema {
        config.schema = parse_schema(name)
            .map_err(|reason| UsageError(format!("--schema {name:?}: {reason}")))?;
        config.schema_paths.clear();
    }
    for ext in &args.extensions {
        let ext = ext.trim_start_matches('.');
        if !ext.is_empty() && !config.extensions.iter().any(|e| e == ext) {
            config.extensions.push(ext.to_owned());
        }
    }
    let no_cache = args.no_cache().map_err(UsageError)?;
    let cache = if no_cache {
        None
    } else {
        cache::open_for_scan(global, &config, &args.paths, args.clean_old_caches)?
    };
    let mut request = ScanRequest::new(args.paths.clone(), config);
    request.threads = args.threads;
    request.follow_symlinks = args.follow_symlinks;
    if args.tokenize_all {
        request.tokenize = engine::Tokenize::All;
    }
    request.skip_dir = cache.as_ref().map(|c| c.root().to_path_buf());
    request.cache = cache.clone().map(|c| c as Arc<dyn scan::StateStore>);

    let outcome = match scan_with_progress(request, global.quiet == 0) {
        Ok(outcome) => outcome,
        Err(err @ ScanError::MissingPath { .. }) => {
            eprintln!("codetags: error: {err}");
            return Ok(Exit::Usage);
        }
    };

    let options = RenderOptions {
        tags: args
            .tags
            .iter()
            .map(|t| t.trim().to_ascii_uppercase())
            .collect(),
        color: use_color(args.color, args.output.is_some(), args.format),
    };
    let written = match &args.output {
        Some(path) => {
            // The error already names the target (never the temp file beside it).
            output::write_atomically(path, |w| render::render(&outcome, args.format, &options, w))
                .map_err(anyhow::Error::from)
        }
        None => {
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
            render::render(&outcome, args.format, &options, &mut out)
                .and_then(|()| out.flush())
                .context("cannot write to stdout")
        }
    };
    if let Err(err) = written
        && !is_broken_pipe(&err)
    {
        return Err(err);
    }

    scan::log_phase(run_started, "rendered");
    report_to_stderr(&outcome, &options, global.quiet);
    if let Some(cache) = &cache {
        cache.record_last_scan(&outcome);
        cache.auto_cleanup();
    }
    scan::log_phase(run_started, "finished");
    tracing::info!(
        files = outcome.stats.files,
        hits = outcome.stats.hits,
        misses = outcome.stats.misses,
        parsed = outcome.stats.parsed,
        elapsed_ms = outcome.elapsed.as_millis() as u64,
        "scan done"
    );
    if args.strict && outcome.diagnostic_count() > 0 {
        Ok(Exit::Diagnostics)
    } else {
        Ok(Exit::Success)
    }
}

/// Diagnostics, one line each, then the closing count or "nothing found" line.
fn report_to_stderr(outcome: &ScanOutcome, options: &RenderOptions, quiet: u8) {
    let stderr = std::io::stderr();
    let mut err = stderr.lock();
    let count = render::write_diagnostics(outcome, &mut err).unwrap_or(0);
    if quiet > 0 {
        return;
    }
    let tags = render::selected(outcome, options).count();
    if tags == 0 {
        let _ = writeln!(
            err,
            "codetags: no tags found ({} files scanned)",
            outcome.stats.files
        );
    }
    if count > 0 {
        let files = outcome
            .files
            .iter()
            .filter(|f| !f.diagnostics.is_empty())
            .count()
            + outcome.problems.len();
        let _ = writeln!(
            err,
            "codetags: {count} diagnostic{} in {files} file{}",
            if count == 1 { "" } else { "s" },
            if files == 1 { "" } else { "s" }
        );
    }
}

fn use_color(choice: ColorChoice, to_file: bool, format: Format) -> bool {
    if format == Format::Json {
        return false;
    }
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            !to_file
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
        }
    }
}

/// Runs the scan on a worker thread; when stderr is a terminal and the scan lasts more than
/// a moment, shows a spinner with the number of files visited.
fn scan_with_progress(mut request: ScanRequest, allowed: bool) -> Result<ScanOutcome, ScanError> {
    if !allowed || !std::io::stderr().is_terminal() {
        return scan::scan(&request);
    }
    let counter = Arc::new(AtomicUsize::new(0));
    request.progress = Some(counter.clone());
    std::thread::scope(|scope| {
        let worker = scope.spawn(|| scan::scan(&request));
        let mut bar: Option<indicatif::ProgressBar> = None;
        let mut waited = Duration::ZERO;
        let tick = Duration::from_millis(50);
        while !worker.is_finished() {
            std::thread::sleep(tick);
            waited += tick;
            if waited >= Duration::from_millis(300) {
                let bar = bar.get_or_insert_with(|| {
                    let bar = indicatif::ProgressBar::with_draw_target(
                        None,
                        indicatif::ProgressDrawTarget::stderr(),
                    );
                    bar.set_style(
                        indicatif::ProgressStyle::with_template("{spinner} {msg} [{elapsed}]")
                            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
                    );
                    bar
                });
                bar.set_message(format!("{} files", counter.load(Ordering::Relaxed)));
                bar.tick();
            }
        }
        if let Some(bar) = bar {
            bar.finish_and_clear();
        }
        worker
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
