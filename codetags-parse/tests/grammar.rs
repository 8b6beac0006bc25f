//! Focused cases for every grammar rule and every diagnostic message (see `docs/grammar.md`).

use codetags_parse::{
    Diagnostic, DiagnosticKind, FieldValue, FileTags, Schema, Tag, extract_tags,
    extract_tags_from_str, parse_block,
};

fn scan(source: &str, schema: Schema) -> FileTags {
    extract_tags_from_str(source, schema)
}

fn tags(source: &str, schema: Schema) -> Vec<Tag> {
    let found = scan(source, schema);
    assert!(found.diagnostics.is_empty(), "{:?}", found.diagnostics);
    found.tags
}

fn one(source: &str, schema: Schema) -> Tag {
    let mut found = tags(source, schema);
    assert_eq!(found.len(), 1, "{found:?}");
    found.remove(0)
}

/// The single diagnostic of `source`, which must yield no tag.
fn problem(source: &str, schema: Schema) -> Diagnostic {
    let found = scan(source, schema);
    assert!(found.tags.is_empty(), "{:?}", found.tags);
    assert_eq!(found.diagnostics.len(), 1, "{:?}", found.diagnostics);
    found.diagnostics[0].clone()
}

fn pairs(fields: &codetags_parse::FieldMap) -> Vec<(&str, &str)> {
    fields
        .iter()
        .map(|(k, v)| (k, v.as_str().unwrap_or("<list>")))
        .collect()
}

// ---------------------------------------------------------------- PEP 350

#[test]
fn pep350_fields_split_into_schema_and_custom_in_source_order() {
    let tag = one(
        "# TODO: fix <Status:open owner=bob cat:core>\n",
        Schema::Pep350,
    );
    assert_eq!(tag.code_tag, "TODO");
    assert_eq!(tag.comment, "fix");
    assert_eq!(tag.title.as_deref(), Some("fix"));
    assert_eq!(tag.body.as_deref(), Some(""));
    assert_eq!(
        pairs(&tag.data_fields),
        [("status", "open"), ("category", "core")]
    );
    assert_eq!(pairs(&tag.custom_fields), [("owner", "bob")]);
    assert_eq!(tag.schema, Schema::Pep350);
    assert_eq!(tag.original_schema(), "PEP350");
    assert!(tag.default_fields.is_empty() && tag.unprocessed_defaults.is_empty());
    assert_eq!(tag.identity_fields, None);
}

#[test]
fn pep350_positional_authors_and_date() {
    let tag = one("# TODO: t <JRD,MDM 2025-07-04 bob@x.org>\n", Schema::Pep350);
    assert_eq!(
        pairs(&tag.data_fields),
        [
            ("origination_date", "2025-07-04"),
            ("author", "JRD,MDM bob@x.org")
        ]
    );
    // A date with a suffix is an author word, not a date.
    let tag = one("# TODO: t <2025-07-04x -5>\n", Schema::Pep350);
    assert_eq!(pairs(&tag.data_fields), [("author", "2025-07-04x -5")]);
}

#[test]
fn pep350_id_becomes_tag_id() {
    let tag = one("# TODO: t <id:17 p:1>\n", Schema::Pep350);
    assert_eq!(tag.tag_id.as_deref(), Some("17"));
    assert!(tag.data_fields.get("id").is_none() && tag.custom_fields.get("id").is_none());
}

#[test]
fn pep350_quoted_values() {
    let tag = one(
        r#"# TODO: q <a:"say \"hi\"" b='it\'s' c:"x > y" d:''>"#,
        Schema::Pep350,
    );
    assert_eq!(
        pairs(&tag.custom_fields),
        [
            ("a", "say \"hi\""),
            ("b", "it's"),
            ("c", "x > y"),
            ("d", "")
        ]
    );
}

#[test]
fn pep350_metadata_may_span_lines_and_ends_the_tag() {
    let source = "x = 1  # TODO: multi <priority:high\n#   status:open>\n# ignored tail\n";
    let tag = one(source, Schema::Pep350);
    assert_eq!(
        pairs(&tag.data_fields),
        [("priority", "high"), ("status", "open")]
    );
    assert_eq!(tag.offsets.to_array(), [0, 7, 1, 16]);
    assert_eq!(
        tag.original_text,
        "# TODO: multi <priority:high\n#   status:open>"
    );
}

