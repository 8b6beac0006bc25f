//! Output: `text` (one line per tag), `json` (pycodetags 0.8.1 records) and `summary` (counts
//! by tag and by folder), and the diagnostics lines for stderr; `codetags data`'s text and summary
//! views, pycodetags 0.8.1's, in [`data_text`] and [`data_summary`].
//!
//! For CI and for people, in child modules: [`sarif`] (SARIF 2.1.0 for code scanning),
//! [`github`] (workflow-command annotations), [`gitlab`] (the Code Quality report), all three
//! over the format-neutral [`annotation`]s; [`markdown`] (a TODO board), [`changelog`] (Keep a
//! Changelog from done tags) and [`html`] (one self-contained page with charts and a sortable,
//! filterable table). [`srcroot`] says how a scanned path is written relative to the source
//! root, [`fields`] reads the planning fields (due, assignee, status, release, …) of a tag.

pub mod annotation;
pub mod changelog;
pub mod context;
pub mod data_summary;
pub mod data_text;
pub mod fields;
pub mod github;
pub mod gitlab;
pub mod html;
pub mod markdown;
pub mod sarif;
pub mod srcroot;

pub mod blamed;

use crate::display::display_path;
use crate::extract::Tag;
use crate::scan::{LazyFile, LazyOutcome, ScanOutcome, ScannedFile};
use fields::fields_text;
use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::Path;

mod json_stream;

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One line per tag: `path:line:col: TAG title <fields>`.
    Text,
    /// A JSON array of pycodetags 0.8.1 records.
    Json,
    /// Counts by tag and by folder.
    Summary,
    /// SARIF 2.1.0, one result per tag ([`sarif`]).
    Sarif,
    /// GitHub Actions workflow commands, one `::notice`/`::warning` per tag ([`github`]).
    Github,
    /// A GitLab Code Quality report ([`gitlab`]).
    Gitlab,
    /// A Markdown TODO board: tables by kind, assignee and status ([`markdown`]).
    Markdown,
    /// Keep a Changelog from done tags ([`changelog`]).
    Changelog,
    /// One self-contained HTML page: totals, charts, a sortable table ([`html`]).
    Html,
}

/// How to render.
#[derive(Debug, Clone, Default)]
pub struct RenderOptions {
    /// Only these tag names (upper-cased); empty = all.
    pub tags: Vec<String>,
    /// ANSI colours (text and summary only).
    pub color: bool,
    /// The date overdue tags are judged against (markdown, html); `None` = the local date.
    pub today: Option<chrono::NaiveDate>,
    /// The folder paths are written relative to (sarif, github, gitlab, markdown, html): SARIF's
    /// `%SRCROOT%`; `None` = the working directory. See [`srcroot::SourceRoot`].
    pub source_root: Option<std::path::PathBuf>,
}

impl RenderOptions {
    /// Whether a tag passes the `--tags` filter (case-insensitive).
    pub fn keeps(&self, tag: &Tag) -> bool {
        self.tags.is_empty()
            || self
                .tags
                .iter()
                .any(|t| t.eq_ignore_ascii_case(&tag.code_tag))
    }
}

/// The tags of `outcome` that pass the filter, in output order.
pub fn selected<'a>(
    outcome: &'a ScanOutcome,
    options: &'a RenderOptions,
) -> impl Iterator<Item = &'a Tag> + 'a {
    outcome
        .files
        .iter()
        .flat_map(|f| f.tags.iter())
        .filter(|t| options.keeps(t))
}

/// How many tags of `outcome` pass the filter (decoding them only when there is a filter).
pub fn selected_count(outcome: &LazyOutcome, options: &RenderOptions) -> usize {
    if options.tags.is_empty() {
        return outcome.tag_count();
    }
    let mut count = 0;
    for file in outcome.files() {
        let _ = file.for_each_tag(|tag| {
            count += usize::from(options.keeps(&tag));
            Ok::<(), ()>(())
        });
    }
    count
}

