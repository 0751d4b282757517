"""The streaming builder: random batch sizes with a checkpoint and resume in the middle equal one call."""

from __future__ import annotations

import random

import polars as pl
import pyarrow as pa
import pytest

import barsmith as bs
from conftest import without_metadata

SETTINGS = [
    dict(),
    dict(lookback="time:5s", pe_order=4),
    dict(lookback="bars:2", hurst=False),
    dict(features="bar", gate=False),
]


@pytest.fixture(scope="module")
def trades() -> pa.Table:
    return pa.table(bs.generate_trades(60_000, seed=11))


def _concat(tables, schema):
    return pa.concat_tables([t.replace_schema_metadata(None) for t in tables]) if tables else schema.empty_table()


@pytest.mark.parametrize("settings", SETTINGS, ids=lambda s: ",".join(f"{k}={v}" for k, v in s.items()) or "all")
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_batches_with_checkpoint_equal_one_call(trades, settings, seed):
    rng = random.Random(seed)
    thresholds = [5, 20]
    expected = bs.bars(trades, threshold_dbps=thresholds, **settings)
    builder = bs.BarBuilder(threshold_dbps=thresholds, **settings)
    got = {dbps: [] for dbps in thresholds}
    start, resume_at = 0, rng.randrange(trades.num_rows)
    resumed = False
    while start < trades.num_rows:
        size = rng.choice([1, 2, 7, 100, 999, 4096, 20_000])
        batch = trades.slice(start, size)
        if rng.random() < 0.3:
            batch = pl.from_arrow(batch)  # any Arrow producer
        for dbps, table in builder.push(batch).items():
            got[dbps].append(table)
        start += size
        if not resumed and start >= resume_at:
            saved = builder.checkpoint()
            assert isinstance(saved, bytes)
            builder = bs.BarBuilder.from_checkpoint(saved, backend="scalar" if seed == 2 else None)
            resumed = True
    assert builder.rows == trades.num_rows
    for dbps in thresholds:
        want = without_metadata(expected[dbps])
        have = _concat(got[dbps], want.schema)
        if seed == 2 and settings.get("features") != "bar":
            # The resumed half ran the scalar kernels: exact columns equal, features to rounding.
            assert have.num_rows == want.num_rows
            for name in want.column_names:
                a, b = have.column(name).to_pylist(), want.column(name).to_pylist()
                if pa.types.is_floating(want.schema.field(name).type):
                    assert all((x is None and y is None) or abs(x - y) <= 1e-9 * max(1.0, abs(y)) for x, y in zip(a, b)), name
                else:
                    assert a == b, name
        else:
            assert have.equals(want), dbps


def test_incomplete_and_errors_leave_the_builder_unchanged(trades):
    builder = bs.BarBuilder(threshold_dbps=5, features="bar")
    first = builder.push(trades.slice(0, 1000))
    forming = builder.incomplete()
    assert forming.num_rows == 1
    assert builder.incomplete().equals(forming)
    saved = builder.checkpoint()
    bad = trades.slice(1000, 10)
    bad = bad.set_column(1, "price", pa.array(["1.5x"] * 10))
    with pytest.raises(bs.InputError) as raised:
        builder.push(bad)
    assert raised.value.row == 1000 and raised.value.column == "price"
    assert builder.checkpoint() == saved
    rest = builder.push(trades.slice(1000))
    whole = bs.bars(trades, threshold_dbps=5, features="bar")
    assert first.num_rows + rest.num_rows == whole.num_rows
    with pytest.raises(bs.InputError, match="does not follow") as raised:
        builder.push(trades.slice(0, 5))
    assert raised.value.kind == "duplicate" or raised.value.kind == "out_of_order"
    assert raised.value.row == trades.num_rows


def test_checkpoint_errors():
    with pytest.raises(bs.CheckpointError):
        bs.BarBuilder.from_checkpoint(b"not json")
    with pytest.raises(bs.CheckpointError, match="version"):
        bs.BarBuilder.from_checkpoint(b'{"format": "barsmith.BarBuilder", "version": 99, "symbol": "", "rows": 0, '
                                      b'"last": null, "pipelines": []}')
    with pytest.raises(ValueError, match="backend"):
        bs.BarBuilder.from_checkpoint(bs.BarBuilder(threshold_dbps=5).checkpoint(), backend="nonsense")


def test_a_builder_pickles_and_the_copy_continues_exactly(trades):
    """Trial finding 12: pickle (multiprocessing, joblib, Dask) goes through checkpoint(); a str checkpoint
    is accepted too."""
    import pickle

    thresholds = [5, 20]
    expected = bs.bars(trades, threshold_dbps=thresholds, features="bar")
    builder = bs.BarBuilder(threshold_dbps=thresholds, features="bar")
    first = builder.push(trades.slice(0, 25_000))
    copy = pickle.loads(pickle.dumps(builder))
    assert copy.rows == builder.rows == 25_000 and copy.thresholds == thresholds
    rest = copy.push(trades.slice(25_000))
    for dbps in thresholds:
        want = without_metadata(expected[dbps])
        assert _concat([first[dbps], rest[dbps]], want.schema).equals(want), dbps
    from_text = bs.BarBuilder.from_checkpoint(builder.checkpoint().decode("utf-8"))
    assert from_text.rows == 25_000
