use cache_core::persistent_memoize;

#[persistent_memoize(key(path, mode))]
fn open(path: String, verbose: bool) -> u32 {
    let _ = (path, verbose);
    1
}

fn main() {}
