//! Cross-process behaviour. This test binary has its own `main` (harness = false) and spawns
//! copies of itself as child processes:
//!
//! * four writers hammer one shared key and each write many keys of their own in one cache
//!   folder at once; afterwards every entry must decode and no temp file may be left;
//! * settings children read `PYCODETAGS_CACHE_*` from their real process environment (tests
//!   cannot set variables in their own process: `set_var` is unsafe and the crate forbids it);
//! * fault children write under a real resource limit: `ulimit -f` with SIGXFSZ ignored (writes
//!   fail with EFBIG), and — where unprivileged user namespaces are available — a full (ENOSPC)
//!   or read-only (EROFS) tmpfs mounted in a private mount namespace.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use cache_core::cache_layout::TEMP_PREFIX;
use cache_core::{Cache, CacheSettings, Key, codec};
use serde::{Deserialize, Serialize};

const ROLE: &str = "CACHE_CORE_TEST_ROLE";
const ROOT: &str = "CACHE_CORE_TEST_ROOT";
const ID: &str = "CACHE_CORE_TEST_ID";
const FAULT: &str = "CACHE_CORE_TEST_FAULT";
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
        Ok("fault") => fault_child(),
        _ => {
            run(
                "four processes on one key and on many keys",
                processes_share_a_cache,
            );
            run(
                "settings from the process environment",
                settings_from_the_environment,
            );
            run(
                "EFBIG under ulimit -f is a counted write error",
                a_file_size_limit_is_a_write_error,
            );
            run(
                "ENOSPC and EROFS are counted write errors",
                a_full_or_read_only_filesystem_is_a_write_error,
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

    // Booleans from the real environment go through parse_bool: `no` and ` OFF ` are false, an
    // empty variable is unset (the file's `gzip = true` stays), `maybe` is an error.
    let spelled = settings_child(&sub, &[("PYCODETAGS_CACHE_GZIP", "no")]);
    assert!(spelled.starts_with("ttl_days=30 gzip=false "), "{spelled}");
    let spelled = settings_child(&sub, &[("PYCODETAGS_CACHE_GZIP", " OFF ")]);
    assert!(spelled.starts_with("ttl_days=30 gzip=false "), "{spelled}");
    let empty = settings_child(&sub, &[("PYCODETAGS_CACHE_GZIP", "")]);
    assert!(empty.starts_with("ttl_days=30 gzip=true "), "{empty}");
    let bad = settings_child(&sub, &[("PYCODETAGS_CACHE_GZIP", "maybe")]);
    assert!(
        bad.starts_with("error: environment variable PYCODETAGS_CACHE_GZIP"),
        "{bad}"
    );
    assert!(bad.contains("`gzip`") && bad.contains("\"maybe\""), "{bad}");
}

/// A value well over every limit the fault tests set (`ulimit -f 4` is 2 or 4 KiB, the full
/// tmpfs has 32 KiB).
fn big_value() -> Vec<u8> {
    vec![7u8; 64 * 1024]
}

/// Every `.tmp-*` file below `root`.
fn temp_files(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(listing) = std::fs::read_dir(&d) else {
            continue;
        };
        for item in listing.flatten() {
            if item.file_name().to_string_lossy().starts_with(TEMP_PREFIX) {
                out.push(item.path());
            }
            if item.file_type().is_ok_and(|t| t.is_dir()) {
                stack.push(item.path());
            }
        }
    }
    out
}

/// Memoizes two big values (and, unless the fault hits every write, a small one) under the
/// fault the parent arranged, then checks what must hold and prints the counters. Exits
/// non-zero when a check fails.
fn fault_child() {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_max_level(tracing::Level::WARN)
        .init();
    let root = PathBuf::from(std::env::var(ROOT).unwrap());
    let fault = std::env::var(FAULT).unwrap();
    let cache = Cache::open(&CacheSettings::default(), Some(&root), VERSION);
    let mut failures = Vec::new();
    // The file size faults also write a small value that fits, first: the cache must stay on.
    let small = fault.starts_with("fsize") || fault == "efbig";
    if small && cache.memoize("small", &(), || 5u8) != 5 {
        failures.push("small: wrong value".to_owned());
    }
    if fault == "efbig" {
        // Lower the limit only now, after the store has read it: the big writes then really
        // reach write(2) and fail with EFBIG (SIGXFSZ is ignored), instead of being refused by
        // the store's own check.
        let status = Command::new("prlimit")
            .arg("--pid")
            .arg(std::process::id().to_string())
            .arg("--fsize=4096:4096")
            .status();
        if !status.is_ok_and(|s| s.success()) {
            failures.push("prlimit failed".to_owned());
        }
    }
    for name in ["big-a", "big-b"] {
        if cache.memoize(name, &(), big_value) != big_value() {
            failures.push(format!("{name}: wrong value"));
        }
    }
    let stats = cache.stats();
    println!("{fault}: {stats:?}");
    let small_writes = u64::from(small);
    if (stats.write_errors, stats.writes) != (2, small_writes) {
        failures.push(format!("expected 2 write errors and {small_writes} writes"));
    }
    if !cache.is_enabled() {
        failures.push("a failed entry write must not switch caching off".to_owned());
    }
    let left = temp_files(&root);
    if !left.is_empty() {
        failures.push(format!("temp files left: {left:?}"));
    }
    // The tmpfs of ENOSPC/EROFS vanishes with this process: the later lookup happens here, in a
    // new Cache (for EFBIG the parent also looks, without the limit).
    let later = Cache::open(&CacheSettings::default(), Some(&root), VERSION);
    if later
        .get::<Vec<u8>>(&Key::new("big-a", &()).unwrap())
        .is_some()
    {
        failures.push("a failed write left a readable entry".to_owned());
    }
    if later.stats().corrupt != 0 {
        failures.push("a failed write left a partial entry".to_owned());
    }
    if !failures.is_empty() {
        eprintln!("{fault}: {}", failures.join("; "));
        std::process::exit(1);
    }
}

