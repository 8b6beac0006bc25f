//! Eviction behaviour on real folder trees, with an injected clock (no sleeps).

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use cache_evict::{
    EvictError, EvictOptions, EvictReport, auto_cleanup, clear_cache, clear_old_versions,
    evict_all_caches, evict_old_caches, gc_due, read_gc_marker, stats,
};
use cache_layout::{
    CACHEDIR_TAG, CACHEDIR_TAG_CONTENT, CACHEDIR_TAG_SIGNATURE, GC_MARKER, GITIGNORE,
    GITIGNORE_CONTENT, LAST_SCAN, Layout, LayoutOptions, README,
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

fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap()
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn opts(version: Option<&str>, date_subfolders: bool, gzip: bool) -> LayoutOptions {
    LayoutOptions {
        version: version.map(str::to_owned),
        date_subfolders,
        gzip,
    }
}

/// A tagged cache root `cache/` inside a temp folder (so siblings can be checked).
fn tagged_cache(options: LayoutOptions) -> (tempfile::TempDir, Layout) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("cache");
    fs::create_dir_all(&root).unwrap();
    fs::write(root.join(CACHEDIR_TAG), CACHEDIR_TAG_CONTENT).unwrap();
    fs::write(root.join(GITIGNORE), GITIGNORE_CONTENT).unwrap();
    let layout = Layout::new(root, options);
    (dir, layout)
}

fn set_mtime(path: &Path, when: DateTime<Utc>) {
    let t = FileTime::from_unix_time(when.timestamp(), 0);
    filetime::set_symlink_file_times(path, t, t).unwrap();
}

/// Writes a 5-byte entry at the layout's place for `date`, modified at `mtime`.
fn put(layout: &Layout, seed: u8, date: NaiveDate, mtime: DateTime<Utc>) -> PathBuf {
    let path = layout.path_for(&[seed; 32], date);
    write_file(&path, b"entry", mtime);
    path
}

fn write_file(path: &Path, bytes: &[u8], mtime: DateTime<Utc>) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, bytes).unwrap();
    set_mtime(path, mtime);
}

fn with_version(layout: &Layout, version: &str) -> Layout {
    Layout::new(
        layout.root(),
        LayoutOptions {
            version: Some(version.to_owned()),
            ..layout.options().clone()
        },
    )
}

/// Every path below `dir` (links not followed), relative to it.
fn tree(dir: &Path) -> BTreeSet<PathBuf> {
    let mut out = BTreeSet::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap() {
            let entry = entry.unwrap();
            let path = entry.path();
            out.insert(path.strip_prefix(dir).unwrap().to_owned());
            if entry.file_type().unwrap().is_dir() {
                stack.push(path);
            }
        }
    }
    out
}

fn run_opts() -> EvictOptions {
    EvictOptions::new(now())
}

fn assert_clean(report: &EvictReport) {
    assert!(report.errors.is_empty(), "errors: {:?}", report.errors);
}

#[test]
fn ttl_removes_stale_folders_whole_and_the_boundary_day_by_mtime() {
    let (_dir, layout) = tagged_cache(opts(Some(V), true, false));
    // Stale days: removed whatever their files' mtimes (no stat needed) — even a future one.
    let stale_a = put(&layout, 1, day(2025, 7, 1), at(2025, 7, 1, 10));
    let stale_b = put(&layout, 2, day(2025, 7, 2), at(2030, 1, 1, 0));
    // Boundary day 07-03 (cut-off 12:00): by mtime.
    let boundary_old = put(&layout, 3, day(2025, 7, 3), at(2025, 7, 3, 6));
    let boundary_new = put(&layout, 4, day(2025, 7, 3), at(2025, 7, 3, 18));
    // Fresh day: kept whatever the mtime says.
    let fresh = put(&layout, 5, day(2025, 7, 5), at(2001, 1, 1, 0));
    // A wholly stale month and a wholly stale year, each removed in one piece.
    let june = put(&layout, 6, day(2025, 6, 15), at(2025, 6, 15, 1));
    let last_year = put(&layout, 7, day(2024, 12, 31), at(2024, 12, 31, 23));

    let report = evict_old_caches(&layout, ttl(), &run_opts()).unwrap();
    assert_clean(&report);
    for gone in [&stale_a, &stale_b, &boundary_old, &june, &last_year] {
        assert!(!gone.exists(), "{gone:?} should be gone");
    }
    for kept in [&boundary_new, &fresh] {
        assert!(kept.exists(), "{kept:?} should be kept");
    }
    assert_eq!(report.entries_removed, 5);
    // Per-file removal reads the size; mass removal does not.
    assert_eq!(report.bytes_removed, 5);
    assert_eq!(report.unsized_files, 4);
    // 07/01, 07/02, 06 + 06/15, 2024 + 2024/12 + 2024/12/31.
    assert_eq!(report.folders_removed, 7);
    assert!(!layout.namespace_dir().join("2024").exists());
    assert!(!layout.namespace_dir().join("2025/06").exists());
    assert!(layout.day_dir(day(2025, 7, 3)).exists());
}

