//! jmespath.py 1.1.0's lexer, token for token: what its error messages name (token types,
//! values and positions, in characters), its lexer errors, and its deprecated backtick literals
//! that are not JSON (`` `foo` `` is the string `"foo"`), which the `jmespath` crate refuses.

use super::value::Val;

/// A token as jmespath.py's lexer yields it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    /// jmespath.py's type name: `unquoted_identifier`, `eq`, `rbracket`, `eof`, …
    pub kind: &'static str,
    /// Python's `str()` of the token's value, as a parse error prints it.
    pub value: String,
    /// Position of the first character, in characters.
    pub start: usize,
    /// Position just past the token, in characters.
    pub end: usize,
    /// For a backtick literal that is not JSON: the JSON string it stands for.
    pub legacy_string: Option<String>,
}

/// jmespath.py's `LexerError`, already worded as `str(error)` is.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LexError(pub String);

fn lex_error(expression: &str, position: usize, message: &str) -> LexError {
    LexError(format!(
        "Bad jmespath expression: {message}:\n{expression}\n{}^",
        " ".repeat(position)
    ))
}

/// Tokenizes `expression` as jmespath.py does (ending with an `eof` token).
pub(crate) fn tokenize(expression: &str) -> Result<Vec<Token>, LexError> {
    let chars: Vec<char> = expression.chars().collect();
    let len = chars.len();
    let mut tokens = Vec::new();
    let mut pos = 0usize;
    let simple = |c: char| -> Option<&'static str> {
        Some(match c {
            '.' => "dot",
            '*' => "star",
            ']' => "rbracket",
            ',' => "comma",
            ':' => "colon",
            '@' => "current",
            '(' => "lparen",
            ')' => "rparen",
            '{' => "lbrace",
            '}' => "rbrace",
            _ => return None,
        })
    };
    let token = |kind: &'static str, value: String, start: usize, end: usize| Token {
        kind,
        value,
        start,
        end,
        legacy_string: None,
    };
    while pos < len {
        let c = chars[pos];
        let start = pos;
        if let Some(kind) = simple(c) {
            tokens.push(token(kind, c.to_string(), start, start + 1));
            pos += 1;
        } else if c.is_ascii_alphabetic() || c == '_' {
            while pos < len && (chars[pos].is_ascii_alphanumeric() || chars[pos] == '_') {
                pos += 1;
            }
            let name: String = chars[start..pos].iter().collect();
            tokens.push(token("unquoted_identifier", name, start, pos));
        } else if matches!(c, ' ' | '\t' | '\n' | '\r') {
            pos += 1;
        } else if c == '[' {
            match chars.get(pos + 1) {
                Some(']') => {
                    tokens.push(token("flatten", "[]".into(), start, start + 2));
                    pos += 2;
                }
                Some('?') => {
                    tokens.push(token("filter", "[?".into(), start, start + 2));
                    pos += 2;
                }
                _ => {
                    tokens.push(token("lbracket", "[".into(), start, start + 1));
                    pos += 1;
                }
            }
        } else if c == '\'' {
            let (raw, end) = consume_until(&chars, pos, '\'', expression)?;
            pos = end;
            tokens.push(token("literal", raw.replace("\\'", "'"), start, pos));
        } else if c == '`' {
            let (raw, end) = consume_until(&chars, pos, '`', expression)?;
            pos = end;
            let lexeme = raw.replace("\\`", "`");
            let mut literal = token("literal", String::new(), start, pos);
            match serde_json::from_str::<serde_json::Value>(&lexeme) {
                Ok(value) => literal.value = Val::from_json(&value).py_str(),
                Err(_) => {
                    // jmespath.py: not JSON, so (deprecated) the text itself as a string.
                    let quoted = format!("\"{}\"", lexeme.trim_start());
                    match serde_json::from_str::<serde_json::Value>(&quoted) {
                        Ok(serde_json::Value::String(s)) => {
                            literal.value = s.clone();
                            literal.legacy_string = Some(s);
                        }
                        _ => {
                            return Err(lex_error(
                                expression,
                                start,
                                &format!("Bad token {lexeme}"),
                            ));
                        }
                    }
                }
            }
            tokens.push(literal);
        } else if c == '|' || c == '&' || c == '<' || c == '>' || c == '!' {
            let (second, double, single) = match c {
                '|' => ('|', "or", "pipe"),
                '&' => ('&', "and", "expref"),
                '<' => ('=', "lte", "lt"),
                '>' => ('=', "gte", "gt"),
                _ => ('=', "ne", "not"),
            };
            if chars.get(pos + 1) == Some(&second) {
                tokens.push(token(double, format!("{c}{second}"), start, start + 2));
                pos += 2;
            } else {
                tokens.push(token(single, c.to_string(), start, start + 1));
                pos += 1;
            }
        } else if c.is_ascii_digit() || c == '-' {
            pos += 1;
            while pos < len && chars[pos].is_ascii_digit() {
                pos += 1;
            }
            let digits: String = chars[start..pos].iter().collect();
            if digits == "-" {
                return Err(lex_error(expression, start, "Unknown token '-'"));
            }
            let value = digits.trim_start_matches('-').trim_start_matches('0');
            let sign = if digits.starts_with('-') && !value.is_empty() {
                "-"
            } else {
                ""
            };
            let value = if value.is_empty() { "0" } else { value };
            tokens.push(token("number", format!("{sign}{value}"), start, pos));
        } else if c == '"' {
            let (raw, end) = consume_until(&chars, pos, '"', expression)?;
            pos = end;
            let lexeme = format!("\"{raw}\"");
            match serde_json::from_str::<String>(&lexeme) {
                Ok(name) => tokens.push(token("quoted_identifier", name, start, pos)),
                Err(_) => return Err(lex_error(expression, start, python_json_error(&raw))),
            }
        } else if c == '=' {
            if chars.get(pos + 1) == Some(&'=') {
                tokens.push(token("eq", "==".into(), start, start + 2));
                pos += 2;
            } else {
                return Err(lex_error(expression, start, "Unknown token '='"));
            }
        } else {
            return Err(lex_error(expression, start, &format!("Unknown token {c}")));
        }
    }
    tokens.push(token("eof", String::new(), len, len));
    Ok(tokens)
}

