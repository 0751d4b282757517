use super::*;
use crate::fixed_point::FixedPoint;

fn trade(id: i64, price: &str, ts: i64) -> Trade {
    Trade {
        agg_trade_id: id,
        price: price.parse().unwrap(),
        quantity: FixedPoint(100_000_000),
        first_trade_id: id * 10,
        last_trade_id: id * 10 + 1,
        timestamp_us: ts,
        is_buyer_maker: id % 2 == 0,
    }
}

fn builder(dbps: u32, gate: bool) -> RangeBarBuilder {
    RangeBarBuilder::new(BuilderConfig {
        same_timestamp_gate: gate,
        ..BuilderConfig::new(Threshold::from_dbps(dbps).unwrap())
    })
}

fn run(b: &mut RangeBarBuilder, trades: &[Trade]) -> Vec<RangeBar> {
    let mut bars = Vec::new();
    b.push_batch(&trades.iter().collect(), &mut bars).unwrap();
    bars
}

#[test]
fn breach_at_exact_level_is_inclusive() {
    // 250 dbps of 100.0 is 0.25: upper 100.25, lower 99.75.
    for (price, closes) in [("100.25", true), ("100.24999999", false), ("99.75", true), ("99.75000001", false)] {
        let bars = run(&mut builder(250, true), &[trade(1, "100", 1), trade(2, price, 2)]);
        assert_eq!(bars.len(), usize::from(closes), "price {price}");
    }
}

#[test]
fn breaching_trade_belongs_to_the_bar_and_next_opens() {
    let mut b = builder(250, true);
    let bars = run(&mut b, &[trade(1, "100", 1), trade(2, "100.1", 2), trade(3, "100.3", 3), trade(4, "50", 4)]);
    assert_eq!(bars.len(), 1);
    let bar = bars[0];
    assert_eq!((bar.first_agg_trade_id, bar.last_agg_trade_id), (1, 3));
    assert_eq!(bar.close, "100.3".parse().unwrap());
    assert_eq!(bar.high, "100.3".parse().unwrap());
    assert_eq!(bar.agg_record_count, 3);
    assert_eq!(bar.individual_trade_count, 6);
    // Record 4 opened the next bar even though it is far outside: a single trade never closes a bar.
    let forming = b.incomplete_bar().unwrap();
    assert_eq!((forming.first_agg_trade_id, forming.agg_record_count), (4, 1));
}

#[test]
fn gap_produces_one_bar_without_synthetic_bars() {
    let bars = run(&mut builder(250, true), &[trade(1, "100", 1), trade(2, "200", 2), trade(3, "200", 3)]);
    assert_eq!(bars.len(), 1);
    assert_eq!(bars[0].close, "200".parse().unwrap());
}

#[test]
fn same_timestamp_gate_absorbs_breach() {
    let trades = [trade(1, "100", 5), trade(2, "101", 5), trade(3, "100.1", 6), trade(4, "100.3", 7)];
    let gated = run(&mut builder(250, true), &trades);
    assert_eq!(gated.len(), 1);
    assert_eq!(gated[0].last_agg_trade_id, 4, "closes at the first later breaching trade");
    assert_eq!(gated[0].high, "101".parse().unwrap());
    let ungated = run(&mut builder(250, false), &trades);
    assert_eq!(ungated[0].last_agg_trade_id, 2);
    assert_eq!(ungated.len(), 1);
}

#[test]
fn gate_does_not_block_later_timestamp_with_absorbed_high() {
    // After an absorbed breach, any later-timestamp breach closes, even one below the absorbed high.
    let trades = [trade(1, "100", 5), trade(2, "100.5", 5), trade(3, "100.26", 6)];
    let bars = run(&mut builder(250, true), &trades);
    assert_eq!(bars.len(), 1);
    assert_eq!(bars[0].last_agg_trade_id, 3);
}

