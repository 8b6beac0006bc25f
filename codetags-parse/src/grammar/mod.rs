//! The tag grammars, applied to one comment block at a time.
//!
//! A comment block is what the comment finder reports: the text of adjacent comment-only lines
//! (the first from its `#`, further lines whole, `\n`-joined) and where it starts. Each
//! [`Schema`] reads the block with one grammar:
//!
//! * PEP 350 ([`Schema::Pep350`], [`Schema::Data`]) — `# TODO: title <owner 2025-01-01 k=v>`,
//!   pycodetags 0.8.1's `formats.parse_block` with format `PEP350`;
//! * TDG ([`Schema::Tdg`]) — title line, optional `key=value` line, body; 0.8.1's format `TDG`;
//! * folk ([`Schema::Folk`]) — `# TODO(alice): …`, pycodetags 0.7.0's folk rules;
//! * auto ([`Schema::Auto`]) — per anchor, PEP 350 if a `<…>` block closes it, else TDG.
//!
//! Where pycodetags 0.8.1 raises `DataTagParseError` and aborts the whole run, a grammar here
//! drops that one tag and reports a [`Diagnostic`] of kind
//! [`DiagnosticKind::MalformedTag`] with 0.8.1's message, at the offending character.
//!
//! ```
//! use codetags_parse::{grammar, Schema};
//! let found = grammar::parse_block("# TODO: a <p:1 p:2>\n# FIXME: b <p:3>", 4, 0, Schema::Pep350);
//! assert_eq!(found.tags.len(), 1);
//! assert_eq!(found.tags[0].code_tag, "FIXME");
//! assert_eq!(found.diagnostics[0].message, "Duplicate property 'p'.");
//! assert_eq!((found.diagnostics[0].line, found.diagnostics[0].column), (4, 15));
//! ```

mod folk;
mod pep350;
mod properties;
mod tdg;

use crate::diagnostic::{Diagnostic, DiagnosticKind};
use crate::schema::Schema;
use crate::tag::{FieldMap, Offsets, Tag};

pub(crate) use crate::unicode::{is_py_digit, is_py_printable, is_py_space, is_py_word};

/// What one comment block yields: its tags in source order and the problems found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BlockTags {
    /// The tags, in source order. `file_path` and the digests are empty: the caller fills them.
    pub tags: Vec<Tag>,
    /// One [`DiagnosticKind::MalformedTag`] per dropped tag.
    pub diagnostics: Vec<Diagnostic>,
}

/// Reads the comment block `text`, whose first character is at `start_line`/`start_column`
/// (0-based, columns in characters) of the source, with `schema`'s grammar.
///
/// `text` is the block as pycodetags 0.8.1 builds it: the first line from the comment's `#`,
/// further lines whole, joined by `\n`. Offsets of the tags are positions in the source.
pub fn parse_block(
    text: &str,
    start_line: usize,
    start_column: usize,
    schema: Schema,
) -> BlockTags {
    let mut out = BlockTags::default();
    let mut tags = Vec::new();
    parse_block_each(
        text,
        start_line,
        start_column,
        schema,
        &mut |tag| tags.push(tag),
        &mut out.diagnostics,
    );
    out.tags = tags;
    out
}

/// [`parse_block`], handing each tag to `each` as it is read instead of collecting them (a
/// block of a million tag lines never holds a million tags); diagnostics go to `diagnostics`.
///
/// ```
/// use codetags_parse::{grammar, Schema};
/// let (mut names, mut problems) = (Vec::new(), Vec::new());
/// grammar::parse_block_each("# TODO: a <p:1>\n# FIXME: b <p:2 p:3>", 0, 0, Schema::Pep350,
///     &mut |tag| names.push(tag.code_tag), &mut problems);
/// assert_eq!((names, problems.len()), (vec!["TODO".to_owned()], 1));
/// ```
pub fn parse_block_each(
    text: &str,
    start_line: usize,
    start_column: usize,
    schema: Schema,
    each: &mut dyn FnMut(Tag),
    diagnostics: &mut Vec<Diagnostic>,
) {
    // Most comments are prose: an anchor needs a `:`, so skip splitting blocks that have none.
    if schema != Schema::Folk && memchr::memchr(b':', text.as_bytes()).is_none() {
        return;
    }
    let block = Block::new(text, start_line, start_column);
    match schema {
        Schema::Folk => {
            let mut out = BlockTags::default();
            folk::parse(&block, &mut out);
            out.tags.into_iter().for_each(&mut *each);
            diagnostics.append(&mut out.diagnostics);
        }
        _ => parse_anchored(&block, schema, each, diagnostics),
    }
}

