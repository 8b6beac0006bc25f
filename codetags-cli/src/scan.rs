//! The scan: walk each root in parallel, validate every file against the scan-state cache by its
//! stat data, read and parse only what changed, and return every file's tags sorted by path and
//! position, whatever the thread timing.
//!
//! # The scan state
//! One cache entry per scan root holds a record per file: its path relative to the root, size,
//! mtime (ns), mode, the SHA-256 of its bytes when known, and its parsed tags and diagnostics.
//! The entry's key is the SHA-256 of a function name and its arguments (see [`StateKey`]): the
//! canonical root, a fingerprint of every setting that changes results, the cache format and the
//! tool version. A warm scan of an unchanged tree therefore loads one entry, stats every file
//! and reads none.
//!
//! A record is trusted only when size, mtime and mode all match **and** the file's mtime is
//! older than the start of the scan that wrote the record by more than
//! [`RACY_GRANULARITY_NS`]: a file changed in the same timestamp tick as that scan (git's
//! "racily clean" problem) is re-read. A file whose stat changed is read and hashed; it is
//! re-parsed only when the hash differs from the record's, or when the record has none.
//!
//! # When files are hashed
//! Parsing a file costs about what hashing it costs, so a scan hashes only where a hash pays:
//! a file with tags (their `source_bytes_digest` is the hash anyway), and a file read again
//! because its stat data changed (to compare with the record, or to store for next time). A
//! file seen for the first time without tags gets no hash: if its stat data changes later, it
//! is simply re-parsed once and its hash stored then.

use crate::config::ProjectConfig;
use crate::engine::{self, Tag};
use crate::walk::{self, WalkOptions, WalkedFile};
use cache_core::fsread::{ReadError, open_regular};
use codetags_parse::Diagnostic;
use serde::{Deserialize, Serialize};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// A file whose mtime is within this many nanoseconds of (or after) the start of the scan that
/// recorded it is re-read next time, however its stat data looks. Two seconds covers the
/// coarsest common timestamp granularity (FAT, some network file systems).
pub const RACY_GRANULARITY_NS: i64 = 2_000_000_000;

/// Bumped whenever [`ScanState`]'s encoding changes (postcard is not self-describing), or what
/// its records mean: 3 since files that cannot hold tags are no longer tokenized, so their
/// records carry no tokenizer diagnostics (a state written before would replay them).
pub const STATE_FORMAT: u32 = 3;

/// The function name hashed into every scan-state key.
pub const STATE_FUNCTION: &str = "codetags_cli::scan::scan_root";

/// What to scan and how.
#[derive(Debug, Clone)]
pub struct ScanRequest {
    /// Paths (folders or files) to scan; empty means the config's `src`, else `.`.
    pub paths: Vec<PathBuf>,
    /// The project configuration (schema, excludes, extensions).
    pub config: ProjectConfig,
    /// Where scan state is cached; `None` scans without any cache.
    pub cache: Option<Arc<dyn StateStore>>,
    /// Worker threads; 0 = one per CPU.
    pub threads: usize,
    /// Follow symbolic links.
    pub follow_symlinks: bool,
    /// Which files are tokenized (default: those that may hold tags).
    pub tokenize: engine::Tokenize,
    /// A folder never walked (the cache root, when it lies inside the tree).
    pub skip_dir: Option<PathBuf>,
    /// Incremented once per file visited, for a progress display.
    pub progress: Option<Arc<AtomicUsize>>,
}

impl ScanRequest {
    /// A request for `paths` with `config`, no cache, one thread per CPU.
    ///
    /// ```
    /// use codetags_cli::{config::ProjectConfig, scan::{scan, ScanRequest}};
    /// let dir = tempfile::tempdir().unwrap();
    /// std::fs::write(dir.path().join("a.py"), "x = 1  # TODO: tidy up <alice>\n").unwrap();
    /// let request = ScanRequest::new(vec![dir.path().to_path_buf()], ProjectConfig::defaults(dir.path()));
    /// let outcome = scan(&request).unwrap();
    /// assert_eq!(outcome.tag_count(), 1);
    /// assert_eq!(outcome.stats.files, 1);
    /// ```
    pub fn new(paths: Vec<PathBuf>, config: ProjectConfig) -> Self {
        Self {
            paths,
            config,
            cache: None,
            threads: 0,
            follow_symlinks: false,
            tokenize: engine::Tokenize::default(),
            skip_dir: None,
            progress: None,
        }
    }
}

