//! Command-line arguments (clap derive).

use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};
use codetags_cli::report::Format;
use std::path::PathBuf;

/// Find structured code tags (TODO, FIXME, BUG, …) in Python source trees, fast, with a
/// persistent cache.
#[derive(Debug, Parser)]
#[command(name = "codetags", version, about, max_term_width = 100)]
pub struct Cli {
    /// Options every command understands.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// What to do: `scan`, or one of the `cache` subcommands.
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command understands.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// More log output on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides.
    #[arg(short, long, action = ArgAction::Count, global = true)]
    pub verbose: u8,
    /// Less output on stderr (-q: no summary lines, -qq: no warnings either, -qqq: no log
    /// output at all).
    #[arg(short, long, action = ArgAction::Count, global = true, conflicts_with = "verbose")]
    pub quiet: u8,
    /// The pyproject.toml to read (default: the nearest one at or above the working directory,
    /// else at or above the first path scanned).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The cache root (default: .pycodetags_cache beside the pyproject.toml; env:
    /// PYCODETAGS_CACHE_DIR).
    #[arg(long, global = true, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan paths for code tags.
    Scan(ScanArgs),
    /// pycodetags' `data` command: the tags of the `src` folders as pycodetags 0.8.1 reports
    /// them (text grouped by tag, JSON, summary), optionally filtered with JMESPath.
    Data(DataArgs),
    /// Inspect or clean the cache.
    #[command(subcommand)]
    Cache(CacheCommand),
    /// Check tags against the project's rules (due dates, age, forbidden kinds, required
    /// fields, the issue tracker's lists); exit 1 on any error.
    Check(super::check_cmd::args::CheckArgs),
    /// Give every tag without one a stable local id (id=N), as `pycodetags id` does.
    ///
    /// Each tag is rewritten in place in its own syntax (PEP350 or TDG); every other byte of
    /// the file is kept. Ids come from the project's .pycodetags_ids counter (commit it), which
    /// is saved before any source is changed.
    ///
    /// Exit status: 0 done, 1 --check found tags without an id, 2 usage or configuration
    /// error, 3 refused (nothing written), 4 failed after the counter was saved (run again).
    Id(IdArgs),
}

/// When to colour text output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour when stdout is a terminal and NO_COLOR is unset.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// `codetags scan`.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Folders or files to scan (default: `src` from [tool.pycodetags], else `.`).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = FormatArg::Text)]
    pub format: FormatArg,
    /// Write the output to FILE (atomically) instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Only report these tags, e.g. --tags TODO,FIXME (case-insensitive).
    #[arg(long, value_delimiter = ',', value_name = "TAGS")]
    pub tags: Vec<String>,
    /// Exit with 1 when any diagnostic was raised.
    #[arg(long)]
    pub strict: bool,
    /// Override the configured schema (PEP350, TDG, DATA, folk, auto) for every file.
    #[arg(long, value_name = "SCHEMA")]
    pub schema: Option<String>,
    /// Also scan files with these extensions (besides the configured ones), e.g. --ext pyi.
    #[arg(long = "ext", value_delimiter = ',', value_name = "EXT")]
    pub extensions: Vec<String>,
    /// Follow symbolic links.
    #[arg(short = 'L', long)]
    pub follow_symlinks: bool,
    /// Tokenize every file and report all its tokenizer errors; by default only files in which
    /// a `#` is followed by a tag name are tokenized (an error elsewhere cannot hide a tag).
    #[arg(long)]
    pub tokenize_all: bool,
    /// Worker threads (default: one per CPU).
    #[arg(short = 'j', long, value_name = "N", default_value_t = 0)]
    pub threads: usize,
    /// Neither read nor write the cache (env: PYCODETAGS_NO_CACHE=1).
    #[arg(long)]
    pub no_cache: bool,
    /// Remove the cache folders of other codetags versions before scanning.
    #[arg(long)]
    pub clean_old_caches: bool,
    /// Colour the text and summary output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Only report tags this JMESPath expression selects, evaluated on each tag's fields as
    /// pycodetags does (e.g. "priority == 'high' && status != 'done'").
    #[arg(long, value_name = "JMESPATH")]
    pub filter: Option<String>,
}

/// `codetags data`: pycodetags 0.8.1's command line.
#[derive(Debug, Args)]
pub struct DataArgs {
    /// A file or folder of source code; repeat for more (default: `src` from
    /// [tool.pycodetags], else the project folder).
    #[arg(long = "src", value_name = "PATH")]
    pub src: Vec<PathBuf>,
    /// Output format: pycodetags 0.8.1's text, JSON or summary.
    #[arg(long, value_enum, default_value_t = DataFormatArg::Text)]
    pub format: DataFormatArg,
    /// Only report tags this JMESPath expression selects, on each tag's flat dictionary
    /// (data fields, custom fields, id, title, body, comment, code_tag).
    #[arg(long, value_name = "JMESPATH")]
    pub filter: Option<String>,
    /// Write the report to FILE (atomically) instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Neither read nor write the cache (env: PYCODETAGS_NO_CACHE=1).
    #[arg(long)]
    pub no_cache: bool,
    /// Worker threads (default: one per CPU).
    #[arg(short = 'j', long, value_name = "N", default_value_t = 0)]
    pub threads: usize,
}

