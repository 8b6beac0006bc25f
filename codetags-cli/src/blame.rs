//! Who wrote each tag, and when: `git blame` for the line each tag starts on, cached so that a
//! re-run of an unchanged repository runs no blame at all.
//!
//! # What is asked of git
//! Only files with tags are blamed, and only their tag lines (`git blame --line-porcelain` with
//! one `-L n,n` per tag, as tickgit does), files in parallel. `docs/PERFORMANCE.md` compares
//! this with whole-file blame.
//!
//! # What identifies an answer
//! The blame of path `P` at commit `N` depends on `P`'s history, not only its content, so the
//! cache key is `(N, P, the lines asked)` and never the content alone. A new commit must not
//! re-blame every file, though, and git's own rule gives the way: when `N` has a parent whose
//! blob at `P` is identical to `N`'s, git passes *all* of `P`'s blame to the first such parent
//! (blame.c, `pass_blame`), so `blame(N, P) = blame(parent, P)` exactly. On a miss at `HEAD`
//! the lookup walks back along such parents (at most [`MAX_WALK`] commits) and reuses the first
//! answer it finds; only files a commit really changed are blamed again.
//!
//! Lines that are not committed are never cached: a file that differs from `HEAD` (modified,
//! staged) is blamed live on every run, and an untracked file is "not committed" without asking
//! git. Git runs with `GIT_OPTIONAL_LOCKS=0`, so reading never writes the repository's index.

use crate::scan::ScanOutcome;
use chrono::{FixedOffset, SecondsFormat, TimeZone};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

/// How far back a lookup follows parents with an identical blob before blaming afresh.
pub const MAX_WALK: usize = 64;

/// The version of the cached answer's format; part of every key.
const FORMAT: u32 = 1;

/// The cache-core function name blame answers are stored under.
pub const BLAME_FUNCTION: &str = "codetags::blame";

/// Who last changed one line, as `git blame` says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Blame {
    /// The commit id (40 or 64 hex digits); `None` when the line is not committed yet.
    pub commit: Option<String>,
    /// The author's name; `None` when not committed.
    pub author: Option<String>,
    /// The author's email, without the angle brackets; `None` when not committed.
    pub email: Option<String>,
    /// The author date in RFC 3339 with the author's own offset, as git records it.
    pub date: Option<String>,
}

impl Blame {
    /// The mark of a line that is not committed yet.
    pub fn uncommitted() -> Blame {
        Blame {
            commit: None,
            author: None,
            email: None,
            date: None,
        }
    }

    /// Whether the line is committed.
    pub fn is_committed(&self) -> bool {
        self.commit.is_some()
    }

    /// The author date, when committed and parseable.
    pub fn datetime(&self) -> Option<chrono::DateTime<FixedOffset>> {
        chrono::DateTime::parse_from_rfc3339(self.date.as_deref()?).ok()
    }
}

/// Where cached blame answers live; [`crate::state::CoreStateStore`] is the real one.
pub trait BlameCache: Send + Sync {
    /// The answer stored for `key`, if any.
    fn load(&self, key: &BlameKey) -> Option<Vec<Blame>>;
    /// Stores `answer` (one [`Blame`] per line of `key.lines`); failures are not fatal.
    fn store(&self, key: &BlameKey, answer: &[Blame]);
    /// Records that a run blamed at `commit`, so later runs know answers may be found there.
    fn mark_head(&self, commit: &str);
    /// Whether a run blamed at `commit`.
    fn has_head(&self, commit: &str) -> bool;
}

/// The cache-core function name of the "a run blamed at this commit" marks.
pub const BLAME_HEAD_FUNCTION: &str = "codetags::blame-head";

/// The identity of one cached answer: the commit, the path in the repository, the lines.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct BlameKey {
    /// [`FORMAT`] of the stored answer.
    pub format: u32,
    /// The commit the blame starts from.
    pub commit: String,
    /// The path relative to the repository's top folder, `/`-separated.
    pub path: String,
    /// The 1-based lines asked, ascending.
    pub lines: Vec<usize>,
    /// SHA-256 (hex) of the work tree's `.mailmap`, which changes the names git prints.
    pub mailmap: Option<String>,
}

impl BlameCache for crate::state::CoreStateStore {
    fn load(&self, key: &BlameKey) -> Option<Vec<Blame>> {
        let key = cache_core::Key::new(BLAME_FUNCTION, key).ok()?;
        self.cache().get::<Vec<Blame>>(&key)
    }

