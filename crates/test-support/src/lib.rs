//! Test helpers of the barsmith workspace, written once: the kernel backends a test must cover
//! ([`backends`]), bar tables compared as docs/OUTPUT.md promises ([`bar_tables`]), a deterministic
//! pseudo-random generator ([`SplitMix`]), generated trade streams ([`trades`]) and the real-data sample
//! ([`real_data`]).
//!
//! Nothing here skips silently. libtest captures `println!`/`eprintln!` of passing tests, so a note that a
//! test could not run part of its work would never be seen; [`not_run`] writes to the process's standard
//! error directly, which libtest does not capture, and every skip goes through it with the reason. A
//! backend required by `BARSMITH_REQUIRE_BACKENDS` that cannot run, or real data that is present but
//! unreadable, is a test failure.

#![forbid(unsafe_code)]

pub mod backends;
pub mod bar_tables;
pub mod real_data;
mod rng;
pub mod series;
pub mod trades;

pub use rng::SplitMix;

use std::io::Write;

/// Says on the real standard error (not captured by libtest) that `what` was not run here, and why.
pub fn not_run(what: &str, why: &str) {
    let mut stderr = std::io::stderr().lock();
    // A failed write to stderr leaves nothing better to do; the test itself still runs.
    let _ = writeln!(stderr, "NOT RUN: {what}: {why}");
}
