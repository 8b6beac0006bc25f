//! Helpers shared by the checks: reading structured choices from fuzzer bytes, and positions in
//! a text.

/// Takes structured choices off the front of the fuzzer input; once the bytes run out every
/// read is zero, so any input is a complete program of choices.
#[derive(Debug)]
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Self { bytes }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    pub(crate) fn u8(&mut self) -> u8 {
        match self.bytes.split_first() {
            Some((&b, rest)) => {
                self.bytes = rest;
                b
            }
            None => 0,
        }
    }

    pub(crate) fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.u8(), self.u8()])
    }

    pub(crate) fn u64(&mut self) -> u64 {
        let mut buf = [0u8; 8];
        for b in &mut buf {
            *b = self.u8();
        }
        u64::from_le_bytes(buf)
    }

    /// Up to `max` bytes, the count chosen by the input.
    pub(crate) fn bytes(&mut self, max: usize) -> &'a [u8] {
        let n = usize::from(self.u8()).min(max).min(self.bytes.len());
        let (taken, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        taken
    }

    /// A short string (invalid UTF-8 replaced), so values hold non-ASCII text too.
    pub(crate) fn string(&mut self) -> String {
        String::from_utf8_lossy(self.bytes(24)).into_owned()
    }
}

/// Python's `str.isspace`, written from its definition (bidirectional class WS, B or S, or
/// category Zs), which is Unicode `White_Space` plus the ASCII separators U+001C..U+001F.
pub(crate) fn is_python_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// The lines of a text (split at `\n` only, as the comment finder does).
#[derive(Debug)]
pub(crate) struct Lines<'t> {
    text: &'t str,
    /// Byte offset where each line starts; there is always a line 0.
    starts: Vec<usize>,
}

impl<'t> Lines<'t> {
    pub(crate) fn new(text: &'t str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Self { text, starts }
    }

    /// Number of lines, counting the (maybe empty) one after the last `\n`.
    pub(crate) fn count(&self) -> usize {
        self.starts.len()
    }

    pub(crate) fn start(&self, line: usize) -> usize {
        self.starts[line]
    }

    /// Line `line` without its `\n`.
    pub(crate) fn line(&self, line: usize) -> Option<&'t str> {
        let start = *self.starts.get(line)?;
        let end = self.starts.get(line + 1).map_or(self.text.len(), |s| s - 1);
        Some(&self.text[start..end])
    }

    /// The line that holds byte `offset`.
    pub(crate) fn line_of(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset) - 1
    }

    /// The byte offset of code point `column` of `line`; the end of the line is column
    /// `chars`. `None` when the position is not in the text.
    pub(crate) fn offset(&self, line: usize, column: usize) -> Option<usize> {
        let text = self.line(line)?;
        let start = self.starts[line];
        if column == text.chars().count() {
            return Some(start + text.len());
        }
        text.char_indices().nth(column).map(|(i, _)| start + i)
    }

    /// Whether a diagnostic position is in the text: on a line of it and at most at its end,
    /// or at column 0 of the line after the last (where CPython reports end-of-input errors).
    pub(crate) fn holds_position(&self, line: usize, column: usize) -> bool {
        match self.line(line) {
            Some(text) => column <= text.chars().count(),
            None => line == self.count() && column == 0,
        }
    }
}

/// Lower-case hex, as the tags' digests are written.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
