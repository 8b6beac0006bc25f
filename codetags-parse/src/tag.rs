//! The [`Tag`] model and its pycodetags JSON form.
//!
//! A `Tag` derives serde for compact, non-self-describing formats (the CLI caches `Vec<Tag>`
//! with postcard): ordered field maps are `Vec`s of pairs, values are a plain enum, no field is
//! skipped or flattened. The JSON that pycodetags 0.8.1 prints is a separate, borrowed view,
//! [`Tag::pycodetags`], and [`write_pycodetags_json`] prints a list of tags byte for byte as
//! `pycodetags data --format json` does.

use crate::schema::Schema;
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use std::io;

/// A metadata value. pycodetags 0.8.1 keeps every value a string; folk tags' default field is a
/// list (`"assignee": ["alice, bob"]`), as in 0.7.0.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FieldValue {
    /// A string value.
    Str(String),
    /// A list of strings.
    List(Vec<String>),
}

impl FieldValue {
    /// The value if it is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            FieldValue::Str(s) => Some(s),
            FieldValue::List(_) => None,
        }
    }
}

impl From<&str> for FieldValue {
    fn from(value: &str) -> Self {
        FieldValue::Str(value.to_owned())
    }
}

impl From<String> for FieldValue {
    fn from(value: String) -> Self {
        FieldValue::Str(value)
    }
}

/// Prints as JSON's string or array of strings, the way pycodetags prints it.
struct JsonValue<'a>(&'a FieldValue);

impl Serialize for JsonValue<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            FieldValue::Str(s) => serializer.serialize_str(s),
            FieldValue::List(items) => items.serialize(serializer),
        }
    }
}

/// An insertion-ordered map from field name to value (Python dict semantics: re-inserting a key
/// replaces its value in place).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FieldMap(pub Vec<(String, FieldValue)>);

impl FieldMap {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&FieldValue> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// The value of `key` if it is a string.
    pub fn get_str(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(FieldValue::as_str)
    }

    /// Sets `key`; an existing key keeps its position.
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<FieldValue>) {
        let key = key.into();
        let value = value.into();
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => self.0.push((key, value)),
        }
    }

    /// Removes `key` and returns its value.
    pub fn remove(&mut self, key: &str) -> Option<FieldValue> {
        let index = self.0.iter().position(|(k, _)| k == key)?;
        Some(self.0.remove(index).1)
    }

    /// Whether the map is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The entries in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &FieldValue)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }
}

/// Prints a [`FieldMap`] as a JSON object in insertion order.
struct JsonMap<'a>(&'a FieldMap);

impl Serialize for JsonMap<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (key, value) in self.0.iter() {
            map.serialize_entry(key, &JsonValue(value))?;
        }
        map.end()
    }
}

/// Where a tag is: 0-based lines, 0-based columns in code points of the decoded, LF-normalised
/// text; the end column is exclusive. pycodetags prints it as `[start_line, start_col, end_line,
/// end_col]`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Offsets {
    /// Line of the first character.
    pub start_line: usize,
    /// Column of the first character.
    pub start_column: usize,
    /// Line of the last character.
    pub end_line: usize,
    /// Column just past the last character.
    pub end_column: usize,
}

impl Offsets {
    /// The four numbers in pycodetags' order.
    pub fn to_array(self) -> [usize; 4] {
        [
            self.start_line,
            self.start_column,
            self.end_line,
            self.end_column,
        ]
    }
}

/// One code tag found in a source file, with everything pycodetags 0.8.1 records about it.
///
/// Field meanings follow pycodetags: `comment` is the one-line summary (equal to `title` for the
/// PEP 350 and TDG grammars), `body` the further lines, `data_fields` the metadata keys the
/// schema knows, `custom_fields` all other keys, `tag_id` the `id` key. Folk tags, as in 0.7.0,
/// have no `title`/`body` (`None`) and carry the parenthesised people in `default_fields`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Tag {
    /// The tag name, e.g. `TODO`.
    pub code_tag: String,
    /// The summary line.
    pub comment: String,
    /// The title (PEP 350 / TDG), `None` for folk tags.
    pub title: Option<String>,
    /// The body lines joined by `\n` (PEP 350 / TDG), `None` for folk tags.
    pub body: Option<String>,
    /// The `id` metadata value.
    pub tag_id: Option<String>,
    /// Values placed by position rather than by key (folk: `assignee`).
    pub default_fields: FieldMap,
    /// Metadata whose key is a schema field, in source order.
    pub data_fields: FieldMap,
    /// All other metadata, in source order.
    pub custom_fields: FieldMap,
    /// Always `None` (pycodetags always prints `null`).
    pub identity_fields: Option<Vec<String>>,
    /// Positional tokens no field took (always empty for these grammars).
    pub unprocessed_defaults: Vec<String>,
    /// The file the tag came from; empty until the caller sets it
    /// ([`crate::FileTags::set_file_path`]).
    pub file_path: String,
    /// SHA-256 (hex) of the decoded, LF-normalised text as UTF-8.
    pub source_digest: String,
    /// SHA-256 (hex) of the raw file bytes.
    pub source_bytes_digest: String,
    /// The exact source text at [`Tag::offsets`].
    pub original_text: String,
    /// The grammar that read the tag (never [`Schema::Auto`]: `auto` records `PEP350` or `TDG`).
    pub schema: Schema,
    /// Where the tag is.
    pub offsets: Offsets,
}

