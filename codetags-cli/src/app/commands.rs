//! `codetags scan`: the configuration with the command line's overrides, the cache opened for
//! the scan, the scan itself, the report to stdout or `--output`, and the closing lines on
//! stderr.

use super::cli::{ColorChoice, GlobalArgs, ScanArgs};
use super::exit::{Exit, UsageError, is_broken_pipe};
use super::project::load_config;
use super::{cache_cmd, output, progress};
use anyhow::Context;
use codetags_cli::config::parse_schema;
use codetags_cli::extract::Tokenize;
use codetags_cli::report::{self, Format, RenderOptions};
use codetags_cli::scan::{LazyOutcome, ScanError, ScanRequest};
use codetags_cli::state::StateStore;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

/// Runs `codetags scan`.
pub fn run_scan(global: &GlobalArgs, args: ScanArgs) -> anyhow::Result<Exit> {
    let run_started = Instant::now();
    let format = report::Format::from(args.format);
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
        cache_cmd::open_for_scan(global, &config, &args.paths, args.clean_old_caches)?
    };
    let mut request = ScanRequest::new(args.paths.clone(), config);
    request.threads = args.threads;
    request.follow_symlinks = args.follow_symlinks;
    if args.tokenize_all {
        request.tokenize = Tokenize::All;
    }
    request.skip_dir = cache.as_ref().map(|c| c.root().to_path_buf());
    request.cache = cache.clone().map(|c| c as Arc<dyn StateStore>);

    let outcome = match progress::scan_with_progress(request, global.quiet == 0) {
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
        color: use_color(args.color, args.output.is_some(), format),
    };
    let written = match &args.output {
        Some(path) => {
            // The error already names the target (never the temp file beside it).
            output::write_atomically(path, |w| report::render_lazy(&outcome, format, &options, w))
                .map_err(anyhow::Error::from)
        }
        None => {
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
            report::render_lazy(&outcome, format, &options, &mut out)
                .and_then(|()| out.flush())
                .context("cannot write to stdout")
        }
    };
    if let Err(err) = written
        && !is_broken_pipe(&err)
    {
        return Err(err);
    }

    log_phase(run_started, "rendered");
    report_to_stderr(&outcome, &options, global.quiet);
    if let Some(cache) = &cache {
        cache.record_last_scan(outcome.stats, outcome.elapsed);
        cache.auto_cleanup();
    }
    log_phase(run_started, "finished");
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
fn report_to_stderr(outcome: &LazyOutcome, options: &RenderOptions, quiet: u8) {
    let stderr = std::io::stderr();
    let mut err = stderr.lock();
    let count = report::write_lazy_diagnostics(outcome, &mut err).unwrap_or(0);
    if quiet > 0 {
        return;
    }
    let tags = report::selected_count(outcome, options);
    if tags == 0 {
        let _ = writeln!(
            err,
            "codetags: no tags found ({} files scanned)",
            outcome.stats.files
        );
    }
    if count > 0 {
        let files = outcome.files_with_diagnostics();
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

/// Logs, at debug level (`-vv`), that a phase of the run ended and how long since `started`.
fn log_phase(started: Instant, phase: &str) {
    tracing::debug!(
        elapsed_ms = started.elapsed().as_secs_f64() * 1e3,
        "{phase}"
    );
}
