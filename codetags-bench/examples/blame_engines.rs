//! Blame engines side by side on one repository: for every `.py` file under the given folder,
//! the commit of each line starting with `# ` (a tag line) at HEAD, by three engines:
//! the git CLI (`git blame --line-porcelain -L n,n …`, what codetags runs), gix's blame
//! (`Repository::blame_file` with the same ranges) and git2's (libgit2, whole file). Prints the
//! median wall time of `--runs` passes per engine, and checks that all three agree.
//!
//!     cargo run --release -p codetags-bench --example blame_engines --features blame-engines -- REPO DIR [RUNS]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

type Answers = BTreeMap<(String, u32), String>;

fn tag_lines(repo: &Path, dir: &str) -> Vec<(String, Vec<u32>)> {
    let mut files = Vec::new();
    let mut stack = vec![repo.join(dir)];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "py") {
                let text = std::fs::read_to_string(&path).unwrap();
                let lines: Vec<u32> = text
                    .lines()
                    .enumerate()
                    .filter(|(_, l)| l.starts_with("# "))
                    .map(|(i, _)| i as u32 + 1)
                    .collect();
                if !lines.is_empty() {
                    let rel = path
                        .strip_prefix(repo)
                        .unwrap()
                        .to_string_lossy()
                        .into_owned();
                    files.push((rel, lines));
                }
            }
        }
    }
    files.sort();
    files
}

fn with_cli(repo: &Path, files: &[(String, Vec<u32>)]) -> Answers {
    let mut answers = Answers::new();
    for (path, lines) in files {
        let mut command = Command::new("git");
        command
            .arg("-C")
            .arg(repo)
            .args(["blame", "--line-porcelain"]);
        for line in lines {
            command.arg(format!("-L{line},{line}"));
        }
        let out = command.arg("HEAD").arg("--").arg(path).output().unwrap();
        assert!(out.status.success());
        let text = String::from_utf8(out.stdout).unwrap();
        let mut commits = text
            .lines()
            .filter(|l| !l.starts_with('\t'))
            .filter(|l| {
                l.len() > 40
                    && l.as_bytes()[40] == b' '
                    && l[..40].bytes().all(|b| b.is_ascii_hexdigit())
            })
            .map(|l| l[..40].to_owned());
        for line in lines {
            answers.insert((path.clone(), *line), commits.next().unwrap());
        }
    }
    answers
}

fn with_gix(repo: &Path, files: &[(String, Vec<u32>)]) -> Answers {
    let repository = gix::open(repo).unwrap();
    let head = repository.head_id().unwrap().detach();
    let mut answers = Answers::new();
    for (path, lines) in files {
        let ranges = gix::blame::BlameRanges::from_one_based_inclusive_ranges(
            lines.iter().map(|&l| l..=l).collect(),
        )
        .unwrap();
        let options = gix::repository::blame_file::Options {
            ranges,
            ..Default::default()
        };
        let outcome = repository
            .blame_file(path.as_str().into(), head, options)
            .unwrap();
        for line in lines {
            let zero = line - 1;
            let entry = outcome
                .entries
                .iter()
                .find(|e| {
                    e.start_in_blamed_file <= zero && zero < e.start_in_blamed_file + e.len.get()
                })
                .unwrap();
            answers.insert((path.clone(), *line), entry.commit_id.to_string());
        }
    }
    answers
}

fn with_git2(repo: &Path, files: &[(String, Vec<u32>)]) -> Answers {
    let repository = git2::Repository::open(repo).unwrap();
    let mut answers = Answers::new();
    for (path, lines) in files {
        let blame = repository.blame_file(Path::new(path), None).unwrap();
        for line in lines {
            let hunk = blame.get_line(*line as usize).unwrap();
            answers.insert((path.clone(), *line), hunk.final_commit_id().to_string());
        }
    }
    answers
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let repo = PathBuf::from(&args[1]);
    let files = tag_lines(&repo, &args[2]);
    let runs: usize = args.get(3).map_or(3, |r| r.parse().unwrap());
    let lines: usize = files.iter().map(|(_, l)| l.len()).sum();
    println!(
        "{} files, {lines} tag lines; median of {runs} passes",
        files.len()
    );
    let engines: [(&str, fn(&Path, &[(String, Vec<u32>)]) -> Answers); 3] = [
        (
            "git CLI: blame --line-porcelain -L n,n per tag line",
            with_cli,
        ),
        ("gix 0.87 blame_file, the same ranges", with_gix),
        ("git2 0.20 (libgit2) blame_file, whole file", with_git2),
    ];
    let mut reference: Option<Answers> = None;
    for (name, engine) in engines {
        let mut times = Vec::new();
        let mut answers = Answers::new();
        for _ in 0..runs {
            let start = Instant::now();
            answers = engine(&repo, &files);
            times.push(start.elapsed().as_secs_f64() * 1e3);
        }
        times.sort_by(f64::total_cmp);
        let agree = match &reference {
            None => "reference".to_owned(),
            Some(r) => {
                let same = r.iter().filter(|(k, v)| answers.get(*k) == Some(v)).count();
                format!("{same}/{} lines agree with the git CLI", r.len())
            }
        };
        println!("{:>10.1} ms  {name}  ({agree})", times[times.len() / 2]);
        reference.get_or_insert(answers);
    }
}
