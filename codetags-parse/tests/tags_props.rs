//! Properties of tag extraction over arbitrary input, in every schema: no panic, offsets inside
//! the text, `original_text` equal to the source at the offsets, tags surviving a postcard round
//! trip (the CLI's cache format) and a pycodetags JSON round trip.

use codetags_parse::{DiagnosticKind, Schema, Tag, decode, extract_tags, extract_tags_from_str};
use proptest::prelude::*;

/// The source text at `[start_line, start_col, end_line, end_col]` (columns in code points), or
/// `None` if the offsets are not inside the text.
fn slice(text: &str, [sl, sc, el, ec]: [usize; 4]) -> Option<String> {
    let lines: Vec<&str> = text.split('\n').collect();
    if sl > el || el >= lines.len() {
        return None;
    }
    let mut out = String::new();
    for (index, line) in lines.iter().enumerate().take(el + 1).skip(sl) {
        let len = line.chars().count();
        let from = if index == sl { sc } else { 0 };
        let to = if index == el { ec } else { len };
        if from > to || to > len {
            return None;
        }
        out.extend(line.chars().skip(from).take(to - from));
        if index != el {
            out.push('\n');
        }
    }
    Some(out)
}

fn check_tags(text: &str, tags: &[Tag]) -> Result<(), TestCaseError> {
    for tag in tags {
        let at = tag.offsets.to_array();
        let source = slice(text, at);
        prop_assert!(
            source.is_some(),
            "offsets {at:?} outside the text for {tag:?}"
        );
        prop_assert_eq!(source.as_deref(), Some(tag.original_text.as_str()));
        prop_assert!(tag.original_text.contains('#'));
        prop_assert!(tag.schema != Schema::Auto);
        let bytes = postcard::to_stdvec(tag).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let back: Tag =
            postcard::from_bytes(&bytes).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&back, tag);
        let json = serde_json::to_value(tag.pycodetags())
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&json["original_text"], tag.original_text.as_str());
        prop_assert_eq!(&json["offsets"], &serde_json::json!(at));
    }
    Ok(())
}

/// Comment-heavy, tag-heavy Python-ish text: the interesting inputs for the grammars.
fn tagged_source() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("# TODO: ".to_owned()),
        Just("# FIXME(bob): ".to_owned()),
        Just("  # BUG: ".to_owned()),
        Just("x = 1  # NOTE: ".to_owned()),
        Just("#   ".to_owned()),
        Just("# ".to_owned()),
        Just("s = '# TODO: no'\n".to_owned()),
        Just("<".to_owned()),
        Just(">".to_owned()),
        Just("\\".to_owned()),
        Just("\"".to_owned()),
        Just("'".to_owned()),
        Just("p:1 ".to_owned()),
        Just("k=v ".to_owned()),
        Just("2025-07-04 ".to_owned()),
        Just("https://x.org/1 ".to_owned()),
        Just("(a, k=v): ".to_owned()),
        Just("123: ".to_owned()),
        Just("\n".to_owned()),
        Just("\r\n".to_owned()),
        Just("\t".to_owned()),
        "[a-zé日 ]{0,6}",
        "\\PC{0,3}",
    ];
    prop::collection::vec(piece, 0..40).prop_map(|pieces| pieces.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop_oneof![
        prop::collection::vec(any::<u8>(), 0..400),
        // Mostly-decodable input reaches the comment finder and the grammars.
        "[ -~\t\n\r\u{e9}\u{a0}#<>:=]{0,400}".prop_map(String::into_bytes),
    ]) {
        for schema in Schema::ALL {
            if let Ok(found) = extract_tags(&bytes, schema) {
                let text = decode(&bytes).map(|s| s.text).unwrap_or_default();
                check_tags(&text, &found.tags)?;
            }
        }
    }

    #[test]
    fn tagged_text_offsets_are_source_positions(source in tagged_source()) {
        for schema in Schema::ALL {
            let found = extract_tags_from_str(&source, schema);
            let text = source.replace("\r\n", "\n").replace('\r', "\n");
            check_tags(&text, &found.tags)?;
            let lines = text.split('\n').count();
            for d in &found.diagnostics {
                // A tokenizer error at end of input is reported on the line after the last.
                let limit = if d.kind == DiagnosticKind::Tokenize { lines } else { lines - 1 };
                prop_assert!(d.line <= limit, "{d:?}");
            }
            let whole: Vec<u8> = postcard::to_stdvec(&found.tags).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let back: Vec<Tag> = postcard::from_bytes(&whole).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(back, found.tags);
        }
    }
}

#[test]
fn postcard_round_trip_keeps_field_order_and_lists() {
    let found = extract_tags_from_str(
        "# TODO: t <zeta:1 alpha:2 jrd 2025-01-01>\n",
        Schema::Pep350,
    );
    let folk = extract_tags_from_str("# TODO(alice, bob): x see a.org/1\n", Schema::Folk);
    let tags: Vec<Tag> = found.tags.into_iter().chain(folk.tags).collect();
    assert_eq!(tags.len(), 2);
    let bytes = postcard::to_stdvec(&tags).unwrap();
    let back: Vec<Tag> = postcard::from_bytes(&bytes).unwrap();
    assert_eq!(back, tags);
    let keys: Vec<&str> = back[0].custom_fields.iter().map(|(k, _)| k).collect();
    assert_eq!(keys, ["zeta", "alpha"]);
    let data: Vec<&str> = back[0].data_fields.iter().map(|(k, _)| k).collect();
    assert_eq!(data, ["origination_date", "author"]);
    assert_eq!(back[1].schema, Schema::Folk);
    assert_eq!(
        serde_json::to_value(back[1].pycodetags()).unwrap()["default_fields"],
        serde_json::json!({"assignee": ["alice, bob"]})
    );
}
