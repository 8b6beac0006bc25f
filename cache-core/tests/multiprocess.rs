//! Cross-process behaviour. This test binary has its own `main` (harness = false) and spawns
//! copies of itself as child processes:
//!
//! * four writers hammer one shared key and each write many keys of their own in one cache
//!   folder at once; afterwards every entry must decode and no temp file may be left;
//! * settings children read `PYCODETAGS_CACHE_*` from their real process environment (tests
//!   cannot set variables in their own process: `set_var` is unsafe and the crate forbids it).

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use cache_core::cache_layout::TEMP_PREFIX;
use cache_core::{Cache, CacheSettings, Key, codec};
use serde::{Deserialize, Serialize};

const ROLE: &str = "CACHE_CORE_TEST_ROLE";
const ROOT: &str = "CACHE_CORE_TEST_ROOT";
const ID: &str = "CACHE_CORE_TEST_ID";
const WRITERS: u32 = 4;
const ROUNDS: u32 = 40;
const OWN_KEYS: u32 = 100;
const VERSION: &str = "0.1.0";

/// The shared key's value: large enough (64 KiB) that a torn write would be likely to show.
#[derive(Debug, Serialize, Deserialize)]
struct Shared {
    writer: u32,
    round: u32,
    fill: Vec<u32>,
}

impl Shared {
    fn new(writer: u32, round: u32) -> Shared {
        Shared {
            writer,
            round,
            fill: vec![writer * 1000 + round; 16 * 1024],
        }
    }

    fn is_consistent(&self) -> bool {
        self.fill.len() == 16 * 1024
            && self
                .fill
                .iter()
                .all(|v| *v == self.writer * 1000 + self.round)
    }
}

fn shared_key() -> Key {
    Key::new("shared", &()).unwrap()
}

fn main() {
    match std::env::var(ROLE).as_deref() {
        Ok("writer") => writer(),
        Ok("settings") => print_settings(),
        _ => {
            run(
                "four processes on one key and on many keys",
                processes_share_a_cache,
            );
            run(
                "settings from the process environment",
                settings_from_the_environment,
            );
        }
    }
}

fn run(name: &str, test: fn()) {
    let started = Instant::now();
    test();
    println!("test {name} ... ok ({:.1?})", started.elapsed());
}

fn writer() {
    let root = PathBuf::from(std::env::var(ROOT).unwrap());
    let id: u32 = std::env::var(ID).unwrap().parse().unwrap();
    // Start together: wait for the parent's go file.
    let go = root.with_extension("go");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !go.exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(1));
    }
    let cache = Cache::open(&CacheSettings::default(), Some(&root), VERSION);
    let mut torn = 0;
    for round in 0..ROUNDS {
        cache.put(&shared_key(), &Shared::new(id, round)).unwrap();
        if let Some(seen) = cache.get::<Shared>(&shared_key())
            && !seen.is_consistent()
        {
            torn += 1;
        }
        for k in (round * OWN_KEYS / ROUNDS)..((round + 1) * OWN_KEYS / ROUNDS) {
            let value = cache.memoize("own", &(id, k), || format!("writer {id} key {k}"));
            assert_eq!(value, format!("writer {id} key {k}"));
        }
    }
    let stats = cache.stats();
    println!("writer {id}: {stats:?} torn={torn}");
    if torn > 0 || stats.corrupt > 0 || stats.write_errors > 0 {
        std::process::exit(1);
    }
}

fn spawn_writer(root: &Path, id: u32) -> std::process::Child {
    Command::new(std::env::current_exe().unwrap())
        .env(ROLE, "writer")
        .env(ROOT, root)
        .env(ID, id.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn processes_share_a_cache() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("cache");
    let children: Vec<_> = (0..WRITERS).map(|id| spawn_writer(&root, id)).collect();
    std::fs::write(root.with_extension("go"), "").unwrap();
    for child in children {
        let output = child.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "writer failed: {}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }

    let cache = Cache::open(&CacheSettings::default(), Some(&root), VERSION);
    let entries = cache.store().unwrap().entries().unwrap();
    assert_eq!(entries.len() as u32, 1 + WRITERS * OWN_KEYS);
    for entry in &entries {
        let bytes = std::fs::read(entry.path.as_ref().unwrap()).unwrap();
        let header = codec::read_header(&bytes).unwrap();
        assert_eq!(header.key, entry.location.key);
    }
    let last = cache.get::<Shared>(&shared_key()).unwrap();
    assert!(last.is_consistent() && last.writer < WRITERS && last.round == ROUNDS - 1);
    for id in 0..WRITERS {
        for k in 0..OWN_KEYS {
            let value = cache.memoize("own", &(id, k), || "recomputed".to_owned());
            assert_eq!(value, format!("writer {id} key {k}"));
        }
    }
    assert_eq!(cache.stats().corrupt, 0);
    let mut stack = vec![root.clone()];
    while let Some(d) = stack.pop() {
        for item in std::fs::read_dir(&d).unwrap().flatten() {
            let name = item.file_name().to_string_lossy().into_owned();
            assert!(
                !name.starts_with(TEMP_PREFIX),
                "temp file left: {}",
                item.path().display()
            );
            if item.path().is_dir() {
                stack.push(item.path());
            }
        }
    }
}

fn print_settings() {
    let start = PathBuf::from(std::env::var(ROOT).unwrap());
    match CacheSettings::discover(&start) {
        Ok(s) => println!(
            "ttl_days={} gzip={} root={}",
            s.ttl_days,
            s.gzip,
            s.root(None)
                .map(|r| r.display().to_string())
                .unwrap_or_default()
        ),
        Err(e) => println!("error: {e}"),
    }
}

fn settings_child(project: &Path, env: &[(&str, &str)]) -> String {
    let mut command = Command::new(std::env::current_exe().unwrap());
    for (name, _) in std::env::vars() {
        if name
            .to_ascii_uppercase()
            .starts_with(cache_core::ENV_PREFIX)
        {
            command.env_remove(name);
        }
    }
    command.env(ROLE, "settings").env(ROOT, project);
    for (k, v) in env {
        command.env(k, v);
    }
    let Output { status, stdout, .. } = command.output().unwrap();
    assert!(status.success());
    String::from_utf8(stdout).unwrap().trim().to_owned()
}

fn settings_from_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("pyproject.toml"),
        "[tool.pycodetags.cache]\nttl_days = 30\ngzip = true\n",
    )
    .unwrap();
    let sub = dir.path().join("src");
    std::fs::create_dir(&sub).unwrap();
    let from_file = settings_child(&sub, &[]);
    let default_root = dir.path().join(".pycodetags_cache");
    assert_eq!(
        from_file,
        format!("ttl_days=30 gzip=true root={}", default_root.display())
    );

    let overridden = settings_child(
        &sub,
        &[
            ("PYCODETAGS_CACHE_TTL_DAYS", "3"),
            ("PYCODETAGS_CACHE_DIR", "/srv/ct-cache"),
        ],
    );
    assert_eq!(overridden, "ttl_days=3 gzip=true root=/srv/ct-cache");

    let bad = settings_child(&sub, &[("PYCODETAGS_CACHE_GZIP", "yes")]);
    assert!(
        bad.starts_with("error: environment variable PYCODETAGS_CACHE_GZIP"),
        "{bad}"
    );
    assert!(bad.contains("`gzip`") && bad.contains("\"yes\""), "{bad}");
}
