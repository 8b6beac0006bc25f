//! SARIF 2.1.0 (OASIS), the format code scanning reads (GitHub's `upload-sarif`, GitLab, Azure
//! DevOps, IDE viewers): one run, one result per annotation.
//!
//! * `ruleId` is the annotation's rule (for `scan`, the tag kind); every rule used is described
//!   in `tool.driver.rules` (`shortDescription`, `help`, `defaultConfiguration.level`) and
//!   results point at it with `ruleIndex`.
//! * Locations are URIs relative to the base `%SRCROOT%` (the source root, given as an
//!   absolute `file:` URI in `originalUriBaseIds`); a file outside it gets an absolute URI.
//!   Regions are 1-based, columns counted in Unicode code points (`columnKind`).
//! * `partialFingerprints["codetags/v1"]` is the content fingerprint
//!   ([`super::annotation::fingerprints`]): it stays the same when lines are inserted above a
//!   tag. `primaryLocationLineHash` is left to `upload-sarif`, which computes it from the
//!   checked-out file (a value of our own there would be reported as inconsistent).
//! * GitHub accepts at most 25,000 results per run ([`MAX_RESULTS`]). Past that, the most
//!   severe results are kept (errors, then warnings, then notes, each in file order) and a
//!   warning notification in `invocations[0].toolExecutionNotifications` says how many were
//!   left out. Scan diagnostics (undecodable or unreadable files, malformed tags) are
//!   notifications too, so they show on the tool's status page rather than as alerts.

use super::annotation::{Annotation, RuleInfo, fingerprints};
use super::srcroot::{SRCROOT, SourceRoot};
use crate::scan::ScanOutcome;
use crate::version::VERSION;
use serde::Serialize;
use serde::ser::{SerializeMap, SerializeSeq, Serializer};
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::io::{self, Write};
use std::path::PathBuf;

/// The most results GitHub code scanning accepts in one run.
pub const MAX_RESULTS: usize = 25_000;

/// The `partialFingerprints` key of the content fingerprint.
pub const FINGERPRINT_KEY: &str = "codetags/v1";

/// Something about the run itself, not a finding: a file that could not be read or parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// The file concerned, if any.
    pub path: Option<PathBuf>,
    /// 1-based line (0 = no position).
    pub line: usize,
    /// 1-based column (0 = no position).
    pub column: usize,
    /// What happened.
    pub message: String,
}

/// The scan's diagnostics and unreadable paths as notices, sorted by path and position.
pub fn notices_for_diagnostics(outcome: &ScanOutcome) -> Vec<Notice> {
    let mut notices: Vec<Notice> = Vec::new();
    for file in &outcome.files {
        for d in &file.diagnostics {
            notices.push(Notice {
                path: Some(file.path.clone()),
                line: d.line + 1,
                column: d.column + 1,
                message: d.message.clone(),
            });
        }
    }
    for problem in &outcome.problems {
        notices.push(Notice {
            path: Some(problem.path.clone()),
            line: 0,
            column: 0,
            message: problem.message.clone(),
        });
    }
    notices.sort_by(|a, b| (&a.path, a.line, a.column).cmp(&(&b.path, b.line, b.column)));
    notices
}

/// Writes one SARIF 2.1.0 log: `annotations` as results (in order, at most [`MAX_RESULTS`]),
/// `rules` (plus a bare rule for any rule id they lack) in `tool.driver.rules`, `notices` as
/// tool execution notifications, paths relative to `root`.
///
/// ```
/// use codetags_cli::report::annotation::{Annotation, Level, kind_rule};
/// use codetags_cli::report::{sarif::write_sarif, srcroot::SourceRoot};
/// let found = [Annotation { path: "/proj/app/x.py".into(), line: 3, column: 5, rule_id: "TODO".into(),
///     level: Level::Note, message: "tidy up".into(), text: "tidy up".into() }];
/// let mut out = Vec::new();
/// write_sarif(&found, &[kind_rule("TODO")], &[], &SourceRoot::new("/proj"), &mut out).unwrap();
/// let log: serde_json::Value = serde_json::from_slice(&out).unwrap();
/// let result = &log["runs"][0]["results"][0];
/// assert_eq!(result["ruleId"], "TODO");
/// assert_eq!(result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "app/x.py");
/// assert_eq!(result["locations"][0]["physicalLocation"]["region"]["startLine"], 3);
/// assert_eq!(log["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"], "file:///proj/");
/// ```
pub fn write_sarif(
    annotations: &[Annotation],
    rules: &[RuleInfo],
    notices: &[Notice],
    root: &SourceRoot,
    out: &mut dyn Write,
) -> io::Result<()> {
    let log = Log::new(annotations, rules, notices, root);
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}

