//! The `CacheStore` contract, run against both stores of this crate: what a lookup scope lets a
//! store return.

use cache_core::cache_layout::{CACHEDIR_TAG_CONTENT, Layout, LayoutOptions};
use cache_core::{CacheStore, FsStore, Key, Location, LookupScope, MemoryStore};
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