impl ScanRequest {
    /// Caches scan state in the filesystem cache at `root` with default settings
    /// (`[tool.pycodetags.cache]` defaults: versioned, dated, 7-day TTL, uncompressed).
    ///
    /// ```
    /// use codetags_cli::{config::ProjectConfig, scan::{scan, ScanRequest}};
    /// let dir = tempfile::tempdir().unwrap();
    /// std::fs::write(dir.path().join("a.py"), "# TODO: cache me <p:1>\n").unwrap();
    /// let request = ScanRequest::new(vec![dir.path().into()], ProjectConfig::defaults(dir.path()))
    ///     .with_cache_dir(dir.path().join(".pycodetags_cache"));
    /// let cold = scan(&request).unwrap();
    /// assert_eq!((cold.stats.parsed, cold.stats.states_written), (1, 1));
    /// ```
    pub fn with_cache_dir(mut self, root: impl AsRef<Path>) -> Self {
        let settings = cache_core::CacheSettings::default();
        let store = crate::cache::CoreStateStore::open(root.as_ref(), &settings);
        self.skip_dir = Some(root.as_ref().to_path_buf());
        self.cache = Some(Arc::new(store));
        self
    }
}

/// Storage for scan states; [`crate::cache::CoreStateStore`] is the real one (cache-core).
pub trait StateStore: std::fmt::Debug + Send + Sync {
    /// The state stored under `key`, if any and if it decodes.
    fn load(&self, key: &StateKey) -> Option<ScanState>;
    /// Stores `state` under `key`; failures are logged, never fatal.
    fn store(&self, key: &StateKey, state: &ScanState);
}

/// The arguments a scan state is keyed on (hashed with [`STATE_FUNCTION`] by the store).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateKey {
    /// [`STATE_FORMAT`].
    pub format: u32,
    /// The scan root, canonicalised.
    pub root: String,
    /// Every setting that changes results.
    pub settings: ResultSettings,
    /// This tool's version.
    pub tool_version: String,
}

/// The cached result of scanning one root.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ScanState {
    /// When the scan that produced this state started (ns since the Unix epoch).
    pub started_ns: i64,
    /// One record per file, sorted by `rel`.
    pub files: Vec<FileRecord>,
}

/// What was known about one file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileRecord {
    /// Path relative to the scan root, `/`-separated.
    pub rel: String,
    /// Size, mtime (ns) and mode when the file was read.
    pub stat: FileStat,
    /// SHA-256 of the file's bytes; `None` for a file without tags that was read only once
    /// (see the module documentation).
    pub content: Option<[u8; 32]>,
    /// Tags found, in source order, `file_path` unset.
    pub tags: Vec<Tag>,
    /// Problems found while parsing.
    pub diagnostics: Vec<Diagnostic>,
}

impl FileRecord {
    /// Whether the file has tags or diagnostics: the files a [`ScanOutcome`] lists.
    pub fn has_findings(&self) -> bool {
        !self.tags.is_empty() || !self.diagnostics.is_empty()
    }
}

/// The stat data a record is validated with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileStat {
    /// Size in bytes.
    pub size: u64,
    /// Modification time, ns since the Unix epoch.
    pub mtime_ns: i64,
    /// Unix mode bits (0 elsewhere).
    pub mode: u32,
}

impl FileStat {
    /// The stat data of `metadata`.
    pub fn of(metadata: &std::fs::Metadata) -> Self {
        Self {
            size: metadata.len(),
            mtime_ns: mtime_ns(metadata),
            mode: mode_of(metadata),
        }
    }
}

#[cfg(unix)]
fn mtime_ns(metadata: &std::fs::Metadata) -> i64 {
    use std::os::unix::fs::MetadataExt;
    metadata
        .mtime()
        .saturating_mul(1_000_000_000)
        .saturating_add(metadata.mtime_nsec())
}

#[cfg(not(unix))]
fn mtime_ns(metadata: &std::fs::Metadata) -> i64 {
    metadata.modified().map(system_time_ns).unwrap_or(0)
}

#[cfg(unix)]
fn mode_of(metadata: &std::fs::Metadata) -> u32 {
    use std::os::unix::fs::MetadataExt;
    metadata.mode()
}

#[cfg(not(unix))]
fn mode_of(metadata: &std::fs::Metadata) -> u32 {
    u32::from(metadata.permissions().readonly())
}

fn system_time_ns(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_nanos()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_nanos()).unwrap_or(i64::MAX),
    }
}

