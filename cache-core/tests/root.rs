//! The cache root: which folders the cache moves into, repairs, or refuses — on real folders.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use cache_core::{
    CacheStore, FsStore, Key, Location, RootState, StoreError, init_root, inspect_root,
    is_our_cache, repair_tag,
};
use cache_layout::{
    CACHEDIR_TAG, CACHEDIR_TAG_CONTENT, CACHEDIR_TAG_SIGNATURE, GC_MARKER, GITIGNORE,
    GITIGNORE_CONTENT, LAST_SCAN, Layout, LayoutOptions, key_hex,
};

fn root_in(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join("cache")
}

/// Every path below `dir` (links not followed) with its content, `None` for folders and others.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Option<Vec<u8>>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap() {
            let entry = entry.unwrap();
            let path = entry.path();
            let file_type = entry.file_type().unwrap();
            let content = file_type.is_file().then(|| fs::read(&path).unwrap());
            if file_type.is_dir() {
                stack.push(path.clone());
            }
            out.insert(path.strip_prefix(dir).unwrap().to_owned(), content);
        }
    }
    out
}

/// A tree of nothing but our own layout: namespaces, date folders, entries, temp files, markers.
fn our_layout(root: &Path) {
    let hex = key_hex(&[7; 32]);
    for dir in ["0.1.0-f1/2025/07/01", "0.2.0-f1", "2024/12/31"] {
        fs::create_dir_all(root.join(dir)).unwrap();
    }
    for file in [
        format!("0.1.0-f1/2025/07/01/{hex}.bin"),
        format!("0.2.0-f1/{hex}.bin.gz"),
        format!("2024/12/31/{hex}.bin"),
        format!("{hex}.bin"),
        "0.1.0-f1/2025/.tmp-abc".to_owned(),
        ".tmp-1".to_owned(),
        GC_MARKER.to_owned(),
        LAST_SCAN.to_owned(),
    ] {
        fs::write(root.join(file), b"x").unwrap();
    }
    fs::write(root.join(GITIGNORE), GITIGNORE_CONTENT).unwrap();
}

/// Runs `f` in a thread and fails the test if it does not return within a few seconds (a read
/// blocking on a FIFO would otherwise hang the test run).
fn promptly<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (send, receive) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = send.send(f());
    });
    receive
        .recv_timeout(Duration::from_secs(10))
        .expect("blocked: the call did not return within 10 s")
}

#[cfg(unix)]
fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success(), "mkfifo {path:?}");
}

fn assert_refused(err: impl Into<StoreError>, root: &Path, example: &Path) {
    // `init_root` returns a `RootError`; the store passes it on as this same `StoreError::Root`.
    let err: StoreError = err.into();
    let StoreError::Root { path, source } = &err else {
        panic!("expected StoreError::Root, got {err:?}");
    };
    assert_eq!(path, root);
    let message = source.to_string();
    assert!(message.contains(&root.display().to_string()), "{message}");
    assert!(
        message.contains(&example.display().to_string()),
        "{message}"
    );
    assert!(message.contains("choose another cache folder"), "{message}");
}

#[test]
fn missing_and_empty_roots_are_created() {
    let dir = tempfile::tempdir().unwrap();
    let root = root_in(&dir).join("deeper");
    assert_eq!(inspect_root(&root).unwrap(), RootState::Missing);
    init_root(&root).unwrap();
    assert_eq!(
        fs::read_to_string(root.join(CACHEDIR_TAG)).unwrap(),
        CACHEDIR_TAG_CONTENT
    );
    assert_eq!(
        fs::read_to_string(root.join(GITIGNORE)).unwrap(),
        GITIGNORE_CONTENT
    );
    assert_eq!(inspect_root(&root).unwrap(), RootState::Ours);

    let empty = dir.path().join("empty");
    fs::create_dir(&empty).unwrap();
    assert_eq!(inspect_root(&empty).unwrap(), RootState::Empty);
    init_root(&empty).unwrap();
    assert!(is_our_cache(&empty));
}

#[test]
fn a_tagged_root_is_ours_whatever_else_it_holds() {
    let dir = tempfile::tempdir().unwrap();
    let root = root_in(&dir);
    fs::create_dir(&root).unwrap();
    fs::write(root.join(CACHEDIR_TAG), CACHEDIR_TAG_CONTENT).unwrap();
    fs::write(root.join("notes.txt"), b"mine").unwrap();
    assert_eq!(inspect_root(&root).unwrap(), RootState::Ours);
    // An interrupted creation left no .gitignore: it is recreated, nothing else is touched.
    init_root(&root).unwrap();
    assert_eq!(fs::read(root.join("notes.txt")).unwrap(), b"mine");
    assert!(root.join(GITIGNORE).is_file());
}

