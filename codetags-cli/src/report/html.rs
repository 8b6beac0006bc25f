//! One self-contained HTML page for people: totals, bar charts (by kind, by folder, by
//! assignee, by age and by due date, where the tags have those), and a table of every tag that
//! sorts by any column and filters by text, kind and overdue.
//!
//! Everything is inline — CSS, SVG, one small script — and a Content-Security-Policy forbids
//! loading anything, so the page works from a CI artifact, an e-mail or a file on disk, and
//! cannot call out. Without JavaScript it is still complete (the table in file order); with it,
//! the filter controls appear and the view is kept in the address's `#` part
//! (`#q=retry&kind=TODO&overdue=1&sort=-due`), so a filtered, sorted view can be shared.
//! Links go to `path#Lline`, relative to the source root: they work when the page is saved at
//! the root of the tree (or served beside it).
//!
//! Overdue tags (due before the report's date and not done) are counted, marked in red and can
//! be shown alone; done tags are muted.

use super::context::{Located, ReportContext};
use crate::display::display_path;
use crate::version::VERSION;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write};

/// How many folders and assignees the charts show (the most frequent).
pub const TOP: usize = 10;

/// Writes the page.
///
/// ```
/// use codetags_cli::{ProjectConfig, ScanRequest, scan};
/// use codetags_cli::report::{render, Format, RenderOptions};
/// let dir = tempfile::tempdir().unwrap();
/// std::fs::write(dir.path().join("a.py"), "# TODO: <b>ship</b> it <due:2025-01-31>\n").unwrap();
/// let outcome = scan(&ScanRequest::new(vec![dir.path().into()], ProjectConfig::defaults(dir.path()))).unwrap();
/// let options = RenderOptions {
///     today: chrono::NaiveDate::from_ymd_opt(2025, 2, 1),
///     source_root: Some(dir.path().into()),
///     ..RenderOptions::default()
/// };
/// let mut out = Vec::new();
/// render(&outcome, Format::Html, &options, &mut out).unwrap();
/// let page = String::from_utf8(out).unwrap();
/// assert!(page.starts_with("<!DOCTYPE html>"));
/// assert!(page.contains("&lt;b&gt;ship&lt;/b&gt; it"));
/// assert!(page.contains(r#"<tr class="overdue" data-kind="TODO">"#));
/// assert!(page.contains(r##"<a href="a.py#L1">a.py:1</a>"##));
/// ```
pub fn write_page(ctx: &ReportContext<'_>, out: &mut dyn Write) -> io::Result<()> {
    let mut page = String::with_capacity(16 * 1024 + ctx.tags.len() * 600);
    head(ctx, &mut page);
    totals(ctx, &mut page);
    charts(ctx, &mut page);
    table(ctx, &mut page);
    diagnostics(ctx, &mut page);
    let _ = write!(
        page,
        "<footer>Made by codetags {} on {}.</footer>\n</main>\n<script>\n{SCRIPT}</script>\n</body>\n</html>\n",
        escape(VERSION),
        ctx.today
    );
    out.write_all(page.as_bytes())
}

fn head(ctx: &ReportContext<'_>, page: &mut String) {
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n\
         <meta name=\"generator\" content=\"codetags {}\">\n\
         <title>Code tags: {} {}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n<main>\n\
         <header><h1>Code tags</h1><p class=\"meta\">{} files scanned · report of {}</p></header>\n",
        escape(VERSION),
        ctx.tags.len(),
        if ctx.tags.len() == 1 { "tag" } else { "tags" },
        ctx.outcome.stats.files,
        ctx.today,
    );
}

fn totals(ctx: &ReportContext<'_>, page: &mut String) {
    let done = ctx.tags.iter().filter(|l| l.fields().is_done()).count();
    let overdue = ctx.overdue_count();
    let diagnostics = ctx.outcome.diagnostic_count();
    page.push_str("<section class=\"totals\" aria-label=\"Totals\">\n");
    for (number, label, class) in [
        (ctx.tags.len(), "tags", ""),
        (ctx.files_with_tags(), "files with tags", ""),
        (overdue, "overdue", if overdue > 0 { " alert" } else { "" }),
        (done, "done", ""),
        (
            diagnostics,
            "diagnostics",
            if diagnostics > 0 { " warn" } else { "" },
        ),
    ] {
        let _ = writeln!(
            page,
            "<div class=\"card{class}\" id=\"total-{}\"><span class=\"num\">{number}</span><span class=\"label\">{label}</span></div>",
            label.replace(' ', "-")
        );
    }
    page.push_str("</section>\n");
}

