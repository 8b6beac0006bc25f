//! The one place the scanner touches codetags-parse: per-file extraction, with an undecodable
//! file turned into an ordinary diagnostic so every problem is reported the same way.

pub use codetags_parse::{Diagnostic, DiagnosticKind, Schema, Tag};
use sha2::{Digest, Sha256};

/// What parsing one file produced.
#[derive(Debug, Clone, Default)]
pub struct Parsed {
    /// Tags in source order, digests set, `file_path` empty.
    pub tags: Vec<Tag>,
    /// Decode, tokenize and malformed-tag problems.
    pub diagnostics: Vec<Diagnostic>,
}

/// SHA-256 of a file's bytes: the scan cache's content hash, and the tags'
/// `source_bytes_digest`.
pub fn content_hash(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// Decodes and parses one file's bytes with `schema` through
/// [`codetags_parse::extract_tags_prehashed`]: `content` is [`content_hash`]`(bytes)`, which the
/// scanner needs anyway, so the bytes are hashed once.
///
/// Never fails: an undecodable file yields no tags and one `Decode` diagnostic at the
/// offending byte's line and column.
pub fn extract(bytes: &[u8], content: &[u8; 32], schema: &Schema) -> Parsed {
    match codetags_parse::extract_tags_prehashed(bytes, content, *schema) {
        Ok(found) => Parsed {
            tags: found.tags,
            diagnostics: found.diagnostics,
        },
        Err(error) => Parsed {
            tags: Vec::new(),
            diagnostics: vec![codetags_parse::decode_diagnostic(bytes, &error)],
        },
    }
}

/// Records the path the tag is reported under.
pub fn set_file_path(tag: &mut Tag, path: &str) {
    path.clone_into(&mut tag.file_path);
}

/// Sort key: 0-based start line and column.
pub fn tag_position(tag: &Tag) -> (usize, usize) {
    (tag.offsets.start_line, tag.offsets.start_column)
}

/// The schema's configuration name, for fingerprints.
pub fn schema_name(schema: &Schema) -> String {
    schema.name().to_owned()
}
