//! The `codetags` binary: everything lives in the library (`codetags_cli::main`).

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    codetags_cli::main()
}
