use super::*;
use proptest::prelude::*;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn layout(version: Option<&str>, date_subfolders: bool, gzip: bool) -> Layout {
    Layout::new(
        "/cache",
        LayoutOptions {
            version: version.map(str::to_owned),
            date_subfolders,
            gzip,
        },
    )
}

fn all_layouts() -> Vec<Layout> {
    let mut out = Vec::new();
    for version in [None, Some("0.1.0-f1")] {
        for dates in [false, true] {
            for gzip in [false, true] {
                out.push(layout(version, dates, gzip));
            }
        }
    }
    out
}

fn key(seed: u8) -> [u8; 32] {
    let mut k = [0u8; 32];
    for (i, b) in k.iter_mut().enumerate() {
        *b = seed.wrapping_mul(31).wrapping_add(i as u8);
    }
    k
}

#[test]
fn path_for_spells_every_layout_combination() {
    let k = key(9);
    let hex = key_hex(&k);
    let day = date(2025, 7, 1);
    let expected = [
        format!("/cache/{hex}.bin"),
        format!("/cache/{hex}.bin.gz"),
        format!("/cache/2025/07/01/{hex}.bin"),
        format!("/cache/2025/07/01/{hex}.bin.gz"),
        format!("/cache/0.1.0-f1/{hex}.bin"),
        format!("/cache/0.1.0-f1/{hex}.bin.gz"),
        format!("/cache/0.1.0-f1/2025/07/01/{hex}.bin"),
        format!("/cache/0.1.0-f1/2025/07/01/{hex}.bin.gz"),
    ];
    for (layout, want) in all_layouts().iter().zip(expected) {
        assert_eq!(layout.path_for(&k, day), PathBuf::from(want), "{layout:?}");
    }
}

#[test]
fn path_for_round_trips_through_classify_in_every_layout() {
    let day = date(2024, 2, 29);
    for layout in all_layouts() {
        let k = key(3);
        let path = layout.path_for(&k, day);
        let PathKind::Entry(entry) = layout.classify(&path) else {
            panic!("{path:?} not an entry in {layout:?}");
        };
        assert_eq!(entry.key, k);
        assert_eq!(entry.compressed, layout.options().gzip);
        assert_eq!(entry.version.as_deref(), layout.version());
        let want_date = layout.options().date_subfolders.then_some(day);
        assert_eq!(entry.date, want_date);
    }
}

#[test]
fn namespace_and_day_dirs() {
    let day = date(2025, 12, 31);
    assert_eq!(
        layout(None, false, false).namespace_dir(),
        Path::new("/cache")
    );
    assert_eq!(layout(None, false, false).day_dir(day), Path::new("/cache"));
    assert_eq!(
        layout(Some("v-1"), false, false).day_dir(day),
        Path::new("/cache/v-1")
    );
    assert_eq!(
        layout(Some("v-1"), true, false).day_dir(day),
        Path::new("/cache/v-1/2025/12/31")
    );
    assert_eq!(
        layout(None, true, false).day_dir(date(33, 1, 2)),
        Path::new("/cache/0033/01/02")
    );
}

#[test]
fn folders_classify_at_each_level() {
    let l = layout(Some("0.2.0-f1"), true, false);
    let v = Some("0.1.0-f1".to_owned());
    assert_eq!(
        l.classify(Path::new("/cache/0.1.0-f1")),
        PathKind::VersionDir("0.1.0-f1".into())
    );
    assert_eq!(
        l.classify(Path::new("/cache/0.1.0-f1/2025")),
        PathKind::YearDir {
            version: v.clone(),
            year: 2025
        }
    );
    assert_eq!(
        l.classify(Path::new("/cache/0.1.0-f1/2025/02")),
        PathKind::MonthDir {
            version: v.clone(),
            year: 2025,
            month: 2
        }
    );
    assert_eq!(
        l.classify(Path::new("/cache/0.1.0-f1/2025/02/28")),
        PathKind::DayDir {
            version: v,
            date: date(2025, 2, 28)
        }
    );
    assert_eq!(
        l.classify(Path::new("/cache/2025")),
        PathKind::YearDir {
            version: None,
            year: 2025
        }
    );
    assert_eq!(
        l.classify(Path::new("/cache/2025/11/05")),
        PathKind::DayDir {
            version: None,
            date: date(2025, 11, 5)
        }
    );
}

