//! The benchmark suite: one list, run by both the criterion benches (`benches/*.rs`) and the
//! harness binary (`--baseline`).
//!
//! | name | what is timed | PEP 003 benchmark |
//! |---|---|---|
//! | `collect_stdlib/cold`, `/warm` | an in-process `codetags scan` of the stdlib `http` package, empty / populated cache | `bench_collect_stdlib` |
//! | `inspect_repo/cold`, `/warm` | the same over the whole installed CPython library | `bench_inspect_repo` |
//! | `generated_tree/cold`, `/warm` | the same over a generated tree of 200,000 small files (`generated`) | harness only |
//! | `tag_file/cold` | a cold scan of one generated file of 1,000,000 tags, JSON report | harness only |
//! | `comment_finder/largest_files` | `find_comments` over the 10 largest stdlib files, in memory | `bench_comment_finder` |
//! | `parse_codetags/pep350`, `/tdg`, `/folk` | `extract_tags` over 1,000 synthetic blocks of that grammar | `bench_parse_codetags` |
//! | `cache/hit`, `cache/miss`, `cache/put` | one cache-core operation in a cache of 1,000 1-KiB entries | harness only |
//! | `prune/day_folders` | `evict_old_caches` over 2,000 tiny entries spread over 30 days | harness only |
//!
//! Inputs are found at run time: the stdlib folder is `$CODETAGS_BENCH_STDLIB` when set (empty:
//! treated as absent), otherwise what `python3 -c 'import sysconfig;
//! print(sysconfig.get_path("stdlib"))'` prints. Benchmarks needing it are skipped with a message
//! when it cannot be found. "Cold" means an empty codetags cache; the operating system's page
//! cache is warm in both cases (we cannot drop it without root and it is not what the PEP asks).

use std::path::{Path, PathBuf};

use crate::history::Unit;
use crate::measure::{BenchError, Workload};

mod workloads;

/// The environment variable that overrides where the stdlib is (empty: no stdlib).
pub const STDLIB_ENV: &str = "CODETAGS_BENCH_STDLIB";

/// The four benchmarks of PEP 003; each is one criterion bench target. The harness also runs
/// the cache and prune benchmarks, which belong to none of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PepBench {
    /// `bench_collect_stdlib`: collect from a large module like `http`.
    CollectStdlib,
    /// `bench_inspect_repo`: a full scan of a mid-size repository.
    InspectRepo,
    /// `bench_comment_finder`: comment extraction from large files.
    CommentFinder,
    /// `bench_parse_codetags`: tag parsing over 1,000 synthetic blocks.
    ParseCodetags,
}

impl PepBench {
    /// The group name: the part of benchmark names before the `/`.
    pub fn group(self) -> &'static str {
        match self {
            PepBench::CollectStdlib => "collect_stdlib",
            PepBench::InspectRepo => "inspect_repo",
            PepBench::CommentFinder => "comment_finder",
            PepBench::ParseCodetags => "parse_codetags",
        }
    }

    /// Whether one iteration takes long enough (a whole-tree scan) that criterion should take
    /// the minimum number of samples.
    pub fn is_heavy(self) -> bool {
        matches!(self, PepBench::InspectRepo | PepBench::CollectStdlib)
    }
}

type Setup = fn(&Inputs) -> Result<Box<dyn Workload>, BenchError>;

/// One benchmark of the suite.
#[derive(Debug, Clone)]
pub struct BenchmarkDef {
    /// `group/function`, e.g. `inspect_repo/warm`: the name in the results file and criterion's
    /// benchmark id.
    pub name: &'static str,
    /// The PEP benchmark (criterion bench target) it belongs to; `None` for harness-only ones.
    pub pep: Option<PepBench>,
    /// The unit its figures are recorded in.
    pub unit: Unit,
    /// Its own slowdown threshold (fraction), when it needs another than the harness's default
    /// (`--default-threshold`, 20 %).
    pub threshold: Option<f64>,
    /// One line for `--list`.
    pub description: &'static str,
    setup: Setup,
}

