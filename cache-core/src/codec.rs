//! The entry codec: a fixed 92-byte header followed by the (optionally gzip'd) postcard payload.
//!
//! Layout (all integers little-endian; the normative description is `docs/cache-format.md`):
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 8 | magic `89 43 54 43 0D 0A 1A 0A` (`\x89CTC\r\n\x1a\n`) |
//! | 8 | 2 | format number `u16` ([`FORMAT`]) |
//! | 10 | 1 | flags: bit 0 = payload is gzip; other bits must be 0 |
//! | 11 | 1 | reserved, must be 0 |
//! | 12 | 8 | creation time `i64`, Unix milliseconds UTC |
//! | 20 | 8 | payload length `u64` (stored bytes) |
//! | 28 | 8 | raw length `u64` (postcard bytes before compression) |
//! | 36 | 8 | type fingerprint (see [`type_fingerprint`]) |
//! | 44 | 32 | the entry's [`Key`] |
//! | 76 | 16 | checksum: first 16 bytes of SHA-256(bytes 0..76 ‖ payload) |
//! | 92 | n | payload |

use std::io::{Read, Write};

use chrono::{DateTime, Utc};
use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use crate::Key;

/// The entry format number, stored in every header. Bump it (and [`CACHE_FORMAT`]) when the
/// header changes.
pub const FORMAT: u16 = 1;
/// The cache format number that goes into the version namespace (`{tool}-f{CACHE_FORMAT}`):
/// bumped whenever the header or the encoding of a cached type changes, because postcard data
/// cannot evolve in place.
pub const CACHE_FORMAT: u32 = 1;
/// The 8 magic bytes every entry starts with.
pub const MAGIC: [u8; 8] = [0x89, b'C', b'T', b'C', b'\r', b'\n', 0x1a, b'\n'];
/// Length of the fixed header.
pub const HEADER_LEN: usize = 92;
/// Flag bit: the payload is a gzip member.
pub const FLAG_GZIP: u8 = 0x01;
/// Domain tag of the type fingerprint hash.
pub const TYPE_DOMAIN: &[u8] = b"codetags-cache-type/v1\0";
/// The largest entry (header + stored payload) and the largest raw postcard value this codec
/// writes or reads: 256 MiB.
///
/// The biggest value codetags caches is the scan state of a whole tree, about 150 bytes per file:
/// tens of MB for a 200,000-file tree. 256 MiB leaves roughly tenfold headroom over that, yet
/// bounds what one lookup can be made to allocate and hash when a planted or damaged file claims
/// a huge length (a reader trusts the header's length only up to here). The raw length is held
/// to the same limit so a small gzip payload cannot inflate without bound either. A value over
/// the limit is refused at encoding time ([`EncodeError::TooLarge`]) rather than written and then
/// missed on every run.
pub const MAX_ENTRY_LEN: u64 = 256 << 20;

const CHECKSUM_AT: usize = 76;
const CHECKSUM_LEN: usize = 16;
/// Preallocation cap when inflating: the raw length is authenticated by the checksum, but a
/// crafted entry could still claim a huge size, so grow beyond this only as data arrives.
const MAX_PREALLOC: u64 = 64 << 20;

/// Why an entry's bytes did not decode into the requested value. Every variant is a cache miss.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DecodeError {
    /// Shorter than the header, or the length does not match the header's payload length.
    #[error("truncated or over-long entry: {actual} bytes, expected {expected}")]
    Length {
        /// Bytes present.
        actual: u64,
        /// Bytes the header announces (or the header length).
        expected: u64,
    },
    /// The first 8 bytes are not [`MAGIC`].
    #[error("not a cache entry (wrong magic)")]
    Magic,
    /// Written by another entry format.
    #[error("entry format {0}, expected {FORMAT}")]
    Format(u16),
    /// Unknown flag bits or a non-zero reserved byte.
    #[error("unknown header flags {0:#04x}")]
    Flags(u8),
    /// The checksum over header and payload does not match: bit rot, zero fill, torn write.
    #[error("checksum mismatch")]
    Checksum,
    /// A valid entry for another key (e.g. a file copied under the wrong name).
    #[error("entry belongs to key {0}")]
    WrongKey(Key),
    /// A valid entry holding a value of another type.
    #[error("entry holds another type (fingerprint {found:016x}, expected {expected:016x})")]
    WrongType {
        /// Fingerprint in the header.
        found: u64,
        /// Fingerprint of the requested type.
        expected: u64,
    },
    /// The gzip payload is damaged or inflates to another length than the header says.
    #[error("gzip payload: {0}")]
    Gzip(String),
    /// postcard rejected the payload, or left bytes unread.
    #[error("postcard payload: {0}")]
    Payload(String),
    /// The creation time is not a representable instant.
    #[error("invalid creation time {0}")]
    Time(i64),
    /// The header announces an entry (or a raw value) longer than [`MAX_ENTRY_LEN`].
    #[error("entry claims {declared} bytes, more than the {max} accepted")]
    TooLarge {
        /// The length the header announces (whole entry, or raw value).
        declared: u64,
        /// [`MAX_ENTRY_LEN`].
        max: u64,
    },
}

