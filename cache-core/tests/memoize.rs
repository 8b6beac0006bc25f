//! The memoizer over the filesystem store: hits, misses, TTL, versions, layouts, damaged entries,
//! unwritable roots, stray temp files and threads.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use cache_core::cache_layout::{CACHEDIR_TAG, GITIGNORE, Layout, PathKind, TEMP_PREFIX};
use cache_core::{Cache, CacheSettings, Clock, Key, ManualClock, MemoryStore};
use chrono::{DateTime, TimeDelta, TimeZone, Utc};

const VERSION: &str = "0.1.0";

fn noon() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 7, 1, 12, 0, 0).unwrap()
}

fn settings(namespacing: bool, dates: bool, gzip: bool) -> CacheSettings {
    CacheSettings {
        enable_version_namespacing: namespacing,
        enable_date_subfolders: dates,
        gzip,
        ..CacheSettings::default()
    }
}

fn open_at(root: &Path, settings: &CacheSettings, clock: &Arc<ManualClock>) -> Cache {
    Cache::open(settings, Some(root), VERSION).with_clock(clock.clone())
}

/// Every regular file below `dir`.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(listing) = fs::read_dir(&d) else {
            continue;
        };
        for item in listing.flatten() {
            let path = item.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// The entry files (not markers) below `root`.
fn entry_files(root: &Path) -> Vec<PathBuf> {
    let layout = Layout::new(root, Default::default());
    files(root)
        .into_iter()
        .filter(|p| matches!(layout.classify(p), PathKind::Entry(_)))
        .collect()
}

#[test]
fn memoize_misses_then_hits() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(noon()));
    let cache = open_at(dir.path(), &CacheSettings::default(), &clock);
    let calls = AtomicUsize::new(0);
    let compute = |n: u64| {
        cache.memoize("triple", &n, || {
            calls.fetch_add(1, Ordering::SeqCst);
            vec![n; 3]
        })
    };
    assert_eq!(compute(7), vec![7, 7, 7]);
    assert_eq!(compute(7), vec![7, 7, 7]);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    let stats = cache.stats();
    assert_eq!((stats.hits, stats.misses, stats.writes), (1, 1, 1));
    assert!(stats.bytes_written > 0);
    assert_eq!(stats.bytes_read, stats.bytes_written);

    // A second Cache (another process, say) sees the entry.
    let again = open_at(dir.path(), &CacheSettings::default(), &clock);
    assert_eq!(
        again.memoize("triple", &7u64, || vec![0u64; 3]),
        vec![7, 7, 7]
    );
}

#[test]
fn different_arguments_and_names_are_different_entries() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(noon()));
    let cache = open_at(dir.path(), &CacheSettings::default(), &clock);
    assert_eq!(cache.memoize("f", &(1, "a"), || 1u32), 1);
    assert_eq!(cache.memoize("f", &(1, "b"), || 2u32), 2);
    assert_eq!(cache.memoize("g", &(1, "a"), || 3u32), 3);
    assert_eq!(cache.memoize("f", &(1, "a"), || 99u32), 1);
    assert_eq!(cache.memoize("f", &(1, "b"), || 99u32), 2);
    assert_eq!(cache.memoize("g", &(1, "a"), || 99u32), 3);
    assert_eq!(entry_files(dir.path()).len(), 3);
}

#[test]
fn ttl_expiry_through_the_clock() {
    for dates in [true, false] {
        let dir = tempfile::tempdir().unwrap();
        let clock = Arc::new(ManualClock::new(noon()));
        let settings = CacheSettings {
            ttl_days: 2,
            ..settings(true, dates, false)
        };
        let cache = open_at(dir.path(), &settings, &clock);
        assert_eq!(cache.memoize("f", &(), || 1u8), 1);

        // Written two folders ago but inside the TTL: found by the day probe (or the flat file).
        clock.advance(TimeDelta::days(2) - TimeDelta::minutes(1));
        assert_eq!(cache.memoize("f", &(), || 2u8), 1, "dates={dates}");
        assert_eq!(cache.stats().hits, 1);

        // One minute later the header's creation time says it is too old.
        clock.advance(TimeDelta::minutes(1));
        assert_eq!(cache.memoize("f", &(), || 3u8), 3, "dates={dates}");
        assert_eq!(cache.stats().expired, 1, "dates={dates}");
        // The fresh value is stored and served.
        assert_eq!(cache.memoize("f", &(), || 4u8), 3);
    }
}

