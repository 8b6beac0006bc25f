//! TTL pruning with day folders versus a per-file mtime scan of the same entries in the flat
//! layout: `CODETAGS_PRUNE_ENTRIES` entries (default 100,000) spread evenly over 60 days.
//!
//! Two scenarios, each for both layouts:
//! * `ttl_7d`: a 7-day TTL on a cache left alone for 60 days — 52 of 60 days go (mass removal).
//!   Pruning destroys the fixture, so every timed run gets a freshly built tree (untimed).
//! * `daily_ttl_58d`: the steady state of the once-a-day automatic cleanup — exactly one day
//!   (1/60 of the entries) has expired. Only that day is rebuilt between runs.
//!
//! In both, the entries of the boundary day are newer than the cut-off, so both layouts remove
//! exactly the same files; the difference is only what each must look at to find them.
//!
//! ```sh
//! cargo bench -p cache-evict --bench prune
//! CODETAGS_PRUNE_ENTRIES=10000 cargo bench -p cache-evict --bench prune   # quicker
//! ```

use std::fs;
use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use cache_evict::{EvictOptions, evict_old_caches};
use cache_layout::{CACHEDIR_TAG, CACHEDIR_TAG_CONTENT, Layout, LayoutOptions};
use chrono::{DateTime, NaiveDate, TimeDelta, TimeZone, Utc};
use criterion::{BenchmarkId, Criterion, SamplingMode, criterion_group, criterion_main};
use filetime::FileTime;

const DAYS: u32 = 60;

fn entries() -> u32 {
    std::env::var("CODETAGS_PRUNE_ENTRIES")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(100_000)
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 7, 10, 12, 0, 0).unwrap()
}

fn layout(root: &Path, dated: bool) -> Layout {
    let options = if dated {
        LayoutOptions {
            version: Some("0.1.0-f1".into()),
            date_subfolders: true,
            gzip: false,
        }
    } else {
        LayoutOptions::default()
    };
    Layout::new(root, options)
}

fn key(i: u32) -> [u8; 32] {
    let mut key = [0u8; 32];
    for (chunk, salt) in key.chunks_exact_mut(4).zip(1u32..) {
        chunk.copy_from_slice(&i.wrapping_mul(0x9e37_79b9).wrapping_add(salt).to_le_bytes());
    }
    key[..4].copy_from_slice(&i.to_le_bytes());
    key
}

/// The day entry `i` belongs to (0 = today, 59 = oldest) and its date.
fn age_and_date(i: u32) -> (u32, NaiveDate) {
    let age = i % DAYS;
    (age, now().date_naive() - TimeDelta::days(i64::from(age)))
}

/// Writes the empty entries of the days whose age satisfies `keep`, each modified at 18:00 of its
/// day (so the boundary day, cut at 12:00, keeps all of its entries).
fn write_entries(layout: &Layout, n: u32, keep: impl Fn(u32) -> bool) {
    for age in (0..DAYS).filter(|&a| keep(a)) {
        let date = now().date_naive() - TimeDelta::days(i64::from(age));
        fs::create_dir_all(layout.day_dir(date)).unwrap();
    }
    for i in 0..n {
        let (age, date) = age_and_date(i);
        if !keep(age) {
            continue;
        }
        let path = layout.path_for(&key(i), date);
        fs::File::create(&path).unwrap();
        let evening = date.and_hms_opt(18, 0, 0).unwrap().and_utc();
        filetime::set_file_mtime(&path, FileTime::from_unix_time(evening.timestamp(), 0)).unwrap();
    }
}

fn build(root: &Path, dated: bool, n: u32) -> Layout {
    fs::create_dir_all(root).unwrap();
    fs::write(root.join(CACHEDIR_TAG), CACHEDIR_TAG_CONTENT).unwrap();
    let layout = layout(root, dated);
    write_entries(&layout, n, |_| true);
    layout
}

fn prune(layout: &Layout, ttl_days: i64, expected: u64) -> Duration {
    let start = Instant::now();
    let report = evict_old_caches(layout, TimeDelta::days(ttl_days), &EvictOptions::new(now()));
    let elapsed = start.elapsed();
    let report = black_box(report).unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(
        report.entries_removed, expected,
        "both layouts remove the same entries"
    );
    elapsed
}

fn expected_removed(n: u32, oldest_kept_age: u32) -> u64 {
    (0..n)
        .filter(|&i| age_and_date(i).0 > oldest_kept_age)
        .count() as u64
}

fn bench_prune(c: &mut Criterion) {
    let n = entries();
    let mut group = c.benchmark_group("prune_60_days");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(1))
        .measurement_time(Duration::from_secs(1));

    // 7-day TTL: ages 8..=59 expire (age 7 is the boundary day, kept).
    for (name, dated) in [("day_folders", true), ("flat_mtime_scan", false)] {
        let id = BenchmarkId::new(format!("ttl_7d/{name}"), n);
        group.bench_function(id, |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let dir = tempfile::tempdir().unwrap();
                    let layout = build(&dir.path().join("cache"), dated, n);
                    total += prune(&layout, 7, expected_removed(n, 7));
                }
                total
            });
        });
    }

    // 58-day TTL: only age 59 expires; it is rebuilt between runs.
    for (name, dated) in [("day_folders", true), ("flat_mtime_scan", false)] {
        let dir = tempfile::tempdir().unwrap();
        let layout = build(&dir.path().join("cache"), dated, n);
        let id = BenchmarkId::new(format!("daily_ttl_58d/{name}"), n);
        group.bench_function(id, |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    write_entries(&layout, n, |age| age == DAYS - 1);
                    total += prune(&layout, 58, expected_removed(n, 58));
                }
                total
            });
        });
    }
    group.finish();
}

criterion_group!(benches, bench_prune);
criterion_main!(benches);
