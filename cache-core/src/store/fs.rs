//! The filesystem store.

use std::collections::BTreeSet;
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock};

use cache_layout::{Layout, LayoutOptions, PathKind};
use chrono::{DateTime, NaiveDate, Utc};

use super::{
    CacheStore, EntryInfo, Found, Location, Lookup, LookupScope, Obstruction, Pruned, StoreError,
    Usage, lock,
};
use crate::Key;
use crate::codec::{self, HEADER_LEN};
use crate::fsread::{self, ReadError};

/// The day folders of the namespace as listed on `listed_on`, so a lookup skips the days that
/// cannot hold an entry. Writers only ever write into their "today", so folders for days before
/// `listed_on` can disappear (eviction) but not appear; `listed_on` itself is always probed.
#[derive(Debug)]
struct DayIndex {
    listed_on: NaiveDate,
    days: BTreeSet<NaiveDate>,
}

/// How many days to probe when the day folders cannot be listed (ten years).
const MAX_BLIND_PROBES: usize = 3660;

/// What occupies one entry position.
enum Slot {
    /// Nothing (or a file where one of the folders should be).
    Missing,
    /// A regular file: its bytes, complete or a bounded prefix (see [`FsStore::read`]).
    Entry(Vec<u8>),
    /// Something that is not a regular file.
    Obstructed(&'static str),
}

/// What [`FsStore::inspect`] saw at a path, without opening it.
enum Occupant {
    Nothing,
    RegularFile,
    Other(&'static str),
}

/// The outcome of writing one position.
enum Placed {
    Written,
    Obstructed(Obstruction),
}

/// The filesystem store: one file per entry at the place [`Layout::path_for`] names, written
/// atomically (temp file in the target folder, unlink of the old entry, no-replace rename; no
/// fsync).
///
/// The root and its marker files (`CACHEDIR.TAG`, `.gitignore`) are created on the first write,
/// each with `create_new` so concurrent processes cannot trip over each other.
///
/// Day lookups list the namespace's day folders once per day (three small `readdir`s) and then
/// probe today plus the listed folders inside the TTL window, so a miss costs one failed `open`
/// per existing day folder in the window (at most `ttl_days + 1`).
///
/// Reads never block and never balloon: entries are opened with [`fsread::open_regular`]
/// (non-blocking, no symlink followed, regular files only), the header is read first and only
/// the length it declares (at most [`codec::MAX_ENTRY_LEN`]) is read after it.
///
/// **Maintenance.** It lists ([`CacheStore::entries`]), removes ([`CacheStore::remove`]) and
/// measures ([`CacheStore::usage`]) the entries of its version namespace. Pruning it answers
/// with [`Pruned::External`]: `cache-evict` prunes a filesystem cache, by whole day folders and
/// across every version namespace of the root, under the root's ownership rules, which a
/// per-namespace store cannot do; this crate cannot call it (`cache-evict` depends on it).
///
/// **Obstructions.** When something that is not a regular file (a folder, a FIFO, a symbolic
/// link, …) sits at an entry's path, it is left alone — never read, removed or renamed — and the
/// entry uses a *fallback position* that is still valid in `cache-layout`'s grammar, so one
/// blocked path cannot keep the cache cold:
///
/// * dated layout: the undated position in the namespace folder, `{namespace}/{hex}.bin`
///   (its [`Location::date`] is `None`);
/// * undated layout: the day folder of the location's date, `{namespace}/YYYY/MM/DD/{hex}.bin`.
///
/// Lookups look at the fallback only after finding the primary position obstructed (reported in
/// [`Lookup::obstructions`]), so normal lookups cost what they always did.
///
/// ```
/// use cache_core::{CacheStore, FsStore, Key, Location, LookupScope};
/// use cache_core::cache_layout::{Layout, LayoutOptions};
/// let dir = tempfile::tempdir().unwrap();
/// // A tagged root: an untagged folder holding anything is not ours to write into.
/// std::fs::write(dir.path().join("CACHEDIR.TAG"), cache_core::cache_layout::CACHEDIR_TAG_CONTENT).unwrap();
/// let dated = LayoutOptions { version: None, date_subfolders: true, gzip: false };
/// let store = FsStore::new(Layout::new(dir.path(), dated));
/// let day = chrono::NaiveDate::from_ymd_opt(2025, 7, 1).unwrap();
/// let location = Location { key: Key::new("f", &()).unwrap(), date: Some(day) };
///
/// // A folder where the entry should be: the entry goes to the undated position instead.
/// std::fs::create_dir_all(store.path_of(&location)).unwrap();
/// store.put(&location, b"entry bytes").unwrap();
/// let noon = day.and_hms_opt(12, 0, 0).unwrap().and_utc();
/// let lookup = store.lookup(&location.key, LookupScope::new(noon, chrono::TimeDelta::hours(1))).unwrap();
/// assert_eq!(lookup.obstructions[0].kind, "directory");
/// assert_eq!(lookup.found.unwrap().location.date, None);
/// assert!(store.path_of(&location).is_dir(), "the folder is left alone");
/// ```
#[derive(Debug)]
pub struct FsStore {
    layout: Layout,
    /// The same layout with date folders toggled: where the fallback positions are.
    twin: Layout,
    root_ready: AtomicBool,
    day_index: Mutex<Option<DayIndex>>,
    /// The process's file size limit (RLIMIT_FSIZE), read on the first write.
    file_size_limit: OnceLock<Option<u64>>,
}

/// The soft RLIMIT_FSIZE of this process, from `/proc/self/limits` (reading it needs no
/// `unsafe`, unlike `getrlimit`); `None` when unlimited or unknown (other systems).
fn read_file_size_limit() -> Option<u64> {
    let text = fsread::read_regular(Path::new("/proc/self/limits"), 64 << 10).ok()??;
    let text = String::from_utf8(text).ok()?;
    let line = text.lines().find(|l| l.starts_with("Max file size"))?;
    // "Max file size   {soft}   {hard}   bytes": the first value after the name.
    line["Max file size".len()..]
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

fn file_too_large(len: u64, limit: u64) -> io::Error {
    io::Error::new(
        io::ErrorKind::FileTooLarge,
        format!(
            "{len} bytes exceed the process's file size limit of {limit} bytes (ulimit -f); \
             not written, so that SIGXFSZ cannot kill the process"
        ),
    )
}

impl FsStore {
    /// A store over `layout`. No I/O happens until the first operation.
    pub fn new(layout: Layout) -> FsStore {
        let twin = Layout::new(
            layout.root().to_path_buf(),
            LayoutOptions {
                date_subfolders: !layout.options().date_subfolders,
                ..layout.options().clone()
            },
        );
        FsStore {
            layout,
            twin,
            root_ready: AtomicBool::new(false),
            day_index: Mutex::new(None),
            file_size_limit: OnceLock::new(),
        }
    }

    /// The layout this store writes.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// The primary file of the entry at `location`: its day folder in a dated layout (the
    /// undated position for a date of `None`), the undated position in an undated layout
    /// (whatever the date).
    pub fn path_of(&self, location: &Location) -> PathBuf {
        self.positions(location).0
    }

    /// The fallback file of the entry at `location`, used when [`FsStore::path_of`] is occupied
    /// by something that is not a regular file (see the type's documentation); `None` when the
    /// location has none (a date of `None`).
    pub fn fallback_path_of(&self, location: &Location) -> Option<PathBuf> {
        self.positions(location).1
    }

    fn undated_path(&self, key: &Key) -> PathBuf {
        let undated = if self.dated() {
            &self.twin
        } else {
            &self.layout
        };
        undated.path_for(key.as_bytes(), NaiveDate::MIN)
    }

    fn dated_path(&self, key: &Key, day: NaiveDate) -> PathBuf {
        let dated = if self.dated() {
            &self.layout
        } else {
            &self.twin
        };
        dated.path_for(key.as_bytes(), day)
    }

    /// (primary, fallback) positions of `location`.
    fn positions(&self, location: &Location) -> (PathBuf, Option<PathBuf>) {
        let key = &location.key;
        match (self.dated(), location.date) {
            (true, Some(day)) => (self.dated_path(key, day), Some(self.undated_path(key))),
            (false, Some(day)) => (self.undated_path(key), Some(self.dated_path(key, day))),
            (_, None) => (self.undated_path(key), None),
        }
    }

    /// Reads the entry at `path` without blocking or ballooning.
    ///
    /// Only a regular file is opened (see [`fsread::open_regular`]). Its first [`HEADER_LEN`]
    /// bytes are read, and only when they are a plausible header ([`codec::entry_len`]: magic,
    /// format, flags, length at most [`codec::MAX_ENTRY_LEN`]) is the declared length read, plus
    /// one byte to notice a file longer than it says. Whatever was read goes to the decoder,
    /// which turns every such defect into a miss; so memory and time stay bounded by the
    /// declared length even for a huge or endless file.
    fn read(path: &Path) -> Result<Slot, StoreError> {
        let io_error = |source| StoreError::Io {
            op: "read",
            path: path.to_owned(),
            source,
        };
        let (file, meta) = match fsread::open_regular(path) {
            Ok(Some(opened)) => opened,
            Ok(None) => return Ok(Slot::Missing),
            Err(ReadError::NotRegular { kind }) => return Ok(Slot::Obstructed(kind)),
            Err(ReadError::Io(source)) => return Err(io_error(source)),
            // `open_regular` does not limit lengths; kept as an I/O error should that change.
            Err(other @ ReadError::TooLarge { .. }) => {
                return Err(io_error(io::Error::other(other.to_string())));
            }
        };
        Self::read_entry(&file, meta.len())
            .map(Slot::Entry)
            .map_err(io_error)
    }

    fn read_entry(file: &File, file_len: u64) -> io::Result<Vec<u8>> {
        let mut bytes = Vec::with_capacity(HEADER_LEN);
        // `&File` is `Read` and `Copy`: both reads go through the one shared file offset.
        Read::take(file, HEADER_LEN as u64).read_to_end(&mut bytes)?;
        let Ok(total) = codec::entry_len(&bytes) else {
            return Ok(bytes);
        };
        // Reserve for what is really there (a crafted header may claim far more than the file
        // holds), never beyond the declared length plus the one probing byte.
        let expected = total.min(file_len).saturating_add(1);
        bytes.reserve(
            usize::try_from(expected)
                .unwrap_or(0)
                .saturating_sub(bytes.len()),
        );
        Read::take(file, total + 1 - HEADER_LEN as u64).read_to_end(&mut bytes)?;
        Ok(bytes)
    }

    /// What is at `path`, by `lstat` (a link is reported as a link, never followed).
    fn inspect(path: &Path) -> Result<Occupant, StoreError> {
        match fs::symlink_metadata(path) {
            Ok(meta) if meta.is_file() => Ok(Occupant::RegularFile),
            Ok(meta) => Ok(Occupant::Other(fsread::describe_file_type(&meta))),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
                ) =>
            {
                Ok(Occupant::Nothing)
            }
            Err(source) => Err(StoreError::Io {
                op: "inspect",
                path: path.to_owned(),
                source,
            }),
        }
    }

    /// The days to probe, newest first: `newest` itself, then the listed day folders in the
    /// window. The listing is redone when `newest` moves past the day it was taken on.
    fn candidate_days(&self, newest: NaiveDate, oldest: NaiveDate) -> Vec<NaiveDate> {
        if oldest > newest {
            return Vec::new();
        }
        let mut index = lock(&self.day_index);
        if index.as_ref().is_none_or(|i| newest > i.listed_on) {
            *index = self.list_days().map(|days| DayIndex {
                listed_on: newest,
                days,
            });
        }
        match &*index {
            Some(index) => std::iter::once(newest)
                .chain(index.days.range(oldest..newest).rev().copied())
                .collect(),
            None => std::iter::successors(Some(newest), |d| d.pred_opt())
                .take_while(|d| *d >= oldest)
                .take(MAX_BLIND_PROBES)
                .collect(),
        }
    }

    /// The day folders of this namespace; `None` when they cannot be listed (then every day is
    /// probed).
    fn list_days(&self) -> Option<BTreeSet<NaiveDate>> {
        let mut days = BTreeSet::new();
        let namespace = self.layout.namespace_dir();
        let years = match fs::read_dir(&namespace) {
            Ok(years) => years,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Some(days),
            Err(_) => return None,
        };
        for year in years.flatten() {
            let year_path = year.path();
            if !matches!(self.layout.classify(&year_path), PathKind::YearDir { .. }) {
                continue;
            }
            for month in fs::read_dir(&year_path).ok()?.flatten() {
                let month_path = month.path();
                if !matches!(self.layout.classify(&month_path), PathKind::MonthDir { .. }) {
                    continue;
                }
                for day in fs::read_dir(&month_path).ok()?.flatten() {
                    if let PathKind::DayDir { date, .. } = self.layout.classify(&day.path()) {
                        days.insert(date);
                    }
                }
            }
        }
        Some(days)
    }

    /// Creates the root and its marker files once per store.
    fn ensure_root(&self) -> Result<(), StoreError> {
        if self.root_ready.load(Ordering::Acquire) {
            return Ok(());
        }
        // Under a file size limit smaller than a marker, writing the markers would raise SIGXFSZ,
        // whose default action kills the process.
        let longest_marker = cache_layout::CACHEDIR_TAG_CONTENT
            .len()
            .max(cache_layout::GITIGNORE_CONTENT.len()) as u64;
        if let Some(limit) = self.file_size_limit()
            && longest_marker > limit
        {
            return Err(StoreError::Root {
                path: self.layout.root().to_path_buf(),
                source: file_too_large(longest_marker, limit),
            });
        }
        crate::root::init_root(self.layout.root())?;
        self.root_ready.store(true, Ordering::Release);
        Ok(())
    }

    fn create_temp(
        builder: &tempfile::Builder<'_, '_>,
        dir: &Path,
    ) -> Result<tempfile::NamedTempFile, StoreError> {
        let temp_error = |source| StoreError::Io {
            op: "create a temp file in",
            path: dir.to_owned(),
            source,
        };
        match builder.tempfile_in(dir) {
            Ok(temp) => Ok(temp),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                fs::create_dir_all(dir).map_err(|source| StoreError::Io {
                    op: "create folder",
                    path: dir.to_owned(),
                    source,
                })?;
                builder.tempfile_in(dir).map_err(temp_error)
            }
            Err(source) => Err(temp_error(source)),
        }
    }

