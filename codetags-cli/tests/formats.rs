//! End-to-end tests of the CI and people formats: `--format sarif` (validated against the OASIS
//! SARIF 2.1.0 schema), `github`, `gitlab`, `markdown`, `changelog` and `html`.

mod common;

use common::codetags;
use serde_json::Value;
use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

fn demo_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/demo")
}

/// stdout of `codetags ARGS` run in `dir` (which must succeed).
fn run(dir: &Path, args: &[&str]) -> String {
    let out = codetags(dir).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "codetags {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn json(dir: &Path, args: &[&str]) -> Value {
    serde_json::from_str(&run(dir, args)).unwrap()
}

fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("pyproject.toml"),
        "[tool.pycodetags]\nschema = \"auto\"\n",
    )
    .unwrap();
    for (name, content) in files {
        let path = dir.path().join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, content).unwrap();
    }
    dir
}

/// The problems the OASIS schema finds in `log`, formats (`uri`, `uri-reference`) included.
fn schema_errors(log: &Value) -> Vec<String> {
    let text = fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sarif-schema-2.1.0.json"),
    )
    .unwrap();
    // The schema's two `language` patterns (run, toolComponent) end in a stray `]`, a literal
    // in ECMA-262's web dialect (Annex B) but an error to the strict regex check jsonschema
    // runs on the schema itself. Escaping it keeps the meaning; no other byte changes.
    let stray = r#""pattern": "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$""#;
    assert_eq!(text.matches(stray).count(), 2);
    let text = text.replace(
        stray,
        r#""pattern": "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}\\]?$""#,
    );
    let schema: Value = serde_json::from_str(&text).unwrap();
    let validator = jsonschema::draft7::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap();
    validator
        .iter_errors(log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

fn tag_count(dir: &Path) -> usize {
    json(dir, &["scan", "--no-cache", "-qq", "-f", "json"])
        .as_array()
        .unwrap()
        .len()
}

#[test]
fn sarif_of_the_demo_is_valid_sarif_2_1_0_with_a_result_per_tag() {
    let demo = demo_dir();
    let log = json(&demo, &["scan", "--no-cache", "-qq", "-f", "sarif"]);
    let errors = schema_errors(&log);
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), tag_count(&demo));
    let rules: Vec<&str> = run["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    for result in results {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index], result["ruleId"], "{result}");
        let artifact = &result["locations"][0]["physicalLocation"]["artifactLocation"];
        assert_eq!(artifact["uriBaseId"], "%SRCROOT%");
        let uri = artifact["uri"].as_str().unwrap();
        assert!(!uri.starts_with('/') && !uri.starts_with("./"), "{uri}");
        assert!(demo.join(uri).is_file(), "{uri}");
        assert!(
            result["locations"][0]["physicalLocation"]["region"]["startLine"].as_u64() >= Some(1)
        );
    }
    // Every kind found is described once.
    let kinds: BTreeSet<&str> = results
        .iter()
        .map(|r| r["ruleId"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, rules.iter().copied().collect());
    let retry = results
        .iter()
        .find(|r| {
            r["message"]["text"]
                .as_str()
                .unwrap()
                .starts_with("fix the retry loop")
        })
        .unwrap();
    assert_eq!(retry["ruleId"], "TODO");
    assert_eq!(retry["level"], "note");
    assert_eq!(
        retry["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "app/retry.py"
    );
    assert_eq!(
        retry["locations"][0]["physicalLocation"]["region"]["startLine"],
        6
    );
    let bug = results.iter().find(|r| r["ruleId"] == "BUG").unwrap();
    assert_eq!(bug["level"], "warning");
    // The source root is the working directory, as an absolute file URI.
    let base = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
        .as_str()
        .unwrap();
    assert!(
        base.starts_with("file:///") && base.ends_with("/examples/demo/"),
        "{base}"
    );
    // The four scan diagnostics are tool notifications, not results.
    let notes = run["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap();
    assert_eq!(notes.len(), 4, "{notes:?}");
    assert!(
        notes
            .iter()
            .all(|n| n["descriptor"]["id"] == "scan-diagnostic")
    );
}

#[test]
fn the_schema_check_rejects_what_is_not_sarif() {
    // The validation above can fail: a wrong level, a missing version and a bad URI are caught.
    let mut log = json(&demo_dir(), &["scan", "--no-cache", "-qq", "-f", "sarif"]);
    assert!(schema_errors(&log).is_empty());
    log["runs"][0]["results"][0]["level"] = "fatal".into();
    log.as_object_mut().unwrap().remove("version");
    log["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"] = "not a uri".into();
    let errors = schema_errors(&log);
    for (what, at) in [
        ("fatal", "/runs/0/results/0/level"),
        ("version", ""),
        ("not a uri", "/runs/0/originalUriBaseIds/%SRCROOT%/uri"),
    ] {
        assert!(
            errors
                .iter()
                .any(|e| e.contains(what) && e.ends_with(&format!(" at {at}"))),
            "{what} at {at:?} not reported: {errors:#?}"
        );
    }
}

#[test]
fn sarif_names_awkward_files_with_valid_uris() {
    let mut files = vec![
        ("a b#1?.py", "# TODO: spaces and marks <p:1>\n"),
        ("caf\u{e9}/x%20.py", "# TODO: percent <p:1>\n"),
    ];
    files.push(("ok.py", "# FIXME: plain <p:1>\n"));
    let dir = project(&files);
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let name = std::ffi::OsStr::from_bytes(b"latin\xe9.py");
        fs::write(dir.path().join(name), "# BUG: not UTF-8 <p:1>\n").unwrap();
    }
    let log = json(dir.path(), &["scan", "--no-cache", "-qq", "-f", "sarif"]);
    let errors = schema_errors(&log);
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    let uris: BTreeSet<&str> = log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert!(uris.contains("a%20b%231%3F.py"), "{uris:?}");
    assert!(uris.contains("caf%C3%A9/x%2520.py"), "{uris:?}");
    #[cfg(unix)]
    assert!(uris.contains("latin%E9.py"), "{uris:?}");
}

/// `(ruleId, message, startLine, fingerprint)` of each SARIF result.
fn fingerprinted(log: &Value) -> Vec<(String, String, u64, String)> {
    log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["ruleId"].as_str().unwrap().to_owned(),
                r["message"]["text"].as_str().unwrap().to_owned(),
                r["locations"][0]["physicalLocation"]["region"]["startLine"]
                    .as_u64()
                    .unwrap(),
                r["partialFingerprints"]["codetags/v1"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            )
        })
        .collect()
}

