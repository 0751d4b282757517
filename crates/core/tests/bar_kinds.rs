//! Each bar kind's rule on small hand-checked streams (the worked examples of docs/BARS.md).

use barsmith_core::{BuilderConfig, Checkpoint, FixedPoint, RangeBar, RangeBarBuilder, Threshold, Trade};

/// Record `id` at `price` with quantity `qty`, `ms` milliseconds after 2024-01-01 00:00 UTC; `buy` is the aggressor side.
fn trade(id: i64, price: &str, qty: &str, ms: i64, buy: bool) -> Trade {
    Trade {
        agg_trade_id: id,
        price: price.parse().unwrap(),
        quantity: qty.parse().unwrap(),
        first_trade_id: id,
        last_trade_id: id,
        timestamp_us: 1_704_067_200_000_000 + ms * 1000,
        is_buyer_maker: !buy,
    }
}

fn run(spec: &str, trades: &[Trade]) -> (Vec<RangeBar>, Option<RangeBar>) {
    run_config(BuilderConfig::of(spec.parse().unwrap()), trades)
}

fn run_config(config: BuilderConfig, trades: &[Trade]) -> (Vec<RangeBar>, Option<RangeBar>) {
    let mut builder = RangeBarBuilder::new(config);
    let mut bars = Vec::new();
    builder.push_batch(&trades.iter().collect(), &mut bars).unwrap();
    (bars, builder.incomplete_bar())
}

/// (first, last) agg_trade_id of a bar.
type Span = (i64, i64);

/// Ids of the first and last record of each bar, then of the forming bar.
fn spans(result: &(Vec<RangeBar>, Option<RangeBar>)) -> (Vec<Span>, Option<Span>) {
    let span = |b: &RangeBar| (b.first_agg_trade_id, b.last_agg_trade_id);
    (result.0.iter().map(span).collect(), result.1.as_ref().map(span))
}

fn stream(quantities: &[&str], buys: &[bool]) -> Vec<Trade> {
    quantities.iter().zip(buys).enumerate().map(|(i, (q, &b))| trade(i as i64 + 1, "100", q, i as i64, b)).collect()
}

#[test]
fn tick_bars_close_on_the_nth_record() {
    let trades = stream(&["1"; 7], &[true; 7]);
    assert_eq!(spans(&run("tick:3", &trades)), (vec![(1, 3), (4, 6)], Some((7, 7))));
    assert_eq!(spans(&run("tick:1", &trades)).0.len(), 7);
}

#[test]
fn volume_bars_close_where_the_total_reaches_the_threshold_and_carry_is_an_option() {
    let trades = stream(&["0.5", "1", "0.5", "3", "0.2", "1.8", "1"], &[true; 7]);
    // 0.5 + 1 + 0.5 = 2 reaches 2 exactly; 3 alone passes it; 0.2 + 1.8 = 2.
    assert_eq!(spans(&run("volume:2", &trades)), (vec![(1, 3), (4, 4), (5, 6)], Some((7, 7))));
    // With carry: bar 2 holds 3, carries 1; bar 3 starts at 1: 1 + 0.2 + 1.8 = 3 closes at 6 carrying 1;
    // 1 + 1 = 2 closes at 7.
    assert_eq!(spans(&run("volume:2:carry", &trades)), (vec![(1, 3), (4, 4), (5, 6), (7, 7)], None));
}

#[test]
fn dollar_bars_sum_price_times_quantity_exactly() {
    let trades: Vec<Trade> = [("100", "0.3"), ("200", "0.1"), ("50", "0.2"), ("100", "0.59999999")]
        .iter()
        .enumerate()
        .map(|(i, (p, q))| trade(i as i64 + 1, p, q, i as i64, true))
        .collect();
    // 30 + 20 + 10 = 60 reaches 60; the last record is 59.999999 < 60.
    assert_eq!(spans(&run("dollar:60", &trades)), (vec![(1, 3)], Some((4, 4))));
    assert_eq!(spans(&run("dollar:6e1", &trades)), (vec![(1, 3)], Some((4, 4))));
    assert_eq!(spans(&run("dollar:59.999999", &trades)).0, vec![(1, 3), (4, 4)]);
}

#[test]
fn time_bars_are_utc_intervals_and_an_interval_without_records_gives_no_bar() {
    let at = |id, ms| trade(id, "100", "1", ms, true);
    // 00:00:10, 00:00:59.999 | 00:01:00 | (no record in 00:02) | 00:03:30, 00:03:40
    let trades = [at(1, 10_000), at(2, 59_999), at(3, 60_000), at(4, 210_000), at(5, 220_000)];
    let result = run("time:1m", &trades);
    assert_eq!(spans(&result), (vec![(1, 2), (3, 3)], Some((4, 5))));
    assert_eq!(result.0[0].close_time, trades[1].timestamp_us, "a bar ends with its interval's last record");
    // One record at a time: the bar is complete when the next interval's first record arrives.
    let mut builder = RangeBarBuilder::new(BuilderConfig::of("time:1m".parse().unwrap()));
    let completed: Vec<Option<i64>> =
        trades.iter().map(|t| builder.push_trade(t).unwrap().map(|b| b.last_agg_trade_id)).collect();
    assert_eq!(completed, [None, None, Some(2), Some(3), None]);
}

