//! The remote (Redis) cache end to end: a second checkout of a project at another path, with an
//! empty local cache, gets the scan state from the server; a dead server costs one warning and
//! the scan succeeds. The first test needs `CODETAGS_TEST_REDIS_URL` (`.ci/run` starts a
//! redis-server) and skips without it.

mod common;

use common::codetags;
use filetime::FileTime;
use std::fs;
use std::net::TcpListener;
use std::path::Path;

const URL_VAR: &str = "CODETAGS_TEST_REDIS_URL";

/// Writes a checkout of the same project under `parent`, its files dated `age_s` seconds ago
/// (a fresh clone has mtimes of its own).
fn checkout(parent: &Path, project: &str, age_s: i64) -> std::path::PathBuf {
    let root = parent.join("shop");
    let files = [
        (
            "pyproject.toml",
            format!("[project]\nname = \"{project}\"\n"),
        ),
        (
            "src/cart.py",
            "def total():\n    return 0  # TODO: add taxes <alice 2025-07-01 priority=high>\n"
                .to_owned(),
        ),
        (
            "src/pay/card.py",
            "# FIXME: retry on timeout <bob>\nimport os\n".to_owned(),
        ),
        (
            "tests/test_cart.py",
            "# BUG: flaky on CI <carol>\n".to_owned(),
        ),
    ];
    let when = FileTime::from_unix_time(FileTime::now().unix_seconds() - age_s, 0);
    for (rel, text) in files {
        let path = root.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, text).unwrap();
        filetime::set_file_mtime(&path, when).unwrap();
    }
    root
}

fn last_scan(root: &Path) -> serde_json::Value {
    let text = fs::read_to_string(root.join(".pycodetags_cache/last-scan.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

#[test]
fn a_second_checkout_elsewhere_gets_its_state_from_the_server() {
    let Ok(url) = std::env::var(URL_VAR) else {
        eprintln!("skipped: needs a redis-server; set {URL_VAR} (.ci/run does)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    // A project name of this run's own: runs sharing the server do not meet.
    let project = format!(
        "remote-test-{}-{}",
        std::process::id(),
        chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()
    );
    let scan = |root: &Path| {
        let out = codetags(root)
            .args(["scan", "-f", "json"])
            .env("PYCODETAGS_CACHE_REMOTE", &url)
            .env("PYCODETAGS_CACHE_REMOTE_KEY", "the fleet's secret")
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("WARN"), "{stderr}");
        String::from_utf8(out.stdout).unwrap()
    };

    let first = checkout(&dir.path().join("runner-1/work"), &project, 7200);
    let first_out = scan(&first);
    let stats = last_scan(&first);
    assert_eq!(stats["stats"]["parsed"], 3, "{stats}");
    assert_eq!(stats["remote"]["writes"], 1, "{stats}");
    assert_eq!(stats["remote"]["misses"], 1, "{stats}");

    let second = checkout(&dir.path().join("elsewhere/builds/42"), &project, 3600);
    assert!(!second.join(".pycodetags_cache").exists());
    let second_out = scan(&second);
    assert_eq!(second_out, first_out, "the same findings");
    let stats = last_scan(&second);
    assert_eq!(stats["remote"]["hits"], 1, "{stats}");
    // Other mtimes: every file is read and hashed, none parsed again.
    assert_eq!(stats["stats"]["states_loaded"], 1, "{stats}");
    assert_eq!(stats["stats"]["parsed"], 0, "{stats}");
    assert_eq!(stats["stats"]["revalidated"], 3, "{stats}");

    // Written back: the next scan there is local (no remote lookup).
    scan(&second);
    let stats = last_scan(&second);
    assert_eq!(stats["remote"]["hits"], 0, "{stats}");
    assert_eq!(stats["remote"]["misses"], 0, "{stats}");
    assert_eq!(stats["stats"]["hits"], 3, "{stats}");

    // `cache stats` shows the remote counters of the last scan.
    let out = codetags(&second).args(["cache", "stats"]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("last scan, remote cache: 0 hits, 0 misses"),
        "{text}"
    );

    // A reader holding another key finds nothing it can trust: it parses.
    let third = checkout(&dir.path().join("fork"), &project, 600);
    let out = codetags(&third)
        .args(["scan", "-f", "json"])
        .env("PYCODETAGS_CACHE_REMOTE", &url)
        .env("PYCODETAGS_CACHE_REMOTE_KEY", "a guess")
        .env("PYCODETAGS_CACHE_REMOTE_READ_ONLY", "yes")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8(out.stdout).unwrap(), first_out);
    let stats = last_scan(&third);
    assert_eq!(stats["stats"]["parsed"], 3, "{stats}");
    assert_eq!(stats["remote"]["rejected"], 1, "{stats}");
    assert_eq!(stats["remote"]["writes"], 0, "read-only: {stats}");
}

#[test]
fn a_dead_server_costs_one_warning_and_the_scan_succeeds() {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port(); // closed again: nothing listens there
    let dir = tempfile::tempdir().unwrap();
    let root = checkout(dir.path(), "dead-remote", 3600);
    let out = codetags(&root)
        .args(["scan", "-f", "json"])
        .env(
            "PYCODETAGS_CACHE_REMOTE",
            format!("redis://127.0.0.1:{port}/"),
        )
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let warnings: Vec<&str> = stderr.lines().filter(|l| l.contains("WARN")).collect();
    assert_eq!(warnings.len(), 1, "{stderr}");
    assert!(warnings[0].contains("remote cache 127.0.0.1:"), "{stderr}");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(json.as_array().is_some_and(|a| a.len() == 3), "{json}");
    // The local cache works as without a remote.
    let stats = last_scan(&root);
    assert_eq!(stats["stats"]["states_written"], 1, "{stats}");
    assert_eq!(stats["remote"]["tripped"], true, "{stats}");
}
