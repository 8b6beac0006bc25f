//! The scanner's pipeline (`engine::extract_hashing_tagged`, which hashes only files with tags
//! and tokenizes only files that may hold tags) gives what `codetags_parse::extract_tags` gives
//! on every reference corpus file and demo file, in every schema: the same tags always, the
//! same diagnostics except a tokenizer error in a file that cannot hold a tag.

use codetags_cli::extract::{self as engine, DiagnosticKind, Schema, Tokenize};
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
fn hashing_only_tagged_files_matches_extract_tags_and_reports_the_hash_it_used() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    python_files(&manifest.join("../codetags-parse/tests/corpus"), &mut files);
    python_files(&manifest.join("../examples/demo"), &mut files);
    assert!(files.len() > 20, "fixtures missing: {files:?}");
    let (mut tagged, mut untagged, mut rewritten_text) = (0, 0, 0);
    let mut ruled_out_with_tokenizer_error = 0;
    for file in &files {
        let bytes = std::fs::read(file).unwrap();
        let hash = engine::content_hash(&bytes);
        for schema in Schema::ALL {
            let lazy = engine::extract_hashing_tagged(&bytes, None, &schema, Tokenize::MayHoldTags);
            let known =
                engine::extract_hashing_tagged(&bytes, Some(&hash), &schema, Tokenize::MayHoldTags);
            let every = engine::extract_hashing_tagged(&bytes, None, &schema, Tokenize::All);
            let label = format!("{} {schema}", file.display());
            // Given the hash, it is passed through whatever the file holds.
            assert_eq!(known.content, Some(hash), "{label}");
            assert_eq!(known.parsed.tags, lazy.parsed.tags, "{label}");
            assert_eq!(known.parsed.diagnostics, lazy.parsed.diagnostics, "{label}");
            match codetags_parse::extract_tags(&bytes, schema) {
                Ok(reference) => {
                    assert_eq!(lazy.parsed.tags, reference.tags, "{label}");
                    // Tokenizing every file gives exactly extract_tags' diagnostics.
                    assert_eq!(every.parsed.tags, reference.tags, "{label}");
                    assert_eq!(every.parsed.diagnostics, reference.diagnostics, "{label}");
                    assert_eq!(every.content, lazy.content, "{label}");
                    let text = codetags_parse::decode(&bytes).unwrap().text;
                    if codetags_parse::may_hold_tags(&text, schema) {
                        assert_eq!(lazy.parsed.diagnostics, reference.diagnostics, "{label}");
                    } else {
                        // Ruled out by the prefilter: not tokenized, so only a tokenizer error
                        // (which cannot hide a tag there) may be missing.
                        assert!(lazy.parsed.diagnostics.is_empty(), "{label}");
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
                        assert_eq!(lazy.content, None, "{label}: hashed without tags");
                        untagged += 1;
                    } else {
                        assert_eq!(lazy.content, Some(hash), "{label}");
                        tagged += 1;
                        if reference.source_digest != reference.source_bytes_digest {
                            rewritten_text += 1;
                        }
                    }
                }
                Err(_) => {
                    assert!(
                        lazy.parsed.tags.is_empty() && lazy.content.is_none(),
                        "{label}"
                    );
                    assert_eq!(lazy.parsed.diagnostics.len(), 1);
                    assert_eq!(lazy.parsed.diagnostics[0].kind, DiagnosticKind::Decode);
                }
            }
        }
    }
    println!(
        "{tagged} tagged, {untagged} untagged, {rewritten_text} with decoded text != bytes, \
         {ruled_out_with_tokenizer_error} ruled out with a tokenizer error"
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
    let reference = codetags_parse::extract_tags(bytes, Schema::Auto).unwrap();
    let lazy = engine::extract_hashing_tagged(bytes, None, &Schema::Auto, Tokenize::MayHoldTags);
    assert_eq!(lazy.parsed.tags, reference.tags);
    assert_ne!(reference.source_digest, reference.source_bytes_digest);
    assert_eq!(lazy.parsed.tags[0].source_digest, reference.source_digest);
}
