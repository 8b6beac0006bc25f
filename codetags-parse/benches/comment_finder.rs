//! Comment finding throughput over the installed CPython stdlib's `.py` files, decoded and held
//! in memory: `find_comments` and `comment_blocks` over every file, and over the 20 largest.
//!
//! `cargo bench -p codetags-parse --bench comment_finder -- --warm-up-time 1 --measurement-time 3`
//!
//! The stdlib is found with `python3`; without it the bench prints why and measures nothing.
//!
//! Criterion measures wall-clock time, which a busy machine inflates. So before the criterion
//! groups, a `cargo bench` run also prints the CPU time of this thread per pass over the stdlib
//! (Linux: `/proc/thread-self/schedstat`; averaged over [`CPU_PASSES`] passes because the kernel
//! may account it in scheduler ticks). `cargo test --benches` skips that part.

use codetags_parse::{comment_blocks, decode, find_comments};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::Duration;

#[path = "../tests/support/stdlib.rs"]
mod stdlib;

/// The decoded texts of the stdlib's `.py` files, sorted by path.
fn stdlib_texts() -> Option<Vec<String>> {
    let dir = stdlib::stdlib_dir().ok()?;
    let paths = stdlib::python_files(&dir);
    let texts: Vec<String> = paths
        .iter()
        .filter_map(|p| std::fs::read(p).ok())
        .filter_map(|bytes| decode(&bytes).ok())
        .map(|source| source.text)
        .collect();
    (!texts.is_empty()).then_some(texts)
}

/// The yardstick: design-notes §6's hand scanner, which only skips strings and counts comment
/// starts (no positions, brackets, indentation or f-string fields). On a busy machine the ratio
/// of `find_comments` to it is steadier than either figure.
fn reference_scan(b: &[u8]) -> usize {
    let mut found = 0;
    let mut i = 0;
    while let Some(k) = b
        .get(i..)
        .and_then(|rest| memchr::memchr3(b'#', b'"', b'\'', rest))
    {
        let j = i + k;
        i = match b[j] {
            b'#' => {
                found += 1;
                memchr::memchr(b'\n', &b[j..]).map_or(b.len(), |e| j + e)
            }
            q if b.get(j + 1) == Some(&q) && b.get(j + 2) == Some(&q) => {
                let mut p = j + 3;
                loop {
                    match b.get(p..).and_then(|rest| memchr::memchr2(q, b'\\', rest)) {
                        None => break b.len(),
                        Some(e) if b[p + e] == b'\\' => p += e + 2,
                        Some(e) if b.get(p + e + 1) == Some(&q) && b.get(p + e + 2) == Some(&q) => {
                            break p + e + 3;
                        }
                        Some(e) => p += e + 1,
                    }
                }
            }
            q => {
                let mut p = j + 1;
                loop {
                    match b
                        .get(p..)
                        .and_then(|rest| memchr::memchr3(q, b'\\', b'\n', rest))
                    {
                        None => break b.len(),
                        Some(e) if b[p + e] == b'\\' => p += e + 2,
                        Some(e) if b[p + e] == b'\n' => break p + e,
                        Some(e) => break p + e + 1,
                    }
                }
            }
        };
    }
    found
}

fn bench_group(c: &mut Criterion, name: &str, texts: &[String]) {
    let bytes: usize = texts.iter().map(String::len).sum();
    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("find_comments", |b| {
        b.iter(|| {
            texts
                .iter()
                .map(|t| find_comments(black_box(t)).comments.len())
                .sum::<usize>()
        })
    });
    group.bench_function("comment_blocks", |b| {
        b.iter(|| {
            texts
                .iter()
                .map(|t| comment_blocks(black_box(t)).blocks.len())
                .sum::<usize>()
        })
    });
    group.bench_function("reference_memchr_scan", |b| {
        b.iter(|| {
            texts
                .iter()
                .map(|t| reference_scan(black_box(t.as_bytes())))
                .sum::<usize>()
        })
    });
    group.finish();
}

/// Passes over the stdlib per CPU-time figure.
const CPU_PASSES: u32 = 20;

/// CPU time consumed so far by the calling thread, where Linux reports it.
fn thread_cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos = stat.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(nanos))
}

/// Prints the mean CPU time of one pass of `scan` over `texts`, and the throughput it gives.
fn report_cpu_time(name: &str, texts: &[String], scan: impl Fn(&str) -> usize) {
    let bytes: usize = texts.iter().map(String::len).sum();
    let Some(start) = thread_cpu_time() else {
        eprintln!("comment_finder: no per-thread CPU time on this system; CPU figures skipped");
        return;
    };
    for _ in 0..CPU_PASSES {
        black_box(texts.iter().map(|t| scan(black_box(t))).sum::<usize>());
    }
    let Some(end) = thread_cpu_time() else {
        return;
    };
    let per_pass = end.saturating_sub(start) / CPU_PASSES;
    let gib_per_s = bytes as f64 / per_pass.as_secs_f64() / f64::from(1u32 << 30);
    eprintln!(
        "comment_finder: CPU time {name}: {:.1} ms per pass, {gib_per_s:.2} GiB/s (mean of {CPU_PASSES} passes)",
        per_pass.as_secs_f64() * 1e3
    );
}

fn bench(c: &mut Criterion) {
    let Some(mut texts) = stdlib_texts() else {
        eprintln!("comment_finder: python3 or its stdlib not found; nothing measured");
        return;
    };
    let bytes: usize = texts.iter().map(String::len).sum();
    eprintln!(
        "comment_finder: {} stdlib files, {bytes} bytes",
        texts.len()
    );
    if std::env::args().any(|arg| arg == "--bench") {
        report_cpu_time("stdlib/find_comments", &texts, |t| {
            find_comments(t).comments.len()
        });
        report_cpu_time("stdlib/comment_blocks", &texts, |t| {
            comment_blocks(t).blocks.len()
        });
        report_cpu_time("stdlib/reference_memchr_scan", &texts, |t| {
            reference_scan(t.as_bytes())
        });
    }
    bench_group(c, "stdlib", &texts);
    texts.sort_by_key(|t| std::cmp::Reverse(t.len()));
    texts.truncate(20);
    bench_group(c, "stdlib_largest_20", &texts);
}

criterion_group!(benches, bench);
criterion_main!(benches);
