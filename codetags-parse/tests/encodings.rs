//! Decoding against CPython: what each byte of each code page decodes to, every spelling of each
//! codec's name, sample files, and a run over the installed stdlib.
//!
//! `tests/fixtures/encodings.json` is CPython's own output, made by
//! `python3 scripts/python_codecs.py fixture` (see that script); the stdlib test runs the same
//! script's `stdlib` command and is skipped, with a printed reason, when python3 is missing.

#[path = "support/stdlib.rs"]
mod stdlib;

use codetags_parse::{DecodeError, Source, decode};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::process::Command;
use std::sync::OnceLock;

fn fixture() -> &'static Map<String, Value> {
    static FIXTURE: OnceLock<Map<String, Value>> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let text = include_str!("fixtures/encodings.json");
        match serde_json::from_str(text).expect("encodings.json is JSON") {
            Value::Object(map) => map,
            other => panic!("encodings.json: not an object: {other}"),
        }
    })
}

fn section(name: &str) -> &'static Map<String, Value> {
    fixture()[name].as_object().expect("a section of codecs")
}

/// The name [`Source::encoding`] gives for a codec CPython calls `python_name`: CPython's, except
/// Latin-1, for which `tokenize.detect_encoding` itself says `iso-8859-1`.
fn our_name(python_name: &str) -> &str {
    if python_name == "iso8859-1" {
        "iso-8859-1"
    } else {
        python_name
    }
}

fn strings(value: &Value) -> Vec<&str> {
    value
        .as_array()
        .expect("a list")
        .iter()
        .map(|v| v.as_str().expect("a string"))
        .collect()
}

fn hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex"))
        .collect()
}

/// Decodes `body` after a cookie naming `module`, with the header's length.
fn with_cookie(module: &str, body: &[u8]) -> (Result<Source, DecodeError>, usize) {
    let mut bytes = format!("# coding: {module}\n").into_bytes();
    let header = bytes.len();
    bytes.extend_from_slice(body);
    (decode(&bytes), header)
}

/// A refusal must say the codec is unsupported (or not a text codec at all), and name it.
fn assert_refused(err: &DecodeError, python_name: &str, context: &str) {
    assert!(
        err.message.starts_with("unsupported encoding: ")
            || err.message.contains("is not a text encoding")
            || err.message.starts_with("undefined encoding"),
        "{context}: {}",
        err.message
    );
    assert!(
        err.message.contains(python_name),
        "{context}: the refusal does not name CPython's codec {python_name}: {}",
        err.message
    );
}

