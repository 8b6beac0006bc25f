//! Path logic of the codetags cache.
//!
//! The cache lives under a root folder (`.codetags_cache` by default, chosen by the caller) and
//! stores one file per entry:
//!
//! ```text
//! {root}/{version}/YYYY/MM/DD/{sha256-hex}.bin[.gz]   version namespace + date folders
//! {root}/YYYY/MM/DD/{sha256-hex}.bin[.gz]             date folders only
//! {root}/{version}/{sha256-hex}.bin[.gz]              version namespace only
//! {root}/{sha256-hex}.bin[.gz]                        flat
//! ```
//!
//! This crate only computes and parses paths: it performs no I/O and holds no clock. Dates are
//! UTC calendar dates supplied by the caller (`chrono::Utc::now().date_naive()` in production, a
//! fixed date in tests).
//!
//! # Ownership: what is ours
//!
//! The cache's iron rule is that it never touches a file it did not write. Everything that reads,
//! repairs or removes cache files decides "is this ours?" by the rules below, and by nothing else.
//!
//! **By name and position** ([`Layout::classify`], [`classify_relative`]):
//!
//! * **Namespace** folders are first-level folders named the way [`cache_version`] names them:
//!   a valid version name ending in `-f<digits>` with a non-empty part before it
//!   ([`is_namespace_name`]), or exactly the layout's own configured version (so a layout built
//!   with an arbitrary version string still recognises its own folder; [`classify_relative`],
//!   which has no layout, goes by the pattern alone). A first-level `userdir/` is not ours,
//!   although `userdir` is a valid version name ([`is_version_name`]).
//! * **Year** folders are exactly four ASCII digits, **month** and **day** folders exactly two,
//!   and year/month/day must form a real calendar date (`2025/02/30` and `2025/13` are not ours).
//! * **Entries** are named `{64 lowercase hex digits}.bin` or `….bin.gz`, and sit directly in the
//!   root, in a namespace folder, or in a complete `YYYY/MM/DD` day folder (with or without a
//!   namespace above it). An entry in a year or month folder is not ours.
//! * **Temp files** start with [`TEMP_PREFIX`] and sit in the root or in any recognised folder.
//! * **Markers** are the names in [`MARKERS`] ([`CACHEDIR_TAG`], [`GITIGNORE`], [`GC_MARKER`],
//!   [`README`], [`LAST_SCAN`]) in the root.
//! * Everything else — including anything below a foreign folder, paths outside the root, paths
//!   with `.`/`..` components and non-UTF-8 names — is [`PathKind::Foreign`].
//!
//! **By what it is on disk**, for anything that is removed or vouched for
//! ([`PathKind::is_ours_as`]): a folder kind must be a real folder, never a symbolic link; an
//! entry, temp file or marker must be a regular file, never a link, FIFO, socket or device. We
//! never create links or special files, so one of them is never ours, whatever its name.
//!
//! What is not ours is kept, and reported: removers do not descend into it, and a folder of ours
//! that holds something foreign is not removed.
//!
//! Classification does not depend on the layout's other options, so a layout configured for
//! version `0.2.0-f1` with date folders still recognises a flat `0.1.0-f1/{hex}.bin` left by an
//! older release; eviction relies on that.
//!
//! # Example
//!
//! ```
//! use cache_layout::{cache_version, Layout, LayoutOptions, PathKind};
//! use chrono::NaiveDate;
//!
//! let layout = Layout::new(
//!     ".codetags_cache",
//!     LayoutOptions { version: Some(cache_version("0.1.0", 1)), date_subfolders: true, gzip: true },
//! );
//! let day = NaiveDate::from_ymd_opt(2025, 7, 1).unwrap();
//! let key = [0xab; 32];
//! let path = layout.path_for(&key, day);
//! assert!(path.ends_with(format!("0.1.0-f1/2025/07/01/{}.bin.gz", "ab".repeat(32))));
//!
//! match layout.classify(&path) {
//!     PathKind::Entry(entry) => {
//!         assert_eq!(entry.key, key);
//!         assert_eq!(entry.date, Some(day));
//!         assert_eq!(entry.version.as_deref(), Some("0.1.0-f1"));
//!         assert!(entry.compressed);
//!     }
//!     other => panic!("expected an entry, got {other:?}"),
//! }
//! ```