#[test]
fn measure_bytes_sizes_mass_removed_files() {
    let (_dir, layout) = tagged_cache(opts(Some(V), true, false));
    put(&layout, 1, day(2025, 7, 1), at(2025, 7, 1, 10));
    put(&layout, 2, day(2025, 5, 1), at(2025, 5, 1, 10));
    let measuring = EvictOptions {
        measure_bytes: true,
        ..run_opts()
    };
    let report = evict_old_caches(&layout, ttl(), &measuring).unwrap();
    assert_clean(&report);
    assert_eq!((report.entries_removed, report.bytes_removed), (2, 10));
    assert_eq!(report.unsized_files, 0);
}

#[test]
fn emptied_folders_go_once_wholly_past_but_current_ones_stay() {
    let (_dir, layout) = tagged_cache(opts(None, true, false));
    put(&layout, 1, day(2025, 7, 3), at(2025, 7, 3, 1));
    // Empty day folders: a past fresh one, and today's.
    fs::create_dir_all(layout.day_dir(day(2025, 7, 8))).unwrap();
    fs::create_dir_all(layout.day_dir(day(2025, 7, 10))).unwrap();
    let report = evict_old_caches(&layout, ttl(), &run_opts()).unwrap();
    assert_clean(&report);
    assert_eq!(report.entries_removed, 1);
    assert!(!layout.day_dir(day(2025, 7, 3)).exists());
    assert!(!layout.day_dir(day(2025, 7, 8)).exists());
    assert!(layout.day_dir(day(2025, 7, 10)).exists());
    assert_eq!(report.folders_removed, 2);

    // A month emptied file by file goes once it is wholly in the past.
    let (_dir, layout) = tagged_cache(opts(None, true, false));
    let now = at(2025, 8, 2, 12);
    put(&layout, 1, day(2025, 7, 26), at(2025, 7, 26, 1));
    let report = evict_old_caches(&layout, ttl(), &EvictOptions::new(now)).unwrap();
    assert_clean(&report);
    assert_eq!(report.entries_removed, 1);
    assert!(!layout.root().join("2025/07").exists());
    assert!(layout.root().join("2025").exists());
}

#[test]
fn every_layout_prunes_old_entries_and_keeps_fresh_ones() {
    for version in [None, Some(V)] {
        for dates in [false, true] {
            for gzip in [false, true] {
                let options = opts(version, dates, gzip);
                let (_dir, layout) = tagged_cache(options.clone());
                let old = put(&layout, 1, day(2025, 6, 1), at(2025, 6, 1, 12));
                let new = put(&layout, 2, day(2025, 7, 9), at(2025, 7, 9, 12));
                let report = evict_old_caches(&layout, ttl(), &run_opts()).unwrap();
                assert_clean(&report);
                assert!(!old.exists(), "{options:?}");
                assert!(new.exists(), "{options:?}");
                assert_eq!(report.entries_removed, 1, "{options:?}");
            }
        }
    }
}

#[test]
fn other_versions_and_layouts_are_pruned_too() {
    let (_dir, layout) = tagged_cache(opts(Some(V), true, false));
    let old_version = with_version(&layout, OLD_V);
    let a = put(&old_version, 1, day(2025, 6, 1), at(2025, 6, 1, 0));
    // A flat entry left in an old version folder: by mtime.
    let flat = Layout::new(layout.root(), opts(Some(OLD_V), false, false));
    let b = put(&flat, 2, day(2025, 1, 1), at(2025, 6, 1, 0));
    let c = put(&flat, 3, day(2025, 1, 1), at(2025, 7, 9, 0));
    let report = evict_old_caches(&layout, ttl(), &run_opts()).unwrap();
    assert_clean(&report);
    assert!(!a.exists() && !b.exists() && c.exists());
    assert_eq!(report.entries_removed, 2);
}

