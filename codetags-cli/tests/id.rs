//! `codetags id` against pycodetags 0.8.1 itself, and what happens when it is interrupted.
//!
//! * Differential: every `tests/fixtures/parity/<tree>.refs.json` with an `id` section holds
//!   pycodetags' answers on `<tree>/` (see that folder's README): `id --check`, `id --dry-run`,
//!   `id` with every file it rewrote, `id --check` again and a second `id`. Each is replayed on a
//!   fresh copy: stdout equal with the root written `<root>`, the exit status mapped to ours,
//!   pycodetags' error message in ours, every rewritten file byte for byte, no other file
//!   touched, and the second run changing nothing.
//! * Failure model: a file-size limit makes one source unwritable after the counter was saved;
//!   SIGKILL at random moments. Every file is old or new, no id is ever handed out twice.
//! * Refusals found when the files are prepared (a file changed since the scan, a hard link):
//!   nothing is written, not even the counter.
//!
//! Run with `-- --nocapture` to see the counts.

mod common;

use codetags_cli::config::ProjectConfig;
use codetags_cli::ids::{IdError, IdMode, RewriteError, plan_ids};
use codetags_cli::scan::{ScanRequest, scan};
use common::codetags;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/parity")
}

fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            fs::write(&target, fs::read(entry.path()).unwrap()).unwrap();
        }
    }
}

