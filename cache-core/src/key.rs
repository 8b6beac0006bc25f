//! Cache keys: SHA-256 over a function name and its postcard-encoded arguments.

use std::fmt;

use serde::Serialize;
use sha2::{Digest, Sha256};

/// Domain-separation tag that starts every hashed key input (22 bytes, the last one NUL).
pub const KEY_DOMAIN: &[u8] = b"codetags-cache-key/v1\0";

/// Why a [`Key`] could not be built.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The arguments cannot be encoded with postcard (for example a sequence of unknown length).
    #[error("cannot encode the arguments of `{name}` with postcard: {source}")]
    Encode {
        /// The function name the key was for.
        name: String,
        /// postcard's reason.
        source: postcard::Error,
    },
}

/// The 32-byte identity of a cache entry.
///
/// The hashed bytes are, in order (see `docs/cache-format.md`):
///
/// 1. [`KEY_DOMAIN`] (`codetags-cache-key/v1` followed by a NUL byte),
/// 2. the byte length of the function name as a little-endian `u64`, then the UTF-8 name,
/// 3. the byte length of the postcard encoding of the arguments as a little-endian `u64`, then
///    those bytes.
///
/// The length prefixes make the encoding injective: no (name, arguments) pair can produce the
/// same input as another. postcard's encoding is platform-independent (varints, little-endian),
/// so a key is the same on every run and machine.
///
/// ```
/// use cache_core::Key;
/// let a = Key::new("parse_file", &("src/lib.py", 42u64)).unwrap();
/// let b = Key::new("parse_file", &("src/lib.py", 42u64)).unwrap();
/// let c = Key::new("parse_file", &("src/lib.py", 43u64)).unwrap();
/// assert_eq!(a, b);
/// assert_ne!(a, c);
/// assert_eq!(a.to_hex().len(), 64);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key([u8; 32]);

impl Key {
    /// The key of `name` called with `args` (any serde-serialisable value, usually a tuple).
    ///
    /// # Errors
    /// [`KeyError::Encode`] when postcard cannot encode `args`.
    pub fn new<A: Serialize + ?Sized>(name: &str, args: &A) -> Result<Key, KeyError> {
        let encoded = postcard::to_stdvec(args).map_err(|source| KeyError::Encode {
            name: name.to_owned(),
            source,
        })?;
        Ok(Key::from_encoded_args(name, &encoded))
    }

    /// The key of `name` with arguments already encoded by postcard (or any other byte string the
    /// caller chooses to key on).
    ///
    /// ```
    /// use cache_core::Key;
    /// let encoded = postcard::to_stdvec(&7u32).unwrap();
    /// assert_eq!(Key::from_encoded_args("f", &encoded), Key::new("f", &7u32).unwrap());
    /// ```
    pub fn from_encoded_args(name: &str, encoded_args: &[u8]) -> Key {
        let mut hasher = Sha256::new();
        hasher.update(KEY_DOMAIN);
        hasher.update((name.len() as u64).to_le_bytes());
        hasher.update(name.as_bytes());
        hasher.update((encoded_args.len() as u64).to_le_bytes());
        hasher.update(encoded_args);
        Key(hasher.finalize().into())
    }

    /// Wraps 32 raw bytes (e.g. parsed back from an entry's file name).
    pub const fn from_bytes(bytes: [u8; 32]) -> Key {
        Key(bytes)
    }

    /// The raw 32 bytes.
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// 64 lowercase hex digits, as used in entry file names.
    pub fn to_hex(&self) -> String {
        cache_layout::key_hex(&self.0)
    }

    /// Parses 64 hex digits back into a key.
    ///
    /// ```
    /// use cache_core::Key;
    /// let key = Key::new("f", &()).unwrap();
    /// assert_eq!(Key::from_hex(&key.to_hex()), Some(key));
    /// assert_eq!(Key::from_hex("xyz"), None);
    /// ```
    pub fn from_hex(hex: &str) -> Option<Key> {
        cache_layout::parse_key_hex(hex).map(Key)
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Key({})", self.to_hex())
    }
}
