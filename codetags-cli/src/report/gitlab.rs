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
use serde::Serialize;
use serde::ser::{SerializeSeq, Serializer};
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
    let issues = Issues {
        annotations,
        fingerprints: &fingerprints,
        root,
    };
    serde_json::to_writer_pretty(&mut *out, &issues)?;
    writeln!(out)
}

/// The report, serialised one issue at a time (no JSON tree of the whole report in memory).
struct Issues<'a> {
    annotations: &'a [Annotation],
    fingerprints: &'a [String],
    root: &'a SourceRoot,
}

#[derive(Serialize)]
struct Issue<'a> {
    description: &'a str,
    check_name: &'a str,
    fingerprint: &'a str,
    severity: &'static str,
    location: Location,
}

#[derive(Serialize)]
struct Location {
    path: String,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: usize,
}

impl Serialize for Issues<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.annotations.len()))?;
        for (a, fingerprint) in self.annotations.iter().zip(self.fingerprints) {
            seq.serialize_element(&Issue {
                description: &a.message,
                check_name: &a.rule_id,
                fingerprint,
                severity: severity(a.level),
                location: Location {
                    path: self.root.shown(&a.path),
                    lines: Lines { begin: a.line },
                },
            })?;
        }
        seq.end()
    }
}