/// One line of a block: its text (no `\n`) and its byte offset in the block text.
#[derive(Debug, Clone, Copy)]
struct Line<'a> {
    text: &'a str,
    start: usize,
}

/// A comment block split into lines the way Python's `io.StringIO(text).readlines()` does.
#[derive(Debug)]
struct Block<'a> {
    text: &'a str,
    lines: Vec<Line<'a>>,
    start_line: usize,
    start_column: usize,
}

impl<'a> Block<'a> {
    fn new(text: &'a str, start_line: usize, start_column: usize) -> Self {
        let mut lines = Vec::new();
        let mut start = 0;
        for piece in text.split_inclusive('\n') {
            lines.push(Line {
                text: piece.strip_suffix('\n').unwrap_or(piece),
                start,
            });
            start += piece.len();
        }
        Self {
            text,
            lines,
            start_line,
            start_column,
        }
    }

    /// The source position of byte `byte` of block line `line`.
    fn position(&self, line: usize, byte: usize) -> (usize, usize) {
        let text = self.lines.get(line).map_or("", |l| l.text);
        let column = char_count(text, byte);
        self.absolute(line, column)
    }

    /// Block-relative line and column → source line and column: only the block's first line is
    /// shifted by the block's start column; further lines are whole source lines.
    fn absolute(&self, line: usize, column: usize) -> (usize, usize) {
        let shift = if line == 0 { self.start_column } else { 0 };
        (self.start_line + line, column + shift)
    }

    /// A tag spanning block line `first` from byte `first_byte` to line `last` up to byte
    /// `last_byte` (exclusive): its source offsets and the exact source text there.
    fn span(&self, first: usize, first_byte: usize, last: usize, last_byte: usize) -> Span {
        let (start_line, start_column) = self.position(first, first_byte);
        let (end_line, end_column) = self.position(last, last_byte);
        let from = self.lines.get(first).map_or(0, |l| l.start + first_byte);
        let to = self.lines.get(last).map_or(from, |l| l.start + last_byte);
        Span {
            offsets: Offsets {
                start_line,
                start_column,
                end_line,
                end_column,
            },
            original_text: self.text.get(from..to.max(from)).unwrap_or("").to_owned(),
        }
    }

    fn diagnostic(&self, line: usize, byte: usize, message: String) -> Diagnostic {
        let (line, column) = self.position(line, byte);
        Diagnostic::new(DiagnosticKind::MalformedTag, line, column, message)
    }
}

/// Where a tag is, and the source text there.
#[derive(Debug)]
struct Span {
    offsets: Offsets,
    original_text: String,
}

/// Characters in `text[..byte]` (clamped to a character boundary).
fn char_count(text: &str, byte: usize) -> usize {
    let mut end = byte.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].chars().count()
}

/// A line that opens a PEP 350 / TDG tag: `^[ \t]*#[ \t]*([A-Z][A-Z0-9_!?]*)[ \t]*:[ \t]*(.*)$`.
#[derive(Debug, Clone, Copy)]
struct Anchor<'a> {
    /// The tag name.
    tag: &'a str,
    /// Byte offset of the `#`.
    hash: usize,
    /// Byte offset where the title starts.
    title: usize,
}

fn skip_blanks(line: &str, from: usize) -> usize {
    from + line[from..].len() - line[from..].trim_start_matches([' ', '\t']).len()
}

