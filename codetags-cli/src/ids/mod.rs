//! `codetags id`: give every tag that has none a stable local id (`id=N`), as pycodetags 0.8.1's
//! `pycodetags id` does — the same ids in the same order, the same rewritten bytes, the same
//! `.pycodetags_ids`, the same refusals and messages.
//!
//! # What a run does
//! 1. Loads the counter, `.pycodetags_ids` in the project folder ([`IdCounter`]); a file that is
//!    there but not a valid counter is refused, never reset.
//! 2. Scans the paths ([`crate::scan`], no cache). A file that cannot be read, decoded or
//!    tokenized, or that holds a malformed tag, may hide ids: the run is refused (pycodetags
//!    aborts on the same files), naming each problem.
//! 3. In file order (paths compared by component), then tag order: every id already in the
//!    source is checked — a duplicate, or an id that is not a positive decimal without leading
//!    zeros, is refused — and recorded in the counter with the tag's content identity
//!    ([`content_identity`]), so it is never handed out again.
//! 4. In the same order, each tag without an id (a tracker link is no id) gets the counter's
//!    next one. Folk tags (`# TODO(alice): …`, our extension) cannot hold an id: they are
//!    counted as unsupported and left alone. Two tags reported at the very same span would be skipped ("sharing a block");
//!    the grammars give every tag its own span, so this is a safety net.
//! 5. `--check` lists the tags without an id; `--dry-run` lists what would be assigned. Neither
//!    writes anything.
//! 6. Otherwise every file to change is read again and its new bytes are prepared
//!    ([`rewrite_source`]): each tag re-serialized with the id ([`codetags_parse::dumps`]),
//!    every other byte kept. Any refusal here (the file changed since the scan, a character the
//!    file's encoding cannot hold, a hard-linked file) stops the run before anything is written.
//! 7. The counter is saved (atomically, and synced to disk) before any source is replaced, so a
//!    failure or a crash later can never let an id be handed out twice; then each file is
//!    replaced atomically, keeping its permissions, after checking once more that it still holds
//!    the bytes that were read. A crash leaves every file old or new.
//!
//! Differences from pycodetags, all on the side of writing less: the files are prepared and
//! checked before the counter is saved (pycodetags saves the counter, then may fail half-way
//! through the files), and the counter is not rewritten when it would not change.

mod counter;
mod error;
mod identity;
mod rewrite;

pub use counter::{COUNTER_FILE, IdCounter};
pub use error::{DuplicateId, IdError};
pub use identity::{content_identity, local_id};
pub use rewrite::{RewriteError, rewrite_source};

use crate::display::display_path;
use crate::extract::{DiagnosticKind, Tag};
use crate::scan::{ScanRequest, scan};
use cache_core::fswrite::{AtomicWrite, write_atomic_durable};
use codetags_parse::Schema;
use codetags_parse::dumps::{python_repr, with_id};
use std::collections::{BTreeMap, HashSet};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// What a run is asked to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdMode {
    /// Assign ids and rewrite the files (`codetags id`).
    Assign,
    /// Report what would be assigned; write nothing (`--dry-run`).
    DryRun,
    /// Assign nothing; list the tags without an id (`--check`).
    Check,
}

/// One file with tags, as planned.
#[derive(Debug, Clone)]
pub struct PlannedFile {
    /// The file (absolute when the scan roots are).
    pub path: PathBuf,
    /// Its tags, in source order.
    pub tags: Vec<Tag>,
    /// The ids to give: index into `tags`, new id. In tag order.
    pub assignments: Vec<(usize, u64)>,
}

/// What a run found and decided: the files and their new ids, the counts, the counter with
/// every id recorded and allocated. Nothing has been written yet.
#[derive(Debug, Clone)]
pub struct IdPlan {
    /// The mode the plan was made for.
    pub mode: IdMode,
    /// Every file with tags, in pycodetags' order (paths compared by component).
    pub files: Vec<PlannedFile>,
    /// The counter after recording the ids found and allocating the new ones.
    pub counter: IdCounter,
    /// Tags looked at.
    pub scanned: usize,
    /// Tags that already have an id.
    pub skipped_have_id: usize,
    /// Tags skipped because another tag has the very same span.
    pub skipped_shared_block: usize,
    /// Tags skipped because their syntax cannot hold an id (folk tags, `# TODO(alice): …`).
    pub skipped_unsupported: usize,
    /// Ids allocated.
    pub assigned: usize,
    /// `--check`: the tags without an id, as (file index, tag index).
    pub missing: Vec<(usize, usize)>,
    /// Whether any tag had an id already (the counter is then saved even with nothing new).
    pub saw_ids: bool,
}

