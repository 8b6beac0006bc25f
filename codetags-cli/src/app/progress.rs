//! The progress spinner on stderr while a long scan runs.

use codetags_cli::scan::{self, LazyOutcome, ScanError, ScanRequest};
use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// [`scan_with_progress`], the outcome decoded: for the commands that work on the tags
/// themselves (`check`, `data`) rather than streaming a report.
pub fn scan_outcome_with_progress(
    request: ScanRequest,
    allowed: bool,
) -> Result<scan::ScanOutcome, ScanError> {
    scan_with_progress(request, allowed).map(|lazy| lazy.to_outcome())
}

/// Runs the scan on a worker thread; when stderr is a terminal and the scan lasts more than
/// a moment, shows a spinner with the number of files visited.
pub fn scan_with_progress(
    mut request: ScanRequest,
    allowed: bool,
) -> Result<LazyOutcome, ScanError> {
    if !allowed || !std::io::stderr().is_terminal() {
        return scan::scan_lazy(&request);
    }
    let counter = Arc::new(AtomicUsize::new(0));
    request.progress = Some(counter.clone());
    std::thread::scope(|scope| {
        let worker = scope.spawn(|| scan::scan_lazy(&request));
        let mut bar: Option<indicatif::ProgressBar> = None;
        let mut waited = Duration::ZERO;
        let tick = Duration::from_millis(50);
        while !worker.is_finished() {
            std::thread::sleep(tick);
            waited += tick;
            if waited >= Duration::from_millis(300) {
                let bar = bar.get_or_insert_with(|| {
                    let bar = indicatif::ProgressBar::with_draw_target(
                        None,
                        indicatif::ProgressDrawTarget::stderr(),
                    );
                    bar.set_style(
                        indicatif::ProgressStyle::with_template("{spinner} {msg} [{elapsed}]")
                            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
                    );
                    bar
                });
                bar.set_message(format!("{} files", counter.load(Ordering::Relaxed)));
                bar.tick();
            }
        }
        if let Some(bar) = bar {
            bar.finish_and_clear();
        }
        worker
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}