#[test]
fn bad_dates_and_malformed_levels_are_foreign() {
    let l = layout(None, true, false);
    let hex = key_hex(&key(1));
    for p in [
        "/cache/2025/02/30".to_owned(),
        "/cache/2023/02/29".to_owned(),
        format!("/cache/2025/02/30/{hex}.bin"),
        "/cache/2025/13".to_owned(),
        "/cache/2025/00".to_owned(),
        "/cache/2025/01/00".to_owned(),
        "/cache/2025/01/32".to_owned(),
        "/cache/2025/1/02".to_owned(),
        "/cache/25/01/02".to_owned(),
        "/cache/20250/01/02".to_owned(),
        "/cache/2025/01/02/03".to_owned(),
        "/cache/2025/01/02/x/y".to_owned(),
        "/cache/v1/v2".to_owned(),
        "/cache/v1/2025/01/02/sub".to_owned(),
    ] {
        assert_eq!(l.classify(Path::new(&p)), PathKind::Foreign, "{p}");
    }
}

#[test]
fn entries_only_in_root_version_or_day_folders() {
    let l = layout(None, true, true);
    let hex = key_hex(&key(2));
    assert!(matches!(
        l.classify(Path::new(&format!("/cache/{hex}.bin"))),
        PathKind::Entry(EntryPath {
            version: None,
            date: None,
            compressed: false,
            ..
        })
    ));
    assert!(matches!(
        l.classify(Path::new(&format!("/cache/0.9.0-f9/{hex}.bin.gz"))),
        PathKind::Entry(EntryPath {
            date: None,
            compressed: true,
            ..
        })
    ));
    for p in [
        format!("/cache/2025/{hex}.bin"),
        format!("/cache/2025/01/{hex}.bin"),
        format!("/cache/0.9.0-f9/2025/{hex}.bin.gz"),
        // A folder with a valid version name that no release would create is not a namespace.
        format!("/cache/v9/{hex}.bin.gz"),
    ] {
        assert_eq!(l.classify(Path::new(&p)), PathKind::Foreign, "{p}");
    }
}

#[test]
fn gz_and_non_gz_names() {
    let k = key(5);
    let hex = key_hex(&k);
    assert_eq!(parse_entry_name(&format!("{hex}.bin")), Some((k, false)));
    assert_eq!(parse_entry_name(&format!("{hex}.bin.gz")), Some((k, true)));
    for bad in [
        format!("{hex}.gz"),
        format!("{hex}.bin.gz.bak"),
        format!("{hex}.BIN"),
        hex.clone(),
        format!("{}.bin", &hex[1..]),
        format!("{hex}0.bin"),
        format!("{}.bin", hex.to_uppercase()),
        format!("{}g.bin", &hex[1..]),
    ] {
        assert_eq!(parse_entry_name(&bad), None, "{bad}");
        // Classification is by path alone: in a namespace or day folder such a name is nothing
        // of ours.
        for dir in ["/cache/0.1.0-f1", "/cache/0.1.0-f1/2025/01/02"] {
            assert_eq!(
                layout(None, false, false).classify(&Path::new(dir).join(&bad)),
                PathKind::Foreign,
                "{dir}/{bad}"
            );
        }
    }
}

#[test]
fn markers_and_temp_files() {
    let l = layout(Some("0.1.0-f1"), true, false);
    for m in MARKERS {
        assert_eq!(
            l.classify(&Path::new("/cache").join(m)),
            PathKind::Marker,
            "{m}"
        );
        // Markers only count in the root.
        assert_eq!(
            l.classify(&Path::new("/cache/0.1.0-f1").join(m)),
            PathKind::Foreign,
            "{m}"
        );
    }
    for p in [
        "/cache/.tmp-abc",
        "/cache/0.1.0-f1/.tmp-1",
        "/cache/0.1.0-f1/2025/.tmp-1",
        "/cache/0.1.0-f1/2025/01/.tmp-1",
        "/cache/0.1.0-f1/2025/01/02/.tmp-xyz",
        "/cache/2025/01/02/.tmp-xyz",
    ] {
        assert_eq!(l.classify(Path::new(p)), PathKind::TempFile, "{p}");
    }
    // A temp-looking name below a foreign folder is still foreign.
    assert_eq!(
        l.classify(Path::new("/cache/2025/02/30/.tmp-1")),
        PathKind::Foreign
    );
    assert_eq!(l.classify(Path::new("/cache/.hidden")), PathKind::Foreign);
}

#[test]
fn foreign_paths_outside_or_odd() {
    let l = layout(Some("0.1.0-f1"), true, false);
    let hex = key_hex(&key(4));
    for p in [
        "/cache".to_owned(),
        "/".to_owned(),
        "/home/user".to_owned(),
        "/cachex/2025".to_owned(),
        format!("/other/0.1.0-f1/2025/01/02/{hex}.bin"),
        format!("/cache/../cache/{hex}.bin"),
        format!("relative/{hex}.bin"),
    ] {
        assert_eq!(l.classify(Path::new(&p)), PathKind::Foreign, "{p}");
    }
}

