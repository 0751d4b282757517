"""Bars from Python equal the CLI's CSV cell for cell, for every feature group, on the bundled fixtures and the
real sample; the same bars from pyarrow, polars and pandas inputs with text, decimal and float prices."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import barsmith as bs
from conftest import (SPOT_FIXTURE, UM_FIXTURE, assert_table_equals_csv, cli_csv, read_trades, real_sample,
                      without_metadata)

# (CLI arguments, the same as keyword arguments of bs.bars)
FEATURE_CASES = [
    (["--features", "none"], dict(features="none")),
    (["--features", "bar"], dict(features="bar")),
    (["--features", "intra"], dict(features="intra")),
    (["--features", "lookback", "--lookback", "count:200"], dict(features="lookback", lookback="count:200")),
    (["--features", "bar,intra,lookback"], dict()),
    (["--lookback", "time:30s", "--no-pe"], dict(lookback="time:30s", pe=False)),
    (["--lookback", "bars:3", "--no-hurst", "--pe-order", "4"], dict(lookback="bars:3", hurst=False, pe_order=4)),
    (["--features", "bar", "--include-incomplete", "--no-gate"], dict(features="bar", include_incomplete=True,
                                                                      gate=False)),
]


def _check(tmp_path: Path, source: Path, dbps: int, cli_args, kwargs, symbol=None) -> pa.Table:
    symbol_args = ["--symbol", symbol] if symbol else []
    rows = cli_csv(tmp_path, [source], ["--threshold-dbps", str(dbps), *symbol_args, *cli_args])
    table = bs.bars(source, threshold_dbps=dbps, symbol=symbol, **kwargs)
    assert_table_equals_csv(table, rows)
    return table


@pytest.mark.parametrize("cli_args,kwargs", FEATURE_CASES, ids=[" ".join(c) for c, _ in FEATURE_CASES])
def test_fixture_equals_cli(tmp_path, cli_args, kwargs):
    table = _check(tmp_path, SPOT_FIXTURE, 10, cli_args, kwargs)
    assert table.num_rows > 50


@pytest.mark.parametrize("cli_args,kwargs", FEATURE_CASES[:5], ids=[" ".join(c) for c, _ in FEATURE_CASES[:5]])
def test_real_sample_equals_cli(tmp_path, cli_args, kwargs):
    table = _check(tmp_path, real_sample(), 5, cli_args, kwargs, symbol="BTCUSDT")
    assert table.num_rows > 10


def test_futures_fixture_with_header_and_milliseconds(tmp_path):
    _check(tmp_path, UM_FIXTURE, 5, [], {}, symbol="SYNTHUSDT")


def test_several_thresholds_in_one_pass(tmp_path):
    tables = bs.bars(SPOT_FIXTURE, threshold_dbps=[10, 25])
    assert list(tables) == [10, 25]
    for dbps, table in tables.items():
        assert_table_equals_csv(table, cli_csv(tmp_path, [SPOT_FIXTURE], ["--threshold-dbps", str(dbps)]))
        assert table.schema.metadata[b"barsmith.threshold_dbps"] == str(dbps).encode()


SOURCES = [SPOT_FIXTURE, UM_FIXTURE]


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.name)
@pytest.mark.parametrize("price_type", [pa.string(), pa.decimal128(20, 8), pa.decimal128(38, 10), pa.float64()],
                         ids=str)
def test_arrow_inputs_equal_files(source, price_type):
    expected = without_metadata(bs.bars(source, threshold_dbps=10, symbol="SYNTHUSDT"))
    trades = read_trades(source, price_type)
    assert without_metadata(bs.bars(trades, threshold_dbps=10)).equals(expected)


def test_real_sample_from_every_frame_library():
    sample = real_sample()
    expected = without_metadata(bs.bars(sample, threshold_dbps=5, symbol="BTCUSDT"))
    strings = read_trades(sample, pa.string())
    inputs = {
        "pyarrow text": strings,
        "pyarrow record batch": strings.to_batches(max_chunksize=strings.num_rows)[0],
        "pyarrow reader": pa.RecordBatchReader.from_batches(strings.schema, strings.to_batches(max_chunksize=777)),
        "polars float": pl.from_arrow(read_trades(sample, pa.float64())),
        "polars text": pl.from_arrow(strings),
        "polars decimal": pl.from_arrow(read_trades(sample, pa.decimal128(18, 8))),
        "pandas float": read_trades(sample, pa.float64()).to_pandas(),
        "pandas decimal objects": read_trades(sample, pa.decimal128(18, 8)).to_pandas(),
        "short names": strings.rename_columns(["a", "p", "q", "f", "l", "T", "m", "M"]),
    }
    for name, trades in inputs.items():
        got = bs.bars(trades, threshold_dbps=5, symbol="BTCUSDT")
        assert without_metadata(got).equals(expected), name


def test_outputs_are_the_same_bars():
    table = bs.bars(SPOT_FIXTURE, threshold_dbps=10)
    arrow = bs.bars(SPOT_FIXTURE, threshold_dbps=10, output="arrow")
    assert isinstance(arrow, bs.ArrowTable) and len(arrow) == table.num_rows
    assert pa.table(arrow).equals(table)
    frame = bs.bars(SPOT_FIXTURE, threshold_dbps=10, output="polars")
    assert isinstance(frame, pl.DataFrame) and frame.columns == table.column_names
    assert frame["close"].dtype == pl.Decimal(38, 8)
    assert pl.DataFrame(arrow).equals(frame)
    pandas = bs.bars(SPOT_FIXTURE, threshold_dbps=10, output="pandas")
    assert isinstance(pandas, pd.DataFrame) and list(pandas.columns) == table.column_names
    assert pandas["close"][0] == table.column("close")[0].as_py()


def test_directories_globs_and_symbols(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "SYNTHUSDT-aggTrades-2026-01-01.csv").write_bytes(SPOT_FIXTURE.read_bytes())
    (data / "OTHERUSDT-aggTrades-2026-01-01.csv").write_bytes(SPOT_FIXTURE.read_bytes())
    expected = without_metadata(bs.bars(SPOT_FIXTURE, threshold_dbps=10))
    by_symbol = bs.bars(data, threshold_dbps=10, by_symbol=True)
    assert sorted(by_symbol) == ["OTHERUSDT", "SYNTHUSDT"]
    assert all(without_metadata(t).equals(expected) for t in by_symbol.values())
    globbed = bs.bars(str(data / "SYNTH*-aggTrades-*.csv"), threshold_dbps=10)
    assert without_metadata(globbed).equals(expected)
    with pytest.raises(ValueError, match="2 symbols"):
        bs.bars(data, threshold_dbps=10)
    named = bs.bars([SPOT_FIXTURE], threshold_dbps=10, symbol="SYNTHUSDT")
    assert named.schema.metadata[b"barsmith.symbol"] == b"SYNTHUSDT"
    # A symbol that contradicts the Binance name is refused, never merged (issue 18, item 5).
    with pytest.raises(ValueError, match="is a file of SYNTHUSDT"):
        bs.bars([SPOT_FIXTURE], threshold_dbps=10, symbol="XYZ")
