use cache_core::persistent_memoize;

struct Connection;

#[derive(Debug)]
struct Report;

#[persistent_memoize]
fn query(connection: &Connection, id: u32) -> u32 {
    let _ = connection;
    id
}

#[persistent_memoize]
fn report(id: u32) -> Report {
    let _ = id;
    Report
}

fn main() {}
