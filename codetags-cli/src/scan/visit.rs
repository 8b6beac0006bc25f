//! The per-folder and per-file visit, on the walker threads: trust a record on its stat data
//! (the racy-timestamp rule), else read, hash where it pays, parse only what changed; then the
//! root's new state, a compact table ([`crate::state::table`]), from the visits.
//!
//! Folders are records too: the walk ([`crate::walk::tree`]) asks [`OldListing`] whether a
//! folder's record still holds (same mtime and inode, outside the racy window, ignore files
//! unchanged), and if so does not list it again but stats its recorded files.

use super::outcome::{ReadProblem, ScanOutcome, ScannedFile};
use super::read::ReadBuffer;
use super::request::ScanRequest;
use super::roots::{Root, display_of, strip_curdir};
use crate::display::json_file_path;
use crate::extract::{self, Tag};
use crate::state::table::{
    self, EncodedFindings, FileStamp, FileTable, IgnoreStamps, NONE, NewDir, NewFile, TableBuilder,
    flags,
};
use crate::state::{FileStat, RACY_GRANULARITY_NS, ScanState};
use crate::walk::fsys::{Dir, Kind, Stat};
use crate::walk::rules::IgnoreFiles;
use crate::walk::tree::{DirVisit, FileRef, Previous, Selection, TreeError, walk_tree};
use crate::walk::{self, WalkOptions};
use cache_core::fsread::ReadError;
use std::collections::HashMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

/// Sets `file_path` on every tag and sorts tags and diagnostics by position.
pub(super) fn finish_file(
    path: PathBuf,
    mut tags: Vec<Tag>,
    mut diagnostics: Vec<codetags_parse::Diagnostic>,
) -> ScannedFile {
    // Not `to_string_lossy`: two names differing only in undecodable bytes would be one.
    let shown = json_file_path(&path);
    for tag in &mut tags {
        extract::set_file_path(tag, &shown);
    }
    tags.sort_by_key(extract::tag_position);
    diagnostics.sort_by_key(|d| (d.line, d.column));
    ScannedFile {
        path,
        tags,
        diagnostics,
    }
}

/// A file read and parsed afresh: its name, hashes and findings live in its folder's
/// [`Arena`], so a cold scan of a large tree holds some 64 bytes per file until the state is
/// built, not a few allocations.
#[derive(Debug)]
struct FreshFile {
    name: (u32, u32),
    stat: FileStat,
    hash: u32,
    text_hash: u32,
    findings: (u32, u32),
    tags: u32,
    diagnostics_at: u32,
}

/// The names, hashes and findings of one folder's fresh files.
#[derive(Debug, Default)]
struct Arena {
    names: String,
    hashes: Vec<[u8; 32]>,
    findings: Vec<u8>,
}

impl Arena {
    fn span(start: usize, end: usize) -> (u32, u32) {
        (
            u32::try_from(start).unwrap_or(u32::MAX),
            u32::try_from(end - start).unwrap_or(0),
        )
    }

    fn hash_index(&mut self, hash: Option<[u8; 32]>) -> u32 {
        match hash {
            Some(hash) => {
                self.hashes.push(hash);
                u32::try_from(self.hashes.len() - 1).unwrap_or(NONE)
            }
            None => NONE,
        }
    }

    fn add(
        &mut self,
        name: &str,
        stat: FileStat,
        hash: Option<[u8; 32]>,
        text_hash: Option<[u8; 32]>,
        findings: EncodedFindings,
    ) -> FreshFile {
        let start = self.names.len();
        self.names.push_str(name);
        let name = Self::span(start, self.names.len());
        let start = self.findings.len();
        self.findings.extend_from_slice(&findings.bytes);
        FreshFile {
            name,
            stat,
            hash: self.hash_index(hash),
            text_hash: self.hash_index(text_hash),
            findings: Self::span(start, self.findings.len()),
            tags: findings.tags,
            diagnostics_at: findings.diagnostics_at,
        }
    }

    fn name(&self, file: &FreshFile) -> &str {
        let (start, len) = (file.name.0 as usize, file.name.1 as usize);
        self.names.get(start..start + len).unwrap_or("")
    }

