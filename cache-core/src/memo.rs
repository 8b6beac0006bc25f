//! What [`persistent_memoize`](crate::persistent_memoize) functions run on: [`Memoized`], one
//! per function, and the process-wide default caches they share.
//!
//! A `#[persistent_memoize]` function without `cache = …` uses a **default cache**, opened
//! lazily on its first call, once per process for each combination of version and layout:
//!
//! * settings from [`CacheSettings::discover_lenient`] at the working directory: the nearest
//!   `pyproject.toml`'s `[tool.pycodetags.cache]` and the `PYCODETAGS_CACHE_*` environment,
//!   where any problem is a warning and the setting keeps its default ([`default_settings`]
//!   says which);
//! * the root `.pycodetags_cache` beside that `pyproject.toml`, or `dir` /
//!   `PYCODETAGS_CACHE_DIR`, or — outside a Python project — the user's cache folder
//!   (`$XDG_CACHE_HOME` or `~/.cache` on Linux) `/cache-core/{program}` (see
//!   [`crate::default_root_outside_project`]);
//! * the version namespace of the crate that defines the function (its `CARGO_PKG_VERSION`);
//! * the macro's `organize_by_date`, `include_version` and `gzip` where given, else the
//!   settings'.
//!
//! When such a cache cannot be used (no user cache folder, a refused root, `enabled = false`)
//! the functions compute every time, the reason is logged once — through `tracing`, or on
//! standard error when the program has no subscriber — and [`Cache::disabled_reason`] of
//! [`default_cache`] (or [`Memoized::cache`]) returns it.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Mutex, OnceLock};

use chrono::TimeDelta;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::{Cache, CacheSettings, Key, KeyError, LenientSettings};

/// A value that can be part of a memoized function's key: anything `serde::Serialize`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be part of the key of a `#[persistent_memoize]` function: it does not implement `serde::Serialize`",
    label = "this argument is part of the key",
    note = "list the arguments that decide the result with `key(...)`, e.g. `#[persistent_memoize(key(path, options))]`, to leave this one out"
)]
pub trait KeyArg: Serialize {}

impl<T: Serialize + ?Sized> KeyArg for T {}

/// A value a memoized function may return (inside `Ok` for a `Result`): serialisable and
/// deserialisable without borrowing, since hits are decoded from the stored bytes.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be cached by `#[persistent_memoize]`: it must implement `serde::Serialize` and `serde::de::DeserializeOwned`",
    label = "the value returned (for a `Result`, the `Ok` value) is stored and read back",
    note = "derive `Serialize` and `Deserialize` for it, and return owned data (no references)"
)]
pub trait MemoValue: Serialize + DeserializeOwned {}

impl<T: Serialize + DeserializeOwned> MemoValue for T {}

/// `arg`, required to be a [`KeyArg`] (the macro wraps each key argument, so an argument that is
/// not serialisable is reported where it is declared).
pub fn key_arg<T: KeyArg + ?Sized>(arg: &T) -> &T {
    arg
}

/// One memoized function: its name in the keys, its version, its TTL and layout choices, and the
/// cache it uses. `#[persistent_memoize]` puts one in a `static` inside each function it
/// expands; it can be used by hand too.
///
/// ```
/// use cache_core::memo::Memoized;
/// static SQUARE: Memoized = Memoized::new("docs::square", "0.1.0").ttl_seconds(3600);
///
/// fn square(n: u64) -> u64 {
///     let key = SQUARE.call_key(&(&n,)); // borrows `n`, before the computation moves it
///     SQUARE.call(key, move || n * n)
/// }
/// assert_eq!(square(12), 144);
/// assert_eq!(SQUARE.ttl(), Some(chrono::TimeDelta::hours(1)));
/// ```
pub struct Memoized {
    name: &'static str,
    version: &'static str,
    ttl_seconds: Option<u64>,
    overrides: LayoutOverrides,
    cache_fn: Option<fn() -> &'static Cache>,
    cache: OnceLock<&'static Cache>,
}

