//! Writes the raw seed inputs of every target into `<out>/<target>/`, from the repository's
//! test fixtures (the `.py` files of `codetags-parse/tests/corpus/` and `examples/demo/`, the
//! demo's `pyproject.toml` and the configurations the settings and CLI tests use) and from a
//! real scan state of the demo. `fuzz/README.md` shows how they are minimised into `corpus/`.
//!
//! `cargo run -p codetags-fuzz --example seeds -- <out>`

use cache_core::Key;
use cache_core::codec::{self, HEADER_LEN, type_fingerprint};
use codetags_cli::config::ProjectConfig;
use codetags_cli::scan::{ScanRequest, ScanState, scan};
use codetags_fuzz::Sample;
use std::path::{Path, PathBuf};

fn main() {
    let out = PathBuf::from(std::env::args().nth(1).expect("usage: seeds <out-dir>"));
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut sources = Vec::new();
    for dir in ["codetags-parse/tests/corpus", "examples/demo"] {
        python_files(&repo.join(dir), &mut sources);
    }
    sources.sort();

    let write = |target: &str, name: String, bytes: &[u8]| {
        let dir = out.join(target);
        std::fs::create_dir_all(&dir).expect("creating the seed folder");
        std::fs::write(dir.join(name), bytes).expect("writing a seed");
    };

    for (i, file) in sources.iter().enumerate() {
        let bytes = std::fs::read(file).expect("a readable fixture");
        write("comments", format!("py-{i:03}"), &bytes);
        for schema in 0..5u8 {
            let mut input = vec![schema];
            input.extend_from_slice(&bytes);
            write("extract", format!("py-{i:03}-schema{schema}"), &input);
        }
    }

    // Entries: mode 0 holds real entries (plain and gzip'd); modes 1 and 2 are value bytes
    // followed by mutations.
    let key = Key::new("codetags_fuzz::entry", &1u8).expect("a u8 encodes");
    let created = chrono::DateTime::from_timestamp_millis(1_750_000_000_000).expect("instant");
    for (i, name) in ["", "TODO", "naïve ☃ 😀"].iter().enumerate() {
        let value = Sample {
            name: (*name).to_owned(),
            numbers: vec![0, 127, 128, u64::MAX],
            flag: i % 2 == 0,
            delta: -(i as i32) * 1000,
            choice: None,
            words: vec!["a".into(), (*name).to_owned()],
            digest: [i as u8; 4],
        };
        for gzip in [false, true] {
            let mut input = vec![0];
            input.extend(codec::encode(&key, &value, created, gzip).expect("encodes"));
            write(
                "entry_decode",
                format!("entry-{i}-gzip{}", u8::from(gzip)),
                &input,
            );
        }
    }
    for (i, input) in [
        &b"\x01\x04TODO\x03\x01\x02\x03\x04\x05\x06\x07\x08\x01\x00\x05\x10"[..],
        b"\x02\x02ab\x01\x7f\x01\x00\x00\x00\x04\x03\x01x\x04\x50\x00\x20\x01",
        b"\x81\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x03\x00\x01\x02\x00\x01\x05\x14\x00",
        b"\x82\x03abc\x02\x01\x02\x03\x04\x05\x06\x07\x08\x09\x00\x01\x04\x00\x00\x14\x00\x00",
    ]
    .iter()
    .enumerate()
    {
        write("entry_decode", format!("mutate-{i}"), input);
    }

    // The demo's scan state, as the CLI caches it, behind each flags byte.
    let state = demo_scan_state(&repo.join("examples/demo"));
    for (name, payload) in [
        ("demo", state),
        (
            "empty",
            postcard::to_stdvec(&ScanState::default()).expect("encodes"),
        ),
    ] {
        for flags in [0u8, 1] {
            let mut input = vec![flags, 0, 0, 7];
            input.extend_from_slice(&payload);
            write("scan_state", format!("{name}-gzip{flags}"), &input);
        }
    }

    let configs: &[&str] = &[
        "",
        "[tool.pycodetags]\nsrc = [\"x\"]\n\n[tool.pycodetags.cache]\nenabled = false\ndir = \"build/cache\"\nttl_days = 3\nenable_version_namespacing = false\nenable_date_subfolders = false\nclean_old_versions = false\ngzip = true\n",
        "[tool.pycodetags.cache]\nttl_days = \"soon\"\n",
        "[tool.pycodetags.cache]\nttl_secs = 5\n",
        "[tool.pycodetags.cache]\nttl_days = 0\n",
        "[tool.pycodetags.cache\nttl_days = 1\n",
        "[tool.pycodetags]\ncache = 5\n",
        "[tool.pycodetags.cache]\ndir = 5\n",
        "[tool.pycodetags]\nschema = \"PEP351\"\n",
        "[tool.pycodetags]\nexclude = 5\n",
        "[tool.pycodetags]\nmodules = [\"x\"]\nactive_schemas = [\"todo\"]\nenable_actions = true\nfrobnicate = 1\n",
        "[tool.pycodetags]\nextensions = [\"py\", \".pyi\"]\nexclude = \"build/\"\n",
        "[tool.pycodetags]\nschema = \"PEP350\"\nschema_paths = [{ path = \"tdg/*\", schema = \"TDG\" }, { path = \"[!a-c]?x*\", schema = \"folk\" }]\n",
        "[tool.pycodetags]\nsrc = \"lib\"\nextensions = []\n",
        "tool = 5\n",
        "[tool]\npycodetags = [1]\n",
    ];
    for (i, config) in configs.iter().enumerate() {
        write("config", format!("test-{i:02}"), config.as_bytes());
    }
    let demo = std::fs::read(repo.join("examples/demo/pyproject.toml")).expect("the demo config");
    write("config", "demo".to_owned(), &demo);
}

fn python_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("a fixture folder") {
        let path = entry.expect("a readable folder").path();
        if path.is_dir() {
            python_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "py") {
            out.push(path);
        }
    }
}

/// Scans the demo with a scan-state cache in a temporary folder and returns the postcard
/// payload of the state entry the CLI wrote.
fn demo_scan_state(demo: &Path) -> Vec<u8> {
    let cache = tempfile::tempdir().expect("a temporary folder");
    let config = ProjectConfig::load(&demo.join("pyproject.toml")).expect("the demo config");
    let request = ScanRequest::new(vec![demo.to_path_buf()], config).with_cache_dir(cache.path());
    scan(&request).expect("the demo scans");
    let mut files = Vec::new();
    all_files(cache.path(), &mut files);
    for file in files {
        let bytes = std::fs::read(&file).expect("a cache file");
        if let Ok(header) = codec::read_header(&bytes)
            && header.type_fingerprint == type_fingerprint::<ScanState>()
            && !header.gzip
        {
            return bytes[HEADER_LEN..].to_vec();
        }
    }
    panic!("the scan wrote no scan-state entry");
}

fn all_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("a cache folder") {
        let path = entry.expect("a readable folder").path();
        if path.is_dir() {
            all_files(&path, out);
        } else {
            out.push(path);
        }
    }
}
