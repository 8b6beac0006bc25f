//! The format-neutral finding the CI formats write ([`super::sarif`], [`super::github`],
//! [`super::gitlab`]): a place in a file, a rule, a level and a message.
//!
//! `codetags scan` makes one annotation per tag ([`annotations_for_tags`]): the rule is the tag
//! kind (`TODO`, `FIXME`, …), the level `warning` for the kinds that name a defect or a danger
//! (`FIXME`, `BUG`, `XXX`, `ALERT`, `CAUTION`, `WARNING`) and `note` for all others — a TODO
//! is information, not a problem to fail a review on. `codetags check` makes one per finding
//! ([`annotations_for_findings`]): the rule is the check rule (`overdue`, …), the level its
//! severity (`error` or `warning`), and the rules are [`check_rules`].
//!
//! **Fingerprints** identify a finding across commits, so code scanning keeps one alert per
//! finding while lines move. They are content-based: SHA-256 over the path (relative to the
//! source root), the rule, the normalised text and the occurrence — the index of the finding
//! among those with the same path, rule and text, in file order. Lines inserted above a
//! finding, or its column moving, leave it unchanged; editing its text, renaming its file or
//! changing its rule makes a new one.

use super::fields::fields_text;
use super::srcroot::SourceRoot;
use crate::check::{Finding, RULES, Severity};
use crate::extract::Tag;
use crate::scan::ScanOutcome;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// Must be acted on (fails a check).
    Error,
    /// Should be looked at.
    Warning,
    /// For information.
    Note,
}

impl Level {
    /// SARIF's `level` (`error`, `warning`, `note`).
    pub fn sarif(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Note => "note",
        }
    }
}

/// One finding at a place in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Annotation {
    /// The file, as the scan reports it ([`crate::scan::ScannedFile::path`]); writers make it
    /// relative to the source root.
    pub path: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// 1-based column (in characters).
    pub column: usize,
    /// The rule: a tag kind for `scan`, a rule id for a checker. Stable across runs.
    pub rule_id: String,
    /// How serious it is.
    pub level: Level,
    /// What to show (may span lines).
    pub message: String,
    /// The text the fingerprint hashes, already normalised ([`normalize_text`]): what the
    /// finding is about, without positions, so that it survives lines moving.
    pub text: String,
}

/// A rule the findings refer to: described once in SARIF's `tool.driver.rules`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleInfo {
    /// The rule id ([`Annotation::rule_id`]).
    pub id: String,
    /// One sentence.
    pub short_description: String,
    /// What it means and what to do, in a paragraph.
    pub help: String,
    /// The level its findings have unless said otherwise.
    pub default_level: Level,
}