#[test]
fn an_empty_or_truncated_tag_beside_our_layout_only_is_repaired() {
    // The last cut stops inside the word "codetags": a longer prefix already counts as our tag.
    let inside_the_name = CACHEDIR_TAG_CONTENT.find("codetags").unwrap() + 4;
    for cut in [0, 1, 20, inside_the_name] {
        let dir = tempfile::tempdir().unwrap();
        let root = root_in(&dir);
        fs::create_dir(&root).unwrap();
        our_layout(&root);
        fs::write(root.join(CACHEDIR_TAG), &CACHEDIR_TAG_CONTENT[..cut]).unwrap();
        assert!(!is_our_cache(&root), "cut {cut}");
        assert_eq!(inspect_root(&root).unwrap(), RootState::RepairableTag);

        let mut before = snapshot(&root);
        init_root(&root).unwrap();
        assert_eq!(inspect_root(&root).unwrap(), RootState::Ours, "cut {cut}");
        // Only the tag changed (and no temp file of the repair was left behind).
        before.insert(
            PathBuf::from(CACHEDIR_TAG),
            Some(CACHEDIR_TAG_CONTENT.as_bytes().to_vec()),
        );
        assert_eq!(snapshot(&root), before, "cut {cut}");
    }
}

#[test]
fn repair_tag_repairs_only_a_repairable_root() {
    let dir = tempfile::tempdir().unwrap();
    let root = root_in(&dir);
    fs::create_dir(&root).unwrap();
    our_layout(&root);
    fs::write(root.join(CACHEDIR_TAG), "Signature: 8a4").unwrap();
    fs::write(root.join("userdir"), b"mine").unwrap();
    assert!(!repair_tag(&root).unwrap());
    assert_eq!(
        fs::read_to_string(root.join(CACHEDIR_TAG)).unwrap(),
        "Signature: 8a4"
    );
    fs::remove_file(root.join("userdir")).unwrap();
    assert!(repair_tag(&root).unwrap());
    assert!(is_our_cache(&root));
}

