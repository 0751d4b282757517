//! Helpers shared by the library's run tests. They name `barsmith`'s own types, so they cannot live in
//! `barsmith-test-support` (which the library's tests use without the `barsmith` dependency, to keep one copy of
//! the crate under test).

use std::path::{Path, PathBuf};

use barsmith::run::{Job, NoProgress, OutputTarget, RunConfig, RunSummary, write_bars};

/// Runs `inputs` with `job` into the directory `out` (with a checkpoint `out/state.json`); returns the summary
/// and every output file's bytes, by name.
pub fn run_into_dir(inputs: &[PathBuf], job: Job, out: &Path) -> (RunSummary, Vec<(String, Vec<u8>)>) {
    let config = RunConfig {
        inputs: inputs.to_vec(),
        job,
        output: OutputTarget::Directory(out.to_path_buf()),
        format: None,
        checkpoint_out: Some(out.join("state.json")),
        commit: Default::default(),
    };
    let summary = write_bars(&config, &NoProgress).unwrap();
    (summary, barsmith_test_support::read_dir_sorted(out))
}
