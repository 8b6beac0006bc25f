//! One file's new bytes: each tag's span replaced by its re-serialized text, every other byte
//! kept (line ends, BOM, tabs, the encoding), as pycodetags 0.8.1's `mutator.apply_mutations`
//! and `source_io.replace_source` produce them.
//!
//! pycodetags decodes the file, replaces the spans in the text and encodes the whole text again.
//! For the encodings a Python source can declare and we decode (UTF-8, with or without a BOM,
//! and single-byte encodings), encoding is per character, so the same bytes come from replacing
//! only the spans' bytes and encoding only the new text: that is what is done here, and the
//! result is decoded again and checked against the text pycodetags would have written.

use codetags_parse::{Tag, decode_text, dumps};
use sha2::{Digest, Sha256};
use std::borrow::Cow;
use std::collections::HashMap;

/// Why a file cannot be rewritten. The messages are pycodetags' where it has one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RewriteError {
    /// The file changed since it was scanned (its text).
    #[error("Tag mismatch: source snapshot is stale or missing; reparse before writing.")]
    StaleText,
    /// The file changed since it was scanned (only its bytes: line ends, BOM, encoding).
    #[error("Tag mismatch: source bytes changed; reparse before writing.")]
    StaleBytes,
    /// The file cannot be decoded any more.
    #[error("Cannot decode Python source: {0}")]
    Decode(String),
    /// The offsets do not lie inside the file.
    #[error("Invalid tag offsets: {0}")]
    Offsets(&'static str),
    /// The text at the offsets is not the tag's.
    #[error("Tag mismatch: text at the stored span differs from the parsed tag.")]
    TextMismatch,
    /// The tag cannot be serialized.
    #[error("{0}")]
    Render(#[from] codetags_parse::DumpError),
    /// The serialized tag has a line that is not a comment.
    #[error("Replacement must contain only comment lines, without a trailing newline.")]
    NotComments,
    /// Two tags' spans overlap.
    #[error("Overlapping tag mutations; each source span may be changed only once.")]
    Overlap,
    /// A character of the new text has no byte in the file's encoding.
    #[error(
        "the new text of the tag at line {line} holds {character:?} (U+{code:04X}), which the \
         file's encoding {encoding} cannot represent"
    )]
    Unencodable {
        /// 1-based line of the tag.
        line: usize,
        /// The character.
        character: char,
        /// Its code point.
        code: u32,
        /// The file's encoding.
        encoding: &'static str,
    },
    /// Our own check of the result failed (a bug, never written).
    #[error("internal check failed, the file is left as it is: {0}")]
    Check(&'static str),
}

