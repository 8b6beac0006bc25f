//! `--filter`: JMESPath expressions over each tag's flat dictionary, as pycodetags 0.8.1's
//! `data --filter` evaluates them.
//!
//! * [`flat_dict`] is 0.8.1's `DATA.to_flat_dict(include_comment_and_tag=True)`: the data
//!   fields, then the custom fields, then `id`, `title`, `body`, `comment` and `code_tag`, in
//!   that key order.
//! * [`Filter::compile`] parses with the `jmespath` crate (the Rust implementation of the
//!   JMESPath project) after jmespath.py's own lexer has run, so a bad expression is refused
//!   with jmespath.py's message, and a deprecated non-JSON backtick literal (`` `foo` ``) is
//!   the string it was there.
//! * [`Filter::matches`] evaluates with jmespath.py 1.1.0's semantics, which 0.8.1 relies on and
//!   the crate's interpreter does not share: strings are ordered (`origination_date <
//!   '2025-01-01'`), `==` is Python's, and the result is tested with Python's `bool()` (so `0`
//!   selects nothing). An expression that fails on one tag (a type error, an unknown function)
//!   drops that tag and reports why ([`EvalError`]); it never stops the run.
//!
//! ```
//! use codetags_cli::filter::{Filter, flat_dict};
//! use codetags_parse::{extract_tags, Schema};
//! let found = extract_tags(b"# TODO: ship it <jdoe 2025-07-01 priority=high>\n", Schema::Pep350)?;
//! let tag = &found.tags[0];
//! assert_eq!(
//!     flat_dict(tag).to_string(),
//!     r#"{"origination_date":"2025-07-01","priority":"high","author":"jdoe","title":"ship it","body":"","comment":"ship it","code_tag":"TODO"}"#
//! );
//! let filter = Filter::compile("priority == 'high' && origination_date < '2025-12-31'")?;
//! assert!(filter.matches_tag(tag)?);
//! assert!(!Filter::compile("length(comment) > `30`")?.matches_tag(tag)?);
//! let err = Filter::compile("priority ==").unwrap_err();
//! assert_eq!(
//!     err.to_string(),
//!     "Invalid JMESPath expression: Invalid jmespath expression: Incomplete expression:\n\"priority ==\"\n            ^"
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod ast;
mod eval;
mod functions;
mod lexer;
mod value;

use crate::extract::Tag;
use ast::Node;
use codetags_parse::FieldValue;
use lexer::{PositionMap, Token};
use serde_json::{Map, Value};
use value::Val;

/// A tag's flat dictionary, as pycodetags 0.8.1's `to_flat_dict(include_comment_and_tag=True)`
/// builds it: `data_fields`, then `custom_fields` (a key in both keeps its first place and takes
/// the custom value), then `id` when set, `title` and `body` when not `None` (an empty body is
/// kept), `comment` and `code_tag` when not empty. Values are strings, or lists of strings.
pub fn flat_dict(tag: &Tag) -> Value {
    let mut map = Map::new();
    let field = |value: &FieldValue| match value {
        FieldValue::Str(s) => Value::String(s.clone()),
        FieldValue::List(items) => Value::Array(items.iter().cloned().map(Value::String).collect()),
    };
    for (key, value) in tag.data_fields.iter().chain(tag.custom_fields.iter()) {
        map.insert(key.to_owned(), field(value));
    }
    if let Some(id) = &tag.tag_id {
        map.insert("id".to_owned(), Value::String(id.clone()));
    }
    if let Some(title) = &tag.title {
        map.insert("title".to_owned(), Value::String(title.clone()));
    }
    if let Some(body) = &tag.body {
        map.insert("body".to_owned(), Value::String(body.clone()));
    }
    if !tag.comment.is_empty() {
        map.insert("comment".to_owned(), Value::String(tag.comment.clone()));
    }
    if !tag.code_tag.is_empty() {
        map.insert("code_tag".to_owned(), Value::String(tag.code_tag.clone()));
    }
    Value::Object(map)
}

/// A compiled `--filter` expression.
#[derive(Debug, Clone)]
pub struct Filter {
    expression: String,
    node: Node,
}

/// An expression that does not compile. Its text is pycodetags 0.8.1's: `Invalid JMESPath
/// expression: ` and jmespath.py's own message (0.8.1 prints it after `Filter error: `).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Invalid JMESPath expression: {message}")]
pub struct FilterError {
    /// jmespath.py's message, e.g. `Invalid jmespath expression: Incomplete expression: …`.
    pub message: String,
}

/// Why a filter could not be evaluated on one tag (the tag is dropped): jmespath.py's message,
/// e.g. `Unknown function: foo()` or a function's argument type error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Failed to evaluate JMESPath expression: {message}")]
pub struct EvalError {
    /// The reason, as jmespath.py words it.
    pub message: String,
}

