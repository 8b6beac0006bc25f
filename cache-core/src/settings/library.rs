//! What a library (or any program that is not the codetags binary) gets from the settings:
//! loading that never fails the host program ([`LenientSettings`]), and a default cache root
//! outside a Python project ([`default_root_outside_project`]).
//!
//! The strict loaders ([`CacheSettings::load`], [`CacheSettings::discover`],
//! [`CacheSettings::load_with_env`]) stay as they are: the codetags binary exits 2 on a bad
//! setting, because its user asked for that configuration. A program that merely links
//! cache-core did not, and an unrelated `PYCODETAGS_CACHE_TTL=3` in its environment must not stop
//! it.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use figment::providers::{Format, Toml};
use figment::value::{Dict, Map};
use figment::{Metadata, Profile, Provider};

use super::{CacheSettings, ENV_PREFIX, EnvVars, SECTION, SettingsError};
use crate::root::find_pyproject;

/// The folder under the user's cache folder that holds the default roots of programs outside a
/// Python project: `{user cache folder}/cache-core/{program}`.
pub const USER_CACHE_DIR_NAME: &str = "cache-core";

/// How many problems one lenient load sets aside at most (each one drops a key or the file, so a
/// real configuration never comes near it).
const MAX_PROBLEMS: usize = 64;

/// Settings loaded the lenient way, with the problems that were set aside.
///
/// Every problem a strict load would fail with — an unknown `PYCODETAGS_CACHE_*` variable, a
/// value of the wrong type or range, an unknown key or a bad value in `[tool.pycodetags.cache]`,
/// a `pyproject.toml` that does not parse — is instead logged as a warning and recorded in
/// `ignored`, and the setting concerned keeps its default (a broken file is ignored as a whole;
/// its folder still locates the default root).
///
/// ```
/// use cache_core::CacheSettings;
/// let loaded = CacheSettings::load_with_env_lenient(
///     None,
///     &[("PYCODETAGS_CACHE_TTL", "3"), ("PYCODETAGS_CACHE_GZIP", "yes"), ("HOME", "/home/me")],
/// );
/// assert!(loaded.settings.gzip);                 // the good variable is used
/// assert_eq!(loaded.settings.ttl_days, 7);        // the unknown one is ignored
/// assert_eq!(loaded.ignored.len(), 1);
/// assert!(loaded.ignored[0].to_string().contains("PYCODETAGS_CACHE_TTL"), "{}", loaded.ignored[0]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LenientSettings {
    /// The settings, with defaults wherever a problem was set aside. Outside a Python project
    /// (no `pyproject.toml` found) and without a `dir`, `dir` is
    /// [`default_root_outside_project`] for the running program.
    pub settings: CacheSettings,
    /// The problems set aside, in the order they were met, each worded as the strict load would
    /// have reported it.
    pub ignored: Vec<SettingsError>,
}

impl CacheSettings {
    /// [`CacheSettings::discover`] for libraries: finds the nearest `pyproject.toml` in `start` or
    /// above and applies `PYCODETAGS_CACHE_*`, but never fails. Each problem is logged once (a
    /// `tracing` warning) and kept in [`LenientSettings::ignored`]; outside a Python project the
    /// root defaults to [`default_root_outside_project`] for this program (its executable's
    /// name).
    ///
    /// ```
    /// let dir = tempfile::tempdir().unwrap(); // no pyproject.toml here or above
    /// let loaded = cache_core::CacheSettings::discover_lenient(dir.path());
    /// assert_eq!(loaded.settings.pyproject, None);
    /// // The user's cache folder, when the environment names one ($XDG_CACHE_HOME or $HOME).
    /// if let Some(root) = &loaded.settings.dir {
    ///     assert!(root.to_string_lossy().contains("cache-core"), "{}", root.display());
    /// }
    /// ```
    pub fn discover_lenient(start: &Path) -> LenientSettings {
        let pyproject = find_pyproject(start);
        let loaded = lenient(
            pyproject.as_deref(),
            EnvVars::from_process(),
            default_root_outside_project(&program_name()),
        );
        for problem in &loaded.ignored {
            crate::notice::warn(&format!(
                "{problem} (ignored: the setting keeps its default)"
            ));
        }
        loaded
    }