    fn file_size_limit(&self) -> Option<u64> {
        *self.file_size_limit.get_or_init(read_file_size_limit)
    }

    /// Writes `bytes` as the entry at `path`, or reports that something which is not a regular
    /// file occupies `path` (and then leaves it exactly as it was).
    ///
    /// Every failure — including EFBIG under `ulimit -f`, ENOSPC, EDQUOT and EROFS at any step —
    /// is a [`StoreError::Io`], and the temp file is gone afterwards (`NamedTempFile` deletes it
    /// when dropped on any error path). The entry name only ever gets a complete temp file, so
    /// no partial entry is ever readable.
    fn write_at(&self, path: &Path, bytes: &[u8]) -> Result<Placed, StoreError> {
        let obstructed = |kind| {
            Ok(Placed::Obstructed(Obstruction {
                path: path.to_owned(),
                kind,
            }))
        };
        // Look before writing anything: an obstruction costs no temp file, and the common case
        // (nothing there yet) needs no unlink below.
        let before = Self::inspect(path)?;
        if let Occupant::Other(kind) = before {
            return obstructed(kind);
        }
        // A write past RLIMIT_FSIZE raises SIGXFSZ, which kills the process unless the host
        // ignores it (then the write fails with EFBIG, handled like any write error below). An
        // entry over the limit is therefore refused before a byte is written: the cache must
        // never take the process down.
        if let Some(limit) = self.file_size_limit()
            && bytes.len() as u64 > limit
        {
            return Err(StoreError::Io {
                op: "write",
                path: path.to_owned(),
                source: file_too_large(bytes.len() as u64, limit),
            });
        }
        let dir = path.parent().ok_or_else(|| StoreError::Io {
            op: "write",
            path: path.to_owned(),
            source: io::Error::from(io::ErrorKind::InvalidInput),
        })?;
        let mut builder = tempfile::Builder::new();
        builder.prefix(cache_layout::TEMP_PREFIX);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            // Like any other file the user creates (0o666 minus umask), not tempfile's 0o600.
            builder.permissions(fs::Permissions::from_mode(0o666));
        }
        let mut temp = Self::create_temp(&builder, dir)?;
        // One unbuffered write of the whole entry; the temp file is deleted if anything fails
        // (a short write followed by EFBIG or ENOSPC included: `write_all` reports the error).
        temp.as_file_mut()
            .write_all(bytes)
            .map_err(|source| StoreError::Io {
                op: "write",
                path: temp.path().to_owned(),
                source,
            })?;
        // Unlink the old entry first: on ext4 (auto_da_alloc) a rename that replaces a file
        // forces the new data to disk, which measured 2.5 ms instead of 75 µs per write. A reader
        // in between sees no entry (a miss), never a partial one; after a power loss the entry
        // may be empty or zero-filled, which the checksum turns into a miss.
        //
        // Only a regular file is unlinked, and it is looked at again right before: the first
        // look was before the (possibly long) write. Between this `lstat` and the `unlink`
        // another process could still swap the file for a FIFO or a link, which `unlink` would
        // remove; that window is a few microseconds wide and needs a concurrent writer of that
        // very path, whereas a folder (the usual obstruction) can never be unlinked at all.
        if matches!(before, Occupant::RegularFile) {
            match Self::inspect(path)? {
                Occupant::RegularFile => match fs::remove_file(path) {
                    Ok(()) => {}
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                    Err(source) => {
                        return Err(StoreError::Io {
                            op: "replace",
                            path: path.to_owned(),
                            source,
                        });
                    }
                },
                Occupant::Other(kind) => return obstructed(kind),
                Occupant::Nothing => {}
            }
        }
        // A no-replace rename (renameat2 RENAME_NOREPLACE, else link + unlink): if anything
        // appeared at the path since the unlink, it is not clobbered. A plain rename would
        // silently replace a FIFO or a link planted meanwhile.
        let mut attempts = 0;
        let temp = loop {
            let e = match temp.persist_noclobber(path) {
                Ok(_) => return Ok(Placed::Written),
                Err(e) if e.error.kind() == io::ErrorKind::AlreadyExists => e,
                Err(e) => break e.file,
            };
            match Self::inspect(path)? {
                // Another writer of the same key got there first. Its entry is as good as ours
                // (same key, same computation), so ours is dropped.
                Occupant::RegularFile => return Ok(Placed::Written),
                Occupant::Other(kind) => return obstructed(kind),
                // ... and a third one has unlinked it again, on its way to writing its own:
                // try again rather than fail a write that merely lost a race.
                Occupant::Nothing if attempts < 8 => {
                    attempts += 1;
                    temp = e.file;
                }
                Occupant::Nothing => {
                    return Err(StoreError::Io {
                        op: "rename a temp file to",
                        path: path.to_owned(),
                        source: e.error,
                    });
                }
            }
        };
        // The no-replace rename itself failed for another reason: filesystems without hard
        // links (FAT, some FUSE and network mounts) refuse the link fallback. A plain rename
        // works there; it is taken only after checking again that nothing but an entry (or
        // nothing) holds the path.
        if let Occupant::Other(kind) = Self::inspect(path)? {
            return obstructed(kind);
        }
        temp.persist(path).map_err(|e| StoreError::Io {
            op: "rename a temp file to",
            path: path.to_owned(),
            source: e.error,
        })?;
        Ok(Placed::Written)
    }

