//! Folder records: a warm scan does not list a folder whose record still holds, and never
//! misses what changed — a file added to a known folder, a file changed within the racy
//! window with its size and mtime kept, a rename, a deletion, a folder replaced by a link, an
//! ignore file edited in place (mtime set back), an ancestor's ignore file, a folder whose mtime
//! was set back after a change. Each scan through the cache must print what an uncached scan
//! prints.

use codetags_cli::config::ProjectConfig;
use codetags_cli::report::{Format, RenderOptions, render};
use codetags_cli::scan::{ScanRequest, scan};
use codetags_cli::state::ScanStats;
use filetime::FileTime;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Longer than the racy window (2 s): records written before it are trusted after it.
const SETTLE: Duration = Duration::from_millis(2300);

struct Tree {
    dir: tempfile::TempDir,
}

impl Tree {
    fn new() -> Tree {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("proj/src")).unwrap();
        Tree { dir }
    }

    fn src(&self) -> PathBuf {
        self.dir.path().join("proj/src")
    }

    fn write(&self, rel: &str, text: &str) {
        let path = self.src().join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    /// Dates every file and folder under the root an hour back.
    fn age(&self) {
        fn visit(path: &Path, when: FileTime) {
            if path.is_dir() && !path.is_symlink() {
                for entry in fs::read_dir(path).unwrap() {
                    visit(&entry.unwrap().path(), when);
                }
            }
            if !path.is_symlink() {
                filetime::set_file_mtime(path, when).unwrap();
            }
        }
        let when = FileTime::from_unix_time(FileTime::now().unix_seconds() - 3600, 0);
        visit(&self.src(), when);
    }

    fn request(&self, cached: bool) -> ScanRequest {
        let config = ProjectConfig::defaults(self.dir.path().join("proj"));
        let request = ScanRequest::new(vec![self.src()], config);
        if cached {
            request.with_cache_dir(self.dir.path().join("cache"))
        } else {
            request
        }
    }

    fn json(&self, cached: bool) -> (String, ScanStats) {
        let outcome = scan(&self.request(cached)).unwrap();
        let mut out = Vec::new();
        render(&outcome, Format::Json, &RenderOptions::default(), &mut out).unwrap();
        let mut problems: Vec<String> = outcome
            .problems
            .iter()
            .map(|p| format!("{}: {}", p.path.display(), p.message))
            .collect();
        problems.sort();
        let text = String::from_utf8(out).unwrap() + &problems.join("\n");
        (text, outcome.stats)
    }

    /// A cached scan, asserted equal to an uncached one; its counts.
    fn scan(&self) -> (String, ScanStats) {
        let (cached, stats) = self.json(true);
        let (fresh, _) = self.json(false);
        assert_eq!(cached, fresh, "cached scan differs from an uncached one");
        (cached, stats)
    }
}

fn base_tree() -> Tree {
    let tree = Tree::new();
    tree.write("pkg/a.py", "# TODO: alpha <p:1>\n");
    tree.write("pkg/b.py", "# FIXME: beta <p:2>\n");
    tree.write("pkg/deep/c.py", "# TODO: gamma <p:3>\n");
    tree.write("other/d.py", "# TODO: delta <p:4>\n");
    tree.write("top.py", "x = 1\n");
    tree.age();
    std::thread::sleep(SETTLE);
    tree
}

#[test]
fn unchanged_folders_are_not_listed_and_every_change_is_seen() {
    let tree = base_tree();
    let (_, cold) = tree.scan();
    assert_eq!((cold.folders_listed, cold.folders_reused), (4, 0));
    std::thread::sleep(SETTLE);
    let (warm, stats) = tree.scan();
    assert_eq!(
        (stats.folders_listed, stats.folders_reused),
        (0, 4),
        "{stats:?}"
    );
    assert_eq!((stats.hits, stats.files), (5, 5));
    assert!(warm.contains("delta"));

    // A file added to a known folder.
    tree.write("pkg/new.py", "# TODO: epsilon <p:5>\n");
    let (out, stats) = tree.scan();
    assert!(out.contains("epsilon"));
    assert!(
        stats.folders_listed >= 1 && stats.folders_reused >= 2,
        "{stats:?}"
    );

    // A file changed within the racy window, its size and mtime kept: read again.
    let a = tree.src().join("pkg/a.py");
    tree.write("pkg/a.py", "# TODO: alpha <p:1>\n");
    let (_, _) = tree.scan();
    let mtime = FileTime::from_last_modification_time(&fs::metadata(&a).unwrap());
    fs::write(&a, "# TODO: ALPHA <p:1>\n").unwrap();
    filetime::set_file_mtime(&a, mtime).unwrap();
    let (out, _) = tree.scan();
    assert!(out.contains("ALPHA") && !out.contains("alpha"));

    // A rename and a deletion.
    fs::rename(tree.src().join("other/d.py"), tree.src().join("other/e.py")).unwrap();
    let (out, _) = tree.scan();
    assert!(out.contains("other/e.py") && !out.contains("other/d.py"));
    fs::remove_file(tree.src().join("pkg/b.py")).unwrap();
    let (out, stats) = tree.scan();
    assert!(!out.contains("beta"));
    assert_eq!(stats.removed, 1);
}