#[test]
fn an_entry_from_yesterday_is_found_and_stays_where_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2025, 3, 1, 23, 0, 0).unwrap(),
    ));
    let cache = open_at(dir.path(), &CacheSettings::default(), &clock);
    let key = Key::new("f", &()).unwrap();
    cache.put(&key, &"old".to_owned()).unwrap();
    // Across a month boundary: 2025-03-01 → 2025-03-02, and a fresh Cache (no day index yet).
    clock.advance(TimeDelta::hours(2));
    let later = open_at(dir.path(), &CacheSettings::default(), &clock);
    assert_eq!(later.get::<String>(&key).as_deref(), Some("old"));
    let files = entry_files(dir.path());
    assert_eq!(files.len(), 1);
    assert!(
        files[0].to_string_lossy().contains("2025/03/01"),
        "{files:?}"
    );
    // The original cache instance (whose day index was built on day one) finds it too.
    assert_eq!(cache.get::<String>(&key).as_deref(), Some("old"));
}

#[test]
fn the_day_index_sees_folders_created_after_it() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(noon()));
    let reader = open_at(dir.path(), &CacheSettings::default(), &clock);
    let writer = open_at(dir.path(), &CacheSettings::default(), &clock);
    let key = Key::new("f", &()).unwrap();
    assert_eq!(reader.get::<u8>(&key), None); // builds the (empty) index
    writer.put(&key, &5u8).unwrap(); // creates today's folder
    assert_eq!(reader.get::<u8>(&key), Some(5));
    clock.advance(TimeDelta::days(1));
    assert_eq!(reader.get::<u8>(&key), Some(5)); // yesterday's folder, created after the index
}

#[test]
fn versions_are_isolated() {
    let dir = tempfile::tempdir().unwrap();
    let s = CacheSettings::default();
    let old = Cache::open(&s, Some(dir.path()), "0.1.0");
    let new = Cache::open(&s, Some(dir.path()), "0.2.0");
    assert_eq!(old.memoize("f", &(), || 1u8), 1);
    assert_eq!(new.memoize("f", &(), || 2u8), 2);
    assert_eq!(old.memoize("f", &(), || 9u8), 1);
    assert_eq!(new.memoize("f", &(), || 9u8), 2);
    assert!(dir.path().join("0.1.0-f1").is_dir());
    assert!(dir.path().join("0.2.0-f1").is_dir());
    assert_eq!(old.store().unwrap().entries().unwrap().len(), 1);
}

#[test]
fn every_layout_combination_reads_and_writes_where_the_layout_says() {
    let clock = Arc::new(ManualClock::new(noon()));
    for namespacing in [false, true] {
        for dates in [false, true] {
            for gzip in [false, true] {
                let dir = tempfile::tempdir().unwrap();
                let s = settings(namespacing, dates, gzip);
                let cache = open_at(dir.path(), &s, &clock);
                let value: Vec<String> = (0..50).map(|i| format!("tag {i}")).collect();
                assert_eq!(cache.memoize("scan", "root", || value.clone()), value);
                let key = Key::new("scan", "root").unwrap();
                let mut expected = dir.path().to_path_buf();
                if namespacing {
                    expected.push("0.1.0-f1");
                }
                if dates {
                    expected.push("2025/07/01");
                }
                expected.push(format!(
                    "{}{}",
                    key.to_hex(),
                    if gzip { ".bin.gz" } else { ".bin" }
                ));
                let label = format!("namespacing={namespacing} dates={dates} gzip={gzip}");
                assert_eq!(entry_files(dir.path()), vec![expected], "{label}");
                let reopened = open_at(dir.path(), &s, &clock);
                assert_eq!(reopened.get::<Vec<String>>(&key), Some(value), "{label}");
                let listed = reopened.store().unwrap().entries().unwrap();
                assert_eq!(listed.len(), 1, "{label}");
                assert_eq!(listed[0].location.key, key);
                assert_eq!(listed[0].compressed, gzip);
                assert_eq!(listed[0].location.date.is_some(), dates);
            }
        }
    }
}

#[test]
fn flat_layout_is_the_pep_backwards_compatible_one() {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(&settings(false, false, false), Some(dir.path()), VERSION);
    cache.memoize("f", &1u8, || 1u8);
    let key = Key::new("f", &1u8).unwrap();
    assert!(dir.path().join(format!("{}.bin", key.to_hex())).is_file());
}

