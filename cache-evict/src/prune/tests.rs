//! Entries vanishing between a listing and their removal (another process evicting), made
//! deterministic with the walker's listing hook.

use std::fs;
use std::path::Path;

use cache_layout::{CACHEDIR_TAG, CACHEDIR_TAG_CONTENT, LayoutOptions};
use chrono::TimeZone;

use super::*;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 7, 10, 12, 0, 0).unwrap()
}

fn tagged(dir: &Path) -> Layout {
    fs::write(dir.join(CACHEDIR_TAG), CACHEDIR_TAG_CONTENT).unwrap();
    Layout::new(
        dir,
        LayoutOptions {
            version: Some("0.1.0-f1".into()),
            date_subfolders: true,
            gzip: false,
        },
    )
}

fn put(layout: &Layout, seed: u8, date: NaiveDate) -> std::path::PathBuf {
    let path = layout.path_for(&[seed; 32], date);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(&path, b"entry").unwrap();
    path
}

fn ymd(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, m, d).unwrap()
}

#[test]
fn files_vanishing_in_a_boundary_day_are_counted_not_errors() {
    let dir = tempfile::tempdir().unwrap();
    let layout = tagged(dir.path());
    // With a 7-day TTL the cut-off is 07-03 12:00: 07-03 is the boundary day. The files carry
    // today's real mtime, which is far past the cut-off; we only need them listed, then gone.
    for seed in 0..3 {
        put(&layout, seed, ymd(7, 3));
    }
    let boundary = layout.day_dir(ymd(7, 3));
    let opts = EvictOptions::new(now());
    let mut vanish = |listed: &Path| {
        if listed == boundary {
            for entry in fs::read_dir(listed).unwrap() {
                fs::remove_file(entry.unwrap().path()).unwrap();
            }
        }
    };
    let mut walker = Walker::start(&layout, &opts).unwrap().unwrap();
    walker.hook = Some(&mut vanish);
    let report = prune_with(walker, Some(TimeDelta::days(7)));
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(report.vanished, 3);
    assert_eq!(report.entries_removed, 0);
    // The emptied boundary day folder (before today) went too.
    assert!(!boundary.exists());
    assert_eq!(report.folders_removed, 1);
}

#[test]
fn folders_vanishing_before_mass_removal_are_counted_not_errors() {
    let dir = tempfile::tempdir().unwrap();
    let layout = tagged(dir.path());
    let old = Layout::new(
        dir.path(),
        LayoutOptions {
            version: Some("0.0.9-f1".into()),
            ..layout.options().clone()
        },
    );
    put(&old, 1, ymd(7, 9));
    put(&layout, 2, ymd(7, 9));
    let old_dir = old.namespace_dir();
    let opts = EvictOptions::new(now());

    let mut vanish = |listed: &Path| {
        if listed == layout.root() {
            fs::remove_dir_all(&old_dir).unwrap();
        }
    };
    let mut walker = Walker::start(&layout, &opts).unwrap().unwrap();
    walker.hook = Some(&mut vanish);
    let report = clear_old_versions_with(walker);
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert!(report.vanished >= 1);
    assert_eq!(report.entries_removed, 0);

    put(&old, 1, ymd(7, 9));
    let mut vanish_all = |listed: &Path| {
        if listed == layout.root() {
            fs::remove_dir_all(&old_dir).unwrap();
            fs::remove_dir_all(layout.namespace_dir()).unwrap();
        }
    };
    let mut walker = Walker::start(&layout, &opts).unwrap().unwrap();
    walker.hook = Some(&mut vanish_all);
    let report = evict_all_with(walker);
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert!(report.vanished >= 2);
    assert_eq!(report.files_removed(), 0);
    assert!(dir.path().join(CACHEDIR_TAG).exists());
}

#[test]
fn a_file_arriving_in_a_stale_folder_after_its_listing_keeps_the_folder() {
    let dir = tempfile::tempdir().unwrap();
    let layout = tagged(dir.path());
    let entry = put(&layout, 1, ymd(6, 1));
    let stale_day = layout.day_dir(ymd(6, 1));
    let newcomer = stale_day.join("arrived-late.txt");
    let opts = EvictOptions::new(now());
    let mut arrive = |listed: &Path| {
        if listed == stale_day {
            fs::write(&newcomer, b"mine").unwrap();
        }
    };
    let mut walker = Walker::start(&layout, &opts).unwrap().unwrap();
    walker.hook = Some(&mut arrive);
    let report = prune_with(walker, Some(TimeDelta::days(7)));
    // The rmdir meets a folder that is no longer empty: it stays, silently, with the newcomer.
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert!(!entry.exists());
    assert_eq!(fs::read(&newcomer).unwrap(), b"mine");
    assert_eq!((report.entries_removed, report.folders_removed), (1, 0));
}