/// Loads the counter in `counter_dir`, scans the request and plans the ids.
///
/// ```
/// use codetags_cli::{config::ProjectConfig, ids::{plan_ids, IdMode}, scan::ScanRequest};
/// let dir = tempfile::tempdir().unwrap();
/// let root = dir.path().canonicalize().unwrap();
/// std::fs::write(root.join("a.py"), "# TODO: one <p=1>\n# BUG: two <id=4>\n").unwrap();
/// let request = ScanRequest::new(vec![root.clone()], ProjectConfig::defaults(&root));
/// let mut plan = plan_ids(&request, &root, IdMode::Assign).unwrap();
/// assert_eq!(plan.files[0].assignments, [(0, 5)]);
/// plan.apply().unwrap();
/// assert_eq!(std::fs::read_to_string(root.join("a.py")).unwrap(), "# TODO: one <p=1 id=5>\n# BUG: two <id=4>\n");
/// assert!(std::fs::read_to_string(root.join(".pycodetags_ids")).unwrap().contains("\"next_id\": 6"));
/// ```
///
/// # Errors
/// [`IdError`]: an invalid counter, a missing path, files that cannot be read completely, a
/// duplicate or invalid id.
pub fn plan_ids(
    request: &ScanRequest,
    counter_dir: &Path,
    mode: IdMode,
) -> Result<IdPlan, IdError> {
    let counter = IdCounter::load(counter_dir)?;
    let outcome = scan(request)?;
    let mut problems: Vec<String> = Vec::new();
    for problem in &outcome.problems {
        problems.push(format!(
            "{}: {}",
            display_path(&problem.path),
            problem.message
        ));
    }
    let mut files = Vec::new();
    for file in outcome.files {
        for d in &file.diagnostics {
            let what = match d.kind {
                DiagnosticKind::Decode => "cannot decode",
                DiagnosticKind::Tokenize => "cannot tokenize",
                DiagnosticKind::MalformedTag => "malformed tag",
            };
            problems.push(format!("{}:{d} ({what})", display_path(&file.path)));
        }
        if !file.tags.is_empty() {
            files.push((file.path, file.tags));
        }
    }
    if !problems.is_empty() {
        return Err(IdError::Unreadable(problems));
    }
    plan_tags(files, counter, mode)
}

/// Plans the ids for tags already found: `files` in scan order, each with its tags in source
/// order. [`plan_ids`] is this after a scan.
///
/// # Errors
/// A duplicate or invalid id ([`IdError::DuplicateId`], [`IdError::InvalidLocalId`]).
pub fn plan_tags(
    files: Vec<(PathBuf, Vec<Tag>)>,
    mut counter: IdCounter,
    mode: IdMode,
) -> Result<IdPlan, IdError> {
    // One entry per physical tag (pycodetags' dedup_data_objects), files in component order.
    let mut files: Vec<PlannedFile> = files
        .into_iter()
        .map(|(path, tags)| {
            let mut seen = HashSet::new();
            let tags = tags
                .into_iter()
                .filter(|t| {
                    seen.insert((t.offsets.to_array(), t.code_tag.clone(), t.comment.clone()))
                })
                .collect();
            PlannedFile {
                path,
                tags,
                assignments: Vec::new(),
            }
        })
        .collect();
    files.sort_by(|a, b| a.path.cmp(&b.path));

    // Every id in the source is checked and reserved before any is handed out.
    let mut seen_ids: BTreeMap<String, (String, [usize; 4])> = BTreeMap::new();
    for file in &files {
        for tag in &file.tags {
            let Some(id) = local_id(tag) else { continue };
            let here = (tag.file_path.clone(), tag.offsets.to_array());
            if let Some(first) = seen_ids.get(&id) {
                return Err(IdError::DuplicateId(Box::new(DuplicateId {
                    id,
                    first: first.clone(),
                    second: here,
                })));
            }
            counter.record_existing(&id, &content_identity(tag))?;
            seen_ids.insert(id, here);
        }
    }

    let mut plan = IdPlan {
        mode,
        files: Vec::new(),
        counter,
        scanned: 0,
        skipped_have_id: 0,
        skipped_shared_block: 0,
        skipped_unsupported: 0,
        assigned: 0,
        missing: Vec::new(),
        saw_ids: !seen_ids.is_empty(),
    };
    for (file_index, file) in files.iter_mut().enumerate() {
        let mut spans: BTreeMap<[usize; 4], usize> = BTreeMap::new();
        for tag in &file.tags {
            *spans.entry(tag.offsets.to_array()).or_default() += 1;
        }
        for (tag_index, tag) in file.tags.iter().enumerate() {
            plan.scanned += 1;
            if tag.schema == Schema::Folk {
                // Rewriting it as PEP350 would change its syntax, and the folk grammar would
                // no longer see the tag: each run would hand out another id.
                plan.skipped_unsupported += 1;
                tracing::warn!(
                    "Skipping folk tag at {}:{}: {} (a folk tag cannot hold an id; read the \
                     file with PEP350 or TDG)",
                    display_path(&file.path),
                    tag.offsets.start_line + 1,
                    python_repr(&tag.comment)
                );
                continue;
            }
            if local_id(tag).is_some() {
                plan.skipped_have_id += 1;
                continue;
            }
            if mode == IdMode::Check {
                plan.missing.push((file_index, tag_index));
                continue;
            }
            if spans[&tag.offsets.to_array()] > 1 {
                plan.skipped_shared_block += 1;
                tracing::warn!(
                    "Skipping tag sharing a comment block with another tag at {}: {} \
                     (cannot rewrite one tag in a shared block safely)",
                    display_path(&file.path),
                    python_repr(&tag.comment)
                );
                continue;
            }
            let id = plan.counter.allocate(&content_identity(tag));
            file.assignments.push((tag_index, id));
            plan.assigned += 1;
        }
    }
    plan.files = files;
    Ok(plan)
}