#[test]
fn a_truncated_tag_beside_anything_foreign_is_refused_untouched() {
    let hex = key_hex(&[1; 32]);
    type Make = fn(&Path);
    let foreign: [(&str, Make); 6] = [
        ("notes.txt", |p| fs::write(p, b"mine").unwrap()),
        // A valid version name, but no release of ours names a namespace so.
        ("userdir", |p| fs::create_dir(p).unwrap()),
        ("2025/13", |p| fs::create_dir_all(p).unwrap()),
        ("2020/02/30", |p| fs::create_dir_all(p).unwrap()),
        ("2020/notes.txt", |p| fs::write(p, b"mine").unwrap()),
        ("0.1.0-f1/2025/07/01/sub", |p| fs::create_dir(p).unwrap()),
    ];
    let entry_named_folder = format!("0.1.0-f1/{hex}.bin");
    let mut cases: Vec<(String, Make)> = foreign
        .iter()
        .map(|(name, make)| ((*name).to_owned(), *make))
        .collect();
    cases.push((entry_named_folder, |p| fs::create_dir(p).unwrap()));
    #[cfg(unix)]
    {
        cases.push((format!("2024/12/31/{hex}.bin"), |p| {
            std::os::unix::fs::symlink("../outside.txt", p).unwrap()
        }));
        cases.push((format!("{hex}.bin.gz"), mkfifo));
    }
    for (name, make) in cases {
        let dir = tempfile::tempdir().unwrap();
        let root = root_in(&dir);
        fs::create_dir(&root).unwrap();
        our_layout(&root);
        fs::write(root.join(CACHEDIR_TAG), b"").unwrap();
        let path = root.join(&name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        make(&path);

        let before = snapshot(&root);
        let example = match promptly({
            let root = root.clone();
            move || inspect_root(&root).unwrap()
        }) {
            RootState::Foreign { example } => example,
            other => panic!("{name}: expected Foreign, got {other:?}"),
        };
        assert!(path.starts_with(&example), "{name}: example {example:?}");
        let err = promptly({
            let root = root.clone();
            move || init_root(&root).unwrap_err()
        });
        assert_refused(err, &root, &example);
        assert_eq!(snapshot(&root), before, "{name}: init_root wrote something");
    }
}

#[test]
fn other_tags_and_untagged_folders_are_foreign() {
    let dir = tempfile::tempdir().unwrap();
    let root = root_in(&dir);
    fs::create_dir(&root).unwrap();
    // Another tool's tag.
    let other = format!("{CACHEDIR_TAG_SIGNATURE}\n# created by another tool\n");
    fs::write(root.join(CACHEDIR_TAG), &other).unwrap();
    assert_eq!(
        inspect_root(&root).unwrap(),
        RootState::Foreign {
            example: root.join(CACHEDIR_TAG)
        }
    );
    let err = init_root(&root).unwrap_err();
    assert_refused(err, &root, &root.join(CACHEDIR_TAG));
    assert_eq!(fs::read_to_string(root.join(CACHEDIR_TAG)).unwrap(), other);
    assert!(!root.join(GITIGNORE).exists());

    // No tag, only a layout that looks like ours: nothing vouches for it.
    fs::remove_file(root.join(CACHEDIR_TAG)).unwrap();
    our_layout(&root);
    let before = snapshot(&root);
    assert!(matches!(
        inspect_root(&root).unwrap(),
        RootState::Foreign { .. }
    ));
    assert!(init_root(&root).is_err());
    assert_eq!(snapshot(&root), before);

    // No tag, a stranger's file among them: that file is the example.
    fs::write(root.join("thesis.tex"), b"years of work").unwrap();
    assert_eq!(
        inspect_root(&root).unwrap(),
        RootState::Foreign {
            example: root.join("thesis.tex")
        }
    );
}

#[test]
fn a_file_at_the_root_is_not_a_folder() {
    let dir = tempfile::tempdir().unwrap();
    let root = root_in(&dir);
    fs::write(&root, b"not a folder").unwrap();
    assert_eq!(inspect_root(&root).unwrap(), RootState::NotAFolder);
    assert_eq!(
        inspect_root(&root.join("below")).unwrap(),
        RootState::NotAFolder
    );
    let err = init_root(&root).unwrap_err();
    assert!(err.to_string().contains("is not a folder"), "{err}");
    assert_eq!(fs::read(&root).unwrap(), b"not a folder");
}

#[cfg(unix)]
#[test]
fn special_files_at_the_tag_never_block_and_are_foreign() {
    let dir = tempfile::tempdir().unwrap();
    let root = root_in(&dir);
    fs::create_dir(&root).unwrap();
    mkfifo(&root.join(CACHEDIR_TAG));
    let state = promptly({
        let root = root.clone();
        move || (inspect_root(&root).unwrap(), is_our_cache(&root))
    });
    assert_eq!(
        state,
        (
            RootState::Foreign {
                example: root.join(CACHEDIR_TAG)
            },
            false
        )
    );
    assert!(
        promptly({
            let root = root.clone();
            move || init_root(&root).is_err()
        }),
        "a FIFO tag is refused"
    );

    // A link to a valid tag elsewhere is not our tag either.
    fs::remove_file(root.join(CACHEDIR_TAG)).unwrap();
    let real = dir.path().join("real-tag");
    fs::write(&real, CACHEDIR_TAG_CONTENT).unwrap();
    std::os::unix::fs::symlink(&real, root.join(CACHEDIR_TAG)).unwrap();
    assert!(!is_our_cache(&root));
    assert!(matches!(
        inspect_root(&root).unwrap(),
        RootState::Foreign { .. }
    ));
}

#[test]
fn the_store_writes_nothing_into_a_foreign_folder() {
    let dir = tempfile::tempdir().unwrap();
    let root = root_in(&dir);
    fs::create_dir(&root).unwrap();
    fs::write(root.join("thesis.tex"), b"years of work").unwrap();
    let layout = Layout::new(
        &root,
        LayoutOptions {
            version: Some("0.1.0-f1".into()),
            date_subfolders: true,
            gzip: false,
        },
    );
    let store = FsStore::new(layout);
    let location = Location {
        key: Key::from_bytes([3; 32]),
        date: chrono::NaiveDate::from_ymd_opt(2025, 7, 1),
    };
    let before = snapshot(&root);
    assert!(matches!(
        store.put(&location, b"entry"),
        Err(StoreError::Root { .. })
    ));
    assert_eq!(snapshot(&root), before);

    // Once the folder is emptied, the same store moves in.
    fs::remove_file(root.join("thesis.tex")).unwrap();
    store.put(&location, b"entry").unwrap();
    assert!(is_our_cache(&root));
}

#[test]
fn concurrent_creators_of_one_root_all_succeed() {
    // A creator may see the folder another one just made, before or while its tag appears; that
    // must never look like a stranger's folder.
    for round in 0..100 {
        let dir = tempfile::tempdir().unwrap();
        let root = root_in(&dir);
        let results: Vec<Result<(), String>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..6)
                .map(|_| scope.spawn(|| init_root(&root).map_err(|e| e.to_string())))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        for result in results {
            assert_eq!(result, Ok(()), "round {round}");
        }
        assert!(is_our_cache(&root));
    }
}
