//! `pyproject.toml` loading from arbitrary bytes: the CLI's `[tool.pycodetags]` and cache-core's
//! `[tool.pycodetags.cache]`.

use cache_core::CacheSettings;
use codetags_cli::config::ProjectConfig;

/// The `config` target: the bytes are written to a fresh `pyproject.toml` and loaded with
/// `ProjectConfig::load` and `CacheSettings::load_with_env` (no environment, so a developer's
/// `PYCODETAGS_CACHE_*` variables cannot change a replay).
///
/// Invariants: no panic; errors are errors — bytes that are not TOML (per the `toml` crate
/// figment parses with) fail both loads, and a TOML document without a `tool` key loads as the
/// defaults; a loaded configuration is usable (its file and folder are the ones given, its
/// extensions are non-empty, its patterns match without panicking, its errors and settings
/// format and convert).
pub fn check_config(data: &[u8]) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join("pyproject.toml");
    std::fs::write(&path, data).expect("writing the pyproject.toml");

    let project = ProjectConfig::load(&path);
    let settings = CacheSettings::load_with_env(Some(&path), &[]);
    let document = std::str::from_utf8(data)
        .ok()
        .and_then(|text| text.parse::<toml::Table>().ok());
    match &document {
        None => {
            assert!(project.is_err(), "not TOML, yet loaded: {project:?}");
            assert!(settings.is_err(), "not TOML, yet loaded: {settings:?}");
        }
        Some(table) if !table.contains_key("tool") => {
            let project = project.as_ref().expect("no [tool] table: defaults");
            assert!(project.warnings.is_empty());
            let defaults = CacheSettings {
                pyproject: Some(path.clone()),
                ..CacheSettings::default()
            };
            assert_eq!(settings.as_ref().ok(), Some(&defaults));
        }
        Some(_) => {}
    }

    match &project {
        Ok(config) => {
            let file = config.file.as_deref().expect("loaded from a file");
            assert_eq!(file.file_name(), path.file_name());
            assert_eq!(Some(config.base_dir.as_path()), file.parent());
            assert!(!config.extensions.is_empty());
            assert!(config.extensions.iter().all(|e| !e.is_empty()));
            // Patterns against names made of patterns: fnmatch on hostile input.
            let names = config
                .exclude
                .iter()
                .chain(config.schema_paths.iter().map(|p| &p.pattern));
            for name in names.take(16) {
                let _ = config.is_excluded(name);
                let _ = config.schema_for(name);
            }
        }
        Err(error) => assert!(!error.to_string().is_empty()),
    }
    match &settings {
        Ok(settings) => {
            assert!(settings.ttl_days >= 1);
            assert!(settings.ttl() > chrono::TimeDelta::zero());
            let _ = settings.root(None);
            let _ = settings.layout_options(codetags_cli::VERSION);
        }
        Err(error) => assert!(!error.to_string().is_empty()),
    }
}