/// Every file below `root`, by `/`-separated relative path.
fn snapshot(root: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path.strip_prefix(root).unwrap().to_string_lossy();
                out.insert(rel.replace('\\', "/"), fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

/// A fresh copy of a fixture tree in a temporary folder; the path is canonical, as the paths
/// `codetags id` prints are.
fn fresh_copy(tree: &str) -> (tempfile::TempDir, PathBuf) {
    let work = tempfile::tempdir().unwrap();
    let root = work.path().canonicalize().unwrap().join("tree");
    copy_tree(&fixtures().join(tree), &root);
    (work, root)
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run_id(root: &Path, args: &[&str]) -> Run {
    let out = codetags(root).arg("id").args(args).output().unwrap();
    let shown = |bytes: &[u8]| {
        let root = root.to_string_lossy();
        String::from_utf8(bytes.to_vec())
            .unwrap()
            .replace(&format!("{root}/"), "<root>/")
            .replace(&*root, "<root>")
    };
    Run {
        code: out.status.code().unwrap(),
        stdout: shown(&out.stdout),
        stderr: shown(&out.stderr),
    }
}

/// Counts the comparisons made against the references.
#[derive(Default)]
struct Tally {
    compared: usize,
}

impl Tally {
    /// One run against its reference: stdout, exit status, error message.
    fn run(&mut self, tree: &str, what: &str, ours: &Run, reference: &Value) {
        let stdout = reference["stdout"].as_str().unwrap();
        assert_eq!(ours.stdout, stdout, "{tree}: {what}: stdout");
        let error = reference["stderr_last"].as_str().unwrap_or("");
        // Ours: 0 done, 1 `--check` found tags without an id, 3 refused (pycodetags: 1 for both).
        let want = match (
            reference["rc"].as_i64().unwrap(),
            error.strip_prefix("Error: "),
        ) {
            (0, _) => 0,
            (1, Some(_)) => 3,
            (1, None) => 1,
            (rc, _) => panic!("{tree}: {what}: reference rc {rc}"),
        };
        assert_eq!(
            ours.code, want,
            "{tree}: {what}: exit status; {}",
            ours.stderr
        );
        match error.strip_prefix("Error: ") {
            Some(message) => {
                assert!(
                    ours.stderr.contains(message),
                    "{tree}: {what}: pycodetags says {message:?}, we say {:?}",
                    ours.stderr
                );
                self.compared += 1;
            }
            None => assert_eq!(ours.stderr, "", "{tree}: {what}: stderr"),
        }
        self.compared += 2;
    }
}

#[test]
fn id_answers_as_pycodetags_on_every_reference_tree() {
    let mut tally = Tally::default();
    let mut trees = Vec::new();
    for entry in fs::read_dir(fixtures()).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if let Some(tree) = name.strip_suffix(".refs.json") {
            trees.push(tree.to_owned());
        }
    }
    trees.sort();
    let mut files_compared = 0;
    for tree in &trees {
        let refs: Value = serde_json::from_slice(
            &fs::read(fixtures().join(format!("{tree}.refs.json"))).unwrap(),
        )
        .unwrap();
        let refs = &refs["id"];
        let (_work, root) = fresh_copy(tree);
        tally.run(
            tree,
            "id --check",
            &run_id(&root, &["--check"]),
            &refs["check"],
        );
        tally.run(
            tree,
            "id --dry-run",
            &run_id(&root, &["--dry-run"]),
            &refs["dry_run"],
        );

        let before = snapshot(&root);
        tally.run(tree, "id", &run_id(&root, &[]), &refs["assign"]);
        let after = snapshot(&root);
        let mut want: BTreeMap<String, Vec<u8>> = BTreeMap::new();
        for (path, text) in refs["assign"]["changed"].as_object().unwrap() {
            want.insert(path.clone(), text.as_str().unwrap().as_bytes().to_vec());
        }
        if let Some(encoded) = refs["assign"]["changed_base64"].as_object() {
            for (path, b64) in encoded {
                want.insert(path.clone(), base64_decode(b64.as_str().unwrap()));
            }
        }
        let changed: BTreeMap<String, Vec<u8>> = after
            .iter()
            .filter(|(path, bytes)| before.get(*path) != Some(bytes))
            .map(|(p, b)| (p.clone(), b.clone()))
            .collect();
        assert_eq!(
            changed.keys().collect::<Vec<_>>(),
            want.keys().collect::<Vec<_>>(),
            "{tree}: the files id changed"
        );
        for (path, bytes) in &want {
            assert!(
                changed[path] == *bytes,
                "{tree}: {path}:\n ours:   {:?}\n theirs: {:?}",
                String::from_utf8_lossy(&changed[path]),
                String::from_utf8_lossy(bytes)
            );
            files_compared += 1;
            tally.compared += 1;
        }
        tally.compared += 1; // no other file changed
        assert!(
            before.keys().all(|path| after.contains_key(path)),
            "{tree}: a file vanished"
        );

        tally.run(
            tree,
            "id --check (after)",
            &run_id(&root, &["--check"]),
            &refs["check_after"],
        );
        tally.run(
            tree,
            "id (again)",
            &run_id(&root, &[]),
            &refs["assign_again"],
        );
        assert!(refs["assign_again"]["unchanged"].as_bool().unwrap());
        assert!(
            snapshot(&root) == after,
            "{tree}: a second id changed files"
        );
        tally.compared += 1;
    }
    eprintln!(
        "id: {} reference comparisons equal over {} trees ({files_compared} rewritten files byte for byte)",
        tally.compared,
        trees.len()
    );
    assert!(trees.len() >= 8, "reference trees missing: {trees:?}");
}

/// The references store files that are not UTF-8 as standard base64.
fn base64_decode(text: &str) -> Vec<u8> {
    let value = |c: u8| -> u32 {
        match c {
            b'A'..=b'Z' => u32::from(c - b'A'),
            b'a'..=b'z' => u32::from(c - b'a') + 26,
            b'0'..=b'9' => u32::from(c - b'0') + 52,
            b'+' => 62,
            b'/' => 63,
            _ => panic!("not base64: {c}"),
        }
    };
    let mut out = Vec::new();
    for chunk in text.trim_end_matches('=').as_bytes().chunks(4) {
        let mut bits = 0u32;
        for &c in chunk {
            bits = (bits << 6) | value(c);
        }
        bits <<= 6 * (4 - chunk.len() as u32);
        let bytes = bits.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len()]);
    }
    out
}

