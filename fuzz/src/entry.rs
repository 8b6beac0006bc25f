//! cache-core's entry decoder (`codec::decode`) on arbitrary, mutated and re-sealed entries.

use crate::support::Reader;
use cache_core::Key;
use cache_core::codec::{self, DecodeError, HEADER_LEN};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Byte offset of the checksum in the header, and the end of the bytes it covers there.
const CHECKSUM_AT: usize = 76;
/// Header fields a mutation may overwrite with any `u64`: creation time, payload length, raw
/// length, type fingerprint.
const U64_FIELDS: [usize; 4] = [12, 20, 28, 36];

/// The value type of the fuzzed entries: every postcard shape that can fail to decode (varints,
/// zigzag, `bool`, `Option` and enum tags, UTF-8 strings, lengths, arrays).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    pub name: String,
    pub numbers: Vec<u64>,
    pub flag: bool,
    pub delta: i32,
    pub choice: Option<Choice>,
    pub words: Vec<String>,
    pub digest: [u8; 4],
}

/// An enum inside [`Sample`], for postcard's variant tags.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Choice {
    Unit,
    Number(u16),
    Text(String),
}

/// Encodes exactly like [`Sample`] but is another type: an entry of one must not decode as the
/// other, and only the type fingerprint can tell them apart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Twin {
    name: String,
    numbers: Vec<u64>,
    flag: bool,
    delta: i32,
    choice: Option<Choice>,
    words: Vec<String>,
    digest: [u8; 4],
}

impl Sample {
    fn read(r: &mut Reader<'_>) -> Sample {
        let name = r.string();
        let numbers = (0..r.u8() % 6).map(|_| r.u64() >> (r.u8() % 64)).collect();
        let flag = r.u8() & 1 == 1;
        let delta = r.u64() as i32;
        let choice = match r.u8() % 4 {
            0 => None,
            1 => Some(Choice::Unit),
            2 => Some(Choice::Number(r.u16())),
            _ => Some(Choice::Text(r.string())),
        };
        let words = (0..r.u8() % 4).map(|_| r.string()).collect();
        let digest = [r.u8(), r.u8(), r.u8(), r.u8()];
        Sample {
            name,
            numbers,
            flag,
            delta,
            choice,
            words,
            digest,
        }
    }
}

/// The key every fuzzed entry is written for.
fn key() -> Key {
    Key::new("codetags_fuzz::entry", &1u8).expect("a u8 encodes")
}

/// Builds a complete entry around `payload` as `docs/cache-format.md` specifies, with a correct
/// checksum, so that a fuzzer (which cannot forge SHA-256) reaches the checks behind it.
/// `tests/replay.rs` checks that this agrees byte for byte with `codec::encode`.
pub fn seal(
    key: &Key,
    type_fingerprint: u64,
    created_ms: i64,
    gzip: bool,
    raw_len: u64,
    payload: &[u8],
) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_LEN + payload.len());
    out.extend_from_slice(&codec::MAGIC);
    out.extend_from_slice(&codec::FORMAT.to_le_bytes());
    out.push(if gzip { codec::FLAG_GZIP } else { 0 });
    out.push(0);
    out.extend_from_slice(&created_ms.to_le_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&raw_len.to_le_bytes());
    out.extend_from_slice(&type_fingerprint.to_le_bytes());
    out.extend_from_slice(key.as_bytes());
    out.resize(HEADER_LEN, 0);
    out.extend_from_slice(payload);
    reseal(&mut out);
    out
}

/// Writes the checksum the header and payload of `bytes` call for (nothing if too short).
fn reseal(bytes: &mut [u8]) {
    if bytes.len() < HEADER_LEN {
        return;
    }
    let mut hasher = Sha256::new();
    hasher.update(&bytes[..CHECKSUM_AT]);
    hasher.update(&bytes[HEADER_LEN..]);
    let digest = hasher.finalize();
    bytes[CHECKSUM_AT..HEADER_LEN].copy_from_slice(&digest[..HEADER_LEN - CHECKSUM_AT]);
}

