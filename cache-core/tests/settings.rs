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

#[test]
fn booleans_are_parsed_one_way() {
    use cache_core::parse_bool;
    for text in [
        "true", "TRUE", "True", "yes", "YES", "on", "On", "1", " yes\n",
    ] {
        assert_eq!(parse_bool(text), Some(true), "{text:?}");
    }
    for text in ["false", "FALSE", "no", "No", "off", "OFF", "0", "\tno "] {
        assert_eq!(parse_bool(text), Some(false), "{text:?}");
    }
    for text in [
        "",
        " ",
        "maybe",
        "y",
        "n",
        "2",
        "-1",
        "yes please",
        "t",
        "nein",
    ] {
        assert_eq!(parse_bool(text), None, "{text:?}");
    }
}

#[test]
fn every_boolean_key_accepts_the_same_words_from_the_environment() {
    let keys = [
        "ENABLED",
        "GZIP",
        "ENABLE_VERSION_NAMESPACING",
        "ENABLE_DATE_SUBFOLDERS",
        "CLEAN_OLD_VERSIONS",
    ];
    let read = |s: &CacheSettings, key: &str| match key {
        "ENABLED" => s.enabled,
        "GZIP" => s.gzip,
        "ENABLE_VERSION_NAMESPACING" => s.enable_version_namespacing,
        "ENABLE_DATE_SUBFOLDERS" => s.enable_date_subfolders,
        "CLEAN_OLD_VERSIONS" => s.clean_old_versions,
        _ => unreachable!(),
    };
    for key in keys {
        let name = format!("PYCODETAGS_CACHE_{key}");
        for (text, expected) in [("yes", true), ("On", true), ("1", true), ("no", false)] {
            let s = CacheSettings::load_with_env(None, &[(&name, text)]).unwrap();
            assert_eq!(read(&s, key), expected, "{name}={text}");
        }
        let (k, value, origin, reason) =
            invalid(CacheSettings::load_with_env(None, &[(&name, "maybe")]));
        assert_eq!(k, key.to_ascii_lowercase());
        assert_eq!(value, "string \"maybe\"");
        assert_eq!(origin, format!("environment variable {name}"));
        assert!(reason.contains("yes/no"), "{reason}");
    }
    // An empty (or blank) variable is unset: the file's value stays.
    let (_dir, pyproject) = project("[tool.pycodetags.cache]\ngzip = true\nttl_days = 3\n");
    let s = CacheSettings::load_with_env(
        Some(&pyproject),
        &[
            ("PYCODETAGS_CACHE_GZIP", ""),
            ("PYCODETAGS_CACHE_TTL_DAYS", "  "),
        ],
    )
    .unwrap();
    assert_eq!((s.gzip, s.ttl_days), (true, 3));
    // The file keeps TOML's typed booleans: a string there is still an error.
    let (_dir, pyproject) = project("[tool.pycodetags.cache]\ngzip = \"yes\"\n");
    let (key, ..) = invalid(CacheSettings::load_with_env(Some(&pyproject), &[]));
    assert_eq!(key, "gzip");
}

#[test]
fn an_empty_dir_in_the_file_is_an_error() {
    let (_dir, pyproject) = project("[tool.pycodetags.cache]\ndir = \"\"\n");
    let (key, value, origin, reason) = invalid(CacheSettings::load_with_env(Some(&pyproject), &[]));
    assert_eq!((key.as_str(), value.as_str()), ("dir", "string \"\""));
    assert_eq!(origin, pyproject.display().to_string());
    assert!(reason.contains("empty"), "{reason}");
}

fn placement(result: Result<Option<PathBuf>, SettingsError>) -> (String, String) {
    match result {
        Err(error @ SettingsError::Placement { .. }) => {
            let SettingsError::Placement { origin, .. } = &error else {
                unreachable!()
            };
            (origin.clone(), error.to_string())
        }
        other => panic!("expected a placement error, got {other:?}"),
    }
}

