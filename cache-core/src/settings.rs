//! `[tool.pycodetags.cache]` settings, read with figment from `pyproject.toml` and the environment.

use std::fmt;
use std::path::{Component, Path, PathBuf};

use cache_layout::LayoutOptions;
use chrono::TimeDelta;
use figment::providers::{Format, Serialized, Toml};
use figment::value::magic::RelativePathBuf;
use figment::value::{Dict, Map, Value};
use figment::{Figment, Metadata, Profile, Provider, Source};
use serde::{Deserialize, Serialize};

use crate::codec::CACHE_FORMAT;
use crate::remote::{
    DEFAULT_REMOTE_TIMEOUT_MS, MAX_REMOTE_TIMEOUT_MS, REMOTE_KEY_KEY, REMOTE_KEY_VAR, RemoteUrl,
    redact, remote_key_of,
};
use crate::root::{ROOT_DIR_NAME, find_pyproject};
use crate::sign::SigningKey;

// What a library gets: settings that never fail the host program, and a default root outside a
// Python project.
mod library;
pub use library::{LenientSettings, USER_CACHE_DIR_NAME, default_root_outside_project};

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
    /// None: `.pycodetags_cache` beside `pyproject.toml`. An empty `dir` in the file is an error;
    /// where the root may go is checked by [`CacheSettings::checked_root`].
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
    /// `remote` (default none): the URL of a shared Redis cache (`redis://host:port/db`), read
    /// after the local cache and written besides it (see [`crate::TieredStore`]). Usually set
    /// by `PYCODETAGS_CACHE_REMOTE` on the machines that share it. Used when cache-core is built
    /// with its `redis` feature (the codetags binary is).
    pub remote: Option<RemoteUrl>,
    /// `remote_read_only` (default `false`): read the remote cache, never write it. Recommended
    /// for builds of untrusted pull requests.
    pub remote_read_only: bool,
    /// `remote_timeout_ms` (default 250, 1 to 60000): the connect, read and write timeout of each
    /// remote operation.
    pub remote_timeout_ms: u32,
    /// The secret remote entries are signed with (HMAC-SHA256), from the environment variable
    /// `PYCODETAGS_CACHE_REMOTE_KEY` only (not a key of the file). With it, unsigned or wrongly
    /// signed remote entries are misses. Never shown by `Debug`.
    pub remote_key: Option<SigningKey>,
    /// The `pyproject.toml` the settings were read from, if any (not a key).
    pub pyproject: Option<PathBuf>,
    /// Where `dir` came from, for messages (not a key): `` `[tool.pycodetags.cache] dir` in
    /// FILE`` or `environment variable PYCODETAGS_CACHE_DIR`; `None` without a `dir` (or when
    /// the settings were built in code).
    pub dir_origin: Option<String>,
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
            remote: None,
            remote_read_only: raw.remote_read_only,
            remote_timeout_ms: raw.remote_timeout_ms,
            remote_key: None,
            pyproject: None,
            dir_origin: None,
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
    remote: Option<String>,
    remote_read_only: bool,
    remote_timeout_ms: u32,
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
            remote: None,
            remote_read_only: false,
            remote_timeout_ms: DEFAULT_REMOTE_TIMEOUT_MS,
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
    /// The cache root would be a folder the cache must not own (see [`check_root_placement`]).
    #[error(
        "{origin}: refusing the cache root: {error}; the cache removes files in its root, so it \
         needs a folder of its own (the default is {ROOT_DIR_NAME} beside pyproject.toml)"
    )]
    Placement {
        /// Where the root came from: `` `[tool.pycodetags.cache] dir` in FILE``, `environment
        /// variable PYCODETAGS_CACHE_DIR`, the flag name the caller gave (`--cache-dir`), or
        /// `the default cache folder beside FILE`.
        origin: String,
        /// Why it is refused (with the root, made absolute).
        error: PlacementError,
    },
}

