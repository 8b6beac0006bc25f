//! The values a filter computes with, and Python's rules for them: `==` (with jmespath.py's
//! special case for 0/1 against booleans), ordering of numbers and of strings, `bool()`, and
//! `json.dumps` for `to_string`.
//!
//! pycodetags 0.8.1 evaluates filters with jmespath.py 1.1.0, whose interpreter works on Python
//! objects; these rules are what it does, not what the JMESPath specification says where the
//! two differ (strings are ordered, the final result is tested with Python's `bool`).

use super::ast::Node;
use std::cmp::Ordering;
use std::fmt::Write as _;

/// A value during evaluation: JSON's types as Python holds them (integers and floats apart),
/// plus the expression reference (`&expr`) that `sort_by`, `map`, … take.
#[derive(Debug, Clone)]
pub(crate) enum Val<'a> {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    List(Vec<Val<'a>>),
    /// Insertion-ordered, as a Python dict.
    Dict(Vec<(String, Val<'a>)>),
    Expref(&'a Node),
}

impl<'a> Val<'a> {
    /// A JSON value as Python's `json.loads` would hold it.
    pub(crate) fn from_json(value: &serde_json::Value) -> Val<'a> {
        match value {
            serde_json::Value::Null => Val::Null,
            serde_json::Value::Bool(b) => Val::Bool(*b),
            serde_json::Value::Number(n) => {
                if let Some(i) = n.as_i64() {
                    Val::Int(i128::from(i))
                } else if let Some(u) = n.as_u64() {
                    Val::Int(i128::from(u))
                } else {
                    Val::Float(n.as_f64().unwrap_or(f64::NAN))
                }
            }
            serde_json::Value::String(s) => Val::Str(s.clone()),
            serde_json::Value::Array(items) => {
                Val::List(items.iter().map(Val::from_json).collect())
            }
            serde_json::Value::Object(map) => Val::Dict(
                map.iter()
                    .map(|(k, v)| (k.clone(), Val::from_json(v)))
                    .collect(),
            ),
        }
    }

    /// jmespath.py's type names (`TYPES_MAP`).
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            Val::Null => "null",
            Val::Bool(_) => "boolean",
            Val::Int(_) | Val::Float(_) => "number",
            Val::Str(_) => "string",
            Val::List(_) => "array",
            Val::Dict(_) => "object",
            Val::Expref(_) => "expref",
        }
    }

    /// Python's `type(x).__name__`, which jmespath.py's type checks compare.
    pub(crate) fn py_type_name(&self) -> &'static str {
        match self {
            Val::Null => "NoneType",
            Val::Bool(_) => "bool",
            Val::Int(_) => "int",
            Val::Float(_) => "float",
            Val::Str(_) => "str",
            Val::List(_) => "list",
            Val::Dict(_) => "dict",
            Val::Expref(_) => "_Expression",
        }
    }

    /// A number that is not a boolean (`_is_actual_number`).
    pub(crate) fn is_number(&self) -> bool {
        matches!(self, Val::Int(_) | Val::Float(_))
    }

    fn as_f64(&self) -> Option<f64> {
        match self {
            Val::Int(i) => Some(*i as f64),
            Val::Float(f) => Some(*f),
            Val::Bool(b) => Some(f64::from(u8::from(*b))),
            _ => None,
        }
    }

    /// jmespath.py's `_is_false`: `''`, `[]`, `{}`, `None`, `False` (numbers are never false).
    pub(crate) fn is_jmespath_false(&self) -> bool {
        match self {
            Val::Null | Val::Bool(false) => true,
            Val::Str(s) => s.is_empty(),
            Val::List(items) => items.is_empty(),
            Val::Dict(map) => map.is_empty(),
            _ => false,
        }
    }

    /// Python's `bool(x)`: what pycodetags tests a filter's result with (`0` is false here).
    pub(crate) fn py_bool(&self) -> bool {
        match self {
            Val::Null => false,
            Val::Bool(b) => *b,
            Val::Int(i) => *i != 0,
            Val::Float(f) => *f != 0.0,
            Val::Str(s) => !s.is_empty(),
            Val::List(items) => !items.is_empty(),
            Val::Dict(map) => !map.is_empty(),
            Val::Expref(_) => true,
        }
    }

    /// Python's `x == y` (booleans equal 0 and 1 here, as in Python; dicts ignore order).
    pub(crate) fn py_eq(&self, other: &Val<'_>) -> bool {
        match (self, other) {
            (Val::Null, Val::Null) => true,
            (Val::Str(a), Val::Str(b)) => a == b,
            (Val::Int(a), Val::Int(b)) => a == b,
            (Val::Bool(a), Val::Bool(b)) => a == b,
            (
                Val::Bool(_) | Val::Int(_) | Val::Float(_),
                Val::Bool(_) | Val::Int(_) | Val::Float(_),
            ) => match (self, other) {
                (Val::Int(a), Val::Bool(b)) | (Val::Bool(b), Val::Int(a)) => {
                    *a == i128::from(u8::from(*b))
                }
                _ => self.as_f64() == other.as_f64(),
            },
            (Val::List(a), Val::List(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.py_eq(y))
            }
            (Val::Dict(a), Val::Dict(b)) => {
                a.len() == b.len()
                    && a.iter().all(|(k, v)| {
                        b.iter()
                            .find(|(key, _)| key == k)
                            .is_some_and(|(_, w)| v.py_eq(w))
                    })
            }
            (Val::Expref(a), Val::Expref(b)) => std::ptr::eq(*a, *b),
            _ => false,
        }
    }

    /// jmespath.py's `_equals`: Python's `==`, except that 0 or 1 never equals a boolean.
    pub(crate) fn jmespath_equals(&self, other: &Val<'_>) -> bool {
        let zero_or_one =
            |v: &Val<'_>| v.is_number() && matches!(v.as_f64(), Some(x) if x == 0.0 || x == 1.0);
        if zero_or_one(self) && matches!(other, Val::Bool(_))
            || zero_or_one(other) && matches!(self, Val::Bool(_))
        {
            return false;
        }
        self.py_eq(other)
    }

    /// Python's `x < y` for the values Python can order here: numbers with numbers, strings
    /// with strings (by code point), lists with lists (element by element).
    ///
    /// # Errors
    /// Python's `TypeError` message for any other pair.
    pub(crate) fn py_cmp(&self, other: &Val<'_>) -> Result<Ordering, String> {
        match (self, other) {
            (Val::Str(a), Val::Str(b)) => Ok(a.as_str().cmp(b.as_str())),
            (Val::Int(a), Val::Int(b)) => Ok(a.cmp(b)),
            (
                Val::Bool(_) | Val::Int(_) | Val::Float(_),
                Val::Bool(_) | Val::Int(_) | Val::Float(_),
            ) => {
                let (a, b) = (self.as_f64().unwrap_or(0.0), other.as_f64().unwrap_or(0.0));
                a.partial_cmp(&b)
                    .ok_or_else(|| "cannot order NaN".to_owned())
            }
            (Val::List(a), Val::List(b)) => {
                for (x, y) in a.iter().zip(b) {
                    if !x.py_eq(y) {
                        return x.py_cmp(y);
                    }
                }
                Ok(a.len().cmp(&b.len()))
            }
            _ => Err(format!(
                "'<' not supported between instances of '{}' and '{}'",
                self.py_type_name(),
                other.py_type_name()
            )),
        }
    }

    /// Python's `str(x)` of the value, as jmespath.py's messages print it.
    pub(crate) fn py_str(&self) -> String {
        match self {
            Val::Str(s) => s.clone(),
            other => other.py_repr(),
        }
    }

    /// Python's `repr(x)`.
    pub(crate) fn py_repr(&self) -> String {
        let mut out = String::new();
        self.write_repr(&mut out);
        out
    }

    fn write_repr(&self, out: &mut String) {
        match self {
            Val::Null => out.push_str("None"),
            Val::Bool(true) => out.push_str("True"),
            Val::Bool(false) => out.push_str("False"),
            Val::Int(i) => {
                let _ = write!(out, "{i}");
            }
            Val::Float(f) => out.push_str(&python_float_repr(*f)),
            Val::Str(s) => out.push_str(&python_str_repr(s)),
            Val::List(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    item.write_repr(out);
                }
                out.push(']');
            }
            Val::Dict(map) => {
                out.push('{');
                for (i, (k, v)) in map.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    out.push_str(&python_str_repr(k));
                    out.push_str(": ");
                    v.write_repr(out);
                }
                out.push('}');
            }
            Val::Expref(_) => out.push_str("<jmespath.visitor._Expression object>"),
        }
    }

    /// Python's `json.dumps(x, separators=(',', ':'), default=str)` (ASCII only, as Python's
    /// default `ensure_ascii`): what `to_string` returns for a non-string.
    pub(crate) fn json_dumps(&self) -> String {
        let mut out = String::new();
        self.write_json(&mut out);
        out
    }

    fn write_json(&self, out: &mut String) {
        match self {
            Val::Null => out.push_str("null"),
            Val::Bool(true) => out.push_str("true"),
            Val::Bool(false) => out.push_str("false"),
            Val::Int(i) => {
                let _ = write!(out, "{i}");
            }
            Val::Float(f) if f.is_nan() => out.push_str("NaN"),
            Val::Float(f) if f.is_infinite() => {
                out.push_str(if *f > 0.0 { "Infinity" } else { "-Infinity" })
            }
            Val::Float(f) => out.push_str(&python_float_repr(*f)),
            Val::Str(s) => write_json_string(s, out),
            Val::List(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write_json(out);
                }
                out.push(']');
            }
            Val::Dict(map) => {
                out.push('{');
                for (i, (k, v)) in map.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_json_string(k, out);
                    out.push(':');
                    v.write_json(out);
                }
                out.push('}');
            }
            // `default=str`: the object's str(), as a JSON string.
            Val::Expref(_) => write_json_string(&self.py_repr(), out),
        }
    }
}

