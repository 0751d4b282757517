//! Test helpers of the barsmith workspace, written once: the kernel backends a test must cover
//! ([`backends`]), bar tables compared as docs/OUTPUT.md promises ([`bar_tables`]), a deterministic
//! pseudo-random generator ([`SplitMix`]), a command under test in a temporary directory ([`command`]), generated trade streams ([`trades`]), the real-data sample
//! ([`real_data`]), folder listings ([`read_dir_sorted`]), and with the `mirror` feature a Binance Vision mirror
//! on 127.0.0.1 (`mirror`) with generated days and zip archives (`archives`), and with the `live-server`
//! feature a stand-in Binance (WebSocket streams + REST aggTrades on 127.0.0.1, scripted faults: `live_server`; fault schedules: `live_faults`).
//!
//! Nothing here skips silently. libtest captures `println!`/`eprintln!` of passing tests, so a note that a
//! test could not run part of its work would never be seen; [`not_run`] writes to the process's standard
//! error directly, which libtest does not capture, and every skip goes through it with the reason. A
//! backend required by `BARSMITH_REQUIRE_BACKENDS` that cannot run, or real data that is present but
//! unreadable, is a test failure.

#![forbid(unsafe_code)]

#[cfg(feature = "mirror")]
pub mod archives;
pub mod backends;
pub mod bar_specs;
pub mod bar_tables;
pub mod command;
pub mod features;
pub mod kill;
#[cfg(feature = "live-server")]
pub mod live_faults;
#[cfg(feature = "live-server")]
pub mod live_server;
#[cfg(feature = "mirror")]
pub mod mirror;
pub mod real_data;
mod rng;
pub mod series;
pub mod trades;
pub mod worst;

pub use rng::SplitMix;

use std::io::Write;
use std::path::Path;

/// Says on the real standard error (not captured by libtest) that `what` was not run here, and why.
pub fn not_run(what: &str, why: &str) {
    let mut stderr = std::io::stderr().lock();
    // A failed write to stderr leaves nothing better to do; the test itself still runs.
    let _ = writeln!(stderr, "NOT RUN: {what}: {why}");
}

/// The files directly in `dir` as (name, contents), sorted by name.
pub fn read_dir_sorted(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap()))
        .collect();
    files.sort();
    files
}
