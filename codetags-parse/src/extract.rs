//! The entry point: bytes of one Python file → its tags, diagnostics and digests.
//!
//! `bytes → source::decode → comments::comment_blocks → grammar::parse_block → Tag`.

use crate::comments::comment_blocks;
use crate::diagnostic::Diagnostic;
use crate::grammar::{self, BlockTags};
use crate::schema::Schema;
use crate::source::{DecodeError, decode_text};
use crate::tag::Tag;
use sha2::{Digest, Sha256};
use std::borrow::Cow;

/// Everything found in one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileTags {
    /// The tags, in source order.
    pub tags: Vec<Tag>,
    /// Problems, in source order of discovery: malformed tags (each dropped; every other tag is
    /// kept) and, last, a tokenizer error if the text is not valid Python tokens.
    pub diagnostics: Vec<Diagnostic>,
    /// SHA-256 (hex) of the decoded, LF-normalised text as UTF-8.
    pub source_digest: String,
    /// SHA-256 (hex) of the raw input bytes.
    pub source_bytes_digest: String,
}

impl FileTags {
    /// Sets `file_path` on every tag (the grammar does not know the path).
    pub fn set_file_path(&mut self, path: &str) {
        for tag in &mut self.tags {
            path.clone_into(&mut tag.file_path);
        }
    }
}

/// How [`extract_with`] reads one file: the schema, and what the caller already knows or can
/// do without.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExtractOptions<'a> {
    /// The grammar tags are read with.
    pub schema: Schema,
    /// Skip the comment finder for a file in which no `#` is followed by one of the schema's
    /// tag names ([`crate::may_hold_tags`]): it holds no tag. The file is still decoded (an
    /// undecodable file is still reported), but a tokenizer error in it — which could not hide
    /// or change a tag — is not. In a typical tree nine files in ten are ruled out. Off, every
    /// file is tokenized and every tokenizer error reported, as [`extract_tags`] does.
    pub prefilter: bool,
    /// The SHA-256 of the bytes when the caller already has it (a scanner comparing it with a
    /// cache record): it is never computed again.
    pub bytes_sha256: Option<&'a [u8; 32]>,
}

impl ExtractOptions<'_> {
    /// Every file tokenized, nothing known: what [`extract_tags`] does.
    pub fn new(schema: Schema) -> ExtractOptions<'static> {
        ExtractOptions {
            schema,
            prefilter: false,
            bytes_sha256: None,
        }
    }
}

/// What [`extract_with`] found in one file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extraction {
    /// The tags in source order, digests set, `file_path` empty.
    pub tags: Vec<Tag>,
    /// Problems: an undecodable file (one [`crate::DiagnosticKind::Decode`] diagnostic, then
    /// nothing else), malformed tags, a tokenizer error last.
    pub diagnostics: Vec<Diagnostic>,
    /// The SHA-256 of the bytes: the one given in the options, else computed only because tags
    /// were found (their `source_bytes_digest` is this hash); `None` for a file without tags
    /// whose hash was not known. Most files have no tags, so a cold scan hashes a small fraction
    /// of a tree.
    pub bytes_sha256: Option<[u8; 32]>,
}

/// Decodes and reads one file's bytes, paying only for what the file needs: the one extraction
/// pipeline, which [`extract_tags`] runs with every file tokenized and a scanner runs with the
/// prefilter and the hashes it knows (see [`ExtractOptions`]). An undecodable file is a
/// diagnostic here, not an error, so a scanner reports every problem the same way.
///
/// ```
/// use codetags_parse::{extract_with, DiagnosticKind, ExtractOptions, Schema};
/// use sha2::{Digest, Sha256};
/// let fast = ExtractOptions { prefilter: true, ..ExtractOptions::new(Schema::Auto) };
/// let plain = extract_with(b"x = 1  # just a comment\n", &fast);
/// assert!(plain.tags.is_empty() && plain.bytes_sha256.is_none()); // nothing hashed
/// // No tag can hide in an unterminated string when no `#` precedes a tag name...
/// let source = b"s = '''never closed\n";
/// assert!(extract_with(source, &fast).diagnostics.is_empty());
/// // ...and without the prefilter the tokenizer error is reported.
/// assert_eq!(extract_with(source, &ExtractOptions::new(Schema::Auto)).diagnostics.len(), 1);
/// let bytes = b"x = 1  # TODO: tidy up <alice>\n";
/// let tagged = extract_with(bytes, &fast);
/// assert_eq!(tagged.bytes_sha256, Some(Sha256::digest(bytes).into()));
/// assert_eq!(tagged.tags[0].comment, "tidy up");
/// let undecodable = extract_with(b"# coding: ascii\n# TODO: \xff\n", &fast);
/// assert_eq!(undecodable.diagnostics[0].kind, DiagnosticKind::Decode);
/// ```
pub fn extract_with(bytes: &[u8], options: &ExtractOptions<'_>) -> Extraction {
    match decode_text(bytes) {
        Ok((text, _encoding)) => extract_decoded(&text, bytes, options, false),
        Err(error) => Extraction {
            tags: Vec::new(),
            diagnostics: vec![decode_diagnostic(bytes, &error)],
            bytes_sha256: options.bytes_sha256.copied(),
        },
    }
}

