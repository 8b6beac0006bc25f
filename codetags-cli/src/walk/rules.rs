//! Ignore rules for the folder walk: `.ignore`, `.gitignore` and `.git/info/exclude` in each
//! folder and in the scan root's ancestors, applied as the `ignore` crate's walker applies them
//! with the options codetags uses (hidden entries skipped, parents read, `require_git(false)`,
//! no global gitignore).
//!
//! The matchers are the `ignore` crate's own (`Gitignore`); what is re-stated here is only
//! which matcher wins: for an entry, the first matcher of each kind that matches it, from its
//! own folder up to the file-system root, decides — `.ignore` before `.gitignore` before
//! `.git/info/exclude` — and a hidden entry no rule matched is skipped. Folders read ignore
//! files only when their listing shows them, so a folder without any costs nothing.
//! `tests/walk_rules.rs` checks the outcome against `ignore::WalkBuilder` on generated trees.

use super::fsys::is_hidden;
use super::types::WalkError;
use ignore::Match;
use ignore::gitignore::{Gitignore, GitignoreBuilder};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Which ignore-relevant names a folder holds: `.gitignore`, `.ignore`, `.git`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct IgnoreFiles(u8);

impl IgnoreFiles {
    /// `.gitignore`.
    pub const GITIGNORE: IgnoreFiles = IgnoreFiles(1);
    /// `.ignore`.
    pub const IGNORE: IgnoreFiles = IgnoreFiles(2);
    /// `.git` (its `info/exclude` is read).
    pub const GIT: IgnoreFiles = IgnoreFiles(4);
    /// The three, with the file each stands for inside the folder, in a fixed order.
    pub const FILES: [(IgnoreFiles, &'static str); 3] = [
        (IgnoreFiles::GITIGNORE, ".gitignore"),
        (IgnoreFiles::IGNORE, ".ignore"),
        (IgnoreFiles::GIT, ".git/info/exclude"),
    ];

    /// The flag for a folder entry named `name`, if it is one of the three.
    pub fn of_name(name: &OsStr) -> IgnoreFiles {
        match name.as_encoded_bytes() {
            b".gitignore" => IgnoreFiles::GITIGNORE,
            b".ignore" => IgnoreFiles::IGNORE,
            b".git" => IgnoreFiles::GIT,
            _ => IgnoreFiles(0),
        }
    }

    /// Whether none of the three is there.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Whether every flag of `other` is set.
    pub fn contains(self, other: IgnoreFiles) -> bool {
        self.0 & other.0 == other.0 && other.0 != 0
    }

    /// The flags as a byte (for the scan state).
    pub fn bits(self) -> u8 {
        self.0
    }

    /// Flags from a byte; unknown bits are dropped.
    pub fn from_bits(bits: u8) -> IgnoreFiles {
        IgnoreFiles(bits & 7)
    }
}

impl std::ops::BitOrAssign for IgnoreFiles {
    fn bitor_assign(&mut self, other: IgnoreFiles) {
        self.0 |= other.0;
    }
}

/// The matchers one folder contributes.
#[derive(Debug)]
struct Level {
    ignore: Gitignore,
    gitignore: Gitignore,
    exclude: Gitignore,
    /// A folder above the scan root: entries are matched by their absolute path.
    absolute: bool,
    parent: Option<Arc<Level>>,
}

/// The ignore rules in force in one folder: its own and every ancestor's. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct Rules {
    levels: Option<Arc<Level>>,
    /// The canonical scan root, for matching against the rules of the root's ancestors.
    canonical_root: Option<Arc<PathBuf>>,
}

impl Rules {
    /// No rules at all.
    pub fn none() -> Rules {
        Rules::default()
    }

