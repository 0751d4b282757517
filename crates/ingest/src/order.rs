//! Record order: the strict check, `dedupe`, and the in-memory sort behind `sort`.

use std::path::PathBuf;

use barsmith_core::{Trade, TradeBatch};

use crate::error::{ErrorKind, RecordRef};
use crate::layout::Column;

/// The last record admitted, and where it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct LastRecord {
    pub(crate) trade: Trade,
    pub(crate) line: u64,
    /// Set when the record is from an earlier file.
    pub(crate) path: Option<PathBuf>,
}

impl LastRecord {
    fn reference(&self) -> RecordRef {
        RecordRef {
            path: self.path.clone(),
            line: self.line,
            agg_trade_id: self.trade.agg_trade_id,
            timestamp_us: self.trade.timestamp_us,
        }
    }
}

/// A record that breaks the order: the error, the column to blame and its value.
#[derive(Debug)]
pub(crate) struct OrderViolation {
    pub(crate) kind: ErrorKind,
    pub(crate) column: Column,
    pub(crate) value: i64,
}

/// Checks that agg_trade_id strictly increases and the timestamp never decreases, record by record.
///
/// Together these imply the strict (timestamp, agg_trade_id) order the builder needs, and catch a
/// repeated id even when it comes with a later timestamp.
#[derive(Debug, Default)]
pub(crate) struct OrderCheck {
    dedupe: bool,
    /// `false`: admit every record (only the last one is tracked).
    strict: bool,
    last: Option<LastRecord>,
}

impl OrderCheck {
    pub(crate) fn new(dedupe: bool, strict: bool) -> OrderCheck {
        OrderCheck { dedupe, strict, last: None }
    }

    /// Continues after a record of an earlier file.
    pub(crate) fn continue_after(&mut self, last: Option<LastRecord>) {
        self.last = last;
    }

    pub(crate) fn last(&self) -> Option<&LastRecord> {
        self.last.as_ref()
    }

    pub(crate) fn dedupe(&self) -> bool {
        self.dedupe
    }

    pub(crate) fn strict(&self) -> bool {
        self.strict
    }

    /// `Ok(true)` to keep `trade`, `Ok(false)` to drop it (an exact duplicate under `dedupe`).
    #[inline(always)]
    pub(crate) fn admit(&mut self, trade: &Trade, line: u64) -> Result<bool, OrderViolation> {
        if let Some(last) = &mut self.last {
            if (trade.agg_trade_id <= last.trade.agg_trade_id || trade.timestamp_us < last.trade.timestamp_us)
                && self.strict
            {
                return violation(last, trade, line, self.dedupe);
            }
            last.trade = *trade;
            last.line = line;
            last.path = None;
        } else {
            self.last = Some(LastRecord { trade: *trade, line, path: None });
        }
        Ok(true)
    }
}

#[cold]
fn violation(last: &LastRecord, trade: &Trade, line: u64, dedupe: bool) -> Result<bool, OrderViolation> {
    let previous = last.reference();
    let current = RecordRef { path: None, line, agg_trade_id: trade.agg_trade_id, timestamp_us: trade.timestamp_us };
    let (kind, column, value) = if trade.agg_trade_id == last.trade.agg_trade_id {
        if dedupe && *trade == last.trade {
            return Ok(false);
        }
        let kind = if dedupe {
            ErrorKind::ConflictingDuplicate { previous, current }
        } else {
            ErrorKind::Duplicate { previous, current }
        };
        (kind, Column::AggTradeId, trade.agg_trade_id)
    } else if trade.agg_trade_id < last.trade.agg_trade_id {
        (ErrorKind::OutOfOrder { previous, current }, Column::AggTradeId, trade.agg_trade_id)
    } else {
        (ErrorKind::OutOfOrder { previous, current }, Column::TransactTime, trade.timestamp_us)
    };
    Err(OrderViolation { kind, column, value })
}

/// A whole file's trades, held for `sort`: about 57 bytes per trade (49 in the columns, 8 for the line
/// number) plus 4 for the sort permutation.
#[derive(Debug, Default)]
pub(crate) struct SortedTrades {
    trades: TradeBatch,
    lines: Vec<u64>,
    order: Vec<u32>,
    next: usize,
}

impl SortedTrades {
    pub(crate) fn push(&mut self, trade: &Trade, line: u64) {
        self.trades.push(trade);
        self.lines.push(line);
    }

    pub(crate) fn len(&self) -> usize {
        self.lines.len()
    }

    /// Sorts by (timestamp, agg_trade_id), keeping the file order of equal keys (a stable sort), so exact
    /// duplicates end up next to each other.
    pub(crate) fn sort(&mut self) {
        let count = u32::try_from(self.len()).expect("fewer than 2^32 trades in one file");
        self.order = (0..count).collect();
        let (timestamps, ids) = (&self.trades.timestamp_us, &self.trades.agg_trade_id);
        self.order.sort_by_key(|&index| (timestamps[index as usize], ids[index as usize]));
    }

    /// The next trade in sorted order with its line.
    pub(crate) fn next_trade(&mut self) -> Option<(Trade, u64)> {
        let index = *self.order.get(self.next)? as usize;
        self.next += 1;
        Some((self.trades.get(index).expect("permutation index in range"), self.lines[index]))
    }

    /// Frees the memory once every trade has been handed out.
    pub(crate) fn release_if_done(&mut self) {
        if self.next >= self.order.len() {
            *self = SortedTrades { next: self.next, ..SortedTrades::default() };
        }
    }
}