#[cfg(unix)]
#[test]
fn non_utf8_names_are_foreign() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let l = layout(None, false, false);
    let p = Path::new("/cache").join(OsStr::from_bytes(b"v\xff"));
    assert_eq!(l.classify(&p), PathKind::Foreign);
}

#[test]
fn version_names_never_collide_with_other_kinds() {
    for good in ["0.1.0-f1", "v1", "a", "1.2", "x_y+z"] {
        assert!(is_version_name(good), "{good}");
    }
    let hex_name = format!("{}.bin", key_hex(&key(0)));
    for bad in [
        "",
        "2025",
        "07",
        "123",
        ".hidden",
        ".tmp-1",
        "a/b",
        "a\\b",
        "..",
        "a b",
        "é",
        CACHEDIR_TAG,
        README,
        LAST_SCAN,
        hex_name.as_str(),
    ] {
        assert!(!is_version_name(bad), "{bad:?}");
        let escaped = escape_version_name(bad);
        assert!(is_version_name(&escaped), "{bad:?} -> {escaped:?}");
    }
}

#[test]
fn only_namespace_names_or_the_own_version_are_namespaces() {
    for good in ["0.1.0-f1", "1.0.0+build.5-f12", "a-f0", "x-f-f2", "2025-f1"] {
        assert!(is_namespace_name(good), "{good}");
        assert_eq!(
            classify_relative(Path::new(good)),
            PathKind::VersionDir(good.into())
        );
    }
    for bad in [
        "userdir",
        "v1",
        "-f1",
        "0.1.0-f",
        "0.1.0-fx",
        "0.1.0-f1a",
        "0.1.0_f1",
        ".x-f1",
        "a/b-f1",
        "",
        "2025",
    ] {
        assert!(!is_namespace_name(bad), "{bad:?}");
    }
    let hex = key_hex(&key(6));
    let l = layout(Some("0.2.0-f1"), true, false);
    for p in [
        "/cache/userdir".to_owned(),
        "/cache/userdir/2025".to_owned(),
        "/cache/userdir/.tmp-1".to_owned(),
        format!("/cache/userdir/{hex}.bin"),
        format!("/cache/userdir/2025/01/02/{hex}.bin"),
    ] {
        assert_eq!(l.classify(Path::new(&p)), PathKind::Foreign, "{p}");
    }
    // A layout configured with an arbitrary version recognises its own folder, and only that.
    let own = layout(Some("custom"), true, false);
    assert_eq!(own.version(), Some("custom"));
    assert_eq!(
        own.classify(Path::new("/cache/custom")),
        PathKind::VersionDir("custom".into())
    );
    assert!(matches!(
        own.classify(&own.path_for(&key(1), date(2025, 1, 2))),
        PathKind::Entry(EntryPath { version: Some(v), .. }) if v == "custom"
    ));
    assert_eq!(own.classify(Path::new("/cache/other")), PathKind::Foreign);
    assert_eq!(classify_relative(Path::new("custom")), PathKind::Foreign);
}

#[test]
fn ownership_needs_the_right_kind_of_node() {
    let hex = key_hex(&key(7));
    let files = [
        format!("{hex}.bin"),
        ".tmp-1".to_owned(),
        CACHEDIR_TAG.to_owned(),
    ];
    for name in &files {
        let kind = classify_relative(Path::new(name));
        assert!(!kind.is_folder(), "{name}");
        assert!(kind.is_ours_as(NodeType::RegularFile), "{name}");
        assert!(!kind.is_ours_as(NodeType::Folder), "{name}");
        assert!(!kind.is_ours_as(NodeType::Other), "{name}");
    }
    for name in [
        "0.1.0-f1",
        "2025",
        "2025/07",
        "2025/07/01",
        "0.1.0-f1/2025/07/01",
    ] {
        let kind = classify_relative(Path::new(name));
        assert!(kind.is_folder(), "{name}");
        assert!(kind.is_ours_as(NodeType::Folder), "{name}");
        assert!(!kind.is_ours_as(NodeType::RegularFile), "{name}");
        assert!(!kind.is_ours_as(NodeType::Other), "{name}");
    }
    for node in [NodeType::Folder, NodeType::RegularFile, NodeType::Other] {
        assert!(!PathKind::Foreign.is_ours_as(node));
    }
}

#[test]
fn cache_version_is_a_single_safe_folder() {
    assert_eq!(cache_version("0.1.0", 1), "0.1.0-f1");
    assert_eq!(cache_version("1.0.0+build.5", 12), "1.0.0+build.5-f12");
    assert_eq!(cache_version("a/b", 1), "a_b-f1");
    // "-f3" would not be a namespace name (nothing before the format).
    assert_eq!(cache_version("", 3), "v-f3");
    assert_eq!(cache_version(".x", 3), "_x-f3");
    let l = Layout::new(
        "/cache",
        LayoutOptions {
            version: Some(cache_version("../..", 1)),
            ..LayoutOptions::default()
        },
    );
    assert_eq!(l.namespace_dir().parent(), Some(Path::new("/cache")));
}

