//! The compact form of a scan state: fixed-width rows in a few byte buffers, read in place.
//!
//! A [`FileTable`] holds one root's folders (breadth first, each folder's sub-folders
//! contiguous and sorted by name) and files (grouped by folder, sorted by name), each a row of
//! little-endian integers in one buffer, names in another, content hashes in a third and every
//! file's findings (its tags one after the other, then its diagnostics, postcard-encoded with
//! `file_path` and digests left empty) in a fourth. Loading a state is a copy of these buffers
//! and a bounds check of every row ([`FileTable`]'s `Deserialize` refuses a table whose rows
//! point outside them), not a decode per record; a record is decoded when it is used, and a
//! file's tags one at a time ([`TagReader`]), so neither a large tree nor a file of a million
//! tags is ever held as `Tag` values.
//!
//! Rows: a folder is 64 bytes (name, parent, children, files, flags, mtime, ctime, inode), a file 52
//! (name, size, mtime, mode, hash and text-hash indices, findings, tag count, where the
//! diagnostics start).

use codetags_parse::{Diagnostic, Tag};
use serde::de::{Error as _, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::cmp::Ordering;
use std::fmt;

/// "None" in a `u32` index field.
pub const NONE: u32 = u32::MAX;

const DIR_ROW: usize = 64;
const FILE_ROW: usize = 32;
/// The part of a file's row only files with a hash or findings have.
const EXTRA_ROW: usize = 24;
const HASH: usize = 32;

/// A folder's flags (a row's `flags` field).
pub mod flags {
    /// The ignore files it holds (`walk::rules::IgnoreFiles` bits).
    pub const IGNORE_FILES: u32 = 0b111;
    /// Its mtime and inode were recorded from a listing (its record may be reused).
    pub const STAMPED: u32 = 1 << 3;
    /// Never reuse its record: a problem was met in it, or an entry could not be recorded.
    pub const NO_REUSE: u32 = 1 << 4;
}

/// A byte buffer that serialises as one postcard byte string (length, then the bytes): read
/// with a single copy, not byte by byte as a `Vec<u8>` would be.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Blob(pub Vec<u8>);

impl fmt::Debug for Blob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Blob({} bytes)", self.0.len())
    }
}

impl Serialize for Blob {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(&self.0)
    }
}

impl<'de> Deserialize<'de> for Blob {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct BlobVisitor;
        impl<'de> Visitor<'de> for BlobVisitor {
            type Value = Blob;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a byte string")
            }
            fn visit_bytes<E: serde::de::Error>(self, bytes: &[u8]) -> Result<Blob, E> {
                Ok(Blob(bytes.to_vec()))
            }
            fn visit_byte_buf<E: serde::de::Error>(self, bytes: Vec<u8>) -> Result<Blob, E> {
                Ok(Blob(bytes))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Blob, A::Error> {
                let mut out = Vec::new();
                while let Some(byte) = seq.next_element::<u8>()? {
                    out.push(byte);
                }
                Ok(Blob(out))
            }
        }
        deserializer.deserialize_byte_buf(BlobVisitor)
    }
}

/// The stat data an ignore file was recorded with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileStamp {
    /// Size in bytes.
    pub size: u64,
    /// Modification time, ns since the Unix epoch.
    pub mtime_ns: i64,
    /// Status-change time (an edit whose mtime was set back still shows here).
    pub ctime_ns: i64,
    /// Inode number.
    pub ino: u64,
}

/// The stamps of a folder's `.gitignore`, `.ignore` and `.git/info/exclude` (`None`: absent).
pub type IgnoreStamps = [Option<FileStamp>; 3];

/// A folder as the table records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DirRow {
    /// Its parent ([`NONE`] for the root).
    pub parent: u32,
    /// Its first sub-folder and how many there are (contiguous, sorted by name).
    pub children: (u32, u32),
    /// Its first file and how many there are (contiguous, sorted by name).
    pub files: (u32, u32),
    /// [`flags`].
    pub flags: u32,
    /// Index of its ignore-file stamps ([`NONE`] without ignore files).
    pub stamps: u32,
    /// Its mtime when listed.
    pub mtime_ns: i64,
    /// Its ctime when listed (no one can set it back: a folder whose mtime was restored by hand
    /// after a change still differs here).
    pub ctime_ns: i64,
    /// Its inode when listed.
    pub ino: u64,
}

