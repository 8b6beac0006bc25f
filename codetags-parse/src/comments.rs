//! Finding Python comments with CPython's tokenizer semantics, and grouping them into comment
//! blocks exactly as pycodetags 0.8.1 (`python/comment_finder.py::scan_comment_blocks`) does.
//!
//! The finder is a single pass over the bytes: `memchr3` jumps to the next `#` or quote and
//! `memchr` over comment and string bodies; the code in between is read eight bytes at a time
//! (SWAR) for newlines and brackets, and the indentation of each logical line is checked, so the
//! tokenizer's bracket and indentation errors are found in the same pass.
//!
//! Semantics (differences from CPython 3.11's `tokenize`, the reference, are marked):
//!
//! * A comment runs from `#` to the end of its line; lines end at `\n` only (form feed, vertical
//!   tab, U+2028 and friends are ordinary characters). The text is expected to be LF-normalised,
//!   as [`crate::source::decode`] returns it; a `\r` is an ordinary character.
//! * Strings of every form are skipped: `'…'`, `"…"`, `'''…'''`, `"""…"""`, with any-case
//!   `r b u f t br rb fr rf tr rt` prefixes, backslash escapes (a backslash before the closing quote
//!   escapes it in raw strings too, as in Python) and backslash-newline continuations.
//! * f-strings (and Python 3.14 t-strings) follow Python 3.12+ rules (PEP 701): replacement fields
//!   `{…}` are code, so they may reuse the enclosing quote, nest further strings and f-strings,
//!   span lines, and hold comments; `{{`/`}}` are literal braces; after a top-level `:` comes a
//!   format spec, which is literal text (a `#` there is not a comment) with nested `{…}` fields;
//!   `\N{…}` in a non-raw f-string is an escape, not a field. *3.11 treats an f-string as one
//!   string; for code that 3.11 accepts both views give the same comments.*
//! * Columns count Unicode code points (a tab is one column); lines and columns are 0-based.
//!
//! # Untokenizable input
//!
//! Where CPython's tokenizer raises, the scan carries on, and [`CommentScan::error`] holds a
//! [`DiagnosticKind::Tokenize`] diagnostic at the position CPython reports (the first such
//! problem only):
//!
//! | input | message | position |
//! |---|---|---|
//! | unterminated triple-quoted string (or backslash-continued single-quoted string) | `EOF in multi-line string` | the string's start (its prefix) |
//! | end of input inside brackets, after a trailing `\`, or with more closing than opening brackets | `EOF in multi-line statement` | the line after the last one, column 0 |
//! | a dedent to a column that matches no outer indentation level | `unindent does not match any outer indentation level` | the first non-blank character of the line |
//! | a single-quoted string or f-string that reaches the end of its line | `unterminated string literal` / `unterminated f-string literal` | the string's start |
//!
//! The last row is Python 3.12+ behaviour: 3.11's `tokenize` does not raise there but emits an
//! `ERRORTOKEN` for the lone quote and reads the rest of the line as code, so a `#` after the
//! quote becomes a comment. We end the string at the end of its line (as ruff and 3.12 do),
//! report the diagnostic, and go on.
//!
//! Comments are never dropped because of an error: every comment before the error point is a
//! real comment, and after bracket, continuation and indentation errors every comment is still
//! well defined, so all of them are returned. After a string error the rest of the file is read
//! as described (an unterminated triple-quoted string swallows the rest of the input, like
//! CPython). pycodetags 0.8.1 refused such files as a whole ("Cannot tokenize Python source");
//! a caller that wants that behaviour checks `error`.

use crate::diagnostic::{Diagnostic, DiagnosticKind};
use memchr::{memchr, memchr2, memchr3, memrchr};
use serde::{Deserialize, Serialize};

/// One comment token: `#` up to (not including) the end of its line.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Comment {
    /// 0-based line number.
    pub line: usize,
    /// 0-based column of the `#`, in code points.
    pub column: usize,
    /// 0-based column just past the comment's last character, in code points.
    pub end_column: usize,
    /// Byte offset of the `#` in the text.
    pub start: usize,
    /// Byte offset just past the comment (the position of its `\n`, or the end of the text).
    pub end: usize,
    /// Whether anything other than whitespace (in Python's `str.isspace` sense) precedes the
    /// comment on its line.
    pub inline: bool,
}