/// The file's bytes with each `(old, new)` pair's span replaced by `new` serialized, or `None`
/// when that changes nothing. `old` must be a tag read from exactly these bytes.
///
/// ```
/// use codetags_cli::ids::rewrite_source;
/// use codetags_parse::{dumps::with_id, extract_tags, Schema};
/// let raw = b"x = 1\r\n\tif x:  # TODO: tidy <p=1>\r\n";
/// let tag = extract_tags(raw, Schema::Pep350).unwrap().tags.remove(0);
/// let new = rewrite_source(raw, &[(&tag, &with_id(&tag, "3"))]).unwrap().unwrap();
/// assert_eq!(new, b"x = 1\r\n\tif x:  # TODO: tidy <p=1 id=3>\r\n");
/// ```
///
/// # Errors
/// [`RewriteError`]: the bytes are not those the tags were read from, a tag cannot be written in
/// its schema's form or in the file's encoding, or spans overlap.
pub fn rewrite_source(raw: &[u8], edits: &[(&Tag, &Tag)]) -> Result<Option<Vec<u8>>, RewriteError> {
    if edits.is_empty() {
        return Ok(None);
    }
    let (text, encoding) = decode_text(raw).map_err(|e| RewriteError::Decode(e.message))?;
    let text_digest = hex(&Sha256::digest(text.as_bytes()));
    let bytes_digest = hex(&Sha256::digest(raw));
    for (old, _) in edits {
        if old.source_digest != text_digest {
            return Err(RewriteError::StaleText);
        }
        if !old.source_bytes_digest.is_empty() && old.source_bytes_digest != bytes_digest {
            return Err(RewriteError::StaleBytes);
        }
    }
    let codec = Codec::for_encoding(encoding)?;
    let body_start = if encoding == "utf-8-sig" { 3 } else { 0 };
    let physical = physical_lines(raw, body_start);
    let logical: Vec<&str> = text.split('\n').collect();
    // `text.split('\n')` has one more (empty) piece than there are lines when the text ends
    // with a line end; the physical lines do not.
    if !(logical.len() == physical.len() || logical.len() == physical.len() + 1) {
        return Err(RewriteError::Check("line count"));
    }
    let logical_starts: Vec<usize> = logical
        .iter()
        .scan(0, |at, line| {
            let start = *at;
            *at += line.len() + 1;
            Some(start)
        })
        .collect();
    // The file's first line end, for a tag on a last line without one.
    let first_newline = physical
        .iter()
        .map(|l| &raw[l.content_end..l.end])
        .find(|ending| !ending.is_empty())
        .unwrap_or(b"\n");

    struct Replacement {
        raw: (usize, usize),
        logical: (usize, usize),
        bytes: Vec<u8>,
        text: String,
    }
    let mut replacements = Vec::with_capacity(edits.len());
    for (old, new) in edits {
        let offsets = old.offsets;
        let (first, last) = (offsets.start_line, offsets.end_line);
        if !(first <= last && last < physical.len()) {
            return Err(RewriteError::Offsets("line outside source."));
        }
        let (first_text, last_text) = (logical[first], logical[last]);
        let first_col = char_offset(first_text, offsets.start_column);
        let last_col = char_offset(last_text, offsets.end_column);
        let (Some(first_col), Some(last_col)) = (first_col, last_col) else {
            return Err(RewriteError::Offsets("column outside source."));
        };
        let start = logical_starts[first] + first_col;
        let stop = logical_starts[last] + last_col;
        if start >= stop {
            return Err(RewriteError::Offsets("empty or reversed span."));
        }
        if text[start..stop] != old.original_text {
            return Err(RewriteError::TextMismatch);
        }
        if !text[start..].starts_with('#') {
            return Err(RewriteError::Offsets("span must begin at a comment."));
        }
        let raw_start = physical[first].start
            + codec.byte_len(&first_text[..first_col], raw, &physical[first])?;
        let raw_stop =
            physical[last].start + codec.byte_len(&last_text[..last_col], raw, &physical[last])?;

        let rendered = dumps(new)?;
        let prefix = &first_text[..first_col];
        let indentation = &prefix[..prefix.len() - prefix.trim_start_matches([' ', '\t']).len()];
        let line_end = &raw[physical[first].content_end..physical[first].end];
        let line_end = if line_end.is_empty() {
            first_newline
        } else {
            line_end
        };
        let lines: Vec<Cow<'_, str>> = logical_lines(&rendered);
        if lines
            .iter()
            .any(|l| !l.trim_start_matches([' ', '\t']).starts_with('#'))
        {
            return Err(RewriteError::NotComments);
        }
        let mut bytes = Vec::with_capacity(rendered.len() + 16);
        let mut new_text = String::with_capacity(rendered.len() + 16);
        for (i, line) in lines.iter().enumerate() {
            if i > 0 {
                bytes.extend_from_slice(line_end);
                new_text.push('\n');
                bytes.extend_from_slice(&codec.encode(indentation, first + 1)?);
                new_text.push_str(indentation);
            }
            bytes.extend_from_slice(&codec.encode(line, first + 1)?);
            new_text.push_str(line);
        }
        replacements.push(Replacement {
            raw: (raw_start, raw_stop),
            logical: (start, stop),
            bytes,
            text: new_text,
        });
    }
    replacements.sort_by_key(|r| r.raw.0);
    if replacements.windows(2).any(|w| w[1].raw.0 < w[0].raw.1) {
        return Err(RewriteError::Overlap);
    }
    let mut out = Vec::with_capacity(raw.len() + 64 * replacements.len());
    let mut expected = String::with_capacity(text.len() + 64 * replacements.len());
    let (mut raw_at, mut text_at) = (0, 0);
    for r in &replacements {
        out.extend_from_slice(&raw[raw_at..r.raw.0]);
        out.extend_from_slice(&r.bytes);
        raw_at = r.raw.1;
        expected.push_str(&text[text_at..r.logical.0]);
        expected.push_str(&r.text);
        text_at = r.logical.1;
    }
    out.extend_from_slice(&raw[raw_at..]);
    expected.push_str(&text[text_at..]);
    // The bytes must read back as the text pycodetags would have encoded.
    match decode_text(&out) {
        Ok((again, again_encoding)) if again == expected && again_encoding == encoding => {}
        _ => {
            return Err(RewriteError::Check(
                "the new bytes do not decode to the new text",
            ));
        }
    }
    Ok((out != raw).then_some(out))
}

