//! `codetags data --format summary`: pycodetags 0.8.1's `views.print_summary`, byte for byte:
//! `Code Tag Summary:`, then `NAME: count` per tag name, names in code-point order of the names
//! as found (so `todo` and `TODO` are counted apart), printed upper-cased.

use crate::extract::Tag;
use std::collections::BTreeMap;
use std::io::{self, Write};

/// Writes the summary of `tags` as `pycodetags data --format summary` prints it (with no tags,
/// its `No code tags found.`).
///
/// ```
/// use codetags_cli::report::data_summary::write_data_summary;
/// use codetags_parse::{extract_tags, Schema};
/// let found = extract_tags(b"# TODO: a <p:1>\n# BUG: b <p:1>\n# TODO: c <p:2>\n", Schema::Pep350)?;
/// let tags: Vec<_> = found.tags.iter().collect();
/// let mut out = Vec::new();
/// write_data_summary(&tags, &mut out)?;
/// assert_eq!(String::from_utf8(out)?, "Code Tag Summary:\nBUG: 1\nTODO: 2\n");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// The writer's.
pub fn write_data_summary(tags: &[&Tag], out: &mut dyn Write) -> io::Result<()> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for tag in tags {
        let name = if tag.code_tag.is_empty() {
            "UNKNOWN"
        } else {
            tag.code_tag.as_str()
        };
        *counts.entry(name).or_default() += 1;
    }
    if counts.is_empty() {
        return writeln!(out, "No code tags found.");
    }
    writeln!(out, "Code Tag Summary:")?;
    for (name, count) in counts {
        writeln!(out, "{}: {count}", name.to_uppercase())?;
    }
    Ok(())
}
