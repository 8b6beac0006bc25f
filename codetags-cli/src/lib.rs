//! Scan Python source trees for code tags (`# TODO: … <…>`), in parallel, with a persistent
//! scan-state cache, and render them as text, pycodetags JSON or a summary, for CI (SARIF, GitHub
//! annotations, GitLab Code Quality) or for people (a Markdown board, a changelog, an HTML page). The `codetags`
//! binary is a thin command line over this library; its arguments, command handlers, progress
//! display, logging and `--output` file are the binary's own and not part of this API.
//!
//! # Layers
//! Each module uses only the modules listed before it (`tests/layers.rs` checks this), so there
//! is no import circle and each layer can be read, tested and replaced on its own:
//!
//! | layer | module | what |
//! |---|---|---|
//! | base | [`version`], [`display`], [`fnmatch`] | the tool version; how a path is printed; Python's `fnmatchcase` |
//! | config | [`config`] | `[tool.pycodetags]` from `pyproject.toml` (figment) |
//! | walk | [`walk`] | the parallel, `.gitignore`-aware walk |
//! | extract | [`extract`] | the codetags-parse adapter: one file's bytes to tags, diagnostics and content hash |
//! | state | [`state`] | the scan-state key, records and store ([`state::StateStore`], [`state::CoreStateStore`] over cache-core), `last-scan.json` |
//! | scan | [`scan`](mod@scan) | [`scan::scan`]`(&`[`scan::ScanRequest`]`) -> `[`scan::ScanOutcome`]: roots, per-file visit, orchestration |
//! | filter | [`filter`] | `--filter`: a tag's flat dictionary and JMESPath with pycodetags 0.8.1's (jmespath.py's) semantics |
//! | check | [`check`] | `codetags check`'s rules (the issue tracker's `validate`, `[tool.pycodetags.check]`) over a scan outcome: findings with rule ids and severities |
//! | ids | [`ids`] | `codetags id`: local ids (`id=N`) for tags that have none, the `.pycodetags_ids` counter, rewriting tags in place |
//! | report | [`report`] | text, JSON and summary renderers, diagnostics lines; `codetags data`'s views; SARIF, GitHub, GitLab, Markdown, changelog and HTML in its child modules |
//!
//! The items most callers need are also re-exported here.
//!
//! ```
//! use codetags_cli::{ProjectConfig, ScanRequest, scan};
//! let dir = tempfile::tempdir().unwrap();
//! std::fs::write(dir.path().join("m.py"), "# FIXME: leaks <owner=ann>\nx = 1\n").unwrap();
//! let outcome = scan(&ScanRequest::new(vec![dir.path().into()], ProjectConfig::defaults(dir.path()))).unwrap();
//! assert_eq!(outcome.files[0].tags[0].code_tag, "FIXME");
//! ```

pub mod check;
pub mod config;
pub mod display;
pub mod extract;
pub mod filter;
pub mod fnmatch;
pub mod ids;
pub mod report;
pub mod scan;
pub mod state;
pub mod version;
pub mod walk;

pub use config::ProjectConfig;
pub use report::{Format, RenderOptions, render};
pub use scan::{ScanError, ScanOutcome, ScanRequest, scan};
pub use state::{CoreStateStore, ScanStats, StateStore};
pub use version::VERSION;
