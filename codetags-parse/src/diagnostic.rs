//! Problems found while parsing one source text. They never abort a scan: a caller adds the path
//! and reports them as `path:line:col: message`.

use serde::{Deserialize, Serialize};
use std::fmt;

/// What kind of problem a [`Diagnostic`] reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DiagnosticKind {
    /// The bytes could not be decoded as Python source text.
    Decode,
    /// The text could not be tokenized (for example an unterminated triple-quoted string).
    Tokenize,
    /// A code tag was recognised but its metadata is malformed; the tag is dropped.
    MalformedTag,
}

/// One problem, with a 0-based line and 0-based column (in characters) of the decoded text.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Diagnostic {
    pub kind: DiagnosticKind,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl Diagnostic {
    pub fn new(
        kind: DiagnosticKind,
        line: usize,
        column: usize,
        message: impl Into<String>,
    ) -> Self {
        Self {
            kind,
            line,
            column,
            message: message.into(),
        }
    }
}

/// Displays as `line:col: message` with 1-based line and column, the way editors and compilers
/// print positions; prefix the path to get a clickable location.
impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line + 1, self.column + 1, self.message)
    }
}
