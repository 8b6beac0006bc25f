//! `codetags data`: pycodetags 0.8.1's `data` command line and reports.
//!
//! The paths are `--src` (repeatable) or the configuration's `src`, resolved as pycodetags
//! resolves them (canonical, so `file_path` and the terminal links are the absolute paths
//! 0.8.1 prints), and scanned through the same cached scan as `codetags scan`. The tags are
//! reported in 0.8.1's order — source path by source path as given, each one's files in path
//! order, a file reached twice reported once — then `--filter` keeps those its JMESPath
//! expression selects, and `--format` renders them as 0.8.1 does.
//!
//! Exit codes are ours (0.8.1 exits 1 when nothing is found and 200 on a bad filter):
//! 0 also when nothing is found (the message goes to stderr, the JSON report is `[]`), 2 for a
//! bad filter (`Filter error: Invalid JMESPath expression: …`, 0.8.1's words), a missing path,
//! or a configuration error.

use super::cache_cmd;
use super::cli::{DataArgs, DataFormatArg, GlobalArgs};
use super::exit::{Exit, UsageError};
use super::output;
use super::progress;
use super::project::load_config;
use codetags_cli::display::display_path;
use codetags_cli::extract::Tag;
use codetags_cli::filter::Filter;
use codetags_cli::report::{self, Format, RenderOptions, data_summary, data_text};
use codetags_cli::scan::{ScanError, ScanOutcome, ScanRequest};
use codetags_cli::state::CoreStateStore;
use codetags_cli::state::StateStore;
use codetags_cli::{blame, check};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Runs `codetags data`.
pub fn run_data(global: &GlobalArgs, args: DataArgs) -> anyhow::Result<Exit> {
    // 0.8.1 tests `if args.filter:`, so an empty expression is no filter at all.
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
    let mut config = load_config(global, args.src.first().map(PathBuf::as_path))?;
    let given: Vec<PathBuf> = if !args.src.is_empty() {
        args.src.clone()
    } else if !config.src.is_empty() {
        config.src.clone()
    } else {
        vec![config.base_dir.clone()]
    };
    let mut roots = Vec::with_capacity(given.len());
    for path in &given {
        match std::fs::canonicalize(path) {
            Ok(canonical) => roots.push(canonical),
            Err(_) => {
                let err = ScanError::MissingPath { path: path.clone() };
                eprintln!("codetags: error: {err}");
                return Ok(Exit::Usage);
            }
        }
    }
    // Patterns match paths relative to the project folder; the roots are canonical, so it
    // must be too.
    if let Ok(base) = std::fs::canonicalize(&config.base_dir) {
        config.base_dir = base;
    }

    // Read before the scan, so a bad rule setting or date stops the run before any work.
    let validation = if args.validate {
        let settings =
            check::CheckSettings::load(&config).map_err(|e| UsageError(e.to_string()))?;
        Some((settings, super::check_cmd::today(None)?))
    } else {
        None
    };
    let blame_wanted = args.blame || config.blame;
    let no_cache = args.no_cache().map_err(UsageError)?;
    let cache = if no_cache {
        None
    } else {
        cache_cmd::open_for_scan(global, &config, &roots, false)?
    };
    let mut request = ScanRequest::new(roots.clone(), config);
    request.threads = args.threads;
    request.skip_dir = cache.as_ref().map(|c| c.root().to_path_buf());
    request.cache = cache.clone().map(|c| c as Arc<dyn StateStore>);
    let outcome = match progress::scan_outcome_with_progress(request, global.quiet == 0) {
        Ok(outcome) => outcome,
        Err(err @ ScanError::MissingPath { .. }) => {
            eprintln!("codetags: error: {err}");
            return Ok(Exit::Usage);
        }
    };

    let blame = blame_wanted.then(|| {
        let report = blame::blame_tags(
            &outcome,
            cache.as_deref().map(|c| c as &dyn blame::BlameCache),
            args.threads,
        );
        if global.quiet < 2 {
            for note in &report.notes {
                eprintln!("codetags: note: {note}");
            }
        }
        report
    });
    if let Some((settings, today)) = &validation {
        let exit = validate(
            &outcome,
            filter.as_ref(),
            settings,
            *today,
            blame.as_ref(),
            &args,
            global.quiet,
        )?;
        record(cache.as_deref(), &outcome);
        return Ok(exit);
    }
    // pycodetags' text and summary views have no place for blame; JSON records gain it.
    let blame = blame.filter(|_| args.format == DataFormatArg::Json || args.validate);
    if args.format == DataFormatArg::Html || blame.is_some() {
        let exit = render_outcome(outcome, filter.as_ref(), blame.as_ref(), &args)?;
        return Ok(exit);
    }

    let mut tags = in_source_order(&outcome, &roots);
    if let Some(filter) = &filter {
        filter.retain(&mut tags, |tag, err| {
            tracing::warn!(
                "{}:{}:{}: {err}; the tag is left out",
                display_path(Path::new(&tag.file_path)),
                tag.offsets.start_line + 1,
                tag.offsets.start_column + 1
            );
        });
    }
    let tags: Vec<&Tag> = tags.iter().collect();
    output::write_report(args.output.as_deref(), |w| render(args.format, &tags, w))?;

    let stderr = std::io::stderr();
    let mut err = stderr.lock();
    let _ = report::write_diagnostics(&outcome, &mut err);
    if tags.is_empty() && global.quiet == 0 {
        let _ = writeln!(
            err,
            "codetags: no data to report ({} files scanned)",
            outcome.stats.files
        );
    }
    drop(err);
    record(cache.as_deref(), &outcome);
    Ok(Exit::Success)
}