/// Why a folder cannot be the cache root: the cache deletes files in its root (eviction,
/// `cache clear`), so a root at or above something precious could destroy it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlacementError {
    /// The path is empty (it names no folder; resolved, it would be the working directory).
    Empty,
    /// The root is a filesystem root (`/`, `C:\`).
    FilesystemRoot {
        /// The root, absolute.
        root: PathBuf,
    },
    /// The root is a protected folder or one of its ancestors.
    Protected {
        /// The root, absolute.
        root: PathBuf,
        /// The protected folder.
        protected: PathBuf,
        /// What the protected folder is: "the project folder", "the home folder ($HOME)", "a
        /// protected folder".
        what: String,
        /// Whether the root is that folder (rather than above it).
        equal: bool,
    },
}

impl fmt::Display for PlacementError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PlacementError::Empty => f.write_str("the path is empty"),
            PlacementError::FilesystemRoot { root } => {
                write!(f, "{} is a filesystem root", root.display())
            }
            PlacementError::Protected {
                root,
                protected,
                what,
                equal: true,
            } => write!(f, "{} is {what}", root.display()).and_then(|()| {
                if protected == root {
                    Ok(())
                } else {
                    write!(f, " ({})", protected.display())
                }
            }),
            PlacementError::Protected {
                root,
                protected,
                what,
                equal: false,
            } => write!(
                f,
                "{} contains {what} {}",
                root.display(),
                protected.display()
            ),
        }
    }
}

impl std::error::Error for PlacementError {}

/// Parses a boolean the one way codetags reads every boolean from the environment: trimmed and
/// case-insensitive, `true`/`false`, `yes`/`no`, `on`/`off`, `1`/`0`. Anything else — the empty
/// string included — is `None`; callers decide what an empty variable means
/// ([`CacheSettings`] treats an empty `PYCODETAGS_CACHE_*` variable as unset).
///
/// ```
/// use cache_core::parse_bool;
/// assert_eq!(parse_bool(" Yes "), Some(true));
/// assert_eq!(parse_bool("OFF"), Some(false));
/// assert_eq!(parse_bool("1"), Some(true));
/// assert_eq!(parse_bool("maybe"), None);
/// assert_eq!(parse_bool(""), None);
/// ```
pub fn parse_bool(text: &str) -> Option<bool> {
    const TRUE: [&str; 4] = ["true", "yes", "on", "1"];
    const FALSE: [&str; 4] = ["false", "no", "off", "0"];
    let text = text.trim();
    if TRUE.iter().any(|word| text.eq_ignore_ascii_case(word)) {
        Some(true)
    } else if FALSE.iter().any(|word| text.eq_ignore_ascii_case(word)) {
        Some(false)
    } else {
        None
    }
}

/// The keys whose environment values go through [`parse_bool`].
const BOOL_KEYS: [&str; 6] = [
    "enabled",
    "gzip",
    "enable_version_namespacing",
    "enable_date_subfolders",
    "clean_old_versions",
    "remote_read_only",
];

/// Checks that `root` may be a cache root: not empty, not a filesystem root, and neither equal
/// to nor an ancestor of `$HOME` (when set) or any of `protected` (the caller's working
/// directory and scanned paths, say).
///
/// Paths are compared absolute (relative ones against the working directory) and lexically
/// normalised (`.` and `..` resolved), and again canonicalised (symlinks resolved) as far as
/// they exist, so neither `dir = "."`, `src/..` nor a link to the project gets through. A root
/// *below* a protected folder is fine: the default `.pycodetags_cache` sits in the project.
///
/// ```
/// use std::path::Path;
/// use cache_core::{check_root_placement, PlacementError};
/// let project = tempfile::tempdir().unwrap();
/// let p = project.path();
/// assert!(check_root_placement(&p.join(".pycodetags_cache"), &[p]).is_ok());
/// assert!(matches!(check_root_placement(p, &[p]), Err(PlacementError::Protected { equal: true, .. })));
/// assert!(matches!(check_root_placement(&p.join("src/.."), &[p]), Err(PlacementError::Protected { .. })));
/// assert!(check_root_placement(p.parent().unwrap(), &[p]).is_err());
/// assert!(matches!(check_root_placement(Path::new("/"), &[]), Err(PlacementError::FilesystemRoot { .. })));
/// assert_eq!(check_root_placement(Path::new(""), &[]), Err(PlacementError::Empty));
/// ```
///
/// # Errors
/// [`PlacementError`] saying which rule the root breaks.
pub fn check_root_placement(root: &Path, protected: &[&Path]) -> Result<(), PlacementError> {
    let labelled: Vec<(&Path, &str)> = protected
        .iter()
        .map(|p| (*p, "a protected folder"))
        .collect();
    check_placement(root, &labelled)
}

