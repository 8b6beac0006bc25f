//! The scan-state cache end to end: output identical with and without it across modify, add,
//! delete, rename and touch; a warm scan reads no source file; racy timestamps; concurrent
//! processes; the `cache` subcommands.

mod common;

use common::codetags;
use filetime::FileTime;
use std::fs;
use std::path::PathBuf;

/// An hour ago: old enough that no record is "racily clean".
fn past(offset_s: i64) -> FileTime {
    let now = FileTime::now();
    FileTime::from_unix_time(now.unix_seconds() - 3600 + offset_s, 0)
}

struct Tree {
    dir: tempfile::TempDir,
    cache: PathBuf,
}

impl Tree {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        fs::write(
            dir.path().join("pyproject.toml"),
            "[tool.pycodetags]\nschema = \"auto\"\n",
        )
        .unwrap();
        let cache = dir.path().join("cache-root");
        Tree { dir, cache }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Writes a file and dates it `offset_s` seconds after an hour ago.
    fn write(&self, rel: &str, content: &str, offset_s: i64) {
        let path = self.path(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, content).unwrap();
        filetime::set_file_mtime(&path, past(offset_s)).unwrap();
    }

    fn scan(&self, cached: bool) -> String {
        let mut cmd = codetags(self.dir.path());
        cmd.args(["scan", "src", "-f", "json", "--cache-dir"])
            .arg(&self.cache);
        if !cached {
            cmd.arg("--no-cache");
        }
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8(out.stdout).unwrap()
    }

    /// Scans with and without the cache and asserts the outputs are identical; returns the
    /// cached scan's statistics.
    fn scan_both(&self) -> serde_json::Value {
        let cached = self.scan(true);
        let stats = self.last_scan();
        let uncached = self.scan(false);
        assert_eq!(cached, uncached);
        stats
    }

    fn last_scan(&self) -> serde_json::Value {
        let text = fs::read_to_string(self.cache.join("last-scan.json")).unwrap();
        serde_json::from_str::<serde_json::Value>(&text).unwrap()["stats"].clone()
    }
}

fn count(stats: &serde_json::Value, name: &str) -> u64 {
    stats[name].as_u64().unwrap()
}

#[test]
fn cached_output_equals_uncached_across_modify_add_delete_rename_touch() {
    let tree = Tree::new();
    for i in 0..6 {
        tree.write(
            &format!("src/pkg{}/m{i}.py", i % 2),
            &format!("# TODO: task {i} <owner=u{i}>\nx = {i}\n# FIXME: other {i}\n"),
            i,
        );
    }
    tree.write("src/bad.py", "s = '''open\n", 0);

    let cold = tree.scan_both();
    assert_eq!(count(&cold, "files"), 7);
    assert_eq!(count(&cold, "parsed"), 7);
    assert_eq!(count(&cold, "states_loaded"), 0);

    // Warm: one entry loaded, every file validated on its stat data, none read.
    let warm = tree.scan_both();
    assert_eq!(count(&warm, "hits"), 7, "{warm}");
    assert_eq!(count(&warm, "misses"), 0, "{warm}");
    assert_eq!(count(&warm, "states_loaded"), 1);
    assert_eq!(count(&warm, "states_written"), 0);

    // Modify: same size, new content, new mtime.
    tree.write(
        "src/pkg0/m0.py",
        "# TODO: TASK 0 <owner=U0>\nx = 0\n# FIXME: other 0\n",
        100,
    );
    let stats = tree.scan_both();
    assert_eq!(
        (count(&stats, "misses"), count(&stats, "parsed")),
        (1, 1),
        "{stats}"
    );
    assert!(tree.scan(true).contains("TASK 0"));

    // Add.
    tree.write("src/pkg1/new.py", "# BUG: brand new <p:1>\n", 101);
    let stats = tree.scan_both();
    assert_eq!(
        (count(&stats, "files"), count(&stats, "parsed")),
        (8, 1),
        "{stats}"
    );

    // Delete.
    fs::remove_file(tree.path("src/pkg0/m2.py")).unwrap();
    let stats = tree.scan_both();
    assert_eq!(
        (count(&stats, "files"), count(&stats, "removed")),
        (7, 1),
        "{stats}"
    );
    assert!(!tree.scan(true).contains("task 2"));

    // Rename (a delete plus an add).
    fs::rename(
        tree.path("src/pkg1/m1.py"),
        tree.path("src/pkg0/renamed.py"),
    )
    .unwrap();
    let out = tree.scan(true);
    assert!(out.contains("src/pkg0/renamed.py") && !out.contains("src/pkg1/m1.py"));
    assert_eq!(out, tree.scan(false));

    // Touch: new mtime, same bytes: read and hashed, not re-parsed.
    filetime::set_file_mtime(tree.path("src/pkg1/m3.py"), past(200)).unwrap();
    let stats = tree.scan_both();
    assert_eq!(
        (
            count(&stats, "misses"),
            count(&stats, "revalidated"),
            count(&stats, "parsed")
        ),
        (1, 1, 0),
        "{stats}"
    );

    // Mode change: re-validated too.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(
            tree.path("src/pkg1/m5.py"),
            fs::Permissions::from_mode(0o600),
        )
        .unwrap();
        let stats = tree.scan_both();
        assert_eq!(count(&stats, "misses"), 1, "{stats}");
    }

    // And everything is warm again.
    let stats = tree.scan_both();
    assert_eq!(count(&stats, "misses"), 0, "{stats}");
}

