//! The memoizer: [`Cache`] on top of a [`CacheStore`], with counters.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use cache_layout::Layout;
use chrono::TimeDelta;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::codec::{self, EncodeError};
use crate::store::{
    CacheStore, FsStore, Location, LookupScope, Obstruction, RemoteStats, StoreError,
};
use crate::{CacheSettings, Clock, Key, SystemClock};

/// Why [`Cache::put`] stored nothing. [`Cache::memoize`] never surfaces these.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    /// The cache is off (by settings, for lack of a root, or after the root failed).
    #[error("the cache is disabled")]
    Disabled,
    /// The value cannot be encoded.
    #[error(transparent)]
    Encode(#[from] EncodeError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A snapshot of a cache's counters since it was opened.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Lookups answered from the cache.
    pub hits: u64,
    /// Lookups not answered (absent, expired, corrupt or unreadable entries).
    pub misses: u64,
    /// Of the misses: entries found but past their TTL.
    pub expired: u64,
    /// Of the misses: entries found but undecodable (truncated, flipped, zero-filled, foreign,
    /// another key or another type).
    pub corrupt: u64,
    /// Of the misses: lookups that failed with an I/O error.
    pub read_errors: u64,
    /// Lookups that found something other than a regular file (a folder, a FIFO, a symbolic
    /// link, a device, …) at an entry's path. It is left alone and the entry's fallback position
    /// is used instead (see [`crate::FsStore`]), so such a lookup is a miss or, once the
    /// fallback holds the entry, a hit; it is counted here as well. The first obstruction a
    /// `Cache` meets is logged as a warning naming the path, later ones at debug level.
    pub obstructed: u64,
    /// Entries written.
    pub writes: u64,
    /// Writes that failed (I/O error, full disk, unencodable value, unwritable root).
    pub write_errors: u64,
    /// Entry bytes read (whole files for hits; for a file that is not a valid entry, the bounded
    /// prefix that was read).
    pub bytes_read: u64,
    /// Entry bytes written.
    pub bytes_written: u64,
    /// The remote tier's own counters ([`RemoteStats`]: hits, misses, refused values, errors,
    /// operations skipped after the breaker opened), when the store has one (a
    /// [`crate::TieredStore`] over Redis, or a `RedisStore` alone). A remote hit is also a hit
    /// above; a remote error costs no lookup its answer.
    pub remote: Option<RemoteStats>,
}

#[derive(Debug, Default)]
struct Counters {
    hits: AtomicU64,
    misses: AtomicU64,
    expired: AtomicU64,
    corrupt: AtomicU64,
    read_errors: AtomicU64,
    obstructed: AtomicU64,
    writes: AtomicU64,
    write_errors: AtomicU64,
    bytes_read: AtomicU64,
    bytes_written: AtomicU64,
}

fn bump(counter: &AtomicU64, by: u64) {
    counter.fetch_add(by, Ordering::Relaxed);
}

struct Enabled {
    store: Box<dyn CacheStore>,
    root: Option<PathBuf>,
    ttl: TimeDelta,
    gzip: bool,
    /// Set when the root turned out unusable: from then on the cache behaves as disabled.
    broken: AtomicBool,
    /// Whether the one write-failure warning has been given.
    warned: AtomicBool,
    /// Whether the one obstruction warning has been given.
    warned_obstruction: AtomicBool,
    /// Why the cache turned itself off (set once, with `broken`).
    broken_reason: OnceLock<String>,
}

/// A persistent memoizer. Cheap to share between threads (`&Cache` is enough); entries written
/// by one process are read by others.
///
/// Every cache failure — I/O, a corrupt or expired entry, a full disk, an unwritable root — is a
/// miss: the value is computed, the reason logged with `tracing`, the counters updated, and the
/// call goes on.
///
/// ```
/// use cache_core::{Cache, CacheSettings};
/// let dir = tempfile::tempdir().unwrap();
/// let cache = Cache::open(&CacheSettings::default(), Some(dir.path()), "0.1.0");
///
/// let mut calls = 0;
/// let mut square = |n: u64| cache.memoize("square", &n, || { calls += 1; n * n });
/// assert_eq!(square(12), 144);
/// assert_eq!(square(12), 144);
/// assert_eq!(calls, 1);
/// assert_eq!((cache.stats().hits, cache.stats().misses), (1, 1));
/// ```
pub struct Cache {
    enabled: Option<Enabled>,
    /// Why `enabled` is `None`.
    disabled_reason: Option<String>,
    clock: Arc<dyn Clock>,
    counters: Counters,
}

