//! The scanner's folder walk (`walk::tree`) selects exactly the files the `ignore` crate's
//! walker selects (`walk::walk`), on generated trees with `.gitignore`, `.ignore` and
//! `.git/info/exclude` files, negations, anchored and folder-only patterns, hidden names, nested
//! rules and `exclude` patterns. Deterministic: the same seeds every run.

use codetags_cli::config::ProjectConfig;
use codetags_cli::walk::tree::{Selection, walk_tree};
use codetags_cli::walk::{WalkOptions, walk};
use std::path::Path;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const DIRS: &[&str] = &["a", "b", "sub", "gen", ".h", "build", "x"];
const FILES: &[&str] = &[
    "a.py", "b.py", ".c.py", "x.txt", "gen.py", "t_1.py", "sub.py",
];
const LINES: &[&str] = &[
    "*.py",
    "!a.py",
    "gen/",
    "/b.py",
    "sub",
    "!.h",
    ".h/",
    "**/x/*.py",
    "b*",
    "!sub/",
    "a.py",
    "# comment",
    "",
    "!/gen/",
    "/a",
    "t_?.py",
    "!*.py",
    "x/",
    ".c.py",
    "!.c.py",
    "build",
    "sub/*.py",
    "!b.py",
];

fn make_tree(rng: &mut Rng, dir: &Path, depth: usize) {
    for _ in 0..rng.below(4) {
        std::fs::write(dir.join(rng.pick(FILES)), "x = 1\n").unwrap();
    }
    for name in [".gitignore", ".ignore"] {
        if rng.below(4) == 0 {
            let lines: Vec<&str> = (0..1 + rng.below(4)).map(|_| rng.pick(LINES)).collect();
            std::fs::write(dir.join(name), lines.join("\n")).unwrap();
        }
    }
    if depth < 3 {
        for _ in 0..rng.below(4) {
            let sub = dir.join(rng.pick(DIRS));
            std::fs::create_dir_all(&sub).unwrap();
            make_tree(rng, &sub, depth + 1);
        }
    }
}

fn old_walk(root: &Path, config: &ProjectConfig, options: &WalkOptions) -> Vec<String> {
    let (mut found, _) = walk(root, "", config, options, |_: &mut (), file| Some(file.rel));
    found.sort();
    found
}

fn new_walk(root: &Path, config: &ProjectConfig, options: &WalkOptions) -> Vec<String> {
    let selection = Selection {
        config,
        match_prefix: "",
        options,
    };
    let (per_dir, _) = walk_tree(root, &selection, None, |_: &mut (), dir| {
        dir.files
            .iter()
            .map(|f| {
                let name = f.name.to_string_lossy();
                if dir.rel.is_empty() {
                    name.into_owned()
                } else {
                    format!("{}/{name}", dir.rel)
                }
            })
            .collect::<Vec<_>>()
    });
    let mut found: Vec<String> = per_dir.into_iter().flatten().collect();
    found.sort();
    found
}

#[test]
fn the_tree_walk_selects_what_the_ignore_crate_selects() {
    let mut differing = Vec::new();
    for seed in 0..400u64 {
        let mut rng = Rng(seed);
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root");
        std::fs::create_dir(&root).unwrap();
        make_tree(&mut rng, &root, 0);
        if rng.below(3) == 0 {
            std::fs::create_dir_all(root.join(".git/info")).unwrap();
            let line = rng.pick(LINES);
            std::fs::write(root.join(".git/info/exclude"), line).unwrap();
        }
        let mut config = ProjectConfig::defaults(&root);
        if rng.below(4) == 0 {
            config.exclude = vec![rng.pick(&["a", "sub/*", "*/b.py", "gen"]).to_owned()];
        }
        let options = WalkOptions {
            threads: 1 + rng.below(2),
            follow_symlinks: false,
            skip_dir: None,
        };
        let old = old_walk(&root, &config, &options);
        let new = new_walk(&root, &config, &options);
        if old != new {
            differing.push(format!(
                "seed {seed}: ignore crate {old:?}, tree walk {new:?}"
            ));
        }
    }
    assert!(differing.is_empty(), "{}", differing.join("\n"));
}

#[cfg(unix)]
#[test]
fn links_are_skipped_unless_followed_and_loops_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir(root.join("real")).unwrap();
    std::fs::write(root.join("real/a.py"), "x\n").unwrap();
    std::os::unix::fs::symlink("real", root.join("link")).unwrap();
    std::os::unix::fs::symlink("a.py", root.join("real/b.py")).unwrap();
    std::os::unix::fs::symlink("..", root.join("real/up")).unwrap();
    let config = ProjectConfig::defaults(root);
    for follow in [false, true] {
        let options = WalkOptions {
            threads: 2,
            follow_symlinks: follow,
            skip_dir: None,
        };
        assert_eq!(
            old_walk(root, &config, &options),
            new_walk(root, &config, &options)
        );
    }
    let options = WalkOptions {
        threads: 1,
        follow_symlinks: true,
        skip_dir: None,
    };
    let selection = Selection {
        config: &config,
        match_prefix: "",
        options: &options,
    };
    let (_, errors) = walk_tree(root, &selection, None, |_: &mut (), _| ());
    assert!(
        errors
            .iter()
            .any(|e| e.error.message.contains("file system loop")),
        "{errors:?}"
    );
}

#[test]
fn the_cache_folder_is_never_entered() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir(root.join("cache")).unwrap();
    std::fs::write(root.join("cache/x.py"), "x\n").unwrap();
    std::fs::write(root.join("a.py"), "x\n").unwrap();
    let config = ProjectConfig::defaults(root);
    let options = WalkOptions {
        threads: 1,
        follow_symlinks: false,
        skip_dir: Some(std::path::absolute(root.join("cache")).unwrap()),
    };
    assert_eq!(new_walk(root, &config, &options), ["a.py"]);
    assert_eq!(old_walk(root, &config, &options), ["a.py"]);
}
