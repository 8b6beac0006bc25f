//! End-to-end tests of the `codetags` binary: every format, every exit code, configuration
//! errors, bad files, and the bundled `examples/demo` tree.

mod common;

use assert_cmd::Command;
use common::codetags;
use predicates::prelude::*;
use std::fs;
use std::path::{Path, PathBuf};

fn demo_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/demo")
}

fn stdout_of(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    String::from_utf8(out.stdout).unwrap()
}

/// A project folder with a pyproject.toml holding `config` and the given files.
fn project(config: &str, files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("pyproject.toml"), config).unwrap();
    for (name, content) in files {
        let path = dir.path().join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, content).unwrap();
    }
    dir
}

#[test]
fn demo_text_lists_every_style_and_skips_excluded_ignored_and_hidden_files() {
    let demo = demo_dir();
    let assert = codetags(&demo)
        .args(["scan", "--no-cache"])
        .assert()
        .success();
    let out = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    let err = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    // PEP 350, TDG (auto schema), folk (schema_paths), Latin-1 source.
    assert!(
        out.contains("app/retry.py:6:1: TODO fix the retry loop <"),
        "{out}"
    );
    assert!(
        out.contains("app/report.py:4:1: TODO Paginate the report"),
        "{out}"
    );
    assert!(out.contains("legacy/old_module.py:3:1: TODO"), "{out}");
    assert!(
        out.contains("app/latin1.py:2:1: TODO translate the café menu"),
        "{out}"
    );
    // The tag before the tokenizer error is kept, and the good tag after bad ones.
    assert!(
        out.contains("diagnostics/untokenizable.py:1:1: TODO"),
        "{out}"
    );
    assert!(
        out.contains("diagnostics/malformed.py:5:1: TODO a good tag after two bad ones"),
        "{out}"
    );
    for skipped in ["generated.py", "notes.py", "secret.py", "never"] {
        assert!(
            !out.contains(skipped),
            "{skipped} should be skipped:\n{out}"
        );
    }
    // Strings are not comments.
    assert!(!out.contains("not a tag"), "{out}");
    // One diagnostic line per problem, path:line:col: reason, then a count.
    assert!(err.contains("diagnostics/bad_encoding.py:3:"), "{err}");
    assert!(err.contains("diagnostics/untokenizable.py:"), "{err}");
    assert!(err.contains("diagnostics/malformed.py:3:"), "{err}");
    assert!(err.contains("diagnostics/malformed.py:4:"), "{err}");
    assert!(err.contains("diagnostics in 3 files"), "{err}");
    // Sorted by path, then position.
    let keys: Vec<(String, usize)> = out
        .lines()
        .map(|l| {
            let mut parts = l.splitn(3, ':');
            (
                parts.next().unwrap().to_owned(),
                parts.next().unwrap().parse().unwrap(),
            )
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort_by(|a, b| (Path::new(&a.0), a.1).cmp(&(Path::new(&b.0), b.1)));
    assert_eq!(keys, sorted);
}

#[test]
fn demo_from_the_repository_root_reads_as_from_the_demo_folder() {
    // The README's command, run from the repository root: the root pyproject.toml (maturin's,
    // whose [tool.pycodetags] holds the demo's settings with paths from the root) applies, or,
    // without it, the demo's own (the nearest above the scanned path). Either way the report
    // and the diagnostics are those of a scan from the demo folder (exclude, schema_paths).
    let root = demo_dir().join("..").join("..");
    let from_root = codetags(&root)
        .args(["scan", "--no-cache", "examples/demo"])
        .output()
        .unwrap();
    let from_demo = codetags(&demo_dir())
        .args(["scan", "--no-cache"])
        .output()
        .unwrap();
    let unprefixed = |bytes: &[u8]| -> String {
        String::from_utf8(bytes.to_vec())
            .unwrap()
            .lines()
            .map(|line| format!("{}\n", line.strip_prefix("examples/demo/").unwrap_or(line)))
            .collect()
    };
    let out = unprefixed(&from_root.stdout);
    assert!(out.contains("app/retry.py:6:1: TODO"), "{out}");
    assert!(out.contains("legacy/old_module.py:3:1: TODO"), "{out}");
    assert!(!out.contains("generated.py"), "{out}");
    assert_eq!(out, String::from_utf8(from_demo.stdout).unwrap());
    assert_eq!(
        unprefixed(&from_root.stderr),
        String::from_utf8(from_demo.stderr).unwrap()
    );
}

#[test]
fn strict_exits_1_when_there_are_diagnostics_and_0_when_there_are_none() {
    codetags(&demo_dir())
        .args(["scan", "--no-cache", "--strict"])
        .assert()
        .code(1);
    codetags(&demo_dir())
        .args(["scan", "--no-cache", "--strict", "app"])
        .assert()
        .code(0);
}

#[test]
fn json_is_a_list_of_pycodetags_records_in_path_order() {
    let out = stdout_of(codetags(&demo_dir()).args(["scan", "--no-cache", "--format", "json"]));
    let records: serde_json::Value = serde_json::from_str(&out).unwrap();
    let records = records.as_array().unwrap();
    let text = stdout_of(codetags(&demo_dir()).args(["scan", "--no-cache"]));
    assert_eq!(records.len(), text.lines().count());
    let keys: Vec<&str> = records[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "code_tag",
            "comment",
            "title",
            "body",
            "tag_id",
            "default_fields",
            "data_fields",
            "custom_fields",
            "identity_fields",
            "unprocessed_defaults",
            "file_path",
            "source_digest",
            "source_bytes_digest",
            "original_text",
            "original_schema",
            "schema",
            "offsets"
        ]
    );
    let retry = records
        .iter()
        .find(|r| r["comment"] == "fix the retry loop")
        .unwrap();
    assert_eq!(retry["file_path"], "app/retry.py");
    assert_eq!(retry["data_fields"]["author"], "jdoe");
    assert_eq!(retry["data_fields"]["priority"], "high");
    assert_eq!(retry["offsets"], serde_json::json!([5, 0, 5, 58]));
    let paths: Vec<&str> = records
        .iter()
        .map(|r| r["file_path"].as_str().unwrap())
        .collect();
    let mut sorted = paths.clone();
    sorted.sort_by_key(|p| PathBuf::from(p));
    assert_eq!(paths, sorted);
}

#[test]
fn summary_counts_by_tag_and_by_folder() {
    let out = stdout_of(codetags(&demo_dir()).args(["scan", "--no-cache", "-f", "summary"]));
    assert!(out.starts_with("Tags by type\n"), "{out}");
    let text = stdout_of(codetags(&demo_dir()).args(["scan", "--no-cache"]));
    let todo_lines = text.lines().filter(|l| l.contains(": TODO ")).count();
    let todo_row = out
        .lines()
        .find(|l| l.trim_start().starts_with("TODO "))
        .unwrap();
    assert_eq!(
        todo_row.split_whitespace().nth(1).unwrap(),
        todo_lines.to_string()
    );
    let legacy_row = out
        .lines()
        .find(|l| l.trim_start().starts_with("legacy "))
        .unwrap();
    assert_eq!(legacy_row.split_whitespace().nth(1).unwrap(), "3", "{out}");
    assert!(
        out.contains(&format!("Total: {} tags", text.lines().count())),
        "{out}"
    );
}

#[test]
fn tags_filter_keeps_only_the_named_tags() {
    let out = stdout_of(codetags(&demo_dir()).args(["scan", "--no-cache", "--tags", "fixme,bug"]));
    assert!(!out.is_empty());
    assert!(
        out.lines()
            .all(|l| l.contains(": FIXME ") || l.contains(": BUG ")),
        "{out}"
    );
    assert!(out.contains(": BUG "), "{out}");
}

#[test]
fn output_file_is_written_and_replaced_atomically() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("report.json");
    fs::write(&target, "old content").unwrap();
    codetags(&demo_dir())
        .args(["scan", "--no-cache", "-f", "json", "-o"])
        .arg(&target)
        .assert()
        .success()
        .stdout("");
    let written = fs::read_to_string(&target).unwrap();
    let expected = stdout_of(codetags(&demo_dir()).args(["scan", "--no-cache", "-f", "json"]));
    assert_eq!(written, expected);
    // No temporary file is left behind.
    let names: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
    // A device is written in place, never replaced.
    if Path::new("/dev/null").exists() {
        codetags(&demo_dir())
            .args(["scan", "--no-cache", "-o", "/dev/null"])
            .assert()
            .success();
        assert!(!fs::metadata("/dev/null").unwrap().is_file());
    }
}