/// The files a completed [`IdPlan::apply`] rewrote, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applied {
    /// Whether `.pycodetags_ids` was written (it is not when it would not change).
    pub counter_written: bool,
    /// The files replaced.
    pub files_changed: Vec<PathBuf>,
}

/// An [`IdPlan::apply`] that stopped.
#[derive(Debug, thiserror::Error)]
#[error("{error}")]
pub struct ApplyFailure {
    /// Why.
    pub error: IdError,
    /// Whether the counter had been saved: then the ids it lists are spent (never handed out
    /// again) and some files may have been rewritten (each whole); run again to finish.
    pub counter_saved: bool,
    /// The files replaced before the failure.
    pub files_changed: Vec<PathBuf>,
}

impl IdPlan {
    /// The files that get ids, with their new ids: (file, tag, id), in assignment order.
    pub fn assignments(&self) -> impl Iterator<Item = (&PlannedFile, &Tag, u64)> {
        self.files.iter().flat_map(|file| {
            file.assignments
                .iter()
                .map(move |&(tag, id)| (file, &file.tags[tag], id))
        })
    }

    /// The number of files that get ids.
    pub fn files_to_change(&self) -> usize {
        self.files
            .iter()
            .filter(|f| !f.assignments.is_empty())
            .count()
    }

    /// `--check`'s report, as pycodetags prints it: the tags without an id, or that all have
    /// one. Returns whether all have one.
    ///
    /// # Errors
    /// The writer's.
    pub fn write_check(&self, out: &mut dyn Write) -> io::Result<bool> {
        if self.missing.is_empty() {
            writeln!(out, "All {} tag(s) have an id.", self.scanned)?;
            return Ok(true);
        }
        writeln!(out, "{} tag(s) missing an id:", self.missing.len())?;
        for &(file, tag) in &self.missing {
            let file = &self.files[file];
            let tag = &file.tags[tag];
            writeln!(
                out,
                "  {}:{}:{}  {}: {}",
                display_path(&file.path),
                tag.offsets.start_line + 1,
                tag.offsets.start_column,
                tag.code_tag,
                tag.comment
            )?;
        }
        Ok(false)
    }

    /// `--dry-run`'s report, as pycodetags prints it, summary included.
    ///
    /// # Errors
    /// The writer's.
    pub fn write_dry_run(&self, out: &mut dyn Write) -> io::Result<()> {
        writeln!(
            out,
            "[dry-run] Would assign {} id(s) across {} file(s):",
            self.assigned,
            self.files_to_change()
        )?;
        for (file, tag, id) in self.assignments() {
            writeln!(
                out,
                "  {}: id={id}  {}: {}",
                display_path(&file.path),
                tag.code_tag,
                tag.comment
            )?;
        }
        self.write_summary(out, 0)
    }