#[test]
fn root_markers_are_created_on_first_write_only() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("nested/.pycodetags_cache");
    let cache = Cache::open(&CacheSettings::default(), Some(&root), VERSION);
    assert_eq!(cache.get::<u8>(&Key::new("f", &()).unwrap()), None);
    assert!(!root.exists(), "a lookup must not create the root");
    cache.memoize("f", &(), || 1u8);
    let tag = fs::read(root.join(CACHEDIR_TAG)).unwrap();
    assert!(tag.starts_with(b"Signature: 8a477f597d28d172789f06886806bc55"));
    assert_eq!(
        fs::read_to_string(root.join(GITIGNORE))
            .unwrap()
            .lines()
            .last(),
        Some("*")
    );
    // A deleted marker is recreated by the next process; an existing one is left alone.
    fs::remove_file(root.join(GITIGNORE)).unwrap();
    fs::write(
        root.join(CACHEDIR_TAG),
        format!("{}mine\n", cache_core::cache_layout::CACHEDIR_TAG_CONTENT),
    )
    .unwrap();
    Cache::open(&CacheSettings::default(), Some(&root), VERSION).memoize("g", &(), || 2u8);
    assert!(root.join(GITIGNORE).is_file());
    assert!(
        fs::read_to_string(root.join(CACHEDIR_TAG))
            .unwrap()
            .ends_with("mine\n")
    );
}

/// Damages the single entry under `root` with `damage`, then checks a miss, a recompute and a
/// good rewrite.
fn damaged_entry_is_a_miss_then_rewritten(label: &str, gzip: bool, damage: impl Fn(&mut Vec<u8>)) {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(noon()));
    let s = settings(true, true, gzip);
    let cache = open_at(dir.path(), &s, &clock);
    let value: Vec<u32> = (0..200).collect();
    cache.memoize("f", &(), || value.clone());
    let [path] = entry_files(dir.path()).try_into().unwrap();
    let mut bytes = fs::read(&path).unwrap();
    damage(&mut bytes);
    fs::write(&path, &bytes).unwrap();

    let fresh = open_at(dir.path(), &s, &clock);
    let recomputed: Vec<u32> = (1..201).collect();
    assert_eq!(
        fresh.memoize("f", &(), || recomputed.clone()),
        recomputed,
        "{label}"
    );
    let stats = fresh.stats();
    assert_eq!(
        (stats.hits, stats.misses, stats.corrupt, stats.writes),
        (0, 1, 1, 1),
        "{label}"
    );
    // The rewrite replaced the damaged file with a good one.
    assert_eq!(
        open_at(dir.path(), &s, &clock).get::<Vec<u32>>(&Key::new("f", &()).unwrap()),
        Some(recomputed),
        "{label}"
    );
}

#[test]
fn damaged_entries_are_misses_then_rewritten() {
    for gzip in [false, true] {
        damaged_entry_is_a_miss_then_rewritten("truncated to half", gzip, |b| {
            b.truncate(b.len() / 2)
        });
        damaged_entry_is_a_miss_then_rewritten("truncated header", gzip, |b| b.truncate(40));
        damaged_entry_is_a_miss_then_rewritten("empty", gzip, |b| b.clear());
        damaged_entry_is_a_miss_then_rewritten("last byte dropped", gzip, |b| {
            b.pop();
        });
        damaged_entry_is_a_miss_then_rewritten("flipped payload bit", gzip, |b| {
            let i = b.len() - 3;
            b[i] ^= 0x10;
        });
        damaged_entry_is_a_miss_then_rewritten("flipped time bit", gzip, |b| b[13] ^= 0x01);
        damaged_entry_is_a_miss_then_rewritten("zero filled", gzip, |b| b.fill(0));
        damaged_entry_is_a_miss_then_rewritten("wrong magic", gzip, |b| b[0] = b'#');
        damaged_entry_is_a_miss_then_rewritten("future format", gzip, |b| b[8] = 2);
        damaged_entry_is_a_miss_then_rewritten("text file", gzip, |b| {
            *b = b"# TODO: not an entry\n".to_vec();
        });
    }
}

#[test]
fn a_value_of_another_type_under_the_same_key_is_a_miss() {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(&CacheSettings::default(), Some(dir.path()), VERSION);
    let key = Key::new("f", &()).unwrap();
    cache.put(&key, &vec![104u8, 105]).unwrap();
    assert_eq!(cache.get::<String>(&key), None);
    assert_eq!(cache.stats().corrupt, 1);
    assert_eq!(cache.get::<Vec<u8>>(&key), Some(vec![104, 105]));
    // memoize with the new type recomputes and rewrites; then the new type hits.
    assert_eq!(cache.memoize("f", &(), || "hi".to_owned()), "hi");
    assert_eq!(cache.get::<String>(&key).as_deref(), Some("hi"));
    assert_eq!(cache.get::<Vec<u8>>(&key), None);
}

