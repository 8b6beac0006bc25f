//! The rules `codetags check` knows: their stable ids, one-line descriptions, help texts and
//! default severities ([`RULES`]), and the [`Hit`] a rule reports before the severity is
//! applied.

use std::fmt;
use std::str::FromStr;

/// How much a finding matters: an error fails the check (exit 1), a warning is only shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Shown; does not fail the check.
    Warning,
    /// Fails the check.
    Error,
}

impl Severity {
    /// `error` or `warning`, as written in the configuration and in SARIF's `level`.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Every rule. The ids ([`Rule::id`]) are stable: they are what users write in
/// `[tool.pycodetags.check.severity]` and what CI annotations are keyed by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rule {
    /// `overdue`: the tag's `due` date is before today.
    Overdue,
    /// `max-age`: the tag was written more than `max_age_days` ago.
    MaxAge,
    /// `forbidden-tag`: the tag's kind is listed in `forbid`.
    ForbiddenTag,
    /// `missing-field`: a field `require` asks for is absent or empty.
    MissingField,
    /// `bad-date`: a date a rule reads (`due`, `origination_date`) is not `YYYY-MM-DD`.
    BadDate,
    /// `mandatory-field`: the issue tracker's `mandatory_fields`.
    MandatoryField,
    /// `invalid-author`: originator or assignee not in `valid_authors`.
    InvalidAuthor,
    /// `invalid-release`: `release` not in `valid_releases`.
    InvalidRelease,
    /// `invalid-status`: `status` not in `valid_status`.
    InvalidStatus,
    /// `invalid-priority`: `priority` not in `valid_priorities`.
    InvalidPriority,
    /// `invalid-iteration`: `iteration` not in `valid_iterations`.
    InvalidIteration,
    /// `invalid-category`: `category` not in `valid_categories`.
    InvalidCategory,
    /// `invalid-custom-field`: a custom field not in `valid_custom_field_names`.
    InvalidCustomField,
    /// `invalid-change-type`: a done item's `change_type` is not a Keep a Changelog section.
    InvalidChangeType,
    /// `done-missing-assignee`: a done item has no assignee.
    DoneMissingAssignee,
    /// `done-missing-release`: a done item has no release.
    DoneMissingRelease,
    /// `done-missing-closed-date`: a done item (by status) has no `closed_date`.
    DoneMissingClosedDate,
}

/// What a rule is, for `--help`-like listings and for SARIF rule descriptors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleInfo {
    /// The rule.
    pub rule: Rule,
    /// The stable id, e.g. `overdue`.
    pub id: &'static str,
    /// One line: what the rule finds.
    pub short: &'static str,
    /// What to do about it, and which setting drives the rule.
    pub help: &'static str,
    /// The severity when `[tool.pycodetags.check.severity]` does not set one.
    pub default_severity: Severity,
    /// Whether the rule is pycodetags-issue-tracker 0.4.0's `validate` (its messages are
    /// that plugin's, word for word).
    pub from_issue_tracker: bool,
}

const fn info(
    rule: Rule,
    id: &'static str,
    short: &'static str,
    help: &'static str,
    from_issue_tracker: bool,
) -> RuleInfo {
    RuleInfo {
        rule,
        id,
        short,
        help,
        default_severity: Severity::Error,
        from_issue_tracker,
    }
}

