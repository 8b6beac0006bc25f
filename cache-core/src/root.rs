//! Finding, checking and creating the cache root.
//!
//! A folder becomes a cache only when it is missing, empty, or already ours: the cache never
//! writes into a folder holding files it did not write (see `cache_layout`'s "Ownership").
//! [`inspect_root`] says which case a folder is in without writing anything; [`init_root`] acts on
//! it.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use cache_layout::{
    CACHEDIR_TAG, CACHEDIR_TAG_CONTENT, CACHEDIR_TAG_SIGNATURE, GITIGNORE, GITIGNORE_CONTENT,
    NodeType, classify_relative,
};

use crate::fsread::{self, ReadError};

/// Name of the cache folder placed beside the project's `pyproject.toml` (upstream's name).
pub const ROOT_DIR_NAME: &str = ".pycodetags_cache";
/// The project file whose folder holds the cache.
pub const PYPROJECT: &str = "pyproject.toml";

/// The longest `CACHEDIR.TAG` read; ours is under 200 bytes, anything near this is not ours.
const MAX_TAG_LEN: u64 = 64 * 1024;
/// How often [`inspect_root`] reads the tag again when it appears during the inspection.
const MAX_LOOKS: u32 = 3;

/// Why [`init_root`] did not make a folder a cache root: a folder or marker file that cannot be
/// created, or a folder refused because it is not ours (the message then says why and what to
/// do).
///
/// Its own type rather than [`crate::StoreError`], so that this module depends on no store: the
/// filesystem store calls [`init_root`] and turns this into [`crate::StoreError::Root`] (same
/// path, same error, same message), and whoever else makes a root needs no store error.
#[derive(Debug, thiserror::Error)]
#[error("cannot create the cache root {}: {source}", path.display())]
#[non_exhaustive]
pub struct RootError {
    /// The root, or the marker file that failed.
    pub path: PathBuf,
    /// The OS error; for a refused folder, an error whose message names the folder, the first
    /// path in it that is not ours, and what to do.
    pub source: io::Error,
}

impl RootError {
    fn new(path: &Path, source: io::Error) -> RootError {
        RootError {
            path: path.to_owned(),
            source,
        }
    }
}

/// What a folder meant as a cache root holds, as [`inspect_root`] finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RootState {
    /// Nothing is there: the cache may create it.
    Missing,
    /// An empty folder: the cache may move in.
    Empty,
    /// A codetags cache: its `CACHEDIR.TAG` is a regular file that starts with the cache
    /// directory signature and names codetags (see [`is_our_cache`]).
    Ours,
    /// A codetags cache whose `CACHEDIR.TAG` is empty or cut short (the disk filled up while the
    /// root was created), and everything else in it is ours: the tag may be rewritten.
    RepairableTag,
    /// The folder holds something that is not ours, and no valid tag vouches for it.
    Foreign {
        /// The first path met that is not ours (a bad `CACHEDIR.TAG` is one).
        example: PathBuf,
    },
    /// Something other than a folder is at the root's path.
    NotAFolder,
}

/// Says what `root` holds, without writing anything. A link at the root itself is followed (a
/// cache folder may live elsewhere); nothing inside the root is.
///
/// Only a valid tag makes a folder [`RootState::Ours`], and checking that costs one small read.
/// A folder without one is [`RootState::Foreign`] as soon as it holds anything, unless the tag is
/// an empty or truncated copy of ours and every other path in the tree is ours by the layout
/// rules: that is [`RootState::RepairableTag`], found by walking the tree until the first foreign
/// path.
///
/// # Errors
/// I/O errors other than "not found" while reading the root, its tag or its tree.
///
/// ```
/// use cache_core::{inspect_root, RootState};
/// use cache_layout::{CACHEDIR_TAG, CACHEDIR_TAG_CONTENT};
/// let dir = tempfile::tempdir()?;
/// let root = dir.path().join("cache");
/// assert_eq!(inspect_root(&root)?, RootState::Missing);
/// std::fs::create_dir(&root)?;
/// assert_eq!(inspect_root(&root)?, RootState::Empty);
///
/// // A tag cut short at creation, beside our own layout only: repairable.
/// std::fs::write(root.join(CACHEDIR_TAG), &CACHEDIR_TAG_CONTENT[..10])?;
/// std::fs::create_dir_all(root.join("0.1.0-f1/2025/07/01"))?;
/// assert_eq!(inspect_root(&root)?, RootState::RepairableTag);
///
/// // The same with a file we never write: foreign, and left alone.
/// std::fs::write(root.join("notes.txt"), "mine")?;
/// assert_eq!(inspect_root(&root)?, RootState::Foreign { example: root.join("notes.txt") });
///
/// std::fs::write(root.join(CACHEDIR_TAG), CACHEDIR_TAG_CONTENT)?;
/// assert_eq!(inspect_root(&root)?, RootState::Ours);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn inspect_root(root: &Path) -> io::Result<RootState> {
    match fs::metadata(root) {
        Ok(meta) if meta.is_dir() => {}
        Ok(_) => return Ok(RootState::NotAFolder),
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(RootState::Missing),
        Err(e) if e.kind() == io::ErrorKind::NotADirectory => return Ok(RootState::NotAFolder),
        Err(e) => return Err(e),
    }
    let tag = root.join(CACHEDIR_TAG);
    let mut looks = 0;
    loop {
        looks += 1;
        return match read_tag(&tag)? {
            Tag::Ours => Ok(RootState::Ours),
            Tag::Other => Ok(RootState::Foreign { example: tag }),
            Tag::Truncated => Ok(match first_foreign(root)? {
                Some(example) => RootState::Foreign { example },
                None => RootState::RepairableTag,
            }),
            Tag::Missing => {
                let Some(first) = first_child(root)? else {
                    return Ok(RootState::Empty);
                };
                // Creators make the tag before anything else, so a tag that shows up while we
                // list the root means another process is making it a cache right now.
                if looks < MAX_LOOKS && fs::symlink_metadata(&tag).is_ok() {
                    continue;
                }
                // Without a tag nothing vouches for the contents, even if they look like ours;
                // name a foreign path when there is one, as it tells the user best what is wrong.
                let example = first_foreign(root)?.unwrap_or(first);
                Ok(RootState::Foreign { example })
            }
        };
    }
}

