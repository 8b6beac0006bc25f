//! The Redis tier against a real `redis-server`.
//!
//! Tests on the shared server need `CODETAGS_TEST_REDIS_URL` (`.ci/run` starts one and sets it)
//! and skip with a note without it; each uses keys under a prefix of its own. Tests that must
//! stop, slow down or fill a server start their own `redis-server` (from PATH; skipped when there
//! is none). Tests of dead or lying servers need neither.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use cache_core::cache_layout::{Layout, LayoutOptions};
use cache_core::sign::{self, ENVELOPE_LEN, SigningKey};
use cache_core::{
    Cache, CacheSettings, CacheStore, FsStore, Key, Location, LookupScope, MAX_ENTRY_LEN,
    ManualClock, MemoryStore, RedisOptions, RedisStore, TieredStore, codec,
};
use chrono::{TimeDelta, Utc};

const URL_VAR: &str = "CODETAGS_TEST_REDIS_URL";
/// Set in the child processes of `several_processes_write_the_same_keys`.
const CHILD_VAR: &str = "CODETAGS_TEST_REDIS_CHILD";

/// The shared test server, or `None` (with a note) when the variable is unset.
fn shared_url(test: &str) -> Option<String> {
    match std::env::var(URL_VAR) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            eprintln!("skipped {test}: needs a redis-server; set {URL_VAR} (.ci/run does)");
            None
        }
    }
}

/// A prefix no other test (nor another run) uses.
fn unique_prefix(test: &str) -> String {
    static SEQ: AtomicU64 = AtomicU64::new(0);
    let nanos = Utc::now().timestamp_nanos_opt().unwrap_or_default();
    format!(
        "codetags-test:{test}:{}:{nanos}:{}",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::Relaxed)
    )
}

/// Generous timeouts for a shared, loaded test machine; tests of timeouts set their own.
fn options(prefix: &str) -> RedisOptions {
    RedisOptions {
        prefix: prefix.to_owned(),
        namespace: Some("t-f1".to_owned()),
        timeout: Duration::from_secs(2),
        ..RedisOptions::default()
    }
}

fn raw(url: &str) -> redis::Connection {
    redis::Client::open(url)
        .and_then(|c| c.get_connection_with_timeout(Duration::from_secs(5)))
        .expect("a raw connection to the test server")
}

fn exists(url: &str, name: &str) -> bool {
    redis::cmd("EXISTS")
        .arg(name)
        .query::<i64>(&mut raw(url))
        .expect("EXISTS")
        == 1
}

fn raw_get(url: &str, name: &str) -> Option<Vec<u8>> {
    redis::cmd("GET")
        .arg(name)
        .query::<Option<Vec<u8>>>(&mut raw(url))
        .expect("GET")
}

fn raw_set(url: &str, name: &str, value: &[u8]) {
    redis::cmd("SET")
        .arg(name)
        .arg(value)
        .query::<()>(&mut raw(url))
        .expect("SET");
}

fn settings() -> CacheSettings {
    CacheSettings::default()
}

fn key(n: u64) -> Key {
    Key::new("redis-test", &n).unwrap()
}

fn scope() -> LookupScope {
    LookupScope::new(Utc::now(), TimeDelta::days(7))
}

fn entry(n: u64, value: &str) -> Vec<u8> {
    codec::encode(&key(n), &value.to_owned(), Utc::now(), false).unwrap()
}

fn location(n: u64) -> Location {
    Location {
        key: key(n),
        date: Some(Utc::now().date_naive()),
    }
}

fn signing_key(secret: &str) -> SigningKey {
    SigningKey::new(secret.as_bytes().to_vec()).unwrap()
}

/// A `redis-server` of this test's own, on a free loopback port, killed when dropped.
struct Server {
    child: Child,
    port: u16,
}

