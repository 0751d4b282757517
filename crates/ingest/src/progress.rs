//! What a long read reports as it goes: [`Progress`], the one observer of runs over trade files, and
//! [`NoProgress`], the observer that ignores everything (which also stands for "no observer" wherever the
//! workspace takes one, e.g. `barsmith-binance`'s fetch).

/// Observes progress; called from worker threads.
pub trait Progress: Sync {
    /// The run is about to read `total_bytes` of input (file sizes; 0 when unknown, e.g. stdin).
    fn started(&self, total_bytes: u64) {
        let _ = total_bytes;
    }
    /// `bytes` more input bytes and `trades` more trades were consumed.
    fn advanced(&self, bytes: u64, trades: u64);
    /// Something the user must know that does not stop the run (one line, no `warning:` prefix), e.g. a
    /// window longer than the `max_window_records` setting whose features are null. Ignored by default.
    fn warning(&self, message: &str) {
        let _ = message;
    }
}

/// An observer that ignores everything.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn advanced(&self, _bytes: u64, _trades: u64) {}
}
