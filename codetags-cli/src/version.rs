//! This tool's version, at the bottom of the layers: the scan-state key, the cache namespace
//! and `last-scan.json` all carry it, and none of them should reach up to the crate root (or
//! the binary) for it.

/// This tool's version (the crate version), part of every cache key and cache namespace.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
