//! Generated workloads for the scale benchmarks: a tree of many small Python files and one file
//! with a million tags. Nothing here is committed data: the same arguments always write the same
//! bytes, so every run measures the same input.
//!
//! * [`generate_tree`] writes `files` small modules (115 bytes on average, one in ten holding a
//!   PEP 350 tag) in folders of [`FILES_PER_DIR`], two levels deep, the way a large monorepo
//!   spreads its sources;
//! * [`generate_tag_file`] writes one module whose every line is `# TODO: x <a=b>`: the worst
//!   case for memory, since every line becomes a record of the report.
//!
//! `codetags-bench --generate KIND DIR` writes them for side-by-side runs outside the harness
//! (`tree-10k`, `tree-50k`, `tree-200k`, `tree-1m`, `tags-1m`).

use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Python files per generated folder.
pub const FILES_PER_DIR: usize = 50;

/// The line repeated by [`generate_tag_file`].
pub const TAG_LINE: &str = "# TODO: x <a=b>\n";

/// What a generator wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Generated {
    /// `.py` files written.
    pub files: usize,
    /// Folders created (the root included).
    pub dirs: usize,
    /// Bytes written.
    pub bytes: u64,
    /// Tags a PEP 350 scan finds in them.
    pub tags: usize,
}

/// The generated workloads `--generate` knows, by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A tree of this many small files ([`generate_tree`]).
    Tree(usize),
    /// One file of this many tag lines ([`generate_tag_file`]), named `tags.py` in the folder.
    Tags(usize),
}

impl Kind {
    /// The names `--generate` takes.
    pub const NAMES: [&'static str; 5] =
        ["tree-10k", "tree-50k", "tree-200k", "tree-1m", "tags-1m"];

    /// The kind named `name` (one of [`Kind::NAMES`]).
    ///
    /// ```
    /// use codetags_bench::generated::Kind;
    /// assert_eq!(Kind::parse("tree-200k"), Some(Kind::Tree(200_000)));
    /// assert_eq!(Kind::parse("tags-1m"), Some(Kind::Tags(1_000_000)));
    /// assert_eq!(Kind::parse("tree-3"), None);
    /// ```
    pub fn parse(name: &str) -> Option<Kind> {
        Some(match name {
            "tree-10k" => Kind::Tree(10_000),
            "tree-50k" => Kind::Tree(50_000),
            "tree-200k" => Kind::Tree(200_000),
            "tree-1m" => Kind::Tree(1_000_000),
            "tags-1m" => Kind::Tags(1_000_000),
            _ => return None,
        })
    }

    /// Writes this workload into the folder `dir` (created if missing; must hold no earlier
    /// generation).
    ///
    /// # Errors
    /// The I/O error, with the path concerned in its message.
    pub fn generate(self, dir: &Path) -> io::Result<Generated> {
        match self {
            Kind::Tree(files) => generate_tree(dir, files),
            Kind::Tags(lines) => {
                std::fs::create_dir_all(dir).map_err(|e| with_path(dir, e))?;
                generate_tag_file(&dir.join("tags.py"), lines)
            }
        }
    }
}

fn with_path(path: &Path, err: io::Error) -> io::Error {
    io::Error::new(err.kind(), format!("{}: {err}", path.display()))
}

/// The folder of file number `index` in a tree of `files` files, relative to the root:
/// `pNNN/mNNN`, with about as many top folders as each holds sub-folders.
fn folder_of(index: usize, files: usize) -> PathBuf {
    let dirs = files.div_ceil(FILES_PER_DIR).max(1);
    let fan_out = (dirs as f64).sqrt().ceil().max(1.0) as usize;
    let dir = index / FILES_PER_DIR;
    PathBuf::from(format!("p{:03}", dir / fan_out)).join(format!("m{:03}", dir % fan_out))
}

/// The text of generated module number `index`: a docstring, an import, a function and, in
/// one file of ten, a PEP 350 tag. Between 80 and 150 bytes.
fn module_text(index: usize) -> (String, usize) {
    let mut text = String::with_capacity(160);
    let _ = writeln!(text, "\"\"\"Module {index}.\"\"\"");
    text.push_str("import os\n\n");
    let _ = writeln!(text, "def f{index}(x):");
    if index % 10 == 3 {
        let _ = writeln!(
            text,
            "    # TODO: handle {} <dev{} p:{}>",
            index % 97,
            index % 7,
            index % 3
        );
    } else if index.is_multiple_of(3) {
        text.push_str("    # plain comment\n");
    }
    let _ = writeln!(text, "    return os.path.join(x, \"{}\")", index % 1000);
    (text, usize::from(index % 10 == 3))
}

/// Writes a tree of `files` small Python modules under `root` (see the module docs).
///
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// let made = codetags_bench::generated::generate_tree(dir.path(), 120).unwrap();
/// assert_eq!((made.files, made.tags), (120, 12));
/// assert!(dir.path().join("p000/m000/f0000000.py").is_file());
/// ```
///
/// # Errors
/// The first I/O error, naming its path.
pub fn generate_tree(root: &Path, files: usize) -> io::Result<Generated> {
    let mut made = Generated::default();
    std::fs::create_dir_all(root).map_err(|e| with_path(root, e))?;
    made.dirs = 1;
    let mut current: Option<PathBuf> = None;
    for index in 0..files {
        let folder = root.join(folder_of(index, files));
        if current.as_ref() != Some(&folder) {
            if let Some(parent) = folder.parent()
                && !parent.exists()
            {
                made.dirs += 1;
            }
            std::fs::create_dir_all(&folder).map_err(|e| with_path(&folder, e))?;
            made.dirs += 1;
            current = Some(folder.clone());
        }
        let (text, tags) = module_text(index);
        let path = folder.join(format!("f{index:07}.py"));
        std::fs::write(&path, &text).map_err(|e| with_path(&path, e))?;
        made.files += 1;
        made.bytes += text.len() as u64;
        made.tags += tags;
    }
    Ok(made)
}

/// Writes `path` as `lines` repetitions of [`TAG_LINE`].
///
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("tags.py");
/// let made = codetags_bench::generated::generate_tag_file(&path, 3).unwrap();
/// assert_eq!(std::fs::read_to_string(&path).unwrap(), "# TODO: x <a=b>\n".repeat(3));
/// assert_eq!(made.tags, 3);
/// ```
///
/// # Errors
/// The I/O error, naming the path.
pub fn generate_tag_file(path: &Path, lines: usize) -> io::Result<Generated> {
    let file = std::fs::File::create(path).map_err(|e| with_path(path, e))?;
    let mut out = io::BufWriter::with_capacity(1 << 20, file);
    for _ in 0..lines {
        out.write_all(TAG_LINE.as_bytes())
            .map_err(|e| with_path(path, e))?;
    }
    out.flush().map_err(|e| with_path(path, e))?;
    Ok(Generated {
        files: 1,
        dirs: 0,
        bytes: (TAG_LINE.len() * lines) as u64,
        tags: lines,
    })
}
