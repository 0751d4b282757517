//! Command-line parsing and the subcommands.

mod bars;
mod check_cmd;
mod fetch_cmd;
mod gen_cmd;
mod gen_days;
mod help;
mod kernel_cmd;
mod live_cmd;
mod plot_cmd;

use std::process::ExitCode;

use barsmith::kernels::Kernels;
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

/// Exact range bars from Binance aggTrades, with microstructure features.
#[derive(Debug, Parser)]
#[command(name = "barsmith", version, about, propagate_version = true, after_help = help::MAIN_EXAMPLE)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Build range bars from aggTrades files (.csv, .csv.zst, .zip; `-` for stdin).
    #[command(after_help = help::BARS_AFTER_HELP)]
    Bars(bars::BarsArgs),
    /// Download Binance Vision aggTrades archives, verified against their checksums, resumable.
    #[command(after_help = help::FETCH_EXAMPLE)]
    Fetch(fetch_cmd::FetchArgs),
    /// Report missing days, id gaps and repeats, out-of-order records, time gaps and checksums, per symbol.
    #[command(after_help = help::CHECK_EXAMPLE)]
    Check(check_cmd::CheckArgs),
    /// Write deterministic synthetic aggTrades.
    #[command(after_help = help::GEN_EXAMPLE)]
    Gen(gen_cmd::GenArgs),
    /// Run one kernel on numbers from a file (experiments).
    #[command(after_help = help::KERNEL_EXAMPLE)]
    Kernel(kernel_cmd::KernelArgs),
    /// Draw a bar file (CSV or Parquet) as a PNG or SVG chart: candles, volume, features.
    #[command(after_help = help::PLOT_EXAMPLE)]
    Plot(plot_cmd::PlotArgs),
    /// Bars from Binance's live aggTrade streams, continuing a batch run's checkpoint byte for byte
    /// (docs/LIVE.md).
    #[command(after_help = help::LIVE_EXAMPLE)]
    Live(live_cmd::LiveArgs),
    /// Show the compiled SIMD backends, the CPU's features and the automatic choice.
    #[command(after_help = help::CPU_EXAMPLE)]
    Cpu(kernel_cmd::CpuArgs),
}

/// Parses the command line; `--version` prints the version, the git commit, the compiled backends and the
/// automatic choice.
pub fn parse() -> Cli {
    let version: &'static str = Box::leak(help::long_version().into_boxed_str());
    let matches = Cli::command().version(version).get_matches();
    Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
}

/// Runs the parsed command.
pub fn run(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        Command::Bars(args) => bars::run_bars(args),
        Command::Fetch(args) => fetch_cmd::run(args),
        Command::Check(args) => check_cmd::run(args),
        Command::Gen(args) => gen_cmd::run(args),
        Command::Kernel(args) => kernel_cmd::run(args),
        Command::Plot(args) => plot_cmd::run(args),
        Command::Cpu(args) => kernel_cmd::cpu(args),
        Command::Live(args) => {
            LIVE_RUNNING.store(true, std::sync::atomic::Ordering::Relaxed);
            live_cmd::run(args)
        }
    }
}

/// On SIGINT or SIGTERM: remove every temporary output file, commit nothing, exit 130 or 143.
pub fn watch_signals() {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) else {
        return; // the default action (terminate) stays; temporary files may then remain
    };
    std::thread::spawn(move || {
        for signal in signals.forever() {
            // A live run stops cleanly (flush, checkpoint, exit 130/143); a second signal does not wait.
            let graceful = LIVE_RUNNING.load(std::sync::atomic::Ordering::Relaxed);
            if graceful && live_cmd::STOP_SIGNAL.swap(signal, std::sync::atomic::Ordering::Relaxed) == 0 {
                continue;
            }
            barsmith::output::abandon_uncommitted();
            std::process::exit(128 + signal);
        }
    });
}

/// A failed command: the error and its exit code (2 for bad input or usage, 1 otherwise).
/// `barsmith live` is running: SIGINT/SIGTERM ask it to stop instead of exiting at once.
static LIVE_RUNNING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

#[derive(Debug)]
pub struct Failure {
    message: String,
    code: u8,
    /// A closed pipe on stdout: exit quietly.
    quiet: bool,
}

impl Failure {
    /// Bad input or usage: exit code 2.
    pub fn bad_input(error: impl std::fmt::Display) -> Failure {
        // `{:#}`: an anyhow error with its causes; other errors print as usual.
        Failure { message: format!("{error:#}"), code: 2, quiet: false }
    }

