//! `codetags init`: the file it writes, the bytes it keeps, what it refuses, the questions on a
//! terminal, and the round trip through pycodetags 0.8.1.
//!
//! The round trip runs the pycodetags named by `CODETAGS_TEST_PYCODETAGS` (the path of its
//! `pycodetags` script) and is skipped, with a note, when that is unset. The terminal test runs
//! the binary under util-linux `script` (a pseudo-terminal) and is skipped where there is none.

mod common;

use common::codetags;
use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};

/// A folder with `src/app.py` (a tag) and `other/skip.py` (a tag `src` must leave out).
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in [
        (
            "src/app.py",
            "x = 1  # TODO: wire the retry loop <jdoe 2025-07-01>\n",
        ),
        ("other/skip.py", "# FIXME: not in src <x>\n"),
    ] {
        let path = dir.path().join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
    dir
}

fn stderr_of(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// `codetags scan` from `dir`, no cache: what it reports on stdout.
fn scan(dir: &Path) -> String {
    let output = codetags(dir).args(["scan", "--no-cache"]).output().unwrap();
    assert!(output.status.success(), "{}", stderr_of(&output));
    assert!(
        !stderr_of(&output).contains("unknown key"),
        "{}",
        stderr_of(&output)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn a_new_pyproject_holds_src_schema_and_the_cache_defaults_as_comments() {
    let dir = project();
    let output = codetags(dir.path())
        .args(["init", "--src", "src", "--schema", "pep350"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr_of(&output));
    assert!(
        stderr_of(&output).contains("wrote [tool.pycodetags] to pyproject.toml"),
        "{}",
        stderr_of(&output)
    );
    let text = fs::read_to_string(dir.path().join("pyproject.toml")).unwrap();
    assert!(
        text.starts_with("[tool.pycodetags]\nsrc = [\"src\"]\nschema = \"PEP350\"\n\n"),
        "{text}"
    );
    assert!(
        text.contains("\n# [tool.pycodetags.cache]\n# enabled = true\n"),
        "{text}"
    );
    assert!(text.contains("\n# ttl_days = 7\n"), "{text}");
    assert!(text.ends_with("# gzip = false\n"), "{text}");
    // codetags reads it: only src is scanned.
    let out = scan(dir.path());
    assert!(
        out.contains("src/app.py:1:8: TODO wire the retry loop"),
        "{out}"
    );
    assert!(!out.contains("skip.py"), "{out}");
}

#[test]
fn an_existing_file_keeps_every_byte_and_its_line_ends() {
    let dir = project();
    let path = dir.path().join("pyproject.toml");
    // CRLF, odd spacing, comments, an array of tables, no newline at the end.
    let old = "# my project\r\n[project]\r\nname   =   \"shop\"  # the name\r\n\r\n\
               [[tool.mypy.overrides]]\r\nmodule = \"x\"\r\n# trailing comment";
    fs::write(&path, old).unwrap();
    let output = codetags(dir.path())
        .args(["init", "--src", "src", "--src", "other", "--schema", "TDG"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr_of(&output));
    let new = fs::read_to_string(&path).unwrap();
    assert!(new.starts_with(old), "{new:?}");
    let added = &new[old.len()..];
    assert!(
        added.starts_with("\r\n\r\n[tool.pycodetags]\r\nsrc = [\"src\", \"other\"]\r\n"),
        "{added:?}"
    );
    assert!(!added.replace("\r\n", "").contains('\n'), "{added:?}");
    let out = scan(dir.path());
    assert!(out.contains("other/skip.py"), "{out}");
}

#[test]
fn an_existing_section_is_left_alone() {
    for old in [
        "[tool.pycodetags]\nschema = \"TDG\"\n",
        "[tool]\npycodetags.src = [\"lib\"]\n",
        "tool = { pycodetags = { schema = \"TDG\" } }\n",
    ] {
        let dir = project();
        let path = dir.path().join("pyproject.toml");
        fs::write(&path, old).unwrap();
        let output = codetags(dir.path())
            .args(["init", "--src", "src", "--schema", "TDG"])
            .output()
            .unwrap();
        assert!(output.status.success(), "{old}: {}", stderr_of(&output));
        assert!(
            stderr_of(&output).contains("[tool.pycodetags] already exists in pyproject.toml"),
            "{}",
            stderr_of(&output)
        );
        assert_eq!(fs::read_to_string(&path).unwrap(), old);
    }
}

#[test]
fn a_cache_section_alone_gets_the_settings_added_above_nothing() {
    let dir = project();
    let path = dir.path().join("pyproject.toml");
    let old = "[tool.pycodetags.cache]\nttl_days = 3\n";
    fs::write(&path, old).unwrap();
    let output = codetags(dir.path())
        .args(["init", "--src", "src", "--schema", "TDG"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr_of(&output));
    let new = fs::read_to_string(&path).unwrap();
    assert_eq!(
        new,
        format!("{old}\n[tool.pycodetags]\nsrc = [\"src\"]\nschema = \"TDG\"\n")
    );
    assert!(scan(dir.path()).contains("src/app.py"));
}

#[test]
fn what_cannot_take_the_section_is_refused_and_left_as_it_was() {
    let cases: [(&[u8], &str); 3] = [
        (
            b"[project\nname = 1\n",
            "is not valid TOML; nothing written",
        ),
        (b"tool = 1\n", "cannot add [tool.pycodetags]"),
        (b"name = \"caf\xe9\"\n", "is not UTF-8"),
    ];
    for (old, message) in cases {
        let dir = project();
        let path = dir.path().join("pyproject.toml");
        fs::write(&path, old).unwrap();
        let output = codetags(dir.path())
            .args(["init", "--src", "src", "--schema", "TDG"])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{message}");
        let err = stderr_of(&output);
        assert!(
            err.contains("pyproject.toml") && err.contains(message),
            "{err}"
        );
        assert_eq!(fs::read(&path).unwrap(), old);
    }
}

#[test]
fn bad_answers_and_missing_answers_without_a_terminal_are_usage_errors() {
    for (args, message) in [
        (
            &["init", "--src", "src", "--schema", "auto"][..],
            "choose TDG or PEP350",
        ),
        (&["init", "--src", "", "--schema", "TDG"][..], "--src \"\""),
        (&["init", "--schema", "TDG"][..], "not a terminal"),
        (&["init", "--src", "src"][..], "not a terminal"),
        (&["init"][..], "not a terminal"),
    ] {
        let dir = project();
        let output = codetags(dir.path())
            .args(args)
            .write_stdin("")
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(
            stderr_of(&output).contains(message),
            "{}",
            stderr_of(&output)
        );
        assert!(!dir.path().join("pyproject.toml").exists(), "{args:?}");
    }
}

#[test]
fn config_names_the_file_to_write() {
    let dir = project();
    let target = dir.path().join("conf/pyproject.toml");
    fs::create_dir_all(target.parent().unwrap()).unwrap();
    let output = codetags(dir.path())
        .args(["init", "--src", "../src", "--schema", "TDG", "--config"])
        .arg(&target)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr_of(&output));
    assert!(
        fs::read_to_string(&target)
            .unwrap()
            .contains("src = [\"../src\"]")
    );
    assert!(!dir.path().join("pyproject.toml").exists());
}

/// The pseudo-terminal run: `script` feeds the answers to the binary's terminal.
#[test]
fn on_a_terminal_it_asks_for_the_folder_and_the_schema() {
    let dir = project();
    fs::create_dir_all(dir.path().join("app")).unwrap();
    fs::write(dir.path().join("app/main.py"), "").unwrap();
    let binary = assert_cmd::cargo::cargo_bin("codetags");
    let mut child = match Command::new("script")
        .args(["-qec", &format!("'{}' init", binary.display()), "/dev/null"])
        .current_dir(dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(err) => {
            println!("SKIPPED: no util-linux `script` to make a pseudo-terminal ({err})");
            return;
        }
    };
    use std::io::Write;
    // 9: not a choice (asked again); 2: app; then a bad schema, then a good one.
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"9\n2\nfolk\ntdg\n")
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let shown = String::from_utf8_lossy(&output.stdout).into_owned();
    if !output.status.success() && !dir.path().join("pyproject.toml").exists() {
        println!("SKIPPED: `script` could not run the binary on a pseudo-terminal: {shown}");
        return;
    }
    for expected in [
        "  1) src\r\n  2) app\r\n  3) other\r\n  4) [Manual Entry]\r\n  5) [Cancel]",
        "Invalid choice: enter a number between 1 and 5.",
        "Please answer TDG or PEP350",
        "wrote [tool.pycodetags] to pyproject.toml",
    ] {
        assert!(shown.contains(expected), "{expected:?} not in {shown}");
    }
    let text = fs::read_to_string(dir.path().join("pyproject.toml")).unwrap();
    assert!(
        text.starts_with("[tool.pycodetags]\nsrc = [\"app\"]\nschema = \"TDG\"\n"),
        "{text}"
    );
}

/// pycodetags 0.8.1 reads what `init` wrote: its `data` command runs on the project and
/// reports the tag in `src` (and only that), read with the schema written.
#[test]
fn pycodetags_reads_what_init_writes() {
    let Some(pycodetags) = std::env::var_os("CODETAGS_TEST_PYCODETAGS") else {
        println!(
            "SKIPPED: set CODETAGS_TEST_PYCODETAGS to the pycodetags 0.8.1 script for the round trip"
        );
        return;
    };
    for (schema, existing) in [
        ("TDG", None),
        (
            "PEP350",
            Some("[project]\r\nname = \"shop\"\r\nversion = \"1.0\""),
        ),
        ("TDG", Some("[tool.pycodetags.cache]\nttl_days = 3\n")),
    ] {
        let dir = project();
        if let Some(existing) = existing {
            fs::write(dir.path().join("pyproject.toml"), existing).unwrap();
        }
        let output = codetags(dir.path())
            .args(["init", "--src", "src", "--schema", schema])
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", stderr_of(&output));
        let output = Command::new(&pycodetags)
            .args(["data", "--format", "json"])
            .current_dir(dir.path())
            .env_remove("PYCODETAGS_SCHEMA")
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "pycodetags data failed on {existing:?}: {}",
            stderr_of(&output)
        );
        let tags: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        let tags = tags.as_array().unwrap();
        assert_eq!(tags.len(), 1, "{tags:?}");
        assert_eq!(tags[0]["code_tag"], "TODO");
        assert!(
            tags[0]["file_path"]
                .as_str()
                .unwrap()
                .ends_with("src/app.py"),
            "{tags:?}"
        );
        assert_eq!(tags[0]["original_schema"], schema);
    }
}