#[test]
fn range_min_duration_holds_the_bar_open_until_it_has_lasted() {
    let mut config = BuilderConfig::new(Threshold::from_dbps(250).unwrap());
    let trades = [
        trade(1, "100", "1", 0, true),
        trade(2, "100.3", "1", 500, true), // beyond +0.25 % but only 0.5 s after the open
        trade(3, "100.1", "1", 2500, true), // 2.5 s: lasted, but inside the levels
        trade(4, "99.7", "1", 3000, true), // beyond -0.25 % and lasted: closes
        trade(5, "100", "1", 3100, true),
    ];
    assert_eq!(spans(&run_config(config, &trades)).0, vec![(1, 2), (3, 4)]);
    config.min_duration_us = 2_000_000;
    let result = run_config(config, &trades);
    assert_eq!(spans(&result), (vec![(1, 4)], Some((5, 5))));
    assert_eq!(result.0[0].high, "100.3".parse().unwrap());
    // Exactly the duration after the open is enough.
    config.min_duration_us = 3_000_000;
    assert_eq!(spans(&run_config(config, &trades)).0, vec![(1, 4)]);
    config.min_duration_us = 3_000_001;
    assert_eq!(spans(&run_config(config, &trades)).0, vec![]);
}

#[test]
fn imbalance_and_run_bars_with_fixed_thresholds() {
    let buys = [true, true, false, true, true, false, false, false, true];
    let trades = stream(&["1"; 9], &buys);
    // Σ b: 1 2 | 1 0 1 2 | ... tick-imbalance:2 closes at 2, then at 1+... : bar 2 runs from 3: -1 0 1 0 -1 -2 closes at 8.
    assert_eq!(spans(&run("tick-imbalance:2", &trades)), (vec![(1, 2), (3, 8)], Some((9, 9))));
    // Runs: max(Σ buy, Σ sell) reaches 3: records 1..4 hold 3 buys.
    assert_eq!(spans(&run("tick-run:3", &trades)), (vec![(1, 4), (5, 8)], Some((9, 9))));
    // Volume flow: quantities weigh the signs.
    let weighted = stream(&["1", "0.5", "2", "1", "1", "1", "1", "1", "1"], &buys);
    assert_eq!(spans(&run("volume-imbalance:1.5", &weighted)).0[0], (1, 2));
}

#[test]
fn tick_rule_signs_by_price_changes() {
    let prices = ["100", "100", "101", "101", "100", "99", "99"];
    let trades: Vec<Trade> =
        prices.iter().enumerate().map(|(i, p)| trade(i as i64 + 1, p, "1", i as i64, true)).collect();
    // Signs: 0 (no previous), 0 (no change yet), +1, +1, -1, -1, -1. Imbalance reaches 2 at record 4, then
    // -2 at record 6.
    assert_eq!(spans(&run("tick-imbalance:2:tick-rule", &trades)), (vec![(1, 4), (5, 6)], Some((7, 7))));
    // By aggressor every record is a buy: 2 at record 2.
    assert_eq!(spans(&run("tick-imbalance:2", &trades)).0[0], (1, 2));
}

#[test]
fn expected_threshold_warms_up_on_init_records_then_follows_the_averages() {
    // Warm-up: the first bar is 4 records (3 buys, 1 sell): E[T] = 4, E[b] = (3 − 1) / 4 = 0.5.
    // Next threshold ⌈4 × 0.5⌉ = 2: records 5, 6 (two buys) close the second bar; then with span 1 (α = 1)
    // E[T] = 2, E[b] = 1, threshold 2 again: records 7..10 (−1, 0, 1, 2) close at 10. With span 3 (α = ½)
    // E[T] = 3, E[b] = 0.75 after the second bar: threshold ⌈2.25⌉ = 3, not reached by record 10.
    let buys = [true, true, false, true, true, true, false, true, true, true];
    let trades = stream(&["1"; 10], &buys);
    let result = run("tick-imbalance:ewma:init=4:span=1", &trades);
    assert_eq!(spans(&result), (vec![(1, 4), (5, 6), (7, 10)], None));
    let result = run("tick-imbalance:ewma:init=4:span=3", &trades);
    assert_eq!(spans(&result), (vec![(1, 4), (5, 6)], Some((7, 10))));
}

#[test]
fn checkpoints_keep_the_range_shape_and_name_other_kinds() {
    let trades = stream(&["1"; 3], &[true; 3]);
    let range = RangeBarBuilder::new(BuilderConfig::new(Threshold::from_dbps(250).unwrap()));
    let json = range.checkpoint().to_json();
    assert!(json.contains("\"threshold\": 250") && !json.contains("bars") && !json.contains("rule"), "{json}");
    let mut builder = RangeBarBuilder::new(BuilderConfig::of("volume-run:ewma:init=5:span=3".parse().unwrap()));
    builder.push_batch(&trades.iter().collect(), &mut Vec::new()).unwrap();
    let json = builder.checkpoint().to_json();
    assert!(json.contains("\"bars\": \"volume-run:ewma:init=5:span=3\"") && json.contains("\"rule\""), "{json}");
    let restored = RangeBarBuilder::from_checkpoint(&Checkpoint::from_json(&json).unwrap()).unwrap();
    assert_eq!(restored, builder);
    let bad = json.replace("volume-run:ewma", "volume-run:ewmx");
    assert!(Checkpoint::from_json(&bad).unwrap_err().to_string().contains("bar specification"));
    let _ = FixedPoint(0);
}
