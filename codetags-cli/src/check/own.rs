//! The rules of `[tool.pycodetags.check]`: `overdue`, `max-age`, `forbidden-tag`,
//! `missing-field`, and `bad-date` for a date one of them cannot read.

use super::dates::parse_ymd;
use super::fields::{Attr, TodoView};
use super::rule::{Hit, Rule};
use super::settings::CheckSettings;
use chrono::NaiveDate;

/// A date the tag was written on, from somewhere other than the tag itself (such as `git
/// blame`): `max-age` uses it when the tag has no `origination_date`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WrittenOn {
    /// The date.
    pub date: NaiveDate,
    /// Where it comes from, as the message names it (`blame`).
    pub source: &'static str,
}

/// Field names and the other keys that mean the same (the issue tracker's one-letter aliases,
/// the core schemas' `cat`, and `author` for `originator`, as the plugin reads it).
const ALIASES: &[(&str, &[&str])] = &[
    ("priority", &["p"]),
    ("due", &["d"]),
    ("tracker", &["t"]),
    ("status", &["s"]),
    ("category", &["c", "cat"]),
    ("iteration", &["i"]),
    ("release", &["r"]),
    ("assignee", &["a"]),
    ("originator", &["author"]),
];

/// `field` and its aliases.
fn spellings(field: &str) -> impl Iterator<Item = &str> {
    let aliases = ALIASES
        .iter()
        .find(|(name, _)| *name == field)
        .map_or(&[][..], |(_, aliases)| aliases);
    std::iter::once(field).chain(aliases.iter().copied())
}

/// The first spelling of `field` (the name, then its aliases) the tag carries, with its value.
fn find<'a>(todo: &TodoView<'a>, field: &'static str) -> Option<(&'static str, Attr<'a>)> {
    spellings(field)
        .map(|key| (key, todo.field(key)))
        .find(|(_, value)| *value != Attr::None)
}

/// Whether the tag carries `field` (or an alias of it) with a non-empty value. `id`, `title`
/// and `body` are also found where the grammar puts them.
pub fn has_field(todo: &TodoView<'_>, field: &str) -> bool {
    let tag = todo.tag();
    let special = match field {
        "id" | "tag_id" => tag.tag_id.as_deref().is_some_and(|s| !s.is_empty()),
        "title" => tag.title.as_deref().is_some_and(|s| !s.is_empty()),
        "body" => tag.body.as_deref().is_some_and(|s| !s.is_empty()),
        _ => false,
    };
    special || spellings(field).any(|key| todo.field(key).is_truthy())
}

/// The rules of `[tool.pycodetags.check]` on one tag, in the order `overdue` (or `bad-date`
/// for its date), `max-age` (or `bad-date`), `forbidden-tag`, `missing-field`. Rules that are
/// off are not evaluated.
///
/// ```
/// use codetags_cli::check::{own::check_tag, fields::TodoView, CheckSettings, Rule};
/// let tags = codetags_parse::extract_tags(b"# TODO: ship <due=2025-07-01>\n",
///     codetags_parse::Schema::Pep350).unwrap().tags;
/// let on = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap();
/// let settings = CheckSettings::default();
/// let todo = TodoView::new(&tags[0]);
/// assert!(check_tag(&todo, None, &settings, on(2025, 7, 1)).is_empty());
/// let hits = check_tag(&todo, None, &settings, on(2025, 7, 3));
/// assert_eq!(hits[0].rule, Rule::Overdue);
/// assert_eq!(hits[0].message, "TODO was due 2025-07-01 (2 days ago)");
/// ```
pub fn check_tag(
    todo: &TodoView<'_>,
    written_on: Option<WrittenOn>,
    settings: &CheckSettings,
    today: NaiveDate,
) -> Vec<Hit> {
    let mut hits = Vec::new();
    let tag = todo.tag();
    let kind = tag.code_tag.as_str();
    let closed =
        todo.is_probably_done(&settings.tracker.closed_status) || kind.eq_ignore_ascii_case("DONE");

    if settings.severity_of(Rule::Overdue).is_some() && !closed {
        match read_date(todo, "due") {
            Some((_, Ok(due))) if due < today => {
                let days = (today - due).num_days();
                hits.push(Hit::new(
                    Rule::Overdue,
                    format!("{kind} was due {due} ({})", days_ago(days)),
                ));
            }
            Some((key, Err(raw))) => hits.push(bad_date(key, raw)),
            _ => {}
        }
    }

    if let Some(max) = settings.max_age_days
        && settings.severity_of(Rule::MaxAge).is_some()
    {
        let written = match read_date(todo, "origination_date") {
            Some((key, Ok(date))) => Some((date, key)),
            Some((key, Err(raw))) => {
                hits.push(bad_date(key, raw));
                None
            }
            None => written_on.map(|w| (w.date, w.source)),
        };
        if let Some((date, source)) = written {
            let age = (today - date).num_days();
            if age > i64::from(max) {
                hits.push(Hit::new(
                    Rule::MaxAge,
                    format!(
                        "{kind} is {age} days old ({source} {date}), more than max_age_days = {max}"
                    ),
                ));
            }
        }
    }

    if settings.forbid.iter().any(|f| f.eq_ignore_ascii_case(kind)) {
        hits.push(Hit::new(
            Rule::ForbiddenTag,
            format!("{kind} tags are not allowed ([tool.pycodetags.check] forbid)"),
        ));
    }

    let mut required: Vec<&str> = Vec::new();
    for (key, fields) in &settings.require {
        if key == "*" || key.eq_ignore_ascii_case(kind) {
            for field in fields {
                if !required.contains(&field.as_str()) {
                    required.push(field);
                }
            }
        }
    }
    for field in required {
        if !has_field(todo, field) {
            hits.push(Hit::new(
                Rule::MissingField,
                format!("{kind} needs the field {field} ([tool.pycodetags.check] require)"),
            ));
        }
    }
    hits
}

/// The tag's `field` (or an alias), read as a date: the key it was found under, and the date
/// or the text that is none. `None` when the tag has no such field (or an empty one).
fn read_date<'a>(
    todo: &TodoView<'a>,
    field: &'static str,
) -> Option<(&'static str, Result<NaiveDate, String>)> {
    let (key, value) = find(todo, field)?;
    let text = match value {
        Attr::Str("") => return None,
        Attr::Str(s) => s.to_owned(),
        other => other.display(),
    };
    Some((key, parse_ymd(&text).ok_or(text)))
}

fn bad_date(key: &str, raw: String) -> Hit {
    Hit::new(
        Rule::BadDate,
        format!("{key} {raw:?} is not a date; write it YYYY-MM-DD"),
    )
}

fn days_ago(days: i64) -> String {
    if days == 1 {
        "1 day ago".to_owned()
    } else {
        format!("{days} days ago")
    }
}
