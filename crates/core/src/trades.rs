//! One aggTrades record, and a struct-of-arrays batch of records.

use crate::fixed_point::FixedPoint;

/// One Binance aggTrades record, with the timestamp already in microseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Trade {
    /// Aggregate trade id (strictly increasing within a symbol).
    pub agg_trade_id: i64,
    /// Price at scale 10^8.
    pub price: FixedPoint,
    /// Quantity at scale 10^8.
    pub quantity: FixedPoint,
    /// First individual trade id in this record.
    pub first_trade_id: i64,
    /// Last individual trade id in this record.
    pub last_trade_id: i64,
    /// Transaction time in microseconds since the Unix epoch.
    pub timestamp_us: i64,
    /// `true` when the buyer was the maker, i.e. the aggressor sold.
    pub is_buyer_maker: bool,
}

impl Trade {
    /// Number of individual trades this record aggregates: `last_trade_id - first_trade_id + 1`.
    pub fn individual_trade_count(&self) -> i64 {
        self.last_trade_id - self.first_trade_id + 1
    }

    /// `true` when the aggressor bought (`is_buyer_maker == false`).
    pub fn is_buy(&self) -> bool {
        !self.is_buyer_maker
    }
}

/// A batch of trades as parallel columns (struct of arrays), the unit the builder consumes.
///
/// All columns have the same length. Prices and quantities are raw `i64` at scale 10^8;
/// timestamps are microseconds. The batch is reusable: [`TradeBatch::clear`] keeps the allocations.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TradeBatch {
    /// Aggregate trade ids.
    pub agg_trade_id: Vec<i64>,
    /// Raw prices (scale 10^8).
    pub price: Vec<i64>,
    /// Raw quantities (scale 10^8).
    pub quantity: Vec<i64>,
    /// First individual trade ids.
    pub first_trade_id: Vec<i64>,
    /// Last individual trade ids.
    pub last_trade_id: Vec<i64>,
    /// Timestamps in microseconds.
    pub timestamp_us: Vec<i64>,
    /// `true` when the buyer was the maker (the aggressor sold).
    pub is_buyer_maker: Vec<bool>,
}

impl TradeBatch {
    /// An empty batch.
    pub fn new() -> TradeBatch {
        TradeBatch::default()
    }

    /// An empty batch with room for `capacity` trades in every column.
    pub fn with_capacity(capacity: usize) -> TradeBatch {
        TradeBatch {
            agg_trade_id: Vec::with_capacity(capacity),
            price: Vec::with_capacity(capacity),
            quantity: Vec::with_capacity(capacity),
            first_trade_id: Vec::with_capacity(capacity),
            last_trade_id: Vec::with_capacity(capacity),
            timestamp_us: Vec::with_capacity(capacity),
            is_buyer_maker: Vec::with_capacity(capacity),
        }
    }

    /// Makes room for at least `additional` more trades in every column.
    pub fn reserve(&mut self, additional: usize) {
        self.agg_trade_id.reserve(additional);
        self.price.reserve(additional);
        self.quantity.reserve(additional);
        self.first_trade_id.reserve(additional);
        self.last_trade_id.reserve(additional);
        self.timestamp_us.reserve(additional);
        self.is_buyer_maker.reserve(additional);
    }

    /// Number of trades.
    pub fn len(&self) -> usize {
        self.price.len()
    }

    /// `true` when the batch holds no trade.
    pub fn is_empty(&self) -> bool {
        self.price.is_empty()
    }

    /// Removes every trade, keeping the allocations.
    pub fn clear(&mut self) {
        self.agg_trade_id.clear();
        self.price.clear();
        self.quantity.clear();
        self.first_trade_id.clear();
        self.last_trade_id.clear();
        self.timestamp_us.clear();
        self.is_buyer_maker.clear();
    }

    /// Appends one trade.
    #[inline]
    pub fn push(&mut self, trade: &Trade) {
        self.agg_trade_id.push(trade.agg_trade_id);
        self.price.push(trade.price.0);
        self.quantity.push(trade.quantity.0);
        self.first_trade_id.push(trade.first_trade_id);
        self.last_trade_id.push(trade.last_trade_id);
        self.timestamp_us.push(trade.timestamp_us);
        self.is_buyer_maker.push(trade.is_buyer_maker);
    }

    /// Appends the trades of `from` at `range` (in order), column by column.
    ///
    /// Panics when `range` reaches past the end of `from`, as slicing does.
    pub fn extend_from(&mut self, from: &TradeBatch, range: std::ops::Range<usize>) {
        self.agg_trade_id.extend_from_slice(&from.agg_trade_id[range.clone()]);
        self.price.extend_from_slice(&from.price[range.clone()]);
        self.quantity.extend_from_slice(&from.quantity[range.clone()]);
        self.first_trade_id.extend_from_slice(&from.first_trade_id[range.clone()]);
        self.last_trade_id.extend_from_slice(&from.last_trade_id[range.clone()]);
        self.timestamp_us.extend_from_slice(&from.timestamp_us[range.clone()]);
        self.is_buyer_maker.extend_from_slice(&from.is_buyer_maker[range]);
    }

