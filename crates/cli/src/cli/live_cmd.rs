//! `barsmith live`: bars from Binance's live aggTrade streams, continuing a batch run exactly.

use std::path::PathBuf;
use std::sync::atomic::{AtomicI32, Ordering};
use std::time::Duration;

use barsmith::live::{
    LiveConfig, LiveEvent, LiveFormat, LiveObserver, LiveOutput, LiveRun, LiveStatus, Market, MetricsServer, run_live,
};
use barsmith::settings::Settings;
use clap::Args;

use super::{Failure, parse_duration, range_specs, select_backend};

/// The signal a live run was asked to stop by (0: none); set by `watch_signals` while a live run is on.
pub static STOP_SIGNAL: AtomicI32 = AtomicI32::new(0);

/// Arguments of `barsmith live`.
#[derive(Debug, Args)]
pub struct LiveArgs {
    /// Symbols (BTCUSDT …), all on one combined stream (at most 1024).
    #[arg(required = true)]
    symbols: Vec<String>,
    /// Market: spot (µs timestamps), um (USD-M futures, on the routed /market path) or cm (COIN-M futures).
    #[arg(long, default_value = "spot", value_parser = ["spot", "um", "cm"])]
    market: String,
    /// Thresholds in decimal basis points, comma-separated (as `barsmith bars`).
    #[arg(long, value_name = "DBPS[,DBPS…]", value_delimiter = ',', required = true)]
    threshold_dbps: Vec<u32>,
    /// WebSocket base instead of the market's (mirrors, tests); the stream path is appended.
    #[arg(long, value_name = "URL")]
    ws_url: Option<String>,
    /// REST base instead of the market's; the aggTrades path is appended.
    #[arg(long, value_name = "URL")]
    rest_url: Option<String>,
    /// Continue exactly where this checkpoint ends (one written by `barsmith bars --checkpoint-out` or by live).
    #[arg(long, value_name = "PATH")]
    checkpoint_in: Option<PathBuf>,
    /// Save the state here, atomically with what has been written (every --checkpoint-every, and at the end).
    #[arg(long, value_name = "PATH")]
    checkpoint_out: Option<PathBuf>,
    /// How often to save the checkpoint.
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = parse_duration)]
    checkpoint_every: Duration,
    /// No message for this long: the connection is dead and is replaced (default: 30s spot, 4m futures).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    stall_timeout: Option<Duration>,
    /// Without a checkpoint: start at this agg_trade_id (REST fills from there); default: the first trade received.
    #[arg(long, value_name = "ID")]
    from_id: Option<i64>,
    /// Stop cleanly before the first trade at or after this exchange time (2026-01-02, 2026-01-02T06:00:00Z, or µs).
    #[arg(long, value_name = "TIME")]
    until: Option<String>,
    /// Stop cleanly after this agg_trade_id.
    #[arg(long, value_name = "ID")]
    until_id: Option<i64>,
    /// `-` (lines on stdout, flushed per bar; one symbol at one threshold) or a directory (one file per
    /// symbol, threshold and UTC day, named as `barsmith bars` names a one-day run).
    #[arg(short, long, value_name = "PATH", default_value = "-")]
    output: PathBuf,
    /// Output format: csv, ndjson (one JSON object per bar per line) or parquet (directories only: a day's file
    /// appears complete when the day ends, and at a clean stop).
    #[arg(long, default_value = "csv", value_parser = ["csv", "ndjson", "parquet"])]
    format: String,
    /// Feature groups: any of bar, intra, lookback (comma-separated), or `none` (as `barsmith bars`).
    #[arg(long, default_value = "bar,intra,lookback")]
    features: String,
    /// Lookback window (as `barsmith bars`).
    #[arg(long, default_value = "count:500")]
    lookback: String,
    /// Turn the same-timestamp gate off (as `barsmith bars`).
    #[arg(long)]
    no_gate: bool,
    /// Skip permutation entropy.
    #[arg(long)]
    no_pe: bool,
    /// Skip the Hurst exponents.
    #[arg(long)]
    no_hurst: bool,
    /// Kernel backend for features; default BARSMITH_BACKEND or auto.
    #[arg(long)]
    backend: Option<String>,
    /// Serve Prometheus metrics (text format) over HTTP at http://ADDR/metrics (e.g. 127.0.0.1:9184; port 0
    /// picks a free port, printed on stderr).
    #[arg(long, value_name = "ADDR")]
    metrics: Option<String>,
    /// Give up after this many failed connection attempts in a row (exit 1, checkpoint saved); default: never.
    #[arg(long, value_name = "N")]
    max_reconnect_attempts: Option<u32>,
    /// No connection reports, status line or summary on stderr (exchange gaps are always reported).
    #[arg(short, long)]
    quiet: bool,
}