#[test]
fn try_new_rejects_what_new_escapes() {
    let opts = |v: &str| LayoutOptions {
        version: Some(v.to_owned()),
        date_subfolders: true,
        gzip: false,
    };
    assert!(Layout::try_new("/c", opts("0.1.0-f1")).is_ok());
    assert_eq!(
        Layout::try_new("/c", opts("../x")),
        Err(LayoutError::InvalidVersion("../x".into()))
    );
    assert_eq!(Layout::new("/c", opts("2025")).version(), Some("v2025"));
    assert!(Layout::try_new("/c", LayoutOptions::default()).is_ok());
}

#[test]
fn lookup_paths_walk_back_across_month_and_year() {
    let l = layout(None, true, false);
    let k = key(8);
    let hex = key_hex(&k);
    let paths = l.lookup_paths(&k, date(2025, 1, 1), 2);
    let want: Vec<PathBuf> = ["2025/01/01", "2024/12/31", "2024/12/30"]
        .iter()
        .map(|d| PathBuf::from(format!("/cache/{d}/{hex}.bin")))
        .collect();
    assert_eq!(paths, want);
    assert_eq!(
        layout(None, false, true)
            .lookup_paths(&k, date(2025, 1, 1), 7)
            .len(),
        1
    );
}

#[test]
fn root_file_helpers() {
    let l = layout(Some("v1"), true, false);
    assert_eq!(l.cachedir_tag_path(), Path::new("/cache/CACHEDIR.TAG"));
    assert_eq!(l.gitignore_path(), Path::new("/cache/.gitignore"));
    assert_eq!(l.gc_marker_path(), Path::new("/cache/.last-gc"));
    assert!(CACHEDIR_TAG_CONTENT.starts_with(CACHEDIR_TAG_SIGNATURE));
    for p in [
        l.cachedir_tag_path(),
        l.gitignore_path(),
        l.gc_marker_path(),
    ] {
        assert_eq!(l.classify(&p), PathKind::Marker);
    }
}

#[test]
fn key_hex_round_trip_and_rejections() {
    assert_eq!(key_hex(&[0; 32]), "0".repeat(64));
    assert_eq!(key_hex(&[0xff; 32]), "f".repeat(64));
    assert_eq!(parse_key_hex(&"0".repeat(63)), None);
    assert_eq!(parse_key_hex(&"0".repeat(65)), None);
    assert_eq!(parse_key_hex(&format!("{}é", "0".repeat(62))), None);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn prop_path_for_classify_round_trip(
        k in any::<[u8; 32]>(),
        days in 0i64..(9999 * 366),
        version in proptest::option::of("[0-9a-z.+_-]{1,12}"),
        dates: bool,
        gzip: bool,
    ) {
        let day = date(0, 1, 1) + chrono::Duration::days(days);
        prop_assume!(day.year() <= 9999);
        let l = Layout::new("/root/cache", LayoutOptions { version, date_subfolders: dates, gzip });
        let path = l.path_for(&k, day);
        prop_assert!(path.starts_with(l.root()));
        let kind = l.classify(&path);
        prop_assert_eq!(
            kind,
            PathKind::Entry(EntryPath {
                version: l.version().map(str::to_owned),
                date: dates.then_some(day),
                key: k,
                compressed: gzip,
            })
        );
        if dates {
            prop_assert_eq!(
                l.classify(&l.day_dir(day)),
                PathKind::DayDir { version: l.version().map(str::to_owned), date: day }
            );
        }
    }

    #[test]
    fn prop_key_hex_round_trip(k in any::<[u8; 32]>()) {
        prop_assert_eq!(parse_key_hex(&key_hex(&k)), Some(k));
    }

    #[test]
    fn prop_escaped_versions_are_valid_single_components(s in "\\PC{0,20}") {
        let v = escape_version_name(&s);
        prop_assert!(is_version_name(&v));
        prop_assert_eq!(Path::new(&v).components().count(), 1);
    }

    #[test]
    fn prop_cache_versions_are_namespaces(tool in "\\PC{0,20}", format: u32) {
        let v = cache_version(&tool, format);
        prop_assert!(is_namespace_name(&v), "{:?} -> {:?}", tool, v);
        prop_assert_eq!(classify_relative(Path::new(&v)), PathKind::VersionDir(v.clone()));
    }

    #[test]
    fn prop_classify_never_panics(s in "[a-z0-9./_-]{0,60}") {
        let _ = layout(Some("v1"), true, true).classify(&Path::new("/cache").join(&s));
    }
}
