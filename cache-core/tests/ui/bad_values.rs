use cache_core::persistent_memoize;

#[persistent_memoize(ttl_seconds = 0)]
fn zero(n: u32) -> u32 {
    n
}

#[persistent_memoize(ttl_seconds = 60, ttl_days = 1)]
fn both(n: u32) -> u32 {
    n
}

#[persistent_memoize(gzip = "yes")]
fn string_flag(n: u32) -> u32 {
    n
}

#[persistent_memoize(gzip = true, gzip = false)]
fn twice(n: u32) -> u32 {
    n
}

fn main() {}