/// A file as the table records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileRow {
    /// Size in bytes.
    pub size: u64,
    /// Modification time, ns since the Unix epoch.
    pub mtime_ns: i64,
    /// Mode bits.
    pub mode: u32,
    /// Index of the SHA-256 of its bytes ([`NONE`]: not hashed).
    pub hash: u32,
    /// Index of the SHA-256 of its decoded text, when that differs from the bytes'.
    pub text_hash: u32,
    /// Its findings: start and length in the findings buffer.
    pub findings: (u32, u32),
    /// How many tags the findings hold.
    pub tags: u32,
    /// Where in the findings the diagnostics start (the tags come first).
    pub diagnostics_at: u32,
}

/// One scan root's folders and files (see the module docs). Built with [`TableBuilder`].
#[derive(Clone, Default, PartialEq, Eq, Serialize)]
pub struct FileTable {
    /// Whether the folder records may be reused by the next walk (a plain walk of a folder;
    /// not for a root that is a file, nor when links were followed).
    pub listing: bool,
    dirs: Blob,
    dir_names: Blob,
    files: Blob,
    extras: Blob,
    file_names: Blob,
    hashes: Blob,
    findings: Blob,
    stamps: Vec<IgnoreStamps>,
    /// The stamps of the scan root's ancestors' ignore files, nearest first.
    pub ancestors: Vec<IgnoreStamps>,
}

impl fmt::Debug for FileTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileTable")
            .field("listing", &self.listing)
            .field("dirs", &self.dir_count())
            .field("files", &self.file_count())
            .field("hashes", &(self.hashes.0.len() / HASH))
            .field("findings_bytes", &self.findings.0.len())
            .finish()
    }
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    let mut word = [0u8; 4];
    word.copy_from_slice(&bytes[at..at + 4]);
    u32::from_le_bytes(word)
}

fn u64_at(bytes: &[u8], at: usize) -> u64 {
    let mut word = [0u8; 8];
    word.copy_from_slice(&bytes[at..at + 8]);
    u64::from_le_bytes(word)
}

fn index(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(NONE)
}

/// Compares `/`-separated paths component by component (as `Path` does): the order the
/// report lists files in.
///
/// ```
/// use codetags_cli::state::table::component_cmp;
/// use std::cmp::Ordering;
/// assert_eq!(component_cmp("a/b/c.py", "a/b.py"), Ordering::Less);
/// assert_eq!(component_cmp("a/b.py", "a/ba.py"), Ordering::Less);
/// ```
pub fn component_cmp(a: &str, b: &str) -> Ordering {
    a.split('/').cmp(b.split('/'))
}

/// A sort key that orders `/`-separated paths as [`component_cmp`] does: the bytes with `/`
/// as 0, below every byte a name can hold.
///
/// ```
/// use codetags_cli::state::table::component_key;
/// assert!(component_key("a/b/c.py") < component_key("a/b.py"));
/// ```
pub fn component_key(path: &str) -> Vec<u8> {
    path.bytes()
        .map(|b| if b == b'/' { 0 } else { b })
        .collect()
}

impl FileTable {
    /// Folders recorded.
    pub fn dir_count(&self) -> u32 {
        index(self.dirs.0.len() / DIR_ROW)
    }

    /// Files recorded.
    pub fn file_count(&self) -> u32 {
        index(self.files.0.len() / FILE_ROW)
    }

    /// Folder `i` (below [`FileTable::dir_count`]).
    pub fn dir(&self, i: u32) -> DirRow {
        let at = i as usize * DIR_ROW;
        let row = &self.dirs.0[at..at + DIR_ROW];
        DirRow {
            parent: u32_at(row, 8),
            children: (u32_at(row, 12), u32_at(row, 16)),
            files: (u32_at(row, 20), u32_at(row, 24)),
            flags: u32_at(row, 28),
            stamps: u32_at(row, 32),
            mtime_ns: u64_at(row, 40) as i64,
            ctime_ns: u64_at(row, 56) as i64,
            ino: u64_at(row, 48),
        }
    }