    fn hash(&self, index: u32) -> Option<[u8; 32]> {
        self.hashes.get(index as usize).copied()
    }

    fn findings(&self, file: &FreshFile) -> &[u8] {
        let (start, len) = (file.findings.0 as usize, file.findings.1 as usize);
        self.findings.get(start..start + len).unwrap_or_default()
    }
}

/// What the visit of one file decided.
#[derive(Debug)]
enum FileOut {
    /// The old record is valid on its stat data: the file was not read.
    Keep(u32),
    /// The file was read and its content hash matches the old record.
    Revalidated(u32, FileStat),
    /// A new record, replacing the old one if any (the file was edited).
    Fresh(Option<u32>, FreshFile),
    /// Unreadable; its old record, if any, is dropped (but not because the file is gone).
    Problem(Option<u32>, Box<ReadProblem>),
    /// No longer a regular file: skipped, its record (if any) dropped as gone.
    Gone,
    /// A file whose path is not UTF-8: scanned, never cached.
    Uncached(Box<ScannedFile>),
}

/// What the visit of one folder produced.
#[derive(Debug)]
struct DirOut {
    rel: String,
    rel_exact: bool,
    known: Option<u32>,
    reused: bool,
    stat: Stat,
    ignore_files: IgnoreFiles,
    stamps: Option<IgnoreStamps>,
    subdirs: usize,
    files: Vec<FileOut>,
    arena: Arena,
}

/// The previous state's folder records, as the walk asks about them.
struct OldListing<'a> {
    table: &'a FileTable,
    trusted_before: i64,
}

impl OldListing<'_> {
    fn stamps_hold(&self, id: u32, found: IgnoreFiles, dir: &Dir) -> bool {
        if found.is_empty() {
            return true;
        }
        let Some(recorded) = self.table.dir_stamps(id) else {
            return false;
        };
        let now = ignore_stamps(dir, found);
        now == *recorded
            && now
                .iter()
                .flatten()
                .all(|stamp| stamp.mtime_ns.max(stamp.ctime_ns) < self.trusted_before)
    }
}

impl Previous for OldListing<'_> {
    fn root(&self) -> Option<u32> {
        (self.table.dir_count() > 0).then_some(0)
    }

    fn still_valid(&self, id: u32, stat: &Stat, dir: &Dir) -> bool {
        let row = self.table.dir(id);
        row.flags & flags::STAMPED != 0
            && row.flags & flags::NO_REUSE == 0
            && stat.kind == Kind::Dir
            && stat.mtime_ns == row.mtime_ns
            && stat.ctime_ns == row.ctime_ns
            && stat.ino == row.ino
            && stat.mtime_ns.max(stat.ctime_ns) < self.trusted_before
            && self.stamps_hold(id, self.ignore_files(id), dir)
    }

    fn same_rules(&self, id: u32, found: IgnoreFiles, dir: &Dir) -> bool {
        let row = self.table.dir(id);
        row.flags & flags::STAMPED != 0
            && self.ignore_files(id) == found
            && self.stamps_hold(id, found, dir)
    }

    fn ignore_files(&self, id: u32) -> IgnoreFiles {
        IgnoreFiles::from_bits((self.table.dir(id).flags & flags::IGNORE_FILES) as u8)
    }

    fn files(&self, id: u32) -> Vec<(u32, &str)> {
        let (first, count) = self.table.dir(id).files;
        (first..first + count)
            .map(|i| (i, self.table.file_name(i)))
            .collect()
    }

    fn subdirs(&self, id: u32) -> Vec<(u32, &str)> {
        let (first, count) = self.table.dir(id).children;
        (first..first + count)
            .map(|i| (i, self.table.dir_name(i)))
            .collect()
    }

    fn file(&self, id: u32, name: &OsStr) -> Option<u32> {
        self.table.file_named(id, name.as_encoded_bytes())
    }

    fn subdir(&self, id: u32, name: &OsStr) -> Option<u32> {
        self.table.child_named(id, name.as_encoded_bytes())
    }
}