    fn store(&self, key: &BlameKey, answer: &[Blame]) {
        match cache_core::Key::new(BLAME_FUNCTION, key) {
            // Failures are counted and logged by cache-core; the answer stands.
            // Stored as the type it is read back as: the entry records the value type.
            Ok(key) => drop(self.cache().put(&key, &answer.to_vec())),
            Err(err) => tracing::warn!(%err, "cannot derive the blame cache key"),
        }
    }

    fn mark_head(&self, commit: &str) {
        if let Ok(key) = cache_core::Key::new(BLAME_HEAD_FUNCTION, &(FORMAT, commit)) {
            drop(self.cache().put(&key, &true));
        }
    }

    fn has_head(&self, commit: &str) -> bool {
        cache_core::Key::new(BLAME_HEAD_FUNCTION, &(FORMAT, commit))
            .ok()
            .and_then(|key| self.cache().get::<bool>(&key))
            .unwrap_or(false)
    }
}

/// The blame of every tag of a scan, aligned with it: `tags[f][t]` is the blame of
/// `outcome.files[f].tags[t]` (`None` when it could not be had: outside a repository, or git
/// failed for that file, which `notes` tells).
#[derive(Debug, Clone, Default)]
pub struct BlameReport {
    /// Per file, per tag.
    pub tags: Vec<Vec<Option<Blame>>>,
    /// One line each for what the user should know (outside a repository, git missing, a
    /// file git could not blame).
    pub notes: Vec<String>,
    /// The counters.
    pub stats: BlameStats,
}

impl BlameReport {
    /// The blame of `outcome.files[file].tags[tag]`.
    pub fn get(&self, file: usize, tag: usize) -> Option<&Blame> {
        self.tags.get(file)?.get(tag)?.as_ref()
    }
}

/// What a blame pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlameStats {
    /// Files with tags that were looked at.
    pub files: usize,
    /// Files answered from the cache (at `HEAD` or through an identical-blob parent).
    pub cached: usize,
    /// Files for which `git blame` ran.
    pub blamed: usize,
    /// Files not committed at all (untracked): no git call.
    pub untracked: usize,
}

/// Blames every tag of `outcome`.
///
/// `threads` bounds the parallel `git blame` processes (0 = one per CPU). `cache` holds
/// answers between runs.
///
/// ```no_run
/// use codetags_cli::{blame::blame_tags, scan, ProjectConfig, ScanRequest};
/// let outcome = scan(&ScanRequest::new(vec![".".into()], ProjectConfig::defaults("."))).unwrap();
/// let report = blame_tags(&outcome, None, 0);
/// for (file, blames) in outcome.files.iter().zip(&report.tags) {
///     for (tag, blame) in file.tags.iter().zip(blames) {
///         println!("{} {:?}", tag.code_tag, blame.as_ref().and_then(|b| b.author.as_deref()));
///     }
/// }
/// ```
pub fn blame_tags(
    outcome: &ScanOutcome,
    cache: Option<&dyn BlameCache>,
    threads: usize,
) -> BlameReport {
    let mut report = BlameReport {
        tags: outcome
            .files
            .iter()
            .map(|f| vec![None; f.tags.len()])
            .collect(),
        ..BlameReport::default()
    };
    let mut repos: BTreeMap<PathBuf, Vec<Job>> = BTreeMap::new();
    let mut outside = 0usize;
    for (index, file) in outcome.files.iter().enumerate() {
        if file.tags.is_empty() {
            continue;
        }
        report.stats.files += 1;
        let Ok(absolute) = std::fs::canonicalize(&file.path) else {
            continue;
        };
        let Some(top) = repository_top(&absolute) else {
            outside += 1;
            continue;
        };
        let Ok(relative) = absolute.strip_prefix(&top) else {
            continue;
        };
        let mut lines: Vec<usize> = file.tags.iter().map(|t| t.offsets.start_line + 1).collect();
        lines.sort_unstable();
        lines.dedup();
        repos.entry(top.clone()).or_default().push(Job {
            file: index,
            path: slash_path(relative),
            lines,
        });
    }
    if outside > 0 {
        report.notes.push(format!(
            "blame: {outside} file{} with tags outside any git repository: no blame for {}",
            if outside == 1 { "" } else { "s" },
            if outside == 1 { "it" } else { "them" },
        ));
    }
    for (top, jobs) in repos {
        match blame_repository(&top, &jobs, cache, threads) {
            Ok(answers) => {
                for (job, answer) in jobs.iter().zip(answers) {
                    match answer {
                        Answer::Lines(lines, how) => {
                            match how {
                                How::Cached => report.stats.cached += 1,
                                How::Blamed => report.stats.blamed += 1,
                                How::Untracked => report.stats.untracked += 1,
                            }
                            let by_line: HashMap<usize, Blame> =
                                job.lines.iter().copied().zip(lines).collect();
                            let file = &outcome.files[job.file];
                            for (slot, tag) in report.tags[job.file].iter_mut().zip(&file.tags) {
                                *slot = by_line.get(&(tag.offsets.start_line + 1)).cloned();
                            }
                        }
                        Answer::Failed(message) => report.notes.push(format!(
                            "blame: {}: {message}",
                            crate::display::display_path(&outcome.files[job.file].path)
                        )),
                    }
                }
            }
            Err(message) => report.notes.push(format!(
                "blame: {}: {message}",
                crate::display::display_path(&top)
            )),
        }
    }
    report
}

