//! `extract_with`'s options on every reference corpus file and demo file, in every schema,
//! against `extract_tags` (the same pipeline with every file tokenized and always hashed): the
//! same tags always; the same diagnostics except a tokenizer error in a file the prefilter rules
//! out (it cannot hide a tag there); a known hash passed through; otherwise a hash only for
//! files with tags.

use codetags_parse::{DiagnosticKind, ExtractOptions, Schema, extract_tags, extract_with};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

fn python_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            python_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "py") {
            out.push(path);
        }
    }
}

#[test]
fn the_options_change_what_is_paid_for_never_the_tags() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    python_files(&manifest.join("tests/corpus"), &mut files);
    python_files(&manifest.join("../examples/demo"), &mut files);
    assert!(files.len() > 20, "fixtures missing: {files:?}");
    let (mut tagged, mut untagged, mut ruled_out_with_tokenizer_error) = (0, 0, 0);
    for file in &files {
        let bytes = std::fs::read(file).unwrap();
        let hash: [u8; 32] = Sha256::digest(&bytes).into();
        for schema in Schema::ALL {
            let every = ExtractOptions::new(schema);
            let fast = ExtractOptions {
                prefilter: true,
                ..every
            };
            let lazy = extract_with(&bytes, &fast);
            let known = extract_with(
                &bytes,
                &ExtractOptions {
                    bytes_sha256: Some(&hash),
                    ..fast
                },
            );
            let all = extract_with(&bytes, &every);
            let label = format!("{} {schema}", file.display());
            assert_eq!(known.bytes_sha256, Some(hash), "{label}");
            assert_eq!(known.tags, lazy.tags, "{label}");
            assert_eq!(known.diagnostics, lazy.diagnostics, "{label}");
            match extract_tags(&bytes, schema) {
                Ok(reference) => {
                    assert_eq!(lazy.tags, reference.tags, "{label}");
                    assert_eq!(all.tags, reference.tags, "{label}");
                    assert_eq!(all.diagnostics, reference.diagnostics, "{label}");
                    let text = codetags_parse::decode(&bytes).unwrap().text;
                    if codetags_parse::may_hold_tags(&text, schema) {
                        assert_eq!(lazy.diagnostics, reference.diagnostics, "{label}");
                    } else {
                        assert!(lazy.diagnostics.is_empty(), "{label}");
                        assert!(
                            reference
                                .diagnostics
                                .iter()
                                .all(|d| d.kind == DiagnosticKind::Tokenize),
                            "{label}"
                        );
                        if !reference.diagnostics.is_empty() {
                            ruled_out_with_tokenizer_error += 1;
                        }
                    }
                    if reference.tags.is_empty() {
                        assert_eq!(lazy.bytes_sha256, None, "{label}: hashed without tags");
                        untagged += 1;
                    } else {
                        assert_eq!(lazy.bytes_sha256, Some(hash), "{label}");
                        tagged += 1;
                    }
                }
                Err(_) => {
                    assert!(
                        lazy.tags.is_empty() && lazy.bytes_sha256.is_none(),
                        "{label}"
                    );
                    assert_eq!(lazy.diagnostics.len(), 1, "{label}");
                    assert_eq!(lazy.diagnostics[0].kind, DiagnosticKind::Decode, "{label}");
                }
            }
        }
    }
    println!(
        "{tagged} tagged, {untagged} untagged, {ruled_out_with_tokenizer_error} ruled out with a \
         tokenizer error"
    );
    assert!(
        tagged > 0 && untagged > 0,
        "both kinds of file must be covered"
    );
}

#[test]
fn text_and_byte_digests_differ_when_decoding_changes_the_text() {
    // CRLF line ends: the text digest is of the LF text, the byte digest of the raw bytes.
    let bytes = b"x = 1\r\n# TODO: crlf <p:1>\r\n";
    let reference = extract_tags(bytes, Schema::Auto).unwrap();
    let fast = ExtractOptions {
        prefilter: true,
        ..ExtractOptions::new(Schema::Auto)
    };
    let lazy = extract_with(bytes, &fast);
    assert_eq!(lazy.tags, reference.tags);
    assert_ne!(reference.source_digest, reference.source_bytes_digest);
    assert_eq!(lazy.tags[0].source_digest, reference.source_digest);
}
