//! Schemas: which grammar reads a comment block, which tag names it recognises, which metadata
//! keys are schema fields, and the schema dictionary pycodetags 0.8.1 copies into every JSON
//! record.
//!
//! | schema | grammar | tag names |
//! |---|---|---|
//! | [`Schema::Pep350`] | PEP 350 `# TAG: title <metadata>` (pycodetags 0.8.1 `schema = "PEP350"`) | [`CORE_TAGS`] |
//! | [`Schema::Tdg`] | TDG: title line, optional `key=value` line, body (0.8.1 `schema = "TDG"`) | [`CORE_TAGS`] |
//! | [`Schema::Data`] | PEP 350 with no schema fields (0.8.1's `PureDataSchema`, `schema = "DATA"`) | [`DATA_TAGS`] |
//! | [`Schema::Folk`] | folk tags `# TODO(alice): fix` with pycodetags 0.7.0's field rules | [`FOLK_TAGS`] |
//! | [`Schema::Auto`] | per tag: PEP 350 when a `<…>` block closes it, TDG otherwise | [`CORE_TAGS`] |

use serde::de::{self, Deserializer, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The tag names of pycodetags 0.8.1's core `PEP350` and `TDG` schemas, in its order.
pub const CORE_TAGS: &[&str] = &[
    "TODO", "FIXME", "BUG", "HACK", "NOTE", "XXX", "WARNING", "CAUTION", "DONE", "DATA", "REQ",
    "IDEA", "RFE",
];

/// The tag names of pycodetags 0.8.1's `PureDataSchema` (`DATA`), in its order.
pub const DATA_TAGS: &[&str] = &[
    "DATA", "TODO", "FIXME", "BUG", "HACK", "NOTE", "DONE", "XXX",
];

/// The tag names pycodetags 0.7.0's folk pass recognised (`PureDataSchema` 0.7.0's `DATA` plus
/// the issue-tracker plugin's `TODO` schema). `NOTE` and `XXX` are deliberately absent, as there.
pub const FOLK_TAGS: &[&str] = &[
    "DATA",
    "TODO",
    "REQUIREMENT",
    "STORY",
    "IDEA",
    "FIXME",
    "BUG",
    "HACK",
    "CLEVER",
    "MAGIC",
    "ALERT",
    "PORT",
    "DOCUMENT",
];

/// The schema fields of the core `PEP350`/`TDG` schemas with their declared type, in 0.8.1's
/// order. Metadata keys listed here land in `data_fields`, all others in `custom_fields`.
pub const CORE_DATA_FIELDS: &[(&str, &str)] = &[
    ("id", "str"),
    ("issue", "str"),
    ("tracker", "str"),
    ("category", "str"),
    ("estimate", "str"),
    ("author", "str"),
    ("origination_date", "str"),
    ("assignee", "str"),
    ("priority", "str"),
    ("status", "str"),
];

/// The key aliases of the core schemas: `cat` means `category`.
pub const CORE_ALIASES: &[(&str, &str)] = &[("cat", "category")];

/// The field a folk tag's parenthesised people go to (`# TODO(alice, bob): …`), as in 0.7.0.
pub const FOLK_DEFAULT_FIELD: &str = "assignee";

/// A grammar plus its vocabulary. Parsed case-insensitively from configuration strings:
///
/// ```
/// use codetags_parse::Schema;
/// assert_eq!("pep350".parse::<Schema>().unwrap(), Schema::Pep350);
/// assert_eq!("Folk".parse::<Schema>().unwrap(), Schema::Folk);
/// assert_eq!(Schema::Tdg.name(), "TDG");
/// assert!("PEP-350".parse::<Schema>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Schema {
    /// pycodetags 0.8.1's extended PEP 350 grammar (`# TODO: title <owner 2025-01-01 k=v>`).
    Pep350,
    /// pycodetags 0.8.1's TDG grammar (title line, optional `key=value` line, body lines).
    Tdg,
    /// pycodetags 0.8.1's `PureDataSchema`: the PEP 350 grammar, every key a custom field.
    Data,
    /// Folk tags (`# TODO(alice): fix`, `# TODO: 123: fix`) with pycodetags 0.7.0's field rules
    /// and real source offsets.
    Folk,
    /// For users who configure nothing: a tag closed by a `<…>` metadata block reads as PEP 350,
    /// any other tag as TDG. Tags record the grammar that actually read them.
    Auto,
}

/// A configuration string that names no schema.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Unknown schema {name:?}; choose PEP350, TDG, DATA, folk or auto.")]
pub struct UnknownSchema {
    /// The string as given.
    pub name: String,
}

impl Schema {
    /// Every schema, in documentation order.
    pub const ALL: [Schema; 5] = [
        Schema::Pep350,
        Schema::Tdg,
        Schema::Data,
        Schema::Folk,
        Schema::Auto,
    ];

