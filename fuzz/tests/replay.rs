//! Replays every committed fuzz input on stable: `corpus/<target>/` (the minimised seeds and
//! what fuzzing added) and `regressions/<target>/` (inputs that once failed), through the same
//! `check_*` functions the libFuzzer targets call.

use cache_core::Key;
use cache_core::codec::{self, type_fingerprint};
use codetags_fuzz::{Sample, TARGETS, seal};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

fn fuzz_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn check_of(target: &str) -> fn(&[u8]) {
    TARGETS
        .iter()
        .find(|(name, _)| *name == target)
        .map(|(_, check)| *check)
        .unwrap_or_else(|| panic!("no target {target}"))
}

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.expect("a readable folder").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

/// Runs every input of the target's corpus and regressions; names each one that fails.
fn replay(target: &str) {
    let check = check_of(target);
    let corpus = files_in(&fuzz_dir().join("corpus").join(target));
    assert!(
        !corpus.is_empty(),
        "corpus/{target}/ is empty or missing: the replay would prove nothing"
    );
    let regressions = files_in(&fuzz_dir().join("regressions").join(target));
    let mut failed = Vec::new();
    for file in corpus.iter().chain(&regressions) {
        let data = std::fs::read(file).expect("a readable input");
        if catch_unwind(AssertUnwindSafe(|| check(&data))).is_err() {
            failed.push(file.strip_prefix(fuzz_dir()).unwrap_or(file).to_owned());
        }
    }
    assert!(
        failed.is_empty(),
        "{} of {} {target} inputs fail (messages above): {failed:?}",
        failed.len(),
        corpus.len() + regressions.len()
    );
    println!(
        "{target}: {} corpus and {} regression inputs pass",
        corpus.len(),
        regressions.len()
    );
}

#[test]
fn replay_comments() {
    replay("comments");
}

#[test]
fn replay_extract() {
    replay("extract");
}

#[test]
fn replay_entry_decode() {
    replay("entry_decode");
}

#[test]
fn replay_scan_state() {
    replay("scan_state");
}

#[test]
fn replay_config() {
    replay("config");
}

/// A folder for a target that does not exist would be silently skipped.
#[test]
fn every_input_folder_names_a_target() {
    for kind in ["corpus", "regressions"] {
        let Ok(entries) = std::fs::read_dir(fuzz_dir().join(kind)) else {
            continue;
        };
        for entry in entries {
            let name = entry.expect("a readable folder").file_name();
            let name = name.to_string_lossy();
            assert!(
                TARGETS.iter().any(|(target, _)| *target == name),
                "{kind}/{name} is no target"
            );
        }
    }
}

/// The harness's sealing must be the codec's, or the scan-state target would only ever fuzz the
/// checksum check.
#[test]
fn seal_agrees_with_the_encoder() {
    let key = Key::new("replay", &7u32).unwrap();
    let created = chrono::DateTime::from_timestamp_millis(1_750_000_000_123).unwrap();
    let value = vec![1u32, 300, 70_000];
    for gzip in [false, true] {
        let entry = codec::encode(&key, &value, created, gzip).unwrap();
        let raw_len = postcard::to_stdvec(&value).unwrap().len() as u64;
        let sealed = seal(
            &key,
            type_fingerprint::<Vec<u32>>(),
            created.timestamp_millis(),
            gzip,
            raw_len,
            &entry[codec::HEADER_LEN..],
        );
        assert_eq!(sealed, entry, "gzip = {gzip}");
    }
}

/// The entry target's mode 0 asserts that seeds decode; a seed must really be an entry.
#[test]
fn entry_seeds_hold_valid_entries() {
    let key = Key::new("codetags_fuzz::entry", &1u8).unwrap();
    let dir = fuzz_dir().join("corpus/entry_decode");
    let valid = files_in(&dir)
        .iter()
        .map(|f| std::fs::read(f).unwrap())
        .filter(|d| d.first().is_some_and(|s| s % 3 == 0))
        .filter(|d| codec::decode::<Sample>(&d[1..], &key).is_ok())
        .count();
    assert!(valid > 0, "no valid entry among the mode-0 seeds");
}
