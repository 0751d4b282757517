//! The generator's relative walk (`GenConfig::volatility`): the daily volatility it is given, any price scale,
//! and the sample model's bytes unchanged without it.

use barsmith::core::{FixedPoint, Trade};
use barsmith::generate::{GenConfig, GenFormat, TradeGenerator, write_trades};

/// Microseconds in an hour.
const HOUR_US: i64 = 3_600_000_000;

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures").join(name)).unwrap()
}

/// Variance of hourly log returns, scaled to a day.
fn daily_variance(trades: &[Trade]) -> f64 {
    let start = trades[0].timestamp_us;
    let mut last = (trades[0].price.0 as f64).ln();
    let mut next = start + HOUR_US;
    let mut squares = Vec::new();
    for trade in trades {
        if trade.timestamp_us >= next {
            let ln = (trade.price.0 as f64).ln();
            squares.push((ln - last).powi(2));
            last = ln;
            next += HOUR_US;
        }
    }
    squares.iter().sum::<f64>() / squares.len() as f64 * 24.0
}

fn days(volatility: f64, seed: u64) -> Vec<Trade> {
    let config = GenConfig {
        seed,
        trades: u64::MAX,
        volatility: Some(volatility),
        records_per_day: Some(40_000.0),
        end_time_us: Some(GenConfig::default().start_time_us + 8 * 24 * HOUR_US),
        ..GenConfig::default()
    };
    TradeGenerator::new(config).collect()
}

#[test]
fn without_volatility_the_stream_is_the_bundled_fixture_byte_for_byte() {
    let mut spot = Vec::new();
    write_trades(&mut spot, &GenConfig { trades: 20_000, seed: 42, ..GenConfig::default() }, GenFormat::Spot).unwrap();
    assert!(spot == fixture("SYNTHUSDT-aggTrades-2026-01-01.csv"), "the spot fixture is no longer reproduced");
    let mut um = Vec::new();
    write_trades(&mut um, &GenConfig { trades: 5_000, seed: 43, ..GenConfig::default() }, GenFormat::Um).unwrap();
    assert!(um == fixture("SYNTHUSDT-um-aggTrades-sample.csv"), "the USD-M fixture is no longer reproduced");
}

#[test]
fn hourly_returns_have_the_daily_volatility_asked_for() {
    for (volatility, seed) in [(0.025, 1), (0.025, 2), (0.005, 3), (0.06, 4)] {
        let trades = days(volatility, seed);
        let ratio = daily_variance(&trades) / (volatility * volatility);
        eprintln!("volatility {volatility} seed {seed}: realised/asked variance {ratio:.3}");
        assert!((0.6..1.6).contains(&ratio), "volatility {volatility} seed {seed}: realised/asked variance {ratio}");
    }
}

#[test]
fn records_per_day_sets_the_rate() {
    let trades = days(0.025, 5);
    let per_day = trades.len() as f64 / 8.0;
    assert!((36_000.0..44_000.0).contains(&per_day), "{per_day} records a day, asked 40 000");
}

#[test]
fn prices_move_relative_to_the_price_at_any_scale_and_tick() {
    // (price, tick) in fixed point (10^-8): 1.5 on 0.0001, 100.3 on 0.5, 0.05 on 0.00001, BTC's on 0.01.
    for (price, tick) in
        [(150_000_000_i64, 10_000), (10_030_000_000, 50_000_000), (5_000_000, 1_000), (8_764_821_000_000, 1_000_000)]
    {
        let config = GenConfig {
            trades: 100_000,
            start_price: FixedPoint(price),
            tick: FixedPoint(tick),
            volatility: Some(0.025),
            ..GenConfig::default()
        };
        let trades: Vec<Trade> = TradeGenerator::new(config.clone()).collect();
        let start = config.start_price.0 as f64;
        for pair in trades.windows(2) {
            let (a, b) = (pair[0].price.0 as f64, pair[1].price.0 as f64);
            // One record moves the price by at most a percent, or a tick where the tick is coarser.
            assert!((b - a).abs() <= (0.01 * a).max(config.tick.0 as f64), "{price}/{tick}: {a} → {b}");
        }
        assert!(trades.iter().all(|t| t.price.0 % config.tick.0 == 0 && t.price.0 > 0));
        let (low, high) =
            trades.iter().fold((f64::MAX, 0.0_f64), |(l, h), t| (l.min(t.price.0 as f64), h.max(t.price.0 as f64)));
        assert!(low > 0.8 * start && high < 1.25 * start, "{price}/{tick}: {low}..{high} from {start}");
    }
}

#[test]
fn the_relative_walk_is_deterministic_and_strictly_ordered() {
    let config = GenConfig { trades: 50_000, volatility: Some(0.03), seed: 9, ..GenConfig::default() };
    let a: Vec<Trade> = TradeGenerator::new(config.clone()).collect();
    assert_eq!(a, TradeGenerator::new(config).collect::<Vec<_>>());
    assert!(a.windows(2).all(|w| (w[0].timestamp_us, w[0].agg_trade_id) < (w[1].timestamp_us, w[1].agg_trade_id)));
    assert!(a.windows(2).all(|w| w[1].first_trade_id == w[0].last_trade_id + 1));
}
