//! The ownership rule on real folder trees: every eviction removes only what is ours, keeps and
//! reports everything else, never blocks on a special file, and repairs a truncated tag.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use cache_evict::{
    EvictError, EvictOptions, EvictReport, auto_cleanup, clear_old_versions, evict_all_caches,
    evict_old_caches, gc_due, is_our_cache, read_gc_marker, stats,
};
use cache_layout::{
    CACHEDIR_TAG, CACHEDIR_TAG_CONTENT, GC_MARKER, GITIGNORE, GITIGNORE_CONTENT, LAST_SCAN, Layout,
    LayoutOptions, key_hex,
};
use chrono::{DateTime, NaiveDate, TimeDelta, TimeZone, Utc};
use filetime::FileTime;

const V: &str = "0.2.0-f1";
const OLD_V: &str = "0.1.0-f1";

/// "Now" in every test: 2025-07-10 12:00 UTC. With a 7-day TTL the cut-off is 07-03 12:00.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 7, 10, 12, 0, 0).unwrap()
}

fn ttl() -> TimeDelta {
    TimeDelta::days(7)
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn options(version: Option<&str>) -> LayoutOptions {
    LayoutOptions {
        version: version.map(str::to_owned),
        date_subfolders: true,
        gzip: false,
    }
}

fn cache_with_tag(tag: &str) -> (tempfile::TempDir, Layout) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("cache");
    fs::create_dir_all(&root).unwrap();
    fs::write(root.join(CACHEDIR_TAG), tag).unwrap();
    fs::write(root.join(GITIGNORE), GITIGNORE_CONTENT).unwrap();
    (dir, Layout::new(root, options(Some(V))))
}

fn tagged_cache() -> (tempfile::TempDir, Layout) {
    cache_with_tag(CACHEDIR_TAG_CONTENT)
}

fn write_old(path: &Path, bytes: &[u8]) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, bytes).unwrap();
    let t = FileTime::from_unix_time(
        Utc.with_ymd_and_hms(2020, 1, 1, 0, 0, 0)
            .unwrap()
            .timestamp(),
        0,
    );
    filetime::set_file_times(path, t, t).unwrap();
}

/// Writes an entry for `date` under `version` (`None`: no namespace), modified long ago.
fn put(layout: &Layout, version: Option<&str>, seed: u8, date: NaiveDate) -> PathBuf {
    let path = Layout::new(layout.root(), options(version)).path_for(&[seed; 32], date);
    write_old(&path, b"entry");
    path
}

#[cfg(unix)]
fn mkfifo(path: &Path) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success(), "mkfifo {path:?}");
}

/// Runs `f` in a thread and fails the test if it does not return within a few seconds: a read
/// that blocks on a FIFO would otherwise hang the test run.
fn promptly<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (send, receive) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = send.send(f());
    });
    receive
        .recv_timeout(Duration::from_secs(10))
        .expect("blocked: the call did not return within 10 s")
}

/// Every path below `dir`, links and special files included and never followed.
fn tree(dir: &Path) -> BTreeSet<PathBuf> {
    let mut out = BTreeSet::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap() {
            let entry = entry.unwrap();
            let path = entry.path();
            if entry.file_type().unwrap().is_dir() {
                stack.push(path.clone());
            }
            out.insert(path);
        }
    }
    out
}

fn exists(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok()
}

fn assert_clean(report: &EvictReport) {
    assert!(report.errors.is_empty(), "errors: {:?}", report.errors);
}

type Op = fn(&Layout, &EvictOptions) -> Result<EvictReport, EvictError>;