impl Comment {
    /// The comment's text, `#` included, taken from the text it was found in.
    ///
    /// ```
    /// use codetags_parse::comments::find_comments;
    ///
    /// let text = "x = 1  # note\n";
    /// let scan = find_comments(text);
    /// assert_eq!(scan.comments[0].text(text), "# note");
    /// ```
    pub fn text<'t>(&self, text: &'t str) -> &'t str {
        text.get(self.start..self.end).unwrap_or("")
    }
}

/// A run of comments that pycodetags 0.8.1 treats as one unit.
///
/// A comment extends the previous block iff it is on the line right after the block's last line
/// and only whitespace precedes it on its line. So an inline comment always starts a new block,
/// comment-only lines right after it extend that block, and a blank or code line ends a block.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CommentBlock {
    /// 0-based line of the first comment.
    pub start_line: usize,
    /// 0-based column (code points) of the first comment's `#`.
    pub start_column: usize,
    /// 0-based line of the last comment.
    pub end_line: usize,
    /// 0-based column (code points) just past the last comment.
    pub end_column: usize,
    /// The first line from the first comment's column, the following lines whole (with their
    /// indentation), the last line up to `end_column`, joined with `\n`: the source slice from
    /// the first `#` to the end of the last comment.
    pub text: String,
}

/// The comments of one text, in source order, and the first tokenizer error, if any.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CommentScan {
    /// Every comment, in source order.
    pub comments: Vec<Comment>,
    /// Where CPython's tokenizer would have refused the text (see the module documentation).
    pub error: Option<Diagnostic>,
}

/// The comment blocks of one text, in source order, and the first tokenizer error, if any.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BlockScan {
    /// Every block, in source order.
    pub blocks: Vec<CommentBlock>,
    /// Where CPython's tokenizer would have refused the text (see the module documentation).
    pub error: Option<Diagnostic>,
}

/// Finds every comment of a Python source text, with CPython's tokenizer semantics and PEP 701
/// f-strings.
///
/// On untokenizable input `error` is set and the comments are still returned: all comments
/// before the error point, and after bracket, continuation or indentation errors all comments
/// (see the [module documentation](self) for the exact rules and positions).
///
/// ```
/// use codetags_parse::comments::find_comments;
///
/// let text = "s = '# not a comment'  # a comment\nf\"{x  # in a field\n}\"\n";
/// let scan = find_comments(text);
/// assert_eq!(scan.error, None);
/// let found: Vec<_> = scan.comments.iter().map(|c| (c.line, c.column, c.text(text))).collect();
/// assert_eq!(found, [(0, 23, "# a comment"), (1, 6, "# in a field")]);
///
/// let broken = find_comments("# kept\ns = '''never closed\n");
/// assert_eq!(broken.comments.len(), 1);
/// let error = broken.error.unwrap();
/// assert_eq!((error.line, error.column, error.message.as_str()), (1, 4, "EOF in multi-line string"));
/// ```
pub fn find_comments(text: &str) -> CommentScan {
    let mut scanner = Scanner::new(text);
    scanner.run();
    CommentScan {
        comments: scanner.comments,
        error: scanner.error,
    }
}

/// Groups the comments of a text into blocks exactly as pycodetags 0.8.1 does.
///
/// ```
/// use codetags_parse::comments::comment_blocks;
///
/// let text = "x = 1  # TODO: inline\n# continues\n\n    # new block\n";
/// let scan = comment_blocks(text);
/// let texts: Vec<_> = scan.blocks.iter().map(|b| b.text.as_str()).collect();
/// assert_eq!(texts, ["# TODO: inline\n# continues", "# new block"]);
/// assert_eq!((scan.blocks[1].start_line, scan.blocks[1].start_column), (3, 4));
/// ```
pub fn comment_blocks(text: &str) -> BlockScan {
    let scan = find_comments(text);
    let mut blocks = Vec::new();
    let mut current: Option<(&Comment, &Comment)> = None;
    for comment in &scan.comments {
        current = match current {
            Some((first, last)) if comment.line == last.line + 1 && !comment.inline => {
                Some((first, comment))
            }
            Some((first, last)) => {
                blocks.push(make_block(text, first, last));
                Some((comment, comment))
            }
            None => Some((comment, comment)),
        };
    }
    if let Some((first, last)) = current {
        blocks.push(make_block(text, first, last));
    }
    BlockScan {
        blocks,
        error: scan.error,
    }
}

