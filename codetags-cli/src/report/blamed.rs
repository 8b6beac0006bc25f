//! The pieces of output with blame (`--blame`; `report::render_blamed` puts them together):
//! text lines end with the author and the age of the line, JSON records gain a last key
//! `blame`; the other formats are rendered as without it.

use crate::blame::{Blame, BlameReport};
use crate::extract::Tag;
use crate::scan::ScanOutcome;
use chrono::{DateTime, FixedOffset, Utc};
use serde::Serialize;
use std::io::{self, Write};

/// What a text line ends with: `author, date, age` of a committed line, `not committed yet`,
/// or `no blame` when there is none.
pub fn text_suffix(blame: Option<&Blame>, now: DateTime<Utc>) -> String {
    let Some(blame) = blame else {
        return "no blame".to_owned();
    };
    // A name is whatever the committer typed: escaped like a path, so it cannot move the cursor.
    let author =
        crate::display::display_path(std::path::Path::new(blame.author.as_deref().unwrap_or("?")));
    match (blame.is_committed(), blame.datetime()) {
        (false, _) => "not committed yet".to_owned(),
        (true, Some(date)) => format!("{author}, {}, {}", date.date_naive(), age(date, now)),
        (true, None) => author.into_owned(),
    }
}

fn age(date: DateTime<FixedOffset>, now: DateTime<Utc>) -> String {
    let days = (now.date_naive() - date.with_timezone(&Utc).date_naive()).num_days();
    match days {
        ..=0 => "today".to_owned(),
        1 => "1 day".to_owned(),
        n => format!("{n} days"),
    }
}

/// The JSON form of a tag's blame: `committed` first, so a reader tells a line not yet
/// committed (every other key `null`) from one git attributes.
#[derive(Serialize)]
struct BlameJson<'a> {
    committed: bool,
    commit: Option<&'a str>,
    author: Option<&'a str>,
    email: Option<&'a str>,
    date: Option<&'a str>,
}

impl<'a> From<&'a Blame> for BlameJson<'a> {
    fn from(b: &'a Blame) -> Self {
        BlameJson {
            committed: b.is_committed(),
            commit: b.commit.as_deref(),
            author: b.author.as_deref(),
            email: b.email.as_deref(),
            date: b.date.as_deref(),
        }
    }
}

/// The pycodetags JSON array of the tags `keep` keeps, each record ending with its `blame`.
pub fn write_json_blamed(
    outcome: &ScanOutcome,
    blame: &BlameReport,
    keep: &dyn Fn(&Tag) -> bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut first = true;
    out.write_all(b"[")?;
    for (file_index, file) in outcome.files.iter().enumerate() {
        for (tag_index, tag) in file.tags.iter().enumerate() {
            if !keep(tag) {
                continue;
            }
            out.write_all(if first { b"\n  " } else { b",\n  " })?;
            first = false;
            let value = blame.get(file_index, tag_index).map(BlameJson::from);
            codetags_parse::write_pycodetags_record_with(tag, "blame", &value, &mut *out)?;
        }
    }
    out.write_all(if first { b"]\n" } else { b"\n]\n" })
}
