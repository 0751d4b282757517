//! Message → bar latency of the live path, in one process: a producer thread hands WebSocket messages (as the
//! socket's reader thread does) through a bounded queue of the socket's size, at a set rate, each stamped with
//! the moment it was handed over; the consumer parses it (`parse_message`), pushes the trade through the
//! `BarPipeline` and writes each closed bar's CSV row (as `-o -` does). For every message that closed a bar,
//! the time from hand-over to the row written. Prints p50/p90/p99/p99.9/max for plain bars (no features) and
//! for every feature. Not a timed test: numbers in docs/PERFORMANCE.md, "Live".
//!
//! `cargo bench -p barsmith-benches --bench live_latency -- [MESSAGES] [RATE]` (default 300 000 at 50 000/s).

use std::sync::mpsc::sync_channel;
use std::time::{Duration, Instant};

use barsmith::output::{CsvRows, OutputSchema};
use barsmith::pipeline::{BarConsumer, BarPipeline, PipelineConfig};
use barsmith::{Error, FeatureConfig, FeaturedBar};
use barsmith_binance::live::message::{Message, parse_message};
use barsmith_core::{Threshold, TradeBatch};

/// `count` combined-stream spot messages: a random walk of steps up to ±1 USD around 87 000, 1 trade each.
fn messages(count: usize) -> Vec<Vec<u8>> {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut price: i64 = 8_700_000;
    (0..count)
        .map(|i| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            price += (state % 201) as i64 - 100;
            let time = 1_767_225_600_000_000 + i as i64 * 20;
            format!(
                r#"{{"stream":"btcusdt@aggTrade","data":{{"e":"aggTrade","E":{time},"s":"BTCUSDT","a":{},"p":"{}.{:02}000000","q":"0.{:08}","f":{},"l":{},"T":{time},"m":{},"M":true}}}}"#,
                1_000_000 + i,
                price / 100,
                price % 100,
                1 + (state >> 20) % 99_999_999,
                2 * i,
                2 * i + 1,
                state.is_multiple_of(2)
            )
            .into_bytes()
        })
        .collect()
}

/// Writes each bar's CSV row into memory and notes that a bar closed.
struct Rows {
    rows: CsvRows,
    out: Vec<u8>,
    closed: bool,
}

impl BarConsumer for Rows {
    fn bar(&mut self, _threshold: usize, bar: &FeaturedBar, _complete: bool) -> Result<(), Error> {
        self.out.clear();
        self.rows.row(&mut self.out, &[], bar, true).map_err(|e| Error::from_output("-", e))?;
        self.closed = true;
        Ok(())
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// Per closing message: (hand-over → row written, received → row written), and the run's wall time.
fn run(messages: &[Vec<u8>], rate: f64, features: FeatureConfig) -> (Vec<Duration>, Vec<Duration>, Duration) {
    let mut config = PipelineConfig::new(vec![Threshold::from_dbps(10).unwrap()]);
    config.settings.features = features;
    let mut pipeline = BarPipeline::new(&config).unwrap();
    let schema = OutputSchema { features, include_incomplete: false, identity_columns: false };
    let mut consumer = Rows { rows: CsvRows::new(&schema), out: Vec::new(), closed: false };
    let (sender, queue) = sync_channel::<(Instant, &[u8])>(8192);
    let (mut latencies, mut service) = (Vec::new(), Vec::new());
    let started = Instant::now();
    std::thread::scope(|scope| {
        scope.spawn(move || {
            for (i, message) in messages.iter().enumerate() {
                // Sleeps to the moment (spinning only for the last 100 µs, so as not to take a core).
                let due = started + Duration::from_secs_f64(i as f64 / rate);
                let left = due.saturating_duration_since(Instant::now());
                if left > Duration::from_micros(150) {
                    std::thread::sleep(left - Duration::from_micros(100));
                }
                while Instant::now() < due {
                    std::hint::spin_loop();
                }
                sender.send((Instant::now(), message.as_slice())).unwrap();
            }
        });
        let mut batch = TradeBatch::new();
        while let Ok((sent, message)) = queue.recv() {
            let received = Instant::now();
            let Ok(Message::Trade { trade, .. }) = parse_message(message) else { panic!("a bad message") };
            batch.clear();
            batch.push(&trade);
            consumer.closed = false;
            pipeline.push_batch(&batch, &mut consumer).unwrap();
            if consumer.closed {
                latencies.push(sent.elapsed());
                service.push(received.elapsed());
            }
        }
    });
    let elapsed = started.elapsed();
    latencies.sort();
    service.sort();
    (latencies, service, elapsed)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let count = args.first().and_then(|a| a.parse().ok()).unwrap_or(300_000);
    let rate = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(50_000.0);
    let messages = messages(count);
    println!("{count} messages at {rate} messages/s, threshold 10 dbps, queue bound 8192");
    println!("| features | measured | bars | p50 | p90 | p99 | p99.9 | max | achieved rate |");
    println!("|---|---|---|---|---|---|---|---|---|");
    for (name, features) in
        [("none (plain bars)", FeatureConfig::default().with_groups(&[])), ("all (default)", FeatureConfig::default())]
    {
        let (latencies, service, elapsed) = run(&messages, rate, features);
        assert!(!latencies.is_empty(), "no bar closed");
        let us = |d: Duration| format!("{:.1} µs", d.as_secs_f64() * 1e6);
        for (what, times) in [("hand-over → row", &latencies), ("received → row", &service)] {
            println!(
                "| {name} | {what} | {} | {} | {} | {} | {} | {} | {:.0}/s |",
                times.len(),
                us(percentile(times, 0.5)),
                us(percentile(times, 0.9)),
                us(percentile(times, 0.99)),
                us(percentile(times, 0.999)),
                us(*times.last().unwrap()),
                count as f64 / elapsed.as_secs_f64()
            );
        }
    }
}