/// The SARIF log as a JSON value (see [`write_sarif`]); [`write_sarif`] streams the same
/// document without building it.
pub fn sarif_log(
    annotations: &[Annotation],
    rules: &[RuleInfo],
    notices: &[Notice],
    root: &SourceRoot,
) -> Value {
    serde_json::to_value(Log::new(annotations, rules, notices, root)).unwrap_or(Value::Null)
}

/// One log: the small parts as JSON values, the results serialised one at a time.
struct Log<'a> {
    driver: Value,
    invocations: Value,
    base_ids: Value,
    results: Results<'a>,
}

struct Results<'a> {
    annotations: &'a [Annotation],
    kept: Vec<usize>,
    rule_index: HashMap<String, usize>,
    fingerprints: Vec<String>,
    root: &'a SourceRoot,
}

impl<'a> Log<'a> {
    fn new(
        annotations: &'a [Annotation],
        rules: &[RuleInfo],
        notices: &[Notice],
        root: &'a SourceRoot,
    ) -> Log<'a> {
        // The rules: as given, then a bare one for each rule id no RuleInfo describes.
        let mut rules: Vec<RuleInfo> = rules.to_vec();
        let mut rule_index: HashMap<String, usize> = HashMap::new();
        for (i, rule) in rules.iter().enumerate() {
            rule_index.entry(rule.id.clone()).or_insert(i);
        }
        for a in annotations {
            if !rule_index.contains_key(&a.rule_id) {
                rule_index.insert(a.rule_id.clone(), rules.len());
                rules.push(RuleInfo {
                    id: a.rule_id.clone(),
                    short_description: a.rule_id.clone(),
                    help: a.rule_id.clone(),
                    default_level: a.level,
                });
            }
        }
        let kept = kept_results(annotations);

        let mut notifications: Vec<Value> = Vec::new();
        if kept.len() < annotations.len() {
            notifications.push(json!({
                "level": "warning",
                "descriptor": { "id": "results-truncated" },
                "message": { "text": format!(
                    "{} of {} results written: GitHub code scanning accepts at most \
                     {MAX_RESULTS} results per run, so the {} least severe were left out. \
                     Narrow the scan (--tags, exclude) to see them.",
                    kept.len(),
                    annotations.len(),
                    annotations.len() - kept.len(),
                ) },
            }));
        }
        for notice in notices {
            let mut n = Map::new();
            n.insert("level".into(), json!("warning"));
            n.insert("descriptor".into(), json!({ "id": "scan-diagnostic" }));
            n.insert(
                "message".into(),
                json!({ "text": non_empty(&notice.message) }),
            );
            if let Some(path) = &notice.path {
                n.insert(
                    "locations".into(),
                    json!([location(root, path, notice.line, notice.column)]),
                );
            }
            notifications.push(Value::Object(n));
        }

        let rules: Vec<Value> = rules
            .iter()
            .map(|r| {
                json!({
                    "id": r.id,
                    "shortDescription": { "text": non_empty(&r.short_description) },
                    "help": { "text": non_empty(&r.help) },
                    "defaultConfiguration": { "level": r.default_level.sarif() },
                    "properties": { "tags": ["code-tag", "maintainability"] },
                })
            })
            .collect();
        Log {
            driver: json!({
                "name": "codetags",
                "version": VERSION,
                "semanticVersion": VERSION,
                "informationUri": "https://pypi.org/project/pycodetags/",
                "rules": rules,
            }),
            invocations: json!([{
                "executionSuccessful": true,
                "toolExecutionNotifications": notifications,
            }]),
            base_ids: json!({ SRCROOT: { "uri": root.uri() } }),
            results: Results {
                annotations,
                kept,
                rule_index,
                fingerprints: fingerprints(annotations, root),
                root,
            },
        }
    }
}

impl Serialize for Log<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(3))?;
        map.serialize_entry("$schema", "https://json.schemastore.org/sarif-2.1.0.json")?;
        map.serialize_entry("version", "2.1.0")?;
        map.serialize_entry("runs", &[Run(self)])?;
        map.end()
    }
}

struct Run<'a, 'b>(&'b Log<'a>);

impl Serialize for Run<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let log = self.0;
        let mut map = serializer.serialize_map(Some(5))?;
        map.serialize_entry("tool", &json!({ "driver": log.driver }))?;
        map.serialize_entry("invocations", &log.invocations)?;
        map.serialize_entry("originalUriBaseIds", &log.base_ids)?;
        map.serialize_entry("columnKind", "unicodeCodePoints")?;
        map.serialize_entry("results", &log.results)?;
        map.end()
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    rule_index: usize,
    level: &'static str,
    message: Text<'a>,
    locations: [Value; 1],
    partial_fingerprints: Fingerprint<'a>,
}