#[test]
fn stray_temp_files_older_than_an_hour_go() {
    let (_dir, layout) = tagged_cache(opts(Some(V), true, false));
    let today = layout.day_dir(day(2025, 7, 10));
    let old_temps = [
        today.join(".tmp-abc"),
        layout.root().join(".tmp-gc-1"),
        layout.namespace_dir().join(".tmp-x"),
    ];
    for t in &old_temps {
        write_file(t, b"half", now() - TimeDelta::minutes(61));
    }
    let young = today.join(".tmp-live");
    write_file(&young, b"half", now() - TimeDelta::minutes(5));
    let entry = put(&layout, 1, day(2025, 7, 10), now());

    let report = evict_old_caches(&layout, ttl(), &run_opts()).unwrap();
    assert_clean(&report);
    assert_eq!(report.temp_files_removed, 3);
    assert_eq!(report.entries_removed, 0);
    assert!(old_temps.iter().all(|t| !t.exists()));
    assert!(young.exists() && entry.exists());
}

#[test]
fn clear_old_versions_keeps_the_current_one_and_non_versions() {
    let (_dir, layout) = tagged_cache(opts(Some(V), true, false));
    let current = put(&layout, 1, day(2025, 7, 9), now());
    let old = put(&with_version(&layout, OLD_V), 2, day(2025, 7, 9), now());
    let other = put(
        &with_version(&layout, "0.0.1-f9"),
        3,
        day(2025, 7, 9),
        now(),
    );
    // Not version namespaces: un-namespaced dated entries, a file with a version-like name.
    let undated_ns = Layout::new(layout.root(), opts(None, true, false));
    let plain = put(&undated_ns, 4, day(2025, 7, 9), now());
    let notes = layout.root().join("notes.txt");
    write_file(&notes, b"mine", now());

    let report = clear_old_versions(&layout, &run_opts()).unwrap();
    assert_clean(&report);
    assert!(current.exists() && plain.exists() && notes.exists());
    assert!(!old.exists() && !other.exists());
    assert!(!layout.root().join(OLD_V).exists());
    assert_eq!(report.entries_removed, 2);
    assert_eq!(report.folders_removed, 8);

    // Without namespacing, every version folder is old.
    let report = clear_old_versions(&undated_ns, &run_opts()).unwrap();
    assert_clean(&report);
    assert!(!current.exists() && plain.exists() && notes.exists());
}

#[test]
fn evict_all_keeps_the_tag_gitignore_readme_and_everything_foreign() {
    let (_dir, layout) = tagged_cache(opts(Some(V), true, true));
    put(&layout, 1, day(2025, 7, 9), now());
    put(&with_version(&layout, OLD_V), 2, day(2020, 1, 1), now());
    write_file(&layout.root().join(README), b"readme", now());
    write_file(&layout.root().join(GC_MARKER), b"x", now());
    write_file(&layout.root().join(LAST_SCAN), b"{}", now());
    write_file(&layout.root().join("foreign.txt"), b"x", now());
    write_file(&layout.root().join(".tmp-1"), b"x", now());

    let report = clear_cache(&layout, &run_opts()).unwrap();
    assert_clean(&report);
    assert_eq!(report.entries_removed, 2);
    assert_eq!(report.temp_files_removed, 1);
    // .last-gc and last-scan.json; foreign.txt is not ours and stays.
    assert_eq!(report.other_files_removed, 2);
    assert_eq!(report.kept, [layout.root().join("foreign.txt")]);
    let left: BTreeSet<PathBuf> = [CACHEDIR_TAG, GITIGNORE, README, "foreign.txt"]
        .iter()
        .map(PathBuf::from)
        .collect();
    assert_eq!(tree(layout.root()), left);
}

