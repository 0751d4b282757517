"""Frames whose id columns are int64 without nulls are read in place (lent, not copied): the same bars and the
same errors as the copying path (int32 ids take it)."""

import pyarrow as pa
import pytest

import barsmith as bs


def _generated(n: int) -> pa.Table:
    return pa.table(bs.generate_trades(n, seed=5))


def _with_id_type(table: pa.Table, id_type: pa.DataType) -> pa.Table:
    for name in ("agg_trade_id", "first_trade_id", "last_trade_id"):
        index = table.schema.get_field_index(name)
        table = table.set_column(index, name, table.column(name).cast(id_type))
    return table


def test_lent_ids_give_the_bars_of_copied_ids_across_chunks_and_offsets():
    table = _generated(50_000)
    # Several record batches, and a slice that starts inside the first one (an offset into the buffers).
    chunked = pa.Table.from_batches(table.to_batches(max_chunksize=7_001)).slice(123)
    assert chunked.schema.field("agg_trade_id").type == pa.int64()
    copied = _with_id_type(chunked, pa.uint64())
    for features in ("none", ["bar", "intra", "lookback"]):
        lent_bars = bs.bars(chunked, threshold_dbps=25, features=features, include_incomplete=True)
        copied_bars = bs.bars(copied, threshold_dbps=25, features=features, include_incomplete=True)
        assert lent_bars.num_rows > 10
        assert lent_bars.equals(copied_bars)


@pytest.mark.parametrize("column,values,row", [("a", [-1, 2, 3], 0), ("l", [1, -2, 3], 1), ("f", [1, 2, -3], 2)])
def test_a_negative_lent_id_is_the_same_error(column, values, row):
    base = dict(a=[1, 2, 3], p=["100.5", "100.6", "100.7"], q=["1", "2", "3"], f=[1, 2, 3], l=[1, 2, 3],
                T=[1767225600000, 1767225600001, 1767225600002], m=[True, False, True])
    base[column] = values
    for id_type in (pa.int64(), pa.int32()):
        table = pa.table({k: pa.array(v, id_type) if k in "afl" else v for k, v in base.items()})
        with pytest.raises(bs.InputError) as raised:
            bs.bars(table, threshold_dbps=10)
        error = raised.value
        assert (error.kind, error.row, error.column, error.text) == ("invalid_number", row, column, str(values[row]))
