//! The Redis store: entries on a shared Redis (or Valkey) server, for caches that outgrow one
//! machine (CI runners, a fleet), as sccache and ccache keep theirs.

use std::fmt;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

use super::{CacheStore, Found, Location, LookupScope, Pruned, RemoteStats, StoreError, lock};
use crate::codec::{self, MAX_ENTRY_LEN};
use crate::sign::{self, ENVELOPE_LEN, Opened, SigningKey};
use crate::{CacheSettings, Key};

/// The default prefix of every Redis key: `codetags:{namespace}:{sha256 hex}`.
pub const DEFAULT_PREFIX: &str = "codetags";
/// The namespace of keys when entries are not versioned (`enable_version_namespacing = false`).
pub const UNVERSIONED_NAMESPACE: &str = "any";
/// The default connect, read and write timeout (`remote_timeout_ms`).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_millis(250);
/// Failures after which a [`RedisStore`] is skipped for the rest of the process (a failure to
/// connect at all trips it at once).
pub const DEFAULT_FAILURE_LIMIT: u32 = 3;

/// How a [`RedisStore`] files, signs and bounds entries, and how long it waits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedisOptions {
    /// First part of every key (default [`DEFAULT_PREFIX`]).
    pub prefix: String,
    /// Second part: the version namespace (`{tool}-f{format}`, as the filesystem's version
    /// folder), or `None` for [`UNVERSIONED_NAMESPACE`].
    pub namespace: Option<String>,
    /// Connect, read and write timeout of every operation (default [`DEFAULT_TIMEOUT`]): a slow
    /// server costs at most about this much per call, never a stalled run.
    pub timeout: Duration,
    /// The expiry Redis is told for each entry written (`SET … PX`): the cache's TTL. Readers
    /// still judge freshness by the creation time in the entry's header.
    pub ttl: Duration,
    /// With a key, entries are written in a signed envelope and only entries signed with this
    /// key, for their own Redis key, are read ([`crate::sign`]); unsigned or wrongly signed ones
    /// are misses. Without one, nothing is authenticated.
    pub signing_key: Option<SigningKey>,
    /// The largest value sent or accepted, envelope included (default [`MAX_ENTRY_LEN`] plus the
    /// envelope). A larger value is not written, and a read fetches at most one byte more than
    /// this, so a planted giant costs no more than the bound.
    pub max_value_len: u64,
    /// Failures after which the store is skipped for the rest of the process (default
    /// [`DEFAULT_FAILURE_LIMIT`]).
    pub failure_limit: u32,
}

impl Default for RedisOptions {
    fn default() -> RedisOptions {
        RedisOptions {
            prefix: DEFAULT_PREFIX.to_owned(),
            namespace: None,
            timeout: DEFAULT_TIMEOUT,
            ttl: Duration::from_secs(7 * 24 * 3600),
            signing_key: None,
            max_value_len: MAX_ENTRY_LEN + ENVELOPE_LEN as u64,
            failure_limit: DEFAULT_FAILURE_LIMIT,
        }
    }
}

impl RedisOptions {
    /// The options `settings` mean for `tool_version`: its version namespace, TTL,
    /// `remote_timeout_ms` and `PYCODETAGS_CACHE_REMOTE_KEY`.
    ///
    /// ```
    /// let settings = cache_core::CacheSettings::default();
    /// let options = cache_core::RedisOptions::from_settings(&settings, "0.1.0");
    /// assert_eq!(options.namespace.as_deref(), Some("0.1.0-f1"));
    /// assert_eq!(options.timeout, std::time::Duration::from_millis(250));
    /// ```
    pub fn from_settings(settings: &CacheSettings, tool_version: &str) -> RedisOptions {
        RedisOptions {
            namespace: settings.version_name(tool_version),
            timeout: Duration::from_millis(u64::from(settings.remote_timeout_ms.max(1))),
            ttl: settings.ttl().to_std().unwrap_or(Duration::MAX),
            signing_key: settings.remote_key.clone(),
            ..RedisOptions::default()
        }
    }
}