/// One file to blame.
#[derive(Debug)]
struct Job {
    file: usize,
    path: String,
    lines: Vec<usize>,
}

#[derive(Debug)]
enum Answer {
    Lines(Vec<Blame>, How),
    Failed(String),
}

#[derive(Debug, Clone, Copy)]
enum How {
    Cached,
    Blamed,
    Untracked,
}

/// The work-tree state of a tagged file, from `git status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WorkState {
    /// As committed at `HEAD`: cacheable.
    Clean,
    /// Modified or staged: blamed live, never cached.
    Changed,
    /// Not known to git: not committed, no blame.
    Untracked,
}

fn blame_repository(
    top: &Path,
    jobs: &[Job],
    cache: Option<&dyn BlameCache>,
    threads: usize,
) -> Result<Vec<Answer>, String> {
    let head = match git(top, &["rev-parse", "--verify", "--quiet", "HEAD^{commit}"]) {
        Ok(out) => Some(out.trim().to_owned()),
        // An unborn branch: nothing is committed yet.
        Err(_) => None,
    };
    let states = work_states(top, jobs)?;
    let mailmap = mailmap_digest(top);
    let Some(head) = head else {
        return Ok(jobs
            .iter()
            .map(|job| Answer::Lines(vec![Blame::uncommitted(); job.lines.len()], How::Untracked))
            .collect());
    };

    // Walking back through parents only pays when an earlier run blamed at one of them: on a
    // first run (or after more than MAX_WALK commits) it would cost git calls for nothing.
    let worth_walking = cache.is_some_and(|cache| {
        git(
            top,
            &["rev-list", "--max-count", &MAX_WALK.to_string(), &head],
        )
        .map(|out| out.lines().skip(1).any(|commit| cache.has_head(commit)))
        .unwrap_or(false)
    });
    let mut answers: Vec<Option<Answer>> = jobs.iter().map(|_| None).collect();
    let mut to_blame: Vec<usize> = Vec::new();
    let mut walker = None;
    for (index, job) in jobs.iter().enumerate() {
        match states[index] {
            WorkState::Untracked => {
                answers[index] = Some(Answer::Lines(
                    vec![Blame::uncommitted(); job.lines.len()],
                    How::Untracked,
                ));
            }
            WorkState::Changed => to_blame.push(index),
            WorkState::Clean => {
                let Some(cache) = cache else {
                    to_blame.push(index);
                    continue;
                };
                let key = |commit: &str| BlameKey {
                    format: FORMAT,
                    commit: commit.to_owned(),
                    path: job.path.clone(),
                    lines: job.lines.clone(),
                    mailmap: mailmap.clone(),
                };
                if let Some(found) = cache
                    .load(&key(&head))
                    .filter(|a| a.len() == job.lines.len())
                {
                    answers[index] = Some(Answer::Lines(found, How::Cached));
                    continue;
                }
                if !worth_walking {
                    to_blame.push(index);
                    continue;
                }
                let walker = walker.get_or_insert_with(|| ParentWalker::new(top));
                let found = walker.as_mut().ok().and_then(|walker| {
                    walker.find_in_identical_ancestors(&head, &job.path, |commit| {
                        cache
                            .load(&key(commit))
                            .filter(|a| a.len() == job.lines.len())
                    })
                });
                match found {
                    Some(found) => {
                        cache.store(&key(&head), &found);
                        answers[index] = Some(Answer::Lines(found, How::Cached));
                    }
                    None => to_blame.push(index),
                }
            }
        }
    }

    let workers = match threads {
        0 => std::thread::available_parallelism().map_or(2, |n| n.get()),
        n => n,
    }
    .min(to_blame.len())
    .max(1);
    let next = AtomicUsize::new(0);
    let blamed: Vec<(usize, Answer)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let slot = next.fetch_add(1, Ordering::Relaxed);
                        let Some(&index) = to_blame.get(slot) else {
                            break;
                        };
                        let job = &jobs[index];
                        let live = states[index] == WorkState::Changed;
                        let answer = match blame_lines(top, &head, &job.path, &job.lines, live) {
                            Ok(lines) => {
                                if !live && let Some(cache) = cache {
                                    let key = BlameKey {
                                        format: FORMAT,
                                        commit: head.clone(),
                                        path: job.path.clone(),
                                        lines: job.lines.clone(),
                                        mailmap: mailmap.clone(),
                                    };
                                    cache.store(&key, &lines);
                                }
                                Answer::Lines(lines, How::Blamed)
                            }
                            Err(message) => Answer::Failed(message),
                        };
                        done.push((index, answer));
                    }
                    done
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });
    for (index, answer) in blamed {
        answers[index] = Some(answer);
    }
    if let Some(cache) = cache {
        cache.mark_head(&head);
    }
    Ok(answers
        .into_iter()
        .map(|a| a.unwrap_or_else(|| Answer::Failed("not blamed".into())))
        .collect())
}