    /// [`CacheSettings::load_with_env`] made lenient, as [`CacheSettings::discover_lenient`] is:
    /// the environment is given as `(name, value)` pairs, and so are `XDG_CACHE_HOME` / `HOME`
    /// (`LOCALAPPDATA` on Windows) for the default root outside a Python project. Logs nothing:
    /// the caller reads [`LenientSettings::ignored`].
    ///
    /// ```
    /// # #[cfg(all(unix, not(target_os = "macos")))] {
    /// let loaded = cache_core::CacheSettings::load_with_env_lenient(None, &[("HOME", "/home/me")]);
    /// let root = loaded.settings.dir.unwrap();
    /// assert!(root.starts_with("/home/me/.cache/cache-core/"), "{}", root.display());
    /// assert!(loaded.ignored.is_empty());
    /// # }
    /// ```
    pub fn load_with_env_lenient(
        pyproject: Option<&Path>,
        env: &[(&str, &str)],
    ) -> LenientSettings {
        let vars = env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let lookup = |name: &str| {
            env.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| OsString::from(v))
        };
        let default_root =
            user_cache_dir(lookup).map(|dir| dir.join(USER_CACHE_DIR_NAME).join(program_name()));
        lenient(pyproject, EnvVars { vars }, default_root)
    }
}

/// The lenient load: extract, and on each problem drop what caused it (the environment
/// variable, the file's key, or the file) and try again.
fn lenient(
    pyproject: Option<&Path>,
    env: EnvVars,
    default_root: Option<PathBuf>,
) -> LenientSettings {
    let mut vars = env.vars;
    let mut skip_file_keys: Vec<String> = Vec::new();
    let mut file = pyproject.filter(|path| path.is_file());
    let mut ignored = Vec::new();
    let mut settings = loop {
        let attempt =
            CacheSettings::extract_skipping(file, EnvVars { vars: vars.clone() }, &skip_file_keys);
        match attempt {
            Ok(settings) => break settings,
            Err(problem) => {
                let dropped = drop_cause(&problem, &mut vars, &mut skip_file_keys, &mut file);
                ignored.push(problem);
                if !dropped || ignored.len() >= MAX_PROBLEMS {
                    break CacheSettings::default();
                }
            }
        }
    };
    // A file set aside still says where the project is.
    if settings.pyproject.is_none() {
        settings.pyproject = pyproject.map(Path::to_path_buf);
    }
    if settings.pyproject.is_none()
        && settings.dir.is_none()
        && let Some(root) = default_root
    {
        settings.dir = Some(root);
        settings.dir_origin = Some(format!(
            "the default cache folder outside a Python project ({{user cache folder}}/\
             {USER_CACHE_DIR_NAME}/{{program}})"
        ));
    }
    LenientSettings { settings, ignored }
}

/// Drops what caused `problem` from the next attempt; `false` when nothing is left to drop.
fn drop_cause(
    problem: &SettingsError,
    vars: &mut Vec<(String, String)>,
    skip_file_keys: &mut Vec<String>,
    file: &mut Option<&Path>,
) -> bool {
    match problem {
        SettingsError::Invalid { key, .. } => {
            let top = key.split('.').next().unwrap_or(key).to_owned();
            let from_env = |name: &str| {
                env_key(name)
                    .is_some_and(|k| k == *key || k == top || key.starts_with(&format!("{k}.")))
            };
            // The environment is merged over the file: a key it sets is where the value came from.
            let before = vars.len();
            vars.retain(|(name, value)| value.trim().is_empty() || !from_env(name));
            if vars.len() < before {
                return true;
            }
            if file.is_some() && !skip_file_keys.contains(&top) {
                skip_file_keys.push(top);
                return true;
            }
            false
        }
        SettingsError::NotATable { .. } | SettingsError::Source { .. } => file.take().is_some(),
        SettingsError::Placement { .. } => false,
    }
}

/// The settings key of an environment variable name (`PYCODETAGS_CACHE_TTL_DAYS` → `ttl_days`),
/// as `EnvVars` reads it.
fn env_key(name: &str) -> Option<String> {
    let name = name.trim();
    let prefix = name.get(..ENV_PREFIX.len())?;
    prefix
        .eq_ignore_ascii_case(ENV_PREFIX)
        .then(|| name[ENV_PREFIX.len()..].to_ascii_lowercase())
}