fn make_block(text: &str, first: &Comment, last: &Comment) -> CommentBlock {
    CommentBlock {
        start_line: first.line,
        start_column: first.column,
        end_line: last.line,
        end_column: last.end_column,
        text: text.get(first.start..last.end).unwrap_or("").to_owned(),
    }
}

/// Python's `str.isspace`: Unicode White_Space plus the ASCII separators U+001C..U+001F.
fn is_python_whitespace(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Code points in a UTF-8 byte slice: every byte that is not a continuation byte.
fn char_count(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| (b as i8) >= -0x40).count()
}

/// Net bracket depth change of a short stretch of code (no strings or comments in it).
fn bracket_delta(code: &[u8]) -> i64 {
    code.iter()
        .map(|&b| {
            // `[` and `{` (and `]` and `}`) differ only in bit 0x20.
            i64::from(u8::from(b == b'(') | u8::from(b | 0x20 == b'{'))
                - i64::from(u8::from(b == b')') | u8::from(b | 0x20 == b'}'))
        })
        .sum()
}

const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
const HIGH: u64 = 0x8080_8080_8080_8080;
const ONES: u64 = 0x0101_0101_0101_0101;

/// The bracket change up to the first newline of `code`, and that newline's offset. Sixteen
/// bytes at a time (SWAR): a newline is about every 36 bytes, a bracket every 38.
#[inline]
fn line_end(code: &[u8]) -> (i64, Option<usize>) {
    let mut delta = 0;
    let mut chunks = code.chunks_exact(16);
    for (index, chunk) in chunks.by_ref().enumerate() {
        let (a, b) = chunk.split_at(8);
        let a = u64::from_le_bytes(a.try_into().unwrap_or([0; 8]));
        let b = u64::from_le_bytes(b.try_into().unwrap_or([0; 8]));
        let (nl_a, nl_b) = (swar_eq(a, b'\n'), swar_eq(b, b'\n'));
        if nl_a | nl_b == 0 {
            delta += swar_bracket_delta(a, u64::MAX) + swar_bracket_delta(b, u64::MAX);
            continue;
        }
        let at = index * 16;
        if nl_a != 0 {
            delta += swar_bracket_delta(a, (nl_a & nl_a.wrapping_neg()) - 1);
            return (delta, Some(at + (nl_a.trailing_zeros() / 8) as usize));
        }
        delta += swar_bracket_delta(a, u64::MAX);
        delta += swar_bracket_delta(b, (nl_b & nl_b.wrapping_neg()) - 1);
        return (delta, Some(at + 8 + (nl_b.trailing_zeros() / 8) as usize));
    }
    let tail = chunks.remainder();
    let base = code.len() - tail.len();
    match memchr(b'\n', tail) {
        Some(n) => (delta + bracket_delta(&tail[..n]), Some(base + n)),
        None => (delta + bracket_delta(tail), None),
    }
}

/// How many spaces `bytes` starts with, eight at a time.
#[inline]
fn leading_spaces(bytes: &[u8]) -> usize {
    let mut chunks = bytes.chunks_exact(8);
    let mut n = 0;
    for chunk in chunks.by_ref() {
        let w = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8])) ^ (ONES * u64::from(b' '));
        if w != 0 {
            return n + (w.trailing_zeros() / 8) as usize;
        }
        n += 8;
    }
    n + chunks
        .remainder()
        .iter()
        .take_while(|&&b| b == b' ')
        .count()
}

/// The high bit of every byte of `w` that equals `c` (exact: no false positives).
fn swar_eq(w: u64, c: u8) -> u64 {
    let t = w ^ (ONES * u64::from(c));
    !(((t & LOW7) + LOW7) | t) & HIGH
}

/// Net bracket change of the bytes of `w` selected by `keep` (a bit mask over the word).
fn swar_bracket_delta(w: u64, keep: u64) -> i64 {
    let folded = w | (ONES * 0x20);
    let opens = (swar_eq(w, b'(') | swar_eq(folded, b'{')) & keep;
    let closes = (swar_eq(w, b')') | swar_eq(folded, b'}')) & keep;
    byte_flags(opens) - byte_flags(closes)
}

