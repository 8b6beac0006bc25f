//! The one place the scanner touches codetags-parse: per-file extraction, with an undecodable
//! file turned into an ordinary diagnostic so every problem is reported the same way, and the
//! content hash (SHA-256) computed only where it is needed.

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

/// What [`extract_hashing_tagged`] produced: the parse, and the content hash when it was known
/// or computed.
#[derive(Debug, Clone, Default)]
pub struct Extracted {
    /// Tags and diagnostics, exactly as [`codetags_parse::extract_tags`] gives them.
    pub parsed: Parsed,
    /// [`content_hash`]`(bytes)`: the one passed in, else computed only because tags were found
    /// (their `source_bytes_digest` is this hash); `None` for a file without tags whose hash was
    /// not known.
    pub content: Option<[u8; 32]>,
}

/// Decodes and parses one file's bytes with `schema`, paying only for what the file needs.
///
/// * SHA-256: `known` is the content hash when the caller already has it; otherwise the bytes
///   are hashed only if the file has tags. Most files have none, so a cold scan hashes a small
///   fraction of the tree.
/// * Comment finding: a file in which no `#` is followed by one of the schema's tag names
///   ([`codetags_parse::may_hold_tags`]) holds no tag, so it is decoded (an undecodable file is
///   still reported) but not tokenized. A tokenizer error in such a file could not hide or
///   change a tag, so it is not reported: tokenizer diagnostics come from the files that may
///   hold tags. In a typical tree that is one file in ten. [`Tokenize::All`] tokenizes every
///   file instead.
///
/// Otherwise the pipeline is [`codetags_parse::extract_tags`]' own, through its public pieces
/// ([`codetags_parse::decode_text`], [`codetags_parse::parse_text`],
/// [`codetags_parse::fill_digests`]). `tests/engine_parity.rs` holds the two equal: the same
/// tags always, the same diagnostics wherever the file may hold tags.
///
/// ```
/// use codetags_cli::engine::{content_hash, extract_hashing_tagged, Schema, Tokenize};
/// let plain = extract_hashing_tagged(b"x = 1  # just a comment\n", None, &Schema::Auto, Tokenize::MayHoldTags);
/// assert!(plain.parsed.tags.is_empty() && plain.content.is_none());
/// // No tag can hide in an unterminated string when no `#` precedes a tag name...
/// let source = b"s = '''never closed\n";
/// let broken = extract_hashing_tagged(source, None, &Schema::Auto, Tokenize::MayHoldTags);
/// assert!(broken.parsed.diagnostics.is_empty());
/// // ...unless every file is tokenized.
/// let broken = extract_hashing_tagged(source, None, &Schema::Auto, Tokenize::All);
/// assert_eq!(broken.parsed.diagnostics.len(), 1);
/// let source = b"# TODO: x\ns = '''never closed\n";
/// let broken = extract_hashing_tagged(source, None, &Schema::Auto, Tokenize::MayHoldTags);
/// assert_eq!(broken.parsed.diagnostics.len(), 1);
/// let bytes = b"x = 1  # TODO: tidy up <alice>\n";
/// let tagged = extract_hashing_tagged(bytes, None, &Schema::Auto, Tokenize::MayHoldTags);
/// assert_eq!(tagged.content, Some(content_hash(bytes)));
/// assert_eq!(tagged.parsed.tags[0].comment, "tidy up");
/// ```
pub fn extract_hashing_tagged(
    bytes: &[u8],
    known: Option<&[u8; 32]>,
    schema: &Schema,
    tokenize: Tokenize,
) -> Extracted {
    let text = match codetags_parse::decode_text(bytes) {
        Ok((text, _encoding)) => text,
        Err(error) => {
            return Extracted {
                parsed: Parsed {
                    tags: Vec::new(),
                    diagnostics: vec![codetags_parse::decode_diagnostic(bytes, &error)],
                },
                content: known.copied(),
            };
        }
    };
    if tokenize == Tokenize::MayHoldTags && !codetags_parse::may_hold_tags(&text, *schema) {
        return Extracted {
            parsed: Parsed::default(),
            content: known.copied(),
        };
    }
    let codetags_parse::BlockTags {
        mut tags,
        diagnostics,
    } = codetags_parse::parse_text(&text, *schema);
    let content = if tags.is_empty() {
        known.copied()
    } else {
        let content = known.copied().unwrap_or_else(|| content_hash(bytes));
        codetags_parse::fill_digests(&mut tags, &text, bytes, &content);
        Some(content)
    };
    Extracted {
        parsed: Parsed { tags, diagnostics },
        content,
    }
}

/// Which files the scanner tokenizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tokenize {
    /// Only files in which a tag may occur ([`codetags_parse::may_hold_tags`]); a tokenizer
    /// error elsewhere could not hide a tag and is not reported. The default.
    #[default]
    MayHoldTags,
    /// Every file, so that every tokenizer error is reported (`codetags scan --tokenize-all`).
    All,
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
