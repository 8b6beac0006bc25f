//! Helpers shared by the end-to-end test files.

use assert_cmd::Command;
use std::path::Path;

/// The `codetags` binary run in `dir`, with a clean environment: no `PYCODETAGS_*`, `RUST_LOG`
/// or `NO_COLOR` from the caller's shell can change what a test sees.
pub fn codetags(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("codetags").unwrap();
    cmd.current_dir(dir);
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy().into_owned();
        if key.starts_with("PYCODETAGS_") || key == "RUST_LOG" || key == "NO_COLOR" {
            cmd.env_remove(&key);
        }
    }
    cmd
}