fn match_anchor(line: &str) -> Option<Anchor<'_>> {
    let hash = skip_blanks(line, 0);
    if line.as_bytes().get(hash) != Some(&b'#') {
        return None;
    }
    let tag_start = skip_blanks(line, hash + 1);
    let bytes = line.as_bytes();
    if !bytes.get(tag_start).is_some_and(u8::is_ascii_uppercase) {
        return None;
    }
    let tag_end = tag_start
        + bytes[tag_start..]
            .iter()
            .take_while(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b"_!?".contains(b))
            .count();
    let colon = skip_blanks(line, tag_end);
    if bytes.get(colon) != Some(&b':') {
        return None;
    }
    Some(Anchor {
        tag: &line[tag_start..tag_end],
        hash,
        title: skip_blanks(line, colon + 1),
    })
}

/// Length of the comment prefix `^[ \t]*#[ \t]?` that body lines lose, if the line has one.
fn comment_prefix(line: &str) -> Option<usize> {
    let hash = skip_blanks(line, 0);
    if line.as_bytes().get(hash) != Some(&b'#') {
        return None;
    }
    let after = hash + 1;
    Some(after + usize::from(matches!(line.as_bytes().get(after), Some(b' ' | b'\t'))))
}

/// One anchor and the block lines its tag may use: `start` is the anchor line, `stop` the first
/// line after the tag (the next anchor, a non-comment line, or the end of the block).
#[derive(Debug, Clone, Copy)]
struct Extent<'a> {
    anchor: Anchor<'a>,
    start: usize,
    stop: usize,
}

/// A body line: block line `line`, text from byte `from` (after the comment prefix).
#[derive(Debug, Clone, Copy)]
struct BodyLine<'a> {
    line: usize,
    from: usize,
    text: &'a str,
}

