//! The planning fields of a tag — due date, assignees, status, release, change type, … — as
//! the board, the page and the changelog read them.
//!
//! pycodetags keeps unknown keys as custom fields, and its issue-tracker plugin (0.4.0) gives
//! most of them one-letter aliases. A field is looked up by its name, then by its alias, in the
//! data fields, then the custom fields, then the default fields (folk tags' `assignee`):
//!
//! | field | alias |
//! |---|---|
//! | `due` | `d` |
//! | `assignee` | `a` |
//! | `status` | `s` |
//! | `priority` | `p` |
//! | `category` | `c` |
//! | `release` | `r` |
//! | `iteration` | `i` |
//! | `tracker` | `t` |
//! | `change_type`, `closed_date`, `origination_date`, `author` | — |

use crate::extract::Tag;
use chrono::NaiveDate;
use codetags_parse::FieldValue;

/// Read access to one tag's planning fields.
#[derive(Debug, Clone, Copy)]
pub struct TagFields<'a>(pub &'a Tag);

impl<'a> TagFields<'a> {
    /// The value of `name` or `alias`: a string as it is, a list joined with `, `; empty values
    /// count as absent.
    pub fn get(&self, name: &str, alias: Option<&str>) -> Option<String> {
        let tag = self.0;
        let keys = std::iter::once(name).chain(alias);
        for key in keys {
            for map in [&tag.data_fields, &tag.custom_fields, &tag.default_fields] {
                let value = match map.get(key) {
                    Some(FieldValue::Str(s)) => s.trim().to_owned(),
                    Some(FieldValue::List(items)) => items
                        .iter()
                        .map(|s| s.trim())
                        .filter(|s| !s.is_empty())
                        .collect::<Vec<_>>()
                        .join(", "),
                    None => continue,
                };
                if !value.is_empty() {
                    return Some(value);
                }
            }
        }
        None
    }

    /// The `due` date text (`d`).
    pub fn due(&self) -> Option<String> {
        self.get("due", Some("d"))
    }

    /// The `due` date, when it is a `YYYY-MM-DD` date.
    pub fn due_date(&self) -> Option<NaiveDate> {
        self.due().as_deref().and_then(parse_date)
    }