    /// A failure with this exit code; the message is printed.
    pub fn with_code(error: impl std::fmt::Display, code: u8) -> Failure {
        Failure { message: format!("{error:#}"), code, quiet: false }
    }

    /// Exit with this code, printing nothing more (the command has reported already).
    pub fn silent(code: u8) -> Failure {
        Failure { message: format!("exit code {code}"), code, quiet: true }
    }

    /// Prints the error (one line, said once) unless quiet, and gives the exit code.
    pub fn report(self) -> ExitCode {
        if !self.quiet {
            eprintln!("error: {}", self.message);
        }
        ExitCode::from(self.code)
    }
}

impl From<barsmith::Error> for Failure {
    /// The library's errors carry their whole story in their `Display` (their sources are not repeated).
    fn from(e: barsmith::Error) -> Failure {
        let (code, quiet) = if e.is_broken_pipe() {
            (0, true)
        } else if e.is_bad_input() {
            (2, false)
        } else {
            (1, false)
        };
        Failure { message: e.describe(&setting_flag), code, quiet }
    }
}

/// The range bars of `--threshold-dbps` values, each checked (a bad one is said with the flag and the value).
pub fn range_specs(dbps: &[u32]) -> Result<Vec<barsmith::core::BarSpec>, Failure> {
    let range = |d: u32| barsmith::core::Threshold::from_dbps(d).map(barsmith::core::BarSpec::Range);
    dbps.iter().map(|&d| range(d).map_err(|e| Failure::bad_input(format!("--threshold-dbps {d}: {e}")))).collect()
}

/// The flag that sets a library setting named in a message (`max_window_records` → `--max-window-records`).
pub fn setting_flag(name: &'static str) -> String {
    barsmith::settings::flag(name).unwrap_or(name).to_owned()
}

impl From<barsmith::binance::Error> for Failure {
    /// The Binance sources' errors, with their settings named as this command's flags.
    fn from(e: barsmith::binance::Error) -> Failure {
        let code = if e.is_bad_input() { 2 } else { 1 };
        Failure { message: e.describe(flag_of), code, quiet: false }
    }
}

/// The flag that sets a setting of the Binance sources (`barsmith fetch`).
fn flag_of(setting: barsmith::binance::Setting) -> String {
    use barsmith::binance::Setting;
    match setting {
        Setting::Jobs => "--jobs",
        Setting::From => "--from",
        Setting::To => "--to",
        // The proxy comes from the environment (HTTPS_PROXY & co.), not from a flag.
        _ => setting.name(),
    }
    .to_owned()
}

/// A duration such as `1h`, `30m`, `90s`, `500ms` or `250us` (the units of `--lookback time:…`).
pub fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    match format!("time:{text}").parse::<barsmith::LookbackMode>() {
        Ok(barsmith::LookbackMode::Time { duration_us }) => Ok(std::time::Duration::from_micros(duration_us as u64)),
        _ => {
            Err(format!("{text:?} is not a duration: a whole number and a unit (us, ms, s, m, h), e.g. 1h, 30s, 500ms"))
        }
    }
}

/// The kernels backend chosen by `--backend`, else `BARSMITH_BACKEND`, else detection.
/// An unavailable backend is an error (exit 2), never a silent fallback.
pub fn select_backend(flag: Option<&str>) -> Result<Kernels, Failure> {
    let from_env = std::env::var("BARSMITH_BACKEND").ok().filter(|v| !v.is_empty());
    let (name, source) = match (flag, from_env) {
        (Some(flag), _) => (flag.to_owned(), "--backend"),
        (None, Some(env)) => (env, "BARSMITH_BACKEND"),
        (None, None) => return Ok(Kernels::detect()),
    };
    Kernels::from_name(Some(&name)).map_err(|e| Failure::bad_input(format!("{source} {name}: {e}")))
}

/// The indicatif bar on stderr that `bars` and `fetch` show while bytes move (hidden when `visible` is false:
/// not a terminal, or `--quiet`).
pub fn byte_progress_bar(visible: bool) -> indicatif::ProgressBar {
    use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
    let bar =
        if visible { ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()) } else { ProgressBar::hidden() };
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {bar:30} {bytes}/{total_bytes} ({bytes_per_sec}, ETA {eta}) {msg}",
        )
        .expect("valid template"),
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    bar
}
