//! A filter's evaluation with jmespath.py 1.1.0's `TreeInterpreter` semantics.
//!
//! Where that interpreter and the JMESPath specification (which the crate's own interpreter
//! follows) part, this one does what Python does: `<`, `<=`, `>`, `>=` order strings too (a
//! string against a number is Python's `TypeError`); a subexpression goes on with `null` rather
//! than stopping (`a.length(@)` on a missing `a` is a type error, not `null`); multi-selects of
//! `null` are `null`; and function arguments are checked by Python's type names.

use super::ast::{Cmp, Node};
use super::functions;
use super::value::Val;

/// Evaluates `node` against `value`.
///
/// # Errors
/// What jmespath.py raises at run time (unknown function, arity, argument type, a slice step
/// of 0, Python's `TypeError` for ordering a string against a number), as its message.
pub(crate) fn eval<'a>(node: &'a Node, value: &Val<'a>) -> Result<Val<'a>, String> {
    match node {
        Node::Identity => Ok(value.clone()),
        Node::Field(name) => Ok(match value {
            Val::Dict(map) => map
                .iter()
                .find(|(k, _)| k == name)
                .map_or(Val::Null, |(_, v)| v.clone()),
            _ => Val::Null,
        }),
        Node::Index(index) => Ok(match value {
            Val::List(items) => {
                let len = items.len() as i64;
                let at = if *index < 0 { len + index } else { *index };
                if (0..len).contains(&at) {
                    items[at as usize].clone()
                } else {
                    Val::Null
                }
            }
            _ => Val::Null,
        }),
        Node::Slice(start, stop, step) => match value {
            Val::List(items) => {
                if *step == 0 {
                    return Err("slice step cannot be zero".to_owned());
                }
                Ok(Val::List(python_slice(items, *start, *stop, *step)))
            }
            _ => Ok(Val::Null),
        },
        Node::Literal(json) => Ok(Val::from_json(json)),
        Node::Subexpr(lhs, rhs) => {
            let left = eval(lhs, value)?;
            eval(rhs, &left)
        }
        Node::Projection(lhs, rhs) => {
            let Val::List(items) = eval(lhs, value)? else {
                return Ok(Val::Null);
            };
            let mut collected = Vec::with_capacity(items.len());
            for item in &items {
                let current = eval(rhs, item)?;
                if !matches!(current, Val::Null) {
                    collected.push(current);
                }
            }
            Ok(Val::List(collected))
        }
        Node::ObjectValues(node) => Ok(match eval(node, value)? {
            Val::Dict(map) => Val::List(map.into_iter().map(|(_, v)| v).collect()),
            _ => Val::Null,
        }),
        Node::Flatten(node) => Ok(match eval(node, value)? {
            Val::List(items) => {
                let mut merged = Vec::with_capacity(items.len());
                for item in items {
                    match item {
                        Val::List(inner) => merged.extend(inner),
                        other => merged.push(other),
                    }
                }
                Val::List(merged)
            }
            _ => Val::Null,
        }),
        Node::Condition(predicate, then) => {
            if eval(predicate, value)?.is_jmespath_false() {
                Ok(Val::Null)
            } else {
                eval(then, value)
            }
        }
        Node::Compare(cmp, lhs, rhs) => {
            let left = eval(lhs, value)?;
            let right = eval(rhs, value)?;
            compare(*cmp, &left, &right)
        }
        Node::Or(lhs, rhs) => {
            let left = eval(lhs, value)?;
            if left.is_jmespath_false() {
                eval(rhs, value)
            } else {
                Ok(left)
            }
        }
        Node::And(lhs, rhs) => {
            let left = eval(lhs, value)?;
            if left.is_jmespath_false() {
                Ok(left)
            } else {
                eval(rhs, value)
            }
        }
        Node::Not(node) => {
            let inner = eval(node, value)?;
            // jmespath.py: `!0` is false (0 is not falsy in JMESPath), else Python's `not`.
            if inner.is_number() && inner.py_eq(&Val::Int(0)) {
                Ok(Val::Bool(false))
            } else {
                Ok(Val::Bool(!inner.py_bool()))
            }
        }
        Node::MultiList(elements) => {
            if matches!(value, Val::Null) {
                return Ok(Val::Null);
            }
            elements
                .iter()
                .map(|e| eval(e, value))
                .collect::<Result<_, _>>()
                .map(Val::List)
        }
        Node::MultiHash(pairs) => {
            if matches!(value, Val::Null) {
                return Ok(Val::Null);
            }
            let mut map: Vec<(String, Val<'a>)> = Vec::with_capacity(pairs.len());
            for (key, node) in pairs {
                let v = eval(node, value)?;
                match map.iter_mut().find(|(k, _)| k == key) {
                    Some(slot) => slot.1 = v,
                    None => map.push((key.clone(), v)),
                }
            }
            Ok(Val::Dict(map))
        }
        Node::Expref(node) => Ok(Val::Expref(node)),
        Node::Function(name, args) => {
            let resolved = args
                .iter()
                .map(|a| eval(a, value))
                .collect::<Result<Vec<_>, _>>()?;
            functions::call(name, resolved, &eval)
        }
    }
}

fn compare<'a>(cmp: Cmp, left: &Val<'a>, right: &Val<'a>) -> Result<Val<'a>, String> {
    let ordering = match cmp {
        Cmp::Eq => return Ok(Val::Bool(left.jmespath_equals(right))),
        Cmp::Ne => return Ok(Val::Bool(!left.jmespath_equals(right))),
        _ => {
            let comparable = |v: &Val<'_>| v.is_number() || matches!(v, Val::Str(_));
            if !(comparable(left) && comparable(right)) {
                return Ok(Val::Null);
            }
            let symbol = match cmp {
                Cmp::Lt => "<",
                Cmp::Le => "<=",
                Cmp::Gt => ">",
                _ => ">=",
            };
            left.py_cmp(right)
                .map_err(|e| e.replacen("'<'", &format!("'{symbol}'"), 1))?
        }
    };
    let holds = match cmp {
        Cmp::Lt => ordering.is_lt(),
        Cmp::Le => ordering.is_le(),
        Cmp::Gt => ordering.is_gt(),
        _ => ordering.is_ge(),
    };
    Ok(Val::Bool(holds))
}

/// Python's `items[start:stop:step]` (`step` is not 0).
fn python_slice<'a>(
    items: &[Val<'a>],
    start: Option<i64>,
    stop: Option<i64>,
    step: i64,
) -> Vec<Val<'a>> {
    let len = items.len() as i64;
    let clamp = |bound: Option<i64>, default: i64, low: i64, high: i64| match bound {
        None => default,
        Some(b) if b < 0 => (b + len).max(low),
        Some(b) => b.min(high),
    };
    let mut out = Vec::new();
    if step > 0 {
        let (mut i, end) = (clamp(start, 0, 0, len), clamp(stop, len, 0, len));
        while i < end {
            out.push(items[i as usize].clone());
            i += step;
        }
    } else {
        let (mut i, end) = (
            clamp(start, len - 1, -1, len - 1),
            clamp(stop, -1, -1, len - 1),
        );
        while i > end {
            out.push(items[i as usize].clone());
            i += step;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ints(values: &[i128]) -> Vec<Val<'static>> {
        values.iter().map(|v| Val::Int(*v)).collect()
    }

    fn as_ints(values: &[Val<'_>]) -> Vec<i128> {
        values
            .iter()
            .map(|v| match v {
                Val::Int(i) => *i,
                _ => unreachable!(),
            })
            .collect()
    }

    #[test]
    fn slices_follow_python() {
        let items = ints(&[0, 1, 2, 3, 4]);
        type Case = (Option<i64>, Option<i64>, i64, &'static [i128]);
        let cases: [Case; 7] = [
            (None, None, 1, &[0, 1, 2, 3, 4]),
            (None, None, -1, &[4, 3, 2, 1, 0]),
            (Some(1), Some(-1), 1, &[1, 2, 3]),
            (Some(-2), None, 1, &[3, 4]),
            (Some(10), None, -2, &[4, 2, 0]),
            (Some(-10), Some(2), 1, &[0, 1]),
            (Some(3), Some(-10), -1, &[3, 2, 1, 0]),
        ];
        for (start, stop, step, want) in cases {
            assert_eq!(
                as_ints(&python_slice(&items, start, stop, step)),
                want,
                "{start:?}:{stop:?}:{step}"
            );
        }
    }
}