#[test]
fn nothing_found_is_success_and_says_so() {
    let dir = project("", &[("empty.py", b"x = 1\n")]);
    codetags(dir.path())
        .args(["scan", "--no-cache"])
        .assert()
        .code(0)
        .stdout("")
        .stderr(predicate::str::contains("no tags found (1 files scanned)"));
    codetags(dir.path())
        .args(["scan", "--no-cache", "-f", "json"])
        .assert()
        .code(0)
        .stdout("[]\n");
}

#[test]
fn a_missing_path_exits_2_and_names_it() {
    let dir = project("", &[]);
    codetags(dir.path())
        .args(["scan", "--no-cache", "no/such/dir"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no/such/dir"));
}

#[test]
fn usage_errors_exit_2_and_version_prints_the_version() {
    let dir = project("", &[]);
    codetags(dir.path())
        .args(["scan", "--format", "xml"])
        .assert()
        .code(2);
    codetags(dir.path()).assert().code(2);
    codetags(dir.path())
        .arg("--version")
        .assert()
        .success()
        .stdout(format!("codetags {}\n", env!("CARGO_PKG_VERSION")));
    codetags(dir.path())
        .args(["scan", "--schema", "nope"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("nope"));
}

#[test]
fn config_errors_name_the_key_the_value_and_the_file() {
    let dir = project("[tool.pycodetags]\nschema = \"PEP351\"\n", &[("a.py", b"")]);
    codetags(dir.path())
        .args(["scan", "--no-cache"])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("tool.pycodetags.schema")
                .and(predicate::str::contains("PEP351"))
                .and(predicate::str::contains("pyproject.toml")),
        );
    let dir = project("[tool.pycodetags]\nexclude = 5\n", &[("a.py", b"")]);
    codetags(dir.path())
        .args(["scan", "--no-cache"])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("tool.pycodetags.exclude")
                .and(predicate::str::contains("5"))
                .and(predicate::str::contains("pyproject.toml")),
        );
    let dir = project("[tool.pycodetags\nschema = 1\n", &[("a.py", b"")]);
    codetags(dir.path())
        .args(["scan", "--no-cache"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("pyproject.toml"));
    let dir = project(
        "[tool.pycodetags.cache]\nttl_days = \"soon\"\n",
        &[("a.py", b"")],
    );
    codetags(dir.path())
        .args(["scan"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("ttl_days").and(predicate::str::contains("soon")));
    // An environment override is checked the same way.
    let dir = project("", &[("a.py", b"")]);
    codetags(dir.path())
        .args(["scan", "--no-cache"])
        .env("PYCODETAGS_SCHEMA", "bogus")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("bogus"));
    // --config naming a missing file.
    codetags(dir.path())
        .args(["--config", "missing.toml", "scan", "--no-cache"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("missing.toml"));
}

#[test]
fn pycodetags_keys_are_accepted_and_unknown_keys_warned_about() {
    let config = "[tool.pycodetags]\nmodules = [\"x\"]\nactive_schemas = [\"todo\"]\nenable_actions = true\n\
                  default_action = \"warn\"\nuse_dot_env = false\nvalid_priorities = [\"high\"]\n";
    let dir = project(config, &[("a.py", b"# TODO: t <p:1>\n")]);
    codetags(dir.path())
        .args(["scan", "--no-cache"])
        .assert()
        .success()
        .stderr("");
    let dir = project(
        "[tool.pycodetags]\nfrobnicate = 1\n",
        &[("a.py", b"# TODO: t <p:1>\n")],
    );
    codetags(dir.path())
        .args(["scan", "--no-cache"])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "unknown key `tool.pycodetags.frobnicate`",
        ));
}

#[test]
fn bad_files_are_diagnostics_and_the_scan_goes_on() {
    let dir = project(
        "",
        &[
            ("a_latin.py", b"# TODO: caf\xe9 <p:1>\n"),
            ("b_open.py", b"# TODO: before <p:1>\ns = '''never closed\n"),
            ("c_dup.py", b"# TODO: dup <p:1 p:2>\n"),
            ("d_good.py", b"# FIXME: fine <p:1>\n"),
        ],
    );
    let assert = codetags(dir.path())
        .args(["scan", "--no-cache"])
        .assert()
        .success();
    let out = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    let err = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert!(out.contains("d_good.py:1:1: FIXME fine <p=1>"), "{out}");
    assert!(out.contains("b_open.py:1:1: TODO before"), "{out}");
    assert!(err.contains("a_latin.py:1:"), "{err}");
    assert!(err.contains("b_open.py:2:"), "{err}");
    assert!(err.contains("c_dup.py:1:"), "{err}");
    assert!(err.contains("3 diagnostics in 3 files"), "{err}");
    codetags(dir.path())
        .args(["scan", "--no-cache", "--strict"])
        .assert()
        .code(1);
}

#[cfg(unix)]
#[test]
fn unreadable_files_are_diagnostics() {
    use std::os::unix::fs::PermissionsExt;
    let dir = project(
        "",
        &[
            ("ok.py", b"# TODO: ok <p:1>\n"),
            ("locked.py", b"# TODO: x <p:1>\n"),
        ],
    );
    // A dangling link, followed (-L), is a path that cannot be read whoever we are.
    std::os::unix::fs::symlink("missing_target.py", dir.path().join("dangling.py")).unwrap();
    let assert = codetags(dir.path())
        .args(["scan", "--no-cache", "-L"])
        .assert()
        .success();
    let err = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert!(err.contains("dangling.py"), "{err}");
    // Not followed: a link is skipped silently.
    codetags(dir.path())
        .args(["scan", "--no-cache"])
        .assert()
        .success()
        .stderr("");

    let locked = dir.path().join("locked.py");
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).unwrap();
    if fs::read(&locked).is_ok() {
        println!("skipped the chmod 000 assertion: running as root, permissions do not stop reads");
        return;
    }
    let assert = codetags(dir.path())
        .args(["scan", "--no-cache", "--strict"])
        .assert()
        .code(1);
    let err = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert!(err.contains("locked.py:1:1: cannot read"), "{err}");
    let out = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    assert!(out.contains("ok.py:1:1: TODO ok"), "{out}");
}

