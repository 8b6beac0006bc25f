//! `codetags id [--dry-run] [--check] [PATH…]`: the paths and the counter's folder from the
//! command line and the configuration, the plan and its report on stdout (pycodetags 0.8.1's
//! lines), the writes, and the exit status.

use super::cli::{GlobalArgs, IdArgs};
use super::exit::{Exit, UsageError, is_broken_pipe};
use super::project::load_config;
use anyhow::Context;
use codetags_cli::display::display_path;
use codetags_cli::ids::{IdError, IdMode, plan_ids};
use codetags_cli::scan::{ScanError, ScanRequest};
use std::io::Write;
use std::path::PathBuf;

/// Runs `codetags id`.
pub fn run_id(global: &GlobalArgs, args: IdArgs) -> anyhow::Result<Exit> {
    let config = load_config(global, args.paths.first().map(PathBuf::as_path))?;
    let given = if args.paths.is_empty() {
        config.src.clone()
    } else {
        args.paths.clone()
    };
    if given.is_empty() {
        return Err(UsageError(
            "Need to specify one or more source files/folders, or set src in the config file."
                .to_owned(),
        )
        .into());
    }
    // Absolute, resolved paths, as pycodetags prints them.
    let mut paths = Vec::with_capacity(given.len());
    for path in given {
        match std::fs::canonicalize(&path) {
            Ok(path) => paths.push(path),
            Err(_) => {
                eprintln!("codetags: error: {}", ScanError::MissingPath { path });
                return Ok(Exit::Usage);
            }
        }
    }
    let counter_dir = std::fs::canonicalize(&config.base_dir).unwrap_or(config.base_dir.clone());
    let mode = match (args.check, args.dry_run) {
        (true, _) => IdMode::Check,
        (false, true) => IdMode::DryRun,
        (false, false) => IdMode::Assign,
    };
    let request = ScanRequest::new(paths, config);
    let plan = match plan_ids(&request, &counter_dir, mode) {
        Ok(plan) => plan,
        Err(IdError::Scan(err)) => {
            eprintln!("codetags: error: {err}");
            return Ok(Exit::Usage);
        }
        Err(err) => {
            eprintln!("codetags: error: {err}");
            return Ok(Exit::Refused);
        }
    };

    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let exit = match mode {
        IdMode::Check => {
            let written = plan.write_check(&mut out).map(|_| ());
            finish(&mut out, written)?;
            if plan.missing.is_empty() {
                Exit::Success
            } else {
                Exit::IdsMissing
            }
        }
        IdMode::DryRun => {
            let written = plan.write_dry_run(&mut out);
            finish(&mut out, written)?;
            Exit::Success
        }
        IdMode::Assign => match plan.apply() {
            Ok(applied) => {
                let written = plan.write_summary(&mut out, applied.files_changed.len());
                finish(&mut out, written)?;
                Exit::Success
            }
            Err(failure) => {
                let _ = out.flush();
                eprintln!("codetags: error: {}", failure.error);
                if !failure.counter_saved {
                    return Ok(Exit::Refused);
                }
                eprintln!(
                    "codetags: {} was saved first, so no id will be handed out twice; {} of {} \
                     file(s) were rewritten before the failure{}; the others are unchanged: \
                     run `codetags id` again",
                    display_path(plan.counter.path()),
                    failure.files_changed.len(),
                    plan.files_to_change(),
                    failure
                        .files_changed
                        .iter()
                        .map(|p| format!("\n  {}", display_path(p)))
                        .collect::<String>()
                );
                Exit::PartlyWritten
            }
        },
    };
    Ok(exit)
}

/// Ends the stdout report: a closed pipe (`codetags id --dry-run | head`) is no error.
fn finish(out: &mut dyn Write, written: std::io::Result<()>) -> anyhow::Result<()> {
    let result = written
        .and_then(|()| out.flush())
        .context("cannot write to stdout");
    match result {
        Err(err) if !is_broken_pipe(&err) => Err(err),
        _ => Ok(()),
    }
}
