//! `codetags scan`: the configuration with the command line's overrides, the cache opened for
//! the scan, the scan itself, the report to stdout or `--output`, and the closing lines on
//! stderr.

use super::cli::{ColorChoice, GlobalArgs, ScanArgs};
use super::exit::{Exit, UsageError};
use super::project::load_config;
use super::{cache_cmd, output, progress};
use codetags_cli::config::parse_schema;
use codetags_cli::display::display_path;
use codetags_cli::extract::Tokenize;
use codetags_cli::filter::Filter;
use codetags_cli::report::{self, Format, RenderOptions};
use codetags_cli::scan::{LazyOutcome, ScanError, ScanOutcome, ScanRequest};
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
    let filter = match args.filter.as_deref().filter(|e| !e.is_empty()) {
        Some(expression) => match Filter::compile(expression) {
            Ok(filter) => Some(filter),
            Err(err) => {
                eprintln!("Filter error: {err}");
                return Ok(Exit::Usage);
            }
        },
        None => None,
    };
    let no_cache = args.no_cache().map_err(UsageError)?;
    let cache = if no_cache {
        None
    } else {
        cache_cmd::open_for_scan(global, &config, &args.paths, args.clean_old_caches)?
    };
    let request_blame = config.blame;
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
    // The report streams from the compact outcome; a filter and blame need the tags themselves.
    let wants_blame = args.blame || request_blame;
    let mut full = (filter.is_some() || wants_blame).then(|| outcome.to_outcome());
    if let (Some(filter), Some(full)) = (&filter, full.as_mut()) {
        apply_filter(filter, full);
    }
    let blame = full.as_ref().filter(|_| wants_blame).map(|full| {
        let report = codetags_cli::blame::blame_tags(
            full,
            cache
                .as_deref()
                .map(|c| c as &dyn codetags_cli::blame::BlameCache),
            args.threads,
        );
        log_phase(run_started, "blamed");
        tracing::info!(
            files = report.stats.files,
            cached = report.stats.cached,
            blamed = report.stats.blamed,
            untracked = report.stats.untracked,
            "blame done"
        );
        report
    });

    let options = RenderOptions {
        tags: args
            .tags
            .iter()
            .map(|t| t.trim().to_ascii_uppercase())
            .collect(),
        color: use_color(args.color, args.output.is_some(), format),
        ..RenderOptions::default()
    };
    output::write_report(args.output.as_deref(), |w| {
        render(&outcome, full.as_ref(), blame.as_ref(), format, &options, w)
    })?;

    log_phase(run_started, "rendered");
    match &full {
        Some(full) => report_full_to_stderr(full, &options, global.quiet),
        None => report_to_stderr(&outcome, &options, global.quiet),
    }
    if let Some(blame) = &blame
        && global.quiet < 2
    {
        for note in &blame.notes {
            eprintln!("codetags: note: {note}");
        }
    }
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

/// Renders the compact outcome, streaming; or the decoded one (`full`: filtered), with each
/// tag's blame when `--blame` asked for it.
fn render(
    outcome: &LazyOutcome,
    full: Option<&ScanOutcome>,
    blame: Option<&codetags_cli::blame::BlameReport>,
    format: Format,
    options: &RenderOptions,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    match (full, blame) {
        (Some(full), Some(blame)) => {
            report::render_blamed(full, blame, format, options, chrono::Utc::now(), out)
        }
        (Some(full), None) => report::render(full, format, options, out),
        (None, _) => report::render_lazy(outcome, format, options, out),
    }
}

/// Keeps the tags `--filter` selects; a tag it fails on is left out with a warning.
fn apply_filter(filter: &Filter, outcome: &mut ScanOutcome) {
    for file in &mut outcome.files {
        let path = display_path(&file.path);
        filter.retain(&mut file.tags, |tag, err| {
            tracing::warn!(
                "{path}:{}:{}: {err}; the tag is left out",
                tag.offsets.start_line + 1,
                tag.offsets.start_column + 1
            );
        });
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
    closing_lines(&mut err, count, tags, outcome.stats.files, || {
        outcome.files_with_diagnostics()
    });
}

/// [`report_to_stderr`] for a decoded (filtered) outcome.
fn report_full_to_stderr(outcome: &ScanOutcome, options: &RenderOptions, quiet: u8) {
    let stderr = std::io::stderr();
    let mut err = stderr.lock();
    let count = report::write_diagnostics(outcome, &mut err).unwrap_or(0);
    if quiet > 0 {
        return;
    }
    let tags = report::selected(outcome, options).count();
    closing_lines(&mut err, count, tags, outcome.stats.files, || {
        outcome
            .files
            .iter()
            .filter(|f| !f.diagnostics.is_empty())
            .count()
            + outcome.problems.len()
    });
}

/// The "nothing found" and diagnostics-count lines.
fn closing_lines(
    err: &mut dyn Write,
    count: usize,
    tags: usize,
    scanned: usize,
    files_with_diagnostics: impl FnOnce() -> usize,
) {
    if tags == 0 {
        let _ = writeln!(err, "codetags: no tags found ({scanned} files scanned)");
    }
    if count > 0 {
        let files = files_with_diagnostics();
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
