//! Everything only the `codetags` command needs, on top of the library: the clap types
//! ([`cli`]), the `scan` handler ([`commands`]), the `data` handler ([`data_cmd`]) and the
//! `cache …` handlers ([`cache_cmd`]), the progress spinner ([`progress`]), logging
//! ([`logging`]) and the atomic `--output` file ([`output`]), with [`exit`] (exit codes) and
//! [`project`] (the configuration) under them. Nothing here is reachable from the library,
//! which never depends on the command line.

mod cache_cmd;
mod check_cmd;
mod cli;
mod commands;
mod data_cmd;
mod exit;
mod id_cmd;
mod logging;
mod output;
mod progress;
mod project;

use clap::Parser;
use cli::{Cli, Command};
use exit::{Exit, is_broken_pipe};
use std::process::ExitCode;

/// The whole program: parses the arguments, runs, prints errors, returns the exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            // --help and --version print to stdout and succeed; usage errors exit 2.
            let code = if err.use_stderr() {
                Exit::Usage
            } else {
                Exit::Success
            };
            let _ = err.print();
            return code.into();
        }
    };
    logging::init_logging(&cli.global);
    logging::survive_file_size_limit();
    match run(cli) {
        Ok(exit) => exit.into(),
        Err(err) => {
            if is_broken_pipe(&err) {
                return Exit::Success.into();
            }
            eprintln!("codetags: error: {err:#}");
            Exit::Usage.into()
        }
    }
}

/// Runs parsed arguments. Errors are configuration, usage or I/O failures (exit code 2).
pub fn run(cli: Cli) -> anyhow::Result<Exit> {
    match cli.command {
        Command::Scan(args) => commands::run_scan(&cli.global, args),
        Command::Data(args) => data_cmd::run_data(&cli.global, args),
        Command::Cache(command) => cache_cmd::run_cache_command(&cli.global, command),
        Command::Check(args) => check_cmd::run_check(&cli.global, args),
        Command::Id(args) => id_cmd::run_id(&cli.global, args),
    }
}
