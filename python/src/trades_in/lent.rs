//! Frames whose id columns are `int64` without nulls are read in place: the builder gets borrowed columns
//! ([`barsmith::core::TradeColumns`]) with the three id columns lent from the Arrow buffers instead of copied
//! into the batch (the copy was ~24 % of plain bars from a polars frame). Their checks are the same, read-only.

use std::ops::Range;

use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use arrow_array::{Array, RecordBatch};
use arrow_schema::DataType;
use barsmith::TradeBatch;
use barsmith::core::TradeColumns;

use super::Converter;
use crate::errors::Failure;

/// The batch slots of the id columns: agg_trade_id, first_trade_id, last_trade_id.
pub(crate) const ID_SLOTS: [usize; 3] = [0, 3, 4];

/// Which id columns of the rows just converted are lent (not copied into the batch), and from where.
#[derive(Debug, Clone, Default)]
pub struct LentIds {
    batch: Option<RecordBatch>,
    range: Range<usize>,
    indices: [Option<usize>; 3],
}

impl LentIds {
    /// `out`'s columns, with the lent id columns read from the record batch.
    pub fn columns<'s>(&'s self, out: &'s TradeBatch) -> TradeColumns<'s> {
        let mut view = out.columns();
        let Some(batch) = &self.batch else { return view };
        let lent = |index: Option<usize>| index.map(|i| &int64_values(batch.column(i).as_ref())[self.range.clone()]);
        if let Some(ids) = lent(self.indices[0]) {
            view.agg_trade_id = ids;
        }
        if let Some(ids) = lent(self.indices[1]) {
            view.first_trade_id = ids;
        }
        if let Some(ids) = lent(self.indices[2]) {
            view.last_trade_id = ids;
        }
        view
    }
}

/// The values of an `int64` array (the whole buffer, from the array's offset).
fn int64_values(array: &dyn Array) -> &[i64] {
    array.as_primitive::<Int64Type>().values()
}

/// `true` for a column that can be lent: `int64` without nulls.
fn lendable(array: &dyn Array) -> bool {
    array.data_type() == &DataType::Int64 && array.null_count() == 0
}

impl Converter {
    /// As [`convert`](Converter::convert), but id columns that are `int64` without nulls are not copied: `out`'s
    /// are left empty and `lent` says where they are; read the batch with [`LentIds::columns`]. The checks and
    /// the errors are the same (ids not negative, then every record check), on the lent values.
    pub fn convert_lent(
        &mut self,
        batch: &RecordBatch,
        range: Range<usize>,
        out: &mut TradeBatch,
        lent: &mut LentIds,
    ) -> Result<(), Failure> {
        let map = self.column_indices();
        let mut indices = [None; 3];
        for (k, &slot) in ID_SLOTS.iter().enumerate() {
            let index = map[slot];
            if index < batch.num_columns() && lendable(batch.column(index).as_ref()) {
                indices[k] = Some(index);
            }
        }
        *lent = LentIds { batch: Some(batch.clone()), range: range.clone(), indices };
        self.convert_with(batch, range, out, lent)
    }
}

impl LentIds {
    /// The lent values of batch slot `slot` (an id column), if it is lent.
    pub(crate) fn slot(&self, slot: usize) -> Option<&[i64]> {
        let k = ID_SLOTS.iter().position(|&s| s == slot)?;
        let (batch, index) = (self.batch.as_ref()?, self.indices[k]?);
        Some(&int64_values(batch.column(index).as_ref())[self.range.clone()])
    }
}

/// The first negative value, after a read-only minimum (the common case reads the column once).
pub(crate) fn first_negative(kernels: barsmith::Kernels, ids: &[i64]) -> Option<usize> {
    let low = kernels.min_max_i64(ids)?.min;
    (low < 0).then(|| ids.iter().position(|&v| v < 0).expect("the minimum is negative"))
}
