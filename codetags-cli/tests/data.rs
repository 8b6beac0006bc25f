//! `codetags data` against pycodetags 0.8.1 itself. `fixtures/parity/` holds three trees and
//! 0.8.1's answers on them (see its README): `shop` (the shared reference), `edges` (CRLF,
//! Latin-1, a BOM, several tags in a block, tags after f-strings, comments that tie, a TDG
//! `schema_paths` file) and `tdg` (the TDG schema only). Each test runs the binary in a fresh
//! copy of the tree, from its root, as the references were made.
//!
//! * every reference filter selects the same tags (`*.refs.json` and `*.extra-refs.json`);
//! * `--format text` and `--format summary` are the same bytes, the tree's root written
//!   `<root>`; `--format json` too, with the configured `src` and with `--src` given;
//! * exit codes and messages are ours where the README says so: 0 and `[]` when nothing is
//!   selected, 2 and 0.8.1's `Filter error: …` for a bad expression.

mod common;

use common::codetags;
use serde_json::Value;
use std::path::{Path, PathBuf};

const TREES: [&str; 3] = ["shop", "edges", "tdg"];

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/parity")
}

fn load(name: &str) -> Value {
    let text = std::fs::read_to_string(fixtures().join(name)).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A fresh copy of a fixture tree, and its canonical root (what the references call `<root>`).
struct Tree {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

fn tree(name: &str) -> Tree {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("tree");
    copy_tree(&fixtures().join(name), &root);
    let root = std::fs::canonicalize(&root).unwrap();
    Tree { _dir: dir, root }
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn data(tree: &Tree, args: &[&str]) -> Run {
    let output = codetags(&tree.root)
        .arg("data")
        .args(args)
        .output()
        .unwrap();
    Run {
        code: output.status.code().unwrap(),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

/// `[relative path, offsets]` of each tag of a JSON report, sorted, as the references hold them.
fn selected(tree: &Tree, json: &str) -> Value {
    let tags: Vec<Value> = serde_json::from_str(json).unwrap();
    let prefix = format!("{}/", tree.root.display());
    let mut keys: Vec<Value> = tags
        .iter()
        .map(|t| {
            let path = t["file_path"].as_str().unwrap();
            let rel = path.strip_prefix(&prefix).unwrap_or(path);
            serde_json::json!([rel, t["offsets"]])
        })
        .collect();
    keys.sort_by_key(|k| k.to_string());
    Value::Array(keys)
}

fn sorted(value: &Value) -> Value {
    let mut keys = value.as_array().cloned().unwrap_or_default();
    keys.sort_by_key(|k| k.to_string());
    Value::Array(keys)
}

fn normalized(tree: &Tree, text: &str) -> String {
    let root = tree.root.display().to_string();
    text.replace(&format!("{root}/"), "<root>/")
        .replace(&root, "<root>")
}

/// Checks one reference filter; returns a description of the difference, if any.
fn check_filter(tree: &Tree, reference: &Value) -> Option<String> {
    let expr = reference["expr"].as_str().unwrap();
    let run = data(tree, &["--no-cache", "--format", "json", "--filter", expr]);
    let label = format!("{expr:?}");
    match reference["rc"].as_i64().unwrap() {
        0 => {
            if run.code != 0 {
                return Some(format!("{label}: exit {} ({})", run.code, run.stderr));
            }
            let ours = selected(tree, &run.stdout);
            let theirs = sorted(&reference["tags"]);
            (ours != theirs).then(|| format!("{label}: selected {ours}, 0.8.1 {theirs}"))
        }
        // 0.8.1: "Error: No data to report.", exit 1. Ours: exit 0, `[]`, the message on stderr.
        1 => {
            let ok = run.code == 0
                && run.stdout == "[]\n"
                && run.stderr.contains("codetags: no data to report");
            (!ok).then(|| {
                format!(
                    "{label}: 0.8.1 selects nothing; ours: exit {} {:?} {:?}",
                    run.code, run.stdout, run.stderr
                )
            })
        }
        // A bad expression: 0.8.1 exits 200; we exit 2 with its message.
        200 => {
            let last = run.stderr.trim_end().lines().last().unwrap_or_default();
            let ok = run.code == 2
                && run.stdout.is_empty()
                && run
                    .stderr
                    .starts_with("Filter error: Invalid JMESPath expression: ")
                && last == reference["stderr_last"].as_str().unwrap();
            (!ok).then(|| {
                format!(
                    "{label}: 0.8.1 refuses it; ours: exit {} {:?}",
                    run.code, run.stderr
                )
            })
        }
        other => Some(format!("{label}: unexpected reference exit code {other}")),
    }
}

#[test]
fn every_reference_filter_selects_the_same_tags() {
    let mut checked = 0;
    let mut wrong = Vec::new();
    for name in TREES {
        let tree = tree(name);
        for refs in [
            format!("{name}.refs.json"),
            format!("{name}.extra-refs.json"),
        ] {
            for reference in load(&refs)["filters"].as_array().unwrap() {
                checked += 1;
                if let Some(problem) = check_filter(&tree, reference) {
                    wrong.push(format!("{name}: {problem}"));
                }
            }
        }
    }
    println!(
        "{checked} reference filters checked, {} as 0.8.1",
        checked - wrong.len()
    );
    assert_eq!(checked, 3 * (28 + 16));
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn text_and_summary_are_pycodetags_bytes() {
    for name in TREES {
        let refs = load(&format!("{name}.refs.json"));
        let tree = tree(name);
        for format in ["text", "summary"] {
            let reference = &refs["formats"][format];
            assert_eq!(reference["rc"], 0);
            let run = data(&tree, &["--no-cache", "--format", format]);
            assert_eq!(run.code, 0, "{name} {format}: {}", run.stderr);
            assert_eq!(
                normalized(&tree, &run.stdout),
                reference["stdout"].as_str().unwrap(),
                "{name} --format {format}"
            );
        }
    }
}

#[test]
fn json_is_pycodetags_bytes_with_configured_and_given_sources() {
    for name in TREES {
        let refs = load(&format!("{name}.extra-refs.json"));
        let tree = tree(name);
        let run = data(&tree, &["--no-cache", "--format", "json"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert_eq!(
            normalized(&tree, &run.stdout),
            refs["json"]["stdout"].as_str().unwrap(),
            "{name}"
        );
        if let Some(given) = refs.get("json_src") {
            let mut args = vec!["--no-cache", "--format", "json"];
            for src in given["src"].as_array().unwrap() {
                args.extend(["--src", src.as_str().unwrap()]);
            }
            let run = data(&tree, &args);
            assert_eq!(run.code, 0, "{}", run.stderr);
            assert_eq!(
                normalized(&tree, &run.stdout),
                given["stdout"].as_str().unwrap(),
                "{name} {args:?}"
            );
        }
    }
}

#[test]
fn a_warm_cached_run_reports_the_same_bytes() {
    let tree = tree("shop");
    let cold = data(&tree, &["--format", "text"]);
    let warm = data(&tree, &["--format", "text"]);
    assert_eq!(cold.code, 0);
    assert!(tree.root.join(".pycodetags_cache").is_dir());
    assert_eq!(cold.stdout, warm.stdout);
    let reference = load("shop.refs.json");
    assert_eq!(
        normalized(&tree, &warm.stdout),
        reference["formats"]["text"]["stdout"].as_str().unwrap()
    );
}

#[test]
fn a_filter_failing_on_some_tags_drops_them_with_one_warning_each() {
    let tree = tree("shop");
    // 10 of the 19 tags have no priority: `length(null)` is a type error on each of them.
    // (0.8.1 prints the same summary: `pycodetags data --format summary --filter …`.)
    let run = data(
        &tree,
        &[
            "--no-cache",
            "--format",
            "summary",
            "--filter",
            "length(priority) > `3`",
        ],
    );
    assert_eq!(run.code, 0);
    let warnings: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.contains("In function length(), invalid type for value: None"))
        .collect();
    assert_eq!(warnings.len(), 19 - 9, "{}", run.stderr);
    assert!(
        warnings
            .iter()
            .all(|w| w.contains(&format!("{}/", tree.root.display()))
                && w.ends_with("; the tag is left out")),
        "{warnings:?}"
    );
    assert_eq!(run.stdout, "Code Tag Summary:\nBUG: 2\nFIXME: 1\nTODO: 4\n");
    // -qq silences warnings, not the result.
    let quiet = data(
        &tree,
        &[
            "-qq",
            "--no-cache",
            "--format",
            "summary",
            "--filter",
            "length(priority) > `3`",
        ],
    );
    assert_eq!(quiet.stdout, run.stdout);
    assert!(!quiet.stderr.contains("invalid type"), "{}", quiet.stderr);
}

#[test]
fn bad_filters_and_missing_paths_exit_2_before_scanning() {
    let tree = tree("shop");
    let run = data(&tree, &["--filter", "'abc"]);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        "Filter error: Invalid JMESPath expression: Bad jmespath expression: Unclosed ' delimiter:\n'abc\n^\n"
    );
    assert!(!tree.root.join(".pycodetags_cache").exists());
    let run = data(&tree, &["--src", "nowhere"]);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        "codetags: error: nowhere: no such file or directory\n"
    );
    // An empty expression is no filter (0.8.1 tests `if args.filter:`).
    let all = data(
        &tree,
        &["--no-cache", "--format", "summary", "--filter", ""],
    );
    assert_eq!(all.code, 0);
    assert_eq!(
        normalized(&tree, &all.stdout),
        load("shop.refs.json")["formats"]["summary"]["stdout"]
            .as_str()
            .unwrap()
    );
}

#[test]
fn nothing_selected_is_success_with_a_message_and_no_report() {
    let tree = tree("shop");
    for (format, stdout) in [("text", ""), ("summary", ""), ("json", "[]\n")] {
        let run = data(
            &tree,
            &[
                "--no-cache",
                "--format",
                format,
                "--filter",
                "author == 'nobody'",
            ],
        );
        assert_eq!((run.code, run.stdout.as_str()), (0, stdout), "{format}");
        assert_eq!(
            run.stderr,
            "codetags: no data to report (6 files scanned)\n"
        );
    }
    let quiet = data(
        &tree,
        &["-q", "--no-cache", "--filter", "author == 'nobody'"],
    );
    assert_eq!((quiet.code, quiet.stderr.as_str()), (0, ""));
}

#[test]
fn output_is_written_atomically_and_replaces_the_old_report() {
    let tree = tree("shop");
    let target = tree.root.join("report.txt");
    std::fs::write(&target, "old report\n").unwrap();
    let run = data(
        &tree,
        &[
            "--no-cache",
            "--format",
            "summary",
            "--output",
            "report.txt",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.is_empty());
    assert_eq!(
        normalized(&tree, &std::fs::read_to_string(&target).unwrap()),
        load("shop.refs.json")["formats"]["summary"]["stdout"]
            .as_str()
            .unwrap()
    );
    // No temporary file is left beside it.
    let leftovers: Vec<_> = std::fs::read_dir(&tree.root)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".codetags-out"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    // A folder that cannot hold the file: the error names the target, the run fails (2).
    let run = data(&tree, &["--no-cache", "--output", "no/such/dir/report.txt"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("no/such/dir/report.txt"),
        "{}",
        run.stderr
    );
}

#[test]
fn scan_filter_uses_the_same_expressions() {
    let tree = tree("shop");
    let scan = codetags(&tree.root)
        .args([
            "scan",
            "--no-cache",
            "--format",
            "json",
            "--filter",
            "status == 'open' && priority == 'high'",
        ])
        .output()
        .unwrap();
    assert!(scan.status.success());
    let reference = load("shop.refs.json");
    let expected = reference["filters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["expr"] == "status == 'open' && priority == 'high'")
        .unwrap();
    let ours = selected(&tree, std::str::from_utf8(&scan.stdout).unwrap());
    assert_eq!(ours, sorted(&expected["tags"]));
    let bad = codetags(&tree.root)
        .args(["scan", "--filter", "priority =="])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&bad.stderr)
            .starts_with("Filter error: Invalid JMESPath expression: ")
    );
}
