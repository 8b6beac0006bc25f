//! Two stores as one: a local store first, a remote (shared) one second.

use chrono::{DateTime, Utc};

use super::{
    CacheStore, EntryInfo, Found, Location, Lookup, LookupScope, Pruned, RemoteStats, StoreError,
    Usage,
};
use crate::Key;
use crate::codec::{self, HEADER_LEN};

/// A local store (the filesystem) in front of a remote one (`RedisStore`), as ccache
/// and sccache layer theirs:
///
/// * **lookups** ask the local store first; when it has no entry that may be fresh, the remote
///   one. A remote entry that verifies (checksum, key) and is fresh is **written back** locally
///   (with its original creation time, so its age is kept), and the next lookup is local.
/// * **writes** go to both, the remote one only when not `remote_read_only` (recommended for
///   untrusted pull requests: they can read the fleet's entries but never plant any).
/// * the remote one **never fails a call**: its errors are left to it to count and log
///   ([`CacheStore::remote_stats`]), and the local answer stands. A local failure is the
///   caller's, as with the local store alone.
/// * **maintenance** (listing, removing, usage, pruning) is the local store's; the remote
///   expires entries itself.
///
/// ```
/// use cache_core::{Cache, CacheSettings, CacheStore, MemoryStore, TieredStore};
/// let settings = CacheSettings::default();
/// // Another machine filled the shared store.
/// let shared = std::sync::Arc::new(MemoryStore::new(false));
/// let other = Cache::with_store(TieredStore::new(MemoryStore::new(true), shared.clone(), false), &settings);
/// assert_eq!(other.memoize("square", &12u64, || 144u64), 144);
///
/// // This one has an empty local store: a hit from the shared store, then a local one.
/// let local = std::sync::Arc::new(MemoryStore::new(true));
/// let cache = Cache::with_store(TieredStore::new(local.clone(), shared, false), &settings);
/// assert_eq!(cache.memoize("square", &12u64, || -> u64 { unreachable!() }), 144);
/// assert_eq!(local.entries().unwrap().len(), 1); // written back
/// ```
#[derive(Debug)]
pub struct TieredStore {
    local: Box<dyn CacheStore>,
    remote: Box<dyn CacheStore>,
    remote_read_only: bool,
}

impl TieredStore {
    /// `local` in front of `remote`; with `remote_read_only` nothing is written to `remote`.
    pub fn new(
        local: impl CacheStore + 'static,
        remote: impl CacheStore + 'static,
        remote_read_only: bool,
    ) -> TieredStore {
        TieredStore::from_boxes(Box::new(local), Box::new(remote), remote_read_only)
    }

    /// [`TieredStore::new`] for stores already boxed.
    pub fn from_boxes(
        local: Box<dyn CacheStore>,
        remote: Box<dyn CacheStore>,
        remote_read_only: bool,
    ) -> TieredStore {
        TieredStore {
            local,
            remote,
            remote_read_only,
        }
    }

    /// The local store.
    pub fn local(&self) -> &dyn CacheStore {
        self.local.as_ref()
    }

    /// The remote store.
    pub fn remote(&self) -> &dyn CacheStore {
        self.remote.as_ref()
    }

    /// Whether writes skip the remote store.
    pub fn remote_read_only(&self) -> bool {
        self.remote_read_only
    }

    /// The remote entry for `key`, if it verifies and is fresh, written back locally.
    fn lookup_remote(&self, key: &Key, scope: LookupScope) -> Option<Found> {
        let found = match self.remote.get(key, scope) {
            Ok(found) => found?,
            // The remote store counted and logged it.
            Err(error) => {
                tracing::trace!(%key, %error, "remote lookup failed");
                return None;
            }
        };
        let header = match codec::read_header(&found.bytes) {
            Ok(header) if header.key == *key => header,
            _ => {
                tracing::debug!(%key, "remote entry does not verify: a miss");
                return None;
            }
        };
        if !is_fresh(header.created, scope) {
            tracing::debug!(%key, created = %header.created, "remote entry expired: a miss");
            return None;
        }
        let location = Location {
            key: *key,
            date: Some(header.created.date_naive()),
        };
        if let Err(error) = self.local.put(&location, &found.bytes) {
            tracing::debug!(%key, %error, "remote hit not written back locally");
        }
        Some(Found {
            location,
            bytes: found.bytes,
        })
    }
}

fn is_fresh(created: DateTime<Utc>, scope: LookupScope) -> bool {
    scope.now - created < scope.ttl
}

/// Whether a local entry may be a hit, judged cheaply from its header (structure and age; the
/// checksum is the memoizer's to check): if not, the remote store may have a better one.
fn may_be_hit(bytes: &[u8], scope: LookupScope) -> bool {
    let Ok(total) = codec::entry_len(bytes) else {
        return false;
    };
    if total != bytes.len() as u64 || bytes.len() < HEADER_LEN {
        return false;
    }
    let mut millis = [0u8; 8];
    millis.copy_from_slice(&bytes[12..20]);
    DateTime::<Utc>::from_timestamp_millis(i64::from_le_bytes(millis))
        .is_some_and(|created| is_fresh(created, scope))
}

impl CacheStore for TieredStore {
    fn dated(&self) -> bool {
        self.local.dated()
    }

    fn get(&self, key: &Key, scope: LookupScope) -> Result<Option<Found>, StoreError> {
        Ok(self.lookup(key, scope)?.found)
    }

    fn lookup(&self, key: &Key, scope: LookupScope) -> Result<Lookup, StoreError> {
        let local = self.local.lookup(key, scope);
        if let Ok(Lookup {
            found: Some(found), ..
        }) = &local
            && may_be_hit(&found.bytes, scope)
        {
            return local;
        }
        match self.lookup_remote(key, scope) {
            Some(found) => Ok(Lookup {
                found: Some(found),
                obstructions: local.map(|l| l.obstructions).unwrap_or_default(),
            }),
            // The local answer (a miss, a stale or damaged entry, or its error) stands.
            None => local,
        }
    }

    fn put(&self, location: &Location, bytes: &[u8]) -> Result<(), StoreError> {
        let local = self.local.put(location, bytes);
        if !self.remote_read_only
            && let Err(error) = self.remote.put(location, bytes)
        {
            tracing::trace!(key = %location.key, %error, "remote write failed");
        }
        local
    }

    fn remove(&self, location: &Location) -> Result<bool, StoreError> {
        self.local.remove(location)
    }

    fn entries(&self) -> Result<Vec<EntryInfo>, StoreError> {
        self.local.entries()
    }

    fn usage(&self) -> Result<Usage, StoreError> {
        self.local.usage()
    }

    fn prune(&self, scope: LookupScope) -> Result<Pruned, StoreError> {
        self.local.prune(scope)
    }

    fn remote_stats(&self) -> Option<RemoteStats> {
        self.remote.remote_stats()
    }
}