    /// The closing summary, as pycodetags prints it; `files_changed` (0 in a dry run) adds the
    /// `Changed N file(s).` line.
    ///
    /// # Errors
    /// The writer's.
    pub fn write_summary(&self, out: &mut dyn Write, files_changed: usize) -> io::Result<()> {
        let prefix = if self.mode == IdMode::DryRun {
            "[dry-run] "
        } else {
            ""
        };
        writeln!(
            out,
            "{prefix}Scanned {} tag(s); assigned {}; skipped {} with id, {} sharing a block, {} unsupported.",
            self.scanned,
            self.assigned,
            self.skipped_have_id,
            self.skipped_shared_block,
            self.skipped_unsupported
        )?;
        if files_changed > 0 {
            writeln!(out, "{prefix}Changed {files_changed} file(s).")?;
        }
        Ok(())
    }

    /// Writes the plan: prepares every file's new bytes (refusing before anything is written),
    /// saves the counter, then replaces the files one by one. See the module documentation.
    ///
    /// # Errors
    /// [`ApplyFailure`], which says whether the counter had been saved and which files had been
    /// replaced.
    pub fn apply(&self) -> Result<Applied, ApplyFailure> {
        let refuse = |error: IdError| ApplyFailure {
            error,
            counter_saved: false,
            files_changed: Vec::new(),
        };
        let mut prepared: Vec<(&Path, Vec<u8>, Vec<u8>)> = Vec::new();
        for file in &self.files {
            if file.assignments.is_empty() {
                continue;
            }
            let new_tags: Vec<Tag> = file
                .assignments
                .iter()
                .map(|&(tag, id)| with_id(&file.tags[tag], &id.to_string()))
                .collect();
            let edits: Vec<(&Tag, &Tag)> = file
                .assignments
                .iter()
                .zip(&new_tags)
                .map(|(&(tag, _), new)| (&file.tags[tag], new))
                .collect();
            let old = read_single_link(&file.path).map_err(refuse)?;
            let rewritten = rewrite_source(&old, &edits).map_err(|error| {
                refuse(IdError::Rewrite {
                    path: file.path.clone(),
                    error,
                })
            })?;
            if let Some(new) = rewritten {
                prepared.push((&file.path, old, new));
            }
        }

        let mut applied = Applied::default();
        if self.assigned > 0 || self.saw_ids {
            let before = std::fs::read(self.counter.path()).ok();
            self.counter.save().map_err(refuse)?;
            applied.counter_written = before.as_deref() != Some(self.counter.to_json().as_bytes());
        }
        for (path, old, new) in prepared {
            if let Err(error) = replace_source(path, &old, &new) {
                return Err(ApplyFailure {
                    error,
                    counter_saved: true,
                    files_changed: applied.files_changed,
                });
            }
            applied.files_changed.push(path.to_path_buf());
        }
        Ok(applied)
    }
}

/// The bytes of `path`, refusing a symbolic link or a file with several names (replacing it
/// would change what the other names see).
fn read_single_link(path: &Path) -> Result<Vec<u8>, IdError> {
    let io = |error| IdError::Io {
        path: path.to_path_buf(),
        error,
    };
    let meta = std::fs::symlink_metadata(path).map_err(io)?;
    if !meta.is_file() || has_other_names(&meta) {
        return Err(IdError::NotASingleLink(path.to_path_buf()));
    }
    std::fs::read(path).map_err(io)
}

#[cfg(unix)]
fn has_other_names(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    meta.nlink() > 1
}

#[cfg(not(unix))]
fn has_other_names(_meta: &std::fs::Metadata) -> bool {
    false
}