/// One scanned file in the outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct ScannedFile {
    /// The path to show: the scan root as given, joined with the file's relative path.
    pub path: PathBuf,
    /// Its tags, sorted by position, `file_path` set to `path`.
    pub tags: Vec<Tag>,
    /// Parse problems (decode, tokenize, malformed tags), sorted by position.
    pub diagnostics: Vec<Diagnostic>,
}

/// A file or folder that could not be read: reported as a diagnostic, never cached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadProblem {
    /// The path concerned.
    pub path: PathBuf,
    /// The reason.
    pub message: String,
}

/// Counts of what a scan did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanStats {
    /// Files selected by the walk.
    pub files: usize,
    /// Files served from the cache on stat data alone (not read).
    pub hits: usize,
    /// Files read (no record, changed stat data, or racy timestamps).
    pub misses: usize,
    /// Files read whose content hash matched the record, so were not re-parsed.
    pub revalidated: usize,
    /// Files parsed.
    pub parsed: usize,
    /// Files or folders that could not be read.
    pub unreadable: usize,
    /// Records dropped because their file is gone: the walk no longer met it (deleted, renamed
    /// away, newly ignored, or no longer a regular file). A file that was edited and re-parsed,
    /// or that could not be read, is not counted here.
    pub removed: usize,
    /// Scan roots whose state was found in the cache.
    pub states_loaded: usize,
    /// Scan roots whose state was written back.
    pub states_written: usize,
}

/// What a scan found, sorted by path.
#[derive(Debug, Clone, Default)]
pub struct ScanOutcome {
    /// Every scanned file that has tags or diagnostics, sorted by path (the others are only
    /// counted, in `stats.files`).
    pub files: Vec<ScannedFile>,
    /// Files and folders that could not be read, sorted by path.
    pub problems: Vec<ReadProblem>,
    /// Counters.
    pub stats: ScanStats,
    /// Wall time of the scan.
    pub elapsed: Duration,
}

impl ScanOutcome {
    /// The number of tags found.
    pub fn tag_count(&self) -> usize {
        self.files.iter().map(|f| f.tags.len()).sum()
    }

    /// The number of diagnostics: parse problems plus unreadable paths.
    pub fn diagnostic_count(&self) -> usize {
        self.files
            .iter()
            .map(|f| f.diagnostics.len())
            .sum::<usize>()
            + self.problems.len()
    }
}

/// Why a scan could not start.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    /// A path to scan does not exist.
    #[error("{}: no such file or directory", crate::render::display_path(path))]
    MissingPath {
        /// The path as given.
        path: PathBuf,
    },
}

/// A scan root, resolved.
#[derive(Debug)]
struct Root {
    given: PathBuf,
    display: PathBuf,
    canonical: PathBuf,
    match_prefix: String,
}

/// Scans the request's paths. Bad files never abort the scan: they become diagnostics.
///
/// ```
/// use codetags_cli::{config::ProjectConfig, scan::{scan, ScanRequest}};
/// let dir = tempfile::tempdir().unwrap();
/// std::fs::write(dir.path().join("b.py"), "# FIXME: two <p:1>\n").unwrap();
/// std::fs::write(dir.path().join("a.py"), "# TODO: one <p:2>\n").unwrap();
/// let outcome = scan(&ScanRequest::new(vec![dir.path().into()], ProjectConfig::defaults(dir.path()))).unwrap();
/// let names: Vec<_> = outcome.files.iter().map(|f| f.path.file_name().unwrap().to_owned()).collect();
/// assert_eq!(names, ["a.py", "b.py"]);
/// ```
pub fn scan(request: &ScanRequest) -> Result<ScanOutcome, ScanError> {
    let started = Instant::now();
    let started_ns = system_time_ns(SystemTime::now());
    let roots = resolve_roots(request)?;
    let settings = ResultSettings::of(request);
    let options = WalkOptions {
        threads: request.threads,
        follow_symlinks: request.follow_symlinks,
        skip_dir: request
            .skip_dir
            .as_ref()
            .and_then(|d| std::path::absolute(d).ok()),
    };
    let mut outcome = ScanOutcome::default();
    for root in &roots {
        let key = StateKey {
            format: STATE_FORMAT,
            root: root.canonical.to_string_lossy().into_owned(),
            settings: settings.clone(),
            tool_version: crate::VERSION.to_owned(),
        };
        let old = request.cache.as_ref().and_then(|c| c.load(&key));
        if old.is_some() {
            outcome.stats.states_loaded += 1;
        }
        let (state, changed) = scan_root(request, root, &options, old, started_ns, &mut outcome);
        log_phase(started, "walked and parsed");
        if changed && let Some(cache) = &request.cache {
            cache.store(&key, &state);
            outcome.stats.states_written += 1;
            log_phase(started, "state stored");
        }
        for record in state.files.into_iter().filter(FileRecord::has_findings) {
            let path = join_display(&root.display, &record.rel);
            outcome.files.push(finish_file(path, record));
        }
    }
    log_phase(started, "outcome built");
    outcome.files.sort_by(|a, b| a.path.cmp(&b.path));
    outcome.problems.sort_by(|a, b| a.path.cmp(&b.path));
    outcome.elapsed = started.elapsed();
    log_phase(started, "outcome sorted");
    Ok(outcome)
}

