//! Metadata properties: pycodetags 0.8.1's `formats.parse_properties` and `property_line`.
//!
//! `key=value` / `key:value` pairs separated by whitespace. A value is a JSON string (`"…"`,
//! JSON escapes), a Python single-quoted literal (`'…'`, Python escapes) or a run of
//! non-whitespace. In PEP 350 metadata, bare tokens are positional: a `YYYY-MM-DD` date is the
//! `origination_date`, words of `[\w.,@+-]` are authors (joined by one space into `author`).

use super::{is_py_digit, is_py_space, is_py_word, py_lstrip, py_repr};
use crate::schema::Schema;

/// A metadata error: 0.8.1's message and the byte offset in the metadata text it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct PropertyError {
    pub message: String,
    pub at: usize,
}

impl PropertyError {
    fn new(at: usize, message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            at,
        }
    }
}

/// How a grammar reads metadata.
#[derive(Debug, Clone, Copy)]
pub(super) struct Rules {
    /// The schema whose aliases apply.
    pub schema: Schema,
    /// TDG: only `=` separates key and value.
    pub tdg: bool,
    /// PEP 350: bare tokens are an author or a date.
    pub positional: bool,
}

/// A `KEY` match (`([A-Za-z][A-Za-z0-9_]*)\s*([=:])\s*`) at `at`: the key, the separator's
/// offset, and where the value starts.
struct KeyMatch<'a> {
    key: &'a str,
    separator: usize,
    end: usize,
}

fn match_key(text: &str, at: usize) -> Option<KeyMatch<'_>> {
    let bytes = text.as_bytes();
    if !bytes.get(at).is_some_and(u8::is_ascii_alphabetic) {
        return None;
    }
    let key_end = at
        + bytes[at..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
            .count();
    let separator = skip_space(text, key_end);
    if !matches!(bytes.get(separator), Some(b'=' | b':')) {
        return None;
    }
    Some(KeyMatch {
        key: &text[at..key_end],
        separator,
        end: skip_space(text, separator + 1),
    })
}

fn skip_space(text: &str, from: usize) -> usize {
    from + text[from..].len() - text[from..].trim_start_matches(is_py_space).len()
}

/// The run of non-whitespace starting at `at` (`text[at:].split()[0]`).
fn token_at(text: &str, at: usize) -> &str {
    let rest = &text[at..];
    rest.find(is_py_space).map_or(rest, |end| &rest[..end])
}

/// `property_line`: a TDG metadata line begins with an assignment using `=`.
pub(super) fn is_property_line(text: &str) -> bool {
    let text = py_lstrip(text);
    match_key(text, 0).is_some_and(|m| text.as_bytes()[m.separator] == b'=')
}

/// `re.fullmatch(r"\d{4}-\d{2}-\d{2}", token)`.
fn is_date(token: &str) -> bool {
    let chars: Vec<char> = token.chars().collect();
    chars.len() == 10
        && chars.iter().enumerate().all(|(index, &c)| match index {
            4 | 7 => c == '-',
            _ => is_py_digit(c),
        })
}

/// `re.fullmatch(r"[\w.,@+-]+", token)`.
fn is_author(token: &str) -> bool {
    !token.is_empty()
        && token
            .chars()
            .all(|c| is_py_word(c) || matches!(c, '.' | ',' | '@' | '+' | '-'))
}