/// How many bytes of a `swar_eq`-style mask are set (no `popcnt` on baseline x86-64).
fn byte_flags(mask: u64) -> i64 {
    ((mask >> 7).wrapping_mul(ONES) >> 56) as i64
}

/// CPython's tokenizer tab size for indentation.
const TAB_SIZE: usize = 8;

/// What kind of string a prefix makes.
#[derive(Debug, Clone, Copy)]
struct Prefix {
    /// Byte offset where the string token starts (its prefix, or the quote).
    start: usize,
    /// f-string or t-string.
    format: bool,
    raw: bool,
}

/// Where a string or f-string started, for error positions.
#[derive(Debug, Clone, Copy)]
struct Origin {
    pos: usize,
    line: usize,
    line_start: usize,
}

/// The f-string state stack.
#[derive(Debug, Clone, Copy)]
enum Frame {
    /// The literal part of an f-string.
    Literal {
        quote: u8,
        triple: bool,
        raw: bool,
        origin: Origin,
    },
    /// A replacement field's expression; `depth` counts its open brackets.
    Expr { depth: u32 },
    /// A replacement field's format spec.
    Spec,
}

struct Scanner<'a> {
    text: &'a str,
    bytes: &'a [u8],
    line: usize,
    line_start: usize,
    paren: i64,
    /// Offset just past the last `\`-newline in code; the input ends in a continuation iff it
    /// equals the length.
    continuation_end: Option<usize>,
    indents: Vec<usize>,
    frames: Vec<Frame>,
    comments: Vec<Comment>,
    error: Option<Diagnostic>,
}

