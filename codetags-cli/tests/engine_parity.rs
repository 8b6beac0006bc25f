//! The scanner's single-hash pipeline (`engine::extract`) gives exactly what
//! `codetags_parse::extract_tags` gives, on every reference corpus file and demo file, in every
//! schema.

use codetags_cli::engine::{self, DiagnosticKind, Schema};
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
fn engine_extract_matches_extract_tags() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    python_files(&manifest.join("../codetags-parse/tests/corpus"), &mut files);
    python_files(&manifest.join("../examples/demo"), &mut files);
    assert!(files.len() > 20, "fixtures missing: {files:?}");
    let mut compared = 0;
    let mut undecodable = 0;
    for file in &files {
        let bytes = std::fs::read(file).unwrap();
        let content = engine::content_hash(&bytes);
        for schema in Schema::ALL {
            let ours = engine::extract(&bytes, &content, &schema);
            match codetags_parse::extract_tags(&bytes, schema) {
                Ok(reference) => {
                    assert_eq!(ours.tags, reference.tags, "{} {schema}", file.display());
                    assert_eq!(
                        ours.diagnostics,
                        reference.diagnostics,
                        "{} {schema}",
                        file.display()
                    );
                    compared += 1;
                }
                Err(_) => {
                    assert!(ours.tags.is_empty());
                    assert_eq!(ours.diagnostics.len(), 1);
                    assert_eq!(ours.diagnostics[0].kind, DiagnosticKind::Decode);
                    undecodable += 1;
                }
            }
        }
    }
    println!("{compared} file/schema pairs equal, {undecodable} undecodable");
    assert!(
        undecodable > 0,
        "the demo's bad_encoding.py must be undecodable"
    );
}