#[test]
fn every_byte_of_each_decoded_code_page_is_cpythons() {
    let mut decoded = Vec::new();
    let mut refused = Vec::new();
    for (module, entry) in section("single_byte") {
        let python_name = entry["name"].as_str().unwrap();
        let table: Vec<Option<u32>> = entry["bytes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().map(|n| n as u32))
            .collect();
        assert_eq!(table.len(), 256, "{module}");
        match with_cookie(module, b"").0 {
            Err(err) => {
                assert_refused(&err, python_name, module);
                refused.push(module.as_str());
                continue;
            }
            Ok(source) => assert_eq!(source.encoding, our_name(python_name), "{module}"),
        }
        decoded.push(module.as_str());
        // pycodetags refuses a file whose text does not encode back to its bytes; none of the
        // code pages we decode has such a byte, so decoding never accepts what it refuses.
        assert_eq!(entry["not_round_trip"], Value::Array(vec![]), "{module}");
        let mut all_defined = Vec::new();
        let mut expected_all = String::new();
        for (byte, want) in (0..=255u8).zip(&table) {
            let (got, header) = with_cookie(module, &[byte]);
            match (want, got) {
                (Some(code), Ok(source)) => {
                    let c = char::from_u32(*code).unwrap();
                    // Line ends are normalised after decoding: CR becomes LF.
                    let c = if c == '\r' { '\n' } else { c };
                    assert_eq!(
                        source.text.strip_prefix(&format!("# coding: {module}\n")),
                        Some(c.to_string().as_str()),
                        "{module}: byte 0x{byte:02x}"
                    );
                    all_defined.push(byte);
                    expected_all.push(c);
                }
                (None, Err(err)) => {
                    assert_eq!(err.offset, header, "{module}: byte 0x{byte:02x}");
                    assert!(
                        err.message.contains(&format!(
                            "codec can't decode byte 0x{byte:02x} in position {header}"
                        )),
                        "{module}: byte 0x{byte:02x}: {}",
                        err.message
                    );
                }
                (want, got) => {
                    panic!("{module}: byte 0x{byte:02x}: CPython gives {want:x?}, we {got:?}")
                }
            }
        }
        // The same bytes in one file (0x0d is not followed by 0x0a: two line ends).
        let (got, _) = with_cookie(module, &all_defined);
        let text = got.unwrap_or_else(|e| panic!("{module}: {e}")).text;
        assert_eq!(
            text.strip_prefix(&format!("# coding: {module}\n")),
            Some(expected_all.as_str()),
            "{module}: all defined bytes at once"
        );
    }
    println!(
        "{} single-byte codecs decoded: {}",
        decoded.len(),
        decoded.join(" ")
    );
    println!(
        "{} ASCII-compatible single-byte codecs refused: {}",
        refused.len(),
        refused.join(" ")
    );
    // ascii, charmap, latin_1 and iso8859_1, and the 30 code pages of source.rs.
    assert_eq!(decoded.len(), 34);
    for must in [
        "cp1251",
        "cp1252",
        "koi8_r",
        "iso8859_5",
        "iso8859_15",
        "iso8859_2",
    ] {
        assert!(decoded.contains(&must), "{must}");
    }
}

#[test]
fn every_spelling_cpython_accepts_names_the_same_codec() {
    let mut checked = 0;
    for (kind, decodable) in [("single_byte", true), ("refused", false)] {
        for (module, entry) in section(kind) {
            let python_name = entry["name"].as_str().unwrap();
            for spelling in strings(&entry["spellings"]) {
                let cookie = format!("# -*- coding: {spelling} -*-\n");
                let context = format!("{module} spelled {spelling:?}");
                match decode(cookie.as_bytes()) {
                    Ok(source) => {
                        assert!(decodable, "{context}: decoded, but refused under its name");
                        assert_eq!(source.encoding, our_name(python_name), "{context}");
                    }
                    Err(err) if decodable => {
                        // A code page we do not decode is refused under every spelling.
                        assert_refused(&err, python_name, &context);
                        assert!(with_cookie(module, b"").0.is_err(), "{context}");
                    }
                    Err(err) => {
                        assert_refused(&err, python_name, &context);
                        assert_eq!(err.offset, cookie.find(spelling).unwrap(), "{context}");
                    }
                }
                checked += 1;
            }
        }
    }
    println!("{checked} spellings checked");
    assert!(checked > 400, "{checked}");
}

#[test]
fn lookups_normalise_names_as_cpython_does() {
    let lookups = fixture()["lookups"].as_object().unwrap();
    for (spelling, want) in lookups {
        let cookie = format!("# coding={spelling}\n");
        let got = decode(cookie.as_bytes());
        match (want.as_str(), got) {
            (None, Err(err)) => {
                assert_eq!(
                    err.message,
                    format!("unknown or unsupported encoding: {spelling}"),
                    "{spelling}"
                );
                assert_eq!(err.offset, "# coding=".len());
            }
            (None, Ok(source)) => {
                panic!("{spelling}: CPython has no such codec, we decode {source:?}")
            }
            (Some(name), Ok(source)) => assert_eq!(source.encoding, our_name(name), "{spelling}"),
            (Some(name), Err(err)) => assert_refused(&err, name, spelling),
        }
    }
}

#[test]
fn sample_files_decode_as_cpython_decodes_them() {
    let mut decoded = 0;
    for (module, entry) in section("single_byte") {
        for sample in entry["samples"].as_array().unwrap() {
            let bytes = hex(sample["bytes"].as_str().unwrap());
            match (decode(&bytes), sample["text"].as_str()) {
                (Ok(source), Some(want)) => {
                    assert_eq!(source.text, want, "{module}");
                    decoded += 1;
                }
                (Ok(source), None) => panic!("{module}: CPython fails, we decode {source:?}"),
                (Err(err), Some(_)) => {
                    assert_refused(&err, entry["name"].as_str().unwrap(), module)
                }
                (Err(_), None) => {}
            }
        }
    }
    println!("{decoded} single-byte samples decoded as CPython does");
    assert!(decoded >= 33, "{decoded}");
    // Multi-byte and other codecs: refused, naming the codec, where CPython decodes the sample
    // (CJK, UTF-7, escapes); an error where CPython fails (EBCDIC, UTF-16/32: the cookie line is
    // not UTF-8). A UTF-16 cookie that CPython does not see (NUL bytes before the `#`) leaves
    // both reading the file as UTF-8.
    let (mut refused, mut unseen) = (0, 0);
    for (module, entry) in section("refused") {
        for sample in entry["samples"].as_array().unwrap() {
            let bytes = hex(sample["bytes"].as_str().unwrap());
            match (decode(&bytes), sample["text"].as_str()) {
                (Err(err), Some(_)) => {
                    assert_refused(&err, entry["name"].as_str().unwrap(), module);
                    refused += 1;
                }
                (Ok(source), Some(want)) => {
                    assert_eq!(
                        (source.text.as_str(), source.encoding),
                        (want, "utf-8"),
                        "{module}"
                    );
                    unseen += 1;
                }
                (Err(_), None) => refused += 1,
                (Ok(source), None) => panic!("{module}: CPython fails, we decode {source:?}"),
            }
        }
    }
    println!("{refused} samples of refused codecs refused, {unseen} read as UTF-8 as CPython does");
    assert!(refused >= 30, "{refused}");
}

#[test]
fn a_bom_beats_a_refused_codec_as_in_cpython() {
    // CPython looks the codec up, then objects to the BOM, before it would decode anything.
    let err = decode(b"\xef\xbb\xbf# coding: shift_jis\n").unwrap_err();
    assert!(
        err.message.starts_with("encoding problem: utf-8"),
        "{}",
        err.message
    );
    let err = decode(b"\xef\xbb\xbf# coding: koi8-r\n").unwrap_err();
    assert!(
        err.message.starts_with("encoding problem: utf-8"),
        "{}",
        err.message
    );
    let err = decode(b"\xef\xbb\xbf# coding: uft-8\n").unwrap_err();
    assert_eq!(err.message, "unknown or unsupported encoding: uft-8");
}

#[test]
fn refusals_say_why() {
    let err = decode(b"# -*- coding: shift_jis -*-\n").unwrap_err();
    assert_eq!(
        err.message,
        "unsupported encoding: shift_jis: CPython's shift_jis codec is a multi-byte (CJK) codec, \
         which codetags does not decode"
    );
    assert_eq!(err.offset, 14);
    let err = decode(b"# coding: cp437\n").unwrap_err();
    assert_eq!(
        err.message,
        "unsupported encoding: cp437: CPython's cp437 codec is a single-byte code page codetags \
         has no exact decoder for"
    );
    let err = decode(b"# coding: rot13\n").unwrap_err();
    assert_eq!(
        err.message,
        "'rot-13' is not a text encoding (CPython refuses it too)"
    );
}

/// What pycodetags 0.8.1 made of one file: the SHA-256 of its logical text, or its error.
#[derive(Debug)]
enum Theirs {
    Text(String),
    Error(String),
}

fn cpython_reading(root: &std::path::Path) -> Option<Vec<(String, Theirs)>> {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/python_codecs.py");
    let output = match Command::new("python3")
        .arg(script)
        .arg("stdlib")
        .arg(root)
        .output()
    {
        Ok(output) if output.status.success() => output,
        Ok(output) => panic!(
            "python_codecs.py stdlib failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ),
        Err(error) => {
            println!("SKIPPED: cannot run python3 ({error})");
            return None;
        }
    };
    let records = String::from_utf8(output.stdout)
        .expect("UTF-8 JSON lines")
        .lines()
        .map(|line| {
            let record: Value = serde_json::from_str(line).expect("a JSON line");
            let path = record["path"].as_str().unwrap().to_owned();
            let theirs = match record.get("sha256") {
                Some(digest) => Theirs::Text(digest.as_str().unwrap().to_owned()),
                None => Theirs::Error(record["error"].as_str().unwrap().to_owned()),
            };
            (path, theirs)
        })
        .collect();
    Some(records)
}

#[derive(Debug, Default)]
struct Tally {
    files: usize,
    same_text: usize,
    both_refuse: usize,
    we_refuse: BTreeMap<String, usize>,
    differing: Vec<String>,
}

/// Every `.py` file of the installed Python (stdlib and site-packages): each decodes to the same
/// text as pycodetags 0.8.1 reads, or both refuse it, or we refuse a codec CPython has and say so.
#[test]
fn the_installed_python_decodes_as_cpython_reads_it() {
    let root = match stdlib::stdlib_dir() {
        Ok(root) => root,
        Err(reason) => {
            println!("SKIPPED: {reason}");
            return;
        }
    };
    let Some(records) = cpython_reading(&root) else {
        return;
    };
    let mut tallies: BTreeMap<&str, Tally> = BTreeMap::new();
    for (path, theirs) in &records {
        let Ok(bytes) = std::fs::read(path) else {
            continue;
        };
        let part = if path.contains("/site-packages/") {
            "site-packages"
        } else {
            "stdlib"
        };
        let tally = tallies.entry(part).or_default();
        tally.files += 1;
        match (decode(&bytes), theirs) {
            (Ok(source), Theirs::Text(digest)) => {
                let ours: String = Sha256::digest(source.text.as_bytes())
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect();
                if ours == *digest {
                    tally.same_text += 1;
                } else {
                    tally.differing.push(format!("{path}: another text"));
                }
            }
            (Err(_), Theirs::Error(_)) => tally.both_refuse += 1,
            (Err(err), Theirs::Text(_)) if err.message.starts_with("unsupported encoding: ") => {
                let codec = err
                    .message
                    .split(':')
                    .nth(1)
                    .unwrap_or("")
                    .trim()
                    .to_owned();
                *tally.we_refuse.entry(codec).or_default() += 1;
            }
            (Err(err), Theirs::Text(_)) => tally.differing.push(format!("{path}: we fail: {err}")),
            (Ok(_), Theirs::Error(error)) => tally
                .differing
                .push(format!("{path}: CPython fails ({error}), we decode")),
        }
    }
    for (part, tally) in &tallies {
        let refused: usize = tally.we_refuse.values().sum();
        println!(
            "{part}: {} files: {} decoded to CPython's text, {} refused by both, {refused} refused \
             by us only {:?}",
            tally.files, tally.same_text, tally.both_refuse, tally.we_refuse
        );
    }
    let differing: Vec<&String> = tallies.values().flat_map(|t| &t.differing).collect();
    assert!(differing.is_empty(), "{differing:#?}");
    assert!(tallies.get("stdlib").is_some_and(|t| t.files > 1000));
}