/// What [`extract_each`] reports besides the tags it hands over.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StreamedExtraction {
    /// Problems, as [`Extraction::diagnostics`].
    pub diagnostics: Vec<Diagnostic>,
    /// How many tags were handed over.
    pub tags: usize,
    /// The SHA-256 of the bytes, as [`Extraction::bytes_sha256`].
    pub bytes_sha256: Option<[u8; 32]>,
    /// The SHA-256 of the decoded text, when tags were found and decoding changed the bytes
    /// (a BOM, CRLF, another encoding): the tags' `source_digest`.
    pub text_sha256: Option<[u8; 32]>,
}

/// [`extract_with`], handing each tag to `each` as the grammar reads it, in source order,
/// instead of collecting them: a file of a million tags never holds a million [`Tag`]s. The
/// tags come without digests (`source_digest`, `source_bytes_digest`) and `file_path`: the
/// returned [`StreamedExtraction`] holds the digests, computed as [`extract_with`] does.
///
/// ```
/// use codetags_parse::{extract_each, extract_with, ExtractOptions, Schema};
/// let bytes = b"# TODO: one <p:1>\n# FIXME: two <p:1 p:2>\nx = 1  # BUG: three <q:3>\n";
/// let options = ExtractOptions { prefilter: true, ..ExtractOptions::new(Schema::Pep350) };
/// let mut names = Vec::new();
/// let streamed = extract_each(bytes, &options, &mut |tag| names.push(tag.code_tag));
/// let whole = extract_with(bytes, &options);
/// assert_eq!(names, ["TODO", "BUG"]);
/// assert_eq!((streamed.tags, streamed.diagnostics), (2, whole.diagnostics));
/// assert_eq!(streamed.bytes_sha256, whole.bytes_sha256);
/// assert_eq!(streamed.text_sha256, None);
/// ```
pub fn extract_each(
    bytes: &[u8],
    options: &ExtractOptions<'_>,
    each: &mut dyn FnMut(Tag),
) -> StreamedExtraction {
    let known = options.bytes_sha256.copied();
    let (text, _encoding) = match decode_text(bytes) {
        Ok(decoded) => decoded,
        Err(error) => {
            return StreamedExtraction {
                diagnostics: vec![decode_diagnostic(bytes, &error)],
                bytes_sha256: known,
                ..StreamedExtraction::default()
            };
        }
    };
    if options.prefilter && !crate::may_hold_tags(&text, options.schema) {
        return StreamedExtraction {
            bytes_sha256: known,
            ..StreamedExtraction::default()
        };
    }
    let scan = comment_blocks(&text);
    let mut diagnostics = Vec::new();
    let mut tags = 0usize;
    for block in &scan.blocks {
        grammar::parse_block_each(
            &block.text,
            block.start_line,
            block.start_column,
            options.schema,
            &mut |tag| {
                tags += 1;
                each(tag);
            },
            &mut diagnostics,
        );
    }
    diagnostics.extend(scan.error);
    if tags == 0 {
        return StreamedExtraction {
            diagnostics,
            bytes_sha256: known,
            ..StreamedExtraction::default()
        };
    }
    let digest = known.unwrap_or_else(|| Sha256::digest(bytes).into());
    let text_sha256 = (bytes != text.as_bytes()).then(|| Sha256::digest(text.as_bytes()).into());
    StreamedExtraction {
        diagnostics,
        tags,
        bytes_sha256: Some(digest),
        text_sha256,
    }
}

/// The pipeline after decoding: prefilter, comment blocks, grammar, digests. `always_hash`
/// hashes the bytes even without tags (for [`FileTags`]' digests).
fn extract_decoded(
    text: &str,
    raw: &[u8],
    options: &ExtractOptions<'_>,
    always_hash: bool,
) -> Extraction {
    let known = options.bytes_sha256.copied();
    if options.prefilter && !crate::may_hold_tags(text, options.schema) {
        return Extraction {
            bytes_sha256: known.or_else(|| always_hash.then(|| Sha256::digest(raw).into())),
            ..Extraction::default()
        };
    }
    let BlockTags {
        mut tags,
        diagnostics,
    } = parse_text(text, options.schema);
    let bytes_sha256 = if tags.is_empty() && !always_hash {
        known
    } else {
        let digest = known.unwrap_or_else(|| Sha256::digest(raw).into());
        fill_digests(&mut tags, text, raw, &digest);
        Some(digest)
    };
    Extraction {
        tags,
        diagnostics,
        bytes_sha256,
    }
}