/// Parses `text` into `(key, value)` pairs in source order (keys lower-cased and de-aliased,
/// `author` last when given positionally), or the first error 0.8.1 would raise.
pub(super) fn parse(text: &str, rules: Rules) -> Result<Vec<(String, String)>, PropertyError> {
    let mut result: Vec<(String, String)> = Vec::new();
    let mut authors: Vec<&str> = Vec::new();
    let mut first_author = 0;
    let mut cursor = 0;
    while cursor < text.len() {
        let Some(c) = text[cursor..].chars().next() else {
            break;
        };
        if is_py_space(c) {
            cursor += c.len_utf8();
            continue;
        }
        let at = cursor;
        let (key, value) = if let Some(m) = match_key(text, cursor) {
            let key = m.key.to_ascii_lowercase();
            if rules.tdg && text.as_bytes()[m.separator] != b'=' {
                return Err(PropertyError::new(
                    m.separator,
                    "TDG properties use key=value.",
                ));
            }
            cursor = m.end;
            if cursor == text.len() {
                return Err(PropertyError::new(
                    at,
                    format!(
                        "Missing value for {}; quote an empty value as \"\".",
                        py_repr(&key)
                    ),
                ));
            }
            let invalid = || {
                PropertyError::new(
                    cursor,
                    format!("Invalid quoted value for {}.", py_repr(&key)),
                )
            };
            let value = match text.as_bytes()[cursor] {
                b'"' => {
                    let (value, end) = json_string(text, cursor).ok_or_else(invalid)?;
                    cursor = end;
                    value
                }
                b'\'' => {
                    let (value, end) = python_string(text, cursor).ok_or_else(invalid)?;
                    cursor = end;
                    value
                }
                _ => {
                    let token = token_at(text, cursor);
                    cursor += token.len();
                    token.to_owned()
                }
            };
            if text[cursor..]
                .chars()
                .next()
                .is_some_and(|c| !is_py_space(c))
            {
                return Err(PropertyError::new(
                    cursor,
                    format!("Expected whitespace after {}.", py_repr(&key)),
                ));
            }
            (key, value)
        } else {
            if !rules.positional {
                return Err(PropertyError::new(
                    at,
                    format!(
                        "Expected key=value metadata near {}.",
                        py_repr(&text[cursor..])
                    ),
                ));
            }
            let token = token_at(text, cursor);
            cursor += token.len();
            if is_date(token) {
                ("origination_date".to_owned(), token.to_owned())
            } else if is_author(token) {
                if authors.is_empty() {
                    first_author = at;
                }
                authors.push(token);
                continue;
            } else {
                return Err(PropertyError::new(
                    at,
                    format!(
                        "Invalid positional metadata {}; use a named property.",
                        py_repr(token)
                    ),
                ));
            }
        };
        let key = rules.schema.canonical_key(&key).to_owned();
        if key == "title" || key == "body" {
            return Err(PropertyError::new(
                at,
                format!("{key} belongs in comment text, not metadata."),
            ));
        }
        if result.iter().any(|(k, _)| *k == key) {
            return Err(PropertyError::new(
                at,
                format!("Duplicate property {}.", py_repr(&key)),
            ));
        }
        result.push((key, value));
    }
    if !authors.is_empty() {
        if result.iter().any(|(k, _)| k == "author") {
            return Err(PropertyError::new(
                first_author,
                "Author supplied both positionally and by name.",
            ));
        }
        result.push(("author".to_owned(), authors.join(" ")));
    }
    Ok(result)
}

/// Up to `n` hex digits at `text[at..]`, exactly `n` required.
fn hex_digits(text: &str, at: usize, n: usize) -> Option<u32> {
    let digits = text.get(at..at + n)?;
    if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u32::from_str_radix(digits, 16).ok()
}

/// A UTF-16 code unit or code point → a char; lone surrogates (which Python keeps but a Rust
/// string cannot hold) become U+FFFD.
fn char_or_replacement(code: u32) -> char {
    char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER)
}

/// `json.JSONDecoder().raw_decode` of the string starting with `"` at `at` (strict: raw control
/// characters are errors): the value and the offset after the closing quote.
fn json_string(text: &str, at: usize) -> Option<(String, usize)> {
    let mut out = String::new();
    let mut iter = text[at + 1..].char_indices().map(|(i, c)| (i + at + 1, c));
    while let Some((index, c)) = iter.next() {
        match c {
            '"' => return Some((out, index + 1)),
            '\\' => {
                let (_, escape) = iter.next()?;
                match escape {
                    '"' => out.push('"'),
                    '\\' => out.push('\\'),
                    '/' => out.push('/'),
                    'b' => out.push('\u{8}'),
                    'f' => out.push('\u{c}'),
                    'n' => out.push('\n'),
                    'r' => out.push('\r'),
                    't' => out.push('\t'),
                    'u' => {
                        let start = index + 2;
                        let mut code = hex_digits(text, start, 4)?;
                        let mut end = start + 4;
                        if (0xd800..=0xdbff).contains(&code)
                            && text.get(end..end + 2) == Some("\\u")
                            && let Some(low) = hex_digits(text, end + 2, 4)
                            && (0xdc00..=0xdfff).contains(&low)
                        {
                            code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
                            end += 6;
                        }
                        out.push(char_or_replacement(code));
                        // Skip the hex digits consumed above.
                        while iter.clone().next().is_some_and(|(i, _)| i < end) {
                            iter.next();
                        }
                    }
                    _ => return None,
                }
            }
            c if u32::from(c) < 0x20 => return None,
            c => out.push(c),
        }
    }
    None
}

