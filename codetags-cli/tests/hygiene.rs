//! What reaches the terminal and the report files: odd file names are escaped (never raw control
//! characters, never two files printed alike), special files named on the command line are
//! diagnostics rather than silence or a hang, configuration errors blame the right source, and
//! `--output` errors and replacements concern the file the user named.

mod common;

use common::codetags;
use predicates::prelude::*;
use std::fs;
use std::path::Path;
use std::time::Duration;

/// Long enough for a debug build on a loaded machine; a hang fails the test instead of the run.
const TIMEOUT: Duration = Duration::from_secs(60);

fn write(dir: &Path, name: impl AsRef<Path>, content: &str) {
    let path = dir.join(name);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, content).unwrap();
}

/// A folder with an (empty) `pyproject.toml`, so no config from above the temp dir applies.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("pyproject.toml"), "").unwrap();
    dir
}

/// Runs `codetags scan --no-cache ARGS` in `dir`; returns (stdout, stderr) as bytes.
fn scan(dir: &Path, args: &[&str]) -> (Vec<u8>, Vec<u8>) {
    let out = codetags(dir)
        .args(["scan", "--no-cache"])
        .args(args)
        .timeout(TIMEOUT)
        .output()
        .unwrap();
    (out.stdout, out.stderr)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("output is UTF-8")
}

#[cfg(unix)]
#[test]
fn control_characters_in_names_are_escaped_in_text_summary_and_diagnostics() {
    let dir = project();
    write(dir.path(), "a\x1b[31mred.py", "# TODO: esc <p:1>\n");
    write(dir.path(), "b\nline.py", "# TODO: newline <p:1>\n");
    write(dir.path(), "c\tcol.py", "# TODO: tab <p:1>\n");
    // A name that spells an escape with a real backslash is not confused with the real thing.
    write(dir.path(), "d\\x1b.py", "# TODO: backslash <p:1>\n");
    write(dir.path(), "e\x1b.py", "# TODO: real esc <p:1>\n");
    write(dir.path(), "sub\x07dir/f.py", "# TODO: in a folder <p:1>\n");
    write(dir.path(), "g\x1b.py", "# TODO: x\ns = '''never closed\n");
    write(dir.path(), "plain.py", "# TODO: plain <p:1>\n");

    let (out, err) = scan(dir.path(), &["--color", "never"]);
    let (out, err) = (text(&out), text(&err));
    assert!(!out.contains('\x1b') && !out.contains('\x07'), "{out:?}");
    // One line per tag: a newline in a name does not split a record.
    assert_eq!(out.lines().count(), 8, "{out}");
    for line in [
        "a\\x1b[31mred.py:1:1: TODO esc <p=1>",
        "b\\nline.py:1:1: TODO newline <p=1>",
        "c\\tcol.py:1:1: TODO tab <p=1>",
        "d\\\\x1b.py:1:1: TODO backslash <p=1>",
        "e\\x1b.py:1:1: TODO real esc <p=1>",
        "g\\x1b.py:1:1: TODO x",
        "plain.py:1:1: TODO plain <p=1>",
    ] {
        assert!(out.lines().any(|l| l == line), "{line:?} not in:\n{out}");
    }
    assert!(
        out.lines()
            .any(|l| l == "sub\\x07dir/f.py:1:1: TODO in a folder <p=1>"),
        "{out}"
    );
    assert!(!err.contains('\x1b'), "{err:?}");
    assert!(err.contains("g\\x1b.py:2:"), "{err}");

    let (summary, _) = scan(dir.path(), &["-f", "summary", "--color", "never"]);
    let summary = text(&summary);
    assert!(!summary.contains('\x07'), "{summary:?}");
    assert!(
        summary
            .lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>() == ["sub\\x07dir", "1"]),
        "{summary}"
    );

    // JSON keeps the real characters of a UTF-8 name (serde escapes them, as pycodetags does).
    let (json, _) = scan(dir.path(), &["-f", "json"]);
    let records: serde_json::Value = serde_json::from_slice(&json).unwrap();
    let paths: Vec<&str> = records
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["file_path"].as_str().unwrap())
        .collect();
    assert!(paths.contains(&"a\x1b[31mred.py"), "{paths:?}");
    assert!(paths.contains(&"b\nline.py"), "{paths:?}");
    assert!(paths.contains(&"d\\x1b.py"), "{paths:?}");
    assert!(text(&json).contains("\"file_path\": \"a\\u001b[31mred.py\""));
}