/// The last-scan record and the daily cleanup, after the report.
fn record(cache: Option<&CoreStateStore>, outcome: &ScanOutcome) {
    if let Some(cache) = cache {
        cache.record_last_scan(outcome.stats, outcome.elapsed);
        cache.auto_cleanup();
    }
}

/// Keeps the tags `filter` selects, in place; a tag it fails on is left out with a warning.
fn filter_outcome(outcome: &mut ScanOutcome, filter: Option<&Filter>) {
    let Some(filter) = filter else { return };
    for file in &mut outcome.files {
        let path = display_path(&file.path).into_owned();
        filter.retain(&mut file.tags, |tag, err| {
            tracing::warn!(
                "{path}:{}:{}: {err}; the tag is left out",
                tag.offsets.start_line + 1,
                tag.offsets.start_column + 1
            );
        });
    }
}

/// `data --validate`: `codetags check`'s rules on the (filtered) tags, its output and exits.
fn validate(
    outcome: &ScanOutcome,
    filter: Option<&Filter>,
    settings: &check::CheckSettings,
    today: chrono::NaiveDate,
    blame: Option<&blame::BlameReport>,
    args: &DataArgs,
    quiet: u8,
) -> anyhow::Result<Exit> {
    // Blame is aligned with the unfiltered outcome, so the rules run on it and the filter
    // picks the findings of the tags it selects.
    let findings = match blame {
        Some(blame) => check::check_outcome_blamed(outcome, settings, today, blame),
        None => check::check_outcome(outcome, settings, today),
    };
    let findings: Vec<_> = match filter {
        Some(filter) => findings
            .into_iter()
            .filter(|f| filter.matches_tag(f.tag).unwrap_or(false))
            .collect(),
        None => findings,
    };
    output::write_report(args.output.as_deref(), |out| {
        super::check_cmd::write_text(&findings, out)
    })?;
    let stderr = std::io::stderr();
    let mut err = stderr.lock();
    let _ = report::write_diagnostics(outcome, &mut err);
    if quiet == 0 {
        let _ = writeln!(
            err,
            "codetags: {}",
            super::check_cmd::closing_line(&findings, outcome.tag_count())
        );
    }
    let errors = findings
        .iter()
        .any(|f| f.severity == check::Severity::Error);
    Ok(if errors {
        Exit::Findings
    } else {
        Exit::Success
    })
}