fn stamp_of(stat: &Stat) -> FileStamp {
    FileStamp {
        size: stat.size,
        mtime_ns: stat.mtime_ns,
        ctime_ns: stat.ctime_ns,
        ino: stat.ino,
    }
}

/// Never trusted: for a rule source that cannot be watched (a `.git` file of a worktree, whose
/// exclude file lies elsewhere), so that the folder is always listed and nothing below it
/// reuses a record.
const UNWATCHABLE: FileStamp = FileStamp {
    size: u64::MAX,
    mtime_ns: i64::MAX,
    ctime_ns: i64::MAX,
    ino: 0,
};

/// The stamps of the ignore files `found` in `dir`. For `.git`, the exclude file if there is
/// one, else the folder that would receive it (its creation changes that folder's mtime).
fn ignore_stamps(dir: &Dir, found: IgnoreFiles) -> IgnoreStamps {
    let mut stamps: IgnoreStamps = [None; 3];
    for (slot, (flag, file)) in IgnoreFiles::FILES.iter().enumerate() {
        if !found.contains(*flag) {
            continue;
        }
        stamps[slot] = if *flag == IgnoreFiles::GIT {
            let git = dir.stat_at(OsStr::new(".git"), true);
            match git {
                Ok(git) if git.kind == Kind::Dir => [".git/info/exclude", ".git/info", ".git"]
                    .iter()
                    .find_map(|p| dir.stat_at(OsStr::new(p), true).ok())
                    .map(|s| stamp_of(&s)),
                _ => Some(UNWATCHABLE),
            }
        } else {
            dir.stat_at(OsStr::new(file), true)
                .ok()
                .map(|s| stamp_of(&s))
        };
    }
    stamps
}

/// The stamps of the ignore files of the ancestors of `root`, nearest first: a change there
/// changes what the walk selects anywhere.
fn ancestor_stamps(root: &Path) -> Vec<IgnoreStamps> {
    let Ok(canonical) = root.canonicalize() else {
        return Vec::new();
    };
    canonical
        .ancestors()
        .skip(1)
        .map(|dir| {
            let found = walk::rules::probe(dir);
            match Dir::open(dir) {
                Ok(open) => ignore_stamps(&open, found),
                Err(_) if found.is_empty() => [None; 3],
                Err(_) => [Some(UNWATCHABLE); 3],
            }
        })
        .collect()
}

fn file_stat(stat: &Stat) -> FileStat {
    FileStat {
        size: stat.size,
        mtime_ns: stat.mtime_ns,
        mode: stat.mode,
    }
}

/// Reads `bytes` (the file `rel`, whose content hash is `known` when it was computed to
/// compare with a record) as a scan does, encoding the tags as the grammar hands them over.
fn parse_file(
    request: &ScanRequest,
    root: &Root,
    rel: &str,
    bytes: &[u8],
    known: Option<[u8; 32]>,
) -> (Option<[u8; 32]>, Option<[u8; 32]>, EncodedFindings) {
    let schema = if request.config.schema_paths.is_empty() {
        request.config.schema
    } else {
        *request
            .config
            .schema_for(&walk::join_posix(&root.match_prefix, rel))
    };
    let mut findings = EncodedFindings::default();
    let summary = extract::extract_file_each(
        bytes,
        known.as_ref(),
        schema,
        request.tokenize,
        &mut |tag| findings.push(tag),
    );
    findings.finish(summary.diagnostics);
    (summary.bytes_sha256, summary.text_sha256, findings)
}

/// The tags (digests set, path not) and diagnostics of encoded findings.
fn decoded(
    findings: &[u8],
    tags: u32,
    diagnostics_at: u32,
    hash: Option<[u8; 32]>,
    text_hash: Option<[u8; 32]>,
) -> (Vec<Tag>, Vec<codetags_parse::Diagnostic>) {
    let Some(mut reader) = table::TagReader::new(findings, tags, diagnostics_at) else {
        return (Vec::new(), Vec::new());
    };
    let diagnostics = reader.take_diagnostics();
    let bytes_digest = hash.map(|h| hex(&h)).unwrap_or_default();
    let text_digest = text_hash.map_or_else(|| bytes_digest.clone(), |h| hex(&h));
    let tags = reader
        .filter_map(Result::ok)
        .map(|mut tag| {
            tag.source_digest.clone_from(&text_digest);
            tag.source_bytes_digest.clone_from(&bytes_digest);
            tag
        })
        .collect();
    (tags, diagnostics)
}

