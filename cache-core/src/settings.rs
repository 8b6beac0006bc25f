//! `[tool.pycodetags.cache]` settings, read with figment from `pyproject.toml` and the environment.

use std::path::{Path, PathBuf};

use cache_layout::LayoutOptions;
use chrono::TimeDelta;
use figment::providers::{Env, Format, Serialized, Toml};
use figment::value::magic::RelativePathBuf;
use figment::value::{Dict, Map, Value};
use figment::{Figment, Metadata, Profile, Provider, Source};
use serde::{Deserialize, Serialize};

use crate::codec::CACHE_FORMAT;
use crate::root::{ROOT_DIR_NAME, find_pyproject};

/// The table the settings live in.
pub const SECTION: &str = "tool.pycodetags.cache";
/// Prefix of the environment overrides: `PYCODETAGS_CACHE_TTL_DAYS`, `PYCODETAGS_CACHE_DIR`, …
pub const ENV_PREFIX: &str = "PYCODETAGS_CACHE_";

/// The cache settings. Every field is a key of `[tool.pycodetags.cache]`, overridable by the
/// environment variable `PYCODETAGS_CACHE_{KEY}` (upper case); `pyproject` records where they
/// were read from.
///
/// ```
/// let settings = cache_core::CacheSettings::default();
/// assert!(settings.enabled);
/// assert_eq!(settings.ttl_days, 7);
/// assert!(settings.enable_version_namespacing && settings.enable_date_subfolders);
/// assert!(!settings.gzip);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheSettings {
    /// `enabled` (default `true`): `false` turns caching off; every call computes.
    pub enabled: bool,
    /// `dir` (default none): the cache root. A relative path in `pyproject.toml` is relative to
    /// that file's folder; from `PYCODETAGS_CACHE_DIR`, relative to the working directory.
    /// None: `.pycodetags_cache` beside `pyproject.toml`.
    pub dir: Option<PathBuf>,
    /// `ttl_days` (default 7, at least 1): an entry older than this is a miss.
    pub ttl_days: u32,
    /// `enable_version_namespacing` (default `true`): entries go under `{root}/{version}`.
    pub enable_version_namespacing: bool,
    /// `enable_date_subfolders` (default `true`): entries go under `YYYY/MM/DD` (UTC).
    pub enable_date_subfolders: bool,
    /// `clean_old_versions` (default `true`): eviction may delete other versions' namespaces.
    /// Read here, acted on by `cache-evict`.
    pub clean_old_versions: bool,
    /// `gzip` (default `false`): compress new entries (`.bin.gz`). Off because hits are the hot
    /// path: inflating costs more than reading the bigger file, and gzip'ing a multi-MB entry
    /// costs tens of milliseconds; turn it on when disk space matters more (entries of tags
    /// shrink about tenfold).
    pub gzip: bool,
    /// The `pyproject.toml` the settings were read from, if any (not a key).
    pub pyproject: Option<PathBuf>,
}

impl Default for CacheSettings {
    fn default() -> CacheSettings {
        let raw = RawSettings::default();
        CacheSettings {
            enabled: raw.enabled,
            dir: None,
            ttl_days: raw.ttl_days,
            enable_version_namespacing: raw.enable_version_namespacing,
            enable_date_subfolders: raw.enable_date_subfolders,
            clean_old_versions: raw.clean_old_versions,
            gzip: raw.gzip,
            pyproject: None,
        }
    }
}

/// The keys as figment sees them (`dir` keeps track of the file it came from).
#[derive(Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct RawSettings {
    enabled: bool,
    dir: Option<RelativePathBuf>,
    ttl_days: u32,
    enable_version_namespacing: bool,
    enable_date_subfolders: bool,
    clean_old_versions: bool,
    gzip: bool,
}

impl Default for RawSettings {
    fn default() -> RawSettings {
        RawSettings {
            enabled: true,
            dir: None,
            ttl_days: 7,
            enable_version_namespacing: true,
            enable_date_subfolders: true,
            clean_old_versions: true,
            gzip: false,
        }
    }
}

/// A settings problem, worded for users: it names the key, the value and where it came from.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingsError {
    /// A key has a value of the wrong type or range, or is not a known key.
    #[error("{origin}: [{SECTION}] `{key}` = {value}: {reason}")]
    Invalid {
        /// The key (`ttl_days`).
        key: String,
        /// The offending value as found (`string "soon"`).
        value: String,
        /// Where it came from: the file path, or `environment variable PYCODETAGS_CACHE_TTL_DAYS`.
        origin: String,
        /// What was expected.
        reason: String,
    },
    /// `tool.pycodetags.cache` exists but is not a table (`[tool.pycodetags] cache = 5`).
    #[error("{origin}: [{SECTION}] must be a table, found {value}")]
    NotATable {
        /// What was found instead.
        value: String,
        /// The file.
        origin: String,
    },
    /// The file could not be read or parsed, or another error without a key.
    #[error("{origin}: {message}")]
    Source {
        /// The file (or source) concerned.
        origin: String,
        /// figment's message, without its internal `default.` profile prefix.
        message: String,
    },
}

