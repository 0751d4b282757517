//! One symbol's ordering state: the trade-id cursor (the next id the sink needs), the reorder window of
//! trades that arrived ahead of it, and the counters an operator reads.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use barsmith_core::Trade;

/// What happened to one symbol's trades.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FeedStats {
    /// Trades handed to the sink.
    pub trades: u64,
    /// Trades received again (by socket or REST) after their id was already held or handed on: dropped.
    pub duplicates: u64,
    /// Trades that arrived below an id already held (put back in order).
    pub out_of_order: u64,
    /// Trades handed on that REST supplied (catch-up after (re)connects, holes).
    pub from_rest: u64,
    /// Exchange gaps: runs of ids REST shows were never published.
    pub exchange_gaps: u64,
    /// Ids in those gaps.
    pub missing_ids: u64,
}

/// One symbol.
#[derive(Debug)]
pub(crate) struct Feed {
    /// Upper case, as Binance's `s` field and REST's `symbol` parameter spell it.
    pub(crate) symbol: String,
    /// The next id the sink needs; `None` until the first trade when the run has no start.
    pub(crate) next_id: Option<i64>,
    pending: BTreeMap<i64, Trade>,
    hole_since: Option<Instant>,
    until_id: Option<i64>,
    until_time_us: Option<i64>,
    /// The stop (`until_id`, `until_time_us`) was reached: nothing more is handed on.
    pub(crate) done: bool,
    pub(crate) stats: FeedStats,
    /// Trades ready for the sink, in order.
    pub(crate) out: Vec<Trade>,
}

impl Feed {
    pub(crate) fn new(symbol: &str, next_id: Option<i64>, until_id: Option<i64>, until_time_us: Option<i64>) -> Feed {
        let mut feed = Feed {
            symbol: symbol.to_ascii_uppercase(),
            next_id,
            pending: BTreeMap::new(),
            hole_since: None,
            until_id,
            until_time_us,
            done: false,
            stats: FeedStats::default(),
            out: Vec::new(),
        };
        feed.done = matches!((next_id, until_id), (Some(next), Some(until)) if next > until);
        feed
    }

    /// A trade from the socket: held in the window (or dropped as a duplicate), then whatever is in order
    /// is released.
    pub(crate) fn accept(&mut self, trade: Trade) {
        if self.done {
            return;
        }
        let id = trade.agg_trade_id;
        let next = *self.next_id.get_or_insert(id);
        if id < next || self.pending.contains_key(&id) {
            self.stats.duplicates += 1;
            return;
        }
        if self.pending.last_key_value().is_some_and(|(&last, _)| id < last) {
            self.stats.out_of_order += 1;
        }
        self.pending.insert(id, trade);
        self.release();
    }

    /// Moves the trades that continue the cursor from the window to `out`; drops those REST already covered.
    pub(crate) fn release(&mut self) {
        while let Some(entry) = self.pending.first_entry() {
            let next = self.next_id.unwrap_or(*entry.key());
            if *entry.key() < next {
                entry.remove();
                self.stats.duplicates += 1;
            } else if *entry.key() == next && !self.done {
                let trade = entry.remove();
                self.hand_on(trade);
            } else {
                break;
            }
        }
        if self.done {
            self.pending.clear();
        }
        self.hole_since = if self.pending.is_empty() { None } else { self.hole_since.or(Some(Instant::now())) };
    }

    /// Hands on a trade with the cursor's id (or, from REST, any id at or after it); applies the stops.
    fn hand_on(&mut self, trade: Trade) {
        let id = trade.agg_trade_id;
        let past_until = self.until_id.is_some_and(|until| id > until)
            || self.until_time_us.is_some_and(|until| trade.timestamp_us >= until);
        if past_until {
            self.done = true;
            return;
        }
        self.out.push(trade);
        self.next_id = Some(id + 1);
        self.stats.trades += 1;
        if self.until_id == Some(id) {
            self.done = true;
        }
    }

