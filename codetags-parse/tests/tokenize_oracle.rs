//! Differential test against CPython's own `tokenize` (`scripts/tokenize_oracle.py`): every
//! sixth `.py` file of the installed stdlib, and a set of tricky snippets including every kind of
//! tokenizer error. Skipped, with a printed reason, when python3 or its stdlib is missing.
//!
//! Documented differences (see `src/comments.rs`): a single-quoted string or f-string that meets
//! the end of its line is an error for us (as in Python 3.12+), while 3.11's `tokenize` emits an
//! `ERRORTOKEN` and carries on; and the codecs `source` does not decode (multi-byte CJK codecs,
//! UTF-16/32, some DOS and Mac code pages) are refused.

use codetags_parse::{decode, find_comments};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/tokenize_oracle.py")
}

/// Runs the oracle script; `None` (after printing why) when python3 cannot be run.
fn oracle(args: &[&str]) -> Option<Vec<Value>> {
    let output = match Command::new("python3").arg(script()).args(args).output() {
        Ok(output) if output.status.success() => output,
        Ok(output) => panic!(
            "tokenize_oracle.py failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ),
        Err(error) => {
            println!("SKIPPED: cannot run python3 ({error}); the tokenize oracle needs CPython");
            return None;
        }
    };
    let stdout = String::from_utf8(output.stdout).expect("UTF-8 JSON lines");
    Some(
        stdout
            .lines()
            .map(|line| serde_json::from_str(line).expect("a JSON record"))
            .collect(),
    )
}

#[derive(Debug, Default)]
struct Tally {
    agreeing: usize,
    tokenize_failed_matched: usize,
    decode_failed: usize,
    documented: Vec<String>,
    differing: Vec<String>,
}

fn comment_list(value: &Value) -> Vec<(usize, usize, usize, String)> {
    serde_json::from_value(value.clone()).expect("[[line, column, end_column, text], ...]")
}

/// Compares one oracle record with our decode + find_comments of the same file.
fn check(record: &Value, tally: &mut Tally) {
    let path = record["path"].as_str().expect("path");
    let bytes = std::fs::read(path).expect("readable file");
    let ours = decode(&bytes);
    match (&record["decode_error"], ours) {
        (Value::Null, Err(e)) if e.message.starts_with("unsupported encoding") => {
            tally.documented.push(format!("{path}: {}", e.message));
        }
        (Value::Null, Err(e)) => tally
            .differing
            .push(format!("{path}: we fail to decode: {e}")),
        (Value::String(_), Ok(_)) => tally
            .differing
            .push(format!("{path}: CPython fails to decode")),
        (_, Err(_)) => tally.decode_failed += 1,
        (_, Ok(source)) => {
            let scan = find_comments(&source.text);
            let ours: Vec<_> = scan
                .comments
                .iter()
                .map(|c| {
                    (
                        c.line,
                        c.column,
                        c.end_column,
                        c.text(&source.text).to_owned(),
                    )
                })
                .collect();
            let want = comment_list(&record["comments"]);
            let error = &record["error"];
            match (&scan.error, error) {
                (None, Value::Null) if ours == want => tally.agreeing += 1,
                (None, Value::Null) => {
                    let first = ours.iter().zip(&want).find(|(a, b)| a != b);
                    tally.differing.push(format!(
                        "{path}: {} comments vs CPython's {}; first difference {first:?}",
                        ours.len(),
                        want.len()
                    ));
                }
                (Some(e), Value::Null) if e.message.starts_with("unterminated") => tally
                    .documented
                    .push(format!("{path}: {e} (3.11 tokenize emits an ERRORTOKEN)")),
                (ours_error, _) => {
                    let at = |v: &Value, k: &str| v[k].as_u64().map(|n| n as usize);
                    let theirs = (
                        at(error, "line"),
                        at(error, "column"),
                        error["message"].as_str(),
                    );
                    let mine = ours_error
                        .as_ref()
                        .map(|e| (Some(e.line), Some(e.column), Some(e.message.as_str())));
                    let before: Vec<_> = match theirs {
                        (Some(l), Some(c), _) => {
                            ours.into_iter().filter(|x| (x.0, x.1) < (l, c)).collect()
                        }
                        _ => ours,
                    };
                    if mine == Some(theirs) && before == want {
                        tally.tokenize_failed_matched += 1;
                    } else {
                        tally
                            .differing
                            .push(format!("{path}: CPython error {error}, ours {mine:?}"));
                    }
                }
            }
        }
    }
}

fn report(name: &str, records: &[Value], tally: &Tally) {
    println!(
        "{name}: {} files: {} agree, {} tokenize errors matched, {} undecodable for both, {} documented differences, {} differing",
        records.len(),
        tally.agreeing,
        tally.tokenize_failed_matched,
        tally.decode_failed,
        tally.documented.len(),
        tally.differing.len()
    );
    for line in &tally.documented {
        println!("  documented: {line}");
    }
    assert!(
        tally.differing.is_empty(),
        "differences:\n{}",
        tally.differing.join("\n")
    );
}

#[test]
fn every_sixth_stdlib_file_matches_cpython_tokenize() {
    let Some(records) = oracle(&["dump", "--every", "6"]) else {
        return;
    };
    if records.is_empty() {
        println!("SKIPPED: python3 has no stdlib .py files to compare with");
        return;
    }
    let mut tally = Tally::default();
    for record in &records {
        check(record, &mut tally);
    }
    report("stdlib (every 6th file)", &records, &tally);
    assert!(
        tally.agreeing > 200,
        "too few files compared: {}",
        tally.agreeing
    );
}

/// Snippets CPython must agree on, including each tokenizer error.
const SNIPPETS: &[(&str, &str)] = &[
    (
        "strings",
        "a = '#' \"#\" '''#\n#''' # c\nb = rb\"\"\"\n# x\n\"\"\"  # d\n",
    ),
    (
        "prefixes",
        "x = Rb'#' + bR'''#''' + U'#' + F'{1}#' + fR\"#\" # c\n",
    ),
    (
        "escapes",
        "x = \"a\\\"#\" + r'\\'#' + '\\\\' # c\ny = \"\"\"a\\\"\"\"#\"\"\"  # d\n",
    ),
    (
        "continuations",
        "s = 'ab\\\n#x' # c\nx = 1 + \\\n    2  # d\n",
    ),
    (
        "fstrings_311",
        "x = f\"{a['#']}#{b:#x}{{#}}\" # c\ny = f'{x!r:>{w}}' # d\n",
    ),
    ("columns", "s = 'café 日本'  # naïve\n\tx = 1 # t\n"),
    ("formfeed", "x = 1\n\x0c\n# TODO: a\n\x0c  # b\n"),
    (
        "indent_ok",
        "if x:\n\ty = 1  # c\n        z = 2\n  # any column\n",
    ),
    ("brackets", "x = [\n  # in list\n 1,\n    ]\ny = 2 # c\n"),
    ("no_newline", "x = 1\n# last"),
    ("ws_only_end", "if x:\n    y = 1\n  "),
    ("eof_string", "# a\nx = '''abc\n# b\n"),
    ("eof_string_prefix", "# a\né = rb'''abc\n"),
    ("eof_string_cont", "s = 'abc\\\n"),
    ("eof_paren", "# a\nf(1,\n  # b\n"),
    ("eof_paren_no_newline", "f(1,\n  2"),
    ("eof_close", "x = 1)\n# c\n"),
    ("eof_continuation", "x = 1 + \\\n"),
    (
        "bad_dedent",
        "if x:\n        a = 1  # a\n    b = 2  # c\n# d\n",
    ),
    (
        "bad_dedent_tabs",
        "if x:\n\tif y:\n\t\tz = 1\n      w = 2\n",
    ),
    // The documented differences: errors for us, ERRORTOKENs for 3.11.
    ("unterminated_single", "s = 'abc # x\ny = 1  # y\n"),
    ("unterminated_fstring", "x = f\"abc\n# real\n"),
];

#[test]
fn snippets_match_cpython_tokenize_including_errors() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("tokenize_oracle_snippets");
    std::fs::create_dir_all(&dir).expect("temporary directory");
    let mut paths = Vec::new();
    for (name, text) in SNIPPETS {
        let path = dir.join(format!("{name}.py"));
        std::fs::write(&path, text).expect("write snippet");
        paths.push(path.display().to_string());
    }
    let mut args = vec!["dump"];
    args.extend(paths.iter().map(String::as_str));
    let Some(records) = oracle(&args) else {
        return;
    };
    let mut tally = Tally::default();
    for record in &records {
        check(record, &mut tally);
    }
    report("snippets", &records, &tally);
    assert_eq!(records.len(), SNIPPETS.len());
    assert_eq!(
        tally.tokenize_failed_matched, 9,
        "every error snippet raised in CPython"
    );
    assert_eq!(
        tally.documented.len(),
        2,
        "the two unterminated single-quoted strings"
    );
}
