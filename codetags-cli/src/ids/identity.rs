//! A tag's identities as pycodetags 0.8.1 computes them (`data_tags.identity`): the local id it
//! carries, and its content identity, the short hash `.pycodetags_ids` records for each id.

use codetags_parse::{FieldMap, FieldValue, Tag};
use sha2::{Digest, Sha256};

/// Hex digits kept of the content hash.
const CONTENT_HASH_LEN: usize = 12;

/// The tag's content identity: the first 12 hex digits of SHA-256 over its tag name and title
/// (else its comment), each with whitespace runs collapsed to one space, joined by a NUL. The
/// built-in schemas declare no `identity_fields`, so nothing else takes part.
///
/// ```
/// use codetags_cli::ids::content_identity;
/// use codetags_parse::{extract_tags, Schema};
/// let tags = extract_tags(b"# TODO: expose a stable public API <jdoe>\n", Schema::Pep350).unwrap().tags;
/// assert_eq!(content_identity(&tags[0]), "cd4a26dd5458"); // as pycodetags recorded it
/// ```
pub fn content_identity(tag: &Tag) -> String {
    let title = tag.title.as_deref().unwrap_or(&tag.comment);
    let joined = format!("{}\0{}", normalize(&tag.code_tag), normalize(title));
    let digest = Sha256::digest(joined.as_bytes());
    let mut hex = String::with_capacity(64);
    for byte in digest {
        hex.push_str(&format!("{byte:02x}"));
    }
    hex.truncate(CONTENT_HASH_LEN);
    hex
}

/// Python's `" ".join(value.split())`.
fn normalize(value: &str) -> String {
    value
        .split(is_py_space)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Python's `str.isspace()`.
fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// The local id a tag carries, as pycodetags' `field_value(tag, "tag_id", "id")` finds it: for
/// each of the names `tag_id` and `id`, the attribute (only `tag_id` is one), else the
/// `data_fields` value, else the `custom_fields` value; the first that is not blank, stripped.
///
/// ```
/// use codetags_cli::ids::local_id;
/// use codetags_parse::{extract_tags, Schema};
/// let tags = extract_tags(b"# TODO: a <id=7>\n# TODO: b <p=1>\n", Schema::Pep350).unwrap().tags;
/// assert_eq!(local_id(&tags[0]).as_deref(), Some("7"));
/// assert_eq!(local_id(&tags[1]), None);
/// ```
pub fn local_id(tag: &Tag) -> Option<String> {
    fn field(map: &FieldMap, name: &str) -> Option<String> {
        map.get(name).map(|v| match v {
            FieldValue::Str(s) => s.clone(),
            FieldValue::List(items) => items.join(", "),
        })
    }
    for name in ["tag_id", "id"] {
        let attribute = if name == "tag_id" {
            tag.tag_id.clone()
        } else {
            None
        };
        let value = attribute
            .or_else(|| field(&tag.data_fields, name))
            .or_else(|| field(&tag.custom_fields, name));
        if let Some(value) = value {
            let stripped = value.trim_matches(is_py_space);
            if !stripped.is_empty() {
                return Some(stripped.to_owned());
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whitespace_is_collapsed_as_python_splits() {
        assert_eq!(normalize("  a \t b\u{a0}\u{1f}c  "), "a b c");
        assert_eq!(normalize(""), "");
    }
}
