//! `#[persistent_memoize]` over caches of the test's own (the process-wide default cache is
//! tested from a folder outside any Python project in `plain_rust.rs`): hits, `Result`s, the key
//! arguments, names, TTLs, the entries on disk, and the `Memoized` behind each function.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock};

use cache_core::cache_layout::{Layout, PathKind};
use cache_core::{Cache, CacheSettings, ManualClock, persistent_memoize};
use chrono::{TimeDelta, TimeZone, Utc};
use serde::{Deserialize, Serialize};

/// A cache in its own temporary folder, on a clock the tests move.
struct TestCache {
    dir: tempfile::TempDir,
    clock: Arc<ManualClock>,
    cache: Cache,
}

impl TestCache {
    fn new(settings: CacheSettings) -> TestCache {
        // Statics are never dropped: keep their folders in the target folder, not in /tmp.
        let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
        let clock = Arc::new(ManualClock::new(
            Utc.with_ymd_and_hms(2025, 7, 1, 12, 0, 0).unwrap(),
        ));
        let cache = Cache::open(&settings, Some(&dir.path().join("cache")), "2.0.0")
            .with_clock(clock.clone());
        TestCache { dir, clock, cache }
    }

    fn root(&self) -> PathBuf {
        self.dir.path().join("cache")
    }
}

fn entries(root: &Path) -> Vec<PathBuf> {
    let layout = Layout::new(root, Default::default());
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for item in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = item.path();
            if path.is_dir() {
                stack.push(path);
            } else if matches!(layout.classify(&path), PathKind::Entry(_)) {
                out.push(path.strip_prefix(root).unwrap().to_path_buf());
            }
        }
    }
    out.sort();
    out
}

static PLAIN: LazyLock<TestCache> = LazyLock::new(|| TestCache::new(CacheSettings::default()));
static CALLS: AtomicUsize = AtomicUsize::new(0);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Summary {
    words: Vec<String>,
    longest: usize,
}

#[persistent_memoize(cache = &PLAIN.cache)]
fn summarise(text: &str, limit: usize) -> Summary {
    CALLS.fetch_add(1, Ordering::SeqCst);
    let words: Vec<String> = text
        .split_whitespace()
        .take(limit)
        .map(str::to_owned)
        .collect();
    let longest = words.iter().map(String::len).max().unwrap_or(0);
    Summary { words, longest }
}

#[test]
fn a_value_is_computed_once_then_read_back() {
    let before = CALLS.load(Ordering::SeqCst);
    let first = summarise("the quick brown fox", 3);
    assert_eq!(first.words, ["the", "quick", "brown"]);
    assert_eq!(summarise("the quick brown fox", 3), first);
    assert_eq!(CALLS.load(Ordering::SeqCst) - before, 1);
    // Every argument is part of the key by default.
    assert_eq!(summarise("the quick brown fox", 2).words.len(), 2);
    assert_eq!(CALLS.load(Ordering::SeqCst) - before, 2);
    // On disk, under the version namespace of the crate defining the function and today's
    // folder of the cache's clock.
    let on_disk = entries(&PLAIN.root());
    assert!(
        on_disk.iter().all(|p| p.starts_with("2.0.0-f1/2025/07/01")),
        "{on_disk:?}"
    );
    assert!(on_disk.len() >= 2, "{on_disk:?}");
}

static RESULTS: LazyLock<TestCache> = LazyLock::new(|| TestCache::new(CacheSettings::default()));
static PARSES: AtomicUsize = AtomicUsize::new(0);

#[persistent_memoize(cache = &RESULTS.cache)]
fn parse_port(text: &str) -> Result<u16, String> {
    PARSES.fetch_add(1, Ordering::SeqCst);
    let port: u16 = text.parse().map_err(|e| format!("{text:?}: {e}"))?;
    if port == 0 {
        return Err("port 0".to_owned());
    }
    Ok(port)
}

#[test]
fn only_ok_results_are_stored_and_question_mark_and_return_work() {
    assert_eq!(parse_port("8080"), Ok(8080));
    assert_eq!(parse_port("8080"), Ok(8080));
    assert_eq!(PARSES.load(Ordering::SeqCst), 1);
    assert!(parse_port("x").is_err());
    assert!(parse_port("x").is_err());
    assert_eq!(parse_port("0"), Err("port 0".to_owned()));
    assert_eq!(parse_port("0"), Err("port 0".to_owned()));
    assert_eq!(PARSES.load(Ordering::SeqCst), 5);
    assert_eq!(RESULTS.cache.stats().writes, 1);
}

static KEYED: LazyLock<TestCache> = LazyLock::new(|| TestCache::new(CacheSettings::default()));

#[persistent_memoize(cache = &KEYED.cache, key(n))]
fn square(n: u64, log: &mut Vec<String>) -> u64 {
    log.push(format!("squaring {n}"));
    n * n
}

