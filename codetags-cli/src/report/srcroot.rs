//! Where a scanned path points, relative to the source root: the folder CI tools resolve file
//! names against (GitHub's workspace, GitLab's project directory, SARIF's `%SRCROOT%`).
//!
//! Scanned paths are reported as given (`app/x.py`, `./app/x.py`, `/abs/app/x.py`,
//! `../other/x.py`). The machine formats need one spelling per file, so that annotations land
//! on the right file and fingerprints do not change with how the scan was started: the path is
//! joined to the working directory, `.` and `..` are resolved lexically (no file system
//! access), and the part below the root is used, `/`-separated. A path outside the root stays
//! absolute.

use std::path::{Component, Path, PathBuf};

/// The folder paths are written relative to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceRoot {
    /// Absolute and lexically normalised.
    dir: PathBuf,
    /// The working directory relative paths are joined to.
    cwd: PathBuf,
}

impl SourceRoot {
    /// The root `dir`; a relative `dir` is taken from the working directory.
    ///
    /// ```
    /// use codetags_cli::report::srcroot::SourceRoot;
    /// use std::path::Path;
    /// let root = SourceRoot::new("/src/proj");
    /// assert_eq!(root.relative(Path::new("/src/proj/app/./x.py")).unwrap(), Path::new("app/x.py"));
    /// assert_eq!(root.relative(Path::new("/src/other/y.py")), None);
    /// assert_eq!(root.uri(), "file:///src/proj/");
    /// ```
    pub fn new(dir: impl AsRef<Path>) -> SourceRoot {
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
        SourceRoot::with_cwd(dir.as_ref(), &cwd)
    }

    /// The working directory as the root.
    pub fn current() -> SourceRoot {
        SourceRoot::new(".")
    }

    /// `dir` as the root, relative paths (of `dir` and of scanned files) taken from `cwd`.
    ///
    /// ```
    /// use codetags_cli::report::srcroot::SourceRoot;
    /// use std::path::Path;
    /// let root = SourceRoot::with_cwd(Path::new(".."), Path::new("/w/proj/sub"));
    /// assert_eq!(root.dir(), Path::new("/w/proj"));
    /// assert_eq!(root.shown(Path::new("./a.py")), "sub/a.py");
    /// assert_eq!(root.shown(Path::new("../../b.py")), "/w/b.py");
    /// ```
    pub fn with_cwd(dir: &Path, cwd: &Path) -> SourceRoot {
        let cwd = normalize(&Path::new("/").join(cwd));
        SourceRoot {
            dir: normalize(&cwd.join(dir)),
            cwd,
        }
    }

    /// The root folder (absolute, normalised).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// `path` (as scanned) absolute and normalised.
    pub fn absolute(&self, path: &Path) -> PathBuf {
        normalize(&self.cwd.join(path))
    }

    /// `path` relative to the root, when it is inside it (the root itself gives `None`).
    pub fn relative(&self, path: &Path) -> Option<PathBuf> {
        let rel = self
            .absolute(path)
            .strip_prefix(&self.dir)
            .ok()?
            .to_path_buf();
        (!rel.as_os_str().is_empty()).then_some(rel)
    }

    /// `path` relative to the root, else absolute.
    pub fn locate(&self, path: &Path) -> PathBuf {
        self.relative(path).unwrap_or_else(|| self.absolute(path))
    }

    /// [`SourceRoot::locate`] as a `/`-separated string (names that are not UTF-8 lossily):
    /// what GitHub's `file=` and GitLab's `location.path` expect, and what fingerprints hash.
    pub fn shown(&self, path: &Path) -> String {
        slash_string(&self.locate(path))
    }

    /// The root as a `file:` URI ending in `/` (SARIF's `originalUriBaseIds`).
    pub fn uri(&self) -> String {
        let mut uri = format!("file://{}", percent_encode_path(&self.dir));
        if !uri.ends_with('/') {
            uri.push('/');
        }
        uri
    }

    /// How SARIF names `path`: a relative URI and the base id `%SRCROOT%` when it is inside the
    /// root, else an absolute `file:` URI and no base.
    pub fn artifact_uri(&self, path: &Path) -> (String, Option<&'static str>) {
        match self.relative(path) {
            Some(rel) => (percent_encode_path(&rel), Some(SRCROOT)),
            None => (
                format!("file://{}", percent_encode_path(&self.absolute(path))),
                None,
            ),
        }
    }
}