#[derive(Debug, Default)]
struct Counters {
    hits: AtomicU64,
    misses: AtomicU64,
    rejected: AtomicU64,
    errors: AtomicU64,
    skipped: AtomicU64,
    writes: AtomicU64,
    bytes_read: AtomicU64,
    bytes_written: AtomicU64,
}

fn bump(counter: &AtomicU64, by: u64) {
    counter.fetch_add(by, Ordering::Relaxed);
}

/// A [`CacheStore`] on a Redis server, with the blocking client: one key per entry,
/// `{prefix}:{namespace}:{sha256 hex}`, holding the entry's bytes (in a signed envelope when a
/// [`SigningKey`] is set), expiring after the TTL.
///
/// It never fails a caller for long and never yields a wrong value: every operation has a
/// timeout; a value that is absent, too large, unsigned or wrongly signed, not an entry, or an
/// entry for another key is a miss; after [`RedisOptions::failure_limit`] failures (connection
/// refused, timeouts, protocol garbage, error replies such as a full server's `OOM`), or at once
/// when it cannot connect, the store is skipped for the rest of the process: each call then
/// fails at once with a fatal [`StoreError::Backend`]. The first failure is logged as a warning,
/// the rest at debug level; [`CacheStore::remote_stats`] counts them.
///
/// Nothing is sent until the first lookup or write; connections are reused.
///
/// ```no_run
/// use cache_core::{Cache, CacheSettings, RedisOptions, RedisStore};
/// let options = RedisOptions { namespace: Some("my-tool-1".into()), ..RedisOptions::default() };
/// let store = RedisStore::open("redis://127.0.0.1:6379/", options).unwrap();
/// let cache = Cache::with_store(store, &CacheSettings::default());
/// assert_eq!(cache.memoize("square", &12u64, || 144u64), 144);
/// println!("{:?}", cache.stats().remote); // hits, misses, rejected, errors, skipped
/// ```
pub struct RedisStore {
    client: redis::Client,
    /// `host:port` or the socket path: never the password of the URL.
    server: String,
    options: RedisOptions,
    idle: Mutex<Vec<redis::Connection>>,
    failures: AtomicU32,
    tripped: AtomicBool,
    warned: AtomicBool,
    counters: Counters,
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStore")
            .field("server", &self.server)
            .field("options", &self.options)
            .field("tripped", &self.tripped.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

/// How an operation failed, for the breaker.
enum Failure {
    /// No connection could be made: the server is unreachable (or refused us).
    Connect(redis::RedisError),
    /// The connection was made and the operation failed (timeout, garbage, an error reply).
    Operation(redis::RedisError),
}

impl RedisStore {
    /// A store on the server at `url` (`redis://[user:password@]host[:port][/db]`, or
    /// `redis+unix:///path/to/socket`). Nothing is sent until the first operation.
    ///
    /// ```
    /// use cache_core::{RedisOptions, RedisStore};
    /// let store = RedisStore::open("redis://:hunter2@127.0.0.1:6399/", RedisOptions::default()).unwrap();
    /// assert_eq!(store.server(), "127.0.0.1:6399"); // never the password
    /// assert!(RedisStore::open("http://example.invalid/", RedisOptions::default()).is_err());
    /// ```
    ///
    /// # Errors
    /// A fatal [`StoreError::Backend`] when the URL is not one the client understands.
    pub fn open(url: &str, options: RedisOptions) -> Result<RedisStore, StoreError> {
        let client = redis::Client::open(url).map_err(|error| StoreError::Backend {
            backend: "redis",
            message: format!("invalid remote cache URL: {error}"),
            fatal: true,
        })?;
        let server = client.get_connection_info().addr().to_string();
        Ok(RedisStore {
            client,
            server,
            options,
            idle: Mutex::new(Vec::new()),
            failures: AtomicU32::new(0),
            tripped: AtomicBool::new(false),
            warned: AtomicBool::new(false),
            counters: Counters::default(),
        })
    }

    /// The server, as `host:port` or a socket path (for messages: the URL may hold a password).
    pub fn server(&self) -> &str {
        &self.server
    }

    /// The options the store was opened with.
    pub fn options(&self) -> &RedisOptions {
        &self.options
    }

    /// The Redis key of an entry: `{prefix}:{namespace}:{sha256 hex}`.
    ///
    /// ```
    /// use cache_core::{Key, RedisOptions, RedisStore};
    /// let options = RedisOptions { namespace: Some("0.1.0-f1".into()), ..RedisOptions::default() };
    /// let store = RedisStore::open("redis://127.0.0.1/", options).unwrap();
    /// let key = Key::new("f", &1u8).unwrap();
    /// assert_eq!(store.redis_key(&key), format!("codetags:0.1.0-f1:{}", key.to_hex()));
    /// ```
    pub fn redis_key(&self, key: &Key) -> String {
        let namespace = self
            .options
            .namespace
            .as_deref()
            .unwrap_or(UNVERSIONED_NAMESPACE);
        format!("{}:{namespace}:{}", self.options.prefix, key.to_hex())
    }

    /// Whether the store has been skipped for the rest of the process (the breaker is open).
    pub fn is_tripped(&self) -> bool {
        self.tripped.load(Ordering::Acquire)
    }

    fn skipped(&self) -> StoreError {
        bump(&self.counters.skipped, 1);
        StoreError::Backend {
            backend: "redis",
            message: format!(
                "the remote cache {} is skipped for the rest of this run after failures",
                self.server
            ),
            fatal: true,
        }
    }

    /// Runs `op` on a pooled connection (or a new one), with the timeouts set.
    fn with_connection<T>(
        &self,
        op: impl FnOnce(&mut redis::Connection) -> redis::RedisResult<T>,
    ) -> Result<T, Failure> {
        let pooled = lock(&self.idle).pop();
        let mut connection = match pooled {
            Some(connection) => connection,
            None => {
                let timeout = self.options.timeout.max(Duration::from_millis(1));
                let connection = self
                    .client
                    .get_connection_with_timeout(timeout)
                    .map_err(Failure::Connect)?;
                connection
                    .set_read_timeout(Some(timeout))
                    .and_then(|()| connection.set_write_timeout(Some(timeout)))
                    .map_err(Failure::Connect)?;
                connection
            }
        };
        // A connection that failed may hold half a reply: it is dropped, never reused.
        let result = op(&mut connection).map_err(Failure::Operation)?;
        lock(&self.idle).push(connection);
        Ok(result)
    }

    /// Counts a failure, trips the breaker when due, logs (one warning per store) and words it.
    fn failed(&self, what: &str, failure: Failure) -> StoreError {
        bump(&self.counters.errors, 1);
        let failures = self.failures.fetch_add(1, Ordering::AcqRel) + 1;
        let (error, unreachable) = match failure {
            Failure::Connect(error) => (error, true),
            Failure::Operation(error) => (error, false),
        };
        let trip = unreachable || failures >= self.options.failure_limit;
        if trip {
            self.tripped.store(true, Ordering::Release);
        }
        let message = format!("{what} on {}: {error}", self.server);
        if self.warned.swap(true, Ordering::Relaxed) {
            tracing::debug!(server = %self.server, %error, tripped = trip, "remote cache: {what} failed");
        } else if trip {
            tracing::warn!(
                "remote cache {}: {what} failed ({error}); it is skipped for the rest of this run \
                 (results are not affected)",
                self.server
            );
        } else {
            tracing::warn!(
                "remote cache {}: {what} failed ({error}); carrying on (results are not affected; \
                 after {} failures it is skipped for the rest of this run; further failures are \
                 logged at debug level)",
                self.server,
                self.options.failure_limit
            );
        }
        if trip {
            tracing::debug!(server = %self.server, failures, "remote cache skipped from now on");
        }
        StoreError::Backend {
            backend: "redis",
            message,
            fatal: trip,
        }
    }

    fn reject(&self, key: &Key, why: &str) {
        bump(&self.counters.rejected, 1);
        tracing::debug!(%key, server = %self.server, "remote cache entry refused: {why}");
    }
}

impl CacheStore for RedisStore {
    fn dated(&self) -> bool {
        false
    }

    fn get(&self, key: &Key, _scope: LookupScope) -> Result<Option<Found>, StoreError> {
        if self.is_tripped() {
            return Err(self.skipped());
        }
        let name = self.redis_key(key);
        let max = self.options.max_value_len;
        // GETRANGE, not GET: the server sends at most `max + 1` bytes, whatever it holds.
        let value: Vec<u8> = self
            .with_connection(|con| redis::cmd("GETRANGE").arg(&name).arg(0).arg(max).query(con))
            .map_err(|failure| self.failed("lookup", failure))?;
        bump(&self.counters.bytes_read, value.len() as u64);
        if value.is_empty() {
            // Absent (GETRANGE answers "" for a missing key); an empty value is no entry either.
            bump(&self.counters.misses, 1);
            return Ok(None);
        }
        if value.len() as u64 > max {
            self.reject(key, "larger than the bound");
            return Ok(None);
        }
        let entry = match sign::open(self.options.signing_key.as_ref(), &name, &value) {
            Opened::Verified(entry) | Opened::Unverified(entry) => entry,
            Opened::Unsigned => {
                self.reject(key, "not signed, and a signing key is set");
                return Ok(None);
            }
            Opened::BadSignature => {
                self.reject(key, "wrong signature");
                return Ok(None);
            }
        };
        let header = match codec::read_header(entry) {
            Ok(header) if header.key == *key => header,
            Ok(header) => {
                self.reject(key, &format!("an entry of key {}", header.key));
                return Ok(None);
            }
            Err(error) => {
                self.reject(key, &error.to_string());
                return Ok(None);
            }
        };
        bump(&self.counters.hits, 1);
        Ok(Some(Found {
            location: Location {
                key: *key,
                date: Some(header.created.date_naive()),
            },
            bytes: entry.to_vec(),
        }))
    }

    fn put(&self, location: &Location, bytes: &[u8]) -> Result<(), StoreError> {
        if self.is_tripped() {
            return Err(self.skipped());
        }
        let name = self.redis_key(&location.key);
        let envelope = if self.options.signing_key.is_some() {
            ENVELOPE_LEN
        } else {
            0
        };
        let len = (bytes.len() + envelope) as u64;
        // No entry over the codec's bound is valid, whatever the store's own bound.
        if len > self.options.max_value_len || bytes.len() as u64 > MAX_ENTRY_LEN {
            bump(&self.counters.rejected, 1);
            return Err(StoreError::Backend {
                backend: "redis",
                message: format!(
                    "an entry of {len} bytes is over the {}-byte bound: not sent",
                    self.options.max_value_len
                ),
                fatal: false,
            });
        }
        let sealed;
        let value = match &self.options.signing_key {
            Some(signing_key) => {
                sealed = sign::seal(signing_key, &name, bytes);
                &sealed[..]
            }
            None => bytes,
        };
        let expiry_ms = u64::try_from(self.options.ttl.as_millis())
            .unwrap_or(u64::MAX)
            .clamp(1, i64::MAX as u64);
        self.with_connection(|con| {
            redis::cmd("SET")
                .arg(&name)
                .arg(value)
                .arg("PX")
                .arg(expiry_ms)
                .query::<()>(con)
        })
        .map_err(|failure| self.failed("write", failure))?;
        bump(&self.counters.writes, 1);
        bump(&self.counters.bytes_written, value.len() as u64);
        Ok(())
    }

    /// Redis expires every entry itself (each is written with the TTL as its expiry).
    fn prune(&self, _scope: LookupScope) -> Result<Pruned, StoreError> {
        Ok(Pruned::SelfExpiring)
    }

    fn remote_stats(&self) -> Option<RemoteStats> {
        let c = &self.counters;
        let load = |a: &AtomicU64| a.load(Ordering::Relaxed);
        Some(RemoteStats {
            hits: load(&c.hits),
            misses: load(&c.misses),
            rejected: load(&c.rejected),
            errors: load(&c.errors),
            skipped: load(&c.skipped),
            writes: load(&c.writes),
            bytes_read: load(&c.bytes_read),
            bytes_written: load(&c.bytes_written),
            tripped: self.is_tripped(),
        })
    }
}
