//! What `codetags check` is told to check: the issue tracker's keys in `[tool.pycodetags]`
//! ([`TrackerSettings`]) and `[tool.pycodetags.check]` ([`CheckSettings`]), read through the
//! config layer's figment setup ([`crate::config::section_figment`]).
//!
//! Unknown keys in `[tool.pycodetags.check]` are an error, where unknown keys of
//! `[tool.pycodetags]` are only a warning: that table is shared with pycodetags and its plugins,
//! so a key codetags does not know may well be someone else's, but the `check` table is
//! codetags' alone, and there a misspelt key (`max_age_day = 30`) would silently switch a gate
//! off — a check that passes because it did not understand its instructions is worse than one
//! that stops.

use super::fields::{TODO_ATTRIBUTES, py_lower};
use super::rule::{Rule, Severity};
use crate::config::{ConfigError, ProjectConfig, figment_error, section_figment};
use crate::display::display_path;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// The issue tracker's (pycodetags-issue-tracker 0.4.0) validation keys of `[tool.pycodetags]`.
/// Every list is lower-cased, as the plugin's `IssueTrackerConfig` does; an empty list means
/// "anything goes".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrackerSettings {
    /// `mandatory_fields`: attributes every tag needs (see
    /// [`TODO_ATTRIBUTES`](super::fields::TODO_ATTRIBUTES)).
    pub mandatory_fields: Vec<String>,
    /// `valid_status`.
    pub valid_status: Vec<String>,
    /// `valid_priorities`.
    pub valid_priorities: Vec<String>,
    /// `valid_iterations`.
    pub valid_iterations: Vec<String>,
    /// `valid_categories`.
    pub valid_categories: Vec<String>,
    /// `valid_authors`, or the people in `valid_authors_file` when `valid_authors_schema` says
    /// how to read it.
    pub valid_authors: Vec<String>,
    /// `valid_releases`.
    pub valid_releases: Vec<String>,
    /// `valid_custom_field_names`.
    pub valid_custom_field_names: Vec<String>,
    /// `closed_status`: statuses that make an item done.
    pub closed_status: Vec<String>,
}

/// How a rule is configured in `[tool.pycodetags.check.severity]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Report at this severity.
    Report(Severity),
    /// Do not evaluate the rule.
    Off,
}

/// Everything `codetags check` evaluates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckSettings {
    /// The issue tracker's keys.
    pub tracker: TrackerSettings,
    /// `overdue` (default `true`): report tags whose due date has passed.
    pub overdue: bool,
    /// `max_age_days`: report tags written more than this many days ago; `None`: no limit.
    pub max_age_days: Option<u32>,
    /// `forbid`: tag kinds (upper-cased) that are not allowed.
    pub forbid: Vec<String>,
    /// `require`: per tag kind (upper-cased, or `*` for every tag), fields (lower-cased) it
    /// must carry.
    pub require: BTreeMap<String, Vec<String>>,
    /// `severity`: per rule, a severity or `off`; rules not named keep their default.
    pub severity: BTreeMap<Rule, Level>,
}

impl Default for CheckSettings {
    fn default() -> Self {
        Self {
            tracker: TrackerSettings::default(),
            overdue: true,
            max_age_days: None,
            forbid: Vec::new(),
            require: BTreeMap::new(),
            severity: BTreeMap::new(),
        }
    }
}

impl CheckSettings {
    /// The severity `rule` reports at, `None` when it is off (by `severity`, or `overdue =
    /// false`, or no `max_age_days`).
    pub fn severity_of(&self, rule: Rule) -> Option<Severity> {
        let switched_on = match rule {
            Rule::Overdue => self.overdue,
            Rule::MaxAge => self.max_age_days.is_some(),
            _ => true,
        };
        if !switched_on {
            return None;
        }
        match self.severity.get(&rule) {
            Some(Level::Off) => None,
            Some(Level::Report(severity)) => Some(*severity),
            None => Some(rule.info().default_severity),
        }
    }

