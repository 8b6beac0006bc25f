//! The `codetags` binary: everything lives in the library (`codetags_cli::main`).

fn main() -> std::process::ExitCode {
    codetags_cli::main()
}
