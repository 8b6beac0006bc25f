//! Pure parsing for codetags: Python source decoding, comment finding with CPython's tokenizer
//! semantics, and the PEP 350 / TDG / folk code-tag grammars. Input is bytes; there is no I/O.
//!
//! The pipeline is `bytes → source::decode → comments::comment_blocks → grammar → Tag`.

pub mod diagnostic;

pub use diagnostic::{Diagnostic, DiagnosticKind};
