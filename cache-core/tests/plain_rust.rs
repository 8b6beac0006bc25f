//! `#[persistent_memoize]` with its default cache, as a plain Rust program gets it: the test
//! runs copies of itself (the `child` test) in a fresh folder with no `pyproject.toml` above it,
//! with `HOME` in a temporary folder, and reads what they print.
//!
//! * outside a Python project the entries go to `$HOME/.cache/cache-core/{program}` (or
//!   `$XDG_CACHE_HOME/…`) and a second process reads them back;
//! * an unknown `PYCODETAGS_CACHE_TTL` is a warning, readable from `default_settings()`, and the
//!   program goes on;
//! * with no user cache folder at all the functions still compute, the reason is printed once
//!   on stderr (no `tracing` subscriber) and readable from `disabled_reason()`;
//! * inside a Python project the root is `.pycodetags_cache` beside `pyproject.toml`.

use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use cache_core::persistent_memoize;

const CHILD: &str = "CACHE_CORE_PLAIN_RUST_CHILD";

static CALLS: AtomicUsize = AtomicUsize::new(0);

#[persistent_memoize(ttl_seconds = 3600)]
fn fib(n: u64) -> u64 {
    CALLS.fetch_add(1, Ordering::SeqCst);
    if n < 2 { n } else { fib(n - 1) + fib(n - 2) }
}

#[persistent_memoize(organize_by_date = false, gzip = true)]
fn shout(text: String) -> Result<String, String> {
    CALLS.fetch_add(1, Ordering::SeqCst);
    if text.is_empty() {
        Err("nothing to shout".to_owned())
    } else {
        Ok(text.to_uppercase())
    }
}

/// What a child process does: call the functions and print what happened.
#[test]
fn child() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    assert_eq!(fib(30), 832_040);
    assert_eq!(shout("hi".to_owned()), Ok("HI".to_owned()));
    assert!(shout(String::new()).is_err());
    let cache = cache_core::memo::default_cache(env!("CARGO_PKG_VERSION"));
    let settings = cache_core::memo::default_settings();
    println!("RESULT calls={}", CALLS.load(Ordering::SeqCst));
    println!("RESULT hits={}", cache.stats().hits);
    println!(
        "RESULT root={}",
        cache
            .root()
            .map(|r| r.display().to_string())
            .unwrap_or_default()
    );
    println!(
        "RESULT disabled={}",
        cache.disabled_reason().unwrap_or_default()
    );
    for problem in &settings.ignored {
        println!("RESULT ignored={problem}");
    }
}

struct Run {
    stdout: String,
    stderr: String,
}

impl Run {
    fn values(&self, name: &str) -> Vec<&str> {
        let prefix = format!("RESULT {name}=");
        self.stdout
            .lines()
            // The first one follows the harness's `test child ... ` on its line.
            .filter_map(|line| line.find(&prefix).map(|at| &line[at + prefix.len()..]))
            .collect()
    }