/// Writes `outcome` in `format`.
///
/// ```
/// use codetags_cli::{config::ProjectConfig, report::{render, Format, RenderOptions}, scan::{scan, ScanRequest}};
/// let dir = tempfile::tempdir().unwrap();
/// std::fs::write(dir.path().join("a.py"), "# TODO: tidy <p:1>\n").unwrap();
/// let outcome = scan(&ScanRequest::new(vec![dir.path().into()], ProjectConfig::defaults(dir.path()))).unwrap();
/// let mut out = Vec::new();
/// render(&outcome, Format::Text, &RenderOptions::default(), &mut out).unwrap();
/// assert!(String::from_utf8(out).unwrap().ends_with("a.py:1:1: TODO tidy <p=1>\n"));
/// ```
pub fn render(
    outcome: &ScanOutcome,
    format: Format,
    options: &RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Text => render_text(outcome, options, out),
        Format::Json => render_json(outcome, options, out),
        Format::Summary => render_summary(outcome, options, out),
        Format::Sarif => {
            let annotations = annotation::annotations_for_tags(outcome, |t| options.keeps(t));
            let rules = annotation::rules_for_tags(&annotations);
            let notices = sarif::notices_for_diagnostics(outcome);
            sarif::write_sarif(&annotations, &rules, &notices, &source_root(options), out)
        }
        Format::Github => {
            let annotations = annotation::annotations_for_tags(outcome, |t| options.keeps(t));
            github::write_github(&annotations, &source_root(options), out)
        }
        Format::Gitlab => {
            let annotations = annotation::annotations_for_tags(outcome, |t| options.keeps(t));
            gitlab::write_gitlab(&annotations, &source_root(options), out)
        }
        Format::Markdown => markdown::write_board(&report_context(outcome, options), out),
        Format::Changelog => changelog::write_changelog(&report_context(outcome, options), out),
        Format::Html => html::write_page(&report_context(outcome, options), out),
    }
}

fn source_root(options: &RenderOptions) -> srcroot::SourceRoot {
    match &options.source_root {
        Some(dir) => srcroot::SourceRoot::new(dir),
        None => srcroot::SourceRoot::current(),
    }
}

fn report_context<'a>(
    outcome: &'a ScanOutcome,
    options: &RenderOptions,
) -> context::ReportContext<'a> {
    let today = options
        .today
        .unwrap_or_else(|| chrono::Local::now().date_naive());
    context::ReportContext::new(outcome, |t| options.keeps(t), today, source_root(options))
}

/// Writes a [`LazyOutcome`] in `format`. Text and JSON stream it, one file and one tag at a
/// time in path order, so a report never holds every tag; other formats decode it first.
///
/// ```
/// use codetags_cli::{config::ProjectConfig, report::{render, render_lazy, Format, RenderOptions}};
/// use codetags_cli::scan::{scan, scan_lazy, ScanRequest};
/// let dir = tempfile::tempdir().unwrap();
/// std::fs::write(dir.path().join("a.py"), "# TODO: tidy <p:1>\n").unwrap();
/// let request = ScanRequest::new(vec![dir.path().into()], ProjectConfig::defaults(dir.path()));
/// for format in [Format::Text, Format::Json, Format::Summary] {
///     let (mut streamed, mut whole) = (Vec::new(), Vec::new());
///     render_lazy(&scan_lazy(&request).unwrap(), format, &RenderOptions::default(), &mut streamed).unwrap();
///     render(&scan(&request).unwrap(), format, &RenderOptions::default(), &mut whole).unwrap();
///     assert_eq!(streamed, whole);
/// }
/// ```
pub fn render_lazy(
    outcome: &LazyOutcome,
    format: Format,
    options: &RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Text => text_of_files(&outcome.files(), options, out, &|_, _| None),
        Format::Json => json_of_files(&outcome.files(), options, out),
        #[allow(unreachable_patterns)]
        _ => render(&outcome.to_outcome(), format, options, out),
    }
}

/// A file of a report: its path and its tags in order (decoded one at a time for a
/// [`LazyFile`]).
trait ReportFile {
    fn path(&self) -> &Path;
    fn each_tag(&self, each: &mut dyn FnMut(&Tag) -> io::Result<()>) -> io::Result<()>;
    /// Like `each_tag`, handing each tag over (a decoded tag is moved, not cloned).
    fn each_owned_tag(&self, each: &mut dyn FnMut(Tag) -> io::Result<()>) -> io::Result<()> {
        self.each_tag(&mut |tag| each(tag.clone()))
    }
}

impl ReportFile for ScannedFile {
    fn path(&self) -> &Path {
        &self.path
    }
    fn each_tag(&self, each: &mut dyn FnMut(&Tag) -> io::Result<()>) -> io::Result<()> {
        self.tags.iter().try_for_each(each)
    }
}

impl ReportFile for LazyFile<'_> {
    fn path(&self) -> &Path {
        LazyFile::path(self)
    }
    fn each_tag(&self, each: &mut dyn FnMut(&Tag) -> io::Result<()>) -> io::Result<()> {
        self.for_each_tag(|tag| each(&tag))
    }
    fn each_owned_tag(&self, each: &mut dyn FnMut(Tag) -> io::Result<()>) -> io::Result<()> {
        self.for_each_tag(each)
    }
}

