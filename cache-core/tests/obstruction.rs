//! Things that are not entries where entries should be: FIFOs, links to devices, folders, and
//! files that lie about their length. Lookups must neither hang nor balloon, nothing that is not
//! ours may be touched, and a blocked path must not keep the cache cold.
#![cfg(unix)]

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cache_core::cache_layout::{Layout, TEMP_PREFIX};
use cache_core::{
    Cache, CacheSettings, CacheStats, CacheStore, FsStore, Key, Location, ManualClock, StoreError,
    codec,
};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};

const VERSION: &str = "0.1.0";
/// Long enough for a loaded CI machine, short enough that a hang fails the test quickly.
const TIMEOUT: Duration = Duration::from_secs(20);

fn noon() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 7, 1, 12, 0, 0).unwrap()
}

fn today() -> NaiveDate {
    noon().date_naive()
}

fn settings(namespacing: bool, dates: bool) -> CacheSettings {
    CacheSettings {
        enable_version_namespacing: namespacing,
        enable_date_subfolders: dates,
        ..CacheSettings::default()
    }
}

fn open(root: &Path, settings: &CacheSettings) -> Cache {
    Cache::open(settings, Some(root), VERSION).with_clock(Arc::new(ManualClock::new(noon())))
}

fn key() -> Key {
    Key::new("f", &()).unwrap()
}

/// The primary path of `key()`'s entry written today under `settings`.
fn entry_path(root: &Path, settings: &CacheSettings) -> PathBuf {
    FsStore::new(Layout::new(root, settings.layout_options(VERSION))).path_of(&Location {
        key: key(),
        date: Some(today()),
    })
}

/// Runs `f` on another thread and fails the test if it takes longer than [`TIMEOUT`] (a hang).
fn within_timeout<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(TIMEOUT)
        .unwrap_or_else(|_| panic!("{what} did not return within {TIMEOUT:?}: it hangs"))
}

/// A temp folder that is a codetags cache root (tagged): obstructions planted in an untagged
/// folder would make it foreign, and then it would not be used at all.
fn tagged_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join(cache_core::cache_layout::CACHEDIR_TAG),
        cache_core::cache_layout::CACHEDIR_TAG_CONTENT,
    )
    .unwrap();
    dir
}

fn mkfifo(path: &Path) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success(), "mkfifo {}", path.display());
}

/// The log lines at WARN level a closure produced, with a subscriber for this thread only.
fn warnings_of<T>(f: impl FnOnce() -> T) -> (T, Vec<String>) {
    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);
    impl Write for Buffer {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::WARN)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let out = tracing::subscriber::with_default(subscriber, f);
    let text = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    let warnings = text
        .lines()
        .filter(|l| l.contains("WARN"))
        .map(str::to_owned)
        .collect();
    (out, warnings)
}

#[test]
fn a_fifo_at_an_entry_path_neither_hangs_nor_keeps_the_cache_cold() {
    let dir = tagged_dir();
    let root = dir.path().to_path_buf();
    let s = CacheSettings::default();
    let fifo = entry_path(&root, &s);
    mkfifo(&fifo);

    let (first, second) = within_timeout("a lookup at a FIFO", move || {
        let first = open(&root, &s);
        let a = first.memoize("f", &(), || 1u32);
        let b = first.memoize("f", &(), || 2u32);
        // A new Cache (the next run) finds the entry at the fallback position.
        let second = open(&root, &s);
        let c = second.memoize("f", &(), || 3u32);
        assert_eq!((a, b, c), (1, 1, 1));
        (first.stats(), second.stats())
    });
    assert_eq!(
        (first.misses, first.hits, first.writes, first.obstructed),
        (1, 1, 1, 2)
    );
    assert_eq!(
        (first.corrupt, first.read_errors, first.write_errors),
        (0, 0, 0)
    );
    assert_eq!((second.hits, second.misses, second.obstructed), (1, 0, 1));
    let meta = fs::symlink_metadata(&fifo).unwrap();
    assert!(
        std::os::unix::fs::FileTypeExt::is_fifo(&meta.file_type()),
        "the FIFO is left alone"
    );
}