/// Why a value could not be encoded.
#[derive(Debug, thiserror::Error)]
pub enum EncodeError {
    /// postcard cannot encode the value.
    #[error("postcard cannot encode the value: {0}")]
    Postcard(#[from] postcard::Error),
    /// The gzip encoder failed (only on allocation failure in practice).
    #[error("gzip: {0}")]
    Gzip(#[from] std::io::Error),
    /// The encoded value (or the entry) would be longer than [`MAX_ENTRY_LEN`]: no reader would
    /// accept it, so it is not written.
    #[error("the entry would be {len} bytes, more than the {max} a reader accepts")]
    TooLarge {
        /// The raw value's or the entry's length.
        len: u64,
        /// [`MAX_ENTRY_LEN`].
        max: u64,
    },
}

/// The parsed, checksum-verified header of an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// Entry format number ([`FORMAT`]).
    pub format: u16,
    /// Whether the payload is gzip'd.
    pub gzip: bool,
    /// When the entry was written.
    pub created: DateTime<Utc>,
    /// Stored payload length.
    pub payload_len: u64,
    /// postcard length before compression.
    pub raw_len: u64,
    /// Fingerprint of the stored value's type.
    pub type_fingerprint: u64,
    /// The entry's key.
    pub key: Key,
}

/// The 8-byte fingerprint of a Rust type that guards against reading a value as another type:
/// the first 8 bytes (as a little-endian `u64`) of SHA-256([`TYPE_DOMAIN`] ‖ `type_name`), where
/// `type_name` is [`std::any::type_name`]. The name may differ between compiler releases; that
/// costs a miss, never a wrong value.
pub fn type_fingerprint<T: ?Sized>() -> u64 {
    fingerprint_of_name(std::any::type_name::<T>())
}

/// [`type_fingerprint`] of an explicit type name (for programs other than this crate).
pub fn fingerprint_of_name(type_name: &str) -> u64 {
    let mut hasher = Sha256::new();
    hasher.update(TYPE_DOMAIN);
    hasher.update(type_name.as_bytes());
    let digest = hasher.finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_le_bytes(first)
}

/// Encodes `value` as a complete entry for `key`, written at `created`.
///
/// ```
/// use cache_core::{codec, Key};
/// let key = Key::new("f", &1u8).unwrap();
/// let now = chrono::Utc::now();
/// let bytes = codec::encode(&key, &vec![1u32, 2, 3], now, false).unwrap();
/// let (value, header) = codec::decode::<Vec<u32>>(&bytes, &key).unwrap();
/// assert_eq!(value, vec![1, 2, 3]);
/// assert_eq!(header.created.timestamp_millis(), now.timestamp_millis());
/// assert!(codec::decode::<String>(&bytes, &key).is_err()); // another type: a miss
/// ```
///
/// # Errors
/// [`EncodeError`] when postcard cannot encode the value, or the entry would exceed
/// [`MAX_ENTRY_LEN`].
pub fn encode<T: Serialize + ?Sized>(
    key: &Key,
    value: &T,
    created: DateTime<Utc>,
    gzip: bool,
) -> Result<Vec<u8>, EncodeError> {
    let raw = postcard::to_stdvec(value)?;
    let too_large = |len: u64| EncodeError::TooLarge {
        len,
        max: MAX_ENTRY_LEN,
    };
    if raw.len() as u64 > MAX_ENTRY_LEN {
        return Err(too_large(raw.len() as u64));
    }
    let fingerprint = type_fingerprint::<T>();
    if gzip {
        let mut out = Vec::with_capacity(HEADER_LEN + raw.len() / 4 + 64);
        out.resize(HEADER_LEN, 0);
        let mut encoder = GzEncoder::new(out, Compression::fast());
        encoder.write_all(&raw)?;
        let out = encoder.finish()?;
        // gzip can grow incompressible data by a few bytes per block.
        if out.len() as u64 > MAX_ENTRY_LEN {
            return Err(too_large(out.len() as u64));
        }
        Ok(seal(out, key, created, raw.len() as u64, fingerprint, true))
    } else {
        if (HEADER_LEN + raw.len()) as u64 > MAX_ENTRY_LEN {
            return Err(too_large((HEADER_LEN + raw.len()) as u64));
        }
        let mut out = Vec::with_capacity(HEADER_LEN + raw.len());
        out.resize(HEADER_LEN, 0);
        out.extend_from_slice(&raw);
        Ok(seal(
            out,
            key,
            created,
            raw.len() as u64,
            fingerprint,
            false,
        ))
    }
}

/// Fills in the header of `out`, whose first [`HEADER_LEN`] bytes are placeholders followed by
/// the payload.
fn seal(
    mut out: Vec<u8>,
    key: &Key,
    created: DateTime<Utc>,
    raw_len: u64,
    fingerprint: u64,
    gzip: bool,
) -> Vec<u8> {
    let payload_len = (out.len() - HEADER_LEN) as u64;
    out[0..8].copy_from_slice(&MAGIC);
    out[8..10].copy_from_slice(&FORMAT.to_le_bytes());
    out[10] = if gzip { FLAG_GZIP } else { 0 };
    out[11] = 0;
    out[12..20].copy_from_slice(&created.timestamp_millis().to_le_bytes());
    out[20..28].copy_from_slice(&payload_len.to_le_bytes());
    out[28..36].copy_from_slice(&raw_len.to_le_bytes());
    out[36..44].copy_from_slice(&fingerprint.to_le_bytes());
    out[44..76].copy_from_slice(key.as_bytes());
    let sum = checksum(&out[..CHECKSUM_AT], &out[HEADER_LEN..]);
    out[CHECKSUM_AT..HEADER_LEN].copy_from_slice(&sum);
    out
}

fn checksum(header: &[u8], payload: &[u8]) -> [u8; CHECKSUM_LEN] {
    let mut hasher = Sha256::new();
    hasher.update(header);
    hasher.update(payload);
    let digest = hasher.finalize();
    let mut sum = [0u8; CHECKSUM_LEN];
    sum.copy_from_slice(&digest[..CHECKSUM_LEN]);
    sum
}

fn le_u64(bytes: &[u8], at: usize) -> u64 {
    let mut buf = [0u8; 8];
    buf.copy_from_slice(&bytes[at..at + 8]);
    u64::from_le_bytes(buf)
}

/// The total length (header + payload) an entry declares, from its first [`HEADER_LEN`] bytes
/// (more are ignored). The magic, format, flags and reserved byte are checked first, so the
/// length of something that is not an entry is never trusted; a declared length over
/// [`MAX_ENTRY_LEN`] is refused. The checksum is not checked (it needs the payload): a reader
/// uses this to know how much to read, then [`decode`]s what it read.
///
/// ```
/// use cache_core::{codec, Key};
/// let key = Key::new("f", &()).unwrap();
/// let bytes = codec::encode(&key, &vec![7u8; 1000], chrono::Utc::now(), false).unwrap();
/// assert_eq!(codec::entry_len(&bytes[..codec::HEADER_LEN]), Ok(bytes.len() as u64));
/// assert!(codec::entry_len(b"# TODO: not an entry").is_err());
///
/// let mut huge = bytes[..codec::HEADER_LEN].to_vec();
/// huge[20..28].copy_from_slice(&u64::MAX.to_le_bytes()); // the payload length field
/// assert!(matches!(codec::entry_len(&huge), Err(codec::DecodeError::TooLarge { .. })));
/// ```
///
/// # Errors
/// [`DecodeError::Length`] for fewer than [`HEADER_LEN`] bytes, [`DecodeError::Magic`],
/// [`DecodeError::Format`], [`DecodeError::Flags`] or [`DecodeError::TooLarge`].
pub fn entry_len(header: &[u8]) -> Result<u64, DecodeError> {
    if header.len() < HEADER_LEN {
        return Err(DecodeError::Length {
            actual: header.len() as u64,
            expected: HEADER_LEN as u64,
        });
    }
    if header[0..8] != MAGIC {
        return Err(DecodeError::Magic);
    }
    let format = u16::from_le_bytes([header[8], header[9]]);
    if format != FORMAT {
        return Err(DecodeError::Format(format));
    }
    let flags = header[10];
    if flags & !FLAG_GZIP != 0 || header[11] != 0 {
        return Err(DecodeError::Flags(flags));
    }
    let total = le_u64(header, 20).saturating_add(HEADER_LEN as u64);
    if total > MAX_ENTRY_LEN {
        return Err(DecodeError::TooLarge {
            declared: total,
            max: MAX_ENTRY_LEN,
        });
    }
    let raw_len = le_u64(header, 28);
    if raw_len > MAX_ENTRY_LEN {
        return Err(DecodeError::TooLarge {
            declared: raw_len,
            max: MAX_ENTRY_LEN,
        });
    }
    Ok(total)
}

/// Parses and verifies the header (magic, format, flags, length, checksum) without looking at the
/// key or the type. The payload is `&bytes[HEADER_LEN..]`.
///
/// # Errors
/// Any [`DecodeError`] about the header or the checksum.
pub fn read_header(bytes: &[u8]) -> Result<Header, DecodeError> {
    let total = entry_len(bytes)?;
    if bytes.len() as u64 != total {
        return Err(DecodeError::Length {
            actual: bytes.len() as u64,
            expected: total,
        });
    }
    let payload_len = total - HEADER_LEN as u64;
    let flags = bytes[10];
    let format = u16::from_le_bytes([bytes[8], bytes[9]]);
    if checksum(&bytes[..CHECKSUM_AT], &bytes[HEADER_LEN..]) != bytes[CHECKSUM_AT..HEADER_LEN] {
        return Err(DecodeError::Checksum);
    }
    let millis = le_u64(bytes, 12) as i64;
    let created =
        DateTime::<Utc>::from_timestamp_millis(millis).ok_or(DecodeError::Time(millis))?;
    let mut key = [0u8; 32];
    key.copy_from_slice(&bytes[44..76]);
    Ok(Header {
        format,
        gzip: flags & FLAG_GZIP != 0,
        created,
        payload_len,
        raw_len: le_u64(bytes, 28),
        type_fingerprint: le_u64(bytes, 36),
        key: Key::from_bytes(key),
    })
}

/// Decodes a complete entry into a `T`, checking everything the header promises: magic, format,
/// length, checksum, key, type fingerprint, gzip integrity and that postcard consumes every byte.
///
/// # Errors
/// A [`DecodeError`] naming the first check that failed; callers treat every one as a miss.
pub fn decode<T: DeserializeOwned>(bytes: &[u8], key: &Key) -> Result<(T, Header), DecodeError> {
    let header = read_header(bytes)?;
    if header.key != *key {
        return Err(DecodeError::WrongKey(header.key));
    }
    let expected = type_fingerprint::<T>();
    if header.type_fingerprint != expected {
        return Err(DecodeError::WrongType {
            found: header.type_fingerprint,
            expected,
        });
    }
    let payload = &bytes[HEADER_LEN..];
    let value = if header.gzip {
        let raw = inflate(payload, header.raw_len)?;
        from_postcard(&raw)?
    } else {
        if header.raw_len != header.payload_len {
            return Err(DecodeError::Length {
                actual: header.payload_len,
                expected: header.raw_len,
            });
        }
        from_postcard(payload)?
    };
    Ok((value, header))
}

fn inflate(payload: &[u8], raw_len: u64) -> Result<Vec<u8>, DecodeError> {
    let mut raw = Vec::with_capacity(raw_len.min(MAX_PREALLOC) as usize);
    // One byte more than announced, to notice a payload that inflates to more.
    GzDecoder::new(payload)
        .take(raw_len.saturating_add(1))
        .read_to_end(&mut raw)
        .map_err(|e| DecodeError::Gzip(e.to_string()))?;
    if raw.len() as u64 != raw_len {
        return Err(DecodeError::Gzip(format!(
            "inflated to {} bytes, header says {raw_len}",
            raw.len()
        )));
    }
    Ok(raw)
}

fn from_postcard<T: DeserializeOwned>(raw: &[u8]) -> Result<T, DecodeError> {
    let (value, rest) =
        postcard::take_from_bytes::<T>(raw).map_err(|e| DecodeError::Payload(e.to_string()))?;
    if !rest.is_empty() {
        return Err(DecodeError::Payload(format!(
            "{} trailing bytes after the value",
            rest.len()
        )));
    }
    Ok(value)
}