/// A fixture with something for every operation to do.
fn busy_cache() -> (tempfile::TempDir, Layout) {
    let (dir, layout) = tagged_cache(opts(Some(V), true, false));
    put(&layout, 1, day(2025, 7, 1), at(2025, 7, 1, 0));
    put(&layout, 2, day(2025, 7, 3), at(2025, 7, 3, 0));
    put(&layout, 3, day(2025, 7, 3), at(2025, 7, 3, 20));
    put(&layout, 4, day(2025, 7, 9), at(2025, 7, 9, 0));
    put(
        &with_version(&layout, OLD_V),
        5,
        day(2025, 5, 5),
        at(2025, 5, 5, 0),
    );
    put(
        &with_version(&layout, OLD_V),
        6,
        day(2025, 7, 9),
        at(2025, 7, 9, 0),
    );
    write_file(
        &layout.day_dir(day(2025, 7, 9)).join(".tmp-q"),
        b"",
        at(2025, 7, 9, 0),
    );
    (dir, layout)
}

#[test]
fn dry_runs_remove_nothing_and_predict_the_real_run() {
    type Op = fn(&Layout, &EvictOptions) -> Result<EvictReport, EvictError>;
    let ops: [(&str, Op); 3] = [
        ("evict_old_caches", |l, o| evict_old_caches(l, ttl(), o)),
        ("clear_old_versions", clear_old_versions),
        ("evict_all_caches", evict_all_caches),
    ];
    for (name, op) in ops {
        let (_dir, layout) = busy_cache();
        let before = tree(layout.root());
        let dry = op(&layout, &run_opts().dry_run()).unwrap();
        assert_clean(&dry);
        assert!(dry.dry_run, "{name}");
        assert_eq!(
            tree(layout.root()),
            before,
            "{name}: dry run changed the tree"
        );
        assert!(!dry.would_remove.is_empty(), "{name}");
        assert!(dry.would_remove.iter().all(|p| p.exists()), "{name}");

        let real = op(&layout, &run_opts()).unwrap();
        assert_clean(&real);
        assert!(!real.dry_run && real.would_remove.is_empty(), "{name}");
        assert!(dry.would_remove.iter().all(|p| !p.exists()), "{name}");
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
        assert!(real.files_removed() > 0, "{name}");
    }
}

#[test]
fn an_untagged_root_is_refused_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let precious = home.join("2020/01/01/thesis.tex");
    write_file(&precious, b"years of work", at(2020, 1, 1, 0));
    let flat_like = home.join(format!("{}.bin", "ab".repeat(32)));
    write_file(&flat_like, b"data", at(2020, 1, 1, 0));
    let layout = Layout::new(&home, opts(None, true, false));

    let refuse = |layout: &Layout| {
        let results = [
            evict_old_caches(layout, ttl(), &run_opts()),
            clear_old_versions(layout, &run_opts()),
            evict_all_caches(layout, &run_opts()),
        ];
        for result in results {
            assert!(matches!(result, Err(EvictError::NotACache { .. })));
        }
        assert!(auto_cleanup(layout, 7, true, now()).is_none());
    };
    refuse(&layout);
    // Another tool's cache tag is not ours either, nor is a link to our tag.
    fs::write(
        home.join(CACHEDIR_TAG),
        format!("{CACHEDIR_TAG_SIGNATURE}\n# other tool\n"),
    )
    .unwrap();
    refuse(&layout);
    #[cfg(unix)]
    {
        let real_tag = dir.path().join("real-tag");
        fs::write(&real_tag, CACHEDIR_TAG_CONTENT).unwrap();
        fs::remove_file(home.join(CACHEDIR_TAG)).unwrap();
        std::os::unix::fs::symlink(&real_tag, home.join(CACHEDIR_TAG)).unwrap();
        refuse(&layout);
    }
    assert!(precious.exists() && flat_like.exists());
    assert!(!home.join(GC_MARKER).exists());

    let forced = EvictOptions {
        force: true,
        ..run_opts()
    };
    // Forcing works on the folder, but still removes only what is ours: the entry-named file
    // goes, the thesis in a date-like folder stays.
    let report = evict_old_caches(&layout, ttl(), &forced).unwrap();
    assert_clean(&report);
    assert!(precious.exists() && !flat_like.exists());
    assert!(report.kept.contains(&precious), "{:?}", report.kept);
}