fn check_placement(root: &Path, protected: &[(&Path, &str)]) -> Result<(), PlacementError> {
    if root.as_os_str().is_empty() {
        return Err(PlacementError::Empty);
    }
    let lexical = absolute_lexical(root);
    let canonical = canonical_lenient(&lexical);
    if lexical.parent().is_none() || canonical.as_deref().is_some_and(|c| c.parent().is_none()) {
        return Err(PlacementError::FilesystemRoot { root: lexical });
    }
    let home = std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from);
    let home = home.as_deref().map(|h| (h, "the home folder ($HOME)"));
    for (path, what) in home.into_iter().chain(protected.iter().copied()) {
        let path_lexical = absolute_lexical(path);
        let path_canonical = canonical_lenient(&path_lexical);
        let lexically = path_lexical.starts_with(&lexical);
        let canonically =
            matches!((&canonical, &path_canonical), (Some(r), Some(p)) if p.starts_with(r));
        if lexically || canonically {
            let equal = path_lexical == lexical
                || matches!((&canonical, &path_canonical), (Some(r), Some(p)) if p == r);
            return Err(PlacementError::Protected {
                root: lexical,
                protected: path_lexical,
                what: what.to_owned(),
                equal,
            });
        }
    }
    Ok(())
}

/// `path` made absolute against the working directory, with `.` dropped and `..` applied to the
/// components before it (no filesystem access).
fn absolute_lexical(path: &Path) -> PathBuf {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        match std::env::current_dir() {
            Ok(cwd) => cwd.join(path),
            Err(_) => path.to_path_buf(),
        }
    };
    let mut out = PathBuf::new();
    for component in joined.components() {
        match component {
            Component::Prefix(_) | Component::RootDir => out.push(component.as_os_str()),
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            Component::Normal(name) => out.push(name),
        }
    }
    out
}