#[test]
fn sarif_fingerprints_stay_when_lines_are_inserted_above_and_differ_for_repeats() {
    let source = "def f():\n    # TODO: tidy <p:1>\n    pass\n    # TODO: tidy <p:2>\n\n# FIXME: leak <p:3>\n";
    let dir = project(&[("m.py", source)]);
    let before = fingerprinted(&json(
        dir.path(),
        &["scan", "--no-cache", "-qq", "-f", "sarif"],
    ));
    fs::write(
        dir.path().join("m.py"),
        format!(
            "import os\nimport sys\n\n\n{}",
            source.replace("    # TODO: tidy <p:2>", "        # TODO:   tidy <p:9>")
        ),
    )
    .unwrap();
    let after = fingerprinted(&json(
        dir.path(),
        &["scan", "--no-cache", "-qq", "-f", "sarif"],
    ));
    assert_eq!(before.len(), 3);
    assert_eq!(after.len(), 3);
    for (b, a) in before.iter().zip(&after) {
        assert_eq!(a.2, b.2 + 4, "moved down four lines");
        assert_eq!(a.3, b.3, "{b:?} and {a:?}");
    }
    // The same text twice in one file: two alerts, told apart by their occurrence.
    assert_ne!(before[0].3, before[1].3);
    // An edited title is a new finding.
    fs::write(
        dir.path().join("m.py"),
        source.replace("leak", "leaks memory"),
    )
    .unwrap();
    let edited = fingerprinted(&json(
        dir.path(),
        &["scan", "--no-cache", "-qq", "-f", "sarif"],
    ));
    assert_eq!(edited[0].3, before[0].3);
    assert_ne!(edited[2].3, before[2].3);
}

