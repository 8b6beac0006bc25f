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
mod remote;
mod root;
mod settings;
pub mod sign;
mod store;

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
