//! PEP 003 `bench_comment_finder`: `find_comments` over the largest stdlib files held in
//! memory, throughput in bytes.
//!
//! `cargo bench -p codetags-bench --bench comment_finder`; the suite definition is shared with the
//! harness (`codetags_bench::suite`). Skipped with a message when python3 or its stdlib is absent.

mod common;

use codetags_bench::suite::PepBench;
use criterion::{Criterion, criterion_group, criterion_main};

fn benches(c: &mut Criterion) {
    common::bench_pep(c, PepBench::CommentFinder);
}

criterion_group!(group, benches);
criterion_main!(group);
