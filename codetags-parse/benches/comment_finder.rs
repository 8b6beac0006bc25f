//! Comment finding throughput over the installed CPython stdlib's `.py` files, decoded and held
//! in memory: `find_comments` and `comment_blocks` over every file, and over the 20 largest.
//!
//! `cargo bench -p codetags-parse --bench comment_finder -- --warm-up-time 1 --measurement-time 3`
//!
//! The stdlib is found with `python3`; without it the bench prints why and measures nothing.

use codetags_parse::{comment_blocks, decode, find_comments};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::Command;

fn stdlib_dir() -> Option<PathBuf> {
    let out = Command::new("python3")
        .args([
            "-c",
            "import sysconfig; print(sysconfig.get_path('stdlib'))",
        ])
        .output()
        .ok()?;
    let dir = PathBuf::from(String::from_utf8(out.stdout).ok()?.trim());
    (out.status.success() && dir.is_dir()).then_some(dir)
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if path.is_dir() && name != "site-packages" && name != "__pycache__" {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "py") {
            out.push(path);
        }
    }
}

/// The decoded texts of the stdlib's `.py` files, sorted by path.
fn stdlib_texts() -> Option<Vec<String>> {
    let dir = stdlib_dir()?;
    let mut paths = Vec::new();
    collect(&dir, &mut paths);
    paths.sort();
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
    bench_group(c, "stdlib", &texts);
    texts.sort_by_key(|t| std::cmp::Reverse(t.len()));
    texts.truncate(20);
    bench_group(c, "stdlib_largest_20", &texts);
}

criterion_group!(benches, bench);
criterion_main!(benches);
