use cache_core::persistent_memoize;

#[persistent_memoize(ttl = 60)]
fn a(n: u32) -> u32 {
    n
}

#[persistent_memoize(organise_by_date = true)]
fn b(n: u32) -> u32 {
    n
}

fn main() {}