#[derive(Serialize)]
struct Text<'a> {
    text: &'a str,
}

#[derive(Serialize)]
struct Fingerprint<'a> {
    #[serde(rename = "codetags/v1")]
    content: &'a str,
}

impl Serialize for Results<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.kept.len()))?;
        for &i in &self.kept {
            let a = &self.annotations[i];
            seq.serialize_element(&SarifResult {
                rule_id: &a.rule_id,
                rule_index: self.rule_index[&a.rule_id],
                level: a.level.sarif(),
                message: Text {
                    text: non_empty(&a.message),
                },
                locations: [location(self.root, &a.path, a.line, a.column)],
                partial_fingerprints: Fingerprint {
                    content: &self.fingerprints[i],
                },
            })?;
        }
        seq.end()
    }
}

/// The indices of the results to write: all, or the [`MAX_RESULTS`] most severe in file order.
fn kept_results(annotations: &[Annotation]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..annotations.len()).collect();
    if order.len() > MAX_RESULTS {
        order.sort_by_key(|&i| (annotations[i].level, i));
        order.truncate(MAX_RESULTS);
        order.sort_unstable();
    }
    order
}

fn location(root: &SourceRoot, path: &std::path::Path, line: usize, column: usize) -> Value {
    let (uri, base) = root.artifact_uri(path);
    let mut artifact = Map::new();
    artifact.insert("uri".into(), json!(uri));
    if let Some(base) = base {
        artifact.insert("uriBaseId".into(), json!(base));
    }
    let mut physical = Map::new();
    physical.insert("artifactLocation".into(), Value::Object(artifact));
    if line > 0 {
        let mut region = Map::new();
        region.insert("startLine".into(), json!(line));
        if column > 0 {
            region.insert("startColumn".into(), json!(column));
        }
        physical.insert("region".into(), Value::Object(region));
    }
    json!({ "physicalLocation": Value::Object(physical) })
}

/// SARIF messages must not be empty.
fn non_empty(text: &str) -> &str {
    if text.trim().is_empty() {
        "(no text)"
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::annotation::Level;

    fn note(i: usize, level: Level) -> Annotation {
        Annotation {
            path: format!("f{}.py", i % 7).into(),
            line: i + 1,
            column: 1,
            rule_id: "TODO".into(),
            level,
            message: format!("m{i}"),
            text: format!("m{i}"),
        }
    }

    #[test]
    fn past_the_limit_the_most_severe_results_are_kept_in_order_with_a_notification() {
        let mut found: Vec<Annotation> = (0..MAX_RESULTS + 10)
            .map(|i| note(i, Level::Note))
            .collect();
        found[MAX_RESULTS + 5].level = Level::Error;
        found[3].level = Level::Warning;
        let root = SourceRoot::with_cwd(".".as_ref(), "/p".as_ref());
        let log = sarif_log(&found, &[], &[], &root);
        let results = log["runs"][0]["results"].as_array().unwrap();
        assert_eq!(results.len(), MAX_RESULTS);
        let messages: Vec<&str> = results
            .iter()
            .map(|r| r["message"]["text"].as_str().unwrap())
            .collect();
        assert!(messages.contains(&format!("m{}", MAX_RESULTS + 5).as_str()));
        assert!(messages.contains(&"m3"));
        // The error displaced the last notes, and the order is still the input's.
        assert!(!messages.contains(&format!("m{}", MAX_RESULTS + 9).as_str()));
        let lines: Vec<u64> = results
            .iter()
            .map(|r| {
                r["locations"][0]["physicalLocation"]["region"]["startLine"]
                    .as_u64()
                    .unwrap()
            })
            .collect();
        assert!(lines.windows(2).all(|w| w[0] < w[1]));
        let notes = &log["runs"][0]["invocations"][0]["toolExecutionNotifications"];
        assert_eq!(notes[0]["descriptor"]["id"], "results-truncated");
        assert!(
            notes[0]["message"]["text"]
                .as_str()
                .unwrap()
                .starts_with("25000 of 25010 results written")
        );
    }

    #[test]
    fn a_rule_id_without_a_description_still_gets_a_rule() {
        let root = SourceRoot::with_cwd(".".as_ref(), "/p".as_ref());
        let log = sarif_log(&[note(0, Level::Note)], &[], &[], &root);
        assert_eq!(log["runs"][0]["tool"]["driver"]["rules"][0]["id"], "TODO");
        assert_eq!(log["runs"][0]["results"][0]["ruleIndex"], 0);
        let fingerprint = &log["runs"][0]["results"][0]["partialFingerprints"][FINGERPRINT_KEY];
        assert_eq!(fingerprint.as_str().map(str::len), Some(64));
    }
}