    fn note_day(&self, day: NaiveDate) {
        if let Some(index) = lock(&self.day_index).as_mut() {
            index.days.insert(day);
        }
    }
}

impl CacheStore for FsStore {
    fn dated(&self) -> bool {
        self.layout.options().date_subfolders
    }

    fn get(&self, key: &Key, scope: LookupScope) -> Result<Option<Found>, StoreError> {
        Ok(self.lookup(key, scope)?.found)
    }

    fn lookup(&self, key: &Key, scope: LookupScope) -> Result<Lookup, StoreError> {
        // The day folders are this store's business: the scope says which entries may be fresh,
        // and here that becomes the folders that can hold them.
        let (newest, oldest) = scope.days();
        let mut lookup = Lookup::default();
        let undated = Location {
            key: *key,
            date: None,
        };
        // Probes one position; `true` when the lookup is over (found).
        let probe =
            |lookup: &mut Lookup, location: Location, path: PathBuf| match Self::read(&path)? {
                Slot::Entry(bytes) => {
                    lookup.found = Some(Found { location, bytes });
                    Ok::<_, StoreError>(true)
                }
                Slot::Missing => Ok(false),
                Slot::Obstructed(kind) => {
                    lookup.obstructions.push(Obstruction { path, kind });
                    Ok(false)
                }
            };
        if !self.dated() {
            if probe(&mut lookup, undated, self.undated_path(key))?
                || lookup.obstructions.is_empty()
            {
                return Ok(lookup);
            }
            // The undated position is blocked: writers used their day folder instead.
            for day in self.candidate_days(newest, oldest) {
                let location = Location {
                    key: *key,
                    date: Some(day),
                };
                if probe(&mut lookup, location, self.dated_path(key, day))? {
                    break;
                }
            }
            return Ok(lookup);
        }
        let mut fallback_probed = false;
        for day in self.candidate_days(newest, oldest) {
            let location = Location {
                key: *key,
                date: Some(day),
            };
            let seen = lookup.obstructions.len();
            if probe(&mut lookup, location, self.dated_path(key, day))? {
                break;
            }
            // This day's position is blocked: a writer on that day used the undated position.
            // Probing it right away keeps "newest first".
            if lookup.obstructions.len() > seen && !fallback_probed {
                fallback_probed = true;
                if probe(&mut lookup, undated, self.undated_path(key))? {
                    break;
                }
            }
        }
        Ok(lookup)
    }

