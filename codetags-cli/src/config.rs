//! `[tool.pycodetags]` from `pyproject.toml`, read with figment.
//!
//! The file is the nearest `pyproject.toml` at or above the working directory (or the one named
//! with `--config`). Relative `src` paths are joined to the file's directory, and `exclude` /
//! `schema_paths` patterns match paths relative to that directory, as in pycodetags 0.8.1.
//! `PYCODETAGS_SCHEMA`, `PYCODETAGS_SRC`, `PYCODETAGS_EXCLUDE` and `PYCODETAGS_EXTENSIONS`
//! override the file. Keys pycodetags itself understands but codetags does not use are accepted
//! silently, so one `pyproject.toml` serves both tools; any other key is a warning.

use crate::display::display_path;
use crate::fnmatch::fnmatchcase;
use codetags_parse::Schema;
use figment::Figment;
use figment::providers::{Env, Format, Toml};
use figment::value::Value;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The file name searched for upward from the working directory.
pub const PYPROJECT: &str = "pyproject.toml";

/// Keys of `[tool.pycodetags]` codetags reads.
const OWN_KEYS: &[&str] = &[
    "src",
    "exclude",
    "schema",
    "schema_paths",
    "extensions",
    "cache",
    "check",
];

/// Keys pycodetags 0.7/0.8 (and its issue-tracker plugin) read that codetags ignores on purpose.
const PYCODETAGS_KEYS: &[&str] = &[
    "modules",
    "active_schemas",
    "disable_all_runtime_behavior",
    "enable_actions",
    "default_action",
    "disable_on_ci",
    "use_dot_env",
    "user_env_var",
    "user_identification_technique",
    "valid_authors",
    "valid_authors_file",
    "valid_authors_schema",
    "valid_releases",
    "valid_releases_file",
    "valid_releases_file_schema",
    "releases_schema",
    "valid_priorities",
    "valid_iterations",
    "valid_custom_field_names",
    "mandatory_fields",
    "tracker_domain",
    "tracker_style",
    "valid_status",
    "valid_categories",
    "closed_status",
    "action_on_past_due",
    "action_only_on_responsible_user",
];

/// Environment variables (after the `PYCODETAGS_` prefix, lower-cased) that override the file.
const ENV_KEYS: &[&str] = &["schema", "src", "exclude", "extensions"];

/// A configuration problem: always names the key, the offending value and where it came from.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// `--config` names a file that does not exist or cannot be read.
    #[error("cannot read config file {}: {reason}", display_path(path))]
    Unreadable { path: PathBuf, reason: String },
    /// The TOML does not parse, or a value has the wrong type.
    #[error("{0}")]
    Invalid(String),
    /// A value from the config file has the right type but is not acceptable.
    #[error("invalid value {value} for key `tool.pycodetags.{key}` in {origin}: {reason}")]
    BadValue {
        key: String,
        value: String,
        origin: String,
        reason: String,
    },
    /// A value from a `PYCODETAGS_*` environment variable (which overrides the file's key) has
    /// the right type but is not acceptable: the variable is named, not the file, since
    /// editing the file would not help.
    #[error("invalid value {value} in environment variable {var}: {reason}")]
    BadEnvValue {
        /// The variable, e.g. `PYCODETAGS_SCHEMA`.
        var: String,
        /// The value, quoted.
        value: String,
        /// Why it is refused.
        reason: String,
    },
}

/// One `schema_paths` entry: files whose config-relative POSIX path matches `path` (fnmatchcase)
/// are read with `schema`.
#[derive(Debug, Clone)]
pub struct SchemaPath {
    /// The fnmatch pattern.
    pub pattern: String,
    /// The schema for matching files.
    pub schema: Schema,
}

/// The resolved `[tool.pycodetags]` settings.
#[derive(Debug, Clone)]
pub struct ProjectConfig {
    /// The `pyproject.toml` read, if any.
    pub file: Option<PathBuf>,
    /// Directory that relative paths and patterns are resolved against: the config file's
    /// directory, or the working directory when there is no config file.
    pub base_dir: PathBuf,
    /// Paths to scan when none are given on the command line (already joined to `base_dir`).
    pub src: Vec<PathBuf>,
    /// `exclude` patterns (fnmatchcase on the `base_dir`-relative POSIX path; a pattern also
    /// prunes everything below a matching folder).
    pub exclude: Vec<String>,
    /// The schema for files no `schema_paths` entry matches (default: auto).
    pub schema: Schema,
    /// Per-path schema overrides; the first matching entry wins.
    pub schema_paths: Vec<SchemaPath>,
    /// File extensions scanned, without the dot (default: `py`).
    pub extensions: Vec<String>,
    /// Unknown keys found, as user-facing warnings.
    pub warnings: Vec<String>,
}