    /// The rules of the ancestors of the scan root `root` (what `WalkBuilder::parents(true)`
    /// reads), found by looking for the three names in each ancestor; errors in ignore files
    /// are added to `errors`. Returns the rules and, per ancestor (nearest first), which of the
    /// three names it holds, for the scan state to watch.
    pub fn for_ancestors_of(root: &Path, errors: &mut Vec<WalkError>) -> Rules {
        let Ok(canonical) = root.canonicalize() else {
            return Rules::none();
        };
        let mut rules = Rules {
            levels: None,
            canonical_root: Some(Arc::new(canonical.clone())),
        };
        let ancestors: Vec<&Path> = canonical.ancestors().skip(1).collect();
        for dir in ancestors.into_iter().rev() {
            let found = probe(dir);
            rules = rules.push(dir, found, true, errors);
        }
        rules
    }

    /// The rules in force inside folder `dir` (its path as the walk built it), a child of the
    /// folder these rules are for, holding the ignore files `found`.
    pub fn child(&self, dir: &Path, found: IgnoreFiles, errors: &mut Vec<WalkError>) -> Rules {
        self.push(dir, found, false, errors)
    }

    fn push(
        &self,
        dir: &Path,
        found: IgnoreFiles,
        absolute: bool,
        errors: &mut Vec<WalkError>,
    ) -> Rules {
        let ignore = if found.contains(IgnoreFiles::IGNORE) {
            matcher(dir, &dir.join(".ignore"), errors)
        } else {
            Gitignore::empty()
        };
        let gitignore = if found.contains(IgnoreFiles::GITIGNORE) {
            matcher(dir, &dir.join(".gitignore"), errors)
        } else {
            Gitignore::empty()
        };
        let exclude = if found.contains(IgnoreFiles::GIT) {
            match git_exclude_file(dir) {
                Ok(Some(path)) => matcher(dir, &path, errors),
                Ok(None) => Gitignore::empty(),
                Err(err) => {
                    errors.push(super::types::walk_error(err));
                    Gitignore::empty()
                }
            }
        } else {
            Gitignore::empty()
        };
        if ignore.is_empty() && gitignore.is_empty() && exclude.is_empty() {
            return self.clone();
        }
        Rules {
            levels: Some(Arc::new(Level {
                ignore,
                gitignore,
                exclude,
                absolute,
                parent: self.levels.clone(),
            })),
            canonical_root: self.canonical_root.clone(),
        }
    }

    /// Whether no ignore file applies here: only the hidden rule does.
    pub fn is_empty(&self) -> bool {
        self.levels.is_none()
    }

    /// Whether the entry `name` at `path` (as the walk built it; `rel` is its path from the
    /// scan root) is skipped: by the first rule that matches it, else for being hidden.
    pub fn skips(&self, path: &Path, rel: &str, name: &OsStr, is_dir: bool) -> bool {
        if let Some(levels) = &self.levels {
            let path = path.strip_prefix("./").unwrap_or(path);
            let mut absolute: Option<PathBuf> = None;
            let kinds: [fn(&Level) -> &Gitignore; 3] =
                [|l| &l.ignore, |l| &l.gitignore, |l| &l.exclude];
            for kind in kinds {
                let mut level = Some(levels.as_ref());
                while let Some(here) = level {
                    let matcher = kind(here);
                    if !matcher.is_empty() {
                        let candidate: &Path = if here.absolute {
                            absolute.get_or_insert_with(|| {
                                self.canonical_root
                                    .as_deref()
                                    .map_or_else(|| PathBuf::from(rel), |root| root.join(rel))
                            })
                        } else {
                            path
                        };
                        match matcher.matched(candidate, is_dir) {
                            Match::None => {}
                            Match::Ignore(_) => return true,
                            Match::Whitelist(_) => return false,
                        }
                    }
                    level = here.parent.as_deref();
                }
            }
        }
        is_hidden(name)
    }
}

/// Which of the three names `dir` holds, by asking for each (for folders whose listing the
/// walk does not read: the scan root's ancestors).
pub fn probe(dir: &Path) -> IgnoreFiles {
    let mut found = IgnoreFiles::default();
    for (flag, name) in [
        (IgnoreFiles::GITIGNORE, ".gitignore"),
        (IgnoreFiles::IGNORE, ".ignore"),
        (IgnoreFiles::GIT, ".git"),
    ] {
        let exists = if flag == IgnoreFiles::GIT {
            dir.join(name).metadata().is_ok()
        } else {
            dir.join(name).exists()
        };
        if exists {
            found |= flag;
        }
    }
    found
}

