//! The project configuration a command runs with.

use super::cli::GlobalArgs;
use super::exit::UsageError;
use anyhow::Context;
use codetags_cli::config::{self, ProjectConfig};
use std::path::Path;

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
