//! Folk tags with pycodetags 0.7.0's field rules (`data_tags/folk_tags_parser.py`), but real
//! source offsets and `original_text` = the source text at those offsets.
//!
//! * A line `# TAG rest` (`\s*#\s*([A-Z]+)\b(.*)`) with `TAG` in [`crate::schema::FOLK_TAGS`]
//!   opens a tag; one leading `:` of the stripped rest is dropped (`# TODO fix` needs no colon).
//! * Following comment lines that do not open a tag continue it; their text (without leading
//!   `#` and spaces) is appended with one space.
//! * `(alice, k=v): text` — `k=v` parts go to `custom_fields`, other parts joined by `", "` to
//!   `default_fields["assignee"] = [...]`; `123: text` — the number is the assignee.
//! * The first URL in the comment becomes `custom_fields["tracker"]`.
//! * A block that contains `:`, `#` and `<` is left to PEP 350 (0.7.0's `probably_pep350`).

use super::BlockTags;
use super::{Block, is_py_digit, is_py_space, is_py_word, py_lstrip, py_rstrip, py_strip};
use crate::schema::{FOLK_DEFAULT_FIELD, FOLK_TAGS, Schema};
use crate::tag::{FieldMap, FieldValue, Tag};

pub(super) fn parse(block: &Block<'_>, out: &mut BlockTags) {
    let text = block.text;
    if text.contains(':') && text.contains('#') && text.contains('<') {
        return;
    }
    let mut index = 0;
    while index < block.lines.len() {
        index += parse_line(block, index, out);
    }
}

/// `\s*#\s*([A-Z]+)\b`: the tag name and where the rest of the line starts.
fn match_tag_line(line: &str) -> Option<(&str, usize)> {
    let hash = line.len() - line.trim_start_matches(is_py_space).len();
    if line.as_bytes().get(hash) != Some(&b'#') {
        return None;
    }
    let after_hash = &line[hash + 1..];
    let name_start = hash + 1 + after_hash.len() - after_hash.trim_start_matches(is_py_space).len();
    let name_len = line.as_bytes()[name_start..]
        .iter()
        .take_while(|b| b.is_ascii_uppercase())
        .count();
    let name_end = name_start + name_len;
    if name_len == 0 || line[name_end..].chars().next().is_some_and(is_py_word) {
        return None;
    }
    Some((&line[name_start..name_end], name_end))
}

/// `re.match(rf"#\s*{t}\b", line)` for any folk tag `t`: a line that opens another tag.
fn opens_tag(line: &str) -> bool {
    let Some(rest) = line.strip_prefix('#') else {
        return false;
    };
    let rest = rest.trim_start_matches(is_py_space);
    FOLK_TAGS.iter().any(|tag| {
        rest.strip_prefix(tag)
            .is_some_and(|after| !after.chars().next().is_some_and(is_py_word))
    })
}

/// Reads a tag starting at block line `index`, if there is one; returns the lines consumed.
fn parse_line(block: &Block<'_>, index: usize, out: &mut BlockTags) -> usize {
    let line = block.lines[index].text;
    let Some((name, rest_start)) = match_tag_line(line) else {
        return 1;
    };
    if !FOLK_TAGS.contains(&name) {
        return 1;
    }
    let mut content = py_strip(&line[rest_start..]);
    if let Some(after) = content.strip_prefix(':') {
        content = py_lstrip(after);
    }
    let hash = line.find('#').unwrap_or(0);

    let mut parts = vec![content];
    let mut next = index + 1;
    while let Some(following) = block.lines.get(next) {
        let stripped = py_strip(following.text);
        if !stripped.starts_with('#') || opens_tag(stripped) {
            break;
        }
        parts.push(stripped.trim_start_matches(['#', ' ']));
        next += 1;
    }
    let content = parts.join(" ");
    let last = next - 1;
    let last_len = py_rstrip(block.lines[last].text).len();

    let mut default_field: Option<String> = None;
    let mut custom_fields = FieldMap::new();
    let mut comment = content.as_str();
    if let Some((section, rest)) = parenthesised(&content) {
        comment = py_strip(rest);
        for part in py_strip(section).split(',') {
            let part = py_strip(part);
            if part.is_empty() {
                continue;
            }
            if let Some((key, value)) = part.split_once('=') {
                custom_fields.insert(py_strip(key), py_strip(value));
            } else {
                default_field = Some(match default_field {
                    None => part.to_owned(),
                    Some(joined) => format!("{joined}, {part}"),
                });
            }
        }
    } else if let Some((number, rest)) = numbered(&content) {
        default_field = Some(number.to_owned());
        comment = py_strip(rest);
    }
    let mut default_fields = FieldMap::new();
    if let Some(people) = default_field.filter(|p| !p.is_empty()) {
        default_fields.insert(FOLK_DEFAULT_FIELD, FieldValue::List(vec![people]));
    }
    if let Some(url) = first_url(comment) {
        custom_fields.insert("tracker", url);
    }
    let span = block.span(index, hash, last, last_len);
    out.tags.push(Tag {
        code_tag: name.to_owned(),
        comment: comment.to_owned(),
        title: None,
        body: None,
        tag_id: None,
        default_fields,
        data_fields: FieldMap::new(),
        custom_fields,
        identity_fields: None,
        unprocessed_defaults: Vec::new(),
        file_path: String::new(),
        source_digest: String::new(),
        source_bytes_digest: String::new(),
        original_text: span.original_text,
        schema: Schema::Folk,
        offsets: span.offsets,
    });
    next - index
}