impl Filter {
    /// Compiles `expression`.
    ///
    /// # Errors
    /// [`FilterError`], worded as pycodetags 0.8.1 words it, when the expression does not parse.
    pub fn compile(expression: &str) -> Result<Filter, FilterError> {
        let fail = |message: String| FilterError { message };
        if expression.is_empty() {
            return Err(fail(
                "Invalid JMESPath expression: cannot be empty.".to_owned(),
            ));
        }
        let tokens = lexer::tokenize(expression).map_err(|e| fail(e.0))?;
        let (rewritten, positions) = lexer::rewrite_legacy_literals(expression, &tokens);
        let ast = jmespath::parse(&rewritten)
            .map_err(|e| fail(python_parse_message(expression, &tokens, &e, &positions)))?;
        Ok(Filter {
            expression: expression.to_owned(),
            node: Node::from_ast(&ast),
        })
    }

    /// The expression as given.
    pub fn expression(&self) -> &str {
        &self.expression
    }

    /// Whether the expression's result on `document` is true for Python's `bool()`.
    ///
    /// # Errors
    /// [`EvalError`] when evaluation fails (pycodetags then drops the item).
    pub fn matches(&self, document: &Value) -> Result<bool, EvalError> {
        let input = Val::from_json(document);
        eval::eval(&self.node, &input)
            .map(|result| result.py_bool())
            .map_err(|message| EvalError { message })
    }

    /// Keeps the tags the filter selects, in order. A tag it fails on is dropped and handed to
    /// `on_error` with the reason, as pycodetags 0.8.1 drops it with a warning.
    ///
    /// ```
    /// use codetags_cli::filter::Filter;
    /// use codetags_parse::{extract_tags, Schema};
    /// let src = b"# TODO: a <priority=high>\n# BUG: b <priority=low>\n# FIXME: c <ann>\n";
    /// let mut tags = extract_tags(src, Schema::Pep350)?.tags;
    /// let mut failed = Vec::new();
    /// Filter::compile("priority < 'i'")?.retain(&mut tags, |tag, err| failed.push((tag.comment.clone(), err.clone())));
    /// assert_eq!(tags.iter().map(|t| t.comment.as_str()).collect::<Vec<_>>(), ["a"]);
    /// assert!(failed.is_empty()); // `null < 'i'` is null, not an error
    /// Filter::compile("length(priority)")?.retain(&mut tags, |tag, err| failed.push((tag.comment.clone(), err.clone())));
    /// assert_eq!(tags.len(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn retain(&self, tags: &mut Vec<Tag>, mut on_error: impl FnMut(&Tag, &EvalError)) {
        tags.retain(|tag| match self.matches_tag(tag) {
            Ok(keep) => keep,
            Err(err) => {
                on_error(tag, &err);
                false
            }
        });
    }

    /// [`Filter::matches`] on the tag's [`flat_dict`].
    ///
    /// # Errors
    /// As [`Filter::matches`].
    pub fn matches_tag(&self, tag: &Tag) -> Result<bool, EvalError> {
        self.matches(&flat_dict(tag))
    }
}

