//! The extended PEP 350 grammar of pycodetags 0.8.1 (format `PEP350`).
//!
//! An anchor `# TAG: title` opens a tag; the narrative (title, then the following comment lines
//! without their `# `) runs until the first line whose end closes a trailing `<…>` metadata
//! block. That line ends the tag. An anchor that no metadata block closes is not a tag — unless
//! one of its body lines starts with `<`, which is an unterminated metadata block.

use super::properties::{self, Rules};
use super::{
    Block, BodyLine, Extent, Parsed, anchored_tag, py_lstrip, py_rstrip, py_strip, unescape_body,
};
use crate::diagnostic::Diagnostic;
use crate::schema::Schema;
use crate::tag::Tag;

/// One narrative line: block line `line`, text from byte `from`.
type NarrativeLine<'a> = BodyLine<'a>;

/// Reads the tag at `extent`. `Ok(None)`: the anchor is not a PEP 350 tag (no metadata block);
/// with `report_unterminated`, a body line starting with `<` then is an error, as in 0.8.1.
pub(super) fn parse(
    block: &Block<'_>,
    extent: &Extent<'_>,
    schema: Schema,
    report_unterminated: bool,
) -> Result<Option<Tag>, Diagnostic> {
    let anchor_line = block.lines[extent.start].text;
    let body = extent.body_lines(block);
    let mut narrative: Vec<NarrativeLine<'_>> = Vec::with_capacity(body.len() + 1);
    narrative.push(NarrativeLine {
        line: extent.start,
        from: extent.anchor.title,
        text: &anchor_line[extent.anchor.title..],
    });
    narrative.extend(body.iter().copied());

    let mut found = None;
    for count in 1..=narrative.len() {
        if !py_rstrip(narrative[count - 1].text).ends_with('>') {
            continue;
        }
        let joined = join(&narrative[..count]);
        if let Some(split) = split_metadata(&joined) {
            found = Some((count, joined, split));
            break;
        }
    }
    let Some((count, joined, split)) = found else {
        let unterminated = body.iter().find(|l| py_lstrip(l.text).starts_with('<'));
        if let Some(line) = unterminated.filter(|_| report_unterminated) {
            let at = line.from + (line.text.len() - py_lstrip(line.text).len());
            return Err(block.diagnostic(
                line.line,
                at,
                "Unterminated PEP-350 metadata block.".to_owned(),
            ));
        }
        return Ok(None);
    };

    let rules = Rules {
        schema,
        tdg: false,
        positional: true,
    };
    let metadata = &joined[split.metadata.clone()];
    let properties = properties::parse(metadata, rules).map_err(|error| {
        let (line, byte) = locate(
            &narrative[..count],
            &joined,
            split.metadata.start + error.at,
        );
        block.diagnostic(line, byte, error.message)
    })?;

    let mut lines = split.narrative.split('\n');
    let title = unescape_title(lines.next().unwrap_or(""));
    let body = lines.map(unescape_body).collect::<Vec<_>>().join("\n");
    let last = extent.start + count - 1;
    let last_len = block.lines[last].text.len();
    Ok(Some(anchored_tag(
        Parsed {
            code_tag: extent.anchor.tag.to_owned(),
            title,
            body,
            properties,
            span: block.span(extent.start, extent.anchor.hash, last, last_len),
        },
        schema,
    )))
}

fn join(lines: &[NarrativeLine<'_>]) -> String {
    let mut joined = String::with_capacity(lines.iter().map(|l| l.text.len() + 1).sum());
    for (index, line) in lines.iter().enumerate() {
        if index > 0 {
            joined.push('\n');
        }
        joined.push_str(line.text);
    }
    joined
}

/// Byte `at` of the `\n`-joined narrative → (block line, byte in that block line).
fn locate(lines: &[NarrativeLine<'_>], joined: &str, at: usize) -> (usize, usize) {
    let before = &joined[..at.min(joined.len())];
    let index = before.matches('\n').count();
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    match lines.get(index) {
        Some(line) => (line.line, line.from + (before.len() - line_start)),
        None => (lines.first().map_or(0, |l| l.line), 0),
    }
}

/// `re.sub(r"\\([\\<])", r"\1", title)`: `\<` and `\\` lose their backslash.
fn unescape_title(title: &str) -> String {
    let mut out = String::with_capacity(title.len());
    let mut chars = title.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\'
            && let Some(&next @ ('\\' | '<')) = chars.peek()
        {
            out.push(next);
            chars.next();
        } else {
            out.push(c);
        }
    }
    out
}

/// A trailing metadata block found in a narrative.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Split {
    /// The narrative before the block (trailing blanks, or a blank last line, removed).
    pub narrative: String,
    /// The byte range of the metadata, without `<` and `>`.
    pub metadata: std::ops::Range<usize>,
}