/// A JSON string as Python's `json.dumps` writes it with `ensure_ascii=True`.
fn write_json_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(c),
            _ => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
        }
    }
    out.push('"');
}

/// Python's `repr(str)` (codetags-parse's, with CPython's printable set).
fn python_str_repr(s: &str) -> String {
    codetags_parse::dumps::python_repr(s)
}

/// Python's `repr(float)`: the shortest round-tripping digits, in positional notation for
/// exponents from -4 to 15 and in scientific notation (`1e+16`, `1.5e-05`) otherwise.
pub(crate) fn python_float_repr(f: f64) -> String {
    if f.is_nan() {
        return "nan".to_owned();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf" } else { "-inf" }.to_owned();
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0.0" } else { "0.0" }.to_owned();
    }
    // `{:e}` gives the shortest round-tripping digits: `-1.2345e-7`.
    let sci = format!("{f:e}");
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    if (-4..16).contains(&exponent) {
        let point = exponent + 1; // digits before the decimal point
        let text = if point <= 0 {
            format!("0.{}{digits}", "0".repeat(point.unsigned_abs() as usize))
        } else if point as usize >= digits.len() {
            format!("{digits}{}.0", "0".repeat(point as usize - digits.len()))
        } else {
            let (int, frac) = digits.split_at(point as usize);
            format!("{int}.{frac}")
        };
        format!("{sign}{text}")
    } else {
        let (first, rest) = digits.split_at(1);
        let mantissa = if rest.is_empty() {
            first.to_owned()
        } else {
            format!("{first}.{rest}")
        };
        let exp_sign = if exponent < 0 { '-' } else { '+' };
        format!("{sign}{mantissa}e{exp_sign}{:02}", exponent.unsigned_abs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_as_python_prints_them() {
        for (value, python) in [
            (1.5, "1.5"),
            (2.0, "2.0"),
            (1e16, "1e+16"),
            (1.5e-5, "1.5e-05"),
            (0.0001, "0.0001"),
            (123456789012345.6, "123456789012345.6"),
            (-0.25, "-0.25"),
            (1e22, "1e+22"),
            (0.1 + 0.2, "0.30000000000000004"),
        ] {
            assert_eq!(python_float_repr(value), python, "{value}");
        }
    }

    #[test]
    fn python_equality_and_jmespaths_exception_for_booleans() {
        assert!(Val::Int(1).py_eq(&Val::Float(1.0)));
        assert!(Val::Int(1).py_eq(&Val::Bool(true)));
        assert!(!Val::Int(1).jmespath_equals(&Val::Bool(true)));
        assert!(Val::Int(2).jmespath_equals(&Val::Float(2.0)));
        assert!(!Val::Str("1".into()).py_eq(&Val::Int(1)));
        let a = Val::Dict(vec![("x".into(), Val::Int(1)), ("y".into(), Val::Null)]);
        let b = Val::Dict(vec![("y".into(), Val::Null), ("x".into(), Val::Float(1.0))]);
        assert!(a.py_eq(&b));
    }

    #[test]
    fn strings_order_by_code_point_and_mixed_types_are_a_type_error() {
        let a = Val::Str("2024-11-30".into());
        let b = Val::Str("2025-01-01".into());
        assert_eq!(a.py_cmp(&b), Ok(Ordering::Less));
        assert_eq!(
            Val::Str("é".into()).py_cmp(&Val::Str("z".into())),
            Ok(Ordering::Greater)
        );
        let err = Val::Str("a".into()).py_cmp(&Val::Int(1)).unwrap_err();
        assert_eq!(
            err,
            "'<' not supported between instances of 'str' and 'int'"
        );
    }

    #[test]
    fn json_dumps_is_pythons_compact_ascii_form() {
        let v = Val::Dict(vec![
            (
                "k".into(),
                Val::List(vec![Val::Int(1), Val::Float(2.5), Val::Null]),
            ),
            ("é".into(), Val::Str("\u{1f600}\"".into())),
        ]);
        assert_eq!(
            v.json_dumps(),
            r#"{"k":[1,2.5,null],"\u00e9":"\ud83d\ude00\""}"#
        );
        assert_eq!(Val::Str("it's".into()).py_repr(), "\"it's\"");
        assert_eq!(
            Val::List(vec![Val::Str("a".into()), Val::Bool(true)]).py_repr(),
            "['a', True]"
        );
    }
}
