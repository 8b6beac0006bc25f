//! The pycodetags JSON array, streamed: records formatted in batches (each batch on the worker
//! threads, in contiguous chunks) and written in order, so the report of a million tags never
//! holds more than a batch. Each record is written by hand, byte for byte what
//! [`codetags_parse::write_pycodetags_record`] writes (Python's `json.dumps(indent=2)` with
//! `ensure_ascii`), about ten times faster; the schema dictionary, the same for every tag of a
//! schema, is formatted once. `tests` compare both writers on every kind of field and character.

use codetags_parse::{FieldMap, FieldValue, Schema, Tag};
use std::io::{self, Write};

/// Tags formatted per batch.
const BATCH: usize = 8192;
/// Tags per thread below which a batch is formatted on the calling thread.
const PARALLEL_MIN_CHUNK: usize = 256;

/// Writes the JSON array of the tags `each_tag` produces (it calls its argument once per tag,
/// in order, handing the tag over).
pub(super) fn write_tags_json(
    out: &mut dyn Write,
    each_tag: impl FnOnce(&mut dyn FnMut(Tag) -> io::Result<()>) -> io::Result<()>,
) -> io::Result<()> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let schemas = SchemaTexts::new();
    let mut batch: Vec<Tag> = Vec::with_capacity(BATCH);
    let mut first = true;
    out.write_all(b"[")?;
    let mut flush = |batch: &mut Vec<Tag>, out: &mut dyn Write| -> io::Result<()> {
        if batch.is_empty() {
            return Ok(());
        }
        let chunk = batch.len().div_ceil(threads.max(1)).max(PARALLEL_MIN_CHUNK);
        let format = |part: &[Tag]| {
            let mut buffer = Vec::with_capacity(part.len() * 1024);
            for tag in part {
                buffer.extend_from_slice(b",\n  ");
                write_record(tag, &schemas, &mut buffer);
            }
            buffer
        };
        let parts: Vec<Vec<u8>> = if batch.len() <= chunk {
            vec![format(batch)]
        } else {
            std::thread::scope(|scope| {
                let workers: Vec<_> = batch
                    .chunks(chunk)
                    .map(|part| scope.spawn(move || format(part)))
                    .collect();
                workers
                    .into_iter()
                    .map(|w| w.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                    .collect()
            })
        };
        for part in parts {
            // Each record is preceded by `,\n  `; the array's first has no comma.
            out.write_all(if first { &part[1..] } else { &part })?;
            first = false;
        }
        batch.clear();
        Ok(())
    };
    {
        let mut push = |tag: Tag| -> io::Result<()> {
            batch.push(tag);
            if batch.len() == BATCH {
                flush(&mut batch, out)?;
            }
            Ok(())
        };
        each_tag(&mut push)?;
    }
    flush(&mut batch, out)?;
    out.write_all(if first { b"]\n" } else { b"\n]\n" })
}

/// Each schema's dictionary as it appears in a record (after `"schema": `).
struct SchemaTexts {
    texts: Vec<(Schema, Vec<u8>)>,
}

impl SchemaTexts {
    fn new() -> SchemaTexts {
        let texts = Schema::ALL
            .into_iter()
            .map(|schema| {
                let mut text = Vec::new();
                let pretty = serde_json::ser::PrettyFormatter::with_indent(b"  ");
                let mut ser = serde_json::Serializer::with_formatter(&mut text, pretty);
                let _ = serde::Serialize::serialize(&schema.dict(), &mut ser);
                let mut indented = Vec::with_capacity(text.len() * 2);
                for &b in &text {
                    indented.push(b);
                    if b == b'\n' {
                        indented.extend_from_slice(b"    ");
                    }
                }
                // The dictionaries are ASCII; escape anything else as the record writer does.
                let text = String::from_utf8(indented).unwrap_or_default();
                let mut out = Vec::with_capacity(text.len());
                for c in text.chars() {
                    if c.is_ascii() && c != '\x7f' {
                        out.push(c as u8);
                    } else {
                        escape_char(c, &mut out);
                    }
                }
                (schema, out)
            })
            .collect();
        SchemaTexts { texts }
    }

