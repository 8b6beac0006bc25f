//! `.pycodetags_ids`: the per-project counter that hands out local ids, in pycodetags 0.8.1's
//! format (`identity_counter.IdCounter`), so that either tool can continue the other's count.
//!
//! ```text
//! {
//!   "version": 1,
//!   "next_id": 25,
//!   "allocated": {
//!     "3": "dc1c40a90b5a",
//!     "10": "38535f08f82e"
//!   }
//! }
//! ```
//!
//! `allocated` maps each id (a positive decimal without leading zeros) to the content identity
//! of the tag it was given to; it is written sorted by (length, text), i.e. numerically. The file
//! is meant to be committed, so ids stay stable across clones.

use super::error::IdError;
use crate::display::display_path;
use cache_core::fswrite::{AtomicWrite, write_atomic_durable};
use codetags_parse::dumps::python_repr;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The counter's file name, in the project folder.
pub const COUNTER_FILE: &str = ".pycodetags_ids";

/// The only format version there is.
const COUNTER_VERSION: u64 = 1;

/// The id counter: the next id to hand out and every id known, with the content identity it was
/// recorded for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdCounter {
    path: PathBuf,
    next_id: u64,
    /// Keyed by the id's number, so iteration is the file's (numeric) order.
    allocated: BTreeMap<u64, String>,
}

