//! The `codetags` binary. The scanning is the library's (`codetags_cli`); what only the command
//! needs — arguments, command handlers, progress, logging, the `--output` file — is in [`app`],
//! private to the binary.

mod app;

fn main() -> std::process::ExitCode {
    app::main()
}