    /// The name of folder `i` (empty for the root).
    pub fn dir_name(&self, i: u32) -> &str {
        let at = i as usize * DIR_ROW;
        let row = &self.dirs.0[at..at + DIR_ROW];
        name_in(&self.dir_names.0, u32_at(row, 0), u32_at(row, 4))
    }

    /// The ignore-file stamps of folder `i`, if it has ignore files.
    pub fn dir_stamps(&self, i: u32) -> Option<&IgnoreStamps> {
        self.stamps.get(self.dir(i).stamps as usize)
    }

    /// The path of folder `i` from the root, `/`-separated.
    pub fn dir_path(&self, i: u32) -> String {
        let mut names = Vec::new();
        let mut at = i;
        while at != NONE && at != 0 {
            names.push(self.dir_name(at));
            at = self.dir(at).parent;
        }
        names.reverse();
        names.join("/")
    }

    /// File `i` (below [`FileTable::file_count`]).
    pub fn file(&self, i: u32) -> FileRow {
        let at = i as usize * FILE_ROW;
        let row = &self.files.0[at..at + FILE_ROW];
        let extra = u32_at(row, 28);
        let mut file = FileRow {
            size: u64_at(row, 8),
            mtime_ns: u64_at(row, 16) as i64,
            mode: u32_at(row, 24),
            hash: NONE,
            text_hash: NONE,
            findings: (0, 0),
            tags: 0,
            diagnostics_at: 0,
        };
        if extra != NONE {
            let at = extra as usize * EXTRA_ROW;
            let row = &self.extras.0[at..at + EXTRA_ROW];
            file.hash = u32_at(row, 0);
            file.text_hash = u32_at(row, 4);
            file.findings = (u32_at(row, 8), u32_at(row, 12));
            file.tags = u32_at(row, 16);
            file.diagnostics_at = u32_at(row, 20);
        }
        file
    }

    /// The name of file `i`.
    pub fn file_name(&self, i: u32) -> &str {
        let at = i as usize * FILE_ROW;
        let row = &self.files.0[at..at + FILE_ROW];
        name_in(&self.file_names.0, u32_at(row, 0), u32_at(row, 4))
    }

    /// Hash `i` (a [`FileRow::hash`] or [`FileRow::text_hash`] other than [`NONE`]).
    pub fn hash(&self, i: u32) -> Option<[u8; 32]> {
        let at = (i as usize).checked_mul(HASH)?;
        let bytes = self.hashes.0.get(at..at + HASH)?;
        let mut out = [0u8; 32];
        out.copy_from_slice(bytes);
        Some(out)
    }

    /// The encoded findings of a file.
    pub fn findings_of(&self, row: &FileRow) -> &[u8] {
        let (start, len) = (row.findings.0 as usize, row.findings.1 as usize);
        &self.findings.0[start..start + len]
    }

    /// The sub-folder `name` of folder `dir`.
    pub fn child_named(&self, dir: u32, name: &[u8]) -> Option<u32> {
        let (first, count) = self.dir(dir).children;
        binary_search(first, count, name, |i| self.dir_name(i))
    }

    /// The file `name` of folder `dir`.
    pub fn file_named(&self, dir: u32, name: &[u8]) -> Option<u32> {
        let (first, count) = self.dir(dir).files;
        binary_search(first, count, name, |i| self.file_name(i))
    }