/// The hex form of a digest.
pub(super) fn hex(digest: &[u8; 32]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(64);
    for byte in digest {
        out.push(char::from(HEX[usize::from(byte >> 4)]));
        out.push(char::from(HEX[usize::from(byte & 0xf)]));
    }
    out
}

struct RootContext<'a> {
    request: &'a ScanRequest,
    root: &'a Root,
    old: &'a FileTable,
    trusted_before: i64,
}

impl RootContext<'_> {
    fn problem(&self, path: &Path, old: Option<u32>, message: String) -> FileOut {
        FileOut::Problem(
            old,
            Box::new(ReadProblem {
                path: display_of(self.root, path),
                message,
            }),
        )
    }

    /// One file of a folder the walk entered.
    fn visit_file(
        &self,
        buffer: &mut ReadBuffer,
        arena: &mut Arena,
        folder: &DirVisit<'_>,
        file: &FileRef<'_>,
    ) -> FileOut {
        if let Some(progress) = &self.request.progress {
            progress.fetch_add(1, Ordering::Relaxed);
        }
        let name = file.name;
        let exact = folder.rel_exact && name.to_str().is_some();
        let previous = if exact { file.known } else { None };
        if let Some(i) = previous {
            // A known file: its stat data alone may settle it, without opening it.
            let stat = match folder.dir.stat_at(name, folder.follow) {
                Ok(stat) if stat.kind == Kind::File => file_stat(&stat),
                Ok(_) => return FileOut::Gone,
                Err(err) => return self.problem(&folder.path.join(name), Some(i), err.to_string()),
            };
            let row = self.old.file(i);
            if (row.size, row.mtime_ns, row.mode) == (stat.size, stat.mtime_ns, stat.mode)
                && stat.mtime_ns < self.trusted_before
            {
                return FileOut::Keep(i);
            }
        }
        let opened = match folder.dir.open_file(name, folder.follow) {
            Ok(opened) => opened,
            Err(err) if crate::walk::fsys::is_link_refusal(&err) => return FileOut::Gone,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                let err = std::io::Error::new(err.kind(), "no such file or directory");
                return self.problem(
                    &folder.path.join(name),
                    previous,
                    format!("cannot read: {err}"),
                );
            }
            Err(err) => {
                return self.problem(
                    &folder.path.join(name),
                    previous,
                    format!("cannot read: {err}"),
                );
            }
        };
        let (stat, bytes) = match buffer.read_opened(opened) {
            Ok(read) => read,
            // Replaced since the listing by something that is not a regular file: skipped as
            // the walk would have skipped it.
            Err(ReadError::NotRegular { .. }) => return FileOut::Gone,
            Err(err) => {
                return self.problem(
                    &folder.path.join(name),
                    previous,
                    format!("cannot read: {err}"),
                );
            }
        };
        let name_text = name.to_string_lossy();
        // The path from the root matters only to `schema_paths` patterns.
        let rel = if self.request.config.schema_paths.is_empty() {
            String::new()
        } else if folder.rel.is_empty() {
            name_text.clone().into_owned()
        } else {
            format!("{}/{name_text}", folder.rel)
        };
        let known = match previous {
            Some(i) => {
                let content = extract::content_hash(bytes);
                if self.old.hash(self.old.file(i).hash) == Some(content) {
                    return FileOut::Revalidated(i, stat);
                }
                Some(content)
            }
            None => None,
        };
        let (hash, text_hash, findings) = parse_file(self.request, self.root, &rel, bytes, known);
        if !exact {
            let path = display_of(self.root, &folder.path.join(name));
            let (tags, diagnostics) = decoded(
                &findings.bytes,
                findings.tags,
                findings.diagnostics_at,
                hash,
                text_hash,
            );
            return FileOut::Uncached(Box::new(finish_file(path, tags, diagnostics)));
        }
        FileOut::Fresh(
            previous,
            arena.add(&name_text, stat, hash, text_hash, findings),
        )
    }
}

