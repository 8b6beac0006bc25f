//! Where entry bytes live: the [`CacheStore`] trait, the in-memory store ([`MemoryStore`]), the
//! filesystem store ([`FsStore`]), the Redis store (`RedisStore`, feature `redis`) and the two
//! tiers of a shared cache ([`TieredStore`]).

use std::fmt;
use std::io;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};

use crate::Key;
use crate::root::RootError;

mod fs;
mod memory;
#[cfg(feature = "redis")]
pub(crate) mod redis;
mod tiered;

pub use fs::FsStore;
pub use memory::MemoryStore;
#[cfg(feature = "redis")]
pub use redis::{RedisOptions, RedisStore};
pub use tiered::TieredStore;

/// Where one entry sits: its key and its UTC day.
///
/// In a dated store the day names the entry's day folder; `None` there is the undated position
/// `{namespace}/{hex}.bin`, where [`FsStore`] files an entry whose day folder position is
/// obstructed. An undated store files entries at the undated position whatever the date; for
/// [`FsStore`] the date then only names the day folder used when that position is obstructed
/// (so writers pass their day in both kinds of store).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Location {
    /// The entry's key.
    pub key: Key,
    /// The UTC day (see above).
    pub date: Option<NaiveDate>,
}

/// What a lookup is for: an entry that is still fresh at `now`, that is, created less than `ttl`
/// before it. This is what a backend is told, rather than where to look: [`FsStore`] turns it
/// into the day folders to probe ([`LookupScope::days`]); a remote backend that expires entries
/// itself may ignore it.
///
/// The scope lets a store skip what cannot be fresh; it does not make the store the judge of
/// freshness. The memoizer checks every entry's age against its header, so a store may return
/// an older entry (it is then an expired miss), but must not pass over a fresh one.
///
/// ```
/// use cache_core::LookupScope;
/// use chrono::{NaiveDate, TimeDelta, TimeZone, Utc};
/// let now = Utc.with_ymd_and_hms(2025, 7, 3, 8, 0, 0).unwrap();
/// let scope = LookupScope::new(now, TimeDelta::days(2));
/// let day = |d| NaiveDate::from_ymd_opt(2025, 7, d).unwrap();
/// // Created after 2025-07-01 08:00: filed under the 1st, 2nd or 3rd.
/// assert_eq!(scope.days(), (day(3), day(1)));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct LookupScope {
    /// The time of the lookup (the memoizer's clock).
    pub now: DateTime<Utc>,
    /// How old a fresh entry may be (exclusive).
    pub ttl: TimeDelta,
}

impl LookupScope {
    /// Entries fresh at `now` under `ttl`.
    pub fn new(now: DateTime<Utc>, ttl: TimeDelta) -> LookupScope {
        LookupScope { now, ttl }
    }

    /// The UTC days a fresh entry can be filed under, as (newest, oldest), both inclusive: the
    /// day of `now` back to the day of `now - ttl` (`ttl_days + 1` days; all days back to
    /// [`NaiveDate::MIN`] when `now - ttl` is out of range). For stores that file entries by day
    /// ([`Location::date`]); `oldest > newest` (a negative TTL) is an empty window.
    pub fn days(&self) -> (NaiveDate, NaiveDate) {
        let oldest = self
            .now
            .checked_sub_signed(self.ttl)
            .map_or(NaiveDate::MIN, |t| t.date_naive());
        (self.now.date_naive(), oldest)
    }
}

/// The raw bytes of an entry and where they were found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// Where the entry was.
    pub location: Location,
    /// The entry, not yet verified. For a file that cannot be a valid entry (a header that does
    /// not parse, a declared length over [`crate::codec::MAX_ENTRY_LEN`], a file longer than it
    /// declares) [`FsStore`] reads only a bounded prefix: enough for [`crate::codec::decode`] to
    /// reject it.
    pub bytes: Vec<u8>,
}

/// Something other than a regular file (a folder, a FIFO, a symbolic link, a device, …) sitting
/// where an entry should be. The store never reads, removes or renames it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Obstruction {
    /// The entry path that is occupied.
    pub path: PathBuf,
    /// What occupies it ("directory", "FIFO", "symbolic link", …).
    pub kind: &'static str,
}

impl fmt::Display for Obstruction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} is a {}, not a cache entry",
            self.path.display(),
            self.kind
        )
    }
}

/// What [`CacheStore::lookup`] found: the entry, if any, and the obstructions met on the way.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lookup {
    /// The entry, as [`CacheStore::get`] returns it.
    pub found: Option<Found>,
    /// Entry paths occupied by something that is not a regular file, in the order they were met.
    pub obstructions: Vec<Obstruction>,
}

