//! `codetags check`: scan (through the cache, which holds tags only), evaluate the rules of
//! [`codetags_cli::check`] for the day given by `--today` / `CODETAGS_TODAY` (else the local
//! date), print one line per finding, and exit 1 when any finding is an error.

pub mod args;

use super::cli::GlobalArgs;
use super::exit::{Exit, UsageError};
use super::project::load_config;
use super::{cache_cmd, output, progress};
use args::{CheckArgs, CheckFormat};
use chrono::NaiveDate;
use codetags_cli::check::{self, CheckSettings, Finding, Severity};
use codetags_cli::display::display_path;
use codetags_cli::report;
use codetags_cli::scan::{ScanError, ScanRequest};
use codetags_cli::state::StateStore;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

/// The environment variable that stands in for `--today`.
pub const TODAY_VAR: &str = "CODETAGS_TODAY";

/// Runs `codetags check`.
pub fn run_check(global: &GlobalArgs, args: CheckArgs) -> anyhow::Result<Exit> {
    let today = today(args.today.as_deref())?;
    let config = load_config(global, args.paths.first().map(PathBuf::as_path))?;
    let settings = CheckSettings::load(&config).map_err(|e| UsageError(e.to_string()))?;
    let cache = if args.no_cache || no_cache_from_env()? {
        None
    } else {
        cache_cmd::open_for_scan(global, &config, &args.paths, false)?
    };
    let blame_configured = config.blame;
    let mut request = ScanRequest::new(args.paths.clone(), config);
    request.threads = args.threads;
    request.follow_symlinks = args.follow_symlinks;
    request.skip_dir = cache.as_ref().map(|c| c.root().to_path_buf());
    request.cache = cache.clone().map(|c| c as Arc<dyn StateStore>);
    let outcome = match progress::scan_outcome_with_progress(request, global.quiet == 0) {
        Ok(outcome) => outcome,
        Err(err @ ScanError::MissingPath { .. }) => {
            eprintln!("codetags: error: {err}");
            return Ok(Exit::Usage);
        }
    };

    let blame = (args.blame || blame_configured).then(|| {
        let report = codetags_cli::blame::blame_tags(
            &outcome,
            cache
                .as_deref()
                .map(|c| c as &dyn codetags_cli::blame::BlameCache),
            args.threads,
        );
        if global.quiet < 2 {
            for note in &report.notes {
                eprintln!("codetags: note: {note}");
            }
        }
        report
    });
    let findings = match &blame {
        Some(blame) => check::check_outcome_blamed(&outcome, &settings, today, blame),
        None => check::check_outcome(&outcome, &settings, today),
    };
    output::write_report(None, |out| match args.format {
        CheckFormat::Text => write_text(&findings, out),
        CheckFormat::Sarif => report::sarif::write_sarif(
            &report::annotation::annotations_for_findings(&findings),
            &report::annotation::check_rules(),
            &report::sarif::notices_for_diagnostics(&outcome),
            &report::srcroot::SourceRoot::current(),
            out,
        ),
        CheckFormat::Github => report::github::write_github(
            &report::annotation::annotations_for_findings(&findings),
            &report::srcroot::SourceRoot::current(),
            out,
        ),
        CheckFormat::Gitlab => report::gitlab::write_gitlab(
            &report::annotation::annotations_for_findings(&findings),
            &report::srcroot::SourceRoot::current(),
            out,
        ),
    })?;

    let stderr = std::io::stderr();
    let mut err = stderr.lock();
    let _ = report::write_diagnostics(&outcome, &mut err);
    if global.quiet == 0 {
        let _ = writeln!(
            err,
            "codetags: {}",
            closing_line(&findings, outcome.tag_count())
        );
    }
    if let Some(cache) = &cache {
        cache.record_last_scan(outcome.stats, outcome.elapsed);
        cache.auto_cleanup();
    }
    let errors = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    Ok(if errors > 0 {
        Exit::Findings
    } else {
        Exit::Success
    })
}

/// `path:line:col: RULE message`, one line per finding.
pub(super) fn write_text(findings: &[Finding<'_>], out: &mut dyn Write) -> std::io::Result<()> {
    for finding in findings {
        writeln!(
            out,
            "{}:{}:{}: {} {}",
            display_path(finding.path),
            finding.line,
            finding.column,
            finding.rule_id(),
            finding.message
        )?;
    }
    Ok(())
}

/// `3 findings (2 errors, 1 warning) in 2 files; 14 tags checked`, or `no findings; …`.
pub(super) fn closing_line(findings: &[Finding<'_>], tags: usize) -> String {
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let checked = plural(tags, "tag");
    if findings.is_empty() {
        return format!("no findings; {checked} checked");
    }
    let errors = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    let mut files: Vec<_> = findings.iter().map(|f| f.path).collect();
    files.dedup();
    format!(
        "{} ({}, {}) in {}; {checked} checked",
        plural(findings.len(), "finding"),
        plural(errors, "error"),
        plural(findings.len() - errors, "warning"),
        plural(files.len(), "file"),
    )
}

/// `--today`, else `CODETAGS_TODAY` (empty means unset), else the local date.
pub(super) fn today(flag: Option<&str>) -> Result<NaiveDate, UsageError> {
    let parse = |value: &str, name: &str| {
        check::dates::parse_ymd(value)
            .ok_or_else(|| UsageError(format!("{name} {value:?}: not a date; expected YYYY-MM-DD")))
    };
    if let Some(value) = flag {
        return parse(value, "--today");
    }
    match std::env::var_os(TODAY_VAR) {
        Some(value) if !value.is_empty() => parse(
            &value.to_string_lossy(),
            &format!("environment variable {TODAY_VAR} ="),
        ),
        _ => Ok(chrono::Local::now().date_naive()),
    }
}

/// `PYCODETAGS_NO_CACHE`, read as `codetags scan` reads it.
fn no_cache_from_env() -> Result<bool, UsageError> {
    let name = "PYCODETAGS_NO_CACHE";
    match std::env::var_os(name) {
        None => Ok(false),
        Some(value) => {
            let text = value.to_string_lossy();
            if text.trim().is_empty() {
                return Ok(false);
            }
            cache_core::parse_bool(&text).ok_or_else(|| {
                UsageError(format!(
                    "environment variable {name} = {text:?}: expected a boolean \
                     (true/false, 1/0, yes/no, on/off)"
                ))
            })
        }
    }
}
