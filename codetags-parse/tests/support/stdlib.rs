//! The installed CPython standard library, the large real-world corpus of the tests and benches
//! (~11,600 `.py` files). One copy, included by `#[path]` from this crate's `tests/` and
//! `benches/` and from codetags-bench.
#![allow(dead_code)] // each includer uses part of it

use std::path::{Path, PathBuf};
use std::process::Command;

/// The stdlib folder as `python3` reports it (`sysconfig.get_path("stdlib")`), or why there is
/// none (callers skip with the reason).
pub fn stdlib_dir() -> Result<PathBuf, String> {
    let out = Command::new("python3")
        .args([
            "-c",
            "import sysconfig; print(sysconfig.get_path('stdlib'))",
        ])
        .output()
        .map_err(|e| format!("cannot run python3: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "python3 could not tell where its stdlib is: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    if dir.is_dir() {
        Ok(dir)
    } else {
        Err(format!(
            "python3's stdlib {} is not a folder",
            dir.display()
        ))
    }
}

/// Every `.py` file under `dir`, sorted by path: links not followed, `site-packages` and
/// `__pycache__` skipped (as in the reference measurements), unreadable folders passed over.
pub fn python_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            let path = entry.path();
            let name = entry.file_name();
            if kind.is_dir() && name != "site-packages" && name != "__pycache__" {
                stack.push(path);
            } else if kind.is_file() && path.extension().is_some_and(|e| e == "py") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}
