//! The live load benchmark: 100 symbols on one combined connection, served by the stand-in Binance of
//! barsmith-test-support at 50 000 messages/s for 60 s (3 M trades), read by a `barsmith live` child process
//! (release build) writing CSV day files with every feature. Checks that nothing was dropped (every symbol's
//! trades, each once, are the trades served) and reports the child's peak RSS (VmHWM) and its CPU time. Not a
//! timed test: numbers in docs/PERFORMANCE.md, "Live".
//!
//! `cargo build --release -p barsmith-cli && cargo bench -p barsmith-benches --bench live_load --
//! target/release/barsmith [SYMBOLS] [RATE] [SECONDS]` (defaults 100, 50 000, 60).

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use barsmith_core::{FixedPoint, Trade};
use barsmith_test_support::live_server::{Market, Script, StandIn};

/// First agg_trade_id of every symbol (the ids run alike, so one `--from-id`/`--until-id` covers them all).
const FIRST_ID: i64 = 1_000_000;

/// `per_symbol` trades of each of `symbols` symbols, interleaved round robin (one trade of each symbol in turn),
/// a random walk of 1-cent steps per symbol, 20 µs apart.
fn trades(symbols: usize, per_symbol: usize) -> Vec<(String, Trade)> {
    let names: Vec<String> = (0..symbols).map(|i| format!("S{i:03}USDT")).collect();
    let mut prices = vec![10_000_000_000i64; symbols];
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut out = Vec::with_capacity(symbols * per_symbol);
    for k in 0..per_symbol {
        for (s, name) in names.iter().enumerate() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            prices[s] += ((state % 3) as i64 - 1) * 1_000_000;
            let id = FIRST_ID + k as i64;
            let trade = Trade {
                agg_trade_id: id,
                price: FixedPoint(prices[s]),
                quantity: FixedPoint(1 + (state >> 24) as i64 % 100_000_000),
                first_trade_id: 2 * id,
                last_trade_id: 2 * id,
                timestamp_us: 1_767_225_600_000_000 + (k * symbols + s) as i64 * 20,
                is_buyer_maker: state.is_multiple_of(2),
            };
            out.push((name.clone(), trade));
        }
    }
    out
}

/// The peak resident set (VmHWM) of a process, in KiB.
fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status.lines().find_map(|l| l.strip_prefix("VmHWM:")?.trim().strip_suffix("kB")?.trim().parse().ok())
}

/// User + system CPU seconds of a process (from /proc/PID/stat, in clock ticks of 100 Hz).
fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 / 100.0)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let barsmith = args.first().cloned().unwrap_or_else(|| "target/release/barsmith".into());
    let symbols: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(100);
    let rate: f64 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(50_000.0);
    let seconds: f64 = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(60.0);
    let per_symbol = (rate * seconds / symbols as f64) as usize;
    let trades = trades(symbols, per_symbol);
    let names: Vec<String> = (0..symbols).map(|i| format!("S{i:03}USDT")).collect();
    let mut script = Script::new(Market::Spot, trades, rate);
    script.lifetime = Duration::from_secs_f64(seconds * 3.0 + 60.0);
    script.ping_every = Some(Duration::from_secs(5));
    let server = StandIn::start(script);
    let out = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let mut child = Command::new(&barsmith)
        .arg("live")
        .args(&names)
        .args(["--threshold-dbps", "25", "--ws-url", &server.ws_url, "--rest-url", &server.rest_url])
        .args(["--from-id", &FIRST_ID.to_string(), "--until-id", &(FIRST_ID + per_symbol as i64 - 1).to_string()])
        .args(["--checkpoint-out", out.path().join("live.json").to_str().unwrap(), "--checkpoint-every", "1s"])
        .arg("-o")
        .arg(format!("{}/", out.path().join("bars").display()))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let mut stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        stderr.read_to_string(&mut text).unwrap();
        text
    });
    let (mut peak, mut cpu) = (0, 0.0);
    while child.try_wait().unwrap().is_none() {
        peak = peak_rss_kib(pid).unwrap_or(peak);
        cpu = cpu_seconds(pid).unwrap_or(cpu);
        std::thread::sleep(Duration::from_millis(50));
    }
    let status = child.wait().unwrap();
    let elapsed = started.elapsed();
    let stderr = reader.join().unwrap();
    assert!(status.success(), "barsmith live failed: {stderr}");
    let mut total = 0u64;
    for name in &names {
        let line = stderr.lines().find(|l| l.starts_with(&format!("{name}: "))).expect("a summary per symbol");
        let trades: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
        assert_eq!(trades, per_symbol as u64, "{name}: {line}");
        total += trades;
    }
    let rest: u64 = stderr
        .lines()
        .filter_map(|l| l.split_once(" trades (")?.1.split_once(" from REST")?.0.parse::<u64>().ok())
        .sum();
    let reconnects = stderr.lines().filter(|l| l.starts_with("live: connected")).count().saturating_sub(1);
    println!(
        "{symbols} symbols, {total} trades served at {rate}/s and all handed on once ({rest} by REST, {reconnects} reconnects), \
         {:.1} s wall, {cpu:.1} s CPU (barsmith live), peak RSS {:.1} MiB",
        elapsed.as_secs_f64(),
        peak as f64 / 1024.0
    );
}
