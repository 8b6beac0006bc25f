//! Decoding, comment finding and comment blocks: hand-written cases and the reference corpus.

use codetags_parse::{DiagnosticKind, comment_blocks, decode, find_comments};
use std::path::Path;

/// `(line, column, text)` of every comment.
fn found(text: &str) -> Vec<(usize, usize, &str)> {
    let scan = find_comments(text);
    assert_eq!(scan.error, None, "unexpected error for {text:?}");
    scan.comments
        .iter()
        .map(|c| (c.line, c.column, c.text(text)))
        .collect()
}

/// Texts of the comments only.
fn texts(text: &str) -> Vec<&str> {
    found(text).into_iter().map(|(_, _, t)| t).collect()
}

/// `(line, column, message)` of the tokenizer error.
fn error(text: &str) -> (usize, usize, String) {
    let e = find_comments(text).error.expect("an error");
    assert_eq!(e.kind, DiagnosticKind::Tokenize);
    (e.line, e.column, e.message)
}

// --- strings -------------------------------------------------------------------------------

#[test]
fn hash_inside_every_quote_form_is_not_a_comment() {
    let text = "a = '#'\nb = \"#\"\nc = '''#\n#'''\nd = \"\"\"\n# no\n\"\"\"  # yes\n";
    assert_eq!(found(text), [(6, 5, "# yes")]);
}

#[test]
fn every_prefix_in_any_case_starts_a_string() {
    for prefix in [
        "r", "R", "b", "B", "u", "U", "f", "F", "t", "rb", "Rb", "bR", "BR", "br", "fr", "Rf",
        "rF", "FR", "tr", "Rt",
    ] {
        let text = format!("x = {prefix}'#' + {prefix}\"\"\"#\"\"\"  # c\n");
        assert_eq!(texts(&text), ["# c"], "prefix {prefix}");
    }
}

#[test]
fn a_name_before_a_quote_is_not_a_prefix() {
    // `ur` is not a prefix in Python 3: the name `ur`, then a plain string.
    assert_eq!(texts("x = ur'#' # c\nabc'#'\n"), ["# c"]);
}

