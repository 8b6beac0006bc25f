//! The walk's path helpers: the fast path of `relative_posix` gives what the component-wise
//! rendering gives.

use codetags_cli::walk::{join_posix, relative_posix};
use std::path::Path;

/// The rendering without the fast path: every component joined with `/`.
fn component_wise(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    parts.join("/")
}

#[test]
fn relative_posix_normalises_what_the_fast_path_cannot_take_as_is() {
    let root = Path::new("src");
    let cases = [
        ("src/pkg/m.py", "pkg/m.py"),
        ("src", ""),
        ("src/pkg//m.py", "pkg/m.py"),
        ("src/pkg/./m.py", "pkg/m.py"),
        ("src/pkg/", "pkg"),
        ("src/../other.py", "../other.py"),
        ("elsewhere/x.py", "elsewhere/x.py"),
        ("./src/a.py", "./src/a.py"),
    ];
    for (path, expected) in cases {
        assert_eq!(relative_posix(root, Path::new(path)), expected, "{path}");
        assert_eq!(component_wise(root, Path::new(path)), expected, "{path}");
    }
}

#[test]
fn join_posix_skips_empty_sides() {
    assert_eq!(join_posix("", "a.py"), "a.py");
    assert_eq!(join_posix("src", ""), "src");
    assert_eq!(join_posix("src", "a.py"), "src/a.py");
}