/// The top folder of the git work tree holding `file`: the nearest ancestor with a `.git`
/// (folder, or file for worktrees and submodules).
fn repository_top(file: &Path) -> Option<PathBuf> {
    file.ancestors()
        .skip(1)
        .find(|dir| dir.join(".git").exists())
        .map(Path::to_path_buf)
}

fn slash_path(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// A `git` command in `top`, reading only: no optional locks (`git status` would otherwise
/// refresh and rewrite the index), no pager, no prompts, C locale.
fn git_command(top: &Path) -> Command {
    let mut command = Command::new("git");
    command
        .arg("-C")
        .arg(top)
        .env("GIT_OPTIONAL_LOCKS", "0")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("LC_ALL", "C")
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .stdin(Stdio::null());
    command
}

fn git(top: &Path, args: &[&str]) -> Result<String, String> {
    let output = git_command(top)
        .args(args)
        .output()
        .map_err(|err| format!("cannot run git: {err}"))?;
    if output.status.success() {
        String::from_utf8(output.stdout).map_err(|_| "git printed non-UTF-8 output".into())
    } else {
        Err(first_line(&output.stderr))
    }
}

fn first_line(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let line = text.lines().next().unwrap_or("").trim();
    if line.is_empty() {
        "git failed".into()
    } else {
        // Printed on the terminal: no control character from a file name gets through.
        crate::display::display_path(Path::new(line)).into_owned()
    }
}

/// Each job's work-tree state, from one `git status` limited to the tagged paths.
fn work_states(top: &Path, jobs: &[Job]) -> Result<Vec<WorkState>, String> {
    let mut command = git_command(top);
    command.args([
        "status",
        "--porcelain=v1",
        "-z",
        "--untracked-files=all",
        "--ignored=no",
        "--no-renames",
        "--",
    ]);
    // Literal pathspecs: a file named `*.py` must not match others.
    command.env("GIT_LITERAL_PATHSPECS", "1");
    for job in jobs {
        command.arg(&job.path);
    }
    let output = command
        .output()
        .map_err(|err| format!("cannot run git: {err}"))?;
    if !output.status.success() {
        return Err(first_line(&output.stderr));
    }
    let mut changed: HashMap<String, WorkState> = HashMap::new();
    for entry in output.stdout.split(|&b| b == 0) {
        if entry.len() < 4 {
            continue;
        }
        let path = String::from_utf8_lossy(&entry[3..]).into_owned();
        let state = if &entry[..2] == b"??" {
            WorkState::Untracked
        } else {
            WorkState::Changed
        };
        changed.insert(path, state);
    }
    Ok(jobs
        .iter()
        .map(|job| changed.get(&job.path).copied().unwrap_or(WorkState::Clean))
        .collect())
}

fn mailmap_digest(top: &Path) -> Option<String> {
    use sha2::{Digest, Sha256};
    let bytes = cache_core::fsread::read_regular(&top.join(".mailmap"), 16 << 20).ok()??;
    Some(
        Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
    )
}

/// Answers "which ancestors of N have the same blob at P", one long-lived
/// `git cat-file --batch-check` for blob ids and `git rev-list --parents` per commit.
struct ParentWalker {
    top: PathBuf,
    batch: std::process::Child,
    parents: HashMap<String, Vec<String>>,
}

impl ParentWalker {
    fn new(top: &Path) -> Result<ParentWalker, String> {
        let batch = git_command(top)
            .args(["cat-file", "--batch-check=%(objectname) %(objecttype)"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|err| format!("cannot run git: {err}"))?;
        Ok(ParentWalker {
            top: top.to_path_buf(),
            batch,
            parents: HashMap::new(),
        })
    }

    fn blob(&mut self, commit: &str, path: &str) -> Option<String> {
        // A path with a newline cannot be asked on this line protocol.
        if path.contains('\n') {
            return None;
        }
        let stdin = self.batch.stdin.as_mut()?;
        writeln!(stdin, "{commit}:{path}").ok()?;
        stdin.flush().ok()?;
        let stdout = self.batch.stdout.as_mut()?;
        let mut line = String::new();
        // One line per query: `<id> blob`, or `<query> missing`.
        let mut reader = BufReader::new(ByteByByte(stdout));
        reader.read_line(&mut line).ok()?;
        let mut words = line.split_whitespace();
        let id = words.next()?;
        (words.next()? == "blob").then(|| id.to_owned())
    }

    fn parents_of(&mut self, commit: &str) -> Vec<String> {
        if let Some(known) = self.parents.get(commit) {
            return known.clone();
        }
        let parents: Vec<String> = git(&self.top, &["rev-list", "--parents", "-n", "1", commit])
            .map(|out| out.split_whitespace().skip(1).map(str::to_owned).collect())
            .unwrap_or_default();
        self.parents.insert(commit.to_owned(), parents.clone());
        parents
    }

    /// Walks from `start` to the commits whose blame of `path` equals `start`'s — each step to
    /// the first parent holding the identical blob, as git's blame does — and returns the first
    /// `probe` answers; stops at a commit that changed the file, or after [`MAX_WALK`] steps.
    fn find_in_identical_ancestors<T>(
        &mut self,
        start: &str,
        path: &str,
        mut probe: impl FnMut(&str) -> Option<T>,
    ) -> Option<T> {
        let blob = self.blob(start, path)?;
        let mut commit = start.to_owned();
        for _ in 0..MAX_WALK {
            let parent = self
                .parents_of(&commit)
                .into_iter()
                .find(|parent| self.blob(parent, path).as_ref() == Some(&blob))?;
            if let Some(found) = probe(&parent) {
                return Some(found);
            }
            commit = parent;
        }
        None
    }
}

impl Drop for ParentWalker {
    fn drop(&mut self) {
        drop(self.batch.stdin.take());
        let _ = self.batch.wait();
    }
}

/// Reads one byte at a time, so that a `BufReader` over the batch process's stdout never reads
/// past the line it was asked for (the next answer is not written yet, and would block).
struct ByteByByte<'a>(&'a mut std::process::ChildStdout);

impl std::io::Read for ByteByByte<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let end = buf.len().min(1);
        self.0.read(&mut buf[..end])
    }
}