#[cfg(unix)]
#[test]
fn a_folder_replaced_by_a_link_is_not_followed() {
    let tree = base_tree();
    tree.scan();
    std::thread::sleep(SETTLE);
    let elsewhere = tree.dir.path().join("elsewhere");
    fs::create_dir(&elsewhere).unwrap();
    fs::write(elsewhere.join("x.py"), "# TODO: outside <p:9>\n").unwrap();
    fs::remove_dir_all(tree.src().join("pkg")).unwrap();
    std::os::unix::fs::symlink(&elsewhere, tree.src().join("pkg")).unwrap();
    let (out, stats) = tree.scan();
    assert!(!out.contains("outside") && !out.contains("alpha"), "{out}");
    assert_eq!(stats.removed, 3);
}

#[test]
fn an_ignore_file_edited_in_place_with_its_mtime_set_back_is_honoured() {
    let tree = Tree::new();
    tree.write("pkg/a.py", "# TODO: alpha <p:1>\n");
    tree.write("pkg/.gitignore", "zzzz\n");
    tree.age();
    std::thread::sleep(SETTLE);
    tree.scan();
    std::thread::sleep(SETTLE);
    let (_, stats) = tree.scan();
    assert_eq!(stats.folders_reused, 2);
    let ignore = tree.src().join("pkg/.gitignore");
    let mtime = FileTime::from_last_modification_time(&fs::metadata(&ignore).unwrap());
    fs::write(&ignore, "a.py\n").unwrap();
    filetime::set_file_mtime(&ignore, mtime).unwrap();
    // The folder itself did not change: only the ignore file's stamp (its ctime) tells.
    std::thread::sleep(SETTLE);
    let (out, _) = tree.scan();
    assert!(!out.contains("alpha"), "{out}");
}

#[test]
fn an_ancestors_ignore_file_is_watched() {
    let tree = base_tree();
    tree.scan();
    std::thread::sleep(SETTLE);
    let (_, stats) = tree.scan();
    assert_eq!(stats.folders_reused, 4);
    fs::write(tree.dir.path().join("proj/.gitignore"), "other/\n").unwrap();
    let (out, stats) = tree.scan();
    assert!(!out.contains("delta"), "{out}");
    assert_eq!(stats.folders_reused, 0);
}

#[test]
fn a_folder_whose_mtime_was_set_back_after_a_change_is_listed_again() {
    let tree = base_tree();
    tree.scan();
    std::thread::sleep(SETTLE);
    let pkg = tree.src().join("pkg");
    let mtime = FileTime::from_last_modification_time(&fs::metadata(&pkg).unwrap());
    tree.write("pkg/sneaky.py", "# TODO: sneaky <p:6>\n");
    filetime::set_file_mtime(tree.src().join("pkg/sneaky.py"), mtime).unwrap();
    filetime::set_file_mtime(&pkg, mtime).unwrap();
    // Past the racy window, only the folder's ctime still shows the change.
    std::thread::sleep(SETTLE);
    let (out, _) = tree.scan();
    assert!(out.contains("sneaky"), "{out}");
}

#[test]
fn a_new_sub_folder_and_an_unreadable_one_are_seen() {
    let tree = base_tree();
    tree.scan();
    std::thread::sleep(SETTLE);
    tree.write("pkg/deep/deeper/z.py", "# TODO: zeta <p:7>\n");
    let (out, _) = tree.scan();
    assert!(out.contains("zeta"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let locked = tree.src().join("other");
        fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).unwrap();
        // As root the folder stays readable; either way the cached scan agrees.
        let (first, _) = tree.scan();
        let (second, _) = tree.scan();
        assert_eq!(first, second);
        fs::set_permissions(&locked, fs::Permissions::from_mode(0o755)).unwrap();
    }
}
