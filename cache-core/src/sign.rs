//! Signed entries for shared stores: an envelope with an HMAC-SHA256 over the store's name for
//! the entry and the entry's bytes, so that whoever can write to a shared cache but does not
//! hold the secret cannot plant an entry, nor move a signed one under another name.
//!
//! An entry's own checksum (see [`crate::codec`]) catches damage, not forgery: anyone can compute
//! it. On a store only this process writes (the local filesystem) that is enough; on one shared
//! by a fleet (`RedisStore`) a [`SigningKey`] makes every entry carry this envelope:
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 8 | magic `89 43 54 53 0D 0A 1A 0A` (`\x89CTS\r\n\x1a\n`) |
//! | 8 | 2 | envelope version `u16` LE ([`ENVELOPE_VERSION`]) |
//! | 10 | 2 | reserved, 0 |
//! | 12 | 32 | HMAC-SHA256(key, bytes 0..12 ‖ `u64` LE length of the name ‖ name ‖ entry) |
//! | 44 | n | the entry, as [`crate::codec`] encodes it |
//!
//! The name is the full key the store files the entry under (for Redis
//! `{prefix}:{namespace}:{sha256 hex}`): an entry signed for one key, or one version namespace,
//! is no entry under another. The normative description is `docs/cache-format.md`.
//!
//! ```
//! use cache_core::sign::{open, seal, Opened, SigningKey};
//! let key = SigningKey::new(b"a secret of the fleet".to_vec()).unwrap();
//! let sealed = seal(&key, "codetags:0.1.0-f1:ab12", b"entry bytes");
//! assert_eq!(open(Some(&key), "codetags:0.1.0-f1:ab12", &sealed), Opened::Verified(&b"entry bytes"[..]));
//! // Under another name, or with another key, it is refused.
//! assert_eq!(open(Some(&key), "codetags:0.1.0-f1:cd34", &sealed), Opened::BadSignature);
//! let other = SigningKey::new(b"another secret".to_vec()).unwrap();
//! assert_eq!(open(Some(&other), "codetags:0.1.0-f1:ab12", &sealed), Opened::BadSignature);
//! // With a key, an unsigned entry is refused; without one, both kinds are taken as they are.
//! assert_eq!(open(Some(&key), "n", b"entry bytes"), Opened::Unsigned);
//! assert_eq!(open(None, "codetags:0.1.0-f1:ab12", &sealed), Opened::Unverified(&b"entry bytes"[..]));
//! ```

use std::fmt;

use hmac::{KeyInit, Mac};
use sha2::Sha256;

type HmacSha256 = hmac::Hmac<Sha256>;

/// The 8 bytes a signed entry starts with (an entry itself starts with `\x89CTC…`).
pub const ENVELOPE_MAGIC: [u8; 8] = [0x89, b'C', b'T', b'S', b'\r', b'\n', 0x1a, b'\n'];
/// The envelope format number.
pub const ENVELOPE_VERSION: u16 = 1;
/// Bytes before the entry: magic, version, reserved, tag.
pub const ENVELOPE_LEN: usize = 44;
const TAG_AT: usize = 12;

/// The secret remote entries are signed with (`PYCODETAGS_CACHE_REMOTE_KEY`). Its bytes are never
/// shown: `Debug` prints only that there is one.
#[derive(Clone, PartialEq, Eq)]
pub struct SigningKey(Vec<u8>);

impl SigningKey {
    /// A key from the secret's bytes; `None` for an empty secret (which would sign with nothing).
    ///
    /// ```
    /// use cache_core::sign::SigningKey;
    /// assert!(SigningKey::new(Vec::new()).is_none());
    /// let key = SigningKey::new(b"s3cret".to_vec()).unwrap();
    /// assert_eq!(format!("{key:?}"), "SigningKey(<redacted>)");
    /// ```
    pub fn new(secret: Vec<u8>) -> Option<SigningKey> {
        (!secret.is_empty()).then_some(SigningKey(secret))
    }

    fn mac(&self, header: &[u8], name: &str, entry: &[u8]) -> HmacSha256 {
        // Any key length is valid for HMAC: longer keys are hashed, shorter ones padded.
        let mut mac = HmacSha256::new_from_slice(&self.0).expect("HMAC accepts keys of any length");
        mac.update(header);
        mac.update(&(name.len() as u64).to_le_bytes());
        mac.update(name.as_bytes());
        mac.update(entry);
        mac
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigningKey(<redacted>)")
    }
}