#[test]
fn every_spelling_of_the_scanned_path_gives_the_same_uris_and_fingerprints() {
    let dir = project(&[("src/pkg/m.py", "# TODO: one <p:1>\n# BUG: two <p:2>\n")]);
    let absolute = dir.path().join("src").to_string_lossy().into_owned();
    let spellings = ["src", "./src", "src/../src", absolute.as_str()];
    let logs: Vec<Vec<(String, String, u64, String)>> = spellings
        .iter()
        .map(|p| {
            fingerprinted(&json(
                dir.path(),
                &["scan", "--no-cache", "-qq", "-f", "sarif", p],
            ))
        })
        .collect();
    for log in &logs[1..] {
        assert_eq!(log, &logs[0]);
    }
    let log = json(
        dir.path(),
        &["scan", "--no-cache", "-qq", "-f", "sarif", &absolute],
    );
    assert_eq!(
        log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "src/pkg/m.py"
    );
}

#[test]
fn github_annotations_are_workflow_commands_escaped_as_github_specifies() {
    let dir = project(&[
        (
            "a,b:c.py",
            "# FIXME: 100% wrong, see: x <p:1>\n# NOTE: spans lines\n# first line of the body\n# second\n",
        ),
        ("plain.py", "x = 1\n    # TODO: tidy\n"),
    ]);
    let out = run(dir.path(), &["scan", "--no-cache", "-qq", "-f", "github"]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines,
        [
            "::warning file=a%2Cb%3Ac.py,line=1,col=1,title=FIXME::100%25 wrong, see: x <p=1>",
            "::notice file=a%2Cb%3Ac.py,line=2,col=1,title=NOTE::spans lines%0A%0Afirst line of the body%0Asecond",
            "::notice file=plain.py,line=2,col=5,title=TODO::tidy",
        ]
    );
}

#[test]
fn gitlab_code_quality_report_has_the_required_fields_and_stable_fingerprints() {
    let demo = demo_dir();
    let issues = json(&demo, &["scan", "--no-cache", "-qq", "-f", "gitlab"]);
    let issues = issues.as_array().unwrap();
    assert_eq!(issues.len(), tag_count(&demo));
    let mut fingerprints = BTreeSet::new();
    for issue in issues {
        for key in ["description", "check_name", "fingerprint", "severity"] {
            assert!(
                issue[key].as_str().is_some_and(|s| !s.is_empty()),
                "{key}: {issue}"
            );
        }
        assert!(
            ["info", "minor", "major", "critical", "blocker"]
                .contains(&issue["severity"].as_str().unwrap())
        );
        let path = issue["location"]["path"].as_str().unwrap();
        assert!(demo.join(path).is_file(), "{path}");
        assert!(issue["location"]["lines"]["begin"].as_u64().unwrap() >= 1);
        fingerprints.insert(issue["fingerprint"].as_str().unwrap().to_owned());
    }
    assert_eq!(fingerprints.len(), issues.len(), "fingerprints are unique");
    // The same fingerprints as SARIF's.
    let sarif = json(&demo, &["scan", "--no-cache", "-qq", "-f", "sarif"]);
    let from_sarif: BTreeSet<String> = fingerprinted(&sarif).into_iter().map(|r| r.3).collect();
    assert_eq!(fingerprints, from_sarif);
    let bug = issues
        .iter()
        .find(|i| i["check_name"] == "BUG" && i["location"]["path"] == "app/retry.py")
        .unwrap();
    assert_eq!(bug["severity"], "minor");
    assert_eq!(bug["location"]["lines"]["begin"], 13);
}

#[test]
fn the_tags_filter_applies_to_every_new_format() {
    let demo = demo_dir();
    let sarif = json(
        &demo,
        &["scan", "--no-cache", "-qq", "-f", "sarif", "--tags", "bug"],
    );
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    assert!(results.iter().all(|r| r["ruleId"] == "BUG"));
    let github = run(
        &demo,
        &["scan", "--no-cache", "-qq", "-f", "github", "--tags", "bug"],
    );
    assert_eq!(github.lines().count(), 2);
    let gitlab = json(
        &demo,
        &["scan", "--no-cache", "-qq", "-f", "gitlab", "--tags", "bug"],
    );
    assert_eq!(gitlab.as_array().unwrap().len(), 2);
    let board = run(
        &demo,
        &[
            "scan",
            "--no-cache",
            "-qq",
            "-f",
            "markdown",
            "--tags",
            "bug",
        ],
    );
    assert!(
        board.contains("## BUG (2)") && !board.contains("## TODO"),
        "{board}"
    );
    let page = run(
        &demo,
        &["scan", "--no-cache", "-qq", "-f", "html", "--tags", "bug"],
    );
    assert_eq!(
        page.matches("<tr data-kind=").count() + page.matches("<tr class=").count(),
        2
    );
}