use std::path::{Component, Path, PathBuf};

use chrono::{Datelike, NaiveDate};

/// Prefix of the temp files cache writers create before an atomic rename: `{dir}/.tmp-{random}`.
pub const TEMP_PREFIX: &str = ".tmp-";
/// Name of the cache directory tag in the root (<https://bford.info/cachedir/>).
pub const CACHEDIR_TAG: &str = "CACHEDIR.TAG";
/// The signature line every valid `CACHEDIR.TAG` starts with.
pub const CACHEDIR_TAG_SIGNATURE: &str = "Signature: 8a477f597d28d172789f06886806bc55";
/// The full content codetags writes into `CACHEDIR.TAG`.
pub const CACHEDIR_TAG_CONTENT: &str = "Signature: 8a477f597d28d172789f06886806bc55\n\
# This file is a cache directory tag created by codetags.\n\
# For information about cache directory tags, see:\n\
#\thttps://bford.info/cachedir/\n";
/// Name of the `.gitignore` in the root.
pub const GITIGNORE: &str = ".gitignore";
/// The content codetags writes into the root `.gitignore`: ignore everything.
pub const GITIGNORE_CONTENT: &str = "# Automatically created by codetags.\n*\n";
/// Name of the once-a-day garbage collection marker in the root (written by `cache-evict`).
pub const GC_MARKER: &str = ".last-gc";
/// Name of the optional explanatory README in the root.
pub const README: &str = "README.md";
/// Name of the file in the root where the CLI keeps the hit/miss counts of the last scan.
pub const LAST_SCAN: &str = "last-scan.json";
/// File extension of an uncompressed entry.
pub const ENTRY_EXT: &str = ".bin";
/// File extension of a gzip-compressed entry.
pub const ENTRY_EXT_GZ: &str = ".bin.gz";

/// Every root file name [`Layout::classify`] reports as [`PathKind::Marker`].
pub const MARKERS: [&str; 5] = [CACHEDIR_TAG, GITIGNORE, GC_MARKER, README, LAST_SCAN];
const KEY_HEX_LEN: usize = 64;

/// Errors of the strict constructors.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LayoutError {
    /// The version name breaks the rules of [`is_version_name`].
    #[error(
        "invalid cache version name {0:?}: use ASCII letters, digits, '.', '_', '+', '-', \
         at least one non-digit, not starting with '.'"
    )]
    InvalidVersion(String),
}

/// Options a [`Layout`] is built from (cache-core's settings map onto these).
///
/// The default is the flat layout: no version namespace, no date folders, no gzip.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LayoutOptions {
    /// Name of the version namespace folder, `None` for no namespace. See [`cache_version`].
    pub version: Option<String>,
    /// Whether entries go into `YYYY/MM/DD` folders.
    pub date_subfolders: bool,
    /// Whether entries are gzip-compressed (`.bin.gz`).
    pub gzip: bool,
}

/// A cache root plus the options that decide where entries go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    root: PathBuf,
    options: LayoutOptions,
}

/// What a path under the cache root is, according to [`Layout::classify`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathKind {
    /// A cache entry file.
    Entry(EntryPath),
    /// A first-level version namespace folder (see [`is_namespace_name`]).
    VersionDir(String),
    /// A `YYYY` folder, optionally inside a version folder.
    YearDir {
        /// The version folder above it, if any.
        version: Option<String>,
        /// The year.
        year: i32,
    },
    /// A `YYYY/MM` folder.
    MonthDir {
        /// The version folder above it, if any.
        version: Option<String>,
        /// The year.
        year: i32,
        /// The month, 1–12.
        month: u32,
    },
    /// A complete `YYYY/MM/DD` folder.
    DayDir {
        /// The version folder above it, if any.
        version: Option<String>,
        /// The day.
        date: NaiveDate,
    },
    /// A temp file of an atomic write (name starts with [`TEMP_PREFIX`]).
    TempFile,
    /// One of the root's bookkeeping files (see [`MARKERS`]).
    Marker,
    /// Not ours: outside the root, the root itself, or a name that breaks the naming rules.
    Foreign,
}