#[test]
fn the_serializer_prints_every_shop_tag_as_pycodetags_text_output_does() {
    // `data --format text` prints each tag's `dumps` form and its terminal link.
    let refs: Value =
        serde_json::from_slice(&fs::read(fixtures().join("shop.refs.json")).unwrap()).unwrap();
    let text = refs["formats"]["text"]["stdout"].as_str().unwrap();
    let root = fixtures().join("shop").canonicalize().unwrap();
    let config = ProjectConfig::load(&root.join("pyproject.toml")).unwrap();
    let request = ScanRequest::new(config.src.clone(), config);
    let outcome = scan(&request).unwrap();
    let mut compared = 0;
    for file in &outcome.files {
        let shown = file
            .path
            .to_string_lossy()
            .replace(&*root.to_string_lossy(), "<root>");
        for tag in &file.tags {
            let block = format!(
                "{}\n{shown}:{}:{}\n\n",
                codetags_parse::dumps(tag).unwrap(),
                tag.offsets.start_line + 1,
                tag.offsets.start_column
            );
            assert!(
                text.contains(&block),
                "not in pycodetags' text output:\n{block}"
            );
            compared += 1;
        }
    }
    eprintln!("dumps: {compared} shop tags printed as pycodetags prints them");
    assert_eq!(compared, 19);
}

/// The `id=N` values in the files below `root`.
fn ids_in(root: &Path) -> Vec<(String, u64)> {
    let mut ids = Vec::new();
    for (path, bytes) in snapshot(root) {
        let text = String::from_utf8_lossy(&bytes);
        for piece in text.split("id=").skip(1) {
            let digits: String = piece.chars().take_while(char::is_ascii_digit).collect();
            if !digits.is_empty() && path.ends_with(".py") {
                ids.push((path.clone(), digits.parse().unwrap()));
            }
        }
    }
    ids
}

fn counter_ids(root: &Path) -> BTreeSet<u64> {
    let counter: Value =
        serde_json::from_slice(&fs::read(root.join(".pycodetags_ids")).unwrap()).unwrap();
    counter["allocated"]
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.parse().unwrap())
        .collect()
}