/// Finds the tags of one Python source file, given as raw bytes, read with `schema`.
///
/// The bytes are decoded as Python does (BOM, PEP 263 coding cookie; an undecodable file is the
/// only error), line endings become `\n`, comments are found with CPython's tokenizer rules and
/// grouped into blocks, and each block is read by the schema's grammar. Where pycodetags 0.8.1
/// aborts the whole run — a malformed tag, an untokenizable file — this returns diagnostics and
/// keeps everything else: for a tokenizer error, the tags of every comment block the comment
/// finder could still delimit (all comments before the error point; see
/// [`crate::comments`]) plus one [`crate::DiagnosticKind::Tokenize`] diagnostic.
///
/// Each tag carries the digests; `file_path` is left empty for the caller
/// ([`FileTags::set_file_path`]).
///
/// ```
/// use codetags_parse::{extract_tags, DiagnosticKind, Schema};
///
/// let source = b"x = 1  # TODO: retry <jdoe 2025-07-01 priority=high>\n# FIXME: broken <p:1 p:2>\n";
/// let found = extract_tags(source, Schema::Pep350).unwrap();
/// let tag = &found.tags[0];
/// assert_eq!((tag.code_tag.as_str(), tag.comment.as_str()), ("TODO", "retry"));
/// assert_eq!(tag.data_fields.get_str("author"), Some("jdoe"));
/// assert_eq!(tag.data_fields.get_str("priority"), Some("high"));
/// assert_eq!(tag.offsets.to_array(), [0, 7, 0, 52]);
/// assert_eq!(tag.original_text, "# TODO: retry <jdoe 2025-07-01 priority=high>");
///
/// // The malformed FIXME is dropped with a diagnostic; the TODO above is kept.
/// assert_eq!(found.tags.len(), 1);
/// let problem = &found.diagnostics[0];
/// assert_eq!(problem.kind, DiagnosticKind::MalformedTag);
/// assert_eq!((problem.line, problem.column), (1, 21));
/// assert_eq!(problem.to_string(), "2:22: Duplicate property 'p'."); // 1-based
/// ```
pub fn extract_tags(bytes: &[u8], schema: Schema) -> Result<FileTags, DecodeError> {
    let (text, _) = decode_text(bytes)?;
    Ok(extract(&text, bytes, None, schema))
}

/// Like [`extract_tags`] for a caller that already holds the SHA-256 of `bytes` (a scanner
/// that hashes every file for its cache): the raw bytes are not hashed again, and the text is
/// hashed only when decoding changed it (a BOM, CRLF, another encoding).
///
/// ```
/// use codetags_parse::{extract_tags, extract_tags_prehashed, Schema};
/// use sha2::{Digest, Sha256};
/// let bytes = b"# TODO: retry <jdoe>\n";
/// let digest: [u8; 32] = Sha256::digest(bytes).into();
/// let found = extract_tags_prehashed(bytes, &digest, Schema::Pep350).unwrap();
/// assert_eq!(found, extract_tags(bytes, Schema::Pep350).unwrap());
/// ```
///
/// # Errors
/// [`DecodeError`] when the bytes cannot be decoded (see [`decode_diagnostic`]).
pub fn extract_tags_prehashed(
    bytes: &[u8],
    bytes_sha256: &[u8; 32],
    schema: Schema,
) -> Result<FileTags, DecodeError> {
    let (text, _) = decode_text(bytes)?;
    Ok(extract(&text, bytes, Some(bytes_sha256), schema))
}

/// A [`DecodeError`] as a [`DiagnosticKind::Decode`](crate::DiagnosticKind::Decode) diagnostic:
/// the line of the offending byte and its column counted in bytes (the line could not be
/// decoded, so there are no characters to count).
///
/// ```
/// use codetags_parse::{decode, decode_diagnostic};
/// let bytes = b"x = 1\ny = '\xff'\n";
/// let error = decode(bytes).unwrap_err();
/// let diagnostic = decode_diagnostic(bytes, &error);
/// assert_eq!((diagnostic.line, diagnostic.column), (1, 5));
/// ```
pub fn decode_diagnostic(bytes: &[u8], error: &DecodeError) -> Diagnostic {
    let before = &bytes[..error.offset.min(bytes.len())];
    let line = memchr::memchr_iter(b'\n', before).count();
    let line_start = memchr::memrchr(b'\n', before).map_or(0, |i| i + 1);
    Diagnostic::new(
        crate::DiagnosticKind::Decode,
        line,
        before.len() - line_start,
        error.message.clone(),
    )
}