impl<'a> Scanner<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            text,
            bytes: text.as_bytes(),
            line: 0,
            line_start: 0,
            paren: 0,
            continuation_end: None,
            indents: vec![0],
            frames: Vec::new(),
            comments: Vec::new(),
            error: None,
        }
    }

    /// The top-level walk: `memchr3` finds the next comment or string; the code before it is
    /// handled line by line by [`Self::code`].
    fn run(&mut self) {
        let bytes = self.bytes;
        let mut i = self.logical_line_start(0);
        loop {
            let event = bytes
                .get(i..)
                .and_then(|rest| memchr3(b'#', b'"', b'\'', rest))
                .map_or(bytes.len(), |k| i + k);
            self.code(i, event);
            i = match bytes.get(event) {
                Some(b'#') => self.comment(event),
                Some(_) => self.string(event),
                None => break,
            };
        }
        self.finish();
    }

    /// Code without strings or comments, `bytes[from..to]`: brackets, newlines, `\`-newline
    /// continuations, and the indentation of the logical lines that start in it. The common
    /// line, indented like the one before it, takes no call and no indentation-stack work.
    fn code(&mut self, from: usize, to: usize) {
        let bytes = self.bytes;
        let mut p = from;
        let mut top = self.indents.last().copied().unwrap_or(0);
        loop {
            let (delta, newline) = line_end(bytes.get(p..to).unwrap_or_default());
            self.paren += delta;
            let Some(offset) = newline else { break };
            let newline = p + offset;
            self.line += 1;
            self.line_start = newline + 1;
            p = newline + 1;
            if newline > from && bytes[newline - 1] == b'\\' {
                self.continuation_end = Some(p);
                continue;
            }
            if self.paren != 0 {
                continue;
            }
            let spaces = bytes.get(p..).map_or(0, leading_spaces);
            let same_indentation = match bytes.get(p + spaces) {
                None | Some(b'#' | b'\n') => true,
                Some(b'\t' | b'\x0c') => false,
                Some(_) => spaces == top,
            };
            if same_indentation {
                p += spaces;
            } else {
                p = self.logical_line_start(p);
                top = self.indents.last().copied().unwrap_or(0);
            }
        }
    }

    fn finish(&mut self) {
        let len = self.bytes.len();
        if self.paren != 0 || self.continuation_end == Some(len) {
            // CPython reports the line after the last one read, at column 0.
            let line = self.line + usize::from(!self.bytes.ends_with(b"\n") && len > 0);
            self.error_at(
                Origin {
                    pos: len,
                    line,
                    line_start: len,
                },
                "EOF in multi-line statement",
            );
        }
    }

    fn newline(&mut self, at: usize) {
        self.line += 1;
        self.line_start = at + 1;
    }

    /// Counts the newlines in `bytes[from..to]`.
    fn count_lines(&mut self, from: usize, to: usize) {
        let Some(span) = self.bytes.get(from..to) else {
            return;
        };
        let n = span.iter().filter(|&&b| b == b'\n').count();
        if n > 0 {
            self.line += n;
            self.line_start = memrchr(b'\n', span).map_or(self.line_start, |k| from + k + 1);
        }
    }

    fn here(&self, pos: usize) -> Origin {
        Origin {
            pos,
            line: self.line,
            line_start: self.line_start,
        }
    }

    fn error_at(&mut self, origin: Origin, message: &str) {
        if self.error.is_none() {
            let column = self
                .bytes
                .get(origin.line_start..origin.pos)
                .map_or(0, char_count);
            self.error = Some(Diagnostic::new(
                DiagnosticKind::Tokenize,
                origin.line,
                column,
                message,
            ));
        }
    }

    /// At the start of a line that starts a logical line (CPython's "new statement" branch):
    /// measures the indentation and checks dedents. Returns the offset of the first
    /// non-whitespace byte.
    fn logical_line_start(&mut self, start: usize) -> usize {
        let bytes = self.bytes;
        let spaces = bytes.get(start..).map_or(0, leading_spaces);
        let mut column = spaces;
        let mut i = start + spaces;
        if matches!(bytes.get(i), Some(b'\t' | b'\x0c')) {
            while let Some(&b) = bytes.get(i) {
                match b {
                    b' ' => column += 1,
                    b'\t' => column = (column / TAB_SIZE + 1) * TAB_SIZE,
                    b'\x0c' => column = 0,
                    _ => break,
                }
                i += 1;
            }
        }
        if matches!(bytes.get(i), None | Some(b'#' | b'\n')) {
            return i;
        }
        let mut top = self.indents.last().copied().unwrap_or(0);
        if column > top {
            self.indents.push(column);
            return i;
        }
        while column < top {
            if !self.indents.contains(&column) {
                self.error_at(
                    self.here(i),
                    "unindent does not match any outer indentation level",
                );
            }
            self.indents.pop();
            top = self.indents.last().copied().unwrap_or(0);
        }
        if column > top {
            // Only after an error: carry on as if the dedent had matched.
            self.indents.push(column);
        }
        i
    }

    /// Records the comment starting at `start`; returns the offset of its end.
    fn comment(&mut self, start: usize) -> usize {
        let bytes = self.bytes;
        let end = bytes
            .get(start..)
            .and_then(|rest| memchr(b'\n', rest))
            .map_or(bytes.len(), |k| start + k);
        let before = bytes.get(self.line_start..start).unwrap_or_default();
        let column = char_count(before);
        let inline = !self
            .text
            .get(self.line_start..start)
            .unwrap_or_default()
            .chars()
            .all(is_python_whitespace);
        self.comments.push(Comment {
            line: self.line,
            column,
            end_column: column + bytes.get(start..end).map_or(0, char_count),
            start,
            end,
            inline,
        });
        end
    }

    /// The prefix of the string whose opening quote is at `quote`.
    fn prefix(&self, quote: usize) -> Prefix {
        let bytes = self.bytes;
        let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80;
        let none = Prefix {
            start: quote,
            format: false,
            raw: false,
        };
        let mut start = quote;
        while start > 0 && is_word(bytes[start - 1]) {
            start -= 1;
            if quote - start > 2 {
                return none;
            }
        }
        let mut prefix = [0u8; 2];
        for (slot, &b) in prefix.iter_mut().zip(&bytes[start..quote]) {
            *slot = b.to_ascii_lowercase();
        }
        let (format, raw) = match &prefix[..quote - start] {
            b"" | b"b" | b"u" => (false, false),
            b"r" | b"br" | b"rb" => (false, true),
            b"f" | b"t" => (true, false),
            b"fr" | b"rf" | b"tr" | b"rt" => (true, true),
            _ => return none,
        };
        Prefix { start, format, raw }
    }

    fn is_triple(&self, quote_at: usize, quote: u8) -> bool {
        self.bytes.get(quote_at + 1) == Some(&quote) && self.bytes.get(quote_at + 2) == Some(&quote)
    }

    /// A string starting with the quote at `quote_at`; returns the offset just past it.
    fn string(&mut self, quote_at: usize) -> usize {
        let prefix = self.prefix(quote_at);
        let quote = self.bytes[quote_at];
        let triple = self.is_triple(quote_at, quote);
        if prefix.format {
            self.fstring(prefix, quote_at, quote, triple)
        } else {
            self.skip_string(prefix.start, quote_at, quote, triple)
        }
    }

    /// Skips a string that is not an f-string. A single-quoted string that meets the end of its
    /// line ends there (the newline is left to the caller).
    fn skip_string(&mut self, start: usize, quote_at: usize, quote: u8, triple: bool) -> usize {
        let bytes = self.bytes;
        let len = bytes.len();
        let origin = self.here(start);
        if triple {
            let mut j = quote_at + 3;
            while let Some(k) = bytes.get(j..).and_then(|rest| memchr2(quote, b'\\', rest)) {
                let k = j + k;
                if bytes[k] == b'\\' {
                    j = k + 2;
                } else if self.is_triple(k, quote) {
                    self.count_lines(quote_at, k);
                    return k + 3;
                } else {
                    j = k + 1;
                }
            }
            self.error_at(origin, "EOF in multi-line string");
            self.count_lines(quote_at, len);
            return len;
        }
        let mut continued = false;
        let mut j = quote_at + 1;
        while let Some(k) = bytes
            .get(j..)
            .and_then(|rest| memchr3(quote, b'\\', b'\n', rest))
        {
            let k = j + k;
            match bytes[k] {
                b'\\' => {
                    if bytes.get(k + 1) == Some(&b'\n') {
                        self.newline(k + 1);
                        continued = true;
                    }
                    j = k + 2;
                }
                b'\n' => {
                    self.error_at(origin, "unterminated string literal");
                    return k;
                }
                _ => return k + 1,
            }
        }
        let message = if continued {
            "EOF in multi-line string"
        } else {
            "unterminated string literal"
        };
        self.error_at(origin, message);
        len
    }

    /// Scans an f-string (PEP 701 rules) that opens with the quote at `quote_at`; returns the
    /// offset just past it.
    fn fstring(&mut self, prefix: Prefix, quote_at: usize, quote: u8, triple: bool) -> usize {
        let bytes = self.bytes;
        self.frames.clear();
        self.frames.push(Frame::Literal {
            quote,
            triple,
            raw: prefix.raw,
            origin: self.here(prefix.start),
        });
        let mut i = quote_at + if triple { 3 } else { 1 };
        while let Some(&top) = self.frames.last() {
            let Some(&c) = bytes.get(i) else {
                self.unterminated_at_eof();
                return bytes.len();
            };
            i = match top {
                Frame::Literal {
                    quote, triple, raw, ..
                } => self.fstring_literal(i, c, quote, triple, raw),
                Frame::Expr { depth } => self.fstring_expr(i, c, depth),
                Frame::Spec => self.fstring_spec(i, c),
            };
        }
        i
    }

    fn unterminated_at_eof(&mut self) {
        if let Some(&Frame::Literal { triple, origin, .. }) = self.frames.first() {
            let message = if triple {
                "EOF in multi-line string"
            } else {
                "unterminated f-string literal"
            };
            self.error_at(origin, message);
        }
        self.frames.clear();
    }

    /// The innermost f-string literal frame: its index, quote and triple-ness.
    fn innermost_literal(&self) -> Option<(usize, u8, bool, Origin)> {
        self.frames
            .iter()
            .enumerate()
            .rev()
            .find_map(|(index, frame)| match *frame {
                Frame::Literal {
                    quote,
                    triple,
                    origin,
                    ..
                } => Some((index, quote, triple, origin)),
                _ => None,
            })
    }

    /// A single-quoted f-string met the end of its line: it ends there, with its fields.
    fn unterminated_line(&mut self, index: usize, origin: Origin) {
        self.error_at(origin, "unterminated f-string literal");
        self.frames.truncate(index);
    }

    fn fstring_literal(&mut self, i: usize, c: u8, quote: u8, triple: bool, raw: bool) -> usize {
        let bytes = self.bytes;
        let next = bytes.get(i + 1).copied();
        match c {
            _ if c == quote => {
                if !triple {
                    self.frames.pop();
                    i + 1
                } else if self.is_triple(i, quote) {
                    self.frames.pop();
                    i + 3
                } else {
                    i + 1
                }
            }
            b'\\' => match next {
                Some(b'N') if !raw && bytes.get(i + 2) == Some(&b'{') => {
                    // A named escape `\N{...}`: its braces are not a field.
                    let from = i + 3;
                    match bytes
                        .get(from..)
                        .and_then(|rest| memchr3(b'}', quote, b'\n', rest))
                    {
                        Some(k) if bytes[from + k] == b'}' => from + k + 1,
                        _ => i + 2,
                    }
                }
                Some(b'{' | b'}') | None => i + 1,
                Some(b'\n') => {
                    self.newline(i + 1);
                    i + 2
                }
                Some(_) => i + 2,
            },
            b'{' if next == Some(b'{') => i + 2,
            b'{' => {
                self.frames.push(Frame::Expr { depth: 0 });
                i + 1
            }
            b'}' if next == Some(b'}') => i + 2,
            b'\n' => {
                if triple {
                    self.newline(i);
                    i + 1
                } else {
                    if let Some((index, _, _, origin)) = self.innermost_literal() {
                        self.unterminated_line(index, origin);
                    }
                    i
                }
            }
            _ => i + 1,
        }
    }

    fn fstring_expr(&mut self, i: usize, c: u8, depth: u32) -> usize {
        let set_depth = |frames: &mut Vec<Frame>, depth: u32| {
            if let Some(top) = frames.last_mut() {
                *top = Frame::Expr { depth };
            }
        };
        match c {
            b'#' => self.comment(i),
            b'\n' => {
                self.newline(i);
                i + 1
            }
            b'\'' | b'"' => {
                let prefix = self.prefix(i);
                let triple = self.is_triple(i, c);
                if prefix.format {
                    self.frames.push(Frame::Literal {
                        quote: c,
                        triple,
                        raw: prefix.raw,
                        origin: self.here(prefix.start),
                    });
                    i + if triple { 3 } else { 1 }
                } else {
                    self.skip_string(prefix.start, i, c, triple)
                }
            }
            b'(' | b'[' | b'{' => {
                set_depth(&mut self.frames, depth + 1);
                i + 1
            }
            b')' | b']' => {
                set_depth(&mut self.frames, depth.saturating_sub(1));
                i + 1
            }
            b'}' if depth == 0 => {
                self.frames.pop();
                i + 1
            }
            b'}' => {
                set_depth(&mut self.frames, depth - 1);
                i + 1
            }
            b':' if depth == 0 => {
                if let Some(top) = self.frames.last_mut() {
                    *top = Frame::Spec;
                }
                i + 1
            }
            b'\\' if self.bytes.get(i + 1) == Some(&b'\n') => {
                self.newline(i + 1);
                i + 2
            }
            _ => i + 1,
        }
    }

    fn fstring_spec(&mut self, i: usize, c: u8) -> usize {
        let Some((index, quote, triple, origin)) = self.innermost_literal() else {
            self.frames.clear();
            return i;
        };
        match c {
            b'{' => {
                self.frames.push(Frame::Expr { depth: 0 });
                i + 1
            }
            b'}' => {
                self.frames.pop();
                i + 1
            }
            b'\n' if triple => {
                self.newline(i);
                i + 1
            }
            b'\n' => {
                self.unterminated_line(index, origin);
                i
            }
            // The f-string's own closing quote ends it even inside a format spec.
            _ if c == quote && (!triple || self.is_triple(i, quote)) => {
                self.frames.truncate(index);
                i + if triple { 3 } else { 1 }
            }
            b'\\' => match self.bytes.get(i + 1) {
                Some(b'\n') => {
                    self.newline(i + 1);
                    i + 2
                }
                Some(b'{' | b'}') | None => i + 1,
                Some(_) => i + 2,
            },
            _ => i + 1,
        }
    }
}