#[test]
fn gitignore_and_ignore_files_are_honoured_outside_git_and_extensions_are_configurable() {
    let dir = project(
        "[tool.pycodetags]\nextensions = [\"py\", \"pyi\"]\n",
        &[
            (".gitignore", b"gen/\n"),
            ("gen/a.py", b"# TODO: generated <p:1>\n"),
            ("stub.pyi", b"# TODO: stub <p:1>\n"),
            ("notes.txt", b"# TODO: text <p:1>\n"),
            ("real.py", b"# TODO: real <p:1>\n"),
        ],
    );
    let out = stdout_of(codetags(dir.path()).args(["scan", "--no-cache"]));
    assert_eq!(
        out,
        "real.py:1:1: TODO real <p=1>\nstub.pyi:1:1: TODO stub <p=1>\n"
    );
    // --ext adds to the configured extensions; a file named explicitly is always read.
    let out = stdout_of(codetags(dir.path()).args(["scan", "--no-cache", "--ext", "txt"]));
    assert!(out.contains("notes.txt:1:1"), "{out}");
    let out = stdout_of(codetags(dir.path()).args(["scan", "--no-cache", "gen/a.py"]));
    assert_eq!(out, "gen/a.py:1:1: TODO generated <p=1>\n");
}

#[test]
fn schema_paths_pick_the_grammar_per_path_and_schema_overrides_it() {
    let dir = project(
        "[tool.pycodetags]\nschema = \"PEP350\"\nschema_paths = [{ path = \"tdg/*\", schema = \"TDG\" }]\n",
        &[
            ("pep/a.py", b"# TODO: pep only\n"),
            ("tdg/b.py", b"# TODO: tdg title\n"),
        ],
    );
    let out = stdout_of(codetags(dir.path()).args(["scan", "--no-cache"]));
    assert_eq!(out, "tdg/b.py:1:1: TODO tdg title\n");
    let out = stdout_of(codetags(dir.path()).args(["scan", "--no-cache", "--schema", "tdg"]));
    assert_eq!(
        out,
        "pep/a.py:1:1: TODO pep only\ntdg/b.py:1:1: TODO tdg title\n"
    );
}

