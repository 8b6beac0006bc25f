//! Facts about where and what a run measured: the machine, the git revision, the time.

use std::path::Path;
use std::process::Command;

use crate::history::Machine;

/// Describe this machine: host name, logical CPU count, OS, architecture, CPU model.
///
/// ```
/// let m = codetags_bench::machine::current_machine();
/// assert!(m.cpus >= 1);
/// assert_eq!(m.os, std::env::consts::OS);
/// ```
pub fn current_machine() -> Machine {
    Machine {
        hostname: hostname().unwrap_or_else(|| "unknown".to_owned()),
        cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
        os: std::env::consts::OS.to_owned(),
        arch: std::env::consts::ARCH.to_owned(),
        cpu_model: cpu_model(),
    }
}

fn hostname() -> Option<String> {
    let from_file = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .ok();
    from_file
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
}

fn cpu_model() -> Option<String> {
    let info = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    info.lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// `git rev-parse HEAD` run in `dir`; `None` when git is absent or `dir` is not in a repository.
pub fn git_revision(dir: &Path) -> Option<String> {
    let out = Command::new("git")
        .arg("rev-parse")
        .arg("HEAD")
        .current_dir(dir)
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let rev = String::from_utf8(out.stdout).ok()?.trim().to_owned();
    (!rev.is_empty()).then_some(rev)
}

/// The current UTC time as RFC 3339 (seconds precision), for the `timestamp` field.
pub fn timestamp_now() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// A compact form of a timestamp usable in a file name (`20261126T091203Z`).
pub fn file_stamp(timestamp: &str) -> String {
    timestamp
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect()
}
