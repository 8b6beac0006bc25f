//! A cheap test that rules out tags before the comment finder runs.
//!
//! Every tag starts on a line that reads `#`, blanks, then a tag name of the schema: the PEP 350
//! and TDG anchor `^[ \t]*#[ \t]*([A-Z][A-Z0-9_!?]*)[ \t]*:` with the name in
//! [`Schema::matching_tags`], or folk's `^\s*#\s*([A-Z]+)\b` with the name in
//! [`crate::schema::FOLK_TAGS`]. Those characters are in the text whether or not the `#` really
//! opens a comment (it may sit in a string), so a text in which no `#` is followed by such a
//! name holds no tag, and finding its comments can be skipped. Most files of a typical tree have
//! no tag at all; a scanner that checks this first tokenizes only the files that may have one.

use crate::schema::Schema;

/// Whether `text` (decoded, `\n` line ends) may hold a tag of `schema`: some `#` in it is
/// followed, after blanks, by one of the schema's tag names (and, for the anchored grammars,
/// blanks and a `:`).
///
/// `false` is a guarantee: [`crate::parse_text`] finds no tag and no malformed-tag diagnostic
/// in such a text, whatever its comments are. `true` only means the comment finder has to
/// look. The test reads each `#` and the few bytes after it, so it runs at memory speed.
///
/// ```
/// use codetags_parse::{may_hold_tags, parse_text, Schema};
/// assert!(may_hold_tags("x = 1  # TODO: retry <jdoe>\n", Schema::Pep350));
/// assert!(may_hold_tags("s = '#FIXME :not a comment, but looks like a tag'\n", Schema::Tdg));
/// assert!(!may_hold_tags("x = 1  # todo: lower case is prose\n", Schema::Auto));
/// assert!(!may_hold_tags("# TODOS: not a tag name\n# NOTE without a colon\n", Schema::Auto));
/// assert!(may_hold_tags("# TODO(alice) fix\n", Schema::Folk));
/// assert!(!may_hold_tags("# NOTE: not a folk tag name\n", Schema::Folk));
///
/// let plain = "def f():\n    return 1  # a comment\n";
/// assert!(!may_hold_tags(plain, Schema::Auto));
/// assert!(parse_text(plain, Schema::Auto).tags.is_empty());
/// ```
pub fn may_hold_tags(text: &str, schema: Schema) -> bool {
    let bytes = text.as_bytes();
    let names = schema.matching_tags();
    let folk = schema == Schema::Folk;
    memchr::memchr_iter(b'#', bytes).any(|hash| {
        let after = &bytes[hash + 1..];
        if folk {
            folk_name_follows(after, names)
        } else {
            anchor_follows(after, names)
        }
    })
}

/// `[ \t]*([A-Z][A-Z0-9_!?]*)[ \t]*:` at the start of `after`, with the name in `names`.
fn anchor_follows(after: &[u8], names: &[&str]) -> bool {
    let start = count_while(after, |b| b == b' ' || b == b'\t');
    let rest = &after[start..];
    if !rest.first().is_some_and(u8::is_ascii_uppercase) {
        return false;
    }
    let len = count_while(rest, |b| {
        b.is_ascii_uppercase() || b.is_ascii_digit() || matches!(b, b'_' | b'!' | b'?')
    });
    let name = &rest[..len];
    let tail = &rest[len..];
    let colon = count_while(tail, |b| b == b' ' || b == b'\t');
    tail.get(colon) == Some(&b':') && names.iter().any(|n| n.as_bytes() == name)
}

/// `\s*([A-Z]+)` at the start of `after`, with the name in `names`. Python's `\s` includes
/// non-ASCII spaces, so every non-ASCII byte is skipped as if it were one: a few more texts
/// pass, none that holds a folk tag is missed. The `\b` after the name is left to the grammar.
fn folk_name_follows(after: &[u8], names: &[&str]) -> bool {
    let start = count_while(after, |b| {
        matches!(b, b' ' | b'\t' | 0x0b | 0x0c | 0x1c..=0x1f) || !b.is_ascii()
    });
    let rest = &after[start..];
    let len = count_while(rest, |b| b.is_ascii_uppercase());
    len > 0 && names.iter().any(|n| n.as_bytes() == &rest[..len])
}

fn count_while(bytes: &[u8], keep: impl Fn(u8) -> bool) -> usize {
    bytes.iter().take_while(|&&b| keep(b)).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_anchor_form_passes() {
        for text in [
            "#TODO:x",
            "#\t TODO \t: x",
            "x = 1 # FIXME: y",
            "# RFE:",
            "    # XXX : later",
        ] {
            assert!(may_hold_tags(text, Schema::Pep350), "{text:?}");
            assert!(may_hold_tags(text, Schema::Auto), "{text:?}");
        }
    }

    #[test]
    fn near_misses_do_not_pass() {
        for text in [
            "# TODO",
            "# TODO- x",
            "# TODO_1: x",
            "# Todo: x",
            "TODO: no hash",
            "# 1TODO: x",
            "#",
            "x = 1 #",
            "# TODO\n: x",
        ] {
            assert!(!may_hold_tags(text, Schema::Auto), "{text:?}");
        }
    }

    #[test]
    fn schema_vocabulary_decides() {
        assert!(may_hold_tags("# REQ: x", Schema::Pep350));
        assert!(!may_hold_tags("# REQ: x", Schema::Data));
        assert!(may_hold_tags("# DATA: x", Schema::Data));
        assert!(may_hold_tags("# CLEVER trick", Schema::Folk));
        assert!(!may_hold_tags("# CLEVER: trick", Schema::Auto));
    }

    #[test]
    fn folk_skips_python_whitespace() {
        assert!(may_hold_tags("#\u{a0}TODO fix", Schema::Folk));
        assert!(may_hold_tags("#\u{3000}BUG here", Schema::Folk));
        assert!(may_hold_tags("#\x0cHACK", Schema::Folk));
        assert!(!may_hold_tags("# TODOS", Schema::Folk));
        // Folk names are matched as whole `[A-Z]+` runs; the grammar checks the `\b` (see
        // tests/prefilter.rs, which holds the prefilter to the grammar).
        assert!(may_hold_tags("# TODO2 x", Schema::Folk));
    }
}