#[cfg(target_os = "linux")]
#[test]
fn names_that_are_not_utf8_print_their_bytes_and_stay_distinct() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let dir = project();
    write(
        dir.path(),
        OsStr::from_bytes(b"caf\xe9.py"),
        "# TODO: e9 <p:1>\n",
    );
    write(
        dir.path(),
        OsStr::from_bytes(b"caf\xea.py"),
        "# TODO: ea <p:1>\n",
    );
    write(
        dir.path(),
        OsStr::from_bytes(b"bad\xff.py"),
        "s = '''\n# TODO: open\n",
    );

    let (out, err) = scan(dir.path(), &[]);
    let (out, err) = (text(&out), text(&err));
    assert!(!out.contains('\u{fffd}'), "{out}");
    assert!(out.contains("caf\\xe9.py:1:1: TODO e9"), "{out}");
    assert!(out.contains("caf\\xea.py:1:1: TODO ea"), "{out}");
    assert!(err.contains("bad\\xff.py:1:"), "{err}");

    // JSON: `file_path` holds the same escaped spelling (valid JSON for every parser).
    let (json, _) = scan(dir.path(), &["-f", "json"]);
    let records: serde_json::Value = serde_json::from_slice(&json).unwrap();
    let paths: Vec<&str> = records
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["file_path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["caf\\xe9.py", "caf\\xea.py"]);
}

#[cfg(unix)]
fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success());
}

#[cfg(unix)]
#[test]
fn a_fifo_or_device_named_on_the_command_line_is_a_diagnostic_not_a_hang() {
    let dir = project();
    mkfifo(&dir.path().join("some.fifo"));
    let assert = codetags(dir.path())
        .args(["scan", "--no-cache", "--strict", "some.fifo"])
        .timeout(TIMEOUT)
        .assert()
        .code(1);
    let err = text(&assert.get_output().stderr);
    assert!(
        err.contains("some.fifo:1:1: not a regular file (FIFO)"),
        "{err}"
    );
    assert!(err.contains("1 diagnostic in 1 file"), "{err}");

    if Path::new("/dev/null").exists() {
        codetags(dir.path())
            .args(["scan", "--no-cache", "/dev/null"])
            .timeout(TIMEOUT)
            .assert()
            .success()
            .stderr(predicate::str::contains(
                "/dev/null:1:1: not a regular file (device)",
            ));
    }
}

#[cfg(unix)]
#[test]
fn a_fifo_inside_a_walked_tree_is_skipped_without_blocking() {
    let dir = project();
    write(dir.path(), "ok.py", "# TODO: ok <p:1>\n");
    mkfifo(&dir.path().join("pipe.py"));
    for follow in [false, true] {
        let mut cmd = codetags(dir.path());
        cmd.args(["scan", "--no-cache", "--strict"]);
        if follow {
            cmd.arg("-L");
        }
        cmd.timeout(TIMEOUT)
            .assert()
            .success()
            .stdout("ok.py:1:1: TODO ok <p=1>\n")
            .stderr("");
    }
}

/// A cached tree whose files are dated an hour ago (never "racily clean").
fn cached_scan_stats(dir: &Path, cache: &Path) -> serde_json::Value {
    codetags(dir)
        .args(["scan", "--cache-dir"])
        .arg(cache)
        .timeout(TIMEOUT)
        .assert()
        .success();
    let text = fs::read_to_string(cache.join("last-scan.json")).unwrap();
    serde_json::from_str::<serde_json::Value>(&text).unwrap()["stats"].clone()
}

fn an_hour_ago(path: &Path, offset_s: i64) {
    let now = filetime::FileTime::now().unix_seconds();
    filetime::set_file_mtime(
        path,
        filetime::FileTime::from_unix_time(now - 3600 + offset_s, 0),
    )
    .unwrap();
}

#[test]
fn an_edited_file_is_not_counted_as_removed_a_deleted_one_is() {
    let dir = project();
    let cache = dir.path().join("cache-root");
    for name in ["a.py", "b.py", "c.py"] {
        write(dir.path(), name, &format!("# TODO: {name} <p:1>\n"));
        an_hour_ago(&dir.path().join(name), 0);
    }
    let cold = cached_scan_stats(dir.path(), &cache);
    assert_eq!(cold["parsed"], 3, "{cold}");

    write(dir.path(), "a.py", "# TODO: a.py edited <p:2>\n");
    an_hour_ago(&dir.path().join("a.py"), 10);
    let edited = cached_scan_stats(dir.path(), &cache);
    assert_eq!(
        (&edited["parsed"], &edited["removed"]),
        (&1.into(), &0.into()),
        "{edited}"
    );

    fs::remove_file(dir.path().join("b.py")).unwrap();
    write(dir.path(), "c.py", "# TODO: c.py edited <p:2>\n");
    an_hour_ago(&dir.path().join("c.py"), 20);
    let deleted = cached_scan_stats(dir.path(), &cache);
    assert_eq!(
        (&deleted["files"], &deleted["parsed"], &deleted["removed"]),
        (&2.into(), &1.into(), &1.into()),
        "{deleted}"
    );
}

