//! `barsmith kernel` and `barsmith cpu`.

use std::io::Read;
use std::path::PathBuf;

use anyhow::{Context, anyhow, bail};
use barsmith::kernels::cpu_report;
use clap::{Args, ValueEnum};

use super::{Failure, select_backend};

#[derive(Debug, Clone, Copy, ValueEnum)]
enum KernelName {
    /// Normalised permutation entropy.
    Pe,
    /// DFA-1 Hurst exponent.
    Dfa,
    /// Corrected R/S Hurst exponent.
    Rs,
    /// Kyle lambda (two columns: dp q).
    Kyle,
}

/// Arguments of `barsmith kernel`.
#[derive(Debug, Args)]
pub struct KernelArgs {
    /// Which kernel.
    #[arg(value_enum)]
    kernel: KernelName,
    /// File of whitespace-separated numbers (`kyle`: pairs `dp q`), or `-` for stdin.
    file: PathBuf,
    /// Permutation-entropy order (2..=7).
    #[arg(long, default_value_t = 3)]
    order: usize,
    /// Permutation-entropy delay (≥ 1).
    #[arg(long, default_value_t = 1)]
    delay: usize,
    /// Kernel backend (scalar, avx2, avx512, neon, pulp, wide, auto); default: BARSMITH_BACKEND or auto.
    #[arg(long)]
    backend: Option<String>,
}

/// Runs `barsmith kernel`.
pub fn run(args: KernelArgs) -> Result<(), Failure> {
    let kernels = select_backend(args.backend.as_deref())?;
    let values = read_numbers(&args.file).map_err(Failure::bad_input)?;
    let result = match args.kernel {
        KernelName::Pe => {
            if !(2..=7).contains(&args.order) || args.delay == 0 {
                return Err(Failure::bad_input(anyhow!("--order must be in 2..=7 and --delay at least 1")));
            }
            kernels.permutation_entropy(&values, args.order, args.delay)
        }
        KernelName::Dfa => kernels.hurst_dfa(&values, None),
        KernelName::Rs => kernels.hurst_rs(&values, None),
        KernelName::Kyle => {
            if values.len() % 2 != 0 {
                return Err(Failure::bad_input(anyhow!("kyle expects pairs `dp q`; got {} numbers", values.len())));
            }
            let (dp, q): (Vec<f64>, Vec<f64>) = values.chunks_exact(2).map(|pair| (pair[0], pair[1])).unzip();
            kernels.kyle_lambda(&dp, &q)
        }
    };
    match result {
        Some(value) => println!("{value:.16e}"),
        None => println!("undefined"),
    }
    Ok(())
}

fn read_numbers(path: &PathBuf) -> anyhow::Result<Vec<f64>> {
    let mut text = String::new();
    if path.as_os_str() == "-" {
        std::io::stdin().read_to_string(&mut text).context("reading stdin")?;
    } else {
        text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    }
    let mut values = Vec::new();
    for (line_number, line) in text.lines().enumerate() {
        for token in line.split_whitespace() {
            match token.parse::<f64>() {
                Ok(v) => values.push(v),
                Err(_) => bail!("{}:{}: not a number: {token:?}", path.display(), line_number + 1),
            }
        }
    }
    Ok(values)
}

/// Arguments of `barsmith cpu`.
#[derive(Debug, Args)]
pub struct CpuArgs {
    /// Print only the available backends, comma-separated (the form `BARSMITH_REQUIRE_BACKENDS` takes).
    #[arg(long)]
    available: bool,
}

/// Runs `barsmith cpu`.
pub fn cpu(args: CpuArgs) -> Result<(), Failure> {
    let report = cpu_report();
    if args.available {
        println!("{}", report.available.iter().map(|b| b.name()).collect::<Vec<_>>().join(","));
        return Ok(());
    }
    let names = |list: &[barsmith::kernels::Backend]| list.iter().map(|b| b.name()).collect::<Vec<_>>().join(" ");
    println!("arch:      {}", report.arch);
    println!("compiled:  {}", names(&report.compiled));
    println!("available: {}", names(&report.available));
    let features: Vec<String> =
        report.features.iter().map(|(name, on)| format!("{name}{}", if *on { "+" } else { "-" })).collect();
    println!("features:  {}", features.join(" "));
    println!("automatic: {}", report.automatic.name());
    Ok(())
}
