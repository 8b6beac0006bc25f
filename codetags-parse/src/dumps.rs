//! pycodetags 0.8.1's serializer: a [`Tag`] back to comment text, as
//! `pycodetags.common_interfaces.dumps` (`data_tags.formats.serialize_tag`) writes it.
//!
//! Two forms, chosen by the schema's wire format:
//!
//! * **PEP 350** (schemas `PEP350` and `DATA`) — the title line, then the body lines, and the
//!   metadata in angle brackets: appended to the title line when there is no body, else on a
//!   line of its own after the body.
//!
//!   ```text
//!   # TODO: validate qty against stock <assignee=jdoe status=open>
//!
//!   # BUG: retries forever
//!   #  The loop needs a deadline.
//!   # <assignee="bob, carol" priority=urgent id=13>
//!   ```
//! * **TDG** — the title line, then the metadata as one `key=value` line (when there is any),
//!   then the body lines.
//!
//!   ```text
//!   # FIXME: Keep the unreleased section
//!   # id=22
//!   # The generator drops it when no tag exists yet.
//!   ```
//!
//! # Field order
//! The metadata lists `default_fields`, then `custom_fields`, then `data_fields`, each in its own
//! (source) order; a key seen twice keeps its first place. Aliases are resolved (`cat` →
//! `category`). `title`, `body` and `id` are never taken from the maps; the local id comes last:
//! [`Tag::tag_id`], else `data_fields["id"]`, else `custom_fields["id"]`. So a PEP 350 tag read
//! from `<jdoe 2025-07-01 priority=high>` is written `<origination_date=2025-07-01
//! priority=high author=jdoe>` (the parser files positional authors last).
//!
//! # Quoting and escaping
//! A value is written bare unless it is empty or holds whitespace, a backslash, a quote or an
//! angle bracket; then it is a JSON string (`json.dumps(ensure_ascii=False)`: only `"`, `\` and
//! control characters are escaped). In the PEP 350 form the title's `\` and `<` are escaped with
//! a backslash. A body line that starts with `\`, contains `<`, looks like a tag anchor
//! (`TODO: …`) or like a TDG property line (`key=…`) is prefixed with `\`, so reading the text
//! back gives the same tag.
//!
//! # How `pycodetags data --format text` uses it
//! pycodetags' `views.print_text` groups the tags by `code_tag` (the group key is the tag name
//! stripped and lower-cased; groups sorted by that key), sorts each group by `comment` (a stable
//! sort, code-point order), and prints for each group a header line `--- {KEY.upper()} ---`,
//! then for each tag its serialized form ([`dumps`], i.e. `DATA.as_data_comment()`), its
//! terminal link `{file_path}:{start_line + 1}:{start_column}` on the next line, and an empty
//! line. Each tag is serialized with the schema that read it (a TDG `schema_paths` file prints
//! TDG, the others PEP 350). When nothing is found pycodetags prints `No data to report.` on
//! stderr and exits 1 before any view runs.
//!
//! ```
//! use codetags_parse::{dumps, extract_tags, Schema};
//! let found = extract_tags(b"# TODO: ship it <jdoe 2025-07-01 priority=high>\n", Schema::Pep350).unwrap();
//! assert_eq!(
//!     dumps(&found.tags[0]).unwrap(),
//!     "# TODO: ship it <origination_date=2025-07-01 priority=high author=jdoe>"
//! );
//! ```

use crate::grammar::{is_py_space, py_repr};
use crate::schema::Schema;
use crate::tag::{FieldMap, FieldValue, Tag};
use std::borrow::Cow;
use std::fmt::Write as _;

/// Why a tag cannot be serialized: pycodetags 0.8.1's `SchemaError` / `DataTagParseError`
/// messages, word for word.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DumpError {
    /// The tag name is not one of the schema's `matching_tags`.
    #[error("Tag {} is not recognized by schema {}.", py_repr(.code_tag), py_repr(.schema))]
    UnknownTag {
        /// The tag name.
        code_tag: String,
        /// The schema's name.
        schema: String,
    },
    /// The title holds a line break.
    #[error("A title must be one line; put additional lines in body.")]
    MultilineTitle,
    /// Two field maps give one key different values.
    #[error("Conflicting values for {}.", py_repr(.0))]
    ConflictingValues(String),
    /// A key that is not `[A-Za-z][A-Za-z0-9_]*`.
    #[error("Invalid property name {}.", py_repr(.0))]
    InvalidPropertyName(String),
}

/// Serializes `tag` in the form of the schema that read it ([`Tag::schema`]), as
/// `pycodetags.common_interfaces.dumps(tag)` does. Lines are joined by `\n`, with no final
/// newline; the text starts at the `#` (the caller indents continuation lines).
///
/// Folk tags (our extension; pycodetags 0.8.1 has no folk schema) are written in the PEP 350
/// form, their list values joined with `", "`.
///
/// ```
/// use codetags_parse::{dumps, extract_tags, Schema};
/// let src = "# FIXME: Keep the unreleased section\n# id=22\n# The generator drops it.\n";
/// let found = extract_tags(src.as_bytes(), Schema::Tdg).unwrap();
/// assert_eq!(dumps(&found.tags[0]).unwrap(), src.trim_end());
/// ```
///
/// # Errors
/// [`DumpError`] when the tag cannot be written in its schema's form (never for a tag the
/// grammar read, unless it was edited).
pub fn dumps(tag: &Tag) -> Result<String, DumpError> {
    dumps_as(tag, tag.schema)
}