impl Tag {
    /// The `original_schema` pycodetags records: the name of the schema that read the tag.
    pub fn original_schema(&self) -> &'static str {
        self.schema.name()
    }

    /// This tag in pycodetags 0.8.1's JSON record form: serialising the returned value yields the
    /// keys `code_tag, comment, title, body, tag_id, default_fields, data_fields, custom_fields,
    /// identity_fields, unprocessed_defaults, file_path, source_digest, source_bytes_digest,
    /// original_text, original_schema, schema, offsets` in that order.
    ///
    /// ```
    /// use codetags_parse::{extract_tags, Schema};
    /// let found = extract_tags(b"# TODO: ship it <matth 2025-07-04>\n", Schema::Pep350).unwrap();
    /// let record = serde_json::to_value(found.tags[0].pycodetags()).unwrap();
    /// assert_eq!(record["data_fields"]["author"], "matth");
    /// assert_eq!(record["offsets"], serde_json::json!([0, 0, 0, 34]));
    /// assert_eq!(record["schema"]["name"], "PEP350");
    /// ```
    pub fn pycodetags(&self) -> PycodetagsRecord<'_> {
        PycodetagsRecord(self)
    }
}

/// A borrowed view of a [`Tag`] that serialises as a pycodetags 0.8.1 JSON record.
#[derive(Debug, Clone, Copy)]
pub struct PycodetagsRecord<'a>(&'a Tag);

impl Serialize for PycodetagsRecord<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(17))?;
        serialize_record_entries(self.0, &mut map)?;
        map.end()
    }
}

/// A pycodetags record followed by one key of ours (e.g. `blame`), for output that extends
/// 0.8.1's records without reordering them.
struct ExtendedRecord<'a, E> {
    tag: &'a Tag,
    key: &'a str,
    value: &'a E,
}

impl<E: Serialize> Serialize for ExtendedRecord<'_, E> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(18))?;
        serialize_record_entries(self.tag, &mut map)?;
        map.serialize_entry(self.key, self.value)?;
        map.end()
    }
}

fn serialize_record_entries<M: SerializeMap>(tag: &Tag, map: &mut M) -> Result<(), M::Error> {
    map.serialize_entry("code_tag", &tag.code_tag)?;
    map.serialize_entry("comment", &tag.comment)?;
    map.serialize_entry("title", &tag.title)?;
    map.serialize_entry("body", &tag.body)?;
    map.serialize_entry("tag_id", &tag.tag_id)?;
    map.serialize_entry("default_fields", &JsonMap(&tag.default_fields))?;
    map.serialize_entry("data_fields", &JsonMap(&tag.data_fields))?;
    map.serialize_entry("custom_fields", &JsonMap(&tag.custom_fields))?;
    map.serialize_entry("identity_fields", &tag.identity_fields)?;
    map.serialize_entry("unprocessed_defaults", &tag.unprocessed_defaults)?;
    map.serialize_entry("file_path", &tag.file_path)?;
    map.serialize_entry("source_digest", &tag.source_digest)?;
    map.serialize_entry("source_bytes_digest", &tag.source_bytes_digest)?;
    map.serialize_entry("original_text", &tag.original_text)?;
    map.serialize_entry("original_schema", tag.original_schema())?;
    map.serialize_entry("schema", &tag.schema.dict())?;
    map.serialize_entry("offsets", &tag.offsets.to_array())?;
    Ok(())
}