/// Logs, at debug level (`-vv`), that a phase of a scan ended and how long since `started`.
pub(crate) fn log_phase(started: Instant, phase: &str) {
    tracing::debug!(
        elapsed_ms = started.elapsed().as_secs_f64() * 1e3,
        "{phase}"
    );
}

/// Sets `file_path` on every tag and sorts tags and diagnostics by position.
fn finish_file(path: PathBuf, record: FileRecord) -> ScannedFile {
    let FileRecord {
        mut tags,
        mut diagnostics,
        ..
    } = record;
    // Not `to_string_lossy`: two names differing only in undecodable bytes would be one.
    let shown = crate::render::json_file_path(&path);
    for tag in &mut tags {
        engine::set_file_path(tag, &shown);
    }
    tags.sort_by_key(engine::tag_position);
    diagnostics.sort_by_key(|d| (d.line, d.column));
    ScannedFile {
        path,
        tags,
        diagnostics,
    }
}

/// What the per-file visitor decided.
enum Visit {
    /// The old record at this index is valid on its stat data: the file was not read.
    Keep(usize),
    /// The file was read and its content hash matches the old record at this index.
    Revalidated(usize, FileStat),
    /// A new record, replacing the old record at this index if there is one (the file was
    /// edited).
    Fresh(Option<usize>, FileRecord),
    /// Unreadable; its old record, if any, is at this index (dropped, but not because the
    /// file is gone).
    Problem(Option<usize>, ReadProblem),
    /// A file whose name is not UTF-8: scanned, never cached.
    Uncached(PathBuf, FileRecord),
}

