//! `extract_tags` and the pycodetags JSON writer on any bytes, under every schema.

use crate::support::{Lines, hex};
use codetags_parse::{
    Schema, Tag, decode, decode_diagnostic, extract_tags, extract_tags_from_str,
    extract_tags_prehashed, write_pycodetags_json,
};
use sha2::{Digest, Sha256};

/// The `extract` target: the first byte picks the schema, the rest is a source file.
///
/// Invariants: no panic; undecodable bytes give an error whose diagnostic is on a line of the
/// input; otherwise every tag's offsets are in the decoded text and select its
/// `original_text`, tags come in source order, a tag's schema is the one asked for (`auto`
/// resolves to PEP 350 or TDG), the digests are those of the bytes and the text, diagnostics are
/// in the text; `extract_tags_prehashed` and `extract_tags_from_str` agree with `extract_tags`;
/// and the JSON writer prints valid, ASCII-only JSON with one record per tag.
pub fn check_extract(data: &[u8]) {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let schema = Schema::ALL[usize::from(selector) % Schema::ALL.len()];
    let found = match extract_tags(bytes, schema) {
        Ok(found) => found,
        Err(error) => {
            assert!(
                decode(bytes).is_err(),
                "extract_tags refused decodable bytes"
            );
            assert!(error.offset <= bytes.len(), "{error:?} past the input");
            let diagnostic = decode_diagnostic(bytes, &error);
            let lines = bytes.split(|&b| b == b'\n').collect::<Vec<_>>();
            let line = lines.get(diagnostic.line).expect("decode error on a line");
            assert!(diagnostic.column <= line.len(), "{diagnostic:?}");
            return;
        }
    };
    let text = decode(bytes).expect("extract_tags decoded it").text;
    let lines = Lines::new(&text);

    let bytes_digest = hex(&Sha256::digest(bytes));
    assert_eq!(found.source_bytes_digest, bytes_digest);
    assert_eq!(found.source_digest, hex(&Sha256::digest(text.as_bytes())));
    let mut previous: Option<(usize, usize)> = None;
    for tag in &found.tags {
        let o = tag.offsets;
        let start = lines.offset(o.start_line, o.start_column);
        let end = lines.offset(o.end_line, o.end_column);
        let (Some(start), Some(end)) = (start, end) else {
            panic!("offsets {o:?} of {tag:?} outside the text");
        };
        assert!(start <= end, "offsets {o:?} backwards");
        assert_eq!(text[start..end], tag.original_text, "offsets {o:?}");
        let at = (o.start_line, o.start_column);
        assert!(previous <= Some(at), "tags out of source order at {o:?}");
        previous = Some(at);
        match schema {
            Schema::Auto => assert!(matches!(tag.schema, Schema::Pep350 | Schema::Tdg)),
            _ => assert_eq!(tag.schema, schema),
        }
        assert_eq!(tag.source_bytes_digest, found.source_bytes_digest);
        assert_eq!(tag.source_digest, found.source_digest);
        assert!(tag.file_path.is_empty());
    }
    for diagnostic in &found.diagnostics {
        assert!(
            lines.holds_position(diagnostic.line, diagnostic.column),
            "{diagnostic:?} outside the text"
        );
    }

    let digest: [u8; 32] = Sha256::digest(bytes).into();
    let prehashed = extract_tags_prehashed(bytes, &digest, schema).expect("decodable");
    assert_eq!(prehashed, found);
    // The decoded text read again gives the same tags; only the bytes digest differs.
    let again = extract_tags_from_str(&text, schema);
    assert_eq!(without_digests(&again.tags), without_digests(&found.tags));
    assert_eq!(again.diagnostics, found.diagnostics);

    let mut json = Vec::new();
    write_pycodetags_json(&found.tags, &mut json).expect("writing to a Vec");
    assert!(
        json.is_ascii(),
        "the writer escapes non-ASCII (ensure_ascii)"
    );
    let value: serde_json::Value = serde_json::from_slice(&json).expect("the writer's JSON parses");
    let records = value.as_array().expect("a JSON array");
    assert_eq!(records.len(), found.tags.len());
    for (record, tag) in records.iter().zip(&found.tags) {
        assert_eq!(record["code_tag"], tag.code_tag.as_str());
        assert_eq!(record["original_text"], tag.original_text.as_str());
        assert_eq!(record["offsets"], serde_json::json!(tag.offsets.to_array()));
    }
}

fn without_digests(tags: &[Tag]) -> Vec<Tag> {
    tags.iter()
        .map(|tag| Tag {
            source_digest: String::new(),
            source_bytes_digest: String::new(),
            ..tag.clone()
        })
        .collect()
}