/// Runs `barsmith live`.
pub fn run(args: LiveArgs) -> Result<(), Failure> {
    let run = live_run(&args)?;
    for warning in run.source.warnings() {
        eprintln!("warning: {}", warning.spell(&live_flag));
    }
    let status_line = !args.quiet && std::io::IsTerminal::is_terminal(&std::io::stderr());
    let metrics = match &args.metrics {
        Some(address) => {
            let server = MetricsServer::start(address).map_err(failure)?;
            eprintln!("live: metrics at http://{}/metrics", server.address());
            Some(server)
        }
        None => None,
    };
    let last_status = std::sync::Mutex::new((std::time::Instant::now(), 0));
    let observer = Observer { quiet: args.quiet, status_line, last_status, metrics };
    let result = run_live(&run, &observer);
    let summary = result.map_err(failure)?;
    if !args.quiet {
        for symbol in &summary {
            let s = &symbol.stats;
            eprintln!(
                "{}: {} trades ({} from REST), {} duplicates and {} out of order put right, {} exchange gaps ({} ids), bars {:?}",
                symbol.symbol,
                s.trades,
                s.from_rest,
                s.duplicates,
                s.out_of_order,
                s.exchange_gaps,
                s.missing_ids,
                symbol.bars
            );
        }
    }
    match STOP_SIGNAL.load(Ordering::Relaxed) {
        0 => Ok(()),
        signal => Err(Failure::silent(128 + signal as u8)),
    }
}

/// A library error, its settings spelled as this command's flags.
fn failure(e: barsmith::Error) -> Failure {
    let message = e.describe(&live_flag);
    let mut failure = Failure::from(e);
    failure.message = message;
    failure
}

/// The library names settings; the CLI says its flags (the settings of `barsmith bars` as `bars` does).
fn live_flag(name: &'static str) -> String {
    match name {
        "symbols" => "SYMBOL",
        "market" => "--market",
        "stall_timeout" => "--stall-timeout",
        "ws_url" => "--ws-url",
        "rest_url" => "--rest-url",
        "from_id" => "--from-id",
        "until" => "--until",
        "until_id" => "--until-id",
        "checkpoint_every" => "--checkpoint-every",
        "max_reconnect_attempts" => "--max-reconnect-attempts",
        "metrics" => "--metrics",
        _ => return super::setting_flag(name),
    }
    .to_owned()
}

fn live_run(args: &LiveArgs) -> Result<LiveRun, Failure> {
    let mut settings = Settings::of_bars(range_specs(&args.threshold_dbps)?);
    let set = |settings: &mut Settings, name: &str, flag: &str, value: &str| {
        settings.set(name, value).map_err(|e| Failure::bad_input(format!("{flag} {value}: {e}")))
    };
    set(&mut settings, "features", "--features", &args.features)?;
    set(&mut settings, "lookback", "--lookback", &args.lookback)?;
    settings.stream.same_timestamp_gate = !args.no_gate;
    settings.stream.features.permutation_entropy = !args.no_pe;
    settings.stream.features.hurst = !args.no_hurst;
    settings.stream.kernels = select_backend(args.backend.as_deref())?;
    let format: LiveFormat = args.format.parse().map_err(Failure::from)?;
    let market: Market = args.market.parse().map_err(|e| Failure::bad_input(format!("--market: {e}")))?;
    let mut source = LiveConfig::new(market, args.symbols.clone());
    if let Some(url) = &args.ws_url {
        source.ws_url = url.clone();
    }
    if let Some(url) = &args.rest_url {
        source.rest_url = url.clone();
    }
    source.max_reconnect_attempts = args.max_reconnect_attempts;
    if let Some(stall) = args.stall_timeout {
        source.stall_timeout = stall;
        source.hole_wait = source.hole_wait.min(stall / 4);
    }
    let output = match args.output.as_os_str() == "-" {
        true => LiveOutput::Stdout(format),
        false => LiveOutput::Directory(args.output.clone(), format),
    };
    let until_time_us = args.until.as_deref().map(parse_time).transpose()?;
    Ok(LiveRun {
        settings,
        source,
        from_id: args.from_id,
        until_id: args.until_id,
        until_time_us,
        checkpoint_in: args.checkpoint_in.clone(),
        checkpoint_out: args.checkpoint_out.clone(),
        checkpoint_every: args.checkpoint_every,
        output,
    })
}

