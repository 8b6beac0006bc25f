//! Prints the comments codetags-parse finds in Python files, one JSON object per file and line,
//! in the format of `scripts/tokenize_oracle.py dump`, so the two can be compared with
//! `scripts/tokenize_oracle.py compare`.
//!
//! ```sh
//! cargo run --release -p codetags-parse --example dump_comments -- FILE...   # or "-": paths on stdin
//! ```

use codetags_parse::{decode, find_comments};
use serde_json::{Value, json};
use std::io::{self, BufRead, BufWriter, Write};

fn record(path: &str) -> Value {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(error) => {
            return json!({"path": path, "decode_error": error.to_string(),
                                   "encoding": null, "comments": [], "error": null});
        }
    };
    let source = match decode(&bytes) {
        Ok(source) => source,
        Err(error) => {
            return json!({"path": path, "decode_error": error.message,
                                   "encoding": null, "comments": [], "error": null});
        }
    };
    let scan = find_comments(&source.text);
    let comments: Vec<Value> = scan
        .comments
        .iter()
        .map(|c| json!([c.line, c.column, c.end_column, c.text(&source.text)]))
        .collect();
    let error = scan
        .error
        .map(|e| json!({"line": e.line, "column": e.column, "message": e.message}));
    json!({"path": path, "decode_error": null, "encoding": source.encoding,
           "comments": comments, "error": error})
}

fn main() -> io::Result<()> {
    let mut paths: Vec<String> = std::env::args().skip(1).collect();
    if paths == ["-"] {
        paths = io::stdin().lock().lines().collect::<io::Result<_>>()?;
        paths.retain(|p| !p.trim().is_empty());
    }
    let mut out = BufWriter::new(io::stdout().lock());
    for path in &paths {
        writeln!(out, "{}", record(path))?;
    }
    out.flush()
}
