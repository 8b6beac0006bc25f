//! The suite's workloads on small inputs: every benchmark prepares and runs one iteration on a
//! miniature stdlib, the synthetic blocks parse into exactly one tag each, and benchmarks skip
//! cleanly without a stdlib.

use std::path::Path;

use codetags_bench::measure::{BenchError, RealClock, time_iterations};
use codetags_bench::suite::{Inputs, PepBench, pep_group, python_files, suite};
use codetags_bench::synthetic::{BLOCKS, Grammar, SEED, generate};
use codetags_parse::Schema;

/// A stdlib-shaped folder: an `http` package, a large module, a `site-packages` to leave out.
fn mini_stdlib(dir: &Path) {
    let write = |rel: &str, text: &str| {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write(
        "http/__init__.py",
        "# an old comment\nimport os  # inline\n",
    );
    write(
        "http/client.py",
        "def f():\n    # TODO: retry the request <alice 2025-01-01 priority=high>\n    return 1\n",
    );
    write("big.py", &"x = 1  # a comment\n".repeat(200));
    write("site-packages/vendored.py", &"# third party\n".repeat(500));
    write("notes.txt", "# not python\n");
}

#[test]
fn every_benchmark_runs_one_iteration_on_a_mini_stdlib() {
    let dir = tempfile::tempdir().unwrap();
    mini_stdlib(dir.path());
    let inputs = Inputs::with_stdlib(dir.path()).with_small_fixtures();
    let clock = RealClock::default();
    for def in suite() {
        let mut w = def
            .setup(&inputs)
            .unwrap_or_else(|e| panic!("{}: setup failed: {e}", def.name));
        time_iterations(w.as_mut(), 2, &clock)
            .unwrap_or_else(|e| panic!("{}: run failed: {e}", def.name));
    }
}

#[test]
fn comment_finder_holds_the_largest_stdlib_files_but_not_site_packages() {
    let dir = tempfile::tempdir().unwrap();
    mini_stdlib(dir.path());
    let group = pep_group(PepBench::CommentFinder);
    assert_eq!(group.len(), 1);
    let mut w = group[0].setup(&Inputs::with_stdlib(dir.path())).unwrap();
    let expected: u64 = ["big.py", "http/client.py", "http/__init__.py"]
        .iter()
        .map(|f| std::fs::metadata(dir.path().join(f)).unwrap().len())
        .sum();
    assert_eq!(w.bytes(), Some(expected));
    // 200 comments in big.py, 1 in client.py, 2 in __init__.py.
    assert_eq!(w.run().unwrap(), 203);
}

#[test]
fn python_files_lists_sorted_py_files_and_skips_named_folders() {
    let dir = tempfile::tempdir().unwrap();
    mini_stdlib(dir.path());
    let names: Vec<String> = python_files(dir.path(), &["site-packages"])
        .into_iter()
        .map(|(p, _)| {
            p.strip_prefix(dir.path())
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(names, ["big.py", "http/__init__.py", "http/client.py"]);
}

#[test]
fn scans_count_files_and_tags() {
    let dir = tempfile::tempdir().unwrap();
    mini_stdlib(dir.path());
    let inputs = Inputs::with_stdlib(dir.path());
    for def in pep_group(PepBench::CollectStdlib) {
        let mut w = def.setup(&inputs).unwrap();
        w.prepare().unwrap();
        // Two files in `http`, one tag in them.
        assert_eq!(w.run().unwrap(), 3, "{}", def.name);
    }
}

#[test]
fn without_a_stdlib_the_stdlib_benchmarks_are_unavailable_not_failed() {
    let inputs = Inputs::without_stdlib("no python3 here").with_small_fixtures();
    let mut needing = 0;
    for def in suite() {
        match def.setup(&inputs) {
            Ok(_) => assert!(
                def.name.starts_with("parse_codetags")
                    || def.name.starts_with("generated_tree")
                    || def.name.starts_with("tag_file")
                    || def.name.starts_with("cache")
                    || def.name.starts_with("prune"),
                "{} ran without a stdlib",
                def.name
            ),
            Err(BenchError::Unavailable(reason)) => {
                needing += 1;
                assert!(reason.contains("no python3 here"), "{reason}");
            }
            Err(e) => panic!("{}: {e}", def.name),
        }
    }
    assert_eq!(needing, 5);
}

#[test]
fn a_stdlib_path_that_is_not_a_folder_is_unavailable() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = Inputs::with_stdlib(dir.path().join("missing"));
    let err = inputs.stdlib().unwrap_err().to_string();
    assert!(err.contains("is not a folder"), "{err}");
}

#[test]
fn each_synthetic_block_is_exactly_one_tag_in_its_grammar() {
    for (grammar, schema) in [
        (Grammar::Pep350, Schema::Pep350),
        (Grammar::Tdg, Schema::Tdg),
        (Grammar::Folk, Schema::Folk),
    ] {
        let text = generate(grammar, BLOCKS, SEED);
        let found = codetags_parse::extract_tags(text.as_bytes(), schema).unwrap();
        assert_eq!(found.diagnostics, vec![], "{grammar:?}");
        assert_eq!(found.tags.len(), BLOCKS, "{grammar:?}");
    }
}

#[test]
fn parse_benchmarks_measure_the_synthetic_source() {
    for def in pep_group(PepBench::ParseCodetags) {
        let mut w = def.setup(&Inputs::without_stdlib("unused")).unwrap();
        assert_eq!(w.run().unwrap(), BLOCKS as u64, "{}", def.name);
        let grammar = Grammar::ALL
            .into_iter()
            .find(|g| g.name() == def.function())
            .unwrap();
        assert_eq!(
            w.bytes(),
            Some(generate(grammar, BLOCKS, SEED).len() as u64)
        );
    }
}

#[test]
fn names_are_unique_and_grouped() {
    let all = suite();
    let mut names: Vec<_> = all.iter().map(|d| d.name).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), all.len());
    for d in &all {
        let (group, function) = d.name.split_once('/').unwrap();
        assert_eq!(function, d.function());
        if let Some(pep) = d.pep {
            assert_eq!(pep.group(), group);
        }
    }
    for pep in [
        PepBench::CollectStdlib,
        PepBench::InspectRepo,
        PepBench::CommentFinder,
        PepBench::ParseCodetags,
    ] {
        assert!(!pep_group(pep).is_empty());
    }
}

#[test]
fn generated_workloads_scan_what_they_wrote() {
    // Small fixtures: a thousandth of the full size (200 files, 20 of them tagged; 1,000 tags).
    let inputs = Inputs::without_stdlib("not needed").with_small_fixtures();
    for (name, expected) in [
        ("generated_tree/cold", 200 + 20),
        ("generated_tree/warm", 200 + 20),
        ("tag_file/cold", 1 + 1000),
    ] {
        let def = suite().into_iter().find(|d| d.name == name).unwrap();
        let mut w = def.setup(&inputs).unwrap();
        w.prepare().unwrap();
        assert_eq!(w.run().unwrap(), expected, "{name}");
    }
}
