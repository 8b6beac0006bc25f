//! jmespath.py 1.1.0's built-in functions, with its argument checks (by Python type name, so a
//! boolean is never a number) and its error messages.

use super::ast::Node;
use super::value::Val;
use std::cmp::Ordering;

/// What an argument may be: jmespath.py's signature types.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ty {
    Number,
    String,
    Array,
    Object,
    Expref,
    ArrayNumber,
    ArrayString,
}

impl Ty {
    fn name(self) -> &'static str {
        match self {
            Ty::Number => "number",
            Ty::String => "string",
            Ty::Array => "array",
            Ty::Object => "object",
            Ty::Expref => "expref",
            Ty::ArrayNumber => "array-number",
            Ty::ArrayString => "array-string",
        }
    }

    /// The top-level type this signature type admits (`array-number` is an array).
    fn admits(self, value: &Val<'_>) -> bool {
        match self {
            Ty::Number => value.is_number(),
            Ty::String => matches!(value, Val::Str(_)),
            Ty::Array | Ty::ArrayNumber | Ty::ArrayString => matches!(value, Val::List(_)),
            Ty::Object => matches!(value, Val::Dict(_)),
            Ty::Expref => matches!(value, Val::Expref(_)),
        }
    }

    fn element_admits(self, value: &Val<'_>) -> bool {
        match self {
            Ty::ArrayNumber => value.is_number(),
            Ty::ArrayString => matches!(value, Val::Str(_)),
            _ => true,
        }
    }

    fn is_subtyped(self) -> bool {
        matches!(self, Ty::ArrayNumber | Ty::ArrayString)
    }
}

/// One argument's allowed types (empty: anything).
type Arg = &'static [Ty];

/// A function's signature: its arguments, and whether the last may repeat.
struct Signature {
    args: &'static [Arg],
    variadic: bool,
}

const ANY: Arg = &[];

fn signature(name: &str) -> Option<Signature> {
    use Ty::*;
    let fixed = |args: &'static [Arg]| {
        Some(Signature {
            args,
            variadic: false,
        })
    };
    match name {
        "abs" | "ceil" | "floor" => fixed(&[&[Number]]),
        "avg" | "sum" => fixed(&[&[ArrayNumber]]),
        "not_null" => Some(Signature {
            args: &[ANY],
            variadic: true,
        }),
        "to_array" | "to_string" | "to_number" | "type" => fixed(&[ANY]),
        "contains" => fixed(&[&[Array, String], ANY]),
        "length" => fixed(&[&[String, Array, Object]]),
        "ends_with" | "starts_with" => fixed(&[&[String], &[String]]),
        "reverse" => fixed(&[&[Array, String]]),
        "join" => fixed(&[&[String], &[ArrayString]]),
        "map" => fixed(&[&[Expref], &[Array]]),
        "max" | "min" => fixed(&[&[ArrayNumber, ArrayString]]),
        "sort" => fixed(&[&[ArrayString, ArrayNumber]]),
        "merge" => Some(Signature {
            args: &[&[Object]],
            variadic: true,
        }),
        "keys" | "values" => fixed(&[&[Object]]),
        "sort_by" | "min_by" | "max_by" => fixed(&[&[Array], &[Expref]]),
        _ => None,
    }
}

/// jmespath.py's `JMESPathTypeError` message.
fn type_error(function: &str, value: &Val<'_>, actual: &str, expected: &[&str]) -> String {
    let expected: Vec<String> = expected.iter().map(|t| format!("'{t}'")).collect();
    format!(
        "In function {function}(), invalid type for value: {}, expected one of: [{}], received: \"{actual}\"",
        value.py_str(),
        expected.join(", ")
    )
}

fn plural(count: usize) -> &'static str {
    if count == 1 { "argument" } else { "arguments" }
}

