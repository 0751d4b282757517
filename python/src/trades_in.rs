//! Arrow record batches with Binance's column names to exact [`TradeBatch`]es, checked like files are.
//!
//! Columns are found by name: `agg_trade_id, price, quantity, first_trade_id, last_trade_id, transact_time,
//! is_buyer_maker` or the short `a, p, q, f, l, T, m` (the header names the file reader accepts); other
//! columns are ignored. Values are converted by [`values`] and then checked as the file reader checks records:
//! prices positive, quantities not negative, timestamps in 2009..2100, `last_trade_id ≥ first_trade_id`,
//! `agg_trade_id` strictly increasing and timestamps never decreasing, across batches too. A bad value is an
//! [`InputProblem`] naming its row (0-based, counted over everything given so far) and column.

mod lent;
pub mod reorder;
mod values;

pub use lent::LentIds;

use std::ops::Range;

use arrow_array::{Array, RecordBatch};
use arrow_schema::Schema;
use barsmith::core::TradeColumns;
use barsmith::ingest::Column;
use barsmith::ingest::reference::{END_TIMESTAMP_US, MIN_TIMESTAMP_US};
use barsmith::{Kernels, TradeBatch};

use crate::errors::{Failure, InputProblem};

/// The columns a trade needs, in [`TradeBatch`] order.
const NEEDED: [Column; 7] = Column::TRADE;

/// Where each needed column is in a schema, and its name there.
#[derive(Debug, Clone)]
pub struct ColumnMap {
    indices: [usize; 7],
    names: [String; 7],
}

impl ColumnMap {
    /// Finds the columns; a missing or repeated one is a `ValueError` naming the accepted names.
    pub fn new(schema: &Schema) -> Result<ColumnMap, Failure> {
        let mut indices = [usize::MAX; 7];
        let mut names: [String; 7] = Default::default();
        for (index, field) in schema.fields().iter().enumerate() {
            let Some(column) = Column::from_header_name(field.name()) else { continue };
            let Some(slot) = NEEDED.iter().position(|&c| c == column) else { continue };
            if indices[slot] != usize::MAX {
                return Err(Failure::Value(format!(
                    "columns `{}` and `{}` both give {}",
                    names[slot],
                    field.name(),
                    column.name()
                )));
            }
            indices[slot] = index;
            names[slot] = field.name().clone();
        }
        let missing: Vec<&str> =
            NEEDED.iter().zip(&indices).filter(|(_, i)| **i == usize::MAX).map(|(c, _)| c.name()).collect();
        if !missing.is_empty() {
            let found: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
            return Err(Failure::Value(format!(
                "the trades lack column(s) {} (Binance names agg_trade_id, price, quantity, first_trade_id, \
                 last_trade_id, transact_time, is_buyer_maker, or a, p, q, f, l, T, m); found: {}",
                missing.join(", "),
                found.join(", ")
            )));
        }
        Ok(ColumnMap { indices, names })
    }
}

/// The last trade admitted, for the order check across batches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LastTrade {
    /// Its agg_trade_id.
    pub agg_trade_id: i64,
    /// Its timestamp in µs.
    pub timestamp_us: i64,
}

/// Converts and checks record batches in stream order.
#[derive(Debug)]
pub struct Converter {
    columns: ColumnMap,
    /// Rows converted before the current batch.
    rows: u64,
    last: Option<LastTrade>,
    /// The backend of the column kernels that convert and check.
    kernels: Kernels,
    /// `false`: record order is not checked (a frame to be sorted or deduplicated first, see [`reorder`]).
    ordered: bool,
}

/// Where the rows being converted are: the batch's first row in the stream and the column names.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Place<'a> {
    first_row: u64,
    column: &'a str,
}

impl Place<'_> {
    /// A problem at `index` (within the converted range).
    pub(crate) fn problem(&self, index: usize, kind: &'static str, message: &str, text: String) -> Failure {
        Failure::from(InputProblem {
            kind,
            message: message.to_string(),
            row: self.first_row + index as u64,
            column: self.column.to_string(),
            text,
        })
    }
}