fn project(files: &[(&str, String)]) -> (tempfile::TempDir, PathBuf) {
    let work = tempfile::tempdir().unwrap();
    let root = work.path().canonicalize().unwrap();
    fs::write(
        root.join("pyproject.toml"),
        "[tool.pycodetags]\nschema = \"PEP350\"\nsrc = [\"src\"]\n",
    )
    .unwrap();
    for (path, text) in files {
        let path = root.join("src").join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
    (work, root)
}

#[cfg(unix)]
#[test]
fn a_source_that_cannot_be_written_after_the_counter_was_saved_loses_no_id() {
    // b.py is larger than the file-size limit; a.py and c.py are not. The counter is saved,
    // a.py is replaced, b.py fails: exit 4, b.py and c.py untouched, no temp file left.
    let big = format!("# TODO: big file <p=1>\n{}", "x = 1\n".repeat(4000));
    let (_work, root) = project(&[
        ("a.py", "# TODO: small a <p=1>\n".to_owned()),
        ("b.py", big.clone()),
        (
            "c.py",
            "# TODO: small c <p=1>\n# FIXME: has one <id=3>\n".to_owned(),
        ),
    ]);
    let before = snapshot(&root);
    let out = Command::new("sh")
        .current_dir(&root)
        .arg("-c")
        .arg("ulimit -f 16; exec \"$0\" id")
        .arg(assert_cmd::cargo::cargo_bin("codetags"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(stderr.contains("b.py"), "{stderr}");
    assert!(stderr.contains("run `codetags id` again"), "{stderr}");
    assert!(out.stdout.is_empty(), "no summary for a failed run");
    let after = snapshot(&root);
    assert_eq!(
        after["src/a.py"], b"# TODO: small a <p=1 id=4>\n",
        "a.py, before the failure, is new"
    );
    assert_eq!(after["src/b.py"], before["src/b.py"], "b.py is old");
    assert_eq!(after["src/c.py"], before["src/c.py"], "c.py is old");
    assert_eq!(
        after.keys().collect::<Vec<_>>(),
        [
            "pyproject.toml",
            ".pycodetags_ids",
            "src/a.py",
            "src/b.py",
            "src/c.py"
        ]
        .iter()
        .copied()
        .collect::<BTreeSet<_>>()
        .iter()
        .collect::<Vec<_>>(),
        "a temp file was left"
    );
    // The counter was saved first: it holds every id of the failed run, so none comes back.
    let spent = counter_ids(&root);
    assert_eq!(spent, BTreeSet::from([3, 4, 5, 6]));

    // Without the limit the run finishes; b.py and c.py get ids never handed out before.
    let again = run_id(&root, &[]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    let ids = ids_in(&root);
    let unique: BTreeSet<u64> = ids.iter().map(|(_, id)| *id).collect();
    assert_eq!(unique.len(), ids.len(), "an id is used twice: {ids:?}");
    for (path, id) in &ids {
        if path != "src/a.py" && *id != 3 {
            assert!(*id > 6, "{path} got id {id}, spent in the failed run");
        }
    }
    assert_eq!(run_id(&root, &["--check"]).code, 0);
}

/// SplitMix64, seeded from `CODETAGS_FAULT_SEED` or the clock (printed, so a run replays).
struct Rng(u64);

impl Rng {
    fn from_env(test: &str) -> Rng {
        let seed = std::env::var("CODETAGS_FAULT_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(1, |d| d.as_nanos() as u64)
            });
        eprintln!("{test}: CODETAGS_FAULT_SEED={seed}");
        Rng(seed)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        (z ^ (z >> 31)) % n.max(1)
    }
}

#[test]
fn id_killed_at_random_moments_leaves_every_file_old_or_new_and_reuses_no_id() {
    let files: Vec<(String, String)> = (0..60)
        .map(|i| {
            (
                format!("m{:03}/mod{i}.py", i / 10),
                format!(
                    "x = {i}\r\n# TODO: item {i} <p={}>\r\n\ty = 2  # FIXME: fix {i} <a=b>\r\n",
                    i % 4
                ),
            )
        })
        .collect();
    let files: Vec<(&str, String)> = files.iter().map(|(p, t)| (p.as_str(), t.clone())).collect();
    // The uninterrupted run: what every file is when new, and the counter saved before them.
    let (_reference_dir, reference) = project(&files);
    let original = snapshot(&reference);
    let started = Instant::now();
    assert_eq!(run_id(&reference, &[]).code, 0);
    let span = started.elapsed().as_micros() as u64;
    let new = snapshot(&reference);

    let mut rng = Rng::from_env("id kill");
    let (mut killed, mut partial) = (0, 0);
    let trials = 10;
    for trial in 0..trials {
        let (_work, root) = project(&files);
        let mut child = Command::new(assert_cmd::cargo::cargo_bin("codetags"))
            .current_dir(&root)
            .arg("id")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let delay = Duration::from_micros(rng.below(span));
        std::thread::sleep(delay);
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap(); // SIGKILL: nothing runs after it.
            killed += 1;
        }
        let _ = child.wait().unwrap();
        let at = format!("trial {trial}, killed after {delay:?}");
        let state = snapshot(&root);
        let mut rewritten = 0;
        for (path, bytes) in &state {
            if path.contains(".codetags-id-") || path.contains(".pycodetags-ids-") {
                continue; // a temp file SIGKILL left: never a name a scan reads
            }
            if path == ".pycodetags_ids" {
                assert_eq!(bytes, &new[path], "{at}: the counter is half written");
                continue;
            }
            if *bytes == new[path] && original[path] != new[path] {
                rewritten += 1;
            } else {
                assert_eq!(
                    bytes, &original[path],
                    "{at}: {path} is neither old nor new"
                );
            }
        }
        if rewritten > 0 {
            assert!(
                state.contains_key(".pycodetags_ids"),
                "{at}: a source was rewritten before the counter was saved"
            );
            if rewritten < 60 {
                partial += 1;
            }
        }
        // Finishing the run hands out no id twice and leaves every tag with one.
        let finish = run_id(&root, &[]);
        assert_eq!(finish.code, 0, "{at}: {}", finish.stderr);
        let ids = ids_in(&root);
        let unique: BTreeSet<u64> = ids.iter().map(|(_, id)| *id).collect();
        assert_eq!(unique.len(), ids.len(), "{at}: an id is used twice");
        assert_eq!(ids.len(), 120, "{at}");
        assert_eq!(run_id(&root, &["--check"]).code, 0, "{at}");
    }
    eprintln!(
        "id kill: {killed} of {trials} runs killed, {partial} of them with some files rewritten"
    );
}

#[test]
fn a_file_edited_after_the_scan_is_refused_before_anything_is_written() {
    for (edit, want) in [
        ("# TODO: edited <p=2>\n", RewriteError::StaleText),
        ("# TODO: one <p=1>\r\n", RewriteError::StaleBytes),
    ] {
        let (_work, root) = project(&[
            ("a.py", "# TODO: zero <p=0>\n".to_owned()),
            ("b.py", "# TODO: one <p=1>\n".to_owned()),
        ]);
        let config = ProjectConfig::load(&root.join("pyproject.toml")).unwrap();
        let request = ScanRequest::new(config.src.clone(), config);
        let plan = plan_ids(&request, &root, IdMode::Assign).unwrap();
        fs::write(root.join("src/b.py"), edit).unwrap();
        let before = snapshot(&root);
        let failure = plan.apply().unwrap_err();
        assert!(!failure.counter_saved);
        match &failure.error {
            IdError::Rewrite { path, error } => {
                assert!(path.ends_with("src/b.py"));
                assert_eq!(error, &want);
            }
            other => panic!("{other}"),
        }
        assert!(
            failure.to_string().ends_with(&want.to_string()),
            "pycodetags' message: {failure}"
        );
        assert!(snapshot(&root) == before, "something was written");
        assert!(!root.join(".pycodetags_ids").exists());
    }
}

#[cfg(unix)]
#[test]
fn hard_links_are_refused_and_permissions_kept() {
    use std::os::unix::fs::PermissionsExt;
    let (_work, root) = project(&[
        ("a.py", "# TODO: a <p=1>\n".to_owned()),
        ("b.py", "# TODO: b <p=1>\n".to_owned()),
    ]);
    fs::set_permissions(root.join("src/a.py"), fs::Permissions::from_mode(0o640)).unwrap();
    fs::hard_link(root.join("src/b.py"), root.join("other-name.py")).unwrap();
    let before = snapshot(&root);
    let refused = run_id(&root, &[]);
    assert_eq!(refused.code, 3, "{}", refused.stderr);
    assert!(
        refused.stderr.contains(
            "<root>/src/b.py: Mutation requires a regular source file with a single link."
        ),
        "{}",
        refused.stderr
    );
    assert!(snapshot(&root) == before, "a refused run wrote");
    fs::remove_file(root.join("other-name.py")).unwrap();
    assert_eq!(run_id(&root, &[]).code, 0);
    let mode = fs::metadata(root.join("src/a.py"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o640);
    assert_eq!(
        fs::read(root.join("src/a.py")).unwrap(),
        b"# TODO: a <p=1 id=1>\n"
    );
}

#[test]
fn paths_are_required_and_missing_ones_named() {
    let work = tempfile::tempdir().unwrap();
    let root = work.path().canonicalize().unwrap();
    fs::write(
        root.join("pyproject.toml"),
        "[tool.pycodetags]\nschema = \"PEP350\"\n",
    )
    .unwrap();
    let out = run_id(&root, &[]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains(
            "Need to specify one or more source files/folders, or set src in the config file."
        ),
        "{}",
        out.stderr
    );
    let out = run_id(&root, &["nowhere"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("nowhere: no such file or directory"),
        "{}",
        out.stderr
    );
    // A path on the command line: only that file is looked at.
    fs::write(root.join("a.py"), "# TODO: a <p=1>\n").unwrap();
    fs::write(root.join("b.py"), "# TODO: b <p=1>\n").unwrap();
    let out = run_id(&root, &["--dry-run", "b.py"]);
    assert_eq!(out.code, 0);
    assert_eq!(
        out.stdout,
        "[dry-run] Would assign 1 id(s) across 1 file(s):\n  <root>/b.py: id=1  TODO: b\n[dry-run] Scanned 1 tag(s); assigned 1; skipped 0 with id, 0 sharing a block, 0 unsupported.\n"
    );
}