/// jmespath.py's `_consume_until`: from the opening delimiter at `start` to its closing one,
/// a backslash keeping itself and the character after it. Returns the text between and the
/// position past the closing delimiter.
fn consume_until(
    chars: &[char],
    start: usize,
    delimiter: char,
    expression: &str,
) -> Result<(String, usize), LexError> {
    let mut buff = String::new();
    let mut pos = start + 1;
    loop {
        match chars.get(pos) {
            Some(&c) if c == delimiter => return Ok((buff, pos + 1)),
            Some('\\') => {
                buff.push('\\');
                pos += 1;
                match chars.get(pos) {
                    Some(&c) => {
                        buff.push(c);
                        pos += 1;
                    }
                    None => break,
                }
            }
            Some(&c) => {
                buff.push(c);
                pos += 1;
            }
            None => break,
        }
    }
    Err(lex_error(
        expression,
        start,
        &format!("Unclosed {delimiter} delimiter"),
    ))
}

/// The first part of Python's `json` error message for the JSON string `"{raw}"`, which
/// `serde_json` refused (jmespath.py keeps what precedes the first `:`): the first problem
/// from the left, as Python's scanner meets it.
fn python_json_error(raw: &str) -> &'static str {
    let chars: Vec<char> = raw.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            c if (c as u32) < 0x20 => return "Invalid control character at",
            '\\' => match chars.get(i + 1) {
                Some('u') => {
                    let hex = chars.get(i + 2..i + 6);
                    if !hex.is_some_and(|h| h.iter().all(char::is_ascii_hexdigit)) {
                        return "Invalid \\uXXXX escape";
                    }
                    i += 6;
                }
                Some('"' | '\\' | '/' | 'b' | 'f' | 'n' | 'r' | 't') => i += 2,
                _ => return "Invalid \\escape",
            },
            _ => i += 1,
        }
    }
    // A lone surrogate escape, which Python accepts and serde_json does not.
    "Invalid \\uXXXX escape"
}