/// The text's lines (split at `\n`, `\r\n` and `\r`), as `logical_text(text).split("\n")`.
fn logical_lines(text: &str) -> Vec<Cow<'_, str>> {
    if !text.contains('\r') {
        return text.split('\n').map(Cow::Borrowed).collect();
    }
    let normal = text.replace("\r\n", "\n").replace('\r', "\n");
    normal
        .split('\n')
        .map(|l| Cow::Owned(l.to_owned()))
        .collect()
}

/// The byte offset of the `column`-th character of `line`, if the line is that long.
fn char_offset(line: &str, column: usize) -> Option<usize> {
    line.char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(line.len()))
        .nth(column)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// One physical line of the raw file: where it starts, where its content ends and where its
/// line end (`\n`, `\r\n` or `\r`; none on a last line) ends.
#[derive(Debug, Clone, Copy)]
struct PhysicalLine {
    start: usize,
    content_end: usize,
    end: usize,
}

/// The lines of `raw` from `from` on, split as Python's universal newlines split them.
fn physical_lines(raw: &[u8], from: usize) -> Vec<PhysicalLine> {
    let mut lines = Vec::new();
    let mut start = from;
    while start < raw.len() {
        match raw[start..].iter().position(|&b| b == b'\n' || b == b'\r') {
            Some(i) => {
                let content_end = start + i;
                let end = if raw[content_end] == b'\r' && raw.get(content_end + 1) == Some(&b'\n') {
                    content_end + 2
                } else {
                    content_end + 1
                };
                lines.push(PhysicalLine {
                    start,
                    content_end,
                    end,
                });
                start = end;
            }
            None => {
                lines.push(PhysicalLine {
                    start,
                    content_end: raw.len(),
                    end: raw.len(),
                });
                start = raw.len();
            }
        }
    }
    lines
}

/// How text becomes the file's bytes again.
enum Codec {
    /// UTF-8 (a BOM is kept with the bytes before the first span).
    Utf8,
    /// A single-byte encoding: each character's byte, learnt from the decoder itself, so that
    /// encoding is exactly the inverse of the decoding the scan did.
    SingleByte {
        name: &'static str,
        bytes: HashMap<char, u8>,
    },
}

impl Codec {
    fn for_encoding(name: &'static str) -> Result<Self, RewriteError> {
        if matches!(name, "utf-8" | "utf-8-sig") {
            return Ok(Codec::Utf8);
        }
        // Every encoding a Python source can declare is ASCII-compatible where it matters here:
        // line ends are their ASCII bytes. Each other byte is decoded alone under a coding
        // declaration; a byte that does not decode to one character has no place in the table
        // (so a character that would need it is refused, never guessed).
        let header = format!("# coding: {name}\n");
        // The decoder reports its codec by its canonical name (`iso-8859-15` is CPython's
        // `iso8859_15`): every probe must be decoded by the codec the header alone selects.
        let Ok((_, codec)) = decode_text(header.as_bytes()) else {
            return Err(RewriteError::Check(
                "the encoding is not one codetags decodes",
            ));
        };
        let mut bytes = HashMap::with_capacity(256);
        for byte in 0..=255u8 {
            if byte == b'\n' || byte == b'\r' {
                bytes.insert(char::from(byte), byte);
                continue;
            }
            let mut probe = header.clone().into_bytes();
            probe.push(byte);
            if let Ok((text, decoded_as)) = decode_text(&probe)
                && decoded_as == codec
                && let Some(rest) = text.strip_prefix(header.as_str())
            {
                let mut chars = rest.chars();
                if let (Some(c), None) = (chars.next(), chars.next()) {
                    bytes.entry(c).or_insert(byte);
                }
            }
        }
        if !header.chars().all(|c| bytes.get(&c) == Some(&(c as u8))) {
            return Err(RewriteError::Check("the encoding is not ASCII-compatible"));
        }
        Ok(Codec::SingleByte { name, bytes })
    }

