//! The workloads behind each benchmark of the suite. Each setup function builds its inputs
//! (untimed) and returns the [`Workload`] the harness and criterion time.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use cache_core::{Cache, CacheSettings, Key};
use cache_evict::EvictOptions;
use cache_layout::{CACHEDIR_TAG, CACHEDIR_TAG_CONTENT, Layout, LayoutOptions};
use chrono::{TimeDelta, Utc};
use codetags_cli::config::ProjectConfig;
use codetags_cli::report::{self, Format, RenderOptions};
use codetags_cli::scan::{LazyOutcome, ScanRequest, scan_lazy};
use codetags_cli::state::{CoreStateStore, StateStore};
use codetags_parse::Schema;
use tempfile::TempDir;

use crate::measure::{BenchError, Workload};
use crate::suite::{Inputs, python_files};
use crate::synthetic::{self, Grammar};

type Built = Result<Box<dyn Workload>, BenchError>;

fn temp_dir(prefix: &str) -> Result<TempDir, BenchError> {
    tempfile::Builder::new()
        .prefix(prefix)
        .tempdir()
        .map_err(|e| BenchError::io(std::env::temp_dir(), e))
}

fn remove_dir_if_present(dir: &Path) -> Result<(), BenchError> {
    match std::fs::remove_dir_all(dir) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(BenchError::io(dir, e)),
        _ => Ok(()),
    }
}

// ------------------------------------------------------------------------------------ scans

/// `codetags scan TREE --format json > /dev/null`, in process: open the cache, scan, render the
/// pycodetags JSON into a sink, record the last-scan statistics and run the once-a-day cleanup,
/// as `codetags scan` does.
struct ScanTree {
    tree: PathBuf,
    cache_root: PathBuf,
    settings: CacheSettings,
    /// Empty the cache before every iteration.
    cold: bool,
    _dir: TempDir,
    /// A generated tree, removed with the workload.
    _tree: Option<TempDir>,
}

impl ScanTree {
    fn new(tree: PathBuf, cold: bool) -> Result<ScanTree, BenchError> {
        let dir = temp_dir("codetags-bench-scan-")?;
        let cache_root = dir.path().join(cache_core::ROOT_DIR_NAME);
        let mut w = ScanTree {
            tree,
            cache_root,
            settings: CacheSettings::default(),
            cold,
            _dir: dir,
            _tree: None,
        };
        // The first scan checks the tree scans at all and, for a warm benchmark, fills the cache.
        w.run()?;
        if !cold {
            let outcome = w.scan_once()?.0;
            if outcome.stats.states_loaded == 0 {
                return Err(BenchError::Failed(format!(
                    "a second scan of {} did not load the scan state it had just written",
                    w.tree.display()
                )));
            }
        }
        Ok(w)
    }

    fn scan_once(&self) -> Result<(LazyOutcome, Arc<CoreStateStore>), BenchError> {
        let store = Arc::new(CoreStateStore::open(&self.cache_root, &self.settings));
        let mut request =
            ScanRequest::new(vec![self.tree.clone()], ProjectConfig::defaults(&self.tree));
        request.cache = Some(store.clone() as Arc<dyn StateStore>);
        request.skip_dir = Some(self.cache_root.clone());
        let outcome = scan_lazy(&request).map_err(|e| BenchError::Failed(e.to_string()))?;
        Ok((outcome, store))
    }
}

impl Workload for ScanTree {
    fn has_preparation(&self) -> bool {
        self.cold
    }

    fn prepare(&mut self) -> Result<(), BenchError> {
        if self.cold {
            remove_dir_if_present(&self.cache_root)?;
        }
        Ok(())
    }

    fn run(&mut self) -> Result<u64, BenchError> {
        let (outcome, store) = self.scan_once()?;
        report::render_lazy(
            &outcome,
            Format::Json,
            &RenderOptions::default(),
            &mut io::sink(),
        )
        .map_err(|e| BenchError::Failed(format!("rendering JSON: {e}")))?;
        store.record_last_scan(outcome.stats, outcome.elapsed);
        store.auto_cleanup();
        Ok((outcome.stats.files + outcome.tag_count()) as u64)
    }
}

fn http_package(inputs: &Inputs) -> Result<PathBuf, BenchError> {
    let http = inputs.stdlib()?.join("http");
    if http.is_dir() {
        Ok(http)
    } else {
        Err(BenchError::Unavailable(format!(
            "{} is not a folder (this Python has no `http` package)",
            http.display()
        )))
    }
}