    /// Every file with findings, as `(path from the root, file)`, in the report's order (by
    /// path, component by component).
    pub fn files_with_findings(&self) -> Vec<(String, u32)> {
        let mut found: Vec<(String, u32, u32)> = Vec::new();
        for dir in 0..self.dir_count() {
            let (first, count) = self.dir(dir).files;
            let mut path: Option<String> = None;
            for file in first..first + count {
                if self.file(file).findings.1 == 0 {
                    continue;
                }
                let dir_path = path.get_or_insert_with(|| self.dir_path(dir));
                let name = self.file_name(file);
                let rel = if dir_path.is_empty() {
                    name.to_owned()
                } else {
                    format!("{dir_path}/{name}")
                };
                found.push((rel, dir, file));
            }
        }
        found.sort_by_cached_key(|f| component_key(&f.0));
        found.into_iter().map(|(rel, _, f)| (rel, f)).collect()
    }

    /// The path of file `file` in folder `dir`, from the root.
    pub fn file_path(&self, dir: u32, file: u32) -> String {
        let dir_path = self.dir_path(dir);
        let name = self.file_name(file);
        if dir_path.is_empty() {
            name.to_owned()
        } else {
            format!("{dir_path}/{name}")
        }
    }

    /// Sets [`flags::NO_REUSE`] on the folders `dirs`.
    pub fn mark_no_reuse(&mut self, dirs: &[u32]) {
        for &dir in dirs {
            let at = dir as usize * DIR_ROW + 28;
            if let Some(field) = self.dirs.0.get_mut(at..at + 4) {
                let value =
                    u32::from_le_bytes([field[0], field[1], field[2], field[3]]) | flags::NO_REUSE;
                field.copy_from_slice(&value.to_le_bytes());
            }
        }
    }

    /// Every row points inside the buffers, every name is UTF-8, and the tree is well formed
    /// (each folder's parent comes before it, its sub-folders and files are ranges of rows).
    fn check(&self) -> Result<(), String> {
        let bad = |what: &str| Err(format!("scan-state table: {what}"));
        if !self.dirs.0.len().is_multiple_of(DIR_ROW)
            || !self.files.0.len().is_multiple_of(FILE_ROW)
        {
            return bad("row buffer of a partial row");
        }
        if !self.hashes.0.len().is_multiple_of(HASH) {
            return bad("hash buffer of a partial hash");
        }
        if !self.extras.0.len().is_multiple_of(EXTRA_ROW) {
            return bad("extra-row buffer of a partial row");
        }
        let extras = self.extras.0.len() / EXTRA_ROW;
        let dirs = self.dirs.0.len() / DIR_ROW;
        let files = self.files.0.len() / FILE_ROW;
        let hashes = self.hashes.0.len() / HASH;
        if dirs > NONE as usize || files > NONE as usize || hashes > NONE as usize {
            return bad("too many rows");
        }
        let in_range = |start: u32, len: u32, limit: usize| {
            (start as usize)
                .checked_add(len as usize)
                .is_some_and(|end| end <= limit)
        };
        let name_ok = |names: &[u8], start: u32, len: u32| {
            in_range(start, len, names.len())
                && std::str::from_utf8(&names[start as usize..start as usize + len as usize])
                    .is_ok()
        };
        if dirs == 0 && files > 0 {
            return bad("files without a folder");
        }
        for i in 0..dirs {
            let at = i * DIR_ROW;
            let row = &self.dirs.0[at..at + DIR_ROW];
            if !name_ok(&self.dir_names.0, u32_at(row, 0), u32_at(row, 4)) {
                return bad("folder name outside the names");
            }
            let dir = self.dir(index(i));
            if (i == 0) != (dir.parent == NONE) || (i > 0 && dir.parent as usize >= i) {
                return bad("folder parent out of order");
            }
            if !in_range(dir.children.0, dir.children.1, dirs)
                || (dir.children.1 > 0 && dir.children.0 as usize <= i)
            {
                return bad("sub-folders outside the folders");
            }
            if !in_range(dir.files.0, dir.files.1, files) {
                return bad("files outside the files");
            }
            if dir.stamps != NONE && dir.stamps as usize >= self.stamps.len() {
                return bad("ignore stamps outside the stamps");
            }
        }
        for i in 0..files {
            let at = i * FILE_ROW;
            let row = &self.files.0[at..at + FILE_ROW];
            if !name_ok(&self.file_names.0, u32_at(row, 0), u32_at(row, 4)) {
                return bad("file name outside the names");
            }
            let extra = u32_at(row, 28);
            if extra != NONE && extra as usize >= extras {
                return bad("extra row outside the extra rows");
            }
            let file = self.file(index(i));
            for hash in [file.hash, file.text_hash] {
                if hash != NONE && hash as usize >= hashes {
                    return bad("hash index outside the hashes");
                }
            }
            if !in_range(file.findings.0, file.findings.1, self.findings.0.len())
                || file.diagnostics_at > file.findings.1
            {
                return bad("findings outside the findings");
            }
        }
        Ok(())
    }
}

