//! A persistent, versioned, crash-safe memoizer — PEP 003's `persistent_memoize` for codetags.
//!
//! * [`Key`]: SHA-256 over a function name and its postcard-encoded arguments.
//! * [`codec`]: each entry is a 92-byte header (magic, format, creation time, lengths, type
//!   fingerprint, key, checksum) plus a postcard payload, optionally gzip'd. Anything that does
//!   not verify is a miss. No entry over [`MAX_ENTRY_LEN`] is written or read.
//! * [`CacheStore`]: [`FsStore`] (files laid out by [`cache_layout`], atomic temp-file +
//!   no-replace rename writes, reads that never block on a FIFO nor follow a link, a fallback
//!   position when something that is not a file blocks an entry's path) and [`MemoryStore`].
//!   Lookups get a [`LookupScope`] (the time and the TTL), not a filesystem's day folders; the
//!   [`Maintenance`] a store does not answer (listing, removing, [`Usage`], pruning) it declines
//!   with [`StoreError::Unsupported`]; [`Pruned`] says who prunes a store that answers.
//! * A shared cache: `RedisStore` (feature `redis`: entries on a Redis server, with timeouts and
//!   a circuit breaker) behind a local store in a [`TieredStore`]; [`sign`] signs its entries
//!   with HMAC-SHA256 when `PYCODETAGS_CACHE_REMOTE_KEY` is set. [`Cache::open`] builds the two
//!   tiers when `[tool.pycodetags.cache] remote` is set.
//! * [`Cache`]: the memoizer, with TTL, counters ([`CacheStats`]) and an injectable [`Clock`].
//! * [`CacheSettings`]: `[tool.pycodetags.cache]` from `pyproject.toml` and `PYCODETAGS_CACHE_*`;
//!   [`parse_bool`], the one way booleans are read from the environment;
//!   [`CacheSettings::checked_root`] / [`check_root_placement`], which refuse a root at or above
//!   the project, `$HOME` or a filesystem root.
//!
//! The on-disk format is specified in `docs/cache-format.md`.
//!
//! ```
//! use cache_core::{Cache, CacheSettings};
//!
//! let project = tempfile::tempdir().unwrap();
//! std::fs::write(project.path().join("pyproject.toml"), "[tool.pycodetags.cache]\nttl_days = 3\n").unwrap();
//! let settings = CacheSettings::load_with_env(Some(&project.path().join("pyproject.toml")), &[]).unwrap();
//! let cache = Cache::open(&settings, None, env!("CARGO_PKG_VERSION"));
//! assert_eq!(cache.root(), Some(project.path().join(".pycodetags_cache").as_path()));
//!
//! let words = |text: &str| cache.memoize("words", text, || text.split_whitespace().count());
//! assert_eq!(words("a b c"), 3); // computed and stored
//! assert_eq!(words("a b c"), 3); // read back
//! assert_eq!(cache.stats().hits, 1);
//! assert!(project.path().join(".pycodetags_cache/CACHEDIR.TAG").is_file());
//! ```

mod cache;
mod clock;
pub mod codec;
pub mod fsread;
pub mod fswrite;
mod key;
pub mod memo;
mod notice;
mod remote;
mod root;
mod settings;
pub mod sign;
mod store;