impl PathKind {
    /// Whether this kind names a folder (namespace, year, month or day).
    pub fn is_folder(&self) -> bool {
        matches!(
            self,
            PathKind::VersionDir(_)
                | PathKind::YearDir { .. }
                | PathKind::MonthDir { .. }
                | PathKind::DayDir { .. }
        )
    }

    /// Whether a thing of this kind that is `node` on disk is ours (see the crate docs,
    /// "Ownership"): folder kinds must be real folders, entries, temp files and markers regular
    /// files; [`PathKind::Foreign`] never is.
    ///
    /// ```
    /// use cache_layout::{classify_relative, NodeType};
    /// let entry = classify_relative(format!("{}.bin", "00".repeat(32)).as_ref());
    /// assert!(entry.is_ours_as(NodeType::RegularFile));
    /// assert!(!entry.is_ours_as(NodeType::Other)); // a link or a FIFO with an entry's name
    /// assert!(!entry.is_ours_as(NodeType::Folder));
    /// assert!(classify_relative("2025".as_ref()).is_ours_as(NodeType::Folder));
    /// ```
    pub fn is_ours_as(&self, node: NodeType) -> bool {
        match self {
            PathKind::Foreign => false,
            kind if kind.is_folder() => node == NodeType::Folder,
            _ => node == NodeType::RegularFile,
        }
    }
}

/// What a path is on disk, as far as ownership goes (see [`PathKind::is_ours_as`]). Build it from
/// a type that does not follow links (`readdir`'s, or `symlink_metadata`'s).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeType {
    /// A real folder (not a link to one).
    Folder,
    /// A regular file (not a link to one).
    RegularFile,
    /// Anything else: a symbolic link, FIFO, socket or device.
    Other,
}

impl NodeType {
    /// The node type of a [`std::fs::FileType`] (which says "symlink" for a link when it comes
    /// from `readdir` or `symlink_metadata`, and then is [`NodeType::Other`]).
    pub fn of(file_type: std::fs::FileType) -> NodeType {
        if file_type.is_dir() {
            NodeType::Folder
        } else if file_type.is_file() {
            NodeType::RegularFile
        } else {
            NodeType::Other
        }
    }
}

/// The parts of an entry path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryPath {
    /// The version folder the entry is in, if any.
    pub version: Option<String>,
    /// The day folder the entry is in, if any.
    pub date: Option<NaiveDate>,
    /// The 32-byte key (SHA-256) spelled by the file name.
    pub key: [u8; 32],
    /// Whether the name ends in `.bin.gz`.
    pub compressed: bool,
}

impl Layout {
    /// Builds a layout. An unusable version name is escaped with [`escape_version_name`] (so no
    /// version can ever point outside the root or be mistaken for a year); use [`Layout::try_new`]
    /// to reject it instead.
    ///
    /// ```
    /// use cache_layout::{Layout, LayoutOptions};
    /// let layout = Layout::new("c", LayoutOptions { version: Some("../x".into()), ..Default::default() });
    /// assert_eq!(layout.version(), Some("_._x"));
    /// assert_eq!(layout.namespace_dir(), std::path::Path::new("c/_._x"));
    /// ```
    pub fn new(root: impl Into<PathBuf>, mut options: LayoutOptions) -> Layout {
        options.version = options.version.map(|v| escape_version_name(&v));
        Layout {
            root: root.into(),
            options,
        }
    }

    /// Builds a layout, refusing a version name that breaks the rules of [`is_version_name`].
    ///
    /// ```
    /// use cache_layout::{Layout, LayoutError, LayoutOptions};
    /// let bad = LayoutOptions { version: Some("2025".into()), ..Default::default() };
    /// assert_eq!(Layout::try_new("c", bad), Err(LayoutError::InvalidVersion("2025".into())));
    /// ```
    pub fn try_new(
        root: impl Into<PathBuf>,
        options: LayoutOptions,
    ) -> Result<Layout, LayoutError> {
        if let Some(v) = &options.version
            && !is_version_name(v)
        {
            return Err(LayoutError::InvalidVersion(v.clone()));
        }
        Ok(Layout {
            root: root.into(),
            options,
        })
    }

    /// The cache root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The options (with the version name as actually used).
    pub fn options(&self) -> &LayoutOptions {
        &self.options
    }

    /// The current version name, if namespacing is on.
    pub fn version(&self) -> Option<&str> {
        self.options.version.as_deref()
    }