/// `re.match(r"\(([^)]*)\):(.*)", content)`: the parenthesised section and the rest.
fn parenthesised(content: &str) -> Option<(&str, &str)> {
    let inner = content.strip_prefix('(')?;
    let close = inner.find(')')?;
    let rest = inner[close + 1..].strip_prefix(':')?;
    Some((&inner[..close], rest))
}

/// `re.match(r"(\d+):(.*)", content)`: the leading number and the rest.
fn numbered(content: &str) -> Option<(&str, &str)> {
    let end = content
        .char_indices()
        .find(|&(_, c)| !is_py_digit(c))
        .map_or(content.len(), |(i, _)| i);
    if end == 0 {
        return None;
    }
    Some((&content[..end], content[end..].strip_prefix(':')?))
}

/// `re.search(r"(https?://[^\s]+|[a-zA-Z0-9.-]+\.[a-zA-Z]{2,}/[^\s]+)", text)`.
fn first_url(text: &str) -> Option<&str> {
    let bytes = text.as_bytes();
    let non_space_end = |from: usize| {
        text[from..]
            .find(is_py_space)
            .map_or(text.len(), |i| from + i)
    };
    let in_host = |b: u8| b.is_ascii_alphanumeric() || b == b'.' || b == b'-';
    let mut run_end = 0;
    for start in 0..bytes.len() {
        if !text.is_char_boundary(start) {
            continue;
        }
        let rest = &text[start..];
        let scheme = if rest.starts_with("https://") {
            Some(8)
        } else if rest.starts_with("http://") {
            Some(7)
        } else {
            None
        };
        if let Some(len) = scheme {
            let end = non_space_end(start + len);
            if end > start + len {
                return Some(&text[start..end]);
            }
        }
        if start < run_end || !in_host(bytes[start]) {
            continue;
        }
        // A new run of host characters. `[a-zA-Z0-9.-]+\.[a-zA-Z]{2,}/[^\s]+` matches from a
        // start in the run iff the run's last `.` comes after the start, only (two or more)
        // letters follow that `.` up to the run's end, a `/` ends the run, and a non-space
        // character follows the `/`. If the run's first character does not qualify, no later
        // one does (the same `.` lies even closer), so only the run's start is tried.
        run_end = start + bytes[start..].iter().take_while(|&&b| in_host(b)).count();
        let Some(dot) = memchr::memrchr(b'.', &bytes[start..run_end]).map(|i| start + i) else {
            continue;
        };
        let tld = &bytes[dot + 1..run_end];
        if dot > start
            && tld.len() >= 2
            && tld.iter().all(u8::is_ascii_alphabetic)
            && bytes.get(run_end) == Some(&b'/')
        {
            let end = non_space_end(run_end + 1);
            if end > run_end + 1 {
                return Some(&text[start..end]);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_like_the_regex() {
        assert_eq!(
            first_url("see https://github.com/org/repo/issues/7 for details"),
            Some("https://github.com/org/repo/issues/7")
        );
        assert_eq!(first_url("at example.com/x-1 now"), Some("example.com/x-1"));
        assert_eq!(first_url("at .com/x"), None);
        assert_eq!(first_url("at a.b1/x"), None);
        assert_eq!(first_url("at a.bc/ x"), None);
        assert_eq!(first_url("http:// x"), None);
        assert_eq!(first_url("é https://x"), Some("https://x"));
    }

    #[test]
    fn tag_lines() {
        assert_eq!(match_tag_line("  #  TODO(bob): x"), Some(("TODO", 9)));
        assert_eq!(match_tag_line("# TODOs x"), None);
        assert_eq!(match_tag_line("# TODO"), Some(("TODO", 6)));
        assert!(opens_tag("# FIXME: x"));
        assert!(!opens_tag("# NOTE: x"));
        assert!(!opens_tag("# TODOS"));
    }

    #[test]
    fn fields() {
        assert_eq!(parenthesised("(a, b): c"), Some(("a, b", " c")));
        assert_eq!(parenthesised("(a) : c"), None);
        assert_eq!(numbered("123: x"), Some(("123", " x")));
        assert_eq!(numbered("123 x"), None);
    }
}
