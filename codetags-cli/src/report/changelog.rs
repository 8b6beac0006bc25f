//! A changelog in the [Keep a Changelog](https://keepachangelog.com/en/1.1.0/) form, made from
//! the tags whose work is done — as `pycodetags issues --format changelog` (the
//! issue-tracker plugin 0.4.0) makes it.
//!
//! A tag is done when it is a `DONE` tag, its status is `done` or `closed` (any case), or it
//! has a `closed_date` ([`super::fields::TagFields::is_done`]). Done tags are grouped by
//! `release` (alias `r`), newest version first (numeric parts compared as numbers, so 1.10
//! follows 1.9), then by `change_type` in Keep a Changelog's order: Added, Changed,
//! Deprecated, Removed, Fixed, Security (matched in any case). Each entry is the tag's title,
//! with a link to its `tracker` when that is a URL (labelled with its last path segment, as
//! the plugin does). A release's date is the latest `closed_date` among its tags.
//!
//! Where the plugin's output is lossy this one is not: done tags without a release go under
//! `[Unreleased]` at the top (the plugin prints them under `[N/A]` and sorts that first by
//! accident), tags without a change type count as `Added` (the plugin's factory default; its
//! report drops them), an unknown change type keeps a section of its own after the six, and a
//! release without dates has none (rather than "Unknown date").

use super::context::{Located, ReportContext};
use chrono::NaiveDate;
use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::io::{self, Write};

/// Keep a Changelog's change types, in its order.
pub const CHANGE_TYPES: [&str; 6] = [
    "Added",
    "Changed",
    "Deprecated",
    "Removed",
    "Fixed",
    "Security",
];

/// Writes the changelog.
///
/// ```
/// use codetags_cli::{ProjectConfig, ScanRequest, scan};
/// use codetags_cli::report::{render, Format, RenderOptions};
/// let dir = tempfile::tempdir().unwrap();
/// std::fs::write(dir.path().join("a.py"), concat!(
///     "# TODO: retry with backoff <status:done release:1.2.0 change_type:Added closed_date:2025-06-01>\n",
///     "# BUG: crash on empty input <status:done r:1.2.0 change_type:fixed tracker:https://x.org/issues/9>\n",
///     "# TODO: not done <status:open>\n",
/// )).unwrap();
/// let outcome = scan(&ScanRequest::new(vec![dir.path().into()], ProjectConfig::defaults(dir.path()))).unwrap();
/// let mut out = Vec::new();
/// render(&outcome, Format::Changelog, &RenderOptions::default(), &mut out).unwrap();
/// let text = String::from_utf8(out).unwrap();
/// assert!(text.ends_with(concat!(
///     "## [1.2.0] - 2025-06-01\n\n",
///     "### Added\n- retry with backoff\n\n",
///     "### Fixed\n- crash on empty input ([9](https://x.org/issues/9))\n\n",
/// )), "{text}");
/// ```
pub fn write_changelog(ctx: &ReportContext<'_>, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "# Changelog\n")?;
    writeln!(
        out,
        "All notable changes to this project will be documented in this file.\n"
    )?;
    for release in releases(ctx) {
        match (&release.version, release.date) {
            (None, _) => writeln!(out, "## [Unreleased]\n")?,
            (Some(version), Some(date)) => writeln!(out, "## [{version}] - {date}\n")?,
            (Some(version), None) => writeln!(out, "## [{version}]\n")?,
        }
        for (change_type, entries) in &release.sections {
            writeln!(out, "### {change_type}")?;
            for located in entries {
                writeln!(out, "- {}", entry(located))?;
            }
            writeln!(out)?;
        }
    }
    Ok(())
}

/// One release of the changelog.
#[derive(Debug)]
pub struct Release<'a> {
    /// `None` for the done tags without a release.
    pub version: Option<String>,
    /// The latest `closed_date` of its tags.
    pub date: Option<NaiveDate>,
    /// `(change type, tags)` in Keep a Changelog's order, each list newest `closed_date` first,
    /// then in file order.
    pub sections: Vec<(String, Vec<Located<'a>>)>,
}

/// The done tags by release, `[Unreleased]` first, then newest version first.
pub fn releases<'a>(ctx: &ReportContext<'a>) -> Vec<Release<'a>> {
    let mut by_release: BTreeMap<Option<String>, Vec<Located<'a>>> = BTreeMap::new();
    for located in ctx.tags.iter().filter(|l| l.fields().is_done()) {
        by_release
            .entry(located.fields().release())
            .or_default()
            .push(*located);
    }
    let mut out: Vec<Release<'a>> = by_release
        .into_iter()
        .map(|(version, mut tags)| {
            // Newest closed first; the sort is stable, so ties stay in file order.
            tags.sort_by_key(|l| std::cmp::Reverse(l.fields().closed_date()));
            let date = tags.iter().filter_map(|l| l.fields().closed_date()).max();
            let mut sections: Vec<(String, Vec<Located<'a>>)> = Vec::new();
            for located in tags {
                let kind = change_type(&located);
                match sections.iter_mut().find(|(k, _)| *k == kind) {
                    Some((_, list)) => list.push(located),
                    None => sections.push((kind, vec![located])),
                }
            }
            sections.sort_by_key(|(kind, _)| {
                (
                    CHANGE_TYPES
                        .iter()
                        .position(|t| t == kind)
                        .unwrap_or(CHANGE_TYPES.len()),
                    kind.clone(),
                )
            });
            Release {
                version,
                date,
                sections,
            }
        })
        .collect();
    out.sort_by(|a, b| match (&a.version, &b.version) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(x), Some(y)) => compare_versions(y, x),
    });
    out
}