#[test]
fn a_file_without_tags_is_hashed_only_once_its_stat_data_changes() {
    let tree = Tree::new();
    tree.write("src/plain.py", "x = 1  # an ordinary comment\n", 0);
    tree.write("src/tagged.py", "# TODO: keep <p:1>\n", 0);
    let cold = tree.scan_both();
    assert_eq!(count(&cold, "parsed"), 2, "{cold}");

    // Touched: the cold scan stored no hash for the tagless file, so it is parsed again (and
    // its hash stored); the tagged file's hash was stored and re-validates it.
    filetime::set_file_mtime(tree.path("src/plain.py"), past(10)).unwrap();
    filetime::set_file_mtime(tree.path("src/tagged.py"), past(10)).unwrap();
    let stats = tree.scan_both();
    assert_eq!(
        (
            count(&stats, "misses"),
            count(&stats, "revalidated"),
            count(&stats, "parsed"),
            count(&stats, "states_written")
        ),
        (2, 1, 1, 1),
        "{stats}"
    );

    // Touched again: now both re-validate by hash.
    filetime::set_file_mtime(tree.path("src/plain.py"), past(20)).unwrap();
    filetime::set_file_mtime(tree.path("src/tagged.py"), past(20)).unwrap();
    let stats = tree.scan_both();
    assert_eq!(
        (
            count(&stats, "misses"),
            count(&stats, "revalidated"),
            count(&stats, "parsed")
        ),
        (2, 2, 0),
        "{stats}"
    );

    // New bytes with a tag: the stored hash differs, so the file is parsed.
    tree.write("src/plain.py", "x = 1  # FIXME: now a tag <p:1>\n", 30);
    let out = tree.scan(true);
    assert!(out.contains("now a tag"), "{out}");
    assert_eq!(count(&tree.last_scan(), "parsed"), 1);
    assert_eq!(out, tree.scan(false));
}

#[test]
fn a_file_changed_within_the_timestamp_granularity_is_read_again() {
    let tree = Tree::new();
    // Written now: its mtime is inside the racy window of the scan that records it.
    fs::create_dir_all(tree.path("src")).unwrap();
    fs::write(tree.path("src/hot.py"), "# TODO: first <p:1>\n").unwrap();
    let mtime =
        FileTime::from_last_modification_time(&fs::metadata(tree.path("src/hot.py")).unwrap());
    tree.scan_both();
    // Same size, same mtime, different content: only the racy guard can notice.
    fs::write(tree.path("src/hot.py"), "# TODO: other <p:1>\n").unwrap();
    filetime::set_file_mtime(tree.path("src/hot.py"), mtime).unwrap();
    let out = tree.scan(true);
    assert!(out.contains("other"), "{out}");
    let stats = tree.last_scan();
    assert_eq!(count(&stats, "hits"), 0, "{stats}");
}