    /// `{root}/{version}`, or `{root}` when namespacing is off.
    pub fn namespace_dir(&self) -> PathBuf {
        match &self.options.version {
            Some(v) => self.root.join(v),
            None => self.root.clone(),
        }
    }

    /// `{namespace}/YYYY/MM/DD`; equal to [`Layout::namespace_dir`] when date folders are off.
    ///
    /// ```
    /// use cache_layout::{Layout, LayoutOptions};
    /// use chrono::NaiveDate;
    /// let layout = Layout::new("c", LayoutOptions { version: None, date_subfolders: true, gzip: false });
    /// let day = NaiveDate::from_ymd_opt(2025, 2, 3).unwrap();
    /// assert_eq!(layout.day_dir(day), std::path::Path::new("c/2025/02/03"));
    /// ```
    pub fn day_dir(&self, date: NaiveDate) -> PathBuf {
        let mut dir = self.namespace_dir();
        if self.options.date_subfolders {
            dir.push(year_name(date.year()));
            dir.push(two_digits(date.month()));
            dir.push(two_digits(date.day()));
        }
        dir
    }

    /// `{root}/{version}/YYYY/MM/DD/{sha256-hex}.bin` (`.bin.gz` with gzip); the version and date
    /// levels drop out with their switches. `date` is ignored when date folders are off.
    ///
    /// ```
    /// use cache_layout::{Layout, LayoutOptions};
    /// use chrono::NaiveDate;
    /// let flat = Layout::new("c", LayoutOptions::default());
    /// let day = NaiveDate::from_ymd_opt(2025, 2, 3).unwrap();
    /// let path = flat.path_for(&[0; 32], day);
    /// assert_eq!(path, std::path::Path::new("c").join(format!("{}.bin", "0".repeat(64))));
    /// ```
    pub fn path_for(&self, key: &[u8; 32], date: NaiveDate) -> PathBuf {
        self.day_dir(date).join(self.entry_file_name(key))
    }

    /// The file name of an entry in this layout: `{hex}.bin` or `{hex}.bin.gz`.
    pub fn entry_file_name(&self, key: &[u8; 32]) -> String {
        let ext = if self.options.gzip {
            ENTRY_EXT_GZ
        } else {
            ENTRY_EXT
        };
        let mut name = key_hex(key);
        name.push_str(ext);
        name
    }

    /// The paths where an entry for `key` written within the last `days_back` days (today
    /// included) may live, newest first: `days_back + 1` paths with date folders, one without.
    ///
    /// ```
    /// use cache_layout::{Layout, LayoutOptions};
    /// use chrono::NaiveDate;
    /// let layout = Layout::new("c", LayoutOptions { version: None, date_subfolders: true, gzip: false });
    /// let today = NaiveDate::from_ymd_opt(2025, 3, 1).unwrap();
    /// let paths = layout.lookup_paths(&[1; 32], today, 1);
    /// assert_eq!(paths.len(), 2);
    /// assert!(paths[1].starts_with("c/2025/02/28"));
    /// ```
    pub fn lookup_paths(&self, key: &[u8; 32], today: NaiveDate, days_back: u32) -> Vec<PathBuf> {
        if !self.options.date_subfolders {
            return vec![self.path_for(key, today)];
        }
        let name = self.entry_file_name(key);
        let mut paths = Vec::with_capacity(days_back as usize + 1);
        let mut day = Some(today);
        for _ in 0..=days_back {
            let Some(d) = day else { break };
            paths.push(self.day_dir(d).join(&name));
            day = d.pred_opt();
        }
        paths
    }

    /// `{root}/CACHEDIR.TAG`.
    pub fn cachedir_tag_path(&self) -> PathBuf {
        self.root.join(CACHEDIR_TAG)
    }

    /// `{root}/.gitignore`.
    pub fn gitignore_path(&self) -> PathBuf {
        self.root.join(GITIGNORE)
    }

    /// `{root}/.last-gc`.
    pub fn gc_marker_path(&self) -> PathBuf {
        self.root.join(GC_MARKER)
    }