fn operations() -> [(&'static str, Op); 3] {
    [
        ("prune", |l, o| evict_old_caches(l, ttl(), o)),
        ("clean-old-versions", clear_old_versions),
        ("clear", evict_all_caches),
    ]
}

/// Things that look like ours but are not, placed beside stale entries of ours under `base`
/// (the root or an old namespace). Returns the top-most foreign paths and our stale entries.
fn plant_lookalikes(layout: &Layout, version: Option<&str>) -> (Vec<PathBuf>, Vec<PathBuf>) {
    let base = match version {
        Some(v) => layout.root().join(v),
        None => layout.root().to_owned(),
    };
    let hex = key_hex(&[0xee; 32]);
    let stale_day = base.join("2020/01/01");
    let mut foreign = vec![
        // Folders that only look like dates, and a file in a year folder.
        base.join("2025/13"),
        base.join("2020/02/30"),
        base.join("2020/notes.txt"),
        // A folder named like an entry, in a stale day.
        stale_day.join(format!("{hex}.bin")),
    ];
    write_old(&base.join("2025/13/40/x"), b"mine");
    write_old(&base.join("2020/02/30/x"), b"mine");
    write_old(&base.join("2020/notes.txt"), b"mine");
    write_old(&stale_day.join(format!("{hex}.bin/inside")), b"mine");
    #[cfg(unix)]
    {
        let target = layout.root().parent().unwrap().join("outside.txt");
        write_old(&target, b"outside");
        let link = stale_day.join(format!("{}.bin", key_hex(&[0xdd; 32])));
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let fifo = stale_day.join(format!("{}.bin.gz", key_hex(&[0xcc; 32])));
        mkfifo(&fifo);
        foreign.extend([link, fifo]);
    }
    let ours = vec![
        put(layout, version, 1, day(2020, 1, 1)),
        put(layout, version, 2, day(2020, 2, 28)),
        put(layout, version, 3, day(2025, 1, 5)),
    ];
    (foreign, ours)
}

#[test]
fn a_user_folder_with_a_version_like_name_survives_clean_old_versions() {
    let (_dir, layout) = tagged_cache();
    let userdir = layout.root().join("userdir");
    write_old(&userdir.join("work.txt"), b"mine");
    write_old(&userdir.join("2020/01/01/x.bin"), b"mine");
    let old = put(&layout, Some(OLD_V), 1, day(2025, 7, 9));
    let current = put(&layout, Some(V), 2, day(2025, 7, 9));

    let report = clear_old_versions(&layout, &EvictOptions::new(now())).unwrap();
    assert_clean(&report);
    assert!(!old.exists() && !layout.root().join(OLD_V).exists());
    assert!(current.exists());
    assert!(userdir.join("work.txt").exists() && userdir.join("2020/01/01/x.bin").exists());
    assert_eq!(report.kept, std::slice::from_ref(&userdir));

    // The automatic cleanup (prune, then old versions) keeps it too, and lists it once.
    let old = put(&layout, Some(OLD_V), 1, day(2025, 7, 9));
    let report = auto_cleanup(&layout, 7, true, now()).unwrap();
    assert_clean(&report);
    assert!(!old.exists());
    assert!(userdir.join("work.txt").exists());
    assert_eq!(report.kept, [userdir]);
}

#[test]
fn lookalikes_survive_every_eviction_and_are_reported() {
    for (name, op) in operations() {
        let (_dir, layout) = tagged_cache();
        let (mut foreign, mut ours) = plant_lookalikes(&layout, None);
        let (old_foreign, old_ours) = plant_lookalikes(&layout, Some(OLD_V));
        // clean-old-versions looks only into old namespaces; the others everywhere.
        if name == "clean-old-versions" {
            foreign = old_foreign;
            ours = old_ours;
        } else {
            foreign.extend(old_foreign);
            ours.extend(old_ours);
        }
        let run = |dry: bool| {
            let opts = EvictOptions::new(now());
            let opts = if dry { opts.dry_run() } else { opts };
            let layout = layout.clone();
            promptly(move || op(&layout, &opts).unwrap())
        };
        for dry in [true, false] {
            let report = run(dry);
            assert_clean(&report);
            let kept: BTreeSet<&PathBuf> = report.kept.iter().collect();
            let want: BTreeSet<&PathBuf> = foreign.iter().collect();
            assert_eq!(kept, want, "{name} (dry run: {dry})");
            for path in &foreign {
                assert!(exists(path), "{name}: {path:?} was removed");
                assert!(
                    !report.would_remove.iter().any(|r| path.starts_with(r)),
                    "{name}: {path:?}"
                );
            }
            for path in &ours {
                assert_eq!(exists(path), dry, "{name} (dry run: {dry}): {path:?}");
            }
        }
        assert_eq!(
            fs::read(layout.root().parent().unwrap().join("outside.txt")).ok(),
            cfg!(unix).then(|| b"outside".to_vec())
        );
    }
}

#[test]
fn a_dry_run_lists_exactly_what_the_real_run_removes() {
    for (name, op) in operations() {
        let (_dir, layout) = tagged_cache();
        plant_lookalikes(&layout, None);
        plant_lookalikes(&layout, Some(OLD_V));
        put(&layout, Some(V), 4, day(2025, 7, 9));
        put(&layout, Some(V), 5, day(2025, 7, 1));
        write_old(&layout.root().join(V).join(".tmp-1"), b"half");
        write_old(&layout.root().join(GC_MARKER), b"garbage");
        write_old(&layout.root().join(LAST_SCAN), b"{}");

        let before = tree(layout.root());
        let dry = promptly({
            let layout = layout.clone();
            move || op(&layout, &EvictOptions::new(now()).dry_run()).unwrap()
        });
        assert_eq!(
            tree(layout.root()),
            before,
            "{name}: the dry run changed the tree"
        );
        let real = promptly({
            let layout = layout.clone();
            move || op(&layout, &EvictOptions::new(now())).unwrap()
        });
        assert_clean(&dry);
        assert_clean(&real);
        let removed: BTreeSet<PathBuf> = before.difference(&tree(layout.root())).cloned().collect();
        let listed: BTreeSet<PathBuf> = dry.would_remove.iter().cloned().collect();
        assert_eq!(listed.len(), dry.would_remove.len(), "{name}: listed twice");
        assert_eq!(listed, removed, "{name}");
        assert!(!removed.is_empty(), "{name}");
        let sorted = |r: &EvictReport| r.kept.iter().cloned().collect::<BTreeSet<_>>();
        assert_eq!(sorted(&dry), sorted(&real), "{name}");
        let counts = |r: &EvictReport| {
            (
                r.entries_removed,
                r.bytes_removed,
                r.unsized_files,
                r.folders_removed,
                r.temp_files_removed,
                r.other_files_removed,
            )
        };
        assert_eq!(counts(&dry), counts(&real), "{name}");
        assert_eq!(
            real.files_removed() + real.folders_removed,
            removed.len() as u64,
            "{name}: every removed path is counted once"
        );
    }
}

#[test]
fn an_empty_or_truncated_tag_is_repaired_and_the_cache_cleaned() {
    let inside_the_name = CACHEDIR_TAG_CONTENT.find("codetags").unwrap() + 4;
    for tag in ["", &CACHEDIR_TAG_CONTENT[..inside_the_name]] {
        let (_dir, layout) = cache_with_tag(tag);
        let stale = put(&layout, Some(V), 1, day(2025, 6, 1));
        assert!(!is_our_cache(layout.root()));

        // A dry run treats it as ours, and writes nothing, not even the tag.
        let dry = evict_old_caches(&layout, ttl(), &EvictOptions::new(now()).dry_run()).unwrap();
        assert_eq!(dry.entries_removed, 1, "{tag:?}");
        assert_eq!(
            fs::read_to_string(layout.root().join(CACHEDIR_TAG)).unwrap(),
            tag
        );

        let report = evict_old_caches(&layout, ttl(), &EvictOptions::new(now())).unwrap();
        assert_clean(&report);
        assert_eq!(report.entries_removed, 1, "{tag:?}");
        assert!(!stale.exists());
        assert!(is_our_cache(layout.root()), "{tag:?}: tag rewritten");
    }

    // The automatic cleanup repairs it too (it would otherwise never run again).
    let (_dir, layout) = cache_with_tag("");
    let stale = put(&layout, Some(V), 1, day(2025, 6, 1));
    let report = auto_cleanup(&layout, 7, true, now()).expect("the cleanup ran");
    assert_clean(&report);
    assert!(!stale.exists() && is_our_cache(layout.root()));
}

#[test]
fn a_truncated_tag_beside_a_foreign_file_is_refused() {
    for tag in ["", "Signature: 8a47"] {
        let (_dir, layout) = cache_with_tag(tag);
        put(&layout, Some(V), 1, day(2025, 6, 1));
        write_old(&layout.root().join("thesis.tex"), b"years of work");
        let before = tree(layout.root());
        for (name, op) in operations() {
            let result = op(&layout, &EvictOptions::new(now()));
            match result {
                Err(EvictError::NotACache { root }) => assert_eq!(root, layout.root(), "{name}"),
                other => panic!("{name} with tag {tag:?}: expected NotACache, got {other:?}"),
            }
        }
        assert!(auto_cleanup(&layout, 7, true, now()).is_none());
        assert_eq!(tree(layout.root()), before);
        assert_eq!(
            fs::read_to_string(layout.root().join(CACHEDIR_TAG)).unwrap(),
            tag
        );
    }
}

#[cfg(unix)]
#[test]
fn a_fifo_or_folder_at_the_gc_marker_is_due_never_blocks_and_is_never_replaced() {
    for obstruction in ["fifo", "folder"] {
        let (_dir, layout) = tagged_cache();
        let marker = layout.gc_marker_path();
        match obstruction {
            "fifo" => mkfifo(&marker),
            _ => fs::create_dir(&marker).unwrap(),
        }
        let stale = put(&layout, Some(V), 1, day(2025, 6, 1));
        let (due, last, report) = promptly({
            let layout = layout.clone();
            move || {
                (
                    gc_due(&layout, now()),
                    read_gc_marker(&layout),
                    auto_cleanup(&layout, 7, true, now()),
                )
            }
        });
        assert!(due && last.is_none(), "{obstruction}");
        let report = report.expect("a due cleanup reports why it did nothing");
        assert_eq!(report.errors.len(), 1, "{obstruction}: {:?}", report.errors);
        assert_eq!(report.errors[0].0, marker);
        assert_eq!(report.files_removed(), 0);
        assert!(
            stale.exists(),
            "{obstruction}: skipped, as it could not be recorded"
        );
        let still = fs::symlink_metadata(&marker).unwrap().file_type();
        assert!(!still.is_file(), "{obstruction}: not replaced");

        // Clearing the cache keeps it too, as something foreign.
        let report = promptly({
            let layout = layout.clone();
            move || evict_all_caches(&layout, &EvictOptions::new(now())).unwrap()
        });
        assert_clean(&report);
        assert_eq!(report.kept, std::slice::from_ref(&marker), "{obstruction}");
        assert!(!stale.exists());
        assert!(exists(&marker));
    }
}

#[cfg(unix)]
#[test]
fn a_fifo_tag_is_not_ours_and_never_blocks() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("cache");
    mkfifo(&root.join(CACHEDIR_TAG));
    let layout = Layout::new(&root, options(Some(V)));
    let (refused, auto, tagged) = promptly(move || {
        let refused = operations().iter().all(|(_, op)| {
            matches!(
                op(&layout, &EvictOptions::new(now())),
                Err(EvictError::NotACache { .. })
            )
        });
        (
            refused,
            auto_cleanup(&layout, 7, true, now()).is_none(),
            stats(&layout).tagged,
        )
    });
    assert!(refused && auto && !tagged);
    assert!(!root.join(GC_MARKER).exists());
}

#[cfg(unix)]
#[test]
fn stats_count_special_files_as_foreign_without_opening_them() {
    let (_dir, layout) = tagged_cache();
    put(&layout, Some(V), 1, day(2025, 7, 9));
    let day_dir = layout.day_dir(day(2025, 7, 9));
    mkfifo(&day_dir.join(format!("{}.bin", key_hex(&[2; 32]))));
    std::os::unix::fs::symlink(
        "/dev/zero",
        day_dir.join(format!("{}.bin", key_hex(&[3; 32]))),
    )
    .unwrap();
    let s = promptly(move || stats(&layout));
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    assert_eq!(s.entries.files, 1);
    assert_eq!(s.foreign.files, 2);
}
