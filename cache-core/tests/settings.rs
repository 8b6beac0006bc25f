//! `[tool.pycodetags.cache]` settings: defaults, file values, environment overrides, root rules
//! and error messages. (The real process environment is exercised by the `multiprocess` test.)

use std::fs;
use std::path::{Path, PathBuf};

use cache_core::{CacheSettings, SettingsError};

fn project(content: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let pyproject = dir.path().join("pyproject.toml");
    fs::write(&pyproject, content).unwrap();
    (dir, pyproject)
}

#[test]
fn defaults_without_file_or_section() {
    let none = CacheSettings::load_with_env(None, &[]).unwrap();
    assert_eq!(none, CacheSettings::default());
    assert_eq!(none.root(None), None);
    let (dir, pyproject) =
        project("[project]\nname = \"x\"\n[tool.other]\nttl_days = \"ignored\"\n");
    let settings = CacheSettings::load_with_env(Some(&pyproject), &[]).unwrap();
    assert_eq!(
        settings,
        CacheSettings {
            pyproject: Some(pyproject.clone()),
            ..CacheSettings::default()
        }
    );
    assert_eq!(
        settings.root(None),
        Some(dir.path().join(".pycodetags_cache"))
    );
}

#[test]
fn every_key_is_read_from_the_file() {
    let (dir, pyproject) = project(
        "[tool.pycodetags]\nsrc = [\"x\"]\n\n[tool.pycodetags.cache]\nenabled = false\ndir = \"build/cache\"\n\
         ttl_days = 30\nenable_version_namespacing = false\nenable_date_subfolders = false\n\
         clean_old_versions = false\ngzip = true\n",
    );
    let s = CacheSettings::load_with_env(Some(&pyproject), &[]).unwrap();
    assert!(!s.enabled && !s.enable_version_namespacing && !s.enable_date_subfolders);
    assert!(!s.clean_old_versions && s.gzip);
    assert_eq!(s.ttl_days, 30);
    // A relative dir is relative to the pyproject.toml's folder, not the working directory.
    assert_eq!(s.dir, Some(dir.path().join("build/cache")));
    assert_eq!(s.root(None), Some(dir.path().join("build/cache")));
    assert_eq!(
        s.root(Some(Path::new("/explicit"))),
        Some(PathBuf::from("/explicit"))
    );
    let options = s.layout_options("1.2.3");
    assert_eq!(
        (options.version, options.date_subfolders, options.gzip),
        (None, false, true)
    );
}

#[test]
fn environment_overrides_the_file() {
    let (_dir, pyproject) =
        project("[tool.pycodetags.cache]\nttl_days = 30\ngzip = true\ndir = \"a\"\n");
    let s = CacheSettings::load_with_env(
        Some(&pyproject),
        &[
            ("PYCODETAGS_CACHE_TTL_DAYS", "2"),
            ("pycodetags_cache_gzip", "false"),
            ("PYCODETAGS_CACHE_DIR", "/var/cache/ct"),
            ("PYCODETAGS_USER", "not ours"),
        ],
    )
    .unwrap();
    assert_eq!((s.ttl_days, s.gzip), (2, false));
    // PYCODETAGS_CACHE_DIR is the `dir` key: it beats the file's dir and sets the root.
    assert_eq!(s.root(None), Some(PathBuf::from("/var/cache/ct")));
    // An empty PYCODETAGS_CACHE_DIR means "not set".
    let s = CacheSettings::load_with_env(None, &[("PYCODETAGS_CACHE_DIR", "")]).unwrap();
    assert_eq!(s.dir, None);
}

#[test]
fn discover_searches_upward() {
    let (dir, pyproject) = project("[tool.pycodetags.cache]\nttl_days = 4\n");
    let deep = dir.path().join("src/pkg/sub");
    fs::create_dir_all(&deep).unwrap();
    let s = CacheSettings::discover(&deep).unwrap();
    assert_eq!(s.pyproject.as_deref(), Some(pyproject.as_path()));
    assert_eq!(s.root(None), Some(dir.path().join(".pycodetags_cache")));
}

fn invalid(result: Result<CacheSettings, SettingsError>) -> (String, String, String, String) {
    match result.unwrap_err() {
        SettingsError::Invalid {
            key,
            value,
            origin,
            reason,
        } => (key, value, origin, reason),
        other => panic!("expected an invalid-key error, got {other:?}"),
    }
}

