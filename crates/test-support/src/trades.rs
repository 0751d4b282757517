//! Generated trade streams for tests: a deterministic tick walk, and a proptest strategy.

use barsmith_core::{FixedPoint, Trade};
use proptest::prelude::*;

use crate::SplitMix;

/// `len` strictly ordered trades from `seed`: a price random walk on a 0.01 grid starting at `start_price_e8`
/// (steps of −0.02…+0.02), time gaps of 0, 0, 1 or 3 ms (runs of equal timestamps), quantities up to 2.0,
/// 1–3 trade ids per record, mixed sides. Aggregate ids count from 1.
pub fn tick_walk(len: usize, seed: u64, start_price_e8: i64) -> Vec<Trade> {
    let mut rng = SplitMix(seed);
    let (mut price, mut time) = (start_price_e8, 1_700_000_000_000_000i64);
    (0..len as i64)
        .map(|i| {
            price = (price + (rng.below(5) - 2) * 1_000_000).max(1_000_000);
            time += [0, 0, 1_000, 3_000][rng.below(4) as usize];
            Trade {
                agg_trade_id: i + 1,
                price: FixedPoint(price),
                quantity: FixedPoint(1 + rng.below(200_000_000)),
                first_trade_id: 10 * i,
                last_trade_id: 10 * i + rng.below(3),
                timestamp_us: time,
                is_buyer_maker: rng.coin(),
            }
        })
        .collect()
}

/// Strictly ordered streams of 1 to 399 trades for property tests: the price walks on a small grid from
/// 100.00 (never below 0.01), several records may share a timestamp, 1–3 trade ids per record.
pub fn strategy() -> impl Strategy<Value = Vec<Trade>> {
    prop::collection::vec((-40i64..=40, 0u8..3, 0i64..5_000_000_000, 1i64..4, any::<bool>()), 1..400).prop_map(
        |steps| {
            let (mut price, mut ts, mut id, mut trade_id) = (10_000_000_000i64, 1_700_000_000_000_000i64, 1i64, 100i64);
            steps
                .into_iter()
                .map(|(step, dt, qty, count, sell)| {
                    price = (price + step * 1_000_000).max(1_000_000);
                    ts += i64::from(dt);
                    id += 1;
                    let trade = Trade {
                        agg_trade_id: id,
                        price: FixedPoint(price),
                        quantity: FixedPoint(qty),
                        first_trade_id: trade_id,
                        last_trade_id: trade_id + count - 1,
                        timestamp_us: ts,
                        is_buyer_maker: sell,
                    };
                    trade_id += count;
                    trade
                })
                .collect()
        },
    )
}

/// Writes `rows` lines of a deterministic Binance spot aggTrades CSV (8 columns, no header, µs timestamps,
/// `True`/`False`): a price random walk on a 0.01 tick around 87 000, quantities of 1 to 8 significant
/// digits, about 37 % of rows sharing the previous timestamp. The same bytes on every run.
pub fn write_spot_csv(out: &mut impl std::io::Write, rows: u64) -> std::io::Result<()> {
    let mut rng = SplitMix(0x9e37_79b9_7f4a_7c15);
    let (mut price_cents, mut trade_id, mut timestamp_us) = (8_700_000i64, 5_723_703_861i64, 1_767_225_600_000_000i64);
    for row in 0..rows {
        let random = rng.next_u64();
        price_cents += (random % 5) as i64 - 2;
        let quantity = 1 + (random >> 8) % 50_000_000;
        let extra_trades = ((random >> 40) % 4) as i64;
        if (random >> 44) % 100 >= 37 {
            timestamp_us += 1 + ((random >> 50) % 400_000) as i64;
        }
        let maker = if (random >> 62) & 1 == 1 { "True" } else { "False" };
        writeln!(
            out,
            "{},{}.{:02}000000,{}.{:08},{},{},{},{},True",
            3_800_397_495 + row,
            price_cents / 100,
            price_cents % 100,
            quantity / 100_000_000,
            quantity % 100_000_000,
            trade_id,
            trade_id + extra_trades,
            timestamp_us,
            maker
        )?;
        trade_id += extra_trades + 1;
    }
    Ok(())
}

/// One CSV field from plausible and implausible pieces, to reach every branch of a record parser: an integer
/// (`integer`, a regex), a decimal (`decimal`, a regex), booleans in three spellings, millisecond and microsecond
/// timestamps, number-like junk, and the empty field.
pub fn record_field(integer: &'static str, decimal: &'static str) -> impl Strategy<Value = String> {
    prop_oneof![
        integer,
        decimal,
        Just("True".to_owned()),
        Just("false".to_owned()),
        Just("FALSE".to_owned()),
        Just("1767225600039409".to_owned()),
        Just("1767225600039".to_owned()),
        "-?[0-9.eE+x]{0,6}",
        Just(String::new()),
    ]
}
