//! PEP 003 `bench_parse_codetags`: `extract_tags` over 1,000 deterministic synthetic blocks in
//! each grammar (PEP 350, TDG, folk), throughput in bytes.
//!
//! `cargo bench -p codetags-bench --bench parse_codetags`; the suite definition is shared with the
//! harness (`codetags_bench::suite`). Needs no input files.

mod common;

use codetags_bench::suite::PepBench;
use criterion::{Criterion, criterion_group, criterion_main};

fn benches(c: &mut Criterion) {
    common::bench_pep(c, PepBench::ParseCodetags);
}

criterion_group!(group, benches);
criterion_main!(group);