impl IdCounter {
    /// A fresh counter (next id 1) to be saved at `path`.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            next_id: 1,
            allocated: BTreeMap::new(),
        }
    }

    /// Loads `dir/.pycodetags_ids`; a missing file gives a fresh counter. Anything else that is
    /// not a valid counter is refused rather than reset, as pycodetags refuses it, so that ids
    /// already handed out are never handed out again.
    ///
    /// ```
    /// use codetags_cli::ids::IdCounter;
    /// let dir = tempfile::tempdir().unwrap();
    /// assert_eq!(IdCounter::load(dir.path()).unwrap().next_id(), 1);
    /// std::fs::write(dir.path().join(".pycodetags_ids"), r#"{"version": 1, "next_id": 2, "allocated": {"7": "abc"}}"#).unwrap();
    /// assert_eq!(IdCounter::load(dir.path()).unwrap().next_id(), 8);
    /// std::fs::write(dir.path().join(".pycodetags_ids"), "{").unwrap();
    /// assert!(IdCounter::load(dir.path()).unwrap_err().to_string().starts_with("Cannot read id counter"));
    /// ```
    ///
    /// # Errors
    /// [`IdError::Counter`] with pycodetags' message: unreadable or not JSON, a wrong
    /// `version`, a wrong structure, an invalid id or content identity.
    pub fn load(dir: &Path) -> Result<Self, IdError> {
        let path = dir.join(COUNTER_FILE);
        let shown = display_path(&path).into_owned();
        let cannot_read = || {
            IdError::Counter(format!(
                "Cannot read id counter {shown}; refusing to reset existing IDs."
            ))
        };
        let text = match std::fs::read(&path) {
            Ok(bytes) => String::from_utf8(bytes).map_err(|_| cannot_read())?,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Self::new(path)),
            Err(_) => return Err(cannot_read()),
        };
        let data: Value = serde_json::from_str(&text).map_err(|_| cannot_read())?;
        let version_ok = data
            .get("version")
            .and_then(Value::as_u64)
            .is_some_and(|v| v == COUNTER_VERSION);
        if !data.is_object() || !version_ok {
            return Err(IdError::Counter(format!(
                "Invalid id counter version in {shown}."
            )));
        }
        let structure = || IdError::Counter(format!("Invalid id counter structure in {shown}."));
        let next_id = match data.get("next_id") {
            Some(Value::Number(n)) if n.is_u64() || n.is_i64() => n.as_u64(),
            _ => None,
        };
        let (Some(next_id), Some(Value::Object(entries))) = (next_id, data.get("allocated")) else {
            return Err(structure());
        };
        if next_id < 1 {
            return Err(structure());
        }
        let mut allocated = BTreeMap::new();
        for (id, content) in entries {
            let number = parse_local_id(id)?;
            match content {
                Value::String(content) if !content.is_empty() => {
                    allocated.insert(number, content.clone());
                }
                _ => {
                    return Err(IdError::Counter(format!(
                        "Invalid content identity for id {} in {shown}.",
                        python_repr(id)
                    )));
                }
            }
        }
        let mut counter = Self {
            path,
            next_id,
            allocated,
        };
        counter.reconcile_next_id();
        Ok(counter)
    }

    /// Where the counter is saved.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The id [`IdCounter::allocate`] hands out next.
    pub fn next_id(&self) -> u64 {
        self.next_id
    }

    /// Every id known, with its content identity, in numeric order.
    pub fn allocated(&self) -> impl Iterator<Item = (u64, &str)> {
        self.allocated.iter().map(|(id, c)| (*id, c.as_str()))
    }

    /// Keeps `next_id` above every known id.
    fn reconcile_next_id(&mut self) {
        if let Some((&max, _)) = self.allocated.last_key_value()
            && self.next_id <= max
        {
            self.next_id = max + 1;
        }
    }

    /// Records an id found in source, so it is never handed out again: the source is the truth,
    /// so its content identity replaces a recorded one, and `next_id` moves past it.
    ///
    /// # Errors
    /// [`IdError::InvalidLocalId`] when `id` is not a positive decimal without leading zeros.
    pub fn record_existing(&mut self, id: &str, content: &str) -> Result<(), IdError> {
        let number = parse_local_id(id)?;
        if let Some(old) = self.allocated.get(&number)
            && old != content
        {
            tracing::debug!(
                "id {id} content changed: {old} -> {content} (tag text edited since allocation)"
            );
        }
        self.allocated.insert(number, content.to_owned());
        if number >= self.next_id {
            self.next_id = number + 1;
        }
        Ok(())
    }

    /// Hands out the next id and records it for `content`.
    pub fn allocate(&mut self, content: &str) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        self.allocated.insert(id, content.to_owned());
        id
    }

    /// The file's text, byte for byte what pycodetags writes (`json.dumps(indent=2)` plus a
    /// newline; ids in numeric order).
    ///
    /// ```
    /// use codetags_cli::ids::IdCounter;
    /// let mut counter = IdCounter::new(".pycodetags_ids");
    /// counter.allocate("cd4a26dd5458");
    /// assert_eq!(
    ///     counter.to_json(),
    ///     "{\n  \"version\": 1,\n  \"next_id\": 2,\n  \"allocated\": {\n    \"1\": \"cd4a26dd5458\"\n  }\n}\n"
    /// );
    /// assert!(IdCounter::new("x").to_json().contains("\"allocated\": {}"));
    /// ```
    pub fn to_json(&self) -> String {
        let mut out = format!(
            "{{\n  \"version\": {COUNTER_VERSION},\n  \"next_id\": {},\n  \"allocated\": ",
            self.next_id
        );
        if self.allocated.is_empty() {
            out.push_str("{}");
        } else {
            out.push('{');
            for (i, (id, content)) in self.allocated.iter().enumerate() {
                out.push_str(if i == 0 { "\n    " } else { ",\n    " });
                let _ = write!(out, "\"{id}\": ");
                push_json_string(&mut out, content);
            }
            out.push_str("\n  }");
        }
        out.push_str("\n}\n");
        out
    }

    /// Saves the counter atomically (a temp file beside it, then a rename) and durably (on disk
    /// when this returns, so sources rewritten after it can never be newer than the ids it
    /// records), unless the file already holds exactly this text.
    ///
    /// # Errors
    /// [`IdError::Io`] naming the file.
    pub fn save(&self) -> Result<(), IdError> {
        let text = self.to_json();
        if std::fs::read(&self.path).is_ok_and(|old| old == text.as_bytes()) {
            return Ok(());
        }
        let how = AtomicWrite {
            temp_prefix: ".pycodetags-ids-",
            follow_links: true,
        };
        write_atomic_durable(&self.path, how, |w| w.write_all(text.as_bytes())).map_err(|error| {
            IdError::Io {
                path: self.path.clone(),
                error,
            }
        })
    }
}

