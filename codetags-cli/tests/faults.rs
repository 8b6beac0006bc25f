//! Fault tests, bounded in time: scans killed with SIGKILL at random moments (during the walk,
//! the parse, the state write and the report), and concurrent scans racing `cache prune` and
//! `cache clear` loops. After every fault, a cached scan must print exactly what an uncached
//! scan prints: a crash may cost the cache its contents, never the user a right answer.
//!
//! The random moments come from a seed printed by each test (`CODETAGS_FAULT_SEED=…` replays
//! one), so a failure can be reproduced.

mod common;

use common::codetags;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A small deterministic generator (SplitMix64): no dependency, and a printed seed replays a run.
struct Rng(u64);

impl Rng {
    fn from_env(test: &str) -> Rng {
        let seed = std::env::var("CODETAGS_FAULT_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(1, |d| d.as_nanos() as u64)
            });
        eprintln!("{test}: CODETAGS_FAULT_SEED={seed}");
        Rng(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// A project with `files` Python files under `src/`, most with tags, and a cache folder.
struct Project {
    dir: tempfile::TempDir,
    cache: PathBuf,
    files: usize,
}

impl Project {
    fn new(files: usize) -> Project {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("pyproject.toml"), "[tool.pycodetags]\n").unwrap();
        let project = Project {
            cache: dir.path().join("cache"),
            dir,
            files,
        };
        for i in 0..files {
            project.write_file(i, 0);
        }
        project
    }

    fn file(&self, i: usize) -> PathBuf {
        self.dir
            .path()
            .join(format!("src/pkg{}/mod_{i}.py", i % 10))
    }

    /// Writes file `i` in its `generation`-th version: the tags change with the generation.
    fn write_file(&self, i: usize, generation: u64) {
        let path = self.file(i);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        let mut text = format!("\"\"\"Module {i}.\"\"\"\n\n");
        for line in 0..40 {
            if (line + i).is_multiple_of(7) {
                text.push_str(&format!(
                    "x_{line} = {line}  # TODO: item {i}.{line} gen {generation} <owner=a{} p:{}>\n",
                    i % 5,
                    generation % 3
                ));
            } else {
                text.push_str(&format!("y_{line} = '{line} # not a tag'\n"));
            }
        }
        if i.is_multiple_of(11) {
            text.push_str("# FIXME: malformed <unclosed\n");
        }
        fs::write(path, text).unwrap();
    }

    fn scan_command(&self, cached: bool) -> Command {
        let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("codetags"));
        cmd.current_dir(self.dir.path())
            .args(["scan", "src", "-f", "json", "-j", "2", "--cache-dir"])
            .arg(&self.cache)
            .env_remove("PYCODETAGS_NO_CACHE")
            .env_remove("PYCODETAGS_CACHE_DIR")
            .env_remove("RUST_LOG");
        if !cached {
            cmd.arg("--no-cache");
        }
        cmd
    }

    fn scan(&self, cached: bool) -> String {
        let out = self.scan_command(cached).output().unwrap();
        assert!(
            out.status.success(),
            "scan failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Asserts a cached scan prints what an uncached one does (run twice: the first may rebuild
    /// the state, the second is served from it).
    fn assert_cache_agrees(&self, context: &str) {
        let reference = self.scan(false);
        assert!(
            reference.contains("\"code_tag\""),
            "no tags in the reference"
        );
        for pass in ["rebuilding", "warm"] {
            let cached = self.scan(true);
            assert!(
                cached == reference,
                "{context}: {pass} cached scan differs from --no-cache"
            );
        }
    }
}

/// The median time of a few cold and a few warm scans (the spans kill moments are drawn from).
fn scan_times(project: &Project) -> (Duration, Duration) {
    let mut cold = Vec::new();
    let mut warm = Vec::new();
    for _ in 0..3 {
        let _ = fs::remove_dir_all(&project.cache);
        let started = Instant::now();
        project.scan(true);
        cold.push(started.elapsed());
        let started = Instant::now();
        project.scan(true);
        warm.push(started.elapsed());
    }
    cold.sort();
    warm.sort();
    (cold[1], warm[1])
}

#[test]
fn scans_killed_at_random_moments_never_leave_a_cache_that_answers_wrong() {
    // Enough files that even a warm scan lasts long enough for a kill to land inside it.
    let project = Project::new(2000);
    let mut rng = Rng::from_env("kill");
    let (cold, warm) = scan_times(&project);
    let trials: u32 = 24;
    let mut killed = 0;
    for trial in 0..trials {
        // Change a few files between trials, so the state the killed scan would write differs
        // from the one on disk; half of the trials start warm, half cold.
        for _ in 0..3 {
            let i = rng.below(project.files as u64) as usize;
            project.write_file(i, rng.next());
        }
        let span = if trial.is_multiple_of(2) {
            let _ = fs::remove_dir_all(&project.cache);
            cold.as_micros() as u64
        } else {
            warm.as_micros() as u64
        };
        // Moments from the very start to past the end of a typical run: the walk, the parse,
        // the state write (at the end of the scan) and the report all get hit.
        // Most moments fall inside the run; the last fifth of them near its end, where the
        // state is written.
        let delay = if trial % 5 == 4 {
            Duration::from_micros(span * 7 / 10 + rng.below(span * 3 / 10))
        } else {
            Duration::from_micros(rng.below(span * 9 / 10))
        };
        let mut child = project
            .scan_command(true)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap(); // SIGKILL: no destructor, no cleanup runs.
            killed += 1;
        }
        let _ = child.wait().unwrap();
        project.assert_cache_agrees(&format!("trial {trial} (killed after {delay:?})"));
    }
    eprintln!("kill: {killed} of {trials} scans killed mid-run");
    assert!(killed > trials / 3, "too few scans were interrupted");
}

#[test]
fn concurrent_scans_racing_prune_and_clear_always_print_the_right_answer() {
    let project = Project::new(200);
    let reference = project.scan(false);
    let deadline = Instant::now() + Duration::from_secs(60);
    let stop = std::sync::atomic::AtomicBool::new(false);
    let cache = project.cache.clone();
    let dir = project.dir.path().to_path_buf();
    std::thread::scope(|scope| {
        let evictor = scope.spawn(|| {
            let mut runs = 0u32;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) && Instant::now() < deadline {
                let command = if runs.is_multiple_of(2) {
                    "clear"
                } else {
                    "prune"
                };
                let out = evict(&dir, &cache, command);
                // The root may not exist yet (nothing to do) or be fully ours: never refused.
                assert!(
                    out.status.code() == Some(0),
                    "cache {command} failed: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
                runs += 1;
            }
            runs
        });
        let scanners: Vec<_> = (0..8)
            .map(|_| {
                scope.spawn(|| {
                    for _ in 0..4 {
                        assert!(Instant::now() < deadline, "the race test ran out of time");
                        let out = project.scan(true);
                        assert!(
                            out == reference,
                            "a scan racing eviction printed a wrong answer"
                        );
                    }
                })
            })
            .collect();
        for scanner in scanners {
            scanner.join().unwrap();
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let runs = evictor.join().unwrap();
        eprintln!("race: 32 scans against {runs} evictions");
        assert!(runs > 0);
    });
    project.assert_cache_agrees("after the race");
}

fn evict(dir: &Path, cache: &Path, command: &str) -> std::process::Output {
    codetags(dir)
        .args(["cache", command, "--cache-dir"])
        .arg(cache)
        .output()
        .unwrap()
}
