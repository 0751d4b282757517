//! Rust work with the GIL released, interruptible by Ctrl-C between batches.
//!
//! Python handles SIGINT by setting a flag that only `PyErr_CheckSignals` on the main thread turns into a
//! `KeyboardInterrupt`. Work therefore polls a [`Cancel`] between batches (every few milliseconds of work):
//!
//! * [`run_supervised`] runs the work on a scoped thread while the calling thread checks Python's signals every
//!   [`CHECK_INTERVAL`]; on an exception it raises the cancel flag, waits for the work to stop at its next
//!   batch and raises the exception;
//! * [`run_inline`] runs the work on the calling thread, which checks the signals itself (re-taking the GIL
//!   briefly) when [`CHECK_INTERVAL`] has passed since the last check.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use pyo3::prelude::*;

use crate::errors::Failure;

/// How often Python's signals are checked while Rust works.
pub const CHECK_INTERVAL: Duration = Duration::from_millis(50);

/// Polled by the work between batches.
#[derive(Debug)]
pub struct Cancel {
    flag: AtomicBool,
    /// Set for inline work: when the signals were last checked.
    last_check: Option<Mutex<Instant>>,
}

impl Cancel {
    /// `Err` when the work must stop: the supervisor raised the flag, or (inline) a signal handler raised.
    pub fn check(&self) -> Result<(), Failure> {
        if self.flag.load(Ordering::Relaxed) {
            return Err(Failure::Cancelled);
        }
        let Some(last_check) = &self.last_check else { return Ok(()) };
        let mut last = last_check.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if last.elapsed() < CHECK_INTERVAL {
            return Ok(());
        }
        *last = Instant::now();
        Python::attach(|py| py.check_signals()).map_err(Failure::Python)
    }
}

/// Runs `work` on a scoped thread with the GIL released; the calling thread watches for Ctrl-C.
pub fn run_supervised<R: Send>(py: Python<'_>, work: impl FnOnce(&Cancel) -> Result<R, Failure> + Send) -> PyResult<R> {
    let cancel = Cancel { flag: AtomicBool::new(false), last_check: None };
    let (result, interrupt) = py.detach(|| {
        std::thread::scope(|scope| {
            let (done, finished) = channel::<()>();
            let cancel = &cancel;
            let worker = scope.spawn(move || {
                let result = work(cancel);
                let _ = done.send(());
                result
            });
            let mut interrupt = None;
            loop {
                match finished.recv_timeout(CHECK_INTERVAL) {
                    Ok(()) | Err(RecvTimeoutError::Disconnected) => break,
                    Err(RecvTimeoutError::Timeout) if interrupt.is_none() => {
                        if let Err(error) = Python::attach(|py| py.check_signals()) {
                            cancel.flag.store(true, Ordering::Relaxed);
                            interrupt = Some(error);
                        }
                    }
                    Err(RecvTimeoutError::Timeout) => {}
                }
            }
            let result = worker.join().unwrap_or_else(|panic| Err(Failure::Internal(panic_message(&panic))));
            (result, interrupt)
        })
    });
    match (result, interrupt) {
        (_, Some(error)) => Err(error),
        (Ok(value), None) => Ok(value),
        (Err(failure), None) => Err(failure.into_pyerr(py)),
    }
}

/// Runs `work` on the calling thread with the GIL released, checking for Ctrl-C between batches.
pub fn run_inline<R: Send>(py: Python<'_>, work: impl FnOnce(&Cancel) -> Result<R, Failure> + Send) -> PyResult<R> {
    let cancel = Cancel { flag: AtomicBool::new(false), last_check: Some(Mutex::new(Instant::now())) };
    py.detach(|| work(&cancel)).map_err(|failure| failure.into_pyerr(py))
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    let text = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string());
    format!("internal error in barsmith (please report it): {text}")
}
