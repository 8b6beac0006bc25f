//! GitLab's Code Quality report: a JSON array of issues (the Code Climate subset GitLab reads),
//! shown in merge request widgets and diffs when a job publishes it as
//! `artifacts:reports:codequality`.
//!
//! Each issue has `description` (the message), `check_name` (the rule: for `scan` the tag
//! kind), `fingerprint` (the content fingerprint of [`super::annotation::fingerprints`], so an
//! issue keeps its identity when lines move), `severity` (`major` for an error, `minor` for a
//! warning, `info` for a note) and `location.path` (relative to the source root, which must be
//! the project directory) with `location.lines.begin` (1-based).

use super::annotation::{Annotation, Level, fingerprints};
use super::srcroot::SourceRoot;
use serde_json::{Value, json};
use std::io::{self, Write};

/// The severity GitLab shows for `level`.
pub fn severity(level: Level) -> &'static str {
    match level {
        Level::Error => "major",
        Level::Warning => "minor",
        Level::Note => "info",
    }
}

/// Writes the report: one issue per annotation, in order.
///
/// ```
/// use codetags_cli::report::annotation::{Annotation, Level};
/// use codetags_cli::report::{gitlab::write_gitlab, srcroot::SourceRoot};
/// let found = [Annotation { path: "/proj/app/x.py".into(), line: 7, column: 1, rule_id: "BUG".into(),
///     level: Level::Warning, message: "swallowed error".into(), text: "swallowed error".into() }];
/// let mut out = Vec::new();
/// write_gitlab(&found, &SourceRoot::new("/proj"), &mut out).unwrap();
/// let issues: serde_json::Value = serde_json::from_slice(&out).unwrap();
/// assert_eq!(issues[0]["check_name"], "BUG");
/// assert_eq!(issues[0]["severity"], "minor");
/// assert_eq!(issues[0]["location"]["path"], "app/x.py");
/// assert_eq!(issues[0]["location"]["lines"]["begin"], 7);
/// assert_eq!(issues[0]["fingerprint"].as_str().unwrap().len(), 64);
/// ```
pub fn write_gitlab(
    annotations: &[Annotation],
    root: &SourceRoot,
    out: &mut dyn Write,
) -> io::Result<()> {
    let fingerprints = fingerprints(annotations, root);
    let issues: Vec<Value> = annotations
        .iter()
        .zip(&fingerprints)
        .map(|(a, fingerprint)| {
            json!({
                "description": a.message,
                "check_name": a.rule_id,
                "fingerprint": fingerprint,
                "severity": severity(a.level),
                "location": {
                    "path": root.shown(&a.path),
                    "lines": { "begin": a.line },
                },
            })
        })
        .collect();
    serde_json::to_writer_pretty(&mut *out, &issues)?;
    writeln!(out)
}