/// The canonical form of the longest existing ancestor of `lexical` (an absolute, normalised
/// path), with the rest appended: a root that does not exist yet still has its symlinked parents
/// resolved. `None` when not even the filesystem root can be canonicalised.
fn canonical_lenient(lexical: &Path) -> Option<PathBuf> {
    let mut rest = Vec::new();
    let mut current = lexical;
    loop {
        if let Ok(canonical) = current.canonicalize() {
            let mut out = canonical;
            out.extend(rest.iter().rev());
            return Some(out);
        }
        rest.push(current.file_name()?);
        current = current.parent()?;
    }
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
        Self::extract(Some(pyproject), EnvVars::from_process())
    }

    /// Finds the nearest `pyproject.toml` in `start` or above (upstream's rule) and loads it like
    /// [`CacheSettings::load`]; without one, the defaults plus the environment.
    ///
    /// # Errors
    /// As [`CacheSettings::load`].
    pub fn discover(start: &Path) -> Result<CacheSettings, SettingsError> {
        let pyproject = find_pyproject(start);
        Self::extract(pyproject.as_deref(), EnvVars::from_process())
    }

    /// Like [`CacheSettings::load`] (or defaults when `pyproject` is `None`), with the
    /// environment given explicitly as `(name, value)` pairs instead of read from the process:
    /// only names starting with `PYCODETAGS_CACHE_` (any case) count.
    ///
    /// In the environment an empty (or blank) value means "not set", and the boolean keys accept
    /// what [`parse_bool`] accepts (`yes`, `off`, `1`, …); anything else is an error naming the
    /// variable.
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

    fn extract(pyproject: Option<&Path>, env: EnvVars) -> Result<CacheSettings, SettingsError> {
        Self::extract_skipping(pyproject, env, &[])
    }

    /// [`CacheSettings::extract`] with the keys `skip_file_keys` left out of the file (the lenient
    /// loading of [`library`] drops the keys it warned about).
    fn extract_skipping(
        pyproject: Option<&Path>,
        env: EnvVars,
        skip_file_keys: &[String],
    ) -> Result<CacheSettings, SettingsError> {
        env.check_booleans()?;
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
            let section = file.focus(SECTION);
            if !skip_file_keys.iter().any(|key| key == REMOTE_KEY_KEY)
                && section.find_value(REMOTE_KEY_KEY).is_ok()
            {
                return Err(SettingsError::Invalid {
                    key: REMOTE_KEY_KEY.to_owned(),
                    value: "(not shown)".to_owned(),
                    origin: path.display().to_string(),
                    reason: format!(
                        "the signing secret is read only from the environment variable \
                         {REMOTE_KEY_VAR}: a secret does not belong in a file"
                    ),
                });
            }
            figment = if skip_file_keys.is_empty() {
                figment.merge(section)
            } else {
                figment.merge(library::Without::new(path, skip_file_keys))
            };
        }
        let remote_key = env.remote_key();
        let figment = figment.merge(env);
        let raw: RawSettings = figment
            .extract()
            .map_err(|e| user_error(pyproject, &figment, e))?;
        if raw.ttl_days == 0 {
            return Err(SettingsError::Invalid {
                key: "ttl_days".to_owned(),
                value: "0".to_owned(),
                origin: origin_of(figment.find_metadata("ttl_days"), "ttl_days", pyproject),
                reason: "must be at least 1 day (set `enabled = false` to turn caching off)"
                    .to_owned(),
            });
        }
        let remote = match &raw.remote {
            None => None,
            Some(url) => Some(
                RemoteUrl::parse(url).map_err(|reason| SettingsError::Invalid {
                    key: "remote".to_owned(),
                    value: format!("string {:?}", redact(url)),
                    origin: origin_of(figment.find_metadata("remote"), "remote", pyproject),
                    reason,
                })?,
            ),
        };
        if !(1..=MAX_REMOTE_TIMEOUT_MS).contains(&raw.remote_timeout_ms) {
            return Err(SettingsError::Invalid {
                key: "remote_timeout_ms".to_owned(),
                value: raw.remote_timeout_ms.to_string(),
                origin: origin_of(
                    figment.find_metadata("remote_timeout_ms"),
                    "remote_timeout_ms",
                    pyproject,
                ),
                reason: format!("must be from 1 to {MAX_REMOTE_TIMEOUT_MS} milliseconds"),
            });
        }
        let mut dir_origin = None;
        if let Some(dir) = &raw.dir {
            // `relative()` of "" is the file's folder itself: the project would become the root.
            if dir.original().as_os_str().is_empty() {
                return Err(SettingsError::Invalid {
                    key: "dir".to_owned(),
                    value: "string \"\"".to_owned(),
                    origin: origin_of(figment.find_metadata("dir"), "dir", pyproject),
                    reason: format!(
                        "an empty path names no folder (remove the key for the default, \
                         {ROOT_DIR_NAME} beside pyproject.toml)"
                    ),
                });
            }
            dir_origin = Some(match dir.metadata_path() {
                Some(file) => format!("`[{SECTION}] dir` in {}", file.display()),
                None => format!("environment variable {ENV_PREFIX}DIR"),
            });
        }
        Ok(CacheSettings {
            enabled: raw.enabled,
            dir: raw.dir.map(|d| d.relative()),
            ttl_days: raw.ttl_days,
            enable_version_namespacing: raw.enable_version_namespacing,
            enable_date_subfolders: raw.enable_date_subfolders,
            clean_old_versions: raw.clean_old_versions,
            gzip: raw.gzip,
            remote,
            remote_read_only: raw.remote_read_only,
            remote_timeout_ms: raw.remote_timeout_ms,
            remote_key,
            pyproject: pyproject.map(Path::to_path_buf),
            dir_origin,
        })
    }

    /// The cache root: `explicit` (a command-line flag) if given, else `dir` (which
    /// `PYCODETAGS_CACHE_DIR` sets), else `.pycodetags_cache` beside the `pyproject.toml` the
    /// settings came from; `None` when there is none of these (then caching is off).
    ///
    /// This does not check where the root is; use [`CacheSettings::checked_root`] before
    /// writing or deleting anything there.
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

    /// [`CacheSettings::root`], refused when it is a folder the cache must not own: the project
    /// folder (the `pyproject.toml`'s) or one of its ancestors, `$HOME` or above, a filesystem
    /// root, an empty path, or at or above any of `protected` (see [`check_root_placement`]).
    ///
    /// `explicit` is a root given by the caller with the name to blame in messages (the flag,
    /// `"--cache-dir"`). The error names where the root came from: that name, `` `[tool.pycodetags.cache]
    /// dir` in FILE``, `environment variable PYCODETAGS_CACHE_DIR` or the default beside FILE.
    ///
    /// ```
    /// let project = tempfile::tempdir().unwrap();
    /// let pyproject = project.path().join("pyproject.toml");
    /// std::fs::write(&pyproject, "[tool.pycodetags.cache]\ndir = \".\"\n").unwrap();
    /// let settings = cache_core::CacheSettings::load_with_env(Some(&pyproject), &[]).unwrap();
    /// let error = settings.checked_root(None, &[]).unwrap_err();
    /// assert!(error.to_string().contains("`[tool.pycodetags.cache] dir` in"), "{error}");
    /// assert!(error.to_string().contains("is the project folder"), "{error}");
    ///
    /// let fine = project.path().join("cache");
    /// assert_eq!(settings.checked_root(Some((&fine, "--cache-dir")), &[]).unwrap(), Some(fine));
    /// let error = settings.checked_root(Some((project.path(), "--cache-dir")), &[]).unwrap_err();
    /// assert!(error.to_string().starts_with("--cache-dir: "), "{error}");
    /// ```
    ///
    /// # Errors
    /// [`SettingsError::Placement`].
    pub fn checked_root(
        &self,
        explicit: Option<(&Path, &str)>,
        protected: &[&Path],
    ) -> Result<Option<PathBuf>, SettingsError> {
        let (root, origin) = if let Some((path, name)) = explicit {
            (path.to_path_buf(), name.to_owned())
        } else if let Some(dir) = &self.dir {
            let origin = self
                .dir_origin
                .clone()
                .unwrap_or_else(|| format!("`[{SECTION}] dir`"));
            (dir.clone(), origin)
        } else if let Some(root) = self.root(None) {
            let beside = self
                .pyproject
                .as_deref()
                .map(|p| p.display().to_string())
                .unwrap_or_default();
            (root, format!("the default cache folder beside {beside}"))
        } else {
            return Ok(None);
        };
        let project = self.project_dir();
        let mut protections: Vec<(&Path, &str)> = Vec::with_capacity(protected.len() + 1);
        if let Some(project) = project.as_deref() {
            protections.push((project, "the project folder"));
        }
        protections.extend(protected.iter().map(|p| (*p, "a protected folder")));
        match check_placement(&root, &protections) {
            Ok(()) => Ok(Some(root)),
            Err(error) => Err(SettingsError::Placement { origin, error }),
        }
    }

    /// The folder of the `pyproject.toml` (the working directory for a bare file name).
    fn project_dir(&self) -> Option<PathBuf> {
        let parent = self.pyproject.as_deref()?.parent()?;
        Some(if parent.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            parent.to_path_buf()
        })
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
    let fallback = pyproject
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "settings".to_owned());
    origin_from(metadata, key, ENV_PREFIX, &fallback)
}

