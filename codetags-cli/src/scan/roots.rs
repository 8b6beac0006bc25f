//! Scan roots: which paths are scanned (the request's, else the config's `src`, else `.`), each
//! canonicalised for its state key, matched against patterns by its path from the config
//! folder, and shown as the user gave it.

use super::outcome::ScanError;
use super::request::ScanRequest;
use crate::walk;
use std::path::{Component, Path, PathBuf};

/// A scan root, resolved.
#[derive(Debug)]
pub(super) struct Root {
    /// The path as given (what the walker is started on).
    pub(super) given: PathBuf,
    /// The path to show: as given, without a leading `./`.
    pub(super) display: PathBuf,
    /// Canonical: the state key's root, and what nesting is decided on.
    pub(super) canonical: PathBuf,
    /// The root's `/`-separated path from the config folder, prefixed to each file's relative
    /// path before `exclude` and `schema_paths` patterns are matched.
    pub(super) match_prefix: String,
}

/// The path to show for a file the walker built as `path` under `root`: the root as given
/// joined with the rest of `path`, byte for byte. Not through the `/`-joined relative string,
/// which is lossy for names that are not UTF-8.
pub(super) fn display_of(root: &Root, path: &Path) -> PathBuf {
    match path.strip_prefix(&root.given) {
        Ok(rel) if rel.as_os_str().is_empty() => root.display.clone(),
        Ok(rel) if root.display == Path::new(".") => strip_curdir(rel),
        Ok(rel) => root.display.join(rel),
        Err(_) => strip_curdir(path),
    }
}

/// The root as given joined with `rel`, without a leading `./`.
pub(super) fn join_display(display_root: &Path, rel: &str) -> PathBuf {
    if rel.is_empty() {
        return display_root.to_path_buf();
    }
    let mut path = if display_root == Path::new(".") {
        PathBuf::new()
    } else {
        display_root.to_path_buf()
    };
    for part in rel.split('/') {
        path.push(part);
    }
    path
}

pub(super) fn strip_curdir(path: &Path) -> PathBuf {
    let stripped: PathBuf = path
        .components()
        .skip_while(|c| matches!(c, Component::CurDir))
        .collect();
    if stripped.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        stripped
    }
}

/// The request's roots, resolved; a root inside another (or given twice) is dropped.
pub(super) fn resolve_roots(request: &ScanRequest) -> Result<Vec<Root>, ScanError> {
    let config = &request.config;
    let paths: Vec<PathBuf> = if !request.paths.is_empty() {
        request.paths.clone()
    } else if !config.src.is_empty() {
        config.src.clone()
    } else {
        vec![PathBuf::from(".")]
    };
    let base = std::path::absolute(&config.base_dir).unwrap_or_else(|_| config.base_dir.clone());
    let mut roots: Vec<Root> = Vec::new();
    for given in paths {
        if std::fs::symlink_metadata(&given).is_err() {
            return Err(ScanError::MissingPath { path: given });
        }
        let canonical = std::fs::canonicalize(&given).map_err(|_| ScanError::MissingPath {
            path: given.clone(),
        })?;
        let absolute = std::path::absolute(&given).unwrap_or_else(|_| canonical.clone());
        let match_prefix = match absolute.strip_prefix(&base) {
            Ok(rel) => walk::relative_posix(Path::new(""), rel),
            Err(_) => absolute
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
        };
        let display = strip_curdir(&given);
        roots.push(Root {
            given,
            display,
            canonical,
            match_prefix,
        });
    }
    // A root inside another root (or given twice) is scanned once, through the outer root.
    roots.sort_by(|a, b| a.canonical.cmp(&b.canonical));
    let mut kept: Vec<Root> = Vec::with_capacity(roots.len());
    for root in roots {
        if kept
            .iter()
            .any(|k| root.canonical.starts_with(&k.canonical))
        {
            continue;
        }
        kept.push(root);
    }
    Ok(kept)
}