fn name_in(names: &[u8], start: u32, len: u32) -> &str {
    let (start, len) = (start as usize, len as usize);
    // Checked when the table was built or loaded.
    std::str::from_utf8(&names[start..start + len]).unwrap_or("")
}

fn binary_search<'a>(
    first: u32,
    count: u32,
    name: &[u8],
    name_of: impl Fn(u32) -> &'a str,
) -> Option<u32> {
    let (mut low, mut high) = (first, first + count);
    while low < high {
        let mid = low + (high - low) / 2;
        match name_of(mid).as_bytes().cmp(name) {
            Ordering::Less => low = mid + 1,
            Ordering::Greater => high = mid,
            Ordering::Equal => return Some(mid),
        }
    }
    None
}

impl<'de> Deserialize<'de> for FileTable {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(rename = "FileTable")]
        struct Raw {
            listing: bool,
            dirs: Blob,
            dir_names: Blob,
            files: Blob,
            extras: Blob,
            file_names: Blob,
            hashes: Blob,
            findings: Blob,
            stamps: Vec<IgnoreStamps>,
            ancestors: Vec<IgnoreStamps>,
        }
        let raw = Raw::deserialize(deserializer)?;
        let table = FileTable {
            listing: raw.listing,
            dirs: raw.dirs,
            dir_names: raw.dir_names,
            files: raw.files,
            extras: raw.extras,
            file_names: raw.file_names,
            hashes: raw.hashes,
            findings: raw.findings,
            stamps: raw.stamps,
            ancestors: raw.ancestors,
        };
        table.check().map_err(D::Error::custom)?;
        Ok(table)
    }
}

/// A file's findings, ready to be added to a [`TableBuilder`]: its tags encoded one after the
/// other (in source order, `file_path` and digests emptied), then its diagnostics.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EncodedFindings {
    /// The bytes.
    pub bytes: Vec<u8>,
    /// Tags encoded.
    pub tags: u32,
    /// Where the diagnostics start.
    pub diagnostics_at: u32,
}

impl EncodedFindings {
    /// Encodes `tags` (sorted by position here) and `diagnostics`. Empty when there are
    /// neither.
    ///
    /// ```
    /// use codetags_cli::state::table::{EncodedFindings, TagReader};
    /// let found = codetags_parse::extract_tags(b"# TODO: b <p:1>\n# FIXME: a <p:2>\n",
    ///                                          codetags_parse::Schema::Pep350).unwrap();
    /// let encoded = EncodedFindings::encode(vec![], found.tags.clone());
    /// let mut reader = TagReader::new(&encoded.bytes, encoded.tags, encoded.diagnostics_at).unwrap();
    /// assert!(reader.diagnostics().is_empty());
    /// let first = reader.next().unwrap().unwrap();
    /// assert_eq!(first.code_tag, "TODO");
    /// assert_eq!(first.source_digest, ""); // set by the reader's caller
    /// assert_eq!(reader.count(), 1);
    /// ```
    pub fn encode(diagnostics: Vec<Diagnostic>, mut tags: Vec<Tag>) -> EncodedFindings {
        tags.sort_by_key(|t| (t.offsets.start_line, t.offsets.start_column));
        let mut encoded = EncodedFindings::default();
        for tag in tags {
            encoded.push(tag);
        }
        encoded.finish(diagnostics);
        encoded
    }