impl Server {
    /// Starts one with `extra` arguments; `None` (with a note) when there is no redis-server.
    fn start(test: &str, extra: &[&str]) -> Option<Server> {
        let port = free_port();
        let spawned = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .args(["--enable-debug-command", "local"])
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let child = match spawned {
            Ok(child) => child,
            Err(error) => {
                eprintln!("skipped {test}: cannot start redis-server ({error}); install it");
                return None;
            }
        };
        let server = Server { child, port };
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let ping = redis::Client::open(server.url())
                .and_then(|c| c.get_connection_with_timeout(Duration::from_millis(200)))
                .and_then(|mut c| redis::cmd("PING").query::<String>(&mut c));
            if ping.is_ok() {
                return Some(server);
            }
            assert!(Instant::now() < deadline, "redis-server did not come up");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A counted computation: how often the cache had to compute.
fn counted(calls: &AtomicU64, value: u64) -> impl FnOnce() -> u64 + '_ {
    move || {
        calls.fetch_add(1, Ordering::Relaxed);
        value * value
    }
}

#[test]
fn a_miss_then_a_hit() {
    let Some(url) = shared_url("a_miss_then_a_hit") else {
        return;
    };
    let store = RedisStore::open(&url, options(&unique_prefix("hit"))).unwrap();
    let cache = Cache::with_store(store, &settings());
    let calls = AtomicU64::new(0);
    assert_eq!(cache.memoize("sq", &12u64, counted(&calls, 12)), 144);
    assert_eq!(cache.memoize("sq", &12u64, counted(&calls, 12)), 144);
    assert_eq!(calls.load(Ordering::Relaxed), 1);
    let stats = cache.stats();
    assert_eq!((stats.hits, stats.misses, stats.writes), (1, 1, 1));
    let remote = stats.remote.expect("a Redis store has remote counters");
    assert_eq!((remote.hits, remote.misses, remote.writes), (1, 1, 1));
    assert_eq!((remote.errors, remote.rejected, remote.skipped), (0, 0, 0));
    assert!(!remote.tripped);
}

#[test]
fn keys_are_prefix_namespace_and_hex_and_values_are_the_entry() {
    let Some(url) = shared_url("keys_are_prefix_namespace_and_hex") else {
        return;
    };
    let prefix = unique_prefix("layout");
    let store = RedisStore::open(&url, options(&prefix)).unwrap();
    store.put(&location(1), &entry(1, "one")).unwrap();
    let name = format!("{prefix}:t-f1:{}", key(1).to_hex());
    assert_eq!(store.redis_key(&key(1)), name);
    assert_eq!(raw_get(&url, &name), Some(entry_bytes_of(&store, 1)));
    let found = store.get(&key(1), scope()).unwrap().unwrap();
    let (value, _) = codec::decode::<String>(&found.bytes, &key(1)).unwrap();
    assert_eq!(value, "one");
    assert_eq!(store.get(&key(2), scope()).unwrap(), None);
}

fn entry_bytes_of(store: &RedisStore, n: u64) -> Vec<u8> {
    store.get(&key(n), scope()).unwrap().unwrap().bytes
}

#[test]
fn entries_expire_on_the_server_after_the_ttl() {
    let Some(url) = shared_url("entries_expire_on_the_server") else {
        return;
    };
    let prefix = unique_prefix("expiry");
    let mut opts = options(&prefix);
    opts.ttl = Duration::from_millis(600);
    let store = RedisStore::open(&url, opts).unwrap();
    store.put(&location(1), &entry(1, "short-lived")).unwrap();
    let name = store.redis_key(&key(1));
    let pttl: i64 = redis::cmd("PTTL").arg(&name).query(&mut raw(&url)).unwrap();
    assert!((1..=600).contains(&pttl), "PTTL {pttl}");
    assert!(store.get(&key(1), scope()).unwrap().is_some());
    std::thread::sleep(Duration::from_millis(900));
    assert_eq!(store.get(&key(1), scope()).unwrap(), None);
    assert!(!exists(&url, &name));

    // The cache's own TTL: an entry the server still holds is a miss once past it.
    let store = RedisStore::open(&url, options(&unique_prefix("expiry-clock"))).unwrap();
    let clock = Arc::new(ManualClock::new(Utc::now()));
    let cache = Cache::with_store(store, &settings()).with_clock(clock.clone());
    cache.put(&key(3), &"old".to_owned()).unwrap();
    assert_eq!(cache.get::<String>(&key(3)).as_deref(), Some("old"));
    clock.advance(TimeDelta::days(7));
    assert_eq!(cache.get::<String>(&key(3)), None);
    assert_eq!(cache.stats().expired, 1);
}

/// Two machines: each with its own local cache, sharing the server.
fn tiered(url: &str, prefix: &str, read_only: bool) -> (Cache, Arc<MemoryStore>) {
    let local = Arc::new(MemoryStore::new(true));
    let remote = RedisStore::open(url, options(prefix)).unwrap();
    let store = TieredStore::new(local.clone(), remote, read_only);
    (Cache::with_store(store, &settings()), local)
}

#[test]
fn a_remote_hit_is_written_back_locally() {
    let Some(url) = shared_url("a_remote_hit_is_written_back_locally") else {
        return;
    };
    let prefix = unique_prefix("write-back");
    let (first, first_local) = tiered(&url, &prefix, false);
    let calls = AtomicU64::new(0);
    assert_eq!(first.memoize("sq", &7u64, counted(&calls, 7)), 49);
    assert_eq!(first_local.entries().unwrap().len(), 1, "written locally");

    let (second, second_local) = tiered(&url, &prefix, false);
    assert!(second_local.entries().unwrap().is_empty());
    assert_eq!(second.memoize("sq", &7u64, counted(&calls, 7)), 49);
    assert_eq!(
        calls.load(Ordering::Relaxed),
        1,
        "the second machine computed"
    );
    assert_eq!(second_local.entries().unwrap().len(), 1, "written back");
    // The next lookup is local: the remote is not asked again.
    assert_eq!(second.memoize("sq", &7u64, counted(&calls, 7)), 49);
    let remote = second.stats().remote.unwrap();
    assert_eq!((remote.hits, remote.misses, remote.writes), (1, 0, 0));
    assert_eq!(second.stats().hits, 2);
}

#[test]
fn a_filesystem_tier_in_front_gets_the_entry_with_its_age() {
    let Some(url) = shared_url("a_filesystem_tier_in_front") else {
        return;
    };
    let prefix = unique_prefix("fs-tier");
    let writer = RedisStore::open(&url, options(&prefix)).unwrap();
    let yesterday = Utc::now() - TimeDelta::days(1);
    let bytes = codec::encode(&key(1), &"from the fleet".to_owned(), yesterday, false).unwrap();
    writer.put(&location(1), &bytes).unwrap();

    let dir = tempfile::tempdir().unwrap();
    let layout = Layout::new(dir.path().join("cache"), LayoutOptions::default());
    let remote = RedisStore::open(&url, options(&prefix)).unwrap();
    let cache = Cache::with_store(
        TieredStore::new(FsStore::new(layout.clone()), remote, false),
        &settings(),
    );
    assert_eq!(
        cache.get::<String>(&key(1)).as_deref(),
        Some("from the fleet")
    );
    // Filed under its creation day, byte for byte: its age goes on counting from then.
    let path = layout.path_for(key(1).as_bytes(), yesterday.date_naive());
    assert_eq!(std::fs::read(&path).unwrap(), bytes, "{}", path.display());
}

#[test]
fn read_only_reads_the_remote_and_never_writes_it() {
    let Some(url) = shared_url("read_only_reads_the_remote") else {
        return;
    };
    let prefix = unique_prefix("read-only");
    let (writer, _) = tiered(&url, &prefix, false);
    writer.put(&key(1), &"shared".to_owned()).unwrap();

    let (reader, local) = tiered(&url, &prefix, true);
    assert_eq!(reader.get::<String>(&key(1)).as_deref(), Some("shared"));
    reader.put(&key(2), &"mine".to_owned()).unwrap();
    assert_eq!(local.entries().unwrap().len(), 2, "both are local");
    let remote = RedisStore::open(&url, options(&prefix)).unwrap();
    assert!(!exists(&url, &remote.redis_key(&key(2))));
    assert_eq!(reader.stats().remote.unwrap().writes, 0);
}

fn signed_options(prefix: &str, secret: Option<&str>) -> RedisOptions {
    RedisOptions {
        signing_key: secret.map(signing_key),
        ..options(prefix)
    }
}

#[test]
fn with_a_key_only_entries_signed_with_it_for_their_own_name_are_read() {
    let Some(url) = shared_url("signing") else {
        return;
    };
    let prefix = unique_prefix("signing");
    let signer = RedisStore::open(&url, signed_options(&prefix, Some("fleet secret"))).unwrap();
    signer.put(&location(1), &entry(1, "signed")).unwrap();
    let name = signer.redis_key(&key(1));
    let stored = raw_get(&url, &name).unwrap();
    assert_eq!(&stored[..8], &sign::ENVELOPE_MAGIC);
    assert_eq!(&stored[ENVELOPE_LEN..], &entry_from(&signer, 1)[..]);

    // Forged: a valid entry (its checksum verifies) with a tag that is not the key's.
    let planted = entry(1, "forged");
    let mut forged_value = stored[..ENVELOPE_LEN].to_vec();
    forged_value.extend_from_slice(&planted);
    assert!(
        codec::read_header(&planted).is_ok(),
        "the checksum is valid"
    );
    raw_set(&url, &name, &forged_value);
    assert_eq!(signer.get(&key(1), scope()).unwrap(), None);

    // Signed with another secret.
    let attacker = sign::seal(&signing_key("guessed"), &name, &planted);
    raw_set(&url, &name, &attacker);
    assert_eq!(signer.get(&key(1), scope()).unwrap(), None);

    // Unsigned.
    raw_set(&url, &name, &planted);
    assert_eq!(signer.get(&key(1), scope()).unwrap(), None);

    // Replayed from another version namespace (same entry key, valid signature for its name).
    let other_ns = RedisStore::open(
        &url,
        RedisOptions {
            namespace: Some("t-f0".to_owned()),
            ..signed_options(&prefix, Some("fleet secret"))
        },
    )
    .unwrap();
    other_ns
        .put(&location(1), &entry(1, "old version"))
        .unwrap();
    let replayed = raw_get(&url, &other_ns.redis_key(&key(1))).unwrap();
    raw_set(&url, &name, &replayed);
    assert_eq!(signer.get(&key(1), scope()).unwrap(), None);

    let stats = signer.remote_stats().unwrap();
    assert_eq!((stats.hits, stats.rejected, stats.errors), (1, 4, 0));

    // The genuine entry again: a hit.
    signer.put(&location(1), &entry(1, "signed")).unwrap();
    let found = signer.get(&key(1), scope()).unwrap().unwrap();
    assert_eq!(
        codec::decode::<String>(&found.bytes, &key(1)).unwrap().0,
        "signed"
    );

    // Without a key nothing is authenticated: signed entries are read (unchecked), as are
    // unsigned ones.
    let keyless = RedisStore::open(&url, signed_options(&prefix, None)).unwrap();
    assert!(keyless.get(&key(1), scope()).unwrap().is_some());
}

fn entry_from(store: &RedisStore, n: u64) -> Vec<u8> {
    store.get(&key(n), scope()).unwrap().unwrap().bytes
}

#[test]
fn garbage_on_the_server_is_a_miss() {
    let Some(url) = shared_url("garbage_on_the_server_is_a_miss") else {
        return;
    };
    let prefix = unique_prefix("garbage");
    let store = RedisStore::open(&url, options(&prefix)).unwrap();
    let cache = Cache::with_store(
        RedisStore::open(&url, options(&prefix)).unwrap(),
        &settings(),
    );
    let name = store.redis_key(&key(1));
    // Not an entry; an entry of another key; a truncated entry; not even a string.
    raw_set(&url, &name, b"# TODO: not an entry");
    assert_eq!(cache.get::<String>(&key(1)), None);
    raw_set(&url, &name, &entry(2, "another key's"));
    assert_eq!(cache.get::<String>(&key(1)), None);
    let good = entry(1, "truncated");
    raw_set(&url, &name, &good[..good.len() - 1]);
    assert_eq!(cache.get::<String>(&key(1)), None);
    let _: () = redis::cmd("DEL").arg(&name).query(&mut raw(&url)).unwrap();
    let _: i64 = redis::cmd("LPUSH")
        .arg(&name)
        .arg("x")
        .query(&mut raw(&url))
        .unwrap();
    assert_eq!(cache.get::<String>(&key(1)), None); // WRONGTYPE: an error reply
    assert_eq!(cache.memoize("sq", &3u64, || 9u64), 9);
    let remote = cache.stats().remote.unwrap();
    assert_eq!(remote.rejected, 3);
    assert_eq!(remote.errors, 1);
    assert_eq!(remote.hits, 0);
}

#[test]
fn values_over_the_bound_are_neither_sent_nor_fetched_whole() {
    let Some(url) = shared_url("values_over_the_bound") else {
        return;
    };
    let prefix = unique_prefix("too-large");
    let bound = 64 << 10;
    let store = RedisStore::open(
        &url,
        RedisOptions {
            max_value_len: bound,
            ..options(&prefix)
        },
    )
    .unwrap();
    let big = codec::encode(&key(1), &vec![7u8; 100 << 10], Utc::now(), false).unwrap();
    let error = store.put(&location(1), &big).unwrap_err();
    assert!(error.to_string().contains("not sent"), "{error}");
    assert!(!error.stops_caching());
    assert!(!exists(&url, &store.redis_key(&key(1))));

    // Planted by someone else: at most the bound and one byte are fetched, and it is a miss.
    raw_set(&url, &store.redis_key(&key(1)), &big);
    assert_eq!(store.get(&key(1), scope()).unwrap(), None);
    let stats = store.remote_stats().unwrap();
    assert_eq!(stats.bytes_read, bound + 1);
    assert_eq!(
        (stats.rejected, stats.errors, stats.bytes_written),
        (2, 0, 0)
    );

    // The default bound is the codec's: an entry over MAX_ENTRY_LEN is refused before sending.
    let store = RedisStore::open(&url, options(&prefix)).unwrap();
    let huge = vec![0u8; MAX_ENTRY_LEN as usize + 1];
    assert!(store.put(&location(2), &huge).is_err());
    assert_eq!(store.remote_stats().unwrap().bytes_written, 0);
}

#[test]
fn cache_open_builds_the_two_tiers_from_the_settings() {
    let Some(url) = shared_url("cache_open_builds_the_two_tiers") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let settings = CacheSettings::load_with_env(
        None,
        &[
            ("PYCODETAGS_CACHE_REMOTE", &url),
            ("PYCODETAGS_CACHE_REMOTE_KEY", "open-test secret"),
        ],
    )
    .unwrap();
    let cache = Cache::open(&settings, Some(&dir.path().join("c")), "9.9.9-test");
    let calls = AtomicU64::new(0);
    let marker = unique_prefix("open");
    assert_eq!(cache.memoize("open", &marker, || 5u64), 5);
    let remote = cache.stats().remote.expect("a remote tier");
    assert_eq!(remote.writes, 1);
    // Another checkout, with an empty local cache, gets it from the server.
    let other = tempfile::tempdir().unwrap();
    let cache = Cache::open(&settings, Some(&other.path().join("c")), "9.9.9-test");
    assert_eq!(
        cache.memoize("open", &marker, || {
            calls.fetch_add(1, Ordering::Relaxed);
            5u64
        }),
        5
    );
    assert_eq!(calls.load(Ordering::Relaxed), 0);
    assert_eq!(cache.stats().remote.unwrap().hits, 1);
    // Signed: the value on the server is an envelope, under the default prefix and the version
    // namespace.
    let name = format!(
        "codetags:9.9.9-test-f1:{}",
        Key::new("open", &marker).unwrap().to_hex()
    );
    assert_eq!(&raw_get(&url, &name).unwrap()[..8], &sign::ENVELOPE_MAGIC);
}

#[test]
fn a_server_killed_mid_run_costs_misses_never_a_failure() {
    let Some(mut server) = Server::start("a_server_killed_mid_run", &[]) else {
        return;
    };
    let local = Arc::new(MemoryStore::new(true));
    let remote = RedisStore::open(&server.url(), options(&unique_prefix("killed"))).unwrap();
    let cache = Cache::with_store(TieredStore::new(local.clone(), remote, false), &settings());
    for n in 0..5u64 {
        assert_eq!(cache.memoize("sq", &n, || n * n), n * n);
    }
    assert_eq!(cache.stats().remote.unwrap().writes, 5);
    server.kill();
    // Old values are local hits; new ones are computed; nothing fails.
    for n in 0..10u64 {
        assert_eq!(cache.memoize("sq", &n, || n * n), n * n);
    }
    let stats = cache.stats();
    assert_eq!(stats.hits, 5);
    assert_eq!(stats.write_errors, 0, "local writes are unaffected");
    assert_eq!(local.entries().unwrap().len(), 10);
    let remote = stats.remote.unwrap();
    assert!(remote.tripped);
    assert!(remote.errors >= 1 && remote.errors <= 3, "{remote:?}");
    // After the breaker opened, the remote is not even tried.
    assert!(remote.skipped >= 8, "{remote:?}");
    assert!(cache.is_enabled());
}

#[test]
fn a_slow_server_cannot_stall_the_run() {
    let Some(server) = Server::start("a_slow_server_cannot_stall_the_run", &[]) else {
        return;
    };
    let url = server.url();
    let store = RedisStore::open(
        &url,
        RedisOptions {
            timeout: Duration::from_millis(200),
            ..options(&unique_prefix("slow"))
        },
    )
    .unwrap();
    store.put(&location(1), &entry(1, "before")).unwrap();
    // The server stops answering anyone for 6 s.
    let sleeper = std::thread::spawn(move || {
        let _ = redis::cmd("DEBUG")
            .arg("SLEEP")
            .arg(6)
            .query::<()>(&mut raw(&url));
    });
    std::thread::sleep(Duration::from_millis(300));
    let cache = Cache::with_store(
        TieredStore::new(MemoryStore::new(true), store, false),
        &settings(),
    );
    let started = Instant::now();
    for n in 0..10u64 {
        assert_eq!(cache.memoize("sq", &n, || n * n), n * n);
    }
    let waited = started.elapsed();
    // A timed-out lookup, then a connection whose handshake times out (the breaker opens at
    // once), then skipped: far less than the server's 6 s.
    assert!(waited < Duration::from_secs(4), "waited {waited:?}");
    let remote = cache.stats().remote.unwrap();
    assert!(remote.tripped, "{remote:?}");
    assert!((1..=3).contains(&remote.errors), "{remote:?}");
    assert!(remote.skipped >= 15, "{remote:?}");
    sleeper.join().unwrap();
}

#[test]
fn a_full_server_refuses_writes_and_the_calls_go_on() {
    let Some(server) = Server::start(
        "a_full_server_refuses_writes",
        &["--maxmemory", "2mb", "--maxmemory-policy", "noeviction"],
    ) else {
        return;
    };
    let store = RedisStore::open(&server.url(), options(&unique_prefix("full"))).unwrap();
    let cache = Cache::with_store(
        TieredStore::new(MemoryStore::new(true), store, false),
        &settings(),
    );
    let big = |n: u64| vec![n as u8; 300 << 10];
    for n in 0..12u64 {
        assert_eq!(cache.memoize("big", &n, || big(n)), big(n));
    }
    let remote = cache.stats().remote.unwrap();
    assert!(remote.writes >= 1, "{remote:?}");
    assert!(remote.errors >= 1, "OOM replies are failures: {remote:?}");
    assert_eq!(cache.stats().write_errors, 0);
    // What was written is still read back right.
    for n in 0..12u64 {
        assert_eq!(cache.memoize("big", &n, || big(n)), big(n));
    }
}

#[test]
fn a_closed_port_is_one_failure_then_skipped() {
    let port = free_port(); // nothing listens there
    let store = RedisStore::open(
        &format!("redis://127.0.0.1:{port}/"),
        options(&unique_prefix("closed")),
    )
    .unwrap();
    let cache = Cache::with_store(
        TieredStore::new(MemoryStore::new(true), store, false),
        &settings(),
    );
    for n in 0..4u64 {
        assert_eq!(cache.memoize("sq", &n, || n * n), n * n);
    }
    let remote = cache.stats().remote.unwrap();
    assert_eq!((remote.errors, remote.skipped), (1, 7), "{remote:?}");
    assert!(remote.tripped);
    assert_eq!(cache.stats().misses, 4);
    assert_eq!(cache.stats().writes, 4);
}

/// A TCP server that answers every request with `reply`, then closes.
fn liar(reply: &'static [u8]) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(16) {
            let Ok(mut stream): std::io::Result<TcpStream> = stream else {
                continue;
            };
            let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let _ = stream.write_all(reply);
        }
    });
    port
}

