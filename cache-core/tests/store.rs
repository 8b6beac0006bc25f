//! The `CacheStore` contract, run against both stores of this crate and a minimal backend: what
//! a lookup scope lets a store return, and which maintenance each store answers or declines.

use std::sync::Arc;

use cache_core::cache_layout::{CACHEDIR_TAG_CONTENT, Layout, LayoutOptions};
use cache_core::{
    Cache, CacheSettings, CacheStore, Found, FsStore, Key, Location, LookupScope, Maintenance,
    ManualClock, MemoryStore, Pruned, StoreError, Usage, codec,
};
use chrono::{DateTime, NaiveDate, TimeDelta, TimeZone, Utc};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 7, 10, 8, 0, 0).unwrap()
}

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 7, d).unwrap()
}

/// A store under test, named for the failure messages.
type Named = (&'static str, Box<dyn CacheStore>);

/// Both stores, dated or not, each in its own folder (kept alive by the returned guard).
fn stores(dated: bool) -> (tempfile::TempDir, Vec<Named>) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("CACHEDIR.TAG"), CACHEDIR_TAG_CONTENT).unwrap();
    let options = LayoutOptions {
        version: Some("0.1.0-f1".into()),
        date_subfolders: dated,
        gzip: false,
    };
    let fs = FsStore::new(Layout::new(dir.path(), options));
    let stores: Vec<Named> = vec![
        ("memory", Box::new(MemoryStore::new(dated))),
        ("fs", Box::new(fs)),
    ];
    (dir, stores)
}

fn put(store: &dyn CacheStore, key: Key, date: NaiveDate, bytes: &[u8]) {
    store
        .put(
            &Location {
                key,
                date: Some(date),
            },
            bytes,
        )
        .unwrap();
}

#[test]
fn a_dated_store_looks_in_the_days_of_the_scope_newest_first() {
    let key = Key::new("f", &1u8).unwrap();
    let (_dir, stores) = stores(true);
    for (name, store) in &stores {
        let store = store.as_ref();
        // Two days back from 2025-07-10 08:00 is 2025-07-08 08:00: the 8th, 9th and 10th.
        let scope = LookupScope::new(now(), TimeDelta::days(2));
        put(store, key, day(7), b"too old");
        assert_eq!(store.get(&key, scope).unwrap(), None, "{name}");

        put(store, key, day(8), b"oldest day");
        let found = store.get(&key, scope).unwrap().unwrap();
        assert_eq!(found.bytes, b"oldest day", "{name}");
        assert_eq!(found.location.date, Some(day(8)), "{name}");

        put(store, key, day(9), b"newer");
        let found = store.lookup(&key, scope).unwrap().found.unwrap();
        assert_eq!(found.bytes, b"newer", "{name}");

        // A wider scope reaches the older day; a negative TTL reaches nothing.
        let wide = LookupScope::new(now(), TimeDelta::days(30));
        assert_eq!(
            wide.days(),
            (day(10), NaiveDate::from_ymd_opt(2025, 6, 10).unwrap())
        );
        assert_eq!(store.get(&key, wide).unwrap().unwrap().bytes, b"newer");
        let never = LookupScope::new(now(), TimeDelta::days(-1));
        assert_eq!(store.get(&key, never).unwrap(), None, "{name}");
    }
}

#[test]
fn an_undated_store_ignores_the_days_of_the_scope() {
    let key = Key::new("f", &2u8).unwrap();
    let (_dir, stores) = stores(false);
    for (name, store) in &stores {
        let store = store.as_ref();
        put(store, key, day(1), b"written long ago");
        // The age check is the memoizer's (against the entry's header), not the store's.
        let scope = LookupScope::new(now(), TimeDelta::days(2));
        let found = store.get(&key, scope).unwrap().unwrap();
        assert_eq!(found.bytes, b"written long ago", "{name}");
        assert_eq!(found.location.date, None, "{name}");
    }
}

/// A backend that implements only what the memoizer needs, as a new remote store would start.
#[derive(Debug, Default)]
struct Minimal {
    entries: std::sync::Mutex<std::collections::HashMap<Key, Vec<u8>>>,
}

impl CacheStore for Minimal {
    fn dated(&self) -> bool {
        false
    }

    fn get(&self, key: &Key, _scope: LookupScope) -> Result<Option<Found>, StoreError> {
        let entries = self.entries.lock().unwrap();
        Ok(entries.get(key).map(|bytes| Found {
            location: Location {
                key: *key,
                date: None,
            },
            bytes: bytes.clone(),
        }))
    }

