//! What a run tells its front end while it works: progress, warnings, and whether to stop. A leaf, so that
//! `run` and `parallel` both use it without importing each other.

/// Observes a run; called from worker threads.
pub trait Progress: Sync {
    /// The run is about to read `total_bytes` of input (file sizes; 0 when unknown, e.g. stdin).
    fn started(&self, total_bytes: u64) {
        let _ = total_bytes;
    }
    /// `bytes` more input bytes and `trades` more trades were consumed.
    fn advanced(&self, bytes: u64, trades: u64);
    /// Something the user must know that does not stop the run (one line, no `warning:` prefix), e.g. a
    /// window longer than `max_window_records` whose features are null. Ignored by default.
    fn warning(&self, message: &str) {
        let _ = message;
    }
    /// `true` when the run must stop (e.g. Ctrl-C in Python): it is asked between batches, and the run then
    /// ends with [`crate::ErrorKind::Cancelled`], writing nothing. Never by default.
    fn cancelled(&self) -> bool {
        false
    }
}

/// A [`Progress`] that ignores everything.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn advanced(&self, _bytes: u64, _trades: u64) {}
}