    /// The trade at `index`, or `None` past the end.
    pub fn get(&self, index: usize) -> Option<Trade> {
        self.columns().get(index)
    }

    /// Iterates the trades in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = Trade> + '_ {
        (0..self.len()).map(|i| self.get(i).expect("index in range"))
    }

    /// `true` when every column has the same length.
    pub fn is_consistent(&self) -> bool {
        self.columns().is_consistent()
    }

    /// The batch's columns, borrowed (what the builder and the pipelines read).
    pub fn columns(&self) -> TradeColumns<'_> {
        TradeColumns {
            agg_trade_id: &self.agg_trade_id,
            price: &self.price,
            quantity: &self.quantity,
            first_trade_id: &self.first_trade_id,
            last_trade_id: &self.last_trade_id,
            timestamp_us: &self.timestamp_us,
            is_buyer_maker: &self.is_buyer_maker,
        }
    }
}

/// A batch of trades as borrowed columns, the same layout as [`TradeBatch`]: a caller whose columns already
/// live elsewhere (an Arrow array's buffer) hands them to the builder and the pipelines without copying them.
/// A [`TradeBatch`] lends its own with [`TradeBatch::columns`] (or `From`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TradeColumns<'a> {
    /// Aggregate trade ids.
    pub agg_trade_id: &'a [i64],
    /// Raw prices (scale 10^8).
    pub price: &'a [i64],
    /// Raw quantities (scale 10^8).
    pub quantity: &'a [i64],
    /// First individual trade ids.
    pub first_trade_id: &'a [i64],
    /// Last individual trade ids.
    pub last_trade_id: &'a [i64],
    /// Timestamps in microseconds.
    pub timestamp_us: &'a [i64],
    /// `true` when the buyer was the maker (the aggressor sold).
    pub is_buyer_maker: &'a [bool],
}

impl<'a> From<&'a TradeBatch> for TradeColumns<'a> {
    fn from(batch: &'a TradeBatch) -> TradeColumns<'a> {
        batch.columns()
    }
}

impl TradeColumns<'_> {
    /// Number of trades (the length of the price column).
    pub fn len(&self) -> usize {
        self.price.len()
    }

    /// `true` when the batch holds no trade.
    pub fn is_empty(&self) -> bool {
        self.price.is_empty()
    }

    /// The trade at `index`, or `None` past the end.
    pub fn get(&self, index: usize) -> Option<Trade> {
        (index < self.len()).then(|| Trade {
            agg_trade_id: self.agg_trade_id[index],
            price: FixedPoint(self.price[index]),
            quantity: FixedPoint(self.quantity[index]),
            first_trade_id: self.first_trade_id[index],
            last_trade_id: self.last_trade_id[index],
            timestamp_us: self.timestamp_us[index],
            is_buyer_maker: self.is_buyer_maker[index],
        })
    }

    /// `true` when every column has the same length.
    pub fn is_consistent(&self) -> bool {
        let n = self.price.len();
        [
            self.agg_trade_id.len(),
            self.quantity.len(),
            self.first_trade_id.len(),
            self.last_trade_id.len(),
            self.timestamp_us.len(),
            self.is_buyer_maker.len(),
        ]
        .iter()
        .all(|&len| len == n)
    }
}

impl FromIterator<Trade> for TradeBatch {
    fn from_iter<I: IntoIterator<Item = Trade>>(iter: I) -> Self {
        let mut batch = TradeBatch::new();
        for trade in iter {
            batch.push(&trade);
        }
        batch
    }
}

impl<'a> FromIterator<&'a Trade> for TradeBatch {
    fn from_iter<I: IntoIterator<Item = &'a Trade>>(iter: I) -> Self {
        iter.into_iter().copied().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trade(id: i64) -> Trade {
        Trade {
            agg_trade_id: id,
            price: FixedPoint(100 + id),
            quantity: FixedPoint(2 * id),
            first_trade_id: 10 * id,
            last_trade_id: 10 * id + 1,
            timestamp_us: 1_000 + id,
            is_buyer_maker: id % 2 == 0,
        }
    }

    #[test]
    fn extend_from_appends_a_range_of_every_column() {
        let from: TradeBatch = (1..=5).map(trade).collect();
        let mut to: TradeBatch = [trade(0)].iter().collect();
        to.extend_from(&from, 1..4);
        to.extend_from(&from, 4..4);
        assert!(to.is_consistent());
        assert_eq!(to.iter().collect::<Vec<_>>(), [0, 2, 3, 4].map(trade));
    }

    #[test]
    #[should_panic]
    fn extend_from_past_the_end_panics() {
        let from: TradeBatch = (1..=2).map(trade).collect();
        TradeBatch::new().extend_from(&from, 1..3);
    }
}