/// An id as pycodetags accepts it: ASCII digits, not starting with `0`.
///
/// # Errors
/// [`IdError::InvalidLocalId`] with pycodetags' message.
pub(super) fn parse_local_id(id: &str) -> Result<u64, IdError> {
    let canonical =
        !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) && !id.starts_with('0');
    let invalid = |why: &str| {
        IdError::InvalidLocalId(format!("Invalid local id {}; {why}.", python_repr(id)))
    };
    if !canonical {
        return Err(invalid(
            "expected a positive decimal integer without leading zeros",
        ));
    }
    // pycodetags has no upper bound; we stop where the next id could not be counted.
    id.parse::<u64>()
        .ok()
        .filter(|n| *n < u64::MAX)
        .ok_or_else(|| invalid("ids above 18446744073709551614 are not supported"))
}

/// Appends `text` as a JSON string as Python's `json.dumps` writes it (`ensure_ascii`: every
/// non-ASCII character as `\uXXXX`).
fn push_json_string(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if c.is_ascii() && u32::from(c) >= 0x20 => out.push(c),
            c => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_text(text: &str) -> Result<IdCounter, String> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(COUNTER_FILE), text).unwrap();
        IdCounter::load(dir.path()).map_err(|e| {
            let shown = display_path(&dir.path().join(COUNTER_FILE)).into_owned();
            e.to_string().replace(&shown, "<path>")
        })
    }

    #[test]
    fn refusals_use_pycodetags_messages() {
        let read = "Cannot read id counter <path>; refusing to reset existing IDs.";
        let version = "Invalid id counter version in <path>.";
        let structure = "Invalid id counter structure in <path>.";
        for (text, want) in [
            ("", read),
            ("\u{feff}{}", read),
            ("[]", version),
            (r#"{"version": true}"#, version),
            (
                r#"{"version": 1.0, "next_id": 1, "allocated": {}}"#,
                version,
            ),
            (r#"{"version": 2, "next_id": 1, "allocated": {}}"#, version),
            (r#"{"version": 1, "allocated": {}}"#, structure),
            (
                r#"{"version": 1, "next_id": 0, "allocated": {}}"#,
                structure,
            ),
            (
                r#"{"version": 1, "next_id": -3, "allocated": {}}"#,
                structure,
            ),
            (
                r#"{"version": 1, "next_id": 2.5, "allocated": {}}"#,
                structure,
            ),
            (
                r#"{"version": 1, "next_id": 1, "allocated": []}"#,
                structure,
            ),
            (
                r#"{"version": 1, "next_id": 1, "allocated": {"01": "x"}}"#,
                "Invalid local id '01'; expected a positive decimal integer without leading zeros.",
            ),
            (
                r#"{"version": 1, "next_id": 1, "allocated": {"4": ""}}"#,
                "Invalid content identity for id '4' in <path>.",
            ),
            (
                r#"{"version": 1, "next_id": 1, "allocated": {"4": 5}}"#,
                "Invalid content identity for id '4' in <path>.",
            ),
        ] {
            assert_eq!(load_text(text).unwrap_err(), want, "{text:?}");
        }
    }

    #[test]
    fn next_id_passes_every_known_id_and_the_file_round_trips() {
        let counter =
            load_text(r#"{"version": 1, "next_id": 3, "allocated": {"10": "a", "9": "b\u00e9"}}"#)
                .unwrap();
        assert_eq!(counter.next_id(), 11);
        let text = counter.to_json();
        assert_eq!(
            text,
            "{\n  \"version\": 1,\n  \"next_id\": 11,\n  \"allocated\": {\n    \"9\": \"b\\u00e9\",\n    \"10\": \"a\"\n  }\n}\n"
        );
        assert_eq!(load_text(&text).unwrap().to_json(), text);
    }

    #[test]
    fn existing_ids_are_adopted() {
        let mut counter = IdCounter::new("x");
        counter.record_existing("7", "c7").unwrap();
        assert_eq!(counter.allocate("new"), 8);
        counter.record_existing("3", "c3").unwrap();
        assert_eq!(counter.allocate("new2"), 9);
        assert!(counter.record_existing("x1", "c").is_err());
        assert!(counter.record_existing("", "c").is_err());
        assert!(counter.record_existing("\u{663}", "c").is_err());
    }
}