/// The file a value came from, or `environment variable {env_prefix}{KEY}`, or `fallback`.
fn origin_from(metadata: Option<&Metadata>, key: &str, env_prefix: &str, fallback: &str) -> String {
    match metadata {
        Some(md) => match &md.source {
            Some(Source::File(path)) => path.display().to_string(),
            Some(other) => other.to_string(),
            None if md.name.contains("environment") => format!(
                "environment variable {env_prefix}{}",
                key.replace('.', "_").to_ascii_uppercase()
            ),
            None => md.name.to_string(),
        },
        None => fallback.to_owned(),
    }
}

/// One figment error worded for users: the key (without figment's `default.` profile prefix and
/// its internal `___figment_*` levels), the offending value when there is one, where it came
/// from (the file, or the environment variable), and what was expected.
///
/// The one formatter for both `[tool.pycodetags]` (the CLI's config) and
/// `[tool.pycodetags.cache]` (these settings), so both read alike.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FigmentProblem {
    /// The key, dotted below the section (`ttl_days`, `schema_paths.0.path`); empty for an error
    /// about the file as a whole (a TOML syntax error).
    pub key: String,
    /// The value found, as figment spells it (`string "soon"`; `?` when it cannot be shown), when
    /// the error concerns one value; `None` for other errors (syntax, a missing file).
    pub value: Option<String>,
    /// The file, or `environment variable {PREFIX}{KEY}`, or `fallback` when figment knows
    /// neither.
    pub origin: String,
    /// What was wrong (`expected u32`, `unknown key; known keys: …`, a syntax message).
    pub reason: String,
    /// The file the value came from, when it came from one (for callers that show paths their
    /// own way; `origin` spells it with `Path::display`).
    pub file: Option<PathBuf>,
}