/// One entry of a store listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryInfo {
    /// Where the entry is.
    pub location: Location,
    /// Size in bytes.
    pub len: u64,
    /// Whether it is stored as `.bin.gz`.
    pub compressed: bool,
    /// Last modification time, when the store knows it.
    pub modified: Option<DateTime<Utc>>,
    /// Its file, for filesystem stores.
    pub path: Option<PathBuf>,
}

/// The maintenance a store may answer: listing, removing, measuring and pruning entries. The
/// memoizer needs none of them (it only looks up and puts); they are for eviction, statistics
/// and tools. A store answers each through its [`CacheStore`] method, or declines with
/// [`StoreError::Unsupported`] naming the operation — the default of every such method, so a
/// new backend declines whatever it does not implement rather than pretending to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Maintenance {
    /// [`CacheStore::entries`].
    Entries,
    /// [`CacheStore::remove`].
    Remove,
    /// [`CacheStore::usage`].
    Usage,
    /// [`CacheStore::prune`].
    Prune,
}

impl fmt::Display for Maintenance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Maintenance::Entries => "list its entries",
            Maintenance::Remove => "remove entries",
            Maintenance::Usage => "measure its usage",
            Maintenance::Prune => "prune expired entries",
        })
    }
}

/// How much a store holds, as [`CacheStore::usage`] reports it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    /// Number of entries.
    pub entries: u64,
    /// Their total size in bytes.
    pub bytes: u64,
}

impl Usage {
    /// The usage of a listing, for stores that answer [`CacheStore::usage`] by listing.
    ///
    /// ```
    /// use cache_core::{CacheStore, Key, Location, MemoryStore, Usage};
    /// let store = MemoryStore::new(false);
    /// store.put(&Location { key: Key::new("f", &()).unwrap(), date: None }, b"12345").unwrap();
    /// assert_eq!(Usage::of_entries(&store.entries().unwrap()), Usage { entries: 1, bytes: 5 });
    /// ```
    pub fn of_entries(entries: &[EntryInfo]) -> Usage {
        Usage {
            entries: entries.len() as u64,
            bytes: entries.iter().map(|e| e.len).sum(),
        }
    }
}

/// What [`CacheStore::prune`] did: each answer says who takes care of expired entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Pruned {
    /// The store removed the entries that can no longer be hits.
    Removed {
        /// Entries removed.
        entries: u64,
        /// Their total size in bytes.
        bytes: u64,
    },
    /// Nothing to do: the backend expires entries by itself (a remote store that sets a
    /// time-to-live on every entry it writes).
    SelfExpiring,
    /// Another component prunes this store, and the store did nothing; run that instead.
    External {
        /// Who (for [`FsStore`]: `"cache-evict"`, which walks the whole cache root).
        by: &'static str,
    },
}

/// The counters of a remote store ([`CacheStore::remote_stats`]), as [`crate::CacheStats::remote`]
/// shows them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct RemoteStats {
    /// Lookups that found an entry (signed as required, not over the bound, of this key).
    pub hits: u64,
    /// Lookups that found nothing.
    pub misses: u64,
    /// Values refused: unsigned or wrongly signed with a key set, over the size bound (read or
    /// write), not an entry, an entry of another key.
    pub rejected: u64,
    /// Operations that failed: no connection, a timeout, a reply that is not the protocol, an
    /// error reply (a full server's `OOM`, …).
    pub errors: u64,
    /// Operations not attempted because the store was skipped after failures (the breaker).
    pub skipped: u64,
    /// Entries written.
    pub writes: u64,
    /// Bytes received in lookups.
    pub bytes_read: u64,
    /// Bytes sent in writes.
    pub bytes_written: u64,
    /// Whether the store is skipped for the rest of the process.
    pub tripped: bool,
}

