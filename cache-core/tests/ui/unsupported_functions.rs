use cache_core::persistent_memoize;

struct Counter(u32);

impl Counter {
    #[persistent_memoize]
    fn get(&self) -> u32 {
        self.0
    }
}

#[persistent_memoize]
async fn fetch(n: u32) -> u32 {
    n
}

#[persistent_memoize]
fn generic<T: serde::Serialize>(value: T) -> u32 {
    let _ = value;
    1
}

#[persistent_memoize]
fn nothing(n: u32) {
    let _ = n;
}

#[persistent_memoize]
fn pattern((a, b): (u32, u32)) -> u32 {
    a + b
}

#[persistent_memoize]
fn borrowed(text: &str) -> &str {
    text
}

#[persistent_memoize]
fn opaque(items: impl Iterator<Item = u32>) -> u32 {
    items.sum()
}

#[persistent_memoize]
struct NotAFunction;

fn main() {}