impl Converter {
    /// A converter for batches of `schema`, continuing after `rows` rows whose last trade was `last`, whose
    /// column kernels run on `kernels` (the run's backend).
    pub fn new(schema: &Schema, rows: u64, last: Option<LastTrade>, kernels: Kernels) -> Result<Converter, Failure> {
        Ok(Converter { columns: ColumnMap::new(schema)?, rows, last, kernels, ordered: true })
    }

    /// The converter without the record-order check (each record is still checked on its own).
    pub fn unordered(mut self) -> Converter {
        self.ordered = false;
        self
    }

    /// Rows converted so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// The last trade converted.
    pub fn last(&self) -> Option<LastTrade> {
        self.last
    }

    /// Replaces `out` with the trades of `batch[range]`. Call with consecutive ranges, in stream order. Each
    /// column is set whole (not cleared first): reusing `out` for chunks of one length spares the kernels'
    /// outputs a zero-fill.
    pub fn convert(&mut self, batch: &RecordBatch, range: Range<usize>, out: &mut TradeBatch) -> Result<(), Failure> {
        self.convert_with(batch, range, out, &LentIds::default())
    }

    /// The schema's index of each batch slot's column.
    pub(crate) fn column_indices(&self) -> [usize; 7] {
        self.columns.indices
    }

    /// [`convert`](Self::convert) with the id columns `lent` holds read in place (checked, not copied).
    fn convert_with(
        &mut self,
        batch: &RecordBatch,
        range: Range<usize>,
        out: &mut TradeBatch,
        lent: &LentIds,
    ) -> Result<(), Failure> {
        if batch.schema().fields().len() <= self.columns.indices.iter().copied().max().unwrap_or(0) {
            return Err(Failure::Value("a record batch does not have the stream's columns".into()));
        }
        let place = |slot: usize| Place { first_row: self.rows, column: &self.columns.names[slot] };
        let column = |slot: usize| batch.column(self.columns.indices[slot]).slice(range.start, range.len());
        let k = self.kernels;
        // An id column is converted into `out`, or (lent) checked where it is and left out of `out`.
        let ids = |slot: usize, out: &mut Vec<i64>| match lent.slot(slot) {
            None => values::integers(k, column(slot).as_ref(), out, place(slot)),
            Some(ids) => {
                out.clear();
                match lent::first_negative(k, ids) {
                    None => Ok(()),
                    Some(i) => Err(place(slot).problem(i, "invalid_number", "negative id", ids[i].to_string())),
                }
            }
        };
        ids(0, &mut out.agg_trade_id)?;
        values::fixed_points(k, column(1).as_ref(), &mut out.price, place(1), values::Sign::Positive)?;
        values::fixed_points(k, column(2).as_ref(), &mut out.quantity, place(2), values::Sign::NonNegative)?;
        ids(3, &mut out.first_trade_id)?;
        ids(4, &mut out.last_trade_id)?;
        values::timestamps(k, column(5).as_ref(), &mut out.timestamp_us, place(5))?;
        values::booleans(column(6).as_ref(), &mut out.is_buyer_maker, place(6))?;
        let trades = lent.columns(out);
        self.check_records(trades, &place).map_err(|f| time_units(f, column(5).as_ref(), self.rows))?;
        self.rows += range.len() as u64;
        if let Some(last) = trades.len().checked_sub(1) {
            let (agg_trade_id, timestamp_us) = (trades.agg_trade_id[last], trades.timestamp_us[last]);
            self.last = Some(LastTrade { agg_trade_id, timestamp_us });
        }
        Ok(())
    }

