//! Bar-level features: closed forms over one bar's exact accumulators.
//!
//! The formulas, guards and floating-point evaluation order follow rangebar-core 12.39 (every
//! volume is converted to `f64` before it is combined), so that the parity crate can hold them to
//! 1e-12 relative. The window features ([`crate::features::WindowFeatures`]) are the exact ones.

use crate::bar::RangeBar;
use crate::fixed_point::SCALE;

/// Features computed from a bar's own accumulators (always defined; guarded values are 0, 1 or 100).
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BarLevelFeatures {
    /// `close_time − open_time` (µs).
    pub duration_us: i64,
    /// `(B − S)/(B + S)` on buy/sell volume; 0 if `B + S ≤ ε`.
    pub ofi: f64,
    /// `(close − vwap)/(high − low)`; 0 if the range is `≤ ε`.
    pub vwap_close_deviation: f64,
    /// `|close − open| / volume`; 0 if volume `≤ ε`.
    pub price_impact: f64,
    /// `((close − open)/|open|) / ofi`; 0 if `|ofi| ≤ ε` or `|open| ≤ ε`.
    pub kyle_lambda_proxy: f64,
    /// Individual trades per second; the trade count itself if the duration is `≤ ε` seconds.
    pub trade_intensity: f64,
    /// Volume per individual trade; 0 without trades.
    pub volume_per_trade: f64,
    /// `min(buy_trade_count / sell_trade_count, 100)`; 100 if only buys, 1 if no trades.
    pub aggression_ratio: f64,
    /// Individual trades per aggTrades record; 1 without records.
    pub aggregation_density: f64,
    /// `(buy_turnover − sell_turnover)/(buy_turnover + sell_turnover)`; 0 if the sum is `≤ ε`.
    pub turnover_imbalance: f64,
}

