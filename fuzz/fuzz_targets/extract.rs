//! `cargo +nightly fuzz run extract --features libfuzzer`: the checks live in
//! `codetags_fuzz::check_extract` so that `tests/replay.rs` runs the same ones on stable.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| codetags_fuzz::check_extract(data));