fn scan_root(
    request: &ScanRequest,
    root: &Root,
    options: &WalkOptions,
    old: Option<ScanState>,
    started_ns: i64,
    outcome: &mut ScanOutcome,
) -> (ScanState, bool) {
    let old = old.unwrap_or_default();
    let config = &request.config;
    let trusted_before = old.started_ns.saturating_sub(RACY_GRANULARITY_NS);
    let visit = |buffer: &mut ReadBuffer, file: WalkedFile<'_>| -> Option<(String, Visit)> {
        if let Some(progress) = &request.progress {
            progress.fetch_add(1, Ordering::Relaxed);
        }
        let previous = if file.rel_exact {
            old.files
                .binary_search_by(|r| r.rel.as_str().cmp(&file.rel))
                .ok()
        } else {
            None
        };
        let problem = |file: &WalkedFile<'_>, message: String| {
            let path = display_of(root, file.path);
            Some((
                file.rel.clone(),
                Visit::Problem(previous, ReadProblem { path, message }),
            ))
        };
        // What the walk saw as a regular file may have been replaced since by a FIFO or a
        // device (the open never blocks on one): skipped as the walk would have skipped it,
        // unless it was named on the command line.
        let read_problem = |file: &WalkedFile<'_>, err: ReadError| match err {
            ReadError::NotRegular { .. } if !file.rel.is_empty() => None,
            ReadError::NotRegular { .. } => problem(file, err.to_string()),
            err => problem(file, format!("cannot read: {err}")),
        };
        // A link is followed only where the user asked for it: with `-L`, or when the link
        // itself was named on the command line (its `rel` is empty).
        let follow = request.follow_symlinks || file.rel.is_empty();
        let (stat, bytes) = match previous {
            // A known file: its stat data alone may settle it, without opening it.
            Some(i) => {
                let metadata = match file.metadata() {
                    Ok(metadata) if metadata.is_file() => metadata,
                    Ok(_) => return None,
                    Err(err) => return problem(&file, err.to_string()),
                };
                let stat = FileStat::of(&metadata);
                if old.files[i].stat == stat && stat.mtime_ns < trusted_before {
                    return Some((file.rel, Visit::Keep(i)));
                }
                match buffer.open_and_read(file.path, follow) {
                    Ok(read) => read,
                    Err(err) => return read_problem(&file, err),
                }
            }
            // A new file: open it and stat the open file (no second path lookup).
            None => match buffer.open_and_read(file.path, follow) {
                Ok(read) => read,
                Err(err) => return read_problem(&file, err),
            },
        };
        let known = match previous {
            Some(i) => {
                let content = engine::content_hash(bytes);
                if old.files[i].content == Some(content) {
                    return Some((file.rel, Visit::Revalidated(i, stat)));
                }
                Some(content)
            }
            None => None,
        };
        let match_rel = walk::join_posix(&root.match_prefix, &file.rel);
        let extracted = engine::extract_hashing_tagged(
            bytes,
            known.as_ref(),
            config.schema_for(&match_rel),
            request.tokenize,
        );
        let record = FileRecord {
            rel: file.rel.clone(),
            stat,
            content: extracted.content,
            tags: extracted.parsed.tags,
            diagnostics: extracted.parsed.diagnostics,
        };
        if file.rel_exact {
            Some((file.rel, Visit::Fresh(previous, record)))
        } else {
            let display = display_of(root, file.path);
            Some((file.rel, Visit::Uncached(display, record)))
        }
    };
    let (mut visits, walk_errors) =
        walk::walk(&root.given, &root.match_prefix, config, options, visit);
    visits.sort_by(|a, b| a.0.cmp(&b.0));

    let stats = &mut outcome.stats;
    stats.unreadable += walk_errors.len();
    for err in walk_errors {
        outcome.problems.push(ReadProblem {
            path: err
                .path
                .map(|p| strip_curdir(&p))
                .unwrap_or_else(|| root.display.clone()),
            message: err.message,
        });
    }
    let mut old_files: Vec<Option<FileRecord>> = old.files.into_iter().map(Some).collect();
    let old_len = old_files.len();
    let mut files = Vec::with_capacity(visits.len());
    let mut changed = false;
    // Old records carried into the new state, and old records whose file the walk met again
    // (carried, re-parsed or unreadable): the others' files are gone.
    let mut kept = 0usize;
    let mut met = 0usize;
    for (_, visit) in visits {
        match visit {
            Visit::Keep(i) => {
                if let Some(record) = old_files.get_mut(i).and_then(Option::take) {
                    stats.files += 1;
                    stats.hits += 1;
                    kept += 1;
                    met += 1;
                    files.push(record);
                }
            }
            Visit::Revalidated(i, stat) => {
                if let Some(mut record) = old_files.get_mut(i).and_then(Option::take) {
                    stats.files += 1;
                    stats.misses += 1;
                    stats.revalidated += 1;
                    kept += 1;
                    met += 1;
                    // Rewritten when the stat data moved, or when only the scan time did but
                    // that makes a racily-clean record trusted from now on (a file dated in
                    // the future stays untrusted and is not rewritten on every scan).
                    let now_trusted =
                        stat.mtime_ns < started_ns.saturating_sub(RACY_GRANULARITY_NS);
                    changed |= record.stat != stat || now_trusted;
                    record.stat = stat;
                    files.push(record);
                }
            }
            Visit::Fresh(previous, record) => {
                met += usize::from(drop_old(&mut old_files, previous));
                stats.files += 1;
                stats.misses += 1;
                stats.parsed += 1;
                changed = true;
                files.push(record);
            }
            Visit::Uncached(path, record) => {
                stats.files += 1;
                stats.misses += 1;
                stats.parsed += 1;
                if record.has_findings() {
                    outcome.files.push(finish_file(path, record));
                }
            }
            Visit::Problem(previous, problem) => {
                met += usize::from(drop_old(&mut old_files, previous));
                stats.unreadable += 1;
                outcome.problems.push(problem);
            }
        }
    }
    stats.removed += old_len - met;
    // Any old record not carried over (gone, edited, unreadable) changes the state.
    changed |= kept < old_len;
    let state = ScanState { started_ns, files };
    (state, changed)
}

/// Drops the old record at `index`, if any; whether there was one.
fn drop_old(old_files: &mut [Option<FileRecord>], index: Option<usize>) -> bool {
    index
        .and_then(|i| old_files.get_mut(i))
        .and_then(Option::take)
        .is_some()
}

/// A walker thread's read buffer, reused from file to file: it only grows (zero-filled once, as
/// safe code must initialise what `read` writes into); one grown beyond
/// [`ReadBuffer::KEEP_LIMIT`] is freed before the next file.
#[derive(Debug, Default)]
struct ReadBuffer {
    bytes: Vec<u8>,
}