/// Serializes `tag` in `schema`'s form and vocabulary (`dumps(tag, schema=…)`): its wire format
/// (PEP 350 for `PEP350`, `DATA`, `folk` and `auto`; TDG for `TDG`), its tag names and its key
/// aliases.
///
/// ```
/// use codetags_parse::{dumps_as, extract_tags, Schema};
/// let found = extract_tags(b"# BUG: drifts <ann priority=high>\n", Schema::Pep350).unwrap();
/// assert_eq!(dumps_as(&found.tags[0], Schema::Tdg).unwrap(), "# BUG: drifts\n# priority=high author=ann");
/// ```
///
/// # Errors
/// As [`dumps`].
pub fn dumps_as(tag: &Tag, schema: Schema) -> Result<String, DumpError> {
    if !schema.matches_tag(&tag.code_tag) {
        return Err(DumpError::UnknownTag {
            code_tag: tag.code_tag.clone(),
            schema: schema.name().to_owned(),
        });
    }
    let title = tag.title.as_deref().unwrap_or(&tag.comment);
    if title.contains(['\n', '\r']) {
        return Err(DumpError::MultilineTitle);
    }
    let metadata = metadata(tag, schema)?;
    let body: Vec<String> = match tag.body.as_deref() {
        Some(body) if !body.is_empty() => body
            .split('\n')
            .map(|line| {
                if needs_body_escape(line, schema) {
                    format!("# \\{line}")
                } else {
                    format!("# {line}")
                }
            })
            .collect(),
        _ => Vec::new(),
    };
    let tdg = schema == Schema::Tdg;
    let mut out = String::new();
    if tdg {
        let _ = write!(out, "# {}: {title}", tag.code_tag);
        if !metadata.is_empty() {
            out.push_str("\n# ");
            out.push_str(&metadata);
        }
        for line in &body {
            out.push('\n');
            out.push_str(line);
        }
    } else {
        let title = title.replace('\\', "\\\\").replace('<', "\\<");
        let _ = write!(out, "# {}: {title}", tag.code_tag);
        for line in &body {
            out.push('\n');
            out.push_str(line);
        }
        if body.is_empty() {
            let _ = write!(out, " <{metadata}>");
        } else {
            let _ = write!(out, "\n# <{metadata}>");
        }
    }
    Ok(out)
}

/// The `key=value` pairs, space-separated, in pycodetags' order (see the module docs).
fn metadata(tag: &Tag, schema: Schema) -> Result<String, DumpError> {
    let mut properties: Vec<(&str, Cow<'_, str>)> = Vec::new();
    for map in [&tag.default_fields, &tag.custom_fields, &tag.data_fields] {
        for (key, value) in map.iter() {
            let key = schema.canonical_key(key);
            let value = value_text(value);
            if let Some((_, seen)) = properties.iter().find(|(k, _)| *k == key) {
                if *seen != value {
                    return Err(DumpError::ConflictingValues(key.to_owned()));
                }
                continue;
            }
            if matches!(key, "title" | "body" | "id") {
                continue;
            }
            if !is_property_name(key) {
                return Err(DumpError::InvalidPropertyName(key.to_owned()));
            }
            properties.push((key, value));
        }
    }
    if let Some(id) = local_id(tag) {
        properties.push(("id", Cow::Borrowed(id)));
    }
    let mut out = String::new();
    for (i, (key, value)) in properties.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(key);
        out.push('=');
        out.push_str(&quote_value(value));
    }
    Ok(out)
}

/// The local id the serializer writes: [`Tag::tag_id`], else the `id` of `data_fields`, else
/// that of `custom_fields`.
fn local_id(tag: &Tag) -> Option<&str> {
    fn id_of(map: &FieldMap) -> Option<&str> {
        map.get("id").map(|v| match v {
            FieldValue::Str(s) => s.as_str(),
            FieldValue::List(items) => items.first().map_or("", String::as_str),
        })
    }
    tag.tag_id
        .as_deref()
        .or_else(|| id_of(&tag.data_fields))
        .or_else(|| id_of(&tag.custom_fields))
}

/// A value as text: a string as is, a list (folk tags only) joined with `", "`.
fn value_text(value: &FieldValue) -> Cow<'_, str> {
    match value {
        FieldValue::Str(s) => Cow::Borrowed(s),
        FieldValue::List(items) => Cow::Owned(items.join(", ")),
    }
}