#[test]
fn a_link_to_an_endless_device_is_not_followed() {
    for target in ["/dev/zero", "/dev/urandom"] {
        if !Path::new(target).exists() {
            println!("skipped {target}: not present");
            continue;
        }
        let dir = tagged_dir();
        let root = dir.path().to_path_buf();
        let s = CacheSettings::default();
        let link = entry_path(&root, &s);
        fs::create_dir_all(link.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(target, &link).unwrap();
        let stats = within_timeout("a lookup at a link to a device", move || {
            let cache = open(&root, &s);
            assert_eq!(cache.memoize("f", &(), || 7u8), 7);
            assert_eq!(cache.memoize("f", &(), || 8u8), 7);
            cache.stats()
        });
        assert_eq!((stats.misses, stats.hits, stats.obstructed), (1, 1, 2));
        assert_eq!(
            stats.bytes_read, stats.bytes_written,
            "only our entry was read"
        );
        assert_eq!(fs::read_link(&link).unwrap(), Path::new(target));
    }
}

#[test]
fn a_folder_at_the_entry_path_uses_the_fallback_in_every_layout() {
    for namespacing in [false, true] {
        for dates in [false, true] {
            let label = format!("namespacing={namespacing} dates={dates}");
            let dir = tagged_dir();
            let s = settings(namespacing, dates);
            let blocked = entry_path(dir.path(), &s);
            fs::create_dir_all(&blocked).unwrap();
            fs::write(blocked.join("user-file.txt"), "mine").unwrap();

            // Run after run, the first lookup misses only once: the entry lives at the fallback.
            let first = open(dir.path(), &s);
            assert_eq!(first.memoize("f", &(), || 10u16), 10, "{label}");
            let stats = first.stats();
            assert_eq!(
                (
                    stats.misses,
                    stats.writes,
                    stats.write_errors,
                    stats.obstructed
                ),
                (1, 1, 0, 1),
                "{label}"
            );
            for _ in 0..2 {
                let next = open(dir.path(), &s);
                assert_eq!(next.memoize("f", &(), || 11u16), 10, "{label}");
                assert_eq!((next.stats().hits, next.stats().misses), (1, 0), "{label}");
            }

            // The fallback is where cache-layout's grammar allows an entry.
            let store = FsStore::new(Layout::new(dir.path(), s.layout_options(VERSION)));
            let listed = store.entries().unwrap();
            assert_eq!(listed.len(), 1, "{label}: {listed:?}");
            let fallback = listed[0].path.clone().unwrap();
            let expected_fallback = store
                .fallback_path_of(&Location {
                    key: key(),
                    date: Some(today()),
                })
                .unwrap();
            assert_eq!(fallback, expected_fallback, "{label}");
            assert!(
                matches!(
                    store.layout().classify(&fallback),
                    cache_core::cache_layout::PathKind::Entry(_)
                ),
                "{label}"
            );
            assert_eq!(listed[0].location.date.is_some(), !dates, "{label}");

            // remove() takes the entry, never the folder.
            assert!(store.remove(&listed[0].location).unwrap(), "{label}");
            assert!(!fallback.exists(), "{label}");
            assert!(!store.remove(&listed[0].location).unwrap(), "{label}");
            assert_eq!(
                fs::read_to_string(blocked.join("user-file.txt")).unwrap(),
                "mine",
                "{label}"
            );
        }
    }
}

#[test]
fn put_never_removes_what_is_not_a_regular_file() {
    let dir = tagged_dir();
    let s = CacheSettings::default();
    let store = FsStore::new(Layout::new(dir.path(), s.layout_options(VERSION)));
    let location = Location {
        key: key(),
        date: Some(today()),
    };
    let primary = store.path_of(&location);
    fs::create_dir_all(primary.parent().unwrap()).unwrap();
    let victim = dir.path().join("precious.txt");
    fs::write(&victim, "keep me").unwrap();
    // A link to a user's file (a "dangling" one too) at the entry path: neither the link nor its
    // target may be removed or overwritten.
    std::os::unix::fs::symlink(&victim, &primary).unwrap();
    store.put(&location, b"first").unwrap();
    store.put(&location, b"second").unwrap();
    assert_eq!(fs::read_link(&primary).unwrap(), victim);
    assert_eq!(fs::read_to_string(&victim).unwrap(), "keep me");
    let fallback = store.fallback_path_of(&location).unwrap();
    assert_eq!(fs::read(&fallback).unwrap(), b"second");

    // Both positions blocked: an error, nothing removed, nothing left behind.
    fs::remove_file(&fallback).unwrap();
    mkfifo(&fallback);
    let error = store.put(&location, b"third").unwrap_err();
    match &error {
        StoreError::Obstructed { obstructions } => {
            assert_eq!(obstructions.len(), 2);
            assert_eq!(obstructions[0].path, primary);
            assert_eq!(obstructions[0].kind, "symbolic link");
            assert_eq!(obstructions[1].kind, "FIFO");
        }
        other => panic!("expected an obstruction, got {other:?}"),
    }
    assert!(error.to_string().contains(&primary.display().to_string()));
    assert_eq!(fs::read_link(&primary).unwrap(), victim);
    assert!(
        fs::symlink_metadata(&fallback)
            .unwrap()
            .file_type()
            .is_fifo_like()
    );
    assert!(no_temp_files(dir.path()));
    // remove() does not take the link or the FIFO either.
    assert!(!store.remove(&location).unwrap());
    assert_eq!(fs::read_link(&primary).unwrap(), victim);
}

trait FifoLike {
    fn is_fifo_like(&self) -> bool;
}

impl FifoLike for fs::FileType {
    fn is_fifo_like(&self) -> bool {
        std::os::unix::fs::FileTypeExt::is_fifo(self)
    }
}

fn no_temp_files(root: &Path) -> bool {
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for item in fs::read_dir(&dir).unwrap().flatten() {
            if item.file_name().to_string_lossy().starts_with(TEMP_PREFIX) {
                return false;
            }
            if item.file_type().unwrap().is_dir() {
                stack.push(item.path());
            }
        }
    }
    true
}

