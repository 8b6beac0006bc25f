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

fn python_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            python_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "py") {
            out.push(path);
        }
    }
}

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
    let mut files = Vec::new();
    python_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus"),
        &mut files,
    );
    assert!(files.len() >= 60, "the corpus is missing");
    let (checked, candidates) = check_files(&files);
    assert!(candidates > 0 && candidates < checked);
    println!("corpus: {checked} files, {candidates} may hold tags");
}

#[test]
fn no_stdlib_file_is_ruled_out_wrongly() {
    let Some(stdlib) = std::process::Command::new("python3")
        .args([
            "-c",
            "import sysconfig; print(sysconfig.get_path('stdlib'))",
        ])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()))
    else {
        println!("SKIPPED: no python3 to locate the stdlib");
        return;
    };
    let mut files = Vec::new();
    python_files(&stdlib, &mut files);
    let sample: Vec<PathBuf> = files.into_iter().step_by(6).collect();
    if sample.is_empty() {
        println!("SKIPPED: no .py files under {}", stdlib.display());
        return;
    }
    let (checked, candidates) = check_files(&sample);
    println!("stdlib (every 6th file): {checked} files, {candidates} may hold tags");
}