#[test]
fn markdown_board_has_tables_by_kind_assignee_and_status_with_line_links() {
    let dir = project(&[(
        "app/m.py",
        "# TODO: late work <assignee:ann due:2000-01-01 status:open>\n\
         # TODO: future work <assignee:ann,bob due:2999-01-01 status:Open>\n\
         # FIXME: a | pipe and <b>markup</b> <p:1>\n\
         # DONE: shipped <due:2000-01-01 assignee:bob>\n",
    )]);
    let board = run(dir.path(), &["scan", "--no-cache", "-qq", "-f", "markdown"]);
    assert!(board.starts_with("# Code tags\n\nReport of "), "{board}");
    assert!(
        board.contains("**4** tags in **1** file (1 files scanned), **1 overdue**."),
        "{board}"
    );
    assert!(board.contains("| [TODO](#todo-2) | 2 |"), "{board}");
    assert!(
        board.contains(
            "## TODO (2)\n\n| where | title | assignee | status | due |\n|---|---|---|---|---|\n"
        ),
        "{board}"
    );
    assert!(
        board.contains(
            "| [app/m.py:1](app/m.py#L1) | late work | ann | open | **2000-01-01 overdue** |"
        ),
        "{board}"
    );
    assert!(
        board
            .contains("| [app/m.py:2](app/m.py#L2) | future work | ann, bob | Open | 2999-01-01 |"),
        "{board}"
    );
    // A done tag is never overdue.
    assert!(
        board.contains("| [app/m.py:4](app/m.py#L4) | shipped | bob | 2000-01-01 |"),
        "{board}"
    );
    // Titles cannot break the table or inject HTML.
    assert!(
        board.contains(r"| a \| pipe and \<b\>markup\</b\> |"),
        "{board}"
    );
    // Per assignee (both of ann's, two of bob's) and per status (case folded).
    assert!(board.contains("## By assignee\n\n### ann (2)\n"), "{board}");
    assert!(board.contains("### bob (2)\n"), "{board}");
    assert!(board.contains("## By status\n\n### open (2)\n"), "{board}");
    // Every row of the kind tables links to its line.
    let kind_rows = board
        .split("## By assignee")
        .next()
        .unwrap()
        .lines()
        .filter(|l| l.starts_with("| [app/"))
        .count();
    assert_eq!(kind_rows, 4);
}

#[test]
fn markdown_without_tags_says_so() {
    let dir = project(&[("m.py", "x = 1\n")]);
    let board = run(dir.path(), &["scan", "--no-cache", "-qq", "-f", "markdown"]);
    assert!(board.ends_with("No tags found.\n"), "{board}");
}

#[test]
fn changelog_of_the_demo_lists_its_done_tags_by_release() {
    let text = run(
        &demo_dir(),
        &["scan", "--no-cache", "-qq", "-f", "changelog"],
    );
    assert_eq!(
        text,
        "# Changelog\n\n\
         All notable changes to this project will be documented in this file.\n\n\
         ## [Unreleased]\n\n\
         ### Added\n\
         - email a receipt after payment\n\n\
         ## [1.1.0] - 2025-06-10\n\n\
         ### Removed\n\
         - retire the CSV export\n\n\
         ### Fixed\n\
         - discounts were ignored in totals ([88](https://tracker.example.com/issues/88))\n\n\
         ## [1.0.0] - 2025-03-01\n\n\
         ### Added\n\
         - send invoices as PDF\n\n"
    );
}