impl fmt::Debug for Cache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("Cache");
        match &self.enabled {
            Some(e) => s
                .field("store", &e.store)
                .field("ttl", &e.ttl)
                .field("gzip", &e.gzip)
                .field("broken", &e.broken.load(Ordering::Relaxed)),
            None => s.field("enabled", &false),
        };
        s.field("clock", &self.clock).finish()
    }
}

/// The remote tier `settings` ask for, when this build can have one: a `RedisStore` (nothing
/// is sent before the first lookup). A URL the client refuses, or a build without the `redis`
/// feature, is one warning and no remote tier.
fn remote_store(settings: &CacheSettings, tool_version: &str) -> Option<Box<dyn CacheStore>> {
    let url = settings.remote.as_ref()?;
    #[cfg(feature = "redis")]
    {
        let options = crate::RedisOptions::from_settings(settings, tool_version);
        match crate::RedisStore::open(url.as_str(), options) {
            Ok(store) => Some(Box::new(store)),
            Err(error) => {
                tracing::warn!("remote cache {url} not used: {error}");
                None
            }
        }
    }
    #[cfg(not(feature = "redis"))]
    {
        let _ = tool_version;
        tracing::warn!(
            "remote cache {url} not used: this build has no Redis support (cache-core's `redis` \
             feature)"
        );
        None
    }
}

impl Cache {
    /// Opens the filesystem cache the settings describe for `tool_version`, with the root
    /// resolved and checked by [`CacheSettings::checked_root`] (`explicit_root` wins). Nothing
    /// is created on disk until the first write.
    ///
    /// With `remote` set the store is a [`crate::TieredStore`]: this filesystem cache in front of
    /// the Redis server (feature `redis`; see `RedisStore` for its failure model).
    ///
    /// Never fails: with `enabled = false` the cache is disabled; with no root, or a root the
    /// cache must not own (the project folder or above, `$HOME` or above, a filesystem root, an
    /// empty path), it is disabled with one warning (on standard error when the program has no
    /// `tracing` subscriber). [`Cache::disabled_reason`] says why. Settings from
    /// [`CacheSettings::discover_lenient`] always have a root where the environment names a
    /// user cache folder, in a Python project or not.
    ///
    /// ```
    /// use cache_core::{Cache, CacheSettings};
    /// let project = tempfile::tempdir().unwrap();
    /// let pyproject = project.path().join("pyproject.toml");
    /// std::fs::write(&pyproject, "[tool.pycodetags.cache]\ndir = \".\"\n").unwrap();
    /// let settings = CacheSettings::load_with_env(Some(&pyproject), &[]).unwrap();
    /// let cache = Cache::open(&settings, None, "0.1.0");
    /// assert!(!cache.is_enabled());
    /// assert!(cache.disabled_reason().unwrap().contains("is the project folder"));
    /// ```
    pub fn open(
        settings: &CacheSettings,
        explicit_root: Option<&Path>,
        tool_version: &str,
    ) -> Cache {
        if !settings.enabled {
            tracing::debug!("cache disabled by settings");
            return Cache::disabled_because(
                "caching is disabled by the settings (enabled = false)",
            );
        }
        let explicit = explicit_root.map(|root| (root, "the explicit cache folder"));
        let root = match settings.checked_root(explicit, &[]) {
            Ok(Some(root)) => root,
            Ok(None) => {
                let reason = "caching is off: no cache folder (no pyproject.toml found, and \
                              neither a cache dir nor PYCODETAGS_CACHE_DIR given; settings from \
                              CacheSettings::discover_lenient default to the user's cache folder)";
                crate::notice::warn_once(reason);
                return Cache::disabled_because(reason);
            }
            Err(error) => {
                let reason = format!("caching is off: {error}");
                crate::notice::warn_once(&reason);
                return Cache::disabled_because(reason);
            }
        };
        let layout = Layout::new(root.clone(), settings.layout_options(tool_version));
        let local = FsStore::new(layout);
        let mut cache = match remote_store(settings, tool_version) {
            Some(remote) => Cache::with_store(
                crate::TieredStore::from_boxes(Box::new(local), remote, settings.remote_read_only),
                settings,
            ),
            None => Cache::with_store(local, settings),
        };
        if let Some(enabled) = cache.enabled.as_mut() {
            enabled.root = Some(root);
        }
        cache
    }

