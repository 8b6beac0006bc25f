//! `#[persistent_memoize]` in a plain Rust program: no `pyproject.toml`, no configuration.
//!
//! ```sh
//! cargo run -p cache-core --example plain_rust -- 35   # slow the first time, instant after
//! ```
//!
//! Outside a Python project the entries go to the user's cache folder,
//! `~/.cache/cache-core/plain_rust/` on Linux (`$XDG_CACHE_HOME` when set); inside one, to
//! `.pycodetags_cache/` beside its `pyproject.toml`. `PYCODETAGS_CACHE_DIR` chooses another
//! folder, `PYCODETAGS_CACHE_ENABLED=false` turns caching off.

use cache_core::persistent_memoize;

/// Deliberately slow: every call below the top one is a cache lookup after the first run.
#[persistent_memoize(ttl_seconds = 86_400)]
fn fib(n: u64) -> u64 {
    if n < 2 { n } else { fib(n - 1) + fib(n - 2) }
}

/// Only `Ok` values are stored; a failure is computed again next time.
#[persistent_memoize(organize_by_date = false)]
fn parse(text: String) -> Result<u64, String> {
    text.trim()
        .parse()
        .map_err(|e| format!("{text:?} is not a number: {e}"))
}

fn main() {
    let arg = std::env::args().nth(1).unwrap_or_else(|| "30".to_owned());
    let n = match parse(arg) {
        Ok(n) => n,
        Err(message) => {
            eprintln!("{message}");
            std::process::exit(2);
        }
    };
    println!("fib({n}) = {}", fib(n));

    let cache = cache_core::memo::default_cache(env!("CARGO_PKG_VERSION"));
    match (cache.disabled_reason(), cache.root()) {
        (Some(reason), _) => println!("not cached: {reason}"),
        (None, Some(root)) => println!("cached in {}: {:?}", root.display(), cache.stats()),
        (None, None) => {}
    }
    for problem in &cache_core::memo::default_settings().ignored {
        println!("setting ignored: {problem}");
    }
}