#[test]
fn src_from_the_config_is_the_default_path() {
    let dir = project(
        "[tool.pycodetags]\nsrc = [\"lib\"]\n",
        &[
            ("lib/a.py", b"# TODO: in src <p:1>\n"),
            ("other/b.py", b"# TODO: elsewhere <p:1>\n"),
        ],
    );
    let out = stdout_of(codetags(&dir.path().join("other")).args(["scan", "--no-cache"]));
    assert!(out.contains("a.py:1:1: TODO in src"), "{out}");
    assert!(!out.contains("elsewhere"), "{out}");
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let plain = stdout_of(codetags(&demo_dir()).args(["scan", "--no-cache", "app"]));
    assert!(!plain.contains('\x1b'));
    let coloured =
        stdout_of(codetags(&demo_dir()).args(["scan", "--no-cache", "app", "--color", "always"]));
    assert!(coloured.contains("\x1b["));
}

#[test]
fn a_closed_pipe_is_success() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let mut big = String::new();
    for i in 0..4000 {
        big.push_str(&format!(
            "# TODO: item number {i} with some words <owner=someone{i}>\n"
        ));
    }
    let dir = project("", &[("big.py", big.as_bytes())]);
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("codetags"))
        .current_dir(dir.path())
        .args(["scan", "--no-cache"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.starts_with("big.py:1:1: TODO item number 0"));
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert!(!String::from_utf8_lossy(&output.stderr).contains("error"));
}

