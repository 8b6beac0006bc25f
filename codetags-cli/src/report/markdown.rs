//! A TODO board in Markdown (GitHub-flavoured tables), to paste into a pull request, an issue
//! or a wiki page, or to commit as `TODO.md`.
//!
//! A headline with the totals, then a table per tag kind (most frequent first), then — when
//! any tag has one — a table per assignee and a table per status. Each row links to the tag's
//! line with a relative `path#Lline` link (relative to the source root: right for a file in
//! the repository and for GitHub's blob view). Columns that no row of a table fills are left
//! out. An overdue tag (due before the report's date, not done) has its due date in bold with
//! "overdue". Text is escaped so that a title cannot break the table or inject markup.

use super::context::{Located, ReportContext};
use std::collections::BTreeMap;
use std::io::{self, Write};

/// The columns a row may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Where,
    Kind,
    Title,
    Assignee,
    Status,
    Priority,
    Due,
}

impl Column {
    fn header(self) -> &'static str {
        match self {
            Column::Where => "where",
            Column::Kind => "kind",
            Column::Title => "title",
            Column::Assignee => "assignee",
            Column::Status => "status",
            Column::Priority => "priority",
            Column::Due => "due",
        }
    }
}

/// Writes the board.
///
/// ```
/// use codetags_cli::{ProjectConfig, ScanRequest, scan};
/// use codetags_cli::report::{render, Format, RenderOptions};
/// let dir = tempfile::tempdir().unwrap();
/// std::fs::write(dir.path().join("a.py"), "# TODO: ship it <assignee:ann due:2025-01-31>\n").unwrap();
/// let outcome = scan(&ScanRequest::new(vec![dir.path().into()], ProjectConfig::defaults(dir.path()))).unwrap();
/// let options = RenderOptions {
///     today: chrono::NaiveDate::from_ymd_opt(2025, 2, 1),
///     source_root: Some(dir.path().into()),
///     ..RenderOptions::default()
/// };
/// let mut out = Vec::new();
/// render(&outcome, Format::Markdown, &options, &mut out).unwrap();
/// let board = String::from_utf8(out).unwrap();
/// assert!(board.contains("## TODO (1)"));
/// assert!(board.contains("| [a.py:1](a.py#L1) | ship it | ann | **2025-01-31 overdue** |"), "{board}");
/// assert!(board.contains("### ann (1)"));
/// ```
pub fn write_board(ctx: &ReportContext<'_>, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "# Code tags\n")?;
    let overdue = ctx.overdue_count();
    write!(
        out,
        "Report of {}: **{}** {} in **{}** {} ({} files scanned)",
        ctx.today,
        ctx.tags.len(),
        plural(ctx.tags.len(), "tag", "tags"),
        ctx.files_with_tags(),
        plural(ctx.files_with_tags(), "file", "files"),
        ctx.outcome.stats.files,
    )?;
    if overdue > 0 {
        write!(out, ", **{overdue} overdue**")?;
    }
    writeln!(out, ".\n")?;
    if ctx.tags.is_empty() {
        return writeln!(out, "No tags found.");
    }

    // By kind, most frequent first, then by name.
    let mut by_kind: BTreeMap<&str, Vec<Located<'_>>> = BTreeMap::new();
    for located in &ctx.tags {
        by_kind
            .entry(located.tag.code_tag.as_str())
            .or_default()
            .push(*located);
    }
    let mut kinds: Vec<(&str, Vec<Located<'_>>)> = by_kind.into_iter().collect();
    kinds.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(b.0)));
    writeln!(out, "| kind | tags |\n|---|---:|")?;
    for (kind, rows) in &kinds {
        let heading = format!("{kind} ({})", rows.len());
        writeln!(
            out,
            "| [{}](#{}) | {} |",
            escape(kind),
            slug(&heading),
            rows.len()
        )?;
    }
    writeln!(out)?;
    for (kind, rows) in &kinds {
        writeln!(out, "## {} ({})\n", escape(kind), rows.len())?;
        table(
            ctx,
            rows,
            &[
                Column::Where,
                Column::Title,
                Column::Assignee,
                Column::Status,
                Column::Priority,
                Column::Due,
            ],
            out,
        )?;
    }

    let mut by_assignee: BTreeMap<String, Vec<Located<'_>>> = BTreeMap::new();
    for located in &ctx.tags {
        for person in located.fields().assignees() {
            by_assignee.entry(person).or_default().push(*located);
        }
    }
    if !by_assignee.is_empty() {
        writeln!(out, "## By assignee\n")?;
        for (person, rows) in &by_assignee {
            writeln!(out, "### {} ({})\n", escape(person), rows.len())?;
            let columns = [
                Column::Where,
                Column::Kind,
                Column::Title,
                Column::Status,
                Column::Priority,
                Column::Due,
            ];
            table(ctx, rows, &columns, out)?;
        }
    }

    let mut by_status: BTreeMap<String, Vec<Located<'_>>> = BTreeMap::new();
    for located in &ctx.tags {
        if let Some(status) = located.fields().status() {
            by_status
                .entry(status.to_lowercase())
                .or_default()
                .push(*located);
        }
    }
    if !by_status.is_empty() {
        writeln!(out, "## By status\n")?;
        for (status, rows) in &by_status {
            writeln!(out, "### {} ({})\n", escape(status), rows.len())?;
            let columns = [
                Column::Where,
                Column::Kind,
                Column::Title,
                Column::Assignee,
                Column::Priority,
                Column::Due,
            ];
            table(ctx, rows, &columns, out)?;
        }
    }
    Ok(())
}