    /// Reads the settings from the file `config` came from (defaults when there is none).
    ///
    /// ```
    /// use codetags_cli::{check::{CheckSettings, Rule, Severity}, config::ProjectConfig};
    /// let dir = tempfile::tempdir().unwrap();
    /// let file = dir.path().join("pyproject.toml");
    /// std::fs::write(&file, "[tool.pycodetags]\nvalid_status = [\"Open\", \"Done\"]\n\
    ///     [tool.pycodetags.check]\nmax_age_days = 90\nforbid = [\"xxx\"]\n\
    ///     severity = { overdue = \"warning\" }\n").unwrap();
    /// let settings = CheckSettings::load(&ProjectConfig::load(&file).unwrap()).unwrap();
    /// assert_eq!(settings.tracker.valid_status, ["open", "done"]);
    /// assert_eq!(settings.max_age_days, Some(90));
    /// assert_eq!(settings.forbid, ["XXX"]);
    /// assert_eq!(settings.severity_of(Rule::Overdue), Some(Severity::Warning));
    ///
    /// std::fs::write(&file, "[tool.pycodetags.check]\nmax_age_day = 90\n").unwrap();
    /// let error = CheckSettings::load(&ProjectConfig::load(&file).unwrap()).unwrap_err();
    /// assert!(error.to_string().contains("`tool.pycodetags.check.max_age_day`"), "{error}");
    /// ```
    ///
    /// # Errors
    /// A [`ConfigError`] naming the key, the value and the file: a value of the wrong type, an
    /// unknown key in `[tool.pycodetags.check]`, an unknown rule or severity, a
    /// `mandatory_fields` entry that is no attribute of an item, an unreadable
    /// `valid_authors_file`.
    pub fn load(config: &ProjectConfig) -> Result<CheckSettings, ConfigError> {
        let Some(file) = &config.file else {
            return Ok(CheckSettings::default());
        };
        let figment = section_figment(file);
        let raw: RawSection = figment.extract().map_err(|e| figment_error(&figment, e))?;
        let origin = display_path(file).into_owned();
        let bad = |key: String, value: String, reason: &str| ConfigError::BadValue {
            key,
            value,
            origin: origin.clone(),
            reason: reason.to_owned(),
        };
        let mut settings = CheckSettings {
            tracker: tracker_settings(&raw, &config.base_dir, &bad)?,
            ..CheckSettings::default()
        };
        let Some(check) = raw.check else {
            return Ok(settings);
        };
        if let Some(overdue) = check.overdue {
            settings.overdue = overdue;
        }
        settings.max_age_days = check.max_age_days;
        for (i, kind) in check.forbid.unwrap_or_default().into_iter().enumerate() {
            if kind.trim().is_empty() {
                return Err(bad(
                    format!("check.forbid[{i}]"),
                    "\"\"".into(),
                    "empty tag kind",
                ));
            }
            settings.forbid.push(kind.trim().to_uppercase());
        }
        for (kind, fields) in check.require.unwrap_or_default() {
            let key = format!("check.require.{kind}");
            if kind.trim().is_empty() {
                return Err(bad(
                    key,
                    "\"\"".into(),
                    "empty tag kind; use \"*\" for every tag",
                ));
            }
            let entry = settings
                .require
                .entry(kind.trim().to_uppercase())
                .or_default();
            for (i, field) in fields.into_iter().enumerate() {
                if field.trim().is_empty() {
                    return Err(bad(
                        format!("{key}[{i}]"),
                        "\"\"".into(),
                        "empty field name",
                    ));
                }
                let field = field.trim().to_lowercase();
                if !entry.contains(&field) {
                    entry.push(field);
                }
            }
        }
        for (id, level) in check.severity.unwrap_or_default() {
            let key = format!("check.severity.{id}");
            let rule: Rule = id.parse().map_err(|e: super::rule::UnknownRule| {
                bad(key.clone(), format!("{id:?}"), &e.to_string())
            })?;
            let level = match level.as_str() {
                "error" => Level::Report(Severity::Error),
                "warning" => Level::Report(Severity::Warning),
                "off" => Level::Off,
                _ => {
                    return Err(bad(
                        key,
                        format!("{level:?}"),
                        "expected \"error\", \"warning\" or \"off\"",
                    ));
                }
            };
            settings.severity.insert(rule, level);
        }
        Ok(settings)
    }
}

/// The issue tracker's keys, lower-cased as `IssueTrackerConfig` does.
fn tracker_settings(
    raw: &RawSection,
    base_dir: &Path,
    bad: &dyn Fn(String, String, &str) -> ConfigError,
) -> Result<TrackerSettings, ConfigError> {
    let lower = |list: &Option<Vec<String>>| -> Vec<String> {
        list.iter().flatten().map(|item| py_lower(item)).collect()
    };
    let str_lower = |list: &Option<Vec<PyStr>>| -> Vec<String> {
        list.iter()
            .flatten()
            .map(|item| py_lower(&item.0))
            .collect()
    };
    let mandatory_fields = lower(&raw.mandatory_fields);
    for (i, name) in mandatory_fields.iter().enumerate() {
        if !TODO_ATTRIBUTES.contains(&name.as_str()) {
            return Err(bad(
                format!("mandatory_fields[{i}]"),
                format!("{name:?}"),
                &format!(
                    "not a field of an item; choose from {}",
                    TODO_ATTRIBUTES.join(", ")
                ),
            ));
        }
    }
    Ok(TrackerSettings {
        mandatory_fields,
        valid_status: str_lower(&raw.valid_status),
        valid_priorities: lower(&raw.valid_priorities),
        valid_iterations: lower(&raw.valid_iterations),
        valid_categories: str_lower(&raw.valid_categories),
        valid_authors: valid_authors(raw, base_dir, bad)?,
        valid_releases: str_lower(&raw.valid_releases),
        valid_custom_field_names: lower(&raw.valid_custom_field_names),
        closed_status: str_lower(&raw.closed_status),
    })
}