/// The default cache root of `program` outside a Python project:
/// `{user cache folder}/cache-core/{program}`, where the user cache folder is
/// `$XDG_CACHE_HOME` (when absolute) or `$HOME/.cache` on Linux and other Unixes,
/// `$HOME/Library/Caches` on macOS and `%LOCALAPPDATA%` on Windows. `None` when the environment
/// names none of them (the cache is then off, and says so).
///
/// [`CacheSettings::discover_lenient`] uses it with the running program's name: its
/// executable's file stem, without the `-{16 hex digits}` suffix cargo gives test binaries.
///
/// ```
/// # #[cfg(all(unix, not(target_os = "macos")))] {
/// if let Some(root) = cache_core::default_root_outside_project("my-tool") {
///     assert!(root.ends_with("cache-core/my-tool"));
/// }
/// # }
/// ```
pub fn default_root_outside_project(program: &str) -> Option<PathBuf> {
    user_cache_dir(|name| std::env::var_os(name))
        .map(|dir| dir.join(USER_CACHE_DIR_NAME).join(program))
}

/// The user's cache folder, from the environment `var` reads.
fn user_cache_dir(var: impl Fn(&str) -> Option<OsString>) -> Option<PathBuf> {
    let absolute = |name: &str| var(name).map(PathBuf::from).filter(|p| p.is_absolute());
    if cfg!(windows) {
        absolute("LOCALAPPDATA")
    } else if cfg!(target_os = "macos") {
        absolute("HOME").map(|home| home.join("Library").join("Caches"))
    } else {
        absolute("XDG_CACHE_HOME").or_else(|| absolute("HOME").map(|home| home.join(".cache")))
    }
}

/// The running program's name for its default root: the executable's file stem without cargo's
/// `-{16 hex}` test-binary suffix, with anything but ASCII letters, digits, `-`, `_` and `.`
/// replaced by `_`; `program` when there is none.
pub(crate) fn program_name() -> String {
    let stem = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .unwrap_or_default();
    folder_name_of_program(&stem)
}

fn folder_name_of_program(stem: &str) -> String {
    let stem = match stem.rsplit_once('-') {
        Some((name, hash))
            if !name.is_empty()
                && hash.len() == 16
                && hash.bytes().all(|b| b.is_ascii_hexdigit()) =>
        {
            name
        }
        _ => stem,
    };
    let name: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if name.is_empty() || name.starts_with('.') {
        format!("program{name}")
    } else {
        name
    }
}

/// A provider that is the file's `[tool.pycodetags.cache]` without some keys. It reads the TOML
/// itself rather than wrapping the focused figment, so that its values carry its own metadata,
/// naming the file (a relative `dir` stays relative to the file's folder).
pub(super) struct Without {
    path: PathBuf,
    skip: Vec<String>,
}

impl Without {
    pub(super) fn new(path: &Path, skip: &[String]) -> Without {
        Without {
            path: path.to_path_buf(),
            skip: skip.to_vec(),
        }
    }
}

impl Provider for Without {
    fn metadata(&self) -> Metadata {
        Metadata::from("TOML file", self.path.as_path())
    }

    fn data(&self) -> Result<Map<Profile, Dict>, figment::Error> {
        let file = Toml::file_exact(&self.path).data()?;
        let mut out = Map::new();
        for (profile, dict) in file {
            let mut section = SECTION
                .split('.')
                .try_fold(&dict, |table, name| table.get(name)?.as_dict())
                .cloned()
                .unwrap_or_default();
            section.retain(|key, _| !self.skip.contains(key));
            out.insert(profile, section);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::folder_name_of_program;

    #[test]
    fn program_names_lose_cargo_hashes_and_odd_characters() {
        assert_eq!(
            folder_name_of_program("plain_rust-0123456789abcdef"),
            "plain_rust"
        );
        assert_eq!(folder_name_of_program("my-tool"), "my-tool");
        assert_eq!(folder_name_of_program("a b/c"), "a_b_c");
        assert_eq!(folder_name_of_program(""), "program");
        assert_eq!(folder_name_of_program(".hidden"), "program.hidden");
    }
}
