//! PEP 003 `bench_inspect_repo`: an end-to-end in-process scan of the whole installed CPython
//! library, with an empty and with a populated cache.
//!
//! `cargo bench -p codetags-bench --bench inspect_repo`; the suite definition is shared with the
//! harness (`codetags_bench::suite`). Skipped with a message when python3 or its stdlib is absent.

mod common;

use codetags_bench::suite::PepBench;
use criterion::{Criterion, criterion_group, criterion_main};

fn benches(c: &mut Criterion) {
    common::bench_pep(c, PepBench::InspectRepo);
}

criterion_group!(group, benches);
criterion_main!(group);