/// A matcher rooted at `dir` from the ignore file `file`. Errors reading it are not reported
/// (as the `ignore` crate does: a vanished or unreadable ignore file is no rule); errors in
/// its patterns are.
fn matcher(dir: &Path, file: &Path, errors: &mut Vec<WalkError>) -> Gitignore {
    let mut builder = GitignoreBuilder::new(dir);
    if file.exists()
        && let Some(err) = builder.add(file)
        && !err.is_io()
    {
        errors.push(super::types::walk_error(err));
    }
    match builder.build() {
        Ok(matcher) => matcher,
        Err(err) => {
            errors.push(super::types::walk_error(err));
            Gitignore::empty()
        }
    }
}

fn with_path(path: &Path, err: std::io::Error) -> ignore::Error {
    ignore::Error::WithPath {
        path: path.to_path_buf(),
        err: Box::new(ignore::Error::Io(err)),
    }
}

/// The `info/exclude` file of the repository whose `.git` is in `dir`: `.git/info/exclude`
/// for a `.git` folder; for a `.git` file (a worktree), the common git folder it names.
fn git_exclude_file(dir: &Path) -> Result<Option<PathBuf>, ignore::Error> {
    use std::io::BufRead;
    let dot_git = dir.join(".git");
    let Ok(metadata) = dot_git.metadata() else {
        return Ok(None);
    };
    if !metadata.is_file() {
        return Ok(Some(dot_git.join("info/exclude")));
    }
    let first_line = |path: &Path| -> Result<Option<String>, ignore::Error> {
        let file = std::fs::File::open(path).map_err(|e| with_path(path, e))?;
        match std::io::BufReader::new(file).lines().next() {
            Some(Ok(line)) => Ok(Some(line)),
            Some(Err(e)) => Err(with_path(path, e)),
            None => Ok(None),
        }
    };
    let Some(line) = first_line(&dot_git)? else {
        return Ok(None);
    };
    let Some(real) = line.strip_prefix("gitdir: ") else {
        return Ok(None);
    };
    let real = PathBuf::from(real);
    let Ok(Some(common)) = first_line(&real.join("commondir")) else {
        return Ok(None);
    };
    let common = if common.starts_with('.') {
        real.join(common)
    } else {
        PathBuf::from(common)
    };
    Ok(Some(common.join("info/exclude")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules_in(dir: &Path, files: &[(&str, &str)]) -> Rules {
        let mut found = IgnoreFiles::default();
        for (name, text) in files {
            std::fs::write(dir.join(name), text).unwrap();
            found |= IgnoreFiles::of_name(OsStr::new(name));
        }
        let mut errors = Vec::new();
        let rules = Rules::none().child(dir, found, &mut errors);
        assert!(errors.is_empty(), "{errors:?}");
        rules
    }

    #[test]
    fn dot_ignore_outranks_gitignore_and_hidden_names_are_skipped_unless_whitelisted() {
        let dir = tempfile::tempdir().unwrap();
        let rules = rules_in(
            dir.path(),
            &[(".gitignore", "*.py\n!.keep\n"), (".ignore", "!a.py\n")],
        );
        let skips = |name: &str, is_dir| {
            rules.skips(&dir.path().join(name), name, OsStr::new(name), is_dir)
        };
        assert!(!skips("a.py", false));
        assert!(skips("b.py", false));
        assert!(!skips(".keep", true));
        assert!(skips(".other", true));
        assert!(!Rules::none().skips(Path::new("x.py"), "x.py", OsStr::new("x.py"), false));
    }

    #[test]
    fn a_bad_pattern_is_reported_and_the_others_apply() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(".gitignore"), "{a,b\nb.py\n").unwrap();
        let mut errors = Vec::new();
        let rules = Rules::none().child(dir.path(), IgnoreFiles::GITIGNORE, &mut errors);
        assert_eq!(errors.len(), 1, "{errors:?}");
        let b = dir.path().join("b.py");
        assert!(rules.skips(&b, "b.py", OsStr::new("b.py"), false));
    }
}
