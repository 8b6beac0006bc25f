//! Output with blame (`--blame`): text lines end with the author and the age of the line, JSON
//! records gain a last key `blame`; the other formats are rendered as without it.

use super::{Format, RenderOptions, render, render_text_with, selected};
use crate::blame::{Blame, BlameReport};
use crate::scan::ScanOutcome;
use chrono::{DateTime, FixedOffset, Utc};
use serde::Serialize;
use std::io::{self, Write};

/// Writes `outcome` in `format` with each tag's blame from `blame` (aligned with `outcome`, as
/// [`crate::blame::blame_tags`] returns it). `now` dates the ages in text output.
///
/// ```
/// use codetags_cli::blame::{Blame, BlameReport};
/// use codetags_cli::{config::ProjectConfig, report::{render_blamed, Format, RenderOptions}, scan::{scan, ScanRequest}};
/// let dir = tempfile::tempdir().unwrap();
/// std::fs::write(dir.path().join("a.py"), "# TODO: tidy <p:1>\n").unwrap();
/// let outcome = scan(&ScanRequest::new(vec![dir.path().into()], ProjectConfig::defaults(dir.path()))).unwrap();
/// let blame = BlameReport { tags: vec![vec![Some(Blame {
///     commit: Some("ab".repeat(20)), author: Some("Ann".into()), email: Some("ann@example.org".into()),
///     date: Some("2026-11-21T09:00:00+01:00".into()),
/// })]], ..BlameReport::default() };
/// let now = "2026-12-01T12:00:00Z".parse().unwrap();
/// let mut out = Vec::new();
/// render_blamed(&outcome, &blame, Format::Text, &RenderOptions::default(), now, &mut out).unwrap();
/// assert!(String::from_utf8(out).unwrap().ends_with("a.py:1:1: TODO tidy <p=1> [Ann, 2026-11-21, 10 days]\n"));
/// ```
pub fn render_blamed(
    outcome: &ScanOutcome,
    blame: &BlameReport,
    format: Format,
    options: &RenderOptions,
    now: DateTime<Utc>,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Text => render_text_with(outcome, options, out, &|file, tag| {
            Some(match blame.get(file, tag) {
                None => "no blame".to_owned(),
                Some(b) => text_suffix(b, now),
            })
        }),
        Format::Json => render_json_blamed(outcome, blame, options, out),
        _ => render(outcome, format, options, out),
    }
}

/// `author, date, age` of a committed line; `not committed yet` otherwise.
fn text_suffix(blame: &Blame, now: DateTime<Utc>) -> String {
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

fn render_json_blamed(
    outcome: &ScanOutcome,
    blame: &BlameReport,
    options: &RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut first = true;
    out.write_all(b"[")?;
    for (file_index, file) in outcome.files.iter().enumerate() {
        for (tag_index, tag) in file.tags.iter().enumerate() {
            if !options.keeps(tag) {
                continue;
            }
            out.write_all(if first { b"\n  " } else { b",\n  " })?;
            first = false;
            let value = blame.get(file_index, tag_index).map(BlameJson::from);
            codetags_parse::write_pycodetags_record_with(tag, "blame", &value, &mut *out)?;
        }
    }
    debug_assert_eq!(first, selected(outcome, options).next().is_none());
    out.write_all(if first { b"]\n" } else { b"\n]\n" })
}
