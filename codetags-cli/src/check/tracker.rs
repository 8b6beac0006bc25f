//! pycodetags-issue-tracker 0.4.0's `TODO.validate`, rule for rule and message for message
//! (`pycodetags issues --format validate` prints these messages).
//!
//! One message differs on purpose: for a done item without `closed_date` the plugin suggests
//! `datetime.datetime.now()` (`2025-07-05 12:34:56.123456`); codetags suggests today's date as
//! `closed_date` must be written (`2025-07-05`), and "today" is `--today` when given, so the
//! message is reproducible.

use super::fields::{Attr, TodoView, py_lower};
use super::pyrepr::py_str_list;
use super::rule::{Hit, Rule};
use super::settings::TrackerSettings;
use chrono::NaiveDate;

/// The sections of Keep a Changelog, the only `change_type`s of a done item.
pub const CHANGE_TYPES: &[&str] = &[
    "Added",
    "Changed",
    "Deprecated",
    "Removed",
    "Fixed",
    "Security",
];

/// The plugin's checks of one item, in its order.
///
/// ```
/// use codetags_cli::check::{tracker::validate, fields::TodoView, TrackerSettings, Rule};
/// let tags = codetags_parse::extract_tags(b"# TODO: x <bob status=wip>\n",
///     codetags_parse::Schema::Pep350).unwrap().tags;
/// let settings = TrackerSettings { valid_status: vec!["open".into()], ..Default::default() };
/// let today = chrono::NaiveDate::from_ymd_opt(2025, 7, 5).unwrap();
/// let hits = validate(&TodoView::new(&tags[0]), &settings, today);
/// assert_eq!(hits[0].rule, Rule::InvalidStatus);
/// assert_eq!(hits[0].message, "Invalid status wip, valid status ['open']");
/// ```
pub fn validate(todo: &TodoView<'_>, config: &TrackerSettings, today: NaiveDate) -> Vec<Hit> {
    let mut hits = Vec::new();
    let done = todo.is_probably_done(&config.closed_status);

    // Required if done.
    if done {
        if !todo.attr("assignee").is_truthy() {
            hits.push(Hit::new(
                Rule::DoneMissingAssignee,
                "Item is done, missing assignee",
            ));
        }
        if !todo.attr("release").is_truthy() {
            let message = if config.valid_releases.is_empty() {
                "Item is done, missing release (version number)".to_owned()
            } else {
                format!(
                    "Item is done, missing release, suggest {}",
                    py_str_list(&config.valid_releases)
                )
            };
            hits.push(Hit::new(Rule::DoneMissingRelease, message));
        }
        if !todo.attr("closed_date").is_truthy() {
            hits.push(Hit::new(
                Rule::DoneMissingClosedDate,
                format!(
                    "Item is done, missing closed date, suggest {}",
                    today.format("%Y-%m-%d")
                ),
            ));
        }
    }

    // Mandatory fields (priority and iteration are not asked of done items).
    for field in &config.mandatory_fields {
        if done && matches!(field.as_str(), "priority" | "iteration") {
            continue;
        }
        if todo.attr(field).is_truthy() {
            continue;
        }
        let suggestions: &[String] = match field.as_str() {
            "status" => &config.valid_status,
            "category" => &config.valid_categories,
            "priority" => &config.valid_priorities,
            "iteration" => &config.valid_iterations,
            _ => &[],
        };
        let message = if suggestions.is_empty() {
            format!("{field} is required")
        } else {
            format!("{field} is required, suggest {}", py_str_list(suggestions))
        };
        hits.push(Hit::new(Rule::MandatoryField, message));
    }

    // Authors.
    let authors = &config.valid_authors;
    if !authors.is_empty() {
        let mut check_person = |person: &str| {
            if !authors.contains(&py_lower(person)) {
                hits.push(Hit::new(
                    Rule::InvalidAuthor,
                    format!(
                        "Person '{person}' is not on the valid authors list, {}",
                        py_str_list(authors)
                    ),
                ));
            }
        };
        for person in [todo.attr("originator"), todo.attr("assignee")] {
            match person {
                Attr::List(people) => people.iter().for_each(|p| check_person(p)),
                Attr::Str(person) => check_person(person),
                Attr::None | Attr::Number(_) => {}
            }
        }
    }

    // Releases: the value as written, against the lower-cased list.
    if !config.valid_releases.is_empty()
        && let Attr::Str(release) = todo.attr("release")
        && !release.is_empty()
        && !config.valid_releases.iter().any(|r| r == release)
    {
        hits.push(Hit::new(
            Rule::InvalidRelease,
            format!(
                "Release '{release}' is not on the valid release list {}",
                py_str_list(&config.valid_releases)
            ),
        ));
    }

    // Keep a Changelog change types for done items.
    if done {
        let change_type = todo.attr("change_type");
        let normalised = match change_type {
            Attr::Str(s) => py_lower(s).trim().to_owned(),
            _ => String::new(),
        };
        if !CHANGE_TYPES.iter().any(|t| py_lower(t) == normalised) {
            let listed: Vec<String> = CHANGE_TYPES.iter().map(|t| (*t).to_owned()).collect();
            hits.push(Hit::new(
                Rule::InvalidChangeType,
                format!(
                    "change_type '{}' is not on the valid list {}",
                    change_type.display(),
                    py_str_list(&listed)
                ),
            ));
        }
    }

    // Values from the configured lists (an empty value always passes).
    let lists: [(&str, Rule, &[String]); 4] = [
        ("status", Rule::InvalidStatus, &config.valid_status),
        ("priority", Rule::InvalidPriority, &config.valid_priorities),
        (
            "iteration",
            Rule::InvalidIteration,
            &config.valid_iterations,
        ),
        ("category", Rule::InvalidCategory, &config.valid_categories),
    ];
    for (field, rule, valid) in lists {
        if valid.is_empty() {
            continue;
        }
        let values: Vec<&str> = match todo.attr(field) {
            Attr::Str(s) => vec![s],
            Attr::List(items) => items.iter().map(String::as_str).collect(),
            Attr::None | Attr::Number(_) => Vec::new(),
        };
        for value in values {
            if !value.is_empty() && !valid.contains(&py_lower(value)) {
                hits.push(Hit::new(
                    rule,
                    format!(
                        "Invalid {field} {value}, valid {field} {}",
                        py_str_list(valid)
                    ),
                ));
            }
        }
    }

    // Custom field names.
    let names = &config.valid_custom_field_names;
    if !names.is_empty() {
        for (name, _) in todo.tag().custom_fields.iter() {
            if !names.contains(&py_lower(name)) {
                hits.push(Hit::new(
                    Rule::InvalidCustomField,
                    format!(
                        "Custom field '{name}' is not on the valid custom field list {}",
                        py_str_list(names)
                    ),
                ));
            }
        }
    }
    hits
}