/// The tag's change type: one of [`CHANGE_TYPES`] in its canonical spelling when it names one
/// in any case, `Added` when absent, else as written.
fn change_type(located: &Located<'_>) -> String {
    match located.fields().change_type() {
        None => "Added".to_owned(),
        Some(given) => CHANGE_TYPES
            .iter()
            .find(|t| t.eq_ignore_ascii_case(&given))
            .map_or(given, |t| (*t).to_owned()),
    }
}

/// `title`, or `title ([ticket](url))` when the tracker is a URL, `title (ticket)` otherwise.
fn entry(located: &Located<'_>) -> String {
    let fields = located.fields();
    let title = fields.title();
    match fields.tracker() {
        Some(tracker) if tracker.contains("://") => {
            let ticket = tracker
                .trim_end_matches('/')
                .rsplit('/')
                .next()
                .unwrap_or(&tracker);
            format!("{title} ([{ticket}]({tracker}))")
        }
        Some(tracker) => format!("{title} ({tracker})"),
        None => title,
    }
}

/// Versions compared part by part (split at `.`, `-`, `+`), numeric parts as numbers and
/// before words (`1.0` < `1.0.1` < `1.10`; `2.0-rc1` and `2.0.rc1` alike).
///
/// ```
/// use codetags_cli::report::changelog::compare_versions;
/// use std::cmp::Ordering::*;
/// assert_eq!(compare_versions("1.10.0", "1.9.3"), Greater);
/// assert_eq!(compare_versions("v2", "v10"), Less);
/// assert_eq!(compare_versions("1.0", "1.0.1"), Less);
/// ```
pub fn compare_versions(a: &str, b: &str) -> Ordering {
    fn parts(v: &str) -> Vec<Part<'_>> {
        let mut out = Vec::new();
        for piece in v.split(['.', '-', '+']) {
            // Split digit runs from letter runs: "rc10" → "rc", 10; "v2" → "v", 2.
            let mut start = 0;
            let bytes = piece.as_bytes();
            while start < bytes.len() {
                let digit = bytes[start].is_ascii_digit();
                let mut end = start;
                while end < bytes.len() && bytes[end].is_ascii_digit() == digit {
                    end += 1;
                }
                let run = &piece[start..end];
                out.push(if digit {
                    Part::Number(
                        run.trim_start_matches('0').len(),
                        run.trim_start_matches('0'),
                    )
                } else {
                    Part::Word(run)
                });
                start = end;
            }
        }
        out
    }
    #[derive(PartialEq, Eq, PartialOrd, Ord)]
    enum Part<'a> {
        // Numbers compare by digit count, then digits: any length, no overflow.
        Number(usize, &'a str),
        Word(&'a str),
    }
    parts(a).cmp(&parts(b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ProjectConfig;
    use crate::report::srcroot::SourceRoot;
    use crate::scan::{ScanOutcome, ScanRequest, scan};

    fn outcome(source: &str) -> (tempfile::TempDir, ScanOutcome) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.py"), source).unwrap();
        let outcome = scan(&ScanRequest::new(
            vec![dir.path().into()],
            ProjectConfig::defaults(dir.path()),
        ))
        .unwrap();
        (dir, outcome)
    }

    fn changelog(source: &str) -> String {
        let (dir, outcome) = outcome(source);
        let ctx = ReportContext::new(
            &outcome,
            |_| true,
            NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            SourceRoot::new(dir.path()),
        );
        let mut out = Vec::new();
        write_changelog(&ctx, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn done_tags_by_release_newest_first_and_by_change_type_in_keep_a_changelog_order() {
        let text = changelog(
            "# TODO: retry with backoff <status:done release:1.2.0 change_type:Added closed_date:2025-06-01>\n\
             # BUG: crash on empty input <status:done r:1.2.0 change_type:fixed tracker:https://x.org/issues/9>\n\
             # TODO: not done <status:open release:1.2.0>\n\
             # DONE: old fix <release:1.10.0 change_type:Fixed closed_date:2025-08-01>\n\
             # TODO: older fix <s:closed release:1.9.0 change_type:Security>\n\
             # TODO: unreleased work <status:Done>\n\
             # TODO: renamed <status:done release:1.2.0 change_type:Renamed closed_date:2025-05-01>\n\
             # TODO: in JIRA <status:done release:1.9.0 change_type:Removed tracker:JIRA-12>\n",
        );
        assert_eq!(
            text,
            "# Changelog\n\n\
             All notable changes to this project will be documented in this file.\n\n\
             ## [Unreleased]\n\n\
             ### Added\n\
             - unreleased work\n\n\
             ## [1.10.0] - 2025-08-01\n\n\
             ### Fixed\n\
             - old fix\n\n\
             ## [1.9.0]\n\n\
             ### Removed\n\
             - in JIRA (JIRA-12)\n\n\
             ### Security\n\
             - older fix\n\n\
             ## [1.2.0] - 2025-06-01\n\n\
             ### Added\n\
             - retry with backoff\n\n\
             ### Fixed\n\
             - crash on empty input ([9](https://x.org/issues/9))\n\n\
             ### Renamed\n\
             - renamed\n\n"
        );
    }

    #[test]
    fn no_done_tags_give_only_the_heading() {
        assert_eq!(
            changelog("# TODO: open <status:open>\n"),
            "# Changelog\n\nAll notable changes to this project will be documented in this file.\n\n"
        );
    }

    #[test]
    fn within_a_section_the_newest_closed_comes_first() {
        let text = changelog(
            "# TODO: first <status:done r:1 closed_date:2025-01-01>\n\
             # TODO: second <status:done r:1 closed_date:2025-03-01>\n\
             # TODO: third <status:done r:1>\n",
        );
        let entries: Vec<&str> = text.lines().filter(|l| l.starts_with("- ")).collect();
        assert_eq!(entries, ["- second", "- first", "- third"]);
    }
}