/// One bar of a chart: label, count, colour.
type Bar = (String, usize, &'static str);

fn charts(ctx: &ReportContext<'_>, page: &mut String) {
    page.push_str("<section class=\"charts\">\n");

    let mut by_kind: BTreeMap<&str, usize> = BTreeMap::new();
    let mut by_folder: BTreeMap<String, usize> = BTreeMap::new();
    let mut by_assignee: BTreeMap<String, usize> = BTreeMap::new();
    let mut unassigned = 0usize;
    let mut ages = [0usize; AGE_BUCKETS.len()];
    let mut undated = 0usize;
    let (mut overdue, mut soon, mut later) = (0usize, 0usize, 0usize);
    for located in &ctx.tags {
        let fields = located.fields();
        *by_kind.entry(located.tag.code_tag.as_str()).or_default() += 1;
        *by_folder.entry(ctx.shown_folder(located.path)).or_default() += 1;
        let people = fields.assignees();
        if people.is_empty() {
            unassigned += 1;
        }
        for person in people {
            *by_assignee.entry(person).or_default() += 1;
        }
        match fields.origination_date() {
            Some(date) => {
                let days = (ctx.today - date).num_days();
                let bucket = AGE_BUCKETS
                    .iter()
                    .position(|(_, max)| days <= *max)
                    .unwrap_or(AGE_BUCKETS.len() - 1);
                ages[bucket] += 1;
            }
            None => undated += 1,
        }
        if !fields.is_done()
            && let Some(due) = fields.due_date()
        {
            let days = (due - ctx.today).num_days();
            if days < 0 {
                overdue += 1;
            } else if days <= 30 {
                soon += 1;
            } else {
                later += 1;
            }
        }
    }

    let kinds: Vec<Bar> = most_first(by_kind.into_iter().map(|(k, n)| (k.to_owned(), n)))
        .into_iter()
        .map(|(k, n)| {
            let color = kind_color(&k);
            (k, n, color)
        })
        .collect();
    chart(page, "kind", "By kind", &kinds, "", None);

    let folders = most_first(by_folder.into_iter());
    let more = folders.len().saturating_sub(TOP);
    let bars: Vec<Bar> = folders
        .into_iter()
        .take(TOP)
        .map(|(f, n)| (f, n, ACCENT))
        .collect();
    let note = (more > 0).then(|| format!("and {more} more folders"));
    chart(
        page,
        "folder",
        &format!("By folder (top {TOP})"),
        &bars,
        "",
        note.as_deref(),
    );

    let people = most_first(by_assignee.into_iter());
    let more = people.len().saturating_sub(TOP);
    let mut bars: Vec<Bar> = people
        .into_iter()
        .take(TOP)
        .map(|(p, n)| (p, n, ACCENT))
        .collect();
    if unassigned > 0 {
        bars.push(("(unassigned)".to_owned(), unassigned, MUTED));
    }
    let note = (more > 0).then(|| format!("and {more} more people"));
    chart(page, "assignee", "By assignee", &bars, "", note.as_deref());

    if ages.iter().any(|&n| n > 0) {
        let bars: Vec<Bar> = AGE_BUCKETS
            .iter()
            .zip(ages)
            .map(|((label, _), n)| ((*label).to_owned(), n, ACCENT))
            .collect();
        let note = (undated > 0).then(|| format!("{undated} tags without a date"));
        chart(
            page,
            "age",
            "By age (origination date)",
            &bars,
            "",
            note.as_deref(),
        );
    } else {
        chart(
            page,
            "age",
            "By age",
            &[],
            "No tag has an origination date (PEP 350's <author YYYY-MM-DD>).",
            None,
        );
    }
    if overdue + soon + later > 0 {
        let bars: Vec<Bar> = vec![
            ("overdue".to_owned(), overdue, ALERT),
            ("next 30 days".to_owned(), soon, WARN),
            ("later".to_owned(), later, ACCENT),
        ];
        chart(page, "due", "Open tags by due date", &bars, "", None);
    }
    page.push_str("</section>\n");
}

/// Age buckets: label and the most days a tag in it may be old.
const AGE_BUCKETS: [(&str, i64); 6] = [
    ("under a month", 30),
    ("1–3 months", 91),
    ("3–6 months", 182),
    ("6–12 months", 365),
    ("1–2 years", 730),
    ("over 2 years", i64::MAX),
];

const ACCENT: &str = "#3b82f6";
const MUTED: &str = "#9ca3af";
const ALERT: &str = "#dc2626";
const WARN: &str = "#d97706";

fn kind_color(kind: &str) -> &'static str {
    match kind {
        "FIXME" | "BUG" | "XXX" | "ALERT" => ALERT,
        "TODO" | "REQ" | "REQUIREMENT" | "STORY" | "RFE" | "IDEA" => WARN,
        "HACK" | "CLEVER" | "MAGIC" => "#9333ea",
        "DONE" => "#16a34a",
        "NOTE" | "DOCUMENT" | "DATA" => "#0891b2",
        _ => ACCENT,
    }
}