/// One table: the wanted columns that some row fills (`where`, `kind` and `title` always).
fn table(
    ctx: &ReportContext<'_>,
    rows: &[Located<'_>],
    wanted: &[Column],
    out: &mut dyn Write,
) -> io::Result<()> {
    let cells = |located: &Located<'_>, column: Column| -> String {
        let fields = located.fields();
        match column {
            Column::Where => format!(
                "[{}:{}]({})",
                escape(&ctx.shown_path(located.path)),
                located.line(),
                ctx.link(located)
            ),
            Column::Kind => escape(&located.tag.code_tag),
            Column::Title => escape(&fields.title()),
            Column::Assignee => escape(&fields.assignees().join(", ")),
            Column::Status => fields.status().map(|s| escape(&s)).unwrap_or_default(),
            Column::Priority => fields.priority().map(|s| escape(&s)).unwrap_or_default(),
            Column::Due => match fields.due() {
                Some(due) if fields.is_overdue(ctx.today) => {
                    format!("**{} overdue**", escape(&due))
                }
                Some(due) => escape(&due),
                None => String::new(),
            },
        }
    };
    let grid: Vec<Vec<String>> = rows
        .iter()
        .map(|l| wanted.iter().map(|&c| cells(l, c)).collect())
        .collect();
    let used: Vec<usize> = (0..wanted.len())
        .filter(|&i| {
            matches!(wanted[i], Column::Where | Column::Kind | Column::Title)
                || grid.iter().any(|row| !row[i].is_empty())
        })
        .collect();
    let header: Vec<&str> = used.iter().map(|&i| wanted[i].header()).collect();
    writeln!(out, "| {} |", header.join(" | "))?;
    writeln!(out, "|{}", "---|".repeat(used.len()))?;
    for row in &grid {
        let cells: Vec<&str> = used.iter().map(|&i| row[i].as_str()).collect();
        writeln!(out, "| {} |", cells.join(" | "))?;
    }
    writeln!(out)
}

/// Text for a table cell or a heading: Markdown's punctuation backslash-escaped, line breaks
/// as spaces, so a title can neither end the cell nor become a link, emphasis or HTML.
///
/// ```
/// use codetags_cli::report::markdown::escape;
/// assert_eq!(escape("a|b <i>*x*</i>\n[y](z)"), r"a\|b \<i\>\*x\*\</i\> \[y\]\(z\)");
/// ```
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '(' | ')' | '<' | '>' | '|' | '#' | '~' | '!'
            | '&' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// GitHub's anchor for a heading: lower case, punctuation other than `-` and `_` dropped,
/// spaces as `-` (`TODO (3)` → `todo-3`).
fn slug(heading: &str) -> String {
    heading
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | ' '))
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

fn plural(n: usize, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 { one } else { many }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_are_linked_by_githubs_slug() {
        assert_eq!(slug("TODO (3)"), "todo-3");
        assert_eq!(slug("WHAT?! (12)"), "what-12");
    }
}
