//! The lenient settings a library gets (`CacheSettings::load_with_env_lenient`, as
//! `discover_lenient` uses them): every problem the strict load fails with is set aside with the
//! setting at its default, the rest still applies, and the strict load still fails (the codetags
//! binary exits 2 on it).

use std::path::{Path, PathBuf};

use cache_core::{CacheSettings, LenientSettings};

fn project(section: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let pyproject = dir.path().join("pyproject.toml");
    std::fs::write(&pyproject, section).unwrap();
    (dir, pyproject)
}

fn lenient(pyproject: Option<&Path>, env: &[(&str, &str)]) -> LenientSettings {
    let loaded = CacheSettings::load_with_env_lenient(pyproject, env);
    // The same problems, the strict way, fail.
    let strict = CacheSettings::load_with_env(pyproject, env);
    assert_eq!(
        strict.is_err(),
        !loaded.ignored.is_empty(),
        "{strict:?} vs {loaded:?}"
    );
    if let (Err(error), Some(first)) = (&strict, loaded.ignored.first()) {
        assert_eq!(
            error, first,
            "the first problem is worded as the strict load words it"
        );
    }
    loaded
}

#[test]
fn an_unknown_variable_is_set_aside_and_the_others_apply() {
    let loaded = lenient(
        None,
        &[
            ("PYCODETAGS_CACHE_TTL", "3"),
            ("PYCODETAGS_CACHE_TTL_DAYS", "2"),
            ("pycodetags_cache_colour", "blue"),
            ("HOME", "/home/me"),
        ],
    );
    assert_eq!(loaded.settings.ttl_days, 2);
    let words: Vec<String> = loaded.ignored.iter().map(ToString::to_string).collect();
    assert_eq!(words.len(), 2, "{words:?}");
    assert!(
        words
            .iter()
            .any(|w| w.contains("PYCODETAGS_CACHE_TTL:") && w.contains("unknown key")),
        "{words:?}"
    );
    assert!(words.iter().any(|w| w.contains("`colour`")), "{words:?}");
}

#[test]
fn bad_values_in_the_environment_keep_the_defaults() {
    for (name, value) in [
        ("PYCODETAGS_CACHE_TTL_DAYS", "soon"),
        ("PYCODETAGS_CACHE_TTL_DAYS", "0"),
        ("PYCODETAGS_CACHE_TTL_DAYS", "-1"),
        ("PYCODETAGS_CACHE_GZIP", "maybe"),
        ("PYCODETAGS_CACHE_ENABLED", "2"),
    ] {
        let loaded = lenient(None, &[(name, value)]);
        let defaults = CacheSettings::default();
        assert_eq!(
            loaded.settings.ttl_days, defaults.ttl_days,
            "{name}={value}"
        );
        assert_eq!(loaded.settings.gzip, defaults.gzip, "{name}={value}");
        assert!(loaded.settings.enabled, "{name}={value}");
        assert_eq!(
            loaded.ignored.len(),
            1,
            "{name}={value}: {:?}",
            loaded.ignored
        );
        assert!(
            loaded.ignored[0].to_string().contains(name),
            "{}",
            loaded.ignored[0]
        );
    }
}

#[test]
fn bad_keys_in_the_file_keep_their_defaults_and_the_good_ones_apply() {
    let (dir, pyproject) = project(
        "[tool.pycodetags.cache]\nttl_days = \"soon\"\ngzip = true\ndir = \"cache\"\nspeed = 11\n",
    );
    let loaded = lenient(Some(&pyproject), &[]);
    assert_eq!(loaded.settings.ttl_days, 7);
    assert!(loaded.settings.gzip);
    // Still relative to the file's folder, although the file was read again without two keys.
    assert_eq!(loaded.settings.root(None), Some(dir.path().join("cache")));
    let keys: Vec<String> = loaded
        .ignored
        .iter()
        .map(|problem| match problem {
            cache_core::SettingsError::Invalid { key, origin, .. } => {
                assert_eq!(origin, &pyproject.display().to_string());
                key.clone()
            }
            other => panic!("{other}"),
        })
        .collect();
    assert_eq!(keys.len(), 2, "{keys:?}");
    assert!(keys.contains(&"ttl_days".to_owned()) && keys.contains(&"speed".to_owned()));
}