#[test]
fn a_server_answering_garbage_is_an_error_not_a_wrong_value() {
    for reply in [
        &b"HTTP/1.1 400 Bad Request\r\n\r\n"[..],
        // A bulk string claiming 1 TB, then nothing: no allocation of that size, a failure.
        &b"$1000000000000\r\nabc"[..],
        // An error reply to everything.
        &b"-ERR unknown command\r\n"[..],
    ] {
        let port = liar(reply);
        let store = RedisStore::open(
            &format!("redis://127.0.0.1:{port}/"),
            RedisOptions {
                timeout: Duration::from_millis(300),
                ..options(&unique_prefix("liar"))
            },
        )
        .unwrap();
        let cache = Cache::with_store(
            TieredStore::new(MemoryStore::new(true), store, false),
            &settings(),
        );
        assert_eq!(cache.memoize("sq", &5u64, || 25u64), 25);
        assert_eq!(cache.memoize("sq", &5u64, || 25u64), 25);
        let stats = cache.stats();
        assert_eq!(stats.hits, 1, "the second call is a local hit");
        let remote = stats.remote.unwrap();
        assert_eq!(remote.hits, 0, "{reply:?}: {remote:?}");
        assert!(
            remote.errors + remote.rejected >= 1,
            "{reply:?}: {remote:?}"
        );
    }
}

