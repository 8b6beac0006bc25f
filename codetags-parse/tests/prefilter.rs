//! `may_hold_tags` is a necessary condition: wherever it says no, the full pipeline finds no tag
//! and no malformed-tag diagnostic. Checked on generated near-miss text, on the reference
//! corpus and on a slice of the installed stdlib (when python3 has one).

use codetags_parse::{DiagnosticKind, Schema, decode, may_hold_tags, parse_text};
use proptest::prelude::*;
use std::path::{Path, PathBuf};

/// `Err` with the schema and text when the prefilter rules out a text that has tags.
fn check(text: &str) -> Result<(), String> {
    for schema in Schema::ALL {
        if may_hold_tags(text, schema) {
            continue;
        }
        let found = parse_text(text, schema);
        let malformed = found
            .diagnostics
            .iter()
            .filter(|d| d.kind == DiagnosticKind::MalformedTag)
            .count();
        if !found.tags.is_empty() || malformed > 0 {
            return Err(format!(
                "{schema:?}: prefilter said no, but {} tags and {malformed} malformed-tag \
                 diagnostics in {text:?}",
                found.tags.len()
            ));
        }
    }
    Ok(())
}

/// Text full of almost-tags: wrong case, missing colons, other names, odd whitespace.
fn near_misses() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("# TODO: ".to_owned()),
        Just("# TODO ".to_owned()),
        Just("#TODO:".to_owned()),
        Just("# todo: ".to_owned()),
        Just("# TODOS: ".to_owned()),
        Just("# TODO_1: ".to_owned()),
        Just("# FIXME(bob): ".to_owned()),
        Just("# REQ: ".to_owned()),
        Just("# CLEVER ".to_owned()),
        Just("# DATA: ".to_owned()),
        Just("#\u{a0}BUG ".to_owned()),
        Just("#\u{3000}HACK ".to_owned()),
        Just("#\x0cPORT ".to_owned()),
        Just("# NOTE : ".to_owned()),
        Just("#\t XXX\t:".to_owned()),
        Just("TODO: ".to_owned()),
        Just("#".to_owned()),
        Just(":".to_owned()),
        Just(" ".to_owned()),
        Just("\t".to_owned()),
        Just("<p:1> ".to_owned()),
        Just("s = '".to_owned()),
        Just("'".to_owned()),
        Just("\"\"\"".to_owned()),
        Just("\n".to_owned()),
        Just("    ".to_owned()),
        "[A-Z]{1,5}",
        "[a-zé日 ]{0,6}",
    ];
    prop::collection::vec(piece, 0..30).prop_map(|pieces| pieces.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn a_ruled_out_text_has_no_tags(text in near_misses()) {
        check(&text).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn a_ruled_out_arbitrary_text_has_no_tags(text in "[ -~\t\n\u{a0}\u{e9}]{0,200}") {
        check(&text).map_err(TestCaseError::fail)?;
    }
}

#[path = "support/stdlib.rs"]
mod stdlib;

/// Returns (files checked, files that may hold tags under `auto`).
fn check_files(files: &[PathBuf]) -> (usize, usize) {
    let mut checked = 0;
    let mut candidates = 0;
    for path in files {
        let Ok(bytes) = std::fs::read(path) else {
            continue;
        };
        let Ok(source) = decode(&bytes) else {
            continue;
        };
        if let Err(problem) = check(&source.text) {
            panic!("{}: {problem}", path.display());
        }
        checked += 1;
        candidates += usize::from(may_hold_tags(&source.text, Schema::Auto));
    }
    (checked, candidates)
}

#[test]
fn no_corpus_case_is_ruled_out_wrongly() {
    let files = stdlib::python_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus"));
    assert!(files.len() >= 60, "the corpus is missing");
    let (checked, candidates) = check_files(&files);
    assert!(candidates > 0 && candidates < checked);
    println!("corpus: {checked} files, {candidates} may hold tags");
}

#[test]
fn no_stdlib_file_is_ruled_out_wrongly() {
    let stdlib = match stdlib::stdlib_dir() {
        Ok(dir) => dir,
        Err(reason) => {
            println!("SKIPPED: {reason}");
            return;
        }
    };
    let files = stdlib::python_files(&stdlib);
    let sample: Vec<PathBuf> = files.into_iter().step_by(6).collect();
    if sample.is_empty() {
        println!("SKIPPED: no .py files under {}", stdlib.display());
        return;
    }
    let (checked, candidates) = check_files(&sample);
    println!("stdlib (every 6th file): {checked} files, {candidates} may hold tags");
}

#[test]
fn a_folk_name_followed_by_a_digit_passes_the_prefilter_and_the_grammar_refuses_it() {
    assert!(may_hold_tags("# TODO2 x", Schema::Folk));
    assert!(parse_text("# TODO2 x", Schema::Folk).tags.is_empty());
}
