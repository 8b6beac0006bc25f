//! Cache latency in a filesystem cache of 10,000 entries spread over the 8 day folders of the
//! default 7-day TTL window: hits (1 KiB and 64 KiB values, plain and gzip), misses (day probe)
//! and puts.
//!
//! `cargo bench -p cache-core --bench cache -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use cache_core::{Cache, CacheSettings, Key, ManualClock};
use chrono::{TimeDelta, TimeZone, Utc};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

const ENTRIES: u64 = 10_000;
const DAYS: i64 = 8;

/// A value shaped like cached scan results: tag-like strings, about `bytes` when encoded.
fn value(bytes: usize, seed: u64) -> Vec<String> {
    let mut out = Vec::new();
    let mut total = 0;
    let mut i = seed;
    while total < bytes {
        let line =
            format!("TODO: fix the retry loop in module_{i} <jdoe 2025-07-01 priority=high>");
        total += line.len() + 1;
        out.push(line);
        i += 1;
    }
    out
}

fn settings(gzip: bool) -> CacheSettings {
    CacheSettings {
        gzip,
        ..CacheSettings::default()
    }
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let today = Utc.with_ymd_and_hms(2025, 7, 8, 12, 0, 0).unwrap();
    let clock = Arc::new(ManualClock::new(today));

    // Fill: 10,000 plain 1 KiB entries over 8 day folders (oldest first), plus the probe targets.
    for gzip in [false, true] {
        let cache =
            Cache::open(&settings(gzip), Some(dir.path()), "0.1.0").with_clock(clock.clone());
        for day in (0..DAYS).rev() {
            clock.set(today - TimeDelta::days(day));
            let per_day = if gzip { 10 } else { ENTRIES / DAYS as u64 };
            for i in 0..per_day {
                let key = Key::new("fill", &(day, i)).unwrap();
                cache.put(&key, &value(1024, i)).unwrap();
            }
        }
        // Just inside the TTL, in the oldest folder a lookup probes.
        clock.set(today - TimeDelta::days(DAYS - 1) + TimeDelta::hours(1));
        for size in [1024, 64 * 1024] {
            cache
                .put(&Key::new("oldest", &size).unwrap(), &value(size, 1))
                .unwrap();
        }
        clock.set(today);
        for size in [1024, 64 * 1024] {
            cache
                .put(&Key::new("today", &size).unwrap(), &value(size, 1))
                .unwrap();
        }
    }

    let mut group = c.benchmark_group("cache");
    for gzip in [false, true] {
        let label = if gzip { "gzip" } else { "plain" };
        let cache =
            Cache::open(&settings(gzip), Some(dir.path()), "0.1.0").with_clock(clock.clone());
        for size in [1024usize, 64 * 1024] {
            let kib = size / 1024;
            group.throughput(Throughput::Bytes(size as u64));
            let key = Key::new("today", &size).unwrap();
            assert!(cache.get::<Vec<String>>(&key).is_some(), "entry present");
            group.bench_function(
                BenchmarkId::new(format!("hit_today/{label}"), format!("{kib}KiB")),
                |b| b.iter(|| black_box(cache.get::<Vec<String>>(black_box(&key)))),
            );
            let key = Key::new("oldest", &size).unwrap();
            assert!(cache.get::<Vec<String>>(&key).is_some(), "entry present");
            group.bench_function(
                BenchmarkId::new(format!("hit_oldest_day/{label}"), format!("{kib}KiB")),
                |b| b.iter(|| black_box(cache.get::<Vec<String>>(black_box(&key)))),
            );
        }
        group.throughput(Throughput::Elements(1));
        let absent = Key::new("absent", &()).unwrap();
        group.bench_function(
            BenchmarkId::new(format!("miss_8_days/{label}"), "probe"),
            |b| b.iter(|| black_box(cache.get::<Vec<String>>(black_box(&absent)))),
        );
        let counter = AtomicU64::new(0);
        let one_kib = value(1024, 7);
        group.throughput(Throughput::Bytes(1024));
        group.bench_function(BenchmarkId::new(format!("put_new/{label}"), "1KiB"), |b| {
            b.iter(|| {
                let n = counter.fetch_add(1, Ordering::Relaxed);
                let key = Key::new("put", &(gzip, n)).unwrap();
                cache.put(&key, &one_kib).unwrap();
            })
        });
        let same = Key::new("overwrite", &gzip).unwrap();
        group.bench_function(
            BenchmarkId::new(format!("put_overwrite/{label}"), "1KiB"),
            |b| b.iter(|| cache.put(&same, &one_kib).unwrap()),
        );
        let stats = cache.stats();
        assert_eq!((stats.corrupt, stats.write_errors), (0, 0));
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