/// `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM:SS[Z]` (UTC) or a number of µs since the epoch.
fn parse_time(text: &str) -> Result<i64, Failure> {
    let bad =
        || Failure::bad_input(format!("--until {text}: expected 2026-01-02, 2026-01-02T06:00:00Z or µs since 1970"));
    if let Ok(us) = text.parse::<i64>() {
        return Ok(us);
    }
    let (date, time) = text.trim_end_matches('Z').split_once('T').unwrap_or((text, "00:00:00"));
    let date: Vec<&str> = date.split('-').collect();
    let time: Vec<&str> = time.split(':').collect();
    if date.len() != 3 || time.len() != 3 {
        return Err(bad());
    }
    let number = |s: &str| s.parse::<i64>().map_err(|_| bad());
    let (year, month, day) = (number(date[0])?, number(date[1])?, number(date[2])?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return Err(bad());
    }
    let days = barsmith::core::days_from_civil(year, month as u8, day as u8);
    let seconds = number(time[0])? * 3600 + number(time[1])? * 60 + number(time[2])?;
    Ok(days * barsmith::core::DAY_US + seconds * 1_000_000)
}

/// How often the status line is printed (on a terminal).
const STATUS_EVERY: Duration = Duration::from_secs(5);

struct Observer {
    quiet: bool,
    /// Print a status line (stderr is a terminal and not --quiet).
    status_line: bool,
    /// When the last one was printed, and the trades then.
    last_status: std::sync::Mutex<(std::time::Instant, u64)>,
    /// The `--metrics` server.
    metrics: Option<MetricsServer>,
}

impl LiveObserver for Observer {
    fn event(&self, event: &LiveEvent) {
        match event {
            // An exchange gap is always said: the bars span ids Binance never published.
            LiveEvent::ExchangeGap { symbol, first, last } => eprintln!(
                "warning: {symbol}: exchange gap: agg_trade_ids {first}..={last} ({} ids) were never published (REST skips them); the bar spanning them shows it (last_agg_trade_id - first_agg_trade_id + 1 > agg_record_count)",
                last - first + 1
            ),
            _ if self.quiet => {}
            LiveEvent::Connected { number } => eprintln!("live: connected (connection {number})"),
            LiveEvent::Disconnected { reason, pause } => {
                eprintln!("live: disconnected ({reason}); reconnecting in {} ms", pause.as_millis())
            }
            LiveEvent::RateLimited { wait, reason } => {
                eprintln!("live: REST rate limited ({reason}); waiting {} ms", wait.as_millis())
            }
        }
    }

    fn status(&self, status: &LiveStatus) {
        if let Some(metrics) = &self.metrics {
            metrics.update(status);
        }
        let mut last = self.last_status.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if !self.status_line || last.0.elapsed() < STATUS_EVERY {
            return;
        }
        let seconds = last.0.elapsed().as_secs_f64();
        let rate = (status.trades - last.1) as f64 / seconds;
        *last = (std::time::Instant::now(), status.trades);
        let lag = status.lag_ms.map_or_else(|| "-".to_string(), |ms| format!("{ms} ms"));
        eprintln!(
            "live: {rate:.0} trades/s, lag {lag} behind exchange time, {} reconnects, {} ids from REST, {} exchange gaps",
            status.connections.saturating_sub(1),
            status.from_rest,
            status.exchange_gaps
        );
    }

    fn stop_requested(&self) -> bool {
        STOP_SIGNAL.load(Ordering::Relaxed) != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn until_reads_a_day_a_utc_time_or_microseconds() {
        let day = 20_455 * barsmith::core::DAY_US;
        assert_eq!(parse_time("2026-01-02").unwrap(), day);
        assert_eq!(parse_time("2026-01-02T06:30:01Z").unwrap(), day + (6 * 3600 + 30 * 60 + 1) * 1_000_000);
        assert_eq!(parse_time("1767312000000000").unwrap(), 1_767_312_000_000_000);
        assert!(parse_time("2026-13-01").is_err() && parse_time("yesterday").is_err());
    }
}