#[test]
fn a_missing_root_is_an_empty_report() {
    let dir = tempfile::tempdir().unwrap();
    let layout = Layout::new(dir.path().join("nope"), opts(Some(V), true, false));
    let report = evict_all_caches(&layout, &run_opts()).unwrap();
    assert_eq!(report, EvictReport::default());
    assert!(auto_cleanup(&layout, 7, true, now()).is_none());
    assert!(!layout.root().exists());
    assert_eq!(stats(&layout).entries.files, 0);
}

#[test]
fn io_errors_are_reported_not_fatal() {
    // A root that is a file cannot be listed: the error is reported, the call succeeds.
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("cache");
    fs::write(&root, b"not a folder").unwrap();
    let layout = Layout::new(&root, opts(None, false, false));
    let forced = EvictOptions {
        force: true,
        ..run_opts()
    };
    let report = evict_old_caches(&layout, ttl(), &forced).unwrap();
    assert_eq!(report.errors.len(), 1);
    assert_eq!(report.errors[0].0, root);
    assert!(root.is_file());
}

#[cfg(unix)]
#[test]
fn permission_errors_are_reported_and_skipped() {
    use std::os::unix::fs::PermissionsExt;
    let (_dir, layout) = tagged_cache(opts(None, true, false));
    let locked_day = layout.day_dir(day(2025, 7, 1));
    let locked = put(&layout, 1, day(2025, 7, 1), at(2025, 7, 1, 0));
    let other = put(&layout, 2, day(2025, 7, 2), at(2025, 7, 2, 0));
    let flat_old = layout
        .root()
        .join(format!("{}.bin", cache_layout::key_hex(&[3; 32])));
    write_file(&flat_old, b"x", at(2025, 1, 1, 0));
    fs::set_permissions(&locked_day, fs::Permissions::from_mode(0o555)).unwrap();
    // Privileged users ignore permissions: then there is nothing to test.
    let probe = locked_day.join("probe");
    if fs::write(&probe, b"").is_ok() {
        fs::set_permissions(&locked_day, fs::Permissions::from_mode(0o755)).unwrap();
        println!("skipped: running with privileges that ignore file permissions");
        return;
    }
    let report = evict_old_caches(&layout, ttl(), &run_opts()).unwrap();
    fs::set_permissions(&locked_day, fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(report.errors.len(), 1, "{:?}", report.errors);
    assert!(
        report.errors[0]
            .0
            .starts_with(layout.root().join("2025/07"))
    );
    assert!(locked.exists());
    assert!(!other.exists() && !flat_old.exists());
    assert_eq!(report.entries_removed, 2);
}

#[cfg(unix)]
#[test]
fn symlinks_are_never_followed_nor_removed() {
    use std::os::unix::fs::symlink;
    let (dir, layout) = tagged_cache(opts(Some(V), true, false));
    let user = dir.path().join("user");
    let user_file = user.join("precious.txt");
    let user_deep = user.join("2025/07/01/keep.bin");
    write_file(&user_file, b"mine", at(2020, 1, 1, 0));
    write_file(&user_deep, b"mine", at(2020, 1, 1, 0));
    let hex = cache_layout::key_hex(&[9; 32]);

    // A link to the user's folder inside a stale day folder.
    let stale_entry = put(&layout, 1, day(2025, 7, 1), at(2025, 7, 1, 0));
    let in_stale_day = layout.day_dir(day(2025, 7, 1)).join("link");
    symlink(&user, &in_stale_day).unwrap();
    // A link where a day folder would be, in a month that is not wholly stale.
    let as_day = layout.namespace_dir().join("2025/07/02");
    symlink(&user, &as_day).unwrap();
    // A link named like an entry, to the user's file, old enough to expire, in the boundary day.
    put(&layout, 2, day(2025, 7, 3), at(2025, 7, 3, 20));
    let entry_link = layout.day_dir(day(2025, 7, 3)).join(format!("{hex}.bin"));
    symlink(&user_file, &entry_link).unwrap();
    set_mtime(&entry_link, at(2025, 7, 3, 1));
    // A link named like a version, and one like an old version's year folder.
    let as_version = layout.root().join(OLD_V);
    symlink(&user, &as_version).unwrap();
    let as_year = layout.root().join("0.0.1-f1/2024");
    fs::create_dir_all(as_year.parent().unwrap()).unwrap();
    symlink(&user, &as_year).unwrap();
    let links = [&in_stale_day, &as_day, &entry_link, &as_version, &as_year];
    let is_link = |p: &Path| fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_symlink());

    let report = evict_old_caches(&layout, ttl(), &run_opts()).unwrap();
    assert_clean(&report);
    assert!(!stale_entry.exists(), "the entry beside the link went");
    let kept: BTreeSet<&PathBuf> = report.kept.iter().collect();
    assert_eq!(kept, links.into_iter().collect(), "{:?}", report.kept);

    let report = clear_old_versions(&layout, &run_opts()).unwrap();
    assert_clean(&report);
    // The link named like an old namespace, and the one inside a real old namespace, which
    // therefore stays.
    let kept: BTreeSet<&PathBuf> = report.kept.iter().collect();
    assert_eq!(kept, [&as_version, &as_year].into_iter().collect());
    assert!(as_year.parent().unwrap().is_dir());

    let report = evict_all_caches(&layout, &run_opts()).unwrap();
    assert_clean(&report);
    let kept: BTreeSet<&PathBuf> = report.kept.iter().collect();
    assert_eq!(kept, links.into_iter().collect(), "{:?}", report.kept);

    for link in links {
        assert!(is_link(link), "{link:?} is still a link");
    }
    assert_eq!(fs::read(&user_file).unwrap(), b"mine");
    assert!(user_deep.exists());
    assert_eq!(tree(&user).len(), 5);
}