    /// `text` in the file's encoding; `line` (1-based) names the tag in the error.
    fn encode<'a>(&self, text: &'a str, line: usize) -> Result<Cow<'a, [u8]>, RewriteError> {
        match self {
            Codec::Utf8 => Ok(Cow::Borrowed(text.as_bytes())),
            Codec::SingleByte { name, bytes } => text
                .chars()
                .map(|c| {
                    bytes.get(&c).copied().ok_or(RewriteError::Unencodable {
                        line,
                        character: c,
                        code: u32::from(c),
                        encoding: name,
                    })
                })
                .collect::<Result<Vec<u8>, _>>()
                .map(Cow::Owned),
        }
    }

    /// How many bytes `prefix` (the start of the physical line `line`) takes in the file.
    fn byte_len(
        &self,
        prefix: &str,
        raw: &[u8],
        line: &PhysicalLine,
    ) -> Result<usize, RewriteError> {
        let content = &raw[line.start..line.content_end];
        let encoded = match self {
            Codec::Utf8 => Cow::Borrowed(prefix.as_bytes()),
            Codec::SingleByte { .. } => self
                .encode(prefix, 0)
                .map_err(|_| RewriteError::Check("a line does not encode to its own bytes"))?,
        };
        if content.starts_with(&encoded) {
            Ok(encoded.len())
        } else {
            Err(RewriteError::Check(
                "a line does not encode to its own bytes",
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_split_as_universal_newlines() {
        let raw = b"a\r\nb\rc\n\nd";
        let lines: Vec<(usize, usize, usize)> = physical_lines(raw, 0)
            .iter()
            .map(|l| (l.start, l.content_end, l.end))
            .collect();
        assert_eq!(
            lines,
            [(0, 1, 3), (3, 4, 5), (5, 6, 7), (7, 7, 8), (8, 9, 9)]
        );
        assert_eq!(char_offset("é x", 1), Some(2));
        assert_eq!(char_offset("é x", 3), Some(4));
        assert_eq!(char_offset("é x", 4), None);
    }

    #[test]
    fn single_byte_tables_come_from_the_decoder() {
        let latin9 = Codec::for_encoding("iso-8859-15").unwrap();
        assert_eq!(&*latin9.encode("€é", 1).unwrap(), b"\xa4\xe9");
        assert!(matches!(
            latin9.encode("¤", 1),
            Err(RewriteError::Unencodable {
                character: '¤', ..
            })
        ));
        let cp1252 = Codec::for_encoding("cp1252").unwrap();
        assert_eq!(&*cp1252.encode("€", 1).unwrap(), b"\x80");
        let latin1 = Codec::for_encoding("iso-8859-1").unwrap();
        assert_eq!(&*latin1.encode("\u{80}ÿ", 1).unwrap(), b"\x80\xff");
        assert!(latin1.encode("€", 1).is_err());
        let ascii = Codec::for_encoding("ascii").unwrap();
        assert!(ascii.encode("é", 1).is_err());
    }

    #[test]
    fn a_character_the_encoding_lacks_is_refused_by_name() {
        use codetags_parse::{Schema, extract_tags};
        let raw = b"# coding: latin-1\n# TODO: caf\xe9 <p=1>\n";
        let tag = extract_tags(raw, Schema::Pep350).unwrap().tags.remove(0);
        assert_eq!(tag.title.as_deref(), Some("caf\u{e9}"));
        let ok = rewrite_source(raw, &[(&tag, &codetags_parse::dumps::with_id(&tag, "1"))]);
        assert_eq!(
            ok.unwrap().unwrap(),
            b"# coding: latin-1\n# TODO: caf\xe9 <p=1 id=1>\n"
        );
        let mut euro = codetags_parse::dumps::with_id(&tag, "1");
        euro.title = Some("5 \u{20ac}".into());
        let err = rewrite_source(raw, &[(&tag, &euro)]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the new text of the tag at line 2 holds '\u{20ac}' (U+20AC), which the file's \
             encoding iso-8859-1 cannot represent"
        );
    }

    #[test]
    fn overlapping_and_stale_edits_are_refused() {
        use codetags_parse::{Schema, extract_tags};
        let raw = b"# TODO: a <p=1>\n";
        let tag = extract_tags(raw, Schema::Pep350).unwrap().tags.remove(0);
        let new = codetags_parse::dumps::with_id(&tag, "1");
        assert_eq!(
            rewrite_source(raw, &[(&tag, &new), (&tag, &new)]),
            Err(RewriteError::Overlap)
        );
        assert_eq!(
            rewrite_source(b"# TODO: b <p=1>\n", &[(&tag, &new)]),
            Err(RewriteError::StaleText)
        );
        let mut moved = tag.clone();
        moved.offsets.start_column = 1;
        assert_eq!(
            rewrite_source(raw, &[(&moved, &new)]),
            Err(RewriteError::TextMismatch)
        );
    }
}