#[test]
fn several_processes_write_the_same_keys() {
    let Some(url) = shared_url("several_processes_write_the_same_keys") else {
        return;
    };
    let prefix = unique_prefix("processes");
    let exe = std::env::current_exe().unwrap();
    let children: Vec<Child> = (0..4)
        .map(|i| {
            Command::new(&exe)
                .args(["--ignored", "--exact", "child_writes_for_several_processes"])
                .args(["--test-threads", "1", "--nocapture"])
                .env(CHILD_VAR, format!("{prefix}\n{i}"))
                .env(URL_VAR, &url)
                .stdout(Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut child in children {
        assert!(child.wait().unwrap().success(), "a writer failed");
    }
    let cache = Cache::with_store(
        RedisStore::open(&url, options(&prefix)).unwrap(),
        &settings(),
    );
    for n in 0..CHILD_KEYS {
        assert_eq!(cache.get::<Vec<u64>>(&key(n)), Some(value_of(n)), "key {n}");
    }
    assert_eq!(cache.stats().hits, CHILD_KEYS);
}

const CHILD_KEYS: u64 = 40;

/// Every writer writes the same value for a key, so whoever wins, a reader sees it whole.
fn value_of(n: u64) -> Vec<u64> {
    (0..1000 + n).collect()
}

#[test]
#[ignore = "run by several_processes_write_the_same_keys in its child processes"]
fn child_writes_for_several_processes() {
    let spec = std::env::var(CHILD_VAR).expect("run as a child");
    let (prefix, index) = spec.split_once('\n').unwrap();
    let url = std::env::var(URL_VAR).unwrap();
    let cache = Cache::with_store(
        RedisStore::open(&url, options(prefix)).unwrap(),
        &settings(),
    );
    let index: u64 = index.parse().unwrap();
    for round in 0..3 {
        for n in 0..CHILD_KEYS {
            // Each writer in its own order, so they collide on keys.
            let n = (n + index * 7 + round) % CHILD_KEYS;
            cache.put(&key(n), &value_of(n)).unwrap();
            if let Some(seen) = cache.get::<Vec<u64>>(&key(n)) {
                assert_eq!(seen, value_of(n));
            }
        }
    }
    let remote = cache.stats().remote.unwrap();
    assert_eq!(remote.errors, 0, "{remote:?}");
}