/// A store failure. The memoizer never passes these on: it logs them and recomputes.
///
/// Non-exhaustive: a remote backend adds failures a filesystem has not. Ask
/// [`StoreError::stops_caching`] rather than matching variants to decide whether to go on.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// An I/O operation on a path failed.
    #[error("cannot {op} {}: {source}", path.display())]
    Io {
        /// What was attempted ("read", "write", "rename", …).
        op: &'static str,
        /// The path concerned.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
    /// The cache root (or one of its marker files) cannot be created: caching should stop.
    #[error("cannot create the cache root {}: {source}", path.display())]
    Root {
        /// The root, or the marker file that failed.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
    /// Every position the entry could go to is occupied by something that is not a regular file;
    /// nothing was written and nothing was removed.
    #[error("no place for the entry: {}; left alone", join(obstructions))]
    Obstructed {
        /// The occupied positions, primary first.
        obstructions: Vec<Obstruction>,
    },
    /// A backend other than the filesystem failed (a remote server, a database).
    #[error("{backend}: {message}")]
    Backend {
        /// Which backend ("redis", …).
        backend: &'static str,
        /// What went wrong, for the log.
        message: String,
        /// Whether the backend is unusable for the rest of the run (unreachable, refused our
        /// credentials), as opposed to one failed operation.
        fatal: bool,
    },
    /// The store does not answer this maintenance operation (see [`Maintenance`]); nothing was
    /// done. Not a failure of the store: caching goes on.
    #[error("this store does not {operation}")]
    Unsupported {
        /// The operation declined.
        operation: Maintenance,
    },
}

impl StoreError {
    /// Whether the store is unusable for the rest of the run, so the memoizer should stop
    /// trying (one warning, then every call computes): a root that cannot be created or is not
    /// ours, or a backend that says so. Any other failure concerns one entry; the next may work.
    ///
    /// ```
    /// use cache_core::StoreError;
    /// let root = StoreError::Root { path: "c".into(), source: std::io::Error::other("refused") };
    /// assert!(root.stops_caching());
    /// let once = StoreError::Io { op: "write", path: "c/x".into(), source: std::io::Error::other("full") };
    /// assert!(!once.stops_caching());
    /// ```
    pub fn stops_caching(&self) -> bool {
        match self {
            StoreError::Root { .. } => true,
            StoreError::Backend { fatal, .. } => *fatal,
            StoreError::Io { .. }
            | StoreError::Obstructed { .. }
            | StoreError::Unsupported { .. } => false,
        }
    }
}

/// The root's own error becomes [`StoreError::Root`] unchanged (path, source, message): the store
/// depends on the root module (`root.rs`), never the other way round.
impl From<RootError> for StoreError {
    fn from(error: RootError) -> StoreError {
        let RootError { path, source } = error;
        StoreError::Root { path, source }
    }
}

fn join(obstructions: &[Obstruction]) -> String {
    obstructions
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// Storage for encoded entries. Implementations must be safe to share between threads; the
/// filesystem store is also safe to share between processes.
///
/// The memoizer needs [`CacheStore::dated`], [`CacheStore::get`] (or [`CacheStore::lookup`])
/// and [`CacheStore::put`]; a backend implements those. The [`Maintenance`] methods
/// ([`CacheStore::entries`], [`CacheStore::remove`], [`CacheStore::usage`],
/// [`CacheStore::prune`]) decline with [`StoreError::Unsupported`] unless the backend answers
/// them.
pub trait CacheStore: Send + Sync + fmt::Debug {
    /// Whether entries are filed by day (`Location::date` is `Some`).
    fn dated(&self) -> bool;

    /// The newest entry for `key` that may be fresh in `scope`, if any; `Ok(None)` is a plain
    /// miss. A dated store looks in the days of [`LookupScope::days`], newest first; an undated
    /// store looks in its single place.
    ///
    /// # Errors
    /// A failure other than "not found".
    fn get(&self, key: &Key, scope: LookupScope) -> Result<Option<Found>, StoreError>;

    /// Like [`CacheStore::get`], also reporting entry paths found occupied by something that is
    /// not a regular file (the filesystem store then looks at a fallback position, see
    /// [`FsStore`]). The default has no obstructions to report.
    ///
    /// # Errors
    /// As [`CacheStore::get`].
    fn lookup(&self, key: &Key, scope: LookupScope) -> Result<Lookup, StoreError> {
        Ok(Lookup {
            found: self.get(key, scope)?,
            obstructions: Vec::new(),
        })
    }

    /// Stores `bytes` at `location`, replacing any entry there. Readers see either the old or the
    /// new bytes, never a mix.
    ///
    /// # Errors
    /// I/O failures, including [`StoreError::Root`] when the store cannot be created at all and
    /// [`StoreError::Obstructed`] when something that is not an entry holds every position.
    fn put(&self, location: &Location, bytes: &[u8]) -> Result<(), StoreError>;

    /// Removes the entry at `location`; `Ok(false)` if there was none. Only entries (regular
    /// files) are ever removed.
    ///
    /// Maintenance ([`Maintenance::Remove`]); the default declines.
    ///
    /// # Errors
    /// I/O failures other than "not found"; [`StoreError::Unsupported`] when the store does not
    /// remove entries.
    fn remove(&self, location: &Location) -> Result<bool, StoreError> {
        let _ = location;
        Err(StoreError::Unsupported {
            operation: Maintenance::Remove,
        })
    }

    /// Every entry of this store (this version namespace, for the filesystem store), in no
    /// particular order. Temp files, markers and foreign files are not entries.
    ///
    /// Maintenance ([`Maintenance::Entries`]); the default declines (a remote store may hold
    /// too many entries to list, or have no way to).
    ///
    /// # Errors
    /// I/O failures while listing; [`StoreError::Unsupported`] when the store does not list.
    fn entries(&self) -> Result<Vec<EntryInfo>, StoreError> {
        Err(StoreError::Unsupported {
            operation: Maintenance::Entries,
        })
    }

    /// How many entries this store holds and their size (for the filesystem store: this version
    /// namespace, as [`CacheStore::entries`] lists it).
    ///
    /// Maintenance ([`Maintenance::Usage`]); the default declines. A store that lists can answer
    /// with [`Usage::of_entries`]; a remote one may have a cheaper count.
    ///
    /// # Errors
    /// As [`CacheStore::entries`]; [`StoreError::Unsupported`] when the store does not measure.
    fn usage(&self) -> Result<Usage, StoreError> {
        Err(StoreError::Unsupported {
            operation: Maintenance::Usage,
        })
    }

    /// Removes the entries that can no longer be fresh in `scope` (created `scope.ttl` or more
    /// before `scope.now`), or says who does ([`Pruned`]).
    ///
    /// Maintenance ([`Maintenance::Prune`]); the default declines.
    ///
    /// ```
    /// use cache_core::{CacheStore, LookupScope, Maintenance, MemoryStore, Pruned, StoreError};
    /// use cache_core::cache_layout::{Layout, LayoutOptions};
    /// use chrono::{TimeDelta, Utc};
    ///
    /// /// A store that answers only what the memoizer needs.
    /// #[derive(Debug)]
    /// struct Minimal;
    /// impl CacheStore for Minimal {
    ///     fn dated(&self) -> bool { false }
    ///     fn get(&self, _: &cache_core::Key, _: LookupScope) -> Result<Option<cache_core::Found>, StoreError> { Ok(None) }
    ///     fn put(&self, _: &cache_core::Location, _: &[u8]) -> Result<(), StoreError> { Ok(()) }
    /// }
    ///
    /// let scope = LookupScope::new(Utc::now(), TimeDelta::days(7));
    /// let declined = Minimal.prune(scope).unwrap_err();
    /// assert!(matches!(declined, StoreError::Unsupported { operation: Maintenance::Prune }));
    /// assert!(!declined.stops_caching());
    ///
    /// // The filesystem store leaves pruning to cache-evict, and says so.
    /// let dir = tempfile::tempdir().unwrap();
    /// let fs = cache_core::FsStore::new(Layout::new(dir.path(), LayoutOptions::default()));
    /// assert_eq!(fs.prune(scope).unwrap(), Pruned::External { by: "cache-evict" });
    ///
    /// // The memory store prunes itself.
    /// assert_eq!(MemoryStore::new(true).prune(scope).unwrap(), Pruned::Removed { entries: 0, bytes: 0 });
    /// ```
    ///
    /// # Errors
    /// Failures while pruning; [`StoreError::Unsupported`] when the store neither prunes nor
    /// names who does.
    fn prune(&self, scope: LookupScope) -> Result<Pruned, StoreError> {
        let _ = scope;
        Err(StoreError::Unsupported {
            operation: Maintenance::Prune,
        })
    }

    /// The counters of the remote store in this store (`RedisStore`, or the remote tier
    /// of a [`TieredStore`]); `None` (the default) for a store with no remote part.
    fn remote_stats(&self) -> Option<RemoteStats> {
        None
    }
}

/// A shared store is a store: callers can keep a handle on what they give a [`crate::Cache`] or
/// a [`TieredStore`].
impl<S: CacheStore + ?Sized> CacheStore for Arc<S> {
    fn dated(&self) -> bool {
        (**self).dated()
    }
    fn get(&self, key: &Key, scope: LookupScope) -> Result<Option<Found>, StoreError> {
        (**self).get(key, scope)
    }
    fn lookup(&self, key: &Key, scope: LookupScope) -> Result<Lookup, StoreError> {
        (**self).lookup(key, scope)
    }
    fn put(&self, location: &Location, bytes: &[u8]) -> Result<(), StoreError> {
        (**self).put(location, bytes)
    }
    fn remove(&self, location: &Location) -> Result<bool, StoreError> {
        (**self).remove(location)
    }
    fn entries(&self) -> Result<Vec<EntryInfo>, StoreError> {
        (**self).entries()
    }
    fn usage(&self) -> Result<Usage, StoreError> {
        (**self).usage()
    }
    fn prune(&self, scope: LookupScope) -> Result<Pruned, StoreError> {
        (**self).prune(scope)
    }
    fn remote_stats(&self) -> Option<RemoteStats> {
        (**self).remote_stats()
    }
}

pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic elsewhere while holding the lock leaves consistent data here (each operation is a
    // single map call or a set insert), so poisoning is not a reason to fail.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