pub(super) fn collect_stdlib_cold(inputs: &Inputs) -> Built {
    Ok(Box::new(ScanTree::new(http_package(inputs)?, true)?))
}

pub(super) fn collect_stdlib_warm(inputs: &Inputs) -> Built {
    Ok(Box::new(ScanTree::new(http_package(inputs)?, false)?))
}

/// A generated tree (`generated::Kind`), written once per process into a temporary folder,
/// left to age past the racy-timestamp window (2 s) so a warm scan can trust its records.
fn generated(kind: crate::generated::Kind, cold: bool) -> Built {
    let tree = temp_dir("codetags-bench-tree-")?;
    let root = tree.path().join("tree");
    kind.generate(&root).map_err(|e| BenchError::io(&root, e))?;
    std::thread::sleep(std::time::Duration::from_millis(2500));
    let mut w = ScanTree::new(root, cold)?;
    w._tree = Some(tree);
    Ok(Box::new(w))
}

pub(super) fn generated_tree_cold(inputs: &Inputs) -> Built {
    generated(
        crate::generated::Kind::Tree(200_000 / inputs.generated_divisor()),
        true,
    )
}

pub(super) fn generated_tree_warm(inputs: &Inputs) -> Built {
    generated(
        crate::generated::Kind::Tree(200_000 / inputs.generated_divisor()),
        false,
    )
}

pub(super) fn tag_file_cold(inputs: &Inputs) -> Built {
    generated(
        crate::generated::Kind::Tags(1_000_000 / inputs.generated_divisor()),
        true,
    )
}

pub(super) fn inspect_repo_cold(inputs: &Inputs) -> Built {
    Ok(Box::new(ScanTree::new(
        inputs.stdlib()?.to_path_buf(),
        true,
    )?))
}

pub(super) fn inspect_repo_warm(inputs: &Inputs) -> Built {
    Ok(Box::new(ScanTree::new(
        inputs.stdlib()?.to_path_buf(),
        false,
    )?))
}

// --------------------------------------------------------------------------- comment finder

/// How many of the largest stdlib files `comment_finder` holds in memory.
pub(crate) const LARGEST_FILES: usize = 10;

struct CommentFinder {
    texts: Vec<String>,
    bytes: u64,
}

impl Workload for CommentFinder {
    fn run(&mut self) -> Result<u64, BenchError> {
        Ok(self
            .texts
            .iter()
            .map(|t| codetags_parse::find_comments(t).comments.len() as u64)
            .sum())
    }

    fn bytes(&self) -> Option<u64> {
        Some(self.bytes)
    }
}

/// The decoded text of the `n` largest `.py` files of the stdlib proper (third-party
/// `site-packages` left out), largest first; files that do not decode are passed over.
pub(crate) fn largest_stdlib_texts(stdlib: &Path, n: usize) -> Vec<(PathBuf, String)> {
    let mut files = python_files(stdlib, &["site-packages", "dist-packages", "__pycache__"]);
    files.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    files
        .into_iter()
        .filter_map(|(path, _)| {
            let bytes = std::fs::read(&path).ok()?;
            let source = codetags_parse::decode(&bytes).ok()?;
            Some((path, source.text))
        })
        .take(n)
        .collect()
}

pub(super) fn comment_finder(inputs: &Inputs) -> Built {
    let texts: Vec<String> = largest_stdlib_texts(inputs.stdlib()?, LARGEST_FILES)
        .into_iter()
        .map(|(_, text)| text)
        .collect();
    if texts.is_empty() {
        return Err(BenchError::Unavailable(
            "the stdlib folder holds no decodable .py file".to_owned(),
        ));
    }
    let bytes = texts.iter().map(|t| t.len() as u64).sum();
    Ok(Box::new(CommentFinder { texts, bytes }))
}

// ---------------------------------------------------------------------------- tag parsing

struct ParseCodetags {
    source: Vec<u8>,
    schema: Schema,
}

impl Workload for ParseCodetags {
    fn run(&mut self) -> Result<u64, BenchError> {
        let found = codetags_parse::extract_tags(&self.source, self.schema)
            .map_err(|e| BenchError::Failed(format!("synthetic source does not decode: {e}")))?;
        Ok(found.tags.len() as u64)
    }

    fn bytes(&self) -> Option<u64> {
        Some(self.source.len() as u64)
    }
}

