//! Process setup before a command runs: the tracing subscriber behind `-v`/`-q`/`RUST_LOG`,
//! and surviving a file-size limit.

use super::cli::GlobalArgs;
use std::io::IsTerminal;
#[cfg(unix)]
use std::sync::Arc;

/// Makes a file-size limit (`ulimit -f`, RLIMIT_FSIZE) an `EFBIG` error instead of a fatal
/// signal. By default the kernel kills a process with SIGXFSZ the moment a write crosses the
/// limit: exit 153, no output, a temp file left behind. With a handler installed the write
/// fails with `EFBIG`, which the cache treats like a full disk (a warning, the entry not
/// written) and the report like any other write error. A handler, unlike `SIG_IGN`, is reset by
/// `exec`, so programs we start (git) see the default disposition.
pub fn survive_file_size_limit() {
    #[cfg(unix)]
    {
        let flag = Arc::new(std::sync::atomic::AtomicBool::new(false));
        if let Err(err) = signal_hook::flag::register(signal_hook::consts::SIGXFSZ, flag) {
            tracing::debug!(%err, "cannot handle SIGXFSZ; a file-size limit will stop the run");
        }
    }
}

/// Installs the stderr logger: `-q`/`-v` pick the level, `RUST_LOG` overrides it.
pub fn init_logging(global: &GlobalArgs) {
    use tracing_subscriber::EnvFilter;
    // `-q` silences only the closing summary lines; warnings go only with `-qq`.
    let level = match (global.verbose, global.quiet) {
        (0, 0 | 1) => "warn",
        (0, 2) => "error",
        (0, _) => "off",
        (1, _) => "info",
        (2, _) => "debug",
        _ => "trace",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(level));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .without_time()
        .try_init();
}