    /// Classifies any path under the root (see the crate docs for the naming rules). Paths that
    /// do not start with the root, the root itself, and paths with `.`/`..` components are
    /// [`PathKind::Foreign`].
    ///
    /// ```
    /// use cache_layout::{Layout, LayoutOptions, PathKind};
    /// use chrono::NaiveDate;
    /// let layout = Layout::new("c", LayoutOptions::default());
    /// assert_eq!(
    ///     layout.classify("c/0.1.0-f1/2025/07/01".as_ref()),
    ///     PathKind::DayDir { version: Some("0.1.0-f1".into()), date: NaiveDate::from_ymd_opt(2025, 7, 1).unwrap() }
    /// );
    /// assert_eq!(layout.classify("c/2025/02/30".as_ref()), PathKind::Foreign);
    /// assert_eq!(layout.classify("c/CACHEDIR.TAG".as_ref()), PathKind::Marker);
    /// assert_eq!(layout.classify("elsewhere/x".as_ref()), PathKind::Foreign);
    /// ```
    ///
    /// A first-level folder named exactly like this layout's own version is a namespace even
    /// when the name does not follow [`is_namespace_name`]:
    ///
    /// ```
    /// use cache_layout::{Layout, LayoutOptions, PathKind};
    /// let layout = Layout::new("c", LayoutOptions { version: Some("v1".into()), ..Default::default() });
    /// assert_eq!(layout.classify("c/v1".as_ref()), PathKind::VersionDir("v1".into()));
    /// assert_eq!(layout.classify("c/v2".as_ref()), PathKind::Foreign);
    /// ```
    pub fn classify(&self, path: &Path) -> PathKind {
        match path.strip_prefix(&self.root) {
            Ok(rel) => classify_with(rel, self.version()),
            Err(_) => PathKind::Foreign,
        }
    }
}

/// Classifies a path given relative to a cache root (see [`Layout::classify`]). Without a layout,
/// a namespace folder is recognised by its name alone ([`is_namespace_name`]).
///
/// ```
/// use cache_layout::{classify_relative, PathKind};
/// assert_eq!(classify_relative("0.1.0-f1/.tmp-abc".as_ref()), PathKind::TempFile);
/// assert_eq!(classify_relative("0.1.0-f1".as_ref()), PathKind::VersionDir("0.1.0-f1".into()));
/// assert_eq!(classify_relative("userdir".as_ref()), PathKind::Foreign);
/// assert_eq!(classify_relative("userdir/.tmp-abc".as_ref()), PathKind::Foreign);
/// ```
pub fn classify_relative(rel: &Path) -> PathKind {
    classify_with(rel, None)
}

/// [`classify_relative`], also taking `own_version` (the layout's) as a namespace name.
fn classify_with(rel: &Path, own_version: Option<&str>) -> PathKind {
    let mut names: Vec<&str> = Vec::new();
    for component in rel.components() {
        match component {
            Component::Normal(name) => match name.to_str() {
                Some(s) => names.push(s),
                None => return PathKind::Foreign,
            },
            _ => return PathKind::Foreign,
        }
    }
    classify_names(&names, own_version)
}

/// The folder levels a file may sit in, as parsed so far.
#[derive(Clone, Copy)]
enum Level {
    Root,
    Version,
    Year,
    Month,
    Day,
}

