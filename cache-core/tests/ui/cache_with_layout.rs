use std::sync::LazyLock;
use cache_core::{persistent_memoize, Cache};

static CACHE: LazyLock<Cache> = LazyLock::new(Cache::disabled);

#[persistent_memoize(cache = &CACHE, organize_by_date = false)]
fn f(n: u32) -> u32 {
    n
}

fn main() {}
