//! Differential test of the serializer against pycodetags 0.8.1's own: `tests/corpus/dumps.json`
//! holds, for every tag of every corpus case read with the PEP350 and with the TDG schema, what
//! `pycodetags.common_interfaces.dumps` returned for it as read and with `id=42` added the way
//! `pycodetags id` adds it (made by `scripts/dumps_oracle.py`).
//!
//! Run with `-- --nocapture` to see the counts.

use codetags_parse::dumps::with_id;
use codetags_parse::{Schema, dumps, extract_tags};
use serde_json::Value;
use std::path::Path;

#[test]
fn every_corpus_tag_serializes_as_pycodetags_serializes_it() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let reference: Value =
        serde_json::from_str(&std::fs::read_to_string(corpus.join("dumps.json")).unwrap()).unwrap();
    let (mut compared, mut aborted) = (0, 0);
    for (case, entry) in reference.as_object().unwrap() {
        let bytes = std::fs::read(corpus.join(case)).unwrap();
        for (name, schema) in [("PEP350", Schema::Pep350), ("TDG", Schema::Tdg)] {
            let expected = &entry[name];
            let Some(records) = expected["tags"].as_array() else {
                // The reference aborted on the file (a malformed tag, an untokenizable file).
                assert!(expected["error"].is_string(), "{case} {name}");
                aborted += 1;
                continue;
            };
            let found = extract_tags(&bytes, schema).unwrap();
            let offsets: Vec<Value> = found
                .tags
                .iter()
                .map(|t| serde_json::json!(t.offsets.to_array()))
                .collect();
            let want: Vec<&Value> = records.iter().map(|r| &r["offsets"]).collect();
            assert_eq!(
                offsets.iter().collect::<Vec<_>>(),
                want,
                "{case} {name}: tags"
            );
            for (tag, record) in found.tags.iter().zip(records) {
                let at = format!("{case} {name} {:?}", tag.offsets.to_array());
                assert_eq!(
                    dumps(tag).unwrap(),
                    record["dumps"].as_str().unwrap(),
                    "{at}"
                );
                assert_eq!(
                    dumps(&with_id(tag, "42")).unwrap(),
                    record["dumps_with_id"].as_str().unwrap(),
                    "{at} with an id"
                );
                compared += 1;
            }
        }
    }
    eprintln!(
        "dumps: {compared} tags serialized as pycodetags does (twice each: as read and with an id); {aborted} files the reference aborted on"
    );
    assert!(compared >= 150, "only {compared} tags compared");
}

#[test]
fn serializing_and_reading_back_gives_the_same_tag() {
    // The escapes exist so that the text reads back as the same tag: pycodetags 0.8.1 writes
    // this block back byte for byte (checked with its `loads_all` and `dumps`).
    let src = "# TODO: a \\\\ b \\<c>\n#  \\starts with a backslash\n# \\FIXME: looks like an anchor\n# \\key=value\n# \\x < y\n# <p=1 q=\"two words\" r=\"\">\n";
    let first = &extract_tags(src.as_bytes(), Schema::Pep350).unwrap().tags[0];
    assert_eq!(first.title.as_deref(), Some("a \\ b <c>"));
    assert_eq!(
        first.body.as_deref(),
        Some(" \\starts with a backslash\nFIXME: looks like an anchor\nkey=value\nx < y")
    );
    let text = dumps(first).unwrap();
    assert_eq!(text, src.trim_end());
    let again = &extract_tags(format!("{text}\n").as_bytes(), Schema::Pep350)
        .unwrap()
        .tags[0];
    assert_eq!(
        (&again.title, &again.body, &again.custom_fields),
        (&first.title, &first.body, &first.custom_fields)
    );
}

#[test]
fn errors_carry_pycodetags_messages() {
    let mut tag = extract_tags(b"# TODO: x <p=1>\n", Schema::Pep350)
        .unwrap()
        .tags
        .remove(0);
    assert_eq!(
        codetags_parse::dumps_as(&tag, Schema::Data).map(|_| ()),
        Ok(())
    );
    tag.code_tag = "RFE".into();
    assert_eq!(
        codetags_parse::dumps_as(&tag, Schema::Data)
            .unwrap_err()
            .to_string(),
        "Tag 'RFE' is not recognized by schema 'DATA'."
    );
    tag.code_tag = "TODO".into();
    tag.title = Some("two\nlines".into());
    assert_eq!(
        dumps(&tag).unwrap_err().to_string(),
        "A title must be one line; put additional lines in body."
    );
    tag.title = Some("x".into());
    tag.data_fields.insert("p", "2");
    assert_eq!(
        dumps(&tag).unwrap_err().to_string(),
        "Conflicting values for 'p'."
    );
    tag.data_fields = Default::default();
    tag.custom_fields.insert("bad key", "v");
    assert_eq!(
        dumps(&tag).unwrap_err().to_string(),
        "Invalid property name 'bad key'."
    );
}
