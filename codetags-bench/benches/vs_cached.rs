//! cache-core side by side with the `cached` crate (4.x), the memoizer a Rust developer would
//! otherwise pick: a hit, and a miss that computes and stores, for values of 1 KiB and 64 KiB.
//!
//! * filesystem: our `FsStore` (default layout: version namespace, day folders, no gzip, no
//!   fsync) against `cached`'s `RedbCache` (what `#[concurrent_cached(disk = true)]` uses;
//!   formerly the sled-backed `DiskCache`), as it comes (`durable = true`: an fsync per write)
//!   and with `durable(false)`;
//! * Redis (when `CODETAGS_TEST_REDIS_URL` names a server; skipped with a note otherwise): our
//!   `RedisStore` (unsigned, its idle connections reused) against `cached`'s `RedisCache` (an r2d2
//!   pool), on the same server, each under a prefix of its own for the run.
//!
//! Each pair runs back to back, ours first. A hit is what the memoizer does on a hit: build the
//! key from the argument, look it up, decode the value (`Cache::memoize` / `cache_get`). A miss
//! is look up + compute (a clone of a prepared value) + store, with a new argument each time.
//!
//! `cargo bench -p codetags-bench --features vs-cached --bench vs_cached -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use cache_core::{Cache, CacheSettings, RedisOptions, RedisStore};
use cached::{ConcurrentCached, RedbCache, RedisCache};
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main};

const SIZES: [usize; 2] = [1024, 64 * 1024];
const TTL: Duration = Duration::from_secs(7 * 86_400);
/// The argument of the entry every hit reads.
const HIT: u64 = 0;

/// A value shaped like cached scan results: tag-like strings, about `bytes` when encoded
/// (the same values as cache-core's own bench).
fn value(bytes: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut total = 0;
    let mut i = 0;
    while total < bytes {
        let line =
            format!("TODO: fix the retry loop in module_{i} <jdoe 2025-07-01 priority=high>");
        total += line.len() + 1;
        out.push(line);
        i += 1;
    }
    out
}

/// New arguments for the misses, distinct across rows and runs of one process.
fn fresh() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

fn ours(
    group: &mut BenchmarkGroup<'_, WallTime>,
    label: &str,
    cache: &Cache,
    kib: usize,
    data: &[String],
) {
    let name = format!("f{kib}");
    cache.memoize(&name, &HIT, || data.to_vec());
    assert_eq!(
        cache.stats().writes,
        1,
        "{label}: the hit entry was not stored"
    );
    group.bench_function(format!("{label}/hit/{kib}KiB"), |b| {
        b.iter(|| {
            let got: Vec<String> = cache.memoize(&name, black_box(&HIT), || unreachable!("a hit"));
            black_box(got)
        })
    });
    group.bench_function(format!("{label}/miss_compute_put/{kib}KiB"), |b| {
        b.iter(|| {
            let got: Vec<String> = cache.memoize(&name, &fresh(), || data.to_vec());
            black_box(got)
        })
    });
    let stats = cache.stats();
    assert_eq!(stats.write_errors, 0, "{label}: {stats:?}");
}

fn theirs<C>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    label: &str,
    cache: &C,
    kib: usize,
    data: &[String],
) where
    C: ConcurrentCached<String, Vec<String>>,
    C::Error: std::fmt::Debug,
{
    let key = |n: u64| format!("f{kib}:{n}");
    cache.cache_set(key(HIT), data.to_vec()).unwrap();
    group.bench_function(format!("{label}/hit/{kib}KiB"), |b| {
        b.iter(|| {
            black_box(
                cache
                    .cache_get(black_box(&key(HIT)))
                    .unwrap()
                    .expect("a hit"),
            )
        })
    });
    group.bench_function(format!("{label}/miss_compute_put/{kib}KiB"), |b| {
        b.iter(|| {
            // What #[concurrent_cached] does: look up, compute on a miss, store.
            let k = key(fresh());
            let got = match cache.cache_get(&k).unwrap() {
                Some(hit) => hit,
                None => {
                    let computed = data.to_vec();
                    cache.cache_set(k, computed.clone()).unwrap();
                    computed
                }
            };
            black_box(got)
        })
    });
}

fn filesystem(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut group = c.benchmark_group("vs_cached_fs");
    for size in SIZES {
        let kib = size / 1024;
        let data = value(size);
        group.throughput(Throughput::Bytes(size as u64));

        let ours_cache = Cache::open(
            &CacheSettings::default(),
            Some(&dir.path().join(format!("ours-{kib}"))),
            "0.1.0",
        );
        ours(&mut group, "cache-core FsStore", &ours_cache, kib, &data);

        let durable: RedbCache<String, Vec<String>> = RedbCache::builder(format!("durable-{kib}"))
            .disk_dir(dir.path().join("redb"))
            .ttl(TTL)
            .build()
            .expect("RedbCache");
        theirs(
            &mut group,
            "cached RedbCache (default: durable)",
            &durable,
            kib,
            &data,
        );

        let fast: RedbCache<String, Vec<String>> = RedbCache::builder(format!("fast-{kib}"))
            .disk_dir(dir.path().join("redb"))
            .ttl(TTL)
            .durable(false)
            .build()
            .expect("RedbCache");
        theirs(
            &mut group,
            "cached RedbCache (durable = false)",
            &fast,
            kib,
            &data,
        );
    }
    group.finish();
}

/// The Redis rows: our `RedisStore` against `cached`'s `RedisCache`, on the server
/// `CODETAGS_TEST_REDIS_URL` names (skipped with a note without it).
fn redis(c: &mut Criterion) {
    let Some(url) = std::env::var("CODETAGS_TEST_REDIS_URL")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        eprintln!(
            "vs_cached_redis: CODETAGS_TEST_REDIS_URL is not set; the Redis rows are skipped"
        );
        return;
    };
    // Each run writes under its own prefix, so runs never read each other's entries.
    let run = format!("vs-cached-{}-{}", std::process::id(), fresh());
    let mut group = c.benchmark_group("vs_cached_redis");
    for size in SIZES {
        let kib = size / 1024;
        let data = value(size);
        group.throughput(Throughput::Bytes(size as u64));

        let options = RedisOptions {
            prefix: run.clone(),
            ttl: TTL,
            // The bench measures the store, not a loaded server's worst moment.
            timeout: Duration::from_secs(2),
            ..RedisOptions::default()
        };
        let store = RedisStore::open(&url, options).expect("RedisStore");
        let ours_cache = Cache::with_store(store, &CacheSettings::default());
        ours(&mut group, "cache-core RedisStore", &ours_cache, kib, &data);

        let theirs_cache: RedisCache<String, Vec<String>> = RedisCache::builder(run.clone())
            .connection_string(&url)
            .ttl(TTL)
            .build()
            .expect("RedisCache");
        theirs(&mut group, "cached RedisCache", &theirs_cache, kib, &data);
    }
    group.finish();
}

criterion_group!(benches, filesystem, redis);
criterion_main!(benches);