/// `git blame --line-porcelain` of `lines` of `path`: at `head` for a clean file, of the work
/// tree's content when `live`.
fn blame_lines(
    top: &Path,
    head: &str,
    path: &str,
    lines: &[usize],
    live: bool,
) -> Result<Vec<Blame>, String> {
    let mut command = git_command(top);
    command.args(["blame", "--line-porcelain"]);
    for line in lines {
        command.arg(format!("-L{line},{line}"));
    }
    if !live {
        command.arg(head);
    }
    command.arg("--").arg(path);
    let output = command
        .output()
        .map_err(|err| format!("cannot run git: {err}"))?;
    if !output.status.success() {
        let message = first_line(&output.stderr);
        // A file staged but never committed: `no such path … in HEAD`.
        if live && message.contains("no such path") {
            return Ok(vec![Blame::uncommitted(); lines.len()]);
        }
        return Err(message);
    }
    let blamed = parse_line_porcelain(&output.stdout)?;
    if blamed.len() != lines.len() {
        return Err(format!(
            "git blame answered {} lines for {} asked",
            blamed.len(),
            lines.len()
        ));
    }
    Ok(blamed)
}

/// Parses `git blame --line-porcelain`: per line a header `<id> <orig> <final> [<n>]`, the
/// commit's `key value` lines, and the content after a tab.
///
/// ```
/// use codetags_cli::blame::parse_line_porcelain;
/// let out = b"0123456789012345678901234567890123456789 3 5 1\nauthor Ann\nauthor-mail <ann@example.org>\nauthor-time 1751364000\nauthor-tz +0200\nsummary s\nfilename a.py\n\t# TODO: x\n";
/// let blamed = parse_line_porcelain(out).unwrap();
/// assert_eq!(blamed[0].author.as_deref(), Some("Ann"));
/// assert_eq!(blamed[0].email.as_deref(), Some("ann@example.org"));
/// assert_eq!(blamed[0].date.as_deref(), Some("2025-07-01T12:00:00+02:00"));
/// ```
///
/// # Errors
/// A message when the output is not what git prints.
pub fn parse_line_porcelain(output: &[u8]) -> Result<Vec<Blame>, String> {
    let text = String::from_utf8_lossy(output);
    let mut blamed = Vec::new();
    let mut current: Option<Partial> = None;
    for line in text.split('\n') {
        if line.starts_with('\t') {
            let partial = current.take().ok_or("git blame: content before a header")?;
            blamed.push(partial.finish()?);
            continue;
        }
        match &mut current {
            None => {
                if line.is_empty() {
                    continue;
                }
                let id = line.split(' ').next().unwrap_or("");
                if !(id.len() == 40 || id.len() == 64) || !id.bytes().all(|b| b.is_ascii_hexdigit())
                {
                    return Err(format!("git blame: unexpected line {line:?}"));
                }
                current = Some(Partial {
                    commit: id.to_owned(),
                    ..Partial::default()
                });
            }
            Some(partial) => {
                let (key, value) = line.split_once(' ').unwrap_or((line, ""));
                match key {
                    "author" => partial.author = Some(value.to_owned()),
                    "author-mail" => {
                        let value = value.strip_prefix('<').unwrap_or(value);
                        let value = value.strip_suffix('>').unwrap_or(value);
                        partial.email = Some(value.to_owned());
                    }
                    "author-time" => partial.time = value.parse().ok(),
                    "author-tz" => partial.tz = Some(value.to_owned()),
                    _ => {}
                }
            }
        }
    }
    Ok(blamed)
}