/// Whether `root` holds a codetags cache: a regular file (not a link, FIFO or device)
/// `CACHEDIR.TAG` that starts with the cache-directory signature and names codetags. The tag is
/// read without blocking and bounded in length (see [`crate::fsread`]).
///
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// assert!(!cache_core::is_our_cache(dir.path()));
/// std::fs::write(dir.path().join("CACHEDIR.TAG"), cache_layout::CACHEDIR_TAG_CONTENT).unwrap();
/// assert!(cache_core::is_our_cache(dir.path()));
/// ```
pub fn is_our_cache(root: &Path) -> bool {
    matches!(read_tag(&root.join(CACHEDIR_TAG)), Ok(Tag::Ours))
}

/// Rewrites the `CACHEDIR.TAG` of a [`RootState::RepairableTag`] root, atomically (a temp file
/// in the root, then a rename). Returns whether it did: `false` when the root is in any other
/// state (it is checked again here, so a root that changed meanwhile is left alone).
///
/// # Errors
/// The I/O error of the inspection, the write or the rename.
///
/// ```
/// use cache_core::{inspect_root, repair_tag, RootState};
/// let dir = tempfile::tempdir()?;
/// std::fs::write(dir.path().join("CACHEDIR.TAG"), "")?; // the disk was full
/// assert!(repair_tag(dir.path())?);
/// assert_eq!(inspect_root(dir.path())?, RootState::Ours);
/// assert!(!repair_tag(dir.path())?); // nothing left to repair
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn repair_tag(root: &Path) -> io::Result<bool> {
    if inspect_root(root)? != RootState::RepairableTag {
        return Ok(false);
    }
    write_tag_atomically(root)?;
    Ok(true)
}

/// The nearest `pyproject.toml` in `start` or any of its ancestors.
///
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// std::fs::write(dir.path().join("pyproject.toml"), "").unwrap();
/// std::fs::create_dir_all(dir.path().join("src/pkg")).unwrap();
/// let found = cache_core::find_pyproject(&dir.path().join("src/pkg")).unwrap();
/// assert_eq!(found, dir.path().join("pyproject.toml"));
/// ```
pub fn find_pyproject(start: &Path) -> Option<PathBuf> {
    // Absolute first: the ancestors of a relative path such as "." end at "", so a search from
    // the working directory would never look above it.
    let start = std::path::absolute(start).ok()?;
    start
        .ancestors()
        .map(|dir| dir.join(PYPROJECT))
        .find(|candidate| candidate.is_file())
}