/// The layout choices a function makes over the settings' (`None`: the settings decide).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
struct LayoutOverrides {
    date_subfolders: Option<bool>,
    version_namespacing: Option<bool>,
    gzip: Option<bool>,
}

impl fmt::Debug for Memoized {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Memoized")
            .field("name", &self.name)
            .field("version", &self.version)
            .field("ttl_seconds", &self.ttl_seconds)
            .field("overrides", &self.overrides)
            .field("own_cache", &self.cache_fn.is_some())
            .finish()
    }
}

impl Memoized {
    /// A function called `name` in the keys (the macro uses `module_path!()::fn_name`), whose
    /// entries go in the version namespace of `version` (the macro uses the defining crate's
    /// `CARGO_PKG_VERSION`).
    pub const fn new(name: &'static str, version: &'static str) -> Memoized {
        Memoized {
            name,
            version,
            ttl_seconds: None,
            overrides: LayoutOverrides {
                date_subfolders: None,
                version_namespacing: None,
                gzip: None,
            },
            cache_fn: None,
            cache: OnceLock::new(),
        }
    }

    /// Entries older than `seconds` are misses (PEP 003's `ttl_seconds`); otherwise the
    /// settings' `ttl_days`.
    pub const fn ttl_seconds(mut self, seconds: u64) -> Memoized {
        self.ttl_seconds = Some(seconds);
        self
    }

    /// Whether entries go in `YYYY/MM/DD` folders (PEP 003's `organize_by_date`), over the
    /// settings' `enable_date_subfolders`. Default caches only.
    pub const fn organize_by_date(mut self, on: bool) -> Memoized {
        self.overrides.date_subfolders = Some(on);
        self
    }

    /// Whether entries go under the version namespace (PEP 003's `include_version`), over the
    /// settings' `enable_version_namespacing`. Default caches only.
    pub const fn include_version(mut self, on: bool) -> Memoized {
        self.overrides.version_namespacing = Some(on);
        self
    }

    /// Whether new entries are gzip'd, over the settings' `gzip`. Default caches only.
    pub const fn gzip(mut self, on: bool) -> Memoized {
        self.overrides.gzip = Some(on);
        self
    }

    /// Uses the cache `cache` returns instead of a default cache (`#[persistent_memoize(cache =
    /// …)]`); its layout and gzip switch are its own.
    pub const fn with_cache(mut self, cache: fn() -> &'static Cache) -> Memoized {
        self.cache_fn = Some(cache);
        self
    }

    /// The function's name in its keys.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The function's own time to live, if it has one.
    pub fn ttl(&self) -> Option<TimeDelta> {
        let seconds = i64::try_from(self.ttl_seconds?).unwrap_or(i64::MAX);
        Some(TimeDelta::try_seconds(seconds).unwrap_or(TimeDelta::MAX))
    }