    /// Whether the tag is due before `today` and not done.
    ///
    /// ```
    /// use codetags_cli::report::fields::TagFields;
    /// use codetags_parse::{extract_tags, Schema};
    /// let found = extract_tags(b"# TODO: ship <due:2025-01-31>\n# DONE: shipped <d:2025-01-01>\n", Schema::Pep350).unwrap();
    /// let today = chrono::NaiveDate::from_ymd_opt(2025, 2, 1).unwrap();
    /// assert!(TagFields(&found.tags[0]).is_overdue(today));
    /// assert!(!TagFields(&found.tags[1]).is_overdue(today)); // done
    /// assert!(!TagFields(&found.tags[0]).is_overdue(today.pred_opt().unwrap().pred_opt().unwrap()));
    /// ```
    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        !self.is_done() && self.due_date().is_some_and(|due| due < today)
    }

    /// The people the tag is assigned to (`assignee`, `a`; folk `TODO(alice, bob)`), split at
    /// commas.
    pub fn assignees(&self) -> Vec<String> {
        self.get("assignee", Some("a"))
            .map(|text| {
                text.split(',')
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// `status` (`s`).
    pub fn status(&self) -> Option<String> {
        self.get("status", Some("s"))
    }

    /// `priority` (`p`).
    pub fn priority(&self) -> Option<String> {
        self.get("priority", Some("p"))
    }

    /// `category` (`c`).
    pub fn category(&self) -> Option<String> {
        self.get("category", Some("c"))
    }

    /// `release` (`r`).
    pub fn release(&self) -> Option<String> {
        self.get("release", Some("r"))
    }

    /// `iteration` (`i`).
    pub fn iteration(&self) -> Option<String> {
        self.get("iteration", Some("i"))
    }

    /// `tracker` (`t`).
    pub fn tracker(&self) -> Option<String> {
        self.get("tracker", Some("t"))
    }

    /// `change_type` (Keep a Changelog's Added, Changed, …).
    pub fn change_type(&self) -> Option<String> {
        self.get("change_type", None)
    }

    /// `closed_date`, when it is a `YYYY-MM-DD` date.
    pub fn closed_date(&self) -> Option<NaiveDate> {
        self.get("closed_date", None)
            .as_deref()
            .and_then(parse_date)
    }

    /// `origination_date` (PEP 350's positional date), when it is a `YYYY-MM-DD` date.
    pub fn origination_date(&self) -> Option<NaiveDate> {
        self.get("origination_date", None)
            .as_deref()
            .and_then(parse_date)
    }

    /// `author` (PEP 350's positional names).
    pub fn author(&self) -> Option<String> {
        self.get("author", None)
    }

    /// Whether the work is done: the tag is a `DONE`, its status is `done` or `closed` (any
    /// case), or it has a `closed_date` (the issue-tracker plugin's rule).
    pub fn is_done(&self) -> bool {
        self.0.code_tag.eq_ignore_ascii_case("DONE")
            || self
                .status()
                .is_some_and(|s| s.eq_ignore_ascii_case("done") || s.eq_ignore_ascii_case("closed"))
            || self.closed_date().is_some()
    }

    /// The one-line title: the title, else the comment, whitespace collapsed.
    pub fn title(&self) -> String {
        let text = self.0.title.as_deref().unwrap_or(&self.0.comment);
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    }
}

/// A `YYYY-MM-DD` date (surrounding spaces ignored).
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok()
}

/// `key=value` pairs: `id`, then data, custom and default fields in source order. Values with
/// spaces or quotes are JSON-quoted, so the line stays unambiguous (the text report, and the
/// annotations' messages).
pub fn fields_text(tag: &Tag) -> String {
    let mut parts: Vec<String> = Vec::new();
    if let Some(id) = &tag.tag_id {
        parts.push(format!("id={}", quote(id)));
    }
    for map in [&tag.data_fields, &tag.custom_fields, &tag.default_fields] {
        for (key, value) in map.iter() {
            let value = match value {
                FieldValue::Str(s) => quote(s),
                FieldValue::List(items) => quote(&items.join(",")),
            };
            parts.push(format!("{key}={value}"));
        }
    }
    parts.join(" ")
}

fn quote(value: &str) -> String {
    if !value.is_empty()
        && !value
            .chars()
            .any(|c| c.is_whitespace() || c == '"' || c == '\'' || c == '<' || c == '>')
    {
        value.to_owned()
    } else {
        serde_json::to_string(value).unwrap_or_else(|_| format!("{value:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use codetags_parse::{Schema, extract_tags};

    fn tag(source: &str, schema: Schema) -> Tag {
        extract_tags(source.as_bytes(), schema)
            .unwrap()
            .tags
            .remove(0)
    }

    #[test]
    fn fields_are_found_by_name_or_alias_in_any_map() {
        let t = tag(
            "# TODO: a <jdoe d:2025-03-01 s:Open r:1.2 a:ann,bob p:1 change_type:Fixed>\n",
            Schema::Pep350,
        );
        let f = TagFields(&t);
        assert_eq!(f.due().as_deref(), Some("2025-03-01"));
        assert_eq!(f.status().as_deref(), Some("Open"));
        assert_eq!(f.release().as_deref(), Some("1.2"));
        assert_eq!(f.assignees(), ["ann", "bob"]);
        assert_eq!(f.priority().as_deref(), Some("1"));
        assert_eq!(f.change_type().as_deref(), Some("Fixed"));
        assert_eq!(f.author().as_deref(), Some("jdoe"));
        // The full name wins over the alias.
        let t = tag("# TODO: a <due:2025-01-01 d:2030-01-01>\n", Schema::Pep350);
        assert_eq!(
            TagFields(&t).due_date(),
            NaiveDate::from_ymd_opt(2025, 1, 1)
        );
    }

    #[test]
    fn folk_assignees_are_split_at_commas() {
        let t = tag("# TODO(bob, carol): fix\n", Schema::Folk);
        assert_eq!(TagFields(&t).assignees(), ["bob", "carol"]);
    }

    #[test]
    fn done_means_a_done_tag_a_done_or_closed_status_or_a_closed_date() {
        for (source, done) in [
            ("# DONE: x <p:1>\n", true),
            ("# TODO: x <status:DONE>\n", true),
            ("# TODO: x <status:closed>\n", true),
            ("# TODO: x <closed_date:2025-01-01>\n", true),
            ("# TODO: x <closed_date:someday>\n", false),
            ("# TODO: x <status:open>\n", false),
        ] {
            assert_eq!(
                TagFields(&tag(source, Schema::Pep350)).is_done(),
                done,
                "{source}"
            );
        }
    }

    #[test]
    fn a_due_field_that_is_not_a_date_is_never_overdue() {
        let t = tag("# TODO: x <due:soon>\n", Schema::Pep350);
        let today = NaiveDate::from_ymd_opt(2030, 1, 1).unwrap();
        assert!(!TagFields(&t).is_overdue(today));
        assert_eq!(TagFields(&t).due().as_deref(), Some("soon"));
    }
}