#[test]
fn no_cache_and_the_environment_switch_leave_no_cache_behind() {
    let tree = Tree::new();
    tree.write("src/a.py", "# TODO: a <p:1>\n", 0);
    codetags(tree.dir.path())
        .args(["scan", "src", "--cache-dir"])
        .arg(&tree.cache)
        .env("PYCODETAGS_NO_CACHE", "1")
        .assert()
        .success();
    assert!(!tree.cache.exists());
    codetags(tree.dir.path())
        .args(["scan", "src", "--no-cache"])
        .env("PYCODETAGS_CACHE_DIR", &tree.cache)
        .assert()
        .success();
    assert!(!tree.cache.exists());
    // PYCODETAGS_CACHE_DIR is where the cache goes.
    codetags(tree.dir.path())
        .args(["scan", "src"])
        .env("PYCODETAGS_CACHE_DIR", &tree.cache)
        .assert()
        .success();
    assert!(tree.cache.join("CACHEDIR.TAG").exists());
    assert!(tree.cache.join("last-scan.json").exists());
}

#[test]
fn the_default_cache_sits_beside_pyproject_and_is_never_scanned() {
    let tree = Tree::new();
    tree.write("a.py", "# TODO: a <p:1>\n", 0);
    let first = codetags(tree.dir.path()).args(["scan"]).output().unwrap();
    assert!(first.status.success());
    let root = tree.path(".pycodetags_cache");
    assert!(root.join("CACHEDIR.TAG").exists());
    let dir_out = codetags(tree.dir.path())
        .args(["cache", "dir"])
        .output()
        .unwrap();
    assert_eq!(
        fs::canonicalize(String::from_utf8(dir_out.stdout).unwrap().trim()).unwrap(),
        fs::canonicalize(&root).unwrap()
    );
    // A cache folder given explicitly inside the tree, not hidden, is skipped too: even with
    // its entries' extension selected, nothing in it is read.
    for _ in 0..2 {
        let out = codetags(tree.dir.path())
            .args(["scan", "--ext", "bin,json", "--cache-dir", "visible-cache"])
            .output()
            .unwrap();
        assert!(tree.path("visible-cache/CACHEDIR.TAG").is_file());
        assert_eq!(
            String::from_utf8(out.stdout).unwrap(),
            "a.py:1:1: TODO a <p=1>\n"
        );
        assert!(!String::from_utf8_lossy(&out.stderr).contains("visible-cache"));
    }
    // A folder that is not a codetags cache is not used as one, so it is scanned like any
    // other: skipping it would hide its files from the answer.
    let foreign = tree.path("their-folder");
    fs::create_dir_all(&foreign).unwrap();
    fs::write(foreign.join("trap.py"), "# TODO: trap <p:1>\n").unwrap();
    let out = codetags(tree.dir.path())
        .args(["scan", "--cache-dir", "their-folder"])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "a.py:1:1: TODO a <p=1>\ntheir-folder/trap.py:1:1: TODO trap <p=1>\n"
    );
    assert!(!foreign.join("CACHEDIR.TAG").exists());
}

#[test]
fn two_processes_scanning_at_once_both_succeed_and_leave_a_valid_cache() {
    let tree = Tree::new();
    for i in 0..200 {
        tree.write(
            &format!("src/d{}/f{i}.py", i % 10),
            &format!("# TODO: item {i} <p:{i}>\n"),
            0,
        );
    }
    let expected = tree.scan(false);
    let spawn = || {
        std::process::Command::new(assert_cmd::cargo::cargo_bin("codetags"))
            .current_dir(tree.dir.path())
            .args(["scan", "src", "-f", "json", "--cache-dir"])
            .arg(&tree.cache)
            .env_remove("PYCODETAGS_NO_CACHE")
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn(), spawn());
    for child in [a, b] {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success());
        assert_eq!(String::from_utf8(out.stdout).unwrap(), expected);
    }
    // The cache left behind is valid: the next scan is served entirely from it.
    assert_eq!(tree.scan(true), expected);
    let stats = tree.last_scan();
    assert_eq!(
        (count(&stats, "hits"), count(&stats, "misses")),
        (200, 0),
        "{stats}"
    );
}