#[test]
fn environment_overrides_are_blamed_on_the_variable_not_the_file() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("pyproject.toml"),
        "[tool.pycodetags]\nschema = \"auto\"\n",
    )
    .unwrap();
    write(dir.path(), "a.py", "# TODO: a <p:1>\n");
    for (var, value) in [
        ("PYCODETAGS_SCHEMA", "PEP351"),
        ("PYCODETAGS_EXTENSIONS", "."),
        ("PYCODETAGS_SRC", "[\"\"]"),
    ] {
        codetags(dir.path())
            .args(["scan", "--no-cache"])
            .env(var, value)
            .timeout(TIMEOUT)
            .assert()
            .code(2)
            .stderr(
                predicate::str::contains(format!("environment variable {var}"))
                    .and(predicate::str::contains("pyproject.toml").not()),
            );
    }
    // The same bad value in the file still names the file.
    fs::write(
        dir.path().join("pyproject.toml"),
        "[tool.pycodetags]\nschema = \"PEP351\"\n",
    )
    .unwrap();
    codetags(dir.path())
        .args(["scan", "--no-cache"])
        .timeout(TIMEOUT)
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("pyproject.toml")
                .and(predicate::str::contains("environment").not()),
        );
}

#[test]
fn output_errors_name_the_target_never_the_temporary_file() {
    let dir = project();
    write(dir.path(), "a.py", "# TODO: a <p:1>\n");
    codetags(dir.path())
        .args(["scan", "--no-cache", "-o", "no-such-folder/report.txt"])
        .timeout(TIMEOUT)
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("no-such-folder/report.txt")
                .and(predicate::str::contains(".codetags-out").not()),
        );
}

#[cfg(unix)]
fn mode_of(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

#[cfg(unix)]
#[test]
fn output_keeps_the_existing_files_permissions_and_a_new_file_gets_the_umask() {
    use std::os::unix::fs::PermissionsExt;
    let dir = project();
    write(dir.path(), "a.py", "# TODO: a <p:1>\n");
    let report = dir.path().join("report.txt");
    fs::write(&report, "old\n").unwrap();
    for mode in [0o640, 0o604] {
        fs::set_permissions(&report, fs::Permissions::from_mode(mode)).unwrap();
        codetags(dir.path())
            .args(["scan", "--no-cache", "-o", "report.txt"])
            .timeout(TIMEOUT)
            .assert()
            .success();
        assert_eq!(
            fs::read_to_string(&report).unwrap(),
            "a.py:1:1: TODO a <p=1>\n"
        );
        assert_eq!(mode_of(&report), mode, "{mode:o}");
    }
    // A new file: what any file this process's children create gets (0666 minus the umask).
    let probe = dir.path().join("probe");
    fs::write(&probe, "").unwrap();
    codetags(dir.path())
        .args(["scan", "--no-cache", "-o", "new.txt"])
        .timeout(TIMEOUT)
        .assert()
        .success();
    assert_eq!(mode_of(&dir.path().join("new.txt")), mode_of(&probe));
}

#[cfg(unix)]
#[test]
fn output_through_a_symlink_replaces_the_links_target_and_keeps_the_link() {
    use std::os::unix::fs::symlink;
    let dir = project();
    write(dir.path(), "a.py", "# TODO: a <p:1>\n");
    fs::create_dir(dir.path().join("reports")).unwrap();
    fs::write(dir.path().join("reports/real.txt"), "old\n").unwrap();
    symlink("reports/real.txt", dir.path().join("link.txt")).unwrap();
    // A chain, and a dangling link: the file it names is created.
    symlink("link.txt", dir.path().join("chain.txt")).unwrap();
    symlink("reports/fresh.txt", dir.path().join("dangling.txt")).unwrap();
    for (link, real) in [
        ("link.txt", "reports/real.txt"),
        ("chain.txt", "reports/real.txt"),
        ("dangling.txt", "reports/fresh.txt"),
    ] {
        fs::write(dir.path().join("reports/real.txt"), "old\n").unwrap();
        codetags(dir.path())
            .args(["scan", "--no-cache", "-o", link])
            .timeout(TIMEOUT)
            .assert()
            .success();
        let link_path = dir.path().join(link);
        assert!(
            fs::symlink_metadata(&link_path)
                .unwrap()
                .file_type()
                .is_symlink(),
            "{link} was replaced by a file"
        );
        assert_eq!(
            fs::read_to_string(dir.path().join(real)).unwrap(),
            "a.py:1:1: TODO a <p=1>\n",
            "{link}"
        );
    }
    // No temporary file is left in either folder.
    for folder in [dir.path(), &dir.path().join("reports")] {
        let stray: Vec<_> = fs::read_dir(folder)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .filter(|n| n.to_string_lossy().starts_with(".codetags-out"))
            .collect();
        assert!(stray.is_empty(), "{stray:?}");
    }
}