/// Scans one root against its old state; the new state, and whether it differs from the old.
pub(super) fn scan_root(
    request: &ScanRequest,
    root: &Root,
    options: &WalkOptions,
    old: Option<ScanState>,
    started_ns: i64,
    outcome: &mut ScanOutcome,
) -> (ScanState, bool) {
    let old = old.unwrap_or_default();
    let trusted_before = old.started_ns.saturating_sub(RACY_GRANULARITY_NS);
    let context = RootContext {
        request,
        root,
        old: &old.files,
        trusted_before,
    };
    let (dirs, errors, listing, ancestors) = match std::fs::metadata(&root.given) {
        Ok(metadata) if metadata.is_dir() => {
            let ancestors = ancestor_stamps(&root.given);
            let old_listing = OldListing {
                table: &old.files,
                trusted_before,
            };
            let reusable = old.files.listing
                && !options.follow_symlinks
                && old.files.ancestors == ancestors
                && ancestors
                    .iter()
                    .flatten()
                    .flatten()
                    .all(|s| s.mtime_ns.max(s.ctime_ns) < trusted_before);
            let previous: Option<&dyn Previous> =
                (old.files.dir_count() > 0).then_some(&old_listing);
            let selection = Selection {
                config: &request.config,
                match_prefix: &root.match_prefix,
                options,
            };
            // Records are looked up through the walk either way; folder records are reused
            // only when the rules above the root are unchanged.
            let no_reuse = NoReuse(&old_listing);
            let previous: Option<&dyn Previous> = match (previous.is_some(), reusable) {
                (false, _) => None,
                (true, true) => Some(&old_listing),
                (true, false) => Some(&no_reuse),
            };
            let (dirs, errors) = walk_tree(
                &root.given,
                &selection,
                previous,
                |buffer: &mut ReadBuffer, folder| {
                    let mut arena = Arena::default();
                    let files = folder
                        .files
                        .iter()
                        .map(|file| context.visit_file(buffer, &mut arena, folder, file))
                        .collect();
                    let stamps = (!folder.ignore_files.is_empty())
                        .then(|| ignore_stamps(folder.dir, folder.ignore_files));
                    DirOut {
                        rel: folder.rel.to_owned(),
                        rel_exact: folder.rel_exact,
                        known: folder.known,
                        reused: folder.reused,
                        stat: folder.stat,
                        ignore_files: folder.ignore_files,
                        stamps,
                        subdirs: folder.subdirs.len(),
                        files,
                        arena,
                    }
                },
            );
            (dirs, errors, !options.follow_symlinks, ancestors)
        }
        Ok(metadata) if metadata.is_file() => {
            let out = scan_file_root(&context, &metadata);
            (vec![out], Vec::new(), false, Vec::new())
        }
        Ok(metadata) => {
            let error = TreeError {
                dir_rel: String::new(),
                error: walk::WalkError {
                    path: Some(root.given.clone()),
                    message: walk::not_regular(&metadata),
                },
            };
            (Vec::new(), vec![error], false, Vec::new())
        }
        Err(err) => {
            let error = TreeError {
                dir_rel: String::new(),
                error: walk::WalkError {
                    path: Some(root.given.clone()),
                    message: err.to_string(),
                },
            };
            (Vec::new(), vec![error], false, Vec::new())
        }
    };
    assemble(
        old, dirs, errors, listing, ancestors, root, started_ns, outcome,
    )
}

/// The records of a previous scan, looked up but never reused (the rules above the root
/// changed).
struct NoReuse<'a>(&'a OldListing<'a>);