fn classify_names(names: &[&str], own_version: Option<&str>) -> PathKind {
    let is_namespace = |name: &str| is_namespace_name(name) || own_version == Some(name);
    let Some((&last, dirs)) = names.split_last() else {
        return PathKind::Foreign;
    };
    if dirs.is_empty() && MARKERS.contains(&last) {
        return PathKind::Marker;
    }

    // Parse the folder part: [version] [YYYY [MM [DD]]].
    let mut rest = dirs;
    let mut version: Option<String> = None;
    if let Some((&first, tail)) = rest.split_first()
        && is_namespace(first)
    {
        version = Some(first.to_owned());
        rest = tail;
    }
    let mut year: Option<i32> = None;
    let mut month: Option<u32> = None;
    let mut date: Option<NaiveDate> = None;
    for &name in rest {
        if year.is_none() {
            year = parse_year(name);
            if year.is_none() {
                return PathKind::Foreign;
            }
        } else if month.is_none() {
            month = parse_month(name);
            if month.is_none() {
                return PathKind::Foreign;
            }
        } else if date.is_none() {
            date = parse_day(name).and_then(|d| {
                NaiveDate::from_ymd_opt(year.unwrap_or_default(), month.unwrap_or_default(), d)
            });
            if date.is_none() {
                return PathKind::Foreign;
            }
        } else {
            return PathKind::Foreign;
        }
    }
    let level = match (version.is_some(), year, month, date) {
        (_, _, _, Some(_)) => Level::Day,
        (_, _, Some(_), None) => Level::Month,
        (_, Some(_), None, None) => Level::Year,
        (true, None, None, None) => Level::Version,
        (false, None, None, None) => Level::Root,
    };

    // Then the last name: a file in that folder, or the next folder level.
    if last.starts_with(TEMP_PREFIX) {
        return PathKind::TempFile;
    }
    if let Some((key, compressed)) = parse_entry_name(last) {
        return match level {
            Level::Root | Level::Version | Level::Day => PathKind::Entry(EntryPath {
                version,
                date,
                key,
                compressed,
            }),
            Level::Year | Level::Month => PathKind::Foreign,
        };
    }
    match level {
        Level::Root if is_namespace(last) => PathKind::VersionDir(last.to_owned()),
        Level::Root | Level::Version => match parse_year(last) {
            Some(year) => PathKind::YearDir { version, year },
            None => PathKind::Foreign,
        },
        Level::Year => match (year, parse_month(last)) {
            (Some(year), Some(month)) => PathKind::MonthDir {
                version,
                year,
                month,
            },
            _ => PathKind::Foreign,
        },
        Level::Month => {
            let date = match (year, month, parse_day(last)) {
                (Some(y), Some(m), Some(d)) => NaiveDate::from_ymd_opt(y, m, d),
                _ => None,
            };
            match date {
                Some(date) => PathKind::DayDir { version, date },
                None => PathKind::Foreign,
            }
        }
        Level::Day => PathKind::Foreign,
    }
}

fn all_digits(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| b.is_ascii_digit())
}

fn parse_year(s: &str) -> Option<i32> {
    if all_digits(s, 4) {
        s.parse().ok()
    } else {
        None
    }
}

fn parse_month(s: &str) -> Option<u32> {
    if all_digits(s, 2) {
        s.parse().ok().filter(|m| (1..=12).contains(m))
    } else {
        None
    }
}

fn parse_day(s: &str) -> Option<u32> {
    if all_digits(s, 2) {
        s.parse().ok().filter(|d| (1..=31).contains(d))
    } else {
        None
    }
}

fn year_name(year: i32) -> String {
    // Years outside 0..=9999 cannot be spelled in four digits; clamp so the path stays inside the
    // layout's grammar (such dates never come from a real clock).
    format!("{:04}", year.clamp(0, 9999))
}

fn two_digits(n: u32) -> String {
    format!("{n:02}")
}

/// Parses an entry file name `{hex}.bin` / `{hex}.bin.gz` into its key and compression flag.
///
/// ```
/// let name = format!("{}.bin.gz", "0f".repeat(32));
/// assert_eq!(cache_layout::parse_entry_name(&name), Some(([0x0f; 32], true)));
/// assert_eq!(cache_layout::parse_entry_name("x.bin"), None);
/// ```
pub fn parse_entry_name(name: &str) -> Option<([u8; 32], bool)> {
    if let Some(hex) = name.strip_suffix(ENTRY_EXT_GZ) {
        return parse_key_hex(hex).map(|k| (k, true));
    }
    let hex = name.strip_suffix(ENTRY_EXT)?;
    parse_key_hex(hex).map(|k| (k, false))
}

/// Whether `name` can name a version folder (what [`Layout::try_new`] accepts): non-empty, only
/// ASCII letters, digits and `.`, `_`, `+`, `-`, at least one non-digit, not starting with `.`,
/// and neither a marker name nor an entry file name.
///
/// A valid name does not make a folder ours: only [`is_namespace_name`] names (and a layout's
/// own version) are.
///
/// ```
/// use cache_layout::is_version_name;
/// assert!(is_version_name("0.1.0-f1"));
/// assert!(!is_version_name("2025"));
/// assert!(!is_version_name(".tmp-x"));
/// assert!(!is_version_name("a/b"));
/// ```
pub fn is_version_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && name.bytes().all(is_version_byte)
        && name.bytes().any(|b| !b.is_ascii_digit())
        && !MARKERS.contains(&name)
        && parse_entry_name(name).is_none()
}

