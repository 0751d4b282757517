"""Trial findings 20 and 32 in Python: `sort=`/`dedupe=` work on frames as on files, a categorical
`is_buyer_maker` is read, and `identity_columns=True` puts `symbol` and `threshold_dbps` first."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
import pytest

import barsmith as bs
from conftest import SPOT_FIXTURE, read_trades, without_metadata


@pytest.fixture(scope="module")
def trades() -> pa.Table:
    return read_trades(SPOT_FIXTURE).slice(0, 8000)


def _expected(trades: pa.Table) -> pa.Table:
    return without_metadata(bs.bars(trades, threshold_dbps=10, features="bar"))


def test_sort_on_a_shuffled_frame_gives_the_bars_of_the_ordered_one(trades):
    shuffled = trades.take(pa.array(list(range(4000, 8000)) + list(range(0, 4000))))
    with pytest.raises(bs.InputError, match="sort=True sorts the frame"):
        bs.bars(shuffled, threshold_dbps=10, features="bar")
    got = bs.bars(shuffled, threshold_dbps=10, features="bar", sort=True)
    assert without_metadata(got).equals(_expected(trades))
    assert got.schema.metadata[b"barsmith.sort"] == b"true"


def test_dedupe_on_a_frame_drops_exact_duplicates_and_counts_them(trades):
    doubled = trades.take(pa.array([i // 2 if i < 200 else i - 100 for i in range(trades.num_rows + 100)]))
    with pytest.raises(bs.InputError, match="dedupe=True drops exact duplicates") as raised:
        bs.bars(doubled, threshold_dbps=10, features="bar")
    assert raised.value.kind == "duplicate"
    got = bs.bars(doubled, threshold_dbps=10, features="bar", dedupe=True)
    assert without_metadata(got).equals(_expected(trades))
    assert got.schema.metadata[b"barsmith.dropped_duplicates"] == b"100"


def test_a_duplicate_id_with_other_content_is_refused_under_dedupe(trades):
    first = trades.slice(0, 1)
    other = first.set_column(first.schema.get_field_index("quantity"), "quantity", pa.array(["9.5"]))
    frame = pa.concat_tables([first, other, trades.slice(1)])
    with pytest.raises(bs.InputError, match="other content") as raised:
        bs.bars(frame, threshold_dbps=10, features="bar", dedupe=True)
    assert raised.value.kind == "conflicting_duplicate"


def test_a_categorical_side_column_is_read(trades):
    polars = pytest.importorskip("polars")
    frame = polars.from_arrow(trades)
    categorical = frame.with_columns(polars.col("is_buyer_maker").cast(polars.String).cast(polars.Categorical))
    assert without_metadata(bs.bars(categorical, threshold_dbps=10, features="bar")).equals(_expected(trades))
    column = pc.cast(trades.column("is_buyer_maker"), pa.string()).dictionary_encode()
    dictionary = trades.set_column(trades.schema.get_field_index("is_buyer_maker"), "is_buyer_maker", column)
    assert without_metadata(bs.bars(dictionary, threshold_dbps=10, features="bar")).equals(_expected(trades))


def test_identity_columns_come_first(trades):
    tables = bs.bars(trades, threshold_dbps=[10, 20], features="bar", identity_columns=True, symbol="SYNTHUSDT")
    for dbps, table in tables.items():
        assert table.column_names[:3] == ["symbol", "threshold_dbps", "open_time"]
        assert set(table.column("symbol").to_pylist()) == {"SYNTHUSDT"}
        assert set(table.column("threshold_dbps").to_pylist()) == {dbps}
        plain = bs.bars(trades, threshold_dbps=dbps, features="bar", symbol="SYNTHUSDT")
        assert without_metadata(table.drop_columns(["symbol", "threshold_dbps"])).equals(without_metadata(plain))
    unnamed = bs.bars(trades, threshold_dbps=10, features="none", identity_columns=True)
    assert unnamed.column("symbol").null_count == unnamed.num_rows


def test_bar_builder_with_include_incomplete_gives_tables_that_concatenate(trades):
    """Trial finding 35: done and forming bars of a builder concatenate into what bars() gives."""
    builder = bs.BarBuilder(threshold_dbps=10, features="bar", include_incomplete=True)
    done = builder.push(trades)
    forming = builder.incomplete()
    assert done.column("is_complete").to_pylist() == [True] * done.num_rows
    assert forming.column("is_complete").to_pylist() == [False]
    expected = bs.bars(trades, threshold_dbps=10, features="bar", include_incomplete=True)
    assert without_metadata(pa.concat_tables([done, forming])).equals(without_metadata(expected))
    import pickle
    copy = pickle.loads(pickle.dumps(builder))
    assert copy.incomplete().column_names[-1] == "is_complete"
    plain = bs.BarBuilder(threshold_dbps=10, features="bar")
    assert "is_complete" not in plain.push(trades).column_names


@pytest.mark.parametrize("factor,words", [(1 / 1_000_000, "looks like seconds"), (1000, "looks like nanoseconds")])
def test_a_time_in_other_units_is_said_with_the_value_given(trades, factor, words):
    """Trial finding 36: the message quotes the frame's value and says what unit it looks like."""
    times = pc.cast(trades.column("transact_time"), pa.int64()).to_pylist()
    given = [int(t * factor) for t in times]
    frame = trades.set_column(trades.schema.get_field_index("transact_time"), "transact_time", pa.array(given))
    with pytest.raises(bs.InputError, match=words) as raised:
        bs.bars(frame, threshold_dbps=10, features="none")
    assert str(given[0]) in str(raised.value)


def test_a_nan_price_is_no_csv_wording(trades):
    prices = pc.cast(trades.column("price"), pa.float64()).to_pylist()
    prices[5] = float("nan")
    frame = trades.set_column(trades.schema.get_field_index("price"), "price", pa.array(prices))
    with pytest.raises(bs.InputError, match="not a finite number") as raised:
        bs.bars(frame, threshold_dbps=10, features="none")
    assert "expected digits" not in str(raised.value)


def test_kernel_names_agree_with_the_columns_and_the_cli():
    """Trial finding 37: `hurst_dfa` is a name of `dfa` in Python, as in the columns and the CLI."""
    assert bs.kernels.hurst_dfa is bs.kernels.dfa and "hurst_dfa" in bs.kernels.__all__
