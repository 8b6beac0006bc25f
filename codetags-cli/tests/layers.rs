//! The modules of the library form layers with no back edges, and the binary's modules too: each
//! module refers (through `crate::`, `super::`, `self::` or a child module's name) only to
//! modules below it. Checked on the source text, so a new `use` that reaches up fails here
//! with the offending edge, not later as an import circle.
//!
//! The reading is deliberately simple: comments, string and character literals are removed,
//! then every path starting with `crate`, `super`, `self` or a declared child module is
//! followed (brace groups included) to the deepest module file it names. An edge to the module
//! itself is ignored; an edge from a parent to a child is allowed (declaring and re-exporting
//! children is how a module is assembled), an edge from a child to its parent is not (it would
//! close a circle with the declaration).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The library's top-level modules, lowest first (as `src/lib.rs` documents them).
const LIBRARY_LAYERS: &[&str] = &[
    "version", "display", "fnmatch", "config", "walk", "extract", "state", "scan", "filter",
    "check", "ids", "report",
];

/// A module path such as `["scan", "visit"]`; the crate root is `[]`.
type ModPath = Vec<String>;

/// Every module file under `dir` (the crate root's folder), by module path. `lib.rs` and
/// `main.rs` are the roots; `foo/mod.rs` and `foo.rs` are `foo`.
fn module_files(src: &Path, skip: &[&str]) -> BTreeMap<ModPath, PathBuf> {
    fn visit(dir: &Path, prefix: &ModPath, skip: &[&str], out: &mut BTreeMap<ModPath, PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            if prefix.is_empty() && skip.contains(&name.as_str()) {
                continue;
            }
            if path.is_dir() {
                let mut sub = prefix.clone();
                sub.push(name);
                visit(&path, &sub, skip, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let mut module = prefix.clone();
                if !matches!(name.as_str(), "mod" | "lib" | "main") {
                    module.push(name);
                }
                out.insert(module, path);
            }
        }
    }
    let mut out = BTreeMap::new();
    visit(src, &Vec::new(), skip, &mut out);
    out
}