#[test]
fn nothing_outside_the_root_is_removed() {
    let (dir, layout) = tagged_cache(opts(None, true, false));
    // Siblings and the parent look like a stale cache, but are outside the root.
    let sibling = Layout::new(dir.path().join("cache-old"), opts(None, true, false));
    let outside = put(&sibling, 1, day(2020, 1, 1), at(2020, 1, 1, 0));
    let parent_entry = dir
        .path()
        .join(format!("{}.bin", cache_layout::key_hex(&[2; 32])));
    write_file(&parent_entry, b"x", at(2020, 1, 1, 0));
    write_file(&dir.path().join(".tmp-x"), b"x", at(2020, 1, 1, 0));
    put(&layout, 3, day(2020, 1, 1), at(2020, 1, 1, 0));
    let before: BTreeSet<PathBuf> = tree(dir.path())
        .into_iter()
        .filter(|p| !p.starts_with("cache"))
        .collect();

    for report in [
        evict_old_caches(&layout, TimeDelta::zero(), &run_opts()).unwrap(),
        clear_old_versions(&layout, &run_opts()).unwrap(),
        evict_all_caches(&layout, &run_opts()).unwrap(),
    ] {
        assert_clean(&report);
    }
    let after: BTreeSet<PathBuf> = tree(dir.path())
        .into_iter()
        .filter(|p| !p.starts_with("cache"))
        .collect();
    assert_eq!(before, after);
    assert!(outside.exists() && parent_entry.exists() && layout.root().is_dir());
}

#[test]
fn concurrent_evictions_never_fail() {
    let (_dir, layout) = tagged_cache(opts(Some(V), true, false));
    for i in 0..600u32 {
        let d = day(2025, 6, 1 + i % 30);
        let mut key = [0u8; 32];
        key[..4].copy_from_slice(&i.to_le_bytes());
        let path = layout.path_for(&key, d);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, b"").unwrap();
    }
    let reports: Vec<EvictReport> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..2)
            .map(|_| s.spawn(|| evict_all_caches(&layout, &run_opts()).unwrap()))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for report in &reports {
        assert_clean(report);
    }
    let left: BTreeSet<PathBuf> = [CACHEDIR_TAG, GITIGNORE]
        .iter()
        .map(PathBuf::from)
        .collect();
    assert_eq!(tree(layout.root()), left);
}