/// Every rule, in the order a tag's findings are reported: the issue tracker's checks in its
/// own order, then `[tool.pycodetags.check]`'s.
pub const RULES: &[RuleInfo] = &[
    info(
        Rule::DoneMissingAssignee,
        "done-missing-assignee",
        "A done item has no assignee.",
        "An item is done when it has a closed_date, or a status listed in closed_status. Add \
         assignee=NAME to say who did it.",
        true,
    ),
    info(
        Rule::DoneMissingRelease,
        "done-missing-release",
        "A done item has no release.",
        "Add release=VERSION (one of valid_releases, when set) to say where it shipped.",
        true,
    ),
    info(
        Rule::DoneMissingClosedDate,
        "done-missing-closed-date",
        "An item done by its status has no closed date.",
        "Add closed_date=YYYY-MM-DD.",
        true,
    ),
    info(
        Rule::MandatoryField,
        "mandatory-field",
        "A field listed in mandatory_fields is missing.",
        "[tool.pycodetags] mandatory_fields lists fields every tag needs (priority and \
         iteration are not required of done items).",
        true,
    ),
    info(
        Rule::InvalidAuthor,
        "invalid-author",
        "The originator or assignee is not a valid author.",
        "Use a name from valid_authors (or valid_authors_file), or add the person there.",
        true,
    ),
    info(
        Rule::InvalidRelease,
        "invalid-release",
        "The release is not in valid_releases.",
        "Use a release from valid_releases (compared as written, against the lower-cased list).",
        true,
    ),
    info(
        Rule::InvalidChangeType,
        "invalid-change-type",
        "A done item's change_type is not a Keep a Changelog section.",
        "Set change_type to Added, Changed, Deprecated, Removed, Fixed or Security (any case).",
        true,
    ),
    info(
        Rule::InvalidStatus,
        "invalid-status",
        "The status is not in valid_status.",
        "Use a status from valid_status (any case).",
        true,
    ),
    info(
        Rule::InvalidPriority,
        "invalid-priority",
        "The priority is not in valid_priorities.",
        "Use a priority from valid_priorities (any case).",
        true,
    ),
    info(
        Rule::InvalidIteration,
        "invalid-iteration",
        "The iteration is not in valid_iterations.",
        "Use an iteration from valid_iterations (any case).",
        true,
    ),
    info(
        Rule::InvalidCategory,
        "invalid-category",
        "The category is not in valid_categories.",
        "Use a category from valid_categories (any case).",
        true,
    ),
    info(
        Rule::InvalidCustomField,
        "invalid-custom-field",
        "A custom field is not in valid_custom_field_names.",
        "Custom fields are the keys the schema does not know (with PEP350, also due, release, \
         iteration, …). Rename the field or add it to valid_custom_field_names.",
        true,
    ),
    info(
        Rule::Overdue,
        "overdue",
        "The due date has passed.",
        "The tag's due (or d) date is before today (--today, CODETAGS_TODAY). Do the work, \
         move the date, or close the item (closed_date, or a closed_status status). \
         [tool.pycodetags.check] overdue = false turns the rule off.",
        false,
    ),
    info(
        Rule::MaxAge,
        "max-age",
        "The tag is older than max_age_days.",
        "Age counts from origination_date (the date in a PEP 350 <author YYYY-MM-DD> block), \
         or from another date source such as blame when the tag has none. Resolve or remove \
         old tags, or raise [tool.pycodetags.check] max_age_days.",
        false,
    ),
    info(
        Rule::ForbiddenTag,
        "forbidden-tag",
        "This kind of tag is not allowed.",
        "[tool.pycodetags.check] forbid lists tag kinds (XXX, HACK, …) that must not be merged.",
        false,
    ),
    info(
        Rule::MissingField,
        "missing-field",
        "A field required for this kind of tag is missing.",
        "[tool.pycodetags.check] require maps tag kinds (or \"*\" for all) to the fields they \
         need, e.g. require = { TODO = [\"assignee\", \"due\"] }.",
        false,
    ),
    info(
        Rule::BadDate,
        "bad-date",
        "A date is not YYYY-MM-DD.",
        "due and origination_date must be dates written YYYY-MM-DD; a date that cannot be read \
         cannot be checked.",
        false,
    ),
];

impl Rule {
    /// The rule's entry in [`RULES`].
    ///
    /// ```
    /// use codetags_cli::check::{Rule, Severity};
    /// assert_eq!(Rule::Overdue.id(), "overdue");
    /// assert_eq!(Rule::Overdue.info().default_severity, Severity::Error);
    /// assert_eq!("invalid-status".parse::<Rule>(), Ok(Rule::InvalidStatus));
    /// ```
    pub fn info(self) -> &'static RuleInfo {
        &RULES[self.index()]
    }

    /// The rule's position in [`RULES`] (a `match`, so a new rule cannot lack an entry).
    fn index(self) -> usize {
        match self {
            Rule::DoneMissingAssignee => 0,
            Rule::DoneMissingRelease => 1,
            Rule::DoneMissingClosedDate => 2,
            Rule::MandatoryField => 3,
            Rule::InvalidAuthor => 4,
            Rule::InvalidRelease => 5,
            Rule::InvalidChangeType => 6,
            Rule::InvalidStatus => 7,
            Rule::InvalidPriority => 8,
            Rule::InvalidIteration => 9,
            Rule::InvalidCategory => 10,
            Rule::InvalidCustomField => 11,
            Rule::Overdue => 12,
            Rule::MaxAge => 13,
            Rule::ForbiddenTag => 14,
            Rule::MissingField => 15,
            Rule::BadDate => 16,
        }
    }

    /// The stable id, e.g. `max-age`.
    pub fn id(self) -> &'static str {
        self.info().id
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// A string that is no rule id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown rule {0:?}; rules: {known}", known = rule_ids().join(", "))]
pub struct UnknownRule(pub String);

impl FromStr for Rule {
    type Err = UnknownRule;
    fn from_str(s: &str) -> Result<Rule, UnknownRule> {
        RULES
            .iter()
            .find(|info| info.id == s)
            .map(|info| info.rule)
            .ok_or_else(|| UnknownRule(s.to_owned()))
    }
}

/// Every rule id, in [`RULES`] order.
pub fn rule_ids() -> Vec<&'static str> {
    RULES.iter().map(|info| info.id).collect()
}

/// One rule firing on one tag, before `[tool.pycodetags.check.severity]` decides whether and
/// how it is reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// The rule.
    pub rule: Rule,
    /// The message.
    pub message: String,
}

impl Hit {
    /// A hit of `rule` saying `message`.
    pub fn new(rule: Rule, message: impl Into<String>) -> Hit {
        Hit {
            rule,
            message: message.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_rule_has_its_own_entry_and_id() {
        for (i, info) in RULES.iter().enumerate() {
            assert_eq!(info.rule.index(), i, "{}", info.id);
            assert_eq!(info.id.parse::<Rule>(), Ok(info.rule));
            assert!(
                info.id.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
                "{}",
                info.id
            );
        }
        let mut ids = rule_ids();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), RULES.len());
        assert_eq!(
            "late".parse::<Rule>().unwrap_err().to_string(),
            format!("unknown rule \"late\"; rules: {}", rule_ids().join(", "))
        );
    }
}