#[test]
fn arguments_left_out_of_the_key_do_not_make_new_entries() {
    let mut log = Vec::new();
    assert_eq!(square(7, &mut log), 49);
    let mut other_log = vec!["unrelated".to_owned()];
    assert_eq!(square(7, &mut other_log), 49);
    assert_eq!(log, ["squaring 7"]);
    assert_eq!(other_log, ["unrelated"]);
    assert_eq!(square(8, &mut log), 64);
    assert_eq!(KEYED.cache.stats().hits, 1);
}

static NAMED: LazyLock<TestCache> = LazyLock::new(|| TestCache::new(CacheSettings::default()));

#[persistent_memoize(cache = &NAMED.cache, name = "shared::length")]
fn length_a(text: String) -> usize {
    text.len()
}

#[persistent_memoize(cache = &NAMED.cache, name = "shared::length")]
fn length_b(text: String) -> usize {
    text.len() + 1000 // never runs for a text `length_a` has seen: same name, same key
}

#[persistent_memoize(cache = &NAMED.cache)]
fn length_c(text: String) -> usize {
    text.len() + 2000
}

#[test]
fn the_name_decides_which_functions_share_entries() {
    assert_eq!(length_a("abc".to_owned()), 3);
    assert_eq!(length_b("abc".to_owned()), 3);
    assert_eq!(length_c("abc".to_owned()), 2003);
}

static SHORT_LIVED: LazyLock<TestCache> =
    LazyLock::new(|| TestCache::new(CacheSettings::default()));
static TICKS: AtomicUsize = AtomicUsize::new(0);

#[persistent_memoize(cache = &SHORT_LIVED.cache, ttl_seconds = 60)]
fn tick(label: &str) -> usize {
    let _ = label;
    TICKS.fetch_add(1, Ordering::SeqCst)
}

#[persistent_memoize(cache = &SHORT_LIVED.cache, ttl_days = 2)]
fn tock(label: &str) -> String {
    format!("{label}-{}", TICKS.fetch_add(1, Ordering::SeqCst))
}

#[test]
fn each_function_has_its_own_ttl() {
    let clock = &SHORT_LIVED.clock;
    let first = tick("a");
    let tocked = tock("a");
    clock.advance(TimeDelta::seconds(59));
    assert_eq!(tick("a"), first);
    clock.advance(TimeDelta::seconds(2));
    assert_ne!(tick("a"), first, "older than 60 s: computed again");
    // Two days, not the settings' seven.
    assert_eq!(tock("a"), tocked);
    clock.advance(TimeDelta::days(2));
    assert_ne!(tock("a"), tocked);
}

struct Point {
    x: i32,
}

impl Point {
    #[persistent_memoize(cache = &PLAIN.cache, name = "Point::doubled")]
    fn doubled(x: i32) -> i32 {
        Point { x }.x * 2
    }
}

#[test]
fn associated_functions_without_self_work() {
    assert_eq!(Point::doubled(21), 42);
    assert_eq!(Point::doubled(21), 42);
}

/// `#[persistent_memoize]` keeps the function's attributes and documentation, and works with
/// lifetimes, `mut` arguments and early returns.
#[persistent_memoize(cache = &PLAIN.cache)]
#[must_use]
fn first_word<'a>(text: &'a str, mut skip: usize) -> String {
    for word in text.split_whitespace() {
        if skip == 0 {
            return word.to_owned();
        }
        skip -= 1;
    }
    String::new()
}

#[test]
fn lifetimes_mut_arguments_and_early_returns() {
    assert_eq!(first_word("a b c", 1), "b");
    assert_eq!(first_word("a b c", 1), "b");
    assert_eq!(first_word("a b c", 5), "");
}

static OFF: LazyLock<Cache> = LazyLock::new(Cache::disabled);
static OFF_CALLS: AtomicUsize = AtomicUsize::new(0);

#[persistent_memoize(cache = &OFF)]
fn counted(n: u8) -> u8 {
    OFF_CALLS.fetch_add(1, Ordering::SeqCst);
    n
}

#[test]
fn a_disabled_cache_computes_every_time() {
    assert_eq!(counted(1), 1);
    assert_eq!(counted(1), 1);
    assert_eq!(OFF_CALLS.load(Ordering::SeqCst), 2);
}

#[test]
fn the_memoized_behind_a_function_can_be_used_by_hand() {
    use cache_core::memo::Memoized;
    static MANUAL: LazyLock<TestCache> = LazyLock::new(|| TestCache::new(CacheSettings::default()));
    fn manual_cache() -> &'static Cache {
        &MANUAL.cache
    }
    static TWICE: Memoized = Memoized::new("tests::twice", "2.0.0")
        .ttl_seconds(5)
        .with_cache(manual_cache);
    let twice = |n: u32| TWICE.call(TWICE.call_key(&(&n,)), move || n * 2);
    assert_eq!(twice(4), 8);
    assert_eq!(twice(4), 8);
    assert_eq!(TWICE.cache().stats().hits, 1);
    assert_eq!(TWICE.ttl(), Some(TimeDelta::seconds(5)));
    assert_eq!(TWICE.name(), "tests::twice");
}