#[test]
fn pep350_body_lines_before_the_metadata() {
    let source = "# FIXME: title \\< here\n# first\n# \\# TODO: literal\n# <p:1>\n";
    let tag = one(source, Schema::Pep350);
    assert_eq!(tag.comment, "title < here");
    assert_eq!(tag.body.as_deref(), Some("first\n# TODO: literal"));
    assert_eq!(tag.offsets.to_array(), [0, 0, 3, 7]);
}

#[test]
fn pep350_what_is_not_a_tag() {
    for source in [
        "# TODO: no metadata\n",
        "# TODO: text after <a:b> then more\n",
        "# TODO: nested <a:<b>>\n",
        "# TODO: escaped \\<a:b>\n",
        "## TODO: double hash <a:b>\n",
        "# Todo: mixed case <a:b>\n",
        "# WIBBLE: unknown name <a:b>\n",
        "# see TODO: not at the start <a:b>\n",
        "s = '# TODO: in a string <a:b>'\n",
    ] {
        assert!(tags(source, Schema::Pep350).is_empty(), "{source:?}");
    }
}

#[test]
fn pep350_one_tag_per_anchor_line() {
    let tag = one("# TODO: a <p:1> FIXME: b <p:2>\n", Schema::Pep350);
    assert_eq!(tag.comment, "a <p:1> FIXME: b");
    assert_eq!(pairs(&tag.custom_fields), [("p", "2")]);
}

#[test]
fn pep350_several_tags_in_a_block() {
    let found = tags(
        "# TODO: a <p:1>\n# NOTE: b <p:2>\n  # BUG: c <p:3>\n",
        Schema::Pep350,
    );
    let names: Vec<_> = found
        .iter()
        .map(|t| (t.code_tag.as_str(), t.offsets.start_line))
        .collect();
    assert_eq!(names, [("TODO", 0), ("NOTE", 1), ("BUG", 2)]);
    assert_eq!(found[2].offsets.to_array(), [2, 2, 2, 16]);
}

#[test]
fn data_schema_keeps_every_key_custom() {
    let tag = one("# XXX: t <priority:1 id:5 jrd>\n", Schema::Data);
    assert_eq!(tag.schema, Schema::Data);
    assert!(tag.data_fields.is_empty());
    assert_eq!(
        pairs(&tag.custom_fields),
        [("priority", "1"), ("author", "jrd")]
    );
    assert_eq!(tag.tag_id.as_deref(), Some("5"));
    // DATA knows fewer tag names than PEP350.
    assert!(tags("# IDEA: t <a:b>\n", Schema::Data).is_empty());
}

// ---------------------------------------------------------------- PEP 350 diagnostics

#[test]
fn every_pep350_message_with_its_position() {
    let cases: &[(&str, &str, (usize, usize))] = &[
        ("# TODO: t <p:1 p:2>", "Duplicate property 'p'.", (0, 15)),
        (
            "# TODO: t <cat:1 category:2>",
            "Duplicate property 'category'.",
            (0, 17),
        ),
        (
            "# TODO: t <2025-01-01 2025-01-02>",
            "Duplicate property 'origination_date'.",
            (0, 22),
        ),
        (
            "# TODO: t <k:\"v\"x>",
            "Expected whitespace after 'k'.",
            (0, 16),
        ),
        (
            "# TODO: t <k:>",
            "Missing value for 'k'; quote an empty value as \"\".",
            (0, 11),
        ),
        (
            "# TODO: t <_x:y>",
            "Invalid positional metadata '_x:y'; use a named property.",
            (0, 11),
        ),
        (
            "# TODO: t <a #123>",
            "Invalid positional metadata '#123'; use a named property.",
            (0, 13),
        ),
        (
            "# TODO: t <k:\"a\\qb\">",
            "Invalid quoted value for 'k'.",
            (0, 13),
        ),
        (
            "# TODO: t <k:'a\\x4'>",
            "Invalid quoted value for 'k'.",
            (0, 13),
        ),
        (
            "# TODO: t <title:x>",
            "title belongs in comment text, not metadata.",
            (0, 11),
        ),
        (
            "# TODO: t <Body:x>",
            "body belongs in comment text, not metadata.",
            (0, 11),
        ),
        (
            "# TODO: t <bob author:amy>",
            "Author supplied both positionally and by name.",
            (0, 11),
        ),
        (
            "# TODO: t\n# more\n  # <a:b",
            "Unterminated PEP-350 metadata block.",
            (2, 4),
        ),
        (
            "x = 1  # TODO: t <a:1\n#  b:2 b:3>",
            "Duplicate property 'b'.",
            (1, 7),
        ),
    ];
    for (source, message, position) in cases {
        let d = problem(source, Schema::Pep350);
        assert_eq!(d.kind, DiagnosticKind::MalformedTag);
        assert_eq!(d.message, *message, "{source:?}");
        assert_eq!((d.line, d.column), *position, "{source:?}");
    }
}