#[test]
fn remove_and_entries_on_both_stores() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(noon()));
    let fs_cache = open_at(dir.path(), &CacheSettings::default(), &clock);
    let memory = Cache::with_store(MemoryStore::new(true), &CacheSettings::default())
        .with_clock(clock.clone());
    for cache in [&fs_cache, &memory] {
        let keep = Key::new("keep", &()).unwrap();
        let drop = Key::new("drop", &()).unwrap();
        cache.put(&keep, &1u8).unwrap();
        clock.advance(TimeDelta::days(1));
        cache.put(&drop, &2u8).unwrap();
        let store = cache.store().unwrap();
        let mut listed = store.entries().unwrap();
        listed.sort_by_key(|e| e.location.date);
        assert_eq!(listed.len(), 2);
        assert_eq!(listed[0].location.key, keep);
        assert_eq!(listed[1].location.date, Some(clock.now().date_naive()));
        assert!(listed.iter().all(|e| e.len > 92));
        assert!(store.remove(&listed[1].location).unwrap());
        assert!(!store.remove(&listed[1].location).unwrap(), "already gone");
        assert_eq!(cache.get::<u8>(&drop), None);
        assert_eq!(cache.get::<u8>(&keep), Some(1));
        assert_eq!(store.entries().unwrap().len(), 1);
        clock.set(noon());
    }
}

#[test]
fn an_enormous_ttl_neither_panics_nor_probes_forever() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(noon()));
    let s = CacheSettings {
        ttl_days: u32::MAX,
        ..CacheSettings::default()
    };
    for cache in [
        open_at(dir.path(), &s, &clock),
        Cache::with_store(MemoryStore::new(true), &s).with_clock(clock.clone()),
    ] {
        assert_eq!(cache.memoize("f", &(), || 1u8), 1);
        clock.advance(TimeDelta::days(3650));
        assert_eq!(cache.memoize("f", &(), || 2u8), 1);
        clock.set(noon());
    }
}

#[test]
fn an_entry_copied_under_another_name_is_a_miss() {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(&settings(false, false, false), Some(dir.path()), VERSION);
    let a = Key::new("f", &1u8).unwrap();
    let b = Key::new("f", &2u8).unwrap();
    cache.put(&a, &1u8).unwrap();
    fs::copy(
        dir.path().join(format!("{a}.bin")),
        dir.path().join(format!("{b}.bin")),
    )
    .unwrap();
    assert_eq!(cache.get::<u8>(&b), None);
    assert_eq!(cache.stats().corrupt, 1);
}

#[test]
fn stray_temp_files_and_foreign_files_are_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(noon()));
    let cache = open_at(dir.path(), &CacheSettings::default(), &clock);
    let key = Key::new("f", &()).unwrap();
    cache.put(&key, &1u8).unwrap();
    let day_dir = entry_files(dir.path())[0].parent().unwrap().to_path_buf();
    // What a crash mid-write leaves behind: a half-written temp file.
    let full = fs::read(day_dir.join(format!("{key}.bin"))).unwrap();
    fs::write(
        day_dir.join(format!("{TEMP_PREFIX}crashed")),
        &full[..full.len() / 2],
    )
    .unwrap();
    fs::write(day_dir.join("notes.txt"), "hello").unwrap();
    let reopened = open_at(dir.path(), &CacheSettings::default(), &clock);
    assert_eq!(reopened.get::<u8>(&key), Some(1));
    assert_eq!(reopened.store().unwrap().entries().unwrap().len(), 1);
    reopened.put(&Key::new("g", &()).unwrap(), &2u8).unwrap();
    assert_eq!(reopened.store().unwrap().entries().unwrap().len(), 2);
}

#[test]
fn a_file_where_the_root_should_be_turns_caching_off_and_work_goes_on() {
    // Tests may run as root, where a read-only folder is still writable: a regular file in the
    // root's place makes the root uncreatable for every user.
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("cache");
    fs::write(&root, "not a folder").unwrap();
    let cache = Cache::open(&CacheSettings::default(), Some(&root), VERSION);
    assert!(cache.is_enabled());
    assert_eq!(cache.memoize("f", &1u8, || 10u8), 10);
    assert!(!cache.is_enabled(), "the failed root switches caching off");
    assert_eq!(cache.memoize("f", &1u8, || 11u8), 11);
    assert_eq!(cache.memoize("f", &2u8, || 12u8), 12);
    let stats = cache.stats();
    assert_eq!((stats.write_errors, stats.writes, stats.hits), (1, 0, 0));
    assert_eq!(fs::read_to_string(&root).unwrap(), "not a folder");
}