fn envelope_header() -> [u8; TAG_AT] {
    let mut header = [0u8; TAG_AT];
    header[..8].copy_from_slice(&ENVELOPE_MAGIC);
    header[8..10].copy_from_slice(&ENVELOPE_VERSION.to_le_bytes());
    header
}

/// `entry` in a signed envelope for the store key `name`.
pub fn seal(key: &SigningKey, name: &str, entry: &[u8]) -> Vec<u8> {
    let header = envelope_header();
    let tag = key.mac(&header, name, entry).finalize().into_bytes();
    let mut out = Vec::with_capacity(ENVELOPE_LEN + entry.len());
    out.extend_from_slice(&header);
    out.extend_from_slice(&tag);
    out.extend_from_slice(entry);
    out
}

/// What [`open`] made of a stored value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opened<'a> {
    /// Signed with the key, for this name: the entry inside.
    Verified(&'a [u8]),
    /// No key to check with: the entry as stored (an envelope, unchecked, is stripped). Nothing
    /// is authenticated; the entry's own checksum still guards against damage.
    Unverified(&'a [u8]),
    /// A key is set and the value carries no envelope: a miss.
    Unsigned,
    /// An envelope whose tag does not match (another key, another name, altered bytes), or an
    /// envelope of an unknown version: a miss.
    BadSignature,
}

impl Opened<'_> {
    /// The entry, when it may be used.
    pub fn entry(self) -> Option<Vec<u8>> {
        match self {
            Opened::Verified(entry) | Opened::Unverified(entry) => Some(entry.to_vec()),
            Opened::Unsigned | Opened::BadSignature => None,
        }
    }
}

/// Checks a value stored under `name`: with a key, only a matching envelope yields its entry;
/// without one, the value is taken as it is (an envelope's entry is taken unchecked).
pub fn open<'a>(key: Option<&SigningKey>, name: &str, value: &'a [u8]) -> Opened<'a> {
    let enveloped = value.len() >= ENVELOPE_LEN && value[..8] == ENVELOPE_MAGIC;
    match (key, enveloped) {
        (None, false) => Opened::Unverified(value),
        (None, true) => Opened::Unverified(&value[ENVELOPE_LEN..]),
        (Some(_), false) => Opened::Unsigned,
        (Some(key), true) => {
            let (header, rest) = value.split_at(TAG_AT);
            let (tag, entry) = rest.split_at(ENVELOPE_LEN - TAG_AT);
            if header != envelope_header() {
                return Opened::BadSignature;
            }
            match key.mac(header, name, entry).verify_slice(tag) {
                Ok(()) => Opened::Verified(entry),
                Err(_) => Opened::BadSignature,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_flipped_bit_of_an_envelope_is_refused() {
        let key = SigningKey::new(b"k".to_vec()).unwrap();
        let sealed = seal(&key, "name", b"payload");
        for at in 0..sealed.len() {
            let mut bad = sealed.clone();
            bad[at] ^= 0x01;
            let opened = open(Some(&key), "name", &bad);
            assert!(
                matches!(opened, Opened::BadSignature | Opened::Unsigned),
                "byte {at}: {opened:?}"
            );
        }
        assert_eq!(
            open(Some(&key), "name", &sealed),
            Opened::Verified(&b"payload"[..])
        );
    }

    #[test]
    fn the_name_length_is_part_of_the_tag() {
        // "ab" + entry "c…" must not verify as "a" + entry "bc…": the name is length-prefixed.
        let key = SigningKey::new(b"k".to_vec()).unwrap();
        let sealed = seal(&key, "ab", b"cd");
        let mut shifted = sealed[..ENVELOPE_LEN].to_vec();
        shifted.extend_from_slice(b"bcd");
        assert_eq!(open(Some(&key), "a", &shifted), Opened::BadSignature);
    }

    #[test]
    fn a_truncated_envelope_is_unsigned_not_a_panic() {
        let key = SigningKey::new(b"k".to_vec()).unwrap();
        let sealed = seal(&key, "n", b"");
        for len in 0..sealed.len() {
            assert_eq!(open(Some(&key), "n", &sealed[..len]), Opened::Unsigned);
        }
        assert_eq!(open(Some(&key), "n", &sealed), Opened::Verified(&b""[..]));
    }
}
