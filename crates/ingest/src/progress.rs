//! What a run tells its front end while it works: progress, warnings, and whether to stop ([`Progress`]), and
//! [`NoProgress`], the observer that ignores everything (which also stands for "no observer" wherever the
//! workspace takes one, e.g. `barsmith-binance`'s fetch). A leaf below every crate that runs over trade files,
//! so that `barsmith`'s `run` and `parallel` both use it without importing each other.

use barsmith_core::Named;

/// Observes progress; called from worker threads.
pub trait Progress: Sync {
    /// The run is about to read `total_bytes` of input (file sizes; 0 when unknown, e.g. stdin).
    fn started(&self, total_bytes: u64) {
        let _ = total_bytes;
    }
    /// `bytes` more input bytes and `trades` more trades were consumed.
    fn advanced(&self, bytes: u64, trades: u64);
    /// Something the user must know that does not stop the run (one line, no `warning:` prefix), e.g. a
    /// window longer than the `max_window_records` setting whose features are null; the front end spells the
    /// settings it names ([`Named::spell`]). Ignored by default.
    fn warning(&self, message: &Named) {
        let _ = message;
    }
    /// `true` when the run must stop (e.g. Ctrl-C in Python): it is asked between batches, and the run then
    /// ends with an error that says so (`barsmith::ErrorKind::Cancelled`), writing nothing. Never by default.
    fn cancelled(&self) -> bool {
        false
    }
}

/// An observer that ignores everything.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn advanced(&self, _bytes: u64, _trades: u64) {}
}