/// `expression` with each deprecated backtick literal written as the JSON string it means, for
/// the `jmespath` crate, and a map from positions in the result (bytes) back to the original
/// (characters), for its error messages.
pub(crate) fn rewrite_legacy_literals(expression: &str, tokens: &[Token]) -> (String, PositionMap) {
    let chars: Vec<char> = expression.chars().collect();
    let mut out = String::with_capacity(expression.len());
    let mut map = PositionMap::default();
    let mut copied = 0usize;
    for token in tokens {
        let Some(value) = &token.legacy_string else {
            continue;
        };
        out.extend(&chars[copied..token.start]);
        map.spans.push((out.len(), token.start));
        let json = serde_json::to_string(value)
            .unwrap_or_default()
            .replace('`', "\\u0060");
        out.push('`');
        out.push_str(&json);
        out.push('`');
        map.spans.push((out.len(), token.end));
        copied = token.end;
    }
    out.extend(&chars[copied..]);
    map.text = out.clone();
    (out, map)
}

/// Positions in a rewritten expression mapped back to the original's characters.
#[derive(Debug, Clone, Default)]
pub(crate) struct PositionMap {
    /// (byte offset in the rewritten text, character offset in the original) at each seam.
    spans: Vec<(usize, usize)>,
    text: String,
}

impl PositionMap {
    /// The original character position of byte `offset` of the rewritten text.
    pub(crate) fn original(&self, offset: usize) -> usize {
        let offset = offset.min(self.text.len());
        let (base_byte, base_char) = self
            .spans
            .iter()
            .rev()
            .find(|(byte, _)| *byte <= offset)
            .copied()
            .unwrap_or((0, 0));
        let mut end = offset;
        while !self.text.is_char_boundary(end) {
            end -= 1;
        }
        base_char + self.text[base_byte..end.max(base_byte)].chars().count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(expression: &str) -> Vec<&'static str> {
        tokenize(expression)
            .unwrap()
            .iter()
            .map(|t| t.kind)
            .collect()
    }

    #[test]
    fn tokens_are_jmespath_pys() {
        assert_eq!(
            kinds("a[?b!=`1`] || !c && &d | e[] [*] -3 \"q\" <= 'r'"),
            [
                "unquoted_identifier",
                "filter",
                "unquoted_identifier",
                "ne",
                "literal",
                "rbracket",
                "or",
                "not",
                "unquoted_identifier",
                "and",
                "expref",
                "unquoted_identifier",
                "pipe",
                "unquoted_identifier",
                "flatten",
                "lbracket",
                "star",
                "rbracket",
                "number",
                "quoted_identifier",
                "lte",
                "literal",
                "eof"
            ]
        );
    }

    #[test]
    fn lexer_errors_read_as_jmespath_pys() {
        assert_eq!(
            tokenize("'abc").unwrap_err().0,
            "Bad jmespath expression: Unclosed ' delimiter:\n'abc\n^"
        );
        assert_eq!(
            tokenize("a = b").unwrap_err().0,
            "Bad jmespath expression: Unknown token '=':\na = b\n  ^"
        );
        assert_eq!(
            tokenize("a - b").unwrap_err().0,
            "Bad jmespath expression: Unknown token '-':\na - b\n  ^"
        );
        assert_eq!(
            tokenize("a ^ b").unwrap_err().0,
            "Bad jmespath expression: Unknown token ^:\na ^ b\n  ^"
        );
    }

    #[test]
    fn a_backtick_literal_that_is_not_json_is_a_string() {
        let tokens = tokenize("a == `foo bar`").unwrap();
        assert_eq!(tokens[2].legacy_string.as_deref(), Some("foo bar"));
        let (rewritten, map) =
            rewrite_legacy_literals("é == `x y` ||", &tokens_of("é == `x y` ||"));
        assert_eq!(rewritten, "é == `\"x y\"` ||");
        // The `||` after the literal maps back to its original character position.
        let byte = rewritten.find("||").unwrap();
        assert_eq!(map.original(byte), 11);
    }

    fn tokens_of(expression: &str) -> Vec<Token> {
        // `é` is not a token; lex the rest to get the literal's span in characters.
        let mut tokens = tokenize(&expression.replace('é', "e")).unwrap();
        tokens.retain(|t| t.legacy_string.is_some());
        tokens
    }
}