#[test]
fn a_root_at_or_above_the_project_is_refused_naming_its_origin() {
    for dir_value in [".", "./", "src/..", ""] {
        let (dir, pyproject) = project(&format!("[tool.pycodetags.cache]\ndir = {dir_value:?}\n"));
        fs::create_dir(dir.path().join("src")).unwrap();
        let loaded = CacheSettings::load_with_env(Some(&pyproject), &[]);
        if dir_value.is_empty() {
            assert!(loaded.is_err(), "dir = \"\" is refused when loading");
            continue;
        }
        let (origin, message) = placement(loaded.unwrap().checked_root(None, &[]));
        assert_eq!(
            origin,
            format!("`[tool.pycodetags.cache] dir` in {}", pyproject.display()),
            "dir = {dir_value:?}"
        );
        assert!(message.contains("is the project folder"), "{message}");
    }

    let (dir, pyproject) = project("");
    let above = dir.path().parent().unwrap().to_str().unwrap().to_owned();
    let project_dir = dir.path().to_str().unwrap().to_owned();
    for (value, what) in [
        (&project_dir, "is the project folder"),
        (&above, "contains"),
    ] {
        let s = CacheSettings::load_with_env(Some(&pyproject), &[("PYCODETAGS_CACHE_DIR", value)])
            .unwrap();
        let (origin, message) = placement(s.checked_root(None, &[]));
        assert_eq!(origin, "environment variable PYCODETAGS_CACHE_DIR");
        assert!(message.contains(what), "{message}");
        // An explicit flag is checked the same way and blamed by its name.
        let (origin, _) = placement(s.checked_root(Some((Path::new(value), "--cache-dir")), &[]));
        assert_eq!(origin, "--cache-dir");
    }
    // The default root and any folder inside the project are fine.
    let s = CacheSettings::load_with_env(Some(&pyproject), &[]).unwrap();
    assert_eq!(
        s.checked_root(None, &[]).unwrap(),
        Some(dir.path().join(".pycodetags_cache"))
    );
    let inside = dir.path().join("build/cache");
    assert_eq!(
        s.checked_root(Some((&inside, "--cache-dir")), &[]).unwrap(),
        Some(inside)
    );
    // No pyproject, no dir: no root, nothing to check.
    assert_eq!(
        CacheSettings::default().checked_root(None, &[]).unwrap(),
        None
    );
}

#[test]
fn protected_folders_home_and_filesystem_roots_are_refused() {
    use cache_core::{PlacementError, check_root_placement};
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("work");
    let scanned = work.join("pkg/src");
    fs::create_dir_all(&scanned).unwrap();
    let s = CacheSettings::default();
    // The caller's protected paths (the CLI passes the working directory and the scan roots).
    let (_, message) = placement(s.checked_root(Some((&work, "--cache-dir")), &[&scanned]));
    assert!(message.contains("contains a protected folder"), "{message}");
    assert!(
        s.checked_root(Some((&scanned.join(".cache"), "--cache-dir")), &[&scanned])
            .is_ok()
    );
    assert!(matches!(
        check_root_placement(Path::new("/"), &[]),
        Err(PlacementError::FilesystemRoot { .. })
    ));
    assert!(matches!(
        check_root_placement(Path::new("/tmp/.."), &[]),
        Err(PlacementError::FilesystemRoot { .. })
    ));
    match std::env::var_os("HOME").filter(|h| !h.is_empty() && Path::new(h).is_absolute()) {
        Some(home) => {
            let home = PathBuf::from(home);
            let error = check_root_placement(&home, &[]).unwrap_err();
            assert!(error.to_string().contains("home folder"), "{error}");
            assert!(check_root_placement(&home.join(".cache/codetags"), &[]).is_ok());
        }
        None => println!("skipped the $HOME case: HOME is not set"),
    }
}

#[cfg(unix)]
#[test]
fn a_symlink_to_the_project_is_refused_too() {
    let (dir, pyproject) = project("");
    let elsewhere = tempfile::tempdir().unwrap();
    let link = elsewhere.path().join("link-to-project");
    std::os::unix::fs::symlink(dir.path(), &link).unwrap();
    let s = CacheSettings::load_with_env(Some(&pyproject), &[]).unwrap();
    let (_, message) = placement(s.checked_root(Some((&link, "--cache-dir")), &[]));
    assert!(message.contains("is the project folder"), "{message}");
    // A root that does not exist yet below a linked ancestor of the project is resolved too.
    let link_above = elsewhere.path().join("link-above");
    std::os::unix::fs::symlink(dir.path().parent().unwrap(), &link_above).unwrap();
    let name = dir.path().file_name().unwrap();
    assert!(
        s.checked_root(Some((&link_above.join(name), "--cache-dir")), &[])
            .is_err()
    );
}

#[test]
fn cache_open_never_uses_a_refused_root() {
    let (dir, pyproject) =
        project("[tool.pycodetags.cache]\ndir = \".\"\nenable_date_subfolders = false\n");
    fs::create_dir(dir.path().join("src")).unwrap();
    let s = CacheSettings::load_with_env(Some(&pyproject), &[]).unwrap();
    for explicit in [None, Some(dir.path())] {
        let cache = cache_core::Cache::open(&s, explicit, "0.1.0");
        assert!(!cache.is_enabled());
        assert_eq!(cache.root(), None);
        let reason = cache.disabled_reason().unwrap();
        assert!(reason.contains("is the project folder"), "{reason}");
        assert_eq!(cache.memoize("f", &(), || 3u8), 3);
        assert_eq!(cache.stats(), Default::default());
    }
    let mut names: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["pyproject.toml", "src"],
        "nothing written into the project"
    );
}