impl FigmentProblem {
    /// Words `error`, met while extracting from `figment`. `env_prefix` spells environment
    /// variables (`PYCODETAGS_`, `PYCODETAGS_CACHE_`); `fallback` names the origin when figment
    /// does not know it.
    ///
    /// ```
    /// use cache_core::FigmentProblem;
    /// use figment::{Figment, providers::{Format, Toml}};
    /// #[derive(Debug, serde::Deserialize)]
    /// #[allow(dead_code)]
    /// struct Config { ttl_days: u32 }
    /// let figment = Figment::from(Toml::string("ttl_days = \"soon\""));
    /// let error = figment.extract::<Config>().unwrap_err();
    /// let problem = FigmentProblem::of(&figment, &error, "PYCODETAGS_CACHE_", "pyproject.toml");
    /// assert_eq!(problem.key, "ttl_days");
    /// assert_eq!(problem.value.as_deref(), Some("string \"soon\""));
    /// assert!(problem.reason.starts_with("expected"), "{problem:?}");
    /// ```
    pub fn of(
        figment: &Figment,
        error: &figment::Error,
        env_prefix: &str,
        fallback: &str,
    ) -> FigmentProblem {
        use figment::error::Kind;
        let key = error
            .path
            .iter()
            .filter(|part| !part.starts_with("___figment"))
            .cloned()
            .collect::<Vec<_>>()
            .join(".");
        // "?" when figment cannot show the value: the problem still concerns one.
        let found = |key: &str| {
            Some(
                figment
                    .find_value(key)
                    .map(|v| v.to_actual().to_string())
                    .unwrap_or_else(|_| "?".to_owned()),
            )
        };
        let (key, value, reason) = match &error.kind {
            Kind::InvalidType(actual, expected) | Kind::InvalidValue(actual, expected) => (
                key,
                Some(actual.to_string()),
                format!("expected {expected}"),
            ),
            Kind::UnknownField(field, known) => {
                // figment's path already ends with the unknown field, when it has one.
                let dotted = if key.is_empty() { field.clone() } else { key };
                let value = found(&dotted);
                (
                    dotted,
                    value,
                    format!("unknown key; known keys: {}", known.join(", ")),
                )
            }
            Kind::ISizeOutOfRange(_) | Kind::USizeOutOfRange(_) => {
                let value = found(&key);
                (key, value, "out of range".to_owned())
            }
            other => (key, None, strip_profile(&other.to_string())),
        };
        let origin = origin_from(error.metadata.as_ref(), &key, env_prefix, fallback);
        let file = match error.metadata.as_ref().and_then(|md| md.source.as_ref()) {
            Some(Source::File(path)) => Some(path.clone()),
            _ => None,
        };
        FigmentProblem {
            key,
            value,
            origin,
            reason,
            file,
        }
    }
}