/// Replaces `path` (which held `old` when it was prepared) with `new`, atomically and durably
/// (flushed to disk before the rename: a source cannot be made again), keeping its permission
/// bits; refused if the file no longer holds `old` just before the rename.
fn replace_source(path: &Path, old: &[u8], new: &[u8]) -> Result<(), IdError> {
    let how = AtomicWrite {
        temp_prefix: ".codetags-id-",
        follow_links: false,
    };
    let mut changed = false;
    let written = write_atomic_durable(path, how, |w| {
        w.write_all(new)?;
        // The last look before the rename: an edit made since the file was prepared wins.
        if std::fs::read(path)? != old {
            changed = true;
            return Err(io::Error::other("changed"));
        }
        Ok(())
    });
    match written {
        Ok(()) => Ok(()),
        Err(_) if changed => Err(IdError::ChangedWhileWriting(path.to_path_buf())),
        Err(error) => Err(IdError::Io {
            path: path.to_path_buf(),
            error,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use codetags_parse::{Schema, extract_tags};

    fn tags(src: &str, path: &str) -> Vec<Tag> {
        let mut found = extract_tags(src.as_bytes(), Schema::Pep350).unwrap();
        found.set_file_path(path);
        found.tags
    }

    #[test]
    fn tags_at_the_same_span_are_skipped_not_rewritten() {
        let mut two = tags("# TODO: a <p=1>\n# TODO: b <p=2>\n", "/p/a.py");
        two[1].offsets = two[0].offsets;
        let plan = plan_tags(
            vec![(PathBuf::from("/p/a.py"), two)],
            IdCounter::new("/p/.pycodetags_ids"),
            IdMode::Assign,
        )
        .unwrap();
        assert_eq!(
            (plan.scanned, plan.skipped_shared_block, plan.assigned),
            (2, 2, 0)
        );
        // --check still lists them.
        let mut two = tags("# TODO: a <p=1>\n# TODO: b <p=2>\n", "/p/a.py");
        two[1].offsets = two[0].offsets;
        let check = plan_tags(
            vec![(PathBuf::from("/p/a.py"), two)],
            IdCounter::new("/p/.pycodetags_ids"),
            IdMode::Check,
        )
        .unwrap();
        assert_eq!(check.missing.len(), 2);
    }

    #[test]
    fn files_are_ordered_by_component_and_ids_reserved_first() {
        let files = vec![
            (
                PathBuf::from("/p/a.py"),
                tags("# TODO: x <p=1>\n", "/p/a.py"),
            ),
            (
                PathBuf::from("/p/a/b.py"),
                tags("# TODO: y <p=1>\n# TODO: z <id=1>\n", "/p/a/b.py"),
            ),
        ];
        let plan = plan_tags(files, IdCounter::new("/p/.pycodetags_ids"), IdMode::Assign).unwrap();
        // "a/b.py" sorts before "a.py" component by component, as pathlib sorts; the id 1 found
        // later in the same file is reserved before any is handed out.
        let order: Vec<(String, u64)> = plan
            .assignments()
            .map(|(f, _, id)| (f.path.display().to_string(), id))
            .collect();
        assert_eq!(
            order,
            [("/p/a/b.py".to_owned(), 2), ("/p/a.py".to_owned(), 3)]
        );
    }

    #[test]
    fn duplicates_are_refused_with_both_places() {
        let files = vec![
            (
                PathBuf::from("/p/a.py"),
                tags("# TODO: c <id=5>\n", "/p/a.py"),
            ),
            (
                PathBuf::from("/p/b.py"),
                tags("\n  # TODO: b <id=5>\n", "/p/b.py"),
            ),
        ];
        let err = plan_tags(files, IdCounter::new("x"), IdMode::Check).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Duplicate local id '5': /p/a.py:(0, 0, 0, 16) and /p/b.py:(1, 2, 1, 18). No files were changed."
        );
    }

    #[test]
    fn a_file_changed_just_before_its_replacement_is_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.py");
        std::fs::write(&path, "edited meanwhile\n").unwrap();
        let err = replace_source(&path, b"as read\n", b"new\n").unwrap_err();
        assert!(matches!(err, IdError::ChangedWhileWriting(_)));
        assert!(err.to_string().ends_with(
            "Tag mismatch: source changed while preparing mutations; reparse and retry."
        ));
        assert_eq!(std::fs::read(&path).unwrap(), b"edited meanwhile\n");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "temp file left"
        );
    }

    #[test]
    fn folk_tags_are_unsupported_and_left_alone() {
        let mut found = extract_tags(b"x = 1  # TODO(alice): folk style\n", Schema::Folk).unwrap();
        found.set_file_path("/p/a.py");
        let plan = plan_tags(
            vec![(PathBuf::from("/p/a.py"), found.tags)],
            IdCounter::new("x"),
            IdMode::Check,
        )
        .unwrap();
        assert_eq!(
            (plan.scanned, plan.skipped_unsupported, plan.missing.len()),
            (1, 1, 0)
        );
        let mut out = Vec::new();
        plan.write_summary(&mut out, 0).unwrap();
        assert!(
            String::from_utf8(out)
                .unwrap()
                .ends_with("0 sharing a block, 1 unsupported.\n")
        );
    }
}
