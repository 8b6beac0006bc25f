//! `codetags check`'s arguments, apart from the handler so that `cli` can name them without
//! an import circle (the handler uses `cli`'s global options).

use clap::{Args, ValueEnum};
use std::path::PathBuf;

/// `codetags check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Folders or files to check (default: `src` from [tool.pycodetags], else `.`).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = CheckFormat::Text)]
    pub format: CheckFormat,
    /// The date the date rules (overdue, max-age) count from, for reproducible runs
    /// (default: CODETAGS_TODAY, else the local date).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub today: Option<String>,
    /// Neither read nor write the cache (env: PYCODETAGS_NO_CACHE=1). The cache only ever
    /// holds tags; the rules are evaluated on every run.
    #[arg(long)]
    pub no_cache: bool,
    /// Follow symbolic links.
    #[arg(short = 'L', long)]
    pub follow_symlinks: bool,
    /// Worker threads (default: one per CPU).
    #[arg(short = 'j', long, value_name = "N", default_value_t = 0)]
    pub threads: usize,
}

/// `codetags check --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    /// One line per finding: `path:line:col: RULE message`.
    Text,
    /// SARIF 2.1.0 for code scanning (GitHub: upload-sarif), every rule described.
    Sarif,
    /// GitHub Actions annotations (workflow commands).
    Github,
    /// A GitLab Code Quality report (JSON).
    Gitlab,
}