impl Previous for NoReuse<'_> {
    fn root(&self) -> Option<u32> {
        self.0.root()
    }
    fn still_valid(&self, _: u32, _: &Stat, _: &Dir) -> bool {
        false
    }
    fn same_rules(&self, _: u32, _: IgnoreFiles, _: &Dir) -> bool {
        false
    }
    fn ignore_files(&self, id: u32) -> IgnoreFiles {
        self.0.ignore_files(id)
    }
    fn files(&self, id: u32) -> Vec<(u32, &str)> {
        self.0.files(id)
    }
    fn subdirs(&self, id: u32) -> Vec<(u32, &str)> {
        self.0.subdirs(id)
    }
    fn file(&self, id: u32, name: &OsStr) -> Option<u32> {
        self.0.file(id, name)
    }
    fn subdir(&self, id: u32, name: &OsStr) -> Option<u32> {
        self.0.subdir(id, name)
    }
}

/// A root that is a file: one folder record (unstamped) holding one file named "".
fn scan_file_root(context: &RootContext<'_>, metadata: &std::fs::Metadata) -> DirOut {
    let request = context.request;
    let root = context.root;
    if let Some(progress) = &request.progress {
        progress.fetch_add(1, Ordering::Relaxed);
    }
    let old_file = (context.old.dir_count() > 0)
        .then(|| context.old.file_named(0, b""))
        .flatten();
    let stat = Stat::of(metadata);
    let mut arena = Arena::default();
    let file = (|| {
        let exact = root.given.to_str().is_some();
        let previous = if exact { old_file } else { None };
        if let Some(i) = previous {
            let row = context.old.file(i);
            if (row.size, row.mtime_ns, row.mode) == (stat.size, stat.mtime_ns, stat.mode)
                && stat.mtime_ns < context.trusted_before
            {
                return FileOut::Keep(i);
            }
        }
        let mut buffer = ReadBuffer::default();
        // Named on the command line, a link is followed.
        let (stat, bytes) = match buffer.open_and_read(&root.given, true) {
            Ok(read) => read,
            Err(err @ ReadError::NotRegular { .. }) => {
                return context.problem(&root.given, previous, err.to_string());
            }
            Err(err) => {
                return context.problem(&root.given, previous, format!("cannot read: {err}"));
            }
        };
        let known = match previous {
            Some(i) => {
                let content = extract::content_hash(bytes);
                if context.old.hash(context.old.file(i).hash) == Some(content) {
                    return FileOut::Revalidated(i, stat);
                }
                Some(content)
            }
            None => None,
        };
        let (hash, text_hash, findings) = parse_file(request, root, "", bytes, known);
        if !exact {
            let (tags, diagnostics) = decoded(
                &findings.bytes,
                findings.tags,
                findings.diagnostics_at,
                hash,
                text_hash,
            );
            return FileOut::Uncached(Box::new(finish_file(
                root.display.clone(),
                tags,
                diagnostics,
            )));
        }
        FileOut::Fresh(previous, arena.add("", stat, hash, text_hash, findings))
    })();
    DirOut {
        rel: String::new(),
        rel_exact: true,
        known: (context.old.dir_count() > 0).then_some(0),
        reused: false,
        stat,
        ignore_files: IgnoreFiles::default(),
        stamps: None,
        subdirs: 0,
        files: vec![file],
        arena,
    }
}

fn depth(rel: &str) -> usize {
    if rel.is_empty() {
        0
    } else {
        1 + rel.bytes().filter(|&b| b == b'/').count()
    }
}

fn parent_of(rel: &str) -> &str {
    rel.rfind('/').map_or("", |i| &rel[..i])
}

fn name_of(rel: &str) -> &str {
    rel.rfind('/').map_or(rel, |i| &rel[i + 1..])
}