/// Most frequent first, then by name.
fn most_first(items: impl Iterator<Item = (String, usize)>) -> Vec<(String, usize)> {
    let mut items: Vec<(String, usize)> = items.collect();
    items.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    items
}

/// A horizontal bar chart as inline SVG, or `empty` when there are no bars.
fn chart(page: &mut String, id: &str, title: &str, bars: &[Bar], empty: &str, note: Option<&str>) {
    let _ = write!(
        page,
        "<figure class=\"chart\" id=\"chart-{id}\"><figcaption>{}</figcaption>",
        escape(title)
    );
    if bars.is_empty() {
        let _ = write!(page, "<p class=\"empty\">{}</p>", escape(empty));
    } else {
        const ROW: usize = 24;
        const LABEL: usize = 150;
        const BAR: usize = 210;
        let max = bars.iter().map(|b| b.1).max().unwrap_or(0).max(1);
        let height = bars.len() * ROW + 4;
        let _ = write!(
            page,
            "<svg viewBox=\"0 0 420 {height}\" width=\"420\" height=\"{height}\" role=\"img\" aria-label=\"{}\">",
            escape(title)
        );
        for (i, (label, count, color)) in bars.iter().enumerate() {
            let y = i * ROW + 4;
            let width = if *count == 0 {
                0
            } else {
                (count * BAR / max).max(2)
            };
            let shown: String = if label.chars().count() > 22 {
                label.chars().take(21).collect::<String>() + "…"
            } else {
                label.clone()
            };
            let _ = write!(
                page,
                "<g class=\"bar\"><title>{label}: {count}</title>\
                 <text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\
                 <rect x=\"{LABEL}\" y=\"{y}\" width=\"{width}\" height=\"16\" rx=\"3\" fill=\"{color}\"></rect>\
                 <text x=\"{}\" y=\"{}\" class=\"count\">{count}</text></g>",
                LABEL - 8,
                y + 13,
                escape(&shown),
                LABEL + width + 6,
                y + 13,
                label = escape(label),
            );
        }
        page.push_str("</svg>");
    }
    if let Some(note) = note {
        let _ = write!(page, "<p class=\"note\">{}</p>", escape(note));
    }
    page.push_str("</figure>\n");
}

fn table(ctx: &ReportContext<'_>, page: &mut String) {
    page.push_str(
        "<section class=\"all\">\n<h2>All tags</h2>\n<div id=\"controls\"></div>\n\
         <div class=\"scroll\"><table id=\"tags\">\n<thead><tr>\
         <th data-key=\"kind\">Kind</th><th data-key=\"title\">Title</th>\
         <th data-key=\"where\">Where</th><th data-key=\"assignee\">Assignee</th>\
         <th data-key=\"status\">Status</th><th data-key=\"priority\">Priority</th>\
         <th data-key=\"due\">Due</th><th data-key=\"created\">Created</th>\
         </tr></thead>\n<tbody>\n",
    );
    for located in &ctx.tags {
        row(ctx, located, page);
    }
    page.push_str("</tbody>\n</table></div>\n");
    if ctx.tags.is_empty() {
        page.push_str("<p class=\"empty\">No tags found.</p>\n");
    }
    page.push_str("</section>\n");
}

