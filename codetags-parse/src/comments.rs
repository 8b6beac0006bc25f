//! Finding Python comments with CPython's tokenizer semantics, and grouping them into comment
//! blocks exactly as pycodetags 0.8.1 (`python/comment_finder.py::scan_comment_blocks`) does.
//!
//! The finder is a single pass over the bytes. Code is read sixteen bytes at a time: a few
//! vector compares classify every byte of a block as newline, bracket, `#` or quote, with no
//! branch per byte, and the bracket depth at each newline comes from prefix sums of the block.
//! The indentation of each logical line is checked at its newline, so the tokenizer's bracket
//! and indentation errors are found in the same pass. Comment and string bodies are skipped
//! with `memchr`.
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
use crate::unicode::is_py_space;
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
    let mut scanner = Scanner::new(text);
    scanner.comments = Vec::new();
    scanner.grouper = Some(Grouper::default());
    scanner.run();
    let blocks = scanner.grouper.take().unwrap_or_default().finish(text);
    BlockScan {
        blocks,
        error: scanner.error,
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

/// [`is_py_space`] (Python's `str.isspace`) for an ASCII byte.
fn is_ascii_python_whitespace(b: u8) -> bool {
    matches!(b, b'\t'..=b'\r' | 0x1c..=b' ')
}

/// Code points in a UTF-8 byte slice: every byte that is not a continuation byte.
fn char_count(bytes: &[u8]) -> usize {
    if bytes.is_ascii() {
        return bytes.len();
    }
    bytes.iter().filter(|&&b| (b as i8) >= -0x40).count()
}

/// Bytes per block of [`classify`].
const BLOCK: usize = 16;

const ONES: u64 = 0x0101_0101_0101_0101;

/// Every lane of a [`classify`] word set to 1.
const LANES: u128 = u128::from_le_bytes([1; BLOCK]);

/// Classifies a block of code, lane by lane, into three little-endian words: newline flags (1
/// at a `\n`, else 0), bracket lanes (2 at an opening bracket, 0 at a closing one, else 1) and
/// event flags (1 at a `#` or a quote, else 0). Written so that the compiler turns it into a
/// few vector compares.
#[inline]
fn classify(block: &[u8; BLOCK]) -> (u128, u128, u128) {
    let mut newlines = [0u8; BLOCK];
    let mut brackets = [0u8; BLOCK];
    let mut events = [0u8; BLOCK];
    for i in 0..BLOCK {
        let b = block[i];
        // `[` and `{` (and `]` and `}`) differ only in bit 0x20.
        let folded = b | 0x20;
        let open = u8::from(b == b'(') | u8::from(folded == b'{');
        let close = u8::from(b == b')') | u8::from(folded == b'}');
        newlines[i] = u8::from(b == b'\n');
        brackets[i] = (open << 1) | (1 ^ (open | close));
        events[i] = u8::from(b == b'#') | u8::from(b == b'"') | u8::from(b == b'\'');
    }
    (
        u128::from_le_bytes(newlines),
        u128::from_le_bytes(brackets),
        u128::from_le_bytes(events),
    )
}

/// How many spaces `bytes` starts with, eight at a time.
#[inline]
fn leading_spaces(bytes: &[u8]) -> usize {
    let spaces = |word: &[u8]| {
        u64::from_le_bytes(word.try_into().unwrap_or([0; 8])) ^ (ONES * u64::from(b' '))
    };
    let mut chunks = bytes.chunks_exact(8);
    let mut n = 0;
    for chunk in chunks.by_ref() {
        let w = spaces(chunk);
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
    /// When set, comments are grouped into blocks as they are found instead of collected: a
    /// file of a million comment lines never holds a million [`Comment`]s.
    grouper: Option<Grouper>,
    error: Option<Diagnostic>,
}

/// Groups comments into blocks as [`comment_blocks`] defines them, one comment at a time.
#[derive(Debug, Default)]
struct Grouper {
    current: Option<(Comment, Comment)>,
    blocks: Vec<CommentBlock>,
}

impl Grouper {
    fn push(&mut self, text: &str, comment: Comment) {
        self.current = match self.current.take() {
            Some((first, last)) if comment.line == last.line + 1 && !comment.inline => {
                Some((first, comment))
            }
            Some((first, last)) => {
                self.blocks.push(make_block(text, &first, &last));
                Some((comment.clone(), comment))
            }
            None => Some((comment.clone(), comment)),
        };
    }

    fn finish(mut self, text: &str) -> Vec<CommentBlock> {
        if let Some((first, last)) = self.current.take() {
            self.blocks.push(make_block(text, &first, &last));
        }
        self.blocks
    }
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
            // The stdlib averages one comment per 350 bytes.
            comments: Vec::with_capacity(text.len() / 512),
            grouper: None,
            error: None,
        }
    }

    /// The top-level walk: [`Self::code`] reads code up to the next comment or string, which
    /// is then skipped.
    fn run(&mut self) {
        let bytes = self.bytes;
        let mut i = self.logical_line_start(0);
        loop {
            let event = self.code(i);
            i = match bytes.get(event) {
                Some(b'#') => self.comment(event),
                Some(_) => self.string(event),
                None => break,
            };
        }
        self.finish();
    }

    /// Code, from `from` up to the next `#` or quote: brackets, newlines, `\`-newline
    /// continuations, and the indentation of the logical lines that start in it. Returns the
    /// offset of that `#` or quote, or the length of the text.
    ///
    /// The code is read sixteen bytes at a time ([`classify`]), with no branch per byte. The
    /// bracket depth is only looked at for a newline followed by a line indented differently
    /// from the top of the indentation stack: a line indented like it changes nothing, whether
    /// it starts a logical line or not.
    fn code(&mut self, from: usize) -> usize {
        let bytes = self.bytes;
        let mut top = self.indents.last().copied().unwrap_or(0);
        let (mut line, mut line_start, mut paren) = (self.line, self.line_start, self.paren);
        let mut pos = from;
        loop {
            let rest = bytes.get(pos..).unwrap_or_default();
            let block = match rest.get(..BLOCK) {
                Some(block) => block.try_into().unwrap_or([0; BLOCK]),
                None => {
                    // Zero bytes are neither events, newlines nor brackets.
                    let mut padded = [0; BLOCK];
                    padded[..rest.len()].copy_from_slice(rest);
                    padded
                }
            };
            let (mut newlines, mut brackets, events) = classify(&block);
            let n = if events == 0 {
                rest.len().min(BLOCK)
            } else {
                (events.trailing_zeros() / 8) as usize
            };
            if n < BLOCK {
                let keep = (1u128 << (8 * n)) - 1;
                newlines &= keep;
                brackets = (brackets & keep) | (LANES & !keep);
            }
            // Byte j of `sums[h]` is the sum of lanes 0..=j of half h: every lane holds 1 plus
            // its depth change, 8 lanes hold at most 16.
            let sums = [
                (brackets as u64).wrapping_mul(ONES),
                ((brackets >> 64) as u64).wrapping_mul(ONES),
            ];
            let first_half = (sums[0] >> 56) as i64 - 8;
            let bases = [paren, paren + first_half];
            while newlines != 0 {
                let lane = (newlines.trailing_zeros() / 8) as usize;
                newlines &= newlines - 1;
                let newline = pos + lane;
                line += 1;
                line_start = newline + 1;
                if newline > from && bytes[newline - 1] == b'\\' {
                    self.continuation_end = Some(line_start);
                    continue;
                }
                let spaces = bytes.get(line_start..).map_or(0, leading_spaces);
                let first = line_start + spaces;
                let tabs = match bytes.get(first) {
                    None | Some(b'#' | b'\n') => continue,
                    Some(b'\t' | b'\x0c') => true,
                    Some(_) if spaces == top => continue,
                    Some(_) => false,
                };
                let (half, at) = ((lane >> 3) & 1, lane & 7);
                let depth =
                    bases[half] + ((sums[half] >> (8 * at)) & 0xff) as i64 - (at as i64 + 1);
                if depth == 0 {
                    self.line = line;
                    self.line_start = line_start;
                    if tabs {
                        self.logical_line_start(line_start);
                    } else {
                        self.indent(spaces, first);
                    }
                    top = self.indents.last().copied().unwrap_or(0);
                }
            }
            paren = bases[1] + (sums[1] >> 56) as i64 - 8;
            pos += n;
            if n < BLOCK {
                break;
            }
        }
        (self.line, self.line_start, self.paren) = (line, line_start, paren);
        pos
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
        if let Some(last) = memrchr(b'\n', span) {
            self.line += memchr::memchr_iter(b'\n', span).count();
            self.line_start = from + last + 1;
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
        self.indent(column, i);
        i
    }

    /// A logical line whose first non-whitespace byte, at `first`, is at indentation `column`:
    /// pushes an indent or pops dedents, and reports a dedent that matches no outer level.
    fn indent(&mut self, column: usize, first: usize) {
        let mut top = self.indents.last().copied().unwrap_or(0);
        if column > top {
            self.indents.push(column);
            return;
        }
        while column < top {
            if !self.indents.contains(&column) {
                self.error_at(
                    self.here(first),
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
        let inline = match before.iter().position(|&b| !is_ascii_python_whitespace(b)) {
            None => false,
            Some(k) if before[k].is_ascii() => true,
            // The first non-ASCII character: the rest decides.
            Some(k) => !self
                .text
                .get(self.line_start + k..start)
                .unwrap_or_default()
                .chars()
                .all(is_py_space),
        };
        let comment = Comment {
            line: self.line,
            column,
            end_column: column + bytes.get(start..end).map_or(0, char_count),
            start,
            end,
            inline,
        };
        match &mut self.grouper {
            Some(grouper) => grouper.push(self.text, comment),
            None => self.comments.push(comment),
        }
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
        if quote == 0 || !is_word(bytes[quote - 1]) {
            return none;
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Texts whose newlines, brackets, continuations and dedents fall on every lane of the
    /// sixteen-byte blocks once shifted by the padding line below.
    const TRICKY: &[&str] = &[
        "def f(a,\n      b):  # sig\n    return [a,\n  b]  # ret\n# end\n",
        "if x:\n    y = (1 +\n2)\n        # deep\n    z = 3\n  w = 4  # bad dedent\nv = {  # open\n",
        "x = 1 + \\\n    2  # continued\nif y:\n\tz = 3  # tab\n        q = 4\n",
        "a = f(')' , \"(\")  # quoted brackets\nb = ]  # closer first\nc = 2\n",
        "class C:\n    def m(self):\n        pass\n\n  # comment at odd column\n    x = 1\n",
        "s = '''(\n  [\n'''  # docstring brackets\nt = 1\\\n",
        "\u{e9}t\u{e9} = (  # caf\u{e9}\n  1)\n\u{0}x = 2 # nul\n",
    ];

    type Seen = (
        Vec<(usize, usize, usize, usize, usize, bool)>,
        Option<(usize, usize, String)>,
    );

    /// The scan of `text` with every position made relative to `skip` bytes and `lines` lines.
    fn relative(text: &str, skip: usize, lines: usize) -> Seen {
        let scan = find_comments(text);
        let comments = scan
            .comments
            .iter()
            .map(|c| {
                let line = c.line - lines;
                (
                    line,
                    c.column,
                    c.end_column,
                    c.start - skip,
                    c.end - skip,
                    c.inline,
                )
            })
            .collect();
        let error = scan.error.map(|e| (e.line - lines, e.column, e.message));
        (comments, error)
    }

    #[test]
    fn results_do_not_depend_on_block_alignment() {
        for &text in TRICKY {
            let plain = relative(text, 0, 0);
            assert!(!plain.0.is_empty(), "{text:?} has comments");
            for pad in 0..2 * BLOCK {
                let padding = format!("pass{}\n", " ".repeat(pad));
                let shifted = format!("{padding}{text}");
                assert_eq!(
                    relative(&shifted, padding.len(), 1),
                    plain,
                    "{text:?} after {pad} spaces"
                );
            }
        }
    }

    /// What CPython 3.11's `tokenize` reports for [`TRICKY`]: comment starts (0-based line,
    /// column) and the error (0-based line, column, message), if any. CPython stops at the
    /// dedent error of the second text; the comments after it are ours (all are kept).
    #[test]
    fn tricky_texts_tokenize_like_cpython() {
        let unindent = "unindent does not match any outer indentation level";
        let statement = "EOF in multi-line statement";
        type Expected<'a> = (&'a [(usize, usize)], Option<(usize, usize, &'a str)>);
        let expected: [Expected<'_>; 7] = [
            (&[(1, 11), (3, 6), (4, 0)], None),
            (&[(3, 8), (5, 9), (6, 7)], Some((5, 2, unindent))),
            (&[(1, 7), (3, 8)], None),
            (&[(0, 18), (1, 7)], Some((3, 0, statement))),
            (&[(4, 2)], None),
            (&[(2, 5)], Some((4, 0, statement))),
            (&[(0, 9), (2, 7)], None),
        ];
        for (text, (comments, error)) in TRICKY.iter().zip(expected) {
            let scan = find_comments(text);
            let starts: Vec<_> = scan.comments.iter().map(|c| (c.line, c.column)).collect();
            assert_eq!(starts, comments, "{text:?}");
            let found = scan
                .error
                .as_ref()
                .map(|e| (e.line, e.column, e.message.as_str()));
            assert_eq!(found, error, "{text:?}");
        }
    }
}