/// The SARIF base id of the source root.
pub const SRCROOT: &str = "%SRCROOT%";

/// `.` and `..` resolved without touching the file system (`..` above the root stays at it).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::Prefix(p) => out.push(p.as_os_str()),
            Component::RootDir => out.push(Component::RootDir.as_os_str()),
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            Component::Normal(name) => out.push(name),
        }
    }
    out
}

/// The path's components joined with `/` (lossy for names that are not UTF-8).
pub fn slash_string(path: &Path) -> String {
    let mut out = String::new();
    for component in path.components() {
        match component {
            Component::RootDir => out.push('/'),
            Component::Normal(name) => {
                if !out.is_empty() && !out.ends_with('/') {
                    out.push('/');
                }
                out.push_str(&name.to_string_lossy());
            }
            Component::Prefix(p) => out.push_str(&p.as_os_str().to_string_lossy()),
            Component::CurDir | Component::ParentDir => {
                if !out.is_empty() && !out.ends_with('/') {
                    out.push('/');
                }
                out.push_str(&component.as_os_str().to_string_lossy());
            }
        }
    }
    out
}

/// The path as a URI path: `/`-separated, every byte but the unreserved ones (`A-Z a-z 0-9 - .
/// _ ~`) percent-encoded, so spaces, `#`, `?`, `%`, `:` and bytes that are not UTF-8 survive.
///
/// ```
/// use codetags_cli::report::srcroot::percent_encode_path;
/// assert_eq!(percent_encode_path("a b/c#1/é.py".as_ref()), "a%20b/c%231/%C3%A9.py");
/// ```
pub fn percent_encode_path(path: &Path) -> String {
    let mut out = String::new();
    let mut first = true;
    for component in path.components() {
        let bytes: Vec<u8> = match component {
            Component::RootDir => {
                out.push('/');
                first = true;
                continue;
            }
            other => os_bytes(other.as_os_str()),
        };
        if !first {
            out.push('/');
        }
        first = false;
        for byte in bytes {
            if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
                out.push(byte as char);
            } else {
                out.push_str(&format!("%{byte:02X}"));
            }
        }
    }
    out
}

#[cfg(unix)]
fn os_bytes(name: &std::ffi::OsStr) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    name.as_bytes().to_vec()
}

#[cfg(not(unix))]
fn os_bytes(name: &std::ffi::OsStr) -> Vec<u8> {
    name.to_string_lossy().as_bytes().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root() -> SourceRoot {
        SourceRoot::with_cwd(Path::new("."), Path::new("/w/proj"))
    }

    #[test]
    fn every_spelling_of_a_file_under_the_root_gives_one_relative_path() {
        let root = root();
        for spelling in [
            "app/x.py",
            "./app/x.py",
            "app/../app/x.py",
            "/w/proj/app/x.py",
            "../proj/app/x.py",
        ] {
            assert_eq!(root.shown(Path::new(spelling)), "app/x.py", "{spelling}");
            assert_eq!(
                root.artifact_uri(Path::new(spelling)),
                ("app/x.py".to_owned(), Some(SRCROOT))
            );
        }
    }

    #[test]
    fn a_file_outside_the_root_stays_absolute() {
        let root = root();
        assert_eq!(root.shown(Path::new("../other/y.py")), "/w/other/y.py");
        assert_eq!(
            root.artifact_uri(Path::new("/elsewhere/a b.py")),
            ("file:///elsewhere/a%20b.py".to_owned(), None)
        );
        assert_eq!(root.relative(Path::new(".")), None);
    }

    #[cfg(unix)]
    #[test]
    fn names_that_are_not_utf8_are_percent_encoded_byte_for_byte() {
        use std::os::unix::ffi::OsStrExt;
        let name = std::ffi::OsStr::from_bytes(b"caf\xe9 #1.py");
        let (uri, base) = root().artifact_uri(Path::new(name));
        assert_eq!(uri, "caf%E9%20%231.py");
        assert_eq!(base, Some(SRCROOT));
    }

    #[test]
    fn the_root_uri_ends_with_a_slash() {
        assert_eq!(root().uri(), "file:///w/proj/");
        assert_eq!(
            SourceRoot::with_cwd(Path::new("/"), Path::new("/x")).uri(),
            "file:///"
        );
    }
}