/// `[A-Za-z][A-Za-z0-9_]*`.
fn is_property_name(key: &str) -> bool {
    let mut bytes = key.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_alphabetic())
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// pycodetags' `quote_value`: the value bare when it is non-empty and holds no whitespace and
/// none of `\ " ' < >`; else as a JSON string (`json.dumps(value, ensure_ascii=False)`).
///
/// ```
/// use codetags_parse::dumps::quote_value;
/// assert_eq!(quote_value("high"), "high");
/// assert_eq!(quote_value("bob, carol"), "\"bob, carol\"");
/// assert_eq!(quote_value(""), "\"\"");
/// assert_eq!(quote_value("a\"b\\c\u{1}é"), "\"a\\\"b\\\\c\\u0001é\"");
/// ```
pub fn quote_value(value: &str) -> Cow<'_, str> {
    let plain = !value.is_empty()
        && !value
            .chars()
            .any(|c| is_py_space(c) || "\\\"'<>".contains(c));
    if plain {
        return Cow::Borrowed(value);
    }
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    Cow::Owned(out)
}

/// Whether a body line must be written with a leading `\` to read back as body text.
fn needs_body_escape(line: &str, schema: Schema) -> bool {
    line.starts_with('\\')
        || anchor_tag(line).is_some_and(|tag| schema.matches_tag(tag))
        || line.contains('<')
        || is_property_line(line)
}

/// The tag name when `# ` + `line` matches pycodetags' anchor
/// `^[ \t]*#[ \t]*([A-Z][A-Z0-9_!?]*)[ \t]*:`.
fn anchor_tag(line: &str) -> Option<&str> {
    let rest = line.trim_start_matches([' ', '\t']);
    let bytes = rest.as_bytes();
    if !bytes.first().is_some_and(u8::is_ascii_uppercase) {
        return None;
    }
    let end = bytes
        .iter()
        .take_while(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b"_!?".contains(b))
        .count();
    let after = rest[end..].trim_start_matches([' ', '\t']);
    after.starts_with(':').then(|| &rest[..end])
}

/// pycodetags' `property_line`: after Python's `lstrip()`, `[A-Za-z][A-Za-z0-9_]*\s*=`.
fn is_property_line(line: &str) -> bool {
    let rest = line.trim_start_matches(is_py_space);
    let bytes = rest.as_bytes();
    if !bytes.first().is_some_and(u8::is_ascii_alphabetic) {
        return false;
    }
    let end = bytes
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
        .count();
    rest[end..].trim_start_matches(is_py_space).starts_with('=')
}

/// A copy of `tag` carrying the local id `id`, as `pycodetags id` builds the tag it writes
/// back (`id_command.with_id`): [`Tag::tag_id`] is set, and `id` is put into `data_fields` when
/// that map already has one or the tag was read as TDG, else into `custom_fields` (an existing
/// key keeps its place, a new one goes last). The serializer writes the id last either way.
///
/// ```
/// use codetags_parse::{dumps, dumps::with_id, extract_tags, Schema};
/// let found = extract_tags(b"# TODO: ship it <priority=high>\n", Schema::Pep350).unwrap();
/// let tagged = with_id(&found.tags[0], "8");
/// assert_eq!(tagged.tag_id.as_deref(), Some("8"));
/// assert_eq!(tagged.custom_fields.get_str("id"), Some("8"));
/// assert_eq!(dumps(&tagged).unwrap(), "# TODO: ship it <priority=high id=8>");
/// ```
pub fn with_id(tag: &Tag, id: &str) -> Tag {
    let mut tagged = tag.clone();
    tagged.tag_id = Some(id.to_owned());
    if tag.data_fields.get("id").is_some() || tag.original_schema().eq_ignore_ascii_case("TDG") {
        tagged.data_fields.insert("id", id);
    } else {
        tagged.custom_fields.insert("id", id);
    }
    tagged
}

/// Python's `repr()` of a string, as pycodetags' messages print names and values (`'x'`,
/// `"it's"`, `'\n'`, non-printable characters as `\xNN`/`\uNNNN`).
///
/// ```
/// use codetags_parse::dumps::python_repr;
/// assert_eq!(python_repr("7"), "'7'");
/// assert_eq!(python_repr("it's"), "\"it's\"");
/// assert_eq!(python_repr("a\tb\u{a0}"), "'a\\tb\\xa0'");
/// ```
pub fn python_repr(s: &str) -> String {
    py_repr(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_escapes_follow_pycodetags() {
        let s = Schema::Pep350;
        assert!(needs_body_escape("\\x", s));
        assert!(needs_body_escape("  TODO: nested", s));
        assert!(!needs_body_escape("TODOS: not a tag name", s));
        assert!(!needs_body_escape("note: lower case", s));
        assert!(needs_body_escape("a <b", s));
        assert!(needs_body_escape(" key = value", s));
        assert!(needs_body_escape("\u{a0}key=value", s));
        assert!(!needs_body_escape("key: value", s));
        assert!(!needs_body_escape("1key=value", s));
        assert!(!needs_body_escape(
            "FOO: only when the schema knows it",
            Schema::Folk
        ));
    }

    #[test]
    fn property_names() {
        assert!(is_property_name("origination_date"));
        assert!(is_property_name("a1_"));
        assert!(!is_property_name("_a"));
        assert!(!is_property_name(""));
        assert!(!is_property_name("é"));
    }
}
