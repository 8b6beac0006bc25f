//! The comment finder on any text.

use crate::support::{Lines, is_python_space};
use codetags_parse::comments::{Comment, CommentBlock, comment_blocks, find_comments};

/// The `comments` target: the fuzzer's bytes (invalid UTF-8 replaced; `\r`, NUL and friends
/// kept, since the finder must cope with text that `decode` did not normalise) through
/// `find_comments` and `comment_blocks`.
///
/// Invariants: no panic; every comment is a `#` up to its line's end, with line, columns and
/// `inline` that agree with the text; comments are in order and never overlap; blocks group the
/// comments by the documented rule; the error position is in the text. On text without quote
/// characters the comments equal [`oracle`]'s. Text with quotes is checked a second time with
/// its quotes replaced, so every input exercises the oracle.
pub fn check_comments(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    check_text(&text);
    if text.contains(['\'', '"']) {
        check_text(&text.replace(['\'', '"'], "q"));
    }
}

fn check_text(text: &str) {
    let scan = find_comments(text);
    let lines = Lines::new(text);
    let mut previous_end: Option<usize> = None;
    for comment in &scan.comments {
        let Comment {
            line,
            column,
            end_column,
            start,
            end,
            inline,
        } = *comment;
        assert!(
            start < end && end <= text.len(),
            "{comment:?} outside the text"
        );
        assert!(text.is_char_boundary(start) && text.is_char_boundary(end));
        assert_eq!(
            text.as_bytes()[start],
            b'#',
            "{comment:?} does not start at a #"
        );
        let body = &text[start..end];
        assert!(!body.contains('\n'), "{comment:?} spans lines");
        assert!(
            end == text.len() || text.as_bytes()[end] == b'\n',
            "{comment:?} stops before its line's end"
        );
        if let Some(previous_end) = previous_end {
            assert!(
                start > previous_end,
                "{comment:?} out of order or overlapping"
            );
        }
        previous_end = Some(end);
        assert_eq!(line, lines.line_of(start), "{comment:?}: line");
        let before = &text[lines.start(line)..start];
        assert_eq!(column, before.chars().count(), "{comment:?}: column");
        assert_eq!(end_column, column + body.chars().count(), "{comment:?}");
        assert_eq!(inline, !before.chars().all(is_python_space), "{comment:?}");
    }
    if let Some(error) = &scan.error {
        assert!(
            lines.holds_position(error.line, error.column),
            "{error:?} outside the text"
        );
    }

    let blocks = comment_blocks(text);
    assert_eq!(blocks.error, scan.error);
    assert_eq!(blocks.blocks, expected_blocks(text, &scan.comments));

    if !text.contains(['\'', '"']) {
        assert_eq!(scan.comments, oracle(text), "disagrees with the oracle");
    }
}

/// The comments of a text without quote characters: on each line, from the first `#` to the
/// end of the line.
///
/// This is exactly right because only a string can hide a `#` (f-string format specs are inside
/// strings too) and there are none; the other tokenizer states (brackets, `\` continuations,
/// indentation, and their errors) change where logical lines end, never where a comment is, and
/// the finder keeps every comment after such an error.
pub fn oracle(text: &str) -> Vec<Comment> {
    let lines = Lines::new(text);
    (0..lines.count())
        .filter_map(|n| {
            let line = lines.line(n)?;
            let k = line.find('#')?;
            let column = line[..k].chars().count();
            Some(Comment {
                line: n,
                column,
                end_column: column + line[k..].chars().count(),
                start: lines.start(n) + k,
                end: lines.start(n) + line.len(),
                inline: !line[..k].chars().all(is_python_space),
            })
        })
        .collect()
}

/// The blocks `comment_blocks` documents: a comment joins the previous block iff it is on the
/// next line and not inline; a block's text is the source from its first `#` to the end of its
/// last comment.
fn expected_blocks(text: &str, comments: &[Comment]) -> Vec<CommentBlock> {
    let mut runs: Vec<(&Comment, &Comment)> = Vec::new();
    for comment in comments {
        match runs.last_mut() {
            Some((_, last)) if comment.line == last.line + 1 && !comment.inline => *last = comment,
            _ => runs.push((comment, comment)),
        }
    }
    runs.into_iter()
        .map(|(first, last)| CommentBlock {
            start_line: first.line,
            start_column: first.column,
            end_line: last.line,
            end_column: last.end_column,
            text: text[first.start..last.end].to_owned(),
        })
        .collect()
}
