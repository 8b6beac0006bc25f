//! Properties of decoding and comment finding over arbitrary and Python-ish input.

use codetags_parse::{comment_blocks, decode, find_comments};
use proptest::prelude::*;

const PIECES: [&str; 30] = [
    "#",
    "# TODO: x <a:b>",
    "'",
    "\"",
    "'''",
    "\"\"\"",
    "f\"",
    "rf'",
    "f'''",
    "b'",
    "r\"",
    "{",
    "}",
    "{{",
    "(",
    ")",
    "[",
    ":",
    "\\",
    "\\N{",
    "\n",
    "\n",
    " ",
    "    ",
    "\t",
    "\x0c",
    "x = 1",
    "é",
    "日本",
    "\u{2028}",
];

/// Text made of the pieces that matter to a Python tokenizer, in any order.
fn pythonish() -> impl Strategy<Value = String> {
    let piece = prop::sample::select(&PIECES[..]);
    prop::collection::vec(piece, 0..60).prop_map(|pieces| pieces.concat())
}

/// The text between pycodetags offsets (0-based line, code-point column), lines split on `\n`.
fn slice_at(text: &str, start: (usize, usize), end: (usize, usize)) -> Option<&str> {
    let lines: Vec<&str> = text.split('\n').collect();
    let offset = |(line, col): (usize, usize)| -> Option<usize> {
        let l = lines.get(line)?;
        let base: usize = lines[..line].iter().map(|l| l.len() + 1).sum();
        Some(base + l.char_indices().map(|(i, _)| i).chain([l.len()]).nth(col)?)
    };
    text.get(offset(start)?..offset(end)?)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        if let Ok(source) = decode(&bytes) {
            prop_assert!(!source.text.contains('\r'));
            let _ = comment_blocks(&source.text);
        }
        // The scanner takes any text, decoded or not.
        let _ = comment_blocks(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn comments_are_well_formed(text in pythonish()) {
        let scan = find_comments(&text);
        let mut previous_end = 0;
        for c in &scan.comments {
            prop_assert!(previous_end <= c.start && c.start < c.end && c.end <= text.len());
            prop_assert_eq!(text.as_bytes()[c.start], b'#');
            prop_assert!(c.end == text.len() || text.as_bytes()[c.end] == b'\n');
            let before = &text[..c.start];
            prop_assert!(!text[c.start..c.end].contains('\n'));
            prop_assert_eq!(c.line, before.matches('\n').count());
            let line_start = before.rfind('\n').map_or(0, |i| i + 1);
            prop_assert_eq!(c.column, text[line_start..c.start].chars().count());
            prop_assert_eq!(c.end_column, c.column + text[c.start..c.end].chars().count());
            prop_assert_eq!(slice_at(&text, (c.line, c.column), (c.line, c.end_column)), Some(&text[c.start..c.end]));
            previous_end = c.end;
        }
        if let Some(error) = &scan.error {
            prop_assert!(error.line <= text.matches('\n').count() + 1);
        }
    }

    #[test]
    fn block_text_is_the_slice_at_its_offsets(text in pythonish()) {
        let scan = comment_blocks(&text);
        let comments = find_comments(&text).comments;
        prop_assert_eq!(scan.error, find_comments(&text).error);
        let mut covered = 0;
        for block in &scan.blocks {
            let slice = slice_at(&text, (block.start_line, block.start_column), (block.end_line, block.end_column));
            prop_assert_eq!(slice, Some(block.text.as_str()));
            prop_assert!(block.text.starts_with('#'));
            covered += comments
                .iter()
                .filter(|c| (block.start_line..=block.end_line).contains(&c.line))
                .count();
        }
        // Every comment is in exactly one block.
        prop_assert_eq!(covered, comments.len());
    }
}
