//! The floor under a cold scan: the scanner's own walk (same walker, same filters, same thread
//! count) opening, `fstat`-ing and reading every selected file into a reused buffer, and doing
//! nothing else. What a cold scan costs above this is decoding, tag finding, hashing and the
//! cache; `docs/PERFORMANCE.md` compares both with ripgrep.
//!
//! ```sh
//! cargo run --release -p codetags-bench --example read_floor -- PATH [THREADS]
//! ```

use codetags_cli::config::ProjectConfig;
use codetags_cli::walk::{WalkOptions, walk};
use std::io::Read;
use std::path::PathBuf;

fn main() -> std::process::ExitCode {
    let mut args = std::env::args_os().skip(1);
    let Some(root) = args.next().map(PathBuf::from) else {
        eprintln!("usage: read_floor PATH [THREADS]");
        return std::process::ExitCode::from(2);
    };
    let threads = args
        .next()
        .and_then(|t| t.to_str().and_then(|t| t.parse().ok()))
        .unwrap_or(2);
    let config = ProjectConfig::defaults(&root);
    let options = WalkOptions {
        threads,
        follow_symlinks: false,
        skip_dir: None,
    };
    let (sizes, errors) = walk(
        &root,
        "",
        &config,
        &options,
        |buffer: &mut Vec<u8>, file| {
            let mut handle = std::fs::File::open(file.path).ok()?;
            let size = usize::try_from(handle.metadata().ok()?.len()).ok()?;
            buffer.clear();
            buffer.resize(size.max(1), 0);
            let mut filled = 0;
            while filled < size {
                match handle.read(&mut buffer[filled..size]) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => filled += n,
                }
            }
            Some(filled as u64)
        },
    );
    let bytes: u64 = sizes.iter().sum();
    println!(
        "{} files, {bytes} bytes read, {} walk errors",
        sizes.len(),
        errors.len()
    );
    std::process::ExitCode::SUCCESS
}