#[test]
fn auto_cleanup_runs_at_most_once_a_utc_day() {
    let (_dir, layout) = tagged_cache(opts(Some(V), true, false));
    let morning = at(2025, 7, 10, 0);
    assert!(gc_due(&layout, morning));
    put(&layout, 1, day(2025, 7, 1), at(2025, 7, 1, 0));
    let report = auto_cleanup(&layout, 7, false, morning).unwrap();
    assert_clean(&report);
    assert_eq!(report.entries_removed, 1);
    assert_eq!(read_gc_marker(&layout), Some(morning));
    assert!(!gc_due(&layout, at(2025, 7, 10, 23)));

    // Later the same day: nothing happens, even with work to do.
    let stale = put(&layout, 2, day(2025, 7, 2), at(2025, 7, 2, 0));
    assert!(auto_cleanup(&layout, 7, false, at(2025, 7, 10, 23)).is_none());
    assert!(stale.exists());
    // The next day it runs again.
    let report = auto_cleanup(&layout, 7, false, at(2025, 7, 11, 0)).unwrap();
    assert_eq!(report.entries_removed, 1);
    assert!(!stale.exists());
    // A marker from the future (the clock was set back) does not block it forever.
    assert!(auto_cleanup(&layout, 7, false, at(2025, 7, 5, 0)).is_some());
    // An unreadable marker counts as due.
    fs::write(layout.gc_marker_path(), b"garbage").unwrap();
    assert!(gc_due(&layout, at(2025, 7, 5, 0)));
}

#[test]
fn auto_cleanup_honours_ttl_days_and_clean_old_versions() {
    let (_dir, layout) = tagged_cache(opts(Some(V), true, false));
    let old_version = with_version(&layout, OLD_V);
    let ten_days = put(&layout, 1, day(2025, 6, 30), at(2025, 6, 30, 0));
    let yesterday = put(&layout, 2, day(2025, 7, 9), at(2025, 7, 9, 0));
    let other = put(&old_version, 3, day(2025, 7, 9), at(2025, 7, 9, 0));

    let report = auto_cleanup(&layout, 30, false, now()).unwrap();
    assert_eq!(report.files_removed(), 0);
    assert!(ten_days.exists() && other.exists());

    let report = auto_cleanup(&layout, 5, false, now() + TimeDelta::days(1)).unwrap();
    assert_eq!(report.entries_removed, 1);
    assert!(!ten_days.exists() && yesterday.exists() && other.exists());

    let report = auto_cleanup(&layout, 5, true, now() + TimeDelta::days(2)).unwrap();
    assert_clean(&report);
    assert_eq!(report.entries_removed, 1);
    assert!(!other.exists() && yesterday.exists());

    // ttl_days = 0: nothing expires by age, stale temp files still go.
    let temp = layout.root().join(".tmp-old");
    write_file(&temp, b"", now());
    let report = auto_cleanup(&layout, 0, false, now() + TimeDelta::days(3)).unwrap();
    assert_eq!((report.entries_removed, report.temp_files_removed), (0, 1));
    assert!(yesterday.exists());
}

#[test]
fn stats_count_entries_per_version_and_day() {
    let (_dir, layout) = tagged_cache(opts(Some(V), true, true));
    put(&layout, 1, day(2025, 7, 9), now());
    put(&layout, 2, day(2025, 7, 9), now());
    put(&layout, 3, day(2025, 7, 10), now());
    put(&with_version(&layout, OLD_V), 4, day(2025, 1, 2), now());
    let flat = Layout::new(layout.root(), opts(None, false, false));
    put(&flat, 5, day(2025, 1, 1), now());
    write_file(&layout.root().join(".tmp-1"), b"123", now());
    write_file(&layout.root().join("junk"), b"1234", now());
    #[cfg(unix)]
    std::os::unix::fs::symlink(
        layout.path_for(&[1; 32], day(2025, 7, 9)),
        layout
            .day_dir(day(2025, 7, 9))
            .join(format!("{}.bin", "cd".repeat(32))),
    )
    .unwrap();

    let s = stats(&layout);
    assert!(s.tagged && s.errors.is_empty());
    assert_eq!((s.entries.files, s.entries.bytes), (5, 25));
    let current = s.current().unwrap();
    assert_eq!(current.total.files, 3);
    assert_eq!(current.days[&day(2025, 7, 9)].files, 2);
    assert_eq!(current.days[&day(2025, 7, 10)].bytes, 5);
    assert_eq!(s.versions[&Some(OLD_V.to_owned())].total.files, 1);
    assert_eq!(s.versions[&None].undated.files, 1);
    assert_eq!(s.day_range(), Some((day(2025, 1, 2), day(2025, 7, 10))));
    assert_eq!(s.temp_files.files, 1);
    assert_eq!(s.markers.files, 2);
    let links = if cfg!(unix) { 1 } else { 0 };
    assert_eq!(s.foreign.files, 1 + links);
}