#[test]
fn a_malformed_tag_does_not_hide_the_others() {
    let source = "# TODO: good <a:1>\n# FIXME: bad <a:1 a:2>\n\nx = 1  # BUG: good too <b:2>\n";
    let found = scan(source, Schema::Pep350);
    let names: Vec<_> = found.tags.iter().map(|t| t.code_tag.as_str()).collect();
    assert_eq!(names, ["TODO", "BUG"]);
    assert_eq!(found.diagnostics.len(), 1);
    assert_eq!(found.diagnostics[0].line, 1);
}

#[test]
fn repr_of_tokens_in_messages() {
    let d = problem("# TODO: t <a'b'c>", Schema::Pep350);
    assert_eq!(
        d.message,
        "Invalid positional metadata \"a'b'c\"; use a named property."
    );
    // An unclosed quote hides the `>`: no metadata block, so no tag and no problem.
    assert!(
        scan("# TODO: t <it's>", Schema::Pep350)
            .diagnostics
            .is_empty()
    );
}

// ---------------------------------------------------------------- TDG

#[test]
fn tdg_title_property_line_and_body() {
    let source = "# TODO: TDG title <kept>\n# category=core issue=\"12 3\" Owner=amy\n# Body 1\n#\n#   indented\n# \\issue=not props\nx = 1\n";
    let tag = one(source, Schema::Tdg);
    assert_eq!(tag.comment, "TDG title <kept>");
    assert_eq!(
        pairs(&tag.data_fields),
        [("category", "core"), ("issue", "12 3")]
    );
    assert_eq!(pairs(&tag.custom_fields), [("owner", "amy")]);
    assert_eq!(
        tag.body.as_deref(),
        Some("Body 1\n\n  indented\nissue=not props")
    );
    assert_eq!(tag.offsets.to_array(), [0, 0, 5, 18]);
    assert_eq!(tag.schema, Schema::Tdg);
}

#[test]
fn tdg_prose_and_colons_stay_body() {
    let tag = one("# TODO: t\n# Use the old method=foo\n", Schema::Tdg);
    assert_eq!(tag.body.as_deref(), Some("Use the old method=foo"));
    let tag = one("# TODO: t\n# category:core issue:5\n", Schema::Tdg);
    assert!(tag.data_fields.is_empty());
    assert_eq!(tag.body.as_deref(), Some("category:core issue:5"));
}

#[test]
fn tdg_anchor_in_body_starts_a_new_tag() {
    let found = tags("# TODO: a\n# issue=3\n# NOTE: b\n# tail\n", Schema::Tdg);
    assert_eq!(found.len(), 2);
    assert_eq!(found[0].offsets.to_array(), [0, 0, 1, 9]);
    assert_eq!(
        (found[1].code_tag.as_str(), found[1].body.as_deref()),
        ("NOTE", Some("tail"))
    );
}

#[test]
fn tdg_id_becomes_tag_id() {
    let tag = one("# BUG: t\n# id=9 priority=1\n", Schema::Tdg);
    assert_eq!(tag.tag_id.as_deref(), Some("9"));
    assert_eq!(pairs(&tag.data_fields), [("priority", "1")]);
}

#[test]
fn every_tdg_message_with_its_position() {
    let cases: &[(&str, &str, (usize, usize))] = &[
        (
            "# TODO: t\n# a=1 b:2",
            "TDG properties use key=value.",
            (1, 7),
        ),
        (
            "# TODO: t\n# description= then more",
            "Expected key=value metadata near 'more'.",
            (1, 20),
        ),
        ("# TODO: t\n#   a=1 a=2", "Duplicate property 'a'.", (1, 8)),
        (
            "# TODO: t\n# a=",
            "Missing value for 'a'; quote an empty value as \"\".",
            (1, 2),
        ),
        (
            "# TODO: t\n# a=\"x",
            "Invalid quoted value for 'a'.",
            (1, 4),
        ),
        (
            "# TODO: t\n# title=x",
            "title belongs in comment text, not metadata.",
            (1, 2),
        ),
    ];
    for (source, message, position) in cases {
        let d = problem(source, Schema::Tdg);
        assert_eq!(d.message, *message, "{source:?}");
        assert_eq!((d.line, d.column), *position, "{source:?}");
    }
}

