//! The remote-cache part of the settings: the server's URL (never shown with its password) and
//! the signing secret, read from the environment only.

use std::fmt;

use crate::sign::SigningKey;

/// The environment variable holding the secret remote entries are signed with. It is read only
/// from the environment: a secret does not belong in a `pyproject.toml` that is committed.
pub const REMOTE_KEY_VAR: &str = "PYCODETAGS_CACHE_REMOTE_KEY";
/// The settings key that [`REMOTE_KEY_VAR`] would be, refused in files.
pub(crate) const REMOTE_KEY_KEY: &str = "remote_key";
/// Default of `remote_timeout_ms`.
pub const DEFAULT_REMOTE_TIMEOUT_MS: u32 = 250;
/// Largest `remote_timeout_ms` accepted (one minute): a remote cache slower than that is no
/// cache.
pub const MAX_REMOTE_TIMEOUT_MS: u32 = 60_000;

/// The URL of a remote cache (`remote`): `redis://[user:password@]host[:port][/db]` or
/// `redis+unix:///path/to/socket` (also `unix://`, and `valkey://` for a Valkey server). It may
/// hold a password, so `Debug` and `Display` show it with the credentials masked;
/// [`RemoteUrl::as_str`] is the URL itself.
///
/// ```
/// use cache_core::RemoteUrl;
/// let url = RemoteUrl::parse("redis://ci:s3cret@cache.internal:6379/2").unwrap();
/// assert_eq!(url.to_string(), "redis://***@cache.internal:6379/2");
/// assert_eq!(url.as_str(), "redis://ci:s3cret@cache.internal:6379/2");
/// assert!(RemoteUrl::parse("https://cache.internal/").is_err());
/// assert!(RemoteUrl::parse("rediss://cache.internal/").unwrap_err().contains("TLS"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct RemoteUrl(String);

const SCHEMES: [&str; 4] = ["redis://", "redis+unix://", "unix://", "valkey://"];

impl RemoteUrl {
    /// Checks the scheme of `url` (trimmed); the rest is checked when the store is opened.
    ///
    /// # Errors
    /// What is wrong, for the settings error that names the key.
    pub fn parse(url: &str) -> Result<RemoteUrl, String> {
        let url = url.trim();
        if url.is_empty() {
            return Err("an empty URL names no server (remove the key for no remote cache)".into());
        }
        let lower = url.to_ascii_lowercase();
        if lower.starts_with("rediss://") || lower.starts_with("valkeys://") {
            return Err(
                "TLS (rediss://) is not supported: use redis:// on a trusted network, \
                        or a local TLS tunnel"
                    .into(),
            );
        }
        if !SCHEMES.iter().any(|scheme| lower.starts_with(scheme)) {
            return Err("expected a redis://host[:port][/db] or redis+unix:///path URL".into());
        }
        Ok(RemoteUrl(url.to_owned()))
    }

    /// The URL as given (with its credentials, if any): for the client only.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The URL with any `user:password@` replaced by `***@`.
    pub fn redacted(&self) -> String {
        redact(&self.0)
    }
}

/// `url` with any `user:password@` replaced by `***@` (for messages about URLs, valid or not).
pub(crate) fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}://***{}", &rest[at..]),
        None => url.to_owned(),
    }
}

impl fmt::Display for RemoteUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl fmt::Debug for RemoteUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RemoteUrl({:?})", self.redacted())
    }
}

/// The signing key from `(name, value)` pairs: [`REMOTE_KEY_VAR`] (name matched in any case, as
/// the other variables are), when set and not blank. The value is used as it is, untrimmed.
pub(crate) fn remote_key_of<'a>(
    vars: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Option<SigningKey> {
    vars.into_iter()
        .find(|(name, value)| {
            name.trim().eq_ignore_ascii_case(REMOTE_KEY_VAR) && !value.trim().is_empty()
        })
        .and_then(|(_, value)| SigningKey::new(value.as_bytes().to_vec()))
}