/// The schema that reads `grammar`.
pub(crate) fn schema_of(grammar: Grammar) -> Schema {
    match grammar {
        Grammar::Pep350 => Schema::Pep350,
        Grammar::Tdg => Schema::Tdg,
        Grammar::Folk => Schema::Folk,
    }
}

fn parse_codetags(grammar: Grammar) -> Built {
    let mut w = ParseCodetags {
        source: synthetic::generate(grammar, synthetic::BLOCKS, synthetic::SEED).into_bytes(),
        schema: schema_of(grammar),
    };
    if w.run()? == 0 {
        return Err(BenchError::Failed(format!(
            "the {} schema finds no tag in the synthetic {} blocks",
            w.schema.name(),
            grammar.name()
        )));
    }
    Ok(Box::new(w))
}

pub(super) fn parse_pep350(_: &Inputs) -> Built {
    parse_codetags(Grammar::Pep350)
}

pub(super) fn parse_tdg(_: &Inputs) -> Built {
    parse_codetags(Grammar::Tdg)
}

pub(super) fn parse_folk(_: &Inputs) -> Built {
    parse_codetags(Grammar::Folk)
}

// ------------------------------------------------------------------------------------ cache

/// Entries in the cache fixture of the hit/miss/put benchmarks.
const CACHE_ENTRIES: u64 = 1000;
/// Size of each entry's value.
const CACHE_VALUE_BYTES: usize = 1024;

fn key(name: &str, i: u64) -> Result<Key, BenchError> {
    Key::new(name, &i).map_err(|e| BenchError::Failed(e.to_string()))
}

fn keys(name: &str, count: u64) -> Result<Vec<Key>, BenchError> {
    (0..count).map(|i| key(name, i)).collect()
}

/// A filesystem cache in a temporary folder with [`CACHE_ENTRIES`] values of 1 KiB.
struct CacheFixture {
    cache: Cache,
    entries: u64,
    value: Vec<u8>,
    next: u64,
    _dir: TempDir,
}

impl CacheFixture {
    fn new(inputs: &Inputs) -> Result<CacheFixture, BenchError> {
        let entries = CACHE_ENTRIES / inputs.fixture_divisor() as u64;
        let dir = temp_dir("codetags-bench-cache-")?;
        let root = dir.path().join(cache_core::ROOT_DIR_NAME);
        let cache = Cache::open(
            &CacheSettings::default(),
            Some(&root),
            env!("CARGO_PKG_VERSION"),
        );
        let value: Vec<u8> = (0..CACHE_VALUE_BYTES).map(|i| (i % 251) as u8).collect();
        for k in keys("entry", entries)? {
            cache
                .put(&k, &value)
                .map_err(|e| BenchError::Failed(format!("filling the cache fixture: {e}")))?;
        }
        // The fixture is useless if entries do not read back.
        if cache.get::<Vec<u8>>(&key("entry", 0)?).as_ref() != Some(&value) {
            return Err(BenchError::Failed(
                "the cache fixture does not read back what was put".to_owned(),
            ));
        }
        Ok(CacheFixture {
            cache,
            entries,
            value,
            next: 0,
            _dir: dir,
        })
    }

    fn next_index(&mut self) -> usize {
        self.next += 1;
        (self.next % self.entries) as usize
    }
}

struct CacheHit {
    fixture: CacheFixture,
    keys: Vec<Key>,
}

impl Workload for CacheHit {
    fn run(&mut self) -> Result<u64, BenchError> {
        let i = self.fixture.next_index();
        let got = self.fixture.cache.get::<Vec<u8>>(&self.keys[i]);
        got.map(|v| v.len() as u64)
            .ok_or_else(|| BenchError::Failed("cache/hit: a stored entry was missed".to_owned()))
    }
}

pub(super) fn cache_hit(inputs: &Inputs) -> Built {
    let fixture = CacheFixture::new(inputs)?;
    let keys = keys("entry", fixture.entries)?;
    Ok(Box::new(CacheHit { fixture, keys }))
}

struct CacheMiss {
    fixture: CacheFixture,
    keys: Vec<Key>,
}

impl Workload for CacheMiss {
    fn run(&mut self) -> Result<u64, BenchError> {
        let i = self.fixture.next_index();
        match self.fixture.cache.get::<Vec<u8>>(&self.keys[i]) {
            None => Ok(i as u64),
            Some(_) => Err(BenchError::Failed(
                "cache/miss: an absent key was found".to_owned(),
            )),
        }
    }
}