fn row(ctx: &ReportContext<'_>, located: &Located<'_>, page: &mut String) {
    let fields = located.fields();
    let overdue = fields.is_overdue(ctx.today);
    let class = if overdue {
        "overdue"
    } else if fields.is_done() {
        "done"
    } else {
        ""
    };
    let kind = &located.tag.code_tag;
    let path = ctx.shown_path(located.path);
    let _ = write!(
        page,
        "<tr{} data-kind=\"{}\">",
        if class.is_empty() {
            String::new()
        } else {
            format!(" class=\"{class}\"")
        },
        escape(kind)
    );
    let _ = write!(
        page,
        "<td><span class=\"kind\" style=\"background:{}\">{}</span></td>",
        kind_color(kind),
        escape(kind)
    );
    let body = located
        .tag
        .body
        .as_deref()
        .filter(|b| !b.trim().is_empty())
        .map(|b| format!(" title=\"{}\"", escape(b.trim_end())))
        .unwrap_or_default();
    let _ = write!(page, "<td{body}>{}", escape(&fields.title()));
    if let Some(tracker) = fields.tracker() {
        if tracker.starts_with("https://") || tracker.starts_with("http://") {
            let _ = write!(
                page,
                " <a class=\"tracker\" href=\"{}\" rel=\"noreferrer\">{}</a>",
                escape(&tracker),
                escape(
                    tracker
                        .trim_end_matches('/')
                        .rsplit('/')
                        .next()
                        .unwrap_or(&tracker)
                )
            );
        } else {
            let _ = write!(page, " <span class=\"tracker\">{}</span>", escape(&tracker));
        }
    }
    page.push_str("</td>");
    let _ = write!(
        page,
        "<td data-sort=\"{}:{:08}\"><a href=\"{}\">{}:{}</a></td>",
        escape(&path),
        located.line(),
        escape(&ctx.link(located)),
        escape(&path),
        located.line()
    );
    let _ = write!(page, "<td>{}</td>", escape(&fields.assignees().join(", ")));
    let _ = write!(
        page,
        "<td>{}</td>",
        escape(&fields.status().unwrap_or_default())
    );
    let _ = write!(
        page,
        "<td>{}</td>",
        escape(&fields.priority().unwrap_or_default())
    );
    match fields.due() {
        Some(due) if overdue => {
            let _ = write!(
                page,
                "<td data-sort=\"{0}\">{0} <span class=\"badge\">overdue</span></td>",
                escape(&due)
            );
        }
        Some(due) => {
            let _ = write!(page, "<td>{}</td>", escape(&due));
        }
        None => page.push_str("<td></td>"),
    }
    match fields.origination_date() {
        Some(date) => {
            let days = (ctx.today - date).num_days();
            let _ = write!(page, "<td title=\"{days} days old\">{date}</td>");
        }
        None => page.push_str("<td></td>"),
    }
    page.push_str("</tr>\n");
}

fn diagnostics(ctx: &ReportContext<'_>, page: &mut String) {
    let outcome = ctx.outcome;
    if outcome.diagnostic_count() == 0 {
        return;
    }
    let mut lines: Vec<(String, usize, usize, String)> = Vec::new();
    for file in &outcome.files {
        for d in &file.diagnostics {
            lines.push((
                ctx.shown_path(&file.path),
                d.line + 1,
                d.column + 1,
                d.message.clone(),
            ));
        }
    }
    for problem in &outcome.problems {
        lines.push((
            display_path(&problem.path).into_owned(),
            1,
            1,
            problem.message.clone(),
        ));
    }
    lines.sort();
    page.push_str("<section class=\"diagnostics\">\n<h2>Diagnostics</h2>\n<ul>\n");
    for (path, line, column, message) in lines {
        let _ = writeln!(
            page,
            "<li><code>{}:{line}:{column}</code> {}</li>",
            escape(&path),
            escape(&message)
        );
    }
    page.push_str("</ul>\n</section>\n");
}