impl BenchmarkDef {
    /// The part of the name after the group (`warm` in `inspect_repo/warm`).
    pub fn function(&self) -> &'static str {
        self.name
            .split_once('/')
            .map_or(self.name, |(_, function)| function)
    }

    /// Build the workload: load inputs, fill caches, … Not timed.
    ///
    /// # Errors
    /// [`BenchError::Unavailable`] when an input is missing (the benchmark is skipped), other
    /// variants when preparing failed.
    pub fn setup(&self, inputs: &Inputs) -> Result<Box<dyn Workload>, BenchError> {
        (self.setup)(inputs)
    }
}

/// Every benchmark, PEP ones first, in run order.
///
/// ```
/// let suite = codetags_bench::suite::suite();
/// assert!(suite.iter().any(|b| b.name == "inspect_repo/cold"));
/// ```
pub fn suite() -> Vec<BenchmarkDef> {
    use PepBench::*;
    let def = |name, pep, unit, threshold: Option<f64>, description, setup: Setup| BenchmarkDef {
        name,
        pep,
        unit,
        threshold,
        description,
        setup,
    };
    vec![
        def(
            "collect_stdlib/cold",
            Some(CollectStdlib),
            Unit::Milliseconds,
            None,
            "scan the stdlib `http` package with an empty cache",
            workloads::collect_stdlib_cold,
        ),
        def(
            "collect_stdlib/warm",
            Some(CollectStdlib),
            Unit::Milliseconds,
            None,
            "scan the stdlib `http` package with a populated cache",
            workloads::collect_stdlib_warm,
        ),
        def(
            "inspect_repo/cold",
            Some(InspectRepo),
            Unit::Milliseconds,
            None,
            "scan the whole installed CPython library with an empty cache",
            workloads::inspect_repo_cold,
        ),
        def(
            "inspect_repo/warm",
            Some(InspectRepo),
            Unit::Milliseconds,
            None,
            "scan the whole installed CPython library with a populated cache",
            workloads::inspect_repo_warm,
        ),
        def(
            "generated_tree/cold",
            None,
            Unit::Milliseconds,
            None,
            "scan a generated tree of 200,000 small files with an empty cache",
            workloads::generated_tree_cold,
        ),
        def(
            "generated_tree/warm",
            None,
            Unit::Milliseconds,
            None,
            "scan the generated 200,000-file tree with a populated cache",
            workloads::generated_tree_warm,
        ),
        def(
            "tag_file/cold",
            None,
            Unit::Milliseconds,
            None,
            "scan one file of 1,000,000 `# TODO: x <a=b>` lines, JSON report",
            workloads::tag_file_cold,
        ),
        def(
            "comment_finder/largest_files",
            Some(CommentFinder),
            Unit::Milliseconds,
            None,
            "find_comments over the 10 largest stdlib files held in memory",
            workloads::comment_finder,
        ),
        def(
            "parse_codetags/pep350",
            Some(ParseCodetags),
            Unit::Milliseconds,
            None,
            "extract_tags over 1,000 synthetic PEP 350 blocks",
            workloads::parse_pep350,
        ),
        def(
            "parse_codetags/tdg",
            Some(ParseCodetags),
            Unit::Milliseconds,
            None,
            "extract_tags over 1,000 synthetic TDG blocks",
            workloads::parse_tdg,
        ),
        def(
            "parse_codetags/folk",
            Some(ParseCodetags),
            Unit::Milliseconds,
            None,
            "extract_tags over 1,000 synthetic folk blocks",
            workloads::parse_folk,
        ),
        def(
            "cache/hit",
            None,
            Unit::Microseconds,
            None,
            "cache-core get of a present 1 KiB entry",
            workloads::cache_hit,
        ),
        def(
            "cache/miss",
            None,
            Unit::Microseconds,
            None,
            "cache-core get of an absent key (probes every day folder of the TTL)",
            workloads::cache_miss,
        ),
        def(
            "cache/put",
            None,
            Unit::Microseconds,
            // A file creation and a rename: the most machine-dependent figure of the suite.
            Some(0.40),
            "cache-core put of a 1 KiB entry (atomic write)",
            workloads::cache_put,
        ),
        def(
            "prune/day_folders",
            None,
            Unit::Milliseconds,
            Some(0.30),
            "evict_old_caches over 2,000 entries in 30 day folders, TTL 7 days",
            workloads::prune_day_folders,
        ),
    ]
}