impl CacheSettings {
    /// Reads `[tool.pycodetags.cache]` from exactly this `pyproject.toml` (a missing section means
    /// defaults) and applies `PYCODETAGS_CACHE_*` environment overrides.
    ///
    /// ```
    /// let dir = tempfile::tempdir().unwrap();
    /// let pyproject = dir.path().join("pyproject.toml");
    /// std::fs::write(&pyproject, "[tool.pycodetags.cache]\nttl_days = 3\ngzip = true\n").unwrap();
    /// let settings = cache_core::CacheSettings::load_with_env(Some(&pyproject), &[]).unwrap();
    /// assert_eq!((settings.ttl_days, settings.gzip), (3, true));
    /// assert_eq!(settings.root(None), Some(dir.path().join(".pycodetags_cache")));
    /// ```
    ///
    /// # Errors
    /// [`SettingsError`] for a missing or malformed file, an unknown key or a bad value.
    pub fn load(pyproject: &Path) -> Result<CacheSettings, SettingsError> {
        Self::require_file(pyproject)?;
        Self::extract(Some(pyproject), Env::prefixed(ENV_PREFIX))
    }

    /// Finds the nearest `pyproject.toml` in `start` or above (upstream's rule) and loads it like
    /// [`CacheSettings::load`]; without one, the defaults plus the environment.
    ///
    /// # Errors
    /// As [`CacheSettings::load`].
    pub fn discover(start: &Path) -> Result<CacheSettings, SettingsError> {
        let pyproject = find_pyproject(start);
        Self::extract(pyproject.as_deref(), Env::prefixed(ENV_PREFIX))
    }

    /// Like [`CacheSettings::load`] (or defaults when `pyproject` is `None`), with the
    /// environment given explicitly as `(name, value)` pairs instead of read from the process:
    /// only names starting with `PYCODETAGS_CACHE_` (any case) count.
    ///
    /// ```
    /// let settings = cache_core::CacheSettings::load_with_env(
    ///     None,
    ///     &[("PYCODETAGS_CACHE_TTL_DAYS", "2"), ("PYCODETAGS_CACHE_DIR", "/tmp/c"), ("HOME", "/home/me")],
    /// ).unwrap();
    /// assert_eq!(settings.ttl_days, 2);
    /// assert_eq!(settings.root(None), Some("/tmp/c".into()));
    /// ```
    ///
    /// # Errors
    /// As [`CacheSettings::load`].
    pub fn load_with_env(
        pyproject: Option<&Path>,
        env: &[(&str, &str)],
    ) -> Result<CacheSettings, SettingsError> {
        if let Some(path) = pyproject {
            Self::require_file(path)?;
        }
        let vars = env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Self::extract(pyproject, EnvVars { vars })
    }

    fn require_file(path: &Path) -> Result<(), SettingsError> {
        if path.is_file() {
            Ok(())
        } else {
            Err(SettingsError::Source {
                origin: path.display().to_string(),
                message: "no such file".to_owned(),
            })
        }
    }

    fn extract(
        pyproject: Option<&Path>,
        env: impl Provider,
    ) -> Result<CacheSettings, SettingsError> {
        let mut figment = Figment::from(Serialized::defaults(RawSettings::default()));
        if let Some(path) = pyproject {
            let file = Figment::from(Toml::file_exact(path));
            // `focus` silently yields nothing when the section is not a table (`cache = 5`).
            if let Ok(value) = file.find_value(SECTION)
                && value.as_dict().is_none()
            {
                return Err(SettingsError::NotATable {
                    value: value.to_actual().to_string(),
                    origin: path.display().to_string(),
                });
            }
            figment = figment.merge(file.focus(SECTION));
        }
        let figment = figment.merge(env);
        let raw: RawSettings = figment
            .extract()
            .map_err(|e| user_error(&figment, pyproject, e))?;
        if raw.ttl_days == 0 {
            return Err(SettingsError::Invalid {
                key: "ttl_days".to_owned(),
                value: "0".to_owned(),
                origin: origin_of(figment.find_metadata("ttl_days"), "ttl_days", pyproject),
                reason: "must be at least 1 day (set `enabled = false` to turn caching off)"
                    .to_owned(),
            });
        }
        Ok(CacheSettings {
            enabled: raw.enabled,
            dir: raw
                .dir
                .map(|d| d.relative())
                .filter(|d| !d.as_os_str().is_empty()),
            ttl_days: raw.ttl_days,
            enable_version_namespacing: raw.enable_version_namespacing,
            enable_date_subfolders: raw.enable_date_subfolders,
            clean_old_versions: raw.clean_old_versions,
            gzip: raw.gzip,
            pyproject: pyproject.map(Path::to_path_buf),
        })
    }