pub(super) fn cache_miss(inputs: &Inputs) -> Built {
    let fixture = CacheFixture::new(inputs)?;
    let keys = keys("absent", fixture.entries)?;
    Ok(Box::new(CacheMiss { fixture, keys }))
}

/// Each iteration stores a new key (a new file, as the first scan of a tree does).
struct CachePut {
    fixture: CacheFixture,
}

impl Workload for CachePut {
    fn run(&mut self) -> Result<u64, BenchError> {
        self.fixture.next += 1;
        let k = key("put", self.fixture.next)?;
        self.fixture
            .cache
            .put(&k, &self.fixture.value)
            .map_err(|e| BenchError::Failed(format!("cache/put: {e}")))?;
        Ok(self.fixture.next)
    }
}

pub(super) fn cache_put(inputs: &Inputs) -> Built {
    Ok(Box::new(CachePut {
        fixture: CacheFixture::new(inputs)?,
    }))
}

// ------------------------------------------------------------------------------------ prune

/// Entries in the prune fixture, spread evenly over [`PRUNE_DAYS`] day folders.
const PRUNE_ENTRIES: usize = 2000;
const PRUNE_DAYS: i64 = 30;
const PRUNE_TTL_DAYS: i64 = 7;

/// `evict_old_caches` with a 7-day TTL over a cache of 2,000 tiny entries in the last 30 day
/// folders. Preparation (untimed) re-creates the entries of the stale days the previous
/// iteration removed.
struct Prune {
    layout: Layout,
    /// Entry paths of the days past the TTL: what each iteration removes.
    stale: Vec<PathBuf>,
    _dir: TempDir,
}

impl Prune {
    fn new(inputs: &Inputs) -> Result<Prune, BenchError> {
        let dir = temp_dir("codetags-bench-prune-")?;
        let root = dir.path().join(cache_core::ROOT_DIR_NAME);
        let layout = Layout::new(
            root.clone(),
            LayoutOptions {
                version: Some(cache_layout::cache_version(
                    env!("CARGO_PKG_VERSION"),
                    cache_core::CACHE_FORMAT,
                )),
                date_subfolders: true,
                gzip: false,
            },
        );
        std::fs::create_dir_all(&root).map_err(|e| BenchError::io(&root, e))?;
        let tag = root.join(CACHEDIR_TAG);
        std::fs::write(&tag, CACHEDIR_TAG_CONTENT).map_err(|e| BenchError::io(&tag, e))?;
        let today = Utc::now().date_naive();
        let mut stale = Vec::new();
        for i in 0..PRUNE_ENTRIES / inputs.fixture_divisor() {
            let age = i as i64 % PRUNE_DAYS;
            let date = today - TimeDelta::days(age);
            let mut k = [0u8; 32];
            k[..8].copy_from_slice(&(i as u64).to_le_bytes());
            let path = layout.path_for(&k, date);
            write_entry(&path)?;
            if age > PRUNE_TTL_DAYS {
                stale.push(path);
            }
        }
        let mut w = Prune {
            layout,
            stale,
            _dir: dir,
        };
        if w.run()? == 0 {
            return Err(BenchError::Failed(
                "evict_old_caches removed nothing from the prune fixture".to_owned(),
            ));
        }
        Ok(w)
    }
}

fn write_entry(path: &Path) -> Result<(), BenchError> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| BenchError::io(parent, e))?;
    }
    std::fs::write(path, b"entry").map_err(|e| BenchError::io(path, e))
}

impl Workload for Prune {
    fn has_preparation(&self) -> bool {
        true
    }

    fn prepare(&mut self) -> Result<(), BenchError> {
        self.stale.iter().try_for_each(|p| write_entry(p))
    }

    fn run(&mut self) -> Result<u64, BenchError> {
        let report = cache_evict::evict_old_caches(
            &self.layout,
            TimeDelta::days(PRUNE_TTL_DAYS),
            &EvictOptions::new(Utc::now()),
        )
        .map_err(|e| BenchError::Failed(format!("evict_old_caches: {e}")))?;
        if let Some((path, message)) = report.errors.first() {
            return Err(BenchError::Failed(format!(
                "evict_old_caches: {}: {message}",
                path.display()
            )));
        }
        Ok(report.entries_removed + report.unsized_files)
    }
}

pub(super) fn prune_day_folders(inputs: &Inputs) -> Built {
    Ok(Box::new(Prune::new(inputs)?))
}