/// The pycodetags JSON array, byte for byte what [`codetags_parse::write_pycodetags_json`]
/// writes, streamed in batches formatted on every core.
fn render_json(
    outcome: &ScanOutcome,
    options: &RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    json_of_files(&outcome.files, options, out)
}

fn json_of_files<F: ReportFile>(
    files: &[F],
    options: &RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    json_stream::write_tags_json(out, |each| {
        for file in files {
            file.each_owned_tag(&mut |tag| {
                if options.keeps(&tag) {
                    each(tag)
                } else {
                    Ok(())
                }
            })?;
        }
        Ok(())
    })
}

const RESET: &str = "\x1b[0m";
const BOLD: &str = "\x1b[1m";
const DIM: &str = "\x1b[2m";

fn tag_color(name: &str) -> &'static str {
    match name {
        "FIXME" | "BUG" | "XXX" | "CAUTION" | "WARNING" => "\x1b[31m",
        "TODO" | "REQ" | "RFE" | "IDEA" => "\x1b[33m",
        "HACK" => "\x1b[35m",
        "DONE" => "\x1b[32m",
        _ => "\x1b[36m",
    }
}

fn render_text(
    outcome: &ScanOutcome,
    options: &RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    text_of_files(&outcome.files, options, out, &|_, _| None)
}

/// The text lines, each followed by ` [suffix]` when `suffix(file index, tag index)` gives one.
fn render_text_with(
    outcome: &ScanOutcome,
    options: &RenderOptions,
    out: &mut dyn Write,
    suffix: &dyn Fn(usize, usize) -> Option<String>,
) -> io::Result<()> {
    text_of_files(&outcome.files, options, out, suffix)
}

fn text_of_files<F: ReportFile>(
    files: &[F],
    options: &RenderOptions,
    out: &mut dyn Write,
    suffix: &dyn Fn(usize, usize) -> Option<String>,
) -> io::Result<()> {
    for (file_index, file) in files.iter().enumerate() {
        let path = display_path(file.path());
        let mut tag_index = 0;
        file.each_tag(&mut |tag| {
            let index = tag_index;
            tag_index += 1;
            if !options.keeps(tag) {
                return Ok(());
            }
            let suffix = suffix(file_index, index)
                .map(|s| format!(" [{s}]"))
                .unwrap_or_default();
            let line = tag.offsets.start_line + 1;
            let column = tag.offsets.start_column + 1;
            let title = tag.title.as_deref().unwrap_or(&tag.comment);
            let fields = fields_text(tag);
            if options.color {
                write!(
                    out,
                    "{BOLD}{path}{RESET}:{line}:{column}: {}{BOLD}{}{RESET} {title}",
                    tag_color(&tag.code_tag),
                    tag.code_tag
                )?;
                if !fields.is_empty() {
                    write!(out, " {DIM}<{fields}>{RESET}")?;
                }
                writeln!(out, "{DIM}{suffix}{RESET}")?;
            } else if fields.is_empty() {
                writeln!(
                    out,
                    "{path}:{line}:{column}: {} {title}{suffix}",
                    tag.code_tag
                )?;
            } else {
                writeln!(
                    out,
                    "{path}:{line}:{column}: {} {title} <{fields}>{suffix}",
                    tag.code_tag
                )?;
            }
            Ok(())
        })?;
    }
    Ok(())
}

fn render_summary(
    outcome: &ScanOutcome,
    options: &RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut by_tag: BTreeMap<&str, usize> = BTreeMap::new();
    let mut by_folder: BTreeMap<&Path, usize> = BTreeMap::new();
    let mut files_with_tags = 0usize;
    let mut total = 0usize;
    for file in &outcome.files {
        let mut here = 0usize;
        for tag in file.tags.iter().filter(|t| options.keeps(t)) {
            *by_tag.entry(tag.code_tag.as_str()).or_default() += 1;
            here += 1;
        }
        if here > 0 {
            files_with_tags += 1;
            total += here;
            let folder = file.path.parent().unwrap_or(Path::new(""));
            *by_folder.entry(folder).or_default() += here;
        }
    }
    let (bold, reset) = if options.color {
        (BOLD, RESET)
    } else {
        ("", "")
    };
    let width = by_folder
        .keys()
        .map(|p| display_folder(p).chars().count())
        .chain(by_tag.keys().map(|t| t.chars().count()))
        .max()
        .unwrap_or(0);
    writeln!(out, "{bold}Tags by type{reset}")?;
    for (tag, count) in &by_tag {
        writeln!(out, "  {tag:<width$}  {count:>6}")?;
    }
    writeln!(out, "{bold}Tags by folder{reset}")?;
    for (folder, count) in &by_folder {
        writeln!(out, "  {:<width$}  {count:>6}", display_folder(folder))?;
    }
    writeln!(
        out,
        "{bold}Total{reset}: {total} tags in {files_with_tags} files ({} files scanned, {} diagnostics)",
        outcome.stats.files,
        outcome.diagnostic_count()
    )
}

