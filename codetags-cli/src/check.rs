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
