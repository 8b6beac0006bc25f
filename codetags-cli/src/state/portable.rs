//! The scan-state key of a shared (remote) cache: the same for every checkout of a project,
//! wherever it is on disk, so a CI runner or a colleague's clone gets the states others wrote.
//!
//! The local key names the canonical root and the config folder; two checkouts at different
//! paths never share it. With a remote cache, those paths are written relative to the project
//! folder (the folder of the `pyproject.toml`), and the project is named instead: its
//! `[project] name`, else its folder's name, so that unrelated projects sharing one server do
//! not overwrite each other's states. A state from another checkout is safe to reuse: each of
//! its records is trusted only on matching size, mtime and mode, and otherwise re-validated by
//! the file's SHA-256 (a fresh clone has new mtimes, so its files are hashed, not re-parsed).

use super::key::StateKey;
use cache_core::{CacheSettings, Key};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// The function name hashed into portable state keys: another key space than the local one.
pub const PORTABLE_STATE_FUNCTION: &str = "codetags_cli::scan::scan_root/portable";

/// Written in place of the project folder in a portable key's paths.
const PROJECT: &str = "$PROJECT";

/// What makes a state key portable: the project's folder and name.
#[derive(Debug, Clone)]
pub(super) struct Portable {
    /// The project folder: absolute and, when it exists, canonical.
    folders: Vec<PathBuf>,
    /// `[project] name`, else the folder's name.
    project: String,
}

#[derive(Serialize)]
struct PortableKey<'a> {
    project: &'a str,
    key: StateKey,
}

impl Portable {
    /// For settings with a remote cache, read from a `pyproject.toml`; `None` otherwise (the
    /// local key is used).
    pub(super) fn of(settings: &CacheSettings) -> Option<Portable> {
        settings.remote.as_ref()?;
        let pyproject = settings.pyproject.as_deref()?;
        let folder = std::path::absolute(pyproject.parent()?).ok()?;
        let mut folders = vec![folder.clone()];
        if let Ok(canonical) = folder.canonicalize()
            && canonical != folder
        {
            folders.push(canonical);
        }
        let project = project_name(pyproject).unwrap_or_else(|| {
            folder
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        });
        Some(Portable { folders, project })
    }

    /// The cache key of `key` with its paths relative to the project folder.
    pub(super) fn key(&self, key: &StateKey) -> Option<Key> {
        let mut key = key.clone();
        key.root = self.relative(&key.root);
        key.settings.base_dir = self.relative(&key.settings.base_dir);
        key.settings.skip_dir = key.settings.skip_dir.as_deref().map(|d| self.relative(d));
        Key::new(
            PORTABLE_STATE_FUNCTION,
            &PortableKey {
                project: &self.project,
                key,
            },
        )
        .ok()
    }

    /// `path` as `$PROJECT/rel` when it is in the project folder (as given, made absolute, or
    /// canonical); unchanged otherwise.
    fn relative(&self, path: &str) -> String {
        let path = Path::new(path);
        let mut forms = vec![path.to_path_buf()];
        forms.extend(std::path::absolute(path).ok());
        forms.extend(path.canonicalize().ok());
        for form in &forms {
            for folder in &self.folders {
                if let Ok(rel) = form.strip_prefix(folder) {
                    let parts: Vec<String> = rel
                        .components()
                        .map(|c| c.as_os_str().to_string_lossy().into_owned())
                        .collect();
                    return if parts.is_empty() {
                        PROJECT.to_owned()
                    } else {
                        format!("{PROJECT}/{}", parts.join("/"))
                    };
                }
            }
        }
        path.to_string_lossy().into_owned()
    }
}

/// `[project] name` of a `pyproject.toml`, if it has one.
fn project_name(pyproject: &Path) -> Option<String> {
    use figment::Figment;
    use figment::providers::{Format, Toml};
    Figment::from(Toml::file_exact(pyproject))
        .extract_inner::<String>("project.name")
        .ok()
        .filter(|name| !name.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::super::key::{ResultSettings, STATE_FUNCTION};
    use super::*;

    fn state_key(root: &Path, base: &Path) -> StateKey {
        StateKey {
            format: 3,
            root: root.to_string_lossy().into_owned(),
            settings: ResultSettings {
                base_dir: base.to_string_lossy().into_owned(),
                schema: "auto".into(),
                schema_paths: vec![],
                exclude: vec![],
                extensions: vec!["py".into()],
                follow_symlinks: false,
                tokenize_all: false,
                skip_dir: Some(
                    base.join(".pycodetags_cache")
                        .to_string_lossy()
                        .into_owned(),
                ),
            },
            tool_version: "0".into(),
        }
    }

    fn checkout(parent: &Path, pyproject: &str) -> (PathBuf, Portable) {
        std::fs::create_dir_all(parent.join("shop/src")).unwrap();
        std::fs::write(parent.join("shop/pyproject.toml"), pyproject).unwrap();
        let settings = CacheSettings::load_with_env(
            Some(&parent.join("shop/pyproject.toml")),
            &[("PYCODETAGS_CACHE_REMOTE", "redis://127.0.0.1/")],
        )
        .unwrap();
        (parent.join("shop"), Portable::of(&settings).unwrap())
    }

    #[test]
    fn two_checkouts_share_a_key_and_two_projects_do_not() {
        let dir = tempfile::tempdir().unwrap();
        let named = "[project]\nname = \"shop\"\n";
        let (a, pa) = checkout(&dir.path().join("a"), named);
        let (b, pb) = checkout(&dir.path().join("b"), named);
        let key_a = pa.key(&state_key(&a.join("src"), &a)).unwrap();
        let key_b = pb.key(&state_key(&b.join("src"), &b)).unwrap();
        assert_eq!(key_a, key_b);
        // Another root of the same checkout, or another project: another key.
        assert_ne!(key_a, pa.key(&state_key(&a, &a)).unwrap());
        let (c, pc) = checkout(&dir.path().join("c"), "[project]\nname = \"cart\"\n");
        assert_ne!(key_a, pc.key(&state_key(&c.join("src"), &c)).unwrap());
        // The portable key is not the local one.
        let local = Key::new(STATE_FUNCTION, &state_key(&a.join("src"), &a));
        assert_ne!(Some(key_a), local.ok());
    }

    #[test]
    fn without_a_project_name_the_folder_name_tells_projects_apart() {
        let dir = tempfile::tempdir().unwrap();
        let (_, p) = checkout(&dir.path().join("a"), "");
        assert_eq!(p.project, "shop");
        assert!(Portable::of(&CacheSettings::default()).is_none());
    }
}