    fn put(&self, location: &Location, bytes: &[u8]) -> Result<(), StoreError> {
        self.ensure_root()?;
        let (primary, fallback) = self.positions(location);
        let blocked = match self.write_at(&primary, bytes)? {
            Placed::Written => {
                if let (true, Some(day)) = (self.dated(), location.date) {
                    self.note_day(day);
                }
                return Ok(());
            }
            Placed::Obstructed(blocked) => blocked,
        };
        let Some(fallback) = fallback else {
            return Err(StoreError::Obstructed {
                obstructions: vec![blocked],
            });
        };
        tracing::debug!(%blocked, fallback = %fallback.display(), "writing the entry at its fallback position");
        match self.write_at(&fallback, bytes)? {
            Placed::Written => {
                if let (false, Some(day)) = (self.dated(), location.date) {
                    self.note_day(day);
                }
                Ok(())
            }
            Placed::Obstructed(also) => Err(StoreError::Obstructed {
                obstructions: vec![blocked, also],
            }),
        }
    }

    /// Removes the entry at the primary position if a regular file is there, else the one at the
    /// fallback position (if a regular file is there). Nothing else is ever removed.
    fn remove(&self, location: &Location) -> Result<bool, StoreError> {
        let (primary, fallback) = self.positions(location);
        for path in std::iter::once(primary).chain(fallback) {
            if !matches!(Self::inspect(&path)?, Occupant::RegularFile) {
                continue;
            }
            match fs::remove_file(&path) {
                Ok(()) => return Ok(true),
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(source) => {
                    return Err(StoreError::Io {
                        op: "remove",
                        path,
                        source,
                    });
                }
            }
        }
        Ok(false)
    }