    /// Timestamp range, trade-id order within a record, and record order.
    fn check_records<'a>(&self, trades: TradeColumns<'_>, place: &impl Fn(usize) -> Place<'a>) -> Result<(), Failure> {
        let previous = self.last.map(|p| (p.agg_trade_id, p.timestamp_us));
        let (ids, times) = (trades.agg_trade_id, trades.timestamp_us);
        let range = MIN_TIMESTAMP_US..END_TIMESTAMP_US;
        let checks = self.kernels;
        if self.ordered && checks.records_ok(ids, times, trades.first_trade_id, trades.last_trade_id, previous, range) {
            return Ok(());
        }
        if let Some(i) = trades.timestamp_us.iter().position(|t| !(MIN_TIMESTAMP_US..END_TIMESTAMP_US).contains(t)) {
            let message = "timestamp outside 2009-01-01..2100-01-01 (µs after the millisecond rule)";
            return Err(place(5).problem(i, "timestamp_out_of_range", message, trades.timestamp_us[i].to_string()));
        }
        if let Some(i) = trades.first_trade_id.iter().zip(trades.last_trade_id).position(|(f, l)| l < f) {
            let message = format!("last_trade_id is below first_trade_id {}", trades.first_trade_id[i]);
            return Err(place(4).problem(i, "trade_ids_reversed", &message, trades.last_trade_id[i].to_string()));
        }
        if !self.ordered {
            return Ok(());
        }
        let mut previous = self.last;
        for (i, (&id, &ts)) in trades.agg_trade_id.iter().zip(trades.timestamp_us).enumerate() {
            if let Some(p) = previous
                && (id <= p.agg_trade_id || ts < p.timestamp_us)
            {
                return Err(order_problem(p, LastTrade { agg_trade_id: id, timestamp_us: ts }, i, place));
            }
            previous = Some(LastTrade { agg_trade_id: id, timestamp_us: ts });
        }
        Ok(())
    }
}

#[cold]
pub(crate) fn order_problem<'a>(
    previous: LastTrade,
    current: LastTrade,
    i: usize,
    place: &impl Fn(usize) -> Place<'a>,
) -> Failure {
    let (kind, slot) = if current.agg_trade_id == previous.agg_trade_id {
        ("duplicate", 0)
    } else if current.agg_trade_id < previous.agg_trade_id {
        ("out_of_order", 0)
    } else {
        ("out_of_order", 5)
    };
    // `bs.bars` takes sort= and dedupe= for frames too; a sorted duplicate is still a duplicate.
    let remedy = match kind {
        "duplicate" => "dedupe=True drops exact duplicates",
        _ => "sort=True sorts the frame by transact_time, agg_trade_id",
    };
    let message = format!(
        "record (agg_trade_id {}, {} µs) does not follow (agg_trade_id {}, {} µs): trades must have strictly \
         increasing agg_trade_id and non-decreasing timestamps ({remedy})",
        current.agg_trade_id, current.timestamp_us, previous.agg_trade_id, previous.timestamp_us
    );
    let text = if slot == 0 { current.agg_trade_id } else { current.timestamp_us };
    place(slot).problem(i, kind, &message, text.to_string())
}

/// A timestamp out of range, said with the value the frame holds (not the µs value it became) and, for a whole
/// number that looks like seconds or nanoseconds since the epoch, what it looks like (trial finding 36).
fn time_units(failure: Failure, column: &dyn Array, first_row: u64) -> Failure {
    let Failure::Input(mut problem) = failure else { return failure };
    if problem.kind != "timestamp_out_of_range" {
        return Failure::Input(problem);
    }
    let Some(ints) = column.as_any().downcast_ref::<arrow_array::Int64Array>() else {
        return Failure::Input(problem);
    };
    let index = problem.row.checked_sub(first_row).and_then(|i| usize::try_from(i).ok());
    let Some(value) = index.filter(|&i| i < ints.len()).map(|i| ints.value(i)) else {
        return Failure::Input(problem);
    };
    let looks = if (1_000_000_000..10_000_000_000).contains(&value) {
        "; it looks like seconds since the epoch: give milliseconds or microseconds (× 1000)"
    } else if value >= 100_000_000_000_000_000 {
        "; it looks like nanoseconds since the epoch: give microseconds (÷ 1000) or a timestamp column"
    } else {
        ""
    };
    problem.message = format!(
        "timestamp {value} is outside 2009-01-01..2100-01-01 (integers below 10^13 are read as milliseconds, others as microseconds){looks}"
    );
    problem.text = value.to_string();
    Failure::Input(problem)
}

/// `true` when every value of `array` is valid (no null).
pub(crate) fn first_null(array: &dyn Array) -> Option<usize> {
    if array.null_count() == 0 {
        return None;
    }
    (0..array.len()).find(|&i| array.is_null(i))
}
