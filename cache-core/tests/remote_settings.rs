//! The remote-cache settings: `remote`, `remote_read_only`, `remote_timeout_ms` in
//! `[tool.pycodetags.cache]` or `PYCODETAGS_CACHE_*`, and the signing secret from the
//! environment only.

use cache_core::{CacheSettings, SettingsError};

fn pyproject(body: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pyproject.toml");
    std::fs::write(&path, format!("[tool.pycodetags.cache]\n{body}")).unwrap();
    (dir, path)
}

#[test]
fn defaults_have_no_remote() {
    let settings = CacheSettings::load_with_env(None, &[]).unwrap();
    assert_eq!(settings.remote, None);
    assert!(!settings.remote_read_only);
    assert_eq!(settings.remote_timeout_ms, 250);
    assert_eq!(settings.remote_key, None);
}

#[test]
fn the_file_sets_the_remote_and_the_environment_overrides_it() {
    let (_dir, path) = pyproject(
        "remote = \"redis://cache.internal:6379/1\"\nremote_read_only = true\nremote_timeout_ms = 900\n",
    );
    let settings = CacheSettings::load_with_env(Some(&path), &[]).unwrap();
    assert_eq!(
        settings.remote.as_ref().map(|u| u.as_str()),
        Some("redis://cache.internal:6379/1")
    );
    assert!(settings.remote_read_only);
    assert_eq!(settings.remote_timeout_ms, 900);

    let settings = CacheSettings::load_with_env(
        Some(&path),
        &[
            ("PYCODETAGS_CACHE_REMOTE", "redis://other:6380/"),
            ("PYCODETAGS_CACHE_REMOTE_READ_ONLY", "no"),
            ("PYCODETAGS_CACHE_REMOTE_TIMEOUT_MS", "40"),
        ],
    )
    .unwrap();
    assert_eq!(settings.remote.unwrap().as_str(), "redis://other:6380/");
    assert!(!settings.remote_read_only);
    assert_eq!(settings.remote_timeout_ms, 40);
}

#[test]
fn bad_values_are_errors_naming_key_and_origin_without_the_password() {
    let error = CacheSettings::load_with_env(
        None,
        &[(
            "PYCODETAGS_CACHE_REMOTE",
            "https://ci:hunter2@cache.internal/",
        )],
    )
    .unwrap_err();
    let message = error.to_string();
    assert!(
        message.contains("environment variable PYCODETAGS_CACHE_REMOTE"),
        "{message}"
    );
    assert!(message.contains("`remote`"), "{message}");
    assert!(!message.contains("hunter2"), "{message}");

    let (_dir, path) = pyproject("remote = \"rediss://cache.internal/\"\n");
    let message = CacheSettings::load_with_env(Some(&path), &[])
        .unwrap_err()
        .to_string();
    assert!(message.contains("TLS"), "{message}");

    for bad in ["0", "60001"] {
        let error =
            CacheSettings::load_with_env(None, &[("PYCODETAGS_CACHE_REMOTE_TIMEOUT_MS", bad)])
                .unwrap_err();
        assert!(
            matches!(&error, SettingsError::Invalid { key, .. } if key == "remote_timeout_ms"),
            "{error}"
        );
    }
    let error =
        CacheSettings::load_with_env(None, &[("PYCODETAGS_CACHE_REMOTE_READ_ONLY", "maybe")])
            .unwrap_err();
    assert!(error.to_string().contains("remote_read_only"), "{error}");
}

#[test]
fn the_signing_secret_comes_from_the_environment_only_and_is_never_shown() {
    let settings = CacheSettings::load_with_env(
        None,
        &[
            ("PYCODETAGS_CACHE_REMOTE", "redis://127.0.0.1/"),
            (
                "PYCODETAGS_CACHE_REMOTE_KEY",
                "correct horse battery staple",
            ),
        ],
    )
    .unwrap();
    assert!(settings.remote_key.is_some());
    let shown = format!("{settings:?}");
    assert!(!shown.contains("horse"), "{shown}");

    // Blank is unset, as for every variable.
    let settings =
        CacheSettings::load_with_env(None, &[("PYCODETAGS_CACHE_REMOTE_KEY", "  ")]).unwrap();
    assert_eq!(settings.remote_key, None);

    // In a file it is refused, and the value is not echoed.
    let (_dir, path) = pyproject("remote_key = \"committed secret\"\n");
    let error = CacheSettings::load_with_env(Some(&path), &[]).unwrap_err();
    let message = error.to_string();
    assert!(message.contains("PYCODETAGS_CACHE_REMOTE_KEY"), "{message}");
    assert!(!message.contains("committed secret"), "{message}");
}

#[test]
fn a_password_in_the_url_is_masked_when_shown() {
    let settings = CacheSettings::load_with_env(
        None,
        &[(
            "PYCODETAGS_CACHE_REMOTE",
            "redis://:hunter2@10.0.0.1:6379/0",
        )],
    )
    .unwrap();
    let shown = format!("{settings:?}");
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(shown.contains("redis://***@10.0.0.1:6379/0"), "{shown}");
}