/// `codetags data --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DataFormatArg {
    /// Grouped by tag name, each tag serialized as pycodetags writes it, then its
    /// `path:line:column`.
    Text,
    /// A JSON array of pycodetags 0.8.1 records.
    Json,
    /// `Code Tag Summary:` and a count per tag name.
    Summary,
}

/// `codetags cache …`.
#[derive(Debug, Subcommand)]
pub enum CacheCommand {
    /// Entries and bytes per version and per day, and the last scan's hits and misses.
    Stats,
    /// Remove entries older than the TTL (ttl_days).
    Prune(EvictArgs),
    /// Remove every entry (keeps .gitignore and CACHEDIR.TAG).
    Clear(EvictArgs),
    /// Remove the folders of other codetags versions.
    CleanOldVersions(EvictArgs),
    /// Print the cache root.
    Dir,
}

/// Options of the removing cache commands.
#[derive(Debug, Args)]
pub struct EvictArgs {
    /// Report what would be removed, remove nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Proceed even when the folder lacks codetags' CACHEDIR.TAG.
    #[arg(long)]
    pub force: bool,
}

impl ScanArgs {
    /// `--no-cache`, or `PYCODETAGS_NO_CACHE` set to a true boolean. Booleans are read as
    /// everywhere else ([`cache_core::parse_bool`]: true/false, 1/0, yes/no, on/off); unset or
    /// empty means off.
    ///
    /// # Errors
    /// A message naming the variable when its value is not a boolean.
    pub fn no_cache(&self) -> Result<bool, String> {
        if self.no_cache {
            return Ok(true);
        }
        env_flag("PYCODETAGS_NO_CACHE")
    }
}

impl DataArgs {
    /// `--no-cache`, or `PYCODETAGS_NO_CACHE` set to a true boolean (as for `scan`).
    ///
    /// # Errors
    /// A message naming the variable when its value is not a boolean.
    pub fn no_cache(&self) -> Result<bool, String> {
        if self.no_cache {
            return Ok(true);
        }
        env_flag("PYCODETAGS_NO_CACHE")
    }
}

/// A boolean environment switch: `Ok(false)` when unset or empty.
fn env_flag(name: &str) -> Result<bool, String> {
    match std::env::var_os(name) {
        None => Ok(false),
        Some(value) => {
            let text = value.to_string_lossy();
            if text.trim().is_empty() {
                return Ok(false);
            }
            cache_core::parse_bool(&text).ok_or_else(|| {
                format!(
                    "environment variable {name} = {text:?}: expected a boolean \
                     (true/false, 1/0, yes/no, on/off)"
                )
            })
        }
    }
}

/// `--format`: the command line's spelling of [`Format`], so the library needs no clap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// One line per tag: `path:line:col: TAG title <fields>`.
    Text,
    /// A JSON array of pycodetags 0.8.1 records.
    Json,
    /// Counts by tag and by folder.
    Summary,
    /// SARIF 2.1.0 for code scanning (GitHub: upload-sarif).
    Sarif,
    /// GitHub Actions annotations (workflow commands).
    Github,
    /// A GitLab Code Quality report (JSON).
    Gitlab,
    /// A Markdown TODO board: tables by kind, assignee and status.
    Markdown,
    /// Keep a Changelog from done tags (status done, release, change_type).
    Changelog,
    /// One self-contained HTML page: totals, charts, a sortable table.
    Html,
}

impl From<FormatArg> for Format {
    fn from(arg: FormatArg) -> Format {
        match arg {
            FormatArg::Text => Format::Text,
            FormatArg::Json => Format::Json,
            FormatArg::Summary => Format::Summary,
            FormatArg::Sarif => Format::Sarif,
            FormatArg::Github => Format::Github,
            FormatArg::Gitlab => Format::Gitlab,
            FormatArg::Markdown => Format::Markdown,
            FormatArg::Changelog => Format::Changelog,
            FormatArg::Html => Format::Html,
        }
    }
}

/// `codetags id`.
#[derive(Debug, Args)]
pub struct IdArgs {
    /// Files or folders to scan (default: `src` from [tool.pycodetags]).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Show what would be assigned; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Assign nothing; exit 1 if any tag is missing an id (for CI / pre-commit). Wins over
    /// --dry-run.
    #[arg(long)]
    pub check: bool,
}