#[test]
fn an_unwritable_namespace_counts_write_errors_and_work_goes_on() {
    // The root is fine but the version folder is a file: every write fails, lookups miss.
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join(CACHEDIR_TAG),
        cache_core::cache_layout::CACHEDIR_TAG_CONTENT,
    )
    .unwrap();
    fs::write(dir.path().join("0.1.0-f1"), "in the way").unwrap();
    let cache = Cache::open(&CacheSettings::default(), Some(dir.path()), VERSION);
    for i in 0..3u8 {
        assert_eq!(cache.memoize("f", &i, || i * 2), i * 2);
    }
    let stats = cache.stats();
    assert_eq!(
        (stats.write_errors, stats.misses, stats.read_errors),
        (3, 3, 0)
    );
}

#[test]
fn a_read_only_folder_is_handled_when_permissions_apply() {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("ro");
        fs::create_dir(&root).unwrap();
        fs::set_permissions(&root, fs::Permissions::from_mode(0o555)).unwrap();
        if fs::write(root.join("probe"), "x").is_ok() {
            println!(
                "skipped: running as root, where chmod does not stop writes (see the file-in-the-way tests)"
            );
            let _ = fs::set_permissions(&root, fs::Permissions::from_mode(0o755));
            return;
        }
        let cache = Cache::open(&CacheSettings::default(), Some(&root), VERSION);
        assert_eq!(cache.memoize("f", &(), || 1u8), 1);
        assert_eq!(cache.memoize("f", &(), || 2u8), 2);
        assert!(!cache.is_enabled());
        assert_eq!(cache.stats().write_errors, 1);
        fs::set_permissions(&root, fs::Permissions::from_mode(0o755)).unwrap();
    }
}

#[test]
fn no_root_or_disabled_settings_always_compute() {
    let no_root = Cache::open(&CacheSettings::default(), None, VERSION);
    assert!(!no_root.is_enabled());
    let dir = tempfile::tempdir().unwrap();
    let off = Cache::open(
        &CacheSettings {
            enabled: false,
            ..CacheSettings::default()
        },
        Some(dir.path()),
        VERSION,
    );
    for cache in [&no_root, &off] {
        assert_eq!(cache.memoize("f", &(), || 1u8), 1);
        assert_eq!(cache.memoize("f", &(), || 2u8), 2);
        assert_eq!(cache.stats(), Default::default());
        assert!(cache.put(&Key::new("f", &()).unwrap(), &1u8).is_err());
    }
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn try_memoize_stores_only_successes() {
    let cache = Cache::with_store(MemoryStore::new(true), &CacheSettings::default());
    let failed: Result<u8, &str> = cache.try_memoize("f", &(), || Err("boom"));
    assert_eq!(failed, Err("boom"));
    assert_eq!(cache.try_memoize("f", &(), || Ok::<u8, &str>(4)), Ok(4));
    assert_eq!(
        cache.try_memoize("f", &(), || Err::<u8, &str>("not called")),
        Ok(4)
    );
}

#[test]
fn memory_store_follows_the_same_ttl_rules() {
    let clock = Arc::new(ManualClock::new(noon()));
    let s = CacheSettings {
        ttl_days: 1,
        ..CacheSettings::default()
    };
    let cache = Cache::with_store(MemoryStore::new(true), &s).with_clock(clock.clone());
    assert_eq!(cache.memoize("f", &(), || 1u8), 1);
    clock.advance(TimeDelta::hours(23));
    assert_eq!(cache.memoize("f", &(), || 2u8), 1);
    clock.advance(TimeDelta::hours(1));
    assert_eq!(cache.memoize("f", &(), || 3u8), 3);
}

#[test]
fn threads_writing_one_key_and_many_keys() {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(&CacheSettings::default(), Some(dir.path()), VERSION);
    let shared = Key::new("shared", &()).unwrap();
    std::thread::scope(|scope| {
        for t in 0..4u32 {
            let cache = &cache;
            scope.spawn(move || {
                for i in 0..50u32 {
                    let value: Vec<u32> = vec![t; 2000];
                    cache.put(&shared, &value).unwrap();
                    if let Some(seen) = cache.get::<Vec<u32>>(&shared) {
                        assert_eq!(seen.len(), 2000);
                        assert!(seen.iter().all(|v| *v == seen[0]), "a mixed entry");
                    }
                    let own = cache.memoize("own", &(t, i), || vec![t, i]);
                    assert_eq!(own, vec![t, i]);
                }
            });
        }
    });
    let stats = cache.stats();
    assert_eq!((stats.corrupt, stats.write_errors), (0, 0));
    assert_eq!(cache.store().unwrap().entries().unwrap().len(), 1 + 4 * 50);
    let leftovers: Vec<_> = files(dir.path())
        .into_iter()
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(TEMP_PREFIX)
        })
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}