fn display_folder(path: &Path) -> String {
    if path.as_os_str().is_empty() {
        ".".to_owned()
    } else {
        display_path(path).into_owned()
    }
}

/// Writes one `path:line:col: message` line per diagnostic (1-based positions), sorted by path
/// and position; returns how many were written.
pub fn write_diagnostics(outcome: &ScanOutcome, out: &mut dyn Write) -> io::Result<usize> {
    let files: Vec<(&Path, Vec<codetags_parse::Diagnostic>)> = outcome
        .files
        .iter()
        .map(|f| (f.path.as_path(), f.diagnostics.clone()))
        .collect();
    diagnostics_lines(&files, &outcome.problems, out)
}

/// [`write_diagnostics`] for a [`LazyOutcome`] (its diagnostics are decoded, its tags not).
pub fn write_lazy_diagnostics(outcome: &LazyOutcome, out: &mut dyn Write) -> io::Result<usize> {
    let lazy = outcome.files();
    let files: Vec<(&Path, Vec<codetags_parse::Diagnostic>)> = lazy
        .iter()
        .map(|f| (f.path(), f.diagnostics().into_owned()))
        .filter(|(_, d)| !d.is_empty())
        .collect();
    diagnostics_lines(&files, &outcome.problems, out)
}

fn diagnostics_lines(
    files: &[(&Path, Vec<codetags_parse::Diagnostic>)],
    problems: &[crate::scan::ReadProblem],
    out: &mut dyn Write,
) -> io::Result<usize> {
    let mut lines: Vec<(&Path, usize, usize, String)> = Vec::new();
    for (path, diagnostics) in files {
        for d in diagnostics {
            lines.push((path, d.line, d.column, d.to_string()));
        }
    }
    for problem in problems {
        lines.push((&problem.path, 0, 0, format!("1:1: {}", problem.message)));
    }
    lines.sort_by(|a, b| (a.0, a.1, a.2).cmp(&(b.0, b.1, b.2)));
    for (path, _, _, text) in &lines {
        writeln!(out, "{}:{text}", display_path(path))?;
    }
    Ok(lines.len())
}

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
    blame: &crate::blame::BlameReport,
    format: Format,
    options: &RenderOptions,
    now: chrono::DateTime<chrono::Utc>,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Text => render_text_with(outcome, options, out, &|file, tag| {
            Some(blamed::text_suffix(blame.get(file, tag), now))
        }),
        Format::Json => blamed::write_json_blamed(outcome, blame, &|t| options.keeps(t), out),
        _ => render(outcome, format, options, out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ProjectConfig;
    use crate::scan::{ScanRequest, scan};

    /// More tags than one chunk holds, so the JSON is formatted on several threads.
    #[test]
    fn chunked_json_is_byte_identical_to_the_sequential_writer() {
        let dir = tempfile::tempdir().unwrap();
        for file in 0..30 {
            let body: String = (0..40)
                .map(|i| format!("# TODO: t{file}-{i} caf\u{e9} <p:{i}>\nx = {i}\n"))
                .collect();
            std::fs::write(dir.path().join(format!("m{file:02}.py")), body).unwrap();
        }
        let request =
            ScanRequest::new(vec![dir.path().into()], ProjectConfig::defaults(dir.path()));
        let outcome = scan(&request).unwrap();
        assert_eq!(outcome.tag_count(), 1200);
        for filter in [vec![], vec!["FIXME".to_owned()]] {
            let options = RenderOptions {
                tags: filter,
                ..RenderOptions::default()
            };
            let mut chunked = Vec::new();
            render(&outcome, Format::Json, &options, &mut chunked).unwrap();
            let mut sequential = Vec::new();
            codetags_parse::write_pycodetags_json(selected(&outcome, &options), &mut sequential)
                .unwrap();
            assert_eq!(
                String::from_utf8(chunked).unwrap(),
                String::from_utf8(sequential).unwrap()
            );
        }
    }
}