#[test]
fn escapes_do_not_end_strings() {
    assert_eq!(texts(r##"x = "a\"#" # c"##), ["# c"]);
    assert_eq!(texts("x = 'a\\\\' # c\n"), ["# c"]);
    // In raw strings too, a backslash keeps the quote in the string.
    assert_eq!(texts(r##"x = r"\"#" # c"##), ["# c"]);
    assert_eq!(texts("x = '''a\\'''#''' # c\n"), ["# c"]);
}

#[test]
fn backslash_newline_continues_strings_and_lines() {
    let text = "s = 'abc\\\n# in string' # c1\nx = 1 + \\\n    2  # c2\n";
    assert_eq!(found(text), [(1, 13, "# c1"), (3, 7, "# c2")]);
}

#[test]
fn quotes_inside_comments_are_ignored() {
    assert_eq!(
        texts("# it's\nx = 1  # \"\"\"\n# end\n"),
        ["# it's", "# \"\"\"", "# end"]
    );
}

#[test]
fn adjacent_and_empty_strings() {
    assert_eq!(texts("x = '' \"\" '''''' \"#\"'#' # c\n"), ["# c"]);
}

// --- f-strings (PEP 701) -------------------------------------------------------------------

#[test]
fn fstring_fields_may_reuse_the_quote() {
    assert_eq!(texts("x = f\"{d[\"#\"]}\"  # c\n"), ["# c"]);
    assert_eq!(texts("x = f'{d['k']:>{w}}' # c\n"), ["# c"]);
}

#[test]
fn comments_inside_multiline_replacement_fields() {
    let text = "x = f\"\"\"{\n    b  # c3\n}\"\"\"  # after\n";
    assert_eq!(found(text), [(1, 7, "# c3"), (2, 6, "# after")]);
    // Single-quoted f-strings may span lines inside a field too (3.12).
    assert_eq!(
        texts("x = f\"{a +  # one\n b}\"  # two\n"),
        ["# one", "# two"]
    );
}

#[test]
fn format_specs_and_brace_escapes_are_literal() {
    assert_eq!(texts("x = f\"{x:#x}\" # c\n"), ["# c"]);
    assert_eq!(texts("x = f\"{{#}}\" # c\n"), ["# c"]);
    assert_eq!(texts("x = f\"{x!r:#>{w}}#\" # c\n"), ["# c"]);
    assert_eq!(texts("x = f\"{x:'#'}\" # c\n"), ["# c"]);
}

#[test]
fn named_escapes_are_not_fields() {
    assert_eq!(texts("x = f\"\\N{NUMBER SIGN}#\" # c\n"), ["# c"]);
    // In a raw f-string `\N` is two characters and `{...}` a field.
    assert_eq!(texts("x = rf\"\\N{y}#\" # c\n"), ["# c"]);
}

#[test]
fn nested_fstrings_and_strings_in_fields() {
    assert_eq!(texts("x = f\"{f'{y}#'}#{'}'}\" # c\n"), ["# c"]);
    assert_eq!(texts("x = f\"{ {'a': 1}['a'] }\" # c\n"), ["# c"]);
    assert_eq!(texts("x = t\"{y}#\" # c\n"), ["# c"]);
}

// --- columns -------------------------------------------------------------------------------

#[test]
fn columns_count_code_points_and_tabs_count_one() {
    let text = "s = 'café 日本'  # naïve\n\tx = 1 # t\n";
    let scan = find_comments(text);
    let c = &scan.comments[0];
    assert_eq!((c.line, c.column, c.end_column), (0, 15, 22));
    assert_eq!(&text[c.start..c.end], "# naïve");
    let t = &scan.comments[1];
    assert_eq!((t.line, t.column, t.end_column), (1, 7, 10));
}

#[test]
fn lines_split_on_newline_only() {
    // Form feed, vertical tab and U+2028 are ordinary characters.
    let text = "x = 1\n\x0c\n# a\x0b b\u{2028} c\n";
    assert_eq!(found(text), [(2, 0, "# a\x0b b\u{2028} c")]);
}

#[test]
fn comment_at_end_without_newline() {
    let scan = find_comments("x = 1\n# last");
    assert_eq!(scan.error, None);
    assert_eq!(scan.comments[0].end, "x = 1\n# last".len());
}

#[test]
fn inline_means_non_whitespace_before() {
    let scan = find_comments("x  # a\n   # b\n\x0c# c\n\u{a0}# d\n");
    let inline: Vec<bool> = scan.comments.iter().map(|c| c.inline).collect();
    assert_eq!(inline, [true, false, false, false]);
}

// --- errors --------------------------------------------------------------------------------

#[test]
fn unterminated_triple_quoted_string() {
    let text = "# a\nx = rb'''abc\n# b\n";
    assert_eq!(error(text), (1, 4, "EOF in multi-line string".into()));
    assert_eq!(find_comments(text).comments.len(), 1);
}

#[test]
fn eof_inside_brackets_or_after_a_continuation() {
    assert_eq!(
        error("f(1,\n  # b\n"),
        (2, 0, "EOF in multi-line statement".into())
    );
    assert_eq!(
        error("f(1,\n  2"),
        (2, 0, "EOF in multi-line statement".into())
    );
    assert_eq!(
        error("x = 1)\n# c\n"),
        (2, 0, "EOF in multi-line statement".into())
    );
    assert_eq!(
        error("x = 1 + \\\n"),
        (1, 0, "EOF in multi-line statement".into())
    );
    // The comments are all kept.
    assert_eq!(find_comments("f(1,\n  # b\n").comments.len(), 1);
}

#[test]
fn unindent_that_matches_no_outer_level() {
    let text = "if x:\n        a = 1\n    b = 2  # c\n# d\n";
    assert_eq!(
        error(text),
        (
            2,
            4,
            "unindent does not match any outer indentation level".into()
        )
    );
    assert_eq!(find_comments(text).comments.len(), 2);
}

#[test]
fn indentation_inside_brackets_strings_and_continuations_is_free() {
    let text =
        "def f():\n    x = (1,\n  2)\n    y = '''\n  '''\n    z = 1 + \\\n  3\n    return x\n";
    assert_eq!(find_comments(text).error, None);
    // Tabs advance to the next multiple of 8, as in CPython's tokenize.
    assert_eq!(find_comments("if x:\n\ty = 1\n        z = 2\n").error, None);
    // Form feed resets the column.
    assert_eq!(
        find_comments("if x:\n    y = 1\n\x0c    z = 2\n").error,
        None
    );
}

#[test]
fn unterminated_single_quoted_strings_end_at_the_line() {
    let text = "s = 'abc # x\ny = 1  # y\n";
    assert_eq!(error(text), (0, 4, "unterminated string literal".into()));
    let scan = find_comments(text);
    assert_eq!(scan.comments.len(), 1);
    assert_eq!(scan.comments[0].text(text), "# y");
    assert_eq!(
        error("s = 'abc\\\n"),
        (0, 4, "EOF in multi-line string".into())
    );
    let f = "x = f\"abc\n# real\n";
    assert_eq!(error(f), (0, 4, "unterminated f-string literal".into()));
    assert_eq!(find_comments(f).comments.len(), 1);
}

#[test]
fn error_columns_are_code_points() {
    assert_eq!(error("é = '''x\n").1, 4);
}

// --- blocks --------------------------------------------------------------------------------

#[test]
fn inline_comment_starts_a_block_that_comment_lines_extend() {
    let text = "x = 1  # TODO: a\n# more\ny = 2  # other\n    # indented\n\n# alone\n";
    let scan = comment_blocks(text);
    let got: Vec<_> = scan
        .blocks
        .iter()
        .map(|b| {
            (
                b.start_line,
                b.start_column,
                b.end_line,
                b.end_column,
                b.text.as_str(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (0, 7, 1, 6, "# TODO: a\n# more"),
            (2, 7, 3, 14, "# other\n    # indented"),
            (5, 0, 5, 7, "# alone"),
        ]
    );
}

#[test]
fn a_code_line_ends_a_block() {
    let text = "# a\nx = 1\n# b\n";
    assert_eq!(comment_blocks(text).blocks.len(), 2);
}

#[test]
fn blocks_are_in_source_order_across_indentation() {
    // corpus case 070: the dedented comment joins the indented one.
    let text = "def f():\n    x = 1\n    # TODO: inside end <a:1>\n# TODO: outside next line <b:2>\ny = 2\n";
    let scan = comment_blocks(text);
    assert_eq!(scan.blocks.len(), 1);
    assert_eq!(
        scan.blocks[0].text,
        "# TODO: inside end <a:1>\n# TODO: outside next line <b:2>"
    );
}

#[test]
fn blocks_carry_the_error() {
    let scan = comment_blocks("# a\nx = '''\n");
    assert_eq!(scan.blocks.len(), 1);
    assert!(scan.error.is_some());
}

// --- decoding ------------------------------------------------------------------------------

#[test]
fn utf8_default_and_bom() {
    let plain = decode("# café\n".as_bytes()).unwrap();
    assert_eq!((plain.text.as_str(), plain.encoding), ("# café\n", "utf-8"));
    let bom = decode(b"\xef\xbb\xbf# TODO\n").unwrap();
    assert_eq!((bom.text.as_str(), bom.encoding), ("# TODO\n", "utf-8-sig"));
    assert_eq!(decode(b"").unwrap().text, "");
}

#[test]
fn crlf_and_lone_cr_become_lf() {
    assert_eq!(
        decode(b"a\r\nb\rc\r\r\nd\r").unwrap().text,
        "a\nb\nc\n\nd\n"
    );
}

#[test]
fn coding_cookies() {
    let latin = decode(b"# -*- coding: latin-1 -*-\nx = '\xe9'\n").unwrap();
    assert_eq!(
        (latin.text.as_str(), latin.encoding),
        ("# -*- coding: latin-1 -*-\nx = 'é'\n", "iso-8859-1")
    );
    // Second line, after a shebang; CR-only line endings.
    let second =
        decode(b"#!/usr/bin/env python\r# vim: set fileencoding=cp1252 :\r# \x80\x93\r").unwrap();
    assert_eq!(second.encoding, "cp1252");
    assert!(second.text.ends_with("# €\u{201c}\n"));
    assert_eq!(
        decode(b"# coding=ISO_8859_15\n\xa4").unwrap().text,
        "# coding=ISO_8859_15\n€"
    );
    assert_eq!(
        decode(b"# coding: us-ascii\nx\n").unwrap().encoding,
        "ascii"
    );
    assert_eq!(decode(b"# coding: utf8\nx\n").unwrap().encoding, "utf-8");
    assert_eq!(
        decode(b"# coding: windows-1252\n\x80").unwrap().text,
        "# coding: windows-1252\n€"
    );
}

#[test]
fn cookie_only_on_the_first_two_lines_after_blank_or_comment_lines() {
    // The first line is code, so the second line's cookie does not count: UTF-8 fails.
    let err = decode(b"x = 1\n# coding: latin-1\n# \xe9\n").unwrap_err();
    assert!(err.message.contains("'utf-8' codec"), "{}", err.message);
    // A third-line cookie never counts.
    assert!(decode(b"\n\n# coding: latin-1\n# \xe9\n").is_err());
}

#[test]
fn decode_errors_carry_the_byte_offset_and_name_the_encoding() {
    let err = decode(b"x = 1\n# caf\xe9 x\n").unwrap_err();
    assert_eq!(err.offset, 11);
    assert_eq!(
        err.message,
        "'utf-8' codec can't decode byte 0xe9 in position 11: invalid continuation byte"
    );
    let err = decode(b"\xef\xbb\xbfab\xff").unwrap_err();
    assert_eq!(err.offset, 5);
    assert!(err.message.ends_with("invalid start byte"));
    let err = decode(b"x\na\xe2\x82").unwrap_err();
    assert_eq!(
        err.message,
        "'utf-8' codec can't decode bytes in position 3-4: unexpected end of data"
    );
    let err = decode(b"# coding: cp1252\nab\x81").unwrap_err();
    assert_eq!(
        (err.offset, err.message.as_str()),
        (
            19,
            "'charmap' codec can't decode byte 0x81 in position 19: character maps to <undefined>"
        )
    );
    let err = decode(b"# coding: ascii\n\xe9").unwrap_err();
    assert_eq!(err.offset, 16);
    assert!(err.message.contains("'ascii' codec"));
}

#[test]
fn refused_declarations() {
    let err = decode(b"# coding: uft-8\n").unwrap_err();
    assert_eq!(err.message, "unknown or unsupported encoding: uft-8");
    assert_eq!(err.offset, 10);
    let err = decode(b"\xef\xbb\xbf# coding: latin-1\n").unwrap_err();
    assert!(err.message.starts_with("encoding problem: utf-8"));
    // A header line must be UTF-8 even without a cookie (CPython's rule).
    let err = decode(b"# caf\xe9\n").unwrap_err();
    assert_eq!(err.offset, 5);
    assert!(
        err.message
            .starts_with("invalid or missing encoding declaration")
    );
}

#[test]
fn decoded_columns_start_after_the_bom() {
    let source = decode(b"\xef\xbb\xbf# TODO: after bom <a:b>\n").unwrap();
    let scan = comment_blocks(&source.text);
    assert_eq!(
        (scan.blocks[0].start_line, scan.blocks[0].start_column),
        (0, 0)
    );
}

// --- the reference corpus --------------------------------------------------------------------

/// `text[offsets]` with pycodetags' 0-based line / code-point column offsets.
fn slice_at(text: &str, [sl, sc, el, ec]: [usize; 4]) -> Option<String> {
    let lines: Vec<&str> = text.split('\n').collect();
    let char_offset = |line: usize, col: usize| -> Option<usize> {
        let l = lines.get(line)?;
        let start: usize = lines[..line].iter().map(|l| l.len() + 1).sum();
        let within = l.char_indices().map(|(i, _)| i).chain([l.len()]).nth(col)?;
        Some(start + within)
    };
    Some(
        text.get(char_offset(sl, sc)?..char_offset(el, ec)?)?
            .to_owned(),
    )
}

#[test]
fn corpus_tags_lie_inside_blocks_and_refusals_are_tokenize_errors() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut cases: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "py"))
        .collect();
    cases.sort();
    assert!(cases.len() > 50, "corpus missing in {}", dir.display());
    let (mut records, mut refusals) = (0, 0);
    for case in &cases {
        let name = case.display().to_string();
        let source =
            decode(&std::fs::read(case).unwrap()).unwrap_or_else(|e| panic!("{name}: {e}"));
        let scan = comment_blocks(&source.text);
        let refused = std::fs::read_to_string(case.with_extension("pep350.error.txt"))
            .is_ok_and(|t| t.contains("Cannot tokenize"));
        if refused {
            refusals += 1;
            let error = scan
                .error
                .as_ref()
                .unwrap_or_else(|| panic!("{name}: no tokenize error"));
            assert_eq!(error.kind, DiagnosticKind::Tokenize);
        } else {
            assert_eq!(scan.error, None, "{name}");
        }
        for config in ["pep350", "tdg"] {
            let Ok(json) = std::fs::read_to_string(case.with_extension(format!("{config}.json")))
            else {
                continue;
            };
            let tags: Vec<serde_json::Value> = serde_json::from_str(&json).unwrap();
            for tag in tags {
                let offsets: [usize; 4] = serde_json::from_value(tag["offsets"].clone()).unwrap();
                let original = tag["original_text"].as_str().unwrap();
                assert_eq!(
                    slice_at(&source.text, offsets).as_deref(),
                    Some(original),
                    "{name}"
                );
                let [sl, sc, el, ec] = offsets;
                let inside = scan.blocks.iter().any(|b| {
                    (b.start_line, b.start_column) <= (sl, sc)
                        && (el, ec) <= (b.end_line, b.end_column)
                });
                assert!(
                    inside,
                    "{name}: {offsets:?} is in no block: {:?}",
                    scan.blocks
                );
                records += 1;
            }
        }
    }
    assert!(records > 100, "only {records} records checked");
    assert_eq!(refusals, 2, "cases 043 and 044");
}