/// Checks `args` against `name`'s signature as jmespath.py's `_validate_arguments` does.
fn validate(name: &str, sig: &Signature, args: &[Val<'_>]) -> Result<(), String> {
    let expected = sig.args.len();
    if sig.variadic {
        if args.len() < expected {
            return Err(format!(
                "Expected at least {expected} {} for function {name}(), received {}",
                plural(expected),
                args.len()
            ));
        }
    } else if args.len() != expected {
        return Err(format!(
            "Expected {expected} {} for function {name}(), received {}",
            plural(expected),
            args.len()
        ));
    }
    // Only the declared positions are checked (a variadic tail is not), as in jmespath.py.
    for (allowed, value) in sig.args.iter().zip(args) {
        if allowed.is_empty() {
            continue;
        }
        let names: Vec<&str> = allowed.iter().map(|t| t.name()).collect();
        if !allowed.iter().any(|t| t.admits(value)) {
            return Err(type_error(name, value, value.type_name(), &names));
        }
        let subtypes: Vec<Ty> = allowed
            .iter()
            .copied()
            .filter(|t| t.is_subtyped())
            .collect();
        let Val::List(items) = value else { continue };
        match subtypes.as_slice() {
            [] => {}
            [only] => {
                if let Some(bad) = items.iter().find(|v| !only.element_admits(v)) {
                    return Err(type_error(name, bad, bad.py_type_name(), &names));
                }
            }
            several => {
                let Some(first) = items.first() else { continue };
                let Some(chosen) = several.iter().find(|t| t.element_admits(first)) else {
                    return Err(type_error(name, first, first.py_type_name(), &names));
                };
                if let Some(bad) = items.iter().find(|v| !chosen.element_admits(v)) {
                    return Err(type_error(name, bad, bad.py_type_name(), &names));
                }
            }
        }
    }
    Ok(())
}

/// How an expression reference is evaluated (the evaluator's own `eval`, passed down so this
/// module needs nothing above it).
pub(crate) type Eval<'e, 'a> = &'e dyn Fn(&'a Node, &Val<'a>) -> Result<Val<'a>, String>;

/// Calls the built-in `name` with evaluated arguments.
pub(crate) fn call<'a>(
    name: &str,
    args: Vec<Val<'a>>,
    eval: Eval<'_, 'a>,
) -> Result<Val<'a>, String> {
    let sig = signature(name).ok_or_else(|| format!("Unknown function: {name}()"))?;
    validate(name, &sig, &args)?;
    match name {
        "not_null" => {
            return Ok(args
                .into_iter()
                .find(|v| !matches!(v, Val::Null))
                .unwrap_or(Val::Null));
        }
        "merge" => {
            let mut merged: Vec<(String, Val<'a>)> = Vec::new();
            for object in args {
                for (k, v) in update_pairs(object)? {
                    match merged.iter_mut().find(|(key, _)| *key == k) {
                        Some(slot) => slot.1 = v,
                        None => merged.push((k, v)),
                    }
                }
            }
            return Ok(Val::Dict(merged));
        }
        _ => {}
    }
    let mut args = args.into_iter();
    let mut next = || args.next().unwrap_or(Val::Null);
    let result = match name {
        "abs" => match next() {
            Val::Int(i) => Val::Int(i.abs()),
            Val::Float(f) => Val::Float(f.abs()),
            other => other,
        },
        "ceil" | "floor" => match next() {
            Val::Float(f) if f.is_finite() => {
                let rounded = if name == "ceil" { f.ceil() } else { f.floor() };
                Val::Int(rounded as i128)
            }
            Val::Float(_) => {
                return Err("cannot convert float infinity or NaN to integer".to_owned());
            }
            other => other,
        },
        "avg" => {
            let items = list(next());
            if items.is_empty() {
                Val::Null
            } else {
                let len = items.len() as f64;
                Val::Float(to_f64(&sum(items)) / len)
            }
        }
        "sum" => sum(list(next())),
        "to_array" => match next() {
            Val::List(items) => Val::List(items),
            other => Val::List(vec![other]),
        },
        "to_string" => match next() {
            Val::Str(s) => Val::Str(s),
            other => Val::Str(other.json_dumps()),
        },
        "to_number" => match next() {
            v @ (Val::Int(_) | Val::Float(_)) => v,
            Val::Str(s) => python_number(&s),
            _ => Val::Null,
        },
        "type" => Val::Str(next().type_name().to_owned()),
        "contains" => {
            let subject = next();
            let search = next();
            match subject {
                Val::Str(s) => match search {
                    Val::Str(needle) => Val::Bool(s.contains(needle.as_str())),
                    other => {
                        return Err(format!(
                            "'in <string>' requires string as left operand, not {}",
                            other.py_type_name()
                        ));
                    }
                },
                Val::List(items) => Val::Bool(items.iter().any(|v| v.py_eq(&search))),
                _ => Val::Bool(false),
            }
        }
        "length" => match next() {
            Val::Str(s) => Val::Int(s.chars().count() as i128),
            Val::List(items) => Val::Int(items.len() as i128),
            Val::Dict(map) => Val::Int(map.len() as i128),
            _ => Val::Null,
        },
        "starts_with" | "ends_with" => {
            let subject = text(next());
            let affix = text(next());
            Val::Bool(if name == "starts_with" {
                subject.starts_with(affix.as_str())
            } else {
                subject.ends_with(affix.as_str())
            })
        }
        "reverse" => match next() {
            Val::Str(s) => Val::Str(s.chars().rev().collect()),
            Val::List(mut items) => {
                items.reverse();
                Val::List(items)
            }
            other => other,
        },
        "join" => {
            let separator = text(next());
            let parts: Vec<String> = list(next()).into_iter().map(text).collect();
            Val::Str(parts.join(&separator))
        }
        "map" => {
            let Val::Expref(node) = next() else {
                return Ok(Val::Null);
            };
            let items = list(next());
            let mut out = Vec::with_capacity(items.len());
            for item in &items {
                out.push(eval(node, item)?);
            }
            Val::List(out)
        }
        "max" | "min" => {
            let items = list(next());
            let mut best: Option<Val<'a>> = None;
            for item in items {
                best = Some(match best {
                    None => item,
                    Some(current) => {
                        let ordering = item.py_cmp(&current)?;
                        let better = if name == "max" {
                            ordering == Ordering::Greater
                        } else {
                            ordering == Ordering::Less
                        };
                        if better { item } else { current }
                    }
                });
            }
            best.unwrap_or(Val::Null)
        }
        "sort" => Val::List(sorted(list(next()), |v| Ok(v.clone()))?),
        "keys" => match next() {
            Val::Dict(map) => Val::List(map.into_iter().map(|(k, _)| Val::Str(k)).collect()),
            _ => Val::Null,
        },
        "values" => match next() {
            Val::Dict(map) => Val::List(map.into_iter().map(|(_, v)| v).collect()),
            _ => Val::Null,
        },
        "sort_by" => {
            let items = list(next());
            let Val::Expref(node) = next() else {
                return Ok(Val::Null);
            };
            let Some(first) = items.first() else {
                return Ok(Val::List(items));
            };
            let required = eval(node, first)?.type_name();
            if required != "number" && required != "string" {
                return Err(type_error(
                    "sort_by",
                    first,
                    required,
                    &["string", "number"],
                ));
            }
            let key = |v: &Val<'a>| {
                let k = eval(node, v)?;
                if k.type_name() == required {
                    Ok(k)
                } else {
                    Err(type_error("sort_by", &k, k.type_name(), &[required]))
                }
            };
            Val::List(sorted(items, key)?)
        }
        "min_by" | "max_by" => {
            let items = list(next());
            let Val::Expref(node) = next() else {
                return Ok(Val::Null);
            };
            let key = |v: &Val<'a>| {
                let k = eval(node, v)?;
                if matches!(k.type_name(), "number" | "string") {
                    Ok(k)
                } else {
                    Err(type_error(name, &k, k.type_name(), &["number", "string"]))
                }
            };
            let mut best: Option<(Val<'a>, Val<'a>)> = None;
            for item in items {
                let k = key(&item)?;
                best = Some(match best {
                    None => (item, k),
                    Some((current, current_key)) => {
                        let ordering = k.py_cmp(&current_key)?;
                        let better = if name == "max_by" {
                            ordering == Ordering::Greater
                        } else {
                            ordering == Ordering::Less
                        };
                        if better {
                            (item, k)
                        } else {
                            (current, current_key)
                        }
                    }
                });
            }
            best.map_or(Val::Null, |(item, _)| item)
        }
        _ => return Err(format!("Unknown function: {name}()")),
    };
    Ok(result)
}