/// `split_pep_metadata`: the trailing `<…>` block, tried from the last `<` backwards. Skipped
/// are `\<` (odd number of backslashes) and `<` on a continuation line starting with `\`. The
/// scan honours quotes and backslash escapes; an unquoted `<` rejects the candidate, and the
/// first unquoted `>` must be followed by whitespace only.
pub(super) fn split_metadata(text: &str) -> Option<Split> {
    let bytes = text.as_bytes();
    let mut scanner = CloseScanner::new(text);
    // Newlines at or before the current candidate, walked backwards alongside the candidates.
    let mut newlines = memchr::memrchr_iter(b'\n', bytes).peekable();
    for start in memchr::memrchr_iter(b'<', bytes) {
        let backslashes = bytes[..start]
            .iter()
            .rev()
            .take_while(|&&b| b == b'\\')
            .count();
        if backslashes % 2 == 1 {
            continue;
        }
        while newlines.next_if(|&newline| newline > start).is_some() {}
        let line_start = newlines.peek().map_or(0, |&newline| newline + 1);
        if line_start != 0 && bytes[line_start] == b'\\' {
            continue;
        }
        let Some(index) = scanner.closing(start + 1) else {
            continue;
        };
        let prefix = &text[..start];
        let narrative = match prefix.rsplit_once('\n') {
            Some((head, last)) if py_strip(last).is_empty() => head,
            _ => prefix.trim_end_matches([' ', '\t']),
        };
        return Some(Split {
            narrative: narrative.to_owned(),
            metadata: start + 1..index,
        });
    }
    None
}

/// The forward scan of `split_pep_metadata` from just after a `<`: the index of the `>` that
/// closes the block (followed by whitespace only), or `None` when an unquoted `<`, a `>` with
/// text after it, or the end of the text comes first.
///
/// The scan's future depends only on the position and the state (quote, escape), so outcomes
/// are remembered per (position, state): every candidate `<` together costs linear time, where
/// the plain scan would be quadratic on a long line of quoted `<`s.
struct CloseScanner<'a> {
    text: &'a str,
    bytes: &'a [u8],
    /// Outcome per `position * STATES + state`; [`UNSEEN`] until a scan passes there.
    memo: Vec<u32>,
    visited: Vec<usize>,
}

const STATES: usize = 6;
const UNSEEN: u32 = u32::MAX;
const NOT_CLOSED: u32 = u32::MAX - 1;

impl<'a> CloseScanner<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            text,
            bytes: text.as_bytes(),
            memo: Vec::new(),
            visited: Vec::new(),
        }
    }

    fn closing(&mut self, from: usize) -> Option<usize> {
        let bytes = self.bytes;
        // Short texts (nearly every comment) need no memo; huge ones do not fit its u32s.
        let memoize = bytes.len() > 256 && bytes.len() < (NOT_CLOSED as usize);
        if memoize && self.memo.is_empty() {
            self.memo = vec![UNSEEN; (bytes.len() + 1) * STATES];
        }
        self.visited.clear();
        let mut quote: Option<u8> = None;
        let mut escaped = false;
        let mut outcome = NOT_CLOSED;
        let mut index = from;
        while index < bytes.len() {
            if memoize {
                let state = match quote {
                    None => 0,
                    Some(b'\'') => 2,
                    Some(_) => 4,
                } + usize::from(escaped);
                let slot = index * STATES + state;
                if self.memo[slot] != UNSEEN {
                    outcome = self.memo[slot];
                    break;
                }
                self.visited.push(slot);
            }
            let b = bytes[index];
            index += 1;
            if escaped {
                escaped = false;
                continue;
            }
            match b {
                b'\\' => {
                    escaped = true;
                    continue;
                }
                b'\'' | b'"' => match quote {
                    None => quote = Some(b),
                    Some(q) if q == b => quote = None,
                    Some(_) => {}
                },
                _ => {}
            }
            if quote.is_some() {
                continue;
            }
            if b == b'<' {
                break;
            }
            if b == b'>' {
                // `index` is just past the ASCII `>`, so it is a character boundary.
                if py_strip(self.text.get(index..).unwrap_or("")).is_empty() {
                    outcome = u32::try_from(index - 1).unwrap_or(NOT_CLOSED);
                }
                break;
            }
        }
        for &slot in &self.visited {
            self.memo[slot] = outcome;
        }
        (outcome != NOT_CLOSED).then_some(outcome as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(text: &str) -> Option<(String, String)> {
        split_metadata(text).map(|s| (s.narrative, text[s.metadata].to_owned()))
    }

    #[test]
    fn metadata_is_the_trailing_block() {
        assert_eq!(split("a < b <p:1>"), Some(("a < b".into(), "p:1".into())));
        assert_eq!(
            split("t <n:\"a > b\" p:1>  "),
            Some(("t".into(), "n:\"a > b\" p:1".into()))
        );
        assert_eq!(split("t <a:b> then more"), None);
        assert_eq!(split("t <a:<b>>"), None);
        assert_eq!(split(r"t \<a:b>"), None);
        assert_eq!(split(r"t \\<a:b>"), Some((r"t \\".into(), "a:b".into())));
        assert_eq!(split("t\n<a:b>"), Some(("t".into(), "a:b".into())));
        assert_eq!(split("t\n\\x <a:b>"), None);
        assert_eq!(split("t\n  \t<a:b>"), Some(("t".into(), "a:b".into())));
    }

    #[test]
    fn long_lines_of_quoted_angles_take_linear_time() {
        let text = format!("t <'{}", "<".repeat(200_000));
        assert_eq!(split(&text), None);
        let text = format!("t {}<a:'b'> tail", "<'x".repeat(100_000));
        assert!(split(&text).is_none());
        let text = format!("t {}<a:'b'>", "<'x".repeat(100_000));
        assert_eq!(split(&text).map(|s| s.1), Some("a:'b'".to_owned()));
        let text = format!("t {}<a:1>", "<\"<".repeat(1000));
        assert_eq!(split(&text).map(|s| s.1), Some("a:1".to_owned()));
    }

    #[test]
    fn titles_unescape_angle_and_backslash() {
        assert_eq!(unescape_title(r"a \< b \\ c \d"), r"a < b \ c \d");
    }
}