/// Writes `tags` exactly as `pycodetags data --format json` prints them: Python's
/// `json.dumps(records, indent=2)` (two-space indent, non-ASCII escaped as `\uXXXX`) plus a final
/// newline.
///
/// ```
/// use codetags_parse::{extract_tags, write_pycodetags_json, Schema};
/// let found = extract_tags("# TODO: café <a:b>\n".as_bytes(), Schema::Pep350).unwrap();
/// let mut out = Vec::new();
/// write_pycodetags_json(&found.tags, &mut out).unwrap();
/// let text = String::from_utf8(out).unwrap();
/// assert!(text.starts_with("[\n  {\n    \"code_tag\": \"TODO\",\n    \"comment\": \"caf\\u00e9\","));
///
/// let mut empty = Vec::new();
/// write_pycodetags_json(&[], &mut empty).unwrap();
/// assert_eq!(empty, b"[]\n");
/// ```
pub fn write_pycodetags_json<'a, W: io::Write>(
    tags: impl IntoIterator<Item = &'a Tag>,
    writer: W,
) -> io::Result<()> {
    let mut writer = writer;
    let mut empty = true;
    writer.write_all(b"[")?;
    for tag in tags {
        writer.write_all(if empty { b"\n  " } else { b",\n  " })?;
        write_pycodetags_record(tag, &mut writer)?;
        empty = false;
    }
    writer.write_all(if empty { b"]\n" } else { b"\n]\n" })
}

/// Tags per chunk below which [`write_pycodetags_json_parallel`] formats on the calling thread.
const PARALLEL_MIN_CHUNK: usize = 256;