    fn value(&self, name: &str) -> &str {
        match self.values(name).as_slice() {
            [one] => one,
            other => panic!(
                "{name}: {other:?}\nstdout:\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            ),
        }
    }
}

/// Runs the `child` test in `cwd` with `env` on top of an environment without any
/// `PYCODETAGS_*`, `HOME`, `XDG_CACHE_HOME` or `RUST_LOG`.
fn run_child(cwd: &Path, env: &[(&str, &Path)], extra: &[(&str, &str)]) -> Run {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args(["child", "--exact", "--nocapture", "--test-threads=1"])
        .current_dir(cwd)
        .env(CHILD, "1");
    for (name, _) in std::env::vars_os() {
        let text = name.to_string_lossy();
        if text.to_ascii_uppercase().starts_with("PYCODETAGS")
            || matches!(
                &*text,
                "HOME" | "XDG_CACHE_HOME" | "RUST_LOG" | "LOCALAPPDATA"
            )
        {
            command.env_remove(&name);
        }
    }
    for (name, value) in env {
        command.env(name, value);
    }
    for (name, value) in extra {
        command.env(name, value);
    }
    let output = command.output().unwrap();
    let run = Run {
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    };
    assert!(
        output.status.success(),
        "child failed\nstdout:\n{}\nstderr:\n{}",
        run.stdout,
        run.stderr
    );
    run
}

/// The program's folder name: the test binary's name without cargo's hash.
fn program() -> String {
    let exe = std::env::current_exe().unwrap();
    let stem = exe.file_stem().unwrap().to_string_lossy().into_owned();
    stem.rsplit_once('-')
        .map_or(stem.clone(), |(name, _)| name.to_owned())
}

#[test]
#[cfg(all(unix, not(target_os = "macos")))]
fn outside_a_python_project_entries_go_to_the_user_cache_folder_and_persist() {
    let scratch = tempfile::tempdir().unwrap();
    let home = scratch.path().join("home");
    let work = scratch.path().join("work");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::create_dir_all(&work).unwrap();

    let first = run_child(&work, &[("HOME", &home)], &[("PYCODETAGS_CACHE_TTL", "3")]);
    let root = home.join(".cache/cache-core").join(program());
    assert_eq!(first.value("root"), root.display().to_string());
    assert_eq!(first.value("disabled"), "");
    // fib(0..=30) once each (the recursion hits the cache), shout twice ("" is not stored).
    assert_eq!(first.value("calls"), "33");
    assert!(root.join("CACHEDIR.TAG").is_file());
    let ignored = first.values("ignored");
    assert_eq!(ignored.len(), 1, "{ignored:?}");
    assert!(
        ignored[0].contains("PYCODETAGS_CACHE_TTL") && ignored[0].contains("unknown key"),
        "{ignored:?}"
    );
    // Without a subscriber, the warning is on stderr, once.
    assert_eq!(
        first.stderr.matches("PYCODETAGS_CACHE_TTL").count(),
        1,
        "{}",
        first.stderr
    );

    // A second process reads everything back: only the empty shout is computed.
    let second = run_child(&work, &[("HOME", &home)], &[]);
    assert_eq!(second.value("calls"), "1");
    assert_eq!(second.value("hits"), "1"); // fib(30), from the default layout's cache
    assert!(second.values("ignored").is_empty());

    // organize_by_date = false, gzip = true: `shout` has a flat, compressed entry.
    let namespace = root.join(format!("{}-f1", env!("CARGO_PKG_VERSION")));
    let flat_gz = std::fs::read_dir(&namespace)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".bin.gz"))
        .count();
    assert_eq!(flat_gz, 1);
    assert!(
        std::fs::read_dir(&namespace)
            .unwrap()
            .flatten()
            .any(|e| e.path().is_dir())
    );

    // XDG_CACHE_HOME wins over HOME.
    let xdg = scratch.path().join("xdg");
    let third = run_child(&work, &[("HOME", &home), ("XDG_CACHE_HOME", &xdg)], &[]);
    assert_eq!(
        third.value("root"),
        xdg.join("cache-core").join(program()).display().to_string()
    );
}

#[test]
fn without_any_cache_folder_the_functions_compute_and_say_why_once() {
    let scratch = tempfile::tempdir().unwrap();
    let run = run_child(scratch.path(), &[], &[("PYCODETAGS_CACHE_GZIP", "maybe")]);
    assert_eq!(run.value("root"), "");
    let reason = run.value("disabled");
    assert!(reason.contains("no cache folder"), "{reason}");
    // fib(30) without a cache: 2,692,537 calls; shout twice.
    assert_eq!(run.value("calls"), "2692539");
    assert_eq!(run.value("hits"), "0");
    // Two default caches (two layouts) and many calls: the reason is printed once, and so is
    // the bad boolean (ignored: gzip keeps its default).
    assert_eq!(
        run.stderr.matches("caching is off").count(),
        1,
        "{}",
        run.stderr
    );
    assert_eq!(
        run.stderr.matches("PYCODETAGS_CACHE_GZIP").count(),
        1,
        "{}",
        run.stderr
    );
    assert_eq!(run.values("ignored").len(), 1);
}

#[test]
fn inside_a_python_project_the_root_is_beside_pyproject() {
    let scratch = tempfile::tempdir().unwrap();
    let project = scratch.path().join("project");
    let deep = project.join("src/pkg");
    std::fs::create_dir_all(&deep).unwrap();
    std::fs::write(
        project.join("pyproject.toml"),
        "[tool.pycodetags.cache]\nttl_days = 2\nunknown_key = 1\n",
    )
    .unwrap();
    let home = scratch.path().join("home");
    let run = run_child(&deep, &[("HOME", &home)], &[]);
    assert_eq!(
        run.value("root"),
        project.join(".pycodetags_cache").display().to_string()
    );
    let ignored = run.values("ignored");
    assert_eq!(ignored.len(), 1, "{ignored:?}");
    assert!(ignored[0].contains("unknown_key"), "{ignored:?}");
    assert!(project.join(".pycodetags_cache/CACHEDIR.TAG").is_file());
    assert!(!home.exists(), "nothing is written to the home folder");
}
