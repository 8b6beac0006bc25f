//! The in-memory store.

use std::collections::BTreeMap;
use std::sync::Mutex;

use super::{CacheStore, EntryInfo, Found, Location, LookupScope, Pruned, StoreError, Usage, lock};
use crate::Key;
use crate::codec;

/// A store in process memory, for tests and for callers that want memoization without disk.
///
/// It answers all maintenance: [`CacheStore::entries`], [`CacheStore::remove`],
/// [`CacheStore::usage`] and [`CacheStore::prune`] (by the creation time in each entry's
/// header).
///
/// ```
/// use cache_core::{CacheStore, Key, Location, LookupScope, MemoryStore};
/// let store = MemoryStore::new(false);
/// let location = Location { key: Key::new("f", &1u8).unwrap(), date: None };
/// store.put(&location, b"bytes").unwrap();
/// let scope = LookupScope::new(chrono::Utc::now(), chrono::TimeDelta::days(7));
/// let found = store.get(&location.key, scope).unwrap().unwrap();
/// assert_eq!(found.bytes, b"bytes");
/// assert_eq!(store.entries().unwrap().len(), 1);
/// ```
#[derive(Debug, Default)]
pub struct MemoryStore {
    dated: bool,
    entries: Mutex<BTreeMap<Location, Vec<u8>>>,
}

impl MemoryStore {
    /// An empty store, filing entries by day when `dated`.
    pub fn new(dated: bool) -> MemoryStore {
        MemoryStore {
            dated,
            entries: Mutex::new(BTreeMap::new()),
        }
    }

    fn normalise(&self, location: &Location) -> Location {
        Location {
            key: location.key,
            date: if self.dated { location.date } else { None },
        }
    }
}

impl CacheStore for MemoryStore {
    fn dated(&self) -> bool {
        self.dated
    }

    fn get(&self, key: &Key, scope: LookupScope) -> Result<Option<Found>, StoreError> {
        let entries = lock(&self.entries);
        let found = if self.dated {
            let (newest, oldest) = scope.days();
            if oldest > newest {
                return Ok(None);
            }
            let from = Location {
                key: *key,
                date: Some(oldest),
            };
            let to = Location {
                key: *key,
                date: Some(newest),
            };
            entries.range(from..=to).next_back()
        } else {
            entries.get_key_value(&Location {
                key: *key,
                date: None,
            })
        };
        Ok(found.map(|(location, bytes)| Found {
            location: *location,
            bytes: bytes.clone(),
        }))
    }

    fn put(&self, location: &Location, bytes: &[u8]) -> Result<(), StoreError> {
        lock(&self.entries).insert(self.normalise(location), bytes.to_vec());
        Ok(())
    }

    fn remove(&self, location: &Location) -> Result<bool, StoreError> {
        Ok(lock(&self.entries)
            .remove(&self.normalise(location))
            .is_some())
    }

    fn entries(&self) -> Result<Vec<EntryInfo>, StoreError> {
        Ok(lock(&self.entries)
            .iter()
            .map(|(location, bytes)| EntryInfo {
                location: *location,
                len: bytes.len() as u64,
                compressed: false,
                modified: None,
                path: None,
            })
            .collect())
    }

    fn usage(&self) -> Result<Usage, StoreError> {
        let entries = lock(&self.entries);
        Ok(Usage {
            entries: entries.len() as u64,
            bytes: entries.values().map(|bytes| bytes.len() as u64).sum(),
        })
    }

    /// Removes every entry that can never be a hit again: past the TTL by the creation time in
    /// its header (the memoizer's own rule, age ≥ TTL), or with a header that does not verify.
    /// Memory has no modification times, so the header is the only age there is.
    fn prune(&self, scope: LookupScope) -> Result<Pruned, StoreError> {
        let (mut removed, mut bytes) = (0, 0);
        lock(&self.entries).retain(|_, entry| {
            let fresh = codec::read_header(entry)
                .is_ok_and(|header| scope.now - header.created < scope.ttl);
            if !fresh {
                removed += 1;
                bytes += entry.len() as u64;
            }
            fresh
        });
        Ok(Pruned::Removed {
            entries: removed,
            bytes,
        })
    }
}