#[test]
fn html_page_is_self_contained_and_has_a_row_per_tag() {
    let dir = project(&[(
        "pkg/m.py",
        "# TODO: late <due:2000-01-01 assignee:ann>\n# TODO: <script>alert(1)</script> <p:1>\n# DONE: old <p:2>\n",
    )]);
    let page = run(dir.path(), &["scan", "--no-cache", "-qq", "-f", "html"]);
    assert!(page.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
    assert!(page.ends_with("</html>\n"));
    // Nothing is loaded: no external scripts, styles, images or fonts, and a CSP saying so.
    for loader in ["<script src", "<link", "<img", "@import", "url(", "<iframe"] {
        assert!(!page.contains(loader), "{loader}");
    }
    assert!(page.contains("content=\"default-src 'none';"));
    assert_eq!(page.matches("<script>").count(), 1);
    // Tag text is escaped.
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert_eq!(page.matches("alert(1)").count(), 1);
    // One row per tag, the overdue one marked, the done one muted, links to lines.
    assert_eq!(
        page.matches("<tr class=\"overdue\" data-kind=\"TODO\">")
            .count(),
        1
    );
    assert_eq!(
        page.matches("<tr class=\"done\" data-kind=\"DONE\">")
            .count(),
        1
    );
    assert_eq!(page.matches("<tr data-kind=\"TODO\">").count(), 1);
    assert!(page.contains("<a href=\"pkg/m.py#L1\">pkg/m.py:1</a>"));
    assert!(page.contains("2000-01-01 <span class=\"badge\">overdue</span>"));
    assert!(
        page.contains(
            "<div class=\"card alert\" id=\"total-overdue\"><span class=\"num\">1</span>"
        )
    );
    // The charts: kind, folder, assignee, age (none dated here), due.
    for chart in ["kind", "folder", "assignee", "age", "due"] {
        assert!(
            page.contains(&format!("<figure class=\"chart\" id=\"chart-{chart}\">")),
            "{chart}"
        );
    }
    assert!(page.contains("No tag has an origination date"));
}

#[test]
fn html_page_of_the_demo_lists_every_tag_and_the_diagnostics() {
    let demo = demo_dir();
    let page = run(&demo, &["scan", "--no-cache", "-qq", "-f", "html"]);
    let rows = page.matches("<tr data-kind=").count() + page.matches("<tr class=").count();
    assert_eq!(rows, tag_count(&demo));
    assert!(page.contains("<h2>Diagnostics</h2>"));
    assert!(page.contains(
        "<code>diagnostics/malformed.py:3:40</code> Duplicate property &#39;priority&#39;."
    ));
}

/// stdout of `codetags check ARGS` in `dir`, which exits 1 (error findings).
fn check_output(dir: &Path, args: &[&str]) -> String {
    let out = codetags(dir).arg("check").args(args).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn check_findings_in_the_ci_formats() {
    let source = "x = 1\n# TODO: ship it <due:2025-01-31>\n# FIXME: leak <due:2025-02-01>\n";
    let dir = project(&[("a.py", source)]);
    let args = ["--no-cache", "-qq", "--today", "2025-03-01"];

    let log: Value = serde_json::from_str(&check_output(
        dir.path(),
        &[&args[..], &["-f", "sarif"]].concat(),
    ))
    .unwrap();
    let errors = schema_errors(&log);
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 2, "{results:?}");
    assert!(
        results
            .iter()
            .all(|r| r["ruleId"] == "overdue" && r["level"] == "error")
    );
    assert_eq!(
        results[0]["locations"][0]["physicalLocation"]["region"]["startLine"],
        2
    );
    // Every check rule is described, and results point at theirs.
    let rules = log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    assert!(rules.len() > 5);
    let index = results[0]["ruleIndex"].as_u64().unwrap() as usize;
    assert_eq!(rules[index]["id"], "overdue");

    // A day later the messages say one more day, but the fingerprints stay.
    let later: Value = serde_json::from_str(&check_output(
        dir.path(),
        &["--no-cache", "-qq", "--today", "2025-03-02", "-f", "sarif"],
    ))
    .unwrap();
    assert_ne!(
        later["runs"][0]["results"][0]["message"],
        results[0]["message"]
    );
    assert_eq!(
        fingerprinted(&later)
            .into_iter()
            .map(|r| r.3)
            .collect::<Vec<_>>(),
        fingerprinted(&log)
            .into_iter()
            .map(|r| r.3)
            .collect::<Vec<_>>()
    );

    let github = check_output(dir.path(), &[&args[..], &["-f", "github"]].concat());
    assert!(
        github.starts_with("::error file=a.py,line=2,col=1,title=overdue::TODO was due 2025-01-31"),
        "{github}"
    );
    assert_eq!(github.lines().count(), 2);

    let gitlab: Value = serde_json::from_str(&check_output(
        dir.path(),
        &[&args[..], &["-f", "gitlab"]].concat(),
    ))
    .unwrap();
    assert_eq!(gitlab[1]["check_name"], "overdue");
    assert_eq!(gitlab[1]["severity"], "major");
    assert_eq!(gitlab[1]["location"]["lines"]["begin"], 3);
}