/// The `entry_decode` target. The first byte picks the mode (`% 3`) and, for the modes that
/// build an entry, whether it is gzip'd (bit 7):
///
/// 0. the rest is an entry as found on disk: no panic, and a value only for bytes that are
///    exactly what the encoder writes for that value (so the seeds, which are real entries,
///    must decode, and any change to them must not);
/// 1. the rest builds a [`Sample`] and its creation time, then up to 8 mutations (flip, cut,
///    insert, remove, overwrite a header field, append) of its valid entry: `Ok` iff the
///    mutations left the bytes unchanged, and the unmutated entry decodes back to the value,
///    is refused under another key and as another type with the same encoding;
/// 2. as 1, then the checksum is recomputed, so the length, key, type, gzip and postcard checks
///    are what stands between the mutated bytes and a value: a value decoded from them must
///    re-encode to something that decodes to itself, and carries the header's key.
pub fn check_entry_decode(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let key = key();
    match selector % 3 {
        0 => {
            let _ = codec::read_header(rest);
            if let Ok((value, header)) = codec::decode::<Sample>(rest, &key) {
                assert_canonical(rest, &value, header.created, header.gzip, &key);
            }
        }
        mode => mutated(rest, selector & 0x80 != 0, mode == 2, &key),
    }
}

/// Asserts that `bytes` is what `codec::encode` writes for `value` (for a gzip'd entry, the
/// inflated payload, since another deflate implementation may compress differently).
fn assert_canonical(bytes: &[u8], value: &Sample, created: DateTime<Utc>, gzip: bool, key: &Key) {
    let encoded = codec::encode(key, value, created, false).expect("a Sample encodes");
    if gzip {
        let mut raw = Vec::new();
        std::io::Read::read_to_end(
            &mut flate2::read::GzDecoder::new(&bytes[HEADER_LEN..]),
            &mut raw,
        )
        .expect("decode inflated it");
        assert_eq!(
            raw,
            encoded[HEADER_LEN..],
            "a value from a non-canonical payload"
        );
    } else {
        assert_eq!(
            bytes, encoded,
            "a value from bytes the encoder does not write"
        );
    }
}

fn mutated(rest: &[u8], gzip: bool, reseal_after: bool, key: &Key) {
    let mut r = Reader::new(rest);
    let value = Sample::read(&mut r);
    // Any millisecond count chrono can represent; others fall back to the epoch.
    let created = DateTime::from_timestamp_millis(r.u64() as i64 >> 20).unwrap_or_default();
    let original = codec::encode(key, &value, created, gzip).expect("a Sample encodes");

    let (decoded, header) = codec::decode::<Sample>(&original, key).expect("a fresh entry");
    assert_eq!(decoded, value);
    assert_eq!(header.created, created);
    assert_eq!(header.gzip, gzip);
    let other = Key::new("codetags_fuzz::entry", &2u8).expect("a u8 encodes");
    assert!(matches!(
        codec::decode::<Sample>(&original, &other),
        Err(DecodeError::WrongKey(_))
    ));
    assert!(matches!(
        codec::decode::<Twin>(&original, key),
        Err(DecodeError::WrongType { .. })
    ));

    let mut bytes = original.clone();
    for _ in 0..8 {
        if r.is_empty() {
            break;
        }
        mutate(&mut bytes, &mut r);
    }
    if reseal_after {
        reseal(&mut bytes);
    }
    let result = codec::decode::<Sample>(&bytes, key);
    if bytes == original {
        assert_eq!(result.map(|(v, _)| v), Ok(value));
    } else if !reseal_after {
        assert!(
            result.is_err(),
            "a value from a changed entry whose checksum was not redone"
        );
    } else if let Ok((decoded, header)) = result {
        // postcard reads over-long varints (0x80 0x00 for 0), so a re-sealed payload may decode
        // without being the encoder's bytes; the value must still be one the encoder accepts.
        assert_eq!(header.key, *key);
        let again = codec::encode(key, &decoded, header.created, header.gzip).expect("encodes");
        let (round_trip, _) = codec::decode::<Sample>(&again, key).expect("re-encoded entry");
        assert_eq!(round_trip, decoded);
    }
}

fn mutate(bytes: &mut Vec<u8>, r: &mut Reader<'_>) {
    let op = r.u8() % 6;
    let at = usize::from(r.u16()) % (bytes.len() + 1);
    match op {
        0 if at < bytes.len() => bytes[at] ^= r.u8() | 1,
        1 => bytes.truncate(at),
        2 => bytes.insert(at, r.u8()),
        3 if at < bytes.len() => {
            bytes.remove(at);
        }
        4 => {
            let field = U64_FIELDS[at % U64_FIELDS.len()];
            let value = r.u64();
            if let Some(slot) = bytes.get_mut(field..field + 8) {
                slot.copy_from_slice(&value.to_le_bytes());
            }
        }
        _ => {
            let tail = r.bytes(32).to_vec();
            bytes.extend_from_slice(&tail);
        }
    }
}