    fn put(&self, location: &Location, bytes: &[u8]) -> Result<(), StoreError> {
        let mut entries = self.entries.lock().unwrap();
        entries.insert(location.key, bytes.to_vec());
        Ok(())
    }
}

fn entry(key: &Key, created: DateTime<Utc>) -> Vec<u8> {
    codec::encode(key, &"value".to_owned(), created, false).unwrap()
}

#[test]
fn a_store_declines_the_maintenance_it_does_not_implement() {
    let store = Minimal::default();
    let key = Key::new("f", &3u8).unwrap();
    let location = Location { key, date: None };
    let scope = LookupScope::new(now(), TimeDelta::days(7));
    let declined = [
        (store.entries().map(drop), Maintenance::Entries),
        (store.remove(&location).map(drop), Maintenance::Remove),
        (store.usage().map(drop), Maintenance::Usage),
        (store.prune(scope).map(drop), Maintenance::Prune),
    ];
    for (result, expected) in declined {
        let error = result.unwrap_err();
        assert!(
            matches!(error, StoreError::Unsupported { operation } if operation == expected),
            "{error:?}"
        );
        assert!(!error.stops_caching(), "{error}");
        assert!(
            error.to_string().starts_with("this store does not "),
            "{error}"
        );
    }
    // The memoizer needs none of it.
    let cache = Cache::with_store(store, &CacheSettings::default())
        .with_clock(Arc::new(ManualClock::new(now())));
    assert_eq!(cache.memoize("f", &3u8, || 9), 9);
    assert_eq!(cache.memoize::<_, i32, _>("f", &3u8, || unreachable!()), 9);
    assert_eq!(cache.stats().hits, 1);
}

#[test]
fn the_memory_store_answers_all_maintenance() {
    let store = MemoryStore::new(true);
    let ttl = TimeDelta::days(7);
    let (fresh, old, corrupt) = (
        Key::new("f", &"fresh").unwrap(),
        Key::new("f", &"old").unwrap(),
        Key::new("f", &"corrupt").unwrap(),
    );
    let fresh_bytes = entry(&fresh, now() - TimeDelta::days(1));
    let old_bytes = entry(&old, now() - ttl);
    put(&store, fresh, day(9), &fresh_bytes);
    put(&store, old, day(3), &old_bytes);
    put(&store, corrupt, day(9), b"not an entry");

    let total = (fresh_bytes.len() + old_bytes.len() + b"not an entry".len()) as u64;
    assert_eq!(
        store.usage().unwrap(),
        Usage {
            entries: 3,
            bytes: total
        }
    );
    assert_eq!(
        store.usage().unwrap(),
        Usage::of_entries(&store.entries().unwrap())
    );

    // Exactly at the TTL is expired, as for the memoizer; an entry that does not verify can
    // never be a hit.
    let pruned = store.prune(LookupScope::new(now(), ttl)).unwrap();
    assert_eq!(
        pruned,
        Pruned::Removed {
            entries: 2,
            bytes: (old_bytes.len() + b"not an entry".len()) as u64
        }
    );
    let left = store.entries().unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].location.key, fresh);
    assert!(store.remove(&left[0].location).unwrap());
    assert_eq!(store.usage().unwrap(), Usage::default());
}

#[test]
fn the_filesystem_store_measures_its_namespace_and_leaves_pruning_to_cache_evict() {
    let (dir, stores) = stores(true);
    let (_, store) = stores.into_iter().find(|(name, _)| *name == "fs").unwrap();
    let key = Key::new("f", &4u8).unwrap();
    let old_bytes = entry(&key, now() - TimeDelta::days(30));
    put(store.as_ref(), key, day(1), &old_bytes);
    put(
        store.as_ref(),
        Key::new("f", &5u8).unwrap(),
        day(9),
        b"12345",
    );
    // Another version's entry is not this store's.
    let other = dir.path().join("0.0.9-f1/2025/07/09");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::write(other.join(format!("{}.bin", "ab".repeat(32))), b"other").unwrap();

    let usage = store.usage().unwrap();
    assert_eq!(
        usage,
        Usage {
            entries: 2,
            bytes: old_bytes.len() as u64 + 5
        }
    );
    assert_eq!(usage, Usage::of_entries(&store.entries().unwrap()));

    let scope = LookupScope::new(now(), TimeDelta::days(7));
    assert_eq!(
        store.prune(scope).unwrap(),
        Pruned::External { by: "cache-evict" }
    );
    assert_eq!(store.usage().unwrap(), usage, "pruning is not this store's");
}