    fn entries(&self) -> Result<Vec<EntryInfo>, StoreError> {
        let mut out = Vec::new();
        let namespace = self.layout.namespace_dir();
        let mut stack = vec![namespace.clone()];
        while let Some(dir) = stack.pop() {
            let listing = match fs::read_dir(&dir) {
                Ok(listing) => listing,
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(source) => {
                    return Err(StoreError::Io {
                        op: "list",
                        path: dir,
                        source,
                    });
                }
            };
            for item in listing {
                let item = item.map_err(|source| StoreError::Io {
                    op: "list",
                    path: dir.clone(),
                    source,
                })?;
                let path = item.path();
                let Ok(file_type) = item.file_type() else {
                    continue;
                };
                match self.layout.classify(&path) {
                    // Only regular files are entries: a folder or a FIFO with an entry's name is
                    // an obstruction, not something to list (and hand to an evictor).
                    PathKind::Entry(entry)
                        if file_type.is_file()
                            && entry.version.as_deref() == self.layout.version() =>
                    {
                        let Ok(meta) = item.metadata() else { continue };
                        out.push(EntryInfo {
                            location: Location {
                                key: Key::from_bytes(entry.key),
                                date: entry.date,
                            },
                            len: meta.len(),
                            compressed: entry.compressed,
                            modified: meta.modified().ok().map(DateTime::<Utc>::from),
                            path: Some(path),
                        });
                    }
                    // Descend only into the date levels of this namespace (in an undated layout
                    // they hold fallback entries); a flat layout's root also holds other
                    // versions' folders, which are not ours to list. Links are not followed.
                    PathKind::YearDir { version, .. }
                    | PathKind::MonthDir { version, .. }
                    | PathKind::DayDir { version, .. }
                        if file_type.is_dir() && version.as_deref() == self.layout.version() =>
                    {
                        stack.push(path);
                    }
                    _ => {}
                }
            }
        }
        Ok(out)
    }

    fn usage(&self) -> Result<Usage, StoreError> {
        Ok(Usage::of_entries(&self.entries()?))
    }

    /// Does nothing and says who prunes a filesystem cache: `cache-evict` (see the type's
    /// documentation).
    fn prune(&self, scope: LookupScope) -> Result<Pruned, StoreError> {
        let _ = scope;
        Ok(Pruned::External { by: "cache-evict" })
    }
}