#[test]
fn huge_quantities_accumulate_exactly_in_i128() {
    let big = FixedPoint(i64::MAX / 2);
    let mut trades: Vec<Trade> = (1..=5).map(|i| Trade { quantity: big, ..trade(i, "90000", i) }).collect();
    trades.push(Trade { quantity: big, ..trade(6, "100000", 6) });
    let bars = run(&mut builder(250, true), &trades);
    let q = i128::from(i64::MAX / 2);
    assert_eq!(bars[0].volume, 6 * q);
    let p1 = i128::from(FixedPoint::parse(b"90000").unwrap().0);
    let p2 = i128::from(FixedPoint::parse(b"100000").unwrap().0);
    assert_eq!(bars[0].turnover, 5 * p1 * q + p2 * q);
    assert_eq!(bars[0].buy_volume + bars[0].sell_volume, bars[0].volume);
    assert_eq!(bars[0].vwap.0 as i128, bars[0].turnover / bars[0].volume);
}

#[test]
fn vwap_is_open_when_volume_is_zero() {
    let zero = |id, p: &str, ts| Trade { quantity: FixedPoint(0), ..trade(id, p, ts) };
    let mut b = builder(250, true);
    let bars = run(&mut b, &[zero(1, "100", 1), zero(2, "100.1", 2), zero(3, "101", 3)]);
    assert_eq!(bars[0].vwap, "100".parse().unwrap());
}

#[test]
fn out_of_order_and_duplicates_are_rejected_without_consuming() {
    let mut b = builder(250, true);
    run(&mut b, &[trade(1, "100", 10)]);
    let before = b.clone();
    let mut bars = Vec::new();
    let err = b.push_batch(&[trade(2, "100", 11), trade(3, "100", 9)].iter().collect(), &mut bars).unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::OutOfOrder { previous: (11, 2), current: (9, 3) });
    assert_eq!(b, before);
    let dup = b.push_batch(&[trade(1, "100", 10)].iter().collect(), &mut bars).unwrap_err();
    assert!(matches!(dup.kind(), ErrorKind::OutOfOrder { .. }));
    // Same timestamp, increasing id is fine.
    run(&mut b, &[trade(2, "100", 10)]);
    assert!(b.push_trade(&trade(2, "100", 10)).is_err());
}

#[test]
fn push_trade_matches_push_batch() {
    let prices = ["100", "100.1", "99.9", "100.26", "100.2", "99.5", "99.6", "99.1", "100", "98"];
    let trades: Vec<Trade> = prices.iter().enumerate().map(|(i, p)| trade(i as i64 + 1, p, (i as i64) / 2)).collect();
    for gate in [true, false] {
        let batch_bars = run(&mut builder(250, gate), &trades);
        let mut single = builder(250, gate);
        let single_bars: Vec<RangeBar> = trades.iter().filter_map(|t| single.push_trade(t).unwrap()).collect();
        assert_eq!(batch_bars, single_bars);
        assert!(!batch_bars.is_empty());
    }
}

#[test]
fn checkpoint_round_trips_through_json() {
    let mut b = builder(250, true);
    run(&mut b, &[trade(1, "100", 1), trade(2, "100.1", 2)]);
    let json = b.checkpoint().to_json();
    let restored = RangeBarBuilder::from_checkpoint(&crate::Checkpoint::from_json(&json).unwrap()).unwrap();
    assert_eq!(restored, b);
    assert!(crate::Checkpoint::from_json(&json.replace("\"version\": 1", "\"version\": 99")).is_err());
}

#[test]
fn a_turnover_beyond_i128_is_an_error_on_both_paths_never_a_wrapped_value() {
    // Each price × quantity is about 2^125; a few of them pass i128 (2^127) inside one bar.
    let absurd = |id: i64| Trade {
        price: FixedPoint(i64::MAX - 8 + id),
        quantity: FixedPoint(i64::MAX / 2),
        ..trade(id, "1", id)
    };
    let trades: Vec<Trade> = (1..=8).map(absurd).collect();
    let mut batch_builder = builder(250, true);
    let error = batch_builder.push_batch(&trades.iter().collect(), &mut Vec::new()).unwrap_err();
    assert!(matches!(error.kind(), ErrorKind::SumOverflow { .. }), "{error}");
    let mut one_by_one = builder(250, true);
    let error = trades.iter().map(|t| one_by_one.push_trade(t)).find_map(Result::err).expect("an overflow");
    assert!(matches!(error.kind(), ErrorKind::SumOverflow { .. }), "{error}");
    assert!(error.to_string().contains("passes i128"), "{error}");
}
