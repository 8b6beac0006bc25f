//! `--blame` against git itself: repositories built here with fixed authors and dates (several
//! commits, a rename, a merge, CRLF, uncommitted edits, a shallow clone), each tag's blame
//! compared with what `git blame --porcelain` says of its line, and the cache's promise: a
//! re-run of an unchanged repository runs no blame, a new commit re-blames only the files it
//! touched, and a line not committed yet is never served from the cache as committed.

use assert_cmd::Command;
use codetags_cli::blame::{Blame, BlameReport, blame_tags};
use codetags_cli::{CoreStateStore, ProjectConfig, ScanOutcome, ScanRequest, scan};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Runs git in `dir` with a fixed identity and date, failing the test when git fails.
fn git(dir: &Path, args: &[&str], who: (&str, &str, &str)) -> String {
    let (name, email, date) = who;
    let output = std::process::Command::new("git")
        .current_dir(dir)
        .args([
            "-c",
            "init.defaultBranch=main",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .env("GIT_AUTHOR_NAME", name)
        .env("GIT_AUTHOR_EMAIL", email)
        .env("GIT_AUTHOR_DATE", date)
        .env("GIT_COMMITTER_NAME", "Committer")
        .env("GIT_COMMITTER_EMAIL", "committer@example.org")
        .env("GIT_COMMITTER_DATE", date)
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .output()
        .expect("git runs");
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

const ANN: (&str, &str, &str) = ("Ann Author", "ann@example.org", "2025-03-01T10:00:00+0200");
const BOB: (&str, &str, &str) = ("Bob Builder", "bob@example.org", "2025-04-15T08:30:00-0530");
const CAROL: (&str, &str, &str) = ("Carol", "carol@example.org", "2025-05-20T23:59:59+0000");
const DAN: (&str, &str, &str) = ("Dan", "dan@example.org", "2025-06-02T12:00:00+0900");

fn write(dir: &Path, rel: &str, text: &str) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// A repository with history: Ann's first commit, Bob's edit, Carol's rename, a merge of Dan's
/// branch, a CRLF file.
fn repository() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    git(repo, &["init", "-q"], ANN);
    write(
        repo,
        "a.py",
        "# TODO: first <p:1>\nx = 1\n# FIXME: second\ny = 2\n# BUG: third\n",
    );
    write(repo, "c.py", "# TODO: in c\nz = 3\n");
    write(
        repo,
        "crlf.py",
        "# TODO: windows\r\nw = 1\r\n# HACK: crlf\r\n",
    );
    write(repo, "plain.py", "nothing = 'here'\n");
    git(repo, &["add", "."], ANN);
    git(repo, &["commit", "-qm", "one"], ANN);
    write(
        repo,
        "a.py",
        "# TODO: first <p:1>\nx = 1\n# FIXME: second, edited by Bob\ny = 2\n# BUG: third\n",
    );
    git(repo, &["commit", "-qam", "two"], BOB);
    git(repo, &["mv", "a.py", "renamed.py"], CAROL);
    git(repo, &["commit", "-qm", "rename"], CAROL);
    git(repo, &["checkout", "-qb", "feature"], DAN);
    write(
        repo,
        "c.py",
        "# TODO: in c\nz = 3\n# IDEA: from the branch\n",
    );
    git(repo, &["commit", "-qam", "branch"], DAN);
    git(repo, &["checkout", "-q", "main"], DAN);
    write(
        repo,
        "crlf.py",
        "# TODO: windows\r\nw = 1\r\n# HACK: crlf\r\n# XXX: main\r\n",
    );
    git(repo, &["commit", "-qam", "main side"], BOB);
    git(
        repo,
        &["merge", "-q", "--no-ff", "-m", "merge", "feature"],
        CAROL,
    );
    dir
}

fn scan_of(root: &Path) -> ScanOutcome {
    scan(&ScanRequest::new(
        vec![root.to_path_buf()],
        ProjectConfig::defaults(root),
    ))
    .unwrap()
}

/// What `git blame --porcelain` (whole file, work tree) says of each line of `rel`, read with a
/// parser of this test's own: final line → blame.
fn git_blame(repo: &Path, rel: &str) -> HashMap<usize, Blame> {
    let out = git(repo, &["blame", "--porcelain", "--", rel], ANN);
    let mut commits: HashMap<String, HashMap<String, String>> = HashMap::new();
    let mut lines = HashMap::new();
    let mut current: Option<(String, usize)> = None;
    for line in out.lines() {
        if line.starts_with('\t') {
            let (commit, final_line) = current.take().unwrap();
            lines.insert(final_line, commit);
            continue;
        }
        match &current {
            None => {
                let mut words = line.split(' ');
                let commit = words.next().unwrap().to_owned();
                let final_line = words.nth(1).unwrap().parse().unwrap();
                commits.entry(commit.clone()).or_default();
                current = Some((commit, final_line));
            }
            Some((commit, _)) => {
                let (key, value) = line.split_once(' ').unwrap_or((line, ""));
                commits
                    .get_mut(commit)
                    .unwrap()
                    .insert(key.to_owned(), value.to_owned());
            }
        }
    }
    lines
        .into_iter()
        .map(|(line, commit)| {
            if commit.bytes().all(|b| b == b'0') {
                return (line, Blame::uncommitted());
            }
            let headers = &commits[&commit];
            let time: i64 = headers["author-time"].parse().unwrap();
            let tz = &headers["author-tz"];
            let sign = if tz.starts_with('-') { -1 } else { 1 };
            let offset = sign
                * (tz[1..3].parse::<i32>().unwrap() * 3600 + tz[3..5].parse::<i32>().unwrap() * 60);
            let date = chrono::DateTime::from_timestamp(time, 0)
                .unwrap()
                .with_timezone(&chrono::FixedOffset::east_opt(offset).unwrap())
                .to_rfc3339();
            let email = headers["author-mail"].trim_matches(|c| c == '<' || c == '>');
            (
                line,
                Blame {
                    commit: Some(commit),
                    author: Some(headers["author"].clone()),
                    email: Some(email.to_owned()),
                    date: Some(date),
                },
            )
        })
        .collect()
}

/// Every tag's blame equals git's, and every tag got one. Returns how many tags were compared.
fn assert_matches_git(repo: &Path, outcome: &ScanOutcome, report: &BlameReport) -> usize {
    compare_with_git(repo, outcome, report, |_| true)
}

/// As [`assert_matches_git`], for the files `compared(path relative to the repository)` keeps.
fn compare_with_git(
    repo: &Path,
    outcome: &ScanOutcome,
    report: &BlameReport,
    compared: impl Fn(&str) -> bool,
) -> usize {
    let mut count = 0;
    let top = std::fs::canonicalize(repo).unwrap();
    for (index, file) in outcome.files.iter().enumerate() {
        let rel = std::fs::canonicalize(&file.path).unwrap();
        let rel = rel
            .strip_prefix(&top)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        if !compared(&rel) {
            continue;
        }
        let expected = git_blame(repo, &rel);
        for (tag_index, tag) in file.tags.iter().enumerate() {
            let line = tag.offsets.start_line + 1;
            let ours = report
                .get(index, tag_index)
                .unwrap_or_else(|| panic!("{rel}:{line}: no blame; notes: {:?}", report.notes));
            assert_eq!(ours, &expected[&line], "{rel}:{line}");
            count += 1;
        }
    }
    count
}

fn cache_in(dir: &Path) -> CoreStateStore {
    CoreStateStore::open(&dir.join("cache"), &cache_core::CacheSettings::default())
}

#[test]
fn every_tag_is_blamed_as_git_blames_it() {
    let repo = repository();
    let outcome = scan_of(repo.path());
    let report = blame_tags(&outcome, None, 2);
    assert!(report.notes.is_empty(), "{:?}", report.notes);
    let compared = assert_matches_git(repo.path(), &outcome, &report);
    assert_eq!(compared, 8);
    // The rename kept Ann's and Bob's lines theirs; the merge brought Dan's line.
    let authors: Vec<_> = outcome
        .files
        .iter()
        .enumerate()
        .flat_map(|(f, file)| (0..file.tags.len()).map(move |t| (f, t)))
        .map(|(f, t)| report.get(f, t).unwrap().author.clone().unwrap())
        .collect();
    for who in ["Ann Author", "Bob Builder", "Dan"] {
        assert!(authors.iter().any(|a| a == who), "{who} in {authors:?}");
    }
    // The author's own offset, as git records it.
    let bob = outcome.files.iter().enumerate().find_map(|(f, file)| {
        (0..file.tags.len())
            .filter_map(|t| report.get(f, t))
            .find(|b| b.author.as_deref() == Some("Bob Builder"))
            .cloned()
    });
    assert!(bob.unwrap().date.unwrap().ends_with("-05:30"));
}

#[test]
fn uncommitted_lines_are_marked_and_never_cached_as_committed() {
    let repo = repository();
    let cache_dir = tempfile::tempdir().unwrap();
    let cache = cache_in(cache_dir.path());
    let text = std::fs::read_to_string(repo.path().join("c.py")).unwrap();
    write(
        repo.path(),
        "c.py",
        &format!("{text}# TODO: not committed yet\n"),
    );
    write(repo.path(), "new.py", "# TODO: untracked\n");
    for _ in 0..2 {
        let outcome = scan_of(repo.path());
        let report = blame_tags(&outcome, Some(&cache), 2);
        assert_matches_git_except_untracked(repo.path(), &outcome, &report);
        let uncommitted = blames(&outcome, &report)
            .into_iter()
            .filter(|(_, b)| !b.is_committed())
            .map(|(title, _)| title)
            .collect::<Vec<_>>();
        assert_eq!(uncommitted, ["not committed yet", "untracked"]);
        assert_eq!(report.stats.untracked, 1);
    }
    // Once committed, the line is Carol's: no earlier answer stands in for it.
    git(repo.path(), &["add", "."], CAROL);
    git(repo.path(), &["commit", "-qm", "now"], CAROL);
    let outcome = scan_of(repo.path());
    let report = blame_tags(&outcome, Some(&cache), 2);
    assert_matches_git(repo.path(), &outcome, &report);
    let now: Vec<_> = blames(&outcome, &report)
        .into_iter()
        .filter(|(title, _)| title == "not committed yet" || title == "untracked")
        .map(|(_, b)| b.author.unwrap())
        .collect();
    assert_eq!(now, ["Carol", "Carol"]);
}

/// (title, blame) of every tag, in output order.
fn blames(outcome: &ScanOutcome, report: &BlameReport) -> Vec<(String, Blame)> {
    outcome
        .files
        .iter()
        .enumerate()
        .flat_map(|(f, file)| {
            file.tags
                .iter()
                .enumerate()
                .map(move |(t, tag)| (f, t, tag.title.clone().unwrap_or_default()))
        })
        .map(|(f, t, title)| (title, report.get(f, t).unwrap().clone()))
        .collect()
}

/// As [`assert_matches_git`], for a tree where git cannot blame untracked files.
fn assert_matches_git_except_untracked(repo: &Path, outcome: &ScanOutcome, report: &BlameReport) {
    let tracked = git(repo, &["ls-files"], ANN);
    compare_with_git(repo, outcome, report, |rel| {
        tracked.lines().any(|l| l == rel)
    });
}

#[test]
fn a_rerun_does_no_blame_work_and_a_commit_reblames_only_what_it_touched() {
    let repo = repository();
    let cache_dir = tempfile::tempdir().unwrap();
    let cache = cache_in(cache_dir.path());
    let outcome = scan_of(repo.path());
    let first = blame_tags(&outcome, Some(&cache), 2);
    assert_eq!(
        (first.stats.files, first.stats.blamed, first.stats.cached),
        (3, 3, 0)
    );

    let second = blame_tags(&scan_of(repo.path()), Some(&cache), 2);
    assert_eq!((second.stats.blamed, second.stats.cached), (0, 3));
    assert_eq!(second.tags, first.tags);

    // A new commit touching c.py only: the others are found through its parent.
    let text = std::fs::read_to_string(repo.path().join("c.py")).unwrap();
    write(repo.path(), "c.py", &format!("{text}# NOTE: later\n"));
    git(repo.path(), &["commit", "-qam", "later"], DAN);
    let outcome = scan_of(repo.path());
    let third = blame_tags(&outcome, Some(&cache), 2);
    assert_eq!((third.stats.blamed, third.stats.cached), (1, 2));
    assert_matches_git(repo.path(), &outcome, &third);

    // A second checkout elsewhere shares nothing local, but the same cache answers it all.
    let clone = tempfile::tempdir().unwrap();
    let url = format!("file://{}", repo.path().display());
    git(clone.path(), &["clone", "-q", &url, "copy"], ANN);
    let copy = clone.path().join("copy");
    let outcome = scan_of(&copy);
    let fourth = blame_tags(&outcome, Some(&cache), 2);
    assert_eq!((fourth.stats.blamed, fourth.stats.cached), (0, 3));
    assert_matches_git(&copy, &outcome, &fourth);
}

#[test]
fn a_shallow_clone_is_blamed_as_git_blames_it() {
    let repo = repository();
    let clone = tempfile::tempdir().unwrap();
    let url = format!("file://{}", repo.path().display());
    git(
        clone.path(),
        &["clone", "-q", "--depth", "1", &url, "shallow"],
        ANN,
    );
    let shallow: PathBuf = clone.path().join("shallow");
    let outcome = scan_of(&shallow);
    let report = blame_tags(&outcome, None, 2);
    assert_eq!(assert_matches_git(&shallow, &outcome, &report), 8);
}

#[test]
fn outside_a_repository_there_is_one_note_and_no_failure() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.py", "# TODO: one\n");
    write(dir.path(), "b.py", "# TODO: two\n");
    let outcome = scan_of(dir.path());
    let report = blame_tags(&outcome, None, 2);
    assert_eq!(report.notes.len(), 1, "{:?}", report.notes);
    assert!(report.notes[0].contains("2 files with tags outside any git repository"));
    assert!(report.tags.iter().flatten().all(Option::is_none));

    let out = Command::cargo_bin("codetags")
        .unwrap()
        .current_dir(dir.path())
        .args(["scan", "--blame", "--no-cache", "."])
        .output()
        .unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("outside any git repository"), "{stderr}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("a.py:1:1: TODO one [no blame]"));
}

#[test]
fn json_records_gain_blame_only_with_the_flag() {
    let repo = repository();
    let run = |extra: &[&str]| {
        let out = Command::cargo_bin("codetags")
            .unwrap()
            .current_dir(repo.path())
            .args(["scan", "--no-cache", "--format", "json", "."])
            .args(extra)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice::<Vec<serde_json::Value>>(&out.stdout).unwrap()
    };
    let plain = run(&[]);
    let blamed = run(&["--blame"]);
    assert_eq!(plain.len(), 8);
    assert!(plain.iter().all(|r| r.get("blame").is_none()));
    for (p, b) in plain.iter().zip(&blamed) {
        let mut b = b.as_object().unwrap().clone();
        let blame = b.remove("blame").unwrap();
        assert_eq!(blame["committed"], true);
        assert_eq!(blame["commit"].as_str().unwrap().len(), 40);
        assert_eq!(&serde_json::Value::Object(b), p);
    }
    // `data --blame` too (its JSON is 0.8.1's records plus the key).
    let out = Command::cargo_bin("codetags")
        .unwrap()
        .current_dir(repo.path())
        .args([
            "data",
            "--blame",
            "--no-cache",
            "--format",
            "json",
            "--src",
            ".",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let records: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(records.len(), 8);
    assert!(records.iter().all(|r| r["blame"]["committed"] == true));
    // The config key asks for it too.
    write(
        repo.path(),
        "pyproject.toml",
        "[tool.pycodetags]\nblame = true\n",
    );
    let configured = run(&[]);
    assert!(configured.iter().all(|r| r.get("blame").is_some()));
}

#[test]
fn check_counts_max_age_from_the_blame_date() {
    let repo = repository();
    write(
        repo.path(),
        "pyproject.toml",
        "[tool.pycodetags.check]\noverdue = false\nmax_age_days = 60\n",
    );
    let check = |extra: &[&str]| {
        Command::cargo_bin("codetags")
            .unwrap()
            .current_dir(repo.path())
            .args(["check", "--no-cache", "--today", "2025-06-10", "."])
            .args(extra)
            .output()
            .unwrap()
    };
    // No tag has an origination date: without blame nothing is too old.
    let plain = check(&[]);
    assert_eq!(
        plain.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&plain.stderr)
    );
    let blamed = check(&["--blame"]);
    assert_eq!(blamed.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&blamed.stdout);
    let old: Vec<&str> = stdout.lines().filter(|l| l.contains(" max-age ")).collect();
    // Ann's lines of 2025-03-01 (101 days before) and Bob's of 2025-04-15 (56 days: young
    // enough) — only Ann's are reported.
    assert!(!old.is_empty(), "{stdout}");
    assert!(old.iter().all(|l| !l.contains("renamed.py:3:")), "{stdout}");
    assert!(
        old.iter().any(|l| l.starts_with("renamed.py:1:1:")),
        "{stdout}"
    );
}

/// The counters of the `blame done` log line (`-v`): (cached, blamed).
fn blame_counts(stderr: &str) -> (usize, usize) {
    let line = stderr
        .lines()
        .find(|l| l.contains("blame done"))
        .unwrap_or_else(|| panic!("no blame log line in {stderr}"));
    let field = |name: &str| -> usize {
        let start = line.find(&format!(" {name}=")).unwrap() + name.len() + 2;
        line[start..].split(' ').next().unwrap().parse().unwrap()
    };
    (field("cached"), field("blamed"))
}

/// With a Redis tier, a second checkout of the same commit at another path, with an empty
/// local cache, gets every answer from the server and runs no blame; a dead server means local
/// blame, one warning and exit 0. Needs `CODETAGS_TEST_REDIS_URL` (`.ci/run` starts a server).
#[test]
fn blame_is_shared_through_redis_and_a_dead_remote_costs_nothing() {
    let Some(url) = std::env::var("CODETAGS_TEST_REDIS_URL")
        .ok()
        .filter(|url| !url.is_empty())
    else {
        eprintln!("skipped: CODETAGS_TEST_REDIS_URL is not set (.ci/run starts a redis-server)");
        return;
    };
    let repo = repository();
    write(
        repo.path(),
        "pyproject.toml",
        "[project]\nname = \"blame-share\"\n",
    );
    git(repo.path(), &["add", "pyproject.toml"], ANN);
    git(repo.path(), &["commit", "-qm", "project"], ANN);
    let caches = tempfile::tempdir().unwrap();
    let run = |dir: &Path, cache: &str, remote: &str| {
        let out = Command::cargo_bin("codetags")
            .unwrap()
            .current_dir(dir)
            .env("PYCODETAGS_CACHE_REMOTE", remote)
            .env_remove("PYCODETAGS_CACHE_REMOTE_KEY")
            .env_remove("RUST_LOG")
            .args(["-v", "scan", "--blame", "--format", "json", "--cache-dir"])
            .arg(caches.path().join(cache))
            .arg(".")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let records: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
        let blames: Vec<serde_json::Value> = records.iter().map(|r| r["blame"].clone()).collect();
        (blames, String::from_utf8_lossy(&out.stderr).into_owned())
    };
    let (first, _) = run(repo.path(), "first", &url);
    assert_eq!(first.len(), 8);
    assert!(first.iter().all(|b| b["committed"] == true));

    let clone = tempfile::tempdir().unwrap();
    let source = format!("file://{}", repo.path().display());
    git(clone.path(), &["clone", "-q", &source, "copy"], ANN);
    let copy = clone.path().join("copy");
    let (second, stderr) = run(&copy, "second", &url);
    assert_eq!(blame_counts(&stderr), (3, 0), "{stderr}");
    assert_eq!(second, first);

    // A closed port: one warning, blame done locally, the same answers.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (dead, stderr) = run(&copy, "third", &format!("redis://127.0.0.1:{port}/"));
    assert_eq!(blame_counts(&stderr), (0, 3), "{stderr}");
    assert_eq!(dead, first);
}