/// Writes exactly what [`write_pycodetags_json`] writes, formatting the records in contiguous
/// chunks on up to `threads` threads, each into its own buffer, and writing the buffers in
/// order. Records are independent, so a report of many tags costs its formatting divided by the
/// threads; small reports (fewer than 256 tags a thread) stay on one thread.
///
/// ```
/// use codetags_parse::{extract_tags, write_pycodetags_json, write_pycodetags_json_parallel, Schema};
/// let source: String = (0..600).map(|i| format!("# TODO: item {i} <p:{i}>\n")).collect();
/// let found = extract_tags(source.as_bytes(), Schema::Pep350).unwrap();
/// let tags: Vec<_> = found.tags.iter().collect();
/// let (mut serial, mut parallel) = (Vec::new(), Vec::new());
/// write_pycodetags_json(tags.iter().copied(), &mut serial).unwrap();
/// write_pycodetags_json_parallel(&tags, 2, &mut parallel).unwrap();
/// assert_eq!(serial, parallel);
/// ```
///
/// # Errors
/// The writer's errors (formatting into memory cannot fail).
pub fn write_pycodetags_json_parallel<W: io::Write>(
    tags: &[&Tag],
    threads: usize,
    mut writer: W,
) -> io::Result<()> {
    let chunk = tags.len().div_ceil(threads.max(1)).max(PARALLEL_MIN_CHUNK);
    let format_chunk = |chunk: &[&Tag]| -> io::Result<Vec<u8>> {
        let mut buffer = Vec::with_capacity(chunk.len() * 2048);
        for tag in chunk {
            buffer.extend_from_slice(b",\n  ");
            write_pycodetags_record(tag, &mut buffer)?;
        }
        Ok(buffer)
    };
    let parts: Vec<io::Result<Vec<u8>>> = std::thread::scope(|scope| {
        let workers: Vec<_> = tags
            .chunks(chunk)
            .map(|part| scope.spawn(move || format_chunk(part)))
            .collect();
        workers
            .into_iter()
            .map(|worker| {
                worker
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    writer.write_all(b"[")?;
    for (index, part) in parts.into_iter().enumerate() {
        let part = part?;
        // Each record is preceded by `,\n  `; the first has no comma.
        writer.write_all(if index == 0 { &part[1..] } else { &part })?;
    }
    writer.write_all(if tags.is_empty() { b"]\n" } else { b"\n]\n" })
}

/// Writes one tag's record the way it appears inside [`write_pycodetags_json`]'s array: from its
/// `{` to its `}`, every line after the first indented one level deeper. The array is
/// `[`, then each record preceded by `\n  ` (the first) or `,\n  ` (the others), then `\n]`
/// (`[]` when empty) and a newline, so records can be written separately, in parallel, and
/// joined.
///
/// ```
/// use codetags_parse::{extract_tags, write_pycodetags_json, write_pycodetags_record, Schema};
/// let found = extract_tags(b"# TODO: a <p:1>\n# FIXME: b <p:2>\n", Schema::Pep350).unwrap();
/// let mut joined = b"[".to_vec();
/// for (i, tag) in found.tags.iter().enumerate() {
///     joined.extend_from_slice(if i == 0 { b"\n  " } else { b",\n  " });
///     write_pycodetags_record(tag, &mut joined).unwrap();
/// }
/// joined.extend_from_slice(b"\n]\n");
/// let mut whole = Vec::new();
/// write_pycodetags_json(&found.tags, &mut whole).unwrap();
/// assert_eq!(joined, whole);
/// ```
pub fn write_pycodetags_record<W: io::Write>(tag: &Tag, writer: W) -> io::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(writer, PythonFormatter::inside_array());
    tag.pycodetags()
        .serialize(&mut ser)
        .map_err(io::Error::other)
}

/// Writes what [`write_pycodetags_record`] writes with one more key, `key`, after 0.8.1's
/// last (`offsets`), formatted the same way (Python's `json.dumps(indent=2)`, ASCII only).
/// codetags' own additions to a record (`blame`) go through here, so a record without them
/// stays byte for byte 0.8.1's.
///
/// ```
/// use codetags_parse::{extract_tags, write_pycodetags_record, write_pycodetags_record_with, Schema};
/// let found = extract_tags(b"# TODO: a <p:1>\n", Schema::Pep350).unwrap();
/// let (mut plain, mut extended) = (Vec::new(), Vec::new());
/// write_pycodetags_record(&found.tags[0], &mut plain).unwrap();
/// write_pycodetags_record_with(&found.tags[0], "blame", &serde_json::json!({"author": "Zoë"}), &mut extended).unwrap();
/// let plain = String::from_utf8(plain).unwrap();
/// let extended = String::from_utf8(extended).unwrap();
/// assert!(extended.starts_with(plain.strip_suffix("\n  }").unwrap()));
/// assert!(extended.ends_with(",\n    \"blame\": {\n      \"author\": \"Zo\\u00eb\"\n    }\n  }"));
/// ```
pub fn write_pycodetags_record_with<W: io::Write, E: Serialize>(
    tag: &Tag,
    key: &str,
    value: &E,
    writer: W,
) -> io::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(writer, PythonFormatter::inside_array());
    ExtendedRecord { tag, key, value }
        .serialize(&mut ser)
        .map_err(io::Error::other)
}

/// Python `json.dumps(indent=2)` formatting: serde_json's pretty printer, except that every
/// character outside printable ASCII is escaped (`ensure_ascii=True`), astral characters as
/// surrogate pairs, and empty containers print as `[]`/`{}` (both agree on that already).
struct PythonFormatter<'a> {
    pretty: serde_json::ser::PrettyFormatter<'a>,
}

impl PythonFormatter<'_> {
    /// A formatter that writes a value as an element of a top-level array: the pretty printer
    /// has opened that array (into a sink), so it indents one level deeper.
    fn inside_array() -> Self {
        let mut pretty = serde_json::ser::PrettyFormatter::with_indent(b"  ");
        serde_json::ser::Formatter::begin_array(&mut pretty, &mut io::sink())
            .expect("writing to io::sink cannot fail");
        Self { pretty }
    }
}

impl serde_json::ser::Formatter for PythonFormatter<'_> {
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        // Nearly every fragment is printable ASCII: one vectorisable check, one write.
        if fragment.bytes().all(|b| (b' '..=b'~').contains(&b)) {
            return writer.write_all(fragment.as_bytes());
        }
        let mut start = 0;
        for (index, c) in fragment.char_indices() {
            if (' '..='~').contains(&c) {
                continue;
            }
            writer.write_all(&fragment.as_bytes()[start..index])?;
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                write!(writer, "\\u{unit:04x}")?;
            }
            start = index + c.len_utf8();
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }

    fn begin_array<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.pretty.begin_array(writer)
    }
    fn end_array<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.pretty.end_array(writer)
    }
    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.pretty.begin_array_value(writer, first)
    }
    fn end_array_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.pretty.end_array_value(writer)
    }
    fn begin_object<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.pretty.begin_object(writer)
    }
    fn end_object<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.pretty.end_object(writer)
    }
    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.pretty.begin_object_key(writer, first)
    }
    fn begin_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.pretty.begin_object_value(writer)
    }
    fn end_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.pretty.end_object_value(writer)
    }
}
