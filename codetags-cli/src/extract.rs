//! The one place the scanner touches codetags-parse: which extraction options a scan uses, and
//! the content hash the scan state keeps. The pipeline itself is codetags-parse's
//! [`codetags_parse::extract_with`] — decoding, the prefilter, the comment finder, the grammar,
//! hashing only files with tags — so the scanner and `extract_tags` cannot drift apart.

pub use codetags_parse::{Diagnostic, DiagnosticKind, Extraction, Schema, StreamedExtraction, Tag};
use codetags_parse::{ExtractOptions, extract_each, extract_with};
use sha2::{Digest, Sha256};

/// SHA-256 of a file's bytes: the scan cache's content hash, and the tags'
/// `source_bytes_digest`.
pub fn content_hash(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
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

/// Reads one file's bytes with `schema` as a scan does: with the prefilter unless every file
/// is tokenized, reusing `known` (the content hash, when the caller already computed it to
/// compare with a record), and hashing otherwise only a file with tags.
///
/// ```
/// use codetags_cli::extract::{content_hash, extract_file, Schema, Tokenize};
/// let bytes = b"x = 1  # TODO: tidy up <alice>\n";
/// let tagged = extract_file(bytes, None, Schema::Auto, Tokenize::MayHoldTags);
/// assert_eq!(tagged.bytes_sha256, Some(content_hash(bytes)));
/// let source = b"s = '''never closed\n";
/// assert!(extract_file(source, None, Schema::Auto, Tokenize::MayHoldTags).diagnostics.is_empty());
/// assert_eq!(extract_file(source, None, Schema::Auto, Tokenize::All).diagnostics.len(), 1);
/// ```
pub fn extract_file(
    bytes: &[u8],
    known: Option<&[u8; 32]>,
    schema: Schema,
    tokenize: Tokenize,
) -> Extraction {
    let options = ExtractOptions {
        schema,
        prefilter: tokenize == Tokenize::MayHoldTags,
        bytes_sha256: known,
    };
    extract_with(bytes, &options)
}

/// [`extract_file`], handing each tag to `each` as it is read (without digests or path: see
/// [`codetags_parse::extract_each`]).
///
/// ```
/// use codetags_cli::extract::{extract_file_each, Schema, Tokenize};
/// let mut found = Vec::new();
/// let summary = extract_file_each(b"# TODO: a <p:1>\n", None, Schema::Auto, Tokenize::MayHoldTags,
///                                 &mut |tag| found.push(tag));
/// assert_eq!((found.len(), summary.tags), (1, 1));
/// assert!(summary.bytes_sha256.is_some());
/// ```
pub fn extract_file_each(
    bytes: &[u8],
    known: Option<&[u8; 32]>,
    schema: Schema,
    tokenize: Tokenize,
    each: &mut dyn FnMut(Tag),
) -> StreamedExtraction {
    let options = ExtractOptions {
        schema,
        prefilter: tokenize == Tokenize::MayHoldTags,
        bytes_sha256: known,
    };
    extract_each(bytes, &options, each)
}

/// Records the path the tag is reported under.
pub fn set_file_path(tag: &mut Tag, path: &str) {
    path.clone_into(&mut tag.file_path);
}

/// Sort key: 0-based start line and column.
pub fn tag_position(tag: &Tag) -> (usize, usize) {
    (tag.offsets.start_line, tag.offsets.start_column)
}

/// The schema's configuration name, for the state key.
pub fn schema_name(schema: &Schema) -> String {
    schema.name().to_owned()
}
