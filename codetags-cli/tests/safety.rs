//! The cache never deletes, hangs on or trusts what it does not own: every probe of the safety
//! trial (issue 10) as an end-to-end test of the binary.

mod common;

use common::codetags;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Enough for a scan of a few files even on a loaded machine; a hang fails instead of blocking.
const PATIENCE: Duration = Duration::from_secs(60);

/// A project: `pyproject.toml` (with `extra` appended), `src/` with two tagged files and
/// `docs/` with a user's file.
fn project(extra: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("pyproject.toml"),
        format!("[tool.pycodetags]\nsrc = [\"src\"]\n{extra}"),
    )
    .unwrap();
    write(dir.path(), "src/a.py", "# TODO: first <alice>\nx = 1\n");
    write(
        dir.path(),
        "src/pkg/b.py",
        "y = 2  # FIXME: second <bob p:1>\n",
    );
    write(
        dir.path(),
        "docs/guide.md",
        "# the user's own documentation\n",
    );
    dir
}

fn write(dir: &Path, rel: &str, content: &str) -> PathBuf {
    let path = dir.join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(&path, content).unwrap();
    path
}

/// Every file below `dir`, relative, sorted: what must survive untouched.
fn files_below(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap() {
            let entry = entry.unwrap();
            let path = entry.path();
            let file_type = entry.file_type().unwrap();
            if file_type.is_dir() {
                stack.push(path);
            } else if file_type.is_file() {
                let rel = path
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                out.push((rel, fs::read(&path).unwrap()));
            }
        }
    }
    out.sort();
    out
}

fn scan_json(dir: &Path, args: &[&str]) -> std::process::Output {
    codetags(dir)
        .args(["scan", "-f", "json"])
        .args(args)
        .timeout(PATIENCE)
        .output()
        .unwrap()
}

