//! The `barsmith` command: a thin layer over the `barsmith` library.
#![forbid(unsafe_code)]

mod cli;
mod plot;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::watch_signals();
    let args = cli::parse();
    match cli::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => failure.report(),
    }
}
