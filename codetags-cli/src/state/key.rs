//! What a scan state is keyed on: [`StateKey`] (with [`ResultSettings`]), hashed with
//! [`STATE_FUNCTION`] into a cache-core key, and [`STATE_FORMAT`], which retires every state
//! written in an older encoding or meaning.

use serde::{Deserialize, Serialize};

/// Bumped whenever [`ScanState`](super::ScanState)'s encoding changes (postcard is not self-describing), or what
/// its records mean: 3 since files that cannot hold tags are no longer tokenized, so their
/// records carry no tokenizer diagnostics (a state written before would replay them); 4 for the
/// compact table with folder records ([`super::table`]).
pub const STATE_FORMAT: u32 = 4;

/// The function name hashed into every scan-state key.
///
/// A frozen name, not a path to follow: it names where the function lived when the format was
/// defined, and changing it would orphan every cached state (as a [`STATE_FORMAT`] bump does,
/// but for no reason). Only a format change may change it.
pub const STATE_FUNCTION: &str = "codetags_cli::scan::scan_root";

/// The arguments a scan state is keyed on (hashed with [`STATE_FUNCTION`] by the store).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateKey {
    /// [`STATE_FORMAT`].
    pub format: u32,
    /// The scan root, canonicalised.
    pub root: String,
    /// Every setting that changes results.
    pub settings: ResultSettings,
    /// This tool's version.
    pub tool_version: String,
}

/// Every setting that decides what a scan of one root finds, hashed into the root's state key.
///
/// Built by [`ResultSettings::of`] (defined in `scan`, beside the request), which destructures
/// [`crate::scan::ScanRequest`] and [`crate::config::ProjectConfig`] without `..`: a field
/// added to either does not compile until it is taken in there or named as not affecting
/// results. A forgotten setting would otherwise serve stale answers
/// silently (the state of the old setting replayed under the new one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultSettings {
    /// The config folder: `exclude` and `schema_paths` patterns are relative to it.
    pub base_dir: String,
    /// The default schema's name.
    pub schema: String,
    /// `(pattern, schema name)` per `schema_paths` entry, in order (the first match wins).
    pub schema_paths: Vec<(String, String)>,
    /// The `exclude` patterns.
    pub exclude: Vec<String>,
    /// The extensions scanned.
    pub extensions: Vec<String>,
    /// Whether links are followed.
    pub follow_symlinks: bool,
    /// Whether every file is tokenized (more diagnostics).
    pub tokenize_all: bool,
    /// The folder never walked (the cache root, when inside the tree).
    pub skip_dir: Option<String>,
}