    fn get(&self, schema: Schema) -> &[u8] {
        self.texts
            .iter()
            .find(|(s, _)| *s == schema)
            .map_or(&b"null"[..], |(_, t)| t)
    }
}

fn escape_char(c: char, out: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut units = [0u16; 2];
    for unit in c.encode_utf16(&mut units) {
        out.extend_from_slice(b"\\u");
        for shift in [12, 8, 4, 0] {
            out.push(HEX[usize::from((*unit >> shift) & 0xf)]);
        }
    }
}

/// A JSON string as Python's `json.dumps(ensure_ascii=True)` writes it.
fn string(text: &str, out: &mut Vec<u8>) {
    out.push(b'"');
    let bytes = text.as_bytes();
    // Runs of printable ASCII other than `"` and `\` are copied whole.
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if (b' '..=b'~').contains(&b) && b != b'"' && b != b'\\' {
            continue;
        }
        if b >= 0x80 && !text.is_char_boundary(i) {
            continue;
        }
        out.extend_from_slice(&bytes[start..i]);
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0c => out.extend_from_slice(b"\\f"),
            _ => {
                let c = text[i..].chars().next().unwrap_or('\u{fffd}');
                escape_char(c, out);
                start = i + c.len_utf8();
                continue;
            }
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

fn optional_string(value: Option<&str>, out: &mut Vec<u8>) {
    match value {
        Some(text) => string(text, out),
        None => out.extend_from_slice(b"null"),
    }
}

fn indent(level: usize, out: &mut Vec<u8>) {
    out.push(b'\n');
    for _ in 0..level {
        out.extend_from_slice(b"  ");
    }
}

/// A list of strings at nesting `level` (its items one level deeper).
fn string_list<'a>(
    items: impl ExactSizeIterator<Item = &'a String>,
    level: usize,
    out: &mut Vec<u8>,
) {
    if items.len() == 0 {
        out.extend_from_slice(b"[]");
        return;
    }
    out.push(b'[');
    for (i, item) in items.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        indent(level + 1, out);
        string(item, out);
    }
    indent(level, out);
    out.push(b']');
}

fn field_map(map: &FieldMap, out: &mut Vec<u8>) {
    if map.is_empty() {
        out.extend_from_slice(b"{}");
        return;
    }
    out.push(b'{');
    for (i, (key, value)) in map.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        indent(3, out);
        string(key, out);
        out.extend_from_slice(b": ");
        match value {
            FieldValue::Str(text) => string(text, out),
            FieldValue::List(items) => string_list(items.iter(), 3, out),
        }
    }
    indent(2, out);
    out.push(b'}');
}

fn number(n: usize, out: &mut Vec<u8>) {
    let _ = write!(out, "{n}");
}

/// One record, from its `{` to its `}`, as an element of the top-level array.
fn write_record(tag: &Tag, schemas: &SchemaTexts, out: &mut Vec<u8>) {
    out.extend_from_slice(b"{\n    \"code_tag\": ");
    string(&tag.code_tag, out);
    out.extend_from_slice(b",\n    \"comment\": ");
    string(&tag.comment, out);
    out.extend_from_slice(b",\n    \"title\": ");
    optional_string(tag.title.as_deref(), out);
    out.extend_from_slice(b",\n    \"body\": ");
    optional_string(tag.body.as_deref(), out);
    out.extend_from_slice(b",\n    \"tag_id\": ");
    optional_string(tag.tag_id.as_deref(), out);
    out.extend_from_slice(b",\n    \"default_fields\": ");
    field_map(&tag.default_fields, out);
    out.extend_from_slice(b",\n    \"data_fields\": ");
    field_map(&tag.data_fields, out);
    out.extend_from_slice(b",\n    \"custom_fields\": ");
    field_map(&tag.custom_fields, out);
    out.extend_from_slice(b",\n    \"identity_fields\": ");
    match &tag.identity_fields {
        Some(items) => string_list(items.iter(), 2, out),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\n    \"unprocessed_defaults\": ");
    string_list(tag.unprocessed_defaults.iter(), 2, out);
    out.extend_from_slice(b",\n    \"file_path\": ");
    string(&tag.file_path, out);
    out.extend_from_slice(b",\n    \"source_digest\": ");
    string(&tag.source_digest, out);
    out.extend_from_slice(b",\n    \"source_bytes_digest\": ");
    string(&tag.source_bytes_digest, out);
    out.extend_from_slice(b",\n    \"original_text\": ");
    string(&tag.original_text, out);
    out.extend_from_slice(b",\n    \"original_schema\": ");
    string(tag.original_schema(), out);
    out.extend_from_slice(b",\n    \"schema\": ");
    out.extend_from_slice(schemas.get(tag.schema));
    out.extend_from_slice(b",\n    \"offsets\": [");
    for (i, n) in tag.offsets.to_array().into_iter().enumerate() {
        out.extend_from_slice(if i == 0 { b"\n      " } else { b",\n      " });
        number(n, out);
    }
    out.extend_from_slice(b"\n    ]\n  }");
}

