//! `barsmith kernel` and `barsmith cpu`.

use std::io::Read;
use std::path::PathBuf;

use anyhow::{Context, bail};
use barsmith::kernels::cpu_report;
use clap::{Args, ValueEnum};

use super::{Failure, select_backend};

#[derive(Debug, Clone, Copy, ValueEnum)]
/// The names of Python's `bs.kernels` functions and of the feature columns (`*_hurst_dfa`) are aliases.
enum KernelName {
    /// Normalised permutation entropy (also `permutation_entropy`).
    #[value(alias = "permutation_entropy", alias = "permutation-entropy")]
    Pe,
    /// DFA-1 Hurst exponent of a series of increments (returns, not prices; the kernel integrates them). Also
    /// `hurst_dfa`.
    #[value(alias = "hurst_dfa", alias = "hurst-dfa")]
    Dfa,
    /// Corrected R/S Hurst exponent of a series of increments (returns, not prices). Also `hurst_rs`.
    #[value(alias = "hurst_rs", alias = "hurst-rs")]
    Rs,
    /// Kyle lambda (two columns: dp q). Also `kyle_lambda`.
    #[value(alias = "kyle_lambda", alias = "kyle-lambda")]
    Kyle,
}

/// Arguments of `barsmith kernel`.
#[derive(Debug, Args)]
pub struct KernelArgs {
    /// Which kernel.
    #[arg(value_enum)]
    kernel: KernelName,
    /// File of whitespace-separated numbers, or `-` for stdin: for `pe` a series, for `dfa` and `rs` its
    /// increments (returns, not prices), for `kyle` pairs `dp q`.
    #[arg(value_name = "PATH")]
    file: PathBuf,
    /// Permutation-entropy order (2..=7).
    #[arg(value_name = "N", long, default_value_t = 3)]
    order: usize,
    /// Permutation-entropy delay (≥ 1).
    #[arg(value_name = "N", long, default_value_t = 1)]
    delay: usize,
    /// Kernel backend (scalar, avx2, avx512, neon, pulp, wide, auto); default: BARSMITH_BACKEND or auto.
    #[arg(long)]
    backend: Option<String>,
}

/// Runs `barsmith kernel`.
pub fn run(args: KernelArgs) -> Result<(), Failure> {
    if matches!(args.kernel, KernelName::Pe) {
        check_pe_arguments(args.order, args.delay)?;
    }
    let kernels = select_backend(args.backend.as_deref())?;
    let values = read_numbers(&args.file).map_err(|e| Failure::bad_input(format!("{e:#}")))?;
    let name = args.kernel.to_possible_value().map(|v| v.get_name().to_owned()).unwrap_or_default();
    if values.is_empty() {
        return Err(Failure::bad_input(format!("{}: no numbers to run `{name}` on", args.file.display())));
    }
    let result = match args.kernel {
        KernelName::Pe => kernels.permutation_entropy(&values, args.order, args.delay),
        KernelName::Dfa => kernels.hurst_dfa(&values, None),
        KernelName::Rs => kernels.hurst_rs(&values, None),
        KernelName::Kyle => {
            if values.len() % 2 != 0 {
                return Err(Failure::bad_input(format!(
                    "{}: kyle expects pairs `dp q`; got {} numbers",
                    args.file.display(),
                    values.len()
                )));
            }
            let (dp, q): (Vec<f64>, Vec<f64>) = values.chunks_exact(2).map(|pair| (pair[0], pair[1])).unzip();
            kernels.kyle_lambda(&dp, &q)
        }
    };
    match result {
        // The bars' number format: the shortest text that reads back as the same f64.
        Some(value) => println!("{value}"),
        None => {
            return Err(Failure::bad_input(format!(
                "{}: `{name}` is undefined for these {} numbers (too few, or constant); give a longer or varying series",
                args.file.display(),
                values.len()
            )));
        }
    }
    Ok(())
}

/// Says which of `--order` and `--delay` is wrong (both when both are).
fn check_pe_arguments(order: usize, delay: usize) -> Result<(), Failure> {
    let mut problems = Vec::new();
    if !(2..=7).contains(&order) {
        problems.push(format!("--order {order} must be between 2 and 7"));
    }
    if delay == 0 {
        problems.push("--delay 0 must be at least 1".to_string());
    }
    if problems.is_empty() { Ok(()) } else { Err(Failure::bad_input(problems.join("; "))) }
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
                Ok(v) if v.is_finite() => values.push(v),
                Ok(_) => bail!("{}:{}: {token:?} is not a finite number; remove it", path.display(), line_number + 1),
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