/// Memoizes a function in a persistent cache: PEP 003's `@persistent_memoize`.
///
/// ```no_run
/// use cache_core::persistent_memoize;
///
/// #[persistent_memoize(ttl_seconds = 3600)]
/// fn word_count(text: &str) -> usize {
///     text.split_whitespace().count()
/// }
/// assert_eq!(word_count("a b c"), 3); // computed and stored
/// assert_eq!(word_count("a b c"), 3); // read back
/// ```
///
/// With a cache of one's own (here in a temporary folder), `Result`s and part of the arguments
/// as the key:
///
/// ```
/// use std::sync::LazyLock;
/// use cache_core::{persistent_memoize, Cache, CacheSettings};
///
/// static DIR: LazyLock<tempfile::TempDir> = LazyLock::new(|| tempfile::tempdir().unwrap());
/// static CACHE: LazyLock<Cache> =
///     LazyLock::new(|| Cache::open(&CacheSettings::default(), Some(DIR.path()), "1.0.0"));
///
/// #[persistent_memoize(cache = &CACHE, key(text), name = "docs::parse")]
/// fn parse(text: &str, verbose: bool) -> Result<u32, String> {
///     if verbose { eprintln!("parsing {text}"); }
///     text.trim().parse().map_err(|e| format!("{text:?}: {e}"))
/// }
/// assert_eq!(parse("42", false), Ok(42));
/// assert_eq!(parse("42", true), Ok(42)); // a hit: `verbose` is not part of the key
/// assert!(parse("x", false).is_err());   // errors are not stored
/// assert_eq!((CACHE.stats().hits, CACHE.stats().writes), (1, 1));
/// ```
///
/// The arguments (all optional):
///
/// | argument | meaning |
/// |---|---|
/// | `ttl_seconds = N` / `ttl_days = N` | entries older than this are misses (default: the settings' `ttl_days`, 7) |
/// | `organize_by_date = bool` | entries in `YYYY/MM/DD` folders (default: `enable_date_subfolders`, true) |
/// | `include_version = bool` | entries under the crate version's namespace (default: `enable_version_namespacing`, true) |
/// | `gzip = bool` | compress new entries (default: the settings' `gzip`, false) |
/// | `name = "…"` | the function's name in its keys (default: `module_path!()::fn_name`); two functions may share entries by sharing a name |
/// | `key(a, b)` | the arguments that form the key (default: all); the others must not change the result |
/// | `cache = EXPR` | a `&'static Cache` to use (a `static` `LazyLock<Cache>`, say) instead of the default cache; cannot be combined with `organize_by_date`, `include_version` or `gzip`, which are its own |
///
/// The function may return any `T: Serialize + DeserializeOwned`, or a `Result<T, E>` (a return
/// type whose last path segment is `Result`), of which only `Ok` values are stored. Key
/// arguments must be `Serialize`. Methods taking `self`, `async`, `const` and `unsafe`
/// functions, type generics, `impl Trait` arguments and argument patterns are refused at compile
/// time with a message saying why.
///
/// Without `cache = …`, the function uses a process-wide default cache, described in [`memo`]:
/// settings from `pyproject.toml` and `PYCODETAGS_CACHE_*` (problems are warnings, never
/// failures), the root beside `pyproject.toml` or, outside a Python project, in the user's
/// cache folder; [`memo::default_cache`] says why it stores nothing, if it does not.
pub use cache_core_macros::persistent_memoize;

pub use cache::{Cache, CacheError, CacheStats};
pub use clock::{Clock, ManualClock, SystemClock};
pub use codec::{CACHE_FORMAT, DecodeError, EncodeError, MAX_ENTRY_LEN};
pub use key::{KEY_DOMAIN, Key, KeyError};
pub use remote::{DEFAULT_REMOTE_TIMEOUT_MS, MAX_REMOTE_TIMEOUT_MS, REMOTE_KEY_VAR, RemoteUrl};
pub use root::{
    PYPROJECT, ROOT_DIR_NAME, RootError, RootState, find_pyproject, init_root, inspect_root,
    is_our_cache, repair_tag,
};
pub use settings::{
    CacheSettings, ENV_PREFIX, FigmentProblem, PlacementError, SECTION, SettingsError,
    check_root_placement, parse_bool,
};
pub use settings::{LenientSettings, USER_CACHE_DIR_NAME, default_root_outside_project};
pub use store::{
    CacheStore, EntryInfo, Found, FsStore, Location, Lookup, LookupScope, Maintenance, MemoryStore,
    Obstruction, Pruned, RemoteStats, StoreError, TieredStore, Usage,
};
#[cfg(feature = "redis")]
pub use store::{RedisOptions, RedisStore};
/// Constants of the Redis store: the default key prefix, timeout and failure limit.
#[cfg(feature = "redis")]
pub mod redis_store {
    pub use crate::store::redis::{
        DEFAULT_FAILURE_LIMIT, DEFAULT_PREFIX, DEFAULT_TIMEOUT, UNVERSIONED_NAMESPACE,
    };
}

pub use cache_layout;