/// What Python's `dict.update(value)` adds: an object's items, or a list's `[key, value]`
/// pairs; anything else is Python's error.
fn update_pairs(value: Val<'_>) -> Result<Vec<(String, Val<'_>)>, String> {
    let items = match value {
        Val::Dict(map) => return Ok(map),
        Val::List(items) => items,
        Val::Str(s) if s.is_empty() => return Ok(Vec::new()),
        Val::Str(_) => {
            return Err(
                "dictionary update sequence element #0 has length 1; 2 is required".to_owned(),
            );
        }
        other => return Err(format!("'{}' object is not iterable", other.py_type_name())),
    };
    let mut pairs = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        let parts: Vec<Val<'_>> = match item {
            Val::List(parts) => parts,
            Val::Str(s) => s.chars().map(|c| Val::Str(c.to_string())).collect(),
            Val::Dict(map) => map.into_iter().map(|(k, _)| Val::Str(k)).collect(),
            _ => {
                return Err(format!(
                    "cannot convert dictionary update sequence element #{i} to a sequence"
                ));
            }
        };
        if parts.len() != 2 {
            return Err(format!(
                "dictionary update sequence element #{i} has length {}; 2 is required",
                parts.len()
            ));
        }
        let mut parts = parts.into_iter();
        match (parts.next(), parts.next()) {
            (Some(Val::Str(key)), Some(value)) => pairs.push((key, value)),
            // A key that is not a string: a JSON object cannot hold it.
            _ => return Err("merge(): a key that is not a string".to_owned()),
        }
    }
    Ok(pairs)
}