impl ReadBuffer {
    /// A buffer grown beyond this many bytes (by a very large file) is not reused.
    const KEEP_LIMIT: usize = 16 << 20;

    /// Opens `path` without blocking (a FIFO put in a file's place cannot hang the scan), stats
    /// the open file and reads it. A symbolic link is followed only when `follow` is set: the
    /// walk hands over a link only then, so one met otherwise was swapped in since.
    fn open_and_read(&mut self, path: &Path, follow: bool) -> Result<(FileStat, &[u8]), ReadError> {
        let (mut file, metadata) = open_source(path, follow)?;
        let stat = FileStat::of(&metadata);
        let bytes = self.fill(&mut file, stat.size)?;
        Ok((stat, bytes))
    }

    /// Reads the file from the start with plain `read` calls into the reused buffer.
    /// `File::read_to_end` would `fstat` and `lseek` first to size its buffer, two system calls
    /// per file that the stat data already answers. Reading stops at EOF, or once `size` bytes
    /// (the stat'ed size, when non-zero) are in: bytes appended after the stat change the
    /// file's size and mtime, so the next scan reads it again anyway.
    fn fill(&mut self, file: &mut std::fs::File, size: u64) -> std::io::Result<&[u8]> {
        use std::io::Read;
        let size = usize::try_from(size).unwrap_or(usize::MAX);
        if self.bytes.len() > Self::KEEP_LIMIT {
            // Grown by a very large file: not kept for the files that follow.
            self.bytes = Vec::new();
        }
        // The stat'ed size sizes the buffer only up to a bound, beyond which it grows as bytes
        // actually arrive (a size is not a promise).
        let want = size.clamp(8192, Self::KEEP_LIMIT);
        if self.bytes.len() < want {
            self.bytes.resize(want, 0);
        }
        let mut filled = 0;
        while size == 0 || filled < size {
            if filled == self.bytes.len() {
                let grown = self.bytes.len().saturating_mul(2);
                self.bytes.resize(grown, 0);
            }
            let end = if size == 0 {
                self.bytes.len()
            } else {
                size.min(self.bytes.len())
            };
            match file.read(&mut self.bytes[filled..end]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(err) if err.kind() == std::io::ErrorKind::Interrupted => {}
                Err(err) => return Err(err),
            }
        }
        Ok(&self.bytes[..filled])
    }
}

/// Opens a source file with [`cache_core::fsread::open_regular`] (`O_NONBLOCK | O_NOFOLLOW`,
/// then an `fstat` that must show a regular file), resolving a symbolic link first when
/// `follow` is set. `open_regular`'s `Ok(None)` (nothing there) becomes `NotFound`: the walk
/// saw a file, so its vanishing is a read error like any other.
fn open_source(path: &Path, follow: bool) -> Result<(std::fs::File, std::fs::Metadata), ReadError> {
    let not_found = || {
        ReadError::Io(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "no such file or directory",
        ))
    };
    match open_regular(path) {
        Ok(Some(opened)) => Ok(opened),
        Ok(None) => Err(not_found()),
        // The link's final target, every component resolved, is opened with the same
        // no-follow, no-block flags: swapped for a FIFO or a link meanwhile, it is refused.
        Err(ReadError::NotRegular {
            kind: "symbolic link",
        }) if follow => {
            let target = std::fs::canonicalize(path)?;
            open_regular(&target)?.ok_or_else(not_found)
        }
        Err(err) => Err(err),
    }
}

/// The path to show for a file the walker built as `path` under `root`: the root as given
/// joined with the rest of `path`, byte for byte. Not through the `/`-joined relative string,
/// which is lossy for names that are not UTF-8.
fn display_of(root: &Root, path: &Path) -> PathBuf {
    match path.strip_prefix(&root.given) {
        Ok(rel) if rel.as_os_str().is_empty() => root.display.clone(),
        Ok(rel) if root.display == Path::new(".") => strip_curdir(rel),
        Ok(rel) => root.display.join(rel),
        Err(_) => strip_curdir(path),
    }
}

/// The root as given joined with `rel`, without a leading `./`.
fn join_display(display_root: &Path, rel: &str) -> PathBuf {
    if rel.is_empty() {
        return display_root.to_path_buf();
    }
    let mut path = if display_root == Path::new(".") {
        PathBuf::new()
    } else {
        display_root.to_path_buf()
    };
    for part in rel.split('/') {
        path.push(part);
    }
    path
}

fn strip_curdir(path: &Path) -> PathBuf {
    let stripped: PathBuf = path
        .components()
        .skip_while(|c| matches!(c, Component::CurDir))
        .collect();
    if stripped.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        stripped
    }
}