#[test]
fn both_positions_blocked_is_one_warning_and_counted_write_errors() {
    let dir = tagged_dir();
    let s = CacheSettings::default();
    let store = FsStore::new(Layout::new(dir.path(), s.layout_options(VERSION)));
    let location = Location {
        key: key(),
        date: Some(today()),
    };
    fs::create_dir_all(store.path_of(&location)).unwrap();
    fs::create_dir_all(store.fallback_path_of(&location).unwrap()).unwrap();
    let (stats, warnings) = warnings_of(|| {
        let cache = open(dir.path(), &s);
        for i in 0..5u8 {
            assert_eq!(cache.memoize("f", &(), || i), i);
        }
        assert!(cache.is_enabled(), "other keys can still be cached");
        assert_eq!(cache.memoize("g", &(), || 1u8), 1);
        assert_eq!(cache.memoize("g", &(), || 2u8), 1);
        cache.stats()
    });
    assert_eq!(
        (
            stats.misses,
            stats.write_errors,
            stats.obstructed,
            stats.writes
        ),
        (6, 5, 5, 1)
    );
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    assert!(
        warnings[0].contains(&store.path_of(&location).display().to_string()),
        "the warning names the path: {warnings:?}"
    );
    assert!(store.path_of(&location).is_dir());
}

