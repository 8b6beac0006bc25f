//! Pure parsing for codetags: Python source decoding, comment finding with CPython's tokenizer
//! semantics, and the PEP 350 / TDG / folk code-tag grammars. Input is bytes; there is no I/O.
//!
//! The pipeline is `bytes → source::decode → comments::comment_blocks → grammar → Tag`;
//! [`dumps`] writes a `Tag` back as comment text, as pycodetags 0.8.1's serializer does.

pub mod comments;
pub mod diagnostic;
pub mod dumps;
pub mod extract;
pub mod grammar;
pub mod prefilter;
pub mod schema;
pub mod source;
pub mod tag;
/// Python's character classes, shared by the comment finder and the grammars.
mod unicode;

pub use comments::{BlockScan, Comment, CommentBlock, CommentScan, comment_blocks, find_comments};
pub use diagnostic::{Diagnostic, DiagnosticKind};
pub use dumps::{DumpError, dumps, dumps_as};
pub use extract::{
    ExtractOptions, Extraction, FileTags, StreamedExtraction, decode_diagnostic, extract_each,
    extract_tags, extract_tags_from_str, extract_tags_prehashed, extract_with, fill_digests,
    parse_text,
};
pub use grammar::{BlockTags, parse_block, parse_block_each};
pub use prefilter::may_hold_tags;
pub use schema::{Schema, UnknownSchema};
pub use source::{DecodeError, Source, decode, decode_text};
pub use tag::{
    FieldMap, FieldValue, Offsets, PycodetagsRecord, Tag, write_pycodetags_json,
    write_pycodetags_json_parallel, write_pycodetags_record, write_pycodetags_record_with,
};