/// The benchmarks of one PEP benchmark (criterion bench target), in run order.
pub fn pep_group(pep: PepBench) -> Vec<BenchmarkDef> {
    suite().into_iter().filter(|b| b.pep == Some(pep)).collect()
}

/// Where the inputs are. Built once per process; cheap to pass around.
#[derive(Debug, Clone)]
pub struct Inputs {
    stdlib: Result<PathBuf, String>,
    small_fixtures: bool,
    quick: bool,
}

impl Inputs {
    /// Find the stdlib: [`STDLIB_ENV`] if set, else ask `python3`.
    pub fn discover() -> Inputs {
        let stdlib = match std::env::var_os(STDLIB_ENV) {
            Some(v) if v.is_empty() => Err(format!("{STDLIB_ENV} is set but empty")),
            Some(v) => existing_dir(PathBuf::from(v), STDLIB_ENV),
            None => python_stdlib(),
        };
        Inputs {
            stdlib,
            small_fixtures: false,
            quick: false,
        }
    }

    /// Inputs with the stdlib at `path` (which must be a folder).
    pub fn with_stdlib(path: impl Into<PathBuf>) -> Inputs {
        Inputs {
            stdlib: existing_dir(path.into(), "the given stdlib path"),
            small_fixtures: false,
            quick: false,
        }
    }

    /// Inputs without a stdlib; benchmarks needing it are skipped with `reason`.
    pub fn without_stdlib(reason: impl Into<String>) -> Inputs {
        Inputs {
            stdlib: Err(reason.into()),
            small_fixtures: false,
            quick: false,
        }
    }

    /// The same inputs with the generated fixtures (cache entries, prune tree) a tenth of their
    /// size: for tests of the workloads in debug builds, never for figures.
    pub fn with_small_fixtures(mut self) -> Inputs {
        self.small_fixtures = true;
        self
    }

    /// The same inputs for `--quick`: the generated trees a tenth of their size (200,000 files
    /// take seconds to write; a smoke test need not).
    pub fn quick(mut self) -> Inputs {
        self.quick = true;
        self
    }

    /// Divide a generated workload's size by this: 1, 10 with [`Inputs::quick`], 1,000 with
    /// [`Inputs::with_small_fixtures`].
    pub(crate) fn generated_divisor(&self) -> usize {
        if self.small_fixtures {
            1000
        } else if self.quick {
            10
        } else {
            1
        }
    }

    /// Divide a fixture size by this (1, or 10 with [`Inputs::with_small_fixtures`]).
    pub(crate) fn fixture_divisor(&self) -> usize {
        if self.small_fixtures { 10 } else { 1 }
    }

    /// The stdlib folder, or why there is none.
    pub fn stdlib(&self) -> Result<&Path, BenchError> {
        self.stdlib.as_deref().map_err(|reason| {
            BenchError::Unavailable(format!("no Python stdlib to measure ({reason})"))
        })
    }
}

fn existing_dir(path: PathBuf, source: &str) -> Result<PathBuf, String> {
    if path.is_dir() {
        Ok(path)
    } else {
        Err(format!(
            "{} (from {source}) is not a folder",
            path.display()
        ))
    }
}

/// The one stdlib discovery of the workspace's tests and benches, shared by `#[path]`
/// (codetags-parse cannot depend on this crate, and this crate is not published).
#[path = "../../codetags-parse/tests/support/stdlib.rs"]
mod stdlib_support;

fn python_stdlib() -> Result<PathBuf, String> {
    stdlib_support::stdlib_dir()
}

/// Every `*.py` file under `root` with its size, sorted by path; symlinks are not followed and
/// folders named in `skip_dirs` are not entered. Unreadable folders are passed over.
pub fn python_files(root: &Path, skip_dirs: &[&str]) -> Vec<(PathBuf, u64)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            let path = entry.path();
            if kind.is_dir() {
                let skipped = entry
                    .file_name()
                    .to_str()
                    .is_some_and(|n| skip_dirs.contains(&n));
                if !skipped {
                    stack.push(path);
                }
            } else if kind.is_file() && path.extension().is_some_and(|e| e == "py") {
                let size = entry.metadata().map_or(0, |m| m.len());
                out.push((path, size));
            }
        }
    }
    out.sort();
    out
}
