//! Rules over a scan: [`check_outcome`] turns a [`ScanOutcome`] into [`Finding`]s. Nothing
//! here is cached: the scan cache holds tags, and the rules — several of which depend on the
//! date — are evaluated on every run.

use super::fields::TodoView;
use super::own::{self, WrittenOn};
use super::rule::{Rule, Severity};
use super::settings::CheckSettings;
use super::tracker;
use crate::extract::Tag;
use crate::scan::ScanOutcome;
use chrono::NaiveDate;
use std::path::Path;

/// One tag, and what is known about it besides its text.
#[derive(Debug, Clone, Copy)]
pub struct TagContext<'a> {
    /// The path, as the scan reports it.
    pub path: &'a Path,
    /// The tag.
    pub tag: &'a Tag,
    /// When the tag was written according to another source (e.g. `git blame`); `max-age`
    /// uses it for tags without an `origination_date`.
    pub written_on: Option<WrittenOn>,
}

impl<'a> TagContext<'a> {
    /// The context of `tag` in the file at `path`, with no other date source.
    pub fn new(path: &'a Path, tag: &'a Tag) -> Self {
        Self {
            path,
            tag,
            written_on: None,
        }
    }
}

/// A rule that fired on a tag, at the severity the settings give it.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding<'a> {
    /// The file, as the scan reports it.
    pub path: &'a Path,
    /// 1-based line of the tag.
    pub line: usize,
    /// 1-based column of the tag (in characters).
    pub column: usize,
    /// The rule.
    pub rule: Rule,
    /// Its severity.
    pub severity: Severity,
    /// What is wrong.
    pub message: String,
    /// The tag.
    pub tag: &'a Tag,
}

impl Finding<'_> {
    /// The rule's stable id.
    pub fn rule_id(&self) -> &'static str {
        self.rule.id()
    }

    /// Text that identifies the finding across edits that only move the tag (for SARIF's
    /// `partialFingerprints` and GitLab's `fingerprint`): the rule, the path, the tag's kind,
    /// its summary line and the message — not the line number.
    pub fn fingerprint_text(&self) -> String {
        format!(
            "{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}",
            self.rule.id(),
            self.path.to_string_lossy(),
            self.tag.code_tag,
            self.tag.comment,
            self.message
        )
    }
}

/// Every finding for one tag: the issue tracker's checks, then `[tool.pycodetags.check]`'s,
/// each rule at its configured severity, rules that are off left out.
///
/// ```
/// use codetags_cli::check::{check_tag, CheckSettings, Rule, TagContext, WrittenOn};
/// let tags = codetags_parse::extract_tags(b"# TODO: old one\n", codetags_parse::Schema::Tdg)
///     .unwrap().tags;
/// let on = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap();
/// let settings = CheckSettings { max_age_days: Some(30), ..Default::default() };
/// let path = std::path::Path::new("a.py");
/// let mut context = TagContext::new(path, &tags[0]);
/// assert!(check_tag(&context, &settings, on(2025, 7, 1)).is_empty()); // no date known
/// context.written_on = Some(WrittenOn { date: on(2025, 1, 1), source: "blame" });
/// let findings = check_tag(&context, &settings, on(2025, 7, 1));
/// assert_eq!(findings[0].rule, Rule::MaxAge);
/// assert_eq!((findings[0].line, findings[0].column), (1, 1));
/// ```
pub fn check_tag<'a>(
    context: &TagContext<'a>,
    settings: &CheckSettings,
    today: NaiveDate,
) -> Vec<Finding<'a>> {
    let todo = TodoView::new(context.tag);
    let hits = tracker::validate(&todo, &settings.tracker, today)
        .into_iter()
        .chain(own::check_tag(&todo, context.written_on, settings, today));
    hits.filter_map(|hit| {
        let severity = settings.severity_of(hit.rule)?;
        Some(Finding {
            path: context.path,
            line: context.tag.offsets.start_line + 1,
            column: context.tag.offsets.start_column + 1,
            rule: hit.rule,
            severity,
            message: hit.message,
            tag: context.tag,
        })
    })
    .collect()
}

/// Every finding of a scan, in the scan's order (by path, then position), each tag's findings
/// in [`check_tag`]'s order.
///
/// ```
/// use codetags_cli::{check::{check_outcome, CheckSettings}, config::ProjectConfig, scan::{scan, ScanRequest}};
/// let dir = tempfile::tempdir().unwrap();
/// std::fs::write(dir.path().join("a.py"), "# TODO: ship <due=2025-07-01>\n").unwrap();
/// let outcome = scan(&ScanRequest::new(vec![dir.path().into()], ProjectConfig::defaults(dir.path()))).unwrap();
/// let today = chrono::NaiveDate::from_ymd_opt(2025, 8, 1).unwrap();
/// let findings = check_outcome(&outcome, &CheckSettings::default(), today);
/// assert_eq!(findings[0].rule_id(), "overdue");
/// ```
pub fn check_outcome<'a>(
    outcome: &'a ScanOutcome,
    settings: &CheckSettings,
    today: NaiveDate,
) -> Vec<Finding<'a>> {
    check_outcome_with(outcome, settings, today, |_| None)
}

/// [`check_outcome`] with another source of the dates tags were written on (`git blame`):
/// `written_on` is asked once per tag.
pub fn check_outcome_with<'a>(
    outcome: &'a ScanOutcome,
    settings: &CheckSettings,
    today: NaiveDate,
    mut written_on: impl FnMut(&TagContext<'a>) -> Option<WrittenOn>,
) -> Vec<Finding<'a>> {
    let mut findings = Vec::new();
    for file in &outcome.files {
        for tag in &file.tags {
            let mut context = TagContext::new(&file.path, tag);
            context.written_on = written_on(&context);
            findings.extend(check_tag(&context, settings, today));
        }
    }
    findings
}