/// Whether `name` is a namespace folder name as [`cache_version`] makes them: a valid version
/// name ([`is_version_name`]) ending in `-f` and at least one digit, with something before it.
/// Only such first-level folders (and the layout's own version) are ours.
///
/// ```
/// use cache_layout::{cache_version, is_namespace_name};
/// assert!(is_namespace_name(&cache_version("0.1.0", 1)));
/// assert!(is_namespace_name("1.0.0+build.5-f12"));
/// assert!(!is_namespace_name("userdir"));
/// assert!(!is_namespace_name("-f1"));      // nothing before the format
/// assert!(!is_namespace_name("0.1.0-f"));  // no format digits
/// assert!(!is_namespace_name("0.1.0-f1x"));
/// ```
pub fn is_namespace_name(name: &str) -> bool {
    let Some((tool, format)) = name.rsplit_once("-f") else {
        return false;
    };
    !tool.is_empty()
        && !format.is_empty()
        && format.bytes().all(|b| b.is_ascii_digit())
        && is_version_name(name)
}

fn is_version_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'+' | b'-')
}

/// Turns any string into a valid version name (see [`is_version_name`]); valid names are returned
/// unchanged. Disallowed characters (path separators included) become `_`, a leading `.` becomes
/// `_`, and names that would be all digits, empty, a marker or an entry name get a `v` prefix.
///
/// ```
/// use cache_layout::escape_version_name;
/// assert_eq!(escape_version_name("0.1.0-f1"), "0.1.0-f1");
/// assert_eq!(escape_version_name("a/b\\c"), "a_b_c");
/// assert_eq!(escape_version_name("2025"), "v2025");
/// ```
pub fn escape_version_name(name: &str) -> String {
    if is_version_name(name) {
        return name.to_owned();
    }
    let mut out: String = name
        .chars()
        .map(|c| {
            if c.is_ascii() && is_version_byte(c as u8) {
                c
            } else {
                '_'
            }
        })
        .collect();
    if out.starts_with('.') {
        out.replace_range(0..1, "_");
    }
    if !is_version_name(&out) {
        out.insert(0, 'v');
    }
    out
}

/// The version folder name for a tool version and a cache format number: `"{tool}-f{format}"`,
/// escaped with [`escape_version_name`] so it is always a single valid folder name, and always a
/// namespace name ([`is_namespace_name`]; an empty tool version becomes `v`).
///
/// ```
/// assert_eq!(cache_layout::cache_version("0.1.0", 1), "0.1.0-f1");
/// assert_eq!(cache_layout::cache_version("../../etc", 2), "_._.._etc-f2");
/// assert_eq!(cache_layout::cache_version("", 3), "v-f3");
/// ```
pub fn cache_version(tool_version: &str, format: u32) -> String {
    let tool = if tool_version.is_empty() {
        "v"
    } else {
        tool_version
    };
    escape_version_name(&format!("{tool}-f{format}"))
}

/// The lowercase hex spelling of a key (64 characters).
///
/// ```
/// assert_eq!(cache_layout::key_hex(&[0xa5; 32]), "a5".repeat(32));
/// ```
pub fn key_hex(key: &[u8; 32]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(KEY_HEX_LEN);
    for &b in key {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    s
}

/// Parses the spelling [`key_hex`] produces: exactly 64 lowercase hex digits.
///
/// ```
/// use cache_layout::{key_hex, parse_key_hex};
/// assert_eq!(parse_key_hex(&key_hex(&[7; 32])), Some([7; 32]));
/// assert_eq!(parse_key_hex(&"AB".repeat(32)), None); // uppercase is not our spelling
/// ```
pub fn parse_key_hex(s: &str) -> Option<[u8; 32]> {
    let bytes = s.as_bytes();
    if bytes.len() != KEY_HEX_LEN {
        return None;
    }
    let mut key = [0u8; 32];
    for (out, pair) in key.iter_mut().zip(bytes.chunks_exact(2)) {
        *out = (hex_value(pair[0])? << 4) | hex_value(pair[1])?;
    }
    Some(key)
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