    /// Appends one tag (its `file_path` and digests are not stored); tags must come in
    /// position order.
    pub fn push(&mut self, mut tag: Tag) {
        tag.file_path.clear();
        tag.source_digest.clear();
        tag.source_bytes_digest.clear();
        if let Ok(bytes) = postcard::to_extend(&tag, std::mem::take(&mut self.bytes)) {
            self.bytes = bytes;
            self.tags += 1;
        }
    }

    /// Ends the tags and appends `diagnostics` (sorted by position here). With neither tags
    /// nor diagnostics, the findings stay empty.
    pub fn finish(&mut self, mut diagnostics: Vec<Diagnostic>) {
        self.diagnostics_at = index(self.bytes.len());
        if diagnostics.is_empty() && self.tags == 0 {
            return;
        }
        diagnostics.sort_by_key(|d| (d.line, d.column));
        if let Ok(bytes) = postcard::to_extend(&diagnostics, std::mem::take(&mut self.bytes)) {
            self.bytes = bytes;
        }
    }
}

/// Reads a file's encoded findings: the diagnostics at once, the tags one at a time.
#[derive(Debug)]
pub struct TagReader<'a> {
    diagnostics: Vec<Diagnostic>,
    rest: &'a [u8],
    left: u32,
}

impl<'a> TagReader<'a> {
    /// A reader over `bytes` holding `tags` tags followed, from `diagnostics_at`, by the
    /// diagnostics; `None` when the diagnostics do not decode.
    pub fn new(bytes: &'a [u8], tags: u32, diagnostics_at: u32) -> Option<TagReader<'a>> {
        let at = (diagnostics_at as usize).min(bytes.len());
        let (tag_bytes, diagnostic_bytes) = bytes.split_at(at);
        let diagnostics = if diagnostic_bytes.is_empty() {
            Vec::new()
        } else {
            postcard::from_bytes::<Vec<Diagnostic>>(diagnostic_bytes).ok()?
        };
        Some(TagReader {
            diagnostics,
            rest: tag_bytes,
            left: tags,
        })
    }

    /// The file's diagnostics, sorted by position.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// Takes the diagnostics out.
    pub fn take_diagnostics(&mut self) -> Vec<Diagnostic> {
        std::mem::take(&mut self.diagnostics)
    }
}

impl Iterator for TagReader<'_> {
    type Item = Result<Tag, postcard::Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        match postcard::take_from_bytes::<Tag>(self.rest) {
            Ok((tag, rest)) => {
                self.rest = rest;
                Some(Ok(tag))
            }
            Err(err) => {
                self.left = 0;
                Some(Err(err))
            }
        }
    }
}

/// What one file contributes to a new table.
#[derive(Debug, Clone, Copy)]
pub struct NewFile<'a> {
    /// Its name in its folder.
    pub name: &'a str,
    /// Size, mtime, mode.
    pub size: u64,
    /// Modification time, ns.
    pub mtime_ns: i64,
    /// Mode bits.
    pub mode: u32,
    /// The SHA-256 of its bytes, when known.
    pub hash: Option<[u8; 32]>,
    /// The SHA-256 of its decoded text, when that differs.
    pub text_hash: Option<[u8; 32]>,
    /// Its encoded findings (empty when none).
    pub findings: &'a [u8],
    /// Tags in them.
    pub tags: u32,
    /// Where the diagnostics start in them.
    pub diagnostics_at: u32,
}

/// A folder added to a new table.
#[derive(Debug, Clone, Copy)]
pub struct NewDir<'a> {
    /// Its name (empty for the root).
    pub name: &'a str,
    /// Its parent's index in the new table ([`NONE`] for the root).
    pub parent: u32,
    /// [`flags`].
    pub flags: u32,
    /// Its mtime, ctime and inode when listed.
    pub mtime_ns: i64,
    /// Its ctime.
    pub ctime_ns: i64,
    /// Its inode.
    pub ino: u64,
    /// Its ignore-file stamps.
    pub stamps: Option<IgnoreStamps>,
}