    /// A cache over any store, with the TTL and gzip switch from `settings` (`enabled` is
    /// honoured; `dir` and the layout switches are the store's business).
    ///
    /// ```
    /// use cache_core::{Cache, CacheSettings, MemoryStore};
    /// let cache = Cache::with_store(MemoryStore::new(true), &CacheSettings::default());
    /// let key = cache_core::Key::new("f", &1u8).unwrap();
    /// cache.put(&key, &"value".to_owned()).unwrap();
    /// assert_eq!(cache.get::<String>(&key).as_deref(), Some("value"));
    /// ```
    pub fn with_store(store: impl CacheStore + 'static, settings: &CacheSettings) -> Cache {
        if !settings.enabled {
            return Cache::disabled_because(
                "caching is disabled by the settings (enabled = false)",
            );
        }
        Cache {
            disabled_reason: None,
            enabled: Some(Enabled {
                store: Box::new(store),
                root: None,
                ttl: settings.ttl(),
                gzip: settings.gzip,
                broken: AtomicBool::new(false),
                warned: AtomicBool::new(false),
                warned_obstruction: AtomicBool::new(false),
                broken_reason: OnceLock::new(),
            }),
            clock: Arc::new(SystemClock),
            counters: Counters::default(),
        }
    }

    /// A cache that stores nothing: [`Cache::memoize`] always computes.
    ///
    /// ```
    /// let cache = cache_core::Cache::disabled();
    /// assert!(!cache.is_enabled());
    /// assert_eq!(cache.memoize("f", &(), || 5), 5);
    /// ```
    pub fn disabled() -> Cache {
        Cache::disabled_because("the cache was created disabled")
    }

    fn disabled_because(reason: impl Into<String>) -> Cache {
        Cache {
            enabled: None,
            disabled_reason: Some(reason.into()),
            clock: Arc::new(SystemClock),
            counters: Counters::default(),
        }
    }

    /// Why the cache stores nothing, or `None` while it is enabled: disabled by the settings, no
    /// root, a refused root (see [`CacheSettings::checked_root`]), or a root that turned out
    /// unusable during the run.
    ///
    /// ```
    /// let cache = cache_core::Cache::disabled();
    /// assert!(cache.disabled_reason().is_some());
    /// let dir = tempfile::tempdir().unwrap();
    /// let cache = cache_core::Cache::open(&Default::default(), Some(&dir.path().join("c")), "0.1.0");
    /// assert_eq!(cache.disabled_reason(), None);
    /// ```
    pub fn disabled_reason(&self) -> Option<&str> {
        match &self.enabled {
            None => self.disabled_reason.as_deref(),
            Some(enabled) if enabled.broken.load(Ordering::Acquire) => Some(
                enabled
                    .broken_reason
                    .get()
                    .map_or("caching is off for this run", String::as_str),
            ),
            Some(_) => None,
        }
    }