impl ProjectConfig {
    /// The configuration used when there is no `pyproject.toml`: scan `.` with the auto schema.
    pub fn defaults(base_dir: impl Into<PathBuf>) -> Self {
        Self {
            file: None,
            base_dir: base_dir.into(),
            src: Vec::new(),
            exclude: Vec::new(),
            schema: Schema::Auto,
            schema_paths: Vec::new(),
            extensions: vec!["py".to_owned()],
            warnings: Vec::new(),
        }
    }

    /// Finds `pyproject.toml` at or above `start` and loads it; defaults when there is none.
    /// Environment overrides apply either way.
    pub fn discover(start: &Path) -> Result<Self, ConfigError> {
        match find_pyproject(start) {
            Some(file) => Self::load(&file),
            None => Self::from_figment(Figment::new(), None, start.to_path_buf()),
        }
    }

    /// Loads the given `pyproject.toml` (a missing file is an error here: it was asked for).
    pub fn load(file: &Path) -> Result<Self, ConfigError> {
        let meta = std::fs::metadata(file).map_err(|e| ConfigError::Unreadable {
            path: file.to_path_buf(),
            reason: e.to_string(),
        })?;
        if !meta.is_file() {
            return Err(ConfigError::Unreadable {
                path: file.to_path_buf(),
                reason: "not a file".to_owned(),
            });
        }
        let file = std::path::absolute(file).unwrap_or_else(|_| file.to_path_buf());
        let base_dir = file
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        Self::from_figment(section_figment(&file), Some(file), base_dir)
    }

    fn from_figment(
        file_figment: Figment,
        file: Option<PathBuf>,
        base_dir: PathBuf,
    ) -> Result<Self, ConfigError> {
        let source = file
            .as_ref()
            .map(|f| display_path(f).into_owned())
            .unwrap_or_else(|| "the environment".to_owned());
        let keys: BTreeMap<String, Value> = file_figment
            .extract()
            .map_err(|e| describe(&file_figment, e))?;
        let warnings = keys
            .keys()
            .filter(|k| !OWN_KEYS.contains(&k.as_str()) && !PYCODETAGS_KEYS.contains(&k.as_str()))
            .map(|k| format!("unknown key `tool.pycodetags.{k}` in {source}; ignored"))
            .collect();
        let figment = file_figment.merge(
            Env::prefixed("PYCODETAGS_")
                .filter(|k| ENV_KEYS.iter().any(|e| k.as_str().eq_ignore_ascii_case(e))),
        );
        let raw: RawConfig = figment.extract().map_err(|e| describe(&figment, e))?;
        // Where each checked value came from: an environment variable overrides the file key
        // by key, so the blame is decided per key.
        let bad_value = |key: &str, value: String, reason: &str| {
            let from_env = figment
                .find_metadata(key)
                .is_some_and(|meta| meta.name.contains("environment"));
            if from_env {
                ConfigError::BadEnvValue {
                    var: format!("PYCODETAGS_{}", key.to_uppercase()),
                    value,
                    reason: reason.to_owned(),
                }
            } else {
                ConfigError::BadValue {
                    key: key.to_owned(),
                    value,
                    origin: source.clone(),
                    reason: reason.to_owned(),
                }
            }
        };
        let mut config = Self::defaults(base_dir);
        config.file = file;
        config.warnings = warnings;
        if let Some(StringList(src)) = raw.src {
            for (i, s) in src.iter().enumerate() {
                if s.is_empty() {
                    return Err(bad_value("src", format!("\"\" (item {i})"), "empty path"));
                }
            }
            config.src = src.iter().map(|s| config.base_dir.join(s)).collect();
        }
        config.exclude = raw.exclude.map(|l| l.0).unwrap_or_default();
        if let Some(name) = raw.schema {
            config.schema = parse_schema(&name)
                .map_err(|reason| bad_value("schema", format!("{name:?}"), &reason))?;
        }
        for (i, entry) in raw.schema_paths.unwrap_or_default().into_iter().enumerate() {
            let schema = parse_schema(&entry.schema).map_err(|reason| {
                // `schema_paths` has no environment override: always the file.
                ConfigError::BadValue {
                    key: format!("schema_paths[{i}].schema"),
                    value: format!("{:?}", entry.schema),
                    origin: source.clone(),
                    reason,
                }
            })?;
            config.schema_paths.push(SchemaPath {
                pattern: entry.path,
                schema,
            });
        }
        if let Some(StringList(exts)) = raw.extensions {
            let exts: Vec<String> = exts
                .into_iter()
                .map(|e| e.trim_start_matches('.').to_owned())
                .collect();
            if exts.is_empty() || exts.iter().any(String::is_empty) {
                return Err(bad_value(
                    "extensions",
                    format!("{exts:?}"),
                    "give one or more non-empty extensions, e.g. [\"py\", \"pyi\"]",
                ));
            }
            config.extensions = exts;
        }
        Ok(config)
    }