/// jmespath.py's message for an expression its lexer accepted and the crate's parser refused,
/// from where and why the crate stopped. jmespath.py is a Pratt parser of the same grammar, so
/// both stop at the same token; the reason is translated to jmespath.py's wording.
fn python_parse_message(
    expression: &str,
    tokens: &[Token],
    error: &jmespath::JmespathError,
    positions: &PositionMap,
) -> String {
    let position = positions.original(error.offset);
    let reason = match &error.reason {
        jmespath::ErrorReason::Parse(text) => text.clone(),
        jmespath::ErrorReason::Runtime(e) => e.to_string(),
    };
    let reason = reason
        .split(" -- found")
        .next()
        .unwrap_or_default()
        .to_owned();
    let eof = tokens.last().cloned().unwrap_or(Token {
        kind: "eof",
        value: String::new(),
        start: expression.chars().count(),
        end: expression.chars().count(),
        legacy_string: None,
    });
    let index = tokens
        .iter()
        .position(|t| t.start >= position)
        .unwrap_or(tokens.len().saturating_sub(1));
    let token = tokens.get(index).cloned().unwrap_or(eof);
    let length = expression.chars().count();
    let incomplete = || {
        format!(
            "Invalid jmespath expression: Incomplete expression:\n\"{expression}\"\n{}^",
            " ".repeat(length + 1)
        )
    };
    let parse_error = |token: &Token, message: &str| {
        format!(
            "{message}: Parse error at column {}, token \"{}\" ({}), for expression:\n\"{expression}\"\n{}^",
            token.start,
            token.value,
            token.kind.to_uppercase(),
            " ".repeat(token.start + 1)
        )
    };
    let expecting = |expected: &str| {
        if token.kind == "eof" {
            incomplete()
        } else {
            parse_error(
                &token,
                &format!("Expecting: {expected}, got: {}", token.kind),
            )
        }
    };
    match reason.as_str() {
        "Did not parse the complete expression" => {
            parse_error(&token, &format!("Unexpected token: {}", token.value))
        }
        "Expected ']'" | "Expected ']' for wildcard index" | "Expected ':', or ']'" => {
            expecting("rbracket")
        }
        "Expected ')' to close '('" => expecting("rparen"),
        "Expected ':' to follow key" => expecting("colon"),
        "Expected Field to start key value pair" => {
            expecting("['quoted_identifier', 'unquoted_identifier']")
        }
        // jmespath.py reads on after a value followed by neither `,` nor `}`: a key must come
        // next, then a colon.
        "Expected '}' or ','" => match tokens.get(index + 1) {
            Some(next) if matches!(token.kind, "quoted_identifier" | "unquoted_identifier") => {
                if next.kind == "eof" {
                    incomplete()
                } else {
                    parse_error(next, &format!("Expecting: colon, got: {}", next.kind))
                }
            }
            _ => expecting("['quoted_identifier', 'unquoted_identifier']"),
        },
        "Expected number, ':', or '*'" => expecting("star"),
        "Expected identifier, '*', '{', '[', '&', or '[?'" => parse_error(
            &token,
            &format!(
                "Expecting: ['quoted_identifier', 'unquoted_identifier', 'lbracket', 'lbrace'], got: {}",
                token.kind
            ),
        ),
        "Quoted strings can't be a function name" => {
            let lparen = Token {
                start: 0,
                ..token.clone()
            };
            parse_error(&lparen, "Quoted identifier not allowed for function names.")
        }
        "Invalid function name" => {
            // The token before the `(` at or before where the crate stopped.
            let lparen = tokens[..=index.min(tokens.len() - 1)]
                .iter()
                .rposition(|t| t.kind == "lparen")
                .unwrap_or(index);
            let name = lparen
                .checked_sub(1)
                .and_then(|i| tokens.get(i))
                .cloned()
                .unwrap_or_else(|| token.clone());
            parse_error(&name, &format!("Invalid function name '{}'", name.value))
        }
        // Inside a slice jmespath.py says "syntax error", at the end of input too.
        "Too many colons in slice expr" | "Expected number, ':', or ']'" => {
            parse_error(&token, "syntax error")
        }
        _ if token.kind == "eof" => incomplete(),
        _ => parse_error(&token, "invalid token"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn select(expression: &str, document: Value) -> Result<bool, EvalError> {
        Filter::compile(expression).unwrap().matches(&document)
    }

    #[test]
    fn python_truthiness_decides_the_final_result() {
        let doc = json!({"n": "x"});
        assert_eq!(select("`0`", doc.clone()), Ok(false));
        assert_eq!(select("`0.5`", doc.clone()), Ok(true));
        assert_eq!(select("''", doc.clone()), Ok(false));
        assert_eq!(select("`[]`", doc.clone()), Ok(false));
        assert_eq!(select("`{}`", doc.clone()), Ok(false));
        assert_eq!(select("&n", doc.clone()), Ok(true));
        // Inside the expression, JMESPath's truthiness: 0 is true there.
        assert_eq!(select("`0` && n", doc.clone()), Ok(true));
        assert_eq!(select("!`0`", doc), Ok(false));
    }

    #[test]
    fn strings_are_ordered_and_a_string_against_a_number_is_an_error() {
        let doc = json!({"d": "2024-11-30"});
        assert_eq!(select("d < '2025-01-01'", doc.clone()), Ok(true));
        assert_eq!(select("d >= '2024-11-30'", doc.clone()), Ok(true));
        assert_eq!(select("d < `true`", doc.clone()), Ok(false));
        let err = select("d < `5`", doc).unwrap_err();
        assert_eq!(
            err.message,
            "'<' not supported between instances of 'str' and 'int'"
        );
    }

    #[test]
    fn a_legacy_backtick_literal_is_a_string() {
        let doc = json!({"p": "high"});
        assert_eq!(select("p == `high`", doc.clone()), Ok(true));
        assert_eq!(select("`bad json`", doc), Ok(true));
        let err = Filter::compile("`\"open`").unwrap_err();
        assert!(
            err.message
                .starts_with("Bad jmespath expression: Bad token"),
            "{err}"
        );
    }

    #[test]
    fn unknown_functions_and_arity_fail_per_item_not_at_compile_time() {
        let filter = Filter::compile("unknown_fn(x)").unwrap();
        assert_eq!(
            filter.matches(&json!({})).unwrap_err().message,
            "Unknown function: unknown_fn()"
        );
        let filter = Filter::compile("contains(comment)").unwrap();
        assert!(filter.matches(&json!({"comment": "x"})).is_err());
    }

    #[test]
    fn flat_dict_key_order_and_presence() {
        use codetags_parse::{Schema, extract_tags};
        let found = extract_tags(
            b"# FIXME: leak <id=9 ann priority=high ticket=T-1>\n",
            Schema::Pep350,
        )
        .unwrap();
        let flat = flat_dict(&found.tags[0]);
        let keys: Vec<&str> = flat
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            [
                "priority", "author", "ticket", "id", "title", "body", "comment", "code_tag"
            ]
        );
        assert_eq!(flat["id"], "9");
    }
}