    /// Replaces the clock (ages and today's folder come from it).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Cache {
        self.clock = clock;
        self
    }

    /// Whether lookups and writes go to a store.
    pub fn is_enabled(&self) -> bool {
        self.active().is_some()
    }

    /// The root folder of a filesystem cache opened with [`Cache::open`].
    pub fn root(&self) -> Option<&Path> {
        self.enabled.as_ref()?.root.as_deref()
    }

    /// The store, for listings (eviction, statistics).
    pub fn store(&self) -> Option<&dyn CacheStore> {
        self.active().map(|e| e.store.as_ref())
    }

    fn active(&self) -> Option<&Enabled> {
        self.enabled
            .as_ref()
            .filter(|e| !e.broken.load(Ordering::Relaxed))
    }

    /// A snapshot of the counters.
    pub fn stats(&self) -> CacheStats {
        let c = &self.counters;
        let load = |a: &AtomicU64| a.load(Ordering::Relaxed);
        CacheStats {
            hits: load(&c.hits),
            misses: load(&c.misses),
            expired: load(&c.expired),
            corrupt: load(&c.corrupt),
            read_errors: load(&c.read_errors),
            obstructed: load(&c.obstructed),
            writes: load(&c.writes),
            write_errors: load(&c.write_errors),
            bytes_read: load(&c.bytes_read),
            bytes_written: load(&c.bytes_written),
            remote: self.enabled.as_ref().and_then(|e| e.store.remote_stats()),
        }
    }

    /// The value stored under `key`, if there is a fresh, intact entry of type `T`.
    /// Absent, expired, corrupt, foreign-typed and unreadable entries all give `None`.
    pub fn get<T: DeserializeOwned>(&self, key: &Key) -> Option<T> {
        self.lookup_fresh(key, None)
    }

    /// [`Cache::get`] with another time to live than the settings' (`#[persistent_memoize(ttl_seconds
    /// = …)]` gives each function its own): an entry is fresh when younger than `ttl`.
    ///
    /// ```
    /// use cache_core::{Cache, CacheSettings, Key, ManualClock, MemoryStore};
    /// use chrono::{TimeDelta, Utc};
    /// let clock = std::sync::Arc::new(ManualClock::new(Utc::now()));
    /// let cache = Cache::with_store(MemoryStore::new(false), &CacheSettings::default())
    ///     .with_clock(clock.clone());
    /// let key = Key::new("f", &1u8).unwrap();
    /// cache.put(&key, &5u32).unwrap();
    /// clock.advance(TimeDelta::seconds(90));
    /// assert_eq!(cache.get_within::<u32>(&key, TimeDelta::seconds(60)), None);
    /// assert_eq!(cache.get_within::<u32>(&key, TimeDelta::seconds(120)), Some(5));
    /// assert_eq!(cache.get::<u32>(&key), Some(5)); // the settings' 7 days
    /// ```
    pub fn get_within<T: DeserializeOwned>(&self, key: &Key, ttl: TimeDelta) -> Option<T> {
        self.lookup_fresh(key, Some(ttl))
    }

    fn lookup_fresh<T: DeserializeOwned>(&self, key: &Key, ttl: Option<TimeDelta>) -> Option<T> {
        let enabled = self.active()?;
        let ttl = ttl.unwrap_or(enabled.ttl);
        let c = &self.counters;
        let now = self.clock.now();
        // The store is told which entries may be fresh, not where to look: day folders are the
        // filesystem store's concern.
        let scope = LookupScope::new(now, ttl);
        let lookup = match enabled.store.lookup(key, scope) {
            Ok(lookup) => lookup,
            Err(error) => {
                tracing::debug!(%key, %error, "cache miss: lookup failed");
                bump(&c.read_errors, 1);
                bump(&c.misses, 1);
                return None;
            }
        };
        if let Some(first) = lookup.obstructions.first() {
            bump(&c.obstructed, 1);
            self.report_obstruction(enabled, first);
        }
        let Some(found) = lookup.found else {
            tracing::trace!(%key, "cache miss: no entry");
            bump(&c.misses, 1);
            return None;
        };
        bump(&c.bytes_read, found.bytes.len() as u64);
        match codec::decode::<T>(&found.bytes, key) {
            Ok((value, header)) => {
                let age = now - header.created;
                if age >= ttl {
                    tracing::debug!(%key, created = %header.created, "cache miss: entry expired");
                    bump(&c.expired, 1);
                    bump(&c.misses, 1);
                    return None;
                }
                bump(&c.hits, 1);
                Some(value)
            }
            Err(error) => {
                tracing::debug!(%key, location = ?found.location, %error, "cache miss: entry unusable");
                bump(&c.corrupt, 1);
                bump(&c.misses, 1);
                None
            }
        }
    }

    /// Stores `value` under `key` (today's folder in a dated store), replacing any entry there.
    /// Read it back with the same type: the entry records a fingerprint of `T` (see
    /// [`codec::type_fingerprint`]), and `get::<String>` does not see a value put as `&str`.
    ///
    /// # Errors
    /// [`CacheError`] when nothing was stored; the failure is also counted and logged.
    pub fn put<T: Serialize>(&self, key: &Key, value: &T) -> Result<(), CacheError> {
        let enabled = self.active().ok_or(CacheError::Disabled)?;
        let now = self.clock.now();
        let result = codec::encode(key, value, now, enabled.gzip)
            .map_err(CacheError::from)
            .and_then(|bytes| {
                // The day also in an undated store: it names the day folder used when the
                // entry's own position is obstructed (see `Location`).
                let location = Location {
                    key: *key,
                    date: Some(now.date_naive()),
                };
                enabled.store.put(&location, &bytes)?;
                Ok(bytes.len() as u64)
            });
        match result {
            Ok(len) => {
                bump(&self.counters.writes, 1);
                bump(&self.counters.bytes_written, len);
                Ok(())
            }
            Err(error) => {
                bump(&self.counters.write_errors, 1);
                self.report_write_error(enabled, key, &error);
                Err(error)
            }
        }
    }

    /// The one obstruction warning of this cache (naming the path), then debug messages.
    fn report_obstruction(&self, enabled: &Enabled, obstruction: &Obstruction) {
        if enabled.warned_obstruction.swap(true, Ordering::Relaxed) {
            tracing::debug!(%obstruction, "cache entry path obstructed; using its fallback position");
        } else {
            tracing::warn!(
                path = %obstruction.path.display(),
                kind = obstruction.kind,
                "cache entry path is occupied by a {}, which is left alone; entries for it use a \
                 fallback position (remove it to restore the normal layout; further obstructions \
                 are logged at debug level)",
                obstruction.kind
            );
        }
    }

    fn report_write_error(&self, enabled: &Enabled, key: &Key, error: &CacheError) {
        if let CacheError::Store(store_error) = error
            && store_error.stops_caching()
        {
            // The reason first, so whoever sees `broken` can read it.
            let _ = enabled
                .broken_reason
                .set(format!("caching is off for this run: {error}"));
            enabled.broken.store(true, Ordering::Release);
            if !enabled.warned.swap(true, Ordering::Relaxed) {
                tracing::warn!(%error, "caching is off for this run");
            }
            return;
        }
        if let CacheError::Store(StoreError::Obstructed { obstructions }) = error {
            // Same one warning as for obstructed lookups: it is the same problem.
            if let Some(first) = obstructions.first() {
                self.report_obstruction(enabled, first);
            }
            tracing::debug!(%key, %error, "cache write failed");
            return;
        }
        if enabled.warned.swap(true, Ordering::Relaxed) {
            tracing::debug!(%key, %error, "cache write failed");
        } else {
            tracing::warn!(%key, %error, "cache write failed (further failures are logged at debug level)");
        }
    }

    /// Returns the cached result of `name(args)` or computes it with `compute`, stores it and
    /// returns it. `args` may be any serde-serialisable value (a tuple of the arguments).
    /// Cache failures never fail the call.
    pub fn memoize<A, T, F>(&self, name: &str, args: &A, compute: F) -> T
    where
        A: Serialize + ?Sized,
        T: Serialize + DeserializeOwned,
        F: FnOnce() -> T,
    {
        match self.try_memoize(name, args, || Ok::<T, std::convert::Infallible>(compute())) {
            Ok(value) => value,
            Err(never) => match never {},
        }
    }

    /// Like [`Cache::memoize`] for a fallible computation: only `Ok` results are stored.
    ///
    /// ```
    /// let cache = cache_core::Cache::with_store(
    ///     cache_core::MemoryStore::new(false),
    ///     &cache_core::CacheSettings::default(),
    /// );
    /// let parsed: Result<u32, String> = cache.try_memoize("parse", "x", || Err("bad".to_owned()));
    /// assert!(parsed.is_err());
    /// assert_eq!(cache.stats().writes, 0);
    /// ```
    ///
    /// # Errors
    /// Whatever `compute` returns.
    pub fn try_memoize<A, T, E, F>(&self, name: &str, args: &A, compute: F) -> Result<T, E>
    where
        A: Serialize + ?Sized,
        T: Serialize + DeserializeOwned,
        F: FnOnce() -> Result<T, E>,
    {
        if self.active().is_none() {
            return compute();
        }
        let key = match Key::new(name, args) {
            Ok(key) => key,
            Err(error) => {
                tracing::debug!(%error, "not caching: cannot build the key");
                return compute();
            }
        };
        if let Some(value) = self.get::<T>(&key) {
            return Ok(value);
        }
        let value = compute()?;
        // A failed write is counted and logged by `put`; the caller gets the value regardless.
        let _ = self.put(&key, &value);
        Ok(value)
    }
}