/// The source without comments, string literals and character literals (each replaced by a
/// space), so that neither prose nor a string such as `"codetags_cli::scan::scan_root"` counts.
fn code_only(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            out.push(' ');
        } else if c == 'r' && matches!(next, Some('#') | Some('"')) && !ident_before(&chars, i) {
            // A raw string: r"…", r#"…"#, …
            let mut j = i + 1;
            let mut hashes = 0;
            while chars.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if chars.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            j += 1;
            loop {
                if j >= chars.len() {
                    break;
                }
                if chars[j] == '"' && (0..hashes).all(|k| chars.get(j + 1 + k) == Some(&'#')) {
                    j += 1 + hashes;
                    break;
                }
                j += 1;
            }
            i = j;
            out.push(' ');
        } else if c == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            out.push(' ');
        } else if c == '\'' && (next == Some('\\') || chars.get(i + 2) == Some(&'\'')) {
            // A character literal (a lifetime has no closing quote two characters on).
            i += 1;
            while i < chars.len() && chars[i] != '\'' {
                if chars[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            out.push(' ');
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

fn ident_before(chars: &[char], i: usize) -> bool {
    i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_')
}

/// For each character, how many inline `mod name { … }` blocks enclose it.
fn inline_depths(code: &[char]) -> Vec<usize> {
    let mut depths = vec![0; code.len() + 1];
    let mut braces = 0usize;
    // The brace depth at which each open inline module began.
    let mut open: Vec<usize> = Vec::new();
    let mut pending = false;
    let mut i = 0;
    while i < code.len() {
        let c = code[i];
        if c == '{' {
            if pending {
                open.push(braces);
                pending = false;
            }
            braces += 1;
        } else if c == '}' {
            braces = braces.saturating_sub(1);
            if open.last() == Some(&braces) {
                open.pop();
            }
        } else if c == ';' {
            pending = false;
        } else if c == 'm'
            && !ident_before(code, i)
            && code[i..].starts_with(&['m', 'o', 'd'])
            && code.get(i + 3).is_some_and(|c| c.is_whitespace())
        {
            pending = true;
        }
        depths[i] = open.len();
        i += 1;
    }
    depths
}

/// The paths written at `code[start..]`: `a::b::{c, d::{e}}` gives `a::b::c` and `a::b::d::e`.
fn paths_at(code: &[char], start: usize) -> Vec<Vec<String>> {
    fn ident(code: &[char], i: &mut usize) -> Option<String> {
        let begin = *i;
        while *i < code.len() && (code[*i].is_alphanumeric() || code[*i] == '_') {
            *i += 1;
        }
        (*i > begin).then(|| code[begin..*i].iter().collect())
    }
    fn skip_ws(code: &[char], i: &mut usize) {
        while *i < code.len() && code[*i].is_whitespace() {
            *i += 1;
        }
    }
    fn tree(code: &[char], i: &mut usize, prefix: Vec<String>, out: &mut Vec<Vec<String>>) {
        let mut path = prefix;
        loop {
            skip_ws(code, i);
            if code.get(*i) == Some(&'{') {
                *i += 1;
                loop {
                    skip_ws(code, i);
                    if code.get(*i) == Some(&'}') || *i >= code.len() {
                        *i += 1;
                        return;
                    }
                    tree(code, i, path.clone(), out);
                    skip_ws(code, i);
                    if code.get(*i) == Some(&',') {
                        *i += 1;
                    }
                }
            }
            match ident(code, i) {
                Some(name) => path.push(name),
                None => {
                    out.push(path);
                    return;
                }
            }
            skip_ws(code, i);
            if code.get(*i) == Some(&':') && code.get(*i + 1) == Some(&':') {
                *i += 2;
            } else {
                out.push(path);
                return;
            }
        }
    }
    let mut out = Vec::new();
    let mut i = start;
    tree(code, &mut i, Vec::new(), &mut out);
    out
}

/// The modules `module` (at `file`) refers to, each with one path that shows the reference.
fn references(
    module: &ModPath,
    file: &Path,
    modules: &BTreeMap<ModPath, PathBuf>,
) -> BTreeMap<ModPath, String> {
    let code: Vec<char> = code_only(&std::fs::read_to_string(file).unwrap())
        .chars()
        .collect();
    let children: BTreeSet<String> = modules
        .keys()
        .filter(|m| m.len() == module.len() + 1 && m.starts_with(module))
        .map(|m| m.last().unwrap().clone())
        .collect();
    let inline = inline_depths(&code);
    let mut found = BTreeMap::new();
    let mut i = 0;
    while i < code.len() {
        if !(code[i].is_alphabetic() || code[i] == '_') || ident_before(&code, i) {
            i += 1;
            continue;
        }
        // A path may start only at an identifier not preceded by `::` (that is mid-path) or `.`.
        let preceded = {
            let mut j = i;
            while j > 0 && code[j - 1].is_whitespace() {
                j -= 1;
            }
            j >= 2 && code[j - 1] == ':' && code[j - 2] == ':' || j >= 1 && code[j - 1] == '.'
        };
        let start = i;
        while i < code.len() && (code[i].is_alphanumeric() || code[i] == '_') {
            i += 1;
        }
        if preceded {
            continue;
        }
        let first: String = code[start..i].iter().collect();
        let rooted =
            matches!(first.as_str(), "crate" | "super" | "self") || children.contains(&first);
        if !rooted || code.get(i) != Some(&':') || code.get(i + 1) != Some(&':') {
            continue;
        }
        for path in paths_at(&code, start) {
            let mut resolved: ModPath = match path[0].as_str() {
                "crate" => Vec::new(),
                "super" => module[..module.len().saturating_sub(1)].to_vec(),
                "self" => module.clone(),
                _ => module.clone(),
            };
            let rest = if matches!(path[0].as_str(), "crate" | "super" | "self") {
                &path[1..]
            } else {
                &path[..]
            };
            // Inside an inline `mod tests { … }`, the first `super`s lead to the file's own
            // module; the others climb on.
            let mut rest = rest.iter().peekable();
            if path[0] == "super" && inline[start] > 0 {
                resolved = module.clone();
                let mut levels = inline[start] - 1;
                while levels > 0 && rest.peek().is_some_and(|s| *s == "super") {
                    rest.next();
                    levels -= 1;
                }
            }
            while rest.peek().is_some_and(|s| *s == "super") {
                resolved.pop();
                rest.next();
            }
            // The deepest module file the path names.
            for segment in rest {
                let mut deeper = resolved.clone();
                deeper.push(segment.clone());
                if modules.contains_key(&deeper) {
                    resolved = deeper;
                } else {
                    break;
                }
            }
            if &resolved != module {
                found.entry(resolved).or_insert_with(|| path.join("::"));
            }
        }
    }
    found
}

/// Checks one crate: no module refers to one of its ancestors, the module graph has no
/// circle, and (when given) top-level modules refer only to those listed before them.
fn check(src: &Path, skip: &[&str], layers: Option<&[&str]>) -> Vec<String> {
    let modules = module_files(src, skip);
    let mut problems = Vec::new();
    let mut graph: BTreeMap<ModPath, BTreeSet<ModPath>> = BTreeMap::new();
    for (module, file) in &modules {
        let refs = references(module, file, &modules);
        for (target, shown) in &refs {
            let name = |m: &ModPath| {
                if m.is_empty() {
                    "crate".to_owned()
                } else {
                    m.join("::")
                }
            };
            if module.starts_with(target) {
                problems.push(format!(
                    "{} reaches up to its ancestor {} (`{shown}`)",
                    name(module),
                    name(target)
                ));
            }
            if let Some(layers) = layers
                && let (Some(from), Some(to)) = (module.first(), target.first())
                && from != to
            {
                let rank = |m: &str| layers.iter().position(|l| *l == m);
                match (rank(from), rank(to)) {
                    (Some(a), Some(b)) if b > a => problems.push(format!(
                        "{} (layer {from}) refers up to {} (layer {to}): `{shown}`",
                        name(module),
                        name(target)
                    )),
                    (None, _) | (_, None) => problems.push(format!(
                        "{} or {} is not in the documented layer list",
                        name(module),
                        name(target)
                    )),
                    _ => {}
                }
            }
        }
        graph.insert(module.clone(), refs.into_keys().collect());
    }
    // Circles (through children, too): a depth-first search for a back edge.
    fn dfs(
        node: &ModPath,
        graph: &BTreeMap<ModPath, BTreeSet<ModPath>>,
        state: &mut BTreeMap<ModPath, u8>,
        stack: &mut Vec<ModPath>,
        problems: &mut Vec<String>,
    ) {
        state.insert(node.clone(), 1);
        stack.push(node.clone());
        for next in graph.get(node).into_iter().flatten() {
            match state.get(next).copied().unwrap_or(0) {
                0 => dfs(next, graph, state, stack, problems),
                1 => {
                    let at = stack.iter().position(|m| m == next).unwrap();
                    let circle: Vec<String> = stack[at..]
                        .iter()
                        .chain(std::iter::once(next))
                        .map(|m| m.join("::"))
                        .collect();
                    problems.push(format!("import circle: {}", circle.join(" -> ")));
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(node.clone(), 2);
    }
    let mut state = BTreeMap::new();
    for node in graph.keys() {
        if !state.contains_key(node) {
            dfs(node, &graph, &mut state, &mut Vec::new(), &mut problems);
        }
    }
    problems
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

#[test]
fn library_modules_form_the_documented_layers() {
    // `main.rs` and `app/` are the binary's, a crate of their own.
    let problems = check(&src(), &["main", "app"], Some(LIBRARY_LAYERS));
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_library_module_is_in_the_layer_list() {
    let modules = module_files(&src(), &["main", "app"]);
    let top: BTreeSet<&str> = modules
        .keys()
        .filter_map(|m| m.first().map(String::as_str))
        .collect();
    let listed: BTreeSet<&str> = LIBRARY_LAYERS.iter().copied().collect();
    assert_eq!(top, listed);
}

#[test]
fn the_binarys_modules_have_no_circle() {
    let problems = check(&src().join("app"), &[], None);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_checker_sees_a_back_edge_and_a_circle() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write("lib.rs", "pub mod low;\npub mod high;\n");
    write(
        "low.rs",
        "// crate::high in a comment does not count\nconst S: &str = \"crate::high::X\";\n\
         fn f() -> char { '\"' }\nuse crate::{high::Thing, low};\n",
    );
    write("high.rs", "use crate::low::f;\n");
    write("up/mod.rs", "mod child;\npub use child::X;\n");
    write("up/child.rs", "use super::X;\n");
    let problems = check(dir.path(), &[], Some(&["low", "high", "up"]));
    assert!(
        problems
            .iter()
            .any(|p| p.contains("low (layer low) refers up to high")
                && p.contains("crate::high::Thing")),
        "{problems:?}"
    );
    assert!(
        problems.iter().any(|p| p.starts_with("import circle")),
        "{problems:?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p == "up::child reaches up to its ancestor up (`super::X`)"),
        "{problems:?}"
    );
    // The comment and the string were not read as references.
    assert_eq!(
        problems.iter().filter(|p| p.contains("refers up")).count(),
        1,
        "{problems:?}"
    );
}
