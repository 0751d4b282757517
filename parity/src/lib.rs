//! Shared pieces of the parity runs: loading trades, converting them for the peer, comparing bars.

use std::path::{Path, PathBuf};

pub mod bar_features;

use barsmith::generate::{GenConfig, TradeGenerator};
use ours::{BuilderConfig, RangeBar, RangeBarBuilder, Threshold, Trade, TradeBatch};

/// The real sample shipped beside the project (third-party data, never committed).
pub fn shared_sample_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/BTCUSDT-aggTrades-2026-01-01.head5000.csv")
}

/// Reads a spot aggTrades CSV (no header, 8 columns) into trades, with our exact parser.
pub fn load_spot_csv(path: &Path) -> Result<Vec<Trade>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    text.lines()
        .enumerate()
        .map(|(i, line)| {
            let f: Vec<&str> = line.split(',').collect();
            let bad = |what: &str| format!("{}:{}: bad {what}", path.display(), i + 1);
            if f.len() < 7 {
                return Err(bad("field count"));
            }
            let int = |s: &str, what| s.parse::<i64>().map_err(|_| bad(what));
            Ok(Trade {
                agg_trade_id: int(f[0], "agg_trade_id")?,
                price: f[1].parse().map_err(|_| bad("price"))?,
                quantity: f[2].parse().map_err(|_| bad("quantity"))?,
                first_trade_id: int(f[3], "first_trade_id")?,
                last_trade_id: int(f[4], "last_trade_id")?,
                timestamp_us: ours::normalize_timestamp_us(int(f[5], "timestamp")?),
                is_buyer_maker: matches!(f[6], "True" | "true"),
            })
        })
        .collect()
}

/// `count` generated trades (the `barsmith gen` model) with `seed`.
pub fn generated_trades(count: u64, seed: u64) -> Vec<Trade> {
    TradeGenerator::new(GenConfig { trades: count, seed, ..GenConfig::default() }).collect()
}

/// The same trade in the peer's types, converted from the *text* of our fixed-point values so the
/// peer's own parser is exercised too.
pub fn to_peer(trade: &Trade) -> peer::AggTrade {
    peer::AggTrade {
        agg_trade_id: trade.agg_trade_id,
        price: peer::FixedPoint::from_str(&trade.price.to_string()).expect("peer parses our price text"),
        volume: peer::FixedPoint::from_str(&trade.quantity.to_string()).expect("peer parses our quantity text"),
        first_trade_id: trade.first_trade_id,
        last_trade_id: trade.last_trade_id,
        timestamp: trade.timestamp_us,
        is_buyer_maker: trade.is_buyer_maker,
        is_best_match: None,
    }
}

/// Bars (completed, then the incomplete one) from our builder in one batch.
pub fn our_bars(trades: &TradeBatch, dbps: u32, gate: bool) -> (Vec<RangeBar>, Option<RangeBar>) {
    let config = BuilderConfig {
        same_timestamp_gate: gate,
        ..BuilderConfig::new(Threshold::from_dbps(dbps).expect("valid threshold"))
    };
    let mut builder = RangeBarBuilder::new(config);
    let mut bars = Vec::new();
    builder.push_batch(trades, &mut bars).expect("ordered input");
    (bars, builder.incomplete_bar())
}

/// Bars from the peer's plain processor in one call, plus its incomplete bar.
pub fn peer_bars(trades: &[peer::AggTrade], dbps: u32, gate: bool) -> (Vec<peer::RangeBar>, Option<peer::RangeBar>) {
    let mut processor = peer::RangeBarProcessor::with_options(dbps, gate).expect("valid threshold");
    let bars = processor.process_agg_trade_records(trades).expect("peer accepts ordered input");
    (bars, processor.get_incomplete_bar())
}

/// `(name, ours, peer)` text triples of the named fields of two bars, each name written once; `field.0` reads
/// a fixed-point newtype's integer on both sides.
macro_rules! field_triples {
    ($ours:ident, $peer:ident; $($field:ident $(.$inner:tt)?),* $(,)?) => {
        vec![$((stringify!($field), $ours.$field$(.$inner)?.to_string(), $peer.$field$(.$inner)?.to_string())),*]
    };
}