/// Builds a [`FileTable`]: add folders breadth first (each folder's sub-folders together,
/// sorted by name, after their parent), each followed by its files sorted by name.
#[derive(Debug, Default)]
pub struct TableBuilder {
    table: FileTable,
    /// Per folder: first child seen.
    open_dir: Option<u32>,
}

impl TableBuilder {
    /// A builder; `listing` as in [`FileTable::listing`].
    pub fn new(listing: bool) -> TableBuilder {
        TableBuilder {
            table: FileTable {
                listing,
                ..FileTable::default()
            },
            open_dir: None,
        }
    }

    /// Adds a folder; its files follow with [`TableBuilder::file`]. Returns its index.
    pub fn dir(&mut self, dir: NewDir<'_>) -> u32 {
        let t = &mut self.table;
        let i = t.dir_count();
        let name_start = index(t.dir_names.0.len());
        t.dir_names.0.extend_from_slice(dir.name.as_bytes());
        let stamps = match dir.stamps {
            Some(stamps) => {
                t.stamps.push(stamps);
                index(t.stamps.len() - 1)
            }
            None => NONE,
        };
        let first_file = t.file_count();
        let mut row = [0u8; DIR_ROW];
        let mut put = |at: usize, v: u32| row[at..at + 4].copy_from_slice(&v.to_le_bytes());
        put(0, name_start);
        put(4, index(dir.name.len()));
        put(8, dir.parent);
        put(12, 0);
        put(16, 0);
        put(20, first_file);
        put(24, 0);
        put(28, dir.flags);
        put(32, stamps);
        row[40..48].copy_from_slice(&dir.mtime_ns.to_le_bytes());
        row[48..56].copy_from_slice(&dir.ino.to_le_bytes());
        row[56..64].copy_from_slice(&dir.ctime_ns.to_le_bytes());
        t.dirs.0.extend_from_slice(&row);
        if dir.parent != NONE {
            // Children are contiguous: the first sets the range's start, each adds one.
            let at = dir.parent as usize * DIR_ROW;
            let parent = &mut t.dirs.0[at..at + DIR_ROW];
            if u32_at(parent, 16) == 0 {
                parent[12..16].copy_from_slice(&i.to_le_bytes());
            }
            let count = u32_at(parent, 16) + 1;
            parent[16..20].copy_from_slice(&count.to_le_bytes());
        }
        self.open_dir = Some(i);
        i
    }

    fn push_hash(&mut self, hash: Option<[u8; 32]>) -> u32 {
        match hash {
            Some(hash) => {
                let i = index(self.table.hashes.0.len() / HASH);
                self.table.hashes.0.extend_from_slice(&hash);
                i
            }
            None => NONE,
        }
    }

    /// Adds a file to the last folder added.
    pub fn file(&mut self, file: NewFile<'_>) {
        let hash = self.push_hash(file.hash);
        let text_hash = self.push_hash(file.text_hash);
        let t = &mut self.table;
        let name_start = index(t.file_names.0.len());
        t.file_names.0.extend_from_slice(file.name.as_bytes());
        let extra = if hash == NONE && text_hash == NONE && file.findings.is_empty() {
            NONE
        } else {
            let findings_start = index(t.findings.0.len());
            t.findings.0.extend_from_slice(file.findings);
            let mut row = [0u8; EXTRA_ROW];
            let mut put = |at: usize, v: u32| row[at..at + 4].copy_from_slice(&v.to_le_bytes());
            put(0, hash);
            put(4, text_hash);
            put(8, findings_start);
            put(12, index(file.findings.len()));
            put(16, file.tags);
            put(20, file.diagnostics_at);
            t.extras.0.extend_from_slice(&row);
            index(t.extras.0.len() / EXTRA_ROW - 1)
        };
        let mut row = [0u8; FILE_ROW];
        let mut put = |at: usize, v: u32| row[at..at + 4].copy_from_slice(&v.to_le_bytes());
        put(0, name_start);
        put(4, index(file.name.len()));
        put(24, file.mode);
        put(28, extra);
        row[8..16].copy_from_slice(&file.size.to_le_bytes());
        row[16..24].copy_from_slice(&file.mtime_ns.to_le_bytes());
        t.files.0.extend_from_slice(&row);
        if let Some(dir) = self.open_dir {
            let at = dir as usize * DIR_ROW;
            let row = &mut t.dirs.0[at..at + DIR_ROW];
            let count = u32_at(row, 24) + 1;
            row[24..28].copy_from_slice(&count.to_le_bytes());
        }
    }