/// Makes `root` a cache root, or refuses to: see [`inspect_root`] for the states.
///
/// * Missing, empty, or ours: creates `root` (and its parents) and whichever of `CACHEDIR.TAG`
///   and `.gitignore` is missing, each with `create_new` so that concurrent creators never fail
///   or clobber each other (an interrupted earlier run may have left only some).
/// * A repairable tag: rewrites it atomically, then creates a missing `.gitignore`.
/// * A folder holding anything that is not ours, or not a folder at all: writes nothing.
///
/// # Errors
/// [`RootError`] when the folder or a marker cannot be created, or the folder is refused (the
/// error then says why and what to do). The filesystem store passes it on as
/// [`crate::StoreError::Root`].
///
/// ```
/// let dir = tempfile::tempdir()?;
/// let cache = dir.path().join("cache");
/// cache_core::init_root(&cache)?;
/// assert!(cache_core::is_our_cache(&cache));
///
/// let home = dir.path().join("home");
/// std::fs::create_dir(&home)?;
/// std::fs::write(home.join("thesis.tex"), "years of work")?;
/// let err = cache_core::init_root(&home).unwrap_err();
/// assert!(err.to_string().contains("thesis.tex"), "{err}");
/// assert_eq!(std::fs::read_dir(&home)?.count(), 1); // nothing written
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn init_root(root: &Path) -> Result<(), RootError> {
    let refuse = |message: String| RootError::new(root, io::Error::other(message));
    let state = inspect_root(root).map_err(|source| RootError::new(root, source))?;
    match state {
        RootState::Missing | RootState::Empty | RootState::Ours => {
            fs::create_dir_all(root).map_err(|source| RootError::new(root, source))?;
            create_marker(&root.join(CACHEDIR_TAG), CACHEDIR_TAG_CONTENT)?;
        }
        RootState::RepairableTag => {
            write_tag_atomically(root)
                .map_err(|source| RootError::new(&root.join(CACHEDIR_TAG), source))?;
        }
        RootState::Foreign { example } => {
            return Err(refuse(format!(
                "{} holds files that are not codetags' (first: {}): not used as a cache; empty \
                 it or choose another cache folder",
                root.display(),
                example.display()
            )));
        }
        RootState::NotAFolder => {
            return Err(refuse(format!(
                "{} is not a folder: not used as a cache; choose another cache folder",
                root.display()
            )));
        }
    }
    create_marker(&root.join(GITIGNORE), GITIGNORE_CONTENT)
}

/// What sits at the tag's path.
enum Tag {
    /// Nothing.
    Missing,
    /// A valid codetags tag.
    Ours,
    /// A regular file holding an empty or strict prefix of [`CACHEDIR_TAG_CONTENT`].
    Truncated,
    /// Anything else: another tool's tag, other content, a link, FIFO, folder, a huge file.
    Other,
}

fn read_tag(tag: &Path) -> io::Result<Tag> {
    let bytes = match fsread::read_regular(tag, MAX_TAG_LEN) {
        Ok(Some(bytes)) => bytes,
        Ok(None) => return Ok(Tag::Missing),
        Err(ReadError::NotRegular { .. } | ReadError::TooLarge { .. }) => return Ok(Tag::Other),
        Err(ReadError::Io(e)) => return Err(e),
    };
    let is_ours = bytes.starts_with(CACHEDIR_TAG_SIGNATURE.as_bytes())
        && bytes.windows(b"codetags".len()).any(|w| w == b"codetags");
    Ok(if is_ours {
        Tag::Ours
    } else if CACHEDIR_TAG_CONTENT.as_bytes().starts_with(&bytes) {
        Tag::Truncated
    } else {
        Tag::Other
    })
}

fn first_child(dir: &Path) -> io::Result<Option<PathBuf>> {
    match fs::read_dir(dir)?.next() {
        Some(entry) => Ok(Some(entry?.path())),
        None => Ok(None),
    }
}

/// The first path below `root` that is not ours by the layout rules (name, position and kind of
/// node), without following links or descending into anything foreign. Each folder is checked
/// whole before its subfolders, so a stranger's folder is told apart after one `readdir`.
fn first_foreign(root: &Path) -> io::Result<Option<PathBuf>> {
    let mut folders = vec![root.to_owned()];
    while let Some(dir) = folders.pop() {
        let listing = match fs::read_dir(&dir) {
            Ok(listing) => listing,
            // Gone meanwhile (an eviction running): nothing foreign there.
            Err(e) if e.kind() == io::ErrorKind::NotFound && dir != root => continue,
            Err(e) => return Err(e),
        };
        for entry in listing {
            let entry = entry?;
            let path = entry.path();
            let rel = path.strip_prefix(root).unwrap_or(&path);
            let kind = classify_relative(rel);
            let node = NodeType::of(entry.file_type()?);
            if !kind.is_ours_as(node) {
                return Ok(Some(path));
            }
            if kind.is_folder() {
                folders.push(path);
            }
        }
    }
    Ok(None)
}

/// Writes our tag through a temp file and a rename, so the tag is whole at every moment, and an
/// interrupted repair leaves only a temp file (ours, removed by a later cleanup).
fn write_tag_atomically(root: &Path) -> io::Result<()> {
    crate::fswrite::write_atomic(
        &root.join(CACHEDIR_TAG),
        crate::fswrite::AtomicWrite::CACHE,
        |out| out.write_all(CACHEDIR_TAG_CONTENT.as_bytes()),
    )
}

fn create_marker(path: &Path, content: &str) -> Result<(), RootError> {
    let result = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .and_then(|mut file| file.write_all(content.as_bytes()));
    match result {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        Err(source) => Err(RootError::new(path, source)),
    }
}
