//! [`ScanRequest`]: what to scan and how, and [`ResultSettings::of`], the part of it that
//! decides results (the state key's fingerprint). The fingerprint's type is the state layer's,
//! as it is part of the key; it is built here because it must destructure every field of the
//! request, so that a new field cannot be forgotten.

use crate::config::ProjectConfig;
use crate::extract::{self, Tokenize};
use crate::state::{CoreStateStore, ResultSettings, StateStore};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicUsize;

/// What to scan and how.
#[derive(Debug, Clone)]
pub struct ScanRequest {
    /// Paths (folders or files) to scan; empty means the config's `src`, else `.`.
    pub paths: Vec<PathBuf>,
    /// The project configuration (schema, excludes, extensions).
    pub config: ProjectConfig,
    /// Where scan state is cached; `None` scans without any cache.
    pub cache: Option<Arc<dyn StateStore>>,
    /// Worker threads; 0 = one per CPU.
    pub threads: usize,
    /// Follow symbolic links.
    pub follow_symlinks: bool,
    /// Which files are tokenized (default: those that may hold tags).
    pub tokenize: Tokenize,
    /// A folder never walked (the cache root, when it lies inside the tree).
    pub skip_dir: Option<PathBuf>,
    /// Incremented once per file visited, for a progress display.
    pub progress: Option<Arc<AtomicUsize>>,
}

impl ScanRequest {
    /// A request for `paths` with `config`, no cache, one thread per CPU.
    ///
    /// ```
    /// use codetags_cli::{config::ProjectConfig, scan::{scan, ScanRequest}};
    /// let dir = tempfile::tempdir().unwrap();
    /// std::fs::write(dir.path().join("a.py"), "x = 1  # TODO: tidy up <alice>\n").unwrap();
    /// let request = ScanRequest::new(vec![dir.path().to_path_buf()], ProjectConfig::defaults(dir.path()));
    /// let outcome = scan(&request).unwrap();
    /// assert_eq!(outcome.tag_count(), 1);
    /// assert_eq!(outcome.stats.files, 1);
    /// ```
    pub fn new(paths: Vec<PathBuf>, config: ProjectConfig) -> Self {
        Self {
            paths,
            config,
            cache: None,
            threads: 0,
            follow_symlinks: false,
            tokenize: Tokenize::default(),
            skip_dir: None,
            progress: None,
        }
    }
}

impl ScanRequest {
    /// Caches scan state in the filesystem cache at `root` with default settings
    /// (`[tool.pycodetags.cache]` defaults: versioned, dated, 7-day TTL, uncompressed).
    ///
    /// ```
    /// use codetags_cli::{config::ProjectConfig, scan::{scan, ScanRequest}};
    /// let dir = tempfile::tempdir().unwrap();
    /// std::fs::write(dir.path().join("a.py"), "# TODO: cache me <p:1>\n").unwrap();
    /// let request = ScanRequest::new(vec![dir.path().into()], ProjectConfig::defaults(dir.path()))
    ///     .with_cache_dir(dir.path().join(".pycodetags_cache"));
    /// let cold = scan(&request).unwrap();
    /// assert_eq!((cold.stats.parsed, cold.stats.states_written), (1, 1));
    /// ```
    pub fn with_cache_dir(mut self, root: impl AsRef<Path>) -> Self {
        let settings = cache_core::CacheSettings::default();
        let store = CoreStateStore::open(root.as_ref(), &settings);
        self.skip_dir = Some(root.as_ref().to_path_buf());
        self.cache = Some(Arc::new(store));
        self
    }
}

impl ResultSettings {
    /// The result-affecting settings of `request`.
    ///
    /// ```
    /// use codetags_cli::{config::ProjectConfig, scan::ScanRequest, state::ResultSettings};
    /// let mut request = ScanRequest::new(vec![], ProjectConfig::defaults("."));
    /// let before = ResultSettings::of(&request);
    /// request.config.exclude.push("build".into());
    /// assert_ne!(ResultSettings::of(&request), before);
    /// request.threads = 7; // how fast, not what
    /// request.config.exclude.pop();
    /// assert_eq!(ResultSettings::of(&request), before);
    /// ```
    pub fn of(request: &ScanRequest) -> ResultSettings {
        let ScanRequest {
            // Each root has a state of its own; its path is in the key.
            paths: _,
            config,
            // Where states are kept, how fast and how visibly: not what is found.
            cache: _,
            threads: _,
            progress: _,
            follow_symlinks,
            tokenize,
            skip_dir,
        } = request;
        let ProjectConfig {
            // Where the settings came from, not what they are.
            file: _,
            base_dir,
            // Default roots: each root's path is in its key.
            src: _,
            exclude,
            schema,
            schema_paths,
            extensions,
            // Blame is asked of git after the scan and cached under its own keys
            // (`blame::BlameKey`); the scan's records do not hold it.
            blame: _,
            warnings: _,
        } = config;
        ResultSettings {
            base_dir: base_dir.to_string_lossy().into_owned(),
            schema: extract::schema_name(schema),
            schema_paths: schema_paths
                .iter()
                .map(|sp| (sp.pattern.clone(), extract::schema_name(&sp.schema)))
                .collect(),
            exclude: exclude.clone(),
            extensions: extensions.clone(),
            follow_symlinks: *follow_symlinks,
            tokenize_all: *tokenize == Tokenize::All,
            skip_dir: skip_dir
                .as_ref()
                .map(|dir| dir.to_string_lossy().into_owned()),
        }
    }
}