    /// The cache root: `explicit` (a command-line flag) if given, else `dir` (which
    /// `PYCODETAGS_CACHE_DIR` sets), else `.pycodetags_cache` beside the `pyproject.toml` the
    /// settings came from; `None` when there is none of these (then caching is off).
    pub fn root(&self, explicit: Option<&Path>) -> Option<PathBuf> {
        if let Some(path) = explicit {
            return Some(path.to_path_buf());
        }
        if let Some(dir) = &self.dir {
            return Some(dir.clone());
        }
        let project_dir = self.pyproject.as_deref()?.parent()?;
        Some(project_dir.join(ROOT_DIR_NAME))
    }

    /// The version namespace folder name for `tool_version` (`"{tool_version}-f{CACHE_FORMAT}"`),
    /// or `None` when namespacing is off.
    pub fn version_name(&self, tool_version: &str) -> Option<String> {
        self.enable_version_namespacing
            .then(|| cache_layout::cache_version(tool_version, CACHE_FORMAT))
    }

    /// The layout options these settings mean for `tool_version`.
    pub fn layout_options(&self, tool_version: &str) -> LayoutOptions {
        LayoutOptions {
            version: self.version_name(tool_version),
            date_subfolders: self.enable_date_subfolders,
            gzip: self.gzip,
        }
    }

    /// The time to live as a duration.
    pub fn ttl(&self) -> TimeDelta {
        TimeDelta::try_days(i64::from(self.ttl_days)).unwrap_or(TimeDelta::MAX)
    }
}

/// Where a key's value came from, for messages.
fn origin_of(metadata: Option<&Metadata>, key: &str, pyproject: Option<&Path>) -> String {
    match metadata {
        Some(md) => match &md.source {
            Some(Source::File(path)) => path.display().to_string(),
            Some(other) => other.to_string(),
            None if md.name.contains("environment") => {
                format!(
                    "environment variable {ENV_PREFIX}{}",
                    key.to_ascii_uppercase()
                )
            }
            None => md.name.to_string(),
        },
        None => pyproject
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "settings".to_owned()),
    }
}

/// Rewords figment's first error: the key without the `default.` profile prefix, the value, the
/// file or environment variable.
fn user_error(figment: &Figment, pyproject: Option<&Path>, error: figment::Error) -> SettingsError {
    use figment::error::Kind;
    // figment's magic types (RelativePathBuf) add internal `___figment_*` levels to the path.
    let key = error
        .path
        .iter()
        .filter(|part| !part.starts_with("___figment"))
        .cloned()
        .collect::<Vec<_>>()
        .join(".");
    let origin = origin_of(error.metadata.as_ref(), &key, pyproject);
    let invalid = |value: String, reason: String| SettingsError::Invalid {
        key: key.clone(),
        value,
        origin: origin.clone(),
        reason,
    };
    match &error.kind {
        Kind::InvalidType(actual, expected) | Kind::InvalidValue(actual, expected) => {
            invalid(actual.to_string(), format!("expected {expected}"))
        }
        Kind::UnknownField(field, known) => {
            let value = figment
                .find_value(field)
                .map(|v| v.to_actual().to_string())
                .unwrap_or_else(|_| "?".to_owned());
            SettingsError::Invalid {
                key: field.clone(),
                value,
                origin: origin_of(error.metadata.as_ref(), field, pyproject),
                reason: format!("unknown key; known keys: {}", known.join(", ")),
            }
        }
        Kind::ISizeOutOfRange(_) | Kind::USizeOutOfRange(_) => {
            let value = figment
                .find_value(&key)
                .map(|v| v.to_actual().to_string())
                .unwrap_or_else(|_| "?".to_owned());
            invalid(value, "out of range".to_owned())
        }
        other => SettingsError::Source {
            origin,
            message: strip_profile(&other.to_string()),
        },
    }
}

fn strip_profile(message: &str) -> String {
    message
        .replace("\"default.", "\"")
        .replace("`default.", "`")
}

/// A figment provider over explicit `(name, value)` pairs that behaves like
/// `Env::prefixed(ENV_PREFIX)`: prefix matched case-insensitively and stripped, key lower-cased,
/// value parsed the way figment parses environment values.
#[derive(Debug)]
struct EnvVars {
    vars: Vec<(String, String)>,
}

impl Provider for EnvVars {
    fn metadata(&self) -> Metadata {
        Metadata::named(format!("`{ENV_PREFIX}` environment variable(s)"))
    }

    fn data(&self) -> Result<Map<Profile, Dict>, figment::Error> {
        let mut dict = Dict::new();
        for (name, value) in &self.vars {
            let name = name.trim();
            let Some(prefix) = name.get(..ENV_PREFIX.len()) else {
                continue;
            };
            if !prefix.eq_ignore_ascii_case(ENV_PREFIX) {
                continue;
            }
            let key = name[ENV_PREFIX.len()..].to_ascii_lowercase();
            if key.is_empty() {
                continue;
            }
            let parsed: Value = match value.parse() {
                Ok(v) => v,
                Err(never) => match never {},
            };
            dict.insert(key, parsed);
        }
        Ok(Profile::Default.collect(dict))
    }
}