fn resolve_roots(request: &ScanRequest) -> Result<Vec<Root>, ScanError> {
    let config = &request.config;
    let paths: Vec<PathBuf> = if !request.paths.is_empty() {
        request.paths.clone()
    } else if !config.src.is_empty() {
        config.src.clone()
    } else {
        vec![PathBuf::from(".")]
    };
    let base = std::path::absolute(&config.base_dir).unwrap_or_else(|_| config.base_dir.clone());
    let mut roots: Vec<Root> = Vec::new();
    for given in paths {
        if std::fs::symlink_metadata(&given).is_err() {
            return Err(ScanError::MissingPath { path: given });
        }
        let canonical = std::fs::canonicalize(&given).map_err(|_| ScanError::MissingPath {
            path: given.clone(),
        })?;
        let absolute = std::path::absolute(&given).unwrap_or_else(|_| canonical.clone());
        let match_prefix = match absolute.strip_prefix(&base) {
            Ok(rel) => walk::relative_posix(Path::new(""), rel),
            Err(_) => absolute
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
        };
        let display = strip_curdir(&given);
        roots.push(Root {
            given,
            display,
            canonical,
            match_prefix,
        });
    }
    // A root inside another root (or given twice) is scanned once, through the outer root.
    roots.sort_by(|a, b| a.canonical.cmp(&b.canonical));
    let mut kept: Vec<Root> = Vec::with_capacity(roots.len());
    for root in roots {
        if kept
            .iter()
            .any(|k| root.canonical.starts_with(&k.canonical))
        {
            continue;
        }
        kept.push(root);
    }
    Ok(kept)
}

/// Every setting that decides what a scan of one root finds, hashed into the root's state key.
///
/// Built by [`ResultSettings::of`], which destructures [`ScanRequest`] and [`ProjectConfig`]
/// without `..`: a field added to either does not compile until it is taken in here or named
/// there as not affecting results. A forgotten setting would otherwise serve stale answers
/// silently (the state of the old setting replayed under the new one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultSettings {
    /// The config folder: `exclude` and `schema_paths` patterns are relative to it.
    pub base_dir: String,
    /// The default schema's name.
    pub schema: String,
    /// `(pattern, schema name)` per `schema_paths` entry, in order (the first match wins).
    pub schema_paths: Vec<(String, String)>,
    /// The `exclude` patterns.
    pub exclude: Vec<String>,
    /// The extensions scanned.
    pub extensions: Vec<String>,
    /// Whether links are followed.
    pub follow_symlinks: bool,
    /// Whether every file is tokenized (more diagnostics).
    pub tokenize_all: bool,
    /// The folder never walked (the cache root, when inside the tree).
    pub skip_dir: Option<String>,
}