    /// The schema for a file, given its path relative to [`ProjectConfig::base_dir`] in POSIX
    /// form: the first matching `schema_paths` entry, else `schema`.
    pub fn schema_for(&self, rel_posix: &str) -> &Schema {
        self.schema_paths
            .iter()
            .find(|sp| fnmatchcase(rel_posix, &sp.pattern))
            .map(|sp| &sp.schema)
            .unwrap_or(&self.schema)
    }

    /// Whether a path (relative to `base_dir`, POSIX form) is excluded: a pattern matches the
    /// whole path, or the path lies inside a folder the pattern (with or without a trailing `/`)
    /// names.
    pub fn is_excluded(&self, rel_posix: &str) -> bool {
        self.exclude.iter().any(|pattern| {
            let pattern = pattern.trim_end_matches('/');
            !pattern.is_empty() && fnmatchcase(rel_posix, pattern)
        })
    }
}

/// Walks up from `start` to the first directory holding a `pyproject.toml` file: the one rule
/// the tool and its cache share ([`cache_core::find_pyproject`]).
pub use cache_core::find_pyproject;

/// The `[tool.pycodetags]` table of `file` as a figment: the one setup every reader of the
/// table uses (this module, and the layers above for their own sub-tables, such as `check`).
/// Extraction errors are worded with [`figment_error`].
///
/// ```
/// use codetags_cli::config::{figment_error, section_figment};
/// let dir = tempfile::tempdir().unwrap();
/// let file = dir.path().join("pyproject.toml");
/// std::fs::write(&file, "[tool.pycodetags.check]\nmax_age_days = \"old\"\n").unwrap();
/// let figment = section_figment(&file);
/// let error = figment.extract_inner::<u32>("check.max_age_days").unwrap_err();
/// let message = figment_error(&figment, error).to_string();
/// assert!(message.contains("key `tool.pycodetags.check.max_age_days` = string \"old\""), "{message}");
/// ```
pub fn section_figment(file: &Path) -> Figment {
    Figment::from(Toml::file_exact(file)).focus("tool.pycodetags")
}

/// Words an error met while extracting from a [`section_figment`] (or one merged over it):
/// the file or variable, the key as `tool.pycodetags.<dotted key>`, the value and what was
/// expected.
pub fn figment_error(figment: &Figment, error: figment::Error) -> ConfigError {
    describe(figment, error)
}

/// Parses a schema name from the config ("PEP350", "TDG", "folk", "auto", …; any case).
pub fn parse_schema(name: &str) -> Result<Schema, String> {
    name.parse::<Schema>().map_err(|e| e.to_string())
}

#[derive(Debug, Deserialize)]
struct RawConfig {
    src: Option<StringList>,
    exclude: Option<StringList>,
    schema: Option<String>,
    schema_paths: Option<Vec<RawSchemaPath>>,
    extensions: Option<StringList>,
}

/// A list of strings; a single string stands for a one-item list (handy in environment
/// variables: `PYCODETAGS_EXCLUDE=build`).
#[derive(Debug)]
struct StringList(Vec<String>);

impl<'de> Deserialize<'de> for StringList {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = StringList;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a list of strings")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<StringList, E> {
                Ok(StringList(vec![v.to_owned()]))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<StringList, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element::<String>()? {
                    items.push(item);
                }
                Ok(StringList(items))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSchemaPath {
    path: String,
    schema: String,
}

/// Words figment's errors with cache-core's formatter ([`cache_core::FigmentProblem`], the one
/// both config sections use), naming `tool.pycodetags.<key>`, the value and the file or
/// variable.
fn describe(figment: &Figment, error: figment::Error) -> ConfigError {
    let lines: Vec<String> = error
        .into_iter()
        .map(|e| {
            let problem =
                cache_core::FigmentProblem::of(figment, &e, "PYCODETAGS_", "configuration");
            let from = match &problem.file {
                Some(file) => display_path(file).into_owned(),
                None => problem.origin,
            };
            match (problem.key.is_empty(), problem.value) {
                (true, _) => format!("{from}: {}", problem.reason),
                (false, Some(value)) => format!(
                    "{from}: key `tool.pycodetags.{}` = {value}: {}",
                    problem.key, problem.reason
                ),
                (false, None) => {
                    format!(
                        "{from}: key `tool.pycodetags.{}`: {}",
                        problem.key, problem.reason
                    )
                }
            }
        })
        .collect();
    ConfigError::Invalid(lines.join("\n"))
}