#[derive(Debug, Default)]
struct Partial {
    commit: String,
    author: Option<String>,
    email: Option<String>,
    time: Option<i64>,
    tz: Option<String>,
}

impl Partial {
    fn finish(self) -> Result<Blame, String> {
        // git's id of "not committed yet" is all zeros.
        if self.commit.bytes().all(|b| b == b'0') {
            return Ok(Blame::uncommitted());
        }
        let date = match (self.time, self.tz.as_deref().and_then(parse_tz)) {
            (Some(time), Some(offset)) => offset
                .timestamp_opt(time, 0)
                .single()
                .map(|d| d.to_rfc3339_opts(SecondsFormat::Secs, false)),
            _ => None,
        };
        Ok(Blame {
            commit: Some(self.commit),
            author: self.author,
            email: self.email,
            date,
        })
    }
}

/// `+0200` → UTC+2.
fn parse_tz(tz: &str) -> Option<FixedOffset> {
    let (sign, digits) = match tz.as_bytes().first()? {
        b'+' => (1, &tz[1..]),
        b'-' => (-1, &tz[1..]),
        _ => return None,
    };
    if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let hours: i32 = digits[..2].parse().ok()?;
    let minutes: i32 = digits[2..].parse().ok()?;
    FixedOffset::east_opt(sign * (hours * 3600 + minutes * 60))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timezones_parse_as_git_writes_them() {
        assert_eq!(parse_tz("+0000"), FixedOffset::east_opt(0));
        assert_eq!(
            parse_tz("-0530"),
            FixedOffset::east_opt(-(5 * 3600 + 30 * 60))
        );
        assert_eq!(parse_tz("0200"), None);
        assert_eq!(parse_tz("+02"), None);
    }

    #[test]
    fn an_all_zero_commit_is_uncommitted() {
        let out = b"0000000000000000000000000000000000000000 1 1 1\nauthor Not Committed Yet\nauthor-mail <not.committed.yet>\nauthor-time 1\nauthor-tz +0000\nfilename a.py\n\tx\n";
        assert_eq!(
            parse_line_porcelain(out).unwrap(),
            vec![Blame::uncommitted()]
        );
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(parse_line_porcelain(b"hello\n\tx\n").is_err());
        assert!(parse_line_porcelain(b"\tx\n").is_err());
        assert_eq!(parse_line_porcelain(b"").unwrap(), vec![]);
    }
}
