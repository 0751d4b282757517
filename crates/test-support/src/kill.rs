//! `kill -9` at random moments: a command run again and again from the checkpoint it writes, each run killed
//! (SIGKILL) after a random wait, until one finishes by itself. On a loaded machine a run may need longer than
//! the wait to write its first checkpoint; a run that left the checkpoint as it was makes the next wait half
//! as long again (up to 2 s), so the chain always moves on while most runs still die at random moments.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::SplitMix;

/// Runs `command_for(checkpoint_in)` (its checkpoint in: `checkpoint` once it exists, else `first`), killing
/// each run after 30–200 ms (longer after runs that made no progress), until a run ends by itself, which must
/// succeed. Returns the number of kills (at least 2, else the test did not test restarts). Panics after
/// `deadline`.
pub fn kill_9_until_done(
    checkpoint: &Path,
    first: &Path,
    seed: u64,
    deadline: Duration,
    mut command_for: impl FnMut(&Path) -> Command,
) -> u32 {
    let mut rng = SplitMix(seed);
    let give_up = Instant::now() + deadline;
    let (mut kills, mut stretch) = (0, 1.0f64);
    while Instant::now() < give_up {
        let checkpoint_in = if checkpoint.exists() { checkpoint } else { first };
        let before = std::fs::read(checkpoint).ok();
        let mut child = command_for(checkpoint_in).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
        let wait = Duration::from_millis(30 + rng.below(170) as u64).mul_f64(stretch).min(Duration::from_secs(2));
        let started = Instant::now();
        while started.elapsed() < wait && child.try_wait().unwrap().is_none() {
            std::thread::sleep(Duration::from_millis(2));
        }
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "the run failed: {status}");
            assert!(kills >= 2, "only {kills} kills: the test did not test restarts");
            return kills;
        }
        child.kill().unwrap();
        child.wait().unwrap();
        kills += 1;
        stretch = if std::fs::read(checkpoint).ok() == before { stretch * 1.5 } else { 1.0 };
    }
    panic!("the runs never finished ({kills} kills)");
}
