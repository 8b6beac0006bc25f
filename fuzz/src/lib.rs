//! The invariants behind codetags' fuzz targets, one `check_*` function per target.
//!
//! Each function takes the raw fuzzer input and panics (an assertion) when an invariant fails.
//! `fuzz_targets/*.rs` are thin libFuzzer wrappers around them (built only by
//! `cargo +nightly fuzz … --features libfuzzer`), and `tests/replay.rs` runs every committed
//! corpus and regression input through the same functions with stable `cargo test`, so a crash
//! found once stays a failing test until it is fixed.
//!
//! | target | what it feeds | see |
//! |---|---|---|
//! | `comments` | any text to the comment finder, plus an oracle on quote-free text | [`check_comments`] |
//! | `extract` | any bytes, under any schema, to `extract_tags` and the JSON writer | [`check_extract`] |
//! | `entry_decode` | cache entries: arbitrary, mutated valid ones, and re-sealed ones | [`check_entry_decode`] |
//! | `scan_state` | arbitrary postcard payloads, correctly sealed, decoded as the CLI's `ScanState` | [`check_scan_state`] |
//! | `config` | any bytes as `pyproject.toml`, loaded as the CLI's and the cache's settings | [`check_config`] |

mod comments;
mod config;
mod entry;
mod extract;
mod scan_state;
mod support;

pub use comments::check_comments;
pub use config::check_config;
pub use entry::{Sample, check_entry_decode, seal};
pub use extract::check_extract;
pub use scan_state::{check_scan_state, state_key};

/// A target's check: panics when an invariant fails on the input.
pub type Check = fn(&[u8]);

/// Every target by name (the folder names under `corpus/` and `regressions/`) with its check.
pub const TARGETS: &[(&str, Check)] = &[
    ("comments", check_comments),
    ("extract", check_extract),
    ("entry_decode", check_entry_decode),
    ("scan_state", check_scan_state),
    ("config", check_config),
];
