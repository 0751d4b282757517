//! The range bar and its exact accumulators.

use crate::fixed_point::FixedPoint;
use crate::trades::Trade;

/// A range bar: OHLC, exact volume/turnover accumulators, counts and id bounds.
///
/// Volumes are `i128` at scale 10^8; turnovers (Σ price × quantity) are `i128` at scale 10^16.
/// A buy is a record with `is_buyer_maker == false` (the aggressor bought).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct RangeBar {
    /// Timestamp of the opening record (µs).
    pub open_time: i64,
    /// Timestamp of the last record (µs); for a completed bar, the breaching record.
    pub close_time: i64,
    /// Price of the opening record.
    pub open: FixedPoint,
    /// Highest price in the bar.
    pub high: FixedPoint,
    /// Lowest price in the bar.
    pub low: FixedPoint,
    /// Price of the last record.
    pub close: FixedPoint,
    /// Σ quantity (scale 10^8).
    #[serde(with = "i128_string")]
    pub volume: i128,
    /// Σ price × quantity (scale 10^16).
    #[serde(with = "i128_string")]
    pub turnover: i128,
    /// Σ quantity of buy records.
    #[serde(with = "i128_string")]
    pub buy_volume: i128,
    /// Σ quantity of sell records.
    #[serde(with = "i128_string")]
    pub sell_volume: i128,
    /// Σ price × quantity of buy records.
    #[serde(with = "i128_string")]
    pub buy_turnover: i128,
    /// Σ price × quantity of sell records.
    #[serde(with = "i128_string")]
    pub sell_turnover: i128,
    /// turnover / volume truncated to scale 10^8; the open price while volume is 0.
    pub vwap: FixedPoint,
    /// Number of aggTrades records.
    pub agg_record_count: u64,
    /// Σ (last_trade_id − first_trade_id + 1).
    pub individual_trade_count: i64,
    /// Individual trades of buy records.
    pub buy_trade_count: i64,
    /// Individual trades of sell records.
    pub sell_trade_count: i64,
    /// agg_trade_id of the opening record.
    pub first_agg_trade_id: i64,
    /// agg_trade_id of the last record.
    pub last_agg_trade_id: i64,
    /// first_trade_id of the opening record.
    pub first_trade_id: i64,
    /// last_trade_id of the last record.
    pub last_trade_id: i64,
}

impl RangeBar {
    /// A bar holding only its opening record.
    pub fn open_with(trade: &Trade) -> RangeBar {
        let quantity = i128::from(trade.quantity.0);
        let turnover = i128::from(trade.price.0) * quantity;
        let count = trade.individual_trade_count();
        let buy = trade.is_buy();
        RangeBar {
            open_time: trade.timestamp_us,
            close_time: trade.timestamp_us,
            open: trade.price,
            high: trade.price,
            low: trade.price,
            close: trade.price,
            volume: quantity,
            turnover,
            buy_volume: if buy { quantity } else { 0 },
            sell_volume: if buy { 0 } else { quantity },
            buy_turnover: if buy { turnover } else { 0 },
            sell_turnover: if buy { 0 } else { turnover },
            vwap: trade.price,
            agg_record_count: 1,
            individual_trade_count: count,
            buy_trade_count: if buy { count } else { 0 },
            sell_trade_count: if buy { 0 } else { count },
            first_agg_trade_id: trade.agg_trade_id,
            last_agg_trade_id: trade.agg_trade_id,
            first_trade_id: trade.first_trade_id,
            last_trade_id: trade.last_trade_id,
        }
    }

    /// `close_time − open_time` in microseconds.
    pub fn duration_us(&self) -> i64 {
        self.close_time - self.open_time
    }

    /// Recomputes [`RangeBar::vwap`] from the turnover and volume sums.
    pub(crate) fn refresh_vwap(&mut self) {
        self.vwap = if self.volume > 0 {
            // turnover / volume is a price (between low and high), so it fits an i64.
            FixedPoint((self.turnover / self.volume) as i64)
        } else {
            self.open
        };
    }
}

/// Serialises `i128` as a decimal string so that JSON readers without 128-bit integers stay exact.
pub(crate) mod i128_string {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub fn serialize<S: Serializer>(value: &i128, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(value)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i128, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse().map_err(D::Error::custom)
    }
}
