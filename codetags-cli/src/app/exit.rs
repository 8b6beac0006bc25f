//! How a run ends: the exit codes, the error that is the user's to fix, and the broken pipe
//! that is no error at all (`codetags scan | head`).

use std::process::ExitCode;

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: success, also when nothing was found.
    Success,
    /// 1: `--strict` and at least one diagnostic.
    Diagnostics,
    /// 2: usage, configuration or missing-path error.
    Usage,
    /// 1: `codetags check` found at least one error.
    Findings,
    /// 1: `codetags id --check` found tags without an id.
    IdsMissing,
    /// 3: `codetags id` refused (a duplicate or invalid id, an invalid counter, a file that
    /// cannot be read or rewritten); nothing was written.
    Refused,
    /// 4: `codetags id` failed after saving the counter: the files it names as changed are
    /// rewritten, the others untouched; no id will be handed out twice. Run it again.
    PartlyWritten,
}

impl Exit {
    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            Exit::Success => 0,
            Exit::Diagnostics => 1,
            Exit::Usage => 2,
            Exit::Findings => 1,
            Exit::IdsMissing => 1,
            Exit::Refused => 3,
            Exit::PartlyWritten => 4,
        }
    }
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        ExitCode::from(exit.code())
    }
}

/// An error that is the user's to fix (bad config, missing path): exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Whether `err` is, or was caused by, a write to a closed pipe.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
