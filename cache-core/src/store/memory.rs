//! The in-memory store.

use std::collections::BTreeMap;
use std::sync::Mutex;

use super::{CacheStore, EntryInfo, Found, Location, LookupScope, StoreError, lock};
use crate::Key;

/// A store in process memory, for tests and for callers that want memoization without disk.
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
}