    /// Trades REST returned from the cursor on (in id order): handed on, and dropped from the window where it
    /// held them. Ids the page skips (after the cursor, between its rows) were never published: each run of
    /// them is an exchange gap, returned as `(first, last)`.
    pub(crate) fn accept_rest(&mut self, trades: &[Trade]) -> Vec<(i64, i64)> {
        let mut gaps = Vec::new();
        for trade in trades {
            if self.done {
                break;
            }
            let next = self.next_id.unwrap_or(trade.agg_trade_id);
            if trade.agg_trade_id < next {
                continue;
            }
            if trade.agg_trade_id > next {
                gaps.push((next, trade.agg_trade_id - 1));
                self.skip_gap(next, trade.agg_trade_id - 1);
                if self.done {
                    break;
                }
                // The window may have held this very trade, handed on when the cursor moved past the gap.
                if self.next_id.is_some_and(|next| trade.agg_trade_id < next) {
                    continue;
                }
            }
            if self.pending.remove(&trade.agg_trade_id).is_some() {
                self.stats.duplicates += 1;
            }
            self.stats.from_rest += 1;
            self.hand_on(*trade);
        }
        self.release();
        gaps
    }

    /// Ids `first..=last` were never published: the cursor moves past them.
    pub(crate) fn skip_gap(&mut self, first: i64, last: i64) {
        self.stats.exchange_gaps += 1;
        self.stats.missing_ids += (last - first + 1) as u64;
        self.next_id = Some(last + 1);
        if self.until_id.is_some_and(|until| last >= until) {
            self.done = true;
        }
        self.release();
    }

    /// The first held id when the hole in front of it should be filled by REST now: the window is full, or
    /// the hole has waited `hole_wait`.
    pub(crate) fn hole_to_fill(&self, window: usize, hole_wait: Duration) -> Option<i64> {
        if self.done {
            return None;
        }
        let (&first, _) = self.pending.first_key_value()?;
        let waited = self.hole_since.is_some_and(|since| since.elapsed() >= hole_wait);
        (self.pending.len() >= window || waited).then_some(first)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use barsmith_core::FixedPoint;

    fn trade(id: i64) -> Trade {
        Trade {
            agg_trade_id: id,
            price: FixedPoint(100),
            quantity: FixedPoint(1),
            first_trade_id: id,
            last_trade_id: id,
            timestamp_us: 1_767_225_600_000_000 + id,
            is_buyer_maker: false,
        }
    }

    fn ids(feed: &mut Feed) -> Vec<i64> {
        feed.out.drain(..).map(|t| t.agg_trade_id).collect()
    }

    #[test]
    fn duplicates_and_swaps_come_out_once_in_order() {
        let mut feed = Feed::new("btcusdt", Some(10), None, None);
        for id in [10, 12, 11, 11, 13, 9, 13] {
            feed.accept(trade(id));
        }
        assert_eq!(ids(&mut feed), [10, 11, 12, 13]);
        assert_eq!((feed.stats.duplicates, feed.stats.out_of_order), (3, 1));
    }

    #[test]
    fn the_time_stop_hands_on_only_trades_before_it() {
        let until = trade(3).timestamp_us;
        let mut feed = Feed::new("X", Some(1), None, Some(until));
        for id in 1..=5 {
            feed.accept(trade(id));
        }
        assert_eq!(ids(&mut feed), [1, 2]);
        assert!(feed.done);
    }

    #[test]
    fn a_hole_waits_then_rest_fills_it_and_a_gap_moves_on() {
        let mut feed = Feed::new("X", Some(1), Some(8), None);
        feed.accept(trade(1));
        feed.accept(trade(4));
        assert_eq!(feed.hole_to_fill(2, Duration::from_secs(60)), None);
        assert_eq!(feed.hole_to_fill(1, Duration::from_secs(60)), Some(4));
        assert_eq!(feed.accept_rest(&[trade(2), trade(4)]), [(3, 3)]);
        assert_eq!(ids(&mut feed), [1, 2, 4]);
        assert_eq!(feed.next_id, Some(5));
        feed.accept(trade(7));
        feed.skip_gap(5, 6);
        feed.accept(trade(8));
        feed.accept(trade(9));
        assert_eq!(ids(&mut feed), [7, 8]);
        assert!(feed.done);
        assert_eq!((feed.stats.exchange_gaps, feed.stats.missing_ids), (2, 3));
    }
}