/// Whitespace runs become one space, ends trimmed: `" fix   the\nloop "` → `"fix the loop"`.
///
/// ```
/// assert_eq!(codetags_cli::report::annotation::normalize_text(" fix   the\nloop "), "fix the loop");
/// ```
pub fn normalize_text(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// One annotation per tag of `outcome` that `keep` keeps, in output order (by path, then
/// position). The message is the title, the tag's fields as `<key=value …>` and its body.
///
/// ```
/// use codetags_cli::{ProjectConfig, ScanRequest, scan};
/// use codetags_cli::report::annotation::{annotations_for_tags, Level};
/// let dir = tempfile::tempdir().unwrap();
/// std::fs::write(dir.path().join("a.py"), "x = 1\n# FIXME: leaks <owner=ann>\n").unwrap();
/// let outcome = scan(&ScanRequest::new(vec![dir.path().into()], ProjectConfig::defaults(dir.path()))).unwrap();
/// let found = annotations_for_tags(&outcome, |_| true);
/// assert_eq!((found[0].line, found[0].column), (2, 1));
/// assert_eq!((found[0].rule_id.as_str(), found[0].level), ("FIXME", Level::Warning));
/// assert_eq!(found[0].message, "leaks <owner=ann>");
/// assert_eq!(found[0].text, "leaks");
/// ```
pub fn annotations_for_tags(outcome: &ScanOutcome, keep: impl Fn(&Tag) -> bool) -> Vec<Annotation> {
    let mut out = Vec::new();
    for file in &outcome.files {
        for tag in file.tags.iter().filter(|t| keep(t)) {
            let title = tag.title.as_deref().unwrap_or(&tag.comment);
            let mut message = normalize_text(title);
            let fields = fields_text(tag);
            if !fields.is_empty() {
                message.push_str(&format!(" <{fields}>"));
            }
            if let Some(body) = tag.body.as_deref().filter(|b| !b.trim().is_empty()) {
                message.push_str("\n\n");
                message.push_str(body.trim_end());
            }
            out.push(Annotation {
                path: file.path.clone(),
                line: tag.offsets.start_line + 1,
                column: tag.offsets.start_column + 1,
                rule_id: tag.code_tag.clone(),
                level: kind_level(&tag.code_tag),
                message,
                text: normalize_text(title),
            });
        }
    }
    out
}

/// One annotation per `codetags check` finding, in order. The fingerprinted text is the tag's
/// kind and summary line, not the message, so a finding keeps its identity while its message
/// changes with the date ("was due 2025-01-31 (40 days ago)"); two findings of one rule on one
/// tag are told apart by their occurrence.
///
/// ```
/// use codetags_cli::{ProjectConfig, ScanRequest, scan};
/// use codetags_cli::check::{check_outcome, CheckSettings};
/// use codetags_cli::report::annotation::{annotations_for_findings, Level};
/// let dir = tempfile::tempdir().unwrap();
/// std::fs::write(dir.path().join("a.py"), "x = 1\n# TODO: ship <due:2025-01-31>\n").unwrap();
/// let config = ProjectConfig::defaults(dir.path());
/// let settings = CheckSettings::load(&config).unwrap();
/// let outcome = scan(&ScanRequest::new(vec![dir.path().into()], config)).unwrap();
/// let today = chrono::NaiveDate::from_ymd_opt(2025, 3, 1).unwrap();
/// let findings = check_outcome(&outcome, &settings, today);
/// let found = annotations_for_findings(&findings);
/// let overdue = found.iter().find(|a| a.rule_id == "overdue").unwrap();
/// assert_eq!((overdue.line, overdue.column, overdue.level), (2, 1, Level::Error));
/// assert_eq!(overdue.text, "TODO ship");
/// ```
pub fn annotations_for_findings(findings: &[Finding<'_>]) -> Vec<Annotation> {
    findings
        .iter()
        .map(|f| Annotation {
            path: f.path.to_path_buf(),
            line: f.line,
            column: f.column,
            rule_id: f.rule_id().to_owned(),
            level: severity_level(f.severity),
            message: f.message.clone(),
            text: normalize_text(&format!("{} {}", f.tag.code_tag, f.tag.comment)),
        })
        .collect()
}

/// Every `codetags check` rule ([`crate::check::RULES`]), with its default severity.
pub fn check_rules() -> Vec<RuleInfo> {
    RULES
        .iter()
        .map(|r| RuleInfo {
            id: r.id.to_owned(),
            short_description: r.short.to_owned(),
            help: r.help.to_owned(),
            default_level: severity_level(r.default_severity),
        })
        .collect()
}

fn severity_level(severity: Severity) -> Level {
    match severity {
        Severity::Error => Level::Error,
        Severity::Warning => Level::Warning,
    }
}

/// `warning` for kinds that name a defect or a danger, `note` for the others.
pub fn kind_level(kind: &str) -> Level {
    match kind {
        "FIXME" | "BUG" | "XXX" | "ALERT" | "CAUTION" | "WARNING" => Level::Warning,
        _ => Level::Note,
    }
}

/// One rule per tag kind the annotations use, sorted by id, described when the kind is one of
/// the schemas' names (PEP 350, pycodetags, the issue-tracker plugin, folk).
///
/// ```
/// use codetags_cli::report::annotation::{rules_for_tags, Annotation, Level};
/// let a = |kind: &str| Annotation { path: "a.py".into(), line: 1, column: 1, rule_id: kind.into(),
///     level: Level::Note, message: "m".into(), text: "m".into() };
/// let rules = rules_for_tags(&[a("TODO"), a("BUG"), a("TODO")]);
/// assert_eq!(rules.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(), ["BUG", "TODO"]);
/// assert_eq!(rules[0].default_level, Level::Warning);
/// ```
pub fn rules_for_tags(annotations: &[Annotation]) -> Vec<RuleInfo> {
    let kinds: BTreeMap<&str, ()> = annotations
        .iter()
        .map(|a| (a.rule_id.as_str(), ()))
        .collect();
    kinds.into_keys().map(kind_rule).collect()
}

/// The rule describing tag kind `kind`.
pub fn kind_rule(kind: &str) -> RuleInfo {
    let what = match kind {
        "TODO" => "Work still to be done",
        "FIXME" => "Code known to be wrong, to be fixed",
        "BUG" => "A known defect",
        "HACK" => "A workaround to be replaced by a proper solution",
        "XXX" => "Code that is dubious or dangerous",
        "NOTE" => "A note for readers",
        "WARNING" => "A warning for readers",
        "CAUTION" => "Code to change with care",
        "DONE" => "Work that is done",
        "DATA" => "Structured data in a comment",
        "REQ" | "REQUIREMENT" => "A requirement",
        "STORY" => "A user story",
        "IDEA" => "An idea for later",
        "RFE" => "A request for enhancement",
        "CLEVER" => "Code that is cleverer than it should be",
        "MAGIC" => "Code that works for reasons not obvious",
        "ALERT" => "Something to be alarmed about",
        "PORT" => "Work needed to port the code",
        "DOCUMENT" => "Documentation to be written",
        _ => "",
    };
    let short_description = if what.is_empty() {
        format!("A {kind} code tag")
    } else {
        format!("{what} ({kind} code tag)")
    };
    let help = match kind {
        "DONE" => format!(
            "A `{kind}` comment found by codetags: work recorded as done (`--format changelog` \
             lists it). Remove the tag once the change is released."
        ),
        "NOTE" | "WARNING" | "CAUTION" | "DATA" => format!(
            "A `{kind}` comment found by codetags: information for readers; it asks for no work."
        ),
        _ => format!(
            "A `{kind}` comment found by codetags. Do the work it describes, then remove the tag \
             or mark it done (`status=done`, or a `DONE` tag). Its fields (assignee, due, \
             priority, …) follow the title in `<…>`."
        ),
    };
    RuleInfo {
        id: kind.to_owned(),
        help,
        short_description,
        default_level: kind_level(kind),
    }
}

/// Each annotation's fingerprint (64 hex digits), in order; see the module docs. The
/// occurrence index counts annotations with the same path (as `root` shows it), rule and text
/// that come earlier in `annotations`.
///
/// ```
/// use codetags_cli::report::annotation::{fingerprints, Annotation, Level};
/// use codetags_cli::report::srcroot::SourceRoot;
/// let at = |line: usize| Annotation { path: "a.py".into(), line, column: 1, rule_id: "TODO".into(),
///     level: Level::Note, message: "m".into(), text: "tidy".into() };
/// let root = SourceRoot::new("/p");
/// let before = fingerprints(&[at(3), at(9)], &root);
/// let after = fingerprints(&[at(13), at(19)], &root); // ten lines inserted above
/// assert_eq!(before, after);
/// assert_ne!(before[0], before[1]); // the same text twice: occurrence 0 and 1
/// ```
pub fn fingerprints(annotations: &[Annotation], root: &SourceRoot) -> Vec<String> {
    let mut seen: HashMap<(String, &str, &str), usize> = HashMap::new();
    annotations
        .iter()
        .map(|a| {
            let path = root.shown(&a.path);
            let occurrence = seen
                .entry((path.clone(), a.rule_id.as_str(), a.text.as_str()))
                .or_insert(0);
            let mut hasher = Sha256::new();
            for part in [
                "codetags-fingerprint-v1",
                &path,
                &a.rule_id,
                &a.text,
                &occurrence.to_string(),
            ] {
                // Length-prefixed, so no two different tuples hash the same bytes.
                hasher.update((part.len() as u64).to_le_bytes());
                hasher.update(part.as_bytes());
            }
            *occurrence += 1;
            hasher
                .finalize()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn annotation(path: &str, line: usize, rule: &str, text: &str) -> Annotation {
        Annotation {
            path: path.into(),
            line,
            column: 5,
            rule_id: rule.into(),
            level: Level::Note,
            message: text.into(),
            text: normalize_text(text),
        }
    }

    #[test]
    fn a_fingerprint_depends_on_path_rule_text_and_occurrence_but_not_position() {
        let root = SourceRoot::with_cwd(".".as_ref(), "/p".as_ref());
        let base = fingerprints(&[annotation("a.py", 1, "TODO", "x")], &root)[0].clone();
        let moved = Annotation {
            column: 9,
            ..annotation("./a.py", 40, "TODO", "x")
        };
        assert_eq!(fingerprints(&[moved], &root)[0], base);
        for other in [
            annotation("b.py", 1, "TODO", "x"),
            annotation("a.py", 1, "FIXME", "x"),
            annotation("a.py", 1, "TODO", "y"),
        ] {
            assert_ne!(fingerprints(&[other], &root)[0], base);
        }
        // The second of two equal tags differs from the first, and from a lone tag's.
        let two = fingerprints(
            &[
                annotation("a.py", 1, "TODO", "x"),
                annotation("a.py", 7, "TODO", "x"),
            ],
            &root,
        );
        assert_eq!(two[0], base);
        assert_ne!(two[1], base);
        // Another file's equal tag does not count as an earlier occurrence.
        let mixed = fingerprints(
            &[
                annotation("b.py", 1, "TODO", "x"),
                annotation("a.py", 1, "TODO", "x"),
            ],
            &root,
        );
        assert_eq!(mixed[1], base);
    }

    #[test]
    fn unknown_kinds_get_a_generic_rule() {
        let rule = kind_rule("WIBBLE");
        assert_eq!(rule.short_description, "A WIBBLE code tag");
        assert_eq!(rule.default_level, Level::Note);
        assert!(
            kind_rule("BUG")
                .short_description
                .starts_with("A known defect")
        );
    }
}