    /// Sets the ancestors' ignore stamps.
    pub fn ancestors(&mut self, ancestors: Vec<IgnoreStamps>) {
        self.table.ancestors = ancestors;
    }

    /// The table.
    pub fn finish(self) -> FileTable {
        self.table
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> FileTable {
        let mut b = TableBuilder::new(true);
        let root = b.dir(NewDir {
            name: "",
            parent: NONE,
            flags: flags::STAMPED,
            mtime_ns: 5,
            ctime_ns: 6,
            ino: 9,
            stamps: None,
        });
        let found =
            codetags_parse::extract_tags(b"# TODO: t <p:1>\n", codetags_parse::Schema::Pep350)
                .unwrap();
        let findings = EncodedFindings::encode(vec![], found.tags);
        for name in ["a.py", "b.py"] {
            b.file(NewFile {
                name,
                size: 3,
                mtime_ns: 7,
                mode: 0o100644,
                hash: (name == "b.py").then_some([1; 32]),
                text_hash: None,
                findings: if name == "b.py" { &findings.bytes } else { &[] },
                tags: if name == "b.py" { findings.tags } else { 0 },
                diagnostics_at: if name == "b.py" {
                    findings.diagnostics_at
                } else {
                    0
                },
            });
        }
        for name in ["b", "c"] {
            b.dir(NewDir {
                name,
                parent: root,
                flags: flags::STAMPED,
                mtime_ns: 1,
                ctime_ns: 1,
                ino: 2,
                stamps: Some([None, None, None]),
            });
            b.file(NewFile {
                name: "x.py",
                size: 1,
                mtime_ns: 1,
                mode: 0,
                hash: None,
                text_hash: None,
                findings: &findings.bytes,
                tags: findings.tags,
                diagnostics_at: findings.diagnostics_at,
            });
        }
        b.finish()
    }

    #[test]
    fn rows_read_back_and_lookups_find_names() {
        let t = sample();
        assert_eq!((t.dir_count(), t.file_count()), (3, 4));
        assert_eq!(t.dir(0).children, (1, 2));
        assert_eq!(t.dir(0).files, (0, 2));
        assert_eq!(t.child_named(0, b"c"), Some(2));
        assert_eq!(t.child_named(0, b"a"), None);
        assert_eq!(t.file_named(0, b"b.py"), Some(1));
        assert_eq!(t.file_named(2, b"x.py"), Some(3));
        assert_eq!(t.dir_path(2), "c");
        assert_eq!(t.hash(t.file(1).hash), Some([1; 32]));
        assert_eq!(t.file(0).hash, NONE);
        // Report order: by path, component by component ("b/x.py" before "b.py").
        let order: Vec<String> = t
            .files_with_findings()
            .into_iter()
            .map(|(rel, _)| rel)
            .collect();
        assert_eq!(order, ["b/x.py", "b.py", "c/x.py"]);
    }

    #[test]
    fn a_table_survives_postcard_and_a_bad_one_is_refused() {
        let t = sample();
        let bytes = postcard::to_stdvec(&t).unwrap();
        let back: FileTable = postcard::from_bytes(&bytes).unwrap();
        assert_eq!(back, t);
        let mut broken = t.clone();
        broken.extras.0[8] = 0xff; // findings start far outside the buffer
        let bytes = postcard::to_stdvec(&broken).unwrap();
        assert!(postcard::from_bytes::<FileTable>(&bytes).is_err());
        let mut broken = t;
        broken.dirs.0.pop();
        let bytes = postcard::to_stdvec(&broken).unwrap();
        assert!(postcard::from_bytes::<FileTable>(&bytes).is_err());
    }
}