// ---------------------------------------------------------------- auto

#[test]
fn auto_reads_closed_tags_as_pep350_and_others_as_tdg() {
    let source =
        "# TODO: pep <p:1 jrd>\n# FIXME: tdg\n# issue=4\n# body\n\n# BUG: open\n# <not closed\n";
    let found = tags(source, Schema::Auto);
    assert_eq!(found.len(), 3);
    assert_eq!(found[0].schema, Schema::Pep350);
    assert_eq!(pairs(&found[0].data_fields), [("author", "jrd")]);
    let block = "# TODO: pep <p:1 jrd>";
    assert_eq!(
        parse_block(block, 0, 0, Schema::Auto).tags,
        parse_block(block, 0, 0, Schema::Pep350).tags
    );
    assert_eq!(found[1].schema, Schema::Tdg);
    assert_eq!(pairs(&found[1].data_fields), [("issue", "4")]);
    assert_eq!(found[2].schema, Schema::Tdg);
    assert_eq!(found[2].body.as_deref(), Some("<not closed"));
}

#[test]
fn auto_reports_malformed_metadata_of_either_kind() {
    assert_eq!(
        problem("# TODO: t <p:1 p:2>", Schema::Auto).message,
        "Duplicate property 'p'."
    );
    assert_eq!(
        problem("# TODO: t\n# a=1 b:2", Schema::Auto).message,
        "TDG properties use key=value."
    );
}

// ---------------------------------------------------------------- folk

#[test]
fn folk_people_ids_and_custom_fields() {
    let found = tags(
        "# TODO(alice, bob): two\n\n# FIXME(priority=high, carol): kv\n\n# BUG: 123: numbered\n",
        Schema::Folk,
    );
    assert_eq!(found.len(), 3);
    let people = |t: &Tag| t.default_fields.get("assignee").cloned();
    assert_eq!(
        people(&found[0]),
        Some(FieldValue::List(vec!["alice, bob".into()]))
    );
    assert_eq!(found[0].comment, "two");
    assert_eq!(pairs(&found[1].custom_fields), [("priority", "high")]);
    assert_eq!(
        people(&found[1]),
        Some(FieldValue::List(vec!["carol".into()]))
    );
    assert_eq!(
        people(&found[2]),
        Some(FieldValue::List(vec!["123".into()]))
    );
    assert_eq!(found[2].comment, "numbered");
    assert!(
        found
            .iter()
            .all(|t| t.title.is_none() && t.body.is_none() && t.schema == Schema::Folk)
    );
}

#[test]
fn folk_url_becomes_tracker_and_colon_is_optional() {
    let tag = one(
        "x = 1  # HACK see example.org/issues/7 soon\n",
        Schema::Folk,
    );
    assert_eq!(tag.comment, "see example.org/issues/7 soon");
    assert_eq!(
        pairs(&tag.custom_fields),
        [("tracker", "example.org/issues/7")]
    );
    assert_eq!(tag.offsets.to_array(), [0, 7, 0, 43]);
    assert_eq!(tag.original_text, "# HACK see example.org/issues/7 soon");
}

#[test]
fn folk_continuation_lines_and_real_offsets() {
    let source =
        "def f():\n    # TODO: first line   \n    # second line\n    # DOCUMENT: next tag\n";
    let found = tags(source, Schema::Folk);
    assert_eq!(found.len(), 2);
    assert_eq!(found[0].comment, "first line second line");
    assert_eq!(found[0].offsets.to_array(), [1, 4, 2, 17]);
    assert_eq!(
        found[0].original_text,
        "# TODO: first line   \n    # second line"
    );
    assert_eq!(found[1].code_tag, "DOCUMENT");
    assert_eq!(found[1].offsets.to_array(), [3, 4, 3, 24]);
}