fn list(value: Val<'_>) -> Vec<Val<'_>> {
    match value {
        Val::List(items) => items,
        _ => Vec::new(),
    }
}

fn text(value: Val<'_>) -> String {
    match value {
        Val::Str(s) => s,
        _ => String::new(),
    }
}

fn to_f64(value: &Val<'_>) -> f64 {
    match value {
        Val::Int(i) => *i as f64,
        Val::Float(f) => *f,
        _ => 0.0,
    }
}

/// Python's `sum`: an int while every item is one, a float from the first float on.
fn sum(items: Vec<Val<'_>>) -> Val<'_> {
    let mut total = Val::Int(0);
    for item in items {
        total = match (total, item) {
            (Val::Int(a), Val::Int(b)) => a
                .checked_add(b)
                .map_or(Val::Float(a as f64 + b as f64), Val::Int),
            (a, b) => Val::Float(to_f64(&a) + to_f64(&b)),
        };
    }
    total
}

/// Python's `sorted(items, key=key)`: stable, by Python's `<` on the keys.
fn sorted<'a>(
    items: Vec<Val<'a>>,
    key: impl Fn(&Val<'a>) -> Result<Val<'a>, String>,
) -> Result<Vec<Val<'a>>, String> {
    let mut keyed: Vec<(Val<'a>, Val<'a>)> = Vec::with_capacity(items.len());
    for item in items {
        keyed.push((key(&item)?, item));
    }
    let mut error = None;
    keyed.sort_by(|a, b| match a.0.py_cmp(&b.0) {
        Ok(ordering) => ordering,
        Err(e) => {
            error.get_or_insert(e);
            Ordering::Equal
        }
    });
    match error {
        Some(e) => Err(e),
        None => Ok(keyed.into_iter().map(|(_, item)| item).collect()),
    }
}

/// `to_number` of a string: Python's `int(s)`, else `float(s)`, else `null`.
fn python_number(text: &str) -> Val<'static> {
    let trimmed = text.trim();
    let plain = without_digit_underscores(trimmed);
    if let Some(plain) = &plain {
        if let Ok(i) = plain.parse::<i128>() {
            return Val::Int(i);
        }
        let lower = plain.to_ascii_lowercase();
        let word = lower.trim_start_matches(['+', '-']);
        let is_word = matches!(word, "inf" | "infinity" | "nan");
        let is_decimal = !word.is_empty()
            && word
                .chars()
                .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | '+' | '-'));
        if (is_word || is_decimal)
            && let Ok(f) = plain.parse::<f64>()
        {
            return Val::Float(f);
        }
    }
    Val::Null
}

/// Python's numeric literals in `int()`/`float()` allow one `_` between two digits; returns
/// the text without them, or `None` when an underscore is misplaced.
fn without_digit_underscores(text: &str) -> Option<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    for (i, c) in chars.iter().enumerate() {
        if *c == '_' {
            let before = i > 0 && chars[i - 1].is_ascii_digit();
            let after = chars.get(i + 1).is_some_and(char::is_ascii_digit);
            if !(before && after) {
                return None;
            }
            continue;
        }
        out.push(*c);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn to_number_reads_strings_as_python_int_then_float() {
        let cases = [
            (" 42 ", "42"),
            ("1_000", "1000"),
            ("-7", "-7"),
            ("1.5", "1.5"),
            ("1e3", "1000.0"),
            ("abc", "None"),
            ("1__0", "None"),
            ("", "None"),
        ];
        for (input, want) in cases {
            assert_eq!(python_number(input).py_repr(), want, "{input:?}");
        }
    }

    fn no_eval<'a>(_: &'a Node, _: &Val<'a>) -> Result<Val<'a>, String> {
        unreachable!("no expression reference here")
    }

    #[test]
    fn arity_and_type_errors_use_jmespath_py_messages() {
        let err = call("contains", vec![Val::Str("a".into())], &no_eval).unwrap_err();
        assert_eq!(
            err,
            "Expected 2 arguments for function contains(), received 1"
        );
        let err = call("length", vec![Val::Null], &no_eval).unwrap_err();
        assert_eq!(
            err,
            "In function length(), invalid type for value: None, expected one of: ['string', 'array', 'object'], received: \"null\""
        );
        let err = call("nope", vec![], &no_eval).unwrap_err();
        assert_eq!(err, "Unknown function: nope()");
        // Booleans are not numbers for jmespath.py's type check.
        assert!(call("abs", vec![Val::Bool(true)], &no_eval).is_err());
    }
}