/// `ast.literal_eval` of the single-quoted literal (`'(?:[^'\\]|\\.)*'`) at `at`: the value and
/// the offset after the closing quote. `\N{name}` escapes are kept verbatim (no name table).
fn python_string(text: &str, at: usize) -> Option<(String, usize)> {
    // Find the literal's extent first, as the regular expression does.
    let mut end = None;
    let mut chars = text[at + 1..].char_indices().map(|(i, c)| (i + at + 1, c));
    while let Some((index, c)) = chars.next() {
        match c {
            '\'' => {
                end = Some(index);
                break;
            }
            '\\' => {
                chars.next()?;
            }
            _ => {}
        }
    }
    let end = end?;
    let body = &text[at + 1..end];
    let mut out = String::with_capacity(body.len());
    let mut iter = body.char_indices().peekable();
    while let Some((index, c)) = iter.next() {
        match c {
            // An unescaped newline ends a single-quoted literal: a syntax error; so does NUL.
            '\n' | '\0' => return None,
            '\\' => {
                let (_, escape) = iter.next()?;
                match escape {
                    '\n' => {}
                    '\\' | '\'' | '"' => out.push(escape),
                    'a' => out.push('\u{7}'),
                    'b' => out.push('\u{8}'),
                    'f' => out.push('\u{c}'),
                    'n' => out.push('\n'),
                    'r' => out.push('\r'),
                    't' => out.push('\t'),
                    'v' => out.push('\u{b}'),
                    '0'..='7' => {
                        let mut code = escape.to_digit(8)?;
                        for _ in 0..2 {
                            match iter.peek().and_then(|(_, c)| c.to_digit(8)) {
                                Some(digit) => {
                                    code = code * 8 + digit;
                                    iter.next();
                                }
                                None => break,
                            }
                        }
                        out.push(char_or_replacement(code));
                    }
                    'x' | 'u' | 'U' => {
                        let n = match escape {
                            'x' => 2,
                            'u' => 4,
                            _ => 8,
                        };
                        let code = hex_digits(body, index + 2, n)?;
                        if code > 0x10ffff {
                            return None;
                        }
                        out.push(char_or_replacement(code));
                        for _ in 0..n {
                            iter.next();
                        }
                    }
                    other => {
                        out.push('\\');
                        out.push(other);
                    }
                }
            }
            c => out.push(c),
        }
    }
    Some((out, end + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PEP: Rules = Rules {
        schema: Schema::Pep350,
        tdg: false,
        positional: true,
    };

    fn pairs(text: &str) -> Vec<(String, String)> {
        parse(text, PEP).unwrap()
    }

    #[test]
    fn json_strings_decode_escapes() {
        assert_eq!(
            json_string(r#""say \"hi\" \u00e9\ud83d\ude00" x"#, 0),
            Some(("say \"hi\" é😀".to_owned(), 31))
        );
        assert_eq!(json_string("\"a\tb\"", 0), None);
        assert_eq!(json_string(r#""\q""#, 0), None);
        assert_eq!(json_string(r#""open"#, 0), None);
        assert_eq!(
            json_string(r#""\ud800""#, 0),
            Some(("\u{fffd}".to_owned(), 8))
        );
    }

    #[test]
    fn python_strings_decode_escapes() {
        assert_eq!(
            python_string(r"'a\'b\x41\101\u00e9\d' rest", 0),
            Some(("a'bAAé\\d".to_owned(), 22))
        );
        assert_eq!(python_string("'two\nlines'", 0), None);
        assert_eq!(
            python_string("'joined\\\nline'", 0),
            Some(("joinedline".to_owned(), 14))
        );
        assert_eq!(python_string(r"'\x4'", 0), None);
        assert_eq!(python_string("'open", 0), None);
    }

    #[test]
    fn positional_tokens() {
        assert_eq!(
            pairs("matth 2025-07-04 jrd"),
            vec![
                ("origination_date".to_owned(), "2025-07-04".to_owned()),
                ("author".to_owned(), "matth jrd".to_owned()),
            ]
        );
        assert!(is_date("٢٠٢٥-٠٧-٠٤"));
        assert!(!is_date("2025-07-04x"));
        assert!(is_author("josé.x@y+z,-"));
        assert!(!is_author("a:b"));
    }

    #[test]
    fn keys_are_lowercased_and_aliased() {
        assert_eq!(
            pairs("Cat : core  STATUS=open"),
            vec![
                ("category".to_owned(), "core".to_owned()),
                ("status".to_owned(), "open".to_owned()),
            ]
        );
    }

    #[test]
    fn property_lines_need_an_equals_sign() {
        assert!(is_property_line("  issue=1 prose"));
        assert!(is_property_line("issue = 1"));
        assert!(!is_property_line("issue:1"));
        assert!(!is_property_line("Use the old method=foo"));
    }
}