#[test]
fn cache_commands_report_and_clear() {
    let tree = Tree::new();
    tree.write("src/a.py", "# TODO: a <p:1>\n", 0);
    tree.scan(true);
    tree.scan(true);
    let stats = codetags(tree.dir.path())
        .args(["cache", "stats", "--cache-dir"])
        .arg(&tree.cache)
        .output()
        .unwrap();
    assert!(stats.status.success());
    let text = String::from_utf8(stats.stdout).unwrap();
    assert!(text.contains("entries: 1 "), "{text}");
    assert!(text.contains(env!("CARGO_PKG_VERSION")), "{text}");
    assert!(text.contains("1 files, 1 hits, 0 misses"), "{text}");

    codetags(tree.dir.path())
        .args(["cache", "clear", "--dry-run", "--cache-dir"])
        .arg(&tree.cache)
        .assert()
        .success();
    tree.scan(true);
    assert_eq!(
        count(&tree.last_scan(), "hits"),
        1,
        "a dry run removes nothing"
    );
    codetags(tree.dir.path())
        .args(["cache", "clear", "--cache-dir"])
        .arg(&tree.cache)
        .assert()
        .success();
    let text = String::from_utf8(
        codetags(tree.dir.path())
            .args(["cache", "stats", "--cache-dir"])
            .arg(&tree.cache)
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert!(text.contains("entries: 0 "), "{text}");
    assert!(tree.cache.join("CACHEDIR.TAG").exists());
    for command in ["prune", "clean-old-versions"] {
        codetags(tree.dir.path())
            .args(["cache", command, "--cache-dir"])
            .arg(&tree.cache)
            .assert()
            .success();
    }
    // A folder that is not a codetags cache is refused (exit 2) unless forced.
    let stranger = tree.path("not-a-cache");
    fs::create_dir_all(&stranger).unwrap();
    fs::write(stranger.join("precious.txt"), "keep me").unwrap();
    codetags(tree.dir.path())
        .args(["cache", "clear", "--cache-dir"])
        .arg(&stranger)
        .assert()
        .code(2);
    assert!(stranger.join("precious.txt").exists());
}

#[test]
fn clean_old_caches_removes_other_versions_only() {
    let tree = Tree::new();
    tree.write("src/a.py", "# TODO: a <p:1>\n", 0);
    tree.scan(true);
    let old = tree.cache.join("0.0.1-f1/2026/01/01");
    fs::create_dir_all(&old).unwrap();
    let entry = old.join(format!("{}.bin", "ab".repeat(32)));
    fs::write(&entry, b"old entry").unwrap();
    codetags(tree.dir.path())
        .args(["scan", "src", "--clean-old-caches", "--cache-dir"])
        .arg(&tree.cache)
        .assert()
        .success();
    assert!(!entry.exists());
    assert!(!tree.cache.join("0.0.1-f1").exists());
    // The current version's entry survived: the scan was served from it.
    assert_eq!(count(&tree.last_scan(), "hits"), 1);
}

#[cfg(target_os = "linux")]
#[test]
fn non_utf8_file_names_are_scanned_and_never_served_stale() {
    use std::os::unix::ffi::OsStrExt;
    let tree = Tree::new();
    tree.write("src/plain.py", "# TODO: plain <p:1>\n", 0);
    let odd = tree
        .path("src")
        .join(std::ffi::OsStr::from_bytes(b"caf\xe9.py"));
    fs::write(&odd, "# TODO: odd name <p:1>\n").unwrap();
    filetime::set_file_mtime(&odd, past(0)).unwrap();
    let stats = tree.scan_both();
    assert_eq!(count(&stats, "files"), 2);
    assert!(tree.scan(true).contains("odd name"));
    // The odd name is re-read every time (it cannot be keyed exactly), the plain one is not.
    let stats = tree.last_scan();
    assert_eq!(
        (count(&stats, "hits"), count(&stats, "misses")),
        (1, 1),
        "{stats}"
    );
}

#[test]
fn a_future_dated_file_is_always_read_but_does_not_rewrite_the_state() {
    let tree = Tree::new();
    tree.write("src/future.py", "# TODO: from the future <p:1>\n", 0);
    let later = FileTime::from_unix_time(FileTime::now().unix_seconds() + 3600, 0);
    filetime::set_file_mtime(tree.path("src/future.py"), later).unwrap();
    tree.scan_both();
    let stats = tree.scan_both();
    assert_eq!(
        (
            count(&stats, "misses"),
            count(&stats, "parsed"),
            count(&stats, "states_written")
        ),
        (1, 0, 0),
        "{stats}"
    );
}

#[test]
fn empty_environment_switches_count_as_unset() {
    let tree = Tree::new();
    tree.write("a.py", "# TODO: a <p:1>\n", 0);
    codetags(tree.dir.path())
        .args(["scan"])
        .env("PYCODETAGS_NO_CACHE", "")
        .env("PYCODETAGS_CACHE_DIR", "")
        .assert()
        .success();
    assert!(tree.path(".pycodetags_cache/last-scan.json").exists());
    for off in ["0", "false", "NO", "off"] {
        codetags(tree.dir.path())
            .args(["scan"])
            .env("PYCODETAGS_NO_CACHE", off)
            .assert()
            .success();
    }
    fs::remove_dir_all(tree.path(".pycodetags_cache")).unwrap();
    codetags(tree.dir.path())
        .args(["scan"])
        .env("PYCODETAGS_NO_CACHE", "true")
        .assert()
        .success();
    assert!(!tree.path(".pycodetags_cache").exists());
}

/// Each setting that changes results, changed between warm runs: the cached scan must give the
/// uncached answer every time (a setting missing from the state key would replay the old one).
#[test]
fn every_result_affecting_setting_changes_the_cached_answer_with_it() {
    let tree = Tree::new();
    tree.write("src/a.py", "# TODO: pep style <alice p:1>\n", 0);
    tree.write("src/b.pyi", "# FIXME: stub file <bob>\n", 0);
    tree.write("src/legacy/c.py", "# TODO(carol): folk style\n", 0);
    tree.write("src/build/d.py", "# BUG: generated <dave>\n", 0);
    tree.write("other/e.py", "# HACK: elsewhere <erin>\n", 0);
    let configs = [
        "[tool.pycodetags]\nsrc = [\"src\"]\n",
        "[tool.pycodetags]\nsrc = [\"src\"]\nexclude = [\"src/build\"]\n",
        "[tool.pycodetags]\nsrc = [\"src\"]\nextensions = [\"py\", \"pyi\"]\n",
        "[tool.pycodetags]\nsrc = [\"src\"]\nschema = \"TDG\"\n",
        "[tool.pycodetags]\nsrc = [\"src\"]\nschema = \"folk\"\n",
        "[tool.pycodetags]\nsrc = [\"src\"]\nschema_paths = [{ path = \"src/legacy/*\", schema = \"folk\" }]\n",
        "[tool.pycodetags]\nsrc = [\"other\"]\n",
        "[tool.pycodetags]\nsrc = [\"src\", \"other\"]\n",
    ];
    let flags: [&[&str]; 5] = [
        &[],
        &["--schema", "PEP350"],
        &["--schema", "folk"],
        &["--ext", "pyi"],
        &["--tags", "FIXME"],
    ];
    let run = |extra: &[&str], cached: bool| {
        let mut cmd = codetags(tree.dir.path());
        cmd.args(["scan", "-f", "json", "--cache-dir"])
            .arg(&tree.cache)
            .args(extra);
        if !cached {
            cmd.arg("--no-cache");
        }
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    let mut answers = std::collections::BTreeSet::new();
    // Twice round, so every setting is also met with a warm state of another setting.
    for round in 0..2 {
        for config in configs {
            fs::write(tree.path("pyproject.toml"), config).unwrap();
            for extra in flags {
                let uncached = run(extra, false);
                let cached = run(extra, true);
                assert_eq!(
                    cached, uncached,
                    "round {round}: {config:?} with {extra:?} served another setting's answer"
                );
                answers.insert(uncached);
            }
        }
    }
    // The settings really change the answer, so a shared state would have been caught.
    assert!(
        answers.len() >= 10,
        "only {} distinct answers",
        answers.len()
    );
}