/// Runs a fault child as `{wrapper…} sh -c script` (the child's own path is `$0` there).
fn fault_output(fault: &str, root: &Path, wrapper: &[&str], script: &str) -> Output {
    let (program, args) = match wrapper {
        [program, args @ ..] => (*program, args),
        [] => ("sh", &[][..]),
    };
    let mut command = Command::new(program);
    if !wrapper.is_empty() {
        command.args(args).arg("sh");
    }
    command
        .arg("-c")
        .arg(script)
        .arg(std::env::current_exe().unwrap())
        .env(ROLE, "fault")
        .env(FAULT, fault)
        .env(ROOT, root)
        .output()
        .unwrap()
}

fn check_fault_child(fault: &str, output: &Output) {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{fault} child failed ({:?}):\n{stdout}\n{stderr}",
        output.status
    );
    let warnings = stderr.lines().filter(|l| l.contains(" WARN ")).count();
    assert_eq!(
        warnings, 1,
        "{fault}: one warning for two failed writes:\n{stderr}"
    );
}

fn a_file_size_limit_is_a_write_error() {
    // The unit of `ulimit -f` is 512 bytes in dash and 1024 in bash: 2 or 4 KiB, either way far
    // below the big values and above the markers and the small value.
    let mut cases = vec![
        // SIG_IGN survives exec: the host ignores SIGXFSZ, as the CLI's callers may.
        ("fsize-ignored", r#"trap '' XFSZ; ulimit -f 4 && exec "$0""#),
        // The default action of SIGXFSZ kills: the store must not write past the limit at all.
        ("fsize", r#"ulimit -f 4 && exec "$0""#),
    ];
    let prlimit = Command::new("prlimit")
        .arg("--version")
        .stdout(Stdio::null())
        .status();
    if prlimit.is_ok_and(|s| s.success()) {
        // The limit drops after the store read it: write(2) itself fails with EFBIG.
        cases.push(("efbig", r#"trap '' XFSZ; exec "$0""#));
    } else {
        println!("  skipped the EFBIG-from-write(2) case: no prlimit on this host");
    }
    for (fault, script) in cases {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("cache");
        let output = fault_output(fault, &root, &[], script);
        check_fault_child(fault, &output);
        // Without the limit, another process misses (no garbage decoded) and still finds the
        // small value that fitted.
        let cache = Cache::open(&CacheSettings::default(), Some(&root), VERSION);
        assert_eq!(cache.get::<Vec<u8>>(&Key::new("big-a", &()).unwrap()), None);
        assert_eq!(cache.get::<u8>(&Key::new("small", &()).unwrap()), Some(5));
        let stats = cache.stats();
        assert_eq!(
            (stats.misses, stats.corrupt, stats.hits),
            (1, 0, 1),
            "{fault}"
        );
        assert!(temp_files(&root).is_empty(), "{:?}", temp_files(&root));
    }
}

fn a_full_or_read_only_filesystem_is_a_write_error() {
    // A private mount namespace in an unprivileged user namespace: the mounts exist only for the
    // child and vanish with it. Not every host allows this (containers often forbid it).
    let probe = Command::new("unshare")
        .args(["--user", "--map-root-user", "--mount", "true"])
        .stderr(Stdio::null())
        .status();
    if !probe.is_ok_and(|s| s.success()) {
        println!("  skipped: no unprivileged user and mount namespaces (unshare) on this host");
        return;
    }
    let namespace = cache_core::cache_layout::cache_version(VERSION, codec::CACHE_FORMAT);
    for (fault, script) in [
        // The whole root on a 32 KiB tmpfs: the markers fit, a 64 KiB entry does not.
        (
            "enospc",
            r#"mkdir -p "$CACHE_CORE_TEST_ROOT" && mount -t tmpfs -o size=32k tmpfs "$CACHE_CORE_TEST_ROOT" && exec "$0""#
                .to_owned(),
        ),
        // A writable root whose version namespace is a read-only mount.
        (
            "erofs",
            format!(
                r#"mkdir -p "$CACHE_CORE_TEST_ROOT/{namespace}" && mount -t tmpfs -o ro tmpfs "$CACHE_CORE_TEST_ROOT/{namespace}" && exec "$0""#
            ),
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("cache");
        if fault == "erofs" {
            // A root holding a namespace folder is only used when it is tagged as ours.
            std::fs::create_dir_all(&root).unwrap();
            std::fs::write(
                root.join(cache_core::cache_layout::CACHEDIR_TAG),
                cache_core::cache_layout::CACHEDIR_TAG_CONTENT,
            )
            .unwrap();
        }
        let output = fault_output(
            fault,
            &root,
            &["unshare", "--user", "--map-root-user", "--mount"],
            &script,
        );
        check_fault_child(fault, &output);
        assert!(temp_files(&root).is_empty());
    }
}