    /// The cache this function uses: its own (`cache = …`) or the default cache for its version
    /// and layout, opened on first use.
    pub fn cache(&self) -> &'static Cache {
        self.cache.get_or_init(|| match self.cache_fn {
            Some(cache) => cache(),
            None => shared_cache(self.version, self.overrides),
        })
    }

    /// The key of a call with `args`.
    ///
    /// # Errors
    /// [`KeyError`] when the arguments cannot be encoded.
    pub fn key<A: Serialize + ?Sized>(&self, args: &A) -> Result<Key, KeyError> {
        Key::new(self.name, args)
    }

    /// What [`Memoized::call`] needs of a call with `args` (the macro passes a tuple of
    /// references to the key arguments): its key, computed only while the cache is enabled, so
    /// a function whose cache is off costs no hashing.
    pub fn call_key<A: Serialize + ?Sized>(&self, args: &A) -> CallKey {
        CallKey(self.cache().is_enabled().then(|| self.key(args)))
    }

    /// The cached value for `key`, or `compute()` stored under it. Cache failures never fail the
    /// call (see [`Cache::memoize`]).
    pub fn call<T: MemoValue>(&self, key: CallKey, compute: impl FnOnce() -> T) -> T {
        match self.try_call(key, || Ok::<T, std::convert::Infallible>(compute())) {
            Ok(value) => value,
            Err(never) => match never {},
        }
    }

    /// [`Memoized::call`] for a fallible computation: only `Ok` values are stored.
    ///
    /// # Errors
    /// Whatever `compute` returns.
    pub fn try_call<T: MemoValue, E>(
        &self,
        key: CallKey,
        compute: impl FnOnce() -> Result<T, E>,
    ) -> Result<T, E> {
        let cache = self.cache();
        let key = match key.0 {
            None => return compute(),
            Some(Ok(key)) => key,
            Some(Err(error)) => {
                tracing::debug!(function = self.name, %error, "not caching: cannot build the key");
                return compute();
            }
        };
        let hit = match self.ttl() {
            Some(ttl) => cache.get_within::<T>(&key, ttl),
            None => cache.get::<T>(&key),
        };
        if let Some(value) = hit {
            return Ok(value);
        }
        let value = compute()?;
        // A failed write is counted and logged by `put`; the caller gets the value regardless.
        let _ = cache.put(&key, &value);
        Ok(value)
    }
}

/// The key of one call of a [`Memoized`] function, made by [`Memoized::call_key`]: none while
/// the cache is off, or the reason it could not be made (the call then computes uncached).
#[derive(Debug)]
pub struct CallKey(Option<Result<Key, KeyError>>);

/// The settings every default cache of this process uses: [`CacheSettings::discover_lenient`] at
/// the working directory, loaded once (its warnings are logged then), with the problems it set
/// aside.
///
/// ```
/// let loaded = cache_core::memo::default_settings();
/// for problem in &loaded.ignored {
///     eprintln!("ignored: {problem}");
/// }
/// ```
pub fn default_settings() -> &'static LenientSettings {
    static SETTINGS: OnceLock<LenientSettings> = OnceLock::new();
    SETTINGS.get_or_init(|| {
        let cwd = std::env::current_dir().unwrap_or_else(|_| ".".into());
        CacheSettings::discover_lenient(&cwd)
    })
}

/// The default cache of `version` with the settings' layout: the one every
/// `#[persistent_memoize]` function of a crate at `version` uses unless it chooses its own
/// layout or cache. Opened on first use; ask it why it stores nothing, where it is, and how it
/// did.
///
/// ```
/// let cache = cache_core::memo::default_cache(env!("CARGO_PKG_VERSION"));
/// match cache.disabled_reason() {
///     Some(reason) => println!("not caching: {reason}"),
///     None => println!("caching in {:?}", cache.root()),
/// }
/// ```
pub fn default_cache(version: &str) -> &'static Cache {
    shared_cache(version, LayoutOverrides::default())
}

fn shared_cache(version: &str, overrides: LayoutOverrides) -> &'static Cache {
    type Registry = HashMap<(String, LayoutOverrides), &'static Cache>;
    static CACHES: OnceLock<Mutex<Registry>> = OnceLock::new();
    let mut caches = CACHES
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    caches
        .entry((version.to_owned(), overrides))
        .or_insert_with(|| {
            let mut settings = default_settings().settings.clone();
            let LayoutOverrides {
                date_subfolders,
                version_namespacing,
                gzip,
            } = overrides;
            if let Some(on) = date_subfolders {
                settings.enable_date_subfolders = on;
            }
            if let Some(on) = version_namespacing {
                settings.enable_version_namespacing = on;
            }
            if let Some(on) = gzip {
                settings.gzip = on;
            }
            // One per version and layout for the life of the process: leaked on purpose.
            Box::leak(Box::new(Cache::open(&settings, None, version)))
        })
}