/// `--format html`, or JSON with `--blame`: rendered from the (filtered) outcome, in path
/// order, by the report layer.
fn render_outcome(
    mut outcome: ScanOutcome,
    filter: Option<&Filter>,
    blame: Option<&blame::BlameReport>,
    args: &DataArgs,
) -> anyhow::Result<Exit> {
    let format = match args.format {
        DataFormatArg::Text => Format::Text,
        DataFormatArg::Json => Format::Json,
        DataFormatArg::Summary => Format::Summary,
        DataFormatArg::Html => Format::Html,
    };
    let options = RenderOptions::default();
    match blame {
        Some(blame) => {
            // Blame is aligned with the outcome's tags: filter through a mask, not in place.
            let mut masked = blame.clone();
            if let Some(filter) = filter {
                for (file, blames) in outcome.files.iter_mut().zip(masked.tags.iter_mut()) {
                    let keep: Vec<bool> = file
                        .tags
                        .iter()
                        .map(|t| filter.matches_tag(t).unwrap_or(false))
                        .collect();
                    let mut index = 0;
                    file.tags.retain(|_| {
                        index += 1;
                        keep[index - 1]
                    });
                    let mut index = 0;
                    blames.retain(|_| {
                        index += 1;
                        keep[index - 1]
                    });
                }
            }
            let now = chrono::Utc::now();
            output::write_report(args.output.as_deref(), |out| {
                report::render_blamed(&outcome, &masked, format, &options, now, out)
            })?;
        }
        None => {
            filter_outcome(&mut outcome, filter);
            output::write_report(args.output.as_deref(), |out| {
                report::render(&outcome, format, &options, out)
            })?;
        }
    }
    let stderr = std::io::stderr();
    let _ = report::write_diagnostics(&outcome, &mut stderr.lock());
    Ok(Exit::Success)
}

/// Writes `tags` in `format`. Nothing found: `[]` for JSON, nothing for text and summary
/// (the message is on stderr).
fn render(format: DataFormatArg, tags: &[&Tag], out: &mut dyn Write) -> std::io::Result<()> {
    match format {
        DataFormatArg::Json => {
            let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
            codetags_parse::write_pycodetags_json_parallel(tags, threads, out)
        }
        // Rendered from the outcome (render_outcome).
        DataFormatArg::Html => unreachable!("html is rendered by render_outcome"),
        _ if tags.is_empty() => Ok(()),
        DataFormatArg::Summary => data_summary::write_data_summary(tags, out),
        DataFormatArg::Text => {
            for failure in data_text::write_data_text(tags, out)? {
                tracing::warn!(
                    "{}: cannot serialize the tag ({}); its source text is printed instead",
                    data_text::terminal_link(failure.tag),
                    failure.error
                );
            }
            Ok(())
        }
    }
}

/// The outcome's tags in pycodetags 0.8.1's order: root by root as given, each root's files in
/// path order (the outcome's), a file under two roots under the first of them.
fn in_source_order(outcome: &ScanOutcome, roots: &[PathBuf]) -> Vec<Tag> {
    let mut taken = vec![false; outcome.files.len()];
    let mut tags = Vec::with_capacity(outcome.tag_count());
    for root in roots {
        for (index, file) in outcome.files.iter().enumerate() {
            if !taken[index] && file.path.starts_with(root) {
                taken[index] = true;
                tags.extend(file.tags.iter().cloned());
            }
        }
    }
    // Every file lies under some root; this keeps any other in path order, last.
    for (index, file) in outcome.files.iter().enumerate() {
        if !taken[index] {
            tags.extend(file.tags.iter().cloned());
        }
    }
    tags
}