/// Like [`extract_tags`] for text that is already decoded. `\r\n` and lone `\r` are normalised
/// to `\n` first; `source_bytes_digest` is the digest of `text` as given (UTF-8).
///
/// ```
/// use codetags_parse::{extract_tags_from_str, Schema};
/// let found = extract_tags_from_str("# TODO: title\r\n# issue=7\r\n# body\r\n", Schema::Tdg);
/// assert_eq!(found.tags[0].data_fields.get_str("issue"), Some("7"));
/// assert_eq!(found.tags[0].body.as_deref(), Some("body"));
/// assert_ne!(found.source_digest, found.source_bytes_digest);
/// ```
pub fn extract_tags_from_str(text: &str, schema: Schema) -> FileTags {
    let normalised: Cow<'_, str> = if text.contains('\r') {
        Cow::Owned(text.replace("\r\n", "\n").replace('\r', "\n"))
    } else {
        Cow::Borrowed(text)
    };
    extract(&normalised, text.as_bytes(), None, schema)
}

fn extract(text: &str, raw: &[u8], raw_sha256: Option<&[u8; 32]>, schema: Schema) -> FileTags {
    let options = ExtractOptions {
        bytes_sha256: raw_sha256,
        ..ExtractOptions::new(schema)
    };
    let Extraction {
        tags,
        diagnostics,
        bytes_sha256,
    } = extract_decoded(text, raw, &options, true);
    let raw_sha256 = bytes_sha256.unwrap_or_else(|| Sha256::digest(raw).into());
    let (source_digest, source_bytes_digest) = digests(text, raw, &raw_sha256);
    FileTags {
        tags,
        diagnostics,
        source_digest,
        source_bytes_digest,
    }
}

/// The tags and diagnostics of decoded, LF-normalised text: its comment blocks read by
/// `schema`'s grammar, a tokenizer error last. `file_path` and the digests of the tags are left
/// empty; [`fill_digests`] sets the digests. Scanners that hash only the files that have tags
/// use this pair instead of [`extract_tags`].
///
/// ```
/// use codetags_parse::{decode, fill_digests, parse_text, Schema};
/// let bytes = b"x = 1  # TODO: tidy up <alice>\n";
/// let mut found = parse_text(&decode(bytes).unwrap().text, Schema::Auto);
/// assert_eq!(found.tags[0].comment, "tidy up");
/// let text = decode(bytes).unwrap().text;
/// fill_digests(&mut found.tags, &text, bytes, &[0; 32]);
/// assert_eq!(found.tags[0].source_bytes_digest, "0".repeat(64));
/// ```
pub fn parse_text(text: &str, schema: Schema) -> BlockTags {
    let scan = comment_blocks(text);
    let mut found = BlockTags::default();
    for block in &scan.blocks {
        let block_tags =
            grammar::parse_block(&block.text, block.start_line, block.start_column, schema);
        found.tags.extend(block_tags.tags);
        found.diagnostics.extend(block_tags.diagnostics);
    }
    found.diagnostics.extend(scan.error);
    found
}

/// Sets `source_digest` (SHA-256 of `text`) and `source_bytes_digest` (`raw_sha256`, the
/// SHA-256 of `raw`, the bytes `text` was decoded from) on every tag, as [`extract_tags`] does.
/// The text is hashed only when decoding changed it.
pub fn fill_digests(tags: &mut [Tag], text: &str, raw: &[u8], raw_sha256: &[u8; 32]) {
    if tags.is_empty() {
        return;
    }
    let (source_digest, source_bytes_digest) = digests(text, raw, raw_sha256);
    for tag in tags {
        tag.source_digest.clone_from(&source_digest);
        tag.source_bytes_digest.clone_from(&source_bytes_digest);
    }
}

/// `(text digest, bytes digest)` in hex.
fn digests(text: &str, raw: &[u8], raw_sha256: &[u8; 32]) -> (String, String) {
    let bytes_digest = hex(raw_sha256);
    // Usually (UTF-8, no BOM, LF) the text is the raw bytes: hash once.
    let text_digest = if raw == text.as_bytes() {
        bytes_digest.clone()
    } else {
        hex(&Sha256::digest(text.as_bytes()).into())
    };
    (text_digest, bytes_digest)
}

fn hex(digest: &[u8; 32]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(64);
    for byte in digest {
        out.push(char::from(HEX[usize::from(byte >> 4)]));
        out.push(char::from(HEX[usize::from(byte & 0xf)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_of_empty_input() {
        assert_eq!(
            hex(&Sha256::digest(b"").into()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
