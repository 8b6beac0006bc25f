//! Warnings a program must not miss. They go through `tracing`; a program that installed no
//! subscriber would never see them, so then they go to standard error instead (once each, for
//! the `_once` kind), as pycodetags' own memoizer prints its "persistent memoization disabled".

use std::collections::HashSet;
use std::sync::{Mutex, OnceLock};

/// Logs `message` as a warning; on standard error when no `tracing` subscriber is installed.
pub(crate) fn warn(message: &str) {
    tracing::warn!("{message}");
    if no_subscriber() {
        eprintln!("warning (cache-core): {message}");
    }
}

/// [`warn`], at most once per process for each distinct message; later calls log at debug level.
pub(crate) fn warn_once(message: &str) {
    static GIVEN: OnceLock<Mutex<HashSet<String>>> = OnceLock::new();
    let first = GIVEN
        .get_or_init(Default::default)
        .lock()
        .map(|mut given| given.insert(message.to_owned()))
        .unwrap_or(true);
    if first {
        warn(message);
    } else {
        tracing::debug!("{message}");
    }
}

fn no_subscriber() -> bool {
    tracing::dispatcher::get_default(|dispatch| dispatch.is::<tracing::subscriber::NoSubscriber>())
}