    /// The schema's name: `PEP350`, `TDG`, `DATA`, `folk` or `auto`. It is the
    /// `original_schema` of the tags it reads.
    pub fn name(self) -> &'static str {
        match self {
            Schema::Pep350 => "PEP350",
            Schema::Tdg => "TDG",
            Schema::Data => "DATA",
            Schema::Folk => "folk",
            Schema::Auto => "auto",
        }
    }

    /// The wire format recorded in the schema dictionary: `PEP350` or `TDG` as in 0.8.1, `folk`
    /// and `auto` for our own two.
    pub fn format(self) -> &'static str {
        match self {
            Schema::Pep350 | Schema::Data => "PEP350",
            Schema::Tdg => "TDG",
            Schema::Folk => "folk",
            Schema::Auto => "auto",
        }
    }

    /// The tag names this schema recognises.
    pub fn matching_tags(self) -> &'static [&'static str] {
        match self {
            Schema::Pep350 | Schema::Tdg | Schema::Auto => CORE_TAGS,
            Schema::Data => DATA_TAGS,
            Schema::Folk => FOLK_TAGS,
        }
    }

    /// The schema fields and their declared types.
    pub fn data_fields(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Schema::Pep350 | Schema::Tdg | Schema::Auto => CORE_DATA_FIELDS,
            Schema::Data | Schema::Folk => &[],
        }
    }

    /// Key aliases, `(alias, canonical)`.
    pub fn data_field_aliases(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Schema::Pep350 | Schema::Tdg | Schema::Auto => CORE_ALIASES,
            Schema::Data | Schema::Folk => &[],
        }
    }

    /// Whether `tag` is one of this schema's tag names.
    pub fn matches_tag(self, tag: &str) -> bool {
        self.matching_tags().contains(&tag)
    }

    /// Whether `key` (already lower-cased and de-aliased) is a schema field.
    pub fn is_data_field(self, key: &str) -> bool {
        self.data_fields().iter().any(|(name, _)| *name == key)
    }

    /// The canonical key for `key` (already lower-cased).
    pub fn canonical_key(self, key: &str) -> &str {
        self.data_field_aliases()
            .iter()
            .find(|(alias, _)| *alias == key)
            .map_or(key, |(_, canonical)| canonical)
    }

    /// The schema dictionary in pycodetags 0.8.1's JSON form (`name, format, matching_tags,
    /// default_fields, data_fields, data_field_aliases, field_infos, identity_fields`), as a
    /// value that serialises to exactly that object.
    ///
    /// `DATA` has no `identity_fields` key, as 0.8.1's `PureDataSchema`. `folk` records its
    /// default field as `{"str|list[str]": "assignee"}`; `auto` is the core vocabulary with format
    /// `auto` (tags read by `auto` carry the dictionary of the grammar that read them instead).
    ///
    /// ```
    /// use codetags_parse::Schema;
    /// let json = serde_json::to_string(&Schema::Tdg.dict()).unwrap();
    /// assert!(json.starts_with(r#"{"name":"TDG","format":"TDG","matching_tags":["TODO","#));
    /// ```
    pub fn dict(self) -> SchemaDict {
        SchemaDict(self)
    }
}

impl fmt::Display for Schema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Schema {
    type Err = UnknownSchema;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Schema::ALL
            .into_iter()
            .find(|schema| schema.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownSchema { name: s.to_owned() })
    }
}

/// Serialises as its name, so it reads naturally in configuration and caches.
impl Serialize for Schema {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

/// Accepts any case, like [`FromStr`].
impl<'de> Deserialize<'de> for Schema {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SchemaVisitor;
        impl Visitor<'_> for SchemaVisitor {
            type Value = Schema;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a schema name: PEP350, TDG, DATA, folk or auto")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Schema, E> {
                v.parse().map_err(E::custom)
            }
        }
        deserializer.deserialize_str(SchemaVisitor)
    }
}

/// The schema dictionary of one [`Schema`]; see [`Schema::dict`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SchemaDict(Schema);

/// A JSON object from `(key, value)` pairs, in order.
struct Pairs(&'static [(&'static str, &'static str)]);

impl Serialize for Pairs {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (key, value) in self.0 {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

impl Serialize for SchemaDict {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let schema = self.0;
        let default_fields: &'static [(&str, &str)] = match schema {
            Schema::Folk => &[("str|list[str]", FOLK_DEFAULT_FIELD)],
            _ => &[],
        };
        let has_identity = schema != Schema::Data;
        let mut map = serializer.serialize_map(Some(7 + usize::from(has_identity)))?;
        map.serialize_entry("name", schema.name())?;
        map.serialize_entry("format", schema.format())?;
        map.serialize_entry("matching_tags", schema.matching_tags())?;
        map.serialize_entry("default_fields", &Pairs(default_fields))?;
        map.serialize_entry("data_fields", &Pairs(schema.data_fields()))?;
        map.serialize_entry("data_field_aliases", &Pairs(schema.data_field_aliases()))?;
        map.serialize_entry("field_infos", &Pairs(&[]))?;
        if has_identity {
            map.serialize_entry("identity_fields", &[] as &[&str])?;
        }
        map.end()
    }
}