#[test]
fn the_environment_still_wins_over_the_file() {
    let (_dir, pyproject) = project("[tool.pycodetags.cache]\nttl_days = 3\nbogus = 1\n");
    let loaded = lenient(Some(&pyproject), &[("PYCODETAGS_CACHE_TTL_DAYS", "5")]);
    assert_eq!(loaded.settings.ttl_days, 5);
    assert_eq!(loaded.ignored.len(), 1);
    let loaded = lenient(Some(&pyproject), &[("PYCODETAGS_CACHE_TTL_DAYS", "x")]);
    assert_eq!(
        loaded.settings.ttl_days, 3,
        "the bad variable is dropped, the file's value stays"
    );
}

#[test]
fn a_broken_file_is_set_aside_but_still_locates_the_project() {
    for text in ["[tool.pycodetags.cache\n", "[tool.pycodetags]\ncache = 5\n"] {
        let (dir, pyproject) = project(text);
        let loaded = lenient(Some(&pyproject), &[("PYCODETAGS_CACHE_GZIP", "on")]);
        assert_eq!(loaded.ignored.len(), 1, "{text:?}: {:?}", loaded.ignored);
        assert!(
            loaded.settings.gzip,
            "{text:?}: the environment still applies"
        );
        assert_eq!(
            loaded.settings.root(None),
            Some(dir.path().join(".pycodetags_cache")),
            "{text:?}"
        );
    }
}

#[test]
#[cfg(all(unix, not(target_os = "macos")))]
fn outside_a_python_project_the_root_is_in_the_user_cache_folder() {
    let loaded = lenient(None, &[("HOME", "/home/me")]);
    let root = loaded.settings.dir.clone().unwrap();
    assert!(
        root.starts_with("/home/me/.cache/cache-core"),
        "{}",
        root.display()
    );
    assert_eq!(
        root.parent().unwrap(),
        Path::new("/home/me/.cache/cache-core")
    );
    assert!(
        loaded
            .settings
            .dir_origin
            .as_deref()
            .unwrap()
            .contains("outside a Python project"),
        "{:?}",
        loaded.settings.dir_origin
    );
    let loaded = lenient(
        None,
        &[("HOME", "/home/me"), ("XDG_CACHE_HOME", "/var/cache/me")],
    );
    assert!(
        loaded
            .settings
            .dir
            .unwrap()
            .starts_with("/var/cache/me/cache-core")
    );
    // A relative XDG_CACHE_HOME is ignored, as the XDG specification says.
    let loaded = lenient(None, &[("HOME", "/home/me"), ("XDG_CACHE_HOME", "rel")]);
    assert!(loaded.settings.dir.unwrap().starts_with("/home/me/.cache"));
    // Neither: no root, and the cache will say so.
    assert_eq!(lenient(None, &[]).settings.dir, None);
    // PYCODETAGS_CACHE_DIR wins.
    let loaded = lenient(
        None,
        &[("HOME", "/home/me"), ("PYCODETAGS_CACHE_DIR", "/tmp/c")],
    );
    assert_eq!(loaded.settings.dir, Some(PathBuf::from("/tmp/c")));
}

#[test]
fn inside_a_python_project_the_root_stays_beside_pyproject() {
    let (dir, pyproject) = project("[project]\nname = \"x\"\n");
    let loaded = lenient(Some(&pyproject), &[("HOME", "/home/me")]);
    assert_eq!(loaded.settings.dir, None);
    assert_eq!(
        loaded.settings.root(None),
        Some(dir.path().join(".pycodetags_cache"))
    );
    assert!(loaded.ignored.is_empty());
}