/// `valid_authors`, or when `valid_authors_file` and `valid_authors_schema` are both set, the
/// people in the file. Two deliberate differences from the plugin, whose file reading cannot
/// match anyone (it keeps each line's newline with `single_column`, and compares lower-cased
/// names with the file's own spelling with `gnu_gnits`): lines are stripped and names
/// lower-cased, and a relative file is found beside the `pyproject.toml`, not in the working
/// directory.
fn valid_authors(
    raw: &RawSection,
    base_dir: &Path,
    bad: &dyn Fn(String, String, &str) -> ConfigError,
) -> Result<Vec<String>, ConfigError> {
    let file = raw.valid_authors_file.clone().unwrap_or_default();
    let schema = raw.valid_authors_schema.clone().unwrap_or_default();
    if !matches!(schema.as_str(), "gnu_gnits" | "single_column" | "") {
        return Err(bad(
            "valid_authors_schema".into(),
            format!("{schema:?}"),
            "expected \"gnu_gnits\", \"single_column\" or \"\"",
        ));
    }
    if file.is_empty() || schema.is_empty() {
        if !file.is_empty() {
            return Err(bad(
                "valid_authors_schema".into(),
                "\"\"".into(),
                "valid_authors_file is set, so valid_authors_schema must say how to read it: \
                 \"gnu_gnits\" or \"single_column\"",
            ));
        }
        return Ok(raw
            .valid_authors
            .iter()
            .flatten()
            .map(|item| py_lower(item))
            .collect());
    }
    let path = base_dir.join(&file);
    let text = std::fs::read_to_string(&path).map_err(|e| {
        bad(
            "valid_authors_file".into(),
            format!("{file:?}"),
            &format!("cannot read {}: {e}", display_path(&path)),
        )
    })?;
    let mut people: Vec<String> = Vec::new();
    let mut add = |name: &str| {
        let name = py_lower(name.trim());
        if !name.is_empty() && !people.contains(&name) {
            people.push(name);
        }
    };
    for line in text.lines() {
        let line = line.trim();
        if schema == "single_column" {
            add(line);
        } else if !line.is_empty() && !line.starts_with('#') {
            // `Name <email>` (`^\s*(.*?)(?:\s+<([^>]+)>)?\s*$`): the name, and the address.
            match split_email(line) {
                Some((name, email)) => {
                    add(name);
                    add(email);
                }
                None => add(line),
            }
        }
    }
    Ok(people)
}

/// `Name <email>` → `("Name", "email")`: a trailing `<…>` without `>` inside, after white
/// space.
fn split_email(line: &str) -> Option<(&str, &str)> {
    let inner = line.strip_suffix('>')?;
    let open = inner.rfind('<')?;
    let (name, email) = (&inner[..open], &inner[open + 1..]);
    if email.is_empty() || email.contains('>') || !name.ends_with(char::is_whitespace) {
        return None;
    }
    Some((name.trim_end(), email))
}

/// The parts of `[tool.pycodetags]` the check reads; other keys are the config layer's.
#[derive(Debug, Default, Deserialize)]
struct RawSection {
    check: Option<RawCheck>,
    // The plugin lower-cases these with `item.lower()`: strings only.
    mandatory_fields: Option<Vec<String>>,
    valid_priorities: Option<Vec<String>>,
    valid_iterations: Option<Vec<String>>,
    valid_authors: Option<Vec<String>>,
    valid_custom_field_names: Option<Vec<String>>,
    // … and these with `str(item).lower()`: numbers too.
    valid_status: Option<Vec<PyStr>>,
    valid_categories: Option<Vec<PyStr>>,
    valid_releases: Option<Vec<PyStr>>,
    closed_status: Option<Vec<PyStr>>,
    valid_authors_file: Option<String>,
    valid_authors_schema: Option<String>,
}

/// `[tool.pycodetags.check]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCheck {
    overdue: Option<bool>,
    max_age_days: Option<u32>,
    forbid: Option<Vec<String>>,
    require: Option<BTreeMap<String, Vec<String>>>,
    severity: Option<BTreeMap<String, String>>,
}

/// A list item the plugin reads with `str(item)`, so `valid_releases = [1, 2]` means
/// `["1", "2"]` (a float is written as Rust's `{:?}` writes it, which is Python's `repr` for
/// the usual values such as `1.5` or `2.0`).
#[derive(Debug)]
struct PyStr(String);

impl<'de> Deserialize<'de> for PyStr {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = PyStr;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string or a number")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<PyStr, E> {
                Ok(PyStr(v.to_owned()))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<PyStr, E> {
                Ok(PyStr(v.to_string()))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<PyStr, E> {
                Ok(PyStr(v.to_string()))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<PyStr, E> {
                Ok(PyStr(format!("{v:?}")))
            }
            fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<PyStr, E> {
                Ok(PyStr(if v { "True" } else { "False" }.to_owned()))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gnits_lines_give_names_and_addresses() {
        assert_eq!(
            split_email("Ann Lee <ann@example.com>"),
            Some(("Ann Lee", "ann@example.com"))
        );
        assert_eq!(split_email("ann<ann@example.com>"), None);
        assert_eq!(split_email("ann <>"), None);
        assert_eq!(split_email("ann"), None);
    }
}
