//! A tag seen as the issue tracker sees it: pycodetags-issue-tracker 0.4.0's
//! `convert_data_to_TODO`, which reads each attribute from the data fields, else the custom
//! fields (`get_from_custom_or_data`).
//!
//! One addition: the default fields are consulted last. pycodetags 0.8.1 never fills them (its
//! grammars put positional values in data fields), so answers for its tags are unchanged;
//! codetags' folk grammar puts `# TODO(alice): …`'s people there, and the plugin's author check
//! was written for exactly that list (0.7.0's folk tags).

use codetags_parse::{FieldValue, Tag};

/// An attribute's value, with Python's truthiness ([`Attr::is_truthy`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Attr<'a> {
    /// `None`.
    None,
    /// A string.
    Str(&'a str),
    /// A list of strings (a folk tag's people).
    List(&'a [String]),
    /// A number (`estimate`, parsed to hours).
    Number(f64),
}

impl<'a> Attr<'a> {
    /// Python's `bool(value)`.
    pub fn is_truthy(self) -> bool {
        match self {
            Attr::None => false,
            Attr::Str(s) => !s.is_empty(),
            Attr::List(items) => !items.is_empty(),
            Attr::Number(n) => n != 0.0,
        }
    }

    /// Python's `value or other`.
    fn or(self, other: Attr<'a>) -> Attr<'a> {
        if self.is_truthy() { self } else { other }
    }

    /// The value as Python's f-string shows it (`None` for none).
    pub fn display(self) -> String {
        match self {
            Attr::None => "None".to_owned(),
            Attr::Str(s) => s.to_owned(),
            Attr::List(items) => super::pyrepr::py_str_list(items),
            Attr::Number(n) => format!("{n:?}"),
        }
    }

    fn of(value: Option<&'a FieldValue>) -> Attr<'a> {
        match value {
            None => Attr::None,
            Some(FieldValue::Str(s)) => Attr::Str(s),
            Some(FieldValue::List(items)) => Attr::List(items),
        }
    }
}

/// The attributes of the issue tracker's `TODO` that `mandatory_fields` may name (the fields of
/// the `TODO` dataclass that describe the item; bookkeeping fields such as `offsets` or
/// `data_fields` are not requirements anyone can meet).
pub const TODO_ATTRIBUTES: &[&str] = &[
    "code_tag",
    "comment",
    "title",
    "body",
    "tag_id",
    "assignee",
    "originator",
    "origination_date",
    "due",
    "release_due",
    "release",
    "iteration",
    "change_type",
    "closed_date",
    "closed_comment",
    "tracker",
    "estimate",
    "issue",
    "priority",
    "status",
    "category",
];

/// A tag as the issue tracker's `TODO`.
#[derive(Debug, Clone, Copy)]
pub struct TodoView<'a> {
    tag: &'a Tag,
}

impl<'a> TodoView<'a> {
    /// The view of `tag`.
    pub fn new(tag: &'a Tag) -> Self {
        Self { tag }
    }

    /// The tag.
    pub fn tag(&self) -> &'a Tag {
        self.tag
    }

    /// `get_from_custom_or_data(name)`: the data field, else the custom field, else (codetags'
    /// addition) the default field.
    ///
    /// ```
    /// use codetags_cli::check::fields::{Attr, TodoView};
    /// let tags = codetags_parse::extract_tags(b"# TODO: x <bob priority=high due=2025-01-01>\n",
    ///     codetags_parse::Schema::Pep350).unwrap().tags;
    /// let todo = TodoView::new(&tags[0]);
    /// assert_eq!(todo.field("priority"), Attr::Str("high")); // a data field
    /// assert_eq!(todo.field("due"), Attr::Str("2025-01-01")); // a custom field
    /// assert_eq!(todo.attr("originator"), Attr::Str("bob")); // from `author`
    /// ```
    pub fn field(&self, name: &str) -> Attr<'a> {
        let tag = self.tag;
        Attr::of(
            tag.data_fields
                .get(name)
                .or_else(|| tag.custom_fields.get(name))
                .or_else(|| tag.default_fields.get(name)),
        )
    }

    /// The `TODO` attribute `name` (one of [`TODO_ATTRIBUTES`]) as `convert_data_to_TODO` fills
    /// it; [`Attr::None`] for any other name.
    pub fn attr(&self, name: &str) -> Attr<'a> {
        let tag = self.tag;
        match name {
            "code_tag" => Attr::Str(&tag.code_tag),
            "comment" => Attr::Str(&tag.comment),
            "title" => match &tag.title {
                Some(title) => Attr::Str(title),
                None => self.field("title"),
            },
            "body" => match &tag.body {
                Some(body) => Attr::Str(body),
                None => self.field("body"),
            },
            "tag_id" => Attr::of_str(tag.tag_id.as_deref()).or(self.field("id")),
            "originator" => self.field("originator").or(self.field("author")),
            "estimate" => match self.field("estimate") {
                Attr::Str(raw) => parse_estimate(raw).map_or(Attr::None, Attr::Number),
                _ => Attr::None,
            },
            other if TODO_ATTRIBUTES.contains(&other) => self.field(other),
            _ => Attr::None,
        }
    }

    /// `is_probably_done`: a `closed_date`, or a status (any case) listed in `closed_status`
    /// (already lower-cased).
    pub fn is_probably_done(&self, closed_status: &[String]) -> bool {
        let status_done = match self.attr("status") {
            Attr::Str(status) => !status.is_empty() && closed_status.contains(&py_lower(status)),
            _ => false,
        };
        self.attr("closed_date").is_truthy() || status_done
    }
}

impl<'a> Attr<'a> {
    fn of_str(value: Option<&'a str>) -> Attr<'a> {
        value.map_or(Attr::None, Attr::Str)
    }
}

/// Python's `str.lower()` (close enough: Rust's full Unicode lower-casing).
pub fn py_lower(text: &str) -> String {
    text.to_lowercase()
}

/// The issue tracker's `parse_estimate`: `30m` is half an hour, `2h` two hours, `1.5` one and a
/// half; `None` for what does not parse.
///
/// ```
/// use codetags_cli::check::fields::parse_estimate;
/// assert_eq!(parse_estimate("30m"), Some(0.5));
/// assert_eq!(parse_estimate(" 2H "), Some(2.0));
/// assert_eq!(parse_estimate("soon"), None);
/// ```
pub fn parse_estimate(raw: &str) -> Option<f64> {
    let text = raw.trim().to_lowercase();
    if text.is_empty() {
        return None;
    }
    let parse = |s: &str| s.trim().parse::<f64>().ok();
    if let Some(minutes) = text.strip_suffix('m') {
        parse(minutes).map(|m| m / 60.0)
    } else if let Some(hours) = text.strip_suffix('h') {
        parse(hours)
    } else {
        parse(&text)
    }
}