/// Text for HTML content and attribute values: `& < > " '` as character references.
///
/// ```
/// assert_eq!(codetags_cli::report::html::escape(r#"<a href="x">'&'</a>"#),
///            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
/// ```
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = r#":root{--bg:#f8fafc;--fg:#0f172a;--card:#fff;--line:#e2e8f0;--muted:#64748b;--alert:#dc2626;--warn:#d97706;--link:#2563eb}
@media (prefers-color-scheme:dark){:root{--bg:#0f172a;--fg:#e2e8f0;--card:#1e293b;--line:#334155;--muted:#94a3b8;--link:#93c5fd}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif}
main{max-width:1240px;margin:0 auto;padding:24px}
header h1{margin:0 0 2px;font-size:26px}
.meta,.note,footer{color:var(--muted)}
.meta{margin:0 0 18px}
h2{font-size:18px;margin:28px 0 10px}
a{color:var(--link)}
.totals{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:12px}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:14px 16px}
.card .num{display:block;font-size:28px;font-weight:700}
.card .label{color:var(--muted)}
.card.alert .num{color:var(--alert)}
.card.warn .num{color:var(--warn)}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(440px,1fr));gap:12px;margin-top:12px}
.chart{margin:0;background:var(--card);border:1px solid var(--line);border-radius:10px;padding:12px 14px;overflow-x:auto}
.chart figcaption{font-weight:600;margin-bottom:6px}
.chart svg{max-width:100%;height:auto}
.chart text{font-size:12px;fill:var(--fg)}
.chart text.count{fill:var(--muted)}
.empty{color:var(--muted);font-style:italic}
.note{margin:4px 0 0;font-size:12px}
#controls{display:flex;flex-wrap:wrap;gap:12px;align-items:center;margin-bottom:10px}
#controls input[type=search]{min-width:280px;padding:6px 10px;border:1px solid var(--line);border-radius:6px;background:var(--card);color:var(--fg)}
#controls select{padding:5px 8px;border:1px solid var(--line);border-radius:6px;background:var(--card);color:var(--fg)}
#shown{color:var(--muted)}
.scroll{overflow-x:auto;background:var(--card);border:1px solid var(--line);border-radius:10px}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:7px 10px;border-bottom:1px solid var(--line);vertical-align:top}
th{position:sticky;top:0;background:var(--card);white-space:nowrap}
th button{all:unset;cursor:pointer;font-weight:600}
th button:focus-visible{outline:2px solid var(--link)}
th[aria-sort=ascending] button::after{content:" ▲"}
th[aria-sort=descending] button::after{content:" ▼"}
tbody tr:nth-child(even){background:rgba(100,116,139,.06)}
td:nth-child(3),td:nth-child(5),td:nth-child(7),td:nth-child(8){white-space:nowrap}
tr.overdue td:first-child{box-shadow:inset 4px 0 var(--alert)}
tr.done{color:var(--muted)}
tr.done td:nth-child(2){text-decoration:line-through}
.kind{display:inline-block;color:#fff;border-radius:4px;padding:0 6px;font-size:12px;font-weight:700}
.badge{display:inline-block;background:var(--alert);color:#fff;border-radius:9px;padding:0 7px;font-size:11px;font-weight:700}
.tracker{font-size:12px;color:var(--muted)}
.diagnostics code{font-size:12px}
footer{margin-top:28px;font-size:12px}
"#;

const SCRIPT: &str = r##"(function () {
  "use strict";
  var table = document.getElementById("tags");
  var controls = document.getElementById("controls");
  if (!table || !controls) { return; }
  var tbody = table.tBodies[0];
  var rows = Array.prototype.slice.call(tbody.rows);
  var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
  var collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });
  var state = { sort: "", desc: false };

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }
  var filter = el("input", { type: "search", id: "filter", placeholder: "Filter by text, path, assignee…", "aria-label": "Filter tags" });
  var kind = el("select", { id: "kind-filter", "aria-label": "Kind" });
  kind.appendChild(el("option", { value: "" }, "All kinds"));
  var kinds = {};
  rows.forEach(function (r) { kinds[r.getAttribute("data-kind")] = true; });
  Object.keys(kinds).sort().forEach(function (k) { kind.appendChild(el("option", { value: k }, k)); });
  var overdueOnly = el("input", { type: "checkbox", id: "overdue-only" });
  var overdueLabel = el("label", { "for": "overdue-only" });
  overdueLabel.appendChild(overdueOnly);
  overdueLabel.appendChild(document.createTextNode(" overdue only"));
  var shown = el("span", { id: "shown", "aria-live": "polite" });
  [filter, kind, overdueLabel, shown].forEach(function (n) { controls.appendChild(n); });

  function keyOf(row, index) {
    var cell = row.cells[index];
    var v = cell.getAttribute("data-sort");
    return v === null ? cell.textContent.trim() : v;
  }
  function apply(remember) {
    var q = filter.value.trim().toLowerCase();
    var k = kind.value;
    var od = overdueOnly.checked;
    var visible = 0;
    rows.forEach(function (row) {
      var ok = (!q || row.textContent.toLowerCase().indexOf(q) >= 0) &&
        (!k || row.getAttribute("data-kind") === k) &&
        (!od || row.classList.contains("overdue"));
      row.hidden = !ok;
      if (ok) { visible += 1; }
    });
    var order = rows.slice();
    var index = -1;
    headers.forEach(function (h, i) { if (h.getAttribute("data-key") === state.sort) { index = i; } });
    if (index >= 0) {
      order.sort(function (a, b) {
        var x = keyOf(a, index), y = keyOf(b, index);
        if (x === "" || y === "") { return (x === "") - (y === ""); }
        var c = collator.compare(x, y);
        return state.desc ? -c : c;
      });
    }
    order.forEach(function (r) { tbody.appendChild(r); });
    headers.forEach(function (h, i) {
      h.setAttribute("aria-sort", i === index ? (state.desc ? "descending" : "ascending") : "none");
    });
    table.setAttribute("data-sort", index >= 0 ? (state.desc ? "-" : "") + state.sort : "");
    shown.textContent = visible + " of " + rows.length + " tags";
    if (remember) {
      var p = new URLSearchParams();
      if (q) { p.set("q", filter.value.trim()); }
      if (k) { p.set("kind", k); }
      if (od) { p.set("overdue", "1"); }
      if (index >= 0) { p.set("sort", (state.desc ? "-" : "") + state.sort); }
      history.replaceState(null, "", "#" + p.toString());
    }
  }

  headers.forEach(function (h) {
    var button = el("button", { type: "button" }, h.textContent);
    h.textContent = "";
    h.appendChild(button);
    button.addEventListener("click", function () {
      var key = h.getAttribute("data-key");
      state.desc = state.sort === key ? !state.desc : false;
      state.sort = key;
      apply(true);
    });
  });
  var start = new URLSearchParams(location.hash.replace(/^#/, ""));
  filter.value = start.get("q") || "";
  if (kinds[start.get("kind")]) { kind.value = start.get("kind"); }
  overdueOnly.checked = start.get("overdue") === "1";
  var sort = start.get("sort") || "";
  state.desc = sort.charAt(0) === "-";
  state.sort = sort.replace(/^-/, "");
  filter.addEventListener("input", function () { apply(true); });
  kind.addEventListener("change", function () { apply(true); });
  overdueOnly.addEventListener("change", function () { apply(true); });
  apply(false);
  document.body.setAttribute("data-ready", "1");
})();
"##;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_labels_are_cut_in_the_chart_and_whole_in_the_tooltip() {
        let mut page = String::new();
        let label = "a/very/long/folder/name/that/goes/on".to_owned();
        chart(&mut page, "x", "X", &[(label.clone(), 3, ACCENT)], "", None);
        assert!(page.contains(&format!("<title>{label}: 3</title>")));
        assert!(page.contains(">a/very/long/folder/na…</text>"), "{page}");
    }

    #[test]
    fn bars_are_proportional_and_a_zero_has_no_bar() {
        let mut page = String::new();
        let bars = [
            ("a".to_owned(), 4, ACCENT),
            ("b".to_owned(), 2, ACCENT),
            ("c".to_owned(), 0, ACCENT),
        ];
        chart(&mut page, "x", "X", &bars, "", None);
        assert!(page.contains("width=\"210\""), "{page}");
        assert!(page.contains("width=\"105\""), "{page}");
        assert!(page.contains("width=\"0\""), "{page}");
    }
}
