//! `sort=` and `dedupe=` on a frame, as on files (trial finding 20): the frame's trades are converted without
//! the order check, sorted by (timestamp, agg_trade_id) keeping the frame's order of equal keys (stable), and
//! exact duplicates next to each other dropped (counted); then the order is checked as usual. Rows in errors
//! are positions after the sort.

use barsmith::TradeBatch;

use super::{Converter, LastTrade, Place, order_problem};
use crate::errors::Failure;

/// The trades `next` converts, sorted (`sort`) and without exact duplicates (`dedupe`), and how many were
/// dropped. `converter` must be [`Converter::unordered`].
pub fn reordered(
    converter: &mut Converter,
    mut next: impl FnMut(&mut Converter, &mut TradeBatch) -> Result<bool, Failure>,
    sort: bool,
    dedupe: bool,
) -> Result<(TradeBatch, u64), Failure> {
    let (mut all, mut batch) = (TradeBatch::default(), TradeBatch::default());
    while next(converter, &mut batch)? {
        for i in 0..batch.len() {
            all.push(&batch.get(i).expect("index in range"));
        }
    }
    if sort {
        let mut order: Vec<usize> = (0..all.len()).collect();
        order.sort_by_key(|&i| (all.timestamp_us[i], all.agg_trade_id[i]));
        let mut sorted = TradeBatch::with_capacity(all.len());
        for i in order {
            sorted.push(&all.get(i).expect("index in range"));
        }
        all = sorted;
    }
    let mut dropped = 0;
    if dedupe {
        let mut kept = TradeBatch::with_capacity(all.len());
        let mut last = None;
        for i in 0..all.len() {
            let trade = all.get(i).expect("index in range");
            if last == Some(trade) {
                dropped += 1;
                continue;
            }
            kept.push(&trade);
            last = Some(trade);
        }
        all = kept;
    }
    converter.check_order(&all, dedupe)?;
    Ok((all, dropped))
}

impl Converter {
    /// The order check of the whole reordered frame: a duplicate left under `dedupe` has other content.
    fn check_order(&self, trades: &TradeBatch, dedupe: bool) -> Result<(), Failure> {
        let place = |slot: usize| Place { first_row: 0, column: &self.columns.names[slot] };
        let mut previous: Option<LastTrade> = None;
        for (i, (&id, &ts)) in trades.agg_trade_id.iter().zip(&trades.timestamp_us).enumerate() {
            let current = LastTrade { agg_trade_id: id, timestamp_us: ts };
            if let Some(p) = previous
                && (id <= p.agg_trade_id || ts < p.timestamp_us)
            {
                if dedupe && id == p.agg_trade_id {
                    let message = format!(
                        "record (agg_trade_id {id}, {ts} µs) has the agg_trade_id of the record before it but other content, so it is no exact duplicate that dedupe=True drops"
                    );
                    return Err(place(0).problem(i, "conflicting_duplicate", &message, id.to_string()));
                }
                return Err(order_problem(p, current, i, &place));
            }
            previous = Some(current);
        }
        Ok(())
    }
}
