//! The TDG grammar of pycodetags 0.8.1 (format `TDG`).
//!
//! An anchor `# TAG: title` opens a tag that runs to the next anchor or the end of the block. If
//! the first following line starts with `key=`, that line is metadata (`key=value` pairs only);
//! every other line is body.

use super::properties::{self, Rules};
use super::{Block, Extent, Parsed, anchored_tag, unescape_body};
use crate::diagnostic::Diagnostic;
use crate::schema::Schema;
use crate::tag::Tag;

/// Reads the tag at `extent`; every anchor is a TDG tag unless its property line is malformed.
pub(super) fn parse(
    block: &Block<'_>,
    extent: &Extent<'_>,
    schema: Schema,
) -> Result<Option<Tag>, Diagnostic> {
    let anchor_line = block.lines[extent.start].text;
    let mut body = extent.body_lines(block);
    let mut props = Vec::new();
    if body
        .first()
        .is_some_and(|line| properties::is_property_line(line.text))
    {
        let line = body.remove(0);
        let rules = Rules {
            schema,
            tdg: true,
            positional: false,
        };
        props = properties::parse(line.text, rules)
            .map_err(|error| block.diagnostic(line.line, line.from + error.at, error.message))?;
    }
    let last = extent.stop - 1;
    let last_len = block.lines[last].text.len();
    Ok(Some(anchored_tag(
        Parsed {
            code_tag: extent.anchor.tag.to_owned(),
            title: anchor_line[extent.anchor.title..].to_owned(),
            body: body
                .iter()
                .map(|line| unescape_body(line.text))
                .collect::<Vec<_>>()
                .join("\n"),
            properties: props,
            span: block.span(extent.start, extent.anchor.hash, last, last_len),
        },
        schema,
    )))
}
