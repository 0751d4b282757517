//! The `barsmith` command: a thin layer over the `barsmith` library.
#![forbid(unsafe_code)]

mod cli;
mod plot;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    match cli::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => failure.report(),
    }
}
