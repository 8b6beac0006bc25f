//! The CLI's cached scan state (`codetags_cli::state::ScanState`) decoded from hostile payloads
//! behind a correct header, directly and through the memoizer's lookup.

use crate::entry::seal;
use crate::support::Reader;
use cache_core::codec::{self, type_fingerprint};
use cache_core::{Cache, CacheSettings, CacheStore, Key, Location, ManualClock, MemoryStore};
use chrono::{DateTime, TimeDelta};
use codetags_cli::config::ProjectConfig;
use codetags_cli::scan::ScanRequest;
use codetags_cli::state::{ResultSettings, STATE_FORMAT, STATE_FUNCTION, ScanState, StateKey};
use std::io::Write;
use std::sync::Arc;

/// The key the CLI stores a scan state under for a fixed root and configuration.
pub fn state_key() -> Key {
    let args = StateKey {
        format: STATE_FORMAT,
        root: "/project".to_owned(),
        settings: ResultSettings::of(&ScanRequest::new(
            Vec::new(),
            ProjectConfig::defaults("/project"),
        )),
        tool_version: codetags_cli::VERSION.to_owned(),
    };
    Key::new(STATE_FUNCTION, &args).expect("a StateKey encodes")
}

/// The `scan_state` target. Input: a flags byte (bit 0: gzip the payload), the entry's
/// creation time as an offset in hours from a fixed "now" (`i16`, little-endian), the TTL in
/// days (`u8`, at least 1), then the postcard payload. The harness seals it with the type
/// fingerprint of `ScanState` and a correct checksum, so postcard's reading of `ScanState`
/// (lengths, strings, options, the `[u8; 32]` digests, tags, diagnostics) is what gets fuzzed.
///
/// Invariants: no panic and no allocation beyond the payload's size (libFuzzer's
/// `-malloc_limit_mb` catches a length prefix that reserves gigabytes); `codec::decode` gives a
/// value iff postcard reads the payload with nothing left over; a value re-encodes to bytes that
/// decode to the same value; and `Cache::get` over a store holding the entry returns it iff it
/// decodes and is younger than the TTL.
pub fn check_scan_state(data: &[u8]) {
    let mut r = Reader::new(data);
    let gzip = r.u8() & 1 == 1;
    let hours_old = r.u16() as i16;
    let ttl_days = u32::from(r.u8()).max(1);
    let payload = &data[data.len().min(4)..];

    let now = DateTime::from_timestamp(1_750_000_000, 0).expect("a valid instant");
    let created = now - TimeDelta::hours(i64::from(hours_old));
    let key = state_key();
    let stored = if gzip {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(payload).expect("writing to a Vec");
        encoder.finish().expect("writing to a Vec")
    } else {
        payload.to_vec()
    };
    let fingerprint = type_fingerprint::<ScanState>();
    let entry = seal(
        &key,
        fingerprint,
        created.timestamp_millis(),
        gzip,
        payload.len() as u64,
        &stored,
    );
    codec::read_header(&entry).expect("the harness seals entries correctly");

    let decoded = codec::decode::<ScanState>(&entry, &key);
    let direct = postcard::take_from_bytes::<ScanState>(payload);
    assert_eq!(
        decoded.is_ok(),
        matches!(&direct, Ok((_, rest)) if rest.is_empty()),
        "codec and postcard disagree: {decoded:?}"
    );
    if let Ok((state, header)) = &decoded {
        assert_eq!(header.created, created);
        let bytes = postcard::to_stdvec(state).expect("a ScanState encodes");
        let again: ScanState = postcard::from_bytes(&bytes).expect("re-encoded state");
        assert_eq!(again.started_ns, state.started_ns);
        assert_eq!(again.files, state.files);
    }

    let settings = CacheSettings {
        ttl_days,
        ..CacheSettings::default()
    };
    let store = MemoryStore::new(false);
    store
        .put(&Location { key, date: None }, &entry)
        .expect("memory store");
    let cache = Cache::with_store(store, &settings).with_clock(Arc::new(ManualClock::new(now)));
    let fresh = now - created < settings.ttl();
    let got = cache.get::<ScanState>(&key);
    assert_eq!(got.is_some(), decoded.is_ok() && fresh);
    let stats = cache.stats();
    assert_eq!(stats.hits + stats.misses, 1);
}