#[test]
fn output_does_not_depend_on_the_thread_count() {
    let mut files: Vec<(String, String)> = Vec::new();
    for i in 0..120 {
        files.push((
            format!("d{}/s{}/f{i}.py", i % 7, i % 3),
            format!("# TODO: item {i} <p:{i}>\nx = 1\n# FIXME: again {i}\n"),
        ));
    }
    let refs: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(p, c)| (p.as_str(), c.as_bytes()))
        .collect();
    let dir = project("", &refs);
    let one = stdout_of(codetags(dir.path()).args(["scan", "--no-cache", "-j", "1", "-f", "json"]));
    for threads in ["2", "4", "8"] {
        let many = stdout_of(codetags(dir.path()).args([
            "scan",
            "--no-cache",
            "-j",
            threads,
            "-f",
            "json",
        ]));
        assert_eq!(one, many, "{threads} threads");
    }
    assert_eq!(one.matches("\"code_tag\"").count(), 240);
}

#[test]
fn quiet_drops_the_summary_lines_but_not_diagnostics() {
    let dir = project(
        "",
        &[("a.py", b"x = 1\n"), ("b.py", b"# TODO: x\ns = '''open\n")],
    );
    let out = codetags(dir.path())
        .args(["scan", "--no-cache", "-q"])
        .output()
        .unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.starts_with("b.py:2:"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn a_tokenizer_error_is_reported_only_in_files_that_may_hold_tags() {
    let dir = project(
        "",
        &[
            ("plain.py", b"s = '''open\n"),
            ("tagged.py", b"# TODO: x\ns = '''open\n"),
        ],
    );
    let out = codetags(dir.path())
        .args(["scan", "--no-cache", "--strict", "-q"])
        .output()
        .unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.starts_with("tagged.py:2:"), "{err}");
    assert!(!err.contains("plain.py"), "{err}");
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn tokenize_all_reports_every_tokenizer_error_and_does_not_reuse_a_default_scan() {
    let dir = project(
        "",
        &[
            ("plain.py", b"s = '''open\n"),
            ("tagged.py", b"# TODO: x\ns = '''open\n"),
        ],
    );
    // Older than the racy-timestamp window, so a replayed state would be trusted.
    let hour_ago =
        filetime::FileTime::from_unix_time(filetime::FileTime::now().unix_seconds() - 3600, 0);
    for name in ["plain.py", "tagged.py"] {
        filetime::set_file_mtime(dir.path().join(name), hour_ago).unwrap();
    }
    let cache = dir.path().join("cache");
    let cache = cache.to_str().unwrap();
    let default = codetags(dir.path())
        .args(["scan", "--cache-dir", cache, "-q"])
        .output()
        .unwrap();
    let err = String::from_utf8(default.stderr).unwrap();
    assert!(
        err.contains("tagged.py:2:") && !err.contains("plain.py"),
        "{err}"
    );
    for _ in 0..2 {
        // Cold, then warm from its own state: the default scan's state is not replayed.
        let out = codetags(dir.path())
            .args(["scan", "--cache-dir", cache, "-q", "--tokenize-all"])
            .output()
            .unwrap();
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(
            err.contains("plain.py:1:5: EOF in multi-line string"),
            "{err}"
        );
        assert!(err.contains("tagged.py:2:"), "{err}");
    }
}