/// Rewords figment's first error as a [`SettingsError`] (see [`FigmentProblem`]).
fn user_error(pyproject: Option<&Path>, figment: &Figment, error: figment::Error) -> SettingsError {
    let fallback = pyproject
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "settings".to_owned());
    let problem = FigmentProblem::of(figment, &error, ENV_PREFIX, &fallback);
    match problem.value {
        Some(value) => SettingsError::Invalid {
            key: problem.key,
            value,
            origin: problem.origin,
            reason: problem.reason,
        },
        None => SettingsError::Source {
            origin: problem.origin,
            message: problem.reason,
        },
    }
}

fn strip_profile(message: &str) -> String {
    message
        .replace("\"default.", "\"")
        .replace("`default.", "`")
}

/// A figment provider over `(name, value)` pairs (explicit ones, or the process environment)
/// that behaves like `Env::prefixed(ENV_PREFIX)`: prefix matched case-insensitively and
/// stripped, key lower-cased, value parsed the way figment parses environment values — except
/// that empty values are left out (unset) and the boolean keys are parsed with [`parse_bool`].
#[derive(Debug)]
struct EnvVars {
    vars: Vec<(String, String)>,
}

impl EnvVars {
    /// The process environment (names or values that are not UTF-8 are skipped, as figment's
    /// `Env` does).
    fn from_process() -> EnvVars {
        EnvVars {
            vars: std::env::vars_os()
                .filter_map(|(name, value)| {
                    Some((name.into_string().ok()?, value.into_string().ok()?))
                })
                .collect(),
        }
    }

    /// `(key, variable name, value)` of our variables with a non-blank value.
    fn ours(&self) -> impl Iterator<Item = (String, &str, &str)> {
        self.vars.iter().filter_map(|(name, value)| {
            let name = name.trim();
            let prefix = name.get(..ENV_PREFIX.len())?;
            if !prefix.eq_ignore_ascii_case(ENV_PREFIX) || value.trim().is_empty() {
                return None;
            }
            let key = name[ENV_PREFIX.len()..].to_ascii_lowercase();
            // The signing secret is no figment key: read apart, never echoed in an error.
            (!key.is_empty() && key != REMOTE_KEY_KEY).then_some((key, name, value.as_str()))
        })
    }

    /// `PYCODETAGS_CACHE_REMOTE_KEY`, if set.
    fn remote_key(&self) -> Option<SigningKey> {
        remote_key_of(self.vars.iter().map(|(n, v)| (n.as_str(), v.as_str())))
    }

    fn check_booleans(&self) -> Result<(), SettingsError> {
        for (key, name, value) in self.ours() {
            if BOOL_KEYS.contains(&key.as_str()) && parse_bool(value).is_none() {
                return Err(SettingsError::Invalid {
                    key,
                    value: format!("string {value:?}"),
                    origin: format!("environment variable {name}"),
                    reason: "expected a boolean: true/false, yes/no, on/off or 1/0 (any case)"
                        .to_owned(),
                });
            }
        }
        Ok(())
    }
}

impl Provider for EnvVars {
    fn metadata(&self) -> Metadata {
        Metadata::named(format!("`{ENV_PREFIX}` environment variable(s)"))
    }

    fn data(&self) -> Result<Map<Profile, Dict>, figment::Error> {
        let mut dict = Dict::new();
        for (key, _, value) in self.ours() {
            let parsed: Value = match parse_bool(value) {
                Some(flag) if BOOL_KEYS.contains(&key.as_str()) => Value::from(flag),
                _ => match value.parse() {
                    Ok(v) => v,
                    Err(never) => match never {},
                },
            };
            dict.insert(key, parsed);
        }
        Ok(Profile::Default.collect(dict))
    }
}
