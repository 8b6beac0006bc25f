//! Finding and creating the cache root.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use cache_layout::{CACHEDIR_TAG, CACHEDIR_TAG_CONTENT, GITIGNORE, GITIGNORE_CONTENT};

use crate::store::StoreError;

/// Name of the cache folder placed beside the project's `pyproject.toml` (upstream's name).
pub const ROOT_DIR_NAME: &str = ".pycodetags_cache";
/// The project file whose folder holds the cache.
pub const PYPROJECT: &str = "pyproject.toml";

/// The nearest `pyproject.toml` in `start` or any of its ancestors.
///
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// std::fs::write(dir.path().join("pyproject.toml"), "").unwrap();
/// std::fs::create_dir_all(dir.path().join("src/pkg")).unwrap();
/// let found = cache_core::find_pyproject(&dir.path().join("src/pkg")).unwrap();
/// assert_eq!(found, dir.path().join("pyproject.toml"));
/// ```
pub fn find_pyproject(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .map(|dir| dir.join(PYPROJECT))
        .find(|candidate| candidate.is_file())
}

/// Creates `root` (and its parents) and its `CACHEDIR.TAG` and `.gitignore`, each with
/// `create_new` so that concurrent creators never fail or clobber each other. Existing files are
/// left alone; missing ones are recreated (an interrupted earlier run may have left only some).
///
/// # Errors
/// [`StoreError::Root`] when the folder or a marker cannot be created.
pub fn init_root(root: &Path) -> Result<(), StoreError> {
    fs::create_dir_all(root).map_err(|source| StoreError::Root {
        path: root.to_owned(),
        source,
    })?;
    create_marker(&root.join(CACHEDIR_TAG), CACHEDIR_TAG_CONTENT)?;
    create_marker(&root.join(GITIGNORE), GITIGNORE_CONTENT)?;
    Ok(())
}

fn create_marker(path: &Path, content: &str) -> Result<(), StoreError> {
    let result = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .and_then(|mut file| file.write_all(content.as_bytes()));
    match result {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        Err(source) => Err(StoreError::Root {
            path: path.to_owned(),
            source,
        }),
    }
}
