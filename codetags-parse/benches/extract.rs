//! Full tag extraction (decode + comment blocks + grammar) over the installed CPython standard
//! library's `.py` files, held in memory, in schemas PEP350, TDG and auto; and, to separate the
//! stages, the grammar alone over the same files' comment blocks, the prefilter
//! (`may_hold_tags`) over every decoded text, and `parse_text` over the texts the prefilter lets
//! through (what a scanner tokenizes). Throughput is in bytes of source.
//!
//! Run: `cargo bench -p codetags-parse --bench extract -- --warm-up-time 1 --measurement-time 3`.
//! Without `python3` (or its stdlib directory) the benchmark prints why and measures nothing.

use codetags_parse::{
    Schema, comment_blocks, decode, extract_tags, may_hold_tags, parse_block, parse_text,
};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;

#[path = "../tests/support/stdlib.rs"]
mod stdlib;

/// The bytes of every stdlib `.py` file, sorted by path; `None` (with the reason printed) when
/// there is nothing to measure.
fn stdlib_files() -> Option<Vec<Vec<u8>>> {
    let stdlib = match stdlib::stdlib_dir() {
        Ok(dir) => dir,
        Err(reason) => {
            eprintln!("extract bench skipped: {reason}");
            return None;
        }
    };
    let paths = stdlib::python_files(&stdlib);
    let files: Vec<Vec<u8>> = paths.iter().filter_map(|p| std::fs::read(p).ok()).collect();
    if files.is_empty() {
        eprintln!(
            "extract bench skipped: no .py files under {}",
            stdlib.display()
        );
        return None;
    }
    Some(files)
}

fn bench(c: &mut Criterion) {
    let Some(files) = stdlib_files() else {
        return;
    };
    bench_extract(c, &files);
    bench_prefilter(c, &files);
}

fn bench_extract(c: &mut Criterion, files: &[Vec<u8>]) {
    let bytes: usize = files.iter().map(Vec::len).sum();
    eprintln!("extract bench: {} files, {bytes} bytes", files.len());

    let mut group = c.benchmark_group("extract_stdlib");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.sample_size(10);
    for schema in [Schema::Pep350, Schema::Tdg, Schema::Auto] {
        group.bench_function(schema.name(), |b| {
            b.iter(|| {
                let mut tags = 0;
                for file in files {
                    if let Ok(found) = extract_tags(black_box(file), schema) {
                        tags += found.tags.len();
                    }
                }
                tags
            });
        });
    }
    group.finish();

    let blocks: Vec<_> = files
        .iter()
        .filter_map(|file| decode(file).ok())
        .map(|source| comment_blocks(&source.text).blocks)
        .collect();
    let mut group = c.benchmark_group("grammar_stdlib");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.sample_size(10);
    for schema in [Schema::Pep350, Schema::Tdg, Schema::Auto] {
        group.bench_function(schema.name(), |b| {
            b.iter(|| {
                let mut tags = 0;
                for block in blocks.iter().flatten() {
                    let text = black_box(block.text.as_str());
                    tags += parse_block(text, block.start_line, block.start_column, schema)
                        .tags
                        .len();
                }
                tags
            });
        });
    }
    group.finish();
}

fn bench_prefilter(c: &mut Criterion, files: &[Vec<u8>]) {
    let texts: Vec<String> = files
        .iter()
        .filter_map(|b| decode(b).ok().map(|s| s.text))
        .collect();
    let bytes: usize = texts.iter().map(String::len).sum();
    let mut group = c.benchmark_group("prefilter_stdlib");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("may_hold_tags", |b| {
        b.iter(|| {
            texts
                .iter()
                .filter(|t| may_hold_tags(black_box(t), Schema::Auto))
                .count()
        });
    });
    group.finish();

    let candidates: Vec<&String> = texts
        .iter()
        .filter(|t| may_hold_tags(t, Schema::Auto))
        .collect();
    let candidate_bytes: usize = candidates.iter().map(|t| t.len()).sum();
    eprintln!(
        "prefilter bench: {} of {} texts may hold tags, {candidate_bytes} of {bytes} bytes",
        candidates.len(),
        texts.len()
    );
    let mut group = c.benchmark_group("candidates_stdlib");
    group.throughput(Throughput::Bytes(candidate_bytes as u64));
    group.sample_size(10);
    group.bench_function("parse_text", |b| {
        b.iter(|| {
            candidates
                .iter()
                .map(|t| parse_text(black_box(t), Schema::Auto).tags.len())
                .sum::<usize>()
        });
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