#[test]
fn folk_leaves_pep350_blocks_and_unknown_names_alone() {
    assert!(tags("# TODO: looks like pep <a:b>\n", Schema::Folk).is_empty());
    assert!(tags("# NOTE: not a folk tag\n# XXX: nor this\n", Schema::Folk).is_empty());
    assert!(tags("# TODOS are not tags\n", Schema::Folk).is_empty());
    // A NOTE line continues the TODO above it, as in 0.7.0.
    assert_eq!(
        one("# TODO: a\n# NOTE: b\n", Schema::Folk).comment,
        "a NOTE: b"
    );
}

// ---------------------------------------------------------------- pipeline

#[test]
fn tokenize_errors_keep_earlier_tags() {
    let found = scan(
        "# TODO: before <a:b>\ns = '''never closed\n",
        Schema::Pep350,
    );
    assert_eq!(found.tags.len(), 1);
    assert_eq!(found.diagnostics.len(), 1);
    assert_eq!(found.diagnostics[0].kind, DiagnosticKind::Tokenize);
}

#[test]
fn undecodable_bytes_are_an_error() {
    assert!(extract_tags(b"# -*- coding: klingon -*-\n", Schema::Pep350).is_err());
    assert!(extract_tags(b"# TODO: caf\xe9 <a:b>\n", Schema::Pep350).is_err());
}

#[test]
fn digests_and_file_path() {
    let mut found = extract_tags(b"# TODO: t <a:b>\r\n", Schema::Pep350).unwrap();
    found.set_file_path("pkg/mod.py");
    let tag = &found.tags[0];
    assert_eq!(tag.file_path, "pkg/mod.py");
    assert_eq!(
        tag.source_bytes_digest,
        "342d550e1c9b2ab95560eb10a37dd1011ad6c53dc1b0f7aaae98d291749316e7"
    );
    assert_eq!(
        tag.source_digest,
        "7522c611b30ea3af798b9367b548959ae7d9773b25c2c97e536fce6c7f5cba80"
    );
    assert_eq!(tag.source_digest, found.source_digest);
    // The LF text differs from the CRLF bytes.
    assert_ne!(found.source_digest, found.source_bytes_digest);
    let lf = extract_tags(b"# TODO: t <a:b>\n", Schema::Pep350).unwrap();
    assert_eq!(lf.source_digest, found.source_digest);
    assert_eq!(lf.source_digest, lf.source_bytes_digest);
}

#[test]
fn parse_block_offsets_shift_only_the_first_line() {
    let found = parse_block("# TODO: t\n# <a:b>", 10, 8, Schema::Pep350);
    assert_eq!(found.tags[0].offsets.to_array(), [10, 8, 11, 7]);
}

// ---------------------------------------------------------------- schemas

#[test]
fn schema_names_parse_case_insensitively() {
    for (text, schema) in [
        ("PEP350", Schema::Pep350),
        ("pep350", Schema::Pep350),
        ("tdg", Schema::Tdg),
        ("Data", Schema::Data),
        ("FOLK", Schema::Folk),
        ("auto", Schema::Auto),
    ] {
        assert_eq!(text.parse::<Schema>(), Ok(schema));
    }
    let error = "pep-350".parse::<Schema>().unwrap_err();
    assert_eq!(
        error.to_string(),
        "Unknown schema \"pep-350\"; choose PEP350, TDG, DATA, folk or auto."
    );
    let from_json: Schema = serde_json::from_str("\"Tdg\"").unwrap();
    assert_eq!(from_json, Schema::Tdg);
}

#[test]
fn schema_dicts() {
    let dict = |s: Schema| serde_json::to_value(s.dict()).unwrap();
    let pep = dict(Schema::Pep350);
    assert_eq!(
        pep["data_field_aliases"],
        serde_json::json!({"cat": "category"})
    );
    assert_eq!(pep["matching_tags"].as_array().unwrap().len(), 13);
    assert_eq!(pep["identity_fields"], serde_json::json!([]));
    let data = dict(Schema::Data);
    assert_eq!(data["format"], "PEP350");
    assert!(data.get("identity_fields").is_none());
    assert_eq!(data["data_fields"], serde_json::json!({}));
    let folk = dict(Schema::Folk);
    assert_eq!(
        folk["default_fields"],
        serde_json::json!({"str|list[str]": "assignee"})
    );
    assert_eq!(folk["matching_tags"][0], "DATA");
    assert_eq!(dict(Schema::Auto)["format"], "auto");
}
