//! The filter's syntax tree, converted once from the `jmespath` crate's: the crate parses,
//! `eval` evaluates.

use jmespath::ast::{Ast, Comparator};

/// A node of a compiled filter.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// `@`.
    Identity,
    /// A key of an object.
    Field(String),
    /// `[n]`, negative from the end.
    Index(i64),
    /// `[start:stop:step]`.
    Slice(Option<i64>, Option<i64>, i64),
    /// A literal: backtick JSON or a raw `'string'`.
    Literal(serde_json::Value),
    /// `lhs.rhs`, `lhs | rhs`, `lhs[n]`.
    Subexpr(Box<Node>, Box<Node>),
    /// `lhs[*].rhs`, `lhs[].rhs`, `lhs.*.rhs` and filters: `rhs` over each element of `lhs`.
    Projection(Box<Node>, Box<Node>),
    /// The values of an object (`*`).
    ObjectValues(Box<Node>),
    /// `[]`.
    Flatten(Box<Node>),
    /// `[?predicate]`: `then` when the predicate holds, else `null`.
    Condition(Box<Node>, Box<Node>),
    /// A comparison.
    Compare(Cmp, Box<Node>, Box<Node>),
    /// `a || b`.
    Or(Box<Node>, Box<Node>),
    /// `a && b`.
    And(Box<Node>, Box<Node>),
    /// `!a`.
    Not(Box<Node>),
    /// `[a, b]`.
    MultiList(Vec<Node>),
    /// `{k: a}`.
    MultiHash(Vec<(String, Node)>),
    /// `&expr`.
    Expref(Box<Node>),
    /// `name(args…)`.
    Function(String, Vec<Node>),
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl Node {
    /// Converts the crate's syntax tree.
    pub(crate) fn from_ast(ast: &Ast) -> Node {
        let boxed = |a: &Ast| Box::new(Node::from_ast(a));
        match ast {
            Ast::Identity { .. } => Node::Identity,
            Ast::Field { name, .. } => Node::Field(name.clone()),
            Ast::Index { idx, .. } => Node::Index(i64::from(*idx)),
            Ast::Slice {
                start, stop, step, ..
            } => Node::Slice(start.map(i64::from), stop.map(i64::from), i64::from(*step)),
            Ast::Literal { value, .. } => {
                Node::Literal(serde_json::to_value(&**value).unwrap_or(serde_json::Value::Null))
            }
            Ast::Subexpr { lhs, rhs, .. } => Node::Subexpr(boxed(lhs), boxed(rhs)),
            Ast::Projection { lhs, rhs, .. } => Node::Projection(boxed(lhs), boxed(rhs)),
            Ast::ObjectValues { node, .. } => Node::ObjectValues(boxed(node)),
            Ast::Flatten { node, .. } => Node::Flatten(boxed(node)),
            Ast::Condition {
                predicate, then, ..
            } => Node::Condition(boxed(predicate), boxed(then)),
            Ast::Comparison {
                comparator,
                lhs,
                rhs,
                ..
            } => {
                let cmp = match comparator {
                    Comparator::Equal => Cmp::Eq,
                    Comparator::NotEqual => Cmp::Ne,
                    Comparator::LessThan => Cmp::Lt,
                    Comparator::LessThanEqual => Cmp::Le,
                    Comparator::GreaterThan => Cmp::Gt,
                    Comparator::GreaterThanEqual => Cmp::Ge,
                };
                Node::Compare(cmp, boxed(lhs), boxed(rhs))
            }
            Ast::Or { lhs, rhs, .. } => Node::Or(boxed(lhs), boxed(rhs)),
            Ast::And { lhs, rhs, .. } => Node::And(boxed(lhs), boxed(rhs)),
            Ast::Not { node, .. } => Node::Not(boxed(node)),
            Ast::MultiList { elements, .. } => {
                Node::MultiList(elements.iter().map(Node::from_ast).collect())
            }
            Ast::MultiHash { elements, .. } => Node::MultiHash(
                elements
                    .iter()
                    .map(|kv| (kv.key.clone(), Node::from_ast(&kv.value)))
                    .collect(),
            ),
            Ast::Expref { ast, .. } => Node::Expref(boxed(ast)),
            Ast::Function { name, args, .. } => {
                Node::Function(name.clone(), args.iter().map(Node::from_ast).collect())
            }
        }
    }
}