impl ResultSettings {
    /// The result-affecting settings of `request`.
    ///
    /// ```
    /// use codetags_cli::{config::ProjectConfig, scan::{ResultSettings, ScanRequest}};
    /// let mut request = ScanRequest::new(vec![], ProjectConfig::defaults("."));
    /// let before = ResultSettings::of(&request);
    /// request.config.exclude.push("build".into());
    /// assert_ne!(ResultSettings::of(&request), before);
    /// request.threads = 7; // how fast, not what
    /// request.config.exclude.pop();
    /// assert_eq!(ResultSettings::of(&request), before);
    /// ```
    pub fn of(request: &ScanRequest) -> ResultSettings {
        let ScanRequest {
            // Each root has a state of its own; its path is in the key.
            paths: _,
            config,
            // Where states are kept, how fast and how visibly: not what is found.
            cache: _,
            threads: _,
            progress: _,
            follow_symlinks,
            tokenize,
            skip_dir,
        } = request;
        let ProjectConfig {
            // Where the settings came from, not what they are.
            file: _,
            base_dir,
            // Default roots: each root's path is in its key.
            src: _,
            exclude,
            schema,
            schema_paths,
            extensions,
            warnings: _,
        } = config;
        ResultSettings {
            base_dir: base_dir.to_string_lossy().into_owned(),
            schema: engine::schema_name(schema),
            schema_paths: schema_paths
                .iter()
                .map(|sp| (sp.pattern.clone(), engine::schema_name(&sp.schema)))
                .collect(),
            exclude: exclude.clone(),
            extensions: extensions.clone(),
            follow_symlinks: *follow_symlinks,
            tokenize_all: *tokenize == engine::Tokenize::All,
            skip_dir: skip_dir
                .as_ref()
                .map(|dir| dir.to_string_lossy().into_owned()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ReadBuffer;
    use cache_core::fsread::ReadError;
    use std::io::Write;
    use std::path::Path;

    impl ReadBuffer {
        /// Reads `path` as if stat'ed at `size`, to exercise `fill`'s handling of wrong sizes.
        fn read(&mut self, path: &Path, size: u64) -> std::io::Result<&[u8]> {
            let mut file = std::fs::File::open(path)?;
            self.fill(&mut file, size)
        }
    }

    fn file_with(bytes: &[u8]) -> tempfile::NamedTempFile {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(bytes).unwrap();
        file
    }

    #[test]
    fn a_reused_buffer_returns_each_file_exactly() {
        let mut buffer = ReadBuffer::default();
        let big: Vec<u8> = (0..20_000u32).map(|i| (i % 251) as u8).collect();
        let big_file = file_with(&big);
        let small_file = file_with(b"# TODO: small\n");
        let empty_file = file_with(b"");
        assert_eq!(buffer.read(big_file.path(), 20_000).unwrap(), &big[..]);
        // The stale tail of the bigger file never shows through.
        assert_eq!(
            buffer.read(small_file.path(), 14).unwrap(),
            b"# TODO: small\n"
        );
        assert_eq!(buffer.read(empty_file.path(), 0).unwrap(), b"");
    }

    #[test]
    fn a_wrong_size_is_not_trusted_beyond_the_snapshot_rule() {
        let mut buffer = ReadBuffer::default();
        let bytes: Vec<u8> = (0..30_000u32).map(|i| (i % 7) as u8 + b'a').collect();
        let file = file_with(&bytes);
        // Size 0 (procfs-like): read to EOF, growing past the initial capacity.
        assert_eq!(buffer.read(file.path(), 0).unwrap(), &bytes[..]);
        // Larger than the file (it shrank since the stat): read to EOF.
        assert_eq!(buffer.read(file.path(), 1 << 40).unwrap(), &bytes[..]);
        // Smaller than the file (it grew since the stat): the stat'ed prefix, which the
        // recorded size describes; the changed size makes the next scan read it again.
        assert_eq!(buffer.read(file.path(), 100).unwrap(), &bytes[..100]);
    }

    #[test]
    fn a_new_file_is_stat_ed_through_its_open_handle() {
        let mut buffer = ReadBuffer::default();
        let file = file_with(b"x = 1\n");
        let (stat, bytes) = buffer.open_and_read(file.path(), false).unwrap();
        assert_eq!((stat.size, bytes), (6, &b"x = 1\n"[..]));
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            buffer.open_and_read(dir.path(), false),
            Err(ReadError::NotRegular { kind: "directory" })
        ));
        let gone = buffer.open_and_read(&dir.path().join("gone.py"), false);
        assert!(matches!(gone, Err(ReadError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound));
    }

    /// A file swapped for a FIFO between the walk and the open: refused at once, never a read
    /// that waits for a writer. Run on a thread, so a regression fails instead of hanging.
    #[cfg(unix)]
    #[test]
    fn a_fifo_in_a_files_place_is_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("swapped.py");
        let status = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(status.success());
        let link = dir.path().join("link.py");
        std::os::unix::fs::symlink("swapped.py", &link).unwrap();
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut buffer = ReadBuffer::default();
            let kinds: Vec<String> = [(&fifo, false), (&link, true), (&link, false)]
                .into_iter()
                .map(|(path, follow)| match buffer.open_and_read(path, follow) {
                    Err(ReadError::NotRegular { kind }) => kind.to_owned(),
                    other => format!("{:?}", other.map(|(stat, _)| stat)),
                })
                .collect();
            let _ = sender.send(kinds);
        });
        let kinds = receiver
            .recv_timeout(std::time::Duration::from_secs(30))
            .expect("opening a FIFO blocked");
        assert_eq!(kinds, ["FIFO", "FIFO", "symbolic link"]);
    }

    #[cfg(unix)]
    #[test]
    fn a_link_is_followed_only_when_asked() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("real.py"), "# TODO: x\n").unwrap();
        let link = dir.path().join("link.py");
        std::os::unix::fs::symlink("real.py", &link).unwrap();
        let mut buffer = ReadBuffer::default();
        assert_eq!(buffer.open_and_read(&link, true).unwrap().1, b"# TODO: x\n");
        assert!(matches!(
            buffer.open_and_read(&link, false),
            Err(ReadError::NotRegular {
                kind: "symbolic link"
            })
        ));
    }
}