impl BarLevelFeatures {
    /// The features of `bar`.
    pub fn of(bar: &RangeBar) -> BarLevelFeatures {
        let scale = SCALE as f64;
        let (buy_volume, sell_volume) = (bar.buy_volume as f64 / scale, bar.sell_volume as f64 / scale);
        let total_volume = buy_volume + sell_volume;
        let volume = bar.volume as f64 / scale;
        let (open, close) = (bar.open.to_f64(), bar.close.to_f64());
        let range = bar.high.to_f64() - bar.low.to_f64();
        let duration_us = bar.duration_us();
        let duration_s = duration_us as f64 * 1e-6;
        let trades = bar.individual_trade_count as f64;
        let (buy_trades, sell_trades) = (bar.buy_trade_count as f64, bar.sell_trade_count as f64);
        let records = bar.agg_record_count as f64;
        let (buy_turnover, sell_turnover) = (bar.buy_turnover as f64, bar.sell_turnover as f64);
        let total_turnover = (bar.buy_turnover + bar.sell_turnover) as f64;

        let ofi = if total_volume > f64::EPSILON { (buy_volume - sell_volume) / total_volume } else { 0.0 };
        BarLevelFeatures {
            duration_us,
            ofi,
            vwap_close_deviation: if range > f64::EPSILON { (close - bar.vwap.to_f64()) / range } else { 0.0 },
            price_impact: if volume > f64::EPSILON { (close - open).abs() / volume } else { 0.0 },
            kyle_lambda_proxy: if ofi.abs() > f64::EPSILON && open.abs() > f64::EPSILON {
                ((close - open) / open.abs()) / ofi
            } else {
                0.0
            },
            trade_intensity: if duration_s > f64::EPSILON { trades / duration_s } else { trades },
            volume_per_trade: if trades > 0.0 { volume / trades } else { 0.0 },
            aggression_ratio: if sell_trades > 0.0 {
                (buy_trades / sell_trades).min(100.0)
            } else if buy_trades > 0.0 {
                100.0
            } else {
                1.0
            },
            aggregation_density: if records > 0.0 { trades / records } else { 1.0 },
            turnover_imbalance: if total_turnover.abs() > f64::EPSILON {
                (buy_turnover - sell_turnover) / total_turnover
            } else {
                0.0
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixed_point::FixedPoint;
    use crate::trades::Trade;

    fn trade(price: &str, quantity: &str, ts: i64, trades: i64, buy: bool) -> Trade {
        Trade {
            agg_trade_id: ts,
            price: price.parse().unwrap(),
            quantity: quantity.parse().unwrap(),
            first_trade_id: ts * 10,
            last_trade_id: ts * 10 + trades - 1,
            timestamp_us: ts,
            is_buyer_maker: !buy,
        }
    }

    /// A bar built by hand: buys 2.0 @ 100 (3 trades) and 1.0 @ 101 (1 trade), a sell 1.0 @ 99 (2 trades),
    /// closing at 99 two seconds after the open.
    fn hand_bar() -> RangeBar {
        let records = [
            trade("100", "2.0", 1_000_000, 3, true),
            trade("101", "1.0", 2_000_000, 1, true),
            trade("99", "1.0", 3_000_000, 2, false),
        ];
        // A 100 % threshold: no record breaches, the three form one forming bar.
        let config = crate::BuilderConfig::new(crate::Threshold::from_dbps(100_000).unwrap());
        let mut builder = crate::RangeBarBuilder::new(config);
        let mut completed = Vec::new();
        builder.push_batch(&records.iter().collect(), &mut completed).unwrap();
        assert!(completed.is_empty());
        builder.incomplete_bar().unwrap()
    }

    #[test]
    fn matches_hand_computed_values() {
        let bar = hand_bar();
        assert_eq!(bar.agg_record_count, 3);
        let f = BarLevelFeatures::of(&bar);
        assert_eq!(f.duration_us, 2_000_000);
        assert_eq!(f.ofi, (3.0 - 1.0) / 4.0);
        // vwap = (200 + 101 + 99)/4 = 100; (close − vwap)/(high − low) = (99 − 100)/2.
        assert_eq!(bar.vwap, FixedPoint(100 * SCALE));
        assert_eq!(f.vwap_close_deviation, -0.5);
        assert_eq!(f.price_impact, 1.0 / 4.0);
        assert_eq!(f.kyle_lambda_proxy, (-1.0 / 100.0) / 0.5);
        assert_eq!(f.trade_intensity, 6.0 / 2.0);
        assert_eq!(f.volume_per_trade, 4.0 / 6.0);
        assert_eq!(f.aggression_ratio, 4.0 / 2.0);
        assert_eq!(f.aggregation_density, 6.0 / 3.0);
        let (buy, sell) = (301e16, 99e16);
        assert_eq!(f.turnover_imbalance, (buy - sell) / (buy + sell));
    }

    #[test]
    fn guards_give_the_documented_constants() {
        let mut bar = RangeBar::open_with(&trade("100", "1.0", 5, 1, true));
        let f = BarLevelFeatures::of(&bar);
        assert_eq!((f.duration_us, f.vwap_close_deviation, f.price_impact), (0, 0.0, 0.0));
        assert_eq!(f.kyle_lambda_proxy, 0.0, "close == open");
        assert_eq!(f.trade_intensity, 1.0, "instant bar: the trade count");
        assert_eq!(f.aggression_ratio, 100.0, "only buys");
        bar.buy_trade_count = 0;
        bar.individual_trade_count = 0;
        bar.volume = 0;
        bar.buy_volume = 0;
        bar.buy_turnover = 0;
        bar.agg_record_count = 0;
        let f = BarLevelFeatures::of(&bar);
        assert_eq!((f.ofi, f.volume_per_trade, f.turnover_imbalance), (0.0, 0.0, 0.0));
        assert_eq!((f.aggression_ratio, f.aggregation_density), (1.0, 1.0));
    }
}
