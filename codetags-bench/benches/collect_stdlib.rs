//! PEP 003 `bench_collect_stdlib`: an end-to-end in-process scan of the stdlib `http` package,
//! with an empty and with a populated cache.
//!
//! `cargo bench -p codetags-bench --bench collect_stdlib`; the suite definition is shared with the
//! harness (`codetags_bench::suite`). Skipped with a message when python3 or its stdlib is absent.

mod common;

use codetags_bench::suite::PepBench;
use criterion::{Criterion, criterion_group, criterion_main};

fn benches(c: &mut Criterion) {
    common::bench_pep(c, PepBench::CollectStdlib);
}

criterion_group!(group, benches);
criterion_main!(group);
