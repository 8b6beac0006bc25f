//! `codetags check`'s rules: which tags fail a build.
//!
//! Two sets of rules, evaluated on every tag of a [`ScanOutcome`](crate::scan::ScanOutcome):
//!
//! * pycodetags-issue-tracker 0.4.0's `validate`, driven by its keys in `[tool.pycodetags]`
//!   (`mandatory_fields`, `valid_status`, `valid_priorities`, `valid_iterations`,
//!   `valid_categories`, `valid_authors`, `valid_releases`, `valid_custom_field_names`,
//!   `closed_status`) and its checks on done items, with its messages word for word
//!   ([`tracker`]);
//! * `[tool.pycodetags.check]`: `overdue`, `max_age_days`, `forbid`, `require` ([`own`]).
//!
//! Each rule has a stable id and a default severity ([`RULES`]);
//! `[tool.pycodetags.check.severity]` sets any rule to `error`, `warning` or `off`
//! ([`CheckSettings`]). Rules are evaluated on every run, never cached: dates move on, so
//! yesterday's answer may be wrong today.
//!
//! ```
//! use codetags_cli::{check::{check_outcome, CheckSettings, Severity}, config::ProjectConfig, scan::{scan, ScanRequest}};
//! let dir = tempfile::tempdir().unwrap();
//! std::fs::write(dir.path().join("m.py"), "# XXX: remove before release <due=2025-01-01>\n").unwrap();
//! let outcome = scan(&ScanRequest::new(vec![dir.path().into()], ProjectConfig::defaults(dir.path()))).unwrap();
//! let settings = CheckSettings { forbid: vec!["XXX".into()], ..Default::default() };
//! let today = chrono::NaiveDate::from_ymd_opt(2025, 3, 1).unwrap();
//! let findings = check_outcome(&outcome, &settings, today);
//! let ids: Vec<_> = findings.iter().map(|f| f.rule_id()).collect();
//! assert_eq!(ids, ["overdue", "forbidden-tag"]);
//! assert!(findings.iter().all(|f| f.severity == Severity::Error));
//! ```

pub mod dates;
pub mod evaluate;
pub mod fields;
pub mod own;
pub mod pyrepr;
pub mod rule;
pub mod settings;
pub mod tracker;

pub use evaluate::{Finding, TagContext, check_outcome, check_outcome_with, check_tag};
pub use own::WrittenOn;
pub use rule::{Hit, RULES, Rule, RuleInfo, Severity, UnknownRule};
pub use settings::{CheckSettings, Level, TrackerSettings};

/// [`check_outcome`] with the blame of each tag ([`crate::blame::blame_tags`]): `max-age`
/// counts from the blame date of a tag that has no `origination_date` (a line not committed
/// yet was written today, so it is never too old).
///
/// ```
/// use codetags_cli::blame::{Blame, BlameReport};
/// use codetags_cli::{check::{check_outcome_blamed, CheckSettings}, config::ProjectConfig, scan::{scan, ScanRequest}};
/// let dir = tempfile::tempdir().unwrap();
/// std::fs::write(dir.path().join("m.py"), "# TODO: old\n").unwrap();
/// let outcome = scan(&ScanRequest::new(vec![dir.path().into()], ProjectConfig::defaults(dir.path()))).unwrap();
/// let blame = BlameReport { tags: vec![vec![Some(Blame {
///     commit: Some("ab".repeat(20)), author: Some("Ann".into()), email: None,
///     date: Some("2024-01-01T10:00:00+02:00".into()),
/// })]], ..BlameReport::default() };
/// let settings = CheckSettings { max_age_days: Some(30), ..Default::default() };
/// let today = chrono::NaiveDate::from_ymd_opt(2025, 3, 1).unwrap();
/// let findings = check_outcome_blamed(&outcome, &settings, today, &blame);
/// assert_eq!(findings[0].rule_id(), "max-age");
/// assert!(check_outcome(&outcome, &settings, today).is_empty());
/// # use codetags_cli::check::check_outcome;
/// ```
pub fn check_outcome_blamed<'a>(
    outcome: &'a crate::scan::ScanOutcome,
    settings: &CheckSettings,
    today: chrono::NaiveDate,
    blame: &crate::blame::BlameReport,
) -> Vec<Finding<'a>> {
    // Blame is aligned with the outcome; the rules see a tag by reference, so each tag is
    // found again by its address.
    let position: std::collections::HashMap<*const crate::extract::Tag, (usize, usize)> = outcome
        .files
        .iter()
        .enumerate()
        .flat_map(|(f, file)| {
            file.tags
                .iter()
                .enumerate()
                .map(move |(t, tag)| (tag as *const _, (f, t)))
        })
        .collect();
    let written = |context: &TagContext<'a>| {
        let &(file, index) = position.get(&(context.tag as *const _))?;
        let blame = blame.get(file, index)?;
        let date = match blame.datetime() {
            Some(date) => date.date_naive(),
            None if !blame.is_committed() => today,
            None => return None,
        };
        Some(WrittenOn {
            date,
            source: "blame",
        })
    };
    check_outcome_with(outcome, settings, today, written)
}