impl<'a> Extent<'a> {
    fn body_lines(&self, block: &Block<'a>) -> Vec<BodyLine<'a>> {
        (self.start + 1..self.stop)
            .filter_map(|line| {
                let text = block.lines.get(line)?.text;
                let from = comment_prefix(text).unwrap_or(0);
                Some(BodyLine {
                    line,
                    from,
                    text: &text[from..],
                })
            })
            .collect()
    }
}

/// The anchors of `schema`'s tag names in the block, each with its extent, one at a time: the
/// extent of an anchor ends at the next anchor, so the anchors are found as the extents are.
fn extents<'a, 'b>(block: &'b Block<'a>, schema: Schema) -> impl Iterator<Item = Extent<'a>> + 'b {
    let mut anchors = block
        .lines
        .iter()
        .enumerate()
        .filter_map(|(index, line)| Some((index, match_anchor(line.text)?)))
        .filter(move |(_, anchor)| schema.matches_tag(anchor.tag))
        .peekable();
    std::iter::from_fn(move || {
        let (start, anchor) = anchors.next()?;
        let next = anchors.peek().map_or(block.lines.len(), |(line, _)| *line);
        // Executable lines end a tag (a standalone caller may pass them); blocks from the
        // comment finder hold only comment lines, but a form feed before `#` also ends it.
        let stop = (start + 1..next)
            .find(|&line| comment_prefix(block.lines[line].text).is_none())
            .unwrap_or(next);
        Some(Extent {
            anchor,
            start,
            stop,
        })
    })
}

fn parse_anchored(
    block: &Block<'_>,
    schema: Schema,
    each: &mut dyn FnMut(Tag),
    diagnostics: &mut Vec<Diagnostic>,
) {
    for extent in extents(block, schema) {
        let result = match schema {
            Schema::Tdg => tdg::parse(block, &extent, Schema::Tdg),
            Schema::Pep350 | Schema::Data => pep350::parse(block, &extent, schema, true),
            Schema::Auto => match pep350::parse(block, &extent, Schema::Pep350, false) {
                Ok(None) => tdg::parse(block, &extent, Schema::Tdg),
                other => other,
            },
            Schema::Folk => Ok(None),
        };
        match result {
            Ok(Some(tag)) => each(tag),
            Ok(None) => {}
            Err(diagnostic) => diagnostics.push(diagnostic),
        }
    }
}

/// The parts of a PEP 350 / TDG tag the grammars compute.
struct Parsed {
    code_tag: String,
    title: String,
    body: String,
    properties: Vec<(String, String)>,
    span: Span,
}

/// Builds the record 0.8.1 builds: schema fields to `data_fields`, other keys to
/// `custom_fields`, `id` to `tag_id`, `comment` = `title` = the stripped title.
fn anchored_tag(parsed: Parsed, schema: Schema) -> Tag {
    let mut data_fields = FieldMap::new();
    let mut custom_fields = FieldMap::new();
    let mut tag_id = None;
    for (key, value) in parsed.properties {
        if key == "id" {
            tag_id = Some(value);
        } else if schema.is_data_field(&key) {
            data_fields.insert(key, value);
        } else {
            custom_fields.insert(key, value);
        }
    }
    let title = py_strip(&parsed.title).to_owned();
    Tag {
        code_tag: parsed.code_tag,
        comment: title.clone(),
        title: Some(title),
        body: Some(parsed.body),
        tag_id,
        default_fields: FieldMap::new(),
        data_fields,
        custom_fields,
        identity_fields: None,
        unprocessed_defaults: Vec::new(),
        file_path: String::new(),
        source_digest: String::new(),
        source_bytes_digest: String::new(),
        original_text: parsed.span.original_text,
        schema,
        offsets: parsed.span.offsets,
    }
}

/// `unescape_body`: a leading backslash makes a syntax-like body line literal.
fn unescape_body(line: &str) -> &str {
    line.strip_prefix('\\').unwrap_or(line)
}

/// Python's `str.strip()`.
pub(crate) fn py_strip(s: &str) -> &str {
    s.trim_matches(is_py_space)
}

/// Python's `str.lstrip()`.
pub(crate) fn py_lstrip(s: &str) -> &str {
    s.trim_start_matches(is_py_space)
}

/// Python's `str.rstrip()`.
pub(crate) fn py_rstrip(s: &str) -> &str {
    s.trim_end_matches(is_py_space)
}

/// Python's `repr()` of a `str`, as 0.8.1's messages print tokens (`'x'`, `"it's"`, `'\n'`).
pub(crate) fn py_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_ascii() && (' '..='~').contains(&c) => out.push(c),
            c if !c.is_ascii() && is_py_printable(c) => out.push(c),
            c => {
                let code = u32::from(c);
                let escaped = if code <= 0xff {
                    format!("\\x{code:02x}")
                } else if code <= 0xffff {
                    format!("\\u{code:04x}")
                } else {
                    format!("\\U{code:08x}")
                };
                out.push_str(&escaped);
            }
        }
    }
    out.push(quote);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repr_matches_python() {
        assert_eq!(py_repr("abc"), "'abc'");
        assert_eq!(py_repr("it's"), "\"it's\"");
        assert_eq!(py_repr("a'b\"c"), "'a\\'b\"c'");
        assert_eq!(py_repr("tab\there\\"), "'tab\\there\\\\'");
        assert_eq!(py_repr("é\u{7f}\u{a0}\u{2028}😀"), "'é\\x7f\\xa0\\u2028😀'");
    }

    #[test]
    fn anchors_follow_the_regex() {
        let a = match_anchor("  #\tTODO \t: \ttitle ").unwrap();
        assert_eq!((a.tag, a.hash, a.title), ("TODO", 2, 13));
        assert!(match_anchor("## TODO: x").is_none());
        assert!(match_anchor("# todo: x").is_none());
        assert!(match_anchor("# TODO x").is_none());
        assert_eq!(match_anchor("# FIX_ME!?: x").unwrap().tag, "FIX_ME!?");
        assert!(match_anchor("\u{c}# TODO: x").is_none());
    }

    #[test]
    fn prefix_strips_one_blank() {
        assert_eq!(comment_prefix("  #  x"), Some(4));
        assert_eq!(comment_prefix("#x"), Some(1));
        assert_eq!(comment_prefix("x # y"), None);
    }

    #[test]
    fn blocks_split_like_readlines() {
        let block = Block::new("a\nb\n", 0, 0);
        assert_eq!(block.lines.len(), 2);
        let block = Block::new("", 0, 0);
        assert!(block.lines.is_empty());
    }
}