/// Every exact field of one bar as `(name, ours, peer)` text triples.
pub fn bar_fields(ours: &RangeBar, peer: &peer::RangeBar) -> Vec<(&'static str, String, String)> {
    field_triples!(ours, peer;
        open_time, close_time, open.0, high.0, low.0, close.0,
        volume, turnover, buy_volume, sell_volume, buy_turnover, sell_turnover, vwap.0,
        agg_record_count, individual_trade_count, buy_trade_count, sell_trade_count,
        first_agg_trade_id, last_agg_trade_id, first_trade_id, last_trade_id,
    )
}

/// One parity case: a named stream at a threshold, gate on or off.
#[derive(Debug, Clone)]
pub struct CaseOutcome {
    /// Human-readable case name.
    pub name: String,
    /// Number of trades.
    pub trades: usize,
    /// Completed bars (ours).
    pub bars: usize,
    /// Fields compared (completed + incomplete bars × fields).
    pub fields_compared: usize,
    /// Mismatches, as readable lines; empty when identical.
    pub mismatches: Vec<String>,
}

/// Runs one case through both engines and compares every exact field of every bar.
pub fn run_case(name: &str, trades: &[Trade], dbps: u32, gate: bool) -> CaseOutcome {
    let batch: TradeBatch = trades.iter().collect();
    let peer_trades: Vec<peer::AggTrade> = trades.iter().map(to_peer).collect();
    let (ours, ours_open) = our_bars(&batch, dbps, gate);
    let (theirs, theirs_open) = peer_bars(&peer_trades, dbps, gate);
    let mut mismatches = Vec::new();
    if ours.len() != theirs.len() {
        mismatches.push(format!("bar count: ours {} peer {}", ours.len(), theirs.len()));
    }
    let mut pairs: Vec<(String, &RangeBar, &peer::RangeBar)> =
        ours.iter().zip(&theirs).enumerate().map(|(i, (o, p))| (format!("bar {i}"), o, p)).collect();
    match (&ours_open, &theirs_open) {
        (Some(o), Some(p)) => pairs.push(("incomplete bar".to_string(), o, p)),
        (None, None) => {}
        _ => mismatches.push(format!("incomplete bar: ours {} peer {}", ours_open.is_some(), theirs_open.is_some())),
    }
    let mut fields_compared = 0;
    for (label, o, p) in &pairs {
        for (field, a, b) in bar_fields(o, p) {
            fields_compared += 1;
            if a != b && mismatches.len() < 20 {
                mismatches.push(format!("{label} {field}: ours {a} peer {b}"));
            }
        }
        fields_compared += bar_features::FEATURES_PER_BAR;
        let feature_mismatches = bar_features::mismatches(label, o, p);
        mismatches.extend(feature_mismatches.into_iter().take(20usize.saturating_sub(mismatches.len())));
    }
    CaseOutcome { name: name.to_string(), trades: trades.len(), bars: ours.len(), fields_compared, mismatches }
}

/// Every parity case the project promises: the real sample at 5/10/25/50 dbps and 1 M generated trades at
/// 50/250 dbps, each with the gate on and off. The real-sample cases are skipped (returned in the second
/// list) when the sample is absent.
pub fn all_cases(generated: u64) -> (Vec<CaseOutcome>, Vec<String>) {
    let mut outcomes = Vec::new();
    let mut skipped = Vec::new();
    let sample = shared_sample_path();
    match load_spot_csv(&sample) {
        Ok(real) => {
            for dbps in [5, 10, 25, 50] {
                for gate in [true, false] {
                    outcomes.push(run_case(
                        &format!("real BTCUSDT sample, {dbps} dbps, gate {}", on_off(gate)),
                        &real,
                        dbps,
                        gate,
                    ));
                }
            }
        }
        Err(e) => skipped.push(format!("real-sample cases skipped: {e}")),
    }
    let synthetic = generated_trades(generated, 7);
    for dbps in [50, 250] {
        for gate in [true, false] {
            let name = format!("{generated} generated trades, {dbps} dbps, gate {}", on_off(gate));
            outcomes.push(run_case(&name, &synthetic, dbps, gate));
        }
    }
    (outcomes, skipped)
}

fn on_off(gate: bool) -> &'static str {
    if gate { "on" } else { "off" }
}