#[cfg(test)]
mod tests {
    use super::*;
    use codetags_parse::Offsets;

    fn reference(tag: &Tag) -> String {
        let mut out = Vec::new();
        codetags_parse::write_pycodetags_record(tag, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn fast(tag: &Tag) -> String {
        let mut out = Vec::new();
        write_record(tag, &SchemaTexts::new(), &mut out);
        String::from_utf8(out).unwrap()
    }

    const TEXTS: &[&str] = &[
        "",
        "plain",
        "quote \" and \\ backslash",
        "tab\tnew\nline\rcr \u{8} \u{c} \u{1} \u{1f} \u{7f}",
        "caf\u{e9} \u{2028} \u{ffff}",
        "astral \u{1f600} end",
        "</script> & <a>",
    ];

    fn tag_with(i: usize, schema: Schema) -> Tag {
        let text = |k: usize| TEXTS[(i + k) % TEXTS.len()].to_owned();
        let mut map = FieldMap::new();
        if i.is_multiple_of(2) {
            map.insert(text(1), text(2));
        }
        if i.is_multiple_of(3) {
            map.insert(text(3), FieldValue::List(vec![text(4), text(5)]));
            map.insert("empty", FieldValue::List(vec![]));
        }
        Tag {
            code_tag: text(0),
            comment: text(1),
            title: i.is_multiple_of(2).then(|| text(2)),
            body: (!i.is_multiple_of(3)).then(|| text(3)),
            tag_id: i.is_multiple_of(4).then(|| text(4)),
            default_fields: if i.is_multiple_of(5) {
                map.clone()
            } else {
                FieldMap::new()
            },
            data_fields: map.clone(),
            custom_fields: if i % 2 == 1 { map } else { FieldMap::new() },
            identity_fields: match i % 3 {
                0 => None,
                1 => Some(vec![]),
                _ => Some(vec![text(5), text(6)]),
            },
            unprocessed_defaults: if i.is_multiple_of(2) {
                vec![]
            } else {
                vec![text(6)]
            },
            file_path: text(2),
            source_digest: "ab".repeat(32),
            source_bytes_digest: text(3),
            original_text: text(4),
            schema,
            offsets: Offsets {
                start_line: i,
                start_column: i * 7,
                end_line: i + 1,
                end_column: 123_456_789,
            },
        }
    }

    #[test]
    fn records_are_byte_identical_to_the_reference_writer() {
        for i in 0..70 {
            for schema in Schema::ALL {
                let tag = tag_with(i, schema);
                assert_eq!(fast(&tag), reference(&tag), "tag {i}, {schema}");
            }
        }
    }

    #[test]
    fn the_streamed_array_is_the_reference_array() {
        for count in [0, 1, 3, BATCH + 5, 2 * BATCH] {
            let tags: Vec<Tag> = (0..count).map(|i| tag_with(i, Schema::Pep350)).collect();
            let mut streamed = Vec::new();
            write_tags_json(&mut streamed, |each| {
                tags.iter().try_for_each(|t| each(t.clone()))
            })
            .unwrap();
            let mut whole = Vec::new();
            codetags_parse::write_pycodetags_json(&tags, &mut whole).unwrap();
            assert!(streamed == whole, "{count} tags");
        }
    }
}
