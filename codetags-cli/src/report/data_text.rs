//! `codetags data --format text`: pycodetags 0.8.1's `views.print_text`, byte for byte.
//!
//! The tags are grouped by tag name (the key is the name stripped and lower-cased, `n/a` for
//! none), groups in key order; within a group the tags are sorted by `comment`, a stable sort
//! in code-point order. Each group starts with `--- KEY ---` (the key upper-cased); each tag is
//! its serialized form ([`codetags_parse::dumps`], pycodetags' `as_data_comment`), its terminal
//! link `file_path:line:column` (line 1-based, column 0-based, as 0.8.1 prints it) and an empty
//! line.

use crate::extract::Tag;
use codetags_parse::DumpError;
use std::collections::BTreeMap;
use std::io::{self, Write};

/// A tag that could not be serialized; its source text was printed in its place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unserializable<'a> {
    /// The tag.
    pub tag: &'a Tag,
    /// Why: pycodetags' own message.
    pub error: DumpError,
}

/// Writes `tags` as `pycodetags data --format text` prints them. A tag the serializer refuses
/// (pycodetags would stop the run with its message) is printed as its source text instead, and
/// returned, so the caller can warn.
///
/// ```
/// use codetags_cli::report::data_text::write_data_text;
/// use codetags_parse::{extract_tags, Schema};
/// let mut found = extract_tags(b"# TODO: b <p:1>\nx = 1  # FIXME: a <ann>\n# TODO: a <p:2>\n", Schema::Pep350)?;
/// found.set_file_path("/p/m.py");
/// let tags: Vec<_> = found.tags.iter().collect();
/// let mut out = Vec::new();
/// assert!(write_data_text(&tags, &mut out)?.is_empty());
/// assert_eq!(
///     String::from_utf8(out)?,
///     "--- FIXME ---\n# FIXME: a <author=ann>\n/p/m.py:2:7\n\n\
///      --- TODO ---\n# TODO: a <p=2>\n/p/m.py:3:0\n\n# TODO: b <p=1>\n/p/m.py:1:0\n\n"
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// The writer's.
pub fn write_data_text<'a>(
    tags: &[&'a Tag],
    out: &mut dyn Write,
) -> io::Result<Vec<Unserializable<'a>>> {
    let mut groups: BTreeMap<String, Vec<&'a Tag>> = BTreeMap::new();
    for tag in tags {
        groups.entry(group_key(tag)).or_default().push(tag);
    }
    let mut failures = Vec::new();
    for (key, mut members) in groups {
        // `sorted(group, key=lambda x: x.comment or "N/A")`: stable, by code point.
        members.sort_by(|a, b| sort_key(a).cmp(sort_key(b)));
        writeln!(out, "--- {} ---", key.to_uppercase())?;
        for tag in members {
            match codetags_parse::dumps(tag) {
                Ok(text) => writeln!(out, "{text}")?,
                Err(error) => {
                    writeln!(out, "{}", tag.original_text)?;
                    failures.push(Unserializable { tag, error });
                }
            }
            writeln!(out, "{}", terminal_link(tag))?;
            writeln!(out)?;
        }
    }
    Ok(failures)
}

/// pycodetags' `DATA.terminal_link()`: `file_path:line:column`, the line 1-based and the
/// column 0-based.
pub fn terminal_link(tag: &Tag) -> String {
    format!(
        "{}:{}:{}",
        tag.file_path,
        tag.offsets.start_line + 1,
        tag.offsets.start_column
    )
}

/// `group_and_sort`'s key: `str(code_tag or "N/A").strip().lower()`.
fn group_key(tag: &Tag) -> String {
    let name = if tag.code_tag.is_empty() {
        "N/A"
    } else {
        tag.code_tag.as_str()
    };
    name.trim_matches(is_python_space).to_lowercase()
}

fn sort_key(tag: &Tag) -> &str {
    if tag.comment.is_empty() {
        "N/A"
    } else {
        &tag.comment
    }
}

/// Python's `str.isspace()`, which `str.strip()` strips: Unicode whitespace plus the ASCII
/// separators U+001C–U+001F.
fn is_python_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}