/// The new state from the folder visits, in breadth-first order; counts, problems and
/// uncached files go to `outcome`.
#[allow(clippy::too_many_arguments)]
fn assemble(
    old: ScanState,
    mut dirs: Vec<DirOut>,
    errors: Vec<TreeError>,
    listing: bool,
    ancestors: Vec<IgnoreStamps>,
    root: &Root,
    started_ns: i64,
    outcome: &mut ScanOutcome,
) -> (ScanState, bool) {
    let old_table = &old.files;
    let now_trusted_before = started_ns.saturating_sub(RACY_GRANULARITY_NS);
    let stats = &mut outcome.stats;
    stats.unreadable += errors.len();
    let mut troubled: std::collections::HashSet<String> = std::collections::HashSet::new();
    for err in errors {
        troubled.insert(err.dir_rel);
        outcome.problems.push(ReadProblem {
            path: err
                .error
                .path
                .map(|p| strip_curdir(&p))
                .unwrap_or_else(|| root.display.clone()),
            message: err.error.message,
        });
    }
    // Folders whose path is not UTF-8 are not recorded (their files were scanned uncached);
    // their parents may then never reuse their own records.
    for dir in dirs.iter().filter(|d| !d.rel_exact) {
        troubled.insert(parent_of(&dir.rel).to_owned());
    }
    // Nothing changed at all (every folder reused, every file kept, nothing to report): the
    // old state stands as it is.
    if troubled.is_empty()
        && !dirs.is_empty()
        && dirs.len() == old_table.dir_count() as usize
        && dirs
            .iter()
            .all(|d| d.reused && d.files.iter().all(|f| matches!(f, FileOut::Keep(_))))
    {
        let files: usize = dirs.iter().map(|d| d.files.len()).sum();
        if files == old_table.file_count() as usize {
            stats.files += files;
            stats.hits += files;
            stats.folders_reused += dirs.len();
            return (old, false);
        }
    }
    // Breadth first, each level by path component by component ('/' sorts before any byte).
    dirs.sort_by_cached_key(|d| (depth(&d.rel), table::component_key(&d.rel)));

    let mut builder = TableBuilder::new(listing);
    builder.ancestors(ancestors);
    let mut index_of: HashMap<String, u32> = HashMap::with_capacity(dirs.len());
    let mut changed = false;
    let mut kept = 0usize;
    let mut met = 0usize;
    let old_len = old_table.file_count() as usize;
    let mut child_count: HashMap<u32, usize> = HashMap::new();
    let mut recorded: Vec<(u32, usize)> = Vec::new();
    for mut dir in dirs {
        let mut record = dir.rel_exact;
        let parent = if dir.rel.is_empty() {
            NONE
        } else {
            match index_of.get(parent_of(&dir.rel)) {
                Some(&p) => p,
                None => {
                    record = false;
                    NONE
                }
            }
        };
        if dir.reused {
            stats.folders_reused += 1;
        } else if listing {
            stats.folders_listed += 1;
        }
        if dir.reused {
            // Reused: its record is carried over unchanged.
        } else if let Some(id) = dir.known {
            let row = old_table.dir(id);
            let newest = row.mtime_ns.max(row.ctime_ns);
            let was_trusted = newest < old.started_ns.saturating_sub(RACY_GRANULARITY_NS);
            if row.flags & flags::STAMPED != 0
                && (row.mtime_ns, row.ctime_ns, row.ino)
                    == (dir.stat.mtime_ns, dir.stat.ctime_ns, dir.stat.ino)
                && !was_trusted
                && newest < now_trusted_before
            {
                // Listed only because it was racily clean; recorded now, it is trusted next time.
                changed = true;
            }
        }
        let mut files_out = std::mem::take(&mut dir.files);
        let arena = std::mem::take(&mut dir.arena);
        let has_trouble = troubled.contains(&dir.rel)
            || files_out
                .iter()
                .any(|f| matches!(f, FileOut::Problem(..) | FileOut::Uncached(_)));
        let this = if record {
            let mut dir_flags = u32::from(dir.ignore_files.bits());
            if listing {
                dir_flags |= flags::STAMPED;
            }
            if has_trouble {
                dir_flags |= flags::NO_REUSE;
            }
            let i = builder.dir(NewDir {
                name: name_of(&dir.rel),
                parent,
                flags: dir_flags,
                mtime_ns: dir.stat.mtime_ns,
                ctime_ns: dir.stat.ctime_ns,
                ino: dir.stat.ino,
                stamps: dir.stamps,
            });
            index_of.insert(dir.rel.clone(), i);
            if parent != NONE {
                *child_count.entry(parent).or_default() += 1;
            }
            recorded.push((i, dir.subdirs));
            Some(i)
        } else {
            None
        };
        for file in files_out.drain(..) {
            match file {
                FileOut::Keep(i) => {
                    stats.files += 1;
                    stats.hits += 1;
                    kept += 1;
                    met += 1;
                    copy_old(&mut builder, old_table, i, None, this.is_some());
                }
                FileOut::Revalidated(i, stat) => {
                    stats.files += 1;
                    stats.misses += 1;
                    stats.revalidated += 1;
                    kept += 1;
                    met += 1;
                    let row = old_table.file(i);
                    // Rewritten when the stat data moved, or when only the scan time did but
                    // that makes a racily-clean record trusted from now on (a file dated in
                    // the future stays untrusted and is not rewritten on every scan).
                    let now_trusted = stat.mtime_ns < now_trusted_before;
                    changed |= (row.size, row.mtime_ns, row.mode)
                        != (stat.size, stat.mtime_ns, stat.mode)
                        || now_trusted;
                    copy_old(&mut builder, old_table, i, Some(stat), this.is_some());
                }
                FileOut::Fresh(previous, fresh) => {
                    met += usize::from(previous.is_some());
                    stats.files += 1;
                    stats.misses += 1;
                    stats.parsed += 1;
                    changed = true;
                    let hash = arena.hash(fresh.hash);
                    let text_hash = arena.hash(fresh.text_hash);
                    if this.is_some() {
                        builder.file(NewFile {
                            name: arena.name(&fresh),
                            size: fresh.stat.size,
                            mtime_ns: fresh.stat.mtime_ns,
                            mode: fresh.stat.mode,
                            hash,
                            text_hash,
                            findings: arena.findings(&fresh),
                            tags: fresh.tags,
                            diagnostics_at: fresh.diagnostics_at,
                        });
                    } else {
                        // A file of a folder that could not be recorded: reported uncached.
                        let (tags, diagnostics) = decoded(
                            arena.findings(&fresh),
                            fresh.tags,
                            fresh.diagnostics_at,
                            hash,
                            text_hash,
                        );
                        if !tags.is_empty() || !diagnostics.is_empty() {
                            let path = super::roots::join_display(&root.display, &dir.rel)
                                .join(arena.name(&fresh));
                            outcome.files.push(finish_file(path, tags, diagnostics));
                        }
                    }
                }
                FileOut::Uncached(file) => {
                    stats.files += 1;
                    stats.misses += 1;
                    stats.parsed += 1;
                    if !file.tags.is_empty() || !file.diagnostics.is_empty() {
                        outcome.files.push(*file);
                    }
                }
                FileOut::Problem(previous, problem) => {
                    met += usize::from(previous.is_some());
                    stats.unreadable += 1;
                    outcome.problems.push(*problem);
                }
                FileOut::Gone => {}
            }
        }
    }
    // A folder whose sub-folders could not all be recorded (unreadable, not UTF-8) is listed
    // again next time.
    let mut table = builder.finish();
    let short: Vec<u32> = recorded
        .iter()
        .filter(|(i, subdirs)| child_count.get(i).copied().unwrap_or(0) != *subdirs)
        .map(|(i, _)| *i)
        .collect();
    table.mark_no_reuse(&short);
    stats.removed += old_len.saturating_sub(met);
    // Any old record not carried over (gone, edited, unreadable) changes the state, and so
    // does any change of the folder records.
    changed |= kept < old_len || table != *old_table;
    let state = ScanState {
        started_ns,
        files: table,
    };
    (state, changed)
}

/// Copies old file record `i` into the folder being built (with new stat data if given).
fn copy_old(
    builder: &mut TableBuilder,
    old: &FileTable,
    i: u32,
    stat: Option<FileStat>,
    record: bool,
) {
    if !record {
        return;
    }
    let row = old.file(i);
    let (size, mtime_ns, mode) = match stat {
        Some(s) => (s.size, s.mtime_ns, s.mode),
        None => (row.size, row.mtime_ns, row.mode),
    };
    builder.file(NewFile {
        name: old.file_name(i),
        size,
        mtime_ns,
        mode,
        hash: old.hash(row.hash),
        text_hash: old.hash(row.text_hash),
        findings: old.findings_of(&row),
        tags: row.tags,
        diagnostics_at: row.diagnostics_at,
    });
}