#[test]
fn a_wrong_type_names_key_value_and_file() {
    let (_dir, pyproject) = project("[tool.pycodetags.cache]\nttl_days = \"soon\"\n");
    let result = CacheSettings::load_with_env(Some(&pyproject), &[]);
    let message = result.as_ref().unwrap_err().to_string();
    let (key, value, origin, reason) = invalid(result);
    assert_eq!(key, "ttl_days");
    assert!(value.contains("\"soon\""), "{value}");
    assert_eq!(origin, pyproject.display().to_string());
    assert!(reason.contains("u32"), "{reason}");
    assert!(
        message.contains("ttl_days") && message.contains("soon"),
        "{message}"
    );
    assert!(
        message.contains(&pyproject.display().to_string()),
        "{message}"
    );
    assert!(
        !message.contains("default."),
        "profile prefix leaked: {message}"
    );
}

#[test]
fn an_unknown_key_names_key_value_and_file() {
    let (_dir, pyproject) = project("[tool.pycodetags.cache]\nttl_secs = 5\n");
    let result = CacheSettings::load_with_env(Some(&pyproject), &[]);
    let message = result.as_ref().unwrap_err().to_string();
    let (key, value, origin, reason) = invalid(result);
    assert_eq!(
        (key.as_str(), origin),
        ("ttl_secs", pyproject.display().to_string())
    );
    assert!(value.contains('5'), "{value}");
    assert!(
        reason.contains("ttl_days"),
        "lists the known keys: {reason}"
    );
    assert!(!message.contains("default."), "{message}");
}

#[test]
fn a_bad_environment_value_names_the_variable() {
    let (_dir, pyproject) = project("");
    let (key, value, origin, _) = invalid(CacheSettings::load_with_env(
        Some(&pyproject),
        &[("PYCODETAGS_CACHE_TTL_DAYS", "-1")],
    ));
    assert_eq!(key, "ttl_days");
    assert!(value.contains("-1"), "{value}");
    assert_eq!(origin, "environment variable PYCODETAGS_CACHE_TTL_DAYS");
    let (key, _, origin, _) = invalid(CacheSettings::load_with_env(
        None,
        &[("PYCODETAGS_CACHE_TTL", "3")],
    ));
    assert_eq!(
        (key.as_str(), origin.as_str()),
        ("ttl", "environment variable PYCODETAGS_CACHE_TTL")
    );
}

#[test]
fn zero_ttl_is_refused() {
    let (_dir, pyproject) = project("[tool.pycodetags.cache]\nttl_days = 0\n");
    let (key, value, origin, reason) = invalid(CacheSettings::load_with_env(Some(&pyproject), &[]));
    assert_eq!((key.as_str(), value.as_str()), ("ttl_days", "0"));
    assert_eq!(origin, pyproject.display().to_string());
    assert!(reason.contains("enabled = false"), "{reason}");
}

#[test]
fn syntax_errors_and_missing_files_name_the_file() {
    let (_dir, pyproject) = project("[tool.pycodetags.cache\nttl_days = 1\n");
    let message = CacheSettings::load_with_env(Some(&pyproject), &[])
        .unwrap_err()
        .to_string();
    assert!(
        message.contains(&pyproject.display().to_string()),
        "{message}"
    );
    let missing = Path::new("/nonexistent/pyproject.toml");
    let message = CacheSettings::load(missing).unwrap_err().to_string();
    assert!(message.contains("/nonexistent/pyproject.toml"), "{message}");
}

#[test]
fn a_cache_key_that_is_not_a_table_or_a_bad_dir_is_reported() {
    let (_dir, pyproject) = project("[tool.pycodetags]\ncache = 5\n");
    let message = CacheSettings::load_with_env(Some(&pyproject), &[])
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("must be a table") && message.contains('5'),
        "{message}"
    );
    let (_dir, pyproject) = project("[tool.pycodetags.cache]\ndir = 5\n");
    let (key, value, ..) = invalid(CacheSettings::load_with_env(Some(&pyproject), &[]));
    assert_eq!(key, "dir", "no figment-internal path parts");
    assert!(value.contains('5'), "{value}");
}