fn text(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A user's folder holding photos, documents, a versioned-looking and a dated-looking folder.
fn users_folder(root: &Path) {
    write(root, "photos/a.jpg", "\u{1}jpeg bytes");
    write(root, "docs/letter.txt", "dear …");
    write(root, "src-1.0/setup.py", "print('hi')\n");
    write(root, "2024/05/06/notes.txt", "a diary entry\n");
}

#[test]
fn a_users_folder_given_as_cache_dir_is_never_written_nor_cleaned() {
    let dir = project("");
    let ud = dir.path().join("ud");
    users_folder(&ud);
    let before = files_below(&ud);
    let reference = scan_json(dir.path(), &["--no-cache"]);
    for _ in 0..2 {
        let out = scan_json(dir.path(), &["--cache-dir", "ud"]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(text(&out), text(&reference), "the answer changed");
        let err = stderr(&out);
        assert!(
            err.contains("ud") && err.contains("caching is off"),
            "no warning naming the folder: {err}"
        );
    }
    assert_eq!(files_below(&ud), before, "the user's folder was changed");
    assert!(!ud.join("CACHEDIR.TAG").exists());
    // The maintenance commands refuse it as well, naming the way out.
    let out = codetags(dir.path())
        .args(["cache", "clear", "--cache-dir", "ud"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--force"), "{}", stderr(&out));
    assert_eq!(files_below(&ud), before);
}

#[test]
fn a_cache_dir_at_or_above_the_project_is_a_config_error_naming_the_key() {
    for (extra, env, flag, key) in [
        ("[tool.pycodetags.cache]\ndir = \".\"\n", None, None, "dir"),
        ("[tool.pycodetags.cache]\ndir = \"\"\n", None, None, "dir"),
        ("[tool.pycodetags.cache]\ndir = \"..\"\n", None, None, "dir"),
        ("", Some("."), None, "PYCODETAGS_CACHE_DIR"),
        ("", None, Some("."), "--cache-dir"),
        ("", None, Some("src"), "--cache-dir"),
    ] {
        let dir = project(extra);
        let before = files_below(dir.path());
        let mut cmd = codetags(dir.path());
        cmd.args(["scan", "-f", "json"]).timeout(PATIENCE);
        if let Some(value) = env {
            cmd.env("PYCODETAGS_CACHE_DIR", value);
        }
        if let Some(value) = flag {
            cmd.args(["--cache-dir", value]);
        }
        let out = cmd.output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{extra:?} {env:?} {flag:?}");
        assert!(
            stderr(&out).contains(key),
            "error does not name {key}: {}",
            stderr(&out)
        );
        assert_eq!(
            files_below(dir.path()),
            before,
            "{extra:?} {env:?} {flag:?}"
        );
    }
}

/// A real cache of this project, made by one scan.
fn real_cache(dir: &Path) -> PathBuf {
    let out = scan_json(dir, &["--cache-dir", "cache"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let cache = dir.join("cache");
    assert!(cache.join("CACHEDIR.TAG").is_file());
    cache
}

#[test]
fn maintenance_keeps_foreign_folders_in_a_real_cache_and_lists_them() {
    let dir = project("");
    let cache = real_cache(dir.path());
    write(&cache, "userdir/keep.txt", "mine");
    write(&cache, "2025/13/40/keep.txt", "not a date");
    write(&cache, "2020/02/30/keep.txt", "not a date either");
    write(
        &cache,
        "0.0.1-f1/2020/01/01/notes.txt",
        "foreign inside an old version",
    );
    for command in ["clean-old-versions", "prune", "clear"] {
        let dry = codetags(dir.path())
            .args(["cache", command, "--dry-run", "--cache-dir", "cache"])
            .output()
            .unwrap();
        assert!(dry.status.success(), "{}", stderr(&dry));
        let text = String::from_utf8_lossy(&dry.stdout).into_owned();
        assert!(text.contains("would remove"), "{command} dry run: {text}");
        assert!(
            !text.contains(" removed "),
            "{command} dry run says removed: {text}"
        );
        assert!(text.contains("kept") && text.contains("userdir"), "{text}");
        // What the dry run announced, a real run with -v then reports as removed.
        let announced: Vec<String> = text
            .lines()
            .filter_map(|l| l.trim().strip_prefix("would remove ").map(str::to_owned))
            .collect();
        let real = codetags(dir.path())
            .args(["-v", "cache", command, "--cache-dir", "cache"])
            .output()
            .unwrap();
        assert!(real.status.success(), "{}", stderr(&real));
        let real_text = String::from_utf8_lossy(&real.stdout).into_owned();
        let removed: Vec<String> = real_text
            .lines()
            .filter_map(|l| l.trim().strip_prefix("removed ").map(str::to_owned))
            .collect();
        assert_eq!(
            removed, announced,
            "{command}: the dry run did not predict the run"
        );
        for kept in [
            "userdir/keep.txt",
            "2025/13/40/keep.txt",
            "2020/02/30/keep.txt",
            "0.0.1-f1/2020/01/01/notes.txt",
        ] {
            assert!(cache.join(kept).is_file(), "{command} removed {kept}");
        }
    }
}

#[test]
fn an_empty_cachedir_tag_in_our_own_cache_is_repaired() {
    let dir = project("");
    let cache = real_cache(dir.path());
    fs::write(cache.join("CACHEDIR.TAG"), "").unwrap();
    let out = scan_json(dir.path(), &["--cache-dir", "cache"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let tag = fs::read_to_string(cache.join("CACHEDIR.TAG")).unwrap();
    assert!(tag.starts_with("Signature: 8a477f597d28d172789f06886806bc55"));
    for command in ["prune", "clear"] {
        let out = codetags(dir.path())
            .args(["cache", command, "--cache-dir", "cache"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{command}: {}", stderr(&out));
    }
}

#[cfg(unix)]
fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success());
}

/// The one entry file of a cache (the scan state of `src`).
fn only_entry(cache: &Path) -> PathBuf {
    let mut found = Vec::new();
    let mut stack = vec![cache.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.to_string_lossy().ends_with(".bin") {
                found.push(path);
            }
        }
    }
    assert_eq!(found.len(), 1, "{found:?}");
    found.pop().unwrap()
}

#[cfg(unix)]
#[test]
fn fifos_and_links_in_the_cache_never_hang_a_scan_or_the_stats() {
    let dir = project("");
    let reference = scan_json(dir.path(), &["--no-cache"]);
    let cache = real_cache(dir.path());
    let entry = only_entry(&cache);
    fs::remove_file(&entry).unwrap();
    mkfifo(&entry);
    fs::remove_file(cache.join("last-scan.json")).ok();
    mkfifo(&cache.join("last-scan.json"));
    fs::remove_file(cache.join(".last-gc")).ok();
    mkfifo(&cache.join(".last-gc"));
    for _ in 0..2 {
        let out = scan_json(dir.path(), &["--cache-dir", "cache"]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(text(&out), text(&reference));
    }
    let out = codetags(dir.path())
        .args(["cache", "stats", "--cache-dir", "cache"])
        .timeout(PATIENCE)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    // Nothing of ours was put in place of what is not ours.
    use std::os::unix::fs::FileTypeExt;
    assert!(fs::symlink_metadata(&entry).unwrap().file_type().is_fifo());
    for marker in ["last-scan.json", ".last-gc"] {
        let meta = fs::symlink_metadata(cache.join(marker)).unwrap();
        assert!(meta.file_type().is_fifo(), "{marker} was replaced");
    }

    // A link to an endless device in place of the entry is not followed.
    let dir = project("");
    let reference = scan_json(dir.path(), &["--no-cache"]);
    let cache = real_cache(dir.path());
    let entry = only_entry(&cache);
    fs::remove_file(&entry).unwrap();
    std::os::unix::fs::symlink("/dev/zero", &entry).unwrap();
    let out = scan_json(dir.path(), &["--cache-dir", "cache"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(text(&out), text(&reference));
}

#[test]
fn a_folder_at_the_state_entry_path_does_not_keep_scans_cold() {
    let dir = project("");
    let cache = real_cache(dir.path());
    let entry = only_entry(&cache);
    fs::remove_file(&entry).unwrap();
    fs::create_dir(&entry).unwrap();
    let out = scan_json(dir.path(), &["--cache-dir", "cache"]);
    assert!(out.status.success(), "{}", stderr(&out));
    // The next scan is served from the state (no file parsed), the folder still there.
    let out = codetags(dir.path())
        .args(["-v", "scan", "--cache-dir", "cache"])
        .timeout(PATIENCE)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(stderr(&out).contains("parsed=0"), "{}", stderr(&out));
    assert!(entry.is_dir());
}

#[cfg(unix)]
#[test]
fn a_file_size_limit_costs_the_cache_not_the_run() {
    let dir = project("");
    // A state larger than the limit: 300 tagged files.
    for i in 0..300 {
        write(
            dir.path(),
            &format!("src/gen/m{i}.py"),
            &format!("# TODO: generated {i} <owner=x{i} p:{}>\nv = {i}\n", i % 3),
        );
    }
    let reference = scan_json(dir.path(), &["--no-cache"]);
    let bin = assert_cmd::cargo::cargo_bin("codetags");
    let out = std::process::Command::new("sh")
        .current_dir(dir.path())
        .arg("-c")
        .arg("ulimit -f 16; exec \"$0\" scan -f json --cache-dir cache")
        .arg(&bin)
        .env_remove("PYCODETAGS_CACHE_DIR")
        .env_remove("PYCODETAGS_NO_CACHE")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(text(&out), text(&reference), "output lost under the limit");
    assert!(
        stderr(&out).to_lowercase().contains("warn"),
        "no warning: {}",
        stderr(&out)
    );
    let leftovers: Vec<_> = files_below(&dir.path().join("cache"))
        .into_iter()
        .filter(|(rel, _)| rel.contains(".tmp-"))
        .collect();
    assert!(leftovers.is_empty(), "temp files left: {leftovers:?}");
    // A report larger than the limit: SIGXFSZ is handled, so the write fails with EFBIG and the
    // run ends with an error naming the file (exit 2), not killed by the signal (exit 153).
    let out = std::process::Command::new("sh")
        .current_dir(dir.path())
        .arg("-c")
        .arg("ulimit -f 16; exec \"$0\" scan -f json --no-cache -o report.json")
        .arg(&bin)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("report.json"), "{}", stderr(&out));
    assert!(!dir.path().join("report.json").exists());
    let temps: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with(".codetags-out-"))
        .collect();
    assert!(temps.is_empty(), "temp files left: {temps:?}");
    // Without the limit the cache works again, and answers right.
    let out = scan_json(dir.path(), &["--cache-dir", "cache"]);
    assert_eq!(text(&out), text(&reference));
}

#[test]
fn boolean_switches_are_parsed_one_way() {
    let dir = project("");
    let out = codetags(dir.path())
        .args(["scan"])
        .env("PYCODETAGS_NO_CACHE", "maybe")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("PYCODETAGS_NO_CACHE"),
        "{}",
        stderr(&out)
    );
    let out = codetags(dir.path())
        .args(["scan", "--cache-dir", "cache"])
        .env("PYCODETAGS_CACHE_GZIP", "yes")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let out = codetags(dir.path())
        .args(["scan"])
        .env("PYCODETAGS_NO_CACHE", "yes")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(!dir.path().join(".pycodetags_cache").exists());
}

#[test]
fn quiet_levels_hide_what_the_docs_say() {
    let dir = project("bogus_key = 1\n");
    let warn = |args: &[&str]| {
        let out = codetags(dir.path())
            .args(args)
            .args(["scan", "--no-cache"])
            .output()
            .unwrap();
        stderr(&out)
    };
    assert!(warn(&[]).contains("bogus_key"));
    assert!(
        warn(&["-q"]).contains("bogus_key"),
        "-q hid a config warning"
    );
    assert!(
        !warn(&["-qq"]).contains("bogus_key"),
        "-qq showed a warning"
    );

    // --clean-old-caches says nothing under -qq, even when it removed something.
    let cache = real_cache(dir.path());
    write(&cache, "0.0.1-f1/x.bin", "old");
    let out = codetags(dir.path())
        .args(["-qq", "scan", "--clean-old-caches", "--cache-dir", "cache"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(out.stderr.is_empty(), "{}", stderr(&out));
}

#[cfg(target_os = "linux")]
#[test]
fn clearing_a_cache_that_cannot_be_changed_exits_non_zero() {
    let dir = project("");
    let cache = real_cache(dir.path());
    let namespace = fs::read_dir(&cache)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.is_dir())
        .unwrap();
    // Root ignores permission bits, so make the folder immutable instead (ext4, xfs, btrfs);
    // where that is impossible, fall back to permission bits for a non-root user.
    let immutable = std::process::Command::new("chattr")
        .arg("+i")
        .arg(&namespace)
        .status()
        .is_ok_and(|s| s.success());
    if !immutable {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&namespace, fs::Permissions::from_mode(0o555)).unwrap();
        if fs::write(namespace.join("probe"), "x").is_ok() {
            eprintln!("skipped: cannot make a folder unchangeable here");
            return;
        }
    }
    let out = codetags(dir.path())
        .args(["cache", "clear", "--cache-dir", "cache"])
        .output()
        .unwrap();
    if immutable {
        let _ = std::process::Command::new("chattr")
            .arg("-i")
            .arg(&namespace)
            .status();
    } else {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&namespace, fs::Permissions::from_mode(0o755)).unwrap();
    }
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("cannot remove"), "{}", stderr(&out));
}