#[test]
fn obstructions_warn_once_per_cache() {
    let dir = tagged_dir();
    let s = CacheSettings::default();
    let store = FsStore::new(Layout::new(dir.path(), s.layout_options(VERSION)));
    for n in 0..3u8 {
        let path = store.path_of(&Location {
            key: Key::new("f", &n).unwrap(),
            date: Some(today()),
        });
        fs::create_dir_all(path).unwrap();
    }
    let (stats, warnings) = warnings_of(|| {
        let cache = open(dir.path(), &s);
        for n in 0..3u8 {
            cache.memoize("f", &n, || n);
            cache.memoize("f", &n, || n);
        }
        cache.stats()
    });
    assert_eq!((stats.hits, stats.obstructed), (3, 6));
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    // A new Cache warns again (once).
    let (_, warnings) = warnings_of(|| open(dir.path(), &s).memoize("f", &0u8, || 0u8));
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
}

/// Writes `bytes` as the entry of `key()` and returns what a fresh cache's lookup counted.
fn lookup_of_planted(bytes_of: impl FnOnce(&Path)) -> CacheStats {
    let dir = tagged_dir();
    let s = CacheSettings::default();
    let path = entry_path(dir.path(), &s);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    bytes_of(&path);
    let root = dir.path().to_path_buf();
    within_timeout("a lookup of a planted file", move || {
        let cache = open(&root, &s);
        assert_eq!(cache.get::<Vec<u8>>(&key()), None);
        let stats = cache.stats();
        drop(dir);
        stats
    })
}

fn valid_entry(len: usize) -> Vec<u8> {
    codec::encode(&key(), &vec![5u8; len], noon(), false).unwrap()
}

#[test]
fn a_file_longer_than_its_header_says_is_corrupt_and_not_read_whole() {
    // 1 GiB of (sparse) trailing bytes after a valid 292-byte entry.
    let entry = valid_entry(200);
    let entry_len = entry.len() as u64;
    let stats = lookup_of_planted(|path| {
        let file = fs::File::create(path).unwrap();
        (&file).write_all(&entry).unwrap();
        file.set_len(1 << 30).unwrap();
    });
    assert_eq!((stats.corrupt, stats.misses), (1, 1));
    assert_eq!(
        stats.bytes_read,
        entry_len + 1,
        "the declared length and one byte more"
    );
}

#[test]
fn a_header_claiming_more_than_the_maximum_is_corrupt_without_reading_on() {
    let mut entry = valid_entry(200);
    let claimed = codec::MAX_ENTRY_LEN; // + the header: one past the limit
    entry[20..28].copy_from_slice(&claimed.to_le_bytes());
    let stats = lookup_of_planted(|path| {
        let file = fs::File::create(path).unwrap();
        (&file).write_all(&entry).unwrap();
        file.set_len(claimed + 92).unwrap();
    });
    assert_eq!((stats.corrupt, stats.misses), (1, 1));
    assert_eq!(
        stats.bytes_read,
        codec::HEADER_LEN as u64,
        "only the header"
    );
    let error = codec::entry_len(&entry).unwrap_err();
    assert!(
        matches!(error, codec::DecodeError::TooLarge { .. }),
        "{error}"
    );
}

#[test]
fn a_huge_file_that_is_not_an_entry_costs_one_header_read() {
    let stats = lookup_of_planted(|path| {
        fs::File::create(path).unwrap().set_len(1 << 30).unwrap();
    });
    assert_eq!(
        (stats.corrupt, stats.bytes_read),
        (1, codec::HEADER_LEN as u64)
    );
}

#[test]
fn truncated_and_exact_entries_still_behave() {
    let entry = valid_entry(5000);
    let half = entry[..entry.len() / 2].to_vec();
    let stats = lookup_of_planted(|path| fs::write(path, &half).unwrap());
    assert_eq!((stats.corrupt, stats.bytes_read), (1, half.len() as u64));
    let dir = tagged_dir();
    let s = CacheSettings::default();
    let path = entry_path(dir.path(), &s);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(&path, &entry).unwrap();
    let cache = open(dir.path(), &s);
    assert_eq!(cache.get::<Vec<u8>>(&key()), Some(vec![5u8; 5000]));
    assert_eq!(cache.stats().bytes_read, entry.len() as u64);
}
